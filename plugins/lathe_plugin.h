/*
 * lathe_plugin.h — the public ABI between lathe and its algorithm plugins.
 *
 * An algorithm is a shared object that exports ONE function:
 *
 *     const struct lathe_plugin *lathe_plugin_entry(void);
 *
 * returning a pointer to a static, constant descriptor.  lathe loads every
 * plugin with dlopen(RTLD_NOW | RTLD_LOCAL), calls the entry point, checks
 * the ABI version, and from then on talks to the algorithm only through the
 * descriptor's operations.  The built-in algorithms (linear, ridge,
 * logistic, kmeans, pca, tree, forest, gbdt) are plugins exactly like a
 * third party's.
 *
 * VERSIONING
 *   abi_major changes when anything here changes incompatibly; lathe
 *   refuses a plugin whose major differs from its own.  abi_minor grows
 *   when fields are appended to the END of a struct; lathe accepts a
 *   plugin built against an older minor (it never reads fields the plugin
 *   does not have) and refuses one built against a newer minor than its own.
 *   Both numbers appear in every refusal message.
 *
 *   Arrays of structs carry their element size (as Redis modules'
 *   sizeof_* fields do): lathe steps through `params` by the descriptor's
 *   sizeof_param, never by its own sizeof, so appending a field to
 *   lathe_param_spec cannot shift the parameters of an older plugin.  A
 *   plugin built against ABI 1.0 (which has no sizeof_param) is read with
 *   the 1.0 element size.  Every other array crossing the ABI holds
 *   scalars or pointers (num, str, choices, feature_names, X, y, labels).
 *
 *   History:  1.0  first release.
 *             1.1  lathe_plugin.sizeof_param appended.
 *             1.2  lathe_plugin.capabilities and lathe_data.feature_kinds
 *                  appended: a plugin may take missing values and
 *                  categorical columns natively (see DATA).
 *
 * MEMORY AND ERRORS
 *   Operations return 0 on success and a LATHE_E* code on failure.  When
 *   they fail they may set *err to a one-line, lowercase message allocated
 *   with malloc(); lathe frees it with free().  Buffers returned by save()
 *   and summary() are malloc()ed by the plugin and freed by lathe with
 *   free().  (Plugin and host share the C library's allocator.)  Everything
 *   lathe passes in is borrowed for the duration of the call only.
 *   A plugin never calls exit() or abort(), and never writes to stdout.
 *
 * THREADS
 *   fit() runs in a child process of lathe, so a crash cannot harm the
 *   workbench.  A plugin may use threads and BLAS internally.  predict()
 *   must be safe to call concurrently on one model from several threads
 *   (the serving process shares a loaded model read-only).
 *
 * DATA
 *   Features arrive as one dense, row-major double matrix, already
 *   transformed by the run's fitted feature recipe (imputed, encoded,
 *   scaled): no missing values, no strings.  Classification targets arrive
 *   as class indexes 0..n_classes-1; lathe maps them back to labels.
 *
 *   Since ABI 1.2 a plugin may declare `capabilities`.  With
 *   LATHE_CAP_MISSING, lathe's default feature handling does not impute:
 *   missing values arrive as NaN, in fit and in predict.  With
 *   LATHE_CAP_CATEGORICAL it does not one-hot encode string columns: each
 *   arrives as one column of dictionary codes 0, 1, 2, ... (as doubles;
 *   NaN when missing, or when predict meets a category the training data
 *   did not have), and lathe_data.feature_kinds marks it
 *   LATHE_FEATURE_CATEGORICAL.  A recipe's explicit steps still apply
 *   (an `impute` or `onehot` step does what it says).  A plugin reads
 *   feature_kinds only when host->abi_minor >= 2; lathe sets it only for
 *   plugins that declare LATHE_CAP_CATEGORICAL.
 *
 * PAYLOADS
 *   save() turns a fitted model into bytes that load() turns back into an
 *   equivalent model.  The bytes must begin with the plugin's own format
 *   version (model_format) so that a newer plugin can read older payloads
 *   and an older one can refuse newer payloads with a clear message.
 *   Doubles should be stored as binary or with "%.17g" in the C locale so
 *   a reloaded model predicts bit for bit what the saved one did.
 */
#ifndef LATHE_PLUGIN_H
#define LATHE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LATHE_PLUGIN_ABI_MAJOR	1
#define LATHE_PLUGIN_ABI_MINOR	2

