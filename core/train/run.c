/*
 * run.c — run requests, records and child processes; see run.h.
 * The training itself (what the child does) is in run_exec.c.
 */
#include "run.h"
#include "params.h"
#include "split.h"
#include "base/jsonw.h"
#include "base/proc.h"
#include "base/util.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "linalg/linalg.h"
#include "store/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = { "queued", "running", "finished", "failed",
	"cancelled" };

const char *
run_status_name(enum run_status s)
{
	return (unsigned)s < ARRAY_LEN(status_names) ? status_names[s] : "?";
}

int
run_status_parse(const char *s, enum run_status *out)
{
	for (size_t i = 0; i < ARRAY_LEN(status_names); i++)
		if (s && strcmp(s, status_names[i]) == 0) {
			*out = (enum run_status)i;
			return 0;
		}
	return -1;
}

int
run_ref_parse(const char *ref, int64_t *id, char **err)
{
	const char *p = ref;
	char *end;
	if (*p == 'r' || *p == 'R')
		p++;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	if (*p == '\0' || *end != '\0' || v < 1 || errno)
		return err_set(err, "bad run id '%s' (expected a number such as 17 or r17)", ref);
	*id = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* validating a request                                                */

static const char *
algo_list(const struct plugin_set *ps, struct sbuf *b)
{
	for (size_t i = 0; i < ps->n; i++)
		sbuf_printf(b, "%s%s", i ? ", " : "", ps->v[i].desc->name);
	return ps->n ? b->s : "none loaded; see 'lathe plugins'";
}

static const char *
tasks_text(unsigned tasks, char *buf, size_t n)
{
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned t = 1; t <= 8; t <<= 1)
		if (tasks & t)
			o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? " and " : "", task_name(t));
	return buf;
}

/* Describe the environment a run executes in, as JSON. */
static char *
env_json(int threads)
{
	struct linalg_blas_info bi;
	struct utsname u;
	struct sbuf b;
	struct jw w;
	char lapack[32], os[300];

	linalg_blas_info(&bi);
	if (uname(&u) != 0)
		memset(&u, 0, sizeof u);
	snprintf(lapack, sizeof lapack, "%d.%d.%d", bi.lapack_major, bi.lapack_minor,
	    bi.lapack_patch);
	snprintf(os, sizeof os, "%s %s %s", u.sysname, u.release, u.machine);
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "lathe"); jw_str(&w, LATHE_VERSION);
	jw_key(&w, "blas"); jw_str(&w, bi.config);
	jw_key(&w, "blas_core"); jw_str(&w, bi.corename);
	jw_key(&w, "blas_threads"); jw_int(&w, threads);
	jw_key(&w, "lapack"); jw_str(&w, lapack);
	jw_key(&w, "sqlite"); jw_str(&w, sqlite3_libversion());
	jw_key(&w, "host"); jw_str(&w, u.nodename);
	jw_key(&w, "os"); jw_str(&w, os);
	jw_key(&w, "cpus"); jw_int(&w, sysconf(_SC_NPROCESSORS_ONLN));
	jw_obj_end(&w);
	return sbuf_detach(&b);
}

static int
find_column(const struct table *t, const char *name)
{
	for (size_t j = 0; j < t->ncols; j++)
		if (strcmp(t->cols[j].name, name) == 0)
			return (int)j;
	return -1;
}

/* The first missing row of a target column, or -1. */
static long
first_missing(const struct column *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (c->kind == COL_NUMERIC ? isnan(((const double *)c->chunks[0].data)[i])
		    : ((const uint32_t *)c->chunks[0].data)[i] == CODE_NA)
			return (long)i;
	}
	return -1;
}

/* Count missing and infinite values of column c in its first n rows. */
static void
count_problems(const struct column *c, size_t n, size_t *missing, size_t *inf)
{
	*missing = *inf = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->kind == COL_NUMERIC) {
			double x = ((const double *)c->chunks[0].data)[i];
			*missing += isnan(x) != 0;
			*inf += isinf(x) != 0;
		} else {
			*missing += ((const uint32_t *)c->chunks[0].data)[i] == CODE_NA;
		}
	}
}

/*
 * The recipe check before a run is recorded fits the recipe on the first
 * rows (sample, of table t).  A missing or infinite value further down
 * would only fail the run once it trains, so where a column's statistics
 * (which cover every row) show more of them than the sample holds, the
 * first row holding each kind is added and the check made again on the
 * whole dataset's rows (full, loaded here).  0, or -1 with *err saying
 * what the recipe leaves, with the dataset's row number.
 */
