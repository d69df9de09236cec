#!/bin/sh
# The workbench while another process holds the project's write lock: a
# re-run started from the run detail finishes training, shows on the runs
# screen and in the run detail that it waits for the lock and who holds it
# (a python sqlite3 writer here), and records its model once the lock is
# released — the re-run then verifies.  Then a run left 'running' by
# processes that are gone is marked failed when the workbench opens.
set -u
. "$(dirname "$0")/lib/tui_common.sh"
require python3 python3

mkdir -p "$T/plug"
cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -I"$TOP/plugins" -I"$TOP/tests/plugins" \
    -o "$T/plug/sleepy.so" "$TOP/tests/plugins/sleepy.c" || fail "building sleepy.so"
export LATHE_PLUGIN_PATH="$T/plug:$LATHE_PLUGIN_PATH"
L init > /dev/null
L import -q "$TOP/datasets/diabetes.csv" > /dev/null
LATHE_TEST_SLEEP_MS=50 L train --data diabetes --target target --algo sleepy -q > /dev/null \
    || fail "first run"

# 1. a re-run whose result waits for another writer.  The fit holds its
# result (TP_FIT_GATE, tests/plugins/testplug.h) until the writer has the
# lock, and the writer holds it until the workbench has shown the wait: no
# step depends on how fast the machine is.
# waitfile FILE: until FILE exists, 60 s at most
waitfile() {
	_i=0
	while [ ! -e "$1" ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e "$1" ] && ok || fail "$1 never appeared"
}
tui_start "env LATHE_TEST_SLEEP_MS=500 TP_FIT_GATE='$T/gate' '$LATHE' -p '$P'"
wait_for "diabetes@1"
keys 3
wait_for "sleepy"
keys g Enter
wait_for "run 1  finished"
keys v
wait_for "50/50 loss"
python3 "$TOP/tests/e2e/lib/hold_lock.py" "$P" "$T/locked" "$T/release" > "$T/holder.out" 2>&1 &
holder=$!
waitfile "$T/locked"
: > "$T/gate"
wait_for "locked by pid $holder (python3" 30
: > "$T/release"
wait_for "run 2 reproduces run 1 exactly" 30
wait "$holder" || fail "the lock holder failed: $(cat "$T/holder.out")"
[ "$(L runs --json | grep -c '"status": "finished"')" = 1 ] && ok || fail "runs: $(L runs)"
keys q q q
wait_for "EXIT=0"

# 2. a run whose processes are gone, found when the workbench opens
sqlite3 "$P" "UPDATE runs SET status = 'running', finished = NULL, pid = 999999999,
    pid_start = 'x:1', owner_pid = 999999998, owner_start = 'x:1' WHERE id = 2"
tui_start
wait_for "diabetes@1"
keys 3
wait_for "sleepy"
expect_screen "failed"
[ "$(sqlite3 "$P" "SELECT status FROM runs WHERE id = 2")" = failed ] && ok || fail "run 2 not failed"
keys q
wait_for "EXIT=0"
expect_terminal_restored
finish
