/*
 * jobs.c — see jobs.h.
 */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void
jobs_init(struct jobs *js)
{
	memset(js, 0, sizeof *js);
	js->next_id = 1;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	run_proc_free(j->rp);
	if (j->out_fd >= 0)
		close(j->out_fd);
	if (j->err_fd >= 0)
		close(j->err_fd);
	if (!j->done && j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	sbuf_free(&j->out);
	sbuf_free(&j->err);
	free(j->loss);
	free(j->label);
	free(j->result);
	free(j);
}

void
jobs_free(struct jobs *js, struct project *p)
{
	for (size_t i = 0; i < js->n; i++) {
		struct job *j = js->v[i];
		if (!j->done && j->kind == JOB_TRAIN) {
			run_proc_cancel(j->rp);
			double t0 = time_mono();
			while (!run_proc_poll(j->rp, 50) && time_mono() - t0 < run_cancel_grace() + 1)
				;
			if (p && j->rp->exited)
				run_proc_finish(p, j->rp, NULL);
		} else if (!j->done && j->pid > 0) {
			kill(j->pid, SIGTERM);
		}
		job_free(j);
	}
	free(js->v);
	jobs_init(js);
}

static struct job *
job_new(struct jobs *js, enum job_kind kind, const char *label)
{
	struct job **nv = realloc(js->v, (js->n + 1) * sizeof *nv);
	if (nv == NULL)
		return NULL;
	js->v = nv;
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return NULL;
	j->kind = kind;
	j->out_fd = j->err_fd = -1;
	j->pct = -1;
	j->last_step = -1;
	j->started = time_mono();
	sbuf_init(&j->out);
	sbuf_init(&j->err);
	if ((j->label = str_dup(label)) == NULL) {
		free(j);
		return NULL;
	}
	j->id = js->next_id++;
	js->v[js->n++] = j;
	return j;
}

int
jobs_train(struct jobs *js, const char *path, int64_t id, int64_t verify_of, struct job **out,
    char **err)
{
	char label[48];
	struct run_proc *rp = NULL;

	snprintf(label, sizeof label, "run %lld", (long long)id);
	if (run_spawn(path, id, &rp, err) != 0)
		return -1;
	struct job *j = job_new(js, JOB_TRAIN, label);
	if (j == NULL) {
		run_proc_free(rp);
		return err_set(err, "out of memory");
	}
	j->rp = rp;
	j->run_id = id;
	j->verify_of = verify_of;
	if (out)
		*out = j;
	return 0;
}

int
jobs_cli(struct jobs *js, enum job_kind kind, const char *path, char *const *argv,
    const char *label, struct job **out, char **err)
{
	char exe[PATH_MAX];
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	size_t argc = 0;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0)
		return err_set(err, "cannot find the lathe binary");
	exe[n] = '\0';
	while (argv[argc])
		argc++;
	char **av = calloc(argc + 4, sizeof *av);
	if (av == NULL)
		return err_set(err, "out of memory");
	av[0] = exe;
	av[1] = "-p";
	av[2] = (char *)path;
	for (size_t i = 0; i < argc; i++)
		av[3 + i] = argv[i];
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		err_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	struct job *j = job_new(js, kind, label);
	if (j == NULL) {
		err_set(err, "out of memory");
		goto fail;
	}
	pid_t pid = fork();
	if (pid < 0) {
		err_set(err, "fork: %s", strerror(errno));
		js->n--;
		job_free(j);
		goto fail;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (kind == JOB_IMPORT)
			setenv("LATHE_PROGRESS", "always", 1);
		else
			setenv("LATHE_PROGRESS", "never", 1);
		setenv("COLUMNS", "100", 0);
		execv(exe, av);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	j->pid = pid;
	j->out_fd = po[0];
	j->err_fd = pe[0];
	fcntl(j->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(j->err_fd, F_SETFL, O_NONBLOCK);
	free(av);
	if (out)
		*out = j;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(av);
	return -1;
}

size_t
jobs_pollfds(const struct jobs *js, struct pollfd *pf, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < js->n && k < max; i++) {
		const struct job *j = js->v[i];
		if (j->done)
			continue;
		if (j->rp && j->rp->fd >= 0)
			pf[k++] = (struct pollfd){ j->rp->fd, POLLIN, 0 };
		if (j->out_fd >= 0 && k < max)
			pf[k++] = (struct pollfd){ j->out_fd, POLLIN, 0 };
		if (j->err_fd >= 0 && k < max)
			pf[k++] = (struct pollfd){ j->err_fd, POLLIN, 0 };
	}
	return k;
}

int
import_progress_parse(const char *s, size_t n, int *pct, char *phase, size_t phasesz)
{
	/* the bar is redrawn after "\r\033[K"; the last complete one counts:
	 * "<what>: <phase> NNN% [....] ..." */
	for (size_t end = n; end > 0;) {
		size_t start = end;
		while (start > 0 && s[start - 1] != '\r' && s[start - 1] != '\n')
			start--;
		const char *pc = NULL;
		for (size_t i = start; i + 1 < end; i++)
			if (s[i] == '%' && s[i + 1] == ' ' && i + 3 < end && s[i + 2] == '[')
				pc = s + i;
		if (pc) {
			const char *d = pc;
			while (d > s + start && d[-1] >= '0' && d[-1] <= '9')
				d--;
			const char *ph_end = d;
			while (ph_end > s + start && ph_end[-1] == ' ')
				ph_end--;
			/* the phase: the words after the last ": " before the number */
			const char *ph = ph_end;
			while (ph > s + start && !(ph[-1] == ' ' && ph - 2 >= s + start && ph[-2] == ':'))
				ph--;
			*pct = atoi(d);
			size_t pl = (size_t)(ph_end - ph);
			if (pl >= phasesz)
				pl = phasesz - 1;
			memcpy(phase, ph, pl);
			phase[pl] = '\0';
			return 1;
		}
		end = start ? start - 1 : 0;
	}
	return 0;
}

static void
text_copy_phase(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

static int
drain_fd(int *fd, struct sbuf *b)
{
	char buf[4096];
	int changed = 0;
	while (*fd >= 0) {
		ssize_t r = read(*fd, buf, sizeof buf);
		if (r > 0) {
			/* keep at most 1 MB of a chatty command */
			if (b->len < (1u << 20))
				sbuf_putn(b, buf, (size_t)r);
			changed = 1;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(*fd);
			*fd = -1;
			changed = 1;
		} else {
			break;
		}
	}
	return changed;
}

/* The last line of s that starts with "lathe: " (an error), or NULL. */
static char *
last_error(const struct sbuf *b)
{
	const char *best = NULL;
	if (b->s == NULL)
		return NULL;
	for (const char *q = b->s; q; q = strchr(q, '\n')) {
		if (*q == '\n')
			q++;
		if (strncmp(q, "lathe: ", 7) == 0 || strncmp(q, "lathe ", 6) == 0)
			best = q;
		if (*q == '\0')
			break;
	}
	if (best == NULL)
		return NULL;
	const char *e = strchr(best, '\n');
	return str_ndup(best, e ? (size_t)(e - best) : strlen(best));
}

/* Outcome of an import: the first line it printed ("imported iris@1: 150
 * rows x 5 columns ...", "iris@1 unchanged: ..."), or its error. */
static void
import_result(struct job *j)
{
	char buf[512];
	if (j->ok && j->out.s && j->out.len) {
		const char *e = strchr(j->out.s, '\n');
		j->result = str_ndup(j->out.s, e ? (size_t)(e - j->out.s) : j->out.len);
		return;
	}
	char *e = last_error(&j->err);
	if (e == NULL) {
		snprintf(buf, sizeof buf, "%s failed (exit status %d)", j->label,
		    WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : -1);
		e = str_dup(buf);
	}
	j->result = e;
	j->ok = 0;
}

/* Outcome of a finished training run, from its record. */
static void
train_result(struct job *j, struct project *p)
{
	struct run_info ri;
	char ref[32], buf[600], *err = NULL;
	snprintf(ref, sizeof ref, "%lld", (long long)j->run_id);
	if (p == NULL || run_load(p, ref, &ri, &err) != 0) {
		snprintf(buf, sizeof buf, "run %lld ended: %s", (long long)j->run_id,
		    err ? err : "record unreadable");
		free(err);
		j->result = str_dup(buf);
		return;
	}
	j->ok = ri.status == RUN_FINISHED;
	if (j->ok)
		snprintf(buf, sizeof buf, "run %lld finished in %.2fs", (long long)j->run_id,
		    ri.duration);
	else
		snprintf(buf, sizeof buf, "run %lld %s: %s", (long long)j->run_id,
		    run_status_name(ri.status), ri.error ? ri.error : "no reason recorded");
	j->result = str_dup(buf);
	run_info_clear(&ri);
}

int
jobs_poll(struct jobs *js, struct project *p)
{
	int changed = 0;
	for (size_t i = 0; i < js->n; i++) {
		struct job *j = js->v[i];
		if (j->done)
			continue;
		if (j->kind == JOB_TRAIN) {
			struct run_proc *rp = j->rp;
			int exited = run_proc_poll(rp, 0);
			if (rp->step != j->last_step && rp->total > 0) {
				if (j->nloss == j->caploss) {
					size_t cap = j->caploss ? j->caploss * 2 : 128;
					double *nl = realloc(j->loss, cap * sizeof *nl);
					if (nl) {
						j->loss = nl;
						j->caploss = cap;
					}
				}
				if (j->nloss < j->caploss)
					j->loss[j->nloss++] = rp->loss;
				j->last_step = rp->step;
				changed = 1;
			}
			if (rp->waiting_seq != j->last_waiting) {
				j->last_waiting = rp->waiting_seq;
				changed = 1;	/* waiting for the lock, or no longer */
			}
			if (exited) {
				while (rp->fd >= 0)
					run_proc_poll(rp, 0);
				if (p)
					run_proc_finish(p, rp, NULL);
				j->done = 1;
				j->ended = time_mono();
				train_result(j, p);
				changed = 1;
			}
			continue;
		}
		changed |= drain_fd(&j->out_fd, &j->out);
		if (drain_fd(&j->err_fd, &j->err)) {
			changed = 1;
			if (j->kind == JOB_IMPORT && j->err.s) {
				import_progress_parse(j->err.s, j->err.len, &j->pct, j->phase,
				    sizeof j->phase);
				/* the bar erased after reading: profiling and storing now */
				if (j->err.len >= 4 && memcmp(j->err.s + j->err.len - 4, "\r\033[K", 4) == 0)
					text_copy_phase(j->phase, sizeof j->phase, "storing");
			}
		}
		if (j->out_fd < 0 && j->err_fd < 0) {
			pid_t w = waitpid(j->pid, &j->wstatus, WNOHANG);
			if (w == j->pid) {
				j->done = 1;
				j->ended = time_mono();
				j->ok = WIFEXITED(j->wstatus) && WEXITSTATUS(j->wstatus) == 0;
				if (j->kind == JOB_IMPORT) {
					import_result(j);
				} else {
					char buf[300];
					snprintf(buf, sizeof buf, "%s %s", j->label,
					    j->ok ? "done" : j->cancelled ? "stopped" : "failed");
					char *e = j->ok ? NULL : last_error(&j->err);
					j->result = e ? e : str_dup(buf);
				}
				changed = 1;
			}
		}
	}
	return changed;
}

struct job *
jobs_take_done(struct jobs *js)
{
	for (size_t i = 0; i < js->n; i++)
		if (js->v[i]->done && !js->v[i]->reported) {
			js->v[i]->reported = 1;
			return js->v[i];
		}
	return NULL;
}

void
jobs_prune(struct jobs *js, double keep_secs)
{
	double now = time_mono();
	size_t k = 0;
	for (size_t i = 0; i < js->n; i++) {
		struct job *j = js->v[i];
		if (j->done && j->reported && !j->pinned && now - j->ended > keep_secs)
			job_free(j);
		else
			js->v[k++] = j;
	}
	js->n = k;
}

size_t
jobs_running(const struct jobs *js)
{
	size_t k = 0;
	for (size_t i = 0; i < js->n; i++)
		k += !js->v[i]->done;
	return k;
}

size_t
jobs_training(const struct jobs *js)
{
	size_t k = 0;
	for (size_t i = 0; i < js->n; i++)
		k += !js->v[i]->done && js->v[i]->kind == JOB_TRAIN;
	return k;
}

struct job *
jobs_find_run(const struct jobs *js, int64_t id)
{
	for (size_t i = js->n; i-- > 0;)
		if (js->v[i]->kind == JOB_TRAIN && js->v[i]->run_id == id)
			return js->v[i];
	return NULL;
}

struct job *
jobs_get(const struct jobs *js, int id)
{
	for (size_t i = 0; i < js->n; i++)
		if (js->v[i]->id == id)
			return js->v[i];
	return NULL;
}

void
jobs_cancel(struct job *j)
{
	if (j == NULL || j->done)
		return;
	j->cancelled = 1;
	if (j->rp)
		run_proc_cancel(j->rp);
	else if (j->pid > 0)
		kill(j->pid, SIGTERM);
}

double
job_fraction(const struct job *j)
{
	if (j->kind == JOB_TRAIN && j->rp && j->rp->total > 0)
		return (double)j->rp->step / (double)j->rp->total;
	if (j->kind == JOB_IMPORT && j->pct >= 0)
		return j->pct / 100.0;
	return NAN;
}

double
job_eta(const struct job *j)
{
	double f = job_fraction(j);
	double el = time_mono() - j->started;
	if (isnan(f) || f < 0.01 || el < 0.2)
		return NAN;
	return el / f - el;
}
