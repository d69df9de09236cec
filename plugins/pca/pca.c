/*
 * pca.c — principal component analysis, the `pca` plugin.
 *
 * Matches scikit-learn's PCA(svd_solver='full'): the data are centred (not
 * scaled) and the components are the leading right singular vectors of the
 * centred matrix Xc.  We get them from the covariance instead of an SVD of
 * Xc: C = Xc^T Xc / (n - 1) accumulated over blocks of rows (gemm on small
 * blocks for d <= 45, syrk beyond), then
 * C = V diag(lambda) V^T by the symmetric eigensolver.  For n >> d that is
 * one pass over the data and a d x d problem instead of an n x d SVD; the
 * eigenvalues lambda are scikit-learn's explained_variance_ (S^2 / (n-1)),
 * the singular values are sqrt(lambda (n - 1)) and the explained variance
 * ratio divides by trace(C), the total variance.  The price is accuracy for
 * components whose variance is below ~1e-8 of the largest (C squares the
 * condition number); the leading components are unaffected.
 *
 * Signs follow scikit-learn 1.2's svd_flip(u_based_decision=True): each
 * component is oriented so that the largest-magnitude entry of its column
 * of U (the scores Xc v, first row on a tie) is positive.  That needs a
 * second pass over the data, computing the scores of the kept components.
 *
 * Both passes run over fixed shards of rows (linalg/parfor.h) with
 * per-shard partials added in shard order, so the covariance does not
 * depend on the thread count (for d <= 45; wider data is one stream through
 * a BLAS-threaded syrk).  LAPACK's eigensolver itself calls BLAS, whose
 * rounding can change with OpenBLAS's thread count, so the components may
 * differ in the last bits (~1e-15) between machines with different thread
 * counts; the same machine and settings reproduce them exactly.  Memory: d x d per shard plus a block of centred
 * rows per thread.
 *
 * Unlike scikit-learn, n_components defaults to 2 (scikit-learn keeps all
 * min(n, d)); whitening divides each score by sqrt(explained_variance).
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
 *   u64 d, u64 k, u32 whiten, u64 n_samples, f64 noise_variance,
 *   f64 mean[d], f64 components[k * d], f64 explained_variance[k],
 *   f64 explained_variance_ratio[k], f64 singular_values[k].
 */
#include "lathe_plugin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/mat.h"
#include "linalg/parfor.h"

#define PCA_FORMAT 1u
static const char PCA_MAGIC[4] = { 'L', 'T', 'P', 'C' };

#define SHARD_ROWS ((size_t)16384)
#define BLOCK_ROWS ((size_t)256)
/* Largest m*n*k that OpenBLAS 0.3 runs on the calling thread is 262144;
 * stay well below it so our threads are the only ones. */
#define GEMM_SMALL ((size_t)131072)
/* Per-shard d x d partials are used while they total at most this many
 * doubles (32 MiB); beyond it the Gram matrix is one BLAS-threaded pass. */
#define PARTIAL_BUDGET ((size_t)4 << 20)

enum { P_N_COMPONENTS, P_WHITEN, P_COUNT };

static const struct lathe_param_spec pca_params[P_COUNT] = {
	[P_N_COMPONENTS] = {
		.name = "n_components", .type = LATHE_PARAM_INT,
		.help = "number of components to keep (at most min(rows, features))",
		.def = 2, .min = 1, .has_min = 1, .max = 1e6, .has_max = 1,
	},
	[P_WHITEN] = {
		.name = "whiten", .type = LATHE_PARAM_BOOL,
		.help = "scale each component's scores to unit variance",
		.def = 0,
	},
};

struct lathe_model {
	int k;
	int whiten;
	int fitted;
	size_t d;
	uint64_t n_samples;
	double noise_variance;
	double *mean;       /* d */
	double *comp;       /* k x d */
	double *ev;         /* k */
	double *evr;        /* k */
	double *sv;         /* k */
	double *scale;      /* k: 1 / sqrt(ev) when whitening, else 1 */
};

/* --- the passes over the data ----------------------------------------------- */

