/*
 * dataset_window.c — see dataset_window.h.
 *
 * Per column: an index of the stored value chunks (first row and count,
 * read once with one query), a slot per chunk for its bytes once read,
 * and a dictionary filled in code order as far as needed.  Rows are found
 * by binary search over the chunk index.  Three statements are prepared
 * once per window, so a cache miss is one indexed blob read.
 */
#include "dataset_window.h"
#include "chunkenc.h"
#include "base/util.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct wcol {
	int		 indexed;
	size_t		 nchunks;
	size_t		*first, *n;
	int64_t		*seq;
	void		**data;		/* cached chunk values, or NULL */
	struct strdict	 dict;		/* codes 0 .. dict.n-1 loaded */
	int		 dict_done;	/* every dictionary chunk read */
	struct table	*full;		/* whole column, when asked for */
};

struct dswin {
	struct project	*p;
	struct dsver	 v;
	struct table	*meta;
	struct wcol	*cols;
	size_t		 cached;
	sqlite3_stmt	*st_index, *st_chunk, *st_dict;
};

static int
corrupt(struct dswin *w, const char *what, char **err)
{
	return err_set(err, "%s: dataset %s@%d is corrupt (%s)", w->p->path, w->v.name,
	    w->v.version, what);
}

static void
wcol_drop_cache(struct wcol *c)
{
	for (size_t i = 0; i < c->nchunks; i++) {
		free(c->data[i]);
		c->data[i] = NULL;
	}
}

void
dswin_free(struct dswin *w)
{
	if (w == NULL)
		return;
	if (w->cols && w->meta)
		for (size_t j = 0; j < w->meta->ncols; j++) {
			struct wcol *c = &w->cols[j];
			wcol_drop_cache(c);
			free(c->data);
			free(c->first);
			free(c->n);
			free(c->seq);
			strdict_free(&c->dict);
			table_free(c->full);
		}
	free(w->cols);
	table_free(w->meta);
	sqlite3_finalize(w->st_index);
	sqlite3_finalize(w->st_chunk);
	sqlite3_finalize(w->st_dict);
	dsver_clear(&w->v);
	free(w);
}

static char *
dup_or_null(const char *s)
{
	return s ? str_dup(s) : NULL;
}

