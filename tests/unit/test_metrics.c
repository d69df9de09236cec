/*
 * test_metrics.c — core/metrics against scikit-learn 1.2.1 and against hand arithmetic.
 *
 * The bulk of the cases live in tests/fixtures/metrics.json, written by
 * tests/fixtures/gen_metrics.py (inputs plus sklearn's outputs); every number there is
 * checked with relative tolerance 1e-12 (absolute 1e-15 near zero).  The only looser
 * comparison is silhouette against sklearn on a case whose points sit far from the
 * origin, where sklearn's own distance rounding is the larger error; lathe's value is
 * still checked at 1e-12 against the exact-distance reference (docs/metrics.md).
 *
 * Run from the repository root (scripts/run-tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "train/metrics.h"

#define FIXTURE "tests/fixtures/metrics.json"
#define RTOL 1e-12
#define ATOL 1e-15

/* ---- comparison helpers ------------------------------------------------------------ */

static int failures;  /* mismatches in the current test; each is printed */
static size_t compared, identical;

static void check_close(double got, double want, double rtol, const char *where,
                        const char *what)
{
	double diff = fabs(got - want);
	double tol = rtol * fabs(want);

	compared++;
	if (got == want)
		identical++;
	if (tol < ATOL)
		tol = ATOL;
	if (!(diff <= tol)) {
		print_error("%s: %s = %.17g, sklearn %.17g (diff %.3g, tol %.3g)\n", where, what,
		            got, want, diff, tol);
		failures++;
	}
}

static void check_status(int rc, int want, const char *where, const char *what,
                         char *err)
{
	if (rc != want) {
		print_error("%s: %s returned %d (%s: %s), expected %d\n", where, what, rc,
		            metrics_strerror(rc), err ? err : "-", want);
		failures++;
	}
}

/* cmocka's float assertions work in single precision; this one is double. */
#define assert_near(got, want, tol) assert_near_at((got), (want), (tol), __FILE__, __LINE__)

static void assert_near_at(double got, double want, double tol, const char *file, int line)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("%s:%d: got %.17g, want %.17g (tolerance %.3g)", file, line, got, want,
		         tol);
}

/* ---- JSON helpers -------------------------------------------------------------------- */

static json_t *doc;

static int load_fixture(void **state)
{
	json_error_t jerr;

	doc = json_load_file(FIXTURE, 0, &jerr);
	if (doc == NULL) {
		print_error("%s:%d: %s (run the tests from the repository root)\n", FIXTURE,
		            jerr.line, jerr.text);
		return -1;
	}
	return 0;
}

static int free_fixture(void **state)
{
	json_decref(doc);
	doc = NULL;
	return 0;
}

static double num(const json_t *v)
{
	assert_true(json_is_number(v));
	return json_number_value(v);
}

static double field(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (v == NULL)
		fail_msg("missing key %s", key);
	return num(v);
}

/* Integer array; caller frees. */
static int *ints(const json_t *arr, size_t *n)
{
	size_t len = json_array_size(arr);
	int *out = malloc((len ? len : 1) * sizeof(int));
	assert_non_null(out);
	for (size_t i = 0; i < len; i++)
		out[i] = (int)json_integer_value(json_array_get(arr, i));
	if (n)
		*n = len;
	return out;
}

/* A flat array of numbers, or an array of rows flattened row-major; caller frees. */
static double *doubles(const json_t *arr, size_t *rows, size_t *cols)
{
	size_t r = json_array_size(arr), c = 1;
	int nested = r > 0 && json_is_array(json_array_get(arr, 0));
	if (nested)
		c = json_array_size(json_array_get(arr, 0));
	double *out = malloc((r * c > 0 ? r * c : 1) * sizeof(double));
	assert_non_null(out);
	for (size_t i = 0; i < r; i++) {
		const json_t *row = json_array_get(arr, i);
		if (nested) {
			assert_int_equal(json_array_size(row), c);
			for (size_t j = 0; j < c; j++)
				out[i * c + j] = num(json_array_get(row, j));
		} else {
			out[i] = num(row);
		}
	}
	if (rows)
		*rows = r;
	if (cols)
		*cols = c;
	return out;
}

static const json_t *section(const char *name)
{
	const json_t *s = json_object_get(doc, name);
	assert_non_null(s);
	assert_true(json_array_size(s) > 0);
	return s;
}

/* ---- fixtures: classification --------------------------------------------------------- */

