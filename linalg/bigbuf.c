/*
 * bigbuf.c — big working arrays on huge pages (see bigbuf.h).
 *
 * Blocks of 1 MiB and more are rounded up to whole 2 MiB pages, aligned
 * to 2 MiB (posix_memalign) and advised MADV_HUGEPAGE, so the kernel backs
 * each 2 MiB with one page (at most 2 MiB is wasted per block); smaller
 * blocks gain nothing and come from malloc.  Both
 * kinds are released with free(), which is what bigbuf_free calls: the
 * separate name keeps callers honest should that ever change.  The advice
 * is only advice: if it fails the memory is still good.
 */
#include "bigbuf.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#define BIGBUF_HUGE ((size_t)2 << 20)

void *
bigbuf_alloc(size_t bytes)
{
	void *p = NULL;

	if (bytes == 0)
		bytes = 1;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	if (bytes >= BIGBUF_HUGE / 2 && bytes <= SIZE_MAX - BIGBUF_HUGE) {
		/* whole huge pages, so the advice covers only our block */
		size_t whole = (bytes + BIGBUF_HUGE - 1) / BIGBUF_HUGE * BIGBUF_HUGE;

		if (posix_memalign(&p, BIGBUF_HUGE, whole) != 0)
			return NULL;
		(void)madvise(p, whole, MADV_HUGEPAGE);
		return p;
	}
#endif
	p = malloc(bytes);
	return p;
}

void
bigbuf_free(void *p)
{
	free(p);
}
