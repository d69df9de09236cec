/*
 * lbfgs.h — limited-memory BFGS minimization of a smooth function of n
 * doubles, with a Moré–Thuente line search that enforces the strong Wolfe
 * conditions.
 *
 * The caller supplies f and its gradient in one callback (they usually
 * share work: the margins X w of a linear model) and a starting point,
 * which is overwritten by the minimizer.  The minimizer allocates O(m n)
 * doubles of scratch for the call and frees it before returning; it keeps
 * no state between calls and never calls exit/abort.
 *
 * Stopping rules, in the order they are tested after each iteration:
 *   progress callback returns nonzero  -> LBFGS_CANCELLED
 *   max_i |g_i| <= gtol                -> LBFGS_CONVERGED_GTOL   (scipy pgtol)
 *   (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol
 *                                      -> LBFGS_CONVERGED_FTOL   (scipy factr*eps)
 *   iterations == max_iter             -> LBFGS_MAX_ITER
 * ftol == 0 disables the relative-reduction test, which is what a caller
 * who needs a tightly converged solution wants: near the optimum f stops
 * changing in double precision long before the gradient does.  To keep
 * making progress there the line search accepts, when f(x + a d) is within
 * 1e-12 |f(x)| of f(x), the approximate Wolfe conditions of Hager & Zhang
 * (2005): the strong curvature condition plus f not increasing by more than
 * that tolerance.  This lets L-BFGS drive max|g| to ~1e-10 and below on
 * well-conditioned problems, where a plain Armijo test stalls on rounding.
 *
 * If the line search cannot find an acceptable step along the L-BFGS
 * direction, the memory is dropped and steepest descent is tried once (as
 * L-BFGS-B does); if that fails too the run ends with
 * LBFGS_LINESEARCH_FAILED and x is the best point found.
 */
#ifndef LATHE_LBFGS_H
#define LATHE_LBFGS_H

#include <stddef.h>

#include "linalg.h"

/* Returns f(x) and fills grad[0..n-1] with its gradient.  x and grad never
 * alias.  A non-finite return (or gradient) at a trial point makes the line
 * search step back; at the starting point it is an error. */
typedef double (*lbfgs_eval)(void *ctx, const double *x, double *grad, size_t n);

/* Called once with iter == 0 at the starting point and once after every
 * iteration; gnorm is max|g_i|.  x is borrowed for the call.  Return
 * nonzero to stop the run (LBFGS_CANCELLED). */
typedef int (*lbfgs_progress)(void *ctx, int iter, double f, double gnorm,
    const double *x);

struct lbfgs_params {
	int m;              /* correction pairs kept; 3..20 is typical (10) */
	int max_iter;       /* iterations (line searches), >= 0 (1000) */
	double gtol;        /* stop when max|g_i| <= gtol (1e-8) */
	double ftol;        /* relative reduction test; 0 disables (64 eps) */
	double c1;          /* sufficient decrease, 0 < c1 < c2 (1e-4) */
	double c2;          /* curvature, c1 < c2 < 1 (0.9) */
	int max_linesearch; /* evaluations per line search, >= 1 (40) */
};

enum lbfgs_status {
	LBFGS_NOT_RUN = 0,         /* a zeroed result; never set by a run */
	LBFGS_CONVERGED_GTOL,
	LBFGS_CONVERGED_FTOL,
	LBFGS_MAX_ITER,
	LBFGS_LINESEARCH_FAILED,
	LBFGS_CANCELLED,
};

struct lbfgs_result {
	enum lbfgs_status status;
	int iterations;     /* completed iterations */
	int evaluations;    /* calls to the eval callback */
	double f;           /* f at the returned x */
	double gnorm;       /* max|g_i| at the returned x */
};

/* The defaults listed beside each field above. */
struct lbfgs_params lbfgs_params_default(void);

/* NULL if p is usable, else a static lowercase message naming the bad
 * field and the rule it breaks, e.g. "lbfgs: c2 must satisfy c1 < c2 < 1"
 * (LIBLINEAR's check_parameter).  NaN fields are rejected. */
const char *lbfgs_params_check(const struct lbfgs_params *p);

/* Lowercase description of a status, e.g. "converged: max|g| <= gtol". */
const char *lbfgs_status_string(enum lbfgs_status status);

/* 1 if the status is one of the two convergence tests. */
int lbfgs_converged(enum lbfgs_status status);

/* Minimizes eval from x[0..n-1] (overwritten by the result).  params NULL
 * means the defaults; progress may be NULL; ctx is passed to both
 * callbacks; res may be NULL.
 * Returns LINALG_OK when the run took place — res->status says why it
 * stopped and x is the best point found — or an error without running:
 * LINALG_EINVAL (NULL x/eval, n == 0, bad params), LINALG_ENOMEM, or
 * LINALG_ENONFINITE (f or the gradient is not finite at the start). */
int lbfgs_minimize(size_t n, double *x, lbfgs_eval eval,
    lbfgs_progress progress, void *ctx, const struct lbfgs_params *params,
    struct lbfgs_result *res);

/* --- the line search, exposed for tests and other descent methods ------ */

enum lbfgs_ls_status {
	LBFGS_LS_OK = 0,      /* step satisfies the (approximate) strong Wolfe */
	LBFGS_LS_NOT_DESCENT, /* g.d >= 0 at the start, or *stp <= 0 */
	LBFGS_LS_MAX_EVAL,    /* max_linesearch evaluations used */
	LBFGS_LS_ROUNDING,    /* interval of uncertainty below rounding level */
	LBFGS_LS_STPMAX,      /* step reached the maximum, f still decreasing */
	LBFGS_LS_STPMIN,      /* step reached the minimum */
	LBFGS_LS_NONFINITE,   /* f was not finite at every trial point */
};

/* Searches along d from x (where f = fx and gradient g) for a step a with
 *   f(x + a d) <= fx + c1 a g.d            (sufficient decrease)
 *   |g(x + a d).d| <= c2 |g.d|             (strong curvature)
 * starting from the trial step *stp > 0.  xt and gt (n doubles each, not
 * aliasing the inputs) receive the accepted point and its gradient, *ft its
 * value, *stp the step, *nfev the number of evaluations (at most
 * max_linesearch, plus one to return to the best point after a failure).
 * Returns LBFGS_LS_OK on success.  Otherwise, if some trial point lowered
 * f, that best point is returned in xt/ft/gt/stp anyway (a usable step
 * that misses the Wolfe conditions); if none did, *stp is 0 and xt, *ft,
 * gt hold the starting point.  p supplies c1, c2 and max_linesearch. */
enum lbfgs_ls_status lbfgs_linesearch(size_t n, const double *x, double fx,
    const double *g, const double *d, double *stp, double *xt, double *ft,
    double *gt, lbfgs_eval eval, void *ctx, const struct lbfgs_params *p,
    int *nfev);

#endif
