/*
 * mat.c — row-major matrices over CBLAS (CblasRowMajor) and LAPACKE
 * (LAPACK_ROW_MAJOR).
 *
 * Invariants every operation checks before touching BLAS (see mat_valid):
 * stride >= cols, data != NULL unless the matrix is empty, and every
 * dimension and stride fits the 32-bit BLAS integer.  The leading dimension
 * passed to BLAS is max(stride, 1) because BLAS demands ld >= 1 even for
 * empty operands.  Degenerate shapes are answered here rather than handed
 * to BLAS: an empty product leaves C alone, a product with inner dimension
 * zero is C = beta * C.
 *
 * LAPACKE's row-major entry points transpose into a column-major scratch
 * copy and allocate their workspace; they report failure to allocate as
 * LAPACK_WORK_MEMORY_ERROR / LAPACK_TRANSPOSE_MEMORY_ERROR, which we map to
 * LINALG_ENOMEM.  LAPACKE would also reject NaN input with a negative info
 * that names only an argument position; we check finiteness first so the
 * caller gets LINALG_ENONFINITE instead.
 */
#include "mat.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

/* Largest count handed to one BLAS call; blasint and lapack_int are int. */
#define BLAS_MAX ((size_t)INT_MAX)

/* --- checks ------------------------------------------------------------- */

static int
mat_empty(const struct mat *m)
{
	return m->rows == 0 || m->cols == 0;
}

/* LINALG_OK if m is well formed and BLAS-addressable. */
static int
mat_valid(const struct mat *m)
{
	if (m == NULL || m->stride < m->cols)
		return LINALG_EINVAL;
	if (m->data == NULL && !mat_empty(m))
		return LINALG_EINVAL;
	if (m->rows > BLAS_MAX || m->cols > BLAS_MAX || m->stride > BLAS_MAX)
		return LINALG_ERANGE;
	return LINALG_OK;
}

static int
blas_ld(const struct mat *m)
{
	return m->stride > 0 ? (int)m->stride : 1;
}

/* Address range [lo, hi) of the elements of m; empty ranges never overlap. */
static void
mat_span(const struct mat *m, uintptr_t *lo, uintptr_t *hi)
{
	if (mat_empty(m)) {
		*lo = *hi = 0;
		return;
	}
	*lo = (uintptr_t)m->data;
	*hi = (uintptr_t)(m->data + (m->rows - 1) * m->stride + m->cols);
}

static int
span_overlap(uintptr_t alo, uintptr_t ahi, uintptr_t blo, uintptr_t bhi)
{
	return alo < ahi && blo < bhi && alo < bhi && blo < ahi;
}

static int
mat_overlap(const struct mat *a, const struct mat *b)
{
	uintptr_t alo, ahi, blo, bhi;

	mat_span(a, &alo, &ahi);
	mat_span(b, &blo, &bhi);
	return span_overlap(alo, ahi, blo, bhi);
}

static int
mat_overlap_vec(const struct mat *a, const double *v, size_t n)
{
	uintptr_t alo, ahi;

	if (v == NULL || n == 0)
		return 0;
	mat_span(a, &alo, &ahi);
	return span_overlap(alo, ahi, (uintptr_t)v, (uintptr_t)(v + n));
}

static int
vec_overlap(const double *a, size_t na, const double *b, size_t nb)
{
	if (a == NULL || b == NULL || na == 0 || nb == 0)
		return 0;
	return span_overlap((uintptr_t)a, (uintptr_t)(a + na),
	    (uintptr_t)b, (uintptr_t)(b + nb));
}

/* Which part of a matrix a LAPACK routine reads. */
enum part { PART_ALL, PART_LOWER };

static int
mat_finite(const struct mat *m, enum part part)
{
	size_t i, j, end;

	for (i = 0; i < m->rows; i++) {
		const double *r = mat_row(m, i);
		end = part == PART_LOWER && i + 1 < m->cols ? i + 1 : m->cols;
		for (j = 0; j < end; j++)
			if (!isfinite(r[j]))
				return 0;
	}
	return 1;
}

static int
lapack_status(lapack_int info, int positive)
{
	if (info == 0)
		return LINALG_OK;
	if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
		return LINALG_ENOMEM;
	return info < 0 ? LINALG_ELAPACK : positive;
}

static CBLAS_TRANSPOSE
cblas_trans(enum mat_trans t)
{
	return t == MAT_TRANS ? CblasTrans : CblasNoTrans;
}

