/*
 * metrics.h — evaluation metrics, computed the way scikit-learn 1.2.1 computes them.
 *
 * Every function works on plain caller-owned arrays, borrows them for the call only,
 * never keeps a pointer, and writes its result through an out-parameter.  Nothing here
 * depends on the rest of lathe.
 *
 * Conventions shared by every function:
 *   - Return value is a status: 0 (METRICS_OK) on success, otherwise one of
 *     enum metrics_status.  Outputs are written only on success.
 *   - `err` may be NULL.  When it is not and the call fails, *err receives a
 *     malloc'd, lowercase, one-line message naming the bad value and its place
 *     ("y_pred[17] = 5 is outside 0..2"); the caller frees it with free().  If even
 *     the message cannot be allocated *err is set to NULL.  On success *err is left
 *     untouched.
 *   - Classification inputs are class indices 0..k-1 (k >= 2).  Where scores are
 *     needed, `proba` is a row-major n x k matrix of class probabilities; for k == 2
 *     the positive-class score is column 1.
 *   - Every floating-point input must be finite (sklearn's check_array refuses NaN
 *     and infinities too).
 */
#ifndef LATHE_METRICS_H
#define LATHE_METRICS_H

#include <stddef.h>

enum metrics_status {
	METRICS_OK = 0,
	METRICS_EINVAL = 1,     /* bad argument: n == 0, k < 2, NULL, label out of range,
	                           non-finite value, index out of range */
	METRICS_ENOMEM = 2,     /* an allocation failed */
	METRICS_EUNDEFINED = 3, /* the metric is not defined for this input (sklearn raises
	                           or returns NaN): ROC AUC with a class absent from y_true,
	                           R² with n < 2, silhouette with labels not in 2..n-1 */
};

/* A short static description of a status code; never NULL. */
const char *metrics_strerror(int status);

/* ---- classification ----------------------------------------------------------- */

enum metrics_average {
	METRICS_AVERAGE_MACRO = 0,    /* unweighted mean over classes */
	METRICS_AVERAGE_WEIGHTED = 1, /* mean weighted by support (true count) */
};

/* Fraction of samples with y_pred == y_true.  sklearn: accuracy_score. */
int metrics_accuracy(const int *y_true, const int *y_pred, size_t n, int k,
                     double *out, char **err);

/* Mean per-class recall over the classes present in y_true (a class that only
 * appears in y_pred is ignored, as sklearn does after its warning).
 * sklearn: balanced_accuracy_score. */
int metrics_balanced_accuracy(const int *y_true, const int *y_pred, size_t n, int k,
                              double *out, char **err);

/* Averaged precision, recall and F1.  The classes averaged over are those present in
 * y_true or y_pred (sklearn's labels=None); a class absent from both does not count.
 * An ill-defined ratio (no predicted / no true samples for a class) is 0, as with
 * sklearn's zero_division="warn".  Any of precision/recall/f1 may be NULL.
 * sklearn: precision_recall_fscore_support(average='macro' | 'weighted'). */
int metrics_prf(const int *y_true, const int *y_pred, size_t n, int k,
                enum metrics_average average,
                double *precision, double *recall, double *f1, char **err);

/* Per-class precision, recall, F1 and support for every class 0..k-1 (a class absent
 * from both vectors gets 0, 0, 0 and support 0).  Each output is a caller-owned array
 * of k elements and may be NULL.
 * sklearn: precision_recall_fscore_support(average=None, labels=range(k)). */
int metrics_per_class(const int *y_true, const int *y_pred, size_t n, int k,
                      double *precision, double *recall, double *f1, size_t *support,
                      char **err);

/* Confusion matrix into caller-owned `cm` of k*k elements, row-major, rows = true
 * class, columns = predicted class.  sklearn: confusion_matrix(labels=range(k)). */
int metrics_confusion_matrix(const int *y_true, const int *y_pred, size_t n, int k,
                             size_t *cm, char **err);

/* Everything a run's detail view shows about a classifier, computed in one pass.
 * Allocated by metrics_class_report_new, freed with metrics_class_report_free. */
struct metrics_class_report {
	int k;
	size_t n;
	size_t *confusion;  /* k*k, row-major, rows = true class */
	double *precision;  /* k, per class, as metrics_per_class */
	double *recall;     /* k */
	double *f1;         /* k */
	size_t *support;    /* k, number of true samples per class */
	double accuracy;
	double balanced_accuracy;
	double precision_macro, recall_macro, f1_macro;
	double precision_weighted, recall_weighted, f1_weighted;
};

/* Builds a report; on success *out owns it and the caller frees it with
 * metrics_class_report_free.  Borrows y_true and y_pred for the call. */
int metrics_class_report_new(const int *y_true, const int *y_pred, size_t n, int k,
                             struct metrics_class_report **out, char **err);
/* Frees a report; accepts NULL. */
void metrics_class_report_free(struct metrics_class_report *r);

/* Area under the ROC curve of scores `score` for the positive samples (y_true[i] != 0)
 * against the rest.  Tied scores form one threshold, as in sklearn's _binary_clf_curve;
 * the area is the trapezoidal sum over roc_curve(drop_intermediate=True).
 * METRICS_EUNDEFINED if y_true holds only positives or only negatives.
 * sklearn: roc_auc_score(y_true, score). */
int metrics_roc_auc_binary(const int *y_true, const double *score, size_t n,
                           double *out, char **err);

