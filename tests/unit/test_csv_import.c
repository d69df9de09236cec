/*
 * test_csv_import.c — the importer: quoting, line endings, BOM, delimiter
 * sniffing, header detection, type inference, missing values, the
 * parallel/sequential equivalence, and every malformed-input error with
 * its file:line:column.
 */
#include "testutil.h"
#include "base/util.h"
#include "ingest/csv_import.h"
#include "store/table.h"

#include <math.h>

static struct import_opts
opts(void)
{
	struct import_opts o = { .header = -1 };
	return o;
}

/* Import data (written to a temp file) or fail the test with the error. */
static struct table *
load(const char *data, long n, const struct import_opts *o, struct import_info *info)
{
	struct table *t = NULL;
	struct import_info tmp;
	char *err = NULL;
	const char *p = tu_write("t.csv", data, n);
	if (csv_import(p, o, &t, info ? info : &tmp, &err) != 0)
		fail_msg("import failed: %s", err ? err : "?");
	assert_non_null(t);
	return t;
}

/* Import expecting failure; returns the message after the path prefix. */
static char *
load_err(const char *data, long n, const struct import_opts *o)
{
	static char msg[512];
	struct table *t = NULL;
	struct import_info info;
	char *err = NULL;
	const char *p = tu_write("bad.csv", data, n);
	if (csv_import(p, o, &t, &info, &err) == 0)
		fail_msg("import of bad input succeeded");
	assert_null(t);
	assert_non_null(err);
	size_t pl = strlen(p);
	assert_int_equal(strncmp(err, p, pl), 0);
	snprintf(msg, sizeof msg, "%s", err + pl);
	free(err);
	return msg;
}

static const char *
str(const struct table *t, size_t j, size_t i)
{
	return column_str_at(&t->cols[j], i);
}

static double
num(const struct table *t, size_t j, size_t i)
{
	return column_num_at(&t->cols[j], i);
}

static void
test_quoting(void **state)
{
	struct import_opts o = opts();
	struct table *t = load("name,note\n"
	    "\"a,b\",\"line1\nline2\"\n"
	    "\"say \"\"hi\"\"\",\"crlf\r\ninside\"\n"
	    "plain,\"\"\n", -1, &o, NULL);
	(void)state;
	assert_int_equal(t->nrows, 3);
	assert_int_equal(t->ncols, 2);
	assert_string_equal(t->cols[0].name, "name");
	assert_string_equal(str(t, 0, 0), "a,b");
	assert_string_equal(str(t, 1, 0), "line1\nline2");
	assert_string_equal(str(t, 0, 1), "say \"hi\"");
	assert_string_equal(str(t, 1, 1), "crlf\r\ninside");
	assert_null(str(t, 1, 2));	/* "" is missing */
	table_free(t);
}

static void
test_line_endings_and_bom(void **state)
{
	static const char *const variants[] = {
		"x,y\n1,a\n2,b\n3,a\n",
		"x,y\r\n1,a\r\n2,b\r\n3,a\r\n",
		"x,y\r1,a\r2,b\r3,a\r",
		"\xef\xbb\xbfx,y\n1,a\n2,b\n3,a",
		"x,y\n\n1,a\n\n\n2,b\n3,a\n\n",
	};
	(void)state;
	for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
		struct import_opts o = opts();
		struct import_info info;
		struct table *t = load(variants[k], -1, &o, &info);
		assert_int_equal(t->nrows, 3);
		assert_string_equal(t->cols[0].name, "x");
		assert_int_equal(t->cols[0].kind, COL_NUMERIC);
		assert_true(num(t, 0, 2) == 3.0);
		assert_string_equal(str(t, 1, 1), "b");
		assert_int_equal(info.bom, k == 3);
		table_free(t);
	}
}

static void
test_delimiter_sniffing(void **state)
{
	static const struct { const char *data; int delim; } cases[] = {
		{ "a,b,c\n1,2,3\n4,5,6\n", ',' },
		{ "a;b;c\n1,5;2,5;3\n4;5;6\n", ';' },
		{ "a\tb\tc\n1\t2\t3\n4\t5\t6\n", '\t' },
		{ "a|b|c\n1|2|3\n4|5|6\n", '|' },
		{ "a;\"b,c\";d\n1;\"2,3\";4\n5;6;7\n", ';' },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct import_opts o = opts();
		struct import_info info;
		struct table *t = load(cases[k].data, -1, &o, &info);
		assert_int_equal(info.delimiter, cases[k].delim);
		assert_int_equal(t->ncols, 3);
		table_free(t);
	}
	/* forced */
	struct import_opts o = opts();
	o.delimiter = ';';
	struct table *t = load("a,b;c\n1,2;3\n", -1, &o, NULL);
	assert_int_equal(t->ncols, 2);
	assert_string_equal(t->cols[0].name, "a,b");
	table_free(t);
}

