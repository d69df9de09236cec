/*
 * predlog.c — sampled prediction logging; see predlog.h.
 */
#include "predlog.h"
#include "base/jsonw.h"
#include "base/util.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX	10000
#define FLUSH_MS	500
#define TALLY_MAX	64	/* model versions one server counts (it serves a few) */

struct rec {
	char		*model;
	int		 version;
	int64_t		 run_id;
	char		 time[32];
	char		*input;
	char		*output;
};

/*
 * Rows predicted and logged for one model version, written to
 * prediction_log_counts with the rows, so that lathe drift can say what
 * its sample stands for.  Entries are appended under mu and published by
 * ntally; request threads find theirs without a lock.
 */
struct tally {
	char			*model;
	int			 version;
	_Atomic uint64_t	 predicted;
	uint64_t		 logged;		/* writer thread only */
	uint64_t		 saved;			/* predicted, as last written */
};

struct predlog {
	sqlite3		*db;
	int64_t		 server_id;
	double		 rate;
	int		 max_per_sec;
	pthread_t	 writer;
	int		 started;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	struct rec	*q;
	size_t		 nq;
	atomic_long	 window;	/* the second being counted */
	atomic_int	 in_window;	/* rows kept in that second */
	atomic_ullong	 written, dropped;
	struct tally	 tally[TALLY_MAX];
	_Atomic size_t	 ntally;
};

struct predlog_capture {
	size_t	  n;
	size_t	 *rows;
	char	**input;
};

static void
rec_free(struct rec *r)
{
	free(r->model);
	free(r->input);
	free(r->output);
}

/* The tally of model@version, or NULL. */
static struct tally *
tally_find(struct predlog *pl, const char *model, int version)
{
	size_t n = atomic_load_explicit(&pl->ntally, memory_order_acquire);
	for (size_t i = 0; i < n; i++)
		if (pl->tally[i].version == version && strcmp(pl->tally[i].model, model) == 0)
			return &pl->tally[i];
	return NULL;
}

/* Write every tally's counts (the server's totals so far, logged counting
 * add[i] more) in the open transaction.  Where prediction_log_counts is
 * missing or the server unrecorded, nothing: the counts only explain. */
