/*
 * dataset.h — immutable, content-addressed dataset versions in the
 * project file.
 *
 * A dataset is a name; its versions are numbered 1, 2, ... and never
 * change once written.  A version is identified by `name@N`; `name` alone
 * means the newest.  Storing a table whose content hash equals an existing
 * version of the same name writes nothing and returns that version.
 *
 * Storage: one row per version (dataset_versions), one per column with
 * its statistics (dataset_columns), and the values as typed chunks
 * (dataset_chunks, format in schema.c).  Loading a column is one memcpy
 * per chunk into a contiguous array.
 */
#ifndef LATHE_DATASET_H
#define LATHE_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "project.h"
#include "table.h"

struct dsver {
	int64_t	 id;		/* dataset_versions.id */
	char	*name;
	int	 version;
	int	 latest;	/* 1 if no newer version exists */
	char	 hash[65];
	size_t	 nrows, ncols;
	char	*source;
	int64_t	 source_bytes;
	char	*options;	/* JSON text */
	char	*created;
};

void	dsver_clear(struct dsver *v);	/* frees the strings; accepts zeroed */

/* Dataset names: letters, digits, '_', '-', '.', starting with a letter
 * or digit, at most 64 bytes. */
int	dataset_name_valid(const char *name);
/* A valid name derived from a file path ("data/Iris v2.csv" -> "Iris_v2").
 * Caller frees. */
char	*dataset_name_from_path(const char *path);

/* Split "name[@N]" (N = 0 when absent).  *name is malloc'd. */
int	dataset_ref_parse(const char *ref, char **name, int *version, char **err);

/* Find a version by reference.  On success fills *v (dsver_clear it). */
int	dataset_resolve(struct project *p, const char *ref, struct dsver *v, char **err);

/*
 * Store t (already profiled) as the next version of `name`, in one
 * transaction.  *version receives the version number; *created is 0 when
 * identical content was already stored (nothing written).  hash is the
 * table's content hash (profile_table_hash).
 */
int	dataset_store(struct project *p, const char *name, const struct table *t,
	    const char *hash, const char *source, int64_t source_bytes,
	    const char *options_json, int *version, int *created, char **err);

/*
 * The same store in two halves, so that chunks are written while the
 * statistics are computed on other threads.  begin() writes the version
 * and all values inside an open transaction (isnum[j]: column j holds
 * doubles); finish() takes the profiled table and its hash, and commits —
 * or, if that content is already stored, rolls everything back and reports
 * the existing version with *created = 0.  finish() and abort() free w.
 */
struct ds_writer;
int	dataset_write_begin(struct project *p, const char *name, const struct table *t,
	    const unsigned char *isnum, const char *source, int64_t source_bytes,
	    const char *options_json, struct ds_writer **w, char **err);
int	dataset_write_finish(struct ds_writer *w, const struct table *t, const char *hash,
	    int *version, int *created, char **err);
void	dataset_write_abort(struct ds_writer *w);

/* Load a version: columns, kinds, statistics and, when max_rows > 0, the
 * first max_rows rows of values (SIZE_MAX for all) as one contiguous chunk
 * per column.  Caller frees with table_free.  t->nrows is the number of
 * rows loaded. */
int	dataset_load(struct project *p, const struct dsver *v, size_t max_rows,
	    struct table **out, char **err);

/* Load one column (index col) of a version, every row: a table of one
 * column.  For checks that need a single column, such as a target. */
int	dataset_load_column(struct project *p, const struct dsver *v, size_t col,
	    struct table **out, char **err);

/* Visit every version, ordered by name and version. */
typedef int (*dataset_visit_fn)(void *ctx, const struct dsver *v);
int	dataset_list(struct project *p, dataset_visit_fn fn, void *ctx, char **err);

#endif
