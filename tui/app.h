/*
 * app.h — the workbench's frame and the contract every screen follows.
 *
 * The frame owns the terminal, the open project, the plugins, the jobs
 * running in child processes and a stack of screens.  The screen on top
 * gets the keys; the frame draws around it a header (project, where you
 * are, running jobs), a message line and a bottom bar of the keys that
 * work right now.  Modal pieces — a prompt line (filters, file names,
 * the `:` command line), a picker list, a yes/no question and the help
 * overlay — belong to the frame, so every screen gets them alike.
 *
 * A screen is a struct whose first member is `struct screen`, with a
 * const class (a vtable, tmux/htop style): draw the body, act on the
 * actions the key table maps keys to, and optionally take raw keys
 * (typing), say which actions work now (for the bar), follow events
 * (data changed, job progress), filter live, and take mouse clicks.
 * Handlers return a small bit set: R_HANDLED, R_REDRAW, R_POP, R_QUIT.
 *
 * Screens hold no engine logic: they call the engine (datasets, recipes,
 * runs, plugins) exactly as the CLI commands do, or run the CLI itself as
 * a child job.
 */
#ifndef LATHE_TUI_APP_H
#define LATHE_TUI_APP_H

#include <curses.h>
#include <stdint.h>
#include "jobs.h"
#include "keys.h"
#include "listnav.h"
#include "text.h"
#include "store/project.h"
#include "train/plugin.h"

#define APP_STACK		16
#define AN			((int)A_NORMAL)	/* the plain attribute, as an int */
#define SCREEN_CLASS_VERSION	1

enum {
	R_HANDLED	= 1u << 0,
	R_REDRAW	= 1u << 1,
	R_POP		= 1u << 2,
	R_QUIT		= 1u << 3,
};

enum app_event {
	EV_DATA,	/* the project changed (another process, or a job ended) */
	EV_JOBS,	/* job progress */
	EV_IDLE,	/* nothing to do: a screen that asked (idle = 1) may work */
	EV_TICK,	/* about once a second, to the top screen if it asked (ticks = 1) */
};

struct app;
struct screen;

struct screen_class {
	int		 version;	/* SCREEN_CLASS_VERSION; slots only grow at the end */
	const char	*name;		/* "runs" */
	unsigned	 id;		/* SCR_* bit, for the key table */
	/* Draw the body in rows y0 .. y0+h-1. */
	void		(*draw)(struct screen *s, struct app *a, int y0, int h);
	/* Act on an action the key table produced. */
	unsigned	(*on_action)(struct screen *s, struct app *a, enum action act);
	/* (optional) A key before the table sees it, for typing.
	 * default: not handled. */
	unsigned	(*on_key)(struct screen *s, struct app *a, int key);
	/* (optional) 1 while the screen is taking typed text (only KB_TEXT
	 * bindings then apply).  default: 0. */
	int		(*text_mode)(const struct screen *s);
	/* (optional) Whether an action works now (the bar lists only those).
	 * default: every bound action. */
	int		(*can)(const struct screen *s, enum action act);
	/* (optional) Something changed outside the screen.  default: ignore. */
	unsigned	(*on_event)(struct screen *s, struct app *a, enum app_event ev);
	/* (optional) Context for the header, "iris@1 · row 12 of 150".
	 * default: the title. */
	void		(*context)(const struct screen *s, char *buf, size_t n);
	/* (optional) The `/` filter text as it is typed (final = Enter).  text
	 * "" clears.  default: `/` is not offered. */
	unsigned	(*on_filter)(struct screen *s, struct app *a, const char *text, int final);
	/* (optional) A mouse press on body row y, column x (dbl: second
	 * press on the same row within 0.4 s).  default: ignore. */
	unsigned	(*on_click)(struct screen *s, struct app *a, int y, int x, int dbl);
	/* Free the screen. */
	void		(*destroy)(struct screen *s);
};

struct screen {
	const struct screen_class	*cls;
	char				 title[48];	/* breadcrumb name */
	char				 filter[256];	/* current `/` filter text */
	int				 idle;		/* wants one EV_IDLE when the keyboard is quiet */
	int				 ticks;		/* wants EV_TICK about once a second while on top */
};

