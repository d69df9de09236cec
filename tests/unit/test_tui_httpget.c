/*
 * test_tui_httpget.c — the workbench's tiny HTTP GET, against a local
 * listening socket served by a thread that answers one connection with a
 * canned response: the request it sends, bodies by Content-Length, by
 * the end of the connection and chunked, responses arriving in pieces,
 * non-200 statuses, a server that never answers (the timeout holds), a
 * refused connection, malformed responses and bad URLs.
 */
#include "testutil.h"
#include "base/util.h"
#include "tui/httpget.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

struct canned {
	int		 lfd;
	int		 port;
	const char	*parts[4];	/* written one after the other */
	int		 pause_ms;	/* between parts */
	int		 silent_ms;	/* >0: accept, read, then say nothing this long
					 * (or until the client hangs up) */
	char		 request[2048];
	pthread_t	 th;
};

static void *
serve_one(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->lfd, NULL, NULL);
	size_t n = 0;
	if (fd < 0)
		return NULL;
	/* the request, up to its blank line */
	while (n < sizeof c->request - 1) {
		ssize_t r = recv(fd, c->request + n, sizeof c->request - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		c->request[n] = '\0';
		if (strstr(c->request, "\r\n\r\n"))
			break;
	}
	if (c->silent_ms) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		poll(&pf, 1, c->silent_ms);	/* readable: the client hung up */
	}
	for (int i = 0; i < 4 && c->parts[i]; i++) {
		if (i && c->pause_ms)
			usleep((useconds_t)c->pause_ms * 1000);
		if (send(fd, c->parts[i], strlen(c->parts[i]), MSG_NOSIGNAL) < 0)
			break;
	}
	close(fd);
	return NULL;
}

static void
canned_start(struct canned *c)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->lfd >= 0);
	assert_int_equal(bind(c->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(c->lfd, 4), 0);
	assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&sa, &sl), 0);
	c->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&c->th, NULL, serve_one, c), 0);
}

static void
canned_end(struct canned *c)
{
	pthread_join(c->th, NULL);
	close(c->lfd);
}

/* GET path from a canned server; returns http_get's result. */
static int
get(struct canned *c, const char *path, int timeout_ms, struct sbuf *body, int *status,
    char **err)
{
	char url[128];
	canned_start(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", c->port, path);
	int rc = http_get(url, timeout_ms, body, status, err);
	canned_end(c);
	return rc;
}

static void
test_bodies(void **state)
{
	static const struct {
		const char	*parts[4];
		int		 pause_ms;
		int		 status;
		const char	*body;
	} cases[] = {
		{ { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
		    NULL }, 0, 200, "hello" },
		/* a body ending with the connection */
		{ { "HTTP/1.0 200 OK\r\n\r\nline 1\nline 2\n", NULL }, 0, 200, "line 1\nline 2\n" },
		/* chunked, with an extension and a trailer */
		{ { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", NULL }, 0, 200,
		    "hello world" },
		/* in pieces: headers split, body after a pause */
		{ { "HTTP/1.1 200 OK\r\nContent-Le", "ngth: 11\r\n\r\nhello", " world", NULL }, 20,
		    200, "hello world" },
		{ { "HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n3\r\nabc\r\n", "2\r\nde\r\n",
		    "0\r\n\r\n", NULL }, 20, 200, "abcde" },
		/* header names in any case; bare \n line ends */
		{ { "HTTP/1.1 404 Not Found\ncontent-length: 9\n\nnot found", NULL }, 0, 404,
		    "not found" },
		{ { "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", NULL }, 0, 401, "" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct canned c;
		struct sbuf body;
		char *err = NULL;
		int status = -1;
		memset(&c, 0, sizeof c);
		memcpy(c.parts, cases[i].parts, sizeof c.parts);
		c.pause_ms = cases[i].pause_ms;
		sbuf_init(&body);
		if (get(&c, "/metrics", 2000, &body, &status, &err) != 0)
			fail_msg("case %zu: %s", i, err ? err : "?");
		assert_int_equal(status, cases[i].status);
		assert_string_equal(body.s ? body.s : "", cases[i].body);
		/* what was asked: a GET of the path, closing after */
		assert_true(strncmp(c.request, "GET /metrics HTTP/1.0\r\n", 23) == 0);
		assert_non_null(strstr(c.request, "\r\nHost: 127.0.0.1:"));
		assert_non_null(strstr(c.request, "\r\nConnection: close\r\n"));
		sbuf_free(&body);
	}
}

static void
test_malformed(void **state)
{
	static const struct { const char *resp; const char *msg; } cases[] = {
		{ "SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP response" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "response ended after 5 of 10" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "bad Content-Length 'ten'" },
		{ "HTTP/1.1 200 OK\r\nContent-Len", "response ended inside its headers" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		    "response ended inside a chunk" },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n",
		    "malformed chunked body" },
		{ "", "empty response" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct canned c;
		struct sbuf body;
		char *err = NULL;
		int status;
		memset(&c, 0, sizeof c);
		c.parts[0] = cases[i].resp;
		sbuf_init(&body);
		assert_int_equal(get(&c, "/", 2000, &body, &status, &err), -1);
		assert_non_null(err);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, err, cases[i].msg);
		free(err);
		sbuf_free(&body);
	}
}

static void
test_timeout(void **state)
{
	struct canned c;
	struct sbuf body;
	char *err = NULL;
	int status;
	(void)state;
	memset(&c, 0, sizeof c);
	c.silent_ms = 30000;
	c.parts[0] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	sbuf_init(&body);
	double t0 = time_mono();
	canned_start(&c);
	char url[64];
	snprintf(url, sizeof url, "http://localhost:%d/metrics", c.port);
	assert_int_equal(http_get(url, 200, &body, &status, &err), -1);
	double took = time_mono() - t0;
	canned_end(&c);
	assert_string_equal(err, "timed out after 200 ms");
	/* not before the 200 ms, and long before the server's 30 s of
	 * silence end: the client gave up (how soon after 200 ms depends on
	 * the machine's load, so no tighter bound) */
	assert_true(took >= 0.19);
	assert_true(took < 15);
	free(err);
	sbuf_free(&body);
}

static void
test_refused(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct sbuf body;
	char url[64], *err = NULL;
	int status;
	(void)state;
	/* a port that was just free: nothing listens there */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", ntohs(sa.sin_port));
	sbuf_init(&body);
	assert_int_equal(http_get(url, 500, &body, &status, &err), -1);
	assert_string_equal(err, "connection refused");
	free(err);
	sbuf_free(&body);
}

static void
test_bad_urls(void **state)
{
	static const struct { const char *url; const char *msg; } cases[] = {
		{ "https://127.0.0.1:1/", "bad URL 'https://127.0.0.1:1/': only http://" },
		{ "http://[::1/metrics", "bad URL 'http://[::1/metrics': no ']'" },
		{ "http://127.0.0.1:abc/", "bad URL 'http://127.0.0.1:abc/': bad port" },
		{ "http://:80/", "bad URL 'http://:80/': bad host" },
		{ "http://example.com/", "bad address example.com:80" },	/* no name lookups */
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sbuf body;
		char *err = NULL;
		int status;
		sbuf_init(&body);
		assert_int_equal(http_get(cases[i].url, 100, &body, &status, &err), -1);
		assert_non_null(err);
		if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s', expected '%s'", i, err, cases[i].msg);
		free(err);
		sbuf_free(&body);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
