/*
 * keys.c — the binding table and its queries; see keys.h.
 *
 * Adding a key is adding a row.  Rows for one screen come before the
 * global rows they shadow only by convention: lookup always tries the
 * screen's own rows first.
 */
#include "keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#define D SCR_DATASETS
#define GR SCR_GRID
#define RC SCR_RECIPES
#define ED SCR_EDITOR
#define TR SCR_TRAIN
#define RS SCR_RUNS
#define RN SCR_RUN
#define CM SCR_COMPARE
#define PL SCR_PLOT
#define OU SCR_OUTPUT
#define MS SCR_MODELS
#define MV SCR_MODEL
#define ALL SCR_ALL

const struct keybind keys_table[] = {
	/* datasets */
	{ D, K_ENTER, ACT_OPEN, KB_BAR, "open", "browse the rows of this version in the data grid" },
	{ D, 'i', ACT_IMPORT, KB_BAR, "import", "import a CSV file (path completion with Tab)" },
	{ D, 't', ACT_TRAIN, KB_BAR, "train", "train a model on this dataset" },
	{ D, 'd', ACT_COLPANEL, KB_BAR, "describe", "open the grid with the column statistics panel" },

	/* the data grid */
	{ GR, 'c', ACT_COLPANEL, KB_BAR, "columns", "column panel: import statistics, histogram or frequencies" },
	{ GR, K_TAB, ACT_COLPANEL, 0, "columns", "column panel (same as c)" },
	{ GR, 's', ACT_SORT, KB_BAR, "sort", "sort rows by the current column (again: reverse)" },
	{ GR, '[', ACT_SORT_ASC, 0, "asc", "sort rows ascending by the current column" },
	{ GR, ']', ACT_SORT_DESC, 0, "desc", "sort rows descending by the current column" },
	{ GR, 'S', ACT_UNSORT, 0, "unsort", "back to file order" },
	{ GR, 'p', ACT_HIST, KB_BAR, "plot", "plot the current column: histogram, or frequencies (gnuplot)" },
	{ GR, 't', ACT_TRAIN, 0, "train", "train a model predicting the current column" },

	/* recipes */
	{ RC, K_ENTER, ACT_EDIT, KB_BAR, "edit", "edit this recipe (saving makes a new version)" },
	{ RC, 'e', ACT_EDIT, 0, "edit", "edit this recipe" },
	{ RC, 'n', ACT_NEW, KB_BAR, "new", "write a new recipe" },
	{ RC, 't', ACT_TRAIN, KB_BAR, "train", "train with this recipe" },

	/* the recipe editor: always typing, so only Ctrl and function keys */
	{ ED, CTRL('s'), ACT_SAVE, KB_BAR | KB_TEXT, "save", "save as a new version of the recipe" },
	{ ED, TK(KEY_F(2)), ACT_SAVE, KB_TEXT, "save", "save (same as ^S)" },
	{ ED, CTRL('p'), ACT_PREVIEW, KB_BAR | KB_TEXT, "preview", "fit the recipe on the chosen dataset and show the columns it makes" },
	{ ED, TK(KEY_F(5)), ACT_PREVIEW, KB_TEXT, "preview", "preview (same as ^P)" },
	{ ED, CTRL('d'), ACT_PICK_DATA, KB_BAR | KB_TEXT, "dataset", "choose the dataset previews run on" },
	{ ED, CTRL('e'), ACT_EXT_EDITOR, KB_BAR | KB_TEXT, "$EDITOR", "edit the text in $EDITOR (then back here)" },
	{ ED, CTRL('t'), ACT_TRAIN, KB_TEXT, "train", "train with this recipe text" },
	{ ED, K_ESC, ACT_BACK, KB_BAR | KB_TEXT, "back", "leave the editor (asks if the text is not saved)" },

	/* the training form */
	{ TR, K_ENTER, ACT_EDIT, KB_BAR, "change", "change the field: type a value, or pick from a list" },
	{ TR, ' ', ACT_EDIT, 0, "change", "change the field (toggles yes/no)" },
	{ TR, K_TAB, ACT_NEXT_FIELD, KB_TEXT, "next", "next field (commits the value being typed)" },
	{ TR, TK(KEY_BTAB), ACT_PREV_FIELD, KB_TEXT, "prev", "previous field" },
	{ TR, 'r', ACT_LAUNCH, KB_BAR, "launch", "validate and launch the run, then watch it on the runs screen" },
	{ TR, CTRL('r'), ACT_LAUNCH, KB_BAR | KB_TEXT, "launch", "launch (works while typing)" },
	{ TR, TK(KEY_F(10)), ACT_LAUNCH, KB_TEXT, "launch", "launch (same as r)" },

	/* runs */
	{ RS, K_ENTER, ACT_OPEN, KB_BAR, "detail", "everything the run recorded" },
	{ RS, ' ', ACT_MARK, KB_BAR, "mark", "mark or unmark the run (for compare and plots)" },
	{ RS, 'c', ACT_COMPARE, KB_BAR, "compare", "compare the marked runs side by side" },
	{ RS, 't', ACT_TRAIN, KB_BAR, "train", "new run: the training form" },
	{ RS, 'x', ACT_CANCEL, KB_BAR, "cancel", "cancel the run under the cursor while it trains" },
	{ RS, 's', ACT_SORT, KB_BAR, "sort", "sort by the current column (metrics: best first; again: reverse)" },
	{ RS, '[', ACT_SORT_ASC, 0, "asc", "sort ascending by the current column" },
	{ RS, ']', ACT_SORT_DESC, 0, "desc", "sort descending by the current column" },
	{ RS, 'S', ACT_UNSORT, 0, "unsort", "back to newest first" },
	{ RS, 'E', ACT_GROUP, KB_BAR, "group", "group runs by experiment (Enter on a group folds it)" },
	{ RS, 'a', ACT_ALLCOLS, 0, "all cols", "show every parameter (default: those that vary)" },
	{ RS, 'A', ACT_ARCHIVED, 0, "archived", "show or hide archived runs (hidden by default, as in lathe runs)" },
	{ RS, 'r', ACT_RERUN, 0, "re-run", "train again from the run's record" },
	{ RS, 'v', ACT_VERIFY, 0, "verify", "re-run and verify the result is identical" },
	{ RS, 'p', ACT_PLOT, 0, "curves", "plot the learning curves of the marked runs (or this one)" },

	/* run detail */
	{ RN, 'p', ACT_PLOT, KB_BAR, "curves", "plot the run's curves (loss and any others)" },
	{ RN, 'P', ACT_PLOT_PRED, KB_BAR, "pred/actual", "plot predicted against actual (regression)" },
	{ RN, 'o', ACT_PLOT_ROC, KB_BAR, "ROC", "plot the ROC curve (classification)" },
	{ RN, 'i', ACT_PLOT_IMPORTANCE, KB_BAR, "importance", "plot the permutation importance of the input columns on the held-out rows (as lathe importance)" },
	{ RN, 'r', ACT_RERUN, KB_BAR, "re-run", "train again from this record" },
	{ RN, 'v', ACT_VERIFY, KB_BAR, "verify", "re-run and verify metrics, model bytes and fitted recipe are identical" },
	{ RN, 'x', ACT_CANCEL, KB_BAR, "cancel", "cancel this run while it trains" },
	{ RN, 'n', ACT_NOTE, KB_BAR, "note", "edit the run's note (as lathe runs note; empty clears it)" },
	{ RN, 't', ACT_TAG, KB_BAR, "tag", "set tags: KEY=VALUE words, KEY= removes one (as lathe runs tag)" },

	/* compare */
	{ CM, 'd', ACT_DIFF_ONLY, KB_BAR, "diff only", "show only the parameters and metrics that differ" },
	{ CM, 'p', ACT_PLOT, KB_BAR, "curves", "overlay the runs' learning curves in one plot" },

	/* plots */
	{ PL, 'e', ACT_EXPORT_PNG, KB_BAR, "PNG", "export the plot as a PNG file (the path is shown)" },
	{ PL, 'E', ACT_EXPORT_SVG, KB_BAR, "SVG", "export the plot as an SVG file (the path is shown)" },

	/* command output */
	{ OU, 'x', ACT_CANCEL, KB_BAR, "stop", "stop the command while it runs" },

	/* models and their servers; a version's detail */
	{ MS, K_ENTER, ACT_OPEN, KB_BAR, "open", "the version: schemas, input example, aliases and their history, servers" },
	{ MS | MV, 'd', ACT_DEPLOY, KB_BAR, "deploy", "deploy: move an alias to this version, and start lathe serve for it unless one runs" },
	{ MS | MV, 'a', ACT_ALIAS, KB_BAR, "alias", "move an alias (one of the model's, or a new one) to this version" },
	{ MS | MV, 'r', ACT_SHOW_RUN, KB_BAR, "run", "open the run this version was registered from" },
	{ MS, K_TAB, ACT_FOCUS, KB_BAR, "switch", "move the cursor between the versions and the servers panel" },
	{ MS, 'x', ACT_CANCEL, KB_BAR, "stop", "stop the server under the cursor (one started from this workbench): SIGTERM" },

	/* everywhere */
	{ ALL, 'k', ACT_UP, 0, "up", "move up" },
	{ ALL, TK(KEY_UP), ACT_UP, 0, "up", "move up" },
	{ ALL, 'j', ACT_DOWN, 0, "down", "move down" },
	{ ALL, TK(KEY_DOWN), ACT_DOWN, 0, "down", "move down" },
	{ ALL, 'h', ACT_LEFT, 0, "left", "move left (previous column, or previous choice)" },
	{ ALL, TK(KEY_LEFT), ACT_LEFT, 0, "left", "move left" },
	{ ALL, 'l', ACT_RIGHT, 0, "right", "move right (next column, or next choice)" },
	{ ALL, TK(KEY_RIGHT), ACT_RIGHT, 0, "right", "move right" },
	{ ALL, 'g', ACT_TOP, 0, "top", "go to the first row" },
	{ ALL, TK(KEY_HOME), ACT_TOP, 0, "top", "go to the first row" },
	{ ALL, 'G', ACT_BOTTOM, 0, "bottom", "go to the last row" },
	{ ALL, TK(KEY_END), ACT_BOTTOM, 0, "bottom", "go to the last row" },
	{ ALL, TK(KEY_PPAGE), ACT_PGUP, 0, "page up", "one page up" },
	{ ALL, CTRL('b'), ACT_PGUP, 0, "page up", "one page up" },
	{ ALL, TK(KEY_NPAGE), ACT_PGDN, 0, "page down", "one page down" },
	{ ALL, CTRL('f'), ACT_PGDN, 0, "page down", "one page down" },
	{ ALL, '/', ACT_FILTER, KB_BAR, "filter", "filter the list as you type: words, or column>value terms" },
	{ ALL, ':', ACT_CMDLINE, KB_BAR, "command", "command line: any lathe command (show 3, compare 1 2, import f.csv)" },
	{ ALL, '?', ACT_HELP, KB_BAR, "help", "every key of this screen" },
	{ ALL, TK(KEY_F(1)), ACT_HELP, KB_TEXT, "help", "every key of this screen" },
	{ ALL, 'q', ACT_BACK, KB_BAR, "back", "back (clears a filter first); quits from the top screen" },
	{ ALL, K_ESC, ACT_BACK, 0, "back", "back (clears a filter first)" },
	{ ALL, 'Q', ACT_QUIT, 0, "quit", "quit lathe" },
	{ ALL, CTRL('c'), ACT_QUIT, KB_TEXT, "quit", "quit lathe" },
	{ ALL, CTRL('l'), ACT_REDRAW, KB_TEXT, "redraw", "redraw the screen and reload from the project" },
	{ ALL, '1', ACT_GO_DATASETS, 0, "datasets", "the datasets screen" },
	{ ALL, '2', ACT_GO_RECIPES, 0, "recipes", "the recipes screen" },
	{ ALL, '3', ACT_GO_RUNS, 0, "runs", "the runs screen" },
	{ ALL, '4', ACT_GO_MODELS, 0, "models", "the models screen: registered models, aliases, servers" },
};

