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
#include "project.h"
#include "table.h"

struct drift_column {
	char		*name;
	enum col_kind	 kind;
	double		 psi;			/* NaN: no logged rows */
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
	double			 max_psi;
	struct drift_column	*cols;
	size_t			 ncols;
};

/* Compare the last `last` logged rows (0: 10000) of model ref
 * (NAME[@ALIAS|@V]) with its training data.  Caller frees. */
int	drift_compute(struct project *p, const char *ref, size_t last,
	    struct drift_report **out, char **err);
void	drift_report_free(struct drift_report *r);
/* "stable" (< 0.1), "moderate" (< 0.25), "drift", or "no data". */
const char *drift_status(double psi);

#endif
