/*
 * screen_train.c — the training form: dataset, target, recipe and
 * algorithm; the algorithm's hyperparameters as fields generated from its
 * plugin's schema (type, default, range and help shown; a value outside
 * the range refused at the field with the engine's own message); the
 * split fraction, seed and experiment; and `r` to launch.
 *
 * Launching builds the same run_request that `lathe train` builds,
 * run_create() validates and records it (a bad request leaves the form
 * open with the reason), the run trains in a child process, and the runs
 * screen opens at once with the cursor on it.
 *
 * The algorithm follows the target when the person has not chosen one:
 * a categorical target or a likely class label suggests a classifier, a
 * numeric target a regressor, no target a clustering algorithm.
 */
#include "app.h"
#include "form.h"
#include "base/numarg.h"
#include "features/recipe_store.h"
#include "store/dataset.h"
#include "train/params.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_TARGET	"(none)"
#define DEFAULT_RECIPE	"(default)"
#define EDITOR_RECIPE	"(from the editor)"

struct strain {
	struct screen			 base;
	struct form			 fm;
	const struct lathe_plugin	*pl;		/* the chosen algorithm */
	struct param_values		 scratch;	/* for field checks */
	int				 algo_chosen;	/* by the person */
	char				*editor_text;	/* recipe text from the editor */
	char				 status[512];	/* the last launch refusal */
	struct table			*cols;		/* the dataset's columns (no rows) */
	size_t				 top;
	int				 page;
};

static int
check_param(void *ctx, const struct field *f, const char *text, char **err)
{
	struct strain *s = ctx;
	if (s->pl == NULL)
		return 0;
	return params_set_one(&s->scratch, f->key + 6, text, err);
}

/* The form's numbers are read as the command line reads its options
 * (cmd_parse_*: digits only, C locale, whole string, range checked), so the
 * workbench and `lathe train` accept exactly the same values. */
static int
check_fraction(void *ctx, const struct field *f, const char *text, char **err)
{
	double x;
	(void)ctx;
	(void)f;
	if (*text == '\0')
		return 0;	/* the task's default */
	if (numarg_real(text, 0, 0, 1, 1, &x) != 0)
		return err_set(err, "test size must be a fraction in [0, 1), got '%s'", text);
	return 0;
}

static int
check_folds(void *ctx, const struct field *f, const char *text, char **err)
{
	long long k;
	(void)ctx;
	(void)f;
	if (*text == '\0')
		return 0;	/* a holdout split */
	if (numarg_int(text, 2, 100, &k) != 0)
		return err_set(err, "cv folds must be a number of folds, 2..100, got '%s'", text);
	return 0;
}

static int
check_seed(void *ctx, const struct field *f, const char *text, char **err)
{
	long long v;
	(void)ctx;
	(void)f;
	if (numarg_int(text, 0, INT64_MAX, &v) != 0)
		return err_set(err, "seed must be an integer from 0 to %lld, got '%s'",
		    (long long)INT64_MAX, text);
	return 0;
}

static int
check_experiment(void *ctx, const struct field *f, const char *text, char **err)
{
	(void)ctx;
	(void)f;
	for (const char *q = text; *q; q++)
		if ((unsigned char)*q < 32)
			return err_set(err, "experiment names are one line of text");
	return 0;
}

/* ---- choices ------------------------------------------------------- */

struct strs {
	char	**v;
	size_t	  n;
};

