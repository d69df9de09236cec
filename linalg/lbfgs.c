/*
 * lbfgs.c — L-BFGS (Nocedal 1980; Liu & Nocedal 1989) with the Moré–Thuente
 * line search (ACM TOMS 20(3), 1994; the MINPACK-2 routines dcsrch/dcstep,
 * which scipy's L-BFGS-B also uses).
 *
 * Memory: the m most recent pairs s_i = x_{i+1} - x_i, y_i = g_{i+1} - g_i
 * live in a ring buffer; a pair is stored only if y.s > eps y.y, which keeps
 * the implicit inverse Hessian positive definite.  The search direction is
 * the two-loop recursion with H0 = (y.s / y.y) I from the newest pair, so
 * the unit step is tried first; the very first iteration (and any restart)
 * goes along -g with a step of length 1 in x.
 *
 * The line search works on phi(a) = f(x + a d).  Moré–Thuente keeps an
 * interval [stx, sty] known to contain a step satisfying the strong Wolfe
 * conditions, with stx always the best step so far, and chooses trial steps
 * by safeguarded cubic/quadratic/secant interpolation (dcstep).  We add two
 * things to the published algorithm: a trial point with a non-finite f or
 * g.d is not shown to the interpolation at all — the step is pulled halfway
 * back toward stx and the upper bound lowered — and, when phi is flat to
 * within 1e-12 |phi(0)| (so its values are mostly rounding noise), the
 * Armijo test is replaced by Hager & Zhang's approximate Wolfe condition
 * phi(a) <= phi(0) + eps_f, keeping the exact strong curvature test.
 */
#include "lbfgs.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mat.h"

#define LS_XTOL   1e-16  /* relative width at which the interval is noise */
#define LS_STPMIN 1e-20
#define LS_STPMAX 1e20
#define LS_FLAT   1e-12  /* relative f change below which f is "flat" */

struct lbfgs_params
lbfgs_params_default(void)
{
	struct lbfgs_params p = {
		.m = 10,
		.max_iter = 1000,
		.gtol = 1e-8,
		.ftol = 64 * DBL_EPSILON,
		.c1 = 1e-4,
		.c2 = 0.9,
		.max_linesearch = 40,
	};

	return p;
}

const char *
lbfgs_params_check(const struct lbfgs_params *p)
{
	if (p == NULL)
		return "lbfgs: no parameters";
	if (p->m < 1)
		return "lbfgs: m must be at least 1";
	if (p->max_iter < 0)
		return "lbfgs: max_iter must not be negative";
	if (!(p->gtol >= 0.0) || isinf(p->gtol))
		return "lbfgs: gtol must be finite and not negative";
	if (!(p->ftol >= 0.0) || isinf(p->ftol))
		return "lbfgs: ftol must be finite and not negative";
	if (!(p->c1 > 0.0 && p->c1 < 1.0))
		return "lbfgs: c1 must satisfy 0 < c1 < 1";
	if (!(p->c2 > p->c1 && p->c2 < 1.0))
		return "lbfgs: c2 must satisfy c1 < c2 < 1";
	if (p->max_linesearch < 1)
		return "lbfgs: max_linesearch must be at least 1";
	return NULL;
}

const char *
lbfgs_status_string(enum lbfgs_status status)
{
	switch (status) {
	case LBFGS_NOT_RUN:           return "not run";
	case LBFGS_CONVERGED_GTOL:    return "converged: max|g| <= gtol";
	case LBFGS_CONVERGED_FTOL:    return "converged: relative reduction of f <= ftol";
	case LBFGS_MAX_ITER:          return "stopped: iteration limit reached";
	case LBFGS_LINESEARCH_FAILED: return "stopped: line search found no acceptable step";
	case LBFGS_CANCELLED:         return "cancelled";
	}
	return "unknown lbfgs status";
}

int
lbfgs_converged(enum lbfgs_status status)
{
	return status == LBFGS_CONVERGED_GTOL || status == LBFGS_CONVERGED_FTOL;
}

