/*
 * core/base/ — the subsystem's main header.  Owns the things every part of
 * lathe needs and that know nothing of lathe: error strings, string
 * buffers, number formatting and parsing (numparse, numarg), the JSON
 * writer (jsonw), process identity (proc), the progress bar.  May use:
 * nothing of ours: libc, OpenSSL's SHA-256.  The map of who may use whom
 * is in docs/architecture.md.
 *
 * util.h — small things every module needs: error strings, a growable
 * string buffer, number formatting that round-trips, and time stamps.
 *
 * Error convention (house style): a function that can fail returns 0 on
 * success and nonzero on failure and, when a person will read the failure,
 * fills `char **err` with a malloc'd one-line lowercase message that the
 * caller frees.  err_set() keeps the FIRST message: the innermost cause is
 * the most specific one, so outer layers may call it again harmlessly.
 */
#ifndef LATHE_UTIL_H
#define LATHE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The process exit status contract of both faces: 0 success, 1 a user
 * error (one line on stderr naming what was wrong), 2 a usage error. */
#define EXIT_OK		0
#define EXIT_USER	1
#define EXIT_USAGE	2

/* Set *err (if err is non-NULL and *err is still NULL) to a formatted
 * message.  Always returns -1 so callers can write `return err_set(...)`. */
int err_set(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int err_setv(char **err, const char *fmt, va_list ap);

/* Growable NUL-terminated byte buffer.  On allocation failure the buffer
 * stops growing and `oom` is set; check it once at the end. */
struct sbuf {
	char	*s;
	size_t	 len, cap;
	int	 oom;
};
void	 sbuf_init(struct sbuf *b);
void	 sbuf_free(struct sbuf *b);
int	 sbuf_reserve(struct sbuf *b, size_t extra);
void	 sbuf_putc(struct sbuf *b, char c);
void	 sbuf_putn(struct sbuf *b, const char *s, size_t n);
void	 sbuf_puts(struct sbuf *b, const char *s);
void	 sbuf_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hand the string to the caller (who frees it); the buffer is reset. */
char	*sbuf_detach(struct sbuf *b);

/* Strings copied into 64 KB blocks and freed together: for tables that
 * hold many short strings.  Zero-initialised is empty. */
struct strpool {
	struct strpool_block	*head;
};
/* A NUL-terminated copy of s[0..n), or NULL on OOM. */
char	*strpool_put(struct strpool *p, const char *s, size_t n);
void	 strpool_free(struct strpool *p);

/* Shortest "%.{15,16,17}g" form of v that parses back to exactly v, in the
 * C locale.  NaN and infinities come out as "nan", "inf", "-inf".  buf must
 * hold 32 bytes; returns buf. */
char	*fmt_double(char buf[32], double v);

/* The C locale as a locale_t, for strtod_l and uselocale; thread-safe. */
#include <locale.h>
locale_t c_locale(void);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf[32]; returns buf. */
char	*time_now_iso(char buf[32]);
/* Monotonic seconds, for rates and timings. */
double	 time_mono(void);

/* malloc for large arrays (freed with free()): from 2 MB up, 2 MB-aligned
 * and advised to use transparent huge pages, which cuts page-fault and
 * zeroing time on million-row columns.  NULL on failure. */
void	*big_alloc(size_t bytes);

/* malloc/strdup that return NULL on failure (never abort). */
char	*str_dup(const char *s);
char	*str_ndup(const char *s, size_t n);

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no NUL);
 * otherwise 0 and *bad is the offset of the first offending byte. */
int	 utf8_valid(const unsigned char *s, size_t n, size_t *bad);

/* Hex digest of a 32-byte SHA-256 into out[65]. */
void	 hex_digest(const unsigned char d[32], char out[65]);

/* A whole file as a NUL-terminated string (caller frees); NULL with *err. */
char	*read_text_file(const char *path, char **err);

#endif
