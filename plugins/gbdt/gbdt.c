/*
 * gbdt.c — histogram gradient boosting, the `gbdt` plugin.
 *
 * In the manner of LightGBM and scikit-learn's HistGradientBoosting*
 * (whose parameter names and defaults it takes): features are binned once
 * (bins.c: at most max_bins quantile bins fitted on the training rows, one
 * byte per value, NaN in a bin of its own), then each iteration fits one
 * regression tree per output (grow.c: leaf-wise, histogram subtraction) to
 * the gradients and hessians of the loss at the current predictions:
 *
 *   regression       half squared error   g = f - y,  h = 1
 *   two classes      binary log loss      g = p - y,  h = p (1 - p)
 *   more classes     softmax cross-entropy, one tree per class per
 *                    iteration: g_k = p_k - [y = k],  h_k = p_k (1 - p_k)
 *
 * starting from the baseline scikit-learn uses (the mean; the log-odds of
 * the positive rate; the log of each class's prior).
 *
 * Early stopping (early_stopping = auto: on above 10,000 rows, as in
 * scikit-learn) holds out validation_fraction of the training rows
 * (stratified for classification, drawn with the run's seed) before
 * binning, and stops when the validation loss has not improved on the
 * loss n_iter_no_change iterations earlier by more than tol — scikit-
 * learn's rule, and like it the trees of those last iterations are kept.
 * Curves: the progress loss is the training loss (on at most 10,000
 * evenly spaced training rows), `validation_loss` the held-out loss when
 * early stopping is on, and on the run's own test rows (host n_val)
 * `val_loss` plus, for classifiers, `val_accuracy`.
 *
 * Native missing values and categorical features (ABI 1.2 capabilities):
 * NaN is binned apart and each split learns its side; categorical columns
 * (lathe_data.feature_kinds) are split by category sets.
 *
 * Prediction walks flattened trees: each tree is a run of nodes in which
 * a split's children are adjacent (right = left + 1) and come after it,
 * numeric splits compare the raw value with the bin edge (x <= threshold
 * goes left, the same test the binning made), categorical splits look the
 * code's bin up in a 256-bit set.  Rows go in blocks, trees outermost in a
 * block, blocks sharded over threads; within a block, sixteen rows walk a
 * tree together (independent chains of loads keep the core busy), each
 * for the tree's depth in steps (a leaf is its own child), and groups of
 * rows without NaN in a model without categorical splits take a 16-byte
 * node with one compare per step.  Every row's sum runs in tree order, so
 * predictions do not depend on the thread count or on the path taken.
 *
 * Payload (format 1, plugins/kit/blobio.h frame, magic "LTGB"):
 *   u32 task, u64 d, u32 n_classes, u32 K (trees per iteration), u32 n_iter,
 *   u32 early_stopped, f64 baseline[K], f64 importance[d],
 *   per feature: u32 kind, u32 nbins, u32 has_missing, u32 ncodes,
 *                u32 code bins packed 4 per word [ceil(ncodes / 4)],
 *   u32 ntrees, u32 nnodes, u32 ncats, u32 tree_start[ntrees + 1],
 *   per node: u32 feature (0xffffffff: leaf), u32 left, u32 flags
 *             (1 missing left, 2 categorical), u32 cat, f64 value,
 *   u64 cats[4 * ncats].
 */
#include "lathe_plugin.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbdt.h"
#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/linalg.h"
#include "linalg/parfor.h"

#define GBDT_FORMAT 1u
static const char GBDT_MAGIC[4] = { 'L', 'T', 'G', 'B' };

#define BIN_SUBSAMPLE ((size_t)200000)  /* scikit-learn's subsample */
#define LOSS_SAMPLE ((size_t)10000)
#define GRAD_SHARD ((size_t)65536)
#define PRED_SHARD ((size_t)2048)
#define PRED_BLOCK ((size_t)64)
#define NODE_LEAF 0xffffffffu

enum { P_LEARNING_RATE, P_MAX_ITER, P_MAX_LEAF_NODES, P_MAX_DEPTH, P_MIN_SAMPLES_LEAF,
	P_L2, P_MAX_BINS, P_EARLY_STOPPING, P_VALIDATION_FRACTION, P_N_ITER_NO_CHANGE,
	P_TOL, P_N_THREADS, P_COUNT };

static const char *const es_choices[] = { "auto", "on", "off", NULL };
enum { ES_AUTO, ES_ON, ES_OFF };

static const struct lathe_param_spec gbdt_params[P_COUNT] = {
	[P_LEARNING_RATE] = {
		.name = "learning_rate", .type = LATHE_PARAM_REAL,
		.help = "shrinkage: each tree's leaf values are multiplied by this",
		.def = 0.1, .min = 0.0, .has_min = 1, .exclusive_min = 1, .max = 1e3,
		.has_max = 1, .log_scale = 1,
	},
	[P_MAX_ITER] = {
		.name = "max_iter", .type = LATHE_PARAM_INT,
		.help = "boosting iterations (trees per output)",
		.def = 100, .min = 1, .has_min = 1, .max = 100000, .has_max = 1,
	},
	[P_MAX_LEAF_NODES] = {
		.name = "max_leaf_nodes", .type = LATHE_PARAM_INT,
		.help = "leaves per tree (grown best-first)",
		.def = 31, .min = 2, .has_min = 1, .max = 65536, .has_max = 1,
	},
	[P_MAX_DEPTH] = {
		.name = "max_depth", .type = LATHE_PARAM_INT,
		.help = "depth limit of each tree; 0 = none",
		.def = 0, .min = 0, .has_min = 1, .max = 1000, .has_max = 1,
	},
	[P_MIN_SAMPLES_LEAF] = {
		.name = "min_samples_leaf", .type = LATHE_PARAM_INT,
		.help = "fewest training rows a leaf may hold",
		.def = 20, .min = 1, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_L2] = {
		.name = "l2_regularization", .type = LATHE_PARAM_REAL,
		.help = "L2 penalty on leaf values (added to the hessian sums)",
		.def = 0.0, .min = 0.0, .has_min = 1, .max = 1e12, .has_max = 1,
	},
	[P_MAX_BINS] = {
		.name = "max_bins", .type = LATHE_PARAM_INT,
		.help = "bins per feature for non-missing values (missing get one more)",
		.def = 255, .min = 2, .has_min = 1, .max = 255, .has_max = 1,
	},
	[P_EARLY_STOPPING] = {
		.name = "early_stopping", .type = LATHE_PARAM_CHOICE,
		.help = "stop when the held-out loss stalls; auto = on above 10000 rows",
		.choices = es_choices, .def_choice = "auto",
	},
	[P_VALIDATION_FRACTION] = {
		.name = "validation_fraction", .type = LATHE_PARAM_REAL,
		.help = "share of training rows held out for early stopping",
		.def = 0.1, .min = 0.0, .has_min = 1, .exclusive_min = 1, .max = 0.9,
		.has_max = 1,
	},
	[P_N_ITER_NO_CHANGE] = {
		.name = "n_iter_no_change", .type = LATHE_PARAM_INT,
		.help = "iterations without improvement before early stopping",
		.def = 10, .min = 1, .has_min = 1, .max = 100000, .has_max = 1,
	},
	[P_TOL] = {
		.name = "tol", .type = LATHE_PARAM_REAL,
		.help = "an improvement of the held-out loss smaller than this does not count",
		.def = 1e-7, .min = 0.0, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_N_THREADS] = {
		.name = "n_threads", .type = LATHE_PARAM_INT,
		.help = "threads for histograms and prediction; 0 = OpenBLAS's count",
		.def = 0, .min = 0, .has_min = 1, .max = 256, .has_max = 1,
	},
};

