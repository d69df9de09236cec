/*
 * registry.c — the model registry; see registry.h for references and
 * invariants, schema.c (version 4) for the tables.
 *
 * Registering opens the run's predictor once: it proves the model loads
 * (a version that cannot be served is refused, with the loader's reason)
 * and gives the fitted recipe's raw inputs and the output names from the
 * same code serving will use.  The input example is the first few rows of
 * the run's dataset version, restricted to those inputs, in the
 * dataframe_split shape so that it can be pasted into a scoring request.
 */
#include "registry.h"
#include "base/jsonw.h"
#include "base/util.h"
#include "store/dataset.h"
#include "train/plugin.h"
#include "train/predict.h"
#include "train/run.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXAMPLE_ROWS 5

int
registry_is_run_ref(const char *ref)
{
	const char *p = ref;
	if (*p == 'r' || *p == 'R')
		p++;
	if (*p == '\0')
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

static int
name_chars_ok(const char *s, const char *extra)
{
	size_t n = strlen(s);
	if (n == 0 || n > MODEL_NAME_MAX || !isalpha((unsigned char)s[0]))
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && strchr(extra, *p) == NULL)
			return 0;
	return 1;
}

int
model_name_valid(const char *name)
{
	return name_chars_ok(name, "_-.") && !registry_is_run_ref(name);
}

int
alias_name_valid(const char *alias)
{
	return name_chars_ok(alias, "_-") && strcmp(alias, "latest") != 0;
}

void
model_ref_clear(struct model_ref *r)
{
	free(r->name);
	free(r->alias);
	memset(r, 0, sizeof *r);
}

/* "3" or "v3" -> 3; 0 if sel is not a version number. */
static int
version_of(const char *sel)
{
	const char *p = sel;
	if (*p == 'v' || *p == 'V')
		p++;
	if (*p == '\0' || strlen(p) > 9)
		return 0;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return 0;
	return atoi(p);
}

int
model_ref_parse(const char *ref, struct model_ref *r, char **err)
{
	memset(r, 0, sizeof *r);
	const char *at = strchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	if ((r->name = str_ndup(ref, n)) == NULL)
		return err_set(err, "out of memory");
	if (!model_name_valid(r->name))
		return err_set(err, "bad model name '%s' (letters, digits, '_', '-', '.', starting "
		    "with a letter, at most %d bytes)", r->name, MODEL_NAME_MAX);
	if (at == NULL)
		return 0;
	const char *sel = at + 1;
	if (strcmp(sel, "latest") == 0)
		return 0;
	if ((r->version = version_of(sel)) > 0)
		return 0;
	if (!alias_name_valid(sel))
		return err_set(err, "bad model reference '%s' (expected NAME, NAME@VERSION or "
		    "NAME@ALIAS)", ref);
	if ((r->alias = str_dup(sel)) == NULL)
		return err_set(err, "out of memory");
	return 0;
}

void
model_version_clear(struct model_version *mv)
{
	free(mv->name);
	free(mv->input_schema);
	free(mv->output_schema);
	free(mv->input_example);
	free(mv->created);
	memset(mv, 0, sizeof *mv);
}

