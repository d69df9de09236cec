/*
 * serve.c — the HTTP side of `lathe serve`; see serve.h.
 *
 * One access-handler call sequence per request (libmicrohttpd): the first
 * call sees the headers — the route is found, auth and the declared body
 * size are checked, and a refusal is answered at once without reading the
 * body; later calls deliver the body, which is copied (a small inline
 * buffer covers single-row requests) under the body-size and time limits;
 * the final call runs the route's handler and queues its reply.  Routes
 * are rows of a const table: path, method, protocol (which error shape),
 * auth, handler.
 *
 * Handlers never fail silently: every path ends in a reply with a status
 * and a body in the protocol's shape, and every reply is counted.
 */
#include "serve.h"
#include "predlog.h"
#include "serve_guard.h"
#include "serve_metrics.h"
#include "serve_models.h"
#include "serve_proto.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "registry/registry.h"
#include "train/plugin.h"

#include <arpa/inet.h>
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum proto { P_MLFLOW, P_V2, P_PLAIN };

struct server {
	struct model_set	*ms;
	struct metrics		*met;
	struct proto_limits	 lim;
	size_t			 max_body;
	int			 timeout;
	char			*token;		/* NULL: no auth */
	size_t			 token_len;
	time_t			 started;
	const char		*names[MODELS_MAX];
	struct predlog		*log;		/* NULL: no prediction log */
	struct serve_guard	*guard;		/* connection slots (serve_guard.h) */
};

#define INLINE_BODY 2048

struct route;

struct req {
	const struct route	*rt;
	double			 t0;
	char			*body;		/* inline_buf or malloc'd */
	size_t			 len, cap;
	int			 done;		/* a reply was queued before the body */
	int			 refused;	/* 408 or 413: body being discarded */
	char			 model[MODEL_NAME_MAX + 1];	/* /v2/models/{model} */
	char			 version[24];			/* .../versions/{version} */
	int			 has_version;
	char			 inline_buf[INLINE_BODY];
};

struct reply {
	int		 status;
	const char	*ctype;
	struct sbuf	 body;
	const char	*hname, *hvalue;	/* one extra header, or NULL */
	int		 close;			/* close the connection after it */
};

struct hctx {
	struct server		*sv;
	struct req		*rq;
	struct MHD_Connection	*c;
};

typedef void (*handler_fn)(struct hctx *h, struct reply *r);

struct route {
	const char	*path;		/* exact path, or the suffix after a V2 model */
	int		 v2model;	/* path follows /v2/models/{m}[/versions/{v}] */
	const char	*method;
	enum proto	 proto;		/* error body shape */
	int		 auth;		/* needs the bearer token (when one is set) */
	handler_fn	 fn;
};

static const char JSON[] = "application/json";

/* ------------------------------------------------------------------ */
/* replies                                                             */

static void
reply_error(struct reply *r, enum proto p, int status, const char *msg)
{
	r->status = status;
	r->ctype = JSON;
	r->body.len = 0;
	if (r->body.s)
		r->body.s[0] = '\0';
	if (p == P_V2)
		proto_v2_error(&r->body, msg);
	else
		proto_mlflow_error(&r->body, status, msg);
}

