/*
 * promscrape.c — see promscrape.h.
 *
 * The parser walks the page once, line by line, without copying it: a
 * sample line is `NAME[{LABEL="VALUE",...}] VALUE [TIMESTAMP]`; comments
 * (# HELP, # TYPE) and blank lines are skipped.  Label values may hold
 * the format's escapes (\\, \", \n).  Numbers are read in the C locale
 * (the workbench runs under the user's), including +Inf and NaN.
 */
#include "promscrape.h"
#include "base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NLABEL	8

struct label {
	char	key[32];
	char	val[160];
};

/* One sample line's parts. */
struct sample {
	const char	*name;
	size_t		 namelen;
	struct label	 l[NLABEL];
	size_t		 nl;
	double		 v;
};

static int
name_is(const struct sample *s, const char *name)
{
	return strlen(name) == s->namelen && memcmp(s->name, name, s->namelen) == 0;
}

static const char *
label(const struct sample *s, const char *key)
{
	for (size_t i = 0; i < s->nl; i++)
		if (strcmp(s->l[i].key, key) == 0)
			return s->l[i].val;
	return NULL;
}

static int
is_name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	    (!first && c >= '0' && c <= '9');
}

/* Parse the sample line p[0..n) into *s.  Returns NULL, or what is wrong. */
static const char *
parse_line(const char *p, size_t n, struct sample *s)
{
	const char *e = p + n;
	memset(s, 0, sizeof *s);
	s->name = p;
	if (p == e || !is_name_char(*p, 1))
		return "expected a metric name";
	while (p < e && is_name_char(*p, 0))
		p++;
	s->namelen = (size_t)(p - s->name);
	if (p < e && *p == '{') {
		p++;
		for (;;) {
			while (p < e && (*p == ' ' || *p == ','))
				p++;
			if (p < e && *p == '}') {
				p++;
				break;
			}
			const char *k = p;
			while (p < e && is_name_char(*p, p == k))
				p++;
			if (p == k || p + 1 >= e || *p != '=' || p[1] != '"')
				return "expected LABEL=\"VALUE\" in the labels";
			struct label dummy, *l = s->nl < NLABEL ? &s->l[s->nl++] : &dummy;
			size_t kl = (size_t)(p - k) < sizeof l->key ? (size_t)(p - k) : sizeof l->key - 1;
			memcpy(l->key, k, kl);
			l->key[kl] = '\0';
			p += 2;
			size_t o = 0;
			while (p < e && *p != '"') {
				char c = *p++;
				if (c == '\\' && p < e) {
					c = *p++;
					if (c == 'n')
						c = '\n';
				}
				if (o + 1 < sizeof l->val)
					l->val[o++] = c;
			}
			l->val[o] = '\0';
			if (p == e)
				return "unterminated label value";
			p++;
		}
	}
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if (p == e)
		return "expected a value after the name and labels";
	char num[64];
	size_t vl = 0;
	while (p + vl < e && p[vl] != ' ' && p[vl] != '\t' && vl < sizeof num - 1)
		vl++;
	memcpy(num, p, vl);
	num[vl] = '\0';
	char *end;
	s->v = strtod_l(num, &end, c_locale());
	if (end == num || *end)
		return "the value is not a number";
	return NULL;
}

static struct prom_model *
model_of(struct prom_scrape *sc, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sc->nm; i++)
		if (strcmp(sc->m[i].name, name) == 0)
			return &sc->m[i];
	if (sc->nm == PROM_NMODEL)
		return NULL;
	struct prom_model *m = &sc->m[sc->nm++];
	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "%s", name);
	return m;
}

/* Add count to the bucket with upper bound le (kept ascending). */
static void
add_bucket(struct prom_point *pt, double le, double count)
{
	size_t i = 0;
	while (i < pt->nb && pt->le[i] < le)
		i++;
	if (i < pt->nb && pt->le[i] == le) {
		pt->cum[i] += count;
		return;
	}
	if (pt->nb == PROM_NBUCKET)
		return;
	memmove(pt->le + i + 1, pt->le + i, (pt->nb - i) * sizeof *pt->le);
	memmove(pt->cum + i + 1, pt->cum + i, (pt->nb - i) * sizeof *pt->cum);
	pt->le[i] = le;
	pt->cum[i] = count;
	pt->nb++;
}

