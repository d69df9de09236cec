#!/bin/sh
# trust_numbers.sh — infinities and a model's inputs, end to end (issue 9).
#
# A CSV with inf, -inf, +INF, Infinity and 1e400/-1e400 imports them as
# numeric +-infinity; describe counts them apart and gives the finite
# statistics (also for a version stored before the counts existed);
# training refuses a recipe that leaves them with the one message
# (frame_check_finite), and trains with 'clip' or 'impute ... infinite';
# predict, recipe preview and the server report the same cause for the
# same row.  A model whose recipe drops a column after reading it for a
# selector does not need it: predict and serve work without it, accept
# it, and still refuse unknown columns.
set -u
. "$(dirname "$0")/lib/serve_common.sh"
contains() { case "$3" in *"$2"*) ok ;; *) fail "$1: expected to contain '$2', got '$3'" ;; esac; }
# jget JSON PYEXPR: a value from JSON text, by a Python expression on d
jget() { printf '%s' "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

L init >/dev/null || { echo "init failed"; exit 1; }

# ---- import: x holds every spelling of infinity; y and z are finite
{
	echo "x,y,z,t"
	i=1
	while [ $i -le 40 ]; do
		case $i in
		3) x=1e400 ;; 7) x=-1e400 ;; 12) x=inf ;; 20) x=-Infinity ;; 25) x=+INF ;;
		*) x=$i.5 ;;
		esac
		echo "$x,$((i % 7)).25,$((i * 3 % 11)),$((i % 2))"
		i=$((i + 1))
	done
} >"$T/inf.csv"
out=$(L import "$T/inf.csv" --json) || fail "import: $out"
d=$(L describe inf --json)
check "kinds" "numeric numeric numeric numeric" "$(jget "$d" "' '.join(c['kind'] for c in d['columns'])")"
check "x: count, missing, infinite, +, -" "40 0 5 3 2" \
    "$(jget "$d" "' '.join(str(d['columns'][0][k]) for k in ('count', 'missing', 'infinite', 'pos_inf', 'neg_inf'))")"
# the finite values of x: 1.5 .. 40.5 without the five rows (35 values,
# 37 distinct with +inf and -inf)
check "x: finite statistics" "22.0143 1.5 40.5 37" \
    "$(jget "$d" "' '.join('%g' % d['columns'][0][k] for k in ('mean', 'min', 'max', 'distinct'))")"
check "x: top values are finite" "True" "$(jget "$d" "all(v['value'] is not None for v in d['columns'][0]['top'])")"
check "y: no infinities" "0 0 0" "$(jget "$d" "' '.join(str(d['columns'][1][k]) for k in ('infinite', 'pos_inf', 'neg_inf'))")"
contains "describe text" "5 (+3 -2)" "$(L describe inf)"
# a version stored before the counts: NULL counts; x's statistics were NaN
cp "$P" "$T/old.lathe"
sqlite3 "$T/old.lathe" "UPDATE dataset_columns SET pos_inf = NULL, neg_inf = NULL;
    UPDATE dataset_columns SET mean = NULL, std = NULL, min = NULL, max = NULL WHERE name = 'x'"
od=$("$LATHE" -p "$T/old.lathe" describe inf --json)
check "old version: x recomputed" "5 3 2 22.0143" \
    "$(jget "$od" "' '.join(str(d['columns'][0][k]) for k in ('infinite', 'pos_inf', 'neg_inf')) + ' %g' % d['columns'][0]['mean']")"
check "old version: y known finite" "0" "$(jget "$od" "d['columns'][1]['infinite']")"

# ---- training: refused with the cause, trained with clip or impute infinite
# refused before a run is recorded (run_create checks the sample it fits)
err=$(L train --data inf --target t --algo logistic 2>&1 >/dev/null)
check "train, default recipe" "lathe: column 'x' has 5 infinite values after the recipe (first in row 3); add 'clip x' or 'impute median x infinite'" "$err"
check "train, default recipe: no run" 0 "$(sqlite3 "$P" 'SELECT count(*) FROM runs')"
CLIP=$(L train -q --data inf --target t --algo logistic --step 'clip x' --step 'standardize numeric') ||
    fail "train with clip x"
