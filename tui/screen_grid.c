/*
 * screen_grid.c — the data grid: the rows of a dataset version, a window
 * at a time, with each column's kind under its name, missing cells marked
 * NA (dimmed), a column panel with the statistics recorded at import and
 * a histogram (numbers) or frequency table (strings), sorting and
 * filtering.
 *
 * Only the cells on screen are read: a dataset window (dataset_window.h)
 * fetches the stored chunks that hold them, so a million-row dataset opens
 * and scrolls at once.  Sorting and filtering need whole columns; those
 * are loaded when asked for (one column is a few memcpys) and the view
 * becomes an array of row numbers.
 *
 * Filter (`/`, applied on Enter): an expression of the recipe language
 * over column names (`age > 30 && sex == "male"`, see docs/recipes.md,
 * `derive`) keeps the rows where it is true; any other text keeps the
 * rows whose current-column cell contains it (case-insensitive).
 */
#include "app.h"
#include "plot.h"
#include "plotdata.h"
#include "rowsort.h"
#include "features/expr.h"
#include "features/frame.h"
#include "store/dataset.h"
#include "store/dataset_window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PANEL_W	38
#define NBINS	12

struct sgrid {
	struct screen	 base;
	struct dswin	*w;
	struct dsver	 v;
	char		 ref[160];
	int		*cw;		/* column widths */
	size_t		 ncols;
	size_t		*idx;		/* view rows (NULL: every row in order) */
	size_t		 nview;
	int		 sort_col, sort_desc;
	char		 filter_desc[300];
	struct listnav	 nav;
	size_t		 col, left;
	int		 panel;
	int		 page;
	/* panel histogram of panel_col */
	long		 hist_col;
	size_t		 hist[NBINS];
	double		 hlo, hhi;
	char		*err;		/* a read error to show */
};

static const struct column *
meta_col(const struct sgrid *g, size_t j)
{
	return &dswin_meta(g->w)->cols[j];
}

static size_t
row_at(const struct sgrid *g, size_t i)
{
	return g->idx ? g->idx[i] : i;
}

static const char *
kind_tag(const struct column *c)
{
	if (c->kind == COL_NUMERIC)
		return c->st.likely_label ? "num·label" : c->st.is_integer ? "num·int" : "num";
	return c->kind == COL_CATEGORICAL ? "cat" : "text";
}

static void
widths(struct sgrid *g)
{
	char buf[64];
	for (size_t j = 0; j < g->ncols; j++) {
		const struct column *c = meta_col(g, j);
		int w = text_width(c->name);
		int kw = text_width(kind_tag(c));
		w = w > kw ? w : kw;
		if (c->kind == COL_NUMERIC) {
			double probes[] = { c->st.min, c->st.max, c->st.median, c->st.q25, c->st.q75 };
			for (size_t k = 0; k < ARRAY_LEN(probes); k++)
				if (!isnan(probes[k])) {
					int l = (int)strlen(fmt_double(buf, probes[k]));
					w = l > w ? l : w;
				}
			if (w > 16)
				w = 16;
		} else {
			for (int k = 0; k < c->st.ntop; k++) {
				int l = text_width(c->st.top[k].label);
				w = l > w ? l : w;
			}
			if (w > 24)
				w = 24;
		}
		g->cw[j] = w < 3 ? 3 : w;
	}
}

/* The text of cell (row, col); *missing set when it is missing. */
static const char *
cell(struct sgrid *g, size_t row, size_t j, char *buf, int *missing)
{
	char *err = NULL;
	*missing = 0;
	if (meta_col(g, j)->kind == COL_NUMERIC) {
		double x;
		if (dswin_num(g->w, j, row, &x, &err) != 0) {
			if (g->err == NULL)
				g->err = err;
			else
				free(err);
			return "?";
		}
		if (isnan(x)) {
			*missing = 1;
			return "NA";
		}
		return fmt_double(buf, x);
	}
	const char *s;
	if (dswin_str(g->w, j, row, &s, &err) != 0) {
		if (g->err == NULL)
			g->err = err;
		else
			free(err);
		return "?";
	}
	if (s == NULL) {
		*missing = 1;
		return "NA";
	}
	return s;
}

static int
panel_width(const struct app *a, const struct sgrid *g)
{
	if (!g->panel)
		return 0;
	return a->cols >= 120 ? PANEL_W + 6 : a->cols >= 70 ? PANEL_W : 0;
}

