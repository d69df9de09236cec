/* Polite and slow: checks cancel every 10 ms, so Ctrl-C stops it at once. */
#define TP_NAME "slow"
#define TP_FIT_BODY \
	for (int it = 1; it <= 3000; it++) { \
		if (host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		host->progress(host->ctx, it, 3000, 1.0 / it); \
		usleep(10000); \
	}
#include "testplug.h"
