/*
 * screen_plot.c — a plot pane, and the plots built from run records.
 *
 * The pane asks gnuplot for a text rendering sized to itself (re-asked
 * when the terminal is resized), so it works over any SSH session; `e`
 * and `E` write the same plot as PNG or SVG into $LATHE_PLOT_DIR (else
 * the current directory) and show the file's path.  Without gnuplot the
 * pane says so and nothing else is affected.
 *
 * Plots from records: learning curves (one run: every curve it recorded;
 * several runs: their loss curves overlaid), predicted against actual for
 * regression and ROC curves for classification, both from the run's
 * `predictions` artifact (held-out rows: row, prediction, p_<class>...)
 * against the target column of the run's dataset version.
 * Permutation importance: horizontal bars, computed on demand (train/importance.c).
 */
#include "app.h"
#include "plot.h"
#include "plotdata.h"
#include "store/dataset.h"
#include "train/importance.h"
#include "train/runs_query.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct splot {
	struct screen	 base;
	struct plot	*pl;
	char		 stem[96];
	char		*text;		/* the last rendering */
	int		 tw, th;	/* its size */
	char		*err;
};

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct splot *s = (struct splot *)sc;
	int w = a->cols;
	if (s->text == NULL || s->tw != w || s->th != h) {
		free(s->text);
		free(s->err);
		s->text = s->err = NULL;
		s->tw = w;
		s->th = h;
		plot_render(s->pl, w - 1, h, &s->text, &s->err);
	}
	if (s->err) {
		draw_text(y0 + 1, 2, w - 4, s->pl->title ? s->pl->title : "plot", draw_attr(ROLE_TITLE));
		draw_text(y0 + 3, 2, w - 4, s->err, draw_attr(ROLE_ERROR));
		draw_textf(y0 + 5, 2, w - 4, draw_attr(ROLE_DIM), "%zu points in %zu series; the rest "
		    "of lathe works as before (q goes back)", plot_npoints(s->pl), s->pl->ns);
		return;
	}
	const char *p = s->text;
	for (int i = 0; i < h && *p; i++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char line[2048];
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		draw_text(y0 + i, 0, w, line, AN);
		p += n + (e != NULL);
	}
}

static void
export(struct splot *s, struct app *a, int svg)
{
	char dir[PATH_MAX], path[PATH_MAX + 200], stem[96], *err = NULL;
	const char *d = getenv("LATHE_PLOT_DIR");
	if (d && *d)
		text_copy(dir, sizeof dir, d);
	else if (getcwd(dir, sizeof dir) == NULL)
		text_copy(dir, sizeof dir, ".");
	/* a file name from the stem: letters, digits and -_.@ */
	size_t k = 0;
	for (const char *q = s->stem; *q && k < sizeof stem - 1; q++)
		stem[k++] = (isalnum((unsigned char)*q) || strchr("-_.@", *q)) ? *q : '_';
	stem[k] = '\0';
	struct stat sb;
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(path, sizeof path, "%s/lathe-%s.%s", dir, stem, svg ? "svg" : "png");
		else
			snprintf(path, sizeof path, "%s/lathe-%s-%d.%s", dir, stem, i, svg ? "svg" : "png");
		if (stat(path, &sb) != 0)
			break;
	}
	if (plot_export(s->pl, path, svg, &err) != 0) {
		app_err(a, err);
		return;
	}
	char real[PATH_MAX];
	app_msg(a, MSG_GOOD, "saved %s as %s", svg ? "SVG" : "PNG",
	    realpath(path, real) ? real : path);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct splot *s = (struct splot *)sc;
	switch (act) {
	case ACT_EXPORT_PNG:
	case ACT_EXPORT_SVG:
		export(s, a, act == ACT_EXPORT_SVG);
		return R_HANDLED | R_REDRAW;
	case ACT_REDRAW:
		free(s->text);
		s->text = NULL;
		return 0;
	default:
		return 0;
	}
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct splot *s = (const struct splot *)sc;
	snprintf(buf, n, "%s", s->pl->title ? s->pl->title : "plot");
}

