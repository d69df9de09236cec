/*
 * vmath.c — the vectorised logistic loss (see vmath.h).
 *
 * exp(t), t <= 0: k = round(t / ln2) by the 1.5 * 2^52 shifter, r = t -
 * k ln2 in two parts (Cody–Waite: k * LN2_HI is exact for |k| < 2^20), so
 * |r| <= 0.3466 and the Taylor polynomial of degree 13 is within 4e-18 of
 * exp(r); the result is scaled by 2^k as 2^floor(k/2) * 2^(k - floor(k/2))
 * so that both factors are normal numbers down to the subnormal range;
 * below -745.2 the result is 0.
 *
 * log1p(e), e in [0, 1]: with s = e / (2 + e), or s = (e - 1) / (3 + e)
 * plus ln2 when e > sqrt(2) - 1, |s| <= 0.1716 and log1p(e) =
 * [ln2 +] 2 atanh(s) = [ln2 +] 2 (s + s^3/3 + ... + s^23/23), whose
 * truncation error is below 1e-18 relative.
 *
 * The scalar fallback (compilers without GNU vectors) performs the same
 * operations lane by lane.
 */
#include "vmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define VM_W 8

/* not with clang (the fuzz build): clang 14 exports a cloned function's
 * resolver as "f.ifunc" and leaves f undefined for the other files */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VM_CLONES
#define VM_CLONES
#endif

#define VM_LOG2E	1.4426950408889634
#define VM_SHIFT	0x1.8p52
#define VM_LN2_HI	0x1.62e42fee00000p-1
#define VM_LN2_LO	0x1.a39ef35793c76p-33
#define VM_LN2		0x1.62e42fefa39efp-1
#define VM_EXP_MIN	(-745.2)
#define VM_LOG_SPLIT	0.41421356237309503	/* sqrt(2) - 1 */

/* 1/n!, n = 2..13, for the exp polynomial; 1/(2j + 1), j = 1..11, for
 * atanh. */
#define VM_E2	0.5
#define VM_E3	0.16666666666666666
#define VM_E4	0.041666666666666664
#define VM_E5	0.008333333333333333
#define VM_E6	0.001388888888888889
#define VM_E7	0.0001984126984126984
#define VM_E8	2.48015873015873e-05
#define VM_E9	2.7557319223985893e-06
#define VM_E10	2.755731922398589e-07
#define VM_E11	2.505210838544172e-08
#define VM_E12	2.08767569878681e-09
#define VM_E13	1.6059043836821613e-10

#if defined(__GNUC__)

typedef double vm_vec __attribute__((vector_size(VM_W * sizeof(double))));
typedef long long vm_ivec __attribute__((vector_size(VM_W * sizeof(double))));
typedef int vm_lab __attribute__((vector_size(VM_W * sizeof(int))));

#define VM_SEL(m, a, b) ((vm_vec)((((vm_ivec)(a)) & (m)) | (((vm_ivec)(b)) & ~(m))))
/* (note: {0} + -0.0 is +0.0; sign bits are set with integers) */
#define VM_SPLAT(x) ((vm_vec){ 0 } + (x))

/* t <= 0 (or NaN) -> exp(t).  A macro: vectors are not passed to
 * functions, whose calling convention depends on the clone. */
#define VM_EXP(out, tin) do {							\
	vm_vec t_ = (tin), kd_, r_, p_;						\
	vm_ivec ki_, ka_, kb_, lo_;						\
	lo_ = t_ < VM_SPLAT(VM_EXP_MIN);					\
	t_ = VM_SEL(lo_, VM_SPLAT(VM_EXP_MIN), t_);				\
	kd_ = t_ * VM_LOG2E + VM_SHIFT;						\
	kd_ = kd_ - VM_SHIFT;							\
	r_ = t_ - kd_ * VM_LN2_HI;						\
	r_ = r_ - kd_ * VM_LN2_LO;						\
	p_ = VM_E12 + r_ * VM_E13;						\
	p_ = VM_E11 + r_ * p_;							\
	p_ = VM_E10 + r_ * p_;							\
	p_ = VM_E9 + r_ * p_;							\
	p_ = VM_E8 + r_ * p_;							\
	p_ = VM_E7 + r_ * p_;							\
	p_ = VM_E6 + r_ * p_;							\
	p_ = VM_E5 + r_ * p_;							\
	p_ = VM_E4 + r_ * p_;							\
	p_ = VM_E3 + r_ * p_;							\
	p_ = VM_E2 + r_ * p_;							\
	p_ = 1.0 + r_ * p_;							\
	p_ = 1.0 + r_ * p_;							\
	ki_ = __builtin_convertvector(VM_SEL(kd_ == kd_, kd_, VM_SPLAT(0.0)), vm_ivec); \
	ka_ = ki_ >> 1;								\
	kb_ = ki_ - ka_;							\
	p_ = p_ * (vm_vec)((ka_ + 1023) << 52);					\
	p_ = p_ * (vm_vec)((kb_ + 1023) << 52);					\
	(out) = VM_SEL(lo_, VM_SPLAT(0.0), p_);					\
} while (0)

