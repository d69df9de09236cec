/*
 * serve_models.c — served models, reference-counted swaps and hot
 * reload; see serve_models.h.
 */
#include "serve_models.h"
#include "lathe_plugin.h"
#include "base/jsonw.h"
#include "registry/bundle.h"
#include "registry/registry.h"
#include "store/project.h"
#include "train/run.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slot {
	char			*name;
	char			*ref;		/* project reference, or NULL */
	char			*bundle;	/* bundle path, or NULL */
	pthread_mutex_t		 mu;
	struct served		*cur;
	_Atomic uint64_t	 reloads, failures;
	_Atomic int		 failed;	/* the newest version named failed to load */
	int			 failed_version;
	int			 resolve_failed;
};

struct model_set {
	char		*path;
	struct project	*ro;
	sqlite3_stmt	*dv;		/* PRAGMA data_version */
	int64_t		 data_version;
	sqlite3		*logdb;		/* the server's own records, or NULL */
	int64_t		 server_id;
	int		 quiet;
	struct slot	 slots[MODELS_MAX];	/* fixed: mutexes never move */
	size_t		 n;
	char		 names[512];
};

/* ------------------------------------------------------------------ */
/* served versions                                                     */

static void
served_free(struct served *s)
{
	if (s == NULL)
		return;
	predictor_free(s->pr);
	free(s->metadata);
	free(s->names);
	free(s->kinds);
	free(s->class_num);
	if (s->class_json)
		free(s->class_json[0]);
	free(s->class_json);
	free(s);
}

void
served_release(struct served *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		served_free(s);
}

/* Build a served version around pr (taken, freed on failure).  classes is
 * the label JSON recorded with the run (or bundle). */
static int
served_build(const char *name, int version, int64_t run_id, struct predictor *pr,
    const char *classes, struct served **out, char **err)
{
	struct served *s = calloc(1, sizeof *s);
	json_t *cl = NULL;
	struct sbuf b;
	struct jw w;

	*out = NULL;
	sbuf_init(&b);
	if (s == NULL) {
		predictor_free(pr);
		return err_set(err, "out of memory");
	}
	atomic_init(&s->refs, 1);
	s->name = name;
	s->version = version;
	s->run_id = run_id;
	s->pr = pr;
	snprintf(s->version_str, sizeof s->version_str, "%d", version);
	/* the inputs, then the columns the recipe drops (sent: ignored) */
	size_t nin = predictor_ninputs(pr), nopt = predictor_noptional(pr), n = nin + nopt;
	s->names = calloc(n ? n : 1, sizeof *s->names);
	s->kinds = calloc(n ? n : 1, sizeof *s->kinds);
	if (s->names == NULL || s->kinds == NULL)
		goto oom;
	for (size_t i = 0; i < nin; i++) {
		s->names[i] = predictor_input_name(pr, i);
		s->kinds[i] = predictor_input_kind(pr, i);
	}
	for (size_t i = 0; i < nopt; i++) {
		s->names[nin + i] = predictor_optional_name(pr, i);
		s->kinds[nin + i] = predictor_optional_kind(pr, i);
	}
	s->schema.n = n;
	s->schema.names = s->names;
	s->schema.kinds = s->kinds;
	s->schema.noptional = nopt;
	s->pm.task = predictor_task(pr);
	s->pm.nclasses = predictor_nclasses(pr);
	s->pm.width = predictor_noutputs(pr);
	if (s->pm.task == LATHE_TASK_CLASSIFICATION) {
		json_error_t je;
		int allnum = 1, allint = 1;
		cl = json_loads(classes ? classes : "[]", 0, &je);
		for (size_t i = 0; i < json_array_size(cl); i++) {
			json_t *e = json_array_get(cl, i);
			allnum &= json_is_number(e);
			if (json_is_number(e))
				allint &= json_number_value(e) == floor(json_number_value(e));
		}
		if (allnum && json_array_size(cl) == s->pm.nclasses) {
			s->class_num = calloc(s->pm.nclasses ? s->pm.nclasses : 1, sizeof *s->class_num);
			if (s->class_num == NULL)
				goto oom;
			for (size_t i = 0; i < s->pm.nclasses; i++)
				s->class_num[i] = json_number_value(json_array_get(cl, i));
			s->pm.class_num = s->class_num;
			s->pm.class_int = allint;
		}
	}
	if (s->pm.task == LATHE_TASK_CLASSIFICATION && s->pm.nclasses) {
		/* every label's JSON text, so responses copy instead of format */
		size_t k = s->pm.nclasses, *off = calloc(k, sizeof *off);
		if (off == NULL || (s->class_json = calloc(k, sizeof *s->class_json)) == NULL) {
			free(off);
			goto oom;
		}
		jw_init(&w, &b, 0);
		for (size_t i = 0; i < k; i++) {
			off[i] = b.len;
			w.depth = 0;
			if (s->class_num)
				jw_num(&w, s->class_num[i]);
			else
				jw_str(&w, predictor_class(pr, i));
			sbuf_putc(&b, '\0');
		}
		char *block = b.oom ? NULL : sbuf_detach(&b);
		for (size_t i = 0; block && i < k; i++)
			s->class_json[i] = block + off[i];
		free(off);
		if (block == NULL)
			goto oom;
		s->pm.class_json = (const char *const *)s->class_json;
	}
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "name"); jw_str(&w, name);
	jw_key(&w, "versions");
	jw_arr(&w);
	jw_str(&w, s->version_str);
	jw_arr_end(&w);
	jw_key(&w, "platform"); jw_str(&w, "lathe");
	proto_v2_metadata(&w, &s->schema, &s->pm);
	jw_obj_end(&w);
	if (b.oom)
		goto oom;
	s->metadata_len = b.len;
	s->metadata = sbuf_detach(&b);
	json_decref(cl);
	*out = s;
	return 0;
