/*
 * serve_proto.h — the two scoring protocols the server speaks, as pure
 * functions from request bodies to frames and from predictions to
 * response bodies.  No HTTP here, so every body format and every error
 * message is unit-tested (tests/unit/test_serve.c).
 *
 * MLflow scoring (POST /invocations):
 *   application/json with exactly one of
 *     {"dataframe_split": {"columns": [...], "data": [[...], ...]}}
 *     {"dataframe_records": [{"col": v, ...}, ...]}
 *     {"instances": [{"col": v}, ...] | [[v, ...], ...] | [v, ...]}
 *     {"inputs": {"col": [v, ...], ...} | [[v, ...], ...] | [{"col": v}, ...]}
 *   and optionally "params": {"predict_method": "predict" | "predict_proba"};
 *   or text/csv, application/csv: a header line, then rows.
 *   Answer: {"predictions": [...]}: labels (or values) per row, or for
 *   predict_proba one list of class probabilities per row.
 *
 * Open Inference Protocol / KServe V2 (POST /v2/models/M/infer):
 *   {"id"?, "parameters"?, "inputs": [{"name", "shape", "datatype", "data"}],
 *    "outputs"?: [{"name"}]}
 *   with one tensor per raw column (shape [n] or [n, 1]), or one 2-D tensor
 *   [n, ninputs] holding the columns in schema order.  Answer:
 *   {"model_name", "model_version", "id"?, "outputs": [{"name", "shape",
 *    "datatype", "data"}]}: "prediction", and "probabilities" ([n, k]) for
 *   classifiers.
 *
 * Values: JSON null is a missing value (the recipe imputes it or the
 * request fails naming the row); numbers given for a categorical column
 * are matched by their text, as `lathe predict` does.  Every request
 * column must be one of the model's inputs and every input must be given.
 *
 * Errors: a parse returns -1 with *status (400, 413, 415) and a one-line
 * message naming the exact place: "bad JSON at byte 17: ...",
 * "dataframe_split.data[2][1] (column 'x'): expected a number, got string
 * \"abc\"", "unknown column 'foo' (the model's inputs are: ...)".
 */
#ifndef LATHE_SERVE_PROTO_H
#define LATHE_SERVE_PROTO_H

#include <stddef.h>
#include "base/jsonw.h"
#include "base/util.h"
#include "features/frame.h"
#include "train/predict.h"

/* The model's raw inputs, in order (borrowed). */
struct proto_schema {
	size_t			 n;
	const char *const	*names;
	const enum fkind	*kinds;
	/* The last noptional of the n columns may be left out: raw columns
	 * the model's recipe was fitted on but does not need (it drops
	 * them).  A request may send them (and they are ignored) without
	 * being refused as unknown.  Shapes without names (rows as arrays,
	 * a 2-D tensor) and the V2 metadata carry only the n - noptional
	 * others. */
	size_t			 noptional;
};

struct proto_limits {
	size_t	max_rows;	/* more rows: 413 */
	int	max_depth;	/* deeper JSON nesting: 400 */
};

/* What the response writers need to know about the model. */
struct proto_model {
	unsigned		 task;		/* LATHE_TASK_* */
	size_t			 nclasses;
	const double		*class_num;	/* numeric labels, or NULL: labels are text */
	int			 class_int;	/* numeric labels are all integers */
	const char *const	*class_json;	/* each label as JSON text, or NULL */
	size_t			 width;		/* projection: components */
};

enum { PROTO_PREDICT = 0, PROTO_PREDICT_PROBA = 1 };

/*
 * Parse an /invocations body.  content_type is the request's header (NULL
 * if absent); method_param is the predict_method query parameter or NULL.
 * On success *out is a frame with the schema's columns (caller frees) and
 * *method the prediction asked for.  -1 with *status and *err otherwise.
 */
int	proto_mlflow_parse(const struct proto_schema *s, const struct proto_limits *lim,
	    const char *content_type, const char *method_param, const char *body, size_t len,
	    struct frame **out, int *method, int *status, char **err);

/* A parsed V2 inference request. */
struct v2_request {
	struct frame	*frame;
	char		*id;		/* echoed back; NULL if none */
	unsigned	 outputs;	/* bit i: output i was asked for */
};
void	v2_request_clear(struct v2_request *r);

/* Names of the V2 output tensors of a model: "prediction" and, for
 * classifiers, "probabilities".  Returns their number. */
size_t	proto_v2_outputs(const struct proto_model *m, const char *names[2]);

/* Parse a V2 infer body.  Same contract as proto_mlflow_parse. */
int	proto_v2_parse(const struct proto_schema *s, const struct proto_limits *lim,
	    const struct proto_model *m, const char *body, size_t len, struct v2_request *out,
	    int *status, char **err);

/* Response bodies (appended to b; b->oom reports allocation failure). */
void	proto_mlflow_write(struct sbuf *b, const struct proto_model *m,
	    const struct prediction *pd, int method);
void	proto_v2_write(struct sbuf *b, const struct proto_model *m, const char *model_name,
	    const char *version, const struct v2_request *rq, const struct prediction *pd);
/* V2 tensor metadata of a model's inputs and outputs: writes the members
 * "inputs": [...] and "outputs": [...] into the object w has open (for
 * GET /v2/models/M). */
void	proto_v2_metadata(struct jw *w, const struct proto_schema *s,
	    const struct proto_model *m);
/* V2 datatype of the label tensor: "INT64", "FP64" or "BYTES". */
const char *proto_label_datatype(const struct proto_model *m);

/* Error bodies in each protocol's shape. */
void	proto_mlflow_error(struct sbuf *b, int status, const char *msg);
void	proto_v2_error(struct sbuf *b, const char *msg);

/* The JSON fast path of proto_mlflow_parse alone (see serve_proto.c):
 * 1 with *out and *method set, 0 when the body is not one it takes, -1
 * out of memory.  proto_set_fast(0) turns it off in proto_mlflow_parse.
 * Both exist for the tests that prove the two paths agree. */
int	proto_mlflow_fast(const struct proto_schema *s, const struct proto_limits *lim,
	    const char *body, size_t len, struct frame **out, int *method);
void	proto_set_fast(int on);

/* The nesting depth check run before any JSON parse: 0 if body nests at
 * most max_depth levels, else -1 with *err naming the byte. */
int	proto_check_depth(const char *body, size_t len, int max_depth, char **err);

#endif