static void fixture_classification_case(const json_t *c)
{
	const char *name = json_string_value(json_object_get(c, "name"));
	const json_t *e = json_object_get(c, "expected");
	int k = (int)json_integer_value(json_object_get(c, "k"));
	size_t n, n2, pr, pc;
	int *yt = ints(json_object_get(c, "y_true"), &n);
	int *yp = ints(json_object_get(c, "y_pred"), &n2);
	double *proba = doubles(json_object_get(c, "proba"), &pr, &pc);
	double v, p, r, f;
	char *err = NULL;
	int rc;

	assert_int_equal(n, n2);
	assert_int_equal(pr, n);
	assert_int_equal(pc, (size_t)k);

	rc = metrics_accuracy(yt, yp, n, k, &v, &err);
	check_status(rc, 0, name, "accuracy", err);
	check_close(v, field(e, "accuracy"), RTOL, name, "accuracy");

	rc = metrics_balanced_accuracy(yt, yp, n, k, &v, &err);
	check_status(rc, 0, name, "balanced_accuracy", err);
	check_close(v, field(e, "balanced_accuracy"), RTOL, name, "balanced_accuracy");

	rc = metrics_prf(yt, yp, n, k, METRICS_AVERAGE_MACRO, &p, &r, &f, &err);
	check_status(rc, 0, name, "prf macro", err);
	check_close(p, field(e, "precision_macro"), RTOL, name, "precision_macro");
	check_close(r, field(e, "recall_macro"), RTOL, name, "recall_macro");
	check_close(f, field(e, "f1_macro"), RTOL, name, "f1_macro");

	rc = metrics_prf(yt, yp, n, k, METRICS_AVERAGE_WEIGHTED, &p, &r, &f, &err);
	check_status(rc, 0, name, "prf weighted", err);
	check_close(p, field(e, "precision_weighted"), RTOL, name, "precision_weighted");
	check_close(r, field(e, "recall_weighted"), RTOL, name, "recall_weighted");
	check_close(f, field(e, "f1_weighted"), RTOL, name, "f1_weighted");

	const json_t *auc = json_object_get(e, "roc_auc");
	v = -1;
	rc = metrics_roc_auc(yt, proba, n, k, &v, &err);
	if (json_is_null(auc)) {
		check_status(rc, METRICS_EUNDEFINED, name, "roc_auc (sklearn raises)", err);
		if (rc != 0 && err == NULL)
			print_error("%s: roc_auc failed without a message\n", name), failures++;
		assert_true(v == -1); /* output untouched on failure */
	} else {
		check_status(rc, 0, name, "roc_auc", err);
		check_close(v, num(auc), RTOL, name, "roc_auc");
	}
	free(err);
	err = NULL;
	if (k == 2) {
		/* the binary entry point on column 1 must agree exactly: both
		 * run the same auc_of on the same scores */
		double *s = malloc(n * sizeof(double));
		double v2 = -1;
		assert_non_null(s);
		for (size_t i = 0; i < n; i++)
			s[i] = proba[i * 2 + 1];
		int rc2 = metrics_roc_auc_binary(yt, s, n, &v2, &err);
		assert_int_equal(rc2, rc);
		if (rc == 0)
			assert_true(v2 == v);
		free(s);
		free(err);
		err = NULL;
	}

	rc = metrics_log_loss(yt, proba, n, k, &v, &err);
	check_status(rc, 0, name, "log_loss", err);
	check_close(v, field(e, "log_loss"), RTOL, name, "log_loss");

	/* confusion matrix and per-class arrays: exact */
	size_t *cm = malloc((size_t)k * (size_t)k * sizeof(size_t));
	size_t *support = malloc((size_t)k * sizeof(size_t));
	double *pcp = malloc((size_t)k * sizeof(double));
	double *pcr = malloc((size_t)k * sizeof(double));
	double *pcf = malloc((size_t)k * sizeof(double));
	assert_true(cm && support && pcp && pcr && pcf);
	assert_int_equal(metrics_confusion_matrix(yt, yp, n, k, cm, NULL), 0);
	const json_t *ecm = json_object_get(e, "confusion");
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			json_int_t want = json_integer_value(
				json_array_get(json_array_get(ecm, (size_t)i), (size_t)j));
			if (cm[i * k + j] != (size_t)want) {
				print_error("%s: confusion[%d][%d] = %zu, sklearn %lld\n", name, i, j,
				            cm[i * k + j], (long long)want);
				failures++;
			}
		}
	assert_int_equal(metrics_per_class(yt, yp, n, k, pcp, pcr, pcf, support, NULL), 0);
	const json_t *epc = json_object_get(e, "per_class");
	for (int j = 0; j < k; j++) {
		check_close(pcp[j], num(json_array_get(json_object_get(epc, "precision"), j)),
		            RTOL, name, "per-class precision");
		check_close(pcr[j], num(json_array_get(json_object_get(epc, "recall"), j)), RTOL,
		            name, "per-class recall");
		check_close(pcf[j], num(json_array_get(json_object_get(epc, "f1"), j)), RTOL,
		            name, "per-class f1");
		assert_int_equal(support[j],
		                 json_integer_value(
		                         json_array_get(json_object_get(epc, "support"), j)));
	}

	/* the report bundles the same numbers */
	struct metrics_class_report *rep = NULL;
	assert_int_equal(metrics_class_report_new(yt, yp, n, k, &rep, NULL), 0);
	assert_non_null(rep);
	assert_int_equal(rep->k, k);
	assert_int_equal(rep->n, n);
	assert_memory_equal(rep->confusion, cm, (size_t)k * (size_t)k * sizeof(size_t));
	assert_memory_equal(rep->support, support, (size_t)k * sizeof(size_t));
	assert_memory_equal(rep->f1, pcf, (size_t)k * sizeof(double));	/* same code */
	check_close(rep->accuracy, field(e, "accuracy"), RTOL, name, "report accuracy");
	check_close(rep->balanced_accuracy, field(e, "balanced_accuracy"), RTOL, name,
	            "report balanced_accuracy");
	check_close(rep->f1_macro, field(e, "f1_macro"), RTOL, name, "report f1_macro");
	check_close(rep->recall_weighted, field(e, "recall_weighted"), RTOL, name,
	            "report recall_weighted");
	metrics_class_report_free(rep);

	free(cm);
	free(support);
	free(pcp);
	free(pcr);
	free(pcf);
	free(yt);
	free(yp);
	free(proba);
}

