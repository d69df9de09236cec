/*
 * params.c — see params.h.
 */
#include "params.h"
#include "plugin.h"
#include "base/util.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
params_init(struct param_values *v, const struct lathe_plugin *d)
{
	memset(v, 0, sizeof *v);
	v->plugin = d;
	v->n = d->nparams;
	if (v->n == 0)
		return 0;
	v->num = calloc(v->n, sizeof *v->num);
	v->str = calloc(v->n, sizeof *v->str);
	v->set = calloc(v->n, 1);
	if (!v->num || !v->str || !v->set) {
		params_free(v);
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct lathe_param_spec *p = plugin_param(d, i);
		if (p->type == LATHE_PARAM_CHOICE) {
			if ((v->str[i] = str_dup(p->def_choice)) == NULL) {
				params_free(v);
				return -1;
			}
		} else {
			v->num[i] = p->def;
		}
	}
	return 0;
}

void
params_free(struct param_values *v)
{
	for (size_t i = 0; v->str && i < v->n; i++)
		free(v->str[i]);
	free(v->num);
	free(v->str);
	free(v->set);
	memset(v, 0, sizeof *v);
}

static void
fmt_bound(char *buf, size_t n, double x, int is_int)
{
	if (is_int)
		snprintf(buf, n, "%.0f", x);
	else
		fmt_double(buf, x);
}

void
params_describe(const struct lathe_param_spec *p, char *buf, size_t n)
{
	char lo[32], hi[32];
	int is_int = p->type == LATHE_PARAM_INT;
	switch (p->type) {
	case LATHE_PARAM_BOOL:
		snprintf(buf, n, "true or false");
		return;
	case LATHE_PARAM_CHOICE: {
		size_t o = (size_t)snprintf(buf, n, "one of ");
		for (const char *const *c = p->choices; *c && o < n; c++)
			o += (size_t)snprintf(buf + o, n - o, "%s%s", *c, c[1] ? ", " : "");
		return;
	}
	default:
		break;
	}
	fmt_bound(lo, sizeof lo, p->min, is_int);
	fmt_bound(hi, sizeof hi, p->max, is_int);
	const char *kind = is_int ? "an integer" : "a number";
	if (p->has_min && p->has_max)
		snprintf(buf, n, "%s %s %s and <= %s", kind, p->exclusive_min ? ">" : ">=", lo, hi);
	else if (p->has_min)
		snprintf(buf, n, "%s %s %s", kind, p->exclusive_min ? ">" : ">=", lo);
	else if (p->has_max)
		snprintf(buf, n, "%s <= %s", kind, hi);
	else
		snprintf(buf, n, "%s", kind);
}

/*
 * The text of an INT or REAL value, strictly (a typo must not become a
 * different number):
 *   INT   [+-]digits and nothing else, at most 2147483647 in magnitude: no
 *         hex (strtod read "0x10" as 16), exponent ("1e3"), fraction
 *         ("100.0"), spaces, inf or nan.
 *   REAL  [+-]digits[.digits][(e|E)[+-]digits], at least one digit, in the
 *         C locale whatever the workbench's locale: no hex, inf or nan.
 *         A value below the normal range that a double still holds as a
 *         subnormal (C=1e-320) is that subnormal: strtod's ERANGE there
 *         means lost precision, not failure.  One that rounds to 0 or
 *         overflows is refused.
 * Returns 0 with *out, or -1 with a note for the message in note ("" when
 * the syntax says it all).
 */
