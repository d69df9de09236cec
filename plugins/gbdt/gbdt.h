/*
 * gbdt.h — the private modules of the `gbdt` plugin (histogram gradient
 * boosting): the bin mapper (bins.c) and the leaf-wise tree grower
 * (grow.c).  gbdt.c, the entry point, drives them: losses, the boosting
 * loop, early stopping, the flattened trees, prediction and payloads.
 *
 * Binned data.  Every feature is mapped once to one byte per value:
 * bins 0..nbins-1 hold the non-missing values (numeric: in order of value;
 * categorical: one bin per category, the rarest sharing the last bin when
 * there are more categories than bins) and bin GBDT_MISSING (255) holds
 * NaN (and, for categorical features, codes never seen in training).  The
 * matrix is row-major, d bytes per row: a histogram pass reads each row
 * of a node once (one cache line) and updates every feature's histogram
 * from it, with the row's gradient loaded once (LightGBM's "row-wise"
 * histograms, the fast layout for dense data with few features).
 *
 * Threads and determinism.  A histogram pass cuts the features into one
 * group per thread; each thread reads the node's rows once and sums its
 * group's histograms in row order, so every sum is the same on any number
 * of threads; the best split is reduced in feature order.  So a fit does
 * not depend on the thread count.  The threads are a persistent pool
 * (linalg/parfor.h, parpool) made once per fit: a tree runs a few loops
 * per split, too many to create threads for each.
 */
#ifndef LATHE_GBDT_PRIV_H
#define LATHE_GBDT_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct parpool;

#define GBDT_MISSING 255            /* the bin of missing values */
#define GBDT_NBINS 256              /* bins per feature histogram */
#define GBDT_CAT_WORDS 4            /* 256-bit category sets */

enum { GBDT_NUMERIC = 0, GBDT_CATEGORICAL = 1 };

/* How one feature's raw values become bins. */
struct gbdt_feature {
	int kind;               /* GBDT_NUMERIC or GBDT_CATEGORICAL */
	int nbins;              /* non-missing bins, 1..255 */
	int has_missing;        /* training rows had missing values */
	double *edges;          /* numeric: GBDT_NBINS entries, the nbins - 1
	                           upper edges then +inf; x <= edges[b] lies in
	                           a bin <= b */
	uint32_t ncodes;        /* categorical: size of code_bin */
	uint8_t *code_bin;      /* categorical: code -> bin (GBDT_MISSING if
	                           the code had no training rows) */
};

/* Fits the mapping of column f of X (n rows of d, row-major; the rows
 * `rows[0..m-1]` when rows is not NULL, else all n) with at most max_bins
 * non-missing bins.  Numeric: if the column holds at most max_bins
 * distinct values, edges are the midpoints between consecutive ones; else
 * quantiles (as scikit-learn's _BinMapper, on the rows given).
 * Categorical: values must be integral codes >= 0 (else EINVAL with a
 * message in msg).  Returns 0, -1 on allocation failure, -2 on bad data
 * (msg says which).  *fe is filled; free with gbdt_feature_clear. */
int gbdt_feature_fit(struct gbdt_feature *fe, int kind, const double *X, size_t n,
    size_t d, size_t f, const size_t *rows, size_t m, int max_bins, char *msg,
    size_t msgsz);
void gbdt_feature_clear(struct gbdt_feature *fe);

/* The bin of value v. */
static inline uint8_t
gbdt_bin_of(const struct gbdt_feature *fe, double v)
{
	if (v != v)
		return GBDT_MISSING;
	if (fe->kind == GBDT_CATEGORICAL) {
		if (!(v >= 0.0) || v >= (double)fe->ncodes || v != (double)(uint32_t)v)
			return GBDT_MISSING;
		return fe->code_bin[(uint32_t)v];
	} else {
		/* the first edge >= v (edges[nbins - 1] is +inf): a branchless
		 * binary search over the 256 padded entries */
		const double *e = fe->edges;
		unsigned i = 0;
		i += (e[i + 127] < v) << 7;
		i += (e[i + 63] < v) << 6;
		i += (e[i + 31] < v) << 5;
		i += (e[i + 15] < v) << 4;
		i += (e[i + 7] < v) << 3;
		i += (e[i + 3] < v) << 2;
		i += (e[i + 1] < v) << 1;
		i += (e[i] < v);
		return (uint8_t)i;
	}
}

/* Writes the bins of rows rows[0..m-1] (all n when rows is NULL) of every
 * feature into out (row-major, m x d bytes), on `threads` threads. */
void gbdt_bin_rows(const struct gbdt_feature *fe, const double *X, size_t n,
    size_t d, const size_t *rows, size_t m, uint8_t *out, int threads);

/* One histogram bin. */
struct gbdt_hbin {
	double g, h;
	uint32_t n;
};

/* A split of a node. */
struct gbdt_split {
	double gain;            /* > 0 for a usable split */
	int feature;
	int bin;                /* numeric: bins <= bin go left */
	int missing_left;
	int is_cat;
	uint64_t cats[GBDT_CAT_WORDS];  /* categorical: bins that go left */
	double gl, hl, gr, hr;
	uint32_t nl, nr;
};

/* A grown tree, in the grower's node order (node 0 the root). */
struct gbdt_tnode {
	int feature;            /* -1: leaf */
	int left, right;
	int missing_left;
	int is_cat;
	int bin;                /* numeric split bin */
	uint64_t cats[GBDT_CAT_WORDS];
	double value;           /* leaf value, learning rate applied */
	uint32_t count;
	double gain;
};

struct gbdt_grow_params {
	int max_leaf_nodes;
	int max_depth;          /* 0 = no limit */
	int min_samples_leaf;
	double l2;
	double min_hessian;
	double learning_rate;
	int threads;
	struct parpool *pool;   /* the threads' pool (NULL: threads per loop) */
	int hess_const;         /* hessians all 1 (squared error): skip summing */
};

struct gbdt_grower;

/* A grower for n training rows of d binned features (bins row-major,
 * borrowed for the grower's life).  NULL on allocation failure. */
struct gbdt_grower *gbdt_grower_new(const uint8_t *bins, size_t n, size_t d,
    const struct gbdt_feature *fe, const struct gbdt_grow_params *gp);
void gbdt_grower_free(struct gbdt_grower *g);

/* Grows one tree on gradients g and hessians h (n each; h ignored when
 * hess_const).  On return *nodes (owned by the grower, valid until the
 * next grow) holds *nnodes nodes, and raw[i] += the leaf value of row i
 * for every training row (raw has a stride: raw[i * stride]).  Returns 0
 * or -1 on allocation failure. */
int gbdt_grow(struct gbdt_grower *g, const float *grad, const float *hess,
    double *raw, size_t stride, const struct gbdt_tnode **nodes, int *nnodes);

/* Histogram of a subset / the best split of a feature: exposed for the
 * unit tests.  hist is GBDT_NBINS bins. */
void gbdt_best_split_feature(const struct gbdt_hbin *hist,
    const struct gbdt_feature *fe, int f, double G, double H, uint32_t N,
    const struct gbdt_grow_params *gp, struct gbdt_split *best);

#endif
