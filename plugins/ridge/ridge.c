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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/jsonbuf.h"
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
	int fit_intercept;
	int solver;
	int fitted;
	int solver_used;
	size_t d;
	double intercept;
	double *coef;
};

static void
ridge_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->coef);
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
	m->fit_intercept = params->num[P_FIT_INTERCEPT] != 0.0;
	m->solver = plugkit_choice(&ridge_params[P_SOLVER], params->str[P_SOLVER]);
	*out = m;
	return LATHE_OK;
}

/* w = V diag(s / (s^2 + alpha)) U^T y; destroys A (n x d). */
static int
solve_svd(struct mat *A, const double *y, double alpha, double *w, char **err)
{
	size_t n = A->rows, d = A->cols, k = n < d ? n : d, i;
	struct mat *U = NULL, *Vt = NULL;
	double *s = NULL, *uty = NULL;
	int rc = LATHE_ENOMEM, lrc;

	U = mat_new(n, k);
	Vt = mat_new(k, d);
	s = malloc(k * sizeof *s);
	uty = malloc(k * sizeof *uty);
	if (U == NULL || Vt == NULL || s == NULL || uty == NULL) {
		plugkit_fail(err, rc, "ridge: out of memory");
		goto out;
	}
	lrc = mat_svd(A, s, U, Vt);
	if (lrc == LINALG_OK)
		lrc = mat_gemv(MAT_TRANS, 1.0, U, y, n, 0.0, uty, k);
	if (lrc == LINALG_OK) {
		for (i = 0; i < k; i++)
			uty[i] = s[i] > 1e-15 ? uty[i] * (s[i] / (s[i] * s[i] + alpha)) : 0.0;
		lrc = mat_gemv(MAT_TRANS, 1.0, Vt, uty, k, 0.0, w, d);
	}
	if (lrc != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "ridge: svd: %s",
		    linalg_strerror(lrc));
		goto out;
	}
	rc = LATHE_OK;
out:
	mat_free(U);
	mat_free(Vt);
	free(s);
	free(uty);
	return rc;
}

static int
ridge_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	size_t n, d, j;
	struct mat *Xc = NULL, *G = NULL;
	double *yc = NULL, *xm = NULL, *w = NULL, ym;
	int rc, lrc, used = m != NULL ? m->solver : 0;

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no model");
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	if (data->y == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: regression needs targets y");
	if (!plugkit_finite(data->y, data->n))
		return plugkit_fail(err, LATHE_EINVAL, "ridge: target y has non-finite values");
	n = data->n;
	d = data->d;

	rc = LATHE_ENOMEM;
	Xc = mat_new(n, d);
	yc = malloc(n * sizeof *yc);
	xm = malloc(d * sizeof *xm);
	w = calloc(d, sizeof *w);
	if (Xc == NULL || yc == NULL || xm == NULL || w == NULL) {
		plugkit_fail(err, rc, "ridge: out of memory (%zu x %zu)", n, d);
		goto out;
	}
	plugkit_centre(data, m->fit_intercept, Xc, yc, xm, &ym);
	if (host != NULL && host->cancelled(host->ctx)) {
		rc = plugkit_fail(err, LATHE_ECANCELLED, "ridge: cancelled");
		goto out;
	}

	if (used == SOLVER_CHOLESKY) {
		struct mat b = mat_view(w, d, 1, 1);

		if ((G = mat_new(d, d)) == NULL) {
			plugkit_fail(err, rc, "ridge: out of memory");
			goto out;
		}
		lrc = mat_syrk(MAT_TRANS, 1.0, Xc, 0.0, G);
		if (lrc == LINALG_OK)
			lrc = mat_gemv(MAT_TRANS, 1.0, Xc, yc, n, 0.0, w, d);
		if (lrc == LINALG_OK) {
			for (j = 0; j < d; j++)
				mat_row(G, j)[j] += m->alpha;
			lrc = mat_cholesky(G);
		}
		if (lrc == LINALG_OK)
			lrc = mat_cholesky_solve(G, &b);
		if (lrc == LINALG_ENOTPD) {
			used = SOLVER_SVD;
			if (host != NULL)
				host->log(host->ctx, 1, "ridge: the regularised normal "
				    "equations are singular; falling back to solver=svd");
		} else if (lrc != LINALG_OK) {
			rc = plugkit_fail(err, plugkit_status(lrc), "ridge: cholesky: %s",
			    linalg_strerror(lrc));
			goto out;
		}
	}
	if (used == SOLVER_SVD) {
		if ((rc = solve_svd(Xc, yc, m->alpha, w, err)) != LATHE_OK)
			goto out;
	}

	free(m->coef);
	m->coef = w;
	w = NULL;
	m->d = d;
	m->intercept = 0.0;
	if (m->fit_intercept) {
		double dot = 0.0;
		for (j = 0; j < d; j++)
			dot += xm[j] * m->coef[j];
		m->intercept = ym - dot;
	}
	m->solver_used = used;
	m->fitted = 1;
	if (host != NULL)
		host->progress(host->ctx, 1, 1, NAN);
	rc = LATHE_OK;
out:
	mat_free(Xc);
	mat_free(G);
	free(yc);
	free(xm);
	free(w);
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
	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	return plugkit_affine_predict("ridge", m->coef, m->intercept, m->d, n, d, X, out, err);
}

static int
ridge_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no output buffer");
	blobw_init(&w, RIDGE_FORMAT, RIDGE_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u32(&w, (uint32_t)m->fit_intercept);
	blobw_u32(&w, (uint32_t)m->solver_used);
	blobw_f64(&w, m->alpha);
	blobw_f64(&w, m->intercept);
	blobw_f64s(&w, m->coef, m->d);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
	return LATHE_OK;
}

static int
ridge_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, fi, solver;
	uint64_t d;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, RIDGE_MAGIC, RIDGE_FORMAT, &version,
	    "ridge model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "ridge: %s", msg);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &fi) != 0 ||
	    blobr_u32(&r, &solver) != 0 || d == 0 || !blobr_has(&r, d, 8) ||
	    fi > 1 || solver > SOLVER_SVD)
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->coef = malloc((size_t)d * sizeof *m->coef)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
		goto fail;
	}
	m->d = (size_t)d;
	m->fit_intercept = (int)fi;
	m->solver = m->solver_used = (int)solver;
	if (blobr_f64(&r, &m->alpha) != 0 || blobr_f64(&r, &m->intercept) != 0 ||
	    blobr_f64s(&r, m->coef, m->d) != 0 || !blobr_done(&r) ||
	    !(m->alpha >= 0.0) || !isfinite(m->alpha) || !isfinite(m->intercept) ||
	    !plugkit_finite(m->coef, m->d))
		goto corrupt;
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "ridge: ridge model payload is "
	    "corrupt (fields do not match their sizes)");
fail:
	ridge_destroy(m);
	return rc;
}

static int
ridge_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "ridge: model is not fitted");
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "coef");
	jbuf_nums(&b, m->coef, m->d);
	jbuf_key(&b, "intercept");
	jbuf_num(&b, m->intercept);
	jbuf_key(&b, "alpha");
	jbuf_num(&b, m->alpha);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_key(&b, "fit_intercept");
	jbuf_bool(&b, m->fit_intercept);
	jbuf_key(&b, "solver");
	jbuf_str(&b, solver_choices[m->solver_used]);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "ridge: out of memory");
	return LATHE_OK;
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
