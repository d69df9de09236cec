/*
 * kmeans.c — Lloyd's k-means, the `kmeans` plugin.
 *
 * Follows scikit-learn's KMeans(algorithm='lloyd') step by step:
 *   - the data are centred on their column means first (for accurate
 *     distances) and the centres shifted back at the end;
 *   - init 'k-means++' is the greedy variant: each new centre is the best
 *     of 2 + floor(ln k) candidates drawn with probability proportional to
 *     the squared distance to the nearest chosen centre; 'random' picks k
 *     distinct rows;
 *   - one iteration assigns every row to the nearest centre by
 *     ||c||^2 - 2 x.c (the row's own norm does not change the argmin;
 *     first centre wins ties), computed with gemm over blocks of rows, and
 *     averages the rows of each cluster;
 *   - a cluster left empty is given the row farthest from its assigned
 *     centre (the rows are taken in decreasing distance, ties to the lower
 *     index; scikit-learn takes the same rows, its argpartition may pair
 *     them with the empty clusters in another order when there are several);
 *   - iteration stops when no label changed (strict convergence) or the
 *     sum of squared centre shifts is <= tol * mean(per-feature variance);
 *     in the latter case the rows are assigned once more so labels and
 *     centres agree;
 *   - of n_init runs the lowest inertia wins, unless it is the same
 *     partition as the best so far.
 * Randomness comes only from host->random.
 *
 * Rows are processed in fixed shards (linalg/parfor.h) on OpenBLAS's
 * thread count; each shard keeps its own partial sums, added in shard
 * order, so results do not depend on the thread count.  Memory: a centred
 * copy of X (n x d), labels (2n ints), and for k-means++ the candidate
 * distances ((2 + ln k) x n doubles).
 *
 * Payload (format 1, see linalg/blobio.h for the frame):
 *   u64 k, u64 d, u32 n_iter, f64 inertia, f64 centers[k * d],
 *   u64 cluster_sizes[k].
 */
#include "lathe_plugin.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobio.h"
#include "jsonbuf.h"
#include "linalg.h"
#include "mat.h"
#include "parfor.h"
#include "plugkit.h"

#define KMEANS_FORMAT 1u
static const char KMEANS_MAGIC[4] = { 'L', 'T', 'K', 'M' };

#define SHARD_ROWS ((size_t)8192)
#define BLOCK_ROWS ((size_t)1024)
/* Largest m*n*k that OpenBLAS 0.3 runs on the calling thread is 262144;
 * stay well below it so our threads are the only ones. */
#define GEMM_SMALL ((size_t)131072)

enum { P_N_CLUSTERS, P_INIT, P_N_INIT, P_MAX_ITER, P_TOL, P_COUNT };
enum { INIT_KMEANSPP, INIT_RANDOM };

static const char *const init_choices[] = { "k-means++", "random", NULL };

static const struct lathe_param_spec kmeans_params[P_COUNT] = {
	[P_N_CLUSTERS] = {
		.name = "n_clusters", .type = LATHE_PARAM_INT,
		.help = "number of clusters (centres)",
		.def = 8, .min = 1, .has_min = 1, .max = 1e6, .has_max = 1,
	},
	[P_INIT] = {
		.name = "init", .type = LATHE_PARAM_CHOICE,
		.help = "k-means++: spread-out greedy seeding; random: k distinct rows",
		.choices = init_choices, .def_choice = "k-means++",
	},
	[P_N_INIT] = {
		.name = "n_init", .type = LATHE_PARAM_INT,
		.help = "runs from different seeds; the lowest inertia wins",
		.def = 10, .min = 1, .has_min = 1, .max = 1e6, .has_max = 1,
	},
	[P_MAX_ITER] = {
		.name = "max_iter", .type = LATHE_PARAM_INT,
		.help = "maximum Lloyd iterations per run",
		.def = 300, .min = 1, .has_min = 1, .max = 1e9, .has_max = 1,
	},
	[P_TOL] = {
		.name = "tol", .type = LATHE_PARAM_REAL,
		.help = "stop when the squared centre shift is at most tol x mean feature variance",
		.def = 1e-4, .min = 0.0, .has_min = 1, .log_scale = 1,
	},
};

struct lathe_model {
	int k, init, n_init, max_iter;
	double tol;
	int fitted;
	size_t d;
	double *centers;    /* k x d */
	double *cnorm;      /* k: ||c||^2, for predict */
	uint64_t *sizes;    /* k */
	double inertia;
	int n_iter;
};

/* --- the work of one fit ---------------------------------------------------- */

