/*
 * bundle.h — a registered model version exported as one self-contained
 * file that `lathe serve --bundle FILE` serves without the project.
 *
 * A bundle is a small SQLite database (application id "LATM", user
 * version BUNDLE_FORMAT) with one table, bundle(key TEXT PRIMARY KEY,
 * value), holding: the model name and version, the run it came from, the
 * task, the class labels (JSON), the plugin's name, version and SHA-256,
 * the model payload and its SHA-256, the fitted recipe (JSON), the input
 * and output schemas and the input example.  Everything needed to
 * predict is in it except the plugin's code, which must be installed
 * where lathe finds plugins (a different build of the same plugin is
 * accepted with a warning, as for runs).
 *
 * Invariants: a bundle is written to a temporary file and renamed into
 * place, so FILE is either the old file or the complete new one; a reader
 * refuses a newer format (naming both versions) and a payload whose
 * SHA-256 does not match.
 */
#ifndef LATHE_BUNDLE_H
#define LATHE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include "store/project.h"

#define BUNDLE_FORMAT	1
#define BUNDLE_APPID	0x4c41544d	/* "LATM" */

struct bundle {
	int	 format;
	char	*name;			/* model name */
	int	 version;
	int64_t	 run_id;
	char	*task, *algo, *plugin_version, *plugin_sha256;
	char	*classes;		/* JSON array, or NULL */
	char	*input_schema, *output_schema, *input_example;
	char	*dataset, *dataset_hash;
	char	*created, *lathe_version;
	void	*model;
	size_t	 model_len;
	char	*model_sha256;
	char	*recipe;		/* fitted recipe JSON, NUL-terminated */
	size_t	 recipe_len;
};

void	bundle_clear(struct bundle *b);	/* accepts zeroed */

/* Export model version `ref` (NAME, NAME@V, NAME@ALIAS) of project p to
 * path.  On success fills *out with what was written (clear it). */
int	bundle_export(struct project *p, const char *ref, const char *path, struct bundle *out,
	    char **err);

/* Read and check a bundle.  Caller clears *b. */
int	bundle_read(const char *path, struct bundle *b, char **err);

#endif
