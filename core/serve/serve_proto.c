/*
 * serve_proto.c — MLflow scoring and Open Inference Protocol bodies; see
 * serve_proto.h for the shapes and rules.
 *
 * Every format is parsed into the same thing: a frame holding the
 * model's raw input columns in schema order, each cell set from the
 * request (cells a record leaves out stay missing).  The frame builder
 * below is the one place where a JSON value or a CSV field becomes a
 * cell, so type rules and their error messages are identical across
 * formats.  JSON is parsed by jansson with integers decoded as doubles
 * (the same correctly rounded value CSV import gives) and duplicate keys
 * rejected; a cheap nesting pre-scan runs first so that a hostile body
 * is refused before jansson builds anything.  The MLflow shapes clients
 * send most have a hand-written fast path in front of jansson (below:
 * "the fast path"), which takes a body only when it would build the same
 * frame, and otherwise leaves it — and every error message — to jansson.
 */
#include "serve_proto.h"
#include "lathe_plugin.h"
#include "base/jsonw.h"
#include "base/numparse.h"
#include "store/table.h"

#include <csv.h>
#include <ctype.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* frame builder                                                       */

struct fb {
	const struct proto_schema	*s;
	struct frame			*f;
};

/* The columns a request must give (the optional ones come after). */
static size_t
nreq(const struct proto_schema *s)
{
	return s->n - s->noptional;
}

/* Once parsed, the optional columns go: nothing reads them, and the
 * prediction log keeps the model's inputs only. */
static void
drop_optional(const struct proto_schema *s, struct frame *f)
{
	while (f->ncols > nreq(s))
		frame_remove(f, f->ncols - 1);
}

/* A frame of n rows with every schema column, all cells missing. */
static int
fb_init(struct fb *b, const struct proto_schema *s, size_t n, char **err)
{
	b->s = s;
	if ((b->f = frame_new(n)) == NULL)
		return err_set(err, "out of memory");
	for (size_t j = 0; j < s->n; j++) {
		double *v = malloc((n ? n : 1) * sizeof *v);
		if (v == NULL || frame_add_num(b->f, s->names[j], v) != 0)
			return err_set(err, "out of memory");
		if (s->kinds[j] == FK_NUM) {
			for (size_t i = 0; i < n; i++)
				v[i] = NAN;
			continue;
		}
		/* a string column: codes into a dictionary of its own */
		struct fcol *c = &b->f->cols[j];
		free(c->num);
		c->num = NULL;
		c->kind = s->kinds[j];
		c->codes = malloc((n ? n : 1) * sizeof *c->codes);
		if ((c->own_dict = calloc(1, sizeof *c->own_dict)) != NULL)
			strdict_init(c->own_dict);
		c->dict = c->own_dict;
		if (c->codes == NULL || c->own_dict == NULL)
			return err_set(err, "out of memory");
		for (size_t i = 0; i < n; i++)
			c->codes[i] = CODE_NA;
	}
	return 0;
}

static int
fb_str(struct fb *b, size_t j, size_t i, const char *s, size_t len)
{
	struct fcol *c = &b->f->cols[j];
	return strdict_intern(c->own_dict, s, len, &c->codes[i]) != 0 ? -1 : 0;
}

/* Set cell (i, j) from a JSON value: 0, -1 (out of memory) or 1 (the
 * value's type does not fit the column). */
static int
fb_json(struct fb *b, size_t j, size_t i, const json_t *v)
{
	int num = b->s->kinds[j] == FK_NUM;
	char buf[32];
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 0;
	case JSON_REAL:
	case JSON_INTEGER:
		if (num) {
			b->f->cols[j].num[i] = json_number_value(v);
			return 0;
		}
		fmt_double(buf, json_number_value(v));
		return fb_str(b, j, i, buf, strlen(buf));
	case JSON_STRING:
		if (num)
			return 1;
		return fb_str(b, j, i, json_string_value(v), json_string_length(v));
	default:
		return 1;
	}
}

static int
is_na(const char *s, size_t n)
{
	static const char *const na[] = { "NA", "N/A", "null", "NaN", "?" };
	if (n == 0)
		return 1;
	for (size_t k = 0; k < ARRAY_LEN(na); k++)
		if (strlen(na[k]) == n && memcmp(na[k], s, n) == 0)
			return 1;
	return 0;
}

/* Set cell (i, j) from text (CSV fields, BYTES elements); NA tokens are
 * missing.  Same returns as fb_json. */
static int
fb_text(struct fb *b, size_t j, size_t i, const char *s, size_t len)
{
	if (is_na(s, len))
		return 0;
	if (b->s->kinds[j] == FK_NUM) {
		double d;
		if (!num_parse(s, len, &d))
			return 1;
		b->f->cols[j].num[i] = d;
		return 0;
	}
	return fb_str(b, j, i, s, len);
}

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* A JSON value for a message: `string "abc"`, `number 1.5`, `an array`. */
static const char *
describe(const json_t *v, char buf[96])
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), k = n > 40 ? 40 : n;
		while (k < n && k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;	/* cut between characters, not inside one */
		snprintf(buf, 96, "string \"%.*s%s\"", (int)k, s, k < n ? "..." : "");
		/* keep the message one line */
		for (char *p = buf; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return buf;
	}
	default: {
		char num[32];
		snprintf(buf, 96, "number %s", fmt_double(num, json_number_value(v)));
		return buf;
	}
	}
}

static const char *
expected(const struct fb *b, size_t j)
{
	return b->s->kinds[j] == FK_NUM ? "a number" : "a string or a number";
}

/* "a, b, c" (at most 16 names) */
static void
names_list(const struct proto_schema *s, struct sbuf *b)
{
	for (size_t j = 0; j < nreq(s) && j < 16; j++) {
		if (j)
			sbuf_puts(b, ", ");
		sbuf_puts(b, s->names[j]);
	}
	if (nreq(s) > 16)
		sbuf_printf(b, ", ... (%zu in all)", nreq(s));
}

static int
unknown_column(const struct proto_schema *s, const char *what, const char *name, char **err)
{
	struct sbuf b;
	sbuf_init(&b);
	names_list(s, &b);
	err_set(err, "unknown %s '%s' (the model's inputs are: %s)", what, name,
	    b.s ? b.s : "");
	sbuf_free(&b);
	return -1;
}

/* -1 with a message naming the first required column not in seen[]. */
static int
require_seen(const struct proto_schema *s, const unsigned char *seen, char **err)
{
	for (size_t j = 0; j < nreq(s); j++)
		if (!seen[j])
			return err_set(err, "missing column '%s' (%s), which the model needs",
			    s->names[j], fkind_name(s->kinds[j]));
	return 0;
}

static int
col_find(const struct proto_schema *s, const char *name)
{
	for (size_t j = 0; j < s->n; j++)
		if (strcmp(s->names[j], name) == 0)
			return (int)j;
	return -1;
}

static int
too_many_rows(const struct proto_limits *lim, size_t n, int *status, char **err)
{
	if (n <= lim->max_rows)
		return 0;
	*status = 413;
	return err_set(err, "request has %zu rows; the limit is %zu (--max-rows)", n,
	    lim->max_rows);
}

int
proto_check_depth(const char *body, size_t len, int max_depth, char **err)
{
	int d = 0;
	for (size_t i = 0; i < len; i++) {
		char c = body[i];
		if (c == '"') {
			/* skip the string */
			for (i++; i < len && body[i] != '"'; i++)
				if (body[i] == '\\')
					i++;
		} else if (c == '[' || c == '{') {
			if (++d > max_depth)
				return err_set(err, "JSON nested deeper than %d levels at byte %zu "
				    "(--max-depth)", max_depth, i);
		} else if (c == ']' || c == '}') {
			d--;
		}
	}
	return 0;
}

static json_t *
load_json(const char *body, size_t len, const struct proto_limits *lim, int *status,
    char **err)
{
	json_error_t je;
	*status = 400;
	if (proto_check_depth(body, len, lim->max_depth, err) != 0)
		return NULL;
	json_t *root = json_loadb(body, len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES,
	    &je);
	if (root == NULL) {
		/* jansson says "premature end of input" etc.; strip its own position */
		err_set(err, "bad JSON at byte %d: %s", je.position, je.text);
	}
	return root;
}

/* ------------------------------------------------------------------ */
/* MLflow: the shapes of a data frame                                  */

