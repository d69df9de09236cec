/*
 * hamerly.h — Hamerly's bounds for exact accelerated k-means: carry them
 * over a move of the centres, and pick the rows they no longer settle.
 *
 * Each row i has a centre a_i (or -1: not assigned yet), an upper bound
 * ub_i on its distance to that centre and a lower bound lb_i on its
 * distance to every other centre.  When centre j moves by at most
 * shift_j (and every centre by at most maxshift), the triangle inequality
 * keeps the bounds valid as
 *
 *     ub_i + shift_{a_i}        and        lb_i - maxshift,
 *
 * and with sep_j a lower bound on the distance from centre j to the
 * nearest other centre, every other centre is at least
 * lo_i = max(lb_i, sep_{a_i} - ub_i) away.  The row provably keeps its
 * centre when lo_i^2 > ub_i^2 + slack, where slack covers the error of the
 * scores the caller would otherwise compute (twice their error bound), so
 * that a row kept here is one the caller's full computation would have
 * kept too.
 *
 * The bounds are computed in double and stored as floats (half the memory
 * traffic of the pass, which reads and writes every row's bounds): to
 * store, an upper bound is rounded up (hamerly_float_up) and a lower bound
 * down (hamerly_float_down), by about 2^-22 relative, which no row's
 * decision notices.
 *
 * Every bound is rounded outwards: each operation above is followed by a
 * multiplication by 1 +- 4 DBL_EPSILON (HAMERLY_UP / HAMERLY_DOWN), which
 * covers the rounding of the operation and of the multiplication itself;
 * lower bounds are clamped at 0.  The vector path (AVX-512 where the CPU
 * has it) performs exactly the scalar path's IEEE operations, so results
 * do not depend on it.
 */
#ifndef LATHE_HAMERLY_H
#define LATHE_HAMERLY_H

#include <float.h>
#include <math.h>
#include <stddef.h>

#define HAMERLY_UP (1.0 + 4.0 * DBL_EPSILON)
#define HAMERLY_DOWN (1.0 - 4.0 * DBL_EPSILON)

/* A float >= x (x >= 0 or +inf): x * (1 + 2^-22), at least FLT_MIN (so
 * that no subnormal rounding can go below x), +inf above FLT_MAX. */
static inline float
hamerly_float_up(double x)
{
	double t = x * (1.0 + 0x1p-22);

	t = t > FLT_MIN ? t : FLT_MIN;
	return t > FLT_MAX ? HUGE_VALF : (float)t;
}

/* A float <= x (x >= 0 or +inf): x * (1 - 2^-22) - 2^-149 (so that no
 * subnormal rounding can go above x), at least 0, at most FLT_MAX. */
static inline float
hamerly_float_down(double x)
{
	double t = x * (1.0 - 0x1p-22) - 0x1p-149;

	t = t > 0.0 ? t : 0.0;
	t = t < FLT_MAX ? t : FLT_MAX;
	return (float)t;
}

/*
 * Carries the bounds of rows begin, begin + 1, ... over the centres' last
 * move (ub, lb updated in place as above, stored rounded outwards to
 * float) and appends the rows not
 * provably kept to out, in increasing order.  Rows with a negative label
 * are never kept.  Stops at end or once at least cap - 8 rows are listed
 * (so out needs cap >= 8 entries and never overflows); *next receives the
 * first row not examined.  Returns the number of rows listed.  k is the
 * number of centres (shift and sep have k entries; labels are < k).
 * Borrows everything; no allocation.
 */
size_t hamerly_carry(const int *labels, float *ub, float *lb, size_t begin,
    size_t end, const double *shift, double maxshift, const double *sep,
    size_t k, double slack, size_t *out, size_t cap, size_t *next);

#endif
