/*
 * jsonbuf.c — the summary JSON writer (see jsonbuf.h).
 *
 * "%.17g" depends on LC_NUMERIC; the TUI sets the user's locale, where the
 * decimal point may be a comma.  We format under a private "C" locale with
 * uselocale(), which changes only the calling thread, and fall back to
 * replacing a non-'.' radix character if that locale cannot be created.
 */
#include "jsonbuf.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/linalg.h"

static void
jb_put(struct jbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *ns;

	if (b->failed)
		return;
	if (n + 1 > b->cap - b->len) {
		cap = b->cap ? b->cap : 256;
		while (n + 1 > cap - b->len) {
			if (cap > SIZE_MAX / 2) {
				b->failed = 1;
				return;
			}
			cap *= 2;
		}
		ns = realloc(b->s, cap);
		if (ns == NULL) {
			b->failed = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
jb_puts(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

/* Comma before a value or key, unless it follows a key or opens a level. */
static void
jb_sep(struct jbuf *b)
{
	if (b->after_key) {
		b->after_key = 0;
		return;
	}
	if (b->depth > 0 && b->depth <= JBUF_MAXDEPTH) {
		if (b->count[b->depth - 1])
			jb_put(b, ",", 1);
		b->count[b->depth - 1] = 1;
	}
}

static void
jb_open(struct jbuf *b, const char *c)
{
	jb_sep(b);
	jb_puts(b, c);
	b->depth++;
	if (b->depth <= JBUF_MAXDEPTH)
		b->count[b->depth - 1] = 0;
	else
		b->failed = 1;
}

static void
jb_close(struct jbuf *b, const char *c)
{
	if (b->depth > 0)
		b->depth--;
	jb_puts(b, c);
}

void
jbuf_init(struct jbuf *b)
{
	memset(b, 0, sizeof *b);
}

void jbuf_obj(struct jbuf *b) { jb_open(b, "{"); }
void jbuf_obj_end(struct jbuf *b) { jb_close(b, "}"); }
void jbuf_arr(struct jbuf *b) { jb_open(b, "["); }
void jbuf_arr_end(struct jbuf *b) { jb_close(b, "]"); }

/* Writes s quoted and escaped, with no separator. */
static void
jb_string(struct jbuf *b, const char *s)
{
	char tmp[8];
	const unsigned char *p;

	jb_put(b, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			jb_put(b, tmp, 2);
		} else if (*p < 0x20) {
			snprintf(tmp, sizeof tmp, "\\u%04x", *p);
			jb_put(b, tmp, 6);
		} else {
			jb_put(b, (const char *)p, 1);
		}
	}
	jb_put(b, "\"", 1);
}

void
jbuf_key(struct jbuf *b, const char *k)
{
	jb_sep(b);
	jb_string(b, k);
	jb_put(b, ":", 1);
	b->after_key = 1;
}

int
jbuf_format_double(char *buf, size_t n, double v)
{
	static const char dot = '.';
	locale_t c, old;
	int len;
	char *p;

	if (!isfinite(v))
		return snprintf(buf, n, "null");
	c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c != (locale_t)0) {
		old = uselocale(c);
		len = snprintf(buf, n, "%.17g", v);
		uselocale(old);
		freelocale(c);
		return len;
	}
	len = snprintf(buf, n, "%.17g", v);
	for (p = buf; *p; p++)
		if (*p == ',')
			*p = dot;
	return len;
}

void
jbuf_num(struct jbuf *b, double v)
{
	char tmp[40];
	int len;

	jb_sep(b);
	len = jbuf_format_double(tmp, sizeof tmp, v);
	jb_put(b, tmp, (size_t)len);
}

void
jbuf_int(struct jbuf *b, int64_t v)
{
	char tmp[32];
	int len;

	jb_sep(b);
	len = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	jb_put(b, tmp, (size_t)len);
}

void
jbuf_bool(struct jbuf *b, int v)
{
	jb_sep(b);
	jb_puts(b, v ? "true" : "false");
}

void
jbuf_str(struct jbuf *b, const char *s)
{
	jb_sep(b);
	jb_string(b, s);
}

void
jbuf_nums(struct jbuf *b, const double *v, size_t n)
{
	size_t i;

	jbuf_arr(b);
	for (i = 0; i < n; i++)
		jbuf_num(b, v[i]);
	jbuf_arr_end(b);
}

void
jbuf_matrix(struct jbuf *b, const double *v, size_t rows, size_t cols)
{
	size_t i;

	jbuf_arr(b);
	for (i = 0; i < rows; i++)
		jbuf_nums(b, v + i * cols, cols);
	jbuf_arr_end(b);
}

int
jbuf_finish(struct jbuf *b, char **out)
{
	if (b->s == NULL && !b->failed)
		jb_put(b, "", 0);
	if (b->failed || b->depth != 0) {
		jbuf_discard(b);
		return b->failed ? LINALG_ENOMEM : LINALG_EINVAL;
	}
	*out = b->s;
	b->s = NULL;
	b->len = b->cap = 0;
	return LINALG_OK;
}

void
jbuf_discard(struct jbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
