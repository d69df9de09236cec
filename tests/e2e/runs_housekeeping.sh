#!/bin/sh
# runs_housekeeping.sh — run housekeeping through the real binary: tags and
# notes (`runs tag`, `runs note`) shown by `show`, `show --json` and
# `runs --json`; `runs --where EXPR` over columns, metrics, parameters and
# tags, checked against SQL over the project's own tables, with its caret
# errors; `--columns`; `--sort` in a lower-is-better metric's direction
# after a filter; archive / unarchive / --archived / --all; delete (with
# its artifacts, in one transaction; refusals for a registered model's
# run, a re-run's original and an unknown run, which leave every run in
# place; --vacuum); and a non-converged fit named in the line `train`
# prints.  Every refusal is checked word for word.
set -u
top=$(pwd)
LATHE=${LATHE:-$top/build/lathe}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
export LATHE_PROGRESS=never
unset LATHE_PROJECT
. "$(dirname "$0")/lib/checks.sh"
P="$tmp/p.lathe"
L() { "$LATHE" -p "$P" "$@"; }
Q() { sqlite3 "$P" "$1" | tr '\n' ' ' | sed 's/ $//'; }

# user_error WHAT MSG CMD...: status 1, nothing on stdout, stderr is MSG
# (prefixed "lathe: ")
user_error() {
	what=$1 msg=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	check "$what: status" 1 "$rc"
	check "$what: stdout" "" "$(cat "$tmp/out")"
	check "$what: message" "lathe: $msg" "$(cat "$tmp/err")"
}
usage_error() {
	what=$1 part=$2
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	check "$what: status" 2 "$rc"
	contains "$what: message" "$part" "$(head -n 1 "$tmp/err")"
}

L init > /dev/null
for f in iris diabetes; do L import -q "$top/datasets/$f.csv"; done
# runs 1-3: logistic, C apart; 4-5: ridge; 6: kmeans
for c in 0.01 1 100; do
	L train -q --data iris --target target --algo logistic --set C=$c --step 'standardize *' \
	    --experiment cls > /dev/null
done
for a in 100 0.1; do
	L train -q --data diabetes --target target --algo ridge --set alpha=$a --experiment reg \
	    > /dev/null
done
L train -q --data iris --algo kmeans --set n_clusters=3 > /dev/null
check "six runs" 6 "$(Q 'SELECT count(*) FROM runs')"

# ids: the run ids of `lathe runs ARGS --json`, in order, on one line
ids() { L runs "$@" --json | grep -o '"id": [0-9]*' | sed 's/"id": //' | tr '\n' ' ' | sed 's/ $//'; }
# metric NAME: the evaluation metric of each run as SQL sees it
M="(SELECT value FROM run_metrics m WHERE m.run_id = r.id AND m.name = '%s' AND m.split = 'test')"

# ---- tags and notes
check "tag output" "run 1 tags: owner=ana stage=dev" "$(L runs tag 1 owner=ana stage=dev)"
check "tag r2" "run 2 tags: owner=bob" "$(L runs tag r2 owner=bob)"
check "tag replace and add" "run 2 tags: lr=0.1 owner=ana" "$(L runs tag 2 owner=ana lr=0.1)"
check "tag remove" "run 1 tags: owner=ana" "$(L runs tag 1 stage=)"
check "tag --json" '{"run": 4, "tags": {"owner": "cy"}}' "$(L runs tag 4 owner=cy --json)"
check "tags in SQL" "1|owner|ana 2|lr|0.1 2|owner|ana 4|owner|cy" \
    "$(Q 'SELECT run_id, key, value FROM run_tags ORDER BY run_id, key')"
