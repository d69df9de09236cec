/*
 * test_hamerly.c — carrying Hamerly's bounds (plugins/kmeans/hamerly.h): the
 * result, bit for bit, of the documented scalar formulas whatever the
 * path taken (vector or scalar, tables in registers or gathered), row
 * counts around the vector width, stopping at the capacity and resuming
 * where it stopped, unassigned rows always listed; and the rounding is
 * outward (a bound never moves inwards).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans/hamerly.h"
#include "linalg/rng.h"

/* The definition, one row. */
static int
ref_row(int a, float *ub, float *lb, const double *shift, double ms,
    const double *sep, double slack)
{
	size_t ac = a >= 0 ? (size_t)a : 0;
	double u = ((double)*ub + shift[ac]) * HAMERLY_UP;
	double l = ((double)*lb - ms) * HAMERLY_DOWN, lo = (sep[ac] - u) * HAMERLY_DOWN;

	l = l > 0.0 ? l : 0.0;
	lo = lo > l ? lo : l;
	*ub = hamerly_float_up(u);
	*lb = hamerly_float_down(l);
	return a >= 0 && lo * lo * HAMERLY_DOWN > (u * u + slack) * HAMERLY_UP;
}

static void
test_matches_definition(void **state)
{
	static const size_t ks[] = { 1, 3, 8, 9, 16, 17, 40 }, ns[] = { 1, 7, 8, 9, 100, 1001 };
	static const size_t caps[] = { 8, 9, 23, 512 };
	struct rng r;
	size_t a, b, c, i;

	rng_init(&r, 4);
	for (a = 0; a < sizeof ks / sizeof ks[0]; a++)
		for (b = 0; b < sizeof ns / sizeof ns[0]; b++)
			for (c = 0; c < sizeof caps / sizeof caps[0]; c++) {
				size_t k = ks[a], n = ns[b], cap = caps[c], off = 3, begin, next, nb;
				size_t total = 0, *out = malloc(cap * sizeof *out);
				size_t *want = malloc((n + off) * sizeof *want), nwant = 0;
				int *lab = malloc((n + off) * sizeof *lab);
				float *ub = malloc((n + off) * sizeof *ub), *lb = malloc((n + off) * sizeof *lb);
				float *ub2 = malloc((n + off) * sizeof *ub2), *lb2 = malloc((n + off) * sizeof *lb2);
				double *shift = malloc(k * sizeof *shift), *sep = malloc(k * sizeof *sep);
				double ms = 0.0, slack = 1e-12;

				assert_true(out && want && lab && ub && lb && ub2 && lb2 && shift && sep);
				for (i = 0; i < k; i++) {
					shift[i] = rng_uniform(&r) * 0.1;
					ms = fmax(ms, shift[i]);
					sep[i] = 0.5 + rng_uniform(&r) * 3.0;
				}
				for (i = 0; i < n + off; i++) {
					lab[i] = i % 13 == 5 ? -1 : (int)rng_below(&r, k);
					ub[i] = ub2[i] = (float)(rng_uniform(&r) * 2.0);
					lb[i] = lb2[i] = (float)(ub[i] + (rng_uniform(&r) - 0.3) * 2.0);
				}
				for (i = off; i < n + off; i++)
					if (!ref_row(lab[i], &ub2[i], &lb2[i], shift, ms, sep, slack))
						want[nwant++] = i;
				/* resume until the end; each call lists < cap rows */
				for (begin = off; begin < n + off; begin = next) {
					nb = hamerly_carry(lab, ub, lb, begin, n + off, shift, ms, sep, k,
					    slack, out, cap, &next);
					assert_true(nb <= cap);
					assert_true(next > begin && next <= n + off);
					assert_true(next == n + off || nb + 8 > cap);
					assert_true(total + nb <= nwant);
					assert_memory_equal(out, want + total, nb * sizeof *out);
					total += nb;
				}
				assert_int_equal(total, nwant);
				assert_memory_equal(ub + off, ub2 + off, n * sizeof *ub);
				assert_memory_equal(lb + off, lb2 + off, n * sizeof *lb);
				free(out);
				free(want);
				free(lab);
				free(ub);
				free(lb);
				free(ub2);
				free(lb2);
				free(shift);
				free(sep);
			}
}

/* The carried bounds are never tighter than exact arithmetic allows, and
 * lower bounds are clamped at zero; storing as float rounds outwards,
 * including at the ends of float's range. */
static void
test_outward(void **state)
{
	static const double vals[] = { 0.0, 1e-320, 1e-45, 1e-40, FLT_MIN, 1.0 / 3.0, 1.0,
		1e30, FLT_MAX, 1e39, 1e300, HUGE_VAL };
	const size_t n = 64, k = 2;
	float ub[64], lb[64];
	double shift[2] = { 0.1, 0.3 }, sep[2] = { 1.0, 1.0 };
	int lab[64];
	size_t out[64], next, i;

	for (i = 0; i < n; i++) {
		lab[i] = (int)(i % k);
		ub[i] = (float)(1.0 / 3.0 + (double)i);
		lb[i] = i % 2 ? 1.25f : 0.1f;
	}
	(void)hamerly_carry(lab, ub, lb, 0, n, shift, 0.3, sep, k, 0.0, out, 64, &next);
	assert_int_equal(next, n);
	for (i = 0; i < n; i++) {
		assert_true((double)ub[i] > (double)(float)(1.0 / 3.0 + (double)i) + shift[i % k]);
		assert_true(i % 2 ? lb[i] > 0.0f && (double)lb[i] < 1.25 - 0.3 : lb[i] == 0.0f);
	}
	for (i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		assert_true((double)hamerly_float_up(vals[i]) >= vals[i]);
		assert_true((double)hamerly_float_down(vals[i]) <= vals[i]);
		assert_true(hamerly_float_down(vals[i]) >= 0.0f);
	}
	assert_true(isinf(hamerly_float_up(1e39)));
	assert_true(hamerly_float_down(1e39) == FLT_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_definition),
		cmocka_unit_test(test_outward),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
