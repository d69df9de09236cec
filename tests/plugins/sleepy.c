/* Sleeps $LATHE_TEST_SLEEP_MS milliseconds (default 2000) in 10 ms steps,
 * checking cancel: a run that lasts exactly as long as a test needs. */
#include <stdlib.h>
#define TP_NAME "sleepy"
#define TP_FIT_BODY \
	const char *ms_env = getenv("LATHE_TEST_SLEEP_MS"); \
	int steps = (ms_env ? atoi(ms_env) : 2000) / 10; \
	for (int it = 1; it <= steps; it++) { \
		if (host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		host->progress(host->ctx, it, steps, 1.0 / it); \
		usleep(10000); \
	}
#include "testplug.h"
