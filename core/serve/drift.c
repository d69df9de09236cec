/*
 * drift.c — population stability of a served model's inputs.
 *
 * The reference is the dataset version the model's run trained on; the
 * current population is the rows the serving process sampled into
 * prediction_log.  For every raw input column of the model's recipe:
 *
 *   numeric      bins at the reference's deciles (equal edges merged),
 *                plus a bin for missing values;
 *   categorical  one bin per reference level, one for levels the
 *                reference never had, one for missing values;
 *
 * and the population stability index PSI = sum (a - e) ln(a / e) over the
 * bins, with each share floored at 1e-4 so an empty bin counts as rare,
 * not impossible.  The usual reading: below 0.1 stable, below 0.25 a
 * moderate shift, above that drift.
 *
 * Small samples.  PSI is biased upward: for n rows drawn from the training
 * distribution itself, n * PSI is close to chi-square with B - 1 degrees
 * of freedom over the B bins the training data fills (PSI is the
 * symmetric Kullback-Leibler divergence, which for small differences is
 * Pearson's chi-square distance), so PSI averages (B - 1) / n from
 * sampling noise alone: 0.24 — "moderate" — for 37 rows over 10 deciles.
 * A column's PSI is therefore reported only from
 *     n >= chi2_0.95(B - 1) / 0.1
 * rows on, where an undrifted sample reads "stable" 19 times in 20: 170
 * rows for 10 bins, 60 for a categorical column of 3 levels (--min-rows
 * sets another floor).  The training data is taken as the population;
 * its own sampling noise is not counted.
 */
#include "drift.h"
#include "base/util.h"
#include "ingest/profile.h"
#include "registry/registry.h"
#include "store/dataset.h"
#include "train/run.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NBINS		10
#define SHARE_FLOOR	1e-4
#define STABLE		0.1	/* below: stable */

size_t
drift_min_rows(size_t bins)
{
	if (bins < 2)
		return 1;
	/* Wilson-Hilferty: chi2_p(k) ~ k (1 - 2/(9k) + z_p sqrt(2/(9k)))^3 */
	double k = (double)(bins - 1), z95 = 1.6448536269514722;
	double c = 1 - 2 / (9 * k) + z95 * sqrt(2 / (9 * k));
	return (size_t)ceil(k * c * c * c / STABLE);
}

const char *
drift_column_status(const struct drift_column *d)
{
	return d->too_few ? "too few rows" : drift_status(d->psi);
}

const char *
drift_status(double psi)
{
	return isnan(psi) ? "no data" : psi < STABLE ? "stable" : psi < 0.25 ? "moderate" :
	    "drift";
}

static double
psi_of(const double *e, const double *a, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double x = a[i] > SHARE_FLOOR ? a[i] : SHARE_FLOOR;
		double y = e[i] > SHARE_FLOOR ? e[i] : SHARE_FLOOR;
		s += (x - y) * log(x / y);
	}
	return s;
}

/* Bin index of x among ascending edges e[0..ne) (bins between edges;
 * below the first or above the last go to the end bins). */
