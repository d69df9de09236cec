/*
 * texttab.h — aligned plain-text tables for the CLI's human output.
 * Cells are copied; widths count UTF-8 code points; cells wider than the
 * column limit are cut with "…".  Numeric-looking columns can be right-
 * aligned.
 */
#ifndef LATHE_TEXTTAB_H
#define LATHE_TEXTTAB_H

#include <stddef.h>
#include "base/util.h"

struct texttab;

/* NULL on OOM.  Free with texttab_free. */
struct texttab	*texttab_new(size_t ncols);
void		 texttab_free(struct texttab *t);
/* Header cells, one per column (copied). */
void		 texttab_header(struct texttab *t, const char *const *names);
/* Right-align column j. */
void		 texttab_right(struct texttab *t, size_t j);
/* Limit column j to w characters (default 40). */
void		 texttab_limit(struct texttab *t, size_t j, size_t w);
/* Append the next cell, row by row (NULL prints as empty). */
void		 texttab_cell(struct texttab *t, const char *s);
void		 texttab_cellf(struct texttab *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Render into b.  Returns 0, or -1 on OOM. */
int		 texttab_render(const struct texttab *t, struct sbuf *b);

/* Display width of a UTF-8 string (code points). */
size_t		 utf8_width(const char *s);

#endif