static void
test_header_detection(void **state)
{
	struct import_opts o = opts();
	struct import_info info;
	(void)state;
	/* numbers under a word: header */
	struct table *t = load("price,qty\n1.5,2\n3,4\n", -1, &o, &info);
	assert_int_equal(info.header, 1);
	assert_int_equal(t->nrows, 2);
	table_free(t);
	/* numbers all the way: no header, generated names */
	t = load("1.5,2\n3,4\n5,6\n", -1, &o, &info);
	assert_int_equal(info.header, 0);
	assert_int_equal(t->nrows, 3);
	assert_string_equal(t->cols[0].name, "col1");
	assert_string_equal(t->cols[1].name, "col2");
	table_free(t);
	/* strings whose first row repeats below: data, not names */
	t = load("red,small\nblue,large\nred,small\n", -1, &o, &info);
	assert_int_equal(info.header, 0);
	assert_int_equal(t->nrows, 3);
	table_free(t);
	/* integers over columns of decimals (World Bank years over GDP): names */
	t = load("Country,1960,1961\nAruba,2.5,\nBelgium,3.25,4.5\n", -1, &o, &info);
	assert_int_equal(info.header, 1);
	assert_int_equal(t->nrows, 2);
	assert_string_equal(t->cols[2].name, "1961");
	assert_int_equal(t->cols[2].kind, COL_NUMERIC);
	table_free(t);
	/* ... but one such column among columns with floats on top: data */
	t = load("5.1,3,1.4\n4.9,3.2,1.4\n4.7,3.5,1.3\n", -1, &o, &info);
	assert_int_equal(info.header, 0);
	table_free(t);
	/* integers over integers look like data (say --header) */
	t = load("1960,1961\n100,200\n300,400\n", -1, &o, &info);
	assert_int_equal(info.header, 0);
	table_free(t);
	/* overrides */
	o.header = 0;
	t = load("price,qty\n1.5,2\n", -1, &o, &info);
	assert_int_equal(t->nrows, 2);
	assert_int_equal(t->cols[0].kind, COL_CATEGORICAL);	/* "price" is a value now */
	table_free(t);
	o.header = 1;
	t = load("1,2\n3,4\n", -1, &o, &info);
	assert_int_equal(t->nrows, 1);
	assert_string_equal(t->cols[0].name, "1");
	table_free(t);
}

static void
test_types_and_na(void **state)
{
	struct import_opts o = opts();
	const char *extra[] = { "missing" };
	o.na = extra;
	o.nna = 1;
	struct table *t = load("n,c,e\n"
	    "1,a,\n"
	    "NA,b,NA\n"
	    "N/A,a,N/A\n"
	    "null,?,null\n"
	    "NaN,missing,NaN\n"
	    "?,\"\",?\n"
	    "2.5e1,b,missing\n", -1, &o, NULL);
	(void)state;
	assert_int_equal(t->nrows, 7);
	assert_int_equal(t->cols[0].kind, COL_NUMERIC);
	assert_true(num(t, 0, 0) == 1.0);
	for (size_t i = 1; i <= 5; i++)
		assert_true(isnan(num(t, 0, i)));
	assert_true(num(t, 0, 6) == 25.0);
	assert_int_equal(t->cols[1].kind, COL_CATEGORICAL);
	assert_string_equal(str(t, 1, 0), "a");
	assert_null(str(t, 1, 3));
	assert_null(str(t, 1, 4));	/* custom token */
	assert_null(str(t, 1, 5));
	/* all missing: numeric with no values */
	assert_int_equal(t->cols[2].kind, COL_NUMERIC);
	for (size_t i = 0; i < 7; i++)
		assert_true(isnan(num(t, 2, i)));
	table_free(t);
}

/* A --na token that looks like a number is missing in numeric columns
 * (regression: it used to be checked only after a failed parse). */
