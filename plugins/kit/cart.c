/*
 * cart.c — growing a CART tree level by level over presorted columns
 * (see cart.h for what is grown; this is how).
 *
 * scikit-learn's BestSplitter sorts, at every node and for every feature it
 * draws, the node's values of that feature, then scans them.  Here every
 * feature is sorted once, into a column of (value, row) pairs; the rows of
 * each node waiting to be split then occupy the same range [s, e) of every
 * column, in sorted order.  A level of the tree is split in four phases:
 *
 *   A  (serial)   which nodes are leaves by the rules (depth, sizes,
 *                 impurity), and for the others which features are tried,
 *                 in a seeded random order (a feature found constant in
 *                 the node is skipped without counting, as in scikit-learn:
 *                 max_features non-constant draws, at least one);
 *   B  (parallel over features)  the best position of each tried feature
 *                 in each node: one scan of the node's range, the same
 *                 criterion arithmetic as scikit-learn's;
 *   C  (serial)   per node the first strictly best candidate in visiting
 *                 order, its threshold (the midpoint), children's sums and
 *                 impurities, min_impurity_decrease; rows marked left/right;
 *   D  (parallel over features)  every column's range of every split node
 *                 partitioned stably, so the children's rows stay sorted.
 *
 * A level costs O(rows x features) however many nodes it has, the scans
 * and partitions stream through memory, and nothing depends on the thread
 * count (each feature's result is computed alone and the choices are made
 * in a fixed order).  Nodes are made in breadth-first order and renumbered
 * in pre-order at the end.  Levels with very many nodes are split into
 * batches so the per-(node, feature) tables stay small.
 *
 * When a child will be a leaf by the rules alone, only the other child's
 * rows are kept in order (one in-place pass).
 *
 * Forests (cart_presort, cart_grow) sort the columns once; each tree copies
 * only the rows its bootstrap drew (~63% of them), each once with its draw
 * count beside its label: the scans add count-weighted sums (as
 * scikit-learn's sample weights) and node sizes count draws.
 *
 * Memory: the sorted columns (16 bytes an entry: value, row, and count and
 * label packed in 32 bits), one byte per row for the left/right marks, and
 * per worker a column-sized buffer for partitions.
 */
#include "cart.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobio.h"
#include "linalg/parfor.h"

/* scikit-learn's tolerance: sorted values closer than this are one value. */
#define FEATURE_THRESHOLD 1e-7
/* An entry of labc: a row drawn c times (1..LC_MAXC) with label l. */
#define LC_MAXC 65535u
#define LC_PACK(c, l) (((uint32_t)(c) << 16) | (uint32_t)(l))
#define LC_COUNT(x) ((x) >> 16)
#define LC_LABEL(x) ((x) & 0xffffu)
/* (node, feature) cells per batch of open nodes */
#define BATCH_CELLS ((size_t)1 << 20)

/* A node of the tree being grown (breadth-first ids). */
struct gnode {
	int32_t		 feature;       /* CART_LEAF until split */
	uint32_t	 left, right;
	double		 threshold, impurity, weighted;
	uint64_t	 n;
	int		 depth;
};

/* A node waiting to be split: its rows are [s, e) of every column. */
struct open {
	size_t		 s, e;
	uint32_t	 id;
};

/* The best position of one feature in one node (pos 0: none). */
struct cand {
	double		 proxy;
	size_t		 pos;
};

struct grow {
	const struct cart_params *p;
	size_t		 n, d, K;       /* n: entries per column */
	uint64_t	 draws;         /* rows counted with their draws */
	size_t		 nrows;         /* rows of the data (labels, y, flag) */
	const uint32_t	*counts;        /* nrows draws per row, or NULL (once) */
	int		 clf;
	const uint16_t	*lab;
	const double	*y;
	double		*cw;            /* K class weights (classification) */
	double		*vals;          /* d x n, sorted within node ranges */
	uint32_t	*rows;          /* d x n */
	uint32_t	*labc;          /* d x n: beside each entry of rows, how
	                                 * many draws it stands for and its label
	                                 * (LC_COUNT, LC_LABEL; 0 in regression),
	                                 * so scans read them in order instead of
	                                 * gathering */
	int		 unit;          /* every class weight is 1 */
	unsigned char	*flag;          /* n: goes left */
	/* the tree so far */
	struct gnode	*g;
	double		*gval;          /* capg x K */
	size_t		 ng, capg;
	/* this level's and the next level's open nodes, with their sums (K
	 * each: weighted class counts, or the sum of y) and, for regression,
	 * their sums of squares */
	struct open	*open, *next;
	double		*osum, *nsum, *osq, *nsq;
	size_t		 nopen, nnext, capnext;
	/* one batch of open nodes */
	size_t		 b0, nb, maxb;
	int32_t		*order;         /* maxb x d: features tried, in order */
	uint32_t	*norder;        /* maxb */
	unsigned char	*sel;           /* maxb x d */
	struct cand	*cand;          /* maxb x d */
	int32_t		*split_f;       /* maxb: feature, or -1 (leaf) */
	unsigned char	*keep;          /* maxb: which children will be split
	                                 * (bit 0 left, bit 1 right), so only
	                                 * their rows need to be kept in order */
	/* per worker */
	int		 workers;
	double		*wk;            /* workers x K */
	uint32_t	*tmp_rows;      /* workers x n */
	double		*tmp_vals;      /* workers x n */
	uint32_t	*tmp_lab;       /* workers x n */
	uint64_t	*sort_key;      /* workers x 2n (sorting only) */
	uint32_t	*sort_idx;      /* workers x 2n */
	const double	*X;
	int32_t		*perm;          /* d */
	uint64_t	 rng;
	char		*msg;
	size_t		 msgsz;
};

/* ---- small helpers ---------------------------------------------------------- */

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* uniform in [0, m) */
static size_t
rng_below(uint64_t *s, size_t m)
{
	return (size_t)(((unsigned __int128)rng_next(s) * m) >> 64);
}

/* scikit-learn's log: base 2 (sklearn/tree/_utils.pyx) */
static inline double
log2_sk(double x)
{
	return log(x) / log(2.0);
}

/* Impurity of one node from its sums (scikit-learn's node_impurity and
 * children_impurity, one output). */
