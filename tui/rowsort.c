/*
 * rowsort.c — see rowsort.h.
 *
 * Keys are 64-bit unsigned integers whose order is the wanted order:
 * a double's bits with the sign flipped (negatives complemented), or a
 * string's rank; descending complements them; missing is UINT64_MAX.
 * Eight passes of eight bits, skipping passes where every key has the
 * same byte (ranks and small integers need only a few).
 */
#include "rowsort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct kv {
	uint64_t	k;
	size_t		row;
};

static int
radix(struct kv *a, size_t n)
{
	struct kv *tmp = malloc((n ? n : 1) * sizeof *tmp);
	if (tmp == NULL)
		return -1;
	for (int pass = 0; pass < 8; pass++) {
		size_t cnt[256] = { 0 };
		int shift = pass * 8;
		for (size_t i = 0; i < n; i++)
			cnt[(a[i].k >> shift) & 0xff]++;
		size_t nz = 0;
		for (int b = 0; b < 256; b++)
			nz += cnt[b] != 0;
		if (nz <= 1)
			continue;
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = cnt[b];
			cnt[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(a[i].k >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, n * sizeof *a);
	}
	free(tmp);
	return 0;
}

static uint64_t
dkey(double x)
{
	uint64_t b;
	if (x == 0)
		x = 0;		/* -0 sorts with 0 */
	memcpy(&b, &x, sizeof b);
	return (b >> 63) ? ~b : b | 0x8000000000000000ull;
}

static int
finish(struct kv *a, size_t n, int desc, size_t *out)
{
	if (desc)
		for (size_t i = 0; i < n; i++)
			if (a[i].k != UINT64_MAX)
				a[i].k = ~a[i].k;
	if (radix(a, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = a[i].row;
	return 0;
}

int
rowsort_num(const double *v, const size_t *rows, size_t n, int desc, size_t *out)
{
	struct kv *a = malloc((n ? n : 1) * sizeof *a);
	if (a == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		double x = v[r];
		/* the largest finite key is below UINT64_MAX, so missing stays last */
		a[i].k = isnan(x) ? UINT64_MAX : dkey(x) - (dkey(x) == UINT64_MAX);
		a[i].row = r;
	}
	int rc = finish(a, n, desc, out);
	free(a);
	return rc;
}

static const struct strdict *sort_dict;

static int
cmp_codes(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return strcmp(strdict_get(sort_dict, a), strdict_get(sort_dict, b));
}

int
rowsort_codes(const uint32_t *codes, const struct strdict *d, const size_t *rows, size_t n,
    int desc, size_t *out)
{
	uint32_t *order = malloc((d->n ? d->n : 1) * sizeof *order);
	uint32_t *rank = malloc((d->n ? d->n : 1) * sizeof *rank);
	struct kv *a = malloc((n ? n : 1) * sizeof *a);
	int rc = -1;
	if (order == NULL || rank == NULL || a == NULL)
		goto out;
	for (uint32_t c = 0; c < d->n; c++)
		order[c] = c;
	sort_dict = d;
	qsort(order, d->n, sizeof *order, cmp_codes);
	sort_dict = NULL;
	for (uint32_t i = 0; i < d->n; i++)
		rank[order[i]] = i;
	for (size_t i = 0; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		uint32_t c = codes[r];
		/* ranks from 1: a complemented key never equals the missing one */
		a[i].k = c == CODE_NA || c >= d->n ? UINT64_MAX : (uint64_t)rank[c] + 1;
		a[i].row = r;
	}
	rc = finish(a, n, desc, out);
out:
	free(order);
	free(rank);
	free(a);
	return rc;
}