/* A node of a flattened tree (32 bytes: two to a cache line).  A leaf's
 * children are the leaf itself, so a walk may take more steps than the
 * row's path needs and stay put: prediction walks a group of rows through
 * a tree in exactly its depth steps, with no test for "at a leaf". */
struct pnode {
	double value;           /* split: threshold; leaf: value */
	uint32_t feature;       /* NODE_LEAF for a leaf */
	uint32_t left;          /* absolute index (leaf: itself) */
	uint32_t right;         /* left + 1 (leaf: itself) */
	uint32_t fx;            /* the feature a walk reads (leaf: 0) */
	uint32_t flags;         /* 1: missing left, 2: categorical */
	uint32_t cat;           /* categorical: index of the 256-bit set */
};

/* The same node for rows without missing values, in 16 bytes: a split
 * sends x to left + (x > thr) (right = left + 1); a leaf has thr = +inf
 * and left = itself.  Unused when the model has categorical splits. */
struct wnode {
	double thr;
	uint32_t fx;
	uint32_t left;
};

struct lathe_model {
	/* parameters */
	double learning_rate, l2, vfrac, tol;
	int max_iter, max_leaf_nodes, max_depth, min_samples_leaf, max_bins;
	int early_stopping, n_iter_no_change, n_threads;
	unsigned task;
	/* fitted */
	int fitted;
	size_t d;
	int n_classes;
	int K;                  /* trees per iteration */
	int n_iter;
	int early_stopped;
	double *baseline;       /* K */
	double *importance;     /* d: summed split gains */
	struct gbdt_feature *fe;        /* d (edges dropped after the fit) */
	uint32_t ntrees, nnodes, ncats;
	uint32_t *tree_start;   /* ntrees + 1 */
	uint32_t *tdepth;       /* ntrees: the longest walk, in splits */
	struct pnode *nodes;
	struct wnode *walk;     /* nnodes: the nodes for rows without NaN */
	uint64_t *cats;         /* 4 words per set */
	uint32_t cap_trees, cap_nodes, cap_cats, cap_depth, cap_walk;
};

/* ---- prediction ---------------------------------------------------------------- */

static inline int
goes_left(const struct lathe_model *m, const struct pnode *p, double x)
{
	if (!(p->flags & 2)) {
		/* NaN <= t is false: NaN goes right unless missing goes left */
		return (x <= p->value) | ((int)(p->flags & 1) & (x != x));
	} else {
		uint8_t b = gbdt_bin_of(&m->fe[p->feature], x);
		if (b == GBDT_MISSING)
			return p->flags & 1;
		return (int)(m->cats[4 * (size_t)p->cat + (b >> 6)] >> (b & 63)) & 1;
	}
}

static inline double
tree_value(const struct lathe_model *m, uint32_t t, const double *x)
{
	const struct pnode *p = &m->nodes[m->tree_start[t]];

	while (p->feature != NODE_LEAF)
		p = &m->nodes[goes_left(m, p, x[p->feature]) ? p->left : p->right];
	return p->value;
}

/* Rows walked through one tree together.  A walk is a chain of dependent
 * loads (node, then feature value, then the next node): one row at a time
 * the core waits on each link; LANES independent rows keep it busy.
 * Measured on the serving benchmark (bench/bench_serve_gbdt.sh): 16 lanes
 * served 0.94-1.01 M rows/s, 8 lanes 0.87-0.95 M, 32 lanes 0.72-0.83 M
 * (the lanes' nodes no longer fit in registers). */
#define LANES 16

/* The leaf values of tree t for rows x[0..LANES-1] (stride d), each walk
 * taking the tree's depth in steps (a leaf is its own child). */
static inline void
tree_lanes(const struct lathe_model *m, uint32_t t, const double *x, size_t d,
    double *out)
{
	const struct pnode *nodes = m->nodes;
	uint32_t cur[LANES], l, s, root = m->tree_start[t], depth = m->tdepth[t];

	for (l = 0; l < LANES; l++)
		cur[l] = root;
	for (s = 0; s < depth; s++)
#pragma GCC unroll 16
		for (l = 0; l < LANES; l++) {
			const struct pnode *p = &nodes[cur[l]];
			double v = x[l * d + p->fx];
			int gl;
			if (__builtin_expect(p->flags & 2, 0))
				gl = goes_left(m, p, v);
			else
				gl = (v <= p->value) | ((int)(p->flags & 1) & (v != v));
			/* gl ? left : right, without a branch to mispredict */
			cur[l] = p->right ^ ((p->left ^ p->right) & (0u - (uint32_t)gl));
		}
	for (l = 0; l < LANES; l++)
		out[l] = nodes[cur[l]].value;
}

/* tree_lanes for rows without missing values in a model without
 * categorical splits: a step is a load, a compare and an add. */
static inline void
tree_lanes_numeric(const struct lathe_model *m, uint32_t t, const double *x, size_t d,
    double *out)
{
	const struct wnode *w = m->walk;
	uint32_t cur[LANES], l, s, root = m->tree_start[t], depth = m->tdepth[t];

	for (l = 0; l < LANES; l++)
		cur[l] = root;
	for (s = 0; s < depth; s++)
#pragma GCC unroll 16
		for (l = 0; l < LANES; l++) {
			const struct wnode *p = &w[cur[l]];
			cur[l] = p->left + (x[l * d + p->fx] > p->thr);
		}
	for (l = 0; l < LANES; l++)
		out[l] = m->nodes[cur[l]].value;
}

static int
has_nan(const double *x, size_t n)
{
	size_t i;
	int nan = 0;

	for (i = 0; i < n; i++)
		nan |= x[i] != x[i];
	return nan;
}

/* raw[i * K + k] += trees [t0, t1) for rows of X; trees are taken in order,
 * tree t adding to output t % K. */
