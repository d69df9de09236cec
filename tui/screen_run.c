/*
 * screen_run.c — everything a run recorded, on one scrollable page:
 * status and error, data (version and hash), algorithm (plugin version
 * and file hash), split, seed, recipe text and features, timings, every
 * parameter, metrics of both splits, curves with sparklines, the
 * confusion matrix with per-class precision, recall, F1 and support, the
 * model summary (coefficients by feature, cluster sizes, explained
 * variance...), the environment, lineage (dataset source, parent run and
 * re-runs) and the log.  While the run trains here, its progress line
 * updates live.
 *
 * From here: plots of the curves, predicted against actual, ROC, the
 * permutation importance (i; computed on demand, train/importance.c); re-run,
 * and re-run and verify (the record alone drives the new run, and the two
 * are compared bit for bit when it ends).
 */
#include "app.h"
#include "doc.h"
#include "plot.h"
#include "store/dataset.h"
#include "train/metrics.h"
#include "train/run_admin.h"
#include "train/runs_query.h"
#include "train/split.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct srun {
	struct screen	 base;
	struct doc	 d;
	int64_t		 id;
	char		 task[32];
	int		 running;
	long		 live_line;	/* the progress line, or -1 */
};

/* A JSON scalar as text. */
static void
json_text(const json_t *v, char *buf, size_t n)
{
	char tmp[32];
	if (json_is_string(v))
		text_copy(buf, n, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		text_copy(buf, n, fmt_double(tmp, json_real_value(v)));
	else if (json_is_true(v))
		text_copy(buf, n, "true");
	else if (json_is_false(v))
		text_copy(buf, n, "false");
	else if (json_is_null(v))
		text_copy(buf, n, "null");
	else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		text_copy(buf, n, d ? d : "?");
		free(d);
	}
}

static int
all_numbers(const json_t *a)
{
	size_t i;
	json_t *e;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, e)
		if (!json_is_number(e))
			return 0;
	return 1;
}

static int
is_matrix(const json_t *a)
{
	size_t i;
	json_t *e;
	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	json_array_foreach(a, i, e)
		if (!all_numbers(e) || json_array_size(e) != json_array_size(json_array_get(a, 0)))
			return 0;
	return 1;
}

static void
num_row(struct sbuf *b, const json_t *a, size_t max)
{
	char tmp[32];
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (i == max) {
			sbuf_printf(b, " … (%zu in all)", json_array_size(a));
			break;
		}
		sbuf_printf(b, "%s%s", i ? ", " : "", text_num(tmp, sizeof tmp, json_number_value(e), 6));
	}
}

