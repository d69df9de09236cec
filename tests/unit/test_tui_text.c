/*
 * test_tui_text.c — text for the terminal grid: display widths of UTF-8
 * (accents, wide CJK, combining marks, bad bytes), fitting cells to a
 * width without splitting a character, compact numbers and durations,
 * sparklines; the one-line editor; the list cursor; the `:` command
 * line's word splitting; path completion; parsing an import's progress.
 */
#include "testutil.h"
#include "tui/cmdline.h"
#include "tui/complete.h"
#include "tui/jobs.h"
#include "tui/keys.h"
#include "tui/listnav.h"
#include "tui/text.h"

#include <curses.h>
#include <locale.h>
#include <math.h>
#include <sys/stat.h>

static void
test_width(void **state)
{
	(void)state;
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("é"), 1);			/* 2 bytes, 1 column */
	assert_int_equal(text_width("日本"), 4);		/* wide */
	assert_int_equal(text_width("e\xcc\x81"), 1);		/* e + combining acute */
	assert_int_equal(text_width("a\xff" "b"), 3);		/* a bad byte counts as one */
	assert_int_equal(text_widthn("日本語", 3), 2);
	int used;
	size_t n = text_fit("日本語", 5, &used);
	assert_int_equal(n, 6);				/* two characters, not two and a half */
	assert_int_equal(used, 4);
	assert_int_equal(text_fit("abc", 0, NULL), 0);
}

static void
test_cell(void **state)
{
	char b[64];
	(void)state;
	text_cell(b, sizeof b, "abc", 5, 0);
	assert_string_equal(b, "abc  ");
	text_cell(b, sizeof b, "abc", 5, 1);
	assert_string_equal(b, "  abc");
	text_cell(b, sizeof b, "abcdefgh", 5, 0);
	assert_string_equal(b, "abcd…");
	assert_int_equal(text_width(b), 5);
	text_cell(b, sizeof b, "bill_längd_mm", 8, 0);	/* UTF-8 column names */
	assert_string_equal(b, "bill_lä…");
	assert_int_equal(text_width(b), 8);
	text_cell(b, sizeof b, "日本語テキスト", 6, 0);
	assert_int_equal(text_width(b), 6);
	text_cell(b, sizeof b, NULL, 2, 0);
	assert_string_equal(b, "  ");
	text_copy(b, 4, "aé日");				/* cut on a boundary */
	assert_string_equal(b, "aé");
}

static void
test_numbers(void **state)
{
	char b[32];
	(void)state;
	assert_string_equal(text_num(b, sizeof b, 12, 4), "12");
	assert_string_equal(text_num(b, sizeof b, 0.96666666, 4), "0.9667");
	assert_string_equal(text_num(b, sizeof b, 1234567.5, 4), "1.235e+06");
	assert_string_equal(text_num(b, sizeof b, NAN, 4), "");
	assert_string_equal(text_duration(b, sizeof b, 0.25), "0.25s");
	assert_string_equal(text_duration(b, sizeof b, 12.34), "12.3s");
	assert_string_equal(text_duration(b, sizeof b, 245), "4:05");
	assert_string_equal(text_duration(b, sizeof b, 3723), "1:02:03");
}