oom:
	json_decref(cl);
	sbuf_free(&b);
	served_free(s);
	return err_set(err, "out of memory");
}

static int
served_from_version(struct project *p, const char *name, const struct model_version *mv,
    struct served **out, char **err)
{
	struct run_info ri;
	struct predictor *pr = NULL;
	char runref[32];
	int rc;

	snprintf(runref, sizeof runref, "%lld", (long long)mv->run_id);
	if (run_load(p, runref, &ri, err) != 0)
		return -1;
	rc = predictor_open_run(p, runref, &pr, err);
	if (rc == 0)
		rc = served_build(name, mv->version, mv->run_id, pr, ri.classes, out, err);
	run_info_clear(&ri);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the set                                                             */

int
models_open(const char *project, int quiet, struct model_set **out, char **err)
{
	struct model_set *ms = calloc(1, sizeof *ms);
	*out = NULL;
	if (ms == NULL)
		return err_set(err, "out of memory");
	ms->quiet = quiet;
	if (project) {
		if ((ms->path = str_dup(project)) == NULL) {
			free(ms);
			return err_set(err, "out of memory");
		}
		if (registry_open_readonly(project, &ms->ro, err) != 0 ||
		    db_prepare(ms->ro, "PRAGMA data_version", &ms->dv, err) != 0) {
			models_free(ms);
			return -1;
		}
		if (sqlite3_step(ms->dv) == SQLITE_ROW)
			ms->data_version = sqlite3_column_int64(ms->dv, 0);
		sqlite3_reset(ms->dv);
	}
	*out = ms;
	return 0;
}

void
models_free(struct model_set *ms)
{
	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->n; i++) {
		struct slot *sl = &ms->slots[i];
		served_release(sl->cur);
		pthread_mutex_destroy(&sl->mu);
		free(sl->name);
		free(sl->ref);
		free(sl->bundle);
	}
	sqlite3_finalize(ms->dv);
	project_close(ms->ro);
	if (ms->logdb)
		sqlite3_close(ms->logdb);
	free(ms->path);
	free(ms);
}

size_t models_count(const struct model_set *ms) { return ms->n; }
const char *models_name(const struct model_set *ms, size_t i) { return ms->slots[i].name; }

