/*
 * screen_models.c — the models screen: every registered version of every
 * model (name@version, the aliases naming it, which live servers serve
 * it now, its run, algorithm, task, dataset, registration time), and
 * below it the serving processes recorded in the project with their live
 * status.
 *
 * From a version: Enter opens its detail (schemas, input example,
 * aliases and their history); `a` moves an alias to it; `d` deploys it —
 * moves an alias and starts `lathe serve` for NAME@ALIAS unless a live
 * server already serves that reference (which then switches to the new
 * version by itself within a second); `r` opens its run.  Tab moves the
 * cursor to the servers panel, where `x` stops a server started from this
 * workbench (marked `*`).
 *
 * Live status: while the screen is on top it gets a tick about once a
 * second (EV_TICK); each tick re-checks which recorded servers still have
 * a process, and reads every live server's GET /metrics over loopback
 * (httpget.h, 300 ms at most each): the versions they have loaded,
 * requests per second, requests and errors so far, and p50/p99 latency
 * of the last ten seconds (promscrape.h).  Nothing is read from a server
 * while another screen is on top.
 *
 * Sizes: tens of versions, a few servers; a tick costs one HTTP request
 * per live server (~1 ms each on loopback) and no project query (servers
 * appear and stop through the project's data_version, like every screen).
 */
#include "app.h"
#include "deploy.h"
#include "httpget.h"
#include "modellist.h"
#include "promscrape.h"
#include "serverproc.h"
#include "tabview.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { C_REF, C_LATEST, C_ALIASES, C_SERVED, C_RUN, C_ALGO, C_TASK, C_DATASET, C_CREATED,
	C_N };

#define NLIVE		16	/* live servers read at once */
#define SCRAPE_MS	300

/* What the last reads of one live server said. */
struct live {
	int64_t			 id;		/* server id; 0: slot free */
	struct prom_window	 w;
	struct prom_scrape	 last;
	int			 have;		/* last holds a good read */
	char			 err[160];	/* the last read failed: why */
};

struct smodels {
	struct screen		 base;
	struct app		*app;
	struct tabview		 tv;		/* the versions */
	struct mlist		*ml;
	struct listnav		 snav;		/* the servers panel's cursor */
	int			 focus;		/* 1: the servers panel has it */
	int			 table_h;	/* body rows of the versions, as drawn */
	int			 panel_y;	/* body row of the first server row */
	int			 panel_rows;
	struct live		 live[NLIVE];
	struct deploy_flow	 flow;
	long			 stop_pid;	/* the server a stop question is about */
	int64_t			 stop_id;
};

/* A stable key for name@version, so the cursor stays on its row. */
static int64_t
version_key(const char *name, int version)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return (int64_t)(((h << 20) ^ (uint64_t)version) & INT64_MAX);
}

static const struct mversion *
cur_version(const struct smodels *s)
{
	long r = tabview_row(&s->tv);
	return r < 0 || s->ml == NULL || (size_t)r >= s->ml->nv ? NULL : &s->ml->v[r];
}

static const struct mserver *
cur_server(const struct smodels *s)
{
	if (s->ml == NULL || s->snav.cur >= s->ml->ns)
		return NULL;
	return &s->ml->s[s->snav.cur];
}

static struct live *
live_of(struct smodels *s, int64_t id)
{
	for (size_t i = 0; i < NLIVE; i++)
		if (s->live[i].id == id)
			return &s->live[i];
	return NULL;
}

/* Forget what was read from servers that are no longer live. */
static void
prune_live(struct smodels *s)
{
	for (size_t i = 0; i < NLIVE; i++) {
		int64_t id = s->live[i].id;
		int keep = 0;
		for (size_t k = 0; id && s->ml && k < s->ml->ns; k++)
			keep |= s->ml->s[k].id == id && s->ml->s[k].state == SRV_LIVE;
		if (id && !keep)
			memset(&s->live[i], 0, sizeof s->live[i]);
	}
}

/* Put the servers cursor on server id (if listed). */
static void
focus_server(struct smodels *s, int64_t id)
{
	for (size_t k = 0; s->ml && k < s->ml->ns; k++)
		if (s->ml->s[k].id == id) {
			s->snav.cur = k;
			break;
		}
	nav_count(&s->snav, s->ml ? s->ml->ns : 0, (size_t)(s->panel_rows > 0 ? s->panel_rows : 1));
}

