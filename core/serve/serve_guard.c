/*
 * serve_guard.c — the connection-slot guard of `lathe serve`; see
 * serve_guard.h for the rules and why they are needed.
 *
 * Invariants (all under g->mu):
 *   - every connection libmicrohttpd has started and not yet reaped has
 *     one record in the list (unless its record could not be allocated:
 *     then it is unguarded, and only libmicrohttpd's own timeout applies);
 *   - a record is "closing" once the guard has shut its socket down; it
 *     no longer counts against any limit, and its socket stays open (so
 *     its descriptor cannot be reused) until libmicrohttpd reaps the
 *     connection, which removes the record first (NOTIFY_CLOSED comes
 *     before libmicrohttpd closes the socket) — hence shutdown() under
 *     the mutex never touches another connection's descriptor;
 *   - g->active counts the records not closing, and each address's
 *     count its records not closing; an address record lives while any
 *     connection record (closing or not) points at it;
 *   - g->nrec counts every record, closing or not: exactly the
 *     connections libmicrohttpd holds (it counts one from its accept to
 *     its reaping, and NOTIFY_STARTED / NOTIFY_CLOSED come inside that),
 *     and the accept policy keeps it below g->cap, under libmicrohttpd's
 *     own limit (see serve_guard_accept).
 *
 * The state word of a record is written by the connection's own thread
 * without the mutex (relaxed atomics: a stale read only delays a decision
 * by one request), and read under the mutex by the sweeper and by the
 * accept policy.  A connection closed in the instant its head completes
 * had been over its deadline, or the oldest waiter, a moment before.
 */
#include "serve_guard.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum close_reason { CR_HEADER_TIMEOUT, CR_EVICTED, CR_REFUSED, CR_PER_IP, CR_N };

static const char *const reason_names[CR_N] = {
	"header_timeout", "evicted", "refused", "per_ip",
};

/* One client address (IPv4, or an IPv6 /64) with open connections. */
struct addr {
	struct addr		*next;		/* hash chain */
	unsigned char		 key[8];
	unsigned char		 keylen;
	unsigned		 count;		/* its connections not closing */
	unsigned		 refs;		/* its records (closing ones too) */
};

/* The state word of a connection: (since_ms << 2) | ST_SERVED | ST_BUSY.
 * Busy: in a request (its head is complete); otherwise waiting for a
 * request head since since_ms — its first (fresh: not ST_SERVED) or, kept
 * alive after an answer, its next. */
#define ST_BUSY		1u
#define ST_SERVED	2u
#define ST_SINCE(st)	((st) >> 2)

struct conn {
	struct conn		*prev, *next;
	struct addr		*addr;		/* NULL: not an IP connection */
	int			 fd;
	int			 closing;
	_Atomic uint64_t	 st;		/* see ST_* */
};

struct serve_guard {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 th;
	int			 started, stop;
	struct conn		*head, *tail;
	struct addr		**table;	/* nbucket chains */
	size_t			 nbucket;	/* a power of two */
	unsigned		 active;
	unsigned		 nrec;		/* records, closing ones too */
	unsigned		 cap;		/* nrec stays at most this */
	unsigned		 reserve;	/* of cap, kept for new addresses */
	unsigned		 max_conns, max_per_ip;
	uint64_t		 head_ms;
	_Atomic uint64_t	 closed[CR_N];
	uint64_t		 reported[CR_N];	/* for serve_guard_summary */
	uint64_t		 reported_ms;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The key an address is counted under: IPv4 (also IPv4-mapped IPv6) by
 * address, IPv6 by its /64, the smallest block one host is usually
 * given.  Returns the key's length, 0 for other families. */
static unsigned char
addr_key(const struct sockaddr *a, unsigned char key[8])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (a == NULL)
		return 0;
	if (a->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)(const void *)a)->sin_addr, 4);
		return 4;
	}
	if (a->sa_family == AF_INET6) {
		const unsigned char *b =
		    ((const struct sockaddr_in6 *)(const void *)a)->sin6_addr.s6_addr;
		if (memcmp(b, mapped, sizeof mapped) == 0) {
			memcpy(key, b + 12, 4);
			return 4;
		}
		memcpy(key, b, 8);
		return 8;
	}
	return 0;
}