static int
strs_add(struct strs *l, const char *s)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (nv == NULL)
		return -1;
	l->v = nv;
	if ((nv[l->n] = str_dup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void
strs_free(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
add_ds(void *ctx, const struct dsver *v)
{
	char buf[160];
	snprintf(buf, sizeof buf, "%s@%d", v->name, v->version);
	return strs_add(ctx, buf);
}

static int
add_recipe(void *ctx, const struct recipe_ver *v)
{
	char buf[160];
	snprintf(buf, sizeof buf, "%s@%d", v->name, v->version);
	return strs_add(ctx, buf);
}

static const struct column *
target_col(const struct strain *s)
{
	const char *t = form_value(&s->fm, "target");
	if (s->cols == NULL || t == NULL)
		return NULL;
	for (size_t j = 0; j < s->cols->ncols; j++)
		if (strcmp(s->cols->cols[j].name, t) == 0)
			return &s->cols->cols[j];
	return NULL;
}

static unsigned
wanted_task(const struct strain *s)
{
	const struct column *c = target_col(s);
	if (c == NULL)
		return LATHE_TASK_CLUSTERING;
	if (c->kind != COL_NUMERIC || c->st.likely_label)
		return LATHE_TASK_CLASSIFICATION;
	return LATHE_TASK_REGRESSION;
}

/* Rebuild the parameter fields for algorithm name (values from json, if
 * given, else defaults). */
static void
set_algo(struct strain *s, struct app *a, const char *name, const char *json)
{
	struct plugin_set *ps = app_plugins(a);
	const struct plugin *p = ps ? plugin_find(ps, name) : NULL;
	char buf[256];

	/* drop the old parameter fields (they sit between "algo" and "test_size") */
	long ai = form_find(&s->fm, "algo"), ti = form_find(&s->fm, "sec_eval");
	if (ai < 0 || ti < 0)
		return;
	struct form nf;
	form_init(&nf);
	params_free(&s->scratch);
	memset(&s->scratch, 0, sizeof s->scratch);
	s->pl = p ? p->desc : NULL;
	if (s->pl && params_init(&s->scratch, s->pl) != 0)
		s->pl = NULL;
	if (s->pl && json) {
		char *err = NULL;
		if (params_from_json(&s->scratch, json, &err) != 0)
			app_err(a, err);
	}
	/* rebuild: fields up to algo, the parameters, then the rest */
	for (size_t i = 0; i < s->fm.n; i++) {
		struct field *f = &s->fm.f[i];
		if (i > (size_t)ai && i < (size_t)ti)
			continue;
		struct field *g = form_add(&nf, f->kind, f->key, f->label, f->value);
		if (g == NULL)
			break;
		field_str(&g->help, f->help);
		field_str(&g->range, f->range);
		field_str(&g->def, f->def);
		field_choices(g, (const char *const *)f->choices, f->nchoices);
		g->check = f->check;
		g->ctx = f->ctx;
		if (i == (size_t)ai && s->pl) {
			for (size_t k = 0; k < s->pl->nparams; k++) {
				const struct lathe_param_spec *sp = plugin_param(s->pl, k);
				enum field_kind kind = sp->type == LATHE_PARAM_BOOL ? FIELD_BOOL :
				    sp->type == LATHE_PARAM_CHOICE ? FIELD_CHOICE : FIELD_TEXT;
				char key[96];
				snprintf(key, sizeof key, "param:%s", sp->name);
				params_format(&s->scratch, k, buf, sizeof buf);
				struct field *pf = form_add(&nf, kind, key, sp->name, buf);
				if (pf == NULL)
					break;
				pf->param = (int)k;
				field_str(&pf->help, sp->help);
				params_describe(sp, buf, sizeof buf);
				field_str(&pf->range, buf);
				if (sp->type == LATHE_PARAM_CHOICE) {
					size_t nc = 0;
					while (sp->choices[nc])
						nc++;
					field_choices(pf, sp->choices, nc);
					field_str(&pf->def, sp->def_choice);
				} else if (sp->type == LATHE_PARAM_BOOL) {
					field_str(&pf->def, sp->def ? "true" : "false");
				} else {
					char d[32];
					if (sp->type == LATHE_PARAM_INT)
						snprintf(d, sizeof d, "%.0f", sp->def);
					else
						fmt_double(d, sp->def);
					field_str(&pf->def, d);
				}
				pf->check = check_param;
				pf->ctx = s;
			}
			if (s->pl->nparams == 0)
				form_add(&nf, FIELD_SECTION, "noparams", "(no hyperparameters)", NULL);
		}
	}
	/* the algorithm's own description as its help */
	for (size_t i = 0; i < nf.n; i++)
		if (strcmp(nf.f[i].key, "algo") == 0 && s->pl) {
			char tasks[64] = "";
			for (unsigned t = 1; t <= 8; t <<= 1)
				if (s->pl->tasks & t)
					snprintf(tasks + strlen(tasks), sizeof tasks - strlen(tasks), "%s%s",
					    tasks[0] ? ", " : "", task_name(t));
			snprintf(buf, sizeof buf, "%s (%s %s)", s->pl->description, tasks,
			    s->pl->version);
			field_str(&nf.f[i].help, buf);
		}
	size_t cur = s->fm.cur;
	const char *curkey = cur < s->fm.n ? s->fm.f[cur].key : NULL;
	char ck[96] = "";
	if (curkey)
		text_copy(ck, sizeof ck, curkey);
	form_free(&s->fm);
	s->fm = nf;
	long ci = form_find(&s->fm, ck);
	s->fm.cur = ci >= 0 ? (size_t)ci : 0;
	if (s->fm.f[s->fm.cur].kind == FIELD_SECTION)
		form_move(&s->fm, 1);
}

/* Pick an algorithm for the target unless the person chose one. */
static void
follow_target(struct strain *s, struct app *a)
{
	struct plugin_set *ps = app_plugins(a);
	unsigned want = wanted_task(s);
	if (ps == NULL || (s->pl && (s->pl->tasks & want)) || s->algo_chosen)
		return;
	static const char *const prefer[] = { "logistic", "ridge", "kmeans" };
	const char *pick = NULL;
	for (size_t k = 0; k < ARRAY_LEN(prefer) && !pick; k++) {
		const struct plugin *p = plugin_find(ps, prefer[k]);
		if (p && (p->desc->tasks & want))
			pick = prefer[k];
	}
	for (size_t i = 0; i < ps->n && !pick; i++)
		if (ps->v[i].desc->tasks & want)
			pick = ps->v[i].desc->name;
	if (pick) {
		form_commit(&s->fm, (size_t)form_find(&s->fm, "algo"), pick);
		set_algo(s, a, pick, NULL);
	}
}

/* The dataset changed: its columns become the target's choices. */
static void
set_dataset(struct strain *s, struct app *a, const char *ref, const char *want_target)
{
	struct dsver v = { 0 };
	char *err = NULL;
	struct strs ch = { 0 };
	long ti = form_find(&s->fm, "target");
	table_free(s->cols);
	s->cols = NULL;
	if (ref && dataset_resolve(a->p, ref, &v, &err) == 0 &&
	    dataset_load(a->p, &v, 0, &s->cols, &err) == 0) {
		strs_add(&ch, NO_TARGET);
		const char *pick = NULL, *label = NULL;
		for (size_t j = 0; j < s->cols->ncols; j++) {
			const struct column *c = &s->cols->cols[j];
			strs_add(&ch, c->name);
			if (want_target && strcmp(c->name, want_target) == 0)
				pick = c->name;
			if (!label && (c->st.likely_label || c->kind == COL_CATEGORICAL))
				label = c->name;
		}
		const char *cur = form_value(&s->fm, "target");
		if (!pick && cur)
			for (size_t j = 0; j < s->cols->ncols; j++)
				if (strcmp(s->cols->cols[j].name, cur) == 0)
					pick = cur;
		if (!pick)
			pick = label ? label : s->cols->ncols ? s->cols->cols[s->cols->ncols - 1].name :
			    NO_TARGET;
		char keep[160];
		text_copy(keep, sizeof keep, pick);
		if (ti >= 0) {
			field_choices(&s->fm.f[ti], (const char *const *)ch.v, ch.n);
			form_commit(&s->fm, (size_t)ti, keep);
		}
	} else if (err) {
		app_err(a, err);
	}
	strs_free(&ch);
	dsver_clear(&v);
	follow_target(s, a);
}

/* After a field took a new value. */
static void
field_changed(struct strain *s, struct app *a, size_t i)
{
	const char *key = s->fm.f[i].key;
	if (strcmp(key, "dataset") == 0) {
		set_dataset(s, a, s->fm.f[i].value, NULL);
	} else if (strcmp(key, "target") == 0) {
		follow_target(s, a);
	} else if (strcmp(key, "algo") == 0) {
		s->algo_chosen = 1;
		set_algo(s, a, s->fm.f[i].value, NULL);
	}
	s->status[0] = '\0';
}

static void
launch(struct strain *s, struct app *a)
{
	struct plugin_set *ps = app_plugins(a);
	struct run_request rq = { .test_size = -1 };
	struct recipe_ver rv = { 0 };
	const char **sets = calloc(s->fm.n + 1, sizeof *sets);
	char **owned = calloc(s->fm.n + 1, sizeof *owned);
	char *err = NULL;
	int64_t id = 0;
	size_t nfields = s->fm.n;	/* s may be gone after a launch */

	if (ps == NULL || sets == NULL || owned == NULL)
		goto out;
	for (size_t i = 0; i < s->fm.n; i++)
		if (s->fm.f[i].error) {
			app_msg(a, MSG_ERROR, "%s: %s", s->fm.f[i].label, s->fm.f[i].error);
			goto out;
		}
	rq.dataset = form_value(&s->fm, "dataset");
	rq.target = form_value(&s->fm, "target");
	if (rq.target && strcmp(rq.target, NO_TARGET) == 0)
		rq.target = NULL;
	rq.algo = form_value(&s->fm, "algo");
	if (rq.dataset == NULL || rq.algo == NULL) {
		app_msg(a, MSG_ERROR, "choose a dataset and an algorithm first");
		goto out;
	}
	for (size_t i = 0; i < s->fm.n; i++) {
		const struct field *f = &s->fm.f[i];
		if (strncmp(f->key, "param:", 6) != 0)
			continue;
		struct sbuf b;
		sbuf_init(&b);
		sbuf_printf(&b, "%s=%s", f->key + 6, f->value ? f->value : "");
		owned[rq.nsets] = sbuf_detach(&b);
		sets[rq.nsets] = owned[rq.nsets];
		if (sets[rq.nsets])
			rq.nsets++;
	}
	rq.sets = sets;
	const char *ts = form_value(&s->fm, "test_size");
	if (ts && *ts && numarg_real(ts, 0, 0, 1, 1, &rq.test_size) != 0) {
		err_set(&err, "test size must be a fraction in [0, 1), got '%s'", ts);
		goto fail;
	}
	const char *seed = form_value(&s->fm, "seed");
	if (seed && *seed) {
		long long sv;
		if (numarg_int(seed, 0, INT64_MAX, &sv) != 0) {
			err_set(&err, "seed must be an integer from 0 to %lld, got '%s'",
			    (long long)INT64_MAX, seed);
			goto fail;
		}
		rq.have_seed = 1;
		rq.seed = (uint64_t)sv;
	}
	const char *exp = form_value(&s->fm, "experiment");
	rq.experiment = exp && *exp ? exp : NULL;
	const char *rec = form_value(&s->fm, "recipe");
	if (rec && strcmp(rec, EDITOR_RECIPE) == 0 && s->editor_text) {
		rq.recipe_text = s->editor_text;
		rq.recipe_origin = "editor";
	} else if (rec && strcmp(rec, DEFAULT_RECIPE) != 0) {
		if (recipe_store_get(a->p, rec, &rv, &err) != 0)
			goto fail;
		rq.recipe_text = rv.text;
		rq.recipe_origin = rec;
		rq.recipe_name = rv.name;
		rq.recipe_version = rv.version;
	}
	const char *cv = form_value(&s->fm, "cv");
	long long folds = 0;
	if (cv && *cv && numarg_int(cv, 2, 100, &folds) != 0) {
		err_set(&err, "cv folds must be a number of folds, 2..100, got '%s'", cv);
		goto fail;
	}
	if (folds > 1) {
		/* one run, as `train --cv K`: the folds of the training rows (all
		 * rows without a test size), then the refit the run keeps */
		rq.cv_folds = (int)folds;
		rq.cv_repeats = 1;
		if (rq.test_size < 0)
			rq.test_size = 0;
	}
	if (run_create(a->p, ps, &rq, &id, &err) != 0)
		goto fail;
	app_start_run(a, id, 0);	/* replaces the stack: s is gone after this */
	goto out;
fail:
	snprintf(s->status, sizeof s->status, "%s", err ? err : "refused");
	app_msg(a, MSG_ERROR, "not launched: %s", err ? err : "refused");
	free(err);
out:
	recipe_ver_clear(&rv);
	if (owned)
		for (size_t i = 0; i <= nfields; i++)
			free(owned[i]);
	free(owned);
	free(sets);
}

/* ---- drawing ------------------------------------------------------- */

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct strain *s = (struct strain *)sc;
	int lw = 16, w = a->cols;
	int helph = 4;
	int lines = h - helph;
	if (lines < 3)
		lines = 3;
	s->page = lines;
	if (s->fm.cur < s->top)
		s->top = s->fm.cur;
	if (s->fm.cur >= s->top + (size_t)lines)
		s->top = s->fm.cur - (size_t)lines + 1;
	int cy = -1, cx = 0;
	for (size_t i = s->top; i < s->fm.n && (int)(i - s->top) < lines; i++) {
		const struct field *f = &s->fm.f[i];
		int y = y0 + (int)(i - s->top);
		int sel = i == s->fm.cur;
		if (f->kind == FIELD_SECTION) {
			draw_text(y, 1, w - 2, f->label, draw_attr(ROLE_TITLE));
			continue;
		}
		int lattr = sel ? draw_attr(ROLE_SEL) : AN;
		if (f->kind != FIELD_BUTTON)
			draw_cell(y, 2, lw, f->label, 0, lattr);
		int x = 3 + lw;
		char buf[512];
		int vw = 30;
		switch (f->kind) {
		case FIELD_CHOICE:
			snprintf(buf, sizeof buf, "%s %s %s", text_utf8 ? "‹" : "<", f->value ? f->value :
			    "", text_utf8 ? "›" : ">");
			if (strcmp(f->key, "target") == 0 && s->cols) {
				const struct column *c = target_col(s);
				if (c)
					snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "  %s%s",
					    col_kind_name(c->kind), c->st.likely_label ? ", likely label" : "");
			}
			draw_text(y, x, w - x, buf, sel ? draw_attr(ROLE_BEST) : AN);
			vw = text_width(buf);
			break;
		case FIELD_BOOL:
			snprintf(buf, sizeof buf, "[%s] %s", f->value && strcmp(f->value, "true") == 0 ?
			    "x" : " ", f->value ? f->value : "");
			draw_text(y, x, w - x, buf, sel ? draw_attr(ROLE_BEST) : AN);
			vw = text_width(buf);
			break;
		case FIELD_TEXT: {
			const char *v = s->fm.editing && sel ? s->fm.le.buf : f->value ? f->value : "";
			int bw = w >= 110 ? 24 : 14;	/* the box: narrower on 80 columns */
			draw_text(y, x, 1, "[", AN);
			draw_cell(y, x + 1, bw, v, 0, sel && s->fm.editing ? draw_attr(ROLE_WARN) :
			    sel ? draw_attr(ROLE_BEST) : AN);
			draw_text(y, x + bw + 1, 1, "]", AN);
			if (sel && s->fm.editing) {
				cy = y;
				cx = x + 1 + le_cursor_col(&s->fm.le);
				if (cx > x + bw)
					cx = x + bw;
			}
			int changed = f->def && f->value && strcmp(f->def, f->value) != 0;
			if (changed)
				draw_textf(y, x + bw + 3, 12, draw_attr(ROLE_DIM), "(was %s)", f->def);
			vw = bw + 2 + (changed || w >= 110 ? 12 : 0);
			break;
		}
		case FIELD_BUTTON:
			draw_textf(y, x, w - x, sel ? draw_attr(ROLE_SEL) | A_BOLD : A_BOLD, "[ %s ]",
			    f->label);
			vw = 0;
			break;
		default:
			break;
		}
		/* what it accepts, or why the last value was refused */
		int rx = x + vw + 2;
		if (rx < w - 10) {
			if (f->error)
				draw_textf(y, rx, w - rx, draw_attr(ROLE_ERROR), "%s %s",
				    text_utf8 ? "✗" : "x", f->error);
			else if (f->range)
				draw_text(y, rx, w - rx, f->range, draw_attr(ROLE_DIM));
		}
	}
	/* help of the current field */
	int hy = y0 + h - helph;
	draw_fill(hy, 0, draw_attr(ROLE_DIM));
	mvhline(hy, 0, ACS_HLINE, w);
	if (s->fm.cur < s->fm.n) {
		const struct field *f = &s->fm.f[s->fm.cur];
		draw_textf(hy + 1, 1, w - 2, draw_attr(ROLE_TITLE), "%s%s%s", f->label,
		    f->range ? ": " : "", f->range ? f->range : "");
		if (f->def)
			draw_textf(hy + 1, w - 24, 23, draw_attr(ROLE_DIM), "default %s", f->def);
		draw_text(hy + 2, 1, w - 2, f->help ? f->help : "", AN);
	}
	if (s->status[0])
		draw_textf(hy + 3, 1, w - 2, draw_attr(ROLE_ERROR), "not launched: %s", s->status);
	else
		draw_text(hy + 3, 1, w - 2, "r launches the run; it trains in the background and "
		    "the runs screen shows its progress", draw_attr(ROLE_DIM));
	if (cy >= 0)
		move(cy, cx);
}

/* ---- keys ---------------------------------------------------------- */

static void
picked(struct app *a, void *ctx, long idx)
{
	struct strain *s = ctx;
	struct field *f = &s->fm.f[s->fm.cur];
	if (idx < 0 || (size_t)idx >= f->nchoices)
		return;
	char v[300];
	text_copy(v, sizeof v, f->choices[idx]);
	if (form_commit(&s->fm, s->fm.cur, v) == 0)
		field_changed(s, a, s->fm.cur);
}

static unsigned
edit_field(struct strain *s, struct app *a)
{
	struct field *f = &s->fm.f[s->fm.cur];
	switch (f->kind) {
	case FIELD_TEXT:
		form_edit_begin(&s->fm);
		break;
	case FIELD_BOOL:
		form_cycle(&s->fm, s->fm.cur, 1);
		break;
	case FIELD_CHOICE: {
		long cur = -1;
		for (size_t k = 0; k < f->nchoices; k++)
			if (f->value && strcmp(f->choices[k], f->value) == 0)
				cur = (long)k;
		app_pick(a, f->label, (const char *const *)f->choices, f->nchoices, cur, picked, s);
		break;
	}
	case FIELD_BUTTON:
		launch(s, a);
		return R_HANDLED | R_REDRAW;
	default:
		break;
	}
	return R_HANDLED | R_REDRAW;
}

static unsigned
on_key(struct screen *sc, struct app *a, int key)
{
	struct strain *s = (struct strain *)sc;
	if (s->fm.editing) {
		enum form_edit r = form_edit_key(&s->fm, key);
		switch (r) {
		case FE_COMMITTED:
			field_changed(s, a, s->fm.cur);
			if (key == K_TAB)
				form_move(&s->fm, 1);
			else if (key == TK(KEY_BTAB))
				form_move(&s->fm, -1);
			return R_HANDLED | R_REDRAW;
		case FE_REFUSED:
			app_msg(a, MSG_ERROR, "%s", s->fm.f[s->fm.cur].error);
			return R_HANDLED | R_REDRAW;
		case FE_EDITED:
		case FE_CANCELLED:
			return R_HANDLED | R_REDRAW;
		default:
			return 0;
		}
	}
	/* typing a number into a text field starts editing it (before the
	 * digits reach the global 1/2/3 screen keys) */
	if (s->fm.cur < s->fm.n && s->fm.f[s->fm.cur].kind == FIELD_TEXT && KEY_IS_CHAR(key) &&
	    ((key >= '0' && key <= '9') || key == '-' || key == '.')) {
		form_edit_begin(&s->fm);
		le_set(&s->fm.le, "");
		le_key(&s->fm.le, key);
		return R_HANDLED | R_REDRAW;
	}
	return 0;
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct strain *s = (struct strain *)sc;
	switch (act) {
	case ACT_UP:
	case ACT_PREV_FIELD:
		form_move(&s->fm, -1);
		return R_HANDLED | R_REDRAW;
	case ACT_DOWN:
	case ACT_NEXT_FIELD:
		form_move(&s->fm, 1);
		return R_HANDLED | R_REDRAW;
	case ACT_TOP:
		form_first(&s->fm);
		return R_HANDLED | R_REDRAW;
	case ACT_BOTTOM:
		while (form_move(&s->fm, 1))
			;
		return R_HANDLED | R_REDRAW;
	case ACT_PGDN:
		for (int i = 0; i < s->page - 1 && form_move(&s->fm, 1); i++)
			;
		return R_HANDLED | R_REDRAW;
	case ACT_PGUP:
		for (int i = 0; i < s->page - 1 && form_move(&s->fm, -1); i++)
			;
		return R_HANDLED | R_REDRAW;
	case ACT_LEFT:
	case ACT_RIGHT: {
		struct field *f = &s->fm.f[s->fm.cur];
		if (f->kind == FIELD_CHOICE || f->kind == FIELD_BOOL) {
			form_cycle(&s->fm, s->fm.cur, act == ACT_RIGHT ? 1 : -1);
			field_changed(s, a, s->fm.cur);
		}
		return R_HANDLED | R_REDRAW;
	}
	case ACT_EDIT:
		return edit_field(s, a);
	case ACT_LAUNCH:
		if (s->fm.editing) {
			if (form_commit(&s->fm, s->fm.cur, s->fm.le.buf) != 0) {
				app_msg(a, MSG_ERROR, "%s", s->fm.f[s->fm.cur].error);
				return R_HANDLED | R_REDRAW;
			}
			s->fm.editing = 0;
		}
		launch(s, a);
		return R_HANDLED | R_REDRAW;
	default:
		return 0;
	}
}

static int
text_mode(const struct screen *sc)
{
	return ((const struct strain *)sc)->fm.editing;
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct strain *s = (struct strain *)sc;
	size_t i = s->top + (size_t)y;
	(void)x;
	if (s->fm.editing || i >= s->fm.n || s->fm.f[i].kind == FIELD_SECTION)
		return R_HANDLED;
	s->fm.cur = i;
	if (dbl || s->fm.f[i].kind == FIELD_BUTTON)
		return edit_field(s, a);
	return R_HANDLED | R_REDRAW;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct strain *s = (const struct strain *)sc;
	snprintf(buf, n, "%s on %s", form_value(&s->fm, "algo") ? form_value(&s->fm, "algo") : "?",
	    form_value(&s->fm, "dataset") ? form_value(&s->fm, "dataset") : "?");
}

static void
destroy(struct screen *sc)
{
	struct strain *s = (struct strain *)sc;
	form_free(&s->fm);
	params_free(&s->scratch);
	table_free(s->cols);
	free(s->editor_text);
	free(s);
}

static const struct screen_class train_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "train",
	.id = SCR_TRAIN,
	.draw = draw,
	.on_action = on_action,
	.on_key = on_key,
	.text_mode = text_mode,
	.context = context,
	.on_click = on_click,
	.destroy = destroy,
};

