/*
 * test_run_admin.c — run housekeeping (train/run_admin.c): the KEY=VALUE
 * syntax, tags set / replaced / removed in one transaction, notes,
 * archiving, and deletion with its refusals (a registered model's run, a
 * running run, a re-run's original) leaving every run in place, and with
 * its cascade (metrics, tags, artifacts gone; freed bytes counted).
 */
#include "testutil.h"
#include "base/util.h"
#include "ingest/csv_import.h"
#include "ingest/profile.h"
#include "store/dataset.h"
#include "store/project.h"
#include "train/run_admin.h"

static struct project *
fresh(const char *name)
{
	struct project *p = NULL;
	char *err = NULL;
	const char *path = tu_path(name);
	unlink(path);
	if (project_create(path, &p, &err) != 0)
		fail_msg("create: %s", err);
	return p;
}

static void
exec(struct project *p, const char *sql)
{
	char *err = NULL;
	if (db_exec(p, sql, &err) != 0)
		fail_msg("%s: %s", sql, err);
}

static long long
count(struct project *p, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	if (db_prepare(p, sql, &st, &err) != 0)
		fail_msg("%s: %s", sql, err);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A project with one dataset and runs 1..n (status finished unless
 * `running` names one), each with a metric, a tag and a 100-byte model. */
static struct project *
with_runs(const char *name, int n, int running)
{
	struct project *p = fresh(name);
	struct import_opts o = { .header = -1 };
	struct import_info info;
	struct table *t = NULL;
	char *err = NULL, hash[65], sql[1024];
	int version, created;
	const char *path = tu_write("in.csv", "a,y\n1,0\n2,1\n3,0\n", -1);
	if (csv_import(path, &o, &t, &info, &err) != 0 || profile_table(t, 2, &err) != 0)
		fail_msg("import: %s", err);
	profile_table_hash(t, hash);
	if (dataset_store(p, "d", t, hash, path, 1, "{}", &version, &created, &err) != 0)
		fail_msg("store: %s", err);
	table_free(t);
	for (int id = 1; id <= n; id++) {
		snprintf(sql, sizeof sql, "INSERT INTO runs(id, dataset_version_id, dataset_hash, "
		    "target, task, algo, plugin_version, plugin_hash, plugin_path, params, recipe, "
		    "split, seed, threads, env, status, created) VALUES (%d, 1, 'h', 'y', "
		    "'classification', 'logistic', '1', 'x', '/p', '{}', '', '{}', 0, 1, '{}', '%s', "
		    "'t'); INSERT INTO run_metrics VALUES (%d, 'accuracy', 'test', 0.5); "
		    "INSERT INTO run_tags VALUES (%d, 'k', 'v'); "
		    "INSERT INTO run_artifacts(run_id, name, data) VALUES (%d, 'model', zeroblob(100))",
		    id, id == running ? "running" : "finished", id, id, id);
		exec(p, sql);
	}
	return p;
}

static const struct {
	const char *arg, *key, *value, *err;
} tag_cases[] = {
	{ "owner=ana", "owner", "ana", NULL },
	{ "_x1=a=b", "_x1", "a=b", NULL },
	{ "lr=0.1", "lr", "0.1", NULL },
	{ "stage=", "stage", NULL, NULL },		/* a removal */
	{ "owner=two words", "owner", "two words", NULL },
	{ "noequals", NULL, NULL, "bad tag 'noequals' (expected KEY=VALUE, or KEY= to remove it)" },
	{ "=v", NULL, NULL, "bad tag '=v' (expected KEY=VALUE, or KEY= to remove it)" },
	{ "1a=v", NULL, NULL, "bad tag key '1a' (letters, digits and '_', starting with a letter "
	  "or '_', at most 64)" },
	{ "a-b=v", NULL, NULL, "bad tag key 'a-b' (letters, digits and '_', starting with a "
	  "letter or '_', at most 64)" },
	{ "a=x\ty", NULL, NULL, "tag 'a': value holds a control character" },
	{ "a=\xff", NULL, NULL, "tag 'a': value is not UTF-8 (byte 1)" },
};

static void
test_tag_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(tag_cases); i++) {
		char *k = NULL, *v = NULL, *err = NULL;
		int rc = run_tag_parse(tag_cases[i].arg, &k, &v, &err);
		if (tag_cases[i].err) {
			assert_int_equal(rc, -1);
			assert_string_equal(err, tag_cases[i].err);
			assert_null(k);
			assert_null(v);
			free(err);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(k, tag_cases[i].key);
		if (tag_cases[i].value)
			assert_string_equal(v, tag_cases[i].value);
		else
			assert_null(v);
		free(k);
		free(v);
	}
	/* a key one byte too long */
	char arg[RUN_TAG_KEY_MAX + 8];
	memset(arg, 'k', RUN_TAG_KEY_MAX + 1);
	strcpy(arg + RUN_TAG_KEY_MAX + 1, "=v");
	char *k = NULL, *v = NULL, *err = NULL;
	assert_int_equal(run_tag_parse(arg, &k, &v, &err), -1);
	free(err);
}

