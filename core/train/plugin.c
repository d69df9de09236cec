/*
 * plugin.c — the plugin loader; see plugin.h for the search order and the
 * refusal rules (Redis modules' habit: the exact reason for every refusal,
 * and the handle closed on every error path).
 */
#include "plugin.h"
#include "base/util.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * lathe_param_spec exactly as plugin ABI 1.0 froze it.  Its size is the
 * element size of a 1.0 plugin's params array, which carries no size of
 * its own.  The assertions keep the live struct's 1.0 fields where 1.0 put
 * them: later minors only append.
 */
struct param_spec_1_0 {
	const char		 *name;
	enum lathe_param_type	  type;
	const char		 *help;
	double			  def;
	double			  min, max;
	int			  has_min, has_max;
	int			  exclusive_min;
	const char *const	 *choices;
	const char		 *def_choice;
	int			  log_scale;
};
#define SAME_1_0(f) \
	(offsetof(struct lathe_param_spec, f) == offsetof(struct param_spec_1_0, f))
_Static_assert(SAME_1_0(name) && SAME_1_0(type) && SAME_1_0(help) && SAME_1_0(def) &&
    SAME_1_0(min) && SAME_1_0(max) && SAME_1_0(has_min) && SAME_1_0(has_max) &&
    SAME_1_0(exclusive_min) && SAME_1_0(choices) && SAME_1_0(def_choice) &&
    SAME_1_0(log_scale), "lathe_param_spec: a field of ABI 1.0 moved");
_Static_assert(sizeof(struct lathe_param_spec) >= sizeof(struct param_spec_1_0),
    "lathe_param_spec: smaller than in ABI 1.0");

const size_t PLUGIN_PARAM_SIZE_1_0 = sizeof(struct param_spec_1_0);

/* A declared element size above this is garbage, not a future ABI. */
#define PARAM_SIZE_MAX 65536

size_t
plugin_param_size(const struct lathe_plugin *d)
{
	/* sizeof_param exists only from 1.1 on: a 1.0 descriptor ends before
	 * it.  A too-small value (refused by the loader) falls back too, so a
	 * descriptor built in a test without the loader is still read safely. */
	if (d->abi_minor >= 1 && d->sizeof_param >= sizeof(struct param_spec_1_0))
		return d->sizeof_param;
	return sizeof(struct param_spec_1_0);
}

const struct lathe_param_spec *
plugin_param(const struct lathe_plugin *d, size_t i)
{
	return (const struct lathe_param_spec *)(const void *)
	    ((const char *)d->params + i * plugin_param_size(d));
}

static const char *const task_names[] = { "regression", "classification", "clustering",
	"projection" };

const char *
task_name(unsigned task)
{
	for (unsigned i = 0; i < 4; i++)
		if (task == 1u << i)
			return task_names[i];
	return "?";
}

int
task_parse(const char *s, unsigned *task)
{
	for (unsigned i = 0; i < 4; i++)
		if (strcmp(s, task_names[i]) == 0) {
			*task = 1u << i;
			return 0;
		}
	return -1;
}

static int
name_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

