/*
 * cmd_head.c — `lathe head NAME[@V] [-n N]`: the first rows of a dataset
 * version, read from the first chunks only.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "store/dataset.h"

#include <math.h>
#include <stdlib.h>

static int
cmd_head_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct table *t = NULL;
	struct texttab *tt = NULL;
	struct dsver v = { 0 };
	struct sbuf b;
	char *err = NULL;
	long n = 10;
	int c, rc = EXIT_USER;

	sbuf_init(&b);
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case 'n':
			if (cmd_optlong(ctx, optarg, 0, LONG_MAX, &n) != 0)
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
		return cmd_usage(ctx, optind < argc ? "expected one dataset" : "missing the dataset");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (dataset_resolve(p, argv[optind], &v, &err) != 0 ||
	    dataset_load(p, &v, (size_t)n, &t, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "columns");
		jw_arr(&w);
		for (size_t j = 0; j < t->ncols; j++)
			jw_str(&w, t->cols[j].name);
		jw_arr_end(&w);
		jw_key(&w, "rows");
		jw_arr(&w);
		for (size_t i = 0; i < t->nrows; i++) {
			jw_arr(&w);
			for (size_t j = 0; j < t->ncols; j++) {
				const struct column *col = &t->cols[j];
				if (col->kind == COL_NUMERIC)
					jw_num(&w, ((const double *)col->chunks[0].data)[i]);
				else
					jw_str(&w, column_str_at(col, i));
			}
			jw_arr_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		if ((tt = texttab_new(t->ncols)) == NULL) {
			rc = cmd_fail("out of memory");
			goto out;
		}
		const char **hdr = calloc(t->ncols, sizeof *hdr);
		if (hdr == NULL) {
			rc = cmd_fail("out of memory");
			goto out;
		}
		for (size_t j = 0; j < t->ncols; j++) {
			hdr[j] = t->cols[j].name;
			if (t->cols[j].kind == COL_NUMERIC)
				texttab_right(tt, j);
			texttab_limit(tt, j, 24);
		}
		texttab_header(tt, hdr);
		free(hdr);
		for (size_t i = 0; i < t->nrows; i++)
			for (size_t j = 0; j < t->ncols; j++) {
				const struct column *col = &t->cols[j];
				if (col->kind == COL_NUMERIC) {
					double x = ((const double *)col->chunks[0].data)[i];
					char buf[32];
					texttab_cell(tt, isnan(x) ? "NA" : fmt_double(buf, x));
				} else {
					const char *s = column_str_at(col, i);
					texttab_cell(tt, s ? s : "NA");
				}
			}
		if (texttab_render(tt, &b) != 0)
			b.oom = 1;
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	texttab_free(tt);
	sbuf_free(&b);
	table_free(t);
	dsver_clear(&v);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_head_entry = {
	.name = "head",
	.args = "NAME[@VERSION] [-n N] [--json]",
	.summary = "Print the first rows of a dataset version.",
	.help =
	    "options:\n"
	    "  -n, --rows N         rows to print (default 10)\n"
	    "  --json               print exactly {\"columns\": [names...], \"rows\": [[cell, ...],\n"
	    "                       ...]}: numeric cells as JSON numbers, missing cells as\n"
	    "                       null, other cells as strings, in file order\n",
	.exec = cmd_head_exec,
};
