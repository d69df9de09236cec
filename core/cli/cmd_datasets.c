/*
 * cmd_datasets.c — `lathe datasets`: every dataset version in the project.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "store/dataset.h"

#include <stdlib.h>

struct list_ctx {
	struct jw	*w;
	struct texttab	*t;
	size_t		 n;
};

static int
visit(void *arg, const struct dsver *v)
{
	struct list_ctx *lc = arg;
	lc->n++;
	if (lc->w) {
		struct jw *w = lc->w;
		jw_obj(w);
		jw_key(w, "name"); jw_str(w, v->name);
		jw_key(w, "version"); jw_int(w, v->version);
		jw_key(w, "latest"); jw_bool(w, v->latest);
		jw_key(w, "rows"); jw_int(w, (int64_t)v->nrows);
		jw_key(w, "columns"); jw_int(w, (int64_t)v->ncols);
		jw_key(w, "hash"); jw_str(w, v->hash);
		jw_key(w, "source"); jw_str(w, v->source);
		jw_key(w, "source_bytes"); jw_int(w, v->source_bytes);
		jw_key(w, "created"); jw_str(w, v->created);
		jw_key(w, "options"); jw_raw(w, v->options);
		jw_obj_end(w);
		return 0;
	}
	texttab_cellf(lc->t, "%s@%d", v->name, v->version);
	texttab_cell(lc->t, v->latest ? "latest" : "");
	texttab_cellf(lc->t, "%zu", v->nrows);
	texttab_cellf(lc->t, "%zu", v->ncols);
	texttab_cell(lc->t, v->created);
	texttab_cellf(lc->t, "%.12s", v->hash);
	texttab_cell(lc->t, v->source);
	return 0;
}

static int
cmd_datasets_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const hdr[] = { "DATASET", "", "ROWS", "COLS", "IMPORTED",
		"HASH", "SOURCE" };
	struct list_ctx lc = { 0 };
	struct project *p = NULL;
	struct sbuf b;
	struct jw w;
	char *err = NULL;
	int rc = EXIT_USER;

	sbuf_init(&b);
	if (cmd_opts_json(ctx, argc, argv, &rc))
		return rc;
	if (optind < argc)
		return cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if ((rc = cmd_list_open(ctx, &w, &b, "datasets", &lc.t, hdr, ARRAY_LEN(hdr),
	    1u << 2 | 1u << 3)) != 0)
		goto out;
	if (ctx->json)
		lc.w = &w;
	if (dataset_list(p, visit, &lc, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if ((rc = cmd_list_close(ctx, &w, &b, lc.t, lc.n,
	    "no datasets yet (add one with 'lathe import FILE.csv')\n")) != 0)
		goto out;
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	texttab_free(lc.t);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_datasets_entry = {
	.name = "datasets",
	.args = "[--json]",
	.summary = "List the datasets and their versions.",
	.help =
	    "options:\n"
	    "  --json               print {\"datasets\": [{\"name\", \"version\", \"latest\",\n"
	    "                       \"rows\", \"columns\", \"hash\", \"source\", \"source_bytes\",\n"
	    "                       \"created\", \"options\"}, ...]}, one entry per version,\n"
	    "                       ordered by name and version\n",
	.exec = cmd_datasets_exec,
};
