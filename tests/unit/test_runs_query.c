/*
 * test_runs_query.c — the workbench's bulk readers in core/: every run
 * with its metrics (test split, or train without one) and parameters in
 * three statements; one run's metrics, curves and re-runs; and random
 * access to dataset cells through a window over the stored chunks
 * (several chunks, strings with missing values, whole columns, bounds).
 */
#include "testutil.h"
#include "base/util.h"
#include "features/recipe.h"
#include "ingest/csv_import.h"
#include "ingest/profile.h"
#include "store/dataset.h"
#include "store/dataset_window.h"
#include "store/project.h"
#include "train/runs_query.h"

#include <math.h>

static struct project *
fresh(const char *name)
{
	struct project *p = NULL;
	char *err = NULL;
	const char *path = tu_path(name);
	unlink(path);
	if (project_create(path, &p, &err) != 0)
		fail_msg("create: %s", err);
	return p;
}

static void
exec(struct project *p, const char *sql)
{
	char *err = NULL;
	if (db_exec(p, sql, &err) != 0)
		fail_msg("%s: %s", sql, err);
}

static void
store_csv(struct project *p, const char *name, const char *csv)
{
	struct import_opts o = { .header = -1 };
	struct import_info info;
	struct table *t = NULL;
	char *err = NULL, hash[65];
	int version, created;
	const char *path = tu_write("in.csv", csv, -1);
	if (csv_import(path, &o, &t, &info, &err) != 0 || profile_table(t, 2, &err) != 0)
		fail_msg("import: %s", err);
	profile_table_hash(t, hash);
	if (dataset_store(p, name, t, hash, path, 1, "{}", &version, &created, &err) != 0)
		fail_msg("store: %s", err);
	table_free(t);
}

