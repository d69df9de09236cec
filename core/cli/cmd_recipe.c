/*
 * cmd_recipe.c — `lathe recipe add|list|show|preview`: feature recipes as
 * project versions, and a look at what a recipe makes of a dataset.
 */
#include "cmd.h"
#include "texttab.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "features/frame.h"
#include "features/recipe.h"
#include "features/recipe_store.h"
#include "store/dataset.h"
#include "train/plugin.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_DATA = OPT_LONG + 1, OPT_TARGET, OPT_ALGO };

/*
 * A recipe argument is a file when one exists by that name, otherwise a
 * stored NAME[@V].  *text, *origin, *name and *version are filled (name
 * NULL and version 0 for a file).  Caller frees text, origin and name.
 */
int
cmd_resolve_recipe(struct project *p, const char *arg, char **text, char **origin, char **name,
    int *version, char **err)
{
	struct stat sb;
	*text = *origin = *name = NULL;
	*version = 0;
	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)) {
		if ((*text = read_text_file(arg, err)) == NULL)
			return -1;
		*origin = str_dup(arg);
		return 0;
	}
	struct recipe_ver v;
	char *e2 = NULL;
	if (recipe_store_get(p, arg, &v, &e2) != 0) {
		err_set(err, "%s (and there is no file named '%s')", e2 ? e2 : "no such recipe", arg);
		free(e2);
		return -1;
	}
	char ob[160];
	snprintf(ob, sizeof ob, "%s@%d", v.name, v.version);
	*text = v.text;
	*name = v.name;
	*version = v.version;
	*origin = str_dup(ob);
	v.text = v.name = NULL;
	recipe_ver_clear(&v);
	return 0;
}

static int
sub_add(struct cmd_ctx *ctx, struct project *p, int argc, char **argv)
{
	char *err = NULL, *text;
	int version, created;
	if (argc != 2)
		return cmd_usage(ctx, "recipe add needs a NAME and a FILE");
	if ((text = read_text_file(argv[1], &err)) == NULL)
		return cmd_fail_err(err);
	int rc = recipe_store_add(p, argv[0], text, argv[1], &version, &created, &err);
	free(text);
	if (rc != 0)
		return cmd_fail_err(err);
	if (ctx->json)
		printf("{\"name\": \"%s\", \"version\": %d, \"created\": %s}\n", argv[0], version,
		    created ? "true" : "false");
	else if (created)
		printf("added recipe %s@%d\n", argv[0], version);
	else
		printf("%s@%d unchanged: %s has the same text\n", argv[0], version, argv[1]);
	return EXIT_OK;
}

struct list_ctx {
	struct jw	*w;
	struct texttab	*t;
	size_t		 n;
};

static int
list_visit(void *arg, const struct recipe_ver *v)
{
	struct list_ctx *lc = arg;
	lc->n++;
	if (lc->w) {
		jw_obj(lc->w);
		jw_key(lc->w, "name"); jw_str(lc->w, v->name);
		jw_key(lc->w, "version"); jw_int(lc->w, v->version);
		jw_key(lc->w, "latest"); jw_bool(lc->w, v->latest);
		jw_key(lc->w, "hash"); jw_str(lc->w, v->hash);
		jw_key(lc->w, "source"); jw_str(lc->w, v->source);
		jw_key(lc->w, "created"); jw_str(lc->w, v->created);
		jw_key(lc->w, "text"); jw_str(lc->w, v->text);
		jw_obj_end(lc->w);
		return 0;
	}
	size_t steps = 0;
	for (const char *s = v->text; *s;) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *q = s;
		while (q < s + n && (*q == ' ' || *q == '\t'))
			q++;
		steps += q < s + n && *q != '#';
		s += n + (e != NULL);
	}
	texttab_cellf(lc->t, "%s@%d", v->name, v->version);
	texttab_cell(lc->t, v->latest ? "latest" : "");
	texttab_cellf(lc->t, "%zu", steps);
	texttab_cell(lc->t, v->created);
	texttab_cellf(lc->t, "%.12s", v->hash);
	texttab_cell(lc->t, v->source);
	return 0;
}

