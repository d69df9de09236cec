/*
 * cmd_drift.c — `lathe drift MODEL`: the served inputs against the
 * training data, column by column (population stability index).
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "serve/drift.h"

#include <math.h>
#include <stdlib.h>

enum { OPT_LAST = OPT_LONG + 1, OPT_MIN_ROWS };

/* "the newest 450 of 900 logged rows (T1 to T2), kept from 90000 rows
 * predicted (each with probability 0.01, at most 100 a second)" */
static void
sample_line(struct sbuf *b, const struct drift_report *r)
{
	if (r->logged_rows == r->logged_total)
		sbuf_printf(b, "sample: all %zu logged rows", r->logged_rows);
	else
		sbuf_printf(b, "sample: the newest %zu of %zu logged rows", r->logged_rows,
		    r->logged_total);
	if (r->first[0])
		sbuf_printf(b, " (%s to %s)", r->first, r->last);
	if (r->predicted < 0) {
		sbuf_puts(b, "; how many rows were predicted was not recorded (an older lathe "
		    "serve)\n");
		return;
	}
	sbuf_printf(b, ", kept from %lld rows predicted (lathe serve keeps each row with "
	    "probability ", (long long)r->predicted);
	if (r->rate_lo == r->rate_hi)
		sbuf_printf(b, "%g", r->rate_lo);
	else
		sbuf_printf(b, "%g to %g", r->rate_lo, r->rate_hi);
	sbuf_printf(b, ", at most %d a second)\n", r->max_per_sec);
}


static int
cmd_drift_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "last", required_argument, NULL, OPT_LAST },
		{ "min-rows", required_argument, NULL, OPT_MIN_ROWS },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct drift_report *r = NULL;
	struct sbuf b;
	char *err = NULL;
	long last = 10000, min_rows = -1;
	int c, rc = EXIT_USER;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_LAST:
			if (cmd_optlong(ctx, optarg, 1, LONG_MAX, &last) != 0)
				return EXIT_USAGE;
			break;
		case OPT_MIN_ROWS:
			if (cmd_optlong(ctx, optarg, 0, LONG_MAX, &min_rows) != 0)
				return EXIT_USAGE;
			break;
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
	if (drift_compute(p, argv[optind], (size_t)last, min_rows, &r, &err) != 0) {
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
		jw_key(&w, "logged_rows_total"); jw_int(&w, (int64_t)r->logged_total);
		jw_key(&w, "predicted_rows");
		if (r->predicted < 0)
			jw_null(&w);
		else
			jw_int(&w, r->predicted);
		jw_key(&w, "log_sample_rate"); jw_num(&w, r->rate_hi);
		jw_key(&w, "log_max_rate");
		if (r->max_per_sec > 0)
			jw_int(&w, r->max_per_sec);
		else
			jw_null(&w);
		jw_key(&w, "first_logged"); jw_str(&w, r->first[0] ? r->first : NULL);
		jw_key(&w, "last_logged"); jw_str(&w, r->last[0] ? r->last : NULL);
		jw_key(&w, "min_rows");
		if (min_rows < 0)
			jw_null(&w);
		else
			jw_int(&w, min_rows);
		jw_key(&w, "max_psi"); jw_num(&w, r->max_psi);
		jw_key(&w, "status"); jw_str(&w, r->status);
		jw_key(&w, "columns");
		jw_arr(&w);
		for (size_t i = 0; i < r->ncols; i++) {
			const struct drift_column *d = &r->cols[i];
			jw_obj(&w);
			jw_key(&w, "name"); jw_str(&w, d->name);
			jw_key(&w, "kind"); jw_str(&w, col_kind_name(d->kind));
			jw_key(&w, "psi"); jw_num(&w, d->psi);
			jw_key(&w, "status"); jw_str(&w, drift_column_status(d));
			jw_key(&w, "bins"); jw_int(&w, (int64_t)d->bins);
			jw_key(&w, "min_rows"); jw_int(&w, (int64_t)d->min_rows);
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
		size_t few = 0, need = 0;
		for (size_t i = 0; i < r->ncols; i++)
			if (r->cols[i].too_few) {
				few++;
				need = r->cols[i].min_rows > need ? r->cols[i].min_rows : need;
			}
		sbuf_printf(&b, "%s@%d (run %lld) against %s: %zu logged rows, %zu reference rows; "
		    "%s\n", r->model, r->version, (long long)r->run_id, r->dataset, r->logged_rows,
		    r->reference_rows, r->logged_rows ? r->status :
		    "nothing logged yet (lathe serve logs a sample of predictions)");
		if (r->logged_rows)
			sample_line(&b, r);
		if (few)
			sbuf_printf(&b, "too few rows for PSI in %zu of %zu columns (up to %zu needed; "
			    "--min-rows): from fewer rows, sampling noise alone reads as drift\n", few,
			    r->ncols, need);
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
			texttab_cell(t, drift_column_status(d));
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
	.args = "MODEL[@ALIAS|@VERSION] [--last N] [--min-rows N] [--json]",
	.summary = "Compare a served model's logged inputs with its training data.",
	.help =
	    "lathe serve keeps a sample of predicted rows in the project (see --log-sample).\n"
	    "For each raw input column of the model, drift compares the last N logged rows\n"
	    "(default 10000) with the dataset version the model trained on: the population\n"
	    "stability index over the training deciles (numeric) or levels (categorical,\n"
	    "with a bin for unseen levels), and a bin for missing values.  Below 0.1:\n"
	    "stable; below 0.25: moderate; above: drift.  The report says how many rows\n"
	    "it is based on and how the server sampled them.  From few rows PSI reads as\n"
	    "drift by sampling noise alone, so a column's PSI is reported only from the\n"
	    "rows its bins need on (170 for 10 bins; docs/serving.md); below that its\n"
	    "status is 'too few rows'.\n"
	    "\n"
	    "options:\n"
	    "  --last N             compare the newest N logged rows\n"
	    "  --min-rows N         report PSI from N logged rows on, whatever the bins\n"
	    "                       (0: always)\n"
	    "  --json               print {\"model\", \"version\", \"run\", \"dataset\",\n"
	    "                       \"reference_rows\", \"logged_rows\", \"logged_rows_total\",\n"
	    "                       \"predicted_rows\", \"log_sample_rate\", \"log_max_rate\",\n"
	    "                       \"first_logged\", \"last_logged\", \"min_rows\", \"max_psi\",\n"
	    "                       \"status\", \"columns\": [{\"name\", \"kind\", \"psi\", \"status\",\n"
	    "                       \"bins\", \"min_rows\", \"reference_mean\", \"current_mean\",\n"
	    "                       \"reference_missing\", \"current_missing\", \"unseen\"}]}\n",
	.exec = cmd_drift_exec,
};
