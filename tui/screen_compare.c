/*
 * screen_compare.c — two or more runs side by side: what they ran on
 * (status, experiment, dataset, recipe, algorithm, target, seed,
 * duration), their parameters with the rows that differ highlighted, their
 * metrics with the best value of each emphasised and every value's delta
 * against the first run, sparklines of their loss curves (p overlays them
 * in one plot), and their confusion matrices side by side.  `d` shows only
 * what differs.
 */
#include "app.h"
#include "doc.h"
#include "plot.h"
#include "train/compare.h"
#include "train/metrics.h"
#include "train/runs_query.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_W	24
#define COL_W	20

struct crun {
	int64_t		 id;
	struct run_info	 ri;
	json_t		*params;
	json_t		*confusion;
	json_t		*classes;
	char		*mname[64];
	double		 mval[64];
	int		 nm;
	const char	*split;
	double		*loss;
	size_t		 nloss, caploss;
};

struct scompare {
	struct screen	 base;
	struct doc	 d;
	struct crun	*r;
	size_t		 n;
	int		 diff_only;
	char		*sig;		/* the significance section's text (lines) */
};

static int
metric_cb(void *ctx, const char *name, double v)
{
	struct crun *c = ctx;
	if (c->nm == 64)
		return 1;
	c->mname[c->nm] = str_dup(name);
	c->mval[c->nm++] = v;
	return 0;
}

static int
loss_cb(void *ctx, const char *name, int step, double v)
{
	struct crun *c = ctx;
	(void)step;
	if (strcmp(name, "loss") != 0)
		return 0;
	if (c->nloss == c->caploss) {
		size_t cap = c->caploss ? c->caploss * 2 : 128;
		double *nl = realloc(c->loss, cap * sizeof *nl);
		if (nl == NULL)
			return 1;
		c->loss = nl;
		c->caploss = cap;
	}
	c->loss[c->nloss++] = v;
	return 0;
}

static double
metric_of(const struct crun *c, const char *name)
{
	for (int i = 0; i < c->nm; i++)
		if (strcmp(c->mname[i], name) == 0)
			return c->mval[i];
	return NAN;
}

