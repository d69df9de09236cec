/*
 * cmd_describe.c — `lathe describe NAME[@V]`: the column statistics stored
 * at import (no data is read, except for a version stored before
 * infinities were counted apart whose statistics they skewed: those
 * columns are profiled again in memory).
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "ingest/profile.h"
#include "store/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void
cell_num(struct texttab *t, double v)
{
	if (isnan(v))
		texttab_cell(t, "");
	else
		texttab_cellf(t, "%.6g", v);
}

/* A count that may be unknown (SIZE_MAX: not stored) as JSON. */
static void
jw_count(struct jw *w, size_t n)
{
	if (n == SIZE_MAX)
		jw_null(w);
	else
		jw_int(w, (int64_t)n);
}

/*
 * Columns of a version stored before schema 8 whose infinities are not
 * known (dataset.c: NULL counts and an undefined mean): read and profiled
 * again, in memory, so their statistics are of the finite values as
 * today's.  The stored likely_label stays (it was decided across the
 * table).  0, or -1 with *err.
 */
static int
refresh_old_stats(struct project *p, const struct dsver *v, struct table *t, char **err)
{
	for (size_t j = 0; j < t->ncols; j++) {
		struct col_stats *st = &t->cols[j].st;
		struct table *one = NULL;
		if (st->pos_inf != SIZE_MAX)
			continue;
		if (dataset_load_column(p, v, j, &one, err) != 0)
			return -1;
		if (profile_stats(one, 1, err) != 0) {
			table_free(one);
			return -1;
		}
		int label = st->likely_label;
		for (int k = 0; k < st->ntop; k++)
			free(st->top[k].label);
		*st = one->cols[0].st;
		st->likely_label = label;
		one->cols[0].st.ntop = 0;	/* the labels moved to t */
		table_free(one);
	}
	return 0;
}

static void
write_json(struct sbuf *b, const struct dsver *v, const struct table *t)
{
	struct jw w;
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "name"); jw_str(&w, v->name);
	jw_key(&w, "version"); jw_int(&w, v->version);
	jw_key(&w, "rows"); jw_int(&w, (int64_t)v->nrows);
	jw_key(&w, "hash"); jw_str(&w, v->hash);
	jw_key(&w, "columns");
	jw_arr(&w);
	for (size_t j = 0; j < t->ncols; j++) {
		const struct column *c = &t->cols[j];
		const struct col_stats *s = &c->st;
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, c->name);
		jw_key(&w, "index"); jw_int(&w, (int64_t)j);
		jw_key(&w, "kind"); jw_str(&w, col_kind_name(c->kind));
		jw_key(&w, "integer"); jw_bool(&w, s->is_integer);
		jw_key(&w, "likely_label"); jw_bool(&w, s->likely_label);
		jw_key(&w, "count"); jw_int(&w, (int64_t)s->count);
		jw_key(&w, "missing"); jw_int(&w, (int64_t)s->missing);
		jw_key(&w, "distinct"); jw_int(&w, (int64_t)s->distinct);
		jw_key(&w, "mean"); jw_num(&w, s->mean);
		jw_key(&w, "std"); jw_num(&w, s->std);
		jw_key(&w, "min"); jw_num(&w, s->min);
		jw_key(&w, "q25"); jw_num(&w, s->q25);
		jw_key(&w, "median"); jw_num(&w, s->median);
		jw_key(&w, "q75"); jw_num(&w, s->q75);
		jw_key(&w, "max"); jw_num(&w, s->max);
		jw_key(&w, "top");
		jw_arr(&w);
		for (int k = 0; k < s->ntop; k++) {
			jw_obj(&w);
			jw_key(&w, "value");
			if (c->kind == COL_NUMERIC)
				jw_num(&w, s->top[k].value);
			else
				jw_str(&w, s->top[k].label);
			jw_key(&w, "count"); jw_int(&w, (int64_t)s->top[k].count);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "infinite");
		jw_count(&w, s->pos_inf == SIZE_MAX ? SIZE_MAX : s->pos_inf + s->neg_inf);
		jw_key(&w, "pos_inf"); jw_count(&w, s->pos_inf);
		jw_key(&w, "neg_inf"); jw_count(&w, s->neg_inf);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	sbuf_putc(b, '\n');
}