static int
sub_list(struct cmd_ctx *ctx, struct project *p)
{
	static const char *const hdr[] = { "RECIPE", "", "STEPS", "ADDED", "HASH", "SOURCE" };
	struct list_ctx lc = { 0 };
	struct sbuf b;
	struct jw w;
	char *err = NULL;
	int rc;
	sbuf_init(&b);
	if ((rc = cmd_list_open(ctx, &w, &b, "recipes", &lc.t, hdr, ARRAY_LEN(hdr),
	    1u << 2)) != 0)
		return rc;
	if (ctx->json)
		lc.w = &w;
	if (recipe_store_list(p, list_visit, &lc, &err) != 0) {
		texttab_free(lc.t);
		sbuf_free(&b);
		return cmd_fail_err(err);
	}
	rc = cmd_list_close(ctx, &w, &b, lc.t, lc.n,
	    "no recipes yet (add one with 'lathe recipe add NAME FILE')\n");
	texttab_free(lc.t);
	if (rc == 0)
		rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	sbuf_free(&b);
	return rc;
}

static int
sub_show(struct cmd_ctx *ctx, struct project *p, int argc, char **argv)
{
	struct recipe_ver v;
	char *err = NULL;
	if (argc != 1)
		return cmd_usage(ctx, "recipe show needs NAME[@VERSION]");
	if (recipe_store_get(p, argv[0], &v, &err) != 0)
		return cmd_fail_err(err);
	struct sbuf b;
	sbuf_init(&b);
	if (ctx->json) {
		struct jw w;
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, v.name);
		jw_key(&w, "version"); jw_int(&w, v.version);
		jw_key(&w, "latest"); jw_bool(&w, v.latest);
		jw_key(&w, "hash"); jw_str(&w, v.hash);
		jw_key(&w, "source"); jw_str(&w, v.source);
		jw_key(&w, "created"); jw_str(&w, v.created);
		jw_key(&w, "text"); jw_str(&w, v.text);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		sbuf_printf(&b, "# %s@%d (sha256 %.12s…, added %s%s%s)\n", v.name, v.version, v.hash,
		    v.created, v.source ? " from " : "", v.source ? v.source : "");
		sbuf_puts(&b, v.text);
		if (b.len && b.s[b.len - 1] != '\n')
			sbuf_putc(&b, '\n');
	}
	int rc = cmd_write_out(b.s);
	sbuf_free(&b);
	recipe_ver_clear(&v);
	return rc;
}

/*
 * What training would refuse in the fitted frame, every column at fault
 * (not only the first, so a preview shows all the steps still to add),
 * split in two lists that borrow pv's messages: *hard, what stops a run of
 * the algorithm (d, or NULL for none named: what stops every algorithm),
 * and *miss, the columns whose one fault is missing values.  Those stop an
 * algorithm without LATHE_CAP_MISSING, as training does: they join *hard
 * when d lacks it, or when no algorithm is named and none loaded has it
 * (ncapable 0); they are only listed when d has it, or when no algorithm
 * is named, since the algorithm decides.  Caller frees the two arrays
 * (not the messages).  -1 when out of memory.
 */
static int
preview_problems(const struct frame_problem *pv, size_t npv, const struct lathe_plugin *d,
    size_t ncapable, const char ***hard, size_t *nhard, const char ***miss, size_t *nmiss)
{
	int keep = d ? (plugin_caps(d) & LATHE_CAP_MISSING) != 0 : ncapable > 0;
	*nhard = *nmiss = 0;
	*hard = calloc(npv ? npv : 1, sizeof **hard);
	*miss = calloc(npv ? npv : 1, sizeof **miss);
	if (*hard == NULL || *miss == NULL) {
		free(*hard);
		free(*miss);
		*hard = *miss = NULL;
		return -1;
	}
	for (size_t i = 0; i < npv; i++) {
		if (pv[i].missing_only)
			(*miss)[(*nmiss)++] = pv[i].msg;
		if (!pv[i].missing_only || !keep)
			(*hard)[(*nhard)++] = pv[i].msg;
	}
	return 0;
}

