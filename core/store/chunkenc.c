/*
 * chunkenc.c — see chunkenc.h.
 */
#include "chunkenc.h"
#include "table.h"
#include "base/numparse.h"

#include <math.h>
#include <string.h>

#define SAMPLE		64
#define M_LIMIT		2147483647.0	/* |m| < 2^31 - 1: at most 4 bytes */

/* The canonical NaN (missing values) is stored without an exception. */
static int
is_canonical_nan(double d)
{
	static const double nan_ = NAN;
	return memcmp(&d, &nan_, sizeof d) == 0;
}

/* m with m / 10^e == d bit for bit and |m| < 2^31 - 1, or 0 with *ok 0. */
static inline int32_t
scale(double d, double p, int *ok)
{
	double r = num_scaled(d, p, M_LIMIT);
	*ok = r == r;
	return *ok ? (int32_t)r : 0;
}

/* The exponent that represents the most of a sample of x (the smallest
 * such), or -1 when it would leave most values as exceptions. */
static int
choose_exp(const double *x, size_t n)
{
	size_t step = n > SAMPLE ? n / SAMPLE : 1, taken = 0;
	size_t fits[CHUNKENC_MAXEXP + 1] = { 0 };

	for (size_t i = 0; i < n; i += step) {
		if (is_canonical_nan(x[i]))
			continue;
		taken++;
		for (int e = 0; e <= CHUNKENC_MAXEXP; e++) {
			int ok;
			scale(x[i], num_pow10[e], &ok);
			fits[e] += (size_t)ok;
		}
	}
	if (taken == 0)
		return 0;		/* all missing */
	int best = 0;
	for (int e = 1; e <= CHUNKENC_MAXEXP; e++)
		if (fits[e] > fits[best])
			best = e;
	return fits[best] * 4 >= taken * 3 ? best : -1;
}

static void
put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

static void
header(unsigned char *buf, int fmt, int w, int e, uint32_t x)
{
	buf[0] = (unsigned char)fmt;
	buf[1] = (unsigned char)w;
	buf[2] = (unsigned char)e;
	buf[3] = 0;
	put_u32(buf + 4, x);
}

size_t
chunkenc_num(const double *x, size_t n, unsigned char *buf)
{
	if (n < 4 || n > UINT32_MAX)
		return 0;
	int e = choose_exp(x, n);
	if (e < 0)
		return 0;

	/* pass 1: 4-byte values at buf+8, exception offsets and values in
	 * the space after them; give up when exceptions pass n/4 */
	double p = num_pow10[e];
	unsigned char *vals = buf + CHUNKENC_HEADER;
	unsigned char *xoff = vals + 4 * n, *xval = xoff + n;
	size_t nx = 0, xmax = n / 4;
	int32_t lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		int ok;
		int32_t m = scale(x[i], p, &ok);
		if (!ok) {
			m = INT32_MIN;
			if (!is_canonical_nan(x[i])) {
				if (nx == xmax)
					return 0;
				put_u32(xoff + 4 * nx, (uint32_t)i);
				memcpy(xval + 8 * nx, &x[i], 8);
				nx++;
			}
		} else if (m < lo)
			lo = m;
		else if (m > hi)
			hi = m;
		memcpy(vals + 4 * i, &m, 4);
	}
	int w = lo >= -INT8_MAX && hi <= INT8_MAX ? 1 :
	    lo >= -INT16_MAX && hi <= INT16_MAX ? 2 : 4;
	size_t size = CHUNKENC_HEADER + n * (size_t)w + 12 * nx;
	if (size >= n * sizeof(double))
		return 0;

	/* pass 2: narrow in place (each write lands at or before its read) */
	if (w < 4)
		for (size_t i = 0; i < n; i++) {
			int32_t m;
			memcpy(&m, vals + 4 * i, 4);
			if (w == 1) {
				int8_t v = m == INT32_MIN ? INT8_MIN : (int8_t)m;
				memcpy(vals + i, &v, 1);
			} else {
				int16_t v = m == INT32_MIN ? INT16_MIN : (int16_t)m;
				memcpy(vals + 2 * i, &v, 2);
			}
		}
	unsigned char *end = vals + n * (size_t)w;
	memmove(end, xoff, 4 * nx);
	memmove(end + 4 * nx, xval, 8 * nx);
	header(buf, CHUNKENC_DECIMAL, w, e, (uint32_t)nx);
	return size;
}

