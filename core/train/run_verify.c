/*
 * run_verify.c — see run_verify.h.
 */
#include "run_verify.h"
#include "base/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
run_request_from_record(const struct run_info *ri, struct run_request *rq, char **err)
{
	json_error_t je;
	json_t *split = json_loads(ri->split ? ri->split : "", 0, &je);

	memset(rq, 0, sizeof *rq);
	if (!json_is_object(split)) {
		json_decref(split);
		return err_set(err, "run %lld: unreadable split record", (long long)ri->id);
	}
	json_t *ts = json_object_get(split, "test_size");
	rq->test_size = json_is_number(ts) ? json_number_value(ts) : -1;
	const char *method = json_string_value(json_object_get(split, "method"));
	if (method && strcmp(method, "cv") == 0) {
		/* one cross-validated run: the same folds, repeats, groups, holdout */
		rq->cv_folds = (int)json_integer_value(json_object_get(split, "folds"));
		rq->cv_repeats = (int)json_integer_value(json_object_get(split, "repeats"));
		rq->cv_group = ri->cv_group;
		if (rq->cv_folds < 2 || rq->cv_repeats < 1 || !(rq->test_size >= 0)) {
			json_decref(split);
			return err_set(err, "run %lld: unreadable split record", (long long)ri->id);
		}
	} else if (method && strcmp(method, "kfold") == 0) {
		/* a cross-validation fold: the same folds, the same fold */
		rq->cv_folds = (int)json_integer_value(json_object_get(split, "folds"));
		rq->cv_fold = (int)json_integer_value(json_object_get(split, "fold"));
		rq->test_size = -1;
	}
	json_decref(split);
	rq->dataset = ri->dataset;
	rq->target = ri->target;
	rq->algo = ri->algo;
	rq->task = ri->task;
	rq->params_json = ri->params;
	rq->recipe_text = ri->recipe;
	rq->recipe_origin = "recipe";
	rq->recipe_name = ri->recipe_name;
	rq->recipe_version = ri->recipe_version;
	rq->have_seed = 1;
	rq->seed = ri->seed;
	rq->threads = ri->threads;
	rq->experiment = ri->experiment;
	rq->parent_run = ri->id;
	return 0;
}

/* Compare one artifact of two runs; appends a difference to diffs. */
static int
same_artifact(struct project *p, int64_t a, int64_t b, const char *name, struct sbuf *diffs)
{
	void *x = NULL, *y = NULL;
	size_t nx = 0, ny = 0;
	int hx = run_artifact(p, a, name, &x, &nx, NULL) == 0;
	int hy = run_artifact(p, b, name, &y, &ny, NULL) == 0;
	int same = hx == hy && nx == ny && (nx == 0 || memcmp(x, y, nx) == 0);
	if (!same)
		sbuf_printf(diffs, "%s%s differs (%zu vs %zu bytes)", diffs->len ? "; " : "", name,
		    nx, ny);
	free(x);
	free(y);
	return same;
}

/*
 * What, in the two runs' recorded environments, can change the last bits
 * of a result: the BLAS kernel (OpenBLAS picks AVX2, AVX-512 or FMA code by
 * CPU; docs/reproducibility.md), the OpenBLAS and LAPACK builds, lathe
 * itself.  Appends "BLAS kernel Haswell then, SkylakeX now" clauses to
 * out; returns how many differ.  *core receives the original's kernel name
 * (malloc'd, or NULL).
 */
static int
env_differences(const char *ea, const char *eb, struct sbuf *out, char **core)
{
	static const struct { const char *key, *label; } keys[] = {
		{ "blas_core", "BLAS kernel" },
		{ "blas", "OpenBLAS build" },
		{ "lapack", "LAPACK" },
		{ "lathe", "lathe" },
	};
	json_error_t je;
	json_t *a = ea ? json_loads(ea, 0, &je) : NULL, *b = eb ? json_loads(eb, 0, &je) : NULL;
	int n = 0;

	*core = NULL;
	for (size_t i = 0; a && b && i < ARRAY_LEN(keys); i++) {
		const char *x = json_string_value(json_object_get(a, keys[i].key));
		const char *y = json_string_value(json_object_get(b, keys[i].key));
		if (x == NULL || y == NULL || strcmp(x, y) == 0)
			continue;
		/* the build string names the kernel too: one clause for it */
		if (i == 1 && n > 0) {
			const char *cx = json_string_value(json_object_get(a, "blas_core"));
			const char *cy = json_string_value(json_object_get(b, "blas_core"));
			if (cx && cy && strstr(x, cx) && strstr(y, cy) &&
			    strlen(x) - strlen(cx) == strlen(y) - strlen(cy))
				continue;
		}
		sbuf_printf(out, "%s%s %s then, %s now", n ? ", " : "", keys[i].label, x, y);
		if (i == 0)
			*core = str_dup(x);
		n++;
	}
	json_decref(a);
	json_decref(b);
	return n;
}

