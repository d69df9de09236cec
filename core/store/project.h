/*
 * core/store/ — the subsystem's main header.  Owns the project file:
 * opening, locking and schema migrations (project, schema), the in-memory
 * column tables (table), their stored chunk encodings (chunkenc), dataset
 * versions (dataset) and windows on them (dataset_window).  May use:
 * core/base, SQLite.  The map of who may use whom is in
 * docs/architecture.md.
 *
 * project.h — the project file: one SQLite database holding datasets,
 * recipes, runs, models and aliases.
 *
 * Invariants:
 *   - PRAGMA application_id is LATHE_APPID; a file without it is not ours
 *     and is never written to.
 *   - PRAGMA user_version is the schema version.  Older files are migrated
 *     forward on open, inside one transaction; newer files are refused with
 *     both version numbers, untouched.
 *   - WAL journal, foreign keys on, synchronous=NORMAL: a crash or kill -9
 *     loses at most the transaction in flight and never leaves it half done.
 *   - Every multi-step write runs between project_begin() and
 *     project_commit(); project_rollback() on any error path.
 */
#ifndef LATHE_PROJECT_H
#define LATHE_PROJECT_H

#include <stddef.h>
#include <sqlite3.h>

#define LATHE_APPID 0x4c415448	/* "LATH" */

struct project {
	sqlite3	*db;
	char	*path;
	int	 in_tx;
	int	 readonly;	/* opened read-only: nothing can be written */
	int	 immutable;	/* ... and without locks (see project_open) */
	/* waiting for another process's write lock; see project_set_lock_wait */
	double	 lock_wait;	/* seconds; < 0: as long as it takes */
	double	 wait_t0;	/* when the current wait began (monotonic) */
	double	 wait_told;	/* when on_wait was last called */
	void	(*on_wait)(void *ctx, const char *holder, double waited);
	int	(*wait_cancelled)(void *ctx);
	void	*wait_ctx;
};

/* Create a new project file at path (refuses to overwrite anything).
 * On success *out is open; caller closes with project_close(). */
int	project_create(const char *path, struct project **out, char **err);

/*
 * Open an existing project, validating it and migrating it forward.
 * Nothing in the file changes if it is not a lathe project or is newer.
 *
 * A project the caller cannot write (the file, or the directory where
 * SQLite keeps the -wal and -shm files beside it) is opened read-only:
 * every reading command works and a write fails with a message saying the
 * project is read-only.  When the -shm file cannot be created either (a
 * read-only directory of another user), it is opened immutable — read as
 * it stands on disk, without locks — provided no write-ahead log holds
 * changes that only the owner can read; otherwise that is the error.  An
 * older schema that would need a migration cannot be opened read-only.
 */
int	project_open(const char *path, struct project **out, char **err);

/* The same, never writing: opened read-only even when it could be
 * written (serving, inspection). */
int	project_open_readonly(const char *path, struct project **out, char **err);

/* Accepts NULL.  Rolls back a transaction left open by an error path. */
void	project_close(struct project *p);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Rollback is safe to call when no
 * transaction is open. */
int	project_begin(struct project *p, char **err);
int	project_commit(struct project *p, char **err);
void	project_rollback(struct project *p);

/*
 * Waiting for the write lock.  Another process (an import, a training run
 * recording its result, sqlite3) may hold the project's write lock; a
 * writer here waits up to `seconds` (< 0: as long as it takes), polling
 * with a short back-off, and gives up early when cancelled(ctx) returns
 * nonzero.  After the first second and then about once a second it calls
 * on_wait(ctx, holder, waited) with the holder as project_lock_holder()
 * describes it.  The default is $LATHE_LOCK_WAIT seconds if set, else
 * PROJECT_LOCK_WAIT, with no callbacks.
 * Callbacks may be NULL.
 */
#define PROJECT_LOCK_WAIT 60.0
void	project_set_lock_wait(struct project *p, double seconds,
	    void (*on_wait)(void *ctx, const char *holder, double waited),
	    int (*cancelled)(void *ctx), void *ctx);

/* Who holds the project's write lock, for messages: "pid 1234 (lathe
 * import big.csv)", or "another process" when the system cannot tell.
 * Found in /proc/locks (the lock byte SQLite's WAL writer holds in the
 * -shm file), so it names any SQLite writer, lathe or not.  Returns the
 * pid, or 0 when unknown. */
int	project_lock_holder(const struct project *p, char *buf, size_t n);

/* Free bytes on the file system holding the project, or -1 if unknown. */
long long project_free_space(const struct project *p);

/* Give disk space back after a write failed for want of it: checkpoint the
 * write-ahead log into the database and truncate it.  The log of a long
 * session only grows (it is reset only by a checkpoint), so on a nearly
 * full disk this is what makes room for a small record.  0 when the log
 * could be fully checkpointed. */
int	project_reclaim_space(struct project *p);

/* Is the last error of the connection "disk full"? */
int	project_disk_full(const struct project *p);

/* Current schema version this build writes. */
int	project_schema_version(void);

/* Small helpers over sqlite3 that report errors through *err with the
 * project's path, e.g. "p.lathe: sqlite: database is locked". */
int	db_exec(struct project *p, const char *sql, char **err);
int	db_prepare(struct project *p, const char *sql, sqlite3_stmt **st, char **err);
int	db_fail(struct project *p, char **err);	/* err from sqlite3_errmsg; returns -1 */
/* A malloc()ed copy of text column i of the current row; NULL for SQL NULL
 * (or when out of memory). */
char	*db_text_dup(sqlite3_stmt *st, int i);

/* The schema's migration steps (schema.c).  migrations[i] takes a file
 * from user_version i to i+1. */
extern const char *const schema_migrations[];
extern const int schema_nmigrations;

#endif
