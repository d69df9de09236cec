#!/bin/sh
# Feature recipe benchmark: impute (mean) + standardize + one-hot on the
# 1M x 23 import workload (20 numeric columns with 1% missing, two
# categorical columns of 5 and 50 levels), fitted and applied to all rows.
# lathe: a run's recorded recipe time (parse, fit on the training rows,
# transform, and the dense design matrix); scikit-learn: a ColumnTransformer
# of SimpleImputer + StandardScaler and OneHotEncoder (dense output)
# fit_transform on the DataFrame (read beforehand, not timed).  Same session;
# best of REPS each.  Target: ratio under 0.2.
set -eu
rows=${IMPORT_ROWS:-1000000}
reps=${REPS:-3}
csv="$BENCH_DATA/import_${rows}.csv"
[ -s "$csv" ] || "$GEN_CSV" "$rows" 42 > "$csv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
P="$work/r.lathe"
export LATHE_PROGRESS=never
"$LATHE" -p "$P" init > /dev/null
"$LATHE" -p "$P" import -q "$csv" --name wl
best=""
i=0
while [ $i -lt "$reps" ]; do
	id=$("$LATHE" -p "$P" train -q --data wl --target label --algo ridge --test-size 0 \
	    --step 'impute mean numeric' --step 'standardize numeric' --step 'onehot categorical')
	t=$(sqlite3 "$P" "SELECT json_extract(timings, '\$.recipe') FROM runs WHERE id = $id")
	best=$(echo "$t $best" | tr ' ' '\n' | sed '/^$/d' | sort -g | head -1)
	i=$((i + 1))
done
cols=$(sqlite3 "$P" "SELECT json_array_length(features) FROM runs WHERE id = $id")
peer=$(/usr/bin/python3 - "$csv" "$reps" <<'PY'
import sys, time
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
df = pd.read_csv(sys.argv[1]).drop(columns=["label"])
num = [c for c in df.columns if c.startswith("x")]
cat = ["color", "city"]
best = None
for _ in range(int(sys.argv[2])):
    ct = ColumnTransformer([
        ("num", Pipeline([("imp", SimpleImputer(strategy="mean")), ("sc", StandardScaler())]), num),
        ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat)])
    t = time.perf_counter()
    out = ct.fit_transform(df)
    dt = time.perf_counter() - t
    best = dt if best is None or dt < best else best
print(best, out.shape[1])
PY
)
set -- $peer
awk -v l="$best" -v p="$1" -v lc="$cols" -v pc="$2" 'BEGIN {
	printf "recipe   impute+standardize+onehot, 1M rows: lathe %.3f s (%d columns), " \
	    "scikit-learn %.3f s (%d columns); ratio %.2f (target < 0.20)\n", l, lc, p, pc, l / p }'