/* Columns named by an array of strings -> schema indexes; every schema
 * column must appear exactly once. */
static int
map_columns(const struct proto_schema *s, const json_t *cols, const char *where, int *map,
    char **err)
{
	unsigned char *seen = calloc(s->n ? s->n : 1, 1);
	char dbuf[96];
	int rc = -1;
	if (seen == NULL)
		return err_set(err, "out of memory");
	for (size_t k = 0; k < json_array_size(cols); k++) {
		const json_t *c = json_array_get(cols, k);
		if (!json_is_string(c)) {
			err_set(err, "%s[%zu] must be a column name, got %s", where, k,
			    describe(c, dbuf));
			goto out;
		}
		int j = col_find(s, json_string_value(c));
		if (j < 0) {
			unknown_column(s, "column", json_string_value(c), err);
			goto out;
		}
		if (seen[j]) {
			err_set(err, "column '%s' is given twice", s->names[j]);
			goto out;
		}
		seen[j] = 1;
		map[k] = j;
	}
	if (require_seen(s, seen, err) != 0)
		goto out;
	rc = 0;
out:
	free(seen);
	return rc;
}

/* Rows as arrays, in the order of map (schema order when map is NULL). */
static int
parse_rows(struct fb *b, const json_t *rows, const char *where, const int *map, size_t ncols,
    const struct proto_limits *lim, int *status, char **err)
{
	size_t n = json_array_size(rows);
	char dbuf[96];
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(b, b->s, n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *row = json_array_get(rows, i);
		if (!json_is_array(row))
			return err_set(err, "%s[%zu] must be an array of %zu values, got %s", where, i,
			    ncols, describe(row, dbuf));
		if (json_array_size(row) != ncols) {
			struct sbuf nb;
			sbuf_init(&nb);
			names_list(b->s, &nb);
			err_set(err, "%s[%zu] has %zu values, expected %zu (%s: %s)", where, i,
			    json_array_size(row), ncols, map ? "one per column" :
			    "the model's inputs, in order", nb.s ? nb.s : "");
			sbuf_free(&nb);
			return -1;
		}
		for (size_t k = 0; k < ncols; k++) {
			size_t j = map ? (size_t)map[k] : k;
			const json_t *v = json_array_get(row, k);
			int r = fb_json(b, j, i, v);
			if (r < 0)
				return err_set(err, "out of memory");
			if (r > 0)
				return err_set(err, "%s[%zu][%zu] (column '%s'): expected %s, got %s",
				    where, i, k, b->s->names[j], expected(b, j), describe(v, dbuf));
		}
	}
	return 0;
}

/* Rows as objects {column: value}; a column a record leaves out is
 * missing in that row, a column no record names is an error. */
static int
parse_records(struct fb *b, const json_t *recs, const char *where,
    const struct proto_limits *lim, int *status, char **err)
{
	size_t n = json_array_size(recs);
	unsigned char *seen = NULL;
	char dbuf[96];
	int rc = -1;
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(b, b->s, n, err) != 0)
		return -1;
	if ((seen = calloc(b->s->n ? b->s->n : 1, 1)) == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *rec = json_array_get(recs, i);
		const char *key;
		const json_t *v;
		if (!json_is_object(rec)) {
			err_set(err, "%s[%zu] must be an object {column: value}, got %s", where, i,
			    describe(rec, dbuf));
			goto out;
		}
		json_object_foreach((json_t *)rec, key, v) {
			int j = col_find(b->s, key);
			if (j < 0) {
				unknown_column(b->s, "column", key, err);
				goto out;
			}
			seen[j] = 1;
			int r = fb_json(b, (size_t)j, i, v);
			if (r < 0) {
				err_set(err, "out of memory");
				goto out;
			}
			if (r > 0) {
				err_set(err, "%s[%zu] (column '%s'): expected %s, got %s", where, i, key,
				    expected(b, (size_t)j), describe(v, dbuf));
				goto out;
			}
		}
	}
	if (n && require_seen(b->s, seen, err) != 0)
		goto out;
	rc = 0;
out:
	free(seen);
	return rc;
}

/* One value per row: only for a model with a single input. */
static int
parse_scalars(struct fb *b, const json_t *vals, const char *where,
    const struct proto_limits *lim, int *status, char **err)
{
	size_t n = json_array_size(vals);
	char dbuf[96];
	if (nreq(b->s) != 1)
		return err_set(err, "%s[0] is %s: with %zu inputs, each row must be an object "
		    "{column: value} or an array of %zu values", where,
		    describe(json_array_get(vals, 0), dbuf), nreq(b->s), nreq(b->s));
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(b, b->s, n, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(vals, i);
		int r = fb_json(b, 0, i, v);
		if (r < 0)
			return err_set(err, "out of memory");
		if (r > 0)
			return err_set(err, "%s[%zu] (column '%s'): expected %s, got %s", where, i,
			    b->s->names[0], expected(b, 0), describe(v, dbuf));
	}
	return 0;
}

/* A list of rows whose shape the first element decides. */
static int
parse_list(struct fb *b, const json_t *a, const char *where, const struct proto_limits *lim,
    int *status, char **err)
{
	const json_t *first = json_array_get(a, 0);
	if (first == NULL || json_is_object(first))
		return parse_records(b, a, where, lim, status, err);
	if (json_is_array(first))
		return parse_rows(b, a, where, NULL, nreq(b->s), lim, status, err);
	return parse_scalars(b, a, where, lim, status, err);
}

/* {"col": [values...], ...} or {"col": value, ...} (one row). */
static int
parse_columnar(struct fb *b, const json_t *o, const char *where,
    const struct proto_limits *lim, int *status, char **err)
{
	const char *key, *first = NULL;
	const json_t *v;
	size_t n = 0;
	int arrays = -1;
	char dbuf[96];

	json_object_foreach((json_t *)o, key, v) {
		int j = col_find(b->s, key);
		if (j < 0)
			return unknown_column(b->s, "column", key, err);
		int isarr = json_is_array(v);
		size_t len = isarr ? json_array_size(v) : 1;
		if (arrays < 0) {
			arrays = isarr;
			n = len;
			first = key;
		} else if (isarr != arrays) {
			return err_set(err, "%s: column '%s' is %s but column '%s' is %s; give every "
			    "column a list of values (or every column one value)", where,
			    isarr ? key : first, "a list", isarr ? first : key, "a single value");
		} else if (len != n) {
			return err_set(err, "%s: column '%s' has %zu values but column '%s' has %zu",
			    where, key, len, first, n);
		}
	}
	for (size_t j = 0; j < nreq(b->s); j++)
		if (json_object_get(o, b->s->names[j]) == NULL)
			return err_set(err, "missing column '%s' (%s), which the model needs",
			    b->s->names[j], fkind_name(b->s->kinds[j]));
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(b, b->s, n, err) != 0)
		return -1;
	for (size_t j = 0; j < b->s->n; j++) {
		const json_t *col = json_object_get(o, b->s->names[j]);
		for (size_t i = 0; col && i < n; i++) {
			const json_t *cell = arrays ? json_array_get(col, i) : col;
			int r = fb_json(b, j, i, cell);
			if (r < 0)
				return err_set(err, "out of memory");
			if (r > 0) {
				if (arrays)
					return err_set(err, "%s.%s[%zu]: expected %s, got %s", where,
					    b->s->names[j], i, expected(b, j), describe(cell, dbuf));
				return err_set(err, "%s.%s: expected %s, got %s", where, b->s->names[j],
				    expected(b, j), describe(cell, dbuf));
			}
		}
	}
	return 0;
}

static int
parse_split(struct fb *b, const json_t *v, const struct proto_limits *lim, int *status,
    char **err)
{
	const json_t *cols = json_object_get(v, "columns");
	const json_t *data = json_object_get(v, "data");
	char dbuf[96];
	int *map = NULL, rc;

	if (!json_is_object(v))
		return err_set(err, "dataframe_split must be an object {\"columns\": [...], "
		    "\"data\": [[...], ...]}, got %s", describe(v, dbuf));
	if (data == NULL)
		return err_set(err, "dataframe_split lacks \"data\" (the rows)");
	if (!json_is_array(data))
		return err_set(err, "dataframe_split.data must be an array of rows, got %s",
		    describe(data, dbuf));
	if (cols == NULL)
		return parse_rows(b, data, "dataframe_split.data", NULL, nreq(b->s), lim, status,
		    err);
	if (!json_is_array(cols))
		return err_set(err, "dataframe_split.columns must be an array of column names, "
		    "got %s", describe(cols, dbuf));
	size_t nc = json_array_size(cols);
	if ((map = calloc(nc ? nc : 1, sizeof *map)) == NULL)
		return err_set(err, "out of memory");
	rc = map_columns(b->s, cols, "dataframe_split.columns", map, err);
	if (rc == 0)
		rc = parse_rows(b, data, "dataframe_split.data", map, nc, lim, status, err);
	free(map);
	return rc;
}