static void
test_numeric_na_token(void **state)
{
	struct import_opts o = opts();
	const char *extra[] = { "-999" };
	o.na = extra;
	o.nna = 1;
	struct table *t = load("t,c\n21.5,ok\n-999,x\n-999.0,y\n", -1, &o, NULL);
	(void)state;
	assert_int_equal(t->cols[0].kind, COL_NUMERIC);
	assert_true(num(t, 0, 0) == 21.5);
	assert_true(isnan(num(t, 0, 1)));
	assert_true(num(t, 0, 2) == -999.0);	/* tokens match text exactly */
	table_free(t);
}

static void
test_spaces_trimmed(void **state)
{
	struct import_opts o = opts();
	struct table *t = load("a , b\n 1 ,  x y  \n2,\" q \"\n", -1, &o, NULL);
	(void)state;
	assert_string_equal(t->cols[0].name, "a");
	assert_string_equal(t->cols[1].name, "b");
	assert_true(num(t, 0, 0) == 1.0);
	assert_string_equal(str(t, 1, 0), "x y");
	assert_string_equal(str(t, 1, 1), " q ");	/* quoted spaces are data */
	table_free(t);
}

/* A column that looks numeric for 3000 rows and then is not. */
static void
test_late_demotion(void **state)
{
	struct sbuf b;
	struct import_opts o = opts();
	struct import_info info;
	(void)state;
	sbuf_init(&b);
	sbuf_puts(&b, "id,v\n");
	for (int i = 0; i < 3000; i++)
		sbuf_printf(&b, "%d,%d\n", i, i % 7);
	sbuf_puts(&b, "3000,seven\n");
	struct table *t = load(b.s, (long)b.len, &o, &info);
	assert_int_equal(info.passes, 2);
	assert_int_equal(t->nrows, 3001);
	assert_int_equal(t->cols[0].kind, COL_NUMERIC);
	assert_int_not_equal(t->cols[1].kind, COL_NUMERIC);
	assert_string_equal(str(t, 1, 0), "0");
	assert_string_equal(str(t, 1, 3000), "seven");
	table_free(t);
	sbuf_free(&b);
}

/* Parallel parsing must give exactly what one parser gives, including
 * when a split point falls inside a quoted field with newlines. */
static void
test_threads_equal(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	sbuf_puts(&b, "k,x,s\n");
	for (int i = 0; i < 120000; i++) {
		if (i % 1000 == 0)
			sbuf_printf(&b, "%d,%d.25,\"multi\nline %d\n\n\"\n", i, i, i);
		else
			sbuf_printf(&b, "%d,%d.5,s%d\n", i, i, i % 37);
	}
	/* one giant quoted field across the middle forces the fallback */
	struct sbuf c;
	sbuf_init(&c);
	sbuf_putn(&c, b.s, b.len);
	sbuf_puts(&c, "999999,1,\"");
	for (int i = 0; i < 400000; i++)
		sbuf_puts(&c, "a,b\n");
	sbuf_puts(&c, "\"\n");
	for (int pass = 0; pass < 2; pass++) {
		struct sbuf *src = pass ? &c : &b;
		struct import_opts o1 = opts(), o4 = opts();
		struct import_info i1, i4;
		o1.threads = 1;
		o4.threads = 4;
		struct table *t1 = load(src->s, (long)src->len, &o1, &i1);
		struct table *t4 = load(src->s, (long)src->len, &o4, &i4);
		assert_int_equal(i1.threads, 1);
		if (pass == 0)
			assert_int_equal(i4.threads, 4);
		assert_int_equal(t1->nrows, t4->nrows);
		assert_int_equal(t1->nrows, pass ? 120001 : 120000);
		for (size_t i = 0; i < t1->nrows; i += 997) {
			assert_true(num(t1, 0, i) == num(t4, 0, i));
			assert_true(num(t1, 1, i) == num(t4, 1, i));
			assert_string_equal(str(t1, 2, i), str(t4, 2, i));
		}
		assert_string_equal(str(t4, 2, 1000), "multi\nline 1000\n\n");
		table_free(t1);
		table_free(t4);
	}
	sbuf_free(&b);
	sbuf_free(&c);
}

