/*
 * test_tui_plot.c — the numbers behind plots and the data grid: histogram
 * bins, ROC points (their area equals metrics_roc_auc_binary, ties as one
 * threshold), the radix row sort against qsort (numbers, strings, missing
 * last both ways, stability, a million rows), the gnuplot script, and the
 * plot pane's behaviour without gnuplot (a message, no crash) and with it
 * (text of the pane's size, PNG and SVG files).
 */
#include "testutil.h"
#include "base/util.h"
#include "store/table.h"
#include "train/metrics.h"
#include "tui/plot.h"
#include "tui/plotdata.h"
#include "tui/rowsort.h"

#include <math.h>
#include <sys/stat.h>

static void
test_hist(void **state)
{
	double x[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NAN, -1, 11 };
	size_t c[5];
	(void)state;
	assert_int_equal(hist_bins(x, ARRAY_LEN(x), 0, 10, 5, c), 11);
	assert_int_equal(c[0], 2);
	assert_int_equal(c[4], 3);	/* the last bin holds the maximum */
	size_t one[1];
	double same[] = { 3, 3, 3 };
	assert_int_equal(hist_bins(same, 3, 3, 3, 1, one), 3);
}

static void
test_roc(void **state)
{
	int y[] = { 0, 0, 1, 1, 0, 1, 0, 1, 1, 0 };
	double s[] = { 0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.6, 0.4, 0.05 };
	double *fpr, *tpr, auc;
	size_t n;
	(void)state;
	assert_int_equal(roc_points(y, s, 10, &fpr, &tpr, &n), 0);
	assert_true(n >= 3);
	assert_true(fpr[0] == 0 && tpr[0] == 0);
	assert_true(fpr[n - 1] == 1 && tpr[n - 1] == 1);
	for (size_t i = 1; i < n; i++)
		assert_true(fpr[i] >= fpr[i - 1] && tpr[i] >= tpr[i - 1]);
	assert_int_equal(metrics_roc_auc_binary(y, s, 10, &auc, NULL), 0);
	assert_true(fabs(roc_area(fpr, tpr, n) - auc) < 1e-12);
	free(fpr);
	free(tpr);
	int all[] = { 1, 1 };
	assert_int_equal(roc_points(all, s, 2, &fpr, &tpr, &n), -1);
}

static double *sort_v;
static int
cmp_asc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	double u = sort_v[x], v = sort_v[y];
	if (isnan(u) != isnan(v))
		return isnan(u) ? 1 : -1;
	if (!isnan(u) && u != v)
		return u < v ? -1 : 1;
	return (x > y) - (x < y);
}

static void
test_rowsort_num(void **state)
{
	(void)state;
	size_t n = 1000000;
	double *v = malloc(n * sizeof *v);
	size_t *out = malloc(n * sizeof *out), *ref = malloc(n * sizeof *ref);
	assert_non_null(v);
	assert_non_null(out);
	assert_non_null(ref);
	uint64_t st = 42;
	for (size_t i = 0; i < n; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		double r = (double)(st >> 11) / 9007199254740992.0;
		v[i] = i % 101 == 0 ? NAN : floor((r - 0.5) * 2000) / 10;	/* ties, negatives */
		ref[i] = i;
	}
	v[7] = -0.0;
	v[8] = INFINITY;
	v[9] = -INFINITY;
	double t0 = time_mono();
	assert_int_equal(rowsort_num(v, NULL, n, 0, out), 0);
	double el = time_mono() - t0;
	sort_v = v;
	qsort(ref, n, sizeof *ref, cmp_asc);
	for (size_t i = 0; i < n; i++)
		if (out[i] != ref[i])
			fail_msg("ascending differs at %zu: row %zu vs %zu", i, out[i], ref[i]);
	print_message("radix sort of 1M doubles: %.1f ms\n", el * 1000);
	/* descending: reversed values, ties still in row order, missing last */
	assert_int_equal(rowsort_num(v, NULL, n, 1, out), 0);
	for (size_t i = 1; i < n; i++) {
		double a = v[out[i - 1]], b = v[out[i]];
		if (isnan(a))
			assert_true(isnan(b));
		else if (!isnan(b))
			assert_true(a > b || (a == b && out[i - 1] < out[i]));
	}
	assert_true(isnan(v[out[n - 1]]));
	/* a subset of rows */
	size_t rows[] = { 8, 9, 7, 0 };
	assert_int_equal(rowsort_num(v, rows, 4, 0, out), 0);
	assert_int_equal(out[0], 9);
	assert_int_equal(out[1], 7);
	assert_int_equal(out[2], 8);
	assert_int_equal(out[3], 0);	/* NaN last */
	free(v);
	free(out);
	free(ref);
}

static void
test_rowsort_codes(void **state)
{
	struct strdict d;
	uint32_t code;
	const char *words[] = { "pear", "apple", "Zebra", "banana" };
	(void)state;
	strdict_init(&d);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(strdict_intern(&d, words[i], strlen(words[i]), &code), 0);
	uint32_t codes[] = { 0, 1, CODE_NA, 2, 3, 1, 0 };
	size_t out[7];
	assert_int_equal(rowsort_codes(codes, &d, NULL, 7, 0, out), 0);
	/* byte order: Zebra < apple < banana < pear; missing last; ties in order */
	size_t want[] = { 3, 1, 5, 4, 0, 6, 2 };
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(out[i], want[i]);
	assert_int_equal(rowsort_codes(codes, &d, NULL, 7, 1, out), 0);
	size_t wdesc[] = { 0, 6, 4, 1, 5, 3, 2 };
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(out[i], wdesc[i]);
	strdict_free(&d);
}

