/*
 * numarg.h — a number given as text by a person (a command-line option, a
 * field of the workbench's forms), taken whole or not at all.  The CLI's
 * cmd_opt*() wrap these with the message and usage line; the workbench
 * calls them directly, so both faces accept exactly the same syntax.
 *
 * Each returns 0 with the value in *out, or -1 (nothing stored) when arg
 * is not acceptable:
 *
 * numarg_int:  a whole decimal integer: optional sign, digits, nothing
 *              else (no spaces, hex, exponent or fraction), in [min, max].
 * numarg_real: a decimal number: [+-]digits[.digits][e[+-]digits] (no hex,
 *              inf or nan; C locale), in the interval from min to max, each
 *              end excluded when its *_open flag is set; +-INFINITY for none.
 * numarg_size: a whole number of bytes with an optional k, m or g suffix
 *              (KiB, MiB, GiB), in [min, max] after scaling.
 */
#ifndef LATHE_NUMARG_H
#define LATHE_NUMARG_H

int	numarg_int(const char *arg, long long min, long long max, long long *out);
int	numarg_real(const char *arg, double min, int min_open, double max, int max_open,
	    double *out);
int	numarg_size(const char *arg, long long min, long long max, long long *out);

#endif
