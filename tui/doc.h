/*
 * doc.h — a scrollable document of styled lines: what the run detail,
 * compare and command output screens show.  Lines are built once from
 * the records (or the output) and drawn from a top line and a left
 * column, so long documents and wide tables scroll both ways.
 */
#ifndef LATHE_TUI_DOC_H
#define LATHE_TUI_DOC_H

#include <stddef.h>
#include "app.h"

struct dspan {
	int	x;		/* display column where the span starts */
	int	w;		/* its width */
	int	role;
};

struct dline {
	char		*text;
	int		 role;		/* of the whole line */
	struct dspan	*spans;		/* roles of parts, or NULL */
	size_t		 nspans;
};

struct doc {
	struct dline	*l;
	size_t		 n, cap;
	size_t		 top;
	int		 left;
	int		 page;
};

void	doc_init(struct doc *d);
void	doc_free(struct doc *d);
void	doc_clear(struct doc *d);
/* Append a line (printf-style).  Returns its index or -1 (OOM). */
long	doc_add(struct doc *d, int role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Append text split at newlines, each line with role (indented by ind). */
void	doc_add_text(struct doc *d, int role, int ind, const char *text);
/* Give columns [x, x+w) of line i a role. */
void	doc_span(struct doc *d, long i, int x, int w, int role);
void	doc_draw(struct doc *d, int y0, int h, int w);
/* Scrolling actions; R_HANDLED | R_REDRAW or 0. */
unsigned doc_action(struct doc *d, enum action act);

#endif
