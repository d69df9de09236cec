/*
 * recipe.c — the recipe language, its steps, fitting and applying.
 * See recipe.h for the life cycle and docs/recipes.md for the language.
 *
 * Each step kind is one row of step_types[]: its name, usage, and the
 * parse / fit / apply / save / load functions.  fit() learns from the
 * frame it is given (the training rows) and then applies itself to that
 * frame; apply() uses only the learned state.  Column sets are resolved
 * once, at fit time, against the columns present at that step; the
 * resolved names are what is saved and applied later.
 *
 * Column-wise throughout: every step loops over one column's array; no
 * per-cell allocation (string columns are remapped through their
 * dictionary once per distinct value, not once per row).
 */
#include "recipe.h"
#include "expr.h"
#include "base/util.h"
#include "ingest/profile.h"

#include <ctype.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char recipe_default_text[] =
    "# lathe's default feature handling\n"
    "impute mean numeric\n"
    "onehot categorical\n"
    "drop text\n";

/* For plugins that take missing values and/or categories natively
 * (lathe_plugin.h, ABI 1.2): what they take natively is left alone. */
const char recipe_default_missing_text[] =
    "# lathe's default feature handling (the algorithm takes missing values)\n"
    "onehot categorical\n"
    "drop text\n";
const char recipe_default_categorical_text[] =
    "# lathe's default feature handling (the algorithm takes categories)\n"
    "impute mean numeric\n"
    "impute mode categorical\n"
    "ordinal categorical\n"
    "drop text\n";
const char recipe_default_native_text[] =
    "# lathe's default feature handling (the algorithm takes missing values and "
    "categories)\n"
    "ordinal categorical\n"
    "drop text\n";

const char *
recipe_default_for(unsigned caps)
{
	switch (caps & 3u) {
	case 1u:
		return recipe_default_missing_text;
	case 2u:
		return recipe_default_categorical_text;
	case 3u:
		return recipe_default_native_text;
	default:
		return recipe_default_text;
	}
}

#define ONEHOT_MAX_DEFAULT 50

/* ------------------------------------------------------------------ */
/* data structures                                                     */

enum item_kind { IT_NAME, IT_GLOB, IT_NUMERIC, IT_CATEGORICAL, IT_TEXT, IT_ALL };

struct item {
	char		*text;
	enum item_kind	 kind;
	int		 col;		/* 1-based column in the line */
};

struct colset {
	struct item	*v;
	size_t		 n;
};

struct step_type;

struct step {
	const struct step_type	*type;
	int			 line;		/* 1-based */
	char			*src;		/* the line's text, for messages */
	unsigned		 accept;	/* kinds taken, if narrower than the type's */
	struct colset		 cs;
	/* arguments */
	int			 method;	/* impute: IM_*, bin: BIN_* */
	char			*constant;	/* impute constant (text) */
	int			 infinite;	/* impute: infinities count as missing */
	double			 lo, hi;	/* clip: the bounds given */
	int			 have_lo, have_hi;	/* clip: which were given */
	int			 nbins;		/* bin */
	int			 max_levels;	/* onehot */
	char			*dname;		/* derive: the new column */
	struct expr		*expr;		/* derive */
	/* fitted state, one entry per resolved column */
	size_t			 nc;
	char			**names;
	double			*a, *b;		/* impute fill / mean, scale / min, max / clip bounds */
	char			**fill;		/* impute: string fill for string columns */
	char			***levels;	/* onehot / ordinal */
	size_t			*nlevels;
	unsigned char		*other;		/* onehot: has an "other" column */
	double			**edges;	/* bin */
	size_t			*nedges;
	unsigned char		*dropped;	/* impute: no training values, column dropped */
	/* which work matters (recipe_liveness): dead[i] when column i's value
	 * after this step never reaches an output, so applying the step skips
	 * it and it need not be supplied; skip: derive's column is never used */
	unsigned char		*dead;
	int			 skip;
};

struct recipe {
	char		*text;
	char		*origin;
	struct step	*steps;
	size_t		 nsteps;
	int		 fitted;
	char		**in_names;
	enum fkind	*in_kinds;
	size_t		 nin;
	char		**opt_names;	/* raw columns fitted on but not needed */
	enum fkind	*opt_kinds;
	size_t		 nopt;
	char		**out_names;
	size_t		 nout;
};

enum { IM_MEAN, IM_MEDIAN, IM_MODE, IM_CONSTANT };
enum { BIN_QUANTILE, BIN_UNIFORM };

/* What kinds a step accepts. */
#define ACCEPT_NUM	1
#define ACCEPT_STR	2

struct step_type {
	const char	*name;
	const char	*usage;
	unsigned	 accept;
	int		(*parse)(struct step *s, const char *rest, int restcol, const char *origin,
			    char **err);
	int		(*fit)(struct step *s, struct frame *f, const struct recipe *r, char **err);
	int		(*apply)(const struct step *s, struct frame *f, char **err);
	void		(*save)(const struct step *s, struct jw *w);
	int		(*load)(struct step *s, json_t *o, char **err);
};

/* ------------------------------------------------------------------ */
/* messages                                                            */

/*
 * "ORIGIN:LINE:COL: message\n    source line\n    ^" — the one place a
 * multi-line error is allowed, because a recipe is read by a person
 * looking for the fault.
 */
static int
err_caret(char **err, const char *origin, int line, const char *src, int col,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int
err_caret(char **err, const char *origin, int line, const char *src, int col,
    const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	err_setv(&msg, fmt, ap);
	va_end(ap);
	if (msg == NULL || strcmp(msg, "out of memory") == 0) {
		/* not a fault of the text: no place to point at */
		free(msg);
		return err_set(err, "out of memory");
	}
	struct sbuf b;
	sbuf_init(&b);
	sbuf_printf(&b, "%s:%d:%d: %s", origin, line, col, msg ? msg : "error");
	if (src) {
		sbuf_printf(&b, "\n    %s\n    ", src);
		/* the caret sits under character `col`, counting UTF-8 characters */
		int c = 1;
		for (const char *p = src; *p && c < col; p++)
			if (((unsigned char)*p & 0xc0) != 0x80) {
				sbuf_putc(&b, *p == '\t' ? '\t' : ' ');
				c++;
			}
		sbuf_putc(&b, '^');
	}
	free(msg);
	char *s = sbuf_detach(&b);
	err_set(err, "%s", s ? s : "out of memory");
	free(s);
	return -1;
}

/* Levenshtein distance, for "did you mean". */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t prev[65], cur[65];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t c = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			size_t d = prev[j] + 1, e = cur[j - 1] + 1;
			cur[j] = c < d ? (c < e ? c : e) : (d < e ? d : e);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

/* The closest of names to s, if close enough to be a likely typo. */
static const char *
nearest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t bd = 99, len = strlen(s);
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(s, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	if (bd <= limit)
		return best;
	/* no close spelling: a single name that starts with what was typed
	 * ("sepal" for "sepal length (cm)") */
	const char *prefix = NULL;
	for (size_t i = 0; i < n; i++)
		if (len >= 3 && strncasecmp(names[i], s, len) == 0) {
			if (prefix)
				return NULL;	/* ambiguous */
			prefix = names[i];
		}
	return prefix;
}

/* ------------------------------------------------------------------ */
/* lexing                                                              */

struct lex {
	const char	*s;	/* whole line */
	const char	*p;
	const char	*origin;
	int		 line;
};

enum tok { T_EOL, T_WORD, T_STRING, T_COMMA, T_EQUALS, T_ERROR };

static void
skip_ws(struct lex *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
	if (*lx->p == '#')
		lx->p += strlen(lx->p);
}

static int
lex_col(const struct lex *lx, const char *at)
{
	int c = 1;
	for (const char *q = lx->s; q < at; q++)
		c += ((unsigned char)*q & 0xc0) != 0x80;
	return c;
}

/* Next token; *text is malloc'd for WORD/STRING; *col its column. */
static enum tok
lex_next(struct lex *lx, char **text, int *col, char **err)
{
	*text = NULL;
	skip_ws(lx);
	*col = lex_col(lx, lx->p);
	if (*lx->p == '\0')
		return T_EOL;
	if (*lx->p == ',') {
		lx->p++;
		return T_COMMA;
	}
	if (*lx->p == '=') {
		lx->p++;
		return T_EQUALS;
	}
	if (*lx->p == '"') {
		struct sbuf b;
		const char *start = lx->p++;
		sbuf_init(&b);
		for (;;) {
			if (*lx->p == '\0') {
				sbuf_free(&b);
				err_caret(err, lx->origin, lx->line, lx->s, lex_col(lx, start),
				    "unterminated quoted name (expected a closing \")");
				return T_ERROR;
			}
			if (*lx->p == '"') {
				if (lx->p[1] == '"') {
					sbuf_putc(&b, '"');
					lx->p += 2;
					continue;
				}
				lx->p++;
				break;
			}
			sbuf_putc(&b, *lx->p++);
		}
		*text = sbuf_detach(&b);
		if (*text == NULL) {
			err_set(err, "out of memory");
			return T_ERROR;
		}
		return T_STRING;
	}
	const char *start = lx->p;
	/* '=' inside a word belongs to it: one-hot columns are named "sex=male" */
	while (*lx->p && *lx->p != ' ' && *lx->p != '\t' && *lx->p != ',' && *lx->p != '"' &&
	    *lx->p != '#' && !(*lx->p == '=' && lx->p == start))
		lx->p++;
	*text = str_ndup(start, (size_t)(lx->p - start));
	if (*text == NULL) {
		err_set(err, "out of memory");
		return T_ERROR;
	}
	return T_WORD;
}

static void
colset_free(struct colset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].text);
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}

/*
 * Parse "item, item, ..." at the lexer.  Stops at the first token that is
 * not preceded by a comma (left unconsumed: lexer rewound to it).
 */
static int
parse_colset(struct lex *lx, struct colset *cs, const char *stepname, char **err)
{
	for (;;) {
		char *text;
		int col;
		const char *save = lx->p;
		enum tok t = lex_next(lx, &text, &col, err);
		if (t == T_ERROR)
			return -1;
		if (t != T_WORD && t != T_STRING) {
			free(text);
			return err_caret(err, lx->origin, lx->line, lx->s, col,
			    "%s needs a column name, a pattern, 'numeric', 'categorical', 'text' "
			    "or '*' here", stepname);
		}
		(void)save;
		struct item *v = realloc(cs->v, (cs->n + 1) * sizeof *v);
		if (v == NULL) {
			free(text);
			return err_set(err, "out of memory");
		}
		cs->v = v;
		struct item *it = &cs->v[cs->n++];
		it->text = text;
		it->col = col;
		if (t == T_STRING)
			it->kind = IT_NAME;
		else if (strcmp(text, "*") == 0)
			it->kind = IT_ALL;
		else if (strcmp(text, "numeric") == 0)
			it->kind = IT_NUMERIC;
		else if (strcmp(text, "categorical") == 0)
			it->kind = IT_CATEGORICAL;
		else if (strcmp(text, "text") == 0)
			it->kind = IT_TEXT;
		else if (strpbrk(text, "*?["))
			it->kind = IT_GLOB;
		else
			it->kind = IT_NAME;
		save = lx->p;
		skip_ws(lx);
		if (*lx->p != ',') {
			lx->p = save;
			return 0;
		}
		lx->p++;
	}
}