int
plugin_check_desc(const struct lathe_plugin *d, char **err)
{
	if (!name_ok(d->name))
		return err_set(err, "invalid plugin name '%s' (expected [a-z0-9_]+)",
		    d->name ? d->name : "(null)");
	if (d->version == NULL || d->description == NULL)
		return err_set(err, "plugin '%s' has no version or description", d->name);
	if (d->tasks == 0 || (d->tasks & ~0xfu))
		return err_set(err, "plugin '%s' declares no known task", d->name);
	if (!d->create || !d->fit || !d->output_width || !d->predict || !d->save || !d->load ||
	    !d->destroy)
		return err_set(err, "plugin '%s' lacks a required operation", d->name);
	if (d->nparams && d->params == NULL)
		return err_set(err, "plugin '%s' declares %zu parameters but no table",
		    d->name, d->nparams);
	if (d->abi_minor >= 1) {
		size_t sz = d->sizeof_param, base = sizeof(struct param_spec_1_0),
		    align = _Alignof(struct lathe_param_spec);
		if (sz < base)
			return err_set(err, "plugin '%s' (ABI %u.%u) declares sizeof_param %zu, "
			    "smaller than the %zu bytes of an ABI 1.0 lathe_param_spec (set it to "
			    "sizeof(struct lathe_param_spec))", d->name, d->abi_major, d->abi_minor,
			    sz, base);
		if (sz % align != 0 || sz > PARAM_SIZE_MAX)
			return err_set(err, "plugin '%s' (ABI %u.%u) declares sizeof_param %zu, "
			    "which is not a lathe_param_spec size (a multiple of %zu from %zu to %d)",
			    d->name, d->abi_major, d->abi_minor, sz, align, base, PARAM_SIZE_MAX);
	}
	for (size_t i = 0; i < d->nparams; i++) {
		const struct lathe_param_spec *p = plugin_param(d, i);
		if (!name_ok(p->name) && !(p->name && isalpha((unsigned char)p->name[0])))
			return err_set(err, "plugin '%s': parameter %zu has an invalid name",
			    d->name, i + 1);
		for (size_t k = 0; k < i; k++)
			if (strcmp(plugin_param(d, k)->name, p->name) == 0)
				return err_set(err, "plugin '%s': parameter '%s' declared twice",
				    d->name, p->name);
		switch (p->type) {
		case LATHE_PARAM_INT:
		case LATHE_PARAM_REAL:
			if ((p->has_min && (p->def < p->min || (p->exclusive_min && p->def == p->min))) ||
			    (p->has_max && p->def > p->max) || !isfinite(p->def))
				return err_set(err, "plugin '%s': default of '%s' is out of its range",
				    d->name, p->name);
			if (p->type == LATHE_PARAM_INT && p->def != floor(p->def))
				return err_set(err, "plugin '%s': default of '%s' is not an integer",
				    d->name, p->name);
			break;
		case LATHE_PARAM_BOOL:
			if (p->def != 0 && p->def != 1)
				return err_set(err, "plugin '%s': default of '%s' is not 0 or 1",
				    d->name, p->name);
			break;
		case LATHE_PARAM_CHOICE: {
			int found = 0;
			if (p->choices == NULL || p->choices[0] == NULL || p->def_choice == NULL)
				return err_set(err, "plugin '%s': choice '%s' has no choices or default",
				    d->name, p->name);
			for (const char *const *c = p->choices; *c; c++)
				found |= strcmp(*c, p->def_choice) == 0;
			if (!found)
				return err_set(err, "plugin '%s': default of '%s' is not one of its "
				    "choices", d->name, p->name);
			break;
		}
		default:
			return err_set(err, "plugin '%s': parameter '%s' has an unknown type",
			    d->name, p->name);
		}
	}
	return 0;
}

static int
add_refusal(struct plugin_set *s, const char *path, char *reason)
{
	struct plugin_refusal *b = realloc(s->bad, (s->nbad + 1) * sizeof *b);
	if (b == NULL) {
		free(reason);
		return -1;
	}
	s->bad = b;
	b[s->nbad].path = str_dup(path);
	b[s->nbad].reason = reason ? reason : str_dup("refused");
	s->nbad++;
	return 0;
}

/* Try one file.  Returns -1 only on OOM. */
static int
try_file(struct plugin_set *s, const char *path)
{
	char *why = NULL;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		const char *e = dlerror();
		err_set(&why, "cannot load: %s", e ? e : "dlopen failed");
		return add_refusal(s, path, why);
	}
	dlerror();
	lathe_plugin_entry_fn entry;
	*(void **)&entry = dlsym(h, LATHE_PLUGIN_ENTRY);
	if (entry == NULL) {
		dlclose(h);
		err_set(&why, "no %s() entry point (not a lathe plugin)", LATHE_PLUGIN_ENTRY);
		return add_refusal(s, path, why);
	}
	const struct lathe_plugin *d = entry();
	if (d == NULL) {
		dlclose(h);
		err_set(&why, "%s() returned no descriptor", LATHE_PLUGIN_ENTRY);
		return add_refusal(s, path, why);
	}
	if (d->abi_major != LATHE_PLUGIN_ABI_MAJOR || d->abi_minor > LATHE_PLUGIN_ABI_MINOR) {
		err_set(&why, "built for plugin ABI %u.%u, but this lathe speaks %d.%d%s",
		    d->abi_major, d->abi_minor, LATHE_PLUGIN_ABI_MAJOR, LATHE_PLUGIN_ABI_MINOR,
		    d->abi_major != LATHE_PLUGIN_ABI_MAJOR ? " (major versions differ)"
		    : " (plugin needs a newer lathe)");
		dlclose(h);
		return add_refusal(s, path, why);
	}
	if (plugin_check_desc(d, &why) != 0) {
		dlclose(h);
		return add_refusal(s, path, why);
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].desc->name, d->name) == 0) {
			err_set(&why, "duplicate plugin name '%s' (already loaded from %s)",
			    d->name, s->v[i].path);
			dlclose(h);
			return add_refusal(s, path, why);
		}
	struct plugin *v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (v == NULL) {
		dlclose(h);
		return -1;
	}
	s->v = v;
	memset(&v[s->n], 0, sizeof v[s->n]);
	v[s->n].path = str_dup(path);
	v[s->n].desc = d;
	v[s->n].handle = h;
	s->n++;
	return v[s->n - 1].path ? 0 : -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Load every *.so of dir in name order (so the result is reproducible). */
