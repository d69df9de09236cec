/*
 * test_tui_tab.c — the table behind the list screens: filtering (words,
 * negation, column comparisons, unique prefixes, terms being typed, bad
 * terms), sorting (numbers by value with missing values last both ways,
 * text, stability), grouping and folding, marks, and the speed the runs
 * screen needs at 10,000 rows (each operation well under 16 ms).
 */
#include "testutil.h"
#include "tab.h"
#include "util.h"

#include <math.h>

enum { C_ID, C_STATUS, C_ALGO, C_EXP, C_ACC, C_RMSE, C_N };

static struct tab *
sample(void)
{
	static const struct { int id; const char *st, *algo, *exp; double acc, rmse; } rows[] = {
		{ 1, "finished", "logistic", "base", 0.90, NAN },
		{ 2, "finished", "logistic", "tuned", 0.95, NAN },
		{ 3, "failed", "kmeans", "", NAN, NAN },
		{ 4, "finished", "ridge", "base", NAN, 12.5 },
		{ 5, "finished", "logistic", "tuned", 0.95, NAN },
		{ 6, "running", "ridge", "tuned", NAN, 10.0 },
	};
	struct tab *t = tab_new(C_N);
	assert_non_null(t);
	tab_col(t, C_ID, "ID", TC_NUM | TC_RIGHT);
	tab_col(t, C_STATUS, "STATUS", 0);
	tab_col(t, C_ALGO, "ALGO", 0);
	tab_col(t, C_EXP, "EXPERIMENT", 0);
	tab_col(t, C_ACC, "accuracy", TC_NUM | TC_HIGH);
	tab_col(t, C_RMSE, "rmse", TC_NUM | TC_LOW);
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		long r = tab_add_row(t, rows[i].id);
		assert_true(r >= 0);
		tab_set_num(t, (size_t)r, C_ID, rows[i].id, NULL);
		tab_set(t, (size_t)r, C_STATUS, rows[i].st);
		tab_set(t, (size_t)r, C_ALGO, rows[i].algo);
		tab_set(t, (size_t)r, C_EXP, rows[i].exp);
		if (!isnan(rows[i].acc))
			tab_set_num(t, (size_t)r, C_ACC, rows[i].acc, NULL);
		if (!isnan(rows[i].rmse))
			tab_set_num(t, (size_t)r, C_RMSE, rows[i].rmse, NULL);
	}
	assert_int_equal(tab_finish(t), 0);
	assert_int_equal(tab_view(t), 0);
	return t;
}

/* The keys of the view's rows, as "1 2 3". */
static const char *
keys_of(const struct tab *t)
{
	static char buf[512];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->nview && o < sizeof buf - 24; i++) {
		if (t->view[i].row < 0)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s[%s]", o ? " " : "",
			    t->groups[t->view[i].group].name);
		else
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%lld", o ? " " : "",
			    (long long)t->keys[t->view[i].row]);
	}
	return buf;
}

static const char *
filtered(struct tab *t, const char *f)
{
	char *err = NULL;
	assert_int_equal(tab_filter(t, f, &err), 0);
	assert_null(err);
	assert_int_equal(tab_view(t), 0);
	return keys_of(t);
}

