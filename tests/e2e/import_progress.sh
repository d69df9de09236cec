#!/bin/sh
# The import progress bar: drawn on stderr when stderr is a terminal
# (percent, rows/s, ETA), absent when it is not, and never on stdout.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib/checks.sh"
unset LATHE_PROGRESS
# ~40 MB, slow enough (several redraws at 10 per second) even on a fast machine
awk 'BEGIN { print "a,b,c,d"; for (i = 0; i < 1500000; i++) printf "%d,%.6f,x%d,%d\n", i, i / 7, i % 50, i % 3 }' > "$tmp/big.csv"
"$LATHE" -p "$tmp/p.lathe" init > /dev/null

# not a terminal: nothing on stderr
"$LATHE" -p "$tmp/p.lathe" import "$tmp/big.csv" --name one > "$tmp/out" 2> "$tmp/err"
[ ! -s "$tmp/err" ] && ok || bad "stderr not empty without a terminal: $(head -c 200 "$tmp/err")"
grep -q "imported one@1" "$tmp/out" && ok || bad "summary missing"

# a terminal (script(1) gives the command a pty): the bar appears
script -qfec "$LATHE -p $tmp/p.lathe import $tmp/big.csv --name two --threads 1 > $tmp/out2" \
    /dev/null > "$tmp/tty" 2>&1
grep -q "reading" "$tmp/tty" && ok || bad "no progress bar on a terminal"
grep -q "rows/s" "$tmp/tty" && ok || bad "no rows/s"
grep -q "ETA" "$tmp/tty" && ok || bad "no ETA"
grep -q "%" "$tmp/tty" && ok || bad "no percent"
grep -q "rows/s" "$tmp/out2" && bad "progress leaked into stdout" || ok
grep -q "imported two@1" "$tmp/out2" && ok || bad "summary missing on a terminal"
echo "import_progress: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
