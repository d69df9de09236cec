/*
 * recipe_store.c — see recipe_store.h.
 */
#include "recipe_store.h"
#include "recipe.h"
#include "base/util.h"
#include "store/dataset.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void
recipe_ver_clear(struct recipe_ver *v)
{
	free(v->name);
	free(v->text);
	free(v->source);
	free(v->created);
	memset(v, 0, sizeof *v);
}

static void
text_hash(const char *text, char out[65])
{
	unsigned char d[32];
	unsigned int n = 0;
	memset(d, 0, sizeof d);
	EVP_Digest(text, strlen(text), d, &n, EVP_sha256(), NULL);
	hex_digest(d, out);
}

int
recipe_store_add(struct project *p, const char *name, const char *text, const char *source,
    int *version, int *created, char **err)
{
	struct recipe *r = NULL;
	sqlite3_stmt *st = NULL;
	char hash[65], ts[32];
	int rc = -1;

	*version = 0;
	*created = 0;
	if (!dataset_name_valid(name))
		return err_set(err, "bad recipe name '%s' (expected letters, digits, '_', '-' or "
		    "'.', starting with a letter or digit)", name);
	if (recipe_parse(text, source ? source : name, &r, err) != 0)
		return -1;
	recipe_free(r);
	text_hash(text, hash);
	time_now_iso(ts);
	if (project_begin(p, err) != 0)
		return -1;
	if (db_prepare(p, "INSERT INTO recipes(name, created) VALUES (?1, ?2) ON CONFLICT(name) "
	    "DO UPDATE SET name = name RETURNING id", &st, err) != 0)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	int64_t rid = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(p, "SELECT version FROM recipe_versions WHERE recipe_id = ?1 AND hash = ?2",
	    &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		project_rollback(p);
		return 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(p, "INSERT INTO recipe_versions(recipe_id, version, hash, text, source, "
	    "created) VALUES (?1, (SELECT coalesce(max(version), 0) + 1 FROM recipe_versions "
	    "WHERE recipe_id = ?1), ?2, ?3, ?4, ?5) RETURNING version", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (project_commit(p, err) != 0)
		goto out;
	*created = 1;
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc != 0)
		project_rollback(p);
	return rc;
}

#define RV_COLS "r.name, v.version, v.hash, v.text, v.source, v.created, " \
	"NOT EXISTS (SELECT 1 FROM recipe_versions w WHERE w.recipe_id = v.recipe_id AND " \
	"w.version > v.version)"

static int
read_row(sqlite3_stmt *st, struct recipe_ver *v)
{
	const unsigned char *s;
	memset(v, 0, sizeof *v);
	v->name = str_dup((const char *)sqlite3_column_text(st, 0));
	v->version = sqlite3_column_int(st, 1);
	s = sqlite3_column_text(st, 2);
	snprintf(v->hash, sizeof v->hash, "%s", s ? (const char *)s : "");
	v->text = str_dup((const char *)sqlite3_column_text(st, 3));
	s = sqlite3_column_text(st, 4);
	v->source = s ? str_dup((const char *)s) : NULL;
	v->created = str_dup((const char *)sqlite3_column_text(st, 5));
	v->latest = sqlite3_column_int(st, 6);
	if (v->name == NULL || v->text == NULL || v->created == NULL) {
		recipe_ver_clear(v);
		return -1;
	}
	return 0;
}

int
recipe_store_get(struct project *p, const char *ref, struct recipe_ver *v, char **err)
{
	sqlite3_stmt *st = NULL;
	char *name = NULL;
	int ver, rc = -1;

	memset(v, 0, sizeof *v);
	if (dataset_ref_parse(ref, &name, &ver, err) != 0) {
		free(*err);
		*err = NULL;
		return err_set(err, "bad recipe reference '%s' (expected NAME or NAME@VERSION)", ref);
	}
	if (db_prepare(p, "SELECT " RV_COLS " FROM recipe_versions v JOIN recipes r ON "
	    "r.id = v.recipe_id WHERE r.name = ?1 AND (?2 = 0 OR v.version = ?2) "
	    "ORDER BY v.version DESC LIMIT 1", &st, err) != 0)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, ver);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (read_row(st, v) != 0)
			err_set(err, "out of memory");
		else
			rc = 0;
	} else if (s == SQLITE_DONE) {
		if (ver)
			err_set(err, "no version %d of recipe '%s' (see 'lathe recipe list')", ver, name);
		else
			err_set(err, "no recipe named '%s' (see 'lathe recipe list')", name);
	} else {
		db_fail(p, err);
	}
out:
	sqlite3_finalize(st);
	free(name);
	return rc;
}

int
recipe_store_list(struct project *p, recipe_visit_fn fn, void *ctx, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, s;
	if (db_prepare(p, "SELECT " RV_COLS " FROM recipe_versions v JOIN recipes r ON "
	    "r.id = v.recipe_id ORDER BY r.name, v.version", &st, err) != 0)
		return -1;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct recipe_ver v;
		if (read_row(st, &v) != 0) {
			rc = err_set(err, "out of memory");
			break;
		}
		rc = fn(ctx, &v);
		recipe_ver_clear(&v);
		if (rc)
			break;
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = db_fail(p, err);
	sqlite3_finalize(st);
	return rc;
}
