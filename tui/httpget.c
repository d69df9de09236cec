/*
 * httpget.c — see httpget.h.
 *
 * The socket is non-blocking from the start and every wait is a poll()
 * against one deadline, so connect, send and each read share the
 * caller's timeout.  The response is gathered whole, then split into
 * status line, headers and body; it is complete at the end of the
 * connection, or earlier once Content-Length bytes or the last chunk
 * have arrived.
 */
#include "httpget.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

struct url {
	char	host[64];
	char	port[8];
	char	path[1024];
};

/* Split "http://HOST[:PORT][/PATH]".  0, or -1 with *err. */
static int
url_parse(const char *url, struct url *u, char **err)
{
	const char *p = url, *h, *he, *q;
	if (strncmp(p, "http://", 7) != 0)
		return err_set(err, "bad URL '%s': only http:// is supported", url);
	p += 7;
	if (*p == '[') {			/* [v6]:port */
		h = p + 1;
		if ((he = strchr(h, ']')) == NULL)
			return err_set(err, "bad URL '%s': no ']' after the IPv6 address", url);
		q = he + 1;
	} else {
		h = p;
		he = p + strcspn(p, ":/");
		q = he;
	}
	if (he == h || (size_t)(he - h) >= sizeof u->host)
		return err_set(err, "bad URL '%s': bad host", url);
	memcpy(u->host, h, (size_t)(he - h));
	u->host[he - h] = '\0';
	snprintf(u->port, sizeof u->port, "80");
	if (*q == ':') {
		size_t n = strspn(q + 1, "0123456789");
		if (n == 0 || n >= sizeof u->port || (q[1 + n] != '\0' && q[1 + n] != '/'))
			return err_set(err, "bad URL '%s': bad port", url);
		memcpy(u->port, q + 1, n);
		u->port[n] = '\0';
		q += 1 + n;
	}
	if (*q != '\0' && *q != '/')
		return err_set(err, "bad URL '%s'", url);
	if (strlen(*q ? q : "/") >= sizeof u->path)
		return err_set(err, "bad URL '%s': path too long", url);
	snprintf(u->path, sizeof u->path, "%s", *q ? q : "/");
	if (strcmp(u->host, "localhost") == 0)
		snprintf(u->host, sizeof u->host, "127.0.0.1");
	return 0;
}

/* *err = strerror(e), starting lower-case as messages here do. */
static int
err_errno(char **err, const char *what, int e)
{
	char m[128];
	snprintf(m, sizeof m, "%s", strerror(e));
	if (m[0] >= 'A' && m[0] <= 'Z' && !(m[1] >= 'A' && m[1] <= 'Z'))
		m[0] = (char)(m[0] - 'A' + 'a');
	return err_set(err, "%s%s%s", what ? what : "", what ? ": " : "", m);
}

/* Milliseconds left before deadline (never below 0). */
static int
left_ms(double deadline)
{
	double l = (deadline - time_mono()) * 1000;
	return l > 0 ? (int)l + 1 : 0;
}

