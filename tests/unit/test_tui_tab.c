/*
 * test_tui_tab.c — the table behind the list screens: filtering (words,
 * negation, column comparisons, unique prefixes, terms being typed, bad
 * terms), sorting (numbers by value with missing values last both ways,
 * text, stability), grouping and folding, marks, and the same at 10,000
 * rows, against a plain oracle.  How fast the runs screen sorts and
 * filters 10,000 runs is bench/bench_tui.sh's to measure and report
 * (target: each key under 16 ms): a unit test asserts no timing.
 */
#include "testutil.h"
#include "base/util.h"
#include "tui/tab.h"

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

/* Does row r of t hold word (lowercase) in any cell, case-insensitively? */
static int
row_has(const struct tab *t, size_t r, const char *word)
{
	for (size_t j = 0; j < t->ncols; j++)
		for (const char *q = tab_cell(t, r, j); *q; q++)
			if (strncasecmp(q, word, strlen(word)) == 0)
				return 1;
	return 0;
}

/* Is row a before row b when sorted by column col (descending: desc)?
 * Missing last either way, ties in table order. */
static int
sorted_before(const struct tab *t, size_t a, size_t b, size_t col, int desc)
{
	int c;
	if (t->cols[col].flags & TC_NUM) {
		double x = tab_num(t, a, col), y = tab_num(t, b, col);
		if (isnan(x) != isnan(y))
			return isnan(y);
		c = isnan(x) ? 0 : (x > y) - (x < y);
	} else {
		c = strcmp(tab_cell(t, a, col), tab_cell(t, b, col));
	}
	c = desc ? -c : c;
	return c < 0 || (c == 0 && a < b);
}

/* 10,000 runs-like rows: every sort orders the whole view, and each
 * filter typed one key at a time shows exactly the rows an oracle picks,
 * in the sorted order. */
static void
test_10k(void **state)
{
	char buf[64];
	(void)state;
	enum { N = 10000 };
	struct tab *t = tab_new(16);
	assert_non_null(t);
	for (size_t j = 0; j < 16; j++) {
		snprintf(buf, sizeof buf, "col%zu", j);
		tab_col(t, j, buf, j >= 8 ? TC_NUM : 0);
	}
	for (int i = 0; i < N; i++) {
		long r = tab_add_row(t, i + 1);
		assert_int_equal(r, i);
		for (size_t j = 0; j < 8; j++) {
			snprintf(buf, sizeof buf, "v%d_%zu_%d", i % 97, j, i % 13);
			tab_set(t, (size_t)r, j, buf);
		}
		for (size_t j = 8; j < 16; j++)	/* every 101st missing */
			tab_set_num(t, (size_t)r, j, (i + (int)j) % 101 == 0 ? NAN :
			    (double)((i * 7919 + (int)j * 31) % 10007) / 10007.0, NULL);
	}
	assert_int_equal(tab_finish(t), 0);
	for (int k = 0; k < 16; k++) {
		tab_sort(t, k, k & 1);
		assert_int_equal(tab_view(t), 0);
		assert_int_equal(t->nview, N);
		for (size_t i = 1; i < t->nview; i++)
			if (!sorted_before(t, (size_t)t->view[i - 1].row, (size_t)t->view[i].row,
			    (size_t)k, k & 1))
				fail_msg("sorted by col%d%s: rows %d, %d out of order at line %zu", k,
				    k & 1 ? " descending" : "", t->view[i - 1].row, t->view[i].row, i);
	}
	/* the view is now sorted by col15, descending */
	/* what the oracle keeps: rows holding word, with col9 over above
	 * (-1: any), not holding not; all: every row passes */
	static const struct {
		const char *filter, *word;
		double above;
		const char *not;
		int all;
	} typing[] = {
		{ "v", "v", -1, NULL, 1 },
		{ "v1", "v1", -1, NULL, 0 },
		{ "v12", "v12", -1, NULL, 0 },
		{ "v12_", "v12_", -1, NULL, 0 },
		{ "v12_3", "v12_3", -1, NULL, 0 },
		{ "col9>", NULL, -1, NULL, 1 },		/* still being typed: ignored */
		{ "col9>0.5", NULL, 0.5, NULL, 0 },
		{ "col9>0.5 !v3", NULL, 0.5, "v3", 0 },
	};
	for (size_t k = 0; k < ARRAY_LEN(typing); k++) {
		size_t want = 0;
		unsigned char *in = calloc(N, 1);
		assert_non_null(in);
		for (size_t r = 0; r < N; r++) {
			in[r] = (typing[k].word == NULL || row_has(t, r, typing[k].word)) &&
			    (typing[k].above < 0 || tab_num(t, r, 9) > typing[k].above) &&
			    (typing[k].not == NULL || !row_has(t, r, typing[k].not));
			want += in[r];
		}
		assert_int_equal(tab_filter(t, typing[k].filter, NULL), 0);
		assert_int_equal(tab_view(t), 0);
		if (t->nview != want)
			fail_msg("filter '%s': %zu rows, the oracle picks %zu", typing[k].filter,
			    t->nview, want);
		for (size_t i = 0; i < t->nview; i++) {
			if (!in[t->view[i].row])
				fail_msg("filter '%s': row %d shown", typing[k].filter, t->view[i].row);
			if (i && !sorted_before(t, (size_t)t->view[i - 1].row, (size_t)t->view[i].row,
			    15, 1))
				fail_msg("filter '%s': out of order at line %zu", typing[k].filter, i);
		}
		/* the oracle agrees that the case tests something */
		if (typing[k].all ? want != N : want == 0 || want == N)
			fail_msg("filter '%s': the oracle keeps %zu rows of %d", typing[k].filter,
			    want, N);
		free(in);
	}
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
		cmocka_unit_test(test_10k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
