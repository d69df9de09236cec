#!/bin/sh
# Workbench benchmark: how fast the TUI answers on big projects, measured
# inside the real `lathe` running in tmux (LATHE_TUI_TRACE makes it log
# the time from start to the first drawn screen, and from each key to the
# end of the redraw it caused, including writing to the terminal).
#
#   1. the runs table with 10,000 runs (TUI_RUNS): a project with two real
#      runs, then cloned in SQL with varied experiments, parameters,
#      metrics and statuses; first screen, then moving, sorting by a
#      metric, grouping and typing a filter, one key at a time.
#      Targets (DESIGN.md): first screen < 100 ms, each key < 16 ms.
#   2. the data grid on a 1,000,000-row dataset (TUI_ROWS; the import
#      benchmark's CSV): opening it, jumping to the last row, paging,
#      sorting a column, filtering.
#
# There is no peer for this one: the figures are lathe's own.
set -eu
runs=${TUI_RUNS:-10000}
rows=${TUI_ROWS:-1000000}
: "${LATHE:=build/lathe}"
: "${BENCH_DATA:=bench/data}"
: "${GEN_CSV:=}"
command -v tmux > /dev/null || { echo "bench_tui: tmux is not installed; skipped"; exit 0; }
work=$(mktemp -d)
export TMUX_TMPDIR="$work"
unset TMUX
sock="lathe-bench-$$-0"
socks=""
trap 'for s in $socks; do tmux -L "$s" kill-server 2> /dev/null || true; done; rm -rf "$work"' EXIT
export LATHE_PROGRESS=never
P="$work/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }

# ---- a project with $runs runs ------------------------------------------
L init > /dev/null
L import -q "$(dirname "$0")/../datasets/iris.csv"
L train --data iris --target target --algo logistic -q > /dev/null
L train --data iris --target target --algo logistic --set C=10 --experiment e0 -q > /dev/null
sqlite3 "$P" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO experiments(name, created) SELECT 'exp' || i, created FROM n, runs WHERE runs.id = 1;
WITH RECURSIVE n(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM n WHERE i < $runs)
INSERT INTO runs(id, experiment_id, parent_run, dataset_version_id, dataset_hash, target, task,
    algo, plugin_version, plugin_hash, plugin_path, params, recipe, recipe_name, recipe_version,
    split, seed, threads, env, status, error, created, started, finished, duration, classes,
    features, timings, log)
SELECT i, 1 + i % 21, NULL, dataset_version_id, dataset_hash, target, task, algo,
    plugin_version, plugin_hash, plugin_path,
    '{"C": ' || (i % 9 + 1) || ', "max_iter": ' || (100 + i % 5 * 50) || ', "tol": 0.0001, "fit_intercept": true}',
    recipe, recipe_name, recipe_version, split, i, threads, env,
    CASE WHEN i % 97 = 0 THEN 'failed' WHEN i % 89 = 0 THEN 'cancelled' ELSE 'finished' END,
    CASE WHEN i % 97 = 0 THEN 'training process crashed' END,
    created, started, finished, duration * (1 + i % 7), classes, features, timings, ''
FROM n, runs r WHERE r.id = 1;
INSERT INTO run_params(run_id, name, value)
SELECT r.id, p.name, CASE p.name WHEN 'C' THEN r.id % 9 + 1 WHEN 'max_iter' THEN 100 + r.id % 5 * 50
    ELSE p.value END
FROM runs r, run_params p WHERE p.run_id = 1 AND r.id > 2;
INSERT INTO run_metrics(run_id, name, split, value)
SELECT r.id, m.name, m.split, m.value * (0.9 + ((r.id * 7919 + length(m.name)) % 1000) / 10000.0)
FROM runs r, run_metrics m WHERE m.run_id = 1 AND r.id > 2 AND r.status = 'finished';
COMMIT;
SQL
nruns=$(sqlite3 "$P" 'SELECT count(*) FROM runs')
nmetrics=$(sqlite3 "$P" 'SELECT count(*) FROM run_metrics')

