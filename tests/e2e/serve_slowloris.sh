#!/bin/sh
# serve_slowloris.sh — clients that open connections and send their
# request head a line at a time, or never finish it (slowloris), must not
# shut out clients that send prompt requests (serve_guard.h).
#
# Every client is on this machine, so the attackers bind their sockets to
# other loopback addresses (127.0.0.2, ...) to look like other hosts, and
# the prompt client (curl) comes from 127.0.0.1.  Attackers send a header
# line every 2 s, within the 5 s idle timeout, so only the guard can close
# them, and reopen each closed connection 0.25 s later.
#   1. 1024 connections from one address (the report that started this):
#      the per-address cap refuses all but a quarter of the 50 slots;
#   2. 1024 connections from 16 addresses: their connections fill every
#      slot, and each new prompt client takes the slot of one of them
#      (with a thread per connection, then with --io epoll);
#   3. the head deadline: a head dribbled out for longer than
#      --header-timeout is cut off however active it is, a head that is
#      slow but complete in time is answered, and a kept-alive connection
#      idle for that long is closed.
# While 1 and 2 run, curl asks every 0.2 s; every answer must be a 200
# within BOUND seconds.  (Before the guard: none was answered.)
set -u
. "$(dirname "$0")/lib/serve_common.sh"
{ L init >/dev/null && L import -q "$TOP/datasets/iris.csv" >/dev/null &&
    RUN=$(L train -q --data iris --target target --algo logistic) &&
    L model register "$RUN" --name iris >/dev/null; } || { echo "cannot make the project"; exit 1; }
BOUND=2
SECS=6
ROW='{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'

# attack ADDRESSES N SECS: N slow connections from each address (comma
# separated), in the background; its summary goes to $T/attack.out
attack() {
	/usr/bin/python3 - "$URL" "$1" "$2" "$3" >"$T/attack.out" 2>&1 <<'PY' &
import resource, selectors, socket, sys, time
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
addrs, n, secs = sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
sel = selectors.DefaultSelector()
live, later = {}, []
opened = closed = 0
def connect(a, now):
    global opened
    s = socket.socket()
    s.setblocking(False)
    s.bind((a, 0))
    s.connect_ex((host, int(port)))
    live[s] = [a, now + 0.05, 0]	# address, next line due, lines sent
    sel.register(s, selectors.EVENT_READ)
    opened += 1
def drop(s, now):
    global closed
    a = live.pop(s)[0]
    sel.unregister(s)
    s.close()
    closed += 1
    later.append((now + 0.25, a))
now = time.time()
end = now + secs
for a in addrs:
    for _ in range(n):
        connect(a, now)
while time.time() < end:
    for key, _ in sel.select(0.05):
        try:
            d = key.fileobj.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            d = b""
        if not d:
            drop(key.fileobj, time.time())
    now = time.time()
    for s, st in list(live.items()):
        if st[1] > now:
            continue
        try:
            s.send(b"POST /invocations HTTP/1.1\r\nHost: x\r\n" if st[2] == 0 else
                   b"X-Slow-%d: 1\r\n" % st[2])
            st[1], st[2] = now + 2, st[2] + 1
        except (BlockingIOError, InterruptedError):
            st[1] = now + 0.05
        except OSError:
            drop(s, now)
    while later and later[0][0] <= now:
        connect(later.pop(0)[1], now)
print("attack: %d connections opened, %d closed by the server" % (opened, closed))
PY
	APID=$!
}

