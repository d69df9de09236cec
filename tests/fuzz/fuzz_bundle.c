/*
 * fuzz_bundle.c — model bundles (core/registry/bundle.c) as `lathe serve
 * --bundle FILE` loads them (core/serve/serve_models.c).
 *
 * Input: the bundle file itself, a small SQLite database.  The seeds are
 * real bundles (tests/fuzz/make-seeds.sh), so mutations land in the
 * values as often as in SQLite's own structure: the fitted recipe JSON,
 * the class labels, the recorded schemas, the format version, the model
 * name.  (A mutated model payload no longer matches its recorded SHA-256
 * and is refused before the plugin sees it; payload_PLUGIN fuzzes the
 * plugins' loaders directly.)
 *
 * Checks, on every input: no crash, leak or undefined behaviour in
 * bundle_read or in loading the bundle for serving (plugin, payload,
 * recipe, classes, the V2 metadata); a refusal is one line naming the
 * file.  A bundle that loads then serves its own recorded input example
 * (a dataframe_split body) through the same parse and predict path a
 * request takes.
 *
 * The plugins come from $LATHE_PLUGIN_PATH (scripts/fuzz.sh points it at
 * the fuzz build's).  They are opened once here and never closed, so the
 * loader's own dlopen/dlclose per bundle never unmaps a module whose
 * coverage counters libFuzzer holds.
 */
#include "fuzz.h"
#include "registry/bundle.h"
#include "serve/serve_models.h"
#include "serve/serve_proto.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>

static void
pin_plugins(void)
{
	static int done;
	const char *dir = getenv("LATHE_PLUGIN_PATH");
	DIR *d;
	struct dirent *e;

	if (done++ || dir == NULL || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		char path[4096];
		if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		(void)dlopen(path, RTLD_NOW | RTLD_LOCAL);	/* kept for the process */
	}
	closedir(d);
}

/* Serve the bundle's own input example. */
static void
serve_example(struct model_set *ms, const char *example)
{
	struct served *s = models_acquire(ms, 0);
	struct proto_limits lim = { 1000, 32 };
	struct frame *f = NULL;
	struct prediction pd = { 0 };
	char *err = NULL, *body = NULL;
	int method, status;

	/* the example is the dataframe_split member of a request */
	if (asprintf(&body, "{\"dataframe_split\": %s}", example) < 0) {
		served_release(s);
		return;
	}
	if (proto_mlflow_parse(&s->schema, &lim, "application/json", NULL, body,
	    strlen(body), &f, &method, &status, &err) == 0 &&
	    predictor_run(s->pr, f, &pd, &err) == 0) {
		struct sbuf b;
		sbuf_init(&b);
		proto_mlflow_write(&b, &s->pm, &pd, method);
		sbuf_free(&b);
		prediction_clear(&pd);
	} else if (getenv("FUZZ_VERBOSE")) {
		fprintf(stderr, "example not served: %s\n", err);
	}
	frame_free(f);
	free(err);
	free(body);
	served_release(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle b;
	struct model_set *ms = NULL;
	const char *path;
	char *err = NULL;

	pin_plugins();
	if (fuzz_tmpfile(data, size, &path) != 0)
		return 0;
	if (bundle_read(path, &b, &err) != 0) {
		if (err == NULL || strncmp(err, path, strlen(path)) != 0 || strchr(err, '\n'))
			fuzz_fail("bundle refused without one line naming it: %s",
			    err ? err : "(none)");
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "refused: %s\n", err);
		free(err);
		return 0;
	}
	char *example = b.input_example ? strdup(b.input_example) : NULL;
	bundle_clear(&b);
	if (models_open(NULL, 1, &ms, &err) != 0)
		goto out;
	/* the server warns on stderr when the bundle's plugin is another
	 * build (always, here): keep it out of the fuzzer's log */
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	int rc = models_add_bundle(ms, path, &err);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (null >= 0)
		close(null);
	if (rc != 0 && getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "not served: %s\n", err);
	if (rc == 0 && example)
		serve_example(ms, example);
out:
	models_free(ms);
	free(example);
	free(err);
	return 0;
}