/* --- Moré–Thuente ------------------------------------------------------- */

/* State of dcsrch between evaluations; names follow MINPACK-2. */
struct mt {
	double ftol, gtol, xtol, stpmin, stpmax, fflat;
	int brackt, stage;
	double finit, ginit, gtest, width, width1;
	double stx, fx, gx, sty, fy, gy, stmin, stmax;
};

enum mt_task {
	MT_FG,            /* evaluate at the new stp */
	MT_CONVERGED,
	MT_WARN_ROUNDING,
	MT_WARN_XTOL,
	MT_WARN_STPMAX,
	MT_WARN_STPMIN,
};

static double
max3(double a, double b, double c)
{
	double m = a > b ? a : b;

	return m > c ? m : c;
}

/*
 * dcstep: one safeguarded step.  [stx, sty] brackets (or, while !*brackt,
 * is being extended toward) a minimizer; stx is the best step, stp the
 * newest with value fp and derivative dp.  Updates the interval and sets
 * *stp to the next trial step within [stpmin, stpmax].  The square roots are
 * clamped at 0: in exact arithmetic their arguments are positive in the
 * first, second and fourth cases, but rounding can push them below.
 */
static void
mt_dcstep(double *stx, double *fx, double *dx, double *sty, double *fy,
    double *dy, double *stp, double fp, double dp, int *brackt,
    double stpmin, double stpmax)
{
	double sgnd = dp * (*dx / fabs(*dx));
	double theta, s, gamma, p, q, r, stpc, stpq, stpf;

	if (fp > *fx) {
		/* Higher value: the minimum is bracketed.  Take the cubic step if
		 * closer to stx, else the average of cubic and quadratic. */
		theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
		s = max3(fabs(theta), fabs(*dx), fabs(dp));
		gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
		if (*stp < *stx)
			gamma = -gamma;
		p = (gamma - *dx) + theta;
		q = ((gamma - *dx) + gamma) + dp;
		r = p / q;
		stpc = *stx + r * (*stp - *stx);
		stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2.0) * (*stp - *stx);
		if (fabs(stpc - *stx) < fabs(stpq - *stx))
			stpf = stpc;
		else
			stpf = stpc + (stpq - stpc) / 2.0;
		*brackt = 1;
	} else if (sgnd < 0.0) {
		/* Lower value, derivatives of opposite sign: bracketed.  Take the
		 * step farther from stp, cubic or secant. */
		theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
		s = max3(fabs(theta), fabs(*dx), fabs(dp));
		gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
		if (*stp > *stx)
			gamma = -gamma;
		p = (gamma - dp) + theta;
		q = ((gamma - dp) + gamma) + *dx;
		r = p / q;
		stpc = *stp + r * (*stx - *stp);
		stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
		if (fabs(stpc - *stp) > fabs(stpq - *stp))
			stpf = stpc;
		else
			stpf = stpq;
		*brackt = 1;
	} else if (fabs(dp) < fabs(*dx)) {
		/* Lower value, same sign, derivative shrinking.  The cubic may
		 * not have a minimizer beyond stp (gamma == 0); then go to the
		 * bound. */
		theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
		s = max3(fabs(theta), fabs(*dx), fabs(dp));
		gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
		if (*stp > *stx)
			gamma = -gamma;
		p = (gamma - dp) + theta;
		q = (gamma + (*dx - dp)) + gamma;
		r = p / q;
		if (r < 0.0 && gamma != 0.0)
			stpc = *stp + r * (*stx - *stp);
		else if (*stp > *stx)
			stpc = stpmax;
		else
			stpc = stpmin;
		stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
		if (*brackt) {
			/* Closer of cubic and secant, but no more than 66% of the way
			 * to sty. */
			stpf = fabs(stpc - *stp) < fabs(stpq - *stp) ? stpc : stpq;
			if (*stp > *stx)
				stpf = fmin(*stp + 0.66 * (*sty - *stp), stpf);
			else
				stpf = fmax(*stp + 0.66 * (*sty - *stp), stpf);
		} else {
			/* Farther of the two, to extrapolate boldly. */
			stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
			stpf = fmin(stpmax, stpf);
			stpf = fmax(stpmin, stpf);
		}
	} else {
		/* Lower value, same sign, derivative not shrinking: cubic step
		 * toward sty if bracketed, else to the bound. */
		if (*brackt) {
			theta = 3.0 * (fp - *fy) / (*sty - *stp) + *dy + dp;
			s = max3(fabs(theta), fabs(*dy), fabs(dp));
			gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dy / s) * (dp / s)));
			if (*stp > *sty)
				gamma = -gamma;
			p = (gamma - dp) + theta;
			q = ((gamma - dp) + gamma) + *dy;
			r = p / q;
			stpc = *stp + r * (*sty - *stp);
			stpf = stpc;
		} else if (*stp > *stx) {
			stpf = stpmax;
		} else {
			stpf = stpmin;
		}
	}

	if (fp > *fx) {
		*sty = *stp;
		*fy = fp;
		*dy = dp;
	} else {
		if (sgnd < 0.0) {
			*sty = *stx;
			*fy = *fx;
			*dy = *dx;
		}
		*stx = *stp;
		*fx = fp;
		*dx = dp;
	}
	*stp = stpf;
}