static void
destroy(struct screen *sc)
{
	struct splot *s = (struct splot *)sc;
	plot_free(s->pl);
	free(s->pl);
	free(s->text);
	free(s->err);
	free(s);
}

static const struct screen_class plot_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "plot",
	.id = SCR_PLOT,
	.draw = draw,
	.on_action = on_action,
	.context = context,
	.destroy = destroy,
};

struct screen *
screen_plot_new(struct app *a, struct plot *pl, const char *stem)
{
	struct splot *s = calloc(1, sizeof *s);
	(void)a;
	if (s == NULL) {
		plot_free(pl);
		free(pl);
		return NULL;
	}
	s->base.cls = &plot_class;
	s->pl = pl;
	text_copy(s->stem, sizeof s->stem, stem ? stem : "plot");
	text_copy(s->base.title, sizeof s->base.title, "plot");
	return &s->base;
}

/* ------------------------------------------------------------------ */
/* plots from run records                                              */

struct curves_ctx {
	struct plot		*pl;
	int64_t			 id;
	int			 only_loss;
	char			 cur[96];
	struct plot_series	*s;
	int			 oom;
};

static int
curve_pt(void *ctx, const char *name, int step, double value)
{
	struct curves_ctx *c = ctx;
	if (c->only_loss && strcmp(name, "loss") != 0)
		return 0;
	if (c->s == NULL || strcmp(c->cur, name) != 0) {
		char title[160];
		if (c->only_loss)
			snprintf(title, sizeof title, "run %lld", (long long)c->id);
		else
			snprintf(title, sizeof title, "%s", name);
		text_copy(c->cur, sizeof c->cur, name);
		if ((c->s = plot_series_add(c->pl, title, PS_LINES)) == NULL) {
			c->oom = 1;
			return 1;
		}
	}
	if (plot_point(c->s, step, value) != 0) {
		c->oom = 1;
		return 1;
	}
	return 0;
}

int
plot_run_curves(struct app *a, const int64_t *ids, size_t n, struct plot *pl, char **err)
{
	char title[200];
	if (n == 1)
		snprintf(title, sizeof title, "run %lld: curves", (long long)ids[0]);
	else
		snprintf(title, sizeof title, "loss of %zu runs", n);
	plot_init(pl, title, "iteration", n == 1 ? "value" : "loss");
	for (size_t i = 0; i < n; i++) {
		struct curves_ctx c = { .pl = pl, .id = ids[i], .only_loss = n > 1 };
		if (run_curves_visit(a->p, ids[i], curve_pt, &c, err) != 0)
			return -1;
		if (c.oom)
			return err_set(err, "out of memory");
	}
	if (plot_npoints(pl) == 0) {
		plot_free(pl);
		return err_set(err, "no curves recorded for %s (algorithms report a loss per "
		    "iteration; closed-form solvers have none)", n == 1 ? "this run" : "these runs");
	}
	return 0;
}

void
plot_push_run_curves(struct app *a, const int64_t *ids, size_t n, const char *stem)
{
	char *err = NULL;
	struct plot *pl = calloc(1, sizeof *pl);
	if (pl == NULL || plot_run_curves(a, ids, n, pl, &err) != 0) {
		app_err(a, err);
		if (pl)
			plot_free(pl);
		free(pl);
	} else {
		app_push(a, screen_plot_new(a, pl, stem));
	}
}

/* The text of a dataset cell, as class labels are written. */
static void
cell_label(const struct column *c, size_t row, char *buf, size_t n)
{
	if (c->kind == COL_NUMERIC) {
		double x = ((const double *)c->chunks[0].data)[row];
		if (isnan(x))
			buf[0] = '\0';
		else
			fmt_double(buf, x);
		(void)n;
	} else {
		const char *s = column_str_at(c, row);
		text_copy(buf, n, s ? s : "");
	}
}