static double
impurity_of(const struct grow *g, const double *sum, double w, double sq)
{
	size_t k;
	double acc = 0.0, q;

	switch (g->p->criterion) {
	case CART_GINI:
		for (k = 0; k < g->K; k++)
			acc += sum[k] * sum[k];
		return 1.0 - acc / (w * w);
	case CART_ENTROPY:
		for (k = 0; k < g->K; k++)
			if (sum[k] > 0.0) {
				q = sum[k] / w;
				acc -= q * log2_sk(q);
			}
		return acc;
	default:
		q = sum[0] / w;
		return sq / w - q * q;
	}
}

/* ---- sorting the columns ------------------------------------------------------ */

static inline uint64_t
sort_key(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return (b >> 63) ? ~b : b | (UINT64_C(1) << 63);
}

static inline double
key_value(uint64_t k)
{
	double v;

	k = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
	memcpy(&v, &k, sizeof v);
	return v;
}

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
#define RADIX_PASSES 6

/* Sorts feature f: keys of its values with row indexes, LSD radix. */
static int
sort_feature(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct grow *g = vctx;
	size_t n = g->n, d = g->d, f = shard, i, pass;
	uint64_t *k = g->sort_key + (size_t)worker * 2 * n, *k2 = k + n;
	uint32_t *ix = g->sort_idx + (size_t)worker * 2 * n, *ix2 = ix + n;
	double *vals = g->vals + f * n;
	uint32_t *rows = g->rows + f * n;
	static __thread uint32_t hist[RADIX_PASSES][RADIX];

	(void)begin;
	(void)end;
	(void)d;
	for (i = 0; i < n; i++) {
		k[i] = sort_key(vals[i]);      /* the column, transposed already */
		ix[i] = (uint32_t)i;
	}
	if (n < 256) {
		/* insertion sort, stable */
		for (i = 1; i < n; i++) {
			uint64_t kk = k[i];
			uint32_t xx = ix[i];
			size_t j = i;
			while (j > 0 && k[j - 1] > kk) {
				k[j] = k[j - 1];
				ix[j] = ix[j - 1];
				j--;
			}
			k[j] = kk;
			ix[j] = xx;
		}
	} else {
		memset(hist, 0, sizeof hist);
		for (i = 0; i < n; i++)
			for (pass = 0; pass < RADIX_PASSES; pass++)
				hist[pass][(k[i] >> (pass * RADIX_BITS)) & (RADIX - 1)]++;
		for (pass = 0; pass < RADIX_PASSES; pass++) {
			uint32_t *h = hist[pass], sum = 0, c;
			unsigned sh = (unsigned)(pass * RADIX_BITS);
			size_t b;
			uint64_t *tk;
			uint32_t *ti;

			if (h[(k[0] >> sh) & (RADIX - 1)] == n)
				continue;       /* every key has this digit */
			for (b = 0; b < RADIX; b++) {
				c = h[b];
				h[b] = sum;
				sum += c;
			}
			for (i = 0; i < n; i++) {
				uint32_t to = h[(k[i] >> sh) & (RADIX - 1)]++;
				k2[to] = k[i];
				ix2[to] = ix[i];
			}
			tk = k; k = k2; k2 = tk;
			ti = ix; ix = ix2; ix2 = ti;
		}
	}
	for (i = 0; i < n; i++) {
		vals[i] = key_value(k[i]);
		rows[i] = ix[i];
	}
	if (g->labc != NULL)
		for (i = 0; i < n; i++)
			g->labc[f * n + i] = LC_PACK(1, g->lab != NULL ? g->lab[ix[i]] : 0);
	return 0;
}

/* Copies rows [begin, end) of X into the columns (vals, column-major), a
 * block at a time so each row is read once. */
static int
transpose_rows(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct grow *g = vctx;
	size_t n = g->n, d = g->d, i, f;

	(void)worker;
	(void)shard;
	for (i = begin; i < end; i++)
		for (f = 0; f < d; f++)
			g->vals[f * n + i] = g->X[i * d + f];
	return 0;
}

/* ---- phase B: the best position of one feature in one node ------------------ */

static void
eval_clf(struct grow *g, size_t f, size_t s, size_t e, uint64_t nn, const double *total,
    double wtot, double *cnt, struct cand *out)
{
	const double *v = g->vals + f * g->n, *cw = g->cw;
	const uint32_t *lab = g->labc + f * g->n;
	size_t K = g->K, minl = g->p->min_samples_leaf, i, k, pos, bpos = 0;
	uint64_t nl = 0;                /* draws left of i + 1 */
	double wl = 0.0, wr, best = -INFINITY, proxy;
	enum cart_criterion crit = g->p->criterion;

	memset(cnt, 0, K * sizeof *cnt);
	for (i = s; i + 1 < e; i++) {
		unsigned c = LC_LABEL(lab[i]), m = LC_COUNT(lab[i]);
		double w = cw[c] * m;

		cnt[c] += w;
		wl += w;
		nl += m;
		if (v[i + 1] <= v[i] + FEATURE_THRESHOLD)
			continue;
		pos = i + 1;
		if (nl < minl)
			continue;
		if (nn - nl < minl)
			break;
		wr = wtot - wl;
		if (crit == CART_GINI) {
			double sql = 0.0, sqr = 0.0, cr;
			for (k = 0; k < K; k++) {
				sql += cnt[k] * cnt[k];
				cr = total[k] - cnt[k];
				sqr += cr * cr;
			}
			proxy = -wr * (1.0 - sqr / (wr * wr)) - wl * (1.0 - sql / (wl * wl));
		} else {
			double el = 0.0, er = 0.0, q;
			for (k = 0; k < K; k++) {
				if (cnt[k] > 0.0) {
					q = cnt[k] / wl;
					el -= q * log2_sk(q);
				}
				q = total[k] - cnt[k];
				if (q > 0.0) {
					q /= wr;
					er -= q * log2_sk(q);
				}
			}
			proxy = -wr * er - wl * el;
		}
		if (proxy > best) {
			best = proxy;
			bpos = pos;
		}
	}
	out->proxy = best;
	out->pos = bpos;
}

