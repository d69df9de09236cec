/*
 * cmd_runs.c — `lathe runs`: the runs table, filtered by experiment or
 * status and sorted by any metric (best first, by the metric's direction).
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/metrics.h"
#include "train/run.h"
#include "train/runs_where.h"
#include "train/split.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_EXP = OPT_LONG + 1, OPT_SORT, OPT_STATUS, OPT_LIMIT, OPT_WHERE, OPT_COLUMNS,
	OPT_ARCHIVED, OPT_ALL, OPT_INCL_TRAIN };

#define ROW_METRICS 24

struct row {
	int64_t	 id;
	char	*status, *experiment, *dataset, *task, *algo, *target, *created, *error,
		*params, *note, *split;
	int	 archived;
	double	 duration;
	const char *mname[ROW_METRICS];	/* interned in the listing's names */
	double	 mval[ROW_METRICS];
	double	 msd[ROW_METRICS];	/* cross-validation: std over the folds; else NaN */
	int	 nm;
	int	 on;		/* the metrics are of: 2 cross-validation, 1 test, 0 train, -1 none */
	char	 on_label[24];	/* "cv 5", "cv 5x3", "test", "train" or "" */
	char	**tagk, **tagv;	/* key order */
	size_t	 ntags;
	json_t	*pj;		/* params, parsed when a field needs them */
	int	 pj_tried;
};

/* What to list and how: the options, once parsed. */
struct listing {
	const char	*exp, *status, *sort, *where, *columns;
	long		 limit;
	int		 archived;	/* 0: unarchived runs, 1: archived only, 2: both */
	int		 include_train;	/* --include-train-metrics */
	size_t		 left_out;	/* "train!" runs left out of a --sort */
	const char	*sort_key;
	int		 sort_desc;
	struct row	*rows;
	size_t		 n;
	char		**names;	/* metric names, each once */
	size_t		 nnames;
	char		 numbuf[32];	/* a field's number as text, for get_field */
};

/* A supervised run scored on its training rows flatters itself; a
 * clustering or projection is always scored on the rows it was fitted to. */
static int
flattering(const struct row *r)
{
	return r->on == 0 && (strcmp(r->task, "classification") == 0 ||
	    strcmp(r->task, "regression") == 0);
}

static double
metric_of(const struct row *r, const char *name)
{
	for (int i = 0; i < r->nm; i++)
		if (strcmp(r->mname[i], name) == 0)
			return r->mval[i];
	return NAN;
}

static const char *sort_key;
static int sort_desc;

static int
cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (sort_key) {
		double u = metric_of(x, sort_key), v = metric_of(y, sort_key);
		if (isnan(u) != isnan(v))
			return isnan(u) ? 1 : -1;	/* runs without it last */
		if (!isnan(u) && u != v)	/* two without it: by id, below */
			return (u < v) == sort_desc ? 1 : -1;
	}
	return (x->id < y->id) - (x->id > y->id);	/* newest first */
}

static char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return str_dup(s ? (const char *)s : "");
}

static void
row_clear(struct row *r)
{
	free(r->status); free(r->experiment); free(r->dataset); free(r->task);
	free(r->algo); free(r->target); free(r->created); free(r->error); free(r->params);
	free(r->note);
	free(r->split);
	for (size_t k = 0; k < r->ntags; k++) {
		free(r->tagk[k]);
		free(r->tagv[k]);
	}
	free(r->tagk);
	free(r->tagv);
	json_decref(r->pj);
}

static void
rows_free(struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		row_clear(&rows[i]);
	free(rows);
}

/* The number of runs in the project, whatever their experiment or status,
 * and how many of them are archived. */
static int
count_runs(struct project *p, long long *n, long long *archived, char **err)
{
	sqlite3_stmt *st = NULL;
	if (db_prepare(p, "SELECT count(*), coalesce(sum(archived != 0), 0) FROM runs", &st,
	    err) != 0)
		return -1;
	int s = sqlite3_step(st);
	*n = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*archived = s == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	return s == SQLITE_ROW ? 0 : db_fail(p, err);
}

/* Metrics shown as columns: the most useful ones present, in table order. */
static const char *const preferred[] = { "accuracy", "f1_macro", "roc_auc", "log_loss", "r2",
	"rmse", "mae", "inertia", "silhouette" };

/* ------------------------------------------------------------------ */
/* fields: what --where and --columns name                             */

