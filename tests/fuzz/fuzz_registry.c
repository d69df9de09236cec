/*
 * fuzz_registry.c — the JSON the model registry records and reads back:
 * a model version's input_schema, output_schema and input_example
 * (core/registry/registry.c writes them at `model register`), the run's
 * class labels (runs.classes), and a prediction-log row's inputs, which
 * `lathe drift` reads beside the schema.  They live in the project as
 * text that anyone with sqlite3 can change, so every reader must take
 * whatever is there.
 *
 * Setup, once: a project in $TMPDIR with the penguins dataset, one
 * finished logistic run whose model and fitted recipe are the seeds
 * payload_logistic/run1 and recipe_load/run1 (make-seeds.sh fits them on
 * penguins), registered as model m@1 by registry_register itself.
 *
 * Input: five lines — input_schema, output_schema, input_example,
 * classes, a logged prediction's input — written into the project (a
 * missing line leaves an empty text).  Then, on every input: the
 * registry resolves and lists the version; `lathe model show m --json`,
 * `model list --json` and `model show m` run as commands, and when a
 * --json command succeeds its output must be one valid JSON document;
 * `lathe drift` computes its report; the serving path loads m as `lathe
 * serve --model m` does.  No crash, leak or undefined behaviour anywhere.
 */
#include "fuzz.h"
#include "cli/cmd.h"
#include "ingest/profile.h"
#include "registry/registry.h"
#include "serve/drift.h"
#include "serve/serve_models.h"
#include "store/dataset.h"
#include "store/project.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>

/* main.c holds the command table; this binary has only `model` */
extern const struct cmd_entry cmd_model_entry;
const struct cmd_entry *const cmd_table[] = { &cmd_model_entry, NULL };

static char project_path[256];
static struct project *P;

static void
remove_project(void)
{
	char p[300];
	project_close(P);
	unlink(project_path);
	snprintf(p, sizeof p, "%s-wal", project_path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", project_path);
	unlink(p);
}

/* The loader's dlopen/dlclose must never unmap a module libFuzzer
 * counts coverage in: open every plugin once, for good. */
static void
pin_plugins(void)
{
	const char *dir = getenv("LATHE_PLUGIN_PATH");
	DIR *d;
	struct dirent *e;

	if (dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[4096];
		if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		(void)dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	closedir(d);
}

static void *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fuzz_fail("cannot read %s (run from the top of the tree)", path);
	char *b = malloc(1 << 20);
	*len = b ? fread(b, 1, 1 << 20, f) : 0;
	fclose(f);
	return b;
}

static void
setup(void)
{
	struct import_opts o = { 0, -1, NULL, 0, 1, NULL, 0, 0 };
	struct import_info info;
	struct table *t = NULL;
	struct model_version mv = { 0 };
	sqlite3_stmt *st = NULL;
	char *err = NULL, hash[65];
	int version, created;
	size_t mlen, rlen;

	pin_plugins();
	const char *dir = getenv("TMPDIR");
	snprintf(project_path, sizeof project_path, "%s/lathe-fuzz-registry-%ld.lathe",
	    dir && *dir ? dir : "/tmp", (long)getpid());
	unlink(project_path);
	if (project_create(project_path, &P, &err) != 0 ||
	    csv_import("datasets/penguins.csv", &o, &t, &info, &err) != 0 ||
	    profile_table(t, 1, &err) != 0)
		fuzz_fail("setup: %s", err);
	atexit(remove_project);
	profile_table_hash(t, hash);
	if (dataset_store(P, "peng", t, hash, "penguins.csv", 0, "{}", &version, &created,
	    &err) != 0)
		fuzz_fail("setup: %s", err);
	table_free(t);
	void *model = slurp("tests/fuzz/corpus/payload_logistic/run1", &mlen);
	char *recipe = slurp("tests/fuzz/corpus/recipe_load/run1", &rlen);
	if (db_exec(P, "INSERT INTO runs(id, dataset_version_id, dataset_hash, target, task, "
	    "algo, plugin_version, plugin_hash, plugin_path, params, recipe, split, seed, "
	    "threads, env, status, created, classes) SELECT 1, id, hash, 'species', "
	    "'classification', 'logistic', '1.1.0', '', '', '{}', '', '{\"method\": \"holdout\"}', "
	    "7, 1, '{}', 'finished', '2026-01-01T00:00:00Z', '[\"Adelie\", \"Chinstrap\", "
	    "\"Gentoo\"]' FROM dataset_versions", &err) != 0 ||
	    db_prepare(P, "INSERT INTO run_artifacts(run_id, name, data) VALUES (1, 'model', ?1), "
	    "(1, 'recipe', ?2)", &st, &err) != 0)
		fuzz_fail("setup: %s", err);
	sqlite3_bind_blob(st, 1, model, (int)mlen, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, recipe, (int)rlen, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_fail("setup: cannot store the run's artifacts");
	sqlite3_finalize(st);
	free(model);
	free(recipe);
	if (registry_register(P, "1", "m", &mv, &err) != 0)
		fuzz_fail("setup: model register: %s", err);
	model_version_clear(&mv);
}

/* Run `lathe -p PROJECT ARGS...` in-process; its stdout is returned
 * (malloc'd) and its exit status put in *status.  stderr is silenced. */
static char *
run_cmd(int *status, int argc, const char **args)
{
	char *argv[8];
	struct cmd_ctx ctx = { 0 };
	int out = memfd_create("lathe-fuzz-out", 0), saved1 = dup(1), saved2 = dup(2);
	int null = open("/dev/null", O_WRONLY);

	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	ctx.project = project_path;
	ctx.entry = cmd_find(argv[0]);
	fflush(stdout);
	dup2(out, 1);
	dup2(null, 2);
	*status = ctx.entry->exec(&ctx, argc, argv);
	fflush(stdout);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);
	close(null);
	off_t n = lseek(out, 0, SEEK_END);
	char *s = malloc((size_t)n + 1);
	if (s && pread(out, s, (size_t)n, 0) == n)
		s[n] = '\0';
	else if (s)
		s[0] = '\0';
	close(out);
	return s;
}

static void
json_command(int argc, const char **args)
{
	int status;
	json_error_t je;
	char *out = run_cmd(&status, argc, args);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s %s: exit %d, %zu bytes\n", args[0], args[1], status,
		    out ? strlen(out) : 0);
	if (out && status == 0) {
		json_t *o = json_loads(out, JSON_DECODE_ANY, &je);
		if (o == NULL)
			fuzz_fail("'%s %s --json' printed invalid JSON (%s at byte %d):\n%s", args[0],
			    args[1], je.text, je.position, out);
		json_decref(o);
	}
	free(out);
}

