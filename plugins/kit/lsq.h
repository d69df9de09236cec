/*
 * lsq.h — what the least-squares plugins (linear, ridge) share: the fit's
 * preparation (checks, centring) and its end (coefficients, intercept),
 * the normal equations by Cholesky, a filtered solve by SVD, prediction,
 * and the payload and summary around the fitted coefficients.
 *
 * A plugin keeps a struct lsq_fit inside its model and adds what is its
 * own (ridge's alpha).  Every message is prefixed with the plugin's name.
 *
 * Payload (after the blobio frame):
 *   u64 d, u32 fit_intercept, u32 solver used, f64 extra[nextra],
 *   f64 intercept, f64 coef[d].
 * The extras are the plugin's own numbers (ridge: alpha; linear: none).
 */
#ifndef LATHE_KIT_LSQ_H
#define LATHE_KIT_LSQ_H

#include <stddef.h>

#include "lathe_plugin.h"
#include "linalg/mat.h"

/* The fitted part of a linear model.  coef is malloc()ed, d values; the
 * plugin frees it with its model. */
struct lsq_fit {
	int fit_intercept;
	int fitted;
	int solver_used;    /* the plugin's own numbering */
	size_t d;
	double intercept;
	double *coef;
};

/* The buffers of one fit: the centred design matrix Xc (n x d), yc (n),
 * the column means xm (d) and ym, the solution w (d, zeroed), and the
 * Gram matrix G when the normal equations are used.  Start it with
 * lsq_work_begin, end it with lsq_work_free (always). */
struct lsq_work {
	size_t n, d;
	struct mat *Xc, *G;
	double *yc, *xm, *w, ym;
};

/* Checks data for a regression fit (shape, finite X, y present and
 * finite), allocates the buffers, centres X and y when fit_intercept and
 * then honours a cancellation.  Returns LATHE_OK, or a status with a
 * message naming the plugin; wk is then still to be freed. */
int lsq_work_begin(const char *name, const struct lathe_data *data,
    int fit_intercept, const struct lathe_host *host, struct lsq_work *wk,
    char **err);

/* Frees the buffers of wk (the fields may be NULL). */
void lsq_work_free(struct lsq_work *wk);

/* Solves (Xc^T Xc + alpha I) w = Xc^T yc by Cholesky into wk->w (G is
 * allocated into wk).  Returns a linalg status: LINALG_ENOTPD when the
 * matrix is not positive definite, which the caller words. */
int lsq_normal_solve(struct lsq_work *wk, double alpha);

/* Filters one component of U^T y: given u = (U^T y)_i, its singular value
 * s and the largest s0, returns what multiplies V's column i. */
typedef double (*lsq_svd_filter)(double u, double s, double s0, const void *ctx);

/* w = V filter(U^T y) for the thin SVD A = U S V^T.  A (n x d) is
 * destroyed; w receives d values.  Returns LATHE_OK or a status with a
 * message "NAME: svd: ...". */
int lsq_svd_solve(const char *name, struct mat *A, const double *y,
    lsq_svd_filter filter, const void *ctx, double *w, char **err);

/* Moves wk->w into fit (freeing an earlier coef), sets the intercept from
 * the means when fit_intercept, marks fit fitted with solver_used and
 * reports progress 1 of 1. */
void lsq_work_finish(struct lsq_work *wk, struct lsq_fit *fit, int solver_used,
    const struct lathe_host *host);

/* The plugin's predict: out = X coef + intercept. */
int lsq_predict(const char *name, const struct lsq_fit *fit, size_t n, size_t d,
    const double *X, double *out, char **err);

/* Writes the payload (format, magic: the plugin's) of a fitted fit with
 * extra[0..nextra-1] between the header and the intercept.  *buf is
 * malloc()ed, the caller frees it. */
int lsq_save(const char *name, const struct lsq_fit *fit, unsigned format,
    const char magic[4], const double *extra, size_t nextra, void **buf,
    size_t *len, char **err);

/* Reads a payload written by lsq_save: solver_used must be at most
 * max_solver; extra receives nextra values, which the caller checks (and
 * words as lsq_corrupt when they are wrong).  On success fit->coef is
 * malloc()ed and fit is marked fitted; on failure fit holds nothing. */
int lsq_load(const char *name, const void *buf, size_t len, unsigned format,
    const char magic[4], int max_solver, double *extra, size_t nextra,
    struct lsq_fit *fit, char **err);

/* LATHE_EFORMAT with "NAME: NAME model payload is corrupt (...)". */
int lsq_corrupt(const char *name, char **err);

/* The summary JSON: coef, intercept, then key: value when key is not
 * NULL, n_features, fit_intercept and solver (solver_name).  *json is
 * malloc()ed, the caller frees it. */
int lsq_summary(const char *name, const struct lsq_fit *fit,
    const char *solver_name, const char *key, double value, char **json,
    char **err);

#endif