/* e in [0, 1] -> log1p(e). */
#define VM_LOG1P(out, ein) do {							\
	vm_vec e_ = (ein), s_, s2_, q_, add_;					\
	vm_ivec big_ = e_ > VM_SPLAT(VM_LOG_SPLIT);				\
	s_ = VM_SEL(big_, e_ - 1.0, e_) / VM_SEL(big_, 3.0 + e_, 2.0 + e_);	\
	add_ = VM_SEL(big_, VM_SPLAT(VM_LN2), VM_SPLAT(0.0));			\
	s2_ = s_ * s_;								\
	q_ = 1.0 / 21.0 + s2_ * (1.0 / 23.0);					\
	q_ = 1.0 / 19.0 + s2_ * q_;						\
	q_ = 1.0 / 17.0 + s2_ * q_;						\
	q_ = 1.0 / 15.0 + s2_ * q_;						\
	q_ = 1.0 / 13.0 + s2_ * q_;						\
	q_ = 1.0 / 11.0 + s2_ * q_;						\
	q_ = 1.0 / 9.0 + s2_ * q_;						\
	q_ = 1.0 / 7.0 + s2_ * q_;						\
	q_ = 1.0 / 5.0 + s2_ * q_;						\
	q_ = 1.0 / 3.0 + s2_ * q_;						\
	q_ = s_ + (s_ * s2_) * q_;						\
	(out) = add_ + 2.0 * q_;						\
} while (0)

/* 8 margins and labels -> residuals, and the 8 losses added to acc. */
#define VM_LOGISTIC(rout, acc, zin, yin) do {					\
	vm_vec z_ = (zin), y_ = (yin), ex_, lp_, num_;				\
	vm_ivec pos_ = z_ >= VM_SPLAT(0.0);					\
	VM_EXP(ex_, (vm_vec)((vm_ivec)z_ | ((vm_ivec){ 0 } + INT64_MIN)));	\
	VM_LOG1P(lp_, ex_);							\
	num_ = VM_SEL(pos_, VM_SPLAT(1.0), ex_);					\
	(rout) = num_ / (1.0 + ex_) - y_;					\
	(acc) = (acc) + (VM_SEL(pos_, (1.0 - y_) * z_, -y_ * z_) + lp_);	\
} while (0)

VM_CLONES double
vmath_logistic(const double *z, const int *y, size_t n, double *r)
{
	vm_vec acc = { 0 }, accl = { 0 }, zv, yv, rv;
	vm_lab yl;
	double zt[VM_W], rt[VM_W], sum = 0.0;
	int yt[VM_W];
	size_t i = 0, j, nt;

	for (; i + VM_W <= n; i += VM_W) {
		memcpy(&zv, z + i, sizeof zv);
		memcpy(&yl, y + i, sizeof yl);
		yv = __builtin_convertvector(yl, vm_vec);
		VM_LOGISTIC(rv, acc, zv, yv);
		memcpy(r + i, &rv, sizeof rv);
	}
	if (i < n) {
		/* the tail through the same code, padded; padding adds nothing */
		nt = n - i;
		for (j = 0; j < VM_W; j++) {
			zt[j] = j < nt ? z[i + j] : 0.0;
			yt[j] = j < nt ? y[i + j] : 0;
		}
		memcpy(&zv, zt, sizeof zv);
		memcpy(&yl, yt, sizeof yl);
		yv = __builtin_convertvector(yl, vm_vec);
		VM_LOGISTIC(rv, accl, zv, yv);
		memcpy(rt, &rv, sizeof rv);
		for (j = 0; j < nt; j++) {
			r[i + j] = rt[j];
			acc[j] += accl[j];
		}
	}
	for (j = 0; j < VM_W; j++)
		sum += acc[j];
	return sum;
}