static int
scan_dir(struct plugin_set *s, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (d == NULL)
		return 0;	/* a missing directory is simply empty */
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof *nn);
		if (nn == NULL) {
			rc = -1;
			break;
		}
		names = nn;
		if ((names[n] = str_dup(e->d_name)) == NULL) {
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		rc = try_file(s, path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
add_dir(struct plugin_set *s, const char *dir)
{
	char real[PATH_MAX];
	if (dir == NULL || *dir == '\0')
		return 0;
	const char *use = realpath(dir, real) ? real : dir;
	for (size_t i = 0; i < s->ndirs; i++)
		if (strcmp(s->dirs[i], use) == 0)
			return 0;
	char **d = realloc(s->dirs, (s->ndirs + 1) * sizeof *d);
	if (d == NULL)
		return -1;
	s->dirs = d;
	if ((d[s->ndirs] = str_dup(use)) == NULL)
		return -1;
	s->ndirs++;
	return 0;
}

int
plugin_set_load(struct plugin_set **out, char **err)
{
	struct plugin_set *s = calloc(1, sizeof *s);
	char buf[PATH_MAX];
	int rc = 0;

	*out = NULL;
	if (s == NULL)
		return err_set(err, "out of memory");
	const char *env = getenv("LATHE_PLUGIN_PATH");
	if (env && *env) {
		char *copy = str_dup(env), *save = NULL;
		if (copy == NULL)
			rc = -1;
		for (char *tok = copy ? strtok_r(copy, ":", &save) : NULL; tok && rc == 0;
		    tok = strtok_r(NULL, ":", &save))
			rc = add_dir(s, tok);
		free(copy);
	}
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (rc == 0 && xdg && *xdg) {
		snprintf(buf, sizeof buf, "%s/lathe/plugins", xdg);
		rc = add_dir(s, buf);
	} else if (rc == 0 && home && *home) {
		snprintf(buf, sizeof buf, "%s/.local/share/lathe/plugins", home);
		rc = add_dir(s, buf);
	}
	if (rc == 0)
		rc = add_dir(s, LATHE_PREFIX "/lib/lathe/plugins");
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 16);
	if (rc == 0 && n > 0) {
		buf[n] = '\0';
		char *slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash, "/plugins");
			rc = add_dir(s, buf);
		}
	}
	for (size_t i = 0; i < s->ndirs && rc == 0; i++)
		rc = scan_dir(s, s->dirs[i]);
	if (rc != 0) {
		plugin_set_free(s);
		return err_set(err, "out of memory loading plugins");
	}
	*out = s;
	return 0;
}

void
plugin_set_free(struct plugin_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		if (s->v[i].handle)
			dlclose(s->v[i].handle);
	}
	for (size_t i = 0; i < s->nbad; i++) {
		free(s->bad[i].path);
		free(s->bad[i].reason);
	}
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->v);
	free(s->bad);
	free(s->dirs);
	free(s);
}

const struct plugin *
plugin_find(const struct plugin_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].desc->name, name) == 0)
			return &s->v[i];
	return NULL;
}

size_t
plugin_names_with_caps(const struct plugin_set *s, unsigned caps, struct sbuf *b)
{
	size_t k = 0;
	for (size_t i = 0; s && i < s->n; i++)
		if ((plugin_caps(s->v[i].desc) & caps) == caps)
			sbuf_printf(b, "%s%s", k++ ? ", " : "", s->v[i].desc->name);
	return k;
}

int
plugin_hash(struct plugin *p, char **err)
{
	unsigned char d[32], buf[65536];
	if (p->sha256[0])
		return 0;
	int fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "%s: %s", p->path, strerror(errno));
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	if (h == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h);
		close(fd);
		return err_set(err, "out of memory");
	}
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(h, buf, (size_t)r);
	close(fd);
	EVP_DigestFinal_ex(h, d, NULL);
	EVP_MD_CTX_free(h);
	if (r < 0)
		return err_set(err, "%s: read error", p->path);
	hex_digest(d, p->sha256);
	return 0;
}