static void
add_trees(const struct lathe_model *m, uint32_t t0, uint32_t t1, const double *X,
    size_t rows, double *raw)
{
	size_t i0, i, K = (size_t)m->K, d = m->d, l;
	uint32_t t;
	double v[LANES];
	unsigned char plain[PRED_BLOCK / LANES], plain_tail = 0;

	for (i0 = 0; i0 < rows; i0 += PRED_BLOCK) {
		size_t e = rows - i0 < PRED_BLOCK ? rows : i0 + PRED_BLOCK;
		/* the rows past the last whole group: walked as the block's last
		 * LANES rows (overlapping the group before, whose answers are
		 * not added twice), or one by one in a block under LANES rows */
		size_t tail = (e - i0) % LANES, tail0 = e - LANES;
		int tail_lanes = tail > 0 && e - i0 >= LANES;
		/* which groups of rows can take the short walk */
		for (i = i0; i + LANES <= e; i += LANES)
			plain[(i - i0) / LANES] = m->ncats == 0 &&
			    !has_nan(X + i * d, LANES * d);
		if (tail_lanes)
			plain_tail = m->ncats == 0 && !has_nan(X + tail0 * d, LANES * d);
		for (t = t0; t < t1; t++) {
			size_t k = t % K;
			for (i = i0; i + LANES <= e; i += LANES) {
				if (plain[(i - i0) / LANES])
					tree_lanes_numeric(m, t, X + i * d, d, v);
				else
					tree_lanes(m, t, X + i * d, d, v);
				for (l = 0; l < LANES; l++)
					raw[(i + l) * K + k] += v[l];
			}
			if (tail_lanes) {
				if (plain_tail)
					tree_lanes_numeric(m, t, X + tail0 * d, d, v);
				else
					tree_lanes(m, t, X + tail0 * d, d, v);
				for (l = LANES - tail; l < LANES; l++)
					raw[(tail0 + l) * K + k] += v[l];
				continue;
			}
			for (; i < e; i++)
				raw[i * K + k] += tree_value(m, t, X + i * d);
		}
	}
}

static void
sigmoid_pair(double z, double *out)
{
	double p;

	if (z >= 0.0) {
		p = 1.0 / (1.0 + exp(-z));
	} else {
		double e = exp(z);
		p = e / (1.0 + e);
	}
	out[0] = 1.0 - p;
	out[1] = p;
}

static void
softmax(double *z, int K)
{
	double mx = z[0], s = 0.0;
	int k;

	for (k = 1; k < K; k++)
		if (z[k] > mx)
			mx = z[k];
	for (k = 0; k < K; k++) {
		z[k] = exp(z[k] - mx);
		s += z[k];
	}
	for (k = 0; k < K; k++)
		z[k] /= s;
}

struct pred_job {
	const struct lathe_model *m;
	const double *X;
	double *out;
	size_t width;
};

static int
pred_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	const struct pred_job *j = vctx;
	const struct lathe_model *m = j->m;
	double raw[PRED_BLOCK * 64], *r;
	size_t i0, i, K = (size_t)m->K, rows;
	int k;

	(void)worker;
	(void)shard;
	for (i0 = begin; i0 < end; i0 += rows) {
		rows = end - i0;
		if (rows > PRED_BLOCK)
			rows = PRED_BLOCK;
		if (K > 64 && rows > 1)
			rows = 1;       /* many classes: one row at a time */
		r = K <= 64 ? raw : j->out + i0 * j->width;
		for (i = 0; i < rows; i++)
			for (k = 0; k < m->K; k++)
				r[i * K + (size_t)k] = m->baseline[k];
		add_trees(m, 0, m->ntrees, j->X + i0 * m->d, rows, r);
		for (i = 0; i < rows; i++) {
			double *o = j->out + (i0 + i) * j->width;
			if (m->task == LATHE_TASK_REGRESSION) {
				o[0] = r[i];
			} else if (m->K == 1) {
				sigmoid_pair(r[i], o);
			} else {
				if (o != r + i * K)
					memcpy(o, r + i * K, K * sizeof *o);
				softmax(o, m->K);
			}
		}
	}
	return 0;
}

static size_t
gbdt_output_width(const struct lathe_model *m)
{
	if (m == NULL)
		return 0;
	return m->task == LATHE_TASK_REGRESSION ? 1 : (size_t)m->n_classes;
}

static int
threads_of(const struct lathe_model *m)
{
	return m->n_threads > 0 ? m->n_threads : parfor_default_threads();
}

static int
gbdt_predict(const struct lathe_model *m, size_t n, size_t d, const double *X,
    double *out, char **err)
{
	struct pred_job j;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "gbdt: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no input or output buffer");
	j.m = m;
	j.X = X;
	j.out = out;
	j.width = gbdt_output_width(m);
	parfor_run(n, PRED_SHARD, n >= 2 * PRED_SHARD ? threads_of(m) : 1, pred_shard, &j);
	return LATHE_OK;
}

/* ---- model arrays ------------------------------------------------------------- */

static void
gbdt_destroy(struct lathe_model *m)
{
	size_t f;

	if (m == NULL)
		return;
	if (m->fe != NULL)
		for (f = 0; f < m->d; f++)
			gbdt_feature_clear(&m->fe[f]);
	free(m->fe);
	free(m->baseline);
	free(m->importance);
	free(m->tree_start);
	free(m->tdepth);
	free(m->walk);
	free(m->nodes);
	free(m->cats);
	free(m);
}

static int
grow_array(void **p, uint32_t *cap, uint64_t need, size_t size)
{
	uint64_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX - 1)
		return -1;
	if ((q = realloc(*p, (size_t)c * size)) == NULL)
		return -1;
	*p = q;
	*cap = (uint32_t)c;
	return 0;
}

/* The short-walk form of node u. */
static void
set_walk(struct lathe_model *m, uint32_t u)
{
	const struct pnode *p = &m->nodes[u];
	struct wnode *w = &m->walk[u];

	if (p->feature == NODE_LEAF) {
		w->thr = INFINITY;
		w->fx = 0;
		w->left = u;
	} else {
		w->thr = p->value;
		w->fx = p->fx;
		w->left = p->left;
	}
}

/* The most splits on a walk from the root of tree t to a leaf; scratch
 * holds one entry per node of the tree.  Children come after their parent
 * (append_tree and gbdt_load make sure of it). */
static uint32_t
tree_depth(const struct lathe_model *m, uint32_t t, uint32_t *scratch)
{
	uint32_t b = m->tree_start[t], e = m->tree_start[t + 1], u, max = 0;

	memset(scratch, 0, (size_t)(e - b) * sizeof *scratch);
	for (u = b; u < e; u++) {
		const struct pnode *p = &m->nodes[u];
		uint32_t dc = scratch[u - b] + 1;
		if (p->feature == NODE_LEAF) {
			if (scratch[u - b] > max)
				max = scratch[u - b];
			continue;
		}
		/* the longest way in, should a (corrupt) node have two parents */
		if (scratch[p->left - b] < dc)
			scratch[p->left - b] = dc;
		if (scratch[p->right - b] < dc)
			scratch[p->right - b] = dc;
	}
	return max;
}

/* Appends the grower's tree (node 0 its root) to the model, breadth first
 * so that every split's children are adjacent and after it. */
