/*
 * run_admin.h — run housekeeping: tags, notes, archiving and deletion
 * (`lathe runs tag|note|archive|unarchive|delete`, the workbench's run
 * screen).
 *
 * Tags are KEY=VALUE pairs, at most one value per key and run, stored in
 * run_tags (schema 10).  A key is letters, digits and '_', starting with a
 * letter or '_' (so that `--where` reads it as one name), at most 64
 * bytes; a value is at most 1024 bytes of UTF-8 without control
 * characters.  A note is free text (runs.note, NULL when none).  An
 * archived run (runs.archived = 1) is kept whole but hidden from listings
 * unless they are asked for archived runs.
 *
 * Every change below is one transaction: a command naming several runs
 * (or several tags) changes all of them or, when one is refused, none.
 * Deleting removes the run row and, by ON DELETE CASCADE, its parameters,
 * metrics, curves, artifacts (model bytes, fitted recipe, predictions)
 * and tags.  Refused: a run that is queued or running (its process would
 * write into a missing row), a run registered as a model version (the
 * registry and servers load it), and a run that another run re-ran,
 * unless that re-run is deleted with it.
 */
#ifndef LATHE_RUN_ADMIN_H
#define LATHE_RUN_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include "store/project.h"

#define RUN_TAG_KEY_MAX		64
#define RUN_TAG_VALUE_MAX	1024

/* Split "KEY=VALUE" (or "KEY=", a removal: *value NULL) into malloc'd
 * *key and *value (caller frees both).  0, or -1 with *err naming the bad
 * argument; nothing is allocated then. */
int	run_tag_parse(const char *arg, char **key, char **value, char **err);

/* Resolve ref ("17", "r17") to the id of a run that exists: 0, or -1 with
 * *err ("no run 17 (see 'lathe runs')"). */
int	run_admin_find(struct project *p, const char *ref, int64_t *id, char **err);

/* Apply args[0..n) ("KEY=VALUE" sets, "KEY=" removes) to run ref in one
 * transaction.  Every argument is checked before anything is written;
 * removing a key the run does not have is an error. */
int	run_tags_edit(struct project *p, const char *ref, const char *const *args, size_t n,
	    char **err);

/* Visit run id's tags in key order; fn returns nonzero to stop. */
typedef int (*run_tag_fn)(void *ctx, const char *key, const char *value);
int	run_tags_visit(struct project *p, int64_t id, run_tag_fn fn, void *ctx, char **err);

/* Set run ref's note to text (NULL or "" clears it). */
int	run_note_set(struct project *p, const char *ref, const char *text, char **err);

/* Run id's note (*note malloc'd, NULL when none; caller frees) and
 * archived flag (may be NULL). */
int	run_note_get(struct project *p, int64_t id, char **note, int *archived, char **err);

/* Set or clear the archived flag of refs[0..n) in one transaction.
 * *changed (may be NULL) receives how many runs changed state. */
int	run_archive_set(struct project *p, const char *const *refs, size_t n, int archived,
	    size_t *changed, char **err);

/*
 * Delete refs[0..n) in one transaction, with everything they recorded.
 * *freed (may be NULL) receives the bytes of artifacts deleted (model
 * payloads, fitted recipes, predictions...).  Refusals, nothing deleted:
 *   run 3 is registered as model 'prod' version 2; a registered run cannot be deleted
 *   run 3 is running; cancel it first
 *   run 3 was re-run as run 7; delete run 7 too (or first)
 * The freed pages are reused by later writes; the file itself shrinks
 * only when vacuumed (vacuum nonzero: VACUUM after the commit).  A VACUUM
 * that fails leaves the deletion done and returns -1 with
 *   deleted, but the project could not be vacuumed: <why>
 */
int	run_delete(struct project *p, const char *const *refs, size_t n, int vacuum,
	    long long *freed, char **err);

#endif
