/*
 * numparse.c — the general path of num_parse(); see numparse.h.
 */
#include "numparse.h"
#include "util.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const double num_pow10[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int
slow_path(const char *s, size_t n, double *out)
{
	locale_t cloc = c_locale();
	char buf[128], *heap = NULL, *p = buf, *end;

	if (n >= sizeof buf) {
		if ((heap = malloc(n + 1)) == NULL)
			return 0;
		p = heap;
	}
	memcpy(p, s, n);
	p[n] = '\0';
	double v = strtod_l(p, &end, cloc);
	int ok = end == p + n;
	free(heap);
	if (ok)
		*out = v;
	return ok;
}

static int
word_inf(const char *p, const char *e)
{
	size_t n = (size_t)(e - p);
	return (n == 3 && strncasecmp(p, "inf", 3) == 0) ||
	       (n == 8 && strncasecmp(p, "infinity", 8) == 0);
}

int
num_parse_slow(const char *s, size_t n, double *out)
{
	const char *p = s, *e = s + n;
	const char *start;
	uint64_t m = 0;
	int nd = 0, any = 0, exact = 1, neg = 0;
	long ex = 0;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	start = p;
	if (p < e && (*p == '+' || *p == '-')) {
		neg = *p == '-';
		p++;
	}
	if (p < e && (*p == 'i' || *p == 'I')) {
		if (!word_inf(p, e))
			return 0;
		*out = neg ? -INFINITY : INFINITY;
		return 1;
	}
	for (; p < e && (unsigned)(*p - '0') < 10; p++) {
		any = 1;
		if (nd < 19) {
			m = m * 10 + (uint64_t)(*p - '0');
			nd += m != 0;
		} else {
			exact = 0;	/* more digits than fit: strtod decides */
		}
	}
	if (p < e && *p == '.') {
		p++;
		for (; p < e && (unsigned)(*p - '0') < 10; p++) {
			any = 1;
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd += m != 0;
				ex--;
			} else {
				exact = 0;
			}
		}
	}
	if (!any)
		return 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		int eneg = 0, edig = 0;
		long ev = 0;
		p++;
		if (p < e && (*p == '+' || *p == '-')) {
			eneg = *p == '-';
			p++;
		}
		for (; p < e && (unsigned)(*p - '0') < 10; p++) {
			edig = 1;
			if (ev < 100000)
				ev = ev * 10 + (*p - '0');
		}
		if (!edig)
			return 0;
		ex += eneg ? -ev : ev;
	}
	if (p != e)
		return 0;
	if (exact && m <= (1ull << 53) && ex >= -22 && ex <= 22) {
		double v = (double)m;
		v = ex < 0 ? v / num_pow10[-ex] : v * num_pow10[ex];
		*out = neg ? -v : v;
		return 1;
	}
	if (exact && m == 0) {
		*out = neg ? -0.0 : 0.0;
		return 1;
	}
	return slow_path(start, (size_t)(e - start), out);
}
