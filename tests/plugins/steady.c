/* 40 iterations of 25 ms with a falling loss: long enough to draw progress. */
#define TP_NAME "steady"
#define TP_FIT_BODY \
	for (int it = 1; it <= 40; it++) { \
		if (host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		host->progress(host->ctx, it, 40, 1.0 / it); \
		usleep(25000); \
	}
#include "testplug.h"
