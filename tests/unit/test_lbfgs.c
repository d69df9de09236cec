/*
 * test_lbfgs.c — L-BFGS minimizer and its Moré–Thuente line search.
 *
 * Convergence is checked against minimizers known in closed form
 * (Rosenbrock, a quadratic solved by Cholesky) or computed independently
 * here (L2-regularised logistic regression solved by Newton's method with
 * the Cholesky wrapper), at the tolerance the training engine relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg/lbfgs.h"
#include "linalg/mat.h"
#include "linalg/rng.h"

/* --- objective functions ------------------------------------------------ */

struct counter {
	int evals;
};

/* Chained Rosenbrock, sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 (scipy's
 * rosen); minimum 0 at all ones. */
static double
rosen(void *ctx, const double *x, double *g, size_t n)
{
	double f = 0.0;
	size_t i;

	if (ctx != NULL)
		((struct counter *)ctx)->evals++;
	memset(g, 0, n * sizeof *g);
	for (i = 0; i + 1 < n; i++) {
		double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
		f += 100.0 * a * a + b * b;
		g[i] += -400.0 * a * x[i] - 2.0 * b;
		g[i + 1] += 200.0 * a;
	}
	return f;
}

/* Extended Rosenbrock: independent pairs (x_{2i}, x_{2i+1}). */
static double
rosen_ext(void *ctx, const double *x, double *g, size_t n)
{
	double f = 0.0;
	size_t i;

	(void)ctx;
	for (i = 0; i + 1 < n; i += 2) {
		double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
		f += 100.0 * a * a + b * b;
		g[i] = -400.0 * a * x[i] - 2.0 * b;
		g[i + 1] = 200.0 * a;
	}
	return f;
}

/* f = 0.5 x'Ax - b'x with A (n x n) and b in ctx. */
struct quad {
	const struct mat *A;
	const double *b;
};

static double
quadratic(void *ctx, const double *x, double *g, size_t n)
{
	const struct quad *q = ctx;
	size_t i;

	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, q->A, x, n, 0.0, g, n), LINALG_OK);
	for (i = 0; i < n; i++)
		g[i] -= q->b[i];
	/* f = 0.5 x'(Ax - b) - 0.5 b'x */
	return 0.5 * vec_dot(n, x, g) - 0.5 * vec_dot(n, q->b, x);
}

/* L2-regularised logistic loss
 *   f(w) = s * sum_i log(1 + exp(-y_i x_i.w)) + (lambda/2) |w|^2
 * with labels y_i in {-1, +1}; the last column of X is the intercept's 1
 * and is regularised too so the minimizer is unique and Newton converges
 * cleanly.  s scales the data term (1 for sums, 1/N for means). */
struct logreg {
	const struct mat *X;
	const double *y;
	double lambda, scale;
	double *margin; /* N scratch */
};

