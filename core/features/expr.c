/*
 * expr.c — parsing and column-wise evaluation of derive expressions;
 * see expr.h.  A recursive-descent parser builds a small tree; evaluation
 * walks it once per apply, each node producing one column.
 */
#include "expr.h"
#include "base/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nkind { N_NUM, N_COL, N_STR, N_NEG, N_NOT, N_BIN, N_CALL };

enum op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_POW, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ,
	OP_NE, OP_AND, OP_OR };

enum fn { F_LOG, F_EXP, F_SQRT, F_ABS, F_FLOOR, F_CEIL, F_ROUND, F_MIN, F_MAX, F_POW, F_IF,
	F_ISNA, F_COALESCE };

static const struct {
	const char	*name;
	enum fn		 fn;
	int		 min, max;	/* argument count */
} functions[] = {
	{ "log", F_LOG, 1, 1 }, { "exp", F_EXP, 1, 1 }, { "sqrt", F_SQRT, 1, 1 },
	{ "abs", F_ABS, 1, 1 }, { "floor", F_FLOOR, 1, 1 }, { "ceil", F_CEIL, 1, 1 },
	{ "round", F_ROUND, 1, 1 }, { "min", F_MIN, 2, 64 }, { "max", F_MAX, 2, 64 },
	{ "pow", F_POW, 2, 2 }, { "if", F_IF, 3, 3 }, { "isna", F_ISNA, 1, 1 },
	{ "coalesce", F_COALESCE, 1, 64 },
};

struct node {
	enum nkind	 k;
	int		 op;	/* enum op / enum fn */
	double		 num;
	char		*s;	/* column name or string literal */
	int		 pos;	/* character column in the line */
	struct node	**args;
	size_t		 nargs;
};

struct expr {
	struct node	*root;
	char		**cols;		/* borrowed from the nodes */
	int		*colpos;
	size_t		 ncols;
};

struct parser {
	const char	*s, *p;
	int		 col0;
	char		*err;
	int		 errcol;
};

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->nargs; i++)
		node_free(n->args[i]);
	free(n->args);
	free(n->s);
	free(n);
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	free(e->cols);
	free(e->colpos);
	free(e);
}

static int
pcol(const struct parser *ps, const char *at)
{
	int c = ps->col0;
	for (const char *q = ps->s; q < at; q++)
		c += ((unsigned char)*q & 0xc0) != 0x80;
	return c;
}

static struct node *
fail(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct node *
fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	if (ps->err == NULL) {
		va_list ap;
		va_start(ap, fmt);
		err_setv(&ps->err, fmt, ap);
		va_end(ap);
		ps->errcol = pcol(ps, at);
	}
	return NULL;
}

static void
ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static struct node *
mknode(enum nkind k, int op, const char *at, struct parser *ps)
{
	struct node *n = calloc(1, sizeof *n);
	if (n == NULL)
		return fail(ps, at, "out of memory");
	n->k = k;
	n->op = op;
	n->pos = pcol(ps, at);
	return n;
}

/* Append a to n's arguments: n owns a from now on, even on failure (when
 * a is freed and the parser's error is "out of memory"). */
static int
add_arg(struct parser *ps, struct node *n, struct node *a)
{
	struct node **v = realloc(n->args, (n->nargs + 1) * sizeof *v);
	if (v == NULL) {
		node_free(a);
		fail(ps, ps->p, "out of memory");
		return -1;
	}
	n->args = v;
	v[n->nargs++] = a;
	return 0;
}

static struct node *binary(struct parser *ps, int level);

static struct node *
unary(struct parser *ps);

