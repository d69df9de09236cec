/*
 * test_recipe.c — the recipe language: every step (with missing values,
 * constant columns, all-missing columns and a single row), the derive
 * expression language, parse errors with line/column/caret/suggestion,
 * save/load round trips, prediction-time input handling, and the no-leak
 * rule (state learned from the frame it is fitted on, nothing else).
 */
#include "testutil.h"
#include "base/util.h"
#include "features/expr.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "store/table.h"

#include <float.h>
#include <math.h>

/* A frame with numeric columns x (with a NaN), y, const, allna and a
 * categorical column c. */
static struct strdict cdict;

static struct frame *
mkframe(void)
{
	static const double x[] = { 1, 2, NAN, 4, 5, 6 };
	static const double y[] = { 10, 20, 30, 40, 50, 60 };
	static const char *const c[] = { "a", "b", "a", NULL, "c", "a" };
	struct frame *f = frame_new(6);
	double *v;
	assert_non_null(f);
	v = malloc(6 * sizeof *v); memcpy(v, x, sizeof x); frame_add_num(f, "x", v);
	v = malloc(6 * sizeof *v); memcpy(v, y, sizeof y); frame_add_num(f, "y", v);
	v = malloc(6 * sizeof *v); for (int i = 0; i < 6; i++) v[i] = 3; frame_add_num(f, "const", v);
	v = malloc(6 * sizeof *v); for (int i = 0; i < 6; i++) v[i] = NAN; frame_add_num(f, "allna", v);
	/* the categorical column */
	strdict_free(&cdict);
	strdict_init(&cdict);
	uint32_t *codes = malloc(6 * sizeof *codes);
	for (int i = 0; i < 6; i++) {
		codes[i] = CODE_NA;
		if (c[i])
			strdict_intern(&cdict, c[i], strlen(c[i]), &codes[i]);
	}
	v = malloc(sizeof *v);
	frame_add_num(f, "c", v);
	struct fcol *fc = &f->cols[f->ncols - 1];
	free(fc->num);
	fc->num = NULL;
	fc->kind = FK_CAT;
	fc->codes = codes;
	fc->dict = &cdict;
	return f;
}

static struct recipe *
parse_ok(const char *text)
{
	struct recipe *r = NULL;
	char *err = NULL;
	if (recipe_parse(text, "t", &r, &err) != 0)
		fail_msg("parse failed: %s", err);
	return r;
}

static const double *
col(struct frame *f, const char *name)
{
	int j = frame_find(f, name);
	if (j < 0)
		fail_msg("no column %s", name);
	assert_int_equal(f->cols[j].kind, FK_NUM);
	/* one-hot columns are lazy until read */
	assert_int_equal(fcol_materialize(&f->cols[j], f->n), 0);
	return f->cols[j].num;
}

/* Fit text on a fresh frame; returns the transformed frame. */
static struct frame *
fit(const char *text, struct recipe **out)
{
	struct frame *f = mkframe();
	struct recipe *r = parse_ok(text);
	char *err = NULL;
	if (recipe_fit(r, f, &err) != 0)
		fail_msg("fit failed: %s", err);
	if (out)
		*out = r;
	else
		recipe_free(r);
	return f;
}

static void
test_impute(void **state)
{
	(void)state;
	struct frame *f = fit("impute mean x\nimpute median y\nimpute mode c\n", NULL);
	assert_true(col(f, "x")[2] == (1 + 2 + 4 + 5 + 6) / 5.0);
	assert_string_equal(fcol_str(&f->cols[frame_find(f, "c")], 3), "a");
	frame_free(f);
	f = fit("impute constant -1 x\nimpute constant zz c\n", NULL);
	assert_true(col(f, "x")[2] == -1);
	assert_string_equal(fcol_str(&f->cols[frame_find(f, "c")], 3), "zz");
	frame_free(f);
	/* all missing: nothing to learn, the column goes (as sklearn) */
	f = fit("impute mean allna\n", NULL);
	assert_int_equal(frame_find(f, "allna"), -1);
	frame_free(f);
	/* mode of numbers: most frequent, ties to the smallest */
	f = fit("impute mode x\n", NULL);
	assert_true(col(f, "x")[2] == 1);
	frame_free(f);
}

static void
test_scaling_steps(void **state)
{
	(void)state;
	struct frame *f = fit("standardize y, const\nminmax x\n", NULL);
	const double *y = col(f, "y");
	/* population std of 10..60 is sqrt(1750 / 6); integer data keeps the
	 * sums exact, leaving a division, a square root and the final
	 * division, each within half an ulp: 4 eps relative.  (cmocka's
	 * assert_float_equal would compare in single precision.) */
	assert_true(fabs(y[0] - (10 - 35) / sqrt(1750.0 / 6)) <=
	    4 * DBL_EPSILON * fabs((10 - 35) / sqrt(1750.0 / 6)));
	assert_true(col(f, "const")[0] == 0);	/* constant: scale 1, centred */
	const double *x = col(f, "x");
	assert_true(x[0] == 0 && x[5] == 1 && isnan(x[2]));	/* missing stays missing */
	frame_free(f);
	f = fit("log1p y\nclip x 2 5\n", NULL);
	/* exact: the step calls the same libm log1p on the same 10.0 */
	assert_true(col(f, "y")[0] == log1p(10));
	assert_true(col(f, "x")[0] == 2 && col(f, "x")[5] == 5 && col(f, "x")[3] == 4);
	frame_free(f);
}