/* Binary gini with every weight 1, the common case: the counts are whole
 * numbers, kept as integers (exact, so the same doubles as scikit-learn's
 * sums) and the labels read from the column without a branch. */
static void
eval_gini2(struct grow *g, size_t f, size_t s, size_t e, uint64_t nn, const double *total,
    double wtot, struct cand *out)
{
	const double *v = g->vals + f * g->n;
	const uint32_t *lab = g->labc + f * g->n;
	size_t minl = g->p->min_samples_leaf, i, pos, bpos = 0;
	uint64_t n1 = 0, nl = 0;
	double c0, c1, wl, wr, best = -INFINITY, proxy, r0, r1;

	for (i = s; i + 1 < e; i++) {
		uint32_t x = lab[i];

		n1 += LC_LABEL(x) * LC_COUNT(x);
		nl += LC_COUNT(x);
		if (v[i + 1] <= v[i] + FEATURE_THRESHOLD)
			continue;
		pos = i + 1;
		if (nl < minl)
			continue;
		if (nn - nl < minl)
			break;
		wl = (double)nl;
		c1 = (double)n1;
		c0 = wl - c1;
		wr = wtot - wl;
		r0 = total[0] - c0;
		r1 = total[1] - c1;
		proxy = -wr * (1.0 - (r0 * r0 + r1 * r1) / (wr * wr)) -
		    wl * (1.0 - (c0 * c0 + c1 * c1) / (wl * wl));
		if (proxy > best) {
			best = proxy;
			bpos = pos;
		}
	}
	out->proxy = best;
	out->pos = bpos;
}

static void
eval_mse(struct grow *g, size_t f, size_t s, size_t e, uint64_t nn, double total,
    double wtot, struct cand *out)
{
	const double *v = g->vals + f * g->n, *y = g->y;
	const uint32_t *r = g->rows + f * g->n, *lab = g->labc + f * g->n;
	size_t minl = g->p->min_samples_leaf, i, pos, bpos = 0;
	uint64_t nl = 0;
	double sl = 0.0, sr, wl = 0.0, wr, best = -INFINITY, proxy;

	for (i = s; i + 1 < e; i++) {
		uint32_t m = LC_COUNT(lab[i]);

		sl += m * y[r[i]];
		wl += m;
		nl += m;
		if (v[i + 1] <= v[i] + FEATURE_THRESHOLD)
			continue;
		pos = i + 1;
		if (nl < minl)
			continue;
		if (nn - nl < minl)
			break;
		wr = wtot - wl;
		sr = total - sl;
		proxy = sl * sl / wl + sr * sr / wr;
		if (proxy > best) {
			best = proxy;
			bpos = pos;
		}
	}
	out->proxy = best;
	out->pos = bpos;
}

/* Phase B for feature `shard`: every node of the batch that tries it. */
static int
eval_feature(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct grow *g = vctx;
	size_t f = shard, i, d = g->d, K = g->K;
	double *cnt = g->wk + (size_t)worker * 3 * K;

	(void)begin;
	(void)end;
	for (i = 0; i < g->nb; i++) {
		const struct open *o = &g->open[g->b0 + i];
		const double *sum = g->osum + (g->b0 + i) * K;
		double w = g->g[o->id].weighted;
		uint64_t nn = g->g[o->id].n;
		struct cand *c = &g->cand[i * d + f];

		if (!g->sel[i * d + f])
			continue;
		if (!g->clf)
			eval_mse(g, f, o->s, o->e, nn, sum[0], w, c);
		else if (K == 2 && g->unit && g->p->criterion == CART_GINI)
			eval_gini2(g, f, o->s, o->e, nn, sum, w, c);
		else
			eval_clf(g, f, o->s, o->e, nn, sum, w, cnt, c);
	}
	return 0;
}

/* ---- phase D: stable partitions ------------------------------------------------ */

/* When one child will be a leaf, its rows need no order: the other child's
 * rows are moved to their side in place, in order (left: forward from s,
 * right: backward from e), one write each. */
static void
keep_one_side(struct grow *g, size_t f, size_t s, size_t e, int left)
{
	size_t n = g->n, i, w;
	double *v = g->vals + f * n;
	uint32_t *r = g->rows + f * n;
	uint32_t *lc = g->labc + f * n;
	const unsigned char *flag = g->flag;

	if (left) {
		for (i = w = s; i < e; i++) {
			uint32_t row = r[i];
			if (!flag[row])
				continue;
			r[w] = row;
			v[w] = v[i];
			lc[w] = lc[i];
			w++;
		}
		return;
	}
	for (i = w = e; i-- > s;) {
		uint32_t row = r[i];
		if (flag[row])
			continue;
		w--;
		r[w] = row;
		v[w] = v[i];
		lc[w] = lc[i];
	}
}

static int
partition_feature(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct grow *g = vctx;
	size_t f = shard, n = g->n, i, j, li, ri;
	double *v = g->vals + f * n, *tv = g->tmp_vals + (size_t)worker * n;
	uint32_t *r = g->rows + f * n, *tr = g->tmp_rows + (size_t)worker * n;
	uint32_t *lc = g->labc + f * n, *tl = g->tmp_lab + (size_t)worker * n;
	const unsigned char *flag = g->flag;

	(void)begin;
	(void)end;
	for (j = 0; j < g->nb; j++) {
		const struct open *o = &g->open[g->b0 + j];

		if (g->split_f[j] < 0 || (size_t)g->split_f[j] == f || g->keep[j] == 0)
			continue;
		if (g->keep[j] != 3) {
			keep_one_side(g, f, o->s, o->e, g->keep[j] == 1);
			continue;
		}
		li = o->s;
		ri = 0;
		/* both writes are safe: li <= i, and entry i is read first */
		for (i = o->s; i < o->e; i++) {
			uint32_t row = r[i];
			double val = v[i];
			uint32_t lab = lc[i];
			size_t left = flag[row];

			r[li] = row;
			v[li] = val;
			lc[li] = lab;
			tr[ri] = row;
			tv[ri] = val;
			tl[ri] = lab;
			li += left;
			ri += 1 - left;
		}
		memcpy(lc + li, tl, ri * sizeof *lc);
		memcpy(r + li, tr, ri * sizeof *r);
		memcpy(v + li, tv, ri * sizeof *v);
	}
	return 0;
}

