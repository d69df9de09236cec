/*
 * tree.c — a CART decision tree, the `tree` plugin: classification (gini,
 * entropy / log_loss, any number of classes) and regression
 * (squared_error), scikit-learn's DecisionTreeClassifier and
 * DecisionTreeRegressor with their parameter names and meanings.  The tree
 * is grown by cart.c; this file holds the ABI: parameters, fit, predict,
 * the payload and the summary (with the tree drawn as text for `lathe
 * show`).
 *
 * Prediction walks the flattened tree (pre-order arrays: a split's left
 * child is the next node) row by row; many rows are cut into shards of
 * 16384 predicted on OpenBLAS's thread count.  Classification predicts the
 * leaf's class weights normalised to sum to 1 (predict_proba); a class with
 * no training rows has probability 0 everywhere.
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
 *   u64 d, u32 task (1 regression, 2 classification), u32 n_classes
 *   (0 for regression), u32 criterion (0 gini, 1 entropy, 2 squared_error),
 *   u64 nodes, then per node in pre-order: u32 feature (0xffffffff leaf),
 *   u32 right child (0 for a leaf), f64 threshold, f64 impurity,
 *   u64 n_node_samples, f64 weighted_n_node_samples; then f64 value[nodes x
 *   width] (width n_classes or 1); then d feature names, each u32 length and
 *   its bytes.
 */
#include "lathe_plugin.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/cart.h"
#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/parfor.h"

#define TREE_FORMAT 1u
static const char TREE_MAGIC[4] = { 'L', 'T', 'T', 'R' };

#define PREDICT_SHARD ((size_t)16384)
#define TEXT_MAX_NODES 500      /* the text drawing stops deeper than this */
#define NAME_MAX_BYTES 4096

enum { P_CRITERION, P_MAX_DEPTH, P_MIN_SAMPLES_SPLIT, P_MIN_SAMPLES_LEAF,
	P_MAX_FEATURES, P_MAX_FEATURES_VALUE, P_MIN_IMPURITY_DECREASE, P_CLASS_WEIGHT,
	P_COUNT };

static const char *const criterion_choices[] = { "auto", "gini", "entropy", "log_loss",
	"squared_error", NULL };
static const char *const max_features_choices[] = { "all", "sqrt", "log2", "fraction",
	"count", NULL };
static const char *const class_weight_choices[] = { "none", "balanced", NULL };

enum { MF_ALL, MF_SQRT, MF_LOG2, MF_FRACTION, MF_COUNT };

static const struct lathe_param_spec tree_params[P_COUNT] = {
	[P_CRITERION] = {
		.name = "criterion", .type = LATHE_PARAM_CHOICE,
		.help = "split quality: auto = gini (classification) or squared_error "
		    "(regression); entropy and log_loss are the same",
		.choices = criterion_choices, .def_choice = "auto",
	},
	[P_MAX_DEPTH] = {
		.name = "max_depth", .type = LATHE_PARAM_INT,
		.help = "deepest level a node may sit at (root = 0); 0 = unlimited "
		    "(scikit-learn's None)",
		.def = 0, .min = 0, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_MIN_SAMPLES_SPLIT] = {
		.name = "min_samples_split", .type = LATHE_PARAM_INT,
		.help = "a node with fewer rows is a leaf",
		.def = 2, .min = 2, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_MIN_SAMPLES_LEAF] = {
		.name = "min_samples_leaf", .type = LATHE_PARAM_INT,
		.help = "every leaf keeps at least this many rows",
		.def = 1, .min = 1, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_MAX_FEATURES] = {
		.name = "max_features", .type = LATHE_PARAM_CHOICE,
		.help = "features drawn per node: all, sqrt(d), log2(d), "
		    "fraction (max_features_value x d) or count (max_features_value)",
		.choices = max_features_choices, .def_choice = "all",
	},
	[P_MAX_FEATURES_VALUE] = {
		.name = "max_features_value", .type = LATHE_PARAM_REAL,
		.help = "the fraction (0 < f <= 1) or the count (a whole number) for "
		    "max_features=fraction or count",
		.def = 1.0, .min = 0.0, .has_min = 1, .exclusive_min = 1, .max = 1e9,
		.has_max = 1,
	},
	[P_MIN_IMPURITY_DECREASE] = {
		.name = "min_impurity_decrease", .type = LATHE_PARAM_REAL,
		.help = "split only if the weighted impurity decrease is at least this",
		.def = 0.0, .min = 0.0, .has_min = 1,
	},
	[P_CLASS_WEIGHT] = {
		.name = "class_weight", .type = LATHE_PARAM_CHOICE,
		.help = "classification: balanced weighs each class n / (classes x "
		    "its count)",
		.choices = class_weight_choices, .def_choice = "none",
	},
};

