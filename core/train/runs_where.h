/*
 * runs_where.h — `lathe runs --where EXPR`: the recipe expression
 * language (features/expr.h) evaluated over runs instead of data rows.
 *
 * A run is a row; its fields (status, algo, a metric, a parameter, a tag
 * ...) are the columns the expression names.  Which fields exist and
 * what their values are is the caller's business, through two callbacks:
 * get(row, field) gives a value (text, number, or both), known(field)
 * says whether an absent name is a field at all (a metric no listed run
 * recorded is a field whose values are all missing; "acuracy" is not).
 *
 * A field is numeric when every value present is a number, else text
 * (numbers then compared as the text the caller gave).  Text fields are
 * compared with 'strings' (algo == 'gbdt'); numeric ones computed with.
 * A missing value makes a comparison missing, and a row is kept only
 * when the expression is true (non-zero, not missing), as a filter step.
 *
 * Errors are worded as the recipe's, with a caret under the fault:
 *   --where:1:10: unknown field 'acuracy' (...)
 *       acuracy > 0.9
 *       ^
 * Only the fields the expression names are ever asked for, so a filter
 * over 100k runs costs one pass per field it reads.
 */
#ifndef LATHE_RUNS_WHERE_H
#define LATHE_RUNS_WHERE_H

#include <stddef.h>

struct runs_where;

/* Parse text.  *out freed by runs_where_free.  0, or -1 with the caret
 * message in *err. */
int	runs_where_parse(const char *text, struct runs_where **out, char **err);
void	runs_where_free(struct runs_where *w);	/* accepts NULL */

/* The fields the expression names, each once, in order of appearance. */
size_t	runs_where_nfields(const struct runs_where *w);
const char *runs_where_field(const struct runs_where *w, size_t i);

/* Value of field in row: 1 when present, with *text (borrowed until the
 * next call; NULL for a pure number) and *num (NaN when not a number);
 * 0 when the row has no such value. */
typedef int (*runs_where_get_fn)(void *ctx, size_t row, const char *field, const char **text,
    double *num);
/* 1 when field names a field even if no row has it; 0 when it names
 * nothing.  hint (may stay NULL) names fields for the message. */
typedef int (*runs_where_known_fn)(void *ctx, const char *field);

/* Evaluate over rows 0..n-1: keep[i] = 1 when row i matches, else 0.
 * 0, or -1 with *err (a caret message for an unknown field or a kind
 * mismatch; "out of memory"). */
int	runs_where_eval(const struct runs_where *w, size_t n, runs_where_get_fn get,
	    runs_where_known_fn known, void *ctx, unsigned char *keep, char **err);

#endif
