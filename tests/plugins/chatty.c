/* Logs $LATHE_TEST_LOG_LINES lines (default 1000000), "chatty: line N",
 * every tenth a warning: the run's stored log must stay bounded. */
#include <stdlib.h>
#define TP_NAME "chatty"
#define TP_FIT_BODY \
	const char *n_env = getenv("LATHE_TEST_LOG_LINES"); \
	long lines = n_env ? atol(n_env) : 1000000; \
	char msg[64]; \
	for (long it = 1; it <= lines; it++) { \
		if (it % 4096 == 0 && host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		snprintf(msg, sizeof msg, "chatty: line %ld", it); \
		host->log(host->ctx, it % 10 == 0, msg); \
	}
#include "testplug.h"
