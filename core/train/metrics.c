/*
 * metrics.c — evaluation metrics that reproduce scikit-learn 1.2.1's numbers.
 *
 * A metric turns predictions and the truth into one number that lathe stores with a
 * run and that users compare against what scikit-learn printed for the same vectors.
 * "The same number" is the invariant of this file: not merely the same formula but
 * the same order of floating-point operations wherever that is practical, so that
 * results agree to the last bit or nearly (the tests demand 1e-12 relative).
 *
 * How that is achieved:
 *   - Every sum that numpy would compute with add.reduce goes through np_sum() or an
 *     npsum accumulator, which reproduce numpy's algorithm for contiguous float64:
 *     pairwise summation (8-way unrolled, blocks of 128) inside chunks of 8192
 *     elements (the ufunc buffer size), the chunk results added left to right.
 *     Besides matching numpy this keeps the rounding error O(log n) per chunk.
 *   - Counting is done in size_t and converted to double only where numpy divides.
 *   - Ratios and ill-defined cases follow sklearn's code paths (_prf_divide,
 *     _binary_clf_curve + roc_curve(drop_intermediate=True) + auc, log_loss's clip
 *     and renormalisation, r2_score's force_finite, silhouette's nan_to_num).
 *   - The one place where sklearn cannot be followed bit for bit is the euclidean
 *     distance in silhouette: sklearn computes it as sqrt(|x|^2 - 2 x.y + |y|^2)
 *     through BLAS, which cancels catastrophically for nearby points far from the
 *     origin.  We compute sqrt(sum (x_t - y_t)^2) directly, which is exact to a few
 *     ulps; the difference from sklearn is sklearn's own rounding error, about
 *     eps * |x|^2 / |x - y|^2 relative per distance (see docs/metrics.md).
 *
 * Sizes: classification and regression are O(n) (ROC AUC O(n log n) per class);
 * silhouette is O(m^2 d) for m rows used and is computed in cache-sized tiles,
 * visiting each unordered pair once while keeping sklearn's per-row summation order.
 *
 * Library code: no exit/abort, every failure is a status plus an optional message,
 * every allocation is checked and released on one `out:` path.
 */
#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------------- */

const char *metrics_strerror(int status)
{
	switch (status) {
	case METRICS_OK: return "ok";
	case METRICS_EINVAL: return "invalid argument";
	case METRICS_ENOMEM: return "out of memory";
	case METRICS_EUNDEFINED: return "metric undefined for this input";
	default: return "unknown metrics status";
	}
}

