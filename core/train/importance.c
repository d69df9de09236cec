/*
 * importance.c — see importance.h.
 *
 * Sizes: each score builds a frame of the held-out rows from the loaded
 * dataset table, shuffles one column, applies the recipe and predicts, so
 * a run costs (1 + columns x repeats) predictions of its test rows —
 * under a second for thousands of rows and tens of columns with the
 * built-in plugins.
 */
#include "importance.h"
#include "metrics.h"
#include "plugin.h"
#include "predict.h"
#include "run.h"
#include "split.h"
#include "base/util.h"
#include "features/frame.h"
#include "store/dataset.h"
#include "store/table.h"
#include "linalg/rng.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void
importance_permutation(uint64_t seed, size_t *perm, size_t n)
{
	struct rng r;
	rng_init(&r, seed);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	rng_shuffle(&r, perm, n);
}

void
importance_mean_std(const double *v, size_t n, double *mean, double *std)
{
	double s = 0, q = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	double m = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		q += (v[i] - m) * (v[i] - m);
	*mean = m;
	*std = n ? sqrt(q / (double)n) : NAN;
}

int
importance_permute(size_t ncols, size_t n, int repeats, uint64_t seed,
    importance_score_fn score, void *ctx, importance_perm_fn perm_of, void *pctx,
    double *baseline, double *drops, char **err)
{
	size_t *perm = malloc((n ? n : 1) * (size_t)repeats * sizeof *perm);
	int rc = -1;

	if (perm == NULL)
		return err_set(err, "out of memory");
	/* one permutation per repeat, shared by every column */
	for (int r = 0; r < repeats; r++) {
		if (perm_of)
			perm_of(pctx, r, perm + (size_t)r * n, n);
		else
			importance_permutation(seed + (uint64_t)r, perm + (size_t)r * n, n);
	}
	if (score(ctx, SIZE_MAX, NULL, baseline, err) != 0)
		goto out;
	for (size_t c = 0; c < ncols; c++)
		for (int r = 0; r < repeats; r++) {
			double s;
			if (score(ctx, c, perm + (size_t)r * n, &s, err) != 0)
				goto out;
			drops[c * (size_t)repeats + (size_t)r] = *baseline - s;
		}
	rc = 0;
out:
	free(perm);
	return rc;
}

void
importance_free(struct importance *im)
{
	if (im == NULL)
		return;
	for (size_t i = 0; i < im->ncols; i++) {
		free(im->cols[i].name);
		free(im->cols[i].drops);
	}
	free(im->cols);
	free(im->metric);
	free(im);
}

/* What scoring one permutation needs: the dataset table (its values are
 * gathered afresh for each score, since the recipe transforms a frame in
 * place), the held-out rows and their truth, and the predictor. */
struct score_ctx {
	const struct table	*t;
	const char		*target;
	const size_t		*te;
	size_t			 nte;
	const struct predictor	*pr;
	unsigned		 task;
	const int		*lte;	/* classification */
	int			 k;
	const double		*yte;	/* regression */
	char			**names;	/* the permuted columns */
	int			*ipred;
	double			*ypred;
};

/* Column c of frame f takes its values from rows perm[0..n). */
static int
frame_permute_column(struct frame *f, const char *name, const size_t *perm)
{
	int j = frame_find(f, name);
	if (j < 0)
		return -1;
	struct fcol *col = &f->cols[j];
	size_t n = f->n;
	if (col->kind == FK_NUM) {
		double *v = frame_alloc(n);
		if (v == NULL)
			return -1;
		for (size_t i = 0; i < n; i++)
			v[i] = col->num[perm[i]];
		free(col->num);
		col->num = v;
	} else {
		uint32_t *v = malloc((n ? n : 1) * sizeof *v);
		if (v == NULL)
			return -1;
		for (size_t i = 0; i < n; i++)
			v[i] = col->codes[perm[i]];
		free(col->codes);
		col->codes = v;
	}
	return 0;
}

