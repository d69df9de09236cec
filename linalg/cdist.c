/*
 * cdist.c — the nearest of a few centres (see cdist.h).
 *
 * The vector code (GCC's generic vectors of 8 doubles: one AVX-512
 * register, two AVX2 or four SSE2 ones) gives each of 8 rows a lane.  The
 * rows are transposed 8 x 8 in registers into the scratch buffer, so that
 * feature l of the 8 rows is one vector; 8 centres' accumulators then take
 * acc_j = acc_j + x_l * c_jl for l = 0..d-1, eight independent chains that
 * hide the latency of the adds.  The centre is chosen lane by lane with
 * compare-and-select in a tournament (pairs, then pairs of pairs), the
 * lower centre winning ties at every match; that yields the lowest score,
 * the lowest centre having it and the second-lowest score, exactly what
 * the sequential scan of the scalar fallback (other compilers) yields.
 *
 * The float path is the same code on vectors of 16 floats (16 rows a
 * lane each, a 16 x 16 transpose in four rounds of shuffles), plus the
 * rows' squared norms added after the choice.
 *
 * Packed layout, per group of 8 centres: d rows of 8 (feature-major),
 * then their 8 norms; missing centres are zeros with norm +infinity, so
 * they score +infinity and never win.  Same layout in float for the float
 * path.
 *
 * cdist_bounds' AVX-512 loop uses intrinsics behind a run-time CPU check;
 * a square root is correctly rounded everywhere, so both loops agree.
 */
#include "cdist.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define CD_X86 1
#endif

#define CD_W 8		/* rows per group, and centres per packed group */

#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef CD_CLONES
#define CD_CLONES
#endif

size_t
cdist_packed_size(size_t k, size_t d)
{
	return (k + CD_W - 1) / CD_W * CD_W * (d + 1);
}

size_t
cdist_scratch_size(size_t d)
{
	return CD_W * d;
}

void
cdist_pack(const double *C, size_t k, size_t d, double *cp, double *cnorm)
{
	size_t g, ng = (k + CD_W - 1) / CD_W, j, jj, l;

	for (j = 0; j < k; j++) {
		double s = 0.0;
		for (l = 0; l < d; l++)
			s += C[j * d + l] * C[j * d + l];
		cnorm[j] = s;
	}
	for (g = 0; g < ng; g++) {
		double *p = cp + g * (d + 1) * CD_W;
		for (l = 0; l < d; l++)
			for (jj = 0; jj < CD_W; jj++) {
				j = g * CD_W + jj;
				p[l * CD_W + jj] = j < k ? C[j * d + l] : 0.0;
			}
		for (jj = 0; jj < CD_W; jj++) {
			j = g * CD_W + jj;
			p[d * CD_W + jj] = j < k ? cnorm[j] : HUGE_VAL;
		}
	}
}

double
cdist_error_bound(size_t d, double xmax, double cmax)
{
	double r = xmax + cmax;

	return ((double)d + 4.0) * DBL_EPSILON * r * r;
}

size_t
cdist_packed_size_f32(size_t k, size_t d)
{
	return (k + CD_W - 1) / CD_W * CD_W * (d + 1);
}

void
cdist_pack_f32(const double *C, size_t k, size_t d, float *cp)
{
	size_t g, ng = (k + CD_W - 1) / CD_W, j, jj, l;

	for (g = 0; g < ng; g++) {
		float *p = cp + g * (d + 1) * CD_W;
		for (jj = 0; jj < CD_W; jj++) {
			float s = 0.0f;

			j = g * CD_W + jj;
			for (l = 0; l < d; l++) {
				float c = j < k ? (float)C[j * d + l] : 0.0f;
				p[l * CD_W + jj] = c;
				s += c * c;
			}
			p[d * CD_W + jj] = j < k ? s : HUGE_VALF;
		}
	}
}

int
cdist_f32_usable(size_t d, size_t k, double xmax, double cmax)
{
	double r = xmax + cmax;

	return k < ((size_t)1 << 24) && r * r * ((double)d + 2.0) < 1e36;
}

double
cdist_f32_error(size_t d, double xmax, double cmax)
{
	double r = xmax + cmax;

	return (2.0 * (double)d + 12.0) * FLT_EPSILON * r * r +
	    ((double)d + 2.0) * 0x1p-140 * (1.0 + r);
}