/* Columns of the runs table that are fields by their own name. */
static const char *const fixed_fields[] = { "id", "status", "experiment", "dataset", "task",
	"algo", "target", "duration", "created", "note", "archived", "error" };

static const char *
tag_of(const struct row *r, const char *key)
{
	for (size_t i = 0; i < r->ntags; i++)
		if (strcmp(r->tagk[i], key) == 0)
			return r->tagv[i];
	return NULL;
}

/* A parameter's value: 1 with *text or *num, 0 when the run has none. */
static int
param_of(struct listing *ls, struct row *r, const char *name, const char **text, double *num)
{
	if (!r->pj_tried) {
		json_error_t je;
		r->pj_tried = 1;
		r->pj = json_loads(r->params, 0, &je);
	}
	json_t *v = json_object_get(r->pj, name);
	if (json_is_number(v)) {
		*num = json_number_value(v);
		return 1;
	}
	if (json_is_boolean(v)) {
		*num = json_is_true(v);
		return 1;
	}
	if (json_is_string(v)) {
		*text = json_string_value(v);
		return 1;
	}
	(void)ls;
	return 0;
}

static int
text_field(const char *s, const char **text)
{
	if (s == NULL || *s == '\0')
		return 0;
	*text = s;
	return 1;
}

/* Field `name` of row r: 1 with *text (borrowed) and/or *num, 0 when the
 * run has no such value.  Bare names are a column of the runs table, else
 * a metric, else a parameter, else a tag; metric.X, param.X and tag.X say
 * which. */
static int
get_field(struct listing *ls, struct row *r, const char *name, const char **text, double *num)
{
	if (strncmp(name, "metric.", 7) == 0) {
		*num = metric_of(r, name + 7);
		return !isnan(*num);
	}
	if (strncmp(name, "param.", 6) == 0)
		return param_of(ls, r, name + 6, text, num);
	if (strncmp(name, "tag.", 4) == 0)
		return text_field(tag_of(r, name + 4), text);
	if (strcmp(name, "id") == 0) {
		*num = (double)r->id;
		return 1;
	}
	if (strcmp(name, "duration") == 0) {
		*num = r->duration;
		return !isnan(r->duration);
	}
	if (strcmp(name, "archived") == 0) {
		*num = r->archived;
		return 1;
	}
	static const struct { const char *name; size_t off; } texts[] = {
		{ "status", offsetof(struct row, status) },
		{ "experiment", offsetof(struct row, experiment) },
		{ "dataset", offsetof(struct row, dataset) },
		{ "task", offsetof(struct row, task) },
		{ "algo", offsetof(struct row, algo) },
		{ "target", offsetof(struct row, target) },
		{ "created", offsetof(struct row, created) },
		{ "note", offsetof(struct row, note) },
		{ "error", offsetof(struct row, error) },
	};
	for (size_t i = 0; i < ARRAY_LEN(texts); i++)
		if (strcmp(name, texts[i].name) == 0)
			return text_field(*(char **)((char *)r + texts[i].off), text);
	*num = metric_of(r, name);
	if (!isnan(*num))
		return 1;
	if (param_of(ls, r, name, text, num))
		return 1;
	return text_field(tag_of(r, name), text);
}

static int
where_get(void *ctx, size_t i, const char *field, const char **text, double *num)
{
	struct listing *ls = ctx;
	return get_field(ls, &ls->rows[i], field, text, num);
}

/* Is name a field even when no listed run has a value for it? */
static int
field_known(void *ctx, const char *name)
{
	(void)ctx;
	if (strncmp(name, "metric.", 7) == 0 || strncmp(name, "param.", 6) == 0 ||
	    strncmp(name, "tag.", 4) == 0)
		return 1;
	for (size_t i = 0; i < ARRAY_LEN(fixed_fields); i++)
		if (strcmp(name, fixed_fields[i]) == 0)
			return 1;
	return metrics_lookup(name) != NULL;
}

/* ------------------------------------------------------------------ */
/* loading                                                             */