static void
compute_hist(struct sgrid *g, struct app *a)
{
	const struct column *full;
	const struct column *c = meta_col(g, g->col);
	char *err = NULL;
	g->hist_col = (long)g->col;
	memset(g->hist, 0, sizeof g->hist);
	if (c->kind != COL_NUMERIC || isnan(c->st.min))
		return;
	if (dswin_column(g->w, g->col, &full, &err) != 0) {
		app_err(a, err);
		return;
	}
	g->hlo = c->st.min;
	g->hhi = c->st.max;
	hist_bins(full->chunks[0].data, dswin_nrows(g->w), g->hlo, g->hhi, NBINS, g->hist);
}

static void
draw_panel(struct sgrid *g, struct app *a, int y0, int h, int x0, int w)
{
	const struct column *c = meta_col(g, g->col);
	const struct col_stats *st = &c->st;
	char b1[32];
	int y = y0;
	attrset(AN);
	mvvline(y0, x0 - 1, ACS_VLINE, h);
	draw_text(y++, x0, w, c->name, draw_attr(ROLE_TITLE));
	draw_textf(y++, x0, w, AN, "%s%s", col_kind_name(c->kind),
	    st->likely_label ? ", likely class label" : st->is_integer ? ", integers" : "");
	size_t n = st->count + st->missing;
	draw_textf(y++, x0, w, AN, "count %zu  missing %zu (%.1f%%)", st->count, st->missing,
	    n ? 100.0 * (double)st->missing / (double)n : 0.0);
	draw_textf(y++, x0, w, AN, "distinct %zu", st->distinct);
	if (c->kind == COL_NUMERIC) {
		const char *names[] = { "mean", "std", "min", "25%", "median", "75%", "max" };
		double vals[] = { st->mean, st->std, st->min, st->q25, st->median, st->q75, st->max };
		for (size_t k = 0; k < ARRAY_LEN(names) && y < y0 + h; k++)
			draw_textf(y++, x0, w, AN, "%-7s %s", names[k],
			    isnan(vals[k]) ? "" : text_num(b1, sizeof b1, vals[k], 6));
		if (g->hist_col != (long)g->col)
			compute_hist(g, a);
		size_t mx = 0;
		for (int k = 0; k < NBINS; k++)
			mx = g->hist[k] > mx ? g->hist[k] : mx;
		if (y + 2 < y0 + h)
			draw_text(++y, x0, w, "histogram", draw_attr(ROLE_TITLE));
		y++;
		double bw = (g->hhi - g->hlo) / NBINS;
		for (int k = 0; k < NBINS && y < y0 + h; k++, y++) {
			char lab[24];
			text_num(lab, sizeof lab, g->hlo + bw * k, 4);
			int lw = 9, cw = 7;
			draw_cell(y, x0, lw, lab, 1, draw_attr(ROLE_DIM));
			int bwid = w - lw - cw - 2;
			draw_bar(y, x0 + lw + 1, bwid, mx ? (double)g->hist[k] / (double)mx : 0,
			    draw_attr(ROLE_GOOD));
			draw_textf(y, x0 + lw + 1 + bwid, cw + 1, AN, " %zu", g->hist[k]);
		}
	} else {
		if (y + 2 < y0 + h)
			draw_text(++y, x0, w, "most frequent", draw_attr(ROLE_TITLE));
		y++;
		size_t mx = st->ntop ? st->top[0].count : 0;
		for (int k = 0; k < st->ntop && y < y0 + h; k++, y++) {
			int lw = 12, cw = 7;
			draw_cell(y, x0, lw, st->top[k].label, 0, AN);
			int bwid = w - lw - cw - 2;
			draw_bar(y, x0 + lw + 1, bwid, mx ? (double)st->top[k].count / (double)mx : 0,
			    draw_attr(ROLE_GOOD));
			draw_textf(y, x0 + lw + 1 + bwid, cw + 1, AN, " %zu", st->top[k].count);
		}
		if (st->distinct > (size_t)st->ntop && y < y0 + h)
			draw_textf(y, x0, w, draw_attr(ROLE_DIM), "… and %zu more values",
			    st->distinct - (size_t)st->ntop);
	}
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct sgrid *g = (struct sgrid *)sc;
	char buf[64], rn[32];
	int pw = panel_width(a, g);
	int gw = a->cols - (pw ? pw + 1 : 0);
	int rows = h - 2;
	if (rows < 1)
		return;
	g->page = rows;
	nav_show(&g->nav, (size_t)rows);
	snprintf(rn, sizeof rn, "%zu", dswin_nrows(g->w));
	int numw = (int)strlen(rn) + 1;
	/* horizontal scroll so that the current column shows */
	if (g->left > g->col)
		g->left = g->col;
	for (;;) {
		int x = numw + 1;
		for (size_t j = g->left; j <= g->col; j++)
			x += g->cw[j] + 2;
		if (x <= gw || g->left >= g->col)
			break;
		g->left++;
	}
	draw_fill(y0, 0, draw_attr(ROLE_COLHEAD));
	draw_fill(y0 + 1, 0, draw_attr(ROLE_DIM));
	draw_cell(y0, 0, numw, "#", 1, draw_attr(ROLE_COLHEAD));
	int x = numw + 1;
	int lastcol = (int)g->ncols;		/* columns that fit, at least in part */
	for (size_t j = g->left; j < g->ncols && x < gw; j++) {
		const struct column *c = meta_col(g, j);
		int cw = g->cw[j] < gw - x ? g->cw[j] : gw - x;
		if (cw < g->cw[j] && cw < 6 && j > g->left) {	/* a sliver: leave it out */
			lastcol = (int)j;
			break;
		}
		int right = c->kind == COL_NUMERIC;
		const char *arrow = (int)j == g->sort_col ? (g->sort_desc ? "▼" : "▲") : "";
		char nm[256];
		snprintf(nm, sizeof nm, "%s%s", c->name, text_utf8 ? arrow : (*arrow ? "*" : ""));
		draw_cell(y0, x, cw, nm, right, j == g->col ? draw_attr(ROLE_CURCOL) :
		    draw_attr(ROLE_COLHEAD));
		draw_cell(y0 + 1, x, cw, kind_tag(c), right, draw_attr(ROLE_DIM));
		x += g->cw[j] + 2;
	}
	for (int i = 0; i < rows; i++) {
		size_t line = g->nav.top + (size_t)i;
		int y = y0 + 2 + i;
		if (line >= g->nview)
			break;
		size_t r = row_at(g, line);
		int sel = line == g->nav.cur;
		if (sel)
			draw_fill(y, 0, draw_attr(ROLE_SEL));
		snprintf(rn, sizeof rn, "%zu", r + 1);
		draw_cell(y, 0, numw, rn, 1, sel ? draw_attr(ROLE_SEL) : draw_attr(ROLE_DIM));
		x = numw + 1;
		for (size_t j = g->left; j < (size_t)lastcol && x < gw; j++) {
			int miss, cw = g->cw[j] < gw - x ? g->cw[j] : gw - x;
			const char *s = cell(g, r, j, buf, &miss);
			int attr = miss ? draw_attr(ROLE_MISSING) : AN;
			if (sel)
				attr = j == g->col ? draw_attr(ROLE_CURCOL) : draw_attr(ROLE_SEL);
			draw_cell(y, x, cw, s, meta_col(g, j)->kind == COL_NUMERIC, attr);
			x += g->cw[j] + 2;
		}
	}
	if (g->nview == 0)
		draw_text(y0 + 2, 2, gw - 2, dswin_nrows(g->w) ? "(no rows match the filter; Esc "
		    "clears it)" : "(no rows)", draw_attr(ROLE_DIM));
	if (pw)
		draw_panel(g, a, y0, h, a->cols - pw, pw);
	if (g->err) {
		app_msg(a, MSG_ERROR, "%s", g->err);
		free(g->err);
		g->err = NULL;
	}
}

