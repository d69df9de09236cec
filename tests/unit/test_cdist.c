/*
 * test_cdist.c — the nearest-centre kernel (linalg/cdist.h): its results
 * (the choice, and every score) are bit-identical to the documented scalar
 * sequence of operations for every shape (rows, features and centres not
 * multiples of the vector width), whatever the rows' positions in a call
 * or the index list; ties go to the first centre; the float path is
 * bit-identical to its own scalar definition; the error bounds of both
 * hold against extended-precision arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/cdist.h"
#include "linalg/rng.h"

/* The documented computation for one row: scores in order of features,
 * a multiply then an add, centres scanned in order, first wins. */
static void
ref_nearest(const double *x, const double *C, size_t k, size_t d, int *label,
    double *best, double *second)
{
	size_t j, l;
	double bv = HUGE_VAL, sv = HUGE_VAL;
	int lv = 0;

	for (j = 0; j < k; j++) {
		double acc = 0.0, cn = 0.0, v;
		for (l = 0; l < d; l++)
			cn += C[j * d + l] * C[j * d + l];
		for (l = 0; l < d; l++) {
			double p = x[l] * C[j * d + l];
			acc = acc + p;
		}
		v = cn - 2.0 * acc;
		if (v < bv) {
			sv = bv;
			bv = v;
			lv = (int)j;
		} else if (v < sv) {
			sv = v;
		}
	}
	*label = lv;
	*best = bv;
	*second = sv;
}

/* The documented score of one centre, in double and (with the row's norm
 * added) in float. */
static double
ref_score(const double *x, const double *c, size_t d)
{
	double acc = 0.0, cn = 0.0;
	size_t l;

	for (l = 0; l < d; l++)
		cn += c[l] * c[l];
	for (l = 0; l < d; l++) {
		double p = x[l] * c[l];
		acc = acc + p;
	}
	return cn - 2.0 * acc;
}

static float
ref_dist_f32(const float *x, const double *c, size_t d)
{
	float acc = 0.0f, cn = 0.0f, nx = 0.0f;
	size_t l;

	for (l = 0; l < d; l++)
		nx = nx + x[l] * x[l];
	for (l = 0; l < d; l++) {
		float cl = (float)c[l];
		cn += cl * cl;
	}
	for (l = 0; l < d; l++) {
		float p = x[l] * (float)c[l];
		acc = acc + p;
	}
	return (cn - 2.0f * acc) + nx;
}

struct bufs {
	double *X, *C, *cp, *cnorm, *scratch, *best, *second;
	int *label;
	size_t *rows;
};

static void
bufs_new(struct bufs *b, size_t n, size_t k, size_t d)
{
	b->X = malloc(n * d * sizeof *b->X);
	b->C = malloc(k * d * sizeof *b->C);
	b->cp = malloc(cdist_packed_size(k, d) * sizeof *b->cp);
	b->cnorm = malloc(k * sizeof *b->cnorm);
	b->scratch = malloc(cdist_scratch_size(d) * sizeof *b->scratch);
	b->best = malloc(n * sizeof *b->best);
	b->second = malloc(n * sizeof *b->second);
	b->label = malloc(n * sizeof *b->label);
	b->rows = malloc(n * sizeof *b->rows);
	assert_true(b->X && b->C && b->cp && b->cnorm && b->scratch && b->best &&
	    b->second && b->label && b->rows);
}

static void
bufs_free(struct bufs *b)
{
	free(b->X);
	free(b->C);
	free(b->cp);
	free(b->cnorm);
	free(b->scratch);
	free(b->best);
	free(b->second);
	free(b->label);
	free(b->rows);
}

/* Every (row, centre) shape against the reference, contiguous (from an
 * offset) and through a shuffled index list. */
