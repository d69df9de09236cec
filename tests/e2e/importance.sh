#!/bin/sh
# `lathe importance RUN` and `lathe show RUN --importance` end to end:
# on a synthetic dataset where y depends on one column strongly, another
# weakly and not at all on a third (pure noise), the informative column
# gets the largest importance and the noise column ~0; the baseline is the
# run's recorded test metric (so the held-out rows are the run's own);
# the same numbers twice (seeded); a one-hot-encoded column permuted as
# one; text and --json; a cross-validation fold's run; and the refusals:
# a bad run, a clustering run, a run with no held-out rows, --repeats out
# of range (the common number parser's message).
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
. "$top/tests/e2e/lib/checks.sh"
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
# one JSON field: python3 reads what jq would (jq is not a dependency)
J() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

L init > /dev/null
# y = 5*strong + 1*weak + a colour effect + small noise; noise is independent
awk 'BEGIN { srand(11); print "strong,weak,noise,colour,y,label";
	for (i = 0; i < 400; i++) {
		s = rand() * 2 - 1; w = rand() * 2 - 1; n = rand() * 2 - 1;
		c = (i % 3 == 0) ? "red" : ((i % 3 == 1) ? "green" : "blue");
		e = (c == "red") ? 1 : 0;
		y = 5 * s + w + e + 0.1 * (rand() - 0.5);
		printf "%.6f,%.6f,%.6f,%s,%.6f,%s\n", s, w, n, c, y, (s + 0.2 * w > 0 ? "hi" : "lo") }
}' > "$tmp/syn.csv"
L import -q "$tmp/syn.csv"

# regression
r=$(L train -q --data syn --target y --algo linear --step "drop label" --step "onehot colour")
js=$(L importance "$r" --json)
check "regression: first column" strong "$(echo "$js" | J 'd["columns"][0]["name"]')"
check "regression: then" weak "$(echo "$js" | J 'd["columns"][1]["name"]')"
check "regression: metric" r2 "$(echo "$js" | J 'd["metric"]')"
check "regression: repeats default" 5 "$(echo "$js" | J 'd["repeats"]')"
check "regression: rows (test size 0.2 of 400)" 80 "$(echo "$js" | J 'd["rows"]')"
check "regression: strong > 1" True "$(echo "$js" | J '[c for c in d["columns"] if c["name"]=="strong"][0]["mean"] > 1')"
check "regression: noise ~0" True "$(echo "$js" | J 'abs([c for c in d["columns"] if c["name"]=="noise"][0]["mean"]) < 0.01')"
# colour is one-hot encoded by the default recipe and permuted as one column
check "regression: colour once" 1 "$(echo "$js" | J 'sum(1 for c in d["columns"] if c["name"]=="colour")')"
check "regression: four columns" 4 "$(echo "$js" | J 'len(d["columns"])')"
check "regression: 5 decreases each" 5 "$(echo "$js" | J 'len(d["columns"][0]["decreases"])')"
check "regression: baseline is the recorded test r2" \
    "$(L show "$r" --json | J 'repr(d["metrics"]["r2"])')" "$(echo "$js" | J 'repr(d["baseline"])')"
check "regression: deterministic" "$js" "$(L importance "$r" --json)"
check "regression: --repeats 2" 2 "$(L importance "$r" --repeats 2 --json | J 'd["repeats"]')"

# text: a heading and one row a column, sorted
out=$(L importance "$r")
contains "text: heading" "permutation importance on 80 held-out rows, 5 repeats (seed" "$out"
contains "text: metric" "decrease of r2 from" "$out"
contains "text: header" "COLUMN  MEAN DECREASE" "$out"
check "text: first row" strong "$(echo "$out" | sed -n 3p | awk '{print $1}')"

# show: only with --importance, and then the same report
contains "show --importance: text" "permutation importance on 80 held-out rows" "$(L show "$r" --importance)"
case "$(L show "$r")" in *"permutation importance"*) bad "show computes importance unasked" ;; *) ok ;; esac
check "show --importance --json: member" "$(echo "$js" | J 'd["columns"]')" \
    "$(L show "$r" --importance --json | J 'd["importance"]["columns"]')"
check "show --json: no member unasked" False "$(L show "$r" --json | J '"importance" in d')"

# classification, through logistic regression
c=$(L train -q --data syn --target label --algo logistic --step "drop y" --step "onehot colour")
jc=$(L importance "$c" --json --repeats 3)
check "classification: metric" accuracy "$(echo "$jc" | J 'd["metric"]')"
check "classification: first column" strong "$(echo "$jc" | J 'd["columns"][0]["name"]')"
check "classification: baseline is the recorded accuracy" \
    "$(L show "$c" --json | J 'repr(d["metrics"]["accuracy"])')" "$(echo "$jc" | J 'repr(d["baseline"])')"
check "classification: noise ~0" True "$(echo "$jc" | J 'abs([c for c in d["columns"] if c["name"]=="noise"][0]["mean"]) < 0.03')"

# a cross-validated run with a test split: its held-out rows are the test
# rows, scored by the refit model (its test_metrics)
L train -q --data syn --target y --algo ridge --step "drop label" --step "onehot colour" --cv 4 --test-size 0.25 > /dev/null 2>&1
f=$(sqlite3 "$P" "SELECT max(id) FROM runs")
jf=$(L importance "$f" --json)
check "cv run: rows (400 x 0.25)" 100 "$(echo "$jf" | J 'd["rows"]')"
check "cv run: baseline is the refit model's test r2" \
    "$(L show "$f" --json | J 'repr(d["test_metrics"]["r2"])')" "$(echo "$jf" | J 'repr(d["baseline"])')"
# ... and without one it has none
L train -q --data syn --target y --algo ridge --step "drop label" --step "onehot colour" --cv 4 > /dev/null 2>&1
f=$(sqlite3 "$P" "SELECT max(id) FROM runs")
err=$(L importance "$f" 2>&1)
check "cv run without a test split: message" "lathe: run $f has no held-out rows (trained with test size 0, cross-validated on every row): permutation importance needs them" "$err"

# refusals: one line, exit 1 (user) or 2 (usage)
err=$(L importance 999 2>&1); rc=$?
check "bad run: exit" 1 "$rc"
check "bad run: message" "lathe: no run 999 (see 'lathe runs')" "$err"
k=$(L train -q --data syn --algo kmeans --step "drop label" --step "drop colour")
err=$(L importance "$k" 2>&1); rc=$?
check "clustering: exit" 1 "$rc"
check "clustering: message" "lathe: permutation importance is not defined for clustering: run $k has no target to score against" "$err"
z=$(L train -q --data syn --target y --algo linear --step "drop label" --step "drop colour" --test-size 0)
err=$(L importance "$z" 2>&1); rc=$?
check "no holdout: exit" 1 "$rc"
check "no holdout: message" "lathe: run $z has no held-out rows (trained with test size 0): permutation importance needs them" "$err"
for v in 0 1001 x 2.5; do
	err=$(L importance "$r" --repeats "$v" 2>&1); rc=$?
	check "--repeats $v: exit" 2 "$rc"
	contains "--repeats $v: message" "option '--repeats' needs an integer from 1 to 1000, got '$v'" "$err"
done
err=$(L importance 2>&1); rc=$?
check "no run: exit" 2 "$rc"
err=$(L show "$k" --importance 2>&1); rc=$?
check "show --importance on clustering: exit" 1 "$rc"

echo "importance: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