static int
parse_number(struct lex *lx, double *v, const char *what, char **err)
{
	char *text, *end;
	int col;
	enum tok t = lex_next(lx, &text, &col, err);
	if (t == T_ERROR)
		return -1;
	if (t != T_WORD || (*v = strtod(text, &end), *end != '\0') || !isfinite(*v)) {
		free(text);
		return err_caret(err, lx->origin, lx->line, lx->s, col, "expected %s (a number)",
		    what);
	}
	free(text);
	return 0;
}

static int
expect_eol(struct lex *lx, const char *usage, char **err)
{
	char *text;
	int col;
	enum tok t = lex_next(lx, &text, &col, err);
	free(text);
	if (t == T_ERROR)
		return -1;
	if (t != T_EOL)
		return err_caret(err, lx->origin, lx->line, lx->s, col,
		    "unexpected text (expected: %s)", usage);
	return 0;
}

/* ------------------------------------------------------------------ */
/* resolving column sets                                               */

static unsigned
step_accept(const struct step *s)
{
	return s->accept ? s->accept : s->type->accept;
}

static int
kind_ok(const struct step *s, enum fkind k)
{
	return k == FK_NUM ? (step_accept(s) & ACCEPT_NUM) != 0 : (step_accept(s) & ACCEPT_STR) != 0;
}

static const char *
accept_name(unsigned a)
{
	return a == ACCEPT_NUM ? "numeric" : a == ACCEPT_STR ? "categorical or text" :
	    "numeric or categorical";
}

/*
 * Resolve s->cs against f into s->names (in frame order, no repeats).
 * Exact names and patterns must match a column of an accepted kind;
 * selectors and '*' take the accepted columns they match.
 */
static int
resolve(struct step *s, const struct frame *f, const struct recipe *r, char **err)
{
	unsigned char *pick = calloc(f->ncols ? f->ncols : 1, 1);
	if (pick == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->cs.n; i++) {
		const struct item *it = &s->cs.v[i];
		int any = 0;
		for (size_t j = 0; j < f->ncols; j++) {
			const struct fcol *c = &f->cols[j];
			int m = 0;
			switch (it->kind) {
			case IT_NAME: m = strcmp(c->name, it->text) == 0; break;
			case IT_GLOB: m = fnmatch(it->text, c->name, 0) == 0; break;
			case IT_NUMERIC: m = c->kind == FK_NUM; break;
			case IT_CATEGORICAL: m = c->kind == FK_CAT; break;
			case IT_TEXT: m = c->kind == FK_TEXT; break;
			case IT_ALL: m = 1; break;
			}
			if (!m)
				continue;
			any = 1;
			if (!kind_ok(s, c->kind)) {
				if (it->kind == IT_NAME || it->kind == IT_GLOB) {
					free(pick);
					return err_caret(err, r->origin, s->line, s->src, it->col,
					    "%s: column '%s' is %s, but %s takes %s columns", s->type->name,
					    c->name, fkind_name(c->kind), s->type->name,
					    accept_name(step_accept(s)));
				}
				continue;
			}
			pick[j] = 1;
		}
		if (!any && (it->kind == IT_NAME || it->kind == IT_GLOB)) {
			const char **names = calloc(f->ncols ? f->ncols : 1, sizeof *names);
			const char *near = NULL;
			if (names) {
				for (size_t j = 0; j < f->ncols; j++)
					names[j] = f->cols[j].name;
				near = it->kind == IT_NAME ? nearest(it->text, names, f->ncols) : NULL;
			}
			if (near)
				err_caret(err, r->origin, s->line, s->src, it->col,
				    "%s: no column '%s' (did you mean '%s'?)", s->type->name, it->text, near);
			else
				err_caret(err, r->origin, s->line, s->src, it->col, "%s: no column %s '%s'",
				    s->type->name, it->kind == IT_GLOB ? "matches" : "named", it->text);
			free(names);
			free(pick);
			return -1;
		}
	}
	size_t n = 0;
	for (size_t j = 0; j < f->ncols; j++)
		n += pick[j];
	s->names = calloc(n ? n : 1, sizeof *s->names);
	if (s->names == NULL) {
		free(pick);
		return err_set(err, "out of memory");
	}
	for (size_t j = 0; j < f->ncols; j++)
		if (pick[j]) {
			if ((s->names[s->nc] = str_dup(f->cols[j].name)) == NULL ||
			    fcol_materialize(&f->cols[j], f->n) != 0) {
				free(pick);
				return err_set(err, "out of memory");
			}
			s->nc++;
		}
	free(pick);
	return 0;
}

/* Lazy indicator columns a fitted step reads get their doubles first. */
static int
materialize_step(const struct step *s, struct frame *f)
{
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		if (j >= 0 && fcol_materialize(&f->cols[j], f->n) != 0)
			return -1;
	}
	return 0;
}

/* Column of a fitted step in a frame being transformed (exists: checked
 * by recipe_apply's input check, or produced by an earlier step). */
static int
col_of(const struct frame *f, const char *name, const struct step *s, enum fkind want,
    char **err)
{
	int j = frame_find(f, name);
	if (j < 0)
		return err_set(err, "recipe line %d (%s): column '%s' is missing", s->line,
		    s->type->name, name);
	int isstr = f->cols[j].kind != FK_NUM, wantstr = want != FK_NUM;
	if (isstr != wantstr)
		return err_set(err, "recipe line %d (%s): column '%s' is %s, expected %s", s->line,
		    s->type->name, name, fkind_name(f->cols[j].kind), fkind_name(want));
	return j;
}

/* Make a string column's dictionary its own, so values can be added. */
static int
own_dict(struct fcol *c)
{
	if (c->own_dict)
		return 0;
	struct strdict *d = calloc(1, sizeof *d);
	if (d == NULL)
		return -1;
	strdict_init(d);
	for (uint32_t k = 0; c->dict && k < c->dict->n; k++) {
		uint32_t code;
		const char *str = strdict_get(c->dict, k);
		if (strdict_intern(d, str, strlen(str), &code) != 0) {
			strdict_free(d);
			free(d);
			return -1;
		}
	}
	c->own_dict = d;
	c->dict = d;
	return 0;
}

/* ------------------------------------------------------------------ */
/* step state helpers                                                  */

static int
alloc_state(struct step *s)
{
	size_t n = s->nc ? s->nc : 1;
	s->a = calloc(n, sizeof *s->a);
	s->b = calloc(n, sizeof *s->b);
	s->fill = calloc(n, sizeof *s->fill);
	s->levels = calloc(n, sizeof *s->levels);
	s->nlevels = calloc(n, sizeof *s->nlevels);
	s->other = calloc(n, 1);
	s->edges = calloc(n, sizeof *s->edges);
	s->nedges = calloc(n, sizeof *s->nedges);
	s->dropped = calloc(n, 1);
	s->dead = calloc(n, 1);
	return s->a && s->b && s->fill && s->levels && s->nlevels && s->other && s->edges &&
	    s->nedges && s->dropped && s->dead ? 0 : -1;
}

/* What every fit starts with: the step's columns resolved in f, and its
 * per-column state allocated. */
static int
fit_begin(struct step *s, const struct frame *f, const struct recipe *r, char **err)
{
	if (resolve(s, f, r, err) != 0)
		return -1;
	if (alloc_state(s) != 0)
		return err_set(err, "out of memory");
	return 0;
}

static void
step_free(struct step *s)
{
	colset_free(&s->cs);
	free(s->src);
	free(s->constant);
	free(s->dname);
	expr_free(s->expr);
	for (size_t i = 0; i < s->nc; i++) {
		if (s->names)
			free(s->names[i]);
		if (s->fill)
			free(s->fill[i]);
		if (s->levels && s->levels[i]) {
			for (size_t k = 0; k < s->nlevels[i]; k++)
				free(s->levels[i][k]);
			free(s->levels[i]);
		}
		if (s->edges)
			free(s->edges[i]);
	}
	free(s->names);
	free(s->a);
	free(s->b);
	free(s->fill);
	free(s->levels);
	free(s->nlevels);
	free(s->other);
	free(s->edges);
	free(s->nedges);
	free(s->dropped);
	free(s->dead);
	memset(s, 0, sizeof *s);
}

/* Sorted finite values of a numeric column (caller frees); *n count.
 * Infinities are left out with the missing values: a median, a mode or a
 * bin edge learned from them would be infinite or undefined. */
static double *
sorted_values(const double *v, size_t rows, size_t *n)
{
	double *a = malloc((rows ? rows : 1) * sizeof *a), *tmp;
	size_t k = 0;
	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < rows; i++)
		if (isfinite(v[i]))
			a[k++] = v[i];
	if ((tmp = malloc((k ? k : 1) * sizeof *tmp)) == NULL) {
		free(a);
		return NULL;
	}
	sort_doubles(a, tmp, k);
	free(tmp);
	*n = k;
	return a;
}

/* Counts of each dictionary code in a string column (caller frees). */
static size_t *
code_counts(const struct fcol *c, size_t rows)
{
	size_t *cnt = calloc(c->dict && c->dict->n ? c->dict->n : 1, sizeof *cnt);
	if (cnt == NULL)
		return NULL;
	for (size_t i = 0; i < rows; i++)
		if (c->codes[i] != CODE_NA)
			cnt[c->codes[i]]++;
	return cnt;
}

/* ------------------------------------------------------------------ */
/* parallel work over a step's columns                                 */

struct par {
	void		(*fn)(void *ctx, size_t i);
	void		*ctx;
	size_t		 n;
	atomic_size_t	 next;
};

static void *
par_worker(void *arg)
{
	struct par *p = arg;
	size_t i;
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->ctx, i);
	return NULL;
}

/* fn(ctx, i) for every column i < n, on up to four threads when there is
 * enough data (columns are independent; each i runs exactly once, so the
 * results do not depend on the thread count). */
static void
par_columns(size_t n, size_t rows, void (*fn)(void *ctx, size_t i), void *ctx)
{
	struct par p = { fn, ctx, n, 0 };
	pthread_t tid[3];
	int started = 0, want = 1;
	if (rows * n >= (1u << 20) && n >= 2) {
		/* only big work asks how many CPUs there are (a /sys read): the
		 * server applies recipes to single rows thousands of times a second */
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		want = cpus > 4 ? 4 : cpus < 1 ? 1 : (int)cpus;
	}
	for (int t = 1; t < want; t++)
		if (pthread_create(&tid[started], NULL, par_worker, &p) == 0)
			started++;
	par_worker(&p);
	for (int t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
}

/* Work over a step's numeric columns, shared by the per-column workers. */
struct colwork {
	const struct step	*s;
	struct frame		*f;
	double			**cols;	/* the column arrays, one per step column (NULL: skip) */
	int			 is_std;
};

/* ------------------------------------------------------------------ */
/* impute                                                              */

static void
impute_mean_one(void *ctx, size_t i)
{
	struct colwork *cw = ctx;
	struct step *s = (struct step *)cw->s;
	const double *v = cw->cols[i];
	double acc[4] = { 0, 0, 0, 0 };
	size_t n = 0;
	if (v == NULL)
		return;
	for (size_t k = 0; k < cw->f->n; k++)
		if (isfinite(v[k]))
			acc[n++ & 3] += v[k];
	if (n == 0)
		s->dropped[i] = 1;	/* nothing to learn from: as sklearn, drop */
	else
		s->a[i] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) / (double)n;
}

