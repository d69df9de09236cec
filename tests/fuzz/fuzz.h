/*
 * fuzz.h — what the libFuzzer targets in tests/fuzz/ share: a file made
 * from the fuzzer's bytes (for APIs that take a path), the fixed small
 * table the recipe and expression targets work on, and comparisons that
 * treat every NaN as one value and otherwise compare bits.
 *
 * A target that finds two results that must agree and do not calls
 * fuzz_fail(), which prints both and aborts: libFuzzer records the input
 * as a crash, like a sanitizer report.  Everything here is for the
 * harnesses only; nothing in the engine includes it.
 */
#ifndef LATHE_FUZZ_H
#define LATHE_FUZZ_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "features/frame.h"
#include "ingest/csv_import.h"
#include "store/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void __attribute__((noreturn, format(printf, 1, 2)))
fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz: invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* Same value: bit for bit, any NaN equal to any NaN. */
static inline int
fuzz_same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return memcmp(&a, &b, sizeof a) == 0;
}

static inline int
fuzz_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Do frames a and b hold the same thing: the same columns (names, kinds)
 * and the same cells (numbers bit for bit, any NaN equal; strings by
 * text, missing equal missing)?  0 if so, else -1 with a description of
 * the first difference in why[256].  Lazy indicator columns are
 * materialized first (frame_materialize), which changes no value.
 */
static inline int
fuzz_same_frames(struct frame *a, struct frame *b, char why[256])
{
	if (frame_materialize(a) != 0 || frame_materialize(b) != 0) {
		snprintf(why, 256, "out of memory");
		return -1;
	}
	if (a->n != b->n || a->ncols != b->ncols) {
		snprintf(why, 256, "%zu x %zu vs %zu x %zu", a->n, a->ncols, b->n, b->ncols);
		return -1;
	}
	for (size_t j = 0; j < a->ncols; j++) {
		const struct fcol *x = &a->cols[j], *y = &b->cols[j];
		if (strcmp(x->name, y->name) != 0 || x->kind != y->kind) {
			snprintf(why, 256, "column %zu: '%s' (%d) vs '%s' (%d)", j, x->name,
			    x->kind, y->name, y->kind);
			return -1;
		}
		for (size_t i = 0; i < a->n; i++) {
			if (x->kind == FK_NUM ? !fuzz_same_double(x->num[i], y->num[i]) :
			    !fuzz_same_str(fcol_str(x, i), fcol_str(y, i))) {
				snprintf(why, 256, "column '%s' row %zu differs", x->name, i);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * A file holding data[0..size), named by *path ("/proc/self/fd/N": a
 * memfd, so nothing touches the disk and nothing is left behind).  The
 * descriptor is reused between inputs; returns 0, or -1.
 */
static inline int
fuzz_file(const void *data, size_t size, char path[64])
{
	static int fd = -1;
	if (fd < 0 && (fd = memfd_create("lathe-fuzz", 0)) < 0)
		return -1;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return -1;
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return 0;
}

/*
 * The same for code that needs a real file name (SQLite resolves the
 * /proc/self/fd link to a name it cannot open): a file of its own in
 * $TMPDIR (or /tmp), rewritten for each input and removed at exit.
 */
static char fuzz_tmp_path[256];

static inline void
fuzz_tmp_remove(void)
{
	unlink(fuzz_tmp_path);
}

static inline int
fuzz_tmpfile(const void *data, size_t size, const char **path)
{
	if (fuzz_tmp_path[0] == '\0') {
		const char *dir = getenv("TMPDIR");
		snprintf(fuzz_tmp_path, sizeof fuzz_tmp_path, "%s/lathe-fuzz-%ld",
		    dir && *dir ? dir : "/tmp", (long)getpid());
		atexit(fuzz_tmp_remove);
	}
	FILE *f = fopen(fuzz_tmp_path, "wb");
	if (f == NULL)
		return -1;
	size_t w = fwrite(data, 1, size, f);
	if (fclose(f) != 0 || w != size)
		return -1;
	*path = fuzz_tmp_path;
	return 0;
}

/*
 * The table the recipe and expression targets work on: 8 rows of
 *   a (numeric, a missing value and an infinity), b (numeric),
 *   c (categorical x/y/z, one missing), "d e" (numeric, a name with a
 *   space), k (a constant), t (text).
 * Imported once through csv_import, so it is the real thing; borrowed by
 * the caller, never freed.
 */
static inline const struct table *
fuzz_table(void)
{
	static struct table *t;
	static const char csv[] =
	    "a,b,c,d e,k,t\n"
	    "1,2.5,x,-1,7,hello world\n"
	    "NA,0,y,0,7,a b\n"
	    "3,-4,x,1e3,7,c d e\n"
	    "inf,8,z,2,7,f\n"
	    "5,1e-3,,3,7,g h\n"
	    "-6,16,y,-0,7,i\n"
	    "0,32,x,5,7,j k l\n"
	    "2,64,z,6,7,m\n";
	if (t == NULL) {
		char path[64], *err = NULL;
		struct import_opts o = { 0, 1, NULL, 0, 1, NULL, 0, 0 };
		struct import_info info;
		static const char *force[] = { "t" };
		o.force_string = force;
		o.nforce = 1;
		int fd = memfd_create("lathe-fuzz-table", 0);
		if (fd < 0 || write(fd, csv, sizeof csv - 1) != (ssize_t)(sizeof csv - 1))
			fuzz_fail("cannot write the fixed table");
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if (csv_import(path, &o, &t, &info, &err) != 0)
			fuzz_fail("cannot import the fixed table: %s", err);
		close(fd);
		t->cols[5].kind = COL_TEXT;
	}
	return t;
}

#endif
