/*
 * jsonw.h — a streaming JSON writer into an sbuf.
 *
 * Parsing JSON is jansson's job (serving, fixtures).  Writing is done here
 * because every --json command and every HTTP response writes a lot of
 * numbers, and jansson can only print reals with a fixed "%.17g"
 * (5.1 becomes 5.0999999999999996).  This writer prints the shortest form
 * that round-trips, integers without a fraction, and NaN/inf as null.
 *
 * The writer tracks nesting so that commas and (optionally) indentation
 * are automatic: callers emit keys and values in order and never write
 * punctuation themselves.
 */
#ifndef LATHE_JSONW_H
#define LATHE_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define JW_MAXDEPTH 64

struct jw {
	struct sbuf	*b;
	int		 depth;
	int		 pretty;
	unsigned char	 count[JW_MAXDEPTH];	/* items so far at each level (saturating) */
	unsigned char	 after_key;
};

/* Borrow b for the writer's life; pretty = indent with two spaces. */
void	jw_init(struct jw *w, struct sbuf *b, int pretty);
void	jw_obj(struct jw *w);		/* { */
void	jw_obj_end(struct jw *w);	/* } */
void	jw_arr(struct jw *w);		/* [ */
void	jw_arr_end(struct jw *w);	/* ] */
void	jw_key(struct jw *w, const char *k);
void	jw_str(struct jw *w, const char *s);
void	jw_strn(struct jw *w, const char *s, size_t n);
void	jw_num(struct jw *w, double v);		/* null for NaN/inf */
void	jw_int(struct jw *w, int64_t v);
void	jw_bool(struct jw *w, int v);
void	jw_null(struct jw *w);
/* Write already-valid JSON text as one value (e.g. a stored JSON column). */
void	jw_raw(struct jw *w, const char *json);

/* Append s escaped as a JSON string (with quotes) to b. */
void	json_escape(struct sbuf *b, const char *s, size_t n);

#endif
