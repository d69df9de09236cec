/*
 * test_chunkenc.c — the compact chunk encodings: every value decodes to
 * the same bits, the widths and exceptions are the ones expected, raw
 * stays raw, and damaged bytes are refused rather than misread.
 */
#include "testutil.h"
#include "base/numparse.h"
#include "store/chunkenc.h"
#include "store/table.h"

#include <math.h>

#define N 65536

static unsigned char buf[CHUNKENC_BOUND(N)];
static double xs[N], back[N];
static uint32_t cs[N], cback[N];

static uint64_t rng = 88172645463325252ull;

static double
unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* As a CSV writer would print it (%.6g), read back by the importer. */
static double
printed(double v)
{
	char s[64];
	double d;
	int len = snprintf(s, sizeof s, "%.6g", v);
	assert_true(num_parse(s, (size_t)len, &d));
	return d;
}

static void
assert_same_bits(const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof a[i]) != 0)
			fail_msg("row %zu: %.17g decoded as %.17g", i, a[i], b[i]);
}

static size_t
roundtrip(size_t n)
{
	size_t bytes = chunkenc_num(xs, n, buf);
	if (bytes) {
		assert_true(bytes < n * sizeof(double));
		memset(back, 0x55, sizeof back);
		assert_int_equal(chunkenc_decode(buf, bytes, n, 1, back, n), 0);
		assert_same_bits(xs, back, n);
	}
	return bytes;
}

static void
test_printed_decimals(void **state)
{
	(void)state;
	/* the benchmark's columns: 6 significant digits around various means,
	 * about 1% missing */
	for (int col = 0; col < 6; col++) {
		double mean = col * 7.0 - 5.0, sd = 1.0 + col;
		for (size_t i = 0; i < N; i++) {
			double z = (unif() + unif() + unif() + unif() - 2.0) * 1.7;
			xs[i] = unif() < 0.01 ? NAN : printed(mean + sd * z);
		}
		size_t bytes = roundtrip(N);
		assert_int_not_equal(bytes, 0);
		assert_int_equal(buf[0], CHUNKENC_DECIMAL);
		assert_int_equal(buf[1], 4);
		assert_true(bytes < N * sizeof(double) * 6 / 10);
	}
}

static void
test_widths(void **state)
{
	(void)state;
	for (size_t i = 0; i < N; i++)		/* a 0/1 label */
		xs[i] = (double)(i % 3 == 0);
	assert_int_equal(roundtrip(N), CHUNKENC_HEADER + N);
	assert_int_equal(buf[1], 1);
	assert_int_equal(buf[2], 0);
	for (size_t i = 0; i < N; i++)		/* one decimal, to +-3000.0 */
		xs[i] = printed(((double)(i % 60001) - 30000.0) / 10.0);
	assert_int_equal(roundtrip(N), CHUNKENC_HEADER + 2 * N);
	assert_int_equal(buf[1], 2);
	assert_int_equal(buf[2], 1);
	for (size_t i = 0; i < N; i++)		/* cents, to 100,000.00 */
		xs[i] = (double)(int64_t)(unif() * 1e7) / 100.0;
	assert_int_equal(roundtrip(N), CHUNKENC_HEADER + 4 * N);
	assert_int_equal(buf[1], 4);
	assert_int_equal(buf[2], 2);
	for (size_t i = 0; i < N; i++)		/* -127 and 127 still fit a byte */
		xs[i] = i % 2 ? 127.0 : -127.0;
	assert_int_equal(roundtrip(N), CHUNKENC_HEADER + N);
	xs[5] = -128.0;
	assert_int_equal(roundtrip(N), CHUNKENC_HEADER + 2 * N);
}

static void
test_exceptions(void **state)
{
	(void)state;
	static const double odd[] = { -0.0, INFINITY, -INFINITY, 5e-324, 1e300,
	    0.1 + 0.2, 3e9, -2147483648.0, 1.0 / 3.0 };
	const size_t nodd = sizeof odd / sizeof odd[0];
	double payload_nan;
	uint64_t bits = 0x7ff8000000000123ull;
	memcpy(&payload_nan, &bits, sizeof bits);

	for (size_t i = 0; i < N; i++)
		xs[i] = printed(1.0 + unif() * 100.0);
	for (size_t k = 0; k < nodd; k++)
		xs[k * 997 + 3] = odd[k];
	xs[N - 1] = payload_nan;
	xs[77] = NAN;			/* canonical: a slot, not an exception */
	size_t bytes = roundtrip(N);
	assert_int_not_equal(bytes, 0);
	uint32_t nx;
	memcpy(&nx, buf + 4, 4);
	assert_int_equal(nx, nodd + 1);
	assert_int_equal(bytes, CHUNKENC_HEADER + (size_t)buf[1] * N + 12 * nx);

	/* only the first rows: exceptions past them are not written */
	memset(back, 0, sizeof back);
	assert_int_equal(chunkenc_decode(buf, bytes, N, 1, back, 1000), 0);
	assert_same_bits(xs, back, 1000);
	assert_true(back[1000] == 0.0);
	assert_int_equal(chunkenc_decode(buf, bytes, N, 1, back, 0), 0);
}

