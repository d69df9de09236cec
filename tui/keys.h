/*
 * keys.h — every key binding of the workbench, in one table.
 *
 * A key is an int: a Unicode code point for characters (Ctrl-S is 19,
 * Esc 27, Enter 10), or TK(code) for an ncurses function key code
 * (TK(KEY_UP)), which keeps function keys apart from code points.
 *
 * A binding maps a key on a set of screens to an action.  Bindings for a
 * particular screen shadow global ones on the same key.  While a screen
 * edits text (a form field, the recipe editor, a prompt) only bindings
 * marked KB_TEXT apply — Ctrl keys, function keys, Esc — so that letters
 * are typed rather than obeyed.  The bottom bar lists the bindings marked
 * KB_BAR that the current screen says work right now; `?` lists them all.
 *
 * This module is pure: no terminal, so lookup, the bar and the help text
 * are unit-tested.
 */
#ifndef LATHE_TUI_KEYS_H
#define LATHE_TUI_KEYS_H

#include <stddef.h>

/* ncurses function key code -> key int (above the Unicode range). */
#define TK(code)	(0x200000 + (code))
#define KEY_IS_CHAR(k)	((k) >= 0 && (k) < 0x200000)
#define CTRL(c)		((c) & 0x1f)
#define K_ESC		27
#define K_ENTER		10
#define K_TAB		9
#define K_DEL		127

/* Screens, as bits of a binding's screen set. */
enum {
	SCR_DATASETS	= 1u << 0,
	SCR_GRID	= 1u << 1,
	SCR_RECIPES	= 1u << 2,
	SCR_EDITOR	= 1u << 3,
	SCR_TRAIN	= 1u << 4,
	SCR_RUNS	= 1u << 5,
	SCR_RUN		= 1u << 6,
	SCR_COMPARE	= 1u << 7,
	SCR_PLOT	= 1u << 8,
	SCR_OUTPUT	= 1u << 9,
	SCR_MODELS	= 1u << 10,
	SCR_MODEL	= 1u << 11,
	SCR_ALL		= 0xffffffffu,
};

enum action {
	ACT_NONE = 0,
	/* movement */
	ACT_UP, ACT_DOWN, ACT_LEFT, ACT_RIGHT, ACT_TOP, ACT_BOTTOM, ACT_PGUP, ACT_PGDN,
	ACT_HOME, ACT_END,
	/* the frame */
	ACT_BACK, ACT_QUIT, ACT_HELP, ACT_FILTER, ACT_CLEAR_FILTER, ACT_CMDLINE, ACT_REDRAW,
	ACT_GO_DATASETS, ACT_GO_RECIPES, ACT_GO_RUNS,
	/* lists and tables */
	ACT_OPEN, ACT_MARK, ACT_SORT, ACT_SORT_ASC, ACT_SORT_DESC, ACT_UNSORT, ACT_GROUP,
	ACT_ALLCOLS,
	/* datasets and the grid */
	ACT_IMPORT, ACT_TRAIN, ACT_COLPANEL, ACT_HIST,
	/* recipes and the editor */
	ACT_NEW, ACT_EDIT, ACT_SAVE, ACT_PREVIEW, ACT_PICK_DATA, ACT_EXT_EDITOR,
	/* the training form */
	ACT_LAUNCH, ACT_NEXT_FIELD, ACT_PREV_FIELD,
	/* runs */
	ACT_COMPARE, ACT_CANCEL, ACT_RERUN, ACT_VERIFY, ACT_PLOT, ACT_PLOT_PRED, ACT_PLOT_ROC,
	ACT_PLOT_IMPORTANCE, ACT_NOTE, ACT_TAG, ACT_ARCHIVED,
	ACT_DIFF_ONLY,
	/* plots */
	ACT_EXPORT_PNG, ACT_EXPORT_SVG,
	/* models and servers */
	ACT_GO_MODELS, ACT_DEPLOY, ACT_ALIAS, ACT_SHOW_RUN, ACT_FOCUS,
	ACT_COUNT
};

enum {
	KB_BAR	= 1u << 0,	/* listed in the bottom bar */
	KB_TEXT	= 1u << 1,	/* active while text is being edited */
};

struct keybind {
	unsigned	 screens;
	int		 key;
	enum action	 act;
	unsigned	 flags;
	const char	*label;		/* bar label, short: "open" */
	const char	*help;		/* help line */
};

extern const struct keybind keys_table[];
extern const size_t keys_table_len;

/* The action of key on screen scr (one SCR_* bit), or ACT_NONE. */
enum action	keys_lookup(unsigned scr, int key, int text_mode);

/* Name of a key for people: "j", "Enter", "Esc", "^S", "F5", "PgDn",
 * "Space", "↑".  buf holds at least 16 bytes; returns buf. */
const char	*keys_name(int key, char *buf, size_t n);

/* One bar item: "Enter open". */
struct keybar_item {
	int		 key;
	enum action	 act;
	const char	*label;
};

/* The bar of screen scr: one item per action marked KB_BAR whose
 * can(ctx, act) is nonzero (can NULL: all), in table order.  Returns the
 * number written to out (at most max). */
size_t	keys_bar(unsigned scr, int text_mode, int (*can)(void *ctx, enum action act), void *ctx,
	    struct keybar_item *out, size_t max);

/* Visit the help of screen scr: for each action, every key that reaches
 * it on that screen ("j ↓"), its help text, and whether it is global.
 * Shadowed global bindings are left out. */
typedef void (*keys_help_fn)(void *ctx, const char *keys, const char *help, int global);
void	keys_help(unsigned scr, keys_help_fn fn, void *ctx);

#endif
