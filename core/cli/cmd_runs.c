/*
 * cmd_runs.c — `lathe runs`: the runs table, filtered by experiment or
 * status and sorted by any metric (best first, by the metric's direction).
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/metrics.h"
#include "train/run.h"
#include "train/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_EXP = OPT_LONG + 1, OPT_SORT, OPT_STATUS, OPT_LIMIT, OPT_INCL_TRAIN };

struct row {
	int64_t	 id;
	char	*status, *experiment, *dataset, *task, *algo, *target, *created, *error,
		*params, *split;
	double	 duration;
	char	*mname[24];
	double	 mval[24];
	double	 msd[24];	/* cross-validation: std over the folds; else NaN */
	int	 nm;
	int	 on;		/* the metrics are of: 2 cross-validation, 1 test, 0 train */
	char	 on_label[24];	/* "cv 5", "cv 5x3", "test", "train" or "" */
};

/* A supervised run scored on its training rows flatters itself; a
 * clustering or projection is always scored on the rows it was fitted to. */
static int
flattering(const struct row *r)
{
	return r->on == 0 && (strcmp(r->task, "classification") == 0 ||
	    strcmp(r->task, "regression") == 0);
}

static double
metric_of(const struct row *r, const char *name)
{
	for (int i = 0; i < r->nm; i++)
		if (strcmp(r->mname[i], name) == 0)
			return r->mval[i];
	return NAN;
}

static const char *sort_key;
static int sort_desc;

static int
cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (sort_key) {
		double u = metric_of(x, sort_key), v = metric_of(y, sort_key);
		if (isnan(u) != isnan(v))
			return isnan(u) ? 1 : -1;	/* runs without it last */
		if (!isnan(u) && u != v)	/* two without it: by id, below */
			return (u < v) == sort_desc ? 1 : -1;
	}
	return (x->id < y->id) - (x->id > y->id);	/* newest first */
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return str_dup(s ? (const char *)s : "");
}

static void
row_clear(struct row *r)
{
	free(r->status); free(r->experiment); free(r->dataset); free(r->task);
	free(r->algo); free(r->target); free(r->created); free(r->error); free(r->params);
	free(r->split);
	for (int k = 0; k < r->nm; k++)
		free(r->mname[k]);
}

static void
rows_free(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_clear(&rows[i]);
	free(rows);
}

/* The number of runs in the project, whatever their experiment or status. */
static int
count_runs(struct project *p, long long *n, char **err)
{
	sqlite3_stmt *st = NULL;
	if (db_prepare(p, "SELECT count(*) FROM runs", &st, err) != 0)
		return -1;
	int s = sqlite3_step(st);
	*n = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return s == SQLITE_ROW ? 0 : db_fail(p, err);
}

/* Metrics shown as columns: the most useful ones present, in table order. */
static const char *const preferred[] = { "accuracy", "f1_macro", "roc_auc", "log_loss", "r2",
	"rmse", "mae", "inertia", "silhouette" };

