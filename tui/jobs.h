/*
 * jobs.h — the work the workbench runs in child processes while the
 * person keeps browsing: training runs (run_spawn, so a crashing plugin
 * cannot take the workbench down), CSV imports and `:` commands (lathe
 * itself, `lathe -p PROJECT VERB ...`, so the TUI drives exactly the
 * CLI's code).
 *
 * The main loop polls the jobs' descriptors with the keyboard; each poll
 * reads what the children wrote: a training run's iteration, total and
 * loss (its loss history feeds the live sparkline), an import's progress
 * bar (parsed from its stderr, which LATHE_PROGRESS=always turns on), a
 * command's output.  A job that ended is kept, with its outcome, until
 * the frame has reported it (jobs_take_done).
 *
 * Quitting with runs still training cancels them (SIGTERM, then the
 * recorded status `cancelled`): a training child ends with its parent
 * (run_exec sets PR_SET_PDEATHSIG), so nothing is left running unseen.
 */
#ifndef LATHE_TUI_JOBS_H
#define LATHE_TUI_JOBS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/util.h"
#include "store/project.h"
#include "train/run.h"

enum job_kind {
	JOB_TRAIN,
	JOB_IMPORT,
	JOB_COMMAND,
};

struct job {
	int		 id;
	enum job_kind	 kind;
	char		*label;		/* "run 12", "import iris.csv", ":plugins -v" */
	double		 started, ended;
	int		 done;		/* the child exited and was reaped */
	int		 reported;	/* the frame has shown the outcome */
	int		 pinned;	/* a screen shows it: not pruned */
	int		 ok;		/* succeeded */
	char		*result;	/* outcome for people, once done */
	/* training */
	struct run_proc	*rp;
	int64_t		 run_id;
	int64_t		 verify_of;	/* re-run and verify against this run, or 0 */
	double		*loss;		/* loss per reported step, for the sparkline */
	size_t		 nloss, caploss;
	int		 last_step;
	unsigned	 last_waiting;	/* rp->waiting_seq last drawn */
	/* import and command children */
	pid_t		 pid;
	int		 out_fd, err_fd;
	struct sbuf	 out, err;
	int		 wstatus;
	int		 pct;		/* import: percent, -1 unknown */
	char		 phase[48];
	int		 cancelled;
};

struct jobs {
	struct job	**v;
	size_t		  n;
	int		  next_id;
};

void	jobs_init(struct jobs *js);
/* Cancel training runs (SIGTERM, wait up to the grace, record the
 * outcome in p unless p is NULL), stop other children, free everything. */
void	jobs_free(struct jobs *js, struct project *p);

/* Start training queued run id of the project at path.  0 or -1 with *err. */
int	jobs_train(struct jobs *js, const char *path, int64_t id, int64_t verify_of,
	    struct job **out, char **err);
/* Start `lathe -p path argv...` (argv NULL-terminated) with stdout and
 * stderr captured; kind JOB_IMPORT also turns progress bars on. */
int	jobs_cli(struct jobs *js, enum job_kind kind, const char *path, char *const *argv,
	    const char *label, struct job **out, char **err);

/* Descriptors to wait on, into pf[0..max); returns how many. */
size_t	jobs_pollfds(const struct jobs *js, struct pollfd *pf, size_t max);
/* Read from every child and reap the ones that ended (settling training
 * records in p).  Returns 1 if anything changed (progress or an end). */
int	jobs_poll(struct jobs *js, struct project *p);
/* The next ended job the frame has not reported, or NULL; marks it
 * reported.  It stays in the list until jobs_prune. */
struct job *jobs_take_done(struct jobs *js);
/* Free reported jobs that ended more than keep_secs ago. */
void	jobs_prune(struct jobs *js, double keep_secs);
/* Jobs still running. */
size_t	jobs_running(const struct jobs *js);
size_t	jobs_training(const struct jobs *js);
/* The running training job of run id, or NULL. */
struct job *jobs_find_run(const struct jobs *js, int64_t id);
/* The job with this id, or NULL. */
struct job *jobs_get(const struct jobs *js, int id);
/* Ask a job to stop: a training run is cancelled, other children get
 * SIGTERM. */
void	jobs_cancel(struct job *j);
/* Seconds left for a training job, from its pace so far (NaN: unknown). */
double	job_eta(const struct job *j);
/* Fraction done, 0..1 (NaN: unknown). */
double	job_fraction(const struct job *j);

/* Parse the last progress line in an import's stderr ("FILE: reading
 * 42% [####....] ..."): *pct and the phase ("reading").  Returns 1 if
 * one was found. */
int	import_progress_parse(const char *s, size_t n, int *pct, char *phase, size_t phasesz);

#endif