static int
append_tree(struct lathe_model *m, const struct gbdt_tnode *tn, int nn)
{
	int *order = malloc((size_t)nn * sizeof *order), head = 0, tail = 0, k;
	uint32_t base = m->nnodes, ncat = 0;

	if (order == NULL)
		return -1;
	for (k = 0; k < nn; k++)
		ncat += tn[k].feature >= 0 && tn[k].is_cat;
	if (grow_array((void **)&m->nodes, &m->cap_nodes, (uint64_t)base + (uint64_t)nn,
	    sizeof *m->nodes) != 0 ||
	    grow_array((void **)&m->cats, &m->cap_cats, 4 * ((uint64_t)m->ncats + ncat),
	    sizeof *m->cats) != 0 ||
	    grow_array((void **)&m->tree_start, &m->cap_trees, (uint64_t)m->ntrees + 2,
	    sizeof *m->tree_start) != 0) {
		free(order);
		return -1;
	}
	order[tail++] = 0;
	while (head < tail) {
		const struct gbdt_tnode *t = &tn[order[head]];
		struct pnode *p = &m->nodes[base + (uint32_t)head];

		head++;
		memset(p, 0, sizeof *p);
		if (t->feature < 0) {
			p->feature = NODE_LEAF;
			p->left = p->right = base + (uint32_t)(head - 1);
			p->value = t->value;
			continue;
		}
		p->feature = p->fx = (uint32_t)t->feature;
		p->left = base + (uint32_t)tail;
		p->right = p->left + 1;
		p->flags = (uint32_t)(t->missing_left ? 1 : 0) | (t->is_cat ? 2u : 0u);
		if (t->is_cat) {
			p->cat = m->ncats;
			memcpy(m->cats + 4 * (size_t)m->ncats, t->cats, 4 * sizeof *m->cats);
			m->ncats++;
			p->value = 0.0;
		} else {
			const struct gbdt_feature *fe = &m->fe[t->feature];
			p->value = t->bin < fe->nbins - 1 ? fe->edges[t->bin] : INFINITY;
		}
		m->importance[t->feature] += t->gain;
		order[tail++] = t->left;
		order[tail++] = t->right;
	}
	if (grow_array((void **)&m->tdepth, &m->cap_depth, (uint64_t)m->ntrees + 1,
	    sizeof *m->tdepth) != 0 ||
	    grow_array((void **)&m->walk, &m->cap_walk, (uint64_t)base + (uint64_t)nn,
	    sizeof *m->walk) != 0) {
		free(order);
		return -1;
	}
	for (k = 0; k < nn; k++)
		set_walk(m, base + (uint32_t)k);
	m->tree_start[m->ntrees] = base;
	m->ntrees++;
	m->nnodes = base + (uint32_t)nn;
	m->tree_start[m->ntrees] = m->nnodes;
	m->tdepth[m->ntrees - 1] = tree_depth(m, m->ntrees - 1, (uint32_t *)order);
	free(order);
	return 0;
}

/* ---- create -------------------------------------------------------------------- */

static int
gbdt_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	(void)host;
	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("gbdt", LATHE_TASK_REGRESSION |
	    LATHE_TASK_CLASSIFICATION, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(gbdt_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "gbdt: out of memory");
	m->task = task;
	m->learning_rate = params->num[P_LEARNING_RATE];
	m->max_iter = (int)params->num[P_MAX_ITER];
	m->max_leaf_nodes = (int)params->num[P_MAX_LEAF_NODES];
	m->max_depth = (int)params->num[P_MAX_DEPTH];
	m->min_samples_leaf = (int)params->num[P_MIN_SAMPLES_LEAF];
	m->l2 = params->num[P_L2];
	m->max_bins = (int)params->num[P_MAX_BINS];
	m->early_stopping = plugkit_choice(&gbdt_params[P_EARLY_STOPPING],
	    params->str[P_EARLY_STOPPING]);
	m->vfrac = params->num[P_VALIDATION_FRACTION];
	m->n_iter_no_change = (int)params->num[P_N_ITER_NO_CHANGE];
	m->tol = params->num[P_TOL];
	m->n_threads = (int)params->num[P_N_THREADS];
	*out = m;
	return LATHE_OK;
}

/* ---- losses -------------------------------------------------------------------- */

struct grad_job {
	const struct lathe_model *m;
	const double *raw;      /* n x K */
	const double *y;        /* regression */
	const int *labels;
	const size_t *rows;     /* training row -> data row */
	float *g, *h;           /* K x n */
	size_t n;
};

static int
grad_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	const struct grad_job *j = vctx;
	size_t i, K = (size_t)j->m->K, k;
	double z[256];

	(void)worker;
	(void)shard;
	for (i = begin; i < end; i++) {
		size_t r = j->rows[i];
		if (j->m->task == LATHE_TASK_REGRESSION) {
			j->g[i] = (float)(j->raw[i] - j->y[r]);
		} else if (K == 1) {
			double p, f = j->raw[i];
			if (f >= 0.0) {
				p = 1.0 / (1.0 + exp(-f));
			} else {
				double e = exp(f);
				p = e / (1.0 + e);
			}
			j->g[i] = (float)(p - (double)j->labels[r]);
			j->h[i] = (float)(p * (1.0 - p));
		} else {
			double *zz = K <= 256 ? z : NULL;
			if (zz == NULL)
				return 1;
			memcpy(zz, j->raw + i * K, K * sizeof *zz);
			softmax(zz, (int)K);
			for (k = 0; k < K; k++) {
				j->g[k * j->n + i] = (float)(zz[k] - (j->labels[r] == (int)k));
				j->h[k * j->n + i] = (float)(zz[k] * (1.0 - zz[k]));
			}
		}
	}
	return 0;
}

/* The loss of one row at raw scores f (K values). */
static double
row_loss(const struct lathe_model *m, const double *f, double y, int label)
{
	if (m->task == LATHE_TASK_REGRESSION)
		return 0.5 * (f[0] - y) * (f[0] - y);
	if (m->K == 1) {
		double z = f[0];
		return (z > 0.0 ? z : 0.0) - (label == 1 ? z : 0.0) + log1p(exp(-fabs(z)));
	} else {
		double mx = f[0], s = 0.0;
		int k;
		for (k = 1; k < m->K; k++)
			if (f[k] > mx)
				mx = f[k];
		for (k = 0; k < m->K; k++)
			s += exp(f[k] - mx);
		return mx + log(s) - f[label];
	}
}

static int
row_correct(const struct lathe_model *m, const double *f, int label)
{
	int k, best = 0;

	if (m->K == 1)
		return (f[0] > 0.0) == (label == 1);
	for (k = 1; k < m->K; k++)
		if (f[k] > f[best])
			best = k;
	return best == label;
}

/* ---- fit ----------------------------------------------------------------------- */

static uint64_t
rand_below(const struct lathe_host *host, uint64_t n)
{
	/* Lemire-free simple rejection: unbiased */
	uint64_t lim = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = host->random(host->ctx);
	while (v >= lim);
	return v % n;
}

struct fefit_job {
	struct lathe_model *m;
	const struct lathe_data *data;
	const unsigned char *kinds;
	const size_t *rows;
	size_t nrows;
};

