/*
 * runs_query.c — see runs_query.h.
 *
 * Sizes: 10,000 runs carry some 40,000 parameter rows and 200,000 metric
 * rows (ten metrics, two splits).  Each table is read in one scan in
 * rowid order; rows are matched to their run by binary search over the
 * ascending ids, so no ORDER BY forces SQLite to sort or chase an index.
 */
#include "runs_query.h"
#include "base/util.h"
#include "features/recipe.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
pool_col(struct runs_list *l, sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	if (s == NULL)
		return "";
	return strpool_put(&l->pool, (const char *)s, (size_t)sqlite3_column_bytes(st, i));
}

void
runs_list_free(struct runs_list *l)
{
	if (l == NULL)
		return;
	strpool_free(&l->pool);
	for (size_t i = 0; i < l->nnames; i++)
		free(l->names[i]);
	free(l->names);
	free(l->rows);
	free(l->params);
	free(l->metrics);
	free(l);
}

long
runs_find(const struct runs_list *l, int64_t id)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (l->rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->n && l->rows[lo].id == id ? (long)lo : -1;
}

long
runs_name_index(const struct runs_list *l, const char *name)
{
	for (size_t i = 0; i < l->nnames; i++)
		if (strcmp(l->names[i], name) == 0)
			return (long)i;
	return -1;
}

double
runs_metric(const struct runs_list *l, const struct runs_row *r, uint32_t name)
{
	for (size_t k = 0; k < r->nm; k++)
		if (l->metrics[r->m0 + k].name == name)
			return l->metrics[r->m0 + k].value;
	return NAN;
}

/* Intern a name: its index (names are few, so a linear scan with a
 * one-entry memo of the previous lookup is enough).  -1 on OOM. */
static long
intern(struct runs_list *l, const char *s, long *memo)
{
	if (*memo >= 0 && strcmp(l->names[*memo], s) == 0)
		return *memo;
	for (size_t i = 0; i < l->nnames; i++)
		if (strcmp(l->names[i], s) == 0)
			return *memo = (long)i;
	char **nn = realloc(l->names, (l->nnames + 1) * sizeof *nn);
	if (nn == NULL)
		return -1;
	l->names = nn;
	if ((nn[l->nnames] = str_dup(s)) == NULL)
		return -1;
	return *memo = (long)l->nnames++;
}

/* A (run index, item) pair before grouping by run. */
struct staged {
	uint32_t	 run;
	uint32_t	 name;
	int		 test;	/* metrics: 0 train, 1 test, 2 cross-validation mean */
	double		 num;
	double		 sd;	/* cross-validation: the std (NaN: none) */
	const char	*text;
};

static int
grow(void **v, size_t *cap, size_t need, size_t esz)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 1024;
	while (nc < need)
		nc *= 2;
	void *n = realloc(*v, nc * esz);
	if (n == NULL)
		return -1;
	*v = n;
	*cap = nc;
	return 0;
}

