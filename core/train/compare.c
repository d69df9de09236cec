/*
 * compare.c — runs side by side and the significance of their
 * differences (see compare.h for what is compared and when).
 *
 * Sizes: a handful of runs, tens of parameters and metrics; the
 * row-level tests read up to 20,000 held-out rows per run and one target
 * column of the dataset.
 */
#include "compare.h"
#include "metrics.h"
#include "runs_query.h"
#include "split.h"
#include "stats.h"
#include "base/util.h"
#include "features/recipe.h"
#include "store/dataset.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *
compare_test_name(enum compare_test t)
{
	switch (t) {
	case CMP_MCNEMAR: return "mcnemar";
	case CMP_TTEST: return "corrected_t";
	case CMP_BOOTSTRAP: return "bootstrap";
	}
	return "?";
}

static void
run_clear(struct compare_run *r)
{
	run_info_clear(&r->ri);
	free(r->recipe);
	free(r->split);
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->pname[i]);
		free(r->pval[i]);
	}
	free(r->pname);
	free(r->pval);
	for (size_t i = 0; i < r->nm; i++)
		free(r->mname[i]);
	free(r->mname);
	free(r->mval);
}

void
compare_free(struct compare *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		run_clear(&c->r[i]);
	free(c->r);
	free(c->why_not);
	free(c->sig);
	for (size_t i = 0; i < c->nnotes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c);
}

/* A headline metric; stops the visit (setting r->oom) when out of memory. */
static int
metric_cb(void *ctx, const char *name, double v)
{
	struct compare_run *r = ctx;
	char **nn = realloc(r->mname, (r->nm + 1) * sizeof *nn);
	if (nn == NULL)
		return r->oom = 1;
	r->mname = nn;
	double *nv = realloc(r->mval, (r->nm + 1) * sizeof *nv);
	if (nv == NULL)
		return r->oom = 1;
	r->mval = nv;
	if ((r->mname[r->nm] = str_dup(name)) == NULL)
		return r->oom = 1;
	r->mval[r->nm++] = v;
	return 0;
}

