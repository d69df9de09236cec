#!/bin/sh
# Gradient boosting: lathe's gbdt against XGBoost 1.7 hist and scikit-learn
# 1.2.1 HistGradientBoostingClassifier on 800k x 20 numeric binary rows
# (bench/gbdt_peer.py gen), 100 iterations, 31 leaves, learning rate 0.1,
# 255 bins, no early stopping, 2 threads each (lathe: n_threads=2;
# XGBoost: n_jobs=2; scikit-learn: OMP_NUM_THREADS=2).  Reported: fit
# seconds (lathe: timings.fit of the run, best of REPS, default 3; each
# peer: best of PEER_REPS, default 3), held-out accuracy on 200k rows (target: within 0.002
# of the peers), and peak resident memory of the whole process (lathe: the
# training child, `lathe __run`, which holds the dataset, the design matrix
# and the model; peers: the Python process, which holds its arrays).
# Also CPU seconds: lathe's is the whole `lathe train` (load, recipe, fit,
# evaluation; more than the fit alone), the peers' the fit only; on a
# shared, overloaded machine wall time measures the scheduler as much as
# the code (OpenMP peers suffer most), so both are printed.
# Targets: under 1.0x XGBoost, under 0.5x scikit-learn.
set -eu
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
d="$BENCH_DATA/gbdt"
$py "$here/gbdt_peer.py" gen "$d"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
P="$work/b.lathe"
export LATHE_PROGRESS=never
"$LATHE" -p "$P" init > /dev/null
"$LATHE" -p "$P" import -q "$d/gbdt_train.csv"

best_fit="" best_id="" best_rss=""
r=0
while [ $r -lt "${REPS:-3}" ]; do
	# GNU time reports the largest resident set of the command and its
	# children: the training child dominates
	id=$(/usr/bin/time -f '%M %U %S' -o "$work/rss" "$LATHE" -p "$P" train -q --data gbdt_train \
	    --target label --algo gbdt --test-size 0 --set early_stopping=off --set n_threads=2)
	fit=$(sqlite3 "$P" "SELECT json_extract(timings, '\$.fit') FROM runs WHERE id = $id")
	if [ -z "$best_fit" ] || [ "$(echo "$fit < $best_fit" | bc -l)" = 1 ]; then
		best_fit=$fit best_id=$id best_rss=$(cut -d' ' -f1 "$work/rss")
		best_cpu=$(awk '{ print $2 + $3 }' "$work/rss")
	fi
	r=$((r + 1))
done
"$LATHE" -p "$P" predict "$best_id" "$d/gbdt_test.csv" -o "$work/pred.csv"
lacc=$($py "$here/gbdt_peer.py" score "$d/gbdt_test.csv" "$work/pred.csv")
lmb=$(echo "$best_rss / 1024" | bc -l)

field() {	# field JSON KEY -> number (flat objects only)
	printf '%s' "$1" | tr ',{}' '\n\n\n' | sed -n "s/.*\"$2\": *\\([-0-9.eE+]*\\).*/\\1/p" | head -1
}
bestpeer() {	# best of 3 fits of one peer -> its JSON line
	best="" bs=""
	for _ in $(seq "${PEER_REPS:-3}"); do
		j=$(OMP_NUM_THREADS=2 $py "$here/gbdt_peer.py" fit "$d" "$1")
		s=$(field "$j" seconds)
		if [ -z "$bs" ] || [ "$(echo "$s < $bs" | bc -l)" = 1 ]; then
			best=$j bs=$s
		fi
	done
	echo "$best"
}
for peer in xgboost sklearn; do
	j=$(bestpeer $peer)
	target=1.0
	[ $peer = sklearn ] && target=0.5
	awk -v n="$peer" -v l="$best_fit" -v p="$(field "$j" seconds)" -v la="$lacc" \
	    -v pa="$(field "$j" score)" -v lm="$lmb" -v pm="$(field "$j" peak_mb)" -v t=$target \
	    -v lc="$best_cpu" -v pc="$(field "$j" cpu_seconds)" 'BEGIN {
	    printf "gbdt vs %-8s lathe %.3f s, peer %.3f s, ratio %.2f (target < %s); " \
	        "CPU lathe %.1f s (the whole train), peer %.1f s (the fit), ratio %.2f; " \
	        "held-out accuracy lathe %.5f, peer %.5f (diff %+.5f); peak RSS lathe %.0f MB, " \
	        "peer %.0f MB\n", n, l, p, l / p, t, lc, pc, lc / pc, la, pa, la - pa, lm, pm }'
done
