/*
 * test_serve.c — the scoring protocols without HTTP (serve_proto.c):
 * every MLflow body format (dataframe_split, dataframe_records,
 * instances, inputs, CSV), V2 tensors (named and 2-D), every error
 * message and status, the response writers, the nesting pre-scan, and
 * the metrics text.  Table-driven: a case is a body and either the frame
 * it must become (cells dumped row by row) or the exact error.
 *
 * The schema of every case: a (numeric), b (numeric), c (categorical).
 */
#include "lathe_plugin.h"
#include "testutil.h"
#include "base/util.h"
#include "serve/serve_metrics.h"
#include "serve/serve_proto.h"

#include <jansson.h>
#include <math.h>

static const char *const names[] = { "a", "b", "c" };
static const enum fkind kinds[] = { FK_NUM, FK_NUM, FK_CAT };
static const struct proto_schema schema = { 3, names, kinds, 0 };
static const struct proto_limits limits = { 3, 8 };
static const double classes[] = { 0, 1, 2 };
static const struct proto_model clf = { .task = LATHE_TASK_CLASSIFICATION, .nclasses = 3,
    .class_num = classes, .class_int = 1, .width = 4 };

/* "1,2,x;3,NA,y": the frame row by row, NA for missing. */
static char *
dump(const struct frame *f)
{
	struct sbuf b;
	char buf[32];
	sbuf_init(&b);
	for (size_t i = 0; i < f->n; i++) {
		if (i)
			sbuf_putc(&b, ';');
		for (size_t j = 0; j < f->ncols; j++) {
			const struct fcol *c = &f->cols[j];
			if (j)
				sbuf_putc(&b, ',');
			if (c->kind == FK_NUM)
				sbuf_puts(&b, isnan(c->num[i]) ? "NA" : fmt_double(buf, c->num[i]));
			else
				sbuf_puts(&b, fcol_str(c, i) ? fcol_str(c, i) : "NA");
		}
	}
	return sbuf_detach(&b);
}

struct mcase {
	const char	*ctype;
	const char	*method;	/* ?predict_method= */
	const char	*body;
	int		 status;	/* 0: success */
	const char	*expect;	/* the frame dump, or the error message */
	int		 proba;
};

#define J "application/json"
#define CSV "text/csv"

