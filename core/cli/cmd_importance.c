/*
 * cmd_importance.c — `lathe importance RUN [--repeats N] [--json]`: the
 * permutation importance of a finished run on its held-out rows
 * (train/importance.c).
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/importance.h"

#include <stdlib.h>

enum { OPT_REPEATS = OPT_LONG + 1 };

/*
 * The report, as text for people or as JSON, appended to b.  `show
 * --importance` prints the same text under its own heading and the same
 * JSON as its "importance" member.
 */
void
cmd_importance_text(struct sbuf *b, const struct importance *im)
{
	static const char *const hdr[] = { "COLUMN", "MEAN DECREASE", "STD" };
	sbuf_printf(b, "permutation importance on %zu held-out rows, %d repeat%s (seed %llu + "
	    "repeat): decrease of %s from %.6g\n", im->nrows, im->repeats,
	    im->repeats == 1 ? "" : "s", (unsigned long long)im->seed, im->metric, im->baseline);
	struct texttab *t = texttab_new(ARRAY_LEN(hdr));
	if (t == NULL) {
		b->oom = 1;
		return;
	}
	texttab_header(t, hdr);
	texttab_right(t, 1);
	texttab_right(t, 2);
	for (size_t i = 0; i < im->ncols; i++) {
		texttab_cell(t, im->cols[i].name);
		texttab_cellf(t, "%.4f", im->cols[i].mean);
		texttab_cellf(t, "%.4f", im->cols[i].std);
	}
	texttab_render(t, b);
	texttab_free(t);
}

void
cmd_importance_json(struct jw *w, const struct importance *im)
{
	jw_obj(w);
	jw_key(w, "run"); jw_int(w, im->run_id);
	jw_key(w, "metric"); jw_str(w, im->metric);
	jw_key(w, "baseline"); jw_num(w, im->baseline);
	jw_key(w, "rows"); jw_int(w, (int64_t)im->nrows);
	jw_key(w, "repeats"); jw_int(w, im->repeats);
	jw_key(w, "seed"); jw_int(w, (int64_t)im->seed);
	jw_key(w, "columns");
	jw_arr(w);
	for (size_t i = 0; i < im->ncols; i++) {
		jw_obj(w);
		jw_key(w, "name"); jw_str(w, im->cols[i].name);
		jw_key(w, "mean"); jw_num(w, im->cols[i].mean);
		jw_key(w, "std"); jw_num(w, im->cols[i].std);
		jw_key(w, "decreases");
		jw_arr(w);
		for (int r = 0; r < im->repeats; r++)
			jw_num(w, im->cols[i].drops[r]);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static int
cmd_importance_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "repeats", required_argument, NULL, OPT_REPEATS },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct importance *im = NULL;
	struct sbuf b;
	char *err = NULL;
	long repeats = IMPORTANCE_REPEATS_DEFAULT;
	int c, rc = EXIT_USER;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_REPEATS:
			if (cmd_optlong(ctx, optarg, 1, IMPORTANCE_REPEATS_MAX, &repeats) != 0)
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
		return cmd_usage(ctx, optind < argc ? "expected one run" : "missing the run");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (importance_compute(p, argv[optind], (int)repeats, &im, &err) != 0) {
		project_close(p);
		return cmd_fail_err(err);
	}
	sbuf_init(&b);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		cmd_importance_json(&w, im);
		sbuf_putc(&b, '\n');
	} else {
		cmd_importance_text(&b, im);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	sbuf_free(&b);
	importance_free(im);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_importance_entry = {
	.name = "importance",
	.args = "RUN [--repeats N] [--json]",
	.summary = "Permutation importance of a run's input columns on its held-out rows.",
	.help =
	    "For each raw input column the model uses (before the recipe: a one-hot-encoded\n"
	    "column is permuted as one column), shuffle its values among the run's held-out\n"
	    "rows, re-apply the fitted recipe, predict, and report the drop of the run's\n"
	    "metric (accuracy for classification, r2 for regression), as scikit-learn's\n"
	    "permutation_importance.  Repeat r shuffles with the run's seed + r, so the\n"
	    "numbers are deterministic.  Columns are sorted by mean decrease.  The held-out\n"
	    "rows are split again exactly as the run split them (a cross-validation fold's\n"
	    "run: its fold).  Refused for clustering and projection runs and for a run with\n"
	    "no held-out rows.  Computed on demand, nothing is stored.\n"
	    "\n"
	    "options:\n"
	    "  --repeats N          permutations per column, 1..1000 (default 5)\n"
	    "  --json               print {\"run\", \"metric\", \"baseline\", \"rows\", \"repeats\",\n"
	    "                       \"seed\", \"columns\": [{\"name\", \"mean\", \"std\",\n"
	    "                       \"decreases\": [one per repeat]}]}\n",
	.exec = cmd_importance_exec,
};
