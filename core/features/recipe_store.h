/*
 * recipe_store.h — recipes kept in the project as immutable,
 * content-hashed versions NAME@N (like datasets): adding text that equals
 * a stored version of NAME creates nothing and returns that version; new
 * text becomes N+1.  Text is checked by the parser before it is stored.
 */
#ifndef LATHE_RECIPE_STORE_H
#define LATHE_RECIPE_STORE_H

#include <stdint.h>
#include "store/project.h"

struct recipe_ver {
	char	*name;
	int	 version;
	int	 latest;
	char	 hash[65];
	char	*text;
	char	*source;
	char	*created;
};

void	recipe_ver_clear(struct recipe_ver *v);

/* Store text as the next version of name (origin names it in parse
 * errors).  *created is 0 when identical text was already stored. */
int	recipe_store_add(struct project *p, const char *name, const char *text,
	    const char *source, int *version, int *created, char **err);
/* Resolve "name[@N]". */
int	recipe_store_get(struct project *p, const char *ref, struct recipe_ver *v, char **err);
typedef int (*recipe_visit_fn)(void *ctx, const struct recipe_ver *v);
int	recipe_store_list(struct project *p, recipe_visit_fn fn, void *ctx, char **err);

#endif
