#!/bin/sh
# plugin_abi.sh — the plugin ABI's arrays: lathe steps through a plugin's
# parameter array by the element size the plugin declares (sizeof_param,
# ABI 1.1), never by its own sizeof.  A plugin built against the frozen
# ABI 1.0 header (tests/plugins/abi_1_0/, no sizeof_param) and one whose
# elements are larger than lathe's (as a future minor's would be) must both
# have every parameter read correctly — listed, validated, recorded and
# passed to create() — and a declared size below ABI 1.0's is refused.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
build=${LATHE_BUILD:-$top/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
. "$(dirname "$0")/lib/checks.sh"

mkdir -p "$tmp/plug"
cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -Wall -Werror -I"$top/tests/plugins/abi_1_0" \
    -o "$tmp/plug/abi10.so" "$top/tests/plugins/abi10.c" || bad "building abi10.so"
for p in wideparam narrowparam; do
	cc -std=c11 -D_DEFAULT_SOURCE -shared -fPIC -Wall -Werror -I"$top/plugins" \
	    -o "$tmp/plug/$p.so" "$top/tests/plugins/$p.c" || bad "building $p.so"
done
export LATHE_PLUGIN_PATH="$tmp/plug:$build/plugins"

# 1. listed with every parameter as declared
out=$("$LATHE" plugins --json)
PARAMS='"params": [{"name": "alpha", "type": "real", "default": 0.5, "min": 0, "min_exclusive": true, "max": null, "log_scale": true, "help": "a positive real"}, {"name": "depth", "type": "int", "default": 3, "min": 1, "min_exclusive": false, "max": 50, "log_scale": false, "help": "an integer from 1 to 50"}, {"name": "mode", "type": "choice", "default": "exact", "choices": ["fast", "exact", "lazy"], "help": "a choice"}, {"name": "shuffle", "type": "bool", "default": true, "help": "a flag"}]'
contains "abi10 listed as ABI 1.0" '"path": "'"$tmp"'/plug/abi10.so", "abi": "1.0"' "$out"
contains "abi10 parameters" '"name": "abi10", "version": "0.1", "description": "test plugin abi10", "tasks": ["regression"], "path": "'"$tmp"'/plug/abi10.so", "abi": "1.0", "model_format": 1, '"$PARAMS" "$out"
contains "wideparam parameters" '"path": "'"$tmp"'/plug/wideparam.so", "abi": "1.2", "model_format": 1, '"$PARAMS" "$out"
if printf '%s' "$out" | grep -Eq "narrowparam.so\", \"reason\": \"plugin 'narrowparam' \(ABI 1\.[0-9]+\) declares sizeof_param [0-9]+, smaller than the [0-9]+ bytes of an ABI 1\.0 lathe_param_spec"; then
	ok
else
	bad "narrowparam refused naming sizeof_param and both sizes: $out"
fi
out=$("$LATHE" plugins -v)
contains "text: abi10's 3rd parameter" "mode           default exact      one of fast, exact, lazy — a choice" "$out"
contains "text: wideparam's 4th parameter" "shuffle        default true       true or false — a flag" "$out"

# 2. trained: defaults and --set on the 2nd, 3rd and 4th parameters reach
# create() in schema order and are recorded with their types
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
L init > /dev/null
L import -q "$top/datasets/diabetes.csv"
n=0
for plug in abi10 wideparam; do
	n=$((n + 1))
	id=$(L train --data diabetes --target target --algo $plug -q)
	check "$plug default train" "$n" "$id"
	contains "$plug defaults reach create" "$plug params: 0.5 3 exact 1" "$(L show "$id" --json)"
	n=$((n + 1))
	id=$(L train --data diabetes --target target --algo $plug -q --set depth=7 \
	    --set mode=lazy --set shuffle=false --set alpha=2.5)
	check "$plug train with --set" "$n" "$id"
	out=$(L show "$id" --json)
	contains "$plug --set reaches create" "$plug params: 2.5 7 lazy 0" "$out"
	contains "$plug params recorded" '"params": {"alpha": 2.5, "depth": 7, "mode": "lazy", "shuffle": false}' "$out"
	check "$plug typed run_params" "alpha|2.5 depth|7 mode|lazy shuffle|0" \
	    "$(sqlite3 "$P" "SELECT name || '|' || value FROM run_params WHERE run_id = $id ORDER BY rowid" | tr '\n' ' ' | sed 's/ $//')"
	# the 2nd parameter's bounds and the 3rd's choices are read from the right element
	L train --data diabetes --target target --algo $plug -q --set depth=51 > /dev/null 2> "$tmp/err"
	check "$plug depth=51 refused" 1 $?
	contains "$plug depth bounds" "parameter depth of $plug must be an integer >= 1 and <= 50, got 51" "$(cat "$tmp/err")"
	L train --data diabetes --target target --algo $plug -q --set mode=slow > /dev/null 2> "$tmp/err"
	check "$plug mode=slow refused" 1 $?
	contains "$plug mode choices" "parameter mode of $plug must be one of fast, exact, lazy, got 'slow'" "$(cat "$tmp/err")"
done

# 3. ABI 1.2 capabilities: a 1.0 plugin (no `capabilities` field, never
# read) keeps the imputed, one-hot default on data with gaps and strings,
# in training and in prediction; the built-in gbdt (1.2, missing values
# and categories) gets the native default on the same data
L import -q "$top/datasets/penguins.csv"
id=$(L train --data penguins --target year --algo abi10 -q 2> "$tmp/err")
check "abi10 trains on penguins" 0 $?
out=$(L show "$id" --json)
contains "abi10 gets the imputing default" 'impute mean numeric\nonehot categorical\ndrop text' "$out"
printf 'species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\nAdelie,Dream,,,,,\n' > "$tmp/gap.csv"
check "abi10 predicts a row with gaps" 2 "$(L predict "$id" "$tmp/gap.csv" | wc -l)"
id=$(L train --data penguins --target year --algo gbdt -q --set max_iter=5 2> "$tmp/err")
check "gbdt trains on penguins" 0 $?
out=$(L show "$id" --json)
contains "gbdt gets the native default" 'categories)\nordinal categorical\ndrop text' "$out"
check "gbdt predicts a row with gaps" 2 "$(L predict "$id" "$tmp/gap.csv" | wc -l)"

echo "plugin_abi: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