check "note" "run 1: note set" "$(L runs note 1 baseline, keep for the report)"
check "note stored" "baseline, keep for the report" "$(Q 'SELECT note FROM runs WHERE id = 1')"
check "note --json" '{"run": 3, "note": "too strong a C?"}' "$(L runs note 3 'too strong a C?' --json)"
check "note cleared" "run 3: note cleared" "$(L runs note 3 '')"
check "note NULL when cleared" "1" "$(Q 'SELECT note IS NULL FROM runs WHERE id = 3')"
check "show: tags line" "tags       owner=ana" "$(L show 1 | sed -n 2p)"
check "show: note line" "note       baseline, keep for the report" "$(L show 1 | sed -n 3p)"
check "show: no tags, no note, no lines" "" "$(L show 5 | sed -n '2,3p' | grep -e '^tags' -e '^note')"
check "show --json: tags, note, archived" \
    '"tags": {"owner": "ana"}, "note": "baseline, keep for the report", "archived": false' \
    "$(L show 1 --json | grep -o '"tags": {[^}]*}, "note": "[^"]*", "archived": [a-z]*')"
check "show --json: none" '"tags": {}, "note": null, "archived": false' \
    "$(L show 5 --json | grep -o '"tags": {[^}]*}, "note": [a-z]*, "archived": [a-z]*')"
check "runs --json: tags, note, archived" \
    '"tags": {"lr": "0.1", "owner": "ana"}, "note": null, "archived": false' \
    "$(L runs --json --where 'id == 2' | grep -o '"tags": {[^}]*}, "note": [a-z]*, "archived": [a-z]*')"

user_error "tag an unknown run" "no run 99 (see 'lathe runs')" L runs tag 99 a=b
user_error "tag a bad run id" "bad run id 'x1' (expected a number such as 17 or r17)" L runs tag x1 a=b
user_error "tag without =" "bad tag 'owner' (expected KEY=VALUE, or KEY= to remove it)" \
    L runs tag 1 owner
user_error "tag with a bad key" \
    "bad tag key 'my-key' (letters, digits and '_', starting with a letter or '_', at most 64)" \
    L runs tag 1 my-key=1
user_error "remove an absent tag" "run 1 has no tag 'stage'" L runs tag 1 zz=1 stage=
check "a refused tag command writes nothing" "" "$(Q "SELECT key FROM run_tags WHERE key = 'zz'")"
user_error "note an unknown run" "no run 42 (see 'lathe runs')" L runs note 42 hello
usage_error "tag without tags" "'runs tag' expects a run and KEY=VALUE" L runs tag 1
usage_error "note without text" "'runs note' expects a run and the note's text" L runs note 1
usage_error "unknown listing argument" "unexpected argument 'tags'" L runs tags

# ---- --where, checked against SQL over the same tables
oracle() { Q "SELECT r.id FROM runs r WHERE $1 ORDER BY r.id DESC"; }
acc=$(printf "$M" accuracy)
check "--where metric and column" "$(oracle "$acc > 0.9 AND r.algo = 'logistic'")" \
    "$(ids --where "accuracy > 0.9 && algo == 'logistic'")"
[ -n "$(ids --where "accuracy > 0.9 && algo == 'logistic'")" ] && ok || bad "--where matched nothing"
check "--where parameter" "3 2" "$(ids --where 'C >= 1')"
check "--where param.C" "3 2" "$(ids --where 'param.C >= 1')"
check "--where tag" "2 1" "$(ids --where "owner == 'ana'")"
check "--where tag.owner, or" "4 2 1" "$(ids --where "tag.owner == 'ana' or tag.owner == 'cy'")"
check "--where experiment and rmse" "$(oracle "$(printf "$M" rmse) < 100 AND r.experiment_id = 2")" \
    "$(ids --where "experiment == 'reg' && rmse < 100")"
check "--where status, task" "6" "$(ids --where "status == 'finished' && task == 'clustering'")"
check "--where note" "1" "$(ids --where "note == 'baseline, keep for the report'")"
check "--where missing never matches" "" "$(ids --where "owner == 'nobody'")"
check "--where with --experiment" "2" "$(ids --experiment cls --where "owner == 'ana' && C == 1")"
check "--where a known metric nobody has" "" "$(ids --where 'mape < 0.1 && task == "x"' 2>/dev/null)"
check "--where, --sort rmse: lowest first" \
    "$(Q "SELECT r.id FROM runs r WHERE r.algo = 'ridge' ORDER BY $(printf "$M" rmse) ASC")" \
    "$(ids --where "algo == 'ridge'" --sort rmse)"
check "--where, --sort +rmse: highest first" \
    "$(Q "SELECT r.id FROM runs r WHERE r.algo = 'ridge' ORDER BY $(printf "$M" rmse) DESC")" \
    "$(ids --where "algo == 'ridge'" --sort +rmse)"
check "--where nothing: says so" "no runs matching --where (6 runs in all)" \
    "$(L runs --where "algo == 'svm'")"

where_error() {
	what=$1 expr=$2 msg=$3
	L runs --where "$expr" > "$tmp/out" 2> "$tmp/err"
	check "$what: status" 1 "$?"
	check "$what: message" "$msg" "$(cat "$tmp/err")"
}
where_error "--where syntax" "accuracy >" "lathe: --where:1:11: expression ends too early (expected a value)
    accuracy >
              ^"
where_error "--where unknown field" "acuracy > 0.9" "lathe: --where:1:1: unknown field 'acuracy' (not a run column, metric, parameter or tag; see 'lathe runs --help')
    acuracy > 0.9
    ^"
where_error "--where text compared with a number" "accuracy > 0.5 && algo > 1" "lathe: --where:1:19: field 'algo' is text; compare it with a 'string' (algo == 'value')
    accuracy > 0.5 && algo > 1
                      ^"
where_error "--where number compared with a string" "C == 'big'" "lathe: --where:1:1: field 'C' is numeric; compare it with a number, not a 'string'
    C == 'big'
    ^"

# ---- --columns
hdr=$(L runs --columns C,owner,accuracy --experiment cls | head -n 1 | tr -s ' ')
check "--columns header" "RUN STATUS EXPERIMENT DATASET ALGO TARGET ON C owner accuracy TIME CREATED" "$hdr"
row=$(L runs --columns C,owner,accuracy --where 'id == 2' | sed -n 2p | awk '{ print $8, $9, $10 }')
check "--columns values" "1 ana $(Q "SELECT printf('%.4f', value) FROM run_metrics WHERE run_id = 2 AND name = 'accuracy' AND split = 'test'")" "$row"
user_error "--columns unknown" \
    "--columns: unknown field 'colour' (no listed run has a metric, parameter or tag by that name)" \
    L runs --columns accuracy,colour

# ---- archive
check "archive" "archived runs 1 and 3" "$(L runs archive 1 r3 1)"
check "archived in SQL" "1 3" "$(Q 'SELECT id FROM runs WHERE archived ORDER BY id')"
check "hidden from runs" "6 5 4 2" "$(ids)"
check "--archived" "3 1" "$(ids --archived)"
check "--all" "6 5 4 3 2 1" "$(ids --all)"
check "--all: archived in the status" "finished, archived" \
    "$(L runs --all --where 'id == 1' | sed -n 2p | awk '{ print $2, $3 }')"
check "show says archived" "run 1  finished  experiment cls  archived" "$(L show 1 | head -n 1)"
check "--where archived" "3 1" "$(ids --all --where 'archived == 1')"
check "archive again changes nothing" "archived run 1 (nothing changed: already archived)" \
    "$(L runs archive 1)"
check "filtered listing names archived runs" \
    "no runs in experiment 'cls' matching --where (6 runs in all, 2 archived: see --archived)" \
    "$(L runs --experiment cls --where 'id == 3')"
user_error "archive an unknown run" "no run 77 (see 'lathe runs')" L runs archive 2 77
check "a refused archive changes nothing" "1 3" "$(Q 'SELECT id FROM runs WHERE archived ORDER BY id')"
check "unarchive" '{"runs": [3], "archived": false, "changed": 1}' "$(L runs unarchive 3 --json)"
check "unarchived" "6 5 4 3 2" "$(ids)"

# ---- delete
L model register 2 --name prod > /dev/null
user_error "delete a registered model's run" \
    "run 2 is registered as model 'prod' version 1; a registered run cannot be deleted" \
    L runs delete 4 2
L rerun 4 > /dev/null 2>&1
user_error "delete a re-run's original" "run 4 was re-run as run 7; delete run 7 too (or first)" \
    L runs delete 4
user_error "delete an unknown run" "no run 70 (see 'lathe runs')" L runs delete 5 70
check "refused deletes delete nothing" 7 "$(Q 'SELECT count(*) FROM runs')"
bytes=$(Q "SELECT sum(length(data)) FROM run_artifacts WHERE run_id IN (4, 7)")
check "delete a run with its re-run" "{\"deleted\": [4, 7], \"artifact_bytes\": $bytes, \"vacuumed\": false}" \
    "$(L runs delete 4 7 --json)"
check "nothing of them is left" "0|0|0|0|0|0" "$(Q "SELECT (SELECT count(*) FROM runs WHERE id IN (4, 7)),
    (SELECT count(*) FROM run_metrics WHERE run_id IN (4, 7)),
    (SELECT count(*) FROM run_params WHERE run_id IN (4, 7)),
    (SELECT count(*) FROM run_curves WHERE run_id IN (4, 7)),
    (SELECT count(*) FROM run_artifacts WHERE run_id IN (4, 7)),
    (SELECT count(*) FROM run_tags WHERE run_id IN (4, 7))")"
check "the others untouched" "1 2 3 5 6" "$(Q 'SELECT id FROM runs ORDER BY id')"
out=$(L runs rm 6 r6 --vacuum)
case $out in "deleted run 6 ("*" of artifacts; project vacuumed)") ok ;;
	*) bad "delete --vacuum: got '$out'" ;; esac
