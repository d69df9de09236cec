/*
 * project.c — opening, validating, creating and migrating the project file.
 * See project.h for the invariants.
 *
 * Validation reads the database header (application_id, user_version)
 * before issuing any statement that could write: setting the journal mode
 * or running a migration on a file that turns out not to be ours would
 * modify someone else's data.
 */
#include "project.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
project_schema_version(void)
{
	return schema_nmigrations;
}

char *
db_text_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? str_dup((const char *)s) : NULL;
}

int
db_fail(struct project *p, char **err)
{
	int rc = sqlite3_extended_errcode(p->db);
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return err_set(err, "%s: project is locked by another lathe process", p->path);
	if ((rc & 0xff) == SQLITE_FULL)
		return err_set(err, "%s: disk full", p->path);
	if ((rc & 0xff) == SQLITE_READONLY)
		return err_set(err, "%s: project file is read-only", p->path);
	return err_set(err, "%s: sqlite: %s", p->path, sqlite3_errmsg(p->db));
}

int
db_exec(struct project *p, const char *sql, char **err)
{
	if (sqlite3_exec(p->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(p, err);
	return 0;
}

int
db_prepare(struct project *p, const char *sql, sqlite3_stmt **st, char **err)
{
	if (sqlite3_prepare_v2(p->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return db_fail(p, err);
	}
	return 0;
}

/* Read one integer PRAGMA.  Returns 0 and sets *v, or -1 with *err. */
static int
pragma_int(struct project *p, const char *sql, int *v, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(p->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	rc = sqlite3_errcode(p->db);
	sqlite3_finalize(st);
	if (rc == SQLITE_NOTADB)
		return err_set(err, "%s: not a lathe project (not an SQLite database)", p->path);
	return db_fail(p, err);
}

static struct project *
project_alloc(const char *path)
{
	struct project *p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->path = str_dup(path);
	if (p->path == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
project_close(struct project *p)
{
	if (p == NULL)
		return;
	if (p->in_tx)
		project_rollback(p);
	if (p->db)
		sqlite3_close_v2(p->db);
	free(p->path);
	free(p);
}

int
project_begin(struct project *p, char **err)
{
	if (db_exec(p, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	p->in_tx = 1;
	return 0;
}

int
project_commit(struct project *p, char **err)
{
	if (db_exec(p, "COMMIT", err) != 0) {
		project_rollback(p);
		return -1;
	}
	p->in_tx = 0;
	return 0;
}

void
project_rollback(struct project *p)
{
	if (sqlite3_get_autocommit(p->db) == 0)
		sqlite3_exec(p->db, "ROLLBACK", NULL, NULL, NULL);
	p->in_tx = 0;
}

/* Run migrations from `from` up to the current version in one transaction. */
static int
migrate(struct project *p, int from, char **err)
{
	char sql[64];

	if (project_begin(p, err) != 0)
		return -1;
	for (int v = from; v < schema_nmigrations; v++) {
		if (db_exec(p, schema_migrations[v], err) != 0) {
			project_rollback(p);
			return -1;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", schema_nmigrations);
	if (db_exec(p, sql, err) != 0) {
		project_rollback(p);
		return -1;
	}
	return project_commit(p, err);
}

/* Per-connection settings; journal_mode=WAL is persistent in the file. */
static int
configure(struct project *p, char **err)
{
	sqlite3_busy_timeout(p->db, 10000);
	if (db_exec(p, "PRAGMA foreign_keys = ON", err) != 0 ||
	    db_exec(p, "PRAGMA synchronous = NORMAL", err) != 0)
		return -1;
	return 0;
}

int
project_open(const char *path, struct project **out, char **err)
{
	struct project *p = NULL;
	struct stat sb;
	int appid = 0, ver = 0;

	*out = NULL;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT)
			return err_set(err, "%s: no such project (create one with 'lathe init')", path);
		return err_set(err, "%s: %s", path, strerror(errno));
	}
	if (S_ISDIR(sb.st_mode))
		return err_set(err, "%s: is a directory, not a project file", path);
	if (sb.st_size == 0)
		return err_set(err, "%s: not a lathe project (empty file)", path);
	if ((p = project_alloc(path)) == NULL)
		return err_set(err, "out of memory");
	if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot open: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(p->db, 10000);
	sqlite3_extended_result_codes(p->db, 1);
	if (pragma_int(p, "PRAGMA application_id", &appid, err) != 0)
		goto fail;
	if (appid != LATHE_APPID) {
		err_set(err, "%s: not a lathe project (SQLite database with application id 0x%08x)",
		    path, (unsigned)appid);
		goto fail;
	}
	if (pragma_int(p, "PRAGMA user_version", &ver, err) != 0)
		goto fail;
	if (ver > schema_nmigrations) {
		err_set(err, "%s: project schema version %d is newer than this lathe supports "
		    "(version %d); upgrade lathe", path, ver, schema_nmigrations);
		goto fail;
	}
	if (configure(p, err) != 0)
		goto fail;
	if (ver < schema_nmigrations && migrate(p, ver, err) != 0)
		goto fail;
	*out = p;
	return 0;
fail:
	project_close(p);
	return -1;
}

static void
unlink_project_files(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char buf[4096];
	for (size_t i = 0; i < ARRAY_LEN(sfx); i++) {
		snprintf(buf, sizeof buf, "%s%s", path, sfx[i]);
		unlink(buf);
	}
}

int
project_create(const char *path, struct project **out, char **err)
{
	struct project *p = NULL;
	struct stat sb;
	char ts[32], sql[128];
	sqlite3_stmt *st = NULL;

	*out = NULL;
	if (stat(path, &sb) == 0)
		return err_set(err, "%s: already exists", path);
	if (errno != ENOENT)
		return err_set(err, "%s: %s", path, strerror(errno));
	{
		/* a clearer word than SQLite's "unable to open database file" */
		char dir[4096];
		snprintf(dir, sizeof dir, "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
			if (*dir && stat(dir, &sb) != 0)
				return err_set(err, "%s: directory '%s' does not exist", path, dir);
		}
	}
	if ((p = project_alloc(path)) == NULL)
		return err_set(err, "out of memory");
	if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot create: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(p->db, 1);
	/* Larger pages suit column chunks of hundreds of kilobytes. */
	snprintf(sql, sizeof sql, "PRAGMA page_size = 65536; PRAGMA application_id = %d",
	    LATHE_APPID);
	if (db_exec(p, sql, err) != 0 ||
	    db_exec(p, "PRAGMA journal_mode = WAL", err) != 0 ||
	    configure(p, err) != 0 || migrate(p, 0, err) != 0)
		goto fail;
	if (db_prepare(p, "INSERT INTO meta(key, value) VALUES "
	    "('application', 'lathe'), ('created', ?1), ('created_by', ?2)", &st, err) != 0)
		goto fail;
	sqlite3_bind_text(st, 1, time_now_iso(ts), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, "lathe " LATHE_VERSION, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(p, err);
		goto fail;
	}
	sqlite3_finalize(st);
	*out = p;
	return 0;
fail:
	sqlite3_finalize(st);
	project_close(p);
	/* A half-created file is ours (stat said nothing was there): remove it. */
	unlink_project_files(path);
	return -1;
}
