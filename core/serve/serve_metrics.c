/*
 * serve_metrics.c — sharded counters and histograms; see serve_metrics.h.
 *
 * Sizes: 8 shards x models x (5 histograms of 18 buckets + a few
 * counters) of 8 bytes: about 7 KiB per model.
 */
#include "serve_metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSHARD	8

/* Upper bounds of the histogram buckets, in seconds (+Inf follows). */
static const double bounds[] = {
	1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2,
	0.1, 0.25, 0.5, 1, 2.5,
};
#define NBUCKET (ARRAY_LEN(bounds) + 1)

/* Status codes counted on their own; others go to the last slot. */
static const int codes[] = { 200, 400, 401, 404, 405, 408, 413, 415, 500, 503 };
#define NCODE (ARRAY_LEN(codes) + 1)

static const char *const phase_names[] = { "parse", "transform", "predict", "serialize" };

struct model_shard {
	_Alignas(64) _Atomic uint64_t requests, rows;
	_Atomic uint64_t	errors[NCODE];
	_Atomic uint64_t	hist[PHASE_N][NBUCKET];
	_Atomic uint64_t	sum_ns[PHASE_N];
};

struct shard {
	_Alignas(64) _Atomic uint64_t http[NCODE];
	_Atomic uint64_t	timeouts;
	struct model_shard	*models;
};

struct metrics {
	size_t			 nmodels;
	const char *const	*names;
	struct shard		 shards[NSHARD];
	struct model_shard	*all;		/* NSHARD x nmodels, cache-line aligned */
};

static _Atomic unsigned next_shard;
static _Thread_local int my_shard = -1;

static struct shard *
shard_of(struct metrics *m)
{
	if (my_shard < 0)
		my_shard = (int)(atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) %
		    NSHARD);
	return &m->shards[my_shard];
}

struct metrics *
metrics_new(size_t nmodels, const char *const *names)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->nmodels = nmodels;
	m->names = names;
	size_t per = nmodels ? nmodels : 1;
	size_t bytes = NSHARD * per * sizeof *m->all;
	bytes = (bytes + 63) / 64 * 64;
	if ((m->all = aligned_alloc(64, bytes)) == NULL) {
		free(m);
		return NULL;
	}
	memset(m->all, 0, bytes);
	for (size_t s = 0; s < NSHARD; s++)
		m->shards[s].models = m->all + s * per;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->all);
	free(m);
}

static size_t
code_slot(int status)
{
	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (codes[i] == status)
			return i;
	return NCODE - 1;
}

static inline void
bump(_Atomic uint64_t *c, uint64_t by)
{
	atomic_fetch_add_explicit(c, by, memory_order_relaxed);
}

void
metrics_http(struct metrics *m, int status)
{
	bump(&shard_of(m)->http[code_slot(status)], 1);
}

void
metrics_timeout(struct metrics *m)
{
	bump(&shard_of(m)->timeouts, 1);
}

void
metrics_predict(struct metrics *m, size_t model, int status, size_t rows,
    const double t[PHASE_N])
{
	if (model >= m->nmodels)
		return;
	struct model_shard *ms = &shard_of(m)->models[model];
	bump(&ms->requests, 1);
	if (status != 200) {
		bump(&ms->errors[code_slot(status)], 1);
		return;
	}
	bump(&ms->rows, rows);
	for (int p = 0; t && p < PHASE_N; p++) {
		double x = t[p] > 0 ? t[p] : 0;
		size_t b = 0;
		while (b < ARRAY_LEN(bounds) && x > bounds[b])
			b++;
		bump(&ms->hist[p][b], 1);
		bump(&ms->sum_ns[p], (uint64_t)(x * 1e9));
	}
}

static uint64_t
load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void
histogram(const struct metrics *m, struct sbuf *b, const char *name, size_t model, int phase)
{
	uint64_t cum = 0, sum = 0;
	char lbl[160], le[32];
	if (phase == PHASE_TOTAL)
		snprintf(lbl, sizeof lbl, "model=\"%s\"", m->names[model]);
	else
		snprintf(lbl, sizeof lbl, "model=\"%s\",phase=\"%s\"", m->names[model],
		    phase_names[phase]);
	for (size_t k = 0; k < NBUCKET; k++) {
		for (size_t s = 0; s < NSHARD; s++)
			cum += load(&m->shards[s].models[model].hist[phase][k]);
		if (k < ARRAY_LEN(bounds))
			fmt_double(le, bounds[k]);
		else
			strcpy(le, "+Inf");
		sbuf_printf(b, "%s_bucket{%s,le=\"%s\"} %llu\n", name, lbl, le,
		    (unsigned long long)cum);
	}
	for (size_t s = 0; s < NSHARD; s++)
		sum += load(&m->shards[s].models[model].sum_ns[phase]);
	char sbuf_[32];
	sbuf_printf(b, "%s_sum{%s} %s\n%s_count{%s} %llu\n", name, lbl,
	    fmt_double(sbuf_, (double)sum * 1e-9), name, lbl, (unsigned long long)cum);
}

