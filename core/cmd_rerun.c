/*
 * cmd_rerun.c — `lathe rerun RUN [--verify]`: train again from the record
 * alone (dataset version, recipe, algorithm, parameters, split, seed,
 * BLAS threads) and, with --verify, require identical metrics, model bytes
 * and fitted recipe.
 */
#include "cmd.h"
#include "jsonw.h"
#include "plugin.h"
#include "run.h"
#include "util.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int	cmd_train_wait(struct project *p, struct run_proc *rp, int show_progress, char **err);

enum { OPT_VERIFY = OPT_LONG + 1 };

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

static int
same_metrics(struct project *p, int64_t a, int64_t b, struct sbuf *diffs)
{
	sqlite3_stmt *st = NULL;
	int same = 1;
	/* every metric of either run, paired by name and split */
	if (db_prepare(p, "SELECT n, s, (SELECT value FROM run_metrics WHERE run_id = ?1 AND "
	    "name = n AND split = s), (SELECT value FROM run_metrics WHERE run_id = ?2 AND "
	    "name = n AND split = s) FROM (SELECT name AS n, split AS s FROM run_metrics "
	    "WHERE run_id IN (?1, ?2) GROUP BY name, split)", &st, NULL) != 0)
		return 0;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int nx = sqlite3_column_type(st, 2) == SQLITE_NULL;
		int ny = sqlite3_column_type(st, 3) == SQLITE_NULL;
		double x = sqlite3_column_double(st, 2), y = sqlite3_column_double(st, 3);
		if (nx != ny || memcmp(&x, &y, sizeof x) != 0) {
			char bx[32], by[32];
			sbuf_printf(diffs, "%s%s %s: %s vs %s", diffs->len ? "; " : "",
			    sqlite3_column_text(st, 1), sqlite3_column_text(st, 0),
			    nx ? "none" : fmt_double(bx, x), ny ? "none" : fmt_double(by, y));
			same = 0;
		}
	}
	sqlite3_finalize(st);
	return same;
}

static int
cmd_rerun_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct plugin_set *ps = NULL;
	struct run_proc *rp = NULL;
	struct run_info ri = { 0 }, nr = { 0 };
	struct sbuf diffs, out;
	char *err = NULL, ref[32];
	int c, rc = EXIT_USER, verify = 0, quiet = 0;
	int64_t id = 0;

	sbuf_init(&diffs);
	sbuf_init(&out);
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_VERIFY: verify = 1; break;
		case 'q': quiet = 1; break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, optind < argc ? "expected one run" : "missing the run id");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (run_load(p, argv[optind], &ri, &err) != 0)
		goto fail;
	json_error_t je;
	json_t *split = json_loads(ri.split, 0, &je);
	struct run_request rq = {
		.dataset = ri.dataset, .target = ri.target, .algo = ri.algo, .task = ri.task,
		.params_json = ri.params, .recipe_text = ri.recipe, .recipe_origin = "recipe",
		.recipe_name = ri.recipe_name, .recipe_version = ri.recipe_version,
		.test_size = json_number_value(json_object_get(split, "test_size")),
		.have_seed = 1, .seed = ri.seed, .threads = ri.threads,
		.experiment = ri.experiment, .parent_run = ri.id,
	};
	json_decref(split);
	if (plugin_set_load(&ps, &err) != 0 || run_create(p, ps, &rq, &id, &err) != 0)
		goto fail;
	if (run_spawn(ctx->project, id, &rp, &err) != 0 ||
	    cmd_train_wait(p, rp, !quiet && !ctx->json, &err) != 0)
		goto fail;
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(p, ref, &nr, &err) != 0)
		goto fail;
	int identical = -1;
	if (verify) {
		if (ri.status != RUN_FINISHED || nr.status != RUN_FINISHED) {
			sbuf_printf(&diffs, "run %lld is %s and run %lld is %s", (long long)ri.id,
			    run_status_name(ri.status), (long long)nr.id, run_status_name(nr.status));
			identical = 0;
		} else {
			int m = same_metrics(p, ri.id, nr.id, &diffs);
			int a = same_artifact(p, ri.id, nr.id, "model", &diffs);
			int r = same_artifact(p, ri.id, nr.id, "recipe", &diffs);
			if (strcmp(ri.plugin_hash, nr.plugin_hash) != 0)
				sbuf_printf(&diffs, "%splugin file changed (sha256 %.12s… then, %.12s… now)",
				    diffs.len ? "; " : "", ri.plugin_hash, nr.plugin_hash);
			identical = m && a && r;
		}
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &out, 0);
		jw_obj(&w);
		jw_key(&w, "run"); jw_int(&w, id);
		jw_key(&w, "rerun_of"); jw_int(&w, ri.id);
		jw_key(&w, "status"); jw_str(&w, run_status_name(nr.status));
		jw_key(&w, "error"); jw_str(&w, nr.error);
		if (verify) {
			jw_key(&w, "identical"); jw_bool(&w, identical == 1);
			jw_key(&w, "differences"); jw_str(&w, diffs.len ? diffs.s : "");
		}
		jw_obj_end(&w);
		sbuf_putc(&out, '\n');
	} else {
		sbuf_printf(&out, "%lld\n", (long long)id);
	}
	rc = cmd_write_out(out.s);
	if (!ctx->json && verify) {
		if (identical == 1)
			fprintf(stderr, "run %lld reproduces run %lld exactly: metrics, model bytes and "
			    "fitted recipe are identical\n", (long long)id, (long long)ri.id);
		else
			fprintf(stderr, "lathe: run %lld does not reproduce run %lld: %s\n",
			    (long long)id, (long long)ri.id, diffs.s);
	}
	if (nr.status != RUN_FINISHED) {
		cmd_fail("run %lld %s: %s", (long long)id, run_status_name(nr.status),
		    nr.error ? nr.error : "no reason recorded");
		rc = EXIT_USER;
	} else if (verify && identical != 1) {
		rc = EXIT_USER;
	}
	goto out;
fail:
	rc = cmd_fail_err(err);
out:
	run_proc_free(rp);
	plugin_set_free(ps);
	run_info_clear(&ri);
	run_info_clear(&nr);
	sbuf_free(&diffs);
	sbuf_free(&out);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_rerun_entry = {
	.name = "rerun",
	.args = "RUN [--verify] [--json]",
	.summary = "Train a run again from its record; --verify requires identical results.",
	.help =
	    "The new run uses the recorded dataset version, recipe text, algorithm,\n"
	    "parameters, split, seed and BLAS thread count, and links back to the original.\n"
	    "\n"
	    "options:\n"
	    "  --verify             compare every metric (bit for bit), the model bytes and the\n"
	    "                       fitted recipe with the original; exit 1 if any differs\n"
	    "  -q, --quiet          no progress bar\n"
	    "  --json               print {\"run\", \"rerun_of\", \"status\", \"error\", \"identical\",\n"
	    "                       \"differences\"}\n",
	.exec = cmd_rerun_exec,
};
