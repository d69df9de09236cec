/*
 * grow.c — the gbdt tree grower: one regression tree on gradients and
 * hessians, grown leaf-wise over binned features (LightGBM's and
 * scikit-learn's HistGradientBoosting scheme).
 *
 * The rows of the training set live in one index array; every node owns a
 * contiguous range of it, and a split partitions its range in place (left
 * rows first, each side in row order).  Each splittable leaf holds a
 * histogram per feature: per bin, the sums of gradients and hessians and
 * the row count.  Splitting a leaf builds the histogram of the SMALLER
 * child from its rows and gets the larger child's as parent - smaller
 * (the "subtraction trick"), so each level reads at most half the rows.
 * The next leaf to split is the one whose best split gains most (ties:
 * the older leaf), until max_leaf_nodes leaves exist or no split gains.
 *
 * The objective is the second-order one of XGBoost, in scikit-learn's
 * scaling: a leaf's value is -G / (H + l2) times the learning rate; a
 * split's gain is GL^2/(HL+l2) + GR^2/(HR+l2) - G^2/(H+l2), and a split is
 * used only when the gain is positive, each side has min_samples_leaf
 * rows and a hessian sum of at least min_hessian (1e-3).
 *
 * Missing values: a numeric split scans the bins twice, once with the
 * missing bin on the right and once on the left, and keeps the better
 * direction (a split "all values left, missing right" is allowed).  When a
 * node saw no missing value, missing goes to the child with more rows.
 * Categorical splits sort the categories with at least 10 rows by
 * G / (H + 10) and try the first and the last up to 32 of that order as
 * the left set (LightGBM's and scikit-learn's method); missing is one
 * more category; the rest go right.
 *
 * Threads: histograms are built one group of features per thread (each
 * group summed by one thread in row order), partitions in blocks of rows
 * (counted, then scattered, each side in row order), on the fit's pool;
 * the best split is reduced over features in feature order, so results do
 * not depend on the thread count.
 */
#include "gbdt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/parfor.h"

#define MIN_CAT_SUPPORT 10
#define MAX_CAT_THRESHOLD 32
#define CAT_SMOOTH 10.0

struct leaf {
	size_t start, end;
	double G, H;
	uint32_t N;
	int depth;
	int node;
	struct gbdt_hbin *hist;         /* d x GBDT_NBINS, or NULL */
	struct gbdt_split split;        /* gain 0: cannot split */
};

struct gbdt_grower {
	const uint8_t *bins;
	size_t n, d;
	const struct gbdt_feature *fe;
	struct gbdt_grow_params gp;
	uint8_t *cols;                  /* the bins again, column-major: a
	                                   partition reads one feature */
	uint32_t *idx, *tmp;
	uint8_t *flag;                  /* per row of a partition: goes left */
	size_t *nleft;                  /* per block of a partition */
	double *bsum;                   /* per block of the root: G, H */
	double *raw;                    /* the predictions being updated */
	size_t raw_stride;
	size_t max_blocks, block_rows;  /* blocks of a partition */
	struct gbdt_hbin **pool;
	int npool, pool_cap;
	struct gbdt_tnode *nodes;
	int nnodes, node_cap;
	struct leaf *leaves;
	int nleaves;
	struct gbdt_split *fs;          /* d x 2 per-feature best splits */
	const float *grad, *hess;
	float *gh;                      /* n x 2: the gradient and hessian of
	                                   each row side by side (one cache
	                                   line per scattered row, not two) */
	/* the job in flight */
	struct leaf *small, *large;     /* large may be NULL */
	int small_split, large_split;   /* find their splits */
	size_t ngroups;                 /* feature groups of a histogram pass */
	char *scratch;                  /* per group: hist_rows' float bins */
	size_t scratch_stride;
	/* the partition in flight */
	const struct leaf *part;
	int part_feature;
	const uint8_t *go_left;
	size_t part_nl;
};

/* Rows per block of a partition (each block counts its left rows, then
 * scatters them).  The result is the same for any block size. */
#define BLOCK_ROWS ((size_t)16384)
/* Nodes smaller than this are summed and partitioned on one thread: a
 * wake-up of the pool costs about what summing this many rows does. */
