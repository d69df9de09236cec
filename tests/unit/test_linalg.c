/*
 * test_linalg.c — matrices, views, the BLAS/LAPACK wrappers, vector
 * helpers, status strings and BLAS information.
 *
 * Expected values are worked by hand in the comments beside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cblas.h>
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "linalg/linalg.h"
#include "linalg/mat.h"

/* A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12], used throughout. */
static double A23[6] = { 1, 2, 3, 4, 5, 6 };
static double B32[6] = { 7, 8, 9, 10, 11, 12 };

static void
assert_close(double got, double want, double tol)
{
	if (!(fabs(got - want) <= tol))
		fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
}

/* Compares m with a packed row-major array. */
static void
assert_mat(const struct mat *m, const double *want, double tol)
{
	size_t i, j;

	for (i = 0; i < m->rows; i++)
		for (j = 0; j < m->cols; j++)
			assert_close(mat_get(m, i, j), want[i * m->cols + j], tol);
}

/* --- construction and views --------------------------------------------- */

static void
test_new_and_views(void **state)
{
	struct mat *m = mat_new(3, 4), *d;
	struct mat v, row, empty;
	size_t i, j;

	(void)state;
	assert_non_null(m);
	assert_int_equal(m->rows, 3);
	assert_int_equal(m->cols, 4);
	assert_int_equal(m->stride, 4);
	assert_int_equal(m->owned, 1);
	for (i = 0; i < 12; i++)
		assert_true(m->data[i] == 0.0);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 4; j++)
			mat_set(m, i, j, 10.0 * (double)i + (double)j);

	/* A 2x2 block at (1, 1) sees m's memory with m's stride. */
	assert_int_equal(mat_sub(&v, m, 1, 1, 2, 2), LINALG_OK);
	assert_int_equal(v.owned, 0);
	assert_int_equal(v.stride, 4);
	assert_true(mat_get(&v, 0, 0) == 11.0 && mat_get(&v, 1, 1) == 22.0);
	mat_set(&v, 1, 0, -1.0);
	assert_true(mat_get(m, 2, 1) == -1.0);
	assert_int_equal(mat_sub(&v, m, 2, 0, 2, 1), LINALG_EINVAL);
	assert_int_equal(mat_sub(&v, m, 0, 3, 1, 2), LINALG_EINVAL);
	assert_int_equal(mat_sub(&v, m, SIZE_MAX, 0, 2, 1), LINALG_EINVAL);
	assert_int_equal(mat_sub(&v, m, 3, 4, 0, 0), LINALG_OK); /* empty corner */
	assert_int_equal(mat_sub(NULL, m, 0, 0, 1, 1), LINALG_EINVAL);

	assert_int_equal(mat_row_view(&row, m, 2), LINALG_OK);
	assert_int_equal(row.rows, 1);
	assert_int_equal(row.cols, 4);
	assert_true(mat_get(&row, 0, 3) == 23.0);
	assert_int_equal(mat_row_view(&row, m, 3), LINALG_EINVAL);
	assert_int_equal(mat_row_view(&row, NULL, 0), LINALG_EINVAL);
	assert_true(mat_row(m, 1) == m->data + 4);

	/* dup packs a strided view. */
	assert_int_equal(mat_sub(&v, m, 0, 1, 3, 2), LINALG_OK);
	d = mat_dup(&v);
	assert_non_null(d);
	assert_int_equal(d->stride, 2);
	{
		const double want[6] = { 1, 2, 11, 12, -1, 22 };
		assert_mat(d, want, 0.0);
	}
	/* copy between different strides; shapes must agree; no overlap. */
	assert_int_equal(mat_fill(d, 7.0), LINALG_OK);
	assert_int_equal(mat_copy(&v, d), LINALG_OK);
	assert_true(mat_get(m, 2, 2) == 7.0 && mat_get(m, 2, 0) == 20.0);
	assert_int_equal(mat_sub(&row, m, 0, 0, 3, 2), LINALG_OK);
	assert_int_equal(mat_copy(&row, &v), LINALG_EALIAS);
	assert_int_equal(mat_copy(&v, &v), LINALG_OK);
	assert_int_equal(mat_copy(d, m), LINALG_EDIM);
	mat_free(d);

	/* Empty matrices are legal; overflowing sizes are refused. */
	d = mat_new(0, 5);
	assert_non_null(d);
	assert_null(d->data);
	assert_int_equal(mat_fill(d, 1.0), LINALG_OK);
	mat_free(d);
	assert_null(mat_new(SIZE_MAX / 2, 4));
	mat_free(NULL);

	/* Malformed views are caught at use. */
	empty = mat_view(m->data, 2, 4, 3);   /* stride < cols */
	assert_int_equal(mat_fill(&empty, 0.0), LINALG_EINVAL);
	empty = mat_view(NULL, 2, 2, 2);
	assert_int_equal(mat_fill(&empty, 0.0), LINALG_EINVAL);
	assert_null(mat_dup(&empty));
	mat_free(m);
}