static void
impute_fill_one(void *ctx, size_t i)
{
	struct colwork *cw = ctx;
	double *v = cw->cols[i];
	if (v == NULL)
		return;
	double fill = cw->s->a[i];
	if (cw->s->infinite) {
		for (size_t r = 0; r < cw->f->n; r++)
			if (!isfinite(v[r]))
				v[r] = fill;
	} else {
		for (size_t r = 0; r < cw->f->n; r++)
			if (isnan(v[r]))
				v[r] = fill;
	}
}

static int
impute_parse(struct step *s, const char *rest, int restcol, const char *origin, char **err)
{
	(void)rest; (void)restcol; (void)origin; (void)s; (void)err;
	return 0;	/* handled in parse_step: needs the lexer */
}

static int
impute_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (resolve(s, f, r, err) != 0 || alloc_state(s) != 0)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		struct fcol *c = &f->cols[j];
		if (c->kind == FK_NUM) {
			if (s->method == IM_CONSTANT) {
				char *end;
				s->a[i] = strtod(s->constant, &end);
				if (*end || !isfinite(s->a[i]))
					return err_caret(err, r->origin, s->line, s->src, s->cs.v[0].col,
					    "impute constant: '%s' is not a number, but column '%s' is "
					    "numeric", s->constant, c->name);
				continue;
			}
			if (s->method == IM_MEAN)
				continue;	/* all mean columns together, in parallel, below */
			size_t n;
			double *v = sorted_values(c->num, f->n, &n);
			if (v == NULL)
				return err_set(err, "out of memory");
			if (n == 0) {
				s->dropped[i] = 1;	/* nothing to learn from: as sklearn, drop */
			} else if (s->method == IM_MEDIAN) {
				s->a[i] = quantile_sorted(v, n, 0.5);
			} else {
				/* mode: most frequent, ties to the smallest (as sklearn) */
				size_t best = 0;
				for (size_t k = 0; k < n;) {
					size_t e = k + 1;
					while (e < n && v[e] == v[k])
						e++;
					if (e - k > best) {
						best = e - k;
						s->a[i] = v[k];
					}
					k = e;
				}
			}
			free(v);
		} else {
			if (s->method == IM_MEAN || s->method == IM_MEDIAN)
				return err_caret(err, r->origin, s->line, s->src, s->cs.v[0].col,
				    "impute %s: column '%s' is %s; use 'impute mode' or 'impute "
				    "constant' for strings", s->method == IM_MEAN ? "mean" : "median",
				    c->name, fkind_name(c->kind));
			if (s->method == IM_CONSTANT) {
				if ((s->fill[i] = str_dup(s->constant)) == NULL)
					return err_set(err, "out of memory");
				continue;
			}
			size_t *cnt = code_counts(c, f->n);
			if (cnt == NULL)
				return err_set(err, "out of memory");
			size_t best = 0;
			const char *mode = NULL;
			for (uint32_t k = 0; c->dict && k < c->dict->n; k++) {
				const char *str = strdict_get(c->dict, k);
				if (cnt[k] > best || (cnt[k] == best && cnt[k] && strcmp(str, mode) < 0)) {
					best = cnt[k];
					mode = str;
				}
			}
			free(cnt);
			if (mode == NULL)
				s->dropped[i] = 1;
			else if ((s->fill[i] = str_dup(mode)) == NULL)
				return err_set(err, "out of memory");
		}
	}
	if (s->method == IM_MEAN) {
		struct colwork cw = { s, f, calloc(s->nc ? s->nc : 1, sizeof(double *)), 0 };
		if (cw.cols == NULL)
			return err_set(err, "out of memory");
		for (size_t i = 0; i < s->nc; i++) {
			int j = frame_find(f, s->names[i]);
			if (f->cols[j].kind == FK_NUM)
				cw.cols[i] = f->cols[j].num;
		}
		par_columns(s->nc, f->n, impute_mean_one, &cw);
		free(cw.cols);
	}
	return s->type->apply(s, f, err);
}

static int
impute_apply(const struct step *s, struct frame *f, char **err)
{
	/* numeric fills in parallel first; string fills and drops below */
	struct colwork cw = { s, f, calloc(s->nc ? s->nc : 1, sizeof(double *)), 0 };
	if (cw.cols == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		if (j >= 0 && !s->dropped[i] && !s->dead[i] && f->cols[j].kind == FK_NUM &&
		    !s->fill[i]) {
			if (fcol_materialize(&f->cols[j], f->n) != 0) {
				free(cw.cols);
				return err_set(err, "out of memory");
			}
			cw.cols[i] = f->cols[j].num;
		}
	}
	par_columns(s->nc, f->n, impute_fill_one, &cw);
	free(cw.cols);
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		if (s->dropped[i] || s->dead[i]) {
			if (j >= 0 && s->dropped[i])
				frame_remove(f, (size_t)j);
			continue;
		}
		if (j < 0)
			return err_set(err, "recipe line %d (impute): column '%s' is missing", s->line,
			    s->names[i]);
		struct fcol *c = &f->cols[j];
		if (c->kind == FK_NUM) {
			if (s->fill[i])
				return err_set(err, "recipe line %d (impute): column '%s' is numeric, "
				    "expected strings", s->line, c->name);
			/* filled above */
		} else {
			if (s->fill[i] == NULL)
				return err_set(err, "recipe line %d (impute): column '%s' holds strings, "
				    "expected numbers", s->line, c->name);
			uint32_t code;
			if (own_dict(c) != 0 ||
			    strdict_intern(c->own_dict, s->fill[i], strlen(s->fill[i]), &code) != 0)
				return err_set(err, "out of memory");
			for (size_t r = 0; r < f->n; r++)
				if (c->codes[r] == CODE_NA)
					c->codes[r] = code;
		}
	}
	return 0;
}

static const char *const impute_methods[] = { "mean", "median", "mode", "constant" };

static void
names_json(const struct step *s, struct jw *w)
{
	jw_key(w, "columns");
	jw_arr(w);
	for (size_t i = 0; i < s->nc; i++)
		jw_str(w, s->names[i]);
	jw_arr_end(w);
}

static void
nums_json(struct jw *w, const char *key, const double *v, size_t n)
{
	jw_key(w, key);
	jw_arr(w);
	for (size_t i = 0; i < n; i++)
		jw_num(w, v[i]);
	jw_arr_end(w);
}

static void
impute_save(const struct step *s, struct jw *w)
{
	jw_key(w, "method");
	jw_str(w, impute_methods[s->method]);
	jw_key(w, "infinite");
	jw_bool(w, s->infinite);
	names_json(s, w);
	jw_key(w, "fill");
	jw_arr(w);
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dropped[i])
			jw_null(w);
		else if (s->fill[i])
			jw_str(w, s->fill[i]);
		else
			jw_num(w, s->a[i]);
	}
	jw_arr_end(w);
}

/* Read the "columns" array of a saved step into s->names. */
static int
load_names(struct step *s, json_t *o, char **err)
{
	json_t *cols = json_object_get(o, "columns");
	if (!json_is_array(cols))
		return err_set(err, "saved recipe step %d lacks its columns", s->line);
	s->nc = json_array_size(cols);
	s->names = calloc(s->nc ? s->nc : 1, sizeof *s->names);
	if (s->names == NULL || alloc_state(s) != 0)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->nc; i++) {
		json_t *e = json_array_get(cols, i);
		if (!json_is_string(e) || (s->names[i] = str_dup(json_string_value(e))) == NULL)
			return err_set(err, "saved recipe step %d has a bad column name", s->line);
	}
	return 0;
}

static int
load_nums(json_t *o, const char *key, double *dst, size_t n, int allow_null)
{
	json_t *a = json_object_get(o, key);
	if (!json_is_array(a) || json_array_size(a) != n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		if (json_is_number(e))
			dst[i] = json_number_value(e);
		else if (allow_null && json_is_null(e))
			dst[i] = NAN;
		else
			return -1;
	}
	return 0;
}

static int
impute_load(struct step *s, json_t *o, char **err)
{
	if (load_names(s, o, err) != 0)
		return -1;
	json_t *fill = json_object_get(o, "fill");
	if (!json_is_array(fill) || json_array_size(fill) != s->nc)
		return err_set(err, "saved impute step %d is malformed", s->line);
	for (size_t i = 0; i < s->nc; i++) {
		json_t *e = json_array_get(fill, i);
		if (json_is_null(e))
			s->dropped[i] = 1;
		else if (json_is_string(e)) {
			if ((s->fill[i] = str_dup(json_string_value(e))) == NULL)
				return err_set(err, "out of memory");
		} else if (json_is_number(e))
			s->a[i] = json_number_value(e);
		else
			return err_set(err, "saved impute step %d is malformed", s->line);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* numeric column transforms: standardize, minmax, log1p, clip          */

static void
scale_fit_one(void *ctx, size_t i)
{
	struct colwork *cw = ctx;
	struct step *s = (struct step *)cw->s;
	const double *v = cw->cols[i];
	size_t rows = cw->f->n, n = 0;
	double acc[4] = { 0, 0, 0, 0 }, lo = INFINITY, hi = -INFINITY;
	/* learned from the finite values: an infinity would make the mean and
	 * scale infinite or undefined and every value NaN; it is carried through
	 * as an infinity instead, for the check after the recipe to name */
	for (size_t k = 0; k < rows; k++) {
		double x = v[k];
		if (!isfinite(x))
			continue;
		acc[n++ & 3] += x;
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	if (cw->is_std) {
		double mean = n ? ((acc[0] + acc[1]) + (acc[2] + acc[3])) / (double)n : 0;
		double ss[4] = { 0, 0, 0, 0 };
		size_t q = 0;
		for (size_t k = 0; k < rows; k++)
			if (isfinite(v[k])) {
				double d = v[k] - mean;
				ss[q++ & 3] += d * d;
			}
		/* population standard deviation, as StandardScaler */
		double sd = n ? sqrt(((ss[0] + ss[1]) + (ss[2] + ss[3])) / (double)n) : 0;
		s->a[i] = mean;
		s->b[i] = sd > 0 && isfinite(sd) ? sd : 1;
	} else {
		s->a[i] = n ? lo : 0;
		s->b[i] = n && hi > lo ? hi - lo : 1;
	}
}

static void
scale_apply_one(void *ctx, size_t i)
{
	struct colwork *cw = ctx;
	double *v = cw->cols[i], a = cw->s->a[i], b = cw->s->b[i];
	size_t rows = cw->f->n;
	if (v == NULL)
		return;		/* a dead column */
	for (size_t k = 0; k < rows; k++)
		v[k] = (v[k] - a) / b;
}

/* The arrays of a step's columns in f, all numeric (NULL with *err). */
static double **
step_arrays(const struct step *s, struct frame *f, char **err)
{
	double **cols = calloc(s->nc ? s->nc : 1, sizeof *cols);
	if (cols == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dead[i])
			continue;	/* NULL: skipped */
		int j = col_of(f, s->names[i], s, FK_NUM, err);
		if (j < 0) {
			free(cols);
			return NULL;
		}
		if (fcol_materialize(&f->cols[j], f->n) != 0) {
			err_set(err, "out of memory");
			free(cols);
			return NULL;
		}
		cols[i] = f->cols[j].num;
	}
	return cols;
}

static int
scale_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (fit_begin(s, f, r, err) != 0)
		return -1;
	struct colwork cw = { s, f, step_arrays(s, f, err),
		strcmp(s->type->name, "standardize") == 0 };
	if (cw.cols == NULL)
		return -1;
	par_columns(s->nc, f->n, scale_fit_one, &cw);
	par_columns(s->nc, f->n, scale_apply_one, &cw);
	free(cw.cols);
	return 0;
}

static int
scale_apply(const struct step *s, struct frame *f, char **err)
{
	struct colwork cw = { s, f, step_arrays(s, f, err), 0 };
	if (cw.cols == NULL)
		return -1;
	par_columns(s->nc, f->n, scale_apply_one, &cw);
	free(cw.cols);
	return 0;
}

static void
scale_save(const struct step *s, struct jw *w)
{
	int is_std = strcmp(s->type->name, "standardize") == 0;
	names_json(s, w);
	nums_json(w, is_std ? "mean" : "min", s->a, s->nc);
	nums_json(w, is_std ? "scale" : "range", s->b, s->nc);
}

static int
scale_load(struct step *s, json_t *o, char **err)
{
	int is_std = strcmp(s->type->name, "standardize") == 0;
	if (load_names(s, o, err) != 0)
		return -1;
	if (load_nums(o, is_std ? "mean" : "min", s->a, s->nc, 0) != 0 ||
	    load_nums(o, is_std ? "scale" : "range", s->b, s->nc, 0) != 0)
		return err_set(err, "saved %s step %d is malformed", s->type->name, s->line);
	return 0;
}

/* log1p and clip learn nothing: fit = resolve + apply. */
static int
plain_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (fit_begin(s, f, r, err) != 0)
		return -1;
	return s->type->apply(s, f, err);
}

