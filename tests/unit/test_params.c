/*
 * test_params.c — hyperparameter values against a plugin's schema: the
 * strict number syntax (integers in digits only; reals decimal, with
 * subnormals kept and underflow to 0 refused), bounds, booleans, choices,
 * the messages, and the JSON round trip a re-run relies on.
 */
#include "testutil.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/params.h"

#include <float.h>
#include <math.h>

static const char *const solvers[] = { "qr", "cholesky", NULL };
static const struct lathe_param_spec specs[] = {
	{ .name = "max_iter", .type = LATHE_PARAM_INT, .def = 100, .min = 1, .max = 1e9,
	  .has_min = 1, .has_max = 1 },
	{ .name = "C", .type = LATHE_PARAM_REAL, .def = 1, .min = 0, .has_min = 1,
	  .exclusive_min = 1 },
	{ .name = "tol", .type = LATHE_PARAM_REAL, .def = 1e-4, .min = 0, .has_min = 1 },
	{ .name = "shift", .type = LATHE_PARAM_INT, .def = 0 },
	{ .name = "fit_intercept", .type = LATHE_PARAM_BOOL, .def = 1 },
	{ .name = "solver", .type = LATHE_PARAM_CHOICE, .choices = solvers, .def_choice = "qr" },
};
static const struct lathe_plugin fake = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR, .abi_minor = LATHE_PLUGIN_ABI_MINOR, .name = "fake",
	.version = "1", .description = "d", .tasks = LATHE_TASK_REGRESSION, .params = specs,
	.nparams = 6, .sizeof_param = sizeof specs[0],
};

struct num_case {
	const char	*kv;
	int		 ok;
	double		 want;		/* when ok */
	const char	*err;		/* when not: the whole message */
};