/* Add a note; 0, or -1 with *err (out of memory). */
static int
note(struct compare *c, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int
note(struct compare *c, char **err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	char **nn = realloc(c->notes, (c->nnotes + 1) * sizeof *nn);
	if (nn == NULL)
		return err_set(err, "out of memory");
	c->notes = nn;
	if ((c->notes[c->nnotes] = str_dup(buf)) == NULL)
		return err_set(err, "out of memory");
	c->nnotes++;
	return 0;
}

static struct compare_sig *
sig_add(struct compare *c, size_t run, enum compare_test t)
{
	struct compare_sig *ns = realloc(c->sig, (c->nsig + 1) * sizeof *ns);
	if (ns == NULL)
		return NULL;
	c->sig = ns;
	struct compare_sig *s = &c->sig[c->nsig++];
	memset(s, 0, sizeof *s);
	s->run = run;
	s->test = t;
	return s;
}

/* The run's lineage, parameters and headline metrics. */
static int
run_read(struct project *p, const char *ref, struct compare_run *r, char **err)
{
	struct split_spec sp = { 0 };
	char buf[128];
	json_error_t je;
	json_t *params = NULL;
	int rc = -1;

	if (run_load(p, ref, &r->ri, err) != 0)
		return -1;
	const struct run_info *ri = &r->ri;
	if (ri->recipe_name)
		snprintf(buf, sizeof buf, "%s@%d", ri->recipe_name, ri->recipe_version);
	else
		snprintf(buf, sizeof buf, "%s", ri->recipe == NULL || ri->recipe[0] == '\0' ||
		    strcmp(ri->recipe, recipe_default_text) == 0 ||
		    strcmp(ri->recipe, recipe_default_missing_text) == 0 ||
		    strcmp(ri->recipe, recipe_default_categorical_text) == 0 ||
		    strcmp(ri->recipe, recipe_default_native_text) == 0 ? "(default)" : "(inline)");
	if ((r->recipe = str_dup(buf)) == NULL)
		goto oom;
	if (split_record_parse(ri->split, &sp, err) != 0)
		goto out;
	if (strcmp(sp.method, "cv") == 0) {
		int k = snprintf(buf, sizeof buf, "cv %d", sp.folds);
		if (sp.repeats > 1)
			k += snprintf(buf + k, sizeof buf - (size_t)k, "x%d", sp.repeats);
		if (sp.group)
			k += snprintf(buf + k, sizeof buf - (size_t)k, " by %.40s", sp.group);
		if (sp.test_size > 0)
			snprintf(buf + k, sizeof buf - (size_t)k, " + test %g", sp.test_size);
	} else if (strcmp(sp.method, "kfold") == 0) {
		snprintf(buf, sizeof buf, "fold %d/%d", sp.fold + 1, sp.folds);
	} else {
		snprintf(buf, sizeof buf, "test %g", sp.test_size);
	}
	if ((r->split = str_dup(buf)) == NULL)
		goto oom;

	params = json_loads(ri->params ? ri->params : "{}", 0, &je);
	if (!json_is_object(params)) {
		err_set(err, "run %lld: its parameters are not a JSON object", (long long)ri->id);
		goto out;
	}
	size_t np = json_object_size(params), i = 0;
	r->pname = calloc(np ? np : 1, sizeof *r->pname);
	r->pval = calloc(np ? np : 1, sizeof *r->pval);
	if (r->pname == NULL || r->pval == NULL)
		goto oom;
	const char *k;
	json_t *v;
	json_object_foreach(params, k, v) {
		char tmp[32];
		const char *t = json_is_string(v) ? json_string_value(v) :
		    json_is_integer(v) ? (snprintf(tmp, sizeof tmp, "%lld",
		    (long long)json_integer_value(v)), tmp) :
		    json_is_number(v) ? fmt_double(tmp, json_number_value(v)) :
		    json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null";
		r->pname[i] = str_dup(k);
		r->pval[i] = str_dup(t);
		r->nparams = ++i;
		if (r->pname[i - 1] == NULL || r->pval[i - 1] == NULL)
			goto oom;
	}
	r->on = run_metrics_on(p, ri->id);
	if (r->on[0] && run_metrics_visit(p, ri->id, r->on, metric_cb, r, err) != 0)
		goto out;
	if (r->oom)
		goto oom;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	split_spec_clear(&sp);
	json_decref(params);
	return rc;
}

/* ---- cross-validation: the corrected resampled t-test ---------------------- */

struct folds {
	size_t		 n;
	int		*rep, *fold;
	char		**name;
	double		*value;
	double		 ratio_sum;	/* sum of n_valid / n_train over distinct folds */
	size_t		 nfolds;
	int		 last_rep, last_fold;
	int		 oom;
};

static int
fold_cb(void *ctx, int rep, int fold, size_t n_train, size_t n_valid, const char *name,
    double value)
{
	struct folds *f = ctx;
	if (f->n == 0 || rep != f->last_rep || fold != f->last_fold) {
		f->nfolds++;
		f->ratio_sum += n_train ? (double)n_valid / (double)n_train : 0;
		f->last_rep = rep;
		f->last_fold = fold;
	}
	int *nr = realloc(f->rep, (f->n + 1) * sizeof *nr);
	if (nr)
		f->rep = nr;
	int *nf = realloc(f->fold, (f->n + 1) * sizeof *nf);
	if (nf)
		f->fold = nf;
	char **nn = realloc(f->name, (f->n + 1) * sizeof *nn);
	if (nn)
		f->name = nn;
	double *nv = realloc(f->value, (f->n + 1) * sizeof *nv);
	if (nv)
		f->value = nv;
	if (!nr || !nf || !nn || !nv || (f->name[f->n] = str_dup(name)) == NULL) {
		f->oom = 1;
		return 1;
	}
	f->rep[f->n] = rep;
	f->fold[f->n] = fold;
	f->value[f->n++] = value;
	return 0;
}

static void
folds_clear(struct folds *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->name[i]);
	free(f->rep);
	free(f->fold);
	free(f->name);
	free(f->value);
}

/* Value of (rep, fold, name) in f, or NaN. */
static double
fold_value(const struct folds *f, int rep, int fold, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->rep[i] == rep && f->fold[i] == fold && strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NAN;
}

