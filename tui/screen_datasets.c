/*
 * screen_datasets.c — the datasets screen: every version of every
 * dataset (name@N, shape, import time, hash, source), imports in progress
 * with their progress bars, and the ways on: the data grid, the column
 * statistics, the training form, and `i` to import a CSV file from a
 * prompt that completes paths.
 *
 * Imports run as child jobs (`lathe import FILE --json`), so a large file
 * never freezes the screen and the stored result is exactly the CLI's.
 */
#include "app.h"
#include "tabview.h"
#include "store/dataset.h"

#include <stdlib.h>
#include <string.h>

struct sdatasets {
	struct screen	 base;
	struct tabview	 tv;
	char		 path[1024];	/* the file being asked about */
};

enum { C_REF, C_LATEST, C_ROWS, C_COLS, C_CREATED, C_HASH, C_SOURCE, C_N };

static int
add_version(void *ctx, const struct dsver *v)
{
	struct tab *t = ctx;
	char buf[200];
	long r = tab_add_row(t, v->id);
	if (r < 0)
		return -1;
	snprintf(buf, sizeof buf, "%s@%d", v->name, v->version);
	snprintf(buf + 100, 40, "%.12s", v->hash);
	if (tab_set(t, (size_t)r, C_REF, buf) || tab_set(t, (size_t)r, C_LATEST,
	    v->latest ? "latest" : "") || tab_set_num(t, (size_t)r, C_ROWS, (double)v->nrows,
	    NULL) || tab_set_num(t, (size_t)r, C_COLS, (double)v->ncols, NULL) ||
	    tab_set(t, (size_t)r, C_CREATED, v->created) || tab_set(t, (size_t)r, C_HASH,
	    buf + 100) || tab_set(t, (size_t)r, C_SOURCE, v->source))
		return -1;
	return 0;
}

static int
reload(struct sdatasets *s, struct app *a)
{
	static const char *const names[C_N] = { "DATASET", "", "ROWS", "COLS", "IMPORTED",
		"HASH", "SOURCE" };
	static const unsigned flags[C_N] = { 0, 0, TC_NUM | TC_RIGHT, TC_NUM | TC_RIGHT, 0, 0, 0 };
	char *err = NULL;
	struct tab *t = tab_new(C_N);
	if (t == NULL)
		return -1;
	for (size_t j = 0; j < C_N; j++)
		tab_col(t, j, names[j], flags[j]);
	t->width_cap = 40;
	if (dataset_list(a->p, add_version, t, &err) != 0 || tab_finish(t) != 0) {
		tab_free(t);
		app_err(a, err);
		return -1;
	}
	return tabview_set(&s->tv, t, s->base.filter);
}

static const char *
current_ref(struct sdatasets *s)
{
	long r = tabview_row(&s->tv);
	return r < 0 ? NULL : tab_cell(s->tv.t, (size_t)r, C_REF);
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct sdatasets *s = (struct sdatasets *)sc;
	size_t nimp = 0;
	for (size_t i = 0; i < a->jobs.n; i++)
		nimp += a->jobs.v[i]->kind == JOB_IMPORT && !a->jobs.v[i]->done;
	int th = h - (nimp ? (int)nimp + 1 : 0);
	tabview_draw(&s->tv, y0, th, a->cols);
	if (s->tv.t && s->tv.t->nrows == 0)
		draw_text(y0 + 2, 2, a->cols - 4, "No datasets yet: press i to import a CSV file "
		    "(Tab completes the path), or : for any lathe command.", draw_attr(ROLE_TITLE));
	int y = y0 + th;
	for (size_t i = 0; i < a->jobs.n && nimp; i++) {
		const struct job *j = a->jobs.v[i];
		if (j->kind != JOB_IMPORT || j->done)
			continue;
		y++;
		int x = draw_textf(y, 1, a->cols - 2, draw_attr(ROLE_WARN), "%s  %s ", j->label,
		    j->phase[0] ? j->phase : "starting");
		int bw = a->cols - x - 12;
		if (bw > 30)
			bw = 30;
		draw_bar(y, 1 + x, bw, j->pct >= 0 ? j->pct / 100.0 : 0, draw_attr(ROLE_GOOD));
		if (j->pct >= 0)
			draw_textf(y, 2 + x + bw, 8, AN, "%3d%%", j->pct);
	}
}

