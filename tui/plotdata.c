/*
 * plotdata.c — see plotdata.h.
 */
#include "plotdata.h"

#include <math.h>
#include <stdlib.h>

size_t
hist_bins(const double *x, size_t n, double lo, double hi, size_t nbins, size_t *counts)
{
	size_t total = 0;
	for (size_t b = 0; b < nbins; b++)
		counts[b] = 0;
	if (nbins == 0 || !(hi >= lo))
		return 0;
	double w = (hi - lo) / (double)nbins;
	for (size_t i = 0; i < n; i++) {
		double v = x[i];
		if (isnan(v) || v < lo || v > hi)
			continue;
		size_t b = w > 0 ? (size_t)((v - lo) / w) : 0;
		if (b >= nbins)
			b = nbins - 1;
		counts[b]++;
		total++;
	}
	return total;
}

struct scored {
	double	s;
	int	pos;
};

static int
by_score_desc(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;
	return (x < y) - (x > y);
}

int
roc_points(const int *y, const double *score, size_t n, double **fpr, double **tpr, size_t *np)
{
	struct scored *v = malloc((n ? n : 1) * sizeof *v);
	size_t npos = 0, nneg = 0, k = 0;

	*fpr = *tpr = NULL;
	*np = 0;
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		v[i].s = score[i];
		v[i].pos = y[i] != 0;
		npos += v[i].pos;
	}
	nneg = n - npos;
	if (npos == 0 || nneg == 0) {
		free(v);
		return -1;
	}
	qsort(v, n, sizeof *v, by_score_desc);
	*fpr = malloc((n + 2) * sizeof **fpr);
	*tpr = malloc((n + 2) * sizeof **tpr);
	if (*fpr == NULL || *tpr == NULL) {
		free(*fpr);
		free(*tpr);
		*fpr = *tpr = NULL;
		free(v);
		return -1;
	}
	(*fpr)[k] = 0;
	(*tpr)[k] = 0;
	k++;
	size_t tp = 0, fp = 0;
	for (size_t i = 0; i < n; i++) {
		tp += v[i].pos;
		fp += !v[i].pos;
		if (i + 1 < n && v[i + 1].s == v[i].s)
			continue;	/* a tie: one threshold */
		(*fpr)[k] = (double)fp / (double)nneg;
		(*tpr)[k] = (double)tp / (double)npos;
		k++;
	}
	free(v);
	*np = k;
	return 0;
}

double
roc_area(const double *fpr, const double *tpr, size_t np)
{
	double a = 0;
	for (size_t i = 1; i < np; i++)
		a += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2;
	return a;
}
