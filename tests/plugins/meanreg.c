/* The out-of-tree sample: predicts the training mean, reports progress. */
#define TP_NAME "meanreg"
#define TP_FIT_BODY \
	for (int it = 1; it <= 5; it++) { \
		if (host->cancelled(host->ctx)) return LATHE_ECANCELLED; \
		host->progress(host->ctx, it, 5, 1.0 / it); \
		host->curve(host->ctx, "val_score", it, it * 0.1); \
	} \
	host->log(host->ctx, 0, "meanreg: fitted the mean");
#include "testplug.h"