static const struct mcase mcases[] = {
	/* dataframe_split */
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"c\", \"a\", \"b\"], \"data\": "
	    "[[\"x\", 1, 2], [\"y\", 3.5, null]]}}", 0, "1,2,x;3.5,NA,y", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"data\": [[1, 2, \"x\"]]}}", 0, "1,2,x", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"index\": [7], \"columns\": [\"a\", \"b\", \"c\"], "
	    "\"data\": [[1, 2, \"x\"]]}}", 0, "1,2,x", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": []}}", 0,
	    "", 0 },
	/* dataframe_records: a key left out is a missing cell */
	{ J, NULL, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": \"x\"}, {\"a\": 3, "
	    "\"c\": \"y\"}]}", 0, "1,2,x;3,NA,y", 0 },
	/* instances: records, rows, and numbers matched by text for categories */
	{ J, NULL, "{\"instances\": [{\"a\": 1, \"b\": 2, \"c\": \"x\"}]}", 0, "1,2,x", 0 },
	{ J, NULL, "{\"instances\": [[1, 2, \"x\"], [0.1, 1e300, 7]]}", 0, "1,2,x;0.1,1e+300,7",
	    0 },
	{ J, NULL, "{\"instances\": []}", 0, "", 0 },
	/* inputs: columnar, one row of scalars, rows */
	{ J, NULL, "{\"inputs\": {\"a\": [1, 3], \"b\": [2, 4], \"c\": [\"x\", \"y\"]}}", 0,
	    "1,2,x;3,4,y", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": 1, \"b\": 2, \"c\": \"x\"}}", 0, "1,2,x", 0 },
	{ J, NULL, "{\"inputs\": [[1, 2, \"x\"]]}", 0, "1,2,x", 0 },
	/* predict_method, in params or the query string */
	{ J, NULL, "{\"inputs\": [[1, 2, \"x\"]], \"params\": {\"predict_method\": "
	    "\"predict_proba\"}}", 0, "1,2,x", 1 },
	{ J, "predict_proba", "{\"inputs\": [[1, 2, \"x\"]]}", 0, "1,2,x", 1 },
	{ J, "predict_proba", "{\"inputs\": [[1, 2, \"x\"]], \"params\": {\"predict_method\": "
	    "\"predict\"}}", 0, "1,2,x", 0 },
	{ "Application/JSON; charset=UTF-8", NULL, "{\"inputs\": [[1, 2, \"x\"]]}", 0, "1,2,x",
	    0 },
	/* CSV */
	{ CSV, NULL, "a,b,c\n1,2,x\n3,NA,\n", 0, "1,2,x;3,NA,NA", 0 },
	{ CSV, "predict_proba", "c,b,a\r\n\"x,y\",2,1\r\n", 0, "1,2,x,y", 1 },
	{ "application/csv; charset=utf-8", NULL, "a,b,c\n-1.5e3,inf,7\n", 0, "-1500,inf,7", 0 },
	{ CSV, NULL, "a,b,c\n", 0, "", 0 },

	/* JSON errors */
	{ J, NULL, "{\"inputs\": [1,2", 400, "bad JSON at byte 15: ']' expected near end of file",
	    0 },
	{ J, NULL, "", 400, "bad JSON at byte 0: '[' or '{' expected near end of file", 0 },
	{ J, NULL, "{\"inputs\": []} x", 400, "bad JSON at byte 16: end of file expected near 'x'",
	    0 },
	{ J, NULL, "{\"inputs\": [], \"inputs\": []}", 400,
	    "bad JSON at byte 23: duplicate object key near '\"inputs\"'", 0 },
	{ J, NULL, "{\"inputs\": [[[[[[[[1]]]]]]]]}", 400,
	    "JSON nested deeper than 8 levels at byte 18 (--max-depth)", 0 },
	{ J, NULL, "{\"inputs\": [\"[[[[[[[[[[[[\", 1]}", 400,
	    "inputs[0] is string \"[[[[[[[[[[[[\": with 3 inputs, each row must be an object "
	    "{column: value} or an array of 3 values", 0 },
	{ J, NULL, "[1]", 400, "the body must be a JSON object with exactly one of "
	    "dataframe_split, dataframe_records, instances, inputs; got an array", 0 },
	{ J, NULL, "{\"foo\": 1}", 400, "the body must have exactly one of dataframe_split, "
	    "dataframe_records, instances, inputs; got keys: foo", 0 },
	{ J, NULL, "{}", 400, "the body must have exactly one of dataframe_split, "
	    "dataframe_records, instances, inputs; got no keys", 0 },
	{ J, NULL, "{\"inputs\": [], \"instances\": []}", 400, "the body must have exactly one "
	    "of dataframe_split, dataframe_records, instances, inputs; got keys: inputs, "
	    "instances", 0 },
	{ J, NULL, "{\"inputs\": [[1, 2, \"x\"]], \"params\": 3}", 400,
	    "params must be an object, got number 3", 0 },
	{ J, NULL, "{\"inputs\": [[1, 2, \"x\"]], \"params\": {\"predict_method\": 1}}", 400,
	    "params.predict_method must be a string, got number 1", 0 },
	{ J, NULL, "{\"inputs\": [[1, 2, \"x\"]], \"params\": {\"predict_method\": "
	    "\"predict_log_proba\"}}", 400, "predict_method must be \"predict\" or "
	    "\"predict_proba\", got \"predict_log_proba\"", 0 },
	{ J, "proba", "{\"inputs\": [[1, 2, \"x\"]]}", 400,
	    "predict_method must be \"predict\" or \"predict_proba\", got \"proba\"", 0 },
	/* dataframe_split errors */
	{ J, NULL, "{\"dataframe_split\": [1]}", 400, "dataframe_split must be an object "
	    "{\"columns\": [...], \"data\": [[...], ...]}, got an array", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\"]}}", 400,
	    "dataframe_split lacks \"data\" (the rows)", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"data\": 1}}", 400,
	    "dataframe_split.data must be an array of rows, got number 1", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": \"a\", \"data\": []}}", 400,
	    "dataframe_split.columns must be an array of column names, got string \"a\"", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [1], \"data\": []}}", 400,
	    "dataframe_split.columns[0] must be a column name, got number 1", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"z\"], \"data\": []}}",
	    400, "unknown column 'z' (the model's inputs are: a, b, c)", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"a\", \"b\"], \"data\": []}}",
	    400, "column 'a' is given twice", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\"], \"data\": []}}", 400,
	    "missing column 'c' (categorical), which the model needs", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": "
	    "[[1, 2]]}}", 400, "dataframe_split.data[0] has 2 values, expected 3 (one per "
	    "column: a, b, c)", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [1]}}",
	    400, "dataframe_split.data[0] must be an array of 3 values, got number 1", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": "
	    "[[1, 2, \"x\"], [\"x\", 2, \"y\"]]}}", 400, "dataframe_split.data[1][0] (column "
	    "'a'): expected a number, got string \"x\"", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"columns\": [\"c\", \"a\", \"b\"], \"data\": "
	    "[[[1], 1, 2]]}}", 400, "dataframe_split.data[0][0] (column 'c'): expected a string "
	    "or a number, got an array", 0 },
	{ J, NULL, "{\"dataframe_split\": {\"data\": [[true, 2, \"x\"]]}}", 400,
	    "dataframe_split.data[0][0] (column 'a'): expected a number, got true", 0 },
	/* dataframe_records errors */
	{ J, NULL, "{\"dataframe_records\": {}}", 400,
	    "dataframe_records must be an array of objects, got an object", 0 },
	{ J, NULL, "{\"dataframe_records\": [1]}", 400,
	    "dataframe_records[0] must be an object {column: value}, got number 1", 0 },
	{ J, NULL, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": \"x\", \"zz\": 1}]}", 400,
	    "unknown column 'zz' (the model's inputs are: a, b, c)", 0 },
	{ J, NULL, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2}]}", 400,
	    "missing column 'c' (categorical), which the model needs", 0 },
	{ J, NULL, "{\"dataframe_records\": [{\"a\": \"1\", \"b\": 2, \"c\": \"x\"}]}", 400,
	    "dataframe_records[0] (column 'a'): expected a number, got string \"1\"", 0 },
	{ J, NULL, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": {}}]}", 400,
	    "dataframe_records[0] (column 'c'): expected a string or a number, got an object", 0 },
	/* instances / inputs errors */
	{ J, NULL, "{\"instances\": 1}", 400, "instances must be an array of rows, got number 1",
	    0 },
	{ J, NULL, "{\"instances\": [1, 2]}", 400, "instances[0] is number 1: with 3 inputs, each "
	    "row must be an object {column: value} or an array of 3 values", 0 },
	{ J, NULL, "{\"instances\": [[1, 2, \"x\"], {\"a\": 1}]}", 400,
	    "instances[1] must be an array of 3 values, got an object", 0 },
	{ J, NULL, "{\"instances\": [[1, 2, \"x\", 4]]}", 400, "instances[0] has 4 values, "
	    "expected 3 (the model's inputs, in order: a, b, c)", 0 },
	{ J, NULL, "{\"inputs\": \"x\"}", 400, "inputs must be an object {column: [values]} or an "
	    "array of rows, got string \"x\"", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": [1], \"b\": 2, \"c\": [\"x\"]}}", 400, "inputs: column "
	    "'a' is a list but column 'b' is a single value; give every column a list of values "
	    "(or every column one value)", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": [1, 2], \"b\": [2], \"c\": [\"x\", \"y\"]}}", 400,
	    "inputs: column 'b' has 1 values but column 'a' has 2", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": [1], \"b\": [2]}}", 400,
	    "missing column 'c' (categorical), which the model needs", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": [1], \"b\": [2], \"q\": [3]}}", 400,
	    "unknown column 'q' (the model's inputs are: a, b, c)", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": [\"q\"], \"b\": [2], \"c\": [\"x\"]}}", 400,
	    "inputs.a[0]: expected a number, got string \"q\"", 0 },
	{ J, NULL, "{\"inputs\": {\"a\": null, \"b\": false, \"c\": \"x\"}}", 400,
	    "inputs.b: expected a number, got false", 0 },
	/* limits */
	{ J, NULL, "{\"instances\": [[1, 2, \"x\"], [1, 2, \"x\"], [1, 2, \"x\"], [1, 2, \"x\"]]}",
	    413, "request has 4 rows; the limit is 3 (--max-rows)", 0 },
	{ CSV, NULL, "a,b,c\n1,2,x\n1,2,x\n1,2,x\n1,2,x\n", 413,
	    "request has 4 rows; the limit is 3 (--max-rows)", 0 },
	/* content types */
	{ NULL, NULL, "{}", 415, "missing Content-Type: send application/json, text/csv or "
	    "application/csv", 0 },
	{ "text/plain", NULL, "{}", 415, "unsupported Content-Type 'text/plain': send "
	    "application/json, text/csv or application/csv", 0 },
	{ "application/x-www-form-urlencoded", NULL, "{}", 415, "unsupported Content-Type "
	    "'application/x-www-form-urlencoded': send application/json, text/csv or "
	    "application/csv", 0 },
	{ "application/json; charset=latin-1", NULL, "{}", 415,
	    "unsupported charset 'latin-1': the server reads UTF-8", 0 },
	{ "application/json; format=pandas-split", NULL, "{}", 415,
	    "unsupported Content-Type parameter 'format' (only charset is accepted)", 0 },
	/* CSV errors */
	{ CSV, NULL, "", 400, "CSV body is empty (expected a header line naming the columns)", 0 },
	{ CSV, NULL, "a,b,z\n1,2,3\n", 400, "unknown column 'z' (the model's inputs are: a, b, c)",
	    0 },
	{ CSV, NULL, "a,b\n1,2\n", 400, "missing column 'c' (categorical), which the model needs",
	    0 },
	{ CSV, NULL, "a,b,c,a\n1,2,3,4\n", 400, "column 'a' is given twice", 0 },
	{ CSV, NULL, "a,b,c\n1,2,x\n1,2\n", 400,
	    "CSV row 3 has 2 fields, expected 3 (as in the header)", 0 },
	{ CSV, NULL, "a,b,c\n1,2,x\nq,2,y\n", 400,
	    "CSV row 3, column 'a': expected a number, got \"q\"", 0 },
	{ CSV, NULL, "a,b,c\n\"1,2,3\n", 400, "CSV body ends inside a quoted field", 0 },
	{ CSV, NULL, "a,b,c\n1,\"2\"x,3\n", 400, "CSV body: bad quoting near byte 11 (a quote "
	    "inside an unquoted field, or text after a closing quote)", 0 },
	{ CSV, NULL, "a,b,c\n1,2,\xff\n", 400, "CSV body is not valid UTF-8 (byte 10)", 0 },
};

