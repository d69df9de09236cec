#!/bin/sh
# Run every unit test binary and every end-to-end script against one build.
#   scripts/run-tests.sh BUILD_DIR
# Unit tests are the cmocka binaries in BUILD_DIR/tests; end-to-end tests are
# tests/e2e/*.sh, run with LATHE pointing at the binary under test.
#
# Every test program passes, fails or skips; the last lines count and list:
#   BUILD_DIR: N test programs, F failed, S skipped
# A skip is never a pass.  A script skips by exiting 77 (the Automake
# convention; tests/e2e/lib/require.sh does it), a cmocka binary by skipping
# cases (cmocka prints "[  SKIPPED ]" and still exits 0).  A test that skips
# for want of a dependency names the Debian package on a line of its own,
#   SKIP: tmux is not installed (dependency: tmux)
# and when scripts/install-deps.sh installs that package (install-deps.sh
# --list) the skip counts as a FAILURE: `make test` and CI run install-deps
# first, so the package's absence is a broken machine, not a reason to skip
# (`make deps` mends it).  Skips for any other reason (a test that needs
# root, say) stay skips: listed, and the run still succeeds.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export LATHE="$top/$build/lathe"
export LATHE_BUILD="$top/$build"
export LATHE_PLUGIN_PATH="$top/$build/plugins"
# Sanitizer reports go to files, not to stderr: a training child or a
# server whose stderr a test sends to /dev/null (or that exits 0 after
# recording its run) would otherwise leak or misbehave unseen.  After each
# program, any report in $sanlog fails it.  (Builds without sanitizers
# ignore these variables.)
sanlog="$top/$build/tests/sanitizer"
rm -rf "$sanlog"
mkdir -p "$sanlog"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}:log_path=$sanlog/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$sanlog/ubsan"
# the packages `make deps` installs: no excuse to skip for want of these
deps=$(sh "$top/scripts/install-deps.sh" --list)
if [ -z "$deps" ]; then
	echo "run-tests: scripts/install-deps.sh --list printed nothing" >&2
	exit 2
fi
mkdir -p "$top/$build/tests"
n=0 fail=0 skip=0 failed="" skipped=""

# judge KIND NAME LOG STATUS: print and count the outcome of one program.
judge() {
	kind=$1 name=$2 log=$3 rc=$4
	n=$((n + 1))
	reports=$(find "$sanlog" -maxdepth 1 -type f | sort)
	if [ -n "$reports" ]; then
		# any process of this test, children included, reported
		mkdir -p "$sanlog/$name"
		for r in $reports; do
			{ echo "== sanitizer report ${r#"$sanlog"/}"; cat "$r"; } >> "$log"
			mv "$r" "$sanlog/$name/"
		done
		printf 'FAIL %-4s %s: sanitizer report (log: %s)\n' "$kind" "$name" "${log#"$top"/}"
		grep -m 5 -e 'ERROR:' -e 'runtime error' -e 'SUMMARY' "$log"
		fail=$((fail + 1)) failed="$failed $name"
		return
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		printf 'FAIL %-4s %s (log: %s)\n' "$kind" "$name" "${log#"$top"/}"
		tail -n 30 "$log"
		fail=$((fail + 1)) failed="$failed $name"
		return
	fi
	if [ "$rc" -eq 0 ] && ! grep -q '^\[  SKIPPED \]' "$log"; then
		printf 'ok   %-4s %s\n' "$kind" "$name"
		return
	fi
	# a skip: the test's SKIP: line, else the cmocka cases it skipped,
	# else its last line
	why=$(sed -n 's/^SKIP: *//p' "$log" | head -n 1)
	[ -n "$why" ] || why=$(sed -n 's/^\[  SKIPPED \] \(test[^ ]*\)$/ \1/p' "$log" |
	    sort -u | tr -d '\n')
	[ -z "$why" ] || case $why in " "*) why="cases skipped:$why" ;; esac
	[ -n "$why" ] || why=$(tail -n 1 "$log")
	missing=""
	for d in $(sed -n 's/^SKIP: .*(dependency: \([^)]*\)).*/\1/p' "$log" | sort -u); do
		printf '%s\n' "$deps" | grep -qxF -- "$d" && missing="$missing $d"
	done
	if [ -n "$missing" ]; then
		printf 'FAIL %-4s %s: skipped for want of%s, which scripts/install-deps.sh installs (make deps) (log: %s)\n' \
		    "$kind" "$name" "$missing" "${log#"$top"/}"
		fail=$((fail + 1)) failed="$failed $name"
	else
		printf 'SKIP %-4s %s: %s\n' "$kind" "$name" "$why"
		skip=$((skip + 1)) skipped="$skipped $name"
	fi
}

for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	log="$top/$build/tests/$(basename "$t").log"
	# every test is bounded: a hang fails it instead of stalling CI
	(cd "$top" && timeout -k 5 300 "$t") >"$log" 2>&1
	judge unit "$(basename "$t")" "$log" $?
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	log="$top/$build/tests/e2e-$(basename "$t" .sh).log"
	(cd "$top" && timeout -k 5 600 sh "$t") >"$log" 2>&1
	judge e2e "$(basename "$t")" "$log" $?
done
echo "$build: $n test programs, $fail failed, $skip skipped"
[ -z "$failed" ] || echo "failed:$failed"
[ -z "$skipped" ] || echo "skipped:$skipped"
[ "$fail" -eq 0 ]
