/*
 * test_parfor.c — the sharded parallel loop (linalg/parfor.h): every row
 * visited once, shard boundaries independent of the thread count, worker
 * numbers in range, failures reported; the persistent pool (parpool) the
 * same over thousands of back-to-back loops, its threads really used.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Records which threads ran shards (up to 8 distinct ids). */
struct who {
	pthread_t ids[8];
	atomic_int n;
	pthread_mutex_t mu;
	atomic_long sum;
};

static int
note(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct who *w = vctx;
	pthread_t me = pthread_self();
	int i, known = 0;

	(void)worker;
	(void)shard;
	atomic_fetch_add(&w->sum, (long)(end - begin));
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < atomic_load(&w->n); i++)
		known |= pthread_equal(w->ids[i], me);
	if (!known && atomic_load(&w->n) < 8)
		w->ids[atomic_fetch_add(&w->n, 1)] = me;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* A shard that waits until a second thread has joined the loop (at most
 * 20 s, however loaded the machine), so that a pool which never wakes its
 * threads shows. */
static int
wait_for_two(void *vctx, int worker, size_t shard, size_t begin, size_t end)
{
	struct who *w = vctx;
	struct timespec t0, t;

	note(vctx, worker, shard, begin, end);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (atomic_load(&w->n) < 2 && t.tv_sec - t0.tv_sec < 20);
	return 0;
}

static void
test_pool(void **state)
{
	const size_t n = 100003, rows = 1000;
	size_t ns = parfor_shards(n, rows), s, i;
	struct parpool *pool = parpool_new(4);
	struct who w;
	int loop, threads;

	(void)state;
	assert_non_null(pool);
	assert_null(parpool_new(1));
	/* the same cover as parfor_run, on every thread count, capped at 4 */
	for (threads = 1; threads <= 8; threads *= 2) {
		struct ctx c;

		c.seen = calloc(n, 1);
		c.begin = calloc(ns, sizeof *c.begin);
		c.end = calloc(ns, sizeof *c.end);
		assert_true(c.seen && c.begin && c.end);
		c.workers = parfor_workers(n, rows, threads < 4 ? threads : 4);
		c.bad_worker = 0;
		c.fail_shard = SIZE_MAX;
		assert_int_equal(parpool_run(pool, n, rows, threads, visit, &c), 0);
		assert_false(c.bad_worker);
		for (i = 0; i < n; i++)
			assert_int_equal(c.seen[i], 1);
		for (s = 0; s < ns; s++) {
			assert_int_equal(c.begin[s], s * rows);
			assert_int_equal(c.end[s], s + 1 < ns ? (s + 1) * rows : n);
		}
		/* a failure: the failing shard's status */
		memset(c.seen, 0, n);
		c.fail_shard = 5;
		assert_int_equal(parpool_run(pool, n, rows, threads, visit, &c), 7);
		free(c.seen);
		free(c.begin);
		free(c.end);
	}
	/* thousands of short loops back to back: none lost, none doubled */
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.mu, NULL);
	for (loop = 0; loop < 5000; loop++)
		assert_int_equal(parpool_run(pool, 64, 1, 4, note, &w), 0);
	assert_int_equal(atomic_load(&w.sum), 5000L * 64);
	/* the pool's threads take part: two shards, one waits for the other's
	 * thread (a pool that ran everything on the caller would spin out) */
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.mu, NULL);
	assert_int_equal(parpool_run(pool, 2, 1, 2, wait_for_two, &w), 0);
	assert_int_equal(atomic_load(&w.n), 2);
	parpool_free(pool);
	/* a NULL pool runs the loop the plain way */
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.mu, NULL);
	assert_int_equal(parpool_run(NULL, 1000, 10, 2, note, &w), 0);
	assert_int_equal(atomic_load(&w.sum), 1000);
	parpool_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_failure),
		cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
