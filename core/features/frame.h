/*
 * frame.h — the working table a feature recipe transforms: named columns
 * of n rows, each numeric (doubles, NaN = missing) or string (uint32
 * codes into a dictionary, CODE_NA = missing).
 *
 * Frames are built from a dataset table for a set of rows (the training
 * rows, the test rows), from a CSV file or from a serving request, and are
 * transformed in place by recipe steps: a step may replace a column's
 * values, add columns or remove them.  Dictionaries are borrowed from the
 * source (which outlives the frame) unless a step made its own; a frame
 * frees only what it owns.
 */
#ifndef LATHE_FRAME_H
#define LATHE_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include "store/table.h"

enum fkind {
	FK_NUM = 0,
	FK_CAT = 1,	/* categorical strings */
	FK_TEXT = 2,	/* free text strings */
};

/* A level index shared by the indicator columns of one one-hot step. */
struct fshared {
	int		 refs;
	int32_t		*idx;	/* per row: level, -1 unseen, -2 missing */
};

struct fcol {
	char			*name;
	enum fkind		 kind;
	double			*num;	/* FK_NUM, owned; NULL while an indicator is lazy */
	struct fshared		*ind;	/* lazy indicator: value is (ind->idx[r] == level) */
	int32_t			 level;
	uint32_t		*codes;	/* FK_CAT/FK_TEXT, owned */
	const struct strdict	*dict;	/* borrowed, or == own_dict */
	struct strdict		*own_dict;
	int			 ordinal;/* FK_NUM holding an `ordinal` step's level
					   indexes (NaN missing, -1 unseen): a
					   category, for plugins that take
					   categories natively */
};

struct frame {
	size_t		 n;
	size_t		 ncols, cap;
	struct fcol	*cols;
};

struct frame	*frame_new(size_t n);
void		 frame_free(struct frame *f);	/* accepts NULL */

/* Gather rows[0..nrows) (or all rows when rows is NULL) of every column of
 * t except `skip` (a name, or NULL) into a new frame.  Borrows t's
 * dictionaries.  NULL on OOM. */
struct frame	*frame_from_table(const struct table *t, const size_t *rows, size_t nrows,
		    const char *skip);

/* Index of a column by name, or -1. */
int		 frame_find(const struct frame *f, const char *name);
/* Append a numeric column, taking ownership of v (n doubles).  0 or -1
 * (OOM: v is freed).  The name is copied. */
int		 frame_add_num(struct frame *f, const char *name, double *v);
/* Insert at position pos (columns after it shift right). */
int		 frame_insert_num(struct frame *f, size_t pos, const char *name, double *v);
/* Remove column i, freeing what it owns. */
void		 frame_remove(struct frame *f, size_t i);
/* Turn string column i into a numeric one holding v (owned). */
void		 frame_set_num(struct frame *f, size_t i, double *v);

/* Insert a lazy indicator column (1.0 where sh->idx == level, else 0.0)
 * at pos, sharing sh (a reference is taken).  One-hot columns stay one
 * int per row until something needs their doubles.  0 or -1 (OOM). */
int		 frame_insert_indicator(struct frame *f, size_t pos, const char *name,
		    struct fshared *sh, int32_t level);
/* New shared level index taking ownership of idx (refs 0). */
struct fshared	*fshared_new(int32_t *idx);
/* Give a lazy indicator column its doubles (no-op otherwise).  0 or -1. */
int		 fcol_materialize(struct fcol *c, size_t n);
/* Materialize every lazy column (for code that reads ->num freely). */
int		 frame_materialize(struct frame *f);

/* Fresh column storage for n doubles: large arrays get transparent huge
 * pages, which cut page-fault time on million-row columns. */
double		*frame_alloc(size_t n);

/* String value of row r in string column c (NULL when missing). */
static inline const char *
fcol_str(const struct fcol *c, size_t r)
{
	uint32_t k = c->codes[r];
	return k == CODE_NA ? NULL : strdict_get(c->dict, k);
}

/* The design matrix: every column must be numeric.  Writes n x ncols
 * row-major doubles into a new array (*X, caller frees).  0, or -1 with
 * *err naming the first non-numeric column. */
int		 frame_to_matrix(const struct frame *f, double **X, char **err);

/*
 * The one check that a frame is what a model can read: every column
 * numeric and every value finite.  Training (the training and test rows),
 * `lathe predict`, the server and `recipe preview` all call it after the
 * recipe, so a problem is worded the same way everywhere:
 *   column 'age' has 3 missing values after the recipe (first in row 17);
 *     add 'impute median age'
 *   column 'x' has 2 infinite values after the recipe (first in row 5);
 *     add 'clip x' or 'impute median x infinite'
 *   column 'x' has 1 missing and 2 infinite values ... add 'impute median x infinite'
 *   column 'sex' is categorical after the recipe: the model needs numbers
 *     (add 'onehot sex', 'ordinal sex' or 'drop sex')
 * (one line each).  where (NULL for none) names the rows after "values",
 * e.g. "in the training rows".  rows (NULL: frame row i is row i + 1)
 * maps frame rows to the 0-based rows the user knows (dataset rows of a
 * training split), so row numbers point into the data.  Column names that
 * the recipe language would not read as one name are quoted.  Lazy
 * indicator columns are 0 or 1 and are not scanned.  Columns are checked
 * in order; the first at fault is reported.  0, or -1 with *err.
 */
int		 frame_check_finite(const struct frame *f, const char *where, const size_t *rows,
		    char **err);
/* The same check for a model that takes missing values natively (plugin
 * capability LATHE_CAP_MISSING) when allow_missing is nonzero: NaN passes,
 * strings and infinities do not. */
int		 frame_check_model_input(const struct frame *f, const char *where,
		    const size_t *rows, int allow_missing, char **err);

/*
 * Every column a model could not read, not only the first, as
 * frame_check_model_input words it (where and rows NULL), in column order:
 * what a preview lists.  missing_only is 1 when the column's one fault is
 * missing values (no string, no infinity), so that an algorithm with
 * LATHE_CAP_MISSING takes it as it is.  0 with *out (caller frees with
 * frame_problems_free) and *n, or -1 when out of memory.
 */
struct frame_problem {
	char	*msg;
	int	 missing_only;
};
int		 frame_problems(const struct frame *f, struct frame_problem **out, size_t *n);
void		 frame_problems_free(struct frame_problem *v, size_t n);	/* accepts NULL */

/* Kinds of the columns as a plugin taking categories natively sees them
 * (LATHE_FEATURE_*: `ordinal` columns categorical, the rest numeric) into
 * kinds (ncols bytes), and in the row-major matrix X (n x ncols) every
 * negative code (a category unseen in training) becomes NaN, as the
 * plugin ABI promises.  Returns the number of categorical columns. */
size_t		 frame_native_categories(const struct frame *f, double *X,
		    unsigned char *kinds);

const char	*fkind_name(enum fkind k);

#endif
