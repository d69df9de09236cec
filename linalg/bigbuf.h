/*
 * bigbuf.h — memory for big working arrays (copies of a design matrix,
 * per-row state), backed by huge pages where the system allows.
 *
 * A fit that allocates a few hundred megabytes of fresh memory pays for
 * it twice with 4 KB pages: once in page faults when the memory is first
 * written (tens of thousands of them: 30% of a small k-means fit), and
 * again in TLB misses whenever rows are visited out of order.  Where
 * Linux offers transparent huge pages on request (MADV_HUGEPAGE, the
 * "madvise" setting), bigbuf_alloc aligns the block to 2 MiB and asks for
 * them; elsewhere it is malloc.  The memory is uninitialised, and is
 * released with bigbuf_free (which accepts NULL) — never with free().
 */
#ifndef LATHE_BIGBUF_H
#define LATHE_BIGBUF_H

#include <stddef.h>

/* At least `bytes` bytes (a minimum of 1), or NULL if memory runs out.
 * Caller frees with bigbuf_free. */
void *bigbuf_alloc(size_t bytes);

/* Releases a block from bigbuf_alloc; accepts NULL. */
void bigbuf_free(void *p);

#endif
