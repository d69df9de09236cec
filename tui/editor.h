/*
 * editor.h — the text buffer of the recipe editor pane: lines of UTF-8,
 * a cursor (line and byte offset on a character boundary), the first line
 * shown, and a modified flag.  Keys move, insert and delete; the screen
 * draws it and re-parses the text after every change.  Pure: unit-tested.
 *
 * Sizes: recipes are tens of lines; lines are arrays of strings and every
 * edit is a memmove within one line.
 */
#ifndef LATHE_TUI_EDITOR_H
#define LATHE_TUI_EDITOR_H

#include <stddef.h>

struct editor {
	char	**lines;
	size_t	 n, cap;
	size_t	 row, col;	/* cursor: line, byte offset */
	size_t	 want;		/* display column kept across vertical moves */
	size_t	 top;		/* first line shown */
	int	 modified;
};

/* Start with text (NULL: empty).  0 or -1 (OOM). */
int	editor_init(struct editor *e, const char *text);
void	editor_free(struct editor *e);
/* Replace the text, keeping the cursor where possible.  0 or -1. */
int	editor_set(struct editor *e, const char *text);
/* The text, lines joined with '\n' and a final newline (caller frees). */
char	*editor_text(const struct editor *e);
/* Apply a key (keys.h numbering) with a window of h lines.  Returns 1 if
 * the key was an editing or movement key, 0 otherwise; sets modified on
 * a change. */
int	editor_key(struct editor *e, int key, size_t h);
/* Insert UTF-8 text (may hold newlines) at the cursor. */
int	editor_insert(struct editor *e, const char *s, size_t n);
/* Cursor to line row (0-based), display column col (clamped). */
void	editor_goto(struct editor *e, size_t row, size_t col, size_t h);
/* Display column of the cursor. */
int	editor_cursor_col(const struct editor *e);

/* Where an engine message "ORIGIN:LINE:COL: message\n..." points: *line
 * and *col (1-based) and the message's first line copied into msg.
 * Returns 1 if err had that form, else 0 (msg still gets the first line). */
int	editor_error_pos(const char *err, const char *origin, int *line, int *col, char *msg,
	    size_t n);

#endif
