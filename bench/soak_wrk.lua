-- soak_wrk.lua — the soak test's mixed load (bench/soak.sh), for
--   wrk -tN -cN --timeout 10s -d SECS -s soak_wrk.lua URL
-- with as many threads as connections: wrk gives response() no connection,
-- so each thread must have one request in flight at a time for a response
-- to be matched with the request that asked it.
--
-- Each connection walks the SCHEDULE below (good and bad requests mixed)
-- and checks every answer:
--   good requests  must be answered 200 with the exact body the served
--                  version gives when the server is quiet (files
--                  exp_KIND_V in $SOAK_REQ, V = 1 or 2: the version the
--                  alias named at that moment), or for the second model,
--                  which changes version all the time, a well-formed
--                  prediction of the right length;
--   bad requests   must be answered with their 4xx.
-- A request whose connection broke before an answer came counts as lost.
-- At the end one line per kind, machine-readable:
--   KIND name=N good=0|1 sent=N answered=N ok=N v1=N v2=N wrong_status=N wrong_body=N lost=N
--   ERRORS connect=N read=N write=N timeout=N
--   FAIL kind status body...      (the first failure each thread saw)
-- $SOAK_REQ: the directory of bodies and expected answers (soak_data.py
-- bodies, soak.sh); $SOAK_DELAY_MS: pause after each answer (default 0).

local dir = assert(os.getenv("SOAK_REQ"), "SOAK_REQ is not set")
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "0")

local function slurp(name, optional)
	local f = io.open(dir .. "/" .. name, "rb")
	if not f then
		assert(optional, "cannot open " .. dir .. "/" .. name)
		return nil
	end
	local s = f:read("*a")
	f:close()
	return s
end

local JSON = "application/json"
-- name, good, method, path, content type, body file, status, check
local KINDS = {
	{ "one", true, "POST", "/invocations", JSON, "one.json", 200, "exp" },
	{ "hundred", true, "POST", "/invocations?predict_method=predict_proba", JSON, "hundred.json", 200, "exp" },
	{ "csv20", true, "POST", "/invocations", "text/csv", "rows20.csv", 200, "exp" },
	{ "v2", true, "POST", "/v2/models/soak/infer", JSON, "v2one.json", 200, "exp" },
	{ "side", true, "POST", "/invocations?model=side", JSON, "side10.json", 200, "side" },
	{ "meta", true, "GET", "/v2/models/soak", nil, nil, 200, "meta" },
	{ "badjson", false, "POST", "/invocations", JSON, "badjson.json", 400 },
	{ "unknowncol", false, "POST", "/invocations", JSON, "unknowncol.json", 400 },
	{ "strnum", false, "POST", "/invocations", JSON, "strnum.json", 400 },
	{ "ctype", false, "POST", "/invocations", "text/plain", "one.json", 415 },
	{ "nomodel", false, "POST", "/invocations?model=nope", JSON, "one.json", 404 },
	{ "noversion", false, "POST", "/v2/models/soak/versions/99/infer", JSON, "v2one.json", 404 },
	{ "method", false, "GET", "/invocations", nil, nil, 405 },
	{ "toomany", false, "POST", "/invocations", JSON, "toomany.json", 413 },
	-- two Content-Length headers: 400 before the body is read, connection closed
	{ "smuggle", false, "RAW", nil, nil, nil, 400 },
}
-- 16 good requests to 9 bad ones
local SCHEDULE = { "one", "v2", "badjson", "one", "hundred", "side", "unknowncol", "one",
	"csv20", "strnum", "v2", "one", "ctype", "hundred", "nomodel", "side", "one",
	"noversion", "meta", "method", "one", "v2", "toomany", "hundred", "smuggle" }

local SIDE_PATTERN = '^{"predictions": %[' .. string.rep("[012], ", 9) .. "[012]%]}$"

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

local kinds = {}	-- name -> kind table (per thread)
local order = {}	-- schedule as kind tables
local pending = nil	-- the kind of the request in flight
local last = "none"	-- the kind answered before it (for the failure line)
local n = 0
stats = {}	-- global so that done() can read it through thread:get

local function bump(key, by)
	stats[key] = (stats[key] or 0) + (by or 1)
end

