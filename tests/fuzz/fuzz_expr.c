/*
 * fuzz_expr.c — the expression language (core/features/expr.c): the
 * text of a recipe's `derive NAME = EXPR` and of the data grid's `/`
 * filter.
 *
 * Input: the expression text (cut at the first NUL, as the callers' C
 * strings are).  Parsed; a fault must come back as a message with a
 * column inside the text (the message may quote the text, so it is one
 * line whenever the text is: a recipe line, a prompt).  An expression that parses is checked against
 * the fixed table of fuzz.h (numeric, categorical, text columns, a
 * missing value, an infinity), and one that passes the check is
 * evaluated over all 8 rows and again over each row alone: evaluation is
 * column-wise, so the row-alone results must equal the whole-column ones
 * bit for bit (a kernel that read a neighbouring row, or a scratch array
 * of the wrong length, shows up here).
 */
#include "fuzz.h"
#include "features/expr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *err = NULL;
	struct expr *e = NULL;
	struct frame *f = NULL, *one = NULL;
	double *all = NULL, v;
	int errcol = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t len = strlen(text);

	if (expr_parse(text, 1, &e, &errcol, &err) != 0) {
		if (err == NULL)
			fuzz_fail("parse error without a message");
		if (errcol < 1 || (size_t)errcol > len + 1)
			fuzz_fail("parse error at column %d of a %zu-character text: %s", errcol,
			    len, err);
		goto out;
	}
	for (size_t i = 0; i < expr_ncolumns(e); i++) {
		int c = expr_column_pos(e, i);
		if (c < 1 || (size_t)c > len)
			fuzz_fail("column reference '%s' at column %d of %zu", expr_column(e, i), c,
			    len);
	}
	const struct table *t = fuzz_table();
	if ((f = frame_from_table(t, NULL, 0, NULL)) == NULL)
		goto out;
	if (expr_check(e, f, &errcol, &err) != 0) {
		if (err == NULL)
			fuzz_fail("check error without a message");
		goto out;
	}
	if ((all = malloc(t->nrows * sizeof *all)) == NULL)
		goto out;
	if (expr_eval(e, f, all, &err) != 0)
		goto out;	/* out of memory */
	for (size_t i = 0; i < t->nrows; i++) {
		size_t row = i;
		frame_free(one);
		if ((one = frame_from_table(t, &row, 1, NULL)) == NULL)
			goto out;
		if (expr_eval(e, one, &v, &err) != 0)
			goto out;
		if (!fuzz_same_double(v, all[i]))
			fuzz_fail("'%s' row %zu: %.17g over the column, %.17g alone", text, i, all[i],
			    v);
	}
out:
	frame_free(one);
	frame_free(f);
	free(all);
	free(err);
	expr_free(e);
	free(text);
	return 0;
}