/* Outward rounding: a square root is correctly rounded (IEEE 754, in
 * every instruction set), then pushed out by 4 epsilon. */
#define CD_UP (1.0 + 4.0 * DBL_EPSILON)
#define CD_DOWN (1.0 - 4.0 * DBL_EPSILON)

#ifdef CD_X86
/* The vector square root of AVX-512 (8 at a time); the same values as the
 * scalar loop, an order of magnitude more of them per cycle. */
__attribute__((target("avx512f"))) static size_t
cd_bounds_avx512(double *up, double *lo, size_t n)
{
	const __m512d zero = _mm512_setzero_pd(), u = _mm512_set1_pd(CD_UP);
	const __m512d dn = _mm512_set1_pd(CD_DOWN);
	size_t r;

	for (r = 0; r + 8 <= n; r += 8) {
		__m512d a = _mm512_loadu_pd(up + r), b = _mm512_loadu_pd(lo + r);

		a = _mm512_mul_pd(_mm512_sqrt_pd(_mm512_max_pd(a, zero)), u);
		b = _mm512_mul_pd(_mm512_sqrt_pd(_mm512_max_pd(b, zero)), dn);
		_mm512_storeu_pd(up + r, a);
		_mm512_storeu_pd(lo + r, b);
	}
	return r;
}
#endif

void
cdist_bounds(double *up, double *lo, size_t n)
{
	size_t r = 0;

#ifdef CD_X86
	if (__builtin_cpu_supports("avx512f"))
		r = cd_bounds_avx512(up, lo, n);
#endif
	for (; r < n; r++) {
		double a = up[r] > 0.0 ? up[r] : 0.0, b = lo[r] > 0.0 ? lo[r] : 0.0;

		up[r] = sqrt(a) * CD_UP;
		lo[r] = sqrt(b) * CD_DOWN;
	}
}

#if defined(__GNUC__) && !defined(__clang__)	/* __builtin_shuffle is GCC's own */

typedef double cd_vec __attribute__((vector_size(CD_W * sizeof(double))));
typedef long long cd_mask __attribute__((vector_size(CD_W * sizeof(double))));

/* Lane-wise m ? a : b.  Vectors are never passed to functions (their
 * calling convention depends on the clone), hence macros. */
#define CD_SEL(m, a, b) ((cd_vec)((((cd_mask)(a)) & (m)) | (((cd_mask)(b)) & ~(m))))
#define CD_LOAD(v, p)	memcpy(&(v), (p), sizeof(v))

/* The better of two single scores va (centre ja) and vb (ja + 1): best,
 * its centre, the other one; a wins ties, being the lower centre. */
#define CD_PAIR(b, l, s, va, vb, jbase, off) do {				\
	cd_mask lt_ = (vb) < (va);						\
	b = CD_SEL(lt_, vb, va);						\
	s = CD_SEL(lt_, va, vb);						\
	l = CD_SEL(lt_, (jbase) + ((off) + 1.0), (jbase) + (off));		\
} while (0)

/* Merges (b2, l2, s2) — best, its centre, runner-up — into (b, l, s);
 * (b, l, s) must hold the lower centres, so it wins ties. */
#define CD_MERGE(b, l, s, b2, l2, s2) do {					\
	cd_mask lt_ = (b2) < (b), m1_ = (s2) < (s), m2_;			\
	cd_vec mx_ = CD_SEL(lt_, b, b2), ms_ = CD_SEL(m1_, s2, s);		\
	m2_ = mx_ < ms_;							\
	s = CD_SEL(m2_, mx_, ms_);						\
	b = CD_SEL(lt_, b2, b);							\
	l = CD_SEL(lt_, l2, l);							\
} while (0)

/* The double kernel: with D NULL the choice (cdist_nearest), else every
 * score into D (cdist_scores); inlined into each clone of each. */
