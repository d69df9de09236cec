/*
 * bundle.c — exporting and reading model bundles; see bundle.h.
 */
#include "bundle.h"
#include "registry.h"
#include "base/util.h"
#include "train/run.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
sha256_hex(const void *data, size_t len, char out[65], char **err)
{
	unsigned char d[32];
	unsigned int dl = 0;
	if (EVP_Digest(data, len, d, &dl, EVP_sha256(), NULL) != 1 || dl != 32)
		return err_set(err, "cannot compute SHA-256");
	hex_digest(d, out);
	return 0;
}

void
bundle_clear(struct bundle *b)
{
	free(b->name);
	free(b->task);
	free(b->algo);
	free(b->plugin_version);
	free(b->plugin_sha256);
	free(b->classes);
	free(b->input_schema);
	free(b->output_schema);
	free(b->input_example);
	free(b->dataset);
	free(b->dataset_hash);
	free(b->created);
	free(b->lathe_version);
	free(b->model);
	free(b->model_sha256);
	free(b->recipe);
	memset(b, 0, sizeof *b);
}

static int
put(sqlite3 *db, sqlite3_stmt *st, const char *key, const char *text, const void *blob,
    size_t blen, int64_t num, char **err)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (blob)
		sqlite3_bind_blob64(st, 2, blob, blen, SQLITE_STATIC);
	else if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, num);
	if (sqlite3_step(st) != SQLITE_DONE)
		return err_set(err, "cannot write bundle: %s", sqlite3_errmsg(db));
	return 0;
}