struct lathe_model {
	unsigned task;
	enum cart_criterion criterion;
	int max_depth;
	size_t min_samples_split, min_samples_leaf;
	int max_features;
	double max_features_value;
	double min_impurity_decrease;
	int balanced;
	/* fitted */
	int fitted;
	size_t d;
	int n_classes;          /* 0 for regression */
	struct cart_tree t;
	double *out;            /* nodes x width: what predict writes per leaf */
	char **names;           /* d feature names */
};

static const char *
criterion_name(enum cart_criterion c)
{
	return c == CART_GINI ? "gini" : c == CART_ENTROPY ? "entropy" : "squared_error";
}

/* ---- create / destroy ------------------------------------------------------------- */

static void
tree_destroy(struct lathe_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	cart_tree_free(&m->t);
	free(m->out);
	if (m->names != NULL)
		for (i = 0; i < m->d; i++)
			free(m->names[i]);
	free(m->names);
	free(m);
}

static int
tree_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	const char *crit, *mf;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("tree", LATHE_TASK_REGRESSION |
	    LATHE_TASK_CLASSIFICATION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(tree_params, P_COUNT, params, err)) != 0)
		return rc;
	crit = params->str[P_CRITERION];
	mf = params->str[P_MAX_FEATURES];
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	m->task = task;
	if (strcmp(crit, "auto") == 0)
		m->criterion = task == LATHE_TASK_REGRESSION ? CART_SQUARED_ERROR : CART_GINI;
	else if (strcmp(crit, "gini") == 0)
		m->criterion = CART_GINI;
	else if (strcmp(crit, "squared_error") == 0)
		m->criterion = CART_SQUARED_ERROR;
	else
		m->criterion = CART_ENTROPY;
	if ((m->criterion == CART_SQUARED_ERROR) != (task == LATHE_TASK_REGRESSION)) {
		tree_destroy(m);
		return plugkit_fail(err, LATHE_EINVAL, "tree: criterion %s is for %s, not "
		    "%s (use auto, or %s)", crit, task == LATHE_TASK_REGRESSION ?
		    "classification" : "regression", task == LATHE_TASK_REGRESSION ?
		    "regression" : "classification", task == LATHE_TASK_REGRESSION ?
		    "squared_error" : "gini, entropy or log_loss");
	}
	m->max_depth = (int)params->num[P_MAX_DEPTH];
	m->min_samples_split = (size_t)params->num[P_MIN_SAMPLES_SPLIT];
	m->min_samples_leaf = (size_t)params->num[P_MIN_SAMPLES_LEAF];
	m->max_features = plugkit_choice(&tree_params[P_MAX_FEATURES], mf);
	m->max_features_value = params->num[P_MAX_FEATURES_VALUE];
	m->min_impurity_decrease = params->num[P_MIN_IMPURITY_DECREASE];
	m->balanced = strcmp(params->str[P_CLASS_WEIGHT], "balanced") == 0;
	if (m->max_features == MF_FRACTION && m->max_features_value > 1.0) {
		tree_destroy(m);
		return plugkit_fail(err, LATHE_EINVAL, "tree: max_features_value must be "
		    "<= 1 with max_features=fraction, got %g", params->num[P_MAX_FEATURES_VALUE]);
	}
	if (m->max_features == MF_COUNT &&
	    m->max_features_value != floor(m->max_features_value)) {
		tree_destroy(m);
		return plugkit_fail(err, LATHE_EINVAL, "tree: max_features_value must be a "
		    "whole number with max_features=count, got %g",
		    params->num[P_MAX_FEATURES_VALUE]);
	}
	if (m->balanced && task == LATHE_TASK_REGRESSION) {
		tree_destroy(m);
		return plugkit_fail(err, LATHE_EINVAL, "tree: class_weight=balanced is "
		    "for classification, not regression");
	}
	*out = m;
	return LATHE_OK;
}

/* ---- fit -------------------------------------------------------------------------- */

struct fit_ctx {
	const struct lathe_host *host;
};

static int
fit_cancelled(void *ctx)
{
	const struct lathe_host *h = ((struct fit_ctx *)ctx)->host;

	return h->cancelled(h->ctx);
}

