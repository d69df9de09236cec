/*
 * core/train/ — the subsystem's main header.  Owns training and its
 * records: the plugin loader (plugin), parameters (params), splits
 * (split), runs and the training child (run, run_exec), re-runs
 * (run_verify), bulk readers (runs_query), metrics and the one prediction
 * path (predict).  May use: core/base, core/store, core/ingest,
 * core/features, linalg, the plugin ABI.  The map of who may use whom is
 * in docs/architecture.md.
 *
 * run.h — training runs: validate a request, record it, execute it in a
 * child process, and read the records back.
 *
 * A run is recorded completely enough to be re-run and verified: dataset
 * version and hash, recipe text (and name@version when it came from the
 * project), algorithm, plugin version and the SHA-256 of its .so, every
 * hyperparameter with defaults filled in, task, split, seed, BLAS thread
 * count and environment.  Its results — status, timings, metrics per
 * split, curves, model bytes, fitted recipe, model summary, confusion
 * matrix — are written by the child in one transaction at the end.
 *
 * Processes: `lathe train` validates and records the run as queued, then
 * starts `lathe __run ID` (itself) as a child with a pipe for progress
 * lines.  A crash, a hang past a cancel, or a kill of the child marks the
 * run failed or cancelled with the reason; nothing else is disturbed.
 */
#ifndef LATHE_RUN_H
#define LATHE_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "plugin.h"
#include "store/project.h"

enum run_status {
	RUN_QUEUED = 0,
	RUN_RUNNING,
	RUN_FINISHED,
	RUN_FAILED,
	RUN_CANCELLED,
};

const char	*run_status_name(enum run_status s);
int		 run_status_parse(const char *s, enum run_status *out);

#define RUN_DEFAULT_TEST_SIZE	0.2
#define RUN_DEFAULT_SEED	0

/* What `lathe train` or the workbench's training form asks for. */
struct run_request {
	const char		*dataset;	/* NAME[@V] */
	const char		*target;	/* NULL for clustering/projection */
	const char		*algo;
	const char *const	*sets;		/* "KEY=VALUE" */
	size_t			 nsets;
	const char		*params_json;	/* recorded parameters (re-runs), or NULL */
	const char		*task;		/* NULL: inferred */
	double			 test_size;	/* < 0: default for the task */
	int			 cv_folds;	/* > 1: k-fold cross-validation ... */
	int			 cv_repeats;	/* >= 1: the whole CV as one run, repeated
						 * this many times, on the training rows
						 * of a test_size holdout (0: none), then
						 * a refit on those rows; 0: ... */
	int			 cv_fold;	/* ... a single fold run (records of older
						 * lathe, re-run): fold cv_fold (0-based) */
	const char		*cv_group;	/* grouped CV by this column, or NULL */
	int			 have_seed;
	uint64_t		 seed;
	const char		*experiment;	/* NULL: none */
	const char		*recipe_text;	/* NULL: the default recipe */
	const char		*recipe_origin;	/* for messages ("--step", a file name) */
	const char		*recipe_name;	/* stored recipe, if any */
	int			 recipe_version;
	int			 threads;	/* BLAS threads; 0: library default */
	int64_t			 parent_run;	/* re-run of, or 0 */
};

/*
 * Check everything that can be checked before training — dataset, target
 * (present, not constant, no missing values, a kind that fits the task),
 * algorithm, task, every parameter, the recipe against the data, the
 * split — and record the run as queued.  On a bad request nothing is
 * written and *err says what is wrong.
 */
int	run_create(struct project *p, struct plugin_set *ps, const struct run_request *rq,
	    int64_t *run_id, char **err);

/* Child side: execute queued run `id` of the project at path, writing
 * progress lines to fd (-1: none).  Returns 0 if it finished, 1 if it
 * failed (recorded), RUN_EXIT_DISK_FULL if the disk was too full to record
 * anything (the parent then records it, after reclaiming space). */
int	run_execute(const char *path, int64_t id, int fd);
#define RUN_EXIT_DISK_FULL 3

