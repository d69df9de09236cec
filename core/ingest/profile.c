/*
 * profile.c — column statistics and hashes; see profile.h.
 *
 * Numeric statistics come from one sorted copy of the non-missing values:
 * quartiles, min, max, distinct count and the most frequent values all
 * fall out of a single scan.  The sort is an LSD radix sort (11-bit
 * digits, digits that are the same in every key skipped), several times
 * faster than qsort on a million values: over the values as scaled
 * integers when they are short decimals (sort_decimal), else over the
 * doubles' bit patterns.
 */
#include "profile.h"
#include "base/numparse.h"
#include "base/util.h"

#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LABEL_MAX_DISTINCT	20
#define LABEL_MAX_CANDIDATES	3
#define CAT_MAX_DISTINCT	1000
#define CAT_SMALL		20
#define CAT_MAX_AVGLEN		64

static inline uint64_t
key_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return (u & 0x8000000000000000ull) ? ~u : u ^ 0x8000000000000000ull;
}

static inline double
double_of(uint64_t k)
{
	uint64_t u = (k & 0x8000000000000000ull) ? k ^ 0x8000000000000000ull : ~k;
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

enum { RBITS = 11, RNB = 1 << RBITS, RPASSES = 6 };

/* LSD radix sort of n keys in src, using dst as scratch; hist holds the
 * digit counts, filled by the caller while it made the keys.  Digits that
 * are the same in every key are skipped.  Returns the sorted buffer. */
static uint64_t *
radix_u64(uint64_t *src, uint64_t *dst, size_t n, size_t (*hist)[RNB])
{
	for (int p = 0; p < RPASSES; p++) {
		size_t *h = hist[p];
		int trivial = 0;
		for (size_t b = 0; b < RNB; b++)
			if (h[b] == n)
				trivial = 1;
		if (trivial)
			continue;
		size_t sum = 0;
		for (size_t b = 0; b < RNB; b++) {
			size_t c = h[b];
			h[b] = sum;
			sum += c;
		}
		int sh = p * RBITS;
		for (size_t i = 0; i < n; i++) {
			uint64_t k = src[i];
			dst[h[(k >> sh) & (RNB - 1)]++] = k;
		}
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	return src;
}

static inline void
count_digits(size_t (*hist)[RNB], uint64_t k)
{
	for (int p = 0; p < RPASSES; p++)
		hist[p][(k >> (p * RBITS)) & (RNB - 1)]++;
}

#define DEC_MAXEXP	15
#define DEC_LIMIT	2251799813685248.0	/* 2^51 */

/* The smallest exponent >= from at which x is a scaled integer, or -1. */
static int
dec_exp(double x, int from)
{
	for (int e = from; e <= DEC_MAXEXP; e++) {
		double r = num_scaled(x, num_pow10[e], DEC_LIMIT);
		if (r == r)
			return e;
		if (!(fabs(x * num_pow10[e]) < DEC_LIMIT))
			return -1;
	}
	return -1;
}

/*
 * Values read from text are nearly always short decimals: x = m / 10^e
 * exactly as the importer computed it, for one e across the column.  The
 * integers m order as the values do (division by 10^e is monotonic and
 * m is unique to x) and span far fewer bits than the doubles' patterns,
 * so the radix sort of m - min(m) skips most of its digits: a column of
 * values 0.5 .. 35 with 6 significant digits sorts in 2 passes, not 6.
 * Returns 0 when the column is not such (then nothing has changed).
 */
static int
sort_decimal(double *a, double *tmp, size_t n, size_t (*hist)[RNB])
{
	size_t step = n / 64;
	int e = 0;

	for (size_t i = 0; i < n; i += step) {	/* the exponent a sample needs */
		int ei = dec_exp(a[i], e);
		if (ei < 0)
			return 0;
		e = ei;
	}
	int64_t *m = (int64_t *)tmp, lo = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		double p = num_pow10[e];
		int need = e;
		lo = INT64_MAX;
		for (size_t i = 0; i < n; i++) {
			double r = num_scaled(a[i], p, DEC_LIMIT);
			if (r != r) {		/* needs more digits than the sample */
				int ei = dec_exp(a[i], e + 1);
				if (ei < 0)
					return 0;
				if (ei > need)
					need = ei;
				continue;
			}
			m[i] = (int64_t)r;
			if (m[i] < lo)
				lo = m[i];
		}
		if (need == e)
			break;
		if (attempt == 1)
			return 0;
		e = need;		/* every value fits a larger exponent too */
	}
	uint64_t *k = (uint64_t *)tmp;
	memset(hist, 0, RPASSES * sizeof *hist);
	for (size_t i = 0; i < n; i++) {
		k[i] = (uint64_t)m[i] - (uint64_t)lo;
		count_digits(hist, k[i]);
	}
	uint64_t *sorted = radix_u64(k, (uint64_t *)a, n, hist);
	double p = num_pow10[e];
	for (size_t i = 0; i < n; i++)
		a[i] = (double)(int64_t)(sorted[i] + (uint64_t)lo) / p;
	return 1;
}

void
sort_doubles(double *a, double *tmp, size_t n)
{
	if (n < 512) {
		qsort(a, n, sizeof *a, cmp_double);
		return;
	}
	size_t (*hist)[RNB] = calloc(RPASSES, sizeof *hist);
	if (hist == NULL) {
		qsort(a, n, sizeof *a, cmp_double);
		return;
	}
	if (sort_decimal(a, tmp, n, hist)) {
		free(hist);
		return;
	}
	uint64_t *src = (uint64_t *)a;
	memset(hist, 0, RPASSES * sizeof *hist);
	for (size_t i = 0; i < n; i++) {
		src[i] = key_of(a[i]);
		count_digits(hist, src[i]);
	}
	src = radix_u64(src, (uint64_t *)tmp, n, hist);
	free(hist);
	/* src is a or tmp depending on how many passes ran; element-wise
	 * conversion is safe in place */
	for (size_t i = 0; i < n; i++)
		a[i] = double_of(src[i]);
}

double
quantile_sorted(const double *a, size_t n, double q)
{
	if (n == 1)
		return a[0];
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return a[n - 1];
	double t = pos - (double)lo, x = a[lo], y = a[lo + 1];
	double d = y - x;
	/* numpy's _lerp: symmetric formula for accuracy near either end */
	return t >= 0.5 ? y - d * (1 - t) : x + d * t;
}

/* Insert (value or code, count) into a top list sorted by count desc,
 * ties by order of arrival (which is ascending value / first appearance). */
static void
top_offer(struct col_stats *st, double value, size_t count, uint32_t code)
{
	int n = st->ntop;
	if (n == TOP_MAX && st->top[n - 1].count >= count)
		return;
	int i = n < TOP_MAX ? n : TOP_MAX - 1;
	while (i > 0 && st->top[i - 1].count < count) {
		if (i < TOP_MAX)
			st->top[i] = st->top[i - 1];
		i--;
	}
	st->top[i].value = value;
	st->top[i].count = count;
	st->top[i].label = (char *)(uintptr_t)code;	/* resolved later */
	if (n < TOP_MAX)
		st->ntop++;
}

/*
 * v and tmp are the calling thread's scratch arrays of nrows doubles,
 * reused from column to column: a fresh 8 MB pair per column would cost
 * more in page faults than the statistics themselves.
 */
static int
profile_numeric(struct column *c, size_t nrows, double *v, double *tmp)
{
	struct col_stats *st = &c->st;
	double acc[4] = { 0, 0, 0, 0 };
	size_t n = 0;

	/* gather the non-missing values, summing in four independent lanes
	 * (error ~ n*eps relative, far below what is displayed or stored) */
	for (size_t k = 0; k < c->nchunks; k++) {
		const double *d = c->chunks[k].data;
		for (size_t i = 0; i < c->chunks[k].n; i++) {
			double x = d[i];
			if (x == x) {
				acc[n & 3] += x;
				v[n++] = x;
			}
		}
	}
	st->count = n;
	st->missing = nrows - n;
	st->mean = st->std = st->min = st->q25 = st->median = st->q75 = st->max = NAN;
	st->is_integer = n > 0;
	st->ntop = 0;
	st->pos_inf = st->neg_inf = 0;
	double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
	if (!isfinite(sum)) {
		/* infinities (or a sum that overflowed): counted apart, and the
		 * statistics are of the finite values, never "nan" because of them.
		 * Only here, so ordinary columns pay nothing for it. */
		size_t m = 0;
		memset(acc, 0, sizeof acc);
		for (size_t i = 0; i < n; i++) {
			double x = v[i];
			if (isinf(x)) {
				*(x > 0 ? &st->pos_inf : &st->neg_inf) += 1;
				continue;
			}
			acc[m & 3] += x;
			v[m++] = x;
		}
		n = m;
		sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
		st->is_integer = 0;	/* not every value is an integer */
	}
	size_t ninf = st->pos_inf + st->neg_inf;
	if (n == 0) {
		st->distinct = (st->pos_inf > 0) + (st->neg_inf > 0);
		return 0;
	}
	st->mean = sum / (double)n;
	if (n > 1) {
		double ss[4] = { 0, 0, 0, 0 };
		for (size_t i = 0; i < n; i++) {
			double d = v[i] - st->mean;
			ss[i & 3] += d * d;
		}
		st->std = sqrt(((ss[0] + ss[1]) + (ss[2] + ss[3])) / (double)(n - 1));
	}
	sort_doubles(v, tmp, n);
	st->min = v[0];
	st->max = v[n - 1];
	st->q25 = quantile_sorted(v, n, 0.25);
	st->median = quantile_sorted(v, n, 0.5);
	st->q75 = quantile_sorted(v, n, 0.75);
	if (!isfinite(st->min) || !isfinite(st->max) || fabs(st->min) >= 0x1p53 ||
	    fabs(st->max) >= 0x1p53)
		st->is_integer = 0;
	size_t distinct = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j] == v[i])
			j++;
		distinct++;
		if (st->is_integer && v[i] != (double)(int64_t)v[i])
			st->is_integer = 0;
		top_offer(st, v[i], j - i, 0);
		i = j;
	}
	/* +inf and -inf are values too, though not in top (they have counts) */
	st->distinct = distinct + (st->pos_inf > 0) + (st->neg_inf > 0);
	for (int k = 0; k < st->ntop; k++) {
		char buf[32];
		st->top[k].label = str_dup(fmt_double(buf, st->top[k].value));
		if (st->top[k].label == NULL) {
			st->ntop = k;
			return -1;
		}
	}
	/* a candidate; profile_labels decides across the table */
	st->likely_label = st->is_integer && ninf == 0 && distinct >= 2 &&
	    distinct <= LABEL_MAX_DISTINCT && n >= 5 * distinct;
	return 0;
}

