/*
 * cmd_import.c — `lathe import FILE.csv`: read a CSV file, profile it and
 * store it as the next version of a dataset (or find that this content is
 * already stored).  Nothing is written unless the whole file was read
 * without error; the write itself is one transaction.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "ingest/csv_import.h"
#include "ingest/profile.h"
#include "store/dataset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_NAME = OPT_LONG + 1, OPT_DELIM, OPT_HEADER, OPT_NOHEADER, OPT_NA, OPT_THREADS,
	OPT_QUIET };

static int
parse_delimiter(const char *s, int *d)
{
	static const struct { const char *name; int c; } names[] = {
		{ "comma", ',' }, { "semicolon", ';' }, { "tab", '\t' }, { "\\t", '\t' },
		{ "pipe", '|' }, { "space", ' ' },
	};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*d = names[i].c;
			return 0;
		}
	if (strlen(s) == 1 && s[0] != '"' && s[0] != '\n' && s[0] != '\r') {
		*d = (unsigned char)s[0];
		return 0;
	}
	return -1;
}

static char *
options_json(const struct import_info *info, const struct import_opts *o)
{
	struct sbuf b;
	struct jw w;
	char d[8];

	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	d[0] = (char)info->delimiter;
	d[1] = '\0';
	jw_key(&w, "delimiter");
	jw_str(&w, d);
	jw_key(&w, "header");
	jw_bool(&w, info->header);
	jw_key(&w, "bom");
	jw_bool(&w, info->bom);
	jw_key(&w, "na");
	jw_arr(&w);
	jw_str(&w, "");
	for (size_t i = 0; i < csv_default_nna; i++)
		jw_str(&w, csv_default_na[i]);
	for (size_t i = 0; i < o->nna; i++)
		jw_str(&w, o->na[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	return sbuf_detach(&b);
}

struct profile_job {
	struct table	*t;
	int		 threads;
	int		 rc;
	char		*err;
	char		 hash[65];
};

static void *
profile_thread(void *arg)
{
	struct profile_job *pj = arg;
	pj->rc = profile_stats(pj->t, pj->threads, &pj->err);
	return NULL;
}

/*
 * Profile t and store it.  The statistics and hash are computed on other
 * threads while this one writes the values inside the open transaction;
 * the column rows and hash follow once both are done.
 */
static int
store(struct project *p, const char *name, struct table *t, const char *path,
    int64_t bytes, const char *opts, int threads, char hash[65], int *version,
    int *created, char **err)
{
	struct profile_job pj = { .t = t, .threads = threads };
	struct ds_writer *w = NULL;
	unsigned char *isnum = calloc(t->ncols, 1);
	pthread_t tid;
	int rc, threaded;

	if (isnum == NULL)
		return err_set(err, "out of memory");
	for (size_t j = 0; j < t->ncols; j++)
		isnum[j] = t->cols[j].kind == COL_NUMERIC;
	threaded = pthread_create(&tid, NULL, profile_thread, &pj) == 0;
	if (!threaded)
		profile_thread(&pj);
	double a = time_mono();
	rc = dataset_write_begin(p, name, t, isnum, path, bytes, opts, &w, err);
	/* the content hash here too, while the statistics threads finish */
	if (rc == 0 && profile_hashes(t, isnum) != 0)
		rc = err_set(err, "out of memory hashing columns");
	double b = time_mono();
	if (threaded)
		pthread_join(tid, NULL);
	if (rc == 0 && pj.rc == 0)
		profile_table_hash(t, pj.hash);
	if (getenv("LATHE_TIMING"))
		fprintf(stderr, "timing: write %.3fs, profile done %.3fs later\n", b - a, time_mono() - b);
	free(isnum);
	if (pj.rc != 0) {
		dataset_write_abort(w);
		err_set(err, "%s", pj.err ? pj.err : "out of memory");
		free(pj.err);
		return -1;
	}
	if (rc != 0)
		return -1;
	memcpy(hash, pj.hash, 65);
	double c = time_mono();
	rc = dataset_write_finish(w, t, hash, version, created, err);
	if (getenv("LATHE_TIMING"))
		fprintf(stderr, "timing: finish+commit %.3fs\n", time_mono() - c);
	return rc;
}

