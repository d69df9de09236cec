#!/bin/sh
# The tree and forest plugins end to end through `lathe train`: classification and
# regression runs, the tree drawn as text by `lathe show` (and kept in the
# summary for --json), predict, rerun --verify, every out-of-range
# parameter refused at --set with the schema's message, and the awkward
# inputs the issue names: a constant target and a single row (refused by
# lathe before training), an all-NaN column (the default recipe drops it),
# a class that only the test rows have (cross-validation folds: the run
# finishes, that class gets probability 0 and the log says so), and a
# classification criterion asked of a regression (the run fails, naming it).
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: expected to contain '$2', got '$3'" ;; esac; }
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }

L init > /dev/null
for f in iris diabetes; do L import -q "$top/datasets/$f.csv"; done
printf 'a,b,y\n1,2,5\n2,3,5\n3,4,5\n4,5,5\n' > "$tmp/const.csv"
printf 'a,y\n1,3\n' > "$tmp/one.csv"
printf 'a,b,c,y\n1,,2,x\n2,,3,x\n3,,1,y\n4,,5,y\n5,,2,x\n6,,8,y\n7,,1,x\n8,,4,y\n' > "$tmp/nan.csv"
awk 'BEGIN { print "a,b,y"; for (i = 0; i < 40; i++) printf "%d,%d,%s\n", i, (i * 7) % 11, (i % 2 ? "p" : "q"); print "40,3,rare" }' > "$tmp/rare.csv"
for f in const one nan rare; do L import -q "$tmp/$f.csv"; done

# classification: the text drawing, summary fields, predict
id=$(L train -q --data iris --target target --algo tree --set max_depth=3)
check "iris run finished" finished "$(sqlite3 "$P" "SELECT status FROM runs WHERE id = $id")"
out=$(L show "$id")
contains "show: model section" "decision tree (gini): 7 nodes, 4 leaves, depth 3" "$out"
contains "show: root" "node 0: samples 120, gini 0.6667, value [40, 40, 40]" "$out"
contains "show: a split" "|--- petal width (cm) <= 0.8" "$out"
contains "show: its other side" "|--- petal width (cm) >  0.8" "$out"
contains "show: a leaf" "|   node 1: leaf, samples 40, gini 0, value [40, 0, 0]" "$out"
contains "show: importances" '"feature_importances"' "$out"
case "$out" in *'"text"'*) bad "show: the text is drawn, not left in the JSON" ;; *) ok ;; esac
json=$(L show "$id" --json)
contains "show --json keeps the text" '"text":"decision tree (gini)' "$json"
contains "show --json node count" '"node_count":7' "$json"
L predict "$id" "$top/datasets/iris.csv" -o "$tmp/pred.csv"
check "predict: a row per input row" 151 "$(wc -l < "$tmp/pred.csv")"
check "predict: header" "prediction,p_0,p_1,p_2" "$(head -1 "$tmp/pred.csv")"
L rerun "$id" --verify > /dev/null 2> "$tmp/err"
check "rerun --verify" 0 $?
contains "rerun identical" "reproduces run $id exactly" "$(cat "$tmp/err")"

# the seed decides the feature order (ties, max_features): same seed, same tree
a=$(L train -q --data iris --target target --algo tree --set max_features=sqrt --seed 5)
b=$(L train -q --data iris --target target --algo tree --set max_features=sqrt --seed 5)
sa=$(sqlite3 "$P" "SELECT data FROM run_artifacts WHERE run_id = $a AND name = 'model'" | md5sum)
sb=$(sqlite3 "$P" "SELECT data FROM run_artifacts WHERE run_id = $b AND name = 'model'" | md5sum)
check "same seed, same model bytes" "$sa" "$sb"

# regression: criterion auto is squared_error
id=$(L train -q --data diabetes --target target --algo tree --set min_samples_leaf=10)
json=$(L show "$id" --json)
contains "regression criterion" '"criterion":"squared_error"' "$json"
contains "regression text" "node 0: samples 353, squared_error" "$(L show "$id")"
check "regression r2 recorded" 1 "$(sqlite3 "$P" "SELECT count(*) FROM run_metrics WHERE run_id = $id AND name = 'r2' AND split = 'test'")"

# every parameter out of range, refused at --set with the schema's message
refuses() {	# refuses SETTING MESSAGE
	before=$(sqlite3 "$P" 'SELECT count(*) FROM runs')
	L train -q --data iris --target target --algo tree --set "$1" > /dev/null 2> "$tmp/err"
	check "--set $1: exit status" 1 $?
	contains "--set $1: message" "$2" "$(cat "$tmp/err")"
	check "--set $1: nothing recorded" "$before" "$(sqlite3 "$P" 'SELECT count(*) FROM runs')"
}
refuses criterion=mse "parameter criterion of tree must be one of auto, gini, entropy, log_loss, squared_error, got 'mse'"
refuses max_depth=-1 "parameter max_depth of tree must be an integer >= 0 and <= 1000000000, got -1"
refuses max_depth=2.5 "parameter max_depth of tree must be an integer"
refuses min_samples_split=1 "parameter min_samples_split of tree must be an integer >= 2"
refuses min_samples_leaf=0 "parameter min_samples_leaf of tree must be an integer >= 1"
refuses max_features=half "parameter max_features of tree must be one of all, sqrt, log2, fraction, count, got 'half'"
refuses max_features_value=0 "parameter max_features_value of tree must be a number > 0"
refuses min_impurity_decrease=-1 "parameter min_impurity_decrease of tree must be a number >= 0, got -1"
refuses class_weight=auto "parameter class_weight of tree must be one of none, balanced, got 'auto'"