static int
visit(void *ctx, const struct model_row *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[5] = { "", "", "", "", "" };
	size_t flen[5] = { 0, 0, 0, 0, 0 };
	sqlite3_stmt *st = NULL;
	struct model_version mv = { 0 };
	struct drift_report *rep = NULL;
	struct model_set *ms = NULL;
	char *err = NULL;

	if (P == NULL)
		setup();
	const char *p = (const char *)data, *e = p + size;
	for (int k = 0; k < 5 && p <= e; k++) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		field[k] = p;
		flen[k] = nl ? (size_t)(nl - p) : (size_t)(e - p);
		p += flen[k] + 1;
	}
	if (db_prepare(P, "UPDATE model_versions SET input_schema = ?1, output_schema = ?2, "
	    "input_example = ?3", &st, &err) != 0)
		fuzz_fail("%s", err);
	for (int k = 0; k < 3; k++)
		sqlite3_bind_text(st, k + 1, field[k], (int)flen[k], SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_fail("cannot update the version");
	sqlite3_finalize(st);
	if (db_prepare(P, "UPDATE runs SET classes = ?1", &st, &err) != 0)
		fuzz_fail("%s", err);
	sqlite3_bind_text(st, 1, field[3], (int)flen[3], SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_fail("cannot update the run");
	sqlite3_finalize(st);
	if (db_exec(P, "DELETE FROM prediction_log", &err) != 0 ||
	    db_prepare(P, "INSERT INTO prediction_log(model, version, run_id, time, input, output) "
	    "VALUES ('m', 1, 1, '2026-01-01T00:00:00Z', ?1, '\"Adelie\"')", &st, &err) != 0)
		fuzz_fail("%s", err);
	sqlite3_bind_text(st, 1, field[4], (int)flen[4], SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		fuzz_fail("cannot log a prediction");
	sqlite3_finalize(st);

	/* the registry's own readers */
	if (registry_resolve(P, "m", &mv, &err) == 0 &&
	    (mv.input_schema == NULL || strlen(mv.input_schema) != strnlen(field[0], flen[0])))
		fuzz_fail("registry_resolve returned another input_schema");
	model_version_clear(&mv);
	free(err);
	err = NULL;
	(void)registry_list(P, NULL, visit, NULL, &err);
	free(err);
	err = NULL;
	/* the commands that print them */
	json_command(4, (const char *[]){ "model", "show", "m", "--json" });
	json_command(3, (const char *[]){ "model", "list", "--json" });
	int status;
	free(run_cmd(&status, 3, (const char *[]){ "model", "show", "m" }));
	/* drift: the schema against the logged inputs */
	if (drift_compute(P, "m", 0, -1, &rep, &err) == 0)
		drift_report_free(rep);
	else if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "drift: %s\n", err);
	free(err);
	err = NULL;
	/* serving: the labels */
	if (models_open(project_path, 1, &ms, &err) == 0) {
		int saved = dup(2), null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		int rc = models_add_ref(ms, "m", &err);
		dup2(saved, 2);
		if (rc != 0 && getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "serve: %s\n", err);
		close(saved);
		close(null);
	}
	models_free(ms);
	free(err);
	return 0;
}