/* dcsrch, task "START": f and g are phi(0) and phi'(0) < 0. */
static void
mt_start(struct mt *t, double f, double g, double stp, double c1, double c2)
{
	t->ftol = c1;
	t->gtol = c2;
	t->xtol = LS_XTOL;
	t->stpmin = LS_STPMIN;
	t->stpmax = LS_STPMAX;
	t->fflat = LS_FLAT * fabs(f);
	t->brackt = 0;
	t->stage = 1;
	t->finit = f;
	t->ginit = g;
	t->gtest = c1 * g;
	t->width = t->stpmax - t->stpmin;
	t->width1 = t->width / 0.5;
	t->stx = 0.0;
	t->fx = f;
	t->gx = g;
	t->sty = 0.0;
	t->fy = f;
	t->gy = g;
	t->stmin = 0.0;
	t->stmax = stp + 4.0 * stp;
}

/* dcsrch with task "FG": f and g are phi and phi' at *stp.  Returns
 * MT_FG with the next trial in *stp, or a final task with *stp unchanged. */
static enum mt_task
mt_next(struct mt *t, double *stp, double f, double g)
{
	double ftest = t->finit + *stp * t->gtest;
	enum mt_task task = MT_FG;

	if (t->stage == 1 && f <= ftest && g >= 0.0)
		t->stage = 2;
	if (t->brackt && (*stp <= t->stmin || *stp >= t->stmax))
		task = MT_WARN_ROUNDING;
	if (t->brackt && t->stmax - t->stmin <= t->xtol * t->stmax)
		task = MT_WARN_XTOL;
	if (*stp == t->stpmax && f <= ftest && g <= t->gtest)
		task = MT_WARN_STPMAX;
	if (*stp == t->stpmin && (f > ftest || g >= t->gtest))
		task = MT_WARN_STPMIN;
	/* Strong Wolfe; or, where f is flat to rounding, approximate Wolfe. */
	if (fabs(g) <= t->gtol * -t->ginit &&
	    (f <= ftest || fabs(f - t->finit) <= t->fflat))
		task = MT_CONVERGED;
	if (task != MT_FG)
		return task;

	if (t->stage == 1 && f <= t->fx && f > ftest) {
		/* Until a step with sufficient decrease and nonnegative slope is
		 * found, interpolate the modified function psi(a) = phi(a) - a gtest,
		 * whose minimizers satisfy the Wolfe conditions. */
		double fm = f - *stp * t->gtest;
		double fxm = t->fx - t->stx * t->gtest;
		double fym = t->fy - t->sty * t->gtest;
		double gm = g - t->gtest;
		double gxm = t->gx - t->gtest;
		double gym = t->gy - t->gtest;

		mt_dcstep(&t->stx, &fxm, &gxm, &t->sty, &fym, &gym, stp, fm, gm,
		    &t->brackt, t->stmin, t->stmax);
		t->fx = fxm + t->stx * t->gtest;
		t->fy = fym + t->sty * t->gtest;
		t->gx = gxm + t->gtest;
		t->gy = gym + t->gtest;
	} else {
		mt_dcstep(&t->stx, &t->fx, &t->gx, &t->sty, &t->fy, &t->gy, stp, f, g,
		    &t->brackt, t->stmin, t->stmax);
	}

	/* Bisect if the interval has not shrunk enough in two steps. */
	if (t->brackt) {
		if (fabs(t->sty - t->stx) >= 0.66 * t->width1)
			*stp = t->stx + 0.5 * (t->sty - t->stx);
		t->width1 = t->width;
		t->width = fabs(t->sty - t->stx);
	}
	if (t->brackt) {
		t->stmin = fmin(t->stx, t->sty);
		t->stmax = fmax(t->stx, t->sty);
	} else {
		t->stmin = *stp + 1.1 * (*stp - t->stx);
		t->stmax = *stp + 4.0 * (*stp - t->stx);
	}
	*stp = fmax(*stp, t->stpmin);
	*stp = fmin(*stp, t->stpmax);
	/* No further progress possible: fall back to the best step. */
	if ((t->brackt && (*stp <= t->stmin || *stp >= t->stmax)) ||
	    (t->brackt && t->stmax - t->stmin <= t->xtol * t->stmax))
		*stp = t->stx;
	return MT_FG;
}