static void test_fixture_classification(void **state)
{
	const json_t *cases = section("classification");
	size_t i;
	const json_t *c;

	failures = 0;
	compared = identical = 0;
	json_array_foreach(cases, i, c)
		fixture_classification_case(c);
	print_message("classification: %zu cases, %zu values, %zu bit-identical to sklearn\n",
	              json_array_size(cases), compared, identical);
	assert_int_equal(failures, 0);
}

/* ---- fixtures: regression ------------------------------------------------------------- */

static void test_fixture_regression(void **state)
{
	const json_t *cases = section("regression");
	size_t ci;
	const json_t *c;

	failures = 0;
	compared = identical = 0;
	json_array_foreach(cases, ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *e = json_object_get(c, "expected");
		size_t n, n2;
		double *yt = doubles(json_object_get(c, "y_true"), &n, NULL);
		double *yp = doubles(json_object_get(c, "y_pred"), &n2, NULL);
		double v;
		char *err = NULL;
		int rc;
		assert_int_equal(n, n2);

		rc = metrics_rmse(yt, yp, n, &v, &err);
		check_status(rc, 0, name, "rmse", err);
		check_close(v, field(e, "rmse"), RTOL, name, "rmse");
		rc = metrics_mae(yt, yp, n, &v, &err);
		check_status(rc, 0, name, "mae", err);
		check_close(v, field(e, "mae"), RTOL, name, "mae");
		rc = metrics_r2(yt, yp, n, &v, &err);
		check_status(rc, 0, name, "r2", err);
		check_close(v, field(e, "r2"), RTOL, name, "r2");
		rc = metrics_mape(yt, yp, n, &v, &err);
		check_status(rc, 0, name, "mape", err);
		check_close(v, field(e, "mape"), RTOL, name, "mape");
		free(err);
		free(yt);
		free(yp);
	}
	print_message("regression: %zu cases, %zu values, %zu bit-identical to sklearn\n",
	              json_array_size(cases), compared, identical);
	assert_int_equal(failures, 0);
}

/* ---- fixtures: clustering ------------------------------------------------------------- */

static void test_fixture_clustering(void **state)
{
	const json_t *cases = section("clustering");
	size_t ci;
	const json_t *c;

	failures = 0;
	compared = identical = 0;
	json_array_foreach(cases, ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *e = json_object_get(c, "expected");
		int k = (int)json_integer_value(json_object_get(c, "k"));
		size_t n, d, nl, kc, dc, m = 0;
		double *X = doubles(json_object_get(c, "X"), &n, &d);
		int *labels = ints(json_object_get(c, "labels"), &nl);
		double *centres = doubles(json_object_get(c, "centres"), &kc, &dc);
		const json_t *js = json_object_get(c, "sample");
		size_t *sample = NULL;
		double v = -7;
		char *err = NULL;
		int rc;

		assert_int_equal(nl, n);
		assert_int_equal(kc, (size_t)k);
		assert_int_equal(dc, d);
		if (!json_is_null(js)) {
			m = json_array_size(js);
			sample = malloc(m * sizeof(size_t));
			assert_non_null(sample);
			for (size_t i = 0; i < m; i++)
				sample[i] = (size_t)json_integer_value(json_array_get(js, i));
		}

		rc = metrics_inertia(X, n, d, labels, centres, k, &v, &err);
		check_status(rc, 0, name, "inertia", err);
		check_close(v, field(e, "inertia"), RTOL, name, "inertia");

		rc = metrics_silhouette(X, n, d, labels, k, sample, m, &v, &err);
		if (json_is_null(json_object_get(e, "silhouette"))) {
			check_status(rc, METRICS_EUNDEFINED, name, "silhouette (sklearn raises)", err);
		} else {
			check_status(rc, 0, name, "silhouette", err);
			check_close(v, field(e, "silhouette_direct"), RTOL, name,
			            "silhouette vs exact-distance reference");
			check_close(v, field(e, "silhouette"), field(e, "silhouette_sklearn_rtol"),
			            name, "silhouette vs sklearn");
		}
		free(err);
		free(sample);
		free(X);
		free(labels);
		free(centres);
	}
	print_message("clustering: %zu cases, %zu values, %zu bit-identical\n",
	              json_array_size(cases), compared, identical);
	assert_int_equal(failures, 0);
}

