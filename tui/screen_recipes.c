/*
 * screen_recipes.c — the recipes screen: every stored version of every
 * feature recipe (name@N, steps, when added, hash, its first step), with
 * the editor one key away (Enter edits a version, n starts a new recipe)
 * and training with a recipe (t).
 */
#include "app.h"
#include "tabview.h"
#include "features/recipe.h"
#include "features/recipe_store.h"

#include <stdlib.h>
#include <string.h>

struct srecipes {
	struct screen	 base;
	struct tabview	 tv;
	char		**texts;	/* per row: the recipe text */
	size_t		 ntexts;
};

enum { C_REF, C_LATEST, C_STEPS, C_CREATED, C_HASH, C_FIRST, C_N };

struct fill {
	struct tab	*t;
	struct srecipes	*s;
	int64_t		 k;
};

static int
add_version(void *ctx, const struct recipe_ver *v)
{
	struct fill *f = ctx;
	char ref[160], first[200] = "", hash[16];
	size_t steps = 0;
	for (const char *p = v->text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *q = p;
		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if (q < p + n && *q != '#') {
			if (!steps)
				snprintf(first, sizeof first, "%.*s", (int)(p + n - q), q);
			steps++;
		}
		p += n + (e != NULL);
	}
	long r = tab_add_row(f->t, f->k++);
	char **nt = realloc(f->s->texts, (f->s->ntexts + 1) * sizeof *nt);
	if (r < 0 || nt == NULL)
		return -1;
	f->s->texts = nt;
	if ((nt[f->s->ntexts] = str_dup(v->text)) == NULL)
		return -1;
	f->s->ntexts++;
	snprintf(ref, sizeof ref, "%s@%d", v->name, v->version);
	snprintf(hash, sizeof hash, "%.12s", v->hash);
	if (tab_set(f->t, (size_t)r, C_REF, ref) || tab_set(f->t, (size_t)r, C_LATEST,
	    v->latest ? "latest" : "") || tab_set_num(f->t, (size_t)r, C_STEPS, (double)steps,
	    NULL) || tab_set(f->t, (size_t)r, C_CREATED, v->created) || tab_set(f->t, (size_t)r,
	    C_HASH, hash) || tab_set(f->t, (size_t)r, C_FIRST, first))
		return -1;
	return 0;
}

static void
free_texts(struct srecipes *s)
{
	for (size_t i = 0; i < s->ntexts; i++)
		free(s->texts[i]);
	free(s->texts);
	s->texts = NULL;
	s->ntexts = 0;
}

static int
reload(struct srecipes *s, struct app *a)
{
	static const char *const names[C_N] = { "RECIPE", "", "STEPS", "ADDED", "HASH",
		"FIRST STEP" };
	char *err = NULL;
	struct tab *t = tab_new(C_N);
	struct fill f = { t, s, 0 };
	if (t == NULL)
		return -1;
	for (size_t j = 0; j < C_N; j++)
		tab_col(t, j, names[j], j == C_STEPS ? TC_NUM | TC_RIGHT : 0);
	t->width_cap = 40;
	free_texts(s);
	if (recipe_store_list(a->p, add_version, &f, &err) != 0 || tab_finish(t) != 0) {
		tab_free(t);
		app_err(a, err);
		return -1;
	}
	return tabview_set(&s->tv, t, s->base.filter);
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct srecipes *s = (struct srecipes *)sc;
	tabview_draw(&s->tv, y0, h, a->cols);
	if (s->tv.t && s->tv.t->nrows == 0)
		draw_text(y0 + 2, 2, a->cols - 4, "No recipes yet: press n to write one (the editor "
		    "checks it as you type; ^S saves it as NAME@1).", draw_attr(ROLE_TITLE));
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct srecipes *s = (struct srecipes *)sc;
	long r = tabview_row(&s->tv);
	unsigned rr = tabview_action(&s->tv, a, act);
	if (rr)
		return rr;
	switch (act) {
	case ACT_EDIT:
		if (r >= 0 && (size_t)r < s->ntexts) {
			app_push(a, screen_editor_new(a, tab_cell(s->tv.t, (size_t)r, C_REF),
			    s->texts[r]));
		}
		return R_HANDLED | R_REDRAW;
	case ACT_NEW:
		app_push(a, screen_editor_new(a, NULL, NULL));
		return R_HANDLED | R_REDRAW;
	case ACT_TRAIN: {
		struct train_preset pre = { .recipe = r >= 0 ? tab_cell(s->tv.t, (size_t)r, C_REF) :
			NULL, .test_size = -1, .seed = -1 };
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
	const struct srecipes *s = (const struct srecipes *)sc;
	if (act == ACT_EDIT || act == ACT_TRAIN)
		return tabview_row(&s->tv) >= 0;
	return 1;
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	if (ev == EV_DATA)
		reload((struct srecipes *)sc, a);
	return ev == EV_DATA ? R_REDRAW : 0;
}

static unsigned
on_filter(struct screen *sc, struct app *a, const char *text, int final)
{
	(void)final;
	return tabview_filter(&((struct srecipes *)sc)->tv, a, text);
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct srecipes *s = (struct srecipes *)sc;
	unsigned r = tabview_click(&s->tv, y, x);
	if (dbl && y > 0)
		r |= on_action(sc, a, ACT_EDIT);
	return r;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct srecipes *s = (const struct srecipes *)sc;
	snprintf(buf, n, "%zu recipe version%s", s->ntexts, s->ntexts == 1 ? "" : "s");
}

static void
destroy(struct screen *sc)
{
	struct srecipes *s = (struct srecipes *)sc;
	tabview_free(&s->tv);
	free_texts(s);
	free(s);
}

static const struct screen_class recipes_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "recipes",
	.id = SCR_RECIPES,
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
screen_recipes_new(struct app *a)
{
	struct srecipes *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->base.cls = &recipes_class;
	snprintf(s->base.title, sizeof s->base.title, "Recipes");
	tabview_init(&s->tv);
	if (reload(s, a) != 0 && s->tv.t == NULL &&
	    tabview_set_empty(&s->tv, C_N) != 0) {
		free(s);
		return NULL;
	}
	return &s->base;
}