/* --- BLAS --------------------------------------------------------------- */

/* The BLAS results below are compared exactly (tolerance 0, ==) on purpose:
 * the operands are small integers, so every product and partial sum is an
 * integer far below 2^53 and no operation rounds, whatever the kernel's
 * summation order and whether it fuses multiply-adds.  Results that do
 * round (the LAPACK tests) get a tolerance. */

static void
test_gemm(void **state)
{
	struct mat A = mat_view(A23, 2, 3, 3), B = mat_view(B32, 3, 2, 2);
	double c[4], big[20], cbuf[9];
	struct mat C = mat_view(c, 2, 2, 2), As, C3 = mat_view(cbuf, 3, 3, 3);
	size_t i;

	(void)state;
	/* AB: [1*7+2*9+3*11, 1*8+2*10+3*12; 4*7+5*9+6*11, 4*8+5*10+6*12]. */
	{
		const double want[4] = { 58, 64, 139, 154 };
		assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 1.0, &A, &B, 0.0, &C),
		    LINALG_OK);
		assert_mat(&C, want, 0.0);
	}
	/* 2 AB + C with C = ones: 117 129; 279 309. */
	{
		const double want[4] = { 117, 129, 279, 309 };
		mat_fill(&C, 1.0);
		assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 2.0, &A, &B, 1.0, &C),
		    LINALG_OK);
		assert_mat(&C, want, 0.0);
	}
	/* B^T A^T = (AB)^T. */
	{
		const double want[4] = { 58, 139, 64, 154 };
		assert_int_equal(mat_gemm(MAT_TRANS, MAT_TRANS, 1.0, &B, &A, 0.0, &C),
		    LINALG_OK);
		assert_mat(&C, want, 0.0);
	}
	/* A^T A = [17 22 27; 22 29 36; 27 36 45]; beta 0 ignores NaN in C. */
	{
		const double want[9] = { 17, 22, 27, 22, 29, 36, 27, 36, 45 };
		for (i = 0; i < 9; i++)
			cbuf[i] = NAN;
		assert_int_equal(mat_gemm(MAT_TRANS, MAT_NOTRANS, 1.0, &A, &A, 0.0, &C3),
		    LINALG_OK);
		assert_mat(&C3, want, 0.0);
	}
	/* The same product with A as a strided block of a 4x5 buffer. */
	{
		const double want[4] = { 58, 64, 139, 154 };
		struct mat M = mat_view(big, 4, 5, 5);
		mat_fill(&M, 99.0);
		assert_int_equal(mat_sub(&As, &M, 1, 2, 2, 3), LINALG_OK);
		assert_int_equal(mat_copy(&As, &A), LINALG_OK);
		assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 1.0, &As, &B, 0.0, &C),
		    LINALG_OK);
		assert_mat(&C, want, 0.0);
		assert_true(big[0] == 99.0 && big[19] == 99.0);
	}
}

struct gemm_case {
	enum mat_trans ta, tb;
	size_t ar, ac, br, bc, cr, cc;
	int want;
};