static int
trans_valid(enum mat_trans t)
{
	return t == MAT_NOTRANS || t == MAT_TRANS;
}

/* C = beta * C, with BLAS's rule that beta == 0 overwrites (NaN included). */
static void
mat_scale(struct mat *C, double beta)
{
	size_t i, j;

	for (i = 0; i < C->rows; i++) {
		double *r = mat_row(C, i);
		for (j = 0; j < C->cols; j++)
			r[j] = beta == 0.0 ? 0.0 : beta * r[j];
	}
}

/* --- construction ------------------------------------------------------- */

struct mat *
mat_new(size_t rows, size_t cols)
{
	struct mat *m;
	size_t count;

	if (cols != 0 && rows > SIZE_MAX / sizeof(double) / cols)
		return NULL;
	count = rows * cols;
	m = malloc(sizeof *m);
	if (m == NULL)
		return NULL;
	m->data = NULL;
	if (count > 0) {
		m->data = calloc(count, sizeof(double));
		if (m->data == NULL) {
			free(m);
			return NULL;
		}
	}
	m->rows = rows;
	m->cols = cols;
	m->stride = cols;
	m->owned = 1;
	return m;
}

void
mat_free(struct mat *m)
{
	if (m == NULL)
		return;
	if (m->owned)
		free(m->data);
	free(m);
}

struct mat
mat_view(double *data, size_t rows, size_t cols, size_t stride)
{
	struct mat v = { data, rows, cols, stride, 0 };

	return v;
}

int
mat_sub(struct mat *view, const struct mat *m, size_t r0, size_t c0,
    size_t rows, size_t cols)
{
	int rc;

	if (view == NULL)
		return LINALG_EINVAL;
	if ((rc = mat_valid(m)) != LINALG_OK)
		return rc;
	if (r0 > m->rows || rows > m->rows - r0 || c0 > m->cols || cols > m->cols - c0)
		return LINALG_EINVAL;
	/* An empty block keeps a NULL-safe pointer: no arithmetic past the end. */
	if (rows == 0 || cols == 0)
		*view = mat_view(m->data, rows, cols, m->stride);
	else
		*view = mat_view(m->data + r0 * m->stride + c0, rows, cols, m->stride);
	return LINALG_OK;
}

int
mat_row_view(struct mat *view, const struct mat *m, size_t i)
{
	if (m != NULL && i >= m->rows)
		return LINALG_EINVAL;
	return mat_sub(view, m, i, 0, 1, m != NULL ? m->cols : 0);
}

int
mat_copy(struct mat *dst, const struct mat *src)
{
	size_t i;
	int rc;

	if ((rc = mat_valid(dst)) != LINALG_OK || (rc = mat_valid(src)) != LINALG_OK)
		return rc;
	if (dst->rows != src->rows || dst->cols != src->cols)
		return LINALG_EDIM;
	if (dst->data == src->data && dst->stride == src->stride)
		return LINALG_OK;
	if (mat_overlap(dst, src))
		return LINALG_EALIAS;
	for (i = 0; i < src->rows && src->cols > 0; i++)
		memcpy(mat_row(dst, i), mat_row(src, i), src->cols * sizeof(double));
	return LINALG_OK;
}

struct mat *
mat_dup(const struct mat *src)
{
	struct mat *m;

	if (mat_valid(src) != LINALG_OK)
		return NULL;
	m = mat_new(src->rows, src->cols);
	if (m == NULL)
		return NULL;
	if (mat_copy(m, src) != LINALG_OK) {
		mat_free(m);
		return NULL;
	}
	return m;
}

int
mat_fill(struct mat *m, double v)
{
	size_t i, j;
	int rc;

	if ((rc = mat_valid(m)) != LINALG_OK)
		return rc;
	for (i = 0; i < m->rows; i++) {
		double *r = mat_row(m, i);
		for (j = 0; j < m->cols; j++)
			r[j] = v;
	}
	return LINALG_OK;
}

/* --- BLAS --------------------------------------------------------------- */

