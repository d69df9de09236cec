/*
 * runs_where.c — filtering runs with an expression; see runs_where.h.
 * The fields the expression names become the columns of a small table
 * (numeric, or categorical with a dictionary), which becomes a frame the
 * expression evaluator reads, exactly as a recipe's derive step does.
 */
#include "runs_where.h"
#include "base/util.h"
#include "features/expr.h"
#include "features/frame.h"
#include "store/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "--where"

struct runs_where {
	struct expr	*e;
	char		*text;
	char		**fields;	/* distinct, borrowed from e */
	int		*pos;		/* character column of each one's first use */
	size_t		 nfields;
};

/* "--where:1:COL: msg\n    text\n    ^", as the recipe's errors. */
static int
caret(char **err, const char *text, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
caret(char **err, const char *text, int col, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	err_setv(&msg, fmt, ap);
	va_end(ap);
	if (msg == NULL || strcmp(msg, "out of memory") == 0) {
		free(msg);
		return err_set(err, "out of memory");
	}
	struct sbuf b;
	sbuf_init(&b);
	sbuf_printf(&b, "%s:1:%d: %s\n    %s\n    ", ORIGIN, col, msg, text);
	int c = 1;
	for (const char *p = text; *p && c < col; p++)
		if (((unsigned char)*p & 0xc0) != 0x80) {
			sbuf_putc(&b, *p == '\t' ? '\t' : ' ');
			c++;
		}
	sbuf_putc(&b, '^');
	free(msg);
	char *s = sbuf_detach(&b);
	err_set(err, "%s", s ? s : "out of memory");
	free(s);
	return -1;
}

void
runs_where_free(struct runs_where *w)
{
	if (w == NULL)
		return;
	expr_free(w->e);
	free(w->text);
	free(w->fields);
	free(w->pos);
	free(w);
}

int
runs_where_parse(const char *text, struct runs_where **out, char **err)
{
	struct runs_where *w = calloc(1, sizeof *w);
	char *msg = NULL;
	int col = 1;

	*out = NULL;
	if (w == NULL || (w->text = str_dup(text)) == NULL) {
		runs_where_free(w);
		return err_set(err, "out of memory");
	}
	if (expr_parse(text, 1, &w->e, &col, &msg) != 0) {
		caret(err, text, col, "%s", msg ? msg : "out of memory");
		free(msg);
		runs_where_free(w);
		return -1;
	}
	size_t k = expr_ncolumns(w->e);
	if (k == 0) {
		runs_where_free(w);
		return caret(err, text, 1, "the expression names no field (e.g. accuracy > 0.9 && "
		    "algo == 'gbdt')");
	}
	w->fields = calloc(k, sizeof *w->fields);
	w->pos = calloc(k, sizeof *w->pos);
	if (w->fields == NULL || w->pos == NULL) {
		runs_where_free(w);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < k; i++) {
		const char *name = expr_column(w->e, i);
		size_t j = 0;
		while (j < w->nfields && strcmp(w->fields[j], name) != 0)
			j++;
		if (j < w->nfields)
			continue;
		w->fields[w->nfields] = (char *)name;
		w->pos[w->nfields++] = expr_column_pos(w->e, i);
	}
	*out = w;
	return 0;
}

size_t runs_where_nfields(const struct runs_where *w) { return w->nfields; }
const char *runs_where_field(const struct runs_where *w, size_t i) { return w->fields[i]; }

/* How the expression uses field f: the union over its references. */
static int
field_use(const struct runs_where *w, const char *f)
{
	int use = 0;
	for (size_t i = 0; i < expr_ncolumns(w->e); i++)
		if (strcmp(expr_column(w->e, i), f) == 0)
			use |= expr_column_use(w->e, i);
	return use;
}

/* Fill column c with field f of every row.  0, 1 (a caret error in *err)
 * or -1 (out of memory). */
static int
fill_column(const struct runs_where *w, size_t fi, struct column *c, size_t n,
    runs_where_get_fn get, runs_where_known_fn known, void *ctx, char **err)
{
	const char *f = w->fields[fi];
	const char *text;
	double num;
	size_t present = 0, numeric = 0;

	if ((c->name = str_dup(f)) == NULL)
		return -1;
	for (size_t r = 0; r < n; r++) {
		text = NULL;
		num = NAN;
		if (get(ctx, r, f, &text, &num) == 1) {
			present++;
			numeric += !isnan(num);
		}
	}
	if (present == 0 && !known(ctx, f))
		return caret(err, w->text, w->pos[fi], "unknown field '%s' (not a run column, "
		    "metric, parameter or tag; see 'lathe runs --help')", f), 1;
	int use = field_use(w, f);
	/* a field no row has takes the kind its use asks for */
	int is_num = present ? numeric == present : !(use & EXPR_USE_STRING);
	if (is_num && (use & EXPR_USE_STRING))
		return caret(err, w->text, w->pos[fi], "field '%s' is numeric; compare it with a "
		    "number, not a 'string'", f), 1;
	if (!is_num && (use & EXPR_USE_NUMBER))
		return caret(err, w->text, w->pos[fi], "field '%s' is text; compare it with a "
		    "'string' (%s == 'value')", f, f), 1;
	void *data = malloc((n ? n : 1) * (is_num ? sizeof(double) : sizeof(uint32_t)));
	if (data == NULL)
		return -1;
	c->kind = is_num ? COL_NUMERIC : COL_CATEGORICAL;
	for (size_t r = 0; r < n; r++) {
		text = NULL;
		num = NAN;
		int has = get(ctx, r, f, &text, &num) == 1;
		if (is_num) {
			((double *)data)[r] = has ? num : NAN;
			continue;
		}
		uint32_t code = CODE_NA;
		char buf[32];
		if (has && text == NULL && !isnan(num))
			text = fmt_double(buf, num);
		if (has && text && strdict_intern(&c->dict, text, strlen(text), &code) != 0) {
			free(data);
			return -1;
		}
		((uint32_t *)data)[r] = code;
	}
	if (column_add_chunk(c, 0, n, data) != 0) {
		free(data);
		return -1;
	}
	return 0;
}

int
runs_where_eval(const struct runs_where *w, size_t n, runs_where_get_fn get,
    runs_where_known_fn known, void *ctx, unsigned char *keep, char **err)
{
	struct table *t = table_new(w->nfields);
	struct frame *f = NULL;
	double *out = NULL;
	int rc = -1;

	if (t == NULL)
		return err_set(err, "out of memory");
	t->nrows = n;
	for (size_t i = 0; i < w->nfields; i++) {
		int r = fill_column(w, i, &t->cols[i], n, get, known, ctx, err);
		if (r < 0)
			err_set(err, "out of memory");
		if (r != 0)
			goto out;
	}
	if ((f = frame_from_table(t, NULL, 0, NULL)) == NULL ||
	    (out = malloc((n ? n : 1) * sizeof *out)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (expr_eval(w->e, f, out, err) != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		keep[i] = !isnan(out[i]) && out[i] != 0;
	rc = 0;
out:
	free(out);
	frame_free(f);
	table_free(t);
	return rc;
}