static int
reload(struct smodels *s, struct app *a)
{
	static const char *const names[C_N] = { "VERSION", "", "ALIASES", "SERVED BY", "RUN",
		"ALGO", "TASK", "DATASET", "REGISTERED" };
	static const unsigned flags[C_N] = { 0, 0, 0, 0, TC_NUM | TC_RIGHT, 0, 0, 0, 0 };
	struct mlist *ml = NULL;
	struct tab *t = NULL;
	char *err = NULL, buf[200];
	const struct mserver *cs = cur_server(s);
	int64_t cur_id = cs ? cs->id : 0;

	if (mlist_load(a->p, serverproc_alive, &ml, &err) != 0) {
		app_err(a, err);
		return -1;
	}
	if ((t = tab_new(C_N)) == NULL)
		goto oom;
	for (size_t j = 0; j < C_N; j++)
		if (tab_col(t, j, names[j], flags[j]) != 0)
			goto oom;
	for (size_t i = 0; i < ml->nv; i++) {
		const struct mversion *v = &ml->v[i];
		long r = tab_add_row(t, version_key(v->name, v->version));
		if (r < 0)
			goto oom;
		size_t ro = (size_t)r;
		snprintf(buf, sizeof buf, "%s@%d", v->name, v->version);
		if (tab_set(t, ro, C_REF, buf) || tab_set(t, ro, C_LATEST, v->latest ? "latest" : "") ||
		    tab_set(t, ro, C_ALIASES, v->aliases) ||
		    tab_set_num(t, ro, C_RUN, (double)v->run_id, NULL) ||
		    tab_set(t, ro, C_ALGO, v->algo) || tab_set(t, ro, C_TASK, v->task) ||
		    tab_set(t, ro, C_DATASET, v->dataset) || tab_set(t, ro, C_CREATED, v->created))
			goto oom;
	}
	if (tab_finish(t) != 0)
		goto oom;
	t->cols[C_SERVED].width = 12;
	if (tabview_set(&s->tv, t, s->base.filter) != 0) {
		t = NULL;
		goto oom;
	}
	t = NULL;
	mlist_free(s->ml);
	s->ml = ml;
	ml = NULL;
	focus_server(s, cur_id);
	if (s->ml->ns == 0)
		s->focus = 0;
	prune_live(s);
	return 0;
oom:
	app_msg(a, MSG_ERROR, "out of memory reading the models");
	tab_free(t);
	mlist_free(ml);
	return -1;
}

/* Read /metrics of every live server (at most NLIVE). */
static void
scrape(struct smodels *s)
{
	struct prom_scrape sc;
	char url[300];
	for (size_t k = 0; s->ml && k < s->ml->ns; k++) {
		const struct mserver *sv = &s->ml->s[k];
		struct live *l;
		struct sbuf body;
		char *err = NULL;
		int status = 0;
		if (sv->state != SRV_LIVE)
			continue;
		if ((l = live_of(s, sv->id)) == NULL) {
			if ((l = live_of(s, 0)) == NULL)
				break;
			memset(l, 0, sizeof *l);
			l->id = sv->id;
		}
		sbuf_init(&body);
		snprintf(url, sizeof url, "%s/metrics", sv->address);
		if (http_get(url, SCRAPE_MS, &body, &status, &err) != 0) {
			snprintf(l->err, sizeof l->err, "%s", err ? err : "?");
		} else if (status != 200) {
			snprintf(l->err, sizeof l->err, "HTTP %d%s", status, status == 401 ?
			    " (the server wants a bearer token)" : "");
		} else if (prom_parse(body.s ? body.s : "", body.len, time_mono(), &sc, &err) != 0) {
			snprintf(l->err, sizeof l->err, "%s", err ? err : "?");
		} else {
			l->last = sc;
			l->have = 1;
			l->err[0] = '\0';
			prom_window_push(&l->w, &sc.total);
		}
		free(err);
		sbuf_free(&body);
	}
}

/* Once a second: report server starts, notice processes that went away,
 * read the live ones. */
