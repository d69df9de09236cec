/*
 * screen_runs.c — the runs table: id, status, live progress, experiment,
 * dataset@version, recipe@version, algorithm, target, the parameters that
 * vary between runs, the key metrics, duration and creation time.  Sort
 * by any column (metrics best first), filter as you type, group by
 * experiment, mark runs with Space and compare them, cancel, re-run,
 * re-run and verify, plot learning curves, and start a new run from the
 * one under the cursor.
 *
 * Speed: every run is read in three statements (runs_query.h) and held
 * in a struct tab; sorting and filtering work on that table in memory,
 * so 10,000 runs draw their first screen in well under 100 ms and each
 * key costs a few milliseconds (bench/bench_tui.sh measures both).
 *
 * Live: a run training in a child of this workbench shows its iteration,
 * loss, time left and a loss sparkline in the PROGRESS column, redrawn as
 * the child reports; runs started elsewhere appear when the project file
 * changes (the frame watches it).
 */
#include "app.h"
#include "plot.h"
#include "tabview.h"
#include "train/metrics.h"
#include "train/runs_query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { C_ID, C_STATUS, C_PROGRESS, C_EXP, C_DATASET, C_RECIPE, C_ALGO, C_TARGET, C_ON,
	C_FIXED };

struct sruns {
	struct screen	 base;
	struct tabview	 tv;
	struct app	*app;
	int		 all;		/* every parameter and metric column */
	int		 archived;	/* archived runs shown too */
	size_t		 nhidden;	/* archived runs not shown */
	int		 complete;	/* every run is loaded (not just the newest) */
	size_t		 ncols;
	size_t		 c_time, c_created;
	double		 load_ms;
};

/* Metrics shown first, in this order, when present. */
static const char *const preferred[] = { "accuracy", "f1_macro", "roc_auc", "log_loss", "r2",
	"rmse", "mae", "inertia", "silhouette" };

static unsigned
metric_flags(const char *name)
{
	const struct metrics_info *mi = metrics_lookup(name);
	unsigned f = TC_NUM | TC_RIGHT;
	if (mi)
		f |= mi->higher_is_better ? TC_HIGH : TC_LOW;
	return f;
}

/* Read the runs into the table: all of them (limit 0), or only the
 * newest `limit` for a quick first screen (the rest follow when the
 * keyboard is quiet, or before any key that needs them). */
