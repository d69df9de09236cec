/*
 * test_serve_guard.c — the connection-slot guard of `lathe serve`
 * (serve_guard.h) without libmicrohttpd: connections are socket pairs,
 * announced to the guard as libmicrohttpd would (its accept policy, then
 * NOTIFY_STARTED; a request's start and end; NOTIFY_CLOSED when reaped),
 * and a connection the guard closes is seen shut down at the far end.
 * The guard asks libmicrohttpd about a connection only through
 * MHD_get_connection_info, which this file defines for its own fake
 * connections (the executable's definition wins over the library's).
 *
 * The cases are the two ways a prompt client was once shut out under a
 * slowloris attack, each taken to its deterministic core:
 *   - evictions faster than libmicrohttpd reaps the evicted: their places
 *     ran past libmicrohttpd's own limit, where it resets every newcomer
 *     before the guard is asked (rule 4: the guard refuses first, and
 *     keeps the last of the room for new addresses);
 *   - a client that opens a connection per request, whose answered ones
 *     were not yet reaped, counted as crowded and was refused (rule 3
 *     counts only the connections waiting for a first request head).
 * Everything here happens well within SERVE_GUARD_MIN_WAIT_MS, so every
 * connection is "young".
 */
#include "testutil.h"
#include "base/util.h"
#include "serve/serve_guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct MHD_Connection {
	int			 fd;		/* the server's end */
	int			 peer;		/* the client's end */
	struct sockaddr_in	 sa;
	struct sockaddr		*addr;		/* &sa */
	void			*ctx;		/* the guard's socket context */
};

/* As libmicrohttpd 0.9.7x answers: a pointer to the field itself, so
 * that one answer stays valid while another is asked for. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType t, ...)
{
	switch (t) {
	case MHD_CONNECTION_INFO_CONNECTION_FD:
		return (const union MHD_ConnectionInfo *)&c->fd;
	case MHD_CONNECTION_INFO_CLIENT_ADDRESS:
		return (const union MHD_ConnectionInfo *)&c->addr;
	case MHD_CONNECTION_INFO_SOCKET_CONTEXT:
		return (const union MHD_ConnectionInfo *)&c->ctx;
	default:
		return NULL;
	}
}

static unsigned nopen;	/* started and not yet reaped: what libmicrohttpd holds */

/* A connection from 10.0.A.B: the guard's accept policy, then (accepted)
 * NOTIFY_STARTED.  NULL when the guard refuses it. */
