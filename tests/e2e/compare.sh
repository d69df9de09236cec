#!/bin/sh
# lathe compare, through the real binary:
#   - two logistic runs on breast_cancer with the same held-out rows:
#     McNemar's counts and p recomputed here from the stored predictions
#     artifacts, the dataset's labels and exact binomial sums;
#   - two cross-validated runs on the same folds: the corrected resampled
#     t statistic recomputed from run_cv_folds (Nadeau & Bengio);
#   - two regressions on diabetes: the bootstrap's point difference
#     recomputed from the predictions, an interval around it, the same
#     answer twice (fixed seed);
#   - parameters that differ marked, deltas, the best marked, lineage;
#   - a new data version, another seed: "not comparable", no test;
#   - bad arguments, each one exact line; --json parsed by python.
# The p-values themselves are checked against independent references in
# tests/unit/test_stats.c.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
build=${LATHE_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib/checks.sh"
. "$(dirname "$0")/lib/require.sh"
require sqlite3
export LATHE_PLUGIN_PATH="$build/plugins"
export LATHE_PROGRESS=never
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
PY=/usr/bin/python3
J() { $PY -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

L init > /dev/null
L import -q "$top/datasets/breast_cancer.csv" --name bc
L import -q "$top/datasets/diabetes.csv" --name diabetes
# 1, 2: two logistic classifiers, same split
L train -q --data bc --target target --algo logistic --step 'standardize *' --seed 5 > /dev/null
L train -q --data bc --target target --algo logistic --set C=0.01 --step 'standardize *' \
    --seed 5 > /dev/null
# 3, 4: cross-validated, same folds
L train -q --data bc --target target --algo logistic --step 'standardize *' --seed 5 \
    --cv 5 --cv-repeats 2 > /dev/null
L train -q --data bc --target target --algo tree --set max_depth=3 --seed 5 \
    --cv 5 --cv-repeats 2 > /dev/null
# 5, 6: regressions
L train -q --data diabetes --target target --algo linear --seed 5 > /dev/null
L train -q --data diabetes --target target --algo tree --set max_depth=3 --seed 5 > /dev/null
# 7: a new version of bc (one row changed); 8: another seed
sed '2s/^[0-9.]*,/99.5,/' "$top/datasets/breast_cancer.csv" > "$tmp/bc2.csv"
L import -q "$tmp/bc2.csv" --name bc
L train -q --data bc@2 --target target --algo logistic --step 'standardize *' --seed 5 > /dev/null
L train -q --data bc@1 --target target --algo logistic --step 'standardize *' --seed 6 > /dev/null
check "eight runs" 8 "$(sqlite3 "$P" "SELECT count(*) FROM runs WHERE status = 'finished'")"

# ---- text: lineage, parameters, metrics, McNemar
out=$(L compare 1 2)
check "compare status" 0 $?
contains "header" "run 1               run 2" "$out"
contains "dataset row" "  dataset                      bc@1                bc@1" "$out"
contains "C differs, marked" "* C " "$out"
case "$out" in *"* tol "*) bad "tol marked as differing" ;; *) ok ;; esac
contains "metrics heading" "metrics (* best; delta against run 1)" "$out"
contains "direction shown" "log_loss (lower)" "$out"
contains "McNemar heading" "run 2 against run 1: McNemar exact test on 114 held-out rows" "$out"

# McNemar recomputed from the artifacts and the labels
ref=$($PY - "$P" "$top/datasets/breast_cancer.csv" <<'EOF2'
import csv, json, math, sqlite3, sys
from fractions import Fraction
db = sqlite3.connect(sys.argv[1])
truth = [r["target"] for r in csv.DictReader(open(sys.argv[2]))]
def preds(run):
    data = db.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='predictions'",
                      (run,)).fetchone()[0]
    lines = bytes(data).decode().splitlines()[1:]
    return [(int(l.split(",")[0]), l.split(",")[1]) for l in lines if l]
a, b = preds(1), preds(2)
assert [r for r, _ in a] == [r for r, _ in b]
ra = [p == truth[r] for r, p in a]
rb = [p == truth[r] for r, p in b]
nb = sum(x and not y for x, y in zip(ra, rb))
nc = sum(y and not x for x, y in zip(ra, rb))
n = nb + nc
p = 1.0 if n == 0 else float(min(Fraction(1), Fraction(2 * sum(math.comb(n, i) for i in range(min(nb, nc) + 1)), 2 ** n)))
print(len(a), nb, nc, repr(p))
EOF2
)
js=$(L compare 1 2 --json)
got=$(printf '%s' "$js" | J '" ".join(str(x) for x in [d["significance"][0]["rows"], d["significance"][0]["right_only_against"], d["significance"][0]["right_only_run"]])')
check "McNemar counts from the artifacts" "$(echo "$ref" | cut -d' ' -f1-3)" "$got"
pd=$(printf '%s' "$js" | J "abs(d['significance'][0]['p'] - $(echo "$ref" | cut -d' ' -f4)) < 1e-12")
check "McNemar p against exact sums" True "$pd"
check "McNemar test name" mcnemar "$(printf '%s' "$js" | J 'd["significance"][0]["test"]')"
check "params_differ" "['C']" "$(printf '%s' "$js" | J 'd["params_differ"]')"
check "best run named" True "$(printf '%s' "$js" | J '[m for m in d["metrics"] if m["name"] == "accuracy"][0]["best_run"] in (1, 2)')"
check "deltas against the first" True "$(printf '%s' "$js" | J 'all(abs(m["deltas"][1] - (m["values"][1] - m["values"][0])) < 1e-12 and m["deltas"][0] == 0 for m in d["metrics"])')"
check "comparable" "True None" "$(printf '%s' "$js" | J 'str(d["comparable"]) + " " + str(d["not_comparable"])')"