static void
test_gemm_shapes(void **state)
{
	static const struct gemm_case cases[] = {
		{ MAT_NOTRANS, MAT_NOTRANS, 2, 3, 3, 2, 2, 2, LINALG_OK },
		{ MAT_NOTRANS, MAT_NOTRANS, 2, 3, 2, 3, 2, 3, LINALG_EDIM },  /* k */
		{ MAT_NOTRANS, MAT_TRANS,   2, 3, 2, 3, 2, 2, LINALG_OK },
		{ MAT_TRANS,   MAT_NOTRANS, 2, 3, 2, 3, 3, 3, LINALG_OK },
		{ MAT_TRANS,   MAT_NOTRANS, 2, 3, 2, 3, 3, 2, LINALG_EDIM },  /* C cols */
		{ MAT_NOTRANS, MAT_NOTRANS, 2, 3, 3, 2, 3, 2, LINALG_EDIM },  /* C rows */
		{ MAT_TRANS,   MAT_TRANS,   3, 2, 2, 3, 2, 2, LINALG_OK },
		{ MAT_NOTRANS, MAT_NOTRANS, 0, 3, 3, 2, 0, 2, LINALG_OK },    /* empty */
		{ (enum mat_trans)7, MAT_NOTRANS, 2, 3, 3, 2, 2, 2, LINALG_EINVAL },
	};
	double a[16], b[16], c[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct gemm_case *t = &cases[i];
		struct mat A = mat_view(a, t->ar, t->ac, t->ac);
		struct mat B = mat_view(b, t->br, t->bc, t->bc);
		struct mat C = mat_view(c, t->cr, t->cc, t->cc);
		size_t j;

		for (j = 0; j < 16; j++) {
			a[j] = b[j] = 1.0;
			c[j] = -5.0;
		}
		if (mat_gemm(t->ta, t->tb, 1.0, &A, &B, 0.0, &C) != t->want)
			fail_msg("gemm case %zu: expected status %d", i, t->want);
		if (t->want != LINALG_OK)
			for (j = 0; j < 16; j++)
				assert_true(c[j] == -5.0);  /* untouched on error */
	}
}

static void
test_gemm_degenerate(void **state)
{
	double a[4] = { 1, 2, 3, 4 }, c[4] = { 1, 2, 3, 4 };
	struct mat A = mat_view(a, 2, 2, 2), C = mat_view(c, 2, 2, 2);
	struct mat A0 = mat_view(NULL, 2, 0, 0), B0 = mat_view(NULL, 0, 2, 2);
	struct mat huge = mat_view(a, (size_t)INT_MAX + 1, 1, 1);

	(void)state;
	/* Inner dimension 0: C = beta * C. */
	assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 1.0, &A0, &B0, 2.0, &C),
	    LINALG_OK);
	assert_true(c[0] == 2.0 && c[3] == 8.0);
	/* Output overlapping an input. */
	assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 1.0, &A, &C, 0.0, &A),
	    LINALG_EALIAS);
	/* Dimensions beyond the 32-bit BLAS integer (never dereferenced). */
	assert_int_equal(mat_gemm(MAT_TRANS, MAT_NOTRANS, 1.0, &huge, &huge, 0.0, &C),
	    LINALG_ERANGE);
	assert_int_equal(mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 1.0, NULL, &A, 0.0, &C),
	    LINALG_EINVAL);
}

static void
test_gemv(void **state)
{
	struct mat A = mat_view(A23, 2, 3, 3);
	double x3[3] = { 1, 1, 1 }, x2[2] = { 1, 2 }, y2[2], y3[3];
	double z3[3] = { 1, 0, -1 };

	(void)state;
	/* A [1 1 1]' = [6 15]'. */
	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A, x3, 3, 0.0, y2, 2), LINALG_OK);
	assert_true(y2[0] == 6.0 && y2[1] == 15.0);
	/* A' [1 2]' = [1+8, 2+10, 3+12]' = [9 12 15]'. */
	assert_int_equal(mat_gemv(MAT_TRANS, 1.0, &A, x2, 2, 0.0, y3, 3), LINALG_OK);
	assert_true(y3[0] == 9.0 && y3[1] == 12.0 && y3[2] == 15.0);
	/* 2 A [1 0 -1]' + 3 [1 1]' = 2 [-2 -2]' + [3 3]' = [-1 -1]'. */
	y2[0] = y2[1] = 1.0;
	assert_int_equal(mat_gemv(MAT_NOTRANS, 2.0, &A, z3, 3, 3.0, y2, 2), LINALG_OK);
	assert_true(y2[0] == -1.0 && y2[1] == -1.0);

	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A, x2, 2, 0.0, y2, 2), LINALG_EDIM);
	assert_int_equal(mat_gemv(MAT_TRANS, 1.0, &A, x2, 2, 0.0, y2, 2), LINALG_EDIM);
	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A, NULL, 3, 0.0, y2, 2), LINALG_EINVAL);
	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A, A23, 3, 0.0, A23 + 1, 2),
	    LINALG_EALIAS);
	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A, x3, 3, 0.0, x3 + 1, 2),
	    LINALG_EALIAS);
}

