/*
 * cmd_rerun.c — `lathe rerun RUN [--verify]`: train again from the record
 * alone (dataset version, recipe, algorithm, parameters, split, seed,
 * BLAS threads) and, with --verify, require identical metrics, model bytes
 * and fitted recipe.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/plugin.h"
#include "train/run.h"
#include "train/run_verify.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int	cmd_train_wait(struct project *p, struct run_proc *rp, int show_progress, char **err);

enum { OPT_VERIFY = OPT_LONG + 1 };

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
	struct run_request rq;
	if (run_request_from_record(&ri, &rq, &err) != 0)
		goto fail;
	if (plugin_set_load(&ps, &err) != 0 || run_create(p, ps, &rq, &id, &err) != 0)
		goto fail;
	if (run_spawn(ctx->project, id, &rp, &err) != 0) {
		run_abandon(p, id, err, NULL);
		goto fail;
	}
	if (cmd_train_wait(p, rp, !quiet && !ctx->json, &err) != 0)
		goto fail;
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(p, ref, &nr, &err) != 0)
		goto fail;
	int identical = -1;
	char *dtext = NULL;
	if (verify && run_verify(p, ri.id, nr.id, &identical, &dtext, &err) != 0)
		goto fail;
	if (dtext)
		sbuf_puts(&diffs, dtext);
	free(dtext);
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