/* ---- hand-computed cases ------------------------------------------------------------- */

/* AUC cases small enough to count by hand: the area is the fraction of
 * (positive, negative) pairs ordered correctly, a tie counting one half. */
static const struct {
	const char *name;
	size_t n;
	int y[8];
	double s[8];
	double auc;
} auc_cases[] = {
	/* pairs (p,n): (.35,.1) ok, (.35,.4) wrong, (.8,.1) ok, (.8,.4) ok -> 3/4 */
	{ "sklearn doc example", 4, { 0, 0, 1, 1 }, { 0.1, 0.4, 0.35, 0.8 }, 0.75 },
	{ "perfect", 4, { 0, 0, 1, 1 }, { 0.1, 0.2, 0.3, 0.4 }, 1.0 },
	{ "reversed", 4, { 1, 1, 0, 0 }, { 0.1, 0.2, 0.3, 0.4 }, 0.0 },
	{ "all tied", 4, { 0, 1, 0, 1 }, { 0.5, 0.5, 0.5, 0.5 }, 0.5 },
	/* positives .5,.9; negatives .5,.1: (.5,.5) tie 1/2, (.5,.1) 1, (.9,*) 2 -> 3.5/4 */
	{ "one tie across classes", 4, { 1, 0, 1, 0 }, { 0.5, 0.5, 0.9, 0.1 }, 0.875 },
	/* 2 positives {3, 1}, 3 negatives {2, 0, 1}: (3,*)=3, (1,2)=0,(1,0)=1,(1,1)=.5 -> 4.5/6 */
	{ "integer scores", 5, { 1, 1, 0, 0, 0 }, { 3, 1, 2, 0, 1 }, 0.75 },
	/* negative and huge decision values are fine: only the order matters */
	{ "decision values", 4, { 0, 1, 0, 1 }, { -1e300, 1e300, -2.5, 0.0 }, 1.0 },
};

static void test_hand_auc(void **state)
{
	for (size_t t = 0; t < sizeof(auc_cases) / sizeof(auc_cases[0]); t++) {
		double v = -1;
		char *err = NULL;
		int rc = metrics_roc_auc_binary(auc_cases[t].y, auc_cases[t].s, auc_cases[t].n, &v,
		                                &err);
		if (rc != 0 || v != auc_cases[t].auc)
			fail_msg("auc case '%s': rc %d (%s), got %.17g, want %.17g", auc_cases[t].name,
			         rc, err ? err : "-", v, auc_cases[t].auc);
	}
}

/* The hand-computed cases compare exactly (==) where every operation on the
 * way is exact (counts, halves, quarters: 3/6, (1/2 + 1 + 0)/3, 1.5/4 then a
 * correctly rounded sqrt), or where both sides call the same libm function
 * on the same value; everything else gets assert_near. */