/* The name of the one exported symbol. */
#define LATHE_PLUGIN_ENTRY	"lathe_plugin_entry"

/* Return codes.  Only ever appended to. */
enum lathe_status {
	LATHE_OK = 0,
	LATHE_EINVAL = 1,	/* bad argument or data (message says which) */
	LATHE_ENOMEM = 2,	/* out of memory */
	LATHE_ECANCELLED = 3,	/* host->cancelled() said stop */
	LATHE_ENOCONV = 4,	/* did not converge (a model may still exist) */
	LATHE_EFORMAT = 5,	/* payload unreadable or from a newer format */
	LATHE_ENUMERIC = 6,	/* numerical failure (singular matrix, NaN) */
};

/* What an algorithm can do; a plugin's `tasks` is a bit set of these. */
enum lathe_task {
	LATHE_TASK_REGRESSION = 1u << 0,	/* predict: n values */
	LATHE_TASK_CLASSIFICATION = 1u << 1,	/* predict: n x n_classes probabilities */
	LATHE_TASK_CLUSTERING = 1u << 2,	/* predict: n cluster indexes (as doubles) */
	LATHE_TASK_PROJECTION = 1u << 3,	/* predict: n x output_width components */
};

/* What a plugin takes natively (ABI 1.2); `capabilities` is a bit set. */
enum lathe_capability {
	LATHE_CAP_MISSING = 1u << 0,		/* NaN in X, in fit and predict */
	LATHE_CAP_CATEGORICAL = 1u << 1,	/* string columns as codes */
};

/* lathe_data.feature_kinds values (ABI 1.2). */
enum lathe_feature_kind {
	LATHE_FEATURE_NUMERIC = 0,
	LATHE_FEATURE_CATEGORICAL = 1,	/* codes 0..k-1 as doubles, NaN missing */
};

/* Hyperparameter types. */
enum lathe_param_type {
	LATHE_PARAM_INT = 0,
	LATHE_PARAM_REAL = 1,
	LATHE_PARAM_BOOL = 2,
	LATHE_PARAM_CHOICE = 3,
};

/*
 * One hyperparameter.  lathe validates user input against it (type,
 * bounds, choices) before create() is called, fills in defaults, records
 * every value with the run, builds the training form in the workbench from
 * it, and enumerates it in sweeps.  Use scikit-learn's name where the
 * concept is the same (C, alpha, max_iter, tol, n_clusters, ...).
 * A plugin hands lathe an array of these and its element size
 * (lathe_plugin.sizeof_param); new fields are only ever appended.
 */
struct lathe_param_spec {
	const char		 *name;
	enum lathe_param_type	  type;
	const char		 *help;		/* one line */
	double			  def;		/* INT, REAL, BOOL (0 or 1) */
	double			  min, max;	/* inclusive; INT and REAL only */
	int			  has_min, has_max;
	int			  exclusive_min;/* min itself not allowed (e.g. C > 0) */
	const char *const	 *choices;	/* CHOICE: NULL-terminated list */
	const char		 *def_choice;	/* CHOICE: the default */
	int			  log_scale;	/* hint: search this on a log scale */
};

/*
 * Values for every hyperparameter, in the order of the plugin's `params`
 * array, defaults filled in.  num[i] holds INT/REAL/BOOL values; str[i]
 * holds CHOICE values (NULL for the other types).
 */
struct lathe_params {
	size_t			 n;
	const double		*num;
	const char *const	*str;
};

/*
 * Services the host offers a plugin during create() and fit().  Every
 * pointer is valid (the host supplies no-op versions where it has nothing
 * to do).  `ctx` is passed back unchanged.
 */
struct lathe_host {
	uint32_t	 abi_major, abi_minor;
	void		*ctx;
	/* Report progress: iteration (or epoch) `step` of at most `total`
	 * (0 = unknown), current training loss (NaN if none).  Drives the
	 * progress bar, the ETA and the run's "loss" curve.  Cheap to call. */
	void		(*progress)(void *ctx, int step, int total, double loss);
	/* Record one point of a named curve (e.g. "val_accuracy" per epoch).
	 * Curves are stored with the run and plotted by the workbench. */
	void		(*curve)(void *ctx, const char *name, int step, double value);
	/* Nonzero when the user asked to stop: return LATHE_ECANCELLED soon. */
	int		(*cancelled)(void *ctx);
	/* A line for the run's log; level 0 = info, 1 = warning. */
	void		(*log)(void *ctx, int level, const char *msg);
	/* The run's seeded random generator (the seed is recorded with the
	 * run): uniformly distributed 64-bit values.  Use only this, so that
	 * re-running a run reproduces it. */
	uint64_t	(*random)(void *ctx);
};

