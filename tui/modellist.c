/*
 * modellist.c — see modellist.h.
 *
 * Reading the servers table is the only SQL here; there is no engine
 * function for it because only serving processes write it and only the
 * workbench reads it.
 */
#include "modellist.h"
#include "base/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct mlist *
mlist_new(void)
{
	return calloc(1, sizeof(struct mlist));
}

static void
version_clear(struct mversion *v)
{
	free(v->name);
	free(v->algo);
	free(v->task);
	free(v->dataset);
	free(v->status);
	free(v->aliases);
	free(v->created);
}

static void
server_clear(struct mserver *s)
{
	free(s->host);
	free(s->address);
	free(s->started);
	free(s->stopped);
	for (size_t i = 0; i < s->nrefs; i++)
		free(s->refs[i]);
	free(s->refs);
}

void
mlist_free(struct mlist *ml)
{
	if (ml == NULL)
		return;
	for (size_t i = 0; i < ml->nv; i++)
		version_clear(&ml->v[i]);
	for (size_t i = 0; i < ml->ns; i++)
		server_clear(&ml->s[i]);
	free(ml->v);
	free(ml->s);
	free(ml);
}

int
mlist_add_version(void *ctx, const struct model_row *r)
{
	struct mlist *ml = ctx;
	if (ml->nv == ml->capv) {
		size_t cap = ml->capv ? ml->capv * 2 : 16;
		struct mversion *nv = realloc(ml->v, cap * sizeof *nv);
		if (nv == NULL)
			return -1;
		ml->v = nv;
		ml->capv = cap;
	}
	struct mversion v = {
		.name = str_dup(r->name), .version = r->version, .latest = r->latest,
		.run_id = r->run_id, .algo = str_dup(r->algo), .task = str_dup(r->task),
		.dataset = str_dup(r->dataset), .status = str_dup(r->status),
		.aliases = str_dup(r->aliases), .created = str_dup(r->created),
	};
	if (!v.name || !v.algo || !v.task || !v.dataset || !v.status || !v.aliases ||
	    !v.created) {
		version_clear(&v);
		return -1;
	}
	ml->v[ml->nv++] = v;
	return 0;
}

/* The references a `servers.models` column names, as display strings. */
static int
parse_refs(const char *json, struct mserver *s)
{
	json_error_t je;
	json_t *a = json_loads(json ? json : "[]", 0, &je), *e;
	size_t i;
	int rc = -1;
	if (!json_is_array(a)) {
		json_decref(a);
		return 0;	/* unreadable: serves nothing we can name */
	}
	if ((s->refs = calloc(json_array_size(a) + 1, sizeof *s->refs)) == NULL)
		goto out;
	json_array_foreach(a, i, e) {
		const char *ref = json_string_value(json_object_get(e, "ref"));
		const char *name = json_string_value(json_object_get(e, "name"));
		char buf[200];
		if (ref && *ref)
			snprintf(buf, sizeof buf, "%s", ref);
		else
			snprintf(buf, sizeof buf, "%s (bundle)", name ? name : "?");
		if ((s->refs[s->nrefs] = str_dup(buf)) == NULL)
			goto out;
		s->nrefs++;
	}
	rc = 0;
out:
	json_decref(a);
	return rc;
}

int
mlist_add_server(struct mlist *ml, int64_t id, long pid, const char *host, const char *address,
    const char *models_json, const char *started, const char *stopped, int alive)
{
	if (ml->ns == ml->caps) {
		size_t cap = ml->caps ? ml->caps * 2 : 8;
		struct mserver *ns = realloc(ml->s, cap * sizeof *ns);
		if (ns == NULL)
			return -1;
		ml->s = ns;
		ml->caps = cap;
	}
	struct mserver s = {
		.id = id, .pid = pid, .host = str_dup(host ? host : ""),
		.address = str_dup(address ? address : ""), .started = str_dup(started ? started : ""),
		.stopped = stopped ? str_dup(stopped) : NULL,
		.state = stopped ? SRV_STOPPED : alive ? SRV_LIVE : SRV_GONE,
	};
	if (!s.host || !s.address || !s.started || (stopped && !s.stopped) ||
	    parse_refs(models_json, &s) != 0) {
		server_clear(&s);
		return -1;
	}
	ml->s[ml->ns++] = s;
	return 0;
}

