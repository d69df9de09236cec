/*
 * screen_editor.c — the recipe editor: a text pane checked by the recipe
 * parser after every keystroke (a fault is shown inline, under its line,
 * with a caret at its column), a preview pane that fits the recipe on a
 * chosen dataset and lists the columns it makes, ^S to store the text as
 * the next version NAME@N, and ^E to edit in $EDITOR instead.
 *
 * The preview is recipe_fit on a frame of the dataset's rows (at most
 * PREVIEW_ROWS of them, read from the start), without the target column
 * if one is chosen — what `lathe recipe preview` does.
 */
#include "app.h"
#include "editor.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "features/recipe_store.h"
#include "store/dataset.h"
#include "train/plugin.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PREVIEW_ROWS	200000
#define ORIGIN		"recipe"

struct pcol {
	char	name[128];
	char	kind[16];
	size_t	missing;
	double	mean, sd, lo, hi;
};

struct seditor {
	struct screen	 base;
	struct editor	 ed;
	char		 name[80];	/* "" until saved */
	char		*saved;		/* text as last saved or loaded */
	int		 steps;
	/* the parser's verdict */
	int		 err_line, err_col;
	char		 err_msg[300];
	/* preview */
	char		 dataset[160];
	char		 target[128];
	char		 phead[400];
	struct pcol	*pc;
	size_t		 npc;
	int		 pshown;
	size_t		 ptop;
	int		 edh;		/* editor lines in the last draw */
};

static void
check(struct seditor *s)
{
	struct recipe *r = NULL;
	char *err = NULL, *text = editor_text(&s->ed);
	s->err_line = s->err_col = 0;
	s->err_msg[0] = '\0';
	s->steps = 0;
	if (text == NULL)
		return;
	if (recipe_parse(text, ORIGIN, &r, &err) != 0) {
		editor_error_pos(err, ORIGIN, &s->err_line, &s->err_col, s->err_msg,
		    sizeof s->err_msg);
		free(err);
	} else {
		for (size_t i = 0; i < s->ed.n; i++) {
			const char *q = s->ed.lines[i];
			while (*q == ' ')
				q++;
			s->steps += *q && *q != '#';
		}
	}
	recipe_free(r);
	free(text);
}

static int
modified(const struct seditor *s)
{
	char *t = editor_text(&s->ed);
	int m = t && (s->saved == NULL || strcmp(t, s->saved) != 0);
	free(t);
	return m;
}