/* Wait for fd to be ready for events; 0, or -1 with *err on timeout. */
static int
wait_fd(int fd, short events, double deadline, int timeout_ms, char **err)
{
	for (;;) {
		struct pollfd pf = { fd, events, 0 };
		int ms = left_ms(deadline);
		if (ms == 0)
			return err_set(err, "timed out after %d ms", timeout_ms);
		int r = poll(&pf, 1, ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return err_set(err, "timed out after %d ms", timeout_ms);
		if (errno != EINTR)
			return err_errno(err, "poll", errno);
	}
}

/* The value of header name in hdr[0..n) (lines after the status line),
 * copied to out; 1 if present. */
static int
header(const char *hdr, size_t n, const char *name, char *out, size_t outn)
{
	size_t nl = strlen(name);
	const char *p = hdr, *end = hdr + n;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if ((size_t)(e - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1, *ve = e;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			size_t k = (size_t)(ve - v) < outn - 1 ? (size_t)(ve - v) : outn - 1;
			memcpy(out, v, k);
			out[k] = '\0';
			return 1;
		}
		p = e + 1;
	}
	return 0;
}

/* Decode a chunked body s[0..n) into out.  Returns 1 when the last chunk
 * was seen (complete), 0 when more is needed, -1 when malformed. */
static int
dechunk(const char *s, size_t n, struct sbuf *out)
{
	size_t i = 0;
	out->len = 0;
	if (out->s)
		out->s[0] = '\0';
	for (;;) {
		const char *e = memchr(s + i, '\n', n - i);
		if (e == NULL)
			return 0;
		char *x;
		errno = 0;
		unsigned long long sz = strtoull(s + i, &x, 16);
		if (x == s + i || errno)
			return -1;
		i = (size_t)(e - s) + 1;
		if (sz == 0)
			return 1;	/* trailers, if any, are not needed */
		if (sz > HTTPGET_MAX_BODY)
			return -1;
		if (n - i < sz + 2)
			return 0;
		sbuf_putn(out, s + i, (size_t)sz);
		i += (size_t)sz;
		if (s[i] == '\r')
			i++;
		if (i >= n || s[i] != '\n')
			return i >= n ? 0 : -1;
		i++;
	}
}

/* Split a whole or partial response.  Returns 1 when complete (body and
 * *status set), 0 when more is needed (or unknown until the end), -1
 * with *err when malformed.  at_eof: the connection has ended. */
static int
response(const struct sbuf *raw, int at_eof, struct sbuf *body, int *status, char **err)
{
	const char *s = raw->s;
	size_t n = raw->len;
	char v[64];
	if (s == NULL)
		return at_eof ? err_set(err, "empty response") : 0;
	const char *he = NULL;
	size_t skip = 0;
	for (size_t i = 0; i + 1 < n && he == NULL; i++)
		if (s[i] == '\n' && s[i + 1] == '\n') {
			he = s + i;
			skip = 2;
		} else if (i + 3 < n && memcmp(s + i, "\r\n\r\n", 4) == 0) {
			he = s + i;
			skip = 4;
		}
	if (he == NULL)
		return at_eof ? err_set(err, "response ended inside its headers") : 0;
	int code = 0;
	if (n < 12 || strncmp(s, "HTTP/1.", 7) != 0 || sscanf(s + 8, " %3d", &code) != 1 ||
	    code < 100 || code > 999)
		return err_set(err, "not an HTTP response");
	const char *hdr = memchr(s, '\n', (size_t)(he - s));
	size_t hn = hdr ? (size_t)(he - hdr) : 0;
	const char *b = he + skip;
	size_t bn = n - (size_t)(b - s);
	if (hdr && header(hdr + 1, hn, "Transfer-Encoding", v, sizeof v) &&
	    strcasecmp(v, "chunked") == 0) {
		struct sbuf tmp;
		sbuf_init(&tmp);
		int r = dechunk(b, bn, &tmp);
		if (r == 1 || (r == 0 && at_eof)) {
			if (r == 0) {
				sbuf_free(&tmp);
				return err_set(err, "response ended inside a chunk");
			}
			sbuf_putn(body, tmp.s ? tmp.s : "", tmp.len);
			*status = code;
		}
		sbuf_free(&tmp);
		return r < 0 ? err_set(err, "malformed chunked body") : r;
	}
	if (hdr && header(hdr + 1, hn, "Content-Length", v, sizeof v)) {
		char *x;
		unsigned long long cl = strtoull(v, &x, 10);
		if (x == v || *x)
			return err_set(err, "bad Content-Length '%s'", v);
		if (bn < cl)
			return at_eof ? err_set(err, "response ended after %zu of %llu body bytes",
			    bn, cl) : 0;
		sbuf_putn(body, b, (size_t)cl);
		*status = code;
		return 1;
	}
	if (!at_eof)
		return 0;
	sbuf_putn(body, b, bn);
	*status = code;
	return 1;
}

int
http_get(const char *url, int timeout_ms, struct sbuf *body, int *status, char **err)
{
	struct url u;
	struct addrinfo hints, *ai = NULL;
	struct sbuf raw, req;
	int fd = -1, rc = -1, r, done = 0;
	double deadline = time_mono() + timeout_ms / 1000.0;

	sbuf_init(&raw);
	sbuf_init(&req);
	*status = 0;
	if (url_parse(url, &u, err) != 0)
		goto out;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((r = getaddrinfo(u.host, u.port, &hints, &ai)) != 0) {
		err_set(err, "bad address %s:%s: %s", u.host, u.port, gai_strerror(r));
		goto out;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err_errno(err, "socket", errno);
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			err_errno(err, NULL, errno);
			goto out;
		}
		if (wait_fd(fd, POLLOUT, deadline, timeout_ms, err) != 0)
			goto out;
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
			err_errno(err, NULL, soerr ? soerr : errno);
			goto out;
		}
	}
	sbuf_printf(&req, "GET %s HTTP/1.0\r\nHost: %s:%s\r\nAccept: */*\r\nConnection: close\r\n"
	    "User-Agent: lathe-workbench\r\n\r\n", u.path, u.host, u.port);
	if (req.oom) {
		err_set(err, "out of memory");
		goto out;
	}
	for (size_t off = 0; off < req.len;) {
		ssize_t w = send(fd, req.s + off, req.len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline, timeout_ms, err) != 0)
				goto out;
		} else {
			err_errno(err, "send", errno);
			goto out;
		}
	}
	while (!done) {
		char buf[16384];
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		if (got > 0) {
			if (raw.len + (size_t)got > HTTPGET_MAX_BODY + 65536) {
				err_set(err, "response larger than %zu bytes", HTTPGET_MAX_BODY);
				goto out;
			}
			sbuf_putn(&raw, buf, (size_t)got);
			if (raw.oom) {
				err_set(err, "out of memory");
				goto out;
			}
			if ((r = response(&raw, 0, body, status, err)) < 0)
				goto out;
			done = r;
		} else if (got == 0) {
			if (response(&raw, 1, body, status, err) != 1)
				goto out;
			done = 1;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLIN, deadline, timeout_ms, err) != 0)
				goto out;
		} else {
			err_errno(err, "recv", errno);
			goto out;
		}
	}
	if (body->oom) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	sbuf_free(&raw);
	sbuf_free(&req);
	return rc;
}
