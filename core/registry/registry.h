/*
 * core/registry/ — the subsystem's main header.  Owns what is published:
 * named models, versions, aliases and their history (registry) and self-
 * contained exported models (bundle).  May use: core/base, core/store,
 * core/ingest, core/features, core/train.  The map of who may use whom is
 * in docs/architecture.md.
 *
 * registry.h — the model registry: named models, their numbered versions
 * (each one a finished run), aliases that point at a version, and the
 * history of every alias move.
 *
 * References:
 *     NAME            the newest version of model NAME
 *     NAME@3, NAME@v3 version 3
 *     NAME@ALIAS      the version ALIAS points at ("production")
 * A run reference ("17", "r17") is never a model reference: model names
 * start with a letter and may not look like a run id, so commands that
 * take RUN_OR_MODEL tell them apart by syntax alone.
 *
 * Invariants (enforced here and by the schema, see schema.c):
 *   - versions are 1, 2, ... per model, in registration order, immutable;
 *   - a run is registered at most once per model;
 *   - only a finished run whose model loads can be registered, and its
 *     input schema, output schema and input example are recorded then;
 *   - an alias move and its history row are written in one transaction;
 *     moving an alias to the version it already names writes nothing.
 * "latest" is reserved: NAME@latest means NAME.
 */
#ifndef LATHE_REGISTRY_H
#define LATHE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include "store/project.h"

#define MODEL_NAME_MAX	64

/* 1 if ref is a run reference ("17", "r17"). */
int	registry_is_run_ref(const char *ref);
/* Letters, digits, '_', '-', '.', starting with a letter, at most 64
 * bytes, not shaped like a run reference. */
int	model_name_valid(const char *name);
/* Letters, digits, '_', '-', starting with a letter, at most 64 bytes,
 * not "latest". */
int	alias_name_valid(const char *alias);

/* A parsed reference: version > 0, or alias != NULL, or neither (newest). */
struct model_ref {
	char	*name;
	int	 version;
	char	*alias;
};
/* Parse NAME[@VERSION|@ALIAS].  0, or -1 with *err naming the fault.
 * Clear with model_ref_clear (also after a failure). */
int	model_ref_parse(const char *ref, struct model_ref *r, char **err);
void	model_ref_clear(struct model_ref *r);

/* One registered version, as stored. */
struct model_version {
	int64_t	 model_id;
	char	*name;
	int	 version;
	int64_t	 run_id;
	char	*input_schema;	/* JSON [{"name", "kind"}] */
	char	*output_schema;	/* JSON [{"name", "kind"}] */
	char	*input_example;	/* JSON {"columns": [...], "data": [[...]]} */
	char	*created;
};
void	model_version_clear(struct model_version *mv);	/* accepts zeroed */

/* Find the version a reference names.  On success fills *mv (clear it).
 * Errors name the model, version or alias that does not exist. */
int	registry_resolve(struct project *p, const char *ref, struct model_version *mv,
	    char **err);

/* RUN_OR_MODEL to a run reference: a run reference is copied, a model
 * reference becomes its version's run id.  buf receives the result. */
int	registry_run_ref(struct project *p, const char *ref, char buf[32], char **err);

/* Register finished run `run_ref` as the next version of model `name`
 * (created if new).  On success fills *out (clear it). */
int	registry_register(struct project *p, const char *run_ref, const char *name,
	    struct model_version *out, char **err);

/* Point `alias` of model `name` at `version`, recording the move.
 * *old_version receives the version it named before (0: new alias); equal
 * to version when nothing changed. */
int	registry_alias(struct project *p, const char *name, int version, const char *alias,
	    int *old_version, char **err);

/* Visiting registered versions, ordered by model name and version.
 * `aliases` is a comma-separated list of the aliases naming the version
 * ("" if none); algo, task, dataset and status come from the run. */
struct model_row {
	const char	*name;
	int		 version;
	int		 latest;
	int64_t		 run_id;
	const char	*algo, *task, *dataset, *status;
	const char	*aliases;
	const char	*created;
	const char	*input_schema, *output_schema, *input_example;
};
typedef int (*registry_visit_fn)(void *ctx, const struct model_row *r);
/* name NULL: every model.  An unknown name is an error. */
int	registry_list(struct project *p, const char *name, registry_visit_fn fn, void *ctx,
	    char **err);

/* Visiting alias moves of model `name`, oldest first (old 0: new alias). */
struct alias_move {
	const char	*alias;
	int		 old_version, new_version;
	const char	*time;
};
typedef int (*registry_history_fn)(void *ctx, const struct alias_move *m);
int	registry_history(struct project *p, const char *name, registry_history_fn fn, void *ctx,
	    char **err);

/*
 * Open a project for reading only (serving): nothing in the file is ever
 * written through this handle.  A project of an older schema version is
 * first migrated through a writable handle when the caller may write it;
 * otherwise it is refused with a message saying how to upgrade.
 * Caller closes with project_close().
 */
int	registry_open_readonly(const char *path, struct project **out, char **err);

#endif