struct km {
	const double *X;        /* centred copy, n x d */
	const double *xsq;      /* ||x_i||^2 of the centred rows */
	size_t n, d, k;
	int workers;
	size_t block, nshards, pstride;
	double *partial;        /* nshards x pstride */
	double *scratch;        /* workers x block x max(k, trials) */
	/* one Lloyd pass */
	const double *centers;  /* k x d, being assigned to */
	double *cnorm;          /* k */
	int *labels;
	int update;
	/* k-means++ */
	const double *cands;    /* trials x d */
	const double *csq;      /* trials */
	size_t trials;
	double *closest;        /* n: distance to the nearest chosen centre,
	                           or NULL before the first one */
	double *closest_buf;    /* n */
	double *cdist;          /* trials x n */
	/* relocation */
	double *dist;           /* n, only when a cluster is empty */
	const struct lathe_host *host;
};

/* Uniform integer in [0, n) from host->random, unbiased (Lemire). */
static uint64_t
rand_below(const struct lathe_host *h, uint64_t n)
{
	unsigned __int128 m;
	uint64_t l, t;

	if (n == 0)
		return 0;
	m = (unsigned __int128)h->random(h->ctx) * n;
	l = (uint64_t)m;
	if (l < n) {
		t = -n % n;
		while (l < t) {
			m = (unsigned __int128)h->random(h->ctx) * n;
			l = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1) with 53 random bits. */
static double
rand_uniform(const struct lathe_host *h)
{
	return (double)(h->random(h->ctx) >> 11) * 0x1.0p-53;
}

/* Partial layout: sums (k d), counts (k), min-distance sum, changed. */
static int
lloyd_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km *w = vctx;
	size_t d = w->d, k = w->k, i0, i, j, rows;
	double *part = w->partial + shard * w->pstride;
	double *sums = part, *counts = part + k * d;
	double *D = w->scratch + (size_t)worker * w->block * k;
	double mind = 0.0, changed = 0.0;
	struct mat C = mat_view((double *)(uintptr_t)w->centers, k, d, d);
	int rc;

	memset(part, 0, w->pstride * sizeof *part);
	for (i0 = begin; i0 < end; i0 += rows) {
		struct mat Xb, Db;

		rows = end - i0 < w->block ? end - i0 : w->block;
		for (i = 0; i < rows; i++)
			memcpy(D + i * k, w->cnorm, k * sizeof *D);
		Xb = mat_view((double *)(uintptr_t)(w->X + i0 * d), rows, d, d);
		Db = mat_view(D, rows, k, k);
		if ((rc = mat_gemm(MAT_NOTRANS, MAT_TRANS, -2.0, &Xb, &C, 1.0, &Db)) != 0)
			return rc;
		for (i = 0; i < rows; i++) {
			const double *di = D + i * k, *x = w->X + (i0 + i) * d;
			double best = di[0];
			int lab = 0;

			/* branch-free: overlapping clusters make the branch a coin toss */
			for (j = 1; j < k; j++) {
				int lt = di[j] < best;
				lab = lt ? (int)j : lab;
				best = lt ? di[j] : best;
			}
			changed += w->labels[i0 + i] != lab;
			w->labels[i0 + i] = lab;
			mind += fmax(best + w->xsq[i0 + i], 0.0);
			if (w->update) {
				double *s = sums + (size_t)lab * d;
				counts[lab] += 1.0;
				/* by fours, which the compiler turns into vector adds */
				for (j = 0; j + 4 <= d; j += 4) {
					s[j] += x[j];
					s[j + 1] += x[j + 1];
					s[j + 2] += x[j + 2];
					s[j + 3] += x[j + 3];
				}
				for (; j < d; j++)
					s[j] += x[j];
			}
		}
	}
	part[k * d + k] = mind;
	part[k * d + k + 1] = changed;
	return 0;
}

/* Squared distance of every row to its assigned centre, into w->dist; the
 * shard's sum goes to partial[shard * pstride]. */
static int
sqdist_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km *w = vctx;
	size_t d = w->d, i, j;
	double total = 0.0;

	for (i = begin; i < end; i++) {
		const double *x = w->X + i * d, *c = w->centers + (size_t)w->labels[i] * d;
		double s = 0.0;
		for (j = 0; j < d; j++) {
			double t = x[j] - c[j];
			s += t * t;
		}
		if (w->dist != NULL)
			w->dist[i] = s;
		total += s;
	}
	w->partial[shard * w->pstride] = total;
	return 0;
}

static int
run_pass(struct km *w, parfor_fn fn)
{
	int rc = parfor_run(w->n, SHARD_ROWS, w->workers, fn, w);

	return rc != 0 ? plugkit_status(rc) : LATHE_OK;
}