static int
cmd_runs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "experiment", required_argument, NULL, OPT_EXP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "include-train-metrics", no_argument, NULL, OPT_INCL_TRAIN },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	struct sbuf b;
	const char *exp = NULL, *status = NULL, *sort = NULL;
	long limit = 0;
	int c, rc = EXIT_USER, include_train = 0;
	size_t left_out = 0;
	char *err = NULL;

	sbuf_init(&b);
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_EXP: exp = optarg; break;
		case OPT_SORT: sort = optarg; break;
		case OPT_STATUS: status = optarg; break;
		case OPT_LIMIT:
			if (cmd_optlong(ctx, optarg, 1, LONG_MAX, &limit) != 0)
				return EXIT_USAGE;
			break;
		case OPT_INCL_TRAIN: include_train = 1; break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind < argc)
		return cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (include_train && sort == NULL)
		return cmd_usage(ctx, "--include-train-metrics goes with --sort (without it every "
		    "run is listed)");
	enum run_status want;
	if (status && run_status_parse(status, &want) != 0)
		return cmd_usage(ctx, "bad --status '%s' (expected queued, running, finished, "
		    "failed or cancelled)", status);
	sort_key = NULL;
	if (sort) {
		char sign = *sort == '-' || *sort == '+' ? *sort : 0;
		if (sign)
			sort++;
		const struct metrics_info *mi = metrics_lookup(sort);
		if (mi == NULL) {
			struct sbuf names;
			sbuf_init(&names);
			for (size_t i = 0; i < metrics_table_len; i++)
				sbuf_printf(&names, "%s%s", i ? ", " : "", metrics_table[i].name);
			rc = cmd_usage(ctx, "unknown metric '%s' for --sort (metrics: %s)", sort, names.s);
			sbuf_free(&names);
			return rc;
		}
		/* +metric high first, -metric low first, else best first (as the
		 * workbench's runs table sorts a metric column) */
		sort_desc = sign ? sign == '+' : mi->higher_is_better;
		sort_key = sort;
	}
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	run_reap_dead(p, NULL, NULL);	/* a run nobody will settle says so */
	if (exp) {
		if (db_prepare(p, "SELECT 1 FROM experiments WHERE name = ?1", &st, &err) != 0)
			goto dbfail;
		sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
		int found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		st = NULL;
		if (!found) {
			rc = cmd_fail("no experiment named '%s'", exp);
			goto out;
		}
	}
	if (db_prepare(p, "SELECT r.id, r.status, coalesce(e.name, ''), d.name || '@' || v.version, "
	    "r.task, r.algo, coalesce(r.target, ''), r.created, coalesce(r.error, ''), r.params, "
	    "r.duration, r.split FROM runs r LEFT JOIN experiments e ON e.id = r.experiment_id "
	    "JOIN dataset_versions v ON v.id = r.dataset_version_id "
	    "JOIN datasets d ON d.id = v.dataset_id "
	    "WHERE (?1 IS NULL OR e.name = ?1) AND (?2 IS NULL OR r.status = ?2) ORDER BY r.id",
	    &st, &err) != 0)
		goto dbfail;
	if (exp)
		sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
	if (status)
		sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct row *nr = realloc(rows, cap * sizeof *nr);
			if (nr == NULL) {
				rc = cmd_fail("out of memory");
				goto out;
			}
			rows = nr;
		}
		struct row *r = &rows[n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->status = col(st, 1);
		r->experiment = col(st, 2);
		r->dataset = col(st, 3);
		r->task = col(st, 4);
		r->algo = col(st, 5);
		r->target = col(st, 6);
		r->created = col(st, 7);
		r->error = col(st, 8);
		r->params = col(st, 9);
		r->duration = sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 10);
		r->split = col(st, 11);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (s != SQLITE_DONE)
		goto dbfail;
	/* the run's headline metrics: a cross-validated run's means (with
	 * their std), else the test split's, else the training split's */
	if (db_prepare(p, "SELECT name, mean, std, 2, rowid FROM run_cv_metrics WHERE run_id = ?1 "
	    "UNION ALL SELECT name, value, NULL, 1, rowid FROM run_metrics WHERE run_id = ?1 AND "
	    "split = 'test' AND NOT EXISTS (SELECT 1 FROM run_cv_metrics WHERE run_id = ?1) "
	    "UNION ALL SELECT name, value, NULL, 0, rowid FROM run_metrics WHERE run_id = ?1 AND "
	    "split = 'train' AND NOT EXISTS (SELECT 1 FROM run_metrics WHERE run_id = ?1 AND "
	    "split = 'test') AND NOT EXISTS (SELECT 1 FROM run_cv_metrics WHERE run_id = ?1) "
	    "ORDER BY 5", &st, &err) != 0)
		goto dbfail;
	for (size_t i = 0; i < n; i++) {
		struct row *r = &rows[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->id);
		r->on = -1;
		while (sqlite3_step(st) == SQLITE_ROW && r->nm < 24) {
			r->mname[r->nm] = col(st, 0);
			r->mval[r->nm] = sqlite3_column_double(st, 1);
			r->msd[r->nm] = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN :
			    sqlite3_column_double(st, 2);
			r->on = sqlite3_column_int(st, 3);
			r->nm++;
		}
		if (r->on == 2) {
			struct split_spec sp;
			char *serr = NULL;
			if (split_record_parse(r->split, &sp, &serr) == 0 && sp.repeats > 1)
				snprintf(r->on_label, sizeof r->on_label, "cv %dx%d", sp.folds,
				    sp.repeats);
			else
				snprintf(r->on_label, sizeof r->on_label, "cv %d", sp.folds);
			split_spec_clear(&sp);
			free(serr);
		} else if (r->on >= 0) {
			snprintf(r->on_label, sizeof r->on_label, "%s", r->on ? "test" : "train");
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	/* a leaderboard leaves out scores measured on the rows the model
	 * learnt from: they flatter it */
	if (sort_key && !include_train) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (flattering(&rows[i]) && !isnan(metric_of(&rows[i], sort_key))) {
				row_clear(&rows[i]);
				left_out++;
				continue;
			}
			rows[k++] = rows[i];
		}
		n = k;
	}
	if (n > 1)	/* rows is NULL when nothing matched: qsort must not see it */
		qsort(rows, n, sizeof *rows, cmp_rows);
	size_t shown = limit > 0 && (size_t)limit < n ? (size_t)limit : n;

	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "runs");
		jw_arr(&w);
		for (size_t i = 0; i < shown; i++) {
			const struct row *r = &rows[i];
			jw_obj(&w);
			jw_key(&w, "id"); jw_int(&w, r->id);
			jw_key(&w, "status"); jw_str(&w, r->status);
			jw_key(&w, "experiment"); if (*r->experiment) jw_str(&w, r->experiment); else jw_null(&w);
			jw_key(&w, "dataset"); jw_str(&w, r->dataset);
			jw_key(&w, "task"); jw_str(&w, r->task);
			jw_key(&w, "algo"); jw_str(&w, r->algo);
			jw_key(&w, "target"); if (*r->target) jw_str(&w, r->target); else jw_null(&w);
			jw_key(&w, "params"); jw_raw(&w, r->params);
			jw_key(&w, "metrics_on");
			if (r->on >= 0)
				jw_str(&w, r->on == 2 ? "cv" : r->on ? "test" : "train");
			else
				jw_null(&w);
			jw_key(&w, "metrics");
			jw_obj(&w);
			for (int k = 0; k < r->nm; k++) {
				jw_key(&w, r->mname[k]);
				jw_num(&w, r->mval[k]);
			}
			jw_obj_end(&w);
			jw_key(&w, "metrics_std");
			if (r->on == 2) {
				jw_obj(&w);
				for (int k = 0; k < r->nm; k++) {
					jw_key(&w, r->mname[k]);
					jw_num(&w, r->msd[k]);
				}
				jw_obj_end(&w);
			} else {
				jw_null(&w);
			}
			jw_key(&w, "created"); jw_str(&w, r->created);
			jw_key(&w, "duration"); jw_num(&w, r->duration);
			jw_key(&w, "error"); if (*r->error) jw_str(&w, r->error); else jw_null(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else if (shown == 0) {
		long long total = 0;
		if ((exp || status) && count_runs(p, &total, &err) != 0)
			goto dbfail;
		if (total == 0)
			sbuf_puts(&b, "no runs yet (start one with 'lathe train')\n");
		else
			sbuf_printf(&b, "no %s%sruns%s%s%s (%lld run%s in all)\n", status ? status : "",
			    status ? " " : "", exp ? " in experiment '" : "", exp ? exp : "",
			    exp ? "'" : "", total, total == 1 ? "" : "s");
	} else {
		const char *mcols[5];
		int nmc = 0;
		if (sort_key)
			mcols[nmc++] = sort_key;
		for (size_t q = 0; q < ARRAY_LEN(preferred) && nmc < 4; q++) {
			int present = 0;
			if (sort_key && strcmp(preferred[q], sort_key) == 0)
				continue;
			for (size_t i = 0; i < shown && !present; i++)
				present = !isnan(metric_of(&rows[i], preferred[q]));
			if (present)
				mcols[nmc++] = preferred[q];
		}
		const char *hdr[16] = { "RUN", "STATUS", "EXPERIMENT", "DATASET", "ALGO", "TARGET",
			"ON" };
		int nh = 7;
		for (int q = 0; q < nmc; q++)
			hdr[nh++] = mcols[q];
		hdr[nh++] = "TIME";
		hdr[nh++] = "CREATED";
		struct texttab *t = texttab_new((size_t)nh);
		if (t == NULL) {
			rc = cmd_fail("out of memory");
			goto out;
		}
		texttab_header(t, hdr);
		texttab_right(t, 0);
		for (int q = 0; q < nmc + 1; q++)
			texttab_right(t, (size_t)(7 + q));
		texttab_limit(t, 2, 16);
		for (size_t i = 0; i < shown; i++) {
			const struct row *r = &rows[i];
			texttab_cellf(t, "%lld", (long long)r->id);
			texttab_cell(t, r->status);
			texttab_cell(t, r->experiment);
			texttab_cell(t, r->dataset);
			texttab_cell(t, r->algo);
			texttab_cell(t, r->target);
			/* a score on the training rows is marked where it is read */
			texttab_cell(t, flattering(r) ? "train!" : r->on_label);
			for (int q = 0; q < nmc; q++) {
				double v = NAN, sd = NAN;
				for (int k = 0; k < r->nm; k++)
					if (strcmp(r->mname[k], mcols[q]) == 0) {
						v = r->mval[k];
						sd = r->msd[k];
					}
				if (isnan(v))
					texttab_cell(t, "");
				else if (!isnan(sd))
					texttab_cellf(t, "%.4f ± %.4f", v, sd);
				else
					texttab_cellf(t, "%.4f", v);
			}
			if (isnan(r->duration))
				texttab_cell(t, "");
			else
				texttab_cellf(t, "%.2fs", r->duration);
			texttab_cell(t, r->created);
		}
		if (texttab_render(t, &b) != 0)
			b.oom = 1;
		texttab_free(t);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	if (rc == EXIT_OK && left_out && !ctx->json)
		fprintf(stderr, "(%zu run%s scored on %s training rows left out: "
		    "--include-train-metrics lists %s)\n", left_out, left_out == 1 ? "" : "s",
		    left_out == 1 ? "its" : "their", left_out == 1 ? "it" : "them");
	goto out;
dbfail:
	if (err == NULL)
		db_fail(p, &err);
	rc = cmd_fail_err(err);
out:
	sqlite3_finalize(st);
	rows_free(rows, n);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.args = "[--experiment NAME] [--status S] [--sort METRIC [--include-train-metrics]] "
	    "[--limit N] [--json]",
	.summary = "List runs with their status and metrics.",
	.help =
	    "Metrics shown are a cross-validated run's means over its folds (\"0.9667 ±\n"
	    "0.0236\": mean ± sample std; column ON says \"cv 5\", or \"cv 5x3\" repeated),\n"
	    "else those of the test split, else of the training split when the run held\n"
	    "nothing out (ON \"train!\": a classifier or regressor scored on the rows it\n"
	    "learnt from; \"train\" for clustering and projection, always scored so).\n"
	    "--sort puts the best first by the metric's own direction (accuracy high,\n"
	    "rmse low); prefix + or - to force high-first or low-first.  Runs without the\n"
	    "metric come last, and \"train!\" runs are left out (a note on stderr counts\n"
	    "them) unless --include-train-metrics is given.\n"
	    "Without --sort, newest first.\n"
	    "A queued or running run whose processes are all gone (both killed, a reboot)\n"
	    "is marked failed here: \"training process disappeared\".\n"
	    "\n"
	    "options:\n"
	    "  --experiment NAME    only runs of this experiment\n"
	    "  --status S           only queued, running, finished, failed or cancelled runs\n"
	    "  --sort METRIC        accuracy, balanced_accuracy, f1_macro, roc_auc, log_loss,\n"
	    "                       r2, rmse, mae, mape, inertia, silhouette, ...\n"
	    "  --limit N            at most N runs\n"
	    "  --include-train-metrics  with --sort, also rank runs scored on their\n"
	    "                       training rows (--test-size 0 without --cv)\n"
	    "  --json               print {\"runs\": [{\"id\", \"status\", \"experiment\", \"dataset\",\n"
	    "                       \"task\", \"algo\", \"target\", \"params\", \"metrics_on\":\n"
	    "                       \"cv\"|\"test\"|\"train\"|null, \"metrics\", \"metrics_std\"\n"
	    "                       (cv: {name: std}, else null), \"created\", \"duration\",\n"
	    "                       \"error\"}]}\n",
	.exec = cmd_runs_exec,
};
