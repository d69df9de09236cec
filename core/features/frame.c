/*
 * frame.c — see frame.h.
 */
#include "frame.h"
#include "base/util.h"

#include <math.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

struct frame *
frame_new(size_t n)
{
	struct frame *f = calloc(1, sizeof *f);
	if (f)
		f->n = n;
	return f;
}

static void
fshared_unref(struct fshared *sh)
{
	if (sh && --sh->refs <= 0) {
		free(sh->idx);
		free(sh);
	}
}

struct fshared *
fshared_new(int32_t *idx)
{
	struct fshared *sh = calloc(1, sizeof *sh);
	if (sh)
		sh->idx = idx;
	return sh;
}

double *
frame_alloc(size_t n)
{
	return big_alloc((n ? n : 1) * sizeof(double));
}

int
fcol_materialize(struct fcol *c, size_t n)
{
	if (c->ind == NULL)
		return 0;
	double *v = frame_alloc(n);
	if (v == NULL)
		return -1;
	const int32_t *idx = c->ind->idx;
	for (size_t i = 0; i < n; i++)
		v[i] = idx[i] == c->level;
	c->num = v;
	fshared_unref(c->ind);
	c->ind = NULL;
	return 0;
}

int
frame_materialize(struct frame *f)
{
	for (size_t j = 0; j < f->ncols; j++)
		if (fcol_materialize(&f->cols[j], f->n) != 0)
			return -1;
	return 0;
}

static void
fcol_free(struct fcol *c)
{
	free(c->name);
	free(c->num);
	fshared_unref(c->ind);
	free(c->codes);
	if (c->own_dict) {
		strdict_free(c->own_dict);
		free(c->own_dict);
	}
	memset(c, 0, sizeof *c);
}

void
frame_free(struct frame *f)
{
	if (f == NULL)
		return;
	for (size_t j = 0; j < f->ncols; j++)
		fcol_free(&f->cols[j]);
	free(f->cols);
	free(f);
}

static int
grow(struct frame *f)
{
	if (f->ncols < f->cap)
		return 0;
	size_t cap = f->cap ? f->cap * 2 : 16;
	struct fcol *c = realloc(f->cols, cap * sizeof *c);
	if (c == NULL)
		return -1;
	f->cols = c;
	f->cap = cap;
	return 0;
}

const char *
fkind_name(enum fkind k)
{
	return k == FK_NUM ? "numeric" : k == FK_CAT ? "categorical" : "text";
}

struct frame *
frame_from_table(const struct table *t, const size_t *rows, size_t nrows, const char *skip)
{
	size_t n = rows ? nrows : t->nrows;
	struct frame *f = frame_new(n);
	if (f == NULL)
		return NULL;
	for (size_t j = 0; j < t->ncols; j++) {
		const struct column *c = &t->cols[j];
		if (skip && strcmp(c->name, skip) == 0)
			continue;
		if (grow(f) != 0)
			goto fail;
		struct fcol *fc = &f->cols[f->ncols];
		memset(fc, 0, sizeof *fc);
		if ((fc->name = str_dup(c->name)) == NULL)
			goto fail;
		f->ncols++;
		if (c->kind == COL_NUMERIC) {
			fc->kind = FK_NUM;
			if ((fc->num = frame_alloc(n)) == NULL)
				goto fail;
			if (rows == NULL)
				column_gather_num(c, fc->num);
			else if (c->nchunks == 1)
				for (size_t i = 0; i < n; i++)
					fc->num[i] = ((const double *)c->chunks[0].data)[rows[i]];
			else
				for (size_t i = 0; i < n; i++)
					fc->num[i] = column_num_at(c, rows[i]);
		} else {
			fc->kind = c->kind == COL_CATEGORICAL ? FK_CAT : FK_TEXT;
			fc->dict = &c->dict;
			if ((fc->codes = malloc((n ? n : 1) * sizeof *fc->codes)) == NULL)
				goto fail;
			if (rows == NULL)
				column_gather_codes(c, fc->codes);
			else
				for (size_t i = 0; i < n; i++) {
					const struct chunk *ch = &c->chunks[0];
					if (c->nchunks == 1)
						fc->codes[i] = ((const uint32_t *)ch->data)[rows[i]];
					else {
						const char *s = column_str_at(c, rows[i]);
						fc->codes[i] = s ? strdict_find(&c->dict, s, strlen(s))
						    : CODE_NA;
					}
				}
		}
	}
	return f;
fail:
	frame_free(f);
	return NULL;
}

int
frame_find(const struct frame *f, const char *name)
{
	for (size_t j = 0; j < f->ncols; j++)
		if (strcmp(f->cols[j].name, name) == 0)
			return (int)j;
	return -1;
}