static inline __attribute__((always_inline)) void
cd_kernel(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, int *label,
    double *best, double *second, double *D)
{
	/* shuffle patterns of an 8 x 8 transpose (elements of a, then b) */
	const cd_mask cd_even = { 0, 8, 2, 10, 4, 12, 6, 14 };
	const cd_mask cd_odd = { 1, 9, 3, 11, 5, 13, 7, 15 };
	const cd_mask cd_lo2 = { 0, 1, 8, 9, 4, 5, 12, 13 };
	const cd_mask cd_hi2 = { 2, 3, 10, 11, 6, 7, 14, 15 };
	const cd_mask cd_lo4 = { 0, 1, 2, 3, 8, 9, 10, 11 };
	const cd_mask cd_hi4 = { 4, 5, 6, 7, 12, 13, 14, 15 };
	const double *xr[CD_W];
	size_t ng = (k + CD_W - 1) / CD_W, r0, nr, q, l, g;

	for (r0 = 0; r0 < n; r0 += nr) {
		cd_vec bv = { 0 }, sv = { 0 }, lv = { 0 };

		nr = n - r0 < CD_W ? n - r0 : CD_W;
		/* feature-major copy, 8 x 8 blocks transposed in registers;
		 * missing lanes repeat the last row */
		for (q = 0; q < CD_W; q++) {
			size_t rr = r0 + (q < nr ? q : nr - 1);

			rr = rows != NULL ? rows[rr] : row0 + rr;
			xr[q] = X + rr * d;
		}
		for (l = 0; l + CD_W <= d; l += CD_W) {
			cd_vec t0, t1, t2, t3, t4, t5, t6, t7;
			cd_vec u0, u1, u2, u3, u4, u5, u6, u7;
			double *st = scratch + l * CD_W;

			CD_LOAD(t0, xr[0] + l);
			CD_LOAD(t1, xr[1] + l);
			CD_LOAD(t2, xr[2] + l);
			CD_LOAD(t3, xr[3] + l);
			CD_LOAD(t4, xr[4] + l);
			CD_LOAD(t5, xr[5] + l);
			CD_LOAD(t6, xr[6] + l);
			CD_LOAD(t7, xr[7] + l);
			u0 = __builtin_shuffle(t0, t1, cd_even);
			u1 = __builtin_shuffle(t0, t1, cd_odd);
			u2 = __builtin_shuffle(t2, t3, cd_even);
			u3 = __builtin_shuffle(t2, t3, cd_odd);
			u4 = __builtin_shuffle(t4, t5, cd_even);
			u5 = __builtin_shuffle(t4, t5, cd_odd);
			u6 = __builtin_shuffle(t6, t7, cd_even);
			u7 = __builtin_shuffle(t6, t7, cd_odd);
			t0 = __builtin_shuffle(u0, u2, cd_lo2);
			t2 = __builtin_shuffle(u0, u2, cd_hi2);
			t1 = __builtin_shuffle(u1, u3, cd_lo2);
			t3 = __builtin_shuffle(u1, u3, cd_hi2);
			t4 = __builtin_shuffle(u4, u6, cd_lo2);
			t6 = __builtin_shuffle(u4, u6, cd_hi2);
			t5 = __builtin_shuffle(u5, u7, cd_lo2);
			t7 = __builtin_shuffle(u5, u7, cd_hi2);
			u0 = __builtin_shuffle(t0, t4, cd_lo4);
			u4 = __builtin_shuffle(t0, t4, cd_hi4);
			u1 = __builtin_shuffle(t1, t5, cd_lo4);
			u5 = __builtin_shuffle(t1, t5, cd_hi4);
			u2 = __builtin_shuffle(t2, t6, cd_lo4);
			u6 = __builtin_shuffle(t2, t6, cd_hi4);
			u3 = __builtin_shuffle(t3, t7, cd_lo4);
			u7 = __builtin_shuffle(t3, t7, cd_hi4);
			memcpy(st, &u0, sizeof u0);
			memcpy(st + CD_W, &u1, sizeof u1);
			memcpy(st + 2 * CD_W, &u2, sizeof u2);
			memcpy(st + 3 * CD_W, &u3, sizeof u3);
			memcpy(st + 4 * CD_W, &u4, sizeof u4);
			memcpy(st + 5 * CD_W, &u5, sizeof u5);
			memcpy(st + 6 * CD_W, &u6, sizeof u6);
			memcpy(st + 7 * CD_W, &u7, sizeof u7);
		}
		for (; l < d; l++) {
			cd_vec t0;

			for (q = 0; q < CD_W; q++)
				t0[q] = xr[q][l];
			memcpy(scratch + l * CD_W, &t0, sizeof t0);
		}
		/* ask for the rows four groups ahead (the hardware prefetcher
		 * does not keep up, and picked rows are scattered) */
		for (q = r0 + 4 * CD_W; q < r0 + 5 * CD_W && q < n; q++) {
			size_t rr = rows != NULL ? rows[q] : row0 + q;

			for (l = 0; l < d; l += 8)
				__builtin_prefetch(X + rr * d + l);
		}
		for (g = 0; g < ng; g++) {
			const double *c = cp + g * (d + 1) * CD_W;
			cd_vec a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
			cd_vec a4 = { 0 }, a5 = { 0 }, a6 = { 0 }, a7 = { 0 };

			for (l = 0; l < d; l++, c += CD_W) {
				cd_vec xv;

				CD_LOAD(xv, scratch + l * CD_W);
				a0 = a0 + xv * c[0];
				a1 = a1 + xv * c[1];
				a2 = a2 + xv * c[2];
				a3 = a3 + xv * c[3];
				a4 = a4 + xv * c[4];
				a5 = a5 + xv * c[5];
				a6 = a6 + xv * c[6];
				a7 = a7 + xv * c[7];
			}
			{
				/* scores; centres past k score +infinity */
				cd_vec j0 = (cd_vec){ 0 } + (double)(g * CD_W);
				const double *cn = cp + g * (d + 1) * CD_W + d * CD_W;
				cd_vec v0 = cn[0] - 2.0 * a0, v1 = cn[1] - 2.0 * a1;
				cd_vec v2 = cn[2] - 2.0 * a2, v3 = cn[3] - 2.0 * a3;
				cd_vec v4 = cn[4] - 2.0 * a4, v5 = cn[5] - 2.0 * a5;
				cd_vec v6 = cn[6] - 2.0 * a6, v7 = cn[7] - 2.0 * a7;
				cd_vec b0, b1, b2, b3, l0, l1, l2, l3, s0, s1, s2, s3;

				if (D != NULL) {
					double vs[CD_W][CD_W];
					size_t m = k - g * CD_W < CD_W ? k - g * CD_W : CD_W, jj;

					memcpy(vs[0], &v0, sizeof v0);
					memcpy(vs[1], &v1, sizeof v1);
					memcpy(vs[2], &v2, sizeof v2);
					memcpy(vs[3], &v3, sizeof v3);
					memcpy(vs[4], &v4, sizeof v4);
					memcpy(vs[5], &v5, sizeof v5);
					memcpy(vs[6], &v6, sizeof v6);
					memcpy(vs[7], &v7, sizeof v7);
					for (q = 0; q < nr; q++)
						for (jj = 0; jj < m; jj++)
							D[(r0 + q) * k + g * CD_W + jj] = vs[jj][q];
					continue;
				}

				CD_PAIR(b0, l0, s0, v0, v1, j0, 0.0);
				CD_PAIR(b1, l1, s1, v2, v3, j0, 2.0);
				CD_PAIR(b2, l2, s2, v4, v5, j0, 4.0);
				CD_PAIR(b3, l3, s3, v6, v7, j0, 6.0);
				CD_MERGE(b0, l0, s0, b1, l1, s1);
				CD_MERGE(b2, l2, s2, b3, l3, s3);
				CD_MERGE(b0, l0, s0, b2, l2, s2);
				if (g == 0) {
					bv = b0;
					lv = l0;
					sv = s0;
				} else {
					CD_MERGE(bv, lv, sv, b0, l0, s0);
				}
			}
		}
		if (D != NULL)
			continue;
		for (q = 0; q < nr; q++) {
			label[r0 + q] = (int)lv[q];
			best[r0 + q] = bv[q];
			if (second != NULL)
				second[r0 + q] = sv[q];
		}
	}
}