static void
test_bin(void **state)
{
	(void)state;
	struct frame *f = fit("bin y 3 uniform\n", NULL);
	const double *y = col(f, "y");
	/* edges 10, 26.67, 43.33, 60 */
	assert_true(y[0] == 0 && y[1] == 0 && y[2] == 1 && y[3] == 1 && y[4] == 2 && y[5] == 2);
	frame_free(f);
	f = fit("bin y 2 quantile\n", NULL);
	y = col(f, "y");
	assert_true(y[0] == 0 && y[2] == 0 && y[3] == 1 && y[5] == 1);
	frame_free(f);
	/* a constant column has one edge: every value in bin 0 */
	f = fit("bin const 4 quantile\n", NULL);
	assert_true(col(f, "const")[0] == 0);
	frame_free(f);
}

static void
test_onehot_and_ordinal(void **state)
{
	struct recipe *r;
	(void)state;
	struct frame *f = fit("onehot c\n", &r);
	/* levels sorted: a, b, c; missing row is all zeros */
	assert_true(col(f, "c=a")[0] == 1 && col(f, "c=b")[1] == 1 && col(f, "c=c")[4] == 1);
	assert_true(col(f, "c=a")[3] == 0 && col(f, "c=b")[3] == 0 && col(f, "c=c")[3] == 0);
	assert_int_equal(frame_find(f, "c"), -1);
	/* the new columns sit where c was */
	assert_int_equal(frame_find(f, "c=a"), 4);
	frame_free(f);
	recipe_free(r);
	/* a cap of 1: the most frequent level and "other" */
	f = fit("onehot c max 1\n", NULL);
	assert_true(col(f, "c=a")[0] == 1 && col(f, "c=other")[1] == 1 && col(f, "c=other")[0] == 0);
	frame_free(f);
	f = fit("ordinal c\n", NULL);
	const double *c = col(f, "c");
	assert_true(c[0] == 0 && c[1] == 1 && c[4] == 2 && isnan(c[3]));
	frame_free(f);
	/* onehot of an integer-valued numeric column: levels by value text */
	f = fit("onehot y\n", NULL);
	assert_true(col(f, "y=10")[0] == 1);
	frame_free(f);
}

static void
test_interact_drop_keep(void **state)
{
	(void)state;
	struct frame *f = fit("interact x, y\ndrop const, allna\n", NULL);
	assert_true(col(f, "x*y")[1] == 40);
	assert_int_equal(frame_find(f, "const"), -1);
	frame_free(f);
	f = fit("keep y, c\n", NULL);
	assert_int_equal(f->ncols, 2);
	frame_free(f);
	f = fit("drop c*\n", NULL);	/* a glob: c and const */
	assert_int_equal(frame_find(f, "c"), -1);
	assert_int_equal(frame_find(f, "const"), -1);
	assert_int_not_equal(frame_find(f, "x"), -1);
	frame_free(f);
}

static void
test_selectors(void **state)
{
	(void)state;
	/* numeric selector skips strings; * with drop takes everything */
	struct frame *f = fit("impute mean numeric\nstandardize numeric\n", NULL);
	assert_int_equal(frame_find(f, "allna"), -1);
	assert_int_equal(f->cols[frame_find(f, "c")].kind, FK_CAT);
	frame_free(f);
	f = fit("onehot categorical\nimpute median *\n", NULL);
	assert_int_not_equal(frame_find(f, "c=a"), -1);
	frame_free(f);
	f = fit("drop *\n", NULL);
	assert_int_equal(f->ncols, 0);
	frame_free(f);
}

