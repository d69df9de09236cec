/*
 * cmd_drift.c — `lathe drift MODEL`: the served inputs against the
 * training data, column by column (population stability index).
 */
#include "cmd.h"
#include "drift.h"
#include "jsonw.h"
#include "texttab.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

enum { OPT_LAST = OPT_LONG + 1 };

static int
cmd_drift_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "last", required_argument, NULL, OPT_LAST },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct drift_report *r = NULL;
	struct sbuf b;
	char *err = NULL;
	long last = 10000;
	int c, rc = EXIT_USER;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_LAST: {
			long long num;
			if (cmd_optnum(ctx, optarg, 1, LONG_MAX, &num) != 0)
				return EXIT_USAGE;
			last = (long)num;
			break;
		}
		case OPT_JSON:
			ctx->json = 1;
			break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, optind < argc ? "expected one model" : "missing the model");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (drift_compute(p, argv[optind], (size_t)last, &r, &err) != 0) {
		project_close(p);
		return cmd_fail_err(err);
	}
	sbuf_init(&b);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "model"); jw_str(&w, r->model);
		jw_key(&w, "version"); jw_int(&w, r->version);
		jw_key(&w, "run"); jw_int(&w, r->run_id);
		jw_key(&w, "dataset"); jw_str(&w, r->dataset);
		jw_key(&w, "reference_rows"); jw_int(&w, (int64_t)r->reference_rows);
		jw_key(&w, "logged_rows"); jw_int(&w, (int64_t)r->logged_rows);
		jw_key(&w, "max_psi"); jw_num(&w, r->max_psi);
		jw_key(&w, "status"); jw_str(&w, drift_status(r->max_psi));
		jw_key(&w, "columns");
		jw_arr(&w);
		for (size_t i = 0; i < r->ncols; i++) {
			const struct drift_column *d = &r->cols[i];
			jw_obj(&w);
			jw_key(&w, "name"); jw_str(&w, d->name);
			jw_key(&w, "kind"); jw_str(&w, col_kind_name(d->kind));
			jw_key(&w, "psi"); jw_num(&w, d->psi);
			jw_key(&w, "status"); jw_str(&w, drift_status(d->psi));
			jw_key(&w, "reference_mean"); jw_num(&w, d->ref_mean);
			jw_key(&w, "current_mean"); jw_num(&w, d->cur_mean);
			jw_key(&w, "reference_missing"); jw_num(&w, d->ref_missing);
			jw_key(&w, "current_missing"); jw_num(&w, d->cur_missing);
			jw_key(&w, "unseen"); jw_num(&w, d->kind == COL_NUMERIC ? NAN : d->unseen);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		static const char *const hdr[] = { "COLUMN", "KIND", "PSI", "STATUS", "MEAN (TRAIN)",
			"MEAN (SERVED)", "MISSING", "UNSEEN" };
		sbuf_printf(&b, "%s@%d (run %lld) against %s: %zu logged rows, %zu reference rows; "
		    "%s\n", r->model, r->version, (long long)r->run_id, r->dataset, r->logged_rows,
		    r->reference_rows, r->logged_rows ? drift_status(r->max_psi) :
		    "nothing logged yet (lathe serve logs a sample of predictions)");
		struct texttab *t = texttab_new(ARRAY_LEN(hdr));
		if (t == NULL)
			goto oom;
		texttab_header(t, hdr);
		for (size_t j = 2; j < 8; j++)
			if (j != 3)
				texttab_right(t, j);
		for (size_t i = 0; i < r->ncols; i++) {
			const struct drift_column *d = &r->cols[i];
			texttab_cell(t, d->name);
			texttab_cell(t, col_kind_name(d->kind));
			if (isnan(d->psi))
				texttab_cell(t, "");
			else
				texttab_cellf(t, "%.4f", d->psi);
			texttab_cell(t, drift_status(d->psi));
			if (isnan(d->ref_mean))
				texttab_cell(t, "");
			else
				texttab_cellf(t, "%.4g", d->ref_mean);
			if (isnan(d->cur_mean))
				texttab_cell(t, "");
			else
				texttab_cellf(t, "%.4g", d->cur_mean);
			texttab_cellf(t, "%.1f%%", isnan(d->cur_missing) ? 0 : 100 * d->cur_missing);
			if (d->kind == COL_NUMERIC)
				texttab_cell(t, "");
			else
				texttab_cellf(t, "%.1f%%", isnan(d->unseen) ? 0 : 100 * d->unseen);
		}
		sbuf_putc(&b, '\n');
		texttab_render(t, &b);
		texttab_free(t);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	goto out;
oom:
	rc = cmd_fail("out of memory");
out:
	sbuf_free(&b);
	drift_report_free(r);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_drift_entry = {
	.name = "drift",
	.args = "MODEL[@ALIAS|@VERSION] [--last N] [--json]",
	.summary = "Compare a served model's logged inputs with its training data.",
	.help =
	    "lathe serve keeps a sample of predicted rows in the project (see --log-sample).\n"
	    "For each raw input column of the model, drift compares the last N logged rows\n"
	    "(default 10000) with the dataset version the model trained on: the population\n"
	    "stability index over the training deciles (numeric) or levels (categorical,\n"
	    "with a bin for unseen levels), and a bin for missing values.  Below 0.1:\n"
	    "stable; below 0.25: moderate; above: drift.\n"
	    "\n"
	    "options:\n"
	    "  --last N             compare the newest N logged rows\n"
	    "  --json               print {\"model\", \"version\", \"run\", \"dataset\",\n"
	    "                       \"reference_rows\", \"logged_rows\", \"max_psi\", \"status\",\n"
	    "                       \"columns\": [{\"name\", \"kind\", \"psi\", \"status\",\n"
	    "                       \"reference_mean\", \"current_mean\", \"reference_missing\",\n"
	    "                       \"current_missing\", \"unseen\"}]}\n",
	.exec = cmd_drift_exec,
};