/* The model summary: arrays over the features become feature tables. */
static void
add_summary(struct doc *d, const char *json, const json_t *features, const json_t *classes)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	size_t nf = json_array_size(features);
	const char *k;
	json_t *v;
	char tmp[64], lab[64];
	if (!json_is_object(o)) {
		doc_add_text(d, ROLE_NORMAL, 2, json);
		json_decref(o);
		return;
	}
	json_object_foreach(o, k, v) {
		struct sbuf b;
		sbuf_init(&b);
		if (is_matrix(v) && nf && json_array_size(json_array_get(v, 0)) == nf) {
			/* rows of the matrix become columns: one line per feature */
			size_t nr = json_array_size(v);
			sbuf_printf(&b, "  %-24s", k);
			for (size_t r = 0; r < nr && r < 12; r++) {
				json_t *cl = json_array_get(classes, r);
				if (cl && nr == json_array_size(classes))
					json_text(cl, lab, sizeof lab);
				else
					snprintf(lab, sizeof lab, "%zu", r);
				sbuf_printf(&b, " %12.12s", lab);
			}
			doc_add(d, ROLE_COLHEAD, "%s", b.s ? b.s : "");
			for (size_t f = 0; f < nf; f++) {
				b.len = 0;
				sbuf_printf(&b, "    %-22.22s", json_string_value(json_array_get(features, f)));
				for (size_t r = 0; r < nr && r < 12; r++)
					sbuf_printf(&b, " %12s", text_num(tmp, sizeof tmp, json_number_value(
					    json_array_get(json_array_get(v, r), f)), 6));
				doc_add(d, ROLE_NORMAL, "%s", b.s);
			}
		} else if (all_numbers(v) && nf && json_array_size(v) == nf) {
			doc_add(d, ROLE_COLHEAD, "  %-24s %12s", k, "value");
			for (size_t f = 0; f < nf; f++)
				doc_add(d, ROLE_NORMAL, "    %-22.22s %12s",
				    json_string_value(json_array_get(features, f)),
				    text_num(tmp, sizeof tmp, json_number_value(json_array_get(v, f)), 6));
		} else if (is_matrix(v)) {
			doc_add(d, ROLE_NORMAL, "  %s (%zu x %zu)", k, json_array_size(v),
			    json_array_size(json_array_get(v, 0)));
			size_t i;
			json_t *row;
			json_array_foreach(v, i, row) {
				if (i == 20) {
					doc_add(d, ROLE_DIM, "    …");
					break;
				}
				b.len = 0;
				sbuf_puts(&b, "    [");
				num_row(&b, row, 16);
				sbuf_puts(&b, "]");
				doc_add(d, ROLE_NORMAL, "%s", b.s);
			}
		} else if (all_numbers(v)) {
			sbuf_printf(&b, "  %-24s [", k);
			num_row(&b, v, 24);
			sbuf_puts(&b, "]");
			doc_add(d, ROLE_NORMAL, "%s", b.s);
		} else if (json_is_string(v) && strchr(json_string_value(v), '\n') != NULL) {
			/* a drawing of the model (the tree plugin's "text"), line by line */
			doc_add(d, ROLE_COLHEAD, "  %s", k);
			doc_add_text(d, ROLE_NORMAL, 4, json_string_value(v));
		} else {
			json_text(v, tmp, sizeof tmp);
			doc_add(d, ROLE_NORMAL, "  %-24s %s", k, tmp);
		}
		sbuf_free(&b);
	}
	json_decref(o);
}

struct curve_acc {
	struct doc	*d;
	char		 name[96];
	double		*v;
	size_t		 n, cap;
	int		 first, last;
};

static void
curve_flush(struct curve_acc *c)
{
	char spark[300], a[32], b[32];
	if (c->n == 0)
		return;
	text_sparkline(spark, sizeof spark, c->v, c->n, 32);
	doc_add(c->d, ROLE_NORMAL, "  %-16s %5zu points  steps %d..%d  %s %s %s  %s", c->name, c->n,
	    c->first, c->last, text_num(a, sizeof a, c->v[0], 5), text_utf8 ? "→" : "->",
	    text_num(b, sizeof b, c->v[c->n - 1], 5), spark);
	c->n = 0;
}

