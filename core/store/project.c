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
#include "base/proc.h"
#include "base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
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
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		char who[200];
		project_lock_holder(p, who, sizeof who);
		if (p->lock_wait >= 0)
			return err_set(err, "%s: project is locked by %s, still writing after %.0f s "
			    "of waiting; try again when it ends", p->path, who, p->lock_wait);
		return err_set(err, "%s: project is locked by %s", p->path, who);
	}
	if ((rc & 0xff) == SQLITE_FULL) {
		long long fr = project_free_space(p);
		if (fr >= 0)
			return err_set(err, "%s: disk full (%lld KB free)", p->path, fr / 1024);
		return err_set(err, "%s: disk full", p->path);
	}
	if ((rc & 0xff) == SQLITE_READONLY) {
		if (p->readonly)
			return err_set(err, "%s: project is read-only for you (you cannot write the "
			    "file or its directory); this needs write access", p->path);
		return err_set(err, "%s: project file is read-only", p->path);
	}
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

int
project_disk_full(const struct project *p)
{
	return p->db && (sqlite3_extended_errcode(p->db) & 0xff) == SQLITE_FULL;
}

/* The directory holding path ("." for a bare name, "/" at the root). */
static void
dir_of(const char *path, char *dir, size_t n)
{
	snprintf(dir, n, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, n, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
}

long long
project_free_space(const struct project *p)
{
	char dir[4096];
	struct statvfs vf;
	dir_of(p->path, dir, sizeof dir);
	if (statvfs(dir, &vf) != 0)
		return -1;
	return (long long)vf.f_bavail * (long long)vf.f_frsize;
}

int
project_reclaim_space(struct project *p)
{
	int logged = -1, done = -1;
	if (p->readonly || p->in_tx)
		return -1;
	if (sqlite3_wal_checkpoint_v2(p->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logged, &done) !=
	    SQLITE_OK)
		return -1;
	return logged == done ? 0 : -1;
}

/*
 * SQLite's WAL writer holds an exclusive POSIX lock on byte 120 of the
 * -shm file (WALINDEX_LOCK_OFFSET + WAL_WRITE_LOCK in os_unix.c/wal.c).
 * /proc/locks lists it with the holder's pid and the file's device and
 * inode.  Reading /proc/locks takes no lock: opening and closing the -shm
 * file here instead would drop this process's own SQLite locks on it
 * (POSIX locks belong to the process and die with any close).
 */
#define SHM_WRITE_LOCK_BYTE 120

int
project_lock_holder(const struct project *p, char *buf, size_t n)
{
	char shm[4200], line[256];
	struct stat sb;
	int pid = 0;

	snprintf(buf, n, "another process");
	snprintf(shm, sizeof shm, "%s-shm", p->path);
	if (stat(shm, &sb) != 0)
		return 0;
	FILE *f = fopen("/proc/locks", "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f)) {
		unsigned maj, mnr;
		unsigned long long ino;
		long long lo;
		char hi[32], kind[16], mode[16];
		int lpid;
		if (strstr(line, "->"))
			continue;	/* a waiter, not a holder */
		if (sscanf(line, "%*[^:]: %15s %*s %15s %d %x:%x:%llu %lld %31s", kind, mode, &lpid,
		    &maj, &mnr, &ino, &lo, hi) != 8)
			continue;
		if (strcmp(kind, "POSIX") != 0 || strcmp(mode, "WRITE") != 0 || lpid == getpid())
			continue;
		if (maj != major(sb.st_dev) || mnr != minor(sb.st_dev) || ino != (unsigned long long)sb.st_ino)
			continue;
		long long up = strcmp(hi, "EOF") == 0 ? -1 : atoll(hi);
		if (lo <= SHM_WRITE_LOCK_BYTE && (up < 0 || up >= SHM_WRITE_LOCK_BYTE)) {
			pid = lpid;
			break;
		}
	}
	fclose(f);
	if (pid > 0) {
		char what[160];
		proc_describe(pid, what, sizeof what);
		if (*what)
			snprintf(buf, n, "pid %d (%s)", pid, what);
		else
			snprintf(buf, n, "pid %d", pid);
	}
	return pid;
}

void
project_set_lock_wait(struct project *p, double seconds,
    void (*on_wait)(void *ctx, const char *holder, double waited),
    int (*cancelled)(void *ctx), void *ctx)
{
	p->lock_wait = seconds;
	p->on_wait = on_wait;
	p->wait_cancelled = cancelled;
	p->wait_ctx = ctx;
}

/*
 * SQLite's busy handler: called while another connection holds the lock,
 * `count` times so far for this attempt.  Nonzero means "try again".
 */
static int
on_busy(void *arg, int count)
{
	struct project *p = arg;
	double now = time_mono();

	if (count == 0) {
		p->wait_t0 = now;
		p->wait_told = now;
	}
	double waited = now - p->wait_t0;
	if (p->wait_cancelled && p->wait_cancelled(p->wait_ctx))
		return 0;
	if (p->lock_wait >= 0 && waited >= p->lock_wait)
		return 0;
	if (p->on_wait && waited >= 1.0 && now - p->wait_told >= 1.0) {
		char who[200];
		project_lock_holder(p, who, sizeof who);
		p->wait_told = now;
		p->on_wait(p->wait_ctx, who, waited);
	}
	/* 1, 2, 5, 10, 20, then 50 ms: quick for short locks, cheap for long */
	static const int steps_ms[] = { 1, 2, 5, 10, 20, 50 };
	int ms = steps_ms[count < 6 ? count : 5];
	struct timespec ts = { 0, (long)ms * 1000000L };
	nanosleep(&ts, NULL);
	return 1;
}

/* The default lock wait: $LATHE_LOCK_WAIT seconds if set (tests use a
 * short one), else PROJECT_LOCK_WAIT. */
static double
default_lock_wait(void)
{
	const char *e = getenv("LATHE_LOCK_WAIT");
	if (e && *e) {
		char *end;
		double v = strtod(e, &end);
		if (*end == '\0' && v >= 0 && v < 1e6)
			return v;
	}
	return PROJECT_LOCK_WAIT;
}

/* Per-connection settings; journal_mode=WAL is persistent in the file. */
static int
configure(struct project *p, char **err)
{
	p->lock_wait = default_lock_wait();
	sqlite3_busy_handler(p->db, on_busy, p);
	if (db_exec(p, "PRAGMA foreign_keys = ON", err) != 0 ||
	    db_exec(p, "PRAGMA synchronous = NORMAL", err) != 0)
		return -1;
	return 0;
}

/* Can this process write the file and create files beside it? */
static int
writable(const char *path)
{
	char dir[4096];
	dir_of(path, dir, sizeof dir);
	return access(path, W_OK) == 0 && access(dir, W_OK) == 0;
}

/* "file:" URI for path with immutable=1; characters URIs reserve escaped. */
static int
immutable_uri(const char *path, struct sbuf *b)
{
	sbuf_puts(b, "file:");
	for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
		if (*c == '%' || *c == '?' || *c == '#' || *c <= ' ' || *c >= 0x7f)
			sbuf_printf(b, "%%%02X", *c);
		else
			sbuf_putc(b, (char)*c);
	}
	sbuf_puts(b, "?immutable=1");
	return b->oom ? -1 : 0;
}