IMP=$(L train -q --data inf --target t --algo logistic --step 'impute median x infinite') ||
    fail "train with impute median x infinite"
L train -q --data inf --target t --algo logistic --step 'clip x min 0' --step 'log1p z' \
    --step 'derive w = x * 2' --step 'standardize w' >/dev/null 2>"$T/e" &&
    ok || fail "clip x min 0, then log1p and derive: $(cat "$T/e")"

# past the first rows run_create fits the recipe on: the column statistics
# (every row) show the value the sample lacks, and the row holding it is
# checked too — still refused before a run is recorded, naming that row
{
	echo "a,b,t"
	i=1
	while [ $i -le 3000 ]; do
		case $i in 2600) a= ;; 2900) a=inf ;; *) a=$((i % 13)).5 ;; esac
		echo "$a,$((i % 5)),$((i % 2))"
		i=$((i + 1))
	done
} >"$T/far.csv"
L import -q "$T/far.csv" >/dev/null || fail "import far.csv"
runs0=$(sqlite3 "$P" 'SELECT count(*) FROM runs')
err=$(L train --data far --target t --algo logistic --step 'standardize a' 2>&1 >/dev/null)
check "far missing and infinite: refused" "lathe: column 'a' has 1 missing and 1 infinite values after the recipe (first in row 2600); add 'impute median a infinite'" "$err"
err=$(L train --data far --target t --algo logistic --step 'impute median a' 2>&1 >/dev/null)
check "far infinite: refused" "lathe: column 'a' has 1 infinite value after the recipe (first in row 2900); add 'clip a' or 'impute median a infinite'" "$err"
check "far: no run recorded" "$runs0" "$(sqlite3 "$P" 'SELECT count(*) FROM runs')"
L train -q --data far --target t --algo logistic --step 'impute median a infinite' >/dev/null &&
    ok || fail "far: impute median a infinite trains"

# ---- predict: same rows, same causes
printf 'x,y,z\n1e400,1,2\n-inf,2,3\n5,3,4\n' >"$T/p1.csv"
out=$(L predict "$CLIP" "$T/p1.csv" 2>&1) || fail "predict with infinities clipped: $out"
check "predict rows" 4 "$(printf '%s\n' "$out" | wc -l | tr -d ' ')"
out=$(L predict "$IMP" "$T/p1.csv" 2>&1) || fail "predict with infinities imputed: $out"
printf 'x,y,z\n1,2,3\n2,inf,3\n' >"$T/p2.csv"
err=$(L predict "$CLIP" "$T/p2.csv" 2>&1 >/dev/null)
check "predict: infinite y" "lathe: column 'y' has 1 infinite value after the recipe (first in row 2); add 'clip y' or 'impute median y infinite'" "$err"
printf 'x,y,z\n1,,3\n' >"$T/p3.csv"
err=$(L predict "$CLIP" "$T/p3.csv" 2>&1 >/dev/null)
check "predict: missing y" "lathe: column 'y' has 1 missing value after the recipe (first in row 1); add 'impute median y'" "$err"

# ---- recipe preview lists what a run would stop at
printf 'standardize numeric\n' >"$T/r.txt"
pv=$(L recipe preview "$T/r.txt" --data inf --target t --json)
check "preview problems" "[\"column 'x' has 5 infinite values after the recipe (first in row 3); add 'clip x' or 'impute median x infinite'\"]" \
    "$(jget "$pv" "json.dumps(d['problems'])")"
check "preview infinite count" "5" "$(jget "$pv" "d['columns'][0]['infinite']")"
contains "preview text" "1 problem a run would stop at:" "$(L recipe preview "$T/r.txt" --data inf --target t)"
printf 'clip x\nstandardize numeric\n' >"$T/r2.txt"
check "preview with clip: no problem" "[]" "$(jget "$(L recipe preview "$T/r2.txt" --data inf --target t --json)" "json.dumps(d['problems'])")"

