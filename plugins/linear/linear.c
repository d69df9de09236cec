/*
 * linear.c — ordinary least squares, the `linear` plugin.
 *
 * Fits y ~ X w + b by minimising ||y - X w - b||^2, like scikit-learn's
 * LinearRegression.  With fit_intercept the columns of X and y are centred
 * first (so b never enters the solve and the problem is better
 * conditioned), w is solved on the centred data and b = mean(y) -
 * mean(X) . w.  Without it the data is used as given and b = 0.
 *
 * Solvers:
 *   qr        Householder QR least squares (LAPACK dgels) on the centred
 *             design matrix.  When the matrix is rank deficient (collinear
 *             features, fewer rows than features) it falls back to the
 *             minimum-norm solution by SVD, discarding singular values
 *             below eps * s_max, which is what scipy's lstsq (gelsd) under
 *             LinearRegression returns.
 *   cholesky  the normal equations Xc^T Xc w = Xc^T yc, Cholesky-factored.
 *             Squares the condition number; refuses a singular system.
 *
 * Sizes: the centred copy of X (n x d doubles) is the only large
 * allocation; everything else is O(d^2).
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
 *   u64 d, u32 fit_intercept, u32 solver used (0 qr, 1 cholesky, 2 svd),
 *   f64 intercept, f64 coef[d].
 */
#include "lathe_plugin.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "kit/lsq.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/mat.h"

#define LINEAR_FORMAT 1u
static const char LINEAR_MAGIC[4] = { 'L', 'T', 'L', 'N' };

enum { P_SOLVER, P_FIT_INTERCEPT, P_COUNT };
enum { SOLVER_QR, SOLVER_CHOLESKY, SOLVER_SVD };

static const char *const solver_names[] = { "qr", "cholesky", "svd" };
static const char *const solver_choices[] = { "qr", "cholesky", NULL };

static const struct lathe_param_spec linear_params[P_COUNT] = {
	[P_SOLVER] = {
		.name = "solver", .type = LATHE_PARAM_CHOICE,
		.help = "qr: least squares by QR (SVD if rank deficient); cholesky: normal equations",
		.choices = solver_choices, .def_choice = "qr",
	},
	[P_FIT_INTERCEPT] = {
		.name = "fit_intercept", .type = LATHE_PARAM_BOOL,
		.help = "fit an unpenalised intercept (centre X and y first)",
		.def = 1,
	},
};

struct lathe_model {
	int solver;         /* requested */
	struct lsq_fit fit; /* solver_used: after any fallback */
};

static void
linear_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->fit.coef);
	free(m);
}

static int
linear_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("linear", LATHE_TASK_REGRESSION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(linear_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
	m->solver = plugkit_choice(&linear_params[P_SOLVER], params->str[P_SOLVER]);
	m->fit.fit_intercept = params->num[P_FIT_INTERCEPT] != 0.0;
	*out = m;
	return LATHE_OK;
}

/*
 * Minimum-norm least squares by SVD: w = V diag(1/s_i) U^T y over the
 * singular values s_i > eps * s_max (scipy.linalg.lstsq's default cutoff).
 */
static double
pinv_filter(double u, double s, double s0, const void *ctx)
{
	(void)ctx;
	return s > DBL_EPSILON * s0 ? u / s : 0.0;
}

static int
linear_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct lsq_work wk;
	int rc, lrc, used;

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no model");
	if ((rc = lsq_work_begin("linear", data, m->fit.fit_intercept, host, &wk,
	    err)) != LATHE_OK)
		goto out;

	if (m->solver == SOLVER_CHOLESKY) {
		used = SOLVER_CHOLESKY;
		lrc = lsq_normal_solve(&wk, 0.0);
		if (lrc == LINALG_ENOTPD) {
			rc = plugkit_fail(err, LATHE_ENUMERIC, "linear: the normal equations "
			    "are singular (collinear features or fewer rows than features); "
			    "solver=qr handles this");
			goto out;
		}
		if (lrc == LINALG_ENOMEM) {
			rc = plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
			goto out;
		}
		if (lrc != LINALG_OK) {
			rc = plugkit_fail(err, plugkit_status(lrc), "linear: cholesky: %s",
			    linalg_strerror(lrc));
			goto out;
		}
	} else {
		struct mat B = mat_view(wk.yc, wk.n, 1, 1);

		used = SOLVER_QR;
		lrc = wk.n >= wk.d ? mat_lstsq(wk.Xc, &B) : LINALG_ESINGULAR;
		if (lrc == LINALG_OK) {
			memcpy(wk.w, wk.yc, wk.d * sizeof *wk.w);
		} else if (lrc == LINALG_ESINGULAR) {
			/* dgels may have overwritten both: rebuild them. */
			used = SOLVER_SVD;
			plugkit_centre(data, m->fit.fit_intercept, wk.Xc, wk.yc, wk.xm, &wk.ym);
			if ((rc = lsq_svd_solve("linear", wk.Xc, wk.yc, pinv_filter, NULL,
			    wk.w, err)) != LATHE_OK)
				goto out;
			if (host != NULL)
				host->log(host->ctx, 0, "linear: design matrix is rank "
				    "deficient; using the minimum-norm least-squares solution");
		} else {
			rc = plugkit_fail(err, plugkit_status(lrc), "linear: qr: %s",
			    linalg_strerror(lrc));
			goto out;
		}
	}
	lsq_work_finish(&wk, &m->fit, used, host);
	rc = LATHE_OK;
out:
	lsq_work_free(&wk);
	return rc;
}

static size_t
linear_output_width(const struct lathe_model *m)
{
	return 1;
}

static int
linear_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	return lsq_predict("linear", &m->fit, n, d, X, out, err);
}

static int
linear_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	return lsq_save("linear", &m->fit, LINEAR_FORMAT, LINEAR_MAGIC, NULL, 0,
	    buf, len, err);
}

static int
linear_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	struct lsq_fit fit;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no output pointer");
	*out = NULL;
	if ((rc = lsq_load("linear", buf, len, LINEAR_FORMAT, LINEAR_MAGIC,
	    SOLVER_SVD, NULL, 0, &fit, err)) != LATHE_OK)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL) {
		free(fit.coef);
		return plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
	}
	m->fit = fit;
	m->solver = fit.solver_used == SOLVER_CHOLESKY ? SOLVER_CHOLESKY : SOLVER_QR;
	*out = m;
	return LATHE_OK;
}

static int
linear_summary(const struct lathe_model *m, char **json, char **err)
{
	if (m == NULL || !m->fit.fitted)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	return lsq_summary("linear", &m->fit, solver_names[m->fit.solver_used],
	    NULL, 0.0, json, err);
}

static const struct lathe_plugin linear_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "linear",
	.version = "1.0.0",
	.description = "ordinary least squares (scikit-learn LinearRegression)",
	.tasks = LATHE_TASK_REGRESSION,
	.params = linear_params,
	.nparams = P_COUNT,
	.model_format = LINEAR_FORMAT,
	.create = linear_create,
	.fit = linear_fit,
	.output_width = linear_output_width,
	.predict = linear_predict,
	.save = linear_save,
	.load = linear_load,
	.destroy = linear_destroy,
	.summary = linear_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &linear_plugin;
}
