/*
 * main.c — the lathe binary: global options, then dispatch through the
 * command table.  `lathe` with no command opens the workbench.
 */
#include "base/util.h"
#include "cli/cmd.h"
#include "linalg/linalg.h"
#include "tui/tui.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

extern const struct cmd_entry cmd_init_entry, cmd_import_entry, cmd_datasets_entry,
    cmd_describe_entry, cmd_head_entry, cmd_plugins_entry, cmd_train_entry,
    cmd_run_child_entry, cmd_runs_entry, cmd_show_entry, cmd_rerun_entry, cmd_predict_entry, cmd_recipe_entry,
    cmd_model_entry, cmd_serve_entry, cmd_export_entry, cmd_drift_entry,
    cmd_importance_entry, cmd_compare_entry;

const struct cmd_entry *const cmd_table[] = {
	&cmd_init_entry,
	&cmd_import_entry,
	&cmd_datasets_entry,
	&cmd_describe_entry,
	&cmd_head_entry,
	&cmd_recipe_entry,
	&cmd_train_entry,
	&cmd_runs_entry,
	&cmd_show_entry,
	&cmd_compare_entry,
	&cmd_importance_entry,
	&cmd_rerun_entry,
	&cmd_predict_entry,
	&cmd_model_entry,
	&cmd_serve_entry,
	&cmd_export_entry,
	&cmd_drift_entry,
	&cmd_plugins_entry,
	&cmd_run_child_entry,
	NULL,
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: lathe [-p FILE] [COMMAND [ARGS]]\n\n"
	    "lathe is a terminal workbench for machine-learning experiments: datasets,\n"
	    "feature recipes, training runs, comparisons and serving, in one project file.\n"
	    "With no command, lathe opens the workbench (the full-screen interface) on the\n"
	    "project; see docs/tui.md.\n\n"
	    "commands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		if (cmd_table[i]->name[0] != '_')
			fprintf(f, "  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f, "\nglobal options:\n"
	    "  -p, --project FILE   project file (default: $LATHE_PROJECT or ./project.lathe)\n"
	    "  -h, --help           this help; 'lathe COMMAND --help' for a command\n"
	    "  --version            print the version\n\n"
	    "exit status: 0 success, 1 error (message on stderr), 2 usage error\n");
}

static void
version(void)
{
	printf("lathe %s (sqlite %s)\n", LATHE_VERSION, sqlite3_libversion());
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx = { 0 };
	const char *env = getenv("LATHE_PROJECT");
	int i = 1;

	signal(SIGPIPE, SIG_IGN);	/* a closed pipe is EPIPE, handled per write */
	linalg_idle_threads();		/* BLAS threads start when BLAS is used */
	ctx.project = env && *env ? env : "project.lathe";
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-p") == 0 || strcmp(a, "--project") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "lathe: option '%s' needs a file\nusage: lathe [-p FILE] "
				    "[COMMAND [ARGS]]\n", a);
				return EXIT_USAGE;
			}
			ctx.project = argv[++i];
		} else if (strncmp(a, "--project=", 10) == 0) {
			ctx.project = a + 10;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			version();
			return EXIT_OK;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "lathe: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {	/* `lathe` alone: the workbench */
		const char *names[sizeof cmd_table / sizeof cmd_table[0]];
		size_t n = 0;
		for (size_t k = 0; cmd_table[k]; k++)
			if (cmd_table[k]->name[0] != '_')	/* __run is internal */
				names[n++] = cmd_table[k]->name;
		names[n] = NULL;
		return tui_main(ctx.project, names);
	}
	if (strcmp(argv[i], "help") == 0) {
		if (i + 1 < argc) {
			const struct cmd_entry *e = cmd_find(argv[i + 1]);
			if (e == NULL) {
				fprintf(stderr, "lathe: no command '%s'\nusage: lathe help [COMMAND]\n",
				    argv[i + 1]);
				return EXIT_USAGE;
			}
			cmd_print_help(e, stdout);
			return EXIT_OK;
		}
		usage(stdout);
		return EXIT_OK;
	}
	ctx.entry = cmd_find(argv[i]);
	if (ctx.entry == NULL) {
		fprintf(stderr, "lathe: no command '%s'\nusage: lathe [-p FILE] COMMAND [ARGS] "
		    "(commands: 'lathe --help')\n", argv[i]);
		return EXIT_USAGE;
	}
	return ctx.entry->exec(&ctx, argc - i, argv + i);
}