/* Free bytes a new run needs on the project's file system: $LATHE_MIN_FREE
 * (bytes) if set, else RUN_MIN_FREE.  Below it run_create refuses with
 * "disk full", so that a run never starts without room to record its end. */
#define RUN_MIN_FREE (2LL << 20)
long long run_min_free(void);

/*
 * Runs whose processes are gone.  A queued or running run belongs to its
 * training child (pid, pid_start) and to the process that launched it and
 * records its fate (owner_pid, owner_start).  When both are gone — kill -9
 * of both, the OOM killer, a power loss (a new boot id) — nobody will ever
 * settle the run: it is marked failed, "training process disappeared",
 * with the time it was found.  Runs of another host, and processes /proc
 * cannot judge, are left alone.  Called where runs are listed and when the
 * workbench opens.  A locked or read-only project is skipped silently (the
 * next look will do it).  *n (may be NULL) receives how many were marked.
 */
int	run_reap_dead(struct project *p, int *n, char **err);

/* A running child. */
struct run_proc {
	int64_t		 id;
	pid_t		 pid;
	int		 fd;		/* read end of the progress pipe, -1 at EOF */
	char		 buf[4096];
	size_t		 len;
	/* latest progress */
	int		 step, total;
	double		 loss;
	double		 started, cancel_at;	/* monotonic seconds; cancel_at 0 = not */
	int		 exited, wstatus;
	char		*last_log;
	char		*waiting;	/* "waiting for the project lock held by ..." or NULL */
	unsigned	 waiting_seq;	/* counts changes of waiting, for redraws */
	long		 maxrss_kb;	/* peak resident size, once reaped */
};

/* Start the child for a queued run.  *out freed by run_proc_free. */
int	run_spawn(const char *path, int64_t id, struct run_proc **out, char **err);
/* Read what the child wrote, waiting at most timeout_ms; returns 1 when
 * the child has exited (and been reaped), 0 otherwise. */
int	run_proc_poll(struct run_proc *rp, int timeout_ms);
/* Ask the child to stop (SIGTERM); after RUN_CANCEL_GRACE seconds of no
 * exit, run_proc_poll kills it. */
#define RUN_CANCEL_GRACE 5.0
void	run_proc_cancel(struct run_proc *rp);
/* The grace in seconds: $LATHE_CANCEL_GRACE, else RUN_CANCEL_GRACE. */
double	run_cancel_grace(void);
/* After exit: make sure the run's record says what happened (a child that
 * died without recording becomes failed/cancelled with the reason). */
int	run_proc_finish(struct project *p, struct run_proc *rp, char **err);
void	run_proc_free(struct run_proc *rp);
/* A queued run whose child could not be started (run_spawn failed with
 * `why`): recorded as failed, so that it is not left queued while its
 * launcher lives on.  Only a still-queued run is changed. */
int	run_abandon(struct project *p, int64_t id, const char *why, char **err);

/* Reading records. */
struct run_info {
	int64_t		 id;
	char		*experiment;
	int64_t		 parent_run;
	char		*dataset;	/* name@version */
	int64_t		 dataset_version_id;
	char		*dataset_hash;
	char		*target;
	char		*task;
	char		*algo;
	char		*plugin_version, *plugin_hash, *plugin_path;
	char		*params;	/* JSON */
	char		*recipe;
	char		*recipe_name;
	int		 recipe_version;
	char		*split;		/* JSON */
	char		*cv_group;	/* a cross-validated run's --group, or NULL */
	uint64_t	 seed;
	int		 threads;
	char		*env;		/* JSON */
	enum run_status	 status;
	char		*error;
	char		*created, *started, *finished;
	double		 duration;
	char		*classes, *features;	/* JSON arrays or NULL */
	char		*timings;		/* JSON {load, recipe, fit, evaluate} seconds */
	char		*log;
};

void	run_info_clear(struct run_info *ri);
/* Load run `ref` ("17" or "r17"). */
int	run_load(struct project *p, const char *ref, struct run_info *ri, char **err);
int	run_ref_parse(const char *ref, int64_t *id, char **err);
/* An artifact's bytes (caller frees *data). */
int	run_artifact(struct project *p, int64_t id, const char *name, void **data, size_t *len,
	    char **err);

#endif