/* ------------------------------------------------------------------ */
/* MLflow: CSV bodies                                                  */

struct csv_acc {
	struct sbuf	 pool;		/* field texts, each NUL-terminated */
	size_t		*off, *len;	/* per field */
	size_t		 nf, fcap;
	size_t		*rowend;	/* field index after each row's last */
	size_t		 nrows, rcap;
	int		 oom;
};

static void
csv_field(void *s, size_t len, void *data)
{
	struct csv_acc *a = data;
	if (a->nf == a->fcap) {
		size_t cap = a->fcap ? a->fcap * 2 : 64;
		size_t *o = realloc(a->off, cap * sizeof *o);
		if (o)
			a->off = o;
		size_t *l = realloc(a->len, cap * sizeof *l);
		if (l)
			a->len = l;
		if (o == NULL || l == NULL) {
			a->oom = 1;
			return;
		}
		a->fcap = cap;
	}
	a->off[a->nf] = a->pool.len;
	a->len[a->nf] = len;
	sbuf_putn(&a->pool, s ? s : "", len);
	sbuf_putc(&a->pool, '\0');
	a->nf++;
}

static void
csv_row(int c, void *data)
{
	struct csv_acc *a = data;
	(void)c;
	if (a->nrows == a->rcap) {
		size_t cap = a->rcap ? a->rcap * 2 : 64;
		size_t *r = realloc(a->rowend, cap * sizeof *r);
		if (r == NULL) {
			a->oom = 1;
			return;
		}
		a->rowend = r;
		a->rcap = cap;
	}
	a->rowend[a->nrows++] = a->nf;
}