static int
collect(void *ctx, const char *key, const char *value)
{
	sbuf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

static char *
tags_of(struct project *p, int64_t id)
{
	struct sbuf b;
	char *err = NULL;
	sbuf_init(&b);
	sbuf_puts(&b, "");
	if (run_tags_visit(p, id, collect, &b, &err) != 0)
		fail_msg("visit: %s", err);
	return sbuf_detach(&b);
}

static void
test_tags(void **state)
{
	struct project *p = with_runs("tags.lathe", 2, 0);
	char *err = NULL, *s;
	(void)state;
	const char *set[] = { "owner=ana", "k=w", "stage=dev" };
	assert_int_equal(run_tags_edit(p, "1", set, 3, &err), 0);
	assert_string_equal(s = tags_of(p, 1), "k=w;owner=ana;stage=dev;");
	free(s);
	/* one bad argument: nothing of the command is written */
	const char *bad[] = { "owner=bob", "9x=1" };
	assert_int_equal(run_tags_edit(p, "r1", bad, 2, &err), -1);
	free(err);
	err = NULL;
	const char *absent[] = { "owner=bob", "nope=" };
	assert_int_equal(run_tags_edit(p, "1", absent, 2, &err), -1);
	assert_string_equal(err, "run 1 has no tag 'nope'");
	free(err);
	err = NULL;
	assert_string_equal(s = tags_of(p, 1), "k=w;owner=ana;stage=dev;");
	free(s);
	const char *rm[] = { "stage=", "owner=bob" };
	assert_int_equal(run_tags_edit(p, "1", rm, 2, &err), 0);
	assert_string_equal(s = tags_of(p, 1), "k=w;owner=bob;");
	free(s);
	assert_string_equal(s = tags_of(p, 2), "k=v;");	/* the other run untouched */
	free(s);
	assert_int_equal(run_tags_edit(p, "7", set, 1, &err), -1);
	assert_string_equal(err, "no run 7 (see 'lathe runs')");
	free(err);
	err = NULL;
	assert_int_equal(run_tags_edit(p, "x", set, 1, &err), -1);
	assert_string_equal(err, "bad run id 'x' (expected a number such as 17 or r17)");
	free(err);
	project_close(p);
}

static void
test_note_archive(void **state)
{
	struct project *p = with_runs("note.lathe", 3, 0);
	char *err = NULL, *note = NULL;
	int archived = -1;
	size_t changed = 99;
	(void)state;
	assert_int_equal(run_note_set(p, "2", "needs more data", &err), 0);
	assert_int_equal(run_note_get(p, 2, &note, &archived, &err), 0);
	assert_string_equal(note, "needs more data");
	assert_int_equal(archived, 0);
	free(note);
	assert_int_equal(run_note_set(p, "2", "", &err), 0);
	assert_int_equal(run_note_get(p, 2, &note, NULL, &err), 0);
	assert_null(note);
	assert_int_equal(run_note_get(p, 9, &note, NULL, &err), -1);
	free(err);
	err = NULL;

	const char *two[] = { "1", "r3", "3" };
	assert_int_equal(run_archive_set(p, two, 3, 1, &changed, &err), 0);
	assert_int_equal(changed, 2);
	assert_int_equal(count(p, "SELECT count(*) FROM runs WHERE archived AND id IN (1, 3)"), 2);
	assert_int_equal(count(p, "SELECT count(*) FROM runs WHERE archived"), 2);
	assert_int_equal(run_archive_set(p, two, 1, 1, &changed, &err), 0);
	assert_int_equal(changed, 0);
	/* an unknown run among them: nothing changes */
	const char *bad[] = { "2", "8" };
	assert_int_equal(run_archive_set(p, bad, 2, 1, &changed, &err), -1);
	assert_string_equal(err, "no run 8 (see 'lathe runs')");
	free(err);
	err = NULL;
	assert_int_equal(count(p, "SELECT archived FROM runs WHERE id = 2"), 0);
	assert_int_equal(run_archive_set(p, two, 3, 0, &changed, &err), 0);
	assert_int_equal(changed, 2);
	assert_int_equal(count(p, "SELECT count(*) FROM runs WHERE archived"), 0);
	project_close(p);
}

static void
test_delete(void **state)
{
	struct project *p = with_runs("delete.lathe", 5, 4);
	char *err = NULL;
	long long freed = -1;
	(void)state;
	/* run 2 registered as m@1; run 5 re-ran run 3; run 4 is running */
	exec(p, "INSERT INTO models(id, name, created) VALUES (1, 'm', 't');"
	    "INSERT INTO model_versions(model_id, version, run_id, input_schema, output_schema, "
	    "input_example, created) VALUES (1, 1, 2, '[]', '[]', '{}', 't');"
	    "UPDATE runs SET parent_run = 3 WHERE id = 5");
	static const struct {
		const char *refs[3];
		size_t n;
		const char *err;
	} refused[] = {
		{ { "1", "2" }, 2, "run 2 is registered as model 'm' version 1; a registered run "
		  "cannot be deleted" },
		{ { "4" }, 1, "run 4 is running; cancel it first" },
		{ { "3" }, 1, "run 3 was re-run as run 5; delete run 5 too (or first)" },
		{ { "1", "6" }, 2, "no run 6 (see 'lathe runs')" },
	};
	for (size_t i = 0; i < ARRAY_LEN(refused); i++) {
		assert_int_equal(run_delete(p, refused[i].refs, refused[i].n, 0, &freed, &err), -1);
		assert_string_equal(err, refused[i].err);
		free(err);
		err = NULL;
		assert_int_equal(count(p, "SELECT count(*) FROM runs"), 5);
	}
	const char *ok[] = { "3", "1", "5" };
	assert_int_equal(run_delete(p, ok, 3, 1, &freed, &err), 0);
	assert_int_equal(freed, 300);
	assert_int_equal(count(p, "SELECT count(*) FROM runs WHERE id IN (2, 4)"), 2);
	assert_int_equal(count(p, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(count(p, "SELECT count(*) FROM run_metrics WHERE run_id IN (1, 3, 5)"), 0);
	assert_int_equal(count(p, "SELECT count(*) FROM run_tags WHERE run_id IN (1, 3, 5)"), 0);
	assert_int_equal(count(p, "SELECT count(*) FROM run_artifacts WHERE run_id IN (1, 3, 5)"),
	    0);
	assert_int_equal(count(p, "SELECT count(*) FROM run_tags"), 2);
	assert_int_equal(count(p, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	project_close(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_parse),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_note_archive),
		cmocka_unit_test(test_delete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