struct pca_work {
	const double *X;
	size_t n, d, k;
	int workers;
	size_t shard_rows, nshards, block;
	double *partial;    /* nshards x stride */
	size_t stride;
	double *scratch;    /* workers x block x (d + k) */
	const double *mean;
	const double *comp; /* k x d, for the sign pass */
	int big;            /* d too large for small-block gemm: one stream, syrk */
};

static int
mean_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct pca_work *w = vctx;
	double *part = w->partial + shard * w->stride;
	size_t i, j, d = w->d;

	memset(part, 0, d * sizeof *part);
	for (i = begin; i < end; i++)
		for (j = 0; j < d; j++)
			part[j] += w->X[i * d + j];
	return 0;
}

/* Copies rows [i0, i0 + rows) minus the mean into buf (rows x d). */
static void
centred_block(const double *X, size_t i0, size_t rows, size_t d,
    const double *mean, double *buf)
{
	size_t i, j;

	for (i = 0; i < rows; i++) {
		const double *x = X + (i0 + i) * d;
		double *o = buf + i * d;
		for (j = 0; j < d; j++)
			o[j] = x[j] - mean[j];
	}
}

static int
gram_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct pca_work *w = vctx;
	size_t d = w->d, i0, rows;
	double *buf = w->scratch + (size_t)worker * w->block * (d + w->k);
	struct mat G = mat_view(w->partial + shard * w->stride, d, d, d);
	int rc;

	memset(G.data, 0, d * d * sizeof *G.data);
	for (i0 = begin; i0 < end; i0 += rows) {
		struct mat B;

		rows = end - i0 < w->block ? end - i0 : w->block;
		centred_block(w->X, i0, rows, d, w->mean, buf);
		B = mat_view(buf, rows, d, d);
		/* gemm on small blocks always runs on this thread with the same
		 * kernel; OpenBLAS may split even a small syrk across threads, which
		 * changes the rounding with the thread count. */
		rc = w->big ? mat_syrk(MAT_TRANS, 1.0, &B, 1.0, &G) :
		    mat_gemm(MAT_TRANS, MAT_NOTRANS, 1.0, &B, &B, 1.0, &G);
		if (rc != LINALG_OK)
			return rc;
	}
	return 0;
}

/* Per component: the score of largest magnitude (first on a tie).
 * Partial layout: k pairs (|s|, s). */
static int
sign_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct pca_work *w = vctx;
	size_t d = w->d, k = w->k, i0, i, j, rows;
	double *buf = w->scratch + (size_t)worker * w->block * (d + k);
	double *S = buf + w->block * d;
	double *part = w->partial + shard * w->stride;
	struct mat V = mat_view((double *)(uintptr_t)w->comp, k, d, d);
	int rc;

	for (j = 0; j < k; j++) {
		part[2 * j] = -1.0;
		part[2 * j + 1] = 0.0;
	}
	for (i0 = begin; i0 < end; i0 += rows) {
		struct mat B, Sm;

		rows = end - i0 < w->block ? end - i0 : w->block;
		centred_block(w->X, i0, rows, d, w->mean, buf);
		B = mat_view(buf, rows, d, d);
		Sm = mat_view(S, rows, k, k);
		if ((rc = mat_gemm(MAT_NOTRANS, MAT_TRANS, 1.0, &B, &V, 0.0, &Sm)) != 0)
			return rc;
		for (i = 0; i < rows; i++)
			for (j = 0; j < k; j++) {
				double s = S[i * k + j];
				if (fabs(s) > part[2 * j]) {
					part[2 * j] = fabs(s);
					part[2 * j + 1] = s;
				}
			}
	}
	return 0;
}

/* --- plugin operations ----------------------------------------------------- */

static void
pca_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->mean);
	free(m->comp);
	free(m->ev);
	free(m->evr);
	free(m->sv);
	free(m->scale);
	free(m);
}

static int
pca_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "pca: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("pca", LATHE_TASK_PROJECTION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(pca_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "pca: out of memory");
	m->k = (int)params->num[P_N_COMPONENTS];
	m->whiten = params->num[P_WHITEN] != 0.0;
	*out = m;
	return LATHE_OK;
}

