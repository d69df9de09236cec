# serve_common.sh — shared by tests/e2e/serve_*.sh (sourced, not run):
# a temporary directory, failure counting, a project with trained and
# registered models, and starting/stopping `lathe serve` on a free port.
#
# Servers are started with --port 0; the URL comes from the one stdout
# line "listening on URL".  Every server started is killed by the EXIT
# trap; stop_server() instead sends SIGTERM and checks that the server
# exits 0 (under ASan that includes LeakSanitizer's verdict) with no
# sanitizer report on stderr.

LATHE=${LATHE:-build/lathe}
case $LATHE in /*) ;; *) LATHE=$(pwd)/$LATHE ;; esac
if [ ! -x "$LATHE" ]; then
	echo "no lathe binary at $LATHE"
	exit 1
fi
: "${LATHE_PLUGIN_PATH:=$(dirname "$LATHE")/plugins}"
export LATHE_PLUGIN_PATH LATHE_PROGRESS=never
unset LATHE_PROJECT
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
SPIDS=""
cleanup() {
	for p in $SPIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
nfail=0 nok=0
fail() { printf 'FAIL %s\n' "$*"; nfail=$((nfail + 1)); }
ok() { nok=$((nok + 1)); }
# check WHAT EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok; else fail "$1
    expected: $2
    actual:   $3"; fi
}
finish() {
	echo "$(basename "$0" .sh): $nok ok, $nfail failed"
	[ "$nfail" -eq 0 ]
	exit $?
}
# an AddressSanitizer build (its quarantine makes resident memory grow by
# design): by the build directory's name or by the runtime in the binary
is_asan() {
	case ${LATHE_BUILD:-$LATHE} in *asan*) return 0 ;; esac
	grep -aq __asan_init "$LATHE"
}

P="$T/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }

# make_project: iris (numeric inputs, integer labels) and penguins
# (categorical inputs, missing values, text labels), one logistic run
# each registered with alias production; iris gets a second version.
make_project() {
	L init >/dev/null || return 1
	L import -q "$TOP/datasets/iris.csv" >/dev/null || return 1
	L import -q "$TOP/datasets/penguins.csv" >/dev/null || return 1
	IRIS1=$(L train -q --data iris --target target --algo logistic) || return 1
	IRIS2=$(L train -q --data iris --target target --algo logistic --set C=0.05) || return 1
	PENG=$(L train -q --data penguins --target species --algo logistic) || return 1
	L model register "$IRIS1" --name iris >/dev/null || return 1
	L model register "$IRIS2" --name iris >/dev/null || return 1
	L model register "$PENG" --name penguins >/dev/null || return 1
	L model alias iris@1 production >/dev/null || return 1
	L model alias penguins@1 production >/dev/null || return 1
}

# start_server NAME ARGS...: run lathe ARGS in the background, wait until
# /v2/health/ready answers; sets SPID and URL.  Output in $T/NAME.{out,err}.
start_server() {
	name=$1
	shift
	"$LATHE" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	SPID=$!
	SPIDS="$SPIDS $SPID"
	i=0
	while [ $i -lt 300 ]; do
		URL=$(sed -n 's/^listening on //p' "$T/$name.out" 2>/dev/null)
		if [ -n "$URL" ] && curl -sf -m 2 "$URL/v2/health/ready" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$SPID" 2>/dev/null; then
			echo "server $name died: $(cat "$T/$name.err")"
			return 1
		fi
		sleep 0.05
		i=$((i + 1))
	done
	echo "server $name did not become ready"
	return 1
}

# stop_server NAME: SIGTERM, then the exit status must be 0 and stderr
# free of sanitizer reports.
stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	wait "$SPID"
	src=$?
	if [ $src -ne 0 ]; then
		fail "server $1 exited with status $src: $(tail -n 20 "$T/$1.err")"
	elif grep -q "Sanitizer\|runtime error" "$T/$1.err"; then
		fail "server $1: sanitizer report: $(grep -A 15 "Sanitizer\|runtime error" "$T/$1.err" | head -40)"
	else
		ok
	fi
}

# req NAME METHOD PATH [CURL ARGS...]: body in $T/NAME.body, status in $code
req() {
	rname=$1 rmethod=$2 rpath=$3
	shift 3
	if [ "$rmethod" = HEAD ]; then
		set -- -I "$@"
	else
		set -- -X "$rmethod" "$@"
	fi
	: >"$T/$rname.body"
	code=$(curl -s -m 10 -o "$T/$rname.body" -w '%{http_code}' "$@" "$URL$rpath")
}
body() { cat "$T/$1.body"; }
# expect NAME STATUS BODY METHOD PATH [CURL ARGS...]: exact status and body
expect() {
	ename=$1 estatus=$2 ebody=$3
	shift 3
	req "$ename" "$@"
	if [ "$code" != "$estatus" ] || [ "$(body "$ename")" != "$ebody" ]; then
		fail "$ename: $*
    expected: $estatus $ebody
    actual:   $code $(head -c 600 "$T/$ename.body")"
	else
		ok
	fi
}
# expect_status NAME STATUS METHOD PATH [CURL ARGS...]
expect_status() {
	ename=$1 estatus=$2
	shift 2
	req "$ename" "$@"
	if [ "$code" != "$estatus" ]; then
		fail "$ename: $*: status $code, expected $estatus: $(head -c 300 "$T/$ename.body")"
	else
		ok
	fi
}
JSON="Content-Type: application/json"
