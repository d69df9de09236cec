/*
 * texttab.c — see texttab.h.
 */
#include "texttab.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct texttab {
	size_t	  ncols;
	char	**hdr;
	char	**cells;
	size_t	  ncells, cap;
	size_t	 *limit;
	unsigned char *right;
	int	  oom;
};

struct texttab *
texttab_new(size_t ncols)
{
	struct texttab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->hdr = calloc(ncols, sizeof *t->hdr);
	t->limit = calloc(ncols, sizeof *t->limit);
	t->right = calloc(ncols, 1);
	if (t->hdr == NULL || t->limit == NULL || t->right == NULL) {
		texttab_free(t);
		return NULL;
	}
	for (size_t j = 0; j < ncols; j++)
		t->limit[j] = 40;
	return t;
}

void
texttab_free(struct texttab *t)
{
	if (t == NULL)
		return;
	for (size_t j = 0; j < t->ncols && t->hdr; j++)
		free(t->hdr[j]);
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->hdr);
	free(t->cells);
	free(t->limit);
	free(t->right);
	free(t);
}

void
texttab_header(struct texttab *t, const char *const *names)
{
	for (size_t j = 0; j < t->ncols; j++) {
		free(t->hdr[j]);
		t->hdr[j] = str_dup(names[j] ? names[j] : "");
		if (t->hdr[j] == NULL)
			t->oom = 1;
	}
}

void
texttab_right(struct texttab *t, size_t j)
{
	if (j < t->ncols)
		t->right[j] = 1;
}

void
texttab_limit(struct texttab *t, size_t j, size_t w)
{
	if (j < t->ncols)
		t->limit[j] = w < 2 ? 2 : w;
}

void
texttab_cell(struct texttab *t, const char *s)
{
	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, cap * sizeof *c);
		if (c == NULL) {
			t->oom = 1;
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	char *d = str_dup(s ? s : "");
	if (d == NULL) {
		t->oom = 1;
		return;
	}
	t->cells[t->ncells++] = d;
}

void
texttab_cellf(struct texttab *t, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		t->oom = 1;
		return;
	}
	texttab_cell(t, s);
	free(s);
}

size_t
utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Append s cut to at most w characters, control characters shown as '?'. */
static void
put_cell(struct sbuf *b, const char *s, size_t w, size_t pad, int right)
{
	size_t sw = utf8_width(s), shown = sw > w ? w - 1 : sw;
	if (right)
		for (size_t i = shown + (sw > w); i < pad; i++)
			sbuf_putc(b, ' ');
	size_t n = 0;
	for (const char *p = s; *p && n <= shown; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c & 0xc0) != 0x80) {
			if (n == shown)
				break;
			n++;
		}
		sbuf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (sw > w)
		sbuf_puts(b, "\xe2\x80\xa6");
	if (!right)
		for (size_t i = shown + (sw > w); i < pad; i++)
			sbuf_putc(b, ' ');
}

int
texttab_render(const struct texttab *t, struct sbuf *b)
{
	if (t->oom)
		return -1;
	size_t *wid = calloc(t->ncols ? t->ncols : 1, sizeof *wid);
	if (wid == NULL)
		return -1;
	for (size_t j = 0; j < t->ncols; j++)
		wid[j] = t->hdr[j] ? utf8_width(t->hdr[j]) : 0;
	for (size_t i = 0; i < t->ncells; i++) {
		size_t j = i % t->ncols, w = utf8_width(t->cells[i]);
		if (w > wid[j])
			wid[j] = w;
	}
	for (size_t j = 0; j < t->ncols; j++)
		if (wid[j] > t->limit[j])
			wid[j] = t->limit[j];
	for (size_t j = 0; j < t->ncols; j++) {
		put_cell(b, t->hdr[j] ? t->hdr[j] : "", wid[j],
		    j + 1 < t->ncols || t->right[j] ? wid[j] : 0, t->right[j]);
		sbuf_puts(b, j + 1 < t->ncols ? "  " : "\n");
	}
	for (size_t i = 0; i < t->ncells; i++) {
		size_t j = i % t->ncols;
		put_cell(b, t->cells[i], wid[j], j + 1 < t->ncols || t->right[j] ? wid[j] : 0,
		    t->right[j]);
		sbuf_puts(b, j + 1 < t->ncols ? "  " : "\n");
	}
	free(wid);
	return b->oom ? -1 : 0;
}
