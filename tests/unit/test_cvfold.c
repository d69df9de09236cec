/*
 * test_cvfold.c — fold assignment for cross-validation: sizes within one,
 * stratification (each fold holds each class's share to within one row),
 * groups never split across folds, repetitions differ, the same seed gives
 * the same folds, repetition 0 is split_kfold's, and the refusals.
 */
#include "testutil.h"
#include "train/cvfold.h"
#include "train/split.h"

static void
test_plain_sizes(void **state)
{
	struct cvfold_spec sp = { .folds = 4, .repeats = 1, .seed = 3 };
	int *f, sizes[4] = { 0 };
	char *err = NULL;
	(void)state;
	assert_int_equal(cvfold_assign(10, &sp, &f, &err), 0);
	for (int i = 0; i < 10; i++) {
		assert_true(f[i] >= 0 && f[i] < 4);
		sizes[f[i]]++;
	}
	for (int k = 0; k < 4; k++)
		assert_true(sizes[k] == 2 || sizes[k] == 3);
	free(f);
}

/* 3 classes of 50, 30 and 20 rows in 5 folds: each fold 10/6/4 exactly. */
static void
test_stratified_proportions(void **state)
{
	int labels[100], *f, cnt[5][3] = { { 0 } };
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 100; i++)
		labels[i] = i < 50 ? 0 : i < 80 ? 1 : 2;
	struct cvfold_spec sp = { .folds = 5, .repeats = 3, .labels = labels, .k = 3, .seed = 11 };
	assert_int_equal(cvfold_assign(100, &sp, &f, &err), 0);
	for (int r = 0; r < 3; r++) {
		memset(cnt, 0, sizeof cnt);
		for (int i = 0; i < 100; i++)
			cnt[f[r * 100 + i]][labels[i]]++;
		for (int k = 0; k < 5; k++) {
			assert_int_equal(cnt[k][0], 10);
			assert_int_equal(cnt[k][1], 6);
			assert_int_equal(cnt[k][2], 4);
		}
	}
	free(f);
	/* uneven classes (7, 5, 11 rows in 4 folds): each class's share within
	 * one row in every fold, and fold sizes within one */
	int lab2[23];
	for (int i = 0; i < 23; i++)
		lab2[i] = i < 7 ? 0 : i < 12 ? 1 : 2;
	struct cvfold_spec s2 = { .folds = 4, .repeats = 2, .labels = lab2, .k = 3, .seed = 5 };
	assert_int_equal(cvfold_assign(23, &s2, &f, &err), 0);
	for (int r = 0; r < 2; r++) {
		int c2[4][3] = { { 0 } }, sz[4] = { 0 };
		for (int i = 0; i < 23; i++) {
			c2[f[r * 23 + i]][lab2[i]]++;
			sz[f[r * 23 + i]]++;
		}
		const int tot[3] = { 7, 5, 11 };
		for (int k = 0; k < 4; k++) {
			assert_true(sz[k] == 5 || sz[k] == 6);
			for (int c = 0; c < 3; c++)
				assert_true(c2[k][c] == tot[c] / 4 || c2[k][c] == tot[c] / 4 + 1);
		}
	}
	free(f);
}

/* 40 rows in 13 groups of uneven sizes, 4 folds, 3 repeats: a group's rows
 * share one fold; every fold holds a group; folds are balanced greedily. */
