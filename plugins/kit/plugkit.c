/*
 * plugkit.c — parameter checks and messages for the built-in plugins (see
 * plugkit.h).
 */
#include "plugkit.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonbuf.h"
#include "linalg/linalg.h"

int
plugkit_fail(char **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	*err = s;
	return code;
}

/* %.17g of v in the C locale, for messages. */
static const char *
fmtnum(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "nan");
	else if (isinf(v))
		snprintf(buf, n, v > 0 ? "inf" : "-inf");
	else
		jbuf_format_double(buf, n, v);
	return buf;
}

int
plugkit_choice(const struct lathe_param_spec *spec, const char *value)
{
	int i;

	if (spec->choices == NULL || value == NULL)
		return -1;
	for (i = 0; spec->choices[i] != NULL; i++)
		if (strcmp(spec->choices[i], value) == 0)
			return i;
	return -1;
}

int
plugkit_params_check(const struct lathe_param_spec *spec, size_t nspec,
    const struct lathe_params *p, char **err)
{
	char a[40], b[40];
	size_t i;

	if (p == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "no parameters given");
	if (p->n != nspec)
		return plugkit_fail(err, LATHE_EINVAL,
		    "expected %zu parameters, got %zu", nspec, p->n);
	for (i = 0; i < nspec; i++) {
		const struct lathe_param_spec *s = &spec[i];
		double v;

		if (s->type == LATHE_PARAM_CHOICE) {
			const char *c = p->str != NULL ? p->str[i] : NULL;
			if (plugkit_choice(s, c) < 0)
				return plugkit_fail(err, LATHE_EINVAL,
				    "%s must be one of the listed choices, got '%s'",
				    s->name, c != NULL ? c : "(none)");
			continue;
		}
		if (p->num == NULL)
			return plugkit_fail(err, LATHE_EINVAL, "no numeric parameter values");
		v = p->num[i];
		if (!isfinite(v))
			return plugkit_fail(err, LATHE_EINVAL, "%s must be a finite number, "
			    "got %s", s->name, fmtnum(a, sizeof a, v));
		if (s->type == LATHE_PARAM_BOOL) {
			if (v != 0.0 && v != 1.0)
				return plugkit_fail(err, LATHE_EINVAL, "%s must be 0 or 1, "
				    "got %s", s->name, fmtnum(a, sizeof a, v));
			continue;
		}
		if (s->type == LATHE_PARAM_INT && v != floor(v))
			return plugkit_fail(err, LATHE_EINVAL, "%s must be an integer, "
			    "got %s", s->name, fmtnum(a, sizeof a, v));
		if (s->has_min && (s->exclusive_min ? !(v > s->min) : !(v >= s->min)))
			return plugkit_fail(err, LATHE_EINVAL, "%s must be %s %s, got %s",
			    s->name, s->exclusive_min ? ">" : ">=",
			    fmtnum(a, sizeof a, s->min), fmtnum(b, sizeof b, v));
		if (s->has_max && !(v <= s->max))
			return plugkit_fail(err, LATHE_EINVAL, "%s must be <= %s, got %s",
			    s->name, fmtnum(a, sizeof a, s->max), fmtnum(b, sizeof b, v));
	}
	return LATHE_OK;
}

int
plugkit_task_check(const char *plugin, unsigned tasks, unsigned task, char **err)
{
	if (task == 0 || (task & (task - 1)) != 0 || (tasks & task) == 0)
		return plugkit_fail(err, LATHE_EINVAL,
		    "%s does not support task %u", plugin, task);
	return LATHE_OK;
}

int
plugkit_finite(const double *v, size_t n)
{
	return vec_finite(n, v);
}

int
plugkit_data_check(const struct lathe_data *data, size_t min_rows, char **err)
{
	size_t i, j;

	if (data == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "no training data");
	if (data->n < min_rows)
		return plugkit_fail(err, LATHE_EINVAL,
		    "need at least %zu training rows, got %zu", min_rows, data->n);
	if (data->d < 1)
		return plugkit_fail(err, LATHE_EINVAL, "need at least 1 feature, got 0");
	if (data->X == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "no feature matrix");
	if (data->n > SIZE_MAX / data->d / sizeof(double))
		return plugkit_fail(err, LATHE_EINVAL, "data too large (%zu x %zu)",
		    data->n, data->d);
	for (i = 0; i < data->n; i++) {
		const double *r = data->X + i * data->d;
		for (j = 0; j < data->d; j++)
			if (!isfinite(r[j]))
				return plugkit_fail(err, LATHE_EINVAL,
				    "feature %zu of row %zu is not finite", j, i);
	}
	return LATHE_OK;
}

int
plugkit_status(int linalg_rc)
{
	switch (linalg_rc) {
	case LINALG_OK:
		return LATHE_OK;
	case LINALG_ENOMEM:
		return LATHE_ENOMEM;
	case LINALG_EINVAL:
	case LINALG_EDIM:
	case LINALG_ERANGE:
	case LINALG_EALIAS:
		return LATHE_EINVAL;
	default:
		return LATHE_ENUMERIC;
	}
}

void
plugkit_centre(const struct lathe_data *data, int fit_intercept, struct mat *Xc,
    double *yc, double *xm, double *ym)
{
	size_t n = data->n, d = data->d, i, j;
	double s = 0.0;

	for (j = 0; j < d; j++)
		xm[j] = 0.0;
	*ym = 0.0;
	if (fit_intercept) {
		for (i = 0; i < n; i++) {
			const double *r = data->X + i * d;
			for (j = 0; j < d; j++)
				xm[j] += r[j];
			s += data->y[i];
		}
		for (j = 0; j < d; j++)
			xm[j] /= (double)n;
		*ym = s / (double)n;
	}
	for (i = 0; i < n; i++) {
		const double *r = data->X + i * d;
		double *c = mat_row(Xc, i);
		for (j = 0; j < d; j++)
			c[j] = r[j] - xm[j];
		yc[i] = data->y[i] - *ym;
	}
}

#define PREDICT_CHUNK ((size_t)1 << 20)

int
plugkit_affine_predict(const char *name, const double *coef, double intercept,
    size_t model_d, size_t n, size_t d, const double *X, double *out, char **err)
{
	size_t i0, i, rows;
	int lrc;

	if (d != model_d)
		return plugkit_fail(err, LATHE_EINVAL,
		    "%s: model has %zu features, input has %zu", name, model_d, d);
	if (n == 0)
		return LATHE_OK;
	if (X == NULL || out == NULL)
		return plugkit_fail(err, LATHE_EINVAL, "%s: no input or output buffer", name);
	for (i0 = 0; i0 < n; i0 += rows) {
		struct mat A;

		rows = n - i0 < PREDICT_CHUNK ? n - i0 : PREDICT_CHUNK;
		A = mat_view((double *)(uintptr_t)(X + i0 * d), rows, d, d);
		lrc = mat_gemv(MAT_NOTRANS, 1.0, &A, coef, d, 0.0, out + i0, rows);
		if (lrc != LINALG_OK)
			return plugkit_fail(err, plugkit_status(lrc), "%s: predict: %s", name,
			    linalg_strerror(lrc));
		for (i = 0; i < rows; i++)
			out[i0 + i] += intercept;
	}
	return LATHE_OK;
}
