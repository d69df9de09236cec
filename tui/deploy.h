/*
 * deploy.h — moving a model's alias and deploying it, from the
 * workbench; shared by the models screen and a version's detail.
 *
 * Moving an alias asks which one (a picker of the model's aliases with
 * the versions they name, "production" offered when the model has none
 * by that name, and "new alias…", which prompts for a name), then calls
 * registry_alias exactly as `lathe model alias` does: one transaction,
 * recorded in the alias history.
 *
 * Deploying is moving the alias, then making sure something serves
 * NAME@ALIAS: a live server serving that reference picks the move up
 * within a second by itself (the server's hot reload); when there is
 * none, and none is already starting from here, `lathe serve --model
 * NAME@ALIAS` is started detached (serverproc.h) on a free port.
 */
#ifndef LATHE_TUI_DEPLOY_H
#define LATHE_TUI_DEPLOY_H

#include "app.h"
#include "modellist.h"

#define DEPLOY_MAX_ALIASES	32

/* The state of one alias question while its picker or prompt is open;
 * a member of the screen that asked, which outlives the question. */
struct deploy_flow {
	char		name[MODEL_NAME_MAX + 1];
	int		version;
	int		deploy;		/* 1: then make sure a server serves it */
	struct malias	choices[DEPLOY_MAX_ALIASES];	/* the picker's alias rows */
	size_t		nchoices;
};

/* Ask which alias to point at name@version, then move it (deploy: and
 * start a server if needed).  f is borrowed until the question ends.
 * The outcome is shown on the message line; screens are told EV_DATA. */
void	deploy_begin(struct app *a, struct deploy_flow *f, const char *name, int version,
	    int deploy);

/* Report on the message line the server starts that settled since the
 * last call ("serving iris@production at http://..." or why it failed).
 * Returns 1 if anything was reported. */
int	deploy_report_starts(struct app *a);

#endif