static void
test_mlflow_cases(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(mcases); k++) {
		const struct mcase *t = &mcases[k];
		struct frame *f = NULL;
		char *err = NULL;
		int method = -1, status = 0;
		int rc = proto_mlflow_parse(&schema, &limits, t->ctype, t->method, t->body,
		    strlen(t->body), &f, &method, &status, &err);
		if (t->status == 0) {
			if (rc != 0)
				fail_msg("case %zu (%s): unexpected error %d: %s", k, t->body, status, err);
			char *d = dump(f);
			if (strcmp(d, t->expect) != 0)
				fail_msg("case %zu (%s):\n  expected %s\n  got      %s", k, t->body,
				    t->expect, d);
			size_t rows = t->expect[0] != '\0';
			for (const char *q = t->expect; *q; q++)
				rows += *q == ';';
			assert_int_equal(f->n, rows);
			assert_int_equal(f->ncols, 3);
			if (method != t->proba)
				fail_msg("case %zu: method %d, expected %d", k, method, t->proba);
			free(d);
		} else {
			if (rc == 0)
				fail_msg("case %zu (%s): parsed, expected error %d %s", k, t->body,
				    t->status, t->expect);
			if (status != t->status || err == NULL || strcmp(err, t->expect) != 0)
				fail_msg("case %zu (%s):\n  expected %d %s\n  got      %d %s", k, t->body,
				    t->status, t->expect, status, err ? err : "(null)");
			assert_null(f);
		}
		frame_free(f);
		free(err);
	}
}

/* Bodies for the fast path: what it must take, and edge cases where it
 * must agree with the general path (or leave the body to it). */
static const struct {
	const char	*body;
	int		 fast;	/* the fast path takes it */
} fcases[] = {
	{ "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [[1, 2, \"x\"]]}}", 1 },
	{ "{\"dataframe_split\": {\"data\": [[\"x]\", 1, 2]], \"columns\": [\"c\", \"a\", \"b\"]}}", 1 },
	{ " \r\n\t{ \"inputs\" :[ [ -0 ,1e-400,\"x\" ] ] , \"params\":{\"predict_method\":\"predict\"}}\n", 1 },
	{ "{\"params\": {\"predict_method\": \"predict_proba\"}, \"instances\": [[0.1, 1E+2, 7], [null, null, null]]}", 1 },
	{ "{\"dataframe_records\": [{\"c\": 3.25, \"b\": 2, \"a\": 1}, {}, {\"a\": 5}]}", 1 },
	{ "{\"inputs\": []}", 1 },
	{ "{\"dataframe_records\": []}", 1 },
	{ "{\"inputs\": [[123456789012345678901234567890, 9007199254740993, \"y\"]]}", 1 },
	{ "{\"inputs\": [[2.2250738585072014e-308, 1.7976931348623157e308, \"\"]]}", 1 },
	/* left to the general path (which may accept or refuse) */
	{ "{\"inputs\": [[1e-320, 1, \"x\"]]}", 0 },		/* subnormal */
	{ "{\"inputs\": [[1e400, 1, \"x\"]]}", 0 },		/* overflow */
	{ "{\"inputs\": [[01, 1, \"x\"]]}", 0 },
	{ "{\"inputs\": [[1., 1, \"x\"]]}", 0 },
	{ "{\"inputs\": [[.5, 1, \"x\"]]}", 0 },
	{ "{\"inputs\": [[+1, 1, \"x\"]]}", 0 },
	{ "{\"inputs\": [[1, 1, \"a\\\"b\"]]}", 0 },		/* escape */
	{ "{\"inputs\": [[1, 1, \"\xc3\xa9\"]]}", 0 },		/* non-ASCII */
	{ "{\"inputs\": [[1, 1, \"x\"]], \"inputs\": []}", 0 },
	{ "{\"inputs\": [[1, 1, \"x\"]], \"extra\": 1}", 0 },
	{ "{\"inputs\": [[1, 1, \"x\"]]} x", 0 },
	{ "{\"inputs\": [[1, 1, true]]}", 0 },
	{ "{\"inputs\": [[\"1\", 1, \"x\"]]}", 0 },
	{ "{\"inputs\": [[1, 1]]}", 0 },
	{ "{\"inputs\": [[1, 1, \"x\"], {\"a\": 1}]}", 0 },
	{ "{\"inputs\": {\"a\": [1], \"b\": [2], \"c\": [\"x\"]}}", 0 },
	{ "{\"instances\": [{\"a\": 1, \"b\": 2, \"c\": \"x\"}]}", 0 },
	{ "{\"dataframe_split\": {\"index\": [0], \"columns\": [\"a\", \"b\", \"c\"], \"data\": [[1, 2, \"x\"]]}}", 0 },
	{ "{\"dataframe_split\": {\"data\": [[1, 2, \"x\"]]}}", 0 },
	{ "{\"dataframe_split\": {\"columns\": [\"a\", \"b\"], \"data\": [[1, 2]]}}", 0 },
	{ "{\"dataframe_split\": {\"columns\": [\"a\", \"a\", \"c\"], \"data\": []}}", 0 },
	{ "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [[1, 2, \"x\"]], \"data\": []}}", 0 },
	{ "{\"dataframe_records\": [{\"a\": 1, \"a\": 2, \"b\": 1, \"c\": 1}]}", 0 },
	{ "{\"dataframe_records\": [{\"a\": 1, \"b\": 2}]}", 0 },
	{ "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": \"x\", \"d\": 1}]}", 0 },
	{ "{\"instances\": [[1, 2, \"x\"], [1, 2, \"x\"], [1, 2, \"x\"], [1, 2, \"x\"]]}", 0 },
	{ "{\"params\": {\"predict_method\": \"predict_log_proba\"}, \"inputs\": []}", 0 },
	{ "{\"inputs\": [[1, 2, \"x\"]", 0 },
	{ "", 0 },
};

/* Parse with the fast path on and off: same status, message, frame. */
static void
both_paths(const char *ctype, const char *method, const char *body, const char *what)
{
	struct frame *f[2] = { NULL, NULL };
	char *err[2] = { NULL, NULL }, *d[2] = { NULL, NULL };
	int rc[2], st[2] = { 0, 0 }, m[2] = { -1, -1 };
	for (int k = 0; k < 2; k++) {
		proto_set_fast(k == 0);
		rc[k] = proto_mlflow_parse(&schema, &limits, ctype, method, body, strlen(body), &f[k],
		    &m[k], &st[k], &err[k]);
		d[k] = rc[k] == 0 ? dump(f[k]) : NULL;
	}
	proto_set_fast(1);
	if (rc[0] != rc[1] || st[0] != st[1] || (rc[0] == 0 && (strcmp(d[0], d[1]) != 0 ||
	    m[0] != m[1])) || (rc[0] != 0 && strcmp(err[0], err[1]) != 0))
		fail_msg("%s (%s): fast and general paths differ:\n  fast    %d %d %s %s\n  "
		    "general %d %d %s %s", what, body, rc[0], st[0], d[0] ? d[0] : "", err[0] ?
		    err[0] : "", rc[1], st[1], d[1] ? d[1] : "", err[1] ? err[1] : "");
	for (int k = 0; k < 2; k++) {
		frame_free(f[k]);
		free(err[k]);
		free(d[k]);
	}
}

