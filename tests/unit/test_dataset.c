/*
 * test_dataset.c — the project file and dataset versions: create/open
 * validation (a foreign or newer file is refused and left untouched),
 * store/load round trip bit for bit, content-hash deduplication, version
 * numbering and references.
 */
#include "testutil.h"
#include "base/util.h"
#include "ingest/csv_import.h"
#include "ingest/profile.h"
#include "store/dataset.h"
#include "store/project.h"

#include <math.h>
#include <sys/stat.h>

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return s;
}

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

static struct table *
import(const char *csv)
{
	struct import_opts o = { .header = -1 };
	struct import_info info;
	struct table *t = NULL;
	char *err = NULL;
	const char *path = tu_write("in.csv", csv, -1);
	if (csv_import(path, &o, &t, &info, &err) != 0 || profile_table(t, 2, &err) != 0)
		fail_msg("import: %s", err);
	return t;
}

static int
store(struct project *p, const char *name, const char *csv, int *version)
{
	struct table *t = import(csv);
	char hash[65], *err = NULL;
	int created;
	profile_table_hash(t, hash);
	if (dataset_store(p, name, t, hash, "in.csv", 1, "{}", version, &created, &err) != 0)
		fail_msg("store: %s", err);
	table_free(t);
	return created;
}

static void
test_create_and_reopen(void **state)
{
	struct project *p = fresh("a.lathe"), *q = NULL;
	char *err = NULL;
	(void)state;
	project_close(p);
	/* refuses to overwrite */
	assert_int_equal(project_create(tu_path("a.lathe"), &q, &err), -1);
	assert_non_null(strstr(err, "already exists"));
	free(err);
	err = NULL;
	assert_int_equal(project_open(tu_path("a.lathe"), &q, &err), 0);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(q->db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(q->db, "PRAGMA foreign_keys", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	project_close(q);
}

/* Refusals leave the file byte for byte as it was. */
static void
test_refuse_foreign_and_newer(void **state)
{
	struct project *p = NULL;
	char *err = NULL, *before, *after;
	size_t n1, n2;
	(void)state;

	const char *txt = tu_write("notes.txt", "hello, not a database\n", -1);
	before = slurp(txt, &n1);
	assert_int_equal(project_open(txt, &p, &err), -1);
	assert_non_null(strstr(err, "not a lathe project (not an SQLite database)"));
	free(err);
	err = NULL;
	after = slurp(txt, &n2);
	assert_true(n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);

	/* a foreign SQLite database */
	sqlite3 *db;
	const char *other = tu_path("other.db");
	unlink(other);
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	before = slurp(other, &n1);
	assert_int_equal(project_open(other, &p, &err), -1);
	assert_non_null(strstr(err, "not a lathe project"));
	free(err);
	err = NULL;
	after = slurp(other, &n2);
	assert_true(n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);

	/* a newer lathe project */
	p = fresh("new.lathe");
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", project_schema_version() + 5);
	assert_int_equal(db_exec(p, sql, NULL), 0);
	assert_int_equal(db_exec(p, "PRAGMA wal_checkpoint(TRUNCATE)", NULL), 0);
	project_close(p);
	before = slurp(tu_path("new.lathe"), &n1);
	assert_int_equal(project_open(tu_path("new.lathe"), &p, &err), -1);
	char want[160];
	snprintf(want, sizeof want, "project schema version %d is newer than this lathe supports "
	    "(version %d)", project_schema_version() + 5, project_schema_version());
	assert_non_null(strstr(err, want));
	free(err);
	err = NULL;
	after = slurp(tu_path("new.lathe"), &n2);
	assert_true(n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);

	/* missing and directory */
	assert_int_equal(project_open(tu_path("nope.lathe"), &p, &err), -1);
	assert_non_null(strstr(err, "no such project"));
	free(err);
	err = NULL;
	assert_int_equal(project_open("/tmp", &p, &err), -1);
	assert_non_null(strstr(err, "is a directory"));
	free(err);
}

/* An old file (user_version 0 with our application id) is migrated. */
static void
test_migrates_forward(void **state)
{
	sqlite3 *db;
	struct project *p = NULL;
	char *err = NULL, sql[64];
	const char *path = tu_path("old.lathe");
	(void)state;
	unlink(path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", LATHE_APPID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	if (project_open(path, &p, &err) != 0)
		fail_msg("open: %s", err);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(p->db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), project_schema_version());
	sqlite3_finalize(st);
	assert_int_equal(db_exec(p, "SELECT count(*) FROM dataset_versions", NULL), 0);
	project_close(p);
}

static void
test_roundtrip_bit_exact(void **state)
{
	struct project *p = fresh("rt.lathe");
	struct dsver v;
	struct table *t = NULL, *orig;
	char *err = NULL;
	int version;
	const char *csv = "x,name,label\n"
	    "0.1,alpha,1\n"
	    "-0,beta,0\n"
	    "1e-300,,1\n"
	    "NA,alpha,0\n"
	    "2.2250738585072014e-308,\"g,amma\",1\n"
	    "1.7976931348623157e308,beta,0\n"
	    "0.30000000000000004,alpha,1\n";
	(void)state;
	assert_int_equal(store(p, "rt", csv, &version), 1);
	assert_int_equal(version, 1);
	orig = import(csv);
	if (dataset_resolve(p, "rt", &v, &err) != 0 || dataset_load(p, &v, SIZE_MAX, &t, &err) != 0)
		fail_msg("load: %s", err);
	assert_int_equal(t->nrows, 7);
	assert_int_equal(t->ncols, 3);
	assert_int_equal(v.version, 1);
	assert_true(v.latest);
	for (size_t i = 0; i < 7; i++) {
		double a = column_num_at(&orig->cols[0], i), b = column_num_at(&t->cols[0], i);
		assert_int_equal(memcmp(&a, &b, 8), 0);	/* bits, including -0 and NaN */
		const char *sa = column_str_at(&orig->cols[1], i), *sb = column_str_at(&t->cols[1], i);
		if (sa == NULL)
			assert_null(sb);
		else
			assert_string_equal(sa, sb);
	}
	/* statistics survive the trip */
	assert_int_equal(t->cols[0].st.count, 6);
	assert_int_equal(t->cols[0].st.missing, 1);
	assert_int_equal(t->cols[1].kind, COL_CATEGORICAL);
	assert_int_equal(t->cols[1].st.ntop, 3);
	assert_string_equal(t->cols[1].st.top[0].label, "alpha");
	assert_int_equal(t->cols[1].st.top[0].count, 3);
	/* a loaded dictionary answers lookups by text (regression: it did not,
	 * so "derive x = col == 'value'" gave zeros on stored data) */
	uint32_t code = strdict_find(&t->cols[1].dict, "beta", 4);
	assert_int_not_equal(code, CODE_NA);
	assert_string_equal(strdict_get(&t->cols[1].dict, code), "beta");
	assert_int_equal(strdict_find(&t->cols[1].dict, "zeta", 4), CODE_NA);
	table_free(t);
	/* a head load reads only what it needs */
	assert_int_equal(dataset_load(p, &v, 2, &t, &err), 0);
	assert_int_equal(t->nrows, 2);
	assert_string_equal(column_str_at(&t->cols[1], 1), "beta");
	table_free(t);
	table_free(orig);
	dsver_clear(&v);
	project_close(p);
}

static void
test_versions_and_dedup(void **state)
{
	struct project *p = fresh("v.lathe");
	struct dsver v;
	char *err = NULL;
	int version;
	(void)state;
	assert_int_equal(store(p, "d", "a,b\n1,x\n2,y\n", &version), 1);
	assert_int_equal(version, 1);
	/* identical content, different line endings and quoting: same data */
	assert_int_equal(store(p, "d", "a,b\r\n1,\"x\"\r\n2,y\r\n", &version), 0);
	assert_int_equal(version, 1);
	assert_int_equal(store(p, "d", "a,b\n1,x\n3,y\n", &version), 1);
	assert_int_equal(version, 2);
	/* back to the first content: it exists, nothing new */
	assert_int_equal(store(p, "d", "a,b\n1,x\n2,y\n", &version), 0);
	assert_int_equal(version, 1);
	/* other name, same content: its own version 1 */
	assert_int_equal(store(p, "e", "a,b\n1,x\n2,y\n", &version), 1);
	assert_int_equal(version, 1);

	assert_int_equal(dataset_resolve(p, "d", &v, &err), 0);
	assert_int_equal(v.version, 2);
	dsver_clear(&v);
	assert_int_equal(dataset_resolve(p, "d@1", &v, &err), 0);
	assert_int_equal(v.version, 1);
	assert_false(v.latest);
	dsver_clear(&v);
	assert_int_equal(dataset_resolve(p, "d@3", &v, &err), -1);
	assert_string_equal(err, "no version 3 of dataset 'd' (latest is d@2)");
	free(err);
	err = NULL;
	assert_int_equal(dataset_resolve(p, "zz", &v, &err), -1);
	assert_string_equal(err, "no dataset named 'zz' (see 'lathe datasets')");
	free(err);
	err = NULL;
	assert_int_equal(dataset_resolve(p, "d@x", &v, &err), -1);
	assert_non_null(strstr(err, "bad dataset reference 'd@x'"));
	free(err);
	err = NULL;
	assert_int_equal(dataset_resolve(p, "d@0", &v, &err), -1);
	free(err);
	project_close(p);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(dataset_name_valid("iris"));
	assert_true(dataset_name_valid("Iris_v2.1-x"));
	assert_false(dataset_name_valid(""));
	assert_false(dataset_name_valid("_x"));
	assert_false(dataset_name_valid("a b"));
	assert_false(dataset_name_valid("a@1"));
	char *n = dataset_name_from_path("data/Iris v2.csv");
	assert_string_equal(n, "Iris_v2");
	free(n);
	n = dataset_name_from_path("/x/.hidden.csv");
	assert_true(dataset_name_valid(n));
	free(n);
	n = dataset_name_from_path("a/b/données.tsv");
	assert_true(dataset_name_valid(n));
	free(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_reopen),
		cmocka_unit_test(test_refuse_foreign_and_newer),
		cmocka_unit_test(test_migrates_forward),
		cmocka_unit_test(test_roundtrip_bit_exact),
		cmocka_unit_test(test_versions_and_dedup),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