static int
profile_strings(struct column *c, size_t nrows)
{
	struct col_stats *st = &c->st;
	size_t *cnt = calloc(c->dict.n ? c->dict.n : 1, sizeof *cnt);
	size_t missing = 0;

	if (cnt == NULL)
		return -1;
	for (size_t k = 0; k < c->nchunks; k++) {
		const uint32_t *d = c->chunks[k].data;
		for (size_t i = 0; i < c->chunks[k].n; i++) {
			if (d[i] == CODE_NA)
				missing++;
			else
				cnt[d[i]]++;
		}
	}
	st->count = nrows - missing;
	st->missing = missing;
	st->mean = st->std = st->min = st->q25 = st->median = st->q75 = st->max = NAN;
	st->is_integer = st->likely_label = 0;
	st->ntop = 0;
	st->pos_inf = st->neg_inf = 0;
	size_t distinct = 0;
	for (uint32_t code = 0; code < c->dict.n; code++) {
		if (cnt[code] == 0)
			continue;
		distinct++;
		top_offer(st, NAN, cnt[code], code);
	}
	free(cnt);
	st->distinct = distinct;
	for (int k = 0; k < st->ntop; k++) {
		uint32_t code = (uint32_t)(uintptr_t)st->top[k].label;
		st->top[k].label = str_dup(strdict_get(&c->dict, code));
		if (st->top[k].label == NULL) {
			st->ntop = k;
			return -1;
		}
	}
	size_t bytes = c->dict.pool_len - c->dict.n;	/* without the NULs */
	int short_values = distinct == 0 || bytes / distinct <= CAT_MAX_AVGLEN;
	c->kind = distinct <= CAT_MAX_DISTINCT && short_values &&
	    (distinct <= CAT_SMALL || 2 * distinct <= st->count) ? COL_CATEGORICAL : COL_TEXT;
	return 0;
}

