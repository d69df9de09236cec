/*
 * cmd_train.c — `lathe train`: validate and record a run, train it in a
 * child process with progress on the terminal, and print its id.
 * Also the hidden `lathe __run ID`, the child's entry point.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/progress.h"
#include "base/util.h"
#include "train/run.h"
#include "train/runs_query.h"
#include "train/split.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_DATA = OPT_LONG + 1, OPT_TARGET, OPT_ALGO, OPT_SET, OPT_TASK, OPT_TEST, OPT_SEED,
	OPT_EXP, OPT_RECIPE, OPT_STEP, OPT_THREADS, OPT_PFD, OPT_CV, OPT_CV_REPEATS, OPT_GROUP };

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int
train_interrupted(void *ctx)
{
	(void)ctx;
	return interrupted != 0;
}

/* Do two "waiting for the project lock held by X (N s)" texts name the
 * same holder?  (They differ in the seconds.) */
static int
same_holder(const char *a, const char *b)
{
	const char *ea = strrchr(a, '('), *eb = strrchr(b, '(');
	size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
	return na == nb && memcmp(a, b, na) == 0;
}

/*
 * Wait for a launched run, drawing progress on a terminal and turning
 * Ctrl-C into a cancel.  Returns the final status via the record.
 */
int
cmd_train_wait(struct project *p, struct run_proc *rp, int show_progress, char **err)
{
	struct progress pr;
	char label[32];
	struct sigaction sa, old;

	snprintf(label, sizeof label, "run %lld", (long long)rp->id);
	progress_init(&pr, show_progress, label);
	progress_begin(&pr, "training", 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	interrupted = 0;
	char *shown = NULL;	/* the lock holder last reported */
	while (!run_proc_poll(rp, 100)) {
		if (interrupted) {
			run_proc_cancel(rp);
			interrupted = 0;
		}
		if (rp->waiting && (shown == NULL || !same_holder(shown, rp->waiting))) {
			/* the child has a result and waits for another writer */
			progress_note(&pr, "run %lld: %s", (long long)rp->id, rp->waiting);
			free(shown);
			shown = str_dup(rp->waiting);
		}
		if (rp->total > 0) {
			pr.total = (size_t)rp->total;
			progress_update_step(&pr, (size_t)rp->step, rp->loss);
		}
	}
	/* drain what is left in the pipe */
	while (rp->fd >= 0)
		run_proc_poll(rp, 0);
	progress_end(&pr);
	free(shown);
	/* recording the child's fate waits for the lock as the child does;
	 * Ctrl-C gives up */
	struct project saved = *p;
	project_set_lock_wait(p, -1, saved.on_wait, train_interrupted, NULL);
	int rc = run_proc_finish(p, rp, err);
	project_set_lock_wait(p, saved.lock_wait, saved.on_wait, saved.wait_cancelled,
	    saved.wait_ctx);
	sigaction(SIGINT, &old, NULL);
	return rc;
}

/*
 * Did the fit converge?  1 yes, 0 no, -1 the plugin does not say.  Read
 * from the model summary's "converged" member (the logistic plugin's, as
 * `lathe show` prints it), with "n_iter" into *iters (0 when absent).
 */
static int
fit_converged(struct project *p, int64_t id, long *iters)
{
	void *art = NULL;
	size_t len;
	json_error_t je;
	int rc = -1;

	*iters = 0;
	if (run_artifact(p, id, "summary", &art, &len, NULL) != 0)
		return -1;
	json_t *o = json_loadb(art, len, 0, &je);
	json_t *c = json_object_get(o, "converged"), *n = json_object_get(o, "n_iter");
	if (json_is_boolean(c))
		rc = json_is_true(c);
	if (json_is_integer(n))
		*iters = (long)json_integer_value(n);
	json_decref(o);
	free(art);
	return rc;
}

/* The line `train` prints and its JSON: a cross-validated run's means
 * and std over the folds, then the refit model's score on the held-out
 * rows if it has them; otherwise the test metrics, or the training rows'
 * marked as such. */
struct result_out {
	struct jw	*w;		/* NULL: no JSON */
	struct sbuf	*human;
	int		 first;
};

static int
result_cv(void *ctx, const char *name, double mean, double sd, int n)
{
	struct result_out *o = ctx;
	(void)n;
	if (o->w) {
		jw_key(o->w, name);
		jw_obj(o->w);
		jw_key(o->w, "mean"); jw_num(o->w, mean);
		jw_key(o->w, "std"); jw_num(o->w, sd);
		jw_key(o->w, "folds"); jw_int(o->w, n);
		jw_obj_end(o->w);
	}
	if (isnan(sd))
		sbuf_printf(o->human, "%s%s %.4g", o->first ? "" : ", ", name, mean);
	else
		sbuf_printf(o->human, "%s%s %.4g ± %.2g", o->first ? "" : ", ", name, mean, sd);
	o->first = 0;
	return 0;
}

static int
result_metric(void *ctx, const char *name, double v)
{
	struct result_out *o = ctx;
	if (o->w) {
		jw_key(o->w, name);
		jw_num(o->w, v);
	}
	sbuf_printf(o->human, "%s%s %.4g", o->first ? "" : ", ", name, v);
	o->first = 0;
	return 0;
}

static int
result_cv_mean(void *ctx, const char *name, double mean, double sd, int n)
{
	(void)sd;
	(void)n;
	struct result_out *o = ctx;
	jw_key(o->w, name);
	jw_num(o->w, mean);
	return 0;
}

static int
print_result(struct project *p, int64_t id, int json, int quiet, double secs)
{
	struct sbuf b;
	struct jw w;
	char ref[32], *err = NULL;
	struct run_info ri;

	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(p, ref, &ri, &err) != 0)
		return cmd_fail_err(err);
	const char *on = run_metrics_on(p, id);
	sbuf_init(&b);
	struct sbuf human;
	sbuf_init(&human);
	struct result_out o = { json ? &w : NULL, &human, 1 };
	if (json) {
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "run"); jw_int(&w, id);
		jw_key(&w, "status"); jw_str(&w, run_status_name(ri.status));
		jw_key(&w, "error"); jw_str(&w, ri.error);
		jw_key(&w, "seconds"); jw_num(&w, secs);
		jw_key(&w, "metrics_on");
		if (*on)
			jw_str(&w, on);
		else
			jw_null(&w);
	} else {
		sbuf_printf(&b, "%lld\n", (long long)id);
	}
	sbuf_printf(&human, "run %lld %s in %.2fs", (long long)id, run_status_name(ri.status), secs);
	long iters = 0;
	int converged = ri.status == RUN_FINISHED ? fit_converged(p, id, &iters) : -1;
	if (converged == 0 && iters > 0)
		sbuf_printf(&human, ", not converged after %ld iterations (see 'lathe show %lld')",
		    iters, (long long)id);
	else if (converged == 0)
		sbuf_printf(&human, ", not converged (see 'lathe show %lld')", (long long)id);
	if (json) {
		jw_key(&w, "converged");
		if (converged < 0)
			jw_null(&w);
		else
			jw_bool(&w, converged);
	}
	if (strcmp(on, "cv") == 0) {
		struct split_spec sp;
		char *serr = NULL;
		int folds = 0, reps = 0;
		if (split_record_parse(ri.split, &sp, &serr) == 0) {
			folds = sp.folds;
			reps = sp.repeats;
		}
		split_spec_clear(&sp);
		free(serr);
		if (reps > 1)
			sbuf_printf(&human, ": %d-fold cross-validation x %d: ", folds, reps);
		else
			sbuf_printf(&human, ": %d-fold cross-validation: ", folds);
		if (json) {
			jw_key(&w, "metrics");
			jw_obj(&w);
			run_cv_visit(p, id, result_cv_mean, &o, NULL);
			jw_obj_end(&w);
			jw_key(&w, "cv");
			jw_obj(&w);
		}
		struct result_out oc = { json ? &w : NULL, &human, 1 };
		run_cv_visit(p, id, result_cv, &oc, NULL);
		if (json) {
			jw_obj_end(&w);
			jw_key(&w, "test_metrics");
		}
		if (run_has_split(p, id, "test")) {
			sbuf_puts(&human, "; held-out test (refit model): ");
			if (json)
				jw_obj(&w);
			struct result_out ot = { json ? &w : NULL, &human, 1 };
			run_metrics_visit(p, id, "test", result_metric, &ot, NULL);
			if (json)
				jw_obj_end(&w);
		} else if (json) {
			jw_null(&w);
		}
	} else {
		if (json) {
			jw_key(&w, "metrics");
			jw_obj(&w);
		}
		if (*on) {
			sbuf_puts(&human, ": ");
			run_metrics_visit(p, id, on, result_metric, &o, NULL);
		}
		if (strcmp(on, "train") == 0)
			sbuf_puts(&human, " (on the training rows: nothing held out)");
		if (json)
			jw_obj_end(&w);
	}
	if (json) {
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	}
	int rc = EXIT_USER;
	if (b.oom || human.oom) {
		/* the run is recorded; only its report is lost */
		if (ri.status == RUN_FINISHED)
			cmd_fail("run %lld finished, but its report is lost: out of memory",
			    (long long)id);
	} else {
		rc = cmd_write_out(b.s);
		if (!json && !quiet)
			fprintf(stderr, "%s\n", human.s);
	}
	if (ri.status != RUN_FINISHED) {
		cmd_fail("run %lld %s: %s", (long long)id, run_status_name(ri.status),
		    ri.error ? ri.error : "no reason recorded");
		rc = EXIT_USER;
	}
	sbuf_free(&human);
	sbuf_free(&b);
	run_info_clear(&ri);
	return rc;
}