static void
fit_progress(void *ctx, int depth, int max_depth, double loss)
{
	const struct lathe_host *h = ((struct fit_ctx *)ctx)->host;

	h->progress(h->ctx, depth, max_depth, loss);
}

/* max_features as a count of features, scikit-learn's rounding. */
static int
resolve_max_features(const struct lathe_model *m, size_t d, size_t *out, char **err)
{
	double v = m->max_features_value, c;

	switch (m->max_features) {
	case MF_SQRT:
		c = floor(sqrt((double)d));
		break;
	case MF_LOG2:
		c = floor(log2((double)d));
		break;
	case MF_FRACTION:
		c = floor(v * (double)d);
		break;
	case MF_COUNT:
		if (v > (double)d)
			return plugkit_fail(err, LATHE_EINVAL, "tree: max_features_value %g "
			    "is more than the %zu features", v, d);
		c = v;
		break;
	default:
		c = (double)d;
	}
	*out = c < 1.0 ? 1 : (size_t)c;
	return LATHE_OK;
}

/* Class weights for class_weight=balanced: n / (classes present x count),
 * as scikit-learn's compute_class_weight; 0 for a class with no rows. */
static double *
balanced_weights(const int *labels, size_t n, int K)
{
	double *w = calloc((size_t)K, sizeof *w);
	size_t i, present = 0;

	if (w == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		w[labels[i]] += 1.0;
	for (i = 0; i < (size_t)K; i++)
		present += w[i] > 0.0;
	for (i = 0; i < (size_t)K; i++)
		if (w[i] > 0.0)
			w[i] = (double)n / ((double)present * w[i]);
	return w;
}

static int
copy_names(struct lathe_model *m, const char *const *names, size_t d)
{
	size_t i;
	char buf[32];

	if ((m->names = calloc(d, sizeof *m->names)) == NULL)
		return -1;
	for (i = 0; i < d; i++) {
		const char *s = names != NULL && names[i] != NULL ? names[i] : NULL;
		size_t len;

		if (s == NULL) {
			snprintf(buf, sizeof buf, "x%zu", i);
			s = buf;
		}
		len = strnlen(s, NAME_MAX_BYTES);
		if ((m->names[i] = malloc(len + 1)) == NULL)
			return -1;
		memcpy(m->names[i], s, len);
		m->names[i][len] = '\0';
	}
	return 0;
}

/* What predict writes for each node: the class weights normalised (a sum of
 * 0 divides by 1, as scikit-learn's predict_proba), or the value. */
static int
make_outputs(struct lathe_model *m)
{
	size_t i, k, W = m->t.width;
	double *o = malloc(m->t.nodes * W * sizeof *o);

	if (o == NULL)
		return -1;
	for (i = 0; i < m->t.nodes; i++) {
		const double *v = m->t.value + i * W;
		double s = 0.0;

		if (m->n_classes == 0) {
			o[i] = v[0];
			continue;
		}
		for (k = 0; k < W; k++)
			s += v[k];
		if (s == 0.0)
			s = 1.0;
		for (k = 0; k < W; k++)
			o[i * W + k] = v[k] / s;
	}
	m->out = o;
	return 0;
}

static int
tree_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct cart_params cp;
	struct fit_ctx fc;
	double *cw = NULL;
	size_t i, present = 0;
	int rc, crc, K = 0;
	char msg[256];

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no model");
	if (host == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no host services");
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	if (data->n > UINT32_MAX)
		return plugkit_fail(err, LATHE_EINVAL, "tree: at most %u training rows, got %zu",
		    (unsigned)UINT32_MAX, data->n);
	if (m->task == LATHE_TASK_CLASSIFICATION) {
		K = data->n_classes;
		if (data->labels == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "tree: classification needs labels");
		if (K < 1 || K > 65535)
			return plugkit_fail(err, LATHE_EINVAL, "tree: classification needs 1 to "
			    "65535 classes, got %d", K);
		for (i = 0; i < data->n; i++)
			if (data->labels[i] < 0 || data->labels[i] >= K)
				return plugkit_fail(err, LATHE_EINVAL, "tree: label of row %zu is "
				    "%d, outside 0..%d", i, data->labels[i], K - 1);
	} else {
		if (data->y == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "tree: regression needs targets");
		if (!plugkit_finite(data->y, data->n))
			return plugkit_fail(err, LATHE_EINVAL, "tree: a regression target is "
			    "non-finite");
	}

	memset(&cp, 0, sizeof cp);
	cp.criterion = m->criterion;
	cp.max_depth = m->max_depth;
	cp.min_samples_split = m->min_samples_split;
	cp.min_samples_leaf = m->min_samples_leaf;
	cp.min_impurity_decrease = m->min_impurity_decrease;
	if ((rc = resolve_max_features(m, data->d, &cp.max_features, err)) != 0)
		return rc;
	if (K > 0) {
		if ((cw = balanced_weights(data->labels, data->n, K)) == NULL)
			return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
		for (i = 0; i < (size_t)K; i++)
			present += cw[i] > 0.0;
		for (i = 0; i < (size_t)K; i++)
			if (cw[i] == 0.0) {
				snprintf(msg, sizeof msg, "tree: class %zu has no training rows; "
				    "its probability is 0 everywhere", i);
				host->log(host->ctx, 1, msg);
			}
		if (present == 1)
			host->log(host->ctx, 1, "tree: the training rows hold one class; the "
			    "tree is a single leaf");
		if (m->balanced)
			cp.class_weight = cw;
	}
	cp.threads = parfor_default_threads();
	cp.seed = host->random(host->ctx);
	fc.host = host;
	cp.ctx = &fc;
	cp.cancelled = fit_cancelled;
	cp.progress = fit_progress;

	cart_tree_free(&m->t);
	free(m->out);
	m->out = NULL;
	m->fitted = 0;
	crc = cart_fit(&m->t, &cp, data->X, data->n, data->d, data->labels, K, data->y,
	    msg, sizeof msg);
	free(cw);
	if (crc == 1)
		return plugkit_fail(err, LATHE_ECANCELLED, "tree: cancelled");
	if (crc != 0)
		return plugkit_fail(err, strstr(msg, "memory") ? LATHE_ENOMEM : LATHE_EINVAL,
		    "%s", msg);
	if (m->names != NULL) {
		for (i = 0; i < m->d; i++)
			free(m->names[i]);
		free(m->names);
		m->names = NULL;
	}
	m->d = data->d;
	m->n_classes = K;
	if (copy_names(m, data->feature_names, data->d) != 0 || make_outputs(m) != 0)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	m->fitted = 1;
	snprintf(msg, sizeof msg, "tree: %zu nodes, %zu leaves, depth %d (%s)",
	    m->t.nodes, m->t.leaves, m->t.depth, criterion_name(m->criterion));
	host->log(host->ctx, 0, msg);
	return LATHE_OK;
}

/* ---- predict ---------------------------------------------------------------------- */

struct pred_ctx {
	const struct lathe_model *m;
	const double *X;
	double *out;
	size_t d;
};

static int
predict_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	const struct pred_ctx *c = vctx;
	const struct lathe_model *m = c->m;
	size_t W = m->t.width, i;

	(void)worker;
	(void)shard;
	for (i = begin; i < end; i++) {
		size_t leaf = cart_tree_leaf(&m->t, c->X + i * c->d);
		memcpy(c->out + i * W, m->out + leaf * W, W * sizeof *c->out);
	}
	return 0;
}

