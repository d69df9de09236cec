/*
 * blobio.h — versioned binary payloads for fitted models.
 *
 * A payload is what an algorithm plugin's save() returns and load() reads
 * back.  Layout, all integers and doubles little-endian:
 *
 *     u32  format version      (first, as lathe_plugin.h requires)
 *     4    magic bytes         (which algorithm wrote it, e.g. "LTLN")
 *     ...  fields              (u32, u64, IEEE-754 binary64)
 *     u32  CRC-32 (IEEE 802.3) of every byte before it
 *
 * Doubles are stored as their exact bit patterns, so a reloaded model
 * predicts bit for bit what the saved one did.  The reader never reads
 * past the end of the buffer: every get checks the remaining length, and
 * blobr_open verifies the version, the magic and the checksum before any
 * field is looked at, so a truncated or corrupted payload is refused
 * rather than half-read.  Readers accept versions 1..current and refuse
 * newer ones with a message naming both numbers.
 *
 * The writer grows a malloc()ed buffer; an allocation failure is sticky
 * and reported once, by blobw_finish.
 */
#ifndef LATHE_BLOBIO_H
#define LATHE_BLOBIO_H

#include <stddef.h>
#include <stdint.h>

struct blobw {
	unsigned char *buf;
	size_t len, cap;
	int failed;     /* an allocation failed: finish reports LINALG_ENOMEM */
};

/* Starts a payload with version and magic (4 bytes, not NUL-terminated). */
void blobw_init(struct blobw *w, uint32_t version, const char magic[4]);
void blobw_u32(struct blobw *w, uint32_t v);
void blobw_u64(struct blobw *w, uint64_t v);
void blobw_f64(struct blobw *w, double v);
void blobw_f64s(struct blobw *w, const double *v, size_t n);
/* n raw bytes (a string: write its length first, as a u64 or u32). */
void blobw_bytes(struct blobw *w, const void *v, size_t n);

/* Appends the checksum and hands the buffer over: *buf is malloc()ed, the
 * caller frees it.  Returns LINALG_OK, or LINALG_ENOMEM (nothing handed
 * over, the writer's memory released). */
int blobw_finish(struct blobw *w, void **buf, size_t *len);

/* Releases an unfinished writer's memory.  Safe after blobw_finish. */
void blobw_discard(struct blobw *w);

struct blobr {
	const unsigned char *p;
	size_t end;     /* offset of the checksum: fields live before it */
	size_t pos;
};

/* Checks buf (borrowed; must outlive the reader) as a payload with the
 * given magic and a version in 1..max_version, then positions the reader
 * on the first field and sets *version.  Returns 0, or -1 with a one-line
 * lowercase message in msg (msgsz bytes) naming what is wrong: too short,
 * a version newer than max_version (both numbers), a version of 0, the
 * wrong magic, a checksum mismatch.  `what` names the payload in the
 * messages ("linear model"). */
int blobr_open(struct blobr *r, const void *buf, size_t len, const char magic[4],
    uint32_t max_version, uint32_t *version, const char *what, char *msg,
    size_t msgsz);

/* Each get returns 0, or -1 (value untouched) if the fields end first. */
int blobr_u32(struct blobr *r, uint32_t *v);
int blobr_u64(struct blobr *r, uint64_t *v);
int blobr_f64(struct blobr *r, double *v);
int blobr_f64s(struct blobr *r, double *v, size_t n);
int blobr_bytes(struct blobr *r, void *v, size_t n);

/* 1 if at least count items of size bytes each remain (overflow-safe):
 * check this before allocating an array whose length came from the
 * payload. */
int blobr_has(const struct blobr *r, uint64_t count, size_t size);

/* 1 if every field has been read (no trailing bytes). */
int blobr_done(const struct blobr *r);

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32) of n bytes. */
uint32_t blob_crc32(const void *data, size_t n);

#endif
