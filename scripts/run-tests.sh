#!/bin/sh
# Run every unit test binary and every end-to-end script against one build.
#   scripts/run-tests.sh BUILD_DIR
# Unit tests are the cmocka binaries in BUILD_DIR/tests; end-to-end tests are
# tests/e2e/*.sh, run with LATHE pointing at the binary under test.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export LATHE="$top/$build/lathe"
export LATHE_BUILD="$top/$build"
export LATHE_PLUGIN_PATH="$top/$build/plugins"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0; n=0
for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$((n+1))
	# every test is bounded: a hang fails it instead of stalling CI
	if ! (cd "$top" && timeout -k 5 300 "$t") >"$top/$build/tests/$(basename "$t").log" 2>&1; then
		echo "FAIL unit $(basename "$t") (log: $build/tests/$(basename "$t").log)"
		tail -n 30 "$top/$build/tests/$(basename "$t").log"
		fail=$((fail+1))
	else
		echo "ok   unit $(basename "$t")"
	fi
done
for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	n=$((n+1))
	log="$top/$build/tests/e2e-$(basename "$t" .sh).log"
	mkdir -p "$top/$build/tests"
	if ! (cd "$top" && timeout -k 5 600 sh "$t") >"$log" 2>&1; then
		echo "FAIL e2e  $(basename "$t") (log: $build/tests/e2e-$(basename "$t" .sh).log)"
		tail -n 30 "$log"
		fail=$((fail+1))
	else
		echo "ok   e2e  $(basename "$t")"
	fi
done
echo "$build: $n test programs, $fail failed"
[ "$fail" -eq 0 ]
