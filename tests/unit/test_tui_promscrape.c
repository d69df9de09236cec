/*
 * test_tui_promscrape.c — reading a lathe server's /metrics page for the
 * models screen: parsing (per-model counters and loaded versions, the
 * latency histogram summed over models, escapes, comments, CRLF, bad
 * lines named by number, pages that are not lathe's), Prometheus'
 * histogram_quantile (a table of cases worked by hand from its
 * definition), counter increases across restarts, and the window behind
 * requests/s and p50/p99.
 */
#include "testutil.h"
#include "base/util.h"
#include "tui/promscrape.h"

#include <math.h>

/* A page as lathe serve renders it, cut down to two buckets plus +Inf. */
static const char page[] =
	"# HELP lathe_http_requests_total HTTP requests answered, by status code.\n"
	"# TYPE lathe_http_requests_total counter\n"
	"lathe_http_requests_total{code=\"200\"} 9\n"
	"lathe_http_requests_total{code=\"400\"} 1\n"
	"lathe_predict_requests_total{model=\"iris\"} 7\n"
	"lathe_predict_requests_total{model=\"penguins\"} 3\n"
	"lathe_predict_errors_total{model=\"iris\",code=\"400\"} 1\n"
	"lathe_predict_errors_total{model=\"iris\",code=\"415\"} 0\n"
	"lathe_predict_errors_total{model=\"penguins\",code=\"400\"} 2\n"
	"lathe_request_duration_seconds_bucket{model=\"iris\",le=\"0.0001\"} 2\n"
	"lathe_request_duration_seconds_bucket{model=\"iris\",le=\"0.001\"} 5\n"
	"lathe_request_duration_seconds_bucket{model=\"iris\",le=\"+Inf\"} 6\n"
	"lathe_request_duration_seconds_sum{model=\"iris\"} 0.004\n"
	"lathe_request_duration_seconds_count{model=\"iris\"} 6\n"
	"lathe_request_duration_seconds_bucket{model=\"penguins\",le=\"0.0001\"} 0\n"
	"lathe_request_duration_seconds_bucket{model=\"penguins\",le=\"0.001\"} 1\n"
	"lathe_request_duration_seconds_bucket{model=\"penguins\",le=\"+Inf\"} 1\n"
	"lathe_phase_duration_seconds_bucket{model=\"iris\",phase=\"parse\",le=\"+Inf\"} 6\n"
	"lathe_model_version{model=\"iris\",ref=\"iris@production\",run=\"12\"} 2\n"
	"lathe_model_version{model=\"penguins\",ref=\"penguins\",run=\"3\"} 1\n"
	"lathe_model_load_failed{model=\"iris\"} 0\n"
	"lathe_model_load_failed{model=\"penguins\"} 1\n"
	"lathe_server_start_time_seconds 1795935557\n"
	"lathe_build_info{version=\"0.1.0\"} 1\n";

static void
test_parse(void **state)
{
	struct prom_scrape sc;
	char *err = NULL;
	(void)state;
	assert_int_equal(prom_parse(page, sizeof page - 1, 5.0, &sc, &err), 0);
	assert_null(err);
	assert_true(sc.lathe);
	assert_true(sc.total.t == 5.0);
	assert_true(sc.total.requests == 10);
	assert_true(sc.total.errors == 3);
	assert_int_equal(sc.nm, 2);
	assert_string_equal(sc.m[0].name, "iris");
	assert_string_equal(sc.m[0].ref, "iris@production");
	assert_int_equal(sc.m[0].version, 2);
	assert_int_equal(sc.m[0].run, 12);
	assert_false(sc.m[0].load_failed);
	assert_true(sc.m[0].requests == 7 && sc.m[0].errors == 1);
	assert_string_equal(sc.m[1].name, "penguins");
	assert_int_equal(sc.m[1].version, 1);
	assert_true(sc.m[1].load_failed);
	/* the histogram, summed over models; phase histograms are not mixed in */
	assert_int_equal(sc.total.nb, 3);
	assert_true(sc.total.le[0] == 0.0001 && sc.total.cum[0] == 2);
	assert_true(sc.total.le[1] == 0.001 && sc.total.cum[1] == 6);
	assert_true(isinf(sc.total.le[2]) && sc.total.cum[2] == 7);
}