static size_t
bin_of(const double *e, size_t ne, double x)
{
	size_t lo = 1, hi = ne - 1;
	if (ne < 2)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x < e[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo - 1;
}

static int
numeric_column(const struct column *ref, size_t nref, json_t *const *rows, size_t nrows,
    const char *name, struct drift_column *dc)
{
	double *v = malloc((nref ? nref : 1) * sizeof *v), *tmp = NULL;
	size_t n = 0;
	if (v == NULL)
		return -1;
	const double *src = ref->chunks[0].data;
	double rsum = 0;
	for (size_t i = 0; i < nref; i++)
		if (!isnan(src[i])) {
			v[n++] = src[i];
			rsum += src[i];
		}
	if ((tmp = malloc((n ? n : 1) * sizeof *tmp)) == NULL) {
		free(v);
		return -1;
	}
	sort_doubles(v, tmp, n);
	free(tmp);
	double edges[NBINS + 1];
	size_t ne = 0;
	for (int k = 0; k <= NBINS && n; k++) {
		double q = quantile_sorted(v, n, (double)k / NBINS);
		if (ne == 0 || q > edges[ne - 1])
			edges[ne++] = q;
	}
	size_t nb = ne > 1 ? ne - 1 : 1;	/* value bins; +1 for missing */
	double e[NBINS + 2] = { 0 }, a[NBINS + 2] = { 0 };
	for (size_t i = 0; i < nref; i++)
		e[isnan(src[i]) ? nb : bin_of(edges, ne, src[i])] += 1.0 / (double)nref;
	double lsum = 0;
	size_t lcnt = 0, lmiss = 0;
	for (size_t r = 0; r < nrows; r++) {
		json_t *x = json_object_get(rows[r], name);
		if (json_is_number(x)) {
			double d = json_number_value(x);
			a[bin_of(edges, ne, d)] += 1;
			lsum += d;
			lcnt++;
		} else {
			a[nb] += 1;
			lmiss++;
		}
	}
	for (size_t b = 0; b <= nb; b++)
		a[b] /= nrows ? (double)nrows : 1;
	dc->psi = nrows ? psi_of(e, a, nb + 1) : NAN;
	for (size_t b = 0; b <= nb; b++)
		dc->bins += e[b] > 0;
	dc->ref_mean = n ? rsum / (double)n : NAN;
	dc->cur_mean = lcnt ? lsum / (double)lcnt : NAN;
	dc->ref_missing = nref ? (double)(nref - n) / (double)nref : NAN;
	dc->cur_missing = nrows ? (double)lmiss / (double)nrows : NAN;
	free(v);
	return 0;
}

static int
string_column(const struct column *ref, size_t nref, json_t *const *rows, size_t nrows,
    const char *name, struct drift_column *dc)
{
	size_t k = ref->dict.n;
	double *e = calloc(k + 2, sizeof *e), *a = calloc(k + 2, sizeof *a);
	if (e == NULL || a == NULL) {
		free(e);
		free(a);
		return -1;
	}
	const uint32_t *codes = ref->chunks[0].data;
	size_t rmiss = 0;
	for (size_t i = 0; i < nref; i++) {
		if (codes[i] == CODE_NA)
			rmiss++;
		e[codes[i] == CODE_NA ? k + 1 : codes[i]] += 1.0 / (double)nref;
	}
	size_t lmiss = 0, unseen = 0;
	for (size_t r = 0; r < nrows; r++) {
		json_t *x = json_object_get(rows[r], name);
		char buf[32];
		const char *s = json_is_string(x) ? json_string_value(x) :
		    json_is_number(x) ? fmt_double(buf, json_number_value(x)) : NULL;
		if (s == NULL) {
			a[k + 1] += 1;
			lmiss++;
			continue;
		}
		uint32_t c = strdict_find(&ref->dict, s, strlen(s));
		if (c == CODE_NA) {
			a[k] += 1;	/* a level training never saw */
			unseen++;
		} else {
			a[c] += 1;
		}
	}
	for (size_t b = 0; b < k + 2; b++)
		a[b] /= nrows ? (double)nrows : 1;
	dc->psi = nrows ? psi_of(e, a, k + 2) : NAN;
	for (size_t b = 0; b < k + 2; b++)
		dc->bins += e[b] > 0;
	dc->ref_mean = dc->cur_mean = NAN;
	dc->ref_missing = nref ? (double)rmiss / (double)nref : NAN;
	dc->cur_missing = nrows ? (double)lmiss / (double)nrows : NAN;
	dc->unseen = nrows ? (double)unseen / (double)nrows : NAN;
	free(e);
	free(a);
	return 0;
}

void
drift_report_free(struct drift_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->ncols; i++)
		free(r->cols[i].name);
	free(r->cols);
	free(r->model);
	free(r->dataset);
	free(r);
}

/* What the logged sample stands for: how many rows are logged in all,
 * and how many its servers predicted and how they sampled them (unknown
 * for rows logged by servers that kept no counts). */
