/*
 * sgd.c — SGD with momentum, Adam, and the minibatch iterator.
 *
 * Each optimizer is one allocation: the struct followed by its state
 * vectors, so _free is a single free().  A step first checks the gradient
 * for NaN/infinity and refuses it whole, so one bad minibatch cannot
 * poison the moments; the caller decides whether to skip it or stop.
 */
#include "sgd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sgd {
	size_t n;
	struct sgd_params p;
	double *v;          /* velocity, n */
};

struct adam {
	size_t n;
	struct adam_params p;
	uint64_t t;
	double *m, *v;      /* first and second moments, n each */
};

struct minibatch {
	size_t *idx;        /* n row indices, permuted in place each epoch */
	size_t n, batch, pos;
	struct rng *rng;    /* borrowed; NULL keeps the given order */
	uint64_t epoch;
};

/* Allocates a struct of size head followed by k vectors of n doubles. */
static void *
alloc_with_vectors(size_t head, size_t n, size_t k)
{
	size_t bytes;

	if (n == 0 || n > (SIZE_MAX - head) / sizeof(double) / k)
		return NULL;
	bytes = head + k * n * sizeof(double);
	return calloc(1, bytes);
}

static int
grad_finite(size_t n, const double *g)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isfinite(g[i]))
			return 0;
	return 1;
}

/* --- SGD ---------------------------------------------------------------- */

struct sgd_params
sgd_params_default(void)
{
	struct sgd_params p = { .lr = 0.01, .momentum = 0.9, .nesterov = 1 };

	return p;
}

const char *
sgd_params_check(const struct sgd_params *p)
{
	if (p == NULL)
		return "sgd: no parameters";
	if (!(p->lr > 0.0) || isinf(p->lr))
		return "sgd: lr must be positive and finite";
	if (!(p->momentum >= 0.0 && p->momentum < 1.0))
		return "sgd: momentum must satisfy 0 <= momentum < 1";
	return NULL;
}

struct sgd *
sgd_new(size_t n, const struct sgd_params *p)
{
	struct sgd *opt;

	if (sgd_params_check(p) != NULL)
		return NULL;
	opt = alloc_with_vectors(sizeof *opt, n, 1);
	if (opt == NULL)
		return NULL;
	opt->n = n;
	opt->p = *p;
	opt->v = (double *)(opt + 1);
	return opt;
}

void
sgd_free(struct sgd *opt)
{
	free(opt);
}

int
sgd_step(struct sgd *opt, double *w, const double *grad)
{
	double mu, lr;
	size_t i;

	if (opt == NULL || w == NULL || grad == NULL)
		return LINALG_EINVAL;
	if (!grad_finite(opt->n, grad))
		return LINALG_ENONFINITE;
	mu = opt->p.momentum;
	lr = opt->p.lr;
	for (i = 0; i < opt->n; i++) {
		opt->v[i] = mu * opt->v[i] - lr * grad[i];
		w[i] += opt->p.nesterov ? mu * opt->v[i] - lr * grad[i] : opt->v[i];
	}
	return LINALG_OK;
}

int
sgd_set_lr(struct sgd *opt, double lr)
{
	if (opt == NULL || !(lr > 0.0) || isinf(lr))
		return LINALG_EINVAL;
	opt->p.lr = lr;
	return LINALG_OK;
}

void
sgd_reset(struct sgd *opt)
{
	if (opt != NULL)
		memset(opt->v, 0, opt->n * sizeof *opt->v);
}

/* --- Adam --------------------------------------------------------------- */

struct adam_params
adam_params_default(void)
{
	struct adam_params p = { .lr = 0.001, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8 };

	return p;
}

const char *
adam_params_check(const struct adam_params *p)
{
	if (p == NULL)
		return "adam: no parameters";
	if (!(p->lr > 0.0) || isinf(p->lr))
		return "adam: lr must be positive and finite";
	if (!(p->beta1 >= 0.0 && p->beta1 < 1.0))
		return "adam: beta1 must satisfy 0 <= beta1 < 1";
	if (!(p->beta2 >= 0.0 && p->beta2 < 1.0))
		return "adam: beta2 must satisfy 0 <= beta2 < 1";
	if (!(p->eps > 0.0) || isinf(p->eps))
		return "adam: eps must be positive and finite";
	return NULL;
}