/* xt = x + stp d; returns f(xt) and sets *dg = g(xt).d. */
static double
ls_eval(size_t n, const double *x, const double *d, double stp, double *xt,
    double *gt, double *dg, lbfgs_eval eval, void *ctx, int *nfev)
{
	double f;

	memcpy(xt, x, n * sizeof *xt);
	vec_axpy(n, stp, d, xt);
	f = eval(ctx, xt, gt, n);
	(*nfev)++;
	*dg = vec_dot(n, gt, d);
	return f;
}

enum lbfgs_ls_status
lbfgs_linesearch(size_t n, const double *x, double fx, const double *g,
    const double *d, double *stp, double *xt, double *ft, double *gt,
    lbfgs_eval eval, void *ctx, const struct lbfgs_params *p, int *nfev)
{
	enum lbfgs_ls_status status = LBFGS_LS_MAX_EVAL;
	struct mt t;
	double dginit, dg, f, cur = 0.0, best = 0.0, fbest = fx;
	int finite_seen = 0, evals = 0;

	dginit = vec_dot(n, g, d);
	if (!(dginit < 0.0) || !(*stp > 0.0)) {
		status = LBFGS_LS_NOT_DESCENT;
		goto restore;
	}
	*stp = fmin(fmax(*stp, LS_STPMIN), LS_STPMAX);
	mt_start(&t, fx, dginit, *stp, p->c1, p->c2);

	while (evals < p->max_linesearch) {
		enum mt_task task;

		cur = *stp;
		f = ls_eval(n, x, d, cur, xt, gt, &dg, eval, ctx, &evals);
		if (!isfinite(f) || !isfinite(dg)) {
			/* Outside f's domain (overflow, log of 0): step back toward
			 * the best point and never extrapolate this far again. */
			if (cur > t.stx)
				t.stpmax = fmax(t.stx + 0.75 * (cur - t.stx), LS_STPMIN);
			*stp = fmax(t.stx + 0.5 * (cur - t.stx), LS_STPMIN);
			cur = -1.0;  /* xt holds no usable point */
			continue;
		}
		finite_seen = 1;
		if (f < fbest) {
			fbest = f;
			best = cur;
		}
		task = mt_next(&t, stp, f, dg);
		if (task == MT_FG)
			continue;
		*ft = f;
		switch (task) {
		case MT_CONVERGED:
			*nfev = evals;
			return LBFGS_LS_OK;
		case MT_WARN_ROUNDING:
		case MT_WARN_XTOL:
			status = LBFGS_LS_ROUNDING;
			break;
		case MT_WARN_STPMAX:
			status = LBFGS_LS_STPMAX;
			break;
		default:
			status = LBFGS_LS_STPMIN;
			break;
		}
		break;
	}
	if (status == LBFGS_LS_MAX_EVAL && !finite_seen)
		status = LBFGS_LS_NONFINITE;

	/* No Wolfe point: hand back the lowest point seen, if it beat fx. */
	if (best > 0.0) {
		if (cur != best)
			f = ls_eval(n, x, d, best, xt, gt, &dg, eval, ctx, &evals);
		else
			f = fbest;
		if (isfinite(f) && f < fx) {
			*stp = best;
			*ft = f;
			*nfev = evals;
			return status;
		}
	}
restore:
	memcpy(xt, x, n * sizeof *xt);
	memcpy(gt, g, n * sizeof *gt);
	*ft = fx;
	*stp = 0.0;
	*nfev = evals;
	return status;
}

