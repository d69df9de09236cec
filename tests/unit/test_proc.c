/*
 * test_proc.c — process identity (proc.c) and the project file's lock and
 * space handling that builds on it (project.c): who holds the write lock,
 * waiting for it with progress and cancellation, the read-only and
 * immutable opens, and giving back write-ahead log space.
 */
#include "testutil.h"
#include "base/proc.h"
#include "base/util.h"
#include "store/project.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static void
test_stamp_self(void **state)
{
	(void)state;
	char a[PROC_STAMP_MAX], b[PROC_STAMP_MAX];
	assert_int_equal(proc_stamp(getpid(), a), 0);
	assert_int_equal(proc_stamp(getpid(), b), 0);
	assert_string_equal(a, b);		/* stable */
	assert_int_equal(strlen(proc_boot_id()), 36);
	assert_memory_equal(a, proc_boot_id(), 36);
	assert_int_equal(a[36], ':');
	assert_int_equal(proc_check(getpid(), a), PROC_ALIVE);
	assert_int_equal(proc_rebooted_since(a), 0);
}

static void
test_reused_and_rebooted(void **state)
{
	(void)state;
	char a[PROC_STAMP_MAX], other[PROC_STAMP_MAX + 8];
	assert_int_equal(proc_stamp(getpid(), a), 0);
	/* same pid, another start time: the pid was reused */
	snprintf(other, sizeof other, "%.36s:%llu", a, strtoull(a + 37, NULL, 10) + 1);
	assert_int_equal(proc_check(getpid(), other), PROC_GONE);
	/* a stamp of another boot: gone, whatever runs under that pid now */
	const char *old = "00000000-0000-0000-0000-000000000000:12";
	assert_int_equal(proc_rebooted_since(old), 1);
	assert_int_equal(proc_check(getpid(), old), PROC_GONE);
	/* no stamp: a live pid cannot be judged */
	assert_int_equal(proc_check(getpid(), NULL), PROC_UNKNOWN);
	assert_int_equal(proc_check(getpid(), ""), PROC_UNKNOWN);
	assert_int_equal(proc_check(0, a), PROC_UNKNOWN);
	/* malformed stamps are not "another boot" */
	assert_int_equal(proc_rebooted_since("garbage"), 0);
	assert_int_equal(proc_rebooted_since(NULL), 0);
}

static void
test_exited_and_zombie(void **state)
{
	(void)state;
	char st[PROC_STAMP_MAX];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	/* its stamp, then it dies unreaped (a zombie), then it is reaped
	 * (each wait bounded at 30 s: only a hang takes that long, while a
	 * loaded machine may take more than a second to deliver a SIGKILL) */
	double t0 = time_mono();
	while (proc_stamp(pid, st) != 0 && time_mono() - t0 < 30)
		usleep(1000);
	assert_int_equal(proc_stamp(pid, st), 0);
	assert_int_equal(proc_check(pid, st), PROC_ALIVE);
	kill(pid, SIGKILL);
	t0 = time_mono();
	while (proc_check(pid, st) == PROC_ALIVE && time_mono() - t0 < 30)
		usleep(1000);
	assert_int_equal(proc_check(pid, st), PROC_GONE);	/* zombie */
	assert_int_equal(proc_check(pid, NULL), PROC_GONE);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_check(pid, st), PROC_GONE);	/* no such pid */
	assert_int_equal(proc_stamp(pid, st), -1);
}

static void
test_started_after(void **state)
{
	(void)state;
	char now[32];
	assert_int_equal(proc_started_after("1970-01-02T00:00:00Z"), 1);
	assert_int_equal(proc_started_after(time_now_iso(now)), 0);
	assert_int_equal(proc_started_after("not a time"), 0);
}

static void
test_describe(void **state)
{
	(void)state;
	char d[128];
	proc_describe(getpid(), d, sizeof d);
	assert_non_null(strstr(d, "test_proc"));
	assert_null(strchr(d, '/'));		/* the program's base name */
	proc_describe(getpid(), d, 6);		/* cut to fit, terminated */
	assert_true(strlen(d) <= 5);
	proc_describe(0x7ffffff0, d, sizeof d);
	assert_string_equal(d, "");
}

/* ---------------------------------------------------------------- */

static struct project *
new_project(const char *name)
{
	struct project *p = NULL;
	char *err = NULL;
	unlink(tu_path(name));
	if (project_create(tu_path(name), &p, &err) != 0)
		fail_msg("create: %s", err);
	return p;
}

/* A child process that takes the write lock of path (BEGIN IMMEDIATE),
 * says so on the pipe, and holds it until killed. */
static pid_t
hold_lock(const char *path)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		/* never outlive the test, whatever assertion ends it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		close(fd[0]);
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		if (write(fd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fd[1]);
	char c;
	assert_int_equal(read(fd[0], &c, 1), 1);
	close(fd[0]);
	return pid;
}

struct waits {
	int	 calls;
	char	 holder[200];
	double	 waited;
	int	 cancel_after;	/* cancel at this many calls (0: never) */
};

