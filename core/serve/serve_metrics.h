/*
 * serve_metrics.h — the serving process's counters and latency
 * histograms, rendered in the Prometheus text format for GET /metrics.
 *
 * Recording is lock-free and cheap enough for every request: counters are
 * sharded (a worker thread always uses the same shard, and shards sit on
 * their own cache lines) and bumped with relaxed atomic adds; rendering
 * sums the shards.  Per-model series are indexed by the model's slot, so
 * the set of models is fixed when the table is made.
 *
 * Names (see docs/serving.md):
 *   lathe_http_requests_total{code}              every HTTP answer
 *   lathe_http_timeouts_total                    connections closed idle
 *   lathe_predict_requests_total{model}          scoring requests
 *   lathe_predict_errors_total{model,code}       ... that failed
 *   lathe_predict_rows_total{model}              rows predicted
 *   lathe_request_duration_seconds{model}        histogram, whole request
 *   lathe_phase_duration_seconds{model,phase}    histogram; phase = parse,
 *                                                transform, predict, serialize
 */
#ifndef LATHE_SERVE_METRICS_H
#define LATHE_SERVE_METRICS_H

#include <stddef.h>
#include "base/util.h"

enum metric_phase {
	PHASE_PARSE = 0,
	PHASE_TRANSFORM,
	PHASE_PREDICT,
	PHASE_SERIALIZE,
	PHASE_TOTAL,
	PHASE_N
};

struct metrics;

/* A table for nmodels models named names[] (borrowed for the table's
 * life).  NULL on OOM.  Free with metrics_free (accepts NULL). */
struct metrics	*metrics_new(size_t nmodels, const char *const *names);
void		 metrics_free(struct metrics *m);

/* One HTTP answer with this status. */
void	metrics_http(struct metrics *m, int status);
/* One connection closed by the idle timeout. */
void	metrics_timeout(struct metrics *m);
/* One scoring request for model `model`: its status, rows predicted and
 * seconds per phase (PHASE_TOTAL: the whole request).  t may be NULL for
 * a request that failed before timing meant anything. */
void	metrics_predict(struct metrics *m, size_t model, int status, size_t rows,
	    const double t[PHASE_N]);

/* Append the Prometheus text of every series to b. */
void	metrics_render(const struct metrics *m, struct sbuf *b);

#endif
