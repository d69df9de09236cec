/*
 * plot.c — see plot.h.
 *
 * The child: gnuplot with stdin, stdout and stderr on pipes.  The parent
 * writes the script and reads both outputs in one poll loop (a script of
 * a hundred thousand points is larger than a pipe buffer, and gnuplot may
 * write an error before it has read everything).
 */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void
plot_init(struct plot *pl, const char *title, const char *xlabel, const char *ylabel)
{
	memset(pl, 0, sizeof *pl);
	pl->title = title ? str_dup(title) : NULL;
	pl->xlabel = xlabel ? str_dup(xlabel) : NULL;
	pl->ylabel = ylabel ? str_dup(ylabel) : NULL;
}

void
plot_free(struct plot *pl)
{
	for (size_t i = 0; i < pl->ns; i++) {
		free(pl->s[i].title);
		free(pl->s[i].x);
		free(pl->s[i].y);
	}
	for (size_t i = 0; i < pl->nxtics; i++)
		free(pl->xtics[i]);
	free(pl->xtics);
	for (size_t i = 0; i < pl->nytics; i++)
		free(pl->ytics[i]);
	free(pl->ytics);
	free(pl->s);
	free(pl->title);
	free(pl->xlabel);
	free(pl->ylabel);
	memset(pl, 0, sizeof *pl);
}

struct plot_series *
plot_series_add(struct plot *pl, const char *title, enum plot_style st)
{
	struct plot_series *ns = realloc(pl->s, (pl->ns + 1) * sizeof *ns);
	if (ns == NULL)
		return NULL;
	pl->s = ns;
	struct plot_series *s = &ns[pl->ns];
	memset(s, 0, sizeof *s);
	s->style = st;
	if (title && (s->title = str_dup(title)) == NULL)
		return NULL;
	pl->ns++;
	return s;
}

int
plot_point(struct plot_series *s, double x, double y)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *nx = realloc(s->x, cap * sizeof *nx);
		if (nx == NULL)
			return -1;
		s->x = nx;
		double *ny = realloc(s->y, cap * sizeof *ny);
		if (ny == NULL)
			return -1;
		s->y = ny;
		s->cap = cap;
	}
	s->x[s->n] = x;
	s->y[s->n] = y;
	s->n++;
	return 0;
}