static void
json_cell(const json_t *v, char *buf, size_t n)
{
	char tmp[32];
	if (v == NULL)
		text_copy(buf, n, text_utf8 ? "—" : "-");
	else if (json_is_string(v))
		text_copy(buf, n, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		text_copy(buf, n, fmt_double(tmp, json_real_value(v)));
	else if (json_is_boolean(v))
		text_copy(buf, n, json_is_true(v) ? "true" : "false");
	else
		text_copy(buf, n, "?");
}

/* One row: a label and a value per run; highlight differing rows. */
static void
row(struct scompare *s, const char *label, char vals[][128], int section_diff_role)
{
	int differ = 0;
	for (size_t i = 1; i < s->n; i++)
		differ |= strcmp(vals[i], vals[0]) != 0;
	if (s->diff_only && !differ)
		return;
	struct sbuf b;
	sbuf_init(&b);
	char cell[512];
	text_cell(cell, sizeof cell, label, LABEL_W, 0);
	sbuf_printf(&b, "  %s", cell);
	for (size_t i = 0; i < s->n; i++) {
		text_cell(cell, sizeof cell, vals[i], COL_W - 1, 0);
		sbuf_printf(&b, " %s", cell);
	}
	long li = doc_add(&s->d, ROLE_NORMAL, "%s", b.s ? b.s : "");
	if (differ)
		doc_span(&s->d, li, 0, 2 + LABEL_W + (int)s->n * COL_W, section_diff_role);
	sbuf_free(&b);
}

static void
build(struct scompare *s)
{
	struct doc *d = &s->d;
	char (*vals)[128] = calloc(s->n, sizeof *vals);
	char head[512], tmp[64];
	struct sbuf b;

	doc_clear(d);
	if (vals == NULL)
		return;
	sbuf_init(&b);
	text_cell(head, sizeof head, "", LABEL_W, 0);
	sbuf_printf(&b, "  %s", head);
	for (size_t i = 0; i < s->n; i++) {
		snprintf(tmp, sizeof tmp, "run %lld", (long long)s->r[i].id);
		text_cell(head, sizeof head, tmp, COL_W - 1, 0);
		sbuf_printf(&b, " %s", head);
	}
	doc_add(d, ROLE_COLHEAD, "%s", b.s);
	sbuf_free(&b);

	/* what they ran on */
	static const char *const info[] = { "status", "experiment", "dataset", "recipe",
		"algorithm", "target", "task", "seed", "duration", "metrics from" };
	for (size_t q = 0; q < ARRAY_LEN(info); q++) {
		for (size_t i = 0; i < s->n; i++) {
			const struct run_info *ri = &s->r[i].ri;
			const char *v = "";
			char buf[128];
			switch (q) {
			case 0: v = run_status_name(ri->status); break;
			case 1: v = ri->experiment ? ri->experiment : ""; break;
			case 2: v = ri->dataset; break;
			case 3:
				if (ri->recipe_name) {
					snprintf(buf, sizeof buf, "%s@%d", ri->recipe_name, ri->recipe_version);
					v = buf;
				} else {
					v = "(inline or default)";
				}
				break;
			case 4: v = ri->algo; break;
			case 5: v = ri->target ? ri->target : ""; break;
			case 6: v = ri->task; break;
			case 7:
				snprintf(buf, sizeof buf, "%llu", (unsigned long long)ri->seed);
				v = buf;
				break;
			case 8: v = text_duration(buf, sizeof buf, ri->duration); break;
			case 9: v = s->r[i].split; break;
			}
			text_copy(vals[i], sizeof vals[i], v);
		}
		row(s, info[q], vals, ROLE_DIFF);
	}

	/* parameters: the union, in the first run's order */
	doc_add(d, ROLE_NORMAL, "%s", "");
	long ph = doc_add(d, ROLE_TITLE, "parameters");
	int ndiff = 0;
	const char **names = NULL;
	size_t nn = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(s->r[i].params, k, v) {
			size_t q = 0;
			while (q < nn && strcmp(names[q], k) != 0)
				q++;
			if (q == nn) {
				const char **nv = realloc(names, (nn + 1) * sizeof *nv);
				if (nv == NULL)
					break;
				names = nv;
				names[nn++] = k;
			}
		}
	}
	for (size_t q = 0; q < nn; q++) {
		int differ = 0;
		for (size_t i = 0; i < s->n; i++) {
			json_cell(json_object_get(s->r[i].params, names[q]), vals[i], sizeof vals[i]);
			differ |= i && strcmp(vals[i], vals[0]) != 0;
		}
		ndiff += differ;
		row(s, names[q], vals, ROLE_DIFF);
	}
	free(names);
	free(d->l[ph].text);
	if (asprintf(&d->l[ph].text, "parameters (%d of %zu differ%s)", ndiff, nn,
	    s->diff_only ? "; d shows all" : "; d shows only those") < 0)
		d->l[ph].text = NULL;

	/* metrics: union in the first run's order, best emphasised, deltas */
	doc_add(d, ROLE_NORMAL, "%s", "");
	snprintf(head, sizeof head, "metrics (best of each in colour; deltas against run %lld)",
	    (long long)s->r[0].id);
	doc_add(d, ROLE_TITLE, "%s", head);
	const char *mn[128];
	size_t nm = 0;
	for (size_t i = 0; i < s->n; i++)
		for (int k = 0; k < s->r[i].nm; k++) {
			size_t q = 0;
			while (q < nm && strcmp(mn[q], s->r[i].mname[k]) != 0)
				q++;
			if (q == nm && nm < ARRAY_LEN(mn))
				mn[nm++] = s->r[i].mname[k];
		}
	for (size_t q = 0; q < nm; q++) {
		const struct metrics_info *mi = metrics_lookup(mn[q]);
		double best = NAN, base = metric_of(&s->r[0], mn[q]);
		int differ = 0;
		for (size_t i = 0; i < s->n; i++) {
			double v = metric_of(&s->r[i], mn[q]);
			if (isnan(v))
				continue;
			if (isnan(best) || (mi && (mi->higher_is_better ? v > best : v < best)))
				best = v;
			if (i && v != base)
				differ = 1;
		}
		if (s->diff_only && !differ)
			continue;
		struct sbuf lb;
		sbuf_init(&lb);
		char cell[512];
		snprintf(tmp, sizeof tmp, "%s %s", mn[q], mi ? (mi->higher_is_better ?
		    (text_utf8 ? "↑" : "^") : (text_utf8 ? "↓" : "v")) : "");
		text_cell(cell, sizeof cell, tmp, LABEL_W, 0);
		sbuf_printf(&lb, "  %s", cell);
		int bestx[64], bestw[64], nb = 0;
		for (size_t i = 0; i < s->n; i++) {
			double v = metric_of(&s->r[i], mn[q]);
			char vb[64] = "", db[32] = "";
			int vw = 0;
			if (!isnan(v)) {
				snprintf(vb, sizeof vb, "%.4f", v);
				vw = (int)strlen(vb);
				if (i && !isnan(base))
					snprintf(db, sizeof db, " (%+.4f)", v - base);
				strncat(vb, db, sizeof vb - strlen(vb) - 1);
			}
			text_cell(cell, sizeof cell, vb, COL_W - 1, 0);
			if (!isnan(v) && v == best && mi && nb < 64) {
				bestx[nb] = 2 + LABEL_W + 1 + (int)i * COL_W;
				bestw[nb++] = vw < COL_W - 1 ? vw : COL_W - 1;
			}
			sbuf_printf(&lb, " %s", cell);
		}
		long li = doc_add(d, ROLE_NORMAL, "%s", lb.s);
		if (s->n > 1)
			for (int k = 0; k < nb; k++)
				doc_span(d, li, bestx[k], bestw[k], ROLE_BEST);
		sbuf_free(&lb);
	}

	/* curves */
	int any_loss = 0;
	for (size_t i = 0; i < s->n; i++)
		any_loss |= s->r[i].nloss > 0;
	if (any_loss) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		doc_add(d, ROLE_TITLE, "loss curves (p overlays them in one plot)");
		for (size_t i = 0; i < s->n; i++) {
			char spark[300], a1[32], a2[32];
			const struct crun *c = &s->r[i];
			if (c->nloss == 0)
				continue;
			text_sparkline(spark, sizeof spark, c->loss, c->nloss, 40);
			doc_add(d, ROLE_NORMAL, "  run %-6lld %5zu steps  %10s %s %-10s %s", (long long)c->id,
			    c->nloss, text_num(a1, sizeof a1, c->loss[0], 5), text_utf8 ? "→" : "->",
			    text_num(a2, sizeof a2, c->loss[c->nloss - 1], 5), spark);
		}
	}

	/* confusion matrices side by side */
	size_t maxk = 0;
	for (size_t i = 0; i < s->n; i++)
		if (json_array_size(json_object_get(s->r[i].confusion, "matrix")) > maxk)
			maxk = json_array_size(json_object_get(s->r[i].confusion, "matrix"));
	if (maxk) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		doc_add(d, ROLE_TITLE, "confusion matrices (rows: true class, columns: predicted)");
		int bw = 10 + 7 * (int)maxk;
		for (size_t line = 0; line < maxk + 2; line++) {
			struct sbuf lb;
			sbuf_init(&lb);
			sbuf_puts(&lb, "  ");
			for (size_t i = 0; i < s->n; i++) {
				json_t *m = json_object_get(s->r[i].confusion, "matrix");
				size_t k = json_array_size(m);
				char part[512] = "", lab[64];
				size_t o = 0;
				if (line == 0) {
					snprintf(part, sizeof part, "run %lld", (long long)s->r[i].id);
				} else if (line == 1 && k) {
					o += (size_t)snprintf(part, sizeof part, "%9s", "");
					for (size_t c = 0; c < k; c++) {
						json_cell(json_array_get(s->r[i].classes, c), lab, sizeof lab);
						o += (size_t)snprintf(part + o, sizeof part - o, " %6.6s", lab);
					}
				} else if (line >= 2 && line - 2 < k) {
					size_t r = line - 2;
					json_cell(json_array_get(s->r[i].classes, r), lab, sizeof lab);
					o += (size_t)snprintf(part, sizeof part, "%9.9s", lab);
					for (size_t c = 0; c < k; c++)
						o += (size_t)snprintf(part + o, sizeof part - o, " %6lld",
						    (long long)json_integer_value(json_array_get(json_array_get(m,
						    r), c)));
				}
				char cell[600];
				text_cell(cell, sizeof cell, part, bw, 0);
				sbuf_printf(&lb, "%s  ", cell);
			}
			doc_add(d, line == 0 ? ROLE_COLHEAD : ROLE_NORMAL, "%s", lb.s);
			sbuf_free(&lb);
		}
	}

	/* significance, as lathe compare prints it: a title line, then lines */
	if (s->sig) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		const char *ln = s->sig;
		int first = 1;
		while (*ln) {
			const char *nl = strchr(ln, '\n');
			int len = nl ? (int)(nl - ln) : (int)strlen(ln);
			doc_add(d, first ? ROLE_TITLE : ROLE_NORMAL, "%.*s", len, ln);
			first = 0;
			ln += len + (nl != NULL);
		}
	}
	free(vals);
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct scompare *s = (struct scompare *)sc;
	doc_draw(&s->d, y0, h, a->cols);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct scompare *s = (struct scompare *)sc;
	unsigned r = doc_action(&s->d, act);
	if (r)
		return r;
	switch (act) {
	case ACT_DIFF_ONLY:
		s->diff_only = !s->diff_only;
		build(s);
		app_msg(a, MSG_INFO, s->diff_only ? "only what differs" : "everything");
		return R_HANDLED | R_REDRAW;
	case ACT_PLOT: {
		int64_t ids[256];
		size_t n = s->n < 256 ? s->n : 256;
		for (size_t i = 0; i < n; i++)
			ids[i] = s->r[i].id;
		plot_push_run_curves(a, ids, n, "compare-loss");
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct scompare *s = (const struct scompare *)sc;
	snprintf(buf, n, "%zu runs%s", s->n, s->diff_only ? ", differences only" : "");
}

static void
crun_clear(struct crun *c)
{
	run_info_clear(&c->ri);
	json_decref(c->params);
	json_decref(c->confusion);
	json_decref(c->classes);
	for (int i = 0; i < c->nm; i++)
		free(c->mname[i]);
	free(c->loss);
}

static void
destroy(struct screen *sc)
{
	struct scompare *s = (struct scompare *)sc;
	for (size_t i = 0; i < s->n; i++)
		crun_clear(&s->r[i]);
	free(s->r);
	doc_free(&s->d);
	free(s->sig);
	free(s);
}

static const struct screen_class compare_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "compare",
	.id = SCR_COMPARE,
	.draw = draw,
	.on_action = on_action,
	.context = context,
	.destroy = destroy,
};

