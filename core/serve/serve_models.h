/*
 * serve_models.h — the models a serving process holds, and how they are
 * swapped while requests run.
 *
 * A slot is one served model, named by the registered model's name (the
 * name clients use: /v2/models/NAME, /invocations?model=NAME).  It is fed
 * either by a reference into the project (NAME, NAME@ALIAS, NAME@VERSION)
 * or by a bundle file.  A slot holds the currently loaded version as a
 * `struct served`: the predictor plus everything the protocols need
 * (schema, class labels, V2 metadata body), built once at load time, so a
 * request does no model work beyond predictor_run.
 *
 * Hot reload: models_poll() (called by the server's main thread a few
 * times a second) checks `PRAGMA data_version` on its read-only
 * connection; only when another connection has committed does it
 * re-resolve each slot's reference, and only when that names another
 * version does it load it — in the main thread, while workers keep
 * serving the old one.  The new version is published under the slot's
 * mutex; the old one is freed when its last request releases it
 * (reference counts), so no request is dropped or sees a half-swapped
 * model.  A version that fails to load is logged and counted, the slot
 * keeps serving what it had, and the same version is not retried until
 * the reference moves again.
 *
 * Threads: models_acquire/served_release from any thread; everything
 * else from the main thread only.  The project is opened read-only; the
 * only writes are the server's own records (tables servers and
 * server_events) through a second connection, and a failure to write
 * them only disables them.
 */
#ifndef LATHE_SERVE_MODELS_H
#define LATHE_SERVE_MODELS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "serve_proto.h"
#include "base/util.h"
#include "train/predict.h"

/* One loaded model version: immutable once published. */
struct served {
	_Atomic int		 refs;
	const char		*name;		/* the slot's name (borrowed) */
	int			 version;
	char			 version_str[24];
	int64_t			 run_id;
	struct predictor	*pr;
	struct proto_schema	 schema;
	struct proto_model	 pm;
	char			*metadata;	/* GET /v2/models/NAME body */
	size_t			 metadata_len;
	/* owned arrays behind schema and pm */
	const char		**names;
	enum fkind		*kinds;
	double			*class_num;
	char			**class_json;	/* labels as JSON text (one block) */
};

struct model_set;

/* A set reading models from project path (NULL: bundles only), opened
 * read-only.  quiet: no info lines on stderr (warnings still).
 * Caller frees with models_free. */
int	models_open(const char *project, int quiet, struct model_set **out, char **err);
void	models_free(struct model_set *ms);
/* This server's row in the project's servers table, or 0 (bundles, or
 * not recorded). */
int64_t	models_server_id(const struct model_set *ms);
/* The project path, or NULL when serving bundles only. */
const char *models_project(const struct model_set *ms);

/* Add a slot fed by a project reference / a bundle file, loading it now.
 * Refused: an unknown reference, a model that does not load, a name
 * already served, more than MODELS_MAX slots.  Only before serving starts. */
#define MODELS_MAX 64
int	models_add_ref(struct model_set *ms, const char *ref, char **err);
int	models_add_bundle(struct model_set *ms, const char *path, char **err);
/* No --model given: the project's only model, if it has exactly one. */
int	models_add_default(struct model_set *ms, char **err);

size_t	models_count(const struct model_set *ms);
const char *models_name(const struct model_set *ms, size_t i);
/* Slot of a served name, or -1. */
int	models_find(const struct model_set *ms, const char *name);
/* "iris, penguins" for messages (static buffer of the set). */
const char *models_names(const struct model_set *ms);

/* The slot's current version, with a reference the caller must release. */
struct served *models_acquire(struct model_set *ms, size_t slot);
void	served_release(struct served *s);	/* accepts NULL */

/* Record the running server (address such as "http://127.0.0.1:8080")
 * in the project, and its end.  Failures are warnings. */
void	models_record_start(struct model_set *ms, const char *host, const char *address);
void	models_record_stop(struct model_set *ms);

/* Pick up alias moves and new versions (see above).  Cheap when nothing
 * changed: one PRAGMA. */
void	models_poll(struct model_set *ms);

/* Log a line (stderr, with a timestamp) and record it as a server event.
 * level: "info", "warning" or "error". */
void	models_log(struct model_set *ms, const char *level, const char *model, int version,
	    int64_t run, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prometheus text of the model gauges: version loaded, reloads, failures. */
void	models_render_metrics(struct model_set *ms, struct sbuf *b);

#endif