static int
parse_csv(struct fb *b, const char *body, size_t len, const struct proto_limits *lim,
    int *status, char **err)
{
	struct csv_parser p;
	struct csv_acc a = { 0 };
	int *map = NULL, rc = -1;
	size_t bad;

	sbuf_init(&a.pool);
	if (!utf8_valid((const unsigned char *)body, len, &bad))
		return err_set(err, "CSV body is not valid UTF-8 (byte %zu)", bad);
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return err_set(err, "out of memory");
	size_t done = csv_parse(&p, body, len, csv_field, csv_row, &a);
	if (done != len) {
		err_set(err, "CSV body: bad quoting near byte %zu (a quote inside an unquoted field, "
		    "or text after a closing quote)", done);
		goto out;
	}
	if (csv_fini(&p, csv_field, csv_row, &a) != 0) {
		err_set(err, "CSV body ends inside a quoted field");
		goto out;
	}
	if (a.oom || a.pool.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	if (a.nrows == 0) {
		err_set(err, "CSV body is empty (expected a header line naming the columns)");
		goto out;
	}
	size_t nc = a.rowend[0];
	if ((map = calloc(nc ? nc : 1, sizeof *map)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	{
		unsigned char *seen = calloc(b->s->n ? b->s->n : 1, 1);
		if (seen == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < nc; k++) {
			const char *name = a.pool.s + a.off[k];
			int j = col_find(b->s, name);
			if (j < 0 || seen[j]) {
				if (j < 0)
					unknown_column(b->s, "column", name, err);
				else
					err_set(err, "column '%s' is given twice", name);
				free(seen);
				goto out;
			}
			seen[j] = 1;
			map[k] = j;
		}
		if (require_seen(b->s, seen, err) != 0) {
			free(seen);
			goto out;
		}
		free(seen);
	}
	size_t n = a.nrows - 1;
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(b, b->s, n, err) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t f0 = a.rowend[i], f1 = a.rowend[i + 1];
		if (f1 - f0 != nc) {
			err_set(err, "CSV row %zu has %zu fields, expected %zu (as in the header)",
			    i + 2, f1 - f0, nc);
			goto out;
		}
		for (size_t k = 0; k < nc; k++) {
			const char *s = a.pool.s + a.off[f0 + k];
			int r = fb_text(b, (size_t)map[k], i, s, a.len[f0 + k]);
			if (r < 0) {
				err_set(err, "out of memory");
				goto out;
			}
			if (r > 0) {
				err_set(err, "CSV row %zu, column '%s': expected a number, got \"%.40s\"",
				    i + 2, b->s->names[map[k]], s);
				goto out;
			}
		}
	}
	rc = 0;
out:
	csv_free(&p);
	free(map);
	free(a.off);
	free(a.len);
	free(a.rowend);
	sbuf_free(&a.pool);
	return rc;
}

/* ------------------------------------------------------------------ */
/* MLflow: dispatch                                                    */

static const char *const mlflow_formats[] = {
	"dataframe_split", "dataframe_records", "instances", "inputs",
};

static int
parse_method(const char *m, int *method, char **err)
{
	if (strcmp(m, "predict") == 0)
		*method = PROTO_PREDICT;
	else if (strcmp(m, "predict_proba") == 0)
		*method = PROTO_PREDICT_PROBA;
	else
		return err_set(err, "predict_method must be \"predict\" or \"predict_proba\", got "
		    "\"%.40s\"", m);
	return 0;
}

/* 0 JSON, 1 CSV, or -1 with a 415 message. */
static int
content_kind(const char *ct, char **err)
{
	static const char want[] = "send application/json, text/csv or application/csv";
	if (ct == NULL || *ct == '\0')
		return err_set(err, "missing Content-Type: %s", want);
	size_t n = strcspn(ct, ";");
	while (n && isspace((unsigned char)ct[n - 1]))
		n--;
	int kind;
	if (n == 16 && strncasecmp(ct, "application/json", n) == 0)
		kind = 0;
	else if ((n == 8 && strncasecmp(ct, "text/csv", n) == 0) ||
	    (n == 15 && strncasecmp(ct, "application/csv", n) == 0))
		kind = 1;
	else
		return err_set(err, "unsupported Content-Type '%.*s': %s", (int)(n > 60 ? 60 : n),
		    ct, want);
	for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		while (isspace((unsigned char)*q))
			q++;
		if (strncasecmp(q, "charset=", 8) == 0) {
			q += 8;
			if (*q == '"')
				q++;
			if (strncasecmp(q, "utf-8", 5) != 0 && strncasecmp(q, "utf8", 4) != 0)
				return err_set(err, "unsupported charset '%.*s': the server reads UTF-8",
				    (int)strcspn(q, ";\" "), q);
		} else if (*q) {
			return err_set(err, "unsupported Content-Type parameter '%.*s' (only charset "
			    "is accepted)", (int)strcspn(q, ";="), q);
		}
	}
	return kind;
}

/* ------------------------------------------------------------------ */
/* MLflow JSON: the fast path                                          */

/*
 * The shapes clients send most — dataframe_split with columns and data,
 * inputs or instances as rows, dataframe_records — holding plain content
 * (numbers, null, ASCII strings without escapes) are parsed straight
 * into column arrays, without building a jansson document: about ten
 * times faster on a 100-row body.  The fast path takes a body only if the
 * general path would accept it and build the same frame from it (same
 * number conversion: correctly rounded, as strtod; same cell rules); at
 * anything else — another shape, an escape, a key it does not handle, a
 * value of the wrong type, any syntax error — it gives up without side
 * effects and the general path parses the body and words the error.
 * test_serve.c runs every case through both paths.
 */
static int fast_enabled = 1;

void
proto_set_fast(int on)
{
	fast_enabled = on;
}

struct fp {
	const char			*p, *e;
	const struct proto_schema	*s;
	size_t				 n, cap;	/* rows so far, rows allocated */
	size_t				 max_rows;
	double				**num;		/* per column; NULL for strings */
	uint32_t			**codes;	/* per column; NULL for numbers */
	struct strdict			**dict;
};

static void
fp_ws(struct fp *f)
{
	while (f->p < f->e && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
		f->p++;
}

static int
fp_lit(struct fp *f, char c)
{
	fp_ws(f);
	if (f->p < f->e && *f->p == c) {
		f->p++;
		return 1;
	}
	return 0;
}

/* A string of printable ASCII without escapes: *s, *n (quotes excluded). */
static int
fp_str(struct fp *f, const char **s, size_t *n)
{
	if (!fp_lit(f, '"'))
		return 0;
	const char *q = f->p;
	while (q < f->e && *q != '"') {
		unsigned char c = (unsigned char)*q;
		if (c < 0x20 || c >= 0x7f || c == '\\')
			return 0;
		q++;
	}
	if (q == f->e)
		return 0;
	*s = f->p;
	*n = (size_t)(q - f->p);
	f->p = q + 1;
	return 1;
}

static int
fp_key_is(const char *s, size_t n, const char *k)
{
	return strlen(k) == n && memcmp(s, k, n) == 0;
}

/* Room for row f->n in every column. */
static int
fp_row(struct fp *f)
{
	if (f->n >= f->max_rows)
		return 0;	/* the general path says 413 */
	if (f->n < f->cap)
		goto init;
	size_t cap = f->cap ? f->cap * 4 : 16;
	if (cap > f->max_rows)
		cap = f->max_rows;
	for (size_t j = 0; j < f->s->n; j++) {
		if (f->num[j]) {
			double *v = realloc(f->num[j], cap * sizeof *v);
			if (v == NULL)
				return 0;
			f->num[j] = v;
		} else {
			uint32_t *v = realloc(f->codes[j], cap * sizeof *v);
			if (v == NULL)
				return 0;
			f->codes[j] = v;
		}
	}
	f->cap = cap;
init:
	for (size_t j = 0; j < f->s->n; j++) {
		if (f->num[j])
			f->num[j][f->n] = NAN;
		else
			f->codes[j][f->n] = CODE_NA;
	}
	f->n++;
	return 1;
}

/* One JSON value into cell (row f->n - 1, column j), or 0. */
static int
fp_cell(struct fp *f, size_t j)
{
	size_t i = f->n - 1;
	fp_ws(f);
	if (f->p >= f->e)
		return 0;
	char c = *f->p;
	if (c == 'n') {
		if (f->e - f->p < 4 || memcmp(f->p, "null", 4) != 0)
			return 0;
		f->p += 4;
		return 1;
	}
	if (c == '"') {
		const char *s;
		size_t n;
		if (f->num[j] || !fp_str(f, &s, &n))
			return 0;
		return strdict_intern(f->dict[j], s, n, &f->codes[j][i]) == 0;
	}
	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, the digits summed
	 * into m as they are checked: a short plain decimal is then converted
	 * at once (Clinger's exact case, as num_parse), without a second scan */
	const char *q = f->p, *st = q;
	uint64_t m = 0;
	int nd = 0, nfrac = 0, expo = 0, neg = 0;
	if (q < f->e && *q == '-') {
		neg = 1;
		q++;
	}
	if (q >= f->e || *q < '0' || *q > '9')
		return 0;
	if (*q == '0') {
		q++;
		nd = 1;
	} else {
		while (q < f->e && *q >= '0' && *q <= '9') {
			m = m * 10 + (uint64_t)(*q++ - '0');
			nd++;
		}
	}
	if (q < f->e && *q == '.') {
		if (++q >= f->e || *q < '0' || *q > '9')
			return 0;
		while (q < f->e && *q >= '0' && *q <= '9') {
			m = m * 10 + (uint64_t)(*q++ - '0');
			nd++;
			nfrac++;
		}
	}
	if (q < f->e && (*q == 'e' || *q == 'E')) {
		expo = 1;
		q++;
		if (q < f->e && (*q == '+' || *q == '-'))
			q++;
		if (q >= f->e || *q < '0' || *q > '9')
			return 0;
		while (q < f->e && *q >= '0' && *q <= '9')
			q++;
	}
	double d;
	if (!expo && nd <= 19 && m <= (1ull << 53) && nfrac <= 22) {
		d = nfrac ? (double)m / num_pow10[nfrac] : (double)m;
		if (neg)
			d = -d;
	} else if (!num_parse(st, (size_t)(q - st), &d)) {
		return 0;
	}
	/* jansson refuses overflow and (with strtod's ERANGE) subnormals */
	if (!isfinite(d) || (d != 0 && fabs(d) < DBL_MIN))
		return 0;
	f->p = q;
	if (f->num[j]) {
		f->num[j][i] = d;
		return 1;
	}
	char buf[32];
	fmt_double(buf, d);
	return strdict_intern(f->dict[j], buf, strlen(buf), &f->codes[j][i]) == 0;
}

/* [[v, ...], ...]: rows of cells in the order of map (k columns). */
static int
fp_rows(struct fp *f, const int *map, size_t k)
{
	if (!fp_lit(f, '['))
		return 0;
	if (fp_lit(f, ']'))
		return 1;
	do {
		if (!fp_lit(f, '[') || !fp_row(f))
			return 0;
		for (size_t c = 0; c < k; c++)
			if ((c && !fp_lit(f, ',')) || !fp_cell(f, (size_t)map[c]))
				return 0;
		if (!fp_lit(f, ']'))
			return 0;
	} while (fp_lit(f, ','));
	return fp_lit(f, ']');
}

/* [{"col": v, ...}, ...]: every column named at least once somewhere. */
static int
fp_records(struct fp *f, unsigned char *seen, unsigned char *inrow)
{
	if (!fp_lit(f, '['))
		return 0;
	if (fp_lit(f, ']'))
		return 1;
	do {
		if (!fp_lit(f, '{') || !fp_row(f))
			return 0;
		memset(inrow, 0, f->s->n);
		if (!fp_lit(f, '}')) {
			do {
				const char *key;
				size_t kn, j;
				if (!fp_str(f, &key, &kn) || !fp_lit(f, ':'))
					return 0;
				for (j = 0; j < f->s->n; j++)
					if (fp_key_is(key, kn, f->s->names[j]))
						break;
				if (j == f->s->n || inrow[j] || !fp_cell(f, j))
					return 0;
				inrow[j] = seen[j] = 1;
			} while (fp_lit(f, ','));
			if (!fp_lit(f, '}'))
				return 0;
		}
	} while (fp_lit(f, ','));
	if (!fp_lit(f, ']'))
		return 0;
	for (size_t j = 0; j < nreq(f->s); j++)
		if (!seen[j])
			return 0;
	return 1;
}

/* {"columns": [...], "data": [[...]]} (in either order). */
static int
fp_split(struct fp *f, int *map, unsigned char *seen)
{
	const char *data = NULL;
	int have_cols = 0;
	size_t k = 0;
	if (!fp_lit(f, '{'))
		return 0;
	do {
		const char *key;
		size_t kn;
		if (!fp_str(f, &key, &kn) || !fp_lit(f, ':'))
			return 0;
		if (fp_key_is(key, kn, "columns") && !have_cols) {
			have_cols = 1;
			if (!fp_lit(f, '[') || fp_lit(f, ']'))
				return 0;
			do {
				const char *c;
				size_t cn, j;
				if (!fp_str(f, &c, &cn) || k >= f->s->n)
					return 0;
				for (j = 0; j < f->s->n; j++)
					if (fp_key_is(c, cn, f->s->names[j]))
						break;
				if (j == f->s->n || seen[j])
					return 0;
				seen[j] = 1;
				map[k++] = (int)j;
			} while (fp_lit(f, ','));
			if (!fp_lit(f, ']'))
				return 0;
			for (size_t j = 0; j < nreq(f->s); j++)
				if (!seen[j])
					return 0;
		} else if (fp_key_is(key, kn, "data") && data == NULL) {
			/* the rows may come before the columns: skip them, come back */
			fp_ws(f);
			data = f->p;
			int depth = 0;
			do {
				if (f->p >= f->e)
					return 0;
				if (*f->p == '"') {
					const char *sk;
					size_t skn;
					if (!fp_str(f, &sk, &skn))
						return 0;
					continue;
				}
				depth += *f->p == '[';
				depth -= *f->p == ']';
				f->p++;
			} while (depth > 0);
		} else {
			return 0;
		}
	} while (fp_lit(f, ','));
	if (!fp_lit(f, '}') || !have_cols || data == NULL)
		return 0;
	const char *after = f->p;
	f->p = data;
	if (!fp_rows(f, map, k))
		return 0;
	f->p = after;
	return 1;
}

/* 1: *out holds the frame and *method the method asked for (unchanged
 * when the body does not say); 0: use the general path; -1: out of
 * memory. */
int
proto_mlflow_fast(const struct proto_schema *s, const struct proto_limits *lim,
    const char *body, size_t len, struct frame **out, int *method)
{
	struct fp f = { body, body + len, s, 0, 0, lim->max_rows, NULL, NULL, NULL };
	size_t nc = s->n ? s->n : 1;
	int *map = calloc(nc, sizeof *map);
	unsigned char *seen = calloc(nc, 1), *inrow = calloc(nc, 1);
	int rc = 0, fmt = 0, m = *method, have_params = 0;

	f.num = calloc(nc, sizeof *f.num);
	f.codes = calloc(nc, sizeof *f.codes);
	f.dict = calloc(nc, sizeof *f.dict);
	if (!map || !seen || !inrow || !f.num || !f.codes || !f.dict)
		goto oom;
	for (size_t j = 0; j < s->n; j++) {
		if (s->kinds[j] == FK_NUM) {
			if ((f.num[j] = malloc(sizeof(double))) == NULL)
				goto oom;
		} else {
			if ((f.codes[j] = malloc(sizeof(uint32_t))) == NULL ||
			    (f.dict[j] = calloc(1, sizeof *f.dict[j])) == NULL)
				goto oom;
			strdict_init(f.dict[j]);
		}
	}
	if (!fp_lit(&f, '{'))
		goto out;
	do {
		const char *key;
		size_t kn;
		if (!fp_str(&f, &key, &kn) || !fp_lit(&f, ':'))
			goto out;
		if (fp_key_is(key, kn, "params") && !have_params) {
			const char *v;
			size_t vn;
			have_params = 1;
			if (!fp_lit(&f, '{') || !fp_str(&f, &key, &kn) ||
			    !fp_key_is(key, kn, "predict_method") || !fp_lit(&f, ':') ||
			    !fp_str(&f, &v, &vn) || !fp_lit(&f, '}'))
				goto out;
			if (fp_key_is(v, vn, "predict_proba"))
				m = PROTO_PREDICT_PROBA;
			else if (fp_key_is(v, vn, "predict"))
				m = PROTO_PREDICT;
			else
				goto out;
			continue;
		}
		if (fmt)
			goto out;	/* two formats: the general path words it */
		if (fp_key_is(key, kn, "dataframe_split")) {
			fmt = 1;
			if (!fp_split(&f, map, seen))
				goto out;
		} else if (fp_key_is(key, kn, "dataframe_records")) {
			fmt = 2;
			if (!fp_records(&f, seen, inrow))
				goto out;
		} else if (fp_key_is(key, kn, "inputs") || fp_key_is(key, kn, "instances")) {
			fmt = 3;
			for (size_t j = 0; j < s->n; j++)
				map[j] = (int)j;
			/* rows only: a first element that is not an array -> general */
			fp_ws(&f);
			const char *save = f.p;
			if (!fp_lit(&f, '['))
				goto out;
			int empty = fp_lit(&f, ']');
			f.p = save;
			if (!empty) {
				f.p++;
				if (!fp_lit(&f, '['))
					goto out;
				f.p = save;
			}
			if (!fp_rows(&f, map, nreq(s)))
				goto out;
		} else {
			goto out;
		}
	} while (fp_lit(&f, ','));
	if (!fp_lit(&f, '}') || !fmt)
		goto out;
	fp_ws(&f);
	if (f.p != f.e)
		goto out;
	/* the frame takes the arrays */
	struct frame *fr = frame_new(f.n);
	if (fr == NULL)
		goto oom;
	for (size_t j = 0; j < s->n; j++) {
		double *v = f.num[j];
		if (v == NULL && (v = malloc(sizeof *v)) == NULL) {
			frame_free(fr);
			goto oom;
		}
		f.num[j] = NULL;
		if (frame_add_num(fr, s->names[j], v) != 0) {
			frame_free(fr);
			goto oom;
		}
		if (s->kinds[j] == FK_NUM)
			continue;
		struct fcol *c = &fr->cols[j];
		free(c->num);
		c->num = NULL;
		c->kind = s->kinds[j];
		c->codes = f.codes[j];
		c->own_dict = f.dict[j];
		c->dict = f.dict[j];
		f.codes[j] = NULL;
		f.dict[j] = NULL;
	}
	drop_optional(s, fr);
	*out = fr;
	*method = m;
	rc = 1;
	goto out;
oom:
	rc = -1;
out:
	/* the three arrays are filled together, once all three exist */
	for (size_t j = 0; f.num && f.codes && f.dict && j < s->n; j++) {
		free(f.num[j]);
		free(f.codes[j]);
		if (f.dict[j]) {
			strdict_free(f.dict[j]);
			free(f.dict[j]);
		}
	}
	free(f.num);
	free(f.codes);
	free(f.dict);
	free(map);
	free(seen);
	free(inrow);
	return rc;
}

int
proto_mlflow_parse(const struct proto_schema *s, const struct proto_limits *lim,
    const char *content_type, const char *method_param, const char *body, size_t len,
    struct frame **out, int *method, int *status, char **err)
{
	struct fb b = { s, NULL };
	json_t *root = NULL;
	char dbuf[96];
	int rc = -1;

	*out = NULL;
	*method = PROTO_PREDICT;
	*status = 400;
	int kind = content_kind(content_type, err);
	if (kind < 0) {
		*status = 415;
		return -1;
	}
	if (method_param && parse_method(method_param, method, err) != 0)
		return -1;
	if (kind == 1) {
		rc = parse_csv(&b, body, len, lim, status, err);
		goto out;
	}
	if (fast_enabled && lim->max_depth >= 4) {
		int fr = proto_mlflow_fast(s, lim, body, len, out, method);
		if (fr == 1)
			return 0;
		if (fr < 0) {
			*status = 500;
			return err_set(err, "out of memory");
		}
	}
	if ((root = load_json(body, len, lim, status, err)) == NULL)
		goto out;
	if (!json_is_object(root)) {
		err_set(err, "the body must be a JSON object with exactly one of dataframe_split, "
		    "dataframe_records, instances, inputs; got %s", describe(root, dbuf));
		goto out;
	}
	const char *fmt = NULL;
	int nfmt = 0;
	for (size_t k = 0; k < ARRAY_LEN(mlflow_formats); k++)
		if (json_object_get(root, mlflow_formats[k])) {
			fmt = mlflow_formats[k];
			nfmt++;
		}
	if (nfmt != 1) {
		struct sbuf kb;
		const char *key;
		json_t *v;
		sbuf_init(&kb);
		json_object_foreach(root, key, v) {
			sbuf_puts(&kb, kb.len ? ", " : "");
			sbuf_puts(&kb, key);
		}
		err_set(err, "the body must have exactly one of dataframe_split, dataframe_records, "
		    "instances, inputs; got %s%s", kb.len ? "keys: " : "no keys",
		    kb.len ? kb.s : "");
		sbuf_free(&kb);
		goto out;
	}
	const json_t *params = json_object_get(root, "params");
	if (params) {
		const json_t *m = json_object_get(params, "predict_method");
		if (!json_is_object(params)) {
			err_set(err, "params must be an object, got %s", describe(params, dbuf));
			goto out;
		}
		if (m && !json_is_string(m)) {
			err_set(err, "params.predict_method must be a string, got %s",
			    describe(m, dbuf));
			goto out;
		}
		if (m && parse_method(json_string_value(m), method, err) != 0)
			goto out;
	}
	const json_t *v = json_object_get(root, fmt);
	char dv[96];
	if (strcmp(fmt, "dataframe_split") == 0) {
		rc = parse_split(&b, v, lim, status, err);
	} else if (strcmp(fmt, "dataframe_records") == 0) {
		if (!json_is_array(v))
			err_set(err, "dataframe_records must be an array of objects, got %s",
			    describe(v, dv));
		else
			rc = parse_records(&b, v, "dataframe_records", lim, status, err);
	} else if (strcmp(fmt, "instances") == 0) {
		if (!json_is_array(v))
			err_set(err, "instances must be an array of rows, got %s", describe(v, dv));
		else
			rc = parse_list(&b, v, "instances", lim, status, err);
	} else if (json_is_object(v)) {
		rc = parse_columnar(&b, v, "inputs", lim, status, err);
	} else if (json_is_array(v)) {
		rc = parse_list(&b, v, "inputs", lim, status, err);
	} else {
		err_set(err, "inputs must be an object {column: [values]} or an array of rows, "
		    "got %s", describe(v, dv));
	}
out:
	json_decref(root);
	if (rc == 0) {
		if (b.f == NULL && fb_init(&b, s, 0, err) != 0) {
			frame_free(b.f);
			*status = 500;
			return -1;
		}
		drop_optional(s, b.f);
		*out = b.f;
		return 0;
	}
	frame_free(b.f);
	if (err && *err && strcmp(*err, "out of memory") == 0)
		*status = 500;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Open Inference Protocol                                             */

enum dt_class { DT_BOOL, DT_INT, DT_UINT, DT_FP, DT_BYTES };

/*
 * The tensor datatypes and the values each can hold.  A request's values
 * arrive as JSON numbers, decoded to the nearest double; a value its
 * datatype cannot hold (500 as INT8, 1.5 as INT32, 70000 as FP16, 1e39
 * as FP32, which would overflow to infinity) is refused rather than
 * silently passed on as the double.  The floating types' bounds are their
 * largest finite values; INT64 and UINT64 are checked as doubles, so
 * their bounds are exact to the 53 bits a double holds (values that
 * large are doubles in the frame anyway).
 */
struct dtype {
	const char	*name;
	enum dt_class	 cls;
	double		 lo, hi;	/* smallest and largest value */
	const char	*range;		/* lo and hi for messages */
};

static const struct dtype datatypes[] = {
	{ "BOOL", DT_BOOL, 0, 1, "true or false" },
	{ "UINT8", DT_UINT, 0, 255, "0 to 255" },
	{ "UINT16", DT_UINT, 0, 65535, "0 to 65535" },
	{ "UINT32", DT_UINT, 0, 4294967295.0, "0 to 4294967295" },
	{ "UINT64", DT_UINT, 0, 18446744073709551616.0, "0 to 18446744073709551615" },
	{ "INT8", DT_INT, -128, 127, "-128 to 127" },
	{ "INT16", DT_INT, -32768, 32767, "-32768 to 32767" },
	{ "INT32", DT_INT, -2147483648.0, 2147483647.0, "-2147483648 to 2147483647" },
	{ "INT64", DT_INT, -9223372036854775808.0, 9223372036854775808.0,
	    "-9223372036854775808 to 9223372036854775807" },
	{ "FP16", DT_FP, -65504, 65504, "-65504 to 65504" },
	{ "FP32", DT_FP, -FLT_MAX, FLT_MAX, "-3.40282347e+38 to 3.40282347e+38" },
	{ "FP64", DT_FP, -DBL_MAX, DBL_MAX, "-1.7976931348623157e+308 to 1.7976931348623157e+308" },
	{ "BYTES", DT_BYTES, 0, 0, "strings" },
};

struct tensor {
	const char	*name;
	size_t		 shape[8];
	int		 ndim;
	const char	*dtname;
	enum dt_class	 dt;
	const struct dtype *dtype;
	const json_t	**el;		/* flattened elements (borrowed from the document) */
	size_t		 nel, cap;
};

static int
flatten(struct tensor *t, const json_t *v)
{
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			if (flatten(t, json_array_get(v, i)) != 0)
				return -1;
		return 0;
	}
	if (t->nel == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		const json_t **e = realloc(t->el, cap * sizeof *e);
		if (e == NULL)
			return -1;
		t->el = e;
		t->cap = cap;
	}
	t->el[t->nel++] = v;
	return 0;
}

static void
shape_str(const struct tensor *t, char buf[96])
{
	size_t n = 0;
	buf[n++] = '[';
	for (int d = 0; d < t->ndim && n < 80; d++)
		n += (size_t)snprintf(buf + n, 96 - n, "%s%zu", d ? ", " : "", t->shape[d]);
	buf[n++] = ']';
	buf[n] = '\0';
}

/* Validate inputs[k] into t (elements borrowed from v). */
static int
tensor_parse(const json_t *v, size_t k, struct tensor *t, char **err)
{
	char dbuf[96], sbuf_[96];
	memset(t, 0, sizeof *t);
	if (!json_is_object(v))
		return err_set(err, "inputs[%zu] must be a tensor {\"name\", \"shape\", \"datatype\", "
		    "\"data\"}, got %s", k, describe(v, dbuf));
	const json_t *name = json_object_get(v, "name"), *shape = json_object_get(v, "shape");
	const json_t *dt = json_object_get(v, "datatype"), *data = json_object_get(v, "data");
	const json_t *params = json_object_get(v, "parameters");
	if (!json_is_string(name))
		return err_set(err, "inputs[%zu] %s \"name\"%s%s", k, name ? "has a non-string" :
		    "lacks", name ? ": " : "", name ? describe(name, dbuf) : "");
	t->name = json_string_value(name);
	if (shape == NULL)
		return err_set(err, "inputs[%zu] ('%s') lacks \"shape\"", k, t->name);
	if (!json_is_array(shape) || json_array_size(shape) == 0 ||
	    json_array_size(shape) > ARRAY_LEN(t->shape))
		return err_set(err, "inputs[%zu] ('%s'): \"shape\" must be an array of 1 to %zu "
		    "dimensions, got %s", k, t->name, ARRAY_LEN(t->shape), describe(shape, dbuf));
	t->ndim = (int)json_array_size(shape);
	double total = 1;	/* exact below 2^53, and anything larger cannot match */
	for (int d = 0; d < t->ndim; d++) {
		const json_t *e = json_array_get(shape, (size_t)d);
		double x = json_number_value(e);
		if (!json_is_number(e) || x < 0 || x != floor(x) || x > 4e15)
			return err_set(err, "inputs[%zu] ('%s'): shape[%d] must be a non-negative "
			    "integer, got %s", k, t->name, d, describe(e, dbuf));
		t->shape[d] = (size_t)x;
		total *= x;
	}
	if (dt == NULL)
		return err_set(err, "inputs[%zu] ('%s') lacks \"datatype\"", k, t->name);
	if (!json_is_string(dt))
		return err_set(err, "inputs[%zu] ('%s'): \"datatype\" must be a string, got %s", k,
		    t->name, describe(dt, dbuf));
	t->dtname = json_string_value(dt);
	size_t i;
	for (i = 0; i < ARRAY_LEN(datatypes); i++)
		if (strcmp(t->dtname, datatypes[i].name) == 0)
			break;
	if (i == ARRAY_LEN(datatypes))
		return err_set(err, "inputs[%zu] ('%s'): unknown datatype '%.20s' (BOOL, INT8..INT64, "
		    "UINT8..UINT64, FP16, FP32, FP64, BYTES)", k, t->name, t->dtname);
	t->dt = datatypes[i].cls;
	t->dtype = &datatypes[i];
	if (params && !json_is_object(params))
		return err_set(err, "inputs[%zu] ('%s'): \"parameters\" must be an object, got %s", k,
		    t->name, describe(params, dbuf));
	if (data == NULL)
		return err_set(err, "inputs[%zu] ('%s') lacks \"data\"", k, t->name);
	if (!json_is_array(data))
		return err_set(err, "inputs[%zu] ('%s'): \"data\" must be an array, got %s", k,
		    t->name, describe(data, dbuf));
	if (flatten(t, data) != 0)
		return err_set(err, "out of memory");
	if ((double)t->nel != total) {
		shape_str(t, sbuf_);
		return err_set(err, "inputs[%zu] ('%s'): shape %s holds %.0f elements, but \"data\" "
		    "has %zu", k, t->name, sbuf_, total, t->nel);
	}
	return 0;
}

static const char *
dt_expect(enum dt_class dt)
{
	switch (dt) {
	case DT_BOOL: return "true or false";
	case DT_INT: return "an integer";
	case DT_UINT: return "a non-negative integer";
	case DT_FP: return "a number";
	default: return "a string";
	}
}

/* Set cell (i, j) from element e of a tensor of datatype d: 0, -1 (out of
 * memory), 1 (a value of the wrong type) or 2 (a number d cannot hold). */
static int
v2_cell(struct fb *b, size_t j, size_t i, const json_t *e, const struct dtype *d)
{
	enum dt_class dt = d->cls;
	if (json_is_null(e))
		return 0;
	if (dt == DT_BYTES) {
		if (!json_is_string(e))
			return 1;
		return fb_text(b, j, i, json_string_value(e), json_string_length(e));
	}
	if (dt == DT_BOOL) {
		if (!json_is_boolean(e))
			return 1;
		b->f->cols[j].num[i] = json_is_true(e) ? 1.0 : 0.0;
		return 0;
	}
	if (!json_is_number(e))
		return 1;
	double x = json_number_value(e);
	if ((dt == DT_INT || dt == DT_UINT) && x != floor(x))
		return 1;
	if (x < d->lo || x > d->hi)
		return 2;
	b->f->cols[j].num[i] = x;
	return 0;
}

void
v2_request_clear(struct v2_request *r)
{
	frame_free(r->frame);
	free(r->id);
	memset(r, 0, sizeof *r);
}

size_t
proto_v2_outputs(const struct proto_model *m, const char *names[2])
{
	names[0] = "prediction";
	names[1] = "probabilities";
	return m->task == LATHE_TASK_CLASSIFICATION ? 2 : 1;
}

static int
v2_fill(struct fb *b, struct tensor *ts, size_t nt, int twod, char **err)
{
	char dbuf[96];
	if (twod) {
		struct tensor *t = &ts[0];
		size_t n = t->shape[0], k = nreq(b->s);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < k; j++) {
				const json_t *e = t->el[i * k + j];
				int r = v2_cell(b, j, i, e, t->dtype);
				if (r < 0)
					return err_set(err, "out of memory");
				if (r == 2)
					return err_set(err, "inputs[0] ('%s') element [%zu, %zu] (column '%s'): "
					    "%s is out of range for %s (%s)", t->name, i, j, b->s->names[j],
					    describe(e, dbuf), t->dtname, t->dtype->range);
				if (r > 0)
					return err_set(err, "inputs[0] ('%s') element [%zu, %zu] (column '%s'): "
					    "expected %s (%s), got %s", t->name, i, j, b->s->names[j],
					    t->dt == DT_BYTES && b->s->kinds[j] == FK_NUM ? "a number in a "
					    "string" : dt_expect(t->dt), t->dtname, describe(e, dbuf));
			}
		return 0;
	}
	for (size_t k = 0; k < nt; k++) {
		struct tensor *t = &ts[k];
		size_t j = (size_t)col_find(b->s, t->name);
		for (size_t i = 0; i < t->nel; i++) {
			int r = v2_cell(b, j, i, t->el[i], t->dtype);
			if (r < 0)
				return err_set(err, "out of memory");
			if (r == 2)
				return err_set(err, "inputs[%zu] ('%s') element %zu: %s is out of range for %s "
				    "(%s)", k, t->name, i, describe(t->el[i], dbuf), t->dtname,
				    t->dtype->range);
			if (r > 0)
				return err_set(err, "inputs[%zu] ('%s') element %zu: expected %s (%s), got %s",
				    k, t->name, i, dt_expect(t->dt), t->dtname, describe(t->el[i], dbuf));
		}
	}
	return 0;
}

int
proto_v2_parse(const struct proto_schema *s, const struct proto_limits *lim,
    const struct proto_model *m, const char *body, size_t len, struct v2_request *out,
    int *status, char **err)
{
	struct fb b = { s, NULL };
	struct tensor *ts = NULL;
	unsigned char *seen = NULL;
	json_t *root = NULL;
	size_t nt = 0, n = 0;
	char dbuf[96], shp[96];
	int rc = -1, twod = 0;

	memset(out, 0, sizeof *out);
	if ((root = load_json(body, len, lim, status, err)) == NULL)
		goto out;
	if (!json_is_object(root)) {
		err_set(err, "the inference request must be a JSON object with an \"inputs\" array, "
		    "got %s", describe(root, dbuf));
		goto out;
	}
	const json_t *id = json_object_get(root, "id");
	const json_t *inputs = json_object_get(root, "inputs");
	const json_t *outputs = json_object_get(root, "outputs");
	const json_t *params = json_object_get(root, "parameters");
	if (id && !json_is_string(id)) {
		err_set(err, "\"id\" must be a string, got %s", describe(id, dbuf));
		goto out;
	}
	if (params && !json_is_object(params)) {
		err_set(err, "\"parameters\" must be an object, got %s", describe(params, dbuf));
		goto out;
	}
	if (inputs == NULL) {
		err_set(err, "the inference request lacks \"inputs\"");
		goto out;
	}
	if (!json_is_array(inputs) || json_array_size(inputs) == 0) {
		err_set(err, "\"inputs\" must be a non-empty array of tensors, got %s",
		    json_is_array(inputs) ? "an empty array" : describe(inputs, dbuf));
		goto out;
	}
	/* outputs asked for */
	const char *onames[2];
	size_t no = proto_v2_outputs(m, onames);
	if (outputs == NULL) {
		out->outputs = (1u << no) - 1;
	} else if (!json_is_array(outputs)) {
		err_set(err, "\"outputs\" must be an array of {\"name\"}, got %s",
		    describe(outputs, dbuf));
		goto out;
	} else {
		for (size_t k = 0; k < json_array_size(outputs); k++) {
			const json_t *o = json_array_get(outputs, k);
			const json_t *nm = json_object_get(o, "name");
			size_t q;
			if (!json_is_string(nm)) {
				err_set(err, "outputs[%zu] must be an object with a \"name\", got %s", k,
				    describe(o, dbuf));
				goto out;
			}
			for (q = 0; q < no; q++)
				if (strcmp(json_string_value(nm), onames[q]) == 0)
					break;
			if (q == no) {
				err_set(err, "unknown output '%.64s' (the model's outputs are: %s%s%s)",
				    json_string_value(nm), onames[0], no > 1 ? ", " : "",
				    no > 1 ? onames[1] : "");
				goto out;
			}
			out->outputs |= 1u << q;
		}
	}
	nt = json_array_size(inputs);
	if ((ts = calloc(nt, sizeof *ts)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t k = 0; k < nt; k++)
		if (tensor_parse(json_array_get(inputs, k), k, &ts[k], err) != 0)
			goto out;
	/* one 2-D tensor of every column, or one tensor per column */
	twod = nt == 1 && ts[0].ndim == 2 && col_find(s, ts[0].name) < 0;
	if (twod) {
		struct tensor *t = &ts[0];
		if (t->shape[1] != nreq(s)) {
			struct sbuf nb;
			sbuf_init(&nb);
			names_list(s, &nb);
			shape_str(t, shp);
			err_set(err, "inputs[0] ('%s'): shape %s is not [rows, %zu] (a 2-D input holds the "
			    "model's inputs in order: %s)", t->name, shp, nreq(s), nb.s ? nb.s : "");
			sbuf_free(&nb);
			goto out;
		}
		for (size_t j = 0; j < nreq(s); j++) {
			if (t->dt == DT_BYTES || s->kinds[j] == FK_NUM)
				continue;
			err_set(err, "inputs[0] ('%s'): a %s tensor cannot carry column '%s', which is "
			    "%s; send datatype BYTES, or one tensor per column", t->name, t->dtname,
			    s->names[j], fkind_name(s->kinds[j]));
			goto out;
		}
		n = t->shape[0];
	} else {
		if ((seen = calloc(s->n ? s->n : 1, 1)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < nt; k++) {
			struct tensor *t = &ts[k];
			int j = col_find(s, t->name);
			if (j < 0) {
				unknown_column(s, "input", t->name, err);
				goto out;
			}
			if (seen[j]) {
				err_set(err, "input '%s' is given twice", t->name);
				goto out;
			}
			seen[j] = 1;
			if (!(t->ndim == 1 || (t->ndim == 2 && t->shape[1] == 1))) {
				shape_str(t, shp);
				err_set(err, "inputs[%zu] ('%s'): shape %s is not [rows] or [rows, 1]", k,
				    t->name, shp);
				goto out;
			}
			if (k == 0)
				n = t->shape[0];
			else if (t->shape[0] != n) {
				err_set(err, "inputs[%zu] ('%s') has %zu rows, but inputs[0] ('%s') has %zu",
				    k, t->name, t->shape[0], ts[0].name, n);
				goto out;
			}
			int str = s->kinds[j] != FK_NUM;
			if (str != (t->dt == DT_BYTES)) {
				err_set(err, "inputs[%zu] ('%s'): datatype %s, but the model's column '%s' is "
				    "%s (send %s)", k, t->name, t->dtname, t->name, fkind_name(s->kinds[j]),
				    str ? "BYTES" : "FP64 or another number type");
				goto out;
			}
		}
		for (size_t j = 0; j < nreq(s); j++)
			if (!seen[j]) {
				err_set(err, "missing input '%s' (%s, datatype %s), which the model needs",
				    s->names[j], fkind_name(s->kinds[j]),
				    s->kinds[j] == FK_NUM ? "FP64" : "BYTES");
				goto out;
			}
	}
	if (too_many_rows(lim, n, status, err) != 0 || fb_init(&b, s, n, err) != 0 ||
	    v2_fill(&b, ts, nt, twod, err) != 0)
		goto out;
	if (id && (out->id = str_dup(json_string_value(id))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	drop_optional(s, b.f);
	out->frame = b.f;
	b.f = NULL;
	rc = 0;
out:
	for (size_t k = 0; ts && k < nt; k++)
		free(ts[k].el);
	free(ts);
	free(seen);
	frame_free(b.f);
	json_decref(root);
	if (rc != 0) {
		free(out->id);
		out->id = NULL;
		if (err && *err && strcmp(*err, "out of memory") == 0)
			*status = 500;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* responses                                                           */

const char *
proto_label_datatype(const struct proto_model *m)
{
	switch (m->task) {
	case LATHE_TASK_CLASSIFICATION:
		return m->class_num == NULL ? "BYTES" : m->class_int ? "INT64" : "FP64";
	case LATHE_TASK_CLUSTERING:
		return "INT64";
	default:
		return "FP64";
	}
}

/* Row i's label as a JSON value. */
static void
write_label(struct jw *w, const struct proto_model *m, const struct prediction *pd, size_t i)
{
	size_t k = m->nclasses;
	if (m->class_json)
		jw_raw(w, m->class_json[(size_t)pd->values[i * (k + 1)]]);
	else if (m->class_num)
		jw_num(w, m->class_num[(size_t)pd->values[i * (k + 1)]]);
	else
		jw_str(w, pd->labels[i]);
}

void
proto_mlflow_write(struct sbuf *b, const struct proto_model *m, const struct prediction *pd,
    int method)
{
	struct jw w;
	size_t n = pd->n, nc = pd->ncols;
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "predictions");
	jw_arr(&w);
	for (size_t i = 0; i < n; i++) {
		if (m->task == LATHE_TASK_CLASSIFICATION) {
			if (method == PROTO_PREDICT_PROBA) {
				jw_arr(&w);
				for (size_t c = 1; c < nc; c++)
					jw_num(&w, pd->values[i * nc + c]);
				jw_arr_end(&w);
			} else {
				write_label(&w, m, pd, i);
			}
		} else if (nc == 1) {
			jw_num(&w, pd->values[i]);
		} else {
			jw_arr(&w);
			for (size_t c = 0; c < nc; c++)
				jw_num(&w, pd->values[i * nc + c]);
			jw_arr_end(&w);
		}
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
}

static void
tensor_head(struct jw *w, const char *name, const char *dt, size_t d0, size_t d1)
{
	jw_obj(w);
	jw_key(w, "name"); jw_str(w, name);
	jw_key(w, "shape");
	jw_arr(w);
	jw_int(w, (int64_t)d0);
	if (d1)
		jw_int(w, (int64_t)d1);
	jw_arr_end(w);
	jw_key(w, "datatype"); jw_str(w, dt);
	jw_key(w, "data");
	jw_arr(w);
}

void
proto_v2_write(struct sbuf *b, const struct proto_model *m, const char *model_name,
    const char *version, const struct v2_request *rq, const struct prediction *pd)
{
	struct jw w;
	size_t n = pd->n, nc = pd->ncols;
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "model_name"); jw_str(&w, model_name);
	jw_key(&w, "model_version"); jw_str(&w, version);
	if (rq->id) {
		jw_key(&w, "id");
		jw_str(&w, rq->id);
	}
	jw_key(&w, "outputs");
	jw_arr(&w);
	if (rq->outputs & 1u) {
		int cls = m->task == LATHE_TASK_CLASSIFICATION;
		size_t width = cls ? 1 : nc;
		tensor_head(&w, "prediction", proto_label_datatype(m), n, width > 1 ? width : 0);
		for (size_t i = 0; i < n; i++) {
			if (cls)
				write_label(&w, m, pd, i);
			else
				for (size_t c = 0; c < nc; c++)
					jw_num(&w, pd->values[i * nc + c]);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	if ((rq->outputs & 2u) && m->task == LATHE_TASK_CLASSIFICATION) {
		tensor_head(&w, "probabilities", "FP64", n, nc - 1);
		for (size_t i = 0; i < n; i++)
			for (size_t c = 1; c < nc; c++)
				jw_num(&w, pd->values[i * nc + c]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
}

static void
meta_tensor(struct jw *w, const char *name, const char *dt, long d1)
{
	jw_obj(w);
	jw_key(w, "name"); jw_str(w, name);
	jw_key(w, "datatype"); jw_str(w, dt);
	jw_key(w, "shape");
	jw_arr(w);
	jw_int(w, -1);
	if (d1 > 0)
		jw_int(w, d1);
	jw_arr_end(w);
	jw_obj_end(w);
}

void
proto_v2_metadata(struct jw *w, const struct proto_schema *s, const struct proto_model *m)
{
	jw_key(w, "inputs");
	jw_arr(w);
	for (size_t j = 0; j < nreq(s); j++)
		meta_tensor(w, s->names[j], s->kinds[j] == FK_NUM ? "FP64" : "BYTES", 0);
	jw_arr_end(w);
	jw_key(w, "outputs");
	jw_arr(w);
	if (m->task == LATHE_TASK_PROJECTION)
		meta_tensor(w, "prediction", "FP64", (long)m->width);
	else
		meta_tensor(w, "prediction", proto_label_datatype(m), 0);
	if (m->task == LATHE_TASK_CLASSIFICATION)
		meta_tensor(w, "probabilities", "FP64", (long)m->nclasses);
	jw_arr_end(w);
}

static const char *
mlflow_code(int status)
{
	switch (status) {
	case 401: return "UNAUTHENTICATED";
	case 404: return "RESOURCE_DOES_NOT_EXIST";
	case 408: return "DEADLINE_EXCEEDED";
	case 413: return "REQUEST_LIMIT_EXCEEDED";
	case 500: return "INTERNAL_ERROR";
	case 503: return "TEMPORARILY_UNAVAILABLE";
	default: return "BAD_REQUEST";
	}
}

/*
 * Error messages quote what the client sent — a path, a header, a model
 * or column name, a value cut to a few dozen bytes — and none of it need
 * be UTF-8 (libmicrohttpd decodes %ff in a path to the byte 0xff).  JSON
 * text must be: every byte that does not begin a well-formed sequence
 * becomes U+FFFD.  Borrows msg; the text goes into tmp (caller frees).
 */
static const char *
utf8_clean(const char *msg, struct sbuf *tmp)
{
	size_t n = strlen(msg), i = 0, bad;
	if (utf8_valid((const unsigned char *)msg, n, &bad))
		return msg;
	while (!utf8_valid((const unsigned char *)msg + i, n - i, &bad)) {
		sbuf_putn(tmp, msg + i, bad);
		sbuf_puts(tmp, "\xef\xbf\xbd");
		i += bad + 1;
	}
	sbuf_putn(tmp, msg + i, n - i);
	return tmp->oom ? "out of memory" : tmp->s;
}

void
proto_mlflow_error(struct sbuf *b, int status, const char *msg)
{
	struct jw w;
	struct sbuf tmp;
	sbuf_init(&tmp);
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "error_code"); jw_str(&w, mlflow_code(status));
	jw_key(&w, "message"); jw_str(&w, utf8_clean(msg, &tmp));
	jw_obj_end(&w);
	sbuf_free(&tmp);
}

void
proto_v2_error(struct sbuf *b, const char *msg)
{
	struct jw w;
	struct sbuf tmp;
	sbuf_init(&tmp);
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "error"); jw_str(&w, utf8_clean(msg, &tmp));
	jw_obj_end(&w);
	sbuf_free(&tmp);
}
