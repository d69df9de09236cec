/*
 * rng.c — xoshiro256** seeded by splitmix64.
 *
 * Reference algorithms: https://prng.di.unimi.it/xoshiro256starstar.c and
 * splitmix64.c (public domain, Blackman & Vigna).  rng_below is Lemire,
 * "Fast random integer generation in an interval", ACM TOMACS 2019.
 * tests/unit/test_rng.c pins the first outputs against an independent
 * Python implementation reproduced there.
 */
#include "rng.h"

#include <math.h>

__extension__ typedef unsigned __int128 rng_u128;

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
rng_init(struct rng *r, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	if (r == NULL)
		return;
	/* splitmix64 is a bijection of its counter, so four consecutive
	 * outputs are never all zero: the forbidden xoshiro state cannot occur. */
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->seed = seed;
	r->spare = 0.0;
	r->has_spare = 0;
}

uint64_t
rng_u64(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
rng_uniform(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	rng_u128 m;
	uint64_t low, threshold;

	if (n == 0)
		return 0;
	m = (rng_u128)rng_u64(r) * n;
	low = (uint64_t)m;
	if (low < n) {
		/* 2^64 mod n: the products whose low half falls below it are the
		 * surplus that would bias the high half; redraw those. */
		threshold = -n % n;
		while (low < threshold) {
			m = (rng_u128)rng_u64(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double
rng_normal(struct rng *r)
{
	double u, v, s, f;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	do {
		u = 2.0 * rng_uniform(r) - 1.0;
		v = 2.0 * rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * log(s) / s);
	r->spare = v * f;
	r->has_spare = 1;
	return u * f;
}

void
rng_shuffle(struct rng *r, size_t *idx, size_t n)
{
	size_t i, j, t;

	if (idx == NULL || n < 2)
		return;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)rng_below(r, (uint64_t)i + 1);
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

void
rng_jump(struct rng *r)
{
	static const uint64_t jump[4] = {
		UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
		UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c),
	};
	uint64_t t[4] = { 0, 0, 0, 0 };
	int i, b, k;

	for (i = 0; i < 4; i++) {
		for (b = 0; b < 64; b++) {
			if (jump[i] & (UINT64_C(1) << b))
				for (k = 0; k < 4; k++)
					t[k] ^= r->s[k];
			rng_u64(r);
		}
	}
	for (k = 0; k < 4; k++)
		r->s[k] = t[k];
	r->has_spare = 0;
}

void
rng_split(struct rng *parent, struct rng *child)
{
	if (parent == NULL || child == NULL || parent == child)
		return;
	*child = *parent;
	child->has_spare = 0;
	rng_jump(parent);
}
