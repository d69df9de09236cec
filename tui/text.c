/*
 * text.c — see text.h.
 */
#include "text.h"
#include "keys.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

int text_utf8 = 1;

/* Decode one UTF-8 sequence at s (at most n bytes): the code point, or -1
 * for a bad byte; *len is the bytes consumed (at least 1). */
static long
decode(const unsigned char *s, size_t n, size_t *len)
{
	unsigned c = s[0];
	size_t need;
	long cp;
	*len = 1;
	if (c < 0x80)
		return c;
	if ((c & 0xe0) == 0xc0) {
		need = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		need = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		need = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if (n < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*len = need;
	return cp;
}

static int
cp_width(long cp)
{
	if (cp < 0)
		return 1;
	if (cp < 0x20 || cp == 0x7f)
		return 1;	/* drawn as a one-column substitute glyph */
	if (cp < 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int
text_widthn(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;
	size_t i = 0, len;
	while (i < n && p[i]) {
		w += cp_width(decode(p + i, n - i, &len));
		i += len;
	}
	return w;
}

int
text_width(const char *s)
{
	return text_widthn(s, strlen(s));
}

size_t
text_fit(const char *s, int w, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = strlen(s), len;
	int u = 0;
	while (i < n) {
		int cw = cp_width(decode(p + i, n - i, &len));
		if (u + cw > w)
			break;
		u += cw;
		i += len;
	}
	if (used)
		*used = u;
	return i;
}

const char *
text_ellipsis(void)
{
	return text_utf8 ? "…" : "~";
}

void
text_cell(char *out, size_t n, const char *s, int w, int right)
{
	size_t o = 0;
	int used;
	if (n == 0)
		return;
	out[0] = '\0';
	if (w <= 0)
		return;
	if (s == NULL)
		s = "";
	int sw = text_width(s);
	size_t take;
	const char *ell = "";
	if (sw > w) {
		take = text_fit(s, w - 1, &used);
		ell = text_ellipsis();
		used += 1;
	} else {
		take = strlen(s);
		used = sw;
	}
	int pad = w - used;
	if (right)
		for (; pad > 0 && o + 1 < n; pad--)
			out[o++] = ' ';
	if (o + take >= n)
		take = n - o - 1;
	/* never cut a UTF-8 sequence at the buffer's end */
	while (take > 0 && ((unsigned char)s[take] & 0xc0) == 0x80)
		take--;
	memcpy(out + o, s, take);
	o += take;
	size_t el = strlen(ell);
	if (el && o + el < n) {
		memcpy(out + o, ell, el);
		o += el;
	}
	for (; pad > 0 && o + 1 < n; pad--)
		out[o++] = ' ';
	out[o] = '\0';
}

char *
text_num(char *buf, size_t n, double v, int sig)
{
	if (isnan(v)) {
		snprintf(buf, n, "%s", "");
		return buf;
	}
	if (v == floor(v) && fabs(v) < 1e12) {
		snprintf(buf, n, "%.0f", v);
		return buf;
	}
	snprintf(buf, n, "%.*g", sig, v);
	return buf;
}

char *
text_duration(char *buf, size_t n, double s)
{
	if (isnan(s) || s < 0)
		snprintf(buf, n, "%s", "");
	else if (s < 10)
		snprintf(buf, n, "%.2fs", s);
	else if (s < 60)
		snprintf(buf, n, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, n, "%d:%02d", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
	return buf;
}

void
text_sparkline(char *out, size_t n, const double *v, size_t nv, int width)
{
	static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[8] = { '_', '.', '-', '-', '=', '=', '#', '#' };
	double b[512];
	size_t o = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	if (width <= 0 || nv == 0)
		return;
	if (width > 512)
		width = 512;
	size_t nb = nv < (size_t)width ? nv : (size_t)width;
	for (size_t k = 0; k < nb; k++) {
		size_t a = k * nv / nb, e = (k + 1) * nv / nb;
		double sum = 0;
		size_t cnt = 0;
		for (size_t i = a; i < e; i++)
			if (!isnan(v[i]) && !isinf(v[i])) {
				sum += v[i];
				cnt++;
			}
		b[k] = cnt ? sum / (double)cnt : NAN;
	}
	double lo = INFINITY, hi = -INFINITY;
	for (size_t k = 0; k < nb; k++)
		if (!isnan(b[k])) {
			lo = b[k] < lo ? b[k] : lo;
			hi = b[k] > hi ? b[k] : hi;
		}
	for (size_t k = 0; k < nb; k++) {
		int lvl;
		if (isnan(b[k])) {
			if (o + 2 > n)
				break;
			out[o++] = ' ';
			continue;
		}
		lvl = hi > lo ? (int)((b[k] - lo) / (hi - lo) * 7.0 + 0.5) : 3;
		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		if (text_utf8) {
			if (o + 4 > n)
				break;
			memcpy(out + o, blocks[lvl], 3);
			o += 3;
		} else {
			if (o + 2 > n)
				break;
			out[o++] = ascii[lvl];
		}
	}
	out[o] = '\0';
}

size_t
utf8_encode(unsigned c, char out[4])
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c >= 0xd800 && c < 0xe000)
		return 0;
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	if (c < 0x110000) {
		out[0] = (char)(0xf0 | (c >> 18));
		out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[3] = (char)(0x80 | (c & 0x3f));
		return 4;
	}
	return 0;
}

void
le_set(struct lineedit *e, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= sizeof e->buf)
		n = sizeof e->buf - 1;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	if (n)
		memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	e->len = e->pos = n;
}

void
le_insert(struct lineedit *e, const char *s, size_t n)
{
	if (e->len + n >= sizeof e->buf)
		return;
	memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos + 1);
	memcpy(e->buf + e->pos, s, n);
	e->len += n;
	e->pos += n;
}

static size_t
prev_char(const struct lineedit *e, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && ((unsigned char)e->buf[pos] & 0xc0) == 0x80)
		pos--;
	return pos;
}