static void
test_syrk(void **state)
{
	struct mat A = mat_view(A23, 2, 3, 3);
	double c3[9], c2[4];
	struct mat C3 = mat_view(c3, 3, 3, 3), C2 = mat_view(c2, 2, 2, 2);
	size_t i;

	(void)state;
	/* A'A, both triangles filled on return. */
	{
		const double want[9] = { 17, 22, 27, 22, 29, 36, 27, 36, 45 };
		for (i = 0; i < 9; i++)
			c3[i] = NAN;
		assert_int_equal(mat_syrk(MAT_TRANS, 1.0, &A, 0.0, &C3), LINALG_OK);
		assert_mat(&C3, want, 0.0);
	}
	/* 2 AA' + C where AA' = [14 32; 32 77] and C's upper triangle is 1;
	 * its lower triangle (NaN here) is never read. */
	{
		const double want[4] = { 29, 65, 65, 155 };
		c2[0] = c2[1] = c2[3] = 1.0;
		c2[2] = NAN;
		assert_int_equal(mat_syrk(MAT_NOTRANS, 2.0, &A, 1.0, &C2), LINALG_OK);
		assert_mat(&C2, want, 0.0);
	}
	assert_int_equal(mat_syrk(MAT_NOTRANS, 1.0, &A, 0.0, &C3), LINALG_EDIM);
	assert_int_equal(mat_syrk(MAT_TRANS, 1.0, &A, 0.0, &C2), LINALG_EDIM);
	assert_int_equal(mat_syrk(MAT_TRANS, 1.0, &C3, 0.0, &C3), LINALG_EALIAS);
}

/* --- LAPACK ------------------------------------------------------------- */

static void
test_cholesky(void **state)
{
	/* The classic example: L = [2 0 0; 6 1 0; -8 5 3]. */
	double a[9] = { 4, 12, -16, 12, 37, -43, -16, -43, 98 };
	const double L[9] = { 2, 0, 0, 6, 1, 0, -8, 5, 3 };
	/* Columns: A [1 2 3]' = [-20 -43 192]' and A [1 0 0]' = [4 12 -16]',
	 * stored with stride 3 to exercise a strided right-hand side. */
	double b[9] = { -20, 4, 77, -43, 12, 77, 192, -16, 77 };
	const double x[6] = { 1, 1, 2, 0, 3, 0 };
	struct mat A = mat_view(a, 3, 3, 3), B = mat_view(b, 3, 2, 3);

	(void)state;
	a[1] = 1e300;   /* upper triangle is not read */
	assert_int_equal(mat_cholesky(&A), LINALG_OK);
	assert_mat(&A, L, 1e-14);
	assert_true(a[1] == 0.0 && a[2] == 0.0 && a[5] == 0.0);
	assert_int_equal(mat_cholesky_solve(&A, &B), LINALG_OK);
	assert_mat(&B, x, 1e-12);
	assert_true(b[2] == 77.0 && b[8] == 77.0);  /* outside the view */

	{
		double v[3] = { -20, -43, 192 };
		struct mat bv = mat_view(v, 3, 1, 1);
		assert_int_equal(mat_cholesky_solve(&A, &bv), LINALG_OK);
		assert_close(v[0], 1.0, 1e-12);
		assert_close(v[1], 2.0, 1e-12);
		assert_close(v[2], 3.0, 1e-12);
		bv = mat_view(v, 2, 1, 1);
		assert_int_equal(mat_cholesky_solve(&A, &bv), LINALG_EDIM);
	}
}

static void
test_cholesky_not_pd(void **state)
{
	double indef[4] = { 1, 2, 2, 1 };      /* eigenvalues 3, -1 */
	double psd[4] = { 1, 0, 0, 0 };        /* singular */
	double nan[4] = { 1, 0, NAN, 1 };
	double rect[6] = { 1, 0, 0, 0, 1, 0 };
	struct mat M;

	(void)state;
	M = mat_view(indef, 2, 2, 2);
	assert_int_equal(mat_cholesky(&M), LINALG_ENOTPD);
	M = mat_view(psd, 2, 2, 2);
	assert_int_equal(mat_cholesky(&M), LINALG_ENOTPD);
	M = mat_view(nan, 2, 2, 2);
	assert_int_equal(mat_cholesky(&M), LINALG_ENONFINITE);
	M = mat_view(rect, 2, 3, 3);
	assert_int_equal(mat_cholesky(&M), LINALG_EDIM);
	assert_int_equal(mat_cholesky(NULL), LINALG_EINVAL);
	assert_string_equal(linalg_strerror(LINALG_ENOTPD), "matrix is not positive definite");
}

