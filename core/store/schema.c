/*
 * schema.c — the project file's schema, as the list of forward migrations
 * that produce it.  A migration is only ever appended: a released file at
 * version N is upgraded by running migrations N, N+1, ... in one
 * transaction.  Tables are plain SQL so users can query them with sqlite3.
 *
 * Runs (version 2): one row per run with everything needed to re-run it
 * (dataset version and hash, recipe text, algorithm, plugin version and
 * file hash, every parameter as JSON, split, seed, BLAS threads,
 * environment), its status and timing; metrics (per split), curves (per
 * step) and parameters (typed, for SQL) in their own tables; the model
 * payload, fitted recipe, model summary and confusion matrix as artifacts.
 *
 * Registry (version 4): a model is a name; its versions each point at one
 * finished run (a run is registered at most once per model) and record
 * the input schema (the fitted recipe's raw columns and kinds, JSON
 * [{"name", "kind"}]), the output schema (same shape) and an input
 * example ({"columns", "data"}: the first rows of the run's dataset,
 * inputs only).  An alias names one version of a model; every move is
 * appended to model_alias_history (old_version NULL when the alias is
 * new).  Serving processes record themselves in `servers` (stopped NULL
 * while running) and their loads, reloads and failures in server_events,
 * and a sample of what they predict in prediction_log, with how many rows
 * each predicted and logged in prediction_log_counts: these are the only
 * rows a server writes.
 *
 * Dataset payloads (dataset_chunks.data) are little-endian typed arrays:
 *   part 0 (values): numeric columns hold doubles (NaN = missing),
 *                    categorical/text columns hold uint32 dictionary codes
 *                    (0xffffffff = missing); `first` is the first row.
 *                    From schema 6 a chunk may instead hold the smaller
 *                    exact encoding of chunkenc.h (scaled decimals, narrow
 *                    codes); its byte length tells which.
 *   part 1 (dictionary): `n` NUL-terminated UTF-8 strings for codes
 *                    first .. first+n-1, in code order (first appearance).
 *
 * Housekeeping (version 10): run_tags (run, key, value), runs.note and
 * runs.archived (0 or 1), written only by `lathe runs tag|note|archive`
 * and the workbench's run screen.
 */
#include "project.h"
#include "base/util.h"

