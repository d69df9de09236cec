/*
 * params.h — hyperparameter values checked against a plugin's schema.
 *
 * Values are complete (defaults filled in) from the moment they are made,
 * so a run records every parameter, not just the ones the user typed.
 * Input checks name the parameter, the plugin, what was given and what is
 * allowed; unknown names list the valid ones.
 */
#ifndef LATHE_PARAMS_H
#define LATHE_PARAMS_H

#include <stddef.h>
#include "lathe_plugin.h"
#include "base/jsonw.h"

struct param_values {
	const struct lathe_plugin	*plugin;	/* borrowed */
	size_t				 n;
	double				*num;
	char				**str;		/* CHOICE values (owned), else NULL */
	unsigned char			*set;		/* given explicitly */
};

/* Defaults for every parameter of d.  0 or -1 (OOM). */
int	params_init(struct param_values *v, const struct lathe_plugin *d);
void	params_free(struct param_values *v);
/* Apply "KEY=VALUE".  0, or -1 with *err. */
int	params_set(struct param_values *v, const char *kv, char **err);
/* Set one parameter from text.  0, or -1 with *err. */
int	params_set_one(struct param_values *v, const char *key, const char *value, char **err);
/* The view a plugin receives (borrows v). */
void	params_view(const struct param_values *v, struct lathe_params *out,
	    const char **strbuf);
/* {"name": value, ...} in schema order; numbers, booleans, strings. */
void	params_json(const struct param_values *v, struct jw *w);
/* Parse what params_json wrote (for re-runs).  Unknown keys are errors. */
int	params_from_json(struct param_values *v, const char *json, char **err);
/* Human text of parameter i's value ("0.5", "true", "qr"). */
void	params_format(const struct param_values *v, size_t i, char *buf, size_t n);
/* Describe a parameter's allowed values: "real > 0", "one of qr, cholesky". */
void	params_describe(const struct lathe_param_spec *p, char *buf, size_t n);

#endif