#define PAR_MIN_ROWS ((size_t)8192)

/* ---- split finding -------------------------------------------------------------- */

static inline double
score(double g, double h, double l2)
{
	return g * g / (h + l2);
}

struct cand {
	double ratio;
	int bin;
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->ratio != y->ratio)
		return x->ratio < y->ratio ? -1 : 1;
	return x->bin - y->bin;
}

static void
split_categorical(const struct gbdt_hbin *hist, const struct gbdt_feature *fe, int f,
    double G, double H, uint32_t N, const struct gbdt_grow_params *gp,
    double parent, struct gbdt_split *best)
{
	struct cand c[GBDT_NBINS];
	int nc = 0, b, i, dir, maxcats, hc = gp->hess_const;
	uint32_t msl = (uint32_t)gp->min_samples_leaf;

	for (b = 0; b < fe->nbins; b++)
		if (hist[b].n >= MIN_CAT_SUPPORT) {
			double h = hc ? (double)hist[b].n : hist[b].h;
			c[nc].ratio = hist[b].g / (h + CAT_SMOOTH);
			c[nc++].bin = b;
		}
	if (hist[GBDT_MISSING].n >= MIN_CAT_SUPPORT) {
		double h = hc ? (double)hist[GBDT_MISSING].n : hist[GBDT_MISSING].h;
		c[nc].ratio = hist[GBDT_MISSING].g / (h + CAT_SMOOTH);
		c[nc++].bin = GBDT_MISSING;
	}
	if (nc < 2)
		return;
	qsort(c, (size_t)nc, sizeof *c, cmp_cand);
	maxcats = (nc + 1) / 2;
	if (maxcats > MAX_CAT_THRESHOLD)
		maxcats = MAX_CAT_THRESHOLD;
	for (dir = 0; dir < 2; dir++) {
		double gl = 0.0, hl = 0.0;
		uint32_t nl = 0;

		for (i = 0; i < maxcats && i < nc - 1; i++) {
			const struct gbdt_hbin *e = &hist[c[dir ? nc - 1 - i : i].bin];
			double gain, hr;
			uint32_t nr;

			gl += e->g;
			hl += hc ? (double)e->n : e->h;
			nl += e->n;
			nr = N - nl;
			hr = H - hl;
			if (nl < msl || nr < msl || hl < gp->min_hessian ||
			    hr < gp->min_hessian)
				continue;
			gain = score(gl, hl, gp->l2) + score(G - gl, hr, gp->l2) - parent;
			if (gain > best->gain) {
				int k;
				memset(best, 0, sizeof *best);
				best->gain = gain;
				best->feature = f;
				best->is_cat = 1;
				for (k = 0; k <= i; k++) {
					int bb = c[dir ? nc - 1 - k : k].bin;
					best->cats[bb >> 6] |= (uint64_t)1 << (bb & 63);
				}
				best->gl = gl;
				best->hl = hl;
				best->nl = nl;
				best->gr = G - gl;
				best->hr = hr;
				best->nr = nr;
				best->missing_left = (int)(best->cats[GBDT_MISSING >> 6] >>
				    (GBDT_MISSING & 63)) & 1;
			}
		}
	}
	if (best->is_cat && best->feature == f && hist[GBDT_MISSING].n == 0 &&
	    best->nl > best->nr) {
		/* no missing value here: NaN follows the majority */
		best->missing_left = 1;
		best->cats[GBDT_MISSING >> 6] |= (uint64_t)1 << (GBDT_MISSING & 63);
	}
}

/* One left-to-right scan of a numeric feature's bins 0..last, the left
 * side starting from (g0, h0, n0) (the missing values' sums when they go
 * left, else zero); better splits replace *best. */