static size_t
tree_output_width(const struct lathe_model *m)
{
	return m != NULL && m->fitted ? m->t.width :
	    m != NULL && m->task == LATHE_TASK_REGRESSION ? 1 : 0;
}

static int
tree_predict(const struct lathe_model *m, size_t n, size_t d, const double *X,
    double *out, char **err)
{
	struct pred_ctx c;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "tree: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "tree: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no input or output buffer");
	c.m = m;
	c.X = X;
	c.out = out;
	c.d = d;
	if (n <= PREDICT_SHARD)
		return predict_shard(&c, 0, 0, 0, n);
	if (parfor_run(n, PREDICT_SHARD, parfor_default_threads(), predict_shard, &c) != 0)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: predict failed");
	return LATHE_OK;
}

/* ---- payload ---------------------------------------------------------------------- */

static int
tree_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;
	const struct cart_tree *t;
	size_t i;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "tree: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no output buffer");
	t = &m->t;
	blobw_init(&w, TREE_FORMAT, TREE_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u32(&w, m->n_classes > 0 ? 2u : 1u);
	blobw_u32(&w, (uint32_t)m->n_classes);
	blobw_u32(&w, (uint32_t)m->criterion);
	cart_tree_write(&w, t);
	for (i = 0; i < m->d; i++) {
		size_t l = strlen(m->names[i]);
		blobw_u32(&w, (uint32_t)l);
		blobw_bytes(&w, m->names[i], l);
	}
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	return LATHE_OK;
}

