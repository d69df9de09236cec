/* Reports $LATHE_TEST_CURVE_POINTS progress steps (default 1000000), each
 * with a loss of 1/step and a "val" curve point of 2/step: a run's stored
 * curves must stay bounded and an even sample of the whole run. */
#include <stdlib.h>
#define TP_NAME "curvy"
#define TP_FIT_BODY \
	const char *n_env = getenv("LATHE_TEST_CURVE_POINTS"); \
	int steps = n_env ? atoi(n_env) : 1000000; \
	for (int it = 1; it <= steps; it++) { \
		if (it % 4096 == 0 && host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		host->progress(host->ctx, it, steps, 1.0 / it); \
		host->curve(host->ctx, "val", it, 2.0 / it); \
	}
#include "testplug.h"