static int
parse_number(int is_int, const char *s, double *out, char *note, size_t nnote)
{
	const char *p = s;
	int nd = 0, frac = 0, ex = 0;

	note[0] = '\0';
	if (*p == '+' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		nd++;
	if (*p == '.') {
		frac = 1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			nd++;
	}
	if (nd == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		ex = 1;
		if (*++p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return -1;
	errno = 0;
	double x = strtod_l(s, NULL, c_locale());
	if (errno == ERANGE && x == 0) {
		snprintf(note, nnote, " (too close to 0 for a double: it would round to 0)");
		return -1;
	}
	if (!isfinite(x)) {
		snprintf(note, nnote, " (too large for a double)");
		return -1;
	}
	if (is_int && (frac || ex)) {
		if (x == floor(x) && fabs(x) <= 2147483647.0)
			snprintf(note, nnote, " (write integers in digits: %.0f)", x);
		return -1;
	}
	if (is_int && fabs(x) > 2147483647.0)
		return -1;
	*out = x == 0 ? 0 : x;		/* no -0 */
	return 0;
}

static int
find(const struct param_values *v, const char *key)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(plugin_param(v->plugin, i)->name, key) == 0)
			return (int)i;
	return -1;
}

int
params_set_one(struct param_values *v, const char *key, const char *value, char **err)
{
	const struct lathe_plugin *d = v->plugin;
	int i = find(v, key);
	char allowed[256];

	if (i < 0) {
		struct sbuf b;
		sbuf_init(&b);
		for (size_t k = 0; k < v->n; k++)
			sbuf_printf(&b, "%s%s", k ? ", " : "", plugin_param(d, k)->name);
		err_set(err, "unknown parameter '%s' for %s (valid: %s)", key, d->name,
		    v->n ? b.s : "none");
		sbuf_free(&b);
		return -1;
	}
	const struct lathe_param_spec *p = plugin_param(d, i);
	params_describe(p, allowed, sizeof allowed);
	switch (p->type) {
	case LATHE_PARAM_BOOL:
		if (!strcasecmp(value, "true") || !strcmp(value, "1") || !strcasecmp(value, "yes"))
			v->num[i] = 1;
		else if (!strcasecmp(value, "false") || !strcmp(value, "0") ||
		    !strcasecmp(value, "no"))
			v->num[i] = 0;
		else
			return err_set(err, "parameter %s of %s must be true or false, got '%s'",
			    key, d->name, value);
		break;
	case LATHE_PARAM_CHOICE: {
		int ok = 0;
		for (const char *const *c = p->choices; *c; c++)
			ok |= strcmp(*c, value) == 0;
		if (!ok)
			return err_set(err, "parameter %s of %s must be %s, got '%s'", key, d->name,
			    allowed, value);
		char *s = str_dup(value);
		if (s == NULL)
			return err_set(err, "out of memory");
		free(v->str[i]);
		v->str[i] = s;
		break;
	}
	default: {
		double x;
		char note[96];
		if (parse_number(p->type == LATHE_PARAM_INT, value, &x, note, sizeof note) != 0)
			return err_set(err, "parameter %s of %s must be %s, got '%s'%s", key, d->name,
			    allowed, value, note);
		if ((p->has_min && (x < p->min || (p->exclusive_min && x == p->min))) ||
		    (p->has_max && x > p->max))
			return err_set(err, "parameter %s of %s must be %s, got %s", key, d->name,
			    allowed, value);
		v->num[i] = x;
	}
	}
	v->set[i] = 1;
	return 0;
}

int
params_set(struct param_values *v, const char *kv, char **err)
{
	const char *eq = strchr(kv, '=');
	if (eq == NULL || eq == kv)
		return err_set(err, "bad --set '%s' (expected KEY=VALUE)", kv);
	char *key = str_ndup(kv, (size_t)(eq - kv));
	if (key == NULL)
		return err_set(err, "out of memory");
	int rc = params_set_one(v, key, eq + 1, err);
	free(key);
	return rc;
}

void
params_view(const struct param_values *v, struct lathe_params *out, const char **strbuf)
{
	for (size_t i = 0; i < v->n; i++)
		strbuf[i] = v->str[i];
	out->n = v->n;
	out->num = v->num;
	out->str = strbuf;
}

void
params_format(const struct param_values *v, size_t i, char *buf, size_t n)
{
	const struct lathe_param_spec *p = plugin_param(v->plugin, i);
	switch (p->type) {
	case LATHE_PARAM_BOOL:
		snprintf(buf, n, "%s", v->num[i] ? "true" : "false");
		break;
	case LATHE_PARAM_CHOICE:
		snprintf(buf, n, "%s", v->str[i]);
		break;
	case LATHE_PARAM_INT:
		snprintf(buf, n, "%.0f", v->num[i]);
		break;
	default: {
		char tmp[32];
		snprintf(buf, n, "%s", fmt_double(tmp, v->num[i]));
	}
	}
}

void
params_json(const struct param_values *v, struct jw *w)
{
	jw_obj(w);
	for (size_t i = 0; i < v->n; i++) {
		const struct lathe_param_spec *p = plugin_param(v->plugin, i);
		jw_key(w, p->name);
		switch (p->type) {
		case LATHE_PARAM_BOOL:
			jw_bool(w, v->num[i] != 0);
			break;
		case LATHE_PARAM_CHOICE:
			jw_str(w, v->str[i]);
			break;
		default:
			jw_num(w, v->num[i]);
		}
	}
	jw_obj_end(w);
}

int
params_from_json(struct param_values *v, const char *json, char **err)
{
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	const char *key;
	json_t *val;
	int rc = 0;

	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(err, "recorded parameters are not a JSON object");
	}
	json_object_foreach(o, key, val) {
		char buf[64];
		const char *text = buf;
		if (json_is_string(val))
			text = json_string_value(val);
		else if (json_is_boolean(val))
			text = json_is_true(val) ? "true" : "false";
		else if (json_is_number(val))
			fmt_double(buf, json_number_value(val));
		else {
			rc = err_set(err, "recorded parameter '%s' has an unusable value", key);
			break;
		}
		if ((rc = params_set_one(v, key, text, err)) != 0)
			break;
	}
	json_decref(o);
	return rc;
}