void
metrics_render(const struct metrics *m, struct sbuf *b)
{
	sbuf_puts(b, "# HELP lathe_http_requests_total HTTP requests answered, by status code.\n"
	    "# TYPE lathe_http_requests_total counter\n");
	for (size_t c = 0; c < NCODE; c++) {
		uint64_t v = 0;
		for (size_t s = 0; s < NSHARD; s++)
			v += load(&m->shards[s].http[c]);
		if (c < ARRAY_LEN(codes))
			sbuf_printf(b, "lathe_http_requests_total{code=\"%d\"} %llu\n", codes[c],
			    (unsigned long long)v);
		else
			sbuf_printf(b, "lathe_http_requests_total{code=\"other\"} %llu\n",
			    (unsigned long long)v);
	}
	uint64_t to = 0;
	for (size_t s = 0; s < NSHARD; s++)
		to += load(&m->shards[s].timeouts);
	sbuf_printf(b, "# HELP lathe_http_timeouts_total Connections closed after the idle "
	    "timeout (--timeout).\n# TYPE lathe_http_timeouts_total counter\n"
	    "lathe_http_timeouts_total %llu\n", (unsigned long long)to);

	sbuf_puts(b, "# HELP lathe_predict_requests_total Scoring requests (MLflow and V2), by "
	    "model.\n# TYPE lathe_predict_requests_total counter\n");
	for (size_t i = 0; i < m->nmodels; i++) {
		uint64_t v = 0;
		for (size_t s = 0; s < NSHARD; s++)
			v += load(&m->shards[s].models[i].requests);
		sbuf_printf(b, "lathe_predict_requests_total{model=\"%s\"} %llu\n", m->names[i],
		    (unsigned long long)v);
	}
	sbuf_puts(b, "# HELP lathe_predict_errors_total Scoring requests that failed, by model "
	    "and status code.\n# TYPE lathe_predict_errors_total counter\n");
	for (size_t i = 0; i < m->nmodels; i++)
		for (size_t c = 0; c < NCODE; c++) {
			uint64_t v = 0;
			for (size_t s = 0; s < NSHARD; s++)
				v += load(&m->shards[s].models[i].errors[c]);
			if (c == 0)
				continue;	/* 200 is not an error */
			if (c < ARRAY_LEN(codes))
				sbuf_printf(b, "lathe_predict_errors_total{model=\"%s\",code=\"%d\"} %llu\n",
				    m->names[i], codes[c], (unsigned long long)v);
			else
				sbuf_printf(b, "lathe_predict_errors_total{model=\"%s\",code=\"other\"} "
				    "%llu\n", m->names[i], (unsigned long long)v);
		}
	sbuf_puts(b, "# HELP lathe_predict_rows_total Rows predicted, by model.\n"
	    "# TYPE lathe_predict_rows_total counter\n");
	for (size_t i = 0; i < m->nmodels; i++) {
		uint64_t v = 0;
		for (size_t s = 0; s < NSHARD; s++)
			v += load(&m->shards[s].models[i].rows);
		sbuf_printf(b, "lathe_predict_rows_total{model=\"%s\"} %llu\n", m->names[i],
		    (unsigned long long)v);
	}
	sbuf_puts(b, "# HELP lathe_request_duration_seconds Successful scoring requests, from "
	    "the first header to the response built.\n"
	    "# TYPE lathe_request_duration_seconds histogram\n");
	for (size_t i = 0; i < m->nmodels; i++)
		histogram(m, b, "lathe_request_duration_seconds", i, PHASE_TOTAL);
	sbuf_puts(b, "# HELP lathe_phase_duration_seconds Time per phase of successful scoring "
	    "requests: parse (body to frame), transform (fitted recipe), predict (model), "
	    "serialize (response body).\n# TYPE lathe_phase_duration_seconds histogram\n");
	for (size_t i = 0; i < m->nmodels; i++)
		for (int p = 0; p < PHASE_TOTAL; p++)
			histogram(m, b, "lathe_phase_duration_seconds", i, p);
}
