/*
 * plugins/kit/ — the folder's main header.  Owns what the built-in plugins
 * share: the payload frame (blobio), summary JSON (jsonbuf), CART trees
 * (cart, for tree and forest), and these
 * helpers (plugkit).  An algorithm's own code lives in its folder,
 * plugins/<name>/.  May use: linalg and the public plugin header; the host
 * (core/) never links it.  The map of who may use whom is in
 * docs/architecture.md.
 *
 * plugkit.h — small helpers shared by the built-in algorithm plugins:
 * checking a parameter set against its schema, reading choices,
 * formatting error messages, and the centring and prediction that the
 * linear models (linear, ridge) share.
 *
 * The plugins link it statically (libkit.a); it depends on linalg and the
 * public plugin header only.  The host validates parameters before create() is called, but a plugin can be
 * driven by anything that dlopens it, so create() checks again.
 */
#ifndef LATHE_PLUGKIT_H
#define LATHE_PLUGKIT_H

#include <stddef.h>

#include "lathe_plugin.h"
#include "linalg/mat.h"

/* Sets *err (when err is not NULL) to a malloc()ed message made from fmt;
 * on allocation failure *err is left NULL.  Returns code, so a failing
 * path reads `return plugkit_fail(err, LATHE_EINVAL, "...", ...);`. */
int plugkit_fail(char **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks every value of p against spec[0..nspec-1]: the count, INT values
 * integral and within bounds, REAL values finite and within bounds (with
 * exclusive_min), BOOL 0 or 1, CHOICE one of the listed strings.  Returns
 * LATHE_OK or LATHE_EINVAL with a message naming the parameter and value,
 * e.g. "C must be > 0, got 0". */
int plugkit_params_check(const struct lathe_param_spec *spec, size_t nspec,
    const struct lathe_params *p, char **err);

/* Index of value in the NULL-terminated choices of spec, or -1. */
int plugkit_choice(const struct lathe_param_spec *spec, const char *value);

/* LATHE_OK if task is a single bit present in tasks, else LATHE_EINVAL
 * with a message naming the plugin. */
int plugkit_task_check(const char *plugin, unsigned tasks, unsigned task,
    char **err);

/* 1 if all n values are finite. */
int plugkit_finite(const double *v, size_t n);

/* Checks the shape of training data: n >= min_rows, d >= 1, X non-NULL
 * and finite.  Returns LATHE_OK or LATHE_EINVAL with a message. */
int plugkit_data_check(const struct lathe_data *data, size_t min_rows,
    char **err);

/* Maps a linalg status to a plugin status: LINALG_ENOMEM -> LATHE_ENOMEM,
 * EINVAL/EDIM/ERANGE/EALIAS -> LATHE_EINVAL, the rest -> LATHE_ENUMERIC. */
int plugkit_status(int linalg_rc);

/* Xc = X - xm, yc = y - ym with the column means in xm and *ym when
 * fit_intercept; else Xc = X, yc = y, means 0.  Xc is n x d, yc n. */
void plugkit_centre(const struct lathe_data *data, int fit_intercept,
    struct mat *Xc, double *yc, double *xm, double *ym);

/* out = X coef + intercept for n rows of d features (X row-major), in
 * slices so that BLAS integers never overflow.  name prefixes messages;
 * model_d is the fitted width (an input of another width is refused). */
int plugkit_affine_predict(const char *name, const double *coef, double intercept,
    size_t model_d, size_t n, size_t d, const double *X, double *out, char **err);

#endif
