/*
 * test_tui_keys.c — the workbench's key table: lookup per screen, screen
 * bindings shadowing global ones, text mode passing letters through, the
 * bottom bar (only what works now, one key per action), the help text,
 * and the table's own consistency (no key bound twice on one screen).
 */
#include "testutil.h"
#include "tui/keys.h"

#include <curses.h>

static void
test_lookup(void **state)
{
	(void)state;
	assert_int_equal(keys_lookup(SCR_RUNS, 'j', 0), ACT_DOWN);
	assert_int_equal(keys_lookup(SCR_RUNS, TK(KEY_DOWN), 0), ACT_DOWN);
	assert_int_equal(keys_lookup(SCR_RUNS, 'k', 0), ACT_UP);
	assert_int_equal(keys_lookup(SCR_RUNS, 'g', 0), ACT_TOP);
	assert_int_equal(keys_lookup(SCR_RUNS, 'G', 0), ACT_BOTTOM);
	assert_int_equal(keys_lookup(SCR_RUNS, TK(KEY_NPAGE), 0), ACT_PGDN);
	assert_int_equal(keys_lookup(SCR_RUNS, TK(KEY_PPAGE), 0), ACT_PGUP);
	assert_int_equal(keys_lookup(SCR_RUNS, ' ', 0), ACT_MARK);
	assert_int_equal(keys_lookup(SCR_RUNS, 'c', 0), ACT_COMPARE);
	assert_int_equal(keys_lookup(SCR_RUNS, K_ENTER, 0), ACT_OPEN);
	assert_int_equal(keys_lookup(SCR_DATASETS, 'i', 0), ACT_IMPORT);
	assert_int_equal(keys_lookup(SCR_PLOT, 'e', 0), ACT_EXPORT_PNG);
	assert_int_equal(keys_lookup(SCR_PLOT, 'E', 0), ACT_EXPORT_SVG);
	assert_int_equal(keys_lookup(SCR_COMPARE, 'd', 0), ACT_DIFF_ONLY);
	assert_int_equal(keys_lookup(SCR_ALL, '?', 0), ACT_HELP);
	assert_int_equal(keys_lookup(SCR_GRID, '/', 0), ACT_FILTER);
	assert_int_equal(keys_lookup(SCR_GRID, ':', 0), ACT_CMDLINE);
	assert_int_equal(keys_lookup(SCR_GRID, 'q', 0), ACT_BACK);
	assert_int_equal(keys_lookup(SCR_GRID, K_ESC, 0), ACT_BACK);
	/* unbound */
	assert_int_equal(keys_lookup(SCR_RUNS, 'z', 0), ACT_NONE);
	/* the same key means different things on different screens */
	assert_int_equal(keys_lookup(SCR_GRID, 'c', 0), ACT_COLPANEL);
	assert_int_equal(keys_lookup(SCR_RUNS, 'p', 0), ACT_PLOT);
	assert_int_equal(keys_lookup(SCR_GRID, 'p', 0), ACT_HIST);
	/* the models screen and a version's detail share deploy, alias and run */
	assert_int_equal(keys_lookup(SCR_MODELS, 'd', 0), ACT_DEPLOY);
	assert_int_equal(keys_lookup(SCR_MODEL, 'd', 0), ACT_DEPLOY);
	assert_int_equal(keys_lookup(SCR_MODELS, 'a', 0), ACT_ALIAS);
	assert_int_equal(keys_lookup(SCR_MODEL, 'r', 0), ACT_SHOW_RUN);
	assert_int_equal(keys_lookup(SCR_MODELS, K_TAB, 0), ACT_FOCUS);
	assert_int_equal(keys_lookup(SCR_MODELS, 'x', 0), ACT_CANCEL);
	assert_int_equal(keys_lookup(SCR_MODEL, 'x', 0), ACT_NONE);
	assert_int_equal(keys_lookup(SCR_DATASETS, 'd', 0), ACT_COLPANEL);
	assert_int_equal(keys_lookup(SCR_RUNS, '4', 0), ACT_GO_MODELS);
}

static void
test_text_mode(void **state)
{
	(void)state;
	/* while typing, letters are text: nothing in the table fires */
	assert_int_equal(keys_lookup(SCR_EDITOR, 'q', 1), ACT_NONE);
	assert_int_equal(keys_lookup(SCR_EDITOR, 'j', 1), ACT_NONE);
	assert_int_equal(keys_lookup(SCR_EDITOR, '1', 1), ACT_NONE);
	/* Ctrl and function keys still work */
	assert_int_equal(keys_lookup(SCR_EDITOR, CTRL('s'), 1), ACT_SAVE);
	assert_int_equal(keys_lookup(SCR_EDITOR, CTRL('p'), 1), ACT_PREVIEW);
	assert_int_equal(keys_lookup(SCR_EDITOR, TK(KEY_F(5)), 1), ACT_PREVIEW);
	assert_int_equal(keys_lookup(SCR_EDITOR, K_ESC, 1), ACT_BACK);
	assert_int_equal(keys_lookup(SCR_EDITOR, CTRL('c'), 1), ACT_QUIT);
	assert_int_equal(keys_lookup(SCR_TRAIN, CTRL('r'), 1), ACT_LAUNCH);
	assert_int_equal(keys_lookup(SCR_TRAIN, 'r', 1), ACT_NONE);
	assert_int_equal(keys_lookup(SCR_TRAIN, 'r', 0), ACT_LAUNCH);
}