/* ROC AUC from class probabilities.  k == 2: binary AUC of column 1.  k > 2:
 * one-vs-rest, unweighted mean over the k classes; every row of proba must sum to 1
 * (numpy.allclose, as sklearn checks) and every class 0..k-1 must occur in y_true,
 * else METRICS_EINVAL / METRICS_EUNDEFINED.
 * sklearn: roc_auc_score(y_true, proba[:, 1]) for k == 2,
 *          roc_auc_score(y_true, proba, multi_class='ovr', average='macro') otherwise. */
int metrics_roc_auc(const int *y_true, const double *proba, size_t n, int k,
                    double *out, char **err);

/* Mean cross-entropy.  Probabilities are clipped to [eps, 1-eps] with eps = 2^-52
 * (DBL_EPSILON), each row renormalised to sum 1, then -log of the true class's entry
 * is averaged; all exactly as sklearn 1.2.1 with eps='auto'.  The classes are 0..k-1
 * whether or not all occur in y_true.
 * sklearn: log_loss(y_true, proba, labels=range(k)). */
int metrics_log_loss(const int *y_true, const double *proba, size_t n, int k,
                     double *out, char **err);

/* ---- regression ------------------------------------------------------------------ */

/* sqrt(mean((y_true - y_pred)^2)).  sklearn: mean_squared_error(squared=False). */
int metrics_rmse(const double *y_true, const double *y_pred, size_t n,
                 double *out, char **err);

/* mean(|y_true - y_pred|).  sklearn: mean_absolute_error. */
int metrics_mae(const double *y_true, const double *y_pred, size_t n,
                double *out, char **err);

/* 1 - SS_res / SS_tot.  Constant y_true (SS_tot == 0): 1 if the predictions are perfect,
 * else 0 (sklearn's force_finite=True).  n < 2 is METRICS_EUNDEFINED (sklearn warns and
 * returns NaN).  sklearn: r2_score. */
int metrics_r2(const double *y_true, const double *y_pred, size_t n,
               double *out, char **err);

/* mean(|y_true - y_pred| / max(|y_true|, DBL_EPSILON)) — a fraction, not a percentage;
 * a zero in y_true yields a huge but finite value, as in sklearn.
 * sklearn: mean_absolute_percentage_error. */
int metrics_mape(const double *y_true, const double *y_pred, size_t n,
                 double *out, char **err);

/* ---- clustering ------------------------------------------------------------------ */

/* Sum over rows of the squared euclidean distance from X[i] (row-major n x d) to its
 * centre centres[labels[i]] (row-major k x d); labels must be in 0..k-1.
 * sklearn: KMeans.inertia_ (sklearn.cluster._k_means_common._inertia_dense). */
int metrics_inertia(const double *X, size_t n, size_t d, const int *labels,
                    const double *centres, int k, double *out, char **err);

/* Mean silhouette coefficient with euclidean distance over the rows listed in
 * `sample` (sample_n indices into 0..n-1, duplicates allowed, used in the given order),
 * or over all n rows when `sample` is NULL (sample_n is then ignored).  Labels must be
 * in 0..k-1; the number of distinct labels among the rows used must be in 2..m-1
 * (m = rows used) or the result is METRICS_EUNDEFINED.  A row alone in its cluster
 * scores 0.  Cost is O(m^2 d) time, O(m k) extra memory (O(m d) more with a sample).
 * sklearn: silhouette_score(X, labels); with sample_size=s, random_state=r it equals
 * this function given sample = RandomState(r).permutation(n)[:s]. */
int metrics_silhouette(const double *X, size_t n, size_t d, const int *labels, int k,
                       const size_t *sample, size_t sample_n, double *out, char **err);

/* ---- the metric table ------------------------------------------------------------ */

enum metrics_task {
	METRICS_TASK_CLASSIFICATION = 0,
	METRICS_TASK_REGRESSION = 1,
	METRICS_TASK_CLUSTERING = 2,
};

/* What a metric reads from struct metrics_input besides its task's basic vectors. */
enum {
	METRICS_NEEDS_PROBA = 1u << 0,   /* classification: proba */
	METRICS_NEEDS_CENTRES = 1u << 1, /* clustering: centres */
};

/* The evaluation data handed to a table row's compute slot; all borrowed.
 *   classification: y_true_class, y_pred_class, n, k and (for scores) proba
 *   regression:     y_true, y_pred, n
 *   clustering:     X (n x d), labels, k, and centres (inertia) or
 *                   sample/sample_n (silhouette; sample NULL = all rows) */
struct metrics_input {
	size_t n;
	int k;
	const int *y_true_class;
	const int *y_pred_class;
	const double *proba;
	const double *y_true;
	const double *y_pred;
	const double *X;
	size_t d;
	const int *labels;
	const double *centres;
	const size_t *sample;
	size_t sample_n;
};

/* One row per metric.  `name` is the key stored in run records. */
struct metrics_info {
	const char *name;
	enum metrics_task task;
	int higher_is_better;      /* 1: larger is better; 0: smaller is better */
	unsigned needs;            /* METRICS_NEEDS_* bits */
	const char *description;   /* one line, for help screens */
	const char *sklearn;       /* the scikit-learn call it matches */
	int (*compute)(const struct metrics_input *in, double *out, char **err);
};

/* The table, in display order, and its length. */
extern const struct metrics_info metrics_table[];
extern const size_t metrics_table_len;

/* The row named `name` (exact, case-sensitive), or NULL. */
const struct metrics_info *metrics_lookup(const char *name);

#endif