static int
reload(struct sruns *s, struct app *a, size_t limit)
{
	struct runs_list *l = NULL;
	struct tab *t = NULL;
	char *err = NULL, buf[64];
	long *pcol = NULL, *mcol = NULL;
	unsigned char *pvary = NULL, *mhave = NULL;
	const char **pfirst = NULL;
	int rc = -1;
	double t0 = time_mono();

	run_reap_dead(a->p, NULL, NULL);
	if ((limit ? runs_query_recent(a->p, limit, &l, &err) : runs_query(a->p, &l, &err)) != 0) {
		app_err(a, err);
		return -1;
	}
	s->complete = limit == 0;
	s->base.idle = limit != 0;
	s->nhidden = 0;
	size_t nn = l->nnames ? l->nnames : 1;
	pcol = calloc(nn, sizeof *pcol);
	mcol = calloc(nn, sizeof *mcol);
	pvary = calloc(nn, 1);
	mhave = calloc(nn, 1);
	pfirst = calloc(nn, sizeof *pfirst);
	if (!pcol || !mcol || !pvary || !mhave || !pfirst)
		goto oom;
	/* which parameters vary, which metrics exist */
	unsigned char *pseen = calloc(nn, 1);
	if (pseen == NULL)
		goto oom;
	for (size_t i = 0; i < l->nparams; i++) {
		const struct runs_param *p = &l->params[i];
		if (!pseen[p->name]) {
			pseen[p->name] = 1;
			pfirst[p->name] = p->text;
		} else if (!pvary[p->name] && strcmp(pfirst[p->name], p->text) != 0) {
			pvary[p->name] = 1;
		}
	}
	for (size_t i = 0; i < l->nmetrics; i++)
		mhave[l->metrics[i].name] = 1;
	/* columns */
	size_t nc = C_FIXED;
	for (size_t k = 0; k < l->nnames; k++) {
		pcol[k] = mcol[k] = -1;
		if (pseen[k] && (pvary[k] || s->all))
			pcol[k] = (long)nc++;
	}
	size_t first_metric = nc;
	for (size_t q = 0; q < ARRAY_LEN(preferred); q++) {
		long k = runs_name_index(l, preferred[q]);
		if (k >= 0 && mhave[k])
			mcol[k] = (long)nc++;
	}
	if (s->all)
		for (size_t k = 0; k < l->nnames; k++)
			if (mhave[k] && mcol[k] < 0)
				mcol[k] = (long)nc++;
	free(pseen);
	s->c_time = nc++;
	s->c_created = nc++;
	if ((t = tab_new(nc)) == NULL)
		goto oom;
	static const char *const fixed[C_FIXED] = { "ID", "STATUS", "PROGRESS", "EXPERIMENT",
		"DATASET", "RECIPE", "ALGO", "TARGET", "ON" };
	for (size_t j = 0; j < C_FIXED; j++)
		tab_col(t, j, fixed[j], j == C_ID ? TC_NUM | TC_RIGHT : 0);
	for (size_t k = 0; k < l->nnames; k++) {
		if (pcol[k] >= 0)
			tab_col(t, (size_t)pcol[k], l->names[k], 0);
		if (mcol[k] >= 0)
			tab_col(t, (size_t)mcol[k], l->names[k], metric_flags(l->names[k]));
	}
	tab_col(t, s->c_time, "TIME", TC_NUM | TC_RIGHT);
	tab_col(t, s->c_created, "CREATED", 0);
	(void)first_metric;
	/* rows, newest first */
	for (size_t i = l->n; i-- > 0;) {
		const struct runs_row *r = &l->rows[i];
		if (r->archived && !s->archived) {
			s->nhidden++;
			continue;
		}
		long row = tab_add_row(t, r->id);
		if (row < 0)
			goto oom;
		size_t ro = (size_t)row;
		snprintf(buf, sizeof buf, "%lld", (long long)r->id);
		tab_set_num(t, ro, C_ID, (double)r->id, buf);
		if (r->archived) {
			snprintf(buf, sizeof buf, "%s, archived", run_status_name(r->status));
			tab_set(t, ro, C_STATUS, buf);
		} else {
			tab_set(t, ro, C_STATUS, run_status_name(r->status));
		}
		tab_set(t, ro, C_EXP, r->experiment);
		tab_set(t, ro, C_DATASET, r->dataset);
		tab_set(t, ro, C_RECIPE, r->recipe);
		tab_set(t, ro, C_ALGO, r->algo);
		tab_set(t, ro, C_TARGET, r->target);
		/* what the metrics were measured on: "cv" (means ± std over the
		 * folds), "test", or "train!" — the rows the model learnt from */
		tab_set(t, ro, C_ON, strcmp(r->split, "train") == 0 &&
		    (strcmp(r->task, "classification") == 0 || strcmp(r->task, "regression") == 0) ?
		    "train!" : r->split);
		for (size_t k = 0; k < r->np; k++) {
			const struct runs_param *p = &l->params[r->p0 + k];
			if (pcol[p->name] < 0)
				continue;
			if (isnan(p->num))
				tab_set(t, ro, (size_t)pcol[p->name], p->text);
			else
				tab_set_num(t, ro, (size_t)pcol[p->name], p->num, p->text);
		}
		for (size_t k = 0; k < r->nm; k++) {
			const struct runs_metric *m = &l->metrics[r->m0 + k];
			if (mcol[m->name] < 0 || isnan(m->value))
				continue;
			if (!isnan(m->std) && fabs(m->value) < 1e5)
				snprintf(buf, sizeof buf, "%.4f ± %.4f", m->value, m->std);
			else if (!isnan(m->std))
				snprintf(buf, sizeof buf, "%.4g ± %.2g", m->value, m->std);
			else if (fabs(m->value) < 1e5)
				snprintf(buf, sizeof buf, "%.4f", m->value);
			else
				snprintf(buf, sizeof buf, "%.4g", m->value);
			tab_set_num(t, ro, (size_t)mcol[m->name], m->value, buf);
		}
		if (!isnan(r->duration))
			tab_set_num(t, ro, s->c_time, r->duration,
			    text_duration(buf, sizeof buf, r->duration));
		tab_set(t, ro, s->c_created, r->created);
	}
	/* numeric parameter columns sort by value */
	for (size_t k = 0; k < l->nnames; k++)
		if (pcol[k] >= 0) {
			int num = 1;
			for (size_t r = 0; r < t->nrows && num; r++) {
				const char *c = tab_cell(t, r, (size_t)pcol[k]);
				if (*c && isnan(tab_num(t, r, (size_t)pcol[k])))
					num = 0;
			}
			if (num)
				t->cols[pcol[k]].flags |= TC_NUM | TC_RIGHT;
		}
	if (tab_finish(t) != 0)
		goto oom;
	t->cols[C_PROGRESS].width = 44;
	s->ncols = nc;
	tabview_set(&s->tv, t, s->base.filter);
	t = NULL;
	/* the PROGRESS column only while something trains */
	if ((s->tv.hidden = calloc(nc, 1)) != NULL)
		s->tv.hidden[C_PROGRESS] = jobs_training(&a->jobs) == 0;
	s->load_ms = (time_mono() - t0) * 1000;
	rc = 0;
	goto out;
oom:
	app_msg(a, MSG_ERROR, "out of memory reading the runs");
out:
	tab_free(t);
	runs_list_free(l);
	free(pcol);
	free(mcol);
	free(pvary);
	free(mhave);
	free(pfirst);
	return rc;
}