/* A quoted token: "column" or 'string'. */
static char *
quoted(struct parser *ps, char q)
{
	const char *start = ps->p++;
	struct sbuf b;
	sbuf_init(&b);
	for (;;) {
		if (*ps->p == '\0') {
			sbuf_free(&b);
			fail(ps, start, "unterminated %s (expected a closing %c)",
			    q == '"' ? "quoted column name" : "string", q);
			return NULL;
		}
		if (*ps->p == q) {
			if (ps->p[1] == q) {
				sbuf_putc(&b, q);
				ps->p += 2;
				continue;
			}
			ps->p++;
			break;
		}
		sbuf_putc(&b, *ps->p++);
	}
	return sbuf_detach(&b);
}

static struct node *
atom(struct parser *ps)
{
	ws(ps);
	const char *at = ps->p;
	char c = *ps->p;
	if (c == '(') {
		ps->p++;
		struct node *n = binary(ps, 0);
		if (n == NULL)
			return NULL;
		ws(ps);
		if (*ps->p != ')') {
			node_free(n);
			return fail(ps, ps->p, "expected ')'");
		}
		ps->p++;
		return n;
	}
	if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)ps->p[1]))) {
		char *end;
		double v = strtod(ps->p, &end);
		if (end == ps->p)
			return fail(ps, at, "bad number");
		ps->p = end;
		struct node *n = mknode(N_NUM, 0, at, ps);
		if (n)
			n->num = v;
		return n;
	}
	if (c == '"' || c == '\'') {
		char *s = quoted(ps, c);
		if (s == NULL)
			return NULL;
		struct node *n = mknode(c == '"' ? N_COL : N_STR, 0, at, ps);
		if (n == NULL) {
			free(s);
			return NULL;
		}
		n->s = s;
		return n;
	}
	if (isalpha((unsigned char)c) || c == '_') {
		while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
			ps->p++;
		char *word = str_ndup(at, (size_t)(ps->p - at));
		if (word == NULL)
			return fail(ps, at, "out of memory");
		const char *save = ps->p;
		ws(ps);
		if (*ps->p == '(') {
			size_t f;
			for (f = 0; f < ARRAY_LEN(functions); f++)
				if (strcmp(functions[f].name, word) == 0)
					break;
			if (f == ARRAY_LEN(functions)) {
				fail(ps, at, "unknown function '%s' (functions: log, exp, sqrt, abs, "
				    "floor, ceil, round, min, max, pow, if, isna, coalesce)", word);
				free(word);
				return NULL;
			}
			free(word);
			struct node *n = mknode(N_CALL, (int)functions[f].fn, at, ps);
			if (n == NULL)
				return NULL;
			ps->p++;
			ws(ps);
			if (*ps->p != ')')
				for (;;) {
					struct node *a = binary(ps, 0);
					if (a == NULL || add_arg(ps, n, a) != 0) {
						node_free(n);
						return NULL;
					}
					ws(ps);
					if (*ps->p == ',') {
						ps->p++;
						continue;
					}
					break;
				}
			ws(ps);
			if (*ps->p != ')') {
				node_free(n);
				return fail(ps, ps->p, "expected ',' or ')' in the call of %s",
				    functions[f].name);
			}
			ps->p++;
			if ((int)n->nargs < functions[f].min || (int)n->nargs > functions[f].max) {
				node_free(n);
				if (functions[f].min == functions[f].max)
					return fail(ps, at, "%s takes %d argument%s", functions[f].name,
					    functions[f].min, functions[f].min == 1 ? "" : "s");
				return fail(ps, at, "%s takes at least %d arguments", functions[f].name,
				    functions[f].min);
			}
			return n;
		}
		ps->p = save;
		if (!strcmp(word, "and") || !strcmp(word, "or") || !strcmp(word, "not")) {
			free(word);
			return fail(ps, at, "expected a value before '%.3s'", at);
		}
		struct node *n = mknode(N_COL, 0, at, ps);
		if (n == NULL) {
			free(word);
			return NULL;
		}
		n->s = word;
		return n;
	}
	if (c == '\0')
		return fail(ps, at, "expression ends too early (expected a value)");
	return fail(ps, at, "unexpected '%c' (expected a number, a column or '(')", c);
}

