/*
 * test_sgd.c — SGD with momentum, Adam, and the minibatch iterator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg/mat.h"
#include "linalg/rng.h"
#include "linalg/sgd.h"

/* f(w) = 0.5 sum a_i (w_i - c_i)^2, condition number 100. */
static const double quad_a[3] = { 1.0, 10.0, 100.0 };
static const double quad_c[3] = { 0.5, -2.0, 3.0 };

static void
quad_grad(const double *w, double *g)
{
	int i;

	for (i = 0; i < 3; i++)
		g[i] = quad_a[i] * (w[i] - quad_c[i]);
}

static double
quad_dist(const double *w)
{
	double d = 0.0;
	int i;

	for (i = 0; i < 3; i++)
		d = fmax(d, fabs(w[i] - quad_c[i]));
	return d;
}

/* --- Adam --------------------------------------------------------------- */

static void
test_adam_first_steps(void **state)
{
	struct adam_params p = adam_params_default();
	struct adam *opt;
	double w[2] = { 1.0, -1.0 }, first;
	const double g1[2] = { 0.5, -2.0 }, g2[2] = { 0.25, 1.0 };

	(void)state;
	p.lr = 0.1;
	opt = adam_new(2, &p);
	assert_non_null(opt);
	assert_int_equal(adam_steps(opt), 0);

	/* By hand: after one step m^ = g and v^ = g^2, so the update is
	 * lr * g / (|g| + eps): 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002 and
	 * -1 + 0.1 * 2 / (2 + 1e-8) = -0.9000000005.  The code gets there by
	 * its own chain of roundings: the update (about 0.1) carries some ten,
	 * as 0.1, 1 - 0.9 and 1 - 0.999 are not exact, each at most half an
	 * ulp of its own size, and the subtraction from w one more; under
	 * 2 eps |w| in all, so 4 eps |w| allows for it twice over. */
	assert_int_equal(adam_step(opt, w, g1), LINALG_OK);
	assert_true(fabs(w[0] - 0.900000002) <= 4 * DBL_EPSILON * 0.9);
	assert_true(fabs(w[1] - -0.9000000005) <= 4 * DBL_EPSILON * 0.9);
	first = w[0];
	assert_int_equal(adam_steps(opt), 1);

	/* Step 2 by hand for w[0]: m = 0.9 * 0.05 + 0.1 * 0.25 = 0.07,
	 * m^ = 0.07 / 0.19; v = 0.999 * 0.00025 + 0.001 * 0.0625 = 0.00031225,
	 * v^ = v / 0.001999; w = 0.900000002 - 0.1 m^ / (sqrt(v^) + 1e-8).
	 * The 17-digit values come from the same formula evaluated in Python
	 * doubles; allow 2 ulps for pow/sqrt differences between libms. */
	assert_int_equal(adam_step(opt, w, g2), LINALG_OK);
	assert_true(fabs(w[0] - 0.8067820404774624) <= 2e-16 * 0.81);
	assert_true(fabs(w[1] - -0.8733662967024315) <= 2e-16 * 0.88);
	assert_true(fabs(w[0] - (0.900000002 - 0.1 * (0.07 / 0.19) /
	    (sqrt(0.00031225 / 0.001999) + 1e-8))) < 1e-14);

	/* Reset returns to t = 0: the same first step again, bit for bit
	 * (the same code on the same operands as the first call). */
	adam_reset(opt);
	w[0] = 1.0;
	w[1] = -1.0;
	assert_int_equal(adam_step(opt, w, g1), LINALG_OK);
	assert_true(w[0] == first);
	adam_free(opt);
}

static void
test_adam_quadratic(void **state)
{
	struct adam_params p = adam_params_default();
	struct adam *opt;
	double w[3] = { 0.0, 0.0, 0.0 }, g[3];
	int it;

	(void)state;
	p.lr = 0.01;
	opt = adam_new(3, &p);
	assert_non_null(opt);
	for (it = 0; it < 5000; it++) {
		quad_grad(w, g);
		assert_int_equal(adam_step(opt, w, g), LINALG_OK);
	}
	assert_true(quad_dist(w) < 1e-9);
	adam_free(opt);
}

/* --- SGD ---------------------------------------------------------------- */