static const char *
live_cell(void *ctx, size_t row, size_t col, char *buf, size_t n, int *attr)
{
	struct sruns *s = ctx;
	struct app *a = s->app;
	if (col != C_STATUS && col != C_PROGRESS)
		return NULL;
	struct job *j = jobs_find_run(&a->jobs, s->tv.t->keys[row]);
	if (j == NULL && col == C_PROGRESS && app_queued(a, s->tv.t->keys[row])) {
		*attr = draw_attr(ROLE_DIM);
		return "waiting for a free core";
	}
	if (j == NULL || j->done)
		return NULL;
	if (col == C_STATUS) {
		*attr = draw_attr(ROLE_WARN);
		return j->rp && j->rp->total > 0 ? "running" : "starting";
	}
	char eta[16] = "", spark[200], loss[32];
	double e = job_eta(j);
	if (!isnan(e))
		text_duration(eta, sizeof eta, e);
	text_sparkline(spark, sizeof spark, j->loss, j->nloss, 12);
	if (j->rp && j->rp->waiting) {
		/* the model is ready; another writer holds the lock: say who,
		 * short enough for the column ("waiting for the project lock
		 * held by pid N (cmd) (S s)" in full in the run detail) */
		const char *w = j->rp->waiting, *by = strstr(w, " held by ");
		snprintf(buf, n, "locked by %s", by ? by + 9 : w);
	} else if (j->rp && j->rp->total > 0)
		snprintf(buf, n, "%d/%d loss %s %s%s %s", j->rp->step, j->rp->total,
		    text_num(loss, sizeof loss, j->rp->loss, 3), eta[0] ? "ETA " : "", eta, spark);
	else
		snprintf(buf, n, "%s", j->cancelled ? "cancelling" : "loading data");
	*attr = draw_attr(ROLE_WARN);
	return buf;
}

static int
row_attr(void *ctx, size_t row)
{
	struct sruns *s = ctx;
	const char *st = tab_cell(s->tv.t, row, C_STATUS);
	/* prefixes: an archived run's status reads "failed, archived" */
	if (strncmp(st, "failed", 6) == 0)
		return draw_attr(ROLE_ERROR);
	if (strncmp(st, "cancelled", 9) == 0)
		return draw_attr(ROLE_DIM);
	if (strcmp(st, "running") == 0 || strcmp(st, "queued") == 0)
		return draw_attr(ROLE_WARN);
	return 0;
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct sruns *s = (struct sruns *)sc;
	if (s->tv.hidden)
		s->tv.hidden[C_PROGRESS] = jobs_training(&a->jobs) == 0 && a->npending == 0;
	/* the failed run under the cursor says why on the last line */
	long r = tabview_row(&s->tv);
	int errline = r >= 0 && strncmp(tab_cell(s->tv.t, (size_t)r, C_STATUS), "failed", 6) == 0;
	tabview_draw(&s->tv, y0, h - errline, a->cols);
	if (errline) {
		struct run_info ri;
		char ref[32];
		snprintf(ref, sizeof ref, "%lld", (long long)s->tv.t->keys[r]);
		if (run_load(a->p, ref, &ri, NULL) == 0) {
			draw_textf(y0 + h - 1, 0, a->cols, draw_attr(ROLE_ERROR), "run %s failed: %s", ref,
			    ri.error ? ri.error : "no reason recorded");
			run_info_clear(&ri);
		}
	}
	if (s->tv.t && s->tv.t->nrows == 0 && s->nhidden)
		draw_textf(y0 + 2, 2, a->cols - 4, draw_attr(ROLE_TITLE), "Every run is archived "
		    "(%zu): press A to show them.", s->nhidden);
	else if (s->tv.t && s->tv.t->nrows == 0)
		draw_text(y0 + 2, 2, a->cols - 4, "No runs yet: press t for the training form "
		    "(or 1 for the datasets, then t).", draw_attr(ROLE_TITLE));
}