static int
curve_point(void *ctx, const char *name, int step, double value)
{
	struct curve_acc *c = ctx;
	if (c->n && strcmp(c->name, name) != 0)
		curve_flush(c);
	if (c->n == 0) {
		text_copy(c->name, sizeof c->name, name);
		c->first = step;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		double *nv = realloc(c->v, cap * sizeof *nv);
		if (nv == NULL)
			return 1;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = value;
	c->last = step;
	return 0;
}

struct mpair {
	char	name[64];
	double	test, train;
	int	has_test;
};

/* A cross-validated run's section: each metric's mean ± std over the
 * folds, then the folds themselves, one line each (the usual metrics). */
static int
cv_line(void *ctx, const char *name, double mean, double sd, int n)
{
	struct doc *d = ctx;
	const struct metrics_info *mi = metrics_lookup(name);
	char t1[32], t2[32];
	doc_add(d, ROLE_NORMAL, "  %-24s %12s ± %-10s %5d   %s", name, text_num(t1, sizeof t1, mean, 6),
	    isnan(sd) ? "-" : text_num(t2, sizeof t2, sd, 4), n,
	    mi ? (mi->higher_is_better ? "higher" : "lower") : "");
	return 0;
}

struct fold_out {
	struct doc			*d;
	const struct run_fold_table	*t;
};

/* One fold's line of the run screen's fold table. */
static int
fold_line(void *ctx, int rep, int fold, size_t ntr, size_t nval, const double *v)
{
	struct doc *d = ((struct fold_out *)ctx)->d;
	const struct run_fold_table *t = ((struct fold_out *)ctx)->t;
	char id[32], rows[48], c[4][32];
	snprintf(id, sizeof id, "fold %d.%d", rep + 1, fold + 1);
	snprintf(rows, sizeof rows, "%zu / %zu", ntr, nval);
	for (int k = 0; k < 4; k++) {
		if (k < t->ncols && !isnan(v[k]))
			text_num(c[k], sizeof c[k], v[k], 6);
		else
			snprintf(c[k], sizeof c[k], "%s", k < t->ncols ? "-" : "");
	}
	doc_add(d, ROLE_NORMAL, "  %-10s %-13s %12s %12s %12s %12s", id, rows, c[0], c[1], c[2],
	    c[3]);
	return 0;
}

static void
add_cv(struct doc *d, struct project *p, const struct run_info *ri)
{
	struct split_spec sp;
	char *serr = NULL;
	if (!run_has_split(p, ri->id, "cv") || split_record_parse(ri->split, &sp, &serr) != 0) {
		free(serr);
		return;
	}
	doc_add(d, ROLE_NORMAL, "%s", "");
	char reps[32] = "";
	if (sp.repeats > 1)
		snprintf(reps, sizeof reps, " x %d repeats", sp.repeats);
	doc_add(d, ROLE_TITLE, "cross-validation: %d folds%s%s%s; the model is refit on all %s",
	    sp.folds, reps, sp.group ? ", grouped by " : "", sp.group ? sp.group : "",
	    sp.test_size > 0 ? "training rows (test rows held out)" : "rows");
	doc_add(d, ROLE_COLHEAD, "  %-24s %12s   %-10s %5s   %s", "metric", "mean", "std",
	    "folds", "(better)");
	run_cv_visit(p, ri->id, cv_line, d, NULL);
	struct run_fold_table t;
	struct fold_out fo = { d, &t };
	run_cv_fold_table(p, ri->id, &t, NULL);
	doc_add(d, ROLE_COLHEAD, "  %-10s %-13s %12s %12s %12s %12s", "fold", "train / valid",
	    t.ncols > 0 ? t.cols[0] : "", t.ncols > 1 ? t.cols[1] : "", t.ncols > 2 ? t.cols[2] : "",
	    t.ncols > 3 ? t.cols[3] : "");
	run_cv_fold_rows(p, ri->id, &t, fold_line, &fo, NULL);
	split_spec_clear(&sp);
}

struct mlist {
	struct mpair	v[64];
	size_t		n;
	int		test;
};

static int
metric_seen(void *ctx, const char *name, double value)
{
	struct mlist *m = ctx;
	size_t i = 0;
	while (i < m->n && strcmp(m->v[i].name, name) != 0)
		i++;
	if (i == m->n) {
		if (m->n == ARRAY_LEN(m->v))
			return 1;
		text_copy(m->v[i].name, sizeof m->v[i].name, name);
		m->v[i].test = m->v[i].train = NAN;
		m->n++;
	}
	if (m->test) {
		m->v[i].test = value;
		m->v[i].has_test = 1;
	} else {
		m->v[i].train = value;
	}
	return 0;
}

static void
add_confusion(struct doc *d, const char *json, const json_t *classes)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	json_t *m = json_object_get(o, "matrix");
	size_t k = json_array_size(m);
	char lab[64], tmp[32];
	struct sbuf b;
	if (k == 0) {
		json_decref(o);
		return;
	}
	sbuf_init(&b);
	doc_add(d, ROLE_TITLE, "confusion matrix (rows: true class, columns: predicted)");
	sbuf_printf(&b, "  %-14s", "");
	for (size_t c = 0; c < k; c++) {
		json_text(json_array_get(classes, c), lab, sizeof lab);
		sbuf_printf(&b, " %9.9s", lab);
	}
	doc_add(d, ROLE_COLHEAD, "%s", b.s);
	for (size_t r = 0; r < k; r++) {
		b.len = 0;
		json_text(json_array_get(classes, r), lab, sizeof lab);
		sbuf_printf(&b, "  %-14.14s", lab);
		json_t *row = json_array_get(m, r);
		for (size_t c = 0; c < k; c++)
			sbuf_printf(&b, " %9lld", (long long)json_integer_value(json_array_get(row, c)));
		long li = doc_add(d, ROLE_NORMAL, "%s", b.s);
		doc_span(d, li, 17 + 10 * (int)r, 9, ROLE_GOOD);	/* the diagonal */
	}
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "per-class metrics");
	doc_add(d, ROLE_COLHEAD, "  %-14s %10s %10s %10s %10s", "class", "precision", "recall", "f1",
	    "support");
	for (size_t c = 0; c < k; c++) {
		char p[32], rcl[32], f1[32];
		json_text(json_array_get(classes, c), lab, sizeof lab);
		doc_add(d, ROLE_NORMAL, "  %-14.14s %10s %10s %10s %10lld", lab,
		    text_num(p, sizeof p, json_number_value(json_array_get(json_object_get(o,
		    "precision"), c)), 4), text_num(rcl, sizeof rcl, json_number_value(
		    json_array_get(json_object_get(o, "recall"), c)), 4), text_num(f1, sizeof f1,
		    json_number_value(json_array_get(json_object_get(o, "f1"), c)), 4),
		    (long long)json_integer_value(json_array_get(json_object_get(o, "support"), c)));
	}
	(void)tmp;
	sbuf_free(&b);
	json_decref(o);
}

