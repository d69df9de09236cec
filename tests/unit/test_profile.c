/*
 * test_profile.c — column statistics: values checked against pandas'
 * describe() / value_counts() semantics computed by hand, the radix sort
 * against qsort, categorical/text classification and label detection.
 */
#include "testutil.h"
#include "base/util.h"
#include "ingest/profile.h"
#include "store/table.h"

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
	/* exact, and in double (cmocka's assert_float_equal is single
	 * precision): integer data keeps every sum exact in any order, so the
	 * mean is 20 / 5 and the std sqrt(50 / 4), correctly rounded once */
	assert_true(s->mean == 4.0);
	assert_true(s->std == sqrt(12.5));
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
	/* exact: numpy's _lerp for t >= 0.5 is the same three IEEE operations
	 * (no BLAS, no contraction), so any machine gives numpy's bits */
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

/* Infinities are values counted apart; the statistics are of the finite
 * values (pandas' describe gives inf/NaN there). */
static void
test_infinities(void **state)
{
	const double v[] = { 1, INFINITY, 3, -INFINITY, NAN, 5, INFINITY };
	char *err = NULL;
	(void)state;
	struct table *t = num_table(v, 7);
	assert_int_equal(profile_table(t, 1, &err), 0);
	const struct col_stats *s = &t->cols[0].st;
	assert_int_equal(s->count, 6);
	assert_int_equal(s->missing, 1);
	assert_int_equal(s->pos_inf, 2);
	assert_int_equal(s->neg_inf, 1);
	assert_int_equal(s->distinct, 5);	/* 1, 3, 5, +inf, -inf */
	assert_true(s->mean == 3 && s->std == 2 && s->min == 1 && s->median == 3 && s->max == 5);
	assert_true(s->q25 == 2 && s->q75 == 4);
	assert_int_equal(s->ntop, 3);		/* finite values only */
	for (int k = 0; k < s->ntop; k++)
		assert_true(isfinite(s->top[k].value));
	assert_false(s->is_integer);
	assert_false(s->likely_label);
	table_free(t);
	/* only infinities: counted, no statistics */
	const double w[] = { INFINITY, NAN, INFINITY };
	t = num_table(w, 3);
	assert_int_equal(profile_table(t, 1, &err), 0);
	s = &t->cols[0].st;
	assert_int_equal(s->count, 2);
	assert_int_equal(s->pos_inf, 2);
	assert_int_equal(s->distinct, 1);
	assert_true(isnan(s->mean) && isnan(s->min) && isnan(s->max));
	assert_int_equal(s->ntop, 0);
	table_free(t);
	/* the radix sort's path (n >= 512), decimals and a few infinities */
	double *big = malloc(2000 * sizeof *big);
	assert_non_null(big);
	for (int i = 0; i < 2000; i++)
		big[i] = i % 100 == 7 ? (i % 200 == 7 ? INFINITY : -INFINITY) : (i % 1000) * 0.25;
	t = num_table(big, 2000);
	free(big);
	assert_int_equal(profile_table(t, 2, &err), 0);
	s = &t->cols[0].st;
	assert_int_equal(s->pos_inf, 10);
	assert_int_equal(s->neg_inf, 10);
	assert_true(s->min == 0 && s->max == 249.75);
	assert_true(isfinite(s->mean) && isfinite(s->std) && isfinite(s->median));
	table_free(t);
	/* none: zero counts */
	const double u[] = { 1, 2 };
	t = num_table(u, 2);
	assert_int_equal(profile_table(t, 1, &err), 0);
	assert_true(t->cols[0].st.pos_inf == 0 && t->cols[0].st.neg_inf == 0);
	table_free(t);
}

/* Column generators for the label cases: g(row, column) -> value. */
enum { LROWS = 200 };

static double
gen_pixel(size_t i, size_t j)
{
	return (double)((i * 7 + j * 13 + i * j) % 17);	/* 0..16 */
}

static double gen_digit(size_t i, size_t j) { (void)j; return (double)(i % 10); }
static double gen_binary(size_t i, size_t j) { (void)j; return (double)(i * 7 % 3 == 0); }
static double gen_small(size_t i, size_t j) { return (double)((i + j) % 4); }
static double gen_float(size_t i, size_t j) { return (double)(i + j) * 0.37; }
static double gen_id(size_t i, size_t j) { (void)j; return (double)i + 1; }
static double gen_year(size_t i, size_t j) { (void)j; return 2007 + (double)(i % 3); }

struct lcol {
	const char	*name;
	double		(*gen)(size_t, size_t);	/* NULL: a categorical column */
	int		 label;			/* expected likely_label */
};