static void
test_parse_forms(void **state)
{
	struct prom_scrape sc;
	char *err = NULL;
	(void)state;
	/* CRLF, indented lines, timestamps, escaped label values, exponents */
	static const char p[] =
		"lathe_build_info{version=\"0.1.0\"} 1\r\n"
		"   lathe_model_version{model=\"a\\\"b\",ref=\"a\\\\b@x\",run=\"1\"} 4 1700000000000\r\n"
		"lathe_predict_requests_total{model=\"a\\\"b\"} 1.5e3\r\n"
		"\r\n"
		"lathe_other_thing 12\n";
	assert_int_equal(prom_parse(p, sizeof p - 1, 0, &sc, &err), 0);
	assert_int_equal(sc.nm, 1);
	assert_string_equal(sc.m[0].name, "a\"b");
	assert_string_equal(sc.m[0].ref, "a\\b@x");
	assert_int_equal(sc.m[0].version, 4);
	assert_true(sc.total.requests == 1500);
	assert_true(sc.m[0].requests == 1500);
}

static void
test_parse_errors(void **state)
{
	static const struct { const char *text; const char *msg; } cases[] = {
		{ "lathe_build_info 1\nlathe_x{a=\"b\"}\n", "/metrics line 2: expected a value" },
		{ "lathe_build_info 1\n\nlathe_x{a=\"b} 1\n", "/metrics line 3: unterminated label" },
		{ "lathe_x{a=b} 1\n", "/metrics line 1: expected LABEL=\"VALUE\"" },
		{ "lathe_x twelve\n", "/metrics line 1: the value is not a number" },
		{ "{a=\"b\"} 1\n", "/metrics line 1: expected a metric name" },
		{ "# just comments\nsomething_else 1\n", "not a lathe server's /metrics page" },
		{ "<html>Not found</html>", "/metrics line 1: expected a metric name" },
		{ "", "not a lathe server's /metrics page" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct prom_scrape sc;
		char *err = NULL;
		assert_int_equal(prom_parse(cases[i].text, strlen(cases[i].text), 0, &sc, &err), -1);
		assert_non_null(err);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s', expected '%s...'", i, err, cases[i].msg);
		free(err);
	}
}

static void
test_quantile(void **state)
{
	static const double le[] = { 0.1, 0.2, 0.5, INFINITY };
	static const double cum[] = { 10, 20, 30, 40 };
	static const struct { double q, want; } cases[] = {
		{ 0.1, 0.04 },		/* first bucket: from 0 */
		{ 0.25, 0.1 },		/* exactly a bucket's top */
		{ 0.5, 0.2 },
		{ 0.6, 0.32 },		/* 0.2 + 0.3 * (24 - 20) / 10 */
		{ 0.75, 0.5 },
		{ 0.99, 0.5 },		/* in +Inf: the highest finite bound */
		{ 1.0, 0.5 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		double got = prom_quantile(cases[i].q, le, cum, 4);
		if (fabs(got - cases[i].want) > 1e-12)
			fail_msg("q %g: %.17g, expected %g", cases[i].q, got, cases[i].want);
	}
	assert_true(isinf(prom_quantile(1.5, le, cum, 4)) && prom_quantile(1.5, le, cum, 4) > 0);
	assert_true(isinf(prom_quantile(-0.5, le, cum, 4)) && prom_quantile(-0.5, le, cum, 4) < 0);
	assert_true(isnan(prom_quantile(NAN, le, cum, 4)));
	/* no observations, too few buckets, no +Inf bucket */
	static const double zero[] = { 0, 0, 0, 0 };
	assert_true(isnan(prom_quantile(0.5, le, zero, 4)));
	assert_true(isnan(prom_quantile(0.5, le + 3, cum + 3, 1)));
	assert_true(isnan(prom_quantile(0.5, le, cum, 3)));
	/* counts out of order (summed shards) are made monotonic first */
	static const double odd[] = { 10, 8, 30, 40 };
	assert_true(fabs(prom_quantile(0.5, le, odd, 4) - 0.35) < 1e-12);
	/* a first bucket with a bound <= 0 answers that bound */
	static const double le0[] = { 0, 1, INFINITY };
	static const double c0[] = { 5, 10, 10 };
	assert_true(prom_quantile(0.2, le0, c0, 3) == 0);
	/* everything in one bucket: interpolated across it */
	static const double c1[] = { 0, 4, 4, 4 };
	assert_true(fabs(prom_quantile(0.5, le, c1, 4) - 0.15) < 1e-12);
}

static void
test_increase(void **state)
{
	(void)state;
	assert_true(prom_increase(10, 15) == 5);
	assert_true(prom_increase(10, 10) == 0);
	assert_true(prom_increase(10, 3) == 3);	/* restarted */
}

static struct prom_point
point(double t, double requests, double fast, double slow)
{
	struct prom_point p;
	memset(&p, 0, sizeof p);
	p.t = t;
	p.requests = requests;
	p.nb = 3;
	p.le[0] = 0.001;
	p.le[1] = 0.01;
	p.le[2] = INFINITY;
	p.cum[0] = fast;
	p.cum[1] = fast + slow;
	p.cum[2] = fast + slow;
	return p;
}

static void
test_window(void **state)
{
	struct prom_window w;
	struct prom_point p;
	(void)state;
	memset(&w, 0, sizeof w);
	assert_true(isnan(prom_window_rate(&w)));
	assert_true(isnan(prom_window_quantile(&w, 0.5)));
	/* one point: no rate yet; quantiles over everything since start */
	p = point(100, 10, 10, 0);
	prom_window_push(&w, &p);
	assert_true(isnan(prom_window_rate(&w)));
	assert_true(fabs(prom_window_quantile(&w, 0.5) - 0.0005) < 1e-12);
	/* 20 slow requests in the next 2 s: 10/s, and the window's p50 is slow */
	p = point(102, 30, 10, 20);
	prom_window_push(&w, &p);
	assert_true(fabs(prom_window_rate(&w) - 10) < 1e-12);
	assert_true(prom_window_quantile(&w, 0.5) > 0.001);
	/* idle: rate 0 */
	p = point(103, 30, 10, 20);
	prom_window_push(&w, &p);
	assert_true(prom_window_rate(&w) == 0);
	/* after PROM_WINDOW idle points the window saw no request at all */
	for (int i = 0; i < PROM_WINDOW; i++) {
		p = point(104 + i, 30, 10, 20);
		prom_window_push(&w, &p);
	}
	assert_int_equal(w.n, PROM_WINDOW);
	assert_true(isnan(prom_window_quantile(&w, 0.5)));
	/* a gap (the screen was not watching): older points fall out */
	p = point(130, 40, 20, 20);
	prom_window_push(&w, &p);
	assert_int_equal(w.n, 1);
	p = point(131, 40, 20, 20);
	prom_window_push(&w, &p);
	assert_int_equal(w.n, 2);
	assert_true(isnan(prom_window_quantile(&w, 0.5)));
	/* a restart (counters went down) starts the window again */
	p = point(200, 4, 4, 0);
	prom_window_push(&w, &p);
	assert_int_equal(w.n, 1);
	assert_true(fabs(prom_window_quantile(&w, 0.99) - 0.00099) < 1e-12);
	/* the rate across a restart counts from zero */
	p = point(201, 6, 6, 0);
	prom_window_push(&w, &p);
	assert_true(fabs(prom_window_rate(&w) - 2) < 1e-12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_increase),
		cmocka_unit_test(test_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
