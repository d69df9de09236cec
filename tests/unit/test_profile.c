/*
 * test_profile.c — column statistics: values checked against pandas'
 * describe() / value_counts() semantics computed by hand, the radix sort
 * against qsort, categorical/text classification and label detection.
 */
#include "testutil.h"
#include "profile.h"
#include "table.h"
#include "util.h"

#include <math.h>

static struct table *
num_table(const double *v, size_t n)
{
	struct table *t = table_new(1);
	double *d = malloc(n * sizeof *d);
	assert_non_null(t);
	assert_non_null(d);
	memcpy(d, v, n * sizeof *d);
	t->nrows = n;
	t->cols[0].name = str_dup("x");
	t->cols[0].kind = COL_NUMERIC;
	assert_int_equal(column_add_chunk(&t->cols[0], 0, n, d), 0);
	return t;
}

static struct table *
str_table(const char *const *v, size_t n)
{
	struct table *t = table_new(1);
	uint32_t *codes = malloc(n * sizeof *codes);
	assert_non_null(codes);
	t->nrows = n;
	t->cols[0].name = str_dup("s");
	t->cols[0].kind = COL_CATEGORICAL;
	for (size_t i = 0; i < n; i++) {
		codes[i] = CODE_NA;
		if (v[i])
			assert_int_equal(strdict_intern(&t->cols[0].dict, v[i], strlen(v[i]), &codes[i]), 0);
	}
	assert_int_equal(column_add_chunk(&t->cols[0], 0, n, codes), 0);
	return t;
}

static void
test_numeric_stats(void **state)
{
	/* pandas: pd.Series([1,2,3,4,10,NaN]).describe() ->
	 * count 5, mean 4, std 3.535534, min 1, 25% 2, 50% 3, 75% 4, max 10 */
	const double v[] = { 4, 2, NAN, 10, 1, 3 };
	struct table *t = num_table(v, 6);
	char *err = NULL;
	(void)state;
	assert_int_equal(profile_table(t, 1, &err), 0);
	const struct col_stats *s = &t->cols[0].st;
	assert_int_equal(s->count, 5);
	assert_int_equal(s->missing, 1);
	assert_int_equal(s->distinct, 5);
	assert_float_equal(s->mean, 4.0, 1e-15);
	assert_float_equal(s->std, sqrt(12.5), 1e-14);
	assert_true(s->min == 1 && s->q25 == 2 && s->median == 3 && s->q75 == 4 && s->max == 10);
	assert_true(s->is_integer);
	assert_false(s->likely_label);	/* 5 distinct in 5 values: not a label */
	table_free(t);
}

static void
test_quantile_interpolation(void **state)
{
	/* numpy.quantile([1,2,3,4], [.25,.5,.75]) = 1.75, 2.5, 3.25 */
	const double a[] = { 1, 2, 3, 4 };
	(void)state;
	assert_true(quantile_sorted(a, 4, 0.25) == 1.75);
	assert_true(quantile_sorted(a, 4, 0.5) == 2.5);
	assert_true(quantile_sorted(a, 4, 0.75) == 3.25);
	assert_true(quantile_sorted(a, 1, 0.75) == 1);
	const double b[] = { 0.1, 0.7 };
	assert_true(quantile_sorted(b, 2, 0.75) == 0.7 - (0.7 - 0.1) * 0.25);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void
test_radix_sort(void **state)
{
	size_t n = 100000;
	double *a = malloc(n * 8), *b = malloc(n * 8), *tmp = malloc(n * 8);
	uint64_t x = 88172645463325252ull;
	(void)state;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		switch (i % 5) {
		case 0: a[i] = (double)(int64_t)x / 1e10; break;
		case 1: a[i] = -(double)(x % 1000); break;
		case 2: a[i] = (double)(x % 7); break;
		case 3: a[i] = i % 10 ? 1e-300 * (double)(x % 100) : -0.0; break;
		default: a[i] = i % 2 ? INFINITY : -INFINITY;
		}
	}
	memcpy(b, a, n * 8);
	sort_doubles(a, tmp, n);
	qsort(b, n, 8, cmpd);
	for (size_t i = 0; i < n; i++)
		assert_true(a[i] == b[i]);
	free(a);
	free(b);
	free(tmp);
}

/* Bitwise total order, as the radix sort's fallback orders -0.0 and 0.0. */
static int
cmpbits(const void *a, const void *b)
{
	int c = cmpd(a, b);
	if (c == 0)
		c = signbit(*(const double *)b) - signbit(*(const double *)a);
	return c;
}

static double
xorshift_unit(uint64_t *x)
{
	*x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17;
	return (double)(*x >> 11) / 9007199254740992.0;
}

/* Short decimals take the scaled-integer path: the same order, the same
 * bits back, whatever the exponent the first sample suggested. */
