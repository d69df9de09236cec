/*
 * cmd_runs_admin.c — `lathe runs tag|note|archive|unarchive|delete`: run
 * housekeeping from the command line.  The records are run_admin.c's;
 * this file parses arguments and prints.  `lathe runs` itself (the
 * listing) is cmd_runs.c, which hands its argv here first.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/run.h"
#include "train/run_admin.h"

#include <stdlib.h>
#include <string.h>

/* Options of a subcommand (argv[0] is its name): --json, --vacuum where
 * allowed, and the common ones.  0 to go on (arguments from optind). */
static int
parse_opts(struct cmd_ctx *ctx, int argc, char **argv, int *vacuum, int *status)
{
	enum { OPT_VACUUM = OPT_LONG + 1 };
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "vacuum", no_argument, NULL, OPT_VACUUM },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	int c;
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_JSON)
			ctx->json = 1;
		else if (c == OPT_VACUUM && vacuum)
			*vacuum = 1;
		else if (c == OPT_VACUUM) {
			*status = cmd_usage(ctx, "'runs %s' takes no --vacuum", argv[0]);
			return 1;
		} else if (cmd_opt_common(ctx, c, status))
			return 1;
	}
	return 0;
}

/* The ids refs name (each already checked to exist), each once, in the
 * order given, into ids[] (n long); returns how many. */
static int
distinct_ids(char **refs, int n, int64_t *ids)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		int64_t id = 0, j;
		run_ref_parse(refs[i], &id, NULL);
		for (j = 0; j < m && ids[j] != id; j++)
			;
		if (j == m)
			ids[m++] = id;
	}
	return m;
}

/* "run 3" / "runs 3, 4 and 7". */
static void
put_ids(struct sbuf *b, char **refs, int n)
{
	int64_t *ids = malloc((size_t)n * sizeof *ids);
	if (ids == NULL) {
		b->oom = 1;
		return;
	}
	int m = distinct_ids(refs, n, ids);
	sbuf_puts(b, m == 1 ? "run " : "runs ");
	for (int i = 0; i < m; i++)
		sbuf_printf(b, "%s%lld", i == 0 ? "" : i == m - 1 ? " and " : ", ",
		    (long long)ids[i]);
	free(ids);
}

static void
json_ids(struct jw *w, struct sbuf *b, char **refs, int n)
{
	int64_t *ids = malloc((size_t)n * sizeof *ids);
	if (ids == NULL) {
		b->oom = 1;
		return;
	}
	int m = distinct_ids(refs, n, ids);
	jw_arr(w);
	for (int i = 0; i < m; i++)
		jw_int(w, ids[i]);
	jw_arr_end(w);
	free(ids);
}

static int
tag_visit(void *ctx, const char *key, const char *value)
{
	struct jw *w = ((void **)ctx)[0];
	struct sbuf *b = ((void **)ctx)[1];
	if (w) {
		jw_key(w, key);
		jw_str(w, value);
	} else {
		sbuf_printf(b, " %s=%s", key, value);
	}
	return 0;
}