size_t
chunkenc_codes(const uint32_t *c, size_t n, uint32_t ncodes, unsigned char *buf)
{
	int w = ncodes < UINT8_MAX ? 1 : ncodes < UINT16_MAX ? 2 : 4;
	size_t size = CHUNKENC_HEADER + n * (size_t)w;
	if (w == 4 || size >= n * sizeof(uint32_t))
		return 0;
	unsigned char *vals = buf + CHUNKENC_HEADER;
	if (w == 1)
		for (size_t i = 0; i < n; i++)
			vals[i] = c[i] == CODE_NA ? UINT8_MAX : (uint8_t)c[i];
	else
		for (size_t i = 0; i < n; i++) {
			uint16_t v = c[i] == CODE_NA ? UINT16_MAX : (uint16_t)c[i];
			memcpy(vals + 2 * i, &v, 2);
		}
	header(buf, CHUNKENC_CODES, w, 0, 0);
	return size;
}

static void
decode_decimal(const unsigned char *v, int w, double p, double *out, size_t take)
{
	switch (w) {
	case 1:
		for (size_t i = 0; i < take; i++) {
			int8_t m = (int8_t)v[i];
			out[i] = m == INT8_MIN ? NAN : (double)m / p;
		}
		break;
	case 2:
		for (size_t i = 0; i < take; i++) {
			int16_t m;
			memcpy(&m, v + 2 * i, 2);
			out[i] = m == INT16_MIN ? NAN : (double)m / p;
		}
		break;
	default:
		for (size_t i = 0; i < take; i++) {
			int32_t m;
			memcpy(&m, v + 4 * i, 4);
			out[i] = m == INT32_MIN ? NAN : (double)m / p;
		}
	}
}

static int
decode_codes(const unsigned char *v, int w, uint32_t *out, size_t take)
{
	if (w == 1)
		for (size_t i = 0; i < take; i++)
			out[i] = v[i] == UINT8_MAX ? CODE_NA : v[i];
	else if (w == 2)
		for (size_t i = 0; i < take; i++) {
			uint16_t m;
			memcpy(&m, v + 2 * i, 2);
			out[i] = m == UINT16_MAX ? CODE_NA : m;
		}
	else
		return -1;
	return 0;
}

/* Is the stored value at row i the exception slot of a w-byte decimal? */
static int
is_slot(const unsigned char *v, int w, size_t i)
{
	if (w == 1)
		return (int8_t)v[i] == INT8_MIN;
	if (w == 2) {
		int16_t m;
		memcpy(&m, v + 2 * i, 2);
		return m == INT16_MIN;
	}
	int32_t m;
	memcpy(&m, v + 4 * i, 4);
	return m == INT32_MIN;
}

int
chunkenc_decode(const void *blob, size_t bytes, size_t n, int isnum, void *out, size_t take)
{
	size_t esz = isnum ? sizeof(double) : sizeof(uint32_t);
	const unsigned char *b = blob;

	if (take > n)
		return -1;
	if (bytes == n * esz) {
		if (take)
			memcpy(out, blob, take * esz);
		return 0;
	}
	if (bytes < CHUNKENC_HEADER || b == NULL)
		return -1;
	int fmt = b[0], w = b[1], e = b[2];
	uint32_t nx;
	memcpy(&nx, b + 4, 4);
	if ((w != 1 && w != 2 && w != 4) || b[3] != 0 || e > CHUNKENC_MAXEXP || nx > n)
		return -1;
	if (bytes != CHUNKENC_HEADER + n * (size_t)w + 12 * (size_t)nx)
		return -1;
	const unsigned char *v = b + CHUNKENC_HEADER;
	if (!isnum)
		return fmt == CHUNKENC_CODES && e == 0 && nx == 0 ? decode_codes(v, w, out, take) : -1;
	if (fmt != CHUNKENC_DECIMAL)
		return -1;
	decode_decimal(v, w, num_pow10[e], out, take);
	const unsigned char *xo = v + n * (size_t)w, *xv = xo + 4 * (size_t)nx;
	double *d = out;
	uint32_t prev = 0;
	for (uint32_t k = 0; k < nx; k++) {
		uint32_t i;
		memcpy(&i, xo + 4 * (size_t)k, 4);
		if (i >= n || (k && i <= prev) || !is_slot(v, w, i))
			return -1;
		prev = i;
		if (i < take)
			memcpy(&d[i], xv + 8 * (size_t)k, 8);
	}
	return 0;
}