static int
hash_column(struct column *c, size_t nrows, int isnum)
{
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	uint64_t n = nrows;
	const char *kind = col_kind_name(isnum ? COL_NUMERIC : COL_CATEGORICAL);

	/* categorical and text hash alike: the profiler's choice between them
	 * is a presentation of the same content */
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		return -1;
	}
	EVP_DigestUpdate(h, c->name, strlen(c->name) + 1);
	EVP_DigestUpdate(h, kind, strlen(kind) + 1);
	EVP_DigestUpdate(h, &n, sizeof n);
	if (!isnum && c->dict.pool_len)
		EVP_DigestUpdate(h, c->dict.pool, c->dict.pool_len);
	size_t esz = isnum ? sizeof(double) : sizeof(uint32_t);
	for (size_t k = 0; k < c->nchunks; k++)
		EVP_DigestUpdate(h, c->chunks[k].data, c->chunks[k].n * esz);
	EVP_DigestFinal_ex(h, c->hash, NULL);
	EVP_MD_CTX_free(h);
	return 0;
}

struct job {
	struct table	*t;
	atomic_size_t	 next;
	atomic_int	 failed;
	int		 hash;	/* also hash each column */
};

static void *
profile_worker(void *arg)
{
	struct job *jb = arg;
	size_t rows = jb->t->nrows ? jb->t->nrows : 1;
	double *v = malloc(rows * sizeof *v), *tmp = malloc(rows * sizeof *tmp);
	if (v == NULL || tmp == NULL) {
		free(v);
		free(tmp);
		atomic_store(&jb->failed, 1);
		return NULL;
	}
	for (;;) {
		size_t j = atomic_fetch_add(&jb->next, 1);
		if (j >= jb->t->ncols)
			break;
		struct column *c = &jb->t->cols[j];
		/* profiling again replaces the old figures */
		for (int k = 0; k < c->st.ntop; k++)
			free(c->st.top[k].label);
		c->st.ntop = 0;
		int rc = c->kind == COL_NUMERIC ? profile_numeric(c, jb->t->nrows, v, tmp)
		    : profile_strings(c, jb->t->nrows);
		if (rc != 0 || (jb->hash && hash_column(c, jb->t->nrows,
		    c->kind == COL_NUMERIC) != 0))
			atomic_store(&jb->failed, 1);
	}
	free(v);
	free(tmp);
	return NULL;
}