static int
sub_preview(struct cmd_ctx *ctx, struct project *p, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "target", required_argument, NULL, OPT_TARGET },
		{ "algo", required_argument, NULL, OPT_ALGO },
		{ "rows", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, OPT_JSON },
		CMD_COMMON_LONGOPTS, { 0 }
	};
	const char *data = NULL, *target = NULL, *algo = NULL;
	long nshow = 5;
	int c, rc = EXIT_USER;
	char *err = NULL, *text = NULL, *origin = NULL, *rname = NULL;
	int rver = 0;
	struct dsver v = { 0 };
	struct table *t = NULL;
	struct frame *f = NULL;
	struct recipe *r = NULL;
	struct plugin_set *ps = NULL;
	const struct lathe_plugin *d = NULL;
	struct frame_problem *pv = NULL;
	const char **problems = NULL, **missing = NULL;
	size_t npv = 0, nproblems = 0, nmissing = 0, ncapable = 0;
	struct sbuf b, capable;

	sbuf_init(&b);
	sbuf_init(&capable);
	cmd_getopt_reset();
	while ((c = cmd_getopt(ctx, argc, argv, lo)) != -1) {
		switch (c) {
		case OPT_DATA: data = optarg; break;
		case OPT_TARGET: target = optarg; break;
		case OPT_ALGO: algo = optarg; break;
		case 'n':
			if (cmd_optlong(ctx, optarg, 0, LONG_MAX, &nshow) != 0)
				return EXIT_USAGE;
			break;
		case OPT_JSON: ctx->json = 1; break;
		default:
			if (cmd_opt_common(ctx, c, &rc))
				return rc;
		}
	}
	if (optind != argc - 1 || data == NULL)
		return cmd_usage(ctx, "recipe preview needs NAME[@VERSION] (or a FILE) and --data");
	if (cmd_resolve_recipe(p, argv[optind], &text, &origin, &rname, &rver, &err) != 0 ||
	    recipe_parse(text, origin, &r, &err) != 0 ||
	    dataset_resolve(p, data, &v, &err) != 0 ||
	    dataset_load(p, &v, SIZE_MAX, &t, &err) != 0)
		goto fail;
	if (target) {
		int found = 0;
		for (size_t j = 0; j < t->ncols; j++)
			found |= strcmp(t->cols[j].name, target) == 0;
		if (!found) {
			err_set(&err, "no column '%s' in %s@%d", target, v.name, v.version);
			goto fail;
		}
	}
	if ((f = frame_from_table(t, NULL, 0, target)) == NULL) {
		err_set(&err, "out of memory");
		goto fail;
	}
	if (recipe_fit(r, f, &err) != 0)
		goto fail;
	if (frame_materialize(f) != 0) {
		err_set(&err, "out of memory");
		goto fail;
	}
	/* the algorithms decide what missing values mean (as in training) */
	if (plugin_set_load(&ps, &err) != 0)
		goto fail;
	if (algo) {
		const struct plugin *pl = plugin_find(ps, algo);
		if (pl == NULL) {
			struct sbuf names;
			sbuf_init(&names);
			plugin_names_with_caps(ps, 0, &names);
			err_set(&err, "unknown algorithm '%s' (available: %s)", algo,
			    names.s && *names.s ? names.s : "none loaded; see 'lathe plugins'");
			sbuf_free(&names);
			goto fail;
		}
		d = pl->desc;
	}
	ncapable = plugin_names_with_caps(ps, LATHE_CAP_MISSING, &capable);
	if (capable.oom || frame_problems(f, &pv, &npv) != 0 ||
	    preview_problems(pv, npv, d, ncapable, &problems, &nproblems, &missing,
	    &nmissing) != 0) {
		err_set(&err, "out of memory");
		goto fail;
	}
	size_t nh = (size_t)(nshow < 0 ? 0 : nshow) < f->n ? (size_t)(nshow < 0 ? 0 : nshow) : f->n;
	struct jw w;
	struct texttab *tt = NULL;
	if (ctx->json) {
		jw_init(&w, &b, 0);
		jw_obj(&w);
		jw_key(&w, "recipe"); jw_str(&w, origin);
		jw_key(&w, "dataset");
		char dref[160];
		snprintf(dref, sizeof dref, "%s@%d", v.name, v.version);
		jw_str(&w, dref);
		jw_key(&w, "rows"); jw_int(&w, (int64_t)f->n);
		jw_key(&w, "algo");
		if (d)
			jw_str(&w, d->name);
		else
			jw_null(&w);
		jw_key(&w, "inputs");
		jw_arr(&w);
		for (size_t i = 0; i < recipe_ninputs(r); i++)
			jw_str(&w, recipe_input_name(r, i));
		jw_arr_end(&w);
		jw_key(&w, "columns");
		jw_arr(&w);
	} else {
		static const char *const hdr[] = { "COLUMN", "KIND", "MISSING", "INFINITE", "MEAN",
			"STD", "MIN", "MAX" };
		sbuf_printf(&b, "%s on %s@%d (fitted on all %zu rows%s%s%s): %zu columns from %zu "
		    "inputs\n\n", origin, v.name, v.version, f->n, target ? ", without target '" : "",
		    target ? target : "", target ? "'" : "", f->ncols, recipe_ninputs(r));
		tt = texttab_new(8);
		if (tt == NULL) {
			err_set(&err, "out of memory");
			goto fail;
		}
		texttab_header(tt, hdr);
		for (size_t j = 2; j < 8; j++)
			texttab_right(tt, j);
	}
	for (size_t j = 0; j < f->ncols; j++) {
		const struct fcol *fc = &f->cols[j];
		size_t miss = 0, ninf = 0, cnt = 0;
		double sum = 0, vlo = INFINITY, vhi = -INFINITY, ss = 0, mean = NAN, sd = NAN;
		if (fc->kind == FK_NUM) {
			/* statistics of the finite values; infinities are counted apart,
			 * as describe does */
			for (size_t i = 0; i < f->n; i++) {
				double x = fc->num[i];
				if (isnan(x)) {
					miss++;
					continue;
				}
				if (isinf(x)) {
					ninf++;
					continue;
				}
				cnt++;
				sum += x;
				vlo = x < vlo ? x : vlo;
				vhi = x > vhi ? x : vhi;
			}
			mean = cnt ? sum / (double)cnt : NAN;
			for (size_t i = 0; i < f->n; i++)
				if (isfinite(fc->num[i]))
					ss += (fc->num[i] - mean) * (fc->num[i] - mean);
			sd = cnt > 1 ? sqrt(ss / (double)(cnt - 1)) : NAN;
			if (!cnt)
				vlo = vhi = NAN;
		} else {
			for (size_t i = 0; i < f->n; i++)
				miss += fc->codes[i] == CODE_NA;
			vlo = vhi = NAN;
		}
		if (ctx->json) {
			jw_obj(&w);
			jw_key(&w, "name"); jw_str(&w, fc->name);
			jw_key(&w, "kind"); jw_str(&w, fkind_name(fc->kind));
			jw_key(&w, "missing"); jw_int(&w, (int64_t)miss);
			jw_key(&w, "mean"); jw_num(&w, mean);
			jw_key(&w, "std"); jw_num(&w, sd);
			jw_key(&w, "min"); jw_num(&w, vlo);
			jw_key(&w, "max"); jw_num(&w, vhi);
			jw_key(&w, "infinite"); jw_int(&w, (int64_t)ninf);
			jw_obj_end(&w);
		} else {
			double vals[4] = { mean, sd, vlo, vhi };
			texttab_cell(tt, fc->name);
			texttab_cell(tt, fkind_name(fc->kind));
			texttab_cellf(tt, "%zu", miss);
			texttab_cellf(tt, "%zu", ninf);
			for (int q = 0; q < 4; q++)
				if (isnan(vals[q]))
					texttab_cell(tt, "");
				else
					texttab_cellf(tt, "%.6g", vals[q]);
		}
	}
	if (ctx->json) {
		jw_arr_end(&w);
		jw_key(&w, "problems");
		jw_arr(&w);
		for (size_t i = 0; i < nproblems; i++)
			jw_str(&w, problems[i]);
		jw_arr_end(&w);
		jw_key(&w, "missing");
		jw_arr(&w);
		for (size_t i = 0; i < nmissing; i++)
			jw_str(&w, missing[i]);
		jw_arr_end(&w);
		jw_key(&w, "missing_native");
		jw_arr(&w);
		for (size_t i = 0; i < ps->n; i++)
			if (plugin_caps(ps->v[i].desc) & LATHE_CAP_MISSING)
				jw_str(&w, ps->v[i].desc->name);
		jw_arr_end(&w);
		jw_key(&w, "head");
		jw_obj(&w);
		jw_key(&w, "columns");
		jw_arr(&w);
		for (size_t j = 0; j < f->ncols; j++)
			jw_str(&w, f->cols[j].name);
		jw_arr_end(&w);
		jw_key(&w, "rows");
		jw_arr(&w);
		for (size_t i = 0; i < nh; i++) {
			jw_arr(&w);
			for (size_t j = 0; j < f->ncols; j++) {
				if (f->cols[j].kind == FK_NUM)
					jw_num(&w, f->cols[j].num[i]);
				else
					jw_str(&w, fcol_str(&f->cols[j], i));
			}
			jw_arr_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		jw_obj_end(&w);
		sbuf_putc(&b, '\n');
	} else {
		texttab_render(tt, &b);
		texttab_free(tt);
		if (nproblems)
			sbuf_printf(&b, "\n%zu problem%s a%s%s run would stop at:\n", nproblems,
			    nproblems == 1 ? "" : "s", d ? " " : "", d ? d->name : "");
		for (size_t i = 0; i < nproblems; i++)
			sbuf_printf(&b, "  %s\n", problems[i]);
		if (nmissing && d && (plugin_caps(d) & LATHE_CAP_MISSING))
			/* d takes them: said, not a problem */
			sbuf_printf(&b, "\nmissing values left in %zu column%s stay missing (NaN): "
			    "%s takes them natively\n", nmissing, nmissing == 1 ? "" : "s", d->name);
		else if (nmissing && !d && ncapable) {
			sbuf_printf(&b, "\nmissing values left in %zu column%s: %s take%s them "
			    "natively; a run of another algorithm would stop at:\n", nmissing,
			    nmissing == 1 ? "" : "s", capable.s, ncapable == 1 ? "s" : "");
			for (size_t i = 0; i < nmissing; i++)
				sbuf_printf(&b, "  %s\n", missing[i]);
		}
		if (nh) {
			struct texttab *ht = texttab_new(f->ncols);
			const char **hd = calloc(f->ncols ? f->ncols : 1, sizeof *hd);
			if (ht == NULL || hd == NULL) {
				texttab_free(ht);
				free(hd);
				err_set(&err, "out of memory");
				goto fail;
			}
			for (size_t j = 0; j < f->ncols; j++) {
				hd[j] = f->cols[j].name;
				texttab_limit(ht, j, 16);
				if (f->cols[j].kind == FK_NUM)
					texttab_right(ht, j);
			}
			texttab_header(ht, hd);
			free(hd);
			for (size_t i = 0; i < nh; i++)
				for (size_t j = 0; j < f->ncols; j++) {
					char buf[32];
					if (f->cols[j].kind == FK_NUM) {
						snprintf(buf, sizeof buf, "%.6g", f->cols[j].num[i]);
						texttab_cell(ht, isnan(f->cols[j].num[i]) ? "NA" : buf);
					}
					else {
						const char *s = fcol_str(&f->cols[j], i);
						texttab_cell(ht, s ? s : "NA");
					}
				}
			sbuf_printf(&b, "\nfirst %zu rows:\n", nh);
			texttab_render(ht, &b);
			texttab_free(ht);
		}
	}
	rc = b.oom ? cmd_fail("out of memory") : cmd_write_out(b.s);
	goto out;
fail:
	rc = cmd_fail_err(err);
out:
	free(problems);
	free(missing);
	frame_problems_free(pv, npv);
	plugin_set_free(ps);
	sbuf_free(&capable);
	sbuf_free(&b);
	recipe_free(r);
	frame_free(f);
	table_free(t);
	dsver_clear(&v);
	free(text);
	free(origin);
	free(rname);
	return rc;
}

