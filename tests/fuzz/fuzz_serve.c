/*
 * fuzz_serve.c — the scoring protocols (core/serve/serve_proto.c): MLflow
 * /invocations bodies (JSON and CSV) and Open Inference Protocol (V2)
 * infer bodies, as the server hands them over: bytes and a length, no
 * NUL after them.
 *
 * Input: one option byte, then the body.  The option byte picks the
 * Content-Type (JSON, CSV, none, JSON with a charset), the predict_method
 * query parameter (none, predict, predict_proba, a bad one), the model's
 * schema (a, b numeric and c categorical; the same with an optional
 * column d; one categorical column) and the limits (rows and depth).
 *
 * Checks, on every input: no crash, leak or undefined behaviour; the
 * MLflow parse gives exactly the same result with the JSON fast path on
 * and off (the same frame cell for cell, bit for bit, and method — or the
 * same status and message), and when the fast path alone takes the body,
 * what it built is that frame too; a refusal has a 4xx status, a message,
 * and an error body that is valid JSON whatever request bytes it quotes; a parsed frame has the schema's required columns and
 * at most max_rows rows.  The same body is parsed as a V2 request, and
 * its frame checked the same way; the response writers run on a made-up
 * prediction for every parsed frame.
 */
#include "fuzz.h"
#include "lathe_plugin.h"
#include "serve/serve_proto.h"

#include <jansson.h>

static const char *const names3[] = { "a", "b", "c", "d" };
static const enum fkind kinds3[] = { FK_NUM, FK_NUM, FK_CAT, FK_NUM };
static const char *const names1[] = { "c" };
static const enum fkind kinds1[] = { FK_CAT };
static const struct proto_schema schemas[4] = {
	{ 3, names3, kinds3, 0 },
	{ 4, names3, kinds3, 1 },	/* d may be sent, and is ignored */
	{ 1, names1, kinds1, 0 },
	{ 2, names3, kinds3, 0 },
};
static const double classes[] = { 0, 1, 2 };
static const struct proto_model model = { .task = LATHE_TASK_CLASSIFICATION, .nclasses = 3,
    .class_num = classes, .class_int = 1, .width = 4 };

static void
check_frame(const struct proto_schema *s, const struct proto_limits *lim, struct frame *f,
    const char *what)
{
	if (f == NULL)
		fuzz_fail("%s: success without a frame", what);
	if (f->ncols != s->n - s->noptional)
		fuzz_fail("%s: %zu columns, the schema requires %zu", what, f->ncols,
		    s->n - s->noptional);
	if (f->n > lim->max_rows)
		fuzz_fail("%s: %zu rows past the limit of %zu", what, f->n, lim->max_rows);
	for (size_t j = 0; j < f->ncols; j++) {
		if (strcmp(f->cols[j].name, s->names[j]) != 0 || f->cols[j].kind != s->kinds[j])
			fuzz_fail("%s: column %zu is '%s', expected '%s'", what, j, f->cols[j].name,
			    s->names[j]);
		if (f->cols[j].kind != FK_NUM)
			for (size_t i = 0; i < f->n; i++)
				if (f->cols[j].codes[i] != CODE_NA &&
				    f->cols[j].codes[i] >= f->cols[j].dict->n)
					fuzz_fail("%s: column %zu row %zu: a code past its dictionary",
					    what, j, i);
	}
}

/* A refusal: a 4xx status, a message, and an error body in the
 * protocol's shape that is valid JSON whatever bytes of the request the
 * message quotes (a column name, a value). */
static void
check_refusal(int status, const char *err, const char *what, int v2)
{
	struct sbuf b;
	json_error_t je;

	if (status < 400 || status > 499 || err == NULL || *err == '\0')
		fuzz_fail("%s: refused with status %d and message %s", what, status,
		    err ? err : "(none)");
	sbuf_init(&b);
	if (v2)
		proto_v2_error(&b, err);
	else
		proto_mlflow_error(&b, status, err);
	if (b.oom) {
		sbuf_free(&b);
		return;
	}
	json_t *o = json_loadb(b.s, b.len, 0, &je);
	if (!json_is_object(o))
		fuzz_fail("%s: the error body is not a JSON object (%s): %s", what, je.text, b.s);
	json_decref(o);
	sbuf_free(&b);
}