static void
test_fast_path(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(fcases); k++) {
		struct frame *f = NULL;
		int method = PROTO_PREDICT;
		int r = proto_mlflow_fast(&schema, &limits, fcases[k].body, strlen(fcases[k].body),
		    &f, &method);
		if (r != fcases[k].fast)
			fail_msg("fast case %zu (%s): fast path returned %d, expected %d", k,
			    fcases[k].body, r, fcases[k].fast);
		if (r == 0)
			assert_null(f);
		frame_free(f);
		both_paths(J, NULL, fcases[k].body, "fast case");
		both_paths(J, "predict_proba", fcases[k].body, "fast case, proba by query");
	}
	for (size_t k = 0; k < ARRAY_LEN(mcases); k++)
		both_paths(mcases[k].ctype, mcases[k].method, mcases[k].body, "mlflow case");
}

struct vcase {
	const char	*body;
	int		 status;
	const char	*expect;
	unsigned	 outputs;
	const char	*id;
};

static const struct vcase vcases[] = {
	/* one tensor per column, flat or nested, in any order */
	{ "{\"inputs\": [{\"name\": \"c\", \"shape\": [2], \"datatype\": \"BYTES\", \"data\": "
	    "[\"x\", \"y\"]}, {\"name\": \"a\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": "
	    "[1, 3]}, {\"name\": \"b\", \"shape\": [2, 1], \"datatype\": \"INT64\", \"data\": "
	    "[[2], [4]]}]}", 0, "1,2,x;3,4,y", 3, NULL },
	{ "{\"id\": \"42\", \"parameters\": {}, \"inputs\": [{\"name\": \"a\", \"shape\": [1], "
	    "\"datatype\": \"BOOL\", \"data\": [true]}, {\"name\": \"b\", \"shape\": [1], "
	    "\"datatype\": \"UINT8\", \"data\": [null]}, {\"name\": \"c\", \"shape\": [1], "
	    "\"datatype\": \"BYTES\", \"data\": [\"NA\"], \"parameters\": {}}], \"outputs\": "
	    "[{\"name\": \"probabilities\"}]}", 0, "1,NA,NA", 2, "42" },
	/* one 2-D tensor in schema order */
	{ "{\"inputs\": [{\"name\": \"input-0\", \"shape\": [2, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [[\"1\", \"2\", \"x\"], [\"0.5\", \"\", \"y\"]]}]}", 0, "1,2,x;0.5,NA,y", 3,
	    NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [0], \"datatype\": \"FP64\", \"data\": []}, "
	    "{\"name\": \"b\", \"shape\": [0], \"datatype\": \"FP64\", \"data\": []}, {\"name\": "
	    "\"c\", \"shape\": [0], \"datatype\": \"BYTES\", \"data\": []}], \"outputs\": [{\"name\": "
	    "\"prediction\"}]}", 0, "", 1, NULL },

	/* errors */
	{ "[1]", 400, "the inference request must be a JSON object with an \"inputs\" array, "
	    "got an array", 0, NULL },
	{ "{\"inputs\": [1,", 400, "bad JSON at byte 14: ']' expected near end of file", 0,
	    NULL },
	{ "{}", 400, "the inference request lacks \"inputs\"", 0, NULL },
	{ "{\"inputs\": []}", 400, "\"inputs\" must be a non-empty array of tensors, got an empty "
	    "array", 0, NULL },
	{ "{\"inputs\": {}}", 400, "\"inputs\" must be a non-empty array of tensors, got an "
	    "object", 0, NULL },
	{ "{\"id\": 4, \"inputs\": []}", 400, "\"id\" must be a string, got number 4", 0, NULL },
	{ "{\"parameters\": [], \"inputs\": []}", 400,
	    "\"parameters\" must be an object, got an array", 0, NULL },
	{ "{\"inputs\": [1]}", 400, "inputs[0] must be a tensor {\"name\", \"shape\", "
	    "\"datatype\", \"data\"}, got number 1", 0, NULL },
	{ "{\"inputs\": [{\"shape\": [1]}]}", 400, "inputs[0] lacks \"name\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": 1}]}", 400, "inputs[0] has a non-string \"name\": number 1", 0,
	    NULL },
	{ "{\"inputs\": [{\"name\": \"a\"}]}", 400, "inputs[0] ('a') lacks \"shape\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": []}]}", 400, "inputs[0] ('a'): \"shape\" "
	    "must be an array of 1 to 8 dimensions, got an array", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [-1]}]}", 400, "inputs[0] ('a'): shape[0] "
	    "must be a non-negative integer, got number -1", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1.5]}]}", 400, "inputs[0] ('a'): shape[0] "
	    "must be a non-negative integer, got number 1.5", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1]}]}", 400,
	    "inputs[0] ('a') lacks \"datatype\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": 64}]}", 400,
	    "inputs[0] ('a'): \"datatype\" must be a string, got number 64", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP99\"}]}", 400,
	    "inputs[0] ('a'): unknown datatype 'FP99' (BOOL, INT8..INT64, UINT8..UINT64, FP16, "
	    "FP32, FP64, BYTES)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\"}]}", 400,
	    "inputs[0] ('a') lacks \"data\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": 1}]}",
	    400, "inputs[0] ('a'): \"data\" must be an array, got number 1", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [3], \"datatype\": \"FP64\", \"data\": "
	    "[1, 2]}]}", 400, "inputs[0] ('a'): shape [3] holds 3 elements, but \"data\" has 2", 0,
	    NULL },
	{ "{\"inputs\": [{\"name\": \"z\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": "
	    "[1]}]}", 400, "unknown input 'z' (the model's inputs are: a, b, c)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}]}", 400,
	    "input 'a' is given twice", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [2, 2], \"datatype\": \"FP64\", \"data\": "
	    "[1, 2, 3, 4]}]}", 400, "inputs[0] ('a'): shape [2, 2] is not [rows] or [rows, 1]", 0,
	    NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": "
	    "[1, 2]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}]}",
	    400, "inputs[1] ('b') has 1 rows, but inputs[0] ('a') has 2", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": "
	    "[\"1\"]}]}", 400, "inputs[0] ('a'): datatype BYTES, but the model's column 'a' is "
	    "numeric (send FP64 or another number type)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"c\", \"shape\": [1], \"datatype\": \"FP32\", \"data\": "
	    "[1]}]}", 400, "inputs[0] ('c'): datatype FP32, but the model's column 'c' is "
	    "categorical (send BYTES)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}]}", 400,
	    "missing input 'c' (categorical, datatype BYTES), which the model needs", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": "
	    "[1, \"x\"]}, {\"name\": \"b\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": "
	    "[1, 2]}, {\"name\": \"c\", \"shape\": [2], \"datatype\": \"BYTES\", \"data\": "
	    "[\"x\", \"y\"]}]}", 400, "inputs[0] ('a') element 1: expected a number (FP64), got "
	    "string \"x\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": "
	    "[1.5]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}]}", 400,
	    "inputs[0] ('a') element 0: expected an integer (INT64), got number 1.5", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"UINT8\", \"data\": "
	    "[-1]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}]}", 400,
	    "inputs[0] ('a') element 0: number -1 is out of range for UINT8 (0 to 255)", 0,
	    NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": "
	    "[1]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}]}", 400,
	    "inputs[0] ('a') element 0: expected true or false (BOOL), got number 1", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": "
	    "[1]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [1]}, "
	    "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [5]}]}", 400,
	    "inputs[2] ('c') element 0: expected a string (BYTES), got number 5", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 4], \"datatype\": \"BYTES\", "
	    "\"data\": [\"1\", \"2\", \"x\", \"y\"]}]}", 400, "inputs[0] ('in'): shape [1, 4] is "
	    "not [rows, 3] (a 2-D input holds the model's inputs in order: a, b, c)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 3], \"datatype\": \"FP64\", "
	    "\"data\": [1, 2, 3]}]}", 400, "inputs[0] ('in'): a FP64 tensor cannot carry column "
	    "'c', which is categorical; send datatype BYTES, or one tensor per column", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [\"q\", \"2\", \"x\"]}]}", 400, "inputs[0] ('in') element [0, 0] (column "
	    "'a'): expected a number in a string (BYTES), got string \"q\"", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [\"1\", \"2\", \"x\"]}], \"outputs\": [{\"name\": \"foo\"}]}", 400,
	    "unknown output 'foo' (the model's outputs are: prediction, probabilities)", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [\"1\", \"2\", \"x\"]}], \"outputs\": {}}", 400,
	    "\"outputs\" must be an array of {\"name\"}, got an object", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [1, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [\"1\", \"2\", \"x\"]}], \"outputs\": [{}]}", 400,
	    "outputs[0] must be an object with a \"name\", got an object", 0, NULL },
	{ "{\"inputs\": [{\"name\": \"in\", \"shape\": [4, 3], \"datatype\": \"BYTES\", "
	    "\"data\": [\"1\", \"2\", \"x\", \"1\", \"2\", \"x\", \"1\", \"2\", \"x\", \"1\", \"2\", "
	    "\"x\"]}]}", 413, "request has 4 rows; the limit is 3 (--max-rows)", 0, NULL },
};

static void
test_v2_cases(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(vcases); k++) {
		const struct vcase *t = &vcases[k];
		struct v2_request rq;
		char *err = NULL;
		int status = 0;
		int rc = proto_v2_parse(&schema, &limits, &clf, t->body, strlen(t->body), &rq,
		    &status, &err);
		if (t->status == 0) {
			if (rc != 0)
				fail_msg("v2 case %zu (%s): unexpected error %d: %s", k, t->body, status,
				    err);
			char *d = dump(rq.frame);
			if (strcmp(d, t->expect) != 0)
				fail_msg("v2 case %zu:\n  expected %s\n  got      %s", k, t->expect, d);
			free(d);
			assert_int_equal(rq.outputs, t->outputs);
			if (t->id)
				assert_string_equal(rq.id, t->id);
			else
				assert_null(rq.id);
		} else {
			if (rc == 0)
				fail_msg("v2 case %zu (%s): parsed, expected %s", k, t->body, t->expect);
			if (status != t->status || err == NULL || strcmp(err, t->expect) != 0)
				fail_msg("v2 case %zu (%s):\n  expected %d %s\n  got      %d %s", k, t->body,
				    t->status, t->expect, status, err ? err : "(null)");
			assert_null(rq.frame);
			assert_null(rq.id);
		}
		v2_request_clear(&rq);
		free(err);
	}
}

/*
 * Every V2 datatype against the values it can and cannot hold: column a
 * (numeric) carries the datatype under test, or c (categorical) for
 * BYTES; accepted values become the cell as sent, refused ones name the
 * input, the element, the value and the datatype.
 */
static const struct {
	const char	*dtype, *value;
	const char	*expect;	/* the frame, or the error */
} dtcases[] = {
	{ "INT8", "127", "127,1,x" },
	{ "INT8", "-128", "-128,1,x" },
	{ "INT8", "128", "inputs[0] ('a') element 0: number 128 is out of range for INT8 (-128 to 127)" },
	{ "INT8", "-129", "inputs[0] ('a') element 0: number -129 is out of range for INT8 (-128 to 127)" },
	{ "INT8", "500", "inputs[0] ('a') element 0: number 500 is out of range for INT8 (-128 to 127)" },
	{ "INT8", "1.5", "inputs[0] ('a') element 0: expected an integer (INT8), got number 1.5" },
	{ "INT16", "32767", "32767,1,x" },
	{ "INT16", "-32768", "-32768,1,x" },
	{ "INT16", "32768", "inputs[0] ('a') element 0: number 32768 is out of range for INT16 (-32768 to 32767)" },
	{ "INT16", "-32769", "inputs[0] ('a') element 0: number -32769 is out of range for INT16 (-32768 to 32767)" },
	{ "INT32", "2147483647", "2147483647,1,x" },
	{ "INT32", "-2147483648", "-2147483648,1,x" },
	{ "INT32", "2147483648", "inputs[0] ('a') element 0: number 2147483648 is out of range for INT32 (-2147483648 to 2147483647)" },
	{ "INT32", "-2147483649", "inputs[0] ('a') element 0: number -2147483649 is out of range for INT32 (-2147483648 to 2147483647)" },
	{ "INT32", "1.5", "inputs[0] ('a') element 0: expected an integer (INT32), got number 1.5" },
	{ "INT32", "2e0", "2,1,x" },
	{ "INT64", "-9007199254740993", "-9007199254740992,1,x" },
	{ "INT64", "9223372036854775807", "9.223372036854776e+18,1,x" },
	{ "INT64", "1e19", "inputs[0] ('a') element 0: number 1e+19 is out of range for INT64 (-9223372036854775808 to 9223372036854775807)" },
	{ "INT64", "-1e19", "inputs[0] ('a') element 0: number -1e+19 is out of range for INT64 (-9223372036854775808 to 9223372036854775807)" },
	{ "UINT8", "0", "0,1,x" },
	{ "UINT8", "255", "255,1,x" },
	{ "UINT8", "256", "inputs[0] ('a') element 0: number 256 is out of range for UINT8 (0 to 255)" },
	{ "UINT8", "-1", "inputs[0] ('a') element 0: number -1 is out of range for UINT8 (0 to 255)" },
	{ "UINT8", "0.5", "inputs[0] ('a') element 0: expected a non-negative integer (UINT8), got number 0.5" },
	{ "UINT16", "65535", "65535,1,x" },
	{ "UINT16", "65536", "inputs[0] ('a') element 0: number 65536 is out of range for UINT16 (0 to 65535)" },
	{ "UINT32", "4294967295", "4294967295,1,x" },
	{ "UINT32", "4294967296", "inputs[0] ('a') element 0: number 4294967296 is out of range for UINT32 (0 to 4294967295)" },
	{ "UINT64", "18446744073709551615", "1.8446744073709552e+19,1,x" },
	{ "UINT64", "1e20", "inputs[0] ('a') element 0: number 1e+20 is out of range for UINT64 (0 to 18446744073709551615)" },
	{ "UINT64", "-1", "inputs[0] ('a') element 0: number -1 is out of range for UINT64 (0 to 18446744073709551615)" },
	{ "FP16", "65504", "65504,1,x" },
	{ "FP16", "-65504", "-65504,1,x" },
	{ "FP16", "0.1", "0.1,1,x" },
	{ "FP16", "65505", "inputs[0] ('a') element 0: number 65505 is out of range for FP16 (-65504 to 65504)" },
	{ "FP16", "-70000", "inputs[0] ('a') element 0: number -70000 is out of range for FP16 (-65504 to 65504)" },
	{ "FP32", "3.4028234663852886e38", "3.4028234663852886e+38,1,x" },
	{ "FP32", "-1e38", "-1e+38,1,x" },
	{ "FP32", "3.5e38", "inputs[0] ('a') element 0: number 3.5e+38 is out of range for FP32 (-3.40282347e+38 to 3.40282347e+38)" },
	{ "FP32", "-1e39", "inputs[0] ('a') element 0: number -1e+39 is out of range for FP32 (-3.40282347e+38 to 3.40282347e+38)" },
	{ "FP64", "1.7976931348623157e308", "1.7976931348623157e+308,1,x" },
	{ "FP64", "1e-300", "1e-300,1,x" },
	{ "FP64", "\"1\"", "inputs[0] ('a') element 0: expected a number (FP64), got string \"1\"" },
	{ "BOOL", "true", "1,1,x" },
	{ "BOOL", "false", "0,1,x" },
	{ "BOOL", "1", "inputs[0] ('a') element 0: expected true or false (BOOL), got number 1" },
	{ "BOOL", "\"true\"", "inputs[0] ('a') element 0: expected true or false (BOOL), got string \"true\"" },
	{ "INT8", "null", "NA,1,x" },
	{ "BYTES", "\"y\"", "1,1,y" },
	{ "BYTES", "5", "inputs[2] ('c') element 0: expected a string (BYTES), got number 5" },
};

static void
test_v2_datatypes(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(dtcases); k++) {
		int bytes = strcmp(dtcases[k].dtype, "BYTES") == 0;
		char body[512];
		struct v2_request rq;
		char *err = NULL, *got;
		int status = 0;
		snprintf(body, sizeof body, "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], "
		    "\"datatype\": \"%s\", \"data\": [%s]}, {\"name\": \"b\", \"shape\": [1], "
		    "\"datatype\": \"FP64\", \"data\": [1]}, {\"name\": \"c\", \"shape\": [1], "
		    "\"datatype\": \"BYTES\", \"data\": [%s]}]}", bytes ? "FP64" : dtcases[k].dtype,
		    bytes ? "1" : dtcases[k].value, bytes ? dtcases[k].value : "\"x\"");
		int rc = proto_v2_parse(&schema, &limits, &clf, body, strlen(body), &rq, &status,
		    &err);
		got = rc == 0 ? dump(rq.frame) : str_dup(err);
		if (strcmp(got, dtcases[k].expect) != 0 || (rc != 0 && status != 400))
			fail_msg("%s %s:\n  expected %s\n  got      %d %s", dtcases[k].dtype,
			    dtcases[k].value, dtcases[k].expect, rc ? status : 200, got);
		free(got);
		free(err);
		v2_request_clear(&rq);
	}
	/* the 2-D form names the element by row and column */
	static const char two[] = "{\"inputs\": [{\"name\": \"in\", \"shape\": [2, 3], "
	    "\"datatype\": \"BYTES\", \"data\": [\"1\", \"2\", \"x\", \"3\", \"4\", \"y\"]}]}";
	static const char twoi[] = "{\"inputs\": [{\"name\": \"in\", \"shape\": [2, 2], "
	    "\"datatype\": \"INT8\", \"data\": [[1, 2], [3, 300]]}]}";
	static const char *const nn[] = { "a", "b" };
	static const enum fkind nk[] = { FK_NUM, FK_NUM };
	static const struct proto_schema ns = { 2, nn, nk, 0 };
	struct v2_request rq;
	char *err = NULL;
	int status = 0;
	assert_int_equal(proto_v2_parse(&schema, &limits, &clf, two, strlen(two), &rq, &status,
	    &err), 0);
	v2_request_clear(&rq);
	assert_int_equal(proto_v2_parse(&ns, &limits, &clf, twoi, strlen(twoi), &rq, &status,
	    &err), -1);
	assert_int_equal(status, 400);
	assert_string_equal(err, "inputs[0] ('in') element [1, 1] (column 'b'): number 300 is out "
	    "of range for INT8 (-128 to 127)");
	free(err);
	v2_request_clear(&rq);
}

/*
 * Error bodies are JSON even when the message quotes bytes that are not
 * UTF-8 (a path with %ff, a header, a value cut short): each such byte
 * becomes U+FFFD, in both protocols' shapes; valid text is unchanged.
 */
static void
test_error_utf8(void **state)
{
	static const struct { const char *msg, *expect; } cases[] = {
		{ "no such endpoint: GET /\xff\xfe", "no such endpoint: GET /\xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut \xe2\x82 then ok", "cut \xef\xbf\xbd\xef\xbf\xbd then ok" },
		{ "overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd" },
		{ "surrogate \xed\xa0\x80!", "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!" },
		{ "beyond \xf4\x90\x80\x80", "beyond \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d" },
		{ "quote \" and \\ and \x01", "quote \" and \\ and \x01" },
		{ "", "" },
	};
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(cases); k++)
		for (int v2 = 0; v2 < 2; v2++) {
			struct sbuf b;
			json_error_t je;
			sbuf_init(&b);
			if (v2)
				proto_v2_error(&b, cases[k].msg);
			else
				proto_mlflow_error(&b, 404, cases[k].msg);
			json_t *j = json_loadb(b.s, b.len, 0, &je);
			if (j == NULL)
				fail_msg("case %zu (%s): not JSON: %s: %s", k, v2 ? "v2" : "mlflow", je.text,
				    b.s);
			const char *m = json_string_value(json_object_get(j, v2 ? "error" : "message"));
			if (m == NULL || strcmp(m, cases[k].expect) != 0)
				fail_msg("case %zu (%s): message %s", k, v2 ? "v2" : "mlflow", b.s);
			json_decref(j);
			sbuf_free(&b);
		}
}