static int
only_some(void *ctx, enum action act)
{
	(void)ctx;
	return act != ACT_COMPARE && act != ACT_CANCEL;
}

static void
test_bar(void **state)
{
	struct keybar_item it[32];
	(void)state;
	size_t n = keys_bar(SCR_RUNS, 0, NULL, NULL, it, 32);
	assert_true(n >= 6);
	int seen_compare = 0, seen_help = 0, seen_back = 0;
	for (size_t i = 0; i < n; i++) {
		seen_compare |= it[i].act == ACT_COMPARE;
		seen_help |= it[i].act == ACT_HELP;
		seen_back |= it[i].act == ACT_BACK;
		for (size_t k = i + 1; k < n; k++)
			assert_int_not_equal(it[i].act, it[k].act);	/* one key per action */
	}
	assert_true(seen_compare && seen_help && seen_back);
	/* the screen's own keys come before the global ones */
	assert_int_equal(it[0].act, ACT_OPEN);
	/* keys that do not work now are left out */
	n = keys_bar(SCR_RUNS, 0, only_some, NULL, it, 32);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(it[i].act, ACT_COMPARE);
		assert_int_not_equal(it[i].act, ACT_CANCEL);
	}
	/* the editor's bar while typing: only keys that work while typing */
	n = keys_bar(SCR_EDITOR, 1, NULL, NULL, it, 32);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++)
		assert_true(it[i].key < 32 || it[i].key >= 0x200000);
	/* at most max items */
	assert_int_equal(keys_bar(SCR_RUNS, 0, NULL, NULL, it, 2), 2);
}

struct help_acc {
	char	keys[64][96];
	char	help[64][200];
	int	global[64];
	int	n;
};

static void
collect(void *ctx, const char *keys, const char *help, int global)
{
	struct help_acc *h = ctx;
	if (h->n == 64)
		return;
	snprintf(h->keys[h->n], sizeof h->keys[0], "%s", keys);
	snprintf(h->help[h->n], sizeof h->help[0], "%s", help);
	h->global[h->n] = global;
	h->n++;
}

static void
test_help(void **state)
{
	struct help_acc *h = calloc(1, sizeof *h);
	(void)state;
	assert_non_null(h);
	keys_help(SCR_RUNS, collect, h);
	int found_down = 0, found_mark = 0, screen_first = 1, seen_global = 0;
	for (int i = 0; i < h->n; i++) {
		if (strcmp(h->keys[i], "j ↓") == 0)
			found_down = 1;
		if (strcmp(h->keys[i], "Space") == 0)
			found_mark = 1;
		if (h->global[i])
			seen_global = 1;
		else if (seen_global)
			screen_first = 0;
	}
	assert_true(found_down);
	assert_true(found_mark);
	assert_true(screen_first);
	/* the editor shadows nothing it does not bind; its Esc is listed once */
	memset(h, 0, sizeof *h);
	keys_help(SCR_GRID, collect, h);
	int colpanel = 0;
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->keys[i], "c Tab") == 0)
			colpanel = 1;
	assert_true(colpanel);
	free(h);
}

static void
test_table_consistent(void **state)
{
	(void)state;
	/* no key is bound twice at the same level on one screen */
	for (size_t i = 0; i < keys_table_len; i++)
		for (size_t j = i + 1; j < keys_table_len; j++) {
			const struct keybind *a = &keys_table[i], *b = &keys_table[j];
			int both_global = a->screens == SCR_ALL && b->screens == SCR_ALL;
			int both_local = a->screens != SCR_ALL && b->screens != SCR_ALL;
			if (a->key == b->key && (both_global || (both_local && (a->screens & b->screens))))
				fail_msg("key %d bound twice (rows %zu and %zu)", a->key, i, j);
		}
	/* every row has a label and help */
	for (size_t i = 0; i < keys_table_len; i++) {
		assert_non_null(keys_table[i].label);
		assert_true(strlen(keys_table[i].help) > 5);
		assert_true(keys_table[i].act > ACT_NONE && keys_table[i].act < ACT_COUNT);
	}
}

static void
test_names(void **state)
{
	char b[16];
	(void)state;
	assert_string_equal(keys_name('j', b, sizeof b), "j");
	assert_string_equal(keys_name(K_ENTER, b, sizeof b), "Enter");
	assert_string_equal(keys_name(K_ESC, b, sizeof b), "Esc");
	assert_string_equal(keys_name(' ', b, sizeof b), "Space");
	assert_string_equal(keys_name(CTRL('s'), b, sizeof b), "^S");
	assert_string_equal(keys_name(TK(KEY_F(5)), b, sizeof b), "F5");
	assert_string_equal(keys_name(TK(KEY_NPAGE), b, sizeof b), "PgDn");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_text_mode),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
