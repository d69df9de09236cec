/*
 * cmd_compare.c — `lathe compare RUN RUN... [--json]`: runs side by side
 * (lineage, parameters, metrics with deltas against the first run and the
 * best marked) and the significance of their differences (train/compare.h
 * decides which test applies; train/stats.h computes it).
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/compare.h"
#include "train/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_MIN	22	/* the label column: at least, at most */
#define LABEL_MAX	34
#define COL_W		20

/* The union of names over the runs (parameters or metrics), first seen
 * first.  *names borrows the runs' strings; caller frees the array. */
static int
names_union(const struct compare *c, int metrics, const char ***names, size_t *n)
{
	const char **v = NULL;
	size_t nv = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_run *r = &c->r[i];
		size_t m = metrics ? r->nm : r->nparams;
		for (size_t q = 0; q < m; q++) {
			const char *name = metrics ? r->mname[q] : r->pname[q];
			size_t k = 0;
			while (k < nv && strcmp(v[k], name) != 0)
				k++;
			if (k < nv)
				continue;
			const char **nn = realloc(v, (nv + 1) * sizeof *nn);
			if (nn == NULL) {
				free(v);
				return -1;
			}
			v = nn;
			v[nv++] = name;
		}
	}
	*names = v;
	*n = nv;
	return 0;
}

static const char *
param_of(const struct compare_run *r, const char *name)
{
	for (size_t q = 0; q < r->nparams; q++)
		if (strcmp(r->pname[q], name) == 0)
			return r->pval[q];
	return NULL;
}

static double
metric_of(const struct compare_run *r, const char *name)
{
	for (size_t q = 0; q < r->nm; q++)
		if (strcmp(r->mname[q], name) == 0)
			return r->mval[q];
	return NAN;
}

/* Index of the best run on metric name, or -1 (unknown direction, none). */
static long
best_of(const struct compare *c, const char *name)
{
	const struct metrics_info *mi = metrics_lookup(name);
	long best = -1;
	if (mi == NULL)
		return -1;
	for (size_t i = 0; i < c->n; i++) {
		double v = metric_of(&c->r[i], name);
		if (isnan(v))
			continue;
		if (best < 0 || (mi->higher_is_better ? v > metric_of(&c->r[best], name) :
		    v < metric_of(&c->r[best], name)))
			best = (long)i;
	}
	return best;
}

static void
fmt_metric(char *buf, size_t n, double v, int sign)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (fabs(v) < 1e5 && (v == 0 || fabs(v) >= 1e-3))
		snprintf(buf, n, sign ? "%+.4f" : "%.4f", v);
	else
		snprintf(buf, n, sign ? "%+.4g" : "%.4g", v);
}

static int label_w = LABEL_MIN;

static void
text_row(struct sbuf *b, char mark, const char *label, const char *const *vals, size_t n)
{
	sbuf_printf(b, "%c %-*s", mark, label_w - 2, label);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n)
			sbuf_printf(b, " %-*s", COL_W - 1, vals[i]);
		else
			sbuf_printf(b, " %s", vals[i]);
	}
	sbuf_putc(b, '\n');
}