static void
preview(struct seditor *s, struct app *a)
{
	struct dsver v = { 0 };
	struct table *t = NULL;
	struct frame *f = NULL;
	struct recipe *r = NULL;
	char *err = NULL, *text = editor_text(&s->ed);

	free(s->pc);
	s->pc = NULL;
	s->npc = 0;
	s->ptop = 0;
	s->pshown = 1;
	if (text == NULL || recipe_parse(text, ORIGIN, &r, &err) != 0 ||
	    dataset_resolve(a->p, s->dataset, &v, &err) != 0 ||
	    dataset_load(a->p, &v, PREVIEW_ROWS, &t, &err) != 0)
		goto fail;
	if ((f = frame_from_table(t, NULL, 0, s->target[0] ? s->target : NULL)) == NULL) {
		err = str_dup("out of memory");
		goto fail;
	}
	if (recipe_fit(r, f, &err) != 0 || frame_materialize(f) != 0)
		goto fail;
	if ((s->pc = calloc(f->ncols ? f->ncols : 1, sizeof *s->pc)) == NULL)
		goto fail;
	for (size_t j = 0; j < f->ncols; j++) {
		const struct fcol *fc = &f->cols[j];
		struct pcol *p = &s->pc[s->npc++];
		text_copy(p->name, sizeof p->name, fc->name);
		text_copy(p->kind, sizeof p->kind, fkind_name(fc->kind));
		p->mean = p->sd = p->lo = p->hi = NAN;
		if (fc->kind != FK_NUM) {
			for (size_t i = 0; i < f->n; i++)
				p->missing += fc->codes[i] == CODE_NA;
			continue;
		}
		double sum = 0, ss = 0, lo = INFINITY, hi = -INFINITY;
		size_t cnt = 0;
		for (size_t i = 0; i < f->n; i++) {
			double x = fc->num[i];
			if (isnan(x)) {
				p->missing++;
				continue;
			}
			cnt++;
			sum += x;
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		if (cnt) {
			p->mean = sum / (double)cnt;
			for (size_t i = 0; i < f->n; i++)
				if (!isnan(fc->num[i]))
					ss += (fc->num[i] - p->mean) * (fc->num[i] - p->mean);
			p->sd = cnt > 1 ? sqrt(ss / (double)(cnt - 1)) : NAN;
			p->lo = lo;
			p->hi = hi;
		}
	}
	snprintf(s->phead, sizeof s->phead, "preview on %s@%d: fitted on %s%zu rows%s%s%s: "
	    "%zu columns from %zu inputs", v.name, v.version, t->nrows < v.nrows ? "the first " :
	    "all ", t->nrows, s->target[0] ? ", without target '" : "", s->target,
	    s->target[0] ? "'" : "", f->ncols, recipe_ninputs(r));
	{
		/* what training would refuse, as `lathe recipe preview` without
		 * --algo flags it: the algorithm is chosen later (^T), and
		 * missing values stop only those that do not take them */
		struct frame_problem *pv = NULL;
		size_t npv = 0, hard, miss;
		if (frame_problems(f, &pv, &npv) != 0) {
			app_msg(a, MSG_ERROR, "preview: out of memory");
			goto out;
		}
		for (hard = 0; hard < npv && pv[hard].missing_only; hard++)
			;
		for (miss = 0; miss < npv && !pv[miss].missing_only; miss++)
			;
		struct plugin_set *ps = app_plugins(a);
		struct sbuf names;
		sbuf_init(&names);
		size_t ncap = plugin_names_with_caps(ps, LATHE_CAP_MISSING, &names);
		if (hard < npv)
			app_msg(a, MSG_ERROR, "a run would stop: %s", pv[hard].msg);
		else if (miss < npv && ncap && !names.oom)
			app_msg(a, MSG_INFO, "a run would stop (%s take%s missing values): %s",
			    names.s, ncap == 1 ? "s" : "", pv[miss].msg);
		else if (miss < npv)
			app_msg(a, MSG_ERROR, "a run would stop: %s", pv[miss].msg);
		else
			app_msg(a, MSG_GOOD, "%s", s->phead);
		sbuf_free(&names);
		frame_problems_free(pv, npv);
	}
	goto out;
fail:
	{
		int l, c;
		char m[300];
		editor_error_pos(err, ORIGIN, &l, &c, m, sizeof m);
		if (l) {
			s->err_line = l;
			s->err_col = c;
			text_copy(s->err_msg, sizeof s->err_msg, m);
		}
		snprintf(s->phead, sizeof s->phead, "preview failed: %s", l ? m : (err ? err : "?"));
		app_msg(a, MSG_ERROR, "%s", s->phead);
		free(err);
	}
out:
	recipe_free(r);
	frame_free(f);
	table_free(t);
	dsver_clear(&v);
	free(text);
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct seditor *s = (struct seditor *)sc;
	int ph = s->pshown ? (h / 2 > 12 ? 12 : h / 2) : 0;
	int eh = h - ph - 1;		/* one row for the status line */
	int gut = 5, w = a->cols;
	int cy = -1, cx = 0;
	char buf[64];

	if (eh < 3)
		eh = 3;
	/* the editor keeps one row free for an inline error */
	s->edh = eh - (s->err_line ? 1 : 0);
	if (s->ed.row < s->ed.top)
		s->ed.top = s->ed.row;
	if (s->ed.row >= s->ed.top + (size_t)s->edh)
		s->ed.top = s->ed.row - (size_t)s->edh + 1;
	int y = y0;
	for (size_t i = s->ed.top; i < s->ed.n && y < y0 + eh; i++) {
		int bad = s->err_line && (size_t)s->err_line == i + 1;
		snprintf(buf, sizeof buf, "%3zu%s", i + 1, bad ? "!" : " ");
		draw_text(y, 0, gut, buf, bad ? draw_attr(ROLE_ERROR) : draw_attr(ROLE_DIM));
		const char *line = s->ed.lines[i];
		const char *q = line;
		while (*q == ' ')
			q++;
		draw_text(y, gut, w - gut, line, *q == '#' ? draw_attr(ROLE_DIM) : AN);
		if (i == s->ed.row) {
			cy = y;
			cx = gut + editor_cursor_col(&s->ed);
		}
		y++;
		if (bad && y < y0 + eh) {
			int col = s->err_col > 0 ? s->err_col - 1 : 0;
			int ex = gut + text_widthn(line, text_fit(line, col, NULL));
			if (ex > w - 2)
				ex = w - 2;
			draw_textf(y, ex, w - ex, draw_attr(ROLE_ERROR), "^ %s", s->err_msg);
			y++;
		}
	}
	/* status line */
	int sy = y0 + eh;
	draw_fill(sy, 0, draw_attr(ROLE_HEADER));
	if (s->err_line)
		draw_textf(sy, 0, w, draw_attr(ROLE_HEADER), " line %d, column %d: %s", s->err_line,
		    s->err_col, s->err_msg);
	else
		draw_textf(sy, 0, w, draw_attr(ROLE_HEADER), " %s%s  %d step%s, parses  ·  "
		    "preview data: %s%s%s", s->name[0] ? s->name : "(new recipe)",
		    modified(s) ? " (modified)" : "", s->steps, s->steps == 1 ? "" : "s",
		    s->dataset[0] ? s->dataset : "none (^D)", s->target[0] ? " without " : "",
		    s->target);
	/* preview */
	if (ph > 1) {
		int py = sy + 1;
		draw_text(py++, 0, w, s->phead, draw_attr(ROLE_TITLE));
		static const char *hd[] = { "COLUMN", "KIND", "MISSING", "MEAN", "STD", "MIN", "MAX" };
		static const int cw[] = { 24, 8, 8, 11, 11, 11, 11 };
		int x = 0;
		for (int k = 0; k < 7; k++) {
			draw_cell(py, x, cw[k], hd[k], k >= 2, draw_attr(ROLE_COLHEAD));
			x += cw[k] + 1;
		}
		py++;
		for (size_t i = s->ptop; i < s->npc && py < y0 + h; i++, py++) {
			const struct pcol *p = &s->pc[i];
			char m[24];
			x = 0;
			draw_cell(py, x, cw[0], p->name, 0, AN);
			x += cw[0] + 1;
			draw_cell(py, x, cw[1], p->kind, 0, AN);
			x += cw[1] + 1;
			snprintf(m, sizeof m, "%zu", p->missing);
			draw_cell(py, x, cw[2], m, 1, p->missing ? draw_attr(ROLE_WARN) : AN);
			x += cw[2] + 1;
			double vals[] = { p->mean, p->sd, p->lo, p->hi };
			for (int k = 0; k < 4; k++) {
				draw_cell(py, x, cw[3 + k], text_num(m, sizeof m, vals[k], 5), 1, AN);
				x += cw[3 + k] + 1;
			}
		}
	}
	if (cy >= 0 && a->modal == MODAL_NONE)
		move(cy, cx < w ? cx : w - 1);
}

static void
save_as(struct seditor *s, struct app *a, const char *name)
{
	char *text = editor_text(&s->ed), *err = NULL;
	int version, created;
	if (text == NULL)
		return;
	if (recipe_store_add(a->p, name, text, "workbench", &version, &created, &err) != 0) {
		app_err(a, err);
		free(text);
		return;
	}
	text_copy(s->name, sizeof s->name, name);
	free(s->saved);
	s->saved = text;
	snprintf(s->base.title, sizeof s->base.title, "%s@%d", name, version);
	if (created)
		app_msg(a, MSG_GOOD, "saved recipe %s@%d", name, version);
	else
		app_msg(a, MSG_INFO, "%s@%d unchanged: that version has the same text", name, version);
	app_broadcast(a, EV_DATA);
}

static void
name_done(struct app *a, void *ctx, const char *text)
{
	if (*text)
		save_as(ctx, a, text);
}

static void
target_done(struct app *a, void *ctx, long i)
{
	struct seditor *s = ctx;
	struct dsver v = { 0 };
	struct table *t = NULL;
	s->target[0] = '\0';
	if (i > 0 && dataset_resolve(a->p, s->dataset, &v, NULL) == 0 &&
	    dataset_load(a->p, &v, 0, &t, NULL) == 0 && (size_t)(i - 1) < t->ncols)
		text_copy(s->target, sizeof s->target, t->cols[i - 1].name);
	table_free(t);
	dsver_clear(&v);
	preview(s, a);
}

struct dsl {
	char	**v;
	size_t	  n;
};

static int
add_ds(void *ctx, const struct dsver *v)
{
	struct dsl *l = ctx;
	char buf[160];
	char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (nv == NULL)
		return -1;
	l->v = nv;
	snprintf(buf, sizeof buf, "%s@%d", v->name, v->version);
	if ((nv[l->n] = str_dup(buf)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void
dsl_free(struct dsl *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void
dataset_done(struct app *a, void *ctx, long i)
{
	struct seditor *s = ctx;
	struct dsl l = { 0 };
	struct dsver v = { 0 };
	struct table *t = NULL;
	if (dataset_list(a->p, add_ds, &l, NULL) == 0 && i >= 0 && (size_t)i < l.n)
		text_copy(s->dataset, sizeof s->dataset, l.v[i]);
	dsl_free(&l);
	/* the target to leave out, as training would */
	if (dataset_resolve(a->p, s->dataset, &v, NULL) == 0 &&
	    dataset_load(a->p, &v, 0, &t, NULL) == 0) {
		const char **items = calloc(t->ncols + 1, sizeof *items);
		if (items) {
			items[0] = "(no target: every column goes through the recipe)";
			for (size_t j = 0; j < t->ncols; j++)
				items[j + 1] = t->cols[j].name;
			app_pick(a, "target column to leave out", items, t->ncols + 1, 0, target_done, s);
			free(items);
		}
	}
	table_free(t);
	dsver_clear(&v);
}

static void
pick_dataset(struct seditor *s, struct app *a)
{
	struct dsl l = { 0 };
	char *err = NULL;
	if (dataset_list(a->p, add_ds, &l, &err) != 0) {
		app_err(a, err);
	} else if (l.n == 0) {
		app_msg(a, MSG_ERROR, "no datasets to preview on: import one first (1, then i)");
	} else {
		long cur = 0;
		for (size_t i = 0; i < l.n; i++)
			if (strcmp(l.v[i], s->dataset) == 0)
				cur = (long)i;
		app_pick(a, "preview on which dataset?", (const char *const *)l.v, l.n, cur,
		    dataset_done, s);
	}
	dsl_free(&l);
}

/* Edit the text in $EDITOR (vi when unset), then take it back. */
static void
external_editor(struct seditor *s, struct app *a)
{
	char path[] = "/tmp/lathe-recipe-XXXXXX.txt";
	char *text = editor_text(&s->ed), *err = NULL;
	int fd = mkstemps(path, 4);
	if (fd < 0 || text == NULL) {
		app_msg(a, MSG_ERROR, "cannot make a temporary file: %s", strerror(errno));
		free(text);
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t n = strlen(text);
	int ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	free(text);
	if (!ok) {
		app_msg(a, MSG_ERROR, "cannot write %s", path);
		unlink(path);
		return;
	}
	app_suspend(a);
	pid_t pid = fork();
	int status = -1;
	if (pid == 0) {
		const char *ed = getenv("VISUAL");
		if (ed == NULL || *ed == '\0')
			ed = getenv("EDITOR");
		if (ed == NULL || *ed == '\0')
			ed = "vi";
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	app_resume(a);
	char *back = read_text_file(path, &err);
	unlink(path);
	if (back == NULL) {
		app_err(a, err);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		app_msg(a, MSG_ERROR, "the editor ended with status %d; its text was taken anyway",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	editor_set(&s->ed, back);
	free(back);
	check(s);
}

static void
leave_done(struct app *a, void *ctx, int key)
{
	struct seditor *s = ctx;
	if (key == 's') {
		if (s->name[0])
			save_as(s, a, s->name);
		else
			app_prompt(a, "save recipe as:", "", 0, name_done, s);
		return;
	}
	if (key == 'd')
		app_pop(a);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct seditor *s = (struct seditor *)sc;
	switch (act) {
	case ACT_SAVE:
		if (s->err_line) {
			app_msg(a, MSG_ERROR, "fix line %d first: %s", s->err_line, s->err_msg);
			return R_HANDLED | R_REDRAW;
		}
		app_prompt(a, "save recipe as:", s->name, 0, name_done, s);
		return R_HANDLED | R_REDRAW;
	case ACT_PREVIEW:
		if (s->dataset[0])
			preview(s, a);
		else
			pick_dataset(s, a);
		return R_HANDLED | R_REDRAW;
	case ACT_PICK_DATA:
		pick_dataset(s, a);
		return R_HANDLED | R_REDRAW;
	case ACT_EXT_EDITOR:
		external_editor(s, a);
		return R_HANDLED | R_REDRAW;
	case ACT_TRAIN: {
		char *text = editor_text(&s->ed);
		int same = s->name[0] && text && s->saved && strcmp(text, s->saved) == 0;
		struct train_preset pre = { .dataset = s->dataset[0] ? s->dataset : NULL,
			.target = s->target[0] ? s->target : NULL, .recipe = same ? s->base.title : NULL,
			.recipe_text = same ? NULL : text, .test_size = -1, .seed = -1 };
		app_push(a, screen_train_new(a, &pre));
		free(text);
		return R_HANDLED | R_REDRAW;
	}
	case ACT_BACK:
		if (modified(s)) {
			app_confirm(a, "the recipe has unsaved changes: s save, d discard, Esc stay",
			    "sd", leave_done, s);
			return R_HANDLED | R_REDRAW;
		}
		return R_HANDLED | R_POP;
	default:
		return 0;
	}
}

static unsigned
on_key(struct screen *sc, struct app *a, int key)
{
	struct seditor *s = (struct seditor *)sc;
	(void)a;
	if (keys_lookup(SCR_EDITOR, key, 1) != ACT_NONE)
		return 0;
	if (key == K_ESC)
		return 0;
	int was = s->ed.modified;
	s->ed.modified = 0;
	if (!editor_key(&s->ed, key, (size_t)(s->edh > 0 ? s->edh : 10))) {
		s->ed.modified = was;
		return 0;
	}
	if (s->ed.modified)
		check(s);
	s->ed.modified |= was;
	return R_HANDLED | R_REDRAW;
}

static int
text_mode(const struct screen *sc)
{
	(void)sc;
	return 1;
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct seditor *s = (struct seditor *)sc;
	(void)a;
	(void)dbl;
	if (y < s->edh && x >= 5) {
		size_t row = s->ed.top + (size_t)y;
		if (s->err_line && (size_t)s->err_line < row + 1)
			row--;		/* below the inline error line */
		editor_goto(&s->ed, row, (size_t)(x - 5), (size_t)s->edh);
	}
	return R_HANDLED | R_REDRAW;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct seditor *s = (const struct seditor *)sc;
	snprintf(buf, n, "line %zu, col %d%s", s->ed.row + 1, editor_cursor_col(&s->ed) + 1,
	    s->err_line ? "  (does not parse)" : "");
}

static void
destroy(struct screen *sc)
{
	struct seditor *s = (struct seditor *)sc;
	editor_free(&s->ed);
	free(s->saved);
	free(s->pc);
	free(s);
}

static const struct screen_class editor_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "editor",
	.id = SCR_EDITOR,
	.draw = draw,
	.on_action = on_action,
	.on_key = on_key,
	.text_mode = text_mode,
	.context = context,
	.on_click = on_click,
	.destroy = destroy,
};

struct screen *
screen_editor_new(struct app *a, const char *name, const char *text)
{
	struct seditor *s = calloc(1, sizeof *s);
	(void)a;
	if (s == NULL)
		return NULL;
	s->base.cls = &editor_class;
	const char *start = text ? text : "# one step per line; see docs/recipes.md\n"
	    "impute median numeric\nonehot categorical\ndrop text\nstandardize numeric\n";
	if (editor_init(&s->ed, start) != 0) {
		free(s);
		return NULL;
	}
	if (text)
		s->saved = str_dup(text);
	/* name may be NAME@V: the version being edited */
	if (name) {
		text_copy(s->name, sizeof s->name, name);
		char *at = strrchr(s->name, '@');
		if (at)
			*at = '\0';
	}
	text_copy(s->base.title, sizeof s->base.title, name ? name : "new recipe");
	check(s);
	return &s->base;
}