/* A model whose recipe drops a training column d: d may be sent (and is
 * ignored) or left out; positional shapes and the metadata carry a, b, c
 * only; both JSON paths agree. */
static const char *const onames[] = { "a", "b", "c", "d" };
static const enum fkind okinds[] = { FK_NUM, FK_NUM, FK_CAT, FK_NUM };
static const struct proto_schema oschema = { 4, onames, okinds, 1 };

static void
test_optional_columns(void **state)
{
	static const struct { const char *ctype, *body, *expect; int status; } cases[] = {
		{ J, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"c\"], \"data\": [[1, 2, "
		    "\"x\"]]}}", "1,2,x", 0 },
		{ J, "{\"dataframe_split\": {\"columns\": [\"d\", \"a\", \"b\", \"c\"], \"data\": "
		    "[[9, 1, 2, \"x\"]]}}", "1,2,x", 0 },
		{ J, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": \"x\", \"d\": 9}, {\"a\": 3, "
		    "\"b\": 4, \"c\": \"y\"}]}", "1,2,x;3,4,y", 0 },
		{ J, "{\"instances\": [[1, 2, \"x\"]]}", "1,2,x", 0 },
		{ J, "{\"inputs\": {\"a\": [1], \"b\": [2], \"c\": [\"x\"], \"d\": [9]}}", "1,2,x", 0 },
		{ J, "{\"inputs\": {\"a\": 1, \"b\": 2, \"c\": \"x\"}}", "1,2,x", 0 },
		{ CSV, "a,b,c,d\n1,2,x,9\n", "1,2,x", 0 },
		{ CSV, "c,b,a\nx,2,1\n", "1,2,x", 0 },
		{ J, "{\"instances\": [[1, 2, \"x\", 9]]}", "instances[0] has 4 values, expected 3 "
		    "(the model's inputs, in order: a, b, c)", 400 },
		{ J, "{\"dataframe_split\": {\"columns\": [\"a\", \"b\", \"d\"], \"data\": [[1, 2, 9]]}}",
		    "missing column 'c' (categorical), which the model needs", 400 },
		{ J, "{\"dataframe_records\": [{\"a\": 1, \"b\": 2, \"c\": \"x\", \"e\": 9}]}",
		    "unknown column 'e' (the model's inputs are: a, b, c)", 400 },
	};
	(void)state;
	for (size_t k = 0; k < ARRAY_LEN(cases); k++)
		for (int fast = 1; fast >= 0; fast--) {
			struct frame *f = NULL;
			char *err = NULL;
			int method = -1, status = 0;
			proto_set_fast(fast);
			int rc = proto_mlflow_parse(&oschema, &limits, cases[k].ctype, NULL,
			    cases[k].body, strlen(cases[k].body), &f, &method, &status, &err);
			char *d = rc == 0 ? dump(f) : NULL;
			const char *got = rc == 0 ? d : err;
			if ((rc == 0) != (cases[k].status == 0) || strcmp(got, cases[k].expect) != 0 ||
			    (rc != 0 && status != cases[k].status))
				fail_msg("case %zu (%s, fast %d): got %d %s", k, cases[k].body, fast,
				    status, got);
			if (rc == 0)
				assert_int_equal(f->ncols, 3);	/* d is not kept */
			free(d);
			free(err);
			frame_free(f);
		}
	proto_set_fast(1);
	/* V2: d named or not; a 2-D tensor holds a, b, c; metadata lists those */
	const char *v2ok = "{\"inputs\": [{\"name\": \"a\", \"shape\": [1], \"datatype\": \"FP64\", "
	    "\"data\": [1]}, {\"name\": \"b\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": "
	    "[2]}, {\"name\": \"c\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"x\"]}, "
	    "{\"name\": \"d\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [9]}]}";
	const char *v2d = "{\"inputs\": [{\"name\": \"t\", \"shape\": [1, 3], \"datatype\": "
	    "\"BYTES\", \"data\": [\"1\", \"2\", \"x\"]}]}";
	const char *bodies[] = { v2ok, v2d };
	for (size_t k = 0; k < 2; k++) {
		struct v2_request rq;
		char *err = NULL;
		int status = 0;
		if (proto_v2_parse(&oschema, &limits, &clf, bodies[k], strlen(bodies[k]), &rq,
		    &status, &err) != 0)
			fail_msg("v2 %zu: %s", k, err);
		char *d = dump(rq.frame);
		assert_string_equal(d, "1,2,x");
		free(d);
		v2_request_clear(&rq);
	}
	struct sbuf b;
	struct jw w;
	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	proto_v2_metadata(&w, &oschema, &clf);
	jw_obj_end(&w);
	assert_non_null(strstr(b.s, "{\"name\": \"c\""));
	assert_null(strstr(b.s, "\"d\""));
	sbuf_free(&b);
}

