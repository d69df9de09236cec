#!/bin/sh
# gbdt.sh — the gbdt plugin end to end: `lathe train --algo gbdt` with the
# default feature handling for an algorithm that takes missing values and
# categories natively (penguins: two categorical columns, missing values,
# text labels; no impute, no onehot in the recorded recipe), a regression,
# curves and summary in the run record, bad parameters refused by the
# schema before a run exists, and train/serve consistency: `lathe predict`
# and the server's /invocations (CSV) and V2 /infer give the same printed
# labels and probabilities, character for character, including rows with
# missing values and a category never seen in training.
set -u
. "$(dirname "$0")/lib/serve_common.sh"
L init >/dev/null || { echo "cannot init"; exit 1; }
L import -q "$TOP/datasets/penguins.csv" >/dev/null
L import -q "$TOP/datasets/diabetes.csv" >/dev/null

PG=$(L train -q --data penguins --target species --algo gbdt --seed 3 2>"$T/err") ||
    { fail "train penguins: $(cat "$T/err")"; finish; }
L show "$PG" --json >"$T/show.json"
grep -q 'ordinal categorical' "$T/show.json" && ok || fail "recipe is not the native default"
grep -q 'impute' "$T/show.json" && fail "the native default recipe imputes" || ok
tr -d ' \n' <"$T/show.json" | grep -q '"categorical_features":\[0,5\]' && ok ||
    fail "summary does not list island and sex as categorical: $(grep -o '"categorical_features[^]]*]' "$T/show.json")"
acc=$(sqlite3 "$P" "SELECT value FROM run_metrics WHERE run_id = $PG AND name = 'accuracy' AND split = 'test'")
awk -v a="$acc" 'BEGIN { exit !(a >= 0.95) }' && ok || fail "penguins test accuracy $acc < 0.95"
n=$(sqlite3 "$P" "SELECT count(*) FROM run_curves WHERE run_id = $PG AND name = 'val_loss'")
check "val_loss curve points" 100 "$n"
n=$(sqlite3 "$P" "SELECT count(*) FROM run_curves WHERE run_id = $PG AND name = 'train_loss'")
check "train_loss curve points" 100 "$n"

DB=$(L train -q --data diabetes --target target --algo gbdt --set max_iter=50 \
    --set early_stopping=on --set n_iter_no_change=5 2>"$T/err") ||
    fail "train diabetes: $(cat "$T/err")"
n=$(sqlite3 "$P" "SELECT count(*) FROM run_curves WHERE run_id = $DB AND name = 'validation_loss'")
[ "$n" -ge 5 ] && ok || fail "early stopping recorded $n validation_loss points"

# bad parameters: refused by the schema, no run recorded
before=$(sqlite3 "$P" "SELECT count(*) FROM runs")
for bad in max_bins=256 max_bins=1 learning_rate=0 max_leaf_nodes=1 early_stopping=maybe \
    validation_fraction=0 min_samples_leaf=0 l2_regularization=-1; do
	if L train -q --data diabetes --target target --algo gbdt --set "$bad" >"$T/out" 2>"$T/err"; then
		fail "--set $bad accepted"
	else
		key=${bad%%=*}
		grep -q "$key" "$T/err" && ok || fail "--set $bad: message does not name $key: $(cat "$T/err")"
		[ "$(wc -l <"$T/err")" -eq 1 ] && ok || fail "--set $bad: more than one line: $(cat "$T/err")"
	fi
done
check "no run recorded for bad parameters" "$before" "$(sqlite3 "$P" "SELECT count(*) FROM runs")"

# predict and serve agree; inputs with gaps and an unseen island
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "species") k = i }
    { s = ""; for (i = 1; i <= NF; i++) if (i != k) s = s (s == "" && i == (k == 1 ? 2 : 1) ? "" : ",") $i; print s }' \
    "$TOP/datasets/penguins.csv" >"$T/pg.csv"
printf 'Atlantis,39.1,18.7,181,3750,male,2007\nDream,,,,,,\nBiscoe,50,15,,5000,,2008\n' >>"$T/pg.csv"
L predict "$PG" "$T/pg.csv" >"$T/pg.pred" 2>"$T/err" || fail "predict: $(cat "$T/err")"
check "predicted rows" "$(($(wc -l <"$T/pg.csv")))" "$(wc -l <"$T/pg.pred")"
L model register "$PG" --name pg >/dev/null
L model register "$DB" --name db >/dev/null
start_server s -p "$P" serve --model pg --model db --port 0 || { fail "server did not start"; finish; }
s=$(curl -s -m 30 -o "$T/resp" -w '%{http_code}' -H 'Content-Type: text/csv' \
    --data-binary @"$T/pg.csv" "$URL/invocations?model=pg&predict_method=predict_proba")
check "invocations status" 200 "$s"
{ cat "$T/resp"; echo; } | sed 's/^{"predictions": \[\[//; s/\]\]}$//; s/\], \[/\n/g; s/, /,/g' >"$T/srv.proba"
tail -n +2 "$T/pg.pred" | cut -d, -f2- >"$T/cli.proba"
if cmp -s "$T/cli.proba" "$T/srv.proba"; then ok; else
	fail "predict and serve probabilities differ: $(diff "$T/cli.proba" "$T/srv.proba" | head -5)"
fi
check "probability rows" "$(($(wc -l <"$T/pg.csv") - 1))" "$(wc -l <"$T/srv.proba")"
s=$(curl -s -m 30 -o "$T/resp" -w '%{http_code}' -H 'Content-Type: text/csv' \
    --data-binary @"$T/pg.csv" "$URL/invocations?model=pg")
check "invocations labels status" 200 "$s"
{ cat "$T/resp"; echo; } | sed 's/^{"predictions": \[//; s/\]}$//; s/, /\n/g' | tr -d '"' >"$T/srv.label"
tail -n +2 "$T/pg.pred" | cut -d, -f1 >"$T/cli.label"
cmp -s "$T/cli.label" "$T/srv.label" && ok || fail "labels differ: $(diff "$T/cli.label" "$T/srv.label" | head -5)"
grep -vq '^Adelie$\|^Chinstrap$\|^Gentoo$' "$T/cli.label" && fail "odd labels: $(sort -u "$T/cli.label")" || ok
drop_target() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "target") k = i }
    { s = ""; for (i = 1; i < k; i++) s = s (i > 1 ? "," : "") $i; print s }' "$1"; }
drop_target "$TOP/datasets/diabetes.csv" >"$T/db.csv"
L predict "$DB" "$T/db.csv" | tail -n +2 >"$T/db.cli" || fail "predict diabetes"
{ curl -s -m 30 -H 'Content-Type: text/csv' --data-binary @"$T/db.csv" "$URL/invocations?model=db"
  echo; } | sed 's/^{"predictions": \[//; s/\]}$//; s/, /\n/g' >"$T/db.srv"
cmp -s "$T/db.cli" "$T/db.srv" && ok || fail "diabetes predict and serve differ: $(diff "$T/db.cli" "$T/db.srv" | head -3)"
[ "$(wc -l <"$T/db.srv")" -eq 442 ] && ok || fail "diabetes served $(wc -l <"$T/db.srv") rows"
stop_server s
finish