CD_CLONES void
cdist_nearest(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, int *label,
    double *best, double *second)
{
	cd_kernel(X, d, rows, row0, n, cp, k, scratch, label, best, second, NULL);
}

CD_CLONES void
cdist_scores(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, double *D)
{
	cd_kernel(X, d, rows, row0, n, cp, k, scratch, NULL, NULL, NULL, D);
}

/* --- float rows, float arithmetic: 16 rows a vector --------------------- */

#define CF_W 16

typedef float cf_vec __attribute__((vector_size(CF_W * sizeof(float))));
typedef int cf_mask __attribute__((vector_size(CF_W * sizeof(float))));

#define CF_SEL(m, a, b) ((cf_vec)((((cf_mask)(a)) & (m)) | (((cf_mask)(b)) & ~(m))))

#define CF_PAIR(b, l, s, va, vb, jbase, off) do {				\
	cf_mask lt_ = (vb) < (va);						\
	b = CF_SEL(lt_, vb, va);						\
	s = CF_SEL(lt_, va, vb);						\
	l = CF_SEL(lt_, (jbase) + ((off) + 1.0f), (jbase) + (off));		\
} while (0)

#define CF_MERGE(b, l, s, b2, l2, s2) do {					\
	cf_mask lt_ = (b2) < (b), m1_ = (s2) < (s), m2_;			\
	cf_vec mx_ = CF_SEL(lt_, b, b2), ms_ = CF_SEL(m1_, s2, s);		\
	m2_ = mx_ < ms_;							\
	s = CF_SEL(m2_, mx_, ms_);						\
	b = CF_SEL(lt_, b2, b);							\
	l = CF_SEL(lt_, l2, l);							\
} while (0)

