/*
 * test_plugkit.c — parameter checking and messages for the built-in
 * plugins (plugins/kit/plugkit.h), table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit/plugkit.h"
#include "linalg/linalg.h"

static const char *const choices[] = { "a", "b", NULL };

static const struct lathe_param_spec spec[] = {
	{ .name = "C", .type = LATHE_PARAM_REAL, .help = "h", .def = 1, .min = 0,
	  .has_min = 1, .exclusive_min = 1 },
	{ .name = "n", .type = LATHE_PARAM_INT, .help = "h", .def = 3, .min = 1,
	  .has_min = 1, .max = 10, .has_max = 1 },
	{ .name = "flag", .type = LATHE_PARAM_BOOL, .help = "h", .def = 0 },
	{ .name = "mode", .type = LATHE_PARAM_CHOICE, .help = "h", .choices = choices,
	  .def_choice = "a" },
};

static void
test_params(void **state)
{
	static const struct {
		double C, n, flag;
		const char *mode;
		int rc;
		const char *needle;
	} rows[] = {
		{ 1, 3, 0, "a", LATHE_OK, NULL },
		{ 1e-300, 10, 1, "b", LATHE_OK, NULL },
		{ 0, 3, 0, "a", LATHE_EINVAL, "C must be > 0, got 0" },
		{ NAN, 3, 0, "a", LATHE_EINVAL, "C must be a finite number" },
		{ 1, 0, 0, "a", LATHE_EINVAL, "n must be >= 1, got 0" },
		{ 1, 11, 0, "a", LATHE_EINVAL, "n must be <= 10, got 11" },
		{ 1, 2.5, 0, "a", LATHE_EINVAL, "n must be an integer, got 2.5" },
		{ 1, 3, 2, "a", LATHE_EINVAL, "flag must be 0 or 1" },
		{ 1, 3, 0, "c", LATHE_EINVAL, "mode must be one of" },
		{ 1, 3, 0, NULL, LATHE_EINVAL, "mode" },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		double num[4] = { rows[i].C, rows[i].n, rows[i].flag, 0 };
		const char *str[4] = { NULL, NULL, NULL, rows[i].mode };
		struct lathe_params p = { 4, num, str };
		char *err = NULL;

		assert_int_equal(plugkit_params_check(spec, 4, &p, &err), rows[i].rc);
		if (rows[i].needle != NULL) {
			assert_non_null(err);
			if (strstr(err, rows[i].needle) == NULL)
				fail_msg("row %zu: '%s' not in '%s'", i, rows[i].needle, err);
		}
		free(err);
	}
	{
		struct lathe_params p = { 3, (double[4]){ 1, 3, 0, 0 }, NULL };
		char *err = NULL;
		assert_int_equal(plugkit_params_check(spec, 4, &p, &err), LATHE_EINVAL);
		free(err);
		assert_int_equal(plugkit_params_check(spec, 4, NULL, NULL), LATHE_EINVAL);
	}
}

static void
test_misc(void **state)
{
	char *err = NULL;
	double X[4] = { 1, 2, 3, INFINITY };
	struct lathe_data d = { 2, 2, X, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, NULL };

	assert_int_equal(plugkit_choice(&spec[3], "b"), 1);
	assert_int_equal(plugkit_choice(&spec[3], "z"), -1);
	assert_int_equal(plugkit_task_check("x", 1u, 1u, &err), LATHE_OK);
	assert_int_equal(plugkit_task_check("x", 1u, 2u, &err), LATHE_EINVAL);
	free(err);
	err = NULL;
	assert_int_equal(plugkit_task_check("x", 3u, 3u, &err), LATHE_EINVAL);
	free(err);
	err = NULL;
	assert_int_equal(plugkit_data_check(&d, 1, &err), LATHE_EINVAL);
	assert_string_equal(err, "feature 1 of row 1 is not finite");
	free(err);
	err = NULL;
	X[3] = 4;
	assert_int_equal(plugkit_data_check(&d, 1, &err), LATHE_OK);
	assert_int_equal(plugkit_data_check(&d, 3, &err), LATHE_EINVAL);
	free(err);
	assert_int_equal(plugkit_fail(NULL, 5, "x"), 5);
	assert_int_equal(plugkit_status(LINALG_ENOMEM), LATHE_ENOMEM);
	assert_int_equal(plugkit_status(LINALG_EDIM), LATHE_EINVAL);
	assert_int_equal(plugkit_status(LINALG_ENOTPD), LATHE_ENUMERIC);
	assert_true(plugkit_finite(X, 4));
}

/* The linear models' shared pieces: centring and X coef + intercept. */
static void
test_linear_pieces(void **state)
{
	double X[6] = { 1, 10, 2, 20, 6, 30 }, y[3] = { 1, 2, 6 };
	struct lathe_data data = { .n = 3, .d = 2, .X = X, .y = y };
	struct mat *Xc = mat_new(3, 2);
	double yc[3], xm[2], ym, out[3], coef[2] = { 0.5, -1 };
	char *err = NULL;
	(void)state;

	assert_non_null(Xc);
	plugkit_centre(&data, 1, Xc, yc, xm, &ym);
	assert_true(xm[0] == 3 && xm[1] == 20 && ym == 3);
	assert_true(mat_row(Xc, 0)[0] == -2 && mat_row(Xc, 2)[1] == 10);
	assert_true(yc[0] == -2 && yc[2] == 3);
	plugkit_centre(&data, 0, Xc, yc, xm, &ym);
	assert_true(xm[0] == 0 && ym == 0 && mat_row(Xc, 1)[1] == 20 && yc[1] == 2);
	mat_free(Xc);

	assert_int_equal(plugkit_affine_predict("t", coef, 4, 2, 3, 2, X, out, &err), LATHE_OK);
	/* exact through gemv: integers and halves, nothing rounds */
	assert_true(out[0] == 0.5 - 10 + 4 && out[2] == 3 - 30 + 4);
	assert_int_equal(plugkit_affine_predict("t", coef, 4, 2, 0, 2, NULL, NULL, &err),
	    LATHE_OK);
	assert_int_equal(plugkit_affine_predict("t", coef, 4, 2, 3, 3, X, out, &err),
	    LATHE_EINVAL);
	assert_string_equal(err, "t: model has 2 features, input has 3");
	free(err);
	err = NULL;
	assert_int_equal(plugkit_affine_predict("t", coef, 4, 2, 3, 2, NULL, out, &err),
	    LATHE_EINVAL);
	assert_string_equal(err, "t: no input or output buffer");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_linear_pieces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
