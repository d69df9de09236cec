/*
 * cmd_predict.c — `lathe predict RUN FILE.csv`: raw rows in, predictions
 * out, through the run's own fitted recipe and model (the same code the
 * run trained with and the server serves with).
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "ingest/csv_import.h"
#include "registry/registry.h"
#include "train/plugin.h"
#include "train/predict.h"
#include "train/run.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_WITH_INPUT = OPT_LONG + 1 };

/* A CSV field: quoted only when it has to be. */
static void
put_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' ')))
		csv_fwrite(f, s, strlen(s));
	else
		fputs(s, f);
}

static int
cmd_predict_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "with-input", no_argument, NULL, OPT_WITH_INPUT },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct predictor *pr = NULL;
	struct table *t = NULL;
	struct frame *fr = NULL;
	struct prediction pd = { 0 };
	const char *outpath = NULL;
	char *err = NULL, *tmppath = NULL;
	FILE *f = NULL;
	int c, rc = EXIT_USER, with_input = 0;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case OPT_WITH_INPUT: with_input = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind != argc - 2)
		return cmd_usage(ctx, "expected a run (or model) and a CSV file");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	char runref[32];
	if (registry_run_ref(p, argv[optind], runref, &err) != 0 ||
	    predictor_open_run(p, runref, &pr, &err) != 0)
		goto fail;
	/* read the file with the recipe's string columns kept as strings */
	struct import_opts o = { .header = 1 };
	const char **force = calloc(predictor_ninputs(pr) + 1, sizeof *force);
	if (force == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < predictor_ninputs(pr); i++)
		if (predictor_input_kind(pr, i) != FK_NUM)
			force[o.nforce++] = predictor_input_name(pr, i);
	o.force_string = force;
	struct import_info info;
	int irc = csv_import(argv[optind + 1], &o, &t, &info, &err);
	free(force);
	if (irc != 0)
		goto fail;
	/* the importer's string columns are all "categorical"; the recipe
	 * decides what each input is */
	if ((fr = frame_from_table(t, NULL, 0, NULL)) == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	if (predictor_run(pr, fr, &pd, &err) != 0)
		goto fail;
	if (outpath) {
		/* through OUT.tmp and a rename: a failed write never leaves a
		 * truncated OUT, and an OUT that existed stays as it was */
		if (asprintf(&tmppath, "%s.tmp", outpath) < 0) {
			tmppath = NULL;
			err_set(&err, "out of memory");
			goto fail;
		}
		f = fopen(tmppath, "w");
		if (f == NULL) {
			err_set(&err, "%s: %s", tmppath, strerror(errno));
			goto fail;
		}
	} else {
		f = stdout;
	}
	/* header */
	int first = 1;
	if (with_input)
		for (size_t j = 0; j < t->ncols; j++) {
			if (!first)
				fputc(',', f);
			put_field(f, t->cols[j].name);
			first = 0;
		}
	for (size_t k = 0; k < pd.ncols; k++) {
		if (!first)
			fputc(',', f);
		put_field(f, pd.names[k]);
		first = 0;
	}
	fputc('\n', f);
	for (size_t i = 0; i < pd.n; i++) {
		first = 1;
		if (with_input)
			for (size_t j = 0; j < t->ncols; j++) {
				const struct column *col = &t->cols[j];
				char buf[32];
				if (!first)
					fputc(',', f);
				first = 0;
				if (col->kind == COL_NUMERIC) {
					double v = column_num_at(col, i);
					if (!isnan(v))
						fputs(fmt_double(buf, v), f);
				} else {
					const char *s = column_str_at(col, i);
					if (s)
						put_field(f, s);
				}
			}
		for (size_t k = 0; k < pd.ncols; k++) {
			char buf[32];
			if (!first)
				fputc(',', f);
			first = 0;
			if (k == 0 && pd.labels)
				put_field(f, pd.labels[i]);
			else
				fputs(fmt_double(buf, pd.values[i * pd.ncols + k]), f);
		}
		fputc('\n', f);
	}
	if (fflush(f) != 0 || ferror(f)) {
		if (errno != EPIPE) {
			err_set(&err, "%s: write error: %s", outpath ? outpath : "stdout", strerror(errno));
			goto fail;
		}
	}
	if (f != stdout) {
		/* a close can fail too (the last buffer, a network file system) */
		int cr = fclose(f);
		f = NULL;
		if (cr != 0) {
			err_set(&err, "%s: write error: %s", outpath, strerror(errno));
			goto fail;
		}
		if (rename(tmppath, outpath) != 0) {
			err_set(&err, "%s: %s", outpath, strerror(errno));
			goto fail;
		}
	}
	rc = EXIT_OK;
	goto out;
fail:
	rc = cmd_fail_err(err);
	if (f && f != stdout)
		fclose(f);
	f = NULL;
	if (tmppath)
		unlink(tmppath);
out:
	free(tmppath);
	prediction_clear(&pd);
	frame_free(fr);
	table_free(t);
	predictor_free(pr);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_predict_entry = {
	.name = "predict",
	.args = "RUN_OR_MODEL FILE.csv [-o OUT.csv] [--with-input]",
	.summary = "Apply a run's (or registered model's) fitted recipe and model to a CSV file.",
	.help =
	    "RUN_OR_MODEL is a run id (17, r17) or a registered model: NAME (newest\n"
	    "version), NAME@VERSION or NAME@ALIAS (see 'lathe model').\n"
	    "The file needs a header line naming the columns the recipe reads (extra\n"
	    "columns are ignored; see docs/recipes.md for missing columns, unseen\n"
	    "categories and wrong types).  The output CSV has, per input row:\n"
	    "  classification  prediction (the label), then p_<label> per class\n"
	    "  regression      prediction\n"
	    "  clustering      prediction (the cluster index)\n"
	    "  projection      pc1, pc2, ... (one column per component)\n"
	    "\n"
	    "options:\n"
	    "  -o, --output FILE    write there instead of stdout\n"
	    "  --with-input         repeat the input columns before the predictions\n",
	.exec = cmd_predict_exec,
};
