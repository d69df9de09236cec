/*
 * cmd_show.c — `lathe show RUN`: everything a run recorded.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/importance.h"
#include "train/run.h"
#include "train/run_admin.h"
#include "train/runs_query.h"
#include "train/split.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Valid JSON text or null. */
static void
raw_or_null(struct jw *w, const char *json)
{
	json_error_t je;
	json_t *o = json ? json_loads(json, JSON_DECODE_ANY, &je) : NULL;
	if (o)
		jw_raw(w, json);
	else
		jw_null(w);
	json_decref(o);
}

static void
metrics_obj(struct jw *w, struct project *p, int64_t id, const char *split)
{
	sqlite3_stmt *st = NULL;
	jw_obj(w);
	if (db_prepare(p, "SELECT name, value FROM run_metrics WHERE run_id = ?1 AND split = ?2 "
	    "ORDER BY rowid", &st, NULL) == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			jw_key(w, (const char *)sqlite3_column_text(st, 0));
			jw_num(w, sqlite3_column_double(st, 1));
		}
		sqlite3_finalize(st);
	}
	jw_obj_end(w);
}

static int
has_split(struct project *p, int64_t id, const char *split)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (db_prepare(p, "SELECT 1 FROM run_metrics WHERE run_id = ?1 AND split = ?2", &st,
	    NULL) == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

static void
curves_obj(struct jw *w, struct project *p, int64_t id)
{
	sqlite3_stmt *st = NULL;
	const char *prev = NULL;
	char *cur = NULL;
	jw_obj(w);
	if (db_prepare(p, "SELECT name, step, value FROM run_curves WHERE run_id = ?1 "
	    "ORDER BY name, step", &st, NULL) == 0) {
		sqlite3_bind_int64(st, 1, id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(st, 0);
			if (prev == NULL || strcmp(prev, name) != 0) {
				if (prev)
					jw_arr_end(w);
				free(cur);
				cur = str_dup(name);
				prev = cur;
				jw_key(w, name);
				jw_arr(w);
			}
			jw_arr(w);
			jw_int(w, sqlite3_column_int(st, 1));
			jw_num(w, sqlite3_column_double(st, 2));
			jw_arr_end(w);
		}
		if (prev)
			jw_arr_end(w);
		sqlite3_finalize(st);
	}
	free(cur);
	jw_obj_end(w);
}

/* A run's housekeeping record: note and archived flag (tags are read
 * where they are printed). */
struct housekeeping {
	char	*note;
	int	 archived;
};

static int
tag_json(void *ctx, const char *key, const char *value)
{
	jw_key(ctx, key);
	jw_str(ctx, value);
	return 0;
}

static int
tag_text(void *ctx, const char *key, const char *value)
{
	sbuf_printf(ctx, " %s=%s", key, value);
	return 0;
}

static int
cv_mean_json(void *ctx, const char *name, double mean, double sd, int n)
{
	(void)sd;
	(void)n;
	jw_key(ctx, name);
	jw_num(ctx, mean);
	return 0;
}

static int
cv_agg_json(void *ctx, const char *name, double mean, double sd, int n)
{
	struct jw *w = ctx;
	jw_key(w, name);
	jw_obj(w);
	jw_key(w, "mean"); jw_num(w, mean);
	jw_key(w, "std"); jw_num(w, sd);
	jw_key(w, "folds"); jw_int(w, n);
	jw_obj_end(w);
	return 0;
}

struct fold_json {
	struct jw	*w;
	int		 rep, fold;	/* the fold open, or -1 */
};

static int
cv_fold_json(void *ctx, int rep, int fold, size_t ntr, size_t nval, const char *name,
    double v)
{
	struct fold_json *f = ctx;
	if (rep != f->rep || fold != f->fold) {
		if (f->rep >= 0) {
			jw_obj_end(f->w);
			jw_obj_end(f->w);
		}
		f->rep = rep;
		f->fold = fold;
		jw_obj(f->w);
		jw_key(f->w, "repeat"); jw_int(f->w, rep);
		jw_key(f->w, "fold"); jw_int(f->w, fold);
		jw_key(f->w, "n_train"); jw_int(f->w, (int64_t)ntr);
		jw_key(f->w, "n_valid"); jw_int(f->w, (int64_t)nval);
		jw_key(f->w, "metrics");
		jw_obj(f->w);
	}
	jw_key(f->w, name);
	jw_num(f->w, v);
	return 0;
}

/* "cv": null, or the cross-validation's shape, aggregate and folds. */
static void
cv_json(struct jw *w, struct project *p, const struct run_info *ri)
{
	struct split_spec sp;
	char *serr = NULL;
	if (!run_has_split(p, ri->id, "cv") || split_record_parse(ri->split, &sp, &serr) != 0) {
		free(serr);
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "folds"); jw_int(w, sp.folds);
	jw_key(w, "repeats"); jw_int(w, sp.repeats);
	jw_key(w, "group"); jw_str(w, sp.group);
	jw_key(w, "test_size"); jw_num(w, sp.test_size);
	jw_key(w, "refit"); jw_str(w, "all training rows");
	jw_key(w, "metrics");
	jw_obj(w);
	run_cv_visit(p, ri->id, cv_agg_json, w, NULL);
	jw_obj_end(w);
	jw_key(w, "fold_metrics");
	jw_arr(w);
	struct fold_json f = { w, -1, -1 };
	run_cv_folds_visit(p, ri->id, cv_fold_json, &f, NULL);
	if (f.rep >= 0) {
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	split_spec_clear(&sp);
}

static void
write_json(struct sbuf *b, struct project *p, const struct run_info *ri,
    const struct housekeeping *hk, const struct importance *im)
{
	struct jw w;
	void *art;
	size_t len;

	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "id"); jw_int(&w, ri->id);
	jw_key(&w, "status"); jw_str(&w, run_status_name(ri->status));
	jw_key(&w, "error"); jw_str(&w, ri->error);
	jw_key(&w, "experiment"); jw_str(&w, ri->experiment);
	jw_key(&w, "parent_run"); if (ri->parent_run) jw_int(&w, ri->parent_run); else jw_null(&w);
	jw_key(&w, "tags");
	jw_obj(&w);
	run_tags_visit(p, ri->id, tag_json, &w, NULL);
	jw_obj_end(&w);
	jw_key(&w, "note"); jw_str(&w, hk->note);
	jw_key(&w, "archived"); jw_bool(&w, hk->archived);
	jw_key(&w, "dataset"); jw_str(&w, ri->dataset);
	jw_key(&w, "dataset_hash"); jw_str(&w, ri->dataset_hash);
	jw_key(&w, "target"); jw_str(&w, ri->target);
	jw_key(&w, "task"); jw_str(&w, ri->task);
	jw_key(&w, "algo"); jw_str(&w, ri->algo);
	jw_key(&w, "plugin");
	jw_obj(&w);
	jw_key(&w, "version"); jw_str(&w, ri->plugin_version);
	jw_key(&w, "sha256"); jw_str(&w, ri->plugin_hash);
	jw_key(&w, "path"); jw_str(&w, ri->plugin_path);
	jw_obj_end(&w);
	jw_key(&w, "params"); raw_or_null(&w, ri->params);
	jw_key(&w, "recipe");
	jw_obj(&w);
	jw_key(&w, "name"); jw_str(&w, ri->recipe_name);
	jw_key(&w, "version"); if (ri->recipe_version) jw_int(&w, ri->recipe_version); else jw_null(&w);
	jw_key(&w, "text"); jw_str(&w, ri->recipe);
	jw_key(&w, "features"); raw_or_null(&w, ri->features);
	jw_key(&w, "fitted");
	if (run_artifact(p, ri->id, "recipe", &art, &len, NULL) == 0) {
		raw_or_null(&w, art);
		free(art);
	} else {
		jw_null(&w);
	}
	jw_obj_end(&w);
	jw_key(&w, "split"); raw_or_null(&w, ri->split);
	jw_key(&w, "seed"); jw_int(&w, (int64_t)ri->seed);
	jw_key(&w, "threads"); jw_int(&w, ri->threads);
	jw_key(&w, "env"); raw_or_null(&w, ri->env);
	jw_key(&w, "created"); jw_str(&w, ri->created);
	jw_key(&w, "started"); jw_str(&w, ri->started);
	jw_key(&w, "finished"); jw_str(&w, ri->finished);
	jw_key(&w, "duration"); jw_num(&w, ri->duration);
	jw_key(&w, "timings"); raw_or_null(&w, ri->timings);
	jw_key(&w, "classes"); raw_or_null(&w, ri->classes);
	int has_test = has_split(p, ri->id, "test");
	int has_cv = run_has_split(p, ri->id, "cv");
	const char *on = has_cv ? "cv" : has_test ? "test" : "train";
	/* metrics: the headline — a cross-validated run's means over its
	 * folds, else the test split's, else the training rows' (metrics_on
	 * says which; metrics_split is its older name) */
	jw_key(&w, "metrics_on"); jw_str(&w, on);
	jw_key(&w, "metrics_split"); jw_str(&w, on);
	jw_key(&w, "metrics");
	if (has_cv) {
		jw_obj(&w);
		run_cv_visit(p, ri->id, cv_mean_json, &w, NULL);
		jw_obj_end(&w);
	} else {
		metrics_obj(&w, p, ri->id, on);
	}
	jw_key(&w, "cv"); cv_json(&w, p, ri);
	jw_key(&w, "test_metrics");
	if (has_test)
		metrics_obj(&w, p, ri->id, "test");
	else
		jw_null(&w);
	jw_key(&w, "train_metrics"); metrics_obj(&w, p, ri->id, "train");
	jw_key(&w, "curves"); curves_obj(&w, p, ri->id);
	jw_key(&w, "summary");
	if (run_artifact(p, ri->id, "summary", &art, &len, NULL) == 0) {
		raw_or_null(&w, art);
		free(art);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "confusion");
	if (run_artifact(p, ri->id, "confusion", &art, &len, NULL) == 0) {
		raw_or_null(&w, art);
		free(art);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "model_bytes");
	if (run_artifact(p, ri->id, "model", &art, &len, NULL) == 0) {
		jw_int(&w, (int64_t)len);
		free(art);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "log"); jw_str(&w, ri->log);
	if (im) {
		jw_key(&w, "importance");
		cmd_importance_json(&w, im);
	}
	jw_obj_end(&w);
	sbuf_putc(b, '\n');
}

/* The folds table of a cross-validated run: one line a fold, the first
 * four of the usual metrics it has as columns. */
struct fold_text {
	struct sbuf			*b;
	const struct run_fold_table	*t;
};

/* One fold's line of `show`'s fold table. */
static int
fold_text_row(void *ctx, int rep, int fold, size_t ntr, size_t nval, const double *v)
{
	struct sbuf *b = ((struct fold_text *)ctx)->b;
	const struct run_fold_table *t = ((struct fold_text *)ctx)->t;
	char id[32], rows[48];
	snprintf(id, sizeof id, "%d.%d", rep + 1, fold + 1);
	snprintf(rows, sizeof rows, "%zu / %zu", ntr, nval);
	sbuf_printf(b, "  %-7s %-15s", id, rows);
	for (int c = 0; c < t->ncols; c++) {
		if (isnan(v[c]))
			sbuf_printf(b, " %12s", "-");
		else
			sbuf_printf(b, " %12.6g", v[c]);
	}
	sbuf_putc(b, '\n');
	return 0;
}

static void
metrics_text(struct sbuf *b, struct project *p, const struct run_info *ri)
{
	sqlite3_stmt *st = NULL;
	int64_t id = ri->id;
	int has_cv = run_has_split(p, id, "cv"), has_test = run_has_split(p, id, "test");
	struct split_spec sp;
	char *serr = NULL;

	if (has_cv && split_record_parse(ri->split, &sp, &serr) == 0) {
		json_error_t je;
		json_t *o = json_loads(ri->split, 0, &je);
		long long ntr = (long long)json_integer_value(json_object_get(o, "n_train"));
		int strat = json_is_true(json_object_get(o, "stratified"));
		json_decref(o);
		sbuf_printf(b, "\ncross-validation  %d folds", sp.folds);
		if (sp.repeats > 1)
			sbuf_printf(b, " x %d repeats", sp.repeats);
		if (sp.group)
			sbuf_printf(b, ", grouped by %s", sp.group);
		else if (strat)
			sbuf_puts(b, ", stratified");
		sbuf_printf(b, ", of the %lld %s; the run's model is refit on all of them\n", ntr,
		    has_test ? "training rows (the test rows are held out)" : "rows");
		split_spec_clear(&sp);
	}
	if (db_prepare(p, "SELECT r.name, c.mean, c.std, t.value, r.value FROM run_metrics r "
	    "LEFT JOIN run_cv_metrics c ON c.run_id = r.run_id AND c.name = r.name "
	    "LEFT JOIN run_metrics t ON t.run_id = r.run_id AND t.name = r.name AND "
	    "t.split = 'test' WHERE r.run_id = ?1 AND r.split = 'train' ORDER BY r.rowid", &st,
	    NULL) != 0)
		return;
	sqlite3_bind_int64(st, 1, id);
	if (has_cv)
		sbuf_printf(b, "\nmetrics              cv mean ± std        %-14s train (refit)\n",
		    has_test ? "test (refit)" : "");
	else if (has_test)
		sbuf_printf(b, "\nmetrics              test         train\n");
	else if (strcmp(ri->task, "classification") == 0 || strcmp(ri->task, "regression") == 0)
		sbuf_printf(b, "\nmetrics              train  [!] measured on the training rows "
		    "(nothing held out)\n");
	else
		sbuf_printf(b, "\nmetrics              train (the rows it was fitted to)\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		double tr = sqlite3_column_double(st, 4);
		char cvb[48] = "", teb[32] = "";
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				snprintf(cvb, sizeof cvb, "%.6g ± %.4g", sqlite3_column_double(st, 1),
				    sqlite3_column_double(st, 2));
			else
				snprintf(cvb, sizeof cvb, "%.6g", sqlite3_column_double(st, 1));
		}
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			snprintf(teb, sizeof teb, "%.6g", sqlite3_column_double(st, 3));
		if (has_cv)
			/* "±" is two bytes and one column: pad by display width */
			sbuf_printf(b, "  %-18s %-*s %-14s %.6g\n", name ? name : "",
			    20 + (strstr(cvb, "±") ? 1 : 0), cvb, teb, tr);
		else if (has_test)
			sbuf_printf(b, "  %-18s %-12s %.6g\n", name ? name : "", teb, tr);
		else
			sbuf_printf(b, "  %-18s %.6g\n", name ? name : "", tr);
	}
	sqlite3_finalize(st);
	if (has_cv) {
		struct run_fold_table t;
		struct fold_text ft = { b, &t };
		run_cv_fold_table(p, id, &t, NULL);
		sbuf_printf(b, "\nfolds   train / valid  ");
		for (int c = 0; c < t.ncols; c++)
			sbuf_printf(b, " %12s", t.cols[c]);
		sbuf_putc(b, '\n');
		run_cv_fold_rows(p, id, &t, fold_text_row, &ft, NULL);
	}
}