/* --- L-BFGS ------------------------------------------------------------- */

/* Scratch for one run, carved from a single allocation. */
struct lbfgs_work {
	double *s, *y;      /* m pairs, n each, ring buffer */
	double *rho, *alpha;
	double *g, *d, *xt, *gt;
	int npairs, newest;
};

/* d = -H g by the two-loop recursion over the stored pairs. */
static void
lbfgs_direction(struct lbfgs_work *w, size_t n, int m)
{
	int i, k;
	size_t j;
	double gamma, beta;

	for (j = 0; j < n; j++)
		w->d[j] = -w->g[j];
	if (w->npairs == 0)
		return;
	for (k = 0, i = w->newest; k < w->npairs; k++, i = (i + m - 1) % m) {
		w->alpha[i] = w->rho[i] * vec_dot(n, w->s + (size_t)i * n, w->d);
		vec_axpy(n, -w->alpha[i], w->y + (size_t)i * n, w->d);
	}
	i = w->newest;
	gamma = 1.0 / (w->rho[i] * vec_dot(n, w->y + (size_t)i * n, w->y + (size_t)i * n));
	vec_scal(n, gamma, w->d);
	i = (w->newest + m - w->npairs + 1) % m;
	for (k = 0; k < w->npairs; k++, i = (i + 1) % m) {
		beta = w->rho[i] * vec_dot(n, w->y + (size_t)i * n, w->d);
		vec_axpy(n, w->alpha[i] - beta, w->s + (size_t)i * n, w->d);
	}
}