static void
tally_write(struct predlog *pl, const uint64_t *add, size_t nt)
{
	sqlite3_stmt *st = NULL;
	if (pl->server_id == 0 || sqlite3_prepare_v2(pl->db, "INSERT INTO "
	    "prediction_log_counts(server_id, model, version, predicted, logged, sample_rate, "
	    "max_per_sec) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(server_id, model, "
	    "version) DO UPDATE SET predicted = excluded.predicted, logged = excluded.logged",
	    -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	for (size_t i = 0; i < nt; i++) {
		struct tally *t = &pl->tally[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, pl->server_id);
		sqlite3_bind_text(st, 2, t->model, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, t->version);
		sqlite3_bind_int64(st, 4, (int64_t)t->saved);
		sqlite3_bind_int64(st, 5, (int64_t)(t->logged + add[i]));
		sqlite3_bind_double(st, 6, pl->rate);
		sqlite3_bind_int(st, 7, pl->max_per_sec);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

/* Insert the queued records, and the counts, in one transaction. */
static void
flush(struct predlog *pl, struct rec *v, size_t n)
{
	sqlite3_stmt *st = NULL;
	uint64_t add[TALLY_MAX] = { 0 }, before[TALLY_MAX];
	size_t nt = atomic_load_explicit(&pl->ntally, memory_order_acquire);
	int counts = 0;
	for (size_t i = 0; i < nt; i++) {
		before[i] = pl->tally[i].saved;
		pl->tally[i].saved = atomic_load_explicit(&pl->tally[i].predicted,
		    memory_order_relaxed);
		counts |= pl->tally[i].saved != before[i];
	}
	if (n == 0 && !counts)
		return;
	if (sqlite3_exec(pl->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(pl->db, "INSERT INTO prediction_log(server_id, model, version, "
	    "run_id, time, input, output) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st,
	    NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		if (pl->server_id)
			sqlite3_bind_int64(st, 1, pl->server_id);
		else
			sqlite3_bind_null(st, 1);
		sqlite3_bind_text(st, 2, v[i].model, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, v[i].version);
		sqlite3_bind_int64(st, 4, v[i].run_id);
		sqlite3_bind_text(st, 5, v[i].time, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, v[i].input, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, v[i].output, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
		struct tally *t = tally_find(pl, v[i].model, v[i].version);
		if (t)
			add[t - pl->tally]++;
	}
	sqlite3_finalize(st);
	st = NULL;
	tally_write(pl, add, nt);
	if (sqlite3_exec(pl->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
		for (size_t i = 0; i < nt; i++)
			pl->tally[i].logged += add[i];
		atomic_fetch_add(&pl->written, n);
		return;
	}
fail:
	/* the project is busy or read-only: these rows are lost, not retried
	 * (the counts are: the next flush writes them again) */
	sqlite3_finalize(st);
	sqlite3_exec(pl->db, "ROLLBACK", NULL, NULL, NULL);
	for (size_t i = 0; i < nt; i++)
		pl->tally[i].saved = before[i];
	atomic_fetch_add(&pl->dropped, n);
}

static void *
writer(void *arg)
{
	struct predlog *pl = arg;
	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += FLUSH_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&pl->mu);
		if (!pl->stop)
			pthread_cond_timedwait(&pl->cv, &pl->mu, &ts);
		struct rec *v = pl->q;
		size_t n = pl->nq;
		int stop = pl->stop;
		pl->q = NULL;
		pl->nq = 0;
		pthread_mutex_unlock(&pl->mu);
		flush(pl, v, n);
		for (size_t i = 0; i < n; i++)
			rec_free(&v[i]);
		free(v);
		if (stop)
			return NULL;
	}
}

int
predlog_open(const char *path, int64_t server_id, double rate, int max_per_sec,
    struct predlog **out, char **err)
{
	struct predlog *pl = calloc(1, sizeof *pl);
	*out = NULL;
	if (pl == NULL)
		return err_set(err, "out of memory");
	if (!(rate > 0 && rate <= 1)) {
		free(pl);
		return err_set(err, "prediction log sample rate %g is outside (0, 1]", rate);
	}
	pl->server_id = server_id;
	pl->rate = rate;
	pl->max_per_sec = max_per_sec > 0 ? max_per_sec : PREDLOG_DEFAULT_MAX_PER_SEC;
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->cv, NULL);
	if (sqlite3_open_v2(path, &pl->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot open for the prediction log: %s", path,
		    pl->db ? sqlite3_errmsg(pl->db) : "out of memory");
		predlog_close(pl);
		return -1;
	}
	sqlite3_busy_timeout(pl->db, 2000);
	sqlite3_exec(pl->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (pthread_create(&pl->writer, NULL, writer, pl) != 0) {
		err_set(err, "cannot start the prediction log writer");
		predlog_close(pl);
		return -1;
	}
	pl->started = 1;
	*out = pl;
	return 0;
}

void
predlog_close(struct predlog *pl)
{
	if (pl == NULL)
		return;
	if (pl->started) {
		pthread_mutex_lock(&pl->mu);
		pl->stop = 1;
		pthread_cond_signal(&pl->cv);
		pthread_mutex_unlock(&pl->mu);
		pthread_join(pl->writer, NULL);
	}
	for (size_t i = 0; i < pl->nq; i++)
		rec_free(&pl->q[i]);
	free(pl->q);
	for (size_t i = 0; i < TALLY_MAX; i++)
		free(pl->tally[i].model);
	if (pl->db)
		sqlite3_close(pl->db);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->cv);
	free(pl);
}

/* A per-thread generator: sampling must not contend between requests. */
static double
uniform(void)
{
	static _Thread_local uint64_t s;
	if (s == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)(uintptr_t)&s << 16) ^ 0x9e3779b97f4a7c15ull;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (double)(s >> 11) * 0x1.0p-53;
}

/* Take one row under the per-second cap. */
static int
admit(struct predlog *pl)
{
	long now = (long)time(NULL);
	long w = atomic_load(&pl->window);
	if (w != now && atomic_compare_exchange_strong(&pl->window, &w, now))
		atomic_store(&pl->in_window, 0);
	return atomic_fetch_add(&pl->in_window, 1) < pl->max_per_sec;
}

static char *
row_json(const struct frame *f, size_t r)
{
	struct sbuf b;
	struct jw w;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	for (size_t j = 0; j < f->ncols; j++) {
		const struct fcol *c = &f->cols[j];
		jw_key(&w, c->name);
		if (c->kind == FK_NUM) {
			double v = c->num ? c->num[r] : (c->ind ? (double)(c->ind->idx[r] == c->level) : NAN);
			jw_num(&w, v);
		} else {
			jw_str(&w, fcol_str(c, r));
		}
	}
	jw_obj_end(&w);
	return sbuf_detach(&b);
}

struct predlog_capture *
predlog_sample(struct predlog *pl, const struct frame *f)
{
	struct predlog_capture *cap = NULL;
	if (pl == NULL)
		return NULL;
	for (size_t r = 0; r < f->n; r++) {
		if (uniform() >= pl->rate || !admit(pl))
			continue;
		if (cap == NULL) {
			if ((cap = calloc(1, sizeof *cap)) == NULL)
				return NULL;
		}
		size_t *rows = realloc(cap->rows, (cap->n + 1) * sizeof *rows);
		char **in = realloc(cap->input, (cap->n + 1) * sizeof *in);
		if (rows)
			cap->rows = rows;
		if (in)
			cap->input = in;
		char *j = rows && in ? row_json(f, r) : NULL;
		if (j == NULL) {
			atomic_fetch_add(&pl->dropped, 1);
			continue;
		}
		cap->rows[cap->n] = r;
		cap->input[cap->n] = j;
		cap->n++;
	}
	return cap;
}

static void
capture_free(struct predlog_capture *cap)
{
	if (cap == NULL)
		return;
	for (size_t i = 0; i < cap->n; i++)
		free(cap->input[i]);
	free(cap->input);
	free(cap->rows);
	free(cap);
}

void
predlog_discard(struct predlog_capture *cap)
{
	capture_free(cap);
}

void
predlog_commit(struct predlog *pl, struct predlog_capture *cap, const char *model,
    int version, int64_t run_id, const struct prediction *pd)
{
	char ts[32];
	if (pl == NULL || cap == NULL) {
		capture_free(cap);
		return;
	}
	time_now_iso(ts);
	pthread_mutex_lock(&pl->mu);
	for (size_t i = 0; i < cap->n; i++) {
		size_t r = cap->rows[i];
		if (pl->nq == QUEUE_MAX || r >= pd->n) {
			atomic_fetch_add(&pl->dropped, 1);
			continue;
		}
		if (pl->nq % 256 == 0) {
			struct rec *q = realloc(pl->q, (pl->nq + 256) * sizeof *q);
			if (q == NULL) {
				atomic_fetch_add(&pl->dropped, 1);
				continue;
			}
			pl->q = q;
		}
		struct sbuf b;
		struct jw w;
		sbuf_init(&b);
		jw_init(&w, &b, 0);
		jw_obj(&w);
		for (size_t k = 0; k < pd->ncols; k++) {
			jw_key(&w, pd->names[k]);
			if (k == 0 && pd->labels)
				jw_str(&w, pd->labels[r]);
			else
				jw_num(&w, pd->values[r * pd->ncols + k]);
		}
		jw_obj_end(&w);
		struct rec *rc = &pl->q[pl->nq];
		rc->model = str_dup(model);
		rc->version = version;
		rc->run_id = run_id;
		memcpy(rc->time, ts, sizeof rc->time);
		rc->input = cap->input[i];
		cap->input[i] = NULL;
		rc->output = sbuf_detach(&b);
		if (rc->model == NULL || rc->output == NULL) {
			rec_free(rc);
			atomic_fetch_add(&pl->dropped, 1);
			continue;
		}
		pl->nq++;
	}
	pthread_mutex_unlock(&pl->mu);
	capture_free(cap);
}

void
predlog_count(struct predlog *pl, const char *model, int version, size_t rows)
{
	if (pl == NULL)
		return;
	struct tally *t = tally_find(pl, model, version);
	if (t == NULL) {
		pthread_mutex_lock(&pl->mu);
		size_t n = atomic_load_explicit(&pl->ntally, memory_order_relaxed);
		if ((t = tally_find(pl, model, version)) == NULL && n < TALLY_MAX &&
		    (pl->tally[n].model = str_dup(model)) != NULL) {
			t = &pl->tally[n];
			t->version = version;
			atomic_store_explicit(&pl->ntally, n + 1, memory_order_release);
		}
		pthread_mutex_unlock(&pl->mu);
		if (t == NULL)
			return;		/* more versions than TALLY_MAX: not counted */
	}
	atomic_fetch_add_explicit(&t->predicted, rows, memory_order_relaxed);
}

uint64_t
predlog_written(const struct predlog *pl)
{
	return pl ? atomic_load(&((struct predlog *)pl)->written) : 0;
}

uint64_t
predlog_dropped(const struct predlog *pl)
{
	return pl ? atomic_load(&((struct predlog *)pl)->dropped) : 0;
}
