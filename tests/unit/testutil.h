/*
 * testutil.h — small helpers shared by the cmocka unit tests: a private
 * temporary directory per test binary and writing fixture files into it.
 * Header-only so every test binary stays one file.
 */
#ifndef LATHE_TESTUTIL_H
#define LATHE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static char tu_dir[256];

static __attribute__((unused)) void
tu_cleanup(void)
{
	char cmd[300];
	if (tu_dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tu_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tu_dir);
	}
}

/* Path of `name` inside this binary's temp dir (static buffer rotation). */
static __attribute__((unused)) const char *
tu_path(const char *name)
{
	static char bufs[8][512];
	static int k;
	if (!tu_dir[0]) {
		snprintf(tu_dir, sizeof tu_dir, "/tmp/lathe-unit-XXXXXX");
		if (mkdtemp(tu_dir) == NULL)
			abort();
		atexit(tu_cleanup);
	}
	k = (k + 1) % 8;
	snprintf(bufs[k], sizeof bufs[k], "%s/%s", tu_dir, name);
	return bufs[k];
}

/* Write n bytes (n = -1: strlen) to a temp file; returns its path. */
static __attribute__((unused)) const char *
tu_write(const char *name, const char *data, long n)
{
	const char *p = tu_path(name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	size_t len = n < 0 ? strlen(data) : (size_t)n;
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return p;
}

#endif