static struct node *
unary(struct parser *ps)
{
	ws(ps);
	const char *at = ps->p;
	int neg = *ps->p == '-', not = *ps->p == '!';
	if (!not && strncmp(ps->p, "not", 3) == 0 && !isalnum((unsigned char)ps->p[3]) &&
	    ps->p[3] != '_') {
		not = 1;
		ps->p += 2;
	}
	if (neg || not) {
		ps->p++;
		struct node *a = unary(ps);
		if (a == NULL)
			return NULL;
		struct node *n = mknode(neg ? N_NEG : N_NOT, 0, at, ps);
		if (n == NULL) {
			node_free(a);
			return NULL;
		}
		if (add_arg(ps, n, a) != 0) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	struct node *base = atom(ps);
	if (base == NULL)
		return NULL;
	ws(ps);
	if (*ps->p == '^') {	/* right-associative, binds tighter than unary minus */
		const char *op = ps->p++;
		struct node *e = unary(ps);
		struct node *n = e ? mknode(N_BIN, OP_POW, op, ps) : NULL;
		if (n == NULL) {
			node_free(base);
			node_free(e);
			return NULL;
		}
		if (add_arg(ps, n, base) != 0) {
			node_free(e);
			node_free(n);
			return NULL;
		}
		if (add_arg(ps, n, e) != 0) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	return base;
}

/* Binary operators by precedence level, loosest first. */
static const struct {
	const char	*text;
	int		 level;
	enum op		 op;
} binops[] = {
	{ "||", 0, OP_OR }, { "or", 0, OP_OR },
	{ "&&", 1, OP_AND }, { "and", 1, OP_AND },
	{ "<=", 2, OP_LE }, { ">=", 2, OP_GE }, { "==", 2, OP_EQ }, { "!=", 2, OP_NE },
	{ "<", 2, OP_LT }, { ">", 2, OP_GT },
	{ "+", 3, OP_ADD }, { "-", 3, OP_SUB },
	{ "*", 4, OP_MUL }, { "/", 4, OP_DIV }, { "%", 4, OP_MOD },
};

static int
match_op(struct parser *ps, int level, enum op *op)
{
	ws(ps);
	for (size_t i = 0; i < ARRAY_LEN(binops); i++) {
		size_t len = strlen(binops[i].text);
		if (binops[i].level != level || strncmp(ps->p, binops[i].text, len) != 0)
			continue;
		if (isalpha((unsigned char)binops[i].text[0]) &&
		    (isalnum((unsigned char)ps->p[len]) || ps->p[len] == '_'))
			continue;	/* "order" is a column, not "or" */
		if (binops[i].text[0] == '=' && len == 1)
			continue;
		ps->p += len;
		*op = binops[i].op;
		return 1;
	}
	if (level == 2 && *ps->p == '=' && ps->p[1] != '=')
		fail(ps, ps->p, "'=' compares nothing here; use '==' to compare");
	return 0;
}

static struct node *
binary(struct parser *ps, int level)
{
	if (level > 4)
		return unary(ps);
	struct node *left = binary(ps, level + 1);
	enum op op;
	while (left) {
		const char *at = ps->p;
		if (!match_op(ps, level, &op))
			break;
		struct node *right = binary(ps, level + 1);
		struct node *n = right ? mknode(N_BIN, (int)op, at, ps) : NULL;
		if (n == NULL) {
			node_free(left);
			node_free(right);
			return NULL;
		}
		if (add_arg(ps, n, left) != 0) {	/* left is freed */
			node_free(right);
			node_free(n);
			return NULL;
		}
		if (add_arg(ps, n, right) != 0) {	/* left is n's */
			node_free(n);
			return NULL;
		}
		left = n;
		if (level == 2)
			break;	/* comparisons do not chain */
	}
	if (ps->err) {
		node_free(left);
		return NULL;
	}
	return left;
}

static int
collect(struct expr *e, struct node *n)
{
	if (n->k == N_COL) {
		for (size_t i = 0; i < e->ncols; i++)
			if (strcmp(e->cols[i], n->s) == 0)
				return 0;
		char **c = realloc(e->cols, (e->ncols + 1) * sizeof *c);
		int *p = realloc(e->colpos, (e->ncols + 1) * sizeof *p);
		if (c)
			e->cols = c;
		if (p)
			e->colpos = p;
		if (c == NULL || p == NULL)
			return -1;
		e->cols[e->ncols] = n->s;
		e->colpos[e->ncols] = n->pos;
		e->ncols++;
	}
	for (size_t i = 0; i < n->nargs; i++)
		if (collect(e, n->args[i]) != 0)
			return -1;
	return 0;
}

/* String literals may only meet a column in == or != . */
static int
check_strings(struct parser *ps, const struct node *n, int allowed)
{
	if (n->k == N_STR && !allowed) {
		if (ps->err == NULL) {
			err_set(&ps->err, "a 'string' can only be compared with a categorical column "
			    "(column == 'value' or column != 'value')");
			ps->errcol = n->pos;
		}
		return -1;
	}
	int pair = n->k == N_BIN && (n->op == OP_EQ || n->op == OP_NE) &&
	    ((n->args[0]->k == N_COL && n->args[1]->k == N_STR) ||
	     (n->args[0]->k == N_STR && n->args[1]->k == N_COL));
	for (size_t i = 0; i < n->nargs; i++)
		if (check_strings(ps, n->args[i], pair) != 0)
			return -1;
	return 0;
}

int
expr_parse(const char *text, int col0, struct expr **out, int *errcol, char **err)
{
	struct parser ps = { text, text, col0, NULL, col0 };
	struct expr *e = NULL;

	*out = NULL;
	struct node *root = binary(&ps, 0);
	if (root) {
		ws(&ps);
		if (*ps.p != '\0') {
			fail(&ps, ps.p, "unexpected '%.20s' after the expression", ps.p);
			node_free(root);
			root = NULL;
		}
	}
	if (root && check_strings(&ps, root, 0) != 0) {
		node_free(root);
		root = NULL;
	}
	if (root == NULL) {
		*errcol = ps.errcol;
		/* every failure sets ps.err, unless even that allocation failed */
		err_set(err, "%s", ps.err ? ps.err : "out of memory");
		free(ps.err);
		return -1;
	}
	if ((e = calloc(1, sizeof *e)) == NULL || (e->root = root, collect(e, root)) != 0) {
		if (e == NULL)
			node_free(root);
		expr_free(e);
		*errcol = col0;
		return err_set(err, "out of memory");
	}
	*out = e;
	return 0;
}

size_t expr_ncolumns(const struct expr *e) { return e->ncols; }
const char *expr_column(const struct expr *e, size_t i) { return e->cols[i]; }
int expr_column_pos(const struct expr *e, size_t i) { return e->colpos[i]; }

/* Is column reference n used in a string comparison? */
static int
string_use(const struct node *n, const char *col)
{
	if (n->k == N_BIN && (n->op == OP_EQ || n->op == OP_NE)) {
		const struct node *a = n->args[0], *b = n->args[1];
		if ((a->k == N_COL && b->k == N_STR && strcmp(a->s, col) == 0) ||
		    (b->k == N_COL && a->k == N_STR && strcmp(b->s, col) == 0))
			return 1;
	}
	for (size_t i = 0; i < n->nargs; i++)
		if (string_use(n->args[i], col))
			return 1;
	return 0;
}

static int
numeric_use(const struct node *n, const char *col, int in_string_cmp)
{
	if (n->k == N_COL)
		return !in_string_cmp && strcmp(n->s, col) == 0;
	int pair = n->k == N_BIN && (n->op == OP_EQ || n->op == OP_NE) &&
	    (n->args[0]->k == N_STR || n->args[1]->k == N_STR);
	for (size_t i = 0; i < n->nargs; i++)
		if (numeric_use(n->args[i], col, pair))
			return 1;
	return 0;
}

int
expr_column_use(const struct expr *e, size_t i)
{
	return (numeric_use(e->root, e->cols[i], 0) ? EXPR_USE_NUMBER : 0) |
	    (string_use(e->root, e->cols[i]) ? EXPR_USE_STRING : 0);
}

int
expr_check(const struct expr *e, const struct frame *f, int *errcol, char **err)
{
	for (size_t i = 0; i < e->ncols; i++) {
		int j = frame_find(f, e->cols[i]);
		*errcol = e->colpos[i];
		if (j < 0)
			return err_set(err, "no column '%s'", e->cols[i]);
		int isnum = f->cols[j].kind == FK_NUM;
		if (numeric_use(e->root, e->cols[i], 0) && !isnum)
			return err_set(err, "column '%s' is %s; derive computes with numbers (compare "
			    "it with a 'string', or onehot/ordinal it first)", e->cols[i],
			    fkind_name(f->cols[j].kind));
		if (string_use(e->root, e->cols[i]) && isnum)
			return err_set(err, "column '%s' is numeric; compare it with a number, not a "
			    "'string'", e->cols[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* evaluation                                                          */

static double *
eval(const struct node *n, const struct frame *f, char **err)
{
	size_t rows = f->n;
	double *r = malloc((rows ? rows : 1) * sizeof *r);
	if (r == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	switch (n->k) {
	case N_NUM:
		for (size_t i = 0; i < rows; i++)
			r[i] = n->num;
		return r;
	case N_STR:
		free(r);
		err_set(err, "a string is not a value");
		return NULL;
	case N_COL: {
		int j = frame_find(f, n->s);
		if (j < 0 || f->cols[j].kind != FK_NUM) {
			free(r);
			err_set(err, "derive: column '%s' is %s", n->s, j < 0 ? "missing" :
			    "not numeric");
			return NULL;
		}
		memcpy(r, f->cols[j].num, rows * sizeof *r);
		return r;
	}
	default:
		break;
	}
	/* string comparison: codes against the literal's code */
	if (n->k == N_BIN && (n->op == OP_EQ || n->op == OP_NE) &&
	    (n->args[0]->k == N_STR || n->args[1]->k == N_STR)) {
		const struct node *c = n->args[0]->k == N_COL ? n->args[0] : n->args[1];
		const struct node *s = n->args[0]->k == N_STR ? n->args[0] : n->args[1];
		int j = frame_find(f, c->s);
		if (j < 0 || f->cols[j].kind == FK_NUM) {
			free(r);
			err_set(err, "derive: column '%s' is %s", c->s, j < 0 ? "missing" :
			    "numeric, not categorical");
			return NULL;
		}
		const struct fcol *fc = &f->cols[j];
		uint32_t code = fc->dict ? strdict_find(fc->dict, s->s, strlen(s->s)) : CODE_NA;
		for (size_t i = 0; i < rows; i++) {
			if (fc->codes[i] == CODE_NA)
				r[i] = NAN;
			else
				r[i] = (fc->codes[i] == code) == (n->op == OP_EQ);
		}
		return r;
	}
	double **a = calloc(n->nargs ? n->nargs : 1, sizeof *a);
	if (a == NULL) {
		free(r);
		err_set(err, "out of memory");
		return NULL;
	}
	for (size_t k = 0; k < n->nargs; k++)
		if ((a[k] = eval(n->args[k], f, err)) == NULL) {
			for (size_t q = 0; q < k; q++)
				free(a[q]);
			free(a);
			free(r);
			return NULL;
		}
	double *x = n->nargs > 0 ? a[0] : NULL, *y = n->nargs > 1 ? a[1] : NULL;
	if (n->k == N_NEG) {
		for (size_t i = 0; i < rows; i++)
			r[i] = -x[i];
	} else if (n->k == N_NOT) {
		for (size_t i = 0; i < rows; i++)
			r[i] = isnan(x[i]) ? NAN : x[i] == 0;
	} else if (n->k == N_BIN) {
		for (size_t i = 0; i < rows; i++) {
			double u = x[i], v = y[i];
			if (isnan(u) || isnan(v)) {
				r[i] = NAN;
				continue;
			}
			switch ((enum op)n->op) {
			case OP_ADD: r[i] = u + v; break;
			case OP_SUB: r[i] = u - v; break;
			case OP_MUL: r[i] = u * v; break;
			case OP_DIV: r[i] = v == 0 ? NAN : u / v; break;	/* x/0: missing */
			case OP_MOD: r[i] = v == 0 ? NAN : fmod(u, v); break;
			case OP_POW: r[i] = pow(u, v); break;
			case OP_LT: r[i] = u < v; break;
			case OP_LE: r[i] = u <= v; break;
			case OP_GT: r[i] = u > v; break;
			case OP_GE: r[i] = u >= v; break;
			case OP_EQ: r[i] = u == v; break;
			case OP_NE: r[i] = u != v; break;
			case OP_AND: r[i] = u != 0 && v != 0; break;
			case OP_OR: r[i] = u != 0 || v != 0; break;
			}
			/* overflow is an infinity (as 1e400 is at import); an undefined
			 * result from finite values (x % 0, a fractional power of a
			 * negative) is missing; one from an infinity (inf - inf, 0 * inf)
			 * is infinite, so the check after the recipe asks for 'clip' */
			if (isnan(r[i]) && (isinf(u) || isinf(v)))
				r[i] = INFINITY;
		}
	} else {	/* N_CALL */
		for (size_t i = 0; i < rows; i++) {
			double u = x[i], v;
			switch ((enum fn)n->op) {
			case F_LOG: v = u > 0 ? log(u) : NAN; break;
			case F_EXP: v = exp(u); break;
			case F_SQRT: v = u >= 0 ? sqrt(u) : NAN; break;
			case F_ABS: v = fabs(u); break;
			case F_FLOOR: v = floor(u); break;
			case F_CEIL: v = ceil(u); break;
			case F_ROUND: v = round(u); break;
			case F_POW: v = isnan(u) || isnan(y[i]) ? NAN : pow(u, y[i]); break;
			case F_MIN:
			case F_MAX:
				v = u;
				for (size_t k = 1; k < n->nargs && !isnan(v); k++) {
					double w = a[k][i];
					v = isnan(w) ? NAN : ((enum fn)n->op == F_MIN ? (w < v ? w : v) :
					    (w > v ? w : v));
				}
				break;
			case F_IF: v = isnan(u) ? NAN : u != 0 ? y[i] : a[2][i]; break;
			case F_ISNA: v = isnan(u); break;
			case F_COALESCE:
				v = NAN;
				for (size_t k = 0; k < n->nargs && isnan(v); k++)
					v = a[k][i];
				break;
			default: v = NAN;
			}
			/* as for operators: overflow is infinite, and an undefined
			 * result of an infinite argument (log(-inf)) is too */
			enum fn op = (enum fn)n->op;
			if (isnan(v) && (op <= F_ROUND || op == F_POW) && !isnan(u) &&
			    (op != F_POW || !isnan(y[i])) &&
			    (isinf(u) || (op == F_POW && isinf(y[i]))))
				v = INFINITY;
			r[i] = v;
		}
	}
	for (size_t k = 0; k < n->nargs; k++)
		free(a[k]);
	free(a);
	return r;
}

int
expr_eval(const struct expr *e, const struct frame *f, double *out, char **err)
{
	double *r = eval(e->root, f, err);
	if (r == NULL)
		return -1;
	memcpy(out, r, f->n * sizeof *out);
	free(r);
	return 0;
}
