#!/bin/sh
# Serving benchmark: `lathe serve` against gunicorn + Flask + scikit-learn
# (bench/flask_app.py) for the same model (mean imputation + multinomial
# logistic regression, fitted on the same 20,000 x 8 data), in one run, on
# 127.0.0.1 only.  For 1-row and 100-row MLflow dataframe_split requests,
# wrk drives each server with 16 connections for $BENCH_SERVE_SECONDS
# (default 10) seconds after a 1-second warm-up, and the script prints
# requests/s (and rows/s), p50 and p99 latency of both and their ratios.
# Targets (../shared/DESIGN.md): 1 row over 40,000 requests/s with p99
# under 2 ms and over 10x Flask; 100-row batches over 2,000,000 rows/s.
#
# Environment: LATHE, LATHE_PLUGIN_PATH, BENCH_DATA (bench/run.sh sets
# them); BENCH_SERVE_SECONDS, BENCH_SERVE_WRK_THREADS (default 2),
# BENCH_SERVE_WORKERS (gunicorn workers, default 2 x CPUs + 1, gunicorn's
# own advice).  Needs wrk, gunicorn, python3-flask, python3-sklearn.
set -eu
py=/usr/bin/python3
here=$(cd "$(dirname "$0")" && pwd)
secs=${BENCH_SERVE_SECONDS:-10}
wt=${BENCH_SERVE_WRK_THREADS:-2}
ncpu=$(nproc)
workers=${BENCH_SERVE_WORKERS:-$((2 * ncpu + 1))}
conns=16
for tool in wrk gunicorn curl; do
	command -v $tool >/dev/null || { echo "bench_serve: $tool is not installed"; exit 1; }
done
d="$BENCH_DATA/serve"
mkdir -p "$d"
work=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
export LATHE_PROGRESS=never

# data (seeded) and the two request bodies
$py - "$d/train.csv" "$work" <<'PY'
import json, os, sys
import numpy as np
csv, work = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
cols = [f"x{i + 1}" for i in range(8)]
if not os.path.exists(csv):
    n = 20000
    centres = rng.normal(scale=1.5, size=(3, 8))
    y = rng.integers(0, 3, size=n)
    X = centres[y] + rng.normal(size=(n, 8))
    with open(csv, "w") as f:
        f.write(",".join(cols + ["label"]) + "\n")
        for xi, yi in zip(X, y):
            f.write(",".join("%.6g" % v for v in xi) + ",%d\n" % yi)
Q = np.round(rng.normal(size=(100, 8)) * 2, 4).tolist()
for name, rows in (("one", Q[:1]), ("hundred", Q)):
    with open(os.path.join(work, name + ".json"), "w") as f:
        json.dump({"dataframe_split": {"columns": cols, "data": rows}}, f)
PY

# lathe: train, register, serve
P="$work/b.lathe"
"$LATHE" -p "$P" init >/dev/null
"$LATHE" -p "$P" import -q "$d/train.csv" --name serve_bench >/dev/null
run=$("$LATHE" -p "$P" train -q --data serve_bench --target label --algo logistic --test-size 0)
"$LATHE" -p "$P" model register "$run" --name serve_bench >/dev/null
"$LATHE" -p "$P" model alias serve_bench@1 production >/dev/null
"$LATHE" -p "$P" serve -q --model serve_bench@production --port 0 >"$work/lathe.out" \
    2>"$work/lathe.err" &
pids="$pids $!"

# gunicorn + Flask on a free port
fport=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BENCH_SERVE_CSV="$d/train.csv" gunicorn -w "$workers" -b "127.0.0.1:$fport" --chdir "$here" \
    --log-level warning flask_app:app >"$work/flask.log" 2>&1 &
pids="$pids $!"

lurl=""
i=0
while [ $i -lt 600 ]; do
	[ -n "$lurl" ] || lurl=$(sed -n 's/^listening on //p' "$work/lathe.out")
	if [ -n "$lurl" ] && curl -sf "http://127.0.0.1:$fport/ping" >/dev/null 2>&1; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