static struct MHD_Connection *
conn_open(struct serve_guard *g, int a, int b)
{
	struct MHD_Connection *c = calloc(1, sizeof *c);
	int sv[2];
	assert_non_null(c);
	c->sa.sin_family = AF_INET;
	c->sa.sin_addr.s_addr = htonl(0x0a000000u | (unsigned)a << 8 | (unsigned)b);
	c->addr = (struct sockaddr *)&c->sa;
	if (serve_guard_accept(g, (struct sockaddr *)&c->sa, sizeof c->sa) != MHD_YES) {
		free(c);
		return NULL;
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->fd = sv[0];
	c->peer = sv[1];
	serve_guard_notify(g, c, &c->ctx, MHD_CONNECTION_NOTIFY_STARTED);
	assert_non_null(c->ctx);
	nopen++;
	return c;
}

/* A request on c, answered: c is then kept alive, waiting for the next. */
static void
conn_answered(struct MHD_Connection *c)
{
	serve_guard_request(c, 1);
	serve_guard_request(c, 0);
}

/* Has the guard shut c down? */
static int
conn_closed(const struct MHD_Connection *c)
{
	char ch;
	return recv(c->peer, &ch, 1, MSG_DONTWAIT) == 0;
}

/* libmicrohttpd reaps c: NOTIFY_CLOSED, then the socket goes. */
static void
conn_reap(struct serve_guard *g, struct MHD_Connection *c)
{
	serve_guard_notify(g, c, &c->ctx, MHD_CONNECTION_NOTIFY_CLOSED);
	assert_null(c->ctx);
	close(c->fd);
	close(c->peer);
	free(c);
	nopen--;
}

enum { MAXC = 64 + 50 };

/*
 * Rule 4.  50 slots held by two addresses (25 each, waiting for a first
 * head).  A third address with a connection of its own keeps arriving:
 * each newcomer takes a slot, its victim closed but never reaped, as on
 * a machine too loaded to reap.  Newcomers from it are refused once the
 * room above --max-connections is down to its reserve; newcomers from
 * new addresses still get in, until one place short of libmicrohttpd's
 * limit — which is never reached.  Once the closed are reaped, the
 * third address is served again.
 */
static void
test_room_for_the_closed(void **state)
{
	struct serve_guard *g = NULL;
	struct MHD_Connection *c[MAXC], *k;
	char *err = NULL;
	size_t n = 0;
	(void)state;
	unsigned limit = serve_guard_daemon_limit(50);
	unsigned room = limit - 1 - 50, reserve = room / 2;
	assert_int_equal(serve_guard_new(50, 60, 0, &g, &err), 0);
	nopen = 0;
	for (int i = 0; i < 50; i++)
		assert_non_null(c[n++] = conn_open(g, 0, 1 + i % 2));
	/* 10.0.0.3: one connection of its own, then more, each evicting */
	unsigned third = 0;
	while ((k = conn_open(g, 0, 3)) != NULL) {
		c[n++] = k;
		third++;
		assert_true(nopen < limit);
		assert_true(n < MAXC);
	}
	/* refused with room - reserve places used by the closed */
	assert_int_equal(nopen, 50 + room - reserve);
	assert_int_equal(third, room - reserve);
	/* new addresses still come in, to one place short of the limit */
	unsigned fresh = 0;
	for (int b = 1; (k = conn_open(g, 1, b)) != NULL; b++) {
		c[n++] = k;
		fresh++;
		assert_true(nopen < limit);
		assert_true(n < MAXC);
	}
	assert_int_equal(fresh, reserve);
	assert_int_equal(nopen, limit - 1);
	assert_null(conn_open(g, 2, 1));	/* nobody now */
	/* every newcomer took the slot of a waiting one: 50 are open */
	size_t alive = 0;
	for (size_t i = 0; i < n; i++)
		alive += !conn_closed(c[i]);
	assert_int_equal(alive, 50);
	/* the closed are reaped: room again, for the third address too */
	for (size_t i = 0; i < n; i++)
		if (conn_closed(c[i])) {
			conn_reap(g, c[i]);
			c[i] = NULL;
		}
	assert_int_equal(nopen, 50);
	assert_non_null(k = conn_open(g, 0, 3));
	conn_reap(g, k);
	for (size_t i = 0; i < n; i++)
		if (c[i])
			conn_reap(g, c[i]);
	serve_guard_free(g);
}

/*
 * Rule 3.  16 addresses hold 3 connections each, all waiting for a first
 * head and younger than a second; a client holds the other two slots
 * with connections already answered (kept alive, or not yet reaped after
 * it closed them) or in a request.  Its next connection gets a slot: its
 * address holds no connection waiting for a first head, so it may take
 * one from an address holding two or more.  A newcomer from one of the
 * 16 holds three such and is refused: no one may be taken from an
 * address no more crowded than its own.
 */
static void
test_answered_connections_do_not_count(void **state)
{
	struct serve_guard *g = NULL;
	struct MHD_Connection *c[60], *k;
	char *err = NULL;
	size_t n = 0;
	(void)state;
	for (int busy = 0; busy < 2; busy++) {
		assert_int_equal(serve_guard_new(50, 60, 0, &g, &err), 0);
		nopen = 0;
		n = 0;
		for (int i = 0; i < 48; i++)
			assert_non_null(c[n++] = conn_open(g, 0, 1 + i % 16));
		for (int i = 0; i < 2; i++) {
			assert_non_null(c[n] = conn_open(g, 9, 1));
			if (busy)
				serve_guard_request(c[n], 1);	/* in a request */
			else
				conn_answered(c[n]);
			n++;
		}
		assert_null(conn_open(g, 0, 5));
		assert_non_null(k = conn_open(g, 9, 1));
		c[n++] = k;
		/* the slot was an attacker's, not one of the client's */
		size_t closed = 0;
		for (size_t i = 0; i < n; i++)
			if (conn_closed(c[i])) {
				closed++;
				assert_true(i < 48);
			}
		assert_int_equal(closed, 1);
		for (size_t i = 0; i < n; i++)
			conn_reap(g, c[i]);
		assert_int_equal(nopen, 0);
		serve_guard_free(g);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_for_the_closed),
		cmocka_unit_test(test_answered_connections_do_not_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