static size_t
addr_hash(const struct serve_guard *g, const unsigned char *key, unsigned char kl)
{
	uint64_t h = 1469598103934665603u;	/* FNV-1a */
	for (unsigned i = 0; i < kl; i++)
		h = (h ^ key[i]) * 1099511628211u;
	return (size_t)(h ^ (h >> 29)) & (g->nbucket - 1);
}

/* The record of an address, or NULL.  Under g->mu. */
static struct addr *
addr_find(const struct serve_guard *g, const unsigned char *key, unsigned char kl)
{
	struct addr *a = g->table[addr_hash(g, key, kl)];
	while (a && !(a->keylen == kl && memcmp(a->key, key, kl) == 0))
		a = a->next;
	return a;
}

/* Drop one reference to a; the last frees it.  Under g->mu. */
static void
addr_unref(struct serve_guard *g, struct addr *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	struct addr **pp = &g->table[addr_hash(g, a->key, a->keylen)];
	while (*pp != a)
		pp = &(*pp)->next;
	*pp = a->next;
	free(a);
}

/* Shut c's socket down (libmicrohttpd then closes the connection) and
 * stop counting it.  Under g->mu. */
static void
conn_close(struct serve_guard *g, struct conn *c, enum close_reason why)
{
	shutdown(c->fd, SHUT_RDWR);
	c->closing = 1;
	g->active--;
	if (c->addr)
		c->addr->count--;
	atomic_fetch_add_explicit(&g->closed[why], 1, memory_order_relaxed);
}