static int
check_far_rows(struct project *p, const struct dsver *v, const struct table *t,
    const char *target, const char *rtext, const char *origin, int allow_missing,
    char **err)
{
	size_t ns = t->nrows, *rows = NULL, nr = 0;
	struct table *full = NULL;
	struct recipe *rec = NULL;
	struct frame *fr = NULL;
	unsigned char *want_miss = NULL, *want_inf = NULL;
	int rc = -1, need = 0;

	if ((want_miss = calloc(t->ncols + 1, 1)) == NULL ||
	    (want_inf = calloc(t->ncols + 1, 1)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < t->ncols; j++) {
		const struct column *c = &t->cols[j];
		size_t m, k;
		if (target && strcmp(c->name, target) == 0)
			continue;
		count_problems(c, ns, &m, &k);
		size_t infs = c->st.pos_inf == SIZE_MAX || c->st.neg_inf == SIZE_MAX ? 0 :
		    c->st.pos_inf + c->st.neg_inf;
		want_miss[j] = c->st.missing > m && m == 0;
		want_inf[j] = c->kind == COL_NUMERIC && infs > k && k == 0;
		need |= want_miss[j] | want_inf[j];
	}
	if (!need) {
		rc = 0;
		goto out;
	}
	if (dataset_load(p, v, SIZE_MAX, &full, err) != 0)
		goto out;
	if ((rows = malloc((ns + 2 * t->ncols) * sizeof *rows)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ns; i++)
		rows[nr++] = i;
	for (size_t j = 0; j < full->ncols; j++) {
		const struct column *c = &full->cols[j];
		int got_m = !want_miss[j], got_i = !want_inf[j];
		for (size_t i = ns; i < full->nrows && !(got_m && got_i); i++) {
			int miss, inf = 0;
			if (c->kind == COL_NUMERIC) {
				double x = ((const double *)c->chunks[0].data)[i];
				miss = isnan(x);
				inf = isinf(x);
			} else {
				miss = ((const uint32_t *)c->chunks[0].data)[i] == CODE_NA;
			}
			if ((miss && !got_m) || (inf && !got_i)) {
				rows[nr++] = i;
				got_m |= miss;
				got_i |= inf;
			}
		}
	}
	if ((fr = frame_from_table(full, rows, nr, target)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (recipe_parse(rtext, origin, &rec, err) != 0 || recipe_fit(rec, fr, err) != 0)
		goto out;
	rc = frame_check_model_input(fr, NULL, rows, allow_missing, err);
out:
	frame_free(fr);
	recipe_free(rec);
	table_free(full);
	free(rows);
	free(want_miss);
	free(want_inf);
	return rc;
}

/*
 * run_create as phases on one state object (STYLE rule 18): each checks
 * one part of the request against the project — algorithm and
 * parameters, target column, task, target values, split, recipe — and the
 * last records the run.  Nothing is written until every check passed.
 */
struct create_state {
	struct project		*p;
	const struct run_request *rq;
	struct dsver		 v;
	struct table		*t;		/* the first rows of every column */
	struct table		*tt;		/* the whole target column */
	int			 tcol;		/* in t, or -1 */
	struct plugin		*pl;
	const struct lathe_plugin *d;
	struct param_values	 pv;
	unsigned		 task;
	int			 supervised;
	size_t			 nclasses;
	double			 test_size;
	size_t			 n, ntest;
	const char		*rtext;		/* the recipe text recorded */
};

static void
create_state_free(struct create_state *c)
{
	params_free(&c->pv);
	table_free(c->t);
	table_free(c->tt);
	dsver_clear(&c->v);
}

/* The algorithm and every parameter (defaults, recorded JSON, --set). */
static int
create_algorithm(struct create_state *c, struct plugin_set *ps, char **err)
{
	const struct run_request *rq = c->rq;
	const struct plugin *cpl = plugin_find(ps, rq->algo);
	if (cpl == NULL) {
		struct sbuf b;
		sbuf_init(&b);
		err_set(err, "unknown algorithm '%s' (available: %s)", rq->algo, algo_list(ps, &b));
		sbuf_free(&b);
		return -1;
	}
	c->pl = (struct plugin *)cpl;
	c->d = c->pl->desc;
	if (params_init(&c->pv, c->d) != 0)
		return err_set(err, "out of memory");
	if (rq->params_json && params_from_json(&c->pv, rq->params_json, err) != 0)
		return -1;
	for (size_t i = 0; i < rq->nsets; i++)
		if (params_set(&c->pv, rq->sets[i], err) != 0)
			return -1;
	return 0;
}

/* The first rows of every column (for the recipe check), and the target
 * column among them, with the nearest name when it is not there. */
static int
create_columns(struct create_state *c, char **err)
{
	const char *target = c->rq->target;
	if (dataset_load(c->p, &c->v, 2000, &c->t, err) != 0)
		return -1;
	c->tcol = -1;
	if (target == NULL)
		return 0;
	c->tcol = find_column(c->t, target);
	if (c->tcol >= 0)
		return 0;
	const char *near = NULL;
	struct sbuf cols;
	sbuf_init(&cols);
	for (size_t j = 0; j < c->t->ncols; j++) {
		if (strcasecmp(c->t->cols[j].name, target) == 0)
			near = c->t->cols[j].name;
		if (j < 40)
			sbuf_printf(&cols, "%s%s", j ? ", " : "", c->t->cols[j].name);
	}
	if (near)
		err_set(err, "no column '%s' in %s@%d (did you mean '%s'?)", target, c->v.name,
		    c->v.version, near);
	else
		err_set(err, "no column '%s' in %s@%d (columns: %s)", target, c->v.name,
		    c->v.version, cols.s ? cols.s : "");
	sbuf_free(&cols);
	return -1;
}

/* The task: --task, else inferred from the target and the algorithm. */
static int
create_task(struct create_state *c, char **err)
{
	const struct lathe_plugin *d = c->d;
	char tbuf[64];

	if (c->tcol >= 0 && !(d->tasks & (LATHE_TASK_REGRESSION | LATHE_TASK_CLASSIFICATION)))
		return err_set(err, "algorithm '%s' does %s, which takes no --target", d->name,
		    tasks_text(d->tasks, tbuf, sizeof tbuf));
	if (c->rq->task) {
		if (task_parse(c->rq->task, &c->task) != 0)
			return err_set(err, "unknown task '%s' (expected regression, classification, "
			    "clustering or projection)", c->rq->task);
	} else if (c->tcol >= 0) {
		const struct column *col = &c->t->cols[c->tcol];
		if (col->kind != COL_NUMERIC || (col->st.likely_label &&
		    (d->tasks & LATHE_TASK_CLASSIFICATION)))
			c->task = LATHE_TASK_CLASSIFICATION;
		else
			c->task = LATHE_TASK_REGRESSION;
	} else if (d->tasks & LATHE_TASK_CLUSTERING) {
		c->task = LATHE_TASK_CLUSTERING;
	} else if (d->tasks & LATHE_TASK_PROJECTION) {
		c->task = LATHE_TASK_PROJECTION;
	} else {
		return err_set(err, "--target is required: %s does %s", d->name,
		    tasks_text(d->tasks, tbuf, sizeof tbuf));
	}
	if (!(d->tasks & c->task))
		return err_set(err, "algorithm '%s' does %s, not %s", d->name,
		    tasks_text(d->tasks, tbuf, sizeof tbuf), task_name(c->task));
	c->supervised = c->task == LATHE_TASK_REGRESSION || c->task == LATHE_TASK_CLASSIFICATION;
	if (c->supervised && c->tcol < 0)
		return err_set(err, "--target is required for %s", task_name(c->task));
	if (!c->supervised && c->tcol >= 0)
		return err_set(err, "%s takes no --target (it learns from every feature column)",
		    task_name(c->task));
	return 0;
}

/* The target's values, every row: present, not constant, of a kind the
 * task can learn. */
static int
create_target(struct create_state *c, char **err)
{
	if (c->tcol < 0)
		return 0;
	if (dataset_load_column(c->p, &c->v, (size_t)c->tcol, &c->tt, err) != 0)
		return -1;
	const struct column *col = &c->tt->cols[0];
	if (col->st.count == 0)
		return err_set(err, "target '%s' has no values (every row is missing)", col->name);
	long miss = first_missing(col, c->tt->nrows);
	if (miss >= 0)
		return err_set(err, "target '%s' has %zu missing value%s (first in row %ld); drop "
		    "those rows or choose another target", col->name, col->st.missing,
		    col->st.missing == 1 ? "" : "s", miss + 1);
	if (col->st.distinct < 2)
		return err_set(err, "target '%s' is constant (every row is %s): nothing to learn",
		    col->name, col->st.ntop ? col->st.top[0].label : "the same");
	if (c->task == LATHE_TASK_REGRESSION && col->kind != COL_NUMERIC)
		return err_set(err, "target '%s' is %s: regression needs a numeric target",
		    col->name, col_kind_name(col->kind));
	if (c->task == LATHE_TASK_CLASSIFICATION && col->kind == COL_TEXT)
		return err_set(err, "target '%s' is free text (%zu distinct values), not a class "
		    "label", col->name, col->st.distinct);
	if (c->task == LATHE_TASK_CLASSIFICATION)
		c->nclasses = col->st.distinct;
	if (c->task == LATHE_TASK_CLASSIFICATION && c->nclasses > 1000)
		return err_set(err, "target '%s' has %zu distinct values: too many classes (at "
		    "most 1000); is this a regression target?", col->name, c->nclasses);
	return 0;
}

/*
 * Cross-validation as one run: a supervised task, enough training rows for
 * the folds (the rows the holdout leaves, when there is one), and a
 * grouping column that exists, has no missing values and enough groups.
 * A fold may lack a rare class: its metrics that need every class are then
 * left out of that fold (run_cv_metrics.n counts the folds that had them).
 */
static int
create_cv(struct create_state *c, char **err)
{
	const struct run_request *rq = c->rq;
	size_t ntrain = c->n - c->ntest;
	struct table *gt = NULL;
	int rc = -1;

	if (!c->supervised)
		return err_set(err, "cross-validation needs a target: %s has no held-out score to "
		    "average", task_name(c->task));
	if (rq->cv_repeats > 1000)
		return err_set(err, "cannot repeat cross-validation %d times (at most 1000)",
		    rq->cv_repeats);
	if ((size_t)rq->cv_folds > ntrain)
		return err_set(err, "cannot make %d folds of %zu %srows", rq->cv_folds, ntrain,
		    c->ntest ? "training " : "");
	if (rq->cv_group == NULL)
		return 0;
	int gcol = find_column(c->t, rq->cv_group);
	if (gcol < 0)
		return err_set(err, "--group: no column '%s' in %s@%d", rq->cv_group, c->v.name,
		    c->v.version);
	if (rq->target && strcmp(rq->cv_group, rq->target) == 0)
		return err_set(err, "--group: '%s' is the target", rq->cv_group);
	if (dataset_load_column(c->p, &c->v, (size_t)gcol, &gt, err) != 0)
		return -1;
	const struct column *col = &gt->cols[0];
	long miss = first_missing(col, gt->nrows);
	if (miss >= 0) {
		err_set(err, "--group: column '%s' has %zu missing value%s (first in row %ld); every "
		    "row needs a group", col->name, col->st.missing, col->st.missing == 1 ? "" : "s",
		    miss + 1);
		goto out;
	}
	/* the holdout may take some groups away: the child checks the rest */
	if (col->st.distinct < (size_t)rq->cv_folds) {
		err_set(err, "--group: column '%s' has %zu distinct value%s: cannot make %d folds",
		    col->name, col->st.distinct, col->st.distinct == 1 ? "" : "s", rq->cv_folds);
		goto out;
	}
	rc = 0;
out:
	table_free(gt);
	return rc;
}

/* The split: enough rows on both sides, and every class can be tested. */
static int
create_split(struct create_state *c, char **err)
{
	const struct run_request *rq = c->rq;
	double test_size = rq->test_size >= 0 ? rq->test_size : c->supervised ?
	    RUN_DEFAULT_TEST_SIZE : 0;
	if (!(test_size >= 0 && test_size < 1))
		return err_set(err, "--test-size %g is outside [0, 1)", test_size);
	size_t n = c->v.nrows;
	size_t ntest = test_size > 0 ? (size_t)ceil(test_size * (double)n - 1e-9) : 0;
	if (test_size > 0 && ntest == 0)
		ntest = 1;
	if (n < 2 || ntest >= n)
		return err_set(err, "too few rows for the split: %s@%d has %zu row%s, and a test "
		    "size of %g leaves %zu for training", c->v.name, c->v.version, n,
		    n == 1 ? "" : "s", test_size, n > ntest ? n - ntest : 0);
	c->test_size = test_size;
	c->n = n;
	c->ntest = ntest;
	if (rq->cv_folds > 1 && rq->cv_repeats == 0) {
		if ((size_t)rq->cv_folds > n)
			return err_set(err, "cannot make %d folds of %zu rows", rq->cv_folds, n);
		ntest = n / (size_t)rq->cv_folds;	/* the smallest fold */
	}
	if (c->task == LATHE_TASK_CLASSIFICATION && ntest > 0 && ntest < c->nclasses)
		return err_set(err, "the test split would have %zu rows but target '%s' has %zu "
		    "classes; use a larger --test-size or more data", ntest, rq->target,
		    c->nclasses);
	if (rq->cv_folds > 1 && rq->cv_repeats > 0)
		return create_cv(c, err);
	return 0;
}

/* The recipe, fitted on the first rows (and the far rows that hold what
 * they lack) to catch every mistake before a run exists. */
static int
create_recipe(struct create_state *c, char **err)
{
	const struct run_request *rq = c->rq;
	const char *origin = rq->recipe_origin ? rq->recipe_origin : "recipe";
	struct recipe *rec = NULL;
	struct frame *fr = NULL;
	int rc = -1;

	c->rtext = rq->recipe_text ? rq->recipe_text : recipe_default_for(plugin_caps(c->d));
	if (recipe_parse(c->rtext, origin, &rec, err) != 0)
		goto out;
	if ((fr = frame_from_table(c->t, NULL, 0, rq->target)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (recipe_fit(rec, fr, err) != 0)
		goto out;
	if (fr->ncols == 0) {
		err_set(err, "the recipe leaves no feature columns");
		goto out;
	}
	/* strings, missing or infinite values the recipe leaves in these
	 * rows: refused before a run exists (rows are the dataset's) */
	if (frame_check_model_input(fr, NULL, NULL, plugin_caps(c->d) & LATHE_CAP_MISSING,
	    err) != 0 ||
	    check_far_rows(c->p, &c->v, c->t, rq->target, c->rtext, origin,
	    plugin_caps(c->d) & LATHE_CAP_MISSING, err) != 0)
		goto out;
	rc = 0;
out:
	frame_free(fr);
	recipe_free(rec);
	return rc;
}

/* The split record, as JSON (caller frees); NULL when out of memory. */
static char *
create_split_json(const struct create_state *c)
{
	struct sbuf b;
	struct jw w;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	int cv = c->rq->cv_folds > 1 && c->rq->cv_repeats > 0;
	if (cv) {
		jw_key(&w, "method"); jw_str(&w, "cv");
		jw_key(&w, "folds"); jw_int(&w, c->rq->cv_folds);
		jw_key(&w, "repeats"); jw_int(&w, c->rq->cv_repeats);
		jw_key(&w, "group");
		if (c->rq->cv_group)
			jw_str(&w, c->rq->cv_group);
		else
			jw_null(&w);
		jw_key(&w, "test_size"); jw_num(&w, c->test_size);
	} else if (c->rq->cv_folds > 1) {
		jw_key(&w, "method"); jw_str(&w, "kfold");
		jw_key(&w, "folds"); jw_int(&w, c->rq->cv_folds);
		jw_key(&w, "fold"); jw_int(&w, c->rq->cv_fold);
	} else {
		jw_key(&w, "method"); jw_str(&w, "holdout");
		jw_key(&w, "test_size"); jw_num(&w, c->test_size);
	}
	/* grouped folds are not stratified (the holdout still is) */
	jw_key(&w, "stratified"); jw_bool(&w, c->task == LATHE_TASK_CLASSIFICATION &&
	    !(cv && c->rq->cv_group));
	if (c->rq->cv_folds <= 1 || cv) {
		jw_key(&w, "n_train"); jw_int(&w, (int64_t)(c->n - c->ntest));
		jw_key(&w, "n_test"); jw_int(&w, (int64_t)c->ntest);
	}
	jw_obj_end(&w);
	return sbuf_detach(&b);
}

/* The record: the run as queued, its experiment and typed parameters, in
 * one transaction, with the identity of this (launching) process. */
static int
create_record(struct create_state *c, int64_t *run_id, char **err)
{
	struct project *p = c->p;
	const struct run_request *rq = c->rq;
	const struct lathe_plugin *d = c->d;
	sqlite3_stmt *st = NULL;
	char *params = NULL, *env = NULL, *split = NULL, ts[32];
	int rc = -1;

	struct sbuf pb;
	struct jw w;
	sbuf_init(&pb);
	jw_init(&w, &pb, 0);
	params_json(&c->pv, &w);
	params = sbuf_detach(&pb);
	split = create_split_json(c);
	int threads = rq->threads > 0 ? rq->threads : linalg_get_threads();
	env = env_json(threads);
	if (params == NULL || split == NULL || env == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	uint64_t seed = rq->have_seed ? rq->seed : RUN_DEFAULT_SEED;
	time_now_iso(ts);
	{
		/* a run that could not record its end must not be started: on a
		 * nearly full disk, refuse now, before anything is written */
		long long space = project_free_space(p);
		long long need = run_min_free();
		if (space >= 0 && space < need) {
			err_set(err, "%s: disk full: %lld KB free on its file system, and recording a "
			    "run needs at least %lld KB", p->path, space / 1024, need / 1024);
			goto out;
		}
	}
	if (project_begin(p, err) != 0)
		goto out;
	int64_t exp_id = 0;
	if (rq->experiment) {
		if (db_prepare(p, "INSERT INTO experiments(name, created) VALUES (?1, ?2) "
		    "ON CONFLICT(name) DO UPDATE SET name = name RETURNING id", &st, err) != 0)
			goto rollback;
		sqlite3_bind_text(st, 1, rq->experiment, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW) {
			db_fail(p, err);
			goto rollback;
		}
		exp_id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
	}
	if (db_prepare(p, "INSERT INTO runs(experiment_id, parent_run, dataset_version_id, "
	    "dataset_hash, target, task, algo, plugin_version, plugin_hash, plugin_path, params, "
	    "recipe, recipe_name, recipe_version, split, seed, threads, env, status, created, "
	    "host, owner_pid, owner_start) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	    "?18, 'queued', ?19, ?20, ?21, ?22) RETURNING id", &st, err) != 0)
		goto rollback;
	{
		/* the process that waits for the run: if it and the run's child
		 * both disappear, run_reap_dead says so (proc.h) */
		char host[256] = "", stamp[PROC_STAMP_MAX];
		gethostname(host, sizeof host - 1);
		sqlite3_bind_text(st, 20, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 21, (int64_t)getpid());
		if (proc_stamp(getpid(), stamp) == 0)
			sqlite3_bind_text(st, 22, stamp, -1, SQLITE_TRANSIENT);
	}
	if (exp_id)
		sqlite3_bind_int64(st, 1, exp_id);
	if (rq->parent_run)
		sqlite3_bind_int64(st, 2, rq->parent_run);
	sqlite3_bind_int64(st, 3, c->v.id);
	sqlite3_bind_text(st, 4, c->v.hash, -1, SQLITE_STATIC);
	if (rq->target)
		sqlite3_bind_text(st, 5, rq->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, task_name(c->task), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, d->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, c->pl->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, c->pl->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, c->rtext, -1, SQLITE_STATIC);
	if (rq->recipe_name) {
		sqlite3_bind_text(st, 13, rq->recipe_name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 14, rq->recipe_version);
	}
	sqlite3_bind_text(st, 15, split, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, (int64_t)seed);
	sqlite3_bind_int(st, 17, threads);
	sqlite3_bind_text(st, 18, env, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 19, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(p, err);
		goto rollback;
	}
	*run_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	/* typed parameters, for SQL */
	if (db_prepare(p, "INSERT INTO run_params(run_id, name, value) VALUES (?1, ?2, ?3)",
	    &st, err) != 0)
		goto rollback;
	for (size_t i = 0; i < c->pv.n; i++) {
		const struct lathe_param_spec *sp = plugin_param(d, i);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, *run_id);
		sqlite3_bind_text(st, 2, sp->name, -1, SQLITE_STATIC);
		if (sp->type == LATHE_PARAM_CHOICE)
			sqlite3_bind_text(st, 3, c->pv.str[i], -1, SQLITE_STATIC);
		else if (sp->type == LATHE_PARAM_REAL)
			sqlite3_bind_double(st, 3, c->pv.num[i]);
		else
			sqlite3_bind_int64(st, 3, (int64_t)c->pv.num[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(p, err);
			goto rollback;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (project_commit(p, err) != 0) {
		*run_id = 0;
		goto out;
	}
	rc = 0;
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	project_rollback(p);
	*run_id = 0;
out:
	sqlite3_finalize(st);
	free(params);
	free(env);
	free(split);
	return rc;
}

int
run_create(struct project *p, struct plugin_set *ps, const struct run_request *rq,
    int64_t *run_id, char **err)
{
	struct create_state c;
	int rc = -1;

	*run_id = 0;
	memset(&c, 0, sizeof c);
	c.p = p;
	c.rq = rq;
	c.tcol = -1;
	if (dataset_resolve(p, rq->dataset, &c.v, err) != 0 ||
	    create_algorithm(&c, ps, err) != 0 || create_columns(&c, err) != 0 ||
	    create_task(&c, err) != 0 || create_target(&c, err) != 0 ||
	    create_split(&c, err) != 0 || create_recipe(&c, err) != 0 ||
	    plugin_hash(c.pl, err) != 0)
		goto out;
	rc = create_record(&c, run_id, err);
out:
	create_state_free(&c);
	return rc;
}

/* ------------------------------------------------------------------ */
/* records                                                             */

void
run_info_clear(struct run_info *ri)
{
	free(ri->experiment);
	free(ri->dataset);
	free(ri->dataset_hash);
	free(ri->target);
	free(ri->task);
	free(ri->algo);
	free(ri->plugin_version);
	free(ri->plugin_hash);
	free(ri->plugin_path);
	free(ri->params);
	free(ri->recipe);
	free(ri->recipe_name);
	free(ri->split);
	free(ri->cv_group);
	free(ri->env);
	free(ri->error);
	free(ri->created);
	free(ri->started);
	free(ri->finished);
	free(ri->classes);
	free(ri->features);
	free(ri->log);
	free(ri->timings);
	memset(ri, 0, sizeof *ri);
}

int
run_load(struct project *p, const char *ref, struct run_info *ri, char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int rc = -1;

	memset(ri, 0, sizeof *ri);
	if (run_ref_parse(ref, &id, err) != 0)
		return -1;
	if (db_prepare(p, "SELECT r.id, e.name, r.parent_run, d.name || '@' || v.version, "
	    "r.dataset_version_id, r.dataset_hash, r.target, r.task, r.algo, r.plugin_version, "
	    "r.plugin_hash, r.plugin_path, r.params, r.recipe, r.recipe_name, r.recipe_version, "
	    "r.split, r.seed, r.threads, r.env, r.status, r.error, r.created, r.started, "
	    "r.finished, r.duration, r.classes, r.features, r.log, r.timings FROM runs r "
	    "LEFT JOIN experiments e ON e.id = r.experiment_id "
	    "JOIN dataset_versions v ON v.id = r.dataset_version_id "
	    "JOIN datasets d ON d.id = v.dataset_id WHERE r.id = ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		err_set(err, "no run %lld (see 'lathe runs')", (long long)id);
		goto out;
	}
	if (s != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	ri->id = sqlite3_column_int64(st, 0);
	ri->experiment = db_text_dup(st, 1);
	ri->parent_run = sqlite3_column_int64(st, 2);
	ri->dataset = db_text_dup(st, 3);
	ri->dataset_version_id = sqlite3_column_int64(st, 4);
	ri->dataset_hash = db_text_dup(st, 5);
	ri->target = db_text_dup(st, 6);
	ri->task = db_text_dup(st, 7);
	ri->algo = db_text_dup(st, 8);
	ri->plugin_version = db_text_dup(st, 9);
	ri->plugin_hash = db_text_dup(st, 10);
	ri->plugin_path = db_text_dup(st, 11);
	ri->params = db_text_dup(st, 12);
	ri->recipe = db_text_dup(st, 13);
	ri->recipe_name = db_text_dup(st, 14);
	ri->recipe_version = sqlite3_column_int(st, 15);
	ri->split = db_text_dup(st, 16);
	ri->seed = (uint64_t)sqlite3_column_int64(st, 17);
	ri->threads = sqlite3_column_int(st, 18);
	ri->env = db_text_dup(st, 19);
	if (run_status_parse((const char *)sqlite3_column_text(st, 20), &ri->status) != 0)
		ri->status = RUN_FAILED;
	ri->error = db_text_dup(st, 21);
	ri->created = db_text_dup(st, 22);
	ri->started = db_text_dup(st, 23);
	ri->finished = db_text_dup(st, 24);
	ri->duration = sqlite3_column_type(st, 25) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 25);
	ri->classes = db_text_dup(st, 26);
	ri->features = db_text_dup(st, 27);
	ri->log = db_text_dup(st, 28);
	ri->timings = db_text_dup(st, 29);
	/* a NULL copy of a value that is not NULL is a lost allocation */
	char **const text[] = { &ri->experiment, &ri->dataset, &ri->dataset_hash, &ri->target,
	    &ri->task, &ri->algo, &ri->plugin_version, &ri->plugin_hash, &ri->plugin_path,
	    &ri->params, &ri->recipe, &ri->recipe_name, &ri->split, &ri->env, &ri->error,
	    &ri->created, &ri->started, &ri->finished, &ri->classes, &ri->features, &ri->log,
	    &ri->timings };
	static const int col[] = { 1, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 19, 21, 22, 23,
	    24, 26, 27, 28, 29 };
	_Static_assert(ARRAY_LEN(text) == ARRAY_LEN(col), "one column per field");
	int lost = 0;
	for (size_t i = 0; i < ARRAY_LEN(col); i++)
		lost |= *text[i] == NULL && sqlite3_column_type(st, col[i]) != SQLITE_NULL;
	if (lost || ri->dataset == NULL || ri->task == NULL || ri->algo == NULL ||
	    ri->params == NULL || ri->recipe == NULL || ri->split == NULL || ri->env == NULL) {
		run_info_clear(ri);
		err_set(err, "out of memory");
		goto out;
	}
	/* a cross-validated run's grouping column, for re-runs (a record that
	 * does not parse is reported by whoever needs the split) */
	struct split_spec sp;
	char *serr = NULL;
	if (split_record_parse(ri->split, &sp, &serr) == 0) {
		ri->cv_group = sp.group;
		sp.group = NULL;
	}
	split_spec_clear(&sp);
	free(serr);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
run_artifact(struct project *p, int64_t id, const char *name, void **data, size_t *len,
    char **err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	*data = NULL;
	*len = 0;
	if (db_prepare(p, "SELECT data FROM run_artifacts WHERE run_id = ?1 AND name = ?2",
	    &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		char *d = malloc(n + 1);
		if (d == NULL) {
			err_set(err, "out of memory");
		} else {
			if (n)
				memcpy(d, sqlite3_column_blob(st, 0), n);
			d[n] = '\0';	/* text artifacts can be used as strings */
			*data = d;
			*len = n;
			rc = 0;
		}
	} else if (s == SQLITE_DONE) {
		err_set(err, "run %lld has no %s", (long long)id, name);
	} else {
		db_fail(p, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the child process                                                   */

int
run_spawn(const char *path, int64_t id, struct run_proc **out, char **err)
{
	char exe[PATH_MAX], idbuf[32];
	int pfd[2];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	*out = NULL;
	if (n <= 0)
		return err_set(err, "cannot find the lathe binary to run the training child");
	exe[n] = '\0';
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return err_set(err, "pipe: %s", strerror(errno));
	struct run_proc *rp = calloc(1, sizeof *rp);
	if (rp == NULL) {
		close(pfd[0]);
		close(pfd[1]);
		return err_set(err, "out of memory");
	}
	snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(rp);
		return err_set(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* child: progress goes to fd 3 */
		if (dup2(pfd[1], 3) < 0)
			_exit(127);
		char *argv[] = { exe, "-p", (char *)path, "__run", idbuf, "--progress-fd", "3", NULL };
		execv(exe, argv);
		_exit(127);
	}
	close(pfd[1]);
	rp->id = id;
	rp->pid = pid;
	rp->fd = pfd[0];
	rp->started = time_mono();
	rp->loss = NAN;
	*out = rp;
	return 0;
}

static void
handle_line(struct run_proc *rp, char *line)
{
	if (line[0] == 'W' && line[1] == ' ') {
		/* "W <text>" the child waits for the lock; "W" alone: no more */
		free(rp->waiting);
		rp->waiting = line[2] ? str_dup(line + 2) : NULL;
		rp->waiting_seq++;
		return;
	}
	if (line[0] == 'W' && line[1] == '\0') {
		free(rp->waiting);
		rp->waiting = NULL;
		rp->waiting_seq++;
		return;
	}
	if (line[0] == 'P' && line[1] == ' ') {
		int step, total;
		double loss;
		if (sscanf(line + 2, "%d %d %lf", &step, &total, &loss) == 3) {
			rp->step = step;
			rp->total = total;
			rp->loss = loss;
		}
	} else if (line[0] == 'L' && line[1] == ' ') {
		free(rp->last_log);
		rp->last_log = str_dup(line + 2);
	}
}

int
run_proc_poll(struct run_proc *rp, int timeout_ms)
{
	if (rp->fd >= 0) {
		/* after the exit, only what is already in the pipe is read: a
		 * grandchild holding the write end must not keep us waiting */
		struct pollfd pf = { rp->fd, POLLIN, 0 };
		int r = poll(&pf, 1, rp->exited ? 0 : timeout_ms);
		ssize_t got = -1;
		if (r > 0) {
			got = read(rp->fd, rp->buf + rp->len, sizeof rp->buf - 1 - rp->len);
			if (got > 0) {
				rp->len += (size_t)got;
				rp->buf[rp->len] = '\0';
				char *s = rp->buf, *nl;
				while ((nl = strchr(s, '\n')) != NULL) {
					*nl = '\0';
					handle_line(rp, s);
					s = nl + 1;
				}
				rp->len -= (size_t)(s - rp->buf);
				memmove(rp->buf, s, rp->len);
				if (rp->len == sizeof rp->buf - 1)
					rp->len = 0;	/* an over-long line: drop it */
			}
		}
		if (got == 0 || (got < 0 && r > 0 && errno != EINTR && errno != EAGAIN) ||
		    (rp->exited && got <= 0)) {
			close(rp->fd);
			rp->fd = -1;
		}
	} else if (timeout_ms > 0 && !rp->exited) {
		struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (rp->exited)
		return 1;
	if (rp->cancel_at > 0 && time_mono() - rp->cancel_at > run_cancel_grace())
		kill(rp->pid, SIGKILL);		/* it did not stop when asked */
	struct rusage ru;
	pid_t w = wait4(rp->pid, &rp->wstatus, WNOHANG, &ru);
	if (w == rp->pid) {
		rp->exited = 1;
		rp->maxrss_kb = ru.ru_maxrss;	/* for the reason of a SIGKILL */
	}
	return rp->exited;
}

double
run_cancel_grace(void)
{
	const char *e = getenv("LATHE_CANCEL_GRACE");
	double g = e ? atof(e) : 0;
	return g > 0 ? g : RUN_CANCEL_GRACE;
}

void
run_proc_cancel(struct run_proc *rp)
{
	if (rp->exited)
		return;
	if (rp->cancel_at == 0)
		rp->cancel_at = time_mono();
	kill(rp->pid, SIGTERM);
}

int
run_proc_finish(struct project *p, struct run_proc *rp, char **err)
{
	sqlite3_stmt *st = NULL;
	char reason[256], ts[32];
	const char *status = "failed";
	int rc = 0;

	if (!rp->exited)
		return 0;
	int sig = WIFSIGNALED(rp->wstatus) ? WTERMSIG(rp->wstatus) : 0;
	int code = WIFEXITED(rp->wstatus) ? WEXITSTATUS(rp->wstatus) : -1;
	if (rp->cancel_at > 0 && sig == SIGKILL) {
		status = "cancelled";
		snprintf(reason, sizeof reason, "cancelled; the training process did not stop "
		    "within %g s and was killed", run_cancel_grace());
	} else if (rp->cancel_at > 0 && sig) {
		status = "cancelled";
		snprintf(reason, sizeof reason, "cancelled (training process ended by %s)",
		    strsignal(sig));
	} else if (sig == SIGKILL && rp->maxrss_kb > 0) {
		/* the OOM killer's signal: say how big it was, not a guess */
		snprintf(reason, sizeof reason, "training process crashed: %s (signal %d) at "
		    "%.1f MB resident; the kernel's out-of-memory killer sends this signal when "
		    "memory runs out (see dmesg), as does kill -9", strsignal(sig), sig,
		    (double)rp->maxrss_kb / 1024.0);
	} else if (sig) {
		snprintf(reason, sizeof reason, "training process crashed: %s (signal %d)",
		    strsignal(sig), sig);
	} else if (code == 127) {
		snprintf(reason, sizeof reason, "could not start the training process");
	} else if (code == RUN_EXIT_DISK_FULL) {
		long long space = project_free_space(p);
		snprintf(reason, sizeof reason, "disk full: the training process could not record "
		    "its result (%lld KB free on the project's file system)",
		    space >= 0 ? space / 1024 : 0);
	} else if (rp->last_log && strncmp(rp->last_log, "1 ", 2) == 0) {
		/* its last word was an error it could not record (L 1 TEXT) */
		snprintf(reason, sizeof reason, "training process exited with status %d without "
		    "recording a result: %.180s", code, rp->last_log + 2);
	} else {
		snprintf(reason, sizeof reason, "training process exited with status %d without "
		    "recording a result", code);
	}
	/* only a run the child did not settle is changed */
	if (db_prepare(p, "UPDATE runs SET status = ?2, error = ?3, finished = ?4 "
	    "WHERE id = ?1 AND status IN ('queued', 'running')", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, rp->id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, time_now_iso(ts), -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s != SQLITE_DONE && project_disk_full(p)) {
		/* the log of this session may hold the space: give it back */
		sqlite3_reset(st);
		project_reclaim_space(p);
		s = sqlite3_step(st);
	}
	if (s != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

int
run_abandon(struct project *p, int64_t id, const char *why, char **err)
{
	sqlite3_stmt *st = NULL;
	char ts[32];
	int rc = 0;

	if (db_prepare(p, "UPDATE runs SET status = 'failed', error = 'could not start the "
	    "training process: ' || ?2, finished = ?3 WHERE id = ?1 AND status = 'queued'", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, why ? why : "no reason given", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, time_now_iso(ts), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

void
run_proc_free(struct run_proc *rp)
{
	if (rp == NULL)
		return;
	if (rp->fd >= 0)
		close(rp->fd);
	if (!rp->exited && rp->pid > 0) {
		kill(rp->pid, SIGKILL);
		waitpid(rp->pid, NULL, 0);
	}
	free(rp->last_log);
	free(rp->waiting);
	free(rp);
}

long long
run_min_free(void)
{
	const char *e = getenv("LATHE_MIN_FREE");
	if (e && *e) {
		char *end;
		errno = 0;
		long long v = strtoll(e, &end, 10);
		if (errno == 0 && *end == '\0' && v >= 0)
			return v;
	}
	return RUN_MIN_FREE;
}

struct dead_run {
	int64_t	 id;
	char	 why[200];
};

/*
 * Is the run in the current row of run_reap_dead's query abandoned?  It is
 * when its training child (if one started) is gone and so is the process
 * that launched it.  Runs recorded before schema 7 have no launcher: a gone
 * child is then enough, and a queued run only when it was created before
 * the machine last started.  Fills d.
 */
static int
run_abandoned(sqlite3_stmt *st, const char *host, struct dead_run *d)
{
	pid_t pid = (pid_t)sqlite3_column_int64(st, 2);
	const char *pstamp = (const char *)sqlite3_column_text(st, 3);
	pid_t owner = (pid_t)sqlite3_column_int64(st, 4);
	const char *ostamp = (const char *)sqlite3_column_text(st, 5);
	const char *rhost = (const char *)sqlite3_column_text(st, 6);
	const char *created = (const char *)sqlite3_column_text(st, 7);
	int reboot = 0;

	if (rhost && *rhost && strcmp(rhost, host) != 0)
		return 0;	/* another machine's processes: not ours to judge */
	if (pid > 0 && proc_check(pid, pstamp) != PROC_GONE)
		return 0;
	if (owner > 0) {
		if (proc_check(owner, ostamp) != PROC_GONE)
			return 0;	/* the launcher lives: it records what happened */
		reboot = proc_rebooted_since(ostamp);
	} else if (pid <= 0) {
		/* queued by an older lathe, launcher unknown */
		if (created == NULL || !proc_started_after(created))
			return 0;
		reboot = 1;
	}
	if (pstamp && proc_rebooted_since(pstamp))
		reboot = 1;
	if (pid > 0)
		snprintf(d->why, sizeof d->why, "training process disappeared (pid %d%s)",
		    (int)pid, reboot ? "; the machine restarted since" : " ended without "
		    "recording a result, and so did the lathe process that launched it");
	else if (owner > 0)
		snprintf(d->why, sizeof d->why, "training process disappeared: the run never "
		    "started, and the lathe process that launched it (pid %d) %s", (int)owner,
		    reboot ? "ended with the machine's restart" : "is gone");
	else
		snprintf(d->why, sizeof d->why, "training process disappeared: the run never "
		    "started, and the machine restarted since");
	d->id = sqlite3_column_int64(st, 0);
	return 1;
}

int
run_reap_dead(struct project *p, int *n, char **err)
{
	sqlite3_stmt *st = NULL;
	struct dead_run *dead = NULL;
	size_t nd = 0, cap = 0;
	char host[256] = "", ts[32];
	int rc = -1;

	if (n)
		*n = 0;
	if (p->readonly)
		return 0;
	gethostname(host, sizeof host - 1);
	if (db_prepare(p, "SELECT id, status, pid, pid_start, owner_pid, owner_start, host, "
	    "created FROM runs WHERE status IN ('queued', 'running')", &st, err) != 0)
		return -1;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct dead_run d;
		if (!run_abandoned(st, host, &d))
			continue;
		if (nd == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct dead_run *q = realloc(dead, nc * sizeof *q);
			if (q == NULL) {
				err_set(err, "out of memory");
				goto out;
			}
			dead = q;
			cap = nc;
		}
		dead[nd++] = d;
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (nd == 0) {
		rc = 0;
		goto out;
	}
	/* a listing must not wait on another writer: try once, briefly */
	double wait = p->lock_wait;
	p->lock_wait = 0.5;
	int began = project_begin(p, NULL);
	p->lock_wait = wait;
	if (began != 0) {
		rc = 0;		/* locked, or no room: the next look will do it */
		goto out;
	}
	if (db_prepare(p, "UPDATE runs SET status = 'failed', error = ?2, finished = ?3 "
	    "WHERE id = ?1 AND status IN ('queued', 'running')", &st, err) != 0) {
		project_rollback(p);
		goto out;
	}
	time_now_iso(ts);
	int changed = 0;
	for (size_t i = 0; i < nd; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, dead[i].id);
		sqlite3_bind_text(st, 2, dead[i].why, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ts, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(p, err);
			project_rollback(p);
			goto out;
		}
		changed += sqlite3_changes(p->db);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (project_commit(p, NULL) != 0) {
		rc = 0;
		goto out;
	}
	if (n)
		*n = changed;
	rc = 0;
out:
	sqlite3_finalize(st);
	free(dead);
	return rc;
}
