/*
 * gen_csv.c — deterministic generator for the import benchmark workload
 * (the brief's 1M x 23): 20 numeric columns printed with about six
 * significant digits, two categorical columns of 5 and 50 levels, a
 * binary label, and about 1% empty cells.  The same seed gives the same
 * bytes on every machine.
 *
 *   gen_csv ROWS SEED > file.csv
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t s[4];

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
next(void)	/* xoshiro256** */
{
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
	s[2] ^= t; s[3] = rotl(s[3], 45);
	return r;
}

static double
unif(void)
{
	return (double)(next() >> 11) * 0x1.0p-53;
}

static double
normal(void)
{
	double u = unif(), v = unif();
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

int
main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
	static const char *const colors[5] = { "red", "green", "blue", "yellow", "purple" };
	double w[20];

	for (int i = 0; i < 4; i++) {	/* splitmix64 */
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		s[i] = z ^ (z >> 31);
	}
	for (int j = 0; j < 20; j++)
		w[j] = normal();
	for (int j = 0; j < 20; j++)
		printf("x%d,", j + 1);
	printf("color,city,label\n");
	for (long r = 0; r < rows; r++) {
		double z = 0;
		for (int j = 0; j < 20; j++) {
			double x = normal() * (1 + j % 5) + (j % 3) * 10;
			z += w[j] * x / (1 + j % 5);
			if (unif() < 0.01)
				putchar(',');
			else
				printf("%.6g,", x);
		}
		if (unif() < 0.01)
			putchar(',');
		else
			printf("%s,", colors[next() % 5]);
		if (unif() < 0.01)
			putchar(',');
		else
			printf("city%02d,", (int)(next() % 50));
		printf("%d\n", z + normal() * 2 > 0);
	}
	return 0;
}