static void
test_groups_never_split(void **state)
{
	int groups[40], *f;
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 40; i++)
		groups[i] = (i * 7) % 13;	/* interleaved: one group of 4, twelve of 3 */
	struct cvfold_spec sp = { .folds = 4, .repeats = 3, .groups = groups, .ngroups = 13,
		.labels = NULL, .seed = 21 };
	assert_int_equal(cvfold_assign(40, &sp, &f, &err), 0);
	for (int r = 0; r < 3; r++) {
		int gf[13], sz[4] = { 0 };
		for (int g = 0; g < 13; g++)
			gf[g] = -1;
		for (int i = 0; i < 40; i++) {
			int k = f[r * 40 + i];
			if (gf[groups[i]] < 0)
				gf[groups[i]] = k;
			assert_int_equal(gf[groups[i]], k);	/* never split */
			sz[k]++;
		}
		/* greedy balance: folds differ by at most the largest group */
		int lo = sz[0], hi = sz[0];
		for (int k = 1; k < 4; k++) {
			lo = sz[k] < lo ? sz[k] : lo;
			hi = sz[k] > hi ? sz[k] : hi;
		}
		assert_true(lo > 0 && hi - lo <= 4);
	}
	free(f);
	/* groups take precedence over labels */
	int labels[40];
	for (int i = 0; i < 40; i++)
		labels[i] = i % 2;
	sp.labels = labels;
	sp.k = 2;
	sp.repeats = 1;
	assert_int_equal(cvfold_assign(40, &sp, &f, &err), 0);
	for (int i = 1; i < 40; i++)
		if (groups[i] == groups[0])
			assert_int_equal(f[i], f[0]);
	free(f);
	/* fewer groups than folds */
	int few[6] = { 0, 0, 1, 1, 2, 2 };
	struct cvfold_spec s3 = { .folds = 4, .repeats = 1, .groups = few, .ngroups = 3 };
	assert_int_equal(cvfold_assign(6, &s3, &f, &err), -1);
	assert_string_equal(err, "cannot make 4 folds of 3 groups: each fold needs a group of "
	    "its own");
	free(err);
	err = NULL;
}

static void
test_repeats_differ_same_seed_same(void **state)
{
	int labels[60], *a, *b, *c, *kf;
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 60; i++)
		labels[i] = i % 3;
	struct cvfold_spec sp = { .folds = 5, .repeats = 3, .labels = labels, .k = 3, .seed = 42 };
	assert_int_equal(cvfold_assign(60, &sp, &a, &err), 0);
	assert_int_equal(cvfold_assign(60, &sp, &b, &err), 0);
	assert_memory_equal(a, b, 180 * sizeof *a);	/* same seed, same folds */
	assert_true(memcmp(a, a + 60, 60 * sizeof *a) != 0);	/* repeats differ */
	assert_true(memcmp(a + 60, a + 120, 60 * sizeof *a) != 0);
	sp.seed = 43;
	assert_int_equal(cvfold_assign(60, &sp, &c, &err), 0);
	assert_true(memcmp(a, c, 180 * sizeof *a) != 0);	/* another seed, other folds */
	/* repetition 0 is split_kfold's assignment */
	assert_int_equal(split_kfold(60, labels, 3, 5, 42, &kf, &err), 0);
	assert_memory_equal(a, kf, 60 * sizeof *a);
	free(a);
	free(b);
	free(c);
	free(kf);
	/* grouped repeats differ too */
	int groups[60];
	for (int i = 0; i < 60; i++)
		groups[i] = i / 3;
	struct cvfold_spec sg = { .folds = 5, .repeats = 2, .groups = groups, .ngroups = 20,
		.seed = 42 };
	assert_int_equal(cvfold_assign(60, &sg, &a, &err), 0);
	assert_true(memcmp(a, a + 60, 60 * sizeof *a) != 0);
	free(a);
}

static void
test_refusals(void **state)
{
	int *f;
	char *err = NULL;
	(void)state;
	struct cvfold_spec sp = { .folds = 5, .repeats = 1, .seed = 1 };
	assert_int_equal(cvfold_assign(3, &sp, &f, &err), -1);
	assert_string_equal(err, "cannot make 5 folds of 3 rows");
	assert_null(f);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_sizes),
		cmocka_unit_test(test_stratified_proportions),
		cmocka_unit_test(test_groups_never_split),
		cmocka_unit_test(test_repeats_differ_same_seed_same),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
