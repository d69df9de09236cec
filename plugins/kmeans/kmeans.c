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
 *     first centre wins ties), and averages the rows of each cluster;
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
 * ACCELERATION (exact).  The iterations are Lloyd's, but most rows skip
 * the distance computation, with Hamerly's bounds (plugins/kmeans/hamerly.h): each
 * row keeps an upper bound u on its distance to its own centre and a
 * lower bound l on its distance to every other centre.  When the centres
 * move, u grows by its centre's shift and l shrinks by the largest shift;
 * a row with
 *     max(l, s_a - u) > u,    s_a = distance from its centre to the nearest other,
 * provably keeps its label and is not read at all.  The other rows are
 * scored against every centre (linalg/cdist.h) and get exact bounds
 * again.  Cluster sums are kept up to date from the rows that change
 * cluster only (sum_new += x, sum_old -= x, the shard's moves added in row
 * order), in compensated (two-double) arithmetic so that rounding does not
 * drift over the iterations.
 *   The rows are scored from a float copy of the centred data, in float
 * arithmetic (half the memory, twice the rows per instruction), with a
 * rigorous bound on the difference from the double computation
 * (cdist_f32_error): a choice is taken from the float scores only when the
 * runner-up is farther than twice that bound plus the double scores' own
 * error, else the row is scored in double as the plain pass scores it
 * (about one row in a million on the benchmark data).  Data too large for
 * floats (centred norms near 1e18) are scored in double throughout.
 *   "Provably" includes rounding: a row is skipped only when its squared
 * distances to the other centres exceed the one to its own by more than
 * twice the worst-case error of a computed double score
 * (cdist_error_bound), so plain Lloyd — which scores every row with
 * cdist_nearest — would pick the same centre; every bound is rounded
 * outwards.  The result is plain Lloyd's from the same initial centres:
 * the same labels at every iteration and centres equal to within the
 * rounding of the sums (~1e-15 relative; the first iteration's are
 * bit-identical).  The plain iteration is kept (struct km_opts) as the
 * tests' reference.
 *   Cost per iteration: a pass over the labels and bounds (12 bytes a row),
 * a float score for the rows whose bounds fail (most of them in the first
 * iterations, a few percent near convergence), and a read of the double
 * row of each row that changed cluster.  An empty cluster costs one full
 * pass, as before.  The inertia reported to progress() each iteration
 * comes from the sums: sum ||x||^2 - 2 sum_j c_j.S_j + sum_j n_j ||c_j||^2.
 *
 * k-means++ draws rows in proportion to squared distances from the float
 * copy (cdist_dist_f32; cdist_scores in double when there is no float
 * copy): only the draws' probabilities depend on them, to ~1e-7.
 * predict() uses dgemm, as before.
 *
 * Rows are processed in fixed shards (linalg/parfor.h) on OpenBLAS's
 * thread count; each shard keeps its own partial sums, added in shard
 * order, so results do not depend on the thread count.  Memory: a centred
 * copy of X (n x d doubles) and its float copy (n x d floats), labels (2n
 * ints), the bounds (2n floats), and for k-means++ the candidate
 * distances ((2 + ln k) x n doubles); the per-row arrays are on huge
 * pages where the system allows (linalg/bigbuf.h), which halves the
 * set-up of a fit (page faults) and the TLB misses of scattered rows.
 *
 * Payload (format 1, see plugins/kit/blobio.h for the frame):
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

#include "hamerly.h"
#include "kit/blobio.h"
#include "kit/jsonbuf.h"
#include "kit/plugkit.h"
#include "linalg/bigbuf.h"
#include "linalg/cdist.h"
#include "linalg/linalg.h"
#include "linalg/mat.h"
#include "linalg/parfor.h"

#define KMEANS_FORMAT 1u
static const char KMEANS_MAGIC[4] = { 'L', 'T', 'K', 'M' };

#define SHARD_ROWS ((size_t)8192)
#define BLOCK_ROWS ((size_t)1024)
/* Rows handed to cdist_nearest at a time. */
#define NEAR_ROWS ((size_t)512)
/* How many moves ahead apply_moves asks for a scattered row. */
#define KM_MOVE_AHEAD ((size_t)16)
/* k-means++ candidates per round, at most. */
#define KM_MAX_TRIALS 64
/* Scores held per worker for k-means++ (doubles). */
#define SCORE_CELLS ((size_t)65536)

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

/*
 * Internal options of a fit; the plugin's fit() uses the defaults (all
 * zero).  The tests #include this file and ask for the plain iteration or
 * watch every iteration.
 */
