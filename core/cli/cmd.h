/*
 * core/cli/ — the subsystem's main header.  Owns the command-line face:
 * the command table contract and its option and error helpers (cmd), one
 * file per command (cmd_<name>.c) and text tables for people (texttab).
 * May use: every core/ subsystem; never tui/ (main.c, above both faces,
 * holds the table and opens the workbench).  The map of who may use whom
 * is in docs/architecture.md.
 *
 * cmd.h — the command table.  Each CLI command lives in its own file,
 * core/cli/cmd_<name>.c, and exports one const struct cmd_entry; main.c
 * gathers them into the table that dispatch, `lathe help` and the man
 * page follow.  Adding a command is adding a file and a row.
 *
 * Exit status contract: 0 success, 1 user error (one line on stderr naming
 * what was wrong), 2 usage error.
 */
#ifndef LATHE_CMD_H
#define LATHE_CMD_H

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include "base/util.h"	/* EXIT_* */
#include "store/project.h"

/* Long-only option values start here (no short alias). */
#define OPT_LONG	1000
#define OPT_JSON	(OPT_LONG + 0)

struct cmd_entry;

struct cmd_ctx {
	const struct cmd_entry	*entry;
	const char		*project;	/* -p / LATHE_PROJECT / ./project.lathe */
	int			 json;
	const char		*argv_opt;	/* option being parsed, for messages */
	char			 opt_name[64];	/* its name as typed: "--limit", "-n" */
};

struct cmd_entry {
	const char	*name;
	const char	*args;		/* usage after the name */
	const char	*summary;	/* one line for the command list */
	const char	*help;		/* options and details, for --help */
	int		(*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry	*cmd_find(const char *name);

/* Options every command accepts; append to a command's long options. */
#define CMD_COMMON_LONGOPTS \
	{ "project", required_argument, NULL, 'p' }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * Handle option c from getopt_long that the command itself did not: the
 * common options, or an unknown one.  Returns 0 to continue, or 1 when the
 * caller must return *status now (after --help, or a usage error).
 */
int	cmd_opt_common(struct cmd_ctx *ctx, int c, int *status);

/* The options of a command whose only own option is --json: parses them
 * all (from cmd_getopt_reset on), setting ctx->json.  Returns 0 to go on
 * (the arguments start at optind), or 1 when the caller must return
 * *status now, as cmd_opt_common. */
int	cmd_opts_json(struct cmd_ctx *ctx, int argc, char **argv, int *status);

/* getopt_long over a command's argv, with ':' for missing values and the
 * text of the offending option remembered for messages. */
int	cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const struct option *lo);

/*
 * Option numbers, as tmux's args_strtonum: every number option of every
 * command goes through one of these, so each accepts the same syntax and
 * refuses a bad value the same way.  The value is stored in *out and 0
 * returned; otherwise nothing is stored, the message
 *     lathe CMD: option '--limit' needs an integer >= 1, got 'abc'
 * and the usage line are printed, and EXIT_USAGE is returned for the
 * command to return.  The option named is the one cmd_getopt last
 * returned, as the user typed it.
 *
 * cmd_optnum:  a whole decimal integer: optional sign, digits, nothing
 *              else (no spaces, hex, exponent or fraction), in [min, max].
 * cmd_optreal: a decimal number: [+-]digits[.digits][e[+-]digits] (no hex,
 *              inf or nan), in the interval from min to max, each end
 *              excluded when its *_open flag is set; +-INFINITY for none.
 * cmd_optsize: a whole number of bytes with an optional k, m or g suffix
 *              (KiB, MiB, GiB), in [min, max] after scaling.
 */
int	cmd_optnum(struct cmd_ctx *ctx, const char *arg, long long min, long long max,
	    long long *out);
/* cmd_optnum into a long: 0, or EXIT_USAGE (said) with *out untouched. */
int	cmd_optlong(struct cmd_ctx *ctx, const char *arg, long min, long max, long *out);
int	cmd_optreal(struct cmd_ctx *ctx, const char *arg, double min, int min_open, double max,
	    int max_open, double *out);
int	cmd_optsize(struct cmd_ctx *ctx, const char *arg, long long min, long long max,
	    long long *out);
/* The parsing alone is numarg_*() (base/numarg.h). */

/* Print "lathe: <msg>" to stderr; returns EXIT_USER. */
int	cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the error string (and free it); returns EXIT_USER. */
int	cmd_fail_err(char *err);
/* Print "lathe CMD: <msg>" and the usage line; returns EXIT_USAGE. */
int	cmd_usage(const struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void	cmd_print_help(const struct cmd_entry *e, FILE *f);

/* Open the project named by ctx; on error prints it and returns NULL. */
struct project *cmd_open(const struct cmd_ctx *ctx);

/* Write s (NUL-terminated) to stdout; EXIT_USER on a write error. */
int	cmd_write_out(const char *s);

/*
 * A listing, printed as JSON ({"KEY": [item, ...]}) with --json, else as a
 * text table for people; the visitor that adds the items writes to w or
 * to *t, whichever the listing is.
 *
 * cmd_list_open: with ctx->json, starts the object on w over b and, when
 *   key is not NULL, the array "key" (with key NULL the caller writes its
 *   own members and opens the array); else *t is a new table with the
 *   header hdr[0..ncols-1], column j aligned right when bit j of right is
 *   set.  Returns 0, or EXIT_USER (out of memory, said).
 * cmd_list_close: ends the array and object and a line, or, with no rows,
 *   writes the line empty, or renders *t.  Returns 0, or EXIT_USER (out
 *   of memory, said).  The caller frees t (texttab_free) and b.
 */
struct jw;
struct sbuf;
struct texttab;
int	cmd_list_open(const struct cmd_ctx *ctx, struct jw *w, struct sbuf *b, const char *key,
	    struct texttab **t, const char *const *hdr, size_t ncols, unsigned right);
int	cmd_list_close(const struct cmd_ctx *ctx, struct jw *w, struct sbuf *b,
	    const struct texttab *t, size_t nrows, const char *empty);

/* A --recipe argument: a file if one exists by that name, else a stored
 * NAME[@V]; see cmd_recipe.c. */
int	cmd_resolve_recipe(struct project *p, const char *arg, char **text, char **origin,
	    char **name, int *version, char **err);

/* The permutation importance report (train/importance.h) as text for
 * people or as one JSON object, appended to b / w: `lathe importance` and
 * `lathe show --importance` print it alike (cmd_importance.c). */
struct importance;
void	cmd_importance_text(struct sbuf *b, const struct importance *im);
void	cmd_importance_json(struct jw *w, const struct importance *im);

/* `lathe runs SUBCOMMAND ...` (tag, note, archive, unarchive, delete;
 * cmd_runs_admin.c): when argv names one (after any -p FILE), runs it,
 * sets *status and returns 1; else returns 0 and `runs` lists. */
int	cmd_runs_admin_find(struct cmd_ctx *ctx, int argc, char **argv, int *status);

/* Reset getopt for a command's argv. */
void	cmd_getopt_reset(void);

#endif
