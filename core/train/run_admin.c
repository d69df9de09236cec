/*
 * run_admin.c — run housekeeping: tags, notes, archive, delete; see
 * run_admin.h.  Each operation checks every argument first, then writes
 * in one transaction, so a refused command leaves the project as it was.
 */
#include "run_admin.h"
#include "run.h"
#include "base/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int
run_tag_parse(const char *arg, char **key, char **value, char **err)
{
	const char *eq = strchr(arg, '=');
	*key = *value = NULL;
	if (eq == NULL || eq == arg)
		return err_set(err, "bad tag '%s' (expected KEY=VALUE, or KEY= to remove it)", arg);
	size_t kn = (size_t)(eq - arg);
	int ok = kn <= RUN_TAG_KEY_MAX && (isalpha((unsigned char)arg[0]) || arg[0] == '_');
	for (size_t i = 0; ok && i < kn; i++)
		ok = isalnum((unsigned char)arg[i]) || arg[i] == '_';
	if (!ok)
		return err_set(err, "bad tag key '%.*s' (letters, digits and '_', starting with a "
		    "letter or '_', at most %d)", (int)kn, arg, RUN_TAG_KEY_MAX);
	const char *v = eq + 1;
	size_t vn = strlen(v), bad;
	if (vn > RUN_TAG_VALUE_MAX)
		return err_set(err, "tag '%.*s': value longer than %d bytes", (int)kn, arg,
		    RUN_TAG_VALUE_MAX);
	if (!utf8_valid((const unsigned char *)v, vn, &bad))
		return err_set(err, "tag '%.*s': value is not UTF-8 (byte %zu)", (int)kn, arg,
		    bad + 1);
	for (size_t i = 0; i < vn; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return err_set(err, "tag '%.*s': value holds a control character", (int)kn,
			    arg);
	if ((*key = str_ndup(arg, kn)) == NULL)
		return err_set(err, "out of memory");
	if (vn > 0 && (*value = str_dup(v)) == NULL) {
		free(*key);
		*key = NULL;
		return err_set(err, "out of memory");
	}
	return 0;
}

int
run_admin_find(struct project *p, const char *ref, int64_t *id, char **err)
{
	sqlite3_stmt *st = NULL;
	if (run_ref_parse(ref, id, err) != 0)
		return -1;
	if (db_prepare(p, "SELECT 1 FROM runs WHERE id = ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, *id);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s == SQLITE_ROW)
		return 0;
	if (s != SQLITE_DONE)
		return db_fail(p, err);
	return err_set(err, "no run %lld (see 'lathe runs')", (long long)*id);
}

/* Run one statement with an int64 and up to two texts bound (NULL binds
 * SQL NULL); *changes (may be NULL) gets the rows it changed. */
static int
exec_bound(struct project *p, const char *sql, int64_t id, const char *a, const char *b,
    int *changes, char **err)
{
	sqlite3_stmt *st = NULL;
	if (db_prepare(p, sql, &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, a, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return db_fail(p, err);
	if (changes)
		*changes = sqlite3_changes(p->db);
	return 0;
}

int
run_tags_edit(struct project *p, const char *ref, const char *const *args, size_t n,
    char **err)
{
	char **keys = NULL, **vals = NULL;
	int64_t id;
	int rc = -1;

	if (run_admin_find(p, ref, &id, err) != 0)
		return -1;
	if (n == 0)
		return err_set(err, "no tags given (expected KEY=VALUE or KEY=)");
	keys = calloc(n, sizeof *keys);
	vals = calloc(n, sizeof *vals);
	if (keys == NULL || vals == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (run_tag_parse(args[i], &keys[i], &vals[i], err) != 0)
			goto out;
	if (project_begin(p, err) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int changed = 0;
		if (vals[i] != NULL) {
			if (exec_bound(p, "INSERT INTO run_tags(run_id, key, value) VALUES (?1, ?2, ?3) "
			    "ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value", id, keys[i],
			    vals[i], NULL, err) != 0)
				goto rollback;
		} else {
			if (exec_bound(p, "DELETE FROM run_tags WHERE run_id = ?1 AND key = ?2", id,
			    keys[i], NULL, &changed, err) != 0)
				goto rollback;
			if (changed == 0) {
				err_set(err, "run %lld has no tag '%s'", (long long)id, keys[i]);
				goto rollback;
			}
		}
	}
	rc = project_commit(p, err);
	goto out;
rollback:
	project_rollback(p);
out:
	for (size_t i = 0; i < n; i++) {	/* either array may be NULL (out of memory) */
		free(keys ? keys[i] : NULL);
		free(vals ? vals[i] : NULL);
	}
	free(keys);
	free(vals);
	return rc;
}

int
run_tags_visit(struct project *p, int64_t id, run_tag_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int s;
	if (db_prepare(p, "SELECT key, value FROM run_tags WHERE run_id = ?1 ORDER BY key", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1)) != 0) {
			s = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : db_fail(p, err);
}

int
run_note_set(struct project *p, const char *ref, const char *text, char **err)
{
	int64_t id;
	size_t bad;
	if (run_admin_find(p, ref, &id, err) != 0)
		return -1;
	if (text && !utf8_valid((const unsigned char *)text, strlen(text), &bad))
		return err_set(err, "note is not UTF-8 (byte %zu)", bad + 1);
	return exec_bound(p, "UPDATE runs SET note = ?2 WHERE id = ?1", id,
	    text && *text ? text : NULL, NULL, NULL, err);
}

int
run_note_get(struct project *p, int64_t id, char **note, int *archived, char **err)
{
	sqlite3_stmt *st = NULL;
	*note = NULL;
	if (db_prepare(p, "SELECT note, archived FROM runs WHERE id = ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int s = sqlite3_step(st), rc = 0;
	if (s == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL &&
		    (*note = db_text_dup(st, 0)) == NULL)
			rc = err_set(err, "out of memory");
		if (archived)
			*archived = sqlite3_column_int(st, 1) != 0;
	} else if (s == SQLITE_DONE) {
		rc = err_set(err, "no run %lld (see 'lathe runs')", (long long)id);
	} else {
		rc = db_fail(p, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* refs -> ids, each a run that exists, duplicates dropped.  *ids malloc'd. */
static int
find_all(struct project *p, const char *const *refs, size_t n, int64_t **ids, size_t *nids,
    char **err)
{
	int64_t *v = malloc((n ? n : 1) * sizeof *v);
	size_t m = 0;
	*ids = NULL;
	*nids = 0;
	if (v == NULL)
		return err_set(err, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		if (run_admin_find(p, refs[i], &id, err) != 0) {
			free(v);
			return -1;
		}
		size_t j = 0;
		while (j < m && v[j] != id)
			j++;
		if (j == m)
			v[m++] = id;
	}
	*ids = v;
	*nids = m;
	return 0;
}

int
run_archive_set(struct project *p, const char *const *refs, size_t n, int archived,
    size_t *changed, char **err)
{
	int64_t *ids = NULL;
	size_t nids = 0, total = 0;
	int rc = -1;

	if (changed)
		*changed = 0;
	if (find_all(p, refs, n, &ids, &nids, err) != 0)
		return -1;
	if (project_begin(p, err) != 0)
		goto out;
	for (size_t i = 0; i < nids; i++) {
		int c = 0;
		if (exec_bound(p, archived ? "UPDATE runs SET archived = 1 WHERE id = ?1 AND "
		    "archived = 0" : "UPDATE runs SET archived = 0 WHERE id = ?1 AND archived != 0",
		    ids[i], NULL, NULL, &c, err) != 0) {
			project_rollback(p);
			goto out;
		}
		total += (size_t)c;
	}
	if ((rc = project_commit(p, err)) == 0 && changed)
		*changed = total;
out:
	free(ids);
	return rc;
}

static int
in_set(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Why run id may not be deleted (with the others of ids), or 0. */
static int
check_deletable(struct project *p, int64_t id, const int64_t *ids, size_t n, char **err)
{
	sqlite3_stmt *st = NULL;
	int s, rc = 0;

	if (db_prepare(p, "SELECT status FROM runs WHERE id = ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 0);
		if (status && (strcmp(status, "queued") == 0 || strcmp(status, "running") == 0))
			rc = err_set(err, "run %lld is %s; cancel it first", (long long)id, status);
	} else if (s != SQLITE_DONE) {
		rc = db_fail(p, err);
	}
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	if (db_prepare(p, "SELECT m.name, v.version FROM model_versions v JOIN models m ON "
	    "m.id = v.model_id WHERE v.run_id = ?1 ORDER BY m.name, v.version LIMIT 1", &st,
	    err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((s = sqlite3_step(st)) == SQLITE_ROW)
		rc = err_set(err, "run %lld is registered as model '%s' version %d; a registered "
		    "run cannot be deleted", (long long)id, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int(st, 1));
	else if (s != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	if (db_prepare(p, "SELECT id FROM runs WHERE parent_run = ?1 ORDER BY id", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t child = sqlite3_column_int64(st, 0);
		if (!in_set(ids, n, child)) {
			rc = err_set(err, "run %lld was re-run as run %lld; delete run %lld too (or "
			    "first)", (long long)id, (long long)child, (long long)child);
			break;
		}
	}
	if (rc == 0 && s != SQLITE_DONE && s != SQLITE_ROW)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}

static int
cmp_desc(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x < y) - (x > y);
}

int
run_delete(struct project *p, const char *const *refs, size_t n, int vacuum,
    long long *freed, char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL;
	size_t nids = 0;
	long long bytes = 0;
	int rc = -1;

	if (freed)
		*freed = 0;
	if (find_all(p, refs, n, &ids, &nids, err) != 0)
		return -1;
	/* a re-run has a larger id than the run it re-ran: newest first keeps
	 * every parent_run reference valid while the rows go */
	qsort(ids, nids, sizeof *ids, cmp_desc);
	if (project_begin(p, err) != 0)
		goto out;
	/* checked inside the transaction, so no run can be registered or
	 * started in between */
	for (size_t i = 0; i < nids; i++)
		if (check_deletable(p, ids[i], ids, nids, err) != 0)
			goto rollback;
	if (db_prepare(p, "SELECT coalesce(sum(length(data)), 0) FROM run_artifacts WHERE "
	    "run_id = ?1", &st, err) != 0)
		goto rollback;
	for (size_t i = 0; i < nids; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, ids[i]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			db_fail(p, err);
			goto rollback;
		}
		bytes += sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < nids; i++)
		if (exec_bound(p, "DELETE FROM runs WHERE id = ?1", ids[i], NULL, NULL, NULL,
		    err) != 0)
			goto rollback;
	if (project_commit(p, err) != 0)
		goto out;
	if (freed)
		*freed = bytes;
	rc = 0;
	if (vacuum) {
		char *why = NULL;
		if (db_exec(p, "VACUUM", &why) != 0) {
			/* the deletion stands: say so, not only why VACUUM failed */
			rc = err_set(err, "deleted, but the project could not be vacuumed: %s",
			    why ? why : "out of memory");
			free(why);
		}
	}
	goto out;
rollback:
	sqlite3_finalize(st);
	st = NULL;
	project_rollback(p);
out:
	free(ids);
	return rc;
}
