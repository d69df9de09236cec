#!/bin/sh
# Serving a 100-tree gbdt: `lathe serve` answering 100-row MLflow
# dataframe_split requests for a gradient-boosted model (100 iterations,
# 31 leaves, binary, 20 numeric features; fitted on 100,000 rows of the
# gbdt benchmark's data, bench/gbdt_peer.py gen), driven by wrk with 16
# connections for $BENCH_SERVE_SECONDS (default 10) seconds after a
# 1-second warm-up, on 127.0.0.1 only, as bench_serve.sh does.
# Target (issue 12): 100-row batches above 1,000,000 rows/s on 2 cores.
# Peer, for scale: XGBoost 1.7 predicting the same kind of model
# (hist, lossguide, 31 leaves, 100 rounds, same rows) in process on
# 100-row batches (inplace_predict, nthread 2, no HTTP at all), measured
# in the same run; the ratio says what lathe's HTTP + JSON + model path
# delivers against the bare model call of the peer.
# The served answers are checked against `lathe predict` on the same rows.
set -eu
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
secs=${BENCH_SERVE_SECONDS:-10}
wt=${BENCH_SERVE_WRK_THREADS:-2}
conns=16
command -v wrk >/dev/null || { echo "bench_serve_gbdt: wrk is not installed"; exit 1; }
d="$BENCH_DATA/gbdt"
$py "$here/gbdt_peer.py" gen "$d"
work=$(mktemp -d)
pid=""
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
export LATHE_PROGRESS=never

head -100001 "$d/gbdt_train.csv" > "$work/train.csv"
head -101 "$d/gbdt_test.csv" > "$work/rows.csv"
$py - "$work/rows.csv" "$work/hundred.json" <<'PY'
import csv, json, sys
with open(sys.argv[1]) as f:
    r = list(csv.reader(f))
cols = r[0][:-1]
rows = [[float(v) for v in row[:-1]] for row in r[1:]]
with open(sys.argv[2], "w") as f:
    json.dump({"dataframe_split": {"columns": cols, "data": rows}}, f)
PY
P="$work/b.lathe"
"$LATHE" -p "$P" init >/dev/null
"$LATHE" -p "$P" import -q "$work/train.csv" --name gb >/dev/null
run=$("$LATHE" -p "$P" train -q --data gb --target label --algo gbdt --test-size 0 \
    --set early_stopping=off --set max_iter=100)
"$LATHE" -p "$P" model register "$run" --name gb >/dev/null
"$LATHE" -p "$P" serve -q --model gb@1 --port 0 >"$work/out" 2>"$work/err" &
pid=$!
url=""
i=0
while [ $i -lt 300 ] && [ -z "$url" ]; do
	url=$(sed -n 's/^listening on //p' "$work/out")
	sleep 0.1
	i=$((i + 1))
done
[ -n "$url" ] || { echo "bench_serve_gbdt: lathe serve did not start: $(cat "$work/err")"; exit 1; }

# the served probabilities are `lathe predict`'s
"$LATHE" -p "$P" predict "$run" "$work/rows.csv" -o "$work/pred.csv"
curl -s -H "Content-Type: application/json" --data-binary @"$work/hundred.json" \
    "$url/invocations" > "$work/served.json"
agree=$($py - "$work/pred.csv" "$work/served.json" <<'PY'
import csv, json, sys
with open(sys.argv[1]) as f:
    want = [row[0] for row in list(csv.reader(f))[1:]]
got = [str(v) for v in json.load(open(sys.argv[2]))["predictions"]]
print(sum(a == b for a, b in zip(want, got)), len(want))
PY
)

WRK_BODY="$work/hundred.json" wrk -t"$wt" -c"$conns" -d1s -s "$here/wrk_serve.lua" "$url/invocations" >/dev/null
set -- $(WRK_BODY="$work/hundred.json" wrk -t"$wt" -c"$conns" -d"${secs}s" -s "$here/wrk_serve.lua" \
    "$url/invocations" | sed -n 's/^RESULT .* rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) errors=\([0-9]*\) non2xx=\([0-9]*\)/\1 \2 \3 \4 \5/p')
rps=$1 p50=$2 p99=$3 errs=$(($4 + $5))

peer=$($py - "$work/train.csv" "$work/rows.csv" <<'PY'
import sys, time
import numpy as np, pandas as pd, xgboost as xgb
tr = pd.read_csv(sys.argv[1]); q = pd.read_csv(sys.argv[2])
X, y = tr.drop(columns=["label"]).to_numpy(), tr["label"].to_numpy()
b = xgb.train({"tree_method": "hist", "grow_policy": "lossguide", "max_leaves": 31,
               "max_depth": 0, "eta": 0.1, "objective": "binary:logistic", "nthread": 2},
              xgb.DMatrix(X, label=y), num_boost_round=100)
Q = q.drop(columns=["label"]).to_numpy()
for _ in range(200):
    b.inplace_predict(Q)
n, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < 3.0:
    b.inplace_predict(Q)
    n += 1
print(n * len(Q) / (time.perf_counter() - t0))
PY
)
awk -v r="$rps" -v p50="$p50" -v p99="$p99" -v e="$errs" -v peer="$peer" -v ag="$agree" 'BEGIN {
	split(ag, a, " ")
	printf "serve gbdt 100-row  lathe %.0f rows/s (%.0f req/s)  p50 %.3f ms  p99 %.3f ms | " \
	    "XGBoost in-process inplace_predict %.0f rows/s | ratio %.2f (target > 1000000 rows/s); " \
	    "served = predict on %d/%d rows%s\n", r * 100, r, p50, p99, peer, r * 100 / peer,
	    a[1], a[2], e ? sprintf("; errors %d", e) : "" }'