static void
test_radix_sort_decimals(void **state)
{
	size_t n = 200000;
	double *a = malloc(n * 8), *b = malloc(n * 8), *tmp = malloc(n * 8);
	uint64_t x = 2463534242ull;
	char s[64];
	(void)state;
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < n; i++) {
			double v = (xorshift_unit(&x) - 0.5) * 70.0;
			switch (round) {
			case 0: snprintf(s, sizeof s, "%.6g", v); break;	/* e up to ~11 */
			case 1: snprintf(s, sizeof s, "%.2f", v + 100); break;	/* e = 2 */
			case 2: snprintf(s, sizeof s, "%.0f", v * 1e6); break;	/* integers */
			case 3: snprintf(s, sizeof s, i == n - 7 ? "%.9f" : "%.3f", v); break;
			default: snprintf(s, sizeof s, i == 5 ? "%.17g" : "%.3f", v); break;
			}
			a[i] = strtod(s, NULL);
		}
		a[17] = a[18];				/* duplicates */
		memcpy(b, a, n * 8);
		sort_doubles(a, tmp, n);
		qsort(b, n, 8, cmpbits);
		assert_memory_equal(a, b, n * 8);
	}
	/* -0.0 has no scaled integer: the bit-pattern sort orders it */
	for (size_t i = 0; i < n; i++)
		a[i] = i % 3 ? (double)(i % 11) / 4 : -0.0;
	memcpy(b, a, n * 8);
	sort_doubles(a, tmp, n);
	qsort(b, n, 8, cmpbits);
	assert_memory_equal(a, b, n * 8);
	free(a);
	free(b);
	free(tmp);
}

static void
test_top_values_and_label(void **state)
{
	double v[100];
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 100; i++)
		v[i] = i < 50 ? 2 : i < 80 ? 0 : 1;
	struct table *t = num_table(v, 100);
	assert_int_equal(profile_table(t, 2, &err), 0);
	const struct col_stats *s = &t->cols[0].st;
	assert_int_equal(s->distinct, 3);
	assert_int_equal(s->ntop, 3);
	assert_true(s->top[0].value == 2 && s->top[0].count == 50);
	assert_true(s->top[1].value == 0 && s->top[1].count == 30);
	assert_true(s->top[2].value == 1 && s->top[2].count == 20);
	assert_string_equal(s->top[0].label, "2");
	assert_true(s->likely_label);
	table_free(t);

	/* 0.5 steps are not integers: no label */
	for (int i = 0; i < 100; i++)
		v[i] = (i % 3) * 0.5;
	t = num_table(v, 100);
	assert_int_equal(profile_table(t, 1, &err), 0);
	assert_false(t->cols[0].st.is_integer);
	assert_false(t->cols[0].st.likely_label);
	table_free(t);
}

static void
test_categorical_vs_text(void **state)
{
	const char *v[40];
	char buf[40][16];
	char *err = NULL;
	(void)state;
	for (int i = 0; i < 40; i++)
		v[i] = i % 10 == 9 ? NULL : (i % 2 ? "yes" : "no");
	struct table *t = str_table(v, 40);
	assert_int_equal(profile_table(t, 1, &err), 0);
	assert_int_equal(t->cols[0].kind, COL_CATEGORICAL);
	assert_int_equal(t->cols[0].st.missing, 4);
	assert_int_equal(t->cols[0].st.count, 36);
	assert_int_equal(t->cols[0].st.distinct, 2);
	assert_string_equal(t->cols[0].st.top[0].label, "no");	/* 20 no, 16 yes */
	assert_int_equal(t->cols[0].st.top[0].count, 20);
	table_free(t);

	/* every value different: an identifier column, text */
	for (int i = 0; i < 40; i++) {
		snprintf(buf[i], sizeof buf[i], "id-%d", i);
		v[i] = buf[i];
	}
	t = str_table(v, 40);
	assert_int_equal(profile_table(t, 1, &err), 0);
	assert_int_equal(t->cols[0].kind, COL_TEXT);
	assert_int_equal(t->cols[0].st.distinct, 40);
	table_free(t);
}

static void
test_hash_independent_of_chunking(void **state)
{
	double v[10];
	char *err = NULL, h1[65], h2[65];
	(void)state;
	for (int i = 0; i < 10; i++)
		v[i] = i * 1.5;
	struct table *a = num_table(v, 10);
	struct table *b = table_new(1);
	b->nrows = 10;
	b->cols[0].name = str_dup("x");
	double *p1 = malloc(3 * 8), *p2 = malloc(7 * 8);
	memcpy(p1, v, 3 * 8);
	memcpy(p2, v + 3, 7 * 8);
	column_add_chunk(&b->cols[0], 0, 3, p1);
	column_add_chunk(&b->cols[0], 3, 7, p2);
	assert_int_equal(profile_table(a, 1, &err), 0);
	assert_int_equal(profile_table(b, 1, &err), 0);
	profile_table_hash(a, h1);
	profile_table_hash(b, h2);
	assert_string_equal(h1, h2);
	/* a change of one value changes it */
	((double *)b->cols[0].chunks[1].data)[6] = 99;
	assert_int_equal(profile_table(b, 1, &err), 0);
	profile_table_hash(b, h2);
	assert_string_not_equal(h1, h2);
	table_free(a);
	table_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric_stats),
		cmocka_unit_test(test_quantile_interpolation),
		cmocka_unit_test(test_radix_sort),
		cmocka_unit_test(test_radix_sort_decimals),
		cmocka_unit_test(test_top_values_and_label),
		cmocka_unit_test(test_categorical_vs_text),
		cmocka_unit_test(test_hash_independent_of_chunking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
