/*
 * progress.c — see progress.h.
 */
#include "progress.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
progress_init(struct progress *p, int enabled, const char *what)
{
	const char *force = getenv("LATHE_PROGRESS");
	memset(p, 0, sizeof *p);
	p->on = enabled && (isatty(2) || (force && strcmp(force, "always") == 0));
	if (force && strcmp(force, "never") == 0)
		p->on = 0;
	p->what = what;
}

void
progress_begin(struct progress *p, const char *phase, size_t total)
{
	p->phase = phase;
	p->total = total;
	p->t0 = time_mono();
	p->last = 0;
}

static void
human(char *buf, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, n, "%.0fk", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
}

void
progress_update(struct progress *p, size_t done, double rows)
{
	if (!p->on)
		return;
	double now = time_mono();
	if (now - p->last < 0.1 && done < p->total)
		return;
	p->last = now;
	double el = now - p->t0;
	double frac = p->total ? (double)done / (double)p->total : 1.0;
	if (frac > 1)
		frac = 1;
	char bar[21], rate[16], nrows[16], eta[16];
	int fill = (int)(frac * 20);
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	human(rate, sizeof rate, el > 0 ? rows / el : 0);
	human(nrows, sizeof nrows, rows);
	if (frac > 0.01 && el > 0.2) {
		double left = el / frac - el;
		snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
	} else {
		strcpy(eta, "--:--");
	}
	fprintf(stderr, "\r\033[K%s: %s %3d%% [%s] %s rows  %s rows/s  ETA %s",
	    p->what, p->phase, (int)(frac * 100), bar, nrows, rate, eta);
	fflush(stderr);
	p->drawn = 1;
}

void
progress_update_step(struct progress *p, size_t step, double loss)
{
	if (!p->on)
		return;
	double now = time_mono();
	if (now - p->last < 0.1 && step < p->total)
		return;
	p->last = now;
	double el = now - p->t0;
	double frac = p->total ? (double)step / (double)p->total : 0;
	if (frac > 1)
		frac = 1;
	char bar[21], eta[16], lb[32];
	int fill = (int)(frac * 20);
	for (int i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	if (frac > 0.01 && el > 0.2) {
		double left = el / frac - el;
		snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
	} else {
		strcpy(eta, "--:--");
	}
	snprintf(lb, sizeof lb, "%.6g", loss);
	fprintf(stderr, "\r\033[K%s: %s [%s] iteration %zu/%zu  loss %s  ETA %s", p->what,
	    p->phase, bar, step, p->total, isnan(loss) ? "-" : lb, eta);
	fflush(stderr);
	p->drawn = 1;
}

void
progress_end(struct progress *p)
{
	if (p->on && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
}

void
progress_note(struct progress *p, const char *fmt, ...)
{
	va_list ap;
	progress_end(p);
	fputs("lathe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	p->last = 0;
}
