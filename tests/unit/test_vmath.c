/*
 * test_vmath.c — the vectorised logistic loss (linalg/vmath.h): its exp
 * and log1p within a few units in the last place of the C library's over
 * their whole ranges, including the underflow and subnormal ends; the
 * residuals and the loss sum against long double arithmetic for every
 * array length around the vector width, in place, and for extreme margins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/rng.h"
#include "linalg/vmath.h"

/* Distance in units in the last place of want (0 when equal). */
static double
ulps(double got, double want)
{
	double u;

	if (got == want)
		return 0.0;
	u = nextafter(fabs(want), INFINITY) - fabs(want);
	return fabs(got - want) / u;
}

static void
test_exp_neg(void **state)
{
	static const double special[] = { 0.0, -0.0, 1e-320, -1e-310, 1e-17, -700.0,
		-708.39, -708.4, -709.0, -740.0, -745.0, -745.13, -745.2, -746.0, -1e300,
		-INFINITY, INFINITY };
	const size_t n = 200001, ns = sizeof special / sizeof special[0];
	double *x = malloc(n * sizeof *x), *o = malloc(n * sizeof *o), worst = 0.0;
	struct rng r;
	size_t i;

	assert_true(x && o);
	rng_init(&r, 1);
	for (i = 0; i < n; i++)     /* both signs: exp(-|x|) */
		x[i] = (rng_uniform(&r) - 0.5) * (i % 3 == 0 ? 1500.0 : i % 3 == 1 ? 4.0 : 1e-6);
	vmath_exp_neg(x, n, o);
	for (i = 0; i < n; i++) {
		double want = exp(-fabs(x[i]));
		if (want >= DBL_MIN)
			worst = fmax(worst, ulps(o[i], want));
		else if (!(fabs(o[i] - want) <= 2.0 * 0x1p-1074 + 1e-16 * want))
			fail_msg("exp(-|%.17g|) = %.17g, libm %.17g", x[i], o[i], want);
	}
	if (worst > 2.0)
		fail_msg("exp: %.2f ulp from libm", worst);
	vmath_exp_neg(special, ns, o);
	for (i = 0; i < ns; i++) {
		double want = exp(-fabs(special[i]));
		if (!(fabs(o[i] - want) <= 2.0 * 0x1p-1074 + 4.0 * DBL_EPSILON * want))
			fail_msg("exp(-|%.17g|) = %.17g, libm %.17g", special[i], o[i], want);
	}
	o[0] = 0.0;
	vmath_exp_neg(&(double){ NAN }, 1, o);
	assert_true(isnan(o[0]));
	free(x);
	free(o);
}

static void
test_log1p(void **state)
{
	const size_t n = 200003;
	double *x = malloc(n * sizeof *x), *o = malloc(n * sizeof *o), worst = 0.0;
	struct rng r;
	size_t i;

	assert_true(x && o);
	rng_init(&r, 2);
	for (i = 0; i < n; i++) {
		double u = rng_uniform(&r);
		x[i] = i % 4 == 0 ? u * 1e-12 : i % 4 == 1 ? ldexp(u, -(int)(i % 1070)) : u;
	}
	x[0] = 0.0;
	x[1] = 1.0;
	x[2] = 0.41421356237309503;
	x[3] = nextafter(0.41421356237309503, 1.0);
	x[4] = 0x1p-1074;
	vmath_log1p(x, n, o);
	for (i = 0; i < n; i++)
		worst = fmax(worst, ulps(o[i], log1p(x[i])));
	if (worst > 3.0)
		fail_msg("log1p: %.2f ulp from libm", worst);
	free(x);
	free(o);
}

/* Residuals and loss sum against long double, every length 0..40 and a
 * long one, in place and not; margins from tiny to overflowing exp. */
static void
test_logistic(void **state)
{
	static const double extreme[] = { 0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 709.0,
		-709.0, 800.0, -800.0, 1e300, -1e300 };
	struct rng r;
	size_t n, i;

	rng_init(&r, 3);
	for (n = 0; n <= 1041; n += n < 40 ? 1 : 1001) {
		double *z = malloc((n + 1) * sizeof *z), *rr = malloc((n + 1) * sizeof *rr);
		double *zc = malloc((n + 1) * sizeof *zc), loss, loss2, scale = 0.0;
		int *y = malloc((n + 1) * sizeof *y);
		long double want = 0.0L;

		assert_true(z && rr && zc && y);
		for (i = 0; i < n; i++) {
			z[i] = i < sizeof extreme / sizeof extreme[0] && n > 20 ? extreme[i] :
			    (rng_uniform(&r) - 0.5) * 40.0;
			y[i] = (int)rng_below(&r, 2);
		}
		loss = vmath_logistic(z, y, n, rr);
		for (i = 0; i < n; i++) {
			long double zl = z[i], sp, p;

			sp = zl > 0 ? zl + log1pl(expl(-zl)) : log1pl(expl(zl));
			p = zl >= 0 ? 1.0L / (1.0L + expl(-zl)) : expl(zl) / (1.0L + expl(zl));
			want += sp - (long double)y[i] * zl;
			scale += fabs((double)sp) + fabs(y[i] * z[i]);
			if (!(fabsl((long double)rr[i] - (p - y[i])) <= 4.0L * DBL_EPSILON))
				fail_msg("n %zu: r[%zu] = %.17g for z %.17g y %d, want %.17Lg", n, i,
				    rr[i], z[i], y[i], p - y[i]);
		}
		if (!(fabsl((long double)loss - want) <= 8.0L * DBL_EPSILON * (scale + 1.0)))
			fail_msg("n %zu: loss %.17g, want %.17Lg", n, loss, want);
		/* in place gives the same, and so does a second call: the same
		 * code on the same values, bit for bit */
		memcpy(zc, z, n * sizeof *z);
		loss2 = vmath_logistic(zc, y, n, zc);
		assert_memory_equal(&loss2, &loss, sizeof loss);
		if (n > 0)
			assert_memory_equal(zc, rr, n * sizeof *zc);
		free(z);
		free(rr);
		free(zc);
		free(y);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exp_neg),
		cmocka_unit_test(test_log1p),
		cmocka_unit_test(test_logistic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
