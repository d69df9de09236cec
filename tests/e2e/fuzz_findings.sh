#!/bin/sh
# fuzz_findings.sh — what the fuzz targets of tests/fuzz/ found, through
# the real binary (each finding's input is also in its target's corpus,
# replayed by fuzz_corpus.sh; docs/testing.md lists them):
#   fuzz_recipe:   a recipe line that is not UTF-8 (even a comment) was
#                  accepted and fitted, and the model then never loaded
#                  (its fitted recipe is JSON); it is refused at once.
#   fuzz_registry: a schema or example in the project that is not JSON
#                  (the file is open to sqlite3) made `model show --json`
#                  and `model list --json` print invalid JSON; it is null.
set -u
. "$(dirname "$0")/lib/require.sh"
require sqlite3
require python3
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
. "$(dirname "$0")/lib/checks.sh"
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }

L init >/dev/null
L import -q "$top/datasets/iris.csv" --name iris

# a recipe that is not UTF-8: refused with its place, nothing recorded
printf 'impute mean numeric\n# caf\351\n' >"$tmp/bad.recipe"
L train --data iris --target target --algo logistic --recipe "$tmp/bad.recipe" \
    >/dev/null 2>"$tmp/err"
check "non-UTF-8 recipe: status" 1 $?
check "non-UTF-8 recipe: message" "lathe: $tmp/bad.recipe:2:6: invalid UTF-8 byte 0xe9 (expected UTF-8 text)" \
    "$(head -n 1 "$tmp/err")"
check "non-UTF-8 recipe: no run" 0 "$(sqlite3 "$P" 'SELECT count(*) FROM runs')"

# schemas that are not JSON: --json output still parses, the field is null
run=$(L train --data iris --target target --algo logistic 2>/dev/null | tail -n 1)
L model register "$run" --name m >/dev/null
sqlite3 "$P" "UPDATE model_versions SET input_schema = '', output_schema = '[1,', input_example = 'x'"
for args in "model show m --json" "model list --json"; do
	# shellcheck disable=SC2086
	L $args >"$tmp/out" 2>"$tmp/err"
	check "$args: status" 0 $?
	check "$args: valid JSON" "ok" "$(python3 -c '
import json, sys
json.load(open(sys.argv[1]))
print("ok")' "$tmp/out" 2>&1 | tail -n 1)"
done
check "show: the corrupt fields are null" "None None None" "$(L model show m --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["input_schema"], d["output_schema"], d["input_example"])' 2>&1 | tail -n 1)"

echo "fuzz_findings: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