/* Write b to path (through path.tmp and a rename). */
static int
bundle_write(const char *path, const struct bundle *b, char **err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *tmp = NULL, sql[128];
	int rc = -1;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		return err_set(err, "out of memory");
	}
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		err_set(err, "%s: cannot create: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	    BUNDLE_APPID, BUNDLE_FORMAT);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN; CREATE TABLE bundle(key TEXT PRIMARY KEY, value)", NULL,
	    NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO bundle(key, value) VALUES (?1, ?2)", -1, &st,
	    NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot write bundle: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (put(db, st, "format", NULL, NULL, 0, b->format, err) ||
	    put(db, st, "lathe_version", b->lathe_version, NULL, 0, 0, err) ||
	    put(db, st, "created", b->created, NULL, 0, 0, err) ||
	    put(db, st, "name", b->name, NULL, 0, 0, err) ||
	    put(db, st, "version", NULL, NULL, 0, b->version, err) ||
	    put(db, st, "run", NULL, NULL, 0, b->run_id, err) ||
	    put(db, st, "task", b->task, NULL, 0, 0, err) ||
	    put(db, st, "algo", b->algo, NULL, 0, 0, err) ||
	    put(db, st, "plugin_version", b->plugin_version, NULL, 0, 0, err) ||
	    put(db, st, "plugin_sha256", b->plugin_sha256, NULL, 0, 0, err) ||
	    (b->classes && put(db, st, "classes", b->classes, NULL, 0, 0, err)) ||
	    put(db, st, "input_schema", b->input_schema, NULL, 0, 0, err) ||
	    put(db, st, "output_schema", b->output_schema, NULL, 0, 0, err) ||
	    put(db, st, "input_example", b->input_example, NULL, 0, 0, err) ||
	    put(db, st, "dataset", b->dataset, NULL, 0, 0, err) ||
	    put(db, st, "dataset_hash", b->dataset_hash, NULL, 0, 0, err) ||
	    put(db, st, "recipe", b->recipe, NULL, 0, 0, err) ||
	    put(db, st, "model", NULL, b->model_len ? b->model : "", b->model_len, 0, err) ||
	    put(db, st, "model_sha256", b->model_sha256, NULL, 0, 0, err))
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot write bundle: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_close(db) != SQLITE_OK) {
		err_set(err, "%s: cannot write bundle: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	db = NULL;
	if (rename(tmp, path) != 0) {
		err_set(err, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (db)
		sqlite3_close(db);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
bundle_export(struct project *p, const char *ref, const char *path, struct bundle *out,
    char **err)
{
	struct model_version mv = { 0 };
	struct run_info ri;
	struct bundle b = { 0 };
	char runref[32], hex[65], ts[32];
	void *recipe = NULL;
	size_t rlen;
	int rc = -1, have_ri = 0;

	memset(out, 0, sizeof *out);
	if (registry_resolve(p, ref, &mv, err) != 0)
		return -1;
	snprintf(runref, sizeof runref, "%lld", (long long)mv.run_id);
	if (run_load(p, runref, &ri, err) != 0)
		goto out;
	have_ri = 1;
	if (run_artifact(p, ri.id, "model", &b.model, &b.model_len, err) != 0 ||
	    run_artifact(p, ri.id, "recipe", &recipe, &rlen, err) != 0 ||
	    sha256_hex(b.model, b.model_len, hex, err) != 0)
		goto out;
	b.format = BUNDLE_FORMAT;
	b.version = mv.version;
	b.run_id = ri.id;
	b.recipe = recipe;
	b.recipe_len = rlen;
	recipe = NULL;
	b.name = str_dup(mv.name);
	b.task = str_dup(ri.task);
	b.algo = str_dup(ri.algo);
	b.plugin_version = str_dup(ri.plugin_version);
	b.plugin_sha256 = str_dup(ri.plugin_hash);
	b.classes = ri.classes ? str_dup(ri.classes) : NULL;
	b.input_schema = str_dup(mv.input_schema);
	b.output_schema = str_dup(mv.output_schema);
	b.input_example = str_dup(mv.input_example);
	b.dataset = str_dup(ri.dataset);
	b.dataset_hash = str_dup(ri.dataset_hash);
	b.created = str_dup(time_now_iso(ts));
	b.lathe_version = str_dup(LATHE_VERSION);
	b.model_sha256 = str_dup(hex);
	if (!b.name || !b.task || !b.algo || !b.plugin_version || !b.plugin_sha256 ||
	    (ri.classes && !b.classes) || !b.input_schema || !b.output_schema ||
	    !b.input_example || !b.dataset || !b.dataset_hash || !b.created ||
	    !b.lathe_version || !b.model_sha256) {
		err_set(err, "out of memory");
		goto out;
	}
	if (bundle_write(path, &b, err) != 0)
		goto out;
	*out = b;
	memset(&b, 0, sizeof b);
	rc = 0;
out:
	free(recipe);
	bundle_clear(&b);
	if (have_ri)
		run_info_clear(&ri);
	model_version_clear(&mv);
	return rc;
}

/* Value of key as text (dup) or blob; missing keys are an error unless
 * optional. */
static int
get(sqlite3_stmt *st, const char *path, const char *key, int optional, char **text,
    void **blob, size_t *blen, int64_t *num, char **err)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		if (optional && s == SQLITE_DONE)
			return 0;
		return err_set(err, "%s: not a complete lathe bundle (no '%s')", path, key);
	}
	if (num) {
		*num = sqlite3_column_int64(st, 0);
		return 0;
	}
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	const void *v = blob ? sqlite3_column_blob(st, 0) : (const void *)sqlite3_column_text(st, 0);
	char *d = malloc(n + 1);
	if (d == NULL)
		return err_set(err, "out of memory");
	if (n)
		memcpy(d, v, n);
	d[n] = '\0';
	if (blob) {
		*blob = d;
		*blen = n;
	} else {
		*text = d;
	}
	return 0;
}

int
bundle_read(const char *path, struct bundle *b, char **err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int64_t fmt = 0, ver = 0, run = 0;
	char hex[65];
	int rc = -1;

	memset(b, 0, sizeof *b);
	if (stat(path, &sb) != 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT * FROM pragma_application_id, pragma_user_version",
	    -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW ||
	    sqlite3_column_int(st, 0) != BUNDLE_APPID) {
		err_set(err, "%s: not a lathe bundle (make one with 'lathe export NAME -o FILE')",
		    path);
		goto out;
	}
	fmt = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (fmt > BUNDLE_FORMAT) {
		err_set(err, "%s: bundle format %lld is newer than this lathe reads (format %d); "
		    "upgrade lathe", path, (long long)fmt, BUNDLE_FORMAT);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT value FROM bundle WHERE key = ?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		err_set(err, "%s: not a lathe bundle (%s)", path, sqlite3_errmsg(db));
		goto out;
	}
	b->format = (int)fmt;
	if (get(st, path, "name", 0, &b->name, NULL, NULL, NULL, err) ||
	    get(st, path, "version", 0, NULL, NULL, NULL, &ver, err) ||
	    get(st, path, "run", 0, NULL, NULL, NULL, &run, err) ||
	    get(st, path, "task", 0, &b->task, NULL, NULL, NULL, err) ||
	    get(st, path, "algo", 0, &b->algo, NULL, NULL, NULL, err) ||
	    get(st, path, "plugin_version", 0, &b->plugin_version, NULL, NULL, NULL, err) ||
	    get(st, path, "plugin_sha256", 0, &b->plugin_sha256, NULL, NULL, NULL, err) ||
	    get(st, path, "classes", 1, &b->classes, NULL, NULL, NULL, err) ||
	    get(st, path, "input_schema", 0, &b->input_schema, NULL, NULL, NULL, err) ||
	    get(st, path, "output_schema", 0, &b->output_schema, NULL, NULL, NULL, err) ||
	    get(st, path, "input_example", 0, &b->input_example, NULL, NULL, NULL, err) ||
	    get(st, path, "dataset", 1, &b->dataset, NULL, NULL, NULL, err) ||
	    get(st, path, "dataset_hash", 1, &b->dataset_hash, NULL, NULL, NULL, err) ||
	    get(st, path, "created", 1, &b->created, NULL, NULL, NULL, err) ||
	    get(st, path, "lathe_version", 1, &b->lathe_version, NULL, NULL, NULL, err) ||
	    get(st, path, "recipe", 0, NULL, (void **)&b->recipe, &b->recipe_len, NULL, err) ||
	    get(st, path, "model", 0, NULL, &b->model, &b->model_len, NULL, err) ||
	    get(st, path, "model_sha256", 0, &b->model_sha256, NULL, NULL, NULL, err))
		goto out;
	b->version = (int)ver;
	b->run_id = run;
	if (!model_name_valid(b->name)) {
		err_set(err, "%s: bundle names an invalid model '%s'", path, b->name);
		goto out;
	}
	if (sha256_hex(b->model, b->model_len, hex, err) != 0)
		goto out;
	if (strcmp(hex, b->model_sha256) != 0) {
		err_set(err, "%s: bundle is corrupt (the model payload's SHA-256 is %.12s..., the "
		    "bundle records %.12s...)", path, hex, b->model_sha256);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (db)
		sqlite3_close(db);
	if (rc != 0)
		bundle_clear(b);
	return rc;
}