int
models_find(const struct model_set *ms, const char *name)
{
	for (size_t i = 0; i < ms->n; i++)
		if (strcmp(ms->slots[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
models_names(const struct model_set *ms)
{
	return ms->names;
}

/* A new slot named name holding s (taken). */
static int
add_slot(struct model_set *ms, const char *name, const char *ref, const char *bundle,
    struct served *s, char **err)
{
	if (models_find(ms, name) >= 0) {
		served_release(s);
		return err_set(err, "model '%s' is served twice (%s); serve one reference per "
		    "model", name, ref ? ref : bundle);
	}
	if (ms->n == MODELS_MAX) {
		served_release(s);
		return err_set(err, "at most %d models per server", MODELS_MAX);
	}
	struct slot *sl = &ms->slots[ms->n];
	memset(sl, 0, sizeof *sl);
	sl->name = str_dup(name);
	sl->ref = ref ? str_dup(ref) : NULL;
	sl->bundle = bundle ? str_dup(bundle) : NULL;
	if (sl->name == NULL || (ref && sl->ref == NULL) || (bundle && sl->bundle == NULL)) {
		free(sl->name);
		free(sl->ref);
		free(sl->bundle);
		served_release(s);
		return err_set(err, "out of memory");
	}
	pthread_mutex_init(&sl->mu, NULL);
	sl->cur = s;
	s->name = sl->name;
	ms->n++;
	size_t len = strlen(ms->names);
	snprintf(ms->names + len, sizeof ms->names - len, "%s%s", len ? ", " : "", name);
	return 0;
}

static void
warn_plugin(struct model_set *ms, const struct served *s)
{
	if (predictor_plugin_changed(s->pr))
		models_log(ms, "warning", s->name, s->version, s->run_id, "%s version %d was trained "
		    "with another build of its plugin (the .so's SHA-256 differs); predictions may "
		    "differ", s->name, s->version);
}

int
models_add_ref(struct model_set *ms, const char *ref, char **err)
{
	struct model_version mv = { 0 };
	struct served *s = NULL;
	int rc = -1;

	if (ms->ro == NULL)
		return err_set(err, "--model %s needs a project (-p FILE)", ref);
	if (registry_resolve(ms->ro, ref, &mv, err) != 0)
		return -1;
	if (served_from_version(ms->ro, mv.name, &mv, &s, err) != 0) {
		char *inner = err ? *err : NULL;
		if (err)
			*err = NULL;
		err_set(err, "cannot load %s (version %d, run %lld): %s", ref, mv.version,
		    (long long)mv.run_id, inner ? inner : "out of memory");
		free(inner);
		goto out;
	}
	if (add_slot(ms, mv.name, ref, NULL, s, err) != 0)
		goto out;
	warn_plugin(ms, ms->slots[ms->n - 1].cur);
	rc = 0;
out:
	model_version_clear(&mv);
	return rc;
}

int
models_add_default(struct model_set *ms, char **err)
{
	sqlite3_stmt *st = NULL;
	char *name = NULL;
	int count = 0, rc;

	if (ms->ro == NULL)
		return err_set(err, "nothing to serve: name a model with --model NAME[@ALIAS] or a "
		    "bundle with --bundle FILE");
	if (db_prepare(ms->ro, "SELECT name FROM models ORDER BY name LIMIT 2", &st, err) != 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (count++ == 0)
			name = str_dup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (count != 1) {
		free(name);
		return err_set(err, "%s: name the model to serve with --model NAME[@ALIAS]",
		    count ? "the project has several models" : "the project has no registered "
		    "models ('lathe model register RUN --name NAME')");
	}
	if (name == NULL)
		return err_set(err, "out of memory");
	rc = models_add_ref(ms, name, err);
	free(name);
	return rc;
}

int
models_add_bundle(struct model_set *ms, const char *path, char **err)
{
	struct bundle b;
	struct predictor *pr = NULL;
	struct served *s = NULL;
	char what[64];
	int rc = -1;

	if (bundle_read(path, &b, err) != 0)
		return -1;
	snprintf(what, sizeof what, "bundle %s@%d", b.name, b.version);
	struct predictor_parts pp = {
		.what = what, .algo = b.algo, .task = b.task, .classes = b.classes,
		.model = b.model, .model_len = b.model_len, .recipe = b.recipe,
		.recipe_len = b.recipe_len, .plugin_sha256 = b.plugin_sha256,
	};
	if (predictor_open_parts(&pp, &pr, err) != 0 ||
	    served_build(b.name, b.version, b.run_id, pr, b.classes, &s, err) != 0)
		goto out;
	if (add_slot(ms, b.name, NULL, path, s, err) != 0)
		goto out;
	warn_plugin(ms, ms->slots[ms->n - 1].cur);
	rc = 0;
out:
	bundle_clear(&b);
	return rc;
}

struct served *
models_acquire(struct model_set *ms, size_t slot)
{
	struct slot *sl = &ms->slots[slot];
	pthread_mutex_lock(&sl->mu);
	struct served *s = sl->cur;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&sl->mu);
	return s;
}

/* ------------------------------------------------------------------ */
/* the server's own records                                            */

void
models_log(struct model_set *ms, const char *level, const char *model, int version,
    int64_t run, const char *fmt, ...)
{
	char *msg = NULL, ts[32];
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		return;
	time_now_iso(ts);
	if (!ms->quiet || strcmp(level, "info") != 0)
		fprintf(stderr, "%s lathe serve: %s%s%s\n", ts, strcmp(level, "info") ? level : "",
		    strcmp(level, "info") ? ": " : "", msg);
	if (ms->logdb) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(ms->logdb, "INSERT INTO server_events(server_id, time, level, "
		    "model, version, run_id, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st,
		    NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, ms->server_id);
			sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, level, -1, SQLITE_STATIC);
			if (model)
				sqlite3_bind_text(st, 4, model, -1, SQLITE_STATIC);
			if (version)
				sqlite3_bind_int(st, 5, version);
			if (run)
				sqlite3_bind_int64(st, 6, run);
			sqlite3_bind_text(st, 7, msg, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				fprintf(stderr, "%s lathe serve: warning: cannot record an event in %s: "
				    "%s\n", ts, ms->path, sqlite3_errmsg(ms->logdb));
		}
		sqlite3_finalize(st);
	}
	free(msg);
}

void
models_record_start(struct model_set *ms, const char *host, const char *address)
{
	sqlite3_stmt *st = NULL;
	struct sbuf b;
	struct jw w;
	char ts[32];

	sbuf_init(&b);
	if (ms->path == NULL)
		goto announce;
	if (sqlite3_open_v2(ms->path, &ms->logdb, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(ms->logdb, 2000);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	for (size_t i = 0; i < ms->n; i++) {
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, ms->slots[i].name);
		jw_key(&w, "ref"); jw_str(&w, ms->slots[i].ref ? ms->slots[i].ref : "");
		jw_key(&w, "bundle"); jw_str(&w, ms->slots[i].bundle);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	if (b.oom || sqlite3_exec(ms->logdb, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(ms->logdb, "INSERT INTO servers(pid, host, address, "
	    "models, started) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, (int64_t)getpid());
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b.s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, time_now_iso(ts), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	ms->server_id = sqlite3_last_insert_rowid(ms->logdb);
	goto announce;
fail:
	fprintf(stderr, "%s lathe serve: warning: cannot record this server in %s (%s); serving "
	    "anyway\n", time_now_iso(ts), ms->path,
	    ms->logdb ? sqlite3_errmsg(ms->logdb) : "cannot open");
	sqlite3_finalize(st);
	st = NULL;
	if (ms->logdb)
		sqlite3_close(ms->logdb);
	ms->logdb = NULL;
announce:
	sqlite3_finalize(st);
	sbuf_free(&b);
	models_log(ms, "info", NULL, 0, 0, "listening on %s (pid %ld)", address, (long)getpid());
	for (size_t i = 0; i < ms->n; i++) {
		struct slot *sl = &ms->slots[i];
		struct served *s = sl->cur;
		if (sl->ref)
			models_log(ms, "info", s->name, s->version, s->run_id, "serving %s as '%s': "
			    "version %d (run %lld)", sl->ref, s->name, s->version, (long long)s->run_id);
		else
			models_log(ms, "info", s->name, s->version, s->run_id, "serving bundle %s as "
			    "'%s': version %d (run %lld)", sl->bundle, s->name, s->version,
			    (long long)s->run_id);
	}
}

void
models_record_stop(struct model_set *ms)
{
	sqlite3_stmt *st = NULL;
	char ts[32];
	if (ms->logdb == NULL)
		return;
	models_log(ms, "info", NULL, 0, 0, "stopped");
	if (sqlite3_prepare_v2(ms->logdb, "UPDATE servers SET stopped = ?1 WHERE id = ?2", -1,
	    &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, time_now_iso(ts), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, ms->server_id);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
}

/* ------------------------------------------------------------------ */
/* hot reload                                                          */

static void
reload_slot(struct model_set *ms, struct slot *sl)
{
	struct model_version mv = { 0 };
	struct served *s = NULL, *old;
	char *err = NULL;
	int cur = sl->cur->version;

	if (registry_resolve(ms->ro, sl->ref, &mv, &err) != 0) {
		if (!sl->resolve_failed)
			models_log(ms, "warning", sl->name, cur, 0, "%s no longer resolves (%s); still "
			    "serving version %d", sl->ref, err ? err : "out of memory", cur);
		sl->resolve_failed = 1;
		free(err);
		return;
	}
	sl->resolve_failed = 0;
	if (mv.version == cur) {
		atomic_store(&sl->failed, 0);
		sl->failed_version = 0;
		goto out;
	}
	if (mv.version == sl->failed_version)
		goto out;
	if (served_from_version(ms->ro, sl->name, &mv, &s, &err) != 0) {
		sl->failed_version = mv.version;
		atomic_store(&sl->failed, 1);
		atomic_fetch_add(&sl->failures, 1);
		models_log(ms, "error", sl->name, mv.version, mv.run_id, "cannot load %s version %d "
		    "(run %lld): %s; still serving version %d", sl->ref, mv.version,
		    (long long)mv.run_id, err ? err : "out of memory", cur);
		free(err);
		goto out;
	}
	s->name = sl->name;
	pthread_mutex_lock(&sl->mu);
	old = sl->cur;
	sl->cur = s;
	pthread_mutex_unlock(&sl->mu);
	served_release(old);	/* freed when its last request finishes */
	atomic_fetch_add(&sl->reloads, 1);
	atomic_store(&sl->failed, 0);
	sl->failed_version = 0;
	models_log(ms, "info", sl->name, s->version, s->run_id, "reloaded %s: version %d -> %d "
	    "(run %lld)", sl->ref, cur, s->version, (long long)s->run_id);
	warn_plugin(ms, s);
out:
	model_version_clear(&mv);
}

void
models_poll(struct model_set *ms)
{
	if (ms->ro == NULL)
		return;
	int64_t v = ms->data_version;
	if (sqlite3_step(ms->dv) == SQLITE_ROW)
		v = sqlite3_column_int64(ms->dv, 0);
	sqlite3_reset(ms->dv);
	if (v == ms->data_version)
		return;
	ms->data_version = v;
	for (size_t i = 0; i < ms->n; i++)
		if (ms->slots[i].ref)
			reload_slot(ms, &ms->slots[i]);
}

/* A Prometheus label value. */
static void
label(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_putc(b, '\\');
		if (*s == '\n')
			sbuf_puts(b, "\\n");
		else
			sbuf_putc(b, *s);
	}
}

void
models_render_metrics(struct model_set *ms, struct sbuf *b)
{
	sbuf_puts(b, "# HELP lathe_model_version Version of each served model now loaded.\n"
	    "# TYPE lathe_model_version gauge\n");
	for (size_t i = 0; i < ms->n; i++) {
		struct slot *sl = &ms->slots[i];
		struct served *s = models_acquire(ms, i);
		sbuf_printf(b, "lathe_model_version{model=\"%s\",ref=\"", sl->name);
		if (sl->ref)
			label(b, sl->ref);
		else {
			sbuf_puts(b, "bundle:");
			label(b, sl->bundle);
		}
		sbuf_printf(b, "\",run=\"%lld\"} %d\n", (long long)s->run_id, s->version);
		served_release(s);
	}
	sbuf_puts(b, "# HELP lathe_model_reloads_total Times a served model was swapped for "
	    "another version.\n# TYPE lathe_model_reloads_total counter\n");
	for (size_t i = 0; i < ms->n; i++)
		sbuf_printf(b, "lathe_model_reloads_total{model=\"%s\"} %llu\n", ms->slots[i].name,
		    (unsigned long long)atomic_load(&ms->slots[i].reloads));
	sbuf_puts(b, "# HELP lathe_model_load_failures_total Versions that failed to load (the "
	    "old one kept serving).\n# TYPE lathe_model_load_failures_total counter\n");
	for (size_t i = 0; i < ms->n; i++)
		sbuf_printf(b, "lathe_model_load_failures_total{model=\"%s\"} %llu\n",
		    ms->slots[i].name, (unsigned long long)atomic_load(&ms->slots[i].failures));
	sbuf_puts(b, "# HELP lathe_model_load_failed 1 while the version a served reference names "
	    "failed to load and an older one is serving.\n# TYPE lathe_model_load_failed gauge\n");
	for (size_t i = 0; i < ms->n; i++)
		sbuf_printf(b, "lathe_model_load_failed{model=\"%s\"} %d\n", ms->slots[i].name,
		    atomic_load(&ms->slots[i].failed));
}

int64_t
models_server_id(const struct model_set *ms)
{
	return ms->logdb ? ms->server_id : 0;
}

const char *
models_project(const struct model_set *ms)
{
	return ms->path;
}