static int
server_cmp(const void *pa, const void *pb)
{
	const struct mserver *a = pa, *b = pb;
	if (a->state != b->state)
		return (int)a->state - (int)b->state;
	return a->id > b->id ? -1 : a->id < b->id;
}

void
mlist_sort_servers(struct mlist *ml)
{
	if (ml->ns > 1)
		qsort(ml->s, ml->ns, sizeof *ml->s, server_cmp);
}

static int
alias_cmp(const void *pa, const void *pb)
{
	return strcmp(((const struct malias *)pa)->alias, ((const struct malias *)pb)->alias);
}

size_t
mlist_aliases(const struct mlist *ml, const char *name, struct malias *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < ml->nv; i++) {
		const struct mversion *v = &ml->v[i];
		if (strcmp(v->name, name) != 0)
			continue;
		for (const char *a = v->aliases; *a;) {
			size_t l = strcspn(a, ",");
			if (n < max) {
				size_t k = l < sizeof out[n].alias ? l : sizeof out[n].alias - 1;
				memcpy(out[n].alias, a, k);
				out[n].alias[k] = '\0';
				out[n].version = v->version;
			}
			n++;
			a += l + (a[l] == ',');
		}
	}
	if (n > 1)
		qsort(out, n < max ? n : max, sizeof *out, alias_cmp);
	return n;
}

long
mlist_server_for(const struct mlist *ml, const char *ref)
{
	long best = -1;
	for (size_t i = 0; i < ml->ns; i++) {
		const struct mserver *s = &ml->s[i];
		if (s->state != SRV_LIVE)
			continue;
		for (size_t k = 0; k < s->nrefs; k++)
			if (strcmp(s->refs[k], ref) == 0 && (best < 0 || s->id > ml->s[best].id))
				best = (long)i;
	}
	return best;
}

int
mlist_server_serves_model(const struct mlist *ml, size_t i, const char *name)
{
	const struct mserver *s = &ml->s[i];
	size_t nl = strlen(name);
	for (size_t k = 0; k < s->nrefs; k++)
		if (strncmp(s->refs[k], name, nl) == 0 &&
		    (s->refs[k][nl] == '\0' || s->refs[k][nl] == '@'))
			return 1;
	return 0;
}

long
mlist_find(const struct mlist *ml, const char *name, int version)
{
	for (size_t i = 0; i < ml->nv; i++)
		if (ml->v[i].version == version && strcmp(ml->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

size_t
mlist_nmodels(const struct mlist *ml)
{
	size_t n = 0;
	for (size_t i = 0; i < ml->nv; i++) {
		size_t j = 0;
		while (j < i && strcmp(ml->v[j].name, ml->v[i].name) != 0)
			j++;
		n += j == i;
	}
	return n;
}

size_t
mlist_nlive(const struct mlist *ml)
{
	size_t n = 0;
	for (size_t i = 0; i < ml->ns; i++)
		n += ml->s[i].state == SRV_LIVE;
	return n;
}

const char *
srv_state_name(enum srv_state st)
{
	switch (st) {
	case SRV_LIVE:
		return "live";
	case SRV_GONE:
		return "gone";
	default:
		return "stopped";
	}
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
mlist_load(struct project *p, int (*alive)(long pid), struct mlist **out, char **err)
{
	struct mlist *ml = mlist_new();
	sqlite3_stmt *st = NULL;
	int rc = -1, s;

	*out = NULL;
	if (ml == NULL)
		return err_set(err, "out of memory");
	if (registry_list(p, NULL, mlist_add_version, ml, err) != 0)
		goto out;
	if (db_prepare(p, "SELECT id, pid, host, address, models, started, stopped FROM servers "
	    "ORDER BY id DESC LIMIT 200", &st, err) != 0)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		long pid = (long)sqlite3_column_int64(st, 1);
		const char *stopped = col_text(st, 6);
		if (mlist_add_server(ml, sqlite3_column_int64(st, 0), pid, col_text(st, 2),
		    col_text(st, 3), col_text(st, 4), col_text(st, 5), stopped,
		    stopped == NULL && alive && alive(pid)) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	mlist_sort_servers(ml);
	*out = ml;
	ml = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	mlist_free(ml);
	return rc;
}