/* The float kernel: with D NULL the choice (cdist_nearest_f32), else
 * every squared distance into D (cdist_dist_f32). */
static inline __attribute__((always_inline)) void
cf_kernel(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch_d, int *label,
    double *best, double *second, float *D)
{
	/* a 16 x 16 transpose in four rounds of shuffles (elements of a, then
	 * b): pairs of rows, then pairs of pairs, ... */
	const cf_mask e1 = { 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30 };
	const cf_mask o1 = { 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31 };
	const cf_mask lo2 = { 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29 };
	const cf_mask hi2 = { 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31 };
	const cf_mask lo4 = { 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27 };
	const cf_mask hi4 = { 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31 };
	const cf_mask lo8 = { 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23 };
	const cf_mask hi8 = { 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31 };
	float *scratch = (float *)(void *)scratch_d;
	const float *xr[CF_W];
	size_t ng = (k + CD_W - 1) / CD_W, r0, nr, q, l, g;

	for (r0 = 0; r0 < n; r0 += nr) {
		cf_vec bv = { 0 }, sv = { 0 }, lv = { 0 }, nv;

		nr = n - r0 < CF_W ? n - r0 : CF_W;
		for (q = 0; q < CF_W; q++) {
			size_t rr = r0 + (q < nr ? q : nr - 1);

			xr[q] = X + (rows != NULL ? rows[rr] : row0 + rr) * d;
		}
		for (l = 0; l + CF_W <= d; l += CF_W) {
			cf_vec t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15;
			cf_vec u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15;
			float *st = scratch + l * CF_W;

			CD_LOAD(t0, xr[0] + l);
			CD_LOAD(t1, xr[1] + l);
			CD_LOAD(t2, xr[2] + l);
			CD_LOAD(t3, xr[3] + l);
			CD_LOAD(t4, xr[4] + l);
			CD_LOAD(t5, xr[5] + l);
			CD_LOAD(t6, xr[6] + l);
			CD_LOAD(t7, xr[7] + l);
			CD_LOAD(t8, xr[8] + l);
			CD_LOAD(t9, xr[9] + l);
			CD_LOAD(t10, xr[10] + l);
			CD_LOAD(t11, xr[11] + l);
			CD_LOAD(t12, xr[12] + l);
			CD_LOAD(t13, xr[13] + l);
			CD_LOAD(t14, xr[14] + l);
			CD_LOAD(t15, xr[15] + l);
			u0 = __builtin_shuffle(t0, t1, e1);
			u1 = __builtin_shuffle(t0, t1, o1);
			u2 = __builtin_shuffle(t2, t3, e1);
			u3 = __builtin_shuffle(t2, t3, o1);
			u4 = __builtin_shuffle(t4, t5, e1);
			u5 = __builtin_shuffle(t4, t5, o1);
			u6 = __builtin_shuffle(t6, t7, e1);
			u7 = __builtin_shuffle(t6, t7, o1);
			u8 = __builtin_shuffle(t8, t9, e1);
			u9 = __builtin_shuffle(t8, t9, o1);
			u10 = __builtin_shuffle(t10, t11, e1);
			u11 = __builtin_shuffle(t10, t11, o1);
			u12 = __builtin_shuffle(t12, t13, e1);
			u13 = __builtin_shuffle(t12, t13, o1);
			u14 = __builtin_shuffle(t14, t15, e1);
			u15 = __builtin_shuffle(t14, t15, o1);
			t0 = __builtin_shuffle(u0, u2, lo2);
			t2 = __builtin_shuffle(u0, u2, hi2);
			t1 = __builtin_shuffle(u1, u3, lo2);
			t3 = __builtin_shuffle(u1, u3, hi2);
			t4 = __builtin_shuffle(u4, u6, lo2);
			t6 = __builtin_shuffle(u4, u6, hi2);
			t5 = __builtin_shuffle(u5, u7, lo2);
			t7 = __builtin_shuffle(u5, u7, hi2);
			t8 = __builtin_shuffle(u8, u10, lo2);
			t10 = __builtin_shuffle(u8, u10, hi2);
			t9 = __builtin_shuffle(u9, u11, lo2);
			t11 = __builtin_shuffle(u9, u11, hi2);
			t12 = __builtin_shuffle(u12, u14, lo2);
			t14 = __builtin_shuffle(u12, u14, hi2);
			t13 = __builtin_shuffle(u13, u15, lo2);
			t15 = __builtin_shuffle(u13, u15, hi2);
			u0 = __builtin_shuffle(t0, t4, lo4);
			u4 = __builtin_shuffle(t0, t4, hi4);
			u1 = __builtin_shuffle(t1, t5, lo4);
			u5 = __builtin_shuffle(t1, t5, hi4);
			u2 = __builtin_shuffle(t2, t6, lo4);
			u6 = __builtin_shuffle(t2, t6, hi4);
			u3 = __builtin_shuffle(t3, t7, lo4);
			u7 = __builtin_shuffle(t3, t7, hi4);
			u8 = __builtin_shuffle(t8, t12, lo4);
			u12 = __builtin_shuffle(t8, t12, hi4);
			u9 = __builtin_shuffle(t9, t13, lo4);
			u13 = __builtin_shuffle(t9, t13, hi4);
			u10 = __builtin_shuffle(t10, t14, lo4);
			u14 = __builtin_shuffle(t10, t14, hi4);
			u11 = __builtin_shuffle(t11, t15, lo4);
			u15 = __builtin_shuffle(t11, t15, hi4);
			t0 = __builtin_shuffle(u0, u8, lo8);
			t8 = __builtin_shuffle(u0, u8, hi8);
			t1 = __builtin_shuffle(u1, u9, lo8);
			t9 = __builtin_shuffle(u1, u9, hi8);
			t2 = __builtin_shuffle(u2, u10, lo8);
			t10 = __builtin_shuffle(u2, u10, hi8);
			t3 = __builtin_shuffle(u3, u11, lo8);
			t11 = __builtin_shuffle(u3, u11, hi8);
			t4 = __builtin_shuffle(u4, u12, lo8);
			t12 = __builtin_shuffle(u4, u12, hi8);
			t5 = __builtin_shuffle(u5, u13, lo8);
			t13 = __builtin_shuffle(u5, u13, hi8);
			t6 = __builtin_shuffle(u6, u14, lo8);
			t14 = __builtin_shuffle(u6, u14, hi8);
			t7 = __builtin_shuffle(u7, u15, lo8);
			t15 = __builtin_shuffle(u7, u15, hi8);
			memcpy(st, &t0, sizeof t0);
			memcpy(st + 1 * CF_W, &t1, sizeof t1);
			memcpy(st + 2 * CF_W, &t2, sizeof t2);
			memcpy(st + 3 * CF_W, &t3, sizeof t3);
			memcpy(st + 4 * CF_W, &t4, sizeof t4);
			memcpy(st + 5 * CF_W, &t5, sizeof t5);
			memcpy(st + 6 * CF_W, &t6, sizeof t6);
			memcpy(st + 7 * CF_W, &t7, sizeof t7);
			memcpy(st + 8 * CF_W, &t8, sizeof t8);
			memcpy(st + 9 * CF_W, &t9, sizeof t9);
			memcpy(st + 10 * CF_W, &t10, sizeof t10);
			memcpy(st + 11 * CF_W, &t11, sizeof t11);
			memcpy(st + 12 * CF_W, &t12, sizeof t12);
			memcpy(st + 13 * CF_W, &t13, sizeof t13);
			memcpy(st + 14 * CF_W, &t14, sizeof t14);
			memcpy(st + 15 * CF_W, &t15, sizeof t15);
		}
		for (; l < d; l++) {
			cf_vec t0;

			for (q = 0; q < CF_W; q++)
				t0[q] = xr[q][l];
			memcpy(scratch + l * CF_W, &t0, sizeof t0);
		}
		/* rows two groups ahead */
		for (q = r0 + 2 * CF_W; q < r0 + 3 * CF_W && q < n; q++) {
			size_t rr = rows != NULL ? rows[q] : row0 + q;

			for (l = 0; l < d; l += 16)
				__builtin_prefetch(X + rr * d + l);
		}
		/* the rows' squared norms, added to the chosen scores */
		nv = (cf_vec){ 0 };
		for (l = 0; l < d; l++) {
			cf_vec xv;

			CD_LOAD(xv, scratch + l * CF_W);
			nv = nv + xv * xv;
		}
		for (g = 0; g < ng; g++) {
			const float *c = cp + g * (d + 1) * CD_W;
			cf_vec a0 = { 0 }, a1 = { 0 }, a2 = { 0 }, a3 = { 0 };
			cf_vec a4 = { 0 }, a5 = { 0 }, a6 = { 0 }, a7 = { 0 };

			for (l = 0; l < d; l++, c += CD_W) {
				cf_vec xv;

				CD_LOAD(xv, scratch + l * CF_W);
				a0 = a0 + xv * c[0];
				a1 = a1 + xv * c[1];
				a2 = a2 + xv * c[2];
				a3 = a3 + xv * c[3];
				a4 = a4 + xv * c[4];
				a5 = a5 + xv * c[5];
				a6 = a6 + xv * c[6];
				a7 = a7 + xv * c[7];
			}
			{
				cf_vec j0 = (cf_vec){ 0 } + (float)(g * CD_W);
				cf_vec v0 = c[0] - 2.0f * a0, v1 = c[1] - 2.0f * a1;
				cf_vec v2 = c[2] - 2.0f * a2, v3 = c[3] - 2.0f * a3;
				cf_vec v4 = c[4] - 2.0f * a4, v5 = c[5] - 2.0f * a5;
				cf_vec v6 = c[6] - 2.0f * a6, v7 = c[7] - 2.0f * a7;
				cf_vec b0, b1, b2, b3, l0, l1, l2, l3, s0, s1, s2, s3;

				if (D != NULL) {
					float vs[CD_W][CF_W];
					size_t m = k - g * CD_W < CD_W ? k - g * CD_W : CD_W, jj;

					v0 = v0 + nv;
					v1 = v1 + nv;
					v2 = v2 + nv;
					v3 = v3 + nv;
					v4 = v4 + nv;
					v5 = v5 + nv;
					v6 = v6 + nv;
					v7 = v7 + nv;
					memcpy(vs[0], &v0, sizeof v0);
					memcpy(vs[1], &v1, sizeof v1);
					memcpy(vs[2], &v2, sizeof v2);
					memcpy(vs[3], &v3, sizeof v3);
					memcpy(vs[4], &v4, sizeof v4);
					memcpy(vs[5], &v5, sizeof v5);
					memcpy(vs[6], &v6, sizeof v6);
					memcpy(vs[7], &v7, sizeof v7);
					for (q = 0; q < nr; q++)
						for (jj = 0; jj < m; jj++)
							D[(r0 + q) * k + g * CD_W + jj] = vs[jj][q];
					continue;
				}

				CF_PAIR(b0, l0, s0, v0, v1, j0, 0.0f);
				CF_PAIR(b1, l1, s1, v2, v3, j0, 2.0f);
				CF_PAIR(b2, l2, s2, v4, v5, j0, 4.0f);
				CF_PAIR(b3, l3, s3, v6, v7, j0, 6.0f);
				CF_MERGE(b0, l0, s0, b1, l1, s1);
				CF_MERGE(b2, l2, s2, b3, l3, s3);
				CF_MERGE(b0, l0, s0, b2, l2, s2);
				if (g == 0) {
					bv = b0;
					lv = l0;
					sv = s0;
				} else {
					CF_MERGE(bv, lv, sv, b0, l0, s0);
				}
			}
		}
		if (D != NULL)
			continue;
		for (q = 0; q < nr; q++) {
			label[r0 + q] = (int)lv[q];
			best[r0 + q] = (double)(bv[q] + nv[q]);
			if (second != NULL)
				second[r0 + q] = (double)(sv[q] + nv[q]);
		}
	}
}