static void
tick(struct smodels *s, struct app *a)
{
	deploy_report_starts(a);
	if (s->ml == NULL)
		return;
	int changed = 0;
	for (size_t k = 0; k < s->ml->ns; k++) {
		struct mserver *sv = &s->ml->s[k];
		if (sv->stopped)
			continue;
		enum srv_state st = serverproc_alive(sv->pid) ? SRV_LIVE : SRV_GONE;
		changed |= st != sv->state;
		sv->state = st;
	}
	if (changed) {
		const struct mserver *cs = cur_server(s);
		int64_t id = cs ? cs->id : 0;
		mlist_sort_servers(s->ml);
		focus_server(s, id);
		prune_live(s);
	}
	scrape(s);
}

/* Seconds as "245µs", "1.2ms", "1.5s"; NaN as "-". */
static char *
fmt_latency(char *buf, size_t n, double sec)
{
	char num[32];
	if (isnan(sec))
		snprintf(buf, n, "-");
	else if (sec < 1e-3)
		snprintf(buf, n, "%s%s", text_num(num, sizeof num, sec * 1e6, 3),
		    text_utf8 ? "µs" : "us");
	else if (sec < 1)
		snprintf(buf, n, "%sms", text_num(num, sizeof num, sec * 1e3, 3));
	else
		snprintf(buf, n, "%ss", text_num(num, sizeof num, sec, 3));
	return buf;
}

/* The servers serving name@version now (from their /metrics): "#3 #5". */
static const char *
served_cell(void *ctx, size_t row, size_t col, char *buf, size_t n, int *attr)
{
	struct smodels *s = ctx;
	if (col != C_SERVED || s->ml == NULL || row >= s->ml->nv)
		return NULL;
	const struct mversion *v = &s->ml->v[row];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NLIVE; i++) {
		const struct live *l = &s->live[i];
		if (!l->id || !l->have)
			continue;
		for (size_t k = 0; k < l->last.nm; k++)
			if (l->last.m[k].version == v->version && strcmp(l->last.m[k].name, v->name) == 0 &&
			    o + 24 < n) {
				o += (size_t)snprintf(buf + o, n - o, "%s#%lld", o ? " " : "",
				    (long long)l->id);
				break;
			}
	}
	if (o)
		*attr = draw_attr(ROLE_GOOD);
	return buf;
}

/* Cells of server k for the panel. */
enum { S_MINE, S_ID, S_STATE, S_ADDR, S_SERVING, S_RPS, S_REQ, S_ERR, S_P50, S_P99, S_N };

static void
server_cells(struct smodels *s, size_t k, int narrow, char cells[S_N][200])
{
	const struct mserver *sv = &s->ml->s[k];
	const struct live *l = sv->state == SRV_LIVE ? live_of(s, sv->id) : NULL;
	size_t o = 0;
	for (int j = 0; j < S_N; j++)
		cells[j][0] = '\0';
	snprintf(cells[S_MINE], 200, "%s", serverproc_mine(sv->pid) ? "*" : "");
	snprintf(cells[S_ID], 200, "%lld", (long long)sv->id);
	snprintf(cells[S_STATE], 200, "%s", srv_state_name(sv->state));
	snprintf(cells[S_ADDR], 200, "%s", narrow && strncmp(sv->address, "http://", 7) == 0 ?
	    sv->address + 7 : sv->address);
	if (l && l->have) {
		for (size_t i = 0; i < l->last.nm && o < 180; i++) {
			const struct prom_model *m = &l->last.m[i];
			o += (size_t)snprintf(cells[S_SERVING] + o, 200 - o, "%s%s v%d%s",
			    i ? ", " : "", m->ref[0] ? m->ref : m->name, m->version,
			    m->load_failed ? " (newer failed to load)" : "");
		}
		double r = prom_window_rate(&l->w);
		if (isnan(r))
			snprintf(cells[S_RPS], 200, "-");
		else
			snprintf(cells[S_RPS], 200, "%.1f", r);
		snprintf(cells[S_REQ], 200, "%.0f", l->last.total.requests);
		snprintf(cells[S_ERR], 200, "%.0f", l->last.total.errors);
		fmt_latency(cells[S_P50], 200, prom_window_quantile(&l->w, 0.5));
		fmt_latency(cells[S_P99], 200, prom_window_quantile(&l->w, 0.99));
	} else {
		for (size_t i = 0; i < sv->nrefs && o < 180; i++)
			o += (size_t)snprintf(cells[S_SERVING] + o, 200 - o, "%s%s", i ? ", " : "",
			    sv->refs[i]);
	}
	if (l && l->err[0] && o < 150)
		snprintf(cells[S_SERVING] + o, 200 - o, "%s/metrics: %s", o ? "  " : "", l->err);
}