static void
test_derive(void **state)
{
	(void)state;
	struct frame *f = fit("derive s = x + y * 2\n"
	    "derive r = if(y > 30, sqrt(y), -1)\n"
	    "derive m = max(x, y / 10) - min(1, 2, 3)\n"
	    "derive n = isna(x) + coalesce(x, 100)\n"
	    "derive is_a = c == 'a'\n"
	    "derive not_a = c != 'a' && x >= 2 || 0\n"
	    "derive p = -x ^ 2 % 7\n"
	    "derive \"with space\" = log(y) / exp(0) + abs(-1) + floor(1.5) + ceil(1.5) + round(2.5)\n"
	    "derive z = x / (y - y)\n", NULL);
	const double *s = col(f, "s"), *rr = col(f, "r"), *m = col(f, "m"), *n = col(f, "n");
	assert_true(s[0] == 21 && isnan(s[2]));	/* missing propagates */
	assert_true(rr[0] == -1 && rr[3] == sqrt(40));
	assert_true(m[0] == 1 - 1 && m[3] == 4 - 1 && isnan(m[2]));
	assert_true(n[2] == 101 && n[0] == 1);
	const double *a = col(f, "is_a"), *na = col(f, "not_a");
	assert_true(a[0] == 1 && a[1] == 0 && isnan(a[3]));
	assert_true(na[1] == 1 && na[0] == 0);
	assert_true(col(f, "p")[1] == fmod(-pow(2, 2), 7));	/* ^ binds tighter than unary - */
	/* log(10) + 7 through the evaluator: the same libm log, then four
	 * additions of small integers whose roundings depend on the order the
	 * evaluator takes; each is at most half an ulp of ~9.3 (8.9e-16) */
	assert_true(fabs(col(f, "with space")[0] - (log(10) + 1 + 1 + 2 + 3)) <= 1e-14);
	assert_true(isnan(col(f, "z")[0]));	/* division by zero is missing */
	frame_free(f);
}

/* Messages name the line, the column, show a caret, and suggest. */
static void
test_parse_errors(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "impute mean x\nstandardise x\n", "t:2:1: unknown step 'standardise' (did you mean 'standardize'?)\n    standardise x\n    ^" },
		{ "impute avg x\n", "t:1:8: impute needs a method" },
		{ "clip x 5\n", "t:1:9: expected the high bound (a number)" },
		{ "clip x 5 1\n", "clip: low bound 5 is above high bound 1" },
		{ "bin x 1 uniform\n", "t:1:7: expected the number of bins (an integer >= 2)" },
		{ "bin x 3 equal\n", "t:1:9: bin needs 'quantile' or 'uniform'" },
		{ "onehot c max\n", "expected the level cap (a number)" },
		{ "standardize\n", "t:1:12: standardize needs a column name" },
		{ "drop \"unterminated\n", "t:1:6: unterminated quoted name" },
		{ "standardize x y\n", "t:1:15: unexpected text (expected: standardize COLUMNS)" },
		{ "derive = x\n", "t:1:8: derive needs a new column name" },
		{ "derive a x\n", "t:1:10: expected ' = ' after the new column's name" },
		{ "derive a = (x + 1\n", "t:1:18: expected ')'" },
		{ "derive a = x +\n", "t:1:15: expression ends too early" },
		{ "derive a = lg(x)\n", "t:1:12: unknown function 'lg'" },
		{ "derive a = max(x)\n", "t:1:12: max takes at least 2 arguments" },
		{ "derive a = x = 1\n", "t:1:14: '=' compares nothing here; use '==' to compare" },
		{ "derive a = 'male' + 1\n", "t:1:12: a 'string' can only be compared" },
		{ "derive a = x $ 2\n", "t:1:14: unexpected '$ 2' after the expression" },
		/* found by tests/fuzz/fuzz_recipe: the text is saved as JSON with
		 * the model, so a byte that is not UTF-8 made the model unloadable */
		{ "impute mean x\n# caf\xe9\n", "t:2:6: invalid UTF-8 byte 0xe9 (expected UTF-8 text)" },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct recipe *r = NULL;
		char *err = NULL;
		if (recipe_parse(cases[k].text, "t", &r, &err) == 0)
			fail_msg("case %zu parsed: %s", k, cases[k].text);
		if (strstr(err, cases[k].want) == NULL)
			fail_msg("case %zu: got\n%s\nwant\n%s", k, err, cases[k].want);
		free(err);
	}
}

/* Fit-time errors name both the step and the column, with suggestions. */
static void
test_fit_errors(void **state)
{
	static const struct { const char *text; const char *want; } cases[] = {
		{ "standardize xx\n", "t:1:13: standardize: no column 'xx' (did you mean 'x'?)" },
		{ "standardize c\n", "standardize: column 'c' is categorical, but standardize takes numeric columns" },
		{ "ordinal y\n", "ordinal: column 'y' is numeric, but ordinal takes categorical or text columns" },
		{ "impute mean c\n", "impute: column 'c' is categorical, but impute takes numeric columns" },
		{ "impute constant abc x\n", "impute constant: 'abc' is not a number, but column 'x' is numeric" },
		{ "drop q*\n", "drop: no column matches 'q*'" },
		{ "derive d = x + yy\n", "t:1:16: derive: no column 'yy' (did you mean 'y'?)" },
		{ "derive d = c + 1\n", "derive: column 'c' is categorical; derive computes with numbers" },
		{ "derive d = x == 'a'\n", "derive: column 'x' is numeric; compare it with a number" },
		{ "derive x = y\n", "derive: column 'x' already exists" },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct frame *f = mkframe();
		struct recipe *r = parse_ok(cases[k].text);
		char *err = NULL;
		if (recipe_fit(r, f, &err) == 0)
			fail_msg("case %zu fitted: %s", k, cases[k].text);
		if (strstr(err, cases[k].want) == NULL)
			fail_msg("case %zu: got\n%s\nwant\n%s", k, err, cases[k].want);
		free(err);
		recipe_free(r);
		frame_free(f);
	}
}

