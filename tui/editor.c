/*
 * editor.c — see editor.h.
 */
#include "editor.h"
#include "keys.h"
#include "text.h"
#include "base/util.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
reserve(struct editor *e, size_t need)
{
	if (need <= e->cap)
		return 0;
	size_t cap = e->cap ? e->cap * 2 : 32;
	while (cap < need)
		cap *= 2;
	char **nl = realloc(e->lines, cap * sizeof *nl);
	if (nl == NULL)
		return -1;
	e->lines = nl;
	e->cap = cap;
	return 0;
}

void
editor_free(struct editor *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->lines[i]);
	free(e->lines);
	memset(e, 0, sizeof *e);
}

static int
load(struct editor *e, const char *text)
{
	const char *s = text ? text : "";
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (!nl && len == 0 && e->n > 0)
			break;			/* the final newline */
		if (len && s[len - 1] == '\r')
			len--;
		if (reserve(e, e->n + 1) != 0 || (e->lines[e->n] = str_ndup(s, len)) == NULL)
			return -1;
		for (char *q = e->lines[e->n]; *q; q++)
			if (*q == '\t')
				*q = ' ';
		e->n++;
		if (!nl)
			break;
		s = nl + 1;
	}
	return 0;
}

int
editor_init(struct editor *e, const char *text)
{
	memset(e, 0, sizeof *e);
	if (load(e, text) != 0) {
		editor_free(e);
		return -1;
	}
	return 0;
}

int
editor_set(struct editor *e, const char *text)
{
	struct editor ne;
	if (editor_init(&ne, text) != 0)
		return -1;
	ne.row = e->row < ne.n ? e->row : ne.n - 1;
	ne.col = 0;
	ne.top = e->top;
	ne.modified = 1;
	editor_free(e);
	*e = ne;
	return 0;
}

char *
editor_text(const struct editor *e)
{
	struct sbuf b;
	sbuf_init(&b);
	for (size_t i = 0; i < e->n; i++) {
		sbuf_puts(&b, e->lines[i]);
		sbuf_putc(&b, '\n');
	}
	if (b.oom) {
		sbuf_free(&b);
		return NULL;
	}
	return b.s ? sbuf_detach(&b) : str_dup("");
}

int
editor_cursor_col(const struct editor *e)
{
	return e->n ? text_widthn(e->lines[e->row], e->col) : 0;
}

/* Byte offset in line of display column col (on a character boundary). */
static size_t
col_to_byte(const char *line, size_t col)
{
	return text_fit(line, (int)col, NULL);
}

static void
keep_visible(struct editor *e, size_t h)
{
	if (h == 0)
		h = 1;
	if (e->row < e->top)
		e->top = e->row;
	if (e->row >= e->top + h)
		e->top = e->row - h + 1;
}

void
editor_goto(struct editor *e, size_t row, size_t col, size_t h)
{
	if (e->n == 0)
		return;
	e->row = row < e->n ? row : e->n - 1;
	e->col = col_to_byte(e->lines[e->row], col);
	e->want = (size_t)editor_cursor_col(e);
	keep_visible(e, h);
}

static int
insert_bytes(struct editor *e, const char *s, size_t n)
{
	char *line = e->lines[e->row];
	size_t len = strlen(line);
	char *nl = realloc(line, len + n + 1);
	if (nl == NULL)
		return -1;
	memmove(nl + e->col + n, nl + e->col, len - e->col + 1);
	memcpy(nl + e->col, s, n);
	e->lines[e->row] = nl;
	e->col += n;
	e->modified = 1;
	return 0;
}

static int
split_line(struct editor *e)
{
	if (reserve(e, e->n + 1) != 0)
		return -1;
	char *rest = str_dup(e->lines[e->row] + e->col);
	if (rest == NULL)
		return -1;
	e->lines[e->row][e->col] = '\0';
	memmove(e->lines + e->row + 2, e->lines + e->row + 1, (e->n - e->row - 1) * sizeof *e->lines);
	e->lines[e->row + 1] = rest;
	e->n++;
	e->row++;
	e->col = 0;
	e->modified = 1;
	return 0;
}

/* Join line row+1 onto line row. */
static int
join_next(struct editor *e, size_t row)
{
	if (row + 1 >= e->n)
		return 0;
	size_t a = strlen(e->lines[row]), b = strlen(e->lines[row + 1]);
	char *nl = realloc(e->lines[row], a + b + 1);
	if (nl == NULL)
		return -1;
	memcpy(nl + a, e->lines[row + 1], b + 1);
	e->lines[row] = nl;
	free(e->lines[row + 1]);
	memmove(e->lines + row + 1, e->lines + row + 2, (e->n - row - 2) * sizeof *e->lines);
	e->n--;
	e->modified = 1;
	return 0;
}