int
plot_run_predictions(struct app *a, int64_t id, int roc, struct plot *pl, char **err)
{
	struct run_info ri;
	struct dsver v = { 0 };
	struct table *meta = NULL, *tc = NULL;
	void *art = NULL;
	size_t len;
	char ref[32], title[200];
	json_error_t je;
	json_t *classes = NULL;
	int rc = -1;
	double **p = NULL;
	size_t *rows = NULL, np = 0, cap = 0, k = 0;
	double *pred = NULL;

	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(a->p, ref, &ri, err) != 0)
		return -1;
	int cls = strcmp(ri.task, "classification") == 0;
	int reg = strcmp(ri.task, "regression") == 0;
	if (roc && !cls) {
		err_set(err, "ROC curves are for classification; run %lld is %s", (long long)id, ri.task);
		goto out;
	}
	if (!roc && !reg) {
		err_set(err, "predicted against actual is for regression; run %lld is %s%s",
		    (long long)id, ri.task, cls ? " (o plots its ROC curve)" : "");
		goto out;
	}
	if (run_artifact(a->p, id, "predictions", &art, &len, err) != 0)
		goto out;
	classes = json_loads(ri.classes ? ri.classes : "[]", JSON_DECODE_ANY, &je);
	k = cls ? json_array_size(classes) : 0;
	if (cls && k < 2) {
		err_set(err, "run %lld recorded no classes", (long long)id);
		goto out;
	}
	if (k && (p = calloc(k, sizeof *p)) == NULL)
		goto oom;
	/* predictions: row,prediction[,p_<class>...]; the probabilities are the
	 * last k fields (a label may hold anything) */
	char *line = art, *end = (char *)art + len;
	int header = 1;
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *le = nl ? nl : end;
		if (header) {
			header = 0;
		} else if (le > line) {
			if (np == cap) {
				cap = cap ? cap * 2 : 256;
				size_t *nr = realloc(rows, cap * sizeof *nr);
				double *npd = realloc(pred, cap * sizeof *npd);
				if (nr)
					rows = nr;
				if (npd)
					pred = npd;
				if (!nr || !npd)
					goto oom;
				for (size_t c = 0; c < k; c++) {
					double *pc = realloc(p[c], cap * sizeof *pc);
					if (pc == NULL)
						goto oom;
					p[c] = pc;
				}
			}
			rows[np] = strtoul(line, NULL, 10);
			/* fields from the end */
			char *q = le;
			for (size_t c = k; c-- > 0;) {
				char *f = q;
				while (f > line && f[-1] != ',')
					f--;
				p[c][np] = strtod(f, NULL);
				q = f > line ? f - 1 : line;
			}
			if (reg) {
				char *comma = memchr(line, ',', (size_t)(le - line));
				pred[np] = comma ? strtod(comma + 1, NULL) : NAN;
			}
			np++;
		}
		line = le + 1;
	}
	if (np == 0) {
		err_set(err, "run %lld has no held-out predictions (trained on every row?)",
		    (long long)id);
		goto out;
	}
	/* the actual values: the target column of the run's dataset version */
	if (dataset_resolve(a->p, ri.dataset, &v, err) != 0 || dataset_load(a->p, &v, 0, &meta,
	    err) != 0)
		goto out;
	size_t col = 0;
	while (col < meta->ncols && strcmp(meta->cols[col].name, ri.target ? ri.target : "") != 0)
		col++;
	if (col == meta->ncols) {
		err_set(err, "the target '%s' is not in %s", ri.target ? ri.target : "", ri.dataset);
		goto out;
	}
	if (dataset_load_column(a->p, &v, col, &tc, err) != 0)
		goto out;
	const struct column *c = &tc->cols[0];
	if (reg) {
		snprintf(title, sizeof title, "run %lld: predicted against actual %s (%zu held-out "
		    "rows)", (long long)id, ri.target, np);
		plot_init(pl, title, "actual", "predicted");
		pl->diagonal = 1;
		struct plot_series *s = plot_series_add(pl, "rows", PS_POINTS);
		for (size_t i = 0; s && i < np; i++)
			if (rows[i] < tc->nrows)
				plot_point(s, ((const double *)c->chunks[0].data)[rows[i]], pred[i]);
		rc = 0;
		goto out;
	}
	/* ROC: one curve (binary: the second class is positive), or one per
	 * class against the rest */
	int *y = malloc(np * sizeof *y);
	if (y == NULL)
		goto oom;
	char lab[256], cl[256];
	snprintf(title, sizeof title, "run %lld: ROC (%zu held-out rows)", (long long)id, np);
	plot_init(pl, title, "false positive rate", "true positive rate");
	pl->diagonal = 1;
	pl->square = 1;
	for (size_t q = k == 2 ? 1 : 0; q < k && q < 12; q++) {
		json_t *cv = json_array_get(classes, q);
		if (json_is_string(cv))
			text_copy(cl, sizeof cl, json_string_value(cv));
		else
			fmt_double(cl, json_number_value(cv));
		for (size_t i = 0; i < np; i++) {
			cell_label(c, rows[i] < tc->nrows ? rows[i] : 0, lab, sizeof lab);
			y[i] = strcmp(lab, cl) == 0;
		}
		double *fpr = NULL, *tpr = NULL;
		size_t npts = 0;
		if (roc_points(y, p[q], np, &fpr, &tpr, &npts) != 0)
			continue;	/* a class absent from the held-out rows */
		char st[300];
		snprintf(st, sizeof st, "%s (AUC %.4f)", cl, roc_area(fpr, tpr, npts));
		struct plot_series *s = plot_series_add(pl, st, PS_LINES);
		for (size_t i = 0; s && i < npts; i++)
			plot_point(s, fpr[i], tpr[i]);
		free(fpr);
		free(tpr);
	}
	free(y);
	if (plot_npoints(pl) == 0) {
		plot_free(pl);
		err_set(err, "no class has both positives and negatives among the held-out rows");
		goto out;
	}
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	if (p)
		for (size_t q = 0; q < k; q++)
			free(p[q]);
	free(p);
	free(rows);
	free(pred);
	free(art);
	json_decref(classes);
	table_free(meta);
	table_free(tc);
	dsver_clear(&v);
	run_info_clear(&ri);
	return rc;
}

