/*
 * forest.c — a random forest of CART trees, the `forest` plugin:
 * scikit-learn's RandomForestClassifier / RandomForestRegressor with their
 * parameter names.  Each tree is grown by the kit's CART (kit/cart.h) on a
 * bootstrap sample of the training rows (each row drawn with replacement;
 * a row drawn c times counts c times), trying max_features features per
 * node; the forest averages the trees' class probabilities (or values).
 *
 * The training rows are sorted once, feature by feature (cart_presort);
 * each tree copies from the sorted columns the rows its bootstrap drew,
 * each once weighted by its draw count, so no tree sorts anything.  Trees are grown in
 * parallel, one per thread (OpenBLAS's thread count), each from its own
 * seed (the run's seed and the tree's index), so the forest is the same
 * bit for bit whatever the thread count.  Out-of-bag scores are computed
 * afterwards tree by tree in order, for the same reason.
 *
 * Payload (format 2, see plugins/kit/blobio.h for the frame):
 *   u64 d, u32 task (1 regression, 2 classification), u32 n_classes (0 for
 *   regression), u32 criterion (0 gini, 1 entropy, 2 squared_error),
 *   u32 trees, f64 oob_score (NaN if not computed), f64 importances[d]
 *   (each in [0, 1], summing to 1 or 0), then each tree as kit/cart.h's
 *   cart_tree_write lays it out.  Format 1 had no importances, so nothing
 *   in it bounded d: a payload declaring 50M features loaded and its
 *   summary wrote 50M numbers (a fuzz finding); format 1 was never
 *   released and is refused.
 */
#include "lathe_plugin.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/blobio.h"
#include "kit/cart.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/parfor.h"

#define FOREST_FORMAT 2u	/* 2: the importances are stored (they bound d) */
static const char FOREST_MAGIC[4] = { 'L', 'T', 'R', 'F' };

#define PREDICT_SHARD ((size_t)4096)
#define PREDICT_BLOCK ((size_t)64)      /* rows walked through every tree at once */

enum { P_N_ESTIMATORS, P_CRITERION, P_MAX_DEPTH, P_MIN_SAMPLES_SPLIT,
	P_MIN_SAMPLES_LEAF, P_MAX_FEATURES, P_MAX_FEATURES_VALUE,
	P_MIN_IMPURITY_DECREASE, P_BOOTSTRAP, P_MAX_SAMPLES, P_OOB_SCORE,
	P_CLASS_WEIGHT, P_COUNT };

static const char *const criterion_choices[] = { "auto", "gini", "entropy", "log_loss",
	"squared_error", NULL };
static const char *const max_features_choices[] = { "auto", "all", "sqrt", "log2",
	"fraction", "count", NULL };
static const char *const class_weight_choices[] = { "none", "balanced", NULL };

enum { MF_AUTO, MF_ALL, MF_SQRT, MF_LOG2, MF_FRACTION, MF_COUNT };

