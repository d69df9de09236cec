/*
 * cvfold.h — fold assignment for cross-validation run as one run.
 *
 * Each of n rows gets a fold in 0..folds-1, for each of `repeats`
 * repetitions.  Repetition r shuffles with the r-th draw of one generator
 * seeded by the run's seed, so repetitions differ and the same seed gives
 * the same folds; repetition 0 is exactly split_kfold's assignment.
 *
 *  - plain: rows dealt round-robin in shuffled order (sizes within one);
 *  - stratified (labels given): each class's rows dealt round-robin in
 *    shuffled order, the rotation carried across classes, so every fold
 *    holds each class's share to within one row and sizes stay within one;
 *  - grouped (groups given; takes precedence over labels): whole groups go
 *    to folds, largest group first (ties in shuffled order), each to the
 *    fold with the fewest rows so far — scikit-learn's GroupKFold with a
 *    shuffle.  No group is ever in two folds.  Grouped folds are not
 *    stratified.
 *
 * Memory: n x repeats ints for the result, plus O(n) scratch.
 */
#ifndef LATHE_CVFOLD_H
#define LATHE_CVFOLD_H

#include <stddef.h>
#include <stdint.h>

struct cvfold_spec {
	int		 folds;		/* >= 2 */
	int		 repeats;	/* >= 1 */
	const int	*labels;	/* class per row (0..k-1), or NULL */
	int		 k;
	const int	*groups;	/* group per row (0..ngroups-1), or NULL */
	int		 ngroups;
	uint64_t	 seed;
};

/* (*fold)[r * n + i] is row i's fold in repetition r.  Caller frees *fold.
 * 0, or -1 with *err: fewer rows (or groups) than folds, out of memory. */
int	cvfold_assign(size_t n, const struct cvfold_spec *sp, int **fold, char **err);

#endif
