/*
 * lsq.c — the least-squares plumbing linear and ridge share (see lsq.h).
 * The algorithms' choices — which solver, what to do when one fails, how
 * singular values are filtered — stay in the plugins.
 */
#include "kit/lsq.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"

int
lsq_work_begin(const char *name, const struct lathe_data *data,
    int fit_intercept, const struct lathe_host *host, struct lsq_work *wk,
    char **err)
{
	size_t n, d;
	int rc;

	memset(wk, 0, sizeof *wk);
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	if (data->y == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "%s: regression needs targets y", name);
	if (!plugkit_finite(data->y, data->n))
		return plugkit_fail(err, LATHE_EINVAL, "%s: target y has non-finite values",
		    name);
	n = wk->n = data->n;
	d = wk->d = data->d;
	wk->Xc = mat_new(n, d);
	wk->yc = malloc(n * sizeof *wk->yc);
	wk->xm = malloc(d * sizeof *wk->xm);
	wk->w = calloc(d, sizeof *wk->w);
	if (wk->Xc == NULL || wk->yc == NULL || wk->xm == NULL || wk->w == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "%s: out of memory (%zu x %zu)",
		    name, n, d);
	plugkit_centre(data, fit_intercept, wk->Xc, wk->yc, wk->xm, &wk->ym);
	if (host != NULL && host->cancelled(host->ctx))
		return plugkit_fail(err, LATHE_ECANCELLED, "%s: cancelled", name);
	return LATHE_OK;
}

void
lsq_work_free(struct lsq_work *wk)
{
	mat_free(wk->Xc);
	mat_free(wk->G);
	free(wk->yc);
	free(wk->xm);
	free(wk->w);
	memset(wk, 0, sizeof *wk);
}

int
lsq_normal_solve(struct lsq_work *wk, double alpha)
{
	struct mat b = mat_view(wk->w, wk->d, 1, 1);
	size_t j;
	int lrc;

	if (wk->G == NULL && (wk->G = mat_new(wk->d, wk->d)) == NULL)
		return LINALG_ENOMEM;
	lrc = mat_syrk(MAT_TRANS, 1.0, wk->Xc, 0.0, wk->G);
	if (lrc == LINALG_OK)
		lrc = mat_gemv(MAT_TRANS, 1.0, wk->Xc, wk->yc, wk->n, 0.0, wk->w, wk->d);
	if (lrc == LINALG_OK) {
		/* the diagonal is a sum of squares (never -0), so + 0.0 keeps it */
		for (j = 0; j < wk->d; j++)
			mat_row(wk->G, j)[j] += alpha;
		lrc = mat_cholesky(wk->G);
	}
	if (lrc == LINALG_OK)
		lrc = mat_cholesky_solve(wk->G, &b);
	return lrc;
}