static const struct lathe_param_spec forest_params[P_COUNT] = {
	[P_N_ESTIMATORS] = {
		.name = "n_estimators", .type = LATHE_PARAM_INT,
		.help = "number of trees",
		.def = 100, .min = 1, .has_min = 1, .max = 100000, .has_max = 1,
	},
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
		.help = "a node with fewer rows (draws) is a leaf",
		.def = 2, .min = 2, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_MIN_SAMPLES_LEAF] = {
		.name = "min_samples_leaf", .type = LATHE_PARAM_INT,
		.help = "every leaf keeps at least this many rows (draws)",
		.def = 1, .min = 1, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_MAX_FEATURES] = {
		.name = "max_features", .type = LATHE_PARAM_CHOICE,
		.help = "features tried per node: auto = sqrt (classification) or all "
		    "(regression), all, sqrt(d), log2(d), fraction or count "
		    "(max_features_value)",
		.choices = max_features_choices, .def_choice = "auto",
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
	[P_BOOTSTRAP] = {
		.name = "bootstrap", .type = LATHE_PARAM_BOOL,
		.help = "grow each tree on rows drawn with replacement (else on all rows)",
		.def = 1,
	},
	[P_MAX_SAMPLES] = {
		.name = "max_samples", .type = LATHE_PARAM_REAL,
		.help = "with bootstrap: rows drawn per tree, as a fraction of the rows",
		.def = 1.0, .min = 0.0, .has_min = 1, .exclusive_min = 1, .max = 1.0,
		.has_max = 1,
	},
	[P_OOB_SCORE] = {
		.name = "oob_score", .type = LATHE_PARAM_BOOL,
		.help = "score each row with the trees that did not draw it (accuracy or "
		    "r2; needs bootstrap)",
		.def = 0,
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
	int n_estimators, max_depth, max_features, bootstrap, oob, balanced;
	size_t min_samples_split, min_samples_leaf;
	double max_features_value, min_impurity_decrease, max_samples;
	/* fitted */
	int fitted;
	size_t d, width;
	int n_classes;
	size_t ntrees;
	struct cart_tree *trees;
	double **out;           /* per tree: nodes x width, what a leaf predicts */
	double oob_score;       /* NaN if not computed */
	double *imp;            /* d: normalised impurity importances */
};

static const char *
criterion_name(enum cart_criterion c)
{
	return c == CART_GINI ? "gini" : c == CART_ENTROPY ? "entropy" : "squared_error";
}

static void
forest_destroy(struct lathe_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ntrees; i++) {
		if (m->trees != NULL)
			cart_tree_free(&m->trees[i]);
		if (m->out != NULL)
			free(m->out[i]);
	}
	free(m->trees);
	free(m->out);
	free(m->imp);
	free(m);
}

static int
forest_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	const char *crit;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("forest", LATHE_TASK_REGRESSION |
	    LATHE_TASK_CLASSIFICATION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(forest_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
	crit = params->str[P_CRITERION];
	m->task = task;
	if (strcmp(crit, "auto") == 0)
		m->criterion = task == LATHE_TASK_REGRESSION ? CART_SQUARED_ERROR : CART_GINI;
	else if (strcmp(crit, "gini") == 0)
		m->criterion = CART_GINI;
	else if (strcmp(crit, "squared_error") == 0)
		m->criterion = CART_SQUARED_ERROR;
	else
		m->criterion = CART_ENTROPY;
	m->n_estimators = (int)params->num[P_N_ESTIMATORS];
	m->max_depth = (int)params->num[P_MAX_DEPTH];
	m->min_samples_split = (size_t)params->num[P_MIN_SAMPLES_SPLIT];
	m->min_samples_leaf = (size_t)params->num[P_MIN_SAMPLES_LEAF];
	m->max_features = plugkit_choice(&forest_params[P_MAX_FEATURES],
	    params->str[P_MAX_FEATURES]);
	m->max_features_value = params->num[P_MAX_FEATURES_VALUE];
	m->min_impurity_decrease = params->num[P_MIN_IMPURITY_DECREASE];
	m->bootstrap = params->num[P_BOOTSTRAP] != 0.0;
	m->max_samples = params->num[P_MAX_SAMPLES];
	m->oob = params->num[P_OOB_SCORE] != 0.0;
	m->balanced = strcmp(params->str[P_CLASS_WEIGHT], "balanced") == 0;
	m->oob_score = NAN;
	rc = LATHE_OK;
	if ((m->criterion == CART_SQUARED_ERROR) != (task == LATHE_TASK_REGRESSION))
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: criterion %s is for %s, not "
		    "%s (use auto, or %s)", crit, task == LATHE_TASK_REGRESSION ?
		    "classification" : "regression", task == LATHE_TASK_REGRESSION ?
		    "regression" : "classification", task == LATHE_TASK_REGRESSION ?
		    "squared_error" : "gini, entropy or log_loss");
	else if (m->max_features == MF_FRACTION && m->max_features_value > 1.0)
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: max_features_value must be "
		    "<= 1 with max_features=fraction, got %g", m->max_features_value);
	else if (m->max_features == MF_COUNT &&
	    m->max_features_value != floor(m->max_features_value))
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: max_features_value must be a "
		    "whole number with max_features=count, got %g", m->max_features_value);
	else if (m->balanced && task == LATHE_TASK_REGRESSION)
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: class_weight=balanced is "
		    "for classification, not regression");
	else if (m->oob && !m->bootstrap)
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: oob_score needs bootstrap "
		    "(every row is in every tree otherwise)");
	else if (!m->bootstrap && m->max_samples != 1.0)
		rc = plugkit_fail(err, LATHE_EINVAL, "forest: max_samples needs bootstrap");
	if (rc != LATHE_OK) {
		forest_destroy(m);
		return rc;
	}
	*out = m;
	return LATHE_OK;
}

