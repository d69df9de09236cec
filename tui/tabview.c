/*
 * tabview.c — see tabview.h.
 */
#include "tabview.h"

#include <stdlib.h>
#include <string.h>

void
tabview_init(struct tabview *tv)
{
	memset(tv, 0, sizeof *tv);
}

void
tabview_free(struct tabview *tv)
{
	tab_free(tv->t);
	free(tv->hidden);
	tv->t = NULL;
	tv->hidden = NULL;
}

long
tabview_row(const struct tabview *tv)
{
	if (tv->t == NULL || tv->nav.cur >= tv->t->nview)
		return -1;
	return tv->t->view[tv->nav.cur].row;
}

long
tabview_group(const struct tabview *tv)
{
	if (tv->t == NULL || tv->nav.cur >= tv->t->nview || tv->t->view[tv->nav.cur].row >= 0)
		return -1;
	return tv->t->view[tv->nav.cur].group;
}

static size_t
page_of(const struct tabview *tv)
{
	return tv->page > 0 ? (size_t)tv->page : 20;
}

void
tabview_refresh(struct tabview *tv)
{
	long row = tabview_row(tv);
	long grp = tabview_group(tv);
	const char *gname = grp >= 0 ? tv->t->groups[grp].name : NULL;
	char gbuf[256] = "";
	if (gname)
		text_copy(gbuf, sizeof gbuf, gname);
	tab_view(tv->t);
	long line = -1;
	if (row >= 0)
		line = tab_line_of_row(tv->t, (size_t)row);
	if (line < 0 && gbuf[0])
		for (size_t i = 0; i < tv->t->nview; i++)
			if (tv->t->view[i].row < 0 &&
			    strcmp(tv->t->groups[tv->t->view[i].group].name, gbuf) == 0)
				line = (long)i;
	tv->nav.n = tv->t->nview;
	if (line >= 0)
		nav_goto(&tv->nav, (size_t)line, page_of(tv));
	else
		nav_count(&tv->nav, tv->t->nview, page_of(tv));
}

void
tabview_focus_key(struct tabview *tv, int64_t key)
{
	long r = tv->t ? tab_row_of_key(tv->t, key) : -1;
	long line = r >= 0 ? tab_line_of_row(tv->t, (size_t)r) : -1;
	if (line >= 0)
		nav_goto(&tv->nav, (size_t)line, page_of(tv));
}

int
tabview_set(struct tabview *tv, struct tab *t, const char *filter)
{
	struct tab *old = tv->t;
	int64_t curkey = 0;
	long r = tabview_row(tv);
	int have_cur = r >= 0;
	if (have_cur)
		curkey = old->keys[r];
	if (old) {
		t->sort_col = old->sort_col < (int)t->ncols ? old->sort_col : -1;
		t->sort_desc = old->sort_desc;
		t->group_col = old->group_col < (int)t->ncols ? old->group_col : -1;
		/* marks and folds follow the keys and names */
		for (size_t i = 0; i < old->nrows; i++)
			if (old->marks[i]) {
				long nr = tab_row_of_key(t, old->keys[i]);
				if (nr >= 0)
					t->marks[nr] = 1;
			}
		t->folded = old->folded;
		t->nfolded = old->nfolded;
		old->folded = NULL;
		old->nfolded = 0;
	}
	if (filter && *filter)
		tab_filter(t, filter, NULL);
	free(tv->hidden);
	tv->hidden = NULL;
	tab_free(old);
	tv->t = t;
	if (tv->col >= t->ncols)
		tv->col = t->ncols ? t->ncols - 1 : 0;
	tab_view(t);
	tv->nav.n = t->nview;
	if (have_cur)
		tabview_focus_key(tv, curkey);
	nav_count(&tv->nav, t->nview, page_of(tv));
	return 0;
}

int
tabview_set_empty(struct tabview *tv, size_t ncols)
{
	struct tab *t = tab_new(ncols);
	if (t == NULL || tab_finish(t) != 0 || tabview_set(tv, t, NULL) != 0) {
		tab_free(t);
		return -1;
	}
	return 0;
}

static int
shown(const struct tabview *tv, size_t j)
{
	return !(tv->hidden && tv->hidden[j]);
}

static int
col_width(const struct tabview *tv, size_t j)
{
	int w = tv->t->cols[j].width;
	return w < 2 ? 2 : w;
}

