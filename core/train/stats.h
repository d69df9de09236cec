/*
 * stats.h — the significance tests `lathe compare` reports (compare.h).
 *
 *  - McNemar's exact test: two classifiers scored on the same rows; only
 *    the discordant rows count (b: A right and B wrong, c: A wrong and B
 *    right).  Under "equally accurate" b ~ Binomial(b + c, 1/2); the
 *    two-sided p is min(1, 2 P(X <= min(b, c))).
 *  - The corrected resampled t-test (Nadeau & Bengio 2003): J paired
 *    differences d_j of a metric over the same J train/test splits (CV
 *    folds x repeats); t = mean(d) / sqrt((1/J + n_test/n_train) s^2),
 *    s^2 the sample variance, two-sided p from Student's t with J - 1
 *    degrees of freedom.  The correction widens the variance because the
 *    folds' training sets overlap, which the plain paired t-test ignores.
 *  - A paired bootstrap interval of metric(A) - metric(B) for a regression
 *    metric (rmse, mae) over the same rows: R resamples of the row indexes
 *    (with replacement, the same indexes for both runs), percentile
 *    interval with linear interpolation (numpy's default percentile).
 *
 * The resampling generator is splitmix64 (seed given), index =
 * next() % n, so a test script can replay the same resamples.
 * Nothing here allocates except the bootstrap (R doubles).
 */
#ifndef LATHE_STATS_H
#define LATHE_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Two-sided exact McNemar p-value for b and c discordant rows (1 when
 * b + c = 0). */
double	stats_mcnemar_exact(uint64_t b, uint64_t c);

/* The regularized incomplete beta function I_x(a, b), a, b > 0, x in
 * [0, 1]; NaN outside. */
double	stats_betainc(double a, double b, double x);

/* Student's t CDF P(T <= t) with df > 0 degrees of freedom. */
double	stats_t_cdf(double t, double df);

/* The corrected resampled t-test on d[0..J-1] (A - B per split) with
 * n_test / n_train = ratio.  *t and *p (two-sided).  When every d_j is the
 * same (to 1e-12 of their mean), t is 0 (p 1) for all zeros and +-inf (p 0) otherwise.  0, or -1
 * when J < 2 or ratio < 0. */
int	stats_corrected_ttest(const double *d, size_t J, double ratio, double *t, double *p);

enum stats_metric { STATS_RMSE, STATS_MAE };

/* metric(A) - metric(B) on rows 0..n-1 from the per-row errors ea, eb
 * (prediction - truth), and its bootstrap percentile interval at `level`
 * (0.95) over R resamples seeded by seed.  0, or -1 with *err (n = 0,
 * R < 2, out of memory; caller frees). */
int	stats_bootstrap_diff(const double *ea, const double *eb, size_t n, enum stats_metric m,
	    unsigned R, double level, uint64_t seed, double *diff, double *lo, double *hi,
	    char **err);

/* splitmix64: the resampling generator, for tests. */
uint64_t stats_splitmix64(uint64_t *state);

#endif