/* Stable counting sort of staged items by run index. */
static int
by_run(struct staged *s, size_t n, size_t nruns, size_t **start)
{
	size_t *cnt = calloc(nruns + 1, sizeof *cnt);
	struct staged *tmp = malloc((n ? n : 1) * sizeof *tmp);
	if (cnt == NULL || tmp == NULL) {
		free(cnt);
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		cnt[s[i].run + 1]++;
	for (size_t r = 0; r < nruns; r++)
		cnt[r + 1] += cnt[r];
	size_t *pos = malloc((nruns + 1) * sizeof *pos);
	if (pos == NULL) {
		free(cnt);
		free(tmp);
		return -1;
	}
	memcpy(pos, cnt, (nruns + 1) * sizeof *pos);
	for (size_t i = 0; i < n; i++)
		tmp[pos[s[i].run]++] = s[i];
	if (n)
		memcpy(s, tmp, n * sizeof *s);
	free(tmp);
	free(pos);
	*start = cnt;
	return 0;
}

/* Runs with id >= min_id (0: all). */
static int
query_from(struct project *p, int64_t min_id, struct runs_list **out, char **err)
{
	struct runs_list *l = calloc(1, sizeof *l);
	sqlite3_stmt *st = NULL;
	struct staged *sg = NULL;
	size_t cap = 0, nsg = 0, *start = NULL;
	long memo = -1;
	int s, rc = -1;

	*out = NULL;
	if (l == NULL)
		return err_set(err, "out of memory");
	if (db_prepare(p, "SELECT r.id, r.status, coalesce(e.name, ''), d.name || '@' || v.version, "
	    "CASE WHEN r.recipe_name IS NOT NULL THEN r.recipe_name || '@' || r.recipe_version "
	    "WHEN r.recipe IN (?1, ?3, ?4, ?5) THEN '(default)' ELSE '(inline)' END, r.algo, r.task, "
	    "coalesce(r.target, ''), r.created, coalesce(r.error, ''), r.duration, "
	    "coalesce(r.parent_run, 0), r.archived FROM runs r "
	    "LEFT JOIN experiments e ON e.id = r.experiment_id "
	    "JOIN dataset_versions v ON v.id = r.dataset_version_id "
	    "JOIN datasets d ON d.id = v.dataset_id WHERE r.id >= ?2 ORDER BY r.id", &st, err) != 0)
		goto out;
	sqlite3_bind_text(st, 1, recipe_default_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, recipe_default_missing_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, recipe_default_categorical_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, recipe_default_native_text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, min_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&l->rows, &cap, l->n + 1, sizeof *l->rows) != 0)
			goto oom;
		struct runs_row *r = &l->rows[l->n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		if (run_status_parse((const char *)sqlite3_column_text(st, 1), &r->status) != 0)
			r->status = RUN_FAILED;
		r->experiment = pool_col(l, st, 2);
		r->dataset = pool_col(l, st, 3);
		r->recipe = pool_col(l, st, 4);
		r->algo = pool_col(l, st, 5);
		r->task = pool_col(l, st, 6);
		r->target = pool_col(l, st, 7);
		r->created = pool_col(l, st, 8);
		r->error = pool_col(l, st, 9);
		r->duration = sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 10);
		r->parent_run = sqlite3_column_int64(st, 11);
		r->archived = sqlite3_column_int(st, 12) != 0;
		r->split = "";
		if (!r->experiment || !r->dataset || !r->recipe || !r->algo || !r->task ||
		    !r->target || !r->created || !r->error)
			goto oom;
	}
	if (s != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	st = NULL;

	/* parameters */
	cap = 0;
	if (db_prepare(p, min_id > 0 ? "SELECT run_id, name, value FROM run_params WHERE run_id >= ?1" :
	    "SELECT run_id, name, value FROM run_params", &st, err) != 0)
		goto out;
	if (min_id > 0)
		sqlite3_bind_int64(st, 1, min_id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		long ri = runs_find(l, sqlite3_column_int64(st, 0));
		if (ri < 0)
			continue;
		long nm = intern(l, (const char *)sqlite3_column_text(st, 1), &memo);
		if (nm < 0 || grow((void **)&sg, &cap, nsg + 1, sizeof *sg) != 0)
			goto oom;
		struct staged *g = &sg[nsg++];
		g->run = (uint32_t)ri;
		g->name = (uint32_t)nm;
		g->test = 0;
		char buf[32];
		switch (sqlite3_column_type(st, 2)) {
		case SQLITE_INTEGER:
			g->num = (double)sqlite3_column_int64(st, 2);
			snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(st, 2));
			g->text = strpool_put(&l->pool, buf, strlen(buf));
			break;
		case SQLITE_FLOAT:
			g->num = sqlite3_column_double(st, 2);
			fmt_double(buf, g->num);
			g->text = strpool_put(&l->pool, buf, strlen(buf));
			break;
		default:
			g->num = NAN;
			g->text = pool_col(l, st, 2);
		}
		if (g->text == NULL)
			goto oom;
	}
	if (s != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	st = NULL;
	if (by_run(sg, nsg, l->n, &start) != 0)
		goto oom;
	if ((l->params = malloc((nsg ? nsg : 1) * sizeof *l->params)) == NULL)
		goto oom;
	for (size_t i = 0; i < nsg; i++)
		l->params[i] = (struct runs_param){ sg[i].name, sg[i].text, sg[i].num };
	l->nparams = nsg;
	for (size_t r = 0; r < l->n; r++) {
		l->rows[r].p0 = start[r];
		l->rows[r].np = start[r + 1] - start[r];
	}
	free(start);
	start = NULL;

	/* metrics: a cross-validated run's means (with their std), else the
	 * test split's, or the training split's without one */
	nsg = 0;
	if (db_prepare(p, "SELECT run_id, name, 2, mean, std FROM run_cv_metrics WHERE run_id >= ?1 "
	    "UNION ALL SELECT run_id, name, split = 'test', value, NULL FROM run_metrics "
	    "WHERE run_id >= ?1", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, min_id);
	long lastid = -1, lastri = -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		long ri = id == lastid ? lastri : runs_find(l, id);
		lastid = (long)id;
		lastri = ri;
		if (ri < 0)
			continue;
		long nm = intern(l, (const char *)sqlite3_column_text(st, 1), &memo);
		if (nm < 0 || grow((void **)&sg, &cap, nsg + 1, sizeof *sg) != 0)
			goto oom;
		struct staged *g = &sg[nsg++];
		g->run = (uint32_t)ri;
		g->name = (uint32_t)nm;
		g->test = sqlite3_column_int(st, 2);
		g->num = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 3);
		g->sd = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 4);
		g->text = NULL;
	}
	if (s != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	st = NULL;
	if (by_run(sg, nsg, l->n, &start) != 0)
		goto oom;
	if ((l->metrics = malloc((nsg ? nsg : 1) * sizeof *l->metrics)) == NULL)
		goto oom;
	for (size_t r = 0; r < l->n; r++) {
		int best = 0;
		for (size_t i = start[r]; i < start[r + 1]; i++)
			best = sg[i].test > best ? sg[i].test : best;
		l->rows[r].m0 = l->nmetrics;
		for (size_t i = start[r]; i < start[r + 1]; i++)
			if (sg[i].test == best)
				l->metrics[l->nmetrics++] = (struct runs_metric){ sg[i].name, sg[i].num,
				    sg[i].sd };
		l->rows[r].nm = l->nmetrics - l->rows[r].m0;
		l->rows[r].split = start[r + 1] == start[r] ? "" : best == 2 ? "cv" : best ? "test" :
		    "train";
	}
	*out = l;
	l = NULL;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
	goto out;
dbfail:
	db_fail(p, err);
out:
	sqlite3_finalize(st);
	free(sg);
	free(start);
	runs_list_free(l);
	return rc;
}

