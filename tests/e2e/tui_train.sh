#!/bin/sh
# The whole loop in the workbench, under tmux: import a CSV from the file
# prompt (with Tab completion), train from the form (a bad value refused
# at its field), watch the run finish on the runs screen, train a second
# one, compare the two, plot their curves and export the plot as PNG and
# SVG, re-run and verify from the run detail, watch a slow run's live
# progress and cancel it, and quit with the terminal restored.
set -u
. "$(dirname "$0")/lib/tui_common.sh"
# the plots need gnuplot (part 10 hides it to test the message)
require gnuplot gnuplot-nox

# a slow plugin (3000 steps of 10 ms), for live progress and cancelling
mkdir -p "$T/plug"
cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -I"$TOP/plugins" -I"$TOP/tests/plugins" \
    -o "$T/plug/slow.so" "$TOP/tests/plugins/slow.c" || fail "building slow.so"
export LATHE_PLUGIN_PATH="$T/plug:$LATHE_PLUGIN_PATH"
export LATHE_PLOT_DIR="$T/plots"
mkdir -p "$LATHE_PLOT_DIR" "$T/data"
cp "$TOP/datasets/iris.csv" "$T/data/iris_flowers.csv"
cp "$TOP/datasets/diabetes.csv" "$T/data/diabetes.csv"
L init > /dev/null

tui_start
wait_for "No datasets yet"

# 1. import from the prompt, completing the path
keys i
wait_for "import CSV file:"
text "$T/data/ir"
keys Tab
wait_for "iris_flowers.csv"
keys Enter
wait_for "dataset name: iris_flowers"
keys C-u
text "iris"
keys Enter
wait_for "imported iris@1: 150 rows x 5 columns"
screen | grep -E '^iris@1 +latest +150 +5 ' > /dev/null && ok || fail "datasets list: $(screen | grep iris)"

# 2. the training form: generated from the plugin's schema
keys t
wait_for "algorithm and hyperparameters"
expect_screen "‹ logistic ›"
expect_screen "a number > 0"
expect_screen "numeric, likely label"
keys j j j j
wait_for "C: a number > 0"
expect_screen "inverse regularisation strength (smaller = stronger L2 penalty)"
text "-1"
keys Enter
wait_for "✗ parameter C of logistic must be a number > 0, got -1"
keys C-u
text "0.5"
keys Enter
wait_gone "✗ parameter C"
expect_screen "(was 1)"
keys r

# 3. launching returns to the runs screen at once; the run finishes there
wait_for "3 Runs"
wait_for "1 run"
wait_for "run 1 finished in"
screen | grep -E '^ +1 +finished +iris@1 +\(default\) +logistic +target' > /dev/null && ok ||
    fail "run 1 row: $(screen | grep -E '^ +1 ')"

# 4. a second run from the first one's settings, C=10
keys t
wait_for "the form starts from run 1's settings"
wait_for "[0.5"
keys j j j j
text "10"
keys Enter r
wait_for "run 2 finished in"
screen | grep -E '^ +2 +finished.* 10 +0\.9667' > /dev/null && ok || fail "run 2 row: $(screen | grep -E '^ +2 ')"

# 5. sort by a column, filter, mark both and compare
keys /
text "C>5"
wait_for "2 runs (1 match)"
keys Enter
keys Escape
wait_for "filter cleared"
keys g ' ' ' '
wait_for "2 marked"
keys c
wait_for "compare 2 runs"
expect_screen "run 2               run 1"
expect_screen "parameters (1 of 4 differ; d shows only those)"
screen | grep -E '^ +C +10 +0\.5' > /dev/null && ok || fail "C row: $(screen | grep -E '^ +C ')"
expect_screen "log_loss ↓"
expect_screen "confusion matrices"
# the significance, as lathe compare prints it, at the end
keys G
wait_for "run 1 against run 2: McNemar exact test on 30 held-out rows"
expect_screen "right only in run 2"
keys g
keys d
wait_for "2 runs, differences only"
wait_gone "max_iter"
keys p
wait_for "loss of 2 runs"
expect_screen "run 1"
keys e
wait_for "saved PNG as $T/plots/lathe-compare-loss.png"
keys E
wait_for "saved SVG as $T/plots/lathe-compare-loss.svg"
[ -s "$T/plots/lathe-compare-loss.png" ] && ok || fail "no PNG written"
head -c 4 "$T/plots/lathe-compare-loss.png" | grep -q PNG && ok || fail "not a PNG"
grep -q '<svg' "$T/plots/lathe-compare-loss.svg" && ok || fail "not an SVG"
keys q q