static void
test_lstsq(void **state)
{
	/* Fit a + b t at t = 0..3 to y = 1 + 2t + r with r = [1 -1 -1 1],
	 * which is orthogonal to both columns ([1 1 1 1] and [0 1 2 3]): the
	 * least-squares solution is exactly (1, 2) with residual r, |r|^2 = 4.
	 * Second right-hand side: y = 3 - t exactly, residual 0. */
	const double a0[8] = { 1, 0, 1, 1, 1, 2, 1, 3 };
	const double b0[8] = { 2, 3, 2, 2, 4, 1, 8, 0 };
	double a[8], b[8], r[4], atr[2];
	struct mat A = mat_view(a, 4, 2, 2), B = mat_view(b, 4, 2, 2);
	struct mat A0 = mat_view((double *)a0, 4, 2, 2);
	double rss0 = 0.0, rss1 = 0.0;
	size_t i;

	(void)state;
	memcpy(a, a0, sizeof a);
	memcpy(b, b0, sizeof b);
	assert_int_equal(mat_lstsq(&A, &B), LINALG_OK);
	assert_close(b[0], 1.0, 1e-13);
	assert_close(b[2], 2.0, 1e-13);
	assert_close(b[1], 3.0, 1e-13);
	assert_close(b[3], -1.0, 1e-13);
	for (i = 2; i < 4; i++) {
		rss0 += b[2 * i] * b[2 * i];
		rss1 += b[2 * i + 1] * b[2 * i + 1];
	}
	assert_close(rss0, 4.0, 1e-12);
	assert_close(rss1, 0.0, 1e-24);

	/* The residual of the solution is orthogonal to A's columns. */
	for (i = 0; i < 4; i++)
		r[i] = b0[2 * i];
	{
		double xs[2] = { b[0], b[2] };
		assert_int_equal(mat_gemv(MAT_NOTRANS, -1.0, &A0, xs, 2, 1.0, r, 4), LINALG_OK);
	}
	assert_int_equal(mat_gemv(MAT_TRANS, 1.0, &A0, r, 4, 0.0, atr, 2), LINALG_OK);
	assert_close(atr[0], 0.0, 1e-12);
	assert_close(atr[1], 0.0, 1e-12);
	assert_close(r[0], 1.0, 1e-12);
	assert_close(r[1], -1.0, 1e-12);

	/* Rank deficient (equal columns), wide, and mismatched B. */
	{
		double d[6] = { 1, 1, 2, 2, 3, 3 }, e[3] = { 1, 2, 3 };
		struct mat D = mat_view(d, 3, 2, 2), E = mat_view(e, 3, 1, 1);
		assert_int_equal(mat_lstsq(&D, &E), LINALG_ESINGULAR);
		D = mat_view(d, 2, 3, 3);
		E = mat_view(e, 2, 1, 1);
		assert_int_equal(mat_lstsq(&D, &E), LINALG_EDIM);
		D = mat_view(d, 3, 2, 2);
		E = mat_view(e, 2, 1, 1);
		assert_int_equal(mat_lstsq(&D, &E), LINALG_EDIM);
	}
}

static void
test_eigh_2x2(void **state)
{
	/* [2 1; 1 2]: eigenvalues 3 and 1, vectors [1 1]/sqrt2 and [1 -1]/sqrt2
	 * (columns).  The second has a magnitude tie; its first component is
	 * made positive. */
	double a[4] = { 2, 99, 1, 2 };   /* upper triangle not read */
	double w[2];
	struct mat A = mat_view(a, 2, 2, 2);
	const double h = sqrt(0.5);
	const double V[4] = { h, h, h, -h };

	(void)state;
	assert_int_equal(mat_eigh(&A, w), LINALG_OK);
	assert_close(w[0], 3.0, 1e-14);
	assert_close(w[1], 1.0, 1e-14);
	assert_mat(&A, V, 1e-14);
}

