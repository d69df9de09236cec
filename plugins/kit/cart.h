/*
 * cart.h — growing one CART decision tree, and the flattened tree itself.
 *
 * The tree is scikit-learn's (1.2.1, DecisionTreeClassifier/Regressor with
 * the BestSplitter and the depth-first builder): the same rules for when a
 * node is a leaf, the same candidate thresholds (midpoints of adjacent
 * distinct values, values closer than 1e-7 counting as equal), the same
 * impurity formulas and the same choice among candidates (the first
 * strictly best in visiting order), so on data with no ties it grows the
 * same tree node for node.  How it is grown differs (cart.c): every feature
 * is sorted once, and each level of the tree is split in one pass over the
 * sorted columns, in parallel over features.
 *
 * A fitted tree is a handful of arrays over its nodes in pre-order (the
 * numbering scikit-learn's builder produces): node 0 is the root, and a
 * split node's left child is the node right after it, so only the right
 * child is stored.  A row goes left when x[feature] <= threshold.
 */
#ifndef LATHE_KIT_CART_H
#define LATHE_KIT_CART_H

#include <stddef.h>
#include <stdint.h>

enum cart_criterion {
	CART_GINI = 0,
	CART_ENTROPY = 1,       /* scikit-learn's entropy and log_loss (bits) */
	CART_SQUARED_ERROR = 2,
};

#define CART_LEAF (-1)

struct cart_tree {
	size_t		 nodes;
	size_t		 width;         /* values per node: n_classes, or 1 */
	int32_t		*feature;       /* CART_LEAF for a leaf */
	uint32_t	*right;         /* split: the right child; leaf: 0 */
	double		*threshold;     /* leaf: 0 */
	double		*impurity;
	uint64_t	*n_samples;
	double		*weighted;      /* weighted_n_node_samples */
	double		*value;         /* nodes x width: weighted class counts
	                                 * (classification) or the mean */
	int		 depth;         /* the deepest leaf's depth (root: 0) */
	size_t		 leaves;
};

/* What cart_fit needs besides the data.  Callbacks may be NULL. */
struct cart_params {
	enum cart_criterion criterion;
	int		 max_depth;             /* 0: unlimited */
	size_t		 min_samples_split;     /* >= 2 */
	size_t		 min_samples_leaf;      /* >= 1 */
	size_t		 max_features;          /* 1..d features drawn per node */
	double		 min_impurity_decrease;
	const double	*class_weight;          /* n_classes weights, or NULL */
	int		 threads;               /* >= 1 */
	uint64_t	 seed;                  /* feature order (ties, max_features) */
	void		*ctx;
	int		(*cancelled)(void *ctx);
	void		(*progress)(void *ctx, int depth, int max_depth, double loss);
};

/*
 * Grows a tree on n rows of d features (X row-major, every value finite),
 * with labels (0..n_classes-1) for gini/entropy or y for squared_error.
 * On success fills *t (caller frees with cart_tree_free) and returns 0.
 * Returns 1 if cancelled, -1 with a message in msg on bad input or
 * allocation failure (msg names which).
 */
int cart_fit(struct cart_tree *t, const struct cart_params *p, const double *X,
    size_t n, size_t d, const int *labels, int n_classes, const double *y,
    char *msg, size_t msgsz);

/* The columns of a training set sorted once, for growing many trees
 * (cart_grow): column f is vals[f n .. f n + n) in increasing order and
 * the row each value came from. */
struct cart_presort {
	size_t		 n, d;
	double		*vals;
	uint32_t	*rows;
};

/* Sorts X (n x d, row-major, finite) on `threads` threads.  Returns 0, or
 * -1 (out of memory, or n too large).  Free with cart_presort_free. */
int cart_presort_new(struct cart_presort *ps, const double *X, size_t n, size_t d,
    int threads);
void cart_presort_free(struct cart_presort *ps);

/* As cart_fit on presorted data, each row i counts[i] times (a bootstrap
 * sample: rows drawn 0 times are left out; counts NULL: every row once),
 * as a sample weight: the row is held once and its sums are weighted by
 * counts[i].  A node's n_samples counts draws.  ps is only read, so several
 * trees may grow from one presort at once. */
int cart_grow(struct cart_tree *t, const struct cart_params *p,
    const struct cart_presort *ps, const uint32_t *counts, const int *labels,
    int n_classes, const double *y, char *msg, size_t msgsz);

/* Frees the arrays (accepts a zeroed tree) and zeroes *t. */
void cart_tree_free(struct cart_tree *t);

/* Allocates the arrays of a tree of `nodes` nodes and `width` values each
 * (zeroed).  Returns 0, or -1 (nothing allocated). */
int cart_tree_alloc(struct cart_tree *t, size_t nodes, size_t width);

/* Checks that the arrays are a tree in pre-order over d features: every
 * split's feature below d, its right child exactly where its left subtree
 * ends, every node reached, thresholds and values finite.  Sets depth and
 * leaves.  Returns 0, or -1 with a message in msg. */
int cart_tree_check(struct cart_tree *t, size_t d, char *msg, size_t msgsz);

/* The leaf row x (d values) falls in. */
size_t cart_tree_leaf(const struct cart_tree *t, const double *x);

/* Impurity-based importance of each of d features (scikit-learn's
 * feature_importances_): the weighted impurity decrease of the splits on
 * it, over the root's weight, normalised to sum to 1 (all 0 for a single
 * leaf). */
void cart_tree_importances(const struct cart_tree *t, size_t d, double *out);

struct blobw;
struct blobr;

/* A tree in a payload (kit/blobio.h): u64 nodes, then per node in
 * pre-order u32 feature (0xffffffff: leaf), u32 right child (0 for a leaf),
 * f64 threshold, f64 impurity, u64 n_node_samples, f64
 * weighted_n_node_samples; then f64 value[nodes x width]. */
void cart_tree_write(struct blobw *w, const struct cart_tree *t);

/* Reads what cart_tree_write wrote into t (allocated; free with
 * cart_tree_free) and checks it with cart_tree_check against d features;
 * counts: values are class weights, which must be >= 0.  Returns 0, -1
 * with a message in msg (corrupt), or -2 (out of memory); on failure t is
 * left zeroed. */
int cart_tree_read(struct blobr *r, struct cart_tree *t, size_t d, size_t width,
    int counts, char *msg, size_t msgsz);

#endif