static int
cmd_import_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "delimiter", required_argument, NULL, OPT_DELIM },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "no-header", no_argument, NULL, OPT_NOHEADER },
		{ "na", required_argument, NULL, OPT_NA },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct import_opts o = { .header = -1 };
	struct import_info info;
	struct project *p = NULL;
	struct table *t = NULL;
	const char *name_opt = NULL, *path;
	char *name = NULL, *err = NULL, *opts = NULL, hash[65];
	int c, rc = EXIT_USER, quiet = 0, version, created;
	double t0 = time_mono();

	o.progress = 1;
	o.na = calloc((size_t)argc, sizeof *o.na);
	if (o.na == NULL)
		return cmd_fail("out of memory");
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_NAME:
			name_opt = optarg;
			break;
		case OPT_DELIM:
			if (parse_delimiter(optarg, &o.delimiter) != 0) {
				rc = cmd_usage(ctx, "bad delimiter '%s' (expected one character, "
				    "or comma, semicolon, tab, pipe)", optarg);
				goto out;
			}
			break;
		case OPT_HEADER:
			o.header = 1;
			break;
		case OPT_NOHEADER:
			o.header = 0;
			break;
		case OPT_NA:
			o.na[o.nna++] = optarg;
			break;
		case OPT_THREADS: {
			long long nt;
			if (cmd_optnum(ctx, optarg, 1, 64, &nt) != 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			o.threads = (int)nt;
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case OPT_JSON:
			ctx->json = 1;
			break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				goto out;
		}
	}
	if (optind != argc - 1) {
		rc = cmd_usage(ctx, optind < argc ? "expected one file, got several"
		    : "missing the CSV file to import");
		goto out;
	}
	path = argv[optind];
	if (name_opt) {
		if (!dataset_name_valid(name_opt)) {
			rc = cmd_fail("bad dataset name '%s' (expected letters, digits, '_', '-' or "
			    "'.', starting with a letter or digit, at most 64)", name_opt);
			goto out;
		}
		name = str_dup(name_opt);
	} else {
		name = dataset_name_from_path(path);
	}
	if (name == NULL) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	if (quiet || ctx->json)
		o.progress = 0;
	if ((p = cmd_open(ctx)) == NULL)
		goto out;
	double tp0 = time_mono();
	if (csv_import(path, &o, &t, &info, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	double tp1 = time_mono();
	if ((opts = options_json(&info, &o)) == NULL) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	/* profile and hash on worker threads while this one writes the chunks */
	if (store(p, name, t, path, (int64_t)info.bytes, opts, o.threads, hash, &version,
	    &created, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	double tp2 = time_mono();
	double secs = time_mono() - t0;
	if (getenv("LATHE_TIMING"))
		fprintf(stderr, "timing: open %.3fs parse %.3fs (%d threads, %d passes) "
		    "profile+store %.3fs\n", tp0 - t0, tp1 - tp0, info.threads,
		    info.passes, tp2 - tp1);
	size_t kinds[3] = { 0, 0, 0 };
	for (size_t j = 0; j < t->ncols; j++)
		kinds[t->cols[j].kind]++;
	if (ctx->json) {
		struct sbuf b;
		struct jw w;
		char d[8];
		sbuf_init(&b);
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, name);
		jw_key(&w, "version"); jw_int(&w, version);
		jw_key(&w, "created"); jw_bool(&w, created);
		jw_key(&w, "rows"); jw_int(&w, (int64_t)t->nrows);
		jw_key(&w, "columns"); jw_int(&w, (int64_t)t->ncols);
		jw_key(&w, "hash"); jw_str(&w, hash);
		d[0] = (char)info.delimiter;
		d[1] = '\0';
		jw_key(&w, "delimiter"); jw_str(&w, d);
		jw_key(&w, "header"); jw_bool(&w, info.header);
		jw_key(&w, "seconds"); jw_num(&w, secs);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
		rc = cmd_write_out(b.s);
		sbuf_free(&b);
		goto out;
	}
	if (!created) {
		if (!quiet)
			printf("%s@%d unchanged: %s has the same content\n", name, version, path);
	} else if (!quiet) {
		printf("imported %s@%d: %zu rows x %zu columns (%zu numeric, %zu categorical, "
		    "%zu text) in %.2fs\n", name, version, t->nrows, t->ncols, kinds[0],
		    kinds[1], kinds[2], secs);
		int any = 0;
		for (size_t j = 0; j < t->ncols; j++)
			if (t->cols[j].st.likely_label) {
				printf("%s %s", any ? "," : "likely class labels:", t->cols[j].name);
				any = 1;
			}
		if (any)
			printf("\n");
	}
	rc = EXIT_OK;
out:
	table_free(t);
	project_close(p);
	free(name);
	free(opts);
	free(o.na);
	return rc;
}

const struct cmd_entry cmd_import_entry = {
	.name = "import",
	.args = "FILE.csv [--name NAME] [--delimiter C] [--header | --no-header] [--na TOKEN]... "
	    "[--threads N] [-q] [--json]",
	.summary = "Import a CSV file as a new, immutable version of a dataset.",
	.help =
	    "The file is parsed (RFC 4180 quoting; LF, CRLF or CR line endings; UTF-8, with\n"
	    "or without a byte-order mark), every column typed and profiled, and stored as\n"
	    "NAME@N.  Importing content identical to a stored version of NAME creates\n"
	    "nothing and reports that version.  Any error leaves the project unchanged.\n"
	    "\n"
	    "options:\n"
	    "  --name NAME          dataset name (default: the file name without extension)\n"
	    "  --delimiter C        field delimiter: one character, or comma, semicolon, tab,\n"
	    "                       pipe (default: sniffed among , ; TAB |)\n"
	    "  --header             the first line holds column names (default: detected)\n"
	    "  --no-header          the first line is data; columns are named col1, col2, ...\n"
	    "  --na TOKEN           also treat TOKEN as missing (repeatable); always missing:\n"
	    "                       the empty cell, NA, N/A, null, NaN, ?\n"
	    "  --threads N          parser threads (default: one per CPU, for files > 4 MB)\n"
	    "  -q, --quiet          print nothing on success\n"
	    "  --json               print {\"name\", \"version\", \"created\", \"rows\", \"columns\",\n"
	    "                       \"hash\", \"delimiter\", \"header\", \"seconds\"}\n",
	.exec = cmd_import_exec,
};
