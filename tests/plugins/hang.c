/* Ignores cancellation forever: the parent must kill it after the grace. */
#define TP_NAME "hang"
#define TP_FIT_BODY for (;;) { host->progress(host->ctx, 1, 0, 0); sleep(1); }
#include "testplug.h"