static int
tree_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, task, K, crit, u;
	uint64_t d, width;
	size_t i;
	int rc = LATHE_EFORMAT, trc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "tree: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, TREE_MAGIC, TREE_FORMAT, &version, "tree model",
	    msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "tree: %s", msg);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &task) != 0 ||
	    blobr_u32(&r, &K) != 0 || blobr_u32(&r, &crit) != 0)
		goto corrupt;
	width = task == 2 ? K : 1;
	if (d == 0 || d > INT32_MAX || (task != 1 && task != 2) ||
	    (task == 1 && (K != 0 || crit != CART_SQUARED_ERROR)) ||
	    (task == 2 && (K < 1 || K > 65535 || crit > CART_ENTROPY)) ||
	    !blobr_has(&r, d, 4))	/* room for d name lengths, before allocating d
					 * names (found by tests/fuzz/payload_tree) */
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->names = calloc((size_t)d, sizeof *m->names)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
		goto fail;
	}
	m->task = task == 2 ? LATHE_TASK_CLASSIFICATION : LATHE_TASK_REGRESSION;
	m->criterion = (enum cart_criterion)crit;
	m->n_classes = (int)K;
	m->d = (size_t)d;
	trc = cart_tree_read(&r, &m->t, m->d, (size_t)width, task == 2, msg, sizeof msg);
	if (trc == -2) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
		goto fail;
	}
	if (trc != 0) {
		rc = plugkit_fail(err, LATHE_EFORMAT, "tree: tree model payload is corrupt "
		    "(%s)", msg);
		goto fail;
	}
	for (i = 0; i < d; i++) {
		if (blobr_u32(&r, &u) != 0 || u > NAME_MAX_BYTES || !blobr_has(&r, u, 1) ||
		    (m->names[i] = malloc((size_t)u + 1)) == NULL)
			goto corrupt;   /* an allocation of <= 4 KB failing: as corrupt */
		if (blobr_bytes(&r, m->names[i], u) != 0 || memchr(m->names[i], 0, u) != NULL)
			goto corrupt;
		m->names[i][u] = '\0';
	}
	if (!blobr_done(&r))
		goto corrupt;
	if (make_outputs(m) != 0) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
		goto fail;
	}
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "tree: tree model payload is corrupt "
	    "(fields do not match their sizes)");
fail:
	tree_destroy(m);
	return rc;
}

/* ---- summary and the tree as text ------------------------------------------------- */

struct text {
	char *s;
	size_t len, cap;
	int failed;
};

static void
text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = t->cap ? 2 * t->cap : 4096;
			char *ns;
			while (cap - t->len <= (size_t)n)
				cap *= 2;
			if ((ns = realloc(t->s, cap)) == NULL) {
				t->failed = 1;
				return;
			}
			t->s = ns;
			t->cap = cap;
		}
	}
}

static void
text_indent(struct text *t, int depth)
{
	int i;

	for (i = 0; i < depth; i++)
		text_printf(t, "|   ");
}

/* One node's line: "node 3: samples 40, gini 0.5, value [20, 20]". */
static void
text_node(struct text *t, const struct lathe_model *m, size_t i, int depth)
{
	const double *v = m->t.value + i * m->t.width;
	size_t k, W = m->t.width, shown = W < 10 ? W : 10;

	text_indent(t, depth);
	text_printf(t, "node %zu: %ssamples %llu, %s %.4g, value ", i,
	    m->t.feature[i] == CART_LEAF ? "leaf, " : "",
	    (unsigned long long)m->t.n_samples[i], criterion_name(m->criterion),
	    m->t.impurity[i]);
	if (m->n_classes == 0) {
		text_printf(t, "%.6g\n", v[0]);
		return;
	}
	text_printf(t, "[");
	for (k = 0; k < shown; k++)
		text_printf(t, "%s%.6g", k ? ", " : "", v[k]);
	text_printf(t, "%s]\n", shown < W ? ", ..." : "");
}

/* The deepest level to draw so that at most TEXT_MAX_NODES nodes show. */
static int
text_depth_limit(const struct lathe_model *m, const int *depth)
{
	size_t *count = calloc((size_t)m->t.depth + 1, sizeof *count), i, sum = 0;
	int lim = m->t.depth;

	if (count == NULL)
		return 3;
	for (i = 0; i < m->t.nodes; i++)
		count[depth[i]]++;
	for (i = 0; i <= (size_t)m->t.depth; i++) {
		sum += count[i];
		if (sum > TEXT_MAX_NODES) {
			lim = i > 0 ? (int)i - 1 : 0;
			break;
		}
	}
	free(count);
	return lim;
}