static void
test_sgd_hand_steps(void **state)
{
	struct sgd_params p = { .lr = 0.1, .momentum = 0.0, .nesterov = 0 };
	struct sgd *opt;
	double w[1] = { 1.0 };
	const double g1[1] = { 0.5 }, g2[1] = { -1.0 };

	(void)state;
	/* Plain: w - lr g (0.1 is not exact: 1e-15, as below). */
	opt = sgd_new(1, &p);
	assert_non_null(opt);
	assert_int_equal(sgd_step(opt, w, g1), LINALG_OK);
	assert_true(fabs(w[0] - 0.95) < 1e-15);
	sgd_free(opt);

	/* Classical momentum 0.5: v1 = -0.05, w1 = 0.95;
	 * v2 = 0.5 * -0.05 + 0.1 = 0.075, w2 = 1.025. */
	p.momentum = 0.5;
	w[0] = 1.0;
	opt = sgd_new(1, &p);
	assert_non_null(opt);
	assert_int_equal(sgd_step(opt, w, g1), LINALG_OK);
	assert_true(fabs(w[0] - 0.95) < 1e-15);
	assert_int_equal(sgd_step(opt, w, g2), LINALG_OK);
	assert_true(fabs(w[0] - 1.025) < 1e-15);
	sgd_free(opt);

	/* Nesterov: w1 = 1 + 0.5 * -0.05 - 0.05 = 0.925;
	 * v2 = 0.075, w2 = 0.925 + 0.5 * 0.075 + 0.1 = 1.0625. */
	p.nesterov = 1;
	w[0] = 1.0;
	opt = sgd_new(1, &p);
	assert_non_null(opt);
	assert_int_equal(sgd_step(opt, w, g1), LINALG_OK);
	assert_true(fabs(w[0] - 0.925) < 1e-15);
	assert_int_equal(sgd_step(opt, w, g2), LINALG_OK);
	assert_true(fabs(w[0] - 1.0625) < 1e-15);
	/* Reset drops the velocity: the next step is the first step again. */
	sgd_reset(opt);
	w[0] = 1.0;
	assert_int_equal(sgd_step(opt, w, g1), LINALG_OK);
	assert_true(fabs(w[0] - 0.925) < 1e-15);
	assert_int_equal(sgd_set_lr(opt, 0.2), LINALG_OK);
	assert_int_equal(sgd_set_lr(opt, 0.0), LINALG_EINVAL);
	sgd_free(opt);
}

static void
test_sgd_quadratic(void **state)
{
	struct sgd_params p = sgd_params_default();
	struct sgd *opt;
	double w[3] = { 0.0, 0.0, 0.0 }, g[3];
	int it;

	(void)state;
	p.lr = 0.005;
	opt = sgd_new(3, &p);
	assert_non_null(opt);
	for (it = 0; it < 3000; it++) {
		quad_grad(w, g);
		assert_int_equal(sgd_step(opt, w, g), LINALG_OK);
	}
	assert_true(quad_dist(w) < 1e-10);
	sgd_free(opt);
}

/* Noise-free least squares y = X w* through minibatches: every batch's
 * gradient vanishes at w*, so minibatch SGD converges to it exactly. */
static void
test_sgd_minibatch_least_squares(void **state)
{
	enum { N = 200, D = 3 };
	static const double wstar[D] = { 2.0, -1.0, 0.5 };
	struct mat *X = mat_new(N, D);
	double y[N], w[D] = { 0.0, 0.0, 0.0 }, g[D];
	struct sgd_params p = sgd_params_default();
	struct rng r;
	struct sgd *opt;
	struct minibatch *mb;
	const size_t *idx;
	size_t i, j, b, k;
	int epoch;

	(void)state;
	assert_non_null(X);
	rng_init(&r, 5);
	for (i = 0; i < N; i++) {
		y[i] = 0.0;
		for (j = 0; j < D; j++) {
			mat_set(X, i, j, rng_normal(&r));
			y[i] += mat_get(X, i, j) * wstar[j];
		}
	}
	p.lr = 0.02;
	opt = sgd_new(D, &p);
	mb = minibatch_new(NULL, N, 16, &r);
	assert_non_null(opt);
	assert_non_null(mb);
	for (epoch = 0; epoch < 100; epoch++) {
		while ((k = minibatch_next(mb, &idx)) > 0) {
			memset(g, 0, sizeof g);
			for (b = 0; b < k; b++) {
				const double *x = mat_row(X, idx[b]);
				double res = vec_dot(D, x, w) - y[idx[b]];
				vec_axpy(D, res / (double)k, x, g);
			}
			assert_int_equal(sgd_step(opt, w, g), LINALG_OK);
		}
	}
	assert_int_equal(minibatch_epoch(mb), 100);
	for (j = 0; j < D; j++)
		assert_true(fabs(w[j] - wstar[j]) < 1e-10);
	minibatch_free(mb);
	sgd_free(opt);
	mat_free(X);
}

