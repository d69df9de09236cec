#!/bin/sh
# serve_abuse.sh — a battery of malformed and hostile requests (bad and
# binary JSON, wrong shapes and types, huge and chunked bodies, deep
# nesting, wrong content types, unknown models and paths, wrong methods,
# broken HTTP, slow and vanishing clients), each answered with its exact
# status, sent again and again while valid requests run concurrently.
# Afterwards the server must still answer correctly, 400 more rounds of
# the battery (18,000 requests) must not make its resident memory grow
# (plain build; the reasoning is at the measurement below), and it must
# exit cleanly with no leak or error report (ASan build: LeakSanitizer
# runs at exit).
set -u
. "$(dirname "$0")/lib/serve_common.sh"
make_project || { echo "cannot make the project"; exit 1; }
# The server runs with one malloc arena and a fixed mmap threshold, so
# that its resident memory follows what it holds rather than the
# allocator's scheduling (see the measurement below).  ASan's allocator
# and other libcs ignore these.
export GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=131072
start_server abuse -p "$P" serve --model iris@production --port 0 \
    --max-body 256k --max-rows 1000 --max-depth 32 --timeout 1 ||
    { fail "server did not start"; finish; }
unset GLIBC_TUNABLES
ROW='[5.1, 3.5, 1.4, 0.2]'
GOOD="{\"inputs\": [$ROW, [6.7, 3.0, 5.2, 2.3]]}"

# bodies
head -c 4096 /dev/urandom >"$T/random"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$T/deep"
awk 'BEGIN { printf "{\"inputs\": [["; for (i = 0; i < 20000; i++) printf "%s1", i ? ", " : ""; print "]]}" }' >"$T/wide"
awk -v r="$ROW" 'BEGIN { printf "{\"inputs\": ["; for (i = 0; i < 1001; i++) printf "%s%s", i ? ", " : "", r; print "]}" }' >"$T/rows"
awk 'BEGIN { print "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)"; for (i = 0; i < 1001; i++) print "1,2,3,4" }' >"$T/rows.csv"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big"
awk 'BEGIN { printf "{\"inputs\": [[\""; for (i = 0; i < 100000; i++) printf "x"; print "\", 1, 2, 3]]}" }' >"$T/longstr"
printf '{"inputs": [[1, 2, 3, \000]]}' >"$T/nul"
V2='/v2/models/iris/infer'

# ask NAME STATUS METHOD PATH [CURL ARGS...]: one request of the battery,
# sent and checked at once (expect_status) or, with RECORD set, written
# to the volume's curl config (record) to be sent many times over
ask() {
	if [ -n "${RECORD:-}" ]; then
		record "$@"
	else
		expect_status "$@"
	fi
}

# cfg NAME VALUE: a curl config line, the value quoted
cfg() {
	printf '%s = "%s"\n' "$1" "$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# record NAME STATUS METHOD PATH [CURL ARGS...]: append the request to
# $T/volume.cfg and "NAME STATUS" to $T/volume.want.
record() {
	printf '%s %s\n' "$1" "$2" >>"$T/volume.want"
	{
		cfg url "$URL$4"
		cfg request "$3"
		shift 4
		while [ $# -gt 0 ]; do
			case $1 in
			-H) cfg header "$2" ;;
			-d) cfg data "$2" ;;
			--data-binary) cfg data-binary "$2" ;;
			--expect100-timeout) cfg expect100-timeout "$2" ;;
			*) echo "record: no config line for $1" >&2; exit 2 ;;
			esac
			shift 2
		done
		cfg max-time 10
		cfg output /dev/null
		cfg write-out '%{http_code}\n'
		echo next
	} >>"$T/volume.cfg"
}

