/*
 * jsonbuf.h — a small JSON writer for model summaries.
 *
 * Plugins link only the linear-algebra layer, so they cannot use the core's
 * writer; this one covers what a summary needs: objects, arrays, keys,
 * numbers, integers and plain ASCII strings.  Commas are automatic: the
 * writer remembers, per nesting level, whether a value was already written.
 * Numbers are printed with "%.17g" in the C locale whatever the process
 * locale is (so they round-trip and always use '.'); NaN and infinities are
 * written as null, so the output is always valid JSON.
 *
 * Memory failures are sticky and reported once by jbuf_finish.
 */
#ifndef LATHE_JSONBUF_H
#define LATHE_JSONBUF_H

#include <stddef.h>
#include <stdint.h>

#define JBUF_MAXDEPTH 16

struct jbuf {
	char *s;
	size_t len, cap;
	int failed;
	int depth;
	unsigned char count[JBUF_MAXDEPTH];  /* values written per level (0/1) */
	int after_key;
};

void jbuf_init(struct jbuf *b);
void jbuf_obj(struct jbuf *b);      /* { */
void jbuf_obj_end(struct jbuf *b);  /* } */
void jbuf_arr(struct jbuf *b);      /* [ */
void jbuf_arr_end(struct jbuf *b);  /* ] */
/* An object key; k is written verbatim between quotes (ASCII names). */
void jbuf_key(struct jbuf *b, const char *k);
void jbuf_num(struct jbuf *b, double v);
void jbuf_int(struct jbuf *b, int64_t v);
void jbuf_bool(struct jbuf *b, int v);
/* A string value; '"', '\\' and control characters are escaped. */
void jbuf_str(struct jbuf *b, const char *s);
/* [v0, v1, ...] */
void jbuf_nums(struct jbuf *b, const double *v, size_t n);
/* [[row 0], [row 1], ...] of a rows x cols row-major array. */
void jbuf_matrix(struct jbuf *b, const double *v, size_t rows, size_t cols);

/* Hands the NUL-terminated text to the caller (*out malloc()ed, caller
 * frees).  Returns LINALG_OK or LINALG_ENOMEM (nothing handed over). */
int jbuf_finish(struct jbuf *b, char **out);

/* Releases an unfinished writer.  Safe after jbuf_finish. */
void jbuf_discard(struct jbuf *b);

/* Writes v with "%.17g" in the C locale into buf (>= 32 bytes); "null"
 * for NaN and infinities.  Returns the length. */
int jbuf_format_double(char *buf, size_t n, double v);

#endif