struct adam *
adam_new(size_t n, const struct adam_params *p)
{
	struct adam *opt;

	if (adam_params_check(p) != NULL)
		return NULL;
	opt = alloc_with_vectors(sizeof *opt, n, 2);
	if (opt == NULL)
		return NULL;
	opt->n = n;
	opt->p = *p;
	opt->m = (double *)(opt + 1);
	opt->v = opt->m + n;
	return opt;
}

void
adam_free(struct adam *opt)
{
	free(opt);
}

int
adam_step(struct adam *opt, double *w, const double *grad)
{
	double b1, b2, bc1, bc2;
	size_t i;

	if (opt == NULL || w == NULL || grad == NULL)
		return LINALG_EINVAL;
	if (!grad_finite(opt->n, grad))
		return LINALG_ENONFINITE;
	b1 = opt->p.beta1;
	b2 = opt->p.beta2;
	opt->t++;
	/* pow rather than a running product: no drift over millions of steps. */
	bc1 = 1.0 - pow(b1, (double)opt->t);
	bc2 = 1.0 - pow(b2, (double)opt->t);
	for (i = 0; i < opt->n; i++) {
		double g = grad[i];
		opt->m[i] = b1 * opt->m[i] + (1.0 - b1) * g;
		opt->v[i] = b2 * opt->v[i] + (1.0 - b2) * g * g;
		w[i] -= opt->p.lr * (opt->m[i] / bc1) /
		    (sqrt(opt->v[i] / bc2) + opt->p.eps);
	}
	return LINALG_OK;
}

int
adam_set_lr(struct adam *opt, double lr)
{
	if (opt == NULL || !(lr > 0.0) || isinf(lr))
		return LINALG_EINVAL;
	opt->p.lr = lr;
	return LINALG_OK;
}

void
adam_reset(struct adam *opt)
{
	if (opt == NULL)
		return;
	opt->t = 0;
	memset(opt->m, 0, 2 * opt->n * sizeof *opt->m);
}

uint64_t
adam_steps(const struct adam *opt)
{
	return opt != NULL ? opt->t : 0;
}

/* --- minibatches -------------------------------------------------------- */

struct minibatch *
minibatch_new(const size_t *rows, size_t n, size_t batch_size, struct rng *rng)
{
	struct minibatch *mb;
	size_t i;

	if (batch_size == 0 || n > SIZE_MAX / sizeof(size_t))
		return NULL;
	mb = calloc(1, sizeof *mb);
	if (mb == NULL)
		return NULL;
	if (n > 0) {
		mb->idx = malloc(n * sizeof *mb->idx);
		if (mb->idx == NULL) {
			free(mb);
			return NULL;
		}
		for (i = 0; i < n; i++)
			mb->idx[i] = rows != NULL ? rows[i] : i;
	}
	mb->n = n;
	mb->batch = batch_size;
	mb->rng = rng;
	return mb;
}

void
minibatch_free(struct minibatch *mb)
{
	if (mb == NULL)
		return;
	free(mb->idx);
	free(mb);
}

size_t
minibatch_next(struct minibatch *mb, const size_t **idx)
{
	size_t k;

	if (mb == NULL || idx == NULL)
		return 0;
	if (mb->pos >= mb->n) {
		mb->pos = 0;
		mb->epoch++;
		*idx = NULL;
		return 0;
	}
	if (mb->pos == 0 && mb->rng != NULL)
		rng_shuffle(mb->rng, mb->idx, mb->n);
	k = mb->n - mb->pos < mb->batch ? mb->n - mb->pos : mb->batch;
	*idx = mb->idx + mb->pos;
	mb->pos += k;
	return k;
}

uint64_t
minibatch_epoch(const struct minibatch *mb)
{
	return mb != NULL ? mb->epoch : 0;
}