VM_CLONES void
vmath_exp_neg(const double *x, size_t n, double *out)
{
	double t[VM_W];
	vm_vec v;
	size_t i, j;

	for (i = 0; i < n; i += VM_W) {
		for (j = 0; j < VM_W; j++)
			t[j] = i + j < n ? -fabs(x[i + j]) : 0.0;
		memcpy(&v, t, sizeof v);
		VM_EXP(v, v);
		memcpy(t, &v, sizeof v);
		for (j = 0; j < VM_W && i + j < n; j++)
			out[i + j] = t[j];
	}
}

VM_CLONES void
vmath_log1p(const double *x, size_t n, double *out)
{
	double t[VM_W];
	vm_vec v;
	size_t i, j;

	for (i = 0; i < n; i += VM_W) {
		for (j = 0; j < VM_W; j++)
			t[j] = i + j < n ? x[i + j] : 0.0;
		memcpy(&v, t, sizeof v);
		VM_LOG1P(v, v);
		memcpy(t, &v, sizeof v);
		for (j = 0; j < VM_W && i + j < n; j++)
			out[i + j] = t[j];
	}
}

#else	/* not GCC-compatible: the same operations, one value at a time */

static double
vm_exp(double t)
{
	double kd, r, p, a, b;
	int64_t ki, ka, kb, bits;

	if (t != t)
		return t;
	if (t < VM_EXP_MIN)
		return 0.0;
	kd = t * VM_LOG2E + VM_SHIFT;
	kd = kd - VM_SHIFT;
	r = t - kd * VM_LN2_HI;
	r = r - kd * VM_LN2_LO;
	p = VM_E12 + r * VM_E13;
	p = VM_E11 + r * p;
	p = VM_E10 + r * p;
	p = VM_E9 + r * p;
	p = VM_E8 + r * p;
	p = VM_E7 + r * p;
	p = VM_E6 + r * p;
	p = VM_E5 + r * p;
	p = VM_E4 + r * p;
	p = VM_E3 + r * p;
	p = VM_E2 + r * p;
	p = 1.0 + r * p;
	p = 1.0 + r * p;
	ki = (int64_t)kd;
	ka = ki >= 0 ? ki / 2 : -((-ki + 1) / 2);
	kb = ki - ka;
	bits = (ka + 1023) * ((int64_t)1 << 52);
	memcpy(&a, &bits, sizeof a);
	bits = (kb + 1023) * ((int64_t)1 << 52);
	memcpy(&b, &bits, sizeof b);
	return p * a * b;
}

static double
vm_log1p(double e)
{
	int big = e > VM_LOG_SPLIT;
	double s = (big ? e - 1.0 : e) / (big ? 3.0 + e : 2.0 + e), s2 = s * s, q;

	q = 1.0 / 21.0 + s2 * (1.0 / 23.0);
	q = 1.0 / 19.0 + s2 * q;
	q = 1.0 / 17.0 + s2 * q;
	q = 1.0 / 15.0 + s2 * q;
	q = 1.0 / 13.0 + s2 * q;
	q = 1.0 / 11.0 + s2 * q;
	q = 1.0 / 9.0 + s2 * q;
	q = 1.0 / 7.0 + s2 * q;
	q = 1.0 / 5.0 + s2 * q;
	q = 1.0 / 3.0 + s2 * q;
	q = s + (s * s2) * q;
	return (big ? VM_LN2 : 0.0) + 2.0 * q;
}

double
vmath_logistic(const double *z, const int *y, size_t n, double *r)
{
	double acc[VM_W] = { 0 }, sum = 0.0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		double zi = z[i], yi = (double)y[i], e = vm_exp(-fabs(zi));
		double l = vm_log1p(e), num = zi >= 0.0 ? 1.0 : e;

		r[i] = num / (1.0 + e) - yi;
		acc[i % VM_W] += (zi >= 0.0 ? (1.0 - yi) * zi : -yi * zi) + l;
	}
	for (j = 0; j < VM_W; j++)
		sum += acc[j];
	return sum;
}

void
vmath_exp_neg(const double *x, size_t n, double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = vm_exp(-fabs(x[i]));
}

void
vmath_log1p(const double *x, size_t n, double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = vm_log1p(x[i]);
}

#endif