struct scol {
	const char	*name;
	int		 w;		/* 0: takes the rest */
	int		 right;
};

static void
draw_servers(struct smodels *s, struct app *a, int y, int h)
{
	static const struct scol wide[S_N] = { { "", 1, 0 }, { "ID", 3, 1 }, { "STATE", 7, 0 },
		{ "ADDRESS", 22, 0 }, { "SERVING", 0, 0 }, { "REQ/S", 7, 1 }, { "REQUESTS", 9, 1 },
		{ "ERRORS", 7, 1 }, { "P50", 8, 1 }, { "P99", 8, 1 } };
	static const struct scol narrow[S_N] = { { "", 1, 0 }, { "ID", 2, 1 }, { "STATE", 7, 0 },
		{ "ADDRESS", 15, 0 }, { "SERVING", 0, 0 }, { "REQ/S", 6, 1 }, { "REQS", 6, 1 },
		{ "ERRS", 5, 1 }, { "P50", 7, 1 }, { "P99", 7, 1 } };
	int nar = a->cols < 110;
	const struct scol *sc = nar ? narrow : wide;
	char cells[S_N][200], title[400];
	size_t ns = s->ml ? s->ml->ns : 0, o = 0;

	/* title: counts, and starts still settling */
	o += (size_t)snprintf(title + o, sizeof title - o, "servers  %zu live", s->ml ?
	    mlist_nlive(s->ml) : 0);
	for (size_t i = 0; i < serverproc_count() && o < sizeof title - 80; i++) {
		const struct serverproc *sp = serverproc_at(i);
		if (sp->state == SP_STARTING)
			o += (size_t)snprintf(title + o, sizeof title - o, "  starting %s (pid %ld)%s",
			    sp->ref, (long)sp->pid, text_utf8 ? "…" : "...");
	}
	if (o < sizeof title - 60)
		snprintf(title + o, sizeof title - o, "   %s", s->focus ? "(Tab: back to the versions)" :
		    ns ? "(Tab: select a server; * started here)" : "");
	draw_fill(y, 0, AN);
	draw_text(y, 0, a->cols, title, draw_attr(ROLE_TITLE) | (s->focus ? A_UNDERLINE : 0));
	if (h < 3)
		return;
	int rest = a->cols;
	for (int j = 0; j < S_N; j++)
		rest -= sc[j].w + (j ? 1 : 0);
	if (rest < 8)
		rest = 8;
	int x = 0;
	draw_fill(y + 1, 0, draw_attr(ROLE_COLHEAD));
	for (int j = 0; j < S_N && x < a->cols; j++) {
		int w = sc[j].w ? sc[j].w : rest;
		draw_cell(y + 1, x, w < a->cols - x ? w : a->cols - x, sc[j].name, sc[j].right,
		    draw_attr(ROLE_COLHEAD));
		x += w + 1;
	}
	if (ns == 0) {
		draw_text(y + 2, 2, a->cols - 4, "no servers recorded: d deploys the version under "
		    "the cursor (moves an alias, starts lathe serve)", draw_attr(ROLE_DIM));
		return;
	}
	nav_count(&s->snav, ns, (size_t)(s->panel_rows > 0 ? s->panel_rows : 1));
	for (int i = 0; i < s->panel_rows; i++) {
		size_t k = s->snav.top + (size_t)i;
		if (k >= ns)
			break;
		const struct mserver *sv = &s->ml->s[k];
		int sel = s->focus && k == s->snav.cur;
		int base = sel ? draw_attr(ROLE_SEL) : sv->state == SRV_STOPPED ? draw_attr(ROLE_DIM) :
		    AN;
		server_cells(s, k, nar, cells);
		if (sel)
			draw_fill(y + 2 + i, 0, base);
		x = 0;
		for (int j = 0; j < S_N && x < a->cols; j++) {
			int w = sc[j].w ? sc[j].w : rest, attr = base;
			if (!sel && j == S_STATE)
				attr = sv->state == SRV_LIVE ? draw_attr(ROLE_GOOD) :
				    sv->state == SRV_GONE ? draw_attr(ROLE_ERROR) : base;
			if (!sel && j == S_MINE)
				attr = draw_attr(ROLE_MARK);
			draw_cell(y + 2 + i, x, w < a->cols - x ? w : a->cols - x, cells[j],
			    sc[j].right, attr);
			x += w + 1;
		}
	}
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct smodels *s = (struct smodels *)sc;
	size_t ns = s->ml ? s->ml->ns : 0;
	int want = 2 + (ns ? (int)ns : 1), cap = h / 2 > 4 ? h / 2 : 4;
	int ph = want < cap ? want : cap;
	int th = h - ph - 1;
	if (th < 3) {		/* a tiny terminal: the versions first */
		th = h;
		ph = 0;
	}
	s->table_h = th;
	tabview_draw(&s->tv, y0, th, a->cols);
	if (s->tv.t && s->tv.t->nrows == 0)
		draw_text(y0 + 2, 2, a->cols - 4, "No registered models yet: register a finished run "
		    "with :model register RUN --name NAME (the runs screen lists them).",
		    draw_attr(ROLE_TITLE));
	/* where the server rows are, for the cursor and for clicks */
	s->panel_y = th + 3;
	s->panel_rows = ph - 2 > 0 ? ph - 2 : 0;
	if (ph > 0)
		draw_servers(s, a, y0 + th + 1, ph);
}