static double
softplus(double t)
{
	return t > 0.0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static double
logistic(double t)
{
	if (t >= 0.0)
		return 1.0 / (1.0 + exp(-t));
	return exp(t) / (1.0 + exp(t));
}

static double
logreg_eval(void *ctx, const double *w, double *g, size_t d)
{
	struct logreg *lr = ctx;
	size_t N = lr->X->rows, i;
	double f = 0.0;

	assert_int_equal(mat_gemv(MAT_NOTRANS, 1.0, lr->X, w, d, 0.0, lr->margin, N),
	    LINALG_OK);
	for (i = 0; i < N; i++) {
		double m = lr->y[i] * lr->margin[i];
		f += softplus(-m);
		/* d/dm softplus(-m) = -sigma(-m); chain rule through y_i. */
		lr->margin[i] = -lr->scale * lr->y[i] * logistic(-m);
	}
	memcpy(g, w, d * sizeof *g);
	vec_scal(d, lr->lambda, g);
	assert_int_equal(mat_gemv(MAT_TRANS, 1.0, lr->X, lr->margin, N, 1.0, g, d),
	    LINALG_OK);
	return lr->scale * f + 0.5 * lr->lambda * vec_dot(d, w, w);
}

/* A fixed, non-separable data set: features from seeded normals, labels
 * from a logistic model with coefficients (1.5, -2, 0.5, 0.25, ...) so the
 * classes overlap. */
static void
logreg_data(struct mat *X, double *y, uint64_t seed)
{
	struct rng r;
	size_t i, j, d = X->cols;

	rng_init(&r, seed);
	for (i = 0; i < X->rows; i++) {
		double t = 0.3;
		for (j = 0; j + 1 < d; j++) {
			double v = rng_normal(&r) * (1.0 + (double)j);
			mat_set(X, i, j, v);
			t += v * (j == 0 ? 1.5 : j == 1 ? -2.0 : 0.5 / (double)j);
		}
		mat_set(X, i, d - 1, 1.0);
		y[i] = rng_uniform(&r) < logistic(t) ? 1.0 : -1.0;
	}
}

/* Newton's method: H = s X' diag(p(1-p)) X + lambda I, w -= H^-1 g, until
 * the step is at rounding level.  Independent of the L-BFGS code path. */
static void
logreg_newton(struct logreg *lr, double *w, size_t d)
{
	size_t N = lr->X->rows, i, j, k;
	struct mat *H = mat_new(d, d);
	double g[16], step[16];
	int it;

	assert_non_null(H);
	assert_true(d <= 16);
	memset(w, 0, d * sizeof *w);
	for (it = 0; it < 50; it++) {
		struct mat sv = mat_view(step, d, 1, 1);

		logreg_eval(lr, w, g, d);
		assert_int_equal(mat_fill(H, 0.0), LINALG_OK);
		for (i = 0; i < N; i++) {
			double m = 0.0, p, c;
			for (j = 0; j < d; j++)
				m += mat_get(lr->X, i, j) * w[j];
			p = logistic(m);
			c = lr->scale * p * (1.0 - p);
			for (j = 0; j < d; j++)
				for (k = 0; k < d; k++)
					mat_row(H, j)[k] += c * mat_get(lr->X, i, j) *
					    mat_get(lr->X, i, k);
		}
		for (j = 0; j < d; j++)
			mat_row(H, j)[j] += lr->lambda;
		memcpy(step, g, d * sizeof *g);
		assert_int_equal(mat_cholesky(H), LINALG_OK);
		assert_int_equal(mat_cholesky_solve(H, &sv), LINALG_OK);
		vec_axpy(d, -1.0, step, w);
		if (vec_amax(d, step) <= 1e-15 * (1.0 + vec_amax(d, w)))
			break;
	}
	assert_true(it < 50);
	mat_free(H);
}

/* --- convergence -------------------------------------------------------- */

static struct lbfgs_params
tight(void)
{
	struct lbfgs_params p = lbfgs_params_default();

	p.gtol = 1e-10;
	p.ftol = 0.0;
	return p;
}

static void
assert_all_ones(const double *x, size_t n, double tol)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_true(fabs(x[i] - 1.0) <= tol);
}

static void
test_rosenbrock_2d(void **state)
{
	double x[2] = { -1.2, 1.0 };
	struct lbfgs_params p = tight();
	struct lbfgs_result res;
	struct counter c = { 0 };

	(void)state;
	assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, &c, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	assert_true(lbfgs_converged(res.status));
	assert_true(res.gnorm <= 1e-10);
	assert_true(res.f < 1e-20);
	assert_all_ones(x, 2, 1e-8);
	assert_int_equal(res.evaluations, c.evals);
	assert_true(res.iterations > 10 && res.iterations < 100);
}

