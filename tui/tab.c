/*
 * tab.c — see tab.h.
 */
#include "tab.h"
#include "text.h"
#include "base/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum term_op { OP_SUB, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_HAS };

struct tab_term {
	int		 col;		/* -1: substring of the row text */
	enum term_op	 op;
	int		 neg;
	int		 isnum;
	double		 num;
	char		*text;		/* lower-case */
};

static void
terms_free(struct tab_term *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
}

struct tab *
tab_new(size_t ncols)
{
	struct tab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->sort_col = -1;
	t->group_col = -1;
	t->width_cap = 28;
	if ((t->cols = calloc(ncols ? ncols : 1, sizeof *t->cols)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
tab_free(struct tab *t)
{
	if (t == NULL)
		return;
	for (size_t j = 0; j < t->ncols; j++)
		free(t->cols[j].name);
	free(t->cols);
	free(t->cells);
	free(t->nums);
	free(t->keys);
	free(t->marks);
	free(t->hay);
	strpool_free(&t->pool);
	terms_free(t->terms, t->nterms);
	for (size_t i = 0; i < t->nfolded; i++)
		free(t->folded[i]);
	free(t->folded);
	free(t->view);
	free(t->groups);
	free(t);
}

int
tab_col(struct tab *t, size_t j, const char *name, unsigned flags)
{
	if (j >= t->ncols)
		return -1;
	free(t->cols[j].name);
	if ((t->cols[j].name = str_dup(name)) == NULL)
		return -1;
	t->cols[j].flags = flags;
	return 0;
}

long
tab_add_row(struct tab *t, int64_t key)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		const char **c = realloc(t->cells, cap * t->ncols * sizeof *c + 1);
		if (c == NULL)
			return -1;
		t->cells = c;
		double *nu = realloc(t->nums, cap * t->ncols * sizeof *nu + 1);
		if (nu == NULL)
			return -1;
		t->nums = nu;
		int64_t *k = realloc(t->keys, cap * sizeof *k);
		if (k == NULL)
			return -1;
		t->keys = k;
		unsigned char *m = realloc(t->marks, cap);
		if (m == NULL)
			return -1;
		t->marks = m;
		t->cap = cap;
	}
	size_t r = t->nrows++;
	for (size_t j = 0; j < t->ncols; j++) {
		t->cells[r * t->ncols + j] = NULL;
		t->nums[r * t->ncols + j] = NAN;
	}
	t->keys[r] = key;
	t->marks[r] = 0;
	return (long)r;
}

int
tab_set(struct tab *t, size_t row, size_t col, const char *text)
{
	if (row >= t->nrows || col >= t->ncols)
		return -1;
	if (text == NULL || *text == '\0') {
		t->cells[row * t->ncols + col] = NULL;
		return 0;
	}
	const char *d = strpool_put(&t->pool, text, strlen(text));
	if (d == NULL)
		return -1;
	t->cells[row * t->ncols + col] = d;
	return 0;
}

int
tab_set_num(struct tab *t, size_t row, size_t col, double v, const char *text)
{
	char buf[32];
	if (row >= t->nrows || col >= t->ncols)
		return -1;
	t->nums[row * t->ncols + col] = v;
	if (text == NULL)
		text = text_num(buf, sizeof buf, v, 4);
	return tab_set(t, row, col, text);
}

int
tab_finish(struct tab *t)
{
	struct sbuf b;
	for (size_t j = 0; j < t->ncols; j++)
		t->cols[j].width = t->cols[j].name ? text_width(t->cols[j].name) : 0;
	free(t->hay);
	if ((t->hay = calloc(t->nrows ? t->nrows : 1, sizeof *t->hay)) == NULL)
		return -1;
	sbuf_init(&b);
	for (size_t r = 0; r < t->nrows; r++) {
		b.len = 0;
		for (size_t j = 0; j < t->ncols; j++) {
			const char *s = t->cells[r * t->ncols + j];
			if (s == NULL)
				continue;
			int w = text_width(s);
			int cap = (t->cols[j].flags & TC_NUM) ? 40 : t->width_cap;
			if (w > cap)
				w = cap;
			if (w > t->cols[j].width)
				t->cols[j].width = w;
			if (b.len)
				sbuf_putc(&b, '\x1f');
			size_t at = b.len;
			sbuf_puts(&b, s);
			if (b.oom)
				break;
			for (size_t i = at; i < b.len; i++)
				b.s[i] = (char)tolower((unsigned char)b.s[i]);
		}
		if (b.oom || (t->hay[r] = strpool_put(&t->pool, b.s ? b.s : "", b.len)) == NULL) {
			sbuf_free(&b);
			return -1;
		}
	}
	sbuf_free(&b);
	return 0;
}

long
tab_col_find(const struct tab *t, const char *name)
{
	for (size_t j = 0; j < t->ncols; j++)
		if (t->cols[j].name && strcasecmp(t->cols[j].name, name) == 0)
			return (long)j;
	return -1;
}

/* Exact name, else a unique prefix. */
static long
col_match(const struct tab *t, const char *name, size_t n)
{
	long hit = -1;
	for (size_t j = 0; j < t->ncols; j++) {
		const char *c = t->cols[j].name;
		if (c == NULL)
			continue;
		if (strlen(c) == n && strncasecmp(c, name, n) == 0)
			return (long)j;
	}
	for (size_t j = 0; j < t->ncols; j++) {
		const char *c = t->cols[j].name;
		if (c && strncasecmp(c, name, n) == 0) {
			if (hit >= 0)
				return -2;	/* ambiguous */
			hit = (long)j;
		}
	}
	return hit;
}

static char *
lower_dup(const char *s, size_t n)
{
	char *d = str_ndup(s, n);
	if (d)
		for (char *q = d; *q; q++)
			*q = (char)tolower((unsigned char)*q);
	return d;
}

/* Parse one term s[0..n) into *tm.  Returns 1 (a term), 0 (ignore: still
 * being typed), or -1 with *err. */
static int
parse_term(const struct tab *t, const char *s, size_t n, struct tab_term *tm, char **err)
{
	memset(tm, 0, sizeof *tm);
	tm->col = -1;
	if (s[0] == '!' && n > 1 && strchr("=<>~", s[1]) == NULL) {
		tm->neg = 1;
		s++;
		n--;
	}
	size_t k = 0;
	while (k < n && strchr("<>=!~", s[k]) == NULL)
		k++;
	if (k == n || k == 0) {
		tm->op = OP_SUB;
		if ((tm->text = lower_dup(s, n)) == NULL)
			return err_set(err, "out of memory");
		return 1;
	}
	long c = col_match(t, s, k);
	if (c == -2)
		return err_set(err, "'%.*s' names more than one column", (int)k, s);
	if (c < 0)
		return err_set(err, "no column '%.*s'", (int)k, s);
	tm->col = (int)c;
	size_t o = k;
	if (o + 1 < n && s[o + 1] == '=' && strchr("<>!=", s[o])) {
		tm->op = s[o] == '<' ? OP_LE : s[o] == '>' ? OP_GE : s[o] == '!' ? OP_NE : OP_EQ;
		o += 2;
	} else {
		switch (s[o]) {
		case '<': tm->op = OP_LT; break;
		case '>': tm->op = OP_GT; break;
		case '=': tm->op = OP_EQ; break;
		case '~': tm->op = OP_HAS; break;
		default:
			return err_set(err, "bad operator in '%.*s' (use = != < <= > >= ~)", (int)n, s);
		}
		o++;
	}
	if (o == n)
		return 0;
	if ((tm->text = lower_dup(s + o, n - o)) == NULL)
		return err_set(err, "out of memory");
	char *end;
	errno = 0;
	tm->num = strtod(tm->text, &end);
	tm->isnum = *end == '\0' && errno == 0 && (t->cols[c].flags & TC_NUM);
	return 1;
}

int
tab_filter(struct tab *t, const char *text, char **err)
{
	struct tab_term *v = NULL;
	size_t n = 0;
	const char *s = text ? text : "";
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		const char *e = s;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		struct tab_term tm;
		int r = parse_term(t, s, (size_t)(e - s), &tm, err);
		if (r < 0) {
			terms_free(v, n);
			return -1;
		}
		if (r == 1) {
			struct tab_term *nv = realloc(v, (n + 1) * sizeof *nv);
			if (nv == NULL) {
				free(tm.text);
				terms_free(v, n);
				return err_set(err, "out of memory");
			}
			v = nv;
			v[n++] = tm;
		}
		s = e;
	}
	terms_free(t->terms, t->nterms);
	t->terms = v;
	t->nterms = n;
	return 0;
}

