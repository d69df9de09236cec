/*
 * cmd_init.c — `lathe init`: create an empty project file.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"

static int
cmd_init_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	char *err = NULL;
	int c, rc;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_JSON:
			ctx->json = 1;
			break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind < argc)
		return cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (project_create(ctx->project, &p, &err) != 0)
		return cmd_fail_err(err);
	project_close(p);
	if (ctx->json) {
		struct sbuf b;
		struct jw w;
		sbuf_init(&b);
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "project");
		jw_str(&w, ctx->project);
		jw_key(&w, "schema_version");
		jw_int(&w, project_schema_version());
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
		rc = cmd_write_out(b.s);
		sbuf_free(&b);
		return rc;
	}
	printf("created %s (schema version %d)\n", ctx->project, project_schema_version());
	return EXIT_OK;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.args = "[--json]",
	.summary = "Create a new, empty project file.",
	.help =
	    "The project file is a single SQLite database (WAL mode) holding datasets,\n"
	    "recipes, runs and models.  init refuses to overwrite an existing file.\n"
	    "\n"
	    "options:\n"
	    "  --json               print {\"project\": PATH, \"schema_version\": N}\n",
	.exec = cmd_init_exec,
};