static void *
sweeper(void *arg)
{
	struct serve_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += SERVE_GUARD_SWEEP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (g->stop)
			break;
		uint64_t now = now_ms();
		for (struct conn *c = g->head; c; c = c->next) {
			uint64_t st = atomic_load_explicit(&c->st, memory_order_relaxed);
			if (!c->closing && !(st & ST_BUSY) && now - ST_SINCE(st) >= g->head_ms)
				conn_close(g, c, CR_HEADER_TIMEOUT);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

unsigned
serve_guard_daemon_limit(unsigned max_conns)
{
	unsigned extra = max_conns / 4 > 16 ? max_conns / 4 : 16;
	return max_conns > UINT32_MAX - extra ? max_conns : max_conns + extra;
}

int
serve_guard_new(unsigned max_conns, int head_timeout, unsigned max_per_ip,
    struct serve_guard **out, char **err)
{
	pthread_condattr_t ca;
	struct serve_guard *g = calloc(1, sizeof *g);
	*out = NULL;
	if (g == NULL)
		return err_set(err, "out of memory");
	g->max_conns = max_conns;
	g->max_per_ip = max_per_ip;
	/* libmicrohttpd resets a new connection itself, before asking the
	 * guard, once it holds its limit: stay one below it */
	unsigned limit = serve_guard_daemon_limit(max_conns);
	g->cap = limit - 1;
	g->reserve = g->cap > max_conns ? (g->cap - max_conns) / 2 : 0;
	g->head_ms = (uint64_t)head_timeout * 1000u;
	g->reported_ms = now_ms();
	for (g->nbucket = 64; g->nbucket < serve_guard_daemon_limit(max_conns) &&
	    g->nbucket < ((size_t)1 << 20); g->nbucket *= 2)
		;
	if ((g->table = calloc(g->nbucket, sizeof *g->table)) == NULL) {
		free(g);
		return err_set(err, "out of memory");
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&g->th, NULL, sweeper, g);
	if (rc != 0) {
		serve_guard_free(g);
		return err_set(err, "cannot start the connection guard thread: %s", strerror(rc));
	}
	g->started = 1;
	*out = g;
	return 0;
}

void
serve_guard_free(struct serve_guard *g)
{
	if (g == NULL)
		return;
	if (g->started) {
		pthread_mutex_lock(&g->mu);
		g->stop = 1;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->th, NULL);
	}
	/* the daemon has stopped: every record is gone, but be safe */
	for (struct conn *c = g->head, *n; c; c = n) {
		n = c->next;
		addr_unref(g, c->addr);
		free(c);
	}
	free(g->table);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* How many connections of address a wait for their first request head
 * (under g->mu): the mark of a slow client.  A connection answered and
 * kept alive, or in a request, is a client's ordinary traffic — and
 * counting it would make a client that opens a connection per request,
 * whose last ones the server has not yet reaped, look crowded. */
static unsigned
fresh_waiting(const struct serve_guard *g, const struct addr *a)
{
	unsigned n = 0;
	if (a == NULL)
		return 0;
	for (const struct conn *c = g->head; c; c = c->next)
		if (c->addr == a && !c->closing &&
		    !(atomic_load_explicit(&c->st, memory_order_relaxed) & (ST_BUSY | ST_SERVED)))
			n++;
	return n;
}

/*
 * Which connection yields its slot to a newcomer from an address with
 * `mine` connections waiting for a first request head: among the
 * connections waiting for a request head, those of the address holding
 * the most, and of those the one waiting longest.  A connection younger
 * than SERVE_GUARD_MIN_WAIT_MS (it may be sending its head right now) is
 * taken only when its address would still hold more than the newcomer's.
 * So a client from a new address gets a slot whenever any address holds
 * two waiting connections, and clients of one crowded address take slots
 * only from each other or from the long waiters.  NULL: nobody may be
 * closed.  Under g->mu.
 */
static struct conn *
pick_victim(struct serve_guard *g, unsigned mine)
{
	uint64_t now = now_ms();
	struct conn *best = NULL;
	unsigned best_n = 0;
	uint64_t best_since = 0;
	for (struct conn *c = g->head; c; c = c->next) {
		uint64_t st = atomic_load_explicit(&c->st, memory_order_relaxed);
		if (c->closing || (st & ST_BUSY))
			continue;
		unsigned n = c->addr ? c->addr->count : 1;
		uint64_t since = ST_SINCE(st);
		if (now - since < SERVE_GUARD_MIN_WAIT_MS && n <= mine + 1)
			continue;
		if (best == NULL || n > best_n || (n == best_n && since < best_since)) {
			best = c;
			best_n = n;
			best_since = since;
		}
	}
	return best;
}

enum MHD_Result
serve_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct serve_guard *g = cls;
	unsigned char key[8];
	unsigned char kl = addr_key(sa, key);
	enum MHD_Result ok = MHD_YES;
	(void)len;

	pthread_mutex_lock(&g->mu);
	struct addr *a = kl ? addr_find(g, key, kl) : NULL;
	if (g->max_per_ip && a && a->count >= g->max_per_ip) {
		atomic_fetch_add_explicit(&g->closed[CR_PER_IP], 1, memory_order_relaxed);
		ok = MHD_NO;
		goto out;
	}
	/*
	 * Room in libmicrohttpd: a connection closed to make room holds its
	 * place there until libmicrohttpd reaps it, and when evictions come
	 * faster than the reaping (a loaded machine) those places run out;
	 * libmicrohttpd would then reset every newcomer, prompt or not, before
	 * the guard is asked.  So the guard refuses first, and keeps the last
	 * g->reserve places for newcomers whose address has no connection
	 * waiting for a first request head.
	 */
	int tight = g->nrec + 1 > g->cap - g->reserve;
	unsigned mine = (tight || g->active >= g->max_conns) ? fresh_waiting(g, a) : 0;
	if (g->nrec + 1 > g->cap || (tight && mine > 0)) {
		atomic_fetch_add_explicit(&g->closed[CR_REFUSED], 1, memory_order_relaxed);
		ok = MHD_NO;
	} else if (g->active >= g->max_conns) {
		struct conn *victim = pick_victim(g, mine);
		if (victim) {
			conn_close(g, victim, CR_EVICTED);
		} else {
			atomic_fetch_add_explicit(&g->closed[CR_REFUSED], 1, memory_order_relaxed);
			ok = MHD_NO;
		}
	}
out:
	pthread_mutex_unlock(&g->mu);
	return ok;
}

void
serve_guard_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct serve_guard *g = cls;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		unsigned char key[8];
		unsigned char kl = addr_key(ai ? ai->client_addr : NULL, key);
		if (fi == NULL || (c = calloc(1, sizeof *c)) == NULL)
			return;		/* unguarded: libmicrohttpd's limits still apply */
		c->fd = fi->connect_fd;
		atomic_init(&c->st, now_ms() << 2);
		pthread_mutex_lock(&g->mu);
		if (kl && (c->addr = addr_find(g, key, kl)) == NULL &&
		    (c->addr = calloc(1, sizeof *c->addr)) != NULL) {
			size_t h = addr_hash(g, key, kl);
			memcpy(c->addr->key, key, kl);
			c->addr->keylen = kl;
			c->addr->next = g->table[h];
			g->table[h] = c->addr;
		}
		if (c->addr) {
			c->addr->refs++;
			c->addr->count++;
		}
		c->prev = g->tail;
		if (g->tail)
			g->tail->next = c;
		else
			g->head = c;
		g->tail = c;
		g->active++;
		g->nrec++;
		pthread_mutex_unlock(&g->mu);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	if (!c->closing) {
		g->active--;
		if (c->addr)
			c->addr->count--;
	}
	g->nrec--;
	addr_unref(g, c->addr);
	pthread_mutex_unlock(&g->mu);
	free(c);
	*socket_context = NULL;
}