int
lbfgs_minimize(size_t n, double *x, lbfgs_eval eval, lbfgs_progress progress,
    void *ctx, const struct lbfgs_params *params, struct lbfgs_result *res)
{
	struct lbfgs_params p = params != NULL ? *params : lbfgs_params_default();
	struct lbfgs_result r = { LBFGS_NOT_RUN, 0, 0, NAN, NAN };
	struct lbfgs_work w;
	double *block = NULL;
	double f, fold, ft, stp, ys, yy;
	size_t m, i, slot;
	int rc = LINALG_OK, nfev;

	if (res != NULL)
		*res = r;
	if (x == NULL || eval == NULL || n == 0 || lbfgs_params_check(&p) != NULL)
		return LINALG_EINVAL;
	m = (size_t)p.m;
	if (n > (SIZE_MAX / sizeof(double) - 2 * m) / (2 * m + 4))
		return LINALG_ENOMEM;
	block = malloc(((2 * m + 4) * n + 2 * m) * sizeof(double));
	if (block == NULL)
		return LINALG_ENOMEM;
	w.s = block;
	w.y = w.s + m * n;
	w.g = w.y + m * n;
	w.d = w.g + n;
	w.xt = w.d + n;
	w.gt = w.xt + n;
	w.rho = w.gt + n;
	w.alpha = w.rho + m;
	w.npairs = 0;
	w.newest = p.m - 1;

	f = eval(ctx, x, w.g, n);
	r.evaluations = 1;
	if (!isfinite(f) || !vec_finite(n, w.g)) {
		rc = LINALG_ENONFINITE;
		goto out;
	}
	r.f = f;
	r.gnorm = vec_amax(n, w.g);
	if (progress != NULL && progress(ctx, 0, f, r.gnorm, x) != 0) {
		r.status = LBFGS_CANCELLED;
		goto out;
	}
	if (r.gnorm <= p.gtol) {
		r.status = LBFGS_CONVERGED_GTOL;
		goto out;
	}
	if (p.max_iter == 0) {
		r.status = LBFGS_MAX_ITER;
		goto out;
	}

	lbfgs_direction(&w, n, p.m);
	stp = 1.0 / vec_nrm2(n, w.g);
	for (;;) {
		/* A step that lowers f but misses the Wolfe conditions is still
		 * taken; the curvature test below keeps it out of the memory. */
		(void)lbfgs_linesearch(n, x, f, w.g, w.d, &stp, w.xt, &ft, w.gt,
		    eval, ctx, &p, &nfev);
		r.evaluations += nfev;
		slot = (size_t)((w.newest + 1) % p.m);
		if (stp == 0.0) {
			/* No lower point along d.  A stale memory can produce a
			 * poor direction: forget it and try steepest descent once. */
			if (w.npairs == 0) {
				r.status = LBFGS_LINESEARCH_FAILED;
				goto out;
			}
			w.npairs = 0;
			lbfgs_direction(&w, n, p.m);
			stp = 1.0 / vec_nrm2(n, w.g);
			continue;
		}

		/* Accept xt; the pair (s, y) is stored only if its curvature is
		 * positive, otherwise the oldest pair must survive untouched. */
		ys = yy = 0.0;
		for (i = 0; i < n; i++) {
			double si = w.xt[i] - x[i], yi = w.gt[i] - w.g[i];
			ys += si * yi;
			yy += yi * yi;
		}
		if (ys > DBL_EPSILON * yy && yy > 0.0) {
			double *s = w.s + slot * n, *y = w.y + slot * n;

			for (i = 0; i < n; i++) {
				s[i] = w.xt[i] - x[i];
				y[i] = w.gt[i] - w.g[i];
			}
			w.rho[slot] = 1.0 / ys;
			w.newest = (int)slot;
			if (w.npairs < p.m)
				w.npairs++;
		}
		memcpy(x, w.xt, n * sizeof *x);
		memcpy(w.g, w.gt, n * sizeof *w.g);
		fold = f;
		f = ft;
		r.iterations++;
		r.f = f;
		r.gnorm = vec_amax(n, w.g);

		if (progress != NULL &&
		    progress(ctx, r.iterations, f, r.gnorm, x) != 0) {
			r.status = LBFGS_CANCELLED;
			goto out;
		}
		if (r.gnorm <= p.gtol) {
			r.status = LBFGS_CONVERGED_GTOL;
			goto out;
		}
		if (p.ftol > 0.0 &&
		    fold - f <= p.ftol * max3(fabs(fold), fabs(f), 1.0)) {
			r.status = LBFGS_CONVERGED_FTOL;
			goto out;
		}
		if (r.iterations >= p.max_iter) {
			r.status = LBFGS_MAX_ITER;
			goto out;
		}

		lbfgs_direction(&w, n, p.m);
		stp = 1.0;
		if (w.npairs == 0)
			stp = 1.0 / vec_nrm2(n, w.g);
		else if (!(vec_dot(n, w.d, w.g) < 0.0)) {
			/* Rounding made -Hg useless; restart from steepest descent. */
			w.npairs = 0;
			lbfgs_direction(&w, n, p.m);
			stp = 1.0 / vec_nrm2(n, w.g);
		}
	}

out:
	free(block);
	if (res != NULL)
		*res = r;
	return rc;
}