/* save -> load -> apply gives the same numbers as fit's own transform,
 * bit for bit, and learns nothing new from the data it is applied to. */
static void
test_roundtrip_and_no_leak(void **state)
{
	const char *text = "impute median x\nimpute mode c\nderive s = x * 2 + y\n"
	    "onehot c max 2\nbin y 3 quantile\nstandardize numeric\n";
	struct recipe *r = NULL, *r2 = NULL;
	char *err = NULL;
	(void)state;
	struct frame *train = fit(text, &r);
	char *json = recipe_save(r);
	assert_non_null(json);
	if (recipe_load(json, &r2, &err) != 0)
		fail_msg("load: %s", err);
	char *json2 = recipe_save(r2);
	assert_string_equal(json, json2);	/* saved state survives exactly */
	struct frame *again = mkframe();
	if (recipe_apply(r2, again, &err) != 0)
		fail_msg("apply: %s", err);
	assert_int_equal(again->ncols, train->ncols);
	assert_int_equal(frame_materialize(train), 0);
	assert_int_equal(frame_materialize(again), 0);
	for (size_t j = 0; j < train->ncols; j++) {
		assert_string_equal(again->cols[j].name, train->cols[j].name);
		assert_memory_equal(again->cols[j].num, train->cols[j].num, 6 * sizeof(double));
	}
	/* applying to other data uses the TRAINING mean: a test row equal to
	 * the training mean of s standardises to (almost) zero, not its own */
	struct frame *test = mkframe();
	for (size_t i = 0; i < 6; i++)
		test->cols[1].num[i] += 1000;	/* shift y far away */
	if (recipe_apply(r2, test, &err) != 0)
		fail_msg("apply: %s", err);
	/* binned by the training edges: far above them, so the last bin */
	assert_true(col(test, "y")[0] == col(train, "y")[5]);
	assert_true(col(test, "s")[0] > 10);	/* standardised by the training mean */
	frame_free(train);
	frame_free(again);
	frame_free(test);
	free(json);
	free(json2);
	recipe_free(r);
	recipe_free(r2);
}

/* Prediction-time input: missing, extra, unseen, wrongly typed. */
static void
test_apply_inputs(void **state)
{
	struct recipe *r = NULL;
	char *err = NULL;
	(void)state;
	struct frame *f = fit("impute mean x\nonehot c\ndrop const, allna\n", &r);
	frame_free(f);
	/* missing column: a clear error */
	f = mkframe();
	frame_remove(f, (size_t)frame_find(f, "x"));
	assert_int_equal(recipe_apply(r, f, &err), -1);
	assert_string_equal(err, "input lacks column 'x' (numeric), which the recipe needs");
	free(err);
	err = NULL;
	frame_free(f);
	/* extra columns are ignored; unseen category -> all zeros */
	f = mkframe();
	double *extra = calloc(6, sizeof *extra);
	frame_add_num(f, "extra", extra);
	uint32_t z;
	strdict_intern(&cdict, "zzz", 3, &z);
	f->cols[frame_find(f, "c")].codes[0] = z;
	assert_int_equal(recipe_apply(r, f, &err), 0);
	assert_int_equal(frame_find(f, "extra"), -1);
	assert_true(col(f, "c=a")[0] == 0 && col(f, "c=b")[0] == 0 && col(f, "c=c")[0] == 0);
	frame_free(f);
	/* numbers given as strings are parsed; text where a number belongs is
	 * an error naming the row */
	struct frame *g = frame_new(2);
	struct strdict *d = calloc(1, sizeof *d);
	strdict_init(d);
	uint32_t *codes = malloc(2 * sizeof *codes);
	strdict_intern(d, "2.5", 3, &codes[0]);
	strdict_intern(d, "abc", 3, &codes[1]);
	double *tmp = malloc(2 * sizeof *tmp);
	frame_add_num(g, "x", tmp);
	struct fcol *fc = &g->cols[0];
	free(fc->num);
	fc->num = NULL;
	fc->kind = FK_CAT;
	fc->codes = codes;
	fc->own_dict = d;
	fc->dict = d;
	double *cc = malloc(2 * sizeof *cc);
	cc[0] = 1;
	cc[1] = 2;
	frame_add_num(g, "c", cc);	/* a number where a category was: matched by text */
	assert_int_equal(recipe_apply(r, g, &err), -1);
	assert_string_equal(err, "column 'x' must be numeric, but row 2 holds 'abc'");
	free(err);
	frame_free(g);
	recipe_free(r);
}

static void
test_default_recipe(void **state)
{
	(void)state;
	struct frame *f = fit(recipe_default_text, NULL);
	/* x imputed, c one-hot, allna dropped (nothing to learn) */
	assert_false(isnan(col(f, "x")[2]));
	assert_int_not_equal(frame_find(f, "c=a"), -1);
	assert_int_equal(frame_find(f, "allna"), -1);
	frame_free(f);
}