void
serve_guard_request(struct MHD_Connection *mc, int busy)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = ci ? ci->socket_context : NULL;
	if (c)
		atomic_store_explicit(&c->st, busy ? ST_SERVED | ST_BUSY :
		    now_ms() << 2 | ST_SERVED, memory_order_relaxed);
}

void
serve_guard_render(struct serve_guard *g, struct sbuf *b)
{
	pthread_mutex_lock(&g->mu);
	unsigned active = g->active;
	pthread_mutex_unlock(&g->mu);
	sbuf_printf(b, "# HELP lathe_http_connections Client connections open now "
	    "(--max-connections caps them).\n# TYPE lathe_http_connections gauge\n"
	    "lathe_http_connections %u\n", active);
	sbuf_puts(b, "# HELP lathe_http_connections_closed_total Connections the server closed "
	    "or refused to keep its slots for prompt clients: header_timeout (no complete "
	    "request head within --header-timeout), evicted (waited longest for a request head "
	    "when a new client needed the slot), refused (no slot could be freed, or too many "
	    "closed connections not yet released), per_ip (the address already held "
	    "--max-per-ip).\n"
	    "# TYPE lathe_http_connections_closed_total counter\n");
	for (int r = 0; r < CR_N; r++)
		sbuf_printf(b, "lathe_http_connections_closed_total{reason=\"%s\"} %llu\n",
		    reason_names[r], (unsigned long long)atomic_load_explicit(&g->closed[r],
		    memory_order_relaxed));
}

int
serve_guard_summary(struct serve_guard *g, unsigned every_s, char *buf, size_t n)
{
	uint64_t now = now_ms(), d[CR_N], any = 0;
	if (now - g->reported_ms < (uint64_t)every_s * 1000u)
		return 0;
	for (int r = 0; r < CR_N; r++) {
		uint64_t v = atomic_load_explicit(&g->closed[r], memory_order_relaxed);
		d[r] = v - g->reported[r];
		g->reported[r] = v;
		any |= d[r];
	}
	uint64_t secs = (now - g->reported_ms + 500) / 1000;
	g->reported_ms = now;
	if (!any)
		return 0;
	snprintf(buf, n, "in the last %llu s, %llu connections were closed at the header "
	    "deadline, %llu closed to make room for new clients, %llu refused with no slot to "
	    "free and %llu refused over --max-per-ip (slow or idle clients, or an attack; see "
	    "lathe_http_connections_closed_total)", (unsigned long long)secs,
	    (unsigned long long)d[CR_HEADER_TIMEOUT], (unsigned long long)d[CR_EVICTED],
	    (unsigned long long)d[CR_REFUSED], (unsigned long long)d[CR_PER_IP]);
	return 1;
}
