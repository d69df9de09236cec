/*
 * run_exec.c — what the training child does with a queued run: load the
 * dataset version, split it with the recorded seed, fit the recipe on the
 * training rows, train the plugin, evaluate, and write every result in one
 * transaction.  Any failure is recorded as the run's status and error;
 * SIGTERM/SIGINT/SIGHUP (or the parent dying) cancel it.
 *
 * A cross-validated run (split method "cv") first runs every fold of every
 * repetition over the training rows — each its own recipe and model,
 * scored on the fold, then released — and then the ordinary fit above on
 * all the training rows, the refit the run keeps.  The folds' metrics go
 * into the same one transaction (run_cv_folds, run_cv_metrics), so a run
 * is finished with all its folds or failed/cancelled with none.
 *
 * Progress goes to the parent as text lines on a pipe:
 *     P <step> <total> <loss>      at most 20 a second, and the last one
 *     L <level> <message>          plugin log lines
 */
#include "metrics.h"
#include "params.h"
#include "cvfold.h"
#include "run.h"
#include "split.h"
#include "base/jsonw.h"
#include "base/proc.h"
#include "base/util.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "ingest/profile.h"
#include "linalg/linalg.h"
#include "linalg/rng.h"
#include "store/dataset.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define SILHOUETTE_SAMPLE 5000

/* The signal that cancelled the run (0: none).  SIGUSR2 is the parent-
 * death signal (prctl), so that a launcher that died is not reported as a
 * user's cancel. */
static volatile sig_atomic_t cancel_flag;
#define PARENT_DEATH_SIGNAL SIGUSR2

static void
on_cancel_signal(int sig)
{
	if (cancel_flag == 0)
		cancel_flag = sig;
}

/* Why the run was cancelled, for its record. */
static void
cancel_reason(char **err)
{
	switch ((int)cancel_flag) {
	case SIGINT:
		err_set(err, "cancelled by the user (interrupted)");
		break;
	case SIGHUP:
		err_set(err, "cancelled: the terminal hung up (SIGHUP)");
		break;
	case PARENT_DEATH_SIGNAL:
		err_set(err, "cancelled: the lathe process that launched it ended");
		break;
	default:
		err_set(err, "cancelled by the user");
		break;
	}
}

struct curve_pt {
	const char	*name;		/* interned in names */
	int		 step;
	double		 value;
};

struct exec {
	int		 fd;
	double		 last_write;
	struct curve_pt	*pts;
	size_t		 npts, cap;
	char		*names[32];	/* distinct curve names */
	size_t		 nnames;
	size_t		 curve_given[32];	/* points reported, per name */
	size_t		 curve_kept[32];	/* points held, per name */
	size_t		 curve_stride[32];	/* keep every stride-th point given */
	struct sbuf	 log;		/* bounded: see host_log */
	size_t		 log_lines;	/* lines the plugin logged */
	size_t		 log_omitted;	/* of them, dropped from log */
	size_t		 log_head_end;	/* bytes of the first LOG_HEAD_LINES lines */
	size_t		 log_tail_at;	/* where the newest lines start (after the note) */
	double		 log_piped;	/* when a line past the head last went to the parent */
	struct rng	 rng;
	int		 oom;
	int		 waited;	/* a "W" line went to the parent */
	/* cross-validation: stage s of nstages (each fold's fit, then the
	 * refit) maps the plugin's progress into one bar; while in_cv, curves
	 * are not recorded (the run's curves are the refit's) */
	int		 stage, nstages, in_cv;
};

static void
pipe_line(struct exec *ex, const char *s)
{
	if (ex->fd < 0)
		return;
	size_t n = strlen(s);
	while (n > 0) {
		ssize_t w = write(ex->fd, s, n);
		if (w <= 0)
			return;	/* the parent went away: keep training, just quietly */
		s += w;
		n -= (size_t)w;
	}
}

static const char *
intern_name(struct exec *ex, const char *name)
{
	for (size_t i = 0; i < ex->nnames; i++)
		if (strcmp(ex->names[i], name) == 0)
			return ex->names[i];
	if (ex->nnames == ARRAY_LEN(ex->names))
		return NULL;
	char *s = str_dup(name);
	if (s == NULL) {
		ex->oom = 1;	/* a lost curve fails the run, as a lost point does */
		return NULL;
	}
	ex->curve_stride[ex->nnames] = 1;
	ex->names[ex->nnames++] = s;
	return s;
}

/*
 * Curves are bounded as the log is: a plugin may report a point per
 * iteration for millions of iterations.  A curve keeps at most CURVE_MAX
 * points; when it would exceed them, every other one of its points is
 * dropped and from then on it keeps every 2nd (then 4th ...) point it is
 * given, so it stays an even sample of the whole run, first point kept.
 */
#define CURVE_MAX 10000

static size_t
curve_index(const struct exec *ex, const char *nm)
{
	for (size_t i = 0; i < ex->nnames; i++)
		if (ex->names[i] == nm)
			return i;
	return 0;
}

static void
curve_thin(struct exec *ex, const char *nm)
{
	size_t out = 0, seen = 0;
	for (size_t i = 0; i < ex->npts; i++) {
		if (ex->pts[i].name == nm && seen++ % 2 == 1)
			continue;
		ex->pts[out++] = ex->pts[i];
	}
	ex->npts = out;
}

static void
add_point(struct exec *ex, const char *name, int step, double value)
{
	const char *nm = intern_name(ex, name);
	if (nm == NULL || !isfinite(value))
		return;
	size_t c = curve_index(ex, nm);
	if (ex->curve_given[c]++ % ex->curve_stride[c] != 0)
		return;
	if (ex->curve_kept[c] == CURVE_MAX) {
		curve_thin(ex, nm);
		ex->curve_kept[c] = (CURVE_MAX + 1) / 2;
		ex->curve_stride[c] *= 2;
		if ((ex->curve_given[c] - 1) % ex->curve_stride[c] != 0)
			return;
	}
	ex->curve_kept[c]++;
	if (ex->npts == ex->cap) {
		size_t cap = ex->cap ? ex->cap * 2 : 256;
		struct curve_pt *p = realloc(ex->pts, cap * sizeof *p);
		if (p == NULL) {
			ex->oom = 1;
			return;
		}
		ex->pts = p;
		ex->cap = cap;
	}
	ex->pts[ex->npts++] = (struct curve_pt){ nm, step, value };
}

/* A progress line; in cross-validation, the stage's share of one bar. */
static void
pipe_progress(struct exec *ex, int step, int total, double loss)
{
	char line[96], lb[32];
	if (ex->nstages > 0) {
		double frac = total > 0 ? (double)step / total : 0;
		frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
		total = ex->nstages * 1000;
		step = ex->stage * 1000 + (int)(frac * 1000);
	}
	snprintf(line, sizeof line, "P %d %d %s\n", step, total, fmt_double(lb, loss));
	pipe_line(ex, line);
}

static void
host_progress(void *ctx, int step, int total, double loss)
{
	struct exec *ex = ctx;
	if (!ex->in_cv)
		add_point(ex, "loss", step, loss);
	double now = time_mono();
	if (now - ex->last_write < 0.05 && step != total)
		return;
	ex->last_write = now;
	pipe_progress(ex, step, total, loss);
}

static void
host_curve(void *ctx, const char *name, int step, double value)
{
	struct exec *ex = ctx;
	if (!ex->in_cv)
		add_point(ex, name, step, value);
}

static int
host_cancelled(void *ctx)
{
	(void)ctx;
	return cancel_flag != 0;
}