check "vacuumed: no free pages" 0 "$(sqlite3 "$P" 'PRAGMA freelist_count')"
check "integrity and foreign keys" "ok" "$(sqlite3 "$P" 'PRAGMA integrity_check; PRAGMA foreign_key_check')"
# a "running" run whose process is long gone is reaped (failed), then deleted
sqlite3 "$P" "UPDATE runs SET status = 'running', pid = 2147483, pid_start = NULL,
    owner_pid = NULL WHERE id = 5"
check "a dead running run is deletable" "deleted run 5 (" "$(L runs delete 5 | cut -c 1-15)"
usage_error "delete without runs" "'runs delete' expects one or more runs" L runs delete
usage_error "--vacuum elsewhere" "'runs archive' takes no --vacuum" L runs archive 1 --vacuum

# ---- a fit that did not converge says so in train's line
L train --data iris --target target --algo logistic --set max_iter=2 > "$tmp/out" 2> "$tmp/err"
id=$(cat "$tmp/out")
contains "non-converged: train's line" \
    "run $id finished in " "$(cat "$tmp/err")"
contains "non-converged: says so" \
    ", not converged after 2 iterations (see 'lathe show $id'): accuracy " "$(cat "$tmp/err")"
check "non-converged: the summary agrees" "false" \
    "$(L show "$id" --json | grep -o '"converged": *[a-z]*' | sed 's/.*: *//')"
L train --data iris --target target --algo logistic --step 'standardize *' > /dev/null 2> "$tmp/err"
case $(cat "$tmp/err") in *"not converged"*) bad "a converged fit says not converged" ;; *) ok ;; esac
check "--json converged false" '"converged": false' \
    "$(L train -q --data iris --target target --algo logistic --set max_iter=2 --json | grep -o '"converged": [a-z]*')"
check "--json converged true" '"converged": true' \
    "$(L train -q --data iris --target target --algo logistic --step 'standardize *' --json | grep -o '"converged": [a-z]*')"
check "--json converged null (kmeans says nothing)" '"converged": null' \
    "$(L train -q --data iris --algo kmeans --json | grep -o '"converged": [a-z]*')"

echo "runs_housekeeping: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
