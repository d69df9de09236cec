#!/bin/sh
# runner_skips.sh — scripts/run-tests.sh itself: a skip is never a pass.
# The real runner, with the real install-deps.sh and require.sh, is run on a
# fake tree whose tests pass, fail and skip in every way there is:
#   - exit 77 for a reason of its own (needs root): SKIP, run succeeds,
#     with the SKIP: line as the reason, or the last line without one
#   - exit 77 for want of a package install-deps.sh installs (tmux): FAIL
#   - exit 77 for want of a package it does not (python3-sklearn): SKIP
#   - a cmocka binary with skipped cases (it exits 0): SKIP, or FAIL when it
#     names an install-deps package (gnuplot-nox)
#   - the real tui_common.sh on a PATH without tmux, and the real
#     test_tui_plot on a PATH without gnuplot: FAIL, each naming the package
#   - a script that passes but whose child (built with ASan, its stderr
#     thrown away) leaks: FAIL, with the sanitizer report in its log
# and checks the per-test lines, the counts and the exit status.
set -u
top=$(pwd)
build=${LATHE_BUILD:-$top/build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
nok=0 nfail=0
ok() { nok=$((nok + 1)); }
fail() { printf 'FAIL %s\n' "$*"; nfail=$((nfail + 1)); }
check() { if [ "$2" = "$3" ]; then ok; else fail "$1: expected '$2', got '$3'"; fi; }
has_line() {	# has_line WHAT LINE FILE
	if grep -qxF -- "$2" "$3"; then ok; else
		fail "$1: no line '$2' in:"
		sed 's/^/    | /' "$3"
	fi
}

# the tree: the real runner and helpers, fake tests
R="$T/tree"
mkdir -p "$R/scripts" "$R/tests/e2e/lib" "$R/fake/tests"
cp "$top/scripts/run-tests.sh" "$top/scripts/install-deps.sh" "$R/scripts/"
cp "$top/tests/e2e/lib/require.sh" "$top/tests/e2e/lib/tui_common.sh" "$R/tests/e2e/lib/"
printf '#!/bin/sh\nexit 0\n' > "$R/fake/lathe"
chmod +x "$R/fake/lathe"
# PATH without tmux or gnuplot, with what the runner and the scripts use
mkdir "$T/bin"
for c in sh sed grep timeout tail sort tr mkdir basename dirname cat head env find mv rm; do
	ln -s "$(command -v "$c")" "$T/bin/$c"
done

unit() {	# unit NAME STATUS OUTPUT: a fake cmocka binary
	printf '#!/bin/sh\nprintf "%%s\\n" "%s"\nexit %s\n' "$3" "$2" > "$R/fake/tests/$1"
	chmod +x "$R/fake/tests/$1"
}
e2e() {	# e2e NAME BODY
	printf '#!/bin/sh\n%s\n' "$2" > "$R/tests/e2e/$1.sh"
}
unit test_ok 0 '[  PASSED  ] 3 test(s).'
unit test_crash 1 '[  FAILED  ] 1 test(s), listed below:'
unit test_cases_skipped 0 '[ RUN      ] test_render
[  SKIPPED ] test_render
[  PASSED  ] 1 test(s).
[  SKIPPED ] 1 test(s), listed below:
[  SKIPPED ] test_render'
unit test_dep_skipped 0 'SKIP: gnuplot is not installed (dependency: gnuplot-nox)
[  SKIPPED ] test_render
[  SKIPPED ] 1 test(s), listed below:
[  SKIPPED ] test_render'
printf 'not a test\n' > "$R/fake/tests/test_ok.log"	# not executable: ignored
e2e pass 'exit 0'
e2e fails 'echo "FAIL something"; exit 1'
e2e needs_root 'echo "SKIP: needs root to mount a tmpfs"; exit 77'
e2e quiet_skip 'echo "quiet_skip: 3 passed, skipped: the part that needs a GPU"; exit 77'
e2e no_tmux '. "$(dirname "$0")/lib/require.sh"; require lathe-no-such-command tmux'
e2e no_sklearn '. "$(dirname "$0")/lib/require.sh"; require lathe-no-such-command python3-sklearn'
e2e has_sh '. "$(dirname "$0")/lib/require.sh"; require sh; exit 0'
e2e tui_no_tmux "PATH=$T/bin; . \"\$(dirname \"\$0\")/lib/tui_common.sh\"; echo unreachable; exit 0"
# a child that leaks, built with AddressSanitizer; the script hides its
# stderr and exit status, as a test that starts a training child may
printf '#include <stdlib.h>\nint main(void) { volatile char *p = malloc(24); p = 0; return 0; }\n' \
    > "$T/leak.c"
cc -fsanitize=address -g -o "$R/fake/leaky" "$T/leak.c" || fail "building the leaky child"
e2e leaky_child "\"\$(dirname \"\$0\")/../../fake/leaky\" 2>/dev/null; exit 0"
nunit=4 nplot=0
if [ -x "$build/tests/test_tui_plot" ]; then
	cp "$build/tests/test_tui_plot" "$R/fake/tests/"
	nunit=5 nplot=1
else
	fail "no $build/tests/test_tui_plot to run without gnuplot"
fi

(cd "$R" && LC_ALL=C PATH="$T/bin" sh scripts/run-tests.sh fake) > "$T/out" 2>&1
check "exit status with failures" 1 $?
has_line "pass" "ok   unit test_ok" "$T/out"
has_line "crash" "FAIL unit test_crash (log: fake/tests/test_crash.log)" "$T/out"
has_line "cmocka skip" "SKIP unit test_cases_skipped: cases skipped: test_render" "$T/out"
has_line "cmocka skip for want of an install-deps package" \
    "FAIL unit test_dep_skipped: skipped for want of gnuplot-nox, which scripts/install-deps.sh installs (make deps) (log: fake/tests/test_dep_skipped.log)" "$T/out"
[ "$nplot" -eq 0 ] || has_line "test_tui_plot without gnuplot" \
    "FAIL unit test_tui_plot: skipped for want of gnuplot-nox, which scripts/install-deps.sh installs (make deps) (log: fake/tests/test_tui_plot.log)" "$T/out"
has_line "script pass" "ok   e2e  pass.sh" "$T/out"
has_line "present dependency" "ok   e2e  has_sh.sh" "$T/out"
has_line "script fail" "FAIL e2e  fails.sh (log: fake/tests/e2e-fails.log)" "$T/out"
has_line "skip of its own" "SKIP e2e  needs_root.sh: needs root to mount a tmpfs" "$T/out"
has_line "skip without a SKIP: line" \
    "SKIP e2e  quiet_skip.sh: quiet_skip: 3 passed, skipped: the part that needs a GPU" "$T/out"
has_line "skip for want of an install-deps package" \
    "FAIL e2e  no_tmux.sh: skipped for want of tmux, which scripts/install-deps.sh installs (make deps) (log: fake/tests/e2e-no_tmux.log)" "$T/out"
has_line "skip for want of another package" \
    "SKIP e2e  no_sklearn.sh: lathe-no-such-command is not installed (dependency: python3-sklearn)" "$T/out"
has_line "tui_common without tmux" \
    "FAIL e2e  tui_no_tmux.sh: skipped for want of tmux, which scripts/install-deps.sh installs (make deps) (log: fake/tests/e2e-tui_no_tmux.log)" "$T/out"
check "tui_common's skip line" "SKIP: tmux is not installed (dependency: tmux)" \
    "$(cat "$R/fake/tests/e2e-tui_no_tmux.log")"
has_line "leak in a hidden child" "FAIL e2e  leaky_child.sh: sanitizer report (log: fake/tests/e2e-leaky_child.log)" "$T/out"
grep -q "ERROR: LeakSanitizer: detected memory leaks" "$R/fake/tests/e2e-leaky_child.log" && ok ||
    fail "the leak report is not in the script's log"
check "the report is kept under the test's name" 1 "$(ls "$R/fake/tests/sanitizer/leaky_child.sh" | wc -l)"
has_line "counts" "fake: $((nunit + 9)) test programs, $((nplot + 6)) failed, 4 skipped" "$T/out"
has_line "failed list" "failed: test_crash test_dep_skipped$([ "$nplot" -eq 0 ] || echo " test_tui_plot") fails.sh leaky_child.sh no_tmux.sh tui_no_tmux.sh" "$T/out"
has_line "skipped list" "skipped: test_cases_skipped needs_root.sh no_sklearn.sh quiet_skip.sh" "$T/out"

# skips alone do not fail the run, but are still counted and listed
rm -f "$R/fake/tests/test_crash" "$R/fake/tests/test_dep_skipped" "$R/fake/tests/test_tui_plot" \
    "$R/tests/e2e/fails.sh" "$R/tests/e2e/no_tmux.sh" "$R/tests/e2e/tui_no_tmux.sh" \
    "$R/tests/e2e/leaky_child.sh"
(cd "$R" && LC_ALL=C PATH="$T/bin" sh scripts/run-tests.sh fake) > "$T/out" 2>&1
check "exit status with skips only" 0 $?
has_line "counts, skips only" "fake: 7 test programs, 0 failed, 4 skipped" "$T/out"
has_line "skipped list, skips only" "skipped: test_cases_skipped needs_root.sh no_sklearn.sh quiet_skip.sh" "$T/out"

echo "runner_skips: $nok ok, $nfail failed"
[ "$nfail" -eq 0 ]
