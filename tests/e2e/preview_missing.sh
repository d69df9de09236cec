#!/bin/sh
# preview_missing.sh — `lathe recipe preview` judges missing values as
# training does: an algorithm that takes them natively (plugin capability
# LATHE_CAP_MISSING: gbdt) gets NaN as it is, so a recipe that leaves
# missing values is no problem for it; every other algorithm stops there.
# `--algo ALGO` applies that algorithm's capability; without it, missing
# values are listed apart ("missing"), naming the algorithms that take
# them, and only what stops every algorithm (strings, infinities) is a
# problem.  Training agrees: gbdt trains on the recipe preview passes for
# it, logistic stops at preview's first problem, word for word.  (The
# preview once listed missing values as a problem for every algorithm.)
set -u
. "$(dirname "$0")/lib/require.sh"
require python3
. "$(dirname "$0")/lib/serve_common.sh"
contains() { case "$3" in *"$2"*) ok ;; *) fail "$1: expected to contain '$2', got '$3'" ;; esac; }
lacks() { case "$3" in *"$2"*) fail "$1: expected no '$2', got '$3'" ;; *) ok ;; esac; }
# jget JSON PYEXPR: a value from JSON text, by a Python expression on d
jget() { printf '%s' "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

L init >/dev/null || { echo "init failed"; exit 1; }
L import -q "$TOP/datasets/penguins.csv" >/dev/null || { echo "import failed"; exit 1; }

# penguins through 'ordinal categorical' alone: numbers, with missing
# values in five columns (bill_length_mm ... sex), nothing infinite
printf 'ordinal categorical\n' > "$T/r.txt"
pv=$(L recipe preview "$T/r.txt" --data penguins --target species --json)
check "no --algo: no problem" "[]" "$(jget "$pv" "json.dumps(d['problems'])")"
check "no --algo: algo" "None" "$(jget "$pv" "d['algo']")"
check "no --algo: missing listed apart" 5 "$(jget "$pv" "len(d['missing'])")"
check "no --algo: first missing" "column 'bill_length_mm' has 2 missing values after the recipe (first in row 4); add 'impute median bill_length_mm'" \
    "$(jget "$pv" "d['missing'][0]")"
contains "no --algo: gbdt takes them" "gbdt" "$(jget "$pv" "d['missing_native']")"
out=$(L recipe preview "$T/r.txt" --data penguins --target species -n 0)
lacks "no --algo text: no problem" "problem" "$out"
contains "no --algo text: says who takes them" "missing values left in 5 columns: gbdt takes them natively; a run of another algorithm would stop at:" "$out"

pv=$(L recipe preview "$T/r.txt" --data penguins --target species --algo gbdt --json)
check "gbdt: no problem" "[]" "$(jget "$pv" "json.dumps(d['problems'])")"
check "gbdt: algo" "gbdt" "$(jget "$pv" "d['algo']")"
check "gbdt: missing still listed" 5 "$(jget "$pv" "len(d['missing'])")"
out=$(L recipe preview "$T/r.txt" --data penguins --target species --algo gbdt -n 0)
lacks "gbdt text: no problem" "would stop" "$out"
contains "gbdt text" "missing values left in 5 columns stay missing (NaN): gbdt takes them natively" "$out"

pv=$(L recipe preview "$T/r.txt" --data penguins --target species --algo logistic --json)
check "logistic: the missing values are problems" 5 "$(jget "$pv" "len(d['problems'])")"
first=$(jget "$pv" "d['problems'][0]")
contains "logistic text" "5 problems a logistic run would stop at:" \
    "$(L recipe preview "$T/r.txt" --data penguins --target species --algo logistic -n 0)"

# training agrees with the preview
L train -q --data penguins --target species --algo gbdt --recipe "$T/r.txt" >/dev/null 2>"$T/err" &&
    ok || fail "gbdt does not train on what preview passed: $(cat "$T/err")"
L train -q --data penguins --target species --algo logistic --recipe "$T/r.txt" >/dev/null 2>"$T/err"
check "logistic refuses" 1 $?
contains "logistic stops at preview's first problem" "$first" "$(cat "$T/err")"

# what stops every algorithm stays a problem, for gbdt too: a string
# column, an infinity (with a missing value beside it)
printf 'x,c,t\n1,a,0\ninf,b,1\n,a,0\n4,b,1\n5,a,0\n6,b,1\n' > "$T/inf.csv"
L import -q "$T/inf.csv" --name inf >/dev/null
printf 'standardize numeric\n' > "$T/r2.txt"
pv=$(L recipe preview "$T/r2.txt" --data inf --target t --algo gbdt --json)
check "gbdt: string and infinity still problems" 2 "$(jget "$pv" "len(d['problems'])")"
contains "gbdt: the infinity" "column 'x' has 1 missing and 1 infinite values after the recipe" \
    "$(jget "$pv" "d['problems']")"
contains "gbdt: the string" "column 'c' is categorical after the recipe" "$(jget "$pv" "d['problems']")"
check "an infinity is not only missing" 0 "$(jget "$pv" "len(d['missing'])")"
pv=$(L recipe preview "$T/r2.txt" --data inf --target t --json)
check "no --algo: the same two problems" 2 "$(jget "$pv" "len(d['problems'])")"

# an algorithm that does not exist
err=$(L recipe preview "$T/r.txt" --data penguins --algo nope 2>&1 >/dev/null)
check "unknown algorithm: status" 1 $?
contains "unknown algorithm: message" "lathe: unknown algorithm 'nope' (available: " "$err"

finish
