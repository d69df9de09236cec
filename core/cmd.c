/*
 * cmd.c — helpers shared by the command files: common options, error and
 * usage reporting, opening the project.
 */
#include "cmd.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; cmd_table[i]; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

void
cmd_getopt_reset(void)
{
	optind = 0;	/* GNU: full re-initialisation */
	opterr = 0;
}

/*
 * Short options are derived from the long ones that have a single-letter
 * val; the string starts with ':' so a missing value is reported as ':'.
 */
int
cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const struct option *lo)
{
	char shortopts[128];
	size_t n = 0;

	shortopts[n++] = ':';
	for (const struct option *o = lo; o->name && n + 3 < sizeof shortopts; o++) {
		if (o->val < 'A' || o->val > 'z' || o->flag)
			continue;
		shortopts[n++] = (char)o->val;
		if (o->has_arg == required_argument)
			shortopts[n++] = ':';
	}
	shortopts[n] = '\0';
	int prev = optind ? optind : 1;
	int c = getopt_long(argc, argv, shortopts, lo, NULL);
	ctx->argv_opt = prev < argc ? argv[prev] : "";
	return c;
}

void
cmd_print_help(const struct cmd_entry *e, FILE *f)
{
	fprintf(f, "usage: lathe %s %s\n\n%s\n", e->name, e->args, e->summary);
	if (e->help && *e->help)
		fprintf(f, "\n%s", e->help);
	fprintf(f, "\ncommon options:\n"
	    "  -p, --project FILE   project file (default: $LATHE_PROJECT or ./project.lathe)\n"
	    "  -h, --help           show this help\n");
}

int
cmd_opt_common(struct cmd_ctx *ctx, int c, int *status)
{
	switch (c) {
	case 'p':
		ctx->project = optarg;
		return 0;
	case 'h':
		cmd_print_help(ctx->entry, stdout);
		*status = EXIT_OK;
		return 1;
	case ':':
		*status = cmd_usage(ctx, "option '%s' needs a value", ctx->argv_opt);
		return 1;
	default:
		*status = cmd_usage(ctx, "unknown option '%s'", ctx->argv_opt);
		return 1;
	}
}

int
cmd_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("lathe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USER;
}

int
cmd_fail_err(char *err)
{
	cmd_fail("%s", err ? err : "failed (out of memory)");
	free(err);
	return EXIT_USER;
}

int
cmd_usage(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lathe %s: ", ctx->entry->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: lathe %s %s\n", ctx->entry->name, ctx->entry->args);
	return EXIT_USAGE;
}

struct project *
cmd_open(const struct cmd_ctx *ctx)
{
	struct project *p = NULL;
	char *err = NULL;
	if (project_open(ctx->project, &p, &err) != 0) {
		cmd_fail_err(err);
		return NULL;
	}
	return p;
}

int
cmd_write_out(const char *s)
{
	if (fputs(s, stdout) == EOF || fflush(stdout) == EOF) {
		if (errno == EPIPE)
			return EXIT_OK;
		return cmd_fail("cannot write output: %s", strerror(errno));
	}
	return EXIT_OK;
}
