/*
 * dataset_window.h — random access to the cells of a stored dataset
 * version without loading it: the workbench's data grid reads only the
 * chunks that hold the rows on screen.
 *
 * A window knows every column's name, kind and import statistics from the
 * start (dataset_load with no rows).  Cell values come from a per-column
 * cache of stored chunks (IMPORT_CHUNK_ROWS rows each): the first look at
 * a row reads its chunk blob, later looks are array reads.  String columns
 * read their dictionary only as far as the codes seen so far reach (codes
 * are in first-appearance order, so the first screen of a text column
 * needs the first few hundred strings, not all of them).
 *
 * Memory: at most DSWIN_CACHE_BYTES of chunks are kept; past that the
 * cache is emptied and refilled from what is looked at next.  Whole
 * columns (for sorting, filtering and histograms) are loaded on request
 * and kept until the window is freed.
 *
 * Invariants: the version is immutable, so a cached chunk never goes
 * stale.  The window borrows the project; it must be freed before the
 * project is closed.
 */
#ifndef LATHE_DATASET_WINDOW_H
#define LATHE_DATASET_WINDOW_H

#include <stddef.h>
#include "dataset.h"
#include "table.h"

#define DSWIN_CACHE_BYTES	((size_t)512 << 20)

struct dswin;

/* Open a window on version v (copied).  Borrows p until dswin_free.
 * On success *out is the window; caller frees with dswin_free. */
int	dswin_open(struct project *p, const struct dsver *v, struct dswin **out, char **err);
void	dswin_free(struct dswin *w);	/* accepts NULL */

/* Columns with names, kinds and statistics; no values (nrows is the
 * version's row count).  Borrowed; valid while w lives. */
const struct table *dswin_meta(const struct dswin *w);
size_t	dswin_nrows(const struct dswin *w);

/* Cell (row, col) of a numeric column: *out is the value, NaN = missing.
 * 0, or -1 with *err (corrupt file, I/O, out of memory). */
int	dswin_num(struct dswin *w, size_t col, size_t row, double *out, char **err);
/* Cell of a string column: *out borrows the string (valid while w lives),
 * NULL when missing.  0 or -1 with *err. */
int	dswin_str(struct dswin *w, size_t col, size_t row, const char **out, char **err);

/* Every row of column col, loaded once and kept: a one-column table whose
 * column has one chunk (doubles or codes) and its whole dictionary.
 * Borrowed; valid while w lives.  0 or -1 with *err. */
int	dswin_column(struct dswin *w, size_t col, const struct column **out, char **err);

/* Bytes of chunk data cached now (for tests and the status line). */
size_t	dswin_cached_bytes(const struct dswin *w);

#endif
