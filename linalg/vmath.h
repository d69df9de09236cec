/*
 * vmath.h — the binary logistic loss and its residuals over an array of
 * margins, vectorised: the per-row work of a logistic-regression
 * evaluation once the margins z = X w + b are known.
 *
 * For margins z_i and labels y_i in {0, 1}:
 *
 *     r_i  = sigmoid(z_i) - y_i
 *     loss = sum_i log(1 + exp(z_i)) - y_i z_i
 *
 * computed without overflow through e = exp(-|z|):
 *     log(1 + exp(z)) - y z = max(z, 0) - y z + log1p(e),
 *     sigmoid(z) = (z >= 0 ? 1 : e) / (1 + e).
 *
 * exp and log1p are this module's own, evaluated 8 values at a time with
 * GCC's generic vectors (compiled for AVX-512, AVX2 and SSE2, picked when
 * the library loads): exp by Cody–Waite reduction to |r| <= ln2 / 2 and a
 * degree-13 Taylor polynomial, log1p(e), e in [0, 1], as 2 atanh(s) with
 * |s| <= 0.1716 and 11 terms of the series.  Both are within a few units
 * in the last place of the correctly rounded values (vmath_exp_neg and
 * vmath_log1p expose them for the tests); glibc's scalar exp and log1p
 * cost 10-30 times more per value.
 *
 * Determinism: every value is computed by the same IEEE operations in
 * every clone and for every position in the array (a tail shorter than 8
 * goes through the same vector code, padded); the loss is summed in 8
 * lane-wise partial sums added in a fixed order at the end.  Results
 * therefore depend only on the inputs.  Nothing is allocated.
 */
#ifndef LATHE_VMATH_H
#define LATHE_VMATH_H

#include <stddef.h>

/* r[i] = sigmoid(z[i]) - y[i] for i < n (y[i] must be 0 or 1), and
 * returns sum_i log(1 + exp(z[i])) - y[i] z[i].  r may be z (in place). */
double vmath_logistic(const double *z, const int *y, size_t n, double *r);

/* out[i] = exp(-|x[i]|), the exponential used above (0 below -745.2). */
void vmath_exp_neg(const double *x, size_t n, double *out);

/* out[i] = log1p(x[i]) for x[i] in [0, 1], as used above. */
void vmath_log1p(const double *x, size_t n, double *out);

#endif