static void
write_text(struct sbuf *b, struct project *p, const struct run_info *ri,
    const struct housekeeping *hk, const struct importance *im)
{
	void *art;
	size_t len;
	json_error_t je;

	sbuf_printf(b, "run %lld  %s", (long long)ri->id, run_status_name(ri->status));
	if (ri->experiment)
		sbuf_printf(b, "  experiment %s", ri->experiment);
	if (ri->parent_run)
		sbuf_printf(b, "  (re-run of %lld)", (long long)ri->parent_run);
	if (hk->archived)
		sbuf_puts(b, "  archived");
	sbuf_putc(b, '\n');
	size_t before = b->len;
	sbuf_puts(b, "tags      ");
	run_tags_visit(p, ri->id, tag_text, b, NULL);
	if (b->len == before + 10)
		b->len = before;	/* none: no line */
	else
		sbuf_putc(b, '\n');
	if (hk->note)
		sbuf_printf(b, "note       %s\n", hk->note);
	if (ri->error)
		sbuf_printf(b, "error: %s\n", ri->error);
	sbuf_printf(b, "\ndata       %s (sha256 %.16s…)\n", ri->dataset, ri->dataset_hash);
	sbuf_printf(b, "task       %s%s%s\n", ri->task, ri->target ? ", target " : "",
	    ri->target ? ri->target : "");
	sbuf_printf(b, "split      %s\n", ri->split);
	sbuf_printf(b, "seed       %llu\n", (unsigned long long)ri->seed);
	sbuf_printf(b, "algorithm  %s %s (plugin sha256 %.16s…)\n", ri->algo, ri->plugin_version,
	    ri->plugin_hash);
	sbuf_printf(b, "params     %s\n", ri->params);
	if (ri->classes)
		sbuf_printf(b, "classes    %s\n", ri->classes);
	sbuf_printf(b, "recipe%s%s", ri->recipe_name ? "     " : ":\n",
	    ri->recipe_name ? ri->recipe_name : "");
	if (ri->recipe_name)
		sbuf_printf(b, "@%d:\n", ri->recipe_version);
	for (const char *s = ri->recipe; *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		sbuf_puts(b, "  ");
		sbuf_putn(b, s, n);
		sbuf_putc(b, '\n');
		s += n + (e != NULL);
	}
	if (ri->features) {
		json_t *a = json_loads(ri->features, 0, &je);
		sbuf_printf(b, "features   %zu:", json_array_size(a));
		for (size_t i = 0; i < json_array_size(a) && i < 12; i++)
			sbuf_printf(b, " %s", json_string_value(json_array_get(a, i)));
		if (json_array_size(a) > 12)
			sbuf_puts(b, " …");
		sbuf_putc(b, '\n');
		json_decref(a);
	}
	sbuf_printf(b, "env        %s\n", ri->env);
	sbuf_printf(b, "created    %s  started %s  finished %s", ri->created,
	    ri->started ? ri->started : "-", ri->finished ? ri->finished : "-");
	if (!isnan(ri->duration))
		sbuf_printf(b, "  (%.3fs)", ri->duration);
	sbuf_putc(b, '\n');
	metrics_text(b, p, ri);
	if (run_artifact(p, ri->id, "confusion", &art, &len, NULL) == 0) {
		json_t *o = json_loads(art, 0, &je), *cl = json_loads(ri->classes ? ri->classes : "[]",
		    JSON_DECODE_ANY, &je);
		json_t *m = json_object_get(o, "matrix");
		sbuf_puts(b, "\nconfusion matrix (rows: true class, columns: predicted)\n");
		for (size_t r = 0; r < json_array_size(m); r++) {
			json_t *lab = json_array_get(cl, r);
			char lb[64];
			if (json_is_string(lab))
				snprintf(lb, sizeof lb, "%s", json_string_value(lab));
			else
				fmt_double(lb, json_number_value(lab));
			sbuf_printf(b, "  %-14.14s", lb);
			json_t *row = json_array_get(m, r);
			for (size_t c = 0; c < json_array_size(row); c++)
				sbuf_printf(b, " %7lld", (long long)json_integer_value(json_array_get(row, c)));
			sbuf_putc(b, '\n');
		}
		json_decref(o);
		json_decref(cl);
		free(art);
	}
	if (run_artifact(p, ri->id, "summary", &art, &len, NULL) == 0) {
		json_t *o = json_loads(art, 0, &je);
		/* a string "text" is the plugin's drawing of the model for people
		 * (the tree plugin's tree): printed as it is, after the rest */
		json_t *text = json_is_string(json_object_get(o, "text")) ?
		    json_incref(json_object_get(o, "text")) : NULL;
		if (text != NULL)
			json_object_del(o, "text");
		char *pretty = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		    JSON_REAL_PRECISION(10)) : NULL;
		sbuf_printf(b, "\nmodel summary\n%s\n", pretty ? pretty : (char *)art);
		if (text != NULL)
			sbuf_printf(b, "\nmodel\n%s", json_string_value(text));
		free(pretty);
		json_decref(text);
		json_decref(o);
		free(art);
	}
	if (im) {
		sbuf_putc(b, '\n');
		cmd_importance_text(b, im);
	}
	if (ri->log && *ri->log)
		sbuf_printf(b, "\nlog\n%s", ri->log);
}

