/*
 * serverproc.c — see serverproc.h.
 *
 * Between fork and exec only async-signal-safe calls are made.  The
 * first child starts a session and forks the server, reports the
 * server's pid through a pipe and exits at once; the workbench reaps it,
 * so no zombie is left either way.
 */
#include "serverproc.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct serverproc starts[SERVERPROC_MAX];
static size_t nstarts;

/* A temporary file with no name, for the server's output: O_TMPFILE, or
 * a named one unlinked at once.  -1 with *err. */
static int
open_output(char **err)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
#ifdef O_TMPFILE
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	snprintf(path, sizeof path, "%s/lathe-serve-XXXXXX", dir);
	int f = mkostemp(path, O_CLOEXEC);
	if (f < 0)
		return err_set(err, "cannot make a temporary file in %s: %s", dir, strerror(errno));
	unlink(path);
	return f;
}

/* The slot for a new start: a free one, else the oldest whose server is
 * settled and no longer running.  NULL when all are in use. */
static struct serverproc *
new_slot(void)
{
	if (nstarts < SERVERPROC_MAX)
		return &starts[nstarts++];
	for (size_t i = 0; i < nstarts; i++)
		if (starts[i].fd < 0 && !serverproc_alive(starts[i].pid)) {
			memmove(starts + i, starts + i + 1, (nstarts - i - 1) * sizeof *starts);
			return &starts[nstarts - 1];
		}
	return NULL;
}

/* In the server process, before exec: a clean slate of signals and
 * descriptors.  Async-signal-safe calls only. */
static void
child_setup(int out)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	int dn = open("/dev/null", O_RDONLY);
	if (dn >= 0 && dn != 0) {
		dup2(dn, 0);
		close(dn);
	}
	dup2(out, 1);
	dup2(out, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	if (close_range(3, ~0U, 0) == 0)
		return;
#endif
	long maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	for (int fd = 3; fd < maxfd; fd++)
		close(fd);
}