/* A new zeroed numeric column named name at pos (at most ncols), the
 * later ones moved up; NULL on OOM (nothing changed). */
static struct fcol *
insert_slot(struct frame *f, size_t pos, const char *name)
{
	char *nm = str_dup(name);
	if (nm == NULL || grow(f) != 0) {
		free(nm);
		return NULL;
	}
	if (pos > f->ncols)
		pos = f->ncols;
	memmove(&f->cols[pos + 1], &f->cols[pos], (f->ncols - pos) * sizeof *f->cols);
	memset(&f->cols[pos], 0, sizeof f->cols[pos]);
	f->cols[pos].name = nm;
	f->cols[pos].kind = FK_NUM;
	f->ncols++;
	return &f->cols[pos];
}

int
frame_insert_num(struct frame *f, size_t pos, const char *name, double *v)
{
	struct fcol *c = insert_slot(f, pos, name);
	if (c == NULL) {
		free(v);
		return -1;
	}
	c->num = v;
	return 0;
}

int
frame_insert_indicator(struct frame *f, size_t pos, const char *name, struct fshared *sh,
    int32_t level)
{
	struct fcol *c = insert_slot(f, pos, name);
	if (c == NULL)
		return -1;
	c->ind = sh;
	c->level = level;
	sh->refs++;
	return 0;
}

int
frame_add_num(struct frame *f, const char *name, double *v)
{
	return frame_insert_num(f, f->ncols, name, v);
}

void
frame_remove(struct frame *f, size_t i)
{
	if (i >= f->ncols)
		return;
	fcol_free(&f->cols[i]);
	memmove(&f->cols[i], &f->cols[i + 1], (f->ncols - i - 1) * sizeof *f->cols);
	f->ncols--;
}

void
frame_set_num(struct frame *f, size_t i, double *v)
{
	struct fcol *c = &f->cols[i];
	fshared_unref(c->ind);
	c->ind = NULL;
	free(c->codes);
	c->codes = NULL;
	if (c->own_dict) {
		strdict_free(c->own_dict);
		free(c->own_dict);
		c->own_dict = NULL;
	}
	c->dict = NULL;
	free(c->num);
	c->num = v;
	c->kind = FK_NUM;
	c->ordinal = 0;
}

struct tojob {
	const struct frame	*f;
	double			*m;
	size_t			 i0, i1;
};

static void *
to_matrix_part(void *arg)
{
	const struct tojob *jb = arg;
	const struct frame *f = jb->f;
	size_t d = f->ncols;
	const size_t B = 256;
	for (size_t b0 = jb->i0; b0 < jb->i1; b0 += B) {
		size_t b1 = b0 + B < jb->i1 ? b0 + B : jb->i1;
		for (size_t j = 0; j < d; j++) {
			const struct fcol *c = &f->cols[j];
			double *dst = jb->m + j;
			if (c->ind) {
				const int32_t *idx = c->ind->idx;
				int32_t lv = c->level;
				for (size_t i = b0; i < b1; i++)
					dst[i * d] = idx[i] == lv;
			} else {
				const double *src = c->num;
				for (size_t i = b0; i < b1; i++)
					dst[i * d] = src[i];
			}
		}
	}
	return NULL;
}

int
frame_to_matrix(const struct frame *f, double **X, char **err)
{
	size_t n = f->n, d = f->ncols;
	*X = NULL;
	for (size_t j = 0; j < d; j++)
		if (f->cols[j].kind != FK_NUM)
			return err_set(err, "column '%s' is %s: the model needs numbers (add "
			    "'onehot %s', 'ordinal %s' or 'drop %s' to the recipe)", f->cols[j].name,
			    fkind_name(f->cols[j].kind), f->cols[j].name, f->cols[j].name,
			    f->cols[j].name);
	size_t cells = n * d;
	double *m = frame_alloc(cells);
	if (m == NULL)
		return err_set(err, "out of memory building a %zu x %zu matrix", n, d);
	struct tojob job = { f, m, 0, n };
	pthread_t tid;
	/* column-major source, row-major destination: two threads, each
	 * walking row blocks so source and destination stay in cache */
	int threaded = n >= 65536 && d > 1;
	if (threaded) {
		job.i1 = n / 2;
		struct tojob second = { f, m, n / 2, n };
		threaded = pthread_create(&tid, NULL, to_matrix_part, &second) == 0;
		if (!threaded)
			job.i1 = n;
		to_matrix_part(&job);
		if (threaded)
			pthread_join(tid, NULL);
	} else {
		to_matrix_part(&job);
	}
	*X = m;
	return 0;
}

/* name as one item of a recipe's column set: bare when the lexer reads it
 * back as that name, else "quoted" (selectors and patterns included) */
