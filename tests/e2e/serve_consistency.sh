#!/bin/sh
# serve_consistency.sh — the consistency proof: every row of three
# datasets predicted through `lathe predict`, MLflow /invocations (CSV
# and JSON bodies, labels and probabilities) and V2 /infer (named
# tensors) gives the same printed numbers, character for character.
# iris: numeric inputs, integer labels; penguins: categorical inputs,
# missing values, text labels; diabetes: a regression.  Each once with a
# linear model and once with a decision tree (the tree plugin); penguins
# also with a random forest (forest).
# Character for character is right here: every path runs the same recipe
# and plugin code on the same machine (same BLAS kernel and thread count)
# over the same rows in one batch.  A row scored alone, or on another CPU,
# may differ in the last digit (docs/reproducibility.md).
set -u
. "$(dirname "$0")/lib/serve_common.sh"
make_project || { echo "cannot make the project"; exit 1; }
L import -q "$TOP/datasets/diabetes.csv" >/dev/null
DIAB=$(L train -q --data diabetes --target target --algo ridge)
L model register "$DIAB" --name diabetes >/dev/null
for spec in "iris target" "penguins species" "diabetes target"; do
	set -- $spec
	r=$(L train -q --data "$1" --target "$2" --algo tree --set min_samples_leaf=3) ||
	    { fail "tree on $1 did not train"; finish; }
	L model register "$r" --name "${1}_tree" >/dev/null
done
r=$(L train -q --data penguins --target species --algo forest --set n_estimators=20) ||
    { fail "forest on penguins did not train"; finish; }
L model register "$r" --name penguins_forest >/dev/null
start_server c -p "$P" serve --model iris@production --model penguins@production \
    --model diabetes --model iris_tree --model penguins_tree --model diabetes_tree \
    --model penguins_forest --port 0 ||
    { fail "server did not start"; finish; }

# drop_col FILE COL: the CSV without column COL
drop_col() {
	awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
	    { s = ""; first = 1
	      for (i = 1; i <= NF; i++) if (i != k) { s = (first ? "" : s ",") $i; first = 0 }
	      print s }' "$1"
}
# A JSON value for a CSV cell (no quoted cells in these datasets).
AWK_CELL='function cell(v) { if (v == "" || v == "NA") return "null";
    if (v ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) return v; return "\"" v "\"" }'
