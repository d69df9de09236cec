/*
 * expr.h — the expression language of the recipe step `derive NAME = EXPR`.
 *
 *   numbers, column names (bare, or "quoted" when they have spaces or
 *   symbols), "string literals" compared with categorical columns,
 *   + - * / % ^ (power), unary - and !, comparisons < <= > >= == !=,
 *   && || (also `and`, `or`, `not`), parentheses, and the functions
 *   log exp sqrt abs floor ceil round min max pow if isna coalesce.
 *
 * Missing values (NaN) propagate through arithmetic, comparisons and
 * min/max, as in numpy; isna(x) is 1 or 0; coalesce(a, b, ...) is the
 * first non-missing argument; if(c, a, b) is missing when c is.
 * Division by zero and domain errors on finite values (log of x <= 0,
 * sqrt of x < 0) are missing; overflow is +-infinity, as at import; an
 * undefined result of an infinite operand (inf - inf, 0 * inf, log(-inf))
 * is +infinity, never missing, so an infinity is not mistaken for a gap.
 * Comparisons and logic give 1 or 0.  A column compared with a string
 * literal (sex == "male") must be categorical; every other column
 * reference must be numeric.
 *
 * Evaluation is column-wise: each node computes a whole column into one
 * scratch array, so a million rows cost a few passes, not a million small
 * allocations.
 */
#ifndef LATHE_EXPR_H
#define LATHE_EXPR_H

#include <stddef.h>
#include "frame.h"

struct expr;

/* Parse text (which starts at character column `col0` of `line`, used only
 * for messages).  On error, *errcol is the 1-based column of the fault and
 * *err the message (without position). */
int	expr_parse(const char *text, int col0, struct expr **out, int *errcol, char **err);
void	expr_free(struct expr *e);	/* accepts NULL */

/* Column names the expression reads (borrowed; valid while e lives). */
size_t	expr_ncolumns(const struct expr *e);
const char *expr_column(const struct expr *e, size_t i);
/* Character column (in the recipe line) of the i-th column reference. */
int	expr_column_pos(const struct expr *e, size_t i);

/* How the i-th column is used: EXPR_USE_NUMBER when it is computed with
 * or compared with numbers, EXPR_USE_STRING when compared with a
 * 'string' (both bits when it is both). */
#define EXPR_USE_NUMBER	1
#define EXPR_USE_STRING	2
int	expr_column_use(const struct expr *e, size_t i);

/* Check references against f: every column exists with a usable kind.
 * On error *errcol points at the offending reference. */
int	expr_check(const struct expr *e, const struct frame *f, int *errcol, char **err);

/* Evaluate over every row of f into out[f->n].  0 or -1 (OOM, or a
 * column missing/of the wrong kind, with *err). */
int	expr_eval(const struct expr *e, const struct frame *f, double *out, char **err);

#endif