static int64_t
cur_id(const struct sruns *s)
{
	long r = tabview_row(&s->tv);
	return r < 0 ? 0 : s->tv.t->keys[r];
}

static void
train_from(struct sruns *s, struct app *a)
{
	struct run_info ri;
	char ref[32];
	int64_t id = cur_id(s);
	struct train_preset pre = { .test_size = -1, .seed = -1 };
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (id && run_load(a->p, ref, &ri, NULL) == 0) {
		char rec[160];
		snprintf(rec, sizeof rec, "%s@%d", ri.recipe_name ? ri.recipe_name : "",
		    ri.recipe_version);
		pre.dataset = ri.dataset;
		pre.target = ri.target;
		pre.algo = ri.algo;
		pre.params_json = ri.params;
		pre.experiment = ri.experiment;
		pre.seed = (int64_t)ri.seed;
		pre.recipe = ri.recipe_name ? rec : NULL;
		app_push(a, screen_train_new(a, &pre));
		app_msg(a, MSG_INFO, "the form starts from run %lld's settings", (long long)id);
		run_info_clear(&ri);
		return;
	}
	app_push(a, screen_train_new(a, &pre));
}

static void
complete(struct sruns *s, struct app *a)
{
	if (!s->complete)
		reload(s, a, 0);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct sruns *s = (struct sruns *)sc;
	int64_t ids[256];
	char *err = NULL;
	complete(s, a);
	unsigned r = tabview_action(&s->tv, a, act);
	if (r)
		return r;
	int64_t id = cur_id(s);
	switch (act) {
	case ACT_OPEN: {
		long g = tabview_group(&s->tv);
		if (g >= 0) {
			tab_fold(s->tv.t, (size_t)g);
			tabview_refresh(&s->tv);
			return R_HANDLED | R_REDRAW;
		}
		if (id) {
			struct screen *d = screen_run_new(a, id, &err);
			if (d)
				app_push(a, d);
			else
				app_err(a, err);
		}
		return R_HANDLED | R_REDRAW;
	}
	case ACT_MARK: {
		long row = tabview_row(&s->tv);
		if (row >= 0) {
			tab_mark(s->tv.t, (size_t)row, !s->tv.t->marks[row]);
			nav_move(&s->tv.nav, ACT_DOWN, (size_t)(s->tv.page > 0 ? s->tv.page : 20));
		}
		return R_HANDLED | R_REDRAW;
	}
	case ACT_COMPARE: {
		size_t n = tab_marked(s->tv.t, ids, ARRAY_LEN(ids));
		if (n > ARRAY_LEN(ids))
			n = ARRAY_LEN(ids);
		if (n < 2) {
			app_msg(a, MSG_ERROR, "mark two or more runs with Space, then c compares them");
			return R_HANDLED | R_REDRAW;
		}
		struct screen *c = screen_compare_new(a, ids, n, &err);
		if (c)
			app_push(a, c);
		else
			app_err(a, err);
		return R_HANDLED | R_REDRAW;
	}
	case ACT_CANCEL: {
		struct job *j = app_queued(a, id) ? app_unqueue(a, id) : jobs_find_run(&a->jobs, id);
		if (j && !j->done) {
			jobs_cancel(j);
			app_msg(a, MSG_INFO, "cancelling run %lld ...", (long long)id);
		} else {
			app_msg(a, MSG_ERROR, "run %lld is not training in this workbench", (long long)id);
		}
		return R_HANDLED | R_REDRAW;
	}
	case ACT_RERUN:
	case ACT_VERIFY:
		if (id)
			app_rerun(a, id, act == ACT_VERIFY);
		return R_HANDLED | R_REDRAW;
	case ACT_TRAIN:
		train_from(s, a);
		return R_HANDLED | R_REDRAW;
	case ACT_GROUP:
		tab_group(s->tv.t, s->tv.t->group_col >= 0 ? -1 : C_EXP);
		tabview_refresh(&s->tv);
		app_msg(a, MSG_INFO, s->tv.t->group_col >= 0 ? "grouped by experiment (Enter on a "
		    "group folds it; E again ungroups)" : "not grouped");
		return R_HANDLED | R_REDRAW;
	case ACT_ARCHIVED:
		s->archived = !s->archived;
		reload(s, a, 0);
		app_msg(a, MSG_INFO, s->archived ? "archived runs shown" : "archived runs hidden");
		return R_HANDLED | R_REDRAW;
	case ACT_ALLCOLS:
		s->all = !s->all;
		reload(s, a, 0);
		app_msg(a, MSG_INFO, s->all ? "every parameter and metric" : "parameters that vary, "
		    "key metrics");
		return R_HANDLED | R_REDRAW;
	case ACT_PLOT: {
		size_t n = tab_marked(s->tv.t, ids, ARRAY_LEN(ids));
		if (n > ARRAY_LEN(ids))
			n = ARRAY_LEN(ids);
		if (n == 0 && id) {
			ids[0] = id;
			n = 1;
		}
		plot_push_run_curves(a, ids, n, "curves");
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static int
can(const struct screen *sc, enum action act)
{
	const struct sruns *s = (const struct sruns *)sc;
	int64_t id = cur_id(s);
	switch (act) {
	case ACT_OPEN:
	case ACT_MARK:
		return s->tv.t && s->tv.t->nview > 0;
	case ACT_COMPARE:
		return s->tv.t && tab_marked(s->tv.t, NULL, 0) >= 2;
	case ACT_CANCEL: {
		struct job *j = id ? jobs_find_run(&s->app->jobs, id) : NULL;
		return (j && !j->done) || (id && app_queued(s->app, id));
	}
	case ACT_GROUP:
	case ACT_SORT:
		return s->tv.t && s->tv.t->nrows > 0;
	default:
		return 1;
	}
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	struct sruns *s = (struct sruns *)sc;
	if (ev == EV_DATA || (ev == EV_IDLE && !s->complete))
		reload(s, a, 0);
	return R_REDRAW;
}

static unsigned
on_filter(struct screen *sc, struct app *a, const char *text, int final)
{
	(void)final;
	complete((struct sruns *)sc, a);
	return tabview_filter(&((struct sruns *)sc)->tv, a, text);
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct sruns *s = (struct sruns *)sc;
	complete(s, a);
	unsigned r = tabview_click(&s->tv, y, x);
	if (dbl && y > 0)
		r |= on_action(sc, a, ACT_OPEN);
	return r;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct sruns *s = (const struct sruns *)sc;
	const struct tab *t = s->tv.t;
	if (t == NULL) {
		snprintf(buf, n, "no runs");
		return;
	}
	size_t o = (size_t)snprintf(buf, n, "%zu run%s%s", t->nrows, t->nrows == 1 ? "" : "s",
	    s->complete ? "" : " (the newest; loading the rest)");
	if (t->nmatch != t->nrows && o < n)
		o += (size_t)snprintf(buf + o, n - o, " (%zu match)", t->nmatch);
	size_t nm = tab_marked(t, NULL, 0);
	if (nm && o < n)
		o += (size_t)snprintf(buf + o, n - o, "  %zu marked", nm);
	if (t->sort_col >= 0 && o < n)
		snprintf(buf + o, n - o, "  sorted by %s", t->cols[t->sort_col].name);
}

static void
destroy(struct screen *sc)
{
	struct sruns *s = (struct sruns *)sc;
	tabview_free(&s->tv);
	free(s);
}

static const struct screen_class runs_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "runs",
	.id = SCR_RUNS,
	.draw = draw,
	.on_action = on_action,
	.can = can,
	.on_event = on_event,
	.context = context,
	.on_filter = on_filter,
	.on_click = on_click,
	.destroy = destroy,
};

void
screen_runs_focus(struct screen *sc, int64_t id)
{
	if (sc == NULL || sc->cls != &runs_class)
		return;
	tabview_focus_key(&((struct sruns *)sc)->tv, id);
}

struct screen *
screen_runs_new(struct app *a)
{
	struct sruns *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->base.cls = &runs_class;
	s->app = a;
	text_copy(s->base.title, sizeof s->base.title, "Runs");
	tabview_init(&s->tv);
	s->tv.marks = 1;
	s->tv.cell = live_cell;
	s->tv.rowattr = row_attr;
	s->tv.ctx = s;
	/* a big project shows its newest runs at once, the rest a moment later */
	if (reload(s, a, runs_count(a->p) > 2000 ? 200 : 0) != 0 && s->tv.t == NULL &&
	    tabview_set_empty(&s->tv, C_FIXED) != 0) {
		free(s);
		return NULL;
	}
	return &s->base;
}