/* One-hot columns stay lazy into the design matrix, and equal what
 * materialising them gives. */
static void
test_lazy_indicators(void **state)
{
	struct recipe *r;
	double *X = NULL, *Y = NULL;
	char *err = NULL;
	(void)state;
	struct frame *f = fit("onehot c\ndrop allna\nimpute mean x\n", &r);
	assert_non_null(f->cols[frame_find(f, "c=a")].ind);
	assert_int_equal(frame_to_matrix(f, &X, &err), 0);
	assert_int_equal(frame_materialize(f), 0);
	assert_null(f->cols[frame_find(f, "c=a")].ind);
	assert_int_equal(frame_to_matrix(f, &Y, &err), 0);
	assert_memory_equal(X, Y, f->n * f->ncols * sizeof *X);
	/* a later step that reads them materialises them */
	frame_free(f);
	recipe_free(r);
	f = fit("onehot c\nstandardize c=a\n", NULL);
	/* exact: the indicator 1,0,1,0,0,1 has mean 0.5 and std 0.5, and
	 * every operation on them is exact */
	assert_true(col(f, "c=a")[0] == (1 - 0.5) / 0.5);
	free(X);
	free(Y);
	frame_free(f);
}

/* One row is enough to fit every step. */
static void
test_single_row(void **state)
{
	struct frame *f = frame_new(1);
	double *v = malloc(sizeof *v);
	struct recipe *r = parse_ok("standardize x\nminmax x\nbin x 3 quantile\nimpute median x\n");
	char *err = NULL;
	(void)state;
	v[0] = 7;
	frame_add_num(f, "x", v);
	if (recipe_fit(r, f, &err) != 0)
		fail_msg("fit: %s", err);
	assert_true(col(f, "x")[0] == 0);
	frame_free(f);
	recipe_free(r);
}

/* frame_check_finite: the one message for what a model cannot read,
 * per kind of fault, with the row it first occurs in. */
static const size_t check_rows[] = { 10, 20, 30, 40 };

static void
test_check_finite(void **state)
{
	static const struct {
		const char	*name;
		double		 v[4];
		const size_t	*rows;
		const char	*where;
		const char	*want;
	} cases[] = {
		{ "ok", { 1, 2, 3, 4 }, NULL, NULL, NULL },
		{ "age", { 1, NAN, 3, NAN }, NULL, NULL, "column 'age' has 2 missing values after "
		    "the recipe (first in row 2); add 'impute median age'" },
		{ "x", { 1, 2, INFINITY, 4 }, NULL, NULL, "column 'x' has 1 infinite value after the "
		    "recipe (first in row 3); add 'clip x' or 'impute median x infinite'" },
		{ "x", { -INFINITY, NAN, 3, INFINITY }, NULL, "in the training rows", "column 'x' "
		    "has 1 missing and 2 infinite values in the training rows after the recipe "
		    "(first in row 1); add 'impute median x infinite'" },
		{ "ticket no", { 1, NAN, 3, 4 }, check_rows, NULL,
		    "column 'ticket no' has 1 missing value after the recipe (first in row 21); "
		    "add 'impute median \"ticket no\"'" },
		{ "a*b", { INFINITY, 1, 1, 1 }, NULL, NULL, "column 'a*b' has 1 infinite value after "
		    "the recipe (first in row 1); add 'clip \"a*b\"' or 'impute median \"a*b\" "
		    "infinite'" },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct frame *f = frame_new(4);
		double *v = malloc(4 * sizeof *v);
		char *err = NULL;
		memcpy(v, cases[k].v, sizeof cases[k].v);
		frame_add_num(f, cases[k].name, v);
		int rc = frame_check_finite(f, cases[k].where, cases[k].rows, &err);
		if (cases[k].want == NULL) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_string_equal(err, cases[k].want);
		}
		free(err);
		frame_free(f);
	}
	/* a string column left by the recipe; a lazy indicator is not scanned */
	struct frame *f = fit("onehot c\n", NULL);
	char *err = NULL;
	assert_int_equal(frame_check_finite(f, NULL, NULL, &err), -1);	/* x has a NaN */
	assert_string_equal(err, "column 'x' has 1 missing value after the recipe (first in "
	    "row 3); add 'impute median x'");
	free(err);
	frame_free(f);
	f = mkframe();
	frame_remove(f, (size_t)frame_find(f, "x"));
	frame_remove(f, (size_t)frame_find(f, "allna"));
	err = NULL;
	assert_int_equal(frame_check_finite(f, NULL, NULL, &err), -1);
	assert_string_equal(err, "column 'c' is categorical after the recipe: the model needs "
	    "numbers (add 'onehot c', 'ordinal c' or 'drop c')");
	free(err);
	frame_free(f);
	f = fit("onehot c\ndrop x, allna\n", NULL);
	assert_non_null(f->cols[frame_find(f, "c=a")].ind);
	assert_int_equal(frame_check_finite(f, NULL, NULL, &err), 0);
	assert_non_null(f->cols[frame_find(f, "c=a")].ind);	/* still lazy */
	frame_free(f);
}