/* Sets *err (when err is non-NULL) to a formatted message and returns status. */
static int fail(char **err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char **err, int status, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *msg;

	if (err == NULL)
		return status;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = len < 0 ? NULL : malloc((size_t)len + 1);
	if (msg != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	*err = msg;
	return status;
}

static int fail_nomem(char **err, const char *what)
{
	return fail(err, METRICS_ENOMEM, "%s: out of memory", what);
}

/* ---- numpy-compatible summation ------------------------------------------------ */

#define NP_BUFSIZE 8192 /* numpy's default ufunc buffer: reductions restart here */
#define NP_PW_BLOCK 128 /* numpy's PW_BLOCKSIZE */

/* numpy's pairwise_sum_DOUBLE (umath/loops_utils.h), for n <= NP_BUFSIZE. */
static double pairwise_sum(const double *a, size_t n)
{
	if (n < 8) {
		double res = 0.;
		for (size_t i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= NP_PW_BLOCK) {
		double r[8], res;
		size_t i;
		for (int j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - (n % 8); i += 8)
			for (int j = 0; j < 8; j++)
				r[j] += a[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	size_t n2 = n / 2;
	n2 -= n2 % 8;
	return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* numpy.sum of a contiguous float64 vector: pairwise within 8192-element chunks. */
static double np_sum(const double *a, size_t n)
{
	double total = 0.0;
	for (size_t i = 0; i < n; i += NP_BUFSIZE) {
		size_t len = n - i < NP_BUFSIZE ? n - i : NP_BUFSIZE;
		total += pairwise_sum(a + i, len);
	}
	return total;
}

/* An accumulator for terms generated on the fly: same result as np_sum over the
 * sequence of pushed values, with one fixed 64 KiB buffer instead of n doubles. */
struct npsum {
	double *buf;
	size_t len;
	double total;
};

static int npsum_init(struct npsum *s)
{
	s->len = 0;
	s->total = 0.0;
	s->buf = malloc(NP_BUFSIZE * sizeof(double));
	return s->buf == NULL ? -1 : 0;
}

static inline void npsum_push(struct npsum *s, double v)
{
	s->buf[s->len++] = v;
	if (s->len == NP_BUFSIZE) {
		s->total += pairwise_sum(s->buf, s->len);
		s->len = 0;
	}
}

static double npsum_result(struct npsum *s)
{
	if (s->len > 0) {
		s->total += pairwise_sum(s->buf, s->len);
		s->len = 0;
	}
	return s->total;
}

static void npsum_free(struct npsum *s)
{
	free(s->buf);
	s->buf = NULL;
}

/* Squared euclidean distance summed the way numpy sums ((a - b)**2) along a row:
 * pairwise over the d terms.  The 8 independent accumulators also keep the adder
 * pipeline full, which matters in silhouette's O(n^2 d) loop. */
static double sqdist_pw(const double *a, const double *b, size_t d)
{
	if (d < 8) {
		double res = 0.;
		for (size_t i = 0; i < d; i++) {
			double t = a[i] - b[i];
			res += t * t;
		}
		return res;
	}
	if (d <= NP_PW_BLOCK) {
		double r[8], res;
		size_t i;
		for (int j = 0; j < 8; j++) {
			double t = a[j] - b[j];
			r[j] = t * t;
		}
		for (i = 8; i < d - (d % 8); i += 8)
			for (int j = 0; j < 8; j++) {
				double t = a[i + j] - b[i + j];
				r[j] += t * t;
			}
		res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < d; i++) {
			double t = a[i] - b[i];
			res += t * t;
		}
		return res;
	}
	size_t d2 = d / 2;
	d2 -= d2 % 8;
	return sqdist_pw(a, b, d2) + sqdist_pw(a + d2, b + d2, d - d2);
}

static double sqdist(const double *a, const double *b, size_t d)
{
	if (d <= NP_BUFSIZE)
		return sqdist_pw(a, b, d);
	double total = 0.0;
	for (size_t i = 0; i < d; i += NP_BUFSIZE) {
		size_t len = d - i < NP_BUFSIZE ? d - i : NP_BUFSIZE;
		total += sqdist_pw(a + i, b + i, len);
	}
	return total;
}

/* ---- argument checks --------------------------------------------------------- */

static int check_labels(const int *y, const char *name, size_t n, int k, char **err)
{
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || y[i] >= k)
			return fail(err, METRICS_EINVAL, "%s[%zu] = %d is outside 0..%d",
			            name, i, y[i], k - 1);
	return 0;
}

/* Common checks for (y_true, y_pred, n, k); y_pred may be NULL when not used. */
static int check_class_args(const int *y_true, const int *y_pred, size_t n, int k,
                            char **err)
{
	int rc;

	if (y_true == NULL)
		return fail(err, METRICS_EINVAL, "y_true is NULL");
	if (n == 0)
		return fail(err, METRICS_EINVAL, "no samples (n = 0)");
	if (k < 2)
		return fail(err, METRICS_EINVAL, "k = %d classes; need at least 2", k);
	if ((rc = check_labels(y_true, "y_true", n, k, err)) != 0)
		return rc;
	if (y_pred != NULL && (rc = check_labels(y_pred, "y_pred", n, k, err)) != 0)
		return rc;
	return 0;
}

static int check_finite(const double *a, size_t n, const char *name, char **err)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(a[i]))
			return fail(err, METRICS_EINVAL, "%s[%zu] = %g is not finite", name, i, a[i]);
	return 0;
}

/* Checks a row-major rows x cols matrix for non-finite values. */
static int check_finite_matrix(const double *a, size_t rows, size_t cols,
                               const char *name, char **err)
{
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			if (!isfinite(a[i * cols + j]))
				return fail(err, METRICS_EINVAL, "%s[%zu][%zu] = %g is not finite",
				            name, i, j, a[i * cols + j]);
	return 0;
}

/* rows * cols without overflow, or -1. */
static int mul_size(size_t rows, size_t cols, size_t *out)
{
	if (cols != 0 && rows > SIZE_MAX / cols / sizeof(double))
		return -1;
	*out = rows * cols;
	return 0;
}

/* ---- classification: counts ---------------------------------------------------- */

/* Per-class true positives, predicted counts and true counts (the diagonal, column
 * sums and row sums of the confusion matrix).  Arrays of k, owned by the caller of
 * class_counts_new, freed with class_counts_free. */
struct class_counts {
	size_t *tp, *pred, *truth;
};

static void class_counts_free(struct class_counts *c)
{
	free(c->tp);
	free(c->pred);
	free(c->truth);
	c->tp = c->pred = c->truth = NULL;
}

static int class_counts_new(const int *y_true, const int *y_pred, size_t n, int k,
                            struct class_counts *c)
{
	c->tp = calloc((size_t)k, sizeof(size_t));
	c->pred = calloc((size_t)k, sizeof(size_t));
	c->truth = calloc((size_t)k, sizeof(size_t));
	if (c->tp == NULL || c->pred == NULL || c->truth == NULL) {
		class_counts_free(c);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		c->truth[y_true[i]]++;
		c->pred[y_pred[i]]++;
		if (y_true[i] == y_pred[i])
			c->tp[y_true[i]]++;
	}
	return 0;
}

/* sklearn's _prf_divide with zero_division="warn": 0 where the denominator is 0. */
static double prf_divide(size_t num, size_t den)
{
	return den == 0 ? 0.0 : (double)num / (double)den;
}

/* F1 as precision_recall_fscore_support computes it with beta = 1:
 * (1 + beta2) * p * r / (beta2 * p + r), denominator 0 replaced by 1. */
static double f1_of(double p, double r)
{
	double denom = 1.0 * p + r;
	if (denom == 0.0)
		denom = 1;
	return (1 + 1.0) * p * r / denom;
}

int metrics_accuracy(const int *y_true, const int *y_pred, size_t n, int k,
                     double *out, char **err)
{
	int rc;
	size_t hits = 0;

	if (y_pred == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "accuracy: NULL argument");
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		hits += y_true[i] == y_pred[i];
	*out = (double)hits / (double)n;
	return 0;
}

int metrics_balanced_accuracy(const int *y_true, const int *y_pred, size_t n, int k,
                              double *out, char **err)
{
	struct class_counts c = { 0 };
	double *recall = NULL;
	size_t m = 0;
	int rc;

	if (y_pred == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "balanced_accuracy: NULL argument");
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	if (class_counts_new(y_true, y_pred, n, k, &c) != 0 ||
	    (recall = malloc((size_t)k * sizeof(double))) == NULL) {
		rc = fail_nomem(err, "balanced_accuracy");
		goto out;
	}
	/* diag(C) / C.sum(axis=1), then NaN rows (classes absent from y_true) dropped */
	for (int j = 0; j < k; j++)
		if (c.truth[j] > 0)
			recall[m++] = (double)c.tp[j] / (double)c.truth[j];
	*out = np_sum(recall, m) / (double)m;
	rc = 0;
out:
	free(recall);
	class_counts_free(&c);
	return rc;
}

int metrics_prf(const int *y_true, const int *y_pred, size_t n, int k,
                enum metrics_average average,
                double *precision, double *recall, double *f1, char **err)
{
	struct class_counts c = { 0 };
	double *v = NULL, *p, *r, *f, *w;
	size_t m = 0;
	int rc;

	if (y_pred == NULL)
		return fail(err, METRICS_EINVAL, "y_pred is NULL");
	if (average != METRICS_AVERAGE_MACRO && average != METRICS_AVERAGE_WEIGHTED)
		return fail(err, METRICS_EINVAL, "average = %d is neither macro nor weighted",
		            (int)average);
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	if (class_counts_new(y_true, y_pred, n, k, &c) != 0 ||
	    (v = malloc(4 * (size_t)k * sizeof(double))) == NULL) {
		rc = fail_nomem(err, "precision/recall/f1");
		goto out;
	}
	p = v;
	r = v + k;
	f = v + 2 * (size_t)k;
	w = v + 3 * (size_t)k;
	/* labels = unique_labels(y_true, y_pred): classes seen in either vector */
	for (int j = 0; j < k; j++) {
		if (c.truth[j] == 0 && c.pred[j] == 0)
			continue;
		p[m] = prf_divide(c.tp[j], c.pred[j]);
		r[m] = prf_divide(c.tp[j], c.truth[j]);
		f[m] = f1_of(p[m], r[m]);
		w[m] = (double)c.truth[j];
		m++;
	}
	if (average == METRICS_AVERAGE_MACRO) {
		/* np.average(x) == x.mean() */
		if (precision)
			*precision = np_sum(p, m) / (double)m;
		if (recall)
			*recall = np_sum(r, m) / (double)m;
		if (f1)
			*f1 = np_sum(f, m) / (double)m;
	} else {
		/* np.average(x, weights=w) == np.multiply(x, w).sum() / w.sum(); the weights
		 * sum to n > 0, so sklearn's all-zero-weights branch cannot occur here */
		double scl = np_sum(w, m);
		double *x[3] = { p, r, f };
		double *dst[3] = { precision, recall, f1 };
		for (int t = 0; t < 3; t++) {
			if (dst[t] == NULL)
				continue;
			for (size_t j = 0; j < m; j++)
				x[t][j] *= w[j];
			*dst[t] = np_sum(x[t], m) / scl;
		}
	}
	rc = 0;
out:
	free(v);
	class_counts_free(&c);
	return rc;
}

int metrics_per_class(const int *y_true, const int *y_pred, size_t n, int k,
                      double *precision, double *recall, double *f1, size_t *support,
                      char **err)
{
	struct class_counts c = { 0 };
	int rc;

	if (y_pred == NULL)
		return fail(err, METRICS_EINVAL, "y_pred is NULL");
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	if (class_counts_new(y_true, y_pred, n, k, &c) != 0)
		return fail_nomem(err, "per-class metrics");
	for (int j = 0; j < k; j++) {
		double pj = prf_divide(c.tp[j], c.pred[j]);
		double rj = prf_divide(c.tp[j], c.truth[j]);
		if (precision)
			precision[j] = pj;
		if (recall)
			recall[j] = rj;
		if (f1)
			f1[j] = f1_of(pj, rj);
		if (support)
			support[j] = c.truth[j];
	}
	class_counts_free(&c);
	return 0;
}

int metrics_confusion_matrix(const int *y_true, const int *y_pred, size_t n, int k,
                             size_t *cm, char **err)
{
	int rc;

	if (y_pred == NULL || cm == NULL)
		return fail(err, METRICS_EINVAL, "confusion_matrix: NULL argument");
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	memset(cm, 0, (size_t)k * (size_t)k * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		cm[(size_t)y_true[i] * (size_t)k + (size_t)y_pred[i]]++;
	return 0;
}

void metrics_class_report_free(struct metrics_class_report *r)
{
	if (r == NULL)
		return;
	free(r->confusion);
	free(r->precision);
	free(r->recall);
	free(r->f1);
	free(r->support);
	free(r);
}

int metrics_class_report_new(const int *y_true, const int *y_pred, size_t n, int k,
                             struct metrics_class_report **out, char **err)
{
	struct metrics_class_report *r = NULL;
	int rc;

	if (y_pred == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "class report: NULL argument");
	if ((rc = check_class_args(y_true, y_pred, n, k, err)) != 0)
		return rc;
	if ((size_t)k > SIZE_MAX / sizeof(size_t) / (size_t)k)
		return fail(err, METRICS_EINVAL, "k = %d classes is too many", k);
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = fail_nomem(err, "class report");
		goto out;
	}
	r->k = k;
	r->n = n;
	r->confusion = malloc((size_t)k * (size_t)k * sizeof(size_t));
	r->precision = malloc((size_t)k * sizeof(double));
	r->recall = malloc((size_t)k * sizeof(double));
	r->f1 = malloc((size_t)k * sizeof(double));
	r->support = malloc((size_t)k * sizeof(size_t));
	if (r->confusion == NULL || r->precision == NULL || r->recall == NULL ||
	    r->f1 == NULL || r->support == NULL) {
		rc = fail_nomem(err, "class report");
		goto out;
	}
	if ((rc = metrics_confusion_matrix(y_true, y_pred, n, k, r->confusion, err)) != 0 ||
	    (rc = metrics_per_class(y_true, y_pred, n, k, r->precision, r->recall, r->f1,
	                            r->support, err)) != 0 ||
	    (rc = metrics_accuracy(y_true, y_pred, n, k, &r->accuracy, err)) != 0 ||
	    (rc = metrics_balanced_accuracy(y_true, y_pred, n, k, &r->balanced_accuracy,
	                                    err)) != 0 ||
	    (rc = metrics_prf(y_true, y_pred, n, k, METRICS_AVERAGE_MACRO, &r->precision_macro,
	                      &r->recall_macro, &r->f1_macro, err)) != 0 ||
	    (rc = metrics_prf(y_true, y_pred, n, k, METRICS_AVERAGE_WEIGHTED,
	                      &r->precision_weighted, &r->recall_weighted, &r->f1_weighted,
	                      err)) != 0)
		goto out;
	*out = r;
	r = NULL;
	rc = 0;
out:
	metrics_class_report_free(r);
	return rc;
}

/* ---- classification: ROC AUC ----------------------------------------------------- */

struct scored {
	double score;
	int positive;
};

/* Descending by score; ties in any order (only the last index of a tie group is used). */
static int scored_cmp_desc(const void *pa, const void *pb)
{
	double a = ((const struct scored *)pa)->score;
	double b = ((const struct scored *)pb)->score;
	return (a < b) - (a > b);
}

/* Scratch space for auc_of: fps and tps need n + 1 entries, area terms n. */
struct roc_work {
	struct scored *v;
	double *fps, *tps, *terms;
};

static void roc_work_free(struct roc_work *w)
{
	free(w->v);
	free(w->fps);
	free(w->tps);
	free(w->terms);
}

static int roc_work_init(struct roc_work *w, size_t n)
{
	w->v = malloc(n * sizeof(*w->v));
	w->fps = malloc((n + 1) * sizeof(double));
	w->tps = malloc((n + 1) * sizeof(double));
	w->terms = malloc((n + 1) * sizeof(double));
	if (w->v == NULL || w->fps == NULL || w->tps == NULL || w->terms == NULL) {
		roc_work_free(w);
		memset(w, 0, sizeof(*w));
		return -1;
	}
	return 0;
}

/* AUC of w->v[0..n-1] (filled by the caller).  Follows sklearn step by step:
 * _binary_clf_curve (one point per distinct score, at the last index of the tie
 * group; fps = 1 + idx - tps), roc_curve's drop_intermediate (keep the ends and every
 * point where the second difference of fps or tps is nonzero), a (0, 0) point in
 * front, fpr = fps / fps[-1], tpr = tps / tps[-1], and auc = np.trapz(tpr, fpr)
 * = sum(dx * (y[1:] + y[:-1]) / 2.0).  Returns -1 when one class is missing. */
static int auc_of(struct roc_work *w, size_t n, double *out)
{
	size_t npts = 0, kept, pos = 0;
	double *fps = w->fps, *tps = w->tps;

	qsort(w->v, n, sizeof(*w->v), scored_cmp_desc);
	for (size_t i = 0; i < n; i++) {
		pos += w->v[i].positive != 0;
		if (i == n - 1 || w->v[i].score != w->v[i + 1].score) {
			tps[npts] = (double)pos;
			fps[npts] = 1 + (double)i - (double)pos;
			npts++;
		}
	}
	if (pos == 0 || pos == n)
		return -1;

	/* drop_intermediate, in place; decisions use the original neighbours */
	if (npts > 2) {
		double pf = fps[0], pt = tps[0]; /* original point t - 1 */
		kept = 1;
		for (size_t t = 1; t + 1 < npts; t++) {
			double cf = fps[t], ct = tps[t];
			double d2f = (fps[t + 1] - cf) - (cf - pf);
			double d2t = (tps[t + 1] - ct) - (ct - pt);
			if (d2f != 0 || d2t != 0) {
				fps[kept] = cf;
				tps[kept] = ct;
				kept++;
			}
			pf = cf;
			pt = ct;
		}
		fps[kept] = fps[npts - 1];
		tps[kept] = tps[npts - 1];
		npts = kept + 1;
	}

	/* prepend (0, 0) and normalise */
	memmove(fps + 1, fps, npts * sizeof(double));
	memmove(tps + 1, tps, npts * sizeof(double));
	fps[0] = 0;
	tps[0] = 0;
	npts++;
	double fmax = fps[npts - 1], tmax = tps[npts - 1];
	for (size_t t = 0; t < npts; t++) {
		fps[t] = fps[t] / fmax;
		tps[t] = tps[t] / tmax;
	}
	for (size_t t = 1; t < npts; t++)
		w->terms[t - 1] = (fps[t] - fps[t - 1]) * (tps[t] + tps[t - 1]) / 2.0;
	*out = np_sum(w->terms, npts - 1);
	return 0;
}

int metrics_roc_auc_binary(const int *y_true, const double *score, size_t n,
                           double *out, char **err)
{
	struct roc_work w = { 0 };
	int rc;

	if (y_true == NULL || score == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "roc_auc: NULL argument");
	if (n == 0)
		return fail(err, METRICS_EINVAL, "no samples (n = 0)");
	if ((rc = check_finite(score, n, "score", err)) != 0)
		return rc;
	if (roc_work_init(&w, n) != 0)
		return fail_nomem(err, "roc_auc");
	for (size_t i = 0; i < n; i++) {
		w.v[i].score = score[i];
		w.v[i].positive = y_true[i] != 0;
	}
	if (auc_of(&w, n, out) != 0)
		rc = fail(err, METRICS_EUNDEFINED,
		          "roc_auc: only one class present in y_true; auc is undefined");
	roc_work_free(&w);
	return rc;
}

int metrics_roc_auc(const int *y_true, const double *proba, size_t n, int k,
                    double *out, char **err)
{
	struct roc_work w = { 0 };
	size_t *count = NULL;
	double *per_class = NULL;
	size_t nk;
	int rc;

	if (proba == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "proba or output is NULL");
	if ((rc = check_class_args(y_true, NULL, n, k, err)) != 0)
		return rc;
	if (mul_size(n, (size_t)k, &nk) != 0)
		return fail(err, METRICS_EINVAL, "n x k = %zu x %d is too large", n, k);
	if ((rc = check_finite_matrix(proba, n, (size_t)k, "proba", err)) != 0)
		return rc;
	if (roc_work_init(&w, n) != 0 ||
	    (count = calloc((size_t)k, sizeof(size_t))) == NULL ||
	    (per_class = malloc((size_t)k * sizeof(double))) == NULL) {
		rc = fail_nomem(err, "roc_auc");
		goto out;
	}
	if (k > 2) {
		/* sklearn refuses scores that are not probabilities: np.allclose(1, sum) */
		for (size_t i = 0; i < n; i++) {
			double s = pairwise_sum(proba + i * (size_t)k, (size_t)k);
			if (!(fabs(1.0 - s) <= 1e-8 + 1e-5 * fabs(s))) {
				rc = fail(err, METRICS_EINVAL,
				          "roc_auc: row %zu of proba sums to %.17g, not 1", i, s);
				goto out;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		count[y_true[i]]++;
	for (int c = 0; c < k; c++)
		if (count[c] == 0 || count[c] == n) {
			rc = fail(err, METRICS_EUNDEFINED,
			          count[c] == 0 ? "roc_auc: class %d does not occur in y_true"
			                        : "roc_auc: class %d is the only class in y_true",
			          c);
			goto out;
		}
	if (k == 2) {
		for (size_t i = 0; i < n; i++) {
			w.v[i].score = proba[i * 2 + 1];
			w.v[i].positive = y_true[i] == 1;
		}
		auc_of(&w, n, out);
	} else {
		for (int c = 0; c < k; c++) {
			for (size_t i = 0; i < n; i++) {
				w.v[i].score = proba[i * (size_t)k + (size_t)c];
				w.v[i].positive = y_true[i] == c;
			}
			auc_of(&w, n, &per_class[c]);
		}
		*out = np_sum(per_class, (size_t)k) / (double)k;
	}
	rc = 0;
out:
	roc_work_free(&w);
	free(count);
	free(per_class);
	return rc;
}

/* ---- classification: log loss ---------------------------------------------------- */

int metrics_log_loss(const int *y_true, const double *proba, size_t n, int k,
                     double *out, char **err)
{
	struct npsum acc = { 0 };
	double *row = NULL;
	size_t nk;
	int rc;
	const double eps = DBL_EPSILON; /* np.finfo(np.float64).eps */

	if (proba == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "proba or output is NULL");
	if ((rc = check_class_args(y_true, NULL, n, k, err)) != 0)
		return rc;
	if (mul_size(n, (size_t)k, &nk) != 0)
		return fail(err, METRICS_EINVAL, "n x k = %zu x %d is too large", n, k);
	if ((rc = check_finite_matrix(proba, n, (size_t)k, "proba", err)) != 0)
		return rc;
	if (npsum_init(&acc) != 0 || (row = malloc((size_t)k * sizeof(double))) == NULL) {
		rc = fail_nomem(err, "log_loss");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		/* np.clip(y_pred, eps, 1 - eps); y_pred / y_pred.sum(axis=1) */
		for (int j = 0; j < k; j++) {
			double p = proba[i * (size_t)k + (size_t)j];
			p = p < eps ? eps : p;
			row[j] = p > 1 - eps ? 1 - eps : p;
		}
		double s = 0.0 + pairwise_sum(row, (size_t)k);
		/* -xlogy(onehot, p).sum(axis=1): only the true class's term is nonzero */
		npsum_push(&acc, -log(row[y_true[i]] / s));
	}
	*out = npsum_result(&acc) / (double)n;
	rc = 0;
out:
	npsum_free(&acc);
	free(row);
	return rc;
}

/* ---- regression ---------------------------------------------------------------- */

static int check_reg_args(const double *y_true, const double *y_pred, size_t n,
                          const double *out, char **err)
{
	int rc;

	if (y_true == NULL || y_pred == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "regression metric: NULL argument");
	if (n == 0)
		return fail(err, METRICS_EINVAL, "no samples (n = 0)");
	if ((rc = check_finite(y_true, n, "y_true", err)) != 0)
		return rc;
	return check_finite(y_pred, n, "y_pred", err);
}

enum reg_term { REG_SQUARED, REG_ABSOLUTE, REG_PERCENTAGE };

/* np.average(term(y_true, y_pred)) for one of the per-sample terms. */
static int reg_mean(const double *y_true, const double *y_pred, size_t n,
                    enum reg_term term, double *out, char **err)
{
	struct npsum acc;

	if (npsum_init(&acc) != 0)
		return fail_nomem(err, "regression metric");
	for (size_t i = 0; i < n; i++) {
		double v;
		switch (term) {
		case REG_SQUARED:
			v = (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
			break;
		case REG_ABSOLUTE:
			v = fabs(y_pred[i] - y_true[i]);
			break;
		default:
			v = fabs(y_pred[i] - y_true[i]) / fmax(fabs(y_true[i]), DBL_EPSILON);
			break;
		}
		npsum_push(&acc, v);
	}
	*out = npsum_result(&acc) / (double)n;
	npsum_free(&acc);
	return 0;
}

int metrics_rmse(const double *y_true, const double *y_pred, size_t n,
                 double *out, char **err)
{
	double mse;
	int rc;

	if ((rc = check_reg_args(y_true, y_pred, n, out, err)) != 0)
		return rc;
	if ((rc = reg_mean(y_true, y_pred, n, REG_SQUARED, &mse, err)) != 0)
		return rc;
	*out = sqrt(mse);
	return 0;
}

int metrics_mae(const double *y_true, const double *y_pred, size_t n,
                double *out, char **err)
{
	int rc;

	if ((rc = check_reg_args(y_true, y_pred, n, out, err)) != 0)
		return rc;
	return reg_mean(y_true, y_pred, n, REG_ABSOLUTE, out, err);
}

int metrics_mape(const double *y_true, const double *y_pred, size_t n,
                 double *out, char **err)
{
	int rc;

	if ((rc = check_reg_args(y_true, y_pred, n, out, err)) != 0)
		return rc;
	return reg_mean(y_true, y_pred, n, REG_PERCENTAGE, out, err);
}

int metrics_r2(const double *y_true, const double *y_pred, size_t n,
               double *out, char **err)
{
	struct npsum acc;
	double num, den, mean;
	int rc;

	if ((rc = check_reg_args(y_true, y_pred, n, out, err)) != 0)
		return rc;
	if (n < 2)
		return fail(err, METRICS_EUNDEFINED, "r2: not defined for fewer than 2 samples");
	if (npsum_init(&acc) != 0)
		return fail_nomem(err, "r2");
	for (size_t i = 0; i < n; i++) {
		double t = y_true[i] - y_pred[i];
		npsum_push(&acc, t * t);
	}
	num = npsum_result(&acc);
	mean = np_sum(y_true, n) / (double)n;
	acc.total = 0.0;
	for (size_t i = 0; i < n; i++) {
		double t = y_true[i] - mean;
		npsum_push(&acc, t * t);
	}
	den = npsum_result(&acc);
	npsum_free(&acc);
	/* _assemble_r2_explained_variance with force_finite=True */
	if (num == 0)
		*out = 1.0;
	else if (den == 0)
		*out = 0.0;
	else
		*out = 1 - num / den;
	return 0;
}

/* ---- clustering ------------------------------------------------------------------ */

static int check_cluster_args(const double *X, size_t n, size_t d, const int *labels,
                              int k, const double *out, char **err)
{
	size_t nd;
	int rc;

	if (X == NULL || labels == NULL || out == NULL)
		return fail(err, METRICS_EINVAL, "clustering metric: NULL argument");
	if (n == 0)
		return fail(err, METRICS_EINVAL, "no samples (n = 0)");
	if (d == 0)
		return fail(err, METRICS_EINVAL, "no features (d = 0)");
	if (k < 1)
		return fail(err, METRICS_EINVAL, "k = %d clusters; need at least 1", k);
	if (mul_size(n, d, &nd) != 0)
		return fail(err, METRICS_EINVAL, "n x d = %zu x %zu is too large", n, d);
	if ((rc = check_labels(labels, "labels", n, k, err)) != 0)
		return rc;
	return check_finite_matrix(X, n, d, "X", err);
}

int metrics_inertia(const double *X, size_t n, size_t d, const int *labels,
                    const double *centres, int k, double *out, char **err)
{
	struct npsum acc;
	size_t kd;
	int rc;

	if (centres == NULL)
		return fail(err, METRICS_EINVAL, "inertia: centres is NULL");
	if ((rc = check_cluster_args(X, n, d, labels, k, out, err)) != 0)
		return rc;
	if (mul_size((size_t)k, d, &kd) != 0)
		return fail(err, METRICS_EINVAL, "k x d = %d x %zu is too large", k, d);
	if ((rc = check_finite_matrix(centres, (size_t)k, d, "centres", err)) != 0)
		return rc;
	if (npsum_init(&acc) != 0)
		return fail_nomem(err, "inertia");
	for (size_t i = 0; i < n; i++)
		npsum_push(&acc, sqdist(X + i * d, centres + (size_t)labels[i] * d, d));
	*out = npsum_result(&acc);
	npsum_free(&acc);
	return 0;
}

/* The symmetric tiled pass keeps an m x L matrix of per-cluster distance sums; above
 * this many doubles (32 MiB) silhouette switches to row blocks of T x L, which
 * computes every distance twice but needs little memory when L (clusters) is large. */
#define SIL_SYM_MAX ((size_t)1 << 22)

/* Rows per tile: two tiles of T x d doubles should sit in L2 together. */
static size_t sil_tile_rows(size_t d)
{
	size_t t = 16384 / d;
	return t < 8 ? 8 : t > 256 ? 256 : t;
}

/* s(i) from the row of per-cluster distance sums, as silhouette_samples does:
 * a = sum_own / (n_own - 1), b = min over other clusters of sum_c / n_c,
 * s = (b - a) / max(a, b), then np.nan_to_num (a lone member gives 0/0 -> 0). */
static double sil_value(const double *sums, const size_t *freq, size_t L, int own)
{
	double a, b = INFINITY, s;

	if (freq[own] <= 1)
		return 0.0;
	a = sums[own] / (double)(freq[own] - 1);
	for (size_t c = 0; c < L; c++)
		if ((int)c != own) {
			double v = sums[c] / (double)freq[c];
			if (v < b)
				b = v;
		}
	if (!(a > 0 || b > 0))
		return 0.0;
	s = (b - a) / (a > b ? a : b);
	if (isnan(s))
		return 0.0;
	if (isinf(s))
		return s > 0 ? DBL_MAX : -DBL_MAX;
	return s;
}

int metrics_silhouette(const double *X, size_t n, size_t d, const int *labels, int k,
                       const size_t *sample, size_t sample_n, double *out, char **err)
{
	struct npsum acc = { 0 };
	double *gathered = NULL, *sums = NULL;
	int *lab = NULL, *code = NULL;
	size_t *freq = NULL;
	const double *rows;
	size_t m = sample ? sample_n : n, L = 0, T, md;
	int rc;

	if ((rc = check_cluster_args(X, n, d, labels, k, out, err)) != 0)
		return rc;
	if (m == 0)
		return fail(err, METRICS_EINVAL, "silhouette: empty sample");
	if (sample)
		for (size_t r = 0; r < m; r++)
			if (sample[r] >= n)
				return fail(err, METRICS_EINVAL,
				            "silhouette: sample[%zu] = %zu is outside 0..%zu",
				            r, sample[r], n - 1);
	if (mul_size(m, d, &md) != 0)
		return fail(err, METRICS_EINVAL, "silhouette: sample too large");

	/* LabelEncoder over the rows used: present labels, in order, become 0..L-1 */
	code = malloc((size_t)k * sizeof(int));
	lab = malloc(m * sizeof(int));
	if (code == NULL || lab == NULL) {
		rc = fail_nomem(err, "silhouette");
		goto out;
	}
	for (int c = 0; c < k; c++)
		code[c] = -1;
	for (size_t r = 0; r < m; r++)
		code[labels[sample ? sample[r] : r]] = 0;
	for (int c = 0; c < k; c++)
		if (code[c] == 0)
			code[c] = (int)L++;
	if (L < 2 || L > m - 1) {
		rc = fail(err, METRICS_EUNDEFINED,
		          "silhouette: %zu distinct labels among %zu samples; need 2..%zu",
		          L, m, m > 1 ? m - 1 : 1);
		goto out;
	}
	freq = calloc(L, sizeof(size_t));
	if (freq == NULL) {
		rc = fail_nomem(err, "silhouette");
		goto out;
	}
	for (size_t r = 0; r < m; r++) {
		lab[r] = code[labels[sample ? sample[r] : r]];
		freq[lab[r]]++;
	}
	if (sample) {
		gathered = malloc(md * sizeof(double));
		if (gathered == NULL) {
			rc = fail_nomem(err, "silhouette");
			goto out;
		}
		for (size_t r = 0; r < m; r++)
			memcpy(gathered + r * d, X + sample[r] * d, d * sizeof(double));
		rows = gathered;
	} else {
		rows = X;
	}
	if (npsum_init(&acc) != 0) {
		rc = fail_nomem(err, "silhouette");
		goto out;
	}

	/*
	 * sums[i][c] = sum of distances from row i to the rows of cluster c.  sklearn
	 * accumulates each row's sums with np.bincount, i.e. left to right over j; both
	 * passes below preserve that order (self-distance 0 is skipped: adding +0.0 to a
	 * non-negative sum changes nothing).
	 */
	T = sil_tile_rows(d);
	if (m <= SIL_SYM_MAX / L) {
		/* Each unordered pair once.  Row r receives j < r while the outer loop
		 * visits earlier tiles (ascending), then j > r at its own tile: ascending. */
		sums = calloc(m * L, sizeof(double));
		if (sums == NULL) {
			rc = fail_nomem(err, "silhouette");
			goto out;
		}
		for (size_t I = 0; I < m; I += T) {
			size_t iend = I + T < m ? I + T : m;
			for (size_t J = I; J < m; J += T) {
				size_t jend = J + T < m ? J + T : m;
				for (size_t i = I; i < iend; i++) {
					const double *xi = rows + i * d;
					double *si = sums + i * L;
					int li = lab[i];
					for (size_t j = J == I ? i + 1 : J; j < jend; j++) {
						double dist = sqrt(sqdist(xi, rows + j * d, d));
						si[lab[j]] += dist;
						sums[j * L + (size_t)li] += dist;
					}
				}
			}
		}
		for (size_t i = 0; i < m; i++)
			npsum_push(&acc, sil_value(sums + i * L, freq, L, lab[i]));
	} else {
		sums = malloc(T * L * sizeof(double));
		if (sums == NULL) {
			rc = fail_nomem(err, "silhouette");
			goto out;
		}
		for (size_t I = 0; I < m; I += T) {
			size_t iend = I + T < m ? I + T : m;
			memset(sums, 0, T * L * sizeof(double));
			for (size_t J = 0; J < m; J += T) {
				size_t jend = J + T < m ? J + T : m;
				for (size_t i = I; i < iend; i++) {
					const double *xi = rows + i * d;
					double *si = sums + (i - I) * L;
					for (size_t j = J; j < jend; j++)
						if (j != i)
							si[lab[j]] += sqrt(sqdist(xi, rows + j * d, d));
				}
			}
			for (size_t i = I; i < iend; i++)
				npsum_push(&acc, sil_value(sums + (i - I) * L, freq, L, lab[i]));
		}
	}
	*out = npsum_result(&acc) / (double)m;
	rc = 0;
out:
	npsum_free(&acc);
	free(gathered);
	free(sums);
	free(lab);
	free(code);
	free(freq);
	return rc;
}

/* ---- the metric table ------------------------------------------------------------ */

static int compute_accuracy(const struct metrics_input *in, double *out, char **err)
{
	return metrics_accuracy(in->y_true_class, in->y_pred_class, in->n, in->k, out, err);
}

static int compute_balanced_accuracy(const struct metrics_input *in, double *out,
                                     char **err)
{
	return metrics_balanced_accuracy(in->y_true_class, in->y_pred_class, in->n, in->k,
	                                 out, err);
}

#define PRF_ROW(fname, avg, slot)                                                      \
	static int fname(const struct metrics_input *in, double *out, char **err)      \
	{                                                                              \
		double v[3];                                                           \
		int rc_ = metrics_prf(in->y_true_class, in->y_pred_class, in->n, in->k, \
		                      avg, &v[0], &v[1], &v[2], err);                  \
		if (rc_ == 0)                                                          \
			*out = v[slot];                                                \
		return rc_;                                                            \
	}
PRF_ROW(compute_precision_macro, METRICS_AVERAGE_MACRO, 0)
PRF_ROW(compute_recall_macro, METRICS_AVERAGE_MACRO, 1)
PRF_ROW(compute_f1_macro, METRICS_AVERAGE_MACRO, 2)
PRF_ROW(compute_precision_weighted, METRICS_AVERAGE_WEIGHTED, 0)
PRF_ROW(compute_recall_weighted, METRICS_AVERAGE_WEIGHTED, 1)
PRF_ROW(compute_f1_weighted, METRICS_AVERAGE_WEIGHTED, 2)
#undef PRF_ROW

static int compute_roc_auc(const struct metrics_input *in, double *out, char **err)
{
	return metrics_roc_auc(in->y_true_class, in->proba, in->n, in->k, out, err);
}

static int compute_log_loss(const struct metrics_input *in, double *out, char **err)
{
	return metrics_log_loss(in->y_true_class, in->proba, in->n, in->k, out, err);
}

static int compute_rmse(const struct metrics_input *in, double *out, char **err)
{
	return metrics_rmse(in->y_true, in->y_pred, in->n, out, err);
}

static int compute_mae(const struct metrics_input *in, double *out, char **err)
{
	return metrics_mae(in->y_true, in->y_pred, in->n, out, err);
}

static int compute_r2(const struct metrics_input *in, double *out, char **err)
{
	return metrics_r2(in->y_true, in->y_pred, in->n, out, err);
}

static int compute_mape(const struct metrics_input *in, double *out, char **err)
{
	return metrics_mape(in->y_true, in->y_pred, in->n, out, err);
}

static int compute_inertia(const struct metrics_input *in, double *out, char **err)
{
	return metrics_inertia(in->X, in->n, in->d, in->labels, in->centres, in->k, out,
	                       err);
}

static int compute_silhouette(const struct metrics_input *in, double *out, char **err)
{
	return metrics_silhouette(in->X, in->n, in->d, in->labels, in->k, in->sample,
	                          in->sample_n, out, err);
}

#define CLS METRICS_TASK_CLASSIFICATION
#define REG METRICS_TASK_REGRESSION
#define CLU METRICS_TASK_CLUSTERING

const struct metrics_info metrics_table[] = {
	{ "accuracy", CLS, 1, 0, "fraction of samples predicted correctly",
	  "accuracy_score", compute_accuracy },
	{ "balanced_accuracy", CLS, 1, 0, "mean recall over the classes present in y_true",
	  "balanced_accuracy_score", compute_balanced_accuracy },
	{ "precision_macro", CLS, 1, 0, "unweighted mean of per-class precision",
	  "precision_score(average='macro')", compute_precision_macro },
	{ "recall_macro", CLS, 1, 0, "unweighted mean of per-class recall",
	  "recall_score(average='macro')", compute_recall_macro },
	{ "f1_macro", CLS, 1, 0, "unweighted mean of per-class F1",
	  "f1_score(average='macro')", compute_f1_macro },
	{ "precision_weighted", CLS, 1, 0, "per-class precision weighted by class support",
	  "precision_score(average='weighted')", compute_precision_weighted },
	{ "recall_weighted", CLS, 1, 0, "per-class recall weighted by class support",
	  "recall_score(average='weighted')", compute_recall_weighted },
	{ "f1_weighted", CLS, 1, 0, "per-class F1 weighted by class support",
	  "f1_score(average='weighted')", compute_f1_weighted },
	{ "roc_auc", CLS, 1, METRICS_NEEDS_PROBA,
	  "area under the ROC curve (one-vs-rest macro mean for k > 2)",
	  "roc_auc_score(multi_class='ovr', average='macro')", compute_roc_auc },
	{ "log_loss", CLS, 0, METRICS_NEEDS_PROBA,
	  "mean cross-entropy of the predicted probabilities",
	  "log_loss(labels=range(k))", compute_log_loss },
	{ "rmse", REG, 0, 0, "root mean squared error",
	  "mean_squared_error(squared=False)", compute_rmse },
	{ "mae", REG, 0, 0, "mean absolute error", "mean_absolute_error", compute_mae },
	{ "r2", REG, 1, 0, "coefficient of determination (1 is perfect)", "r2_score",
	  compute_r2 },
	{ "mape", REG, 0, 0, "mean absolute percentage error, as a fraction",
	  "mean_absolute_percentage_error", compute_mape },
	{ "inertia", CLU, 0, METRICS_NEEDS_CENTRES,
	  "sum of squared distances from each sample to its cluster centre",
	  "KMeans.inertia_", compute_inertia },
	{ "silhouette", CLU, 1, 0, "mean silhouette coefficient, euclidean (-1..1)",
	  "silhouette_score(metric='euclidean')", compute_silhouette },
};

#undef CLS
#undef REG
#undef CLU

const size_t metrics_table_len = sizeof(metrics_table) / sizeof(metrics_table[0]);

const struct metrics_info *metrics_lookup(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < metrics_table_len; i++)
		if (strcmp(metrics_table[i].name, name) == 0)
			return &metrics_table[i];
	return NULL;
}
