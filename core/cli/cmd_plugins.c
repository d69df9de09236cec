/*
 * cmd_plugins.c — `lathe plugins`: what loaded, with its parameter schema,
 * and what was refused and why.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "train/params.h"
#include "train/plugin.h"

#include <math.h>
#include <stdlib.h>

static const char *const type_names[] = { "int", "real", "bool", "choice" };

static void
tasks_json(struct jw *w, unsigned tasks)
{
	jw_arr(w);
	for (unsigned t = 1; t <= 8; t <<= 1)
		if (tasks & t)
			jw_str(w, task_name(t));
	jw_arr_end(w);
}

static void
spec_json(struct jw *w, const struct lathe_param_spec *p)
{
	jw_obj(w);
	jw_key(w, "name"); jw_str(w, p->name);
	jw_key(w, "type"); jw_str(w, type_names[p->type]);
	jw_key(w, "default");
	if (p->type == LATHE_PARAM_CHOICE)
		jw_str(w, p->def_choice);
	else if (p->type == LATHE_PARAM_BOOL)
		jw_bool(w, p->def != 0);
	else
		jw_num(w, p->def);
	if (p->type == LATHE_PARAM_INT || p->type == LATHE_PARAM_REAL) {
		jw_key(w, "min");
		if (p->has_min) jw_num(w, p->min); else jw_null(w);
		jw_key(w, "min_exclusive"); jw_bool(w, p->has_min && p->exclusive_min);
		jw_key(w, "max");
		if (p->has_max) jw_num(w, p->max); else jw_null(w);
		jw_key(w, "log_scale"); jw_bool(w, p->log_scale);
	}
	if (p->type == LATHE_PARAM_CHOICE) {
		jw_key(w, "choices");
		jw_arr(w);
		for (const char *const *c = p->choices; *c; c++)
			jw_str(w, *c);
		jw_arr_end(w);
	}
	jw_key(w, "help"); jw_str(w, p->help ? p->help : "");
	jw_obj_end(w);
}

static int
cmd_plugins_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, 'v' },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	struct plugin_set *s = NULL;
	struct sbuf b;
	char *err = NULL;
	int c, rc = EXIT_USER, verbose = 0;

	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		if (c == OPT_JSON)
			ctx->json = 1;
		else if (c == 'v')
			verbose = 1;
		else if (cmd_opt_common(ctx, c, &rc))
			return rc;
	}
	if (optind < argc)
		return cmd_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (plugin_set_load(&s, &err) != 0)
		return cmd_fail_err(err);
	sbuf_init(&b);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "plugins");
		jw_arr(&w);
		for (size_t i = 0; i < s->n; i++) {
			const struct lathe_plugin *d = s->v[i].desc;
			jw_obj(&w);
			jw_key(&w, "name"); jw_str(&w, d->name);
			jw_key(&w, "version"); jw_str(&w, d->version);
			jw_key(&w, "description"); jw_str(&w, d->description);
			jw_key(&w, "tasks"); tasks_json(&w, d->tasks);
			jw_key(&w, "path"); jw_str(&w, s->v[i].path);
			char abi[24];
			snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
			jw_key(&w, "abi"); jw_str(&w, abi);
			jw_key(&w, "model_format"); jw_int(&w, d->model_format);
			jw_key(&w, "params");
			jw_arr(&w);
			for (size_t k = 0; k < d->nparams; k++)
				spec_json(&w, plugin_param(d, k));
			jw_arr_end(&w);
			/* what it takes natively (ABI 1.2; older plugins: none) */
			jw_key(&w, "capabilities");
			jw_arr(&w);
			if (plugin_caps(d) & LATHE_CAP_MISSING)
				jw_str(&w, "missing");
			if (plugin_caps(d) & LATHE_CAP_CATEGORICAL)
				jw_str(&w, "categorical");
			jw_arr_end(&w);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "refused");
		jw_arr(&w);
		for (size_t i = 0; i < s->nbad; i++) {
			jw_obj(&w);
			jw_key(&w, "path"); jw_str(&w, s->bad[i].path);
			jw_key(&w, "reason"); jw_str(&w, s->bad[i].reason);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "search_path");
		jw_arr(&w);
		for (size_t i = 0; i < s->ndirs; i++)
			jw_str(&w, s->dirs[i]);
		jw_arr_end(&w);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		static const char *const hdr[] = { "PLUGIN", "VERSION", "TASKS", "DESCRIPTION", "PATH" };
		struct texttab *t = texttab_new(5);
		if (t == NULL) {
			rc = cmd_fail("out of memory");
			goto out;
		}
		texttab_header(t, hdr);
		texttab_limit(t, 4, 60);
		texttab_limit(t, 3, 50);
		for (size_t i = 0; i < s->n; i++) {
			const struct lathe_plugin *d = s->v[i].desc;
			struct sbuf tk;
			sbuf_init(&tk);
			for (unsigned m = 1; m <= 8; m <<= 1)
				if (d->tasks & m)
					sbuf_printf(&tk, "%s%s", tk.len ? "," : "", task_name(m));
			texttab_cell(t, d->name);
			texttab_cell(t, d->version);
			texttab_cell(t, tk.s);
			texttab_cell(t, d->description);
			texttab_cell(t, s->v[i].path);
			sbuf_free(&tk);
		}
		if (s->n == 0)
			sbuf_puts(&b, "no plugins loaded\n");
		else if (texttab_render(t, &b) != 0)
			b.oom = 1;
		texttab_free(t);
		if (verbose)
			for (size_t i = 0; i < s->n; i++) {
				const struct lathe_plugin *d = s->v[i].desc;
				sbuf_printf(&b, "\n%s parameters:\n", d->name);
				for (size_t k = 0; k < d->nparams; k++) {
					const struct lathe_param_spec *p = plugin_param(d, k);
					char allowed[160], def[32];
					params_describe(p, allowed, sizeof allowed);
					if (p->type == LATHE_PARAM_CHOICE)
						snprintf(def, sizeof def, "%s", p->def_choice);
					else if (p->type == LATHE_PARAM_BOOL)
						snprintf(def, sizeof def, "%s", p->def ? "true" : "false");
					else
						fmt_double(def, p->def);
					sbuf_printf(&b, "  %-14s default %-10s %s%s — %s\n", p->name, def,
					    allowed, p->log_scale ? ", log scale" : "", p->help ? p->help : "");
				}
			}
		if (s->nbad)
			sbuf_puts(&b, "\nrefused:\n");
		for (size_t i = 0; i < s->nbad; i++)
			sbuf_printf(&b, "  %s: %s\n", s->bad[i].path, s->bad[i].reason);
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
out:
	sbuf_free(&b);
	plugin_set_free(s);
	return rc;
}

const struct cmd_entry cmd_plugins_entry = {
	.name = "plugins",
	.args = "[-v] [--json]",
	.summary = "List the algorithm plugins that loaded, and those refused and why.",
	.help =
	    "Plugins are searched in $LATHE_PLUGIN_PATH (colon-separated), then\n"
	    "~/.local/share/lathe/plugins (or $XDG_DATA_HOME/lathe/plugins), then the install\n"
	    "directory, then the build tree next to the binary.  The first plugin of a name\n"
	    "wins; later ones are refused as duplicates.\n"
	    "\n"
	    "options:\n"
	    "  -v, --verbose        also list every plugin's parameters\n"
	    "  --json               print {\"plugins\": [{\"name\", \"version\", \"description\",\n"
	    "                       \"tasks\", \"path\", \"abi\", \"model_format\", \"params\": [{\"name\",\n"
	    "                       \"type\", \"default\", \"min\", \"min_exclusive\", \"max\",\n"
	    "                       \"log_scale\", \"choices\", \"help\"}], \"capabilities\"}],\n"
	    "                       \"refused\": [{\"path\", \"reason\"}], \"search_path\": [dirs]}\n",
	.exec = cmd_plugins_exec,
};