void
tabview_draw(struct tabview *tv, int y0, int h, int w)
{
	struct tab *t = tv->t;
	int gutter = tv->marks ? 2 : 0;
	char buf[512];

	if (t == NULL || h < 2)
		return;
	tv->page = h - 1;
	nav_show(&tv->nav, (size_t)(h - 1));
	/* horizontal scroll: the current column must fit */
	if (tv->left > tv->col)
		tv->left = tv->col;
	for (;;) {
		int x = gutter;
		for (size_t j = tv->left; j <= tv->col && j < t->ncols; j++)
			if (shown(tv, j))
				x += col_width(tv, j) + 2;
		if (x <= w || tv->left >= tv->col)
			break;
		tv->left++;
	}
	/* header */
	int x = gutter;
	draw_fill(y0, 0, draw_attr(ROLE_COLHEAD));
	if (tv->left > 0)
		draw_text(y0, 0, 2, text_utf8 ? "◀" : "<", draw_attr(ROLE_COLHEAD));
	size_t lastcol = t->ncols;
	for (size_t j = tv->left; j < t->ncols && x < w; j++) {
		if (!shown(tv, j))
			continue;
		int cw = col_width(tv, j);
		if (w - x < cw && w - x < 6 && j > tv->left) {	/* a sliver: leave it out */
			lastcol = j;
			break;
		}
		const char *arrow = "";
		if ((int)j == t->sort_col)
			arrow = t->sort_desc ? (text_utf8 ? "▼" : "v") : (text_utf8 ? "▲" : "^");
		snprintf(buf, sizeof buf, "%s%s", t->cols[j].name ? t->cols[j].name : "", arrow);
		int attr = j == tv->col ? draw_attr(ROLE_CURCOL) : draw_attr(ROLE_COLHEAD);
		draw_cell(y0, x, cw < w - x ? cw : w - x, buf, (t->cols[j].flags & TC_RIGHT) != 0, attr);
		x += cw + 2;
	}
	/* rows */
	for (int i = 0; i < h - 1; i++) {
		size_t line = tv->nav.top + (size_t)i;
		int y = y0 + 1 + i;
		if (line >= t->nview)
			break;
		int sel = line == tv->nav.cur;
		const struct tvrow *vr = &t->view[line];
		if (vr->row < 0) {
			const struct tgroup *g = &t->groups[vr->group];
			int attr = draw_attr(ROLE_TITLE) | (sel ? A_REVERSE : 0);
			draw_fill(y, 0, sel ? draw_attr(ROLE_SEL) : AN);
			draw_textf(y, 0, w, attr, "%s %s (%zu)", g->folded ? (text_utf8 ? "▸" : "+") :
			    (text_utf8 ? "▾" : "-"), g->name[0] ? g->name : "(no experiment)", g->count);
			continue;
		}
		size_t r = (size_t)vr->row;
		int rattr = tv->rowattr ? tv->rowattr(tv->ctx, r) : 0;
		int base = sel ? draw_attr(ROLE_SEL) : rattr;
		if (sel)
			draw_fill(y, 0, base);
		if (gutter && t->marks[r])
			draw_text(y, 0, 2, text_utf8 ? "✓" : "*", sel ? base : draw_attr(ROLE_MARK));
		x = gutter;
		for (size_t j = tv->left; j < lastcol && x < w; j++) {
			if (!shown(tv, j))
				continue;
			int cw = col_width(tv, j);
			int attr = base;
			const char *s = NULL;
			if (tv->cell)
				s = tv->cell(tv->ctx, r, j, buf, sizeof buf, &attr);
			if (s == NULL)
				s = tab_cell(t, r, j);
			if (sel)
				attr = base | (attr & A_BOLD);
			draw_cell(y, x, cw < w - x ? cw : w - x, s, (t->cols[j].flags & TC_RIGHT) != 0,
			    attr);
			x += cw + 2;
		}
	}
	if (t->nview == 0)
		draw_text(y0 + 1, 2, w - 2, t->nrows ? "(no rows match the filter; Esc clears it)" :
		    "(empty)", draw_attr(ROLE_DIM));
}

static void
resort(struct tabview *tv, int col, int desc)
{
	tab_sort(tv->t, col, desc);
	tabview_refresh(tv);
}

unsigned
tabview_action(struct tabview *tv, struct app *a, enum action act)
{
	struct tab *t = tv->t;
	(void)a;
	if (t == NULL)
		return 0;
	if (nav_move(&tv->nav, act, page_of(tv)))
		return R_HANDLED | R_REDRAW;
	switch (act) {
	case ACT_LEFT:
		while (tv->col > 0) {
			tv->col--;
			if (shown(tv, tv->col))
				break;
		}
		return R_HANDLED | R_REDRAW;
	case ACT_RIGHT:
		for (size_t j = tv->col + 1; j < t->ncols; j++)
			if (shown(tv, j)) {
				tv->col = j;
				break;
			}
		return R_HANDLED | R_REDRAW;
	case ACT_SORT: {
		unsigned f = t->cols[tv->col].flags;
		if (t->sort_col == (int)tv->col)
			resort(tv, (int)tv->col, !t->sort_desc);
		else
			resort(tv, (int)tv->col, (f & TC_HIGH) ? 1 : 0);
		return R_HANDLED | R_REDRAW;
	}
	case ACT_SORT_ASC:
		resort(tv, (int)tv->col, 0);
		return R_HANDLED | R_REDRAW;
	case ACT_SORT_DESC:
		resort(tv, (int)tv->col, 1);
		return R_HANDLED | R_REDRAW;
	case ACT_UNSORT:
		resort(tv, -1, 0);
		return R_HANDLED | R_REDRAW;
	default:
		return 0;
	}
}

unsigned
tabview_filter(struct tabview *tv, struct app *a, const char *text)
{
	char *err = NULL;
	if (tv->t == NULL)
		return 0;
	if (tab_filter(tv->t, text, &err) != 0) {
		app_msg(a, MSG_ERROR, "filter: %s", err ? err : "bad filter");
		free(err);
		return R_HANDLED | R_REDRAW;
	}
	tabview_refresh(tv);
	if (text && *text)
		app_msg(a, MSG_INFO, "%zu of %zu rows match", tv->t->nmatch, tv->t->nrows);
	return R_HANDLED | R_REDRAW;
}

unsigned
tabview_click(struct tabview *tv, int y, int x)
{
	struct tab *t = tv->t;
	if (t == NULL)
		return 0;
	if (y == 0) {		/* the header: that column becomes current */
		int cx = tv->marks ? 2 : 0;
		for (size_t j = tv->left; j < t->ncols; j++) {
			if (!shown(tv, j))
				continue;
			int cw = col_width(tv, j);
			if (x >= cx && x < cx + cw + 2) {
				tv->col = j;
				return R_HANDLED | R_REDRAW;
			}
			cx += cw + 2;
		}
		return R_HANDLED;
	}
	size_t line = tv->nav.top + (size_t)(y - 1);
	if (line < t->nview) {
		nav_goto(&tv->nav, line, page_of(tv));
		return R_HANDLED | R_REDRAW;
	}
	return R_HANDLED;
}