/* Inertia of the current labels and centres: sum of squared distances. */
static int
inertia(struct km *w, double *out)
{
	size_t s;
	double total = 0.0;
	int rc;

	w->dist = NULL;
	if ((rc = run_pass(w, sqdist_shard)) != 0)
		return rc;
	for (s = 0; s < w->nshards; s++)
		total += w->partial[s * w->pstride];
	*out = total;
	return LATHE_OK;
}

/*
 * scikit-learn's _relocate_empty_clusters_dense: the n_empty rows farthest
 * from their (old) centres become the empty clusters' new centres, and are
 * taken out of their old clusters' sums.  sums/counts are the reduced
 * partials (before averaging); old are the centres used for assignment.
 */
static int
relocate_empty(struct km *w, double *sums, double *counts, const double *old)
{
	size_t k = w->k, d = w->d, n = w->n, n_empty = 0, i, j, e;
	size_t *far = NULL;
	int rc;

	for (j = 0; j < k; j++)
		n_empty += counts[j] == 0.0;
	if (n_empty == 0)
		return LATHE_OK;
	if (n_empty > n)
		n_empty = n;
	w->dist = malloc(n * sizeof *w->dist);
	far = malloc(n_empty * sizeof *far);
	if (w->dist == NULL || far == NULL) {
		rc = LATHE_ENOMEM;
		goto out;
	}
	w->centers = old;
	if ((rc = run_pass(w, sqdist_shard)) != 0)
		goto out;
	/* The n_empty largest distances, in decreasing order (ties: lower row). */
	for (e = 0; e < n_empty; e++)
		far[e] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		double v = w->dist[i];
		size_t pos = n_empty;

		while (pos > 0 && (far[pos - 1] == SIZE_MAX || v > w->dist[far[pos - 1]]))
			pos--;
		if (pos >= n_empty)
			continue;
		memmove(far + pos + 1, far + pos, (n_empty - pos - 1) * sizeof *far);
		far[pos] = i;
	}
	for (e = 0, j = 0; j < k && e < n_empty; j++) {
		size_t fi, oc;
		const double *x;

		if (counts[j] != 0.0)
			continue;
		fi = far[e++];
		oc = (size_t)w->labels[fi];
		x = w->X + fi * d;
		for (i = 0; i < d; i++) {
			sums[oc * d + i] -= x[i];
			sums[j * d + i] = x[i];
		}
		counts[j] = 1.0;
		counts[oc] -= 1.0;
	}
	rc = LATHE_OK;
out:
	free(w->dist);
	w->dist = NULL;
	free(far);
	return rc;
}

static void
centre_norms(const double *c, size_t k, size_t d, double *cnorm)
{
	size_t j, l;

	for (j = 0; j < k; j++) {
		double s = 0.0;
		for (l = 0; l < d; l++)
			s += c[j * d + l] * c[j * d + l];
		cnorm[j] = s;
	}
}

/*
 * One Lloyd run from centres (k x d, overwritten by the result; new_c is
 * scratch of the same size).  labels receives the final labels.  *iters is
 * the number of iterations, *inert the inertia.  Progress is reported as
 * step `step0 + iteration` of `total`.
 */
static int
lloyd(struct km *w, double *centers, double *new_c, int *labels, int max_iter,
    double tol, int step0, int total, int *iters, double *inert)
{
	size_t k = w->k, d = w->d, s, j, l;
	double *sums = NULL, *counts;
	double mind, changed, shift;
	int it, strict = 0, rc;

	if ((sums = malloc((k * d + k) * sizeof *sums)) == NULL)
		return LATHE_ENOMEM;
	counts = sums + k * d;
	for (s = 0; s < w->n; s++)
		labels[s] = -1;
	w->labels = labels;
	for (it = 0; it < max_iter; it++) {
		if (w->host->cancelled(w->host->ctx)) {
			rc = LATHE_ECANCELLED;
			goto out;
		}
		centre_norms(centers, k, d, w->cnorm);
		w->centers = centers;
		w->update = 1;
		if ((rc = run_pass(w, lloyd_shard)) != 0)
			goto out;
		memset(sums, 0, (k * d + k) * sizeof *sums);
		mind = changed = 0.0;
		for (s = 0; s < w->nshards; s++) {
			const double *p = w->partial + s * w->pstride;
			for (j = 0; j < k * d + k; j++)
				sums[j] += p[j];
			mind += p[k * d + k];
			changed += p[k * d + k + 1];
		}
		if ((rc = relocate_empty(w, sums, counts, centers)) != 0)
			goto out;
		shift = 0.0;
		for (j = 0; j < k; j++) {
			double a = counts[j] > 0.0 ? 1.0 / counts[j] : 1.0, cs = 0.0;
			for (l = 0; l < d; l++) {
				double v = counts[j] > 0.0 ? sums[j * d + l] * a : sums[j * d + l];
				double t = v - centers[j * d + l];
				new_c[j * d + l] = v;
				cs += t * t;
			}
			cs = sqrt(cs);
			shift += cs * cs;
		}
		memcpy(centers, new_c, k * d * sizeof *centers);
		w->host->progress(w->host->ctx, step0 + it + 1, total, mind);
		if (changed == 0.0) {
			strict = 1;
			break;
		}
		if (shift <= tol)
			break;
	}
	*iters = it < max_iter ? it + 1 : max_iter;
	if (!strict) {
		/* Final E-step so that labels match the centres. */
		centre_norms(centers, k, d, w->cnorm);
		w->centers = centers;
		w->update = 0;
		if ((rc = run_pass(w, lloyd_shard)) != 0)
			goto out;
	}
	w->centers = centers;
	rc = inertia(w, inert);
out:
	free(sums);
	return rc;
}