/* ---- fit -------------------------------------------------------------------------- */

static uint64_t
mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The bootstrap of tree t: `draws` rows drawn with replacement from n by
 * the tree's own generator. */
static void
bootstrap_counts(uint64_t seed, size_t t, size_t n, size_t draws, uint32_t *counts)
{
	uint64_t s = mix64(seed ^ mix64(0x5eedull + t)), z;
	size_t i;

	memset(counts, 0, n * sizeof *counts);
	for (i = 0; i < draws; i++) {
		s += 0x9e3779b97f4a7c15ull;
		z = mix64(s);
		counts[(size_t)(((unsigned __int128)z * n) >> 64)]++;
	}
}

static int
resolve_max_features(const struct lathe_model *m, size_t d, size_t *out, char **err)
{
	double v = m->max_features_value, c;
	int mf = m->max_features;

	if (mf == MF_AUTO)
		mf = m->task == LATHE_TASK_CLASSIFICATION ? MF_SQRT : MF_ALL;
	switch (mf) {
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
			return plugkit_fail(err, LATHE_EINVAL, "forest: max_features_value %g "
			    "is more than the %zu features", v, d);
		c = v;
		break;
	default:
		c = (double)d;
	}
	*out = c < 1.0 ? 1 : (size_t)c;
	return LATHE_OK;
}

struct fit_ctx {
	const struct lathe_model *m;
	const struct lathe_data *data;
	const struct lathe_host *host;
	const struct cart_presort *ps;
	struct cart_params cp;          /* seed set per tree */
	uint64_t seed;
	size_t draws;
	uint32_t *counts;               /* workers x n */
	struct cart_tree *trees;
	atomic_size_t done;
	atomic_int failed;              /* 1 cancelled, 2 error */
	char msg[256];
	atomic_flag msg_taken;
};

static int
fit_cancelled(void *ctx)
{
	const struct lathe_host *h = ctx;

	return h->cancelled(h->ctx);
}

static int
fit_tree(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct fit_ctx *c = vctx;
	const struct lathe_data *data = c->data;
	struct cart_params cp = c->cp;
	uint32_t *counts = c->m->bootstrap ? c->counts + (size_t)worker * data->n : NULL;
	char msg[256];
	int rc;

	(void)begin;
	(void)end;
	if (atomic_load(&c->failed))
		return 1;
	if (counts != NULL)
		bootstrap_counts(c->seed, shard, data->n, c->draws, counts);
	cp.seed = mix64(c->seed + 0x7ee5eedull * (shard + 1));
	rc = cart_grow(&c->trees[shard], &cp, c->ps, counts, data->labels,
	    data->n_classes, data->y, msg, sizeof msg);
	if (rc != 0) {
		atomic_store(&c->failed, rc == 1 ? 1 : 2);
		if (rc != 1 && !atomic_flag_test_and_set(&c->msg_taken))
			snprintf(c->msg, sizeof c->msg, "%s", msg);
		return 1;
	}
	atomic_fetch_add(&c->done, 1);
	/* only the calling thread may talk to the host */
	if (worker == 0)
		c->host->progress(c->host->ctx, (int)atomic_load(&c->done),
		    c->m->n_estimators, NAN);
	return 0;
}