static int
tag_words(void *ctx, const char *key, const char *value)
{
	sbuf_printf(ctx, " %s=%s", key, value);
	return 0;
}

static void
build(struct srun *s, struct app *a)
{
	struct run_info ri;
	struct dsver dv = { 0 };
	char ref[32], *err = NULL, tmp[64];
	void *art;
	size_t len;
	json_error_t je;
	struct doc *d = &s->d;

	doc_clear(d);
	s->live_line = -1;
	snprintf(ref, sizeof ref, "%lld", (long long)s->id);
	if (run_load(a->p, ref, &ri, &err) != 0) {
		doc_add(d, ROLE_ERROR, "%s", err ? err : "cannot read the run");
		free(err);
		return;
	}
	text_copy(s->task, sizeof s->task, ri.task);
	json_t *classes = json_loads(ri.classes ? ri.classes : "[]", JSON_DECODE_ANY, &je);
	json_t *features = json_loads(ri.features ? ri.features : "[]", JSON_DECODE_ANY, &je);
	s->running = ri.status == RUN_RUNNING || ri.status == RUN_QUEUED;
	char *note = NULL;
	int archived = 0;
	if (run_note_get(a->p, s->id, &note, &archived, &err) != 0) {
		free(err);	/* shown as no note */
		err = NULL;
	}
	long li = doc_add(d, ROLE_TITLE, "run %lld  %s%s%s%s%s", (long long)ri.id,
	    run_status_name(ri.status), ri.experiment ? "  experiment " : "",
	    ri.experiment ? ri.experiment : "", ri.parent_run ? "  (a re-run)" : "",
	    archived ? "  archived" : "");
	doc_span(d, li, 5 + (int)strlen(ref), (int)strlen(run_status_name(ri.status)),
	    ri.status == RUN_FINISHED ? ROLE_GOOD : ri.status == RUN_FAILED ? ROLE_ERROR : ROLE_WARN);
	if (s->running)
		s->live_line = doc_add(d, ROLE_WARN, "%s", "");
	if (ri.error)
		doc_add(d, ROLE_ERROR, "error: %s", ri.error);
	struct sbuf tags;
	sbuf_init(&tags);
	sbuf_puts(&tags, "");
	run_tags_visit(a->p, s->id, tag_words, &tags, NULL);
	if (tags.len)
		doc_add(d, ROLE_NORMAL, "  tags       %s", tags.s);
	sbuf_free(&tags);
	if (note)
		doc_add(d, ROLE_NORMAL, "  note        %s", note);
	free(note);
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_NORMAL, "  data        %s  (sha256 %.16s…)", ri.dataset, ri.dataset_hash);
	doc_add(d, ROLE_NORMAL, "  task        %s%s%s", ri.task, ri.target ? ", target " : "",
	    ri.target ? ri.target : "");
	doc_add(d, ROLE_NORMAL, "  algorithm   %s %s  (plugin sha256 %.16s…)", ri.algo,
	    ri.plugin_version, ri.plugin_hash);
	json_t *split = json_loads(ri.split ? ri.split : "{}", 0, &je);
	doc_add(d, ROLE_NORMAL, "  split       %s, test size %s%s: %lld train / %lld test rows",
	    json_string_value(json_object_get(split, "method")) ?
	    json_string_value(json_object_get(split, "method")) : "?",
	    text_num(tmp, sizeof tmp, json_number_value(json_object_get(split, "test_size")), 4),
	    json_is_true(json_object_get(split, "stratified")) ? ", stratified" : "",
	    (long long)json_integer_value(json_object_get(split, "n_train")),
	    (long long)json_integer_value(json_object_get(split, "n_test")));
	json_decref(split);
	doc_add(d, ROLE_NORMAL, "  seed        %llu    BLAS threads %d", (unsigned long long)ri.seed,
	    ri.threads);
	doc_add(d, ROLE_NORMAL, "  created     %s  started %s  finished %s", ri.created,
	    ri.started ? ri.started : "-", ri.finished ? ri.finished : "-");
	if (!isnan(ri.duration)) {
		json_t *tm = json_loads(ri.timings ? ri.timings : "{}", 0, &je);
		char t1[16], t2[16], t3[16], t4[16], t5[16];
		doc_add(d, ROLE_NORMAL, "  duration    %s  (load %s, recipe %s, fit %s, evaluate %s)",
		    text_duration(t1, sizeof t1, ri.duration),
		    text_duration(t2, sizeof t2, json_number_value(json_object_get(tm, "load"))),
		    text_duration(t3, sizeof t3, json_number_value(json_object_get(tm, "recipe"))),
		    text_duration(t4, sizeof t4, json_number_value(json_object_get(tm, "fit"))),
		    text_duration(t5, sizeof t5, json_number_value(json_object_get(tm, "evaluate"))));
		json_decref(tm);
	}

	/* parameters */
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "parameters");
	json_t *params = json_loads(ri.params ? ri.params : "{}", 0, &je);
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		json_text(v, tmp, sizeof tmp);
		doc_add(d, ROLE_NORMAL, "  %-24s %s", k, tmp);
	}
	json_decref(params);

	/* metrics */
	struct mlist *ml = calloc(1, sizeof *ml);
	if (ml) {
		ml->test = 1;
		run_metrics_visit(a->p, s->id, "test", metric_seen, ml, NULL);
		ml->test = 0;
		run_metrics_visit(a->p, s->id, "train", metric_seen, ml, NULL);
		int cv = run_has_split(a->p, s->id, "cv"), any_test = 0;
		for (size_t i = 0; i < ml->n; i++)
			any_test |= ml->v[i].has_test;
		if (ml->n) {
			doc_add(d, ROLE_NORMAL, "%s", "");
			if (cv)
				doc_add(d, ROLE_TITLE, "metrics of the refit model");
			else
				doc_add(d, ROLE_TITLE, "metrics");
			if (!any_test && !cv && (strcmp(ri.task, "classification") == 0 ||
			    strcmp(ri.task, "regression") == 0))
				/* nothing held out: a score that flatters */
				doc_add(d, ROLE_WARN, "  [!] measured on the training rows (nothing held "
				    "out)");
			doc_add(d, ROLE_COLHEAD, "  %-24s %12s %12s   %s", "metric", "test", "train",
			    "(better)");
			for (size_t i = 0; i < ml->n; i++) {
				const struct metrics_info *mi = metrics_lookup(ml->v[i].name);
				char t1[32], t2[32];
				doc_add(d, ROLE_NORMAL, "  %-24s %12s %12s   %s", ml->v[i].name,
				    ml->v[i].has_test ? text_num(t1, sizeof t1, ml->v[i].test, 6) : "",
				    text_num(t2, sizeof t2, ml->v[i].train, 6),
				    mi ? (mi->higher_is_better ? "higher" : "lower") : "");
			}
		}
		free(ml);
	}
	add_cv(d, a->p, &ri);

	/* curves */
	struct curve_acc ca = { .d = d };
	long before = (long)d->n;
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "curves (p plots them)");
	run_curves_visit(a->p, s->id, curve_point, &ca, NULL);
	curve_flush(&ca);
	free(ca.v);
	if ((long)d->n == before + 2)		/* no curves: no heading */
		for (int q = 0; q < 2; q++) {
			d->n--;
			free(d->l[d->n].text);
			free(d->l[d->n].spans);
		}

	/* confusion matrix and per-class metrics */
	if (run_artifact(a->p, s->id, "confusion", &art, &len, NULL) == 0) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		add_confusion(d, art, classes);
		free(art);
	}
	/* model summary */
	if (run_artifact(a->p, s->id, "summary", &art, &len, NULL) == 0) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		doc_add(d, ROLE_TITLE, "model summary");
		add_summary(d, art, features, classes);
		free(art);
	}
	if (run_artifact(a->p, s->id, "model", &art, &len, NULL) == 0) {
		doc_add(d, ROLE_DIM, "  model payload: %zu bytes", len);
		free(art);
	}

	/* the recipe */
	doc_add(d, ROLE_NORMAL, "%s", "");
	if (ri.recipe_name)
		doc_add(d, ROLE_TITLE, "recipe %s@%d", ri.recipe_name, ri.recipe_version);
	else
		doc_add(d, ROLE_TITLE, "recipe");
	doc_add_text(d, ROLE_NORMAL, 4, ri.recipe);
	if (json_array_size(features)) {
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 0; i < json_array_size(features); i++)
			sbuf_printf(&b, "%s%s", i ? ", " : "", json_string_value(json_array_get(features, i)));
		doc_add(d, ROLE_NORMAL, "  %zu features: %s", json_array_size(features), b.s);
		sbuf_free(&b);
	}

	/* environment */
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "environment");
	json_t *env = json_loads(ri.env ? ri.env : "{}", 0, &je);
	json_object_foreach(env, k, v) {
		char val[300];
		json_text(v, val, sizeof val);
		doc_add(d, ROLE_NORMAL, "  %-24s %s", k, val);
	}
	json_decref(env);
	doc_add(d, ROLE_NORMAL, "  %-24s %s", "plugin file", ri.plugin_path);

	/* lineage */
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "lineage");
	if (dataset_resolve(a->p, ri.dataset, &dv, NULL) == 0) {
		doc_add(d, ROLE_NORMAL, "  dataset     %s@%d, %zu rows x %zu columns, imported %s from %s",
		    dv.name, dv.version, dv.nrows, dv.ncols, dv.created, dv.source ? dv.source : "?");
		doc_add(d, ROLE_NORMAL, "              content sha256 %s%s", dv.hash,
		    strcmp(dv.hash, ri.dataset_hash) ? "  (DIFFERS from the run's record)" : "");
		dsver_clear(&dv);
	}
	if (ri.recipe_name)
		doc_add(d, ROLE_NORMAL, "  recipe      %s@%d", ri.recipe_name, ri.recipe_version);
	if (ri.parent_run)
		doc_add(d, ROLE_NORMAL, "  re-run of   run %lld", (long long)ri.parent_run);
	int64_t *kids = NULL;
	size_t nk = 0;
	if (run_children(a->p, s->id, &kids, &nk, NULL) == 0 && nk) {
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 0; i < nk; i++)
			sbuf_printf(&b, "%s%lld", i ? ", " : "", (long long)kids[i]);
		doc_add(d, ROLE_NORMAL, "  re-runs     %s", b.s);
		sbuf_free(&b);
	}
	free(kids);

	if (ri.log && *ri.log) {
		doc_add(d, ROLE_NORMAL, "%s", "");
		doc_add(d, ROLE_TITLE, "log");
		doc_add_text(d, ROLE_DIM, 2, ri.log);
	}
	json_decref(classes);
	json_decref(features);
	run_info_clear(&ri);
}