static int
sample_facts(struct project *p, struct drift_report *r, char **err)
{
	sqlite3_stmt *st = NULL;
	r->predicted = -1;
	r->rate_lo = r->rate_hi = NAN;
	if (db_prepare(p, "SELECT count(*) FROM prediction_log WHERE model = ?1 AND version = ?2",
	    &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, r->model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->version);
	if (sqlite3_step(st) == SQLITE_ROW)
		r->logged_total = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(p->db, "SELECT count(*), sum(predicted), min(sample_rate), "
	    "max(sample_rate), max(max_per_sec) FROM prediction_log_counts WHERE model = ?1 AND "
	    "version = ?2", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;	/* a project from before the counts */
	}
	sqlite3_bind_text(st, 1, r->model, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->version);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
		r->predicted = sqlite3_column_int64(st, 1);
		r->rate_lo = sqlite3_column_double(st, 2);
		r->rate_hi = sqlite3_column_double(st, 3);
		r->max_per_sec = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	return 0;
}

int
drift_compute(struct project *p, const char *ref, size_t last, long min_rows,
    struct drift_report **out, char **err)
{
	struct model_version mv = { 0 };
	struct run_info ri = { 0 };
	struct dsver v = { 0 };
	struct table *t = NULL;
	struct drift_report *r = NULL;
	sqlite3_stmt *st = NULL;
	json_t **rows = NULL, *schema = NULL;
	size_t nrows = 0;
	char rref[32];
	int rc = -1;

	*out = NULL;
	if (registry_resolve(p, ref, &mv, err) != 0)
		return -1;
	snprintf(rref, sizeof rref, "%lld", (long long)mv.run_id);
	if (run_load(p, rref, &ri, err) != 0 || dataset_resolve(p, ri.dataset, &v, err) != 0 ||
	    dataset_load(p, &v, SIZE_MAX, &t, err) != 0)
		goto out;
	if ((r = calloc(1, sizeof *r)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	r->model = str_dup(mv.name);
	r->version = mv.version;
	r->run_id = mv.run_id;
	r->dataset = str_dup(ri.dataset);
	r->reference_rows = t->nrows;
	r->max_psi = NAN;
	if (r->model == NULL || r->dataset == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (sample_facts(p, r, err) != 0)
		goto out;
	/* the logged rows, newest first */
	if (db_prepare(p, "SELECT input, time FROM prediction_log WHERE model = ?1 AND "
	    "version = ?2 ORDER BY id DESC LIMIT ?3", &st, err) != 0)
		goto out;
	sqlite3_bind_text(st, 1, mv.name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, mv.version);
	sqlite3_bind_int64(st, 3, (int64_t)(last ? last : 10000));
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_error_t je;
		json_t *o = json_loads((const char *)sqlite3_column_text(st, 0), 0, &je);
		const char *tm = (const char *)sqlite3_column_text(st, 1);
		if (tm && nrows == 0)
			snprintf(r->last, sizeof r->last, "%s", tm);	/* newest first */
		if (tm)
			snprintf(r->first, sizeof r->first, "%s", tm);
		if (!json_is_object(o)) {
			json_decref(o);
			continue;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 256;
			json_t **nr = realloc(rows, cap * sizeof *nr);
			if (nr == NULL) {
				json_decref(o);
				err_set(err, "out of memory");
				goto out;
			}
			rows = nr;
		}
		rows[nrows++] = o;
	}
	sqlite3_finalize(st);
	st = NULL;
	r->logged_rows = nrows;
	/* the model's raw inputs */
	json_error_t je;
	schema = json_loads(mv.input_schema ? mv.input_schema : "[]", 0, &je);
	size_t nin = json_array_size(schema);
	r->cols = calloc(nin ? nin : 1, sizeof *r->cols);
	if (r->cols == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nin; i++) {
		const char *name = json_string_value(json_object_get(json_array_get(schema, i), "name"));
		const struct column *c = NULL;
		for (size_t j = 0; name && j < t->ncols; j++)
			if (strcmp(t->cols[j].name, name) == 0)
				c = &t->cols[j];
		if (c == NULL)
			continue;
		struct drift_column *dc = &r->cols[r->ncols];
		memset(dc, 0, sizeof *dc);
		if ((dc->name = str_dup(name)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		dc->kind = c->kind;
		r->ncols++;
		int crc = c->kind == COL_NUMERIC ?
		    numeric_column(c, t->nrows, rows, nrows, name, dc) :
		    string_column(c, t->nrows, rows, nrows, name, dc);
		if (crc != 0) {
			err_set(err, "out of memory");
			goto out;
		}
		dc->min_rows = min_rows >= 0 ? (size_t)min_rows : drift_min_rows(dc->bins);
		if (nrows > 0 && nrows < dc->min_rows) {
			dc->too_few = 1;
			dc->psi = NAN;
		}
		if (!isnan(dc->psi) && (isnan(r->max_psi) || dc->psi > r->max_psi))
			r->max_psi = dc->psi;
	}
	if (r->ncols == 0 || nrows == 0)
		r->max_psi = NAN;
	r->status = nrows == 0 ? "no data" : isnan(r->max_psi) && r->ncols ? "too few rows" :
	    drift_status(r->max_psi);
	*out = r;
	r = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	for (size_t i = 0; i < nrows; i++)
		json_decref(rows[i]);
	free(rows);
	json_decref(schema);
	drift_report_free(r);
	table_free(t);
	dsver_clear(&v);
	run_info_clear(&ri);
	model_version_clear(&mv);
	return rc;
}