static void
test_nonfinite_gradient(void **state)
{
	struct sgd_params sp = sgd_params_default();
	struct adam_params ap = adam_params_default();
	struct sgd *s = sgd_new(2, &sp);
	struct adam *a = adam_new(2, &ap);
	double w[2] = { 1.0, 2.0 };
	const double bad[2] = { 0.5, NAN }, inf[2] = { INFINITY, 0.0 };

	(void)state;
	assert_non_null(s);
	assert_non_null(a);
	assert_int_equal(sgd_step(s, w, bad), LINALG_ENONFINITE);
	assert_int_equal(adam_step(a, w, inf), LINALG_ENONFINITE);
	assert_true(w[0] == 1.0 && w[1] == 2.0);
	assert_int_equal(adam_steps(a), 0);   /* refused steps do not count */
	assert_int_equal(sgd_step(NULL, w, bad), LINALG_EINVAL);
	assert_int_equal(adam_step(a, NULL, bad), LINALG_EINVAL);
	assert_int_equal(adam_step(a, w, NULL), LINALG_EINVAL);
	sgd_free(s);
	adam_free(a);
	sgd_free(NULL);
	adam_free(NULL);
}

static void
test_params_check(void **state)
{
	struct sgd_params sp, sgd_bad[4];
	struct adam_params ap, adam_bad[6];
	size_t i;

	(void)state;
	sp = sgd_params_default();
	ap = adam_params_default();
	assert_null(sgd_params_check(&sp));
	assert_null(adam_params_check(&ap));
	assert_true(ap.lr == 0.001 && ap.beta1 == 0.9 && ap.beta2 == 0.999 && ap.eps == 1e-8);

	for (i = 0; i < 4; i++)
		sgd_bad[i] = sp;
	sgd_bad[0].lr = 0.0;
	sgd_bad[1].lr = NAN;
	sgd_bad[2].momentum = 1.0;
	sgd_bad[3].momentum = -0.1;
	for (i = 0; i < 4; i++) {
		assert_non_null(sgd_params_check(&sgd_bad[i]));
		assert_null(sgd_new(3, &sgd_bad[i]));
	}
	for (i = 0; i < 6; i++)
		adam_bad[i] = ap;
	adam_bad[0].lr = -1.0;
	adam_bad[1].beta1 = 1.0;
	adam_bad[2].beta2 = NAN;
	adam_bad[3].eps = 0.0;
	adam_bad[4].lr = INFINITY;
	adam_bad[5].beta2 = -0.5;
	for (i = 0; i < 6; i++) {
		const char *msg = adam_params_check(&adam_bad[i]);
		assert_non_null(msg);
		assert_true(strncmp(msg, "adam: ", 6) == 0);
		assert_null(adam_new(3, &adam_bad[i]));
	}
	assert_non_null(strstr(adam_params_check(&adam_bad[3]), "eps"));
	assert_null(sgd_new(0, &sp));
	assert_null(adam_new(0, &ap));
	assert_null(adam_new(3, NULL));
	assert_null(adam_new(SIZE_MAX / 4, &ap));  /* size overflow, not a crash */
}

/* --- minibatches -------------------------------------------------------- */

