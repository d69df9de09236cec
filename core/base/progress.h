/*
 * progress.h — a one-line progress bar on stderr for long operations:
 * percent, a bar, rows per second and time left.  Drawn only when stderr
 * is a terminal, at most ten times a second, and erased when done, so
 * scripts and logs never see it.
 */
#ifndef LATHE_PROGRESS_H
#define LATHE_PROGRESS_H

#include <stddef.h>

struct progress {
	int		 on;
	const char	*what;		/* e.g. the file name; borrowed */
	const char	*phase;		/* borrowed */
	size_t		 total;
	double		 t0, last;
	int		 drawn;
};

/* enabled: the caller wants progress; it is drawn only if stderr is a tty
 * (LATHE_PROGRESS=always forces it, for tests under tmux-less CI). */
void	progress_init(struct progress *p, int enabled, const char *what);
void	progress_begin(struct progress *p, const char *phase, size_t total);
/* done units of total; rows processed so far (estimate is fine). */
void	progress_update(struct progress *p, size_t done, double rows);
void	progress_end(struct progress *p);
/* For iterations: step of total with the current loss (NaN: none). */
void	progress_update_step(struct progress *p, size_t step, double loss);
/* A message line on stderr (always, bar or not); the bar, if drawn, is
 * erased first and comes back with the next update. */
void	progress_note(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
