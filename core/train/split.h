/*
 * split.h — seeded train/test splits.
 *
 * Holdout: n_test = ceil(test_size * n) rows (as scikit-learn's
 * train_test_split) chosen by a Fisher–Yates shuffle from the recorded
 * seed; stratified when class labels are given: each class contributes
 * its share of the test rows (largest-remainder rounding, so the total is
 * exact), and a class keeps at least one row in training.  K-fold:
 * shuffled (stratified for classes) folds of near-equal size.  Index
 * arrays come back sorted, so gathers walk memory forward.
 */
#ifndef LATHE_SPLIT_H
#define LATHE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* labels: class index per row (0..k-1) or NULL.  test_size in [0, 1);
 * 0 puts every row in training.  Caller frees *train and *test. */
int	split_holdout(size_t n, const int *labels, int k, double test_size, uint64_t seed,
	    size_t **train, size_t *ntrain, size_t **test, size_t *ntest, char **err);

/* fold[i] in 0..folds-1 for each row.  Caller frees *fold. */
int	split_kfold(size_t n, const int *labels, int k, int folds, uint64_t seed, int **fold,
	    char **err);

/*
 * A run's stored split record:
 *   {"method": "holdout", "test_size": F}
 *   {"method": "kfold", "folds": K, "fold": I}      one fold run (lathe before
 *                                                   cross-validation was one run)
 *   {"method": "cv", "folds": K, "repeats": R, "group": COL or null,
 *    "test_size": F}                                 one cross-validated run:
 *                     K-fold CV (R times) on the training rows of the holdout
 *                     split of size F, then a refit on all of them
 * A record that does not parse or lacks a field is an error — never a
 * silent holdout of size 0.  Training and permutation importance both read
 * it, so both split alike.
 */
struct split_spec {
	const char	*method;	/* static: "holdout", "kfold" or "cv" */
	double		 test_size;	/* holdout, cv */
	int		 folds;		/* kfold, cv */
	int		 fold;		/* kfold */
	int		 repeats;	/* cv */
	char		*group;		/* cv: the grouping column, or NULL */
};

/* Fills *sp; free sp->group with split_spec_clear (also after an error). */
int	split_record_parse(const char *text, struct split_spec *sp, char **err);
void	split_spec_clear(struct split_spec *sp);

#endif
