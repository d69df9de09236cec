# tui_common.sh — shared by tests/e2e/tui_*.sh (sourced, not run): drive
# the real `lathe` workbench inside tmux and check what a person would see.
#
#   tui_start [CMD]   a 120x40 tmux pane running a shell; CMD (default:
#                     lathe on $P) is typed into it, followed by
#                     `echo EXIT=$?` so the exit status shows on screen
#   keys K...         tmux send-keys
#   text TEXT         send TEXT literally
#   wait_for TEXT [S] poll the pane until it shows TEXT (default 15 s)
#   wait_gone TEXT    poll until TEXT is no longer on screen
#   wait_line N TEXT  poll until line N of the pane contains TEXT
#   screen            the pane as text
#
# Each test script gets its own tmux server (-L), a temporary directory
# and a project; everything is removed at exit.  Nothing here sleeps for a
# fixed time: every step waits for what it expects to see.

LATHE=${LATHE:-build/lathe}
case $LATHE in /*) ;; *) LATHE=$(pwd)/$LATHE ;; esac
if [ ! -x "$LATHE" ]; then
	echo "no lathe binary at $LATHE"
	exit 1
fi
# no tmux: skipped (exit 77), which run-tests.sh counts as a failure because
# install-deps.sh installs tmux (lib/require.sh)
. "$(dirname "$0")/lib/require.sh"
require tmux
: "${LATHE_PLUGIN_PATH:=$(dirname "$LATHE")/plugins}"
export LATHE_PLUGIN_PATH LATHE_PROGRESS=never
unset LATHE_PROJECT NO_COLOR
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
# tmux servers of this test live in its temporary directory, and go with it
export TMUX_TMPDIR="$T"
unset TMUX
SOCK="lathe-e2e-$$-0"
nstart=0
P="$T/p.lathe"
nfail=0 nok=0
cleanup() {
	for s in $SOCKS; do tmux -L "$s" kill-server 2> /dev/null; done
	rm -rf "$T"
}
SOCKS=
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { printf 'FAIL %s\n' "$*"; nfail=$((nfail + 1)); }
ok() { nok=$((nok + 1)); }
L() { "$LATHE" -p "$P" "$@"; }

screen() { tmux -L "$SOCK" capture-pane -p -t t 2> /dev/null; }
keys() { tmux -L "$SOCK" send-keys -t t "$@" 2> /dev/null; }
text() { tmux -L "$SOCK" send-keys -t t -l -- "$1" 2> /dev/null; }

# wait_for TEXT [SECONDS]: 0 when TEXT shows; else report, dump the pane, 1.
wait_for() {
	_w=$(( ${2:-15} * 10 ))
	while [ "$_w" -gt 0 ]; do
		if screen | grep -qF -- "$1"; then
			ok
			return 0
		fi
		tmux -L "$SOCK" has-session -t t 2> /dev/null || break
		sleep 0.1
		_w=$((_w - 1))
	done
	fail "timed out waiting for '$1'; the screen was:"
	screen | sed 's/^/    | /'
	return 1
}

wait_gone() {
	_w=$(( ${2:-15} * 10 ))
	while [ "$_w" -gt 0 ]; do
		if ! screen | grep -qF -- "$1"; then
			ok
			return 0
		fi
		sleep 0.1
		_w=$((_w - 1))
	done
	fail "'$1' did not go away; the screen was:"
	screen | sed 's/^/    | /'
	return 1
}

# wait_line N TEXT: poll until line N of the pane contains TEXT.
wait_line() {
	_w=150
	while [ "$_w" -gt 0 ]; do
		case $(screen | sed -n "$1p") in *"$2"*) ok; return 0 ;; esac
		sleep 0.1
		_w=$((_w - 1))
	done
	fail "line $1 never showed '$2'; the screen was:"
	screen | sed 's/^/    | /'
	return 1
}

# expect_screen TEXT: the pane shows TEXT now.
expect_screen() {
	if screen | grep -qF -- "$1"; then ok; else
		fail "expected '$1' on screen:"
		screen | sed 's/^/    | /'
	fi
}

# tui_start [COMMAND]: a shell in a fresh pane, lathe started in it.  Its
# stderr goes to $T/stderr (sanitizer reports land there, not on screen).
tui_start() {
	tmux -L "$SOCK" kill-server 2> /dev/null
	nstart=$((nstart + 1))
	SOCK="lathe-e2e-$$-$nstart"
	SOCKS="$SOCKS $SOCK"
	cmd=${1:-"'$LATHE' -p '$P'"}
	tmux -L "$SOCK" -f /dev/null new-session -d -s t -x 120 -y 40 \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color PS1='$ ' sh"
	tmux -L "$SOCK" set-option -t t status off > /dev/null
	keys "cd '$T'" Enter
	text "$cmd 2>>'$T/stderr'; echo EXIT=\$?"
	keys Enter
}

# The terminal is back to normal after lathe: line mode and echo on.
expect_terminal_restored() {
	text "stty -a | tr ' ' '\\n' | grep -x -e -icanon -e -echo | wc -l | sed 's/^/RAW=/'"
	keys Enter
	wait_for "RAW=0" 5
	if grep -q -e AddressSanitizer -e LeakSanitizer -e 'runtime error' "$T/stderr" 2> /dev/null; then
		fail "sanitizer report:"
		sed 's/^/    | /' "$T/stderr"
	fi
}

finish() {
	echo "$(basename "$0"): $nok ok, $nfail failed"
	[ "$nfail" -eq 0 ]
}
