/*
 * test_split.c — seeded splits: sizes as scikit-learn's train_test_split
 * (ceil of the test fraction), stratification by class, determinism for a
 * seed, row order, k-fold balance, and the stored split records (holdout,
 * an older lathe's fold run, one cross-validated run) with their refusals.
 */
#include "testutil.h"
#include "train/split.h"

static void
test_holdout_sizes_and_order(void **state)
{
	size_t *tr, *te, ntr, nte;
	char *err = NULL;
	(void)state;
	assert_int_equal(split_holdout(150, NULL, 0, 0.2, 7, &tr, &ntr, &te, &nte, &err), 0);
	assert_int_equal(nte, 30);
	assert_int_equal(ntr, 120);
	unsigned char seen[150] = { 0 };
	for (size_t i = 0; i < ntr; i++) {
		if (i)
			assert_true(tr[i] > tr[i - 1]);	/* ascending */
		seen[tr[i]]++;
	}
	for (size_t i = 0; i < nte; i++) {
		if (i)
			assert_true(te[i] > te[i - 1]);
		seen[te[i]]++;
	}
	for (size_t i = 0; i < 150; i++)
		assert_int_equal(seen[i], 1);	/* a partition */
	free(tr);
	free(te);
	/* ceil: 0.25 of 10 rows is 3 test rows, as train_test_split */
	assert_int_equal(split_holdout(10, NULL, 0, 0.25, 1, &tr, &ntr, &te, &nte, &err), 0);
	assert_int_equal(nte, 3);
	free(tr);
	free(te);
	/* 0: everything trains, in order */
	assert_int_equal(split_holdout(5, NULL, 0, 0, 1, &tr, &ntr, &te, &nte, &err), 0);
	assert_int_equal(ntr, 5);
	assert_int_equal(nte, 0);
	assert_int_equal(tr[4], 4);
	free(tr);
	free(te);
	/* too few rows */
	assert_int_equal(split_holdout(1, NULL, 0, 0.5, 1, &tr, &ntr, &te, &nte, &err), -1);
	assert_non_null(strstr(err, "too few rows (1)"));
	free(err);
}

static void
test_deterministic(void **state)
{
	size_t *a, *b, *c, *d, na, nb, nc, nd;
	char *err = NULL;
	(void)state;
	split_holdout(1000, NULL, 0, 0.3, 42, &a, &na, &b, &nb, &err);
	split_holdout(1000, NULL, 0, 0.3, 42, &c, &nc, &d, &nd, &err);
	assert_int_equal(nb, nd);
	assert_memory_equal(b, d, nb * sizeof *b);
	free(c);
	free(d);
	split_holdout(1000, NULL, 0, 0.3, 43, &c, &nc, &d, &nd, &err);
	assert_true(memcmp(b, d, nb * sizeof *b) != 0);	/* another seed, another split */
	free(a);
	free(b);
	free(c);
	free(d);
}

static void
test_stratified(void **state)
{
	int labels[100];
	size_t *tr, *te, ntr, nte, cnt[3] = { 0, 0, 0 };
	char *err = NULL;
	(void)state;
	/* 60 / 30 / 10 */
	for (int i = 0; i < 100; i++)
		labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
	assert_int_equal(split_holdout(100, labels, 3, 0.2, 3, &tr, &ntr, &te, &nte, &err), 0);
	assert_int_equal(nte, 20);
	for (size_t i = 0; i < nte; i++)
		cnt[labels[te[i]]]++;
	assert_int_equal(cnt[0], 12);
	assert_int_equal(cnt[1], 6);
	assert_int_equal(cnt[2], 2);
	free(tr);
	free(te);
	/* a class of one row keeps it in training */
	labels[99] = 2;
	for (int i = 90; i < 99; i++)
		labels[i] = 1;
	assert_int_equal(split_holdout(100, labels, 3, 0.5, 3, &tr, &ntr, &te, &nte, &err), 0);
	int in_train = 0;
	for (size_t i = 0; i < ntr; i++)
		in_train |= tr[i] == 99;
	assert_true(in_train);
	free(tr);
	free(te);
}

static void
test_kfold(void **state)
{
	int labels[23], *fold, sizes[5] = { 0 };
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 23; i++)
		labels[i] = i % 3;
	assert_int_equal(split_kfold(23, labels, 3, 5, 9, &fold, &err), 0);
	for (int i = 0; i < 23; i++) {
		assert_true(fold[i] >= 0 && fold[i] < 5);
		sizes[fold[i]]++;
	}
	for (int f = 0; f < 5; f++)
		assert_true(sizes[f] == 4 || sizes[f] == 5);	/* within one */
	free(fold);
	assert_int_equal(split_kfold(3, NULL, 0, 5, 9, &fold, &err), -1);
	free(err);
}

/* The stored split records: holdout, an older lathe's fold run, one
 * cross-validated run (with and without a group), and refusals. */
static void
test_record_parse(void **state)
{
	struct split_spec sp;
	char *err = NULL;
	(void)state;
	assert_int_equal(split_record_parse("{\"method\": \"holdout\", \"test_size\": 0.25}", &sp,
	    &err), 0);
	assert_string_equal(sp.method, "holdout");
	assert_true(sp.test_size == 0.25);
	assert_null(sp.group);
	split_spec_clear(&sp);
	assert_int_equal(split_record_parse("{\"method\": \"kfold\", \"folds\": 5, \"fold\": 4}",
	    &sp, &err), 0);
	assert_string_equal(sp.method, "kfold");
	assert_int_equal(sp.folds, 5);
	assert_int_equal(sp.fold, 4);
	split_spec_clear(&sp);
	assert_int_equal(split_record_parse("{\"method\": \"cv\", \"folds\": 4, \"repeats\": 3, "
	    "\"group\": \"patient\", \"test_size\": 0.2, \"stratified\": false}", &sp, &err), 0);
	assert_string_equal(sp.method, "cv");
	assert_int_equal(sp.folds, 4);
	assert_int_equal(sp.repeats, 3);
	assert_string_equal(sp.group, "patient");
	assert_true(sp.test_size == 0.2);
	split_spec_clear(&sp);
	assert_null(sp.group);
	assert_int_equal(split_record_parse("{\"method\": \"cv\", \"folds\": 4, \"repeats\": 1, "
	    "\"group\": null, \"test_size\": 0}", &sp, &err), 0);
	assert_null(sp.group);
	split_spec_clear(&sp);
	static const char *const bad[] = {
		"{\"method\": \"cv\", \"folds\": 4, \"repeats\": 0, \"group\": null, \"test_size\": 0}",
		"{\"method\": \"cv\", \"folds\": 1, \"repeats\": 1, \"group\": null, \"test_size\": 0}",
		"{\"method\": \"cv\", \"folds\": 4, \"repeats\": 1, \"group\": 7, \"test_size\": 0}",
		"{\"method\": \"cv\", \"folds\": 4, \"repeats\": 1, \"group\": null}",
		"{\"method\": \"cv\", \"folds\": 4, \"repeats\": 1, \"group\": null, \"test_size\": 1}",
		"{\"method\": \"kfold\", \"folds\": 4, \"fold\": 4}",
		"{\"method\": \"bootstrap\"}",
		"not json",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(split_record_parse(bad[i], &sp, &err), -1);
		assert_non_null(err);
		assert_null(sp.group);
		free(err);
		err = NULL;
		split_spec_clear(&sp);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holdout_sizes_and_order),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_stratified),
		cmocka_unit_test(test_kfold),
		cmocka_unit_test(test_record_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