int
plot_xtic(struct plot *pl, const char *label)
{
	char **v = realloc(pl->xtics, (pl->nxtics + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	pl->xtics = v;
	if ((v[pl->nxtics] = str_dup(label)) == NULL)
		return -1;
	pl->nxtics++;
	return 0;
}

int
plot_ytic(struct plot *pl, const char *label)
{
	char **v = realloc(pl->ytics, (pl->nytics + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	pl->ytics = v;
	if ((v[pl->nytics] = str_dup(label)) == NULL)
		return -1;
	pl->nytics++;
	return 0;
}

size_t
plot_npoints(const struct plot *pl)
{
	size_t n = 0;
	for (size_t i = 0; i < pl->ns; i++)
		n += pl->s[i].n;
	return n;
}

/* A gnuplot string literal: single quotes, '' for a quote. */
static void
quoted(struct sbuf *b, const char *s)
{
	sbuf_putc(b, '\'');
	for (; s && *s; s++) {
		if (*s == '\'')
			sbuf_putc(b, '\'');
		if (*s == '\n' || *s == '\r')
			sbuf_putc(b, ' ');
		else
			sbuf_putc(b, *s);
	}
	sbuf_putc(b, '\'');
}

static const char *
style_name(enum plot_style s)
{
	switch (s) {
	case PS_POINTS: return "points";
	case PS_BOXES: return "boxes";
	case PS_STEPS: return "steps";
	case PS_HBARS: return "boxxyerror";
	default: return "lines";
	}
}

void
plot_script(const struct plot *pl, const char *terminal, const char *output, struct sbuf *b)
{
	char nx[32], ny[32];
	int boxes = 0, hbars = 0;

	sbuf_printf(b, "set terminal %s\n", terminal);
	if (output) {
		sbuf_puts(b, "set output ");
		quoted(b, output);
		sbuf_putc(b, '\n');
	}
	sbuf_puts(b, "set encoding utf8\nset key outside top right\n");
	if (pl->title) {
		sbuf_puts(b, "set title ");
		quoted(b, pl->title);
		sbuf_putc(b, '\n');
	}
	if (pl->xlabel) {
		sbuf_puts(b, "set xlabel ");
		quoted(b, pl->xlabel);
		sbuf_putc(b, '\n');
	}
	if (pl->ylabel) {
		sbuf_puts(b, "set ylabel ");
		quoted(b, pl->ylabel);
		sbuf_putc(b, '\n');
	}
	if (pl->logy)
		sbuf_puts(b, "set logscale y\n");
	if (pl->square)
		sbuf_puts(b, "set xrange [-0.02:1.02]\nset yrange [-0.02:1.02]\n");
	for (size_t i = 0; i < pl->ns; i++) {
		boxes |= pl->s[i].style == PS_BOXES;
		hbars |= pl->s[i].style == PS_HBARS;
	}
	/* bars from 0 to x, 0.8 of a row high; the first row at the top */
	if (hbars)
		sbuf_puts(b, "set style fill solid 0.5\nset xzeroaxis\n");
	if (pl->nytics) {
		sbuf_puts(b, "set ytics (");
		for (size_t i = 0; i < pl->nytics; i++) {
			if (i)
				sbuf_puts(b, ", ");
			quoted(b, pl->ytics[i]);
			sbuf_printf(b, " %zu", i);
		}
		sbuf_puts(b, ")\n");
		sbuf_printf(b, "set yrange [%zu.5:-0.5]\n", pl->nytics - 1);
	}
	if (boxes)
		sbuf_puts(b, "set style fill solid 0.5\nset boxwidth 0.9 relative\nset yrange [0:*]\n");
	if (pl->nxtics) {
		sbuf_puts(b, "set xtics rotate by -45 (");
		for (size_t i = 0; i < pl->nxtics; i++) {
			if (i)
				sbuf_puts(b, ", ");
			quoted(b, pl->xtics[i]);
			sbuf_printf(b, " %zu", i);
		}
		sbuf_puts(b, ")\n");
		sbuf_printf(b, "set xrange [-0.5:%zu.5]\n", pl->nxtics - 1);
	}
	sbuf_puts(b, "plot ");
	int any = 0;
	for (size_t i = 0; i < pl->ns; i++) {
		if (pl->s[i].n == 0)
			continue;
		sbuf_printf(b, "%s'-' using %s with %s title ", any ? ", " : "",
		    pl->s[i].style == PS_HBARS ? "($1/2):2:(abs($1)/2):(0.4)" : "1:2",
		    style_name(pl->s[i].style));
		quoted(b, pl->s[i].title ? pl->s[i].title : "");
		any = 1;
	}
	if (pl->diagonal)
		sbuf_printf(b, "%sx with lines dashtype 2 title 'y = x'", any ? ", " : "");
	else if (!any)
		sbuf_puts(b, "NaN title 'no data'");
	sbuf_putc(b, '\n');
	for (size_t i = 0; i < pl->ns; i++) {
		const struct plot_series *s = &pl->s[i];
		if (s->n == 0)
			continue;
		for (size_t k = 0; k < s->n; k++) {
			/* gnuplot reads NaN as a gap */
			if (isnan(s->x[k]) || isnan(s->y[k]))
				sbuf_puts(b, "NaN NaN\n");
			else
				sbuf_printf(b, "%s %s\n", fmt_double(nx, s->x[k]), fmt_double(ny, s->y[k]));
		}
		sbuf_puts(b, "e\n");
	}
	if (output)
		sbuf_puts(b, "unset output\n");
}

static const char *
gnuplot_cmd(void)
{
	const char *g = getenv("LATHE_GNUPLOT");
	return g && *g ? g : "gnuplot";
}

int
plot_available(void)
{
	const char *g = gnuplot_cmd();
	if (strchr(g, '/'))
		return access(g, X_OK) == 0;
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *e = strchr(path, ':');
		size_t n = e ? (size_t)(e - path) : strlen(path);
		char buf[4096];
		if (n && n + strlen(g) + 2 < sizeof buf) {
			memcpy(buf, path, n);
			buf[n] = '/';
			strcpy(buf + n + 1, g);
			if (access(buf, X_OK) == 0)
				return 1;
		}
		path += n + (e != NULL);
	}
	return 0;
}

/* Run gnuplot on script; collect stdout into out and stderr into errb. */
static int
run_gnuplot(const char *script, size_t len, struct sbuf *out, struct sbuf *errb, char **err)
{
	int in[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	pid_t pid;
	size_t off = 0;
	int status = 0, rc = -1;

	if (!plot_available())
		return err_set(err, "gnuplot is not installed (Debian: apt install gnuplot-nox); "
		    "plots are unavailable, everything else works");
	if (pipe2(in, O_CLOEXEC) || pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		err_set(err, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		err_set(err, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		setenv("LC_ALL", "C.UTF-8", 1);
		execlp(gnuplot_cmd(), gnuplot_cmd(), (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(po[1]);
	close(pe[1]);
	in[0] = po[1] = pe[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	double t0 = time_mono();
	int open_out = 1, open_err = 1;
	while (open_out || open_err) {
		struct pollfd pf[3];
		int np = 0, io = -1, ie = -1, ii = -1;
		if (open_out) {
			pf[np] = (struct pollfd){ po[0], POLLIN, 0 };
			io = np++;
		}
		if (open_err) {
			pf[np] = (struct pollfd){ pe[0], POLLIN, 0 };
			ie = np++;
		}
		if (in[1] >= 0) {
			pf[np] = (struct pollfd){ in[1], POLLOUT, 0 };
			ii = np++;
		}
		int left = PLOT_TIMEOUT_MS - (int)((time_mono() - t0) * 1000);
		if (left <= 0 || poll(pf, (nfds_t)np, left) == 0) {
			kill(pid, SIGKILL);
			err_set(err, "gnuplot did not finish within %d s", PLOT_TIMEOUT_MS / 1000);
			break;
		}
		char buf[8192];
		if (ii >= 0 && (pf[ii].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in[1], script + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == len) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (io >= 0 && (pf[io].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(po[0], buf, sizeof buf);
			if (r > 0)
				sbuf_putn(out, buf, (size_t)r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				open_out = 0;
		}
		if (ie >= 0 && (pf[ie].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(pe[0], buf, sizeof buf);
			if (r > 0)
				sbuf_putn(errb, buf, (size_t)r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				open_err = 0;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err && *err)
		goto out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		err_set(err, "could not run %s", gnuplot_cmd());
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* gnuplot's own message: the last non-empty line */
		const char *m = errb->s ? errb->s : "";
		char *last = NULL;
		for (char *q = errb->s; q && *q; q++)
			if (*q == '\n' && q[1] && q[1] != '\n')
				last = q + 1;
		err_set(err, "gnuplot failed: %.200s", last ? last : m);
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return rc;
}

int
plot_render(const struct plot *pl, int w, int h, char **text, char **err)
{
	struct sbuf sc, out, eb;
	char term[64];
	int rc;

	*text = NULL;
	if (w < 20 || h < 6)
		return err_set(err, "the pane is too small for a plot (%dx%d)", w, h);
	sbuf_init(&sc);
	sbuf_init(&out);
	sbuf_init(&eb);
	snprintf(term, sizeof term, "dumb size %d,%d", w, h);
	plot_script(pl, term, NULL, &sc);
	rc = sc.oom ? err_set(err, "out of memory") :
	    run_gnuplot(sc.s, sc.len, &out, &eb, err);
	if (rc == 0) {
		/* dumb starts with a form feed */
		if (out.s && out.s[0] == '\f')
			memmove(out.s, out.s + 1, out.len--);
		*text = out.s ? sbuf_detach(&out) : str_dup("");
		if (*text == NULL)
			rc = err_set(err, "out of memory");
	}
	sbuf_free(&sc);
	sbuf_free(&out);
	sbuf_free(&eb);
	return rc;
}

int
plot_export(const struct plot *pl, const char *path, int svg, char **err)
{
	struct sbuf sc, out, eb;
	struct stat sb;
	int rc;

	sbuf_init(&sc);
	sbuf_init(&out);
	sbuf_init(&eb);
	/* pngcairo draws anti-aliased text; plain png (libgd) is the fallback */
	plot_script(pl, svg ? "svg size 960,640 dynamic enhanced" :
	    "pngcairo size 1280,800 enhanced", path, &sc);
	rc = sc.oom ? err_set(err, "out of memory") : run_gnuplot(sc.s, sc.len, &out, &eb, err);
	if (rc != 0 && !svg && eb.s && strstr(eb.s, "pngcairo")) {
		free(*err);
		*err = NULL;
		sc.len = out.len = eb.len = 0;
		plot_script(pl, "png size 1280,800", path, &sc);
		rc = run_gnuplot(sc.s, sc.len, &out, &eb, err);
	}
	if (rc == 0 && (stat(path, &sb) != 0 || sb.st_size == 0))
		rc = err_set(err, "gnuplot wrote nothing to %s", path);
	sbuf_free(&sc);
	sbuf_free(&out);
	sbuf_free(&eb);
	return rc;
}