static void
scan_numeric(const struct gbdt_hbin *hist, int f, double g0, double h0, uint32_t n0,
    int last, int missing_left, double G, double H, uint32_t N,
    const struct gbdt_grow_params *gp, double parent, struct gbdt_split *best)
{
	int hc = gp->hess_const, b;
	uint32_t msl = (uint32_t)gp->min_samples_leaf, nl = n0;
	double gl = g0, hl = h0;

	for (b = 0; b <= last; b++) {
		double gain, hr;
		uint32_t nr;

		gl += hist[b].g;
		hl += hc ? (double)hist[b].n : hist[b].h;
		nl += hist[b].n;
		nr = N - nl;
		if (nr < msl)
			break;
		hr = H - hl;
		if (nl < msl || hl < gp->min_hessian || hr < gp->min_hessian)
			continue;
		gain = score(gl, hl, gp->l2) + score(G - gl, hr, gp->l2) - parent;
		if (gain > best->gain) {
			best->gain = gain;
			best->feature = f;
			best->bin = b;
			best->missing_left = missing_left;
			best->gl = gl;
			best->hl = hl;
			best->nl = nl;
			best->gr = G - gl;
			best->hr = hr;
			best->nr = nr;
		}
	}
}

void
gbdt_best_split_feature(const struct gbdt_hbin *hist, const struct gbdt_feature *fe,
    int f, double G, double H, uint32_t N, const struct gbdt_grow_params *gp,
    struct gbdt_split *best)
{
	double parent = score(G, H, gp->l2);
	const struct gbdt_hbin *m = &hist[GBDT_MISSING];
	int hc = gp->hess_const, last, nb = fe->nbins;

	memset(best, 0, sizeof *best);
	best->feature = -1;
	if (fe->kind == GBDT_CATEGORICAL) {
		split_categorical(hist, fe, f, G, H, N, gp, parent, best);
		return;
	}
	/* missing (if any) on the right; with missing values also the split
	 * "every value left, missing right" (b = nb - 1) */
	last = m->n > 0 ? nb - 1 : nb - 2;
	scan_numeric(hist, f, 0.0, 0.0, 0, last, 0, G, H, N, gp, parent, best);
	if (m->n > 0) {
		/* missing on the left */
		scan_numeric(hist, f, m->g, hc ? (double)m->n : m->h, m->n, nb - 2, 1,
		    G, H, N, gp, parent, best);
	} else if (best->feature == f) {
		best->missing_left = best->nl > best->nr;
	}
}

/* ---- histograms ----------------------------------------------------------------- */

/* Rows per block of a histogram pass: a block sums in float into a small
 * scratch histogram (8 bytes of sums and 2 of count per bin: a group's
 * scratch stays in the L1 cache where the 24-byte double bins would not),
 * which is then added to the double histogram.  Float error is bounded by
 * the block: at most HIST_BLOCK terms per float sum. */
#define HIST_BLOCK ((size_t)16384)

struct fbin {
	float g, h;
};

/* Bytes of scratch a group of nf features needs. */
static size_t
scratch_bytes(size_t nf)
{
	return nf * GBDT_NBINS * (sizeof(struct fbin) + sizeof(uint16_t));
}

/* Sums the rows of leaf L into the histograms of features [f0, f1) of h
 * (d x GBDT_NBINS; those features' are zeroed here), in blocks of rows
 * in row order; scratch holds scratch_bytes(f1 - f0). */
static void
hist_rows(const struct gbdt_grower *g, const struct leaf *L, size_t f0, size_t f1,
    struct gbdt_hbin *h, void *scratch)
{
	const uint8_t *bins = g->bins + f0;
	const float *gh = g->gh;
	const uint32_t *rows = g->idx + L->start;
	size_t d = g->d, m = L->end - L->start, nf = f1 - f0, k, f, b0, i;
	struct fbin *fb = scratch;
	uint16_t *cnt = (uint16_t *)(fb + nf * GBDT_NBINS);
	int root = m == g->n, hc = g->gp.hess_const;