/* s->sig: the tests of compare_load, or why they could not be made (the
 * rest of the screen does not depend on them). */
static void
significance(struct scompare *s, struct app *a)
{
	char **refs = calloc(s->n ? s->n : 1, sizeof *refs), *err = NULL;
	struct compare *c = NULL;
	struct sbuf b;

	sbuf_init(&b);
	for (size_t i = 0; refs && i < s->n; i++) {
		char ref[32];
		snprintf(ref, sizeof ref, "%lld", (long long)s->r[i].id);
		if ((refs[i] = str_dup(ref)) == NULL)
			break;
	}
	if (s->n < 2)
		;
	else if (refs == NULL || refs[s->n - 1] == NULL)
		sbuf_puts(&b, "significance: out of memory\n");
	else if (compare_load(a->p, refs, s->n, &c, &err) != 0)
		sbuf_printf(&b, "significance: %s\n", err ? err : "?");
	else
		compare_significance_text(&b, c);
	s->sig = b.oom ? NULL : sbuf_detach(&b);
	sbuf_free(&b);
	compare_free(c);
	free(err);
	for (size_t i = 0; refs && i < s->n; i++)
		free(refs[i]);
	free(refs);
}

struct screen *
screen_compare_new(struct app *a, const int64_t *ids, size_t n, char **err)
{
	struct scompare *s = calloc(1, sizeof *s);
	json_error_t je;
	if (s == NULL || (s->r = calloc(n ? n : 1, sizeof *s->r)) == NULL) {
		free(s);
		err_set(err, "out of memory");
		return NULL;
	}
	s->base.cls = &compare_class;
	doc_init(&s->d);
	for (size_t i = 0; i < n; i++) {
		struct crun *c = &s->r[s->n];
		char ref[32];
		void *art;
		size_t len;
		snprintf(ref, sizeof ref, "%lld", (long long)ids[i]);
		if (run_load(a->p, ref, &c->ri, err) != 0) {
			destroy(&s->base);
			return NULL;
		}
		s->n++;
		c->id = ids[i];
		c->params = json_loads(c->ri.params ? c->ri.params : "{}", 0, &je);
		c->classes = json_loads(c->ri.classes ? c->ri.classes : "[]", JSON_DECODE_ANY, &je);
		/* the run's headline metrics: a cross-validated run's means over
		 * its folds, else the test split's, else the training rows' */
		c->split = run_has_split(a->p, c->id, "cv") ? "cv" :
		    run_has_split(a->p, c->id, "test") ? "test" : "train";
		run_metrics_visit(a->p, c->id, c->split, metric_cb, c, NULL);
		run_curves_visit(a->p, c->id, loss_cb, c, NULL);
		if (run_artifact(a->p, c->id, "confusion", &art, &len, NULL) == 0) {
			c->confusion = json_loads(art, 0, &je);
			free(art);
		}
	}
	significance(s, a);
	snprintf(s->base.title, sizeof s->base.title, "compare %zu runs", s->n);
	build(s);
	return &s->base;
}