struct km_opts {
	int plain;      /* 1: score every row every iteration (the reference) */
	/* (optional) called after every iteration's update with the labels of
	 * its assignment, the new centres (centred coordinates, k x d) and the
	 * number of rows the assignment scored */
	void (*iter)(void *ctx, int it, const int *labels, const double *centers,
	    double scored);
	void *ctx;
};

/* A row that changed cluster, to be moved between the cluster sums. */
struct km_move {
	size_t row;
	int from, to;   /* from is -1 in the first iteration */
};

struct km {
	const double *X;        /* centred copy, n x d */
	const float *Xf;        /* the same rounded to float (accelerated pass), or NULL */
	float *cpf;             /* centers packed for cdist_nearest_f32 */
	int use_f32;            /* this pass scores Xf with cpf */
	const double *xsq;      /* ||x_i||^2 of the centred rows */
	double xsq_total;       /* their sum */
	double xmax;            /* max ||x_i|| */
	size_t n, d, k;
	int workers;
	size_t block, nshards, pstride;
	double *partial;        /* nshards x pstride */
	double *scratch;        /* workers x block x max(k, trials) (k-means++) */
	float *fscratch;        /* workers x block x trials (k-means++) */
	/* per worker, NEAR_ROWS each: rows to score and their results */
	size_t *idx;
	int *nlab;
	double *nbest, *nsecond;
	struct km_move *moves;  /* workers x SHARD_ROWS */
	double *cscratch;       /* workers x cdist_scratch_size(d) */
	/* one Lloyd pass */
	const double *centers;  /* k x d, being assigned to */
	double *cnorm;          /* k: ||c||^2 */
	double *cp;             /* centers packed for cdist_nearest */
	int *labels;
	int update;
	/* the accelerated pass: bounds of every row (valid for `centers`
	 * once moved by bshift), and what the centres' geometry allows */
	int plain;
	float *ub, *lb;         /* n: upper bound to own centre, lower to others */
	const double *bshift;   /* k: upper bound on each centre's last move */
	double maxshift;        /* max of bshift */
	const double *sep;      /* k: lower bound on distance to the nearest other centre */
	double err;             /* bound on the error of one computed score */
	double ferr2;           /* scores from Xf: trust a choice with a gap above this */
	double fmargin;         /* and widen the bounds by this */
	double scored;          /* rows scored so far, over passes */
	int passes;
	/* k-means++ */
	double *ccp;            /* the candidates packed for cdist_scores */
	float *ccpf;            /* and for cdist_dist_f32 */
	int seed_f32;           /* score candidates from Xf */
	const double *cands;    /* trials x d */
	const double *csq;      /* trials */
	size_t trials;
	const double *closest;  /* n: distance to the nearest chosen centre (a
	                           row of cdist), or NULL before the first one */
	double *cdist;          /* trials x n */
	/* relocation */
	double *dist;           /* n, only when a cluster is empty */
	const struct lathe_host *host;
	const struct km_opts *opts;
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
	int *nlab = w->nlab + (size_t)worker * NEAR_ROWS;
	double *nbest = w->nbest + (size_t)worker * NEAR_ROWS;
	double *cs = w->cscratch + (size_t)worker * cdist_scratch_size(d);
	double mind = 0.0, changed = 0.0;

