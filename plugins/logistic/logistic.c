/*
 * logistic.c — L2-regularised logistic regression, the `logistic` plugin.
 *
 * Matches scikit-learn's LogisticRegression(penalty='l2', solver='lbfgs')
 * with multi_class='auto': two classes use ONE weight vector and the
 * sigmoid; more use the multinomial softmax with one weight vector per
 * class.  The function minimised is scikit-learn's
 *
 *     F(W, b) = sum_i logloss_i(W x_i + b) + ||W||^2 / (2 C)
 *
 * (C * sum logloss + ||W||^2 / 2, divided by C: the same minimiser, and
 * scikit-learn's scaling, so `tol` means what it means there).  The
 * intercept is not penalised.  Minimisation is L-BFGS (m = 10) with a
 * Moré–Thuente line search (L-BFGS-B's constants c1 = 1e-3, c2 = 0.9)
 * from zero, stopping when
 *     max |dF/dtheta| <= tol                                   (pgtol), or
 *     (F_k - F_k+1) / max(|F_k|, |F_k+1|, 1) <= ftol,
 *     ftol = 2.22e-9 * min(1, tol / 1e-4).
 * At the default tol = 1e-4 that is exactly scipy's default factr = 1e7,
 * which scikit-learn 1.2 runs with, so default fits stop where its do.
 * Below ftol = 1e-12 the reduction test is switched off, because F then
 * changes only by rounding: tol <= 4.5e-8 runs to the gradient test alone,
 * which is how a fully converged fit is asked for.
 *
 * One evaluation of F and its gradient reads X once: the rows are cut into
 * fixed shards (linalg/parfor.h) processed on OpenBLAS's thread count, and
 * each shard walks blocks of rows small enough to stay in cache, computing
 * the margins with gemv/gemm, the loss and residuals (two classes: the
 * vectorised exp and log1p of linalg/vmath.h, which were two thirds of an
 * evaluation through the C library's; more classes: a stable
 * log-sum-exp), and accumulating X_b^T r_b into the shard's partial
 * gradient.  Partials are added in shard order, so the result does not
 * depend on the number of threads.  All scratch is allocated once per fit.
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
 *   u64 d, u32 n_classes, u32 rows (1 if binary, else n_classes),
 *   u32 fit_intercept, u32 n_iter, u32 converged,
 *   f64 W[rows * d] (row-major), f64 b[rows].
 */
#include "lathe_plugin.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/lbfgs.h"
#include "linalg/linalg.h"
#include "linalg/mat.h"
#include "linalg/parfor.h"
#include "linalg/vmath.h"

#define LOGISTIC_FORMAT 1u
static const char LOGISTIC_MAGIC[4] = { 'L', 'T', 'L', 'G' };

/* scipy's L-BFGS-B default factr * eps, which scikit-learn 1.2 uses. */
#define SCIPY_FTOL 2.220446049250313e-09
#define SHARD_ROWS ((size_t)16384)
#define BLOCK_ROWS ((size_t)256)

enum { P_C, P_MAX_ITER, P_TOL, P_FIT_INTERCEPT, P_COUNT };

static const struct lathe_param_spec logistic_params[P_COUNT] = {
	[P_C] = {
		.name = "C", .type = LATHE_PARAM_REAL,
		.help = "inverse regularisation strength (smaller = stronger L2 penalty)",
		.def = 1.0, .min = 0.0, .has_min = 1, .exclusive_min = 1, .log_scale = 1,
	},
	[P_MAX_ITER] = {
		.name = "max_iter", .type = LATHE_PARAM_INT,
		.help = "maximum number of L-BFGS iterations",
		.def = 100, .min = 1, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_TOL] = {
		.name = "tol", .type = LATHE_PARAM_REAL,
		.help = "stop when the largest gradient component is at most tol",
		.def = 1e-4, .min = 0.0, .has_min = 1, .exclusive_min = 1, .log_scale = 1,
	},
	[P_FIT_INTERCEPT] = {
		.name = "fit_intercept", .type = LATHE_PARAM_BOOL,
		.help = "fit an unpenalised intercept per class",
		.def = 1,
	},
};

struct lathe_model {
	double C, tol;
	int max_iter;
	int fit_intercept;
	int fitted;
	size_t d;
	int n_classes;
	int rows;       /* weight vectors: 1 for two classes, else n_classes */
	double *W;      /* rows x d */
	double *b;      /* rows (zeros without an intercept) */
	int n_iter;
	int converged;
};