# ---- cross-validated runs: the corrected resampled t-test
out=$(L compare 3 4)
contains "t-test heading" "run 4 against run 3: corrected resampled t-test over 10 folds (n_test/n_train 0.25, df 9)" "$out"
js=$(L compare 3 4 --json)
tref=$($PY - "$P" <<'EOF2'
import math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def f(run):
    return {(r, k): (v, nt, nv) for r, k, v, nt, nv in db.execute(
        "SELECT rep, fold, value, n_train, n_valid FROM run_cv_folds WHERE run_id=? AND name='accuracy'", (run,))}
a, b = f(3), f(4)
d = [b[k][0] - a[k][0] for k in sorted(a)]
J = len(d)
ratio = sum(a[k][2] / a[k][1] for k in a) / J
m = sum(d) / J
s2 = sum((x - m) ** 2 for x in d) / (J - 1)
print(repr(m / math.sqrt((1 / J + ratio) * s2)))
EOF2
)
tt=$(printf '%s' "$js" | J "[s for s in d['significance'] if s['metric'] == 'accuracy'][0]")
check "t-test on accuracy" True "$(printf '%s' "$tt" | $PY -c "import ast,sys; s=ast.literal_eval(sys.stdin.read()); print(s['test'] == 'corrected_t' and s['folds'] == 10 and s['df'] == 9 and abs(s['t'] - ($tref)) < 1e-9 * abs($tref) and 0 < s['p'] < 1)")"

# ---- regressions: the paired bootstrap
out=$(L compare 5 6)
contains "bootstrap heading" "run 6 against run 5: paired bootstrap on 89 held-out rows (2000 resamples, 95% interval)" "$out"
check "bootstrap is deterministic" "$out" "$(L compare 5 6)"
js=$(L compare 5 6 --json)
bref=$($PY - "$P" "$top/datasets/diabetes.csv" <<'EOF2'
import csv, math, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
y = [float(r["target"]) for r in csv.DictReader(open(sys.argv[2]))]
def e(run):
    data = db.execute("SELECT data FROM run_artifacts WHERE run_id=? AND name='predictions'",
                      (run,)).fetchone()[0]
    rows = [l.split(",") for l in bytes(data).decode().splitlines()[1:] if l]
    return [float(p) - y[int(r)] for r, p in rows]
a, b = e(5), e(6)
rmse = lambda v: math.sqrt(sum(x * x for x in v) / len(v))
print(repr(rmse(b) - rmse(a)))
EOF2
)
check "bootstrap rmse difference and interval" True "$(printf '%s' "$js" | J "[s for s in d['significance'] if s['metric'] == 'rmse'][0]['difference'] - ($bref) < 1e-9 and all(s['test'] == 'bootstrap' and s['low'] < s['difference'] < s['high'] and s['resamples'] == 2000 for s in d['significance'])")"
check "bootstrap metrics" "rmse mae" "$(printf '%s' "$js" | J '" ".join(s["metric"] for s in d["significance"])')"

# ---- not comparable
out=$(L compare 1 7)
check "other data version status" 0 $?
contains "other data version" "not comparable: different data version (bc@1 in run 1, bc@2 in run 7)" "$out"
case "$out" in *significance*) bad "a test made on different rows" ;; *) ok ;; esac
contains "other seed" "not comparable: different split (seed 5 in run 1, 6 in run 8)" "$(L compare 1 8)"
contains "cv against holdout" "not comparable: different split (test 0.2 in run 1, cv 5x2 in run 3)" "$(L compare 1 3)"
js=$(L compare 1 7 --json)
check "json not comparable" "False [] different data version (bc@1 in run 1, bc@2 in run 7)" \
    "$(printf '%s' "$js" | J 'str(d["comparable"]) + " " + str(d["significance"]) + " " + d["not_comparable"]')"
check "three runs" "3" "$(L compare 1 2 8 --json | J 'len(d["runs"])')"

# ---- refusals: one line each, exact
err() { # WHAT STATUS MESSAGE ARGS...
	what=$1 st=$2 msg=$3
	shift 3
	L "$@" > "$tmp/o" 2> "$tmp/e"
	check "$what: status" "$st" $?
	check "$what: message" "$msg" "$(head -n 1 "$tmp/e")"
	check "$what: stdout empty" "" "$(cat "$tmp/o")"
}
err "one run" 2 "lathe compare: expected at least two runs, got one" compare 1
err "no runs" 2 "lathe compare: missing the runs" compare
err "unknown run" 1 "lathe: no run 99 (see 'lathe runs')" compare 1 99
err "run twice" 1 "lathe: run 1 is listed twice" compare 1 r1
err "bad id" 1 "lathe: bad run id 'x' (expected a number such as 17 or r17)" compare 1 x
check "unknown run: one line" 1 "$(L compare 1 99 2>&1 | wc -l)"
L compare --help > "$tmp/o"
check "--help status" 0 $?
check "--help usage" "usage: lathe compare RUN RUN... [--json]" "$(head -n 1 "$tmp/o")"
contains "lathe --help lists compare" "  compare " "$("$LATHE" --help)"

echo "compare: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
