/*
 * runs_query.h — reading run records in bulk, for the workbench's runs
 * table and run detail.
 *
 * runs_query() reads every run with its evaluation metrics and parameters
 * in three statements (runs, run_params, run_metrics), each one scan, so
 * that 10,000 runs load in tens of milliseconds: no statement per run.
 * The metrics of a run are its cross-validation means when it was
 * cross-validated, else those of its test split, or of its training split
 * when it held nothing out (as `lathe runs` shows them).
 *
 * Strings live in one pool owned by the list; parameter and metric names
 * are interned, so a name is compared by its index.
 *
 * The visit functions read one run's metrics or curves in record order.
 */
#ifndef LATHE_RUNS_QUERY_H
#define LATHE_RUNS_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include "run.h"
#include "base/util.h"
#include "store/project.h"

struct runs_param {
	uint32_t	 name;		/* index into names */
	const char	*text;		/* the value as text ("1", "0.0001", "qr") */
	double		 num;		/* the value as a number; NaN for text */
};

struct runs_metric {
	uint32_t	 name;
	double		 value;		/* a cross-validated run: the mean over folds */
	double		 std;		/* ... and their sample std; NaN otherwise */
};

struct runs_row {
	int64_t		 id;
	enum run_status	 status;
	int64_t		 parent_run;	/* 0: none */
	int		 archived;	/* hidden unless asked for (run_admin.h) */
	const char	*experiment;	/* "" when none */
	const char	*dataset;	/* name@version */
	const char	*recipe;	/* name@version, "(default)" or "(inline)" */
	const char	*algo, *task, *target;	/* target "" when none */
	const char	*created, *error;	/* error "" when none */
	double		 duration;	/* NaN while not finished */
	size_t		 p0, np;	/* params[p0 .. p0+np) */
	size_t		 m0, nm;	/* metrics[m0 .. m0+nm) */
	const char	*split;		/* the metrics are of: "cv" (means over the folds of
					 * a cross-validated run), "test", "train" (the
					 * training rows: nothing held out) or "" (none) */
};

struct runs_list {
	struct runs_row		*rows;		/* ascending id */
	size_t			 n;
	struct runs_param	*params;
	size_t			 nparams;
	struct runs_metric	*metrics;
	size_t			 nmetrics;
	char			**names;	/* interned parameter and metric names */
	size_t			 nnames;
	struct strpool		 pool;
};

/* Read every run.  Caller frees with runs_list_free.  0 or -1 with *err. */
int	runs_query(struct project *p, struct runs_list **out, char **err);
/* Read only the newest `limit` runs (by id), through the indexes: a few
 * milliseconds however many runs there are, for a first screen. */
int	runs_query_recent(struct project *p, size_t limit, struct runs_list **out, char **err);
/* How many runs there are. */
int64_t	runs_count(struct project *p);
void	runs_list_free(struct runs_list *l);	/* accepts NULL */
/* Index of a run by id, or -1. */
long	runs_find(const struct runs_list *l, int64_t id);
/* A run's metric value by interned name index (NaN when absent). */
double	runs_metric(const struct runs_list *l, const struct runs_row *r, uint32_t name);
/* Interned index of a name, or -1 when no run has it. */
long	runs_name_index(const struct runs_list *l, const char *name);

/* Visit run id's metrics of one split ("test" or "train", or "cv": the
 * cross-validation means) in record order.  fn returns nonzero to stop.
 * 0 or -1 with *err. */
typedef int (*run_metric_fn)(void *ctx, const char *name, double value);
int	run_metrics_visit(struct project *p, int64_t id, const char *split, run_metric_fn fn,
	    void *ctx, char **err);
/* 1 if the run recorded metrics of that split ("cv": cross-validation). */
int	run_has_split(struct project *p, int64_t id, const char *split);
/* What a run's headline metrics are of: "cv", "test", "train" or "". */
const char *run_metrics_on(struct project *p, int64_t id);

/* Visit a cross-validated run's aggregate: each metric's mean, sample std
 * (NaN with one fold) and the number of folds that had it. */
typedef int (*run_cv_fn)(void *ctx, const char *name, double mean, double std, int n);
int	run_cv_visit(struct project *p, int64_t id, run_cv_fn fn, void *ctx, char **err);
/* Visit its folds' metrics, by repetition, fold, record order (0-based). */
typedef int (*run_fold_fn)(void *ctx, int rep, int fold, size_t n_train, size_t n_valid,
    const char *name, double value);
int	run_cv_folds_visit(struct project *p, int64_t id, run_fold_fn fn, void *ctx, char **err);

/* The folds as a table, as `lathe show` and the workbench print them: up
 * to four headline metrics the run has (accuracy, f1_macro, roc_auc,
 * log_loss, r2, rmse, mae, mape; in the aggregate's order), then one row
 * per fold with their values (NaN where the fold has none). */
struct run_fold_table {
	const char	*cols[4];
	int		 ncols;
};
typedef int (*run_fold_row_fn)(void *ctx, int rep, int fold, size_t n_train,
    size_t n_valid, const double *v);
int	run_cv_fold_table(struct project *p, int64_t id, struct run_fold_table *t, char **err);
int	run_cv_fold_rows(struct project *p, int64_t id, const struct run_fold_table *t,
	    run_fold_row_fn fn, void *ctx, char **err);

/* Visit run id's curve points ordered by curve name, then step. */
typedef int (*run_curve_fn)(void *ctx, const char *name, int step, double value);
int	run_curves_visit(struct project *p, int64_t id, run_curve_fn fn, void *ctx, char **err);

/* Ids of the runs that re-ran run id (children), ascending.  *ids is
 * malloc'd (caller frees), *n its length.  0 or -1 with *err. */
int	run_children(struct project *p, int64_t id, int64_t **ids, size_t *n, char **err);

#endif