static int
load_rows(struct project *p, struct listing *ls, char **err)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int s;

	if (db_prepare(p, "SELECT r.id, r.status, coalesce(e.name, ''), d.name || '@' || v.version, "
	    "r.task, r.algo, coalesce(r.target, ''), r.created, coalesce(r.error, ''), r.params, "
	    "r.duration, r.note, r.archived, r.split FROM runs r "
	    "LEFT JOIN experiments e ON e.id = r.experiment_id "
	    "JOIN dataset_versions v ON v.id = r.dataset_version_id "
	    "JOIN datasets d ON d.id = v.dataset_id "
	    "WHERE (?1 IS NULL OR e.name = ?1) AND (?2 IS NULL OR r.status = ?2) "
	    "AND (?3 = 2 OR (r.archived != 0) = ?3) ORDER BY r.id", &st, err) != 0)
		return -1;
	if (ls->exp)
		sqlite3_bind_text(st, 1, ls->exp, -1, SQLITE_STATIC);
	if (ls->status)
		sqlite3_bind_text(st, 2, ls->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, ls->archived);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (ls->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct row *nr = realloc(ls->rows, cap * sizeof *nr);
			if (nr == NULL)
				goto oom;
			ls->rows = nr;
		}
		struct row *r = &ls->rows[ls->n++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->status = col(st, 1);
		r->experiment = col(st, 2);
		r->dataset = col(st, 3);
		r->task = col(st, 4);
		r->algo = col(st, 5);
		r->target = col(st, 6);
		r->created = col(st, 7);
		r->error = col(st, 8);
		r->params = col(st, 9);
		r->duration = sqlite3_column_type(st, 10) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 10);
		r->note = sqlite3_column_type(st, 11) == SQLITE_NULL ? NULL : col(st, 11);
		r->archived = sqlite3_column_int(st, 12) != 0;
		r->split = col(st, 13);
		r->on = -1;
		if (!r->status || !r->experiment || !r->dataset || !r->task || !r->algo ||
		    !r->target || !r->created || !r->error || !r->params || !r->split ||
		    (sqlite3_column_type(st, 11) != SQLITE_NULL && !r->note))
			goto oom;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : db_fail(p, err);
oom:
	sqlite3_finalize(st);
	return err_set(err, "out of memory");
}

/* The row of run id, or NULL; *hint (the last row found) makes the
 * next id of an id-ordered scan cost nothing. */
static struct row *
row_by_id(struct listing *ls, int64_t id, size_t *hint)
{
	if (*hint < ls->n && ls->rows[*hint].id == id)
		return &ls->rows[*hint];
	if (*hint + 1 < ls->n && ls->rows[*hint + 1].id == id)
		return &ls->rows[++*hint];
	size_t lo = 0, hi = ls->n;	/* rows are in id order until sorted */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ls->rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ls->n && ls->rows[lo].id == id) {
		*hint = lo;
		return &ls->rows[lo];
	}
	return NULL;
}

/* The interned copy of a metric name; *memo speeds up names that come
 * in the same order run after run.  NULL when out of memory. */