static void
on_wait(void *ctx, const char *holder, double waited)
{
	struct waits *w = ctx;
	w->calls++;
	snprintf(w->holder, sizeof w->holder, "%s", holder);
	w->waited = waited;
}

static int
cancelled(void *ctx)
{
	struct waits *w = ctx;
	return w->cancel_after && w->calls >= w->cancel_after;
}

static void
test_lock_holder_and_wait(void **state)
{
	(void)state;
	struct project *p = new_project("lock.lathe");
	char who[200], want[96], *err = NULL;

	assert_int_equal(project_lock_holder(p, who, sizeof who), 0);
	assert_string_equal(who, "another process");
	pid_t h = hold_lock(p->path);
	assert_int_equal(project_lock_holder(p, who, sizeof who), h);
	/* "pid N (its command line)" — a fork of this test, so something
	 * like "test_proc" (or "valgrind ..." under valgrind) */
	snprintf(want, sizeof want, "pid %d (", (int)h);
	assert_non_null(strstr(who, want));
	assert_true(strlen(who) > strlen(want) + 1);

	/* a short wait gives up, naming the holder; 2.5 s so that progress
	 * (after the first second) is reported even on a loaded machine */
	struct waits w = { 0 };
	project_set_lock_wait(p, 2.5, on_wait, NULL, &w);
	double t0 = time_mono();
	assert_int_equal(project_begin(p, &err), -1);
	double took = time_mono() - t0;
	assert_true(took >= 2.5);
	assert_true(took < 30);		/* bounded, however loaded the machine */
	assert_true(w.calls >= 1);	/* progress after the first second */
	assert_non_null(strstr(w.holder, want));
	assert_non_null(strstr(err, "project is locked by"));
	assert_non_null(strstr(err, want));
	free(err);
	err = NULL;

	/* an endless wait ends when cancelled */
	struct waits c = { .cancel_after = 2 };
	project_set_lock_wait(p, -1, on_wait, cancelled, &c);
	assert_int_equal(project_begin(p, &err), -1);
	assert_int_equal(c.calls, 2);
	assert_true(c.waited >= 2.0);
	free(err);
	err = NULL;

	/* and succeeds once the holder lets go */
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	struct waits ok = { 0 };
	project_set_lock_wait(p, -1, on_wait, cancelled, &ok);
	assert_int_equal(project_begin(p, &err), 0);
	assert_int_equal(project_commit(p, &err), 0);
	project_close(p);
}

static void
test_readonly_open(void **state)
{
	(void)state;
	struct project *p = new_project("ro.lathe");
	char *err = NULL;
	const char *path = tu_path("ro.lathe");
	project_close(p);

	/* read-only on request: reads work, writes fail with the reason */
	assert_int_equal(project_open_readonly(path, &p, &err), 0);
	assert_true(p->readonly);
	assert_int_equal(db_exec(p, "SELECT count(*) FROM runs", &err), 0);
	assert_int_equal(db_exec(p, "INSERT INTO meta(key, value) VALUES ('a', 'b')", &err), -1);
	assert_non_null(strstr(err, "project is read-only for you"));
	free(err);
	err = NULL;
	project_close(p);

	/* a directory nobody may write (as root, access(2) still says yes:
	 * then only the forced read-only open above applies) */
	if (geteuid() != 0) {
		char dir[512], file[600];
		snprintf(dir, sizeof dir, "%s", tu_path("rodir"));
		mkdir(dir, 0755);
		snprintf(file, sizeof file, "%s/p.lathe", dir);
		assert_int_equal(project_create(file, &p, &err), 0);
		project_close(p);
		chmod(file, 0444);
		chmod(dir, 0555);
		assert_int_equal(project_open(file, &p, &err), 0);
		assert_true(p->readonly);
		assert_true(p->immutable);	/* no -shm could be made */
		assert_int_equal(db_exec(p, "SELECT count(*) FROM runs", &err), 0);
		project_close(p);
		chmod(dir, 0755);
	}
}

static void
test_reclaim_space(void **state)
{
	(void)state;
	struct project *p = new_project("space.lathe");
	char *err = NULL, wal[600];
	struct stat sb;

	assert_true(project_free_space(p) > 0);
	assert_int_equal(db_exec(p, "CREATE TABLE big(x); BEGIN; "
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200) "
	    "INSERT INTO big SELECT randomblob(10000) FROM c; COMMIT", &err), 0);
	snprintf(wal, sizeof wal, "%s-wal", p->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 1000000);	/* the log holds the 2 MB */
	assert_int_equal(project_reclaim_space(p), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);	/* truncated */
	assert_int_equal(project_disk_full(p), 0);
	/* not inside a transaction */
	assert_int_equal(project_begin(p, &err), 0);
	assert_int_equal(project_reclaim_space(p), -1);
	project_rollback(p);
	project_close(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_self),
		cmocka_unit_test(test_reused_and_rebooted),
		cmocka_unit_test(test_exited_and_zombie),
		cmocka_unit_test(test_started_after),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_lock_holder_and_wait),
		cmocka_unit_test(test_readonly_open),
		cmocka_unit_test(test_reclaim_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
