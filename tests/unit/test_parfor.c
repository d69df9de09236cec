/*
 * test_parfor.c — the sharded parallel loop (linalg/parfor.h): every row
 * visited once, shard boundaries independent of the thread count, worker
 * numbers in range, failures reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "linalg/linalg.h"
#include "linalg/parfor.h"

struct ctx {
	unsigned char *seen;
	size_t *begin, *end;
	int workers;
	int bad_worker;
	size_t fail_shard;
};

static int
visit(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct ctx *c = vctx;
	size_t i;

	if (worker < 0 || worker >= c->workers)
		c->bad_worker = 1;
	c->begin[shard] = begin;
	c->end[shard] = end;
	for (i = begin; i < end; i++)
		c->seen[i]++;
	return shard == c->fail_shard ? 7 : 0;
}

static void
test_cover(void **state)
{
	const size_t n = 100003, rows = 1000;
	size_t ns = parfor_shards(n, rows), s, i;
	int threads;

	assert_int_equal(ns, 101);
	assert_int_equal(parfor_shards(0, 10), 0);
	assert_int_equal(parfor_shards(10, 0), 10);
	assert_int_equal(parfor_workers(n, rows, 4), 4);
	assert_int_equal(parfor_workers(10, rows, 4), 1);
	assert_int_equal(parfor_workers(n, rows, 0), 1);
	assert_true(parfor_default_threads() >= 1);
	for (threads = 1; threads <= 8; threads *= 2) {
		struct ctx c;

		c.seen = calloc(n, 1);
		c.begin = calloc(ns, sizeof *c.begin);
		c.end = calloc(ns, sizeof *c.end);
		assert_true(c.seen && c.begin && c.end);
		c.workers = parfor_workers(n, rows, threads);
		c.bad_worker = 0;
		c.fail_shard = SIZE_MAX;
		assert_int_equal(parfor_run(n, rows, threads, visit, &c), 0);
		assert_false(c.bad_worker);
		for (i = 0; i < n; i++)
			assert_int_equal(c.seen[i], 1);
		for (s = 0; s < ns; s++) {
			assert_int_equal(c.begin[s], s * rows);
			assert_int_equal(c.end[s], s + 1 < ns ? (s + 1) * rows : n);
		}
		free(c.seen);
		free(c.begin);
		free(c.end);
	}
}

static void
test_failure(void **state)
{
	const size_t n = 5000, rows = 100;
	int threads;

	for (threads = 1; threads <= 4; threads++) {
		struct ctx c;

		c.seen = calloc(n, 1);
		c.begin = calloc(50, sizeof *c.begin);
		c.end = calloc(50, sizeof *c.end);
		assert_true(c.seen && c.begin && c.end);
		c.workers = parfor_workers(n, rows, threads);
		c.bad_worker = 0;
		c.fail_shard = 3;
		assert_int_equal(parfor_run(n, rows, threads, visit, &c), 7);
		free(c.seen);
		free(c.begin);
		free(c.end);
	}
	assert_int_equal(parfor_run(10, 1, 1, NULL, NULL), LINALG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
