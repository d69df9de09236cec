/*
 * test_tui_form.c — the training form's model: fields refuse invalid
 * values at the field (with the engine's own message, here params_set_one
 * against a plugin schema) and keep the old value, typing with the line
 * editor, Enter/Tab/Esc while typing, cycling choices and yes/no fields,
 * and moving over section headings.
 */
#include "lathe_plugin.h"
#include "testutil.h"
#include "train/params.h"
#include "tui/form.h"
#include "tui/keys.h"

#include <curses.h>

static const char *const solvers[] = { "qr", "cholesky", NULL };
static const struct lathe_param_spec specs[] = {
	{ .name = "C", .type = LATHE_PARAM_REAL, .help = "inverse regularisation", .def = 1,
	  .min = 0, .has_min = 1, .exclusive_min = 1, .log_scale = 1 },
	{ .name = "max_iter", .type = LATHE_PARAM_INT, .help = "iterations", .def = 100, .min = 1,
	  .max = 1000, .has_min = 1, .has_max = 1 },
	{ .name = "fit_intercept", .type = LATHE_PARAM_BOOL, .help = "intercept", .def = 1 },
	{ .name = "solver", .type = LATHE_PARAM_CHOICE, .help = "solver", .choices = solvers,
	  .def_choice = "qr" },
};
static const struct lathe_plugin fake = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR, .abi_minor = LATHE_PLUGIN_ABI_MINOR, .name = "fake",
	.version = "1", .description = "a fake", .tasks = LATHE_TASK_REGRESSION, .params = specs,
	.nparams = 4, .sizeof_param = sizeof specs[0],
};

static int
check_param(void *ctx, const struct field *f, const char *text, char **err)
{
	return params_set_one(ctx, f->key + 6, text, err);
}

static void
build(struct form *fm, struct param_values *pv)
{
	struct field *f;
	form_init(fm);
	assert_int_equal(params_init(pv, &fake), 0);
	form_add(fm, FIELD_SECTION, "s1", "data", NULL);
	f = form_add(fm, FIELD_CHOICE, "dataset", "dataset", "iris@1");
	const char *ds[] = { "diabetes@1", "iris@1", "penguins@1" };
	field_choices(f, ds, 3);
	form_add(fm, FIELD_SECTION, "s2", "hyperparameters", NULL);
	for (size_t k = 0; k < fake.nparams; k++) {
		char key[64], val[64];
		enum field_kind kind = specs[k].type == LATHE_PARAM_BOOL ? FIELD_BOOL :
		    specs[k].type == LATHE_PARAM_CHOICE ? FIELD_CHOICE : FIELD_TEXT;
		snprintf(key, sizeof key, "param:%s", specs[k].name);
		params_format(pv, k, val, sizeof val);
		f = form_add(fm, kind, key, specs[k].name, val);
		assert_non_null(f);
		f->check = check_param;
		f->ctx = pv;
		if (kind == FIELD_CHOICE)
			field_choices(f, solvers, 2);
	}
	form_add(fm, FIELD_BUTTON, "launch", "Launch", NULL);
	form_first(fm);
}

static void
type(struct form *fm, const char *s)
{
	for (; *s; s++)
		assert_int_equal(form_edit_key(fm, (unsigned char)*s), FE_EDITED);
}

static void
test_defaults_and_moves(void **state)
{
	struct form fm;
	struct param_values pv;
	(void)state;
	build(&fm, &pv);
	assert_string_equal(fm.f[fm.cur].key, "dataset");	/* the heading is skipped */
	assert_string_equal(form_value(&fm, "param:C"), "1");
	assert_string_equal(form_value(&fm, "param:max_iter"), "100");
	assert_string_equal(form_value(&fm, "param:fit_intercept"), "true");
	assert_string_equal(form_value(&fm, "param:solver"), "qr");
	assert_null(form_value(&fm, "nope"));
	assert_true(form_move(&fm, 1));
	assert_string_equal(fm.f[fm.cur].key, "param:C");	/* over the second heading */
	assert_true(form_move(&fm, -1));
	assert_string_equal(fm.f[fm.cur].key, "dataset");
	assert_false(form_move(&fm, -1));			/* nothing above */
	while (form_move(&fm, 1))
		;
	assert_string_equal(fm.f[fm.cur].key, "launch");
	form_free(&fm);
	params_free(&pv);
}

