/*
 * core/features/ — the subsystem's main header.  Owns the model's inputs:
 * frames (frame), the expression language (expr), recipes and their stored
 * versions (recipe, recipe_store).  May use: core/base, core/store,
 * core/ingest.  The map of who may use whom is in docs/architecture.md.
 *
 * recipe.h — feature recipes: an ordered list of steps, written one per
 * line, that turns a dataset's raw columns into a model's inputs.
 *
 *     # comments run to the end of the line
 *     impute median age, fare
 *     onehot sex, embarked max 10
 *     standardize numeric
 *     drop name, "ticket no"
 *
 * Life cycle: recipe_parse() checks the text (line and column of any
 * fault, with the nearest known step name suggested); recipe_fit() learns
 * every step's state (means, levels, bin edges...) from the TRAINING rows
 * only, transforming that frame as it goes; recipe_apply() transforms any
 * other frame (test rows, a CSV for prediction, a serving request) with
 * the learned state and nothing else.  recipe_save()/recipe_load() carry
 * the fitted recipe with the model as versioned JSON, so training,
 * `lathe predict` and serving run the same code on the same state.
 *
 * The target column is never part of the frame a recipe sees.
 * The language and every step are documented in docs/recipes.md.
 */
#ifndef LATHE_RECIPE_H
#define LATHE_RECIPE_H

#include <stddef.h>
#include "frame.h"
#include "base/jsonw.h"

/* Fitted-recipe format: 2 saves clip's bounds (learned or given) and
 * impute's "infinite"; its inputs are only the columns an output depends
 * on, the other raw columns are listed as "ignored".  Format 1 is read
 * (its inputs recomputed); a newer one is refused. */
#define RECIPE_FORMAT 2

/* The default feature handling, as a recipe. */
extern const char recipe_default_text[];
/* The defaults for plugins that take missing values (caps bit 1,
 * LATHE_CAP_MISSING: no impute), categories (bit 2, LATHE_CAP_CATEGORICAL:
 * `ordinal` codes instead of onehot) or both; recipe_default_for picks by
 * the capability bits. */
extern const char recipe_default_missing_text[];
extern const char recipe_default_categorical_text[];
extern const char recipe_default_native_text[];
const char *recipe_default_for(unsigned caps);

struct recipe;

/* Parse text (origin names it in messages, e.g. a file name or "--step").
 * Caller frees with recipe_free.  On error *err holds
 * "ORIGIN:LINE:COL: message" followed by the line and a caret. */
int	recipe_parse(const char *text, const char *origin, struct recipe **out, char **err);
void	recipe_free(struct recipe *r);	/* accepts NULL */
const char *recipe_text(const struct recipe *r);

/* Learn from f (the training rows) and transform it.  Every learned value
 * comes from f alone.  0, or -1 with *err. */
int	recipe_fit(struct recipe *r, struct frame *f, char **err);
/* Transform f with the fitted state.  Columns the recipe needs must be
 * present with a compatible kind; extra columns are dropped; see
 * docs/recipes.md for unseen categories and missing values. */
int	recipe_apply(const struct recipe *r, struct frame *f, char **err);

/* The raw input columns the fitted recipe needs, and their kinds: those
 * an output depends on.  A column the recipe only transforms and then
 * drops is not one (a prediction need not supply it; if it does, it is
 * ignored). */
size_t	recipe_ninputs(const struct recipe *r);
const char *recipe_input_name(const struct recipe *r, size_t i);
enum fkind recipe_input_kind(const struct recipe *r, size_t i);
/* The other raw columns it was fitted on (dropped, or only transformed
 * and then dropped): a prediction may send them; they are ignored.  A
 * column never seen in training is neither (a server refuses it). */
size_t	recipe_noptional(const struct recipe *r);
const char *recipe_optional_name(const struct recipe *r, size_t i);
enum fkind recipe_optional_kind(const struct recipe *r, size_t i);
/* The output (feature) names after fitting. */
size_t	recipe_noutputs(const struct recipe *r);
const char *recipe_output_name(const struct recipe *r, size_t i);

/* Fitted state as JSON text (malloc'd), and back. */
char	*recipe_save(const struct recipe *r);
int	recipe_load(const char *json, struct recipe **out, char **err);
/* Human summary of the fitted state (one line per step). */
void	recipe_describe(const struct recipe *r, struct sbuf *b);

#endif
