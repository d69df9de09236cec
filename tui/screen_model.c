/*
 * screen_model.c — one registered version, on one scrollable page: its
 * run (with algorithm, task and dataset), when it was registered, the
 * aliases naming it, its input schema (raw columns and kinds), output
 * schema and input example as recorded at registration, every alias of
 * the model with the version it names, the model's alias history (what
 * served when; moves to this version stand out), and the servers
 * recorded as serving the model.
 *
 * From here, as on the models screen: `d` deploys this version, `a`
 * moves an alias to it, `r` opens its run.  The page is rebuilt when the
 * project changes, so an alias moved elsewhere shows up within a second.
 */
#include "app.h"
#include "deploy.h"
#include "doc.h"
#include "modellist.h"
#include "serverproc.h"
#include "registry/registry.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct smodel {
	struct screen		 base;
	struct doc		 d;
	char			 name[MODEL_NAME_MAX + 1];
	int			 version;
	int64_t			 run_id;
	struct deploy_flow	 flow;
};

struct hist_ctx {
	struct doc	*d;
	int		 version;
	size_t		 n;
};

static int
hist_line(void *ctx, const struct alias_move *m)
{
	struct hist_ctx *h = ctx;
	char from[16];
	snprintf(from, sizeof from, "%d", m->old_version);
	int role = m->new_version == h->version ? ROLE_GOOD : ROLE_NORMAL;
	doc_add(h->d, role, "  %-20s  %-16s %5s %5d%s", m->time, m->alias,
	    m->old_version ? from : "-", m->new_version,
	    m->new_version == h->version ? "  <- this version" : "");
	h->n++;
	return 0;
}

/* A schema, [{"name", "kind"}], as a two-column list. */
static void
add_schema(struct doc *d, const char *title, const char *json)
{
	json_error_t je;
	json_t *a = json_loads(json ? json : "[]", 0, &je), *e;
	size_t i;
	doc_add(d, ROLE_TITLE, "%s (%zu)", title, json_array_size(a));
	json_array_foreach(a, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *k = json_string_value(json_object_get(e, "kind"));
		doc_add(d, ROLE_NORMAL, "  %-32s %s", n ? n : "?", k ? k : "");
	}
	json_decref(a);
}

/* The input example, {"columns": [...], "data": [[...]]}: the columns,
 * then one line per row. */
static void
add_example(struct doc *d, const char *json)
{
	json_error_t je;
	json_t *o = json_loads(json ? json : "{}", 0, &je), *row;
	json_t *data = json_object_get(o, "data");
	size_t i;
	char *cols = json_dumps(json_object_get(o, "columns"), JSON_COMPACT | JSON_ENCODE_ANY);
	doc_add(d, ROLE_TITLE, "input example (a dataframe_split body for /invocations)");
	doc_add(d, ROLE_DIM, "  columns %s", cols ? cols : "[]");
	free(cols);
	json_array_foreach(data, i, row) {
		struct sbuf b;
		size_t k;
		json_t *e;
		char num[32];
		sbuf_init(&b);
		sbuf_putc(&b, '[');
		json_array_foreach(row, k, e) {
			if (k)
				sbuf_puts(&b, ", ");
			if (json_is_number(e)) {	/* as typed, not as %.17g */
				sbuf_puts(&b, fmt_double(num, json_number_value(e)));
			} else {
				char *t = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
				sbuf_puts(&b, t ? t : "?");
				free(t);
			}
		}
		sbuf_putc(&b, ']');
		doc_add(d, ROLE_NORMAL, "  %s", b.s ? b.s : "?");
		sbuf_free(&b);
	}
	json_decref(o);
}