/*
 * A run's log is bounded whatever the plugin does (k-means once logged a
 * line per initialisation: 138 MB for n_init = 10^6).  It keeps the first
 * LOG_HEAD_LINES lines, then one line saying how many were omitted, then
 * the newest lines: at least LOG_TAIL_LINES of them and fewer than twice
 * that, because the oldest LOG_TAIL_LINES of the tail are dropped at once
 * when it reaches 2 x LOG_TAIL_LINES (so each line is moved O(1) times).
 * Each line is cut at LOG_LINE_MAX bytes, newlines in it become spaces.
 * Past the head, lines go to the parent at most 20 times a second.
 */
#define LOG_HEAD_LINES	1000
#define LOG_TAIL_LINES	1000
#define LOG_LINE_MAX	1000

/* Drop the oldest LOG_TAIL_LINES lines after the head and (re)write the
 * note saying how many lines are omitted in their place. */
static void
log_compact(struct exec *ex)
{
	char *keep = ex->log.s + ex->log_tail_at, note[200], ts[32];
	for (int k = 0; k < LOG_TAIL_LINES; k++)
		keep = strchr(keep, '\n') + 1;		/* the tail holds 2x that many */
	int m = snprintf(note, sizeof note, "%s warning [%zu lines omitted: a run's log keeps "
	    "its first %d and its last %d or more lines]\n", time_now_iso(ts),
	    ex->log_omitted + LOG_TAIL_LINES, LOG_HEAD_LINES, LOG_TAIL_LINES);
	char *to = ex->log.s + ex->log_head_end;
	if (m < 0 || (size_t)m > (size_t)(keep - to))
		return;		/* cannot happen: 1000 dropped lines dwarf the note */
	size_t rest = ex->log.len - (size_t)(keep - ex->log.s);
	memmove(to + m, keep, rest + 1);
	memcpy(to, note, (size_t)m);
	ex->log.len = ex->log_head_end + (size_t)m + rest;
	ex->log_tail_at = ex->log_head_end + (size_t)m;
	ex->log_omitted += LOG_TAIL_LINES;
}

static void
host_log(void *ctx, int level, const char *msg)
{
	struct exec *ex = ctx;
	char ts[32], text[LOG_LINE_MAX + 1], line[LOG_LINE_MAX + 16];
	snprintf(text, sizeof text, "%s", msg ? msg : "");
	for (char *q = text; *q; q++)
		if (*q == '\n' || *q == '\r')
			*q = ' ';
	double now = time_mono();
	if (ex->log_lines < LOG_HEAD_LINES || now - ex->log_piped >= 0.05) {
		ex->log_piped = now;
		snprintf(line, sizeof line, "L %d %s\n", level, text);
		pipe_line(ex, line);
	}
	if (ex->log.oom)
		return;
	if (ex->log_lines == LOG_HEAD_LINES)
		ex->log_head_end = ex->log_tail_at = ex->log.len;
	ex->log_lines++;
	sbuf_printf(&ex->log, "%s %s %s\n", time_now_iso(ts), level ? "warning" : "info", text);
	if (ex->log_lines - ex->log_omitted >= LOG_HEAD_LINES + 2 * LOG_TAIL_LINES &&
	    !ex->log.oom)
		log_compact(ex);
}

static uint64_t
host_random(void *ctx)
{
	return rng_u64(&((struct exec *)ctx)->rng);
}