/* What predict writes for each node of a tree: class weights normalised
 * (a sum of 0 divides by 1, as scikit-learn's predict_proba), or the value. */
static double *
tree_outputs(const struct cart_tree *t, int clf)
{
	size_t i, k, W = t->width;
	double *o = malloc(t->nodes * W * sizeof *o);

	if (o == NULL)
		return NULL;
	for (i = 0; i < t->nodes; i++) {
		const double *v = t->value + i * W;
		double s = 0.0;

		if (!clf) {
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
	return o;
}

/* Out-of-bag score: each row predicted by the trees that did not draw it,
 * tree by tree in order; accuracy of the summed probabilities' argmax
 * (first class on a tie), or r2, over the rows some tree left out. */
static double
oob_score(const struct lathe_model *m, const struct lathe_data *data, uint64_t seed,
    size_t draws, uint32_t *counts, size_t *scored)
{
	size_t n = data->n, W = m->width, i, k, t, used = 0;
	double *sum = calloc(n * W, sizeof *sum), score = NAN;
	uint32_t *hits = calloc(n, sizeof *hits);

	*scored = 0;
	if (sum == NULL || hits == NULL)
		goto out;
	for (t = 0; t < m->ntrees; t++) {
		bootstrap_counts(seed, t, n, draws, counts);
		for (i = 0; i < n; i++) {
			if (counts[i] != 0)
				continue;
			size_t leaf = cart_tree_leaf(&m->trees[t], data->X + i * data->d);
			for (k = 0; k < W; k++)
				sum[i * W + k] += m->out[t][leaf * W + k];
			hits[i]++;
		}
	}
	if (m->task == LATHE_TASK_CLASSIFICATION) {
		size_t right = 0;
		for (i = 0; i < n; i++) {
			size_t best = 0;
			if (hits[i] == 0)
				continue;
			used++;
			for (k = 1; k < W; k++)
				if (sum[i * W + k] > sum[i * W + best])
					best = k;
			right += (int)best == data->labels[i];
		}
		if (used > 0)
			score = (double)right / (double)used;
	} else {
		double mean = 0.0, ssr = 0.0, sst = 0.0, p;
		for (i = 0; i < n; i++)
			if (hits[i] > 0) {
				mean += data->y[i];
				used++;
			}
		if (used > 0) {
			mean /= (double)used;
			for (i = 0; i < n; i++) {
				if (hits[i] == 0)
					continue;
				p = sum[i] / (double)hits[i];
				ssr += (data->y[i] - p) * (data->y[i] - p);
				sst += (data->y[i] - mean) * (data->y[i] - mean);
			}
			score = sst > 0.0 ? 1.0 - ssr / sst : NAN;
		}
	}
	*scored = used;
out:
	free(sum);
	free(hits);
	return score;
}

static int
check_data(const struct lathe_model *m, const struct lathe_data *data, char **err)
{
	size_t i;
	int rc;

	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	if (data->n > UINT32_MAX)
		return plugkit_fail(err, LATHE_EINVAL, "forest: at most %u training rows, "
		    "got %zu", (unsigned)UINT32_MAX, data->n);
	if (m->task == LATHE_TASK_CLASSIFICATION) {
		if (data->labels == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "forest: classification needs "
			    "labels");
		if (data->n_classes < 1 || data->n_classes > 65535)
			return plugkit_fail(err, LATHE_EINVAL, "forest: classification needs 1 "
			    "to 65535 classes, got %d", data->n_classes);
		for (i = 0; i < data->n; i++)
			if (data->labels[i] < 0 || data->labels[i] >= data->n_classes)
				return plugkit_fail(err, LATHE_EINVAL, "forest: label of row %zu "
				    "is %d, outside 0..%d", i, data->labels[i],
				    data->n_classes - 1);
	} else {
		if (data->y == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "forest: regression needs "
			    "targets");
		if (!plugkit_finite(data->y, data->n))
			return plugkit_fail(err, LATHE_EINVAL, "forest: a regression target "
			    "is non-finite");
	}
	return LATHE_OK;
}

static void
forest_clear(struct lathe_model *m)
{
	size_t i;

	for (i = 0; i < m->ntrees; i++) {
		if (m->trees != NULL)
			cart_tree_free(&m->trees[i]);
		if (m->out != NULL)
			free(m->out[i]);
	}
	free(m->trees);
	free(m->out);
	free(m->imp);
	m->trees = NULL;
	m->out = NULL;
	m->imp = NULL;
	m->ntrees = 0;
	m->fitted = 0;
	m->oob_score = NAN;
}

/* m->imp: scikit-learn's feature_importances_, the mean of the trees'
 * normalised importances, normalised again.  0, or -1 out of memory. */
static int
forest_importances(struct lathe_model *m)
{
	double *imp, *one, total = 0.0;
	size_t i, j;

	imp = calloc(m->d, sizeof *imp);
	one = malloc(m->d * sizeof *one);
	if (imp == NULL || one == NULL) {
		free(imp);
		free(one);
		return -1;
	}
	for (i = 0; i < m->ntrees; i++) {
		cart_tree_importances(&m->trees[i], m->d, one);
		for (j = 0; j < m->d; j++)
			imp[j] += one[j];
	}
	for (j = 0; j < m->d; j++) {
		imp[j] /= (double)m->ntrees;
		total += imp[j];
	}
	if (total > 0.0)
		for (j = 0; j < m->d; j++)
			imp[j] /= total;
	free(one);
	free(m->imp);
	m->imp = imp;
	return 0;
}

static int
forest_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct cart_presort ps;
	struct fit_ctx *c = NULL;
	double *cw = NULL;
	size_t i, T, scored;
	int rc, K = 0, workers;
	char msg[256];

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no model");
	if (host == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no host services");
	if ((rc = check_data(m, data, err)) != 0)
		return rc;
	forest_clear(m);
	memset(&ps, 0, sizeof ps);
	T = (size_t)m->n_estimators;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
	atomic_init(&c->done, 0);
	atomic_init(&c->failed, 0);
	atomic_flag_clear(&c->msg_taken);
	c->m = m;
	c->data = data;
	c->host = host;
	c->cp.criterion = m->criterion;
	c->cp.max_depth = m->max_depth;
	c->cp.min_samples_split = m->min_samples_split;
	c->cp.min_samples_leaf = m->min_samples_leaf;
	c->cp.min_impurity_decrease = m->min_impurity_decrease;
	c->cp.threads = 1;
	c->cp.ctx = (void *)(uintptr_t)host;
	c->cp.cancelled = fit_cancelled;
	if ((rc = resolve_max_features(m, data->d, &c->cp.max_features, err)) != 0)
		goto out;
	if (m->task == LATHE_TASK_CLASSIFICATION) {
		size_t present = 0;

		K = data->n_classes;
		rc = LATHE_ENOMEM;
		if ((cw = calloc((size_t)K, sizeof *cw)) == NULL) {
			plugkit_fail(err, rc, "forest: out of memory");
			goto out;
		}
		for (i = 0; i < data->n; i++)
			cw[data->labels[i]] += 1.0;
		for (i = 0; i < (size_t)K; i++)
			present += cw[i] > 0.0;
		for (i = 0; i < (size_t)K; i++) {
			if (cw[i] > 0.0) {
				cw[i] = (double)data->n / ((double)present * cw[i]);
				continue;
			}
			snprintf(msg, sizeof msg, "forest: class %zu has no training rows; "
			    "its probability is 0 everywhere", i);
			host->log(host->ctx, 1, msg);
		}
		if (m->balanced)
			c->cp.class_weight = cw;
	}
	c->seed = host->random(host->ctx);
	c->draws = (size_t)ceil(m->max_samples * (double)data->n - 1e-9);
	if (c->draws < 1)
		c->draws = 1;
	workers = parfor_workers(T, 1, parfor_default_threads());
	rc = LATHE_ENOMEM;
	m->trees = calloc(T, sizeof *m->trees);
	m->out = calloc(T, sizeof *m->out);
	c->counts = malloc((size_t)workers * data->n * sizeof *c->counts);
	if (m->trees == NULL || m->out == NULL || c->counts == NULL) {
		plugkit_fail(err, rc, "forest: out of memory");
		goto out;
	}
	m->ntrees = T;
	c->trees = m->trees;
	if (cart_presort_new(&ps, data->X, data->n, data->d, parfor_default_threads()) != 0) {
		plugkit_fail(err, rc, "forest: out of memory");
		goto out;
	}
	c->ps = &ps;
	host->progress(host->ctx, 0, m->n_estimators, NAN);
	if (parfor_run(T, 1, workers, fit_tree, c) != 0) {
		if (atomic_load(&c->failed) == 1 || host->cancelled(host->ctx))
			rc = plugkit_fail(err, LATHE_ECANCELLED, "forest: cancelled after %zu "
			    "trees", atomic_load(&c->done));
		else
			rc = plugkit_fail(err, strstr(c->msg, "memory") ? LATHE_ENOMEM :
			    LATHE_EINVAL, "forest: %s", c->msg);
		goto out;
	}
	m->d = data->d;
	m->n_classes = K;
	m->width = K > 0 ? (size_t)K : 1;
	for (i = 0; i < T; i++)
		if ((m->out[i] = tree_outputs(&m->trees[i], K > 0)) == NULL) {
			plugkit_fail(err, rc, "forest: out of memory");
			goto out;
		}
	if (m->oob) {
		m->oob_score = oob_score(m, data, c->seed, c->draws, c->counts, &scored);
		if (scored < data->n) {
			snprintf(msg, sizeof msg, "forest: %zu of %zu rows were drawn by every "
			    "tree and have no out-of-bag prediction; oob_score uses the "
			    "others", data->n - scored, data->n);
			host->log(host->ctx, 1, msg);
		}
		if (isfinite(m->oob_score))
			host->curve(host->ctx, "oob_score", (int)T, m->oob_score);
	}
	if (forest_importances(m) != 0) {
		rc = LATHE_ENOMEM;
		plugkit_fail(err, rc, "forest: out of memory");
		goto out;
	}
	m->fitted = 1;
	{
		size_t nodes = 0;
		int depth = 0;
		for (i = 0; i < T; i++) {
			nodes += m->trees[i].nodes;
			if (m->trees[i].depth > depth)
				depth = m->trees[i].depth;
		}
		int o = snprintf(msg, sizeof msg, "forest: %zu trees, %zu nodes, deepest %d (%s, "
		    "%zu of %zu features per node)", T, nodes, depth,
		    criterion_name(m->criterion), c->cp.max_features, data->d);
		if (m->oob && o > 0 && (size_t)o < sizeof msg)
			snprintf(msg + o, sizeof msg - (size_t)o, ", oob_score %.4g",
			    m->oob_score);
		host->log(host->ctx, 0, msg);
	}
	rc = LATHE_OK;
out:
	if (rc != LATHE_OK)
		forest_clear(m);
	cart_presort_free(&ps);
	if (c != NULL)
		free(c->counts);
	free(c);
	free(cw);
	return rc;
}

/* ---- predict ---------------------------------------------------------------------- */

struct pred_ctx {
	const struct lathe_model *m;
	const double *X;
	double *out;
	size_t d;
};

/* Rows in blocks: every tree walks a block of rows while it is in cache;
 * each row's sum adds the trees in order (the same sum for any block). */
static int
predict_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	const struct pred_ctx *c = vctx;
	const struct lathe_model *m = c->m;
	size_t W = m->width, i0, i, k, t, rows;
	double inv = 1.0 / (double)m->ntrees;

	(void)worker;
	(void)shard;
	for (i0 = begin; i0 < end; i0 += rows) {
		rows = end - i0 < PREDICT_BLOCK ? end - i0 : PREDICT_BLOCK;
		memset(c->out + i0 * W, 0, rows * W * sizeof *c->out);
		for (t = 0; t < m->ntrees; t++)
			for (i = i0; i < i0 + rows; i++) {
				size_t leaf = cart_tree_leaf(&m->trees[t], c->X + i * c->d);
				const double *o = m->out[t] + leaf * W;
				for (k = 0; k < W; k++)
					c->out[i * W + k] += o[k];
			}
		for (i = i0 * W; i < (i0 + rows) * W; i++)
			c->out[i] *= inv;
	}
	return 0;
}

static size_t
forest_output_width(const struct lathe_model *m)
{
	return m != NULL && m->fitted ? m->width :
	    m != NULL && m->task == LATHE_TASK_REGRESSION ? 1 : 0;
}

static int
forest_predict(const struct lathe_model *m, size_t n, size_t d, const double *X,
    double *out, char **err)
{
	struct pred_ctx c;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "forest: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "forest: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no input or output buffer");
	c.m = m;
	c.X = X;
	c.out = out;
	c.d = d;
	if (n <= PREDICT_SHARD)
		return predict_shard(&c, 0, 0, 0, n);
	if (parfor_run(n, PREDICT_SHARD, parfor_default_threads(), predict_shard, &c) != 0)
		return plugkit_fail(err, LATHE_ENOMEM, "forest: predict failed");
	return LATHE_OK;
}

/* ---- payload ---------------------------------------------------------------------- */

static int
forest_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;
	size_t i;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "forest: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no output buffer");
	blobw_init(&w, FOREST_FORMAT, FOREST_MAGIC);
	blobw_u64(&w, m->d);
	blobw_u32(&w, m->n_classes > 0 ? 2u : 1u);
	blobw_u32(&w, (uint32_t)m->n_classes);
	blobw_u32(&w, (uint32_t)m->criterion);
	blobw_u32(&w, (uint32_t)m->ntrees);
	blobw_f64(&w, m->oob_score);
	blobw_f64s(&w, m->imp, m->d);
	for (i = 0; i < m->ntrees; i++)
		cart_tree_write(&w, &m->trees[i]);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
	return LATHE_OK;
}

