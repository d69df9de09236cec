/*
 * serve_guard.h — who holds the server's connection slots: the defences
 * of `lathe serve` against clients that open connections and then send
 * their request slowly or never (slowloris), so that clients sending
 * prompt requests keep being answered while such clients persist.
 *
 * libmicrohttpd resets its connection timeout (--timeout) at every byte
 * received and calls the application only once a request head (request
 * line and headers) is complete, so by itself a client sending one header
 * line every few seconds holds its slot for ever, and --max-connections
 * such clients shut everybody else out.  The guard keeps a registry of
 * the open connections, each marked "waiting for a request head since T"
 * or "in a request", and enforces four rules:
 *
 *   1. the head deadline: a connection that has waited --header-timeout
 *      seconds for a complete request head (counted from its accept, or
 *      from the end of its previous response) is closed, however active;
 *   2. a cap per client address (--max-per-ip; IPv6 counts by /64): a new
 *      connection from an address that holds that many is refused;
 *   3. slots go to prompt clients: when every one of --max-connections
 *      slots is taken, a new connection takes the slot of a connection
 *      waiting for a request head — one of the address holding the most
 *      connections, and of those the longest waiting — which is closed;
 *      only when none may be taken is the new one refused.  A client in
 *      the middle of a request is never closed to make room, and one that
 *      connected less than SERVE_GUARD_MIN_WAIT_MS ago only if its address
 *      holds more connections than the newcomer's address holds waiting
 *      for their first request head (connections already answered or in
 *      a request are ordinary traffic, not the mark of a slow client).  So
 *      a client from an address with no connection waiting for a first
 *      head gets a slot whenever some address holds two waiting ones,
 *      however fast the others reconnect;
 *   4. room for the closed: a connection closed to make room keeps its
 *      place in libmicrohttpd until libmicrohttpd reaps it, and past its
 *      limit (serve_guard_daemon_limit) libmicrohttpd resets every new
 *      connection itself, prompt or not, before the guard is asked — as
 *      happens when evictions come faster than the reaping on a loaded
 *      machine.  So the guard refuses newcomers one place short of that
 *      limit, and keeps the last half of the room above --max-connections
 *      for newcomers from addresses with no connection waiting for a
 *      first head.
 *
 * What this does not solve: more addresses than slots, each holding one
 * waiting connection and reconnecting at once when closed, leave nothing
 * to tell a prompt client from a slow one when it connects; then a new
 * client gets a slot only when the longest waiter has waited
 * SERVE_GUARD_MIN_WAIT_MS.  More --max-connections (a waiting connection
 * costs a thread with little memory, or nothing but a buffer with --io
 * epoll) or a proxy in front are the answers there.
 *
 * A connection is closed by shutdown(2) of its socket: libmicrohttpd sees
 * the end of the stream and closes it through its usual path.  Sizes: one
 * small record per open connection and one per client address; rule 1
 * is a sweep every SERVE_GUARD_SWEEP_MS on a thread of its own; rule 2 a
 * hash lookup per accepted connection; rules 3 and 4 two walks of the
 * registry per connection accepted while every slot is taken or the
 * room is short.  Per request the cost is two relaxed atomic stores and
 * a clock read.
 */
#ifndef LATHE_SERVE_GUARD_H
#define LATHE_SERVE_GUARD_H

#include <stddef.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "base/util.h"

#define SERVE_GUARD_SWEEP_MS	100	/* how often the head deadline is checked */
#define SERVE_GUARD_MIN_WAIT_MS	1000	/* a head-waiting connection younger
					 * than this is not closed to make room
					 * (but see rule 3): a client that sends
					 * its request at once sends it well
					 * within this, even on a loaded host */

struct serve_guard;

/*
 * A guard for max_conns slots, closing connections that wait longer than
 * head_timeout seconds for a request head, and refusing a new connection
 * from an address that holds max_per_ip already (0: no cap).  Starts the
 * sweeper thread.  0 and *out (free with serve_guard_free), or -1 with
 * *err.
 */
int	serve_guard_new(unsigned max_conns, int head_timeout, unsigned max_per_ip,
	    struct serve_guard **out, char **err);
/* Stop the sweeper and free the guard (NULL is fine).  Call after
 * MHD_stop_daemon: the daemon's callbacks below use the guard. */
void	serve_guard_free(struct serve_guard *g);

/* How many connections libmicrohttpd itself should allow: max_conns plus
 * room for connections the guard has closed and the daemon not yet
 * reaped. */
unsigned serve_guard_daemon_limit(unsigned max_conns);

/* For MHD_OPTION_NOTIFY_CONNECTION and MHD_start_daemon's accept policy
 * (cls: the guard). */
void	serve_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
	    enum MHD_ConnectionNotificationCode code);
enum MHD_Result serve_guard_accept(void *cls, const struct sockaddr *addr, socklen_t len);

/* The access handler's first call for a request (its head is complete):
 * busy = 1; the request's completion: busy = 0 (waiting for the next
 * head from now on). */
void	serve_guard_request(struct MHD_Connection *c, int busy);

/* Append the guard's Prometheus series to b. */
void	serve_guard_render(struct serve_guard *g, struct sbuf *b);

/* A one-line account of the connections closed or refused since the
 * last one, into buf: 1 when at least every_s seconds have passed and
 * there is something to say, else 0.  For one thread (the main loop). */
int	serve_guard_summary(struct serve_guard *g, unsigned every_s, char *buf, size_t n);

#endif