static void test_hand_classification(void **state)
{
	/* y_true 0 0 1 1 2 2, y_pred 0 1 1 1 0 0:
	 * class 0: tp 1, pred 3, true 2 -> p 1/3, r 1/2, f 2*(1/6)/(5/6) = 0.4
	 * class 1: tp 2, pred 3, true 2 -> p 2/3, r 1,   f 0.8
	 * class 2: tp 0, pred 0, true 2 -> p 0 (ill-defined), r 0, f 0
	 * class 3: absent from both -> left out of the averages */
	const int yt[] = { 0, 0, 1, 1, 2, 2 }, yp[] = { 0, 1, 1, 1, 0, 0 };
	const size_t want_cm[16] = { 1, 1, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0 };
	size_t cm[16], support[4];
	double v, p, r, f, pc[4], rc4[4], fc[4];

	assert_int_equal(metrics_accuracy(yt, yp, 6, 4, &v, NULL), 0);
	assert_true(v == 0.5);
	assert_int_equal(metrics_balanced_accuracy(yt, yp, 6, 4, &v, NULL), 0);
	assert_true(v == 0.5); /* (1/2 + 1 + 0) / 3 */
	assert_int_equal(metrics_prf(yt, yp, 6, 4, METRICS_AVERAGE_MACRO, &p, &r, &f, NULL), 0);
	assert_near(p, (1.0 / 3 + 2.0 / 3 + 0) / 3, 1e-15);
	assert_near(r, 0.5, 1e-15);
	assert_near(f, (0.4 + 0.8) / 3, 1e-15);
	assert_int_equal(metrics_prf(yt, yp, 6, 4, METRICS_AVERAGE_WEIGHTED, &p, NULL, &f, NULL),
	                 0);
	assert_near(p, (2 * (1.0 / 3) + 2 * (2.0 / 3)) / 6, 1e-15);
	assert_near(f, (2 * 0.4 + 2 * 0.8) / 6, 1e-15);
	assert_int_equal(metrics_confusion_matrix(yt, yp, 6, 4, cm, NULL), 0);
	assert_memory_equal(cm, want_cm, sizeof(cm));
	assert_int_equal(metrics_per_class(yt, yp, 6, 4, pc, rc4, fc, support, NULL), 0);
	assert_near(fc[0], 0.4, 1e-15);
	assert_near(fc[1], 0.8, 1e-15);
	assert_true(pc[2] == 0 && rc4[2] == 0 && fc[2] == 0 && support[2] == 2);
	assert_true(pc[3] == 0 && rc4[3] == 0 && fc[3] == 0 && support[3] == 0);

	/* log loss: -(log .8 + log .6 + log .7) / 3, and a 0 clipped to 2^-52 */
	const int ly[] = { 0, 1, 2 };
	const double lp[] = { 0.8, 0.1, 0.1, 0.2, 0.6, 0.2, 0.1, 0.2, 0.7 };
	assert_int_equal(metrics_log_loss(ly, lp, 3, 3, &v, NULL), 0);
	assert_near(v, -(log(0.8) + log(0.6) + log(0.7)) / 3, 1e-15);
	const int by[] = { 1 };
	const double bp[] = { 1.0, 0.0 };
	assert_int_equal(metrics_log_loss(by, bp, 1, 2, &v, NULL), 0);
	/* clipped row (1 - eps, eps) sums to exactly 1 */
	assert_true(v == -log(DBL_EPSILON));

	/* multiclass AUC: class 0 scores separate perfectly, classes 1 and 2 are reversed */
	const int my[] = { 0, 1, 2, 0, 1, 2 };
	const double mp[] = { 0.8, 0.1, 0.1, 0.1, 0.1, 0.8, 0.1, 0.8, 0.1,
		              0.8, 0.1, 0.1, 0.1, 0.1, 0.8, 0.1, 0.8, 0.1 };
	assert_int_equal(metrics_roc_auc(my, mp, 6, 3, &v, NULL), 0);
	/* class 0: 1.0; class 1: positives score .1, negatives .1 .1 .8 .8 -> (2*.5+0)/4*2...
	 * per positive: vs two .1 ties 0.5 each, vs two .8 wrong -> 1/4; same for class 2 */
	assert_near(v, (1.0 + 0.25 + 0.25) / 3, 1e-15);
}

static void test_hand_regression(void **state)
{
	const double yt[] = { 3, -0.5, 2, 7 }, yp[] = { 2.5, 0.0, 2, 8 };
	double v;

	assert_int_equal(metrics_mae(yt, yp, 4, &v, NULL), 0);
	assert_true(v == 0.5);
	assert_int_equal(metrics_rmse(yt, yp, 4, &v, NULL), 0);
	assert_true(v == sqrt(1.5 / 4));
	assert_int_equal(metrics_r2(yt, yp, 4, &v, NULL), 0);
	/* mean 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875 */
	assert_near(v, 1 - 1.5 / 29.1875, 1e-15);
	assert_int_equal(metrics_mape(yt, yp, 4, &v, NULL), 0);
	assert_near(v, (0.5 / 3 + 0.5 / 0.5 + 0 + 1.0 / 7) / 4, 1e-15);

	/* constant y_true: perfect -> 1, otherwise 0 (not -inf) */
	const double ct[] = { 2, 2, 2 }, cp[] = { 2, 2, 2.5 };
	assert_int_equal(metrics_r2(ct, ct, 3, &v, NULL), 0);
	assert_true(v == 1.0);
	assert_int_equal(metrics_r2(ct, cp, 3, &v, NULL), 0);
	assert_true(v == 0.0);
	/* a zero in y_true divides by eps: |1 - 0| / 2^-52 / 2 */
	const double zt[] = { 0, 1 }, zp[] = { 1, 1 };
	assert_int_equal(metrics_mape(zt, zp, 2, &v, NULL), 0);
	assert_true(v == 1 / DBL_EPSILON / 2);
}