enum msg_kind { MSG_INFO, MSG_ERROR, MSG_GOOD };

typedef void (*prompt_fn)(struct app *a, void *ctx, const char *text);
typedef void (*pick_fn)(struct app *a, void *ctx, long index);
typedef void (*confirm_fn)(struct app *a, void *ctx, int key);

enum modal { MODAL_NONE, MODAL_PROMPT, MODAL_PICK, MODAL_CONFIRM, MODAL_HELP };

enum {
	PROMPT_PATH	= 1u << 0,	/* Tab completes file paths */
	PROMPT_FILTER	= 1u << 1,	/* live filter of the top screen */
	PROMPT_COMMAND	= 1u << 2,	/* the `:` command line */
};

struct app {
	struct project		*p;
	const char *const	*cli_cmds;	/* the CLI's public command names (tui_main) */
	char			*path;
	struct plugin_set	*ps;
	struct screen		*stack[APP_STACK];
	int			 depth;
	struct jobs		 jobs;
	int			 rows, cols;
	int			 color;
	int			 quit;
	int			 dirty;
	char			 msg[1024];
	enum msg_kind		 msg_kind;
	double			 msg_time;
	double			 key_time;	/* when the key being handled arrived */
	/* modal state */
	enum modal		 modal;
	struct {
		char		 label[96];
		struct lineedit	 le;
		unsigned	 flags;
		prompt_fn	 done;
		void		*ctx;
		char		 saved[256];	/* filter before the prompt */
		char		 hint[512];	/* completion candidates */
	} pr;
	struct {
		char		 title[96];
		char		**items;
		size_t		 n;
		long		*shown;		/* indexes passing the typed filter */
		size_t		 nshown;
		struct listnav	 nav;
		struct lineedit	 le;
		pick_fn		 done;
		void		*ctx;
	} pk;
	struct {
		char		 question[256];
		char		 keys[16];
		confirm_fn	 done;
		void		*ctx;
	} cf;
	struct listnav		 help;
	/* the bar as last drawn, for mouse clicks */
	struct barhit { int x0, x1; int key; } bar[32];
	int			 nbar;
	int64_t			*pending;	/* runs recorded, waiting for a free core */
	size_t			 npending;
	int64_t			 data_version;
	double			 dv_checked;
	double			 drawn_at;
	FILE			*trace;
	double			 t0;
	int			 click_y;
	double			 click_t;
};

/* ---- the frame (app.c) ----------------------------------------------- */

