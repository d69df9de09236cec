/*
 * predict.h — a fitted run, ready to predict: its plugin and model, its
 * fitted recipe and class labels.  One code path for `lathe predict`, the
 * serving process and tests: raw columns in (a frame), recipe applied,
 * model called, named output columns out.
 *
 * A predictor is read-only once opened: predictor_run() may be called
 * from several threads at once on the same predictor.
 */
#ifndef LATHE_PREDICT_H
#define LATHE_PREDICT_H

#include <stddef.h>
#include <stdint.h>
#include "features/frame.h"
#include "store/project.h"

struct predictor;

struct prediction {
	size_t		  n, ncols;
	const char *const *names;	/* ncols output names (borrowed from the predictor) */
	double		 *values;	/* n x ncols; classification: class index, then p_* */
	const char	**labels;	/* classification: n label texts (borrowed), else NULL */
};

/* Open the model of finished run `ref` ("17" or "r17").  Caller frees. */
int		 predictor_open_run(struct project *p, const char *ref, struct predictor **out,
		    char **err);
void		 predictor_free(struct predictor *pr);

/* The parts of a fitted model, as a run records them or a bundle carries
 * them; everything is borrowed for the call. */
struct predictor_parts {
	const char	*what;		/* names the model in messages: "run 17" */
	const char	*algo;		/* plugin name */
	const char	*task;		/* "classification", ... */
	const char	*classes;	/* JSON array (classification), else NULL */
	const void	*model;		/* the plugin's payload */
	size_t		 model_len;
	const char	*recipe;	/* fitted recipe JSON (need not end in NUL) */
	size_t		 recipe_len;
	const char	*plugin_sha256;	/* of the .so that trained it, or NULL */
};
/* Open a predictor from parts (bundles).  Caller frees. */
int		 predictor_open_parts(const struct predictor_parts *pp, struct predictor **out,
		    char **err);

size_t		 predictor_ninputs(const struct predictor *pr);
const char	*predictor_input_name(const struct predictor *pr, size_t i);
enum fkind	 predictor_input_kind(const struct predictor *pr, size_t i);
/* Raw columns the model was trained beside but does not need (its recipe
 * drops them): a request may send them and they are ignored. */
size_t		 predictor_noptional(const struct predictor *pr);
const char	*predictor_optional_name(const struct predictor *pr, size_t i);
enum fkind	 predictor_optional_kind(const struct predictor *pr, size_t i);
unsigned	 predictor_task(const struct predictor *pr);
size_t		 predictor_nclasses(const struct predictor *pr);
const char	*predictor_class(const struct predictor *pr, size_t i);
size_t		 predictor_noutputs(const struct predictor *pr);
const char	*predictor_output_name(const struct predictor *pr, size_t i);
int		 predictor_plugin_changed(const struct predictor *pr);

/* Transform f (raw columns; modified in place) and predict every row.
 * 0, or -1 with *err naming the column and row at fault. */
int		 predictor_run(const struct predictor *pr, struct frame *f, struct prediction *out,
		    char **err);
/* predictor_run, also reporting the seconds spent in the recipe (the rest
 * is the model's); t_transform may be NULL. */
int		 predictor_run_timed(const struct predictor *pr, struct frame *f,
		    struct prediction *out, double *t_transform, char **err);
void		 prediction_clear(struct prediction *pd);

#endif
