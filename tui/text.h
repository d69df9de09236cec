/*
 * text.h — text for a terminal grid: display widths of UTF-8 strings,
 * cutting and padding to a column width, compact numbers, sparklines and
 * a one-line editor.  Pure functions over strings, unit-tested without a
 * terminal.
 *
 * Widths: a code point counts as wcwidth() says (two for wide CJK, zero
 * for combining marks); bytes that are not UTF-8, and code points the
 * locale cannot classify, count as one column, so a width is never
 * negative and a cut never splits a character.
 *
 * When the terminal's locale is not UTF-8, text_utf8 is 0 and the
 * decorations (ellipsis, blocks, arrows) fall back to ASCII.
 */
#ifndef LATHE_TUI_TEXT_H
#define LATHE_TUI_TEXT_H

#include <stddef.h>

extern int text_utf8;

/* Columns taken by s (NUL-terminated) or by its first n bytes. */
int	text_width(const char *s);
int	text_widthn(const char *s, size_t n);
/* Bytes of the longest prefix of s that fits in w columns; *used (may be
 * NULL) receives its width. */
size_t	text_fit(const char *s, int w, int *used);
/* s fitted to exactly w columns into out (size n): cut with an ellipsis
 * when longer, padded with spaces (right = 1 aligns right). */
void	text_cell(char *out, size_t n, const char *s, int w, int right);
/* The ellipsis: "…" or "~". */
const char *text_ellipsis(void);

/* v compactly in at most `sig` significant digits, without trailing
 * zeros ("0.9667", "1.2e+06", "12"); NaN as "".  Returns buf. */
char	*text_num(char *buf, size_t n, double v, int sig);
/* Seconds as "0.25s", "12.3s", "4:05", "1:02:03".  Returns buf. */
char	*text_duration(char *buf, size_t n, double secs);

/* A sparkline of v[0..nv) in at most width cells (values averaged into
 * buckets when there are more), scaled between their min and max; NaN
 * values are skipped.  Written to out (size n) as block characters. */
void	text_sparkline(char *out, size_t n, const double *v, size_t nv, int width);

/* A one-line editor over UTF-8 text. */
struct lineedit {
	char	buf[1024];
	size_t	len, pos;	/* bytes; pos is on a character boundary */
};
void	le_set(struct lineedit *e, const char *s);
/* Apply key (keys.h numbering).  Returns 1 when the key edited or moved
 * (consumed), 0 for keys it leaves to the caller (Enter, Esc, Tab, Up...). */
int	le_key(struct lineedit *e, int key);
/* Display columns before the cursor. */
int	le_cursor_col(const struct lineedit *e);
/* Insert UTF-8 text at the cursor (as much as fits). */
void	le_insert(struct lineedit *e, const char *s, size_t n);

/* Copy src into dst (size n), cut on a character boundary if longer.
 * Returns dst. */
char	*text_copy(char *dst, size_t n, const char *src);

/* Encode code point c as UTF-8 into out[4]; returns the byte count (0 for
 * an invalid code point). */
size_t	utf8_encode(unsigned c, char out[4]);

#endif