static void
test_stays_raw(void **state)
{
	(void)state;
	for (size_t i = 0; i < N; i++)		/* full-precision doubles */
		xs[i] = unif() * 2.0 - 1.0;
	assert_int_equal(chunkenc_num(xs, N, buf), 0);
	for (size_t i = 0; i < N; i++)		/* a third exceptions: not worth it */
		xs[i] = i % 3 ? (double)i : 1.0 / (double)(i + 3);
	assert_int_equal(chunkenc_num(xs, N, buf), 0);
	xs[0] = 1.0;				/* too few values to bother */
	assert_int_equal(chunkenc_num(xs, 3, buf), 0);
	/* raw bytes decode as themselves */
	for (size_t i = 0; i < 100; i++)
		xs[i] = unif();
	assert_int_equal(chunkenc_decode(xs, 100 * sizeof(double), 100, 1, back, 100), 0);
	assert_same_bits(xs, back, 100);
}

static void
test_all_missing(void **state)
{
	(void)state;
	for (size_t i = 0; i < 1000; i++)
		xs[i] = NAN;
	assert_int_equal(roundtrip(1000), CHUNKENC_HEADER + 1000);
}

static void
test_codes(void **state)
{
	(void)state;
	static const uint32_t ncodes[] = { 1, 5, 254, 255, 300, 65534, 65535, 70000 };
	static const int width[] = { 1, 1, 1, 2, 2, 2, 0, 0 };
	for (size_t t = 0; t < sizeof ncodes / sizeof ncodes[0]; t++) {
		for (size_t i = 0; i < N; i++)
			cs[i] = i % 101 == 0 ? CODE_NA : (uint32_t)(i * 7919u) % ncodes[t];
		cs[1] = ncodes[t] - 1;
		size_t bytes = chunkenc_codes(cs, N, ncodes[t], buf);
		if (width[t] == 0) {
			assert_int_equal(bytes, 0);
			continue;
		}
		assert_int_equal(bytes, CHUNKENC_HEADER + (size_t)width[t] * N);
		assert_int_equal(buf[0], CHUNKENC_CODES);
		assert_int_equal(chunkenc_decode(buf, bytes, N, 0, cback, N), 0);
		assert_memory_equal(cs, cback, N * sizeof *cs);
	}
	assert_int_equal(chunkenc_codes(cs, 2, 5, buf), 0);	/* 10 bytes >= 8 raw */
}

static void
test_damage_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < 1000; i++)
		xs[i] = printed(1.0 + unif() * 10.0);
	xs[10] = -0.0;
	xs[20] = 1.0 / 3.0;
	size_t bytes = chunkenc_num(xs, 1000, buf);
	assert_int_not_equal(bytes, 0);
	assert_int_equal(chunkenc_decode(buf, bytes, 1000, 1, back, 1000), 0);

	unsigned char bad[CHUNKENC_BOUND(1000)];
	memcpy(bad, buf, bytes);
	assert_int_equal(chunkenc_decode(bad, bytes - 1, 1000, 1, back, 1000), -1);
	assert_int_equal(chunkenc_decode(bad, bytes, 999, 1, back, 999), -1);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 0, cback, 1000), -1);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1001), -1);
	assert_int_equal(chunkenc_decode(bad, 5, 1000, 1, back, 1000), -1);
	assert_int_equal(chunkenc_decode(NULL, 0, 1000, 1, back, 1000), -1);
	bad[1] = 3;					/* width */
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	bad[1] = buf[1];
	bad[2] = CHUNKENC_MAXEXP + 1;			/* exponent */
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	bad[2] = buf[2];
	bad[0] = CHUNKENC_CODES;			/* format */
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	bad[0] = buf[0];
	/* exception offsets: out of range, out of order, not at a slot */
	size_t xo = CHUNKENC_HEADER + 1000 * (size_t)buf[1];
	uint32_t v = 1000;
	memcpy(bad + xo, &v, 4);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	v = 30;
	memcpy(bad + xo, &v, 4);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	v = 11;
	memcpy(bad + xo, &v, 4);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), -1);
	memcpy(bad, buf, bytes);
	assert_int_equal(chunkenc_decode(bad, bytes, 1000, 1, back, 1000), 0);
	assert_same_bits(xs, back, 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printed_decimals),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_stays_raw),
		cmocka_unit_test(test_all_missing),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_damage_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