int
mat_gemm(enum mat_trans ta, enum mat_trans tb, double alpha,
    const struct mat *A, const struct mat *B, double beta, struct mat *C)
{
	size_t m, n, k;
	int rc;

	if (!trans_valid(ta) || !trans_valid(tb))
		return LINALG_EINVAL;
	if ((rc = mat_valid(A)) != LINALG_OK || (rc = mat_valid(B)) != LINALG_OK ||
	    (rc = mat_valid(C)) != LINALG_OK)
		return rc;
	m = ta == MAT_TRANS ? A->cols : A->rows;
	k = ta == MAT_TRANS ? A->rows : A->cols;
	n = tb == MAT_TRANS ? B->rows : B->cols;
	if ((tb == MAT_TRANS ? B->cols : B->rows) != k || C->rows != m || C->cols != n)
		return LINALG_EDIM;
	if (mat_overlap(C, A) || mat_overlap(C, B))
		return LINALG_EALIAS;
	if (m == 0 || n == 0)
		return LINALG_OK;
	if (k == 0) {
		mat_scale(C, beta);
		return LINALG_OK;
	}
	cblas_dgemm(CblasRowMajor, cblas_trans(ta), cblas_trans(tb),
	    (int)m, (int)n, (int)k, alpha, A->data, blas_ld(A),
	    B->data, blas_ld(B), beta, C->data, blas_ld(C));
	return LINALG_OK;
}

int
mat_gemv(enum mat_trans ta, double alpha, const struct mat *A,
    const double *x, size_t nx, double beta, double *y, size_t ny)
{
	size_t m, n, i;
	int rc;

	if (!trans_valid(ta))
		return LINALG_EINVAL;
	if ((rc = mat_valid(A)) != LINALG_OK)
		return rc;
	m = ta == MAT_TRANS ? A->cols : A->rows;
	n = ta == MAT_TRANS ? A->rows : A->cols;
	if (nx != n || ny != m)
		return LINALG_EDIM;
	if ((x == NULL && nx > 0) || (y == NULL && ny > 0))
		return LINALG_EINVAL;
	if (mat_overlap_vec(A, y, ny) || vec_overlap(x, nx, y, ny))
		return LINALG_EALIAS;
	if (m == 0)
		return LINALG_OK;
	if (n == 0) {
		for (i = 0; i < m; i++)
			y[i] = beta == 0.0 ? 0.0 : beta * y[i];
		return LINALG_OK;
	}
	cblas_dgemv(CblasRowMajor, cblas_trans(ta), (int)A->rows, (int)A->cols,
	    alpha, A->data, blas_ld(A), x, 1, beta, y, 1);
	return LINALG_OK;
}

/* Copies the upper triangle of square C onto its lower triangle. */
static void
mat_mirror_upper(struct mat *C)
{
	size_t i, j;

	for (i = 1; i < C->rows; i++)
		for (j = 0; j < i; j++)
			mat_set(C, i, j, mat_get(C, j, i));
}

int
mat_syrk(enum mat_trans t, double alpha, const struct mat *A, double beta,
    struct mat *C)
{
	size_t n, k, i, j;
	int rc;

	if (!trans_valid(t))
		return LINALG_EINVAL;
	if ((rc = mat_valid(A)) != LINALG_OK || (rc = mat_valid(C)) != LINALG_OK)
		return rc;
	n = t == MAT_TRANS ? A->cols : A->rows;
	k = t == MAT_TRANS ? A->rows : A->cols;
	if (C->rows != n || C->cols != n)
		return LINALG_EDIM;
	if (mat_overlap(C, A))
		return LINALG_EALIAS;
	if (n == 0)
		return LINALG_OK;
	if (k == 0) {
		for (i = 0; i < n; i++)
			for (j = i; j < n; j++)
				mat_set(C, i, j, beta == 0.0 ? 0.0 : beta * mat_get(C, i, j));
	} else {
		cblas_dsyrk(CblasRowMajor, CblasUpper, cblas_trans(t), (int)n, (int)k,
		    alpha, A->data, blas_ld(A), beta, C->data, blas_ld(C));
	}
	mat_mirror_upper(C);
	return LINALG_OK;
}

/* --- LAPACK ------------------------------------------------------------- */

int
mat_cholesky(struct mat *A)
{
	size_t i, j;
	lapack_int info;
	int rc;

	if ((rc = mat_valid(A)) != LINALG_OK)
		return rc;
	if (A->rows != A->cols)
		return LINALG_EDIM;
	if (A->rows == 0)
		return LINALG_OK;
	if (!mat_finite(A, PART_LOWER))
		return LINALG_ENONFINITE;
	info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)A->rows,
	    A->data, blas_ld(A));
	if ((rc = lapack_status(info, LINALG_ENOTPD)) != LINALG_OK)
		return rc;
	for (i = 0; i < A->rows; i++)
		for (j = i + 1; j < A->cols; j++)
			mat_set(A, i, j, 0.0);
	return LINALG_OK;
}

