/*
 * test_blobio.c — the model payload frame (plugins/kit/blobio.h): round trips,
 * the CRC-32 check value, and refusal of short, newer, foreign and
 * corrupted payloads without reading out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "linalg/linalg.h"

static const char MAGIC[4] = { 'T', 'E', 'S', 'T' };

static void
make(void **buf, size_t *len)
{
	struct blobw w;
	double v[3] = { 0.1, -0.0, 1e308 };

	blobw_init(&w, 2, MAGIC);
	blobw_u32(&w, 0xdeadbeefu);
	blobw_u64(&w, UINT64_C(0x0123456789abcdef));
	blobw_f64(&w, NAN);
	blobw_f64s(&w, v, 3);
	blobw_bytes(&w, "abc", 3);
	blobw_bytes(&w, NULL, 0);
	assert_int_equal(blobw_finish(&w, buf, len), LINALG_OK);
	assert_null(w.buf);
}

static void
test_crc32_check_value(void **state)
{
	assert_int_equal(blob_crc32("123456789", 9), 0xCBF43926u);
	assert_int_equal(blob_crc32("", 0), 0);
}

static void
test_roundtrip(void **state)
{
	void *buf;
	size_t len;
	struct blobr r;
	uint32_t version, u32;
	uint64_t u64;
	double f, v[3];
	char msg[128], s[4];
	const unsigned char *p;

	make(&buf, &len);
	p = buf;
	assert_int_equal(len, 4 + 4 + 4 + 8 + 8 + 24 + 3 + 4);
	assert_int_equal(p[0], 2);          /* version first, little-endian */
	assert_memory_equal(p + 4, MAGIC, 4);
	assert_int_equal(blobr_open(&r, buf, len, MAGIC, 2, &version, "test", msg,
	    sizeof msg), 0);
	assert_int_equal(version, 2);
	assert_int_equal(blobr_u32(&r, &u32), 0);
	assert_int_equal(u32, 0xdeadbeefu);
	assert_int_equal(blobr_u64(&r, &u64), 0);
	assert_true(u64 == UINT64_C(0x0123456789abcdef));
	assert_int_equal(blobr_f64(&r, &f), 0);
	assert_true(isnan(f));
	assert_false(blobr_has(&r, 4, 8));
	assert_true(blobr_has(&r, 3, 8));
	assert_false(blobr_has(&r, UINT64_MAX, 8));
	assert_int_equal(blobr_f64s(&r, v, 3), 0);
	assert_true(v[0] == 0.1 && v[1] == 0.0 && signbit(v[1]) && v[2] == 1e308);
	assert_int_equal(blobr_bytes(&r, s, 4), -1);  /* only 3 left */
	assert_int_equal(blobr_bytes(&r, s, 3), 0);
	assert_memory_equal(s, "abc", 3);
	assert_int_equal(blobr_bytes(&r, s, 0), 0);
	assert_true(blobr_done(&r));
	assert_int_equal(blobr_u32(&r, &u32), -1);   /* past the fields */
	free(buf);
}

static void
test_refusals(void **state)
{
	void *buf;
	size_t len, i;
	struct blobr r;
	uint32_t version;
	char msg[160];
	unsigned char *c;

	make(&buf, &len);
	/* every truncation, in an exactly-sized buffer */
	for (i = 0; i < len; i++) {
		c = malloc(i ? i : 1);
		assert_non_null(c);
		memcpy(c, buf, i);
		assert_int_equal(blobr_open(&r, c, i, MAGIC, 2, &version, "test", msg,
		    sizeof msg), -1);
		free(c);
	}
	/* every bit flipped */
	c = malloc(len);
	assert_non_null(c);
	for (i = 0; i < len * 8; i++) {
		memcpy(c, buf, len);
		c[i / 8] ^= (unsigned char)(1u << (i % 8));
		assert_int_equal(blobr_open(&r, c, len, MAGIC, 2, &version, "test", msg,
		    sizeof msg), -1);
	}
	free(c);
	/* a reader of version 1 refuses version 2, naming both */
	assert_int_equal(blobr_open(&r, buf, len, MAGIC, 1, &version, "test", msg,
	    sizeof msg), -1);
	assert_non_null(strstr(msg, "version 2"));
	assert_non_null(strstr(msg, "version 1"));
	/* another magic */
	assert_int_equal(blobr_open(&r, buf, len, "XXXX", 2, &version, "test", msg,
	    sizeof msg), -1);
	assert_non_null(strstr(msg, "magic"));
	assert_int_equal(blobr_open(&r, NULL, 0, MAGIC, 2, &version, "test", msg,
	    sizeof msg), -1);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