static void
reply_errorf(struct reply *r, enum proto p, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
reply_errorf(struct reply *r, enum proto p, int status, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	reply_error(r, p, status, msg ? msg : "out of memory");
	free(msg);
}

static enum MHD_Result
send_reply(struct server *sv, struct MHD_Connection *c, struct reply *r)
{
	static const char oom[] = "{\"error\": \"out of memory\"}";
	struct MHD_Response *resp;
	size_t len = r->body.len;
	char *body = r->body.oom ? NULL : sbuf_detach(&r->body);

	sbuf_free(&r->body);
	if (body == NULL) {
		r->status = 500;
		resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(body);
	}
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype ? r->ctype : JSON);
	if (r->hname)
		MHD_add_response_header(resp, r->hname, r->hvalue);
	if (r->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	metrics_http(sv->met, r->status);
	return ret;
}

/* ------------------------------------------------------------------ */
/* scoring                                                             */

static int
error_status(const char *err)
{
	/* "out of memory", or a more specific "out of memory building ..." */
	return err && strstr(err, "out of memory") ? 500 : 400;
}

/* predictor_run with the transform and predict phases timed. */
static int
run_model(const struct served *m, struct frame *f, struct prediction *pd,
    double t[PHASE_N], char **err)
{
	double t1 = time_mono(), tt = 0;
	int rc = predictor_run_timed(m->pr, f, pd, &tt, err);
	t[PHASE_TRANSFORM] = tt;
	t[PHASE_PREDICT] = time_mono() - t1 - tt;
	return rc;
}

static void
h_invocations(struct hctx *h, struct reply *r)
{
	struct server *sv = h->sv;
	struct served *m = NULL;
	struct frame *f = NULL;
	struct prediction pd = { 0 };
	struct predlog_capture *cap = NULL;
	double t[PHASE_N] = { 0 };
	char *err = NULL;
	int slot = 0, method, status = 400;

	const char *mname = MHD_lookup_connection_value(h->c, MHD_GET_ARGUMENT_KIND, "model");
	if (mname && (slot = models_find(sv->ms, mname)) < 0) {
		reply_errorf(r, P_MLFLOW, 404, "no model '%s' is served here (serving: %s)", mname,
		    models_names(sv->ms));
		return;
	}
	m = models_acquire(sv->ms, (size_t)slot);
	double t0 = time_mono();
	const char *ctype = MHD_lookup_connection_value(h->c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *meth = MHD_lookup_connection_value(h->c, MHD_GET_ARGUMENT_KIND,
	    "predict_method");
	if (proto_mlflow_parse(&m->schema, &sv->lim, ctype, meth, h->rq->body, h->rq->len, &f,
	    &method, &status, &err) != 0) {
		reply_error(r, P_MLFLOW, status, err ? err : "out of memory");
		goto out;
	}
	t[PHASE_PARSE] = time_mono() - t0;
	cap = predlog_sample(sv->log, f);	/* raw inputs, before the recipe */
	if (method == PROTO_PREDICT_PROBA && m->pm.task != LATHE_TASK_CLASSIFICATION) {
		status = 400;
		reply_errorf(r, P_MLFLOW, status, "predict_method \"predict_proba\" needs a "
		    "classifier; model '%s' is a %s model", m->name, task_name(m->pm.task));
		goto out;
	}
	if (run_model(m, f, &pd, t, &err) != 0) {
		status = error_status(err);
		reply_error(r, P_MLFLOW, status, err ? err : "out of memory");
		goto out;
	}
	double t2 = time_mono();
	proto_mlflow_write(&r->body, &m->pm, &pd, method);
	predlog_count(sv->log, m->name, m->version, pd.n);
	predlog_commit(sv->log, cap, m->name, m->version, m->run_id, &pd);
	cap = NULL;
	double t3 = time_mono();
	t[PHASE_SERIALIZE] = t3 - t2;
	t[PHASE_TOTAL] = t3 - h->rq->t0;
	status = r->status = 200;
	r->ctype = JSON;
out:
	predlog_discard(cap);
	metrics_predict(sv->met, (size_t)slot, status, pd.n, status == 200 ? t : NULL);
	free(err);
	prediction_clear(&pd);
	frame_free(f);
	served_release(m);
}

/* The slot and version of /v2/models/{m}[/versions/{v}], or an error. */
static struct served *
v2_model(struct hctx *h, struct reply *r, int *slot)
{
	struct server *sv = h->sv;
	*slot = models_find(sv->ms, h->rq->model);
	if (*slot < 0) {
		reply_errorf(r, P_V2, 404, "model '%s' is not served here (serving: %s)",
		    h->rq->model, models_names(sv->ms));
		return NULL;
	}
	struct served *m = models_acquire(sv->ms, (size_t)*slot);
	if (h->rq->has_version && strcmp(h->rq->version, m->version_str) != 0) {
		reply_errorf(r, P_V2, 404, "model '%s' version %s is not served here (serving "
		    "version %s)", m->name, h->rq->version, m->version_str);
		served_release(m);
		return NULL;
	}
	return m;
}

static void
h_v2_infer(struct hctx *h, struct reply *r)
{
	struct server *sv = h->sv;
	struct v2_request rq = { 0 };
	struct prediction pd = { 0 };
	struct predlog_capture *cap = NULL;
	double t[PHASE_N] = { 0 };
	char *err = NULL;
	int slot, status = 400;

	struct served *m = v2_model(h, r, &slot);
	if (m == NULL)
		return;
	double t0 = time_mono();
	if (proto_v2_parse(&m->schema, &sv->lim, &m->pm, h->rq->body, h->rq->len, &rq, &status,
	    &err) != 0) {
		reply_error(r, P_V2, status, err ? err : "out of memory");
		goto out;
	}
	t[PHASE_PARSE] = time_mono() - t0;
	cap = predlog_sample(sv->log, rq.frame);
	if (run_model(m, rq.frame, &pd, t, &err) != 0) {
		status = error_status(err);
		reply_error(r, P_V2, status, err ? err : "out of memory");
		goto out;
	}
	double t2 = time_mono();
	proto_v2_write(&r->body, &m->pm, m->name, m->version_str, &rq, &pd);
	predlog_count(sv->log, m->name, m->version, pd.n);
	predlog_commit(sv->log, cap, m->name, m->version, m->run_id, &pd);
	cap = NULL;
	double t3 = time_mono();
	t[PHASE_SERIALIZE] = t3 - t2;
	t[PHASE_TOTAL] = t3 - h->rq->t0;
	status = r->status = 200;
	r->ctype = JSON;
out:
	predlog_discard(cap);
	metrics_predict(sv->met, (size_t)slot, status, pd.n, status == 200 ? t : NULL);
	free(err);
	prediction_clear(&pd);
	v2_request_clear(&rq);
	served_release(m);
}

/* ------------------------------------------------------------------ */
/* metadata, health, metrics                                           */

static void
h_ping(struct hctx *h, struct reply *r)
{
	(void)h;
	/* MLflow's scoring server answers exactly this */
	r->status = 200;
	r->ctype = JSON;
	sbuf_putc(&r->body, '\n');
}

static void
h_version(struct hctx *h, struct reply *r)
{
	(void)h;
	r->status = 200;
	r->ctype = JSON;
	sbuf_puts(&r->body, LATHE_VERSION);
}

static void
h_v2_server(struct hctx *h, struct reply *r)
{
	struct jw w;
	(void)h;
	jw_init(&w, &r->body, 0);
	jw_obj(&w);
	jw_key(&w, "name"); jw_str(&w, "lathe");
	jw_key(&w, "version"); jw_str(&w, LATHE_VERSION);
	jw_key(&w, "extensions"); jw_arr(&w); jw_arr_end(&w);
	jw_obj_end(&w);
	r->status = 200;
	r->ctype = JSON;
}

static void
h_v2_live(struct hctx *h, struct reply *r)
{
	(void)h;
	sbuf_puts(&r->body, "{\"live\": true}");
	r->status = 200;
	r->ctype = JSON;
}

static void
h_v2_ready(struct hctx *h, struct reply *r)
{
	(void)h;
	/* every slot holds a loaded model from startup on */
	sbuf_puts(&r->body, "{\"ready\": true}");
	r->status = 200;
	r->ctype = JSON;
}

static void
h_v2_metadata(struct hctx *h, struct reply *r)
{
	int slot;
	struct served *m = v2_model(h, r, &slot);
	if (m == NULL)
		return;
	sbuf_putn(&r->body, m->metadata, m->metadata_len);
	served_release(m);
	r->status = 200;
	r->ctype = JSON;
}

static void
h_v2_model_ready(struct hctx *h, struct reply *r)
{
	struct jw w;
	int slot;
	struct served *m = v2_model(h, r, &slot);
	if (m == NULL)
		return;
	jw_init(&w, &r->body, 0);
	jw_obj(&w);
	jw_key(&w, "name"); jw_str(&w, m->name);
	jw_key(&w, "ready"); jw_bool(&w, 1);
	jw_obj_end(&w);
	served_release(m);
	r->status = 200;
	r->ctype = JSON;
}

static void
h_metrics(struct hctx *h, struct reply *r)
{
	struct server *sv = h->sv;
	metrics_render(sv->met, &r->body);
	serve_guard_render(sv->guard, &r->body);
	models_render_metrics(sv->ms, &r->body);
	sbuf_printf(&r->body, "# HELP lathe_server_start_time_seconds When this server started "
	    "(Unix time).\n# TYPE lathe_server_start_time_seconds gauge\n"
	    "lathe_server_start_time_seconds %lld\n"
	    "# HELP lathe_build_info The lathe version serving.\n# TYPE lathe_build_info gauge\n"
	    "lathe_build_info{version=\"%s\"} 1\n", (long long)sv->started, LATHE_VERSION);
	if (sv->log)
		sbuf_printf(&r->body, "# HELP lathe_prediction_log_rows_total Sampled rows kept in "
		    "the project's prediction log (written) or lost (dropped).\n"
		    "# TYPE lathe_prediction_log_rows_total counter\n"
		    "lathe_prediction_log_rows_total{state=\"written\"} %llu\n"
		    "lathe_prediction_log_rows_total{state=\"dropped\"} %llu\n",
		    (unsigned long long)predlog_written(sv->log),
		    (unsigned long long)predlog_dropped(sv->log));
	r->status = 200;
	r->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

static const struct route routes[] = {
	{ "/invocations",	0, "POST", P_MLFLOW, 1, h_invocations },
	{ "/ping",		0, "GET",  P_MLFLOW, 0, h_ping },
	{ "/health",		0, "GET",  P_MLFLOW, 0, h_ping },
	{ "/version",		0, "GET",  P_MLFLOW, 1, h_version },
	{ "/metrics",		0, "GET",  P_PLAIN,  1, h_metrics },
	{ "/v2",		0, "GET",  P_V2,     1, h_v2_server },
	{ "/v2/health/live",	0, "GET",  P_V2,     0, h_v2_live },
	{ "/v2/health/ready",	0, "GET",  P_V2,     0, h_v2_ready },
	{ "",			1, "GET",  P_V2,     1, h_v2_metadata },
	{ "/ready",		1, "GET",  P_V2,     1, h_v2_model_ready },
	{ "/infer",		1, "POST", P_V2,     1, h_v2_infer },
};

/* "/v2/models/{m}[/versions/{v}]SUFFIX": 1 and the parts into rq, else 0. */
static int
v2_model_path(const char *url, struct req *rq, const char **suffix)
{
	static const char pre[] = "/v2/models/", ver[] = "/versions/";
	if (strncmp(url, pre, sizeof pre - 1) != 0)
		return 0;
	const char *p = url + sizeof pre - 1;
	size_t n = strcspn(p, "/");
	if (n == 0 || n > MODEL_NAME_MAX)
		return 0;
	memcpy(rq->model, p, n);
	rq->model[n] = '\0';
	p += n;
	if (strncmp(p, ver, sizeof ver - 1) == 0) {
		p += sizeof ver - 1;
		n = strcspn(p, "/");
		if (n == 0 || n >= sizeof rq->version)
			return 0;
		memcpy(rq->version, p, n);
		rq->version[n] = '\0';
		rq->has_version = 1;
		p += n;
	}
	*suffix = p;
	return 1;
}

/* The route for url and method; *allow names the method a matching path
 * wants when only the method is wrong. */
static const struct route *
route_find(const char *url, const char *method, struct req *rq, const char **allow)
{
	const char *suffix = NULL;
	int v2m = v2_model_path(url, rq, &suffix);
	int head = strcmp(method, "HEAD") == 0;
	*allow = NULL;
	for (size_t i = 0; i < ARRAY_LEN(routes); i++) {
		const struct route *rt = &routes[i];
		int match = rt->v2model ? v2m && strcmp(suffix, rt->path) == 0 :
		    strcmp(url, rt->path) == 0;
		if (!match)
			continue;
		if (strcmp(method, rt->method) == 0 || (head && strcmp(rt->method, "GET") == 0))
			return rt;
		*allow = strcmp(rt->method, "GET") == 0 ? "GET, HEAD" : rt->method;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* the access handler                                                  */

/* 0 if the request may pass; else 1 (no or malformed header) or 2 (wrong
 * token).  The comparison takes the same time wherever they differ. */
static int
auth_check(struct MHD_Connection *c, const struct server *sv)
{
	const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return 1;
	a += 7;
	while (*a == ' ')
		a++;
	size_t n = strlen(a);
	while (n && a[n - 1] == ' ')
		n--;
	unsigned char diff = n != sv->token_len;
	for (size_t i = 0; i < sv->token_len; i++)
		diff |= (unsigned char)(sv->token[i] ^ (i < n ? a[i] : 0));
	return diff ? 2 : 0;
}

/*
 * Request smuggling: when a proxy in front and this server could read
 * where a request's body ends differently, one request can hide another.
 * libmicrohttpd takes the first of two Content-Length headers, lets
 * Transfer-Encoding win over Content-Length, reads a body of an unknown
 * coding until the connection closes, and keeps "Content-Length :" (space
 * before the colon) as a header it does not recognise, leaving the body
 * to be read as the next request.  So every such request is refused
 * before its body is read, and its connection closed.
 */
struct framing {
	int		 ncl, nte;
	const char	*te;		/* the Transfer-Encoding value */
	const char	*badname;	/* a header name that is not a token */
};

static int
is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct framing *fr = cls;
	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		fr->ncl++;
	else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0 && fr->nte++ == 0)
		fr->te = value;
	for (const char *k = key; fr->badname == NULL && *k; k++)
		if (!is_tchar((unsigned char)*k))
			fr->badname = key;
	if (*key == '\0' && fr->badname == NULL)
		fr->badname = key;
	return MHD_YES;
}

/* NULL if the request's framing is unambiguous, else why not (into buf). */
static const char *
framing_check(struct MHD_Connection *c, char *buf, size_t n)
{
	struct framing fr = { 0 };
	MHD_get_connection_values(c, MHD_HEADER_KIND, framing_header, &fr);
	if (fr.badname)
		snprintf(buf, n, "malformed header name '%.60s' (a space before the colon, or a "
		    "character a header name cannot hold)", fr.badname);
	else if (fr.ncl > 1)
		snprintf(buf, n, "%d Content-Length headers: a request may have only one", fr.ncl);
	else if (fr.ncl && fr.nte)
		snprintf(buf, n, "Content-Length and Transfer-Encoding together: a request may "
		    "have only one of them");
	else if (fr.nte > 1)
		snprintf(buf, n, "%d Transfer-Encoding headers: a request may have only one", fr.nte);
	else if (fr.nte && strcasecmp(fr.te, "chunked") != 0)
		snprintf(buf, n, "Transfer-Encoding '%.60s' is not supported (only 'chunked')", fr.te);
	else
		return NULL;
	return buf;
}

static enum MHD_Result
early(struct server *sv, struct MHD_Connection *c, struct req *rq, struct reply *r)
{
	rq->done = 1;
	return send_reply(sv, c, r);
}

/* No memory for a request's state: answer 500 from static storage (both
 * protocols' error shape) and close, rather than drop the connection. */
static enum MHD_Result
reply_oom(struct server *sv, struct MHD_Connection *c)
{
	static const char oom[] = "{\"error_code\": \"INTERNAL_ERROR\", \"message\": "
	    "\"out of memory\", \"error\": \"out of memory\"}";
	struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof oom - 1,
	    (void *)oom, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, JSON);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(c, 500, resp);
	MHD_destroy_response(resp);
	metrics_http(sv->met, 500);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct server *sv = cls;
	struct req *rq = *con_cls;
	struct reply r = { 0 };
	(void)version;

	sbuf_init(&r.body);
	if (rq == NULL) {
		/* headers are in */
		const char *allow;
		/* not calloc: the inline buffer need not be cleared */
		if ((rq = malloc(sizeof *rq)) == NULL)
			return reply_oom(sv, c);
		memset(rq, 0, offsetof(struct req, inline_buf));
		rq->t0 = time_mono();
		rq->body = rq->inline_buf;
		rq->cap = INLINE_BODY;
		*con_cls = rq;
		serve_guard_request(c, 1);
		rq->rt = route_find(url, method, rq, &allow);
		enum proto p = rq->rt ? rq->rt->proto : strncmp(url, "/v2", 3) == 0 ? P_V2 : P_MLFLOW;
		char why[160];
		if (framing_check(c, why, sizeof why) != NULL) {
			reply_errorf(&r, p, 400, "%s (refused, as a proxy in "
			    "front might read the body differently: request smuggling)", why);
			r.close = 1;
			return early(sv, c, rq, &r);
		}
		if (rq->rt == NULL && allow) {
			reply_errorf(&r, p, 405, "method %s is not allowed on %s (use %s)", method, url,
			    allow);
			r.hname = MHD_HTTP_HEADER_ALLOW;
			r.hvalue = allow;
			return early(sv, c, rq, &r);
		}
		if (rq->rt == NULL) {
			reply_errorf(&r, p, 404, "no such endpoint: %s %s (see docs/serving.md)", method,
			    url);
			return early(sv, c, rq, &r);
		}
		p = rq->rt->proto;
		int a;
		if (rq->rt->auth && sv->token && (a = auth_check(c, sv)) != 0) {
			reply_error(&r, p, 401, a == 1 ? "missing bearer token (send 'Authorization: "
			    "Bearer TOKEN')" : "invalid bearer token");
			r.hname = MHD_HTTP_HEADER_WWW_AUTHENTICATE;
			r.hvalue = a == 1 ? "Bearer realm=\"lathe\"" :
			    "Bearer realm=\"lathe\", error=\"invalid_token\"";
			return early(sv, c, rq, &r);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > sv->max_body) {
			reply_errorf(&r, p, 413, "request body is %s bytes; the limit is %zu "
			    "(--max-body)", cl, sv->max_body);
			return early(sv, c, rq, &r);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (rq->done)
			return MHD_YES;		/* the rest of a body refused early */
		/*
		 * libmicrohttpd cannot answer in the middle of a body: a body
		 * that breaks a limit is read and dropped, and answered when it
		 * ends — unless it is still coming after twice the timeout, when
		 * the connection is closed.
		 */
		double el = time_mono() - rq->t0;
		if (rq->refused)
			return el > 2.0 * sv->timeout ? MHD_NO : MHD_YES;
		if (el > sv->timeout) {
			rq->refused = 408;
			return MHD_YES;
		}
		if (rq->len + n > sv->max_body) {
			rq->refused = 413;
			return MHD_YES;
		}
		if (rq->len + n > rq->cap) {
			size_t cap = rq->cap * 2;
			while (cap < rq->len + n)
				cap *= 2;
			if (cap > sv->max_body)
				cap = sv->max_body;
			char *nb = rq->body == rq->inline_buf ? malloc(cap) : realloc(rq->body, cap);
			if (nb == NULL) {
				rq->refused = 500;
				return MHD_YES;
			}
			if (rq->body == rq->inline_buf)
				memcpy(nb, rq->inline_buf, rq->len);
			rq->body = nb;
			rq->cap = cap;
		}
		memcpy(rq->body + rq->len, upload, n);
		rq->len += n;
		return MHD_YES;
	}
	if (rq->done)
		return MHD_YES;
	struct hctx h = { sv, rq, c };
	if (rq->refused == 408)
		reply_errorf(&r, rq->rt->proto, 408, "the request body took longer than %d s to "
		    "arrive (--timeout)", sv->timeout);
	else if (rq->refused == 413)
		reply_errorf(&r, rq->rt->proto, 413, "request body is over %zu bytes (--max-body)",
		    sv->max_body);
	else if (rq->refused)
		reply_error(&r, rq->rt->proto, 500, "out of memory");
	else
		rq->rt->fn(&h, &r);
	if (r.status == 0)
		reply_error(&r, rq->rt->proto, 500, "internal error: no reply");
	rq->done = 1;
	return send_reply(sv, c, &r);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *sv = cls;
	struct req *rq = *con_cls;
	serve_guard_request(c, 0);
	if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
		metrics_timeout(sv->met);
	if (rq) {
		if (rq->body != rq->inline_buf)
			free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* start and stop                                                      */

/*
 * libmicrohttpd's own messages ("Connection was closed by remote side
 * with incomplete request", ...) come once per misbehaving connection, so
 * a flood of bad connections would flood stderr: at most MHD_LOG_BURST
 * lines per MHD_LOG_WINDOW seconds are shown, and the number left out is
 * said with the next line shown.
 */
#define MHD_LOG_BURST	10
#define MHD_LOG_WINDOW	60

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t window;
	static unsigned shown, dropped;
	char msg[512], ts[32];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	time_t now = time(NULL);
	pthread_mutex_lock(&mu);
	if (now - window >= MHD_LOG_WINDOW) {
		if (dropped)
			fprintf(stderr, "%s lathe serve: libmicrohttpd: %u more messages in the last "
			    "%lld s not shown\n", time_now_iso(ts), dropped, (long long)(now - window));
		window = now;
		shown = dropped = 0;
	}
	if (shown < MHD_LOG_BURST) {
		shown++;
		fprintf(stderr, "%s lathe serve: libmicrohttpd: %s\n", time_now_iso(ts), msg);
	} else {
		dropped++;
	}
	pthread_mutex_unlock(&mu);
}

void
serve_opts_init(struct serve_opts *o)
{
	memset(o, 0, sizeof *o);
	o->host = SERVE_DEFAULT_HOST;
	o->port = SERVE_DEFAULT_PORT;
	o->io = SERVE_IO_THREADS;
	o->max_body = SERVE_DEFAULT_MAX_BODY;
	o->max_rows = SERVE_DEFAULT_MAX_ROWS;
	o->max_depth = SERVE_DEFAULT_MAX_DEPTH;
	o->timeout = SERVE_DEFAULT_TIMEOUT;
	o->max_conns = SERVE_DEFAULT_MAX_CONNS;
	o->max_per_ip = -1;
	o->poll_ms = SERVE_DEFAULT_POLL_MS;
	o->log_rate = PREDLOG_DEFAULT_RATE;
	o->log_max_per_sec = PREDLOG_DEFAULT_MAX_PER_SEC;
}

static int
read_token(const char *path, char **tok, size_t *len, char **err)
{
	char buf[4097];
	struct stat sb;
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return err_set(err, "--token-file %s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	int big = !feof(f) && fgetc(f) != EOF;
	if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
		fprintf(stderr, "lathe serve: warning: token file %s is readable by other users "
		    "(chmod 600 it)\n", path);
	fclose(f);
	if (big)
		return err_set(err, "--token-file %s: longer than 4096 bytes", path);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' ||
	    buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (n == 0)
		return err_set(err, "--token-file %s is empty", path);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x21 || (unsigned char)buf[i] > 0x7e)
			return err_set(err, "--token-file %s: the token must be one line of printable "
			    "ASCII without spaces", path);
	if ((*tok = str_dup(buf)) == NULL)
		return err_set(err, "out of memory");
	*len = n;
	return 0;
}

/* A non-blocking listening socket on host:port; *addr gets the URL. */
static int
listen_on(const char *host, int port, int *fd, int *v6, char addr[160], char **err)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ps[16], ip[INET6_ADDRSTRLEN];
	int one = 1, s = -1;

	*fd = -1;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(ps, sizeof ps, "%d", port);
	int gr = getaddrinfo(host, ps, &hints, &res);
	if (gr != 0)
		return err_set(err, "cannot resolve host '%s': %s", host, gai_strerror(gr));
	s = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, 1024) != 0 ||
	    getsockname(s, (struct sockaddr *)&ss, &sl) != 0) {
		err_set(err, "cannot listen on %s port %d: %s", host, port, strerror(errno));
		if (s >= 0)
			close(s);
		freeaddrinfo(res);
		return -1;
	}
	*v6 = ss.ss_family == AF_INET6;
	if (*v6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		snprintf(addr, 160, "http://[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		snprintf(addr, 160, "http://%s:%u", ip, ntohs(a->sin_port));
	}
	freeaddrinfo(res);
	*fd = s;
	return 0;
}

int
serve_run(const struct serve_opts *o, char **err)
{
	struct server sv = { 0 };
	struct MHD_Daemon *d = NULL;
	sigset_t set, old;
	char addr[160], warm[32];
	int fd = -1, v6 = 0, rc = -1, masked = 0;

	/* Block the stop signals before anything can start a thread: every
	 * thread inherits the mask of its creator, and a SIGTERM is delivered
	 * to any thread that does not block it — with the default action
	 * (exit 143) if that is a BLAS worker started while loading a model.
	 * This thread alone takes them, in sigtimedwait below. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	masked = 1;
	/* one-time initialisations that are not thread-safe on first use */
	json_object_seed(0);
	fmt_double(warm, 0.5);
	/* requests run on the server's threads: one BLAS thread each */
	openblas_set_num_threads(1);

	sv.lim.max_rows = o->max_rows;
	sv.lim.max_depth = o->max_depth;
	sv.max_body = o->max_body;
	sv.timeout = o->timeout;
	sv.started = time(NULL);
	if (o->token_file && read_token(o->token_file, &sv.token, &sv.token_len, err) != 0)
		goto out;
	if (models_open(o->project, o->quiet, &sv.ms, err) != 0)
		goto out;
	for (size_t i = 0; i < o->nmodels; i++)
		if (models_add_ref(sv.ms, o->models[i], err) != 0)
			goto out;
	for (size_t i = 0; i < o->nbundles; i++)
		if (models_add_bundle(sv.ms, o->bundles[i], err) != 0)
			goto out;
	if (models_count(sv.ms) == 0 && models_add_default(sv.ms, err) != 0)
		goto out;
	for (size_t i = 0; i < models_count(sv.ms); i++)
		sv.names[i] = models_name(sv.ms, i);
	if ((sv.met = metrics_new(models_count(sv.ms), sv.names)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (listen_on(o->host, o->port, &fd, &v6, addr, err) != 0)
		goto out;

	unsigned per_ip = o->max_per_ip >= 0 ? (unsigned)o->max_per_ip :
	    (o->max_conns / SERVE_DEFAULT_PER_IP_DIV ? o->max_conns / SERVE_DEFAULT_PER_IP_DIV : 1);
	if (serve_guard_new(o->max_conns, o->header_timeout > 0 ? o->header_timeout : o->timeout,
	    per_ip, &sv.guard, err) != 0)	/* its thread too waits for no signal */
		goto out;
	unsigned threads = o->threads > 0 ? (unsigned)o->threads :
	    (unsigned)(sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1);
	unsigned flags = MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	if (o->io == SERVE_IO_THREADS)
		d = MHD_start_daemon(flags | MHD_USE_THREAD_PER_CONNECTION |
		    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, serve_guard_accept, sv.guard,
		    on_request, &sv,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_THREAD_STACK_SIZE, SERVE_THREAD_STACK,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, serve_guard_daemon_limit(o->max_conns),
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv,
		    MHD_OPTION_NOTIFY_CONNECTION, serve_guard_notify, sv.guard,
		    MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, 0,
		    serve_guard_accept, sv.guard, on_request, &sv,
		    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		    MHD_OPTION_LISTEN_SOCKET, fd,
		    MHD_OPTION_THREAD_POOL_SIZE, threads,
		    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout,
		    MHD_OPTION_CONNECTION_LIMIT, serve_guard_daemon_limit(o->max_conns),
		    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &sv,
		    MHD_OPTION_NOTIFY_CONNECTION, serve_guard_notify, sv.guard,
		    MHD_OPTION_END);
	if (d == NULL) {
		err_set(err, "cannot start the HTTP server on %s", addr);
		goto out;
	}
	fd = -1;	/* the daemon owns it */
	printf("listening on %s\n", addr);
	fflush(stdout);
	models_record_start(sv.ms, o->host, addr);
	if (o->log_rate > 0 && models_project(sv.ms) &&
	    predlog_open(models_project(sv.ms), models_server_id(sv.ms), o->log_rate,
	    o->log_max_per_sec, &sv.log, err) != 0) {
		/* serving matters more than logging: say so and go on */
		fprintf(stderr, "lathe serve: warning: no prediction log: %s\n", *err ? *err : "?");
		free(*err);
		*err = NULL;
	}
	for (;;) {
		struct timespec ts = { o->poll_ms / 1000, (long)(o->poll_ms % 1000) * 1000000L };
		int s = sigtimedwait(&set, NULL, &ts);
		if (s == SIGINT || s == SIGTERM) {
			models_log(sv.ms, "info", NULL, 0, 0, "%s: finishing requests in flight",
			    s == SIGINT ? "SIGINT" : "SIGTERM");
			break;
		}
		models_poll(sv.ms);
		char note[512];
		if (serve_guard_summary(sv.guard, 60, note, sizeof note))
			models_log(sv.ms, "warning", NULL, 0, 0, "%s", note);
	}
	MHD_stop_daemon(d);
	d = NULL;
	predlog_close(sv.log);	/* flushes what is queued */
	sv.log = NULL;
	models_record_stop(sv.ms);
	rc = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	serve_guard_free(sv.guard);	/* after the daemon: its callbacks use it */
	if (fd >= 0)
		close(fd);
	if (masked)
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	predlog_close(sv.log);
	metrics_free(sv.met);
	models_free(sv.ms);
	free(sv.token);
	return rc;
}
