/*
 * profile.h — column statistics and content hashes, computed once at
 * import and stored with the dataset version.
 *
 * Numeric columns: count, missing, mean, sample standard deviation
 * (ddof = 1, as pandas' describe), min, quartiles (linear interpolation,
 * as numpy/pandas), max, distinct count, the ten most frequent values.
 * Infinities (+inf, -inf: "inf" or an overflowing literal like 1e400 in
 * the CSV) are values, in count and distinct, but counted apart (pos_inf,
 * neg_inf): mean, std, quartiles, min, max and the top values are of the
 * finite values.
 * String columns: count, missing, distinct, most frequent values, and the
 * decision categorical or text:
 *     categorical  iff  distinct <= 1000 and (distinct <= 20 or
 *                       2 * distinct <= count) and the average distinct
 *                       value is at most 64 bytes;
 *     text         otherwise (identifiers, free text).
 * A numeric column whose values are all integers with at most 20 distinct
 * values, each seen at least five times on average, is a candidate class
 * label; of the candidates, the table's likely labels are those named like
 * a target ("target", "label", "class", "species", "y", "*_label"...) when
 * any column is so named, else the last column if it is a candidate, else
 * all candidates if there are at most three (pixel intensities 0-16 in 64
 * columns are features).  A likely label stays numeric, but training
 * takes it as a classification target.
 *
 * Each column's SHA-256 covers its name, kind, row count and values (the
 * dictionary in code order, which is first appearance, and the codes), so
 * equal content gives an equal hash whatever the chunking or thread count.
 */
#ifndef LATHE_PROFILE_H
#define LATHE_PROFILE_H

#include "store/table.h"

/* Compute st and hash of every column of t, in parallel over columns.
 * 0, or -1 with *err (out of memory only). */
int	profile_table(struct table *t, int threads, char **err);

/* The two halves of profile_table, for callers that overlap them with
 * other work: statistics only (threads as above), and the column hashes
 * (isnum[j]: column j holds doubles — passed in because profile_stats may
 * be changing kinds between categorical and text meanwhile).  0 or -1. */
int	profile_stats(struct table *t, int threads, char **err);
int	profile_hashes(struct table *t, const unsigned char *isnum);

/* The dataset's content hash from its columns' hashes, as 64 hex digits. */
void	profile_table_hash(const struct table *t, char out[65]);

/* Sort n doubles ascending (radix sort; NaN must not be present).
 * tmp is scratch of n elements.  Exposed for tests and the recipes. */
void	sort_doubles(double *a, double *tmp, size_t n);

/* numpy's 'linear' quantile of sorted a[0..n), n > 0. */
double	quantile_sorted(const double *a, size_t n, double q);

#endif
