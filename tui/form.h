/*
 * form.h — a form of fields, as the training screen shows it: choices
 * (dataset, target, recipe, algorithm, a CHOICE parameter), yes/no
 * fields, typed text (numbers, names) and buttons, each with a help line,
 * a description of what it accepts, and the reason its last input was
 * refused.
 *
 * Refusal happens at the field: form_commit() runs the field's check on
 * the typed text and, if the check says no, keeps the old value, records
 * the message on the field and leaves the field open for correction.  The
 * training screen's checks are params_set_one() against the plugin's
 * schema, so the form refuses exactly what `lathe train --set` refuses.
 *
 * Pure: no terminal; unit-tested.
 */
#ifndef LATHE_TUI_FORM_H
#define LATHE_TUI_FORM_H

#include <stddef.h>
#include "text.h"

enum field_kind {
	FIELD_CHOICE,
	FIELD_TEXT,
	FIELD_BOOL,		/* value "true" or "false" */
	FIELD_BUTTON,
	FIELD_SECTION,		/* a heading; the cursor skips it */
};

struct field;
/* 0 if text is acceptable for f; else -1 with *err (caller frees). */
typedef int (*field_check_fn)(void *ctx, const struct field *f, const char *text, char **err);

struct field {
	enum field_kind	 kind;
	char		*key;		/* "dataset", "param:C" */
	char		*label;
	char		*value;
	char		*def;		/* default value, or NULL */
	char		*help;		/* one line, or NULL */
	char		*range;		/* what it accepts: "a number > 0", or NULL */
	char		*error;		/* why the last input was refused, or NULL */
	char		**choices;	/* FIELD_CHOICE */
	size_t		 nchoices;
	field_check_fn	 check;		/* NULL: anything goes */
	void		*ctx;
	int		 param;		/* plugin parameter index, or -1 */
};

struct form {
	struct field	*f;
	size_t		 n, cap;
	size_t		 cur;
	int		 editing;	/* the current FIELD_TEXT is being typed */
	struct lineedit	 le;
};

void	form_init(struct form *fm);
void	form_free(struct form *fm);	/* frees the fields; fm may be reused after form_init */
/* Append a field (strings copied; value may be NULL).  The pointer is
 * valid until the next form_add.  NULL on OOM. */
struct field *form_add(struct form *fm, enum field_kind kind, const char *key, const char *label,
	    const char *value);
/* Replace *slot by a copy of s (NULL allowed).  0 or -1 (OOM). */
int	field_str(char **slot, const char *s);
/* Set a choice field's list (copied).  0 or -1 (OOM). */
int	field_choices(struct field *f, const char *const *v, size_t n);
long	form_find(const struct form *fm, const char *key);
const char *form_value(const struct form *fm, const char *key);	/* NULL if no field */

/* Check text and store it as field i's value; on refusal keep the old
 * value, set the field's error and return -1.  0 on success (error
 * cleared). */
int	form_commit(struct form *fm, size_t i, const char *text);
/* Choice and yes/no fields: next (dir 1) or previous (-1) value. */
void	form_cycle(struct form *fm, size_t i, int dir);
/* Move the cursor to the next (dir 1) or previous (-1) field that is not a
 * section heading.  Returns 1 if it moved. */
int	form_move(struct form *fm, int dir);
/* Cursor to the first field that is not a heading. */
void	form_first(struct form *fm);

/* Start typing into the current text field (its value in the line). */
void	form_edit_begin(struct form *fm);
enum form_edit {
	FE_PASS = 0,		/* not an editing key: the caller handles it */
	FE_EDITED,		/* the line changed or the cursor moved */
	FE_COMMITTED,		/* Enter/Tab: the value was accepted, editing ended */
	FE_REFUSED,		/* Enter/Tab: refused; still editing, error set */
	FE_CANCELLED,		/* Esc: old value kept, editing ended */
};
/* Feed a key while editing. */
enum form_edit form_edit_key(struct form *fm, int key);

#endif
