#!/bin/sh
# The run detail screen's permutation importance under tmux: `i` on a
# regression run computes it (as `lathe importance`) and shows it as
# horizontal gnuplot bars, the informative column at the top, the noise
# column last; on a clustering run the key is not offered and does
# nothing but say so.
set -u
. "$(dirname "$0")/lib/tui_common.sh"
require gnuplot

awk 'BEGIN { srand(5); print "strong,noise,y";
	for (i = 0; i < 200; i++) { s = rand() * 2 - 1; n = rand() * 2 - 1;
		printf "%.6f,%.6f,%.6f\n", s, n, 4 * s + 0.1 * (rand() - 0.5) } }' > "$T/syn.csv"
L init > /dev/null
L import -q "$T/syn.csv"
L train -q --data syn --target y --algo ridge > /dev/null
L train -q --data syn --algo kmeans --step "drop y" > /dev/null

tui_start
wait_for "syn"
keys 3
wait_for "2 runs"
# the runs screen lists the newest first: run 2 (kmeans), then run 1
keys j Enter
wait_for "run 1  finished"
expect_screen "i importance"
keys i
wait_for "run 1: permutation importance (40 held-out rows, 5 repeats)"
wait_for "mean decrease of r2"
# the bars: the informative column labelled above the noise column
rows=$(screen | grep -n -e ' strong ' -e ' noise ' | cut -d: -f1 | tr '\n' ' ')
case $rows in
[0-9]*\ [0-9]*) set -- $rows
	s=$(screen | grep -n ' strong ' | head -1 | cut -d: -f1)
	n=$(screen | grep -n ' noise ' | head -1 | cut -d: -f1)
	if [ "$s" -lt "$n" ]; then ok; else fail "strong (line $s) is not above noise (line $n)"; fi ;;
*) fail "no bar labels on screen: '$rows'"; screen | sed 's/^/    | /' ;;
esac
keys q
wait_for "run 1  finished"
keys q
wait_for "2 runs"
keys g Enter
wait_for "run 2  finished"
if screen | grep -qF "i importance"; then fail "importance offered for a clustering run"; else ok; fi
keys Q
wait_for "EXIT=0"
expect_terminal_restored
finish
