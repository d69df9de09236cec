/*
 * parfor.c — sharded parallel loop (see parfor.h).
 *
 * Shards are handed out with an atomic counter, so uneven shards balance
 * themselves.  The first failure is remembered as the lowest failing shard
 * index, which makes the status returned deterministic whenever the same
 * shards fail.
 */
#include "parfor.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "linalg.h"

#define PARFOR_MAX_THREADS 64

struct parfor_job {
	size_t n, shard_rows, nshards;
	parfor_fn fn;
	void *ctx;
	atomic_size_t next;
	atomic_size_t fail_shard;  /* SIZE_MAX: none failed */
	atomic_int fail_rc;
	pthread_mutex_t lock;      /* orders updates of the failure pair */
};

struct parfor_worker {
	struct parfor_job *job;
	int id;
	struct parpool *pool;      /* pool threads: their pool */
};

size_t
parfor_shards(size_t n, size_t shard_rows)
{
	if (shard_rows == 0)
		shard_rows = 1;
	return n / shard_rows + (n % shard_rows != 0);
}

int
parfor_workers(size_t n, size_t shard_rows, int threads)
{
	size_t s = parfor_shards(n, shard_rows);

	if (threads > PARFOR_MAX_THREADS)
		threads = PARFOR_MAX_THREADS;
	if (threads < 1 || s <= 1)
		return 1;
	return (size_t)threads < s ? threads : (int)s;
}

int
parfor_default_threads(void)
{
	int t = linalg_get_threads();

	return t >= 1 ? t : 1;
}

static void *
parfor_loop(void *arg)
{
	struct parfor_worker *w = arg;
	struct parfor_job *job = w->job;
	size_t s, begin, end;
	int rc;

	for (;;) {
		if (atomic_load(&job->fail_shard) != SIZE_MAX)
			break;
		s = atomic_fetch_add(&job->next, 1);
		if (s >= job->nshards)
			break;
		begin = s * job->shard_rows;
		end = begin + job->shard_rows;
		if (end > job->n || end < begin)
			end = job->n;
		rc = job->fn(job->ctx, w->id, s, begin, end);
		if (rc != 0) {
			pthread_mutex_lock(&job->lock);
			if (s < atomic_load(&job->fail_shard)) {
				atomic_store(&job->fail_shard, s);
				atomic_store(&job->fail_rc, rc);
			}
			pthread_mutex_unlock(&job->lock);
		}
	}
	return NULL;
}

int
parfor_run(size_t n, size_t shard_rows, int threads, parfor_fn fn, void *ctx)
{
	struct parfor_job job;
	struct parfor_worker w[PARFOR_MAX_THREADS];
	pthread_t tid[PARFOR_MAX_THREADS];
	int started[PARFOR_MAX_THREADS] = { 0 };
	int nw, i;

	if (fn == NULL)
		return LINALG_EINVAL;
	if (shard_rows == 0)
		shard_rows = 1;
	job.n = n;
	job.shard_rows = shard_rows;
	job.nshards = parfor_shards(n, shard_rows);
	job.fn = fn;
	job.ctx = ctx;
	atomic_init(&job.next, 0);
	atomic_init(&job.fail_shard, SIZE_MAX);
	atomic_init(&job.fail_rc, 0);
	nw = parfor_workers(n, shard_rows, threads);
	if (nw > 1 && pthread_mutex_init(&job.lock, NULL) != 0)
		nw = 1;
	if (nw == 1) {
		/* No threads: run inline, in shard order. */
		size_t s;
		int rc;

		for (s = 0; s < job.nshards; s++) {
			size_t begin = s * shard_rows, end = begin + shard_rows;
			if (end > n || end < begin)
				end = n;
			if ((rc = fn(ctx, 0, s, begin, end)) != 0)
				return rc;
		}
		return 0;
	}
	for (i = 0; i < nw; i++) {
		w[i].job = &job;
		w[i].id = i;
	}
	for (i = 1; i < nw; i++)
		started[i] = pthread_create(&tid[i], NULL, parfor_loop, &w[i]) == 0;
	parfor_loop(&w[0]);
	for (i = 1; i < nw; i++)
		if (started[i])
			pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&job.lock);
	return atomic_load(&job.fail_shard) == SIZE_MAX ? 0 : atomic_load(&job.fail_rc);
}