/* Distances from the candidate centres to every row, min'd with closest;
 * per-shard candidate potentials in partial. */
static int
cand_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km *w = vctx;
	size_t d = w->d, T = w->trials, i0, i, t, rows;
	double *part = w->partial + shard * w->pstride;
	double *D = w->scratch + (size_t)worker * w->block * (w->k > T ? w->k : T);
	struct mat Cm = mat_view((double *)(uintptr_t)w->cands, T, d, d);
	int rc;

	memset(part, 0, T * sizeof *part);
	for (i0 = begin; i0 < end; i0 += rows) {
		struct mat Xb, Db;

		rows = end - i0 < w->block ? end - i0 : w->block;
		Xb = mat_view((double *)(uintptr_t)(w->X + i0 * d), rows, d, d);
		Db = mat_view(D, rows, T, T);
		if ((rc = mat_gemm(MAT_NOTRANS, MAT_TRANS, -2.0, &Xb, &Cm, 0.0, &Db)) != 0)
			return rc;
		for (i = 0; i < rows; i++)
			for (t = 0; t < T; t++) {
				double v = D[i * T + t];
				v += w->csq[t];
				v += w->xsq[i0 + i];
				v = v > 0.0 ? v : 0.0;
				if (w->closest != NULL && w->closest[i0 + i] < v)
					v = w->closest[i0 + i];
				w->cdist[t * w->n + i0 + i] = v;
				part[t] += v;
			}
	}
	return 0;
}

/* Candidate potentials for the rows in idx[0..T-1]; distances in cdist. */
static int
eval_candidates(struct km *w, const size_t *idx, size_t T, double *cands,
    double *csq, double *pot)
{
	size_t t, s;
	int rc;

	for (t = 0; t < T; t++)
		memcpy(cands + t * w->d, w->X + idx[t] * w->d, w->d * sizeof *cands);
	centre_norms(cands, T, w->d, csq);
	w->cands = cands;
	w->csq = csq;
	w->trials = T;
	if ((rc = run_pass(w, cand_shard)) != 0)
		return rc;
	for (t = 0; t < T; t++) {
		pot[t] = 0.0;
		for (s = 0; s < w->nshards; s++)
			pot[t] += w->partial[s * w->pstride + t];
	}
	return LATHE_OK;
}

/* Greedy k-means++ (scikit-learn's _kmeans_plusplus) into centers. */
static int
init_kmeanspp(struct km *w, double *centers, double *cumsum, double *cands,
    double *csq, double *pot)
{
	size_t n = w->n, d = w->d, k = w->k, T, c, t, i, best, lo, hi;
	size_t idx[64];
	double current, acc;
	int rc;

	T = 2 + (size_t)floor(log((double)k));
	if (T > 64)
		T = 64;
	idx[0] = (size_t)rand_below(w->host, n);
	w->closest = NULL;
	if ((rc = eval_candidates(w, idx, 1, cands, csq, pot)) != 0)
		return rc;
	memcpy(centers, w->X + idx[0] * d, d * sizeof *centers);
	memcpy(w->closest_buf, w->cdist, n * sizeof *w->closest_buf);
	w->closest = w->closest_buf;
	current = pot[0];
	for (c = 1; c < k; c++) {
		if (w->host->cancelled(w->host->ctx))
			return LATHE_ECANCELLED;
		acc = 0.0;
		for (i = 0; i < n; i++) {
			acc += w->closest[i];
			cumsum[i] = acc;
		}
		for (t = 0; t < T; t++) {
			double r = rand_uniform(w->host) * current;
			/* searchsorted(cumsum, r, 'left'), clipped to n - 1 */
			lo = 0;
			hi = n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (cumsum[mid] < r)
					lo = mid + 1;
				else
					hi = mid;
			}
			idx[t] = lo < n ? lo : n - 1;
		}
		if ((rc = eval_candidates(w, idx, T, cands, csq, pot)) != 0)
			return rc;
		best = 0;
		for (t = 1; t < T; t++)
			if (pot[t] < pot[best])
				best = t;
		current = pot[best];
		memcpy(w->closest_buf, w->cdist + best * n, n * sizeof *w->closest_buf);
		memcpy(centers + c * d, w->X + idx[best] * d, d * sizeof *centers);
	}
	w->closest = NULL;
	return LATHE_OK;
}