static void
test_matches_reference(void **state)
{
	static const size_t ns[] = { 1, 7, 8, 9, 33 }, ds[] = { 1, 3, 8, 9, 16, 17 },
	    ks[] = { 1, 2, 7, 8, 9, 17 };
	struct rng r;
	size_t a, b, c, i, j;

	rng_init(&r, 3);
	for (a = 0; a < sizeof ns / sizeof ns[0]; a++)
		for (b = 0; b < sizeof ds / sizeof ds[0]; b++)
			for (c = 0; c < sizeof ks / sizeof ks[0]; c++) {
				size_t n = ns[a], d = ds[b], k = ks[c], off = 5, N = n + off;
				struct bufs B;

				bufs_new(&B, N, k, d);
				for (i = 0; i < N * d; i++)
					B.X[i] = rng_normal(&r) * 3.0 + 1.0;
				for (i = 0; i < k * d; i++)
					B.C[i] = rng_normal(&r);
				cdist_pack(B.C, k, d, B.cp, B.cnorm);
				for (j = 0; j < k; j++) {
					double s = 0.0;
					for (i = 0; i < d; i++)
						s += B.C[j * d + i] * B.C[j * d + i];
					assert_memory_equal(&s, &B.cnorm[j], sizeof s);
				}
				cdist_nearest(B.X, d, NULL, off, n, B.cp, k, B.scratch, B.label,
				    B.best, B.second);
				for (i = 0; i < n; i++) {
					int lab;
					double bv, sv;

					ref_nearest(B.X + (off + i) * d, B.C, k, d, &lab, &bv, &sv);
					if (lab != B.label[i] || memcmp(&bv, &B.best[i], sizeof bv) != 0 ||
					    memcmp(&sv, &B.second[i], sizeof sv) != 0)
						fail_msg("n %zu d %zu k %zu row %zu: got %d %.17g %.17g, "
						    "want %d %.17g %.17g", n, d, k, i, B.label[i],
						    B.best[i], B.second[i], lab, bv, sv);
					if (k == 1)
						assert_true(isinf(B.second[i]) && B.second[i] > 0);
				}
				/* every score, contiguous: the same numbers */
				{
					double *S = malloc(n * k * sizeof *S);
					size_t jj;

					assert_non_null(S);
					cdist_scores(B.X, d, NULL, off, n, B.cp, k, B.scratch, S);
					for (i = 0; i < n; i++)
						for (jj = 0; jj < k; jj++) {
							double want = ref_score(B.X + (off + i) * d,
							    B.C + jj * d, d);
							if (memcmp(&want, &S[i * k + jj], sizeof want) != 0)
								fail_msg("scores n %zu d %zu k %zu: [%zu][%zu] "
								    "%.17g, want %.17g", n, d, k, i, jj,
								    S[i * k + jj], want);
						}
					free(S);
				}
				/* the same rows picked in another order, second not asked */
				for (i = 0; i < n; i++)
					B.rows[i] = off + (i * 5 + 3) % n;
				cdist_nearest(B.X, d, B.rows, 0, n, B.cp, k, B.scratch, B.label,
				    B.best, NULL);
				for (i = 0; i < n; i++) {
					int lab;
					double bv, sv;

					ref_nearest(B.X + B.rows[i] * d, B.C, k, d, &lab, &bv, &sv);
					assert_int_equal(lab, B.label[i]);
					assert_memory_equal(&bv, &B.best[i], sizeof bv);
				}
				bufs_free(&B);
			}
}

/* Equal scores go to the first centre, and the runner-up is then equal. */
static void
test_ties(void **state)
{
	const size_t n = 20, d = 3, k = 11;
	struct bufs B;
	size_t i;

	bufs_new(&B, n, k, d);
	for (i = 0; i < n * d; i++)
		B.X[i] = (double)(i % 7);
	for (i = 0; i < k * d; i++)
		B.C[i] = (double)(i % d);       /* every centre the same */
	B.C[9 * d] = -50.0;                     /* except centre 9, far away */
	cdist_pack(B.C, k, d, B.cp, B.cnorm);
	cdist_nearest(B.X, d, NULL, 0, n, B.cp, k, B.scratch, B.label, B.best, B.second);
	for (i = 0; i < n; i++) {
		assert_int_equal(B.label[i], 0);
		assert_memory_equal(&B.best[i], &B.second[i], sizeof(double));
	}
	/* a row on the bisector of centres 2 and 5 (in exact arithmetic) */
	memset(B.C, 0, k * d * sizeof *B.C);
	for (i = 0; i < k; i++)
		B.C[i * d] = 10.0 + (double)i;
	B.C[2 * d] = 1.0;
	B.C[5 * d] = -1.0;
	cdist_pack(B.C, k, d, B.cp, B.cnorm);
	memset(B.X, 0, d * sizeof *B.X);
	cdist_nearest(B.X, d, NULL, 0, 1, B.cp, k, B.scratch, B.label, B.best, B.second);
	assert_int_equal(B.label[0], 2);
	assert_true(B.best[0] == 1.0 && B.second[0] == 1.0);
	bufs_free(&B);
}