static int
sig_ttest(struct project *p, struct compare *c, size_t j, char **err)
{
	struct folds a = { 0 }, b = { 0 };
	double *d = NULL;
	int rc = -1;

	if (run_cv_folds_visit(p, c->r[0].ri.id, fold_cb, &a, err) != 0 ||
	    run_cv_folds_visit(p, c->r[j].ri.id, fold_cb, &b, err) != 0)
		goto out;
	if (a.oom || b.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	if (a.nfolds < 2 || a.nfolds != b.nfolds) {
		rc = note(c, err, "run %lld: no fold metrics to test against run %lld",
		    (long long)c->r[j].ri.id, (long long)c->r[0].ri.id);
		goto out;
	}
	if ((d = malloc(a.nfolds * sizeof *d)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	/* each metric of run 0's first fold that both runs have on every fold */
	for (size_t i = 0; i < a.n; i++) {
		if (a.rep[i] != a.rep[0] || a.fold[i] != a.fold[0])
			continue;
		const char *m = a.name[i];
		size_t J = 0;
		int whole = 1;
		for (size_t q = 0; q < a.n && whole; q++) {
			if (strcmp(a.name[q], m) != 0)
				continue;
			double vb = fold_value(&b, a.rep[q], a.fold[q], m);
			if (isnan(vb) || isnan(a.value[q]))
				whole = 0;
			else
				d[J++] = vb - a.value[q];
		}
		if (!whole || J != a.nfolds)
			continue;
		struct compare_sig *s = sig_add(c, j, CMP_TTEST);
		if (s == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		snprintf(s->metric, sizeof s->metric, "%s", m);
		s->n = J;
		s->ratio = a.ratio_sum / (double)a.nfolds;
		double mean = 0;
		for (size_t q = 0; q < J; q++)
			mean += d[q];
		s->mean = mean / (double)J;
		stats_corrected_ttest(d, J, s->ratio, &s->t, &s->p);
	}
	rc = 0;
out:
	free(d);
	folds_clear(&a);
	folds_clear(&b);
	return rc;
}

/* ---- held-out rows: McNemar and the paired bootstrap ---------------------- */

struct heldout {
	size_t	 n;
	size_t	*row;
	double	*pred;		/* regression: the prediction; classification: class index */
};

static void
heldout_clear(struct heldout *h)
{
	free(h->row);
	free(h->pred);
}

/* Parse a run's predictions artifact: row,prediction[,p_<class>...]; the k
 * probabilities are the last k fields (a label may hold anything), and the
 * class is the first largest, as the artifact's writer chose it. */
static int
heldout_read(struct project *p, int64_t id, size_t k, struct heldout *h, char **err)
{
	void *art = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (run_artifact(p, id, "predictions", &art, &len, err) != 0)
		return -1;
	char *s = art, *end = s + len;
	char *nl = memchr(s, '\n', len);
	s = nl ? nl + 1 : end;			/* the header */
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		char *le = nl ? nl : end;
		if (le == s) {
			s = le + 1;
			continue;
		}
		if (h->n == cap) {
			cap = cap ? cap * 2 : 256;
			size_t *nr = realloc(h->row, cap * sizeof *nr);
			if (nr)
				h->row = nr;
			double *np = realloc(h->pred, cap * sizeof *np);
			if (np)
				h->pred = np;
			if (!nr || !np) {
				err_set(err, "out of memory");
				goto out;
			}
		}
		char *e;
		unsigned long long row = strtoull(s, &e, 10);
		if (e == s || *e != ',') {
			err_set(err, "run %lld: damaged predictions artifact", (long long)id);
			goto out;
		}
		double v = NAN;
		if (k == 0) {
			v = strtod(e + 1, NULL);
		} else {
			/* the last k fields */
			char *f = le;
			size_t seen = 0;
			while (f > e && seen < k) {
				f--;
				if (*f == ',')
					seen++;
			}
			if (seen < k) {
				err_set(err, "run %lld: damaged predictions artifact", (long long)id);
				goto out;
			}
			double best = -INFINITY;
			char *q = f + 1;
			for (size_t cl = 0; cl < k; cl++) {
				double pv = strtod(q, &q);
				if (cl == 0 || pv > best) {
					best = pv;
					v = (double)cl;
				}
				if (*q == ',')
					q++;
			}
		}
		h->row[h->n] = (size_t)row;
		h->pred[h->n++] = v;
		s = le + 1;
	}
	rc = 0;
out:
	free(art);
	return rc;
}

/* The truth of every row of run 0's dataset: class index (classification,
 * -1 when not one of classes) or value. */
static int
truth_read(struct project *p, const struct run_info *ri, json_t *classes, double **out,
    size_t *n, char **err)
{
	struct dsver v = { 0 };
	struct table *meta = NULL, *col = NULL;
	double *y = NULL;
	int rc = -1;

	if (ri->target == NULL)
		return err_set(err, "run %lld has no target", (long long)ri->id);
	if (dataset_resolve(p, ri->dataset, &v, err) != 0 || dataset_load(p, &v, 0, &meta, err) != 0)
		goto out;
	size_t cj = meta->ncols;
	for (size_t j = 0; j < meta->ncols; j++)
		if (strcmp(meta->cols[j].name, ri->target) == 0)
			cj = j;
	if (cj == meta->ncols) {
		err_set(err, "run %lld: no column '%s' in %s", (long long)ri->id, ri->target,
		    ri->dataset);
		goto out;
	}
	if (dataset_load_column(p, &v, cj, &col, err) != 0)
		goto out;
	const struct column *c = &col->cols[0];
	if ((y = malloc((col->nrows ? col->nrows : 1) * sizeof *y)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < col->nrows; i++) {
		if (classes == NULL) {
			y[i] = c->kind == COL_NUMERIC ? column_num_at(c, i) : NAN;
			continue;
		}
		y[i] = -1;
		const char *sv = c->kind == COL_NUMERIC ? NULL : column_str_at(c, i);
		double nv = c->kind == COL_NUMERIC ? column_num_at(c, i) : NAN;
		size_t q;
		json_t *e;
		json_array_foreach(classes, q, e) {
			if ((sv && json_is_string(e) && strcmp(sv, json_string_value(e)) == 0) ||
			    (!sv && json_is_number(e) && json_number_value(e) == nv)) {
				y[i] = (double)q;
				break;
			}
		}
	}
	*out = y;
	*n = col->nrows;
	y = NULL;
	rc = 0;
out:
	free(y);
	table_free(meta);
	table_free(col);
	dsver_clear(&v);
	return rc;
}

static int
sig_rows(struct project *p, struct compare *c, size_t j, const double *y, size_t ny,
    size_t k, const struct heldout *a, char **err)
{
	struct heldout b = { 0 };
	double *ea = NULL, *eb = NULL;
	int rc = -1;
	long long idj = (long long)c->r[j].ri.id, id0 = (long long)c->r[0].ri.id;

	if (heldout_read(p, c->r[j].ri.id, k, &b, err) != 0)
		goto out;
	int same = a->n == b.n && a->n > 0;
	for (size_t i = 0; same && i < a->n; i++)
		same = a->row[i] == b.row[i] && a->row[i] < ny;
	if (!same) {
		rc = note(c, err, "run %lld: its held-out rows are not those of run %lld", idj, id0);
		goto out;
	}
	if (k) {
		struct compare_sig *s = sig_add(c, j, CMP_MCNEMAR);
		if (s == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		snprintf(s->metric, sizeof s->metric, "accuracy");
		s->n = a->n;
		for (size_t i = 0; i < a->n; i++) {
			double t = y[a->row[i]];
			int ra = a->pred[i] == t, rb = b.pred[i] == t;
			s->b += ra && !rb;
			s->c += !ra && rb;
		}
		s->p = stats_mcnemar_exact(s->b, s->c);
	} else {
		ea = malloc(a->n * sizeof *ea);
		eb = malloc(a->n * sizeof *eb);
		if (ea == NULL || eb == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		size_t n = 0;
		for (size_t i = 0; i < a->n; i++) {
			double t = y[a->row[i]];
			if (isnan(t) || isnan(a->pred[i]) || isnan(b.pred[i]))
				continue;
			ea[n] = a->pred[i] - t;
			eb[n++] = b.pred[i] - t;
		}
		static const struct { const char *name; enum stats_metric m; } ms[] = {
			{ "rmse", STATS_RMSE }, { "mae", STATS_MAE } };
		for (size_t q = 0; q < ARRAY_LEN(ms) && n > 0; q++) {
			struct compare_sig *s = sig_add(c, j, CMP_BOOTSTRAP);
			if (s == NULL) {
				err_set(err, "out of memory");
				goto out;
			}
			snprintf(s->metric, sizeof s->metric, "%s", ms[q].name);
			s->n = n;
			/* run j minus run 0, as every delta */
			if (stats_bootstrap_diff(eb, ea, n, ms[q].m, COMPARE_BOOT_R,
			    COMPARE_BOOT_LEVEL, COMPARE_BOOT_SEED, &s->diff, &s->lo, &s->hi, err) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(ea);
	free(eb);
	heldout_clear(&b);
	return rc;
}

/* Runs 1.. against run 0, all comparable: the tests that apply. */
static int
significance(struct project *p, struct compare *c, char **err)
{
	const struct run_info *r0 = &c->r[0].ri;
	struct split_spec sp = { 0 };
	struct heldout a = { 0 };
	json_t *classes = NULL;
	double *y = NULL;
	size_t ny = 0, k = 0;
	int rc = -1;

	if (split_record_parse(r0->split, &sp, err) != 0)
		goto out;
	int cls = strcmp(r0->task, "classification") == 0;
	int reg = strcmp(r0->task, "regression") == 0;
	if (strcmp(sp.method, "cv") == 0)
		for (size_t j = 1; j < c->n; j++)
			if (sig_ttest(p, c, j, err) != 0)
				goto out;
	if (!cls && !reg) {
		rc = note(c, err, "no significance test for %s runs", r0->task);
		goto out;
	}
	if (strcmp(sp.method, "kfold") != 0 && sp.test_size <= 0) {
		rc = strcmp(sp.method, "cv") == 0 ? 0 :
		    note(c, err, "no held-out rows: the runs were scored on their training rows "
		    "(--test-size 0)");
		goto out;
	}
	if (cls) {
		json_error_t je;
		classes = json_loads(r0->classes ? r0->classes : "[]", 0, &je);
		k = json_array_size(classes);
		if (k < 2) {
			err_set(err, "run %lld recorded no classes", (long long)r0->id);
			goto out;
		}
	}
	if (truth_read(p, r0, classes, &y, &ny, err) != 0 ||
	    heldout_read(p, r0->id, k, &a, err) != 0)
		goto out;
	for (size_t j = 1; j < c->n; j++)
		if (sig_rows(p, c, j, y, ny, k, &a, err) != 0)
			goto out;
	rc = 0;
out:
	split_spec_clear(&sp);
	heldout_clear(&a);
	json_decref(classes);
	free(y);
	return rc;
}

/* NULL when runs i and 0 were scored on the same rows, else why not. */
static int
why_not(const struct compare_run *a, const struct compare_run *b, char **why)
{
	char buf[256];
	*why = NULL;
	if (a->ri.dataset_version_id != b->ri.dataset_version_id)
		snprintf(buf, sizeof buf, "different data version (%s in run %lld, %s in run %lld)",
		    a->ri.dataset, (long long)a->ri.id, b->ri.dataset, (long long)b->ri.id);
	else if (strcmp(a->ri.target ? a->ri.target : "", b->ri.target ? b->ri.target : "") != 0)
		snprintf(buf, sizeof buf, "different target (%s in run %lld, %s in run %lld)",
		    a->ri.target ? a->ri.target : "none", (long long)a->ri.id,
		    b->ri.target ? b->ri.target : "none", (long long)b->ri.id);
	else if (strcmp(a->split, b->split) != 0)
		snprintf(buf, sizeof buf, "different split (%s in run %lld, %s in run %lld)",
		    a->split, (long long)a->ri.id, b->split, (long long)b->ri.id);
	else if (a->ri.seed != b->ri.seed)
		snprintf(buf, sizeof buf, "different split (seed %llu in run %lld, %llu in run %lld)",
		    (unsigned long long)a->ri.seed, (long long)a->ri.id,
		    (unsigned long long)b->ri.seed, (long long)b->ri.id);
	else
		return 0;
	return (*why = str_dup(buf)) ? 0 : -1;
}

int
compare_load(struct project *p, char *const *refs, size_t n, struct compare **out, char **err)
{
	struct compare *c = calloc(1, sizeof *c);

	*out = NULL;
	if (c == NULL || (c->r = calloc(n, sizeof *c->r)) == NULL) {
		free(c);
		return err_set(err, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		c->n = i + 1;
		if (run_read(p, refs[i], &c->r[i], err) != 0)
			goto fail;
		for (size_t q = 0; q < i; q++)
			if (c->r[q].ri.id == c->r[i].ri.id) {
				err_set(err, "run %lld is listed twice", (long long)c->r[i].ri.id);
				goto fail;
			}
		if (c->r[i].ri.status != RUN_FINISHED) {
			err_set(err, "run %lld is %s, not finished", (long long)c->r[i].ri.id,
			    run_status_name(c->r[i].ri.status));
			goto fail;
		}
	}
	for (size_t i = 1; i < n && c->why_not == NULL; i++)
		if (why_not(&c->r[0], &c->r[i], &c->why_not) != 0) {
			err_set(err, "out of memory");
			goto fail;
		}
	if (c->why_not == NULL && strcmp(c->r[0].ri.task, c->r[n - 1].ri.task) == 0 &&
	    significance(p, c, err) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	compare_free(c);
	return -1;
}

/* ---- the significance as text, for both faces ---------------------------- */

static void
fmt_num(char *buf, size_t n, double v, int sign)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else if (fabs(v) < 1e5 && (v == 0 || fabs(v) >= 1e-3))
		snprintf(buf, n, sign ? "%+.4f" : "%.4f", v);
	else
		snprintf(buf, n, sign ? "%+.4g" : "%.4g", v);
}

/* A significance result: a heading line when it starts a new (run, test)
 * group (prev is the result before it, or NULL), then one line. */
static void
sig_text(struct sbuf *b, const struct compare *c, const struct compare_sig *s,
    const struct compare_sig *prev)
{
	long long a = (long long)c->r[0].ri.id, o = (long long)c->r[s->run].ri.id;
	char d[32], lo[32], hi[32];
	if (prev == NULL || prev->run != s->run || prev->test != s->test) {
		sbuf_printf(b, "  run %lld against run %lld: ", o, a);
		switch (s->test) {
		case CMP_MCNEMAR:
			sbuf_printf(b, "McNemar exact test on %zu held-out rows\n", s->n);
			break;
		case CMP_TTEST:
			sbuf_printf(b, "corrected resampled t-test over %zu folds "
			    "(n_test/n_train %.3g, df %zu)\n", s->n, s->ratio, s->n - 1);
			break;
		case CMP_BOOTSTRAP:
			sbuf_printf(b, "paired bootstrap on %zu held-out rows (%d resamples, "
			    "%g%% interval)\n", s->n, COMPARE_BOOT_R, 100 * COMPARE_BOOT_LEVEL);
			break;
		}
	}
	switch (s->test) {
	case CMP_MCNEMAR:
		sbuf_printf(b, "    %llu right only in run %lld, %llu right only in run %lld: "
		    "p = %.4g%s\n", (unsigned long long)s->b, a, (unsigned long long)s->c, o,
		    s->p, s->p < 0.05 ? "  significant at 5%" : "");
		break;
	case CMP_TTEST:
		fmt_num(d, sizeof d, s->mean, 1);
		sbuf_printf(b, "    %-20s mean difference %-9s t = %-8.4g p = %.4g%s\n", s->metric,
		    d, s->t, s->p, s->p < 0.05 ? "  significant at 5%" : "");
		break;
	case CMP_BOOTSTRAP:
		fmt_num(d, sizeof d, s->diff, 1);
		fmt_num(lo, sizeof lo, s->lo, 1);
		fmt_num(hi, sizeof hi, s->hi, 1);
		sbuf_printf(b, "    %-6s difference %s, interval [%s, %s]%s\n", s->metric, d, lo, hi,
		    s->lo > 0 || s->hi < 0 ? "  excludes 0" : "");
		break;
	}
}

void
compare_significance_text(struct sbuf *b, const struct compare *c)
{
	if (c->why_not) {
		sbuf_printf(b, "not comparable: %s\n", c->why_not);
		return;
	}
	sbuf_printf(b, "significance%s\n", c->nsig ? "" : ": no test applies");
	for (size_t i = 0; i < c->nsig; i++)
		sig_text(b, c, &c->sig[i], i ? &c->sig[i - 1] : NULL);
	for (size_t i = 0; i < c->nnotes; i++)
		sbuf_printf(b, "  %s\n", c->notes[i]);
}
