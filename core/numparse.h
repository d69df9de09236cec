/*
 * numparse.h — text to double, exactly as strtod would (correctly
 * rounded), but fast for the ordinary decimals that fill CSV files.
 *
 * Accepted syntax (surrounding spaces/tabs ignored):
 *     [+-] digits [. digits] [(e|E) [+-] digits]     at least one digit
 *     [+-] digits .  /  [+-] . digits
 *     [+-] inf | infinity                            (any case)
 * Rejected: hex floats, "nan" (missing values are the NA tokens' job),
 * thousands separators, trailing garbage.
 *
 * The fast path is Clinger's: a mantissa of at most 19 digits that fits
 * in 53 bits, scaled by an exact power of ten (<= 1e22), is one IEEE
 * multiply or divide, hence correctly rounded.  Everything else goes to
 * strtod_l() in the C locale.
 */
#ifndef LATHE_NUMPARSE_H
#define LATHE_NUMPARSE_H

#include <stddef.h>

/* Parse s[0..n).  s need not be NUL-terminated.  Returns 1 and stores the
 * value in *out when the whole text is a number, else 0. */
int	num_parse(const char *s, size_t n, double *out);

#endif
