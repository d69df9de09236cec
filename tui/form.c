/*
 * form.c — see form.h.
 */
#include "form.h"
#include "keys.h"
#include "base/util.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

void
form_init(struct form *fm)
{
	memset(fm, 0, sizeof *fm);
}

static void
field_free(struct field *f)
{
	free(f->key);
	free(f->label);
	free(f->value);
	free(f->def);
	free(f->help);
	free(f->range);
	free(f->error);
	for (size_t i = 0; i < f->nchoices; i++)
		free(f->choices[i]);
	free(f->choices);
}

void
form_free(struct form *fm)
{
	for (size_t i = 0; i < fm->n; i++)
		field_free(&fm->f[i]);
	free(fm->f);
	form_init(fm);
}

int
field_str(char **slot, const char *s)
{
	char *d = NULL;
	if (s && (d = str_dup(s)) == NULL)
		return -1;
	free(*slot);
	*slot = d;
	return 0;
}

struct field *
form_add(struct form *fm, enum field_kind kind, const char *key, const char *label,
    const char *value)
{
	if (fm->n == fm->cap) {
		size_t cap = fm->cap ? fm->cap * 2 : 16;
		struct field *nf = realloc(fm->f, cap * sizeof *nf);
		if (nf == NULL)
			return NULL;
		fm->f = nf;
		fm->cap = cap;
	}
	struct field *f = &fm->f[fm->n];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->param = -1;
	if (field_str(&f->key, key) || field_str(&f->label, label) || field_str(&f->value, value)) {
		field_free(f);
		return NULL;
	}
	fm->n++;
	return f;
}

int
field_choices(struct field *f, const char *const *v, size_t n)
{
	char **c = calloc(n ? n : 1, sizeof *c);
	if (c == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((c[i] = str_dup(v[i])) == NULL) {
			for (size_t k = 0; k < i; k++)
				free(c[k]);
			free(c);
			return -1;
		}
	for (size_t i = 0; i < f->nchoices; i++)
		free(f->choices[i]);
	free(f->choices);
	f->choices = c;
	f->nchoices = n;
	return 0;
}

long
form_find(const struct form *fm, const char *key)
{
	for (size_t i = 0; i < fm->n; i++)
		if (fm->f[i].key && strcmp(fm->f[i].key, key) == 0)
			return (long)i;
	return -1;
}

const char *
form_value(const struct form *fm, const char *key)
{
	long i = form_find(fm, key);
	return i < 0 ? NULL : fm->f[i].value;
}

int
form_commit(struct form *fm, size_t i, const char *text)
{
	struct field *f;
	char *err = NULL;
	if (i >= fm->n)
		return -1;
	f = &fm->f[i];
	if (f->check && f->check(f->ctx, f, text, &err) != 0) {
		free(f->error);
		f->error = err ? err : str_dup("not accepted");
		return -1;
	}
	if (field_str(&f->value, text) != 0) {
		field_str(&f->error, "out of memory");
		return -1;
	}
	free(f->error);
	f->error = NULL;
	return 0;
}

void
form_cycle(struct form *fm, size_t i, int dir)
{
	struct field *f;
	if (i >= fm->n)
		return;
	f = &fm->f[i];
	if (f->kind == FIELD_BOOL) {
		int on = f->value && strcmp(f->value, "true") == 0;
		form_commit(fm, i, on ? "false" : "true");
		return;
	}
	if (f->kind != FIELD_CHOICE || f->nchoices == 0)
		return;
	size_t k = 0;
	while (k < f->nchoices && !(f->value && strcmp(f->choices[k], f->value) == 0))
		k++;
	if (k == f->nchoices)
		k = dir > 0 ? f->nchoices - 1 : 0;	/* so that one step lands on an end */
	k = (k + f->nchoices + (size_t)(dir > 0 ? 1 : f->nchoices - 1)) % f->nchoices;
	/* a refused choice leaves the error on the field; try no further */
	form_commit(fm, i, f->choices[k]);
}

int
form_move(struct form *fm, int dir)
{
	size_t i = fm->cur;
	for (;;) {
		if (dir > 0 ? i + 1 >= fm->n : i == 0)
			return 0;
		i = dir > 0 ? i + 1 : i - 1;
		if (fm->f[i].kind != FIELD_SECTION)
			break;
	}
	fm->cur = i;
	return 1;
}

void
form_first(struct form *fm)
{
	fm->cur = 0;
	if (fm->n && fm->f[0].kind == FIELD_SECTION)
		form_move(fm, 1);
}

void
form_edit_begin(struct form *fm)
{
	if (fm->cur >= fm->n || fm->f[fm->cur].kind != FIELD_TEXT)
		return;
	le_set(&fm->le, fm->f[fm->cur].value);
	fm->editing = 1;
}

enum form_edit
form_edit_key(struct form *fm, int key)
{
	if (!fm->editing)
		return FE_PASS;
	if (key == K_ENTER || key == 13 || key == TK(KEY_ENTER) || key == K_TAB ||
	    key == TK(KEY_BTAB)) {
		if (form_commit(fm, fm->cur, fm->le.buf) != 0)
			return FE_REFUSED;
		fm->editing = 0;
		return FE_COMMITTED;
	}
	if (key == K_ESC) {
		fm->editing = 0;
		free(fm->f[fm->cur].error);
		fm->f[fm->cur].error = NULL;
		return FE_CANCELLED;
	}
	return le_key(&fm->le, key) ? FE_EDITED : FE_PASS;
}