static void
live(struct srun *s, struct app *a)
{
	struct job *j = jobs_find_run(&a->jobs, s->id);
	if (s->live_line < 0 || (size_t)s->live_line >= s->d.n)
		return;
	struct dline *l = &s->d.l[s->live_line];
	char buf[400], spark[300], eta[16] = "", loss[32];
	if (j == NULL || j->done) {
		snprintf(buf, sizeof buf, "  %s", j ? "ended" : "training elsewhere (not a child of "
		    "this workbench)");
	} else if (j->rp && j->rp->waiting) {
		snprintf(buf, sizeof buf, "  trained; %s", j->rp->waiting);
	} else if (j->rp && j->rp->total > 0) {
		double e = job_eta(j);
		if (!isnan(e))
			text_duration(eta, sizeof eta, e);
		text_sparkline(spark, sizeof spark, j->loss, j->nloss, 40);
		snprintf(buf, sizeof buf, "  iteration %d of %d  loss %s  %s%s  %s", j->rp->step,
		    j->rp->total, text_num(loss, sizeof loss, j->rp->loss, 6), eta[0] ? "ETA " : "",
		    eta, spark);
	} else {
		snprintf(buf, sizeof buf, "  loading data and fitting the recipe ...");
	}
	char *nt = str_dup(buf);
	if (nt) {
		free(l->text);
		l->text = nt;
	}
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct srun *s = (struct srun *)sc;
	if (s->running)
		live(s, a);
	doc_draw(&s->d, y0, h, a->cols);
}

