#!/bin/sh
# The prediction log and `lathe drift`: a server keeps a sample of the rows
# it predicts (here all of them); rows like the training data read as
# stable, rows shifted in one column read as drift in that column only;
# the report says how many rows it rests on and how they were sampled, and
# from too few rows reports no PSI (noise alone would read as drift);
# --no-log keeps nothing; the log survives the server's shutdown (flushed).
. "$(dirname "$0")/lib/serve_common.sh"
make_project || { echo "cannot make the project"; exit 1; }

# nothing logged yet
out=$(L drift iris@production)
case $out in *"nothing logged yet"*) ok ;; *) fail "empty log: $out" ;; esac

# the training rows themselves: stable
start_server same -p "$P" serve --port 0 --model iris@production --log-sample 1 \
    --log-max-rate 100000 -q || exit 1
# the training rows three times over: 450 rows, enough for 10 bins (170)
tail -n +2 "$TOP/datasets/iris.csv" | cut -d, -f1-4 > "$T/rows.csv"
{ echo 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)'
  cat "$T/rows.csv" "$T/rows.csv" "$T/rows.csv"; } > "$T/same.csv"
req same POST /invocations -H 'Content-Type: text/csv' --data-binary "@$T/same.csv"
check "same rows predicted" 200 "$code"
stop_server same
check "rows logged" 450 "$(sqlite3 "$P" "SELECT count(*) FROM prediction_log WHERE model = 'iris' AND version = 1")"
check "inputs logged as JSON" "5.1" "$(sqlite3 "$P" "SELECT json_extract(input, '\$.\"sepal length (cm)\"') FROM prediction_log ORDER BY id LIMIT 1")"
check "output logged" "0" "$(sqlite3 "$P" "SELECT json_extract(output, '\$.prediction') FROM prediction_log ORDER BY id LIMIT 1")"
check "rows counted" "450|450|1.0|100000" "$(sqlite3 "$P" "SELECT predicted, logged, sample_rate, max_per_sec FROM prediction_log_counts WHERE model = 'iris' AND version = 1")"
out=$(L drift iris@production --json)
case $out in *'"logged_rows": 450, "logged_rows_total": 450, "predicted_rows": 450, "log_sample_rate": 1, "log_max_rate": 100000,'*'"status": "stable"'*) ok ;;
	*) fail "same data not stable: $out" ;; esac
out=$(L drift iris@production)
case $out in *"sample: all 450 logged rows ("*" to "*"), kept from 450 rows predicted (lathe serve keeps each row with probability 1, at most 100000 a second)"*) ok ;;
	*) fail "text report does not say what the sample is: $out" ;; esac

# petal length shifted by +3: drift there, stable elsewhere
start_server shifted -p "$P" serve --port 0 --model iris@production --log-sample 1 \
    --log-max-rate 100000 -q || exit 1
awk -F, 'NR == 1 { print; next } { $3 = $3 + 3; print }' OFS=, "$T/same.csv" > "$T/shifted.csv"
req shifted POST /invocations -H 'Content-Type: text/csv' --data-binary "@$T/shifted.csv"
check "shifted rows predicted" 200 "$code"
stop_server shifted
out=$(L drift iris@production --last 450 --json)
case $out in *'"name": "petal length (cm)", "kind": "numeric", "psi": '*'"status": "drift"'*) ok ;;
	*) fail "shift not seen: $out" ;; esac
case $out in *'"name": "sepal width (cm)", "kind": "numeric", "psi": '*'"status": "stable"'*) ok ;;
	*) fail "unshifted column not stable: $out" ;; esac
L drift iris@production --last 450 | grep -q "petal length (cm) *numeric.*drift" && ok ||
    fail "text report: $(L drift iris@production --last 450)"
out=$(L drift iris@production --last 450)
case $out in *"sample: the newest 450 of 900 logged rows ("*"), kept from 900 rows predicted"*) ok ;;
	*) fail "a partial sample: $out" ;; esac

# a handful of rows, like the training data: no PSI, not "moderate" drift
out=$(L drift iris@production --last 12 --json)
case $out in *'"logged_rows": 12,'*'"max_psi": null, "status": "too few rows"'*) ok ;;
	*) fail "12 rows: $out" ;; esac
case $out in *'"psi": '[0-9]*) fail "12 rows: a PSI reported: $out" ;; *) ok ;; esac
case $out in *'"status": "too few rows", "bins": '[0-9]*', "min_rows": '[0-9]*) ok ;; *) fail "12 rows: column: $out" ;; esac
out=$(L drift iris@production --last 12)
case $out in *"too few rows for PSI in 4 of 4 columns (up to 1"[0-9][0-9]" needed; --min-rows)"*) ok ;;
	*) fail "12 rows, text: $out" ;; esac
# --min-rows 0 reports it anyway (the 12 newest are shifted: drift)
out=$(L drift iris@production --last 12 --min-rows 0 --json)
case $out in *'"min_rows": 0,'*'"name": "petal length (cm)", "kind": "numeric", "psi": '[0-9]*'"status": "drift"'*) ok ;;
	*) fail "--min-rows 0: $out" ;; esac
L drift iris@production --min-rows -1 >/dev/null 2>&1
check "--min-rows -1 refused" 2 $?

# categorical inputs: an unseen island counts
start_server peng -p "$P" serve --port 0 --model penguins@production --log-sample 1 \
    --log-max-rate 100000 -q || exit 1
req peng POST /invocations -H 'Content-Type: application/json' -d '{"dataframe_records": [
  {"island": "Atlantis", "bill_length_mm": 40, "bill_depth_mm": 18, "flipper_length_mm": 190,
   "body_mass_g": 3800, "sex": "male", "year": 2008}]}'
check "penguins predicted" 200 "$code"
stop_server peng
out=$(L drift penguins@production --json)
case $out in *'"name": "island", "kind": "categorical", "psi": null, "status": "too few rows", "bins": 3, "min_rows": 60,'*'"unseen": 1}'*) ok ;;
	*) fail "unseen level: $out" ;; esac
out=$(L drift penguins@production --json --min-rows 1)
case $out in *'"name": "island", "kind": "categorical", "psi": '[0-9]*'"status": "drift"'*) ok ;;
	*) fail "unseen level, --min-rows 1: $out" ;; esac

# --no-log: nothing kept
before=$(sqlite3 "$P" "SELECT count(*) FROM prediction_log")
start_server nolog -p "$P" serve --port 0 --model iris@production --no-log -q || exit 1
req nolog POST /invocations -H 'Content-Type: text/csv' --data-binary "@$T/same.csv"
stop_server nolog
check "no-log keeps nothing" "$before" "$(sqlite3 "$P" "SELECT count(*) FROM prediction_log")"
L drift nosuch > /dev/null 2>&1
check "unknown model" 1 $?
finish
