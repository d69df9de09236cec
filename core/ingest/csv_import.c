/*
 * csv_import.c — CSV to columnar table; see csv_import.h for the design.
 *
 * Flow of csv_import():
 *   open + mmap, skip BOM, refuse binary/UTF-16
 *   sniff the delimiter from the first 64 KiB (unless given)
 *   parse the first record (names) and a sample of up to 2000 records
 *   decide the header, check names, guess each column numeric or string
 *   pass 1: workers parse their pieces into chunks
 *   pass 2 (rare): re-read columns that proved not numeric, as strings
 *   merge the workers' chunks and dictionaries into the table
 * Errors carry a byte offset (or a record/field position that is turned
 * into one by replaying the parser over the piece); offsets become
 * line:column only when the message is written.
 */
#include "csv_import.h"
#include "base/numparse.h"
#include "base/progress.h"
#include "base/util.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_ROWS	IMPORT_CHUNK_ROWS
#define SNIFF_BYTES	(64 * 1024)
#define SAMPLE_BYTES	(512 * 1024)
#define SAMPLE_ROWS	2000
#define BLOCK_BYTES	(1 << 20)
#define MIN_SPLIT	(4u << 20)	/* files smaller than this use one parser */
#define MAX_THREADS	8
#define PSTATE_ROW_NOT_BEGUN 0		/* libcsv's parser state between records */

const char *const csv_default_na[] = { "NA", "N/A", "null", "NaN", "?" };
const size_t csv_default_nna = ARRAY_LEN(csv_default_na);

enum mode { M_SKIP, M_NUM, M_STR };

enum ierr {
	E_NONE,
	E_NOMEM,
	E_RAGGED,	/* wrong number of fields in a record */
	E_STRICT,	/* libcsv strict-mode error at err_off */
	E_UNTERM,	/* quote never closed */
	E_UTF8,		/* invalid UTF-8 (or NUL) in a field */
	E_TOOBIG,
	E_STOPPED,	/* told to stop because an earlier piece failed */
};

struct na_set {
	const char	**tok;
	size_t		 *len;
	size_t		  n;
	unsigned char	  first[256];	/* first bytes of tokens, for a quick reject */
	int		  numeric;	/* some token parses as a number (e.g. -999) */
};

struct wcol {
	int		 mode;
	int		 demoted;	/* saw a non-number in a numeric column */
	struct chunk	*chunks;
	size_t		 nchunks, cap;
	void		*cur;
	struct strdict	 dict;
};

struct importer;

struct worker {
	struct importer	*im;
	int		 index;
	size_t		 begin, end;	/* byte range of the map */
	size_t		 first_row;
	struct wcol	*cols;
	size_t		 col;		/* field index in the current record */
	size_t		 rows;		/* completed records */
	size_t		 rip;		/* rows in the current chunk */
	int		 clean_end;	/* parser ended between two records */
	int		 err;
	size_t		 err_row, err_field, err_nfields, err_off, err_aux;
	pthread_t	 tid;
	int		 started;
};

struct importer {
	const char		*path;
	const unsigned char	*map;
	size_t			 size;
	size_t			 base;		/* after the BOM */
	size_t			 data_begin;	/* first data record */
	unsigned char		 delim;
	size_t			 ncols;
	struct na_set		 na;
	int			*modes;
	struct worker		*w;
	int			 nw;
	atomic_size_t		 done_bytes;
	atomic_int		 first_failed;	/* lowest failed worker index, or nw */
	atomic_int		 finished;	/* workers done with this pass */
	double			 rows_per_byte;	/* from the sample, for progress */
};

/* ------------------------------------------------------------------ */
/* positions and messages                                              */

/* Byte offset -> 1-based physical line and character column. */
static void
offset_linecol(const struct importer *im, size_t off, size_t *line, size_t *col)
{
	const unsigned char *m = im->map;
	size_t ln = 1, ls = im->base;

	if (off > im->size)
		off = im->size;
	for (size_t i = im->base; i < off; i++) {
		if (m[i] == '\n') {
			ln++;
			ls = i + 1;
		} else if (m[i] == '\r' && (i + 1 >= im->size || m[i + 1] != '\n')) {
			ln++;
			ls = i + 1;
		}
	}
	size_t c = 1;
	for (size_t i = ls; i < off; i++)
		if ((m[i] & 0xc0) != 0x80)
			c++;
	*line = ln;
	*col = c;
}