static void
take(struct prom_scrape *sc, const struct sample *s)
{
	struct prom_model *m;
	if (name_is(s, "lathe_build_info")) {
		sc->lathe = 1;
	} else if (name_is(s, "lathe_predict_requests_total")) {
		sc->total.requests += s->v;
		if ((m = model_of(sc, label(s, "model"))) != NULL)
			m->requests += s->v;
	} else if (name_is(s, "lathe_predict_errors_total")) {
		sc->total.errors += s->v;
		if ((m = model_of(sc, label(s, "model"))) != NULL)
			m->errors += s->v;
	} else if (name_is(s, "lathe_request_duration_seconds_bucket")) {
		const char *le = label(s, "le");
		char *end;
		double b = le ? strtod_l(le, &end, c_locale()) : NAN;
		if (le && end != le && *end == '\0' && !isnan(b))
			add_bucket(&sc->total, b, s->v);
	} else if (name_is(s, "lathe_model_version")) {
		if ((m = model_of(sc, label(s, "model"))) != NULL) {
			const char *ref = label(s, "ref"), *run = label(s, "run");
			m->version = (int)s->v;
			snprintf(m->ref, sizeof m->ref, "%s", ref ? ref : "");
			m->run = run ? strtoll(run, NULL, 10) : 0;
		}
	} else if (name_is(s, "lathe_model_load_failed")) {
		if ((m = model_of(sc, label(s, "model"))) != NULL)
			m->load_failed = s->v != 0;
	}
}

int
prom_parse(const char *text, size_t len, double t, struct prom_scrape *out, char **err)
{
	struct sample s;
	size_t line = 0;
	memset(out, 0, sizeof *out);
	out->total.t = t;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		size_t n = (size_t)(e - p);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		if (n && *p != '#') {
			const char *bad = parse_line(p, n, &s);
			if (bad)
				return err_set(err, "/metrics line %zu: %s", line, bad);
			take(out, &s);
		}
		p = e + 1;
	}
	if (!out->lathe)
		return err_set(err, "not a lathe server's /metrics page");
	return 0;
}

double
prom_quantile(double q, const double *le, const double *cum, size_t n)
{
	double c[PROM_NBUCKET];
	if (isnan(q) || n < 2 || n > PROM_NBUCKET || !isinf(le[n - 1]) || le[n - 1] < 0)
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	/* counts may be a hair out of order (summed shards): make them monotonic */
	for (size_t i = 0; i < n; i++)
		c[i] = i && cum[i] < c[i - 1] ? c[i - 1] : cum[i];
	double total = c[n - 1];
	if (!(total > 0))
		return NAN;
	double rank = q * total;
	size_t b = 0;
	while (b < n - 1 && c[b] < rank)
		b++;
	if (b == n - 1)
		return le[n - 2];
	if (b == 0 && le[0] <= 0)
		return le[0];
	double start = 0, end = le[b], count = c[b];
	if (b > 0) {
		start = le[b - 1];
		count -= c[b - 1];
		rank -= c[b - 1];
	}
	if (!(count > 0))
		return start;
	return start + (end - start) * (rank / count);
}

double
prom_increase(double prev, double cur)
{
	return cur < prev ? cur : cur - prev;
}

/* 1 if b's counters went down from a's: the server restarted. */
static int
restarted(const struct prom_point *a, const struct prom_point *b)
{
	if (b->requests < a->requests || b->errors < a->errors)
		return 1;
	return a->nb && b->nb && b->cum[b->nb - 1] < a->cum[a->nb - 1];
}

void
prom_window_push(struct prom_window *w, const struct prom_point *pt)
{
	if (w->n && restarted(&w->p[w->n - 1], pt))
		w->n = 0;
	size_t old = 0;
	while (old < w->n && (old + PROM_WINDOW - 1 < w->n ||
	    pt->t - w->p[old].t > PROM_WINDOW_SECS))
		old++;
	if (old) {
		memmove(w->p, w->p + old, (w->n - old) * sizeof *w->p);
		w->n -= old;
	}
	w->p[w->n++] = *pt;
}

double
prom_window_rate(const struct prom_window *w)
{
	if (w->n < 2)
		return NAN;
	const struct prom_point *a = &w->p[w->n - 2], *b = &w->p[w->n - 1];
	double dt = b->t - a->t;
	if (!(dt > 0))
		return NAN;
	return prom_increase(a->requests, b->requests) / dt;
}

double
prom_window_quantile(const struct prom_window *w, double q)
{
	double d[PROM_NBUCKET];
	if (w->n == 0)
		return NAN;
	const struct prom_point *a = &w->p[0], *b = &w->p[w->n - 1];
	if (w->n == 1 || a->nb != b->nb || memcmp(a->le, b->le, b->nb * sizeof *b->le) != 0)
		return prom_quantile(q, b->le, b->cum, b->nb);
	for (size_t i = 0; i < b->nb; i++)
		d[i] = b->cum[i] > a->cum[i] ? b->cum[i] - a->cum[i] : 0;
	return prom_quantile(q, b->le, d, b->nb);
}
