/*
 * cmd_model.c — `lathe model SUBCOMMAND`: the model registry from the
 * command line (register, list, show, alias, history).  The registry
 * itself is registry.c; this file parses arguments and prints.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "registry/registry.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/*
 * A schema or example the project holds, into --json output: as stored
 * when it is one JSON value, else null.  The registry writes valid JSON,
 * but the project is an SQLite file anyone can edit, and --json output
 * must parse whatever it holds (found by tests/fuzz/fuzz_registry).
 */
static void
jw_stored(struct jw *w, const char *json)
{
	json_error_t je;
	json_t *v = json ? json_loads(json, JSON_DECODE_ANY, &je) : NULL;
	if (v == NULL)
		jw_null(w);
	else
		jw_raw(w, json);
	json_decref(v);
}

/* Options and trailing arguments of a subcommand; argv[0] is its name. */
static int
parse_opts(struct cmd_ctx *ctx, int argc, char **argv, const char **name, int *status)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	int c;
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_JSON)
			ctx->json = 1;
		else if (c == 'n' && name)
			*name = optarg;
		else if (c == 'n') {
			*status = cmd_usage(ctx, "'model %s' takes no --name", argv[0]);
			return 1;
		} else if (cmd_opt_common(ctx, c, status))
			return 1;
	}
	return 0;
}

static int
expect_args(struct cmd_ctx *ctx, int argc, char **argv, int n, const char *what)
{
	if (argc - optind != n)
		return cmd_usage(ctx, "'model %s' expects %s", argv[0], what);
	return 0;
}