int
runs_query(struct project *p, struct runs_list **out, char **err)
{
	return query_from(p, 0, out, err);
}

int
runs_query_recent(struct project *p, size_t limit, struct runs_list **out, char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t min_id = 1;
	if (limit == 0)
		limit = 1;
	if (db_prepare(p, "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, (int64_t)limit - 1);
	if (sqlite3_step(st) == SQLITE_ROW)
		min_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return query_from(p, min_id > 0 ? min_id : 1, out, err);
}

int64_t
runs_count(struct project *p)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	if (db_prepare(p, "SELECT count(*) FROM runs", &st, NULL) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
run_metrics_visit(struct project *p, int64_t id, const char *split, run_metric_fn fn,
    void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int s, cv = strcmp(split, "cv") == 0;
	if (db_prepare(p, cv ? "SELECT name, mean FROM run_cv_metrics WHERE run_id = ?1 ORDER BY "
	    "rowid" : "SELECT name, value FROM run_metrics WHERE run_id = ?1 AND split = ?2 "
	    "ORDER BY rowid", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (!cv)
		sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1)))
			break;
	int rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

int
run_has_split(struct project *p, int64_t id, const char *split)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	int cv = strcmp(split, "cv") == 0;
	if (db_prepare(p, cv ? "SELECT 1 FROM run_cv_metrics WHERE run_id = ?1 LIMIT 1" :
	    "SELECT 1 FROM run_metrics WHERE run_id = ?1 AND split = ?2 LIMIT 1",
	    &st, NULL) == 0) {
		sqlite3_bind_int64(st, 1, id);
		if (!cv)
			sqlite3_bind_text(st, 2, split, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

const char *
run_metrics_on(struct project *p, int64_t id)
{
	if (run_has_split(p, id, "cv"))
		return "cv";
	if (run_has_split(p, id, "test"))
		return "test";
	if (run_has_split(p, id, "train"))
		return "train";
	return "";
}

int
run_cv_visit(struct project *p, int64_t id, run_cv_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int s;
	if (db_prepare(p, "SELECT name, mean, std, n FROM run_cv_metrics WHERE run_id = ?1 "
	    "ORDER BY rowid", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1),
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2),
		    sqlite3_column_int(st, 3)))
			break;
	int rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

int
run_cv_folds_visit(struct project *p, int64_t id, run_fold_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int s;
	if (db_prepare(p, "SELECT rep, fold, n_train, n_valid, name, value FROM run_cv_folds "
	    "WHERE run_id = ?1 ORDER BY rep, fold, rowid", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
		    (size_t)sqlite3_column_int64(st, 2), (size_t)sqlite3_column_int64(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5)))
			break;
	int rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

int
run_curves_visit(struct project *p, int64_t id, run_curve_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int s;
	if (db_prepare(p, "SELECT name, step, value FROM run_curves WHERE run_id = ?1 "
	    "ORDER BY name, step", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		    sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2)))
			break;
	int rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

int
run_children(struct project *p, int64_t id, int64_t **ids, size_t *n, char **err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int s, rc = 0;
	*ids = NULL;
	*n = 0;
	if (db_prepare(p, "SELECT id FROM runs WHERE parent_run = ?1 ORDER BY id", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)ids, &cap, *n + 1, sizeof **ids) != 0) {
			rc = err_set(err, "out of memory");
			break;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	if (rc) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

/* ---- the folds as a table ---------------------------------------------- */

static int
fold_table_col(void *ctx, const char *name, double mean, double sd, int n)
{
	static const char *const usual[] = { "accuracy", "f1_macro", "roc_auc", "log_loss", "r2",
		"rmse", "mae", "mape" };
	struct run_fold_table *t = ctx;
	(void)mean;
	(void)sd;
	(void)n;
	for (size_t q = 0; q < sizeof usual / sizeof usual[0]; q++)
		if (strcmp(usual[q], name) == 0 && t->ncols < 4)
			t->cols[t->ncols++] = usual[q];
	return 0;
}

int
run_cv_fold_table(struct project *p, int64_t id, struct run_fold_table *t, char **err)
{
	t->ncols = 0;
	return run_cv_visit(p, id, fold_table_col, t, err);
}

struct fold_rows {
	const struct run_fold_table *t;
	run_fold_row_fn	 fn;
	void		*ctx;
	int		 rep, fold, rc;
	double		 v[4];
	size_t		 ntr, nval;
};

static void
fold_rows_flush(struct fold_rows *f)
{
	if (f->rep >= 0 && f->rc == 0)
		f->rc = f->fn(f->ctx, f->rep, f->fold, f->ntr, f->nval, f->v);
}

static int
fold_rows_add(void *ctx, int rep, int fold, size_t ntr, size_t nval, const char *name, double v)
{
	struct fold_rows *f = ctx;
	if (rep != f->rep || fold != f->fold) {
		fold_rows_flush(f);
		f->rep = rep;
		f->fold = fold;
		f->ntr = ntr;
		f->nval = nval;
		for (int c = 0; c < 4; c++)
			f->v[c] = NAN;
	}
	for (int c = 0; c < f->t->ncols; c++)
		if (strcmp(f->t->cols[c], name) == 0)
			f->v[c] = v;
	return f->rc;
}

int
run_cv_fold_rows(struct project *p, int64_t id, const struct run_fold_table *t,
    run_fold_row_fn fn, void *ctx, char **err)
{
	struct fold_rows f = { .t = t, .fn = fn, .ctx = ctx, .rep = -1, .fold = -1 };
	int rc = run_cv_folds_visit(p, id, fold_rows_add, &f, err);
	fold_rows_flush(&f);
	return rc != 0 ? rc : f.rc;
}