/* k distinct rows, uniformly (the first k of a random permutation). */
static int
init_random(struct km *w, double *centers)
{
	size_t n = w->n, k = w->k, i, j, tmp;
	size_t *perm = malloc(n * sizeof *perm);

	if (perm == NULL)
		return LATHE_ENOMEM;
	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = 0; i < k; i++) {
		j = i + (size_t)rand_below(w->host, n - i);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
		memcpy(centers + i * w->d, w->X + perm[i] * w->d, w->d * sizeof *centers);
	}
	free(perm);
	return LATHE_OK;
}

/* scikit-learn's _is_same_clustering: a and b are the same partition. */
static int
same_clustering(const int *a, const int *b, size_t n, size_t k, int *map)
{
	size_t i, j;

	for (j = 0; j < k; j++)
		map[j] = -1;
	for (i = 0; i < n; i++) {
		if (map[a[i]] == -1)
			map[a[i]] = b[i];
		else if (map[a[i]] != b[i])
			return 0;
	}
	return 1;
}

/* --- plugin operations ----------------------------------------------------- */

static void
kmeans_destroy(struct lathe_model *m)
{
	if (m == NULL)
		return;
	free(m->centers);
	free(m->cnorm);
	free(m->sizes);
	free(m);
}

static int
kmeans_create(const struct lathe_params *params, unsigned task,
    const struct lathe_host *host, struct lathe_model **out, char **err)
{
	struct lathe_model *m;
	int rc;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no output pointer");
	*out = NULL;
	if ((rc = plugkit_task_check("kmeans", LATHE_TASK_CLUSTERING, task, err)) != 0)
		return rc;
	if ((rc = plugkit_params_check(kmeans_params, P_COUNT, params, err)) != 0)
		return rc;
	if ((m = calloc(1, sizeof *m)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory");
	m->k = (int)params->num[P_N_CLUSTERS];
	m->init = plugkit_choice(&kmeans_params[P_INIT], params->str[P_INIT]);
	m->n_init = (int)params->num[P_N_INIT];
	m->max_iter = (int)params->num[P_MAX_ITER];
	m->tol = params->num[P_TOL];
	*out = m;
	return LATHE_OK;
}

/* Centring, in two sharded passes: column sums, then the centred copy with
 * its row norms and the per-shard column sums of squares. */
struct km_prep {
	const double *X;
	double *Xc, *xsq, *mean, *partial;
	size_t d;
};

static int
colsum_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km_prep *p = vctx;
	double *part = p->partial + shard * p->d;
	size_t i, j, d = p->d;

	memset(part, 0, d * sizeof *part);
	for (i = begin; i < end; i++)
		for (j = 0; j < d; j++)
			part[j] += p->X[i * d + j];
	return 0;
}

static int
centre_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km_prep *p = vctx;
	double *part = p->partial + shard * p->d;
	size_t i, j, d = p->d;

	memset(part, 0, d * sizeof *part);
	for (i = begin; i < end; i++) {
		double s2 = 0.0;
		for (j = 0; j < d; j++) {
			double v = p->X[i * d + j] - p->mean[j];
			p->Xc[i * d + j] = v;
			part[j] += v * v;
			s2 += v * v;
		}
		p->xsq[i] = s2;
	}
	return 0;
}

/*
 * The whole fit.  init (k x d, in the data's own coordinates) NULL means
 * seed with the model's init method n_init times; otherwise one run from
 * those centres, as scikit-learn does for an array init.  Tests call this
 * directly with given centres.
 */