# ---- driving lathe ------------------------------------------------------
trace="$work/trace"
nstart=0
start() {
	tmux -L "$sock" kill-server 2> /dev/null || true
	nstart=$((nstart + 1))
	sock="lathe-bench-$$-$nstart"
	socks="$socks $sock"
	: > "$trace"
	tmux -L "$sock" -f /dev/null new-session -d -s b -x 160 -y 48 \
	    "env LANG=C.UTF-8 LATHE_TUI_TRACE='$trace' LATHE_PLUGIN_PATH='${LATHE_PLUGIN_PATH:-}' \
	    '$LATHE' -p '$1'; sleep 60"
	wait_lines 1
}
lines() { wc -l < "$trace"; }
# wait until the trace has $1 lines (at most 60 s)
wait_lines() {
	n=0
	while [ "$(lines)" -lt "$1" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
}
# press each key, waiting for its redraw to be traced
press() {
	for k in "$@"; do
		before=$(lines)
		tmux -L "$sock" send-keys -t b "$k"
		wait_lines $((before + 1))
	done
}
# type a string one character at a time
typed() {
	s=$1
	while [ -n "$s" ]; do
		c=$(printf '%s' "$s" | cut -c1)
		s=$(printf '%s' "$s" | cut -c2-)
		before=$(lines)
		tmux -L "$sock" send-keys -t b -l "$c"
		wait_lines $((before + 1))
	done
}
keytimes() { grep '^key ' "$trace" | awk '{print $(NF-1)}'; }
summary() {
	sort -n | awk '{ a[NR] = $1 } END {
	    if (NR == 0) { print "no keys"; exit }
	    p = int(NR * 0.9); if (p < 1) p = 1
	    printf "median %.2f ms, p90 %.2f ms, max %.2f ms over %d keys", a[int((NR + 1) / 2)],
	        a[p], a[NR], NR }'
}

start "$P"
first=$(sed -n 1p "$trace")
# the newest runs come first; the rest load as soon as the keyboard is quiet
wait_lines 2
idle=$(grep '^idle runs' "$trace" | awk '{print $3}')
tmux -L "$sock" capture-pane -p -t b | grep -q "$nruns runs" ||
    echo "bench_tui: the runs screen did not show $nruns runs"
press j j j k
press NPage NPage PPage G g
press l l l l l l l l l l
sort0=$(lines)
press s s S
sort1=$(lines)
press E E
press / 
filter0=$(lines)
typed "accuracy>0.95"
filter1=$(lines)
press Enter Escape
press j k
keytimes > "$work/runs_keys"
# the key times of trace lines FROM+1..TO
keys_between() { sed -n "$(($1 + 1)),$2p" "$trace" | grep '^key ' | awk '{print $(NF-1)}'; }
tmux -L "$sock" send-keys -t b q
ms=$(echo "$first" | awk '{print $2}')
exec_ms=$(echo "$first" | sed -n 's/.*(\([0-9.-]*\) ms since.*/\1/p')
echo "$ms" | awk -v n="$nruns" -v m="$nmetrics" -v e="$exec_ms" -v i="${idle:-?}" '{
    printf "TUI runs table, %d runs (%d metric rows): first screen %.1f ms after start-up " \
        "(%s ms since exec; target < 100 ms); all %d runs in the table %s ms later\n",
        n, m, $1, e, n, i }'
printf 'TUI runs table, %s runs: per key %s (target < 16 ms)\n' "$nruns" \
    "$(summary < "$work/runs_keys")"
# sorting and filtering alone (the table's own work at this size; the
# unit test of the table checks what they do, not how fast)
printf 'TUI runs table, %s runs: sorting (s s S) %s; filtering, per key typed %s (target < 16 ms)\n' \
    "$nruns" "$(keys_between "$sort0" "$sort1" | summary)" \
    "$(keys_between "$filter0" "$filter1" | summary)"
grep '^key ' "$trace" | sort -k3 -n -r | head -3 | awk '{ printf "%s%s %s ms", (NR > 1 ? ", " : \
    "  slowest keys: "), $2, $3 } END { print "" }'

# ---- the data grid over a million rows ----------------------------------
csv="$BENCH_DATA/import_${rows}.csv"
if [ ! -s "$csv" ]; then
	if [ -z "$GEN_CSV" ]; then
		GEN_CSV="$work/gen_csv"
		cc -O2 -o "$GEN_CSV" "$(dirname "$0")/gen_csv.c" -lm
	fi
	mkdir -p "$BENCH_DATA"
	"$GEN_CSV" "$rows" 42 > "$csv"
fi
G="$work/grid.lathe"
"$LATHE" -p "$G" init > /dev/null
"$LATHE" -p "$G" import -q "$csv" --name big
start "$G"
: > "$work/g"
grid_key() {	# grid_key LABEL KEY...: the time of the last key's redraw
	label=$1
	shift
	press "$@"
	printf '%s %s\n' "$label" "$(tail -1 "$trace" | awk '{print $(NF-1)}')" >> "$work/g"
}
grid_key open Enter
grid_key "next row" j
grid_key "page down" NPage
grid_key "last row" G
grid_key "first row" g
grid_key "next column" l
grid_key "column panel (histogram)" c
grid_key "sort by the column" s
grid_key "sorted: last row" G
press /
typed "x1 > 1 && color == 'red'"
grid_key "filter (expression)" Enter
grid_key "clear the filter" Escape
tmux -L "$sock" send-keys -t b q q
awk -v r="$rows" 'BEGIN { printf "TUI data grid, %d rows:", r }
    { v = $NF; l = $0; sub(/ [^ ]*$/, "", l); printf "%s %s %.1f ms", (NR > 1 ? "," : ""), l, v }
    END { print "" }' "$work/g"