static void
build(struct smodel *s, struct app *a)
{
	struct model_version mv = { 0 };
	struct mlist *ml = NULL;
	struct malias al[64];
	struct doc *d = &s->d;
	char ref[MODEL_NAME_MAX + 16], *err = NULL;

	doc_clear(d);
	snprintf(ref, sizeof ref, "%s@%d", s->name, s->version);
	if (registry_resolve(a->p, ref, &mv, &err) != 0 ||
	    mlist_load(a->p, serverproc_alive, &ml, &err) != 0) {
		doc_add(d, ROLE_ERROR, "%s", err ? err : "cannot read the model");
		free(err);
		goto out;
	}
	s->run_id = mv.run_id;
	long vi = mlist_find(ml, s->name, s->version);
	const struct mversion *v = vi >= 0 ? &ml->v[vi] : NULL;
	long li = doc_add(d, ROLE_TITLE, "%s%s%s%s", ref, v && v->latest ? "  latest" : "",
	    v && *v->aliases ? "  aliases " : "", v ? v->aliases : "");
	if (v && *v->aliases)
		doc_span(d, li, (int)strlen(ref) + (v->latest ? 8 : 0) + 10, (int)strlen(v->aliases),
		    ROLE_GOOD);
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_NORMAL, "  run         %lld  (r opens it)", (long long)mv.run_id);
	if (v)
		doc_add(d, ROLE_NORMAL, "  algorithm   %s (%s) on %s", v->algo, v->task, v->dataset);
	doc_add(d, ROLE_NORMAL, "  registered  %s", mv.created);
	doc_add(d, ROLE_NORMAL, "%s", "");
	add_schema(d, "inputs", mv.input_schema);
	doc_add(d, ROLE_NORMAL, "%s", "");
	add_schema(d, "outputs", mv.output_schema);
	doc_add(d, ROLE_NORMAL, "%s", "");
	add_example(d, mv.input_example);

	/* aliases and their history */
	doc_add(d, ROLE_NORMAL, "%s", "");
	size_t na = mlist_aliases(ml, s->name, al, ARRAY_LEN(al));
	doc_add(d, ROLE_TITLE, "aliases of %s (a moves one here, d deploys)", s->name);
	if (na == 0)
		doc_add(d, ROLE_DIM, "  none yet");
	for (size_t i = 0; i < na && i < ARRAY_LEN(al); i++)
		doc_add(d, al[i].version == s->version ? ROLE_GOOD : ROLE_NORMAL,
		    "  %-24s version %d%s", al[i].alias, al[i].version,
		    al[i].version == s->version ? "  (this version)" : "");
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "alias history of %s, oldest first", s->name);
	doc_add(d, ROLE_COLHEAD, "  %-20s  %-16s %5s %5s", "TIME", "ALIAS", "FROM", "TO");
	struct hist_ctx hc = { d, s->version, 0 };
	if (registry_history(a->p, s->name, hist_line, &hc, &err) != 0) {
		doc_add(d, ROLE_ERROR, "  %s", err ? err : "cannot read the history");
		free(err);
		err = NULL;
	} else if (hc.n == 0) {
		doc_add(d, ROLE_DIM, "  no alias has been set yet");
	}

	/* servers */
	doc_add(d, ROLE_NORMAL, "%s", "");
	doc_add(d, ROLE_TITLE, "servers of %s (the models screen shows their live status)",
	    s->name);
	size_t shown = 0;
	for (size_t i = 0; i < ml->ns; i++) {
		const struct mserver *sv = &ml->s[i];
		if (sv->state == SRV_STOPPED || !mlist_server_serves_model(ml, i, s->name))
			continue;
		struct sbuf b;
		sbuf_init(&b);
		for (size_t k = 0; k < sv->nrefs; k++)
			sbuf_printf(&b, "%s%s", k ? ", " : "", sv->refs[k]);
		doc_add(d, sv->state == SRV_LIVE ? ROLE_NORMAL : ROLE_ERROR,
		    "  server %-4lld %-5s %-28s %s", (long long)sv->id, srv_state_name(sv->state),
		    sv->address, b.s ? b.s : "");
		doc_add(d, ROLE_DIM, "              pid %ld, since %s%s", sv->pid, sv->started,
		    serverproc_mine(sv->pid) ? ", started from this workbench" : "");
		sbuf_free(&b);
		shown++;
	}
	if (shown == 0)
		doc_add(d, ROLE_DIM, "  none running (d deploys this version)");
out:
	model_version_clear(&mv);
	mlist_free(ml);
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct smodel *s = (struct smodel *)sc;
	doc_draw(&s->d, y0, h, a->cols);
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct smodel *s = (struct smodel *)sc;
	char *err = NULL;
	unsigned r = doc_action(&s->d, act);
	if (r)
		return r;
	switch (act) {
	case ACT_DEPLOY:
	case ACT_ALIAS:
		deploy_begin(a, &s->flow, s->name, s->version, act == ACT_DEPLOY);
		return R_HANDLED | R_REDRAW;
	case ACT_SHOW_RUN: {
		struct screen *d = s->run_id ? screen_run_new(a, s->run_id, &err) : NULL;
		if (d)
			app_push(a, d);
		else
			app_err(a, err);
		return R_HANDLED | R_REDRAW;
	}
	default:
		return 0;
	}
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	struct smodel *s = (struct smodel *)sc;
	if (ev == EV_DATA) {
		size_t top = s->d.top;
		build(s, a);
		s->d.top = top;
		return R_REDRAW;
	}
	if (ev == EV_TICK)	/* a server started from here may have settled */
		return deploy_report_starts(a) ? R_REDRAW : 0;
	return 0;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct smodel *s = (const struct smodel *)sc;
	snprintf(buf, n, "line %zu of %zu", s->d.top + 1, s->d.n);
}

static void
destroy(struct screen *sc)
{
	struct smodel *s = (struct smodel *)sc;
	doc_free(&s->d);
	free(s);
}

static const struct screen_class model_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "model",
	.id = SCR_MODEL,
	.draw = draw,
	.on_action = on_action,
	.on_event = on_event,
	.context = context,
	.destroy = destroy,
};

struct screen *
screen_model_new(struct app *a, const char *name, int version, char **err)
{
	struct model_version mv = { 0 };
	char ref[MODEL_NAME_MAX + 16];
	snprintf(ref, sizeof ref, "%s@%d", name, version);
	if (registry_resolve(a->p, ref, &mv, err) != 0)
		return NULL;
	model_version_clear(&mv);
	struct smodel *s = calloc(1, sizeof *s);
	if (s == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	s->base.cls = &model_class;
	s->base.ticks = 1;
	snprintf(s->name, sizeof s->name, "%s", name);
	s->version = version;
	text_copy(s->base.title, sizeof s->base.title, ref);
	doc_init(&s->d);
	build(s, a);
	return &s->base;
}