int
mat_cholesky_solve(const struct mat *L, struct mat *B)
{
	lapack_int info;
	int rc;

	if ((rc = mat_valid(L)) != LINALG_OK || (rc = mat_valid(B)) != LINALG_OK)
		return rc;
	if (L->rows != L->cols || B->rows != L->rows)
		return LINALG_EDIM;
	if (mat_overlap(L, B))
		return LINALG_EALIAS;
	if (mat_empty(B))
		return LINALG_OK;
	if (!mat_finite(L, PART_LOWER) || !mat_finite(B, PART_ALL))
		return LINALG_ENONFINITE;
	info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)L->rows,
	    (lapack_int)B->cols, L->data, blas_ld(L), B->data, blas_ld(B));
	return lapack_status(info, LINALG_ELAPACK);
}

int
mat_lstsq(struct mat *A, struct mat *B)
{
	lapack_int info;
	double rmax = 0.0;
	size_t i;
	int rc;

	if ((rc = mat_valid(A)) != LINALG_OK || (rc = mat_valid(B)) != LINALG_OK)
		return rc;
	if (A->rows < A->cols || B->rows != A->rows)
		return LINALG_EDIM;
	if (mat_overlap(A, B))
		return LINALG_EALIAS;
	if (A->cols == 0 || B->cols == 0)
		return LINALG_OK;
	if (!mat_finite(A, PART_ALL) || !mat_finite(B, PART_ALL))
		return LINALG_ENONFINITE;
	info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', (lapack_int)A->rows,
	    (lapack_int)A->cols, (lapack_int)B->cols, A->data, blas_ld(A),
	    B->data, blas_ld(B));
	if ((rc = lapack_status(info, LINALG_ESINGULAR)) != LINALG_OK)
		return rc;
	/* dgels only notices an exactly zero diagonal in R.  Collinear columns
	 * leave rounding-sized values there instead, and since
	 * cond(A) >= max|R_jj| / min|R_ii|, a diagonal entry below
	 * m eps max|R_jj| means A is rank deficient to working precision. */
	for (i = 0; i < A->cols; i++)
		rmax = fmax(rmax, fabs(mat_get(A, i, i)));
	for (i = 0; i < A->cols; i++)
		if (!(fabs(mat_get(A, i, i)) > (double)A->rows * DBL_EPSILON * rmax))
			return LINALG_ESINGULAR;
	return LINALG_OK;
}

/* Index of the first entry of largest magnitude among n entries spaced inc
 * apart. */
static size_t
argmax_abs(const double *v, size_t n, size_t inc)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (fabs(v[i * inc]) > fabs(v[best * inc]))
			best = i;
	return best;
}

int
mat_eigh(struct mat *A, double *w)
{
	size_t n, i, j;
	lapack_int info;
	int rc;

	if ((rc = mat_valid(A)) != LINALG_OK)
		return rc;
	if (A->rows != A->cols)
		return LINALG_EDIM;
	n = A->rows;
	if (n == 0)
		return LINALG_OK;
	if (w == NULL)
		return LINALG_EINVAL;
	if (mat_overlap_vec(A, w, n))
		return LINALG_EALIAS;
	if (!mat_finite(A, PART_LOWER))
		return LINALG_ENONFINITE;
	info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'L', (lapack_int)n,
	    A->data, blas_ld(A), w);
	if ((rc = lapack_status(info, LINALG_ENOCONV)) != LINALG_OK)
		return rc;

	/* LAPACK returns ascending order; reverse values and columns. */
	for (j = 0; j < n / 2; j++) {
		double t = w[j];
		w[j] = w[n - 1 - j];
		w[n - 1 - j] = t;
		for (i = 0; i < n; i++) {
			double *r = mat_row(A, i);
			t = r[j];
			r[j] = r[n - 1 - j];
			r[n - 1 - j] = t;
		}
	}
	for (j = 0; j < n; j++) {
		if (A->data[argmax_abs(A->data + j, n, A->stride) * A->stride + j] < 0.0)
			for (i = 0; i < n; i++)
				mat_row(A, i)[j] = -mat_row(A, i)[j];
	}
	return LINALG_OK;
}