/* --- the objective -------------------------------------------------------- */

struct lg_fit {
	/* data */
	const double *X;
	const int *labels;
	size_t n, d;
	int R;                  /* weight vectors */
	int fit_intercept;
	double inv_C;
	size_t p;               /* parameters: R d (+ R) */
	/* evaluation scratch */
	size_t block;           /* rows per BLAS block */
	int workers;
	size_t nshards;
	double *partial;        /* nshards x (1 + R d + R): loss, gW, gb */
	double *scratch;        /* workers x block x R */
	const double *theta;    /* parameters under evaluation */
	/* validation (curves only) */
	const double *Xv;
	const int *lv;
	size_t nv, nshards_v;
	double *partial_v;      /* nshards_v x 2: loss sum, correct count */
	/* host */
	const struct lathe_host *host;
	int max_iter;
	int cancelled;
};

/* log(1 + exp(z)) - y z and sigmoid(z) - y, without overflow (validation
 * curves; training evaluates the same with vmath_logistic). */
static inline double
binary_loss(double z, double y, double *r)
{
	double e;

	if (z >= 0.0) {
		e = exp(-z);
		*r = 1.0 / (1.0 + e) - y;
		return (1.0 - y) * z + log1p(e);
	}
	e = exp(z);
	*r = e / (1.0 + e) - y;
	return -y * z + log1p(e);
}

/* Softmax cross-entropy of row z (R values) for class y; z becomes the
 * residual softmax(z) - onehot(y).  Returns the loss. */
static inline double
multi_loss(double *z, int R, int y)
{
	double m = z[0], s = 0.0, zy = z[y], inv;
	int k;

	for (k = 1; k < R; k++)
		if (z[k] > m)
			m = z[k];
	for (k = 0; k < R; k++) {
		z[k] = exp(z[k] - m);
		s += z[k];
	}
	inv = 1.0 / s;
	for (k = 0; k < R; k++)
		z[k] *= inv;
	z[y] -= 1.0;
	return m + log(s) - zy;
}

/* Margins of rows [i0, i0 + rows) into z (rows x R), intercept added. */
static int
margins(const double *X, size_t i0, size_t rows, size_t d, int R,
    const double *W, const double *b, double *z)
{
	struct mat Xb = mat_view((double *)(uintptr_t)(X + i0 * d), rows, d, d);
	size_t i;
	int k, rc;

	if (R == 1) {
		rc = mat_gemv(MAT_NOTRANS, 1.0, &Xb, W, d, 0.0, z, rows);
	} else {
		struct mat Wm = mat_view((double *)(uintptr_t)W, (size_t)R, d, d);
		struct mat Z = mat_view(z, rows, (size_t)R, (size_t)R);
		rc = mat_gemm(MAT_NOTRANS, MAT_TRANS, 1.0, &Xb, &Wm, 0.0, &Z);
	}
	if (rc == LINALG_OK && b != NULL)
		for (i = 0; i < rows; i++)
			for (k = 0; k < R; k++)
				z[i * (size_t)R + k] += b[k];
	return rc;
}

static int
lg_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct lg_fit *c = vctx;
	size_t d = c->d, R = (size_t)c->R, stride = 1 + R * d + R, i0, i, rows;
	double *part = c->partial + shard * stride, *gW = part + 1, *gb = gW + R * d;
	double *z = c->scratch + (size_t)worker * c->block * R;
	const double *W = c->theta, *b = c->fit_intercept ? c->theta + R * d : NULL;
	double loss = 0.0;
	int rc;

	memset(part, 0, stride * sizeof *part);
	for (i0 = begin; i0 < end; i0 += rows) {
		struct mat Xb;

		rows = end - i0 < c->block ? end - i0 : c->block;
		if ((rc = margins(c->X, i0, rows, d, c->R, W, b, z)) != LINALG_OK)
			return rc;
		Xb = mat_view((double *)(uintptr_t)(c->X + i0 * d), rows, d, d);
		if (R == 1) {
			/* losses and residuals, vectorised (linalg/vmath.h) */
			loss += vmath_logistic(z, c->labels + i0, rows, z);
			for (i = 0; i < rows; i++)
				gb[0] += z[i];
			rc = mat_gemv(MAT_TRANS, 1.0, &Xb, z, rows, 1.0, gW, d);
		} else {
			struct mat Z = mat_view(z, rows, R, R);
			struct mat G = mat_view(gW, R, d, d);
			size_t k;

			for (i = 0; i < rows; i++) {
				double *zi = z + i * R;
				loss += multi_loss(zi, c->R, c->labels[i0 + i]);
				for (k = 0; k < R; k++)
					gb[k] += zi[k];
			}
			rc = mat_gemm(MAT_TRANS, MAT_NOTRANS, 1.0, &Z, &Xb, 1.0, &G);
		}
		if (rc != LINALG_OK)
			return rc;
	}
	part[0] = loss;
	return 0;
}