/* Fits feature f's bin mapping: 0, -1 (no memory), -2 (bad data: msg). */
static int
fefit_one(const struct fefit_job *j, size_t f, char *msg, size_t msgsz)
{
	int kind = j->kinds != NULL && j->kinds[f] == LATHE_FEATURE_CATEGORICAL ?
	    GBDT_CATEGORICAL : GBDT_NUMERIC;

	return gbdt_feature_fit(&j->m->fe[f], kind, j->data->X, j->data->n,
	    j->data->d, f, j->rows, j->nrows, j->m->max_bins, msg, msgsz);
}

static int
fefit_task(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	char msg[300];
	size_t f;

	(void)worker;
	(void)shard;
	for (f = begin; f < end; f++)
		if (fefit_one(vctx, f, msg, sizeof msg) != 0)
			return 1;
	return 0;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Marks the validation rows in val[] (1 = held out): a seeded shuffle of
 * each class (or of all rows for regression), the first round(frac * n_c)
 * of each held out. */
static int
holdout(const struct lathe_data *data, double frac, int classes,
    const struct lathe_host *host, unsigned char *val)
{
	size_t *idx = malloc((data->n ? data->n : 1) * sizeof *idx), i, m;
	int c, groups = classes > 0 ? classes : 1;

	if (idx == NULL)
		return -1;
	for (c = 0; c < groups; c++) {
		m = 0;
		for (i = 0; i < data->n; i++)
			if (classes == 0 || data->labels[i] == c)
				idx[m++] = i;
		for (i = m; i > 1; i--) {
			size_t j = (size_t)rand_below(host, i), t = idx[i - 1];
			idx[i - 1] = idx[j];
			idx[j] = t;
		}
		{
			size_t take = (size_t)floor(frac * (double)m + 0.5);
			if (take >= m && m > 0)
				take = m - 1;
			for (i = 0; i < take; i++)
				val[idx[i]] = 1;
		}
	}
	free(idx);
	return 0;
}

static int
check_inputs(const struct lathe_model *m, const struct lathe_data *data, char **err)
{
	size_t i;

	if (data == NULL || data->n == 0)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no training rows");
	if (data->d == 0 || data->X == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no features");
	if (data->n >= UINT32_MAX)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: %zu rows; at most %u",
		    data->n, UINT32_MAX - 1);
	if (m->task == LATHE_TASK_REGRESSION) {
		if (data->y == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "gbdt: regression needs y");
		for (i = 0; i < data->n; i++)
			if (!isfinite(data->y[i]))
				return plugkit_fail(err, LATHE_EINVAL,
				    "gbdt: target of row %zu is not finite", i);
	} else {
		if (data->labels == NULL || data->n_classes < 2)
			return plugkit_fail(err, LATHE_EINVAL, "gbdt: classification needs "
			    "labels and at least 2 classes");
		if (data->n_classes > 256)
			return plugkit_fail(err, LATHE_EINVAL, "gbdt: %d classes; at most 256",
			    data->n_classes);
		for (i = 0; i < data->n; i++)
			if (data->labels[i] < 0 || data->labels[i] >= data->n_classes)
				return plugkit_fail(err, LATHE_EINVAL, "gbdt: label of row %zu "
				    "is %d, outside 0..%d", i, data->labels[i],
				    data->n_classes - 1);
	}
	if (data->n_val > 0 && (data->X_val == NULL ||
	    (m->task == LATHE_TASK_REGRESSION ? data->y_val == NULL :
	    data->labels_val == NULL)))
		return plugkit_fail(err, LATHE_EINVAL,
		    "gbdt: n_val > 0 but no validation rows or targets");
	return LATHE_OK;
}

/* Loss (and accuracy) of raw scores of rows of a set. */
static void
set_loss(const struct lathe_model *m, const double *raw, size_t n, size_t step,
    const size_t *rows, const double *y, const int *labels, double *loss,
    double *acc)
{
	size_t i, cnt = 0, K = (size_t)m->K;
	double s = 0.0, c = 0.0;

	for (i = 0; i < n; i += step) {
		size_t r = rows != NULL ? rows[i] : i;
		s += row_loss(m, raw + i * K, y != NULL ? y[r] : 0.0,
		    labels != NULL ? labels[r] : 0);
		if (labels != NULL)
			c += row_correct(m, raw + i * K, labels[r]);
		cnt++;
	}
	*loss = cnt ? s / (double)cnt : NAN;
	if (acc != NULL)
		*acc = cnt ? c / (double)cnt : NAN;
}

static int
gbdt_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	struct gbdt_grower *gr = NULL;
	struct parpool *pool = NULL;
	struct gbdt_grow_params gp;
	unsigned char *isval = NULL;
	size_t *tr = NULL, *va = NULL, *sub = NULL, ntr = 0, nva = 0, i, f, K, nsub;
	uint8_t *bins = NULL;
	double *raw = NULL, *rawv = NULL, *rawh = NULL, *Xv = NULL, *vscores = NULL;
	float *g = NULL, *h = NULL;
	char msg[300];
	int rc = LATHE_ENOMEM, es, it, threads, k;
	const unsigned char *kinds = NULL;

	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no model");
	if (host == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no host services");
	if ((rc = check_inputs(m, data, err)) != LATHE_OK)
		return rc;
	rc = LATHE_ENOMEM;
	if (host->abi_minor >= 2)
		kinds = data->feature_kinds;
	threads = threads_of(m);
	/* one pool for the whole fit: a tree runs several loops per split
	 * (NULL, when threads cannot start, runs them the slow way) */
	pool = parpool_new(threads);

	/* a refit starts afresh */
	if (m->fe != NULL)
		for (f = 0; f < m->d; f++)
			gbdt_feature_clear(&m->fe[f]);
	free(m->fe);
	free(m->baseline);
	free(m->importance);
	free(m->tree_start);
	free(m->tdepth);
	free(m->walk);
	free(m->nodes);
	free(m->cats);
	m->tdepth = NULL;
	m->walk = NULL;
	m->fe = NULL;
	m->baseline = m->importance = NULL;
	m->tree_start = NULL;
	m->nodes = NULL;
	m->cats = NULL;
	m->ntrees = m->nnodes = m->ncats = m->cap_trees = m->cap_nodes = m->cap_cats = 0;
	m->cap_depth = m->cap_walk = 0;
	m->fitted = 0;
	m->d = data->d;
	m->n_classes = m->task == LATHE_TASK_REGRESSION ? 0 : data->n_classes;
	m->K = m->task == LATHE_TASK_REGRESSION || data->n_classes == 2 ? 1 :
	    data->n_classes;
	K = (size_t)m->K;
	m->n_iter = 0;
	m->early_stopped = 0;

	es = m->early_stopping == ES_ON ||
	    (m->early_stopping == ES_AUTO && data->n > 10000);

	/* training and held-out rows */
	isval = calloc(data->n, 1);
	tr = malloc(data->n * sizeof *tr);
	va = malloc(data->n * sizeof *va);
	if (isval == NULL || tr == NULL || va == NULL)
		goto oom;
	if (es && holdout(data, m->vfrac, m->task == LATHE_TASK_REGRESSION ? 0 :
	    data->n_classes, host, isval) != 0)
		goto oom;
	for (i = 0; i < data->n; i++)
		if (isval[i])
			va[nva++] = i;
		else
			tr[ntr++] = i;
	if (es && nva == 0) {
		host->log(host->ctx, 1, "gbdt: too few rows to hold any out; early "
		    "stopping is off");
		es = 0;
	}

	/* bins, fitted on (a subsample of) the training rows */
	m->fe = calloc(data->d, sizeof *m->fe);
	m->baseline = calloc(K, sizeof *m->baseline);
	m->importance = calloc(data->d, sizeof *m->importance);
	if (m->fe == NULL || m->baseline == NULL || m->importance == NULL)
		goto oom;
	nsub = ntr;
	if (ntr > BIN_SUBSAMPLE) {
		/* partial Fisher-Yates over a copy, then row order */
		if ((sub = malloc(ntr * sizeof *sub)) == NULL)
			goto oom;
		memcpy(sub, tr, ntr * sizeof *sub);
		for (i = 0; i < BIN_SUBSAMPLE; i++) {
			size_t j = i + (size_t)rand_below(host, ntr - i), t = sub[i];
			sub[i] = sub[j];
			sub[j] = t;
		}
		nsub = BIN_SUBSAMPLE;
		qsort(sub, nsub, sizeof *sub, cmp_size);
	}
	{
		/* one feature per task; on a failure the features are fitted
		 * again in order, so the first bad feature is the one named */
		struct fefit_job fj = { m, data, kinds, sub != NULL ? sub : tr, nsub };
		int failed = parpool_run(pool, data->d, 1, threads, fefit_task, &fj) != 0;
		for (f = 0; failed && f < data->d; f++) {
			int r;
			gbdt_feature_clear(&m->fe[f]);
			r = fefit_one(&fj, f, msg, sizeof msg);
			if (r == -1)
				goto oom;
			if (r == -2) {
				rc = plugkit_fail(err, LATHE_EINVAL, "gbdt: %s", msg);
				goto out;
			}
		}
	}
	if (sub != NULL) {
		/* the subsample fitted the edges; check every training value */
		for (i = 0; i < ntr; i++)
			for (f = 0; f < data->d; f++) {
				double x = data->X[tr[i] * data->d + f];
				if (isinf(x) || (m->fe[f].kind == GBDT_CATEGORICAL &&
				    !isnan(x) && (!(x >= 0.0) || x >= 16777216.0 ||
				    x != floor(x)))) {
					rc = plugkit_fail(err, LATHE_EINVAL, "gbdt: feature %zu, "
					    "row %zu: %g is not usable", f, tr[i], x);
					goto out;
				}
			}
	}
	if ((bins = malloc(ntr * data->d)) == NULL)
		goto oom;
	gbdt_bin_rows(m->fe, data->X, data->n, data->d, tr, ntr, bins, threads);

	/* baseline */
	if (m->task == LATHE_TASK_REGRESSION) {
		double s = 0.0;
		for (i = 0; i < ntr; i++)
			s += data->y[tr[i]];
		m->baseline[0] = s / (double)ntr;
	} else {
		double *cnt = calloc((size_t)data->n_classes, sizeof *cnt);
		if (cnt == NULL)
			goto oom;
		for (i = 0; i < ntr; i++)
			cnt[data->labels[tr[i]]] += 1.0;
		if (K == 1) {
			double p = cnt[1] / (double)ntr;
			p = fmin(fmax(p, 1e-15), 1.0 - 1e-15);
			m->baseline[0] = log(p / (1.0 - p));
		} else {
			for (k = 0; k < m->K; k++)
				m->baseline[k] = log(fmax(cnt[k] / (double)ntr, 1e-15));
		}
		free(cnt);
	}

	/* scores */
	raw = malloc(ntr * K * sizeof *raw);
	g = malloc(ntr * K * sizeof *g);
	h = malloc(ntr * K * sizeof *h);
	if (raw == NULL || g == NULL || h == NULL)
		goto oom;
	for (i = 0; i < ntr; i++)
		memcpy(raw + i * K, m->baseline, K * sizeof *raw);
	if (es) {
		rawv = malloc(nva * K * sizeof *rawv);
		Xv = malloc(nva * data->d * sizeof *Xv);
		vscores = malloc(((size_t)m->max_iter + 1) * sizeof *vscores);
		if (rawv == NULL || Xv == NULL || vscores == NULL)
			goto oom;
		for (i = 0; i < nva; i++) {
			memcpy(rawv + i * K, m->baseline, K * sizeof *rawv);
			memcpy(Xv + i * data->d, data->X + va[i] * data->d,
			    data->d * sizeof *Xv);
		}
		set_loss(m, rawv, nva, 1, va, data->y, data->labels, &vscores[0], NULL);
	}
	if (data->n_val > 0) {
		if ((rawh = malloc(data->n_val * K * sizeof *rawh)) == NULL)
			goto oom;
		for (i = 0; i < data->n_val; i++)
			memcpy(rawh + i * K, m->baseline, K * sizeof *rawh);
	}

	gp.max_leaf_nodes = m->max_leaf_nodes;
	gp.max_depth = m->max_depth;
	gp.min_samples_leaf = m->min_samples_leaf;
	gp.l2 = m->l2;
	gp.min_hessian = 1e-3;
	gp.learning_rate = m->learning_rate;
	gp.threads = threads;
	gp.pool = pool;
	gp.hess_const = m->task == LATHE_TASK_REGRESSION;
	if ((gr = gbdt_grower_new(bins, ntr, data->d, m->fe, &gp)) == NULL)
		goto oom;

	for (it = 0; it < m->max_iter; it++) {
		struct grad_job gj = { m, raw, data->y, data->labels, tr, g, h, ntr };
		uint32_t t0 = m->ntrees;
		double tl, vl, acc;

		if (host->cancelled(host->ctx)) {
			rc = plugkit_fail(err, LATHE_ECANCELLED, "gbdt: cancelled after %d "
			    "iterations", it);
			goto out;
		}
		if (parpool_run(pool, ntr, GRAD_SHARD, threads, grad_shard, &gj) != 0)
			goto oom;
		for (k = 0; k < m->K; k++) {
			const struct gbdt_tnode *tn;
			int nn;
			if (gbdt_grow(gr, g + (size_t)k * ntr, h + (size_t)k * ntr, raw + k, K,
			    &tn, &nn) != 0 || append_tree(m, tn, nn) != 0)
				goto oom;
		}
		m->n_iter = it + 1;
		set_loss(m, raw, ntr, ntr > LOSS_SAMPLE ? ntr / LOSS_SAMPLE : 1, tr,
		    data->y, data->labels, &tl, NULL);
		host->progress(host->ctx, it + 1, m->max_iter, tl);
		host->curve(host->ctx, "train_loss", it + 1, tl);
		if (data->n_val > 0) {
			add_trees(m, t0, m->ntrees, data->X_val, data->n_val, rawh);
			set_loss(m, rawh, data->n_val, 1, NULL, data->y_val, data->labels_val,
			    &vl, &acc);
			host->curve(host->ctx, "val_loss", it + 1, vl);
			if (m->task == LATHE_TASK_CLASSIFICATION)
				host->curve(host->ctx, "val_accuracy", it + 1, acc);
		}
		if (es) {
			int ref, j, improved = 0;
			add_trees(m, t0, m->ntrees, Xv, nva, rawv);
			/* rawv rows are in va order; losses need targets by data row */
			set_loss(m, rawv, nva, 1, va, data->y, data->labels,
			    &vscores[it + 1], NULL);
			host->curve(host->ctx, "validation_loss", it + 1, vscores[it + 1]);
			/* scikit-learn's rule: stop when none of the last
			 * n_iter_no_change losses beats the one before them by tol */
			ref = it + 1 - m->n_iter_no_change;
			if (ref >= 0) {
				for (j = ref + 1; j <= it + 1; j++)
					improved |= vscores[j] < vscores[ref] - m->tol;
				if (!improved) {
					m->early_stopped = 1;
					break;
				}
			}
		}
	}
	snprintf(msg, sizeof msg, "gbdt: %d iterations%s, %u trees, %u nodes; %zu "
	    "training rows%s", m->n_iter, m->early_stopped ? " (early stopping)" : "",
	    m->ntrees, m->nnodes, ntr, es ? ", some held out for early stopping" : "");
	host->log(host->ctx, 0, msg);
	/* prediction needs only the category tables */
	for (f = 0; f < data->d; f++) {
		free(m->fe[f].edges);
		m->fe[f].edges = NULL;
	}
	m->fitted = 1;
	rc = LATHE_OK;
	goto out;
oom:
	rc = plugkit_fail(err, LATHE_ENOMEM, "gbdt: out of memory");
out:
	gbdt_grower_free(gr);
	parpool_free(pool);
	free(isval);
	free(tr);
	free(va);
	free(sub);
	free(bins);
	free(raw);
	free(rawv);
	free(rawh);
	free(Xv);
	free(vscores);
	free(g);
	free(h);
	return rc;
}

/* ---- save / load --------------------------------------------------------------- */

static int
gbdt_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;
	size_t f, i;
	uint32_t t;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no output buffer");
	blobw_init(&w, GBDT_FORMAT, GBDT_MAGIC);
	blobw_u32(&w, m->task);
	blobw_u64(&w, m->d);
	blobw_u32(&w, (uint32_t)m->n_classes);
	blobw_u32(&w, (uint32_t)m->K);
	blobw_u32(&w, (uint32_t)m->n_iter);
	blobw_u32(&w, (uint32_t)m->early_stopped);
	blobw_f64s(&w, m->baseline, (size_t)m->K);
	blobw_f64s(&w, m->importance, m->d);
	for (f = 0; f < m->d; f++) {
		const struct gbdt_feature *fe = &m->fe[f];
		blobw_u32(&w, (uint32_t)fe->kind);
		blobw_u32(&w, (uint32_t)fe->nbins);
		blobw_u32(&w, (uint32_t)fe->has_missing);
		blobw_u32(&w, fe->ncodes);
		for (i = 0; i < fe->ncodes; i += 4) {
			uint32_t word = 0, b;
			for (b = 0; b < 4; b++)
				word |= (uint32_t)(i + b < fe->ncodes ? fe->code_bin[i + b] :
				    GBDT_MISSING) << (8 * b);
			blobw_u32(&w, word);
		}
	}
	blobw_u32(&w, m->ntrees);
	blobw_u32(&w, m->nnodes);
	blobw_u32(&w, m->ncats);
	for (t = 0; t <= m->ntrees; t++)
		blobw_u32(&w, m->tree_start[t]);
	for (t = 0; t < m->nnodes; t++) {
		const struct pnode *p = &m->nodes[t];
		blobw_u32(&w, p->feature);
		blobw_u32(&w, p->feature == NODE_LEAF ? 0 : p->left);
		blobw_u32(&w, p->flags);
		blobw_u32(&w, p->cat);
		blobw_f64(&w, p->value);
	}
	for (i = 0; i < 4 * (size_t)m->ncats; i++)
		blobw_u64(&w, m->cats[i]);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "gbdt: out of memory");
	return LATHE_OK;
}