/* ---- the persistent pool ------------------------------------------------------- */

struct parpool {
	int nthreads;                   /* workers, the caller included */
	int nstarted;                   /* threads running (worker ids 1..) */
	pthread_t tid[PARFOR_MAX_THREADS];
	struct parfor_worker w[PARFOR_MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned long gen;              /* bumped for every loop */
	int want;                       /* workers (ids below) in this loop */
	int active;                     /* pool threads still in this loop */
	int quit;
};

static void *
pool_thread(void *arg)
{
	struct parfor_worker *self = arg;
	struct parpool *p = self->pool;
	unsigned long seen = 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->gen == seen && !p->quit)
			pthread_cond_wait(&p->go, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		if (self->id >= p->want)
			continue;
		pthread_mutex_unlock(&p->mu);
		parfor_loop(self);
		pthread_mutex_lock(&p->mu);
		if (--p->active == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct parpool *
parpool_new(int threads)
{
	struct parpool *p;
	int i;

	if (threads > PARFOR_MAX_THREADS)
		threads = PARFOR_MAX_THREADS;
	if (threads <= 1 || (p = calloc(1, sizeof *p)) == NULL)
		return NULL;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->go, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->done, NULL) != 0) {
		pthread_cond_destroy(&p->go);
		pthread_mutex_destroy(&p->mu);
		free(p);
		return NULL;
	}
	p->nthreads = 1;
	for (i = 1; i < threads; i++) {
		p->w[i].id = i;
		p->w[i].pool = p;
		if (pthread_create(&p->tid[i], NULL, pool_thread, &p->w[i]) != 0)
			break;
		p->nthreads++;
	}
	p->nstarted = p->nthreads - 1;
	if (p->nthreads == 1) {
		parpool_free(p);
		return NULL;
	}
	return p;
}

void
parpool_free(struct parpool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (i = 1; i <= p->nstarted; i++)
		pthread_join(p->tid[i], NULL);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->go);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

int
parpool_run(struct parpool *p, size_t n, size_t shard_rows, int threads,
    parfor_fn fn, void *ctx)
{
	struct parfor_job job;
	struct parfor_worker w0;
	int nw, i;

	if (p == NULL || fn == NULL)
		return parfor_run(n, shard_rows, threads, fn, ctx);
	if (threads > p->nthreads)
		threads = p->nthreads;
	if (shard_rows == 0)
		shard_rows = 1;
	nw = parfor_workers(n, shard_rows, threads);
	if (nw <= 1 || pthread_mutex_init(&job.lock, NULL) != 0)
		return parfor_run(n, shard_rows, 1, fn, ctx);
	job.n = n;
	job.shard_rows = shard_rows;
	job.nshards = parfor_shards(n, shard_rows);
	job.fn = fn;
	job.ctx = ctx;
	atomic_init(&job.next, 0);
	atomic_init(&job.fail_shard, SIZE_MAX);
	atomic_init(&job.fail_rc, 0);
	pthread_mutex_lock(&p->mu);
	for (i = 1; i < nw; i++)
		p->w[i].job = &job;
	p->want = nw;
	p->active = nw - 1;
	p->gen++;
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	w0.job = &job;
	w0.id = 0;
	parfor_loop(&w0);
	pthread_mutex_lock(&p->mu);
	while (p->active > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_mutex_destroy(&job.lock);
	return atomic_load(&job.fail_shard) == SIZE_MAX ? 0 : atomic_load(&job.fail_rc);
}