static void
stop_confirmed(struct app *a, void *ctx, int key)
{
	struct smodels *s = ctx;
	char *err = NULL;
	(void)key;
	if (serverproc_stop(s->stop_pid, &err) != 0)
		app_err(a, err);
	else
		app_msg(a, MSG_INFO, "stopping server %lld (pid %ld): it finishes the requests in "
		    "flight and records its end", (long long)s->stop_id, s->stop_pid);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct smodels *s = (struct smodels *)sc;
	char *err = NULL, q[400];
	if (s->focus) {
		if (nav_move(&s->snav, act, (size_t)(s->panel_rows > 0 ? s->panel_rows : 1)))
			return R_HANDLED | R_REDRAW;
	} else {
		unsigned r = tabview_action(&s->tv, a, act);
		if (r)
			return r;
	}
	const struct mversion *v = cur_version(s);
	const struct mserver *sv = cur_server(s);
	switch (act) {
	case ACT_FOCUS:
		if (s->ml == NULL || s->ml->ns == 0) {
			app_msg(a, MSG_INFO, "no servers yet: d deploys the version under the cursor");
			return R_HANDLED | R_REDRAW;
		}
		s->focus = !s->focus;
		return R_HANDLED | R_REDRAW;
	case ACT_OPEN:
		if (v) {
			struct screen *d = screen_model_new(a, v->name, v->version, &err);
			if (d)
				app_push(a, d);
			else
				app_err(a, err);
		}
		return R_HANDLED | R_REDRAW;
	case ACT_DEPLOY:
	case ACT_ALIAS:
		if (v)
			deploy_begin(a, &s->flow, v->name, v->version, act == ACT_DEPLOY);
		return R_HANDLED | R_REDRAW;
	case ACT_SHOW_RUN:
		if (v) {
			struct screen *d = screen_run_new(a, v->run_id, &err);
			if (d)
				app_push(a, d);
			else
				app_err(a, err);
		}
		return R_HANDLED | R_REDRAW;
	case ACT_CANCEL:
		if (!s->focus || sv == NULL) {
			app_msg(a, MSG_INFO, "Tab to the servers panel, then x stops the server "
			    "under the cursor");
		} else if (sv->state != SRV_LIVE) {
			app_msg(a, MSG_ERROR, "server %lld is not running (%s)", (long long)sv->id,
			    srv_state_name(sv->state));
		} else if (!serverproc_mine(sv->pid)) {
			app_msg(a, MSG_ERROR, "server %lld was not started from this workbench: stop it "
			    "where it runs (or kill -TERM %ld)", (long long)sv->id, sv->pid);
		} else {
			s->stop_pid = sv->pid;
			s->stop_id = sv->id;
			snprintf(q, sizeof q, "stop server %lld at %s (pid %ld)? y stops it, Esc keeps "
			    "it", (long long)sv->id, sv->address, sv->pid);
			app_confirm(a, q, "y", stop_confirmed, s);
		}
		return R_HANDLED | R_REDRAW;
	default:
		return 0;
	}
}

