/*
 * numarg.c — whole-string number arguments; see numarg.h.
 */
#include "numarg.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

static int
digits(const char **p)
{
	int n = 0;
	while (**p >= '0' && **p <= '9') {
		(*p)++;
		n++;
	}
	return n;
}

int
numarg_int(const char *arg, long long min, long long max, long long *out)
{
	const char *p = arg;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (digits(&p) == 0 || *p != '\0')
		return -1;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno == ERANGE || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
numarg_real(const char *arg, double min, int min_open, double max, int max_open,
    double *out)
{
	const char *p = arg;

	if (*p == '+' || *p == '-')
		p++;
	int nd = digits(&p);
	if (*p == '.') {
		p++;
		nd += digits(&p);
	}
	if (nd == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (digits(&p) == 0)
			return -1;
	}
	if (*p != '\0')
		return -1;
	double v = strtod_l(arg, NULL, c_locale());	/* the syntax is already checked */
	if (!isfinite(v) || v < min || (min_open && v == min) || v > max ||
	    (max_open && v == max))
		return -1;
	*out = v;
	return 0;
}

int
numarg_size(const char *arg, long long min, long long max, long long *out)
{
	const char *p = arg;
	int shift = 0;
	char *end;

	if (digits(&p) == 0)
		return -1;
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: return -1;
	}
	if (shift && p[1] != '\0')
		return -1;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (errno == ERANGE || v > (LLONG_MAX >> shift))
		return -1;
	v *= 1LL << shift;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
