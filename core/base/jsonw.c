/*
 * jsonw.c — streaming JSON writer; see jsonw.h.
 */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
jw_init(struct jw *w, struct sbuf *b, int pretty)
{
	memset(w, 0, sizeof *w);
	w->b = b;
	w->pretty = pretty;
}

static void
indent(struct jw *w)
{
	sbuf_putc(w->b, '\n');
	for (int i = 0; i < w->depth; i++)
		sbuf_putn(w->b, "  ", 2);
}

/* Punctuation before a value or key at the current level. */
static void
pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (w->count[w->depth] > 0)
			sbuf_putc(w->b, ',');
		if (w->count[w->depth] < 255)
			w->count[w->depth]++;
		if (w->pretty)
			indent(w);
		else if (w->count[w->depth] > 1)
			sbuf_putc(w->b, ' ');
	}
}

static void
open_(struct jw *w, char c)
{
	pre(w);
	sbuf_putc(w->b, c);
	if (w->depth < JW_MAXDEPTH - 1)
		w->depth++;
	w->count[w->depth] = 0;
}

static void
close_(struct jw *w, char c)
{
	int had = w->count[w->depth] > 0;
	if (w->depth > 0)
		w->depth--;
	if (w->pretty && had)
		indent(w);
	sbuf_putc(w->b, c);
}

void jw_obj(struct jw *w) { open_(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open_(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void
json_escape(struct sbuf *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	sbuf_reserve(b, n + 2);
	sbuf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_putn(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sbuf_putn(b, "\\\"", 2); break;
		case '\\': sbuf_putn(b, "\\\\", 2); break;
		case '\n': sbuf_putn(b, "\\n", 2); break;
		case '\r': sbuf_putn(b, "\\r", 2); break;
		case '\t': sbuf_putn(b, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hx[c >> 4], hx[c & 15] };
			sbuf_putn(b, u, 6);
		}
		}
	}
	sbuf_putn(b, s + run, n - run);
	sbuf_putc(b, '"');
}

void
jw_key(struct jw *w, const char *k)
{
	pre(w);
	json_escape(w->b, k, strlen(k));
	sbuf_putn(w->b, w->pretty ? ": " : ": ", 2);
	w->after_key = 1;
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	pre(w);
	json_escape(w->b, s, n);
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void
jw_num(struct jw *w, double v)
{
	char buf[32];
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	pre(w);
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		/* integral: print without exponent or fraction */
		snprintf(buf, sizeof buf, "%.0f", v);
		if (strcmp(buf, "-0") == 0)
			strcpy(buf, "-0.0");
	} else {
		fmt_double(buf, v);
	}
	sbuf_puts(w->b, buf);
}

void
jw_int(struct jw *w, int64_t v)
{
	pre(w);
	sbuf_printf(w->b, "%lld", (long long)v);
}

void
jw_bool(struct jw *w, int v)
{
	pre(w);
	sbuf_puts(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
	pre(w);
	sbuf_putn(w->b, "null", 4);
}

void
jw_raw(struct jw *w, const char *json)
{
	pre(w);
	sbuf_puts(w->b, json);
}
