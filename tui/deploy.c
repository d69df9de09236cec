/*
 * deploy.c — see deploy.h.
 */
#include "deploy.h"
#include "serverproc.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Move the alias; deploy: make sure a server serves it.  Every outcome
 * ends on the message line. */
static void
apply(struct app *a, struct deploy_flow *f, const char *alias)
{
	struct mlist *ml = NULL;
	struct serverproc *sp;
	char *err = NULL, ref[MODEL_NAME_MAX * 2 + 2], moved[300];
	int old = 0;

	if (registry_alias(a->p, f->name, f->version, alias, &old, &err) != 0) {
		app_err(a, err);
		return;
	}
	snprintf(ref, sizeof ref, "%s@%s", f->name, alias);
	if (old == f->version)
		snprintf(moved, sizeof moved, "%s already names version %d", ref, f->version);
	else if (old)
		snprintf(moved, sizeof moved, "%s: version %d -> %d", ref, old, f->version);
	else
		snprintf(moved, sizeof moved, "%s: new alias -> version %d", ref, f->version);
	/* our own write: the project's data_version does not tell this connection */
	app_broadcast(a, EV_DATA);
	if (mlist_load(a->p, serverproc_alive, &ml, &err) != 0) {
		app_msg(a, MSG_ERROR, "%s; cannot read the servers: %s", moved, err ? err : "?");
		free(err);
		return;
	}
	long si = mlist_server_for(ml, ref);
	if (si >= 0) {
		app_msg(a, MSG_GOOD, "%s; server %lld at %s %s", moved, (long long)ml->s[si].id,
		    ml->s[si].address, old == f->version ? "serves it" :
		    "switches to it within a second");
		goto out;
	}
	if (!f->deploy) {
		app_msg(a, MSG_GOOD, "%s (no server serves %s: d deploys it)", moved, ref);
		goto out;
	}
	for (size_t i = 0; i < serverproc_count(); i++) {
		sp = serverproc_at(i);
		if (serverproc_check(sp) == SP_STARTING && strcmp(sp->ref, ref) == 0) {
			app_msg(a, MSG_INFO, "%s; a server for it is already starting (pid %ld)",
			    moved, (long)sp->pid);
			goto out;
		}
	}
	if ((sp = serverproc_start(a->path, ref, &err)) == NULL) {
		app_msg(a, MSG_ERROR, "%s, but no server started: %s", moved, err ? err : "?");
		free(err);
		goto out;
	}
	app_msg(a, MSG_INFO, "%s; starting lathe serve --model %s (pid %ld) ...", moved, ref,
	    (long)sp->pid);
out:
	mlist_free(ml);
}

static void
typed(struct app *a, void *ctx, const char *text)
{
	struct deploy_flow *f = ctx;
	if (*text == '\0')
		return;
	if (!alias_name_valid(text)) {
		app_msg(a, MSG_ERROR, "bad alias '%s' (letters, digits, '_', '-', starting with a "
		    "letter, at most %d bytes; 'latest' is reserved)", text, MODEL_NAME_MAX);
		return;
	}
	apply(a, f, text);
}

static void
picked(struct app *a, void *ctx, long idx)
{
	struct deploy_flow *f = ctx;
	char label[160];
	if (idx >= 0 && (size_t)idx < f->nchoices) {
		apply(a, f, f->choices[idx].alias);
		return;
	}
	snprintf(label, sizeof label, "new alias for %s@%d:", f->name, f->version);
	app_prompt(a, label, "", 0, typed, f);
}

void
deploy_begin(struct app *a, struct deploy_flow *f, const char *name, int version, int deploy)
{
	struct mlist *ml = mlist_new();
	char *err = NULL, title[160];
	char items[DEPLOY_MAX_ALIASES + 1][160];
	const char *ptrs[DEPLOY_MAX_ALIASES + 1];
	long current = 0;

	if (ml == NULL || registry_list(a->p, name, mlist_add_version, ml, &err) != 0) {
		app_err(a, ml ? err : str_dup("out of memory"));
		mlist_free(ml);
		return;
	}
	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	f->version = version;
	f->deploy = deploy;
	size_t n = mlist_aliases(ml, name, f->choices, DEPLOY_MAX_ALIASES - 1);
	if (n > DEPLOY_MAX_ALIASES - 1)
		n = DEPLOY_MAX_ALIASES - 1;
	long prod = -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(f->choices[i].alias, "production") == 0)
			prod = (long)i;
	if (prod < 0) {		/* the usual first alias, offered */
		snprintf(f->choices[n].alias, sizeof f->choices[n].alias, "production");
		f->choices[n].version = 0;
		prod = (long)n++;
	}
	f->nchoices = n;
	for (size_t i = 0; i < n; i++) {
		const struct malias *c = &f->choices[i];
		char what[48];
		if (c->version == 0)
			snprintf(what, sizeof what, "new");
		else if (c->version == version)
			snprintf(what, sizeof what, "names this version");
		else
			snprintf(what, sizeof what, "names version %d", c->version);
		snprintf(items[i], sizeof items[i], "%-24s %s", c->alias, what);
		ptrs[i] = items[i];
	}
	snprintf(items[n], sizeof items[n], "%s", text_utf8 ? "new alias…" : "new alias...");
	ptrs[n] = items[n];
	current = deploy ? prod : 0;
	if (deploy)
		snprintf(title, sizeof title, "deploy %s@%d as", name, version);
	else
		snprintf(title, sizeof title, "move an alias to %s@%d", name, version);
	app_pick(a, title, ptrs, n + 1, current, picked, f);
	mlist_free(ml);
}

int
deploy_report_starts(struct app *a)
{
	int any = 0;
	for (size_t i = 0; i < serverproc_count(); i++) {
		struct serverproc *sp = serverproc_at(i);
		if (sp->reported || serverproc_check(sp) == SP_STARTING)
			continue;
		sp->reported = 1;
		any = 1;
		if (sp->state == SP_LISTENING)
			app_msg(a, MSG_GOOD, "serving %s at %s (pid %ld; it keeps running after lathe "
			    "quits)", sp->ref, sp->url, (long)sp->pid);
		else
			app_msg(a, MSG_ERROR, "the server for %s did not start: %s", sp->ref, sp->msg);
	}
	return any;
}