/* ------------------------------------------------------------------ */

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Class labels of a target column, sorted (numbers numerically, strings
 * by bytes, as scikit-learn's LabelEncoder), and each row's class index.
 * *classes_json receives the labels as a JSON array.
 */
static int
encode_classes(const struct column *c, size_t n, int **labels, int *k, char **classes_json,
    char **err)
{
	int *lab = malloc((n ? n : 1) * sizeof *lab);
	struct sbuf b;
	struct jw w;

	if (lab == NULL)
		return err_set(err, "out of memory");
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	if (c->kind == COL_NUMERIC) {
		const double *v = c->chunks[0].data;
		double *u = malloc((n ? n : 1) * sizeof *u);
		if (u == NULL) {
			free(lab);
			sbuf_free(&b);
			return err_set(err, "out of memory");
		}
		memcpy(u, v, n * sizeof *u);
		double *tmp = malloc((n ? n : 1) * sizeof *tmp);
		if (tmp == NULL) {
			free(u);
			free(lab);
			sbuf_free(&b);
			return err_set(err, "out of memory");
		}
		sort_doubles(u, tmp, n);	/* radix: a million labels in milliseconds */
		free(tmp);
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (m == 0 || u[i] != u[m - 1])
				u[m++] = u[i];
		for (size_t i = 0; i < n; i++) {
			double *hit = bsearch(&v[i], u, m, sizeof *u, cmp_dbl);
			lab[i] = (int)(hit - u);
		}
		for (size_t i = 0; i < m; i++)
			jw_num(&w, u[i]);
		*k = (int)m;
		free(u);
	} else {
		const uint32_t *codes = c->chunks[0].data;
		uint32_t nd = c->dict.n;
		const char **s = malloc((nd ? nd : 1) * sizeof *s);
		int *map = malloc((nd ? nd : 1) * sizeof *map);
		unsigned char *seen = calloc(nd ? nd : 1, 1);
		if (s == NULL || map == NULL || seen == NULL) {
			free(s);
			free(map);
			free(seen);
			free(lab);
			sbuf_free(&b);
			return err_set(err, "out of memory");
		}
		for (size_t i = 0; i < n; i++)
			seen[codes[i]] = 1;
		uint32_t m = 0;
		for (uint32_t q = 0; q < nd; q++)
			if (seen[q])
				s[m++] = strdict_get(&c->dict, q);
		qsort(s, m, sizeof *s, cmp_cstr);
		for (uint32_t q = 0; q < nd; q++) {
			const char *str = strdict_get(&c->dict, q);
			const char **hit = bsearch(&str, s, m, sizeof *s, cmp_cstr);
			map[q] = hit ? (int)(hit - s) : -1;
		}
		for (size_t i = 0; i < n; i++)
			lab[i] = map[codes[i]];
		for (uint32_t i = 0; i < m; i++)
			jw_str(&w, s[i]);
		*k = (int)m;
		free(s);
		free(map);
		free(seen);
	}
	jw_arr_end(&w);
	*labels = lab;
	*classes_json = sbuf_detach(&b);
	if (*classes_json == NULL) {
		free(lab);
		*labels = NULL;
		return err_set(err, "out of memory");
	}
	return 0;
}

struct evaluation {
	const char	*split;
	size_t		 n;
	const double	*X;
	size_t		 d;
	const double	*y;	/* regression */
	const int	*labels;/* classification */
};

/* Metrics of one split into a JSON-free list (name, value) appended to
 * names/values. */
struct metric_list {
	const char	*name[32];
	const char	*split[32];
	double		 value[32];
	size_t		 n;
};

static void
metric_add(struct metric_list *ml, const char *name, const char *split, double v)
{
	if (ml->n < 32 && isfinite(v)) {
		ml->name[ml->n] = name;
		ml->split[ml->n] = split;
		ml->value[ml->n] = v;
		ml->n++;
	}
}

/* Centres from a model summary's "centers", if it has them. */
static double *
summary_centres(const char *summary, int k, size_t d)
{
	json_error_t je;
	json_t *o = summary ? json_loads(summary, 0, &je) : NULL;
	json_t *c = json_object_get(o, "centers");
	double *m = NULL;
	if (json_is_array(c) && json_array_size(c) == (size_t)k &&
	    (m = malloc((size_t)k * d * sizeof *m)) != NULL) {
		for (int i = 0; i < k; i++) {
			json_t *row = json_array_get(c, (size_t)i);
			if (json_array_size(row) != d) {
				free(m);
				m = NULL;
				break;
			}
			for (size_t j = 0; j < d; j++)
				m[(size_t)i * d + j] = json_number_value(json_array_get(row, j));
		}
	}
	json_decref(o);
	return m;
}

/*
 * The evaluation split's predictions as CSV — "row" (the dataset row),
 * then the columns `lathe predict` writes, formatted the same way — so a
 * user, the workbench's plots and the consistency test can compare.  At
 * most PRED_ROWS rows are kept.
 */
#define PRED_ROWS 20000

static void
predictions_csv(struct sbuf *b, unsigned task, const double *out, size_t n, size_t w,
    const size_t *rows, char *const *classes)
{
	char buf[32];
	sbuf_puts(b, "row");
	if (task == LATHE_TASK_PROJECTION) {
		for (size_t c = 0; c < w; c++)
			sbuf_printf(b, ",pc%zu", c + 1);
	} else {
		sbuf_puts(b, ",prediction");
		if (task == LATHE_TASK_CLASSIFICATION)
			for (size_t c = 0; c < w; c++)
				sbuf_printf(b, ",p_%s", classes[c]);
	}
	sbuf_putc(b, '\n');
	for (size_t i = 0; i < n && i < PRED_ROWS; i++) {
		const double *o = out + i * w;
		sbuf_printf(b, "%zu", rows[i]);
		if (task == LATHE_TASK_CLASSIFICATION) {
			size_t best = 0;
			for (size_t c = 1; c < w; c++)
				if (o[c] > o[best])
					best = c;
			sbuf_printf(b, ",%s", classes[best]);
		}
		for (size_t c = 0; c < w; c++)
			sbuf_printf(b, ",%s", fmt_double(buf, o[c]));
		sbuf_putc(b, '\n');
	}
}

static int
evaluate(const struct lathe_plugin *d, const struct lathe_model *m, unsigned task,
    const struct evaluation *ev, int k, const char *summary, struct metric_list *ml,
    char **confusion_json, uint64_t seed, struct sbuf *predcsv, const size_t *rows,
    char *const *classes, char **err)
{
	size_t w = d->output_width(m), n = ev->n;
	size_t cells = n * w;
	double *out = malloc((cells ? cells : 1) * sizeof *out);
	char *perr = NULL;
	int rc = -1;

	if (out == NULL)
		return err_set(err, "out of memory");
	if (n == 0) {
		free(out);
		return 0;
	}
	if (d->predict(m, n, ev->d, ev->X, out, &perr) != 0) {
		err_set(err, "%s predict failed: %s", d->name, perr ? perr : "no reason given");
		free(perr);
		goto out;
	}
	if (predcsv)
		predictions_csv(predcsv, task, out, n, w, rows, classes);
	if (task == LATHE_TASK_CLASSIFICATION) {
		if (w != (size_t)k) {
			err_set(err, "%s returned %zu probabilities per row for %d classes", d->name, w, k);
			goto out;
		}
		int *pred = malloc(n * sizeof *pred);
		if (pred == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			int best = 0;
			for (int c = 1; c < k; c++)
				if (out[i * w + (size_t)c] > out[i * w + (size_t)best])
					best = c;
			pred[i] = best;
		}
		struct metrics_input in = { .n = n, .k = k, .y_true_class = ev->labels,
		    .y_pred_class = pred, .proba = out };
		for (size_t q = 0; q < metrics_table_len; q++) {
			const struct metrics_info *mi = &metrics_table[q];
			double v;
			if (mi->task != METRICS_TASK_CLASSIFICATION)
				continue;
			int mrc = mi->compute(&in, &v, NULL);
			if (mrc == METRICS_ENOMEM) {	/* not "undefined": a lost metric */
				free(pred);
				err_set(err, "out of memory");
				goto out;
			}
			if (mrc == 0)
				metric_add(ml, mi->name, ev->split, v);
		}
		if (confusion_json) {
			struct metrics_class_report *rep = NULL;
			int crc = metrics_class_report_new(ev->labels, pred, n, k, &rep, NULL);
			if (crc == METRICS_ENOMEM) {
				free(pred);
				err_set(err, "out of memory");
				goto out;
			}
			if (crc == 0) {
				struct sbuf b;
				struct jw jw;
				sbuf_init(&b);
				jw_init(&jw, &b, 0);
				jw_obj(&jw);
				jw_key(&jw, "matrix");
				jw_arr(&jw);
				for (int r = 0; r < k; r++) {
					jw_arr(&jw);
					for (int c = 0; c < k; c++)
						jw_int(&jw, (int64_t)rep->confusion[r * k + c]);
					jw_arr_end(&jw);
				}
				jw_arr_end(&jw);
				const char *keys[] = { "precision", "recall", "f1" };
				const double *vals[] = { rep->precision, rep->recall, rep->f1 };
				for (int q = 0; q < 3; q++) {
					jw_key(&jw, keys[q]);
					jw_arr(&jw);
					for (int c = 0; c < k; c++)
						jw_num(&jw, vals[q][c]);
					jw_arr_end(&jw);
				}
				jw_key(&jw, "support");
				jw_arr(&jw);
				for (int c = 0; c < k; c++)
					jw_int(&jw, (int64_t)rep->support[c]);
				jw_arr_end(&jw);
				jw_obj_end(&jw);
				*confusion_json = sbuf_detach(&b);
				metrics_class_report_free(rep);
				if (*confusion_json == NULL) {
					free(pred);
					err_set(err, "out of memory");
					goto out;
				}
			}
		}
		free(pred);
	} else if (task == LATHE_TASK_REGRESSION) {
		struct metrics_input in = { .n = n, .y_true = ev->y, .y_pred = out };
		for (size_t q = 0; q < metrics_table_len; q++) {
			const struct metrics_info *mi = &metrics_table[q];
			double v;
			if (mi->task != METRICS_TASK_REGRESSION)
				continue;
			int mrc = mi->compute(&in, &v, NULL);
			if (mrc == METRICS_ENOMEM) {
				err_set(err, "out of memory");
				goto out;
			}
			if (mrc == 0)
				metric_add(ml, mi->name, ev->split, v);
		}
	} else if (task == LATHE_TASK_CLUSTERING) {
		int *lab = malloc(n * sizeof *lab), kk = 0;
		if (lab == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			lab[i] = (int)out[i];
			if (lab[i] + 1 > kk)
				kk = lab[i] + 1;
		}
		double *cent = summary_centres(summary, kk, ev->d);
		if (cent == NULL) {
			/* no centres published: the means of each cluster's rows */
			cent = calloc((size_t)kk * ev->d, sizeof *cent);
			size_t *cnt = calloc((size_t)kk, sizeof *cnt);
			if (cent == NULL || cnt == NULL) {
				free(cent);
				free(cnt);
				free(lab);
				err_set(err, "out of memory");
				goto out;
			}
			for (size_t i = 0; i < n; i++) {
				cnt[lab[i]]++;
				for (size_t j = 0; j < ev->d; j++)
					cent[(size_t)lab[i] * ev->d + j] += ev->X[i * ev->d + j];
			}
			for (int c = 0; c < kk; c++)
				for (size_t j = 0; j < ev->d; j++)
					cent[(size_t)c * ev->d + j] /= cnt[c] ? (double)cnt[c] : 1;
			free(cnt);
		}
		double v;
		int mrc = metrics_inertia(ev->X, n, ev->d, lab, cent, kk, &v, NULL);
		if (mrc == 0)
			metric_add(ml, "inertia", ev->split, v);
		free(cent);
		/* silhouette is O(n^2): a seeded sample of at most 5000 rows */
		size_t ns = n < SILHOUETTE_SAMPLE ? n : SILHOUETTE_SAMPLE;
		size_t *sample = mrc == METRICS_ENOMEM ? NULL : malloc(n * sizeof *sample);
		if (sample == NULL) {
			free(lab);
			err_set(err, "out of memory");
			goto out;
		}
		struct rng r;
		rng_init(&r, seed ^ 0x5111u);
		for (size_t i = 0; i < n; i++)
			sample[i] = i;
		if (ns < n)
			rng_shuffle(&r, sample, n);
		mrc = metrics_silhouette(ev->X, n, ev->d, lab, kk, sample, ns, &v, NULL);
		free(sample);
		if (mrc == METRICS_ENOMEM) {
			free(lab);
			err_set(err, "out of memory");
			goto out;
		}
		if (mrc == 0)
			metric_add(ml, "silhouette", ev->split, v);
		free(lab);
	}
	rc = 0;
out:
	free(out);
	return rc;
}

static int
record_failure_once(struct project *p, int64_t id, const char *status, const char *msg,
    const char *log)
{
	sqlite3_stmt *st = NULL;
	char ts[32];
	if (sqlite3_prepare_v2(p->db, "UPDATE runs SET status = ?2, error = ?3, finished = ?4, "
	    "log = ?5, duration = (julianday(?4) - julianday(started)) * 86400 WHERE id = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, msg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, time_now_iso(ts), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, log ? log : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/*
 * Record the run's failure.  On a full disk, give the write-ahead log's
 * space back and try again, then once more without the log text (the
 * smallest record that says what happened).  0, or -1 when nothing could
 * be written.
 */
static int
record_failure(struct project *p, int64_t id, const char *status, const char *msg,
    const char *log)
{
	if (record_failure_once(p, id, status, msg, log) == 0)
		return 0;
	if (!project_disk_full(p))
		return -1;
	project_reclaim_space(p);
	if (record_failure_once(p, id, status, msg, log) == 0)
		return 0;
	return record_failure_once(p, id, status, msg, NULL);
}

/* One fold of a cross-validation: its validation metrics and sizes. */
struct cv_fold_result {
	struct metric_list	 ml;
	size_t			 ntr, nval;
};

/* What a cross-validated run adds to its record. */
struct cv_out {
	int				 folds, repeats;
	const struct cv_fold_result	*res;		/* [rep * folds + fold] */
	const char			*assignment;	/* the "folds" artifact, CSV */
};

/* Each metric's mean and sample standard deviation over the folds that
 * have it, and every fold's values: run_cv_metrics, run_cv_folds. */
static int
store_cv(struct project *p, int64_t id, const struct cv_out *cv, char **err)
{
	sqlite3_stmt *st = NULL, *agg = NULL;
	int nf = cv->folds * cv->repeats;

	if (db_prepare(p, "INSERT INTO run_cv_folds(run_id, rep, fold, name, value, n_train, "
	    "n_valid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, err) != 0 ||
	    db_prepare(p, "INSERT INTO run_cv_metrics(run_id, name, mean, std, n) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)", &agg, err) != 0)
		goto fail;
	for (int f = 0; f < nf; f++) {
		const struct cv_fold_result *r = &cv->res[f];
		for (size_t i = 0; i < r->ml.n; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int(st, 2, f / cv->folds);
			sqlite3_bind_int(st, 3, f % cv->folds);
			sqlite3_bind_text(st, 4, r->ml.name[i], -1, SQLITE_STATIC);
			sqlite3_bind_double(st, 5, r->ml.value[i]);
			sqlite3_bind_int64(st, 6, (sqlite3_int64)r->ntr);
			sqlite3_bind_int64(st, 7, (sqlite3_int64)r->nval);
			if (sqlite3_step(st) != SQLITE_DONE)
				goto dbfail;
		}
	}
	/* the aggregate, metric by metric in the order the first fold has them
	 * (then any only later folds have) */
	for (int f = 0; f < nf; f++) {
		for (size_t i = 0; i < cv->res[f].ml.n; i++) {
			const char *name = cv->res[f].ml.name[i];
			int seen = 0;
			for (int g = 0; g < f && !seen; g++)
				for (size_t j = 0; j < cv->res[g].ml.n && !seen; j++)
					seen = strcmp(cv->res[g].ml.name[j], name) == 0;
			if (seen)
				continue;
			double sum = 0, ss = 0;
			int n = 0;
			for (int g = 0; g < nf; g++)
				for (size_t j = 0; j < cv->res[g].ml.n; j++)
					if (strcmp(cv->res[g].ml.name[j], name) == 0) {
						sum += cv->res[g].ml.value[j];
						n++;
					}
			double mean = sum / n;
			for (int g = 0; g < nf; g++)
				for (size_t j = 0; j < cv->res[g].ml.n; j++)
					if (strcmp(cv->res[g].ml.name[j], name) == 0) {
						double d = cv->res[g].ml.value[j] - mean;
						ss += d * d;
					}
			sqlite3_reset(agg);
			sqlite3_bind_int64(agg, 1, id);
			sqlite3_bind_text(agg, 2, name, -1, SQLITE_STATIC);
			sqlite3_bind_double(agg, 3, mean);
			if (n > 1)
				sqlite3_bind_double(agg, 4, sqrt(ss / (n - 1)));
			else
				sqlite3_bind_null(agg, 4);
			sqlite3_bind_int(agg, 5, n);
			if (sqlite3_step(agg) != SQLITE_DONE)
				goto dbfail;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(agg);
	return 0;
dbfail:
	db_fail(p, err);
fail:
	sqlite3_finalize(st);
	sqlite3_finalize(agg);
	return -1;
}

static int
store_results(struct project *p, int64_t id, const struct exec *ex, const struct metric_list *ml,
    const void *model, size_t model_len, uint32_t model_format, const char *recipe_json,
    const char *summary, const char *confusion, const char *classes, const char *features,
    double duration, const char *timings, const char *predictions, const struct cv_out *cv,
    char **err)
{
	sqlite3_stmt *st = NULL;
	char ts[32];

	if (project_begin(p, err) != 0)
		return -1;
	if (cv && store_cv(p, id, cv, err) != 0)
		goto fail;
	if (db_prepare(p, "INSERT INTO run_metrics(run_id, name, split, value) "
	    "VALUES (?1, ?2, ?3, ?4)", &st, err) != 0)
		goto fail;
	for (size_t i = 0; i < ml->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ml->name[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ml->split[i], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, ml->value[i]);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dbfail;
	}
	sqlite3_finalize(st);
	if (db_prepare(p, "INSERT OR REPLACE INTO run_curves(run_id, name, step, value) "
	    "VALUES (?1, ?2, ?3, ?4)", &st, err) != 0)
		goto fail;
	for (size_t i = 0; i < ex->npts; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, ex->pts[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, ex->pts[i].step);
		sqlite3_bind_double(st, 4, ex->pts[i].value);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dbfail;
	}
	sqlite3_finalize(st);
	if (db_prepare(p, "INSERT INTO run_artifacts(run_id, name, format, data) "
	    "VALUES (?1, ?2, ?3, ?4)", &st, err) != 0)
		goto fail;
	const char *fa = cv ? cv->assignment : NULL;
	const char *names[] = { "model", "recipe", "summary", "confusion", "predictions", "folds" };
	const void *datas[] = { model, recipe_json, summary, confusion, predictions, fa };
	size_t lens[] = { model_len, recipe_json ? strlen(recipe_json) : 0,
		summary ? strlen(summary) : 0, confusion ? strlen(confusion) : 0,
		predictions ? strlen(predictions) : 0, fa ? strlen(fa) : 0 };
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		if (datas[i] == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, i == 0 ? model_format : i == 1 ? RECIPE_FORMAT : 1);
		sqlite3_bind_blob64(st, 4, datas[i], lens[i], SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto dbfail;
	}
	sqlite3_finalize(st);
	if (db_prepare(p, "UPDATE runs SET status = 'finished', error = NULL, finished = ?2, "
	    "duration = ?3, classes = ?4, features = ?5, log = ?6, timings = ?7 WHERE id = ?1",
	    &st, err) != 0)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, time_now_iso(ts), -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 3, duration);
	if (classes)
		sqlite3_bind_text(st, 4, classes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, features, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ex->log.s ? ex->log.s : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, timings, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	return project_commit(p, err);
dbfail:
	db_fail(p, err);
fail:
	sqlite3_finalize(st);
	project_rollback(p);
	return -1;
}

/*
 * Lock waits of the child: a finished model must never be lost because
 * another process (an import, another run) holds the write lock, so the
 * child waits as long as it takes — telling the parent who it waits for,
 * as "W <text>" lines — unless the run is cancelled.
 */
static void
child_on_wait(void *ctx, const char *holder, double waited)
{
	struct exec *ex = ctx;
	char line[400];
	snprintf(line, sizeof line, "W waiting for the project lock held by %s (%.0f s)\n",
	    holder, waited);
	pipe_line(ex, line);
	ex->waited = 1;
}

static int
child_cancelled(void *ctx)
{
	(void)ctx;
	return cancel_flag != 0;
}

/* After a write that may have waited: tell the parent the wait is over. */
static void
wait_over(struct exec *ex)
{
	if (ex->waited) {
		pipe_line(ex, "W\n");
		ex->waited = 0;
	}
}

/* queued -> running, with this process's identity (proc.h). */
static int
mark_running_once(struct project *p, int64_t id, char **err)
{
	sqlite3_stmt *st = NULL;
	char host[256] = "", ts[32], stamp[PROC_STAMP_MAX];
	gethostname(host, sizeof host - 1);
	if (db_prepare(p, "UPDATE runs SET status = 'running', started = ?2, pid = ?3, "
	    "host = ?4, pid_start = ?5 WHERE id = ?1 AND status = 'queued'", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, time_now_iso(ts), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, getpid());
	sqlite3_bind_text(st, 4, host, -1, SQLITE_STATIC);
	if (proc_stamp(getpid(), stamp) == 0)
		sqlite3_bind_text(st, 5, stamp, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_fail(p, err);
	return sqlite3_changes(p->db) == 1 ? 0 : 1;
}

static int
mark_running(struct project *p, struct exec *ex, int64_t id, const struct run_info *ri,
    char **err)
{
	char *e1 = NULL;
	int r = mark_running_once(p, id, &e1);
	if (r < 0 && project_disk_full(p)) {
		project_reclaim_space(p);
		free(e1);
		e1 = NULL;
		r = mark_running_once(p, id, &e1);
	}
	wait_over(ex);
	if (r < 0) {
		err_set(err, "%s", e1 ? e1 : "cannot start the run");
		free(e1);
		return -1;
	}
	if (r > 0)
		return err_set(err, "run %lld is %s, not queued", (long long)id,
		    run_status_name(ri->status));
	return 0;
}

/*
 * A run's execution as phases on one state object, as SQLite's pager
 * commit is (STYLE rule 18): each phase reads what the earlier ones left
 * in the state and adds its own; exec_state_free releases everything,
 * whichever phase failed.
 */
struct exec_state {
	int64_t			 id;
	struct project		*p;
	struct run_info		 ri;
	struct exec		 ex;		/* host services' context */
	const char		*status;	/* recorded on failure */
	double			 t0, t_load, t_recipe, t_fit0, t_fit, t_eval;
	/* data */
	struct dsver		 v;
	struct table		*t;
	unsigned		 task;
	size_t			 n;
	int			*labels, k;	/* classification: class of each row */
	char			*classes;	/* ... and the labels, JSON */
	double			*y;		/* regression target */
	/* split */
	size_t			*tr, *te, ntr, nte;
	int			*ltr, *lte;
	double			*ytr, *yte;
	/* features */
	struct recipe		*rec;
	struct frame		*ftr, *fte;
	double			*Xtr, *Xte;
	size_t			 dcols;
	char			*recipe_json, *features;
	/* algorithm */
	struct plugin_set	*ps;
	const struct lathe_plugin *d;
	unsigned char		*kinds;	/* feature kinds, for LATHE_CAP_CATEGORICAL */
	struct param_values	 pv;
	struct lathe_model	*model;
	/* evaluation */
	char			*summary, *confusion;
	char			**class_text;
	struct metric_list	 ml;
	struct sbuf		 pred;
	void			*payload;
	size_t			 payload_len;
	char			 timings[320];
	/* cross-validation (split method "cv"): fold[r * ntr + i] is the fold
	 * of training row tr[i] in repetition r */
	struct split_spec	 sp;
	int			*fold;
	struct cv_fold_result	*cvres;
	struct sbuf		 foldcsv;
	double			 t_cv;
};

static void
exec_state_free(struct exec_state *s)
{
	split_spec_clear(&s->sp);
	free(s->fold);
	free(s->cvres);
	sbuf_free(&s->foldcsv);
	if (s->model && s->d)
		s->d->destroy(s->model);
	if (s->class_text)
		for (int c = 0; c < s->k; c++)
			free(s->class_text[c]);
	free(s->class_text);
	sbuf_free(&s->pred);
	free(s->payload);
	free(s->summary);
	free(s->confusion);
	free(s->classes);
	free(s->features);
	free(s->recipe_json);
	free(s->Xtr);
	free(s->Xte);
	free(s->y);
	free(s->ytr);
	free(s->yte);
	free(s->labels);
	free(s->ltr);
	free(s->lte);
	free(s->tr);
	free(s->te);
	params_free(&s->pv);
	recipe_free(s->rec);
	frame_free(s->ftr);
	frame_free(s->fte);
	table_free(s->t);
	dsver_clear(&s->v);
	run_info_clear(&s->ri);
	for (size_t i = 0; i < s->ex.nnames; i++)
		free(s->ex.names[i]);
	free(s->ex.pts);
	sbuf_free(&s->ex.log);
	plugin_set_free(s->ps);
	free(s->kinds);
	project_close(s->p);
}

/* The data: the recorded dataset version, the task, the target. */
static int
exec_data(struct exec_state *s, char **err)
{
	const struct run_info *ri = &s->ri;
	if (dataset_resolve(s->p, ri->dataset, &s->v, err) != 0)
		return -1;
	if (s->v.id != ri->dataset_version_id || strcmp(s->v.hash, ri->dataset_hash) != 0)
		return err_set(err, "dataset %s does not match the recorded version", ri->dataset);
	if (dataset_load(s->p, &s->v, SIZE_MAX, &s->t, err) != 0)
		return -1;
	if (task_parse(ri->task, &s->task) != 0)
		return err_set(err, "unknown task '%s' in the run record", ri->task);
	s->n = s->t->nrows;
	int tcol = -1;
	if (ri->target)
		for (size_t j = 0; j < s->t->ncols; j++)
			if (strcmp(s->t->cols[j].name, ri->target) == 0)
				tcol = (int)j;
	if (ri->target && tcol < 0)
		return err_set(err, "target '%s' is not in %s", ri->target, ri->dataset);
	if (s->task == LATHE_TASK_CLASSIFICATION)
		return encode_classes(&s->t->cols[tcol], s->n, &s->labels, &s->k, &s->classes, err);
	if (s->task == LATHE_TASK_REGRESSION) {
		if ((s->y = malloc((s->n ? s->n : 1) * sizeof *s->y)) == NULL)
			return err_set(err, "out of memory");
		column_gather_num(&s->t->cols[tcol], s->y);
	}
	return 0;
}

/*
 * A cross-validated run's folds over its training rows: grouped by the
 * recorded column (its values as ids, as class labels are encoded), else
 * stratified for classification.  Also the "folds" artifact: one line per
 * training row, "row,fold_1,...,fold_R" (dataset row, 0-based as in the
 * predictions artifact; folds 0-based).
 */
static int
exec_cv_folds(struct exec_state *s, char **err)
{
	int *groups = NULL, *gtr = NULL, ng = 0, rc = -1;
	char *gjson = NULL;

	if (s->sp.group) {
		int gcol = -1;
		for (size_t j = 0; j < s->t->ncols; j++)
			if (strcmp(s->t->cols[j].name, s->sp.group) == 0)
				gcol = (int)j;
		if (gcol < 0)
			return err_set(err, "--group: no column '%s' in %s", s->sp.group,
			    s->ri.dataset);
		const struct column *c = &s->t->cols[gcol];
		for (size_t i = 0; i < s->n; i++)
			if (c->kind == COL_NUMERIC ? isnan(((const double *)c->chunks[0].data)[i]) :
			    ((const uint32_t *)c->chunks[0].data)[i] == CODE_NA)
				return err_set(err, "--group: column '%s' has a missing value in row "
				    "%zu; every row needs a group", c->name, i + 1);
		if (encode_classes(c, s->n, &groups, &ng, &gjson, err) != 0)
			return -1;
		if ((gtr = malloc((s->ntr ? s->ntr : 1) * sizeof *gtr)) == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < s->ntr; i++)
			gtr[i] = groups[s->tr[i]];
	}
	struct cvfold_spec fs = { .folds = s->sp.folds, .repeats = s->sp.repeats,
		.labels = gtr ? NULL : s->ltr, .k = s->k, .groups = gtr, .ngroups = ng,
		.seed = s->ri.seed };
	if (cvfold_assign(s->ntr, &fs, &s->fold, err) != 0)
		goto out;
	sbuf_puts(&s->foldcsv, "row");
	for (int r = 0; r < s->sp.repeats; r++)
		sbuf_printf(&s->foldcsv, ",fold_%d", r + 1);
	sbuf_putc(&s->foldcsv, '\n');
	for (size_t i = 0; i < s->ntr; i++) {
		sbuf_printf(&s->foldcsv, "%zu", s->tr[i]);
		for (int r = 0; r < s->sp.repeats; r++)
			sbuf_printf(&s->foldcsv, ",%d", s->fold[(size_t)r * s->ntr + i]);
		sbuf_putc(&s->foldcsv, '\n');
	}
	if (s->foldcsv.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(groups);
	free(gtr);
	free(gjson);
	return rc;
}

/* Gather the targets of rows idx[0..n) into *lab / *y (those the task has). */
static int
gather_targets(const struct exec_state *s, const size_t *idx, size_t n, int **lab, double **y,
    char **err)
{
	if (s->labels) {
		if ((*lab = malloc((n ? n : 1) * sizeof **lab)) == NULL)
			return err_set(err, "out of memory");
		for (size_t i = 0; i < n; i++)
			(*lab)[i] = s->labels[idx[i]];
	}
	if (s->y) {
		if ((*y = malloc((n ? n : 1) * sizeof **y)) == NULL)
			return err_set(err, "out of memory");
		for (size_t i = 0; i < n; i++)
			(*y)[i] = s->y[idx[i]];
	}
	return 0;
}

/* The split: the recorded holdout or fold, and each side's targets; for a
 * cross-validated run, the holdout and the folds of its training rows. */
static int
exec_split(struct exec_state *s, char **err)
{
	size_t n = s->n;

	if (split_record_parse(s->ri.split, &s->sp, err) != 0)
		return -1;
	if (strcmp(s->sp.method, "kfold") == 0) {
		/* each fold's run trains on the other folds: its own recipe, its own model */
		int *fa = NULL;
		if (split_kfold(n, s->labels, s->k, s->sp.folds, s->ri.seed, &fa, err) != 0)
			return -1;
		s->tr = malloc((n ? n : 1) * sizeof *s->tr);
		s->te = malloc((n ? n : 1) * sizeof *s->te);
		if (s->tr == NULL || s->te == NULL) {
			free(fa);
			return err_set(err, "out of memory");
		}
		for (size_t i = 0; i < n; i++) {
			if (fa[i] == s->sp.fold)
				s->te[s->nte++] = i;
			else
				s->tr[s->ntr++] = i;
		}
		free(fa);
	} else if (split_holdout(n, s->labels, s->k, s->sp.test_size, s->ri.seed, &s->tr, &s->ntr,
	    &s->te, &s->nte, err) != 0) {
		return -1;
	}
	if (gather_targets(s, s->tr, s->ntr, &s->ltr, &s->ytr, err) != 0 ||
	    gather_targets(s, s->te, s->nte, &s->lte, &s->yte, err) != 0)
		return -1;
	if (strcmp(s->sp.method, "cv") == 0)
		return exec_cv_folds(s, err);
	return 0;
}

/* The features: the recipe fitted on the training rows only, applied to
 * the test rows, checked, and made into the design matrices. */
static int
exec_features(struct exec_state *s, int keep_table, char **err)
{
	struct table *t = s->t;
	s->ftr = frame_from_table(t, s->tr, s->ntr, s->ri.target);
	s->fte = frame_from_table(t, s->te, s->nte, s->ri.target);
	if (s->ftr == NULL || s->fte == NULL)
		return err_set(err, "out of memory");
	/* the frames hold copies of the values; the table's dictionaries stay
	 * (the frames borrow them), its value chunks can go — unless a
	 * cross-validation fold needs them for the next fold */
	for (size_t j = 0; j < t->ncols && !keep_table; j++) {
		for (size_t q = 0; q < t->cols[j].nchunks; q++)
			free(t->cols[j].chunks[q].data);
		t->cols[j].nchunks = 0;
	}
	if (recipe_parse(s->ri.recipe, "recipe", &s->rec, err) != 0 ||
	    recipe_fit(s->rec, s->ftr, err) != 0 || recipe_apply(s->rec, s->fte, err) != 0)
		return -1;
	/* a plugin taking missing values natively gets NaN as it is */
	unsigned caps = plugin_caps(s->d);
	int allow_missing = (caps & LATHE_CAP_MISSING) != 0;
	if (frame_check_model_input(s->ftr, "in the training rows", s->tr, allow_missing,
	    err) != 0 ||
	    frame_check_model_input(s->fte, "in the test rows", s->te, allow_missing, err) != 0)
		return -1;
	s->dcols = s->ftr->ncols;
	if (frame_to_matrix(s->ftr, &s->Xtr, err) != 0 || frame_to_matrix(s->fte, &s->Xte, err) != 0)
		return -1;
	/* ... and categories as codes, marked in feature_kinds */
	if (caps & LATHE_CAP_CATEGORICAL) {
		if ((s->kinds = malloc(s->dcols ? s->dcols : 1)) == NULL)
			return err_set(err, "out of memory");
		frame_native_categories(s->ftr, s->Xtr, s->kinds);
		frame_native_categories(s->fte, s->Xte, s->kinds);
	}
	s->recipe_json = recipe_save(s->rec);
	struct sbuf b;
	struct jw w;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	for (size_t j = 0; j < s->dcols; j++)
		jw_str(&w, s->ftr->cols[j].name);
	jw_arr_end(&w);
	s->features = sbuf_detach(&b);
	if (s->recipe_json == NULL || s->features == NULL)
		return err_set(err, "out of memory");
	return 0;
}

/* The recorded plugin, its file unchanged: loaded before the features,
 * whose default handling depends on what it takes natively. */
static int
exec_plugin(struct exec_state *s, char **err)
{
	const struct run_info *ri = &s->ri;

	if (plugin_set_load(&s->ps, err) != 0)
		return -1;
	struct plugin *pl = (struct plugin *)plugin_find(s->ps, ri->algo);
	if (pl == NULL)
		return err_set(err, "algorithm '%s' is no longer installed (see 'lathe plugins')",
		    ri->algo);
	if (plugin_hash(pl, err) != 0)
		return -1;
	if (strcmp(pl->sha256, ri->plugin_hash) != 0)
		return err_set(err, "plugin '%s' changed since the run was recorded (%s was %.12s, "
		    "now %.12s)", ri->algo, pl->path, ri->plugin_hash, pl->sha256);
	s->d = pl->desc;
	return 0;
}

/* The algorithm: the recorded parameters, the fit.  A cancel sets status
 * "cancelled". */
static int
exec_algorithm(struct exec_state *s, char **err)
{
	const struct run_info *ri = &s->ri;
	const struct lathe_plugin *d = s->d;
	char *perr = NULL;
	int rc = -1;

	if (params_init(&s->pv, d) != 0)
		return err_set(err, "out of memory");
	if (params_from_json(&s->pv, ri->params, err) != 0)
		return -1;
	if (ri->threads > 0)
		linalg_set_threads(ri->threads);
	rng_init(&s->ex.rng, ri->seed);
	rng_jump(&s->ex.rng);	/* a stream of its own, apart from the split's */
	struct lathe_host host = {
		LATHE_PLUGIN_ABI_MAJOR, LATHE_PLUGIN_ABI_MINOR, &s->ex,
		host_progress, host_curve, host_cancelled, host_log, host_random,
	};
	const char **strbuf = calloc(s->pv.n ? s->pv.n : 1, sizeof *strbuf);
	const char **fnames = calloc(s->dcols ? s->dcols : 1, sizeof *fnames);
	if (strbuf == NULL || fnames == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < s->dcols; j++)
		fnames[j] = s->ftr->cols[j].name;
	struct lathe_params lp;
	params_view(&s->pv, &lp, strbuf);
	struct lathe_data data = {
		.n = s->ntr, .d = s->dcols, .X = s->Xtr, .y = s->ytr, .labels = s->ltr,
		.n_classes = s->k, .feature_names = fnames, .n_val = s->nte, .X_val = s->Xte,
		.y_val = s->yte, .labels_val = s->lte, .feature_kinds = s->kinds,
	};
	s->t_fit0 = time_mono();
	int prc = d->create(&lp, s->task, &host, &s->model, &perr);
	if (prc == 0 && !cancel_flag)
		prc = d->fit(s->model, &data, &host, &perr);
	if (cancel_flag || prc == LATHE_ECANCELLED) {
		s->status = "cancelled";
		cancel_reason(err);
		goto out;
	}
	if (prc != 0) {
		err_set(err, "%s failed: %s", d->name, perr ? perr : "no reason given");
		goto out;
	}
	s->t_fit = time_mono();
	pipe_progress(&s->ex, 1, 1, NAN);
	rc = 0;
out:
	free(strbuf);
	free(fnames);
	free(perr);
	return rc;
}

/* Release what one fit made (features, recipe, parameters, model), so the
 * next fold — or the refit — starts clean. */
static void
exec_fit_clear(struct exec_state *s)
{
	if (s->model && s->d)
		s->d->destroy(s->model);
	s->model = NULL;
	recipe_free(s->rec);
	frame_free(s->ftr);
	frame_free(s->fte);
	free(s->Xtr);
	free(s->Xte);
	free(s->kinds);
	free(s->recipe_json);
	free(s->features);
	params_free(&s->pv);
	memset(&s->pv, 0, sizeof s->pv);
	s->rec = NULL;
	s->ftr = s->fte = NULL;
	s->Xtr = s->Xte = NULL;
	s->kinds = NULL;
	s->recipe_json = s->features = NULL;
}

/*
 * One fold of a cross-validation: the rows of the training split outside
 * fold f (repetition r) train — their own recipe, their own model, as a
 * fold run always did — and the rows in it are scored.  The state's split
 * is swapped for the fold's during the fit and put back after.
 */
static int
exec_cv_fold(struct exec_state *s, int r, int f, struct cv_fold_result *res, char **err)
{
	size_t *tr = s->tr, *te = s->te, ntr = s->ntr, nte = s->nte;
	int *ltr = s->ltr, *lte = s->lte;
	double *ytr = s->ytr, *yte = s->yte;
	const int *fa = s->fold + (size_t)r * ntr;
	size_t *ftr = malloc((ntr ? ntr : 1) * sizeof *ftr);
	size_t *fva = malloc((ntr ? ntr : 1) * sizeof *fva);
	size_t a = 0, b = 0;
	int rc = -1;
	char line[200];

	s->ltr = s->lte = NULL;
	s->ytr = s->yte = NULL;
	if (ftr == NULL || fva == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ntr; i++) {
		if (fa[i] == f)
			fva[b++] = tr[i];
		else
			ftr[a++] = tr[i];
	}
	res->ntr = a;
	res->nval = b;
	snprintf(line, sizeof line, "cross-validation: repetition %d of %d, fold %d of %d: %zu "
	    "training rows, %zu validation rows", r + 1, s->sp.repeats, f + 1, s->sp.folds, a, b);
	host_log(&s->ex, 0, line);
	s->tr = ftr;
	s->ntr = a;
	s->te = fva;
	s->nte = b;
	if (gather_targets(s, ftr, a, &s->ltr, &s->ytr, err) != 0 ||
	    gather_targets(s, fva, b, &s->lte, &s->yte, err) != 0 ||
	    exec_features(s, 1, err) != 0 || exec_algorithm(s, err) != 0)
		goto out;
	struct evaluation ev = { "test", s->nte, s->Xte, s->dcols, s->yte, s->lte };
	if (evaluate(s->d, s->model, s->task, &ev, s->k, NULL, &res->ml, NULL, s->ri.seed, NULL,
	    s->te, NULL, err) != 0)
		goto out;
	rc = 0;
out:
	/* a failure says which fold (a cancel says only that) */
	if (rc != 0 && strcmp(s->status, "failed") == 0 && *err &&
	    strcmp(*err, "out of memory") != 0) {
		char *e = NULL;
		err_set(&e, "cross-validation fold %d.%d: %s", r + 1, f + 1, *err);
		if (e != NULL) {
			free(*err);
			*err = e;
		}
	}
	exec_fit_clear(s);
	free(s->ltr);
	free(s->lte);
	free(s->ytr);
	free(s->yte);
	s->tr = tr;
	s->te = te;
	s->ntr = ntr;
	s->nte = nte;
	s->ltr = ltr;
	s->lte = lte;
	s->ytr = ytr;
	s->yte = yte;
	free(ftr);
	free(fva);
	return rc;
}

/* Cross-validation (a "cv" split): every fold of every repetition in
 * turn, a cancel honoured between them; the refit follows as the run's
 * ordinary fit on the whole training split. */
static int
exec_cv(struct exec_state *s, char **err)
{
	if (strcmp(s->sp.method, "cv") != 0)
		return 0;
	int nf = s->sp.folds * s->sp.repeats;
	if ((s->cvres = calloc((size_t)nf, sizeof *s->cvres)) == NULL)
		return err_set(err, "out of memory");
	s->ex.nstages = nf + 1;
	s->ex.in_cv = 1;
	for (int q = 0; q < nf; q++) {
		if (cancel_flag) {
			s->status = "cancelled";
			cancel_reason(err);
			return -1;
		}
		s->ex.stage = q;
		if (exec_cv_fold(s, q / s->sp.folds, q % s->sp.folds, &s->cvres[q], err) != 0)
			return -1;
	}
	s->ex.stage = nf;
	s->ex.in_cv = 0;
	char line[160];
	snprintf(line, sizeof line, "cross-validation done: refitting on all %zu training rows",
	    s->ntr);
	host_log(&s->ex, 0, line);
	return 0;
}

/* The evaluation: metrics of both splits, the confusion matrix, the
 * predictions artifact, the model's summary and its saved bytes. */
static int
exec_evaluation(struct exec_state *s, char **err)
{
	const struct lathe_plugin *d = s->d;
	char *perr = NULL;

	int src = d->summary ? d->summary(s->model, &s->summary, &perr) : 0;
	if (src != 0) {
		/* the summary is optional, but not lost to a failed allocation */
		free(perr);
		perr = NULL;
		s->summary = NULL;
		if (src == LATHE_ENOMEM)
			return err_set(err, "out of memory");
	}
	struct evaluation evtr = { "train", s->ntr, s->Xtr, s->dcols, s->ytr, s->ltr };
	struct evaluation evte = { "test", s->nte, s->Xte, s->dcols, s->yte, s->lte };
	/* class labels as `lathe predict` prints them */
	if (s->task == LATHE_TASK_CLASSIFICATION) {
		json_error_t je;
		json_t *ca = json_loads(s->classes, 0, &je);
		s->class_text = calloc((size_t)s->k, sizeof *s->class_text);
		int lost = ca == NULL || s->class_text == NULL;
		for (int c = 0; !lost && c < s->k; c++) {
			json_t *e = json_array_get(ca, (size_t)c);
			char buf[32];
			s->class_text[c] = str_dup(json_is_string(e) ? json_string_value(e) :
			    fmt_double(buf, json_number_value(e)));
			if (s->class_text[c] == NULL)
				lost = 1;	/* never a NULL label in the predictions */
		}
		json_decref(ca);
		if (lost)
			return err_set(err, "out of memory");
	}
	int held_out = s->nte > 0;	/* the test split's, else the training split's */
	if (evaluate(d, s->model, s->task, &evtr, s->k, s->summary, &s->ml,
	    held_out ? NULL : &s->confusion, s->ri.seed, held_out ? NULL : &s->pred, s->tr,
	    s->class_text, err) != 0 ||
	    evaluate(d, s->model, s->task, &evte, s->k, s->summary, &s->ml,
	    held_out ? &s->confusion : NULL, s->ri.seed, held_out ? &s->pred : NULL, s->te,
	    s->class_text, err) != 0)
		return -1;
	if (s->pred.oom)	/* never a truncated predictions table */
		return err_set(err, "out of memory");
	if (d->save(s->model, &s->payload, &s->payload_len, &perr) != 0) {
		err_set(err, "%s could not save its model: %s", d->name, perr ? perr : "?");
		free(perr);
		return -1;
	}
	if (s->ex.oom)
		return err_set(err, "out of memory recording curves");
	s->t_eval = time_mono();
	/* a cross-validated run's folds are "cv"; the rest is its refit */
	double t_cv = s->t_cv > 0 ? s->t_cv : s->t_load;
	int m = snprintf(s->timings, sizeof s->timings, "{\"load\": %.6f, \"recipe\": %.6f, "
	    "\"fit\": %.6f, \"evaluate\": %.6f", s->t_load - s->t0, s->t_recipe - t_cv,
	    s->t_fit - s->t_fit0, s->t_eval - s->t_fit);
	if (s->t_cv > 0 && m > 0 && (size_t)m < sizeof s->timings)
		snprintf(s->timings + m, sizeof s->timings - (size_t)m, ", \"cv\": %.6f",
		    s->t_cv - s->t_load);
	m = (int)strlen(s->timings);
	snprintf(s->timings + m, sizeof s->timings - (size_t)m, "}");
	return 0;
}

/* The record: everything in one transaction, waiting for the lock as long
 * as it takes (child_on_wait); on a full disk, once more after giving the
 * log's space back. */
static int
exec_record(struct exec_state *s, char **err)
{
	char *serr = NULL;
	int full = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		free(serr);
		serr = NULL;
		struct cv_out cv = { s->sp.folds, s->sp.repeats, s->cvres, s->foldcsv.s };
		if (store_results(s->p, s->id, &s->ex, &s->ml, s->payload, s->payload_len,
		    s->d->model_format, s->recipe_json, s->summary, s->confusion, s->classes,
		    s->features, time_mono() - s->t0, s->timings,
		    s->pred.len ? s->pred.s : NULL, s->cvres ? &cv : NULL, &serr) == 0)
			break;
		full = project_disk_full(s->p);
		if (!full)
			break;
		project_reclaim_space(s->p);
	}
	wait_over(&s->ex);
	if (serr == NULL)
		return 0;
	if (full) {
		err_set(err, "disk full: the fitted model (%zu bytes) and its results could not be "
		    "recorded (%s)", s->payload_len, serr);
	} else if (cancel_flag) {
		s->status = "cancelled";
		cancel_reason(err);
	} else {
		err_set(err, "%s", serr);
	}
	free(serr);
	return -1;
}

int
run_execute(const char *path, int64_t id, int fd)
{
	struct exec_state s;
	char *err = NULL, ref[32];
	int rc = -1;

	memset(&s, 0, sizeof s);
	s.id = id;
	s.status = "failed";
	s.t0 = time_mono();
	s.ex.fd = fd;
	sbuf_init(&s.ex.log);
	sbuf_init(&s.pred);
	sbuf_init(&s.foldcsv);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_cancel_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(PARENT_DEATH_SIGNAL, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL);	/* parent gone: cancel */
	signal(SIGPIPE, SIG_IGN);

	if (project_open(path, &s.p, &err) != 0) {
		/* no message: even its allocation failed (util.h) */
		fprintf(stderr, "lathe: %s\n", err ? err : "cannot open project: out of memory");
		free(err);
		exec_state_free(&s);
		return -1;
	}
	project_set_lock_wait(s.p, -1, child_on_wait, child_cancelled, &s.ex);
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(s.p, ref, &s.ri, &err) != 0)
		goto fail_noupdate;
	if (mark_running(s.p, &s.ex, id, &s.ri, &err) != 0) {
		if (project_disk_full(s.p))
			rc = RUN_EXIT_DISK_FULL;
		goto fail_noupdate;
	}
	if (exec_data(&s, &err) != 0 || exec_split(&s, &err) != 0)
		goto fail;
	s.t_load = time_mono();
	if (exec_plugin(&s, &err) != 0 || exec_cv(&s, &err) != 0)
		goto fail;
	if (s.cvres)
		s.t_cv = time_mono();
	if (exec_features(&s, 0, &err) != 0)
		goto fail;
	s.t_recipe = time_mono();
	if (exec_algorithm(&s, &err) != 0 || exec_evaluation(&s, &err) != 0 ||
	    exec_record(&s, &err) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	if (record_failure(s.p, id, s.status, err ? err : "failed (out of memory)", s.ex.log.s) != 0 &&
	    project_disk_full(s.p))
		rc = RUN_EXIT_DISK_FULL;	/* the parent records it */
	wait_over(&s.ex);
fail_noupdate:
	if (err) {
		char line[1100];
		snprintf(line, sizeof line, "L 1 %.1000s\n", err);
		pipe_line(&s.ex, line);
	}
out:
	free(err);
	exec_state_free(&s);
	return rc;
}