static int
kmeans_fit_from(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, const double *init, char **err)
{
	struct km w;
	size_t n, d, k, i, j, T, s;
	double *Xc = NULL, *xsq = NULL, *mean = NULL, *cumsum = NULL;
	double *cur = NULL, *best_c = NULL, *new_c = NULL, *cands = NULL;
	double *csq = NULL, *pot = NULL, *cnorm = NULL, *var = NULL;
	int *labels = NULL, *best_l = NULL, *map = NULL, *tmpl;
	uint64_t *sizes = NULL;
	double tol, best_inertia = HUGE_VAL, run_inertia;
	int rc, run, runs, iters, best_iters = 0, have_best = 0, steps = 0;
	char msg[200];

	memset(&w, 0, sizeof w);
	if (m == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no model");
	if (host == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no host services");
	if ((rc = plugkit_data_check(data, 1, err)) != 0)
		return rc;
	n = data->n;
	d = data->d;
	k = (size_t)m->k;
	if (k > n)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: n_clusters = %zu is "
		    "more than the %zu training rows", k, n);
	T = 2 + (size_t)floor(log((double)k));
	if (T > 64)
		T = 64;
	runs = init != NULL ? 1 : m->n_init;

	w.n = n;
	w.d = d;
	w.k = k;
	w.host = host;
	w.workers = parfor_default_threads();
	w.block = GEMM_SMALL / (d * (k > T ? k : T));
	if (w.block == 0) {
		w.block = 1;
		w.workers = 1;
	}
	if (w.block > BLOCK_ROWS)
		w.block = BLOCK_ROWS;
	w.workers = parfor_workers(n, SHARD_ROWS, w.workers);
	w.nshards = parfor_shards(n, SHARD_ROWS);
	w.pstride = k * d + k + 2 > T ? k * d + k + 2 : T;

	rc = LATHE_ENOMEM;
	Xc = malloc(n * d * sizeof *Xc);
	xsq = malloc(n * sizeof *xsq);
	mean = calloc(d, sizeof *mean);
	var = calloc(d, sizeof *var);
	cur = malloc(k * d * sizeof *cur);
	best_c = malloc(k * d * sizeof *best_c);
	new_c = malloc(k * d * sizeof *new_c);
	cnorm = malloc(k * sizeof *cnorm);
	labels = malloc(n * sizeof *labels);
	best_l = malloc(n * sizeof *best_l);
	map = malloc(k * sizeof *map);
	sizes = calloc(k, sizeof *sizes);
	w.partial = malloc(w.nshards * w.pstride * sizeof *w.partial);
	w.scratch = malloc((size_t)w.workers * w.block * (k > T ? k : T) *
	    sizeof *w.scratch);
	if (Xc == NULL || xsq == NULL || mean == NULL || var == NULL || cur == NULL ||
	    best_c == NULL || new_c == NULL || cnorm == NULL || labels == NULL ||
	    best_l == NULL || map == NULL || sizes == NULL || w.partial == NULL ||
	    w.scratch == NULL)
		goto nomem;
	if (init == NULL && m->init == INIT_KMEANSPP) {
		cumsum = malloc(n * sizeof *cumsum);
		w.closest_buf = malloc(n * sizeof *w.closest_buf);
		w.cdist = malloc(T * n * sizeof *w.cdist);
		cands = malloc(T * d * sizeof *cands);
		csq = malloc(T * sizeof *csq);
		pot = malloc(T * sizeof *pot);
		if (cumsum == NULL || w.closest_buf == NULL || w.cdist == NULL ||
		    cands == NULL || csq == NULL || pot == NULL)
			goto nomem;
	}

	/* Centre the data; tolerance from the per-feature variances. */
	{
		struct km_prep pp = { data->X, Xc, xsq, mean, NULL, d };

		if ((pp.partial = malloc(w.nshards * d * sizeof *pp.partial)) == NULL)
			goto nomem;
		rc = parfor_run(n, SHARD_ROWS, w.workers, colsum_shard, &pp);
		for (s = 0; rc == 0 && s < w.nshards; s++)
			for (j = 0; j < d; j++)
				mean[j] += pp.partial[s * d + j];
		for (j = 0; j < d; j++)
			mean[j] /= (double)n;
		if (rc == 0)
			rc = parfor_run(n, SHARD_ROWS, w.workers, centre_shard, &pp);
		for (s = 0; rc == 0 && s < w.nshards; s++)
			for (j = 0; j < d; j++)
				var[j] += pp.partial[s * d + j];
		free(pp.partial);
		if (rc != 0) {
			rc = plugkit_status(rc);
			goto fail;
		}
	}
	tol = 0.0;
	for (j = 0; j < d; j++)
		tol += var[j] / (double)n;
	tol = m->tol == 0.0 ? 0.0 : tol / (double)d * m->tol;
	w.X = Xc;
	w.xsq = xsq;
	w.cnorm = cnorm;

	for (run = 0; run < runs; run++) {
		rc = LATHE_OK;
		if (init != NULL) {
			for (j = 0; j < k; j++)
				for (i = 0; i < d; i++)
					cur[j * d + i] = init[j * d + i] - mean[i];
		} else if (m->init == INIT_KMEANSPP) {
			rc = init_kmeanspp(&w, cur, cumsum, cands, csq, pot);
		} else {
			rc = init_random(&w, cur);
		}
		if (rc != LATHE_OK)
			goto fail;
		rc = lloyd(&w, cur, new_c, labels, m->max_iter, tol, steps,
		    runs * m->max_iter, &iters, &run_inertia);
		if (rc != LATHE_OK)
			goto fail;
		steps += iters;
		snprintf(msg, sizeof msg, "kmeans: run %d of %d: inertia %.17g after "
		    "%d iterations", run + 1, runs, run_inertia, iters);
		host->log(host->ctx, 0, msg);
		if (!have_best || (run_inertia < best_inertia &&
		    !same_clustering(labels, best_l, n, k, map))) {
			have_best = 1;
			best_inertia = run_inertia;
			best_iters = iters;
			memcpy(best_c, cur, k * d * sizeof *cur);
			tmpl = best_l;
			best_l = labels;
			labels = tmpl;
		}
	}

	for (i = 0; i < n; i++)
		sizes[best_l[i]]++;
	for (s = 0, j = 0; j < k; j++)
		s += sizes[j] > 0;
	if (s < k) {
		snprintf(msg, sizeof msg, "kmeans: found only %zu distinct clusters "
		    "of %zu (duplicate rows?)", s, k);
		host->log(host->ctx, 1, msg);
	}
	for (j = 0; j < k; j++)
		for (i = 0; i < d; i++)
			best_c[j * d + i] += mean[i];
	centre_norms(best_c, k, d, cnorm);
	free(m->centers);
	free(m->cnorm);
	free(m->sizes);
	m->centers = best_c;
	m->cnorm = cnorm;
	m->sizes = sizes;
	best_c = cnorm = NULL;
	sizes = NULL;
	m->d = d;
	m->inertia = best_inertia;
	m->n_iter = best_iters;
	m->fitted = 1;
	rc = LATHE_OK;
	goto out;
nomem:
	rc = plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory (%zu x %zu, "
	    "k = %zu)", n, d, k);
	goto out;
fail:
	if (rc == LATHE_ECANCELLED)
		plugkit_fail(err, rc, "kmeans: cancelled");
	else if (rc == LATHE_ENOMEM)
		plugkit_fail(err, rc, "kmeans: out of memory");
	else
		plugkit_fail(err, rc, "kmeans: numerical failure");
out:
	free(Xc);
	free(xsq);
	free(mean);
	free(var);
	free(cur);
	free(best_c);
	free(new_c);
	free(cnorm);
	free(labels);
	free(best_l);
	free(map);
	free(sizes);
	free(cumsum);
	free(cands);
	free(csq);
	free(pot);
	free(w.partial);
	free(w.scratch);
	free(w.closest_buf);
	free(w.cdist);
	return rc;
}

static int
kmeans_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	return kmeans_fit_from(m, data, host, NULL, err);
}