/* frame_problems: every column at fault, in order, each with its
 * frame_check_finite message, and whether missing values are its one
 * fault (what an algorithm with LATHE_CAP_MISSING accepts). */
static void
test_frame_problems(void **state)
{
	static const struct {
		const char	*name;
		double		 v[3];
		int		 missing_only;	/* -1: no problem */
	} cols[] = {
		{ "ok", { 1, 2, 3 }, -1 },
		{ "gap", { 1, NAN, 3 }, 1 },
		{ "inf", { 1, INFINITY, 3 }, 0 },
		{ "both", { NAN, INFINITY, 3 }, 0 },
		{ "gaps", { NAN, NAN, NAN }, 1 },
	};
	struct frame *f = frame_new(3);
	struct frame_problem *pv = NULL;
	size_t n = 99, k = 0;
	(void)state;
	for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++) {
		double *v = malloc(sizeof cols[j].v);
		memcpy(v, cols[j].v, sizeof cols[j].v);
		frame_add_num(f, cols[j].name, v);
	}
	assert_int_equal(frame_problems(f, &pv, &n), 0);
	assert_int_equal(n, 4);
	for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++) {
		if (cols[j].missing_only < 0)
			continue;
		struct frame one = { f->n, 1, 1, &f->cols[j] };
		char *want = NULL;
		assert_int_equal(frame_check_finite(&one, NULL, NULL, &want), -1);
		assert_string_equal(pv[k].msg, want);
		assert_int_equal(pv[k].missing_only, cols[j].missing_only);
		free(want);
		k++;
	}
	frame_problems_free(pv, n);
	frame_free(f);
	/* a string column is never only missing */
	f = mkframe();
	assert_int_equal(frame_problems(f, &pv, &n), 0);
	k = n;
	for (size_t i = 0; i < n; i++)
		if (strstr(pv[i].msg, "column 'c' is categorical") == pv[i].msg)
			k = i;
	assert_true(k < n);
	assert_int_equal(pv[k].missing_only, 0);
	frame_problems_free(pv, n);
	frame_free(f);
	frame_problems_free(NULL, 0);
}

/* A frame of x (with +-inf and a missing value) and z. */
static struct frame *
mkinf(void)
{
	static const double x[] = { 1, 2, INFINITY, NAN, -INFINITY, 6 };
	static const double z[] = { 0, 1, 0, 3, 4, 5 };
	struct frame *f = frame_new(6);
	double *v = malloc(sizeof x);
	memcpy(v, x, sizeof x);
	frame_add_num(f, "x", v);
	v = malloc(sizeof z);
	memcpy(v, z, sizeof z);
	frame_add_num(f, "z", v);
	return f;
}

static struct frame *
fit_inf(const char *text, struct recipe **out)
{
	struct frame *f = mkinf();
	struct recipe *r = parse_ok(text);
	char *err = NULL;
	if (recipe_fit(r, f, &err) != 0)
		fail_msg("fit '%s' failed: %s", text, err);
	if (out)
		*out = r;
	else
		recipe_free(r);
	return f;
}

/* Infinities through every step: learned state from the finite values,
 * infinities never silently turned into missing values. */