static int
log1p_apply(const struct step *s, struct frame *f, char **err)
{
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dead[i])
			continue;
		int j = col_of(f, s->names[i], s, FK_NUM, err);
		if (j < 0)
			return -1;
		double *v = f->cols[j].num;
		/* undefined below -1: missing; an infinity stays one (log1p(inf)
		 * is inf; -inf keeps its sign rather than becoming missing, so the
		 * check after the recipe asks for 'clip', not 'impute') */
		for (size_t k = 0; k < f->n; k++) {
			double x = v[k];
			v[k] = isinf(x) ? x : x > -1 ? log1p(x) : NAN;
		}
	}
	return 0;
}

/*
 * clip's bounds per column: each bound given in the step is used as it
 * is; a bound not given is learned, the smallest or largest FINITE value
 * of the column in the training rows.  So `clip x` maps -inf and +inf to
 * the training range's ends (and clamps later values outside it), and its
 * output is finite wherever its input is not missing.  A learned bound on
 * the wrong side of a given one is moved to it; a column with no finite
 * training values learns nothing (NaN: that side is not clipped).
 */
static int
clip_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (fit_begin(s, f, r, err) != 0)
		return -1;
	for (size_t i = 0; i < s->nc; i++) {
		const double *v = f->cols[frame_find(f, s->names[i])].num;
		double lo = INFINITY, hi = -INFINITY;
		for (size_t k = 0; (!s->have_lo || !s->have_hi) && k < f->n; k++)
			if (isfinite(v[k])) {
				lo = v[k] < lo ? v[k] : lo;
				hi = v[k] > hi ? v[k] : hi;
			}
		if (lo > hi)
			lo = hi = NAN;
		s->a[i] = s->have_lo ? s->lo : lo;
		s->b[i] = s->have_hi ? s->hi : hi;
		if (s->a[i] > s->b[i]) {
			if (s->have_lo)
				s->b[i] = s->a[i];
			else
				s->a[i] = s->b[i];
		}
	}
	return s->type->apply(s, f, err);
}

static int
clip_apply(const struct step *s, struct frame *f, char **err)
{
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dead[i])
			continue;
		int j = col_of(f, s->names[i], s, FK_NUM, err);
		if (j < 0)
			return -1;
		double *v = f->cols[j].num, lo = s->a[i], hi = s->b[i];
		for (size_t k = 0; k < f->n; k++)	/* NaN: missing stays missing */
			if (v[k] < lo)
				v[k] = lo;
			else if (v[k] > hi)
				v[k] = hi;
	}
	return 0;
}

static void
clip_save(const struct step *s, struct jw *w)
{
	names_json(s, w);
	nums_json(w, "min", s->a, s->nc);
	nums_json(w, "max", s->b, s->nc);
}

/* Format 1 saved no bounds: its clip steps had both in the text. */
static int
clip_load(struct step *s, json_t *o, char **err)
{
	if (load_names(s, o, err) != 0)
		return -1;
	if (json_object_get(o, "min") == NULL && json_object_get(o, "max") == NULL &&
	    s->have_lo && s->have_hi) {
		for (size_t i = 0; i < s->nc; i++) {
			s->a[i] = s->lo;
			s->b[i] = s->hi;
		}
		return 0;
	}
	if (load_nums(o, "min", s->a, s->nc, 1) != 0 || load_nums(o, "max", s->b, s->nc, 1) != 0)
		return err_set(err, "saved clip step %d is malformed", s->line);
	return 0;
}

static void
plain_save(const struct step *s, struct jw *w)
{
	names_json(s, w);
}

static int
plain_load(struct step *s, json_t *o, char **err)
{
	return load_names(s, o, err);
}

/* ------------------------------------------------------------------ */
/* bin                                                                 */

static int
bin_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (fit_begin(s, f, r, err) != 0)
		return -1;
	for (size_t i = 0; i < s->nc; i++) {
		size_t n;
		double *v = sorted_values(f->cols[frame_find(f, s->names[i])].num, f->n, &n);
		double *e = calloc((size_t)s->nbins + 1, sizeof *e);
		if (v == NULL || e == NULL) {
			free(v);
			free(e);
			return err_set(err, "out of memory");
		}
		size_t ne = 0;
		for (int k = 0; k <= s->nbins && n > 0; k++) {
			double q = (double)k / s->nbins, x;
			if (s->method == BIN_QUANTILE)
				x = quantile_sorted(v, n, q);
			else
				x = v[0] + (v[n - 1] - v[0]) * q;
			if (ne == 0 || x > e[ne - 1])	/* equal edges collapse */
				e[ne++] = x;
		}
		free(v);
		s->edges[i] = e;
		s->nedges[i] = ne;
	}
	return s->type->apply(s, f, err);
}

static int
bin_apply(const struct step *s, struct frame *f, char **err)
{
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dead[i])
			continue;
		int j = col_of(f, s->names[i], s, FK_NUM, err);
		if (j < 0)
			return -1;
		double *v = f->cols[j].num;
		const double *e = s->edges[i];
		size_t ne = s->nedges[i];
		for (size_t k = 0; k < f->n; k++) {
			if (isnan(v[k]))
				continue;
			if (ne < 2) {
				v[k] = 0;
				continue;
			}
			/* bin b holds [e[b], e[b+1]); the last bin includes its right edge;
			 * values outside the training range go to the first/last bin */
			size_t lo = 1, hi = ne - 1;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (v[k] < e[mid])
					hi = mid;
				else
					lo = mid + 1;
			}
			v[k] = (double)(lo - 1);
		}
	}
	return 0;
}

static void
bin_save(const struct step *s, struct jw *w)
{
	names_json(s, w);
	jw_key(w, "edges");
	jw_arr(w);
	for (size_t i = 0; i < s->nc; i++) {
		jw_arr(w);
		for (size_t k = 0; k < s->nedges[i]; k++)
			jw_num(w, s->edges[i][k]);
		jw_arr_end(w);
	}
	jw_arr_end(w);
}

