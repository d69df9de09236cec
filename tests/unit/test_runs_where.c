/*
 * test_runs_where.c — `runs --where` (train/runs_where.c) over rows the
 * test makes up: numeric and text fields, fields only some rows have,
 * numbers given as text (a numeric field) or mixed with words (a text
 * field), missing values never matching, and the caret errors for syntax,
 * unknown fields and kind mismatches.
 */
#include "testutil.h"
#include "base/util.h"
#include "train/runs_where.h"

#include <math.h>

/* Five runs.  NULL text and NaN number: the run has no such field. */
static const struct {
	const char *algo, *owner, *C;
	double acc;
} rows[] = {
	{ "gbdt", "ana", "1", 0.95 },
	{ "gbdt", NULL, "10", 0.85 },
	{ "logistic", "bob", "0.1", 0.92 },
	{ "logistic", "ana", "auto", NAN },
	{ "tree", "bob", NULL, 0.97 },
};

static int
get(void *ctx, size_t r, const char *field, const char **text, double *num)
{
	(void)ctx;
	if (strcmp(field, "id") == 0) {
		*num = (double)(r + 1);
		return 1;
	}
	if (strcmp(field, "accuracy") == 0) {
		*num = rows[r].acc;
		return !isnan(*num);
	}
	if (strcmp(field, "algo") == 0 || strcmp(field, "owner") == 0) {
		*text = strcmp(field, "algo") == 0 ? rows[r].algo : rows[r].owner;
		return *text != NULL;
	}
	if (strcmp(field, "C") == 0 || strcmp(field, "n") == 0) {
		/* C as text, number when it is one; n: C of the numeric rows only */
		const char *c = rows[r].C;
		char *end;
		if (c == NULL)
			return 0;
		double v = strtod(c, &end);
		if (strcmp(field, "n") == 0 && *end != '\0')
			return 0;
		*text = c;
		*num = *end == '\0' ? v : NAN;
		return 1;
	}
	return 0;
}

static int
known(void *ctx, const char *field)
{
	(void)ctx;
	return strcmp(field, "rmse") == 0;	/* a metric no row has */
}

static const struct {
	const char *expr, *want;	/* ids kept, or the error */
} cases[] = {
	{ "accuracy > 0.9", "1 3 5" },
	{ "accuracy > 0.9 && algo == 'gbdt'", "1" },
	{ "algo == 'logistic' || owner == 'ana'", "1 3 4" },
	{ "algo != 'gbdt'", "3 4 5" },
	{ "owner != 'ana'", "3 5" },		/* run 2 has no owner: not a match */
	{ "!(accuracy > 0.9)", "2" },		/* run 4 has no accuracy */
	{ "isna(accuracy)", "4" },
	{ "n >= 1", "1 2" },			/* numbers given as text */
	{ "C == 'auto'", "4" },			/* a field with words is text */
	{ "C == '10'", "2" },
	{ "id % 2 == 1 and accuracy < 0.96", "1 3" },
	{ "rmse < 3", "" },			/* known, no row has it */
	{ "algo == 'none'", "" },
	{ "acc > 0.9", "--where:1:1: unknown field 'acc' (not a run column, metric, parameter "
	  "or tag; see 'lathe runs --help')\n    acc > 0.9\n    ^" },
	{ "accuracy > 0.9 && algo > 1", "--where:1:19: field 'algo' is text; compare it with a "
	  "'string' (algo == 'value')\n    accuracy > 0.9 && algo > 1\n                      ^" },
	{ "C > 1", "--where:1:1: field 'C' is text; compare it with a 'string' (C == 'value')\n"
	  "    C > 1\n    ^" },
	{ "accuracy == 'high'", "--where:1:1: field 'accuracy' is numeric; compare it with a "
	  "number, not a 'string'\n    accuracy == 'high'\n    ^" },
	{ "accuracy >", "--where:1:11: expression ends too early (expected a value)\n"
	  "    accuracy >\n              ^" },
	{ "algo == 'gbdt", "--where:1:9: unterminated string (expected a closing ')\n"
	  "    algo == 'gbdt\n            ^" },
	{ "1 > 0", "--where:1:1: the expression names no field (e.g. accuracy > 0.9 && "
	  "algo == 'gbdt')\n    1 > 0\n    ^" },
};

static void
test_where(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct runs_where *w = NULL;
		unsigned char keep[ARRAY_LEN(rows)];
		char *err = NULL;
		int rc = runs_where_parse(cases[i].expr, &w, &err);
		if (rc == 0)
			rc = runs_where_eval(w, ARRAY_LEN(rows), get, known, NULL, keep, &err);
		runs_where_free(w);
		if (rc != 0) {
			if (strcmp(err, cases[i].want) != 0)
				fail_msg("%s: got error\n%s\nwant\n%s", cases[i].expr, err,
				    cases[i].want);
			free(err);
			continue;
		}
		char got[64] = "";
		for (size_t r = 0; r < ARRAY_LEN(rows); r++)
			if (keep[r])
				snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu",
				    got[0] ? " " : "", r + 1);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: kept '%s', want '%s'", cases[i].expr, got, cases[i].want);
	}
}

static void
test_fields(void **state)
{
	struct runs_where *w = NULL;
	char *err = NULL;
	(void)state;
	assert_int_equal(runs_where_parse("algo == 'x' || tag.owner == 'y' && algo != 'z' && "
	    "\"metric.accuracy\" > 1", &w, &err), 0);
	assert_int_equal(runs_where_nfields(w), 3);
	assert_string_equal(runs_where_field(w, 0), "algo");
	assert_string_equal(runs_where_field(w, 1), "tag.owner");
	assert_string_equal(runs_where_field(w, 2), "metric.accuracy");
	runs_where_free(w);
	runs_where_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
