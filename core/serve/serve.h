/*
 * core/serve/ — the subsystem's main header.  Owns the serving process:
 * HTTP (serve), request and response formats (serve_proto), the model
 * table and hot reload (serve_models), client limits (serve_guard),
 * Prometheus metrics (serve_metrics), the prediction log (predlog) and
 * drift (drift).  May use: everything below it: core/base, core/store,
 * core/ingest, core/features, core/train, core/registry; libmicrohttpd.
 * The map of who may use whom is in docs/architecture.md.
 *
 * serve.h — `lathe serve`: a local HTTP scoring server over
 * libmicrohttpd, speaking MLflow's scoring protocol and the Open
 * Inference Protocol (KServe V2), with Prometheus metrics, optional
 * bearer-token auth, request limits and hot reload of aliased models.
 *
 * Request path: libmicrohttpd worker thread -> route (a const table) ->
 * auth -> limits -> body -> serve_proto parse into a frame ->
 * predictor_run (the one prediction path `lathe predict` uses) ->
 * serve_proto response -> metrics.  The model is acquired once per
 * request (a reference count), so a hot swap never affects a request in
 * flight.  The main thread only waits for signals and polls the project
 * for alias moves (serve_models.c).
 *
 * Safe by default: binds 127.0.0.1; bodies, rows and JSON depth are
 * limited; slow clients time out, and connections that hold a slot
 * without sending a request yield it (serve_guard.h); every error is a
 * protocol-shaped JSON body with a 4xx/5xx status, never a crash.
 */
#ifndef LATHE_SERVE_H
#define LATHE_SERVE_H

#include <stddef.h>

#define SERVE_DEFAULT_HOST	"127.0.0.1"
#define SERVE_DEFAULT_PORT	8080
#define SERVE_DEFAULT_MAX_BODY	((size_t)64 << 20)	/* bytes */
#define SERVE_DEFAULT_MAX_ROWS	((size_t)100000)
#define SERVE_DEFAULT_MAX_DEPTH	32
#define SERVE_DEFAULT_TIMEOUT	10			/* seconds */
#define SERVE_DEFAULT_MAX_CONNS	1024
#define SERVE_DEFAULT_PER_IP_DIV	4	/* --max-per-ip: a quarter of the slots */
#define SERVE_DEFAULT_POLL_MS	200

/*
 * How connections map to threads.  Measured on a 2-CPU machine with wrk
 * at 16 keep-alive connections (docs/serving.md): a thread per connection
 * gave 58,000-66,000 requests/s with p99 1.3-1.8 ms; epoll event loops
 * on a pool of 2 threads gave 34,000-69,000 requests/s (depending on how
 * connections happened to spread over the loops) with p99 3-11 ms.  So
 * threads are the default; the pool bounds the thread count for servers
 * with very many mostly idle connections.
 */
enum serve_io {
	SERVE_IO_THREADS = 0,	/* a thread per connection (default) */
	SERVE_IO_POOL,		/* epoll event loops on --threads worker threads */
};
#define SERVE_THREAD_STACK	((size_t)512 << 10)	/* per connection thread */

struct serve_opts {
	const char		*project;	/* NULL: bundles only */
	const char *const	*models;	/* NAME[@ALIAS|@VERSION] */
	size_t			 nmodels;
	const char *const	*bundles;
	size_t			 nbundles;
	const char		*host;
	int			 port;		/* 0: any free port */
	const char		*token_file;	/* NULL: no auth */
	int			 threads;	/* SERVE_IO_POOL: 0 = one per CPU */
	enum serve_io		 io;
	size_t			 max_body, max_rows;
	int			 max_depth;
	int			 timeout;
	int			 header_timeout;	/* request head deadline; 0: timeout */
	unsigned		 max_conns;
	int			 max_per_ip;	/* 0: no cap; -1: max_conns / PER_IP_DIV */
	int			 poll_ms;
	int			 quiet;
	double			 log_rate;	/* prediction log sample rate; 0: off */
	int			 log_max_per_sec;
};

/* Defaults for every field. */
void	serve_opts_init(struct serve_opts *o);

/*
 * Load the models, listen, print "listening on http://HOST:PORT" on
 * stdout, and serve until SIGINT or SIGTERM; then finish the requests in
 * flight and return 0.  -1 with *err when it cannot start (a model that
 * does not load, an address in use, a bad token file...).
 */
int	serve_run(const struct serve_opts *o, char **err);

#endif
