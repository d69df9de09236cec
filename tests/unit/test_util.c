/*
 * test_util.c — string dictionary, JSON writer, number formatting,
 * UTF-8 validation and text tables.
 */
#include "testutil.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "cli/texttab.h"
#include "store/table.h"

#include <math.h>

static void
test_strdict(void **state)
{
	struct strdict d;
	uint32_t c;
	char buf[32];
	(void)state;
	strdict_init(&d);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 10000; i++) {
			snprintf(buf, sizeof buf, "v%d", i);
			assert_int_equal(strdict_intern(&d, buf, strlen(buf), &c), 0);
			assert_int_equal(c, (uint32_t)i);	/* first-appearance codes, stable */
		}
	assert_int_equal(d.n, 10000);
	assert_string_equal(strdict_get(&d, 1234), "v1234");
	assert_int_equal(strdict_find(&d, "v77", 3), 77);
	/* appended without an index: lookups scan, then index */
	struct strdict e;
	strdict_init(&e);
	assert_int_equal(strdict_append(&e, "x", 1), 0);
	assert_int_equal(strdict_append(&e, "yy", 2), 0);
	assert_int_equal(strdict_find(&e, "yy", 2), 1);
	assert_int_equal(strdict_index(&e), 0);
	assert_int_equal(strdict_find(&e, "yy", 2), 1);
	assert_int_equal(strdict_find(&e, "y", 1), CODE_NA);
	strdict_free(&e);
	assert_int_equal(strdict_find(&d, "v77x", 4), CODE_NA);
	/* prefixes and the empty string are distinct keys */
	assert_int_equal(strdict_intern(&d, "v1", 1, &c), 0);
	assert_string_equal(strdict_get(&d, c), "v");
	assert_int_equal(strdict_intern(&d, "", 0, &c), 0);
	assert_string_equal(strdict_get(&d, c), "");
	strdict_free(&d);
}

static void
test_json_writer(void **state)
{
	struct sbuf b;
	struct jw w;
	(void)state;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "s"); jw_str(&w, "a\"b\\c\n\t\x01é");
	jw_key(&w, "n");
	jw_arr(&w);
	jw_num(&w, 5.1); jw_num(&w, 181); jw_num(&w, -0.0); jw_num(&w, NAN); jw_num(&w, 1e300);
	jw_num(&w, 0.1 + 0.2); jw_int(&w, -42); jw_bool(&w, 1); jw_null(&w);
	jw_arr_end(&w);
	jw_key(&w, "e"); jw_arr(&w); jw_arr_end(&w);
	jw_obj_end(&w);
	assert_string_equal(b.s, "{\"s\": \"a\\\"b\\\\c\\n\\t\\u0001é\", \"n\": [5.1, 181, -0.0, "
	    "null, 1e+300, 0.30000000000000004, -42, true, null], \"e\": []}");
	sbuf_free(&b);
}

static void
test_fmt_double(void **state)
{
	char buf[32];
	(void)state;
	assert_string_equal(fmt_double(buf, 0.1), "0.1");
	assert_string_equal(fmt_double(buf, 1.0 / 3), "0.3333333333333333");
	assert_string_equal(fmt_double(buf, 100), "100");
	assert_string_equal(fmt_double(buf, NAN), "nan");
	assert_string_equal(fmt_double(buf, -INFINITY), "-inf");
	assert_true(strtod(fmt_double(buf, 2.2250738585072014e-308), NULL) == 2.2250738585072014e-308);
	/* subnormals are shortest too (regression: printed with 15 digits) */
	assert_string_equal(fmt_double(buf, 4.9e-324), "5e-324");
	assert_string_equal(fmt_double(buf, 1e-310), "1e-310");
}

static void
test_utf8(void **state)
{
	size_t bad = 0;
	(void)state;
	assert_true(utf8_valid((const unsigned char *)"plain ascii text, long enough", 29, &bad));
	{
		const char *u = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
		assert_true(utf8_valid((const unsigned char *)u, strlen(u), &bad));
	}
	assert_false(utf8_valid((const unsigned char *)"ab\xff", 3, &bad));
	assert_int_equal(bad, 2);
	assert_false(utf8_valid((const unsigned char *)"\xc0\xaf", 2, &bad));	/* overlong */
	assert_false(utf8_valid((const unsigned char *)"\xed\xa0\x80", 3, &bad));	/* surrogate */
	assert_false(utf8_valid((const unsigned char *)"\xe2\x82", 2, &bad));	/* truncated */
	/* the offset is the start of the bad sequence, not the byte after it */
	assert_false(utf8_valid((const unsigned char *)"caf\xe9 au", 7, &bad));
	assert_int_equal(bad, 3);
	assert_false(utf8_valid((const unsigned char *)"abcdefgh\0ijk", 12, &bad));
	assert_int_equal(bad, 8);
}

static void
test_texttab(void **state)
{
	static const char *const hdr[] = { "NAME", "N" };
	struct texttab *t = texttab_new(2);
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	texttab_header(t, hdr);
	texttab_right(t, 1);
	texttab_limit(t, 0, 6);
	texttab_cell(t, "é");
	texttab_cell(t, "5");
	texttab_cell(t, "abcdefghij");
	texttab_cell(t, "123");
	assert_int_equal(texttab_render(t, &b), 0);
	assert_string_equal(b.s, "NAME      N\né         5\nabcde…  123\n");
	texttab_free(t);
	sbuf_free(&b);
}

static void
test_strpool(void **state)
{
	struct strpool p = { 0 };
	char *kept[3000], buf[32];
	(void)state;
	for (int i = 0; i < 3000; i++) {		/* several blocks */
		int n = snprintf(buf, sizeof buf, "string %d of the pool", i);
		assert_non_null(kept[i] = strpool_put(&p, buf, (size_t)n));
	}
	char *big = malloc(100000);
	memset(big, 'x', 100000);
	char *b = strpool_put(&p, big, 100000);		/* larger than a block */
	assert_non_null(b);
	assert_int_equal(strlen(b), 100000);
	assert_string_equal(kept[0], "string 0 of the pool");
	assert_string_equal(kept[2999], "string 2999 of the pool");
	assert_string_equal(strpool_put(&p, "abc", 2), "ab");
	free(big);
	strpool_free(&p);
	assert_null(p.head);
	strpool_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strdict),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_fmt_double),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_texttab),
		cmocka_unit_test(test_strpool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
