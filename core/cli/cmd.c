/*
 * cmd.c — helpers shared by the command files: common options, error and
 * usage reporting, opening the project.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/numarg.h"
#include "base/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
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
	int prev = optind ? optind : 1, li = -1;
	int c = getopt_long(argc, argv, shortopts, lo, &li);
	ctx->argv_opt = prev < argc ? argv[prev] : "";
	if (li >= 0)
		snprintf(ctx->opt_name, sizeof ctx->opt_name, "--%s", lo[li].name);
	else if (c > 0 && c < 128 && c != '?' && c != ':')
		snprintf(ctx->opt_name, sizeof ctx->opt_name, "-%c", c);
	else
		snprintf(ctx->opt_name, sizeof ctx->opt_name, "%s", ctx->argv_opt);
	return c;
}

/* "from 1 to 100", ">= 1", "<= 5" or "" (any). */
static void
int_range(char *buf, size_t n, long long min, long long max)
{
	if (min > LLONG_MIN && max < LLONG_MAX)
		snprintf(buf, n, " from %lld to %lld", min, max);
	else if (min > LLONG_MIN)
		snprintf(buf, n, " >= %lld", min);
	else if (max < LLONG_MAX)
		snprintf(buf, n, " <= %lld", max);
	else
		buf[0] = '\0';
}

int
cmd_optnum(struct cmd_ctx *ctx, const char *arg, long long min, long long max, long long *out)
{
	char range[64];
	if (numarg_int(arg, min, max, out) == 0)
		return 0;
	int_range(range, sizeof range, min, max);
	return cmd_usage(ctx, "option '%s' needs an integer%s, got '%s'", ctx->opt_name, range,
	    arg);
}

int
cmd_optlong(struct cmd_ctx *ctx, const char *arg, long min, long max, long *out)
{
	long long v;
	if (cmd_optnum(ctx, arg, min, max, &v) != 0)
		return EXIT_USAGE;
	*out = (long)v;
	return 0;
}

int
cmd_optreal(struct cmd_ctx *ctx, const char *arg, double min, int min_open, double max,
    int max_open, double *out)
{
	char range[96], lo[32], hi[32];
	if (numarg_real(arg, min, min_open, max, max_open, out) == 0)
		return 0;
	fmt_double(lo, min);
	fmt_double(hi, max);
	if (isfinite(min) && isfinite(max))
		snprintf(range, sizeof range, " in %c%s, %s%c", min_open ? '(' : '[', lo, hi,
		    max_open ? ')' : ']');
	else if (isfinite(min))
		snprintf(range, sizeof range, " %s %s", min_open ? ">" : ">=", lo);
	else if (isfinite(max))
		snprintf(range, sizeof range, " %s %s", max_open ? "<" : "<=", hi);
	else
		range[0] = '\0';
	return cmd_usage(ctx, "option '%s' needs a number%s, got '%s'", ctx->opt_name, range,
	    arg);
}

/* n bytes as the largest exact unit: "64m", "1024g", "100". */
static void
fmt_size(char *buf, size_t n, long long v)
{
	static const char units[] = "gmk";
	for (int i = 0; i < 3; i++) {
		int sh = 30 - 10 * i;
		if (v > 0 && v % (1LL << sh) == 0) {
			snprintf(buf, n, "%lld%c", v >> sh, units[i]);
			return;
		}
	}
	snprintf(buf, n, "%lld", v);
}

int
cmd_optsize(struct cmd_ctx *ctx, const char *arg, long long min, long long max, long long *out)
{
	char lo[32], hi[32];
	if (numarg_size(arg, min, max, out) == 0)
		return 0;
	fmt_size(lo, sizeof lo, min);
	fmt_size(hi, sizeof hi, max);
	return cmd_usage(ctx, "option '%s' needs a size in bytes from %s to %s (suffixes k, m, "
	    "g: KiB, MiB, GiB), got '%s'", ctx->opt_name, lo, hi, arg);
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
cmd_opts_json(struct cmd_ctx *ctx, int argc, char **argv, int *status)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	int c;
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_JSON)
			ctx->json = 1;
		else if (cmd_opt_common(ctx, c, status))
			return 1;
	}
	return 0;
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

/* A command that waits for another writer says so, once per holder. */
static void
cmd_on_lock_wait(void *ctx, const char *holder, double waited)
{
	static char told[200];
	(void)ctx;
	if (strcmp(told, holder) == 0)
		return;
	snprintf(told, sizeof told, "%s", holder);
	fprintf(stderr, "lathe: waiting for the project lock held by %s (%.0f s so far)\n",
	    holder, waited);
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
	project_set_lock_wait(p, p->lock_wait, cmd_on_lock_wait, NULL, NULL);
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

int
cmd_list_open(const struct cmd_ctx *ctx, struct jw *w, struct sbuf *b, const char *key,
    struct texttab **t, const char *const *hdr, size_t ncols, unsigned right)
{
	*t = NULL;
	if (ctx->json) {
		jw_init(w, b, 0);
		jw_obj(w);
		if (key) {
			jw_key(w, key);
			jw_arr(w);
		}
		return 0;
	}
	if ((*t = texttab_new(ncols)) == NULL)
		return cmd_fail("out of memory");
	texttab_header(*t, hdr);
	for (size_t j = 0; j < ncols && j < sizeof right * CHAR_BIT; j++)
		if (right & 1u << j)
			texttab_right(*t, j);
	return 0;
}

int
cmd_list_close(const struct cmd_ctx *ctx, struct jw *w, struct sbuf *b,
    const struct texttab *t, size_t nrows, const char *empty)
{
	if (ctx->json) {
		jw_arr_end(w);
		jw_obj_end(w);
		sbuf_putc(b, '\n');
	} else if (nrows == 0) {
		sbuf_puts(b, empty);
	} else if (texttab_render(t, b) != 0) {
		return cmd_fail("out of memory");
	}
	return 0;
}
