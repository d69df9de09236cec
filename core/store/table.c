/*
 * table.c — columns, chunks and string dictionaries; see table.h.
 */
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a folded with a multiply: fast on short strings, which is what
 * categorical values are. */
static uint32_t
str_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

void
strdict_init(struct strdict *d)
{
	memset(d, 0, sizeof *d);
}

void
strdict_free(struct strdict *d)
{
	free(d->pool);
	free(d->off);
	free(d->hash);
	free(d->slots);
	strdict_init(d);
}

static int
rehash(struct strdict *d, uint32_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (uint32_t c = 0; c < d->n; c++) {
		uint32_t i = d->hash[c] & (nslots - 1);
		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = c + 1;
	}
	free(d->slots);
	d->slots = slots;
	d->nslots = nslots;
	return 0;
}

static int
push(struct strdict *d, const char *s, size_t len, uint32_t h)
{
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 16;
		size_t *off = realloc(d->off, cap * sizeof *off);
		if (off == NULL)
			return -1;
		d->off = off;
		uint32_t *hh = realloc(d->hash, cap * sizeof *hh);
		if (hh == NULL)
			return -1;
		d->hash = hh;
		d->cap = cap;
	}
	if (d->pool_len + len + 1 > d->pool_cap) {
		size_t cap = d->pool_cap ? d->pool_cap : 256;
		while (cap < d->pool_len + len + 1)
			cap *= 2;
		char *pool = realloc(d->pool, cap);
		if (pool == NULL)
			return -1;
		d->pool = pool;
		d->pool_cap = cap;
	}
	memcpy(d->pool + d->pool_len, s, len);
	d->pool[d->pool_len + len] = '\0';
	d->off[d->n] = d->pool_len;
	d->hash[d->n] = h;
	d->pool_len += len + 1;
	d->n++;
	return 0;
}

static inline int
same(const struct strdict *d, uint32_t code, const char *s, size_t len)
{
	/* the next string's offset bounds this one's length */
	size_t end = code + 1 < d->n ? d->off[code + 1] : d->pool_len;
	return end - d->off[code] == len + 1 && memcmp(d->pool + d->off[code], s, len) == 0;
}

uint32_t
strdict_find(const struct strdict *d, const char *s, size_t len)
{
	if (d->nslots == 0) {
		/* not indexed (strdict_index not called): scan */
		for (uint32_t c = 0; c < d->n; c++)
			if (same(d, c, s, len))
				return c;
		return CODE_NA;
	}
	uint32_t h = str_hash(s, len);
	uint32_t i = h & (d->nslots - 1);
	for (;;) {
		uint32_t c = d->slots[i];
		if (c == 0)
			return CODE_NA;
		if (d->hash[c - 1] == h && same(d, c - 1, s, len))
			return c - 1;
		i = (i + 1) & (d->nslots - 1);
	}
}

int
strdict_intern(struct strdict *d, const char *s, size_t len, uint32_t *code)
{
	uint32_t h = str_hash(s, len);
	if (d->nslots == 0 || (d->n + 1) * 2 > d->nslots) {
		uint32_t ns = d->nslots ? d->nslots * 2 : 64;
		while ((d->n + 1) * 2 > ns)
			ns *= 2;
		if (rehash(d, ns) != 0)
			return -1;
	}
	uint32_t i = h & (d->nslots - 1);
	for (;;) {
		uint32_t c = d->slots[i];
		if (c == 0)
			break;
		if (d->hash[c - 1] == h && same(d, c - 1, s, len)) {
			*code = c - 1;
			return 0;
		}
		i = (i + 1) & (d->nslots - 1);
	}
	if (d->n == CODE_NA - 1 || push(d, s, len, h) != 0)
		return -1;
	d->slots[i] = d->n;
	*code = d->n - 1;
	return 0;
}

int
strdict_index(struct strdict *d)
{
	uint32_t ns = 64;
	while ((uint64_t)d->n * 2 >= ns)
		ns *= 2;
	return d->n ? rehash(d, ns) : 0;
}

int
strdict_append(struct strdict *d, const char *s, size_t len)
{
	if (push(d, s, len, str_hash(s, len)) != 0)
		return -1;
	if (d->nslots) {	/* keep an existing table consistent */
		free(d->slots);
		d->slots = NULL;
		d->nslots = 0;
	}
	return 0;
}

struct table *
table_new(size_t ncols)
{
	struct table *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	if (ncols) {
		t->cols = calloc(ncols, sizeof *t->cols);
		if (t->cols == NULL) {
			free(t);
			return NULL;
		}
	}
	t->ncols = ncols;
	for (size_t j = 0; j < ncols; j++)
		strdict_init(&t->cols[j].dict);
	return t;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t j = 0; j < t->ncols; j++) {
		struct column *c = &t->cols[j];
		free(c->name);
		for (size_t k = 0; k < c->nchunks; k++)
			free(c->chunks[k].data);
		free(c->chunks);
		strdict_free(&c->dict);
		for (int k = 0; k < c->st.ntop; k++)
			free(c->st.top[k].label);
	}
	free(t->cols);
	free(t);
}

int
column_add_chunk(struct column *c, size_t first, size_t n, void *data)
{
	if (c->nchunks == c->chunks_cap) {
		size_t cap = c->chunks_cap ? c->chunks_cap * 2 : 8;
		struct chunk *ch = realloc(c->chunks, cap * sizeof *ch);
		if (ch == NULL)
			return -1;
		c->chunks = ch;
		c->chunks_cap = cap;
	}
	c->chunks[c->nchunks++] = (struct chunk){ first, n, data };
	return 0;
}

void
column_gather_num(const struct column *c, double *dst)
{
	for (size_t k = 0; k < c->nchunks; k++)
		memcpy(dst + c->chunks[k].first, c->chunks[k].data, c->chunks[k].n * sizeof(double));
}

void
column_gather_codes(const struct column *c, uint32_t *dst)
{
	for (size_t k = 0; k < c->nchunks; k++)
		memcpy(dst + c->chunks[k].first, c->chunks[k].data, c->chunks[k].n * sizeof(uint32_t));
}

static const struct chunk *
chunk_of(const struct column *c, size_t i)
{
	size_t lo = 0, hi = c->nchunks;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (i < c->chunks[mid].first)
			hi = mid;
		else if (i >= c->chunks[mid].first + c->chunks[mid].n)
			lo = mid + 1;
		else
			return &c->chunks[mid];
	}
	return NULL;
}

double
column_num_at(const struct column *c, size_t i)
{
	const struct chunk *ch = chunk_of(c, i);
	return ch ? ((const double *)ch->data)[i - ch->first] : NAN;
}

const char *
column_str_at(const struct column *c, size_t i)
{
	const struct chunk *ch = chunk_of(c, i);
	if (ch == NULL)
		return NULL;
	uint32_t code = ((const uint32_t *)ch->data)[i - ch->first];
	return code == CODE_NA || code >= c->dict.n ? NULL : strdict_get(&c->dict, code);
}

static const char *const kind_names[] = { "numeric", "categorical", "text" };

const char *
col_kind_name(enum col_kind k)
{
	return (unsigned)k < 3 ? kind_names[k] : "?";
}

int
col_kind_parse(const char *s, enum col_kind *k)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, kind_names[i]) == 0) {
			*k = (enum col_kind)i;
			return 0;
		}
	return -1;
}
