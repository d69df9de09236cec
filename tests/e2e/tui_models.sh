#!/bin/sh
# The models screen under tmux: two versions trained and registered with
# the CLI; `4` shows them with their aliases; deploying a version moves
# the alias and starts `lathe serve` for it, which becomes live in the
# servers panel; requests sent with curl show up as requests/s, a total
# and p50/p99 latency read from its /metrics; deploying again (and moving
# the alias from the CLI) hot-reloads the running server instead of
# starting another; a version's detail shows the alias history; `x`
# stops a server started here; a server deployed from the workbench
# keeps serving after the workbench quits (the terminal restored), a new
# workbench will not stop it, and one killed without a trace shows as
# gone.
set -u
. "$(dirname "$0")/lib/tui_common.sh"

# servers this test started: killed at exit whatever happens
SERVER_PIDS=
models_cleanup() {
	for p in $SERVER_PIDS; do kill -9 "$p" 2> /dev/null; done
	cleanup
}
trap models_cleanup EXIT

# wait_re REGEX [SECONDS]: like wait_for, for an extended regular expression
wait_re() {
	_w=$(( ${2:-15} * 10 ))
	while [ "$_w" -gt 0 ]; do
		if screen | grep -qE -- "$1"; then
			ok
			return 0
		fi
		sleep 0.1
		_w=$((_w - 1))
	done
	fail "timed out waiting for /$1/; the screen was:"
	screen | sed 's/^/    | /'
	return 1
}

predict() {
	curl -s -m 5 "$1/invocations" -H 'Content-Type: application/json' \
	    -d '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'
}

L init > /dev/null
L import -q "$TOP/datasets/iris.csv"
R1=$(L train -q --data iris --target target --algo logistic)
R2=$(L train -q --data iris --target target --algo logistic --set C=0.05)
L model register "$R1" --name iris > /dev/null
L model register "$R2" --name iris > /dev/null
L model alias iris@1 production > /dev/null

tui_start
wait_for "1 Datasets"

# 1. the models screen: versions, aliases, no servers yet
keys 4
wait_for "1 model, 2 versions, 0 servers live"
wait_re "^iris@1 +production +1 +logistic +classification +iris@1 "
wait_re "^iris@2 +latest +2 +logistic"
expect_screen "no servers recorded: d deploys the version under the cursor"
expect_screen "Enter open d deploy a alias r run / filter : command ? help q quit"

# 2. deploy iris@2 as production: the alias moves, a server starts
keys j d
wait_for "deploy iris@2 as"
expect_screen "production               names version 1"
keys Enter
# "starting ..." stays until the first tick (once a second) after the
# server listens, which may be before a look at the screen: either will do
wait_re "iris@production: version 1 -> 2; starting lathe serve --model iris@production \(pid|serving iris@production at http://127\.0\.0\.1:"
wait_for "serving iris@production at http://127.0.0.1:" 30
URL=$(screen | grep -o 'serving iris@production at http://127.0.0.1:[0-9]*' | sed 's/.* at //')
PID=$(screen | sed -n 's/.*serving iris@production at [^ ]* (pid \([0-9]*\);.*/\1/p')
SERVER_PIDS="$SERVER_PIDS $PID"
[ -n "$URL" ] && [ -n "$PID" ] && ok || fail "no URL or pid on screen"
wait_re "^\* +1 live +http://127\.0\.0\.1:[0-9]+ +iris@production v2 +"
wait_re "^iris@2 +latest +production +#1 "
wait_for "1 server live"

# 3. requests sent to it are counted live: requests/s, total, latency.
# The rate is the last second's: requests go on until the screen shows
# it (a look at the screen may come late on a loaded machine), then the
# rate falls back to 0 and the total is what was sent.
: > "$T/sent"
(
	while [ ! -f "$T/stop" ]; do
		predict "$URL" > /dev/null
		echo >> "$T/sent"
		sleep 0.1
	done
) &
SENDER=$!
wait_re "^\* +1 live .*iris@production v2 +([1-9][0-9]*|0\.[1-9])[0-9.]* +[1-9][0-9]* +0 +[0-9.]+(µs|ms) +[0-9.]+(µs|ms)" 30
touch "$T/stop"
wait "$SENDER"
SENT=$(wc -l < "$T/sent")
wait_re "^\* +1 live .*iris@production v2 +0\.0 +$SENT +0 " 30

# 4. a server is running for iris@production: deploying iris@1 moves the
# alias and the server reloads it, no second server starts
keys k d
wait_for "deploy iris@1 as"
keys Enter
wait_for "iris@production: version 2 -> 1; server 1 at $URL switches to it within a second"
wait_re "^\* +1 live .*iris@production v1 "
[ "$(predict "$URL")" = '{"predictions": [0]}' ] && ok || fail "prediction after the reload"
expect_screen "1 server live"
# ... and so does a move from the command line
L model alias iris@2 production > /dev/null
wait_re "^\* +1 live .*iris@production v2 "

# 5. a version's detail: aliases and their history
keys j Enter
wait_for "iris@2  latest  aliases production"
keys G
wait_re "production +1 +2  <- this version"
wait_re "server 1 +live +http://127\.0\.0\.1:[0-9]+ +iris@production\$"
wait_re "pid $PID, since [0-9T:Z-]+, started from this workbench"
keys q

# 6. a new alias from the picker, without deploying
keys a
wait_for "move an alias to iris@2"
keys End Enter
wait_for "new alias for iris@2:"
text "staging"
keys Enter
wait_for "iris@staging: new alias -> version 2 (no server serves iris@staging: d deploys it)"
wait_re "^iris@2 +latest +production,staging "

# 7. stop it from the servers panel
keys Tab
wait_for "(Tab: back to the versions)"
expect_screen "Tab switch x stop"
keys g x
wait_for "stop server 1 at $URL (pid $PID)? y stops it, Esc keeps it"
keys y
wait_for "stopping server 1 (pid $PID)"
wait_re "^\* +1 stopped +http"
wait_for "0 servers live"
curl -s -m 2 "$URL/ping" > /dev/null && fail "the stopped server still answers" || ok

# 8. deploy again, then quit: the server keeps serving
keys Tab k d Enter
wait_for "serving iris@production at http://127.0.0.1:" 30
URL2=$(screen | grep -o 'serving iris@production at http://127.0.0.1:[0-9]*' | sed 's/.* at //')
PID2=$(screen | sed -n 's/.*serving iris@production at [^ ]* (pid \([0-9]*\);.*/\1/p')
SERVER_PIDS="$SERVER_PIDS $PID2"
wait_re "^\* +2 live +http"
keys Q
wait_for "EXIT=0"
expect_terminal_restored
[ "$(predict "$URL2")" = '{"predictions": [0]}' ] && ok ||
    fail "the server did not outlive the workbench"

# 9. a new workbench sees it live but did not start it; killed, it is gone
tui_start
wait_for "1 Datasets"
keys 4
wait_re "^ +2 live +http://127\.0\.0\.1:[0-9]+ +iris@production v1 "
keys Tab x
wait_for "server 2 was not started from this workbench: stop it where it runs (or kill -TERM $PID2)"
kill -9 "$PID2"
wait_re "^ +2 gone +http"
wait_for "0 servers live"
keys Q
wait_for "EXIT=0"
expect_terminal_restored
finish