static void
test_eigh_3x3(void **state)
{
	/* The second-difference matrix [2 -1 0; -1 2 -1; 0 -1 2] has
	 * eigenvalues 2 + sqrt2, 2, 2 - sqrt2 with eigenvectors
	 * [1 -sqrt2 1]/2, [1 0 -1]/sqrt2, [1 sqrt2 1]/2.  Sign rule (largest
	 * magnitude component positive, first on ties) flips the first. */
	const double a0[9] = { 2, -1, 0, -1, 2, -1, 0, -1, 2 };
	double a[9], w[3], av[3];
	struct mat A = mat_view(a, 3, 3, 3), A0 = mat_view((double *)a0, 3, 3, 3);
	const double s2 = sqrt(2.0), h = sqrt(0.5);
	const double V[9] = {
		-0.5,    h,   0.5,
		s2 / 2,  0.0, s2 / 2,
		-0.5,   -h,   0.5,
	};
	size_t i, j, k;

	(void)state;
	memcpy(a, a0, sizeof a);
	assert_int_equal(mat_eigh(&A, w), LINALG_OK);
	assert_close(w[0], 2.0 + s2, 1e-14);
	assert_close(w[1], 2.0, 1e-14);
	assert_close(w[2], 2.0 - s2, 1e-14);
	assert_true(w[0] >= w[1] && w[1] >= w[2]);
	assert_mat(&A, V, 1e-14);
	/* A0 v_j = w_j v_j and V'V = I. */
	for (j = 0; j < 3; j++) {
		double v[3] = { mat_get(&A, 0, j), mat_get(&A, 1, j), mat_get(&A, 2, j) };
		assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, &A0, v, 3, 0.0, av, 3), LINALG_OK);
		for (i = 0; i < 3; i++)
			assert_close(av[i], w[j] * v[i], 1e-14);
		for (k = 0; k < 3; k++) {
			double dot = 0.0;
			for (i = 0; i < 3; i++)
				dot += mat_get(&A, i, j) * mat_get(&A, i, k);
			assert_close(dot, j == k ? 1.0 : 0.0, 1e-14);
		}
	}

	/* Errors. */
	{
		double r[6] = { 0 }, n[4] = { 1, 0, INFINITY, 1 };
		struct mat R = mat_view(r, 2, 3, 3), N = mat_view(n, 2, 2, 2);
		assert_int_equal(mat_eigh(&R, w), LINALG_EDIM);
		assert_int_equal(mat_eigh(&N, w), LINALG_ENONFINITE);
		assert_int_equal(mat_eigh(&A, NULL), LINALG_EINVAL);
		assert_int_equal(mat_eigh(&A, a + 1), LINALG_EALIAS);
	}
}

/* U diag(s) Vt == A0 to 1e-12, U'U = I, Vt Vt' = I. */
static void
check_svd_factors(const struct mat *A0, const struct mat *U, const double *s,
    const struct mat *Vt)
{
	size_t m = A0->rows, n = A0->cols, k = U->cols, i, j, l;

	for (i = 0; i < m; i++)
		for (j = 0; j < n; j++) {
			double v = 0.0;
			for (l = 0; l < k; l++)
				v += mat_get(U, i, l) * s[l] * mat_get(Vt, l, j);
			assert_close(v, mat_get(A0, i, j), 1e-12);
		}
	for (i = 0; i < k; i++)
		for (j = 0; j < k; j++) {
			double uu = 0.0, vv = 0.0;
			for (l = 0; l < m; l++)
				uu += mat_get(U, l, i) * mat_get(U, l, j);
			for (l = 0; l < n; l++)
				vv += mat_get(Vt, i, l) * mat_get(Vt, j, l);
			assert_close(uu, i == j ? 1.0 : 0.0, 1e-13);
			assert_close(vv, i == j ? 1.0 : 0.0, 1e-13);
		}
}

