/*
 * test_plugin.c — the descriptor checks and the parameter accessor of the
 * plugin loader: the parameter array is stepped by the element size the
 * plugin declares (ABI 1.1) or by the frozen ABI 1.0 size (ABI 1.0), and a
 * declared size that cannot be a lathe_param_spec is refused with both
 * sizes named.  (Loading real .so files: tests/e2e/plugin_abi.sh.)
 */
#include "testutil.h"
#include "train/plugin.h"

#include <stddef.h>

static int
op_create(const struct lathe_params *p, unsigned task, const struct lathe_host *h,
    struct lathe_model **out, char **err)
{
	(void)p; (void)task; (void)h; (void)out; (void)err;
	return LATHE_EINVAL;
}
static int
op_fit(struct lathe_model *m, const struct lathe_data *d, const struct lathe_host *h,
    char **err)
{
	(void)m; (void)d; (void)h; (void)err;
	return LATHE_EINVAL;
}
static size_t op_width(const struct lathe_model *m) { (void)m; return 1; }
static int
op_predict(const struct lathe_model *m, size_t n, size_t d, const double *X, double *out,
    char **err)
{
	(void)m; (void)n; (void)d; (void)X; (void)out; (void)err;
	return LATHE_EINVAL;
}
static int
op_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	(void)m; (void)buf; (void)len; (void)err;
	return LATHE_EINVAL;
}
static int
op_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	(void)buf; (void)len; (void)out; (void)err;
	return LATHE_EINVAL;
}
static void op_destroy(struct lathe_model *m) { (void)m; }

/* Elements larger than lathe's own, as a later minor's would be. */
struct wide_spec {
	struct lathe_param_spec	 s;
	const char		*unit;
	double			 extra[5];
};

static const char *const modes[] = { "a", "b", NULL };
static const struct wide_spec wide[] = {
	{ { .name = "alpha", .type = LATHE_PARAM_REAL, .def = 1, .min = 0, .has_min = 1,
	    .exclusive_min = 1 }, "x", { 0 } },
	{ { .name = "depth", .type = LATHE_PARAM_INT, .def = 3, .min = 1, .max = 9, .has_min = 1,
	    .has_max = 1 }, "y", { 0 } },
	{ { .name = "mode", .type = LATHE_PARAM_CHOICE, .choices = modes, .def_choice = "b" },
	  "z", { 0 } },
};

static const struct lathe_param_spec plain[] = {
	{ .name = "alpha", .type = LATHE_PARAM_REAL, .def = 1 },
	{ .name = "depth", .type = LATHE_PARAM_INT, .def = 3 },
	{ .name = "mode", .type = LATHE_PARAM_CHOICE, .choices = modes, .def_choice = "b" },
};

static struct lathe_plugin
desc(uint32_t minor, const void *params, size_t sizeof_param)
{
	struct lathe_plugin d = {
		.abi_major = LATHE_PLUGIN_ABI_MAJOR, .abi_minor = minor, .name = "t",
		.version = "1", .description = "d", .tasks = LATHE_TASK_REGRESSION,
		.params = params, .nparams = 3, .model_format = 1, .create = op_create,
		.fit = op_fit, .output_width = op_width, .predict = op_predict, .save = op_save,
		.load = op_load, .destroy = op_destroy, .sizeof_param = sizeof_param,
	};
	return d;
}

static void
test_frozen_size(void **state)
{
	(void)state;
	/* eight pointer-or-double slots, four ints in pairs, padding: 88 on LP64 */
	if (sizeof(void *) == 8)
		assert_int_equal(PLUGIN_PARAM_SIZE_1_0, 88);
	assert_true(sizeof(struct lathe_param_spec) >= PLUGIN_PARAM_SIZE_1_0);
}

static void
test_wide_elements(void **state)
{
	(void)state;
	struct lathe_plugin d = desc(1, wide, sizeof wide[0]);
	char *err = NULL;
	assert_int_equal(plugin_check_desc(&d, &err), 0);
	assert_null(err);
	assert_int_equal(plugin_param_size(&d), sizeof wide[0]);
	for (size_t i = 0; i < 3; i++)
		assert_ptr_equal(plugin_param(&d, i), &wide[i].s);
	assert_string_equal(plugin_param(&d, 1)->name, "depth");
	assert_true(plugin_param(&d, 1)->max == 9);
	assert_string_equal(plugin_param(&d, 2)->def_choice, "b");
}

static void
test_abi_1_0(void **state)
{
	(void)state;
	/* a 1.0 descriptor has no sizeof_param: whatever is there is ignored */
	struct lathe_plugin d = desc(0, plain, 3);
	char *err = NULL;
	assert_int_equal(plugin_check_desc(&d, &err), 0);
	assert_int_equal(plugin_param_size(&d), PLUGIN_PARAM_SIZE_1_0);
	assert_string_equal(plugin_param(&d, 2)->name, "mode");
	/* the same plain array declared by a 1.1 plugin */
	d = desc(1, plain, sizeof plain[0]);
	assert_int_equal(plugin_check_desc(&d, &err), 0);
	assert_ptr_equal(plugin_param(&d, 2), &plain[2]);
}

static void
test_refused_sizes(void **state)
{
	static const struct { size_t size; const char *want; } cases[] = {
		{ 0, "smaller than the %zu bytes of an ABI 1.0 lathe_param_spec" },
		{ 8, "smaller than the %zu bytes of an ABI 1.0 lathe_param_spec" },
		{ (size_t)-1, "not a lathe_param_spec size" },
		{ 1u << 20, "not a lathe_param_spec size" },
		{ 1, "smaller than" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lathe_plugin d = desc(1, plain, cases[i].size);
		char *err = NULL, want[200], named[64];
		assert_int_equal(plugin_check_desc(&d, &err), -1);
		assert_non_null(err);
		snprintf(want, sizeof want, cases[i].want, PLUGIN_PARAM_SIZE_1_0);
		snprintf(named, sizeof named, "declares sizeof_param %zu, ", cases[i].size);
		if (strstr(err, want) == NULL || strstr(err, named) == NULL)
			fail_msg("size %zu: '%s'", cases[i].size, err);
		free(err);
	}
	/* misaligned: one byte past the 1.0 size */
	struct lathe_plugin d = desc(1, plain, PLUGIN_PARAM_SIZE_1_0 + 1);
	char *err = NULL;
	assert_int_equal(plugin_check_desc(&d, &err), -1);
	assert_non_null(strstr(err, "which is not a lathe_param_spec size (a multiple of 8"));
	free(err);
}

/* What a duplicate name looks like is read through the same stepping: the
 * third element's name is compared with the first's, not with garbage. */
static void
test_duplicate_through_stride(void **state)
{
	static const struct wide_spec dup[] = {
		{ { .name = "alpha", .type = LATHE_PARAM_REAL, .def = 1 }, NULL, { 0 } },
		{ { .name = "beta", .type = LATHE_PARAM_REAL, .def = 1 }, NULL, { 0 } },
		{ { .name = "alpha", .type = LATHE_PARAM_REAL, .def = 1 }, NULL, { 0 } },
	};
	(void)state;
	struct lathe_plugin d = desc(1, dup, sizeof dup[0]);
	char *err = NULL;
	assert_int_equal(plugin_check_desc(&d, &err), -1);
	assert_string_equal(err, "plugin 't': parameter 'alpha' declared twice");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frozen_size),
		cmocka_unit_test(test_wide_elements),
		cmocka_unit_test(test_abi_1_0),
		cmocka_unit_test(test_refused_sizes),
		cmocka_unit_test(test_duplicate_through_stride),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