# ---- a recipe that drops a column it read: not an input
L import -q "$TOP/datasets/penguins.csv" >/dev/null
PG=$(L train -q --data penguins --target species --algo logistic --step 'impute mean numeric' \
    --step 'impute mode categorical' --step 'onehot categorical' --step 'drop year') ||
    fail "train penguins without year"
inputs=$(jget "$(L show "$PG" --json)" "','.join(i['name'] for i in d['recipe']['fitted']['inputs'])")
check "inputs without year" "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex" "$inputs"
cut -d, -f2-7 "$TOP/datasets/penguins.csv" >"$T/noyear.csv"
cut -d, -f2-8 "$TOP/datasets/penguins.csv" >"$T/year.csv"
a=$(L predict "$PG" "$T/noyear.csv" 2>&1) || fail "predict without year: $a"
b=$(L predict "$PG" "$T/year.csv" 2>&1) || fail "predict with year: $b"
[ -n "$a" ] && [ "$a" = "$b" ] && ok || fail "predictions with and without year differ"
L model register "$CLIP" --name infm >/dev/null || fail "register infm"
L model register "$PG" --name pg >/dev/null || fail "register pg"

start_server s -p "$P" serve --model infm --model pg --port 0 || { fail "server did not start"; finish; }
CSVH="Content-Type: text/csv"
expect "serve csv 1e400" 200 '{"predictions": [1]}' POST "/invocations?model=infm" -H "$CSVH" \
    --data-binary "$(printf 'x,y,z\n1e400,1,2')"
expect "serve csv -inf y" 400 "{\"error_code\": \"BAD_REQUEST\", \"message\": \"column 'y' has 1 infinite value after the recipe (first in row 2); add 'clip y' or 'impute median y infinite'\"}" \
    POST "/invocations?model=infm" -H "$CSVH" --data-binary "$(cat "$T/p2.csv")"
expect "serve json null y" 400 "{\"error_code\": \"BAD_REQUEST\", \"message\": \"column 'y' has 1 missing value after the recipe (first in row 1); add 'impute median y'\"}" \
    POST "/invocations?model=infm" -H "$JSON" --data-binary '{"dataframe_split": {"columns": ["x", "y", "z"], "data": [[1, null, 3]]}}'
expect "serve json 1e400" 400 "{\"error_code\": \"BAD_REQUEST\", \"message\": \"bad JSON at byte 64: real number overflow near '1e400'\"}" \
    POST "/invocations?model=infm" -H "$JSON" --data-binary '{"dataframe_split": {"columns": ["x", "y", "z"], "data": [[1e400, 1, 3]]}}'
row='"island": "Dream", "bill_length_mm": 39, "bill_depth_mm": 18, "flipper_length_mm": 190, "body_mass_g": 3700, "sex": "male"'
expect "serve without year" 200 '{"predictions": ["Adelie"]}' POST "/invocations?model=pg" -H "$JSON" \
    --data-binary "{\"dataframe_records\": [{$row}]}"
expect "serve with year (ignored)" 200 '{"predictions": ["Adelie"]}' POST "/invocations?model=pg" -H "$JSON" \
    --data-binary "{\"dataframe_records\": [{$row, \"year\": 2008}]}"
expect "serve unknown column" 400 '{"error_code": "BAD_REQUEST", "message": "unknown column '"'"'yr'"'"' (the model'"'"'s inputs are: island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex)"}' \
    POST "/invocations?model=pg" -H "$JSON" --data-binary "{\"dataframe_records\": [{$row, \"yr\": 2008}]}"
req meta GET /v2/models/pg
check "v2 metadata inputs" "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex" \
    "$(jget "$(body meta)" "','.join(i['name'] for i in d['inputs'])")"
stop_server s
finish