static int
bin_load(struct step *s, json_t *o, char **err)
{
	if (load_names(s, o, err) != 0)
		return -1;
	json_t *edges = json_object_get(o, "edges");
	if (!json_is_array(edges) || json_array_size(edges) != s->nc)
		return err_set(err, "saved bin step %d is malformed", s->line);
	for (size_t i = 0; i < s->nc; i++) {
		json_t *a = json_array_get(edges, i);
		size_t n = json_array_size(a);
		s->edges[i] = calloc(n ? n : 1, sizeof **s->edges);
		if (s->edges[i] == NULL)
			return err_set(err, "out of memory");
		s->nedges[i] = n;
		for (size_t k = 0; k < n; k++) {
			json_t *e = json_array_get(a, k);
			if (!json_is_number(e))
				return err_set(err, "saved bin step %d is malformed", s->line);
			s->edges[i][k] = json_number_value(e);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* onehot and ordinal                                                  */

/* Text of a value of either kind, for levels of numeric columns. */
static const char *
value_text(const struct fcol *c, size_t r, char buf[32])
{
	if (c->kind == FK_NUM)
		return isnan(c->num[r]) ? NULL : fmt_double(buf, c->num[r]);
	return fcol_str(c, r);
}

static int
cmp_levels(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Levels of column c in the training rows, sorted (as scikit-learn's
 * encoders sort categories).  With max > 0 and more levels than that, only
 * the max most frequent are kept (ties: the smaller) and *other is set.
 */
static int
learn_levels(const struct fcol *c, size_t rows, int max, char ***out, size_t *nout,
    unsigned char *other)
{
	struct strdict d;
	size_t *cnt = NULL, cap = 0;
	char buf[32];
	int rc = -1;

	strdict_init(&d);
	for (size_t r = 0; r < rows; r++) {
		const char *t = value_text(c, r, buf);
		uint32_t code;
		if (t == NULL)
			continue;
		if (strdict_intern(&d, t, strlen(t), &code) != 0)
			goto out;
		if (code >= cap) {
			size_t nc = cap ? cap * 2 : 64;
			while (nc <= code)
				nc *= 2;
			size_t *c2 = realloc(cnt, nc * sizeof *c2);
			if (c2 == NULL)
				goto out;
			memset(c2 + cap, 0, (nc - cap) * sizeof *c2);
			cnt = c2;
			cap = nc;
		}
		cnt[code]++;
	}
	size_t n = d.n, keep = n;
	*other = 0;
	char **lv = calloc(n ? n : 1, sizeof *lv);
	if (lv == NULL)
		goto out;
	for (uint32_t k = 0; k < n; k++)
		lv[k] = (char *)strdict_get(&d, k);
	if (max > 0 && n > (size_t)max) {
		/* keep the most frequent: selection by count, ties by text */
		uint32_t *idx = malloc(n * sizeof *idx);
		if (idx == NULL) {
			free(lv);
			goto out;
		}
		for (uint32_t k = 0; k < n; k++)
			idx[k] = k;
		for (size_t a = 0; a < (size_t)max; a++)
			for (size_t b = a + 1; b < n; b++) {
				uint32_t x = idx[a], y = idx[b];
				if (cnt[y] > cnt[x] || (cnt[y] == cnt[x] && strcmp(lv[y], lv[x]) < 0)) {
					idx[a] = y;
					idx[b] = x;
				}
			}
		char **kept = calloc((size_t)max, sizeof *kept);
		if (kept == NULL) {
			free(idx);
			free(lv);
			goto out;
		}
		for (size_t a = 0; a < (size_t)max; a++)
			kept[a] = lv[idx[a]];
		free(idx);
		free(lv);
		lv = kept;
		keep = (size_t)max;
		*other = 1;
	}
	qsort(lv, keep, sizeof *lv, cmp_levels);
	for (size_t k = 0; k < keep; k++)
		if ((lv[k] = str_dup(lv[k])) == NULL) {
			for (size_t q = 0; q < k; q++)
				free(lv[q]);
			free(lv);
			goto out;
		}
	*out = lv;
	*nout = keep;
	rc = 0;
out:
	free(cnt);
	strdict_free(&d);
	return rc;
}

/*
 * For each row of column c, the index of its level among lv[0..n) (sorted),
 * or -1 when unseen, -2 when missing.  Lookups are per distinct value.
 */
static int
level_index(const struct fcol *c, size_t rows, char *const *lv, size_t n, int *out)
{
	if (c->kind != FK_NUM) {
		size_t nd = c->dict ? c->dict->n : 0;
		int *map = malloc((nd ? nd : 1) * sizeof *map);
		if (map == NULL)
			return -1;
		for (uint32_t k = 0; k < nd; k++) {
			const char *t = strdict_get(c->dict, k);
			char *const *hit = bsearch(&t, lv, n, sizeof *lv, cmp_levels);
			map[k] = hit ? (int)(hit - lv) : -1;
		}
		for (size_t r = 0; r < rows; r++)
			out[r] = c->codes[r] == CODE_NA ? -2 : map[c->codes[r]];
		free(map);
		return 0;
	}
	char buf[32];
	for (size_t r = 0; r < rows; r++) {
		const char *t = value_text(c, r, buf);
		if (t == NULL) {
			out[r] = -2;
			continue;
		}
		char *const *hit = bsearch(&t, lv, n, sizeof *lv, cmp_levels);
		out[r] = hit ? (int)(hit - lv) : -1;
	}
	return 0;
}

static int
onehot_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	if (fit_begin(s, f, r, err) != 0)
		return -1;
	for (size_t i = 0; i < s->nc; i++) {
		const struct fcol *c = &f->cols[frame_find(f, s->names[i])];
		int max = strcmp(s->type->name, "onehot") == 0 ? s->max_levels : 0;
		if (learn_levels(c, f->n, max, &s->levels[i], &s->nlevels[i], &s->other[i]) != 0)
			return err_set(err, "out of memory");
	}
	return s->type->apply(s, f, err);
}

static int
onehot_apply(const struct step *s, struct frame *f, char **err)
{
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		if (s->dead[i]) {
			/* no indicator is used; the column is still replaced */
			if (j >= 0)
				frame_remove(f, (size_t)j);
			continue;
		}
		if (j < 0)
			return err_set(err, "recipe line %d (onehot): column '%s' is missing", s->line,
			    s->names[i]);
		int32_t *idx = malloc((f->n ? f->n : 1) * sizeof *idx);
		int *tmp = malloc((f->n ? f->n : 1) * sizeof *tmp);
		struct fshared *sh = NULL;
		char *base = str_dup(s->names[i]);
		if (idx == NULL || tmp == NULL || base == NULL ||
		    level_index(&f->cols[j], f->n, s->levels[i], s->nlevels[i], tmp) != 0 ||
		    (sh = fshared_new(idx)) == NULL) {
			free(idx);
			free(tmp);
			free(base);
			return err_set(err, "out of memory");
		}
		for (size_t r = 0; r < f->n; r++)
			idx[r] = tmp[r];
		free(tmp);
		frame_remove(f, (size_t)j);
		/* one lazy indicator per level (and "other": the unseen, level -1);
		 * a missing value (-2) matches none of them */
		size_t nout = s->nlevels[i] + s->other[i];
		for (size_t k = 0; k < nout; k++) {
			char name[512];
			int is_other = k == s->nlevels[i];
			snprintf(name, sizeof name, "%s=%s", base, is_other ? "other" : s->levels[i][k]);
			if (frame_insert_indicator(f, (size_t)j + k, name, sh,
			    is_other ? -1 : (int32_t)k) != 0) {
				if (sh->refs == 0) {
					free(sh->idx);
					free(sh);
				}
				free(base);
				return err_set(err, "out of memory");
			}
		}
		if (nout == 0) {
			free(sh->idx);
			free(sh);
		}
		free(base);
	}
	return 0;
}

static int
ordinal_apply(const struct step *s, struct frame *f, char **err)
{
	int *idx = malloc((f->n ? f->n : 1) * sizeof *idx);
	if (idx == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->nc; i++) {
		if (s->dead[i])
			continue;
		int j = frame_find(f, s->names[i]);
		if (j < 0) {
			free(idx);
			return err_set(err, "recipe line %d (ordinal): column '%s' is missing",
			    s->line, s->names[i]);
		}
		double *v = malloc((f->n ? f->n : 1) * sizeof *v);
		if (v == NULL || level_index(&f->cols[j], f->n, s->levels[i], s->nlevels[i], idx)) {
			free(v);
			free(idx);
			return err_set(err, "out of memory");
		}
		for (size_t r = 0; r < f->n; r++)
			v[r] = idx[r] == -2 ? NAN : idx[r];	/* unseen: -1 */
		frame_set_num(f, (size_t)j, v);
		f->cols[j].ordinal = 1;
	}
	free(idx);
	return 0;
}

static void
levels_save(const struct step *s, struct jw *w)
{
	names_json(s, w);
	jw_key(w, "levels");
	jw_arr(w);
	for (size_t i = 0; i < s->nc; i++) {
		jw_arr(w);
		for (size_t k = 0; k < s->nlevels[i]; k++)
			jw_str(w, s->levels[i][k]);
		jw_arr_end(w);
	}
	jw_arr_end(w);
	if (strcmp(s->type->name, "onehot") == 0) {
		jw_key(w, "other");
		jw_arr(w);
		for (size_t i = 0; i < s->nc; i++)
			jw_bool(w, s->other[i]);
		jw_arr_end(w);
	}
}

static int
levels_load(struct step *s, json_t *o, char **err)
{
	if (load_names(s, o, err) != 0)
		return -1;
	json_t *lv = json_object_get(o, "levels"), *other = json_object_get(o, "other");
	if (!json_is_array(lv) || json_array_size(lv) != s->nc)
		return err_set(err, "saved %s step %d is malformed", s->type->name, s->line);
	for (size_t i = 0; i < s->nc; i++) {
		json_t *a = json_array_get(lv, i);
		size_t n = json_array_size(a);
		s->levels[i] = calloc(n ? n : 1, sizeof **s->levels);
		if (s->levels[i] == NULL)
			return err_set(err, "out of memory");
		for (size_t k = 0; k < n; k++) {
			json_t *e = json_array_get(a, k);
			if (!json_is_string(e))
				return err_set(err, "saved %s step %d is malformed", s->type->name, s->line);
			if ((s->levels[i][k] = str_dup(json_string_value(e))) == NULL)
				return err_set(err, "out of memory");
			s->nlevels[i] = k + 1;
		}
		if (json_is_array(other))
			s->other[i] = json_is_true(json_array_get(other, i));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* interact, drop, keep                                                */

static int
interact_apply(const struct step *s, struct frame *f, char **err)
{
	int last = -1;
	for (size_t i = 0; i < s->nc; i++) {
		int j = s->dead[i] ? frame_find(f, s->names[i]) : col_of(f, s->names[i], s, FK_NUM,
		    err);
		if (j < 0 && !s->dead[i])
			return -1;
		if (j > last)
			last = j;
	}
	size_t pos = (size_t)last + 1;
	for (size_t a = 0; a < s->nc; a++)
		for (size_t b = a + 1; b < s->nc; b++) {
			if (s->dead[a] || s->dead[b])
				continue;	/* a product no output uses */
			const double *x = f->cols[frame_find(f, s->names[a])].num;
			const double *y = f->cols[frame_find(f, s->names[b])].num;
			double *v = malloc((f->n ? f->n : 1) * sizeof *v);
			char name[512];
			if (v == NULL)
				return err_set(err, "out of memory");
			for (size_t r = 0; r < f->n; r++) {
				v[r] = x[r] * y[r];
				/* an infinity times zero is undefined: infinite, not NaN, so
				 * the check after the recipe asks for 'clip', not 'impute' */
				if (isnan(v[r]) && !isnan(x[r]) && !isnan(y[r]))
					v[r] = signbit(x[r]) != signbit(y[r]) ? -INFINITY : INFINITY;
			}
			snprintf(name, sizeof name, "%s*%s", s->names[a], s->names[b]);
			if (frame_insert_num(f, pos++, name, v) != 0)
				return err_set(err, "out of memory");
		}
	return 0;
}

static int
drop_apply(const struct step *s, struct frame *f, char **err)
{
	(void)err;
	for (size_t i = 0; i < s->nc; i++) {
		int j = frame_find(f, s->names[i]);
		if (j >= 0)	/* already absent (e.g. not supplied at prediction): fine */
			frame_remove(f, (size_t)j);
	}
	return 0;
}

static int
keep_apply(const struct step *s, struct frame *f, char **err)
{
	for (size_t j = f->ncols; j-- > 0;) {
		int keep = 0;
		for (size_t i = 0; i < s->nc && !keep; i++)
			keep = strcmp(f->cols[j].name, s->names[i]) == 0;
		if (!keep)
			frame_remove(f, j);
	}
	for (size_t i = 0; i < s->nc; i++)
		if (!s->dead[i] && frame_find(f, s->names[i]) < 0)
			return err_set(err, "recipe line %d (keep): column '%s' is missing", s->line,
			    s->names[i]);
	return 0;
}

/* ------------------------------------------------------------------ */
/* derive                                                              */

static int
derive_fit(struct step *s, struct frame *f, const struct recipe *r, char **err)
{
	int col;
	char *msg = NULL;
	if (frame_find(f, s->dname) >= 0)
		return err_caret(err, r->origin, s->line, s->src, s->cs.v ? 1 : 8,
		    "derive: column '%s' already exists (choose another name, or drop it first)",
		    s->dname);
	if (expr_check(s->expr, f, &col, &msg) != 0) {
		/* suggest the nearest column for a typo */
		const char *near = NULL;
		if (strncmp(msg, "no column", 9) == 0) {
			const char **names = calloc(f->ncols ? f->ncols : 1, sizeof *names);
			for (size_t j = 0; names && j < f->ncols; j++)
				names[j] = f->cols[j].name;
			for (size_t i = 0; names && i < expr_ncolumns(s->expr); i++)
				if (expr_column_pos(s->expr, i) == col)
					near = nearest(expr_column(s->expr, i), names, f->ncols);
			free(names);
		}
		if (near)
			err_caret(err, r->origin, s->line, s->src, col, "derive: %s (did you mean "
			    "'%s'?)", msg, near);
		else
			err_caret(err, r->origin, s->line, s->src, col, "derive: %s", msg);
		free(msg);
		return -1;
	}
	s->nc = expr_ncolumns(s->expr);
	s->names = calloc(s->nc ? s->nc : 1, sizeof *s->names);
	if (s->names == NULL || alloc_state(s) != 0)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < s->nc; i++)
		if ((s->names[i] = str_dup(expr_column(s->expr, i))) == NULL)
			return err_set(err, "out of memory");
	if (materialize_step(s, f) != 0)
		return err_set(err, "out of memory");
	return s->type->apply(s, f, err);
}

static int
derive_apply(const struct step *s, struct frame *f, char **err)
{
	if (s->skip)
		return 0;	/* no output uses the new column */
	double *v = malloc((f->n ? f->n : 1) * sizeof *v);
	if (v == NULL)
		return err_set(err, "out of memory");
	if (expr_eval(s->expr, f, v, err) != 0) {
		free(v);
		return -1;
	}
	if (frame_add_num(f, s->dname, v) != 0)
		return err_set(err, "out of memory");
	return 0;
}

static void
derive_save(const struct step *s, struct jw *w)
{
	jw_key(w, "name");
	jw_str(w, s->dname);
	names_json(s, w);
}

/* ------------------------------------------------------------------ */
/* the step table                                                      */

static const struct step_type step_types[] = {
	{ "impute", "impute mean|median|mode|constant VALUE COLUMNS [infinite]",
	  ACCEPT_NUM | ACCEPT_STR,
	  impute_parse, impute_fit, impute_apply, impute_save, impute_load },
	{ "standardize", "standardize COLUMNS", ACCEPT_NUM,
	  NULL, scale_fit, scale_apply, scale_save, scale_load },
	{ "minmax", "minmax COLUMNS", ACCEPT_NUM,
	  NULL, scale_fit, scale_apply, scale_save, scale_load },
	{ "log1p", "log1p COLUMNS", ACCEPT_NUM,
	  NULL, plain_fit, log1p_apply, plain_save, plain_load },
	{ "clip", "clip COLUMNS [LOW HIGH | min LOW | max HIGH | min LOW max HIGH]", ACCEPT_NUM,
	  NULL, clip_fit, clip_apply, clip_save, clip_load },
	{ "bin", "bin COLUMNS N quantile|uniform", ACCEPT_NUM,
	  NULL, bin_fit, bin_apply, bin_save, bin_load },
	{ "onehot", "onehot COLUMNS [max N]", ACCEPT_NUM | ACCEPT_STR,
	  NULL, onehot_fit, onehot_apply, levels_save, levels_load },
	{ "ordinal", "ordinal COLUMNS", ACCEPT_STR,
	  NULL, onehot_fit, ordinal_apply, levels_save, levels_load },
	{ "interact", "interact COLUMNS", ACCEPT_NUM,
	  NULL, plain_fit, interact_apply, plain_save, plain_load },
	{ "drop", "drop COLUMNS", ACCEPT_NUM | ACCEPT_STR,
	  NULL, plain_fit, drop_apply, plain_save, plain_load },
	{ "keep", "keep COLUMNS", ACCEPT_NUM | ACCEPT_STR,
	  NULL, plain_fit, keep_apply, plain_save, plain_load },
	{ "derive", "derive NAME = EXPRESSION", ACCEPT_NUM | ACCEPT_STR,
	  NULL, derive_fit, derive_apply, derive_save, plain_load },
};

static const struct step_type *
step_type_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(step_types); i++)
		if (strcmp(step_types[i].name, name) == 0)
			return &step_types[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* parsing                                                             */

static int
parse_int_word(struct lex *lx, int *v, int lo, const char *what, char **err)
{
	double d;
	const char *at = lx->p;
	skip_ws(lx);
	int col = lex_col(lx, lx->p);
	(void)at;
	if (parse_number(lx, &d, what, err) != 0)
		return -1;
	if (d != floor(d) || d < lo || d > 1e6)
		return err_caret(err, lx->origin, lx->line, lx->s, col, "expected %s (an integer "
		    ">= %d)", what, lo);
	*v = (int)d;
	return 0;
}

/*
 * clip's bounds after its columns: none (both learned), "LOW HIGH" (the
 * original form), or "min LOW" and/or "max HIGH" in either order.
 */
static int
parse_clip_bounds(struct recipe *r, struct lex *lx, struct step *s, char **err)
{
	for (;;) {
		const char *save = lx->p;
		char *w;
		int col;
		enum tok t = lex_next(lx, &w, &col, err);
		if (t == T_ERROR)
			return -1;
		int is_min = t == T_WORD && strcmp(w, "min") == 0;
		int is_max = t == T_WORD && strcmp(w, "max") == 0;
		free(w);
		if (!is_min && !is_max) {
			lx->p = save;
			if (t == T_EOL || s->have_lo || s->have_hi)
				break;		/* anything else is expect_eol's to report */
			if (parse_number(lx, &s->lo, "the low bound", err) != 0 ||
			    parse_number(lx, &s->hi, "the high bound", err) != 0)
				return -1;
			s->have_lo = s->have_hi = 1;
			break;
		}
		if (is_min ? s->have_lo : s->have_hi)
			return err_caret(err, r->origin, lx->line, lx->s, col,
			    "clip: '%s' is given twice", is_min ? "min" : "max");
		if (parse_number(lx, is_min ? &s->lo : &s->hi, is_min ? "the low bound" :
		    "the high bound", err) != 0)
			return -1;
		if (is_min)
			s->have_lo = 1;
		else
			s->have_hi = 1;
	}
	if (s->have_lo && s->have_hi && s->lo > s->hi)
		return err_caret(err, r->origin, lx->line, lx->s, lex_col(lx, lx->p),
		    "clip: low bound %g is above high bound %g", s->lo, s->hi);
	return 0;
}

static int
parse_step(struct recipe *r, struct lex *lx, struct step *s, char **err)
{
	char *word;
	int col;
	enum tok t = lex_next(lx, &word, &col, err);

	if (t == T_ERROR)
		return -1;
	if (t == T_EOL)
		return 1;	/* blank or comment */
	if (t != T_WORD) {
		free(word);
		return err_caret(err, r->origin, lx->line, lx->s, col, "expected a step name");
	}
	s->type = step_type_find(word);
	if (s->type == NULL) {
		const char *names[ARRAY_LEN(step_types) + 1];
		for (size_t i = 0; i < ARRAY_LEN(step_types); i++)
			names[i] = step_types[i].name;
		const char *near = nearest(word, names, ARRAY_LEN(step_types));
		if (near)
			err_caret(err, r->origin, lx->line, lx->s, col,
			    "unknown step '%s' (did you mean '%s'?)", word, near);
		else
			err_caret(err, r->origin, lx->line, lx->s, col, "unknown step '%s' (steps: "
			    "impute, standardize, minmax, log1p, clip, bin, onehot, ordinal, "
			    "interact, drop, keep, derive)", word);
		free(word);
		return -1;
	}
	free(word);
	s->line = lx->line;
	if ((s->src = str_dup(lx->s)) == NULL)
		return err_set(err, "out of memory");
	const char *name = s->type->name;

	if (strcmp(name, "derive") == 0) {
		t = lex_next(lx, &s->dname, &col, err);
		if (t == T_ERROR)
			return -1;
		if (t != T_WORD && t != T_STRING)
			return err_caret(err, r->origin, lx->line, lx->s, col,
			    "derive needs a new column name: derive NAME = EXPRESSION");
		char *eq;
		t = lex_next(lx, &eq, &col, err);
		free(eq);
		if (t != T_EQUALS)
			return err_caret(err, r->origin, lx->line, lx->s, col,
			    "expected ' = ' after the new column's name (with spaces around it)");
		/* the expression runs to the end of the line or a '#' outside quotes */
		const char *start = lx->p;
		char q = 0;
		const char *e = start;
		for (; *e; e++) {
			if (q) {
				if (*e == q)
					q = 0;
			} else if (*e == '"' || *e == '\'') {
				q = *e;
			} else if (*e == '#') {
				break;
			}
		}
		char *text = str_ndup(start, (size_t)(e - start));
		int ecol;
		char *msg = NULL;
		if (text == NULL)
			return err_set(err, "out of memory");
		int prc = expr_parse(text, lex_col(lx, start), &s->expr, &ecol, &msg);
		free(text);
		if (prc != 0) {
			err_caret(err, r->origin, lx->line, lx->s, ecol, "%s", msg ? msg : "bad expression");
			free(msg);
			return -1;
		}
		return 0;
	}
	if (strcmp(name, "impute") == 0) {
		char *m;
		t = lex_next(lx, &m, &col, err);
		if (t == T_ERROR)
			return -1;
		s->method = -1;
		for (int k = 0; t == T_WORD && k < 4; k++)
			if (strcmp(m, impute_methods[k]) == 0)
				s->method = k;
		free(m);
		if (s->method < 0)
			return err_caret(err, r->origin, lx->line, lx->s, col,
			    "impute needs a method: mean, median, mode or constant VALUE");
		if (s->method == IM_MEAN || s->method == IM_MEDIAN)
			s->accept = ACCEPT_NUM;	/* selectors skip string columns */
		if (s->method == IM_CONSTANT) {
			t = lex_next(lx, &s->constant, &col, err);
			if (t != T_WORD && t != T_STRING)
				return err_caret(err, r->origin, lx->line, lx->s, col,
				    "impute constant needs a value (a number, a word or \"quoted text\")");
		}
	}
	if (parse_colset(lx, &s->cs, name, err) != 0)
		return -1;
	if (strcmp(name, "clip") == 0) {
		if (parse_clip_bounds(r, lx, s, err) != 0)
			return -1;
	} else if (strcmp(name, "impute") == 0) {
		/* "infinite": +-inf are filled like missing values */
		const char *save = lx->p;
		char *m;
		t = lex_next(lx, &m, &col, err);
		if (t == T_ERROR)
			return -1;
		if (t == T_WORD && strcmp(m, "infinite") == 0)
			s->infinite = 1;
		else
			lx->p = save;
		free(m);
	} else if (strcmp(name, "bin") == 0) {
		char *m;
		if (parse_int_word(lx, &s->nbins, 2, "the number of bins", err) != 0)
			return -1;
		t = lex_next(lx, &m, &col, err);
		s->method = t == T_WORD && strcmp(m, "quantile") == 0 ? BIN_QUANTILE :
		    t == T_WORD && strcmp(m, "uniform") == 0 ? BIN_UNIFORM : -1;
		free(m);
		if (s->method < 0)
			return err_caret(err, r->origin, lx->line, lx->s, col,
			    "bin needs 'quantile' or 'uniform' after the number of bins");
	} else if (strcmp(name, "onehot") == 0) {
		s->max_levels = ONEHOT_MAX_DEFAULT;
		const char *save = lx->p;
		char *m;
		t = lex_next(lx, &m, &col, err);
		if (t == T_WORD && strcmp(m, "max") == 0) {
			free(m);
			if (parse_int_word(lx, &s->max_levels, 1, "the level cap", err) != 0)
				return -1;
		} else {
			free(m);
			lx->p = save;
		}
	}
	return expect_eol(lx, s->type->usage, err);
}

int
recipe_parse(const char *text, const char *origin, struct recipe **out, char **err)
{
	struct recipe *r = calloc(1, sizeof *r);
	int line = 0;

	*out = NULL;
	if (r == NULL || (r->text = str_dup(text)) == NULL ||
	    (r->origin = str_dup(origin ? origin : "recipe")) == NULL) {
		recipe_free(r);
		return err_set(err, "out of memory");
	}
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *ln = str_ndup(p, len);
		if (ln == NULL) {
			recipe_free(r);
			return err_set(err, "out of memory");
		}
		if (len && ln[len - 1] == '\r')
			ln[len - 1] = '\0';
		line++;
		/* the text is saved as JSON with the fitted model: a byte that is
		 * not UTF-8 (even in a comment) would make that model unloadable */
		size_t bad;
		if (!utf8_valid((const unsigned char *)ln, strlen(ln), &bad)) {
			int col = 1;
			for (size_t i = 0; i < bad; i++)
				col += ((unsigned char)ln[i] & 0xc0) != 0x80;
			err_caret(err, r->origin, line, NULL, col, "invalid UTF-8 byte 0x%02x "
			    "(expected UTF-8 text)", (unsigned char)ln[bad]);
			free(ln);
			recipe_free(r);
			return -1;
		}
		struct step *v = realloc(r->steps, (r->nsteps + 1) * sizeof *v);
		if (v == NULL) {
			free(ln);
			recipe_free(r);
			return err_set(err, "out of memory");
		}
		r->steps = v;
		struct step *s = &r->steps[r->nsteps];
		memset(s, 0, sizeof *s);
		struct lex lx = { ln, ln, r->origin, line };
		int rc = parse_step(r, &lx, s, err);
		free(ln);
		if (rc < 0) {
			step_free(s);
			recipe_free(r);
			return -1;
		}
		if (rc == 0)
			r->nsteps++;
		p += len;
		if (*p == '\n')
			p++;
	}
	*out = r;
	return 0;
}

void
recipe_free(struct recipe *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nsteps; i++)
		step_free(&r->steps[i]);
	free(r->steps);
	for (size_t i = 0; i < r->nin; i++)
		free(r->in_names[i]);
	for (size_t i = 0; i < r->nout; i++)
		free(r->out_names[i]);
	free(r->in_names);
	free(r->in_kinds);
	for (size_t i = 0; i < r->nopt; i++)
		free(r->opt_names[i]);
	free(r->opt_names);
	free(r->opt_kinds);
	free(r->out_names);
	free(r->text);
	free(r->origin);
	free(r);
}

const char *
recipe_text(const struct recipe *r)
{
	return r->text;
}

/* ------------------------------------------------------------------ */
/* liveness: which columns the outputs depend on                       */

/* A set of column names (a dictionary with an on/off flag per name). */
struct nameset {
	struct strdict	 d;
	unsigned char	*on;
	size_t		 cap;
	int		 oom;
};

static void
ns_set(struct nameset *ns, const char *name, int on)
{
	uint32_t code;
	if (!on && strdict_find(&ns->d, name, strlen(name)) == CODE_NA)
		return;
	if (strdict_intern(&ns->d, name, strlen(name), &code) != 0) {
		ns->oom = 1;
		return;
	}
	if (code >= ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		while (cap <= code)
			cap *= 2;
		unsigned char *v = realloc(ns->on, cap);
		if (v == NULL) {
			ns->oom = 1;
			return;
		}
		memset(v + ns->cap, 0, cap - ns->cap);
		ns->on = v;
		ns->cap = cap;
	}
	ns->on[code] = (unsigned char)on;
}

static int
ns_has(const struct nameset *ns, const char *name)
{
	uint32_t code = strdict_find(&ns->d, name, strlen(name));
	/* a name interned when its flag could not be stored (ns->oom) is off */
	return code != CODE_NA && code < ns->cap && ns->on[code];
}

static void
ns_free(struct nameset *ns)
{
	strdict_free(&ns->d);
	free(ns->on);
}

/*
 * Walk the fitted steps backwards from the outputs, keeping the set of
 * names whose values reach an output ("live"), and mark in each step what
 * does not matter (s->dead, s->skip).  On return *live holds the raw
 * columns the outputs depend on: the recipe's inputs.  A column that is
 * only transformed and then dropped (`impute mean numeric` ... `drop year`)
 * is therefore not an input: a prediction need not supply it, and applying
 * the recipe skips the work on it.  Per step, going backwards:
 *   in place (impute, standardize, minmax, log1p, clip, bin, ordinal):
 *       a column is live before iff live after; impute's dropped columns
 *       are dead;
 *   onehot: a column is live iff one of its indicators is;
 *   interact: a and b are live if they are, or a live product uses them;
 *   derive NAME: if NAME is live, it is replaced by the expression's columns;
 *   drop, keep: nothing is read.
 * Runs on a recipe just fitted and on one loaded (recomputing the inputs
 * of recipes saved before this analysis existed).  0 or -1 (OOM).
 */
static int
recipe_liveness(struct recipe *r, struct nameset *live)
{
	char name[512];

	memset(live, 0, sizeof *live);
	strdict_init(&live->d);
	for (size_t j = 0; j < r->nout; j++)
		ns_set(live, r->out_names[j], 1);
	for (size_t q = r->nsteps; q-- > 0;) {
		struct step *s = &r->steps[q];
		const char *t = s->type->name;
		if (strcmp(t, "drop") == 0) {
			memset(s->dead, 1, s->nc);
		} else if (strcmp(t, "derive") == 0) {
			s->skip = !ns_has(live, s->dname);
			ns_set(live, s->dname, 0);
			for (size_t i = 0; i < s->nc; i++) {
				s->dead[i] = (unsigned char)s->skip;
				if (!s->skip)
					ns_set(live, s->names[i], 1);
			}
		} else if (strcmp(t, "onehot") == 0) {
			for (size_t i = 0; i < s->nc; i++) {
				int used = 0;
				for (size_t k = 0; k < s->nlevels[i] + s->other[i]; k++) {
					snprintf(name, sizeof name, "%s=%s", s->names[i],
					    k == s->nlevels[i] ? "other" : s->levels[i][k]);
					used |= ns_has(live, name);
					ns_set(live, name, 0);
				}
				s->dead[i] = (unsigned char)!used;
				if (used)
					ns_set(live, s->names[i], 1);
			}
		} else if (strcmp(t, "interact") == 0) {
			memset(s->dead, 1, s->nc);
			for (size_t a = 0; a < s->nc; a++)
				for (size_t b = a + 1; b < s->nc; b++) {
					snprintf(name, sizeof name, "%s*%s", s->names[a], s->names[b]);
					if (ns_has(live, name))
						s->dead[a] = s->dead[b] = 0;
					ns_set(live, name, 0);
				}
			for (size_t i = 0; i < s->nc; i++)
				if (!s->dead[i])
					ns_set(live, s->names[i], 1);
		} else {	/* in place; keep reads nothing but removes nothing live */
			for (size_t i = 0; i < s->nc; i++) {
				s->dead[i] = (unsigned char)(!ns_has(live, s->names[i]) || s->dropped[i]);
				if (s->dropped[i])
					ns_set(live, s->names[i], 0);
			}
		}
		if (live->oom)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* fit and apply                                                       */

static int
record_outputs(struct recipe *r, const struct frame *f)
{
	r->out_names = calloc(f->ncols ? f->ncols : 1, sizeof *r->out_names);
	if (r->out_names == NULL)
		return -1;
	for (size_t j = 0; j < f->ncols; j++) {
		if ((r->out_names[j] = str_dup(f->cols[j].name)) == NULL)
			return -1;
		r->nout = j + 1;
	}
	return 0;
}

int
recipe_fit(struct recipe *r, struct frame *f, char **err)
{
	size_t n0 = f->ncols;
	char **names0 = calloc(n0 ? n0 : 1, sizeof *names0);
	enum fkind *kinds0 = calloc(n0 ? n0 : 1, sizeof *kinds0);
	unsigned char *used = calloc(n0 ? n0 : 1, 1);
	struct nameset live;
	int rc = -1;

	memset(&live, 0, sizeof live);
	strdict_init(&live.d);
	if (names0 == NULL || kinds0 == NULL || used == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < n0; j++) {
		names0[j] = f->cols[j].name;	/* borrowed until the first step runs */
		kinds0[j] = f->cols[j].kind;
	}
	/* names of the raw columns, copied: steps may free the frame's */
	for (size_t j = 0; j < n0; j++)
		if ((names0[j] = str_dup(names0[j])) == NULL) {
			for (size_t q = j + 1; q < n0; q++)
				names0[q] = NULL;	/* still the frame's */
			err_set(err, "out of memory");
			goto out;
		}
	for (size_t i = 0; i < r->nsteps; i++) {
		struct step *s = &r->steps[i];
		if (s->type->fit(s, f, r, err) != 0)
			goto out;
	}
	if (record_outputs(r, f) != 0 || recipe_liveness(r, &live) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	/* the inputs: raw columns an output depends on, in the data's order */
	for (size_t j = 0; j < n0; j++)
		used[j] = (unsigned char)ns_has(&live, names0[j]);
	size_t nin = 0;
	for (size_t j = 0; j < n0; j++)
		nin += used[j];
	r->in_names = calloc(nin ? nin : 1, sizeof *r->in_names);
	r->in_kinds = calloc(nin ? nin : 1, sizeof *r->in_kinds);
	r->opt_names = calloc(n0 - nin ? n0 - nin : 1, sizeof *r->opt_names);
	r->opt_kinds = calloc(n0 - nin ? n0 - nin : 1, sizeof *r->opt_kinds);
	if (r->in_names == NULL || r->in_kinds == NULL || r->opt_names == NULL ||
	    r->opt_kinds == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < n0; j++) {
		if (used[j]) {
			r->in_names[r->nin] = names0[j];
			r->in_kinds[r->nin++] = kinds0[j];
		} else {	/* accepted at prediction time, and ignored */
			r->opt_names[r->nopt] = names0[j];
			r->opt_kinds[r->nopt++] = kinds0[j];
		}
		names0[j] = NULL;
	}
	r->fitted = 1;
	rc = 0;
out:
	ns_free(&live);
	for (size_t j = 0; names0 && j < n0; j++)
		free(names0[j]);
	free(names0);
	free(kinds0);
	free(used);
	return rc;
}

/*
 * Bring an input column to the kind the recipe was fitted on: numbers
 * given as strings are parsed (all of them, or it is an error naming the
 * row); numbers given for a string column become their shortest text.
 */
static int
coerce_input(struct frame *f, size_t j, enum fkind want, char **err)
{
	struct fcol *c = &f->cols[j];
	if (want == FK_NUM && c->kind != FK_NUM) {
		double *v = malloc((f->n ? f->n : 1) * sizeof *v);
		if (v == NULL)
			return err_set(err, "out of memory");
		for (size_t r = 0; r < f->n; r++) {
			const char *s = fcol_str(c, r);
			char *end;
			if (s == NULL) {
				v[r] = NAN;
				continue;
			}
			v[r] = strtod(s, &end);
			if (*s == '\0' || *end != '\0') {
				free(v);
				return err_set(err, "column '%s' must be numeric, but row %zu holds '%s'",
				    c->name, r + 1, s);
			}
		}
		frame_set_num(f, j, v);
		return 0;
	}
	if (want != FK_NUM && c->kind == FK_NUM) {
		struct strdict *d = calloc(1, sizeof *d);
		uint32_t *codes = malloc((f->n ? f->n : 1) * sizeof *codes);
		char buf[32];
		if (d == NULL || codes == NULL) {
			free(d);
			free(codes);
			return err_set(err, "out of memory");
		}
		strdict_init(d);
		for (size_t r = 0; r < f->n; r++) {
			codes[r] = CODE_NA;
			if (!isnan(c->num[r])) {
				fmt_double(buf, c->num[r]);
				if (strdict_intern(d, buf, strlen(buf), &codes[r]) != 0) {
					strdict_free(d);
					free(d);
					free(codes);
					return err_set(err, "out of memory");
				}
			}
		}
		free(c->num);
		c->num = NULL;
		c->codes = codes;
		c->own_dict = d;
		c->dict = d;
	}
	c->kind = want;
	return 0;
}

int
recipe_apply(const struct recipe *r, struct frame *f, char **err)
{
	if (!r->fitted)
		return err_set(err, "recipe is not fitted");
	/* inputs present, in the recorded kinds; other columns dropped */
	for (size_t i = 0; i < r->nin; i++) {
		int j = frame_find(f, r->in_names[i]);
		if (j < 0)
			return err_set(err, "input lacks column '%s' (%s), which the recipe needs",
			    r->in_names[i], fkind_name(r->in_kinds[i]));
		if (coerce_input(f, (size_t)j, r->in_kinds[i], err) != 0)
			return -1;
	}
	for (size_t j = f->ncols; j-- > 0;) {
		int needed = 0;
		for (size_t i = 0; i < r->nin && !needed; i++)
			needed = strcmp(f->cols[j].name, r->in_names[i]) == 0;
		if (!needed)
			frame_remove(f, j);
	}
	/* put the inputs in training order so outputs come out in order */
	for (size_t i = 0; i < r->nin; i++) {
		int j = frame_find(f, r->in_names[i]);
		if ((size_t)j != i) {
			struct fcol tmp = f->cols[i];
			f->cols[i] = f->cols[j];
			f->cols[j] = tmp;
		}
	}
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];
		if (strcmp(s->type->name, "drop") != 0 && materialize_step(s, f) != 0)
			return err_set(err, "out of memory");
		if (s->type->apply(s, f, err) != 0)
			return -1;
	}
	if (f->ncols != r->nout)
		return err_set(err, "recipe produced %zu columns, expected %zu", f->ncols, r->nout);
	/* the outputs in the fitted order: work skipped on dead columns (see
	 * recipe_liveness) may have put a product or an indicator elsewhere */
	for (size_t j = 0; j < f->ncols; j++) {
		if (strcmp(f->cols[j].name, r->out_names[j]) == 0)
			continue;
		size_t k = j + 1;
		while (k < f->ncols && strcmp(f->cols[k].name, r->out_names[j]) != 0)
			k++;
		if (k == f->ncols)
			return err_set(err, "recipe produced column '%s' where '%s' was expected",
			    f->cols[j].name, r->out_names[j]);
		struct fcol tmp = f->cols[j];
		f->cols[j] = f->cols[k];
		f->cols[k] = tmp;
	}
	return 0;
}

size_t recipe_ninputs(const struct recipe *r) { return r->nin; }
size_t recipe_noptional(const struct recipe *r) { return r->nopt; }
const char *recipe_optional_name(const struct recipe *r, size_t i) { return r->opt_names[i]; }
enum fkind recipe_optional_kind(const struct recipe *r, size_t i) { return r->opt_kinds[i]; }
const char *recipe_input_name(const struct recipe *r, size_t i) { return r->in_names[i]; }
enum fkind recipe_input_kind(const struct recipe *r, size_t i) { return r->in_kinds[i]; }
size_t recipe_noutputs(const struct recipe *r) { return r->nout; }
const char *recipe_output_name(const struct recipe *r, size_t i) { return r->out_names[i]; }

/* ------------------------------------------------------------------ */
/* save and load                                                       */

/* "key": [{"name", "kind"}, ...] */
static void
columns_json(struct jw *w, const char *key, char *const *names, const enum fkind *kinds,
    size_t n)
{
	jw_key(w, key);
	jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj(w);
		jw_key(w, "name"); jw_str(w, names[i]);
		jw_key(w, "kind"); jw_str(w, fkind_name(kinds[i]));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

char *
recipe_save(const struct recipe *r)
{
	struct sbuf b;
	struct jw w;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "format"); jw_int(&w, RECIPE_FORMAT);
	jw_key(&w, "text"); jw_str(&w, r->text);
	columns_json(&w, "inputs", r->in_names, r->in_kinds, r->nin);
	columns_json(&w, "ignored", r->opt_names, r->opt_kinds, r->nopt);
	jw_key(&w, "outputs");
	jw_arr(&w);
	for (size_t i = 0; i < r->nout; i++)
		jw_str(&w, r->out_names[i]);
	jw_arr_end(&w);
	jw_key(&w, "steps");
	jw_arr(&w);
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];
		jw_obj(&w);
		jw_key(&w, "step"); jw_str(&w, s->type->name);
		jw_key(&w, "line"); jw_int(&w, s->line);
		s->type->save(s, &w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	return sbuf_detach(&b);
}

static int
kind_from_name(const char *s, enum fkind *k)
{
	if (strcmp(s, "numeric") == 0) *k = FK_NUM;
	else if (strcmp(s, "categorical") == 0) *k = FK_CAT;
	else if (strcmp(s, "text") == 0) *k = FK_TEXT;
	else return -1;
	return 0;
}

/* [{"name", "kind"}, ...] (or nothing) into names/kinds/n (malloc'd;
 * the recipe frees them). */
static int
load_columns(json_t *a, char ***names, enum fkind **kinds, size_t *n, char **err)
{
	size_t m = json_array_size(a);
	*names = calloc(m ? m : 1, sizeof **names);
	*kinds = calloc(m ? m : 1, sizeof **kinds);
	if (*names == NULL || *kinds == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < m; i++) {
		json_t *e = json_array_get(a, i);
		const char *nm = json_string_value(json_object_get(e, "name"));
		const char *kd = json_string_value(json_object_get(e, "kind"));
		if (nm == NULL || kd == NULL || kind_from_name(kd, &(*kinds)[i]) != 0)
			return err_set(err, "fitted recipe has a malformed input");
		if (((*names)[i] = str_dup(nm)) == NULL)
			return err_set(err, "out of memory");
		*n = i + 1;
	}
	return 0;
}

/*
 * After loading: mark the dead work and keep only the inputs an output
 * depends on.  Format 1 listed every raw column a step read, including
 * ones only transformed and then dropped; those are no longer required
 * (they join the columns accepted and ignored).
 * A live raw column the saved inputs do not list cannot be read (its kind
 * is unknown): the recipe is refused.
 */
static int
load_inputs_live(struct recipe *r, char **err)
{
	struct nameset live;
	size_t k = 0;
	int rc = -1;

	if (recipe_liveness(r, &live) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->nin; i++) {
		if (ns_has(&live, r->in_names[i])) {
			ns_set(&live, r->in_names[i], 0);
			r->in_names[k] = r->in_names[i];
			r->in_kinds[k++] = r->in_kinds[i];
			continue;
		}
		/* a format 1 input no output needs: now one accepted and ignored */
		char **nv = realloc(r->opt_names, (r->nopt + 1) * sizeof *nv);
		if (nv != NULL)
			r->opt_names = nv;
		enum fkind *kv = nv ? realloc(r->opt_kinds, (r->nopt + 1) * sizeof *kv) : NULL;
		if (kv == NULL) {
			for (size_t q = i; q < r->nin; q++)
				free(r->in_names[q]);
			r->nin = k;
			err_set(err, "out of memory");
			goto out;
		}
		r->opt_kinds = kv;
		r->opt_names[r->nopt] = r->in_names[i];
		r->opt_kinds[r->nopt++] = r->in_kinds[i];
	}
	r->nin = k;
	for (uint32_t c = 0; c < live.d.n; c++)
		if (live.on[c]) {
			err_set(err, "fitted recipe needs column '%s', which it does not list as an "
			    "input", strdict_get(&live.d, c));
			goto out;
		}
	rc = 0;
out:
	ns_free(&live);
	return rc;
}

int
recipe_load(const char *json, struct recipe **out, char **err)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je), *a;
	struct recipe *r = NULL;
	int rc = -1;

	*out = NULL;
	if (!json_is_object(o)) {
		err_set(err, "fitted recipe is not valid JSON (%s at byte %d)", je.text, je.position);
		goto out;
	}
	json_int_t fmt = json_integer_value(json_object_get(o, "format"));
	if (fmt < 1 || fmt > RECIPE_FORMAT) {
		err_set(err, "fitted recipe has format %lld; this lathe reads up to %d",
		    (long long)fmt, RECIPE_FORMAT);
		goto out;
	}
	const char *text = json_string_value(json_object_get(o, "text"));
	if (text == NULL || recipe_parse(text, "recipe", &r, err) != 0) {
		if (text == NULL)
			err_set(err, "fitted recipe has no text");
		goto out;
	}
	a = json_object_get(o, "steps");
	if (!json_is_array(a) || json_array_size(a) != r->nsteps) {
		err_set(err, "fitted recipe's steps do not match its text");
		goto out;
	}
	for (size_t i = 0; i < r->nsteps; i++) {
		json_t *s = json_array_get(a, i);
		const char *name = json_string_value(json_object_get(s, "step"));
		if (name == NULL || strcmp(name, r->steps[i].type->name) != 0) {
			err_set(err, "fitted recipe step %zu does not match its text", i + 1);
			goto out;
		}
		if (r->steps[i].type->load(&r->steps[i], s, err) != 0)
			goto out;
	}
	if (load_columns(json_object_get(o, "inputs"), &r->in_names, &r->in_kinds, &r->nin,
	    err) != 0 || load_columns(json_object_get(o, "ignored"), &r->opt_names,
	    &r->opt_kinds, &r->nopt, err) != 0)
		goto out;
	a = json_object_get(o, "outputs");
	size_t nout = json_array_size(a);
	r->out_names = calloc(nout ? nout : 1, sizeof *r->out_names);
	if (r->out_names == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nout; i++) {
		const char *nm = json_string_value(json_array_get(a, i));
		if (nm == NULL || (r->out_names[i] = str_dup(nm)) == NULL) {
			err_set(err, "fitted recipe has a malformed output");
			goto out;
		}
		r->nout = i + 1;
	}
	if (load_inputs_live(r, err) != 0)
		goto out;
	r->fitted = 1;
	*out = r;
	r = NULL;
	rc = 0;
out:
	recipe_free(r);
	json_decref(o);
	return rc;
}

void
recipe_describe(const struct recipe *r, struct sbuf *b)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step *s = &r->steps[i];
		sbuf_printf(b, "%-12s", s->type->name);
		for (size_t k = 0; k < s->nc; k++) {
			sbuf_printf(b, "%s%s", k ? ", " : " ", s->names[k]);
			if (k == 7 && s->nc > 9) {
				sbuf_printf(b, ", ... (%zu columns)", s->nc);
				break;
			}
		}
		sbuf_putc(b, '\n');
	}
}