static int
forest_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, task, K, crit, T;
	uint64_t d;
	double oob;
	size_t i;
	int rc = LATHE_EFORMAT, trc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "forest: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, FOREST_MAGIC, FOREST_FORMAT, &version,
	    "forest model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "forest: %s", msg);
	if (version != FOREST_FORMAT)	/* 1: a development format, never released */
		return plugkit_fail(err, LATHE_EFORMAT, "forest: forest model payload has "
		    "format version %u, which stored no importances and is no longer read "
		    "(train the model again)", (unsigned)version);
	if (blobr_u64(&r, &d) != 0 || blobr_u32(&r, &task) != 0 ||
	    blobr_u32(&r, &K) != 0 || blobr_u32(&r, &crit) != 0 ||
	    blobr_u32(&r, &T) != 0 || blobr_f64(&r, &oob) != 0)
		goto corrupt;
	if (d == 0 || d > INT32_MAX || (task != 1 && task != 2) ||
	    (task == 1 && (K != 0 || crit != CART_SQUARED_ERROR)) ||
	    (task == 2 && (K < 1 || K > 65535 || crit > CART_ENTROPY)) ||
	    T == 0 || T > 100000 || isinf(oob) || !blobr_has(&r, d, 8))
		goto corrupt;
	/* d importances, then T trees: a feature count is only believed when
	 * the payload holds its importances (a forest's trees alone do not
	 * bound it, and the summary writes one number per feature) */
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->imp = malloc((size_t)d * sizeof *m->imp)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
		goto fail;
	}
	if (blobr_f64s(&r, m->imp, (size_t)d) != 0 || !blobr_has(&r, T, 8))
		goto corrupt;
	{
		double total = 0.0;
		for (i = 0; i < d; i++) {
			if (!(m->imp[i] >= 0.0 && m->imp[i] <= 1.0))
				goto corrupt;
			total += m->imp[i];
		}
		if (total > 1.0 + 1e-9)
			goto corrupt;
	}
	if ((m->trees = calloc(T, sizeof *m->trees)) == NULL ||
	    (m->out = calloc(T, sizeof *m->out)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
		goto fail;
	}
	m->ntrees = T;
	m->task = task == 2 ? LATHE_TASK_CLASSIFICATION : LATHE_TASK_REGRESSION;
	m->criterion = (enum cart_criterion)crit;
	m->n_classes = (int)K;
	m->width = task == 2 ? K : 1;
	m->d = (size_t)d;
	m->oob_score = oob;
	for (i = 0; i < T; i++) {
		trc = cart_tree_read(&r, &m->trees[i], m->d, m->width, task == 2, msg,
		    sizeof msg);
		if (trc == -2) {
			rc = plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
			goto fail;
		}
		if (trc != 0) {
			rc = plugkit_fail(err, LATHE_EFORMAT, "forest: forest model payload is "
			    "corrupt (tree %zu: %s)", i, msg);
			goto fail;
		}
		if ((m->out[i] = tree_outputs(&m->trees[i], task == 2)) == NULL) {
			rc = plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
			goto fail;
		}
	}
	if (!blobr_done(&r))
		goto corrupt;
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "forest: forest model payload is corrupt "
	    "(fields do not match their sizes)");
