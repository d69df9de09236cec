/*
 * drift.h — are a served model's inputs still like its training data?
 * See drift.c for the measure (population stability index per input
 * column, reference = the run's dataset version, current = the rows the
 * server logged).
 */
#ifndef LATHE_DRIFT_H
#define LATHE_DRIFT_H

#include <stddef.h>
#include <stdint.h>
#include "store/project.h"
#include "store/table.h"

struct drift_column {
	char		*name;
	enum col_kind	 kind;
	double		 psi;			/* NaN: no rows, or too few */
	size_t		 bins;			/* bins the training data fills */
	size_t		 min_rows;		/* fewest rows PSI is reported for */
	int		 too_few;		/* fewer logged rows than min_rows */
	double		 ref_mean, cur_mean;	/* numeric; NaN otherwise */
	double		 ref_missing, cur_missing;	/* shares */
	double		 unseen;		/* categorical: share of unseen levels */
};

struct drift_report {
	char			*model;
	int			 version;
	int64_t			 run_id;
	char			*dataset;
	size_t			 reference_rows, logged_rows;
	/* what the sample stands for */
	size_t			 logged_total;	/* rows logged for this version */
	int64_t			 predicted;	/* rows its servers predicted; -1 unknown */
	double			 rate_lo, rate_hi;	/* their sample rates; NaN unknown */
	int			 max_per_sec;	/* their largest cap; 0 unknown */
	char			 first[32], last[32];	/* times of the rows used */
	const char		*status;	/* drift_status of max_psi, or why none */
	double			 max_psi;
	struct drift_column	*cols;
	size_t			 ncols;
};

/* Compare the last `last` logged rows (0: 10000) of model ref
 * (NAME[@ALIAS|@V]) with its training data; a column's PSI is reported
 * only from min_rows logged rows on (< 0: from drift_min_rows of its
 * bins).  Caller frees. */
int	drift_compute(struct project *p, const char *ref, size_t last, long min_rows,
	    struct drift_report **out, char **err);
void	drift_report_free(struct drift_report *r);
/* "stable" (< 0.1), "moderate" (< 0.25), "drift", or "no data". */
const char *drift_status(double psi);
/* A column's status: drift_status, or "too few rows". */
const char *drift_column_status(const struct drift_column *d);
/* The fewest rows whose PSI over `bins` bins can be told from sampling
 * noise (see drift.c): 170 for 10 bins. */
size_t	drift_min_rows(size_t bins);

#endif
