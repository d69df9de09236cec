/*
 * complete.c — see complete.h.
 */
#include "complete.h"
#include "base/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

void
completion_free(struct completion *c)
{
	free(c->line);
	for (size_t i = 0; i < c->ncands; i++)
		free(c->cands[i]);
	free(c->cands);
	memset(c, 0, sizeof *c);
}

static int
rank(const char *name)
{
	size_t n = strlen(name);
	if (n && name[n - 1] == '/')
		return 0;
	const char *dot = strrchr(name, '.');
	if (dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".tsv") == 0 ||
	    strcasecmp(dot, ".txt") == 0))
		return 1;
	return 2;
}

static int
cmp_cand(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = rank(x), ry = rank(y);
	return rx != ry ? rx - ry : strcmp(x, y);
}

int
path_complete(const char *typed, struct completion *c)
{
	char *dir = NULL, *fsdir = NULL;
	const char *base;
	DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;
	int rc = -1;

	memset(c, 0, sizeof *c);
	base = strrchr(typed, '/');
	if (base) {
		dir = str_ndup(typed, (size_t)(base - typed) + 1);	/* keeps the '/' */
		base++;
	} else {
		dir = str_dup("");
		base = typed;
	}
	if (dir == NULL)
		goto out;
	/* the directory as the file system knows it */
	if (dir[0] == '~' && dir[1] == '/') {
		const char *home = getenv("HOME");
		struct sbuf b;
		sbuf_init(&b);
		sbuf_puts(&b, home ? home : "");
		sbuf_puts(&b, dir + 1);
		fsdir = sbuf_detach(&b);
	} else {
		fsdir = str_dup(dir[0] ? dir : ".");
	}
	if (fsdir == NULL)
		goto out;
	size_t blen = strlen(base);
	if ((d = opendir(fsdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (de->d_name[0] == '.' && base[0] != '.')
				continue;
			if (strncmp(de->d_name, base, blen) != 0)
				continue;
			int isdir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
				struct sbuf p;
				struct stat sb;
				sbuf_init(&p);
				sbuf_printf(&p, "%s/%s", fsdir, de->d_name);
				isdir = p.s && stat(p.s, &sb) == 0 && S_ISDIR(sb.st_mode);
				sbuf_free(&p);
			}
			if (c->ncands == cap) {
				size_t nc = cap ? cap * 2 : 32;
				char **v = realloc(c->cands, nc * sizeof *v);
				if (v == NULL)
					goto out;
				c->cands = v;
				cap = nc;
			}
			struct sbuf nm;
			sbuf_init(&nm);
			sbuf_puts(&nm, de->d_name);
			if (isdir)
				sbuf_putc(&nm, '/');
			if (nm.oom || (c->cands[c->ncands] = sbuf_detach(&nm)) == NULL)
				goto out;
			c->ncands++;
		}
	}
	if (c->ncands)
		qsort(c->cands, c->ncands, sizeof *c->cands, cmp_cand);
	/* the longest common prefix of the candidates */
	size_t common = 0;
	if (c->ncands) {
		common = strlen(c->cands[0]);
		for (size_t i = 1; i < c->ncands; i++) {
			size_t k = 0;
			while (k < common && c->cands[i][k] == c->cands[0][k])
				k++;
			common = k;
		}
	}
	struct sbuf out;
	sbuf_init(&out);
	sbuf_puts(&out, dir);
	if (common > blen)
		sbuf_putn(&out, c->cands[0], common);
	else
		sbuf_puts(&out, base);
	if (out.oom)
		goto out;
	c->line = out.s ? sbuf_detach(&out) : str_dup("");
	if (c->line == NULL)
		goto out;
	rc = 0;
out:
	if (d)
		closedir(d);
	free(dir);
	free(fsdir);
	if (rc)
		completion_free(c);
	return rc;
}