static void
test_rosenbrock_10d(void **state)
{
	double x[10];
	struct lbfgs_params p = tight();
	struct lbfgs_result res;
	size_t i;

	(void)state;
	/* Chained form from scipy's documented start (extended to 10-D). */
	static const double x0[10] = { 1.3, 0.7, 0.8, 1.9, 1.2, 1.3, 0.7, 0.8, 1.9, 1.2 };
	memcpy(x, x0, sizeof x);
	assert_int_equal(lbfgs_minimize(10, x, rosen, NULL, NULL, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	assert_all_ones(x, 10, 1e-8);

	/* Extended (paired) form from the classic (-1.2, 1) start. */
	for (i = 0; i < 10; i++)
		x[i] = i % 2 == 0 ? -1.2 : 1.0;
	assert_int_equal(lbfgs_minimize(10, x, rosen_ext, NULL, NULL, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	assert_all_ones(x, 10, 1e-8);
}

static void
test_quadratic(void **state)
{
	enum { N = 6 };
	struct mat *M = mat_new(N, N), *A = mat_new(N, N), *L;
	double b[N], x[N], xstar[N];
	struct quad q;
	struct lbfgs_params p = tight();
	struct lbfgs_result res;
	struct mat xs = mat_view(xstar, N, 1, 1);
	size_t i, j;

	(void)state;
	assert_non_null(M);
	assert_non_null(A);
	/* A = M'M + I, condition number in the hundreds. */
	for (i = 0; i < N; i++) {
		b[i] = (double)i - 2.5;
		for (j = 0; j < N; j++)
			mat_set(M, i, j, 1.0 / (double)(i + j + 1) + (i == j ? 2.0 * (double)i : 0.0));
	}
	assert_int_equal(mat_syrk(MAT_TRANS, 1.0, M, 0.0, A), LINALG_OK);
	for (i = 0; i < N; i++)
		mat_row(A, i)[i] += 1.0;
	L = mat_dup(A);
	assert_non_null(L);
	memcpy(xstar, b, sizeof b);
	assert_int_equal(mat_cholesky(L), LINALG_OK);
	assert_int_equal(mat_cholesky_solve(L, &xs), LINALG_OK);

	q.A = A;
	q.b = b;
	memset(x, 0, sizeof x);
	assert_int_equal(lbfgs_minimize(N, x, quadratic, NULL, &q, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	for (i = 0; i < N; i++)
		assert_true(fabs(x[i] - xstar[i]) <= 1e-10 * (1.0 + fabs(xstar[i])));
	/* With inexact (c2 = 0.9) line searches BFGS loses its n-step
	 * termination on quadratics, but a condition number of ~60 should
	 * still take a few dozen iterations at most (24 when written). */
	assert_true(res.iterations <= 40);
	mat_free(M);
	mat_free(A);
	mat_free(L);
}

static void
check_logreg(size_t N, size_t d, double lambda, double scale, uint64_t seed)
{
	struct mat *X = mat_new(N, d);
	double y[2000], margin[2000], w[16], wn[16], g[16];
	struct logreg lr;
	struct lbfgs_params p = tight();
	struct lbfgs_result res;
	size_t j;

	assert_non_null(X);
	assert_true(N <= 2000 && d <= 16);
	logreg_data(X, y, seed);
	lr.X = X;
	lr.y = y;
	lr.lambda = lambda;
	lr.scale = scale;
	lr.margin = margin;

	p.gtol = 1e-11;
	memset(w, 0, sizeof w);
	assert_int_equal(lbfgs_minimize(d, w, logreg_eval, NULL, &lr, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	logreg_eval(&lr, w, g, d);
	assert_true(vec_amax(d, g) <= 1e-10);

	logreg_newton(&lr, wn, d);
	logreg_eval(&lr, wn, g, d);
	assert_true(vec_amax(d, g) <= 1e-12);
	for (j = 0; j < d; j++)
		assert_true(fabs(w[j] - wn[j]) <= 1e-8 * fabs(wn[j]) + 1e-12);
	mat_free(X);
}

static void
test_logistic_vs_newton(void **state)
{
	(void)state;
	/* Sum form, like scikit-learn's C * sum(loss) + |w|^2 / 2 with C = 1. */
	check_logreg(60, 4, 1.0, 1.0, 11);
	/* Mean form over more rows and a weak penalty: a flatter problem whose
	 * f values run out of digits before the gradient reaches 1e-10. */
	check_logreg(2000, 7, 1e-3, 1.0 / 2000.0, 12);
}

/* --- line search -------------------------------------------------------- */

/* phi(a) = -a / (a^2 + beta), Moré & Thuente's first test function, as a
 * function of x in R^1 (minimum at sqrt(beta)). */
static double
mt_func1(void *ctx, const double *x, double *g, size_t n)
{
	double a = x[0], beta = 2.0, den = a * a + beta;

	(void)ctx;
	(void)n;
	g[0] = (a * a - beta) / (den * den);
	return -a / den;
}

/* phi(a) = (a + beta)^5 - 2 (a + beta)^4, beta = 0.004: the second test
 * function, whose minimizer 1.6 - beta sits after a nearly flat start. */
static double
mt_func2(void *ctx, const double *x, double *g, size_t n)
{
	double t = x[0] + 0.004;

	(void)ctx;
	(void)n;
	g[0] = 5.0 * pow(t, 4) - 8.0 * pow(t, 3);
	return pow(t, 5) - 2.0 * pow(t, 4);
}

/* (x - 1)^2 where x < 2, NaN beyond: a domain edge. */
static double
domain_func(void *ctx, const double *x, double *g, size_t n)
{
	(void)ctx;
	(void)n;
	if (x[0] >= 2.0) {
		g[0] = NAN;
		return NAN;
	}
	g[0] = 2.0 * (x[0] - 1.0);
	return (x[0] - 1.0) * (x[0] - 1.0);
}

static void
check_strong_wolfe(lbfgs_eval fn, size_t n, const double *x, const double *d,
    double stp0, double c1, double c2)
{
	double g[10], xt[10], gt[10], f, ft, gd, gtd, stp = stp0;
	struct lbfgs_params p = lbfgs_params_default();
	int nfev = 0;

	assert_true(n <= 10);
	p.c1 = c1;
	p.c2 = c2;
	f = fn(NULL, x, g, n);
	gd = vec_dot(n, g, d);
	assert_int_equal(lbfgs_linesearch(n, x, f, g, d, &stp, xt, &ft, gt, fn,
	    NULL, &p, &nfev), LBFGS_LS_OK);
	assert_true(stp > 0.0);
	assert_true(nfev >= 1 && nfev <= p.max_linesearch);
	/* The returned point is x + stp d with its own f and gradient... */
	{
		double gchk[10];
		size_t i;
		/* The line search forms xt with BLAS's daxpy: one rounding where
		 * the kernel fuses the multiply-add (FMA: Haswell, SkylakeX),
		 * two where it does not; this loop rounds twice (the build's
		 * -std=c11 keeps GCC from contracting it).  The two differ by at most half an ulp of stp d
		 * plus half an ulp of the sum each, so eps (|x| + 2 |stp d|)
		 * bounds it with room to spare. */
		for (i = 0; i < n; i++) {
			double want = x[i] + stp * d[i];
			double tol = DBL_EPSILON * (fabs(x[i]) + 2.0 * fabs(stp * d[i]));
			if (!(fabs(xt[i] - want) <= tol))
				fail_msg("xt[%zu] = %.17g, x + stp d = %.17g (tolerance %.3g)", i,
				    xt[i], want, tol);
		}
		/* f and its gradient at xt itself: the same function on the same
		 * point in the same process, so exactly the values returned. */
		assert_true(fn(NULL, xt, gchk, n) == ft);
		assert_memory_equal(gchk, gt, n * sizeof *gt);
	}
	/* ...and satisfies the strong Wolfe conditions exactly: both sides
	 * are the line search's own tests replayed with its own operands and
	 * in its order (mt_next: finit + stp * (c1 * ginit), and
	 * |g(xt).d| <= c2 * -ginit), gd and gtd being the same vec_dot calls
	 * on the same vectors, so the comparison is exact. */
	gtd = vec_dot(n, gt, d);
	assert_true(ft <= f + stp * (c1 * gd));
	assert_true(fabs(gtd) <= c2 * fabs(gd));
}

static void
test_linesearch_strong_wolfe(void **state)
{
	static const double starts[] = { 1e-3, 1e-1, 1.0, 10.0, 1e3 };
	double x0 = 0.0, d1 = 1.0;
	double xr[2] = { -1.2, 1.0 }, gr[2], dr[2];
	size_t i;

	(void)state;
	/* The starting steps of Moré & Thuente's Table 1, with their tight
	 * c2 = 0.1 so the curvature test actually bites. */
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		check_strong_wolfe(mt_func1, 1, &x0, &d1, starts[i], 1e-3, 0.1);
		check_strong_wolfe(mt_func2, 1, &x0, &d1, starts[i], 0.1, 0.1);
		check_strong_wolfe(domain_func, 1, &x0, &d1, starts[i], 1e-4, 0.9);
	}
	/* Rosenbrock along steepest descent, over-long and over-short steps. */
	rosen(NULL, xr, gr, 2);
	dr[0] = -gr[0];
	dr[1] = -gr[1];
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		check_strong_wolfe(rosen, 2, xr, dr, starts[i], 1e-4, 0.9);
		check_strong_wolfe(rosen, 2, xr, dr, starts[i], 1e-4, 0.1);
	}
}

/* Moré & Thuente (1994), Tables 1 and 2: evaluations and final step (to
 * the two digits printed there) for their functions 1 and 2 from four
 * starting steps.  Matching them checks the port of dcsrch/dcstep. */
static void
test_linesearch_more_thuente_tables(void **state)
{
	static const struct {
		lbfgs_eval fn;
		double c1, c2, stp0;
		int nfev;
		double stp;
	} rows[] = {
		{ mt_func1, 1e-3, 0.1, 1e-3, 6, 1.4 },
		{ mt_func1, 1e-3, 0.1, 1e-1, 3, 1.4 },
		{ mt_func1, 1e-3, 0.1, 1e1, 1, 10.0 },
		{ mt_func1, 1e-3, 0.1, 1e3, 4, 37.0 },
		{ mt_func2, 0.1, 0.1, 1e-3, 12, 1.6 },
		{ mt_func2, 0.1, 0.1, 1e-1, 8, 1.6 },
		{ mt_func2, 0.1, 0.1, 1e1, 8, 1.6 },
		{ mt_func2, 0.1, 0.1, 1e3, 11, 1.6 },
	};
	struct lbfgs_params p = lbfgs_params_default();
	double x = 0.0, d = 1.0, f, g, xt, ft, gt, stp;
	size_t i;
	int nfev;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		p.c1 = rows[i].c1;
		p.c2 = rows[i].c2;
		stp = rows[i].stp0;
		f = rows[i].fn(NULL, &x, &g, 1);
		assert_int_equal(lbfgs_linesearch(1, &x, f, &g, &d, &stp, &xt, &ft, &gt,
		    rows[i].fn, NULL, &p, &nfev), LBFGS_LS_OK);
		if (nfev != rows[i].nfev || fabs(stp - rows[i].stp) > 0.05 * rows[i].stp)
			fail_msg("row %zu: %d evaluations, step %g; paper: %d, %g",
			    i, nfev, stp, rows[i].nfev, rows[i].stp);
	}
}

/* x^2 - x for x <= 0 and NaN beyond: no usable step along +x. */
static double
nan_beyond_zero(void *ctx, const double *x, double *g, size_t n)
{
	(void)ctx;
	(void)n;
	if (x[0] > 0.0) {
		g[0] = NAN;
		return NAN;
	}
	g[0] = 2.0 * x[0] - 1.0;
	return x[0] * x[0] - x[0];
}

static void
test_linesearch_fallbacks(void **state)
{
	struct lbfgs_params p = lbfgs_params_default();
	double x = 0.0, d = 1.0, f, g, xt, ft, gt, stp;
	int nfev;

	(void)state;
	/* One evaluation allowed: the trial lowers f but misses the curvature
	 * test; it is handed back with a non-OK status. */
	p.c1 = 1e-3;
	p.c2 = 0.1;
	p.max_linesearch = 1;
	stp = 1e-3;
	f = mt_func1(NULL, &x, &g, 1);
	assert_int_equal(lbfgs_linesearch(1, &x, f, &g, &d, &stp, &xt, &ft, &gt,
	    mt_func1, NULL, &p, &nfev), LBFGS_LS_MAX_EVAL);
	/* Exact: the step is handed back as given, and xt = 0 + 1e-3 * 1
	 * involves no rounding in any kernel. */
	assert_true(stp == 1e-3 && xt == 1e-3 && ft < f);
	assert_int_equal(nfev, 1);

	/* Every trial point is outside the domain: start point returned. */
	p = lbfgs_params_default();
	stp = 1.0;
	f = nan_beyond_zero(NULL, &x, &g, 1);
	assert_int_equal(lbfgs_linesearch(1, &x, f, &g, &d, &stp, &xt, &ft, &gt,
	    nan_beyond_zero, NULL, &p, &nfev), LBFGS_LS_NONFINITE);
	/* Exact: the start point is copied back, not recomputed. */
	assert_true(stp == 0.0 && xt == x && ft == f && gt == g);
	assert_int_equal(nfev, p.max_linesearch);
}

static void
test_linesearch_not_descent(void **state)
{
	double x = 0.0, d = -1.0, g, xt = 9.0, gt = 9.0, ft = 9.0, f, stp = 1.0;
	struct lbfgs_params p = lbfgs_params_default();
	int nfev = -1;

	(void)state;
	f = mt_func1(NULL, &x, &g, 1);  /* g = -0.5, so d = -1 goes uphill */
	assert_int_equal(lbfgs_linesearch(1, &x, f, &g, &d, &stp, &xt, &ft, &gt,
	    mt_func1, NULL, &p, &nfev), LBFGS_LS_NOT_DESCENT);
	assert_true(stp == 0.0);
	assert_int_equal(nfev, 0);
	assert_true(xt == x && ft == f && gt == g);
}

/* --- callback, limits, errors ------------------------------------------- */

struct watch {
	int calls, last_iter, cancel_at;
	double last_f;
};

static double
rosen_watched(void *ctx, const double *x, double *g, size_t n)
{
	(void)ctx;
	return rosen(NULL, x, g, n);
}

static int
watch_progress(void *ctx, int iter, double f, double gnorm, const double *x)
{
	struct watch *w = ctx;
	double g[2];

	/* Iterations arrive in order, f never increases, gnorm is max|g|. */
	assert_int_equal(iter, w->calls);
	if (iter > 0)
		assert_true(f <= w->last_f);
	assert_true(rosen(NULL, x, g, 2) == f);
	assert_true(gnorm == fmax(fabs(g[0]), fabs(g[1])));
	w->calls++;
	w->last_iter = iter;
	w->last_f = f;
	return iter == w->cancel_at;
}

static void
test_cancel(void **state)
{
	double x[2] = { -1.2, 1.0 };
	struct watch w = { 0, -1, 3, 0.0 };
	struct lbfgs_result res;
	struct lbfgs_params p = tight();

	(void)state;
	assert_int_equal(lbfgs_minimize(2, x, rosen_watched, watch_progress, &w, &p, &res),
	    LINALG_OK);
	assert_int_equal(res.status, LBFGS_CANCELLED);
	assert_int_equal(res.iterations, 3);
	assert_int_equal(w.calls, 4);       /* iterations 0, 1, 2, 3 */
	assert_true(res.f == w.last_f);
	assert_false(lbfgs_converged(res.status));

	/* Cancelling at the start leaves x alone. */
	x[0] = -1.2;
	x[1] = 1.0;
	w.calls = 0;
	w.cancel_at = 0;
	assert_int_equal(lbfgs_minimize(2, x, rosen_watched, watch_progress, &w, &p, &res),
	    LINALG_OK);
	assert_int_equal(res.status, LBFGS_CANCELLED);
	assert_int_equal(res.iterations, 0);
	assert_int_equal(res.evaluations, 1);
	assert_true(x[0] == -1.2 && x[1] == 1.0);

	/* A callback that never cancels sees every iteration. */
	w.calls = 0;
	w.cancel_at = -1;
	assert_int_equal(lbfgs_minimize(2, x, rosen_watched, watch_progress, &w, &p, &res),
	    LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	assert_int_equal(w.calls, res.iterations + 1);
}

static void
test_limits(void **state)
{
	double x[2] = { -1.2, 1.0 };
	struct lbfgs_params p = tight();
	struct lbfgs_result res;

	(void)state;
	p.max_iter = 5;
	assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, NULL, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_MAX_ITER);
	assert_int_equal(res.iterations, 5);
	assert_true(res.f < 24.2);  /* f(-1.2, 1) = 24.2 */

	p.max_iter = 0;
	x[0] = -1.2;
	x[1] = 1.0;
	assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, NULL, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_MAX_ITER);
	assert_int_equal(res.iterations, 0);
	assert_true(fabs(res.f - 24.2) < 1e-12);

	/* A loose relative-reduction test stops early, by ftol. */
	p = lbfgs_params_default();
	p.gtol = 0.0;
	p.ftol = 1e-3;
	assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, NULL, &p, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_FTOL);
	assert_true(res.gnorm > 1e-6);

	/* Already at the minimum: zero iterations, one evaluation. */
	x[0] = x[1] = 1.0;
	assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, NULL, NULL, &res), LINALG_OK);
	assert_int_equal(res.status, LBFGS_CONVERGED_GTOL);
	assert_int_equal(res.iterations, 0);
	assert_int_equal(res.evaluations, 1);
}

/* Reports the gradient of -f: every "descent" direction goes uphill. */
static double
lying_gradient(void *ctx, const double *x, double *g, size_t n)
{
	double f = rosen(ctx, x, g, n);

	vec_scal(n, -1.0, g);
	return f;
}

static double
nan_at_start(void *ctx, const double *x, double *g, size_t n)
{
	(void)ctx;
	(void)x;
	memset(g, 0, n * sizeof *g);
	return NAN;
}

static void
test_failures(void **state)
{
	double x[2] = { -1.2, 1.0 };
	struct lbfgs_result res;

	(void)state;
	assert_int_equal(lbfgs_minimize(2, x, lying_gradient, NULL, NULL, NULL, &res),
	    LINALG_OK);
	assert_int_equal(res.status, LBFGS_LINESEARCH_FAILED);
	assert_int_equal(res.iterations, 0);
	assert_true(x[0] == -1.2 && x[1] == 1.0);  /* left at the best point */
	assert_true(res.f == 24.2 || fabs(res.f - 24.2) < 1e-12);

	assert_int_equal(lbfgs_minimize(2, x, nan_at_start, NULL, NULL, NULL, &res),
	    LINALG_ENONFINITE);
	assert_int_equal(res.status, LBFGS_NOT_RUN);
	assert_int_equal(lbfgs_minimize(2, NULL, rosen, NULL, NULL, NULL, &res), LINALG_EINVAL);
	assert_int_equal(lbfgs_minimize(0, x, rosen, NULL, NULL, NULL, &res), LINALG_EINVAL);
	assert_int_equal(lbfgs_minimize(2, x, NULL, NULL, NULL, NULL, NULL), LINALG_EINVAL);
}

static void
test_params_check(void **state)
{
	struct lbfgs_params p, bad[9];
	double x[2] = { 0.0, 0.0 };
	size_t i;

	(void)state;
	p = lbfgs_params_default();
	assert_null(lbfgs_params_check(&p));
	assert_int_equal(p.m, 10);
	assert_true(p.c1 == 1e-4 && p.c2 == 0.9);
	for (i = 0; i < 9; i++)
		bad[i] = p;
	bad[0].m = 0;
	bad[1].max_iter = -1;
	bad[2].gtol = -1.0;
	bad[3].ftol = NAN;
	bad[4].c1 = 0.0;
	bad[5].c2 = 1.0;
	bad[6].c2 = 1e-5;           /* below c1 */
	bad[7].max_linesearch = 0;
	bad[8].gtol = INFINITY;
	for (i = 0; i < 9; i++) {
		const char *msg = lbfgs_params_check(&bad[i]);
		assert_non_null(msg);
		assert_true(strncmp(msg, "lbfgs: ", 7) == 0);
		assert_int_equal(lbfgs_minimize(2, x, rosen, NULL, NULL, &bad[i], NULL),
		    LINALG_EINVAL);
	}
	assert_non_null(strstr(lbfgs_params_check(&bad[6]), "c2"));
	assert_non_null(lbfgs_params_check(NULL));
}

static void
test_status_strings(void **state)
{
	int s, t;

	(void)state;
	for (s = LBFGS_NOT_RUN; s <= LBFGS_CANCELLED; s++) {
		assert_true(strlen(lbfgs_status_string(s)) > 0);
		for (t = LBFGS_NOT_RUN; t < s; t++)
			assert_string_not_equal(lbfgs_status_string(s), lbfgs_status_string(t));
	}
	assert_string_equal(lbfgs_status_string(LBFGS_CANCELLED), "cancelled");
	assert_string_equal(lbfgs_status_string((enum lbfgs_status)99), "unknown lbfgs status");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rosenbrock_2d),
		cmocka_unit_test(test_rosenbrock_10d),
		cmocka_unit_test(test_quadratic),
		cmocka_unit_test(test_logistic_vs_newton),
		cmocka_unit_test(test_linesearch_strong_wolfe),
		cmocka_unit_test(test_linesearch_more_thuente_tables),
		cmocka_unit_test(test_linesearch_fallbacks),
		cmocka_unit_test(test_linesearch_not_descent),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_params_check),
		cmocka_unit_test(test_status_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