	memset(part, 0, w->pstride * sizeof *part);
	for (i0 = begin; i0 < end; i0 += rows) {
		rows = end - i0 < NEAR_ROWS ? end - i0 : NEAR_ROWS;
		cdist_nearest(w->X, d, NULL, i0, rows, w->cp, k, cs, nlab,
		    nbest, NULL);
		for (i = 0; i < rows; i++) {
			const double *x = w->X + (i0 + i) * d;
			double t = nbest[i] + w->xsq[i0 + i];
			int lab = nlab[i];

			changed += w->labels[i0 + i] != lab;
			w->labels[i0 + i] = lab;
			mind += t > 0.0 ? t : 0.0;
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

/* Asks for a cache line ahead of its use (a no-op elsewhere). */
#if defined(__GNUC__)
#define KM_PREFETCH(p) __builtin_prefetch(p)
#else
#define KM_PREFETCH(p) ((void)(p))
#endif

/* Moves rows between the shard's delta sums (part: sums k x d, counts k). */
static void
apply_moves(const struct km *w, const struct km_move *mv, size_t nm, double *part)
{
	size_t d = w->d, k = w->k, q, j;
	double *dsums = part, *dcounts = part + k * d;

	for (q = 0; q < nm; q++) {
		const double *x = w->X + mv[q].row * d;
		double *s = dsums + (size_t)mv[q].to * d;

		/* the rows are scattered: ask for one a few moves ahead, which
		 * keeps a steady number of them in flight */
		if (q + KM_MOVE_AHEAD < nm)
			for (j = 0; j < d; j += 8)
				KM_PREFETCH(w->X + mv[q + KM_MOVE_AHEAD].row * d + j);
		dcounts[mv[q].to] += 1.0;
		for (j = 0; j < d; j++)
			s[j] += x[j];
		if (mv[q].from >= 0) {
			s = dsums + (size_t)mv[q].from * d;
			dcounts[mv[q].from] -= 1.0;
			for (j = 0; j < d; j++)
				s[j] -= x[j];
		}
	}
}

/* Gives the rows idx[0..nb-1] their nearest centre and exact bounds.  The
 * rows that change cluster are relabelled and appended to mv; returns
 * their number. */
static size_t
hamerly_rescore(struct km *w, int worker, const size_t *idx, size_t nb,
    struct km_move *mv)
{
	size_t d = w->d, k = w->k, r, nm = 0;
	int *nlab = w->nlab + (size_t)worker * NEAR_ROWS;
	double *nbest = w->nbest + (size_t)worker * NEAR_ROWS;
	double *nsecond = w->nsecond + (size_t)worker * NEAR_ROWS;
	double *cs = w->cscratch + (size_t)worker * cdist_scratch_size(d);
	double E = w->err;
	float *ub = w->ub, *lb = w->lb;
	const double *xsq = w->xsq;
	int *labels = w->labels;

	/* The double path gives scores (squared distances less the row's norm)
	 * within E of the exact ones, the float path squared distances within
	 * fmargin; its choice is the plain pass's when the runner-up is more
	 * than ferr2 farther. */
	if (w->use_f32) {
		cdist_nearest_f32(w->Xf, d, idx, 0, nb, w->cpf, k, cs, nlab, nbest, nsecond);
		for (r = 0; r < nb; r++) {
			if (!(nsecond[r] - nbest[r] > w->ferr2)) {
				/* too close to call from the float row (about one
				 * row in a million): score the double row, as the
				 * plain pass does */
				cdist_nearest(w->X, d, idx + r, 0, 1, w->cp, k, cs, nlab + r,
				    nbest + r, nsecond + r);
				nbest[r] += xsq[idx[r]] + E;
				nsecond[r] += xsq[idx[r]] - E;
			} else {
				nbest[r] += w->fmargin;
				nsecond[r] -= w->fmargin;
			}
		}
	} else {
		cdist_nearest(w->X, d, idx, 0, nb, w->cp, k, cs, nlab, nbest, nsecond);
		for (r = 0; r < nb; r++) {
			nbest[r] += xsq[idx[r]] + E;
			nsecond[r] += xsq[idx[r]] - E;
		}
	}
	/* (nbest, nsecond now bound the squared distances; made distances
	 * below) */
	for (r = 0; r < nb; r++) {
		size_t i = idx[r];

		if (nlab[r] != labels[i]) {
			mv[nm].row = i;
			mv[nm].from = labels[i];
			mv[nm].to = nlab[r];
			labels[i] = nlab[r];
			nm++;
		}
	}
	cdist_bounds(nbest, nsecond, nb);
	for (r = 0; r < nb; r++) {
		ub[idx[r]] = hamerly_float_up(nbest[r]);
		lb[idx[r]] = hamerly_float_down(nsecond[r]);
	}
	return nm;
}

/*
 * The accelerated assignment of rows [begin, end): the bounds are carried
 * over the centres' last move and tested (plugins/kmeans/hamerly.h), and the rows
 * they do not settle are scored in blocks.  Partial layout: delta sums
 * (k d) and delta counts (k) of the rows that changed cluster, rows
 * scored, rows changed.
 */
static int
hamerly_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km *w = vctx;
	size_t k = w->k, d = w->d, i = begin, nb, nm = 0;
	double *part = w->partial + shard * w->pstride;
	size_t *idx = w->idx + (size_t)worker * NEAR_ROWS;
	struct km_move *mv = w->moves + (size_t)worker * SHARD_ROWS;
	double rescored = 0.0;

	memset(part, 0, w->pstride * sizeof *part);
	while (i < end) {
		/* the slack: twice the error of a double score, so that a row
		 * kept is one the plain pass keeps (the file's notes) */
		nb = hamerly_carry(w->labels, w->ub, w->lb, i, end, w->bshift, w->maxshift,
		    w->sep, k, 2.0 * w->err, idx, NEAR_ROWS, &i);
		if (nb == 0)
			continue;
		nm += hamerly_rescore(w, worker, idx, nb, mv + nm);
		rescored += (double)nb;
	}
	/* the shard's moves, in row order, in one prefetching sweep */
	apply_moves(w, mv, nm, part);
	part[k * d + k] = rescored;
	part[k * d + k + 1] = (double)nm;
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

/* (*hi, *lo) += v in two-double arithmetic (TwoSum: hi + lo carries the
 * rounding error of every addition), so the incrementally kept cluster
 * sums do not drift however many iterations add to them. */
static void
dd_add(double *hi, double *lo, double v)
{
	double s = *hi + v, bv = s - *hi;

	*lo += (*hi - (s - bv)) + (v - bv);
	*hi = s;
}

/*
 * Assigns every row to its nearest centre (lloyd_shard or hamerly_shard).
 * For the accelerated pass also works out the centres' geometry: sep
 * (k) gets a lower bound on each centre's distance to its nearest other
 * centre, and w->err the error bound of a score for these centres.
 */
static int
assign(struct km *w, const double *centers, double *sep)
{
	size_t k = w->k, d = w->d, a, b, l, s;
	double cmax = 0.0;
	int rc;

	cdist_pack(centers, k, d, w->cp, w->cnorm);
	w->centers = centers;
	w->passes++;
	if (w->plain) {
		w->scored += (double)w->n;
		return run_pass(w, lloyd_shard);
	}
	for (a = 0; a < k; a++) {
		cmax = w->cnorm[a] > cmax ? w->cnorm[a] : cmax;
		sep[a] = HUGE_VAL;
	}
	w->err = cdist_error_bound(d, w->xmax, sqrt(cmax));
	w->use_f32 = w->Xf != NULL && cdist_f32_usable(d, k, w->xmax, sqrt(cmax));
	if (w->use_f32) {
		double g = cdist_f32_error(d, w->xmax, sqrt(cmax));

		cdist_pack_f32(centers, k, d, w->cpf);
		w->ferr2 = 2.0 * (g + w->err);
		w->fmargin = g + 2.0 * w->err;
	}
	for (a = 0; a < k; a++)
		for (b = a + 1; b < k; b++) {
			double s2 = 0.0, sd;
			for (l = 0; l < d; l++) {
				double t = centers[a * d + l] - centers[b * d + l];
				s2 += t * t;
			}
			sd = sqrt(s2) * (1.0 - ((double)d + 8.0) * DBL_EPSILON);
			sep[a] = sd < sep[a] ? sd : sep[a];
			sep[b] = sd < sep[b] ? sd : sep[b];
		}
	w->sep = sep;
	if ((rc = run_pass(w, hamerly_shard)) != 0)
		return rc;
	for (s = 0; s < w->nshards; s++)
		w->scored += w->partial[s * w->pstride + k * d + k];
	return LATHE_OK;
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
	size_t k = w->k, d = w->d, kd = k * d, s, j, l;
	double *buf = NULL, *sums, *counts, *shi, *slo, *scnt, *bshift, *sep;
	double mind, changed, shift, v, scored;
	int it, strict = 0, rc;

	/* sums and counts (as reduced, then relocated), the two-double sums and
	 * the counts kept from iteration to iteration, the bounds' shifts, sep */
	if ((buf = calloc(3 * kd + 4 * k, sizeof *buf)) == NULL)
		return LATHE_ENOMEM;
	sums = buf;
	counts = sums + kd;
	shi = counts + k;
	slo = shi + kd;
	scnt = slo + kd;
	bshift = scnt + k;
	sep = bshift + k;
	for (s = 0; s < w->n; s++)
		labels[s] = -1;
	w->labels = labels;
	w->bshift = bshift;
	w->maxshift = 0.0;
	for (it = 0; it < max_iter; it++) {
		if (w->host->cancelled(w->host->ctx)) {
			rc = LATHE_ECANCELLED;
			goto out;
		}
		w->update = 1;
		scored = w->scored;
		if ((rc = assign(w, centers, sep)) != 0)
			goto out;
		scored = w->scored - scored;
		mind = changed = 0.0;
		if (w->plain) {
			memset(sums, 0, (kd + k) * sizeof *sums);
			for (s = 0; s < w->nshards; s++) {
				const double *p = w->partial + s * w->pstride;
				for (j = 0; j < kd + k; j++)
					sums[j] += p[j];
				mind += p[kd + k];
				changed += p[kd + k + 1];
			}
		} else {
			/* this iteration's moves, added in shard order */
			for (j = 0; j < kd + k; j++) {
				for (v = 0.0, s = 0; s < w->nshards; s++)
					v += w->partial[s * w->pstride + j];
				if (j < kd)
					dd_add(&shi[j], &slo[j], v);
				else
					scnt[j - kd] += v;
			}
			for (s = 0; s < w->nshards; s++)
				changed += w->partial[s * w->pstride + kd + k + 1];
			for (j = 0; j < kd; j++)
				sums[j] = shi[j] + slo[j];
			memcpy(counts, scnt, k * sizeof *counts);
			/* the inertia of this assignment from the sums:
			 * sum ||x||^2 - 2 sum_j c_j.S_j + sum_j n_j ||c_j||^2 */
			mind = w->xsq_total;
			for (j = 0; j < k; j++) {
				double dot = 0.0;
				for (l = 0; l < d; l++)
					dot += centers[j * d + l] * sums[j * d + l];
				mind += counts[j] * w->cnorm[j] - 2.0 * dot;
			}
			mind = fmax(mind, 0.0);
		}
		if ((rc = relocate_empty(w, sums, counts, centers)) != 0)
			goto out;
		shift = 0.0;
		w->maxshift = 0.0;
		for (j = 0; j < k; j++) {
			double a = counts[j] > 0.0 ? 1.0 / counts[j] : 1.0, cs = 0.0;
			for (l = 0; l < d; l++) {
				double c = counts[j] > 0.0 ? sums[j * d + l] * a : sums[j * d + l];
				double t = c - centers[j * d + l];
				new_c[j * d + l] = c;
				cs += t * t;
			}
			cs = sqrt(cs);
			shift += cs * cs;
			/* rounded up: the bounds move by at least the true shift */
			bshift[j] = cs * (1.0 + ((double)d + 8.0) * DBL_EPSILON);
			w->maxshift = bshift[j] > w->maxshift ? bshift[j] : w->maxshift;
		}
		memcpy(centers, new_c, kd * sizeof *centers);
		w->host->progress(w->host->ctx, step0 + it + 1, total, mind);
		if (w->opts != NULL && w->opts->iter != NULL)
			w->opts->iter(w->opts->ctx, it, labels, centers, scored);
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
		w->update = 0;
		if ((rc = assign(w, centers, sep)) != 0)
			goto out;
	}
	w->centers = centers;
	rc = inertia(w, inert);
out:
	free(buf);
	return rc;
}

/* Distances from the candidate centres to every row, min'd with closest;
 * per-shard candidate potentials in partial. */
static int
cand_shard(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct km *w = vctx;
	size_t d = w->d, T = w->trials, n = w->n, i0, i, t, rows;
	double *part = w->partial + shard * w->pstride;
	double *D = w->scratch + (size_t)worker * w->block * (w->k > T ? w->k : T);
	float *Df = w->fscratch + (size_t)worker * w->block * T;
	double *cs = w->cscratch + (size_t)worker * cdist_scratch_size(d);
	const double *closest = w->closest, *xsq = w->xsq;
	double *cdist = w->cdist, pot[KM_MAX_TRIALS] = { 0 };

	for (i0 = begin; i0 < end; i0 += rows) {
		rows = end - i0 < w->block ? end - i0 : w->block;
		/* squared distances to every candidate (linalg/cdist.h): from the
		 * float copy when there is one (seeding only needs them to draw
		 * rows in proportion), else ||c||^2 - 2 x.c + ||x||^2 */
		if (w->seed_f32) {
			cdist_dist_f32(w->Xf, d, NULL, i0, rows, w->ccpf, T, cs, Df);
			for (i = 0; i < rows * T; i++)
				D[i] = (double)Df[i];
		} else {
			cdist_scores(w->X, d, NULL, i0, rows, w->ccp, T, cs, D);
			for (i = 0; i < rows; i++)
				for (t = 0; t < T; t++)
					D[i * T + t] += xsq[i0 + i];
		}
		for (i = 0; i < rows; i++) {
			double cl = closest != NULL ? closest[i0 + i] : HUGE_VAL;

			for (t = 0; t < T; t++) {
				double v = D[i * T + t];

				v = v > 0.0 ? v : 0.0;
				v = cl < v ? cl : v;
				cdist[t * n + i0 + i] = v;
				pot[t] += v;
			}
		}
	}
	memcpy(part, pot, T * sizeof *part);
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
	cdist_pack(cands, T, w->d, w->ccp, csq);
	if (w->seed_f32)
		cdist_pack_f32(cands, T, w->d, w->ccpf);
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

/*
 * The row a draw r in [0, total potential) lands on: searchsorted(cumsum,
 * r, 'left') clipped to n - 1, where the cumulative sum of the closest
 * distances is taken shard by shard — the shards' totals (the partials of
 * candidate t of the last evaluation, which are exactly the running sums
 * of their rows) added in shard order, then the rows of the one shard the
 * draw falls in — so a draw costs a shard's scan, not a pass over n, and
 * the result does not depend on the thread count.
 */
static size_t
draw_row(const struct km *w, size_t t, double r)
{
	size_t s, i, begin, end;
	double base = 0.0, acc;

	for (s = 0; s < w->nshards; s++) {
		double next = base + w->partial[s * w->pstride + t];
		if (next >= r)
			break;
		base = next;
	}
	if (s == w->nshards)
		return w->n - 1;
	begin = s * SHARD_ROWS;
	end = begin + SHARD_ROWS < w->n ? begin + SHARD_ROWS : w->n;
	for (acc = 0.0, i = begin; i < end; i++) {
		acc += w->closest[i];
		if (base + acc >= r)
			return i;
	}
	return end - 1;
}

/* Greedy k-means++ (scikit-learn's _kmeans_plusplus) into centers.  The
 * candidates' distances go to w->cdist (T x n); the chosen one's row of
 * it becomes w->closest (the next evaluation reads each element before
 * overwriting it, so no copy is needed). */
static int
init_kmeanspp(struct km *w, double *centers, double *cands, double *csq, double *pot)
{
	size_t n = w->n, d = w->d, k = w->k, T, c, t, best;
	size_t idx[KM_MAX_TRIALS];
	double current;
	int rc;

	T = 2 + (size_t)floor(log((double)k));
	if (T > KM_MAX_TRIALS)
		T = KM_MAX_TRIALS;
	idx[0] = (size_t)rand_below(w->host, n);
	w->closest = NULL;
	if ((rc = eval_candidates(w, idx, 1, cands, csq, pot)) != 0)
		return rc;
	memcpy(centers, w->X + idx[0] * d, d * sizeof *centers);
	w->closest = w->cdist;
	best = 0;
	current = pot[0];
	for (c = 1; c < k; c++) {
		if (w->host->cancelled(w->host->ctx))
			return LATHE_ECANCELLED;
		for (t = 0; t < T; t++)
			idx[t] = draw_row(w, best, rand_uniform(w->host) * current);
		if ((rc = eval_candidates(w, idx, T, cands, csq, pot)) != 0)
			return rc;
		best = 0;
		for (t = 1; t < T; t++)
			if (pot[t] < pot[best])
				best = t;
		current = pot[best];
		w->closest = w->cdist + best * n;
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

/* Centring, in two sharded passes: column sums, then the centred copy
 * (and its float copy when Xf is not NULL) with its row norms and the
 * per-shard column sums of squares. */
struct km_prep {
	const double *X;
	double *Xc, *xsq, *mean, *partial;
	size_t d;
	float *Xf;
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
			/* (out of float's range the copy is not used) */
			if (p->Xf != NULL)
				p->Xf[i * d + j] = fabs(v) < 1e37 ? (float)v : 0.0f;
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
 * those centres, as scikit-learn does for an array init.  opts NULL means
 * the defaults (struct km_opts).  Tests call this directly with given
 * centres; both are borrowed for the call.
 */
static int
kmeans_fit_from(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, const double *init,
    const struct km_opts *opts, char **err)
{
	struct km w;
	size_t n, d, k, i, j, T, s;
	double *Xc = NULL, *xsq = NULL, *mean = NULL;
	float *Xf = NULL;
	double *cur = NULL, *best_c = NULL, *new_c = NULL, *cands = NULL;
	double *csq = NULL, *pot = NULL, *cnorm = NULL, *var = NULL;
	int *labels = NULL, *best_l = NULL, *map = NULL, *tmpl;
	uint64_t *sizes = NULL;
	double tol, best_inertia = HUGE_VAL, run_inertia;
	int rc, run, runs, iters, best_iters = 0, have_best = 0, steps = 0;
	int best_run = 0, improved = 0;
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
	if (T > KM_MAX_TRIALS)
		T = KM_MAX_TRIALS;
	runs = init != NULL ? 1 : m->n_init;

	w.n = n;
	w.d = d;
	w.k = k;
	w.host = host;
	w.workers = parfor_default_threads();
	/* k-means++ scores blocks of rows against its candidates into
	 * scratch of block x max(k, T) doubles: at most 512 KB a worker */
	w.block = SCORE_CELLS / (k > T ? k : T);
	if (w.block == 0)
		w.block = 1;
	if (w.block > BLOCK_ROWS)
		w.block = BLOCK_ROWS;
	w.workers = parfor_workers(n, SHARD_ROWS, w.workers);
	w.nshards = parfor_shards(n, SHARD_ROWS);
	w.pstride = k * d + k + 2 > T ? k * d + k + 2 : T;

	rc = LATHE_ENOMEM;
	/* the per-row arrays on huge pages (linalg/bigbuf.h) */
	Xc = bigbuf_alloc(n * d * sizeof *Xc);
	xsq = bigbuf_alloc(n * sizeof *xsq);
	mean = calloc(d, sizeof *mean);
	var = calloc(d, sizeof *var);
	cur = malloc(k * d * sizeof *cur);
	best_c = malloc(k * d * sizeof *best_c);
	new_c = malloc(k * d * sizeof *new_c);
	cnorm = malloc(k * sizeof *cnorm);
	labels = bigbuf_alloc(n * sizeof *labels);
	best_l = bigbuf_alloc(n * sizeof *best_l);
	map = malloc(k * sizeof *map);
	sizes = calloc(k, sizeof *sizes);
	w.partial = malloc(w.nshards * w.pstride * sizeof *w.partial);
	w.scratch = malloc((size_t)w.workers * w.block * (k > T ? k : T) *
	    sizeof *w.scratch);
	w.idx = malloc((size_t)w.workers * NEAR_ROWS * sizeof *w.idx);
	w.nlab = malloc((size_t)w.workers * NEAR_ROWS * sizeof *w.nlab);
	w.moves = malloc((size_t)w.workers * SHARD_ROWS * sizeof *w.moves);
	w.nbest = malloc((size_t)w.workers * NEAR_ROWS * sizeof *w.nbest);
	w.nsecond = malloc((size_t)w.workers * NEAR_ROWS * sizeof *w.nsecond);
	w.cscratch = malloc((size_t)w.workers * cdist_scratch_size(d) *
	    sizeof *w.cscratch);
	w.cp = malloc(cdist_packed_size(k, d) * sizeof *w.cp);
	w.cpf = malloc(cdist_packed_size_f32(k, d) * sizeof *w.cpf);
	if (Xc == NULL || xsq == NULL || mean == NULL || var == NULL || cur == NULL ||
	    best_c == NULL || new_c == NULL || cnorm == NULL || labels == NULL ||
	    best_l == NULL || map == NULL || sizes == NULL || w.partial == NULL ||
	    w.scratch == NULL || w.idx == NULL || w.nlab == NULL || w.moves == NULL ||
	    w.nbest == NULL || w.nsecond == NULL || w.cscratch == NULL || w.cp == NULL ||
	    w.cpf == NULL)
		goto nomem;
	w.opts = opts;
	w.plain = opts != NULL && opts->plain;
	if (!w.plain) {
		w.ub = bigbuf_alloc(n * sizeof *w.ub);
		w.lb = bigbuf_alloc(n * sizeof *w.lb);
		Xf = bigbuf_alloc(n * d * sizeof *Xf);
		if (w.ub == NULL || w.lb == NULL || Xf == NULL)
			goto nomem;
		memset(w.ub, 0, n * sizeof *w.ub);
		memset(w.lb, 0, n * sizeof *w.lb);
	}
	if (init == NULL && m->init == INIT_KMEANSPP) {
		w.cdist = bigbuf_alloc(T * n * sizeof *w.cdist);
		cands = malloc(T * d * sizeof *cands);
		csq = malloc(T * sizeof *csq);
		pot = malloc(T * sizeof *pot);
		w.ccp = malloc(cdist_packed_size(T, d) * sizeof *w.ccp);
		w.ccpf = malloc(cdist_packed_size_f32(T, d) * sizeof *w.ccpf);
		w.fscratch = malloc((size_t)w.workers * w.block * T * sizeof *w.fscratch);
		if (w.cdist == NULL ||
		    cands == NULL || csq == NULL || pot == NULL || w.ccp == NULL ||
		    w.ccpf == NULL || w.fscratch == NULL)
			goto nomem;
	}

	/* Centre the data; tolerance from the per-feature variances. */
	{
		struct km_prep pp = { data->X, Xc, xsq, mean, NULL, d, Xf };

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
	for (i = 0; i < n; i++) {
		w.xsq_total += xsq[i];
		w.xmax = xsq[i] > w.xmax ? xsq[i] : w.xmax;
	}
	w.xmax = sqrt(w.xmax);
	if (Xf != NULL && !cdist_f32_usable(d, k, w.xmax, 0.0)) {
		bigbuf_free(Xf);
		Xf = NULL;
	}
	w.Xf = Xf;
	w.seed_f32 = Xf != NULL && cdist_f32_usable(d, T, w.xmax, w.xmax);

	for (run = 0; run < runs; run++) {
		rc = LATHE_OK;
		if (init != NULL) {
			for (j = 0; j < k; j++)
				for (i = 0; i < d; i++)
					cur[j * d + i] = init[j * d + i] - mean[i];
		} else if (m->init == INIT_KMEANSPP) {
			rc = init_kmeanspp(&w, cur, cands, csq, pot);
		} else {
			rc = init_random(&w, cur);
		}
		if (rc != LATHE_OK)
			goto fail;
		w.scored = 0.0;
		w.passes = 0;
		rc = lloyd(&w, cur, new_c, labels, m->max_iter, tol, steps,
		    runs * m->max_iter, &iters, &run_inertia);
		if (rc != LATHE_OK)
			goto fail;
		steps += iters;
		if (!have_best || (run_inertia < best_inertia &&
		    !same_clustering(labels, best_l, n, k, map))) {
			/* a line for each new best only: n_init may be 10^6 */
			snprintf(msg, sizeof msg, "kmeans: run %d of %d is the best so far: "
			    "inertia %.17g after %d iterations (%.1f%% of the rows scored per "
			    "pass)", run + 1, runs, run_inertia, iters,
			    100.0 * w.scored / ((double)n * w.passes));
			host->log(host->ctx, 0, msg);
			improved++;
			best_run = run + 1;
			have_best = 1;
			best_inertia = run_inertia;
			best_iters = iters;
			memcpy(best_c, cur, k * d * sizeof *cur);
			tmpl = best_l;
			best_l = labels;
			labels = tmpl;
		}
	}

	if (runs > 1) {
		snprintf(msg, sizeof msg, "kmeans: best of %d runs: run %d, inertia %.17g after %d "
		    "iterations (%d runs improved on the best before them)", runs, best_run,
		    best_inertia, best_iters, improved - 1);
		host->log(host->ctx, 0, msg);
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
	bigbuf_free(Xc);
	bigbuf_free(Xf);
	bigbuf_free(xsq);
	free(mean);
	free(var);
	free(cur);
	free(best_c);
	free(new_c);
	free(cnorm);
	bigbuf_free(labels);
	bigbuf_free(best_l);
	free(map);
	free(sizes);
	free(cands);
	free(csq);
	free(pot);
	free(w.partial);
	free(w.scratch);
	free(w.idx);
	free(w.nlab);
	free(w.moves);
	free(w.nbest);
	free(w.nsecond);
	free(w.cscratch);
	free(w.cp);
	free(w.cpf);
	free(w.ccp);
	free(w.ccpf);
	free(w.fscratch);
	bigbuf_free(w.ub);
	bigbuf_free(w.lb);
	bigbuf_free(w.cdist);
	return rc;
}

static int
kmeans_fit(struct lathe_model *m, const struct lathe_data *data,
    const struct lathe_host *host, char **err)
{
	return kmeans_fit_from(m, data, host, NULL, NULL, err);
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
	/* k * d + k + 1 doubles must fit a size_t in bytes: checked before
	 * it is computed, or it wraps and passes blobr_has (found by
	 * tests/fuzz/payload_kmeans: k = 1, d = 2^64 - 2) */
	if (blobr_u64(&r, &k) != 0 || blobr_u64(&r, &d) != 0 ||
	    blobr_u32(&r, &n_iter) != 0 || k == 0 || d == 0 || k > INT32_MAX ||
	    n_iter > INT32_MAX || d >= (SIZE_MAX / sizeof(double) - 1) / k ||
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
	.version = "1.1.0",
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
	.sizeof_param = sizeof(struct lathe_param_spec),
};

const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &kmeans_plugin;
}