const size_t keys_table_len = sizeof keys_table / sizeof keys_table[0];

static int
applies(const struct keybind *b, unsigned scr, int text_mode)
{
	return (b->screens & scr) && (!text_mode || (b->flags & KB_TEXT));
}

enum action
keys_lookup(unsigned scr, int key, int text_mode)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < keys_table_len; i++) {
			const struct keybind *b = &keys_table[i];
			if ((b->screens == SCR_ALL) != pass || b->key != key)
				continue;
			if (applies(b, scr, text_mode))
				return b->act;
			if (pass == 0 && (b->screens & scr))
				return ACT_NONE;	/* the screen's binding, not active while typing */
		}
	return ACT_NONE;
}

/* 1 if a global binding of key is shadowed on screen scr. */
static int
shadowed(const struct keybind *g, unsigned scr)
{
	for (size_t i = 0; i < keys_table_len; i++) {
		const struct keybind *b = &keys_table[i];
		if (b->screens != SCR_ALL && (b->screens & scr) && b->key == g->key)
			return 1;
	}
	return 0;
}

const char *
keys_name(int key, char *buf, size_t n)
{
	static const struct { int key; const char *name; } names[] = {
		{ K_ENTER, "Enter" }, { 13, "Enter" }, { K_ESC, "Esc" }, { K_TAB, "Tab" },
		{ ' ', "Space" }, { K_DEL, "Bksp" },
		{ TK(KEY_UP), "↑" }, { TK(KEY_DOWN), "↓" }, { TK(KEY_LEFT), "←" },
		{ TK(KEY_RIGHT), "→" }, { TK(KEY_HOME), "Home" }, { TK(KEY_END), "End" },
		{ TK(KEY_PPAGE), "PgUp" }, { TK(KEY_NPAGE), "PgDn" }, { TK(KEY_BTAB), "S-Tab" },
		{ TK(KEY_ENTER), "Enter" }, { TK(KEY_BACKSPACE), "Bksp" }, { TK(KEY_DC), "Del" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key) {
			snprintf(buf, n, "%s", names[i].name);
			return buf;
		}
	if (key >= TK(KEY_F(1)) && key <= TK(KEY_F(12)))
		snprintf(buf, n, "F%d", key - TK(KEY_F(0)));
	else if (key > 0 && key < 32)
		snprintf(buf, n, "^%c", key + '@');
	else if (KEY_IS_CHAR(key) && key < 128)
		snprintf(buf, n, "%c", key);
	else
		snprintf(buf, n, "key %d", key);
	return buf;
}

size_t
keys_bar(unsigned scr, int text_mode, int (*can)(void *ctx, enum action act), void *ctx,
    struct keybar_item *out, size_t max)
{
	size_t k = 0;
	unsigned char seen[ACT_COUNT] = { 0 };
	/* the screen's own keys first, then the global ones */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < keys_table_len && k < max; i++) {
			const struct keybind *b = &keys_table[i];
			if ((b->screens == SCR_ALL) != pass || !(b->flags & KB_BAR) ||
			    !applies(b, scr, text_mode) || seen[b->act])
				continue;
			if (pass == 1 && shadowed(b, scr))
				continue;
			if (can && !can(ctx, b->act))
				continue;
			seen[b->act] = 1;
			out[k++] = (struct keybar_item){ b->key, b->act, b->label };
		}
	return k;
}

void
keys_help(unsigned scr, keys_help_fn fn, void *ctx)
{
	unsigned char done[ACT_COUNT] = { 0 };
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < keys_table_len; i++) {
			const struct keybind *b = &keys_table[i];
			int global = b->screens == SCR_ALL;
			if (global != pass || !(b->screens & scr) || done[b->act])
				continue;
			if (global && shadowed(b, scr))
				continue;
			char keys[96] = "", nb[16], names[8][16];
			size_t nn = 0;
			/* every key of this action on this screen, at this level */
			for (size_t j = i; j < keys_table_len; j++) {
				const struct keybind *c = &keys_table[j];
				if (c->act != b->act || (c->screens == SCR_ALL) != global ||
				    !(c->screens & scr) || (global && shadowed(c, scr)))
					continue;
				keys_name(c->key, nb, sizeof nb);
				size_t q = 0;
				while (q < nn && strcmp(names[q], nb) != 0)
					q++;
				if (q < nn || nn == 8)
					continue;
				memcpy(names[nn++], nb, sizeof nb);
				size_t l = strlen(keys);
				snprintf(keys + l, sizeof keys - l, "%s%s", l ? " " : "", nb);
			}
			done[b->act] = 1;
			fn(ctx, keys, b->help, global);
		}
}