# 6. the run detail: everything recorded; ROC; re-run and verify
keys g Enter
wait_for "run 2  finished"
expect_screen "algorithm   logistic"
expect_screen "parameters"
keys G
wait_for "lineage"
keys g o
wait_for "run 2: ROC (30 held-out rows)"
expect_screen "AUC"
keys q v
wait_for "run 3 reproduces run 2 exactly" 30

# 7. three-fold cross-validation: one run (its folds inside it)
keys t
wait_for "the form starts from run 3's settings"
keys G k k k
wait_for "cv folds: 2..100"
text "3"
keys Enter
# the form reads numbers as the command line does: decimal digits only
# (strtod took the hex float 0x1p-2 as 0.25)
keys k
wait_for "test size: a fraction"
text "0x1p-2"
keys Enter
wait_for "✗ test size must be a fraction in [0, 1), got '0x1p-2'"
keys C-u Enter r
wait_for "4 runs"
n=0
while [ "$(L runs --json | grep -o '"status": "finished"' | wc -l)" -lt 4 ] && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ "$(L show 4 --json | grep -o '"method": "cv", "folds": 3, "repeats": 1')" != "" ] && ok ||
    fail "run 4 is not a 3-fold cross-validation: $(L show 4 --json | grep -o '"split": {[^}]*}')"
[ "$(sqlite3 "$P" 'SELECT count(DISTINCT fold) FROM run_cv_folds WHERE run_id = 4')" = 3 ] && ok ||
    fail "run 4 has not 3 folds stored"

# 8. live progress of a slow run, then cancel it
keys t
wait_for "algorithm and hyperparameters"
keys j j j Enter
wait_for "filter:"
text "slow"
keys Enter
wait_for "iterations"
keys j
keys C-u
keys Tab
keys r
wait_for "PROGRESS"
wait_for "/3000 loss"
wait_for "ETA"
wait_for "▶ 1 running: r5"
keys x
wait_for "run 5 cancelled" 20
screen | grep -E '^ +5 +cancelled' > /dev/null && ok || fail "run 5 row: $(screen | grep -E '^ +5 ')"

# 9. quitting while a run trains asks first, then cancels it
keys t
wait_for "‹ slow ›"
keys r
wait_for "▶ 1 running: r6"
keys q
wait_for "1 run is still training or queued; quitting cancels it: y quit, Esc stay"
keys Escape
wait_gone "quitting cancels it"
keys q
wait_for "quitting cancels it"
keys y
wait_for "EXIT=0" 20
expect_terminal_restored
# the records are the CLI's
[ "$(L runs --json | grep -o '"status": "[a-z]*"' | sort | uniq -c | tr -s ' ')" = \
    " 2 \"status\": \"cancelled\"
 4 \"status\": \"finished\"" ] && ok || fail "statuses: $(L runs --json)"
L show 2 --json | grep -q '"C": 10' && ok || fail "run 2 params: $(L show 2 --json | head -c 300)"

# 10. without gnuplot the plot pane says so, and everything else goes on
tui_start "LATHE_GNUPLOT=/nonexistent/gnuplot '$LATHE' -p '$P'"
wait_for "6 runs"
keys G Enter
wait_for "run 1  finished"
keys p
wait_for "gnuplot is not installed (Debian: apt install gnuplot-nox)"
expect_screen "the rest of lathe works as before"
keys e
wait_for "gnuplot is not installed"
keys q q
wait_for "6 runs"
keys q
wait_for "EXIT=0"
finish