CD_CLONES void
cdist_nearest_f32(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch, int *label,
    double *best, double *second)
{
	cf_kernel(X, d, rows, row0, n, cp, k, scratch, label, best, second, NULL);
}

CD_CLONES void
cdist_dist_f32(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch, float *D)
{
	cf_kernel(X, d, rows, row0, n, cp, k, scratch, NULL, NULL, NULL, D);
}

#else	/* not GCC-compatible: the same operations, one lane at a time */

void
cdist_nearest(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, int *label,
    double *best, double *second)
{
	size_t r, j, l;

	(void)scratch;
	for (r = 0; r < n; r++) {
		const double *x = X + (rows != NULL ? rows[r] : row0 + r) * d;
		double bv = HUGE_VAL, sv = HUGE_VAL;
		int lv = 0;

		for (j = 0; j < k; j++) {
			const double *c = cp + (j / CD_W) * (d + 1) * CD_W + j % CD_W;
			double acc = 0.0, v, hi;

			for (l = 0; l < d; l++)
				acc = acc + x[l] * c[l * CD_W];
			v = c[d * CD_W] - 2.0 * acc;
			hi = v > bv ? v : bv;
			sv = hi < sv ? hi : sv;
			lv = v < bv ? (int)j : lv;
			bv = v < bv ? v : bv;
		}
		label[r] = lv;
		best[r] = bv;
		if (second != NULL)
			second[r] = sv;
	}
}