static int
gbdt_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, task, ncl, K, nit, est, t, u;
	uint64_t d;
	size_t f, i;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, GBDT_MAGIC, GBDT_FORMAT, &version, "gbdt model",
	    msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "gbdt: %s", msg);
	if (blobr_u32(&r, &task) != 0 || blobr_u64(&r, &d) != 0 ||
	    blobr_u32(&r, &ncl) != 0 || blobr_u32(&r, &K) != 0 ||
	    blobr_u32(&r, &nit) != 0 || blobr_u32(&r, &est) != 0)
		goto corrupt;
	if ((task != LATHE_TASK_REGRESSION && task != LATHE_TASK_CLASSIFICATION) ||
	    d == 0 || !blobr_has(&r, d, 8) || est > 1 || nit > 100000 ||
	    (task == LATHE_TASK_REGRESSION ? ncl != 0 || K != 1 :
	    ncl < 2 || ncl > 256 || K != (ncl == 2 ? 1 : ncl)))
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->baseline = malloc(K * sizeof *m->baseline)) == NULL ||
	    (m->importance = malloc((size_t)d * sizeof *m->importance)) == NULL ||
	    (m->fe = calloc((size_t)d, sizeof *m->fe)) == NULL)
		goto oom;
	m->task = task;
	m->d = (size_t)d;
	m->n_classes = (int)ncl;
	m->K = (int)K;
	m->n_iter = (int)nit;
	m->early_stopped = (int)est;
	if (blobr_f64s(&r, m->baseline, K) != 0 ||
	    blobr_f64s(&r, m->importance, m->d) != 0 ||
	    !plugkit_finite(m->baseline, K) || !plugkit_finite(m->importance, m->d))
		goto corrupt;
	for (f = 0; f < m->d; f++) {
		struct gbdt_feature *fe = &m->fe[f];
		uint32_t kind, nb, hm, nc;
		if (blobr_u32(&r, &kind) != 0 || blobr_u32(&r, &nb) != 0 ||
		    blobr_u32(&r, &hm) != 0 || blobr_u32(&r, &nc) != 0 ||
		    kind > 1 || nb < 1 || nb > 255 || hm > 1 || nc > 16777216 ||
		    (kind == GBDT_NUMERIC && nc != 0) ||
		    !blobr_has(&r, ((uint64_t)nc + 3) / 4, 4))
			goto corrupt;
		fe->kind = (int)kind;
		fe->nbins = (int)nb;
		fe->has_missing = (int)hm;
		fe->ncodes = nc;
		if (kind == GBDT_CATEGORICAL) {
			if ((fe->code_bin = malloc((size_t)nc + 1)) == NULL)
				goto oom;
			for (i = 0; i < nc; i += 4) {
				uint32_t word, b;
				if (blobr_u32(&r, &word) != 0)
					goto corrupt;
				for (b = 0; b < 4 && i + b < nc; b++) {
					uint8_t v = (uint8_t)(word >> (8 * b));
					if (v != GBDT_MISSING && v >= nb)
						goto corrupt;
					fe->code_bin[i + b] = v;
				}
			}
		}
	}
	if (blobr_u32(&r, &m->ntrees) != 0 || blobr_u32(&r, &m->nnodes) != 0 ||
	    blobr_u32(&r, &m->ncats) != 0 || m->ntrees == 0 ||
	    m->ntrees % K != 0 || m->nnodes < m->ntrees ||
	    !blobr_has(&r, (uint64_t)m->ntrees + 1, 4) ||
	    !blobr_has(&r, m->nnodes, 24) || !blobr_has(&r, 4 * (uint64_t)m->ncats, 8))
		goto corrupt;
	if ((m->tree_start = malloc(((size_t)m->ntrees + 1) * sizeof *m->tree_start)) ==
	    NULL || (m->nodes = malloc((size_t)m->nnodes * sizeof *m->nodes)) == NULL ||
	    (m->cats = malloc((4 * (size_t)m->ncats + 1) * sizeof *m->cats)) == NULL)
		goto oom;
	for (t = 0; t <= m->ntrees; t++)
		if (blobr_u32(&r, &m->tree_start[t]) != 0)
			goto corrupt;
	if (m->tree_start[0] != 0 || m->tree_start[m->ntrees] != m->nnodes)
		goto corrupt;
	for (t = 0; t < m->ntrees; t++)
		if (m->tree_start[t + 1] <= m->tree_start[t])
			goto corrupt;
	for (t = 0, u = 0; u < m->nnodes; u++) {
		struct pnode *p = &m->nodes[u];
		while (m->tree_start[t + 1] <= u)
			t++;
		if (blobr_u32(&r, &p->feature) != 0 || blobr_u32(&r, &p->left) != 0 ||
		    blobr_u32(&r, &p->flags) != 0 || blobr_u32(&r, &p->cat) != 0 ||
		    blobr_f64(&r, &p->value) != 0 || isnan(p->value))
			goto corrupt;
		if (p->feature == NODE_LEAF) {
			if (!isfinite(p->value))
				goto corrupt;
			p->left = p->right = u;
			p->fx = p->flags = p->cat = 0;
			continue;
		}
		/* children after their parent and inside its tree: every walk
		 * ends at a leaf of the same tree */
		if (p->feature >= m->d || p->flags > 3 || p->left <= u ||
		    (uint64_t)p->left + 1 >= m->tree_start[t + 1] ||
		    ((p->flags & 2) != 0) != (m->fe[p->feature].kind == GBDT_CATEGORICAL) ||
		    ((p->flags & 2) && p->cat >= m->ncats))
			goto corrupt;
		p->right = p->left + 1;
		p->fx = p->feature;
	}
	for (i = 0; i < 4 * (size_t)m->ncats; i++)
		if (blobr_u64(&r, &m->cats[i]) != 0)
			goto corrupt;
	if (!blobr_done(&r))
		goto corrupt;
	{
		/* walks take each tree's depth in steps */
		uint32_t *scratch = malloc(((size_t)m->nnodes + 1) * sizeof *scratch);
		if (scratch == NULL ||
		    (m->tdepth = malloc(((size_t)m->ntrees + 1) * sizeof *m->tdepth)) == NULL) {
			free(scratch);
			goto oom;
		}
		for (t = 0; t < m->ntrees; t++)
			m->tdepth[t] = tree_depth(m, t, scratch);
		free(scratch);
		if ((m->walk = malloc(((size_t)m->nnodes + 1) * sizeof *m->walk)) == NULL)
			goto oom;
		for (u = 0; u < m->nnodes; u++)
			set_walk(m, u);
	}
	m->cap_trees = m->ntrees + 1;
	m->cap_depth = m->ntrees + 1;
	m->cap_walk = m->nnodes;
	m->cap_nodes = m->nnodes;
	m->cap_cats = m->ncats;
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
oom:
	rc = plugkit_fail(err, LATHE_ENOMEM, "gbdt: out of memory");
	goto fail;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "gbdt: gbdt model payload is corrupt "
	    "(fields do not match their sizes)");