function init(args)
	for _, k in ipairs(KINDS) do
		local kind = { name = k[1], good = k[2], status = k[7], check = k[8] }
		if k[3] == "RAW" then
			kind.req = "POST /invocations HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port ..
			    "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n" ..
			    "Content-Length: 2\r\n\r\n{}"
		else
			local headers = {}
			if k[5] then headers["Content-Type"] = k[5] end
			kind.req = wrk.format(k[3], k[4], headers, k[6] and slurp(k[6]) or nil)
		end
		if kind.check == "exp" then
			kind.exp = { slurp("exp_" .. kind.name .. "_1", true),
			    slurp("exp_" .. kind.name .. "_2", true) }
		end
		kinds[kind.name] = kind
	end
	for i, name in ipairs(SCHEDULE) do
		order[i] = assert(kinds[name], "unknown kind " .. name)
	end
	-- threads start at different places in the schedule
	n = id * 7
end

local function fail(kind, why, status, body)
	if not stats.fail then
		stats.fail = string.format("%s %s status=%d body=%s", kind.name, why, status,
		    string.sub(string.gsub(body or "", "[\r\n]", " "), 1, 300))
	end
end

local verified = false

function request()
	-- wrk asks thread 0's script for one request before any connection
	-- starts, to see how many requests it holds (script_verify_request):
	-- that one is never sent, so it is neither counted nor awaited
	if id == 0 and not verified then
		verified = true
		return order[1].req
	end
	if pending then
		bump(pending.name .. ".lost")
		fail(pending, "lost: no answer before the next request (after " .. last .. ", request " ..
		    n .. " of this connection)", 0, "")
	end
	n = n + 1
	local kind = order[(n % #order) + 1]
	pending = kind
	bump(kind.name .. ".sent")
	return kind.req
end

function response(status, headers, body)
	local kind = pending
	pending = nil
	last = kind and kind.name or "nothing"
	if not kind then
		bump("unmatched")
		return
	end
	bump(kind.name .. ".answered")
	if status ~= kind.status then
		bump(kind.name .. ".wrong_status")
		fail(kind, "wrong status (want " .. kind.status .. ")", status, body)
		return
	end
	if kind.check == "exp" then
		for v = 1, 2 do
			if body == kind.exp[v] then
				bump(kind.name .. ".ok")
				bump(kind.name .. ".v" .. v)
				return
			end
		end
		bump(kind.name .. ".wrong_body")
		fail(kind, "answer is neither version's", status, body)
	elseif kind.check == "side" then
		if string.match(body, SIDE_PATTERN) then
			bump(kind.name .. ".ok")
		else
			bump(kind.name .. ".wrong_body")
			fail(kind, "not 10 predictions", status, body)
		end
	elseif kind.check == "meta" then
		local v = string.match(body, '"versions": %["([12])"%]')
		if v then
			bump(kind.name .. ".ok")
			bump(kind.name .. ".v" .. v)
		else
			bump(kind.name .. ".wrong_body")
			fail(kind, "no version 1 or 2", status, body)
		end
	else
		bump(kind.name .. ".ok")
	end
end

function delay()
	return delay_ms
end

function done(summary, latency, requests)
	local total = {}
	local fails = {}
	for _, t in ipairs(threads) do
		local s = t:get("stats")
		for key, v in pairs(s) do
			if key == "fail" then
				table.insert(fails, v)
			else
				total[key] = (total[key] or 0) + v
			end
		end
	end
	for _, k in ipairs(KINDS) do
		local name = k[1]
		local function g(f) return total[name .. "." .. f] or 0 end
		io.write(string.format("KIND name=%s good=%d sent=%d answered=%d ok=%d v1=%d v2=%d " ..
		    "wrong_status=%d wrong_body=%d lost=%d\n", name, k[2] and 1 or 0, g("sent"),
		    g("answered"), g("ok"), g("v1"), g("v2"), g("wrong_status"), g("wrong_body"),
		    g("lost")))
	end
	local e = summary.errors
	io.write(string.format("ERRORS connect=%d read=%d write=%d timeout=%d unmatched=%d\n",
	    e.connect, e.read, e.write, e.timeout, total.unmatched or 0))
	io.write(string.format("LATENCY p50_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d seconds=%.1f\n",
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
	    summary.requests, summary.duration / 1e6))
	for _, f in ipairs(fails) do
		io.write("FAIL " .. f .. "\n")
	end
end
