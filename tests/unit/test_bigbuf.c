/*
 * test_bigbuf.c — big working arrays (linalg/bigbuf.h): blocks of every
 * size class are usable end to end (written and read back, under
 * AddressSanitizer too), big ones are aligned for huge pages, and
 * bigbuf_free accepts NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "linalg/bigbuf.h"

static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, ((size_t)1 << 20) - 1,
		(size_t)1 << 20, ((size_t)2 << 20) + 1, (size_t)9 << 20 };
	size_t i, j;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = bigbuf_alloc(sizes[i]);

		assert_non_null(p);
		for (j = 0; j < sizes[i]; j++)
			p[j] = (unsigned char)(j * 7 + i);
		for (j = 0; j < sizes[i]; j++)
			if (p[j] != (unsigned char)(j * 7 + i))
				fail_msg("size %zu: byte %zu changed", sizes[i], j);
#if defined(__linux__)
		if (sizes[i] >= (size_t)1 << 20)
			assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
#endif
		bigbuf_free(p);
	}
	bigbuf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