struct serverproc *
serverproc_spawn(char *const argv[], const char *ref, char **err)
{
	int out = -1, pp[2] = { -1, -1 };
	pid_t a, b = -1;
	struct serverproc *sp = NULL;

	if ((sp = new_slot()) == NULL) {
		err_set(err, "%d servers started from this workbench are still running",
		    SERVERPROC_MAX);
		return NULL;
	}
	memset(sp, 0, sizeof *sp);
	sp->fd = -1;
	sp->pid = -1;
	sp->state = SP_FAILED;
	sp->reported = 1;
	if ((out = open_output(err)) < 0)
		goto fail;
	if (pipe2(pp, O_CLOEXEC) != 0) {
		err_set(err, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((a = fork()) < 0) {
		err_set(err, "fork: %s", strerror(errno));
		goto fail;
	}
	if (a == 0) {
		setsid();
		pid_t c = fork();
		if (c == 0) {
			child_setup(out);
			execv(argv[0], argv);
			static const char msg[] = "lathe: cannot run the server program\n";
			if (write(2, msg, sizeof msg - 1) < 0)
				_exit(127);
			_exit(127);
		}
		ssize_t w = write(pp[1], &c, sizeof c);
		_exit(c < 0 || w != (ssize_t)sizeof c);
	}
	close(pp[1]);
	pp[1] = -1;
	ssize_t r;
	do
		r = read(pp[0], &b, sizeof b);
	while (r < 0 && errno == EINTR);
	while (waitpid(a, NULL, 0) < 0 && errno == EINTR)
		;
	if (r != (ssize_t)sizeof b || b <= 0) {
		err_set(err, "cannot start a server process");
		goto fail;
	}
	close(pp[0]);
	sp->pid = b;
	sp->fd = out;
	sp->started = time_mono();
	sp->state = SP_STARTING;
	sp->reported = 0;
	snprintf(sp->ref, sizeof sp->ref, "%s", ref ? ref : "");
	return sp;
fail:
	if (out >= 0)
		close(out);
	for (int i = 0; i < 2; i++)
		if (pp[i] >= 0)
			close(pp[i]);
	return NULL;
}

struct serverproc *
serverproc_start(const char *project, const char *ref, char **err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		err_set(err, "cannot find the lathe binary");
		return NULL;
	}
	exe[n] = '\0';
	char *argv[] = { exe, "-p", (char *)project, "serve", "--port", "0", "--model",
		(char *)ref, "-q", NULL };
	return serverproc_spawn(argv, ref, err);
}

/* The last line of s that starts with "lathe: " (else the last non-empty
 * line) into out. */
static void
last_message(const char *s, char *out, size_t n)
{
	const char *best = NULL, *last = NULL;
	for (const char *q = s; *q;) {
		const char *e = q + strcspn(q, "\n");
		if (e > q)
			last = q;
		if (strncmp(q, "lathe: ", 7) == 0)
			best = q;
		q = *e ? e + 1 : e;
	}
	const char *m = best ? best : last;
	if (m == NULL) {
		out[0] = '\0';
		return;
	}
	size_t l = strcspn(m, "\n");
	if (l >= n)
		l = n - 1;
	memcpy(out, m, l);
	out[l] = '\0';
}

enum sp_state
serverproc_check(struct serverproc *sp)
{
	char buf[8192];
	if (sp->state != SP_STARTING)
		return sp->state;
	/* whether it still runs, before reading: a process seen ended has
	 * written all it ever will, so its last words are in what is read
	 * next (read first, it could say them and end in between) */
	int alive = serverproc_alive(sp->pid);
	ssize_t n = pread(sp->fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	const char *l = strstr(buf, "listening on ");
	if (l && (l == buf || l[-1] == '\n') && strchr(l, '\n')) {
		l += strlen("listening on ");
		size_t k = strcspn(l, "\r\n");
		if (k >= sizeof sp->url)
			k = sizeof sp->url - 1;
		memcpy(sp->url, l, k);
		sp->url[k] = '\0';
		sp->state = SP_LISTENING;
	} else if (!alive) {
		last_message(buf, sp->msg, sizeof sp->msg);
		if (sp->msg[0] == '\0')
			snprintf(sp->msg, sizeof sp->msg, "the server (pid %ld) ended before it "
			    "listened", (long)sp->pid);
		sp->state = SP_FAILED;
	} else if (time_mono() - sp->started > SERVERPROC_TIMEOUT) {
		snprintf(sp->msg, sizeof sp->msg, "the server (pid %ld) has not said it listens "
		    "after %.0f s", (long)sp->pid, SERVERPROC_TIMEOUT);
		sp->state = SP_FAILED;
	}
	if (sp->state != SP_STARTING) {
		close(sp->fd);
		sp->fd = -1;
	}
	return sp->state;
}

size_t
serverproc_count(void)
{
	return nstarts;
}

struct serverproc *
serverproc_at(size_t i)
{
	return i < nstarts ? &starts[i] : NULL;
}

int
serverproc_mine(long pid)
{
	for (size_t i = 0; i < nstarts; i++)
		if (starts[i].pid == (pid_t)pid && pid > 0)
			return 1;
	return 0;
}

int
serverproc_alive(long pid)
{
	char path[64], buf[512];
	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return 0;
	/* a zombie still answers kill(); its state in /proc says 'Z' */
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *q = strrchr(buf, ')');
	return !(q && q[1] == ' ' && q[2] == 'Z');
}

int
serverproc_stop(long pid, char **err)
{
	if (!serverproc_alive(pid))	/* a zombie would take the signal in vain */
		return err_set(err, "cannot stop server pid %ld: no such process", pid);
	if (kill((pid_t)pid, SIGTERM) != 0)
		return err_set(err, "cannot stop server pid %ld: %s", pid,
		    errno == ESRCH ? "no such process" : strerror(errno));
	return 0;
}