/* Model id of `name`, or 0 when there is none. */
static int
model_id(struct project *p, const char *name, int64_t *id, char **err)
{
	sqlite3_stmt *st = NULL;
	*id = 0;
	if (db_prepare(p, "SELECT id FROM models WHERE name = ?1", &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(p, err);
	}
	sqlite3_finalize(st);
	return 0;
}

static int
no_model(struct project *p, const char *name, char **err)
{
	sqlite3_stmt *st = NULL;
	struct sbuf b;
	sbuf_init(&b);
	if (sqlite3_prepare_v2(p->db, "SELECT name FROM models ORDER BY name", -1, &st,
	    NULL) == SQLITE_OK)
		while (sqlite3_step(st) == SQLITE_ROW) {
			sbuf_puts(&b, b.len ? ", " : "");
			sbuf_puts(&b, (const char *)sqlite3_column_text(st, 0));
		}
	sqlite3_finalize(st);
	if (b.len)
		err_set(err, "no model '%s' (registered models: %s)", name, b.s);
	else
		err_set(err, "no model '%s' (none registered yet: 'lathe model register RUN "
		    "--name NAME')", name);
	sbuf_free(&b);
	return -1;
}

int
registry_resolve(struct project *p, const char *ref, struct model_version *mv, char **err)
{
	struct model_ref r;
	sqlite3_stmt *st = NULL;
	int64_t mid;
	int rc = -1, version = 0;

	memset(mv, 0, sizeof *mv);
	if (model_ref_parse(ref, &r, err) != 0)
		goto out;
	if (model_id(p, r.name, &mid, err) != 0)
		goto out;
	if (mid == 0) {
		no_model(p, r.name, err);
		goto out;
	}
	if (r.alias) {
		if (db_prepare(p, "SELECT version FROM model_aliases WHERE model_id = ?1 AND "
		    "alias = ?2", &st, err) != 0)
			goto out;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_text(st, 2, r.alias, -1, SQLITE_STATIC);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			version = sqlite3_column_int(st, 0);
		} else if (s == SQLITE_DONE) {
			err_set(err, "model '%s' has no alias '%s' (set one with 'lathe model alias "
			    "%s@VERSION %s')", r.name, r.alias, r.name, r.alias);
			goto out;
		} else {
			db_fail(p, err);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	} else {
		version = r.version;
	}
	if (db_prepare(p, "SELECT version, run_id, input_schema, output_schema, input_example, "
	    "created FROM model_versions WHERE model_id = ?1 AND (?2 = 0 AND version = "
	    "(SELECT max(version) FROM model_versions WHERE model_id = ?1) OR version = ?2)",
	    &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int(st, 2, version);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		if (version)
			err_set(err, "model '%s' has no version %d", r.name, version);
		else
			err_set(err, "model '%s' has no versions", r.name);
		goto out;
	}
	if (s != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	mv->model_id = mid;
	mv->version = sqlite3_column_int(st, 0);
	mv->run_id = sqlite3_column_int64(st, 1);
	mv->name = str_dup(r.name);
	mv->input_schema = db_text_dup(st, 2);
	mv->output_schema = db_text_dup(st, 3);
	mv->input_example = db_text_dup(st, 4);
	mv->created = db_text_dup(st, 5);
	if (!mv->name || !mv->input_schema || !mv->output_schema || !mv->input_example ||
	    !mv->created) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		model_version_clear(mv);
	sqlite3_finalize(st);
	model_ref_clear(&r);
	return rc;
}

int
registry_run_ref(struct project *p, const char *ref, char buf[32], char **err)
{
	struct model_version mv;
	struct model_ref r;
	if (registry_is_run_ref(ref)) {
		snprintf(buf, 32, "%s", ref);
		return 0;
	}
	if (model_ref_parse(ref, &r, NULL) != 0) {
		model_ref_clear(&r);
		return err_set(err, "'%s' is neither a run (17, r17) nor a model (NAME, "
		    "NAME@VERSION, NAME@ALIAS)", ref);
	}
	model_ref_clear(&r);
	if (registry_resolve(p, ref, &mv, err) != 0)
		return -1;
	snprintf(buf, 32, "%lld", (long long)mv.run_id);
	model_version_clear(&mv);
	return 0;
}

/* Input and output schemas of an open predictor, as JSON. */
static int
schemas(const struct predictor *pr, char **in, char **outs, char **err)
{
	struct sbuf b;
	struct jw w;

	sbuf_init(&b);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	for (size_t i = 0; i < predictor_ninputs(pr); i++) {
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, predictor_input_name(pr, i));
		jw_key(&w, "kind"); jw_str(&w, fkind_name(predictor_input_kind(pr, i)));
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	*in = sbuf_detach(&b);
	jw_init(&w, &b, 0);
	jw_arr(&w);
	for (size_t i = 0; i < predictor_noutputs(pr); i++) {
		int label = i == 0 && predictor_task(pr) == LATHE_TASK_CLASSIFICATION;
		jw_obj(&w);
		jw_key(&w, "name"); jw_str(&w, predictor_output_name(pr, i));
		jw_key(&w, "kind"); jw_str(&w, label ? "categorical" : "numeric");
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	*outs = sbuf_detach(&b);
	if (*in == NULL || *outs == NULL)
		return err_set(err, "out of memory");
	return 0;
}

/* The first rows of the run's dataset, inputs only, as dataframe_split. */
static int
input_example(struct project *p, const struct run_info *ri, const struct predictor *pr,
    char **out, char **err)
{
	struct dsver v = { 0 };
	struct table *t = NULL;
	struct sbuf b;
	struct jw w;
	int rc = -1;
	size_t nin = predictor_ninputs(pr);
	int *col = NULL;

	sbuf_init(&b);
	*out = NULL;
	if (dataset_resolve(p, ri->dataset, &v, err) != 0 ||
	    dataset_load(p, &v, EXAMPLE_ROWS, &t, err) != 0)
		goto out;
	if ((col = calloc(nin ? nin : 1, sizeof *col)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nin; i++) {
		col[i] = -1;
		for (size_t j = 0; j < t->ncols; j++)
			if (strcmp(t->cols[j].name, predictor_input_name(pr, i)) == 0)
				col[i] = (int)j;
		if (col[i] < 0) {
			err_set(err, "dataset %s has no column '%s', which run %lld's recipe reads",
			    ri->dataset, predictor_input_name(pr, i), (long long)ri->id);
			goto out;
		}
	}
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "columns");
	jw_arr(&w);
	for (size_t i = 0; i < nin; i++)
		jw_str(&w, predictor_input_name(pr, i));
	jw_arr_end(&w);
	jw_key(&w, "data");
	jw_arr(&w);
	for (size_t r = 0; r < t->nrows; r++) {
		jw_arr(&w);
		for (size_t i = 0; i < nin; i++) {
			const struct column *c = &t->cols[col[i]];
			if (c->kind == COL_NUMERIC)
				jw_num(&w, column_num_at(c, r));
			else
				jw_str(&w, column_str_at(c, r));
		}
		jw_arr_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	if ((*out = sbuf_detach(&b)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(col);
	sbuf_free(&b);
	table_free(t);
	dsver_clear(&v);
	return rc;
}

int
registry_register(struct project *p, const char *run_ref, const char *name,
    struct model_version *out, char **err)
{
	struct run_info ri;
	struct predictor *pr = NULL;
	sqlite3_stmt *st = NULL;
	char *in = NULL, *outs = NULL, *example = NULL, ts[32];
	int64_t mid = 0;
	int rc = -1, have_ri = 0;

	memset(out, 0, sizeof *out);
	if (!model_name_valid(name))
		return err_set(err, "bad model name '%s' (letters, digits, '_', '-', '.', starting "
		    "with a letter, at most %d bytes, not like a run id)", name, MODEL_NAME_MAX);
	if (run_load(p, run_ref, &ri, err) != 0)
		return -1;
	have_ri = 1;
	if (ri.status != RUN_FINISHED) {
		err_set(err, "run %lld is %s: only a finished run can be registered",
		    (long long)ri.id, run_status_name(ri.status));
		goto out;
	}
	if (predictor_open_run(p, run_ref, &pr, err) != 0 ||
	    schemas(pr, &in, &outs, err) != 0 ||
	    input_example(p, &ri, pr, &example, err) != 0)
		goto out;
	if (project_begin(p, err) != 0)
		goto out;
	if (model_id(p, name, &mid, err) != 0)
		goto out;
	time_now_iso(ts);
	if (mid == 0) {
		if (db_prepare(p, "INSERT INTO models(name, created) VALUES (?1, ?2)", &st,
		    err) != 0)
			goto out;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			db_fail(p, err);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		mid = sqlite3_last_insert_rowid(p->db);
	} else {
		if (db_prepare(p, "SELECT version FROM model_versions WHERE model_id = ?1 AND "
		    "run_id = ?2", &st, err) != 0)
			goto out;
		sqlite3_bind_int64(st, 1, mid);
		sqlite3_bind_int64(st, 2, ri.id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			err_set(err, "run %lld is already version %d of model '%s'", (long long)ri.id,
			    sqlite3_column_int(st, 0), name);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (db_prepare(p, "INSERT INTO model_versions(model_id, version, run_id, input_schema, "
	    "output_schema, input_example, created) VALUES (?1, (SELECT coalesce(max(version), "
	    "0) + 1 FROM model_versions WHERE model_id = ?1), ?2, ?3, ?4, ?5, ?6) "
	    "RETURNING version", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int64(st, 2, ri.id);
	sqlite3_bind_text(st, 3, in, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, outs, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, example, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	out->version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (project_commit(p, err) != 0)
		goto out;
	out->model_id = mid;
	out->run_id = ri.id;
	out->name = str_dup(name);
	out->created = str_dup(ts);
	out->input_schema = in;
	out->output_schema = outs;
	out->input_example = example;
	in = outs = example = NULL;
	if (out->name == NULL || out->created == NULL) {
		model_version_clear(out);
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (rc != 0)
		project_rollback(p);
	free(in);
	free(outs);
	free(example);
	predictor_free(pr);
	if (have_ri)
		run_info_clear(&ri);
	return rc;
}

int
registry_alias(struct project *p, const char *name, int version, const char *alias,
    int *old_version, char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t mid;
	char ts[32];
	int rc = -1;

	*old_version = 0;
	if (!alias_name_valid(alias))
		return err_set(err, "bad alias '%s' (letters, digits, '_', '-', starting with a "
		    "letter, at most %d bytes; 'latest' is reserved)", alias, MODEL_NAME_MAX);
	if (project_begin(p, err) != 0)
		return -1;
	if (model_id(p, name, &mid, err) != 0)
		goto out;
	if (mid == 0) {
		no_model(p, name, err);
		goto out;
	}
	if (db_prepare(p, "SELECT (SELECT count(*) FROM model_versions WHERE model_id = ?1 AND "
	    "version = ?2), (SELECT max(version) FROM model_versions WHERE model_id = ?1), "
	    "(SELECT version FROM model_aliases WHERE model_id = ?1 AND alias = ?3)", &st,
	    err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, alias, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_fail(p, err);
		goto out;
	}
	if (sqlite3_column_int(st, 0) == 0) {
		err_set(err, "model '%s' has no version %d (versions 1 to %d)", name, version,
		    sqlite3_column_int(st, 1));
		goto out;
	}
	*old_version = sqlite3_column_int(st, 2);	/* NULL -> 0 */
	sqlite3_finalize(st);
	st = NULL;
	if (*old_version == version) {
		project_rollback(p);
		return 0;
	}
	time_now_iso(ts);
	if (db_prepare(p, "INSERT INTO model_aliases(model_id, alias, version, updated) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(model_id, alias) DO UPDATE SET "
	    "version = excluded.version, updated = excluded.updated", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, version);
	sqlite3_bind_text(st, 4, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(p, "INSERT INTO model_alias_history(model_id, alias, old_version, "
	    "new_version, time) VALUES (?1, ?2, ?3, ?4, ?5)", &st, err) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	if (*old_version)
		sqlite3_bind_int(st, 3, *old_version);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, version);
	sqlite3_bind_text(st, 5, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = project_commit(p, err);
out:
	sqlite3_finalize(st);
	if (rc != 0)
		project_rollback(p);
	return rc;
}

static const char *
text_or(sqlite3_stmt *st, int i, const char *dflt)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : dflt;
}

int
registry_list(struct project *p, const char *name, registry_visit_fn fn, void *ctx,
    char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t mid = 0;
	int rc = -1;

	if (name) {
		if (model_id(p, name, &mid, err) != 0)
			return -1;
		if (mid == 0)
			return no_model(p, name, err);
	}
	if (db_prepare(p,
	    "SELECT m.name, v.version, v.version = (SELECT max(version) FROM model_versions "
	    "WHERE model_id = m.id), v.run_id, r.algo, r.task, d.name || '@' || dv.version, "
	    "r.status, (SELECT group_concat(alias, ',') FROM (SELECT alias FROM model_aliases a "
	    "WHERE a.model_id = m.id AND a.version = v.version ORDER BY alias)), v.created, "
	    "v.input_schema, v.output_schema, v.input_example "
	    "FROM model_versions v JOIN models m ON m.id = v.model_id "
	    "JOIN runs r ON r.id = v.run_id "
	    "JOIN dataset_versions dv ON dv.id = r.dataset_version_id "
	    "JOIN datasets d ON d.id = dv.dataset_id "
	    "WHERE ?1 = 0 OR m.id = ?1 ORDER BY m.name, v.version", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct model_row r = {
			.name = text_or(st, 0, ""),
			.version = sqlite3_column_int(st, 1),
			.latest = sqlite3_column_int(st, 2),
			.run_id = sqlite3_column_int64(st, 3),
			.algo = text_or(st, 4, ""),
			.task = text_or(st, 5, ""),
			.dataset = text_or(st, 6, ""),
			.status = text_or(st, 7, ""),
			.aliases = text_or(st, 8, ""),
			.created = text_or(st, 9, ""),
			.input_schema = text_or(st, 10, "[]"),
			.output_schema = text_or(st, 11, "[]"),
			.input_example = text_or(st, 12, "{}"),
		};
		if (fn(ctx, &r) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
registry_history(struct project *p, const char *name, registry_history_fn fn, void *ctx,
    char **err)
{
	sqlite3_stmt *st = NULL;
	int64_t mid;
	int rc = -1;

	if (model_id(p, name, &mid, err) != 0)
		return -1;
	if (mid == 0)
		return no_model(p, name, err);
	if (db_prepare(p, "SELECT alias, coalesce(old_version, 0), coalesce(new_version, 0), "
	    "time FROM model_alias_history WHERE model_id = ?1 ORDER BY id", &st, err) != 0)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct alias_move m = {
			.alias = text_or(st, 0, ""),
			.old_version = sqlite3_column_int(st, 1),
			.new_version = sqlite3_column_int(st, 2),
			.time = text_or(st, 3, ""),
		};
		if (fn(ctx, &m) != 0) {
			err_set(err, "out of memory");
			goto out;
		}
	}
	if (s != SQLITE_DONE) {
		db_fail(p, err);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int
registry_open_readonly(const char *path, struct project **out, char **err)
{
	/* a project of an older schema that we may write is brought up to
	 * date first (what any other command would do); one we may not write
	 * is refused by project_open_readonly, saying so */
	if (access(path, W_OK) == 0) {
		struct project *q = NULL;
		if (project_open(path, &q, NULL) == 0)
			project_close(q);
	}
	return project_open_readonly(path, out, err);
}