static void
test_svd(void **state)
{
	/* [3 2 2; 2 3 -2] has singular values 5 and 3 (AA' = [17 8; 8 17],
	 * eigenvalues 25 and 9), with v1 = [1 1 0]/sqrt2, u1 = [1 1]/sqrt2,
	 * v2 = [1 -1 4]/sqrt18, u2 = [1 -1]/sqrt2 (sign: v2's 4 is largest). */
	const double a0[6] = { 3, 2, 2, 2, 3, -2 };
	double a[6], s[2], u[4], vt[6];
	struct mat A = mat_view(a, 2, 3, 3), A0 = mat_view((double *)a0, 2, 3, 3);
	struct mat U = mat_view(u, 2, 2, 2), Vt = mat_view(vt, 2, 3, 3);
	const double h = sqrt(0.5), q = 1.0 / sqrt(18.0);
	const double Uw[4] = { h, h, h, -h };
	const double Vw[6] = { h, h, 0.0, q, -q, 4.0 * q };

	(void)state;
	memcpy(a, a0, sizeof a);
	assert_int_equal(mat_svd(&A, s, &U, &Vt), LINALG_OK);
	assert_close(s[0], 5.0, 1e-13);
	assert_close(s[1], 3.0, 1e-13);
	assert_mat(&U, Uw, 1e-13);
	assert_mat(&Vt, Vw, 1e-13);
	check_svd_factors(&A0, &U, s, &Vt);

	/* The transpose (tall, 3 x 2): same singular values. */
	{
		double t0[6] = { 3, 2, 2, 3, 2, -2 }, t[6], ut[6], vtt[4];
		struct mat T = mat_view(t, 3, 2, 2), T0 = mat_view(t0, 3, 2, 2);
		struct mat Ut = mat_view(ut, 3, 2, 2), Vtt = mat_view(vtt, 2, 2, 2);
		memcpy(t, t0, sizeof t);
		assert_int_equal(mat_svd(&T, s, &Ut, &Vtt), LINALG_OK);
		assert_close(s[0], 5.0, 1e-13);
		assert_close(s[1], 3.0, 1e-13);
		check_svd_factors(&T0, &Ut, s, &Vtt);
	}
	/* Values only. */
	memcpy(a, a0, sizeof a);
	s[0] = s[1] = 0.0;
	assert_int_equal(mat_svd(&A, s, NULL, NULL), LINALG_OK);
	assert_close(s[0], 5.0, 1e-13);
	assert_close(s[1], 3.0, 1e-13);

	/* Errors: half the vectors, wrong shapes, aliasing, NaN. */
	memcpy(a, a0, sizeof a);
	assert_int_equal(mat_svd(&A, s, &U, NULL), LINALG_EINVAL);
	{
		struct mat Ubad = mat_view(u, 2, 1, 1);
		assert_int_equal(mat_svd(&A, s, &Ubad, &Vt), LINALG_EDIM);
		assert_int_equal(mat_svd(&A, s, &A, &Vt), LINALG_EDIM);
		assert_int_equal(mat_svd(&A, a, NULL, NULL), LINALG_EALIAS);
		assert_int_equal(mat_svd(&A, NULL, NULL, NULL), LINALG_EINVAL);
	}
	a[4] = NAN;
	assert_int_equal(mat_svd(&A, s, &U, &Vt), LINALG_ENONFINITE);
}

static void
test_svd_rank_one(void **state)
{
	/* x y' with x = [1 2 2] (|x| = 3), y = [3 4] (|y| = 5): s = [15 0]. */
	double a[6] = { 3, 4, 6, 8, 6, 8 }, s[2], u[6], vt[4];
	struct mat A = mat_view(a, 3, 2, 2), U = mat_view(u, 3, 2, 2);
	struct mat Vt = mat_view(vt, 2, 2, 2);

	(void)state;
	assert_int_equal(mat_svd(&A, s, &U, &Vt), LINALG_OK);
	assert_close(s[0], 15.0, 1e-13);
	assert_close(s[1], 0.0, 1e-13);
	assert_close(vt[0], 0.6, 1e-14);
	assert_close(vt[1], 0.8, 1e-14);
	assert_close(u[0], 1.0 / 3.0, 1e-14);
	assert_close(u[2], 2.0 / 3.0, 1e-14);
}

/* --- vectors, messages, BLAS info --------------------------------------- */

static void
test_vec(void **state)
{
	double x[3] = { 1, 2, 3 }, y[3] = { 4, 5, 6 }, big[2] = { 3e200, 4e200 };
	double n[3] = { 1, NAN, -7 };

	(void)state;
	/* exact: integers, and scaling by -0.5 (a power of two) */
	assert_true(vec_dot(3, x, y) == 32.0);
	assert_true(vec_dot(0, NULL, NULL) == 0.0);
	vec_axpy(3, 2.0, x, y);           /* y = [6 9 12] */
	assert_true(y[0] == 6.0 && y[1] == 9.0 && y[2] == 12.0);
	assert_close(vec_nrm2(2, (double[]){ 3, 4 }), 5.0, 1e-15);
	assert_close(vec_nrm2(2, big) / 5e200, 1.0, 1e-15);  /* no overflow */
	vec_scal(3, -0.5, x);
	assert_true(x[0] == -0.5 && x[1] == -1.0 && x[2] == -1.5);
	assert_true(vec_amax(3, x) == 1.5);
	assert_true(vec_amax(0, NULL) == 0.0);
	assert_true(isnan(vec_amax(3, n)));
	assert_true(isnan(vec_dot(3, NULL, y)));
	assert_true(vec_finite(3, x));
	assert_true(vec_finite(0, NULL));
	assert_false(vec_finite(3, n));
	assert_false(vec_finite(2, (double[]){ 1, -INFINITY }));
}