/* A two-row prediction of a 3-class classifier. */
static const char *const pnames[] = { "prediction", "p_0", "p_1", "p_2" };
static double pvalues[] = { 0, 0.9, 0.1, 0, 2, 0.25, 0.25, 0.5 };
static const char *plabels[] = { "0", "2" };

static void
test_writers(void **state)
{
	struct prediction pd = { 2, 4, pnames, pvalues, plabels };
	struct v2_request rq = { NULL, "r1", 3 };
	struct sbuf b;
	(void)state;

	sbuf_init(&b);
	proto_mlflow_write(&b, &clf, &pd, PROTO_PREDICT);
	assert_string_equal(b.s, "{\"predictions\": [0, 2]}");
	b.len = 0;
	proto_mlflow_write(&b, &clf, &pd, PROTO_PREDICT_PROBA);
	assert_string_equal(b.s, "{\"predictions\": [[0.9, 0.1, 0], [0.25, 0.25, 0.5]]}");
	b.len = 0;
	/* text labels */
	struct proto_model txt = clf;
	txt.class_num = NULL;
	const char *lab[] = { "Adelie", "Gentoo" };
	pd.labels = lab;
	proto_mlflow_write(&b, &txt, &pd, PROTO_PREDICT);
	assert_string_equal(b.s, "{\"predictions\": [\"Adelie\", \"Gentoo\"]}");
	b.len = 0;
	/* labels written from their precomputed JSON text */
	static const char *const cj[] = { "\"a\\\"b\"", "1.5", "\"c\"" };
	txt.class_json = cj;
	proto_mlflow_write(&b, &txt, &pd, PROTO_PREDICT);
	assert_string_equal(b.s, "{\"predictions\": [\"a\\\"b\", \"c\"]}");
	txt.class_json = NULL;
	b.len = 0;
	proto_v2_write(&b, &txt, "penguins", "3", &rq, &pd);
	assert_string_equal(b.s, "{\"model_name\": \"penguins\", \"model_version\": \"3\", "
	    "\"id\": \"r1\", \"outputs\": [{\"name\": \"prediction\", \"shape\": [2], \"datatype\": "
	    "\"BYTES\", \"data\": [\"Adelie\", \"Gentoo\"]}, {\"name\": \"probabilities\", "
	    "\"shape\": [2, 3], \"datatype\": \"FP64\", \"data\": [0.9, 0.1, 0, 0.25, 0.25, "
	    "0.5]}]}");
	b.len = 0;
	pd.labels = plabels;
	rq.id = NULL;
	rq.outputs = 1;
	proto_v2_write(&b, &clf, "iris", "1", &rq, &pd);
	assert_string_equal(b.s, "{\"model_name\": \"iris\", \"model_version\": \"1\", "
	    "\"outputs\": [{\"name\": \"prediction\", \"shape\": [2], \"datatype\": \"INT64\", "
	    "\"data\": [0, 2]}]}");
	b.len = 0;
	/* regression: one value per row; projection: a row of components */
	static const char *const rn[] = { "prediction" };
	double rv[] = { 1.5, -2 };
	struct prediction rp = { 2, 1, rn, rv, NULL };
	struct proto_model reg = { .task = LATHE_TASK_REGRESSION, .width = 1 };
	proto_mlflow_write(&b, &reg, &rp, PROTO_PREDICT);
	assert_string_equal(b.s, "{\"predictions\": [1.5, -2]}");
	b.len = 0;
	rq.outputs = 1;
	proto_v2_write(&b, &reg, "r", "1", &rq, &rp);
	assert_string_equal(b.s, "{\"model_name\": \"r\", \"model_version\": \"1\", \"outputs\": "
	    "[{\"name\": \"prediction\", \"shape\": [2], \"datatype\": \"FP64\", \"data\": "
	    "[1.5, -2]}]}");
	b.len = 0;
	static const char *const pcn[] = { "pc1", "pc2" };
	double pcv[] = { 1, 2, 3, 4 };
	struct prediction pp = { 2, 2, pcn, pcv, NULL };
	struct proto_model proj = { .task = LATHE_TASK_PROJECTION, .width = 2 };
	proto_mlflow_write(&b, &proj, &pp, PROTO_PREDICT);
	assert_string_equal(b.s, "{\"predictions\": [[1, 2], [3, 4]]}");
	b.len = 0;
	proto_v2_write(&b, &proj, "p", "1", &rq, &pp);
	assert_string_equal(b.s, "{\"model_name\": \"p\", \"model_version\": \"1\", \"outputs\": "
	    "[{\"name\": \"prediction\", \"shape\": [2, 2], \"datatype\": \"FP64\", \"data\": "
	    "[1, 2, 3, 4]}]}");
	b.len = 0;
	/* metadata and errors */
	struct jw w;
	jw_init(&w, &b, 0);
	jw_obj(&w);
	proto_v2_metadata(&w, &schema, &clf);
	jw_obj_end(&w);
	assert_string_equal(b.s, "{\"inputs\": [{\"name\": \"a\", \"datatype\": \"FP64\", "
	    "\"shape\": [-1]}, {\"name\": \"b\", \"datatype\": \"FP64\", \"shape\": [-1]}, "
	    "{\"name\": \"c\", \"datatype\": \"BYTES\", \"shape\": [-1]}], \"outputs\": [{\"name\": "
	    "\"prediction\", \"datatype\": \"INT64\", \"shape\": [-1]}, {\"name\": "
	    "\"probabilities\", \"datatype\": \"FP64\", \"shape\": [-1, 3]}]}");
	b.len = 0;
	proto_mlflow_error(&b, 400, "bad \"x\"");
	assert_string_equal(b.s, "{\"error_code\": \"BAD_REQUEST\", \"message\": \"bad \\\"x\\\"\"}");
	b.len = 0;
	proto_mlflow_error(&b, 413, "too big");
	assert_string_equal(b.s, "{\"error_code\": \"REQUEST_LIMIT_EXCEEDED\", \"message\": "
	    "\"too big\"}");
	b.len = 0;
	proto_v2_error(&b, "nope");
	assert_string_equal(b.s, "{\"error\": \"nope\"}");
	sbuf_free(&b);
}

