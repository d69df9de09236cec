#!/bin/sh
# Random forest, 100 trees, on 200k x 20 numeric rows with a binary label:
# lathe's `forest` (defaults: sqrt(d) features per node, bootstrap, full depth)
# against RandomForestClassifier(n_estimators=100, n_jobs=2), both on 2 threads,
# in the same session (target: under 0.5x its fit time), with held-out
# accuracy on 50k rows and peak memory beside the times.
#   lathe: the fit as recorded by the run (timings.fit), best of REPS (1);
#          peak RSS of the whole `lathe train` (its run child included:
#          dataset load, design matrix, fit, evaluation), from GNU time.
#   scikit-learn: best of PEER_REPS (1) fits; peak RSS of the Python process
#          (the data as float64 loaded by pandas, then the fit), and the peak
#          before the first fit, so the fit's own share can be read off.
set -eu
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
d="$BENCH_DATA/train"
$py "$here/train_peer.py" gen "$d"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
P="$work/b.lathe"
export LATHE_PROGRESS=never
"$LATHE" -p "$P" init > /dev/null
"$LATHE" -p "$P" import -q "$d/forest_train.csv"

best_fit="" best_id="" best_rss=""
r=0
while [ $r -lt "${REPS:-1}" ]; do
	id=$(/usr/bin/time -f %M -o "$work/rss" "$LATHE" -p "$P" train -q --data forest_train \
	    --target label --algo forest --test-size 0)
	fit=$(sqlite3 "$P" "SELECT json_extract(timings, '\$.fit') FROM runs WHERE id = $id")
	rss=$(cat "$work/rss")
	if [ -z "$best_fit" ] || [ "$(echo "$fit < $best_fit" | bc -l)" = 1 ]; then
		best_fit=$fit best_id=$id
	fi
	if [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ]; then
		best_rss=$rss
	fi
	r=$((r + 1))
done
nodes=$(sqlite3 "$P" "SELECT json_extract(data, '\$.node_count') FROM run_artifacts WHERE \
    run_id = $best_id AND name = 'summary'")
"$LATHE" -p "$P" predict "$best_id" "$d/forest_test.csv" -o "$work/pred.csv"
lacc=$($py "$here/train_peer.py" score "$d/forest_test.csv" "$work/pred.csv" label accuracy)
peer=$($py "$here/train_peer.py" fit "$d" forest)
field() {	# field JSON KEY -> number (flat objects only)
	printf '%s' "$1" | tr ',{}' '\n\n\n' | sed -n "s/.*\"$2\": *\\([-0-9.eE+]*\\).*/\\1/p" | head -1
}
awk -v l="$best_fit" -v p="$(field "$peer" seconds)" -v la="$lacc" \
    -v pa="$(field "$peer" score)" -v lm="$best_rss" -v pm="$(field "$peer" peak_rss_mb)" \
    -v pm0="$(field "$peer" rss_before_fit_mb)" -v ln="$nodes" \
    -v pn="$(field "$peer" node_count)" 'BEGIN {
	printf "forest    lathe %.3f s, scikit-learn %.3f s, ratio %.2f (target < 0.5); " \
	    "held-out accuracy lathe %.5f, scikit-learn %.5f; nodes %d / %d; " \
	    "peak RSS lathe train %.0f MB, scikit-learn %.0f MB (%.0f MB before its fit)\n",
	    l, p, l / p, la, pa, ln, pn, lm / 1024, pm, pm0 }'
