#!/bin/sh
# fault_server.sh — tests/fault/server.sh, which the fault-injection run
# (tests/fault/run.sh, serve scenario) starts and stops its servers with,
# checked against stand-in servers (sh scripts, no lathe): the port of the
# server just started and never a line an earlier one left in the same
# file, a partial line not taken for a port, and every wait bounded.  The
# serve scenario once read an earlier server's line, then found the file
# empty and waited, with no bound, for a server it never stopped; the
# test runner's timeout then killed the whole run without a word.  Each
# bound here is 2 s: a check that hangs is the old bug back.
set -u
. "$(dirname "$0")/lib/checks.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/fault/server.sh"
T=$(mktemp -d)
trap 'srv_kill; rm -rf "$T"' EXIT
SRV_START_S=2 SRV_STOP_S=2

# a server that starts slowly, over a file holding an earlier server's line
printf 'listening on http://127.0.0.1:1111\n' > "$T/out"
srv_start "$T/out" "$T/err" sh -c 'sleep 0.5; echo "listening on http://127.0.0.1:2222"; exec sleep 30'
check "slow start: status" 0 $?
check "slow start: its own port, not the earlier server's" 2222 "$srv_port"
srv_stop
check "slow start: stopped" "0 143" "$? $srv_rc"

# the line arrives in two writes: the first half is not a port
srv_start "$T/out" "$T/err" sh -c 'printf "listening on http://[::1]:12"; sleep 0.5;
    printf "345\n"; exec sleep 30'
check "partial line: the whole port" "0 12345" "$? $srv_port"
srv_stop

# it cannot start: its status, no port
srv_start "$T/out" "$T/err" sh -c 'echo "lathe: no such model" >&2; exit 1'
check "exits at once: status" "1 1" "$? $srv_rc"
check "exits at once: no port" "" "$srv_port"

# it never prints a port: killed at the bound, and said why
t0=$(date +%s)
srv_start "$T/out" "$T/err" sh -c 'exec sleep 30'
check "silent server: status" "2 137" "$? $srv_rc"
contains "silent server: why" "printed no 'listening on' line in 2 s" "$srv_why"
[ $(( $(date +%s) - t0 )) -lt 20 ] && ok || bad "silent server: srv_start took $(( $(date +%s) - t0 )) s"

# it ignores SIGTERM: killed at the bound, and said why
srv_start "$T/out" "$T/err" sh -c 'trap "" TERM; echo "listening on http://127.0.0.1:3333";
    exec sleep 30'
check "deaf server: started" "0 3333" "$? $srv_port"
t0=$(date +%s)
srv_stop
check "deaf server: status" "2 137" "$? $srv_rc"
contains "deaf server: why" "did not stop within 2 s of SIGTERM" "$srv_why"
[ $(( $(date +%s) - t0 )) -lt 20 ] && ok || bad "deaf server: srv_stop took $(( $(date +%s) - t0 )) s"

# a server that printed its port and then died is not waited for again
srv_start "$T/out" "$T/err" sh -c 'echo "listening on http://127.0.0.1:4444"; sleep 0.3; exit 3'
check "short-lived: port" "0 4444" "$? $srv_port"
sleep 1
srv_stop
check "short-lived: its status" "0 3" "$? $srv_rc"

echo "fault_server: $pass ok, $fail failed"
[ "$fail" -eq 0 ]