const char *const schema_migrations[] = {
	/* 0 -> 1: datasets */
	"CREATE TABLE meta(\n"
	"  key   TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL);\n"
	"CREATE TABLE datasets(\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  name    TEXT NOT NULL UNIQUE,\n"
	"  created TEXT NOT NULL);\n"
	"CREATE TABLE dataset_versions(\n"
	"  id           INTEGER PRIMARY KEY,\n"
	"  dataset_id   INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,\n"
	"  version      INTEGER NOT NULL,\n"
	"  hash         TEXT NOT NULL,\n"
	"  nrows        INTEGER NOT NULL,\n"
	"  ncols        INTEGER NOT NULL,\n"
	"  source       TEXT,\n"
	"  source_bytes INTEGER,\n"
	"  options      TEXT NOT NULL,\n"
	"  created      TEXT NOT NULL,\n"
	"  UNIQUE(dataset_id, version),\n"
	"  UNIQUE(dataset_id, hash));\n"
	"CREATE TABLE dataset_columns(\n"
	"  version_id     INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,\n"
	"  idx            INTEGER NOT NULL,\n"
	"  name           TEXT NOT NULL,\n"
	"  kind           TEXT NOT NULL CHECK (kind IN ('numeric','categorical','text')),\n"
	"  is_integer     INTEGER NOT NULL DEFAULT 0,\n"
	"  likely_label   INTEGER NOT NULL DEFAULT 0,\n"
	"  count          INTEGER NOT NULL,\n"
	"  missing        INTEGER NOT NULL,\n"
	"  distinct_count INTEGER NOT NULL,\n"
	"  mean REAL, std REAL, min REAL, q25 REAL, median REAL, q75 REAL, max REAL,\n"
	"  top            TEXT NOT NULL,\n"
	"  nlevels        INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY(version_id, idx));\n"
	"CREATE TABLE dataset_chunks(\n"
	"  id         INTEGER PRIMARY KEY,\n"
	"  version_id INTEGER NOT NULL,\n"
	"  col        INTEGER NOT NULL,\n"
	"  part       INTEGER NOT NULL CHECK (part IN (0, 1)),\n"
	"  seq        INTEGER NOT NULL,\n"
	"  first      INTEGER NOT NULL,\n"
	"  n          INTEGER NOT NULL,\n"
	"  data       BLOB NOT NULL,\n"
	"  UNIQUE(version_id, col, part, seq),\n"
	"  FOREIGN KEY(version_id, col) REFERENCES dataset_columns(version_id, idx)\n"
	"    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);\n",

	/* 1 -> 2: experiments and runs */
	"CREATE TABLE experiments(\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  name    TEXT NOT NULL UNIQUE,\n"
	"  created TEXT NOT NULL);\n"
	"CREATE TABLE runs(\n"
	"  id                 INTEGER PRIMARY KEY,\n"
	"  experiment_id      INTEGER REFERENCES experiments(id),\n"
	"  parent_run         INTEGER REFERENCES runs(id),\n"
	"  dataset_version_id INTEGER NOT NULL REFERENCES dataset_versions(id),\n"
	"  dataset_hash       TEXT NOT NULL,\n"
	"  target             TEXT,\n"
	"  task               TEXT NOT NULL CHECK (task IN ('regression', 'classification',\n"
	"                       'clustering', 'projection')),\n"
	"  algo               TEXT NOT NULL,\n"
	"  plugin_version     TEXT NOT NULL,\n"
	"  plugin_hash        TEXT NOT NULL,\n"
	"  plugin_path        TEXT NOT NULL,\n"
	"  params             TEXT NOT NULL,\n"
	"  recipe             TEXT NOT NULL,\n"
	"  recipe_name        TEXT,\n"
	"  recipe_version     INTEGER,\n"
	"  split              TEXT NOT NULL,\n"
	"  seed               INTEGER NOT NULL,\n"
	"  threads            INTEGER NOT NULL,\n"
	"  env                TEXT NOT NULL,\n"
	"  status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished',\n"
	"                       'failed', 'cancelled')),\n"
	"  error              TEXT,\n"
	"  created            TEXT NOT NULL,\n"
	"  started            TEXT,\n"
	"  finished           TEXT,\n"
	"  duration           REAL,\n"
	"  pid                INTEGER,\n"
	"  host               TEXT,\n"
	"  classes            TEXT,\n"
	"  features           TEXT,\n"
	"  timings            TEXT,\n"
	"  log                TEXT NOT NULL DEFAULT '');\n"
	"CREATE INDEX runs_experiment ON runs(experiment_id);\n"
	"CREATE INDEX runs_status ON runs(status);\n"
	"CREATE TABLE run_params(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name   TEXT NOT NULL,\n"
	"  value,\n"
	"  PRIMARY KEY(run_id, name));\n"
	"CREATE TABLE run_metrics(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name   TEXT NOT NULL,\n"
	"  split  TEXT NOT NULL CHECK (split IN ('train', 'test')),\n"
	"  value  REAL,\n"
	"  PRIMARY KEY(run_id, name, split));\n"
	"CREATE TABLE run_curves(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name   TEXT NOT NULL,\n"
	"  step   INTEGER NOT NULL,\n"
	"  value  REAL,\n"
	"  PRIMARY KEY(run_id, name, step));\n"
	"CREATE TABLE run_artifacts(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name   TEXT NOT NULL,\n"
	"  format INTEGER NOT NULL DEFAULT 1,\n"
	"  data   BLOB NOT NULL,\n"
	"  PRIMARY KEY(run_id, name));\n",

	/* 2 -> 3: feature recipes */
	"CREATE TABLE recipes(\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  name    TEXT NOT NULL UNIQUE,\n"
	"  created TEXT NOT NULL);\n"
	"CREATE TABLE recipe_versions(\n"
	"  id        INTEGER PRIMARY KEY,\n"
	"  recipe_id INTEGER NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,\n"
	"  version   INTEGER NOT NULL,\n"
	"  hash      TEXT NOT NULL,\n"
	"  text      TEXT NOT NULL,\n"
	"  source    TEXT,\n"
	"  created   TEXT NOT NULL,\n"
	"  UNIQUE(recipe_id, version),\n"
	"  UNIQUE(recipe_id, hash));\n",

	/* 3 -> 4: model registry and serving records */
	"CREATE TABLE models(\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  name    TEXT NOT NULL UNIQUE,\n"
	"  created TEXT NOT NULL);\n"
	"CREATE TABLE model_versions(\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  model_id      INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,\n"
	"  version       INTEGER NOT NULL,\n"
	"  run_id        INTEGER NOT NULL REFERENCES runs(id),\n"
	"  input_schema  TEXT NOT NULL,\n"
	"  output_schema TEXT NOT NULL,\n"
	"  input_example TEXT NOT NULL,\n"
	"  created       TEXT NOT NULL,\n"
	"  UNIQUE(model_id, version),\n"
	"  UNIQUE(model_id, run_id));\n"
	"CREATE TABLE model_aliases(\n"
	"  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,\n"
	"  alias    TEXT NOT NULL,\n"
	"  version  INTEGER NOT NULL,\n"
	"  updated  TEXT NOT NULL,\n"
	"  PRIMARY KEY(model_id, alias),\n"
	"  FOREIGN KEY(model_id, version) REFERENCES model_versions(model_id, version));\n"
	"CREATE TABLE model_alias_history(\n"
	"  id          INTEGER PRIMARY KEY,\n"
	"  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,\n"
	"  alias       TEXT NOT NULL,\n"
	"  old_version INTEGER,\n"
	"  new_version INTEGER,\n"
	"  time        TEXT NOT NULL);\n"
	"CREATE INDEX model_alias_history_model ON model_alias_history(model_id, id);\n"
	"CREATE TABLE servers(\n"
	"  id      INTEGER PRIMARY KEY,\n"
	"  pid     INTEGER NOT NULL,\n"
	"  host    TEXT NOT NULL,\n"
	"  address TEXT NOT NULL,\n"
	"  models  TEXT NOT NULL,\n"
	"  started TEXT NOT NULL,\n"
	"  stopped TEXT);\n"
	"CREATE TABLE server_events(\n"
	"  id        INTEGER PRIMARY KEY,\n"
	"  server_id INTEGER REFERENCES servers(id) ON DELETE CASCADE,\n"
	"  time      TEXT NOT NULL,\n"
	"  level     TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),\n"
	"  model     TEXT,\n"
	"  version   INTEGER,\n"
	"  run_id    INTEGER,\n"
	"  message   TEXT NOT NULL);\n",

	/* 4 -> 5: the serving prediction log, for drift checks */
	"CREATE TABLE prediction_log(\n"
	"  id        INTEGER PRIMARY KEY,\n"
	"  server_id INTEGER REFERENCES servers(id) ON DELETE SET NULL,\n"
	"  model     TEXT NOT NULL,\n"
	"  version   INTEGER NOT NULL,\n"
	"  run_id    INTEGER NOT NULL,\n"
	"  time      TEXT NOT NULL,\n"
	"  input     TEXT NOT NULL,\n"
	"  output    TEXT NOT NULL);\n"
	"CREATE INDEX prediction_log_model ON prediction_log(model, version, id);\n",

	/* 5 -> 6: value chunks may be encoded (chunkenc.h); older chunks stay
	 * raw and readable, and older binaries refuse the file cleanly */
	"INSERT INTO meta(key, value) VALUES ('chunk_format', 'raw or chunkenc 1')\n"
	"  ON CONFLICT(key) DO UPDATE SET value = excluded.value;\n",

	/* 6 -> 7: who a queued or running run belongs to, so that a run whose
	 * processes are gone is found (proc.h): pid_start is the training
	 * child's identity stamp beside pid; owner_pid/owner_start are the
	 * process that recorded the run and waits for it (lathe train, the
	 * workbench) */
	"ALTER TABLE runs ADD COLUMN pid_start TEXT;\n"
	"ALTER TABLE runs ADD COLUMN owner_pid INTEGER;\n"
	"ALTER TABLE runs ADD COLUMN owner_start TEXT;\n",

	/* 7 -> 8: a numeric column's infinite values (+inf, -inf) counted
	 * apart from its finite statistics; NULL for versions stored before,
	 * whose statistics describe recomputes when they held any */
	"ALTER TABLE dataset_columns ADD COLUMN pos_inf INTEGER;\n"
	"ALTER TABLE dataset_columns ADD COLUMN neg_inf INTEGER;\n",

	/* 8 -> 9: how many rows each server predicted and logged per model
	 * version, and how it sampled them, so that lathe drift can say what
	 * its sample of prediction_log stands for */
	"CREATE TABLE prediction_log_counts(\n"
	"  server_id   INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,\n"
	"  model       TEXT NOT NULL,\n"
	"  version     INTEGER NOT NULL,\n"
	"  predicted   INTEGER NOT NULL,\n"
	"  logged      INTEGER NOT NULL,\n"
	"  sample_rate REAL NOT NULL,\n"
	"  max_per_sec INTEGER NOT NULL,\n"
	"  PRIMARY KEY (server_id, model, version));\n",

	/* 9 -> 10: run housekeeping (lathe runs tag|note|archive|delete):
	 * a run's tags, one row per key (values are text; a key is set at
	 * most once per run), a free-text note, and an archived flag that
	 * hides the run from listings without deleting it.  Deleting a run
	 * removes its tags with it (ON DELETE CASCADE, as its metrics). */
	"CREATE TABLE run_tags(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  key    TEXT NOT NULL,\n"
	"  value  TEXT NOT NULL,\n"
	"  PRIMARY KEY(run_id, key));\n"
	"CREATE INDEX run_tags_key ON run_tags(key, value);\n"
	"ALTER TABLE runs ADD COLUMN note TEXT;\n"
	"ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;\n",
	/* 10 -> 11: cross-validation as one run (train --cv K): each fold's
	 * validation metrics (run_cv_folds, one row per repetition, fold and
	 * metric, with the fold's row counts) and their aggregate
	 * (run_cv_metrics: mean and sample standard deviation over the n folds
	 * where the metric was defined).  The run's own run_metrics are those
	 * of the model refit on all its training rows. */
	"CREATE TABLE run_cv_metrics(\n"
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  name   TEXT NOT NULL,\n"
	"  mean   REAL,\n"
	"  std    REAL,\n"
	"  n      INTEGER NOT NULL,\n"
	"  PRIMARY KEY(run_id, name));\n"
	"CREATE TABLE run_cv_folds(\n"
	"  run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
	"  rep     INTEGER NOT NULL,\n"
	"  fold    INTEGER NOT NULL,\n"
	"  name    TEXT NOT NULL,\n"
	"  value   REAL,\n"
	"  n_train INTEGER NOT NULL,\n"
	"  n_valid INTEGER NOT NULL,\n"
	"  PRIMARY KEY(run_id, rep, fold, name));\n",
};

const int schema_nmigrations = (int)ARRAY_LEN(schema_migrations);