static void
test_infinities(void **state)
{
	static const struct {
		const char	*text;
		const char	*col;
		double		 want[6];	/* NaN: missing expected */
	} cases[] = {
		/* finite values 1, 2, 6: mean 3, population std sqrt(14/3) */
		{ "standardize x\n", "x", { -0.92582009977255142, -0.46291004988627571, INFINITY,
		    NAN, -INFINITY, 1.3887301496588271 } },
		{ "minmax x\n", "x", { 0, 0.2, INFINITY, NAN, -INFINITY, 1 } },
		{ "log1p x\n", "x", { 0.69314718055994529, 1.0986122886681098, INFINITY, NAN,
		    -INFINITY, 1.9459101490553132 } },
		{ "bin x 2 uniform\n", "x", { 0, 0, 1, NAN, 0, 1 } },
		{ "interact x, z\n", "x*z", { 0, 2, INFINITY, NAN, -INFINITY, 30 } },
		{ "derive d = x - x\n", "d", { 0, 0, INFINITY, NAN, INFINITY, 0 } },
		{ "derive d = exp(z * 1000) - 1\n", "d", { 0, INFINITY, 0, INFINITY, INFINITY,
		    INFINITY } },
		{ "derive d = z / 0\n", "d", { NAN, NAN, NAN, NAN, NAN, NAN } },
		{ "derive d = log(x)\n", "d", { 0, 0.69314718055994529, INFINITY, NAN, INFINITY,
		    1.791759469228055 } },
		{ "derive d = sqrt(z - 1)\n", "d", { NAN, 0, NAN, 1.4142135623730951,
		    1.7320508075688772, 2 } },
		/* impute learns from the finite values; 'infinite' fills them too */
		{ "impute median x\n", "x", { 1, 2, INFINITY, 2, -INFINITY, 6 } },
		{ "impute mean x infinite\n", "x", { 1, 2, 3, 3, 3, 6 } },
		{ "impute median x infinite\n", "x", { 1, 2, 2, 2, 2, 6 } },
		{ "impute mode x infinite\n", "x", { 1, 2, 1, 1, 1, 6 } },
		{ "impute constant 0 x, z infinite\n", "x", { 1, 2, 0, 0, 0, 6 } },
		/* clip: a bound not given is the finite training min or max */
		{ "clip x\n", "x", { 1, 2, 6, NAN, 1, 6 } },
		{ "clip x min 0\n", "x", { 1, 2, 6, NAN, 0, 6 } },
		{ "clip x max 5\n", "x", { 1, 2, 5, NAN, 1, 5 } },
		{ "clip x 0 10\n", "x", { 1, 2, 10, NAN, 0, 6 } },
		{ "clip x min 0 max 10\n", "x", { 1, 2, 10, NAN, 0, 6 } },
		{ "clip x max 10 min 1.5\n", "x", { 1.5, 2, 10, NAN, 1.5, 6 } },
		{ "clip x min 100\n", "x", { 100, 100, 100, NAN, 100, 100 } },
		{ "clip x\nstandardize x\n", "x", { -0.9502552681394961, -0.5183210553488161,
		    1.209415795813904, NAN, -0.9502552681394961, 1.209415795813904 } },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct frame *f = fit_inf(cases[k].text, NULL);
		const double *v = col(f, cases[k].col);
		for (size_t i = 0; i < 6; i++) {
			double w = cases[k].want[i];
			int ok = isnan(w) ? isnan(v[i]) : isinf(w) ? v[i] == w :
			    fabs(v[i] - w) <= 1e-12 * (1 + fabs(w));
			if (!ok)
				fail_msg("'%s' row %zu: got %.17g, want %.17g", cases[k].text, i, v[i], w);
		}
		frame_free(f);
	}
}

/* clip and impute syntax; their state survives save and load; format 1
 * recipes (clip bounds only in the text) still load; newer are refused. */
static void
test_clip_impute_saved(void **state)
{
	static const struct { const char *text; const char *want; } bad[] = {
		{ "clip x min\n", "t:1:11: expected the low bound (a number)" },
		{ "clip x min 1 min 2\n", "t:1:14: clip: 'min' is given twice" },
		{ "clip x 5 1\n", "clip: low bound 5 is above high bound 1" },
		{ "clip x min 1 5\n", "t:1:14: unexpected text (expected: clip COLUMNS [LOW HIGH | "
		    "min LOW | max HIGH | min LOW max HIGH])" },
		{ "clip x max inf\n", "t:1:12: expected the high bound (a number)" },
		{ "impute median x infinite y\n", "t:1:26: unexpected text (expected: impute "
		    "mean|median|mode|constant VALUE COLUMNS [infinite])" },
	};
	struct recipe *r = NULL, *r2 = NULL;
	char *err = NULL;
	(void)state;
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		assert_int_equal(recipe_parse(bad[k].text, "t", &r, &err), -1);
		if (strstr(err, bad[k].want) == NULL)
			fail_msg("case %zu: got\n%s\nwant\n%s", k, err, bad[k].want);
		free(err);
		err = NULL;
	}
	/* learned bounds are saved, and applied to new rows as learned */
	struct frame *f = fit_inf("clip x\nimpute median x infinite\n", &r);
	frame_free(f);
	char *json = recipe_save(r);
	assert_non_null(strstr(json, "\"format\": 2"));
	assert_non_null(strstr(json, "\"min\": [1], \"max\": [6]"));
	assert_non_null(strstr(json, "\"infinite\": true"));
	if (recipe_load(json, &r2, &err) != 0)
		fail_msg("load: %s", err);
	f = mkinf();
	f->cols[0].num[0] = 1000;
	assert_int_equal(recipe_apply(r2, f, &err), 0);
	assert_true(col(f, "x")[0] == 6 && col(f, "x")[4] == 1);
	frame_free(f);
	free(json);
	recipe_free(r);
	recipe_free(r2);
	/* format 1: clip's bounds in the text only; inputs listed a column
	 * only transformed and dropped (recomputed on load: not needed) */
	const char *v1 = "{\"format\": 1, \"text\": \"impute mean x, z\\nclip x 0 10\\ndrop z\\n\", "
	    "\"inputs\": [{\"name\": \"x\", \"kind\": \"numeric\"}, {\"name\": \"z\", \"kind\": "
	    "\"numeric\"}], \"outputs\": [\"x\"], \"steps\": [{\"step\": \"impute\", \"line\": 1, "
	    "\"method\": \"mean\", \"columns\": [\"x\", \"z\"], \"fill\": [3, 2.6]}, {\"step\": "
	    "\"clip\", \"line\": 2, \"columns\": [\"x\"]}, {\"step\": \"drop\", \"line\": 3, "
	    "\"columns\": [\"z\"]}]}";
	if (recipe_load(v1, &r, &err) != 0)
		fail_msg("load format 1: %s", err);
	assert_int_equal(recipe_ninputs(r), 1);
	assert_string_equal(recipe_input_name(r, 0), "x");
	f = mkinf();
	frame_remove(f, 1);	/* no z: not needed */
	assert_int_equal(recipe_apply(r, f, &err), 0);
	assert_true(col(f, "x")[2] == 10 && col(f, "x")[3] == 3 && col(f, "x")[4] == 0);
	frame_free(f);
	recipe_free(r);
	/* newer formats and inconsistent inputs are refused */
	assert_int_equal(recipe_load("{\"format\": 3, \"text\": \"\", \"steps\": []}", &r, &err),
	    -1);
	assert_string_equal(err, "fitted recipe has format 3; this lathe reads up to 2");
	free(err);
	err = NULL;
	assert_int_equal(recipe_load("{\"format\": 2, \"text\": \"log1p x\\n\", \"inputs\": [], "
	    "\"outputs\": [\"x\"], \"steps\": [{\"step\": \"log1p\", \"line\": 1, \"columns\": "
	    "[\"x\"]}]}", &r, &err), -1);
	assert_string_equal(err, "fitted recipe needs column 'x', which it does not list as an "
	    "input");
	free(err);
}

