/*
 * promscrape.h — the live figures of a `lathe serve` process, read from
 * its GET /metrics page (Prometheus text format, docs/serving.md):
 * which version each served model has loaded, scoring requests and
 * errors, and the request-latency histogram; then, between scrapes,
 * requests per second and the p50/p99 latency.
 *
 * A scrape is parsed into a prom_scrape: the server's totals (summed over
 * its models) as one prom_point, and each model's own counters and
 * loaded version.  Points of successive scrapes go into a prom_window,
 * a short history (PROM_WINDOW points, about ten seconds at one scrape
 * a second): the rate is the counter increase between its last two
 * points, the quantiles are taken from the histogram's increase over the
 * whole window — the latency of recent requests, not of the server's
 * whole life.  A counter that went down means the server restarted (the
 * same address, a new process): the window then starts again.
 *
 * Quantiles interpolate linearly within a bucket exactly as Prometheus'
 * histogram_quantile() does (bucket lower bound 0 for the first bucket;
 * a rank in the +Inf bucket answers the highest finite bound).
 *
 * Everything is pure and fixed-size (no allocation), so it is
 * unit-tested without a server and cannot leak.
 */
#ifndef LATHE_TUI_PROMSCRAPE_H
#define LATHE_TUI_PROMSCRAPE_H

#include <stddef.h>
#include <stdint.h>

#define PROM_NBUCKET	32	/* histogram buckets kept (lathe has 18) */
#define PROM_NMODEL	16	/* models kept per server (their sums are always whole) */
#define PROM_WINDOW	11	/* points in a window: ten intervals */
#define PROM_WINDOW_SECS 10.5	/* and no point older than this */

/* Counters of one instant, summed over the server's models. */
struct prom_point {
	double	 t;			/* when it was scraped (monotonic seconds) */
	double	 requests;		/* lathe_predict_requests_total */
	double	 errors;		/* lathe_predict_errors_total */
	size_t	 nb;			/* lathe_request_duration_seconds buckets */
	double	 le[PROM_NBUCKET];	/* upper bounds, ascending, +Inf last */
	double	 cum[PROM_NBUCKET];	/* cumulative counts */
};

/* One served model, as the scrape saw it. */
struct prom_model {
	char	 name[72];
	char	 ref[160];		/* "iris@production"; "" for a bundle */
	int	 version;		/* loaded version; 0: not reported */
	int64_t	 run;
	int	 load_failed;		/* the newest version failed to load */
	double	 requests, errors;
};

struct prom_scrape {
	struct prom_point	 total;
	struct prom_model	 m[PROM_NMODEL];
	size_t			 nm;
	int			 lathe;		/* lathe_build_info was present */
};

/* Parse a /metrics page text[0..len) scraped at time t into *out (which
 * is overwritten).  0, or -1 with *err naming the line at fault
 * ("/metrics line 12: expected a value after the labels").  Series this
 * module does not use are skipped; a page without lathe_build_info is
 * refused ("not a lathe server's /metrics page"). */
int	prom_parse(const char *text, size_t len, double t, struct prom_scrape *out, char **err);

/* The q-quantile (0..1) of a cumulative histogram: le[] ascending upper
 * bounds ending with +Inf, cum[] their cumulative counts (made monotonic
 * here).  NaN when there are no observations or fewer than two buckets,
 * or the last bound is not +Inf. */
double	prom_quantile(double q, const double *le, const double *cum, size_t n);

/* The increase of a counter from prev to cur: cur - prev, or cur when
 * the counter went down (it restarted from 0). */
double	prom_increase(double prev, double cur);

struct prom_window {
	struct prom_point	p[PROM_WINDOW];
	size_t			n;		/* oldest first */
};

/* Add a point (the oldest falls out of a full window, and points more
 * than PROM_WINDOW_SECS older than pt fall out: the screen was not
 * watching).  A point whose counters went down starts the window again
 * with itself alone. */
void	prom_window_push(struct prom_window *w, const struct prom_point *pt);
/* Requests per second between the last two points (NaN with fewer). */
double	prom_window_rate(const struct prom_window *w);
/* The q-quantile of request latency over the window, in seconds: of the
 * requests since its oldest point, or, with a single point, since the
 * server started.  NaN when the window saw no successful request. */
double	prom_window_quantile(const struct prom_window *w, double q);

#endif
