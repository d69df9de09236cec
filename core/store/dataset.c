/*
 * dataset.c — dataset versions: naming, resolving, storing, loading.
 * See dataset.h for the model and schema.c for the chunk format.
 */
#include "dataset.h"
#include "chunkenc.h"
#include "base/jsonw.h"
#include "base/util.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DICT_CHUNK_BYTES	(1 << 20)
#define DICT_CHUNK_MAX		65536

void
dsver_clear(struct dsver *v)
{
	free(v->name);
	free(v->source);
	free(v->options);
	free(v->created);
	memset(v, 0, sizeof *v);
}

int
dataset_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64 || !isalnum((unsigned char)name[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '_' && c != '-' && c != '.')
			return 0;
	}
	return 1;
}

char *
dataset_name_from_path(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	size_t n = strlen(b);
	const char *dot = strrchr(b, '.');
	if (dot && dot != b)
		n = (size_t)(dot - b);
	if (n > 64)
		n = 64;
	char *s = malloc(n + 2);
	if (s == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		s[o++] = (char)(isalnum(c) || c == '-' || c == '.' ? c : '_');
	}
	s[o] = '\0';
	if (o == 0 || !isalnum((unsigned char)s[0])) {
		memmove(s + 1, s, o + 1);
		s[0] = 'd';
	}
	if (strlen(s) > 64)
		s[64] = '\0';
	return s;
}

int
dataset_ref_parse(const char *ref, char **name, int *version, char **err)
{
	const char *at = strrchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);

	*name = NULL;
	*version = 0;
	if (at) {
		char *end;
		long v = strtol(at + 1, &end, 10);
		if (at[1] == '\0' || *end != '\0' || v < 1 || v > INT_MAX)
			return err_set(err, "bad dataset reference '%s' "
			    "(expected NAME or NAME@VERSION with VERSION >= 1)", ref);
		*version = (int)v;
	}
	if ((*name = str_ndup(ref, n)) == NULL)
		return err_set(err, "out of memory");
	if (!dataset_name_valid(*name)) {
		free(*name);
		*name = NULL;
		return err_set(err, "bad dataset name in '%s' (expected letters, digits, "
		    "'_', '-' or '.', starting with a letter or digit)", ref);
	}
	return 0;
}

#define DSVER_COLS \
	"v.id, d.name, v.version, v.hash, v.nrows, v.ncols, v.source, v.source_bytes, " \
	"v.options, v.created, " \
	"NOT EXISTS (SELECT 1 FROM dataset_versions w WHERE w.dataset_id = v.dataset_id " \
	"AND w.version > v.version)"

static int
dsver_read(sqlite3_stmt *st, struct dsver *v)
{
	memset(v, 0, sizeof *v);
	v->id = sqlite3_column_int64(st, 0);
	v->name = db_text_dup(st, 1);
	v->version = sqlite3_column_int(st, 2);
	const unsigned char *h = sqlite3_column_text(st, 3);
	snprintf(v->hash, sizeof v->hash, "%s", h ? (const char *)h : "");
	v->nrows = (size_t)sqlite3_column_int64(st, 4);
	v->ncols = (size_t)sqlite3_column_int64(st, 5);
	v->source = db_text_dup(st, 6);
	v->source_bytes = sqlite3_column_int64(st, 7);
	v->options = db_text_dup(st, 8);
	v->created = db_text_dup(st, 9);
	v->latest = sqlite3_column_int(st, 10);
	if (v->name == NULL || v->options == NULL || v->created == NULL) {
		dsver_clear(v);
		return -1;
	}
	return 0;
}