static size_t
kmeans_output_width(const struct lathe_model *m)
{
	return 1;
}

static int
kmeans_predict(const struct lathe_model *m, size_t n, size_t d,
    const double *X, double *out, char **err)
{
	size_t k, i0, i, j, rows, B;
	double *D;
	int lrc = LINALG_OK;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: model is not fitted");
	if (d != m->d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "kmeans: model has %zu features, input has %zu", m->d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no input or output buffer");
	k = (size_t)m->k;
	B = n < BLOCK_ROWS ? n : BLOCK_ROWS;
	if ((D = malloc(B * k * sizeof *D)) == NULL)
		return plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory");
	for (i0 = 0; i0 < n; i0 += rows) {
		struct mat Xb, Db, C;

		rows = n - i0 < B ? n - i0 : B;
		for (i = 0; i < rows; i++)
			memcpy(D + i * k, m->cnorm, k * sizeof *D);
		Xb = mat_view((double *)(uintptr_t)(X + i0 * d), rows, d, d);
		Db = mat_view(D, rows, k, k);
		C = mat_view(m->centers, k, d, d);
		if ((lrc = mat_gemm(MAT_NOTRANS, MAT_TRANS, -2.0, &Xb, &C, 1.0, &Db)) != 0)
			break;
		for (i = 0; i < rows; i++) {
			const double *di = D + i * k;
			size_t lab = 0;
			for (j = 1; j < k; j++)
				if (di[j] < di[lab])
					lab = j;
			out[i0 + i] = (double)lab;
		}
	}
	free(D);
	if (lrc != LINALG_OK)
		return plugkit_fail(err, plugkit_status(lrc), "kmeans: predict: %s",
		    linalg_strerror(lrc));
	return LATHE_OK;
}

static int
kmeans_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	struct blobw w;
	size_t j;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: model is not fitted");
	if (buf == NULL || len == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no output buffer");
	blobw_init(&w, KMEANS_FORMAT, KMEANS_MAGIC);
	blobw_u64(&w, (uint64_t)m->k);
	blobw_u64(&w, m->d);
	blobw_u32(&w, (uint32_t)m->n_iter);
	blobw_f64(&w, m->inertia);
	blobw_f64s(&w, m->centers, (size_t)m->k * m->d);
	for (j = 0; j < (size_t)m->k; j++)
		blobw_u64(&w, m->sizes[j]);
	if (blobw_finish(&w, buf, len) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory");
	return LATHE_OK;
}

static int
kmeans_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	struct lathe_model *m = NULL;
	struct blobr r;
	char msg[200];
	uint32_t version, n_iter;
	uint64_t k, d, j;
	int rc = LATHE_EFORMAT;

	if (out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: no output pointer");
	*out = NULL;
	if (blobr_open(&r, buf, len, KMEANS_MAGIC, KMEANS_FORMAT, &version,
	    "kmeans model", msg, sizeof msg) != 0)
		return plugkit_fail(err, LATHE_EFORMAT, "kmeans: %s", msg);
	if (blobr_u64(&r, &k) != 0 || blobr_u64(&r, &d) != 0 ||
	    blobr_u32(&r, &n_iter) != 0 || k == 0 || d == 0 || k > INT32_MAX ||
	    n_iter > INT32_MAX || d > UINT64_MAX / k - 1 ||
	    !blobr_has(&r, k * d + k + 1, 8))
		goto corrupt;
	if ((m = calloc(1, sizeof *m)) == NULL ||
	    (m->centers = malloc((size_t)(k * d) * sizeof *m->centers)) == NULL ||
	    (m->cnorm = malloc((size_t)k * sizeof *m->cnorm)) == NULL ||
	    (m->sizes = malloc((size_t)k * sizeof *m->sizes)) == NULL) {
		rc = plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory");
		goto fail;
	}
	m->k = (int)k;
	m->d = (size_t)d;
	m->n_iter = (int)n_iter;
	if (blobr_f64(&r, &m->inertia) != 0 ||
	    blobr_f64s(&r, m->centers, (size_t)(k * d)) != 0)
		goto corrupt;
	for (j = 0; j < k; j++)
		if (blobr_u64(&r, &m->sizes[j]) != 0)
			goto corrupt;
	if (!blobr_done(&r) || !(m->inertia >= 0.0) || !isfinite(m->inertia) ||
	    !plugkit_finite(m->centers, (size_t)(k * d)))
		goto corrupt;
	centre_norms(m->centers, (size_t)k, (size_t)d, m->cnorm);
	m->fitted = 1;
	*out = m;
	return LATHE_OK;
corrupt:
	rc = plugkit_fail(err, LATHE_EFORMAT, "kmeans: kmeans model payload is "
	    "corrupt (fields do not match their sizes)");
fail:
	kmeans_destroy(m);
	return rc;
}

static int
kmeans_summary(const struct lathe_model *m, char **json, char **err)
{
	struct jbuf b;
	size_t j;

	if (m == NULL || !m->fitted)
		return plugkit_fail(err, LATHE_EINVAL, "kmeans: model is not fitted");
	jbuf_init(&b);
	jbuf_obj(&b);
	jbuf_key(&b, "centers");
	jbuf_matrix(&b, m->centers, (size_t)m->k, m->d);
	jbuf_key(&b, "cluster_sizes");
	jbuf_arr(&b);
	for (j = 0; j < (size_t)m->k; j++)
		jbuf_int(&b, (int64_t)m->sizes[j]);
	jbuf_arr_end(&b);
	jbuf_key(&b, "inertia");
	jbuf_num(&b, m->inertia);
	jbuf_key(&b, "n_iter");
	jbuf_int(&b, m->n_iter);
	jbuf_key(&b, "n_clusters");
	jbuf_int(&b, m->k);
	jbuf_key(&b, "n_features");
	jbuf_int(&b, (int64_t)m->d);
	jbuf_obj_end(&b);
	if (jbuf_finish(&b, json) != LINALG_OK)
		return plugkit_fail(err, LATHE_ENOMEM, "kmeans: out of memory");
	return LATHE_OK;
}

static const struct lathe_plugin kmeans_plugin = {
	.abi_major = LATHE_PLUGIN_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = "kmeans",
	.version = "1.0.0",
	.description = "Lloyd's k-means with k-means++ seeding (scikit-learn KMeans)",
	.tasks = LATHE_TASK_CLUSTERING,
	.params = kmeans_params,
	.nparams = P_COUNT,
	.model_format = KMEANS_FORMAT,
	.create = kmeans_create,
	.fit = kmeans_fit,
	.output_width = kmeans_output_width,
	.predict = kmeans_predict,
	.save = kmeans_save,
	.load = kmeans_load,
	.destroy = kmeans_destroy,
	.summary = kmeans_summary,
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &kmeans_plugin;
}
