#!/bin/sh
# A project the user cannot write — file 444 in a directory 755 of another
# user — is read: every reading command works, `lathe serve` serves it, a
# command that writes fails with one clear line, and the file is untouched.
# As root the reading side runs as nobody (root ignores permissions);
# otherwise the directory is made read-only instead.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
build=${LATHE_BUILD:-$top/build}
export LATHE_PLUGIN_PATH="$build/plugins" LATHE_PROGRESS=never
tmp=$(mktemp -d)
srv=""
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	chmod -R u+w "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/lib/checks.sh"
command -v curl >/dev/null || { echo "SKIP: curl is not installed (dependency: curl)"; exit 77; }

chmod 755 "$tmp"
mkdir "$tmp/proj" "$tmp/out"
P="$tmp/proj/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
L init > /dev/null
L import -q "$top/datasets/iris.csv" > /dev/null
L train --data iris --target target --algo logistic -q > /dev/null
L model register 1 --name iris > /dev/null
L model alias iris@1 prod > /dev/null
printf 'impute median *\n' > "$tmp/r.txt"
L recipe add med "$tmp/r.txt" > /dev/null
printf 'sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)\n5.1,3.5,1.4,0.2\n' \
    > "$tmp/out/in.csv"
# the owner's view, to compare with
want_runs=$(L runs --json)
want_pred=$(L predict iris@prod "$tmp/out/in.csv")
chmod 444 "$P"
chmod 755 "$tmp/proj"
[ -e "$P-wal" ] && bad "the owner left a -wal file"
sum_before=$(sha256sum "$P" | cut -d' ' -f1)

if [ "$(id -u)" -eq 0 ]; then
	chmod 777 "$tmp/out"
	chmod 644 "$tmp/out/in.csv"
	asx="setpriv --reuid 65534 --regid 65534 --clear-groups"
	who="nobody"
else
	chmod 555 "$tmp/proj"
	asx=""
	who="$(id -un)"
fi
# $asx prefixes a simple command: a command started in the background must
# not go through a function, or $! is a subshell's pid and killing it
# leaves the command running
as() { $asx "$@"; }
R() { as "$LATHE" -p "$P" "$@"; }

out=$(R datasets 2>&1); check "datasets as $who" 0 $?
contains "datasets lists iris" "iris@1" "$out"
R describe iris > /dev/null 2>&1; check "describe" 0 $?
R head iris -n 3 > /dev/null 2>&1; check "head" 0 $?
check "runs --json" "$want_runs" "$(R runs --json 2>&1)"
R show 1 > /dev/null 2>&1; check "show" 0 $?
R model list > /dev/null 2>&1; check "model list" 0 $?
R recipe list > /dev/null 2>&1; check "recipe list" 0 $?
R recipe preview med --data iris -n 2 > /dev/null 2>&1; check "recipe preview" 0 $?
check "predict" "$want_pred" "$(R predict iris@prod "$tmp/out/in.csv" 2>&1)"
R export iris@prod -o "$tmp/out/iris.bundle" > /dev/null 2>&1; check "export" 0 $?

# a command that writes: one line, exit 1, nothing changed
err=$(R import -q "$top/datasets/penguins.csv" 2>&1); check "import refused" 1 $?
contains "import message" "project is read-only for you" "$err"
check "one line" 1 "$(printf '%s\n' "$err" | wc -l)"
err=$(R train --data iris --target target --algo logistic -q 2>&1); check "train refused" 1 $?
contains "train message" "read-only" "$err"

# serving
$asx "$LATHE" -p "$P" serve --model iris@prod --port 0 > "$tmp/out/serve.out" 2> "$tmp/out/serve.err" &
srv=$!
i=0
while ! grep -q "listening on" "$tmp/out/serve.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
url=$(sed -n 's/^listening on //p' "$tmp/out/serve.out" | head -1)
[ -n "$url" ] || bad "serve did not start: $(cat "$tmp/out/serve.err")"
body='{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[5.1, 3.5, 1.4, 0.2]]}}'
resp=$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d "$body" "$url/invocations")
check "serve answers" '{"predictions": [0]} 200' "$resp"
check "ready" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/v2/health/ready")"
kill "$srv"
wait "$srv" 2>/dev/null
srv=""
check "server stopped" 000 "$(curl -s -o /dev/null -w '%{http_code}' "$url/ping")"

check "file untouched" "$sum_before" "$(sha256sum "$P" | cut -d' ' -f1)"

# an older schema (6, before this issue's migrations): served after the
# migration when the owner serves it; refused, saying why, when it cannot
# be written
O="$tmp/out/old.lathe"
cp "$P" "$O"
chmod 644 "$O"
now=$(sqlite3 "$O" 'PRAGMA user_version')
sqlite3 "$O" "ALTER TABLE runs DROP COLUMN pid_start; ALTER TABLE runs DROP COLUMN owner_pid;
    ALTER TABLE runs DROP COLUMN owner_start; ALTER TABLE dataset_columns DROP COLUMN pos_inf;
    ALTER TABLE dataset_columns DROP COLUMN neg_inf; DROP TABLE IF EXISTS prediction_log_counts;
    DROP TABLE IF EXISTS run_tags; ALTER TABLE runs DROP COLUMN note;
    ALTER TABLE runs DROP COLUMN archived;
    DROP TABLE IF EXISTS run_cv_metrics; DROP TABLE IF EXISTS run_cv_folds;
    PRAGMA user_version = 6" || bad "making a schema-6 copy"
cp "$O" "$tmp/out/old-ro.lathe"
"$LATHE" -p "$O" serve --model iris@prod --port 0 > "$tmp/out/old.out" 2> "$tmp/out/old.err" &
srv=$!
i=0
while ! grep -q "listening on" "$tmp/out/old.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
url=$(sed -n 's/^listening on //p' "$tmp/out/old.out" | head -1)
[ -n "$url" ] || bad "serve of an older schema did not start: $(cat "$tmp/out/old.err")"
check "older schema served" '{"predictions": [0]} 200' \
    "$(curl -s -w ' %{http_code}' -H 'Content-Type: application/json' -d "$body" "$url/invocations")"
kill "$srv"
wait "$srv" 2>/dev/null
srv=""
check "older schema migrated" "$now" "$(sqlite3 "$O" 'PRAGMA user_version')"
chmod 444 "$tmp/out/old-ro.lathe"
err=$(as "$LATHE" -p "$tmp/out/old-ro.lathe" serve --model iris@prod --port 0 2>&1 > /dev/null)
check "older read-only schema refused" 1 $?
contains "older read-only says why" "project schema version 6 must be upgraded to version $now, which needs write access" "$err"
[ -e "$P-wal" ] && bad "a -wal file was created"
[ -e "$P-shm" ] && bad "a -shm file was created"
echo "readonly_project: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