int
lsq_svd_solve(const char *name, struct mat *A, const double *y,
    lsq_svd_filter filter, const void *ctx, double *w, char **err)
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
		plugkit_fail(err, rc, "%s: out of memory", name);
		goto out;
	}
	lrc = mat_svd(A, s, U, Vt);
	if (lrc == LINALG_OK)
		lrc = mat_gemv(MAT_TRANS, 1.0, U, y, n, 0.0, uty, k);
	if (lrc == LINALG_OK) {
		for (i = 0; i < k; i++)
			uty[i] = filter(uty[i], s[i], s[0], ctx);
		lrc = mat_gemv(MAT_TRANS, 1.0, Vt, uty, k, 0.0, w, d);
	}
	if (lrc != LINALG_OK) {
		rc = plugkit_fail(err, plugkit_status(lrc), "%s: svd: %s", name,
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

void
lsq_work_finish(struct lsq_work *wk, struct lsq_fit *fit, int solver_used,
    const struct lathe_host *host)
{
	size_t j;

	free(fit->coef);
	fit->coef = wk->w;
	wk->w = NULL;
	fit->d = wk->d;
	fit->intercept = 0.0;
	if (fit->fit_intercept) {
		double dot = 0.0;
		for (j = 0; j < fit->d; j++)
			dot += wk->xm[j] * fit->coef[j];
		fit->intercept = wk->ym - dot;
	}
	fit->solver_used = solver_used;
	fit->fitted = 1;
	if (host != NULL)
		host->progress(host->ctx, 1, 1, NAN);
}

int
lsq_predict(const char *name, const struct lsq_fit *fit, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	if (!fit->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "%s: model is not fitted", name);
	return plugkit_affine_predict(name, fit->coef, fit->intercept, fit->d, n, d,
	    X, out, err);
}

int
lsq_save(const char *name, const struct lsq_fit *fit, unsigned format,
    const char magic[4], const double *extra, size_t nextra, void **buf,
    size_t *len, char **err)
{
	struct blobw w;
	size_t i;

	if (!fit->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "%s: model is not fitted", name);
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "%s: no output buffer", name);
	blobw_init(&w, format, magic);
	blobw_u64(&w, fit->d);
	blobw_u32(&w, (uint32_t)fit->fit_intercept);
	blobw_u32(&w, (uint32_t)fit->solver_used);
	for (i = 0; i < nextra; i++)
		blobw_f64(&w, extra[i]);
	blobw_f64(&w, fit->intercept);
	blobw_f64s(&w, fit->coef, fit->d);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "%s: out of memory", name);
	return LATHE_OK;
}

int
lsq_corrupt(const char *name, char **err)
{
	return plugkit_fail(err, LATHE_EFORMAT, "%s: %s model payload is "
	    "corrupt (fields do not match their sizes)", name, name);
}

int
lsq_load(const char *name, const void *buf, size_t len, unsigned format,
    const char magic[4], int max_solver, double *extra, size_t nextra,
    struct lsq_fit *fit, char **err)
{
	struct blobr r;
	char msg[200], what[64];
	uint32_t version, fi, solver;
	uint64_t d;
	size_t i;

	memset(fit, 0, sizeof *fit);
	snprintf(what, sizeof what, "%s model", name);
	if (blobr_open(&r, buf, len, magic, format, &version, what, msg,
	    sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "%s: %s", name, msg);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &fi) != 0 ||
	    blobr_u32(&r, &solver) != 0 || d == 0 || !blobr_has(&r, d, 8) ||
	    fi > 1 || solver > (uint32_t)max_solver)
		return lsq_corrupt(name, err);
	if ((fit->coef = malloc((size_t)d * sizeof *fit->coef)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "%s: out of memory", name);
	fit->d = (size_t)d;
	fit->fit_intercept = (int)fi;
	fit->solver_used = (int)solver;
	for (i = 0; i < nextra; i++)
		if (blobr_f64(&r, &extra[i]) != 0)
			goto corrupt;
	if (blobr_f64(&r, &fit->intercept) != 0 ||
	    blobr_f64s(&r, fit->coef, fit->d) != 0 || !blobr_done(&r) ||
	    !isfinite(fit->intercept) || !plugkit_finite(fit->coef, fit->d))
		goto corrupt;
	fit->fitted = 1;
	return LATHE_OK;
corrupt:
	free(fit->coef);
	memset(fit, 0, sizeof *fit);
	return lsq_corrupt(name, err);
}

int
lsq_summary(const char *name, const struct lsq_fit *fit,
    const char *solver_name, const char *key, double value, char **json,
    char **err)
{
	struct jbuf b;

	if (!fit->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "%s: model is not fitted", name);
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "coef");
	jbuf_nums(&b, fit->coef, fit->d);
	jbuf_key(&b, "intercept");
	jbuf_num(&b, fit->intercept);
	if (key != NULL) {
		jbuf_key(&b, key);
		jbuf_num(&b, value);
	}
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)fit->d);
	jbuf_key(&b, "fit_intercept");
	jbuf_bool(&b, fit->fit_intercept);
	jbuf_key(&b, "solver");
	jbuf_str(&b, solver_name);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "%s: out of memory", name);
	return LATHE_OK;
}