int
dswin_open(struct project *p, const struct dsver *v, struct dswin **out, char **err)
{
	struct dswin *w = calloc(1, sizeof *w);
	int rc = -1;

	*out = NULL;
	if (w == NULL)
		return err_set(err, "out of memory");
	w->p = p;
	w->v = *v;
	w->v.name = dup_or_null(v->name);
	w->v.source = dup_or_null(v->source);
	w->v.options = dup_or_null(v->options);
	w->v.created = dup_or_null(v->created);
	if (w->v.name == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (dataset_load(p, v, 0, &w->meta, err) != 0)
		goto out;
	w->meta->nrows = v->nrows;
	if ((w->cols = calloc(w->meta->ncols ? w->meta->ncols : 1, sizeof *w->cols)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < w->meta->ncols; j++)
		strdict_init(&w->cols[j].dict);
	if (db_prepare(p, "SELECT seq, first, n FROM dataset_chunks WHERE version_id = ?1 "
	    "AND col = ?2 AND part = 0 ORDER BY seq", &w->st_index, err) != 0 ||
	    db_prepare(p, "SELECT data FROM dataset_chunks WHERE version_id = ?1 AND col = ?2 "
	    "AND part = 0 AND seq = ?3", &w->st_chunk, err) != 0 ||
	    db_prepare(p, "SELECT first, n, data FROM dataset_chunks WHERE version_id = ?1 "
	    "AND col = ?2 AND part = 1 AND first >= ?3 ORDER BY seq", &w->st_dict, err) != 0)
		goto out;
	*out = w;
	w = NULL;
	rc = 0;
out:
	dswin_free(w);
	return rc;
}

const struct table *
dswin_meta(const struct dswin *w)
{
	return w->meta;
}

size_t
dswin_nrows(const struct dswin *w)
{
	return w->v.nrows;
}

size_t
dswin_cached_bytes(const struct dswin *w)
{
	return w->cached;
}

/* Read the chunk index of column j once. */
static int
index_column(struct dswin *w, size_t j, char **err)
{
	struct wcol *c = &w->cols[j];
	size_t cap = 0;
	int s;

	if (c->indexed)
		return 0;
	sqlite3_reset(w->st_index);
	sqlite3_bind_int64(w->st_index, 1, w->v.id);
	sqlite3_bind_int64(w->st_index, 2, (int64_t)j);
	while ((s = sqlite3_step(w->st_index)) == SQLITE_ROW) {
		if (c->nchunks == cap) {
			size_t nc = cap ? cap * 2 : 16;
			size_t *f = realloc(c->first, nc * sizeof *f);
			if (f)
				c->first = f;
			size_t *n = realloc(c->n, nc * sizeof *n);
			if (n)
				c->n = n;
			int64_t *q = realloc(c->seq, nc * sizeof *q);
			if (q)
				c->seq = q;
			if (f == NULL || n == NULL || q == NULL) {
				sqlite3_reset(w->st_index);
				return err_set(err, "out of memory");
			}
			cap = nc;
		}
		c->seq[c->nchunks] = sqlite3_column_int64(w->st_index, 0);
		c->first[c->nchunks] = (size_t)sqlite3_column_int64(w->st_index, 1);
		c->n[c->nchunks] = (size_t)sqlite3_column_int64(w->st_index, 2);
		c->nchunks++;
	}
	sqlite3_reset(w->st_index);
	if (s != SQLITE_DONE)
		return db_fail(w->p, err);
	/* the chunks must tile 0 .. nrows-1 in order */
	size_t expect = 0;
	for (size_t i = 0; i < c->nchunks; i++) {
		if (c->first[i] != expect)
			return corrupt(w, "chunk order", err);
		expect += c->n[i];
	}
	if (expect != w->v.nrows)
		return corrupt(w, "missing chunks", err);
	if ((c->data = calloc(c->nchunks ? c->nchunks : 1, sizeof *c->data)) == NULL)
		return err_set(err, "out of memory");
	c->indexed = 1;
	return 0;
}

static void
drop_all(struct dswin *w)
{
	for (size_t j = 0; j < w->meta->ncols; j++)
		if (w->cols[j].indexed)
			wcol_drop_cache(&w->cols[j]);
	w->cached = 0;
}

/* The values array holding `row` of column j and the row's offset in it. */
static int
locate(struct dswin *w, size_t j, size_t row, const void **data, size_t *off, char **err)
{
	struct wcol *c = &w->cols[j];
	size_t esz = w->meta->cols[j].kind == COL_NUMERIC ? sizeof(double) : sizeof(uint32_t);

	if (j >= w->meta->ncols || row >= w->v.nrows)
		return err_set(err, "cell (%zu, %zu) is outside %s@%d", row, j, w->v.name,
		    w->v.version);
	if (c->full) {
		*data = c->full->cols[0].chunks[0].data;
		*off = row;
		return 0;
	}
	if (index_column(w, j, err) != 0)
		return -1;
	size_t lo = 0, hi = c->nchunks;
	while (hi - lo > 1) {		/* last chunk with first <= row */
		size_t mid = (lo + hi) / 2;
		if (c->first[mid] <= row)
			lo = mid;
		else
			hi = mid;
	}
	if (c->data[lo] == NULL) {
		size_t bytes = c->n[lo] * esz;
		if (w->cached + bytes > DSWIN_CACHE_BYTES)
			drop_all(w);
		sqlite3_reset(w->st_chunk);
		sqlite3_bind_int64(w->st_chunk, 1, w->v.id);
		sqlite3_bind_int64(w->st_chunk, 2, (int64_t)j);
		sqlite3_bind_int64(w->st_chunk, 3, c->seq[lo]);
		int s = sqlite3_step(w->st_chunk);
		if (s != SQLITE_ROW) {
			sqlite3_reset(w->st_chunk);
			return s == SQLITE_DONE ? corrupt(w, "missing chunk", err) : db_fail(w->p, err);
		}
		const void *blob = sqlite3_column_blob(w->st_chunk, 0);
		size_t stored = (size_t)sqlite3_column_bytes(w->st_chunk, 0);
		void *d = malloc(bytes ? bytes : 1);
		if (d == NULL) {
			sqlite3_reset(w->st_chunk);
			return err_set(err, "out of memory");
		}
		if (chunkenc_decode(blob, stored, c->n[lo], esz == sizeof(double), d,
		    c->n[lo]) != 0) {
			free(d);
			sqlite3_reset(w->st_chunk);
			return corrupt(w, "chunk size", err);
		}
		sqlite3_reset(w->st_chunk);
		c->data[lo] = d;
		w->cached += bytes;
	}
	*data = c->data[lo];
	*off = row - c->first[lo];
	return 0;
}

int
dswin_num(struct dswin *w, size_t col, size_t row, double *out, char **err)
{
	const void *d;
	size_t off;
	if (col >= w->meta->ncols || w->meta->cols[col].kind != COL_NUMERIC)
		return err_set(err, "column %zu is not numeric", col);
	if (locate(w, col, row, &d, &off, err) != 0)
		return -1;
	*out = ((const double *)d)[off];
	return 0;
}

/* Read dictionary chunks of column j until code is covered. */
static int
dict_reach(struct dswin *w, size_t j, uint32_t code, char **err)
{
	struct wcol *c = &w->cols[j];
	int s;

	sqlite3_reset(w->st_dict);
	sqlite3_bind_int64(w->st_dict, 1, w->v.id);
	sqlite3_bind_int64(w->st_dict, 2, (int64_t)j);
	sqlite3_bind_int64(w->st_dict, 3, (int64_t)c->dict.n);
	while (c->dict.n <= code && (s = sqlite3_step(w->st_dict)) == SQLITE_ROW) {
		size_t first = (size_t)sqlite3_column_int64(w->st_dict, 0);
		size_t cn = (size_t)sqlite3_column_int64(w->st_dict, 1);
		const char *blob = sqlite3_column_blob(w->st_dict, 2);
		size_t bytes = (size_t)sqlite3_column_bytes(w->st_dict, 2);
		if (first != c->dict.n || blob == NULL || bytes == 0 || blob[bytes - 1] != '\0') {
			sqlite3_reset(w->st_dict);
			return corrupt(w, "dictionary", err);
		}
		size_t o = 0;
		for (size_t k = 0; k < cn; k++) {
			if (o >= bytes) {
				sqlite3_reset(w->st_dict);
				return corrupt(w, "dictionary size", err);
			}
			size_t len = strlen(blob + o);
			if (strdict_append(&c->dict, blob + o, len) != 0) {
				sqlite3_reset(w->st_dict);
				return err_set(err, "out of memory");
			}
			o += len + 1;
		}
	}
	sqlite3_reset(w->st_dict);
	if (c->dict.n <= code)
		return corrupt(w, "code out of range", err);
	return 0;
}

int
dswin_str(struct dswin *w, size_t col, size_t row, const char **out, char **err)
{
	const void *d;
	size_t off;
	if (col >= w->meta->ncols || w->meta->cols[col].kind == COL_NUMERIC)
		return err_set(err, "column %zu holds numbers, not strings", col);
	if (locate(w, col, row, &d, &off, err) != 0)
		return -1;
	uint32_t code = ((const uint32_t *)d)[off];
	struct wcol *c = &w->cols[col];
	if (code == CODE_NA) {
		*out = NULL;
		return 0;
	}
	if (c->full) {
		*out = strdict_get(&c->full->cols[0].dict, code);
		return 0;
	}
	if (code >= c->dict.n && dict_reach(w, col, code, err) != 0)
		return -1;
	*out = strdict_get(&c->dict, code);
	return 0;
}

int
dswin_column(struct dswin *w, size_t col, const struct column **out, char **err)
{
	struct wcol *c;
	if (col >= w->meta->ncols)
		return err_set(err, "no column %zu in %s@%d", col, w->v.name, w->v.version);
	c = &w->cols[col];
	if (c->full == NULL) {
		if (dataset_load_column(w->p, &w->v, col, &c->full, err) != 0)
			return -1;
		if (c->full->ncols != 1 || (w->v.nrows && c->full->cols[0].nchunks != 1)) {
			table_free(c->full);
			c->full = NULL;
			return corrupt(w, "column load", err);
		}
		/* A loaded dictionary has no hash table yet (strdict_append builds
		 * it lazily) and strdict_find() on it finds nothing; interning a
		 * string it already holds builds the table, so that filters
		 * comparing with a string literal work. */
		struct strdict *d = &c->full->cols[0].dict;
		uint32_t code;
		if (d->n && d->nslots == 0 &&
		    strdict_intern(d, strdict_get(d, 0), strlen(strdict_get(d, 0)), &code) != 0) {
			table_free(c->full);
			c->full = NULL;
			return err_set(err, "out of memory");
		}
		/* the chunk cache of this column is no longer needed */
		if (c->indexed)
			for (size_t i = 0; i < c->nchunks; i++)
				if (c->data[i]) {
					size_t esz = w->meta->cols[col].kind == COL_NUMERIC ? 8 : 4;
					w->cached -= c->n[i] * esz;
					free(c->data[i]);
					c->data[i] = NULL;
				}
	}
	*out = &c->full->cols[0];
	return 0;
}