to_split() {
	awk -F, "$AWK_CELL"'
	NR == 1 { printf "{\"dataframe_split\": {\"columns\": ["
	    for (i = 1; i <= NF; i++) printf "%s\"%s\"", (i > 1 ? ", " : ""), $i
	    printf "], \"data\": ["; next }
	{ printf "%s[", (NR > 2 ? ", " : "")
	  for (i = 1; i <= NF; i++) printf "%s%s", (i > 1 ? ", " : ""), cell($i)
	  printf "]" }
	END { print "]}}" }' "$1"
}
to_v2() {
	awk -F, "$AWK_CELL"'
	NR == 1 { nc = NF; for (i = 1; i <= NF; i++) { name[i] = $i; str[i] = 0 }; next }
	{ n++; for (i = 1; i <= NF; i++) { v[n, i] = cell($i)
	    if (v[n, i] ~ /^"/) str[i] = 1 } }
	END { printf "{\"inputs\": ["
	  for (i = 1; i <= nc; i++) {
	    printf "%s{\"name\": \"%s\", \"shape\": [%d], \"datatype\": \"%s\", \"data\": [", \
	        (i > 1 ? ", " : ""), name[i], n, (str[i] ? "BYTES" : "FP64")
	    for (r = 1; r <= n; r++) printf "%s%s", (r > 1 ? ", " : ""), v[r, i]
	    printf "]}" }
	  print "]}" }' "$1"
}
# Extracting numbers, one row per line, fields joined by ",".
list_lines() { sed 's/^{"predictions": \[//; s/\]}$//; s/, /\n/g' | tr -d '"'; }
rows_lines() { sed 's/^{"predictions": \[\[//; s/\]\]}$//; s/\], \[/\n/g; s/, /,/g'; }
v2_data() {	# v2_data NAME WIDTH < response
	sed "s/.*\"name\": \"$1\", \"shape\": \[[0-9, ]*\], \"datatype\": \"[A-Z0-9]*\", \"data\": \[//; s/\]}.*//" |
	    sed 's/, /\n/g' | tr -d '"' | awk -v w="$2" '{ printf "%s%s", $0, (NR % w ? "," : "\n") }'
}
post() {	# post PATH CTYPE FILE -> body on stdout, status checked
	s=$(curl -s -m 30 -o "$T/resp" -w '%{http_code}' -H "Content-Type: $2" --data-binary @"$3" "$URL$1")
	[ "$s" = 200 ] || fail "POST $1 ($2): status $s: $(head -c 300 "$T/resp")"
	cat "$T/resp"
	echo
}

consistent() {	# consistent MODEL DATASET TARGET K (K = 0: regression)
	m=$1 k=$4
	drop_col "$TOP/datasets/$2.csv" "$3" >"$T/$m.csv"
	nrows=$(($(wc -l <"$T/$m.csv") - 1))
	to_split "$T/$m.csv" >"$T/$m.json"
	to_v2 "$T/$m.csv" >"$T/$m.v2.json"
	sed 's/}}$/}, "params": {"predict_method": "predict_proba"}}/' "$T/$m.json" >"$T/$m.proba.json"

	L predict "$m@production" "$T/$m.csv" >"$T/$m.pred" 2>"$T/$m.perr" ||
	    L predict "$m" "$T/$m.csv" >"$T/$m.pred" 2>"$T/$m.perr" ||
	    { fail "lathe predict $m: $(cat "$T/$m.perr")"; return; }
	tail -n +2 "$T/$m.pred" | cut -d, -f1 >"$T/$m.cli.label"
	post "/invocations?model=$m" text/csv "$T/$m.csv" | list_lines >"$T/$m.csv.label"
	post "/invocations?model=$m" application/json "$T/$m.json" | list_lines >"$T/$m.json.label"
	post "/v2/models/$m/infer" application/json "$T/$m.v2.json" | v2_data prediction 1 >"$T/$m.v2.label"
	check "$m: rows predicted" "$nrows" "$(wc -l <"$T/$m.cli.label")"
	for via in csv json v2; do
		if cmp -s "$T/$m.cli.label" "$T/$m.$via.label"; then ok; else
			fail "$m: lathe predict and $via differ: $(diff "$T/$m.cli.label" "$T/$m.$via.label" | head -5)"
		fi
	done
	[ "$k" -gt 0 ] || return
	tail -n +2 "$T/$m.pred" | cut -d, -f2- >"$T/$m.cli.proba"
	post "/invocations?model=$m&predict_method=predict_proba" text/csv "$T/$m.csv" |
	    rows_lines >"$T/$m.csv.proba"
	post "/invocations?model=$m" application/json "$T/$m.proba.json" | rows_lines >"$T/$m.json.proba"
	post "/v2/models/$m/infer" application/json "$T/$m.v2.json" | v2_data probabilities "$k" \
	    >"$T/$m.v2.proba"
	check "$m: probability rows" "$nrows" "$(wc -l <"$T/$m.cli.proba")"
	for via in csv json v2; do
		if cmp -s "$T/$m.cli.proba" "$T/$m.$via.proba"; then ok; else
			fail "$m: probabilities of lathe predict and $via differ: $(diff "$T/$m.cli.proba" "$T/$m.$via.proba" | head -5)"
		fi
	done
}

consistent iris iris target 3
consistent penguins penguins species 3
consistent diabetes diabetes target 0
consistent iris_tree iris target 3
consistent penguins_tree penguins species 3
consistent diabetes_tree diabetes target 0
consistent penguins_forest penguins species 3
# the files really hold what they should (a comparison of empty files proves nothing)
check "iris labels" "0 1 2" "$(sort -u "$T/iris.cli.label" | tr '\n' ' ' | sed 's/ $//')"
check "penguin labels" "Adelie Chinstrap Gentoo" "$(sort -u "$T/penguins.cli.label" | tr '\n' ' ' | sed 's/ $//')"
grep -q '^[0-9][0-9]*\.[0-9]' "$T/diabetes.cli.label" && ok || fail "diabetes predictions: $(head -3 "$T/diabetes.cli.label")"
stop_server c
finish
