/*
 * test_stats.c — the significance tests of `lathe compare` (core/train/stats.c)
 * against tests/fixtures/compare.json, written by tests/fixtures/gen_compare.py with
 * numpy and exact integer arithmetic (no scipy; the script says how each reference is
 * computed independently).  Tolerances: McNemar 1e-12 relative (exact sums against a
 * log-space sum); the incomplete beta and t CDF 1e-9 absolute (references by
 * Simpson's rule, whose error at 2e6 intervals is below 1e-11); the t-test's t 1e-12
 * relative and p 1e-9 absolute; the bootstrap 1e-12 (the same resamples, different
 * arithmetic order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "train/stats.h"

#define FIXTURE "tests/fixtures/compare.json"

static json_t *fx;

static int
load_fixture(void **state)
{
	(void)state;
	json_error_t je;
	fx = json_load_file(FIXTURE, 0, &je);
	if (fx == NULL)
		print_error("%s: %s (run from the top of the tree)\n", FIXTURE, je.text);
	return fx ? 0 : -1;
}

static int
free_fixture(void **state)
{
	(void)state;
	json_decref(fx);
	return 0;
}

static double
num(const json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void
close_to(double got, double want, double atol, double rtol, const char *what, size_t i)
{
	double tol = atol + rtol * fabs(want);
	if (!(fabs(got - want) <= tol))
		fail_msg("%s case %zu: got %.17g, want %.17g (tol %.3g)", what, i, got, want, tol);
}

static void
test_mcnemar(void **state)
{
	(void)state;
	json_t *a = json_object_get(fx, "mcnemar"), *c;
	size_t i;
	assert_true(json_array_size(a) >= 10);
	json_array_foreach(a, i, c) {
		uint64_t b = (uint64_t)num(c, "b"), cc = (uint64_t)num(c, "c");
		close_to(stats_mcnemar_exact(b, cc), num(c, "p"), 0, 1e-12, "mcnemar", i);
		/* symmetric in b and c */
		close_to(stats_mcnemar_exact(cc, b), num(c, "p"), 0, 1e-12, "mcnemar swapped", i);
	}
}

static void
test_betainc(void **state)
{
	(void)state;
	json_t *a = json_object_get(fx, "betainc"), *c;
	size_t i;
	assert_true(json_array_size(a) >= 6);
	json_array_foreach(a, i, c)
		close_to(stats_betainc(num(c, "a"), num(c, "b"), num(c, "x")), num(c, "I"), 1e-9, 0,
		    "betainc", i);
	assert_true(isnan(stats_betainc(0, 1, 0.5)));
	assert_true(isnan(stats_betainc(1, 1, 1.5)));
	assert_true(stats_betainc(2, 2, 0) == 0 && stats_betainc(2, 2, 1) == 1);
}

static void
test_t_cdf(void **state)
{
	(void)state;
	json_t *a = json_object_get(fx, "t_cdf"), *c;
	size_t i;
	assert_true(json_array_size(a) >= 10);
	json_array_foreach(a, i, c)
		close_to(stats_t_cdf(num(c, "t"), num(c, "df")), num(c, "cdf"), 1e-9, 0, "t_cdf", i);
	/* the Cauchy distribution (df 1) has a closed form */
	close_to(stats_t_cdf(2.0, 1), 0.5 + atan(2.0) / M_PI, 1e-14, 0, "cauchy", 0);
	assert_true(stats_t_cdf(INFINITY, 3) == 1 && stats_t_cdf(-INFINITY, 3) == 0);
}

static void
test_ttest(void **state)
{
	(void)state;
	json_t *a = json_object_get(fx, "ttest"), *c;
	size_t i;
	assert_true(json_array_size(a) >= 4);
	json_array_foreach(a, i, c) {
		json_t *d = json_object_get(c, "d");
		size_t J = json_array_size(d);
		double v[64], t, p;
		assert_true(J <= 64);
		for (size_t j = 0; j < J; j++)
			v[j] = json_number_value(json_array_get(d, j));
		assert_int_equal(stats_corrected_ttest(v, J, num(c, "ratio"), &t, &p), 0);
		close_to(t, num(c, "t"), 0, 1e-12, "ttest t", i);
		close_to(p, num(c, "p"), 1e-9, 0, "ttest p", i);
	}
	double same[3] = { 0.1, 0.1, 0.1 }, zero[3] = { 0 }, t, p;
	assert_int_equal(stats_corrected_ttest(same, 3, 0.25, &t, &p), 0);
	assert_true(isinf(t) && t > 0 && p == 0);
	assert_int_equal(stats_corrected_ttest(zero, 3, 0.25, &t, &p), 0);
	assert_true(t == 0 && p == 1);
	assert_int_equal(stats_corrected_ttest(same, 1, 0.25, &t, &p), -1);
	assert_int_equal(stats_corrected_ttest(same, 3, -1, &t, &p), -1);
}

static void
test_bootstrap(void **state)
{
	(void)state;
	json_t *a = json_object_get(fx, "bootstrap"), *c;
	size_t i;
	assert_true(json_array_size(a) >= 4);
	json_array_foreach(a, i, c) {
		json_t *ja = json_object_get(c, "ea"), *jb = json_object_get(c, "eb");
		size_t n = json_array_size(ja);
		double *ea = malloc(n * sizeof *ea), *eb = malloc(n * sizeof *eb), diff, lo, hi;
		char *err = NULL;
		assert_non_null(ea);
		assert_non_null(eb);
		for (size_t j = 0; j < n; j++) {
			ea[j] = json_number_value(json_array_get(ja, j));
			eb[j] = json_number_value(json_array_get(jb, j));
		}
		enum stats_metric m = strcmp(json_string_value(json_object_get(c, "metric")),
		    "rmse") == 0 ? STATS_RMSE : STATS_MAE;
		assert_int_equal(stats_bootstrap_diff(ea, eb, n, m, (unsigned)num(c, "R"),
		    num(c, "level"), (uint64_t)num(c, "seed"), &diff, &lo, &hi, &err), 0);
		close_to(diff, num(c, "diff"), 1e-12, 1e-12, "bootstrap diff", i);
		close_to(lo, num(c, "lo"), 1e-12, 1e-12, "bootstrap lo", i);
		close_to(hi, num(c, "hi"), 1e-12, 1e-12, "bootstrap hi", i);
		assert_true(lo <= diff + 1e-9 || hi >= diff - 1e-9);
		assert_int_equal(stats_bootstrap_diff(ea, eb, 0, m, 10, 0.95, 1, &diff, &lo, &hi,
		    &err), -1);
		assert_non_null(err);
		free(err);
		free(ea);
		free(eb);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mcnemar),
		cmocka_unit_test(test_betainc),
		cmocka_unit_test(test_t_cdf),
		cmocka_unit_test(test_ttest),
		cmocka_unit_test(test_bootstrap),
	};
	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