int
dataset_resolve(struct project *p, const char *ref, struct dsver *v, char **err)
{
	sqlite3_stmt *st = NULL;
	char *name = NULL;
	int version, rc = -1;

	memset(v, 0, sizeof *v);
	if (dataset_ref_parse(ref, &name, &version, err) != 0)
		return -1;
	if (db_prepare(p, "SELECT " DSVER_COLS " FROM dataset_versions v "
	    "JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ?1 "
	    "AND (?2 = 0 OR v.version = ?2) ORDER BY v.version DESC LIMIT 1", &st, err) != 0)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (dsver_read(st, v) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
		rc = 0;
	} else if (s == SQLITE_DONE) {
		sqlite3_stmt *q = NULL;
		int latest = 0;
		if (version && db_prepare(p, "SELECT max(v.version) FROM dataset_versions v "
		    "JOIN datasets d ON d.id = v.dataset_id WHERE d.name = ?1", &q, NULL) == 0) {
			sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
			if (sqlite3_step(q) == SQLITE_ROW)
				latest = sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		if (latest)
			err_set(err, "no version %d of dataset '%s' (latest is %s@%d)",
			    version, name, name, latest);
		else
			err_set(err, "no dataset named '%s' (see 'lathe datasets')", name);
	} else {
		db_fail(p, err);
	}
out:
	sqlite3_finalize(st);
	free(name);
	return rc;
}

int
dataset_list(struct project *p, dataset_visit_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, s;

	if (db_prepare(p, "SELECT " DSVER_COLS " FROM dataset_versions v "
	    "JOIN datasets d ON d.id = v.dataset_id ORDER BY d.name, v.version", &st, err) != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct dsver v;
		if (dsver_read(st, &v) != 0) {
			rc = err_set(err, "out of memory");
			break;
		}
		rc = fn(ctx, &v);
		dsver_clear(&v);
		if (rc)
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* store                                                               */

static char *
top_json(const struct column *c)
{
	struct sbuf b;
	struct jw w;

	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	for (int k = 0; k < c->st.ntop; k++) {
		jw_obj(&w);
		jw_key(&w, "value");
		if (c->kind == COL_NUMERIC)
			jw_num(&w, c->st.top[k].value);
		else
			jw_str(&w, c->st.top[k].label);
		jw_key(&w, "count");
		jw_int(&w, (int64_t)c->st.top[k].count);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	return sbuf_detach(&b);
}

static void
bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int
insert_chunk(struct project *p, sqlite3_stmt *st, int64_t vid, size_t col, int part,
    size_t seq, size_t first, size_t n, const void *data, size_t bytes, char **err)
{
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, (int64_t)col);
	sqlite3_bind_int(st, 3, part);
	sqlite3_bind_int64(st, 4, (int64_t)seq);
	sqlite3_bind_int64(st, 5, (int64_t)first);
	sqlite3_bind_int64(st, 6, (int64_t)n);
	sqlite3_bind_blob64(st, 7, data, bytes, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_fail(p, err);
	return 0;
}

static int
store_column(struct project *p, sqlite3_stmt *cst, int64_t vid, size_t j,
    const struct column *c, char **err)
{
	char *top = top_json(c);
	const struct col_stats *s = &c->st;

	if (top == NULL)
		return err_set(err, "out of memory");
	sqlite3_reset(cst);
	sqlite3_bind_int64(cst, 1, vid);
	sqlite3_bind_int64(cst, 2, (int64_t)j);
	sqlite3_bind_text(cst, 3, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(cst, 4, col_kind_name(c->kind), -1, SQLITE_STATIC);
	sqlite3_bind_int(cst, 5, s->is_integer);
	sqlite3_bind_int(cst, 6, s->likely_label);
	sqlite3_bind_int64(cst, 7, (int64_t)s->count);
	sqlite3_bind_int64(cst, 8, (int64_t)s->missing);
	sqlite3_bind_int64(cst, 9, (int64_t)s->distinct);
	bind_real_or_null(cst, 10, s->mean);
	bind_real_or_null(cst, 11, s->std);
	bind_real_or_null(cst, 12, s->min);
	bind_real_or_null(cst, 13, s->q25);
	bind_real_or_null(cst, 14, s->median);
	bind_real_or_null(cst, 15, s->q75);
	bind_real_or_null(cst, 16, s->max);
	sqlite3_bind_text(cst, 17, top, -1, free);
	sqlite3_bind_int64(cst, 18, c->kind == COL_NUMERIC ? 0 : (int64_t)c->dict.n);
	sqlite3_bind_int64(cst, 19, (int64_t)s->pos_inf);
	sqlite3_bind_int64(cst, 20, (int64_t)s->neg_inf);
	if (sqlite3_step(cst) != SQLITE_DONE)
		return db_fail(p, err);
	return 0;
}

/* The encoding buffer, grown to the largest chunk. */
struct scratch {
	unsigned char	*buf;
	size_t		 cap;
};

/* Values (part 0, encoded when that is smaller: chunkenc.h) and, for
 * string columns, the dictionary (part 1).
 * isnum is passed in because the profiler may be rewriting c->kind
 * (categorical or text) on another thread meanwhile. */
static int
store_chunks(struct project *p, sqlite3_stmt *kst, int64_t vid, size_t j,
    const struct column *c, int isnum, struct scratch *sc, char **err)
{
	size_t esz = isnum ? sizeof(double) : sizeof(uint32_t);
	for (size_t k = 0; k < c->nchunks; k++) {
		const struct chunk *ch = &c->chunks[k];
		const void *data = ch->data;
		size_t bytes = ch->n * esz, enc;
		if (sc->cap < CHUNKENC_BOUND(ch->n)) {
			unsigned char *nb = realloc(sc->buf, CHUNKENC_BOUND(ch->n));
			if (nb == NULL)
				return err_set(err, "out of memory");
			sc->buf = nb;
			sc->cap = CHUNKENC_BOUND(ch->n);
		}
		enc = isnum ? chunkenc_num(data, ch->n, sc->buf) :
		    chunkenc_codes(data, ch->n, (uint32_t)c->dict.n, sc->buf);
		if (enc) {
			data = sc->buf;
			bytes = enc;
		}
		if (insert_chunk(p, kst, vid, j, 0, k, ch->first, ch->n, data, bytes, err) != 0)
			return -1;
	}
	if (isnum)
		return 0;
	/* the dictionary, in runs of whole strings */
	size_t seq = 0;
	for (uint32_t first = 0; first < c->dict.n;) {
		uint32_t last = first;
		size_t start = c->dict.off[first];
		while (last < c->dict.n && last - first < DICT_CHUNK_MAX &&
		    (last == first || c->dict.off[last] - start < DICT_CHUNK_BYTES))
			last++;
		size_t end = last < c->dict.n ? c->dict.off[last] : c->dict.pool_len;
		if (insert_chunk(p, kst, vid, j, 1, seq++, first, last - first,
		    c->dict.pool + start, end - start, err) != 0)
			return -1;
		first = last;
	}
	return 0;
}

/*
 * A store in two halves, so that the values can be written while the
 * statistics and hash are still being computed: begin() opens the
 * transaction, creates the version row with an empty hash (filled in at
 * the end) and writes every chunk; finish() either finds the content already stored (and rolls
 * all of it back) or fills in the hash and the column rows and commits.
 */
struct ds_writer {
	struct project	*p;
	int64_t		 did, vid;
	int		 version;
};

int
dataset_write_begin(struct project *p, const char *name, const struct table *t,
    const unsigned char *isnum, const char *source, int64_t source_bytes,
    const char *options_json, struct ds_writer **out, char **err)
{
	sqlite3_stmt *st = NULL, *kst = NULL;
	struct ds_writer *w = NULL;
	struct scratch sc = { NULL, 0 };
	char ts[32];

	*out = NULL;
	time_now_iso(ts);
	if ((w = calloc(1, sizeof *w)) == NULL)
		return err_set(err, "out of memory");
	w->p = p;
	if (project_begin(p, err) != 0) {
		free(w);
		return -1;
	}
	if (db_prepare(p, "INSERT INTO datasets(name, created) VALUES (?1, ?2) "
	    "ON CONFLICT(name) DO NOTHING", &st, err) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	if (db_prepare(p, "SELECT id FROM datasets WHERE name = ?1", &st, err) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto dbfail;
	w->did = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);

	/* the hash is filled in by finish(); '' is unique while we hold the lock */
	if (db_prepare(p, "INSERT INTO dataset_versions(dataset_id, version, hash, nrows, "
	    "ncols, source, source_bytes, options, created) VALUES (?1, "
	    "(SELECT coalesce(max(version), 0) + 1 FROM dataset_versions WHERE dataset_id = ?1),"
	    " '', ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id, version", &st, err) != 0)
		goto fail;
	sqlite3_bind_int64(st, 1, w->did);
	sqlite3_bind_int64(st, 2, (int64_t)t->nrows);
	sqlite3_bind_int64(st, 3, (int64_t)t->ncols);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, source_bytes);
	sqlite3_bind_text(st, 6, options_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto dbfail;
	w->vid = sqlite3_column_int64(st, 0);
	w->version = sqlite3_column_int(st, 1);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	st = NULL;

	if (db_prepare(p, "INSERT INTO dataset_chunks(version_id, col, part, seq, first, n, data) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &kst, err) != 0)
		goto fail;
	for (size_t j = 0; j < t->ncols; j++)
		if (store_chunks(p, kst, w->vid, j, &t->cols[j], isnum[j], &sc, err) != 0)
			goto fail;
	sqlite3_finalize(kst);
	free(sc.buf);
	*out = w;
	return 0;
dbfail:
	db_fail(p, err);
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(kst);
	free(sc.buf);
	project_rollback(p);
	free(w);
	return -1;
}

void
dataset_write_abort(struct ds_writer *w)
{
	if (w == NULL)
		return;
	project_rollback(w->p);
	free(w);
}

int
dataset_write_finish(struct ds_writer *w, const struct table *t, const char *hash,
    int *version, int *created, char **err)
{
	struct project *p = w->p;
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	*created = 0;
	*version = 0;
	/* identical content already stored: undo everything */
	if (db_prepare(p, "SELECT version FROM dataset_versions "
	    "WHERE dataset_id = ?1 AND hash = ?2", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, w->did);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = 0;
		goto out;
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	sqlite3_finalize(st);
	if (db_prepare(p, "UPDATE dataset_versions SET hash = ?2 WHERE id = ?1", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, w->vid);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	sqlite3_finalize(st);
	if (db_prepare(p, "INSERT INTO dataset_columns(version_id, idx, name, kind, is_integer, "
	    "likely_label, count, missing, distinct_count, mean, std, min, q25, median, q75, "
	    "max, top, nlevels, pos_inf, neg_inf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
	    "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)", &st, err) != 0)
		goto out;
	for (size_t j = 0; j < t->ncols; j++)
		if (store_column(p, st, w->vid, j, &t->cols[j], err) != 0)
			goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (project_commit(p, err) != 0)
		goto out;
	*version = w->version;
	*created = 1;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (!*created)
		project_rollback(p);
	free(w);
	return rc;
}

int
dataset_store(struct project *p, const char *name, const struct table *t, const char *hash,
    const char *source, int64_t source_bytes, const char *options_json, int *version,
    int *created, char **err)
{
	struct ds_writer *w = NULL;
	unsigned char *isnum = calloc(t->ncols ? t->ncols : 1, 1);

	if (isnum == NULL)
		return err_set(err, "out of memory");
	for (size_t j = 0; j < t->ncols; j++)
		isnum[j] = t->cols[j].kind == COL_NUMERIC;
	int rc = dataset_write_begin(p, name, t, isnum, source, source_bytes, options_json,
	    &w, err);
	free(isnum);
	if (rc != 0)
		return -1;
	return dataset_write_finish(w, t, hash, version, created, err);
}

/* ------------------------------------------------------------------ */
/* load                                                                */

static int
corrupt(struct project *p, const struct dsver *v, const char *what, char **err)
{
	return err_set(err, "%s: dataset %s@%d is corrupt (%s)", p->path, v->name, v->version, what);
}

static double
col_real(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/*
 * pos_inf/neg_inf of a column row (schema 8).  A version stored before
 * has NULL: when its finite mean is known, or it has no values, there
 * were no infinities (one would have made the mean +-inf or NaN, stored
 * as NULL); otherwise the counts are unknown (SIZE_MAX) and the
 * statistics were skewed by them (see dataset.h).
 */
static void
load_inf_counts(sqlite3_stmt *st, struct column *c)
{
	if (sqlite3_column_type(st, 16) != SQLITE_NULL) {
		c->st.pos_inf = (size_t)sqlite3_column_int64(st, 16);
		c->st.neg_inf = (size_t)sqlite3_column_int64(st, 17);
	} else if (c->kind != COL_NUMERIC || c->st.count == 0 || !isnan(c->st.mean)) {
		c->st.pos_inf = c->st.neg_inf = 0;
	} else {
		c->st.pos_inf = c->st.neg_inf = SIZE_MAX;
	}
}

/* The top values of c from their JSON: 0; -1 if text is not a JSON array;
 * -2 out of memory. */
static int
load_top(struct column *c, const char *text)
{
	json_error_t je;
	json_t *a = json_loads(text, 0, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return -1;
	}
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (c->st.ntop == TOP_MAX)
			break;
		struct col_top *t = &c->st.top[c->st.ntop];
		json_t *val = json_object_get(e, "value");
		t->count = (size_t)json_integer_value(json_object_get(e, "count"));
		if (json_is_string(val)) {
			t->value = NAN;
			t->label = str_dup(json_string_value(val));
		} else {
			char buf[32];
			t->value = json_is_number(val) ? json_number_value(val) : NAN;
			t->label = str_dup(fmt_double(buf, t->value));
		}
		if (t->label == NULL) {
			json_decref(a);
			return -2;	/* out of memory */
		}
		c->st.ntop++;
	}
	json_decref(a);
	return 0;
}

/* Columns of v (all, or only column `only` when only >= 0) with their
 * first max_rows rows. */
static int
load_impl(struct project *p, const struct dsver *v, size_t max_rows, long only,
    struct table **out, char **err)
{
	sqlite3_stmt *st = NULL;
	struct table *t = NULL;
	size_t n = max_rows < v->nrows ? max_rows : v->nrows;
	int rc = -1, s;

	*out = NULL;
	size_t ncols = only >= 0 ? 1 : v->ncols;
	if (only >= (long)v->ncols)
		return err_set(err, "no column %ld in %s@%d", only + 1, v->name, v->version);
	if ((t = table_new(ncols)) == NULL)
		return err_set(err, "out of memory");
	t->nrows = n;
	if (db_prepare(p, "SELECT idx, name, kind, is_integer, likely_label, count, missing, "
	    "distinct_count, mean, std, min, q25, median, q75, max, top, pos_inf, neg_inf "
	    "FROM dataset_columns WHERE version_id = ?1 AND (?2 < 0 OR idx = ?2) ORDER BY idx",
	    &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, v->id);
	sqlite3_bind_int64(st, 2, only);
	size_t seen = 0;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		size_t j = (size_t)sqlite3_column_int64(st, 0) - (only >= 0 ? (size_t)only : 0);
		if (j >= t->ncols || j != seen++) {
			corrupt(p, v, "column index", err);
			goto out;
		}
		struct column *c = &t->cols[j];
		c->name = db_text_dup(st, 1);
		if (c->name == NULL && sqlite3_column_type(st, 1) != SQLITE_NULL) {
			err_set(err, "out of memory loading %s@%d", v->name, v->version);
			goto out;
		}
		if (c->name == NULL || col_kind_parse((const char *)sqlite3_column_text(st, 2),
		    &c->kind) != 0) {
			corrupt(p, v, "column kind", err);
			goto out;
		}
		c->st.is_integer = sqlite3_column_int(st, 3);
		c->st.likely_label = sqlite3_column_int(st, 4);
		c->st.count = (size_t)sqlite3_column_int64(st, 5);
		c->st.missing = (size_t)sqlite3_column_int64(st, 6);
		c->st.distinct = (size_t)sqlite3_column_int64(st, 7);
		c->st.mean = col_real(st, 8);
		c->st.std = col_real(st, 9);
		c->st.min = col_real(st, 10);
		c->st.q25 = col_real(st, 11);
		c->st.median = col_real(st, 12);
		c->st.q75 = col_real(st, 13);
		c->st.max = col_real(st, 14);
		load_inf_counts(st, c);
		const char *top = (const char *)sqlite3_column_text(st, 15);
		int trc = top ? load_top(c, top) : 0;
		if (trc == -2) {
			err_set(err, "out of memory loading %s@%d", v->name, v->version);
			goto out;
		}
		if (trc != 0) {
			corrupt(p, v, "top values", err);
			goto out;
		}
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	if (seen != t->ncols) {
		corrupt(p, v, "missing columns", err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (n == 0) {
		*out = t;
		return 0;
	}

	/* values: one contiguous array per column */
	for (size_t j = 0; j < t->ncols; j++) {
		size_t esz = t->cols[j].kind == COL_NUMERIC ? sizeof(double) : sizeof(uint32_t);
		void *d = malloc(n * esz);
		if (d == NULL || column_add_chunk(&t->cols[j], 0, n, d) != 0) {
			free(d);
			err_set(err, "out of memory loading %s@%d", v->name, v->version);
			goto out;
		}
	}
	size_t *filled = calloc(t->ncols, sizeof *filled);
	if (filled == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (db_prepare(p, "SELECT col, first, n, data FROM dataset_chunks WHERE version_id = ?1 "
	    "AND part = 0 AND first < ?2 AND (?3 < 0 OR col = ?3) ORDER BY col, seq", &st,
	    err) != 0) {
		free(filled);
		goto out;
	}
	sqlite3_bind_int64(st, 1, v->id);
	sqlite3_bind_int64(st, 2, (int64_t)n);
	sqlite3_bind_int64(st, 3, only);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		size_t j = (size_t)sqlite3_column_int64(st, 0) - (only >= 0 ? (size_t)only : 0);
		size_t first = (size_t)sqlite3_column_int64(st, 1);
		size_t cn = (size_t)sqlite3_column_int64(st, 2);
		if (j >= t->ncols)
			break;
		int isnum = t->cols[j].kind == COL_NUMERIC;
		size_t esz = isnum ? sizeof(double) : sizeof(uint32_t);
		const void *blob = sqlite3_column_blob(st, 3);
		size_t bytes = (size_t)sqlite3_column_bytes(st, 3);
		size_t take = first + cn > n ? n - first : cn;
		if (first + cn > v->nrows || filled[j] != first || chunkenc_decode(blob, bytes, cn,
		    isnum, (char *)t->cols[j].chunks[0].data + first * esz, take) != 0) {
			free(filled);
			corrupt(p, v, "chunk layout", err);
			goto out;
		}
		filled[j] += take;
	}
	if (s != SQLITE_DONE && s != SQLITE_ROW) {
		free(filled);
		db_fail(p, err);
		goto out;
	}
	for (size_t j = 0; j < t->ncols; j++)
		if (filled[j] != n) {
			free(filled);
			corrupt(p, v, "missing chunks", err);
			goto out;
		}
	free(filled);
	sqlite3_finalize(st);
	st = NULL;

	/* dictionaries: only as far as the loaded codes reach */
	if (db_prepare(p, "SELECT first, n, data FROM dataset_chunks WHERE version_id = ?1 "
	    "AND col = ?2 AND part = 1 AND first <= ?3 ORDER BY seq", &st, err) != 0)
		goto out;
	for (size_t j = 0; j < t->ncols; j++) {
		struct column *c = &t->cols[j];
		if (c->kind == COL_NUMERIC)
			continue;
		const uint32_t *codes = c->chunks[0].data;
		int64_t maxcode = -1;
		for (size_t i = 0; i < n; i++)
			if (codes[i] != CODE_NA && (int64_t)codes[i] > maxcode)
				maxcode = codes[i];
		if (maxcode < 0)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, v->id);
		sqlite3_bind_int64(st, 2, (int64_t)j + (only >= 0 ? only : 0));
		sqlite3_bind_int64(st, 3, maxcode);
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			size_t first = (size_t)sqlite3_column_int64(st, 0);
			size_t cn = (size_t)sqlite3_column_int64(st, 1);
			const char *blob = sqlite3_column_blob(st, 2);
			size_t bytes = (size_t)sqlite3_column_bytes(st, 2);
			if (first != c->dict.n || blob == NULL || bytes == 0 || blob[bytes - 1] != '\0') {
				corrupt(p, v, "dictionary", err);
				goto out;
			}
			size_t o = 0;
			for (size_t k = 0; k < cn; k++) {
				if (o >= bytes) {
					corrupt(p, v, "dictionary size", err);
					goto out;
				}
				size_t len = strlen(blob + o);
				if (strdict_append(&c->dict, blob + o, len) != 0) {
					err_set(err, "out of memory");
					goto out;
				}
				o += len + 1;
			}
		}
		if (s != SQLITE_DONE) {
			db_fail(p, err);
			goto out;
		}
		if ((int64_t)c->dict.n <= maxcode) {
			corrupt(p, v, "code out of range", err);
			goto out;
		}
		/* recipes and filters look values up by text */
		if (strdict_index(&c->dict) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	*out = t;
	t = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	table_free(t);
	return rc;
}

int
dataset_load(struct project *p, const struct dsver *v, size_t max_rows, struct table **out,
    char **err)
{
	return load_impl(p, v, max_rows, -1, out, err);
}

int
dataset_load_column(struct project *p, const struct dsver *v, size_t col, struct table **out,
    char **err)
{
	return load_impl(p, v, SIZE_MAX, (long)col, out, err);
}
