/*
 * predict.c — see predict.h.
 */
#include "predict.h"
#include "params.h"
#include "plugin.h"
#include "run.h"
#include "base/util.h"
#include "features/recipe.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct predictor {
	struct plugin_set		*ps;
	const struct lathe_plugin	*d;
	struct lathe_model		*model;
	struct recipe			*rec;
	unsigned			 task;
	char				**classes;
	size_t				 nclasses;
	char				**names;
	size_t				 nnames;
	size_t				 width;
	int				 plugin_changed;
};

void
predictor_free(struct predictor *pr)
{
	if (pr == NULL)
		return;
	if (pr->model && pr->d)
		pr->d->destroy(pr->model);
	recipe_free(pr->rec);
	for (size_t i = 0; i < pr->nclasses; i++)
		free(pr->classes[i]);
	free(pr->classes);
	for (size_t i = 0; i < pr->nnames; i++)
		free(pr->names[i]);
	free(pr->names);
	plugin_set_free(pr->ps);
	free(pr);
}

static int
add_name(struct predictor *pr, const char *fmt, const char *arg)
{
	char buf[512];
	snprintf(buf, sizeof buf, fmt, arg);
	char **v = realloc(pr->names, (pr->nnames + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	pr->names = v;
	if ((v[pr->nnames] = str_dup(buf)) == NULL)
		return -1;
	pr->nnames++;
	return 0;
}

/*
 * Build a predictor from a model's parts.  Shared by predictor_open_run
 * (parts read from a run's record) and bundles (parts read from an
 * exported file), so both load models the same way.
 */
int
predictor_open_parts(const struct predictor_parts *pp, struct predictor **out, char **err)
{
	struct predictor *pr = NULL;
	char *perr = NULL;
	char *rtext = NULL;
	int rc = -1;

	*out = NULL;
	if ((pr = calloc(1, sizeof *pr)) == NULL)
		return err_set(err, "out of memory");
	if (task_parse(pp->task, &pr->task) != 0) {
		err_set(err, "%s has an unknown task '%s'", pp->what, pp->task);
		goto out;
	}
	/* the recipe text need not be NUL-terminated in a bundle */
	if ((rtext = str_ndup(pp->recipe, pp->recipe_len)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (recipe_load(rtext, &pr->rec, err) != 0)
		goto out;
	if (plugin_set_load(&pr->ps, err) != 0)
		goto out;
	struct plugin *pl = (struct plugin *)plugin_find(pr->ps, pp->algo);
	if (pl == NULL) {
		err_set(err, "%s needs algorithm '%s', which is not installed (see 'lathe "
		    "plugins')", pp->what, pp->algo);
		goto out;
	}
	if (plugin_hash(pl, err) != 0)
		goto out;
	pr->plugin_changed = pp->plugin_sha256 && strcmp(pl->sha256, pp->plugin_sha256) != 0;
	pr->d = pl->desc;
	if (pr->d->load(pp->model, pp->model_len, &pr->model, &perr) != 0) {
		err_set(err, "%s cannot load %s's model: %s", pp->algo, pp->what,
		    perr ? perr : "no reason given");
		free(perr);
		goto out;
	}
	pr->width = pr->d->output_width(pr->model);
	if (pr->task == LATHE_TASK_CLASSIFICATION) {
		json_error_t je;
		json_t *a = json_loads(pp->classes ? pp->classes : "", 0, &je);
		size_t nc = json_array_size(a);
		if ((pr->classes = calloc(nc ? nc : 1, sizeof *pr->classes)) == NULL) {
			json_decref(a);
			goto oom;
		}
		pr->nclasses = nc;	/* only now: predictor_free walks the array */
		for (size_t i = 0; i < pr->nclasses; i++) {
			json_t *e = json_array_get(a, i);
			char buf[32];
			pr->classes[i] = str_dup(json_is_string(e) ? json_string_value(e) :
			    fmt_double(buf, json_number_value(e)));
		}
		json_decref(a);
		if (pr->nclasses != pr->width) {
			err_set(err, "%s's model gives %zu probabilities for %zu classes",
			    pp->what, pr->width, pr->nclasses);
			goto out;
		}
		for (size_t i = 0; i < pr->nclasses; i++)
			if (pr->classes[i] == NULL)
				goto oom;
		if (add_name(pr, "%s", "prediction") != 0)
			goto oom;
		for (size_t i = 0; i < pr->nclasses; i++)
			if (add_name(pr, "p_%s", pr->classes[i]) != 0)
				goto oom;
	} else if (pr->task == LATHE_TASK_PROJECTION) {
		for (size_t i = 0; i < pr->width; i++) {
			char k[24];
			snprintf(k, sizeof k, "%zu", i + 1);
			if (add_name(pr, "pc%s", k) != 0)
				goto oom;
		}
	} else if (add_name(pr, "%s", "prediction") != 0) {
		goto oom;
	}
	*out = pr;
	pr = NULL;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	free(rtext);
	predictor_free(pr);
	return rc;
}

int
predictor_open_run(struct project *p, const char *ref, struct predictor **out, char **err)
{
	struct run_info ri;
	void *model = NULL, *recipe = NULL;
	size_t mlen, rlen;
	char what[48];
	int rc = -1;

	*out = NULL;
	if (run_load(p, ref, &ri, err) != 0)
		return -1;
	if (ri.status != RUN_FINISHED) {
		err_set(err, "run %lld is %s: only a finished run has a model", (long long)ri.id,
		    run_status_name(ri.status));
		goto out;
	}
	if (run_artifact(p, ri.id, "model", &model, &mlen, err) != 0 ||
	    run_artifact(p, ri.id, "recipe", &recipe, &rlen, err) != 0)
		goto out;
	snprintf(what, sizeof what, "run %lld", (long long)ri.id);
	struct predictor_parts pp = {
		.what = what, .algo = ri.algo, .task = ri.task, .classes = ri.classes,
		.model = model, .model_len = mlen, .recipe = recipe, .recipe_len = rlen,
		.plugin_sha256 = ri.plugin_hash,
	};
	rc = predictor_open_parts(&pp, out, err);
out:
	free(model);
	free(recipe);
	run_info_clear(&ri);
	return rc;
}

size_t predictor_ninputs(const struct predictor *pr) { return recipe_ninputs(pr->rec); }
const char *predictor_input_name(const struct predictor *pr, size_t i)
{ return recipe_input_name(pr->rec, i); }
enum fkind predictor_input_kind(const struct predictor *pr, size_t i)
{ return recipe_input_kind(pr->rec, i); }
size_t predictor_noptional(const struct predictor *pr) { return recipe_noptional(pr->rec); }
const char *predictor_optional_name(const struct predictor *pr, size_t i)
{ return recipe_optional_name(pr->rec, i); }
enum fkind predictor_optional_kind(const struct predictor *pr, size_t i)
{ return recipe_optional_kind(pr->rec, i); }
unsigned predictor_task(const struct predictor *pr) { return pr->task; }
size_t predictor_nclasses(const struct predictor *pr) { return pr->nclasses; }
const char *predictor_class(const struct predictor *pr, size_t i) { return pr->classes[i]; }
size_t predictor_noutputs(const struct predictor *pr) { return pr->nnames; }
const char *predictor_output_name(const struct predictor *pr, size_t i) { return pr->names[i]; }
int predictor_plugin_changed(const struct predictor *pr) { return pr->plugin_changed; }

void
prediction_clear(struct prediction *pd)
{
	free(pd->values);
	free(pd->labels);
	memset(pd, 0, sizeof *pd);
}

int
predictor_run(const struct predictor *pr, struct frame *f, struct prediction *out, char **err)
{
	return predictor_run_timed(pr, f, out, NULL, err);
}

int
predictor_run_timed(const struct predictor *pr, struct frame *f, struct prediction *out,
    double *t_transform, char **err)
{
	double *X = NULL, *raw = NULL;
	char *perr = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	double t0 = t_transform ? time_mono() : 0;
	if (recipe_apply(pr->rec, f, err) != 0)
		return -1;
	if (t_transform)
		*t_transform = time_mono() - t0;
	/* the same words as training's check: a request row with a missing
	 * or infinite value left by the recipe names its cause */
	unsigned caps = plugin_caps(pr->d);
	if (frame_check_model_input(f, NULL, NULL, (caps & LATHE_CAP_MISSING) != 0, err) != 0)
		return -1;
	if (frame_to_matrix(f, &X, err) != 0)
		return -1;
	/* categories as codes, unseen ones NaN: exactly what training gave */
	if (caps & LATHE_CAP_CATEGORICAL) {
		unsigned char *kinds = malloc(f->ncols ? f->ncols : 1);
		if (kinds == NULL) {
			free(X);
			return err_set(err, "out of memory");
		}
		frame_native_categories(f, X, kinds);
		free(kinds);
	}
	size_t n = f->n, w = pr->width, cells = n * w;
	raw = malloc((cells ? cells : 1) * sizeof *raw);
	if (raw == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (n && pr->d->predict(pr->model, n, f->ncols, X, raw, &perr) != 0) {
		err_set(err, "%s predict failed: %s", pr->d->name, perr ? perr : "no reason given");
		free(perr);
		goto out;
	}
	out->n = n;
	out->names = (const char *const *)pr->names;
	out->ncols = pr->nnames;
	if (pr->task == LATHE_TASK_CLASSIFICATION) {
		size_t k = pr->nclasses;
		size_t vc = n * (k + 1);
		out->values = malloc((vc ? vc : 1) * sizeof *out->values);
		out->labels = malloc((n ? n : 1) * sizeof *out->labels);
		if (out->values == NULL || out->labels == NULL) {
			prediction_clear(out);
			err_set(err, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			size_t best = 0;
			for (size_t c = 1; c < k; c++)
				if (raw[i * k + c] > raw[i * k + best])
					best = c;
			out->values[i * (k + 1)] = (double)best;
			memcpy(&out->values[i * (k + 1) + 1], &raw[i * k], k * sizeof *raw);
			out->labels[i] = pr->classes[best];
		}
	} else {
		out->values = raw;
		raw = NULL;
	}
	rc = 0;
out:
	free(X);
	free(raw);
	return rc;
}
