/*
 * chunkenc.h — compact, exact encodings for stored column chunks.
 *
 * Numbers read from CSV are nearly always short decimals: "24.3276" is
 * the double nearest to 243276 / 10^4.  Such a value is stored as the
 * integer 243276 with the chunk's exponent 4, in 1, 2 or 4 bytes instead
 * of 8, and decoded with one IEEE division — the very operation the
 * importer's fast path used to make it, so the decoded double is the same
 * bit for bit.  The encoder checks that round trip for every value; a
 * value that does not survive it (more digits than the chunk's exponent,
 * -0.0, infinities, odd NaNs) is kept whole in an exception list.  The
 * ALP scheme of DuckDB (Afroozeh, Kuffo, Boncz 2023) is the same idea.
 * Dictionary codes shrink to 1 or 2 bytes when the dictionary is small.
 *
 * A chunk of n values is stored raw (n doubles, or n uint32 codes: the
 * format of schema 1-5) or encoded.  An encoding is only used when it is
 * strictly smaller than raw, so the byte length alone tells them apart.
 * Encoded layout, little-endian:
 *
 *   byte 0   CHUNKENC_DECIMAL (numbers) or CHUNKENC_CODES (codes)
 *   byte 1   width w of each value: 1, 2 or 4
 *   byte 2   decimal exponent e (0 .. CHUNKENC_MAXEXP; 0 for codes)
 *   byte 3   0
 *   4..7     uint32 number of exceptions x (0 for codes)
 *   8..      n signed (decimal) or unsigned (codes) integers of w bytes;
 *            the smallest signed value (decimal) is NaN or an exception,
 *            the largest unsigned value (codes) is CODE_NA
 *   then     x uint32 row offsets, ascending, then x doubles
 */
#ifndef LATHE_CHUNKENC_H
#define LATHE_CHUNKENC_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKENC_DECIMAL	1
#define CHUNKENC_CODES		2
#define CHUNKENC_HEADER		8
#define CHUNKENC_MAXEXP		15

/* Worst-case size of an encoded chunk of n values (scratch to pass). */
#define CHUNKENC_BOUND(n)	(CHUNKENC_HEADER + (size_t)(n) * 8)

/* Encode n doubles into buf (CHUNKENC_BOUND(n) bytes).  Returns the
 * encoded size, or 0 when the raw layout is no larger (store x as is). */
size_t	chunkenc_num(const double *x, size_t n, unsigned char *buf);

/* Encode n codes (each < ncodes, or CODE_NA) likewise. */
size_t	chunkenc_codes(const uint32_t *c, size_t n, uint32_t ncodes, unsigned char *buf);

/* Decode the first `take` of the n values of a stored chunk (raw or
 * encoded, told apart by its size) into out: doubles when isnum, else
 * uint32 codes.  Returns 0, or -1 when the bytes cannot be such a chunk. */
int	chunkenc_decode(const void *blob, size_t bytes, size_t n, int isnum, void *out,
	    size_t take);

#endif
