/*
 * serverproc.h — `lathe serve` processes started from the workbench.
 *
 * A server must outlive the workbench that started it: it is started
 * detached (double fork, its own session, stdin from /dev/null), so
 * quitting the workbench, closing its terminal or its SIGHUP does not
 * reach it, and it is not the workbench's child (init reaps it).  Its
 * stdout and stderr go to a temporary file that is unlinked at once: the
 * workbench reads the "listening on URL" line or the error from it while
 * the server starts, and afterwards the server's warnings go nowhere
 * visible but never block or kill it (a pipe with no reader would).
 * Nothing else is recorded: the server records itself in the project's
 * `servers` table.
 *
 * The starts this process made are kept in a small fixed table (no
 * allocation), so "was this server started from here?" — which is what
 * allows stopping it — survives leaving and re-entering the models
 * screen.
 */
#ifndef LATHE_TUI_SERVERPROC_H
#define LATHE_TUI_SERVERPROC_H

#include <stddef.h>
#include <sys/types.h>

#define SERVERPROC_MAX		64	/* starts remembered */
#define SERVERPROC_TIMEOUT	60.0	/* seconds to wait for "listening on" */

enum sp_state {
	SP_STARTING,	/* no "listening on" line yet */
	SP_LISTENING,	/* url is set */
	SP_FAILED,	/* msg says why (the process ended, or never listened) */
};

struct serverproc {
	pid_t		 pid;
	int		 fd;		/* its output; -1 once the start settled */
	double		 started;	/* time_mono() at the start */
	enum sp_state	 state;
	int		 reported;	/* the caller has told the person */
	char		 ref[160];	/* what it serves, for messages */
	char		 url[256];
	char		 msg[512];
};

/* Start argv (argv[0]: the program's path, NULL-terminated) detached, as
 * described above.  On success returns the start's slot (borrowed; it
 * stays valid for the life of the process) with state SP_STARTING; else
 * NULL with *err. */
struct serverproc *serverproc_spawn(char *const argv[], const char *ref, char **err);
/* Start `lathe -p project serve --port 0 --model ref -q` with this very
 * lathe binary. */
struct serverproc *serverproc_start(const char *project, const char *ref, char **err);
/* Look at a start: reads its output for "listening on URL" (then
 * SP_LISTENING), or sees that it ended first or that SERVERPROC_TIMEOUT
 * passed (SP_FAILED, msg: its last "lathe: " line or what happened).
 * Settled starts are not read again.  Returns the state. */
enum sp_state serverproc_check(struct serverproc *sp);
/* Starts made by this process, oldest first: i < serverproc_count(). */
size_t	serverproc_count(void);
struct serverproc *serverproc_at(size_t i);
/* 1 if pid was started from this process. */
int	serverproc_mine(long pid);

/* 1 if process pid exists (and is not a zombie waiting to be reaped). */
int	serverproc_alive(long pid);
/* Ask server pid to stop (SIGTERM: it finishes requests in flight and
 * records its end).  0, or -1 with *err. */
int	serverproc_stop(long pid, char **err);

#endif