static int
compare_text(struct sbuf *b, const struct compare *c)
{
	const char **vals = calloc(c->n, sizeof *vals), **names = NULL;
	char (*cells)[80] = calloc(c->n, sizeof *cells);
	size_t nn = 0;
	int rc = -1;

	if (vals == NULL || cells == NULL)
		goto out;
	/* the label column fits the longest parameter or metric label */
	label_w = LABEL_MIN;
	for (size_t i = 0; i < c->n; i++) {
		for (size_t q = 0; q < c->r[i].nparams; q++)
			if ((int)strlen(c->r[i].pname[q]) + 3 > label_w)
				label_w = (int)strlen(c->r[i].pname[q]) + 3;
		for (size_t q = 0; q < c->r[i].nm; q++)
			if ((int)strlen(c->r[i].mname[q]) + 12 > label_w)
				label_w = (int)strlen(c->r[i].mname[q]) + 12;
	}
	if (label_w > LABEL_MAX)
		label_w = LABEL_MAX;
	for (size_t i = 0; i < c->n; i++) {
		snprintf(cells[i], sizeof cells[i], "run %lld", (long long)c->r[i].ri.id);
		vals[i] = cells[i];
	}
	text_row(b, ' ', "", vals, c->n);

	sbuf_puts(b, "lineage (* differs)\n");
	static const char *const info[] = { "dataset", "target", "recipe", "split", "seed",
		"algo", "metrics on" };
	for (size_t q = 0; q < ARRAY_LEN(info); q++) {
		int differ = 0;
		for (size_t i = 0; i < c->n; i++) {
			const struct compare_run *r = &c->r[i];
			switch (q) {
			case 0: vals[i] = r->ri.dataset; break;
			case 1: vals[i] = r->ri.target ? r->ri.target : "-"; break;
			case 2: vals[i] = r->recipe; break;
			case 3: vals[i] = r->split; break;
			case 4:
				snprintf(cells[i], sizeof cells[i], "%llu", (unsigned long long)r->ri.seed);
				vals[i] = cells[i];
				break;
			case 5: vals[i] = r->ri.algo; break;
			case 6: vals[i] = r->on[0] ? r->on : "-"; break;
			}
			differ |= strcmp(vals[i], vals[0]) != 0;
		}
		text_row(b, differ ? '*' : ' ', info[q], vals, c->n);
	}

	if (names_union(c, 0, &names, &nn) != 0)
		goto out;
	sbuf_puts(b, nn ? "parameters (* differs)\n" : "parameters: none\n");
	for (size_t q = 0; q < nn; q++) {
		int differ = 0;
		for (size_t i = 0; i < c->n; i++) {
			const char *v = param_of(&c->r[i], names[q]);
			vals[i] = v ? v : "-";
			differ |= strcmp(vals[i], vals[0]) != 0;
		}
		text_row(b, differ ? '*' : ' ', names[q], vals, c->n);
	}
	free(names);
	names = NULL;

	if (names_union(c, 1, &names, &nn) != 0)
		goto out;
	sbuf_printf(b, "metrics (* best; delta against run %lld)\n", (long long)c->r[0].ri.id);
	for (size_t q = 0; q < nn; q++) {
		const struct metrics_info *mi = metrics_lookup(names[q]);
		long best = best_of(c, names[q]);
		double base = metric_of(&c->r[0], names[q]);
		char label[64], v[32], dl[32];
		snprintf(label, sizeof label, "%s%s", names[q],
		    mi ? (mi->higher_is_better ? " (higher)" : " (lower)") : "");
		for (size_t i = 0; i < c->n; i++) {
			double x = metric_of(&c->r[i], names[q]);
			fmt_metric(v, sizeof v, x, 0);
			dl[0] = '\0';
			if (i > 0 && !isnan(x) && !isnan(base))
				fmt_metric(dl, sizeof dl, x - base, 1);
			snprintf(cells[i], sizeof cells[i], "%s%s%s%s", v,
			    (long)i == best ? "*" : "", dl[0] ? " " : "", dl);
			vals[i] = cells[i];
		}
		text_row(b, ' ', label, vals, c->n);
	}

	compare_significance_text(b, c);
	rc = 0;
out:
	free(names);
	free(vals);
	free(cells);
	return rc;
}