static void
recipe_item(struct sbuf *b, const char *name)
{
	int bare = *name != '\0' && *name != '=' && strcmp(name, "numeric") != 0 &&
	    strcmp(name, "categorical") != 0 && strcmp(name, "text") != 0 &&
	    strpbrk(name, " \t,\"#*?[") == NULL;
	if (bare) {
		sbuf_puts(b, name);
		return;
	}
	sbuf_putc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			sbuf_putc(b, '"');
		sbuf_putc(b, *p);
	}
	sbuf_putc(b, '"');
}

int
frame_check_finite(const struct frame *f, const char *where, const size_t *rows, char **err)
{
	return frame_check_model_input(f, where, rows, 0, err);
}

int
frame_problems(const struct frame *f, struct frame_problem **out, size_t *n)
{
	struct frame_problem *v = calloc(f->ncols ? f->ncols : 1, sizeof *v);
	*out = NULL;
	*n = 0;
	if (v == NULL)
		return -1;
	for (size_t j = 0; j < f->ncols; j++) {
		struct frame one = *f;
		char *msg = NULL;
		one.ncols = 1;
		one.cols = &f->cols[j];
		if (frame_check_model_input(&one, NULL, NULL, 0, &msg) == 0)
			continue;
		if (msg == NULL) {	/* no room for the message */
			frame_problems_free(v, *n);
			*n = 0;
			return -1;
		}
		char *strict = msg;
		msg = NULL;
		/* the same column for an algorithm that takes NaN: fine, or
		 * still at fault (a string, an infinity) */
		int rc = frame_check_model_input(&one, NULL, NULL, 1, &msg);
		if (rc != 0 && msg == NULL) {
			free(strict);
			frame_problems_free(v, *n);
			*n = 0;
			return -1;
		}
		free(msg);
		v[*n].msg = strict;
		v[*n].missing_only = rc == 0;
		(*n)++;
	}
	*out = v;
	return 0;
}

void
frame_problems_free(struct frame_problem *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].msg);
	free(v);
}

size_t
frame_native_categories(const struct frame *f, double *X, unsigned char *kinds)
{
	size_t ncat = 0, d = f->ncols;

	for (size_t j = 0; j < d; j++) {
		kinds[j] = f->cols[j].ordinal ? 1 : 0;	/* LATHE_FEATURE_CATEGORICAL */
		if (!f->cols[j].ordinal)
			continue;
		ncat++;
		for (size_t i = 0; X && i < f->n; i++)
			if (X[i * d + j] < 0)
				X[i * d + j] = NAN;
	}
	return ncat;
}

int
frame_check_model_input(const struct frame *f, const char *where, const size_t *rows,
    int allow_missing, char **err)
{
	const char *sp = where ? " " : "", *wh = where ? where : "";

	for (size_t j = 0; j < f->ncols; j++) {
		const struct fcol *c = &f->cols[j];
		struct sbuf nm;
		if (c->kind == FK_NUM && c->ind)
			continue;	/* a lazy indicator is 0 or 1 */
		size_t nmiss = 0, ninf = 0, first = 0;
		if (c->kind == FK_NUM) {
			for (size_t i = 0; i < f->n; i++) {
				double x = c->num[i];
				if (isfinite(x))
					continue;
				if (isnan(x) && allow_missing)
					continue;
				if (nmiss + ninf == 0)
					first = i;
				if (isnan(x))
					nmiss++;
				else
					ninf++;
			}
			if (nmiss + ninf == 0)
				continue;
		}
		sbuf_init(&nm);
		recipe_item(&nm, c->name);
		const char *n = nm.s ? nm.s : c->name;
		size_t row = (rows ? rows[first] : first) + 1;
		if (c->kind != FK_NUM)
			err_set(err, "column '%s' is %s after the recipe: the model needs numbers (add "
			    "'onehot %s', 'ordinal %s' or 'drop %s')", c->name, fkind_name(c->kind),
			    n, n, n);
		else if (ninf == 0)
			err_set(err, "column '%s' has %zu missing value%s%s%s after the recipe (first in "
			    "row %zu); add 'impute median %s'", c->name, nmiss, nmiss == 1 ? "" : "s",
			    sp, wh, row, n);
		else if (nmiss == 0)
			err_set(err, "column '%s' has %zu infinite value%s%s%s after the recipe (first in "
			    "row %zu); add 'clip %s' or 'impute median %s infinite'", c->name, ninf,
			    ninf == 1 ? "" : "s", sp, wh, row, n, n);
		else
			err_set(err, "column '%s' has %zu missing and %zu infinite values%s%s after the "
			    "recipe (first in row %zu); add 'impute median %s infinite'", c->name, nmiss,
			    ninf, sp, wh, row, n);
		sbuf_free(&nm);
		return -1;
	}
	return 0;
}
