/*
 * app.c — the workbench frame: terminal set-up and restore, the main
 * loop, the screen stack, header, message line and key bar, the modal
 * prompt / picker / question / help, jobs and live reload.  See app.h.
 *
 * The loop waits in poll() on the keyboard and every job's pipes (so a
 * training run's progress arrives as it is written), reads all pending
 * keys, dispatches them, lets jobs read their children, checks whether
 * another process changed the project (PRAGMA data_version, once a
 * second), and redraws only when something changed.  curses sends only
 * the difference to the terminal, which keeps slow SSH links usable.
 *
 * The terminal is restored on every way out: normal quit, an error after
 * start-up (endwin before the message), SIGTERM / SIGHUP / SIGINT (a flag
 * the loop sees within its poll, then the normal path, cancelling any
 * training), a crash (the fatal-signal handler calls endwin and re-raises)
 * and exit() from anywhere (atexit).
 */
#include "app.h"
#include "cmdline.h"
#include "complete.h"
#include "plot.h"
#include "tui.h"
#include "base/util.h"
#include "store/dataset.h"
#include "train/run_verify.h"

#define TUI_LOCK_WAIT 5.0

#include <errno.h>
#include <limits.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t sig_quit;
static int curses_on;
static SCREEN *term_screen;

static void
restore_terminal(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void
on_quit_signal(int sig)
{
	sig_quit = sig;
}

static void
on_fatal_signal(int sig)
{
	/* not async-signal-safe in theory; in practice it is what every
	 * curses program does so that a crash leaves a usable terminal */
	if (curses_on)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

/* ------------------------------------------------------------------ */
/* the stack                                                           */

struct screen *
app_top(const struct app *a)
{
	return a->depth ? a->stack[a->depth - 1] : NULL;
}

static void
screen_free(struct screen *s)
{
	if (s)
		s->cls->destroy(s);
}

/* A message belongs to the screen it was about: moving to another screen
 * drops it, unless it was written while handling this very key (by the
 * screen being opened, say). */
static void
clear_old_msg(struct app *a)
{
	if (a->msg_time < a->key_time)
		a->msg[0] = '\0';
}

void
app_push(struct app *a, struct screen *s)
{
	if (s == NULL)
		return;
	if (a->depth == APP_STACK) {
		/* the oldest screen above the root makes room */
		screen_free(a->stack[1]);
		memmove(a->stack + 1, a->stack + 2, (APP_STACK - 2) * sizeof *a->stack);
		a->depth--;
	}
	a->stack[a->depth++] = s;
	a->dirty = 1;
	clear_old_msg(a);
}

void
app_pop(struct app *a)
{
	if (a->depth > 1) {
		screen_free(a->stack[--a->depth]);
		a->dirty = 1;
		clear_old_msg(a);
	}
}

void
app_root(struct app *a, struct screen *s)
{
	if (s == NULL)
		return;
	while (a->depth)
		screen_free(a->stack[--a->depth]);
	a->stack[a->depth++] = s;
	a->dirty = 1;
	clear_old_msg(a);
}

void
app_msg(struct app *a, enum msg_kind k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	/* one line: the first line of a multi-line engine message */
	for (char *q = a->msg; *q; q++)
		if (*q == '\n') {
			*q = '\0';
			break;
		}
	a->msg_kind = k;
	a->msg_time = time_mono();
	a->dirty = 1;
}

void
app_err(struct app *a, char *err)
{
	app_msg(a, MSG_ERROR, "%s", err ? err : "failed (no reason given)");
	free(err);
}

void
app_broadcast(struct app *a, enum app_event ev)
{
	for (int i = 0; i < a->depth; i++) {
		struct screen *s = a->stack[i];
		if (s->cls->on_event && (s->cls->on_event(s, a, ev) & R_REDRAW) && i == a->depth - 1)
			a->dirty = 1;
	}
	if (ev == EV_DATA)
		a->dirty = 1;
}

struct plugin_set *
app_plugins(struct app *a)
{
	char *err = NULL;
	if (a->ps == NULL && plugin_set_load(&a->ps, &err) != 0) {
		app_err(a, err);
		return NULL;
	}
	return a->ps;
}

void
app_suspend(struct app *a)
{
	(void)a;
	def_prog_mode();
	endwin();
	curses_on = 0;
}

void
app_resume(struct app *a)
{
	reset_prog_mode();
	curses_on = 1;
	clearok(curscr, TRUE);
	a->dirty = 1;
}

/* ------------------------------------------------------------------ */
/* modal pieces                                                        */

void
app_prompt(struct app *a, const char *label, const char *initial, unsigned flags,
    prompt_fn done, void *ctx)
{
	struct screen *s = app_top(a);
	a->modal = MODAL_PROMPT;
	text_copy(a->pr.label, sizeof a->pr.label, label);
	le_set(&a->pr.le, initial);
	a->pr.flags = flags;
	a->pr.done = done;
	a->pr.ctx = ctx;
	a->pr.hint[0] = '\0';
	text_copy(a->pr.saved, sizeof a->pr.saved, s ? s->filter : "");
	a->dirty = 1;
}

static void
pick_refilter(struct app *a)
{
	const char *f = a->pk.le.buf;
	a->pk.nshown = 0;
	for (size_t i = 0; i < a->pk.n; i++)
		if (*f == '\0' || strcasestr(a->pk.items[i], f))
			a->pk.shown[a->pk.nshown++] = (long)i;
	nav_count(&a->pk.nav, a->pk.nshown, 10);
}

static void
pick_free(struct app *a)
{
	for (size_t i = 0; i < a->pk.n; i++)
		free(a->pk.items[i]);
	free(a->pk.items);
	free(a->pk.shown);
	a->pk.items = NULL;
	a->pk.shown = NULL;
	a->pk.n = a->pk.nshown = 0;
}

void
app_pick(struct app *a, const char *title, const char *const *items, size_t n, long current,
    pick_fn done, void *ctx)
{
	pick_free(a);
	a->pk.items = calloc(n ? n : 1, sizeof *a->pk.items);
	a->pk.shown = calloc(n ? n : 1, sizeof *a->pk.shown);
	if (a->pk.items == NULL || a->pk.shown == NULL) {
		pick_free(a);
		app_msg(a, MSG_ERROR, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if ((a->pk.items[i] = str_dup(items[i])) == NULL) {
			a->pk.n = i;
			pick_free(a);
			app_msg(a, MSG_ERROR, "out of memory");
			return;
		}
	a->pk.n = n;
	text_copy(a->pk.title, sizeof a->pk.title, title);
	le_set(&a->pk.le, "");
	memset(&a->pk.nav, 0, sizeof a->pk.nav);
	pick_refilter(a);
	if (current >= 0 && (size_t)current < n)
		nav_goto(&a->pk.nav, (size_t)current, 10);
	a->pk.done = done;
	a->pk.ctx = ctx;
	a->modal = MODAL_PICK;
	a->dirty = 1;
}

void
app_confirm(struct app *a, const char *question, const char *keys, confirm_fn done, void *ctx)
{
	text_copy(a->cf.question, sizeof a->cf.question, question);
	text_copy(a->cf.keys, sizeof a->cf.keys, keys);
	a->cf.done = done;
	a->cf.ctx = ctx;
	a->modal = MODAL_CONFIRM;
	a->dirty = 1;
}

/* ------------------------------------------------------------------ */
/* jobs, runs and commands                                             */

/* Starts run id's training child; when it cannot start, the run is
 * recorded as failed with the reason (never left queued) and the error
 * shown. */
static int
train_job(struct app *a, int64_t id, int64_t verify_of, struct job **out)
{
	char *err = NULL;
	if (jobs_train(&a->jobs, a->path, id, verify_of, out, &err) != 0) {
		run_abandon(a->p, id, err, NULL);
		app_err(a, err);
		a->dirty = 1;
		return -1;
	}
	return 0;
}

int
app_start_run(struct app *a, int64_t id, int64_t verify_of)
{
	if (train_job(a, id, verify_of, NULL) != 0)
		return -1;
	struct screen *root = a->stack[0];
	if (strcmp(root->cls->name, "runs") == 0) {
		while (a->depth > 1)
			app_pop(a);
		app_broadcast(a, EV_DATA);
	} else {
		app_root(a, screen_runs_new(a));
	}
	if (a->depth)
		screen_runs_focus(a->stack[0], id);
	app_msg(a, MSG_INFO, "run %lld is training (x cancels it, Enter shows it)", (long long)id);
	return 0;
}

/* Start queued runs while fewer than one per CPU train. */
static void
pump_queue(struct app *a)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t limit = ncpu > 1 ? (size_t)ncpu : 1;
	while (a->npending && jobs_training(&a->jobs) < limit) {
		int64_t id = a->pending[0];
		memmove(a->pending, a->pending + 1, --a->npending * sizeof *a->pending);
		train_job(a, id, 0, NULL);
		a->dirty = 1;
	}
}

void
app_queue_runs(struct app *a, const int64_t *ids, size_t n)
{
	int64_t *np = realloc(a->pending, (a->npending + n) * sizeof *np);
	if (np == NULL) {
		app_msg(a, MSG_ERROR, "out of memory");
		return;
	}
	a->pending = np;
	memcpy(a->pending + a->npending, ids, n * sizeof *ids);
	a->npending += n;
	pump_queue(a);
	if (strcmp(a->stack[0]->cls->name, "runs") == 0) {
		while (a->depth > 1)
			app_pop(a);
		app_broadcast(a, EV_DATA);
	} else {
		app_root(a, screen_runs_new(a));
	}
	if (a->depth && n)
		screen_runs_focus(a->stack[0], ids[0]);
	app_msg(a, MSG_INFO, "%zu runs queued: they train %ld at a time", n,
	    sysconf(_SC_NPROCESSORS_ONLN) > 1 ? sysconf(_SC_NPROCESSORS_ONLN) : 1L);
}

int
app_queued(const struct app *a, int64_t id)
{
	for (size_t i = 0; i < a->npending; i++)
		if (a->pending[i] == id)
			return 1;
	return 0;
}

/* Take a queued run out of the queue and start it now (so that it can be
 * cancelled and recorded as such). */
static struct job *
unqueue(struct app *a, int64_t id)
{
	struct job *j = NULL;
	for (size_t i = 0; i < a->npending; i++)
		if (a->pending[i] == id) {
			memmove(a->pending + i, a->pending + i + 1,
			    (a->npending - i - 1) * sizeof *a->pending);
			a->npending--;
			train_job(a, id, 0, &j);
			break;
		}
	return j;
}

struct job *
app_unqueue(struct app *a, int64_t id)
{
	return unqueue(a, id);
}

void
app_rerun(struct app *a, int64_t id, int verify)
{
	struct run_info ri;
	struct run_request rq;
	struct plugin_set *ps = app_plugins(a);
	char ref[32], *err = NULL;
	int64_t nid = 0;

	if (ps == NULL)
		return;
	snprintf(ref, sizeof ref, "%lld", (long long)id);
	if (run_load(a->p, ref, &ri, &err) != 0) {
		app_err(a, err);
		return;
	}
	if (run_request_from_record(&ri, &rq, &err) != 0 || run_create(a->p, ps, &rq, &nid, &err) != 0) {
		app_err(a, err);
	} else if (app_start_run(a, nid, verify ? id : 0) == 0) {
		app_msg(a, MSG_INFO, "re-running run %lld as run %lld%s", (long long)id,
		    (long long)nid, verify ? "; it will be compared with the original" : "");
	}
	run_info_clear(&ri);
}

void
app_import(struct app *a, const char *path, const char *name)
{
	/* the human output: --json would turn the progress bar off */
	char *argv[] = { "import", (char *)path, "--name", (char *)name, NULL };
	char label[300], *err = NULL;
	const char *base = strrchr(path, '/');
	snprintf(label, sizeof label, "import %s", base ? base + 1 : path);
	if (jobs_cli(&a->jobs, JOB_IMPORT, a->path, argv, label, NULL, &err) != 0)
		app_err(a, err);
	else
		app_msg(a, MSG_INFO, "importing %s as %s ...", path, name);
}

/* The root screens: the tabs of the header, `1`-`4` and their `:` names. */
static const struct root_tab {
	const char	*name;
	const char	*label;
	enum action	 act;
	struct screen	*(*open)(struct app *a);
} tabs[] = {
	{ "datasets", "1 Datasets", ACT_GO_DATASETS, screen_datasets_new },
	{ "recipes", "2 Recipes", ACT_GO_RECIPES, screen_recipes_new },
	{ "runs", "3 Runs", ACT_GO_RUNS, screen_runs_new },
	{ "models", "4 Models", ACT_GO_MODELS, screen_models_new },
};

/* Show root screen t: the one already there (back to its top) or a new one. */
static void
go_root(struct app *a, const struct root_tab *t)
{
	if (a->depth && strcmp(a->stack[0]->cls->name, t->name) == 0) {
		while (a->depth > 1)
			app_pop(a);
	} else {
		app_root(a, t->open(a));
	}
}

static void quit_flow(struct app *a);

/*
 * The workbench's own `:` commands, as tmux's command table: a row applies
 * when the name matches and the word count (the name included) is within
 * [min_args, max_args]; its fn returns 0, or 1 to decline the line (rerun
 * with an option other than --verify).  A line no row takes that names a
 * lathe command runs that command and shows its output, so `:runs` opens
 * the runs screen and `:runs --sort rmse` prints the CLI's table.
 */
struct tui_cmd {
	const char	*name;
	int		 min_args, max_args;
	int		(*fn)(struct app *a, int argc, char **argv);
};

/* Is name one of the CLI's public commands (tui_main's list)? */
static int
cli_has(const struct app *a, const char *name)
{
	for (size_t i = 0; a->cli_cmds && a->cli_cmds[i]; i++)
		if (strcmp(a->cli_cmds[i], name) == 0)
			return 1;
	return 0;
}

static int
tcmd_quit(struct app *a, int argc, char **argv)
{
	(void)argc; (void)argv;
	quit_flow(a);
	return 0;
}

static int
tcmd_help(struct app *a, int argc, char **argv)
{
	(void)argc; (void)argv;
	a->modal = MODAL_HELP;
	memset(&a->help, 0, sizeof a->help);
	return 0;
}

static int
tcmd_root(struct app *a, int argc, char **argv)
{
	(void)argc;
	for (size_t i = 0; i < ARRAY_LEN(tabs); i++)
		if (strcmp(tabs[i].name, argv[0]) == 0)
			app_root(a, tabs[i].open(a));
	return 0;
}

static int
tcmd_train(struct app *a, int argc, char **argv)
{
	struct train_preset pre = { .test_size = -1, .seed = -1 };
	(void)argc; (void)argv;
	app_push(a, screen_train_new(a, &pre));
	return 0;
}

static int
tcmd_show(struct app *a, int argc, char **argv)
{
	int64_t id;
	struct screen *s;
	char *err = NULL;
	(void)argc;
	if (run_ref_parse(argv[1], &id, &err) != 0 || (s = screen_run_new(a, id, &err)) == NULL)
		app_err(a, err);
	else
		app_push(a, s);
	return 0;
}

static int
tcmd_compare(struct app *a, int argc, char **argv)
{
	int64_t ids[64];
	size_t n = 0;
	struct screen *s;
	char *err = NULL;
	for (int i = 1; i < argc && n < ARRAY_LEN(ids); i++)
		if (run_ref_parse(argv[i], &ids[n++], &err) != 0) {
			app_err(a, err);
			return 0;
		}
	if ((s = screen_compare_new(a, ids, n, &err)) == NULL)
		app_err(a, err);
	else
		app_push(a, s);
	return 0;
}

static int
tcmd_grid(struct app *a, int argc, char **argv)
{
	char *err = NULL;
	(void)argc;
	struct screen *s = screen_grid_new(a, argv[1], argv[0][0] == 'd', &err);
	if (s == NULL)
		app_err(a, err);
	else
		app_push(a, s);
	return 0;
}

static int
tcmd_import(struct app *a, int argc, char **argv)
{
	(void)argc;
	char *name = dataset_name_from_path(argv[1]);
	if (name)
		app_import(a, argv[1], name);
	free(name);
	return 0;
}

static int
tcmd_rerun(struct app *a, int argc, char **argv)
{
	int64_t id;
	char *err = NULL;
	if (argc == 3 && strcmp(argv[2], "--verify") != 0)
		return 1;	/* another option: the CLI's rerun */
	if (run_ref_parse(argv[1], &id, &err) != 0)
		app_err(a, err);
	else
		app_rerun(a, id, argc == 3);
	return 0;
}

static const struct tui_cmd tui_cmds[] = {
	{ "q", 1, INT_MAX, tcmd_quit },
	{ "quit", 1, INT_MAX, tcmd_quit },
	{ "exit", 1, INT_MAX, tcmd_quit },
	{ "help", 1, 1, tcmd_help },
	{ "datasets", 1, 1, tcmd_root },
	{ "recipes", 1, 1, tcmd_root },
	{ "runs", 1, 1, tcmd_root },
	{ "models", 1, 1, tcmd_root },
	{ "train", 1, 1, tcmd_train },
	{ "show", 2, 2, tcmd_show },
	{ "compare", 3, INT_MAX, tcmd_compare },
	{ "head", 2, 2, tcmd_grid },
	{ "describe", 2, 2, tcmd_grid },
	{ "import", 2, 2, tcmd_import },
	{ "rerun", 2, 3, tcmd_rerun },
};

void
app_command(struct app *a, const char *line)
{
	char **argv = NULL, *err = NULL;
	int argc = 0;
	struct job *j = NULL;

	if (cmdline_split(line, &argv, &argc, &err) != 0) {
		app_err(a, err);
		return;
	}
	if (argc == 0)
		goto out;
	const char *v = argv[0];
	for (size_t i = 0; i < ARRAY_LEN(tui_cmds); i++) {
		const struct tui_cmd *t = &tui_cmds[i];
		if (strcmp(t->name, v) == 0 && argc >= t->min_args && argc <= t->max_args &&
		    t->fn(a, argc, argv) == 0)
			goto out;
	}
	if (cli_has(a, v)) {
		char label[300];
		snprintf(label, sizeof label, ":%s", line);
		if (jobs_cli(&a->jobs, JOB_COMMAND, a->path, argv, label, &j, &err) != 0)
			app_err(a, err);
		else
			app_push(a, screen_output_new(a, j->id, label));
	} else {
		app_msg(a, MSG_ERROR, "no command '%s' (try :help, or any lathe command: "
		    "datasets, runs, show N, compare A B, import FILE, plugins -v ...)", v);
	}
out:
	cmdline_free(argv);
}

/* The outcome of a job that ended, as a message; verification too. */
static void
report_job(struct app *a, struct job *j)
{
	if (j->kind == JOB_TRAIN && j->verify_of && j->ok) {
		int same = 0;
		char *diffs = NULL, *err = NULL;
		if (run_verify(a->p, j->verify_of, j->run_id, &same, &diffs, &err) != 0)
			app_err(a, err);
		else if (same)
			app_msg(a, MSG_GOOD, "run %lld reproduces run %lld exactly: metrics, model "
			    "bytes and fitted recipe are identical", (long long)j->run_id,
			    (long long)j->verify_of);
		else
			app_msg(a, MSG_ERROR, "run %lld does not reproduce run %lld: %s",
			    (long long)j->run_id, (long long)j->verify_of, diffs ? diffs : "?");
		free(diffs);
		return;
	}
	if (j->kind == JOB_COMMAND)
		return;		/* its output screen shows it */
	app_msg(a, j->ok ? MSG_GOOD : MSG_ERROR, "%s", j->result ? j->result : j->label);
}

/* Another process (or a job) changed the project? */
static int
data_changed(struct app *a)
{
	sqlite3_stmt *st = NULL;
	int64_t v = a->data_version;
	if (sqlite3_prepare_v2(a->p->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	a->dv_checked = time_mono();
	if (v == a->data_version)
		return 0;
	a->data_version = v;
	return 1;
}

/* ------------------------------------------------------------------ */
/* drawing the frame                                                   */

static void
draw_header(struct app *a)
{
	char right[256] = "", ctx[256] = "", crumbs[300] = "";
	int hattr = draw_attr(ROLE_HEADER);
	struct screen *top = app_top(a);
	const char *base = strrchr(a->path, '/');

	draw_fill(0, 0, hattr);
	/* running jobs, right-aligned */
	size_t nrun = jobs_running(&a->jobs);
	if (nrun) {
		size_t o = 0;
		o += (size_t)snprintf(right, sizeof right, "%s %zu running:", text_utf8 ? "▶" : ">",
		    nrun);
		for (size_t i = 0; i < a->jobs.n && o < sizeof right - 40; i++) {
			const struct job *j = a->jobs.v[i];
			if (j->done)
				continue;
			double f = job_fraction(j);
			if (j->kind == JOB_TRAIN)
				o += (size_t)snprintf(right + o, sizeof right - o, " r%lld",
				    (long long)j->run_id);
			else
				o += (size_t)snprintf(right + o, sizeof right - o, " %s",
				    j->kind == JOB_IMPORT ? "import" : "cmd");
			if (!isnan(f))
				o += (size_t)snprintf(right + o, sizeof right - o, " %d%%", (int)(f * 100));
		}
	}
	int x = draw_textf(0, 0, a->cols, hattr | A_BOLD, " lathe ");
	x += draw_textf(0, x, a->cols - x, hattr, "%s  ", base ? base + 1 : a->path);
	for (size_t i = 0; i < ARRAY_LEN(tabs); i++) {
		int cur = a->depth && strcmp(a->stack[0]->cls->name, tabs[i].name) == 0;
		x += draw_textf(0, x, a->cols - x, cur ? draw_attr(ROLE_TAB) : hattr, " %s ",
		    tabs[i].label);
	}
	/* where we are: the screens above the root, and the top's context */
	size_t o = 0;
	for (int i = 1; i < a->depth && o < sizeof crumbs - 60; i++)
		o += (size_t)snprintf(crumbs + o, sizeof crumbs - o, " %s %s",
		    text_utf8 ? "›" : ">", a->stack[i]->title);
	if (top && top->cls->context)
		top->cls->context(top, ctx, sizeof ctx);
	int rw = right[0] ? text_width(right) + 2 : 0;
	int room = a->cols - x - rw;
	if (room > 0) {
		char mid[600];
		snprintf(mid, sizeof mid, "%s%s%s", crumbs, ctx[0] ? "  " : "", ctx);
		draw_text(0, x, room, mid, hattr);
	}
	if (rw)
		draw_text(0, a->cols - rw + 1, rw - 1, right, hattr | A_BOLD);
}

static int
can_action(void *ctx, enum action act)
{
	struct screen *s = ctx;
	if (act == ACT_FILTER)
		return s->cls->on_filter != NULL;
	if (s->cls->can)
		return s->cls->can(s, act);
	return 1;
}

static void
draw_bar_items(struct app *a, int y, const struct keybar_item *it, size_t n)
{
	int x = 0, battr = draw_attr(ROLE_BAR), kattr = draw_attr(ROLE_BARKEY);
	char kn[16];
	draw_fill(y, 0, battr);
	a->nbar = 0;
	for (size_t i = 0; i < n; i++) {
		keys_name(it[i].key, kn, sizeof kn);
		int need = text_width(kn) + 1 + text_width(it[i].label) + 1;
		if (x + need > a->cols)
			break;
		int x0 = x;
		x += draw_text(y, x, a->cols - x, kn, kattr);
		x += draw_text(y, x, 1, " ", battr);
		x += draw_text(y, x, a->cols - x, it[i].label, battr);
		x += draw_text(y, x, 1, " ", battr);
		if (a->nbar < (int)ARRAY_LEN(a->bar))
			a->bar[a->nbar++] = (struct barhit){ x0, x, it[i].key };
	}
}

static void
draw_keybar(struct app *a)
{
	struct keybar_item it[32];
	size_t n = 0;
	int y = a->rows - 1;
	switch (a->modal) {
	case MODAL_PROMPT:
		it[n++] = (struct keybar_item){ K_ENTER, ACT_NONE, "ok" };
		it[n++] = (struct keybar_item){ K_ESC, ACT_NONE, "cancel" };
		if (a->pr.flags & (PROMPT_PATH | PROMPT_COMMAND))
			it[n++] = (struct keybar_item){ K_TAB, ACT_NONE, "complete" };
		if (a->pr.flags & PROMPT_COMMAND)
			it[n++] = (struct keybar_item){ TK(KEY_UP), ACT_NONE, "history" };
		it[n++] = (struct keybar_item){ CTRL('u'), ACT_NONE, "clear" };
		break;
	case MODAL_PICK:
		it[n++] = (struct keybar_item){ K_ENTER, ACT_NONE, "choose" };
		it[n++] = (struct keybar_item){ K_ESC, ACT_NONE, "cancel" };
		it[n++] = (struct keybar_item){ TK(KEY_UP), ACT_NONE, "move" };
		it[n++] = (struct keybar_item){ 'a', ACT_NONE, "type to filter" };
		break;
	case MODAL_HELP:
		it[n++] = (struct keybar_item){ K_ESC, ACT_NONE, "close" };
		it[n++] = (struct keybar_item){ 'j', ACT_NONE, "scroll" };
		break;
	case MODAL_CONFIRM:
		it[n++] = (struct keybar_item){ K_ESC, ACT_NONE, "cancel" };
		break;
	default: {
		struct screen *s = app_top(a);
		int text = s->cls->text_mode ? s->cls->text_mode(s) : 0;
		/* a form field being typed: the line editor's keys first */
		if (text && s->cls->id == SCR_TRAIN) {
			it[n++] = (struct keybar_item){ K_ENTER, ACT_NONE, "ok" };
			it[n++] = (struct keybar_item){ K_ESC, ACT_NONE, "cancel" };
		}
		n += keys_bar(s->cls->id, text, can_action, s, it + n, ARRAY_LEN(it) - n);
		/* "back" reads "quit" on the top screen */
		for (size_t i = 0; i < n; i++)
			if (it[i].act == ACT_BACK && a->depth == 1 && !s->filter[0])
				it[i].label = "quit";
	}
	}
	draw_bar_items(a, y, it, n);
}

static void
draw_message(struct app *a)
{
	int y = a->rows - 2;
	draw_fill(y, 0, AN);
	if (a->modal == MODAL_PROMPT) {
		int x = draw_textf(y, 0, a->cols, draw_attr(ROLE_TITLE), "%s ", a->pr.label);
		int room = a->cols - x - 1;
		int cur = le_cursor_col(&a->pr.le);
		/* scroll the line so that the cursor shows */
		const char *s = a->pr.le.buf;
		int skip = cur > room ? cur - room : 0;
		size_t off = text_fit(s, skip, NULL);
		draw_text(y, x, room, s + off, AN);
		if (a->pr.hint[0]) {
			draw_fill(y - 1, 0, draw_attr(ROLE_DIM));
			draw_text(y - 1, 0, a->cols, a->pr.hint, draw_attr(ROLE_DIM));
		}
		move(y, x + text_widthn(s + off, a->pr.le.pos - off));
		curs_set(1);
		return;
	}
	if (a->modal == MODAL_CONFIRM) {
		draw_text(y, 0, a->cols, a->cf.question, draw_attr(ROLE_WARN));
		return;
	}
	if (a->msg[0]) {
		int role = a->msg_kind == MSG_ERROR ? ROLE_ERROR : a->msg_kind == MSG_GOOD ?
		    ROLE_GOOD : ROLE_NORMAL;
		draw_text(y, 0, a->cols, a->msg, draw_attr(role));
	}
}

static void
draw_box(int y, int x, int h, int w, const char *title)
{
	int attr = draw_attr(ROLE_NORMAL);
	for (int r = 0; r < h; r++) {
		attrset(attr);
		mvhline(y + r, x, ' ', w);
	}
	attrset(AN);
	mvhline(y, x, ACS_HLINE, w);
	mvhline(y + h - 1, x, ACS_HLINE, w);
	mvvline(y, x, ACS_VLINE, h);
	mvvline(y, x + w - 1, ACS_VLINE, h);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	draw_textf(y, x + 2, w - 4, draw_attr(ROLE_TITLE), " %s ", title);
}

static void
draw_pick(struct app *a)
{
	int w = a->cols > 70 ? 66 : a->cols - 4;
	int h = a->rows - 6 > 20 ? 20 : a->rows - 6;
	int y = 2, x = (a->cols - w) / 2;
	if (h < 5 || w < 20)
		return;
	draw_box(y, x, h, w, a->pk.title);
	int x0 = draw_textf(y + 1, x + 2, w - 4, draw_attr(ROLE_DIM), "filter: ");
	draw_text(y + 1, x + 2 + x0, w - 4 - x0, a->pk.le.buf, AN);
	size_t lines = (size_t)h - 3;
	nav_show(&a->pk.nav, lines);
	for (size_t i = 0; i < lines && a->pk.nav.top + i < a->pk.nshown; i++) {
		size_t k = a->pk.nav.top + i;
		int sel = k == a->pk.nav.cur;
		draw_cell(y + 2 + (int)i, x + 1, w - 2, a->pk.items[a->pk.shown[k]], 0,
		    sel ? draw_attr(ROLE_SEL) : AN);
	}
	if (a->pk.nshown == 0)
		draw_text(y + 2, x + 2, w - 4, "(nothing matches)", draw_attr(ROLE_DIM));
}

struct help_ctx {
	char	 lines[128][200];
	size_t	 n;
	int	 global_seen;
};

static void
help_line(void *arg, const char *keys, const char *help, int global)
{
	struct help_ctx *hc = arg;
	if (hc->n >= 127)
		return;
	if (global && !hc->global_seen) {
		hc->global_seen = 1;
		snprintf(hc->lines[hc->n++], sizeof hc->lines[0], "%s", "");
		snprintf(hc->lines[hc->n++], sizeof hc->lines[0], "%s", "everywhere");
	}
	char kc[64];
	text_cell(kc, sizeof kc, keys, 18, 0);
	snprintf(hc->lines[hc->n++], sizeof hc->lines[0], "  %s %s", kc, help);
}

static void
draw_help(struct app *a)
{
	struct screen *s = app_top(a);
	struct help_ctx *hc = calloc(1, sizeof *hc);
	char title[96];
	if (hc == NULL)
		return;
	keys_help(s->cls->id, help_line, hc);
	snprintf(title, sizeof title, "keys of the %s screen", s->cls->name);
	int w = a->cols - 4, h = a->rows - 4;
	if (w < 20 || h < 5) {
		free(hc);
		return;
	}
	draw_box(1, 2, h, w, title);
	size_t lines = (size_t)h - 2;
	nav_count(&a->help, hc->n, lines);
	/* help scrolls as a page: the cursor is its first line */
	a->help.top = a->help.cur;
	if (hc->n > lines && a->help.top > hc->n - lines)
		a->help.top = a->help.cur = hc->n - lines;
	for (size_t i = 0; i < lines && a->help.top + i < hc->n; i++) {
		const char *l = hc->lines[a->help.top + i];
		int attr = l[0] && l[0] != ' ' ? draw_attr(ROLE_TITLE) : AN;
		draw_text(2 + (int)i, 4, w - 4, l, attr);
	}
	free(hc);
}

static void
draw_all(struct app *a)
{
	struct screen *s = app_top(a);
	getmaxyx(stdscr, a->rows, a->cols);
	erase();
	curs_set(0);
	if (a->rows < 10 || a->cols < 40) {
		draw_textf(0, 0, a->cols, A_BOLD, "terminal too small (%dx%d): lathe needs 40x10, "
		    "and is best at 80x24 or more", a->cols, a->rows);
		refresh();
		return;
	}
	draw_header(a);
	int y0 = 1, h = a->rows - 3;
	if (s)
		s->cls->draw(s, a, y0, h);
	if (a->modal == MODAL_PICK)
		draw_pick(a);
	else if (a->modal == MODAL_HELP)
		draw_help(a);
	draw_keybar(a);
	draw_message(a);
	/* a screen taking text shows the cursor where it put it */
	if (a->modal == MODAL_NONE && s && s->cls->text_mode && s->cls->text_mode(s))
		curs_set(1);
	refresh();
	a->drawn_at = time_mono();
	a->dirty = 0;
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

static char *history[32];
static int nhistory;
static int hist_pos;

static void
history_add(const char *line)
{
	if (!*line || (nhistory && strcmp(history[nhistory - 1], line) == 0))
		return;
	if (nhistory == 32) {
		free(history[0]);
		memmove(history, history + 1, 31 * sizeof *history);
		nhistory--;
	}
	history[nhistory] = str_dup(line);
	if (history[nhistory])
		nhistory++;
}

static void
history_free(void)
{
	for (int i = 0; i < nhistory; i++)
		free(history[i]);
	nhistory = 0;
}

/* Tab on the command line: the verb, else a path. */
static void
complete_command(struct app *a)
{
	struct lineedit *le = &a->pr.le;
	char *sp = strrchr(le->buf, ' ');
	if (sp == NULL) {
		static const char *const extra[] = { "quit", "help", "datasets", "recipes", "runs",
			"models", "show", "compare", "head", "describe", "import", "rerun", "train" };
		const char *hit = NULL;
		size_t nh = 0, n = le->len;
		struct sbuf h;
		sbuf_init(&h);
		for (size_t i = 0; i < ARRAY_LEN(extra); i++)
			if (strncmp(extra[i], le->buf, n) == 0) {
				hit = extra[i];
				nh++;
				sbuf_printf(&h, "%s ", extra[i]);
			}
		for (size_t i = 0; a->cli_cmds && a->cli_cmds[i]; i++) {
			const char *c = a->cli_cmds[i];
			int dup = 0;
			for (size_t k = 0; k < ARRAY_LEN(extra); k++)
				dup |= strcmp(extra[k], c) == 0;
			if (!dup && strncmp(c, le->buf, n) == 0) {
				hit = c;
				nh++;
				sbuf_printf(&h, "%s ", c);
			}
		}
		if (nh == 1) {
			le_set(le, hit);
			le_insert(le, " ", 1);
		}
		text_copy(a->pr.hint, sizeof a->pr.hint, nh > 1 && h.s ? h.s : "");
		sbuf_free(&h);
		return;
	}
	struct completion c;
	if (path_complete(sp + 1, &c) == 0) {
		char head[1024];
		size_t hl = (size_t)(sp + 1 - le->buf);
		memcpy(head, le->buf, hl);
		head[hl] = '\0';
		le_set(le, head);
		le_insert(le, c.line, strlen(c.line));
		a->pr.hint[0] = '\0';
		if (c.ncands > 1)
			for (size_t i = 0, o = 0; i < c.ncands && o < sizeof a->pr.hint - 80; i++)
				o += (size_t)snprintf(a->pr.hint + o, sizeof a->pr.hint - o, "%s  ",
				    c.cands[i]);
		completion_free(&c);
	}
}

static void
prompt_key(struct app *a, int key)
{
	struct screen *s = app_top(a);
	if (key == K_ENTER) {
		char text[sizeof a->pr.le.buf];
		prompt_fn done = a->pr.done;
		void *ctx = a->pr.ctx;
		unsigned flags = a->pr.flags;
		memcpy(text, a->pr.le.buf, sizeof text);
		a->modal = MODAL_NONE;
		a->pr.hint[0] = '\0';
		a->dirty = 1;
		if (flags & PROMPT_COMMAND)
			history_add(text);
		if (flags & PROMPT_FILTER) {
			text_copy(s->filter, sizeof s->filter, text);
			if (s->cls->on_filter)
				s->cls->on_filter(s, a, text, 1);
		}
		if (done)
			done(a, ctx, text);
		return;
	}
	if (key == K_ESC || key == CTRL('c') || key == CTRL('g')) {
		a->modal = MODAL_NONE;
		a->pr.hint[0] = '\0';
		if ((a->pr.flags & PROMPT_FILTER) && s->cls->on_filter) {
			text_copy(s->filter, sizeof s->filter, a->pr.saved);
			s->cls->on_filter(s, a, a->pr.saved, 1);
		}
		a->dirty = 1;
		return;
	}
	if (key == K_TAB && (a->pr.flags & PROMPT_PATH)) {
		struct completion c;
		if (path_complete(a->pr.le.buf, &c) == 0) {
			le_set(&a->pr.le, c.line);
			a->pr.hint[0] = '\0';
			if (c.ncands > 1)
				for (size_t i = 0, o = 0; i < c.ncands && o < sizeof a->pr.hint - 80; i++)
					o += (size_t)snprintf(a->pr.hint + o, sizeof a->pr.hint - o,
					    "%s  ", c.cands[i]);
			else if (c.ncands == 0)
				snprintf(a->pr.hint, sizeof a->pr.hint, "(no file matches)");
			completion_free(&c);
		}
		a->dirty = 1;
		return;
	}
	if (key == K_TAB && (a->pr.flags & PROMPT_COMMAND)) {
		complete_command(a);
		a->dirty = 1;
		return;
	}
	if ((a->pr.flags & PROMPT_COMMAND) && (key == TK(KEY_UP) || key == TK(KEY_DOWN))) {
		if (nhistory) {
			if (key == TK(KEY_UP))
				hist_pos = hist_pos > 0 ? hist_pos - 1 : 0;
			else
				hist_pos = hist_pos < nhistory ? hist_pos + 1 : nhistory;
			le_set(&a->pr.le, hist_pos < nhistory ? history[hist_pos] : "");
		}
		a->dirty = 1;
		return;
	}
	if (le_key(&a->pr.le, key)) {
		a->dirty = 1;
		if ((a->pr.flags & PROMPT_FILTER) && s->cls->on_filter) {
			text_copy(s->filter, sizeof s->filter, a->pr.le.buf);
			s->cls->on_filter(s, a, a->pr.le.buf, 0);
		}
	}
}

static void
pick_key(struct app *a, int key)
{
	if (key == K_ENTER) {
		long idx = a->pk.nshown ? a->pk.shown[a->pk.nav.cur] : -1;
		pick_fn done = a->pk.done;
		void *ctx = a->pk.ctx;
		a->modal = MODAL_NONE;
		a->dirty = 1;
		pick_free(a);		/* first: done() may open another picker */
		if (idx >= 0 && done)
			done(a, ctx, idx);
		return;
	}
	if (key == K_ESC || key == CTRL('c')) {
		a->modal = MODAL_NONE;
		pick_free(a);
		a->dirty = 1;
		return;
	}
	int act = key == TK(KEY_UP) ? ACT_UP : key == TK(KEY_DOWN) ? ACT_DOWN :
	    key == TK(KEY_PPAGE) ? ACT_PGUP : key == TK(KEY_NPAGE) ? ACT_PGDN :
	    key == TK(KEY_HOME) ? ACT_TOP : key == TK(KEY_END) ? ACT_BOTTOM : ACT_NONE;
	if (act != ACT_NONE) {
		nav_move(&a->pk.nav, act, 10);
		a->dirty = 1;
		return;
	}
	if (le_key(&a->pk.le, key)) {
		pick_refilter(a);
		a->dirty = 1;
	}
}

static void
quit_confirmed(struct app *a, void *ctx, int key)
{
	(void)ctx;
	(void)key;
	a->quit = 1;
}

static void
quit_flow(struct app *a)
{
	size_t n = jobs_training(&a->jobs) + a->npending;
	if (n == 0) {
		a->quit = 1;
		return;
	}
	char q[200];
	snprintf(q, sizeof q, "%zu run%s still training or queued; quitting cancels %s: y quit, "
	    "Esc stay",
	    n, n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
	app_confirm(a, q, "y", quit_confirmed, NULL);
}

static void
command_done(struct app *a, void *ctx, const char *text)
{
	(void)ctx;
	app_command(a, text);
}

static unsigned
frame_action(struct app *a, struct screen *s, enum action act)
{
	switch (act) {
	case ACT_HELP:
		a->modal = MODAL_HELP;
		memset(&a->help, 0, sizeof a->help);
		return R_REDRAW;
	case ACT_FILTER:
		if (!s->cls->on_filter) {
			app_msg(a, MSG_INFO, "nothing to filter here");
			return R_REDRAW;
		}
		app_prompt(a, "filter /", "", PROMPT_FILTER, NULL, NULL);
		return R_REDRAW;
	case ACT_CMDLINE:
		hist_pos = nhistory;
		app_prompt(a, ":", "", PROMPT_COMMAND, command_done, NULL);
		return R_REDRAW;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		app_broadcast(a, EV_DATA);
		return R_REDRAW;
	case ACT_QUIT:
		quit_flow(a);
		return R_REDRAW;
	case ACT_BACK:
		if (s->filter[0] && s->cls->on_filter) {
			s->filter[0] = '\0';
			s->cls->on_filter(s, a, "", 1);
			app_msg(a, MSG_INFO, "filter cleared");
			return R_REDRAW;
		}
		if (a->depth > 1)
			return R_POP;
		quit_flow(a);
		return R_REDRAW;
	case ACT_GO_DATASETS:
	case ACT_GO_RECIPES:
	case ACT_GO_RUNS:
	case ACT_GO_MODELS:
		for (size_t i = 0; i < ARRAY_LEN(tabs); i++)
			if (tabs[i].act == act)
				go_root(a, &tabs[i]);
		return R_REDRAW;
	default:
		return 0;
	}
}

static void
apply(struct app *a, unsigned r)
{
	if (r & R_REDRAW)
		a->dirty = 1;
	if (r & R_POP)
		app_pop(a);
	if (r & R_QUIT)
		quit_flow(a);
}

static void
dispatch_action(struct app *a, enum action act)
{
	struct screen *s = app_top(a);
	unsigned r = s->cls->on_action(s, a, act);
	if (!(r & R_HANDLED))
		r |= frame_action(a, s, act);
	apply(a, r);
}

static void
mouse_event(struct app *a)
{
	MEVENT ev;
	struct screen *s = app_top(a);
	if (getmouse(&ev) != OK || a->modal != MODAL_NONE)
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		for (int i = 0; i < 3; i++)
			dispatch_action(a, ACT_UP);
		return;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		for (int i = 0; i < 3; i++)
			dispatch_action(a, ACT_DOWN);
		return;
	}
#endif
	if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)))
		return;
	if (ev.y == a->rows - 1) {	/* the key bar: as if the key were pressed */
		for (int i = 0; i < a->nbar; i++)
			if (ev.x >= a->bar[i].x0 && ev.x < a->bar[i].x1) {
				int k = a->bar[i].key;
				int text = s->cls->text_mode ? s->cls->text_mode(s) : 0;
				enum action act = keys_lookup(s->cls->id, k, text);
				if (act != ACT_NONE)
					dispatch_action(a, act);
				return;
			}
		return;
	}
	if (ev.y >= 1 && ev.y < a->rows - 2 && s->cls->on_click) {
		double now = time_mono();
		int dbl = ev.y == a->click_y && now - a->click_t < 0.4;
		a->click_y = ev.y;
		a->click_t = dbl ? 0 : now;
		apply(a, s->cls->on_click(s, a, ev.y - 1, ev.x, dbl));
	}
}

static void
handle_key(struct app *a, int key)
{
	struct screen *s = app_top(a);
	a->key_time = time_mono();
	if (key == 13 || key == TK(KEY_ENTER))
		key = K_ENTER;
	if (key == TK(KEY_RESIZE)) {
		a->dirty = 1;
		return;
	}
	if (key == TK(KEY_MOUSE)) {
		mouse_event(a);
		return;
	}
	/* a message stays for the keys that follow it closely */
	if (a->msg[0] && time_mono() - a->msg_time > (a->msg_kind == MSG_ERROR ? 3.0 : 1.5))
		a->msg[0] = '\0';
	switch (a->modal) {
	case MODAL_PROMPT:
		prompt_key(a, key);
		return;
	case MODAL_PICK:
		pick_key(a, key);
		return;
	case MODAL_CONFIRM:
		if (KEY_IS_CHAR(key) && key < 128 && key && strchr(a->cf.keys, key)) {
			a->modal = MODAL_NONE;
			if (a->cf.done)
				a->cf.done(a, a->cf.ctx, key);
		} else if (key == K_ESC || key == 'q' || key == 'n') {
			a->modal = MODAL_NONE;
		}
		a->dirty = 1;
		return;
	case MODAL_HELP: {
		int act = keys_lookup(SCR_ALL, key, 0);
		if (act == ACT_DOWN || act == ACT_PGDN || act == ACT_UP || act == ACT_PGUP ||
		    act == ACT_TOP || act == ACT_BOTTOM)
			nav_move(&a->help, act, (size_t)(a->rows > 8 ? a->rows - 6 : 2));
		else
			a->modal = MODAL_NONE;
		a->dirty = 1;
		return;
	}
	default:
		break;
	}
	int text = s->cls->text_mode ? s->cls->text_mode(s) : 0;
	if (s->cls->on_key) {
		unsigned r = s->cls->on_key(s, a, key);
		if (r & R_HANDLED) {
			apply(a, r);
			return;
		}
	}
	enum action act = keys_lookup(s->cls->id, key, text);
	if (act == ACT_NONE) {
		char kn[16];
		if (!text && key != K_ESC)
			app_msg(a, MSG_INFO, "%s does nothing here (? lists the keys)",
			    keys_name(key, kn, sizeof kn));
		return;
	}
	dispatch_action(a, act);
}

/* ------------------------------------------------------------------ */
/* start-up and the loop                                               */

/* Ask on the plain terminal whether to create a missing project. */
static int
offer_create(const char *path)
{
	char line[64];
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "lathe: no project at %s (create one with 'lathe -p %s init')\n",
		    path, path);
		return 0;
	}
	/* on the terminal the workbench is about to take over */
	printf("lathe: there is no project at %s. Create it? [Y/n] ", path);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == '\n' || line[0] == 'y' || line[0] == 'Y';
}

static int
has_runs(struct project *p)
{
	sqlite3_stmt *st = NULL;
	int yes = 0;
	if (sqlite3_prepare_v2(p->db, "SELECT EXISTS (SELECT 1 FROM runs)", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return yes;
}

/* Milliseconds since this process started (from /proc; -1 if unknown),
 * for the trace's first-screen figure. */
static double
ms_since_exec(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	struct timespec ts;
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *q = strrchr(buf, ')');	/* the command name may hold spaces */
	if (q == NULL)
		return -1;
	unsigned long long start = 0;
	/* fields after the name: state is field 3, starttime field 22 */
	if (sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
	    "%*d %*d %llu", &start) != 1 || clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
		return -1;
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	return (now - (double)start / (double)sysconf(_SC_CLK_TCK)) * 1000;
}

static void
tui_trace(struct app *a, const char *fmt, ...)
{
	va_list ap;
	if (a->trace == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(a->trace, fmt, ap);
	va_end(ap);
	fputc('\n', a->trace);
	fflush(a->trace);
}

/* Read one key: 0 when none is waiting. */
static int
read_key(int *key)
{
	wint_t wc;
	int r = wget_wch(stdscr, &wc);
	if (r == ERR)
		return 0;
	*key = r == KEY_CODE_YES ? TK((int)wc) : (int)wc;
	return 1;
}

static void
loop(struct app *a)
{
	struct pollfd pf[65];
	double ticked = time_mono();
	while (!a->quit) {
		if (sig_quit) {
			a->quit = 1;
			break;
		}
		if (a->dirty)
			draw_all(a);
		size_t n = 1;
		pf[0] = (struct pollfd){ 0, POLLIN, 0 };
		n += jobs_pollfds(&a->jobs, pf + 1, 64);
		struct screen *top = app_top(a);
		int timeout = top && top->idle ? 0 : jobs_running(&a->jobs) ? 100 : 1000;
		if (top && top->ticks) {	/* wake for the next tick */
			int due = (int)((ticked + 1.0 - time_mono()) * 1000) + 1;
			timeout = due < 0 ? 0 : due < timeout ? due : timeout;
		}
		int pr = poll(pf, (nfds_t)n, timeout);
		if (pr < 0 && errno != EINTR)
			break;
		/* keys: all that are waiting, then one redraw */
		int key, any = 0;
		double tk = 0;
		char first[16] = "";
		while (read_key(&key)) {
			/* timed from the key's arrival in full: an Esc alone is known
			 * only after ESCDELAY, which is the terminal protocol's, not ours */
			if (!any) {
				keys_name(key, first, sizeof first);
				tk = time_mono();
			}
			any = 1;
			handle_key(a, key);
			if (a->quit)
				break;
		}
		if (any && a->dirty && !a->quit) {
			draw_all(a);
			tui_trace(a, "key %s %.3f ms", first, (time_mono() - tk) * 1000);
		}
		/* work a screen put off until the keyboard is quiet */
		top = app_top(a);
		if (!any && top && top->idle && top->cls->on_event) {
			double ti = time_mono();
			top->idle = 0;
			if (top->cls->on_event(top, a, EV_IDLE) & R_REDRAW)
				draw_all(a);
			tui_trace(a, "idle %s %.3f ms", top->cls->name, (time_mono() - ti) * 1000);
		}
		/* children */
		if (a->jobs.n) {
			int changed = jobs_poll(&a->jobs, a->p);
			struct job *j;
			int ended = 0;
			while ((j = jobs_take_done(&a->jobs)) != NULL) {
				report_job(a, j);
				ended = 1;
			}
			jobs_prune(&a->jobs, 600);
			if (ended)
				pump_queue(a);
			if (ended && data_changed(a))
				app_broadcast(a, EV_DATA);
			if (changed) {
				app_broadcast(a, EV_JOBS);
				/* progress redraws at most ten times a second */
				if (time_mono() - a->drawn_at > 0.1 || ended)
					a->dirty = 1;
			}
		}
		if (time_mono() - a->dv_checked > 1.0 && data_changed(a))
			app_broadcast(a, EV_DATA);
		/* live screens (servers' status) refresh about once a second */
		top = app_top(a);
		if (top && top->ticks && top->cls->on_event && time_mono() - ticked >= 1.0) {
			ticked = time_mono();
			if (top->cls->on_event(top, a, EV_TICK) & R_REDRAW)
				a->dirty = 1;
		}
		if (a->msg[0] && a->msg_kind == MSG_INFO && time_mono() - a->msg_time > 10) {
			a->msg[0] = '\0';
			a->dirty = 1;
		}
	}
}

int
tui_main(const char *path, const char *const *commands)
{
	struct app app, *a = &app;
	struct stat sb;
	char *err = NULL;
	int rc = EXIT_USER;

	memset(a, 0, sizeof *a);
	a->cli_cmds = commands;
	a->t0 = time_mono();
	jobs_init(&a->jobs);
	setlocale(LC_ALL, "");
	text_utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (stat(path, &sb) != 0) {
		if (!offer_create(path))
			return EXIT_USER;
		if (project_create(path, &a->p, &err) != 0) {
			fprintf(stderr, "lathe: %s\n", err);
			free(err);
			return EXIT_USER;
		}
	} else if (project_open(path, &a->p, &err) != 0) {
		fprintf(stderr, "lathe: %s\n", err);
		free(err);
		return EXIT_USER;
	}
	/* the workbench must not freeze behind another writer for long: its
	 * writes give up after a few seconds, naming the holder */
	project_set_lock_wait(a->p, TUI_LOCK_WAIT, NULL, NULL, NULL);
	run_reap_dead(a->p, NULL, NULL);	/* runs nobody will settle say so */
	if ((a->path = str_dup(path)) == NULL)
		goto out;
	const char *tr = getenv("LATHE_TUI_TRACE");
	if (tr && *tr)
		a->trace = fopen(tr, "a");
	if (!isatty(1) || !isatty(0)) {
		fprintf(stderr, "lathe: the workbench needs a terminal (for scripts, use the "
		    "commands: lathe --help)\n");
		goto out;
	}
	atexit(restore_terminal);
	install_signals();
	/* reading the terminal's description takes a file descriptor: out of
	 * them, newterm would fail as if TERM were wrong (and ncurses would
	 * keep what it allocated for the attempt), so ask the system first */
	int spare = dup(0);
	if (spare < 0) {
		fprintf(stderr, "lathe: cannot start the workbench: %s\n", strerror(errno));
		goto out;
	}
	close(spare);
	if ((term_screen = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "lathe: cannot drive this terminal (TERM=%s)\n",
		    getenv("TERM") ? getenv("TERM") : "");
		goto out;
	}
	curses_on = 1;
	raw();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	mouseinterval(0);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	    | BUTTON5_PRESSED
#endif
	    , NULL);
	const char *nc = getenv("NO_COLOR");
	a->color = !(nc && *nc);
	draw_init_colors(a->color);
	data_changed(a);
	app_root(a, has_runs(a->p) ? screen_runs_new(a) : screen_datasets_new(a));
	if (a->depth == 0) {
		restore_terminal();
		fprintf(stderr, "lathe: out of memory\n");
		goto out;
	}
	draw_all(a);
	tui_trace(a, "first_screen %.3f ms (%.0f ms since the process started)",
	    (time_mono() - a->t0) * 1000, ms_since_exec());
	loop(a);
	rc = sig_quit ? 128 + sig_quit : EXIT_OK;
out:
	while (a->depth)
		screen_free(a->stack[--a->depth]);
	pick_free(a);
	history_free();
	/* quitting cancels training runs (they would end with us anyway), and
	 * the queued ones, which are started only to be recorded as cancelled */
	while (a->npending) {
		struct job *j = unqueue(a, a->pending[0]);
		jobs_cancel(j);
	}
	free(a->pending);
	jobs_free(&a->jobs, a->p);
	restore_terminal();
	if (term_screen) {
		delscreen(term_screen);
		term_screen = NULL;
	}
	if (a->trace)
		fclose(a->trace);
	plugin_set_free(a->ps);
	project_close(a->p);
	free(a->path);
	return rc;
}