/*
 * The permutation importance of run id (train/importance.c, as `lathe
 * importance` with its default repeats) as horizontal bars, the most
 * important column at the top.  Computed now, in the foreground: it
 * predicts the held-out rows (1 + columns x 5) times.
 */
int
plot_run_importance(struct app *a, int64_t id, struct plot *pl, char **err)
{
	struct importance *im = NULL;
	char ref[32], title[160], xl[64];
	int rc = -1;

	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (importance_compute(a->p, ref, IMPORTANCE_REPEATS_DEFAULT, &im, err) != 0)
		return -1;
	snprintf(title, sizeof title, "run %lld: permutation importance (%zu held-out rows, "
	    "%d repeats)", (long long)id, im->nrows, im->repeats);
	snprintf(xl, sizeof xl, "mean decrease of %s", im->metric);
	plot_init(pl, title, xl, NULL);
	struct plot_series *s = plot_series_add(pl, "mean decrease", PS_HBARS);
	if (s == NULL)
		goto oom;
	for (size_t i = 0; i < im->ncols; i++)
		if (plot_point(s, im->cols[i].mean, (double)i) != 0 ||
		    plot_ytic(pl, im->cols[i].name) != 0)
			goto oom;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
	plot_free(pl);
out:
	importance_free(im);
	return rc;
}
