#!/bin/sh
# fuzz_corpus.sh — every libFuzzer target of tests/fuzz/ over its committed
# corpus, so that an input a fuzzer once found (each finding's input is
# added to its target's corpus when it is fixed) fails `make test` if the
# bug comes back.  Builds the targets with clang into build-fuzz/ (make
# fuzz-build; incremental after the first time) and replays each corpus
# once (scripts/fuzz.sh BUILD 0): no fuzzing here, so no randomness and a
# bounded cost.  Long runs are `make fuzz FUZZ_SECONDS=N` (docs/testing.md).
set -u
. "$(dirname "$0")/lib/require.sh"
require clang clang
top=$(pwd)
lib=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null)
case $lib in
/*) [ -f "$lib" ] ;;
*) false ;;
esac || {
	libdir=$(clang -print-resource-dir 2>/dev/null)/lib/linux
	[ -f "$libdir/libclang_rt.fuzzer-x86_64.a" ] ||
	    { echo "SKIP: libFuzzer's runtime is not installed (dependency: libclang-rt-14-dev)"; exit 77; }
}
# this runs under the runner's sanitizer settings; the fuzz binaries are
# sanitized themselves and report on stderr (into the log)
unset ASAN_OPTIONS UBSAN_OPTIONS
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
# not the calling make's variables (make asan passes BUILD=build-asan SAN=1)
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! make -s -j2 -C "$top" FUZZ_BUILD="$FUZZ_BUILD" fuzz-build >"$top/$FUZZ_BUILD.log" 2>&1; then
	echo "FAIL: make fuzz-build"
	tail -n 30 "$top/$FUZZ_BUILD.log"
	exit 1
fi
rm -f "$top/$FUZZ_BUILD.log"
# stale findings of earlier `make fuzz` runs are not this run's
rm -rf "$top/$FUZZ_BUILD/fuzz/artifacts"
n=$(ls "$top/$FUZZ_BUILD/fuzz" | grep -c -v -e '^artifacts$' -e '^logs$')
[ "$n" -ge 12 ] || { echo "FAIL: only $n fuzz targets built"; exit 1; }
"$top/scripts/fuzz.sh" "$FUZZ_BUILD" 0 || exit 1
exit 0