/* The float path's documented computation for one row. */
static void
ref_nearest_f32(const float *x, const double *C, size_t k, size_t d, int *label,
    double *best, double *second)
{
	size_t j, l;
	float bv = HUGE_VALF, sv = HUGE_VALF, nx = 0.0f;
	int lv = 0;

	for (l = 0; l < d; l++)
		nx = nx + x[l] * x[l];
	for (j = 0; j < k; j++) {
		float acc = 0.0f, cn = 0.0f, v;
		for (l = 0; l < d; l++) {
			float c = (float)C[j * d + l];
			cn += c * c;
		}
		for (l = 0; l < d; l++) {
			float p = x[l] * (float)C[j * d + l];
			acc = acc + p;
		}
		v = cn - 2.0f * acc;
		if (v < bv) {
			sv = bv;
			bv = v;
			lv = (int)j;
		} else if (v < sv) {
			sv = v;
		}
	}
	*label = lv;
	*best = bv + nx;
	*second = sv + nx;
}

/* The float path against its scalar definition, for every shape (16-row
 * groups, 16-feature blocks and their remainders), contiguous and picked. */
static void
test_f32_matches_reference(void **state)
{
	static const size_t ns[] = { 1, 15, 16, 17, 40 }, ds[] = { 1, 5, 15, 16, 17, 33 },
	    ks[] = { 1, 3, 8, 9, 17 };
	struct rng r;
	size_t a, b, c, i;

	rng_init(&r, 5);
	for (a = 0; a < sizeof ns / sizeof ns[0]; a++)
		for (b = 0; b < sizeof ds / sizeof ds[0]; b++)
			for (c = 0; c < sizeof ks / sizeof ks[0]; c++) {
				size_t n = ns[a], d = ds[b], k = ks[c], off = 3, N = n + off;
				float *Xf = malloc(N * d * sizeof *Xf);
				float *cpf = malloc(cdist_packed_size_f32(k, d) * sizeof *cpf);
				struct bufs B;

				assert_true(Xf && cpf);
				bufs_new(&B, N, k, d);
				for (i = 0; i < N * d; i++)
					Xf[i] = (float)(rng_normal(&r) * 2.0 - 0.5);
				for (i = 0; i < k * d; i++)
					B.C[i] = rng_normal(&r);
				cdist_pack_f32(B.C, k, d, cpf);
				cdist_nearest_f32(Xf, d, NULL, off, n, cpf, k, B.scratch, B.label,
				    B.best, B.second);
				for (i = 0; i < n; i++) {
					int lab;
					double bv, sv;

					ref_nearest_f32(Xf + (off + i) * d, B.C, k, d, &lab, &bv, &sv);
					if (lab != B.label[i] || memcmp(&bv, &B.best[i], sizeof bv) != 0 ||
					    memcmp(&sv, &B.second[i], sizeof sv) != 0)
						fail_msg("f32 n %zu d %zu k %zu row %zu: got %d %.9g %.9g, "
						    "want %d %.9g %.9g", n, d, k, i, B.label[i],
						    B.best[i], B.second[i], lab, bv, sv);
				}
				{
					float *S = malloc(n * k * sizeof *S);
					size_t jj;

					assert_non_null(S);
					cdist_dist_f32(Xf, d, NULL, off, n, cpf, k, B.scratch, S);
					for (i = 0; i < n; i++)
						for (jj = 0; jj < k; jj++) {
							float want = ref_dist_f32(Xf + (off + i) * d,
							    B.C + jj * d, d);
							if (memcmp(&want, &S[i * k + jj], sizeof want) != 0)
								fail_msg("f32 dist n %zu d %zu k %zu: [%zu][%zu] "
								    "%.9g, want %.9g", n, d, k, i, jj,
								    S[i * k + jj], want);
						}
					free(S);
				}
				for (i = 0; i < n; i++)
					B.rows[i] = off + (i * 7 + 2) % n;
				cdist_nearest_f32(Xf, d, B.rows, 0, n, cpf, k, B.scratch, B.label,
				    B.best, NULL);
				for (i = 0; i < n; i++) {
					int lab;
					double bv, sv;

					ref_nearest_f32(Xf + B.rows[i] * d, B.C, k, d, &lab, &bv, &sv);
					assert_int_equal(lab, B.label[i]);
					assert_memory_equal(&bv, &B.best[i], sizeof bv);
				}
				free(Xf);
				free(cpf);
				bufs_free(&B);
			}
	assert_true(cdist_f32_usable(16, 8, 10.0, 10.0));
	assert_false(cdist_f32_usable(16, 8, 1e18, 1.0));
	assert_false(cdist_f32_usable(16, (size_t)1 << 24, 1.0, 1.0));
}