/*
 * Training data, borrowed for the call.  X is n x d, row-major.  For
 * regression y holds targets and labels is NULL; for classification
 * labels holds class indexes 0..n_classes-1 and y is NULL; unsupervised
 * tasks get neither.  A validation split (n_val may be 0) lets iterative
 * algorithms record validation curves; it must not influence the fit.
 */
struct lathe_data {
	size_t			 n, d;
	const double		*X;
	const double		*y;
	const int		*labels;
	int			 n_classes;
	const char *const	*feature_names;	/* d names */
	size_t			 n_val;
	const double		*X_val;
	const double		*y_val;
	const int		*labels_val;

	/* ---- ABI 1.2 ---- */
	/* d entries, LATHE_FEATURE_*; NULL means every feature is numeric.
	 * Set only for plugins declaring LATHE_CAP_CATEGORICAL. */
	const unsigned char	*feature_kinds;
};

struct lathe_model;	/* the plugin's own */

struct lathe_plugin {
	uint32_t			 abi_major;	/* LATHE_PLUGIN_ABI_MAJOR */
	uint32_t			 abi_minor;	/* LATHE_PLUGIN_ABI_MINOR */
	const char			*name;		/* [a-z0-9_]+, unique: "logistic" */
	const char			*version;	/* the algorithm's own, e.g. "1.2.0" */
	const char			*description;	/* one line */
	unsigned			 tasks;		/* LATHE_TASK_* bits */
	const struct lathe_param_spec	*params;	/* nparams elements of sizeof_param bytes */
	size_t				 nparams;
	uint32_t			 model_format;	/* payload version save() writes */

	/* Make an unfitted model for `task` (one of tasks) with validated
	 * parameters. */
	int	(*create)(const struct lathe_params *params, unsigned task,
		    const struct lathe_host *host, struct lathe_model **out, char **err);
	/* Fit on data.  May call host services; must poll host->cancelled()
	 * at least once per iteration. */
	int	(*fit)(struct lathe_model *m, const struct lathe_data *data,
		    const struct lathe_host *host, char **err);
	/* Number of doubles predict() writes per row: 1 for regression and
	 * clustering, n_classes for classification, components for
	 * projection. */
	size_t	(*output_width)(const struct lathe_model *m);
	/* Predict n rows of d features (X row-major) into out (n x width).
	 * Thread-safe on a fitted model. */
	int	(*predict)(const struct lathe_model *m, size_t n, size_t d,
		    const double *X, double *out, char **err);
	/* Serialise a fitted model; *buf is malloc()ed, starts with the format
	 * version. */
	int	(*save)(const struct lathe_model *m, void **buf, size_t *len, char **err);
	/* Rebuild a model from save()'s bytes; refuse newer formats with
	 * LATHE_EFORMAT naming both versions. */
	int	(*load)(const void *buf, size_t len, struct lathe_model **out, char **err);
	/* Free a model (accepts NULL). */
	void	(*destroy)(struct lathe_model *m);
	/* (optional, may be NULL) A JSON object describing the fitted model
	 * for people and tools: coefficients, intercept, cluster centres and
	 * sizes, explained variance ratio, iterations, ...  *json is
	 * malloc()ed, NUL-terminated. */
	int	(*summary)(const struct lathe_model *m, char **json, char **err);

	/* ---- ABI 1.1 ---- */
	/* The size of one element of `params` as the plugin was compiled:
	 * always sizeof(struct lathe_param_spec).  lathe refuses a value
	 * smaller than the ABI 1.0 element or not a multiple of its
	 * alignment. */
	size_t	sizeof_param;

	/* ---- ABI 1.2 ---- */
	/* LATHE_CAP_* bits: what fit() and predict() take natively.  0 (or a
	 * plugin built for an older minor): imputed, one-hot encoded input. */
	uint32_t capabilities;
};

/* The entry point every plugin exports. */
typedef const struct lathe_plugin *(*lathe_plugin_entry_fn)(void);
const struct lathe_plugin *lathe_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif
