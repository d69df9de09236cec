/*
 * test_importance.c — the permutation importance engine
 * (core/train/importance.c) against scikit-learn's permutation_importance.
 *
 * tests/fixtures/importance.json, written by tests/fixtures/gen_importance.py,
 * holds two given models (a Ridge regression scored by R², a multinomial
 * logistic regression scored by accuracy), their rows, lathe's
 * permutations as an independent Python reimplementation of linalg/rng.c
 * draws them, and scikit-learn's decreases, means and standard deviations
 * with those permutations replayed.  The test first checks lathe draws the
 * same permutations, then scores the same models through the engine with
 * lathe's own permutations and compares every number within 1e-12
 * absolute (the same sums in another order: numpy's BLAS against a C
 * loop).  The rest: mean/std by hand, an error from the scorer passed on.
 */
#include "testutil.h"
#include "train/importance.h"
#include "train/metrics.h"
#include "base/util.h"

#include <jansson.h>
#include <math.h>

#define FIXTURE "tests/fixtures/importance.json"
#define TOL 1e-12

struct lin {
	size_t n, d, k;		/* k: 1 for a regression, else classes */
	double *X, *W, *b;	/* n x d, k x d, k */
	double *y;		/* regression */
	int *cls;		/* classification */
	int *ipred;
	double *ypred;
};

static int
lin_score(void *ctx, size_t c, const size_t *perm, double *score, char **err)
{
	struct lin *m = ctx;
	for (size_t i = 0; i < m->n; i++) {
		int best = 0;
		double bestv = -INFINITY;
		for (size_t q = 0; q < m->k; q++) {
			double s = m->b[q];
			for (size_t j = 0; j < m->d; j++) {
				double x = (perm && j == c) ? m->X[perm[i] * m->d + j] : m->X[i * m->d + j];
				s += m->W[q * m->d + j] * x;
			}
			if (m->k == 1)
				m->ypred[i] = s;
			else if (s > bestv) {
				bestv = s;
				best = (int)q;
			}
		}
		m->ipred[i] = best;
	}
	if (m->k == 1)
		return metrics_r2(m->y, m->ypred, m->n, score, err);
	return metrics_accuracy(m->cls, m->ipred, m->n, (int)m->k, score, err);
}

static double *
doubles_of(json_t *a, size_t *n)
{
	size_t len = json_array_size(a), cnt = 0;
	for (size_t i = 0; i < len; i++)
		cnt += json_is_array(json_array_get(a, i)) ? json_array_size(json_array_get(a, i)) : 1;
	double *v = malloc((cnt ? cnt : 1) * sizeof *v);
	assert_non_null(v);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		json_t *e = json_array_get(a, i);
		if (json_is_array(e))
			for (size_t j = 0; j < json_array_size(e); j++)
				v[o++] = json_number_value(json_array_get(e, j));
		else
			v[o++] = json_number_value(e);
	}
	*n = cnt;
	return v;
}

static void
run_case(json_t *cs)
{
	const char *name = json_string_value(json_object_get(cs, "name"));
	int classification = strcmp(json_string_value(json_object_get(cs, "task")),
	    "classification") == 0;
	uint64_t seed = (uint64_t)json_integer_value(json_object_get(cs, "seed"));
	int repeats = (int)json_integer_value(json_object_get(cs, "repeats"));
	json_t *Xj = json_object_get(cs, "X");
	struct lin m = { 0 };
	size_t cnt;

	m.n = json_array_size(Xj);
	m.d = json_array_size(json_array_get(Xj, 0));
	m.k = json_array_size(json_object_get(cs, "intercept"));
	m.X = doubles_of(Xj, &cnt);
	m.W = doubles_of(json_object_get(cs, "coef"), &cnt);
	assert_int_equal(cnt, m.k * m.d);
	m.b = doubles_of(json_object_get(cs, "intercept"), &cnt);
	assert_true(classification ? m.k >= 2 : m.k == 1);
	m.y = doubles_of(json_object_get(cs, "y"), &cnt);
	m.cls = malloc(m.n * sizeof *m.cls);
	m.ipred = malloc(m.n * sizeof *m.ipred);
	m.ypred = malloc(m.n * sizeof *m.ypred);
	assert_true(m.cls && m.ipred && m.ypred);
	for (size_t i = 0; i < m.n; i++)
		m.cls[i] = (int)m.y[i];

	/* lathe draws the permutations the fixture replayed in scikit-learn */
	size_t *perm = malloc(m.n * sizeof *perm);
	assert_non_null(perm);
	for (int r = 0; r < repeats; r++) {
		json_t *pj = json_array_get(json_object_get(cs, "perms"), (size_t)r);
		importance_permutation(seed + (uint64_t)r, perm, m.n);
		for (size_t i = 0; i < m.n; i++)
			if (perm[i] != (size_t)json_integer_value(json_array_get(pj, i)))
				fail_msg("%s: repeat %d, perm[%zu] = %zu, the fixture has %lld", name, r,
				    i, perm[i], (long long)json_integer_value(json_array_get(pj, i)));
	}
	free(perm);

	double baseline, *drops = malloc(m.d * (size_t)repeats * sizeof *drops);
	char *err = NULL;
	assert_non_null(drops);
	assert_int_equal(importance_permute(m.d, m.n, repeats, seed, lin_score, &m, NULL, NULL,
	    &baseline, drops, &err), 0);
	double want = json_number_value(json_object_get(cs, "baseline"));
	if (fabs(baseline - want) > TOL)
		fail_msg("%s: baseline %.17g, scikit-learn %.17g", name, baseline, want);
	for (size_t c = 0; c < m.d; c++) {
		json_t *dj = json_array_get(json_object_get(cs, "decreases"), c);
		for (int r = 0; r < repeats; r++) {
			double got = drops[c * (size_t)repeats + (size_t)r];
			double exp = json_number_value(json_array_get(dj, (size_t)r));
			if (fabs(got - exp) > TOL)
				fail_msg("%s: column %zu repeat %d: decrease %.17g, scikit-learn %.17g",
				    name, c, r, got, exp);
		}
		double mean, std;
		importance_mean_std(drops + c * (size_t)repeats, (size_t)repeats, &mean, &std);
		double em = json_number_value(json_array_get(json_object_get(cs, "mean"), c));
		double es = json_number_value(json_array_get(json_object_get(cs, "std"), c));
		if (fabs(mean - em) > TOL || fabs(std - es) > TOL)
			fail_msg("%s: column %zu: mean %.17g std %.17g, scikit-learn %.17g %.17g", name,
			    c, mean, std, em, es);
	}
	free(drops);
	free(m.X);
	free(m.W);
	free(m.b);
	free(m.y);
	free(m.cls);
	free(m.ipred);
	free(m.ypred);
}

static void
test_against_sklearn(void **state)
{
	json_error_t jerr;
	json_t *doc = json_load_file(FIXTURE, 0, &jerr);
	(void)state;
	if (doc == NULL)
		fail_msg("%s:%d: %s", FIXTURE, jerr.line, jerr.text);
	json_t *cases = json_object_get(doc, "cases");
	assert_int_equal(json_array_size(cases), 2);
	for (size_t i = 0; i < json_array_size(cases); i++)
		run_case(json_array_get(cases, i));
	json_decref(doc);
}

static void
test_mean_std(void **state)
{
	const double v[] = { 1, 2, 3, 4 };
	double m, s;
	(void)state;
	importance_mean_std(v, 4, &m, &s);
	assert_true(m == 2.5);
	assert_true(fabs(s - sqrt(1.25)) < 1e-15);	/* population: ddof 0 */
	importance_mean_std(v, 1, &m, &s);
	assert_true(m == 1 && s == 0);
}

static int
fail_score(void *ctx, size_t c, const size_t *perm, double *score, char **err)
{
	(void)ctx;
	(void)perm;
	*score = 1;
	if (c == 1)
		return err_set(err, "scorer failed on column %zu", c);
	return 0;
}

static void
test_error_passed_on(void **state)
{
	double baseline, drops[3 * 2];
	char *err = NULL;
	(void)state;
	assert_int_equal(importance_permute(3, 10, 2, 1, fail_score, NULL, NULL, NULL, &baseline,
	    drops, &err), -1);
	assert_string_equal(err, "scorer failed on column 1");
	free(err);
}

static void
test_permutation_is_seeded(void **state)
{
	size_t a[100], b[100], c[100];
	unsigned char seen[100] = { 0 };
	(void)state;
	importance_permutation(5, a, 100);
	importance_permutation(5, b, 100);
	importance_permutation(6, c, 100);
	assert_memory_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
	for (size_t i = 0; i < 100; i++)
		seen[a[i]]++;
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(seen[i], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_sklearn),
		cmocka_unit_test(test_mean_std),
		cmocka_unit_test(test_error_passed_on),
		cmocka_unit_test(test_permutation_is_seeded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
