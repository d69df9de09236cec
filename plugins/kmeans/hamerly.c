/*
 * hamerly.c — carrying Hamerly's bounds (see hamerly.h).
 *
 * The scalar loop is the definition.  The AVX-512 loop takes 8 rows at a
 * time: the labels are widened to 64 bits and the float bounds to double,
 * each row's centre shift and separation are fetched with an in-register
 * permute when k <= 16 (a gather otherwise), and the rows not kept are
 * appended with a compress store.  Its operations are the scalar ones,
 * lane by lane: products and sums round the same, max(x, y) and min(x, y)
 * return y on ties as `x > y ? x : y` and `x < y ? x : y` do, conversions
 * to float round to nearest, and the comparisons are ordered.
 */
#include "hamerly.h"

#include <stdint.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define HM_X86 1
#endif

/* One row; returns 1 if it keeps its centre. */
static inline int
hm_row(const int *labels, float *ub, float *lb, size_t i, const double *shift,
    double maxshift, const double *sep, double slack)
{
	int a = labels[i], ok = a >= 0;
	size_t ac = ok ? (size_t)a : 0;
	double u = ((double)ub[i] + shift[ac]) * HAMERLY_UP;
	double l = ((double)lb[i] - maxshift) * HAMERLY_DOWN, lo = (sep[ac] - u) * HAMERLY_DOWN;

	l = l > 0.0 ? l : 0.0;
	lo = lo > l ? lo : l;
	ub[i] = hamerly_float_up(u);
	lb[i] = hamerly_float_down(l);
	return ok & (lo * lo * HAMERLY_DOWN > (u * u + slack) * HAMERLY_UP);
}

#ifdef HM_X86
__attribute__((target("avx512f"))) static size_t
hm_carry_avx512(const int *labels, float *ub, float *lb, size_t *ip, size_t end,
    const double *shift, double maxshift, const double *sep, size_t k, double slack,
    size_t *out, size_t nb, size_t cap)
{
	const __m512d up = _mm512_set1_pd(HAMERLY_UP), dn = _mm512_set1_pd(HAMERLY_DOWN);
	const __m512d zero = _mm512_setzero_pd(), ms = _mm512_set1_pd(maxshift);
	const __m512d sl = _mm512_set1_pd(slack);
	const __m512d fup = _mm512_set1_pd(1.0 + 0x1p-22), fdn = _mm512_set1_pd(1.0 - 0x1p-22);
	const __m512d fmin = _mm512_set1_pd(FLT_MIN), fmax = _mm512_set1_pd(FLT_MAX);
	const __m512d tiny = _mm512_set1_pd(0x1p-149), inf = _mm512_set1_pd(HUGE_VAL);
	const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
	__m512d sh0 = zero, sh1 = zero, sp0 = zero, sp1 = zero;
	double tab[16];
	size_t i = *ip, j;

	if (k <= 16) {
		/* the tables in registers (unused entries are never indexed) */
		for (j = 0; j < 16; j++)
			tab[j] = j < k ? shift[j] : 0.0;
		sh0 = _mm512_loadu_pd(tab);
		sh1 = _mm512_loadu_pd(tab + 8);
		for (j = 0; j < 16; j++)
			tab[j] = j < k ? sep[j] : 0.0;
		sp0 = _mm512_loadu_pd(tab);
		sp1 = _mm512_loadu_pd(tab + 8);
	}
	for (; i + 8 <= end && nb + 8 <= cap; i += 8) {
		__m512i a = _mm512_cvtepi32_epi64(_mm256_loadu_si256((const __m256i *)(labels + i)));
		__mmask8 ok = _mm512_cmpge_epi64_mask(a, _mm512_setzero_si512()), fail;
		__m512i ac = _mm512_max_epi64(a, _mm512_setzero_si512());
		__m512d bs, sp, u, l, lo, t;

		if (k <= 16) {
			bs = _mm512_permutex2var_pd(sh0, ac, sh1);
			sp = _mm512_permutex2var_pd(sp0, ac, sp1);
		} else {
			bs = _mm512_i64gather_pd(ac, shift, 8);
			sp = _mm512_i64gather_pd(ac, sep, 8);
		}
		u = _mm512_cvtps_pd(_mm256_loadu_ps(ub + i));
		l = _mm512_cvtps_pd(_mm256_loadu_ps(lb + i));
		u = _mm512_mul_pd(_mm512_add_pd(u, bs), up);
		l = _mm512_mul_pd(_mm512_sub_pd(l, ms), dn);
		lo = _mm512_mul_pd(_mm512_sub_pd(sp, u), dn);
		l = _mm512_max_pd(l, zero);
		lo = _mm512_max_pd(lo, l);
		/* hamerly_float_up and hamerly_float_down, lane by lane */
		t = _mm512_max_pd(_mm512_mul_pd(u, fup), fmin);
		t = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(t, fmax, _CMP_GT_OQ), t, inf);
		_mm256_storeu_ps(ub + i, _mm512_cvtpd_ps(t));
		t = _mm512_sub_pd(_mm512_mul_pd(l, fdn), tiny);
		t = _mm512_min_pd(_mm512_max_pd(t, zero), fmax);
		_mm256_storeu_ps(lb + i, _mm512_cvtpd_ps(t));
		ok &= _mm512_cmp_pd_mask(_mm512_mul_pd(_mm512_mul_pd(lo, lo), dn),
		    _mm512_mul_pd(_mm512_add_pd(_mm512_mul_pd(u, u), sl), up), _CMP_GT_OQ);
		fail = (__mmask8)~ok;
		_mm512_mask_compressstoreu_epi64(out + nb, fail,
		    _mm512_add_epi64(_mm512_set1_epi64((long long)i), iota));
		nb += (size_t)__builtin_popcount((unsigned)fail);
	}
	*ip = i;
	return nb;
}
#endif

size_t
hamerly_carry(const int *labels, float *ub, float *lb, size_t begin, size_t end,
    const double *shift, double maxshift, const double *sep, size_t k, double slack,
    size_t *out, size_t cap, size_t *next)
{
	size_t i = begin, nb = 0;

#ifdef HM_X86
	if (sizeof(size_t) == 8 && __builtin_cpu_supports("avx512f"))
		nb = hm_carry_avx512(labels, ub, lb, &i, end, shift, maxshift, sep, k,
		    slack, out, nb, cap);
#endif
	for (; i < end && nb + 8 <= cap; i++) {
		out[nb] = i;
		nb += !hm_row(labels, ub, lb, i, shift, maxshift, sep, slack);
	}
	*next = i;
	return nb;
}