static void
test_runs(void **state)
{
	struct project *p = fresh("runs.lathe");
	struct runs_list *l = NULL;
	char *err = NULL;
	(void)state;
	store_csv(p, "iris", "a,b,y\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n");
	exec(p, "INSERT INTO experiments(id, name, created) VALUES (1, 'base', 'now')");
	/* three runs: one with a test split, one trained on every row, one failed */
	for (int id = 1; id <= 3; id++) {
		char sql[1024];
		snprintf(sql, sizeof sql, "INSERT INTO runs(id, experiment_id, parent_run, "
		    "dataset_version_id, dataset_hash, target, task, algo, plugin_version, plugin_hash, "
		    "plugin_path, params, recipe, recipe_name, recipe_version, split, seed, threads, env, "
		    "status, error, created, duration) VALUES (%d, %s, %s, 1, 'h', 'y', "
		    "'classification', 'logistic', '1', 'x', '/p', '{}', %s, %s, %s, '{}', 0, 1, '{}', "
		    "'%s', %s, 't%d', %s)", id, id == 2 ? "1" : "NULL", id == 3 ? "1" : "NULL",
		    id == 1 ? "'custom text'" : "?1", id == 2 ? "'feat'" : "NULL", id == 2 ? "2" : "NULL",
		    id == 3 ? "failed" : "finished", id == 3 ? "'boom'" : "NULL", id,
		    id == 3 ? "NULL" : "0.5");
		sqlite3_stmt *st = NULL;
		assert_int_equal(db_prepare(p, sql, &st, &err), 0);
		sqlite3_bind_text(st, 1, recipe_default_text, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	exec(p, "INSERT INTO run_params VALUES (1, 'C', 1.0), (1, 'solver', 'qr'), "
	    "(2, 'C', 10), (2, 'solver', 'qr'), (3, 'C', 0.5)");
	exec(p, "INSERT INTO run_metrics VALUES (1, 'accuracy', 'test', 0.9), "
	    "(1, 'accuracy', 'train', 0.99), (2, 'accuracy', 'train', 0.97), "
	    "(1, 'log_loss', 'test', 0.3)");
	exec(p, "INSERT INTO run_curves VALUES (1, 'loss', 0, 1.0), (1, 'loss', 1, 0.5), "
	    "(1, 'acc', 1, 0.7)");
	assert_int_equal(runs_query(p, &l, &err), 0);
	assert_int_equal(l->n, 3);
	assert_int_equal(l->rows[0].id, 1);
	const struct runs_row *r1 = &l->rows[0], *r2 = &l->rows[1], *r3 = &l->rows[2];
	assert_string_equal(r1->recipe, "(inline)");
	assert_string_equal(r2->recipe, "feat@2");
	assert_string_equal(r3->recipe, "(default)");
	assert_string_equal(r1->experiment, "");
	assert_string_equal(r2->experiment, "base");
	assert_string_equal(r1->dataset, "iris@1");
	assert_int_equal(r3->status, RUN_FAILED);
	assert_string_equal(r3->error, "boom");
	assert_true(isnan(r3->duration));
	assert_int_equal(r3->parent_run, 1);
	long acc = runs_name_index(l, "accuracy");
	assert_true(acc >= 0);
	/* test split preferred; training split when nothing was held out */
	assert_true(runs_metric(l, r1, (uint32_t)acc) == 0.9);
	assert_string_equal(r1->split, "test");
	assert_true(runs_metric(l, r2, (uint32_t)acc) == 0.97);
	assert_string_equal(r2->split, "train");
	assert_true(isnan(runs_metric(l, r3, (uint32_t)acc)));
	assert_string_equal(r3->split, "");
	assert_int_equal(r1->nm, 2);
	/* parameters with their text */
	assert_int_equal(r1->np, 2);
	long c = runs_name_index(l, "C");
	for (size_t k = 0; k < r2->np; k++)
		if (l->params[r2->p0 + k].name == (uint32_t)c) {
			assert_string_equal(l->params[r2->p0 + k].text, "10");
			assert_true(l->params[r2->p0 + k].num == 10);
		}
	for (size_t k = 0; k < r1->np; k++)
		if (strcmp(l->names[l->params[r1->p0 + k].name], "solver") == 0)
			assert_true(isnan(l->params[r1->p0 + k].num));
	assert_int_equal(runs_find(l, 2), 1);
	assert_int_equal(runs_find(l, 9), -1);
	runs_list_free(l);
	/* one run's records */
	assert_int_equal(run_has_split(p, 1, "test"), 1);
	assert_int_equal(run_has_split(p, 2, "test"), 0);
	int64_t *kids = NULL;
	size_t nk = 0;
	assert_int_equal(run_children(p, 1, &kids, &nk, &err), 0);
	assert_int_equal(nk, 1);
	assert_int_equal(kids[0], 3);
	free(kids);
	project_close(p);
}

static int
count_curve(void *ctx, const char *name, int step, double v)
{
	int *n = ctx;
	(void)name;
	(void)step;
	(void)v;
	(*n)++;
	return 0;
}

static void
test_visits(void **state)
{
	struct project *p = NULL;
	char *err = NULL;
	int n = 0;
	(void)state;
	assert_int_equal(project_open(tu_path("runs.lathe"), &p, &err), 0);
	assert_int_equal(run_curves_visit(p, 1, count_curve, &n, &err), 0);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(run_curves_visit(p, 2, count_curve, &n, &err), 0);
	assert_int_equal(n, 0);
	project_close(p);
}

static void
test_window(void **state)
{
	struct project *p = fresh("win.lathe");
	struct dsver v = { 0 };
	struct table *full = NULL;
	struct dswin *w = NULL;
	struct sbuf csv;
	char *err = NULL;
	(void)state;
	/* 150,000 rows: three stored chunks per column */
	sbuf_init(&csv);
	sbuf_puts(&csv, "x,name,note\n");
	for (int i = 0; i < 150000; i++) {
		if (i % 7 == 0)
			sbuf_printf(&csv, "NA,n%d,\n", i % 50);
		else
			sbuf_printf(&csv, "%d.5,n%d,t%d\n", i, i % 50, i);
	}
	store_csv(p, "big", csv.s);
	sbuf_free(&csv);
	assert_int_equal(dataset_resolve(p, "big", &v, &err), 0);
	assert_int_equal(dataset_load(p, &v, SIZE_MAX, &full, &err), 0);
	assert_int_equal(dswin_open(p, &v, &w, &err), 0);
	assert_int_equal(dswin_nrows(w), 150000);
	assert_int_equal(dswin_meta(w)->ncols, 3);
	assert_string_equal(dswin_meta(w)->cols[1].name, "name");
	assert_int_equal(dswin_cached_bytes(w), 0);	/* nothing read yet */
	/* the first screen reads one chunk of one column */
	double x;
	assert_int_equal(dswin_num(w, 0, 1, &x, &err), 0);
	assert_true(x == 1.5);
	assert_int_equal(dswin_cached_bytes(w), IMPORT_CHUNK_ROWS * sizeof(double));
	/* every probed cell agrees with the full load, across chunk borders */
	size_t probes[] = { 0, 1, 65535, 65536, 65537, 131071, 131072, 149999, 77, 140000 };
	for (size_t k = 0; k < ARRAY_LEN(probes); k++) {
		size_t r = probes[k];
		double a = ((const double *)full->cols[0].chunks[0].data)[r];
		assert_int_equal(dswin_num(w, 0, r, &x, &err), 0);
		assert_true((isnan(a) && isnan(x)) || a == x);
		const char *s, *t;
		for (size_t c = 1; c < 3; c++) {
			assert_int_equal(dswin_str(w, c, r, &s, &err), 0);
			t = column_str_at(&full->cols[c], r);
			if (t == NULL)
				assert_null(s);
			else
				assert_string_equal(s, t);
		}
	}
	/* a whole column, for sorting and filters */
	const struct column *col;
	assert_int_equal(dswin_column(w, 2, &col, &err), 0);
	assert_int_equal(col->nchunks, 1);
	const char *s;
	assert_int_equal(dswin_str(w, 2, 149999, &s, &err), 0);
	assert_string_equal(s, "t149999");
	/* wrong kind and out of range are errors, not crashes */
	assert_int_equal(dswin_num(w, 1, 0, &x, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(dswin_num(w, 0, 150000, &x, &err), -1);
	assert_non_null(strstr(err, "outside"));
	free(err);
	dswin_free(w);
	table_free(full);
	dsver_clear(&v);
	project_close(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_visits),
		cmocka_unit_test(test_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
