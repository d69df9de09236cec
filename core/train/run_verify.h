/*
 * run_verify.h — re-running a run from its record and checking that the
 * result is identical, for callers that drive runs themselves (the
 * workbench).  `lathe rerun` does the same steps in cmd_rerun.c.
 *
 * A re-run request carries the recorded dataset version, recipe text
 * (and name@version), algorithm, every parameter (as the recorded JSON),
 * task, test fraction, seed, BLAS thread count and experiment, and links
 * back to the original through parent_run.  Verification compares every
 * metric bit for bit (both splits), the model bytes, the fitted recipe
 * and the plugin file's hash.
 */
#ifndef LATHE_RUN_VERIFY_H
#define LATHE_RUN_VERIFY_H

#include "run.h"
#include "store/project.h"

/* Fill *rq to re-run the run recorded in ri.  rq borrows ri's strings, so
 * ri must outlive rq.  0, or -1 with *err (the split record is unreadable). */
int	run_request_from_record(const struct run_info *ri, struct run_request *rq, char **err);

/*
 * Compare run `rerun` with run `orig`.  *identical is 1 when both finished
 * and metrics, model bytes, fitted recipe and plugin hash agree; otherwise
 * 0 and *diffs (malloc'd, caller frees) lists the differences
 * ("accuracy test: 0.9 vs 0.93; model differs (160 vs 168 bytes)") and,
 * when the recorded environments differ in what changes results (BLAS
 * kernel or build, LAPACK, lathe), says so with the largest relative
 * difference of a metric: bit-exact reproduction is only promised in the
 * same environment (docs/reproducibility.md).
 * 0, or -1 with *err when the records cannot be read.
 */
int	run_verify(struct project *p, int64_t orig, int64_t rerun, int *identical, char **diffs,
	    char **err);

#endif
