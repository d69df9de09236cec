/*
 * bins.c — the gbdt bin mapper: raw feature values to one byte each.
 *
 * Numeric features follow scikit-learn's _BinMapper: on the training rows
 * given (the caller subsamples to 200,000 as scikit-learn does), a column
 * with at most max_bins distinct non-missing values gets the midpoints
 * between consecutive distinct values as edges; any other gets the
 * "midpoint" percentiles at 100 k / max_bins, k = 1..max_bins-1 (numpy's
 * method='midpoint': the mean of the two order statistics around the
 * fractional rank).  Repeated edges are merged, so a bin is never empty
 * by construction.  Value x lies in bin b when edges[b-1] < x <= edges[b].
 *
 * Categorical features hold integral codes >= 0 (lathe's dictionary
 * codes).  Each code seen in training gets its own bin while there are at
 * most max_bins of them; with more, the max_bins - 1 most frequent (ties:
 * the smaller code) get their own bins and the rest share the last one.
 * Codes never seen in training map to the missing bin, as NaN does.
 */
#include "gbdt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/parfor.h"

/* Sorts v[0..n-1] (no NaN) ascending: quicksort with a median of three,
 * insertion sort below 16, recursion on the smaller side only. */
static void
sort_doubles(double *v, size_t n)
{
	while (n > 16) {
		size_t i = 0, j = n - 1, mid = n / 2;
		double p, t;

		if (v[mid] < v[0]) { t = v[mid]; v[mid] = v[0]; v[0] = t; }
		if (v[n - 1] < v[0]) { t = v[n - 1]; v[n - 1] = v[0]; v[0] = t; }
		if (v[n - 1] < v[mid]) { t = v[n - 1]; v[n - 1] = v[mid]; v[mid] = t; }
		p = v[mid];
		for (;;) {
			while (v[i] < p)
				i++;
			while (p < v[j])
				j--;
			if (i >= j)
				break;
			t = v[i]; v[i] = v[j]; v[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= p <= [j + 1, n) */
		if (j + 1 < n - j - 1) {
			sort_doubles(v, j + 1);
			v += j + 1;
			n -= j + 1;
		} else {
			sort_doubles(v + j + 1, n - j - 1);
			n = j + 1;
		}
	}
	for (size_t a = 1; a < n; a++) {
		double x = v[a];
		size_t b = a;
		while (b > 0 && v[b - 1] > x) {
			v[b] = v[b - 1];
			b--;
		}
		v[b] = x;
	}
}

void
gbdt_feature_clear(struct gbdt_feature *fe)
{
	if (fe == NULL)
		return;
	free(fe->edges);
	free(fe->code_bin);
	memset(fe, 0, sizeof *fe);
}

static int
fit_numeric(struct gbdt_feature *fe, double *v, size_t k, int max_bins)
{
	size_t i, distinct = 0, ne = 0;
	double *e;

	sort_doubles(v, k);
	for (i = 0; i < k; i++)
		distinct += i == 0 || v[i] != v[i - 1];
	e = malloc(GBDT_NBINS * sizeof *e);
	if (e == NULL)
		return -1;
	if (distinct <= (size_t)max_bins) {
		double prev = 0.0;
		int have = 0;
		for (i = 0; i < k; i++) {
			if (have && v[i] == prev)
				continue;
			if (have)
				e[ne++] = prev + (v[i] - prev) * 0.5;
			prev = v[i];
			have = 1;
		}
	} else {
		int q;
		for (q = 1; q < max_bins; q++) {
			/* numpy percentile, method="midpoint" */
			double rank = (double)q / (double)max_bins * (double)(k - 1);
			size_t lo = (size_t)floor(rank), hi = (size_t)ceil(rank);
			double m;
			if (hi >= k)
				hi = k - 1;
			m = (v[lo] + v[hi]) * 0.5;
			if (ne == 0 || m > e[ne - 1])
				e[ne++] = m;
		}
	}
	fe->nbins = (int)ne + 1;
	for (i = ne; i < GBDT_NBINS; i++)
		e[i] = INFINITY;
	fe->edges = e;
	return 0;
}

struct code_count {
	uint32_t code;
	size_t count;
};

static int
cmp_count_desc(const void *a, const void *b)
{
	const struct code_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->code > y->code) - (x->code < y->code);
}

static int
fit_categorical(struct gbdt_feature *fe, const double *v, size_t k, int max_bins)
{
	size_t *count = NULL, i, seen = 0;
	struct code_count *cc = NULL;
	uint32_t maxc = 0, c;
	int rc = -1;

	for (i = 0; i < k; i++)
		if ((uint32_t)v[i] > maxc)
			maxc = (uint32_t)v[i];
	fe->ncodes = k ? maxc + 1 : 0;
	count = calloc((size_t)fe->ncodes + 1, sizeof *count);
	fe->code_bin = malloc((size_t)fe->ncodes + 1);
	if (count == NULL || fe->code_bin == NULL)
		goto out;
	memset(fe->code_bin, GBDT_MISSING, (size_t)fe->ncodes + 1);
	for (i = 0; i < k; i++)
		count[(uint32_t)v[i]]++;
	for (c = 0; c < fe->ncodes; c++)
		seen += count[c] > 0;
	if (seen <= (size_t)max_bins) {
		int b = 0;
		for (c = 0; c < fe->ncodes; c++)
			if (count[c] > 0)
				fe->code_bin[c] = (uint8_t)b++;
		fe->nbins = b > 0 ? b : 1;
	} else {
		size_t j = 0;
		if ((cc = malloc(seen * sizeof *cc)) == NULL)
			goto out;
		for (c = 0; c < fe->ncodes; c++)
			if (count[c] > 0) {
				cc[j].code = c;
				cc[j].count = count[c];
				j++;
			}
		qsort(cc, seen, sizeof *cc, cmp_count_desc);
		for (j = 0; j < seen; j++)
			fe->code_bin[cc[j].code] = (uint8_t)(j < (size_t)max_bins - 1 ?
			    j : (size_t)max_bins - 1);
		fe->nbins = max_bins;
	}
	rc = 0;
out:
	free(count);
	free(cc);
	return rc;
}

int
gbdt_feature_fit(struct gbdt_feature *fe, int kind, const double *X, size_t n,
    size_t d, size_t f, const size_t *rows, size_t m, int max_bins, char *msg,
    size_t msgsz)
{
	double *v;
	size_t i, k = 0, cnt = rows != NULL ? m : n;
	int rc;

	memset(fe, 0, sizeof *fe);
	fe->kind = kind;
	if ((v = malloc((cnt ? cnt : 1) * sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		size_t r = rows != NULL ? rows[i] : i;
		double x = X[r * d + f];
		if (isnan(x)) {
			fe->has_missing = 1;
			continue;
		}
		/* codes index a table: 2^24 is far beyond any dictionary */
		if (kind == GBDT_CATEGORICAL &&
		    (!(x >= 0.0) || x >= 16777216.0 || x != floor(x))) {
			snprintf(msg, msgsz, "categorical feature %zu, row %zu: %g is not "
			    "a category code (an integer 0..16777215)", f, r, x);
			free(v);
			return -2;
		}
		if (kind == GBDT_NUMERIC && isinf(x)) {
			snprintf(msg, msgsz, "feature %zu, row %zu is infinite", f, r);
			free(v);
			return -2;
		}
		v[k++] = x;
	}
	if (kind == GBDT_CATEGORICAL) {
		rc = fit_categorical(fe, v, k, max_bins);
	} else {
		rc = fit_numeric(fe, v, k, max_bins);
	}
	free(v);
	if (rc != 0)
		gbdt_feature_clear(fe);
	return rc;
}

struct bin_job {
	const struct gbdt_feature *fe;
	const double *X;
	size_t d;
	const size_t *rows;
	size_t m;
	uint8_t *out;
};

/* One shard is a block of rows, every feature of it: X is read row by
 * row, once; each output byte is written by exactly one shard. */
static int
bin_block(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	const struct bin_job *j = vctx;
	size_t f, i;

	(void)worker;
	(void)shard;
	for (i = begin; i < end; i++) {
		size_t r = j->rows != NULL ? j->rows[i] : i;
		const double *x = j->X + r * j->d;
		for (f = 0; f < j->d; f++)
			j->out[i * j->d + f] = gbdt_bin_of(&j->fe[f], x[f]);
	}
	return 0;
}

void
gbdt_bin_rows(const struct gbdt_feature *fe, const double *X, size_t n,
    size_t d, const size_t *rows, size_t m, uint8_t *out, int threads)
{
	struct bin_job j = { fe, X, d, rows, rows != NULL ? m : n, out };

	parfor_run(j.m, 16384, threads, bin_block, &j);
}