static int
cmd_recipe_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct project *p = NULL;
	int rc = EXIT_USER;

	if (argc < 2)
		return cmd_usage(ctx, "missing the action: add, list, show or preview");
	const char *verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
		cmd_print_help(ctx->entry, stdout);
		return EXIT_OK;
	}
	if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "show") &&
	    strcmp(verb, "preview"))
		return cmd_usage(ctx, "unknown action '%s' (expected add, list, show or preview)",
		    verb);
	argc--;
	argv++;
	if (strcmp(verb, "preview") == 0) {
		/* preview parses its own options; open the project first */
		for (int i = 1; i + 1 < argc; i++)
			if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--project"))
				ctx->project = argv[i + 1];
		if ((p = cmd_open(ctx)) == NULL)
			return EXIT_USER;
		rc = sub_preview(ctx, p, argc, argv);
		project_close(p);
		return rc;
	}
	if (cmd_opts_json(ctx, argc, argv, &rc))
		return rc;
	if ((p = cmd_open(ctx)) == NULL)
		return EXIT_USER;
	if (strcmp(verb, "add") == 0)
		rc = sub_add(ctx, p, argc - optind, argv + optind);
	else if (strcmp(verb, "list") == 0)
		rc = optind < argc ? cmd_usage(ctx, "recipe list takes no arguments") :
		    sub_list(ctx, p);
	else
		rc = sub_show(ctx, p, argc - optind, argv + optind);
	project_close(p);
	return rc;
}