static void test_hand_clustering(void **state)
{
	/* points 0, 1, 10, 11 in two clusters:
	 * s(0) = (10.5 - 1) / 10.5, s(1) = (9.5 - 1) / 9.5, symmetric for the others */
	const double X[] = { 0, 1, 10, 11 };
	const int lab[] = { 0, 0, 1, 1 };
	const double centres[] = { 0.5, 10.5 };
	double v;

	assert_int_equal(metrics_silhouette(X, 4, 1, lab, 2, NULL, 0, &v, NULL), 0);
	assert_near(v, (9.5 / 10.5 + 8.5 / 9.5) / 2, 1e-15);
	assert_int_equal(metrics_inertia(X, 4, 1, lab, centres, 2, &v, NULL), 0);
	assert_true(v == 1.0);

	/* 3-4-5 triangles: two clusters in 2-D, one member alone (s = 0) */
	const double P[] = { 0, 0, 3, 4, 6, 8, 0, 4 };
	const int pl[] = { 0, 0, 1, 0 };
	/* s(0): a = (5 + 4)/2 = 4.5, b = 10 -> 5.5/10
	 * s(1): a = (5 + 3)/2 = 4,   b = 5  -> 1/5
	 * s(3): a = (4 + 3)/2 = 3.5, b = sqrt(36+16) */
	double b3 = sqrt(52.0);
	assert_int_equal(metrics_silhouette(P, 4, 2, pl, 2, NULL, 0, &v, NULL), 0);
	assert_near(v, (0.55 + 0.2 + 0 + (b3 - 3.5) / b3) / 4, 1e-15);

	/* a sample is the same as the gathered rows, in the sample's order */
	const size_t idx[] = { 3, 0, 2 };
	const double G[] = { 0, 4, 0, 0, 6, 8 };
	const int gl[] = { 0, 0, 1 };
	double vs, vg;
	assert_int_equal(metrics_silhouette(P, 4, 2, pl, 2, idx, 3, &vs, NULL), 0);
	assert_int_equal(metrics_silhouette(G, 3, 2, gl, 2, NULL, 0, &vg, NULL), 0);
	assert_true(vs == vg);	/* exact: gathered first, then the same code */
}

/* 700 rows span several tiles of the symmetric pass.  A reversed index sample is the
 * same set of rows in the opposite order: the result may only move by summation-order
 * rounding, so a tile bookkeeping slip (a pair lost or counted twice) shows at once. */
static void test_silhouette_sample_order(void **state)
{
	enum { N = 700, D = 3 };
	double *X = malloc(N * D * sizeof(double));
	int *lab = malloc(N * sizeof(int));
	size_t *rev = malloc(N * sizeof(size_t));
	uint64_t s = 12345;
	double a, b;

	assert_true(X && lab && rev);
	for (size_t i = 0; i < N; i++) {
		lab[i] = (int)(i % 5);
		for (size_t j = 0; j < D; j++) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			X[i * D + j] = (double)(s >> 11) / 9007199254740992.0 + 3.0 * lab[i] * (j == 0);
		}
		rev[i] = N - 1 - i;
	}
	assert_int_equal(metrics_silhouette(X, N, D, lab, 5, NULL, 0, &a, NULL), 0);
	assert_int_equal(metrics_silhouette(X, N, D, lab, 5, rev, N, &b, NULL), 0);
	assert_true(a > 0.3 && a < 1);
	assert_near(a, b, 1e-13 * fabs(a));
	free(X);
	free(lab);
	free(rev);
}

/* ---- errors ----------------------------------------------------------------------- */

/* errp, not err: the status argument's call must have stored the message before
 * it is read, and C leaves the order of argument evaluation unspecified. */
static void expect_error(int rc, int want, char **errp, const char *what)
{
	char *err = *errp;

	*errp = NULL;
	if (rc != want)
		fail_msg("%s: status %d, expected %d", what, rc, want);
	if (err == NULL)
		fail_msg("%s: no error message", what);
	if (err[0] == '\0')
		fail_msg("%s: empty error message", what);
	free(err);
}