/* The tree in pre-order, export_text style: each node's line, then for a
 * split "|--- name <= threshold" and its left subtree, "|--- name >  threshold"
 * and its right subtree.  Subtrees deeper than the limit are one line. */
static int
tree_text(const struct lathe_model *m, struct text *t)
{
	size_t N = m->t.nodes, i, sp = 0;
	int *depth = malloc(N * sizeof *depth), lim;
	size_t *end = malloc(N * sizeof *end);  /* one past each node's subtree */
	size_t *stack = malloc(N * sizeof *stack);
	int rc = -1;

	if (depth == NULL || end == NULL || stack == NULL)
		goto out;
	/* depths, in pre-order */
	depth[0] = 0;
	for (i = 0; i < N; i++)
		if (m->t.feature[i] != CART_LEAF) {
			depth[i + 1] = depth[i] + 1;
			depth[m->t.right[i]] = depth[i] + 1;
		}
	/* subtree ends, from the back */
	for (i = N; i-- > 0;)
		end[i] = m->t.feature[i] == CART_LEAF ? i + 1 : end[m->t.right[i]];
	lim = text_depth_limit(m, depth);
	text_printf(t, "decision tree (%s): %zu nodes, %zu leaves, depth %d; a row goes "
	    "to the first branch when its value is <= the threshold\n",
	    criterion_name(m->criterion), N, m->t.leaves, m->t.depth);
	if (lim < m->t.depth)
		text_printf(t, "(drawn to depth %d of %d to stay under %d nodes)\n", lim,
		    m->t.depth, TEXT_MAX_NODES);
	i = 0;
	for (;;) {
		int dd = depth[i];
		text_node(t, m, i, dd);
		if (m->t.feature[i] != CART_LEAF) {
			const char *name = m->names[m->t.feature[i]];
			if (dd >= lim) {
				text_indent(t, dd + 1);
				text_printf(t, "... %zu more nodes below\n", end[i] - i - 1);
			} else {
				text_indent(t, dd);
				text_printf(t, "|--- %s <= %.6g\n", name, m->t.threshold[i]);
				stack[sp++] = i;       /* its right branch comes later */
				i = i + 1;
				continue;
			}
		}
		/* next: the right branch of the nearest pending split */
		if (sp == 0)
			break;
		{
			size_t p = stack[--sp];
			text_indent(t, depth[p]);
			text_printf(t, "|--- %s >  %.6g\n", m->names[m->t.feature[p]],
			    m->t.threshold[p]);
			i = m->t.right[p];
		}
	}
	rc = t->failed ? -1 : 0;
out:
	free(depth);
	free(end);
	free(stack);
	return rc;
}

static int
tree_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;
	struct text t = { 0 };
	double *imp;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "tree: model is not fitted");
	if ((imp = malloc(m->d * sizeof *imp)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	cart_tree_importances(&m->t, m->d, imp);
	if (tree_text(m, &t) != 0) {
		free(imp);
		free(t.s);
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	}
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "criterion");
	jbuf_str(&b, criterion_name(m->criterion));
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_key(&b, "n_classes");
	jbuf_int(&b, m->n_classes);
	jbuf_key(&b, "node_count");
	jbuf_int(&b, (int64_t)m->t.nodes);
	jbuf_key(&b, "n_leaves");
	jbuf_int(&b, (int64_t)m->t.leaves);
	jbuf_key(&b, "depth");
	jbuf_int(&b, m->t.depth);
	jbuf_key(&b, "feature_importances");
	jbuf_nums(&b, imp, m->d);
	jbuf_key(&b, "text");
	jbuf_str(&b, t.s);
	jbuf_obj_end(&b);
	free(imp);
	free(t.s);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "tree: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin tree_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "tree",
	.version = "1.0.0",
	.description = "CART decision tree (scikit-learn DecisionTreeClassifier / "
	    "DecisionTreeRegressor)",
	.tasks = LATHE_TASK_REGRESSION | LATHE_TASK_CLASSIFICATION,
	.params = tree_params,
	.nparams = P_COUNT,
	.model_format = TREE_FORMAT,
	.create = tree_create,
	.fit = tree_fit,
	.output_width = tree_output_width,
	.predict = tree_predict,
	.save = tree_save,
	.load = tree_load,
	.destroy = tree_destroy,
	.summary = tree_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &tree_plugin;
}