static int
can(const struct screen *sc, enum action act)
{
	const struct smodels *s = (const struct smodels *)sc;
	const struct mserver *sv = cur_server(s);
	switch (act) {
	case ACT_OPEN:
	case ACT_DEPLOY:
	case ACT_ALIAS:
	case ACT_SHOW_RUN:
		return !s->focus && cur_version(s) != NULL;
	case ACT_FOCUS:
		return s->ml && s->ml->ns > 0;
	case ACT_CANCEL:
		return s->focus && sv && sv->state == SRV_LIVE && serverproc_mine(sv->pid);
	default:
		return 1;
	}
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	struct smodels *s = (struct smodels *)sc;
	if (ev == EV_DATA) {
		reload(s, a);
		return R_REDRAW;
	}
	if (ev == EV_TICK) {
		tick(s, a);
		return R_REDRAW;
	}
	return 0;
}

static unsigned
on_filter(struct screen *sc, struct app *a, const char *text, int final)
{
	(void)final;
	return tabview_filter(&((struct smodels *)sc)->tv, a, text);
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct smodels *s = (struct smodels *)sc;
	if (y < s->table_h) {
		s->focus = 0;
		unsigned r = tabview_click(&s->tv, y, x);
		if (dbl && y > 0)
			r |= on_action(sc, a, ACT_OPEN);
		return r | R_REDRAW;
	}
	int k = y - s->panel_y;
	if (s->ml && k >= 0 && k < s->panel_rows && s->snav.top + (size_t)k < s->ml->ns) {
		s->focus = 1;
		nav_goto(&s->snav, s->snav.top + (size_t)k, (size_t)s->panel_rows);
		return R_HANDLED | R_REDRAW;
	}
	return R_HANDLED;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct smodels *s = (const struct smodels *)sc;
	if (s->ml == NULL) {
		snprintf(buf, n, "no models");
		return;
	}
	size_t nm = mlist_nmodels(s->ml), nl = mlist_nlive(s->ml);
	size_t o = (size_t)snprintf(buf, n, "%zu model%s, %zu version%s, %zu server%s live", nm,
	    nm == 1 ? "" : "s", s->ml->nv, s->ml->nv == 1 ? "" : "s", nl, nl == 1 ? "" : "s");
	if (s->tv.t && s->tv.t->nmatch != s->tv.t->nrows && o < n)
		snprintf(buf + o, n - o, " (%zu match)", s->tv.t->nmatch);
}

static void
destroy(struct screen *sc)
{
	struct smodels *s = (struct smodels *)sc;
	tabview_free(&s->tv);
	mlist_free(s->ml);
	free(s);
}

static const struct screen_class models_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "models",
	.id = SCR_MODELS,
	.draw = draw,
	.on_action = on_action,
	.can = can,
	.on_event = on_event,
	.context = context,
	.on_filter = on_filter,
	.on_click = on_click,
	.destroy = destroy,
};

struct screen *
screen_models_new(struct app *a)
{
	struct smodels *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->base.cls = &models_class;
	s->base.ticks = 1;
	s->app = a;
	text_copy(s->base.title, sizeof s->base.title, "Models");
	tabview_init(&s->tv);
	s->tv.cell = served_cell;
	s->tv.ctx = s;
	if (reload(s, a) != 0 && s->tv.t == NULL &&
	    tabview_set_empty(&s->tv, C_N) != 0) {
		free(s);
		return NULL;
	}
	scrape(s);	/* the numbers at once, not a second later */
	return &s->base;
}