static void test_errors(void **state)
{
	const int y3[] = { 0, 1, 2 }, bad[] = { 0, 3, 1 }, neg[] = { 0, -1, 1 };
	const int y4[] = { 0, 0, 1, 1 };
	const double p3[] = { 0.5, 0.5, 0, 0, 1, 0, 0.2, 0.2, 0.6 };
	const double unnorm[] = { 0.5, 0.9, 0, 0, 1, 0, 0.2, 0.2, 0.6 };
	const double nanp[] = { 0.5, NAN, 0.2, 0.8, 0.1, 0.9, 0.4, 0.6 };
	const double r[] = { 1, 2, 3 }, rinf[] = { 1, INFINITY, 3 };
	const double X[] = { 0, 1, 2, 3 };
	const int lab[] = { 0, 0, 1, 1 }, lab1[] = { 0, 0, 0, 0 }, labn[] = { 0, 1, 2, 3 };
	const size_t badidx[] = { 0, 4 };
	size_t cm[9];
	double v = 42, p;
	char *err;

	/* n = 0 */
	err = NULL;
	expect_error(metrics_accuracy(y3, y3, 0, 3, &v, &err), METRICS_EINVAL, &err, "n=0 acc");
	err = NULL;
	expect_error(metrics_rmse(r, r, 0, &v, &err), METRICS_EINVAL, &err, "n=0 rmse");
	err = NULL;
	expect_error(metrics_silhouette(X, 0, 1, lab, 2, NULL, 0, &v, &err), METRICS_EINVAL,
	             &err, "n=0 silhouette");
	err = NULL;
	expect_error(metrics_roc_auc_binary(y4, X, 0, &v, &err), METRICS_EINVAL, &err,
	             "n=0 auc");
	/* k < 2 */
	err = NULL;
	expect_error(metrics_balanced_accuracy(y3, y3, 3, 1, &v, &err), METRICS_EINVAL, &err,
	             "k=1");
	err = NULL;
	expect_error(metrics_log_loss(y3, p3, 3, 0, &v, &err), METRICS_EINVAL, &err, "k=0");
	/* labels outside 0..k-1: sizes that do not match */
	err = NULL;
	expect_error(metrics_prf(y3, bad, 3, 3, METRICS_AVERAGE_MACRO, &p, NULL, NULL, &err),
	             METRICS_EINVAL, &err, "y_pred = 3 with k = 3");
	err = NULL;
	assert_int_equal(metrics_confusion_matrix(neg, y3, 3, 3, cm, &err), METRICS_EINVAL);
	assert_non_null(strstr(err, "y_true[1] = -1"));
	free(err);
	err = NULL;
	expect_error(metrics_inertia(X, 4, 1, labn, X, 3, &v, &err), METRICS_EINVAL, &err,
	             "label 3 with k = 3 centres");
	err = NULL;
	expect_error(metrics_silhouette(X, 4, 1, lab, 2, badidx, 2, &v, &err), METRICS_EINVAL,
	             &err, "sample index 4 with n = 4");
	/* NULLs */
	err = NULL;
	expect_error(metrics_accuracy(NULL, y3, 3, 3, &v, &err), METRICS_EINVAL, &err,
	             "NULL y_true");
	err = NULL;
	expect_error(metrics_mae(r, NULL, 3, &v, &err), METRICS_EINVAL, &err, "NULL y_pred");
	err = NULL;
	expect_error(metrics_r2(r, r, 3, NULL, &err), METRICS_EINVAL, &err, "NULL out");
	err = NULL;
	expect_error(metrics_roc_auc(y3, NULL, 3, 3, &v, &err), METRICS_EINVAL, &err,
	             "NULL proba");
	/* non-finite values */
	err = NULL;
	expect_error(metrics_mape(r, rinf, 3, &v, &err), METRICS_EINVAL, &err, "inf y_pred");
	err = NULL;
	expect_error(metrics_log_loss(y4, nanp, 4, 2, &v, &err), METRICS_EINVAL, &err,
	             "nan proba");
	/* undefined metrics */
	err = NULL;
	expect_error(metrics_roc_auc(y3, unnorm, 3, 3, &v, &err), METRICS_EINVAL, &err,
	             "multiclass proba rows not summing to 1");
	err = NULL;
	expect_error(metrics_roc_auc_binary(lab1, X, 4, &v, &err), METRICS_EUNDEFINED, &err,
	             "auc with one class");
	err = NULL;
	expect_error(metrics_r2(r, r, 1, &v, &err), METRICS_EUNDEFINED, &err, "r2 with n=1");
	err = NULL;
	expect_error(metrics_silhouette(X, 4, 1, lab1, 2, NULL, 0, &v, &err),
	             METRICS_EUNDEFINED, &err, "silhouette with one label");
	err = NULL;
	expect_error(metrics_silhouette(X, 4, 1, labn, 4, NULL, 0, &v, &err),
	             METRICS_EUNDEFINED, &err, "silhouette with n labels");
	/* a sample may leave only one label although the full data has two */
	const size_t first_two[] = { 0, 1, 0 };
	err = NULL;
	expect_error(metrics_silhouette(X, 4, 1, lab, 2, first_two, 3, &v, &err),
	             METRICS_EUNDEFINED, &err, "silhouette sample with one label");
	/* outputs untouched on failure; err may be NULL */
	assert_true(v == 42);
	assert_int_equal(metrics_accuracy(y3, bad, 3, 3, &v, NULL), METRICS_EINVAL);
	assert_true(v == 42);
	/* every status has a description */
	for (int s = 0; s <= 4; s++)
		assert_non_null(metrics_strerror(s));
}

/* ---- the table -------------------------------------------------------------------- */