/* Allocates the k-sized arrays of m and its mean. */
static int
pca_alloc(struct lathe_model *m, size_t d, size_t k)
{
	m->mean = malloc(d * sizeof *m->mean);
	m->comp = malloc(k * d * sizeof *m->comp);
	m->ev = malloc(k * sizeof *m->ev);
	m->evr = malloc(k * sizeof *m->evr);
	m->sv = malloc(k * sizeof *m->sv);
	m->scale = malloc(k * sizeof *m->scale);
	return m->mean && m->comp && m->ev && m->evr && m->sv && m->scale ? 0 : -1;
}

static void
pca_set_scale(struct lathe_model *m)
{
	size_t j;

	for (j = 0; j < (size_t)m->k; j++)
		m->scale[j] = m->whiten ? 1.0 / sqrt(m->ev[j]) : 1.0;
}

static int
pca_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct pca_work w;
	struct lathe_model *f = NULL;
	struct mat *C = NULL;
	double *lambda = NULL, total = 0.0;
	size_t n, d, k, r, i, j, s;
	int rc, lrc;

	memset(&w, 0, sizeof w);
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "pca: no model");
	if ((rc = plugkit_data_check(data, 2, err)) != 0)
		return rc;
	n = data->n;
	d = data->d;
	k = (size_t)m->k;
	r = n < d ? n : d;
	if (k > r)
		return plugkit_fail(err, LATHE_EINVAL, "pca: n_components = %zu is more "
		    "than min(rows, features) = min(%zu, %zu)", k, n, d);

	w.X = data->X;
	w.n = n;
	w.d = d;
	w.k = k;
	/* Small d: fixed shards, gemm blocks below OpenBLAS's threading size,
	 * our threads.  Large d: one stream of big blocks through syrk, where
	 * BLAS threads itself (the result may then vary with the thread count
	 * in the last bits). */
	w.big = d * d * 64 > GEMM_SMALL;
	w.shard_rows = w.big ? n : SHARD_ROWS;
	w.nshards = parfor_shards(n, w.shard_rows);
	if (w.nshards * d * d > PARTIAL_BUDGET) {
		w.shard_rows = n;
		w.nshards = 1;
	}
	w.workers = parfor_workers(n, w.shard_rows, parfor_default_threads());
	w.block = w.big ? 4096 : GEMM_SMALL / (d * d);
	if (w.block > BLOCK_ROWS && !w.big)
		w.block = BLOCK_ROWS;
	w.stride = d * d > 2 * k ? d * d : 2 * k;
	if (w.stride < d)
		w.stride = d;

	rc = LATHE_ENOMEM;
	f = calloc(1, sizeof *f);
	C = mat_new(d, d);
	lambda = malloc(d * sizeof *lambda);
	w.partial = malloc(w.nshards * w.stride * sizeof *w.partial);
	w.scratch = malloc((size_t)w.workers * w.block * (d + k) * sizeof *w.scratch);
	if (f == NULL || C == NULL || lambda == NULL || w.partial == NULL ||
	    w.scratch == NULL || pca_alloc(f, d, k) != 0) {
		plugkit_fail(err, rc, "pca: out of memory (%zu x %zu)", n, d);
		goto out;
	}

	/* Pass 1: the mean. */
	if ((lrc = parfor_run(n, w.shard_rows, w.workers, mean_shard, &w)) != 0)
		goto linalg_fail;
	memset(f->mean, 0, d * sizeof *f->mean);
	for (s = 0; s < w.nshards; s++)
		for (j = 0; j < d; j++)
			f->mean[j] += w.partial[s * w.stride + j];
	for (j = 0; j < d; j++)
		f->mean[j] /= (double)n;
	w.mean = f->mean;
	if (host != NULL && host->cancelled(host->ctx)) {
		rc = plugkit_fail(err, LATHE_ECANCELLED, "pca: cancelled");
		goto out;
	}

	/* Pass 2: the covariance, then its eigendecomposition. */
	if ((lrc = parfor_run(n, w.shard_rows, w.workers, gram_shard, &w)) != 0)
		goto linalg_fail;
	for (s = 0; s < w.nshards; s++) {
		const double *p = w.partial + s * w.stride;
		for (i = 0; i < d * d; i++)
			C->data[i] += p[i];
	}
	for (i = 0; i < d * d; i++)
		C->data[i] /= (double)(n - 1);
	for (j = 0; j < d; j++)
		total += mat_get(C, j, j);
	if (host != NULL)
		host->progress(host->ctx, 1, 2, NAN);
	if ((lrc = mat_eigh(C, lambda)) != LINALG_OK)
		goto linalg_fail;
	for (j = 0; j < k; j++)
		for (i = 0; i < d; i++)
			f->comp[j * d + i] = mat_get(C, i, j);

	/* Pass 3: orient each component like scikit-learn's svd_flip. */
	w.comp = f->comp;
	if ((lrc = parfor_run(n, w.shard_rows, w.workers, sign_shard, &w)) != 0)
		goto linalg_fail;
	for (j = 0; j < k; j++) {
		double best = -1.0, val = 0.0;
		for (s = 0; s < w.nshards; s++) {
			const double *p = w.partial + s * w.stride;
			if (p[2 * j] > best) {
				best = p[2 * j];
				val = p[2 * j + 1];
			}
		}
		if (val < 0.0)
			for (i = 0; i < d; i++)
				f->comp[j * d + i] = -f->comp[j * d + i];
	}

	f->noise_variance = 0.0;
	for (j = 0; j < d; j++)
		lambda[j] = lambda[j] > 0.0 ? lambda[j] : 0.0;
	if (k < r) {
		for (j = k; j < r; j++)
			f->noise_variance += lambda[j];
		f->noise_variance /= (double)(r - k);
	}
	for (j = 0; j < k; j++) {
		f->ev[j] = lambda[j];
		f->evr[j] = total > 0.0 ? lambda[j] / total : 0.0;
		f->sv[j] = sqrt(lambda[j] * (double)(n - 1));
		if (m->whiten && !(lambda[j] > 0.0)) {
			rc = plugkit_fail(err, LATHE_ENUMERIC, "pca: cannot whiten: "
			    "component %zu has zero variance", j + 1);
			goto out;
		}
	}
	f->k = (int)k;
	f->whiten = m->whiten;
	f->d = d;
	f->n_samples = n;
	f->fitted = 1;
	pca_set_scale(f);
	/* Move the fitted state into m. */
	{
		struct lathe_model tmp = *m;
		*m = *f;
		*f = tmp;
	}
	if (host != NULL)
		host->progress(host->ctx, 2, 2, NAN);
	rc = LATHE_OK;
	goto out;
