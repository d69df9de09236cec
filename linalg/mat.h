/*
 * mat.h — dense row-major matrices of doubles, views, and thin wrappers over
 * CBLAS and LAPACKE.
 *
 * A struct mat describes rows x cols doubles where element (i, j) lives at
 * data[i * stride + j].  stride >= cols always; a stride larger than cols
 * lets a matrix describe a block of a bigger one without copying.  A matrix
 * either owns its data (made by mat_new/mat_dup, owned = 1, released by
 * mat_free) or is a view (owned = 0) that borrows memory the caller keeps
 * alive for as long as the view is used.  Views are plain values: build
 * them on the stack and never pass them to mat_free.  An empty matrix
 * (rows or cols zero) is legal and may have data == NULL.
 *
 * Wrappers check shapes before calling BLAS/LAPACK and return a status from
 * linalg.h instead of letting the library print to stderr or crash:
 * LINALG_EINVAL for NULL or malformed operands, LINALG_EDIM for shapes that
 * do not agree, LINALG_ERANGE when a dimension does not fit the 32-bit
 * BLAS integer, LINALG_EALIAS when an output overlaps an input (BLAS gives
 * garbage then).  On any error the outputs are left untouched.  LAPACK
 * wrappers also refuse NaN/infinity (LINALG_ENONFINITE) and may allocate a
 * transposed copy inside LAPACKE (LINALG_ENOMEM if that fails).
 *
 * Expected sizes: design matrices up to ~1e6 x 100 for gemm/gemv/syrk;
 * the factorizations are meant for the small square matrices (d x d,
 * d <= a few thousand) that those products produce, and for thin SVD.
 *
 * Nothing here keeps global state; every function is safe to call from
 * several threads on distinct outputs.
 */
#ifndef LATHE_MAT_H
#define LATHE_MAT_H

#include <stddef.h>

#include "linalg.h"

struct mat {
	double *data;
	size_t rows, cols;
	size_t stride;   /* distance between rows, in elements; >= cols */
	int owned;       /* 1: mat_free releases data; 0: a borrowed view */
};

enum mat_trans {
	MAT_NOTRANS = 0,
	MAT_TRANS = 1,
};

/* --- construction ------------------------------------------------------- */

/* A new zero-filled rows x cols matrix with stride == cols.  Returns NULL
 * if memory runs out or rows * cols overflows.  Caller frees with mat_free. */
struct mat *mat_new(size_t rows, size_t cols);

/* Releases a matrix from mat_new/mat_dup: its data if owned, then the
 * struct.  Accepts NULL.  Never call it on a view built on the stack. */
void mat_free(struct mat *m);

/* A view of caller-owned memory; no check is made here, the operations
 * validate it (stride must be >= cols).  The view borrows data. */
struct mat mat_view(double *data, size_t rows, size_t cols, size_t stride);

/* *view = row i of m as a 1 x cols view.  Returns LINALG_EINVAL if m is
 * malformed or i >= rows.  The view borrows m's data. */
int mat_row_view(struct mat *view, const struct mat *m, size_t i);

/* *view = the rows x cols block of m starting at (r0, c0).  Returns
 * LINALG_EINVAL if the block does not lie inside m.  Borrows m's data. */
int mat_sub(struct mat *view, const struct mat *m, size_t r0, size_t c0,
    size_t rows, size_t cols);

/* Copies the values of src into dst; shapes must agree (LINALG_EDIM), the
 * two may have different strides and must not overlap (LINALG_EALIAS). */
int mat_copy(struct mat *dst, const struct mat *src);

/* A new owned, packed (stride == cols) copy of src, or NULL on bad input
 * or out of memory.  Caller frees with mat_free. */
struct mat *mat_dup(const struct mat *src);

/* Sets every element of m to v. */
int mat_fill(struct mat *m, double v);

/* Element access without bounds checks: the caller guarantees i < rows and
 * j < cols.  These are for inner loops; validate the matrix once outside. */
static inline double
mat_get(const struct mat *m, size_t i, size_t j)
{
	return m->data[i * m->stride + j];
}

static inline void
mat_set(struct mat *m, size_t i, size_t j, double v)
{
	m->data[i * m->stride + j] = v;
}

/* Pointer to the first element of row i (unchecked, like mat_get). */
static inline double *
mat_row(const struct mat *m, size_t i)
{
	return m->data + i * m->stride;
}

/* --- BLAS --------------------------------------------------------------- */