struct screen *app_top(const struct app *a);
/* Push s (the frame owns it from now on).  NULL s: nothing. */
void	app_push(struct app *a, struct screen *s);
void	app_pop(struct app *a);
/* Replace the whole stack by s. */
void	app_root(struct app *a, struct screen *s);
void	app_msg(struct app *a, enum msg_kind k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Show err as an error message and free it. */
void	app_err(struct app *a, char *err);
void	app_prompt(struct app *a, const char *label, const char *initial, unsigned flags,
	    prompt_fn done, void *ctx);
/* A list to choose from (items copied); done gets the index or -1. */
void	app_pick(struct app *a, const char *title, const char *const *items, size_t n,
	    long current, pick_fn done, void *ctx);
void	app_confirm(struct app *a, const char *question, const char *keys, confirm_fn done,
	    void *ctx);
/* The plugins (loaded on first use); NULL with an error message shown. */
struct plugin_set *app_plugins(struct app *a);
/* Tell every screen on the stack. */
void	app_broadcast(struct app *a, enum app_event ev);
/* Leave curses for a child that needs the terminal ($EDITOR), and back. */
void	app_suspend(struct app *a);
void	app_resume(struct app *a);

/* Start training a run recorded as queued, show the runs screen with the
 * cursor on it.  verify_of: compare with that run when done (0: no). */
int	app_start_run(struct app *a, int64_t id, int64_t verify_of);
/* Queue recorded runs (cross-validation folds): they train a few at a
 * time, at most one per CPU, as earlier ones end.  Shows the runs screen. */
void	app_queue_runs(struct app *a, const int64_t *ids, size_t n);
/* 1 if run id waits in the queue; app_unqueue starts it now (to be
 * cancelled) and returns its job, or NULL. */
int	app_queued(const struct app *a, int64_t id);
struct job *app_unqueue(struct app *a, int64_t id);
/* Re-run a run from its record (verify: then compare). */
void	app_rerun(struct app *a, int64_t id, int verify);
/* Import a CSV file as a child job. */
void	app_import(struct app *a, const char *path, const char *name);
/* Run a `:` command line. */
void	app_command(struct app *a, const char *line);

/* ---- drawing (draw.c) ------------------------------------------------- */

enum role {
	ROLE_NORMAL, ROLE_HEADER, ROLE_TAB, ROLE_BAR, ROLE_BARKEY, ROLE_SEL, ROLE_TITLE,
	ROLE_ERROR, ROLE_GOOD, ROLE_WARN, ROLE_DIM, ROLE_MARK, ROLE_COLHEAD, ROLE_CURCOL,
	ROLE_BEST, ROLE_DIFF, ROLE_MISSING, ROLE_COUNT
};

void	draw_init_colors(int want);
int	draw_attr(enum role r);
/* s clipped to w columns at (y, x); returns the columns written. */
int	draw_text(int y, int x, int w, const char *s, int attr);
/* s fitted to exactly w columns (cut with an ellipsis, padded). */
void	draw_cell(int y, int x, int w, const char *s, int right, int attr);
int	draw_textf(int y, int x, int w, int attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Blank row y from column x to the right edge with attr. */
void	draw_fill(int y, int x, int attr);
/* A horizontal bar of frac (0..1) in w cells. */
void	draw_bar(int y, int x, int w, double frac, int attr);

/* ---- screens ------------------------------------------------------- */

struct train_preset {
	const char	*dataset;	/* NAME@V */
	const char	*target;
	const char	*recipe;	/* stored NAME@V, or NULL */
	const char	*recipe_text;	/* text from the editor, or NULL */
	const char	*algo;
	const char	*params_json;	/* parameters to start from, or NULL */
	const char	*experiment;
	double		 test_size;	/* < 0: default */
	int64_t		 seed;		/* < 0: default */
};

struct plot;

struct screen	*screen_datasets_new(struct app *a);
struct screen	*screen_grid_new(struct app *a, const char *ref, int panel, char **err);
struct screen	*screen_recipes_new(struct app *a);
/* name: NAME or NAME@V being edited (NULL: a new recipe). */
struct screen	*screen_editor_new(struct app *a, const char *name, const char *text);
struct screen	*screen_train_new(struct app *a, const struct train_preset *pre);
struct screen	*screen_runs_new(struct app *a);
/* The runs screen: put the cursor on run id (if it is one). */
void		 screen_runs_focus(struct screen *s, int64_t id);
struct screen	*screen_run_new(struct app *a, int64_t id, char **err);
struct screen	*screen_compare_new(struct app *a, const int64_t *ids, size_t n, char **err);
/* Takes pl (freed with the screen); stem names exported files. */
struct screen	*screen_plot_new(struct app *a, struct plot *pl, const char *stem);
struct screen	*screen_output_new(struct app *a, int job_id, const char *title);
/* Registered models, their aliases, and the servers with live status. */
struct screen	*screen_models_new(struct app *a);
/* One version (name@version): schemas, aliases and their history, servers. */
struct screen	*screen_model_new(struct app *a, const char *name, int version, char **err);

/* Plots built from run records (screen_plot.c). */
int	plot_run_curves(struct app *a, const int64_t *ids, size_t n, struct plot *pl, char **err);
/* The curves of runs ids[0..n-1] on a new plot screen (stem names
 * exported files), or the reason there is none in the message line. */
void	plot_push_run_curves(struct app *a, const int64_t *ids, size_t n, const char *stem);
int	plot_run_predictions(struct app *a, int64_t id, int roc, struct plot *pl, char **err);
/* The permutation importance of run id as horizontal bars (computed now). */
int	plot_run_importance(struct app *a, int64_t id, struct plot *pl, char **err);

#endif