static int
err_at(const struct importer *im, char **err, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
err_at(const struct importer *im, char **err, size_t off, const char *fmt, ...)
{
	size_t line, col;
	char *msg = NULL;
	va_list ap;

	offset_linecol(im, off, &line, &col);
	va_start(ap, fmt);
	err_setv(&msg, fmt, ap);
	va_end(ap);
	err_set(err, "%s:%zu:%zu: %s", im->path, line, col, msg ? msg : "error");
	free(msg);
	return -1;
}

/* Printable rendering of a short value for messages. */
static void
show_value(char *buf, size_t n, const char *s, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (len && o + 5 >= n && o + 4 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* missing-value tokens                                                */

static int
na_init(struct na_set *na, const struct import_opts *o)
{
	size_t n = csv_default_nna + o->nna;
	memset(na, 0, sizeof *na);
	na->tok = calloc(n, sizeof *na->tok);
	na->len = calloc(n, sizeof *na->len);
	if (na->tok == NULL || na->len == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *t = i < csv_default_nna ? csv_default_na[i] : o->na[i - csv_default_nna];
		na->tok[i] = t;
		na->len[i] = strlen(t);
		na->first[(unsigned char)t[0]] = 1;
		double v;
		if (num_parse(t, strlen(t), &v))
			na->numeric = 1;
	}
	na->n = n;
	return 0;
}

static void
na_free(struct na_set *na)
{
	free(na->tok);
	free(na->len);
}

static inline int
is_na(const struct na_set *na, const char *s, size_t len)
{
	if (len == 0)
		return 1;
	if (!na->first[(unsigned char)s[0]])
		return 0;
	for (size_t i = 0; i < na->n; i++)
		if (na->len[i] == len && memcmp(na->tok[i], s, len) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* workers                                                             */

static int
new_chunks(struct worker *w)
{
	for (size_t j = 0; j < w->im->ncols; j++) {
		struct wcol *c = &w->cols[j];
		if (c->mode == M_SKIP)
			continue;
		size_t esz = c->mode == M_NUM ? sizeof(double) : sizeof(uint32_t);
		void *d = malloc(CHUNK_ROWS * esz);
		if (d == NULL)
			return -1;
		if (c->nchunks == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct chunk *ch = realloc(c->chunks, cap * sizeof *ch);
			if (ch == NULL) {
				free(d);
				return -1;
			}
			c->chunks = ch;
			c->cap = cap;
		}
		c->chunks[c->nchunks++] = (struct chunk){ w->rows, CHUNK_ROWS, d };
		c->cur = d;
	}
	w->rip = 0;
	return 0;
}

static void
wcol_drop_chunks(struct wcol *c)
{
	for (size_t k = 0; k < c->nchunks; k++)
		free(c->chunks[k].data);
	free(c->chunks);
	c->chunks = NULL;
	c->nchunks = c->cap = 0;
	c->cur = NULL;
}

static void
on_field(void *s, size_t len, void *ctx)
{
	struct worker *w = ctx;
	size_t j = w->col++;

	if (w->err || j >= w->im->ncols)
		return;
	if (j == 0 && w->rip == CHUNK_ROWS && new_chunks(w) != 0) {
		w->err = E_NOMEM;
		return;
	}
	struct wcol *c = &w->cols[j];
	const char *str = s;
	switch (c->mode) {
	case M_NUM: {
		double v;
		if (str == NULL || len == 0 || (w->im->na.numeric && is_na(&w->im->na, str, len)))
			v = NAN;
		else if (!num_parse(str, len, &v)) {
			if (!is_na(&w->im->na, str, len)) {
				/* not a number after all: re-read as strings later */
				c->mode = M_SKIP;
				c->demoted = 1;
				wcol_drop_chunks(c);
				return;
			}
			v = NAN;
		}
		((double *)c->cur)[w->rip] = v;
		break;
	}
	case M_STR: {
		uint32_t code = CODE_NA;
		size_t bad;
		if (str != NULL && len != 0 && !is_na(&w->im->na, str, len)) {
			if (!utf8_valid((const unsigned char *)str, len, &bad)) {
				w->err = E_UTF8;
				w->err_row = w->rows;
				w->err_field = j;
				w->err_aux = bad;
				w->err_nfields = (unsigned char)str[bad];
				return;
			}
			if (strdict_intern(&c->dict, str, len, &code) != 0) {
				w->err = E_NOMEM;
				return;
			}
		}
		((uint32_t *)c->cur)[w->rip] = code;
		break;
	}
	default:
		break;
	}
}

static void
on_row(int ch, void *ctx)
{
	struct worker *w = ctx;
	(void)ch;
	if (w->err) {
		w->col = 0;
		return;
	}
	if (w->col != w->im->ncols) {
		w->err = E_RAGGED;
		w->err_row = w->rows;
		w->err_nfields = w->col;
	} else {
		w->rip++;
		w->rows++;
	}
	w->col = 0;
}

static int
stop_requested(struct worker *w)
{
	return atomic_load_explicit(&w->im->first_failed, memory_order_relaxed) < w->index;
}

static void
worker_fail(struct worker *w)
{
	int cur = atomic_load(&w->im->first_failed);
	while (w->index < cur &&
	    !atomic_compare_exchange_weak(&w->im->first_failed, &cur, w->index))
		;
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct importer *im = w->im;
	struct csv_parser p;
	size_t pos = w->begin;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL) != 0) {
		w->err = E_NOMEM;
		goto out;
	}
	csv_set_delim(&p, im->delim);
	csv_set_blk_size(&p, 4096);
	w->rip = CHUNK_ROWS;	/* first field allocates the first chunks */
	w->clean_end = 0;
	while (pos < w->end && !w->err) {
		if (stop_requested(w)) {
			w->err = E_STOPPED;
			break;
		}
		size_t n = w->end - pos < BLOCK_BYTES ? w->end - pos : BLOCK_BYTES;
		size_t r = csv_parse(&p, im->map + pos, n, on_field, on_row, w);
		if (r != n && !w->err) {
			int e = csv_error(&p);
			w->err = e == CSV_EPARSE ? E_STRICT : e == CSV_ETOOBIG ? E_TOOBIG : E_NOMEM;
			w->err_off = pos + r;
		}
		/* parsed text is not needed again (errors and pass 2 re-read it from
		 * the page cache): drop it from our resident set, so memory stays
		 * bounded by the columns being built, not the file's size */
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t lo = (pos + pg - 1) / pg * pg, hi = (pos + n) / pg * pg;
		if (hi > lo && pos + n < w->end)
			madvise((void *)(im->map + lo), hi - lo, MADV_DONTNEED);
		pos += n;
		atomic_fetch_add_explicit(&im->done_bytes, n, memory_order_relaxed);
	}
	if (!w->err) {
		if (w->index == im->nw - 1) {
			if (csv_fini(&p, on_field, on_row, w) != 0 && !w->err)
				w->err = E_UNTERM;
			w->clean_end = 1;
		} else {
			w->clean_end = p.pstate == PSTATE_ROW_NOT_BEGUN && p.entry_pos == 0;
		}
	}
	csv_free(&p);
	/* the last chunk holds only rip rows */
	for (size_t j = 0; j < im->ncols; j++) {
		struct wcol *c = &w->cols[j];
		if (c->nchunks)
			c->chunks[c->nchunks - 1].n = w->rows - c->chunks[c->nchunks - 1].first;
	}
out:
	if (w->err)
		worker_fail(w);
	atomic_fetch_add(&im->finished, 1);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* replay: locate record/field positions after an error                */

struct replay {
	size_t	pos, row, field, field_start;
	int	pending;	/* the next non-blank byte starts a field */
	size_t	want_row, want_field;
	int	hit;
	size_t	found;
};

static void
rp_field(void *s, size_t len, void *ctx)
{
	struct replay *r = ctx;
	(void)s; (void)len;
	if (!r->hit && r->row == r->want_row && r->field == r->want_field) {
		r->hit = 1;
		r->found = r->field_start;
	}
	r->field++;
	r->pending = 1;
}

static void
rp_row(int c, void *ctx)
{
	struct replay *r = ctx;
	(void)c;
	r->row++;
	r->field = 0;
	r->pending = 1;
}

/*
 * Byte offset where field `field` of record `row` (counted from `begin`)
 * starts; with row == SIZE_MAX, where the last unfinished field started
 * (the opening quote of an unterminated field).  Slow — byte at a time —
 * and used only to word an error.
 */
static size_t
replay_locate(const struct importer *im, size_t begin, size_t end, size_t row, size_t field)
{
	struct csv_parser p;
	struct replay r = { .pending = 1, .want_row = row, .want_field = field,
	    .field_start = begin };

	if (csv_init(&p, CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		return begin;
	csv_set_delim(&p, im->delim);
	for (r.pos = begin; r.pos < end && !r.hit; r.pos++) {
		unsigned char c = im->map[r.pos];
		if (r.pending && (c == im->delim || (c != ' ' && c != '\t'))) {
			/* a line break here may end an empty last field; a later
			 * non-blank byte (after blank lines) takes over */
			r.field_start = r.pos;
			if (c != '\r' && c != '\n')
				r.pending = 0;
		}
		csv_parse(&p, &im->map[r.pos], 1, rp_field, rp_row, &r);
	}
	if (!r.hit)	/* the last record may lack a line break */
		csv_fini(&p, rp_field, rp_row, &r);
	csv_free(&p);
	if (r.hit)
		return r.found;
	if (row == SIZE_MAX)
		return r.field_start;
	return end;
}

/* Turn a worker's error into the message. */
static int
worker_error(struct importer *im, struct worker *w, char **err)
{
	size_t off;
	char shown[64];

	switch (w->err) {
	case E_NOMEM:
		return err_set(err, "%s: out of memory while importing", im->path);
	case E_TOOBIG:
		return err_set(err, "%s: a field is too large", im->path);
	case E_RAGGED:
		if (w->err_nfields > im->ncols) {
			off = replay_locate(im, w->begin, w->end, w->err_row, im->ncols);
			return err_at(im, err, off, "expected %zu fields, found %zu "
			    "(extra field starts here)", im->ncols, w->err_nfields);
		}
		off = replay_locate(im, w->begin, w->end, w->err_row, w->err_nfields - 1);
		return err_at(im, err, off, "expected %zu fields, found %zu",
		    im->ncols, w->err_nfields);
	case E_STRICT:
		off = w->err_off;
		if (im->map[off] == '"')
			return err_at(im, err, off, "unexpected quote inside an unquoted field "
			    "(expected the whole field quoted, with inner quotes doubled)");
		show_value(shown, sizeof shown, (const char *)&im->map[off], 1);
		return err_at(im, err, off, "unexpected '%s' after a closing quote, "
		    "expected a delimiter or end of line", shown);
	case E_UNTERM:
		off = replay_locate(im, w->begin, w->end, SIZE_MAX, 0);
		return err_at(im, err, off, "unterminated quoted field "
		    "(expected a closing quote before end of file)");
	case E_UTF8: {
		off = replay_locate(im, w->begin, w->end, w->err_row, w->err_field);
		/* the raw bytes from the field's start are valid up to the culprit
		 * (quotes are ASCII), so its offset in the file is found directly */
		size_t bad = 0;
		if (!utf8_valid(im->map + off, im->size - off, &bad))
			off += bad;
		if (w->err_nfields == 0)
			return err_at(im, err, off, "NUL byte in field %zu "
			    "(binary data? expected UTF-8 text)", w->err_field + 1);
		return err_at(im, err, off, "invalid UTF-8 byte 0x%02zx in field %zu "
		    "(expected UTF-8 text)", w->err_nfields, w->err_field + 1);
	}
	default:
		return err_set(err, "%s: import failed", im->path);
	}
}

/* ------------------------------------------------------------------ */
/* sniffing, header and sample                                         */

static int
sniff_delimiter(const unsigned char *s, size_t n)
{
	static const unsigned char cand[] = { ',', '\t', ';', '|' };
	enum { MAXL = 100 };
	size_t counts[4][MAXL];
	size_t nl = 0, i = 0;

	memset(counts, 0, sizeof counts);
	while (i < n && nl < MAXL) {
		int inq = 0, any = 0;
		size_t c[4] = { 0, 0, 0, 0 };
		size_t start = i;
		for (; i < n; i++) {
			unsigned char ch = s[i];
			if (ch == '"')
				inq = !inq;
			else if (!inq && (ch == '\n' || ch == '\r'))
				break;
			else if (!inq)
				for (int k = 0; k < 4; k++)
					c[k] += ch == cand[k];
			any = 1;
		}
		int complete = i < n;
		while (i < n && (s[i] == '\n' || s[i] == '\r'))
			i++;
		if (!any || (!complete && nl > 0 && start > 0))
			continue;	/* blank line, or a line cut by the sample's end */
		for (int k = 0; k < 4; k++)
			counts[k][nl] = c[k];
		nl++;
	}
	if (nl == 0)
		return ',';
	int best = -1;
	double best_score = 0;
	for (int k = 0; k < 4; k++) {
		/* the most common per-line count, and how many lines have it */
		size_t mode = 0, mode_n = 0;
		for (size_t a = 0; a < nl; a++) {
			size_t m = 0;
			for (size_t b = 0; b < nl; b++)
				m += counts[k][b] == counts[k][a];
			if (m > mode_n || (m == mode_n && counts[k][a] > mode)) {
				mode = counts[k][a];
				mode_n = m;
			}
		}
		if (mode == 0)
			continue;
		double score = (double)mode_n / (double)nl;
		if (counts[k][0] == mode)
			score += 0.5;	/* the header agrees */
		if (score > best_score + 1e-9) {
			best = k;
			best_score = score;
		}
	}
	return best < 0 ? ',' : cand[best];
}

/* The sample: records as arrays of strings in one pool. */
struct sample {
	struct sbuf	 pool;
	size_t		*off;		/* per cell, SIZE_MAX = NULL field */
	size_t		*nf;		/* fields per record */
	size_t		 ncells, cellcap, nrec, reccap;
	size_t		 maxrec;
	size_t		 cur_fields;
	int		 oom;
};

static void
sm_field(void *s, size_t len, void *ctx)
{
	struct sample *sm = ctx;
	if (sm->oom || sm->nrec >= sm->maxrec)
		return;
	if (sm->ncells == sm->cellcap) {
		size_t cap = sm->cellcap ? sm->cellcap * 2 : 256;
		size_t *o = realloc(sm->off, cap * sizeof *o);
		if (o == NULL) {
			sm->oom = 1;
			return;
		}
		sm->off = o;
		sm->cellcap = cap;
	}
	if (s == NULL) {
		sm->off[sm->ncells++] = SIZE_MAX;
	} else {
		sm->off[sm->ncells++] = sm->pool.len;
		sbuf_putn(&sm->pool, s, len);
		sbuf_putc(&sm->pool, '\0');
	}
	sm->cur_fields++;
}

static void
sm_row(int c, void *ctx)
{
	struct sample *sm = ctx;
	(void)c;
	if (sm->oom || sm->nrec >= sm->maxrec)
		return;
	if (sm->nrec == sm->reccap) {
		size_t cap = sm->reccap ? sm->reccap * 2 : 64;
		size_t *nf = realloc(sm->nf, cap * sizeof *nf);
		if (nf == NULL) {
			sm->oom = 1;
			return;
		}
		sm->nf = nf;
		sm->reccap = cap;
	}
	sm->nf[sm->nrec++] = sm->cur_fields;
	sm->cur_fields = 0;
}

static void
sample_free(struct sample *sm)
{
	sbuf_free(&sm->pool);
	free(sm->off);
	free(sm->nf);
}

/* Cell (rec, j) of the sample, or NULL for an empty/absent cell. */
static const char *
sample_cell(const struct sample *sm, const size_t *recstart, size_t rec, size_t j)
{
	if (j >= sm->nf[rec])
		return NULL;
	size_t o = sm->off[recstart[rec] + j];
	return o == SIZE_MAX ? NULL : sm->pool.s + o;
}

/*
 * Parse the first record byte by byte (to learn exactly where it ends),
 * then up to SAMPLE_ROWS more records from the first SAMPLE_BYTES.
 * Returns 0, or -1 with *err for a malformed first record.
 */
static int
read_sample(struct importer *im, struct sample *sm, size_t *first_end, char **err)
{
	struct csv_parser p;
	size_t pos = im->base, end = im->size;
	int rc = -1;

	memset(sm, 0, sizeof *sm);
	sbuf_init(&sm->pool);
	sm->maxrec = SAMPLE_ROWS + 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
		return err_set(err, "out of memory");
	csv_set_delim(&p, im->delim);
	while (pos < end && sm->nrec == 0) {
		if (csv_parse(&p, im->map + pos, 1, sm_field, sm_row, sm) != 1) {
			struct worker w = { .err = E_STRICT, .err_off = pos, .begin = im->base, .end = end };
			worker_error(im, &w, err);
			goto out;
		}
		pos++;
	}
	*first_end = pos;
	if (sm->nrec == 0) {
		/* the file is one record without a line break, or one open quote */
		if (csv_fini(&p, sm_field, sm_row, sm) != 0) {
			struct worker w = { .err = E_UNTERM, .begin = im->base, .end = end };
			worker_error(im, &w, err);
			goto out;
		}
		*first_end = end;
	}
	if (sm->nrec == 0) {
		err_set(err, "%s: %s (expected a header line)", im->path,
		    im->size > im->base ? "only blank lines" : "empty file");
		goto out;
	}
	size_t stop = pos + SAMPLE_BYTES < end ? pos + SAMPLE_BYTES : end;
	while (pos < stop && sm->nrec < sm->maxrec) {
		size_t n = stop - pos < 16384 ? stop - pos : 16384;
		size_t r = csv_parse(&p, im->map + pos, n, sm_field, sm_row, sm);
		pos += r;
		if (r != n)
			break;	/* pass 1 reports it, with the right position */
	}
	if (pos == end && sm->nrec < sm->maxrec)
		csv_fini(&p, sm_field, sm_row, sm);
	if (pos > *first_end && sm->nrec > 1)
		im->rows_per_byte = (double)(sm->nrec - 1) / (double)(pos - *first_end);
	if (sm->oom || sm->pool.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	csv_free(&p);
	return rc;
}

static int
cell_is_number(const char *s)
{
	double v;
	return s != NULL && *s && num_parse(s, strlen(s), &v);
}

/* A whole number written as one: [+-]digits, blanks around allowed. */
static int
cell_is_int_literal(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+' || *s == '-')
		s++;
	if ((unsigned)(*s - '0') >= 10)
		return 0;
	while ((unsigned)(*s - '0') < 10)
		s++;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

/*
 * Is the first record of the sample a header?  As Python's csv.Sniffer
 * reasons: a first row whose cells are not of their column's type is
 * names.  Per column with values in the sample's body:
 *   numbers below, text on top                -> names (pos)
 *   numbers below none of which is written as an integer (a float
 *   column), an integer on top                -> names (ipos): the years
 *                                                over GDP figures of a
 *                                                World Bank file
 *   numbers below, any other number on top    -> data (neg)
 * Text columns say nothing, except that a first cell seen again below
 * them looks like data.  A header when pos > 0, when ipos outvotes neg,
 * or when nothing speaks against it.  (Integers over integer columns,
 * such as years over population counts, look like data: without other
 * names the user says --header.)
 */
static int
decide_header(const struct importer *im, const struct sample *sm, const size_t *recstart)
{
	size_t pos = 0, ipos = 0, neg = 0, strcols = 0, seen_again = 0;

	for (size_t j = 0; j < im->ncols; j++) {
		int numeric = 1, any = 0, ints = 0;
		const char *h = sample_cell(sm, recstart, 0, j);
		for (size_t r = 1; r < sm->nrec; r++) {
			const char *v = sample_cell(sm, recstart, r, j);
			if (v == NULL || is_na(&im->na, v, strlen(v)))
				continue;
			any = 1;
			if (!cell_is_number(v))
				numeric = 0;
			else if (!ints && cell_is_int_literal(v))
				ints = 1;
			if (h && strcmp(h, v) == 0)
				seen_again = 1;
		}
		if (any && numeric) {
			if (h && cell_is_number(h) && !ints && cell_is_int_literal(h))
				ipos++;
			else if (cell_is_number(h))
				neg++;
			else if (h && !is_na(&im->na, h, strlen(h)))
				pos++;
		} else if (any) {
			strcols++;
		}
	}
	return pos > 0 || ipos > neg || (neg == 0 && !(strcols > 0 && seen_again));
}

/* ------------------------------------------------------------------ */
/* passes and merge                                                    */

static void
free_workers(struct importer *im)
{
	if (im->w == NULL)
		return;
	for (int k = 0; k < im->nw; k++) {
		struct worker *w = &im->w[k];
		if (w->cols == NULL)
			continue;
		for (size_t j = 0; j < im->ncols; j++) {
			wcol_drop_chunks(&w->cols[j]);
			strdict_free(&w->cols[j].dict);
		}
		free(w->cols);
		w->cols = NULL;
	}
}

/* Run one pass with the current modes over the pieces in im->w. */
static int
run_pass(struct importer *im, struct progress *pr, char **err)
{
	atomic_store(&im->first_failed, im->nw);
	for (int k = 0; k < im->nw; k++) {
		struct worker *w = &im->w[k];
		w->cols = calloc(im->ncols, sizeof *w->cols);
		if (w->cols == NULL)
			return err_set(err, "out of memory");
		for (size_t j = 0; j < im->ncols; j++) {
			w->cols[j].mode = im->modes[j];
			strdict_init(&w->cols[j].dict);
		}
		w->col = w->rows = 0;
		w->err = E_NONE;
	}
	atomic_store(&im->finished, 0);
	atomic_store(&im->done_bytes, 0);
	for (int k = 0; k < im->nw; k++) {
		im->w[k].started = pthread_create(&im->w[k].tid, NULL, worker_run, &im->w[k]) == 0;
		if (!im->w[k].started)
			worker_run(&im->w[k]);	/* no thread to be had: run it here */
	}
	/* the calling thread draws progress while the workers parse */
	while (pr->on && atomic_load(&im->finished) < im->nw) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		size_t done = atomic_load_explicit(&im->done_bytes, memory_order_relaxed);
		progress_update(pr, done, (double)done * im->rows_per_byte);
	}
	for (int k = 0; k < im->nw; k++)
		if (im->w[k].started)
			pthread_join(im->w[k].tid, NULL);
	return 0;
}

/* Set up nw pieces split at line breaks after data_begin. */
static int
split(struct importer *im, int nw)
{
	size_t len = im->size - im->data_begin;
	unsigned char nl = memchr(im->map + im->data_begin, '\n', len) ? '\n' : '\r';
	size_t cuts[MAX_THREADS + 1];
	int n = 0;

	cuts[n++] = im->data_begin;
	for (int k = 1; k < nw; k++) {
		size_t t = im->data_begin + len / (size_t)nw * (size_t)k;
		if (t <= cuts[n - 1])
			continue;
		const unsigned char *q = memchr(im->map + t, nl, im->size - t);
		if (q == NULL)
			break;
		size_t c = (size_t)(q - im->map) + 1;
		if (c >= im->size)
			break;
		cuts[n++] = c;
	}
	cuts[n] = im->size;
	im->w = calloc((size_t)n, sizeof *im->w);
	if (im->w == NULL)
		return -1;
	im->nw = n;
	for (int k = 0; k < n; k++) {
		im->w[k].im = im;
		im->w[k].index = k;
		im->w[k].begin = cuts[k];
		im->w[k].end = cuts[k + 1];
	}
	return 0;
}

/*
 * After a pass: report the first real error, or detect a bad split.
 * Returns 0 ok, -1 error (in *err), 1 when the split was wrong.
 */
static int
check_pass(struct importer *im, char **err)
{
	for (int k = 0; k < im->nw; k++) {
		struct worker *w = &im->w[k];
		if (w->err && w->err != E_STOPPED)
			return worker_error(im, w, err);
		if (w->err == E_STOPPED)
			continue;	/* an earlier piece failed; reported above */
		if (!w->clean_end)
			return 1;
	}
	return 0;
}

/* Move the workers' chunks for column j into the table column. */
static int
merge_column(struct importer *im, size_t j, struct column *out)
{
	for (int k = 0; k < im->nw; k++) {
		struct worker *w = &im->w[k];
		struct wcol *c = &w->cols[j];
		uint32_t *remap = NULL;

		if (c->mode == M_STR && k > 0 && c->dict.n > 0) {
			remap = malloc(c->dict.n * sizeof *remap);
			if (remap == NULL)
				return -1;
			for (uint32_t i = 0; i < c->dict.n; i++) {
				const char *s = strdict_get(&c->dict, i);
				if (strdict_intern(&out->dict, s, strlen(s), &remap[i]) != 0) {
					free(remap);
					return -1;
				}
			}
		}
		for (size_t q = 0; q < c->nchunks; q++) {
			struct chunk *ch = &c->chunks[q];
			if (remap) {
				uint32_t *codes = ch->data;
				for (size_t i = 0; i < ch->n; i++)
					if (codes[i] != CODE_NA)
						codes[i] = remap[codes[i]];
			}
			if (ch->n == 0) {
				free(ch->data);
			} else if (column_add_chunk(out, ch->first + w->first_row, ch->n, ch->data) != 0) {
				free(remap);
				return -1;
			}
			ch->data = NULL;
		}
		c->nchunks = 0;
		free(remap);
		if (c->mode == M_STR && k == 0) {
			/* worker 0's dictionary becomes the column's as it is */
			strdict_free(&out->dict);
			out->dict = c->dict;
			strdict_init(&c->dict);
		}
	}
	return 0;
}

static int
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int
csv_import(const char *path, const struct import_opts *o, struct table **out,
    struct import_info *info, char **err)
{
	struct importer im;
	struct sample sm;
	struct table *t = NULL;
	struct progress pr;
	struct stat sb;
	size_t first_end = 0, *recstart = NULL;
	char **names = NULL;
	int fd = -1, rc = -1, header;

	memset(&im, 0, sizeof im);
	memset(&sm, 0, sizeof sm);
	memset(info, 0, sizeof *info);
	*out = NULL;
	im.path = path;
	progress_init(&pr, o->progress, path);

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return err_set(err, "%s: no such file", path);
		return err_set(err, "%s: cannot open: %s", path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		err_set(err, "%s: is a directory (expected a CSV file)", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		err_set(err, "%s: not a regular file (expected a CSV file)", path);
		goto out;
	}
	if (sb.st_size == 0) {
		err_set(err, "%s: empty file (expected a header line)", path);
		goto out;
	}
	im.size = (size_t)sb.st_size;
	im.map = mmap(NULL, im.size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (im.map == MAP_FAILED) {
		im.map = NULL;
		err_set(err, "%s: cannot map: %s", path, strerror(errno));
		goto out;
	}
	madvise((void *)im.map, im.size, MADV_SEQUENTIAL | MADV_WILLNEED);
	info->bytes = im.size;

	if (im.size >= 3 && memcmp(im.map, "\xef\xbb\xbf", 3) == 0) {
		im.base = 3;
		info->bom = 1;
	} else if (im.size >= 2 && (memcmp(im.map, "\xff\xfe", 2) == 0 ||
	    memcmp(im.map, "\xfe\xff", 2) == 0)) {
		err_set(err, "%s:1:1: UTF-16 text (expected UTF-8; convert with iconv)", path);
		goto out;
	}
	{
		size_t n = im.size - im.base < SNIFF_BYTES ? im.size - im.base : SNIFF_BYTES;
		/* UTF-16 without a byte-order mark: NULs in every other byte */
		size_t probe = n < 256 ? n : 256, even = 0, odd = 0;
		for (size_t i = 0; i + 1 < probe; i += 2) {
			even += im.map[im.base + i] == 0 && im.map[im.base + i + 1] != 0;
			odd += im.map[im.base + i + 1] == 0 && im.map[im.base + i] != 0;
		}
		if (probe >= 4 && (even * 4 >= probe || odd * 4 >= probe)) {
			err_set(err, "%s:1:1: UTF-16 text (expected UTF-8; convert with iconv)", path);
			goto out;
		}
		const unsigned char *nul = memchr(im.map + im.base, 0, n);
		if (nul) {
			err_at(&im, err, (size_t)(nul - im.map),
			    "binary file (NUL byte; expected CSV text)");
			goto out;
		}
		size_t bad;
		/* a sniffed sample that is not text at all is binary, not a typo */
		if (!utf8_valid(im.map + im.base, n, &bad) && im.base + bad + 4 < im.base + n) {
			size_t nonprint = 0;
			for (size_t i = 0; i < n && i < 4096; i++) {
				unsigned char c = im.map[im.base + i];
				nonprint += c < 0x20 && c != '\n' && c != '\r' && c != '\t';
			}
			if (nonprint * 20 > (n < 4096 ? n : 4096)) {
				err_at(&im, err, im.base + bad,
				    "binary file (control bytes; expected CSV text)");
				goto out;
			}
		}
		im.delim = (unsigned char)(o->delimiter ? o->delimiter :
		    sniff_delimiter(im.map + im.base, n));
	}
	info->delimiter = im.delim;
	if (na_init(&im.na, o) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (read_sample(&im, &sm, &first_end, err) != 0)
		goto out;

	/* record starts in the sample */
	recstart = calloc(sm.nrec + 1, sizeof *recstart);
	if (recstart == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t r = 1; r <= sm.nrec; r++)
		recstart[r] = recstart[r - 1] + sm.nf[r - 1];
	im.ncols = sm.nf[0];

	header = o->header < 0 ? decide_header(&im, &sm, recstart) : o->header;
	info->header = header;

	/* column names */
	names = calloc(im.ncols, sizeof *names);
	if (names == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < im.ncols; j++) {
		char buf[32];
		if (header) {
			const char *h = sample_cell(&sm, recstart, 0, j);
			size_t bad;
			if (h == NULL || *h == '\0') {
				size_t off = replay_locate(&im, im.base, first_end, 0, j);
				err_at(&im, err, off, "empty name for column %zu in the header "
				    "(expected a name; use --no-header if the file has none)", j + 1);
				goto out;
			}
			if (!utf8_valid((const unsigned char *)h, strlen(h), &bad)) {
				size_t off = replay_locate(&im, im.base, first_end, 0, j), rb = 0;
				if (!utf8_valid(im.map + off, im.size - off, &rb))
					off += rb;
				err_at(&im, err, off, "invalid UTF-8 byte 0x%02x in the name of "
				    "column %zu (expected UTF-8 text)", (unsigned char)h[bad], j + 1);
				goto out;
			}
			for (size_t i = 0; i < j; i++)
				if (strcmp(names[i], h) == 0) {
					size_t off = replay_locate(&im, im.base, first_end, 0, j);
					err_at(&im, err, off, "duplicate column name '%s' "
					    "(columns %zu and %zu; expected unique names)", h, i + 1, j + 1);
					goto out;
				}
			names[j] = str_dup(h);
		} else {
			snprintf(buf, sizeof buf, "col%zu", j + 1);
			names[j] = str_dup(buf);
		}
		if (names[j] == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	im.data_begin = header ? first_end : im.base;

	/* initial guess per column from the sample body */
	im.modes = calloc(im.ncols, sizeof *im.modes);
	if (im.modes == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < im.ncols; j++) {
		im.modes[j] = M_NUM;
		for (size_t k = 0; k < o->nforce; k++)
			if (strcmp(names[j], o->force_string[k]) == 0)
				im.modes[j] = M_STR;
		for (size_t r = header ? 1 : 0; r < sm.nrec && im.modes[j] == M_NUM; r++) {
			const char *v = sample_cell(&sm, recstart, r, j);
			if (v && !is_na(&im.na, v, strlen(v)) && !cell_is_number(v)) {
				im.modes[j] = M_STR;
				break;
			}
		}
	}

	/* pass 1 */
	int nw = o->threads > 0 ? o->threads : online_cpus();
	if (nw > MAX_THREADS)
		nw = MAX_THREADS;
	if (im.size - im.data_begin < MIN_SPLIT && o->threads <= 0)
		nw = 1;
	if (split(&im, nw) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	progress_begin(&pr, "reading", im.size - im.data_begin);
	if (run_pass(&im, &pr, err) != 0)
		goto out;
	int chk = check_pass(&im, err);
	if (chk < 0)
		goto out;
	if (chk > 0) {
		/* a split fell inside a quoted field: parse in one piece */
		free_workers(&im);
		free(im.w);
		im.w = NULL;
		if (split(&im, 1) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
		atomic_store(&im.done_bytes, 0);
		progress_begin(&pr, "reading", im.size - im.data_begin);
		if (run_pass(&im, &pr, err) != 0 || check_pass(&im, err) != 0)
			goto out;
	}
	info->threads = im.nw;
	info->passes = 1;

	/* rows */
	size_t nrows = 0;
	for (int k = 0; k < im.nw; k++) {
		im.w[k].first_row = nrows;
		nrows += im.w[k].rows;
	}
	if (nrows == 0) {
		int numeric = 1;
		for (size_t j = 0; j < im.ncols && numeric; j++)
			numeric = cell_is_number(sample_cell(&sm, recstart, 0, j));
		err_set(err, "%s: no data rows after the header%s", path, numeric ?
		    " (its only line looks like data: use --no-header)" : "");
		goto out;
	}

	/* pass 2: columns that proved not numeric are re-read as strings */
	{
		int any = 0;
		int *demoted = calloc(im.ncols, sizeof *demoted);
		if (demoted == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < im.ncols; j++)
			for (int k = 0; k < im.nw; k++)
				if (im.w[k].cols[j].demoted)
					demoted[j] = 1;
		t = table_new(im.ncols);
		if (t == NULL) {
			free(demoted);
			err_set(err, "out of memory");
			goto out;
		}
		t->nrows = nrows;
		for (size_t j = 0; j < im.ncols; j++) {
			t->cols[j].name = names[j];
			names[j] = NULL;
			if (demoted[j]) {
				any = 1;
				for (int k = 0; k < im.nw; k++)
					wcol_drop_chunks(&im.w[k].cols[j]);
				continue;
			}
			t->cols[j].kind = im.modes[j] == M_NUM ? COL_NUMERIC : COL_CATEGORICAL;
			if (merge_column(&im, j, &t->cols[j]) != 0) {
				free(demoted);
				err_set(err, "out of memory");
				goto out;
			}
		}
		if (any) {
			free_workers(&im);
			for (size_t j = 0; j < im.ncols; j++)
				im.modes[j] = demoted[j] ? M_STR : M_SKIP;
			atomic_store(&im.done_bytes, 0);
			progress_begin(&pr, "re-reading text columns", im.size - im.data_begin);
			if (run_pass(&im, &pr, err) != 0 || check_pass(&im, err) != 0) {
				free(demoted);
				goto out;
			}
			for (size_t j = 0; j < im.ncols; j++) {
				if (!demoted[j])
					continue;
				t->cols[j].kind = COL_CATEGORICAL;
				if (merge_column(&im, j, &t->cols[j]) != 0) {
					free(demoted);
					err_set(err, "out of memory");
					goto out;
				}
			}
			info->passes = 2;
		}
		free(demoted);
	}
	*out = t;
	t = NULL;
	rc = 0;
out:
	progress_end(&pr);
	table_free(t);
	free_workers(&im);
	free(im.w);
	free(im.modes);
	if (names)
		for (size_t j = 0; j < im.ncols; j++)
			free(names[j]);
	free(names);
	free(recstart);
	sample_free(&sm);
	na_free(&im.na);
	if (im.map)
		munmap((void *)im.map, im.size);
	if (fd >= 0)
		close(fd);
	return rc;
}