static void test_table(void **state)
{
	static const struct {
		const char *name;
		enum metrics_task task;
		int higher;
	} want[] = {
		{ "accuracy", METRICS_TASK_CLASSIFICATION, 1 },
		{ "balanced_accuracy", METRICS_TASK_CLASSIFICATION, 1 },
		{ "precision_macro", METRICS_TASK_CLASSIFICATION, 1 },
		{ "recall_macro", METRICS_TASK_CLASSIFICATION, 1 },
		{ "f1_macro", METRICS_TASK_CLASSIFICATION, 1 },
		{ "precision_weighted", METRICS_TASK_CLASSIFICATION, 1 },
		{ "recall_weighted", METRICS_TASK_CLASSIFICATION, 1 },
		{ "f1_weighted", METRICS_TASK_CLASSIFICATION, 1 },
		{ "roc_auc", METRICS_TASK_CLASSIFICATION, 1 },
		{ "log_loss", METRICS_TASK_CLASSIFICATION, 0 },
		{ "rmse", METRICS_TASK_REGRESSION, 0 },
		{ "mae", METRICS_TASK_REGRESSION, 0 },
		{ "r2", METRICS_TASK_REGRESSION, 1 },
		{ "mape", METRICS_TASK_REGRESSION, 0 },
		{ "inertia", METRICS_TASK_CLUSTERING, 0 },
		{ "silhouette", METRICS_TASK_CLUSTERING, 1 },
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);

	assert_int_equal(metrics_table_len, nwant);
	for (size_t i = 0; i < nwant; i++) {
		const struct metrics_info *m = metrics_lookup(want[i].name);
		assert_non_null(m);
		assert_ptr_equal(m, &metrics_table[i]);
		assert_string_equal(m->name, want[i].name);
		assert_int_equal(m->task, want[i].task);
		assert_int_equal(m->higher_is_better, want[i].higher);
		assert_non_null(m->description);
		assert_true(strlen(m->description) > 5 && strchr(m->description, '\n') == NULL);
		assert_non_null(m->sklearn);
		assert_non_null(m->compute);
	}
	assert_null(metrics_lookup("f1"));
	assert_null(metrics_lookup("ACCURACY"));
	assert_null(metrics_lookup(""));
	assert_null(metrics_lookup(NULL));
	assert_int_equal(metrics_lookup("roc_auc")->needs, METRICS_NEEDS_PROBA);
	assert_int_equal(metrics_lookup("inertia")->needs, METRICS_NEEDS_CENTRES);

	/* every row's compute slot reproduces the direct call */
	const int yt[] = { 0, 1, 2, 2, 1, 0, 1 }, yp[] = { 0, 2, 2, 2, 1, 1, 1 };
	const double pr[] = { .7, .2, .1, .2, .3, .5, .1, .1, .8, .3, .3, .4,
		              .2, .6, .2, .4, .5, .1, .1, .8, .1 };
	const double rt[] = { 1, 2, 0, 4 }, rp[] = { 1.5, 2, 0.5, 3 };
	const double X[] = { 0, 0, 1, 0, 5, 5, 6, 5, 0, 1 };
	const int lab[] = { 0, 0, 1, 1, 0 };
	const double cen[] = { 1.0 / 3, 1.0 / 3, 5.5, 5 };
	struct metrics_input cin = { .n = 7, .k = 3, .y_true_class = yt, .y_pred_class = yp,
		                     .proba = pr };
	struct metrics_input rin = { .n = 4, .y_true = rt, .y_pred = rp };
	struct metrics_input kin = { .n = 5, .k = 2, .X = X, .d = 2, .labels = lab,
		                     .centres = cen };
	double a, b, c;
	assert_int_equal(metrics_table[0].compute(&cin, &a, NULL), 0);
	assert_int_equal(metrics_accuracy(yt, yp, 7, 3, &b, NULL), 0);
	assert_true(a == b && a == 5.0 / 7);
	for (size_t i = 0; i < metrics_table_len; i++) {
		const struct metrics_info *m = &metrics_table[i];
		const struct metrics_input *in = m->task == METRICS_TASK_CLASSIFICATION ? &cin
		                                 : m->task == METRICS_TASK_REGRESSION   ? &rin
		                                                                        : &kin;
		a = NAN;
		if (m->compute(in, &a, NULL) != 0 || !isfinite(a))
			fail_msg("table row %s failed", m->name);
	}
	assert_int_equal(metrics_lookup("f1_weighted")->compute(&cin, &a, NULL), 0);
	assert_int_equal(metrics_prf(yt, yp, 7, 3, METRICS_AVERAGE_WEIGHTED, NULL, NULL, &b,
	                             NULL), 0);
	assert_true(a == b);
	assert_int_equal(metrics_lookup("silhouette")->compute(&kin, &a, NULL), 0);
	assert_int_equal(metrics_silhouette(X, 5, 2, lab, 2, NULL, 0, &b, NULL), 0);
	assert_true(a == b);
	assert_int_equal(metrics_lookup("r2")->compute(&rin, &c, NULL), 0);
	assert_int_equal(metrics_r2(rt, rp, 4, &b, NULL), 0);
	assert_true(c == b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_classification),
		cmocka_unit_test(test_fixture_regression),
		cmocka_unit_test(test_fixture_clustering),
		cmocka_unit_test(test_hand_auc),
		cmocka_unit_test(test_hand_classification),
		cmocka_unit_test(test_hand_regression),
		cmocka_unit_test(test_hand_clustering),
		cmocka_unit_test(test_silhouette_sample_order),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_table),
	};
	return cmocka_run_group_tests_name("metrics", tests, load_fixture, free_fixture);
}
