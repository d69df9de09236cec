#!/bin/sh
# Import benchmark: the brief's 1M x 23 CSV (bench/gen_csv.c, seed 42) read
# end to end by `lathe import` (parsed, typed, profiled, stored and
# committed to a fresh project) and by pandas.read_csv (parse only), each
# run REPS times in the same session; medians and their ratio are printed,
# with lathe's peak resident memory.  Target: ratio under 0.6.
set -eu
rows=${IMPORT_ROWS:-1000000}
reps=${REPS:-5}
csv="$BENCH_DATA/import_${rows}.csv"
[ -s "$csv" ] || "$GEN_CSV" "$rows" 42 > "$csv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$csv" > /dev/null		# both sides start from the page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

: > "$work/lathe.t"; : > "$work/pandas.t"; : > "$work/rss"
i=0
while [ $i -lt "$reps" ]; do
	rm -f "$work"/p.lathe*
	"$LATHE" -p "$work/p.lathe" init > /dev/null
	/usr/bin/time -f "%e %M" -o "$work/one" "$LATHE" -p "$work/p.lathe" import -q "$csv" --name bench
	awk '{print $1}' "$work/one" >> "$work/lathe.t"
	awk '{print $2}' "$work/one" >> "$work/rss"
	/usr/bin/python3 -c "
import time, pandas
t = time.perf_counter(); df = pandas.read_csv('$csv'); print(time.perf_counter() - t)" >> "$work/pandas.t"
	i=$((i + 1))
done
lt=$(median < "$work/lathe.t")
pt=$(median < "$work/pandas.t")
rss=$(sort -n "$work/rss" | tail -1)
bytes=$(wc -c < "$csv")
awk -v lt="$lt" -v pt="$pt" -v rss="$rss" -v b="$bytes" -v r="$rows" 'BEGIN {
	printf "import %d x 23 (%.0f MB): lathe %.3f s end to end (peak RSS %.0f MB), " \
	    "pandas.read_csv %.3f s; ratio %.2f (target < 0.60)\n", r, b / 1e6, lt, rss / 1024, pt, lt / pt }'