/* Run the response writers on n rows of a made-up prediction. */
static void
write_responses(const struct frame *f, const struct v2_request *rq)
{
	static const char *const outs[] = { "label", "p_0", "p_1", "p_2" };
	static const char *const labels[] = { "0", "1", "2" };
	size_t n = f->n;
	double *v = calloc(n * 4 + 1, sizeof *v);
	const char **lab = calloc(n + 1, sizeof *lab);
	struct sbuf b;

	if (v == NULL || lab == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		v[i * 4] = (double)(i % 3);
		v[i * 4 + 1 + i % 3] = 1;
		lab[i] = labels[i % 3];
	}
	struct prediction pd = { n, 4, outs, v, lab };
	sbuf_init(&b);
	if (rq)
		proto_v2_write(&b, &model, "m", "1", rq, &pd);
	else {
		proto_mlflow_write(&b, &model, &pd, PROTO_PREDICT);
		proto_mlflow_write(&b, &model, &pd, PROTO_PREDICT_PROBA);
	}
	sbuf_free(&b);
out:
	free(v);
	free(lab);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctypes[] = { "application/json", "text/csv", NULL,
	    "application/json; charset=utf-8" };
	static const char *const methods[] = { NULL, "predict", "predict_proba", "predict_log" };
	struct frame *f[2] = { NULL, NULL }, *ff = NULL;
	struct v2_request rq;
	char *err[2] = { NULL, NULL }, *verr = NULL, why[256];
	int rc[2], st[2] = { 0, 0 }, m[2] = { -1, -1 }, vst = 0;

	if (size < 1)
		return 0;
	unsigned opt = data[0];
	const char *ctype = ctypes[opt & 3], *meth = methods[(opt >> 2) & 3];
	const struct proto_schema *s = &schemas[(opt >> 4) & 3];
	struct proto_limits lim = { (opt & 0x40) ? 3 : 100000, (opt & 0x80) ? 4 : 32 };
	/* the body exactly as the server holds it: no NUL after it */
	size_t len = size - 1;
	char *body = malloc(len ? len : 1);
	if (body == NULL)
		return 0;
	memcpy(body, data + 1, len);

	for (int k = 0; k < 2; k++) {
		proto_set_fast(k == 0);
		rc[k] = proto_mlflow_parse(s, &lim, ctype, meth, body, len, &f[k], &m[k], &st[k],
		    &err[k]);
	}
	proto_set_fast(1);
	if (rc[0] != rc[1] || (rc[0] == 0 && m[0] != m[1]) ||
	    (rc[0] != 0 && (st[0] != st[1] || !fuzz_same_str(err[0], err[1]))))
		fuzz_fail("fast and general paths differ:\n  fast:    %d %d %d %s\n  "
		    "general: %d %d %d %s", rc[0], st[0], m[0], err[0] ? err[0] : "",
		    rc[1], st[1], m[1], err[1] ? err[1] : "");
	if (rc[0] == 0) {
		check_frame(s, &lim, f[0], "mlflow");
		if (fuzz_same_frames(f[0], f[1], why) != 0)
			fuzz_fail("fast and general paths built different frames: %s", why);
		write_responses(f[0], NULL);
	} else {
		check_refusal(st[0], err[0], "mlflow", 0);
	}
	/* the fast path on its own: it takes a body only if the general
	 * path builds the same frame from it */
	int method = PROTO_PREDICT;
	int fr = proto_mlflow_fast(s, &lim, body, len, &ff, &method);
	if (fr == 1) {
		struct frame *g = NULL;
		char *gerr = NULL;
		int gst = 0, gm = -1;
		proto_set_fast(0);
		int grc = proto_mlflow_parse(s, &lim, "application/json", NULL, body, len, &g, &gm,
		    &gst, &gerr);
		proto_set_fast(1);
		if (grc != 0)
			fuzz_fail("the fast path took a body the general path refuses: %s", gerr);
		if (fuzz_same_frames(ff, g, why) != 0 || gm != method)
			fuzz_fail("the fast path built another frame: %s", why);
		frame_free(g);
		free(gerr);
	}

	/* the same bytes as a V2 infer body */
	if (proto_v2_parse(s, &lim, &model, body, len, &rq, &vst, &verr) == 0) {
		check_frame(s, &lim, rq.frame, "v2");
		write_responses(rq.frame, &rq);
	} else {
		check_refusal(vst, verr, "v2", 1);
	}
	v2_request_clear(&rq);

	for (int k = 0; k < 2; k++) {
		frame_free(f[k]);
		free(err[k]);
	}
	frame_free(ff);
	free(verr);
	free(body);
	return 0;
}