static int
cmd_train_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "algo", required_argument, NULL, OPT_ALGO },
		{ "set", required_argument, NULL, OPT_SET },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "test-size", required_argument, NULL, OPT_TEST },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "experiment", required_argument, NULL, OPT_EXP },
		{ "recipe", required_argument, NULL, OPT_RECIPE },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "cv", required_argument, NULL, OPT_CV },
		{ "cv-repeats", required_argument, NULL, OPT_CV_REPEATS },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct run_request rq = { .test_size = -1 };
	struct plugin_set *ps = NULL;
	struct project *p = NULL;
	struct run_proc *rp = NULL;
	struct sbuf steps;
	const char **sets = calloc((size_t)argc + 1, sizeof *sets);
	char *err = NULL, *recipe_text = NULL, *recipe_origin = NULL, *recipe_name = NULL;
	const char *recipe_arg = NULL;
	int c, rc = EXIT_USER, quiet = 0, cv = 0, repeats = 0;
	long long num;
	int64_t id = 0;

	sbuf_init(&steps);
	if (sets == NULL)
		return cmd_fail("out of memory");
	rq.sets = sets;
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_DATA: rq.dataset = optarg; break;
		case OPT_TARGET: rq.target = optarg; break;
		case OPT_ALGO: rq.algo = optarg; break;
		case OPT_SET: sets[rq.nsets++] = optarg; break;
		case OPT_TASK: rq.task = optarg; break;
		case OPT_EXP: rq.experiment = optarg; break;
		case OPT_RECIPE: recipe_arg = optarg; break;
		case OPT_CV:
			if (cmd_optnum(ctx, optarg, 2, 100, &num) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			cv = (int)num;
			break;
		case OPT_CV_REPEATS:
			if (cmd_optnum(ctx, optarg, 1, 1000, &num) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			repeats = (int)num;
			break;
		case OPT_GROUP: rq.cv_group = optarg; break;
		case OPT_STEP:
			sbuf_puts(&steps, optarg);
			sbuf_putc(&steps, '\n');
			break;
		case OPT_TEST:
			if (cmd_optreal(ctx, optarg, 0, 0, 1, 1, &rq.test_size) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_SEED:
			/* to 2^63 - 1: seeds are stored and shown as signed 64-bit */
			if (cmd_optnum(ctx, optarg, 0, LLONG_MAX, &num) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			rq.seed = (uint64_t)num;
			rq.have_seed = 1;
			break;
		case OPT_THREADS:
			if (cmd_optnum(ctx, optarg, 1, 256, &num) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			rq.threads = (int)num;
			break;
		case 'q': quiet = 1; break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				goto out;
		}
	}
	if (optind < argc) {
		rc = cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (steps.oom) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	if (rq.dataset == NULL || rq.algo == NULL) {
		rc = cmd_usage(ctx, "%s is required", rq.dataset == NULL ? "--data" : "--algo");
		goto out;
	}
	if (recipe_arg && steps.len) {
		rc = cmd_usage(ctx, "give either --recipe or --step, not both");
		goto out;
	}
	if (!cv && (repeats || rq.cv_group)) {
		rc = cmd_usage(ctx, "%s needs --cv K", repeats ? "--cv-repeats" : "--group");
		goto out;
	}
	if (cv) {
		/* one run: K-fold CV (R times) on the training rows, then a refit
		 * on all of them; without --test-size every row is a training row */
		rq.cv_folds = cv;
		rq.cv_repeats = repeats ? repeats : 1;
		if (rq.test_size < 0)
			rq.test_size = 0;
	}
	if ((p = cmd_open(ctx)) == NULL)
		goto out;
	if (recipe_arg) {
		if (cmd_resolve_recipe(p, recipe_arg, &recipe_text, &recipe_origin, &recipe_name,
		    &rq.recipe_version, &err) != 0) {
			rc = cmd_fail_err(err);
			goto out;
		}
		rq.recipe_text = recipe_text;
		rq.recipe_origin = recipe_origin;
		rq.recipe_name = recipe_name;
	} else if (steps.len) {
		rq.recipe_text = steps.s;
		rq.recipe_origin = "--step";
	}
	if (plugin_set_load(&ps, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (run_create(p, ps, &rq, &id, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	double t0 = time_mono();
	if (run_spawn(ctx->project, id, &rp, &err) != 0) {
		run_abandon(p, id, err, NULL);
		rc = cmd_fail_err(err);
		goto out;
	}
	if (cmd_train_wait(p, rp, !quiet && !ctx->json, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	rc = print_result(p, id, ctx->json, quiet, time_mono() - t0);
out:
	run_proc_free(rp);
	plugin_set_free(ps);
	project_close(p);
	free(recipe_text);
	free(recipe_origin);
	free(recipe_name);
	sbuf_free(&steps);
	free(sets);
	return rc;
}

const struct cmd_entry cmd_train_entry = {
	.name = "train",
	.args = "--data NAME[@V] --algo ALGO [--target COL] [--set KEY=VALUE]... "
	    "[--recipe NAME[@V]|FILE | --step STEP...] [--test-size F] [--cv K [--cv-repeats R] "
	    "[--group COL]] [--seed N] [--experiment NAME] [--json]",
	.summary = "Train a model: record a run, train it in a child process, print its id.",
	.help =
	    "The task is inferred from the target: a categorical column, or an integer\n"
	    "column with few values, is classification; another numeric column is\n"
	    "regression; without a target, an algorithm that clusters or projects does that.\n"
	    "Features go through a recipe fitted on the training rows only (default: impute\n"
	    "mean for numbers, one-hot for categories, drop text).  Everything is checked\n"
	    "before training starts.  Ctrl-C cancels the run (recorded as cancelled).\n"
	    "A finished model waits for the project lock as long as another writer holds\n"
	    "it (saying who); with under 2 MiB free on the disk no run is recorded.\n"
	    "\n"
	    "options:\n"
	    "  --data NAME[@V]      dataset version (NAME alone: the latest)\n"
	    "  --target COL         column to predict (not for clustering/projection)\n"
	    "  --algo ALGO          algorithm plugin: linear, ridge, logistic, tree, forest,\n"
	    "                       gbdt, kmeans, pca, or any other ('lathe plugins')\n"
	    "  --set KEY=VALUE      hyperparameter (repeatable; see 'lathe plugins -v')\n"
	    "  --task TASK          regression, classification, clustering or projection\n"
	    "  --recipe R           feature recipe: a file, or a stored NAME[@V] (docs/recipes.md)\n"
	    "  --step STEP          one recipe step, repeatable, e.g. --step 'standardize *'\n"
	    "  --test-size F        held-out fraction, stratified for classification (default\n"
	    "                       0.2, or 0 with --cv; 0 for clustering/projection); 0\n"
	    "                       trains on all rows, and its metrics are then marked as\n"
	    "                       measured on the training rows\n"
	    "  --cv K               K-fold cross-validation (2..100; stratified for\n"
	    "                       classification) recorded as ONE run: each fold fits its\n"
	    "                       own recipe and model on the other folds and is scored on\n"
	    "                       its rows; the run stores every fold's metrics and each\n"
	    "                       metric's mean and std, then refits on all its training\n"
	    "                       rows: that model is the run's (predict, register, serve).\n"
	    "                       With --test-size F the folds are made of the training\n"
	    "                       part and the refit model is scored once on the held-out\n"
	    "                       rows (docs/experiments.md)\n"
	    "  --cv-repeats R       repeat the K folds R times, each with another shuffle of\n"
	    "                       the seed (1..1000; default 1); needs --cv\n"
	    "  --group COL          grouped K-fold: all rows of one COL value in one fold\n"
	    "                       (not stratified); needs --cv\n"
	    "  --seed N             seed of the split and the algorithm (default 0)\n"
	    "  --experiment NAME    group the run under an experiment\n"
	    "  --threads N          BLAS threads (default: the library's); recorded\n"
	    "  -q, --quiet          no progress bar or summary\n"
	    "  --json               print {\"run\", \"status\", \"error\", \"seconds\",\n"
	    "                       \"metrics_on\": \"cv\"|\"test\"|\"train\", \"converged\",\n"
	    "                       \"metrics\"}; with --cv also \"cv\": {name: {\"mean\",\n"
	    "                       \"std\", \"folds\"}} and \"test_metrics\" (null without\n"
	    "                       --test-size)\n"
	    "\n"
	    "Prints the run id on stdout (and a summary on stderr, which says when the fit\n"
	    "did not converge).  Exit status 1 if the run failed or was cancelled.\n",
	.exec = cmd_train_exec,
};

/* ------------------------------------------------------------------ */

static int
cmd_run_child_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "progress-fd", required_argument, NULL, OPT_PFD },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	int c, rc, fd = -1;
	long long num;
	int64_t id;
	char *err = NULL;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_PFD) {
			if (cmd_optnum(ctx, optarg, 0, INT_MAX, &num) != 0)
				return EXIT_USAGE;
			fd = (int)num;
		} else if (cmd_opt_common(ctx, c, &rc)) {
			return rc;
		}
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, "expected one run id");
	if (run_ref_parse(argv[optind], &id, &err) != 0)
		return cmd_fail_err(err);
	int r = run_execute(ctx->project, id, fd);
	return r == 0 ? EXIT_OK : r == RUN_EXIT_DISK_FULL ? RUN_EXIT_DISK_FULL : EXIT_USER;
}

const struct cmd_entry cmd_run_child_entry = {
	.name = "__run",
	.args = "RUN [--progress-fd FD]",
	.summary = "(internal) execute a queued run; started by train and the workbench.",
	.help = "",
	.exec = cmd_run_child_exec,
};