/* F(theta) and its gradient (lbfgs_eval). */
static double
lg_eval(void *vctx, const double *theta, double *grad, size_t p)
{
	struct lg_fit *c = vctx;
	size_t R = (size_t)c->R, d = c->d, stride = 1 + R * d + R, s, j, nw = R * d;
	double f = 0.0, pen = 0.0;

	c->theta = theta;
	if (parfor_run(c->n, SHARD_ROWS, c->workers, lg_shard, c) != 0)
		return NAN;
	memset(grad, 0, p * sizeof *grad);
	for (s = 0; s < c->nshards; s++) {
		const double *part = c->partial + s * stride;
		f += part[0];
		for (j = 0; j < nw; j++)
			grad[j] += part[1 + j];
		if (c->fit_intercept)
			for (j = 0; j < R; j++)
				grad[nw + j] += part[1 + nw + j];
	}
	for (j = 0; j < nw; j++) {
		pen += theta[j] * theta[j];
		grad[j] += c->inv_C * theta[j];
	}
	return f + 0.5 * c->inv_C * pen;
}

/* --- validation curves ------------------------------------------------------ */

static int
lg_val_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct lg_fit *c = vctx;
	size_t R = (size_t)c->R, d = c->d, i0, i, rows, k;
	double *z = c->scratch + (size_t)worker * c->block * R;
	const double *W = c->theta, *b = c->fit_intercept ? c->theta + R * d : NULL;
	double loss = 0.0, correct = 0.0;
	int rc;

	for (i0 = begin; i0 < end; i0 += rows) {
		rows = end - i0 < c->block ? end - i0 : c->block;
		if ((rc = margins(c->Xv, i0, rows, d, c->R, W, b, z)) != LINALG_OK)
			return rc;
		for (i = 0; i < rows; i++) {
			int y = c->lv[i0 + i], best = 0;
			double r;

			if (R == 1) {
				loss += binary_loss(z[i], (double)y, &r);
				best = z[i] > 0.0;
			} else {
				double *zi = z + i * R;
				for (k = 1; k < R; k++)
					if (zi[k] > zi[best])
						best = (int)k;
				loss += multi_loss(zi, c->R, y);
			}
			correct += best == y;
		}
	}
	c->partial_v[2 * shard] = loss;
	c->partial_v[2 * shard + 1] = correct;
	return 0;
}

/* lbfgs_progress: report, record curves, poll for cancellation. */
static int
lg_progress(void *vctx, int iter, double f, double gnorm, const double *theta)
{
	struct lg_fit *c = vctx;
	size_t j, nw = (size_t)c->R * c->d, s;
	double pen = 0.0;

	for (j = 0; j < nw; j++)
		pen += theta[j] * theta[j];
	c->host->progress(c->host->ctx, iter, c->max_iter,
	    (f - 0.5 * c->inv_C * pen) / (double)c->n);
	if (iter > 0 && c->nv > 0) {
		double loss = 0.0, correct = 0.0;

		c->theta = theta;
		if (parfor_run(c->nv, SHARD_ROWS, c->workers, lg_val_shard, c) == 0) {
			for (s = 0; s < c->nshards_v; s++) {
				loss += c->partial_v[2 * s];
				correct += c->partial_v[2 * s + 1];
			}
			c->host->curve(c->host->ctx, "val_accuracy", iter,
			    correct / (double)c->nv);
			c->host->curve(c->host->ctx, "val_log_loss", iter,
			    loss / (double)c->nv);
		}
	}
	if (c->host->cancelled(c->host->ctx)) {
		c->cancelled = 1;
		return 1;
	}
	return 0;
}

