/*
 * test_cmd.c — the command helpers every command shares: the option-number
 * parsers (one syntax for every number option, tmux's args_strtonum) and
 * their messages, and the option name cmd_getopt remembers for them.
 */
#include "testutil.h"
#include "base/numarg.h"
#include "cli/cmd.h"

#include <fcntl.h>
#include <math.h>

/* cmd.c's command lookup needs a table; main.c's is not linked here. */
static const struct cmd_entry fake_entry = {
	.name = "runs", .args = "[--limit N]", .summary = "", .help = "", .exec = NULL,
};
const struct cmd_entry *const cmd_table[] = { &fake_entry, NULL };

/* ---- the parsers, table-driven */

struct int_case {
	const char	*arg;
	long long	 min, max;
	int		 ok;
	long long	 want;
};

static void
test_parse_int(void **state)
{
	static const struct int_case cases[] = {
		{ "5", 1, 10, 1, 5 },
		{ "1", 1, 10, 1, 1 },
		{ "10", 1, 10, 1, 10 },
		{ "0", 1, 10, 0, 0 },			/* below min */
		{ "11", 1, 10, 0, 0 },			/* above max */
		{ "+7", 0, 10, 1, 7 },
		{ "007", 0, 10, 1, 7 },			/* decimal, not octal */
		{ "-3", -5, 5, 1, -3 },
		{ "-3", 0, 5, 0, 0 },
		{ "-0", 0, 5, 1, 0 },
		{ "abc", 0, LLONG_MAX, 0, 0 },		/* atol read these as 0 */
		{ "", 0, LLONG_MAX, 0, 0 },
		{ "-", 0, LLONG_MAX, 0, 0 },
		{ "+", 0, LLONG_MAX, 0, 0 },
		{ "0x10", 0, LLONG_MAX, 0, 0 },		/* no hex */
		{ "010x", 0, LLONG_MAX, 0, 0 },
		{ "12abc", 0, LLONG_MAX, 0, 0 },	/* atol read this as 12 */
		{ " 12", 0, LLONG_MAX, 0, 0 },		/* strtol skips the space */
		{ "12 ", 0, LLONG_MAX, 0, 0 },
		{ "1e3", 0, LLONG_MAX, 0, 0 },
		{ "1.0", 0, LLONG_MAX, 0, 0 },
		{ "1,000", 0, LLONG_MAX, 0, 0 },
		{ "inf", 0, LLONG_MAX, 0, 0 },
		{ "nan", 0, LLONG_MAX, 0, 0 },
		{ "9223372036854775807", 0, LLONG_MAX, 1, LLONG_MAX },
		{ "9223372036854775808", 0, LLONG_MAX, 0, 0 },	/* overflow */
		{ "-9223372036854775808", LLONG_MIN, 0, 1, LLONG_MIN },
		{ "-9223372036854775809", LLONG_MIN, 0, 0, 0 },
		{ "99999999999999999999999", 0, LLONG_MAX, 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct int_case *c = &cases[i];
		long long v = -12345;
		int rc = numarg_int(c->arg, c->min, c->max, &v);
		if (rc != (c->ok ? 0 : -1))
			fail_msg("'%s' in [%lld, %lld]: rc %d", c->arg, c->min, c->max, rc);
		if (c->ok && v != c->want)
			fail_msg("'%s': %lld, expected %lld", c->arg, v, c->want);
		if (!c->ok && v != -12345)
			fail_msg("'%s': refused but stored %lld", c->arg, v);
	}
}

struct real_case {
	const char	*arg;
	double		 min;
	int		 min_open;
	double		 max;
	int		 max_open;
	int		 ok;
	double		 want;
};

static void
test_parse_real(void **state)
{
	static const struct real_case cases[] = {
		{ "0.2", 0, 0, 1, 1, 1, 0.2 },
		{ "0", 0, 0, 1, 1, 1, 0 },		/* [0, 1) */
		{ "1", 0, 0, 1, 1, 0, 0 },
		{ "0", 0, 1, 1, 0, 0, 0 },		/* (0, 1] */
		{ "1", 0, 1, 1, 0, 1, 1 },
		{ "1.0000001", 0, 1, 1, 0, 0, 0 },
		{ "-0.1", 0, 0, 1, 1, 0, 0 },
		{ ".5", 0, 0, 1, 1, 1, 0.5 },
		{ "5.", 0, 0, 10, 0, 1, 5 },
		{ "+0.25", 0, 0, 1, 1, 1, 0.25 },
		{ "2.5e-1", 0, 0, 1, 1, 1, 0.25 },
		{ "25E-2", 0, 0, 1, 1, 1, 0.25 },
		{ "1e+0", 0, 0, 10, 0, 1, 1 },
		{ "1e", 0, 0, 10, 0, 0, 0 },
		{ "e1", 0, 0, 100, 0, 0, 0 },
		{ ".", 0, 0, 1, 1, 0, 0 },
		{ "", 0, 0, 1, 1, 0, 0 },
		{ "0x0.8p0", 0, 0, 1, 1, 0, 0 },	/* strtod reads hex floats */
		{ "inf", -INFINITY, 0, INFINITY, 0, 0, 0 },
		{ "-infinity", -INFINITY, 0, INFINITY, 0, 0, 0 },
		{ "nan", -INFINITY, 0, INFINITY, 0, 0, 0 },
		{ "1e999", -INFINITY, 0, INFINITY, 0, 0, 0 },	/* overflows to inf */
		{ " 0.5", 0, 0, 1, 1, 0, 0 },
		{ "0.5 ", 0, 0, 1, 1, 0, 0 },
		{ "0,5", 0, 0, 1, 1, 0, 0 },
		{ "0.5x", 0, 0, 1, 1, 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct real_case *c = &cases[i];
		double v = -12345;
		int rc = numarg_real(c->arg, c->min, c->min_open, c->max, c->max_open, &v);
		if (rc != (c->ok ? 0 : -1))
			fail_msg("'%s': rc %d", c->arg, rc);
		if (c->ok && v != c->want)
			fail_msg("'%s': %.17g, expected %.17g", c->arg, v, c->want);
		if (!c->ok && v != -12345)
			fail_msg("'%s': refused but stored %.17g", c->arg, v);
	}
}

static void
test_parse_size(void **state)
{
	static const struct int_case cases[] = {
		{ "100", 1, 1LL << 40, 1, 100 },
		{ "1k", 1, 1LL << 40, 1, 1024 },
		{ "1K", 1, 1LL << 40, 1, 1024 },
		{ "64m", 1, 1LL << 40, 1, 64LL << 20 },
		{ "1024g", 1, 1LL << 40, 1, 1LL << 40 },
		{ "1025g", 1, 1LL << 40, 0, 0 },
		{ "0", 1, 1LL << 40, 0, 0 },
		{ "1kb", 1, 1LL << 40, 0, 0 },
		{ "1t", 1, 1LL << 40, 0, 0 },
		{ "k", 1, 1LL << 40, 0, 0 },
		{ "", 1, 1LL << 40, 0, 0 },
		{ "-1", -10, 1LL << 40, 0, 0 },		/* no sign */
		{ "1.5m", 1, 1LL << 40, 0, 0 },
		{ "0x10", 1, 1LL << 40, 0, 0 },
		{ " 1k", 1, 1LL << 40, 0, 0 },
		{ "9999999999999999g", 1, LLONG_MAX, 0, 0 },	/* overflows when scaled */
		{ "99999999999999999999", 1, LLONG_MAX, 0, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct int_case *c = &cases[i];
		long long v = -12345;
		int rc = numarg_size(c->arg, c->min, c->max, &v);
		if (rc != (c->ok ? 0 : -1))
			fail_msg("'%s': rc %d", c->arg, rc);
		if (c->ok && v != c->want)
			fail_msg("'%s': %lld, expected %lld", c->arg, v, c->want);
	}
}

/* ---- the messages: stderr captured into a file */

static int saved_fd = -1;

static void
capture_begin(void)
{
	fflush(stderr);
	saved_fd = dup(2);
	int fd = open(tu_path("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved_fd >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
}

static const char *
capture_end(void)
{
	static char buf[1024];
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	FILE *f = fopen(tu_path("stderr"), "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_messages(void **state)
{
	struct cmd_ctx ctx = { .entry = &fake_entry };
	long long v = 7;
	double x = 7;
	(void)state;
	snprintf(ctx.opt_name, sizeof ctx.opt_name, "--limit");

	capture_begin();
	int rc = cmd_optnum(&ctx, "abc", 1, 1000000, &v);
	assert_string_equal(capture_end(), "lathe runs: option '--limit' needs an integer from 1 "
	    "to 1000000, got 'abc'\nusage: lathe runs [--limit N]\n");
	assert_int_equal(rc, EXIT_USAGE);
	assert_int_equal(v, 7);

	capture_begin();
	rc = cmd_optnum(&ctx, "0", 1, LLONG_MAX, &v);
	assert_string_equal(capture_end(), "lathe runs: option '--limit' needs an integer >= 1, "
	    "got '0'\nusage: lathe runs [--limit N]\n");
	assert_int_equal(rc, EXIT_USAGE);

	capture_begin();
	rc = cmd_optnum(&ctx, "42", 1, LLONG_MAX, &v);
	assert_string_equal(capture_end(), "");
	assert_int_equal(rc, 0);
	assert_int_equal(v, 42);

	snprintf(ctx.opt_name, sizeof ctx.opt_name, "--test-size");
	capture_begin();
	rc = cmd_optreal(&ctx, "1", 0, 0, 1, 1, &x);
	assert_string_equal(capture_end(), "lathe runs: option '--test-size' needs a number in "
	    "[0, 1), got '1'\nusage: lathe runs [--limit N]\n");
	assert_int_equal(rc, EXIT_USAGE);
	capture_begin();
	rc = cmd_optreal(&ctx, "x", 0, 1, INFINITY, 0, &x);
	assert_string_equal(capture_end(), "lathe runs: option '--test-size' needs a number > 0, "
	    "got 'x'\nusage: lathe runs [--limit N]\n");
	assert_int_equal(rc, EXIT_USAGE);
	assert_true(x == 7);

	snprintf(ctx.opt_name, sizeof ctx.opt_name, "--max-body");
	capture_begin();
	rc = cmd_optsize(&ctx, "1t", 1, 1LL << 40, &v);
	assert_string_equal(capture_end(), "lathe runs: option '--max-body' needs a size in bytes "
	    "from 1 to 1024g (suffixes k, m, g: KiB, MiB, GiB), got '1t'\n"
	    "usage: lathe runs [--limit N]\n");
	assert_int_equal(rc, EXIT_USAGE);
}

/* cmd_getopt names the option as the user typed it: long, short, with or
 * without '=' or a separate argument. */
static void
test_getopt_names(void **state)
{
	static const struct option lo[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "limit", required_argument, NULL, OPT_LONG + 1 },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	char a0[] = "x", a1[] = "-n5", a2[] = "--rows", a3[] = "7", a4[] = "--limit=abc",
	    a5[] = "--json", a6[] = "-n", a7[] = "8";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, NULL };
	static const struct { int c; const char *name, *arg; } want[] = {
		{ 'n', "-n", "5" }, { 'n', "--rows", "7" }, { OPT_LONG + 1, "--limit", "abc" },
		{ OPT_JSON, "--json", NULL }, { 'n', "-n", "8" },
	};
	struct cmd_ctx ctx = { .entry = &fake_entry };
	(void)state;
	cmd_getopt_reset();
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		int c = cmd_getopt(&ctx, 8, argv, lo);
		assert_int_equal(c, want[i].c);
		assert_string_equal(ctx.opt_name, want[i].name);
		if (want[i].arg)
			assert_string_equal(optarg, want[i].arg);
	}
	assert_int_equal(cmd_getopt(&ctx, 8, argv, lo), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_parse_real),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_getopt_names),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tu_cleanup();
	return rc;
}
