/*
 * cvfold.c — see cvfold.h.
 */
#include "cvfold.h"
#include "base/util.h"
#include "linalg/rng.h"

#include <stdlib.h>
#include <string.h>

/* Group ids ordered by size, largest first; ties keep the shuffled order
 * (a stable insertion into runs of equal size is what qsort lacks). */
struct gsize {
	size_t	 size;
	size_t	 pos;	/* place in the shuffled order */
	int	 id;
};

static int
cmp_gsize(const void *a, const void *b)
{
	const struct gsize *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

static int
assign_grouped(size_t n, const struct cvfold_spec *sp, struct rng *rng, int *f, size_t *perm,
    struct gsize *gs, size_t *load, char **err)
{
	size_t ng = (size_t)sp->ngroups, used = 0;
	for (size_t g = 0; g < ng; g++)
		perm[g] = g;
	rng_shuffle(rng, perm, ng);
	for (size_t g = 0; g < ng; g++) {
		gs[perm[g]].id = (int)perm[g];
		gs[perm[g]].pos = g;
		gs[perm[g]].size = 0;
	}
	for (size_t i = 0; i < n; i++)
		gs[sp->groups[i]].size++;
	for (size_t g = 0; g < ng; g++)
		used += gs[g].size > 0;
	if (used < (size_t)sp->folds)
		return err_set(err, "cannot make %d folds of %zu group%s: each fold needs a group "
		    "of its own", sp->folds, used, used == 1 ? "" : "s");
	qsort(gs, ng, sizeof *gs, cmp_gsize);
	/* fold of each group, in perm (reused: group id -> fold) */
	memset(load, 0, (size_t)sp->folds * sizeof *load);
	for (size_t q = 0; q < ng; q++) {
		if (gs[q].size == 0)
			continue;
		int best = 0;
		for (int k = 1; k < sp->folds; k++)
			if (load[k] < load[best])
				best = k;
		load[best] += gs[q].size;
		perm[gs[q].id] = (size_t)best;
	}
	for (size_t i = 0; i < n; i++)
		f[i] = (int)perm[sp->groups[i]];
	return 0;
}

int
cvfold_assign(size_t n, const struct cvfold_spec *sp, int **fold, char **err)
{
	struct rng rng;
	size_t *perm = NULL, *load = NULL;
	struct gsize *gs = NULL;
	int *f = NULL, rc = -1;

	*fold = NULL;
	if (sp->folds < 2 || sp->repeats < 1)
		return err_set(err, "cannot make %d folds %d times", sp->folds, sp->repeats);
	if ((size_t)sp->folds > n)
		return err_set(err, "cannot make %d folds of %zu rows", sp->folds, n);
	size_t np = sp->groups && (size_t)sp->ngroups > n ? (size_t)sp->ngroups : n;
	perm = malloc((np ? np : 1) * sizeof *perm);
	f = malloc(n * (size_t)sp->repeats * sizeof *f);
	if (sp->groups) {
		gs = malloc((sp->ngroups > 0 ? (size_t)sp->ngroups : 1) * sizeof *gs);
		load = malloc((size_t)sp->folds * sizeof *load);
	}
	if (perm == NULL || f == NULL || (sp->groups && (gs == NULL || load == NULL))) {
		err_set(err, "out of memory");
		goto out;
	}
	rng_init(&rng, sp->seed);
	for (int r = 0; r < sp->repeats; r++) {
		int *fr = f + (size_t)r * n;
		if (sp->groups) {
			if (assign_grouped(n, sp, &rng, fr, perm, gs, load, err) != 0)
				goto out;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		rng_shuffle(&rng, perm, n);
		if (sp->labels == NULL) {
			for (size_t i = 0; i < n; i++)
				fr[perm[i]] = (int)(i % (size_t)sp->folds);
		} else {
			/* as split_kfold: each class round-robin, the rotation
			 * carried across classes */
			size_t next = 0;
			for (int c = 0; c < sp->k; c++)
				for (size_t i = 0; i < n; i++)
					if (sp->labels[perm[i]] == c)
						fr[perm[i]] = (int)(next++ % (size_t)sp->folds);
		}
	}
	*fold = f;
	f = NULL;
	rc = 0;
out:
	free(perm);
	free(load);
	free(gs);
	free(f);
	return rc;
}
