/*
 * ridge.c — L2-penalised least squares, the `ridge` plugin.
 *
 * Minimises ||y - X w - b||^2 + alpha ||w||^2 with the intercept b not
 * penalised, as scikit-learn's Ridge does: with fit_intercept the columns
 * of X and y are centred, w is solved on the centred data, and
 * b = mean(y) - mean(X) . w.
 *
 * Solvers:
 *   cholesky  (Xc^T Xc + alpha I) w = Xc^T yc, Cholesky-factored (d x d).
 *             If the matrix is not positive definite (alpha = 0 and
 *             collinear features) the svd solver is used instead, as
 *             scikit-learn falls back on a LinAlgError.
 *   svd       Xc = U S V^T, w = V diag(s / (s^2 + alpha)) U^T yc, singular
 *             values at or below 1e-15 dropped (scikit-learn's _solve_svd).
 *
 * scikit-learn switches to the dual (kernel) form when d > n; the primal
 * form used here gives the same solution for alpha > 0.
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
 *   u64 d, u32 fit_intercept, u32 solver used (0 cholesky, 1 svd),
 *   f64 alpha, f64 intercept, f64 coef[d].
 */
#include "lathe_plugin.h"

#include <math.h>
#include <stdlib.h>

#include "kit/lsq.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/mat.h"

#define RIDGE_FORMAT 1u
static const char RIDGE_MAGIC[4] = { 'L', 'T', 'R', 'G' };

enum { P_ALPHA, P_FIT_INTERCEPT, P_SOLVER, P_COUNT };
enum { SOLVER_CHOLESKY, SOLVER_SVD };

static const char *const solver_choices[] = { "cholesky", "svd", NULL };

static const struct lathe_param_spec ridge_params[P_COUNT] = {
	[P_ALPHA] = {
		.name = "alpha", .type = LATHE_PARAM_REAL,
		.help = "L2 penalty strength on the coefficients (not the intercept)",
		.def = 1.0, .min = 0.0, .has_min = 1, .log_scale = 1,
	},
	[P_FIT_INTERCEPT] = {
		.name = "fit_intercept", .type = LATHE_PARAM_BOOL,
		.help = "fit an unpenalised intercept (centre X and y first)",
		.def = 1,
	},
	[P_SOLVER] = {
		.name = "solver", .type = LATHE_PARAM_CHOICE,
		.help = "cholesky: regularised normal equations; svd: via the SVD of X",
		.choices = solver_choices, .def_choice = "cholesky",
	},
};

struct lathe_model {
	double alpha;
	int solver;
	struct lsq_fit fit;
};

static void
ridge_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->fit.coef);
	free(m);
}

static int
ridge_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("ridge", LATHE_TASK_REGRESSION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(ridge_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
	m->alpha = params->num[P_ALPHA];
	m->fit.fit_intercept = params->num[P_FIT_INTERCEPT] != 0.0;
	m->solver = plugkit_choice(&ridge_params[P_SOLVER], params->str[P_SOLVER]);
	*out = m;
	return LATHE_OK;
}

/* w = V diag(s / (s^2 + alpha)) U^T y, singular values at or below 1e-15
 * dropped; ctx points to alpha. */
static double
ridge_filter(double u, double s, double s0, const void *ctx)
{
	double alpha = *(const double *)ctx;

	(void)s0;
	return s > 1e-15 ? u * (s / (s * s + alpha)) : 0.0;
}

static int
ridge_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct lsq_work wk;
	int rc, lrc, used = m != NULL ? m->solver : 0;

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no model");
	if ((rc = lsq_work_begin("ridge", data, m->fit.fit_intercept, host, &wk,
	    err)) != LATHE_OK)
		goto out;

	if (used == SOLVER_CHOLESKY) {
		lrc = lsq_normal_solve(&wk, m->alpha);
		if (lrc == LINALG_ENOTPD) {
			used = SOLVER_SVD;
			if (host != NULL)
				host->log(host->ctx, 1, "ridge: the regularised normal "
				    "equations are singular; falling back to solver=svd");
		} else if (lrc == LINALG_ENOMEM) {
			rc = plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
			goto out;
		} else if (lrc != LINALG_OK) {
			rc = plugkit_fail(err, plugkit_status(lrc), "ridge: cholesky: %s",
			    linalg_strerror(lrc));
			goto out;
		}
	}
	if (used == SOLVER_SVD) {
		if ((rc = lsq_svd_solve("ridge", wk.Xc, wk.yc, ridge_filter, &m->alpha,
		    wk.w, err)) != LATHE_OK)
			goto out;
	}
	lsq_work_finish(&wk, &m->fit, used, host);
	rc = LATHE_OK;
out:
	lsq_work_free(&wk);
	return rc;
}

static size_t
ridge_output_width(const struct lathe_model *m)
{
	return 1;
}

static int
ridge_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	return lsq_predict("ridge", &m->fit, n, d, X, out, err);
}

static int
ridge_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	return lsq_save("ridge", &m->fit, RIDGE_FORMAT, RIDGE_MAGIC, &m->alpha, 1,
	    buf, len, err);
}

static int
ridge_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	struct lsq_fit fit;
	double alpha;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no output pointer");
	*out = NULL;
	if ((rc = lsq_load("ridge", buf, len, RIDGE_FORMAT, RIDGE_MAGIC, SOLVER_SVD,
	    &alpha, 1, &fit, err)) != LATHE_OK)
		return rc;
	if (!(alpha >= 0.0) || !isfinite(alpha)) {
		free(fit.coef);
		return lsq_corrupt("ridge", err);
	}
	if ((m = calloc(1, sizeof *m)) == NULL) {
		free(fit.coef);
		return plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
	}
	m->fit = fit;
	m->alpha = alpha;
	m->solver = fit.solver_used;
	*out = m;
	return LATHE_OK;
}

static int
ridge_summary(const struct lathe_model *m, char **json, char **err)
{
	if (m == NULL || !m->fit.fitted)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	return lsq_summary("ridge", &m->fit, solver_choices[m->fit.solver_used],
	    "alpha", m->alpha, json, err);
}

static const struct lathe_plugin ridge_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "ridge",
	.version = "1.0.0",
	.description = "L2-penalised least squares (scikit-learn Ridge)",
	.tasks = LATHE_TASK_REGRESSION,
	.params = ridge_params,
	.nparams = P_COUNT,
	.model_format = RIDGE_FORMAT,
	.create = ridge_create,
	.fit = ridge_fit,
	.output_width = ridge_output_width,
	.predict = ridge_predict,
	.save = ridge_save,
	.load = ridge_load,
	.destroy = ridge_destroy,
	.summary = ridge_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &ridge_plugin;
}