/* A column named as targets usually are (case-insensitive): the whole
 * name, or a "_label" / "_target" / "_class" suffix. */
static int
target_like(const char *name)
{
	static const char *const words[] = { "target", "label", "labels", "class", "classes",
		"y", "outcome", "species", "survived", "churn", "diagnosis", "cls" };
	static const char *const suffixes[] = { "_label", "_target", "_class" };
	size_t n = strlen(name);
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcasecmp(name, words[i]) == 0)
			return 1;
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * From the candidates profile_numeric marked (integer columns with few
 * distinct values), the likely class labels of the table, as a person
 * would pick them: a table has one target, maybe two.
 *   1. columns named like a target that could be one (a candidate, a
 *      string column, or the last column: "species" being categorical,
 *      the small integer "year" beside it is no label): the candidates
 *      among them, and no others;
 *   2. else the last column, when it is a candidate;
 *   3. else every candidate, if there are at most LABEL_MAX_CANDIDATES
 *      of them — dozens of small-integer columns (pixel intensities 0-16,
 *      survey answers) are features, not labels.
 */
static void
profile_labels(struct table *t)
{
	size_t named = 0, ncand = 0;
	for (size_t j = 0; j < t->ncols; j++) {
		const struct column *c = &t->cols[j];
		/* a name counts where such a column could be the target: a
		 * candidate, strings, or the last column (a feature "y" beside
		 * "x" is not one) */
		named += target_like(c->name) && (c->st.likely_label || c->kind != COL_NUMERIC ||
		    j == t->ncols - 1);
		ncand += c->st.likely_label != 0;
	}
	int last_cand = t->ncols > 0 && t->cols[t->ncols - 1].st.likely_label;
	for (size_t j = 0; j < t->ncols; j++) {
		struct col_stats *st = &t->cols[j].st;
		if (!st->likely_label)
			continue;
		if (named)
			st->likely_label = target_like(t->cols[j].name);
		else if (last_cand)
			st->likely_label = j == t->ncols - 1;
		else
			st->likely_label = ncand <= LABEL_MAX_CANDIDATES;
	}
}

static int
profile_run(struct table *t, int threads, int hash, char **err)
{
	struct job jb;
	pthread_t tid[16];
	int started = 0;

	jb.t = t;
	jb.hash = hash;
	atomic_init(&jb.next, 0);
	atomic_init(&jb.failed, 0);
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 1 ? 1 : (int)n;
	}
	if (threads > 16)
		threads = 16;
	if ((size_t)threads > t->ncols)
		threads = (int)t->ncols;
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid[started], NULL, profile_worker, &jb) == 0)
			started++;
	profile_worker(&jb);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (atomic_load(&jb.failed))
		return err_set(err, "out of memory while profiling columns");
	profile_labels(t);
	return 0;
}

int
profile_table(struct table *t, int threads, char **err)
{
	return profile_run(t, threads, 1, err);
}

int
profile_stats(struct table *t, int threads, char **err)
{
	return profile_run(t, threads, 0, err);
}

int
profile_hashes(struct table *t, const unsigned char *isnum)
{
	for (size_t j = 0; j < t->ncols; j++)
		if (hash_column(&t->cols[j], t->nrows, isnum[j]) != 0)
			return -1;
	return 0;
}

void
profile_table_hash(const struct table *t, char out[65])
{
	unsigned char d[32];
	uint64_t dims[2] = { t->nrows, t->ncols };
	EVP_MD_CTX *h = EVP_MD_CTX_new();

	memset(d, 0, sizeof d);
	if (h && EVP_DigestInit_ex(h, EVP_sha256(), NULL) == 1) {
		EVP_DigestUpdate(h, "lathe-dataset-1", 16);
		EVP_DigestUpdate(h, dims, sizeof dims);
		for (size_t j = 0; j < t->ncols; j++)
			EVP_DigestUpdate(h, t->cols[j].hash, 32);
		EVP_DigestFinal_ex(h, d, NULL);
	}
	EVP_MD_CTX_free(h);
	hex_digest(d, out);
}