fail:
	gbdt_destroy(m);
	return rc;
}

static int
gbdt_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;
	double total = 0.0;
	size_t f;
	uint32_t u, leaves = 0;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "gbdt: model is not fitted");
	for (f = 0; f < m->d; f++)
		total += m->importance[f];
	for (u = 0; u < m->nnodes; u++)
		leaves += m->nodes[u].feature == NODE_LEAF;
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "n_iter");
	jbuf_int(&b, m->n_iter);
	jbuf_key(&b, "early_stopped");
	jbuf_bool(&b, m->early_stopped);
	jbuf_key(&b, "n_trees");
	jbuf_int(&b, m->ntrees);
	jbuf_key(&b, "n_trees_per_iteration");
	jbuf_int(&b, m->K);
	jbuf_key(&b, "n_leaves");
	jbuf_int(&b, leaves);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	if (m->n_classes > 0) {
		jbuf_key(&b, "n_classes");
		jbuf_int(&b, m->n_classes);
	}
	jbuf_key(&b, "baseline");
	jbuf_nums(&b, m->baseline, (size_t)m->K);
	jbuf_key(&b, "feature_importances");
	jbuf_arr(&b);
	for (f = 0; f < m->d; f++)
		jbuf_num(&b, total > 0.0 ? m->importance[f] / total : 0.0);
	jbuf_arr_end(&b);
	jbuf_key(&b, "categorical_features");
	jbuf_arr(&b);
	for (f = 0; f < m->d; f++)
		if (m->fe[f].kind == GBDT_CATEGORICAL)
			jbuf_int(&b, (int64_t)f);
	jbuf_arr_end(&b);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "gbdt: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin gbdt_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "gbdt",
	.version = "1.0.0",
	.description = "histogram gradient boosting (scikit-learn HistGradientBoosting, "
	    "LightGBM)",
	.tasks = LATHE_TASK_REGRESSION | LATHE_TASK_CLASSIFICATION,
	.params = gbdt_params,
	.nparams = P_COUNT,
	.model_format = GBDT_FORMAT,
	.create = gbdt_create,
	.fit = gbdt_fit,
	.output_width = gbdt_output_width,
	.predict = gbdt_predict,
	.save = gbdt_save,
	.load = gbdt_load,
	.destroy = gbdt_destroy,
	.summary = gbdt_summary,
	.sizeof_param = sizeof(struct lathe_param_spec),
	.capabilities = LATHE_CAP_MISSING | LATHE_CAP_CATEGORICAL,
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &gbdt_plugin;
}