/* --- plugin operations ----------------------------------------------------- */

static void
logistic_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->W);
	free(m->b);
	free(m);
}

static int
logistic_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("logistic", LATHE_TASK_CLASSIFICATION, task,
	    err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(logistic_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "logistic: out of memory");
	m->C = params->num[P_C];
	m->max_iter = (int)params->num[P_MAX_ITER];
	m->tol = params->num[P_TOL];
	m->fit_intercept = params->num[P_FIT_INTERCEPT] != 0.0;
	*out = m;
	return LATHE_OK;
}

/* Rows per block so that OpenBLAS keeps each call on the calling thread. */
static size_t
block_rows(size_t d, int R, int *workers)
{
	size_t per_row = R == 1 ? d : d * (size_t)R, limit = R == 1 ? 8192 : 131072;
	size_t b = limit / per_row;

	if (b == 0) {
		*workers = 1;  /* a single row is a big BLAS call: let BLAS thread */
		return 1;
	}
	return b < BLOCK_ROWS ? b : BLOCK_ROWS;
}

static int
check_labels(const char *what, const int *labels, size_t n, int K, char **err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (labels[i] < 0 || labels[i] >= K)
			return plugkit_fail(err, LATHE_EINVAL, "logistic: %s label of row "
			    "%zu is %d, outside 0..%d", what, i, labels[i], K - 1);
	return LATHE_OK;
}

static int
logistic_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct lg_fit c;
	struct lbfgs_params lp = lbfgs_params_default();
	struct lbfgs_result res;
	double *theta = NULL, *W = NULL, *b = NULL, ftol;
	size_t *count = NULL, i, present = 0;
	char msg[200];
	int rc, lrc, K;

	memset(&c, 0, sizeof c);
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no model");
	if (host == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no host services");
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	K = data->n_classes;
	if (K < 2)
		return plugkit_fail(err, LATHE_EINVAL,
		    "logistic: classification needs at least 2 classes, got %d", K);
	if (data->labels == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: classification needs labels");
	if ((rc = check_labels("training", data->labels, data->n, K, err)) != 0)
		return rc;
	if (data->n_val > 0) {
		if (data->X_val == NULL || data->labels_val == NULL)
			return plugkit_fail(err, LATHE_EINVAL,
			    "logistic: n_val > 0 but no validation rows or labels");
		if ((rc = check_labels("validation", data->labels_val, data->n_val, K,
		    err)) != 0)
			return rc;
	}

	c.X = data->X;
	c.labels = data->labels;
	c.n = data->n;
	c.d = data->d;
	c.R = K == 2 ? 1 : K;
	c.fit_intercept = m->fit_intercept;
	c.inv_C = 1.0 / m->C;
	c.p = (size_t)c.R * c.d + (m->fit_intercept ? (size_t)c.R : 0);
	c.workers = parfor_default_threads();
	c.block = block_rows(c.d, c.R, &c.workers);
	c.workers = parfor_workers(c.n > data->n_val ? c.n : data->n_val, SHARD_ROWS,
	    c.workers);
	c.nshards = parfor_shards(c.n, SHARD_ROWS);
	c.Xv = data->X_val;
	c.lv = data->labels_val;
	c.nv = data->n_val;
	c.nshards_v = parfor_shards(c.nv, SHARD_ROWS);
	c.host = host;
	c.max_iter = m->max_iter;

	rc = LATHE_ENOMEM;
	count = calloc((size_t)K, sizeof *count);
	theta = calloc(c.p, sizeof *theta);
	c.partial = malloc(c.nshards * (1 + (size_t)c.R * (c.d + 1)) * sizeof(double));
	c.scratch = malloc((size_t)c.workers * c.block * (size_t)c.R * sizeof(double));
	c.partial_v = malloc((c.nshards_v ? c.nshards_v : 1) * 2 * sizeof(double));
	W = malloc((size_t)c.R * c.d * sizeof *W);
	b = calloc((size_t)c.R, sizeof *b);
	if (count == NULL || theta == NULL || c.partial == NULL || c.scratch == NULL ||
	    c.partial_v == NULL || W == NULL || b == NULL) {
		plugkit_fail(err, rc, "logistic: out of memory");
		goto out;
	}
	for (i = 0; i < c.n; i++)
		count[c.labels[i]]++;
	for (i = 0; i < (size_t)K; i++)
		present += count[i] > 0;
	if (present < 2) {
		rc = plugkit_fail(err, LATHE_EINVAL, "logistic: the training labels "
		    "hold only one class; need at least 2");
		goto out;
	}
	for (i = 0; i < (size_t)K; i++)
		if (count[i] == 0) {
			snprintf(msg, sizeof msg, "logistic: class %zu has no training "
			    "rows; its probabilities will be near 0", i);
			host->log(host->ctx, 1, msg);
		}

	ftol = fmin(SCIPY_FTOL, SCIPY_FTOL * (m->tol / 1e-4));
	lp.m = 10;
	lp.max_iter = m->max_iter;
	lp.gtol = m->tol;
	lp.ftol = ftol < 1e-12 ? 0.0 : ftol;
	lp.c1 = 1e-3;   /* L-BFGS-B's dcsrch constants */
	lp.c2 = 0.9;
	lrc = lbfgs_minimize(c.p, theta, lg_eval, lg_progress, &c, &lp, &res);
	if (c.cancelled) {
		rc = plugkit_fail(err, LATHE_ECANCELLED, "logistic: cancelled after %d "
		    "iterations", res.iterations);
		goto out;
	}
	if (lrc == LINALG_ENONFINITE || (lrc == LINALG_OK && !isfinite(res.f))) {
		rc = plugkit_fail(err, LATHE_ENUMERIC, "logistic: the loss is not finite");
		goto out;
	}
	if (lrc != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "logistic: lbfgs: %s",
		    linalg_strerror(lrc));
		goto out;
	}

	memcpy(W, theta, (size_t)c.R * c.d * sizeof *W);
	if (m->fit_intercept)
		memcpy(b, theta + (size_t)c.R * c.d, (size_t)c.R * sizeof *b);
	free(m->W);
	free(m->b);
	m->W = W;
	m->b = b;
	W = b = NULL;
	m->d = c.d;
	m->n_classes = K;
	m->rows = c.R;
	m->n_iter = res.iterations;
	m->converged = lbfgs_converged(res.status);
	m->fitted = 1;
	snprintf(msg, sizeof msg, "logistic: lbfgs %s after %d iterations (%d "
	    "evaluations), max|g| = %.3g", lbfgs_status_string(res.status),
	    res.iterations, res.evaluations, res.gnorm);
	host->log(host->ctx, m->converged ? 0 : 1, msg);
	if (!m->converged) {
		snprintf(msg, sizeof msg, "logistic: lbfgs failed to converge (%s); "
		    "increase max_iter or scale the data",
		    lbfgs_status_string(res.status));
		host->log(host->ctx, 1, msg);
	}
	rc = LATHE_OK;
out:
	free(count);
	free(theta);
	free(c.partial);
	free(c.scratch);
	free(c.partial_v);
	free(W);
	free(b);
	return rc;
}

