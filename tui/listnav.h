/*
 * listnav.h — the cursor and scroll position of a list that shows a
 * window of h rows out of n: movement actions, and the invariant that the
 * cursor is always inside the window (top <= cur < top + h) and inside
 * the list (cur < n, or 0 when empty).  Pure, unit-tested.
 */
#ifndef LATHE_TUI_LISTNAV_H
#define LATHE_TUI_LISTNAV_H

#include <stddef.h>

struct listnav {
	size_t	n;	/* rows in the list */
	size_t	cur;	/* cursor row */
	size_t	top;	/* first row shown */
};

/* Apply a movement action (ACT_UP, ACT_DOWN, ACT_TOP, ACT_BOTTOM,
 * ACT_PGUP, ACT_PGDN) with a window of h rows.  Returns 1 if the action
 * was a movement (handled), 0 otherwise. */
int	nav_move(struct listnav *v, int act, size_t h);
/* Change the row count (after a filter or reload), keeping the cursor in
 * range and visible. */
void	nav_count(struct listnav *v, size_t n, size_t h);
/* Put the cursor on row i (clamped) and scroll it into view. */
void	nav_goto(struct listnav *v, size_t i, size_t h);
/* Scroll so that the cursor is visible in a window of h rows. */
void	nav_show(struct listnav *v, size_t h);

#endif