# combinations only the plugin can judge: the run fails, naming the problem
fails() {	# fails MESSAGE ARGS...
	want=$1
	shift
	L train -q "$@" > /dev/null 2> "$tmp/err"
	check "$want: exit status" 1 $?
	contains "$want: message" "$want" "$(cat "$tmp/err")"
}
fails "criterion gini is for classification, not regression" --data diabetes --target target --algo tree --set criterion=gini
fails "max_features_value must be <= 1 with max_features=fraction" --data iris --target target --algo tree --set max_features=fraction --set max_features_value=1.5
fails "max_features_value 9 is more than the 4 features" --data iris --target target --algo tree --set max_features=count --set max_features_value=9
fails "class_weight=balanced is for classification" --data diabetes --target target --algo tree --set class_weight=balanced

# awkward data
L train -q --data const --target y --algo tree > /dev/null 2> "$tmp/err"
check "constant target refused" 1 $?
contains "constant target message" "target 'y' is constant" "$(cat "$tmp/err")"
L train -q --data one --target y --algo tree > /dev/null 2> "$tmp/err"
check "single row refused" 1 $?
id=$(L train -q --data nan --target y --algo tree --test-size 0.25)
check "all-NaN column: run finishes" finished "$(sqlite3 "$P" "SELECT status FROM runs WHERE id = $id")"
# (cross-validation is one run: the fold whose training rows lack the class
# logs it, in the run's log)
L train -q --data rare --target y --algo tree --cv 3 --seed 1 > "$tmp/ids" 2> /dev/null
check "class only in test rows: one cv run" 1 "$(wc -l < "$tmp/ids")"
check "class only in test rows: finished with its 3 folds" "finished 3" "$(sqlite3 "$P" "SELECT status || ' ' || (SELECT count(DISTINCT fold) FROM run_cv_folds WHERE run_id = runs.id) FROM runs WHERE id = $(cat "$tmp/ids")")"
logs=$(for r in $(cat "$tmp/ids"); do L show "$r"; done)
contains "class only in test rows: logged" "has no training rows; its probability is 0 everywhere" "$logs"
id=$(L train -q --data iris --target target --algo tree --set class_weight=balanced --set criterion=log_loss --set max_features=fraction --set max_features_value=0.5)
contains "balanced + log_loss runs" '"criterion":"entropy"' "$(L show "$id" --json)"

# the forest: both tasks, oob_score as a curve and in the summary, the seed
# decides the model, refusals at --set and at the start of the run
id=$(L train -q --data iris --target target --algo forest --set n_estimators=20 --set oob_score=true)
json=$(L show "$id" --json)
contains "forest summary" '"n_estimators":20' "$json"
contains "forest oob curve" '"oob_score": [[20,' "$json"
contains "forest log" "forest: 20 trees" "$(L show "$id")"
L predict "$id" "$top/datasets/iris.csv" -o "$tmp/fpred.csv"
check "forest predict header" "prediction,p_0,p_1,p_2" "$(head -1 "$tmp/fpred.csv")"
L rerun "$id" --verify > /dev/null 2> "$tmp/err"
check "forest rerun --verify" 0 $?
id=$(L train -q --data diabetes --target target --algo forest --set n_estimators=10 --set max_features=sqrt --set max_samples=0.5)
contains "forest regression" '"criterion":"squared_error"' "$(L show "$id" --json)"
L train -q --data iris --target target --algo forest --set n_estimators=0 > /dev/null 2> "$tmp/err"
check "forest n_estimators=0 refused" 1 $?
contains "forest n_estimators=0 message" "parameter n_estimators of forest must be an integer >= 1" "$(cat "$tmp/err")"
L train -q --data iris --target target --algo forest --set max_samples=1.5 > /dev/null 2> "$tmp/err"
contains "forest max_samples=1.5 message" "parameter max_samples of forest must be a number > 0 and <= 1, got 1.5" "$(cat "$tmp/err")"
fails "oob_score needs bootstrap" --data iris --target target --algo forest --set bootstrap=false --set oob_score=true
id=$(L train -q --data nan --target y --algo forest --set n_estimators=5 --test-size 0.25)
check "forest, all-NaN column: run finishes" finished "$(sqlite3 "$P" "SELECT status FROM runs WHERE id = $id")"

echo "train_tree: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