linalg_fail:
	rc = plugkit_fail(err, plugkit_status(lrc), "pca: %s", linalg_strerror(lrc));
out:
	pca_destroy(f);
	mat_free(C);
	free(lambda);
	free(w.partial);
	free(w.scratch);
	return rc;
}

static size_t
pca_output_width(const struct lathe_model *m)
{
	return m != NULL ? (size_t)m->k : 0;
}

static int
pca_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	size_t k, i0, i, j, rows, B;
	double *buf;
	int lrc = LINALG_OK;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "pca: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "pca: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "pca: no input or output buffer");
	k = (size_t)m->k;
	B = n < BLOCK_ROWS ? n : BLOCK_ROWS;
	if ((buf = malloc(B * d * sizeof *buf)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "pca: out of memory");
	for (i0 = 0; i0 < n; i0 += rows) {
		struct mat Bm, O, V;

		rows = n - i0 < B ? n - i0 : B;
		centred_block(X, i0, rows, d, m->mean, buf);
		Bm = mat_view(buf, rows, d, d);
		O = mat_view(out + i0 * k, rows, k, k);
		V = mat_view(m->comp, k, d, d);
		if ((lrc = mat_gemm(MAT_NOTRANS, MAT_TRANS, 1.0, &Bm, &V, 0.0, &O)) != 0)
			break;
		if (m->whiten)
			for (i = 0; i < rows; i++)
				for (j = 0; j < k; j++)
					out[(i0 + i) * k + j] *= m->scale[j];
	}
	free(buf);
	if (lrc != LINALG_OK)
		return plugkit_fail(err, plugkit_status(lrc), "pca: predict: %s",
		    linalg_strerror(lrc));
	return LATHE_OK;
}