static void
name_done(struct app *a, void *ctx, const char *text)
{
	struct sdatasets *s = ctx;
	if (!dataset_name_valid(text)) {
		app_msg(a, MSG_ERROR, "bad dataset name '%s' (letters, digits, '_', '-' or '.', "
		    "starting with a letter or digit, at most 64)", text);
		return;
	}
	app_import(a, s->path, text);
}

static void
path_done(struct app *a, void *ctx, const char *text)
{
	struct sdatasets *s = ctx;
	if (*text == '\0')
		return;
	text_copy(s->path, sizeof s->path, text);
	if (text[0] == '~' && text[1] == '/' && getenv("HOME"))
		snprintf(s->path, sizeof s->path, "%s%s", getenv("HOME"), text + 1);
	char *name = dataset_name_from_path(s->path);
	app_prompt(a, "dataset name:", name ? name : "", 0, name_done, s);
	free(name);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct sdatasets *s = (struct sdatasets *)sc;
	const char *ref = current_ref(s);
	char *err = NULL;
	unsigned r = tabview_action(&s->tv, a, act);
	if (r)
		return r;
	switch (act) {
	case ACT_OPEN:
	case ACT_COLPANEL:
		if (ref) {
			struct screen *g = screen_grid_new(a, ref, act == ACT_COLPANEL, &err);
			if (g)
				app_push(a, g);
			else
				app_err(a, err);
		}
		return R_HANDLED | R_REDRAW;
	case ACT_IMPORT:
		app_prompt(a, "import CSV file:", "", PROMPT_PATH, path_done, s);
		return R_HANDLED | R_REDRAW;
	case ACT_TRAIN: {
		struct train_preset pre = { .dataset = ref, .test_size = -1, .seed = -1 };
		app_push(a, screen_train_new(a, &pre));
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static int
can(const struct screen *sc, enum action act)
{
	const struct sdatasets *s = (const struct sdatasets *)sc;
	if (act == ACT_OPEN || act == ACT_TRAIN || act == ACT_COLPANEL)
		return tabview_row(&s->tv) >= 0;
	return 1;
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	struct sdatasets *s = (struct sdatasets *)sc;
	if (ev == EV_DATA)
		reload(s, a);
	return R_REDRAW;
}

static unsigned
on_filter(struct screen *sc, struct app *a, const char *text, int final)
{
	(void)final;
	return tabview_filter(&((struct sdatasets *)sc)->tv, a, text);
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct sdatasets *s = (struct sdatasets *)sc;
	unsigned r = tabview_click(&s->tv, y, x);
	if (dbl && y > 0)
		r |= on_action(sc, a, ACT_OPEN);
	return r;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct sdatasets *s = (const struct sdatasets *)sc;
	size_t k = s->tv.t ? s->tv.t->nrows : 0;
	snprintf(buf, n, "%zu dataset version%s", k, k == 1 ? "" : "s");
}

static void
destroy(struct screen *sc)
{
	struct sdatasets *s = (struct sdatasets *)sc;
	tabview_free(&s->tv);
	free(s);
}

static const struct screen_class datasets_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "datasets",
	.id = SCR_DATASETS,
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
screen_datasets_new(struct app *a)
{
	struct sdatasets *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->base.cls = &datasets_class;
	snprintf(s->base.title, sizeof s->base.title, "Datasets");
	tabview_init(&s->tv);
	if (reload(s, a) != 0 && s->tv.t == NULL &&
	    tabview_set_empty(&s->tv, C_N) != 0) {
		free(s);
		return NULL;
	}
	return &s->base;
}