	h += f0 * GBDT_NBINS;
	memset(h, 0, nf * GBDT_NBINS * sizeof *h);
	/* A child's rows are scattered: fetch the row PF ahead (its bins and
	 * gradient pair) while this one is summed, as LightGBM does; the root
	 * reads in order and the hardware prefetcher suffices. */
#define PF 16
	for (b0 = 0; b0 < m; b0 += HIST_BLOCK) {
		size_t b1 = m - b0 < HIST_BLOCK ? m : b0 + HIST_BLOCK;

		memset(scratch, 0, scratch_bytes(nf));
		for (k = b0; k < b1; k++) {
			size_t r = root ? k : rows[k];
			const uint8_t *b = bins + r * d;
			float gg = gh[2 * r], hh = gh[2 * r + 1];
			if (!root && k + PF < m) {
				size_t q = rows[k + PF];
				__builtin_prefetch(bins + q * d);
				__builtin_prefetch(gh + 2 * q);
			}
			for (f = 0; f < nf; f++) {
				size_t e = f * GBDT_NBINS + b[f];
				fb[e].g += gg;
				fb[e].h += hh;
				cnt[e]++;
			}
		}
		for (i = 0; i < nf * GBDT_NBINS; i++)
			if (cnt[i] != 0) {
				h[i].g += fb[i].g;
				h[i].h += hc ? (double)cnt[i] : fb[i].h;
				h[i].n += cnt[i];
			}
	}
#undef PF
}

/* One task per group of features: the small child's histograms of the
 * group, the large child's by subtraction, and both best splits. */
static int
group_task(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct gbdt_grower *g = vctx;
	size_t f, b, f0 = shard * g->d / g->ngroups, f1 = (shard + 1) * g->d / g->ngroups;

	(void)worker;
	(void)begin;
	(void)end;
	hist_rows(g, g->small, f0, f1, g->small->hist,
	    g->scratch + shard * g->scratch_stride);
	for (f = f0; f < f1; f++) {
		struct gbdt_hbin *hs = g->small->hist + f * GBDT_NBINS;
		const struct gbdt_feature *fe = &g->fe[f];

		if (g->large != NULL) {
			/* large->hist holds the parent's: subtract in place */
			struct gbdt_hbin *hl = g->large->hist + f * GBDT_NBINS;
			for (b = 0; b < GBDT_NBINS; b++) {
				hl[b].g -= hs[b].g;
				hl[b].h -= hs[b].h;
				hl[b].n -= hs[b].n;
			}
		}
		if (g->small_split)
			gbdt_best_split_feature(hs, fe, (int)f, g->small->G, g->small->H,
			    g->small->N, &g->gp, &g->fs[2 * f]);
		if (g->large != NULL && g->large_split)
			gbdt_best_split_feature(g->large->hist + f * GBDT_NBINS, fe, (int)f,
			    g->large->G, g->large->H, g->large->N, &g->gp, &g->fs[2 * f + 1]);
	}
	return 0;
}

/* Builds g->small's histogram, subtracts it from g->large's (if any) and
 * finds the splits asked for.  The features are cut into one group per
 * thread; each group's histograms are summed by one thread in row order,
 * so the sums (and the tree) do not depend on the thread count. */
static void
histograms(struct gbdt_grower *g)
{
	size_t m = g->small->end - g->small->start, f;
	int threads = m >= PAR_MIN_ROWS ? g->gp.threads : 1;

	for (f = 0; f < g->d; f++)
		g->fs[2 * f].feature = g->fs[2 * f + 1].feature = -1;
	g->ngroups = (size_t)threads < g->d ? (size_t)threads : g->d;
	if (g->ngroups < 1)
		g->ngroups = 1;
	parpool_run(g->gp.pool, g->ngroups, 1, threads, group_task, g);
}

/* Partition, pass 1: which rows of the block go left. */
static int
part_count(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct gbdt_grower *g = vctx;
	const uint32_t *rows = g->idx + g->part->start;
	const uint8_t *col = g->cols + (size_t)g->part_feature * g->n;
	size_t k, nl = 0;

	(void)worker;
	for (k = begin; k < end; k++) {
		uint8_t l = g->go_left[col[rows[k]]];
		g->flag[k] = l;
		nl += l;
	}
	g->nleft[shard] = nl;
	return 0;
}

/* Partition, pass 2: rows to their places in tmp, each side in row order. */
static int
part_scatter(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct gbdt_grower *g = vctx;
	const uint32_t *rows = g->idx + g->part->start;
	size_t k, s, l = 0, r;

	(void)worker;
	for (s = 0; s < shard; s++)
		l += g->nleft[s];
	r = g->part_nl + (begin - l);
	for (k = begin; k < end; k++) {
		if (g->flag[k])
			g->tmp[l++] = rows[k];
		else
			g->tmp[r++] = rows[k];
	}
	return 0;
}

