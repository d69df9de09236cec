/*
 * plugin.h — finding, loading and checking algorithm plugins.
 *
 * Search order (first match of a name wins; a later file with the same
 * name is refused as a duplicate):
 *   1. each directory in $LATHE_PLUGIN_PATH (colon-separated)
 *   2. the user directory: $XDG_DATA_HOME/lathe/plugins, else
 *      ~/.local/share/lathe/plugins
 *   3. the install directory: PREFIX/lib/lathe/plugins
 *   4. the build tree: the directory of the running binary + /plugins
 * Every *.so there is opened with dlopen(RTLD_NOW | RTLD_LOCAL).  A file is
 * refused — with the reason kept for `lathe plugins` — if it cannot be
 * loaded, lacks the entry point, speaks another ABI (both versions named),
 * has an invalid descriptor, or repeats a loaded name.  A refused file's
 * handle is closed at once.
 */
#ifndef LATHE_PLUGIN_LOADER_H
#define LATHE_PLUGIN_LOADER_H

#include <stddef.h>
#include "lathe_plugin.h"

struct sbuf;

struct plugin {
	char				*path;
	const struct lathe_plugin	*desc;
	void				*handle;
	char				 sha256[65];	/* of the .so file, "" until computed */
};

struct plugin_refusal {
	char	*path;
	char	*reason;
};

struct plugin_set {
	struct plugin		*v;
	size_t			 n;
	struct plugin_refusal	*bad;
	size_t			 nbad;
	char			**dirs;		/* directories searched, in order */
	size_t			 ndirs;
};

/* Scan the search path.  Never fails for a bad plugin (it is refused and
 * listed); returns -1 with *err only when out of memory.  Caller frees
 * with plugin_set_free (which dlcloses everything). */
int			 plugin_set_load(struct plugin_set **out, char **err);
void			 plugin_set_free(struct plugin_set *s);
const struct plugin	*plugin_find(const struct plugin_set *s, const char *name);
/* The names of the loaded plugins that take every one of the capability
 * bits caps natively (plugin_caps), ", "-separated, appended to b; the
 * count.  (A `recipe preview` says which algorithms keep missing values.) */
size_t			 plugin_names_with_caps(const struct plugin_set *s, unsigned caps,
			    struct sbuf *b);
/* SHA-256 of the plugin file, computed once.  0 or -1 with *err. */
int			 plugin_hash(struct plugin *p, char **err);

/* What the plugin takes natively (LATHE_CAP_* bits): its `capabilities`
 * if it was built for ABI 1.2 or later, else 0 (an older descriptor ends
 * before the field, which must not be read). */
static inline unsigned
plugin_caps(const struct lathe_plugin *d)
{
	return d->abi_minor >= 2 ? d->capabilities & (LATHE_CAP_MISSING |
	    LATHE_CAP_CATEGORICAL) : 0;
}

/* Check a descriptor (exported for tests).  0 if fine, else -1 with the
 * reason in *err (caller frees). */
int			 plugin_check_desc(const struct lathe_plugin *d, char **err);

/*
 * Parameter i (< d->nparams) of a descriptor.  The only way lathe indexes
 * d->params: it steps by plugin_param_size(d), the plugin's own element
 * size, so a lathe whose lathe_param_spec has grown reads older plugins
 * correctly.  Read through the result only the fields that existed in the
 * plugin's ABI minor (today: all of them, since 1.0 is the only layout).
 * Borrows d.
 */
const struct lathe_param_spec *plugin_param(const struct lathe_plugin *d, size_t i);
/* The element size of d->params: d->sizeof_param from ABI 1.1 on, the
 * frozen ABI 1.0 size (PLUGIN_PARAM_SIZE_1_0) before. */
size_t			 plugin_param_size(const struct lathe_plugin *d);
/* sizeof(struct lathe_param_spec) as ABI 1.0 froze it (88 on LP64). */
extern const size_t	 PLUGIN_PARAM_SIZE_1_0;

const char		*task_name(unsigned task);	/* "regression", ... */
int			 task_parse(const char *s, unsigned *task);

#endif