/* ---- the tree being grown -------------------------------------------------------- */

static int
fail(struct grow *g, const char *what)
{
	snprintf(g->msg, g->msgsz, "%s", what);
	return -1;
}

/* Appends a node with the given sums; returns its id, or -1. */
static long
add_node(struct grow *g, const double *sum, double w, double impurity, uint64_t n,
    int depth)
{
	struct gnode *nd;
	size_t k;

	if (g->ng == g->capg) {
		size_t cap = g->capg ? 2 * g->capg : 64;
		struct gnode *ng = realloc(g->g, cap * sizeof *ng);
		double *nv;

		if (ng == NULL)
			return -1;
		g->g = ng;
		if ((nv = realloc(g->gval, cap * g->K * sizeof *nv)) == NULL)
			return -1;
		g->gval = nv;
		g->capg = cap;
	}
	nd = &g->g[g->ng];
	nd->feature = CART_LEAF;
	nd->left = nd->right = 0;
	nd->threshold = 0.0;
	nd->impurity = impurity;
	nd->weighted = w;
	nd->n = n;
	nd->depth = depth;
	for (k = 0; k < g->K; k++)
		g->gval[g->ng * g->K + k] = g->clf ? sum[k] : sum[0] / w;
	return (long)g->ng++;
}

/* Queues node id for the next level with its sums. */
static int
push_next(struct grow *g, size_t s, size_t e, uint32_t id, const double *sum, double sq)
{
	size_t K = g->K;

	if (g->nnext == g->capnext) {
		size_t cap = g->capnext ? 2 * g->capnext : 64;
		struct open *no = realloc(g->next, cap * sizeof *no);
		double *ns, *nq;

		if (no == NULL)
			return -1;
		g->next = no;
		if ((ns = realloc(g->nsum, cap * K * sizeof *ns)) == NULL)
			return -1;
		g->nsum = ns;
		if ((nq = realloc(g->nsq, cap * sizeof *nq)) == NULL)
			return -1;
		g->nsq = nq;
		g->capnext = cap;
	}
	g->next[g->nnext].s = s;
	g->next[g->nnext].e = e;
	g->next[g->nnext].id = id;
	memcpy(g->nsum + g->nnext * K, sum, K * sizeof *sum);
	g->nsq[g->nnext] = sq;
	g->nnext++;
	return 0;
}

/* A node of nn rows at this depth with this impurity is a leaf whatever its
 * rows (scikit-learn's builder's test). */
static int
leaf_by_rules(const struct grow *g, size_t nn, double impurity, int depth)
{
	const struct cart_params *p = g->p;

	return (p->max_depth > 0 && depth >= p->max_depth) || nn < p->min_samples_split ||
	    nn < 2 * p->min_samples_leaf || impurity <= DBL_EPSILON;
}

/* Phase A for batch node i: leaf by the rules, or the features to try. */
static void
choose_features(struct grow *g, size_t i, int depth)
{
	const struct cart_params *p = g->p;
	const struct open *o = &g->open[g->b0 + i];
	const struct gnode *nd = &g->g[o->id];
	size_t d = g->d, nn = nd->n, j, visited = 0, nonconst = 0;
	int32_t *ord = g->order + i * d;
	unsigned char *sel = g->sel + i * d;

	g->norder[i] = 0;
	g->split_f[i] = -1;
	memset(sel, 0, d);
	if (leaf_by_rules(g, nn, nd->impurity, depth))
		return;
	for (j = 0; j < d; j++) {
		size_t k = j + rng_below(&g->rng, d - j), f;
		int32_t t = g->perm[j];
		const double *v;

		g->perm[j] = g->perm[k];
		g->perm[k] = t;
		f = (size_t)g->perm[j];
		visited++;
		v = g->vals + f * g->n;
		if (!(v[o->e - 1] <= v[o->s] + FEATURE_THRESHOLD)) {
			sel[f] = 1;
			ord[g->norder[i]++] = (int32_t)f;
			g->cand[i * d + f].pos = 0;
			nonconst++;
		}
		if (visited >= p->max_features && nonconst > 0)
			break;
	}
}

/* Phase C for batch node i: choose, then make the children.  Returns 0 or
 * -1 (allocation). */
static int
split_node(struct grow *g, size_t i, int depth)
{
	const struct open *o = &g->open[g->b0 + i];
	size_t d = g->d, K = g->K, j, k, r, pos, s = o->s, e = o->e;
	const double *tot = g->osum + (g->b0 + i) * K;
	double best = -INFINITY, *sl = g->wk, *sr = g->wk + K, *rsum = g->wk + 2 * K;
	double wl = 0.0, wr = 0.0, wrr;
	double sql = 0.0, sqr = 0.0, il, ir, wn, impr, thr, a, b;
	int32_t bf = -1;
	const double *v;
	const uint32_t *rr, *lc;
	uint64_t nl = 0, nr = 0;
	struct gnode *nd;
	long lid, rid;

	for (j = 0; j < g->norder[i]; j++) {
		int32_t f = g->order[i * d + j];
		const struct cand *c = &g->cand[i * d + (size_t)f];
		if (c->pos != 0 && c->proxy > best) {
			best = c->proxy;
			bf = f;
		}
	}
	if (bf < 0)
		return 0;
	pos = g->cand[i * d + (size_t)bf].pos;
	v = g->vals + (size_t)bf * g->n;
	rr = g->rows + (size_t)bf * g->n;
	lc = g->labc + (size_t)bf * g->n;
	/* the children's sums, in the best feature's order (scikit-learn's
	 * update() walking forward from the start) */
	memset(sl, 0, 2 * K * sizeof *sl);
	for (r = s; r < e; r++) {
		uint32_t row = rr[r], m = LC_COUNT(lc[r]);
		int left = r < pos;

		g->flag[row] = (unsigned char)left;
		if (left)
			nl += m;
		else
			nr += m;
		if (g->clf) {
			unsigned c = LC_LABEL(lc[r]);
			double w = g->cw[c] * m;
			if (left) {
				sl[c] += w;
				wl += w;
			} else {
				sr[c] += w;
				wr += w;
			}
		} else {
			double yv = g->y[row];
			if (left) {
				sl[0] += m * yv;
				sql += m * yv * yv;
				wl += m;
			} else {
				sr[0] += m * yv;
				sqr += m * yv * yv;
				wr += m;
			}
		}
	}
	nd = &g->g[o->id];
	wn = nd->weighted;
	/* children_impurity: the right side as total - left, as scikit-learn */
	wrr = wn - wl;
	for (k = 0; k < K; k++)
		rsum[k] = tot[k] - sl[k];
	il = impurity_of(g, sl, wl, sql);
	ir = impurity_of(g, rsum, wrr, g->osq[g->b0 + i] - sql);
	impr = (wn / g->g[0].weighted) * (nd->impurity - (wrr / wn * ir) - (wl / wn * il));
	if (impr + DBL_EPSILON < g->p->min_impurity_decrease)
		return 0;
	a = v[pos - 1];
	b = v[pos];
	thr = a / 2.0 + b / 2.0;
	if (thr == b || isinf(thr))
		thr = a;
	lid = add_node(g, sl, wl, il, nl, depth + 1);
	if (lid < 0)
		return -1;
	rid = add_node(g, sr, wr, ir, nr, depth + 1);
	if (rid < 0)
		return -1;
	nd = &g->g[o->id];
	nd->feature = bf;
	nd->threshold = thr;
	nd->left = (uint32_t)lid;
	nd->right = (uint32_t)rid;
	g->split_f[i] = bf;
	g->keep[i] = (unsigned char)((leaf_by_rules(g, nl, il, depth + 1) ? 0 : 1) |
	    (leaf_by_rules(g, nr, ir, depth + 1) ? 0 : 2));
	if (push_next(g, s, pos, (uint32_t)lid, sl, sql) != 0 ||
	    push_next(g, pos, e, (uint32_t)rid, sr, sqr) != 0)
		return -1;
	return 0;
}

/* ---- building ------------------------------------------------------------------- */

/* Everything but the columns (vals, rows), which the caller provides. */
static int
grow_alloc(struct grow *g)
{
	size_t n = g->n, d = g->d, K = g->K, w = (size_t)g->workers;

	g->maxb = BATCH_CELLS / d ? BATCH_CELLS / d : 1;
	g->flag = malloc(g->nrows);
	g->order = malloc(g->maxb * d * sizeof *g->order);
	g->norder = malloc(g->maxb * sizeof *g->norder);
	g->sel = malloc(g->maxb * d);
	g->cand = malloc(g->maxb * d * sizeof *g->cand);
	g->split_f = malloc(g->maxb * sizeof *g->split_f);
	g->keep = malloc(g->maxb);
	g->wk = malloc(w * 3 * K * sizeof *g->wk);
	g->tmp_rows = malloc(w * n * sizeof *g->tmp_rows);
	g->tmp_vals = malloc(w * n * sizeof *g->tmp_vals);
	g->perm = malloc(d * sizeof *g->perm);
	g->labc = malloc(d * n * sizeof *g->labc);
	g->tmp_lab = malloc(w * n * sizeof *g->tmp_lab);
	if (g->labc == NULL || g->tmp_lab == NULL)
		return -1;
	g->osum = malloc(K * sizeof *g->osum);
	g->osq = malloc(sizeof *g->osq);
	g->open = malloc(sizeof *g->open);
	if (!g->flag || !g->order || !g->norder || !g->sel ||
	    !g->cand || !g->split_f || !g->keep || !g->wk || !g->tmp_rows || !g->tmp_vals ||
	    !g->perm || !g->osum || !g->osq || !g->open)
		return -1;
	for (n = 0; n < d; n++)
		g->perm[n] = (int32_t)n;
	return 0;
}

static void
grow_free(struct grow *g)
{
	free(g->vals);
	free(g->rows);
	free(g->flag);
	free(g->order);
	free(g->norder);
	free(g->sel);
	free(g->cand);
	free(g->split_f);
	free(g->keep);
	free(g->wk);
	free(g->tmp_rows);
	free(g->tmp_vals);
	free(g->labc);
	free(g->tmp_lab);
	free(g->perm);
	free(g->osum);
	free(g->osq);
	free(g->nsum);
	free(g->nsq);
	free(g->open);
	free(g->next);
	free(g->g);
	free(g->gval);
	free(g->cw);
	free((void *)g->lab);
	free(g->sort_key);
	free(g->sort_idx);
}

/* The root: sums in row order (each row as often as it is drawn), its
 * impurity (node_impurity). */
static int
grow_root(struct grow *g)
{
	size_t i, K = g->K;
	uint32_t c;
	double w = 0.0, sq = 0.0;

	memset(g->osum, 0, K * sizeof *g->osum);
	for (i = 0; i < g->nrows; i++) {
		c = g->counts != NULL ? g->counts[i] : 1;
		if (c == 0)
			continue;
		if (g->clf) {
			unsigned l = g->lab[i];
			g->osum[l] += g->cw[l] * c;
			w += g->cw[l] * c;
		} else {
			g->osum[0] += c * g->y[i];
			sq += c * g->y[i] * g->y[i];
			w += c;
		}
	}
	g->osq[0] = sq;
	g->open[0].s = 0;
	g->open[0].e = g->n;
	g->open[0].id = 0;
	g->nopen = 1;
	return add_node(g, g->osum, w, impurity_of(g, g->osum, w, sq), g->draws, 0) < 0 ?
	    -1 : 0;
}

/* Splits every open node of one level; fills the next level. */
static int
grow_level(struct grow *g, int depth)
{
	const struct cart_params *p = g->p;
	size_t i;

	g->nnext = 0;
	for (g->b0 = 0; g->b0 < g->nopen; g->b0 += g->nb) {
		int any = 0;

		if (p->cancelled != NULL && p->cancelled(p->ctx))
			return 1;
		g->nb = g->nopen - g->b0 < g->maxb ? g->nopen - g->b0 : g->maxb;
		for (i = 0; i < g->nb; i++) {
			choose_features(g, i, depth);
			any |= g->norder[i] > 0;
		}
		if (!any)
			continue;
		if (parfor_run(g->d, 1, g->workers, eval_feature, g) != 0)
			return fail(g, "tree: evaluating splits failed");
		for (i = 0; i < g->nb; i++)
			if (g->norder[i] > 0 && split_node(g, i, depth) != 0)
				return fail(g, "tree: out of memory");
		if (parfor_run(g->d, 1, g->workers, partition_feature, g) != 0)
			return fail(g, "tree: partitioning failed");
	}
	return 0;
}

/* Renumbers the breadth-first nodes in pre-order into t. */
static int
grow_finish(struct grow *g, struct cart_tree *t)
{
	uint32_t *stack = NULL, *newid = NULL;
	size_t sp = 0, next = 0, k, K = g->K;
	int rc = -1;

	if (cart_tree_alloc(t, g->ng, K) != 0)
		goto out;
	stack = malloc(g->ng * sizeof *stack);
	newid = malloc(g->ng * sizeof *newid);
	if (stack == NULL || newid == NULL)
		goto out;
	stack[sp++] = 0;
	while (sp > 0) {
		uint32_t b = stack[--sp];
		const struct gnode *nd = &g->g[b];
		size_t id = next++;

		newid[b] = (uint32_t)id;
		t->feature[id] = nd->feature;
		t->threshold[id] = nd->threshold;
		t->impurity[id] = nd->impurity;
		t->n_samples[id] = nd->n;
		t->weighted[id] = nd->weighted;
		for (k = 0; k < K; k++)
			t->value[id * K + k] = g->gval[(size_t)b * K + k];
		if (nd->feature != CART_LEAF) {
			stack[sp++] = nd->right;
			stack[sp++] = nd->left;
		}
	}
	/* right children, now that every node has its new id */
	for (k = 0; k < g->ng; k++)
		if (g->g[k].feature != CART_LEAF)
			t->right[newid[k]] = newid[g->g[k].right];
	rc = 0;
out:
	free(stack);
	free(newid);
	if (rc != 0)
		cart_tree_free(t);
	return rc;
}

/* Labels (checked, compact) and class weights into g. */
static int
grow_labels(struct grow *g, const int *labels, int n_classes)
{
	const struct cart_params *p = g->p;
	uint16_t *lab;
	size_t i, k;

	if (!g->clf)
		return 0;
	if ((lab = malloc(g->nrows * sizeof *lab)) == NULL ||
	    (g->cw = malloc(g->K * sizeof *g->cw)) == NULL) {
		free(lab);
		return fail(g, "tree: out of memory");
	}
	g->lab = lab;
	for (i = 0; i < g->nrows; i++) {
		if (labels[i] < 0 || labels[i] >= n_classes) {
			snprintf(g->msg, g->msgsz, "tree: label of row %zu is %d, outside 0..%d",
			    i, labels[i], n_classes - 1);
			return -1;
		}
		lab[i] = (uint16_t)labels[i];
	}
	g->unit = 1;
	for (k = 0; k < g->K; k++) {
		g->cw[k] = p->class_weight != NULL ? p->class_weight[k] : 1.0;
		g->unit &= g->cw[k] == 1.0;
	}
	return 0;
}

static int
grow_init(struct grow *g, const struct cart_params *p, size_t nrows, size_t d,
    int n_classes, const double *y, char *msg, size_t msgsz)
{
	memset(g, 0, sizeof *g);
	g->msg = msg;
	g->msgsz = msgsz;
	g->p = p;
	g->nrows = nrows;
	g->n = nrows;
	g->draws = nrows;
	g->d = d;
	g->clf = p->criterion != CART_SQUARED_ERROR;
	g->K = g->clf ? (size_t)n_classes : 1;
	g->y = y;
	g->rng = p->seed;
	g->workers = parfor_workers(d, 1, p->threads > 0 ? p->threads : 1);
	if (nrows == 0 || d == 0 || nrows > UINT32_MAX || (g->clf && (n_classes < 1 ||
	    n_classes > 65535)) || p->max_features < 1 || p->min_samples_leaf < 1 ||
	    (!g->clf && y == NULL))
		return fail(g, "tree: bad arguments");
	return 0;
}

/* With the columns in place: labels beside them, the root, every level,
 * then the pre-order tree into t. */
static int
grow_tree(struct grow *g, struct cart_tree *t)
{
	const struct cart_params *p = g->p;
	char chk[160];
	int rc, depth;

	if (grow_root(g) != 0)
		return fail(g, "tree: out of memory");
	for (depth = 0; g->nopen > 0; depth++) {
		struct open *to;
		double *ts;

		if (p->progress != NULL)
			p->progress(p->ctx, depth + 1, p->max_depth, NAN);
		if ((rc = grow_level(g, depth)) != 0)
			return rc;
		to = g->open; g->open = g->next; g->next = to;
		ts = g->osum; g->osum = g->nsum; g->nsum = ts;
		ts = g->osq; g->osq = g->nsq; g->nsq = ts;
		g->nopen = g->nnext;
		/* the old level's buffers go; the next level grows its own */
		free(g->next);
		free(g->nsum);
		free(g->nsq);
		g->next = NULL;
		g->nsum = g->nsq = NULL;
		g->capnext = 0;
	}
	if (grow_finish(g, t) != 0)
		return fail(g, "tree: out of memory");
	if (cart_tree_check(t, g->d, chk, sizeof chk) != 0) {
		snprintf(g->msg, g->msgsz, "tree: internal error: %s", chk);
		cart_tree_free(t);
		return -1;
	}
	return 0;
}

/* Sorts the columns g->vals (d x n, column-major, filled) into value
 * order with their row indexes in g->rows. */
static int
grow_sort(struct grow *g)
{
	size_t n = g->n;

	g->sort_key = malloc((size_t)g->workers * 2 * n * sizeof *g->sort_key);
	g->sort_idx = malloc((size_t)g->workers * 2 * n * sizeof *g->sort_idx);
	if (g->sort_key == NULL || g->sort_idx == NULL ||
	    parfor_run(g->d, 1, g->workers, sort_feature, g) != 0)
		return -1;
	free(g->sort_key);
	free(g->sort_idx);
	g->sort_key = NULL;
	g->sort_idx = NULL;
	return 0;
}

int
cart_fit(struct cart_tree *t, const struct cart_params *p, const double *X,
    size_t n, size_t d, const int *labels, int n_classes, const double *y,
    char *msg, size_t msgsz)
{
	struct grow g;
	int rc = -1;

	memset(t, 0, sizeof *t);
	if (grow_init(&g, p, n, d, n_classes, y, msg, msgsz) != 0)
		return -1;
	g.X = X;
	if (grow_labels(&g, labels, n_classes) != 0)
		goto out;
	g.vals = malloc(d * n * sizeof *g.vals);
	g.rows = malloc(d * n * sizeof *g.rows);
	if (g.vals == NULL || g.rows == NULL || grow_alloc(&g) != 0 ||
	    parfor_run(n, 4096, g.workers, transpose_rows, &g) != 0 ||
	    grow_sort(&g) != 0) {
		fail(&g, "tree: out of memory");
		goto out;
	}
	rc = grow_tree(&g, t);
out:
	grow_free(&g);
	return rc;
}

int
cart_presort_new(struct cart_presort *ps, const double *X, size_t n, size_t d,
    int threads)
{
	struct grow g;

	memset(ps, 0, sizeof *ps);
	memset(&g, 0, sizeof g);
	if (n == 0 || d == 0 || n > UINT32_MAX)
		return -1;
	g.n = g.nrows = n;
	g.d = d;
	g.X = X;
	g.workers = parfor_workers(d, 1, threads > 0 ? threads : 1);
	g.vals = malloc(d * n * sizeof *g.vals);
	g.rows = malloc(d * n * sizeof *g.rows);
	if (g.vals == NULL || g.rows == NULL ||
	    parfor_run(n, 4096, g.workers, transpose_rows, &g) != 0 || grow_sort(&g) != 0) {
		grow_free(&g);
		return -1;
	}
	ps->n = n;
	ps->d = d;
	ps->vals = g.vals;
	ps->rows = g.rows;
	g.vals = NULL;
	g.rows = NULL;
	grow_free(&g);
	return 0;
}

void
cart_presort_free(struct cart_presort *ps)
{
	if (ps == NULL)
		return;
	free(ps->vals);
	free(ps->rows);
	memset(ps, 0, sizeof *ps);
}

int
cart_grow(struct cart_tree *t, const struct cart_params *p, const struct cart_presort *ps,
    const uint32_t *counts, const int *labels, int n_classes, const double *y,
    char *msg, size_t msgsz)
{
	struct grow g;
	size_t m = 0, i, f, j;
	uint64_t draws = 0;
	int rc = -1;

	memset(t, 0, sizeof *t);
	if (grow_init(&g, p, ps->n, ps->d, n_classes, y, msg, msgsz) != 0)
		return -1;
	g.counts = counts;
	if (counts != NULL) {
		/* a row drawn c times is one entry of weight c (several if c is
		 * over LC_MAXC); rows not drawn are left out */
		for (i = 0; i < ps->n; i++) {
			draws += counts[i];
			m += (counts[i] + LC_MAXC - 1) / LC_MAXC;
		}
		if (draws == 0 || draws > UINT32_MAX)
			return fail(&g, "tree: bad sample counts");
		g.n = m;
		g.draws = draws;
	} else {
		m = ps->n;
	}
	if (grow_labels(&g, labels, n_classes) != 0)
		goto out;
	g.vals = malloc(ps->d * m * sizeof *g.vals);
	g.rows = malloc(ps->d * m * sizeof *g.rows);
	if (g.vals == NULL || g.rows == NULL || grow_alloc(&g) != 0) {
		fail(&g, "tree: out of memory");
		goto out;
	}
	/* the drawn rows with their counts and labels, in the sorted order */
	for (f = 0; f < ps->d; f++) {
		const double *sv = ps->vals + f * ps->n;
		const uint32_t *sr = ps->rows + f * ps->n;
		double *dv = g.vals + f * m;
		uint32_t *dr = g.rows + f * m, *dl = g.labc + f * m;

		for (i = 0, j = 0; i < ps->n; i++) {
			uint32_t row = sr[i], c = counts != NULL ? counts[row] : 1, k;
			unsigned l = g.clf ? g.lab[row] : 0;

			for (; c > 0; c -= k) {
				k = c < LC_MAXC ? c : LC_MAXC;
				dv[j] = sv[i];
				dr[j] = row;
				dl[j] = LC_PACK(k, l);
				j++;
			}
		}
	}
	rc = grow_tree(&g, t);
out:
	grow_free(&g);
	return rc;
}

/* ---- the fitted tree ------------------------------------------------------------- */

void
cart_tree_free(struct cart_tree *t)
{
	if (t == NULL)
		return;
	free(t->feature);
	free(t->right);
	free(t->threshold);
	free(t->impurity);
	free(t->n_samples);
	free(t->weighted);
	free(t->value);
	memset(t, 0, sizeof *t);
}

int
cart_tree_alloc(struct cart_tree *t, size_t nodes, size_t width)
{
	memset(t, 0, sizeof *t);
	if (nodes == 0 || width == 0 || nodes > SIZE_MAX / 8 / width)
		return -1;
	t->nodes = nodes;
	t->width = width;
	t->feature = calloc(nodes, sizeof *t->feature);
	t->right = calloc(nodes, sizeof *t->right);
	t->threshold = calloc(nodes, sizeof *t->threshold);
	t->impurity = calloc(nodes, sizeof *t->impurity);
	t->n_samples = calloc(nodes, sizeof *t->n_samples);
	t->weighted = calloc(nodes, sizeof *t->weighted);
	t->value = calloc(nodes * width, sizeof *t->value);
	if (!t->feature || !t->right || !t->threshold || !t->impurity ||
	    !t->n_samples || !t->weighted || !t->value) {
		cart_tree_free(t);
		return -1;
	}
	return 0;
}