/* Splits P's rows: left first, each side in row order.  Returns the
 * number that go left. */
static size_t
partition(struct gbdt_grower *g, const struct leaf *P, const uint8_t *go_left)
{
	size_t m = P->end - P->start, nb = parfor_shards(m, g->block_rows), s;
	int threads = m >= PAR_MIN_ROWS ? g->gp.threads : 1;

	g->part = P;
	g->part_feature = P->split.feature;
	g->go_left = go_left;
	parpool_run(g->gp.pool, m, g->block_rows, threads, part_count, g);
	g->part_nl = 0;
	for (s = 0; s < nb; s++)
		g->part_nl += g->nleft[s];
	parpool_run(g->gp.pool, m, g->block_rows, threads, part_scatter, g);
	memcpy(g->idx + P->start, g->tmp, m * sizeof *g->tmp);
	return g->part_nl;
}

/* ---- the grower ---------------------------------------------------------------- */

void
gbdt_grower_free(struct gbdt_grower *g)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->npool; i++)
		free(g->pool[i]);
	if (g->leaves != NULL)
		for (i = 0; i < g->nleaves; i++)
			free(g->leaves[i].hist);
	free(g->pool);
	free(g->idx);
	free(g->tmp);
	free(g->gh);
	free(g->flag);
	free(g->cols);
	free(g->nleft);
	free(g->bsum);
	free(g->scratch);
	free(g->nodes);
	free(g->leaves);
	free(g->fs);
	free(g);
}

struct gbdt_grower *
gbdt_grower_new(const uint8_t *bins, size_t n, size_t d,
    const struct gbdt_feature *fe, const struct gbdt_grow_params *gp)
{
	struct gbdt_grower *g = calloc(1, sizeof *g);
	int maxl = gp->max_leaf_nodes;

	if (g == NULL)
		return NULL;
	g->bins = bins;
	g->n = n;
	g->d = d;
	g->fe = fe;
	g->gp = *gp;
	g->idx = malloc((n ? n : 1) * sizeof *g->idx);
	g->tmp = malloc((n ? n : 1) * sizeof *g->tmp);
	g->gh = malloc((n ? n : 1) * 2 * sizeof *g->gh);
	g->flag = malloc(n ? n : 1);
	if ((g->cols = malloc(n * d > 0 ? n * d : 1)) != NULL) {
		size_t i, f;
		for (i = 0; i < n; i++)
			for (f = 0; f < d; f++)
				g->cols[f * n + i] = bins[i * d + f];
	}
	g->block_rows = BLOCK_ROWS;
	g->max_blocks = parfor_shards(n, g->block_rows) + 1;
	g->nleft = malloc(g->max_blocks * sizeof *g->nleft);
	g->bsum = malloc(2 * g->max_blocks * sizeof *g->bsum);
	{
		/* one scratch per group; a pass on one thread has all d
		 * features in its one group */
		int th = gp->threads > 0 ? gp->threads : 1;
		g->scratch_stride = (scratch_bytes(d ? d : 1) + 63) & ~(size_t)63;
		g->scratch = aligned_alloc(64, g->scratch_stride * (size_t)th);
	}
	g->node_cap = 2 * maxl;
	g->nodes = malloc((size_t)g->node_cap * sizeof *g->nodes);
	g->leaves = calloc((size_t)maxl + 1, sizeof *g->leaves);
	g->pool_cap = maxl + 2;
	g->pool = calloc((size_t)g->pool_cap, sizeof *g->pool);
	g->fs = malloc(2 * (d ? d : 1) * sizeof *g->fs);
	if (g->idx == NULL || g->tmp == NULL || g->gh == NULL || g->flag == NULL ||
	    g->nleft == NULL || g->bsum == NULL || g->scratch == NULL ||
	    g->cols == NULL ||
	    g->nodes == NULL || g->leaves == NULL || g->pool == NULL || g->fs == NULL) {
		gbdt_grower_free(g);
		return NULL;
	}
	return g;
}

/* A block of the root: the row order, the gradient pairs, the block's
 * sums of gradients and hessians. */