static int
runs_tag(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct sbuf b;
	struct jw w;
	char *err = NULL;
	int rc = EXIT_USER;

	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if (argc - optind < 2)
		return cmd_usage(ctx, "'runs tag' expects a run and KEY=VALUE (or KEY= to remove)");
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	sbuf_init(&b);
	const char *ref = argv[optind];
	if (run_tags_edit(p, ref, (const char *const *)argv + optind + 1,
	    (size_t)(argc - optind - 1), &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	int64_t id = 0;
	run_ref_parse(ref, &id, NULL);
	void *vc[2] = { ctx->json ? &w : NULL, &b };
	if (ctx->json) {
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "run"); jw_int(&w, id);
		jw_key(&w, "tags");
		jw_obj(&w);
	} else {
		sbuf_printf(&b, "run %lld tags:", (long long)id);
	}
	size_t before = b.len;
	if (run_tags_visit(p, id, tag_visit, vc, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json) {
		jw_obj_end(&w);
		jw_obj_end(&w);
	} else if (b.len == before) {
		sbuf_puts(&b, " none");
	}
	sbuf_putc(&b, '\n');
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static int
runs_note(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct sbuf text, b;
	char *err = NULL;
	int rc = EXIT_USER;

	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if (argc - optind < 2)
		return cmd_usage(ctx, "'runs note' expects a run and the note's text ('' clears it)");
	sbuf_init(&text);
	sbuf_init(&b);
	/* the words of an unquoted note, joined as the shell split them */
	for (int i = optind + 1; i < argc; i++)
		sbuf_printf(&text, "%s%s", i > optind + 1 ? " " : "", argv[i]);
	if (text.oom) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	if ((p = cmd_open(ctx)) == NULL)
		goto out;
	const char *ref = argv[optind];
	if (run_note_set(p, ref, text.s ? text.s : "", &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	int64_t id = 0;
	run_ref_parse(ref, &id, NULL);
	int set = text.s && *text.s;
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "run"); jw_int(&w, id);
		jw_key(&w, "note"); jw_str(&w, set ? text.s : NULL);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		sbuf_printf(&b, "run %lld: note %s\n", (long long)id, set ? "set" : "cleared");
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&text);
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static int
runs_archive_common(struct cmd_ctx *ctx, int argc, char **argv, int archived)
{
	struct project *p = NULL;
	struct sbuf b;
	char *err = NULL;
	size_t changed = 0;
	int rc = EXIT_USER;

	if (parse_opts(ctx, argc, argv, NULL, &rc))
		return rc;
	if (argc - optind < 1)
		return cmd_usage(ctx, "'runs %s' expects one or more runs", argv[0]);
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	sbuf_init(&b);
	int n = argc - optind;
	char **refs = argv + optind;
	if (run_archive_set(p, (const char *const *)refs, (size_t)n, archived, &changed,
	    &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "runs"); json_ids(&w, &b, refs, n);
		jw_key(&w, "archived"); jw_bool(&w, archived);
		jw_key(&w, "changed"); jw_int(&w, (int64_t)changed);
		jw_obj_end(&w);
	} else {
		sbuf_puts(&b, archived ? "archived " : "unarchived ");
		put_ids(&b, refs, n);
		if (changed == 0)
			sbuf_printf(&b, " (nothing changed: %s)", archived ? "already archived" :
			    "not archived");
	}
	sbuf_putc(&b, '\n');
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static int
runs_archive(struct cmd_ctx *ctx, int argc, char **argv)
{
	return runs_archive_common(ctx, argc, argv, 1);
}

static int
runs_unarchive(struct cmd_ctx *ctx, int argc, char **argv)
{
	return runs_archive_common(ctx, argc, argv, 0);
}

static void
put_bytes(struct sbuf *b, long long n)
{
	if (n < 1024)
		sbuf_printf(b, "%lld byte%s", n, n == 1 ? "" : "s");
	else if (n < 1024 * 1024)
		sbuf_printf(b, "%.1f KiB", (double)n / 1024);
	else
		sbuf_printf(b, "%.1f MiB", (double)n / (1024 * 1024));
}

static int
runs_delete(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	struct sbuf b;
	char *err = NULL;
	long long freed = 0;
	int rc = EXIT_USER, vacuum = 0;

	if (parse_opts(ctx, argc, argv, &vacuum, &rc))
		return rc;
	if (argc - optind < 1)
		return cmd_usage(ctx, "'runs %s' expects one or more runs", argv[0]);
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	sbuf_init(&b);
	run_reap_dead(p, NULL, NULL);	/* a dead "running" run is failed, so deletable */
	int n = argc - optind;
	char **refs = argv + optind;
	if (run_delete(p, (const char *const *)refs, (size_t)n, vacuum, &freed, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "deleted"); json_ids(&w, &b, refs, n);
		jw_key(&w, "artifact_bytes"); jw_int(&w, freed);
		jw_key(&w, "vacuumed"); jw_bool(&w, vacuum);
		jw_obj_end(&w);
	} else {
		sbuf_puts(&b, "deleted ");
		put_ids(&b, refs, n);
		sbuf_puts(&b, " (");
		put_bytes(&b, freed);
		sbuf_puts(&b, vacuum ? " of artifacts; project vacuumed)" : " of artifacts)");
	}
	sbuf_putc(&b, '\n');
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	project_close(p);
	return rc;
}

static const struct {
	const char	*name;
	int		(*exec)(struct cmd_ctx *, int, char **);
} subcommands[] = {
	{ "tag", runs_tag },
	{ "note", runs_note },
	{ "archive", runs_archive },
	{ "unarchive", runs_unarchive },
	{ "delete", runs_delete },
	{ "rm", runs_delete },
};

int
cmd_runs_admin_find(struct cmd_ctx *ctx, int argc, char **argv, int *status)
{
	/* -p FILE may come before the subcommand, as for `model` */
	int i = 1;
	const char *project = NULL;
	while (i < argc) {
		if ((strcmp(argv[i], "-p") == 0 || strcmp(argv[i], "--project") == 0) &&
		    i + 1 < argc) {
			project = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--project=", 10) == 0) {
			project = argv[i] + 10;
			i++;
		} else {
			break;
		}
	}
	if (i >= argc)
		return 0;
	for (size_t k = 0; k < ARRAY_LEN(subcommands); k++)
		if (strcmp(argv[i], subcommands[k].name) == 0) {
			if (project)
				ctx->project = project;
			/* the subcommand's own argv: its name, then what follows */
			*status = subcommands[k].exec(ctx, argc - i, argv + i);
			return 1;
		}
	return 0;
}
