/*
 * sgd.h — first-order stochastic optimizers (SGD with momentum, Adam) and
 * the minibatch iterator that feeds them.
 *
 * The optimizers are small state machines over a parameter vector of n
 * doubles that the caller owns: each step reads a gradient the caller
 * computed on a minibatch and updates the parameters in place.  They keep
 * per-parameter state (velocity; first and second moments) sized n,
 * allocated by _new and released by _free.  They hold no pointer to the
 * parameters, so one optimizer may be reused after _reset for a new fit.
 *
 * The minibatch iterator walks a set of row indices in batches, reshuffling
 * the whole set with the caller's struct rng at the start of each epoch, so
 * a recorded seed reproduces the exact sequence of batches.
 */
#ifndef LATHE_SGD_H
#define LATHE_SGD_H

#include <stddef.h>
#include <stdint.h>

#include "linalg.h"
#include "rng.h"

/* --- SGD ---------------------------------------------------------------- */

/* Update rule (scikit-learn MLP's SGDOptimizer):
 *   v <- momentum * v - lr * g
 *   w <- w + v                          (classical momentum)
 *   w <- w + momentum * v - lr * g      (nesterov != 0)
 * momentum = 0 is plain SGD, w <- w - lr * g. */
struct sgd_params {
	double lr;        /* > 0 (0.01) */
	double momentum;  /* in [0, 1) (0.9) */
	int nesterov;     /* nonzero: Nesterov's momentum (1) */
};

struct sgd;

struct sgd_params sgd_params_default(void);

/* NULL if p is usable, else a static lowercase message naming the field. */
const char *sgd_params_check(const struct sgd_params *p);

/* An optimizer for n parameters with zero velocity.  Returns NULL if n is
 * 0, p is NULL or invalid, or memory runs out.  Caller frees with
 * sgd_free. */
struct sgd *sgd_new(size_t n, const struct sgd_params *p);

/* Accepts NULL. */
void sgd_free(struct sgd *opt);

/* One update of w[0..n-1] from grad[0..n-1] (borrowed for the call).
 * Returns LINALG_EINVAL on NULL arguments, LINALG_ENONFINITE (and leaves w
 * and the state untouched) if grad holds NaN or infinity. */
int sgd_step(struct sgd *opt, double *w, const double *grad);

/* Changes the learning rate (for schedules); LINALG_EINVAL if lr <= 0. */
int sgd_set_lr(struct sgd *opt, double lr);

/* Zeroes the velocity. */
void sgd_reset(struct sgd *opt);

/* --- Adam --------------------------------------------------------------- */

/* Kingma & Ba (2015), Algorithm 1, with bias correction:
 *   t <- t + 1
 *   m <- beta1 m + (1 - beta1) g        v <- beta2 v + (1 - beta2) g^2
 *   w <- w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * (the form PyTorch uses; eps is added to the corrected sqrt(v)). */
struct adam_params {
	double lr;     /* > 0 (0.001) */
	double beta1;  /* in [0, 1) (0.9) */
	double beta2;  /* in [0, 1) (0.999) */
	double eps;    /* > 0 (1e-8) */
};

struct adam;

struct adam_params adam_params_default(void);

/* NULL if p is usable, else a static lowercase message naming the field. */
const char *adam_params_check(const struct adam_params *p);

/* An optimizer for n parameters at t = 0 with zero moments.  NULL if n is
 * 0, p is NULL or invalid, or memory runs out.  Caller frees with
 * adam_free. */
struct adam *adam_new(size_t n, const struct adam_params *p);

/* Accepts NULL. */
void adam_free(struct adam *opt);

/* One update of w[0..n-1] from grad[0..n-1]; errors as for sgd_step. */
int adam_step(struct adam *opt, double *w, const double *grad);

/* Changes the learning rate; LINALG_EINVAL if lr <= 0. */
int adam_set_lr(struct adam *opt, double lr);

/* Back to t = 0 with zero moments. */
void adam_reset(struct adam *opt);

/* Steps taken since creation or the last reset. */
uint64_t adam_steps(const struct adam *opt);

/* --- minibatches -------------------------------------------------------- */

struct minibatch;

/* Iterates the n row indices rows[0..n-1] (copied; NULL means 0..n-1) in
 * batches of batch_size, the last batch of an epoch possibly shorter.  If
 * rng is not NULL the indices are shuffled with it at the start of every
 * epoch; rng is borrowed and must outlive the iterator.  NULL if
 * batch_size is 0 or memory runs out.  Caller frees with minibatch_free. */
struct minibatch *minibatch_new(const size_t *rows, size_t n, size_t batch_size,
    struct rng *rng);

/* Accepts NULL. */
void minibatch_free(struct minibatch *mb);

/* Points *idx at the next batch and returns its length, or returns 0 at
 * the end of an epoch; the call after that starts the next epoch.  *idx is
 * valid until the next call.  Typical use:
 *   while ((k = minibatch_next(mb, &idx)) > 0) { ... rows idx[0..k-1] ... } */
size_t minibatch_next(struct minibatch *mb, const size_t **idx);

/* Number of completed epochs. */
uint64_t minibatch_epoch(const struct minibatch *mb);

#endif
