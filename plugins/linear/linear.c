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
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/jsonbuf.h"
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
	int fit_intercept;
	int fitted;
	int solver_used;    /* after any fallback */
	size_t d;
	double intercept;
	double *coef;       /* d */
};

static void
linear_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->coef);
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
	m->fit_intercept = params->num[P_FIT_INTERCEPT] != 0.0;
	*out = m;
	return LATHE_OK;
}

/*
 * Minimum-norm least squares by SVD: w = V diag(1/s_i) U^T y over the
 * singular values s_i > eps * s_max (scipy.linalg.lstsq's default cutoff).
 * A (n x d) is destroyed; w receives d values.
 */
static int
lstsq_svd(struct mat *A, const double *y, double *w, char **err)
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
		plugkit_fail(err, rc, "linear: out of memory");
		goto out;
	}
	if ((lrc = mat_svd(A, s, U, Vt)) != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "linear: svd: %s",
		    linalg_strerror(lrc));
		goto out;
	}
	if ((lrc = mat_gemv(MAT_TRANS, 1.0, U, y, n, 0.0, uty, k)) != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "linear: %s",
		    linalg_strerror(lrc));
		goto out;
	}
	for (i = 0; i < k; i++)
		uty[i] = s[i] > DBL_EPSILON * s[0] ? uty[i] / s[i] : 0.0;
	if ((lrc = mat_gemv(MAT_TRANS, 1.0, Vt, uty, k, 0.0, w, d)) != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "linear: %s",
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
linear_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	size_t n, d, j;
	struct mat *Xc = NULL, *G = NULL;
	double *yc = NULL, *xm = NULL, *w = NULL, ym;
	int rc, lrc, used;

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no model");
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	if (data->y == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: regression needs targets y");
	if (!plugkit_finite(data->y, data->n))
		return plugkit_fail(err, LATHE_EINVAL, "linear: target y has non-finite values");
	n = data->n;
	d = data->d;

	rc = LATHE_ENOMEM;
	Xc = mat_new(n, d);
	yc = malloc(n * sizeof *yc);
	xm = malloc(d * sizeof *xm);
	w = calloc(d, sizeof *w);
	if (Xc == NULL || yc == NULL || xm == NULL || w == NULL) {
		plugkit_fail(err, rc, "linear: out of memory (%zu x %zu)", n, d);
		goto out;
	}
	plugkit_centre(data, m->fit_intercept, Xc, yc, xm, &ym);
	if (host != NULL && host->cancelled(host->ctx)) {
		rc = plugkit_fail(err, LATHE_ECANCELLED, "linear: cancelled");
		goto out;
	}

	if (m->solver == SOLVER_CHOLESKY) {
		struct mat b = mat_view(w, d, 1, 1);

		used = SOLVER_CHOLESKY;
		if ((G = mat_new(d, d)) == NULL) {
			plugkit_fail(err, rc, "linear: out of memory");
			goto out;
		}
		lrc = mat_syrk(MAT_TRANS, 1.0, Xc, 0.0, G);
		if (lrc == LINALG_OK)
			lrc = mat_gemv(MAT_TRANS, 1.0, Xc, yc, n, 0.0, w, d);
		if (lrc == LINALG_OK)
			lrc = mat_cholesky(G);
		if (lrc == LINALG_ENOTPD) {
			rc = plugkit_fail(err, LATHE_ENUMERIC, "linear: the normal equations "
			    "are singular (collinear features or fewer rows than features); "
			    "solver=qr handles this");
			goto out;
		}
		if (lrc == LINALG_OK)
			lrc = mat_cholesky_solve(G, &b);
		if (lrc != LINALG_OK) {
			rc = plugkit_fail(err, plugkit_status(lrc), "linear: cholesky: %s",
			    linalg_strerror(lrc));
			goto out;
		}
	} else {
		struct mat B = mat_view(yc, n, 1, 1);

		used = SOLVER_QR;
		lrc = n >= d ? mat_lstsq(Xc, &B) : LINALG_ESINGULAR;
		if (lrc == LINALG_OK) {
			memcpy(w, yc, d * sizeof *w);
		} else if (lrc == LINALG_ESINGULAR) {
			/* dgels may have overwritten both: rebuild them. */
			used = SOLVER_SVD;
			plugkit_centre(data, m->fit_intercept, Xc, yc, xm, &ym);
			if ((rc = lstsq_svd(Xc, yc, w, err)) != LATHE_OK)
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
linear_output_width(const struct lathe_model *m)
{
	return 1;
}

static int
linear_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	return plugkit_affine_predict("linear", m->coef, m->intercept, m->d, n, d, X, out, err);
}

static int
linear_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no output buffer");
	blobw_init(&w, LINEAR_FORMAT, LINEAR_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u32(&w, (uint32_t)m->fit_intercept);
	blobw_u32(&w, (uint32_t)m->solver_used);
	blobw_f64(&w, m->intercept);
	blobw_f64s(&w, m->coef, m->d);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
	return LATHE_OK;
}

static int
linear_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, fi, solver;
	uint64_t d;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "linear: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, LINEAR_MAGIC, LINEAR_FORMAT, &version,
	    "linear model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "linear: %s", msg);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &fi) != 0 ||
	    blobr_u32(&r, &solver) != 0 || d == 0 || !blobr_has(&r, d, 8) ||
	    fi > 1 || solver > SOLVER_SVD)
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->coef = malloc((size_t)d * sizeof *m->coef)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
		goto fail;
	}
	m->d = (size_t)d;
	m->fit_intercept = (int)fi;
	m->solver_used = (int)solver;
	m->solver = solver == SOLVER_CHOLESKY ? SOLVER_CHOLESKY : SOLVER_QR;
	if (blobr_f64(&r, &m->intercept) != 0 || blobr_f64s(&r, m->coef, m->d) != 0 ||
	    !blobr_done(&r) || !isfinite(m->intercept) ||
	    !plugkit_finite(m->coef, m->d))
		goto corrupt;
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "linear: linear model payload is "
	    "corrupt (fields do not match their sizes)");
fail:
	linear_destroy(m);
	return rc;
}

static int
linear_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "linear: model is not fitted");
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "coef");
	jbuf_nums(&b, m->coef, m->d);
	jbuf_key(&b, "intercept");
	jbuf_num(&b, m->intercept);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_key(&b, "fit_intercept");
	jbuf_bool(&b, m->fit_intercept);
	jbuf_key(&b, "solver");
	jbuf_str(&b, solver_names[m->solver_used]);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "linear: out of memory");
	return LATHE_OK;
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