static void
check_labels(const char *what, const struct lcol *cols, size_t ncols)
{
	static const char *const cats[] = { "Adelie", "Gentoo", "Chinstrap" };
	struct table *t = table_new(ncols);
	char *err = NULL;
	assert_non_null(t);
	t->nrows = LROWS;
	for (size_t j = 0; j < ncols; j++) {
		struct column *c = &t->cols[j];
		c->name = str_dup(cols[j].name);
		if (cols[j].gen) {
			double *d = malloc(LROWS * sizeof *d);
			for (size_t i = 0; i < LROWS; i++)
				d[i] = cols[j].gen(i, j);
			c->kind = COL_NUMERIC;
			assert_int_equal(column_add_chunk(c, 0, LROWS, d), 0);
		} else {
			uint32_t *codes = malloc(LROWS * sizeof *codes);
			for (size_t i = 0; i < LROWS; i++)
				assert_int_equal(strdict_intern(&c->dict, cats[i % 3], strlen(cats[i % 3]),
				    &codes[i]), 0);
			c->kind = COL_CATEGORICAL;
			assert_int_equal(column_add_chunk(c, 0, LROWS, codes), 0);
		}
	}
	assert_int_equal(profile_stats(t, 2, &err), 0);
	for (size_t j = 0; j < ncols; j++)
		if (t->cols[j].st.likely_label != cols[j].label)
			fail_msg("%s: column '%s' likely_label %d, expected %d", what, cols[j].name,
			    t->cols[j].st.likely_label, cols[j].label);
	table_free(t);
}

/* Likely class labels are what a person would pick: one target, not the
 * 61 pixel columns of the digits data. */
static void
test_labels_across_table(void **state)
{
	struct lcol digits[65], anon[65];
	char names[64][16], anames[65][16];
	(void)state;
	for (size_t j = 0; j < 64; j++) {
		snprintf(names[j], sizeof names[j], "pixel_%zu_%zu", j / 8, j % 8);
		digits[j] = (struct lcol){ names[j], gen_pixel, 0 };
	}
	digits[64] = (struct lcol){ "target", gen_digit, 1 };
	check_labels("digits", digits, 65);
	/* the same without names (--no-header: col1..col65): the last column */
	for (size_t j = 0; j < 65; j++) {
		snprintf(anames[j], sizeof anames[j], "col%zu", j + 1);
		anon[j] = (struct lcol){ anames[j], j < 64 ? gen_pixel : gen_digit, j == 64 };
	}
	check_labels("digits without header", anon, 65);
	/* MNIST's layout: "label" first */
	anon[0] = (struct lcol){ "label", gen_digit, 1 };
	anon[64] = (struct lcol){ "col65", gen_pixel, 0 };
	check_labels("label first", anon, 65);
	const struct lcol titanic[] = {
		{ "PassengerId", gen_id, 0 }, { "Survived", gen_binary, 1 },
		{ "Pclass", gen_small, 0 }, { "Sex", NULL, 0 }, { "Age", gen_float, 0 },
		{ "SibSp", gen_small, 0 }, { "Parch", gen_small, 0 }, { "Fare", gen_float, 0 },
		{ "Embarked", NULL, 0 },
	};
	check_labels("titanic", titanic, ARRAY_LEN(titanic));
	const struct lcol penguins[] = {
		{ "species", NULL, 0 }, { "island", NULL, 0 }, { "bill_length_mm", gen_float, 0 },
		{ "year", gen_year, 0 },
	};
	check_labels("penguins", penguins, ARRAY_LEN(penguins));
	const struct lcol iris[] = {
		{ "sepal length (cm)", gen_float, 0 }, { "petal width (cm)", gen_float, 0 },
		{ "target", gen_small, 1 },
	};
	check_labels("iris", iris, ARRAY_LEN(iris));
	/* no name, last column continuous: a few candidates are flagged ... */
	const struct lcol few[] = {
		{ "grade", gen_small, 1 }, { "rooms", gen_year, 1 }, { "price", gen_float, 0 },
	};
	check_labels("few candidates", few, ARRAY_LEN(few));
	/* ... dozens (here four) are features */
	const struct lcol many[] = {
		{ "q1", gen_small, 0 }, { "q2", gen_small, 0 }, { "q3", gen_small, 0 },
		{ "q4", gen_small, 0 }, { "score", gen_float, 0 },
	};
	check_labels("many candidates", many, ARRAY_LEN(many));
	/* a feature named "y" beside "x" does not claim the target */
	const struct lcol xy[] = {
		{ "x", gen_float, 0 }, { "y", gen_float, 0 }, { "grade", gen_small, 1 },
	};
	check_labels("x, y and a label", xy, ARRAY_LEN(xy));
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
		cmocka_unit_test(test_infinities),
		cmocka_unit_test(test_labels_across_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
