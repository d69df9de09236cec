/*
 * split.c — see split.h.
 */
#include "split.h"
#include "base/util.h"
#include "linalg/rng.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
split_holdout(size_t n, const int *labels, int k, double test_size, uint64_t seed,
    size_t **train, size_t *ntrain, size_t **test, size_t *ntest, char **err)
{
	struct rng rng;
	size_t *perm = NULL, *tr = NULL, *te = NULL, *cnt = NULL, *quota = NULL;
	int rc = -1;

	*train = *test = NULL;
	*ntrain = *ntest = 0;
	if (!(test_size >= 0 && test_size < 1))
		return err_set(err, "test size %g is outside [0, 1)", test_size);
	size_t nt = (size_t)ceil(test_size * (double)n - 1e-9);
	if (test_size > 0 && nt == 0)
		nt = 1;
	if (nt >= n && test_size > 0)
		return err_set(err, "too few rows (%zu) for a test size of %g: no rows would be left "
		    "for training", n, test_size);
	perm = malloc((n ? n : 1) * sizeof *perm);
	tr = malloc((n ? n : 1) * sizeof *tr);
	te = malloc((nt ? nt : 1) * sizeof *te);
	if (perm == NULL || tr == NULL || te == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	size_t a = 0, b = 0;
	if (nt == 0) {
		/* everything trains: no shuffle needed */
		for (size_t i = 0; i < n; i++)
			tr[i] = i;
		*train = tr;
		*ntrain = n;
		*test = te;
		*ntest = 0;
		free(perm);
		return 0;
	}
	rng_init(&rng, seed);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	rng_shuffle(&rng, perm, n);
	if (labels == NULL || nt == 0) {
		for (size_t i = 0; i < n; i++) {
			if (i < nt)
				te[b++] = perm[i];
			else
				tr[a++] = perm[i];
		}
	} else {
		cnt = calloc((size_t)k, sizeof *cnt);
		quota = calloc((size_t)k, sizeof *quota);
		double *rem = calloc((size_t)k, sizeof *rem);
		if (cnt == NULL || quota == NULL || rem == NULL) {
			free(rem);
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			cnt[labels[i]]++;
		size_t given = 0;
		for (int c = 0; c < k; c++) {
			double exact = (double)nt * (double)cnt[c] / (double)n;
			quota[c] = (size_t)floor(exact);
			if (cnt[c] > 0 && quota[c] >= cnt[c])
				quota[c] = cnt[c] - 1;
			rem[c] = exact - (double)quota[c];
			given += quota[c];
		}
		/* hand out the rest by largest remainder (ties: lower class) */
		while (given < nt) {
			int best = -1;
			for (int c = 0; c < k; c++)
				if (quota[c] + 1 < cnt[c] && (best < 0 || rem[c] > rem[best]))
					best = c;
			if (best < 0)
				break;
			quota[best]++;
			rem[best] = -1;
			given++;
		}
		free(rem);
		/* walk the shuffled order: a row goes to test while its class
		 * still has quota */
		for (size_t i = 0; i < n; i++) {
			int c = labels[perm[i]];
			if (quota[c] > 0 && b < nt) {
				te[b++] = perm[i];
				quota[c]--;
			} else {
				tr[a++] = perm[i];
			}
		}
	}
	/* back to row order without a sort: mark the test rows, then walk */
	{
		unsigned char *is_test = calloc(n ? n : 1, 1);
		if (is_test == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < b; i++)
			is_test[te[i]] = 1;
		size_t x = 0, y = 0;
		for (size_t i = 0; i < n; i++) {
			if (is_test[i])
				te[y++] = i;
			else
				tr[x++] = i;
		}
		free(is_test);
	}
	*train = tr;
	*ntrain = a;
	*test = te;
	*ntest = b;
	tr = te = NULL;
	rc = 0;
out:
	free(perm);
	free(tr);
	free(te);
	free(cnt);
	free(quota);
	return rc;
}

int
split_kfold(size_t n, const int *labels, int k, int folds, uint64_t seed, int **fold,
    char **err)
{
	struct rng rng;
	size_t *perm = malloc((n ? n : 1) * sizeof *perm);
	int *f = malloc((n ? n : 1) * sizeof *f);

	*fold = NULL;
	if (perm == NULL || f == NULL) {
		free(perm);
		free(f);
		return err_set(err, "out of memory");
	}
	if (folds < 2 || (size_t)folds > n) {
		free(perm);
		free(f);
		return err_set(err, "cannot make %d folds of %zu rows", folds, n);
	}
	rng_init(&rng, seed);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	rng_shuffle(&rng, perm, n);
	if (labels == NULL) {
		for (size_t i = 0; i < n; i++)
			f[perm[i]] = (int)(i % (size_t)folds);
	} else {
		/* deal each class's rows round-robin, continuing the rotation
		 * across classes so fold sizes stay within one */
		size_t next = 0;
		for (int c = 0; c < k; c++)
			for (size_t i = 0; i < n; i++)
				if (labels[perm[i]] == c)
					f[perm[i]] = (int)(next++ % (size_t)folds);
	}
	free(perm);
	*fold = f;
	return 0;
}

int
split_record_parse(const char *text, struct split_spec *sp, char **err)
{
	json_error_t je;
	json_t *sj = text ? json_loads(text, 0, &je) : NULL;
	int rc = -1;

	memset(sp, 0, sizeof *sp);
	sp->method = "holdout";
	if (sj == NULL)
		return err_set(err, "the run's split record does not parse (%s): '%.80s'",
		    text ? je.text : "missing", text ? text : "");
	const char *m = json_string_value(json_object_get(sj, "method"));
	json_t *tsz = json_object_get(sj, "test_size");
	json_t *fs = json_object_get(sj, "folds"), *fi = json_object_get(sj, "fold");
	json_t *rp = json_object_get(sj, "repeats"), *gr = json_object_get(sj, "group");
	int tsz_ok = json_is_number(tsz) && json_number_value(tsz) >= 0 &&
	    json_number_value(tsz) < 1;
	int folds_ok = json_is_integer(fs) && json_integer_value(fs) >= 2 &&
	    json_integer_value(fs) <= INT32_MAX;
	if (m && strcmp(m, "holdout") == 0) {
		if (!tsz_ok) {
			err_set(err, "the run's split record has no valid test_size: '%.80s'", text);
			goto out;
		}
		sp->test_size = json_number_value(tsz);
	} else if (m && strcmp(m, "kfold") == 0) {
		if (!folds_ok || !json_is_integer(fi) || json_integer_value(fi) < 0 ||
		    json_integer_value(fi) >= json_integer_value(fs)) {
			err_set(err, "the run's split record has no valid folds/fold: '%.80s'", text);
			goto out;
		}
		sp->method = "kfold";
		sp->folds = (int)json_integer_value(fs);
		sp->fold = (int)json_integer_value(fi);
	} else if (m && strcmp(m, "cv") == 0) {
		if (!folds_ok || !tsz_ok || !json_is_integer(rp) || json_integer_value(rp) < 1 ||
		    json_integer_value(rp) > 1000 || !(json_is_null(gr) || json_is_string(gr))) {
			err_set(err, "the run's split record has no valid folds/repeats/group/test_size: "
			    "'%.80s'", text);
			goto out;
		}
		sp->method = "cv";
		sp->folds = (int)json_integer_value(fs);
		sp->repeats = (int)json_integer_value(rp);
		sp->test_size = json_number_value(tsz);
		if (json_is_string(gr) && (sp->group = str_dup(json_string_value(gr))) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
	} else {
		err_set(err, "the run's split record has an unknown method: '%.80s'", text);
		goto out;
	}
	rc = 0;
out:
	json_decref(sj);
	return rc;
}

void
split_spec_clear(struct split_spec *sp)
{
	free(sp->group);
	sp->group = NULL;
}