static int
root_task(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct gbdt_grower *g = vctx;
	double G = 0.0, H = 0.0;
	size_t i;

	(void)worker;
	for (i = begin; i < end; i++) {
		float hh = g->gp.hess_const ? 1.0f : g->hess[i];
		g->idx[i] = (uint32_t)i;
		g->gh[2 * i] = g->grad[i];
		g->gh[2 * i + 1] = hh;
		G += g->grad[i];
		H += hh;
	}
	g->bsum[2 * shard] = G;
	g->bsum[2 * shard + 1] = H;
	return 0;
}

/* Leaf number `shard`: its value onto the raw predictions of its rows. */
static int
raw_task(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct gbdt_grower *g = vctx;
	const struct leaf *L = &g->leaves[shard];
	double v = g->nodes[L->node].value;
	size_t i;

	(void)worker;
	(void)begin;
	(void)end;
	for (i = L->start; i < L->end; i++)
		g->raw[(size_t)g->idx[i] * g->raw_stride] += v;
	return 0;
}

static struct gbdt_hbin *
hist_get(struct gbdt_grower *g)
{
	if (g->npool > 0)
		return g->pool[--g->npool];
	return malloc(g->d * GBDT_NBINS * sizeof(struct gbdt_hbin));
}

static void
hist_put(struct gbdt_grower *g, struct gbdt_hbin *h)
{
	if (h == NULL)
		return;
	if (g->npool < g->pool_cap)
		g->pool[g->npool++] = h;
	else
		free(h);
}

static int
can_split(const struct gbdt_grower *g, const struct leaf *L)
{
	if (g->gp.max_depth > 0 && L->depth >= g->gp.max_depth)
		return 0;
	if (L->N < 2 * (uint32_t)g->gp.min_samples_leaf)
		return 0;
	if (!g->gp.hess_const && L->H < 2 * g->gp.min_hessian)
		return 0;
	return 1;
}

static int
new_node(struct gbdt_grower *g, const struct leaf *L)
{
	struct gbdt_tnode *t = &g->nodes[g->nnodes];

	memset(t, 0, sizeof *t);
	t->feature = -1;
	t->count = L->N;
	t->value = -g->gp.learning_rate * L->G / (L->H + g->gp.l2);
	return g->nnodes++;
}

/* Reduces the per-feature splits (column which of g->fs) into L->split. */
static void
reduce_split(struct gbdt_grower *g, struct leaf *L, int which)
{
	size_t f;

	memset(&L->split, 0, sizeof L->split);
	L->split.feature = -1;
	for (f = 0; f < g->d; f++) {
		const struct gbdt_split *s = &g->fs[2 * f + (size_t)which];
		if (s->feature >= 0 && s->gain > L->split.gain)
			L->split = *s;
	}
}