fail:
	forest_destroy(m);
	return rc;
}

/* ---- summary ---------------------------------------------------------------------- */

static int
forest_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;
	double depth = 0.0;
	size_t i, nodes = 0;
	int maxd = 0;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "forest: model is not fitted");
	for (i = 0; i < m->ntrees; i++) {
		nodes += m->trees[i].nodes;
		depth += m->trees[i].depth;
		if (m->trees[i].depth > maxd)
			maxd = m->trees[i].depth;
	}
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "criterion");
	jbuf_str(&b, criterion_name(m->criterion));
	jbuf_key(&b, "n_estimators");
	jbuf_int(&b, (int64_t)m->ntrees);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_key(&b, "n_classes");
	jbuf_int(&b, m->n_classes);
	jbuf_key(&b, "oob_score");
	jbuf_num(&b, m->oob_score);
	jbuf_key(&b, "node_count");
	jbuf_int(&b, (int64_t)nodes);
	jbuf_key(&b, "mean_depth");
	jbuf_num(&b, depth / (double)m->ntrees);
	jbuf_key(&b, "max_depth");
	jbuf_int(&b, maxd);
	jbuf_key(&b, "feature_importances");
	jbuf_nums(&b, m->imp, m->d);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "forest: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin forest_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "forest",
	.version = "1.0.0",
	.description = "random forest of CART trees (scikit-learn RandomForestClassifier "
	    "/ RandomForestRegressor)",
	.tasks = LATHE_TASK_REGRESSION | LATHE_TASK_CLASSIFICATION,
	.params = forest_params,
	.nparams = P_COUNT,
	.model_format = FOREST_FORMAT,
	.create = forest_create,
	.fit = forest_fit,
	.output_width = forest_output_width,
	.predict = forest_predict,
	.save = forest_save,
	.load = forest_load,
	.destroy = forest_destroy,
	.summary = forest_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &forest_plugin;
}