/* One significance result as a JSON object. */
static void
sig_json(struct jw *w, const struct compare *c, const struct compare_sig *s)
{
	jw_obj(w);
	jw_key(w, "run"); jw_int(w, c->r[s->run].ri.id);
	jw_key(w, "against"); jw_int(w, c->r[0].ri.id);
	jw_key(w, "test"); jw_str(w, compare_test_name(s->test));
	jw_key(w, "metric"); jw_str(w, s->metric);
	switch (s->test) {
	case CMP_MCNEMAR:
		jw_key(w, "rows"); jw_int(w, (int64_t)s->n);
		jw_key(w, "right_only_against"); jw_int(w, (int64_t)s->b);
		jw_key(w, "right_only_run"); jw_int(w, (int64_t)s->c);
		jw_key(w, "p"); jw_num(w, s->p);
		break;
	case CMP_TTEST:
		jw_key(w, "folds"); jw_int(w, (int64_t)s->n);
		jw_key(w, "test_train_ratio"); jw_num(w, s->ratio);
		jw_key(w, "mean_difference"); jw_num(w, s->mean);
		jw_key(w, "t");
		if (isinf(s->t))
			jw_str(w, s->t > 0 ? "inf" : "-inf");
		else
			jw_num(w, s->t);
		jw_key(w, "df"); jw_int(w, (int64_t)s->n - 1);
		jw_key(w, "p"); jw_num(w, s->p);
		break;
	case CMP_BOOTSTRAP:
		jw_key(w, "rows"); jw_int(w, (int64_t)s->n);
		jw_key(w, "difference"); jw_num(w, s->diff);
		jw_key(w, "level"); jw_num(w, COMPARE_BOOT_LEVEL);
		jw_key(w, "low"); jw_num(w, s->lo);
		jw_key(w, "high"); jw_num(w, s->hi);
		jw_key(w, "resamples"); jw_int(w, COMPARE_BOOT_R);
		jw_key(w, "seed"); jw_int(w, COMPARE_BOOT_SEED);
		break;
	}
	jw_obj_end(w);
}