static int
same_metrics(struct project *p, int64_t a, int64_t b, struct sbuf *diffs, double *max_rel,
    char **err)
{
	sqlite3_stmt *st = NULL;
	int same = 1, s;
	*max_rel = 0;
	/* a cross-validated run's fold metrics count too ("accuracy fold 1.3") */
	if (db_prepare(p, "WITH m(run_id, name, split, value) AS (SELECT run_id, name, split, "
	    "value FROM run_metrics WHERE run_id IN (?1, ?2) UNION ALL SELECT run_id, name, "
	    "'fold ' || (rep + 1) || '.' || (fold + 1), value FROM run_cv_folds WHERE run_id IN "
	    "(?1, ?2)) SELECT n, s, (SELECT value FROM m WHERE run_id = ?1 AND "
	    "name = n AND split = s), (SELECT value FROM m WHERE run_id = ?2 AND "
	    "name = n AND split = s) FROM (SELECT name AS n, split AS s FROM m "
	    "GROUP BY name, split)", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int nx = sqlite3_column_type(st, 2) == SQLITE_NULL;
		int ny = sqlite3_column_type(st, 3) == SQLITE_NULL;
		double x = sqlite3_column_double(st, 2), y = sqlite3_column_double(st, 3);
		if (nx != ny)
			*max_rel = INFINITY;
		else if (!nx && x != y) {
			double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
			double rel = fabs(x - y) / scale;
			*max_rel = rel > *max_rel ? rel : *max_rel;
		}
		if (nx != ny || memcmp(&x, &y, sizeof x) != 0) {
			char bx[32], by[32];
			sbuf_printf(diffs, "%s%s %s: %s vs %s", diffs->len ? "; " : "",
			    sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			    nx ? "none" : fmt_double(bx, x), ny ? "none" : fmt_double(by, y));
			same = 0;
		}
	}
	if (s != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(p, err);
	}
	sqlite3_finalize(st);
	return same;
}

int
run_verify(struct project *p, int64_t orig, int64_t rerun, int *identical, char **diffs,
    char **err)
{
	struct run_info a = { 0 }, b = { 0 };
	struct sbuf d;
	char ra[32], rb[32];
	int rc = -1;

	*identical = 0;
	*diffs = NULL;
	sbuf_init(&d);
	snprintf(ra, sizeof ra, "%lld", (long long)orig);
	snprintf(rb, sizeof rb, "%lld", (long long)rerun);
	if (run_load(p, ra, &a, err) != 0 || run_load(p, rb, &b, err) != 0)
		goto out;
	if (a.status != RUN_FINISHED || b.status != RUN_FINISHED) {
		sbuf_printf(&d, "run %lld is %s and run %lld is %s", (long long)orig,
		    run_status_name(a.status), (long long)rerun, run_status_name(b.status));
	} else {
		double max_rel;
		int m = same_metrics(p, orig, rerun, &d, &max_rel, err);
		if (m < 0)
			goto out;
		int mo = same_artifact(p, orig, rerun, "model", &d);
		int re = same_artifact(p, orig, rerun, "recipe", &d);
		int ph = a.plugin_hash && b.plugin_hash && strcmp(a.plugin_hash, b.plugin_hash) == 0;
		if (!ph)
			sbuf_printf(&d, "%splugin file changed (sha256 %.12s… then, %.12s… now)",
			    d.len ? "; " : "", a.plugin_hash ? a.plugin_hash : "?",
			    b.plugin_hash ? b.plugin_hash : "?");
		*identical = m && mo && re && ph;
		if (!*identical) {
			/* bit-exact holds only in the same environment: say when it
			 * is not, and how close the results still are */
			struct sbuf e;
			char *core = NULL;
			sbuf_init(&e);
			if (env_differences(a.env, b.env, &e, &core) > 0) {
				sbuf_printf(&d, "; the environment differs (%s), and bit-for-bit "
				    "reproduction needs the same one", e.s);
				if (core)
					sbuf_printf(&d, " (OPENBLAS_CORETYPE=%s selects the recorded "
					    "kernel where the CPU has it)", core);
				if (isfinite(max_rel))
					sbuf_printf(&d, "; the largest relative difference of a metric "
					    "is %.2g", max_rel);
			}
			free(core);
			sbuf_free(&e);
		}
	}
	if (d.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!*identical)
		*diffs = sbuf_detach(&d);
	rc = 0;
out:
	sbuf_free(&d);
	run_info_clear(&a);
	run_info_clear(&b);
	return rc;
}
