/*
 * test_tui_editor.c — the recipe editor's buffer: loading and saving text
 * (final newline, CRLF, tabs), typing UTF-8, Enter splitting a line,
 * Backspace/Delete joining lines, vertical moves keeping the column,
 * scrolling, and finding the line and column in an engine message.
 */
#include "testutil.h"
#include "base/util.h"
#include "tui/editor.h"
#include "tui/keys.h"

#include <curses.h>
#include <locale.h>

static void
keys(struct editor *e, const int *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(editor_key(e, k[i], 10), 1);
}

static void
test_load_save(void **state)
{
	struct editor e;
	char *t;
	(void)state;
	assert_int_equal(editor_init(&e, "impute median age\r\nonehot\tsex\n"), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.lines[0], "impute median age");
	assert_string_equal(e.lines[1], "onehot sex");	/* tabs become spaces */
	t = editor_text(&e);
	assert_string_equal(t, "impute median age\nonehot sex\n");
	free(t);
	assert_false(e.modified);
	editor_free(&e);
	assert_int_equal(editor_init(&e, NULL), 0);
	assert_int_equal(e.n, 1);
	t = editor_text(&e);
	assert_string_equal(t, "\n");
	free(t);
	editor_free(&e);
	assert_int_equal(editor_init(&e, "a\n\n"), 0);
	assert_int_equal(e.n, 2);
	editor_free(&e);
}

static void
test_typing(void **state)
{
	struct editor e;
	char *t;
	(void)state;
	assert_int_equal(editor_init(&e, "drop x"), 0);
	int k1[] = { TK(KEY_END), ',', ' ', 'y', K_ENTER, 's', 't', 'a', 'n', 'd', 0xe9 };
	keys(&e, k1, ARRAY_LEN(k1));
	assert_true(e.modified);
	t = editor_text(&e);
	assert_string_equal(t, "drop x, y\nstandé\n");
	free(t);
	assert_int_equal(editor_cursor_col(&e), 6);
	/* Backspace removes the whole character, then joins lines */
	int k2[] = { TK(KEY_BACKSPACE), TK(KEY_HOME), TK(KEY_BACKSPACE) };
	keys(&e, k2, ARRAY_LEN(k2));
	t = editor_text(&e);
	assert_string_equal(t, "drop x, ystand\n");
	free(t);
	assert_int_equal(e.row, 0);
	assert_int_equal(e.col, 9);
	/* Delete at the end of a line joins the next */
	editor_insert(&e, "\n", 1);
	int k3[] = { TK(KEY_LEFT), TK(KEY_DC) };
	keys(&e, k3, ARRAY_LEN(k3));
	t = editor_text(&e);
	assert_string_equal(t, "drop x, ystand\n");
	free(t);
	/* ^K kills to the end of the line */
	editor_goto(&e, 0, 6, 10);
	int k4[] = { CTRL('k') };
	keys(&e, k4, 1);
	assert_string_equal(e.lines[0], "drop x");
	/* letters are text, other keys are left alone */
	assert_int_equal(editor_key(&e, CTRL('s'), 10), 0);
	editor_free(&e);
}

static void
test_vertical(void **state)
{
	struct editor e;
	(void)state;
	assert_int_equal(editor_init(&e, "impute median numeric\nlog\nstandardize numeric\n"), 0);
	editor_goto(&e, 0, 10, 10);
	int k[] = { TK(KEY_DOWN) };
	keys(&e, k, 1);
	assert_int_equal(e.row, 1);
	assert_int_equal(e.col, 3);		/* clamped to the short line */
	keys(&e, k, 1);
	assert_int_equal(e.col, 10);		/* and back to the wanted column */
	/* scrolling keeps the cursor in the window */
	struct editor big;
	char text[4000] = "";
	for (int i = 0; i < 100; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "drop c%d\n", i);
	assert_int_equal(editor_init(&big, text), 0);
	int pg[] = { TK(KEY_NPAGE), TK(KEY_NPAGE) };
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(editor_key(&big, pg[i], 10), 1);
	assert_int_equal(big.row, 18);
	assert_true(big.row >= big.top && big.row < big.top + 10);
	editor_free(&big);
	editor_free(&e);
}

static void
test_error_pos(void **state)
{
	int l, c;
	char m[200];
	(void)state;
	assert_int_equal(editor_error_pos("recipe:3:8: unknown step 'imptue' (did you mean "
	    "'impute'?)\n    imptue x\n    ^", "recipe", &l, &c, m, sizeof m), 1);
	assert_int_equal(l, 3);
	assert_int_equal(c, 8);
	assert_string_equal(m, "unknown step 'imptue' (did you mean 'impute'?)");
	assert_int_equal(editor_error_pos("out of memory", "recipe", &l, &c, m, sizeof m), 0);
	assert_int_equal(l, 0);
	assert_string_equal(m, "out of memory");
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_save),
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_vertical),
		cmocka_unit_test(test_error_pos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