/* The inputs are the columns the outputs depend on; a prediction that
 * supplies only them gives the fit's own numbers, bit for bit, and so
 * does one with every column. */
static void
test_inputs_needed(void **state)
{
	static const struct { const char *text; const char *inputs; } cases[] = {
		{ "impute mean numeric\nonehot c\ndrop y, const\n", "x,c" },
		{ "impute mean x\nderive s = y * 2\ndrop y\n", "x,y,const,allna,c" },
		{ "impute mean x\nderive s = y * 2\ndrop s, y, allna, c\n", "x,const" },
		{ "interact x, y\nkeep x, x*y\n", "x,y" },
		{ "interact x, y, const\nkeep x, y, x*y\n", "x,y" },
		{ "interact x, y, allna\nkeep x, y, const, x*y\n", "x,y,const" },
		{ "onehot c\ndrop c=a, c=b, c=c\nimpute median x\n", "x,y,const,allna" },
		{ "onehot c\nkeep c=b\n", "c" },
		{ "standardize y\nkeep x\n", "x" },
		{ "impute mean numeric\nstandardize numeric\nordinal c\nkeep const, c\n", "const,c" },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct recipe *r = NULL;
		char *err = NULL;
		struct frame *train = fit(cases[k].text, &r);
		struct sbuf b;
		sbuf_init(&b);
		for (size_t i = 0; i < recipe_ninputs(r); i++)
			sbuf_printf(&b, "%s%s", i ? "," : "", recipe_input_name(r, i));
		if (strcmp(b.s ? b.s : "", cases[k].inputs) != 0)
			fail_msg("'%s': inputs %s, want %s", cases[k].text, b.s, cases[k].inputs);
		sbuf_free(&b);
		assert_int_equal(frame_materialize(train), 0);
		for (int only = 0; only < 2; only++) {
			struct frame *f = mkframe();
			for (size_t j = f->ncols; only && j-- > 0;) {
				int need = 0;
				for (size_t i = 0; i < recipe_ninputs(r); i++)
					need |= strcmp(f->cols[j].name, recipe_input_name(r, i)) == 0;
				if (!need)
					frame_remove(f, j);
			}
			if (recipe_apply(r, f, &err) != 0)
				fail_msg("'%s' (%s): %s", cases[k].text, only ? "inputs only" : "all columns",
				    err);
			assert_int_equal(frame_materialize(f), 0);
			assert_int_equal(f->ncols, train->ncols);
			for (size_t j = 0; j < f->ncols; j++) {
				assert_string_equal(f->cols[j].name, train->cols[j].name);
				if (f->cols[j].kind == FK_NUM)
					assert_memory_equal(f->cols[j].num, train->cols[j].num,
					    6 * sizeof(double));
			}
			frame_free(f);
		}
		frame_free(train);
		recipe_free(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impute),
		cmocka_unit_test(test_scaling_steps),
		cmocka_unit_test(test_bin),
		cmocka_unit_test(test_onehot_and_ordinal),
		cmocka_unit_test(test_interact_drop_keep),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_derive),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_fit_errors),
		cmocka_unit_test(test_roundtrip_and_no_leak),
		cmocka_unit_test(test_apply_inputs),
		cmocka_unit_test(test_default_recipe),
		cmocka_unit_test(test_single_row),
		cmocka_unit_test(test_lazy_indicators),
		cmocka_unit_test(test_check_finite),
		cmocka_unit_test(test_frame_problems),
		cmocka_unit_test(test_infinities),
		cmocka_unit_test(test_clip_impute_saved),
		cmocka_unit_test(test_inputs_needed),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	strdict_free(&cdict);
	return rc;
}