int
cart_tree_check(struct cart_tree *t, size_t d, char *msg, size_t msgsz)
{
	/* Walk in pre-order with an explicit stack of pending right children
	 * and their depths: node i's left child must be i + 1, and when a
	 * subtree ends the next node must be the right child waiting on top. */
	uint32_t *stack = NULL;
	int *sdepth = NULL;
	size_t sp = 0, i, k, leaves = 0;
	int depth = 0, maxd = 0, rc = -1;

	if (t->nodes == 0 || t->nodes > UINT32_MAX) {
		snprintf(msg, msgsz, "node count %zu out of range", t->nodes);
		return -1;
	}
	stack = malloc(t->nodes * sizeof *stack);
	sdepth = malloc(t->nodes * sizeof *sdepth);
	if (stack == NULL || sdepth == NULL) {
		snprintf(msg, msgsz, "out of memory");
		goto out;
	}
	for (i = 0; i < t->nodes; i++) {
		if (!isfinite(t->threshold[i]) || !isfinite(t->impurity[i]) ||
		    !isfinite(t->weighted[i])) {
			snprintf(msg, msgsz, "node %zu has a non-finite number", i);
			goto out;
		}
		for (k = 0; k < t->width; k++)
			if (!isfinite(t->value[i * t->width + k])) {
				snprintf(msg, msgsz, "node %zu has a non-finite value", i);
				goto out;
			}
		if (depth > maxd)
			maxd = depth;
		if (t->feature[i] == CART_LEAF) {
			leaves++;
			if (t->right[i] != 0) {
				snprintf(msg, msgsz, "leaf %zu has a child", i);
				goto out;
			}
			if (sp == 0) {
				if (i + 1 != t->nodes) {
					snprintf(msg, msgsz, "nodes after the tree ends (%zu of %zu)",
					    i + 1, t->nodes);
					goto out;
				}
				break;
			}
			sp--;
			if (stack[sp] != i + 1) {
				snprintf(msg, msgsz, "node %zu: right child %u is not where its "
				    "left subtree ends", i, stack[sp]);
				goto out;
			}
			depth = sdepth[sp];
			continue;
		}
		if (t->feature[i] < 0 || (size_t)t->feature[i] >= d) {
			snprintf(msg, msgsz, "node %zu splits on feature %d of %zu", i,
			    t->feature[i], d);
			goto out;
		}
		if (t->right[i] <= i + 1 || t->right[i] >= t->nodes) {
			snprintf(msg, msgsz, "node %zu: right child %u out of range", i,
			    t->right[i]);
			goto out;
		}
		stack[sp] = t->right[i];
		sdepth[sp] = depth + 1;
		sp++;
		depth++;
	}
	if (i == t->nodes || sp != 0) {
		snprintf(msg, msgsz, "the tree is incomplete");
		goto out;
	}
	t->depth = maxd;
	t->leaves = leaves;
	rc = 0;
out:
	free(stack);
	free(sdepth);
	return rc;
}

size_t
cart_tree_leaf(const struct cart_tree *t, const double *x)
{
	size_t i = 0;

	while (t->feature[i] != CART_LEAF)
		i = x[t->feature[i]] <= t->threshold[i] ? i + 1 : t->right[i];
	return i;
}

void
cart_tree_importances(const struct cart_tree *t, size_t d, double *out)
{
	size_t i, l, r;
	double total = 0.0;

	memset(out, 0, d * sizeof *out);
	for (i = 0; i < t->nodes; i++) {
		if (t->feature[i] == CART_LEAF)
			continue;
		l = i + 1;
		r = t->right[i];
		out[t->feature[i]] += t->weighted[i] * t->impurity[i] -
		    t->weighted[l] * t->impurity[l] - t->weighted[r] * t->impurity[r];
	}
	for (i = 0; i < d; i++) {
		out[i] /= t->weighted[0];
		total += out[i];
	}
	if (total > 0.0)
		for (i = 0; i < d; i++)
			out[i] /= total;
}

/* ---- payloads ---------------------------------------------------------------------- */

void
cart_tree_write(struct blobw *w, const struct cart_tree *t)
{
	size_t i;

	blobw_u64(w, t->nodes);
	for (i = 0; i < t->nodes; i++) {
		blobw_u32(w, (uint32_t)t->feature[i]);
		blobw_u32(w, t->right[i]);
		blobw_f64(w, t->threshold[i]);
		blobw_f64(w, t->impurity[i]);
		blobw_u64(w, t->n_samples[i]);
		blobw_f64(w, t->weighted[i]);
	}
	blobw_f64s(w, t->value, t->nodes * t->width);
}

#define NODE_BYTES (4 + 4 + 8 + 8 + 8 + 8)

int
cart_tree_read(struct blobr *r, struct cart_tree *t, size_t d, size_t width,
    int counts, char *msg, size_t msgsz)
{
	uint64_t nodes;
	uint32_t u;
	size_t i, k;

	memset(t, 0, sizeof *t);
	if (blobr_u64(r, &nodes) != 0 || nodes == 0 || nodes > UINT32_MAX ||
	    !blobr_has(r, nodes, NODE_BYTES) || !blobr_has(r, nodes * width, 8)) {
		snprintf(msg, msgsz, "fields do not match their sizes");
		return -1;
	}
	if (cart_tree_alloc(t, (size_t)nodes, width) != 0) {
		snprintf(msg, msgsz, "out of memory");
		return -2;
	}
	for (i = 0; i < nodes; i++) {
		(void)blobr_u32(r, &u);
		(void)blobr_u32(r, &t->right[i]);
		(void)blobr_f64(r, &t->threshold[i]);
		(void)blobr_f64(r, &t->impurity[i]);
		(void)blobr_u64(r, &t->n_samples[i]);
		(void)blobr_f64(r, &t->weighted[i]);
		t->feature[i] = u == 0xffffffffu ? CART_LEAF : (int32_t)u;
		if (u != 0xffffffffu && u >= d) {
			snprintf(msg, msgsz, "node %zu splits on feature %u of %zu", i, u, d);
			goto bad;
		}
	}
	(void)blobr_f64s(r, t->value, (size_t)nodes * width);
	if (counts)
		for (k = 0; k < nodes * width; k++)
			if (!(t->value[k] >= 0.0)) {
				snprintf(msg, msgsz, "a negative class weight");
				goto bad;
			}
	if (cart_tree_check(t, d, msg, msgsz) != 0)
		goto bad;
	return 0;
bad:
	cart_tree_free(t);
	return -1;
}