static void
test_filter(void **state)
{
	struct tab *t = sample();
	char *err = NULL;
	(void)state;
	static const struct { const char *filter, *want; } cases[] = {
		{ "", "1 2 3 4 5 6" },
		{ "logistic", "1 2 5" },
		{ "LOGISTIC", "1 2 5" },		/* case-insensitive */
		{ "tuned ridge", "6" },			/* every word must match */
		{ "!finished", "3 6" },
		{ "accuracy>0.92", "2 5" },
		{ "accuracy>=0.9", "1 2 5" },
		{ "acc<0.95", "1" },			/* a unique prefix */
		{ "rmse!=10", "1 2 3 4 5" },		/* missing is "not equal" */
		{ "algo=ridge", "4 6" },
		{ "algo~ist", "1 2 5" },
		{ "status=FAILED", "3" },
		{ "experiment=", "1 2 3 4 5 6" },	/* still being typed: ignored */
		{ "id<=2", "1 2" },
		{ "zzz", "" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *got = filtered(t, cases[i].filter);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("filter '%s': want '%s', got '%s'", cases[i].filter, cases[i].want, got);
	}
	/* a bad filter is refused and the previous one stays */
	filtered(t, "logistic");
	assert_int_equal(tab_filter(t, "nosuch>3", &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err, "no column 'nosuch'"));
	free(err);
	err = NULL;
	assert_int_equal(tab_view(t), 0);
	assert_string_equal(keys_of(t), "1 2 5");
	assert_int_equal(t->nmatch, 3);
	/* an ambiguous prefix is named */
	assert_int_equal(tab_filter(t, "a>1", &err), -1);
	assert_non_null(strstr(err, "more than one column"));
	free(err);
	tab_free(t);
}

static void
test_sort(void **state)
{
	struct tab *t = sample();
	(void)state;
	tab_sort(t, C_ACC, 1);		/* best first; missing last */
	tab_view(t);
	assert_string_equal(keys_of(t), "2 5 1 3 4 6");
	tab_sort(t, C_ACC, 0);		/* missing last in this direction too */
	tab_view(t);
	assert_string_equal(keys_of(t), "1 2 5 3 4 6");
	tab_sort(t, C_RMSE, 0);
	tab_view(t);
	assert_string_equal(keys_of(t), "6 4 1 2 3 5");
	tab_sort(t, C_ALGO, 0);		/* text; ties keep table order */
	tab_view(t);
	assert_string_equal(keys_of(t), "3 1 2 5 4 6");
	tab_sort(t, C_ID, 1);
	tab_view(t);
	assert_string_equal(keys_of(t), "6 5 4 3 2 1");
	tab_sort(t, -1, 0);
	tab_view(t);
	assert_string_equal(keys_of(t), "1 2 3 4 5 6");
	/* sort and filter together */
	tab_sort(t, C_ACC, 1);
	assert_string_equal(filtered(t, "logistic"), "2 5 1");
	tab_free(t);
}

static void
test_group(void **state)
{
	struct tab *t = sample();
	(void)state;
	tab_group(t, C_EXP);
	tab_view(t);
	/* empty experiment sorts first; groups keep table order inside */
	assert_string_equal(keys_of(t), "[] 3 [base] 1 4 [tuned] 2 5 6");
	assert_int_equal(t->ngroups, 3);
	assert_int_equal(t->groups[2].count, 3);
	/* sorted inside groups */
	tab_sort(t, C_ACC, 1);
	tab_view(t);
	assert_string_equal(keys_of(t), "[] 3 [base] 1 4 [tuned] 2 5 6");
	/* fold a group: only its header stays, and it stays folded */
	tab_fold(t, 1);
	tab_view(t);
	assert_string_equal(keys_of(t), "[] 3 [base] [tuned] 2 5 6");
	assert_string_equal(filtered(t, "finished"), "[base] [tuned] 2 5");
	tab_fold(t, 0);			/* "base" is now group 0 */
	tab_view(t);
	assert_string_equal(keys_of(t), "[base] 1 4 [tuned] 2 5");
	tab_group(t, -1);
	tab_view(t);
	assert_string_equal(keys_of(t), "2 5 1 4");
	tab_free(t);
}

static void
test_marks_and_lookup(void **state)
{
	struct tab *t = sample();
	int64_t k[8];
	(void)state;
	assert_int_equal(tab_marked(t, k, 8), 0);
	tab_mark(t, 4, 1);
	tab_mark(t, 1, 1);
	assert_int_equal(tab_marked(t, k, 8), 2);
	assert_int_equal(k[0], 2);	/* table order */
	assert_int_equal(k[1], 5);
	tab_mark(t, 4, 0);
	assert_int_equal(tab_marked(t, k, 8), 1);
	assert_int_equal(tab_row_of_key(t, 6), 5);
	assert_int_equal(tab_row_of_key(t, 99), -1);
	filtered(t, "ridge");
	assert_int_equal(tab_line_of_row(t, 5), 1);
	assert_int_equal(tab_line_of_row(t, 0), -1);
	assert_int_equal(tab_col_find(t, "Accuracy"), C_ACC);
	assert_int_equal(tab_col_find(t, "nope"), -1);
	/* widths: at least the name, the widest cell */
	assert_true(t->cols[C_STATUS].width >= 8);
	tab_free(t);
}

/* 10,000 runs-like rows: load, sort, filter within the per-key budget. */
static void
test_speed_10k(void **state)
{
	char buf[64];
	(void)state;
	double t0 = time_mono();
	struct tab *t = tab_new(16);
	assert_non_null(t);
	for (size_t j = 0; j < 16; j++) {
		snprintf(buf, sizeof buf, "col%zu", j);
		tab_col(t, j, buf, j >= 8 ? TC_NUM : 0);
	}
	for (int i = 0; i < 10000; i++) {
		long r = tab_add_row(t, i + 1);
		for (size_t j = 0; j < 8; j++) {
			snprintf(buf, sizeof buf, "v%d_%zu_%d", i % 97, j, i % 13);
			tab_set(t, (size_t)r, j, buf);
		}
		for (size_t j = 8; j < 16; j++)
			tab_set_num(t, (size_t)r, j, (double)((i * 7919 + (int)j * 31) % 10007) / 10007.0,
			    NULL);
	}
	assert_int_equal(tab_finish(t), 0);
	double load = time_mono() - t0;
	double worst = 0;
	for (int k = 0; k < 16; k++) {
		double a = time_mono();
		tab_sort(t, k, k & 1);
		assert_int_equal(tab_view(t), 0);
		double e = time_mono() - a;
		worst = e > worst ? e : worst;
	}
	const char *typing[] = { "v", "v1", "v12", "v12_", "v12_3", "col9>", "col9>0.5",
		"col9>0.5 !v3" };
	for (size_t k = 0; k < ARRAY_LEN(typing); k++) {
		double a = time_mono();
		assert_int_equal(tab_filter(t, typing[k], NULL), 0);
		assert_int_equal(tab_view(t), 0);
		double e = time_mono() - a;
		worst = e > worst ? e : worst;
	}
	print_message("10k rows: build %.1f ms, worst sort/filter %.2f ms\n", load * 1000,
	    worst * 1000);
	/* generous: sanitizer builds are several times slower */
	assert_true(worst < 0.25);
	tab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_marks_and_lookup),
		cmocka_unit_test(test_speed_10k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