static size_t
logistic_output_width(const struct lathe_model *m)
{
	return m != NULL ? (size_t)m->n_classes : 0;
}

#define PREDICT_CHUNK ((size_t)512)

static int
logistic_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	double z[PREDICT_CHUNK];
	size_t i0, i, rows, K;
	int k, lrc;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "logistic: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no input or output buffer");
	K = (size_t)m->n_classes;
	for (i0 = 0; i0 < n; i0 += rows) {
		if (m->rows == 1) {
			rows = n - i0 < PREDICT_CHUNK ? n - i0 : PREDICT_CHUNK;
			lrc = margins(X, i0, rows, d, 1, m->W, m->b, z);
			if (lrc != LINALG_OK)
				goto fail;
			for (i = 0; i < rows; i++) {
				double p, e;
				if (z[i] >= 0.0) {
					p = 1.0 / (1.0 + exp(-z[i]));
				} else {
					e = exp(z[i]);
					p = e / (1.0 + e);
				}
				out[2 * (i0 + i)] = 1.0 - p;
				out[2 * (i0 + i) + 1] = p;
			}
		} else {
			rows = n - i0 < ((size_t)1 << 20) ? n - i0 : ((size_t)1 << 20);
			lrc = margins(X, i0, rows, d, m->rows, m->W, m->b, out + i0 * K);
			if (lrc != LINALG_OK)
				goto fail;
			for (i = 0; i < rows; i++) {
				double *zi = out + (i0 + i) * K, mx = zi[0], s = 0.0;
				for (k = 1; k < m->rows; k++)
					if (zi[k] > mx)
						mx = zi[k];
				for (k = 0; k < m->rows; k++) {
					zi[k] = exp(zi[k] - mx);
					s += zi[k];
				}
				for (k = 0; k < m->rows; k++)
					zi[k] /= s;
			}
		}
	}
	return LATHE_OK;
