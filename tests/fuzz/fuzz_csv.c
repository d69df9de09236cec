/*
 * fuzz_csv.c — CSV import (core/ingest/csv_import.c), single-threaded
 * against parallel.
 *
 * Input: one option byte, then the file.  The option byte picks the
 * delimiter (sniffed, or one of , ; TAB |), the header rule (detect, none,
 * present), whether "-999" is an extra missing-value token, and the number
 * of pieces for the parallel parse (2..8).  csv_import splits the file
 * into one piece per thread whenever import_opts.threads > 0 — the 4 MiB
 * minimum applies only to the automatic count — so small inputs exercise
 * the split, the speculative piece parse, the fallback to one piece when
 * a split fell inside a quoted field, and the merge of dictionaries.
 *
 * Checks, on every input: no crash, leak or undefined behaviour; and the
 * parallel import gives exactly what the single-threaded one gives: the
 * same error message, or the same table (shape, names, kinds, every
 * value bit for bit, every dictionary in the same order) and the same
 * delimiter, header and BOM decisions.
 */
#include "fuzz.h"

static void
same_tables(const struct table *a, const struct table *b, int threads)
{
	if (a->nrows != b->nrows || a->ncols != b->ncols)
		fuzz_fail("1 thread: %zu x %zu, %d threads: %zu x %zu", a->nrows, a->ncols,
		    threads, b->nrows, b->ncols);
	for (size_t j = 0; j < a->ncols; j++) {
		const struct column *x = &a->cols[j], *y = &b->cols[j];
		if (strcmp(x->name, y->name) != 0 || x->kind != y->kind)
			fuzz_fail("column %zu: '%s' kind %d vs '%s' kind %d (%d threads)", j,
			    x->name, x->kind, y->name, y->kind, threads);
		if (x->kind == COL_NUMERIC) {
			double *u = malloc((a->nrows + 1) * sizeof *u);
			double *v = malloc((a->nrows + 1) * sizeof *v);
			if (!u || !v)
				abort();
			column_gather_num(x, u);
			column_gather_num(y, v);
			for (size_t i = 0; i < a->nrows; i++)
				if (!fuzz_same_double(u[i], v[i]))
					fuzz_fail("column '%s' row %zu: %.17g vs %.17g (%d threads)",
					    x->name, i, u[i], v[i], threads);
			free(u);
			free(v);
			continue;
		}
		if (x->dict.n != y->dict.n)
			fuzz_fail("column '%s': %u vs %u distinct strings (%d threads)", x->name,
			    x->dict.n, y->dict.n, threads);
		for (uint32_t k = 0; k < x->dict.n; k++)
			if (strcmp(strdict_get(&x->dict, k), strdict_get(&y->dict, k)) != 0)
				fuzz_fail("column '%s' string %u: '%s' vs '%s' (%d threads)", x->name,
				    k, strdict_get(&x->dict, k), strdict_get(&y->dict, k), threads);
		uint32_t *u = malloc((a->nrows + 1) * sizeof *u);
		uint32_t *v = malloc((a->nrows + 1) * sizeof *v);
		if (!u || !v)
			abort();
		column_gather_codes(x, u);
		column_gather_codes(y, v);
		for (size_t i = 0; i < a->nrows; i++) {
			if (u[i] != v[i])
				fuzz_fail("column '%s' row %zu: code %u vs %u (%d threads)", x->name, i,
				    u[i], v[i], threads);
			if (u[i] != CODE_NA && u[i] >= x->dict.n)
				fuzz_fail("column '%s' row %zu: code %u past the dictionary (%u)",
				    x->name, i, u[i], x->dict.n);
		}
		free(u);
		free(v);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int delims[] = { 0, ',', ';', '\t', '|', 0, 0, 0 };
	static const char *na[] = { "-999" };
	struct table *t[2] = { NULL, NULL };
	struct import_info info[2];
	char path[64], *err[2] = { NULL, NULL };
	int rc[2];

	if (size < 1)
		return 0;
	unsigned opt = data[0];
	struct import_opts o = {
		.delimiter = delims[opt & 7],
		.header = (int)((opt >> 3) & 3) - 1,	/* -1, 0, 1, and 2 -> detect */
		.na = na,
		.nna = (opt >> 5) & 1,
		.threads = 1,
	};
	if (o.header > 1)
		o.header = -1;
	int threads = 2 + (int)((opt >> 6) & 3) * 2;	/* 2, 4, 6, 8 */
	if (fuzz_file(data + 1, size - 1, path) != 0)
		return 0;

	rc[0] = csv_import(path, &o, &t[0], &info[0], &err[0]);
	o.threads = threads;
	rc[1] = csv_import(path, &o, &t[1], &info[1], &err[1]);

	if (rc[0] != rc[1])
		fuzz_fail("1 thread: %s; %d threads: %s", rc[0] ? err[0] : "a table", threads,
		    rc[1] ? err[1] : "a table");
	if (rc[0] != 0) {
		/* the messages name the memfd; both name the same one */
		if (err[0] == NULL || err[1] == NULL || strcmp(err[0], err[1]) != 0)
			fuzz_fail("errors differ:\n  1 thread:  %s\n  %d threads: %s",
			    err[0] ? err[0] : "(none)", threads, err[1] ? err[1] : "(none)");
		if (strchr(err[0], '\n'))
			fuzz_fail("error is not one line: %s", err[0]);
	} else {
		if (info[0].delimiter != info[1].delimiter || info[0].header != info[1].header ||
		    info[0].bom != info[1].bom)
			fuzz_fail("decisions differ: delimiter %d/%d header %d/%d bom %d/%d",
			    info[0].delimiter, info[1].delimiter, info[0].header, info[1].header,
			    info[0].bom, info[1].bom);
		same_tables(t[0], t[1], threads);
	}
	for (int k = 0; k < 2; k++) {
		table_free(t[k]);
		free(err[k]);
	}
	return 0;
}
