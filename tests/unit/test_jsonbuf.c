/*
 * test_jsonbuf.c — the summary JSON writer (plugins/kit/jsonbuf.h): automatic
 * commas, nesting, escaping, round-tripping numbers, null for NaN/inf, and
 * '.' as the decimal point whatever the locale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit/jsonbuf.h"
#include "linalg/linalg.h"

static void
test_shapes(void **state)
{
	struct jbuf b;
	char *s = NULL;
	double m[4] = { 1, 2.5, -3, 0.1 };

	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "a");
	jbuf_nums(&b, m, 2);
	jbuf_key(&b, "m");
	jbuf_matrix(&b, m, 2, 2);
	jbuf_key(&b, "x");
	jbuf_num(&b, NAN);
	jbuf_key(&b, "y");
	jbuf_num(&b, -INFINITY);
	jbuf_key(&b, "n");
	jbuf_int(&b, -42);
	jbuf_key(&b, "t");
	jbuf_bool(&b, 1);
	jbuf_key(&b, "s");
	jbuf_str(&b, "q\"\\\n");
	jbuf_key(&b, "e");
	jbuf_arr(&b);
	jbuf_arr_end(&b);
	jbuf_obj_end(&b);
	assert_int_equal(jbuf_finish(&b, &s), LINALG_OK);
	assert_string_equal(s, "{\"a\":[1,2.5],\"m\":[[1,2.5],[-3,0.10000000000000001]],"
	    "\"x\":null,\"y\":null,\"n\":-42,\"t\":true,\"s\":\"q\\\"\\\\\\u000a\",\"e\":[]}");
	free(s);
}

static void
test_unbalanced(void **state)
{
	struct jbuf b;
	char *s = NULL;

	jbuf_init(&b);
	jbuf_obj(&b);
	assert_int_equal(jbuf_finish(&b, &s), LINALG_EINVAL);
	assert_null(s);
}

static void
test_roundtrip_and_locale(void **state)
{
	char buf[40];
	double v[] = { 0.1, 1.0 / 3.0, 6.02214076e23, -5e-324, 1.7976931348623157e308 };
	size_t i;

	/* a comma locale, if the machine has one; C otherwise */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL)
		setlocale(LC_NUMERIC, "C");
	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		jbuf_format_double(buf, sizeof buf, v[i]);
		assert_null(strchr(buf, ','));
		setlocale(LC_NUMERIC, "C");
		assert_true(strtod(buf, NULL) == v[i]);
	}
	setlocale(LC_NUMERIC, "C");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_unbalanced),
		cmocka_unit_test(test_roundtrip_and_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