static int
term_holds(const struct tab *t, size_t r, const struct tab_term *tm)
{
	if (tm->col < 0)
		return (strstr(t->hay[r], tm->text) != NULL) != tm->neg;
	const char *cell = tab_cell(t, r, (size_t)tm->col);
	int c;
	if (tm->isnum) {
		double x = tab_num(t, r, (size_t)tm->col);
		if (isnan(x))
			return tm->op == OP_NE;
		c = x < tm->num ? -1 : x > tm->num;
	} else if (tm->op == OP_HAS) {
		size_t nl = strlen(tm->text);
		for (const char *q = cell; *q; q++)
			if (strncasecmp(q, tm->text, nl) == 0)
				return 1;
		return nl == 0;
	} else {
		c = strcasecmp(cell, tm->text);
	}
	switch (tm->op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	default: return 0;
	}
}

void
tab_sort(struct tab *t, int col, int desc)
{
	t->sort_col = col >= 0 && (size_t)col < t->ncols ? col : -1;
	t->sort_desc = desc;
}

void
tab_group(struct tab *t, int col)
{
	t->group_col = col >= 0 && (size_t)col < t->ncols ? col : -1;
}

static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct tab *t = arg;
	int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
	int c = 0;
	if (t->group_col >= 0) {
		c = strcmp(tab_cell(t, (size_t)a, (size_t)t->group_col),
		    tab_cell(t, (size_t)b, (size_t)t->group_col));
		if (c)
			return c;
	}
	if (t->sort_col >= 0) {
		size_t j = (size_t)t->sort_col;
		if (t->cols[j].flags & TC_NUM) {
			double x = tab_num(t, (size_t)a, j), y = tab_num(t, (size_t)b, j);
			if (isnan(x) != isnan(y))
				return isnan(x) ? 1 : -1;	/* missing last either way */
			if (!isnan(x))
				c = x < y ? -1 : x > y;
		} else {
			const char *x = tab_cell(t, (size_t)a, j), *y = tab_cell(t, (size_t)b, j);
			if ((*x == '\0') != (*y == '\0'))
				return *x == '\0' ? 1 : -1;
			c = strcmp(x, y);
		}
		if (t->sort_desc)
			c = -c;
		if (c)
			return c;
	}
	return (a > b) - (a < b);
}