# A body the server refuses on its headers alone (Content-Length over
# --max-body) is sent with "Expect: 100-continue" (EXPECT), so that it is
# never sent: a client still writing it when the server answers and
# closes can have the answer destroyed by the reset from the server's
# kernel (RFC 9112, 9.6; docs/serving.md), a race of TCP, not of the
# server, that big_v2 met once in 17 runs on a loaded machine.  That the
# refusal needs no body, the raw "huge content-length" case shows.
EXPECT="Expect: 100-continue"
battery() {
	ask badjson 400 POST /invocations -H "$JSON" -d '{"inputs": [1,2'
	ask empty 400 POST /invocations -H "$JSON" --data-binary ''
	ask random_json 400 POST /invocations -H "$JSON" --data-binary @"$T/random"
	ask random_csv 400 POST /invocations -H "Content-Type: text/csv" --data-binary @"$T/random"
	ask random_v2 400 POST $V2 --data-binary @"$T/random"
	ask nul 400 POST /invocations -H "$JSON" --data-binary @"$T/nul"
	ask trailing 400 POST /invocations -H "$JSON" -d "$GOOD x"
	ask surrogate 400 POST /invocations -H "$JSON" -d '{"inputs": [["\ud800", 1, 2, 3]]}'
	ask overflow 400 POST /invocations -H "$JSON" -d '{"inputs": [[1e999, 1, 2, 3]]}'
	ask deep 400 POST /invocations -H "$JSON" --data-binary @"$T/deep"
	ask deep_v2 400 POST $V2 --data-binary @"$T/deep"
	ask wide 400 POST /invocations -H "$JSON" --data-binary @"$T/wide"
	ask rows 413 POST /invocations -H "$JSON" --data-binary @"$T/rows"
	ask rows_csv 413 POST /invocations -H "Content-Type: text/csv" --data-binary @"$T/rows.csv"
	ask big 413 POST /invocations -H "$JSON" -H "$EXPECT" --expect100-timeout 30 \
	    --data-binary @"$T/big"
	ask big_chunked 413 POST /invocations -H "$JSON" -H "Transfer-Encoding: chunked" \
	    --data-binary @"$T/big"
	ask big_v2 413 POST $V2 -H "$EXPECT" --expect100-timeout 30 --data-binary @"$T/big"
	ask longstr 400 POST /invocations -H "$JSON" --data-binary @"$T/longstr"
	ask shape 400 POST /invocations -H "$JSON" -d '{"inputs": [[1, 2, 3]]}'
	ask unknown_col 400 POST /invocations -H "$JSON" -d '{"dataframe_records": [{"x": 1}]}'
	ask wrong_type 400 POST /invocations -H "$JSON" -d '{"inputs": [[{}, 1, 2, 3]]}'
	ask null_row 400 POST /invocations -H "$JSON" -d '{"inputs": [null]}'
	ask all_missing_imputed 200 POST /invocations -H "$JSON" -d '{"inputs": [[null, null, null, null]]}'
	ask ctype_plain 415 POST /invocations -H "Content-Type: text/plain" -d "$GOOD"
	ask ctype_none 415 POST /invocations -H "Content-Type:" -d "$GOOD"
	ask ctype_form 415 POST /invocations -d "$GOOD"
	ask ctype_xml 415 POST /invocations -H "Content-Type: application/xml" -d "$GOOD"
	ask charset 415 POST /invocations -H "Content-Type: application/json; charset=latin1" -d "$GOOD"
	ask no_model 404 POST '/invocations?model=nope' -H "$JSON" -d "$GOOD"
	ask v2_no_model 404 POST /v2/models/nope/infer -d '{}'
	ask v2_empty_name 404 GET /v2/models/
	ask v2_long_name 404 GET "/v2/models/$(head -c 300 /dev/zero | tr '\0' a)"
	ask no_path 404 GET /admin
	ask get_post 405 GET /invocations
	ask put 405 PUT /ping
	ask delete 405 DELETE /v2/models/iris
	ask post_metrics 405 POST /metrics -d x
	ask v2_inputs 400 POST $V2 -d '{"inputs": {}}'
	ask v2_huge_shape 400 POST $V2 -d '{"inputs": [{"name": "x", "shape": [1000000000000000, 1000000000000000], "datatype": "FP64", "data": [1]}]}'
	ask v2_neg_shape 400 POST $V2 -d '{"inputs": [{"name": "x", "shape": [-4, 4], "datatype": "FP64", "data": [1]}]}'
	ask v2_many_dims 400 POST $V2 -d '{"inputs": [{"name": "x", "shape": [1,1,1,1,1,1,1,1,1], "datatype": "FP64", "data": [1]}]}'
	ask v2_dtype 400 POST $V2 -d '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "STRING", "data": [1, 2, 3, 4]}]}'
	ask v2_rows 413 POST $V2 -d '{"inputs": [{"name": "x", "shape": [1001, 4], "datatype": "FP64", "data": '"$(awk 'BEGIN { printf "["; for (i = 0; i < 4004; i++) printf "%s1", i ? "," : ""; printf "]" }')"'}]}'
}

# valid requests in parallel with the battery: every one must succeed
hammer() {
	n=0
	while [ $n -lt 60 ]; do
		curl -s -m 10 -o /dev/null -w '%{http_code}\n' -H "$JSON" -d "$GOOD" "$URL/invocations"
		curl -s -m 10 -o /dev/null -w '%{http_code}\n' \
		    -d "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP64\", \"data\": $ROW}]}" \
		    "$URL$V2"
		n=$((n + 1))
	done
}

