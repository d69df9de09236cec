/*
 * rng.h — the seeded random number generator every random choice in lathe
 * goes through (splits, shuffles, initial weights, minibatch order).
 *
 * The generator is xoshiro256** (Blackman & Vigna, 2018): 256 bits of state,
 * period 2^256 - 1, passes BigCrush.  The state is expanded from a single
 * 64-bit seed with splitmix64, so the seed alone — recorded with the run —
 * reproduces every draw.  All outputs are defined by integer arithmetic
 * (rng_normal also uses log and sqrt), so a seed gives the same sequence on
 * every machine.
 *
 * A struct rng is a plain value owned by whoever embeds it; there is no
 * global generator and nothing to free.  Independent streams for parallel
 * work come from rng_split, which hands the child the parent's current
 * position and moves the parent 2^128 draws ahead (xoshiro's jump), so
 * streams never overlap in practice.
 *
 * The draw functions do not check r for NULL: they sit in inner loops, and
 * r must point to a generator set up by rng_init or rng_split.
 */
#ifndef LATHE_RNG_H
#define LATHE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];   /* xoshiro256** state; never all zero */
	uint64_t seed;   /* the seed given to rng_init, for the run record */
	double spare;    /* second normal deviate of the last polar pair */
	int has_spare;
};

/* Seeds r from seed via splitmix64.  Any seed, including 0, is valid.
 * A NULL r is ignored. */
void rng_init(struct rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t rng_u64(struct rng *r);

/* Uniform double in [0, 1) with 53 random bits: (u64 >> 11) * 2^-53. */
double rng_uniform(struct rng *r);

/* Uniform integer in [0, n), exactly unbiased (Lemire's multiply-shift
 * with rejection, usually one draw).  Returns 0 when n == 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Standard normal deviate (Marsaglia's polar method; deviates come in
 * pairs and the second is cached in r). */
double rng_normal(struct rng *r);

/* Shuffles idx[0..n-1] in place (Fisher–Yates, every permutation equally
 * likely).  NULL idx or n < 2 does nothing. */
void rng_shuffle(struct rng *r, size_t *idx, size_t n);

/* Advances r by 2^128 draws and drops any cached normal deviate. */
void rng_jump(struct rng *r);

/* Derives an independent stream: *child takes the parent's current
 * position, then the parent jumps 2^128 draws ahead.  Both drop any cached
 * normal deviate.  The child records the parent's seed. */
void rng_split(struct rng *parent, struct rng *child);

#endif