# prompt NAME: while the attack runs, curl every 0.2 s; "status seconds"
# per request into $T/NAME.prompt, then the checks
prompt() {
	sleep 1	# let the attack take every slot first
	while kill -0 "$APID" 2>/dev/null; do
		curl -s -m 10 -o /dev/null -w '%{http_code} %{time_total}\n' -H "$JSON" \
		    -d "$ROW" "$URL/invocations"
		sleep 0.2
	done >"$T/$1.prompt"
	wait "$APID"
	echo "$1: $(cat "$T/attack.out"); prompt requests: $(awk -v b=$BOUND '
	    { n++; if ($1 == 200) ok++; if ($2 > max) max = $2 }
	    END { printf "%d, %d answered 200, slowest %.3f s (bound %d s)", n, ok, max, b }' \
	    "$T/$1.prompt")"
	check "$1: prompt requests that failed" 0 "$(grep -vc '^200 ' "$T/$1.prompt")"
	check "$1: prompt requests slower than $BOUND s" 0 \
	    "$(awk -v b=$BOUND '$2 > b' "$T/$1.prompt" | wc -l | tr -d ' ')"
	[ "$(wc -l <"$T/$1.prompt")" -ge 10 ] && ok || fail "$1: only $(wc -l <"$T/$1.prompt") prompt requests ran"
}

# closed REASON: the server's count of connections it closed for REASON
closed() {
	n=$(curl -s "$URL/metrics" |
	    sed -n "s/^lathe_http_connections_closed_total{reason=\"$1\"} //p")
	echo "${n:-0}"
}

# 1 and 2: the report's server
start_server flood -p "$P" serve --model iris --port 0 --max-connections 50 --timeout 5 ||
    { fail "server did not start"; finish; }
attack 127.0.0.2 1024 $SECS
prompt one_address
[ "$(closed per_ip)" -gt 0 ] && ok || fail "one_address: no connection refused per address"

ADDRS=$(seq -s, -f '127.0.0.%g' 2 17)
attack "$ADDRS" 64 $SECS
prompt sixteen_addresses
[ "$(closed evicted)" -gt 0 ] && ok || fail "sixteen_addresses: no connection closed to make room"
expect_status after_attack 200 POST /invocations -H "$JSON" -d "$ROW"
stop_server flood

start_server flood_epoll -p "$P" serve --model iris --port 0 --max-connections 50 --timeout 5 \
    --io epoll --threads 2 || { fail "server did not start"; finish; }
attack "$ADDRS" 64 $SECS
prompt sixteen_addresses_epoll
[ "$(closed evicted)" -gt 0 ] && ok || fail "sixteen_addresses_epoll: no connection closed to make room"
stop_server flood_epoll

# 3: the head deadline, without any pressure on the slots
start_server deadline -p "$P" serve --model iris --port 0 --timeout 5 --header-timeout 2 ||
    { fail "server did not start"; finish; }
r=$(/usr/bin/python3 - "$URL" <<'PY'
import socket, sys, threading, time
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
body = b'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'
req = (b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body) + body)
out = {}
def conn():
    s = socket.create_connection((host, int(port)), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def dribble(k):	# a header line every 0.5 s, for ever: when is it cut off?
    s, t0 = conn(), time.time()
    s.sendall(b"GET /ping HTTP/1.1\r\nHost: t\r\n")
    try:
        while time.time() - t0 < 8:
            time.sleep(0.5)
            s.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass
    out["dribble%d" % k] = time.time() - t0
def slow_but_done():	# the head in four pieces over 1.2 s: answered
    s = conn()
    for i in range(0, len(req), len(req) // 4 + 1):
        s.sendall(req[i:i + len(req) // 4 + 1])
        time.sleep(0.3)
    out["slow head"] = s.recv(65536).split(b" ")[1].decode()
def idle():	# a request, then nothing: closed 2 s after the answer
    s = conn()
    s.sendall(req)
    s.recv(65536)
    t0 = time.time()
    try:
        s.recv(65536)
    except OSError:
        pass
    out["idle"] = time.time() - t0
ts = [threading.Thread(target=dribble, args=(k,)) for k in range(4)]
ts += [threading.Thread(target=slow_but_done), threading.Thread(target=idle)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for k, v in sorted(out.items()):
    if isinstance(v, float):
        v = "in time" if 1.9 <= v <= 3.5 else "after %.2f s" % v
    print(k, v)
PY
)
check "head deadline" "dribble0 in time
dribble1 in time
dribble2 in time
dribble3 in time
idle in time
slow head 200" "$r"
[ "$(closed header_timeout)" -ge 5 ] && ok ||
    fail "deadline: $(closed header_timeout) connections counted as closed at the deadline"
stop_server deadline
finish