static void
test_refused_at_the_field(void **state)
{
	struct form fm;
	struct param_values pv;
	(void)state;
	build(&fm, &pv);
	size_t c = (size_t)form_find(&fm, "param:C");
	fm.cur = c;
	/* C must be > 0 */
	form_edit_begin(&fm);
	assert_true(fm.editing);
	assert_string_equal(fm.le.buf, "1");
	assert_int_equal(form_edit_key(&fm, TK(KEY_BACKSPACE)), FE_EDITED);
	type(&fm, "-2");
	assert_int_equal(form_edit_key(&fm, K_ENTER), FE_REFUSED);
	assert_true(fm.editing);			/* still open for correction */
	assert_string_equal(form_value(&fm, "param:C"), "1");	/* old value kept */
	assert_non_null(fm.f[c].error);
	assert_string_equal(fm.f[c].error, "parameter C of fake must be a number > 0, got -2");
	/* zero is refused too (exclusive minimum), text as well */
	assert_int_equal(form_commit(&fm, c, "0"), -1);
	assert_int_equal(form_commit(&fm, c, "abc"), -1);
	assert_non_null(strstr(fm.f[c].error, "got 'abc'"));
	/* correct it: accepted, error cleared, editing ends */
	le_set(&fm.le, "0.5");
	assert_int_equal(form_edit_key(&fm, K_ENTER), FE_COMMITTED);
	assert_false(fm.editing);
	assert_null(fm.f[c].error);
	assert_string_equal(form_value(&fm, "param:C"), "0.5");
	/* integers: a fraction and out-of-range values refused */
	size_t m = (size_t)form_find(&fm, "param:max_iter");
	assert_int_equal(form_commit(&fm, m, "1.5"), -1);
	assert_string_equal(fm.f[m].error,
	    "parameter max_iter of fake must be an integer >= 1 and <= 1000, got '1.5'");
	assert_int_equal(form_commit(&fm, m, "1001"), -1);
	assert_int_equal(form_commit(&fm, m, "1000"), 0);
	assert_string_equal(form_value(&fm, "param:max_iter"), "1000");
	/* Esc while typing: the old value, no error */
	fm.cur = m;
	form_edit_begin(&fm);
	type(&fm, "xyz");
	assert_int_equal(form_edit_key(&fm, K_ESC), FE_CANCELLED);
	assert_string_equal(form_value(&fm, "param:max_iter"), "1000");
	assert_null(fm.f[m].error);
	/* Tab commits like Enter */
	form_edit_begin(&fm);
	le_set(&fm.le, "7");
	assert_int_equal(form_edit_key(&fm, K_TAB), FE_COMMITTED);
	assert_string_equal(form_value(&fm, "param:max_iter"), "7");
	/* keys that are not for the line pass through */
	form_edit_begin(&fm);
	assert_int_equal(form_edit_key(&fm, TK(KEY_UP)), FE_PASS);
	form_free(&fm);
	params_free(&pv);
}

static void
test_cycle(void **state)
{
	struct form fm;
	struct param_values pv;
	(void)state;
	build(&fm, &pv);
	size_t d = (size_t)form_find(&fm, "dataset");
	form_cycle(&fm, d, 1);
	assert_string_equal(form_value(&fm, "dataset"), "penguins@1");
	form_cycle(&fm, d, 1);				/* wraps */
	assert_string_equal(form_value(&fm, "dataset"), "diabetes@1");
	form_cycle(&fm, d, -1);
	assert_string_equal(form_value(&fm, "dataset"), "penguins@1");
	size_t b = (size_t)form_find(&fm, "param:fit_intercept");
	form_cycle(&fm, b, 1);
	assert_string_equal(form_value(&fm, "param:fit_intercept"), "false");
	form_cycle(&fm, b, -1);
	assert_string_equal(form_value(&fm, "param:fit_intercept"), "true");
	size_t s = (size_t)form_find(&fm, "param:solver");
	form_cycle(&fm, s, 1);
	assert_string_equal(form_value(&fm, "param:solver"), "cholesky");
	/* a choice outside the list is refused by the schema */
	assert_int_equal(form_commit(&fm, s, "lu"), -1);
	assert_string_equal(fm.f[s].error,
	    "parameter solver of fake must be one of qr, cholesky, got 'lu'");
	assert_string_equal(form_value(&fm, "param:solver"), "cholesky");
	form_free(&fm);
	params_free(&pv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_moves),
		cmocka_unit_test(test_refused_at_the_field),
		cmocka_unit_test(test_cycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
