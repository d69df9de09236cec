/*
 * compare.h — two or more runs side by side, and whether their
 * differences are real (`lathe compare`, cmd_compare.c).
 *
 * compare_load() reads each run's lineage (dataset version, recipe, split,
 * seed, target), parameters and headline metrics (the cross-validation
 * means of a cross-validated run, else its test split's, else its
 * training rows'), decides whether the runs were scored on the same rows,
 * and computes, for every run after the first against the first:
 *
 *  - two cross-validated runs on the same folds (same data version,
 *    target, seed, K, repeats, group, test size): the corrected resampled
 *    t-test (stats.h) on every metric both recorded for every fold;
 *  - two classifiers with the same held-out rows: McNemar's exact test on
 *    the rows one got right and the other wrong;
 *  - two regressions with the same held-out rows: paired bootstrap 95%
 *    intervals (2000 resamples, seed 1) of the difference in rmse and mae.
 *
 * The held-out rows are read from each run's "predictions" artifact
 * (dataset row, prediction[, class probabilities]; at most 20,000 rows,
 * the first of the test split) and the truth from the dataset's target
 * column.  A run that held nothing out (--test-size 0) has predictions of
 * its training rows only, so no row-level test is made for it.
 *
 * Runs are comparable when data version, target, split record and seed
 * are equal; otherwise `why_not` says what differs and no test is made.
 */
#ifndef LATHE_COMPARE_H
#define LATHE_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include "run.h"
#include "store/project.h"

#define COMPARE_BOOT_R		2000
#define COMPARE_BOOT_LEVEL	0.95
#define COMPARE_BOOT_SEED	1

struct compare_run {
	struct run_info	 ri;
	char		*recipe;	/* name@version, "(inline)" or "(default)" */
	char		*split;		/* for people: "test 0.25", "cv 5x2 + test 0.2" */
	const char	*on;		/* static: "cv", "test", "train" or "" */
	size_t		 nparams;
	char		**pname, **pval;	/* parameter names and values as text */
	size_t		 nm;
	char		**mname;
	double		*mval;
	int		 oom;		/* reading the metrics ran out of memory */
};

enum compare_test { CMP_MCNEMAR, CMP_TTEST, CMP_BOOTSTRAP };

struct compare_sig {
	size_t		 run;		/* index of the run compared with run 0 */
	enum compare_test test;
	char		 metric[32];	/* ttest, bootstrap: the metric */
	size_t		 n;		/* rows (mcnemar, bootstrap) or folds (ttest) */
	uint64_t	 b, c;		/* mcnemar: run 0 right & other wrong, and reverse */
	double		 ratio;		/* ttest: n_test / n_train */
	double		 mean, t;	/* ttest: mean difference (run - run 0), t */
	double		 diff, lo, hi;	/* bootstrap: metric(run) - metric(run 0), interval */
	double		 p;		/* mcnemar, ttest */
};

struct compare {
	size_t			 n;
	struct compare_run	*r;
	char			*why_not;	/* NULL when comparable, else "different ..." */
	struct compare_sig	*sig;
	size_t			 nsig;
	char			**notes;	/* why a test was not made, one line each */
	size_t			 nnotes;
};

/* Load and compare runs refs[0..n-1] (n >= 2, "17" or "r17").  Caller frees
 * with compare_free.  0, or -1 with *err (an unknown run, a run listed
 * twice, out of memory, a damaged record). */
int	compare_load(struct project *p, char *const *refs, size_t n, struct compare **out,
	    char **err);
void	compare_free(struct compare *c);	/* accepts NULL */

const char *compare_test_name(enum compare_test t);

/* The significance section as lines of text, appended to b: "not
 * comparable: REASON", or "significance" and each test's heading and
 * result lines, then the notes (lathe compare and the workbench). */
struct sbuf;
void	compare_significance_text(struct sbuf *b, const struct compare *c);

#endif