static void
test_minibatch_covers_each_epoch(void **state)
{
	enum { N = 103, B = 10 };
	struct rng r;
	struct minibatch *mb;
	const size_t *idx;
	size_t k, i, seen[N], first[N], pos;
	int epoch, batches, differs = 0;

	(void)state;
	rng_init(&r, 9);
	mb = minibatch_new(NULL, N, B, &r);
	assert_non_null(mb);
	for (epoch = 0; epoch < 3; epoch++) {
		memset(seen, 0, sizeof seen);
		batches = 0;
		pos = 0;
		while ((k = minibatch_next(mb, &idx)) > 0) {
			/* Full batches, then the 3 left over. */
			assert_int_equal(k, batches < N / B ? B : N % B);
			for (i = 0; i < k; i++) {
				assert_true(idx[i] < N);
				seen[idx[i]]++;
				if (epoch == 0)
					first[pos] = idx[i];
				else
					differs += first[pos] != idx[i];
				pos++;
			}
			batches++;
		}
		assert_int_equal(batches, 11);
		for (i = 0; i < N; i++)
			assert_int_equal(seen[i], 1);
		assert_int_equal(minibatch_epoch(mb), (uint64_t)epoch + 1);
	}
	assert_true(differs > N / 2);   /* reshuffled each epoch */
	minibatch_free(mb);
	minibatch_free(NULL);
}

/* The concatenated batch sequence of `epochs` epochs, for seed. */
static void
minibatch_sequence(uint64_t seed, const size_t *rows, size_t n, size_t *out,
    int epochs)
{
	struct rng r;
	struct minibatch *mb;
	const size_t *idx;
	size_t k, pos = 0;
	int e;

	rng_init(&r, seed);
	mb = minibatch_new(rows, n, 7, &r);
	assert_non_null(mb);
	for (e = 0; e < epochs; e++)
		while ((k = minibatch_next(mb, &idx)) > 0) {
			memcpy(out + pos, idx, k * sizeof *idx);
			pos += k;
		}
	assert_int_equal(pos, n * (size_t)epochs);
	minibatch_free(mb);
}

static void
test_minibatch_deterministic(void **state)
{
	enum { N = 50 };
	size_t a[2 * N], b[2 * N], c[2 * N], rows[N];
	size_t i;
	int in_rows, same = 1;

	(void)state;
	minibatch_sequence(42, NULL, N, a, 2);
	minibatch_sequence(42, NULL, N, b, 2);
	minibatch_sequence(43, NULL, N, c, 2);
	assert_memory_equal(a, b, sizeof a);
	for (i = 0; i < 2 * N; i++)
		same &= a[i] == c[i];
	assert_false(same);

	/* A subset of rows (a training split) is iterated, not 0..n-1. */
	for (i = 0; i < N; i++)
		rows[i] = 1000 + 3 * i;
	minibatch_sequence(42, rows, N, a, 2);
	for (i = 0; i < 2 * N; i++) {
		size_t j;
		in_rows = 0;
		for (j = 0; j < N; j++)
			in_rows |= a[i] == rows[j];
		assert_true(in_rows);
	}
}

static void
test_minibatch_unshuffled_and_edges(void **state)
{
	struct minibatch *mb;
	const size_t *idx;
	size_t k;

	(void)state;
	mb = minibatch_new(NULL, 5, 2, NULL);
	assert_non_null(mb);
	assert_int_equal(minibatch_next(mb, &idx), 2);
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	assert_int_equal(minibatch_next(mb, &idx), 2);
	assert_int_equal(idx[0], 2);
	assert_int_equal(minibatch_next(mb, &idx), 1);
	assert_int_equal(idx[0], 4);
	assert_int_equal(minibatch_next(mb, &idx), 0);
	assert_int_equal(minibatch_next(mb, &idx), 2);   /* next epoch */
	assert_int_equal(idx[0], 0);
	minibatch_free(mb);

	assert_null(minibatch_new(NULL, 5, 0, NULL));
	mb = minibatch_new(NULL, 0, 4, NULL);
	assert_non_null(mb);
	k = minibatch_next(mb, &idx);
	assert_int_equal(k, 0);
	assert_int_equal(minibatch_next(NULL, &idx), 0);
	assert_int_equal(minibatch_next(mb, NULL), 0);
	minibatch_free(mb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adam_first_steps),
		cmocka_unit_test(test_adam_quadratic),
		cmocka_unit_test(test_sgd_hand_steps),
		cmocka_unit_test(test_sgd_quadratic),
		cmocka_unit_test(test_sgd_minibatch_least_squares),
		cmocka_unit_test(test_nonfinite_gradient),
		cmocka_unit_test(test_params_check),
		cmocka_unit_test(test_minibatch_covers_each_epoch),
		cmocka_unit_test(test_minibatch_deterministic),
		cmocka_unit_test(test_minibatch_unshuffled_and_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
