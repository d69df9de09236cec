/*
 * test_numparse.c — num_parse must agree bit for bit with strtod on every
 * number it accepts, and reject what is not a plain decimal.
 */
#include "testutil.h"
#include "base/numparse.h"

#include <math.h>

static uint64_t
bits(double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	return u;
}

static void
check_same_as_strtod(const char *s)
{
	double v = 12345, ref = strtod(s, NULL);
	if (!num_parse(s, strlen(s), &v))
		fail_msg("num_parse rejected '%s'", s);
	if (bits(v) != bits(ref))
		fail_msg("'%s': num_parse %.17g (0x%016llx) != strtod %.17g", s, v,
		    (unsigned long long)bits(v), ref);
}

static void
test_accepts(void **state)
{
	static const char *const ok[] = {
		"0", "-0", "+0", "1", "-1", "+7", "3.14", "-2.5", "1.", ".5", "-.5", "007",
		"0.1", "0.2", "0.3", "1e5", "1E5", "1e-5", "2.5e+3", "-1.5E-300", "1e308",
		"4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
		"123456789012345678", "1234567890123456789", "12345678901234567890123",
		"0.000000000000000000000000001", "9007199254740993", "9007199254740992",
		"179769313486231570000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000000000000",
		"0.1000000000000000055511151231257827", "5e-324", "1e-400", "  42  ", "\t3\t",
	};
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		check_same_as_strtod(ok[i]);
}

static void
test_infinity(void **state)
{
	double v;
	(void)state;
	assert_true(num_parse("inf", 3, &v) && isinf(v) && v > 0);
	assert_true(num_parse("-Infinity", 9, &v) && isinf(v) && v < 0);
	assert_true(num_parse("+INF", 4, &v) && isinf(v) && v > 0);
	/* 1e400 overflows to inf, as strtod says */
	assert_true(num_parse("1e400", 5, &v) && isinf(v));
	/* the import rule (issue 9): overflow keeps its sign, any case of the
	 * words, underflow to the nearest double (here -0) */
	assert_true(num_parse("-1e400", 6, &v) && isinf(v) && v < 0);
	assert_true(num_parse("1.8e308", 7, &v) && isinf(v) && v > 0);
	assert_true(num_parse("iNfInItY", 8, &v) && isinf(v) && v > 0);
	assert_true(num_parse("-1e-400", 7, &v) && v == 0 && signbit(v));
}

static void
test_rejects(void **state)
{
	static const char *const bad[] = {
		"", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "0x1p3", "0x10",
		"nan", "NaN", "-nan", "infinit", "info", "1 2", "12abc", "abc", "--1",
		"+-1", "1e5.5", "١٢", "1_000", "$5", "5%",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		double v = 7;
		if (num_parse(bad[i], strlen(bad[i]), &v))
			fail_msg("num_parse accepted '%s' as %.17g", bad[i], v);
	}
}

/* Not NUL-terminated: the length bounds the parse. */
static void
test_length_bounded(void **state)
{
	double v;
	(void)state;
	assert_true(num_parse("123456", 3, &v));
	assert_true(v == 123.0);
	assert_true(num_parse("1.5e3", 3, &v));
	assert_true(v == 1.5);
}

/* Random doubles printed every common way must come back exactly. */
static void
test_random_roundtrip(void **state)
{
	static const char *const fmts[] = { "%.17g", "%.15g", "%.6g", "%.3f", "%.10e", "%g",
		"%.1f", "%.0f" };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char buf[64];
	(void)state;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		double d;
		if (i % 2) {
			uint64_t u = x;
			memcpy(&d, &u, 8);
			if (!isfinite(d))
				continue;
		} else {
			d = (double)(int64_t)(x >> 20) / (double)(1 + (x & 0xffff)) *
			    pow(10, (double)((int)(x % 13) - 6));
		}
		snprintf(buf, sizeof buf, fmts[i % 8], d);
		check_same_as_strtod(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_infinity),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_random_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
