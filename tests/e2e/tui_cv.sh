#!/bin/sh
# Cross-validation in the workbench: the runs list shows a cross-validated
# run's metrics as mean ± std with ON "cv 5", a run scored on its training
# rows as "train!"; the run's detail lists the aggregate and every fold
# under it; and the training form's cv field launches ONE run whose folds
# are stored.
set -u
. "$(dirname "$0")/lib/tui_common.sh"

L init > /dev/null
L import -q "$TOP/datasets/iris.csv"
L train -q --data iris --target target --algo logistic --cv 5 --seed 3 > /dev/null
L train -q --data iris --target target --algo logistic --test-size 0 > /dev/null
acc=$(sqlite3 "$P" "SELECT printf('%.4f ± %.4f', mean, std) FROM run_cv_metrics WHERE run_id = 1 AND name = 'accuracy'")
tui_start
wait_for "iris@1"
keys 3
wait_for "2 runs"
wait_for "$acc"
screen | grep -E '^ *1 .*cv' > /dev/null && ok || fail "run 1 row has no cv marker: $(screen | grep -E '^ *1 ')"
screen | grep -E '^ *2 .*train!' > /dev/null && ok || fail "run 2 row has no train! marker: $(screen | grep -E '^ *2 ')"
# the detail of the cv run: the aggregate, then the folds
keys G Enter
wait_for "run 1  finished"
wait_for "metrics of the refit model"
keys NPage
wait_for "fold 1.5"
expect_screen "fold       train / valid     accuracy     f1_macro      roc_auc     log_loss"
expect_screen "fold 1.1   120 / 30"
keys Up Up Up Up Up Up Up Up Up Up Up Up Up Up Up
wait_for "cross-validation: 5 folds; the model is refit on all rows"
keys q
wait_for "2 runs"
# the detail of the training-rows run says so
keys g Enter
wait_for "run 2  finished"
wait_for "[!] measured on the training rows (nothing held out)"
keys q
wait_for "2 runs"
# the form: cv 3 is one run
keys g t
wait_for "the form starts from run 2's settings"
keys G k k k
wait_for "cv folds: 2..100"
text "3"
keys Enter r
wait_for "3 runs"
n=0
while [ "$(L runs --json | grep -o '"status": "finished"' | wc -l)" -lt 3 ] && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ "$(sqlite3 "$P" 'SELECT count(DISTINCT fold) FROM run_cv_folds WHERE run_id = 3')" = 3 ] && ok ||
    fail "run 3 is not one 3-fold cross-validated run: $(L show 3 --json | grep -o '"split": {[^}]*}')"
# the workbench has seen it finish (its job reaped), then quits at once
wait_gone "running: r3"
screen | grep -E '^ *3 .*finished .*cv' > /dev/null && ok || fail "run 3 row: $(screen | grep -E '^ *3 ')"
keys q
wait_for "EXIT=0"
finish
