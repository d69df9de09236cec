/*
 * test_tui_modellist.c — the models screen's list: versions with their
 * aliases (an alias picker's rows, sorted), servers and their states
 * (live, gone — no end recorded but no process — and stopped), the order
 * they are shown in, which live server serves a reference (the deploy
 * decision: reload in place, or start one), and unreadable `models`
 * columns.
 */
#include "testutil.h"
#include "base/util.h"
#include "tui/modellist.h"

static void
add_version(struct mlist *ml, const char *name, int version, int latest, const char *aliases)
{
	struct model_row r = {
		.name = name, .version = version, .latest = latest, .run_id = version * 10,
		.algo = "logistic", .task = "classification", .dataset = "iris@1",
		.status = "finished", .aliases = aliases, .created = "2026-11-29T05:00:00Z",
		.input_schema = "[]", .output_schema = "[]", .input_example = "{}",
	};
	assert_int_equal(mlist_add_version(ml, &r), 0);
}

static struct mlist *
sample(void)
{
	struct mlist *ml = mlist_new();
	assert_non_null(ml);
	add_version(ml, "iris", 1, 0, "");
	add_version(ml, "iris", 2, 0, "staging,production");
	add_version(ml, "iris", 3, 1, "canary");
	add_version(ml, "penguins", 1, 1, "production");
	static const char iris_prod[] = "[{\"name\": \"iris\", \"ref\": \"iris@production\", "
	    "\"bundle\": null}]";
	static const char two[] = "[{\"name\": \"iris\", \"ref\": \"iris@staging\", \"bundle\": "
	    "null}, {\"name\": \"penguins\", \"ref\": \"penguins@production\", \"bundle\": null}]";
	static const char bundle[] = "[{\"name\": \"iris\", \"ref\": \"\", \"bundle\": "
	    "\"/tmp/iris.lathe\"}]";
	/* id, pid, models, stopped, alive */
	assert_int_equal(mlist_add_server(ml, 1, 101, "127.0.0.1", "http://127.0.0.1:8001",
	    iris_prod, "2026-11-29T05:01:00Z", "2026-11-29T05:02:00Z", 0), 0);
	assert_int_equal(mlist_add_server(ml, 2, 102, "127.0.0.1", "http://127.0.0.1:8002",
	    iris_prod, "2026-11-29T05:03:00Z", NULL, 1), 0);
	assert_int_equal(mlist_add_server(ml, 3, 103, "127.0.0.1", "http://127.0.0.1:8003",
	    two, "2026-11-29T05:04:00Z", NULL, 0), 0);
	assert_int_equal(mlist_add_server(ml, 4, 104, "127.0.0.1", "http://127.0.0.1:8004",
	    iris_prod, "2026-11-29T05:05:00Z", NULL, 1), 0);
	assert_int_equal(mlist_add_server(ml, 5, 105, "0.0.0.0", "http://0.0.0.0:8005",
	    bundle, "2026-11-29T05:06:00Z", NULL, 1), 0);
	mlist_sort_servers(ml);
	return ml;
}

static void
test_versions(void **state)
{
	struct mlist *ml = sample();
	(void)state;
	assert_int_equal(ml->nv, 4);
	assert_int_equal(mlist_nmodels(ml), 2);
	assert_int_equal(mlist_find(ml, "iris", 3), 2);
	assert_int_equal(mlist_find(ml, "iris", 4), -1);
	assert_int_equal(mlist_find(ml, "penguins", 1), 3);
	assert_true(ml->v[2].latest);
	assert_int_equal(ml->v[1].run_id, 20);
	assert_string_equal(ml->v[1].aliases, "staging,production");
	mlist_free(ml);
}

static void
test_aliases(void **state)
{
	struct mlist *ml = sample();
	struct malias al[8];
	(void)state;
	/* sorted by alias, each with the version it names */
	assert_int_equal(mlist_aliases(ml, "iris", al, 8), 3);
	assert_string_equal(al[0].alias, "canary");
	assert_int_equal(al[0].version, 3);
	assert_string_equal(al[1].alias, "production");
	assert_int_equal(al[1].version, 2);
	assert_string_equal(al[2].alias, "staging");
	assert_int_equal(al[2].version, 2);
	assert_int_equal(mlist_aliases(ml, "penguins", al, 8), 1);
	assert_int_equal(mlist_aliases(ml, "nope", al, 8), 0);
	/* a short buffer: the count says how many there are */
	assert_int_equal(mlist_aliases(ml, "iris", al, 2), 3);
	mlist_free(ml);
}

static void
test_servers(void **state)
{
	struct mlist *ml = sample();
	(void)state;
	assert_int_equal(ml->ns, 5);
	/* live newest first, then gone, then stopped */
	static const int64_t order[] = { 5, 4, 2, 3, 1 };
	static const enum srv_state states[] = { SRV_LIVE, SRV_LIVE, SRV_LIVE, SRV_GONE,
		SRV_STOPPED };
	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		assert_int_equal(ml->s[i].id, order[i]);
		assert_int_equal(ml->s[i].state, states[i]);
	}
	assert_int_equal(mlist_nlive(ml), 3);
	assert_string_equal(srv_state_name(SRV_GONE), "gone");
	assert_string_equal(ml->s[3].refs[1], "penguins@production");
	assert_string_equal(ml->s[0].refs[0], "iris (bundle)");
	assert_non_null(ml->s[4].stopped);
	assert_null(ml->s[0].stopped);
	mlist_free(ml);
}

static void
test_server_for(void **state)
{
	struct mlist *ml = sample();
	(void)state;
	/* two live servers serve iris@production: the newest answers */
	long i = mlist_server_for(ml, "iris@production");
	assert_true(i >= 0);
	assert_int_equal(ml->s[i].id, 4);
	/* only a gone server serves these: deploying must start a new one */
	assert_int_equal(mlist_server_for(ml, "iris@staging"), -1);
	assert_int_equal(mlist_server_for(ml, "penguins@production"), -1);
	/* exact references only */
	assert_int_equal(mlist_server_for(ml, "iris"), -1);
	assert_int_equal(mlist_server_for(ml, "iris@prod"), -1);
	/* serves a model by any reference, but not a model whose name it prefixes */
	assert_true(mlist_server_serves_model(ml, 3, "penguins"));
	assert_true(mlist_server_serves_model(ml, 1, "iris"));
	assert_false(mlist_server_serves_model(ml, 1, "iri"));
	mlist_free(ml);
}

static void
test_bad_models_column(void **state)
{
	struct mlist *ml = mlist_new();
	(void)state;
	assert_non_null(ml);
	assert_int_equal(mlist_add_server(ml, 1, 1, "h", "http://h:1", "not json", "t", NULL, 1), 0);
	assert_int_equal(mlist_add_server(ml, 2, 2, "h", "http://h:2", NULL, "t", NULL, 1), 0);
	assert_int_equal(mlist_add_server(ml, 3, 3, "h", "http://h:3", "[{\"name\": 7}]", "t",
	    NULL, 1), 0);
	assert_int_equal(ml->s[0].nrefs, 0);
	assert_int_equal(ml->s[1].nrefs, 0);
	assert_int_equal(ml->s[2].nrefs, 1);
	assert_string_equal(ml->s[2].refs[0], "? (bundle)");
	assert_int_equal(mlist_server_for(ml, "x@y"), -1);
	mlist_free(ml);
	mlist_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_servers),
		cmocka_unit_test(test_server_for),
		cmocka_unit_test(test_bad_models_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