static int
is_folded(const struct tab *t, const char *name)
{
	for (size_t i = 0; i < t->nfolded; i++)
		if (strcmp(t->folded[i], name) == 0)
			return 1;
	return 0;
}

void
tab_fold(struct tab *t, size_t g)
{
	if (g >= t->ngroups)
		return;
	const char *name = t->groups[g].name;
	for (size_t i = 0; i < t->nfolded; i++)
		if (strcmp(t->folded[i], name) == 0) {
			free(t->folded[i]);
			t->folded[i] = t->folded[--t->nfolded];
			return;
		}
	char **nf = realloc(t->folded, (t->nfolded + 1) * sizeof *nf);
	if (nf == NULL)
		return;
	t->folded = nf;
	if ((nf[t->nfolded] = str_dup(name)) != NULL)
		t->nfolded++;
}

int
tab_view(struct tab *t)
{
	int32_t *idx = malloc((t->nrows ? t->nrows : 1) * sizeof *idx);
	size_t n = 0;

	free(t->view);
	free(t->groups);
	t->view = NULL;
	t->groups = NULL;
	t->nview = t->ngroups = t->nmatch = 0;
	if (idx == NULL)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		size_t k = 0;
		while (k < t->nterms && term_holds(t, r, &t->terms[k]))
			k++;
		if (k == t->nterms)
			idx[n++] = (int32_t)r;
	}
	t->nmatch = n;
	if (t->sort_col >= 0 || t->group_col >= 0)
		qsort_r(idx, n, sizeof *idx, cmp_rows, t);
	size_t ng = 0;
	if (t->group_col >= 0) {
		for (size_t i = 0; i < n; i++)
			if (i == 0 || strcmp(tab_cell(t, (size_t)idx[i], (size_t)t->group_col),
			    tab_cell(t, (size_t)idx[i - 1], (size_t)t->group_col)) != 0)
				ng++;
	}
	t->view = malloc((n + ng + 1) * sizeof *t->view);
	t->groups = calloc(ng + 1, sizeof *t->groups);
	if (t->view == NULL || t->groups == NULL) {
		free(idx);
		free(t->view);
		free(t->groups);
		t->view = NULL;
		t->groups = NULL;
		return -1;
	}
	if (t->group_col < 0) {
		for (size_t i = 0; i < n; i++)
			t->view[i] = (struct tvrow){ idx[i], -1 };
		t->nview = n;
		free(idx);
		return 0;
	}
	size_t v = 0;
	int32_t g = -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = tab_cell(t, (size_t)idx[i], (size_t)t->group_col);
		if (g < 0 || strcmp(name, t->groups[g].name) != 0) {
			g++;
			t->groups[g].name = name;
			t->groups[g].folded = is_folded(t, name);
			t->view[v++] = (struct tvrow){ -1, g };
		}
		t->groups[g].count++;
		if (!t->groups[g].folded)
			t->view[v++] = (struct tvrow){ idx[i], g };
	}
	t->ngroups = ng;
	t->nview = v;
	free(idx);
	return 0;
}

long
tab_row_of_key(const struct tab *t, int64_t key)
{
	for (size_t r = 0; r < t->nrows; r++)
		if (t->keys[r] == key)
			return (long)r;
	return -1;
}

long
tab_line_of_row(const struct tab *t, size_t row)
{
	for (size_t i = 0; i < t->nview; i++)
		if (t->view[i].row == (int32_t)row)
			return (long)i;
	return -1;
}

void
tab_mark(struct tab *t, size_t row, int on)
{
	if (row < t->nrows)
		t->marks[row] = on ? 1 : 0;
}

size_t
tab_marked(const struct tab *t, int64_t *keys, size_t max)
{
	size_t k = 0;
	for (size_t r = 0; r < t->nrows; r++)
		if (t->marks[r]) {
			if (k < max)
				keys[k] = t->keys[r];
			k++;
		}
	return k;
}