static size_t
next_char(const struct lineedit *e, size_t pos)
{
	if (pos >= e->len)
		return e->len;
	pos++;
	while (pos < e->len && ((unsigned char)e->buf[pos] & 0xc0) == 0x80)
		pos++;
	return pos;
}

static void
cut(struct lineedit *e, size_t a, size_t b)
{
	memmove(e->buf + a, e->buf + b, e->len - b + 1);
	e->len -= b - a;
	if (e->pos > b)
		e->pos -= b - a;
	else if (e->pos > a)
		e->pos = a;
}

int
le_key(struct lineedit *e, int key)
{
	switch (key) {
	case TK(KEY_LEFT):
	case CTRL('b'):
		e->pos = prev_char(e, e->pos);
		return 1;
	case TK(KEY_RIGHT):
	case CTRL('f'):
		e->pos = next_char(e, e->pos);
		return 1;
	case TK(KEY_HOME):
	case CTRL('a'):
		e->pos = 0;
		return 1;
	case TK(KEY_END):
	case CTRL('e'):
		e->pos = e->len;
		return 1;
	case TK(KEY_BACKSPACE):
	case K_DEL:
	case CTRL('h'):
		if (e->pos > 0)
			cut(e, prev_char(e, e->pos), e->pos);
		return 1;
	case TK(KEY_DC):
		if (e->pos < e->len)
			cut(e, e->pos, next_char(e, e->pos));
		return 1;
	case CTRL('u'):
		cut(e, 0, e->pos);
		return 1;
	case CTRL('k'):
		cut(e, e->pos, e->len);
		return 1;
	case CTRL('w'): {
		size_t a = e->pos;
		while (a > 0 && e->buf[a - 1] == ' ')
			a--;
		while (a > 0 && e->buf[a - 1] != ' ' && e->buf[a - 1] != '/')
			a--;
		cut(e, a, e->pos);
		return 1;
	}
	}
	if (KEY_IS_CHAR(key) && key >= 32 && key != K_DEL) {
		char u[4];
		size_t n = utf8_encode((unsigned)key, u);
		if (n)
			le_insert(e, u, n);
		return 1;
	}
	return 0;
}

int
le_cursor_col(const struct lineedit *e)
{
	return text_widthn(e->buf, e->pos);
}

char *
text_copy(char *dst, size_t n, const char *src)
{
	size_t len = src ? strlen(src) : 0;
	if (n == 0)
		return dst;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}
