#!/bin/sh
# runs_list.sh — `lathe runs`: --sort puts the best run first in the
# metric's own direction (lower first for rmse, mae, log_loss, inertia;
# higher first for r2, accuracy, silhouette), +METRIC / -METRIC force
# high-first / low-first, runs without the metric come last; --limit;
# and filters that match nothing say so truthfully.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
. "$(dirname "$0")/lib/checks.sh"
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }

L init > /dev/null
check "empty project" "no runs yet (start one with 'lathe train')" "$(L runs)"
check "empty project, filtered" "no runs yet (start one with 'lathe train')" "$(L runs --status failed)"
for f in diabetes iris; do L import -q "$top/datasets/$f.csv"; done
# regression runs whose rmse is not in id order, classification, clustering
for a in 0.01 100 1 10000; do
	L train -q --data diabetes --target target --algo ridge --set alpha=$a --experiment reg > /dev/null
done
for c in 0.001 10 0.1; do
	L train -q --data iris --target target --algo logistic --set C=$c --experiment cls > /dev/null
done
for k in 2 5 3; do
	L train -q --data iris --algo kmeans --set n_clusters=$k --experiment clu > /dev/null
done

# ids: the run ids of `lathe runs ARGS --json`, in order, on one line
ids() { L runs "$@" --json | grep -o '"id": [0-9]*' | sed 's/"id": //' | tr '\n' ' ' | sed 's/ $//'; }
# by METRIC ASC|DESC: the oracle, from the SQL tables (test split when
# there is one), then runs without the metric, newest first
by() {
	sqlite3 "$P" "SELECT r.id FROM runs r LEFT JOIN run_metrics m ON m.run_id = r.id
	    AND m.name = '$1' AND m.split = (CASE WHEN EXISTS (SELECT 1 FROM run_metrics
	    WHERE run_id = r.id AND split = 'test') THEN 'test' ELSE 'train' END)
	    ORDER BY m.value IS NULL, m.value $2, r.id DESC" | tr '\n' ' ' | sed 's/ $//'
}
for m in rmse mae log_loss inertia mape; do
	check "--sort $m: lowest first" "$(by $m ASC)" "$(ids --sort $m)"
	check "--sort -$m: lowest first" "$(by $m ASC)" "$(ids --sort -$m)"
	check "--sort +$m: highest first" "$(by $m DESC)" "$(ids --sort +$m)"
done
for m in r2 accuracy log_loss silhouette f1_macro; do
	check "--sort=+$m" "$(by $m DESC)" "$(ids --sort=+$m)"
done
for m in r2 accuracy silhouette roc_auc; do
	check "--sort $m: highest first" "$(by $m DESC)" "$(ids --sort $m)"
	check "--sort -$m: lowest first" "$(by $m ASC)" "$(ids --sort -$m)"
done
# the orders really differ from id order (the test could not pass by accident)
[ "$(by rmse ASC)" != "$(ids --experiment reg)" ] && ok || bad "rmse order is id order"
check "best ridge first" "1" "$(ids --sort rmse --limit 1)"
check "worst ridge first" "4" "$(ids --sort +rmse --limit 1)"
# the table agrees with --json, and shows the sorted metric first
out=$(L runs --sort rmse --experiment reg | awk 'NR > 1 { print $1 }' | tr '\n' ' ' | sed 's/ $//')
check "text table order" "$(ids --sort rmse --experiment reg)" "$out"
check "text table order, ascending ids differ" "1 3 2 4" "$out"
# (after ON, which says what the metrics were measured on)
check "sorted column first" "mae" "$(L runs --sort mae --experiment reg | head -n 1 | awk '{ print $8 }')"

check "--limit" "10 9" "$(ids --limit 2)"

# filters that match nothing
check "no failed runs" "no failed runs (10 runs in all)" "$(L runs --status failed)"
check "no cancelled runs in reg" "no cancelled runs in experiment 'reg' (10 runs in all)" \
    "$(L runs --status cancelled --experiment reg)"
check "json stays a list" '{"runs": []}' "$(L runs --status failed --json)"
L train -q --data iris --algo kmeans --set n_clusters=200 --experiment lonely > /dev/null 2>&1
check "failed run recorded" "failed" "$(sqlite3 "$P" 'SELECT status FROM runs WHERE id = 11')"
check "no finished runs in an experiment" "no finished runs in experiment 'lonely' (11 runs in all)" \
    "$(L runs --status finished --experiment lonely)"

echo "runs_list: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