static void
test_strerror(void **state)
{
	int c, d;

	(void)state;
	for (c = LINALG_OK; c <= LINALG_ETRUNC; c++) {
		const char *m = linalg_strerror(c);
		size_t i;
		assert_true(strlen(m) > 0);
		for (i = 0; m[i] != '\0'; i++)
			assert_false(isupper((unsigned char)m[i]));
		for (d = LINALG_OK; d < c; d++)
			assert_string_not_equal(m, linalg_strerror(d));
	}
	assert_string_equal(linalg_strerror(LINALG_EDIM), "dimension mismatch");
	assert_string_equal(linalg_strerror(-1), "unknown linalg error");
	assert_string_equal(linalg_strerror(LINALG_ETRUNC + 1), "unknown linalg error");
}

static void
test_blas_info(void **state)
{
	struct linalg_blas_info info;
	char buf[512], small[8];
	int before;

	(void)state;
	linalg_blas_info(&info);
	assert_non_null(strstr(info.config, "OpenBLAS"));
	assert_true(strlen(info.corename) > 0);
	assert_true(info.threads >= 1);
	assert_true(info.procs >= 1);
	assert_true(info.lapack_major >= 3);
	linalg_blas_info(NULL);

	assert_int_equal(linalg_blas_describe(buf, sizeof buf), LINALG_OK);
	assert_non_null(strstr(buf, "OpenBLAS"));
	assert_non_null(strstr(buf, "core="));
	assert_non_null(strstr(buf, "threads="));
	assert_int_equal(linalg_blas_describe(small, sizeof small), LINALG_ETRUNC);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_int_equal(linalg_blas_describe(NULL, 10), LINALG_EINVAL);
	assert_int_equal(linalg_blas_describe(buf, 0), LINALG_EINVAL);

	before = linalg_get_threads();
	assert_int_equal(linalg_set_threads(1), LINALG_OK);
	assert_int_equal(linalg_get_threads(), 1);
	assert_int_equal(linalg_set_threads(0), LINALG_EINVAL);
	assert_int_equal(linalg_get_threads(), 1);
	assert_int_equal(linalg_set_threads(before), LINALG_OK);
}

static int
ntasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The idle BLAS threads are stopped, and the next threaded product starts
 * them again and is right. */
static void
test_idle_threads(void **state)
{
	enum { N = 300 };
	static double a[N * N], b[N * N], c[N * N];
	(void)state;
	linalg_idle_threads();
	assert_int_equal(ntasks(), 1);
	linalg_idle_threads();			/* twice is harmless */
	for (int i = 0; i < N * N; i++) {
		a[i] = i % 7 - 3;
		b[i] = i % 5 - 2;
	}
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, b, N, 0.0,
	    c, N);
	for (int i = 0; i < N; i += 37)
		for (int j = 0; j < N; j += 41) {
			double s = 0;
			for (int k = 0; k < N; k++)
				s += a[i * N + k] * b[k * N + j];
			/* exact: integer entries in -3..3, sums below 2^11 */
			assert_true(c[i * N + j] == s);
		}
	if (linalg_get_threads() > 1)
		assert_true(ntasks() > 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_views),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_gemm_shapes),
		cmocka_unit_test(test_gemm_degenerate),
		cmocka_unit_test(test_gemv),
		cmocka_unit_test(test_syrk),
		cmocka_unit_test(test_cholesky),
		cmocka_unit_test(test_cholesky_not_pd),
		cmocka_unit_test(test_lstsq),
		cmocka_unit_test(test_eigh_2x2),
		cmocka_unit_test(test_eigh_3x3),
		cmocka_unit_test(test_svd),
		cmocka_unit_test(test_svd_rank_one),
		cmocka_unit_test(test_vec),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_blas_info),
		cmocka_unit_test(test_idle_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
