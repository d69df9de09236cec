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
# Once the attack holds the slots, curl asks 20 times, 0.2 s apart; every
# answer must be a 200, within BOUND seconds.  (Before the guard: none was
# answered.)  BOUND is no measure of speed (answers take milliseconds,
# 20 ms on a loaded machine): it tells a slot given at once from one that
# frees only at the head deadline (5 s), so it stays below that, with
# room for a machine that is slow for a while.
set -u
. "$(dirname "$0")/lib/serve_common.sh"
{ L init >/dev/null && L import -q "$TOP/datasets/iris.csv" >/dev/null &&
    RUN=$(L train -q --data iris --target target --algo logistic) &&
    L model register "$RUN" --name iris >/dev/null; } || { echo "cannot make the project"; exit 1; }
BOUND=4
PROMPTS=20
ROW='{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'

# attack ADDRESSES N: N slow connections from each address (comma
# separated), in the background until $T/attack.stop exists (at most
# 300 s); its summary goes to $T/attack.out
attack() {
	rm -f "$T/attack.stop"
	/usr/bin/python3 - "$URL" "$1" "$2" "$T/attack.stop" >"$T/attack.out" 2>&1 <<'PY' &
import os, resource, selectors, socket, sys, time
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
addrs, n, stop = sys.argv[2].split(","), int(sys.argv[3]), sys.argv[4]
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
end = now + 300
for a in addrs:
    for _ in range(n):
        connect(a, now)
while time.time() < end and not os.path.exists(stop):
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
	SPIDS="$SPIDS $APID"	# killed at exit, should the test end early
}

# prompt NAME HELD: once the attack holds HELD connections (at most 60 s),
# PROMPTS requests 0.2 s apart, "status seconds" each into $T/NAME.prompt;
# then the attack stops, and the checks
prompt() {
	i=0
	until [ "$(curl -s -m 10 "$URL/metrics" | sed -n 's/^lathe_http_connections //p')" \
	    -ge "$2" ] 2>/dev/null || [ $i -ge 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 600 ] && ok || fail "$1: the attack never held $2 connections"
	i=0
	while [ $i -lt $PROMPTS ]; do
		curl -s -m 10 -o /dev/null -w '%{http_code} %{time_total}\n' -H "$JSON" \
		    -d "$ROW" "$URL/invocations"
		sleep 0.2
		i=$((i + 1))
	done >"$T/$1.prompt"
	: >"$T/attack.stop"
	wait "$APID"
	echo "$1: $(cat "$T/attack.out"); prompt requests: $(awk -v b=$BOUND '
	    { n++; if ($1 == 200) ok++; if ($2 > max) max = $2 }
	    END { printf "%d, %d answered 200, slowest %.3f s (bound %d s)", n, ok, max, b }' \
	    "$T/$1.prompt")"
	check "$1: prompt requests that failed" 0 "$(grep -vc '^200 ' "$T/$1.prompt")"
	check "$1: prompt requests slower than $BOUND s" 0 \
	    "$(awk -v b=$BOUND '$2 > b' "$T/$1.prompt" | wc -l | tr -d ' ')"
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
attack 127.0.0.2 1024
prompt one_address 12
[ "$(closed per_ip)" -gt 0 ] && ok || fail "one_address: no connection refused per address"

ADDRS=$(seq -s, -f '127.0.0.%g' 2 17)
attack "$ADDRS" 64
prompt sixteen_addresses 50
[ "$(closed evicted)" -gt 0 ] && ok || fail "sixteen_addresses: no connection closed to make room"
expect_status after_attack 200 POST /invocations -H "$JSON" -d "$ROW"
stop_server flood

start_server flood_epoll -p "$P" serve --model iris --port 0 --max-connections 50 --timeout 5 \
    --io epoll --threads 2 || { fail "server did not start"; finish; }
attack "$ADDRS" 64
prompt sixteen_addresses_epoll 50
[ "$(closed evicted)" -gt 0 ] && ok || fail "sixteen_addresses_epoll: no connection closed to make room"
stop_server flood_epoll

# 3: the head deadline, without any pressure on the slots.  A head
# dribbled out, and a kept-alive connection idle, are closed at the 3 s
# deadline, not by the 20 s idle timeout or the dribble's own end (20 s):
# "in time" is 2.9 to 12 s, room for a loaded machine but far from 20.  A
# head sent in pieces over 0.8 s, well inside the deadline, is answered.
start_server deadline -p "$P" serve --model iris --port 0 --timeout 20 --header-timeout 3 ||
    { fail "server did not start"; finish; }
r=$(/usr/bin/python3 - "$URL" <<'PY'
import socket, sys, threading, time
host, port = sys.argv[1].split("//")[1].rsplit(":", 1)
body = b'{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'
req = (b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body) + body)
out = {}
def conn():
    s = socket.create_connection((host, int(port)), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
def dribble(k):	# a header line every 0.5 s, for ever: when is it cut off?
    s, t0 = conn(), time.time()
    s.sendall(b"GET /ping HTTP/1.1\r\nHost: t\r\n")
    try:
        while time.time() - t0 < 20:
            time.sleep(0.5)
            s.sendall(b"X-Slow: 1\r\n")
    except OSError:
        pass
    out["dribble%d" % k] = time.time() - t0
def slow_but_done():	# the head in four pieces over 0.8 s: answered
    s = conn()
    for i in range(0, len(req), len(req) // 4 + 1):
        s.sendall(req[i:i + len(req) // 4 + 1])
        time.sleep(0.2)
    out["slow head"] = s.recv(65536).split(b" ")[1].decode()
def idle():	# a request, then nothing: closed 3 s after the answer
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
        v = "in time" if 2.9 <= v <= 12 else "after %.2f s" % v
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