static void
test_errors(void **state)
{
	static const struct { const char *data; long n; const char *want; } cases[] = {
		{ "a,b\n1,\"open\n2,3\n", -1, ":2:3: unterminated quoted field" },
		{ "a,b\n1,x\"y\n", -1, ":2:4: unexpected quote inside an unquoted field" },
		{ "a,b\n1,\"x\"y\n", -1, ":2:6: unexpected 'y' after a closing quote" },
		{ "a,b,c\n1,2,3\n4,5\n", -1, ":3:3: expected 3 fields, found 2" },
		{ "a,b\n1,2\n3,4,5\n", -1, ":3:5: expected 2 fields, found 3" },
		{ "a,b\nx,\xff\xfe\n", -1, ":2:3: invalid UTF-8 byte 0xff in field 2" },
		{ "a,\xc3\n1,2\n", -1, ":1:3: invalid UTF-8 byte 0xc3 in the name of column 2" },
		{ "", 0, ": empty file" },
		{ "\n\n", -1, ": only blank lines" },
		{ "a,b\n", -1, ": no data rows after the header" },
		{ "a,b\n\n\n", -1, ": no data rows after the header" },
		{ "a,b\n1,\0\n", 8, ":2:3: binary file (NUL byte" },
		{ "\xff\xfe" "a\0,\0b\0", 8, ":1:1: UTF-16 text" },
		{ "a,b,a\n1,2,3\n", -1, ":1:5: duplicate column name 'a' (columns 1 and 3" },
		{ "a,,c\n1,2,3\n", -1, ":1:3: empty name for column 2" },
		{ "x,y\n\"a\nb\nc\nd,e\n", -1, ":2:1: unterminated quoted field" },
		/* regression tests for bugs found by the corpus */
		{ "a,b\n2,caf\xe9 au lait\n", -1, ":2:6: invalid UTF-8 byte 0xe9 in field 2" },
		{ "a,b,c\n1,2,3\n4,\n", -1, ":3:3: expected 3 fields, found 2" },
		{ "a,b,c\n1,2,3\n7,8", -1, ":3:3: expected 3 fields, found 2" },
		{ "a\0b\0c\0,\0d\0", 10, ":1:1: UTF-16 text" },
		{ "1,2\n", -1, ": no data rows after the header (its only line looks like data" },
	};
	(void)state;
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct import_opts o = opts();
		if (k == 13 || k == 14)
			o.header = 1;
		if (k == 20)
			o.header = -1;
		char *msg = load_err(cases[k].data, cases[k].n, &o);
		if (strncmp(msg, cases[k].want, strlen(cases[k].want)) != 0)
			fail_msg("case %zu: got '%s', want prefix '%s'", k, msg, cases[k].want);
	}
}

/* Errors found by a later parser thread still name the right line. */
static void
test_error_position_threaded(void **state)
{
	struct sbuf b;
	(void)state;
	sbuf_init(&b);
	sbuf_puts(&b, "a,b\n");
	for (int i = 0; i < 300000; i++)
		sbuf_printf(&b, "%d,%d\n", i, i);
	sbuf_puts(&b, "1,2,3\n");	/* line 300002 */
	for (int i = 0; i < 1000; i++)
		sbuf_printf(&b, "%d,%d\n", i, i);
	struct import_opts o = opts();
	o.threads = 3;
	char *msg = load_err(b.s, (long)b.len, &o);
	assert_string_equal(msg, ":300002:5: expected 2 fields, found 3 (extra field starts here)");
	sbuf_free(&b);
}

static void
test_missing_file_and_directory(void **state)
{
	struct import_opts o = opts();
	struct import_info info;
	struct table *t = NULL;
	char *err = NULL;
	(void)state;
	assert_int_equal(csv_import("/nonexistent/x.csv", &o, &t, &info, &err), -1);
	assert_string_equal(err, "/nonexistent/x.csv: no such file");
	free(err);
	err = NULL;
	assert_int_equal(csv_import("/tmp", &o, &t, &info, &err), -1);
	assert_string_equal(err, "/tmp: is a directory (expected a CSV file)");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_line_endings_and_bom),
		cmocka_unit_test(test_delimiter_sniffing),
		cmocka_unit_test(test_header_detection),
		cmocka_unit_test(test_types_and_na),
		cmocka_unit_test(test_numeric_na_token),
		cmocka_unit_test(test_spaces_trimmed),
		cmocka_unit_test(test_late_demotion),
		cmocka_unit_test(test_threads_equal),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_position_threaded),
		cmocka_unit_test(test_missing_file_and_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
