/*
 * plotdata.h — the numbers behind the workbench's plots and panels:
 * histogram bins of a numeric column, and ROC curve points from scores.
 * Pure, unit-tested (the ROC area from these points equals
 * metrics_roc_auc_binary).
 */
#ifndef LATHE_TUI_PLOTDATA_H
#define LATHE_TUI_PLOTDATA_H

#include <stddef.h>

/* Count the non-missing values of x[0..n) into nbins equal bins over
 * [lo, hi] (the last bin includes hi; values outside are ignored).
 * counts has nbins entries.  Returns the number of values counted. */
size_t	hist_bins(const double *x, size_t n, double lo, double hi, size_t nbins, size_t *counts);

/* ROC curve of scores for positives (y[i] != 0) against the rest: one
 * point per distinct threshold, from (0, 0) to (1, 1), ties as one
 * threshold.  *fpr and *tpr are malloc'd (caller frees), *np points.
 * 0, or -1 (out of memory, or no positives or no negatives). */
int	roc_points(const int *y, const double *score, size_t n, double **fpr, double **tpr,
	    size_t *np);
/* Trapezoidal area under the points. */
double	roc_area(const double *fpr, const double *tpr, size_t np);

#endif