void
cdist_scores(const double *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const double *cp, size_t k, double *scratch, double *D)
{
	size_t r, j, l;

	(void)scratch;
	for (r = 0; r < n; r++) {
		const double *x = X + (rows != NULL ? rows[r] : row0 + r) * d;

		for (j = 0; j < k; j++) {
			const double *c = cp + (j / CD_W) * (d + 1) * CD_W + j % CD_W;
			double acc = 0.0;

			for (l = 0; l < d; l++)
				acc = acc + x[l] * c[l * CD_W];
			D[r * k + j] = c[d * CD_W] - 2.0 * acc;
		}
	}
}

void
cdist_nearest_f32(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch, int *label,
    double *best, double *second)
{
	size_t r, j, l;

	(void)scratch;
	for (r = 0; r < n; r++) {
		const float *x = X + (rows != NULL ? rows[r] : row0 + r) * d;
		float bv = HUGE_VALF, sv = HUGE_VALF, nv = 0.0f;
		int lv = 0;

		for (l = 0; l < d; l++)
			nv = nv + x[l] * x[l];
		for (j = 0; j < k; j++) {
			const float *c = cp + (j / CD_W) * (d + 1) * CD_W + j % CD_W;
			float acc = 0.0f, v, hi;

			for (l = 0; l < d; l++)
				acc = acc + x[l] * c[l * CD_W];
			v = c[d * CD_W] - 2.0f * acc;
			hi = v > bv ? v : bv;
			sv = hi < sv ? hi : sv;
			lv = v < bv ? (int)j : lv;
			bv = v < bv ? v : bv;
		}
		label[r] = lv;
		best[r] = bv + nv;
		if (second != NULL)
			second[r] = sv + nv;
	}
}

void
cdist_dist_f32(const float *X, size_t d, const size_t *rows, size_t row0,
    size_t n, const float *cp, size_t k, double *scratch, float *D)
{
	size_t r, j, l;

	(void)scratch;
	for (r = 0; r < n; r++) {
		const float *x = X + (rows != NULL ? rows[r] : row0 + r) * d;
		float nv = 0.0f;

		for (l = 0; l < d; l++)
			nv = nv + x[l] * x[l];
		for (j = 0; j < k; j++) {
			const float *c = cp + (j / CD_W) * (d + 1) * CD_W + j % CD_W;
			float acc = 0.0f;

			for (l = 0; l < d; l++)
				acc = acc + x[l] * c[l * CD_W];
			D[r * k + j] = (c[d * CD_W] - 2.0f * acc) + nv;
		}
	}
}

#endif