static int
write_text(struct sbuf *b, const struct dsver *v, const struct table *t)
{
	static const char *const hdr[] = { "COLUMN", "KIND", "COUNT", "MISSING", "INFINITE",
		"DISTINCT", "MEAN", "STD", "MIN", "25%", "50%", "75%", "MAX", "TOP VALUES" };
	struct texttab *tt = texttab_new(ARRAY_LEN(hdr));
	if (tt == NULL)
		return -1;
	texttab_header(tt, hdr);
	for (size_t j = 2; j < 13; j++)
		texttab_right(tt, j);
	texttab_limit(tt, 0, 24);
	texttab_limit(tt, 13, 48);
	for (size_t j = 0; j < t->ncols; j++) {
		const struct column *c = &t->cols[j];
		const struct col_stats *s = &c->st;
		struct sbuf top;
		texttab_cell(tt, c->name);
		texttab_cellf(tt, "%s%s", col_kind_name(c->kind), s->likely_label ? " (label?)" : "");
		texttab_cellf(tt, "%zu", s->count);
		texttab_cellf(tt, "%zu", s->missing);
		if (s->pos_inf == SIZE_MAX)
			texttab_cell(tt, "?");
		else if (s->pos_inf && s->neg_inf)
			texttab_cellf(tt, "%zu (+%zu -%zu)", s->pos_inf + s->neg_inf, s->pos_inf,
			    s->neg_inf);
		else if (s->pos_inf || s->neg_inf)
			texttab_cellf(tt, "%zu (%s)", s->pos_inf + s->neg_inf, s->pos_inf ? "+" : "-");
		else
			texttab_cell(tt, "0");
		texttab_cellf(tt, "%zu", s->distinct);
		cell_num(tt, s->mean);
		cell_num(tt, s->std);
		cell_num(tt, s->min);
		cell_num(tt, s->q25);
		cell_num(tt, s->median);
		cell_num(tt, s->q75);
		cell_num(tt, s->max);
		sbuf_init(&top);
		for (int k = 0; k < s->ntop && k < 3; k++)
			sbuf_printf(&top, "%s%s (%zu)", k ? ", " : "", s->top[k].label, s->top[k].count);
		texttab_cell(tt, top.s ? top.s : "");
		sbuf_free(&top);
	}
	sbuf_printf(b, "%s@%d: %zu rows x %zu columns, sha256 %s\n", v->name, v->version,
	    v->nrows, v->ncols, v->hash);
	int rc = texttab_render(tt, b);
	texttab_free(tt);
	return rc;
}

static int
cmd_describe_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct table *t = NULL;
	struct dsver v = { 0 };
	struct sbuf b;
	char *err = NULL;
	int rc = EXIT_USER;

	sbuf_init(&b);
	if (cmd_opts_json(ctx, argc, argv, &rc))
		return rc;
	if (optind != argc - 1)
		return cmd_usage(ctx, optind < argc ? "expected one dataset" : "missing the dataset");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (dataset_resolve(p, argv[optind], &v, &err) != 0 ||
	    dataset_load(p, &v, 0, &t, &err) != 0 || refresh_old_stats(p, &v, t, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json)
		write_json(&b, &v, t);
	else if (write_text(&b, &v, t) != 0)
		b.oom = 1;
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	table_free(t);
	dsver_clear(&v);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_describe_entry = {
	.name = "describe",
	.args = "NAME[@VERSION] [--json]",
	.summary = "Show each column's kind and the statistics computed at import.",
	.help =
	    "For every column: kind (numeric, categorical, text), count of values, missing,\n"
	    "infinite, distinct, mean, sample standard deviation, min, quartiles, max\n"
	    "(numeric columns), and the most frequent values.  Infinite values (inf, -inf,\n"
	    "or a number too large for a double such as 1e400 in the CSV) count as values\n"
	    "(in count and distinct) but apart: INFINITE shows how many, '+' and '-' their\n"
	    "signs, and the other statistics and the top values are of the finite values.\n"
	    "'(label?)' marks a likely class label: an integer column with few distinct\n"
	    "values that is named like a target, or the last column, or one of at most\n"
	    "three such columns.\n"
	    "\n"
	    "options:\n"
	    "  --json               print {\"name\", \"version\", \"rows\", \"hash\", \"columns\":\n"
	    "                       [{\"name\", \"index\", \"kind\", \"integer\", \"likely_label\",\n"
	    "                       \"count\", \"missing\", \"distinct\", \"mean\", \"std\", \"min\",\n"
	    "                       \"q25\", \"median\", \"q75\", \"max\", \"top\": [{\"value\",\n"
	    "                       \"count\"}], \"infinite\", \"pos_inf\", \"neg_inf\"}]};\n"
	    "                       statistics that do not apply are null (the infinite\n"
	    "                       counts are 0 for string columns)\n",
	.exec = cmd_describe_exec,
};
