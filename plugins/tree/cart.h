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
#ifndef LATHE_TREE_CART_H
#define LATHE_TREE_CART_H

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

#endif