/* C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T per ta/tb.
 * op(A) is m x k, op(B) is k x n, C is m x n.  When beta == 0 the old C is
 * not read (NaN in it does not propagate), as in BLAS. */
int mat_gemm(enum mat_trans ta, enum mat_trans tb, double alpha,
    const struct mat *A, const struct mat *B, double beta, struct mat *C);

/* y = alpha * op(A) * x + beta * y for plain arrays; nx and ny are the
 * lengths of x and y and must equal cols(op(A)) and rows(op(A)). */
int mat_gemv(enum mat_trans ta, double alpha, const struct mat *A,
    const double *x, size_t nx, double beta, double *y, size_t ny);

/* Symmetric rank-k update, the Gram matrix of a design matrix:
 *   t == MAT_TRANS:   C = alpha * A^T A + beta * C   (C is cols(A) square)
 *   t == MAT_NOTRANS: C = alpha * A A^T + beta * C   (C is rows(A) square)
 * Only the upper triangle of the old C is read; on return C holds the full
 * symmetric matrix (the lower triangle is mirrored from the upper). */
int mat_syrk(enum mat_trans t, double alpha, const struct mat *A, double beta,
    struct mat *C);

/* --- LAPACK ------------------------------------------------------------- */

/* In-place Cholesky factorization A = L L^T of a symmetric positive
 * definite n x n matrix.  Only the lower triangle of A is read; on success
 * A holds exactly L (its strict upper triangle is zeroed).  Returns
 * LINALG_ENOTPD if A is not positive definite, in which case A's lower
 * triangle is partly overwritten. */
int mat_cholesky(struct mat *A);

/* Solves (L L^T) X = B in place: L is the n x n factor from mat_cholesky,
 * B is n x nrhs and is overwritten by X.  A vector b is the n x 1 view
 * mat_view(b, n, 1, 1). */
int mat_cholesky_solve(const struct mat *L, struct mat *B);

/* Least squares min ||A X - B|| by Householder QR (dgels) for a tall or
 * square full-rank A (m x n, m >= n) and B (m x nrhs).  Destroys A (it
 * receives the QR factors).  On return rows 0..n-1 of B hold X; rows
 * n..m-1 hold Q^T times the residual, so the residual sum of squares of
 * column j is the sum of squares of B[n..m-1][j].  LINALG_EDIM if m < n;
 * LINALG_ESINGULAR if A is rank deficient to working precision (a diagonal
 * entry of R below m * DBL_EPSILON times the largest), in which case B
 * holds no solution. */
int mat_lstsq(struct mat *A, struct mat *B);

/* Symmetric eigendecomposition (dsyevd, divide and conquer) of the n x n
 * matrix A, of which only the lower triangle is read.  On success w[0..n-1]
 * holds the eigenvalues in DESCENDING order and column j of A the unit
 * eigenvector of w[j].  Signs are fixed so that the largest-magnitude
 * component of each eigenvector is positive (first such component on a
 * tie), making the result reproducible across BLAS builds.  w must hold n
 * doubles and must not overlap A. */
int mat_eigh(struct mat *A, double *w);

/* Thin SVD A = U diag(s) Vt (dgesdd) of an m x n matrix, k = min(m, n):
 * s[0..k-1] descending, U m x k with orthonormal columns, Vt k x n with
 * orthonormal rows.  Destroys A.  U and Vt may both be NULL to compute
 * singular values only (one NULL and not the other is LINALG_EINVAL).
 * Signs are fixed so that the largest-magnitude entry of each row of Vt is
 * positive (scikit-learn's svd_flip with u_based_decision=False), with the
 * matching column of U flipped too. */
int mat_svd(struct mat *A, double *s, struct mat *U, struct mat *Vt);

/* --- vectors (plain arrays, any length; BLAS in chunks of INT_MAX) ------ */

double vec_dot(size_t n, const double *x, const double *y);
/* y += a * x */
void vec_axpy(size_t n, double a, const double *x, double *y);
/* Euclidean norm without overflow or underflow (BLAS dnrm2 scaling). */
double vec_nrm2(size_t n, const double *x);
/* x *= a */
void vec_scal(size_t n, double a, double *x);
/* max_i |x_i|, 0 for n == 0; NaN if any x_i is NaN. */
double vec_amax(size_t n, const double *x);
/* 1 if every x_i is finite (also for n == 0), else 0. */
int vec_finite(size_t n, const double *x);

#endif