struct screen *
screen_train_new(struct app *a, const struct train_preset *pre)
{
	struct strain *s = calloc(1, sizeof *s);
	struct strs ds = { 0 }, rec = { 0 }, algos = { 0 };
	struct plugin_set *ps = app_plugins(a);
	struct field *f;
	char seed[32], ts[32] = "";

	if (s == NULL)
		return NULL;
	s->base.cls = &train_class;
	text_copy(s->base.title, sizeof s->base.title, "Train");
	form_init(&s->fm);
	dataset_list(a->p, add_ds, &ds, NULL);
	strs_add(&rec, DEFAULT_RECIPE);
	if (pre->recipe_text) {
		strs_add(&rec, EDITOR_RECIPE);
		s->editor_text = str_dup(pre->recipe_text);
	}
	recipe_store_list(a->p, add_recipe, &rec, NULL);
	for (size_t i = 0; ps && i < ps->n; i++)
		strs_add(&algos, ps->v[i].desc->name);
	/* the dataset: the preset, else the newest version of the first */
	const char *dset = pre->dataset;
	if (dset == NULL && ds.n)
		dset = ds.v[ds.n - 1];
	snprintf(seed, sizeof seed, "%lld", pre->seed >= 0 ? (long long)pre->seed : 0LL);
	if (pre->test_size >= 0)
		snprintf(ts, sizeof ts, "%g", pre->test_size);

	form_add(&s->fm, FIELD_SECTION, "sec_data", "data", NULL);
	if ((f = form_add(&s->fm, FIELD_CHOICE, "dataset", "dataset", dset)) != NULL) {
		field_choices(f, (const char *const *)ds.v, ds.n);
		field_str(&f->help, "the dataset version to train on (Enter: pick from the list)");
	}
	if ((f = form_add(&s->fm, FIELD_CHOICE, "target", "target", NO_TARGET)) != NULL)
		field_str(&f->help, "the column to predict; (none) for clustering and projection");
	const char *rv = pre->recipe_text ? EDITOR_RECIPE : pre->recipe ? pre->recipe :
	    DEFAULT_RECIPE;
	if ((f = form_add(&s->fm, FIELD_CHOICE, "recipe", "recipe", rv)) != NULL) {
		field_choices(f, (const char *const *)rec.v, rec.n);
		field_str(&f->help, "feature recipe, fitted on the training rows only; (default): "
		    "impute mean numeric, onehot categorical, drop text");
	}
	form_add(&s->fm, FIELD_SECTION, "sec_algo", "algorithm and hyperparameters", NULL);
	if ((f = form_add(&s->fm, FIELD_CHOICE, "algo", "algorithm", pre->algo ? pre->algo :
	    algos.n ? algos.v[0] : NULL)) != NULL)
		field_choices(f, (const char *const *)algos.v, algos.n);
	form_add(&s->fm, FIELD_SECTION, "sec_eval", "evaluation", NULL);
	if ((f = form_add(&s->fm, FIELD_TEXT, "test_size", "test size", ts)) != NULL) {
		f->check = check_fraction;
		field_str(&f->range, "a fraction in [0, 1); empty: 0.2 (0 for clustering)");
		field_str(&f->help, "held-out rows for the metrics, stratified by class for "
		    "classification; 0 trains on every row");
	}
	if ((f = form_add(&s->fm, FIELD_TEXT, "cv", "cv folds", "")) != NULL) {
		f->check = check_folds;
		field_str(&f->range, "2..100, or empty for no cross-validation");
		field_str(&f->help, "K-fold cross-validation as one run (stratified for "
		    "classification): each fold fits its own recipe and model on the others and is "
		    "scored; the run keeps every fold's metrics, their mean and std, and a model refit "
		    "on all its training rows (with a test size: the folds are of the training part "
		    "and the refit is scored on the test rows)");
	}
	if ((f = form_add(&s->fm, FIELD_TEXT, "seed", "seed", seed)) != NULL) {
		f->check = check_seed;
		field_str(&f->def, "0");
		field_str(&f->range, "an integer >= 0");
		field_str(&f->help, "seeds the split and the algorithm's random numbers; recorded, "
		    "so a re-run reproduces the run exactly");
	}
	if ((f = form_add(&s->fm, FIELD_TEXT, "experiment", "experiment", pre->experiment)) != NULL) {
		f->check = check_experiment;
		field_str(&f->range, "optional");
		field_str(&f->help, "group the run under an experiment name (the runs screen groups "
		    "by it with E)");
	}
	if ((f = form_add(&s->fm, FIELD_BUTTON, "launch", "Launch (r)", NULL)) != NULL)
		field_str(&f->help, "validate everything, record the run and train it in the "
		    "background; the runs screen opens at once");
	if (pre->algo)
		s->algo_chosen = 1;
	set_algo(s, a, form_value(&s->fm, "algo") ? form_value(&s->fm, "algo") : "",
	    pre->params_json);
	set_dataset(s, a, dset, pre->target);
	form_first(&s->fm);
	if (ds.n == 0)
		app_msg(a, MSG_ERROR, "no datasets yet: import one first (1, then i)");
	strs_free(&ds);
	strs_free(&rec);
	strs_free(&algos);
	if (s->fm.n == 0) {
		destroy(&s->base);
		return NULL;
	}
	return &s->base;
}