static int
score_run(void *vctx, size_t c, const size_t *perm, double *score, char **err)
{
	struct score_ctx *sc = vctx;
	struct prediction pd = { 0 };
	struct frame *f = frame_from_table(sc->t, sc->te, sc->nte, sc->target);
	int rc = -1;

	if (f == NULL)
		return err_set(err, "out of memory");
	if (perm && frame_permute_column(f, sc->names[c], perm) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (predictor_run(sc->pr, f, &pd, err) != 0)
		goto out;
	if (sc->task == LATHE_TASK_CLASSIFICATION) {
		for (size_t i = 0; i < sc->nte; i++)
			sc->ipred[i] = (int)pd.values[i * pd.ncols];
		if (metrics_accuracy(sc->lte, sc->ipred, sc->nte, sc->k, score, err) != 0)
			goto out;
	} else {
		for (size_t i = 0; i < sc->nte; i++)
			sc->ypred[i] = pd.values[i * pd.ncols];
		if (metrics_r2(sc->yte, sc->ypred, sc->nte, score, err) != 0)
			goto out;
	}
	rc = 0;
out:
	prediction_clear(&pd);
	frame_free(f);
	return rc;
}

/*
 * The class index of every row, as training numbered them: the position
 * of the row's target value in the run's recorded classes (a JSON array
 * of numbers or strings, in the order training gave them), so the
 * stratified split is the one training drew.
 */
static int
classes_of_rows(const struct column *col, size_t n, const char *classes_json, int **labels,
    int *k, char **err)
{
	json_error_t je;
	json_t *cj = classes_json ? json_loads(classes_json, 0, &je) : NULL;
	int *lab = malloc((n ? n : 1) * sizeof *lab);
	double *num = NULL;
	uint32_t *codes = NULL;
	int *map = NULL;
	int rc = -1;

	if (lab == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!json_is_array(cj) || json_array_size(cj) < 1) {
		err_set(err, "the run has no valid record of its classes");
		goto out;
	}
	*k = (int)json_array_size(cj);
	if (col->kind == COL_NUMERIC) {
		if ((num = malloc((n ? n : 1) * sizeof *num)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		column_gather_num(col, num);
		for (size_t i = 0; i < n; i++) {
			lab[i] = -1;
			for (int c = 0; c < *k && lab[i] < 0; c++)
				if (json_number_value(json_array_get(cj, (size_t)c)) == num[i])
					lab[i] = c;
		}
	} else {
		uint32_t nd = col->dict.n;
		if ((codes = malloc((n ? n : 1) * sizeof *codes)) == NULL ||
		    (map = malloc((nd ? nd : 1) * sizeof *map)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		column_gather_codes(col, codes);
		for (uint32_t d = 0; d < nd; d++) {
			const char *s = strdict_get(&col->dict, d);
			map[d] = -1;
			for (int c = 0; c < *k && map[d] < 0; c++) {
				const char *cs = json_string_value(json_array_get(cj, (size_t)c));
				if (cs && s && strcmp(cs, s) == 0)
					map[d] = c;
			}
		}
		for (size_t i = 0; i < n; i++)
			lab[i] = codes[i] == CODE_NA ? -1 : map[codes[i]];
	}
	for (size_t i = 0; i < n; i++)
		if (lab[i] < 0) {
			err_set(err, "row %zu of the dataset has a target value that is not one of the "
			    "run's classes", i + 1);
			goto out;
		}
	*labels = lab;
	lab = NULL;
	rc = 0;
out:
	json_decref(cj);
	free(lab);
	free(num);
	free(codes);
	free(map);
	return rc;
}

/* The held-out rows of the run, split as training split them. */
static int
held_out_rows(const struct run_info *ri, size_t n, const int *labels, int k, size_t **te,
    size_t *nte, char **err)
{
	struct split_spec sp;
	size_t *tr = NULL, ntr;

	*te = NULL;
	*nte = 0;
	if (split_record_parse(ri->split, &sp, err) != 0)
		return -1;
	split_spec_clear(&sp);	/* the group plays no part in the held-out rows */
	if (strcmp(sp.method, "kfold") == 0) {
		int *fa = NULL;
		if (split_kfold(n, labels, k, sp.folds, ri->seed, &fa, err) != 0)
			return -1;
		if ((*te = malloc((n ? n : 1) * sizeof **te)) == NULL) {
			free(fa);
			return err_set(err, "out of memory");
		}
		for (size_t i = 0; i < n; i++)
			if (fa[i] == sp.fold)
				(*te)[(*nte)++] = i;
		free(fa);
		return 0;
	}
	if (sp.test_size == 0)
		return err_set(err, "run %lld has no held-out rows (trained with test size 0%s): "
		    "permutation importance needs them", (long long)ri->id,
		    strcmp(sp.method, "cv") == 0 ? ", cross-validated on every row" : "");
	/* a cross-validated run's held-out rows are its holdout's test rows */
	if (split_holdout(n, labels, k, sp.test_size, ri->seed, &tr, &ntr, te, nte, err) != 0)
		return -1;
	free(tr);
	return 0;
}

static int
cmp_importance(const void *a, const void *b)
{
	const struct importance_column *x = a, *y = b;
	if (x->mean != y->mean)
		return x->mean < y->mean ? 1 : -1;
	return strcmp(x->name, y->name);
}

int
importance_compute(struct project *p, const char *ref, int repeats,
    struct importance **out, char **err)
{
	struct run_info ri;
	struct dsver v;
	struct table *t = NULL;
	struct predictor *pr = NULL;
	struct importance *im = NULL;
	struct score_ctx sc = { 0 };
	int *labels = NULL, *lte = NULL;
	double *y = NULL, *yte = NULL, *drops = NULL;
	size_t *te = NULL, nte = 0, ncols = 0;
	unsigned task;
	int rc = -1;

	*out = NULL;
	memset(&ri, 0, sizeof ri);
	memset(&v, 0, sizeof v);
	if (repeats < 1 || repeats > IMPORTANCE_REPEATS_MAX)
		return err_set(err, "repeats %d is outside 1..%d", repeats, IMPORTANCE_REPEATS_MAX);
	if (run_load(p, ref, &ri, err) != 0)
		return -1;
	if (ri.status != RUN_FINISHED) {
		err_set(err, "run %lld is %s: only a finished run has a model", (long long)ri.id,
		    run_status_name(ri.status));
		goto out;
	}
	if (task_parse(ri.task, &task) != 0) {
		err_set(err, "run %lld has an unknown task '%s'", (long long)ri.id, ri.task);
		goto out;
	}
	if (task != LATHE_TASK_CLASSIFICATION && task != LATHE_TASK_REGRESSION) {
		err_set(err, "permutation importance is not defined for %s: run %lld has no target "
		    "to score against", ri.task, (long long)ri.id);
		goto out;
	}
	if (dataset_resolve(p, ri.dataset, &v, err) != 0)
		goto out;
	if (v.id != ri.dataset_version_id || strcmp(v.hash, ri.dataset_hash) != 0) {
		err_set(err, "dataset %s does not match the version run %lld trained on",
		    ri.dataset, (long long)ri.id);
		goto out;
	}
	if (dataset_load(p, &v, SIZE_MAX, &t, err) != 0)
		goto out;
	const struct column *tcol = NULL;
	for (size_t j = 0; j < t->ncols; j++)
		if (ri.target && strcmp(t->cols[j].name, ri.target) == 0)
			tcol = &t->cols[j];
	if (tcol == NULL) {
		err_set(err, "target '%s' is not in %s", ri.target ? ri.target : "", ri.dataset);
		goto out;
	}
	size_t n = t->nrows;
	if (task == LATHE_TASK_CLASSIFICATION) {
		if (classes_of_rows(tcol, n, ri.classes, &labels, &sc.k, err) != 0)
			goto out;
	} else {
		if ((y = malloc((n ? n : 1) * sizeof *y)) == NULL)
			goto oom;
		column_gather_num(tcol, y);
	}
	if (held_out_rows(&ri, n, labels, sc.k, &te, &nte, err) != 0)
		goto out;
	if (nte == 0) {
		err_set(err, "run %lld has no held-out rows: permutation importance needs them",
		    (long long)ri.id);
		goto out;
	}
	if (predictor_open_run(p, ref, &pr, err) != 0)
		goto out;
	ncols = predictor_ninputs(pr);
	if ((lte = malloc(nte * sizeof *lte)) == NULL || (yte = malloc(nte * sizeof *yte)) == NULL ||
	    (sc.ipred = malloc(nte * sizeof *sc.ipred)) == NULL ||
	    (sc.ypred = malloc(nte * sizeof *sc.ypred)) == NULL ||
	    (sc.names = calloc(ncols ? ncols : 1, sizeof *sc.names)) == NULL ||
	    (drops = malloc((ncols ? ncols : 1) * (size_t)repeats * sizeof *drops)) == NULL)
		goto oom;
	for (size_t i = 0; i < nte; i++) {
		lte[i] = labels ? labels[te[i]] : 0;
		yte[i] = y ? y[te[i]] : 0;
	}
	for (size_t c = 0; c < ncols; c++)
		sc.names[c] = (char *)predictor_input_name(pr, c);
	sc.t = t;
	sc.target = ri.target;
	sc.te = te;
	sc.nte = nte;
	sc.pr = pr;
	sc.task = task;
	sc.lte = lte;
	sc.yte = yte;
	if ((im = calloc(1, sizeof *im)) == NULL ||
	    (im->cols = calloc(ncols ? ncols : 1, sizeof *im->cols)) == NULL)
		goto oom;
	im->run_id = ri.id;
	im->nrows = nte;
	im->repeats = repeats;
	im->seed = ri.seed;
	if ((im->metric = strdup(task == LATHE_TASK_CLASSIFICATION ? "accuracy" : "r2")) == NULL)
		goto oom;
	if (importance_permute(ncols, nte, repeats, ri.seed, score_run, &sc, NULL, NULL,
	    &im->baseline, drops, err) != 0)
		goto out;
	for (size_t c = 0; c < ncols; c++) {
		struct importance_column *ic = &im->cols[c];
		im->ncols = c + 1;
		if ((ic->name = strdup(sc.names[c])) == NULL ||
		    (ic->drops = malloc((size_t)repeats * sizeof *ic->drops)) == NULL)
			goto oom;
		memcpy(ic->drops, drops + c * (size_t)repeats, (size_t)repeats * sizeof *ic->drops);
		importance_mean_std(ic->drops, (size_t)repeats, &ic->mean, &ic->std);
	}
	qsort(im->cols, im->ncols, sizeof *im->cols, cmp_importance);
	*out = im;
	im = NULL;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	importance_free(im);
	free(drops);
	free(sc.names);
	free(sc.ipred);
	free(sc.ypred);
	free(lte);
	free(yte);
	free(te);
	free(y);
	free(labels);
	predictor_free(pr);
	table_free(t);
	dsver_clear(&v);
	run_info_clear(&ri);
	return rc;
}
