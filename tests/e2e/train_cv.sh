#!/bin/sh
# Cross-validation as one run (train --cv K), through the real binary:
#   - one run recorded, its folds' metrics and their mean/std stored and
#     shown by train, runs, show, --json; the refit model predicts,
#     registers and re-runs identically;
#   - the scores equal scikit-learn's cross_val_score on the same folds
#     (tests/fixtures/cv.json, made by tests/fixtures/gen_cv.py), and the
#     same seed still gives the same folds;
#   - stratified folds, grouped folds (no group in two folds), repeats
#     (different shuffles), CV on the training part of a test split with
#     the test rows scored once;
#   - runs scored on their training rows marked and left out of --sort;
#   - Ctrl-C and kill -9 leave the one run cancelled/failed, none running;
#   - the refusals, each one exact line.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
build=${LATHE_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib/checks.sh"
. "$(dirname "$0")/lib/require.sh"
require sqlite3
mkdir -p "$tmp/plug"
cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -Wall -Werror -I"$top/plugins" \
    -o "$tmp/plug/sleepy.so" "$top/tests/plugins/sleepy.c" || bad "building sleepy.so"
export LATHE_PLUGIN_PATH="$tmp/plug:$build/plugins"
export LATHE_PROGRESS=never
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
q() { sqlite3 -cmd ".timeout 5000" "$P" "$1"; }
nruns() { q 'SELECT count(*) FROM runs'; }
# one JSON field: python3 reads what jq would (jq is not a dependency)
J() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
PY=/usr/bin/python3

L init > /dev/null
L import -q "$top/datasets/iris.csv" --name iris
L import -q "$top/datasets/diabetes.csv" --name diabetes
# groups: 60 rows, 12 patients of 5 rows; y depends on x; one patient id missing in g2
$PY - "$tmp" <<'EOF'
import sys, random
r = random.Random(5)
with open(sys.argv[1] + "/grp.csv", "w") as f, open(sys.argv[1] + "/grp2.csv", "w") as g:
    f.write("patient,x,y\n"); g.write("patient,x,y\n")
    for i in range(60):
        x = r.random()
        f.write("p%02d,%.6f,%.6f\n" % (i // 5, x, 2 * x + r.random() / 10))
        g.write("%s,%.6f,%.6f\n" % ("" if i == 17 else "p%02d" % (i // 5), x, 2 * x))
EOF
L import -q "$tmp/grp.csv" --name grp
L import -q "$tmp/grp2.csv" --name grp2
printf 'a,y\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n10,10\n' > "$tmp/ten.csv"
L import -q "$tmp/ten.csv" --name ten

# --- 1. one run, its folds and aggregate stored ------------------------------
before=$(nruns)
out=$(L train --data iris --target target --algo logistic --cv 5 --seed 3 2> "$tmp/err")
check "cv: exit status" 0 $?
check "cv: one run id printed" "$((before + 1))" "$out"
check "cv: one run recorded" "$((before + 1))" "$(nruns)"
r1=$out
contains "cv: the line train prints" "run $r1 finished in " "$(cat "$tmp/err")"
contains "cv: the line says cross-validation" ": 5-fold cross-validation: accuracy 0.9" "$(cat "$tmp/err")"
contains "cv: mean ± std" " ± " "$(cat "$tmp/err")"
check "cv: 5 folds x metrics stored" 5 "$(q "SELECT count(DISTINCT fold) FROM run_cv_folds WHERE run_id = $r1 AND rep = 0")"
check "cv: fold sizes" "30 120" "$(q "SELECT DISTINCT n_valid || ' ' || n_train FROM run_cv_folds WHERE run_id = $r1")"
check "cv: aggregate over 5 folds" 5 "$(q "SELECT n FROM run_cv_metrics WHERE run_id = $r1 AND name = 'accuracy'")"
check "cv: mean is the folds' mean" 1 \
    "$(q "SELECT abs((SELECT mean FROM run_cv_metrics WHERE run_id = $r1 AND name = 'accuracy') - (SELECT avg(value) FROM run_cv_folds WHERE run_id = $r1 AND name = 'accuracy')) < 1e-15")"
check "cv: no test metrics (nothing held out)" 0 "$(q "SELECT count(*) FROM run_metrics WHERE run_id = $r1 AND split = 'test'")"
check "cv: the refit's training metrics" 1 "$(q "SELECT count(*) > 0 FROM run_metrics WHERE run_id = $r1 AND split = 'train'")"
check "cv: one model, the refit" 1 "$(q "SELECT count(*) FROM run_artifacts WHERE run_id = $r1 AND name = 'model'")"
js=$(L show "$r1" --json)
check "show --json: metrics_on" cv "$(printf "%s\n" "$js" | J 'd["metrics_on"]')"
check "show --json: metrics are the cv means" True "$(printf "%s\n" "$js" | J 'd["metrics"]["accuracy"] == d["cv"]["metrics"]["accuracy"]["mean"]')"
check "show --json: std" True "$(printf "%s\n" "$js" | J 'd["cv"]["metrics"]["accuracy"]["std"] > 0')"
check "show --json: 5 folds listed" 5 "$(printf "%s\n" "$js" | J 'len(d["cv"]["fold_metrics"])')"
check "show --json: fold sizes" "30 120" "$(printf "%s\n" "$js" | J 'str(d["cv"]["fold_metrics"][2]["n_valid"]) + " " + str(d["cv"]["fold_metrics"][2]["n_train"])')"
check "show --json: test_metrics null" None "$(printf "%s\n" "$js" | J 'd["test_metrics"]')"
check "show --json: split" "cv 5 1 None 0" "$(printf "%s\n" "$js" | J '" ".join(str(x) for x in ["cv", d["split"]["folds"], d["split"]["repeats"], d["split"]["group"], d["split"]["test_size"]])')"
st=$(L show "$r1")
contains "show: cross-validation line" "cross-validation  5 folds, stratified, of the 150 rows; the run's model is refit on all of them" "$st"
contains "show: header" "cv mean ± std" "$st"
contains "show: fold table" "folds   train / valid" "$st"
contains "show: fold 1.5" "  1.5     120 / 30" "$st"
jr=$(L runs --json)
check "runs --json: metrics_on" cv "$(printf "%s\n" "$jr" | J "[r for r in d['runs'] if r['id'] == $r1][0]['metrics_on']")"
check "runs --json: metrics_std" True "$(printf "%s\n" "$jr" | J "[r for r in d['runs'] if r['id'] == $r1][0]['metrics_std']['accuracy'] > 0")"
contains "runs: ON column and mean ± std" "cv 5" "$(L runs)"
contains "runs: mean ± std" "$(q "SELECT printf('%.4f ± %.4f', mean, std) FROM run_cv_metrics WHERE run_id = $r1 AND name = 'accuracy'")" "$(L runs)"
# train --json
jt=$(L train -q --data iris --target target --algo logistic --cv 5 --seed 3 --json)
check "train --json: metrics_on" cv "$(printf "%s\n" "$jt" | J 'd["metrics_on"]')"
check "train --json: the same means as run $r1" \
    "$(printf "%s\n" "$js" | J 'repr(d["metrics"]["accuracy"])')" "$(printf "%s\n" "$jt" | J 'repr(d["metrics"]["accuracy"])')"
check "train --json: cv std" "$(printf "%s\n" "$js" | J 'repr(d["cv"]["metrics"]["f1_macro"]["std"])')" \
    "$(printf "%s\n" "$jt" | J 'repr(d["cv"]["f1_macro"]["std"])')"
check "train --json: test_metrics null" None "$(printf "%s\n" "$jt" | J 'd["test_metrics"]')"

# the run stays a normal run: predict, register, re-run and verify
L predict "$r1" "$top/datasets/iris.csv" -o "$tmp/pred.csv" 2> /dev/null
check "predict with the refit model" 0 $?
check "predict: every row" 151 "$(wc -l < "$tmp/pred.csv" | tr -d ' ')"
L model register "$r1" --name cvmodel > /dev/null 2>&1
check "register a cv run" 0 $?
L rerun "$r1" --verify > /dev/null 2> "$tmp/err"
check "rerun --verify: identical (folds and refit)" 0 $?
contains "rerun --verify says so" "reproduces run $r1 exactly" "$(cat "$tmp/err")"
rr=$(q "SELECT max(id) FROM runs")
check "re-run keeps the cv split" "$(q "SELECT split FROM runs WHERE id = $r1")" "$(q "SELECT split FROM runs WHERE id = $rr")"

# --- 2. scikit-learn's cross_val_score on the same folds ---------------------
fx="$top/tests/fixtures/cv.json"
for i in 0 1; do
	name=$($PY -c "import json; print(json.load(open('$fx'))['cases'][$i]['name'])")
	args=$($PY -c "import json,shlex; c=json.load(open('$fx'))['cases'][$i]; print(' '.join(shlex.quote(a) for a in c['args'] + ['--cv', str(c['folds']), '--cv-repeats', str(c['repeats']), '--seed', str(c['seed'])]))")
	id=$(eval "L train -q --data $name --target target $args")
	check "sklearn $name: trained" finished "$(q "SELECT status FROM runs WHERE id = $id")"
	L show "$id" --folds > "$tmp/folds.csv"
	$PY -c "import json,sys; sys.stdout.write(json.load(open('$fx'))['cases'][$i]['assignment'])" > "$tmp/want.csv"
	cmp -s "$tmp/want.csv" "$tmp/folds.csv" && ok || bad "sklearn $name: the same seed no longer gives the fixture's folds"
	L show "$id" --json > "$tmp/show.json"
	res=$($PY - "$fx" "$i" "$tmp/show.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["cases"][int(sys.argv[2])]
d = json.load(open(sys.argv[3]))
m = c["metric"]
got = [f["metrics"][m] for f in d["cv"]["fold_metrics"]]
tol = 0.0 if m == "accuracy" else 1e-9   # tests/fixtures/gen_cv.py states why
bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, c["scores"])) if abs(g - w) > tol]
agg = d["cv"]["metrics"][m]
if len(got) != len(c["scores"]):
    print("folds: %d vs %d" % (len(got), len(c["scores"])))
elif bad:
    print("fold scores differ: %r" % bad)
elif abs(agg["mean"] - c["mean"]) > tol + 1e-15 or abs(agg["std"] - c["std"]) > tol + 1e-15:
    print("mean/std differ: %r vs %r/%r" % (agg, c["mean"], c["std"]))
else:
    print("ok")
EOF
)
	check "sklearn $name: scores, mean and std as cross_val_score" ok "$res"
done

# --- 3. stratified, repeated, seeded -----------------------------------------
L show "$r1" --folds > "$tmp/f1.csv"
res=$($PY - "$tmp/f1.csv" "$top/datasets/iris.csv" <<'EOF'
import csv, sys
lab = [r["target"] for r in csv.DictReader(open(sys.argv[2]))]
cnt = {}
for r in list(csv.reader(open(sys.argv[1])))[1:]:
    k = (int(r[1]), lab[int(r[0])])
    cnt[k] = cnt.get(k, 0) + 1
print(sorted(set(cnt.values())), len(cnt))
EOF
)
check "stratified: every fold 10 of each of the 3 classes" "[10] 15" "$res"
ra=$(L train -q --data iris --target target --algo logistic --cv 4 --cv-repeats 3 --seed 9)
rb=$(L train -q --data iris --target target --algo logistic --cv 4 --cv-repeats 3 --seed 9)
rc=$(L train -q --data iris --target target --algo logistic --cv 4 --cv-repeats 3 --seed 10)
check "repeats: 12 folds stored" 12 "$(q "SELECT count(DISTINCT rep * 100 + fold) FROM run_cv_folds WHERE run_id = $ra")"
check "repeats: aggregate over 12" 12 "$(q "SELECT n FROM run_cv_metrics WHERE run_id = $ra AND name = 'accuracy'")"
L show "$ra" --folds > "$tmp/a.csv"
L show "$rb" --folds > "$tmp/b.csv"
L show "$rc" --folds > "$tmp/c.csv"
check "repeats: header" "row,fold_1,fold_2,fold_3" "$(head -1 "$tmp/a.csv")"
cmp -s "$tmp/a.csv" "$tmp/b.csv" && ok || bad "same seed: different folds"
cmp -s "$tmp/a.csv" "$tmp/c.csv" && bad "another seed: the same folds" || ok
check "repeats differ from each other" 1 "$(awk -F, 'NR > 1 && $2 != $3 { a++ } NR > 1 && $3 != $4 { b++ } END { print (a > 50 && b > 50) }' "$tmp/a.csv")"
check "same seed: the same scores" "$(q "SELECT group_concat(value) FROM run_cv_folds WHERE run_id = $ra")" \
    "$(q "SELECT group_concat(value) FROM run_cv_folds WHERE run_id = $rb")"
contains "runs: repeated shown as cv 4x3" "cv 4x3" "$(L runs)"
contains "train line: x repeats" "4-fold cross-validation x 3: " \
    "$(L train --data iris --target target --algo logistic --cv 4 --cv-repeats 3 --seed 9 2>&1 > /dev/null)"

# --- 4. grouped --------------------------------------------------------------
g=$(L train -q --data grp --target y --algo linear --step 'drop patient' --cv 4 --cv-repeats 2 --group patient --seed 1)
check "group: finished" finished "$(q "SELECT status FROM runs WHERE id = $g")"
L show "$g" --folds > "$tmp/g.csv"
res=$($PY - "$tmp/g.csv" "$tmp/grp.csv" <<'EOF'
import csv, sys
pat = [r["patient"] for r in csv.DictReader(open(sys.argv[2]))]
rows = list(csv.reader(open(sys.argv[1])))[1:]
split = 0
for rep in (1, 2):
    where = {}
    for r in rows:
        where.setdefault(pat[int(r[0])], set()).add(r[rep])
    split += sum(len(v) > 1 for v in where.values())
print(split, len(rows), len(set(r[1] for r in rows)))
EOF
)
check "group: no patient in two folds, every row, 4 folds" "0 60 4" "$res"
check "group: recorded, not stratified" "patient False" "$(L show "$g" --json | J 'str(d["split"]["group"]) + " " + str(d["split"]["stratified"])')"
contains "show: grouped" "4 folds x 2 repeats, grouped by patient" "$(L show "$g")"

# --- 5. CV on the training part, the test rows scored once -------------------
t=$(L train -q --data iris --target target --algo logistic --cv 5 --test-size 0.2 --seed 4)
check "cv+test: 120 training rows cross-validated" 121 "$(L show "$t" --folds | wc -l | tr -d ' ')"
check "cv+test: folds of 24" 24 "$(q "SELECT DISTINCT n_valid FROM run_cv_folds WHERE run_id = $t")"
check "cv+test: test metrics of the refit" 1 "$(q "SELECT count(*) > 0 FROM run_metrics WHERE run_id = $t AND split = 'test'")"
# the test rows (the predictions artifact's rows) never in a fold
q "SELECT CAST(data AS TEXT) FROM run_artifacts WHERE run_id = $t AND name = 'predictions'" > "$tmp/tp.csv"
L show "$t" --folds | tail -n +2 | cut -d, -f1 > "$tmp/cvrows"
tail -n +2 "$tmp/tp.csv" | grep . | cut -d, -f1 > "$tmp/terows"
check "cv+test: 30 test rows" 30 "$(wc -l < "$tmp/terows" | tr -d ' ')"
check "cv+test: no test row in a fold" "" "$(sort "$tmp/cvrows" "$tmp/terows" | uniq -d)"
check "cv+test: together every row" 150 "$(sort -u "$tmp/cvrows" "$tmp/terows" | wc -l | tr -d ' ')"
jt=$(L show "$t" --json)
check "cv+test: json metrics are cv, test apart" "cv True" "$(printf "%s\n" "$jt" | J 'd["metrics_on"] + " " + str(d["test_metrics"]["accuracy"] > 0.8)')"
st=$(L show "$t")
contains "cv+test: show labels both" "cv mean ± std        test (refit)   train (refit)" "$st"
contains "cv+test: show says the test rows are held out" "of the 120 training rows (the test rows are held out)" "$st"
contains "cv+test: train line labels the test score" "; held-out test (refit model): accuracy " \
    "$(L train --data iris --target target --algo logistic --cv 5 --test-size 0.2 --seed 4 2>&1 > /dev/null)"

# --- 6. metrics on the training rows: marked, out of leaderboards ------------
z=$(L train --data iris --target target --algo logistic --test-size 0 2> "$tmp/err")
contains "train rows: the line says so" "(on the training rows: nothing held out)" "$(cat "$tmp/err")"
check "train rows: show --json" train "$(L show "$z" --json | J 'd["metrics_on"]')"
check "train rows: runs --json" train "$(L runs --json | J "[r for r in d['runs'] if r['id'] == $z][0]['metrics_on']")"
contains "train rows: show marks it" "[!] measured on the training rows (nothing held out)" "$(L show "$z")"
L runs | grep -E "^ *$z " | grep -q 'train!' && ok || bad "runs: no train! marker on run $z"
L runs --sort accuracy > "$tmp/lb" 2> "$tmp/lberr"
grep -qE "^ *$z " "$tmp/lb" && bad "--sort lists run $z, scored on its training rows" || ok
check "--sort: the note" "(1 run scored on its training rows left out: --include-train-metrics lists it)" "$(cat "$tmp/lberr")"
L runs --sort accuracy --include-train-metrics 2> "$tmp/lberr" | grep -qE "^ *$z " && ok || bad "--include-train-metrics does not list run $z"
check "--include-train-metrics: no note" "" "$(cat "$tmp/lberr")"
check "--sort --json leaves it out too" 0 "$(L runs --sort accuracy --json | J "len([r for r in d['runs'] if r['id'] == $z])")"
# clustering is always scored on the rows it was fitted to: marked "train"
# (no "!"), and ranked
km=$(L train -q --data iris --algo kmeans --step 'drop target')
L runs | grep -E "^ *$km " | grep -E ' train ' | grep -vq 'train!' && ok || bad "runs: kmeans run $km not marked plain train"
L runs --sort inertia 2> "$tmp/lberr" | grep -qE "^ *$km " && ok || bad "--sort inertia left out the clustering run"
check "--sort inertia: no note" "" "$(cat "$tmp/lberr")"
err=$(L runs --include-train-metrics 2>&1); rc=$?
check "--include-train-metrics alone: exit" 2 $rc
check "--include-train-metrics alone: message" "lathe runs: --include-train-metrics goes with --sort (without it every run is listed)" "$(echo "$err" | head -1)"

# --- 7. cancelled and killed: the one run says so, nothing running ----------
# Ctrl-C of `lathe train --cv` while a fold trains
LATHE_TEST_SLEEP_MS=60000 "$LATHE" -p "$P" train --data diabetes --target target --algo sleepy --cv 3 > /dev/null 2> "$tmp/c.err" &
bg=$!
i=0; while [ "$(q "SELECT count(*) FROM runs WHERE status = 'running'")" != 1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
c=$(q "SELECT max(id) FROM runs")
kill -INT $bg
wait $bg
check "Ctrl-C: exit 1" 1 $?
check "Ctrl-C: the cv run cancelled" cancelled "$(q "SELECT status FROM runs WHERE id = $c")"
contains "Ctrl-C: one line" "lathe: run $c cancelled: cancelled by the user" "$(cat "$tmp/c.err")"
check "Ctrl-C: no fold results kept" 0 "$(q "SELECT count(*) FROM run_cv_folds WHERE run_id = $c")"
# kill -9 of the training child in the middle of the folds
LATHE_TEST_SLEEP_MS=60000 "$LATHE" -p "$P" train --data diabetes --target target --algo sleepy --cv 3 > /dev/null 2> "$tmp/k.err" &
bg=$!
i=0; while [ "$(q "SELECT count(*) FROM runs WHERE status = 'running'")" != 1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
k=$(q "SELECT max(id) FROM runs")
kill -9 "$(q "SELECT pid FROM runs WHERE id = $k")"
wait $bg
check "kill -9 child: exit 1" 1 $?
check "kill -9 child: the cv run failed" failed "$(q "SELECT status FROM runs WHERE id = $k")"
contains "kill -9 child: why" "signal 9" "$(q "SELECT error FROM runs WHERE id = $k")"
# kill -9 of both processes: the next listing settles it
LATHE_TEST_SLEEP_MS=60000 "$LATHE" -p "$P" train --data diabetes --target target --algo sleepy --cv 3 > /dev/null 2>&1 &
bg=$!
i=0; while [ "$(q "SELECT count(*) FROM runs WHERE status = 'running'")" != 1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
b=$(q "SELECT max(id) FROM runs")
kill -STOP $bg
kill -9 "$(q "SELECT pid FROM runs WHERE id = $b")"
kill -9 $bg
wait $bg 2>/dev/null
L runs > /dev/null
check "kill -9 both: failed at the next listing" failed "$(q "SELECT status FROM runs WHERE id = $b")"
check "nothing left queued or running" 0 "$(q "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')")"
check "integrity" ok "$(q "PRAGMA integrity_check")"

# --- 8. refusals: one line each, nothing recorded ----------------------------
# refuses NAME EXIT MESSAGE ARGS...
refuses() {
	name=$1 want_rc=$2 want=$3
	shift 3
	before=$(nruns)
	L "$@" > /dev/null 2> "$tmp/err"
	rc=$?
	check "$name: exit" "$want_rc" $rc
	check "$name: message" "$want" "$(head -1 "$tmp/err")"
	check "$name: nothing recorded" "$before" "$(nruns)"
}
refuses "K < 2" 2 "lathe train: option '--cv' needs an integer from 2 to 100, got '1'" \
    train --data iris --target target --algo logistic --cv 1
refuses "K > rows" 1 "lathe: cannot make 11 folds of 10 rows" \
    train --data ten --target y --algo linear --cv 11
refuses "K > training rows" 1 "lathe: cannot make 9 folds of 8 training rows" \
    train --data ten --target y --algo linear --cv 9 --test-size 0.2
refuses "--group: missing column" 1 "lathe: --group: no column 'nope' in grp@1" \
    train --data grp --target y --algo linear --cv 3 --group nope
refuses "--group: the target" 1 "lathe: --group: 'y' is the target" \
    train --data grp --target y --algo linear --cv 3 --group y
refuses "--group: a missing value" 1 "lathe: --group: column 'patient' has 1 missing value (first in row 18); every row needs a group" \
    train --data grp2 --target y --algo linear --step 'drop patient' --cv 3 --group patient
refuses "--group: too few groups" 1 "lathe: --group: column 'patient' has 12 distinct values: cannot make 20 folds" \
    train --data grp --target y --algo linear --step 'drop patient' --cv 20 --group patient
refuses "--cv-repeats without --cv" 2 "lathe train: --cv-repeats needs --cv K" \
    train --data iris --target target --algo logistic --cv-repeats 3
refuses "--group without --cv" 2 "lathe train: --group needs --cv K" \
    train --data iris --target target --algo logistic --group target
refuses "--cv-repeats 0" 2 "lathe train: option '--cv-repeats' needs an integer from 1 to 1000, got '0'" \
    train --data iris --target target --algo logistic --cv 3 --cv-repeats 0
refuses "cv of clustering" 1 "lathe: cross-validation needs a target: clustering has no held-out score to average" \
    train --data iris --algo kmeans --step 'drop target' --cv 3
err=$(L show "$z" --folds 2>&1); rc=$?
check "show --folds of a plain run: exit" 1 $rc
check "show --folds of a plain run: message" "lathe: run $z was not cross-validated: it has no folds (train --cv K)" "$err"

echo "train_cv: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