static const char *
intern(struct listing *ls, const char *name, size_t *memo)
{
	if (name == NULL)
		return NULL;
	for (size_t k = 0; k < ls->nnames; k++) {
		size_t j = (*memo + k) % ls->nnames;
		if (strcmp(ls->names[j], name) == 0) {
			*memo = j + 1;
			return ls->names[j];
		}
	}
	char **v = realloc(ls->names, (ls->nnames + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	ls->names = v;
	if ((v[ls->nnames] = str_dup(name)) == NULL)
		return NULL;
	*memo = ls->nnames + 1;
	return v[ls->nnames++];
}

/*
 * Metrics of the evaluation split (test when the run has one, else
 * train), in record order: one scan of run_metrics for every run, not a
 * statement per run, so that 100,000 runs load in a fraction of a second.
 */
static int
load_metrics(struct project *p, struct listing *ls, char **err)
{
	sqlite3_stmt *st = NULL;
	unsigned char *test = NULL;	/* the row holds test metrics */
	size_t memo = 0, hint = 0;
	int s;

	if (ls->n == 0)
		return 0;
	if ((test = calloc(ls->n, 1)) == NULL)
		return err_set(err, "out of memory");
	if (db_prepare(p, "SELECT run_id, name, split = 'test', value FROM run_metrics "
	    "ORDER BY rowid", &st, err) != 0) {
		free(test);
		return -1;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct row *r = row_by_id(ls, sqlite3_column_int64(st, 0), &hint);
		if (r == NULL)
			continue;
		size_t i = (size_t)(r - ls->rows);
		int is_test = sqlite3_column_int(st, 2) != 0;
		if (is_test && !test[i]) {	/* test metrics replace train ones */
			test[i] = 1;
			r->nm = 0;
		} else if (!is_test && test[i]) {
			continue;
		}
		r->on = is_test;
		if (r->nm == ROW_METRICS)
			continue;
		const char *name = intern(ls, (const char *)sqlite3_column_text(st, 1), &memo);
		if (name == NULL) {
			sqlite3_finalize(st);
			free(test);
			return err_set(err, "out of memory");
		}
		r->mname[r->nm] = name;
		r->msd[r->nm] = NAN;
		r->mval[r->nm++] = sqlite3_column_double(st, 3);
	}
	sqlite3_finalize(st);
	free(test);
	if (s != SQLITE_DONE)
		return db_fail(p, err);
	/* a cross-validated run's headline metrics are its means over the
	 * folds (with their std), which replace the refit's */
	if (db_prepare(p, "SELECT run_id, name, mean, std FROM run_cv_metrics ORDER BY run_id, "
	    "rowid", &st, err) != 0)
		return -1;
	hint = 0;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct row *r = row_by_id(ls, sqlite3_column_int64(st, 0), &hint);
		if (r == NULL)
			continue;
		if (r->on != 2) {
			r->on = 2;
			r->nm = 0;
		}
		if (r->nm == ROW_METRICS)
			continue;
		const char *name = intern(ls, (const char *)sqlite3_column_text(st, 1), &memo);
		if (name == NULL) {
			sqlite3_finalize(st);
			return err_set(err, "out of memory");
		}
		r->mname[r->nm] = name;
		r->mval[r->nm] = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 2);
		r->msd[r->nm++] = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN :
		    sqlite3_column_double(st, 3);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_fail(p, err);
	for (size_t i = 0; i < ls->n; i++) {
		struct row *r = &ls->rows[i];
		if (r->on == 2) {
			struct split_spec sp;
			char *serr = NULL;
			if (split_record_parse(r->split, &sp, &serr) == 0 && sp.repeats > 1)
				snprintf(r->on_label, sizeof r->on_label, "cv %dx%d", sp.folds,
				    sp.repeats);
			else
				snprintf(r->on_label, sizeof r->on_label, "cv %d", sp.folds);
			split_spec_clear(&sp);
			free(serr);
		} else if (r->on >= 0) {
			snprintf(r->on_label, sizeof r->on_label, "%s", r->on ? "test" : "train");
		}
	}
	return 0;
}

/* Every tag of the listed runs, in one statement. */
static int
load_tags(struct project *p, struct listing *ls, char **err)
{
	sqlite3_stmt *st = NULL;
	size_t hint = 0;
	int s;
	if (db_prepare(p, "SELECT run_id, key, value FROM run_tags ORDER BY run_id, key", &st,
	    err) != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct row *r = row_by_id(ls, sqlite3_column_int64(st, 0), &hint);
		if (r == NULL)
			continue;
		char **k = realloc(r->tagk, (r->ntags + 1) * sizeof *k);
		if (k == NULL)
			goto oom;
		r->tagk = k;
		char **v = realloc(r->tagv, (r->ntags + 1) * sizeof *v);
		if (v == NULL)
			goto oom;
		r->tagv = v;
		k[r->ntags] = col(st, 1);
		v[r->ntags] = col(st, 2);
		r->ntags++;
		if (k[r->ntags - 1] == NULL || v[r->ntags - 1] == NULL)
			goto oom;
	}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : db_fail(p, err);
oom:
	sqlite3_finalize(st);
	return err_set(err, "out of memory");
}

/* Keep only the rows the --where expression holds for. */
static int
apply_where(struct listing *ls, char **err)
{
	struct runs_where *w = NULL;
	unsigned char *keep = NULL;
	if (runs_where_parse(ls->where, &w, err) != 0)
		return -1;
	if ((keep = malloc(ls->n ? ls->n : 1)) == NULL) {
		runs_where_free(w);
		return err_set(err, "out of memory");
	}
	if (runs_where_eval(w, ls->n, where_get, field_known, ls, keep, err) != 0) {
		free(keep);
		runs_where_free(w);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < ls->n; i++) {
		if (keep[i])
			ls->rows[m++] = ls->rows[i];
		else
			row_clear(&ls->rows[i]);
	}
	ls->n = m;
	free(keep);
	runs_where_free(w);
	return 0;
}

/* ------------------------------------------------------------------ */
/* printing                                                            */

static void
print_json(struct listing *ls, size_t shown, struct sbuf *b)
{
	struct jw w;
	jw_init(&w, b, 0);
	jw_obj(&w);
	jw_key(&w, "runs");
	jw_arr(&w);
	for (size_t i = 0; i < shown; i++) {
		const struct row *r = &ls->rows[i];
		jw_obj(&w);
		jw_key(&w, "id"); jw_int(&w, r->id);
		jw_key(&w, "status"); jw_str(&w, r->status);
		jw_key(&w, "experiment"); if (*r->experiment) jw_str(&w, r->experiment); else jw_null(&w);
		jw_key(&w, "dataset"); jw_str(&w, r->dataset);
		jw_key(&w, "task"); jw_str(&w, r->task);
		jw_key(&w, "algo"); jw_str(&w, r->algo);
		jw_key(&w, "target"); if (*r->target) jw_str(&w, r->target); else jw_null(&w);
		jw_key(&w, "params"); jw_raw(&w, r->params);
		jw_key(&w, "metrics_on");
		if (r->on >= 0)
			jw_str(&w, r->on == 2 ? "cv" : r->on ? "test" : "train");
		else
			jw_null(&w);
		jw_key(&w, "metrics");
		jw_obj(&w);
		for (int k = 0; k < r->nm; k++) {
			jw_key(&w, r->mname[k]);
			jw_num(&w, r->mval[k]);
		}
		jw_obj_end(&w);
		jw_key(&w, "metrics_std");
		if (r->on == 2) {
			jw_obj(&w);
			for (int k = 0; k < r->nm; k++) {
				jw_key(&w, r->mname[k]);
				jw_num(&w, r->msd[k]);
			}
			jw_obj_end(&w);
		} else {
			jw_null(&w);
		}
		jw_key(&w, "tags");
		jw_obj(&w);
		for (size_t k = 0; k < r->ntags; k++) {
			jw_key(&w, r->tagk[k]);
			jw_str(&w, r->tagv[k]);
		}
		jw_obj_end(&w);
		jw_key(&w, "note"); jw_str(&w, r->note);
		jw_key(&w, "archived"); jw_bool(&w, r->archived);
		jw_key(&w, "created"); jw_str(&w, r->created);
		jw_key(&w, "duration"); jw_num(&w, r->duration);
		jw_key(&w, "error"); if (*r->error) jw_str(&w, r->error); else jw_null(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	sbuf_putc(b, '\n');
}

/* The line printed when nothing is listed, saying what was asked for. */
static int
print_empty(struct project *p, struct listing *ls, struct sbuf *b, char **err)
{
	long long total = 0, archived = 0;
	if (count_runs(p, &total, &archived, err) != 0)
		return -1;
	if (total == 0) {
		sbuf_puts(b, "no runs yet (start one with 'lathe train')\n");
		return 0;
	}
	sbuf_printf(b, "no %s%s%sruns", ls->archived == 1 ? "archived " : "",
	    ls->status ? ls->status : "", ls->status ? " " : "");
	if (ls->exp)
		sbuf_printf(b, " in experiment '%s'", ls->exp);
	if (ls->where)
		sbuf_puts(b, " matching --where");
	sbuf_printf(b, " (%lld run%s in all", total, total == 1 ? "" : "s");
	if (archived && ls->archived == 0)
		sbuf_printf(b, ", %lld archived: see --archived", archived);
	sbuf_puts(b, ")\n");
	return 0;
}

/* The chosen --columns, split at commas (names borrowed from a copy the
 * caller frees); each must be a field.  0 or -1 with *err. */
static int
split_columns(struct listing *ls, char *list, const char **names, int max, int *n, char **err)
{
	*n = 0;
	for (char *s = list, *save = NULL, *tok; (tok = strtok_r(s, ",", &save)) != NULL; s = NULL) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (*n == max)
			return err_set(err, "--columns: at most %d columns", max);
		int found = field_known(ls, tok);
		for (size_t i = 0; i < ls->n && !found; i++) {
			const char *text = NULL;
			double num = NAN;
			found = get_field(ls, &ls->rows[i], tok, &text, &num);
		}
		if (!found)
			return err_set(err, "--columns: unknown field '%s' (no listed run has a metric, "
			    "parameter or tag by that name)", tok);
		names[(*n)++] = tok;
	}
	if (*n == 0)
		return err_set(err, "--columns: no field named (e.g. --columns accuracy,C,owner)");
	return 0;
}

static int
print_table(struct listing *ls, size_t shown, struct sbuf *b, char **err)
{
	const char *mcols[16];
	char *list = NULL;
	int nmc = 0, chosen = ls->columns != NULL, rc = -1;
	struct texttab *t = NULL;

	if (chosen) {
		if ((list = str_dup(ls->columns)) == NULL)
			return err_set(err, "out of memory");
		if (split_columns(ls, list, mcols, 10, &nmc, err) != 0)
			goto out;
	} else {
		if (sort_key)
			mcols[nmc++] = sort_key;
		for (size_t q = 0; q < ARRAY_LEN(preferred) && nmc < 4; q++) {
			int present = 0;
			if (sort_key && strcmp(preferred[q], sort_key) == 0)
				continue;
			for (size_t i = 0; i < shown && !present; i++)
				present = !isnan(metric_of(&ls->rows[i], preferred[q]));
			if (present)
				mcols[nmc++] = preferred[q];
		}
	}
	const char *hdr[20] = { "RUN", "STATUS", "EXPERIMENT", "DATASET", "ALGO", "TARGET",
		"ON" };
	int nh = 7;
	for (int q = 0; q < nmc; q++)
		hdr[nh++] = mcols[q];
	hdr[nh++] = "TIME";
	hdr[nh++] = "CREATED";
	if ((t = texttab_new((size_t)nh)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	texttab_header(t, hdr);
	texttab_right(t, 0);
	for (int q = 0; q < nmc + 1; q++)
		texttab_right(t, (size_t)(7 + q));
	texttab_limit(t, 2, 16);
	for (size_t i = 0; i < shown; i++) {
		struct row *r = &ls->rows[i];
		texttab_cellf(t, "%lld", (long long)r->id);
		if (r->archived)
			texttab_cellf(t, "%s, archived", r->status);
		else
			texttab_cell(t, r->status);
		texttab_cell(t, r->experiment);
		texttab_cell(t, r->dataset);
		texttab_cell(t, r->algo);
		texttab_cell(t, r->target);
		/* a score on the training rows is marked where it is read */
		texttab_cell(t, flattering(r) ? "train!" : r->on_label);
		for (int q = 0; q < nmc; q++) {
			const char *text = NULL;
			double v = NAN, sd = NAN;
			char buf[32];
			if (!chosen)
				v = metric_of(r, mcols[q]);
			else if (!get_field(ls, r, mcols[q], &text, &v))
				v = NAN;
			if (!text && !isnan(v) && r->on == 2)
				for (int k = 0; k < r->nm; k++)
					if (r->mval[k] == v && (strcmp(r->mname[k], mcols[q]) == 0 ||
					    (strncmp(mcols[q], "metric.", 7) == 0 &&
					    strcmp(r->mname[k], mcols[q] + 7) == 0)))
						sd = r->msd[k];
			if (text)
				texttab_cell(t, text);
			else if (isnan(v))
				texttab_cell(t, "");
			else if (!isnan(sd))
				texttab_cellf(t, "%.4f ± %.4f", v, sd);
			else if (!chosen || metrics_lookup(mcols[q]) ||
			    strncmp(mcols[q], "metric.", 7) == 0)
				texttab_cellf(t, "%.4f", v);
			else
				texttab_cell(t, fmt_double(buf, v));
		}
		if (isnan(r->duration))
			texttab_cell(t, "");
		else
			texttab_cellf(t, "%.2fs", r->duration);
		texttab_cell(t, r->created);
	}
	if (texttab_render(t, b) != 0)
		b->oom = 1;
	rc = 0;
out:
	texttab_free(t);
	free(list);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the command                                                         */

/* Parse the listing's options.  0 to go on, else *status is the exit. */
static int
parse_listing(struct cmd_ctx *ctx, int argc, char **argv, struct listing *ls, int *status)
{
	static const struct option lo[] = {
		{ "experiment", required_argument, NULL, OPT_EXP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "where", required_argument, NULL, OPT_WHERE },
		{ "columns", required_argument, NULL, OPT_COLUMNS },
		{ "archived", no_argument, NULL, OPT_ARCHIVED },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "include-train-metrics", no_argument, NULL, OPT_INCL_TRAIN },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	int c;
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_EXP: ls->exp = optarg; break;
		case OPT_SORT: ls->sort = optarg; break;
		case OPT_STATUS: ls->status = optarg; break;
		case OPT_WHERE: ls->where = optarg; break;
		case OPT_COLUMNS: ls->columns = optarg; break;
		case OPT_ARCHIVED: ls->archived = ls->archived == 2 ? 2 : 1; break;
		case OPT_ALL: ls->archived = 2; break;
		case OPT_INCL_TRAIN: ls->include_train = 1; break;
		case OPT_LIMIT:
			if (cmd_optlong(ctx, optarg, 1, LONG_MAX, &ls->limit) != 0) {
				*status = EXIT_USAGE;
				return 1;
			}
			break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, status))
				return 1;
		}
	}
	if (optind < argc) {
		*status = cmd_usage(ctx, "unexpected argument '%s' (subcommands: tag, note, archive, "
		    "unarchive, delete, which come first)", argv[optind]);
		return 1;
	}
	if (ls->include_train && ls->sort == NULL) {
		*status = cmd_usage(ctx, "--include-train-metrics goes with --sort (without it "
		    "every run is listed)");
		return 1;
	}
	enum run_status want;
	if (ls->status && run_status_parse(ls->status, &want) != 0) {
		*status = cmd_usage(ctx, "bad --status '%s' (expected queued, running, finished, "
		    "failed or cancelled)", ls->status);
		return 1;
	}
	sort_key = NULL;
	if (ls->sort) {
		const char *sort = ls->sort;
		char sign = *sort == '-' || *sort == '+' ? *sort : 0;
		if (sign)
			sort++;
		const struct metrics_info *mi = metrics_lookup(sort);
		if (mi == NULL) {
			struct sbuf names;
			sbuf_init(&names);
			for (size_t i = 0; i < metrics_table_len; i++)
				sbuf_printf(&names, "%s%s", i ? ", " : "", metrics_table[i].name);
			*status = cmd_usage(ctx, "unknown metric '%s' for --sort (metrics: %s)", sort,
			    names.s);
			sbuf_free(&names);
			return 1;
		}
		/* +metric high first, -metric low first, else best first (as the
		 * workbench's runs table sorts a metric column) */
		sort_desc = sign ? sign == '+' : mi->higher_is_better;
		sort_key = sort;
	}
	return 0;
}

static int
cmd_runs_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct listing ls = { 0 };
	struct project *p = NULL;
	sqlite3_stmt *st = NULL;
	struct sbuf b;
	int rc = EXIT_USER;
	char *err = NULL;

	if (cmd_runs_admin_find(ctx, argc, argv, &rc))
		return rc;
	if (parse_listing(ctx, argc, argv, &ls, &rc))
		return rc;
	sbuf_init(&b);
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	run_reap_dead(p, NULL, NULL);	/* a run nobody will settle says so */
	if (ls.exp) {
		if (db_prepare(p, "SELECT 1 FROM experiments WHERE name = ?1", &st, &err) != 0)
			goto dbfail;
		sqlite3_bind_text(st, 1, ls.exp, -1, SQLITE_STATIC);
		int found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		st = NULL;
		if (!found) {
			rc = cmd_fail("no experiment named '%s'", ls.exp);
			goto out;
		}
	}
	if (load_rows(p, &ls, &err) != 0 || load_metrics(p, &ls, &err) != 0 ||
	    load_tags(p, &ls, &err) != 0)
		goto dbfail;
	if (ls.where && apply_where(&ls, &err) != 0)
		goto dbfail;
	/* a leaderboard leaves out scores measured on the rows the model
	 * learnt from: they flatter it */
	if (sort_key && !ls.include_train) {
		size_t k = 0;
		for (size_t i = 0; i < ls.n; i++) {
			if (flattering(&ls.rows[i]) && !isnan(metric_of(&ls.rows[i], sort_key))) {
				row_clear(&ls.rows[i]);
				ls.left_out++;
				continue;
			}
			ls.rows[k++] = ls.rows[i];
		}
		ls.n = k;
	}
	if (ls.n > 1)	/* rows is NULL when nothing matched: qsort must not see it */
		qsort(ls.rows, ls.n, sizeof *ls.rows, cmp_rows);
	size_t shown = ls.limit > 0 && (size_t)ls.limit < ls.n ? (size_t)ls.limit : ls.n;

	if (ctx->json)
		print_json(&ls, shown, &b);
	else if (shown == 0 && print_empty(p, &ls, &b, &err) != 0)
		goto dbfail;
	else if (shown > 0 && print_table(&ls, shown, &b, &err) != 0)
		goto dbfail;
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	if (rc == EXIT_OK && ls.left_out && !ctx->json)
		fprintf(stderr, "(%zu run%s scored on %s training rows left out: "
		    "--include-train-metrics lists %s)\n", ls.left_out, ls.left_out == 1 ? "" : "s",
		    ls.left_out == 1 ? "its" : "their", ls.left_out == 1 ? "it" : "them");
	goto out;
dbfail:
	if (err == NULL)
		db_fail(p, &err);
	rc = cmd_fail_err(err);
out:
	sqlite3_finalize(st);
	rows_free(ls.rows, ls.n);
	for (size_t k = 0; k < ls.nnames; k++)
		free(ls.names[k]);
	free(ls.names);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.args = "[--experiment NAME] [--status S] [--where EXPR] [--sort METRIC "
	    "[--include-train-metrics]] [--columns LIST] "
	    "[--limit N] [--archived | --all] [--json] | tag RUN KEY=VALUE... | note RUN TEXT | "
	    "archive|unarchive RUN... | delete RUN... [--vacuum]",
	.summary = "List runs with their status and metrics; tag, note, archive, delete them.",
	.help =
	    "Metrics shown are a cross-validated run's means over its folds (\"0.9667 ±\n"
	    "0.0236\": mean ± sample std; column ON says \"cv 5\", or \"cv 5x3\" repeated),\n"
	    "else those of the test split, else of the training split when the run held\n"
	    "nothing out (ON \"train!\": a classifier or regressor scored on the rows it\n"
	    "learnt from; \"train\" for clustering and projection, always scored so).\n"
	    "--sort puts the best first by the metric's own direction (accuracy high,\n"
	    "rmse low); prefix + or - to force high-first or low-first.  Runs without the\n"
	    "metric come last, and \"train!\" runs are left out (a note on stderr counts\n"
	    "them) unless --include-train-metrics is given.\n"
	    "Without --sort, newest first.\n"
	    "Archived runs are left out unless --archived (only them) or --all.\n"
	    "A queued or running run whose processes are all gone (both killed, a reboot)\n"
	    "is marked failed here: \"training process disappeared\".\n"
	    "\n"
	    "options:\n"
	    "  --experiment NAME    only runs of this experiment\n"
	    "  --status S           only queued, running, finished, failed or cancelled runs\n"
	    "  --where EXPR         only runs for which EXPR is true; EXPR is the recipe's\n"
	    "                       expression language over run fields: id, status,\n"
	    "                       experiment, dataset, task, algo, target, duration,\n"
	    "                       created, note, archived, error, every metric, parameter\n"
	    "                       and tag (metric.NAME, param.NAME, tag.NAME to be\n"
	    "                       explicit), e.g. \"accuracy > 0.9 && algo == 'gbdt'\"\n"
	    "  --sort METRIC        accuracy, balanced_accuracy, f1_macro, roc_auc, log_loss,\n"
	    "                       r2, rmse, mae, mape, inertia, silhouette, ...\n"
	    "  --columns LIST       show these fields (metrics, parameters, tags, ...) as\n"
	    "                       the columns after TARGET, e.g. accuracy,C,owner\n"
	    "  --limit N            at most N runs\n"
	    "  --include-train-metrics  with --sort, also rank runs scored on their\n"
	    "                       training rows (--test-size 0 without --cv)\n"
	    "  --archived           only archived runs\n"
	    "  --all                archived runs too\n"
	    "  --json               print {\"runs\": [{\"id\", \"status\", \"experiment\", \"dataset\",\n"
	    "                       \"task\", \"algo\", \"target\", \"params\", \"metrics_on\":\n"
	    "                       \"cv\"|\"test\"|\"train\"|null, \"metrics\", \"metrics_std\"\n"
	    "                       (cv: {name: std}, else null), \"tags\", \"note\",\n"
	    "                       \"archived\", \"created\", \"duration\", \"error\"}]}\n"
	    "\n"
	    "housekeeping (each one transaction: all of it, or nothing when refused):\n"
	    "  tag RUN KEY=VALUE... set tags (KEY: letters, digits, '_'); KEY= removes one\n"
	    "  note RUN TEXT        set the run's note (the words joined); '' clears it\n"
	    "  archive RUN...       hide runs from 'lathe runs' (kept whole; see --archived)\n"
	    "  unarchive RUN...     show them again\n"
	    "  delete RUN...        delete runs with their metrics, curves, model and other\n"
	    "                       artifacts, tags (also 'rm').  Refused for a registered\n"
	    "                       model's run, a queued or running run, and a run re-run\n"
	    "                       by another not deleted with it.  --vacuum then shrinks\n"
	    "                       the project file (else freed pages are reused)\n"
	    "Tags, note and archived show in 'lathe show' and in --json.\n",
	.exec = cmd_runs_exec,
};
