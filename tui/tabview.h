/*
 * tabview.h — a table on screen: the list screens' shared widget.
 *
 * It draws a struct tab's view (tab.h) with a header row of column names
 * (the current column highlighted, the sort column marked ▲/▼), a mark
 * gutter, group headers, a cursor row, and horizontal scrolling so that
 * the current column is always visible, whatever the terminal width.
 * Screens give a callback for cells they draw live (a training run's
 * progress) and for the colour of a row (a failed run).
 *
 * Movement, column choice and sorting are handled here; filtering and
 * reloading by the screen, which then calls tabview_refresh() so that the
 * cursor stays on the same row.
 */
#ifndef LATHE_TUI_TABVIEW_H
#define LATHE_TUI_TABVIEW_H

#include "app.h"
#include "tab.h"

/* Text to draw for a cell (return NULL for the table's own), and its
 * attribute in *attr (left alone: normal). */
typedef const char *(*tabview_cell_fn)(void *ctx, size_t row, size_t col, char *buf, size_t n,
    int *attr);
/* Attribute of a whole row (0: normal). */
typedef int (*tabview_row_fn)(void *ctx, size_t row);

struct tabview {
	struct tab	*t;		/* owned */
	struct listnav	 nav;
	size_t		 col;		/* current column */
	size_t		 left;		/* first column shown */
	int		 marks;		/* draw the mark gutter */
	unsigned char	*hidden;	/* per column, or NULL */
	tabview_cell_fn	 cell;
	tabview_row_fn	 rowattr;
	void		*ctx;
	int		 page;		/* rows in the last drawn window */
};

void	tabview_init(struct tabview *tv);
void	tabview_free(struct tabview *tv);
/* Take a new table (finished), keeping the sort, filter text, grouping,
 * marks (by key) and cursor (by key) of the old one.  Returns 0, or -1
 * (OOM; t is freed). */
int	tabview_set(struct tabview *tv, struct tab *t, const char *filter);
/* Show an empty finished table of ncols unnamed columns: what a screen
 * whose first load failed stands on.  Returns 0, or -1 (OOM). */
int	tabview_set_empty(struct tabview *tv, size_t ncols);
/* Rebuild the view after a change, keeping the cursor on its row. */
void	tabview_refresh(struct tabview *tv);
/* Row under the cursor, or -1 (none, or a group header). */
long	tabview_row(const struct tabview *tv);
/* Group header under the cursor, or -1. */
long	tabview_group(const struct tabview *tv);
void	tabview_draw(struct tabview *tv, int y0, int h, int w);
/* Movement, column and sort actions.  R_HANDLED | R_REDRAW or 0. */
unsigned tabview_action(struct tabview *tv, struct app *a, enum action act);
/* Apply a filter; on a bad filter the message is shown and the old one
 * stays. */
unsigned tabview_filter(struct tabview *tv, struct app *a, const char *text);
/* A click on body row y of the widget (y 0 is its header). */
unsigned tabview_click(struct tabview *tv, int y, int x);
/* Put the cursor on the row with key (if shown). */
void	tabview_focus_key(struct tabview *tv, int64_t key);

#endif