static int
wal_pending(const char *path)
{
	char wal[4200];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", path);
	return stat(wal, &sb) == 0 && sb.st_size > 0 ? 1 : 0;
}

/*
 * Open read-only.  SQLite needs the -shm file to read a WAL database; when
 * it can neither create nor use one it answers "attempt to write a readonly
 * database" to the first read.  Then, if no write-ahead log holds changes,
 * the file on disk is the whole database and is read with immutable=1.
 */
static int
open_readonly(struct project *p, char **err)
{
	if (sqlite3_open_v2(p->path, &p->db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_extended_result_codes(p->db, 1);
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(p->db, "PRAGMA application_id", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW || (rc & 0xff) == SQLITE_NOTADB)
			return 0;	/* readable (validated by the caller) */
		if ((rc & 0xff) != SQLITE_READONLY && (rc & 0xff) != SQLITE_CANTOPEN)
			return 0;	/* another error: the caller's first read reports it */
	}
	sqlite3_close_v2(p->db);
	p->db = NULL;
	if (wal_pending(p->path))
		return err_set(err, "%s: project is read-only for you, and its write-ahead log "
		    "(%s-wal) holds changes that can only be read with write access to its "
		    "directory; ask its owner to close lathe (which folds the log in) or copy the "
		    "project", p->path, p->path);
	struct sbuf uri;
	sbuf_init(&uri);
	if (immutable_uri(p->path, &uri) != 0) {
		sbuf_free(&uri);
		return err_set(err, "out of memory");
	}
	int orc = sqlite3_open_v2(uri.s, &p->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	sbuf_free(&uri);
	if (orc != SQLITE_OK)
		return err_set(err, "%s: cannot open: %s", p->path,
		    p->db ? sqlite3_errmsg(p->db) : "out of memory");
	p->immutable = 1;
	return 0;
}

static int
open_common(const char *path, int force_ro, struct project **out, char **err)
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
	if (access(path, R_OK) != 0)
		return err_set(err, "%s: cannot read: %s", path, strerror(errno));
	if ((p = project_alloc(path)) == NULL)
		return err_set(err, "out of memory");
	p->readonly = force_ro || !writable(path);
	if (p->readonly) {
		if (open_readonly(p, err) != 0)
			goto fail;
	} else if (sqlite3_open_v2(path, &p->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		err_set(err, "%s: cannot open: %s", path,
		    p->db ? sqlite3_errmsg(p->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(p->db, 1);
	p->lock_wait = default_lock_wait();
	sqlite3_busy_handler(p->db, on_busy, p);
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
	if (p->readonly && ver < schema_nmigrations) {
		err_set(err, "%s: project schema version %d must be upgraded to version %d, which "
		    "needs write access; open it once with a lathe that can write it", path, ver,
		    schema_nmigrations);
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

int
project_open(const char *path, struct project **out, char **err)
{
	return open_common(path, 0, out, err);
}

int
project_open_readonly(const char *path, struct project **out, char **err)
{
	return open_common(path, 1, out, err);
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
