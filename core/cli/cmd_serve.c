/*
 * cmd_serve.c — `lathe serve`: parse the options into a serve_opts and
 * run the server (serve.c) until SIGINT or SIGTERM.
 */
#include "cmd.h"
#include "base/util.h"
#include "serve/serve.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_MODEL = OPT_LONG + 1, OPT_BUNDLE, OPT_HOST, OPT_PORT, OPT_TOKEN, OPT_THREADS,
	OPT_MAX_BODY, OPT_MAX_ROWS, OPT_MAX_DEPTH, OPT_TIMEOUT, OPT_MAX_CONNS, OPT_POLL, OPT_IO,
	OPT_LOG_SAMPLE, OPT_LOG_MAX, OPT_NO_LOG, OPT_HEAD_TIMEOUT, OPT_MAX_PER_IP,
};

static int
cmd_serve_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "token-file", required_argument, NULL, OPT_TOKEN },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "io", required_argument, NULL, OPT_IO },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "max-rows", required_argument, NULL, OPT_MAX_ROWS },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "header-timeout", required_argument, NULL, OPT_HEAD_TIMEOUT },
		{ "max-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
		{ "poll-ms", required_argument, NULL, OPT_POLL },
		{ "log-sample", required_argument, NULL, OPT_LOG_SAMPLE },
		{ "log-max-rate", required_argument, NULL, OPT_LOG_MAX },
		{ "no-log", no_argument, NULL, OPT_NO_LOG },
		{ "quiet", no_argument, NULL, 'q' },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct serve_opts o;
	const char **models = NULL, **bundles = NULL;
	char *err = NULL;
	long long v = 0;
	int c, rc = EXIT_USER;

	serve_opts_init(&o);
	if ((models = calloc((size_t)argc, sizeof *models)) == NULL ||
	    (bundles = calloc((size_t)argc, sizeof *bundles)) == NULL) {
		rc = cmd_fail("out of memory");
		goto out;
	}
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		const char *bad = NULL;
		int bad_num = 0;
		switch (c) {
		case OPT_MODEL: models[o.nmodels++] = optarg; break;
		case OPT_BUNDLE: bundles[o.nbundles++] = optarg; break;
		case OPT_HOST: o.host = optarg; break;
		case OPT_TOKEN: o.token_file = optarg; break;
		case 'q': o.quiet = 1; break;
		case OPT_PORT:
			bad_num = cmd_optnum(ctx, optarg, 0, 65535, &v);
			o.port = (int)v;
			break;
		case OPT_THREADS:
			bad_num = cmd_optnum(ctx, optarg, 0, 1024, &v);
			o.threads = (int)v;
			break;
		case OPT_IO:
			if (strcmp(optarg, "epoll") == 0)
				o.io = SERVE_IO_POOL;
			else if (strcmp(optarg, "threads") == 0)
				o.io = SERVE_IO_THREADS;
			else
				bad = "--io takes epoll or threads";
			break;
		case OPT_MAX_BODY:
			bad_num = cmd_optsize(ctx, optarg, 1, (long long)1 << 40, &v);
			o.max_body = (size_t)v;
			break;
		case OPT_MAX_ROWS:
			bad_num = cmd_optnum(ctx, optarg, 1, (long long)1 << 40, &v);
			o.max_rows = (size_t)v;
			break;
		case OPT_MAX_DEPTH:
			bad_num = cmd_optnum(ctx, optarg, 2, 1000, &v);
			o.max_depth = (int)v;
			break;
		case OPT_TIMEOUT:
			bad_num = cmd_optnum(ctx, optarg, 1, 86400, &v);
			o.timeout = (int)v;
			break;
		case OPT_MAX_CONNS:
			bad_num = cmd_optnum(ctx, optarg, 1, 1000000, &v);
			o.max_conns = (unsigned)v;
			break;
		case OPT_HEAD_TIMEOUT:
			bad_num = cmd_optnum(ctx, optarg, 1, 86400, &v);
			o.header_timeout = (int)v;
			break;
		case OPT_MAX_PER_IP:
			bad_num = cmd_optnum(ctx, optarg, 0, 1000000, &v);
			o.max_per_ip = (int)v;
			break;
		case OPT_POLL:
			bad_num = cmd_optnum(ctx, optarg, 10, 60000, &v);
			o.poll_ms = (int)v;
			break;
		case OPT_LOG_SAMPLE:
			bad_num = cmd_optreal(ctx, optarg, 0, 1, 1, 0, &o.log_rate);
			break;
		case OPT_LOG_MAX:
			bad_num = cmd_optnum(ctx, optarg, 1, 1000000, &v);
			o.log_max_per_sec = (int)v;
			break;
		case OPT_NO_LOG:
			o.log_rate = 0;
			break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				goto out;
		}
		if (bad) {
			rc = cmd_usage(ctx, "%s, got '%s'", bad, optarg);
			goto out;
		}
		if (bad_num) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind < argc) {
		rc = cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	o.models = models;
	o.bundles = bundles;
	/* bundles alone need no project */
	o.project = o.nbundles && o.nmodels == 0 ? NULL : ctx->project;
	if (serve_run(&o, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	rc = EXIT_OK;
out:
	free(models);
	free(bundles);
	return rc;
}

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.args = "[--model NAME[@ALIAS|@VERSION]]... [--bundle FILE]... [--host H] [--port P]\n"
	    "             [--token-file F] [--io threads|epoll] [--threads N] [--max-body SIZE]\n"
	    "             [--max-rows N] [--max-depth N] [--timeout S] [--header-timeout S]\n"
	    "             [--max-connections N] [--max-per-ip N] [--poll-ms MS] [-q]",
	.summary = "Serve models over HTTP (MLflow scoring and KServe V2 protocols).",
	.help =
	    "Loads each model (the project's only model when none is named), listens,\n"
	    "prints 'listening on http://HOST:PORT' and serves until SIGINT/SIGTERM,\n"
	    "finishing requests in flight.  The project is opened read-only; the\n"
	    "server records itself and its reloads in the tables servers and\n"
	    "server_events.  A model named by an alias (or by NAME alone, the newest\n"
	    "version) is reloaded within a second when the alias moves; if the new\n"
	    "version fails to load, the old one keeps serving and the failure is\n"
	    "logged and counted.  Endpoints, shapes and limits: docs/serving.md.\n"
	    "\n"
	    "  POST /invocations              MLflow scoring (JSON or CSV)\n"
	    "  GET  /ping /health /version    MLflow health and version\n"
	    "  GET  /v2 /v2/health/live /v2/health/ready\n"
	    "  GET  /v2/models/M[/versions/V][/ready]\n"
	    "  POST /v2/models/M[/versions/V]/infer\n"
	    "  GET  /metrics                  Prometheus text\n"
	    "\n"
	    "options:\n"
	    "  --model REF          serve NAME (newest version), NAME@ALIAS or NAME@VERSION;\n"
	    "                       repeat for several models (one reference per name)\n"
	    "  --bundle FILE        serve an exported bundle ('lathe export'); needs no\n"
	    "                       project\n"
	    "  --host H             address to bind (default 127.0.0.1: this machine\n"
	    "                       only; 0.0.0.0 or :: to accept other machines)\n"
	    "  --port P             port (default 8080; 0 picks a free one)\n"
	    "  --token-file F       require 'Authorization: Bearer TOKEN' with the token in\n"
	    "                       F (health endpoints stay open for probes)\n"
	    "  --io threads|epoll   a thread per connection (default: the fastest and\n"
	    "                       steadiest here), or epoll event loops on a pool of\n"
	    "                       --threads threads (bounds threads with many clients)\n"
	    "  --threads N          --io epoll: loop threads (default: one per CPU)\n"
	    "  --max-body SIZE      largest request body (default 64m; k/m/g suffixes): 413\n"
	    "  --max-rows N         most rows per request (default 100000): 413\n"
	    "  --max-depth N        deepest JSON nesting (default 32): 400\n"
	    "  --timeout S          a request body must arrive within S seconds (408) and\n"
	    "                       idle connections close after S seconds (default 10)\n"
	    "  --header-timeout S   a request line and headers must arrive within S seconds\n"
	    "                       of connecting (or of the previous answer), however\n"
	    "                       steadily they trickle in; else the connection is\n"
	    "                       closed (default: --timeout)\n"
	    "  --max-connections N  concurrent connections (default 1024); when all are\n"
	    "                       taken, a new client takes the slot of one still waiting\n"
	    "                       to send its request (docs/serving.md)\n"
	    "  --max-per-ip N       connections one client address may hold (IPv6: per /64;\n"
	    "                       default a quarter of --max-connections; 0: no cap)\n"
	    "  --poll-ms MS         how often to look for alias moves (default 200)\n"
	    "  --log-sample F       keep this fraction of predicted rows (inputs and outputs)\n"
	    "                       in the project's prediction_log, for 'lathe drift'\n"
	    "                       (default 0.01)\n"
	    "  --log-max-rate N     but at most N rows a second (default 100)\n"
	    "  --no-log             keep no prediction log\n"
	    "  -q, --quiet          no info lines on stderr (warnings and errors remain)\n",
	.exec = cmd_serve_exec,
};
