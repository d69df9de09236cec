/*
 * table.h — an in-memory columnar dataset, as import produces it and as
 * the store loads it.
 *
 * A column is a list of chunks of typed values:
 *   COL_NUMERIC      double per row, NaN = missing;
 *   COL_CATEGORICAL,
 *   COL_TEXT         uint32 code per row into the column's dictionary,
 *                    CODE_NA = missing.
 * Chunks are whatever the producer made (import: one list per parser
 * thread; load: one chunk per stored blob, or a single gathered chunk).
 * Dictionaries keep strings in first-appearance order, so codes are
 * deterministic for given content.
 *
 * Sizes: a million rows by a few dozen columns is the design point; a
 * numeric column costs 8 bytes a row, a string column 4 bytes a row plus
 * its distinct strings once.
 */
#ifndef LATHE_TABLE_H
#define LATHE_TABLE_H

#include <stddef.h>
#include <stdint.h>

enum col_kind {
	COL_NUMERIC = 0,
	COL_CATEGORICAL = 1,
	COL_TEXT = 2,
};

#define CODE_NA		0xffffffffu
#define TOP_MAX		10

/* Interned strings, first-appearance order.  Strings live NUL-terminated
 * in one pool; codes are indexes into off[]. */
struct strdict {
	char		*pool;
	size_t		 pool_len, pool_cap;
	size_t		*off;		/* offset of string `code` in pool */
	uint32_t	*hash;		/* its hash, for rehashing and compares */
	uint32_t	 n, cap;
	uint32_t	*slots;		/* open addressing: code + 1, 0 = empty */
	uint32_t	 nslots;	/* power of two */
};

void		 strdict_init(struct strdict *d);
void		 strdict_free(struct strdict *d);
/* Intern s[0..len); *code receives its code.  Returns 0, or -1 on OOM. */
int		 strdict_intern(struct strdict *d, const char *s, size_t len, uint32_t *code);
/* Look up without inserting: returns the code or CODE_NA. */
uint32_t	 strdict_find(const struct strdict *d, const char *s, size_t len);
static inline const char *
strdict_get(const struct strdict *d, uint32_t code)
{
	return d->pool + d->off[code];
}
/* Append a string known to be new (the loader's path: no lookups while
 * appending).  0 or -1 on OOM.  Call strdict_index afterwards so that
 * strdict_find is fast (without it, strdict_find scans). */
int		 strdict_append(struct strdict *d, const char *s, size_t len);
int		 strdict_index(struct strdict *d);

struct col_top {
	char	*label;		/* for numeric columns, the value formatted */
	double	 value;		/* numeric value (NaN for string columns) */
	size_t	 count;
};

struct col_stats {
	size_t		count;		/* non-missing */
	size_t		missing;
	size_t		distinct;	/* distinct non-missing values */
	double		mean, std, min, q25, median, q75, max;	/* numeric only; NaN otherwise */
	int		is_integer;	/* numeric: every value is integral */
	int		likely_label;	/* numeric integer column with few values */
	struct col_top	top[TOP_MAX];
	int		ntop;
	/* numeric: values that are +inf / -inf (counted in count; the
	 * statistics above and top are of the finite values); SIZE_MAX when
	 * not known (a dataset stored before they were counted) */
	size_t		pos_inf, neg_inf;
};

struct chunk {
	size_t	 first;		/* row index of data[0] */
	size_t	 n;
	void	*data;		/* double[] or uint32_t[] */
};

struct column {
	char		*name;
	enum col_kind	 kind;
	struct chunk	*chunks;
	size_t		 nchunks, chunks_cap;
	struct strdict	 dict;
	struct col_stats st;
	unsigned char	 hash[32];	/* SHA-256 of name, kind and values */
};

struct table {
	size_t		 nrows, ncols;
	struct column	*cols;
};

/* Allocate a table of ncols empty columns (names NULL).  NULL on OOM. */
struct table	*table_new(size_t ncols);
void		 table_free(struct table *t);	/* accepts NULL */

/* Append a chunk to a column, taking ownership of data.  0 or -1 (OOM;
 * data is then still the caller's). */
int		 column_add_chunk(struct column *c, size_t first, size_t n, void *data);

/* Copy a numeric column into dst[nrows] / a string column's codes into
 * dst[nrows].  A few memcpys. */
void		 column_gather_num(const struct column *c, double *dst);
void		 column_gather_codes(const struct column *c, uint32_t *dst);

/* Value of row i (linear in the number of chunks).  For string columns
 * returns NULL when missing. */
double		 column_num_at(const struct column *c, size_t i);
const char	*column_str_at(const struct column *c, size_t i);

const char	*col_kind_name(enum col_kind k);
int		 col_kind_parse(const char *s, enum col_kind *k);

#endif
