/*
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

#include <sqlite3.h>

#define LATHE_APPID 0x4c415448	/* "LATH" */

struct project {
	sqlite3	*db;
	char	*path;
	int	 in_tx;
};

/* Create a new project file at path (refuses to overwrite anything).
 * On success *out is open; caller closes with project_close(). */
int	project_create(const char *path, struct project **out, char **err);

/* Open an existing project, validating it and migrating it forward.
 * Nothing in the file changes if it is not a lathe project or is newer. */
int	project_open(const char *path, struct project **out, char **err);

/* Accepts NULL.  Rolls back a transaction left open by an error path. */
void	project_close(struct project *p);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  Rollback is safe to call when no
 * transaction is open. */
int	project_begin(struct project *p, char **err);
int	project_commit(struct project *p, char **err);
void	project_rollback(struct project *p);

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
