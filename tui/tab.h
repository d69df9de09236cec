/*
 * tab.h — the table behind every list screen (datasets, recipes, runs):
 * rows of text cells (with numbers beside them for numeric columns), and
 * a view that filters, sorts, groups and folds them, plus marks.
 *
 * A table is filled once (tab_add_row / tab_set*), finished (widths and
 * the lower-case search text of each row are computed), then viewed any
 * number of times; the view is an array of row indexes with group header
 * entries, rebuilt by tab_view() after the filter, sort or grouping
 * changes.  Everything here is pure, so the runs table's behaviour at
 * 10,000 rows is unit-tested and benchmarked without a terminal.
 *
 * Filter language (typed after `/`): whitespace-separated terms, all of
 * which must hold.  A term `COL OP VALUE` (OP one of = != < <= > >= ~)
 * compares a column (name matched case-insensitively, or by a unique
 * prefix): numerically when the column is numeric and VALUE a number,
 * else as text (`~` is "contains").  Any other term matches rows whose
 * text contains it (case-insensitive); `!term` matches rows that do not.
 * A term whose VALUE is still empty (being typed) is ignored.
 *
 * Sorting: numeric columns by value with missing values last in either
 * direction; text columns by byte order; ties keep the table order.
 */
#ifndef LATHE_TUI_TAB_H
#define LATHE_TUI_TAB_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

enum {
	TC_NUM	= 1u << 0,	/* numeric column: sorted and compared by value */
	TC_RIGHT = 1u << 1,	/* right-aligned */
	TC_HIGH	= 1u << 2,	/* a metric where higher is better */
	TC_LOW	= 1u << 3,	/* a metric where lower is better */
};

struct tcol {
	char		*name;
	unsigned	 flags;
	int		 width;		/* widest cell or name, capped */
};

/* One line of the view: a row, or (row < 0) the header of group `group`. */
struct tvrow {
	int32_t	 row;
	int32_t	 group;
};

struct tgroup {
	const char	*name;		/* borrowed from a cell */
	size_t		 count;		/* rows in the group (after the filter) */
	int		 folded;
};

struct tab_term;

struct tab {
	size_t		 ncols, nrows, cap;
	struct tcol	*cols;
	const char	**cells;	/* nrows x ncols; NULL = empty */
	double		*nums;		/* nrows x ncols; NaN = not a number */
	int64_t		*keys;		/* caller's key per row (run id, ...) */
	unsigned char	*marks;
	char		**hay;		/* lower-case row text, for filtering */
	struct strpool	 pool;
	/* view state */
	int		 sort_col;	/* -1: table order */
	int		 sort_desc;
	int		 group_col;	/* -1: no grouping */
	struct tab_term	*terms;
	size_t		 nterms;
	char		**folded;	/* names of folded groups */
	size_t		 nfolded;
	/* the view */
	struct tvrow	*view;
	size_t		 nview;
	size_t		 nmatch;	/* rows passing the filter */
	struct tgroup	*groups;
	size_t		 ngroups;
	int		 width_cap;	/* widest a text column grows (default 28) */
};

/* NULL on OOM.  Free with tab_free (accepts NULL). */
struct tab	*tab_new(size_t ncols);
void		 tab_free(struct tab *t);
/* Name (copied) and TC_* flags of column j.  0 or -1 (OOM). */
int		 tab_col(struct tab *t, size_t j, const char *name, unsigned flags);
/* Append a row with the caller's key; returns its index, or -1 (OOM). */
long		 tab_add_row(struct tab *t, int64_t key);
/* Cell text (copied; NULL = empty).  0 or -1 (OOM). */
int		 tab_set(struct tab *t, size_t row, size_t col, const char *text);
/* A numeric cell: v and its text (NULL: formatted from v). */
int		 tab_set_num(struct tab *t, size_t row, size_t col, double v, const char *text);
/* After the last row: widths and search text.  0 or -1 (OOM). */
int		 tab_finish(struct tab *t);

/* Compile a filter (NULL or "" for none).  0, or -1 with *err (the
 * previous filter stays).  Call tab_view() after. */
int		 tab_filter(struct tab *t, const char *text, char **err);
/* Sort by column col (-1: table order), descending when desc. */
void		 tab_sort(struct tab *t, int col, int desc);
/* Group by column col (-1: none). */
void		 tab_group(struct tab *t, int col);
/* Fold or unfold group g of the current view. */
void		 tab_fold(struct tab *t, size_t g);
/* Rebuild the view.  0 or -1 (OOM: the view is empty). */
int		 tab_view(struct tab *t);

static inline const char *
tab_cell(const struct tab *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];
	return s ? s : "";
}
static inline double
tab_num(const struct tab *t, size_t row, size_t col)
{
	return t->nums[row * t->ncols + col];
}

/* Row index of key, or -1. */
long		 tab_row_of_key(const struct tab *t, int64_t key);
/* View line showing row, or -1 (filtered out or folded). */
long		 tab_line_of_row(const struct tab *t, size_t row);
/* Column index by name (case-insensitive), or -1. */
long		 tab_col_find(const struct tab *t, const char *name);

void		 tab_mark(struct tab *t, size_t row, int on);
/* Marked rows' keys in table order into keys[0..max); returns how many
 * are marked (may exceed max). */
size_t		 tab_marked(const struct tab *t, int64_t *keys, size_t max);

#endif
