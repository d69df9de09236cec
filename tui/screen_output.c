/*
 * screen_output.c — what a `:` command printed: lathe runs the command as
 * a child (`lathe -p PROJECT VERB ARGS`), and this pane shows its output
 * as it arrives (following the end while it runs), then its exit status.
 * `x` stops a command that is still running (a server, say).
 */
#include "app.h"
#include "doc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct soutput {
	struct screen	 base;
	struct app	*app;
	struct doc	 d;
	int		 job;
	char		 cmd[256];
	size_t		 seen_out, seen_err;
	int		 follow;
	int		 finished;
};

static void
rebuild(struct soutput *s, struct app *a)
{
	struct job *j = jobs_get(&a->jobs, s->job);
	if (j == NULL)
		return;
	if (j->out.len == s->seen_out && j->err.len == s->seen_err && j->done == s->finished)
		return;
	doc_clear(&s->d);
	doc_add_text(&s->d, ROLE_NORMAL, 0, j->out.s ? j->out.s : "");
	if (j->err.len) {
		/* progress bars redraw with \r: keep what the last one said */
		char *e = str_ndup(j->err.s, j->err.len);
		if (e) {
			for (char *q = e; *q; q++)
				if (*q == '\r')
					*q = '\n';
			doc_add_text(&s->d, ROLE_WARN, 0, e);
			free(e);
		}
	}
	if (j->done) {
		int code = WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : -1;
		doc_add(&s->d, AN, "%s", "");
		doc_add(&s->d, code == 0 ? ROLE_GOOD : ROLE_ERROR, "[%s: %s, exit status %d]",
		    s->cmd, j->cancelled ? "stopped" : code == 0 ? "done" : "failed", code);
	}
	s->seen_out = j->out.len;
	s->seen_err = j->err.len;
	s->finished = j->done;
	if (s->follow)
		s->d.top = s->d.n;	/* doc_draw clamps to the last page */
}

static void
draw(struct screen *sc, struct app *a, int y0, int h)
{
	struct soutput *s = (struct soutput *)sc;
	rebuild(s, a);
	doc_draw(&s->d, y0, h, a->cols);
	if (s->d.n == 0)
		draw_text(y0, 0, a->cols, s->finished ? "(no output)" : "(running ...)",
		    draw_attr(ROLE_DIM));
}

static unsigned
on_action(struct screen *sc, struct app *a, enum action act)
{
	struct soutput *s = (struct soutput *)sc;
	unsigned r = doc_action(&s->d, act);
	if (r) {
		s->follow = act == ACT_BOTTOM;
		return r;
	}
	if (act == ACT_CANCEL) {
		struct job *j = jobs_get(&a->jobs, s->job);
		if (j && !j->done) {
			jobs_cancel(j);
			app_msg(a, MSG_INFO, "stopping %s", s->cmd);
		}
		return R_HANDLED | R_REDRAW;
	}
	return 0;
}

static int
can(const struct screen *sc, enum action act)
{
	const struct soutput *s = (const struct soutput *)sc;
	return act != ACT_CANCEL || !s->finished;
}

static unsigned
on_event(struct screen *sc, struct app *a, enum app_event ev)
{
	(void)ev;
	rebuild((struct soutput *)sc, a);
	return R_REDRAW;
}

static void
context(const struct screen *sc, char *buf, size_t n)
{
	const struct soutput *s = (const struct soutput *)sc;
	snprintf(buf, n, "%s", s->finished ? "done" : "running");
}

static void
destroy(struct screen *sc)
{
	struct soutput *s = (struct soutput *)sc;
	struct job *j = jobs_get(&s->app->jobs, s->job);
	if (j)
		j->pinned = 0;
	doc_free(&s->d);
	free(s);
}

static const struct screen_class output_class = {
	.version = SCREEN_CLASS_VERSION,
	.name = "output",
	.id = SCR_OUTPUT,
	.draw = draw,
	.on_action = on_action,
	.can = can,
	.on_event = on_event,
	.context = context,
	.destroy = destroy,
};

struct screen *
screen_output_new(struct app *a, int job_id, const char *title)
{
	struct soutput *s = calloc(1, sizeof *s);
	struct job *j = jobs_get(&a->jobs, job_id);
	if (s == NULL)
		return NULL;
	s->base.cls = &output_class;
	s->job = job_id;
	s->app = a;
	s->follow = 1;
	s->seen_out = s->seen_err = (size_t)-1;
	text_copy(s->cmd, sizeof s->cmd, title);
	text_copy(s->base.title, sizeof s->base.title, title);
	doc_init(&s->d);
	if (j)
		j->pinned = 1;
	return &s->base;
}