static int
pca_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;
	size_t k;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "pca: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "pca: no output buffer");
	k = (size_t)m->k;
	blobw_init(&w, PCA_FORMAT, PCA_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u64(&w, k);
	blobw_u32(&w, (uint32_t)m->whiten);
	blobw_u64(&w, m->n_samples);
	blobw_f64(&w, m->noise_variance);
	blobw_f64s(&w, m->mean, m->d);
	blobw_f64s(&w, m->comp, k * m->d);
	blobw_f64s(&w, m->ev, k);
	blobw_f64s(&w, m->evr, k);
	blobw_f64s(&w, m->sv, k);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "pca: out of memory");
	return LATHE_OK;
}

static int
pca_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, whiten;
	uint64_t d, k, ns, j;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "pca: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, PCA_MAGIC, PCA_FORMAT, &version,
	    "pca model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "pca: %s", msg);
	/* 1 + d + k * d + 3 * k doubles (at most (k + 1) * (d + 3)) must fit a
	 * size_t in bytes, checked before computing it: with k = 2^64 - 1 the
	 * old guard divided by k + 1 = 0, and near it the count wrapped */
	if (blobr_u64(&r, &d) != 0 || blobr_u64(&r, &k) != 0 ||
	    blobr_u32(&r, &whiten) != 0 || blobr_u64(&r, &ns) != 0 ||
	    d == 0 || k == 0 || k > d || whiten > 1 || ns < 2 || k > ns ||
	    d >= SIZE_MAX / sizeof(double) || k >= SIZE_MAX / sizeof(double) / (d + 3) ||
	    !blobr_has(&r, 1 + d + k * d + 3 * k, 8))
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL || pca_alloc(m, d, k) != 0) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "pca: out of memory");
		goto fail;
	}
	m->d = (size_t)d;
	m->k = (int)k;
	m->whiten = (int)whiten;
	m->n_samples = ns;
	if (blobr_f64(&r, &m->noise_variance) != 0 ||
	    blobr_f64s(&r, m->mean, d) != 0 || blobr_f64s(&r, m->comp, k * d) != 0 ||
	    blobr_f64s(&r, m->ev, k) != 0 || blobr_f64s(&r, m->evr, k) != 0 ||
	    blobr_f64s(&r, m->sv, k) != 0 || !blobr_done(&r) ||
	    !isfinite(m->noise_variance) || !plugkit_finite(m->mean, d) ||
	    !plugkit_finite(m->comp, k * d) || !plugkit_finite(m->evr, k) ||
	    !plugkit_finite(m->sv, k))
		goto corrupt;
	for (j = 0; j < k; j++)
		if (!(m->ev[j] >= 0.0) || !isfinite(m->ev[j]) ||
		    (m->whiten && !(m->ev[j] > 0.0)))
			goto corrupt;
	pca_set_scale(m);
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "pca: pca model payload is corrupt "
	    "(fields do not match their sizes)");
fail:
	pca_destroy(m);
	return rc;
}

static int
pca_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;
	size_t k;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "pca: model is not fitted");
	k = (size_t)m->k;
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "components");
	jbuf_matrix(&b, m->comp, k, m->d);
	jbuf_key(&b, "explained_variance");
	jbuf_nums(&b, m->ev, k);
	jbuf_key(&b, "explained_variance_ratio");
	jbuf_nums(&b, m->evr, k);
	jbuf_key(&b, "singular_values");
	jbuf_nums(&b, m->sv, k);
	jbuf_key(&b, "mean");
	jbuf_nums(&b, m->mean, m->d);
	jbuf_key(&b, "noise_variance");
	jbuf_num(&b, m->noise_variance);
	jbuf_key(&b, "n_components");
	jbuf_int(&b, m->k);
	jbuf_key(&b, "n_samples");
	jbuf_int(&b, (int64_t)m->n_samples);
	jbuf_key(&b, "whiten");
	jbuf_bool(&b, m->whiten);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "pca: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin pca_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "pca",
	.version = "1.0.0",
	.description = "principal component analysis (scikit-learn PCA, full solver)",
	.tasks = LATHE_TASK_PROJECTION,
	.params = pca_params,
	.nparams = P_COUNT,
	.model_format = PCA_FORMAT,
	.create = pca_create,
	.fit = pca_fit,
	.output_width = pca_output_width,
	.predict = pca_predict,
	.save = pca_save,
	.load = pca_load,
	.destroy = pca_destroy,
	.summary = pca_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &pca_plugin;
}