raw() {	# raw [slow]: a python client for what curl cannot send
	/usr/bin/python3 - "$URL" "${1:-}" <<'PY'
import socket, sys, time
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
slow = sys.argv[2] == "slow"
def conn():
    return socket.create_connection((host.strip("[]"), int(port)), timeout=10)
def status(data):
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    return line.split(" ")[1] if line.startswith("HTTP/") else "none"
def ask(payload, pause=0.0, chunks=1):
    s = conn()
    step = max(1, len(payload) // chunks)
    for i in range(0, len(payload), step):
        s.sendall(payload[i:i + step])
        if pause:
            time.sleep(pause)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
            if b"\r\n\r\n" in data and b"Content-Length" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
                if len(rest) >= n:
                    break
    except socket.timeout:
        pass
    s.close()
    return data
good = b'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'
def post(body, extra=b""):
    return (b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)
out = []
g = status(ask(b"GARBAGE\r\n\r\n"))
out.append(("garbage request line", "400" if g == "none" else g, "400"))	# refused or closed
out.append(("no version", status(ask(b"GET /ping\r\n\r\n")), "400"))
out.append(("huge header", status(ask(b"GET /ping HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")), "431"))
out.append(("bad content-length", status(ask(b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n")), "400"))
out.append(("huge content-length", status(ask(b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n")), "413"))
if slow:	# the body in 11 pieces 0.15 s apart: never idle for 1 s, late overall
    s = conn()
    s.sendall(post(good)[:-len(good)])
    for i in range(0, len(good), 3):
        time.sleep(0.15)
        s.sendall(good[i:i + 3])
    out.append(("slow body", status(s.recv(65536)), "408"))
    s.close()
s = conn(); s.sendall(post(good)[:-10]); s.close()	# vanishing client
s = conn(); s.sendall(b"POST /invocations HTTP/1.1\r\nHost: t\r\n"); s.close()
s = conn()
s.sendall(post(good) + post(good))
two, end = b"", time.time() + 5
while two.count(b"HTTP/1.1 200") < 2 or not two.endswith(b"}"):
    d = s.recv(65536)
    if not d or time.time() > end:
        break
    two += d
s.close()
out.append(("pipelined", str(two.count(b"HTTP/1.1 200")), "2"))
out.append(("http/1.0", status(ask(b"GET /v2/health/live HTTP/1.0\r\n\r\n")), "200"))
import json
def answer(payload, linger=0):	# (status, JSON body or None, closed within linger s of the answer)
    s = conn()
    s.sendall(payload)
    data, closed = b"", False
    s.settimeout(10)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            data += d
            head, sep, rest = data.partition(b"\r\n\r\n")
            cl = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if sep and cl and len(rest) >= int(cl[0].split(b":")[1]):
                if not linger:
                    break
                s.settimeout(linger)	# the whole answer is in: is the connection closed?
    except socket.timeout:
        pass
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    try:
        body = json.loads(rest.decode("utf-8"))
    except ValueError:
        body = None
    return status(data), body, closed
def js(name, payload, want, key):	# a JSON error body whose text is valid UTF-8
    st, body, _ = answer(payload)
    out.append((name, st, want))
    ok = isinstance(body, dict) and isinstance(body.get(key), str)
    out.append((name + " body is JSON", "yes" if ok else "no: %r" % (body,), "yes"))
    if ok and "\ufffd" not in body[key]:
        out.append((name + " marks the bad bytes", body[key], "U+FFFD"))
js("path %ff%fe", b"GET /%ff%fe HTTP/1.1\r\nHost: t\r\n\r\n", "404", "message")
js("v2 model %ff", b"GET /v2/models/%ff%c0/ready HTTP/1.1\r\nHost: t\r\n\r\n", "404", "error")
js("method bytes", b"P\xffST /invocations HTTP/1.1\r\nHost: t\r\n\r\n", "405", "message")
js("query model %ff", post(good).replace(b"/invocations", b"/invocations?model=%ff"), "404", "message")
js("query method %fe", post(good).replace(b"/invocations", b"/invocations?predict_method=%fe"), "400", "message")
js("content-type bytes", post(good).replace(b"application/json", b"text/\xff\xfe"), "415", "message")
# request smuggling: refused with a JSON 400 before the body, connection closed
body = good
chunked = b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
head = b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
for name, payload in (
        ("two content-lengths", head + b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body)) + body),
        ("two different content-lengths", head + b"Content-Length: 5\r\nContent-Length: %d\r\n\r\n" % len(body) + body),
        ("content-length and chunked", head + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked),
        ("chunked and content-length", head + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunked),
        ("two transfer-encodings", head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked),
        ("transfer-encoding gzip", head + b"Transfer-Encoding: gzip\r\n\r\n" + body),
        ("space before colon", head + b"Content-Length : %d\r\n\r\n" % len(body) + body),
        ("v2 two content-lengths", head.replace(b"/invocations", b"/v2/models/iris/infer") +
            b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}")):
    st, b, closed = answer(payload, 5)	# a closing server closes at once: 5 s for a loaded machine
    key = "error" if b"/v2/" in payload[:40] else "message"
    got = "%s %s %s" % (st, "json" if isinstance(b, dict) and key in b else "not-json",
                        "closed" if closed else "open")
    out.append(("smuggling: " + name, got, "400 json closed"))
bad = [f"{n}: got {g}, expected {e}" for n, g, e in out if g != e]
print("\n".join(bad) if bad else "ok")
PY
}

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status"; }

# volume ROUNDS: the battery and two valid requests, ROUNDS times over, from
# one curl (connections kept alive where the server allows); every answer
# must have the battery's status
RECORD=1
: >"$T/volume.cfg"
: >"$T/volume.want"
battery
ask good 200 POST /invocations -H "$JSON" -d "$GOOD"
ask good_v2 200 POST $V2 \
    -d "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP64\", \"data\": $ROW}]}"
RECORD=
PER_ROUND=$(wc -l <"$T/volume.want")
volume() {
	k=0
	while [ $k -lt "$1" ]; do
		cat "$T/volume.cfg"
		k=$((k + 1))
	done | sed '$d' >"$T/volume.all"	# no "next" after the last
	curl -s -K "$T/volume.all" >"$T/volume.out"
	k=0
	while [ $k -lt "$1" ]; do
		cat "$T/volume.want"
		k=$((k + 1))
	done | paste -d ' ' - "$T/volume.out" |
	    awk '$2 != $3 { bad[$1 " got " $3 ", expected " $2]++ }
		END { for (b in bad) printf "%s (%d times)\n", b, bad[b] }' | sort
}

battery
battery
r=$(raw slow)
check "raw HTTP cases" ok "$r"
hammer >"$T/hammer" &
HPID=$!
i=0
while [ $i -lt 6 ]; do
	battery
	i=$((i + 1))
done
check "raw HTTP cases again" ok "$(raw)"
wait $HPID
check "hammer requests that failed" 0 "$(grep -vc '^200$' "$T/hammer")"
check "hammer requests" 120 "$(wc -l <"$T/hammer")"

# Memory.  A leak of L bytes per request grows the server by L x N over N
# requests; the allocator's own growth (its heap up to the high-water
# mark of the biggest request, freed chunks it keeps for reuse, a cached
# thread stack) stops growing once each kind of request has been served
# a few times.  So the battery is replayed WARM rounds to reach those
# marks, then ROUNDS rounds (N = ROUNDS x PER_ROUND, 18,000 requests) are
# measured against a bound of 2 MB: a leak of 128 bytes a request (146
# with malloc's header; tried: it fails), or of a few kB on one path in
# 45, is over it.  With the tunables above, what is left of the
# allocator's growth over those rounds was at most 0.75 MB in 40 runs
# on a loaded 2-core machine (load average 4 to 7; the main heap pushed
# up to its high-water mark once more); without them (an arena for each
# thread that happened to overlap another, each keeping ~1 MB of the
# widest request's parse) steps of ~0.9 MB came and went with the
# scheduling, and the old measure (400 requests after a short warm-up)
# saw 0.9 to 1.7 MB against a bound of 1 MB.  Leaks of memory nothing
# points to, however small, are LeakSanitizer's: the ASan build checks
# them at exit.
WARM=40
ROUNDS=400
if is_asan; then	# no RSS to measure: each path run under ASan is enough
	WARM=10
	ROUNDS=40
fi
check "volume warm-up answers" "" "$(volume $WARM)"
rss0=$(rss)
check "volume answers" "" "$(volume $ROUNDS)"
rss1=$(rss)
expect still_good 200 '{"predictions": [0, 2]}' POST /invocations -H "$JSON" -d "$GOOD"
expect_status still_metrics 200 GET /metrics
grep -q '^lathe_http_requests_total{code="413"} [1-9]' "$T/still_metrics.body" && ok ||
    fail "413s not counted: $(grep 'code="413"' "$T/still_metrics.body")"
grep -q '^lathe_http_requests_total{code="408"} [1-9]' "$T/still_metrics.body" && ok ||
    fail "408s not counted"
n=$((ROUNDS * PER_ROUND))
if is_asan; then
	echo "rss: $rss0 kB -> $rss1 kB over $n requests (ASan build: leaks are checked at exit instead)"
else
	growth=$((rss1 - rss0))
	echo "rss: $rss0 kB -> $rss1 kB over $n requests"
	[ "$growth" -lt 2048 ] && ok ||
	    fail "resident memory grew by $growth kB over $n requests ($((growth * 1024 / n)) bytes a request)"
fi
stop_server abuse
finish