/* (Re)build the view from the filter rows and the sort. */
static int
apply_sort(struct sgrid *g, struct app *a)
{
	const struct column *full;
	char *err = NULL;
	size_t n = g->nview;
	if (g->sort_col < 0)
		return 0;
	if (dswin_column(g->w, (size_t)g->sort_col, &full, &err) != 0) {
		app_err(a, err);
		return -1;
	}
	size_t *out = malloc((n ? n : 1) * sizeof *out);
	if (out == NULL) {
		app_msg(a, MSG_ERROR, "out of memory");
		return -1;
	}
	int rc = full->kind == COL_NUMERIC ?
	    rowsort_num(full->chunks[0].data, g->idx, n, g->sort_desc, out) :
	    rowsort_codes(full->chunks[0].data, &full->dict, g->idx, n, g->sort_desc, out);
	if (rc != 0) {
		free(out);
		app_msg(a, MSG_ERROR, "out of memory");
		return -1;
	}
	free(g->idx);
	g->idx = out;
	return 0;
}

/* Rows where the expression is true; 1 if text was an expression over
 * this dataset's columns, 0 if not one (use substring), -1 on error. */
static int
filter_expr(struct sgrid *g, struct app *a, const char *text, size_t **rows, size_t *nrows)
{
	struct expr *e = NULL;
	struct frame *f = NULL;
	struct table tmp = { 0 };
	double *out = NULL;
	char *err = NULL;
	int errcol, rc = -1;
	size_t n = dswin_nrows(g->w);

	if (expr_parse(text, 1, &e, &errcol, &err) != 0) {
		free(err);
		return 0;
	}
	size_t k = expr_ncolumns(e);
	if (k == 0) {
		expr_free(e);
		return 0;
	}
	if ((tmp.cols = calloc(k, sizeof *tmp.cols)) == NULL)
		goto oom;
	tmp.nrows = n;
	for (size_t i = 0; i < k; i++) {
		const char *name = expr_column(e, i);
		size_t j = 0;
		while (j < g->ncols && strcmp(meta_col(g, j)->name, name) != 0)
			j++;
		if (j == g->ncols)
			continue;	/* a quoted string literal, or no column at all */
		const struct column *full;
		if (dswin_column(g->w, j, &full, &err) != 0) {
			app_err(a, err);
			goto out;
		}
		int dup = 0;
		for (size_t q = 0; q < tmp.ncols; q++)
			dup |= strcmp(tmp.cols[q].name, name) == 0;
		if (!dup)
			tmp.cols[tmp.ncols++] = *full;	/* shallow: borrowed */
	}
	if (tmp.ncols == 0) {
		rc = 0;			/* names no column: plain text */
		goto out;
	}
	if ((f = frame_from_table(&tmp, NULL, 0, NULL)) == NULL)
		goto oom;
	if (expr_check(e, f, &errcol, &err) != 0) {
		app_msg(a, MSG_ERROR, "filter: column %d: %s", errcol, err ? err : "bad expression");
		free(err);
		goto out;
	}
	if ((out = malloc((n ? n : 1) * sizeof *out)) == NULL)
		goto oom;
	if (expr_eval(e, f, out, &err) != 0) {
		app_err(a, err);
		goto out;
	}
	size_t *r = malloc((n ? n : 1) * sizeof *r), m = 0;
	if (r == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (!isnan(out[i]) && out[i] != 0)
			r[m++] = i;
	*rows = r;
	*nrows = m;
	rc = 1;
	goto out;
oom:
	app_msg(a, MSG_ERROR, "out of memory");
out:
	free(out);
	frame_free(f);
	free(tmp.cols);
	expr_free(e);
	return rc;
}

/* Rows whose current-column text contains text (case-insensitive). */
static int
filter_text(struct sgrid *g, struct app *a, const char *text, size_t **rows, size_t *nrows)
{
	const struct column *full;
	char *err = NULL, buf[32];
	size_t n = dswin_nrows(g->w), m = 0;
	if (dswin_column(g->w, g->col, &full, &err) != 0) {
		app_err(a, err);
		return -1;
	}
	size_t *r = malloc((n ? n : 1) * sizeof *r);
	if (r == NULL)
		return -1;
	if (full->kind == COL_NUMERIC) {
		const double *v = full->chunks[0].data;
		for (size_t i = 0; i < n; i++) {
			const char *s = isnan(v[i]) ? "NA" : fmt_double(buf, v[i]);
			if (strcasestr(s, text))
				r[m++] = i;
		}
	} else {
		const uint32_t *c = full->chunks[0].data;
		unsigned char *hit = calloc(full->dict.n + 1, 1);
		if (hit == NULL) {
			free(r);
			return -1;
		}
		for (uint32_t k = 0; k < full->dict.n; k++)
			hit[k] = strcasestr(strdict_get(&full->dict, k), text) != NULL;
		int na = strcasestr("NA", text) != NULL;
		for (size_t i = 0; i < n; i++)
			if (c[i] == CODE_NA ? na : hit[c[i]])
				r[m++] = i;
		free(hit);
	}
	*rows = r;
	*nrows = m;
	return 0;
}

static void
rebuild(struct sgrid *g, struct app *a)
{
	size_t keep = row_at(g, g->nav.cur < g->nview ? g->nav.cur : 0);
	size_t *rows = NULL, nrows = dswin_nrows(g->w);
	const char *text = g->base.filter;
	g->filter_desc[0] = '\0';
	if (*text) {
		int r = filter_expr(g, a, text, &rows, &nrows);
		if (r == 0 && filter_text(g, a, text, &rows, &nrows) != 0)
			r = -1;
		if (r < 0) {		/* the message says why; show every row */
			free(rows);
			rows = NULL;
			nrows = dswin_nrows(g->w);
			text = "";
		}
		snprintf(g->filter_desc, sizeof g->filter_desc, "%s '%s'", r ? "where" :
		    "contains", text);
		if (r == 0)
			snprintf(g->filter_desc, sizeof g->filter_desc, "%s contains '%s'",
			    meta_col(g, g->col)->name, text);
	}
	free(g->idx);
	g->idx = rows;
	g->nview = nrows;
	if (apply_sort(g, a) != 0) {
		g->sort_col = -1;
	}
	/* keep the cursor on the same row if it is still shown */
	size_t line = 0;
	if (g->idx == NULL)
		line = keep < g->nview ? keep : 0;
	else
		for (size_t i = 0; i < g->nview; i++)
			if (g->idx[i] == keep) {
				line = i;
				break;
			}
	nav_count(&g->nav, g->nview, (size_t)(g->page > 0 ? g->page : 20));
	nav_goto(&g->nav, line, (size_t)(g->page > 0 ? g->page : 20));
	if (*text)
		app_msg(a, MSG_INFO, "%zu of %zu rows: %s", g->nview, dswin_nrows(g->w),
		    g->filter_desc);
	else if (g->base.filter[0] == '\0')
		g->filter_desc[0] = '\0';
}

static void
plot_column(struct sgrid *g, struct app *a)
{
	const struct column *c = meta_col(g, g->col);
	struct plot *pl = calloc(1, sizeof *pl);
	char title[300], stem[200];
	if (pl == NULL)
		return;
	snprintf(title, sizeof title, "%s — %s", g->ref, c->name);
	snprintf(stem, sizeof stem, "%s-%s", g->ref, c->name);
	if (c->kind == COL_NUMERIC) {
		const struct column *full;
		char *err = NULL;
		size_t counts[40];
		plot_init(pl, title, c->name, "rows");
		if (isnan(c->st.min) || dswin_column(g->w, g->col, &full, &err) != 0) {
			app_err(a, err ? err : str_dup("no values to plot"));
			plot_free(pl);
			free(pl);
			return;
		}
		size_t nb = c->st.distinct < 40 ? (c->st.distinct ? c->st.distinct : 1) : 40;
		hist_bins(full->chunks[0].data, dswin_nrows(g->w), c->st.min, c->st.max, nb, counts);
		struct plot_series *s = plot_series_add(pl, "count", PS_BOXES);
		double bw = (c->st.max - c->st.min) / (double)nb;
		for (size_t k = 0; s && k < nb; k++)
			plot_point(s, c->st.min + bw * ((double)k + 0.5), (double)counts[k]);
	} else {
		plot_init(pl, title, NULL, "rows");
		struct plot_series *s = plot_series_add(pl, "count (most frequent)", PS_BOXES);
		for (int k = 0; s && k < c->st.ntop; k++) {
			plot_point(s, k, (double)c->st.top[k].count);
			plot_xtic(pl, c->st.top[k].label);
		}
	}
	app_push(a, screen_plot_new(a, pl, stem));
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct sgrid *g = (struct sgrid *)sc;
	size_t page = (size_t)(g->page > 0 ? g->page : 20);
	if (nav_move(&g->nav, act, page))
		return R_HANDLED | R_REDRAW;
	switch (act) {
	case ACT_LEFT:
		if (g->col > 0)
			g->col--;
		return R_HANDLED | R_REDRAW;
	case ACT_RIGHT:
		if (g->col + 1 < g->ncols)
			g->col++;
		return R_HANDLED | R_REDRAW;
	case ACT_COLPANEL:
		g->panel = !g->panel;
		return R_HANDLED | R_REDRAW;
	case ACT_SORT:
	case ACT_SORT_ASC:
	case ACT_SORT_DESC:
		if (act == ACT_SORT)
			g->sort_desc = g->sort_col == (int)g->col ? !g->sort_desc : 0;
		else
			g->sort_desc = act == ACT_SORT_DESC;
		g->sort_col = (int)g->col;
		rebuild(g, a);
		app_msg(a, MSG_INFO, "sorted by %s, %s", meta_col(g, g->col)->name,
		    g->sort_desc ? "descending" : "ascending");
		return R_HANDLED | R_REDRAW;
	case ACT_UNSORT:
		g->sort_col = -1;
		rebuild(g, a);
		return R_HANDLED | R_REDRAW;
	case ACT_HIST:
		plot_column(g, a);
		return R_HANDLED | R_REDRAW;
	case ACT_TRAIN: {
		struct train_preset pre = { .dataset = g->ref, .target = meta_col(g, g->col)->name,
			.test_size = -1, .seed = -1 };
		app_push(a, screen_train_new(a, &pre));
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static unsigned
on_filter(struct screen *sc, struct app *a, const char *text, int final)
{
	struct sgrid *g = (struct sgrid *)sc;
	/* a big dataset filters on Enter; a small one as you type */
	if (!final && dswin_nrows(g->w) > 200000)
		return 0;
	text_copy(g->base.filter, sizeof g->base.filter, text);
	rebuild(g, a);
	return R_HANDLED | R_REDRAW;
}

static unsigned
on_click(struct screen *sc, struct app *a, int y, int x, int dbl)
{
	struct sgrid *g = (struct sgrid *)sc;
	(void)a;
	(void)dbl;
	if (y >= 2) {
		size_t line = g->nav.top + (size_t)(y - 2);
		if (line < g->nview)
			nav_goto(&g->nav, line, (size_t)(g->page > 0 ? g->page : 20));
	}
	/* which column */
	char rn[32];
	snprintf(rn, sizeof rn, "%zu", dswin_nrows(g->w));
	int cx = (int)strlen(rn) + 2;
	for (size_t j = g->left; j < g->ncols; j++) {
		if (x >= cx && x < cx + g->cw[j] + 2) {
			g->col = j;
			break;
		}
		cx += g->cw[j] + 2;
	}
	return R_HANDLED | R_REDRAW;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct sgrid *g = (const struct sgrid *)sc;
	size_t o = (size_t)snprintf(buf, n, "row %zu of %zu",
	    g->nview ? g->nav.cur + 1 : 0, g->nview);
	if (g->nview != dswin_nrows(g->w) && o < n)
		o += (size_t)snprintf(buf + o, n - o, " (of %zu)", dswin_nrows(g->w));
	if (o < n && g->ncols)
		o += (size_t)snprintf(buf + o, n - o, "  col %zu/%zu", g->col + 1, g->ncols);
	if (o < n && g->sort_col >= 0)
		snprintf(buf + o, n - o, "  sorted");
}

static void
destroy(struct screen *sc)
{
	struct sgrid *g = (struct sgrid *)sc;
	dswin_free(g->w);
	dsver_clear(&g->v);
	free(g->cw);
	free(g->idx);
	free(g->err);
	free(g);
}

static const struct screen_class grid_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "grid",
	.id = SCR_GRID,
	.draw = draw,
	.on_action = on_action,
	.context = context,
	.on_filter = on_filter,
	.on_click = on_click,
	.destroy = destroy,
};

struct screen *
screen_grid_new(struct app *a, const char *ref, int panel, char **err)
{
	struct sgrid *g = calloc(1, sizeof *g);
	if (g == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	g->base.cls = &grid_class;
	g->sort_col = -1;
	g->hist_col = -1;
	g->panel = panel;
	if (dataset_resolve(a->p, ref, &g->v, err) != 0 || dswin_open(a->p, &g->v, &g->w, err) != 0) {
		destroy(&g->base);
		return NULL;
	}
	snprintf(g->ref, sizeof g->ref, "%s@%d", g->v.name, g->v.version);
	text_copy(g->base.title, sizeof g->base.title, g->ref);
	g->ncols = dswin_meta(g->w)->ncols;
	g->nview = dswin_nrows(g->w);
	if ((g->cw = calloc(g->ncols ? g->ncols : 1, sizeof *g->cw)) == NULL) {
		err_set(err, "out of memory");
		destroy(&g->base);
		return NULL;
	}
	widths(g);
	nav_count(&g->nav, g->nview, 20);
	return &g->base;
}
