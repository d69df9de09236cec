/*
 * blobio.c — payload writer and bounds-checked reader (see blobio.h).
 *
 * Byte order is fixed (little-endian) and assembled byte by byte, so a
 * payload written on one machine loads on any other.  Doubles travel as
 * their 64-bit patterns through memcpy, which is exact.
 */
#include "blobio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/linalg.h"

static int
blobw_reserve(struct blobw *w, size_t extra)
{
	size_t cap;
	unsigned char *nb;

	if (w->failed)
		return -1;
	if (extra <= w->cap - w->len)
		return 0;
	if (extra > SIZE_MAX / 2 - w->len) {
		w->failed = 1;
		return -1;
	}
	cap = w->cap ? w->cap : 256;
	while (cap - w->len < extra)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (nb == NULL) {
		w->failed = 1;
		return -1;
	}
	w->buf = nb;
	w->cap = cap;
	return 0;
}

static void
put_le(unsigned char *p, uint64_t v, int nbytes)
{
	int i;

	for (i = 0; i < nbytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int nbytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < nbytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void
blobw_init(struct blobw *w, uint32_t version, const char magic[4])
{
	w->buf = NULL;
	w->len = w->cap = 0;
	w->failed = 0;
	blobw_u32(w, version);
	if (blobw_reserve(w, 4) == 0) {
		memcpy(w->buf + w->len, magic, 4);
		w->len += 4;
	}
}

void
blobw_u32(struct blobw *w, uint32_t v)
{
	if (blobw_reserve(w, 4) != 0)
		return;
	put_le(w->buf + w->len, v, 4);
	w->len += 4;
}

void
blobw_u64(struct blobw *w, uint64_t v)
{
	if (blobw_reserve(w, 8) != 0)
		return;
	put_le(w->buf + w->len, v, 8);
	w->len += 8;
}

void
blobw_f64(struct blobw *w, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof bits);
	blobw_u64(w, bits);
}

void
blobw_f64s(struct blobw *w, const double *v, size_t n)
{
	size_t i;

	if (n > SIZE_MAX / 8 || blobw_reserve(w, n * 8) != 0) {
		w->failed = 1;
		return;
	}
	for (i = 0; i < n; i++)
		blobw_f64(w, v[i]);
}

void
blobw_bytes(struct blobw *w, const void *v, size_t n)
{
	if (n == 0 || blobw_reserve(w, n) != 0)
		return;
	memcpy(w->buf + w->len, v, n);
	w->len += n;
}

int
blobw_finish(struct blobw *w, void **buf, size_t *len)
{
	uint32_t crc;

	if (!w->failed) {
		crc = blob_crc32(w->buf, w->len);
		blobw_u32(w, crc);
	}
	if (w->failed) {
		blobw_discard(w);
		return LINALG_ENOMEM;
	}
	*buf = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return LINALG_OK;
}

void
blobw_discard(struct blobw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

int
blobr_open(struct blobr *r, const void *buf, size_t len, const char magic[4],
    uint32_t max_version, uint32_t *version, const char *what, char *msg,
    size_t msgsz)
{
	const unsigned char *p = buf;
	uint32_t v, crc;

	r->p = p;
	r->pos = r->end = 0;
	if (buf == NULL || len < 8) {
		snprintf(msg, msgsz, "%s payload is truncated (%zu bytes)", what,
		    buf == NULL ? (size_t)0 : len);
		return -1;
	}
	/* the magic first: another plugin's payload is "not ours" whatever its
	 * version (formats are numbered per plugin) */
	if (memcmp(p + 4, magic, 4) != 0) {
		snprintf(msg, msgsz, "not a %s payload (magic bytes do not match)", what);
		return -1;
	}
	v = (uint32_t)get_le(p, 4);
	if (v > max_version) {
		snprintf(msg, msgsz, "%s payload has format version %u, newer than "
		    "version %u that this plugin reads", what, (unsigned)v,
		    (unsigned)max_version);
		return -1;
	}
	if (v == 0) {
		snprintf(msg, msgsz, "%s payload has format version 0, which does "
		    "not exist (versions start at 1)", what);
		return -1;
	}
	if (len < 12) {
		snprintf(msg, msgsz, "%s payload is truncated (%zu bytes)", what, len);
		return -1;
	}
	crc = (uint32_t)get_le(p + len - 4, 4);
	if (crc != blob_crc32(p, len - 4)) {
		snprintf(msg, msgsz, "%s payload is corrupt or truncated (checksum "
		    "mismatch)", what);
		return -1;
	}
	r->pos = 8;
	r->end = len - 4;
	*version = v;
	return 0;
}

int
blobr_has(const struct blobr *r, uint64_t count, size_t size)
{
	size_t left = r->end - r->pos;

	if (size == 0)
		return 1;
	return count <= left / size;
}

int
blobr_u32(struct blobr *r, uint32_t *v)
{
	if (r->end - r->pos < 4)
		return -1;
	*v = (uint32_t)get_le(r->p + r->pos, 4);
	r->pos += 4;
	return 0;
}

int
blobr_u64(struct blobr *r, uint64_t *v)
{
	if (r->end - r->pos < 8)
		return -1;
	*v = get_le(r->p + r->pos, 8);
	r->pos += 8;
	return 0;
}

int
blobr_f64(struct blobr *r, double *v)
{
	uint64_t bits;

	if (blobr_u64(r, &bits) != 0)
		return -1;
	memcpy(v, &bits, sizeof *v);
	return 0;
}

int
blobr_f64s(struct blobr *r, double *v, size_t n)
{
	size_t i;

	if (!blobr_has(r, n, 8))
		return -1;
	for (i = 0; i < n; i++)
		(void)blobr_f64(r, &v[i]);
	return 0;
}

int
blobr_bytes(struct blobr *r, void *v, size_t n)
{
	if (r->end - r->pos < n)
		return -1;
	if (n > 0)
		memcpy(v, r->p + r->pos, n);
	r->pos += n;
	return 0;
}

int
blobr_done(const struct blobr *r)
{
	return r->pos == r->end;
}

uint32_t
blob_crc32(const void *data, size_t n)
{
	/* Half-byte table of the reflected polynomial 0xEDB88320: constant, so
	 * there is nothing to initialise and no race between threads. */
	static const uint32_t t[16] = {
		0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
		0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
		0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
		0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
	};
	const unsigned char *p = data;
	uint32_t c = 0xFFFFFFFFu;
	size_t i;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		c = (c >> 4) ^ t[c & 15];
		c = (c >> 4) ^ t[c & 15];
	}
	return c ^ 0xFFFFFFFFu;
}