int
mat_svd(struct mat *A, double *s, struct mat *U, struct mat *Vt)
{
	size_t m, n, k, i, j;
	double dummy[1] = { 0.0 };
	lapack_int info;
	int rc, vectors;

	if ((rc = mat_valid(A)) != LINALG_OK)
		return rc;
	if ((U == NULL) != (Vt == NULL))
		return LINALG_EINVAL;
	vectors = U != NULL;
	m = A->rows;
	n = A->cols;
	k = m < n ? m : n;
	if (vectors) {
		if ((rc = mat_valid(U)) != LINALG_OK || (rc = mat_valid(Vt)) != LINALG_OK)
			return rc;
		if (U->rows != m || U->cols != k || Vt->rows != k || Vt->cols != n)
			return LINALG_EDIM;
		if (mat_overlap(U, A) || mat_overlap(Vt, A) || mat_overlap(U, Vt) ||
		    mat_overlap_vec(U, s, k) || mat_overlap_vec(Vt, s, k))
			return LINALG_EALIAS;
	}
	if (k == 0)
		return LINALG_OK;
	if (s == NULL)
		return LINALG_EINVAL;
	if (mat_overlap_vec(A, s, k))
		return LINALG_EALIAS;
	if (!mat_finite(A, PART_ALL))
		return LINALG_ENONFINITE;
	/* With jobz 'N' LAPACK never touches U/VT, but LAPACKE still checks the
	 * leading dimensions, so pass ones that satisfy any reading of them. */
	info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, vectors ? 'S' : 'N',
	    (lapack_int)m, (lapack_int)n, A->data, blas_ld(A), s,
	    vectors ? U->data : dummy, vectors ? blas_ld(U) : (lapack_int)(m > n ? m : n),
	    vectors ? Vt->data : dummy, vectors ? blas_ld(Vt) : (lapack_int)n);
	if ((rc = lapack_status(info, LINALG_ENOCONV)) != LINALG_OK)
		return rc;
	if (!vectors)
		return LINALG_OK;
	for (i = 0; i < k; i++) {
		double *v = mat_row(Vt, i);
		if (v[argmax_abs(v, n, 1)] >= 0.0)
			continue;
		for (j = 0; j < n; j++)
			v[j] = -v[j];
		for (j = 0; j < m; j++)
			mat_row(U, j)[i] = -mat_row(U, j)[i];
	}
	return LINALG_OK;
}

/* --- vectors ------------------------------------------------------------ */

/* BLAS counts are int; longer vectors go through in INT_MAX-sized chunks. */
static int
chunk(size_t n)
{
	return n > BLAS_MAX ? INT_MAX : (int)n;
}

double
vec_dot(size_t n, const double *x, const double *y)
{
	double sum = 0.0;

	if (n > 0 && (x == NULL || y == NULL))
		return NAN;
	while (n > 0) {
		int c = chunk(n);
		sum += cblas_ddot(c, x, 1, y, 1);
		x += c;
		y += c;
		n -= (size_t)c;
	}
	return sum;
}

void
vec_axpy(size_t n, double a, const double *x, double *y)
{
	if (x == NULL || y == NULL)
		return;
	while (n > 0) {
		int c = chunk(n);
		cblas_daxpy(c, a, x, 1, y, 1);
		x += c;
		y += c;
		n -= (size_t)c;
	}
}

double
vec_nrm2(size_t n, const double *x)
{
	double norm = 0.0;

	if (n > 0 && x == NULL)
		return NAN;
	while (n > 0) {
		int c = chunk(n);
		norm = hypot(norm, cblas_dnrm2(c, x, 1));
		x += c;
		n -= (size_t)c;
	}
	return norm;
}

void
vec_scal(size_t n, double a, double *x)
{
	if (x == NULL)
		return;
	while (n > 0) {
		int c = chunk(n);
		cblas_dscal(c, a, x, 1);
		x += c;
		n -= (size_t)c;
	}
}

double
vec_amax(size_t n, const double *x)
{
	double m = 0.0;
	size_t i;

	if (n > 0 && x == NULL)
		return NAN;
	for (i = 0; i < n; i++) {
		double a = fabs(x[i]);
		if (isnan(a))
			return a;
		if (a > m)
			m = a;
	}
	return m;
}

int
vec_finite(size_t n, const double *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}
