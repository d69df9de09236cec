#!/bin/sh
# plugin_log.sh — no plugin can write an unbounded run log, or unbounded
# curves (at most 10,000 points a curve, an even sample of the run).  The host keeps
# the first 1000 lines, a line saying how many were omitted, and the newest
# 1000 to 1999 (docs/plugins.md); k-means logs only the initialisations
# that improve on the best, then a summary, whatever n_init is.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
build=${LATHE_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
. "$(dirname "$0")/lib/checks.sh"

mkdir -p "$tmp/plug"
for p in chatty curvy; do
	cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -Wall -Werror -I"$top/plugins" \
	    -o "$tmp/plug/$p.so" "$top/tests/plugins/$p.c" || bad "building $p.so"
done
export LATHE_PLUGIN_PATH="$tmp/plug:$build/plugins"
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
L init > /dev/null
L import -q "$top/datasets/diabetes.csv"
L import -q "$top/datasets/iris.csv"
n=0
# chatty N: train chatty logging N lines; its stored log in $tmp/log
chatty() {
	n=$((n + 1))
	id=$(LATHE_TEST_LOG_LINES=$1 L train -q --data diabetes --target target --algo chatty)
	check "chatty $1: run" "$n" "$id"
	check "chatty $1: finished" "finished" "$(sqlite3 "$P" "SELECT status FROM runs WHERE id = $n")"
	sqlite3 "$P" "SELECT log FROM runs WHERE id = $n" | sed '/^$/d' > "$tmp/log"
}
# msgs: the messages of the stored log, one a line, without time and level
msgs() { sed 's/^[^ ]* [a-z]* //' "$tmp/log"; }

# a million lines: bounded, the omission said, first and last lines kept
chatty 1000000
check "1e6: stored lines" 2001 "$(wc -l < "$tmp/log")"
bytes=$(sqlite3 "$P" "SELECT length(log) FROM runs WHERE id = $n")
[ "$bytes" -lt 200000 ] && ok || bad "1e6: stored log is $bytes bytes"
check "1e6: head" "chatty: line 1" "$(msgs | sed -n 1p)"
check "1e6: end of head" "chatty: line 1000" "$(msgs | sed -n 1000p)"
check "1e6: the note" "[998000 lines omitted: a run's log keeps its first 1000 and its last 1000 or more lines]" \
    "$(msgs | sed -n 1001p)"
check "1e6: the note is a warning" "warning" "$(sed -n 1001p "$tmp/log" | cut -d' ' -f2)"
check "1e6: tail starts" "chatty: line 999001" "$(msgs | sed -n 1002p)"
check "1e6: last line" "chatty: line 1000000" "$(msgs | tail -n 1)"
check "1e6: levels kept" "warning" "$(tail -n 1 "$tmp/log" | cut -d' ' -f2)"
# every line either stored or counted, in order
msgs | sed -n '1002,$p' | sed 's/chatty: line //' > "$tmp/tail"
check "1e6: tail is consecutive" "$(seq 999001 1000000 | tr '\n' ' ')" "$(tr '\n' ' ' < "$tmp/tail")"
check "1e6: show prints the note" 1 "$(L show $n | grep -c 'lines omitted')"

# small logs are whole; the first omission comes at 3000 lines
chatty 5
check "5 lines kept" "chatty: line 1 chatty: line 2 chatty: line 3 chatty: line 4 chatty: line 5" \
    "$(msgs | tr '\n' ' ' | sed 's/ $//')"
chatty 2999
check "2999 lines kept" 2999 "$(wc -l < "$tmp/log")"
check "2999: no note" 0 "$(grep -c 'omitted' "$tmp/log")"
chatty 3000
check "3000: bounded" 2001 "$(wc -l < "$tmp/log")"
check "3000: the note" "[1000 lines omitted: a run's log keeps its first 1000 and its last 1000 or more lines]" \
    "$(msgs | sed -n 1001p)"
check "3000: tail" "chatty: line 2001" "$(msgs | sed -n 1002p)"
chatty 4999
check "4999: tail grows to 1999" 3000 "$(wc -l < "$tmp/log")"
check "4999: the note" "[2000 lines omitted: a run's log keeps its first 1000 and its last 1000 or more lines]" \
    "$(msgs | sed -n 1001p)"
check "4999: tail" "chatty: line 3001" "$(msgs | sed -n 1002p)"

# k-means: a line per new best and a summary, not one per initialisation
n=$((n + 1))
id=$(L train -q --data iris --algo kmeans --set n_clusters=5 --set n_init=3000)
check "kmeans run" "$n" "$id"
sqlite3 "$P" "SELECT log FROM runs WHERE id = $n" | sed '/^$/d' > "$tmp/log"
lines=$(wc -l < "$tmp/log")
[ "$lines" -ge 2 ] && [ "$lines" -le 40 ] && ok || bad "kmeans n_init=3000 logged $lines lines"
msgs | tail -n 1 | grep -q '^kmeans: best of 3000 runs: run [0-9]*, inertia [0-9.e+-]* after [0-9]* iterations' &&
    ok || bad "kmeans summary: $(tail -n 1 "$tmp/log")"
best=$(msgs | tail -n 1 | sed 's/.*: run \([0-9]*\),.*/\1/')
check "kmeans: the last new best is the best" "kmeans: run $best of 3000 is the best so far" \
    "$(msgs | tail -n 2 | head -n 1 | sed 's/: inertia.*//')"

# curves: a million points each of "loss" and "val" are kept as 10,000 or
# fewer, evenly spaced, the first point kept, values intact
curves() {	# curves N: train curvy with N steps; sets $n
	n=$((n + 1))
	id=$(LATHE_TEST_CURVE_POINTS=$1 L train -q --data diabetes --target target --algo curvy)
	check "curvy $1: run" "$n" "$id"
}
cq() { sqlite3 "$P" "$1"; }
curves 1000000
for c in loss val; do
	k=$(cq "SELECT count(*) FROM run_curves WHERE run_id = $n AND name = '$c'")
	[ "$k" -le 10000 ] && [ "$k" -gt 5000 ] && ok || bad "1e6 $c: $k points kept"
	check "1e6 $c: first point" 1 "$(cq "SELECT min(step) FROM run_curves WHERE run_id = $n AND name = '$c'")"
	last=$(cq "SELECT max(step) FROM run_curves WHERE run_id = $n AND name = '$c'")
	[ "$last" -gt 990000 ] && ok || bad "1e6 $c: last kept step $last"
	check "1e6 $c: even spacing" 1 "$(cq "SELECT count(DISTINCT d) FROM (SELECT step - lag(step)
	    OVER (ORDER BY step) AS d FROM run_curves WHERE run_id = $n AND name = '$c') WHERE d IS NOT NULL")"
done
check "1e6 val: values intact" 0 "$(cq "SELECT count(*) FROM run_curves WHERE run_id = $n AND
    name = 'val' AND abs(value - 2.0 / step) > 1e-15 * value")"
curves 10000
check "1e4: every point kept" 10000 "$(cq "SELECT count(*) FROM run_curves WHERE run_id = $n AND name = 'val'")"
curves 10001
check "10001: thinned once" 5001 "$(cq "SELECT count(*) FROM run_curves WHERE run_id = $n AND name = 'val'")"
check "10001: odd steps kept" 0 "$(cq "SELECT count(*) FROM run_curves WHERE run_id = $n AND name = 'val' AND step % 2 = 0")"

echo "plugin_log: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