int
gbdt_grow(struct gbdt_grower *g, const float *grad, const float *hess,
    double *raw, size_t stride, const struct gbdt_tnode **nodes, int *nnodes)
{
	struct leaf *lv = g->leaves;
	size_t i;
	int k, rc = -1;

	g->grad = grad;
	g->hess = hess;
	g->nnodes = 0;
	g->nleaves = 0;

	/* the root: its sums from per-block partials added in block order */
	memset(&lv[0], 0, sizeof lv[0]);
	lv[0].start = 0;
	lv[0].end = g->n;
	lv[0].N = (uint32_t)g->n;
	parpool_run(g->gp.pool, g->n, g->block_rows, g->n >= PAR_MIN_ROWS ?
	    g->gp.threads : 1, root_task, g);
	for (i = 0; i < parfor_shards(g->n, g->block_rows); i++) {
		lv[0].G += g->bsum[2 * i];
		lv[0].H += g->bsum[2 * i + 1];
	}
	lv[0].node = new_node(g, &lv[0]);
	lv[0].split.feature = -1;
	g->nleaves = 1;
	if (can_split(g, &lv[0]) && g->gp.max_leaf_nodes > 1) {
		if ((lv[0].hist = hist_get(g)) == NULL)
			goto out;
		g->small = &lv[0];
		g->large = NULL;
		g->small_split = 1;
		g->large_split = 0;
		histograms(g);
		reduce_split(g, &lv[0], 0);
	}

	while (g->nleaves < g->gp.max_leaf_nodes) {
		struct leaf *P = NULL, *S, *Lg, left, right;
		uint8_t go_left[GBDT_NBINS];
		struct gbdt_tnode *pn;
		size_t nl, nr;
		int best = -1, more;

		for (k = 0; k < g->nleaves; k++)
			if (lv[k].split.feature >= 0 && lv[k].split.gain > 0.0 &&
			    (best < 0 || lv[k].split.gain > lv[best].split.gain))
				best = k;
		if (best < 0)
			break;
		P = &lv[best];

		/* the node becomes a split */
		pn = &g->nodes[P->node];
		pn->feature = P->split.feature;
		pn->missing_left = P->split.missing_left;
		pn->is_cat = P->split.is_cat;
		pn->bin = P->split.bin;
		pn->gain = P->split.gain;
		memcpy(pn->cats, P->split.cats, sizeof pn->cats);
		for (k = 0; k < GBDT_NBINS; k++)
			go_left[k] = P->split.is_cat ?
			    (uint8_t)((P->split.cats[k >> 6] >> (k & 63)) & 1) :
			    (uint8_t)(k <= P->split.bin);
		go_left[GBDT_MISSING] = (uint8_t)P->split.missing_left;

		nl = partition(g, P, go_left);
		nr = P->N - nl;

		memset(&left, 0, sizeof left);
		memset(&right, 0, sizeof right);
		left.start = P->start;
		left.end = P->start + nl;
		left.G = P->split.gl;
		left.H = P->split.hl;
		left.N = (uint32_t)nl;
		right.start = P->start + nl;
		right.end = P->end;
		right.G = P->split.gr;
		right.H = P->split.hr;
		right.N = (uint32_t)nr;
		left.depth = right.depth = P->depth + 1;
		left.split.feature = right.split.feature = -1;
		left.node = new_node(g, &left);
		right.node = new_node(g, &right);
		pn = &g->nodes[P->node];
		pn->left = left.node;
		pn->right = right.node;

		/* the children replace P: left in P's slot, right appended */
		left.hist = NULL;
		right.hist = NULL;
		{
			struct gbdt_hbin *ph = P->hist;
			lv[best] = left;
			lv[g->nleaves] = right;
			g->nleaves++;
			S = nl <= nr ? &lv[best] : &lv[g->nleaves - 1];
			Lg = nl <= nr ? &lv[g->nleaves - 1] : &lv[best];
			more = g->nleaves < g->gp.max_leaf_nodes;
			g->small_split = more && can_split(g, S);
			g->large_split = more && can_split(g, Lg);
			if (!g->small_split && !g->large_split) {
				hist_put(g, ph);
				continue;
			}
			/* the large child inherits the parent's histogram, the
			 * small one gets a fresh one */
			if ((S->hist = hist_get(g)) == NULL) {
				hist_put(g, ph);
				goto out;
			}
			if (g->large_split)
				Lg->hist = ph;
			else
				hist_put(g, ph);
		}
		g->small = S;
		g->large = g->large_split ? Lg : NULL;
		histograms(g);
		if (g->small_split)
			reduce_split(g, S, 0);
		if (g->large_split)
			reduce_split(g, Lg, 1);
		if (!g->small_split) {
			hist_put(g, S->hist);
			S->hist = NULL;
		}
	}

	/* leaf values onto the raw predictions, a task per leaf */
	g->raw = raw;
	g->raw_stride = stride;
	parpool_run(g->gp.pool, (size_t)g->nleaves, 1, g->n >= PAR_MIN_ROWS ?
	    g->gp.threads : 1, raw_task, g);
	for (k = 0; k < g->nleaves; k++) {
		hist_put(g, lv[k].hist);
		lv[k].hist = NULL;
	}
	*nodes = g->nodes;
	*nnodes = g->nnodes;
	rc = 0;
out:
	if (rc != 0)
		for (k = 0; k < g->nleaves; k++) {
			hist_put(g, lv[k].hist);
			lv[k].hist = NULL;
		}
	return rc;
}
