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
 * multiply or divide, hence correctly rounded.  It is inline because the
 * importer calls it for every numeric cell; anything it cannot finish
 * exactly goes to num_parse_slow(), which validates the syntax and
 * defers to strtod_l() in the C locale.
 */
#ifndef LATHE_NUMPARSE_H
#define LATHE_NUMPARSE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int	num_parse_slow(const char *s, size_t n, double *out);

extern const double num_pow10[23];

/* Parse s[0..n).  s need not be NUL-terminated.  Returns 1 and stores the
 * value in *out when the whole text is a number, else 0. */
static inline int
num_parse(const char *s, size_t n, double *out)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n, *f;
	uint64_t m = 0;
	unsigned d;
	int neg = 0;
	long nd, ex = 0;

	if (p < e && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	f = p;
	while (p < e && (d = (unsigned)*p - '0') < 10) {
		m = m * 10 + d;
		p++;
	}
	nd = p - f;
	if (p < e && *p == '.') {
		f = ++p;
		while (p < e && (d = (unsigned)*p - '0') < 10) {
			m = m * 10 + d;
			p++;
		}
		ex = -(long)(p - f);
		nd += p - f;
	}
	if (p != e || nd == 0 || nd > 19 || m > (1ull << 53) || ex < -22)
		return num_parse_slow(s, n, out);	/* exponent, spaces, long, odd */
	double v = ex ? (double)m / num_pow10[-ex] : (double)m;
	*out = neg ? -v : v;
	return 1;
}

/*
 * The fast path backwards: x as the integer m (returned as a double) with
 * m / 10^e == x bit for bit — what num_parse made of a decimal with e
 * digits after the point — when |x * 10^e| < limit (at most 2^51, the
 * range of the rounding trick); else NaN.  p is num_pow10[e].  The column
 * encoding (chunkenc.c) and the statistics' sort (profile.c) rest on it.
 */
static inline double
num_scaled(double x, double p, double limit)
{
	double s = x * p;
	if (!(fabs(s) < limit))		/* also NaN and infinities */
		return NAN;
	double r = (s + 6755399441055744.0) - 6755399441055744.0;	/* 1.5 * 2^52 */
	double back = r / p;
	return memcmp(&back, &x, sizeof x) == 0 ? r : NAN;
}

#endif
