/*
 * importance.h — permutation importance of a finished run, computed on
 * its held-out rows, as scikit-learn's
 * sklearn.inspection.permutation_importance.
 *
 * For each raw input column the model depends on (the dataset's columns
 * before the recipe, so a one-hot-encoded column is permuted as one
 * column), the column's values are shuffled among the held-out rows, the
 * fitted recipe re-applied and the model called through the one
 * prediction path (predict.c), and the drop of the run's primary metric
 * recorded: accuracy for classification, R² for regression.  Repeat r
 * uses the permutation drawn by a generator seeded with the run's seed +
 * r (the same permutation for every column, as scikit-learn shuffles
 * every column with one seed), so the numbers are deterministic.  The
 * importance of a column is the mean drop over the repeats and its
 * standard deviation (population, ddof 0, as scikit-learn's
 * importances_std).
 *
 * The held-out rows are recomputed exactly as the run split them (the
 * recorded split record, seed and stratification, split.c): for a holdout
 * run its test rows, for a cross-validation fold's run its fold.  A run
 * with no held-out rows (test_size 0), a clustering or projection run,
 * and a run that is not finished are refused with one line.
 *
 * Nothing is stored: the computation costs (columns x repeats) predictions
 * of the held-out rows and runs on demand.
 */
#ifndef LATHE_IMPORTANCE_H
#define LATHE_IMPORTANCE_H

#include <stddef.h>
#include <stdint.h>
#include "store/project.h"

#define IMPORTANCE_REPEATS_DEFAULT	5
#define IMPORTANCE_REPEATS_MAX		1000

struct importance_column {
	char		*name;
	double		 mean, std;	/* decrease of the metric */
	double		*drops;		/* one per repeat */
};

struct importance {
	int64_t		 run_id;
	char		*metric;	/* "accuracy" or "r2" */
	double		 baseline;	/* the metric on the unpermuted held-out rows */
	size_t		 nrows;		/* held-out rows */
	int		 repeats;
	uint64_t	 seed;
	size_t		 ncols;
	struct importance_column *cols;	/* sorted by mean decrease, largest first */
};

/* Compute the permutation importance of finished run `ref` ("17" or
 * "r17") with `repeats` (1..IMPORTANCE_REPEATS_MAX) permutations.  0 and
 * *out (caller frees with importance_free), or -1 with *err (one line). */
int	importance_compute(struct project *p, const char *ref, int repeats,
	    struct importance **out, char **err);
void	importance_free(struct importance *im);	/* accepts NULL */

/*
 * The engine, apart from runs and frames (unit-tested against
 * scikit-learn): score(ctx, col, perm, &s) scores the held-out rows with
 * column col's values taken from rows perm[0..n) (col == SIZE_MAX, perm
 * NULL: unpermuted).  perm_of(pctx, r, perm, n) gives the permutation of
 * repeat r; NULL draws importance_permutation(seed + r).  Writes the
 * baseline, and drops[c * repeats + r] = baseline - score.  0, or -1
 * with *err (from score, or out of memory).
 */
typedef int	(*importance_score_fn)(void *ctx, size_t col, const size_t *perm,
		    double *score, char **err);
typedef void	(*importance_perm_fn)(void *pctx, int r, size_t *perm, size_t n);
int	importance_permute(size_t ncols, size_t n, int repeats, uint64_t seed,
	    importance_score_fn score, void *ctx, importance_perm_fn perm_of, void *pctx,
	    double *baseline, double *drops, char **err);
/* perm[0..n) = a Fisher–Yates shuffle of 0..n-1 from a generator seeded
 * with seed. */
void	importance_permutation(uint64_t seed, size_t *perm, size_t n);
/* mean and population standard deviation of v[0..n). */
void	importance_mean_std(const double *v, size_t n, double *mean, double *std);

#endif
