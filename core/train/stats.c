/*
 * stats.c — significance tests for comparing runs (see stats.h for the
 * definitions).  The incomplete beta function is the continued fraction
 * of Numerical Recipes (modified Lentz), evaluated on whichever side of
 * the mean converges, to about 1e-15 relative; Student's t CDF is
 * 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0.
 */
#include "stats.h"
#include "base/util.h"

#include <math.h>
#include <stdlib.h>

double
stats_mcnemar_exact(uint64_t b, uint64_t c)
{
	uint64_t n = b + c, k = b < c ? b : c;
	if (n == 0)
		return 1.0;
	/* P(X <= k), X ~ Binomial(n, 1/2), summed in log space */
	double ln2n = (double)n * log(2.0), lgn = lgamma((double)n + 1.0), s = 0.0;
	for (uint64_t i = 0; i <= k; i++)
		s += exp(lgn - lgamma((double)i + 1.0) - lgamma((double)(n - i) + 1.0) - ln2n);
	double p = 2.0 * s;
	return p > 1.0 ? 1.0 : p;
}

/* The continued fraction for I_x(a, b) (converges for x < (a+1)/(a+b+2)). */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap;
	if (fabs(d) < tiny)
		d = tiny;
	d = 1.0 / d;
	double h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m;
		double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1.0 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1.0 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1.0) < 1e-16)
			break;
	}
	return h;
}

double
stats_betainc(double a, double b, double x)
{
	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1.0) / (a + b + 2.0))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1.0 - exp(lbt) * betacf(b, a, 1.0 - x) / b;
}

double
stats_t_cdf(double t, double df)
{
	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1.0 : 0.0;
	double tail = 0.5 * stats_betainc(df / 2.0, 0.5, df / (df + t * t));
	return t >= 0 ? 1.0 - tail : tail;
}

int
stats_corrected_ttest(const double *d, size_t J, double ratio, double *t, double *p)
{
	if (J < 2 || !(ratio >= 0))
		return -1;
	double mean = 0.0, ss = 0.0;
	for (size_t j = 0; j < J; j++)
		mean += d[j];
	mean /= (double)J;
	for (size_t j = 0; j < J; j++)
		ss += (d[j] - mean) * (d[j] - mean);
	double var = ss / (double)(J - 1);
	/* equal differences, up to the rounding of their mean */
	if (var == 0.0 || sqrt(var) <= 1e-12 * fabs(mean)) {
		*t = mean == 0.0 ? 0.0 : mean > 0 ? INFINITY : -INFINITY;
		*p = mean == 0.0 ? 1.0 : 0.0;
		return 0;
	}
	*t = mean / sqrt((1.0 / (double)J + ratio) * var);
	*p = 2.0 * stats_t_cdf(-fabs(*t), (double)(J - 1));
	if (*p > 1.0)
		*p = 1.0;
	return 0;
}

uint64_t
stats_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
metric_of(const double *e, const size_t *idx, size_t n, enum stats_metric m)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++) {
		double v = e[idx ? idx[i] : i];
		s += m == STATS_RMSE ? v * v : fabs(v);
	}
	s /= (double)n;
	return m == STATS_RMSE ? sqrt(s) : s;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy's default ("linear") percentile of sorted v[0..n-1], q in [0, 1]. */
static double
percentile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo + 1 >= n)
		return v[n - 1];
	double f = pos - (double)lo;
	return v[lo] + f * (v[lo + 1] - v[lo]);
}

int
stats_bootstrap_diff(const double *ea, const double *eb, size_t n, enum stats_metric m,
    unsigned R, double level, uint64_t seed, double *diff, double *lo, double *hi, char **err)
{
	double *reps = NULL;
	size_t *idx = NULL;
	int rc = -1;

	if (n == 0 || R < 2 || !(level > 0 && level < 1))
		return err_set(err, "bootstrap needs rows, at least 2 resamples and a level in (0, 1)");
	reps = malloc(R * sizeof *reps);
	idx = malloc(n * sizeof *idx);
	if (reps == NULL || idx == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	uint64_t st = seed;
	for (unsigned r = 0; r < R; r++) {
		for (size_t i = 0; i < n; i++)
			idx[i] = (size_t)(stats_splitmix64(&st) % n);
		reps[r] = metric_of(ea, idx, n, m) - metric_of(eb, idx, n, m);
	}
	qsort(reps, R, sizeof *reps, cmp_double);
	*diff = metric_of(ea, NULL, n, m) - metric_of(eb, NULL, n, m);
	*lo = percentile(reps, R, (1.0 - level) / 2.0);
	*hi = percentile(reps, R, 1.0 - (1.0 - level) / 2.0);
	rc = 0;
out:
	free(reps);
	free(idx);
	return rc;
}