const struct cmd_entry cmd_recipe_entry = {
	.name = "recipe",
	.args = "add NAME FILE | list | show NAME[@V] | preview NAME[@V]|FILE --data DATASET "
	    "[--target COL] [--algo ALGO] [-n N] [--json]",
	.summary = "Keep feature recipes as versions; preview what a recipe makes of a dataset.",
	.help =
	    "  add NAME FILE        check FILE's recipe and store it as NAME@N (identical\n"
	    "                       text: nothing new, the existing version is reported)\n"
	    "  list                 every recipe version\n"
	    "  show NAME[@V]        the text of a version\n"
	    "  preview R --data D   fit recipe R (a stored NAME[@V] or a file) on every row of\n"
	    "                       dataset D, without --target's column, and print the output\n"
	    "                       columns with their statistics and the first -n rows; a\n"
	    "                       column a model could not read (not numeric, or with\n"
	    "                       missing or infinite values) is listed as a problem, with\n"
	    "                       the step that would fix it\n"
	    "\n"
	    "options:\n"
	    "  --algo ALGO          preview: judge missing values as a run of ALGO would: an\n"
	    "                       algorithm that takes them natively (gbdt; 'lathe\n"
	    "                       plugins') gets NaN as it is, any other stops.  Without\n"
	    "                       it, columns whose one fault is missing values are listed\n"
	    "                       apart, naming the algorithms that take them\n"
	    "  --json               add: {\"name\", \"version\", \"created\"}; list: {\"recipes\":\n"
	    "                       [{\"name\", \"version\", \"latest\", \"hash\", \"source\",\n"
	    "                       \"created\", \"text\"}]}; show: one such object; preview:\n"
	    "                       {\"recipe\", \"dataset\", \"rows\", \"algo\", \"inputs\",\n"
	    "                       \"columns\": [{\"name\", \"kind\", \"missing\", \"mean\", \"std\",\n"
	    "                       \"min\", \"max\", \"infinite\"}], \"problems\": [MESSAGE],\n"
	    "                       \"missing\": [MESSAGE], \"missing_native\": [ALGO],\n"
	    "                       \"head\": {\"columns\", \"rows\"}}; statistics are of the\n"
	    "                       finite values\n"
	    "\n"
	    "The language is described in docs/recipes.md.\n",
	.exec = cmd_recipe_exec,
};
