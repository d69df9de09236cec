/*
 * httpget.h — a tiny blocking HTTP/1.0 GET, for reading a local `lathe
 * serve`'s /metrics page from the workbench without a library.
 *
 * Only what that needs: plain http:// URLs whose host is a numeric IPv4
 * or IPv6 address (or "localhost", taken as 127.0.0.1), so no name
 * lookup can ever block; one request per connection (Connection: close);
 * bodies sized by Content-Length, by the end of the connection, or sent
 * chunked.  The whole exchange — connect, send, read — must finish
 * within the timeout, so a hung server costs the caller at most that.
 * Bodies are capped (HTTPGET_MAX_BODY); a /metrics page is ~15 KB per
 * served model.
 */
#ifndef LATHE_TUI_HTTPGET_H
#define LATHE_TUI_HTTPGET_H

#include <stddef.h>
#include "base/util.h"

#define HTTPGET_MAX_BODY	((size_t)4 << 20)

/* GET url.  On success returns 0 with *status the HTTP status and the body
 * appended to body (caller frees with sbuf_free; any status counts as
 * success).  Else -1 with *err ("connection refused", "timed out after
 * 300 ms", "bad URL ..."), which the caller frees. */
int	http_get(const char *url, int timeout_ms, struct sbuf *body, int *status, char **err);

#endif