static void
test_label_datatypes(void **state)
{
	(void)state;
	struct proto_model m = clf;
	assert_string_equal(proto_label_datatype(&m), "INT64");
	m.class_int = 0;
	assert_string_equal(proto_label_datatype(&m), "FP64");
	m.class_num = NULL;
	assert_string_equal(proto_label_datatype(&m), "BYTES");
	m.task = LATHE_TASK_CLUSTERING;
	assert_string_equal(proto_label_datatype(&m), "INT64");
	m.task = LATHE_TASK_REGRESSION;
	assert_string_equal(proto_label_datatype(&m), "FP64");
}

static void
test_depth(void **state)
{
	char *err = NULL;
	(void)state;
	assert_int_equal(proto_check_depth("[[1]]", 5, 2, &err), 0);
	assert_int_equal(proto_check_depth("[[[1]]]", 7, 2, &err), -1);
	assert_string_equal(err, "JSON nested deeper than 2 levels at byte 2 (--max-depth)");
	free(err);
	err = NULL;
	/* brackets inside strings, escaped quotes, do not count */
	assert_int_equal(proto_check_depth("[\"[[[\\\"[[[\", {\"k\": 1}]", 22, 2, &err), 0);
	assert_null(err);
	/* a huge flat body is fine; a deep one is refused before parsing */
	size_t n = 1 << 20;
	char *deep = malloc(n);
	assert_non_null(deep);
	memset(deep, '[', n);
	assert_int_equal(proto_check_depth(deep, n, 32, &err), -1);
	assert_string_equal(err, "JSON nested deeper than 32 levels at byte 32 (--max-depth)");
	free(err);
	free(deep);
}

