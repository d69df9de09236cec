/*
 * util.c — error strings, string buffers, round-tripping number formatting,
 * time, UTF-8 validation.  See util.h for the contracts.
 */
#include "util.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <float.h>
#include <math.h>

int
err_setv(char **err, const char *fmt, va_list ap)
{
	if (err == NULL || *err != NULL)
		return -1;
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	*err = s;		/* NULL if even that failed: caller prints a default */
	return -1;
}

int
err_set(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_setv(err, fmt, ap);
	va_end(ap);
	return -1;
}

void
sbuf_init(struct sbuf *b)
{
	b->s = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void
sbuf_free(struct sbuf *b)
{
	free(b->s);
	sbuf_init(b);
}

struct strpool_block {
	struct strpool_block	*next;
	size_t			 used, cap;
	char			 data[];
};

char *
strpool_put(struct strpool *p, const char *s, size_t n)
{
	struct strpool_block *b = p->head;
	if (b == NULL || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;
		struct strpool_block *nb = malloc(sizeof *nb + cap);
		if (nb == NULL)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		p->head = b = nb;
	}
	char *d = b->data + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

void
strpool_free(struct strpool *p)
{
	while (p->head) {
		struct strpool_block *n = p->head->next;
		free(p->head);
		p->head = n;
	}
}

int
sbuf_reserve(struct sbuf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

void
sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (sbuf_reserve(b, n) != 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap && sbuf_reserve(b, 1) != 0)
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sbuf_putn(b, tmp, (size_t)n);
		return;
	}
	if (sbuf_reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
sbuf_detach(struct sbuf *b)
{
	char *s = b->s;
	if (b->oom) {
		free(s);
		s = NULL;
	} else if (s == NULL) {
		s = calloc(1, 1);
	}
	sbuf_init(b);
	return s;
}

/*
 * The C locale is forced with a locale object rather than setlocale() so
 * that formatting stays correct inside a TUI that has set LC_ALL for
 * ncurses' wide characters.
 */
static locale_t c_loc;

static void
c_locale_init(void)
{
	c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The C locale object, made once (thread-safe: the server and the importer
 * format numbers from several threads). */
locale_t
c_locale(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, c_locale_init);
	return c_loc;
}

char *
fmt_double(char buf[32], double v)
{
	if (isnan(v)) {
		strcpy(buf, "nan");
		return buf;
	}
	if (isinf(v)) {
		strcpy(buf, v > 0 ? "inf" : "-inf");
		return buf;
	}
	locale_t old = uselocale(c_locale());
	/* 15 digits are always enough to be shortest for normal numbers;
	 * subnormals carry fewer significant digits, so search from 1 */
	for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	uselocale(old);
	return buf;
}

char *
time_now_iso(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

double
time_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void *
big_alloc(size_t bytes)
{
	const size_t huge = (size_t)2 << 20;
	if (bytes < huge)
		return malloc(bytes ? bytes : 1);
	void *p = NULL;
	bytes = (bytes + huge - 1) & ~(huge - 1);
	if (posix_memalign(&p, huge, bytes) != 0)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

char *
str_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *
str_ndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int
utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			/* a NUL byte is never valid text here */
			if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = s[i];
		if (c == 0)
			goto fail;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		unsigned min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; min = 0x10000;
		} else {
			goto fail;
		}
		if (i + len > n)
			goto fail;
		unsigned cp = c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto fail;	/* the sequence that starts at i is bad */
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto fail;
		i += len;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}

void
hex_digest(const unsigned char d[32], char out[65])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

/* Whole file as a string (caller frees); NULL with *err. */
char *
read_text_file(const char *path, char **err)
{
	FILE *f = fopen(path, "rb");
	struct sbuf b;
	char buf[4096];
	size_t n;
	if (f == NULL) {
		err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sbuf_putn(&b, buf, n);
	int bad = ferror(f);
	fclose(f);
	if (bad || b.oom) {
		sbuf_free(&b);
		err_set(err, "%s: read error", path);
		return NULL;
	}
	return sbuf_detach(&b);
}