static void
test_script(void **state)
{
	struct plot pl;
	struct sbuf b;
	(void)state;
	plot_init(&pl, "run 3: it's loss", "iteration", "loss");
	struct plot_series *s = plot_series_add(&pl, "loss", PS_LINES);
	plot_point(s, 0, 0.1);
	plot_point(s, 1, NAN);
	plot_point(s, 2, 1e-300);
	pl.diagonal = 1;
	sbuf_init(&b);
	plot_script(&pl, "dumb size 80,24", NULL, &b);
	assert_non_null(strstr(b.s, "set terminal dumb size 80,24\n"));
	assert_non_null(strstr(b.s, "set title 'run 3: it''s loss'\n"));	/* quoted */
	assert_non_null(strstr(b.s, "plot '-' using 1:2 with lines title 'loss', x with lines"));
	assert_non_null(strstr(b.s, "\n0 0.1\nNaN NaN\n2 1e-300\ne\n"));	/* exact numbers */
	assert_null(strstr(b.s, "set output"));
	b.len = 0;
	plot_script(&pl, "svg", "/tmp/x.svg", &b);
	assert_non_null(strstr(b.s, "set output '/tmp/x.svg'\n"));
	assert_int_equal(plot_npoints(&pl), 3);
	sbuf_free(&b);
	plot_free(&pl);
}

/* permutation importance: horizontal bars, labels top down, the bar from
 * 0 to x drawn as a box centred at x/2 (negative decreases go left) */
static void
test_script_hbars(void **state)
{
	struct plot pl;
	struct sbuf b;
	(void)state;
	plot_init(&pl, "run 4: permutation importance", "decrease of r2", NULL);
	struct plot_series *s = plot_series_add(&pl, "mean decrease", PS_HBARS);
	plot_point(s, 0.5, 0);
	plot_point(s, -0.25, 1);
	plot_ytic(&pl, "bmi");
	plot_ytic(&pl, "it's");
	sbuf_init(&b);
	plot_script(&pl, "dumb size 80,24", NULL, &b);
	assert_non_null(strstr(b.s, "set ytics ('bmi' 0, 'it''s' 1)\n"));
	assert_non_null(strstr(b.s, "set yrange [1.5:-0.5]\n"));	/* the first at the top */
	assert_non_null(strstr(b.s, "set style fill solid 0.5\n"));
	assert_non_null(strstr(b.s,
	    "plot '-' using ($1/2):2:(abs($1)/2):(0.4) with boxxyerror title 'mean decrease'\n"));
	assert_non_null(strstr(b.s, "\n0.5 0\n-0.25 1\ne\n"));
	assert_null(strstr(b.s, "set xtics"));
	sbuf_free(&b);
	plot_free(&pl);
}

static void
test_render(void **state)
{
	struct plot pl;
	char *text = NULL, *err = NULL;
	(void)state;
	plot_init(&pl, "test", "x", "y");
	struct plot_series *s = plot_series_add(&pl, "squares", PS_LINES);
	for (int i = 0; i < 20; i++)
		plot_point(s, i, i * i);
	/* no gnuplot: an error that says so, nothing else */
	setenv("LATHE_GNUPLOT", "/nonexistent/gnuplot", 1);
	assert_false(plot_available());
	assert_int_equal(plot_render(&pl, 80, 24, &text, &err), -1);
	assert_non_null(strstr(err, "gnuplot is not installed"));
	free(err);
	err = NULL;
	unsetenv("LATHE_GNUPLOT");
	if (!plot_available()) {
		/* a skip, not a pass: scripts/run-tests.sh fails it, since
		 * install-deps.sh installs gnuplot-nox */
		print_message("SKIP: gnuplot is not installed (dependency: gnuplot-nox)\n");
		plot_free(&pl);
		skip();
	}
	assert_int_equal(plot_render(&pl, 70, 20, &text, &err), 0);
	size_t lines = 0, widest = 0, cur = 0;
	for (const char *q = text; *q; q++) {
		if (*q == '\n') {
			lines++;
			widest = cur > widest ? cur : widest;
			cur = 0;
		} else {
			cur++;
		}
	}
	assert_true(lines >= 18 && lines <= 21);
	assert_true(widest <= 72);
	assert_non_null(strstr(text, "squares"));
	free(text);
	const char *png = tu_path("p.png"), *svg = tu_path("p.svg");
	struct stat sb;
	assert_int_equal(plot_export(&pl, png, 0, &err), 0);
	assert_int_equal(stat(png, &sb), 0);
	assert_true(sb.st_size > 1000);
	FILE *f = fopen(png, "rb");
	unsigned char magic[4] = { 0 };
	assert_int_equal(fread(magic, 1, 4, f), 4);
	fclose(f);
	assert_int_equal(memcmp(magic, "\x89PNG", 4), 0);
	assert_int_equal(plot_export(&pl, svg, 1, &err), 0);
	char *x = NULL;
	f = fopen(svg, "r");
	char buf[512];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "<svg"));
	(void)x;
	/* a gnuplot error is reported */
	assert_int_equal(plot_export(&pl, "/nonexistent/dir/x.png", 0, &err), -1);
	assert_non_null(err);
	free(err);
	plot_free(&pl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_script_hbars),
		cmocka_unit_test(test_roc),
		cmocka_unit_test(test_rowsort_num),
		cmocka_unit_test(test_rowsort_codes),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
