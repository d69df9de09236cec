/*
 * doc.c — see doc.h.
 */
#include "doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
doc_init(struct doc *d)
{
	memset(d, 0, sizeof *d);
}

void
doc_clear(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->l[i].text);
		free(d->l[i].spans);
	}
	d->n = 0;
}

void
doc_free(struct doc *d)
{
	doc_clear(d);
	free(d->l);
	doc_init(d);
}

static long
add_line(struct doc *d, int role, char *text)
{
	if (text == NULL)
		return -1;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct dline *nl = realloc(d->l, cap * sizeof *nl);
		if (nl == NULL) {
			free(text);
			return -1;
		}
		d->l = nl;
		d->cap = cap;
	}
	d->l[d->n] = (struct dline){ text, role, NULL, 0 };
	return (long)d->n++;
}

long
doc_add(struct doc *d, int role, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return add_line(d, role, s);
}

void
doc_add_text(struct doc *d, int role, int ind, const char *text)
{
	const char *s = text ? text : "";
	while (*s) {
		const char *e = strchr(s, '\n');
		int n = e ? (int)(e - s) : (int)strlen(s);
		doc_add(d, role, "%*s%.*s", ind, "", n, s);
		s += n + (e != NULL);
	}
}

void
doc_span(struct doc *d, long i, int x, int w, int role)
{
	if (i < 0 || (size_t)i >= d->n)
		return;
	struct dline *l = &d->l[i];
	struct dspan *ns = realloc(l->spans, (l->nspans + 1) * sizeof *ns);
	if (ns == NULL)
		return;
	l->spans = ns;
	ns[l->nspans++] = (struct dspan){ x, w, role };
}

void
doc_draw(struct doc *d, int y0, int h, int w)
{
	d->page = h;
	if (d->n > (size_t)h && d->top > d->n - (size_t)h)
		d->top = d->n - (size_t)h;
	if (d->n <= (size_t)h)
		d->top = 0;
	for (int i = 0; i < h && d->top + (size_t)i < d->n; i++) {
		const struct dline *l = &d->l[d->top + (size_t)i];
		const char *s = l->text;
		size_t off = text_fit(s, d->left, NULL);
		int base = draw_attr(l->role);
		draw_text(y0 + i, 0, w, s + off, base);
		for (size_t k = 0; k < l->nspans; k++) {
			const struct dspan *sp = &l->spans[k];
			int x = sp->x - d->left, sw = sp->w;
			if (x < 0) {
				sw += x;
				x = 0;
			}
			if (sw <= 0 || x >= w)
				continue;
			/* redraw that part of the text with the span's role */
			size_t a = text_fit(s, sp->x > d->left ? sp->x : d->left, NULL);
			size_t b = text_fit(s, sp->x + sp->w, NULL);
			if (b > a) {
				char buf[512];
				size_t n = b - a < sizeof buf - 1 ? b - a : sizeof buf - 1;
				memcpy(buf, s + a, n);
				buf[n] = '\0';
				draw_text(y0 + i, x, w - x < sw ? w - x : sw, buf, draw_attr(sp->role));
			}
		}
	}
}

unsigned
doc_action(struct doc *d, enum action act)
{
	size_t page = d->page > 1 ? (size_t)d->page - 1 : 1;
	switch (act) {
	case ACT_UP:
		if (d->top)
			d->top--;
		break;
	case ACT_DOWN:
		if (d->top + (size_t)d->page < d->n)
			d->top++;
		break;
	case ACT_PGUP:
		d->top = d->top > page ? d->top - page : 0;
		break;
	case ACT_PGDN:
		if (d->top + (size_t)d->page < d->n)
			d->top += page;
		break;
	case ACT_TOP:
		d->top = 0;
		break;
	case ACT_BOTTOM:
		d->top = d->n > (size_t)d->page ? d->n - (size_t)d->page : 0;
		break;
	case ACT_LEFT:
		d->left = d->left > 8 ? d->left - 8 : 0;
		break;
	case ACT_RIGHT:
		d->left += 8;
		break;
	default:
		return 0;
	}
	return R_HANDLED | R_REDRAW;
}