int
editor_insert(struct editor *e, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t k = i;
		while (k < n && s[k] != '\n')
			k++;
		if (k > i && insert_bytes(e, s + i, k - i) != 0)
			return -1;
		if (k < n && split_line(e) != 0)
			return -1;
		i = k + 1;
	}
	e->want = (size_t)editor_cursor_col(e);
	return 0;
}

static size_t
prev_boundary(const char *line, size_t col)
{
	if (col == 0)
		return 0;
	col--;
	while (col > 0 && ((unsigned char)line[col] & 0xc0) == 0x80)
		col--;
	return col;
}

static size_t
next_boundary(const char *line, size_t col)
{
	size_t len = strlen(line);
	if (col >= len)
		return len;
	col++;
	while (col < len && ((unsigned char)line[col] & 0xc0) == 0x80)
		col++;
	return col;
}

int
editor_key(struct editor *e, int key, size_t h)
{
	int vertical = 0;
	if (e->n == 0 && reserve(e, 1) == 0 && (e->lines[0] = str_dup("")) != NULL)
		e->n = 1;
	if (e->n == 0)
		return 0;
	char *line = e->lines[e->row];
	size_t page = h > 1 ? h - 1 : 1;
	switch (key) {
	case TK(KEY_UP):
		if (e->row > 0)
			e->row--;
		vertical = 1;
		break;
	case TK(KEY_DOWN):
		if (e->row + 1 < e->n)
			e->row++;
		vertical = 1;
		break;
	case TK(KEY_PPAGE):
		e->row = e->row > page ? e->row - page : 0;
		vertical = 1;
		break;
	case TK(KEY_NPAGE):
		e->row = e->row + page < e->n ? e->row + page : e->n - 1;
		vertical = 1;
		break;
	case TK(KEY_LEFT):
		if (e->col > 0)
			e->col = prev_boundary(line, e->col);
		else if (e->row > 0) {
			e->row--;
			e->col = strlen(e->lines[e->row]);
		}
		break;
	case TK(KEY_RIGHT):
		if (e->col < strlen(line))
			e->col = next_boundary(line, e->col);
		else if (e->row + 1 < e->n) {
			e->row++;
			e->col = 0;
		}
		break;
	case TK(KEY_HOME):
	case CTRL('a'):
		e->col = 0;
		break;
	case TK(KEY_END):
		e->col = strlen(line);
		break;
	case K_ENTER:
	case 13:
	case TK(KEY_ENTER):
		if (split_line(e) != 0)
			return 1;
		break;
	case TK(KEY_BACKSPACE):
	case K_DEL:
	case CTRL('h'):
		if (e->col > 0) {
			size_t a = prev_boundary(line, e->col);
			memmove(line + a, line + e->col, strlen(line + e->col) + 1);
			e->col = a;
			e->modified = 1;
		} else if (e->row > 0) {
			size_t len = strlen(e->lines[e->row - 1]);
			if (join_next(e, e->row - 1) == 0) {
				e->row--;
				e->col = len;
			}
		}
		break;
	case TK(KEY_DC):
		if (e->col < strlen(line)) {
			size_t b = next_boundary(line, e->col);
			memmove(line + e->col, line + b, strlen(line + b) + 1);
			e->modified = 1;
		} else {
			join_next(e, e->row);
		}
		break;
	case CTRL('k'):
		if (line[e->col] != '\0') {
			line[e->col] = '\0';
			e->modified = 1;
		} else {
			join_next(e, e->row);
		}
		break;
	case K_TAB:
		insert_bytes(e, "  ", 2);
		break;
	default:
		if (KEY_IS_CHAR(key) && key >= 32 && key != K_DEL) {
			char u[4];
			size_t n = utf8_encode((unsigned)key, u);
			if (n == 0 || insert_bytes(e, u, n) != 0)
				return 1;
			break;
		}
		return 0;
	}
	if (vertical)
		e->col = col_to_byte(e->lines[e->row], e->want);
	else
		e->want = (size_t)editor_cursor_col(e);
	keep_visible(e, h);
	return 1;
}

int
editor_error_pos(const char *err, const char *origin, int *line, int *col, char *msg, size_t n)
{
	size_t ol = strlen(origin);
	const char *p = err ? err : "";
	int l = 0, c = 0, k = 0;
	*line = *col = 0;
	if (strncmp(p, origin, ol) == 0 && p[ol] == ':' &&
	    sscanf(p + ol + 1, "%d:%d: %n", &l, &c, &k) == 2 && k > 0) {
		*line = l;
		*col = c;
		p += ol + 1 + k;
	}
	const char *e = strchr(p, '\n');
	size_t len = e ? (size_t)(e - p) : strlen(p);
	if (n) {
		if (len >= n)
			len = n - 1;
		memcpy(msg, p, len);
		msg[len] = '\0';
	}
	return *line > 0;
}