static void
test_metrics(void **state)
{
	static const char *const mn[] = { "iris", "penguins" };
	struct metrics *m = metrics_new(2, mn);
	struct sbuf b;
	double t[PHASE_N] = { 1e-5, 2e-4, 3e-3, 4e-2, 0.5 };
	(void)state;
	assert_non_null(m);
	metrics_http(m, 200);
	metrics_http(m, 200);
	metrics_http(m, 418);
	metrics_predict(m, 1, 200, 100, t);
	metrics_predict(m, 1, 400, 0, NULL);
	metrics_predict(m, 7, 200, 1, t);	/* no such model: ignored */
	metrics_timeout(m);
	sbuf_init(&b);
	metrics_render(m, &b);
	assert_non_null(strstr(b.s, "lathe_http_requests_total{code=\"200\"} 2\n"));
	assert_non_null(strstr(b.s, "lathe_http_requests_total{code=\"other\"} 1\n"));
	assert_non_null(strstr(b.s, "lathe_http_timeouts_total 1\n"));
	assert_non_null(strstr(b.s, "lathe_predict_requests_total{model=\"penguins\"} 2\n"));
	assert_non_null(strstr(b.s, "lathe_predict_requests_total{model=\"iris\"} 0\n"));
	assert_non_null(strstr(b.s, "lathe_predict_errors_total{model=\"penguins\",code=\"400\"} "
	    "1\n"));
	assert_non_null(strstr(b.s, "lathe_predict_rows_total{model=\"penguins\"} 100\n"));
	assert_non_null(strstr(b.s, "lathe_request_duration_seconds_bucket{model=\"penguins\","
	    "le=\"0.25\"} 0\n"));
	assert_non_null(strstr(b.s, "lathe_request_duration_seconds_bucket{model=\"penguins\","
	    "le=\"0.5\"} 1\n"));
	assert_non_null(strstr(b.s, "lathe_request_duration_seconds_count{model=\"penguins\"} 1\n"));
	assert_non_null(strstr(b.s, "lathe_phase_duration_seconds_bucket{model=\"penguins\","
	    "phase=\"predict\",le=\"0.0025\"} 0\n"));
	assert_non_null(strstr(b.s, "lathe_phase_duration_seconds_bucket{model=\"penguins\","
	    "phase=\"predict\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(b.s, "lathe_phase_duration_seconds_sum{model=\"penguins\","
	    "phase=\"serialize\"} 0.04\n"));
	assert_non_null(strstr(b.s, "lathe_phase_duration_seconds_bucket{model=\"iris\","
	    "phase=\"parse\",le=\"+Inf\"} 0\n"));
	sbuf_free(&b);
	metrics_free(m);
	metrics_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mlflow_cases),
		cmocka_unit_test(test_fast_path),
		cmocka_unit_test(test_v2_cases),
		cmocka_unit_test(test_v2_datatypes),
		cmocka_unit_test(test_error_utf8),
		cmocka_unit_test(test_optional_columns),
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_label_datatypes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