static void
test_numbers(void **state)
{
	static const struct num_case cases[] = {
		/* integers: digits only */
		{ "max_iter=16", 1, 16, NULL },
		{ "max_iter=+16", 1, 16, NULL },
		{ "max_iter=016", 1, 16, NULL },	/* decimal, not octal */
		{ "max_iter=1000000000", 1, 1e9, NULL },
		{ "max_iter=0x10", 0, 0, "parameter max_iter of fake must be an integer >= 1 and "
		  "<= 1000000000, got '0x10'" },
		{ "max_iter=1e3", 0, 0, "parameter max_iter of fake must be an integer >= 1 and "
		  "<= 1000000000, got '1e3' (write integers in digits: 1000)" },
		{ "max_iter=100.0", 0, 0, "parameter max_iter of fake must be an integer >= 1 and "
		  "<= 1000000000, got '100.0' (write integers in digits: 100)" },
		{ "max_iter=1.5", 0, 0, "parameter max_iter of fake must be an integer >= 1 and "
		  "<= 1000000000, got '1.5'" },
		{ "max_iter=12abc", 0, 0, NULL },
		{ "max_iter= 12", 0, 0, NULL },
		{ "max_iter=12 ", 0, 0, NULL },
		{ "max_iter=", 0, 0, NULL },
		{ "max_iter=-", 0, 0, NULL },
		{ "max_iter=inf", 0, 0, NULL },
		{ "max_iter=nan", 0, 0, NULL },
		{ "max_iter=0", 0, 0, "parameter max_iter of fake must be an integer >= 1 and "
		  "<= 1000000000, got 0" },
		{ "max_iter=1000000001", 0, 0, NULL },
		{ "shift=-7", 1, -7, NULL },
		{ "shift=-0", 1, 0, NULL },
		{ "shift=2147483647", 1, 2147483647.0, NULL },
		{ "shift=2147483648", 0, 0, NULL },	/* past an int */
		{ "shift=99999999999999999999", 0, 0, NULL },
		/* reals: decimal */
		{ "C=0.5", 1, 0.5, NULL },
		{ "C=.5", 1, 0.5, NULL },
		{ "C=5.", 1, 5, NULL },
		{ "C=1e5", 1, 1e5, NULL },
		{ "C=2.5E-3", 1, 2.5e-3, NULL },
		{ "C=1e-320", 1, 1e-320, NULL },	/* a positive subnormal is > 0 */
		{ "C=4.9406564584124654e-324", 1, 4.9406564584124654e-324, NULL },
		{ "C=2.2250738585072014e-308", 1, DBL_MIN, NULL },
		{ "C=1e-400", 0, 0, "parameter C of fake must be a number > 0, got '1e-400' (too "
		  "close to 0 for a double: it would round to 0)" },
		{ "C=1e999", 0, 0, "parameter C of fake must be a number > 0, got '1e999' (too "
		  "large for a double)" },
		{ "C=0", 0, 0, "parameter C of fake must be a number > 0, got 0" },
		{ "C=-1e-320", 0, 0, NULL },
		{ "C=0x1p-3", 0, 0, NULL },		/* strtod reads hex floats */
		{ "C=inf", 0, 0, NULL },
		{ "C=infinity", 0, 0, NULL },
		{ "C=nan", 0, 0, NULL },
		{ "C=1,5", 0, 0, NULL },
		{ "C= 1", 0, 0, NULL },
		{ "C=1e", 0, 0, NULL },
		{ "C=e5", 0, 0, NULL },
		{ "C=.", 0, 0, NULL },
		{ "tol=0", 1, 0, NULL },
		{ "tol=0e-400", 1, 0, NULL },		/* exactly 0: no underflow */
		{ "tol=-0", 1, 0, NULL },
		{ "tol=-0.1", 0, 0, "parameter tol of fake must be a number >= 0, got -0.1" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct num_case *c = &cases[i];
		struct param_values v;
		char *err = NULL;
		assert_int_equal(params_init(&v, &fake), 0);
		int rc = params_set(&v, c->kv, &err);
		size_t k = strchr(c->kv, '=') - c->kv;
		size_t j = 0;
		while (strncmp(specs[j].name, c->kv, k) != 0 || specs[j].name[k])
			j++;
		if (c->ok) {
			if (rc != 0)
				fail_msg("'%s' refused: %s", c->kv, err);
			if (v.num[j] != c->want || signbit(v.num[j]) != signbit(c->want))
				fail_msg("'%s': %.17g, expected %.17g", c->kv, v.num[j], c->want);
			assert_int_equal(v.set[j], 1);
		} else {
			if (rc == 0)
				fail_msg("'%s' accepted as %.17g", c->kv, v.num[j]);
			assert_non_null(err);
			if (c->err && strcmp(err, c->err) != 0)
				fail_msg("'%s':\n  got  %s\n  want %s", c->kv, err, c->err);
			assert_true(v.num[j] == specs[j].def);	/* unchanged */
			assert_int_equal(v.set[j], 0);
		}
		free(err);
		params_free(&v);
	}
}

static void
test_bool_choice_unknown(void **state)
{
	static const struct { const char *kv; int ok; const char *err; } cases[] = {
		{ "fit_intercept=false", 1, NULL },
		{ "fit_intercept=YES", 1, NULL },
		{ "fit_intercept=2", 0, "parameter fit_intercept of fake must be true or false, "
		  "got '2'" },
		{ "solver=cholesky", 1, NULL },
		{ "solver=lu", 0, "parameter solver of fake must be one of qr, cholesky, got 'lu'" },
		{ "alpha=1", 0, "unknown parameter 'alpha' for fake (valid: max_iter, C, tol, shift, "
		  "fit_intercept, solver)" },
		{ "=1", 0, "bad --set '=1' (expected KEY=VALUE)" },
		{ "C", 0, "bad --set 'C' (expected KEY=VALUE)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct param_values v;
		char *err = NULL;
		assert_int_equal(params_init(&v, &fake), 0);
		int rc = params_set(&v, cases[i].kv, &err);
		if (cases[i].ok) {
			if (rc != 0)
				fail_msg("'%s': %s", cases[i].kv, err);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, cases[i].err);
		}
		free(err);
		params_free(&v);
	}
}

/* What a run records (params_json) reads back to the same values
 * (params_from_json), subnormals included: re-runs depend on it. */
static void
test_json_round_trip(void **state)
{
	struct param_values v, w;
	struct sbuf b;
	struct jw j;
	char *err = NULL;
	(void)state;
	assert_int_equal(params_init(&v, &fake), 0);
	assert_int_equal(params_set(&v, "C=1e-320", &err), 0);
	assert_int_equal(params_set(&v, "max_iter=7", &err), 0);
	assert_int_equal(params_set(&v, "shift=-3", &err), 0);
	assert_int_equal(params_set(&v, "tol=0.1", &err), 0);
	assert_int_equal(params_set(&v, "solver=cholesky", &err), 0);
	assert_int_equal(params_set(&v, "fit_intercept=false", &err), 0);
	sbuf_init(&b);
	jw_init(&j, &b, 0);
	params_json(&v, &j);
	assert_int_equal(params_init(&w, &fake), 0);
	if (params_from_json(&w, b.s, &err) != 0)
		fail_msg("%s: %s", b.s, err);
	for (size_t i = 0; i < v.n; i++) {
		assert_true(v.num[i] == w.num[i]);
		assert_true((v.str[i] == NULL) == (w.str[i] == NULL));
		if (v.str[i])
			assert_string_equal(v.str[i], w.str[i]);
	}
	sbuf_free(&b);
	params_free(&v);
	params_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_bool_choice_unknown),
		cmocka_unit_test(test_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