furl="http://127.0.0.1:$fport"
[ -n "$lurl" ] || { echo "bench_serve: lathe serve did not start: $(cat "$work/lathe.err")"; exit 1; }
curl -sf "$furl/ping" >/dev/null || { echo "bench_serve: flask did not start: $(cat "$work/flask.log")"; exit 1; }

# same model family: the labels must (nearly) agree on the 100-row body
lp=$(curl -s -H "Content-Type: application/json" --data-binary @"$work/hundred.json" "$lurl/invocations")
fp=$(curl -s -H "Content-Type: application/json" --data-binary @"$work/hundred.json" "$furl/invocations")
agree=$($py -c 'import json, sys; a = json.loads(sys.argv[1])["predictions"]; b = json.loads(sys.argv[2])["predictions"]; print(sum(x == y for x, y in zip(a, b)), len(a))' "$lp" "$fp")

# measure URL BODY -> "rps p50 p99 errors"
measure() {
	WRK_BODY="$work/$2.json" wrk -t"$wt" -c"$conns" -d1s -s "$here/wrk_serve.lua" "$1/invocations" >/dev/null
	WRK_BODY="$work/$2.json" wrk -t"$wt" -c"$conns" -d"${secs}s" -s "$here/wrk_serve.lua" \
	    "$1/invocations" | sed -n 's/^RESULT .* rps=\([0-9.]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) errors=\([0-9]*\) non2xx=\([0-9]*\)/\1 \2 \3 \4 \5/p'
}

echo "serve: wrk -t$wt -c$conns, ${secs} s per run, $ncpu CPUs; lathe serve (default threads) vs gunicorn -w $workers + Flask + scikit-learn; labels agree on $(echo "$agree" | awk '{ print $1 "/" $2 }') rows"
set -- $(measure "$lurl" one)
l1=$1 l1p50=$2 l1p99=$3 l1err=$(($4 + $5))
set -- $(measure "$furl" one)
f1=$1 f1p50=$2 f1p99=$3 f1err=$(($4 + $5))
set -- $(measure "$lurl" hundred)
l100=$1 l100p50=$2 l100p99=$3 l100err=$(($4 + $5))
set -- $(measure "$furl" hundred)
f100=$1 f100p50=$2 f100p99=$3 f100err=$(($4 + $5))

awk -v l="$l1" -v lp50="$l1p50" -v lp99="$l1p99" -v f="$f1" -v fp50="$f1p50" -v fp99="$f1p99" \
    -v le="$l1err" -v fe="$f1err" 'BEGIN {
	printf "serve 1-row    lathe %8.0f req/s  p50 %6.3f ms  p99 %6.3f ms | flask %7.0f req/s  p50 %7.3f ms  p99 %7.3f ms | throughput %.1fx, p99 %.1fx lower (target > 40000 req/s, p99 < 2 ms, > 10x)%s\n",
	    l, lp50, lp99, f, fp50, fp99, l / f, fp99 / lp99,
	    (le + fe) ? sprintf("; errors lathe %d flask %d", le, fe) : "" }'
awk -v l="$l100" -v lp50="$l100p50" -v lp99="$l100p99" -v f="$f100" -v fp50="$f100p50" \
    -v fp99="$f100p99" -v le="$l100err" -v fe="$f100err" 'BEGIN {
	printf "serve 100-row  lathe %8.0f rows/s (%.0f req/s)  p50 %6.3f ms  p99 %6.3f ms | flask %7.0f rows/s  p50 %7.3f ms  p99 %7.3f ms | throughput %.1fx (target > 2000000 rows/s)%s\n",
	    l * 100, l, lp50, lp99, f * 100, fp50, fp99, l / f,
	    (le + fe) ? sprintf("; errors lathe %d flask %d", le, fe) : "" }'
