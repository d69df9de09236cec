/*
 * predlog.h — the serving process's prediction log, for drift checks.
 *
 * A sample of the rows a server predicts (each row independently with
 * probability `rate`, and at most `max_per_sec` rows a second) is kept in
 * the project's prediction_log table: the model name, version and run, the
 * time, the row's raw inputs as a JSON object and its prediction.  Request
 * threads only decide which rows to keep and copy them into a bounded
 * queue; one writer thread inserts the queue in a transaction twice a
 * second, so logging costs a request a random number per row and an
 * atomic addition.  When the queue is full, rows are dropped and counted,
 * never waited for.  With the rows the writer records, per model version,
 * how many rows the server predicted and logged and how it sampled them
 * (prediction_log_counts), so a sample can be read for what it is.
 *
 * `lathe drift` (core/serve/drift.c) compares the logged inputs with the data the
 * model was trained on.
 */
#ifndef LATHE_PREDLOG_H
#define LATHE_PREDLOG_H

#include <stddef.h>
#include <stdint.h>
#include "features/frame.h"
#include "train/predict.h"

#define PREDLOG_DEFAULT_RATE		0.01
#define PREDLOG_DEFAULT_MAX_PER_SEC	100

struct predlog;

/* Sampled rows of one request, captured before the recipe changes the
 * frame in place. */
struct predlog_capture;

/* Open the log on project path (its own connection) for server_id, and
 * start the writer thread.  rate in (0, 1].  Caller closes. */
int	predlog_open(const char *path, int64_t server_id, double rate, int max_per_sec,
	    struct predlog **out, char **err);
/* Flush what is queued, stop the writer, close.  Accepts NULL. */
void	predlog_close(struct predlog *pl);

/* Choose and copy the rows of f to log (NULL: none chosen, or pl NULL). */
struct predlog_capture *predlog_sample(struct predlog *pl, const struct frame *f);
/* Add the predictions of the captured rows and queue them; frees cap.
 * Accepts cap NULL. */
void	predlog_commit(struct predlog *pl, struct predlog_capture *cap, const char *model,
	    int version, int64_t run_id, const struct prediction *pd);

/* Count rows predicted by model@version (every successful request, sampled
 * or not): written beside the log in prediction_log_counts.  Accepts pl
 * NULL.  Borrows model for the call. */
void	predlog_count(struct predlog *pl, const char *model, int version, size_t rows);

/* Forget a capture without logging it (the request failed).  Accepts NULL. */
void	predlog_discard(struct predlog_capture *cap);

/* Rows written and rows dropped so far (for /metrics). */
uint64_t predlog_written(const struct predlog *pl);
uint64_t predlog_dropped(const struct predlog *pl);

#endif
