/*
 * cmd_export.c — `lathe export NAME[@V] -o FILE`: write a registered
 * model version as a self-contained bundle (bundle.c) for
 * `lathe serve --bundle FILE`.
 */
#include "cmd.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "registry/bundle.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_FORMAT = OPT_LONG + 1 };

static int
cmd_export_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct project *p = NULL;
	struct bundle b = { 0 };
	const char *outpath = NULL, *format = "bundle";
	char *err = NULL;
	int c, rc = EXIT_USER;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case 'o': outpath = optarg; break;
		case OPT_FORMAT: format = optarg; break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind != argc - 1)
		return cmd_usage(ctx, "expected one model (NAME, NAME@VERSION or NAME@ALIAS)");
	if (outpath == NULL)
		return cmd_usage(ctx, "needs -o FILE");
	if (strcmp(format, "onnx") == 0)
		return cmd_fail("--format onnx is not supported: a lathe model is a plugin's own "
		    "payload plus a fitted recipe, and no plugin has an ONNX exporter yet; use "
		    "--format bundle and 'lathe serve --bundle FILE'");
	if (strcmp(format, "bundle") != 0)
		return cmd_usage(ctx, "unknown format '%s' (bundle or onnx)", format);
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (bundle_export(p, argv[optind], outpath, &b, &err) != 0) {
		rc = cmd_fail_err(err);
		goto out;
	}
	struct sbuf sb;
	sbuf_init(&sb);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &sb, 0);
		jw_obj(&w);
		jw_key(&w, "file"); jw_str(&w, outpath);
		jw_key(&w, "format"); jw_str(&w, "bundle");
		jw_key(&w, "bundle_format"); jw_int(&w, b.format);
		jw_key(&w, "model"); jw_str(&w, b.name);
		jw_key(&w, "version"); jw_int(&w, b.version);
		jw_key(&w, "run"); jw_int(&w, b.run_id);
		jw_key(&w, "algo"); jw_str(&w, b.algo);
		jw_key(&w, "plugin_version"); jw_str(&w, b.plugin_version);
		jw_key(&w, "plugin_sha256"); jw_str(&w, b.plugin_sha256);
		jw_key(&w, "model_sha256"); jw_str(&w, b.model_sha256);
		jw_key(&w, "model_bytes"); jw_int(&w, (int64_t)b.model_len);
		jw_obj_end(&w);
		sbuf_putc(&sb, '\n');
	} else {
		sbuf_printf(&sb, "exported %s@%d (run %lld, %s %s) to %s\n", b.name, b.version,
		    (long long)b.run_id, b.algo, b.plugin_version, outpath);
	}
	rc = sb.oom ? cmd_fail("out of memory") : cmd_write_out(sb.s);
	sbuf_free(&sb);
out:
	bundle_clear(&b);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_export_entry = {
	.name = "export",
	.args = "NAME[@VERSION|@ALIAS] -o FILE [--format bundle|onnx] [--json]",
	.summary = "Write a registered model version as a self-contained bundle file.",
	.help =
	    "The bundle (a small SQLite file) holds the model payload and its SHA-256,\n"
	    "the fitted recipe, class labels, input and output schemas, the input\n"
	    "example and the plugin's name, version and SHA-256.  Serve it anywhere\n"
	    "the plugin is installed with 'lathe serve --bundle FILE' (no project\n"
	    "needed).  FILE is replaced atomically.\n"
	    "\n"
	    "options:\n"
	    "  -o, --output FILE    where to write the bundle (required)\n"
	    "  --format F           bundle (default); onnx is part of the interface but\n"
	    "                       not supported yet, and is refused with the reason\n"
	    "  --json               print {\"file\", \"format\", \"bundle_format\", \"model\",\n"
	    "                       \"version\", \"run\", \"algo\", \"plugin_version\",\n"
	    "                       \"plugin_sha256\", \"model_sha256\", \"model_bytes\"}\n",
	.exec = cmd_export_exec,
};
