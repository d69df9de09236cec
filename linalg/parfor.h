/*
 * parfor.h — a loop over fixed shards of the rows of a design matrix, run
 * on a few threads, with results that do not depend on the thread count.
 *
 * The rows 0..n-1 are cut into shards of shard_rows rows (the last one
 * shorter); the cut depends only on n and shard_rows.  Workers take shards
 * in any order.  A caller that wants reproducible sums gives every shard
 * its own partial result and adds the partials in shard order afterwards,
 * so the same data gives bit-identical numbers on 1 or 64 threads.
 * Per-worker scratch (block buffers) may be indexed by the worker number,
 * which is below parfor_workers(n, shard_rows, threads).
 *
 * Threads are POSIX threads created for the call and joined before it
 * returns; the calling thread is worker 0.  If a thread cannot be created
 * the remaining workers simply do more shards.  Work inside fn should keep
 * its BLAS calls small (OpenBLAS runs calls below ~9000 elements for gemv
 * and ~260000 multiply-adds for gemm on the calling thread), so the two
 * layers of threads do not oversubscribe the machine.
 */
#ifndef LATHE_PARFOR_H
#define LATHE_PARFOR_H

#include <stddef.h>

/* Processes rows [begin, end) of shard number `shard` on worker `worker`.
 * Returns 0, or a nonzero status that stops the loop. */
typedef int (*parfor_fn)(void *ctx, int worker, size_t shard, size_t begin,
    size_t end);

/* Number of shards: ceil(n / shard_rows) (0 for n == 0). */
size_t parfor_shards(size_t n, size_t shard_rows);

/* Workers a call with these arguments uses: min(threads, shards), >= 1. */
int parfor_workers(size_t n, size_t shard_rows, int threads);

/* The thread count to ask for by default: OpenBLAS's thread count (which
 * OPENBLAS_NUM_THREADS controls), at least 1. */
int parfor_default_threads(void);

/* Runs fn over every shard.  Returns 0, or the nonzero status of a failing
 * shard (the lowest-numbered failure among the shards that ran); after a
 * failure no new shards are started.  shard_rows 0 is treated as 1. */
int parfor_run(size_t n, size_t shard_rows, int threads, parfor_fn fn, void *ctx);

/*
 * A persistent pool for callers that run thousands of short loops (a tree
 * grower runs several per split): its threads are created once and wait
 * between loops, so a loop costs a wake-up (a few microseconds) instead of
 * a thread creation and join.  parpool_run has parfor_run's contract and
 * results; threads is capped at the pool's size.  A NULL pool (or one that
 * could not start its threads) runs the loop with parfor_run.  One caller
 * at a time: a pool is not shared between threads, and fn must not use the
 * same pool.
 */
struct parpool;

/* A pool of `threads` workers (the caller being one of them), or NULL on
 * failure or when threads <= 1. */
struct parpool *parpool_new(int threads);
void parpool_free(struct parpool *pool);
int parpool_run(struct parpool *pool, size_t n, size_t shard_rows, int threads,
    parfor_fn fn, void *ctx);

#endif