fail:
	return plugkit_fail(err, plugkit_status(lrc), "logistic: predict: %s",
	    linalg_strerror(lrc));
}

static int
logistic_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no output buffer");
	blobw_init(&w, LOGISTIC_FORMAT, LOGISTIC_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u32(&w, (uint32_t)m->n_classes);
	blobw_u32(&w, (uint32_t)m->rows);
	blobw_u32(&w, (uint32_t)m->fit_intercept);
	blobw_u32(&w, (uint32_t)m->n_iter);
	blobw_u32(&w, (uint32_t)m->converged);
	blobw_f64s(&w, m->W, (size_t)m->rows * m->d);
	blobw_f64s(&w, m->b, (size_t)m->rows);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "logistic: out of memory");
	return LATHE_OK;
}

static int
logistic_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, K, rows, fi, n_iter, conv;
	uint64_t d;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, LOGISTIC_MAGIC, LOGISTIC_FORMAT, &version,
	    "logistic model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "logistic: %s", msg);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &K) != 0 ||
	    blobr_u32(&r, &rows) != 0 || blobr_u32(&r, &fi) != 0 ||
	    blobr_u32(&r, &n_iter) != 0 || blobr_u32(&r, &conv) != 0)
		goto corrupt;
	/* d * rows + rows doubles must fit a size_t in bytes: checked before
	 * it is computed, or it wraps and passes blobr_has (d = 2^64 - 1) */
	if (d == 0 || K < 2 || K > INT32_MAX || rows != (K == 2 ? 1 : K) ||
	    fi > 1 || conv > 1 || n_iter > INT32_MAX ||
	    d >= SIZE_MAX / sizeof(double) / rows || !blobr_has(&r, d * rows + rows, 8))
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->W = malloc((size_t)(d * rows) * sizeof *m->W)) == NULL ||
	    (m->b = malloc((size_t)rows * sizeof *m->b)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "logistic: out of memory");
		goto fail;
	}
	m->d = (size_t)d;
	m->n_classes = (int)K;
	m->rows = (int)rows;
	m->fit_intercept = (int)fi;
	m->n_iter = (int)n_iter;
	m->converged = (int)conv;
	if (blobr_f64s(&r, m->W, (size_t)(d * rows)) != 0 ||
	    blobr_f64s(&r, m->b, rows) != 0 || !blobr_done(&r) ||
	    !plugkit_finite(m->W, (size_t)(d * rows)) || !plugkit_finite(m->b, rows))
		goto corrupt;
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "logistic: logistic model payload is "
	    "corrupt (fields do not match their sizes)");
fail:
	logistic_destroy(m);
	return rc;
}

static int
logistic_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "logistic: model is not fitted");
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "coef");
	jbuf_matrix(&b, m->W, (size_t)m->rows, m->d);
	jbuf_key(&b, "intercept");
	jbuf_nums(&b, m->b, (size_t)m->rows);
	jbuf_key(&b, "n_iter");
	jbuf_int(&b, m->n_iter);
	jbuf_key(&b, "converged");
	jbuf_bool(&b, m->converged);
	jbuf_key(&b, "n_classes");
	jbuf_int(&b, m->n_classes);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_key(&b, "multinomial");
	jbuf_bool(&b, m->rows > 1);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "logistic: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin logistic_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "logistic",
	.version = "1.1.0",
	.description = "L2 logistic regression by L-BFGS (scikit-learn LogisticRegression)",
	.tasks = LATHE_TASK_CLASSIFICATION,
	.params = logistic_params,
	.nparams = P_COUNT,
	.model_format = LOGISTIC_FORMAT,
	.create = logistic_create,
	.fit = logistic_fit,
	.output_width = logistic_output_width,
	.predict = logistic_predict,
	.save = logistic_save,
	.load = logistic_load,
	.destroy = logistic_destroy,
	.summary = logistic_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &logistic_plugin;
}
