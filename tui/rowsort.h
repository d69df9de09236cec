/*
 * rowsort.h — ordering the rows of a dataset column for the data grid:
 * a stable LSD radix sort of (key, row) pairs, so a million rows sort in
 * tens of milliseconds.  Numbers sort by value, strings by byte order of
 * their dictionary entries (the dictionary is sorted once, then each row
 * carries its string's rank).  Missing values come last in either
 * direction; equal values keep their order.  Pure, unit-tested against
 * qsort.
 */
#ifndef LATHE_TUI_ROWSORT_H
#define LATHE_TUI_ROWSORT_H

#include <stddef.h>
#include <stdint.h>
#include "store/table.h"

/* Order rows[0..n) (NULL: 0..n-1) by v[row]; write the ordered rows to
 * out[0..n).  0, or -1 (OOM). */
int	rowsort_num(const double *v, const size_t *rows, size_t n, int desc, size_t *out);
/* The same for dictionary codes (CODE_NA missing) of dictionary d. */
int	rowsort_codes(const uint32_t *codes, const struct strdict *d, const size_t *rows, size_t n,
	    int desc, size_t *out);

#endif
