-- wrk_serve.lua — POST the body in $WRK_BODY as JSON and print one
-- machine-readable line at the end:
--   RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B errors=E non2xx=F
-- (wrk's own summary shows no percentiles without --latency, and its
-- format is not meant for parsing).
local path = os.getenv("WRK_BODY")
local f = assert(io.open(path, "rb"), "cannot open WRK_BODY " .. tostring(path))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
	local secs = summary.duration / 1e6
	local e = summary.errors
	io.write(string.format(
	    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
	    summary.requests, secs, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    e.connect + e.read + e.write + e.timeout, e.status))
end