static int
compare_json(struct jw *w, const struct compare *c)
{
	const char **names = NULL;
	size_t nn = 0;

	jw_obj(w);
	jw_key(w, "runs");
	jw_arr(w);
	for (size_t i = 0; i < c->n; i++) {
		const struct compare_run *r = &c->r[i];
		jw_obj(w);
		jw_key(w, "id"); jw_int(w, r->ri.id);
		jw_key(w, "dataset"); jw_str(w, r->ri.dataset);
		jw_key(w, "target");
		if (r->ri.target)
			jw_str(w, r->ri.target);
		else
			jw_null(w);
		jw_key(w, "task"); jw_str(w, r->ri.task);
		jw_key(w, "recipe"); jw_str(w, r->recipe);
		jw_key(w, "split"); jw_raw(w, r->ri.split);
		jw_key(w, "seed"); jw_int(w, (int64_t)r->ri.seed);
		jw_key(w, "algo"); jw_str(w, r->ri.algo);
		jw_key(w, "metrics_on"); jw_str(w, r->on);
		jw_key(w, "params");
		jw_raw(w, r->ri.params ? r->ri.params : "{}");
		jw_key(w, "metrics");
		jw_obj(w);
		for (size_t q = 0; q < r->nm; q++) {
			jw_key(w, r->mname[q]);
			jw_num(w, r->mval[q]);
		}
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);

	if (names_union(c, 0, &names, &nn) != 0)
		return -1;
	jw_key(w, "params_differ");
	jw_arr(w);
	for (size_t q = 0; q < nn; q++) {
		const char *v0 = param_of(&c->r[0], names[q]);
		int differ = 0;
		for (size_t i = 1; i < c->n; i++) {
			const char *v = param_of(&c->r[i], names[q]);
			differ |= (v == NULL) != (v0 == NULL) || (v && strcmp(v, v0) != 0);
		}
		if (differ)
			jw_str(w, names[q]);
	}
	jw_arr_end(w);
	free(names);
	names = NULL;

	if (names_union(c, 1, &names, &nn) != 0)
		return -1;
	jw_key(w, "metrics");
	jw_arr(w);
	for (size_t q = 0; q < nn; q++) {
		const struct metrics_info *mi = metrics_lookup(names[q]);
		long best = best_of(c, names[q]);
		double base = metric_of(&c->r[0], names[q]);
		jw_obj(w);
		jw_key(w, "name"); jw_str(w, names[q]);
		jw_key(w, "higher_is_better");
		if (mi)
			jw_bool(w, mi->higher_is_better);
		else
			jw_null(w);
		jw_key(w, "values");
		jw_arr(w);
		for (size_t i = 0; i < c->n; i++)
			jw_num(w, metric_of(&c->r[i], names[q]));
		jw_arr_end(w);
		jw_key(w, "deltas");
		jw_arr(w);
		for (size_t i = 0; i < c->n; i++)
			jw_num(w, metric_of(&c->r[i], names[q]) - base);
		jw_arr_end(w);
		jw_key(w, "best_run");
		if (best >= 0)
			jw_int(w, c->r[best].ri.id);
		else
			jw_null(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	free(names);

	jw_key(w, "comparable"); jw_bool(w, c->why_not == NULL);
	jw_key(w, "not_comparable");
	if (c->why_not)
		jw_str(w, c->why_not);
	else
		jw_null(w);
	jw_key(w, "significance");
	jw_arr(w);
	for (size_t i = 0; i < c->nsig; i++)
		sig_json(w, c, &c->sig[i]);
	jw_arr_end(w);
	jw_key(w, "notes");
	jw_arr(w);
	for (size_t i = 0; i < c->nnotes; i++)
		jw_str(w, c->notes[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}

static int
cmd_compare_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct compare *c = NULL;
	struct sbuf b;
	char *err = NULL;
	int rc = EXIT_USER;

	if (cmd_opts_json(ctx, argc, argv, &rc))
		return rc;
	if (argc - optind < 2)
		return cmd_usage(ctx, argc - optind == 1 ? "expected at least two runs, got one" :
		    "missing the runs");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (compare_load(p, argv + optind, (size_t)(argc - optind), &c, &err) != 0) {
		project_close(p);
		return cmd_fail_err(err);
	}
	sbuf_init(&b);
	int fail;
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		fail = compare_json(&w, c);
		sbuf_putc(&b, '\n');
	} else {
		fail = compare_text(&b, c);
	}
	rc = fail || b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	sbuf_free(&b);
	compare_free(c);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_compare_entry = {
	.name = "compare",
	.args = "RUN RUN... [--json]",
	.summary = "Runs side by side, and whether their differences are significant.",
	.help =
	    "Shows the runs' lineage (dataset@version, target, recipe, split, seed, algorithm),\n"
	    "their parameters (a row that differs is marked *) and every metric, with its\n"
	    "delta against the first run and the best run's value marked * (a cross-validated\n"
	    "run's metrics are its fold means).  When the runs were scored on the same rows\n"
	    "(same data version, target, split and seed), each run after the first is tested\n"
	    "against the first:\n"
	    "  - two cross-validated runs (same folds): the corrected resampled t-test of\n"
	    "    Nadeau & Bengio on every metric, t with folds - 1 degrees of freedom;\n"
	    "  - two classifiers with held-out rows: McNemar's exact test on the rows one got\n"
	    "    right and the other wrong;\n"
	    "  - two regressions with held-out rows: a paired bootstrap 95% interval of the\n"
	    "    difference in rmse and in mae (2000 resamples, seed 1).\n"
	    "Otherwise it says \"not comparable: different data version\" (or target, split)\n"
	    "and tests nothing.  See docs/experiments.md, \"Comparing runs\".\n"
	    "\n"
	    "options:\n"
	    "  --json               print {\"runs\": [{\"id\", \"dataset\", \"target\", \"task\",\n"
	    "                       \"recipe\", \"split\", \"seed\", \"algo\", \"metrics_on\", \"params\",\n"
	    "                       \"metrics\"}], \"params_differ\", \"metrics\": [{\"name\",\n"
	    "                       \"higher_is_better\", \"values\", \"deltas\", \"best_run\"}],\n"
	    "                       \"comparable\", \"not_comparable\", \"significance\": [...],\n"
	    "                       \"notes\"}\n",
	.exec = cmd_compare_exec,
};