/* The error bounds hold against long double arithmetic, on data whose
 * rows and centres are far from the origin (scores cancel heavily). */
static void
test_error_bounds(void **state)
{
	const size_t n = 500, d = 37, k = 9;
	struct bufs B;
	float *Xf = malloc(n * d * sizeof *Xf), *cpf = malloc(cdist_packed_size_f32(k, d) *
	    sizeof *cpf);
	double *bf = malloc(n * sizeof *bf), xmax = 0.0, cmax = 0.0, E, Ef;
	int *lf = malloc(n * sizeof *lf);
	struct rng r;
	size_t i, j, l;

	assert_true(Xf && cpf && bf && lf);
	bufs_new(&B, n, k, d);
	rng_init(&r, 11);
	for (i = 0; i < n * d; i++) {
		B.X[i] = 1e3 + rng_normal(&r);
		Xf[i] = (float)B.X[i];
	}
	for (i = 0; i < k * d; i++)
		B.C[i] = 1e3 + rng_normal(&r);
	for (i = 0; i < n; i++) {
		long double s = 0.0L;
		for (l = 0; l < d; l++)
			s += (long double)B.X[i * d + l] * B.X[i * d + l];
		xmax = fmax(xmax, sqrt((double)s));
	}
	for (j = 0; j < k; j++) {
		long double s = 0.0L;
		for (l = 0; l < d; l++)
			s += (long double)B.C[j * d + l] * B.C[j * d + l];
		cmax = fmax(cmax, sqrt((double)s));
	}
	E = cdist_error_bound(d, xmax, cmax);
	Ef = cdist_f32_error(d, xmax, cmax);
	assert_true(cdist_f32_usable(d, k, xmax, cmax));
	cdist_pack(B.C, k, d, B.cp, B.cnorm);
	cdist_pack_f32(B.C, k, d, cpf);
	cdist_nearest(B.X, d, NULL, 0, n, B.cp, k, B.scratch, B.label, B.best, NULL);
	cdist_nearest_f32(Xf, d, NULL, 0, n, cpf, k, B.scratch, lf, bf, NULL);
	for (i = 0; i < n; i++) {
		long double want = 0.0L, want_f = 0.0L, xx = 0.0L;
		const double *c = B.C + (size_t)B.label[i] * d, *cf = B.C + (size_t)lf[i] * d;

		for (l = 0; l < d; l++) {
			want += (long double)c[l] * c[l] - 2.0L * (long double)B.X[i * d + l] * c[l];
			want_f += (long double)cf[l] * cf[l] -
			    2.0L * (long double)B.X[i * d + l] * cf[l];
			xx += (long double)B.X[i * d + l] * B.X[i * d + l];
		}
		if (!(fabsl((long double)B.best[i] - want) <= E))
			fail_msg("row %zu: score error %Lg above the bound %g", i,
			    fabsl((long double)B.best[i] - want), E);
		if (!(fabsl((long double)bf[i] - (want_f + xx)) <= Ef))
			fail_msg("row %zu: float distance error %Lg above the bound %g", i,
			    fabsl((long double)bf[i] - (want_f + xx)), Ef);
	}
	free(Xf);
	free(cpf);
	free(bf);
	free(lf);
	bufs_free(&B);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_reference),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_f32_matches_reference),
		cmocka_unit_test(test_error_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