/* The note prompt's answer: stored as `lathe runs note` does. */
static void
note_done(struct app *a, void *ctx, const char *text)
{
	struct srun *s = ctx;
	char ref[32], *err = NULL;
	snprintf(ref, sizeof ref, "%lld", (long long)s->id);
	if (run_note_set(a->p, ref, text, &err) != 0) {
		app_err(a, err);
		return;
	}
	app_msg(a, MSG_GOOD, "run %lld: note %s", (long long)s->id, *text ? "set" : "cleared");
	app_broadcast(a, EV_DATA);
}

/* The tag prompt's answer: KEY=VALUE words (KEY= removes), all or none,
 * as `lathe runs tag`. */
static void
tag_done(struct app *a, void *ctx, const char *text)
{
	struct srun *s = ctx;
	char ref[32], *err = NULL, *copy = str_dup(text), *save = NULL;
	const char *words[64];
	size_t n = 0;
	if (copy == NULL) {
		app_msg(a, MSG_ERROR, "out of memory");
		return;
	}
	for (char *w = strtok_r(copy, " \t", &save); w && n < ARRAY_LEN(words);
	    w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	snprintf(ref, sizeof ref, "%lld", (long long)s->id);
	if (n == 0)
		app_msg(a, MSG_INFO, "no tags given: nothing changed");
	else if (run_tags_edit(a->p, ref, words, n, &err) != 0)
		app_err(a, err);
	else {
		app_msg(a, MSG_GOOD, "run %lld: tags changed", (long long)s->id);
		app_broadcast(a, EV_DATA);
	}
	free(copy);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct srun *s = (struct srun *)sc;
	char *err = NULL;
	unsigned r = doc_action(&s->d, act);
	if (r)
		return r;
	switch (act) {
	case ACT_PLOT:
	case ACT_PLOT_PRED:
	case ACT_PLOT_ROC:
	case ACT_PLOT_IMPORTANCE: {
		struct plot *pl = calloc(1, sizeof *pl);
		char stem[64];
		int rc = pl == NULL ? -1 : act == ACT_PLOT ? plot_run_curves(a, &s->id, 1, pl, &err) :
		    act == ACT_PLOT_IMPORTANCE ? plot_run_importance(a, s->id, pl, &err) :
		    plot_run_predictions(a, s->id, act == ACT_PLOT_ROC, pl, &err);
		if (rc != 0) {
			app_err(a, err);
			if (pl)
				plot_free(pl);
			free(pl);
			return R_HANDLED | R_REDRAW;
		}
		snprintf(stem, sizeof stem, "r%lld-%s", (long long)s->id, act == ACT_PLOT ? "curves" :
		    act == ACT_PLOT_ROC ? "roc" : act == ACT_PLOT_IMPORTANCE ? "importance" :
		    "predicted");
		app_push(a, screen_plot_new(a, pl, stem));
		return R_HANDLED | R_REDRAW;
	}
	case ACT_RERUN:
	case ACT_VERIFY:
		app_rerun(a, s->id, act == ACT_VERIFY);
		return R_HANDLED | R_REDRAW;
	case ACT_NOTE: {
		char label[96], *note = NULL;
		if (run_note_get(a->p, s->id, &note, NULL, &err) != 0) {
			app_err(a, err);
			return R_HANDLED | R_REDRAW;
		}
		snprintf(label, sizeof label, "note for run %lld (empty clears it):",
		    (long long)s->id);
		app_prompt(a, label, note ? note : "", 0, note_done, s);
		free(note);
		return R_HANDLED | R_REDRAW;
	}
	case ACT_TAG: {
		char label[96];
		snprintf(label, sizeof label, "tags for run %lld (KEY=VALUE ..., KEY= removes):",
		    (long long)s->id);
		app_prompt(a, label, "", 0, tag_done, s);
		return R_HANDLED | R_REDRAW;
	}
	case ACT_CANCEL: {
		struct job *j = app_queued(a, s->id) ? app_unqueue(a, s->id) :
		    jobs_find_run(&a->jobs, s->id);
		if (j && !j->done) {
			jobs_cancel(j);
			app_msg(a, MSG_INFO, "cancelling run %lld ...", (long long)s->id);
		} else {
			app_msg(a, MSG_ERROR, "run %lld is not training in this workbench",
			    (long long)s->id);
		}
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static int
can(const struct screen *sc, enum action act)
{
	const struct srun *s = (const struct srun *)sc;
	switch (act) {
	case ACT_PLOT_PRED:
		return strcmp(s->task, "regression") == 0;
	case ACT_PLOT_ROC:
		return strcmp(s->task, "classification") == 0;
	case ACT_PLOT_IMPORTANCE:
		return !s->running && (strcmp(s->task, "classification") == 0 ||
		    strcmp(s->task, "regression") == 0);
	case ACT_CANCEL:
		return s->running;
	default:
		return 1;
	}
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	struct srun *s = (struct srun *)sc;
	if (ev == EV_DATA) {
		size_t top = s->d.top;
		build(s, a);
		s->d.top = top;
		return R_REDRAW;
	}
	return s->running ? R_REDRAW : 0;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct srun *s = (const struct srun *)sc;
	snprintf(buf, n, "line %zu of %zu", s->d.top + 1, s->d.n);
}

static void
destroy(struct screen *sc)
{
	struct srun *s = (struct srun *)sc;
	doc_free(&s->d);
	free(s);
}

static const struct screen_class run_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "run",
	.id = SCR_RUN,
	.draw = draw,
	.on_action = on_action,
	.can = can,
	.on_event = on_event,
	.context = context,
	.destroy = destroy,
};

struct screen *
screen_run_new(struct app *a, int64_t id, char **err)
{
	struct run_info ri;
	char ref[32];
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(a->p, ref, &ri, err) != 0)
		return NULL;
	run_info_clear(&ri);
	struct srun *s = calloc(1, sizeof *s);
	if (s == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	s->base.cls = &run_class;
	s->id = id;
	snprintf(s->base.title, sizeof s->base.title, "run %lld", (long long)id);
	doc_init(&s->d);
	build(s, a);
	return &s->base;
}