static void
test_sparkline(void **state)
{
	char b[256];
	double up[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	double flat[] = { 3, 3, 3 };
	double gap[] = { 1, NAN, 3 };
	double many[1000];
	(void)state;
	text_sparkline(b, sizeof b, up, 8, 20);
	assert_string_equal(b, "▁▂▃▄▅▆▇█");
	text_sparkline(b, sizeof b, flat, 3, 20);
	assert_string_equal(b, "▄▄▄");
	text_sparkline(b, sizeof b, gap, 3, 20);
	assert_string_equal(b, "▁ █");
	for (int i = 0; i < 1000; i++)
		many[i] = 1000 - i;
	text_sparkline(b, sizeof b, many, 1000, 10);	/* bucketed into 10 */
	assert_int_equal(text_width(b), 10);
	assert_int_equal(strncmp(b, "█", 3), 0);
	text_sparkline(b, sizeof b, up, 0, 10);
	assert_string_equal(b, "");
	text_utf8 = 0;
	text_sparkline(b, sizeof b, up, 8, 20);
	assert_string_equal(b, "_.--==##");
	text_cell(b, sizeof b, "abcdef", 4, 0);
	assert_string_equal(b, "abc~");
	text_utf8 = 1;
}

static void
test_lineedit(void **state)
{
	struct lineedit e;
	(void)state;
	le_set(&e, "iris.csv");
	assert_int_equal(e.pos, 8);
	le_key(&e, TK(KEY_LEFT));
	le_key(&e, TK(KEY_LEFT));
	le_key(&e, TK(KEY_LEFT));
	le_key(&e, TK(KEY_LEFT));
	le_key(&e, 'X');
	assert_string_equal(e.buf, "irisX.csv");
	le_key(&e, TK(KEY_BACKSPACE));
	assert_string_equal(e.buf, "iris.csv");
	le_key(&e, TK(KEY_HOME));
	le_key(&e, TK(KEY_DC));
	assert_string_equal(e.buf, "ris.csv");
	le_key(&e, TK(KEY_END));
	le_key(&e, 0xe9);			/* é as a code point: stored as UTF-8 */
	assert_string_equal(e.buf, "ris.csvé");
	assert_int_equal(le_cursor_col(&e), 8);
	le_key(&e, TK(KEY_BACKSPACE));		/* removes the whole character */
	assert_string_equal(e.buf, "ris.csv");
	le_set(&e, "data/sub dir");
	le_key(&e, CTRL('w'));
	assert_string_equal(e.buf, "data/sub ");
	le_key(&e, CTRL('u'));
	assert_string_equal(e.buf, "");
	assert_int_equal(le_key(&e, K_ENTER), 0);	/* left to the caller */
	assert_int_equal(le_key(&e, K_ESC), 0);
	assert_int_equal(le_key(&e, TK(KEY_UP)), 0);
}

static void
test_listnav(void **state)
{
	struct listnav v = { 0 };
	(void)state;
	nav_count(&v, 100, 10);
	assert_true(nav_move(&v, ACT_DOWN, 10));
	assert_int_equal(v.cur, 1);
	nav_move(&v, ACT_BOTTOM, 10);
	assert_int_equal(v.cur, 99);
	assert_int_equal(v.top, 90);			/* the last page, full */
	nav_move(&v, ACT_PGUP, 10);
	assert_int_equal(v.cur, 90);
	assert_true(v.cur >= v.top && v.cur < v.top + 10);
	nav_move(&v, ACT_TOP, 10);
	assert_int_equal(v.cur, 0);
	assert_int_equal(v.top, 0);
	nav_move(&v, ACT_UP, 10);
	assert_int_equal(v.cur, 0);
	nav_move(&v, ACT_PGDN, 10);
	assert_int_equal(v.cur, 9);
	assert_false(nav_move(&v, ACT_OPEN, 10));	/* not a movement */
	/* a million rows: the same arithmetic */
	nav_count(&v, 1000000, 37);
	nav_move(&v, ACT_BOTTOM, 37);
	assert_int_equal(v.cur, 999999);
	assert_int_equal(v.top, 1000000 - 37);
	/* the list shrinks under the cursor (a filter) */
	nav_count(&v, 5, 37);
	assert_int_equal(v.cur, 4);
	assert_int_equal(v.top, 0);
	nav_count(&v, 0, 37);
	assert_int_equal(v.cur, 0);
	nav_goto(&v, 3, 37);
	assert_int_equal(v.cur, 0);
}

static void
test_cmdline(void **state)
{
	char **av, *err = NULL;
	int ac;
	(void)state;
	assert_int_equal(cmdline_split("train --data iris  --set 'C=0.5' \"a b\" x\\ y", &av, &ac,
	    &err), 0);
	assert_int_equal(ac, 7);
	assert_string_equal(av[0], "train");
	assert_string_equal(av[4], "C=0.5");
	assert_string_equal(av[5], "a b");
	assert_string_equal(av[6], "x y");
	assert_null(av[7]);
	cmdline_free(av);
	assert_int_equal(cmdline_split("   ", &av, &ac, &err), 0);
	assert_int_equal(ac, 0);
	assert_null(av[0]);
	cmdline_free(av);
	assert_int_equal(cmdline_split("show 'oops", &av, &ac, &err), -1);
	assert_string_equal(err, "unterminated ' quote");
	free(err);
	assert_int_equal(cmdline_split("step \"impute \\\"median\\\"\" ''", &av, &ac, &err), 0);
	assert_int_equal(ac, 3);
	assert_string_equal(av[1], "impute \"median\"");
	assert_string_equal(av[2], "");
	cmdline_free(av);
}

static void
test_complete(void **state)
{
	struct completion c;
	char dir[600];
	(void)state;
	tu_write("sales_2024.csv", "a\n1\n", -1);
	tu_write("sales_2025.csv", "a\n1\n", -1);
	tu_write("notes.txt", "x", -1);
	snprintf(dir, sizeof dir, "%s", tu_path("sub"));
	mkdir(dir, 0755);
	snprintf(dir, sizeof dir, "%s", tu_path("sa"));
	/* the common prefix of two files */
	assert_int_equal(path_complete(dir, &c), 0);
	assert_non_null(strstr(c.line, "sales_202"));
	assert_int_equal(c.ncands, 2);
	completion_free(&c);
	/* one match: complete */
	snprintf(dir, sizeof dir, "%s", tu_path("no"));
	assert_int_equal(path_complete(dir, &c), 0);
	assert_non_null(strstr(c.line, "notes.txt"));
	completion_free(&c);
	/* a directory gains its slash */
	snprintf(dir, sizeof dir, "%s", tu_path("su"));
	assert_int_equal(path_complete(dir, &c), 0);
	assert_int_equal(c.line[strlen(c.line) - 1], '/');
	completion_free(&c);
	/* the whole directory: directories and CSV first */
	snprintf(dir, sizeof dir, "%s", tu_path(""));
	assert_int_equal(path_complete(dir, &c), 0);
	assert_true(c.ncands >= 4);
	assert_string_equal(c.cands[0], "sub/");		/* directories first */
	assert_string_equal(c.cands[1], "notes.txt");		/* then data files, by name */
	assert_string_equal(c.cands[2], "sales_2024.csv");
	completion_free(&c);
	/* nothing matches: the text stays */
	snprintf(dir, sizeof dir, "%s", tu_path("zzz"));
	assert_int_equal(path_complete(dir, &c), 0);
	assert_string_equal(c.line, dir);
	assert_int_equal(c.ncands, 0);
	completion_free(&c);
}

static void
test_import_progress(void **state)
{
	int pct = -1;
	char phase[48];
	(void)state;
	const char *s = "\r\033[Kbig.csv: reading   3% [....................] 20k rows  1.0M rows/s  "
	    "ETA 0:02\r\033[Kbig.csv: reading  45% [#########...........] 450k rows  1.2M rows/s  "
	    "ETA 0:01";
	assert_int_equal(import_progress_parse(s, strlen(s), &pct, phase, sizeof phase), 1);
	assert_int_equal(pct, 45);
	assert_string_equal(phase, "reading");
	const char *t = "\r\033[Kdir: with: colons.csv: re-reading text columns 100% [####] 1M rows";
	assert_int_equal(import_progress_parse(t, strlen(t), &pct, phase, sizeof phase), 1);
	assert_int_equal(pct, 100);
	assert_string_equal(phase, "re-reading text columns");
	assert_int_equal(import_progress_parse("lathe: x.csv:3:1: bad\n", 22, &pct, phase,
	    sizeof phase), 0);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_cell),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_lineedit),
		cmocka_unit_test(test_listnav),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_import_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
