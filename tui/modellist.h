/*
 * modellist.h — what the models screen lists: every registered version
 * of every model with the aliases naming it, and the serving processes
 * recorded in the project (table `servers`) with their state.
 *
 * A server is LIVE while its row has no `stopped` time and its process
 * exists; GONE when the row has no `stopped` time but the process does
 * not (it was killed, or the machine restarted: it could not record its
 * end); STOPPED once it recorded its end.  Servers are kept live first,
 * then gone, then stopped, newest first within each.
 *
 * The list is filled by visitors (mlist_add_version is a
 * registry_visit_fn; mlist_add_server takes one `servers` row), so the
 * queries it answers — which aliases a model has and what they name, which
 * live server serves a reference — are unit-tested on lists built by
 * hand.  mlist_load fills one from a project.  Sizes: a handful of
 * models, tens of versions, the servers table's newest 200 rows.
 */
#ifndef LATHE_TUI_MODELLIST_H
#define LATHE_TUI_MODELLIST_H

#include <stddef.h>
#include <stdint.h>
#include "registry/registry.h"
#include "store/project.h"

struct mversion {
	char	*name;
	int	 version;
	int	 latest;
	int64_t	 run_id;
	char	*algo, *task, *dataset, *status;
	char	*aliases;		/* "production,staging" or "" */
	char	*created;
};

enum srv_state { SRV_LIVE, SRV_GONE, SRV_STOPPED };

struct mserver {
	int64_t		 id;
	long		 pid;
	char		*host, *address, *started, *stopped;	/* stopped NULL: no end recorded */
	char		**refs;		/* what it serves: "iris@production", "iris (bundle)" */
	size_t		 nrefs;
	enum srv_state	 state;
};

struct mlist {
	struct mversion	*v;
	size_t		 nv, capv;
	struct mserver	*s;
	size_t		 ns, caps;
};

/* An alias of a model and the version it names. */
struct malias {
	char	alias[MODEL_NAME_MAX + 1];
	int	version;
};

/* NULL on OOM.  Free with mlist_free (accepts NULL). */
struct mlist	*mlist_new(void);
void		 mlist_free(struct mlist *ml);

/* Append one registered version (a registry_visit_fn; ctx is the list).
 * 0, or -1 on OOM. */
int	mlist_add_version(void *ctx, const struct model_row *r);
/* Append one `servers` row: models_json is the row's `models` column
 * ([{"name", "ref", "bundle"}]); stopped NULL while no end is recorded;
 * alive: whether process pid exists now.  0, or -1 (OOM). */
int	mlist_add_server(struct mlist *ml, int64_t id, long pid, const char *host,
	    const char *address, const char *models_json, const char *started,
	    const char *stopped, int alive);
/* Order the servers: live, gone, stopped; newest first within each. */
void	mlist_sort_servers(struct mlist *ml);

/* The aliases of model name, sorted by alias, into out[0..max); returns
 * how many there are (may exceed max). */
size_t	mlist_aliases(const struct mlist *ml, const char *name, struct malias *out, size_t max);
/* Index of the newest live server serving exactly ref ("iris@production"),
 * or -1. */
long	mlist_server_for(const struct mlist *ml, const char *ref);
/* 1 if server i serves any reference of model name. */
int	mlist_server_serves_model(const struct mlist *ml, size_t i, const char *name);
/* Index of version name@version, or -1. */
long	mlist_find(const struct mlist *ml, const char *name, int version);
/* Distinct model names. */
size_t	mlist_nmodels(const struct mlist *ml);
size_t	mlist_nlive(const struct mlist *ml);

const char *srv_state_name(enum srv_state st);

/* Fill a new list from project p: registry_list, then the servers table's
 * newest 200 rows, alive(pid) deciding LIVE or GONE.  0 with *out (free
 * with mlist_free), or -1 with *err. */
int	mlist_load(struct project *p, int (*alive)(long pid), struct mlist **out, char **err);

#endif