static int
model_register(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct model_version mv = { 0 };
	const char *name = NULL;
	char *err = NULL;
	int rc = EXIT_USER;

	if (parse_opts(ctx, argc, argv, &name, &rc))
		return rc;
	if ((rc = expect_args(ctx, argc, argv, 1, "a run (model register RUN --name NAME)")))
		return rc;
	if (name == NULL)
		return cmd_usage(ctx, "'model register' needs --name NAME");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (registry_register(p, argv[optind], name, &mv, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	struct sbuf b;
	sbuf_init(&b);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "model"); jw_str(&w, mv.name);
		jw_key(&w, "version"); jw_int(&w, mv.version);
		jw_key(&w, "run"); jw_int(&w, mv.run_id);
		jw_key(&w, "created"); jw_str(&w, mv.created);
		jw_key(&w, "input_schema"); jw_stored(&w, mv.input_schema);
		jw_key(&w, "output_schema"); jw_stored(&w, mv.output_schema);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		sbuf_printf(&b, "registered run %lld as %s@%d\n", (long long)mv.run_id, mv.name,
		    mv.version);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	sbuf_free(&b);
out:
	model_version_clear(&mv);
	project_close(p);
	return rc;
}

/* JSON writer state for `model list --json`: versions grouped by model. */
struct list_ctx {
	struct jw	*w;
	struct texttab	*t;
	char		*cur;		/* model being written */
	struct sbuf	 aliases;	/* its aliases as JSON members */
	size_t		 n;
};

static void
close_model(struct list_ctx *lc)
{
	if (lc->cur == NULL)
		return;
	jw_arr_end(lc->w);
	jw_key(lc->w, "aliases");
	sbuf_putc(&lc->aliases, '}');
	jw_raw(lc->w, lc->aliases.s);
	jw_obj_end(lc->w);
	free(lc->cur);
	lc->cur = NULL;
}

static void
jw_alias_list(struct jw *w, const char *aliases)
{
	jw_arr(w);
	for (const char *a = aliases; *a;) {
		size_t n = strcspn(a, ",");
		jw_strn(w, a, n);
		a += n + (a[n] == ',');
	}
	jw_arr_end(w);
}

static int
list_visit(void *arg, const struct model_row *r)
{
	struct list_ctx *lc = arg;
	lc->n++;
	if (lc->t) {
		texttab_cell(lc->t, r->name);
		texttab_cellf(lc->t, "%d", r->version);
		texttab_cellf(lc->t, "%lld", (long long)r->run_id);
		texttab_cell(lc->t, r->algo);
		texttab_cell(lc->t, r->task);
		texttab_cell(lc->t, r->dataset);
		texttab_cell(lc->t, r->aliases);
		texttab_cell(lc->t, r->created);
		return 0;
	}
	struct jw *w = lc->w;
	if (lc->cur == NULL || strcmp(lc->cur, r->name) != 0) {
		close_model(lc);
		if ((lc->cur = str_dup(r->name)) == NULL)
			return -1;
		lc->aliases.len = 0;
		sbuf_putc(&lc->aliases, '{');
		jw_obj(w);
		jw_key(w, "name"); jw_str(w, r->name);
		jw_key(w, "versions");
		jw_arr(w);
	}
	jw_obj(w);
	jw_key(w, "version"); jw_int(w, r->version);
	jw_key(w, "latest"); jw_bool(w, r->latest);
	jw_key(w, "run"); jw_int(w, r->run_id);
	jw_key(w, "algo"); jw_str(w, r->algo);
	jw_key(w, "task"); jw_str(w, r->task);
	jw_key(w, "dataset"); jw_str(w, r->dataset);
	jw_key(w, "aliases"); jw_alias_list(w, r->aliases);
	jw_key(w, "created"); jw_str(w, r->created);
	jw_key(w, "input_schema"); jw_stored(w, r->input_schema);
	jw_key(w, "output_schema"); jw_stored(w, r->output_schema);
	jw_obj_end(w);
	for (const char *a = r->aliases; *a;) {
		size_t n = strcspn(a, ",");
		if (lc->aliases.len > 1)
			sbuf_puts(&lc->aliases, ", ");
		json_escape(&lc->aliases, a, n);
		sbuf_printf(&lc->aliases, ": %d", r->version);
		a += n + (a[n] == ',');
	}
	return lc->aliases.oom ? -1 : 0;
}

static int
model_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const hdr[] = { "MODEL", "VERSION", "RUN", "ALGO", "TASK", "DATASET",
		"ALIASES", "REGISTERED" };
	struct list_ctx lc = { 0 };
	struct project *p = NULL;
	struct sbuf b;
	struct jw w;
	char *err = NULL;
	int rc = EXIT_USER;

	sbuf_init(&b);
	sbuf_init(&lc.aliases);
	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if (argc - optind > 1)
		return cmd_usage(ctx, "'model list' expects at most one model name");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if ((rc = cmd_list_open(ctx, &w, &b, "models", &lc.t, hdr, ARRAY_LEN(hdr),
	    1u << 1 | 1u << 2)) != 0)
		goto out;
	if (ctx->json)
		lc.w = &w;
	if (registry_list(p, optind < argc ? argv[optind] : NULL, list_visit, &lc, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json)
		close_model(&lc);
	if ((rc = cmd_list_close(ctx, &w, &b, lc.t, lc.n, "no models yet (register a run "
	    "with 'lathe model register RUN --name NAME')\n")) != 0)
		goto out;
	rc = b.oom || lc.aliases.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	free(lc.cur);
	texttab_free(lc.t);
	sbuf_free(&lc.aliases);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static int
model_show(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct model_version mv = { 0 };
	struct sbuf b, al;
	char *err = NULL;
	int rc = EXIT_USER;

	sbuf_init(&b);
	sbuf_init(&al);
	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if ((rc = expect_args(ctx, argc, argv, 1, "a model (model show NAME[@VERSION|@ALIAS])")))
		return rc;
	rc = EXIT_USER;
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (registry_resolve(p, argv[optind], &mv, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	{
		sqlite3_stmt *st = NULL;
		if (db_prepare(p, "SELECT alias FROM model_aliases WHERE model_id = ?1 AND "
		    "version = ?2 ORDER BY alias", &st, &err) != 0) {
			rc = cmd_fail_err(err);
			goto out;
		}
		sqlite3_bind_int64(st, 1, mv.model_id);
		sqlite3_bind_int(st, 2, mv.version);
		while (sqlite3_step(st) == SQLITE_ROW) {
			sbuf_puts(&al, al.len ? "," : "");
			sbuf_puts(&al, (const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, mv.name);
		jw_key(&w, "version"); jw_int(&w, mv.version);
		jw_key(&w, "run"); jw_int(&w, mv.run_id);
		jw_key(&w, "created"); jw_str(&w, mv.created);
		jw_key(&w, "aliases"); jw_alias_list(&w, al.s ? al.s : "");
		jw_key(&w, "input_schema"); jw_stored(&w, mv.input_schema);
		jw_key(&w, "output_schema"); jw_stored(&w, mv.output_schema);
		jw_key(&w, "input_example"); jw_stored(&w, mv.input_example);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		sbuf_printf(&b, "%s@%d: run %lld, registered %s%s%s\n", mv.name, mv.version,
		    (long long)mv.run_id, mv.created, al.len ? ", aliases " : "", al.len ? al.s : "");
		sbuf_printf(&b, "inputs:  %s\noutputs: %s\nexample: %s\n", mv.input_schema,
		    mv.output_schema, mv.input_example);
	}
	rc = b.oom || al.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&al);
	sbuf_free(&b);
	model_version_clear(&mv);
	project_close(p);
	return rc;
}

static int
model_alias(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct model_ref r = { 0 };
	struct sbuf b;
	char *err = NULL;
	int rc = EXIT_USER, old = 0;

	sbuf_init(&b);
	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if ((rc = expect_args(ctx, argc, argv, 2, "a version and an alias (model alias "
	    "NAME@VERSION ALIAS)")))
		return rc;
	rc = EXIT_USER;
	if (model_ref_parse(argv[optind], &r, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (r.version == 0) {
		rc = cmd_fail("'%s' does not name a version: write NAME@VERSION, e.g. %s@1",
		    argv[optind], r.name);
		goto out;
	}
	if ((p = cmd_open(ctx)) == NULL)
		goto out;
	const char *alias = argv[optind + 1];
	if (registry_alias(p, r.name, r.version, alias, &old, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "model"); jw_str(&w, r.name);
		jw_key(&w, "alias"); jw_str(&w, alias);
		jw_key(&w, "version"); jw_int(&w, r.version);
		jw_key(&w, "previous");
		if (old)
			jw_int(&w, old);
		else
			jw_null(&w);
		jw_key(&w, "changed"); jw_bool(&w, old != r.version);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else if (old == r.version) {
		sbuf_printf(&b, "%s@%s already names version %d\n", r.name, alias, r.version);
	} else if (old) {
		sbuf_printf(&b, "%s@%s: version %d -> %d\n", r.name, alias, old, r.version);
	} else {
		sbuf_printf(&b, "%s@%s: new alias -> version %d\n", r.name, alias, r.version);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	model_ref_clear(&r);
	project_close(p);
	return rc;
}

struct hist_ctx {
	struct jw	*w;
	struct texttab	*t;
	size_t		 n;
};

static int
hist_visit(void *arg, const struct alias_move *m)
{
	struct hist_ctx *hc = arg;
	hc->n++;
	if (hc->t) {
		texttab_cell(hc->t, m->time);
		texttab_cell(hc->t, m->alias);
		if (m->old_version)
			texttab_cellf(hc->t, "%d", m->old_version);
		else
			texttab_cell(hc->t, "-");
		texttab_cellf(hc->t, "%d", m->new_version);
		return 0;
	}
	jw_obj(hc->w);
	jw_key(hc->w, "alias"); jw_str(hc->w, m->alias);
	jw_key(hc->w, "from");
	if (m->old_version)
		jw_int(hc->w, m->old_version);
	else
		jw_null(hc->w);
	jw_key(hc->w, "to"); jw_int(hc->w, m->new_version);
	jw_key(hc->w, "time"); jw_str(hc->w, m->time);
	jw_obj_end(hc->w);
	return 0;
}

static int
model_history(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const hdr[] = { "TIME", "ALIAS", "FROM", "TO" };
	struct hist_ctx hc = { 0 };
	struct project *p = NULL;
	struct sbuf b;
	struct jw w;
	char *err = NULL;
	int rc = EXIT_USER;

	sbuf_init(&b);
	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if ((rc = expect_args(ctx, argc, argv, 1, "a model name (model history NAME)")))
		return rc;
	rc = EXIT_USER;
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	const char *name = argv[optind];
	if ((rc = cmd_list_open(ctx, &w, &b, NULL, &hc.t, hdr, ARRAY_LEN(hdr),
	    1u << 2 | 1u << 3)) != 0)
		goto out;
	if (ctx->json) {
		jw_key(&w, "model"); jw_str(&w, name);
		jw_key(&w, "history");
		jw_arr(&w);
		hc.w = &w;
	}
	if (registry_history(p, name, hist_visit, &hc, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	char empty[2 * MODEL_NAME_MAX + 100];
	snprintf(empty, sizeof empty, "model '%s' has no aliases yet (set one with 'lathe model "
	    "alias %s@VERSION ALIAS')\n", name, name);
	if ((rc = cmd_list_close(ctx, &w, &b, hc.t, hc.n, empty)) != 0)
		goto out;
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	texttab_free(hc.t);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static const struct {
	const char	*name;
	int		(*exec)(struct cmd_ctx *, int, char **);
} subcommands[] = {
	{ "register", model_register },
	{ "list", model_list },
	{ "show", model_show },
	{ "alias", model_alias },
	{ "history", model_history },
};

static int
cmd_model_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	/* -p FILE may come before the subcommand too */
	while (argc >= 2 && argv[1][0] == '-') {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
			cmd_print_help(ctx->entry, stdout);
			return EXIT_OK;
		}
		if ((strcmp(argv[1], "-p") == 0 || strcmp(argv[1], "--project") == 0) && argc >= 3) {
			ctx->project = argv[2];
			argv[2] = argv[0];
			argc -= 2;
			argv += 2;
		} else if (strncmp(argv[1], "--project=", 10) == 0) {
			ctx->project = argv[1] + 10;
			argv[1] = argv[0];
			argc--;
			argv++;
		} else {
			return cmd_usage(ctx, "unknown option '%s'", argv[1]);
		}
	}
	if (argc < 2)
		return cmd_usage(ctx, "expected a subcommand (register, list, show, alias, "
		    "history)");
	for (size_t i = 0; i < ARRAY_LEN(subcommands); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].exec(ctx, argc - 1, argv + 1);
	return cmd_usage(ctx, "unknown subcommand '%s' (register, list, show, alias, history)",
	    argv[1]);
}

const struct cmd_entry cmd_model_entry = {
	.name = "model",
	.args = "register RUN --name NAME | list [NAME] | show NAME[@V] | alias NAME@VERSION "
	    "ALIAS | history NAME  [--json]",
	.summary = "Register runs as model versions, move aliases, list them.",
	.help =
	    "subcommands:\n"
	    "  register RUN --name NAME   make run RUN the next version of model NAME (created\n"
	    "                             if new); a run is registered at most once per model.\n"
	    "                             Records the input schema (raw columns and kinds), the\n"
	    "                             output schema and an input example\n"
	    "  list [NAME]                every version of every model (or of NAME), with the\n"
	    "                             run, algorithm, dataset and the aliases naming it\n"
	    "  show NAME[@V|@ALIAS]       one version: schemas and input example\n"
	    "  alias NAME@VERSION ALIAS   point ALIAS (e.g. production, staging) at VERSION;\n"
	    "                             every move is recorded; a running 'lathe serve' of\n"
	    "                             NAME@ALIAS switches to it within a second\n"
	    "  history NAME               every alias move of NAME, oldest first\n"
	    "\n"
	    "model references: NAME (newest version), NAME@3 or NAME@v3 (a version),\n"
	    "NAME@ALIAS.  Names: letters, digits, '_', '-', '.', starting with a letter.\n"
	    "\n"
	    "options:\n"
	    "  -n, --name NAME      (register) the model's name\n"
	    "  --json               machine-readable output (shapes in docs/cli.md)\n",
	.exec = cmd_model_exec,
};