enum { OPT_IMPORTANCE = OPT_LONG + 1, OPT_FOLDS };

static int
cmd_show_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "importance", no_argument, NULL, OPT_IMPORTANCE },
		{ "folds", no_argument, NULL, OPT_FOLDS },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct importance *im = NULL;
	struct run_info ri;
	struct sbuf b;
	char *err = NULL;
	int c, rc = EXIT_USER, importance = 0, folds = 0;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_JSON)
			ctx->json = 1;
		else if (c == OPT_IMPORTANCE)
			importance = 1;
		else if (c == OPT_FOLDS)
			folds = 1;
		else if (cmd_opt_common(ctx, c, &rc))
			return rc;
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, optind < argc ? "expected one run" : "missing the run id");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	run_reap_dead(p, NULL, NULL);	/* a run nobody will settle says so */
	if (run_load(p, argv[optind], &ri, &err) != 0) {
		project_close(p);
		return cmd_fail_err(err);
	}
	if (folds) {
		/* the fold assignment a cross-validated run recorded, as CSV */
		void *art = NULL;
		size_t len;
		rc = run_artifact(p, ri.id, "folds", &art, &len, NULL) == 0 ?
		    cmd_write_out(art) : cmd_fail("run %lld was not cross-validated: it has no "
		    "folds (train --cv K)", (long long)ri.id);
		free(art);
		run_info_clear(&ri);
		project_close(p);
		return rc;
	}
	/* computed only when asked: it predicts the test rows columns x 5 times */
	if (importance && importance_compute(p, argv[optind], IMPORTANCE_REPEATS_DEFAULT, &im,
	    &err) != 0) {
		run_info_clear(&ri);
		project_close(p);
		return cmd_fail_err(err);
	}
	struct housekeeping hk = { 0 };
	if (run_note_get(p, ri.id, &hk.note, &hk.archived, &err) != 0) {
		importance_free(im);
		run_info_clear(&ri);
		project_close(p);
		return cmd_fail_err(err);
	}
	sbuf_init(&b);
	if (ctx->json)
		write_json(&b, p, &ri, &hk, im);
	else
		write_text(&b, p, &ri, &hk, im);
	free(hk.note);
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	sbuf_free(&b);
	importance_free(im);
	run_info_clear(&ri);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.args = "RUN [--importance] [--folds] [--json]",
	.summary = "Show everything a run recorded: data, recipe, parameters, metrics, model.",
	.help =
	    "options:\n"
	    "  --importance         also compute the permutation importance of the input\n"
	    "                       columns on the held-out rows (5 repeats; as 'lathe\n"
	    "                       importance RUN'; JSON: an \"importance\" member)\n"
	    "  --folds              print a cross-validated run's fold assignment as CSV:\n"
	    "                       \"row,fold_1,...,fold_R\", one line per row it cross-\n"
	    "                       validated (dataset row and fold, both from 0)\n"
	    "  --json               print {\"id\", \"status\", \"error\", \"experiment\", \"parent_run\",\n"
	    "                       \"tags\": {key: value}, \"note\", \"archived\",\n"
	    "                       \"dataset\", \"dataset_hash\", \"target\", \"task\", \"algo\",\n"
	    "                       \"plugin\": {\"version\", \"sha256\", \"path\"}, \"params\",\n"
	    "                       \"recipe\": {\"name\", \"version\", \"text\", \"features\", \"fitted\"},\n"
	    "                       \"split\", \"seed\", \"threads\", \"env\", \"created\", \"started\",\n"
	    "                       \"finished\", \"duration\", \"timings\", \"classes\",\n"
	    "                       \"metrics_on\": \"cv\"|\"test\"|\"train\" (also as\n"
	    "                       \"metrics_split\"), \"metrics\": {name: value} (cv: the\n"
	    "                       means), \"cv\": null or {\"folds\", \"repeats\", \"group\",\n"
	    "                       \"test_size\", \"refit\", \"metrics\": {name: {\"mean\",\n"
	    "                       \"std\", \"folds\"}}, \"fold_metrics\": [{\"repeat\", \"fold\",\n"
	    "                       \"n_train\", \"n_valid\", \"metrics\"}]}, \"test_metrics\"\n"
	    "                       (null: nothing held out), \"train_metrics\", \"curves\":\n"
	    "                       {name: [[step, value], ...]}, \"summary\", \"confusion\",\n"
	    "                       \"model_bytes\", \"log\"}; see docs/cli.md\n",
	.exec = cmd_show_exec,
};
