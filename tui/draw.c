/*
 * draw.c — drawing primitives over curses: roles (what a piece of text
 * is) mapped to colours when the terminal has them and NO_COLOR is not
 * set, else to bold, reverse, underline and dim, so that every role stays
 * distinguishable on a monochrome terminal; and text clipped or fitted
 * to a number of display columns (UTF-8 aware, see text.h).
 */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int roles[ROLE_COUNT];

void
draw_init_colors(int want)
{
	/* monochrome first: these hold whatever happens */
	roles[ROLE_NORMAL] = AN;
	roles[ROLE_HEADER] = A_REVERSE;
	roles[ROLE_TAB] = A_REVERSE | A_BOLD;
	roles[ROLE_BAR] = AN;
	roles[ROLE_BARKEY] = A_REVERSE;
	roles[ROLE_SEL] = A_REVERSE;
	roles[ROLE_TITLE] = A_BOLD;
	roles[ROLE_ERROR] = A_BOLD;
	roles[ROLE_GOOD] = A_BOLD;
	roles[ROLE_WARN] = A_BOLD;
	roles[ROLE_DIM] = A_DIM;
	roles[ROLE_MARK] = A_BOLD;
	roles[ROLE_COLHEAD] = A_BOLD | A_UNDERLINE;
	roles[ROLE_CURCOL] = A_BOLD | A_REVERSE;
	roles[ROLE_BEST] = A_BOLD | A_UNDERLINE;
	roles[ROLE_DIFF] = A_BOLD;
	roles[ROLE_MISSING] = A_DIM;
	if (!want || !has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(1, COLOR_BLACK, COLOR_CYAN);
	init_pair(2, COLOR_RED, -1);
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_YELLOW, -1);
	init_pair(5, COLOR_CYAN, -1);
	init_pair(6, COLOR_MAGENTA, -1);
	init_pair(7, COLOR_BLACK, COLOR_WHITE);
	init_pair(8, COLOR_BLUE, -1);
	roles[ROLE_HEADER] = COLOR_PAIR(1);
	roles[ROLE_TAB] = COLOR_PAIR(7) | A_BOLD;
	roles[ROLE_BARKEY] = COLOR_PAIR(1);
	roles[ROLE_TITLE] = COLOR_PAIR(5) | A_BOLD;
	roles[ROLE_ERROR] = COLOR_PAIR(2) | A_BOLD;
	roles[ROLE_GOOD] = COLOR_PAIR(3) | A_BOLD;
	roles[ROLE_WARN] = COLOR_PAIR(4) | A_BOLD;
	roles[ROLE_MARK] = COLOR_PAIR(6) | A_BOLD;
	roles[ROLE_COLHEAD] = COLOR_PAIR(5) | A_BOLD;
	roles[ROLE_BEST] = COLOR_PAIR(3) | A_BOLD;
	roles[ROLE_DIFF] = COLOR_PAIR(4) | A_BOLD;
	roles[ROLE_MISSING] = COLOR_PAIR(8) | A_DIM;
}

int
draw_attr(enum role r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r] : AN;
}

int
draw_text(int y, int x, int w, const char *s, int attr)
{
	int used;
	if (w <= 0 || s == NULL || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	size_t n = text_fit(s, w, &used);
	attrset(attr);
	/* control characters would move the cursor: show them as '?' */
	int ctl = 0;
	for (size_t i = 0; i < n; i++)
		ctl |= (unsigned char)s[i] < 32 || s[i] == 127;
	if (!ctl) {
		mvaddnstr(y, x, s, (int)n);
	} else {
		char buf[1024];
		size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)s[i] < 32 || s[i] == 127 ? '?' : s[i];
		mvaddnstr(y, x, buf, (int)k);
	}
	attrset(AN);
	return used;
}

void
draw_cell(int y, int x, int w, const char *s, int right, int attr)
{
	char buf[1024];
	if (w <= 0)
		return;
	if (w > 250)
		w = 250;
	text_cell(buf, sizeof buf, s, w, right);
	draw_text(y, x, w, buf, attr);
}

int
draw_textf(int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_text(y, x, w, buf, attr);
}

void
draw_fill(int y, int x, int attr)
{
	if (y < 0 || y >= LINES || x >= COLS)
		return;
	attrset(attr);
	mvhline(y, x, ' ', COLS - x);
	attrset(AN);
}

void
draw_bar(int y, int x, int w, double frac, int attr)
{
	if (w <= 0)
		return;
	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	int fill = (int)(frac * w + 0.5);
	char buf[1024];
	size_t o = 0;
	for (int i = 0; i < w && o + 4 < sizeof buf; i++) {
		const char *c = i < fill ? (text_utf8 ? "█" : "#") : (text_utf8 ? "░" : ".");
		size_t l = strlen(c);
		memcpy(buf + o, c, l);
		o += l;
	}
	buf[o] = '\0';
	draw_text(y, x, w, buf, attr);
}
