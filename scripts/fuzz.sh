#!/bin/sh
# Run the libFuzzer targets built by `make fuzz-build`.
#
#   scripts/fuzz.sh BUILD SECONDS [TARGET...]   fuzz each target for SECONDS
#   scripts/fuzz.sh BUILD 0 [TARGET...]         run each over its committed
#                                               corpus once (regression)
#
# BUILD is the fuzz build directory (build-fuzz); targets are its fuzz/
# binaries (all of them by default).  A target NAME reads its seed corpus
# from tests/fuzz/corpus/NAME/ (never written) and keeps what it learns in
# BUILD/corpus/NAME/; a finding is saved as BUILD/fuzz/artifacts/NAME-crash-*
# (or leak-, timeout-, oom-) and fails the run.  Each target's last
# libFuzzer line (executions, coverage) is printed, and its whole log is
# BUILD/fuzz/logs/NAME.log, with the CPU time the target used.
#   FUZZ_JOBS=N        run N targets at once (default 1)
#   FUZZ_KEEP_GOING=1  do not stop at a finding: libFuzzer's fork mode,
#                      every crash, leak, timeout and OOM saved (for long
#                      campaigns)
# Exit status: 0 if no target found anything, 1 otherwise.
set -u
build=${1:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...]}
secs=${2:?usage: scripts/fuzz.sh BUILD SECONDS [TARGET...]}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
if [ $# -eq 0 ]; then
	set -- $(ls "$build/fuzz" 2>/dev/null | grep -v -e '^artifacts$' -e '^logs$')
fi
[ $# -gt 0 ] || { echo "fuzz: no targets in $build/fuzz (make fuzz-build)" >&2; exit 2; }
mkdir -p "$build/fuzz/artifacts" "$build/fuzz/logs"
# plugins for the targets that load models (bundle), from this build
export LATHE_PLUGIN_PATH="$top/$build/plugins"
# a finding stops the target at once; leaks are findings too
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# one NAME: fuzz (or replay) it; prints its summary line, returns 0 or 1
one() {
	name=$1
	bin="$build/fuzz/$name" seeds="tests/fuzz/corpus/$name" log="$build/fuzz/logs/$name.log"
	[ -x "$bin" ] || { echo "FAIL $name: no binary $bin"; return 1; }
	[ -d "$seeds" ] || { echo "FAIL $name: no seed corpus $seeds"; return 1; }
	keep=""
	[ "${FUZZ_KEEP_GOING:-0}" = 1 ] &&
	    keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
	# (the subshell's `times` gives the CPU time of the target)
	(
		if [ "$secs" -eq 0 ]; then
			"$bin" -runs=0 -rss_limit_mb=2048 -timeout=25 \
			    -artifact_prefix="$build/fuzz/artifacts/$name-" "$seeds"
		else
			mkdir -p "$build/corpus/$name"
			"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 \
			    -print_final_stats=1 $keep \
			    -artifact_prefix="$build/fuzz/artifacts/$name-" \
			    "$build/corpus/$name" "$seeds"
		fi
		rc=$?
		times >"$log.cpu"	# no pipe: a forked `times` sees no children
		exit $rc
	) >"$log" 2>&1
	rc=$?
	tail -n 1 "$log.cpu" | sed 's/^/cpu (user, system): /' >>"$log"
	rm -f "$log.cpu"
	# libFuzzer's findings exit 77 (its default -error_exitcode) or 1
	ls "$build/fuzz/artifacts/$name-"* >/dev/null 2>&1 && rc=${rc#0} && rc=${rc:-1}
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	if [ $rc -ne 0 ]; then
		echo "FAIL $name (exit $rc; log: $log)"
		grep -m 8 -E 'ERROR|invariant|runtime error|SUMMARY|Test unit written' "$log"
		return 1
	fi
	printf 'ok   %-18s %s\n' "$name" "$last"
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^cpu ' "$log" | tr '\n' ' ' |
	    sed 's/  */ /g;s/^./     &/;s/ $/\n/'
	return 0
}

jobs=${FUZZ_JOBS:-1}
fail=0
if [ "$jobs" -le 1 ]; then
	for t in "$@"; do
		one "$t" || fail=1
	done
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	i=0
	for t in "$@"; do
		( one "$t" >"$tmp/$t.out"; echo $? >"$tmp/$t.rc" ) &
		i=$((i + 1))
		[ $((i % jobs)) -eq 0 ] && wait
	done
	wait
	for t in "$@"; do
		cat "$tmp/$t.out"
		[ "$(cat "$tmp/$t.rc")" = 0 ] || fail=1
	done
fi
exit $fail
