#!/bin/sh
# cli_basics.sh — the CLI contract: --version, --help on every command, exit
# statuses (0 ok, 1 user error with one "lathe: " line, 2 usage error),
# project selection (-p before/after the command, --project=, LATHE_PROJECT,
# ./project.lathe), refusing files that are not (or not yet) lathe projects
# without touching them, and the documented keys of the --json outputs.
set -u
LATHE=${LATHE:-build/lathe}
case $LATHE in /*) ;; *) LATHE=$(pwd)/$LATHE ;; esac
if [ ! -x "$LATHE" ]; then
	echo "cli_basics: no lathe binary at $LATHE"
	exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
unset LATHE_PROJECT
nfail=0 nok=0
fail() {
	printf 'FAIL %s\n' "$*"
	nfail=$((nfail + 1))
}

# run CMD...: run with stdout in $T/out, stderr in $T/err, status in $rc
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# user_error WHAT MSG CMD...: status 1, nothing on stdout, stderr exactly
# "lathe: MSG" (MSG empty: any one line starting "lathe: ")
user_error() {
	what=$1 msg=$2
	shift 2
	run "$@"
	if [ $rc -ne 1 ]; then
		fail "$what: status $rc, expected 1 (stderr: $(head -c 300 "$T/err"))"
	elif [ -s "$T/out" ]; then
		fail "$what: unexpected stdout: $(head -c 200 "$T/out")"
	elif [ "$(wc -l <"$T/err")" -ne 1 ] || ! head -n 1 "$T/err" | grep -q '^lathe: '; then
		fail "$what: stderr is not one 'lathe: ' line: $(cat "$T/err")"
	elif [ -n "$msg" ] && [ "$(cat "$T/err")" != "lathe: $msg" ]; then
		fail "$what: stderr differs
    expected: lathe: $msg
    actual:   $(cat "$T/err")"
	else
		nok=$((nok + 1))
	fi
}

# usage_error WHAT PATTERN CMD...: status 2, nothing on stdout, stderr
# matches PATTERN (grep) and, for a command's own options and arguments
# (CMD has a command name), ends with that command's usage line
usage_error() {
	what=$1 pat=$2
	shift 2
	run "$@"
	if [ $rc -ne 2 ]; then
		fail "$what: status $rc, expected 2 (stderr: $(head -c 300 "$T/err"))"
	elif [ -s "$T/out" ]; then
		fail "$what: unexpected stdout: $(head -c 200 "$T/out")"
	elif ! grep -q -- "$pat" "$T/err"; then
		fail "$what: stderr lacks '$pat': $(cat "$T/err")"
	elif [ -n "${usage_of:-}" ] && ! tail -n 1 "$T/err" | grep -q "^usage: lathe $usage_of "; then
		fail "$what: stderr does not end with the usage of '$usage_of': $(cat "$T/err")"
	else
		nok=$((nok + 1))
	fi
	usage_of=
}

# ok WHAT CMD...: status 0, nothing on stderr
ok() {
	what=$1
	shift
	run "$@"
	if [ $rc -ne 0 ]; then
		fail "$what: status $rc: $(head -c 300 "$T/err")"
	elif [ -s "$T/err" ]; then
		fail "$what: unexpected stderr: $(head -c 300 "$T/err")"
	else
		nok=$((nok + 1))
	fi
}

# keys JSON: the sequence of object keys, space-separated
keys() {
	printf '%s\n' "$1" | grep -o '"[a-z_0-9]*": ' | tr -d '":' | tr -s ' \n' ' ' | sed 's/ $//'
}

# untouched WHAT FILE COPY: FILE is byte-identical to COPY, no sidecar files
untouched() {
	cmp -s "$2" "$3" || fail "$1: $2 was modified"
	for s in -wal -shm -journal; do
		[ ! -e "$2$s" ] || fail "$1: $2$s left behind"
	done
}

COMMANDS="init import datasets describe head"

# ---- version and help
ok "--version" "$LATHE" --version
grep -q '^lathe [0-9][0-9]*\.[0-9][0-9]*' "$T/out" || fail "--version output: $(cat "$T/out")"
ok "--help" "$LATHE" --help
grep -q '^usage: lathe' "$T/out" || fail "--help lacks usage: $(head -n 3 "$T/out")"
for c in $COMMANDS; do
	grep -q "^  $c " "$T/out" || fail "--help does not list command $c"
done
for c in $COMMANDS; do
	for h in --help -h; do
		ok "$c $h" "$LATHE" "$c" "$h"
		head -n 1 "$T/out" | grep -q "^usage: lathe $c" ||
			fail "$c $h: first line is not the usage: $(head -n 1 "$T/out")"
		grep -q -- '-p, --project FILE' "$T/out" || fail "$c $h: common options not shown"
	done
	ok "help $c" "$LATHE" help "$c"
	head -n 1 "$T/out" | grep -q "^usage: lathe $c" || fail "help $c: $(head -n 1 "$T/out")"
done
grep -q -- '--json' "$T/out" || fail "head --help does not mention --json"

# ---- usage errors: status 2
usage_error "unknown command" "no command 'frobnicate'" "$LATHE" frobnicate
usage_error "help for an unknown command" "no command 'frobnicate'" "$LATHE" help frobnicate
usage_error "unknown global option" "unknown option '--frob'" "$LATHE" --frob datasets
usage_error "-p without a file" "needs" "$LATHE" -p
for c in $COMMANDS; do
	usage_of=$c
	usage_error "$c --frob" "unknown option '--frob'" "$LATHE" -p "$T/x.lathe" "$c" --frob
done
usage_of='datasets'
usage_error "datasets with an argument" "unexpected argument 'extra'" "$LATHE" -p "$T/x.lathe" datasets extra
usage_of='init'
usage_error "init with an argument" "unexpected argument" "$LATHE" -p "$T/x.lathe" init extra
usage_of='import'
usage_error "import without a file" "missing" "$LATHE" -p "$T/x.lathe" import
usage_of='import'
usage_error "import with two files" "expected one file" "$LATHE" -p "$T/x.lathe" import a.csv b.csv
usage_of='import'
usage_error "import --delimiter ab" "bad delimiter 'ab'" "$LATHE" -p "$T/x.lathe" import a.csv --delimiter ab
usage_of='import'
usage_error "import --threads 0" "option '--threads' needs an integer from 1 to 64, got '0'" "$LATHE" -p "$T/x.lathe" import a.csv --threads 0
usage_of='import'
usage_error "import --threads 2x" "option '--threads' needs an integer from 1 to 64, got '2x'" "$LATHE" -p "$T/x.lathe" import a.csv --threads 2x
usage_of='import'
usage_error "import --name without value" "needs a value" "$LATHE" -p "$T/x.lathe" import a.csv --name
usage_of='head'
usage_error "head without a dataset" "missing the dataset" "$LATHE" -p "$T/x.lathe" head
usage_of='head'
usage_error "head -n abc" "option '-n' needs an integer >= 0, got 'abc'" "$LATHE" -p "$T/x.lathe" head d -n abc
usage_of='head'
usage_error "head -n -1" "option '-n' needs an integer >= 0, got '-1'" "$LATHE" -p "$T/x.lathe" head d -n -1
usage_of='head'
usage_error "head -n without value" "needs a value" "$LATHE" -p "$T/x.lathe" head d -n
usage_of='describe'
usage_error "describe with two datasets" "expected one dataset" "$LATHE" -p "$T/x.lathe" describe a b

# ---- number options: one syntax (a whole decimal, or a decimal number for
# fractions), every bad value a usage error naming the option as typed and
# the value, before anything is opened
badnum() {	# COMMAND OPTION VALUE WANT [ARGS...]: "option OPTION needs WANT, got VALUE"
	usage_of=$1
	[ "$1" = serve ] && usage_of=	# its usage spans several lines
	cmd=$1 opt=$2 val=$3 want=$4
	shift 4
	usage_error "$cmd $opt '$val'" "^lathe $cmd: option '$opt' needs $want, got '$val'\$" \
	    "$LATHE" -p "${badnum_p:-$T/x.lathe}" $cmd "$@" "$opt" "$val"
}
for v in abc '' 0x10 12abc ' 12' '12 ' 1e3 1.5 0 99999999999999999999; do
	badnum runs --limit "$v" "an integer >= 1"
done
badnum head -n 0x10 "an integer >= 0" d
usage_of=head
usage_error "head --rows=x" "^lathe head: option '--rows' needs an integer >= 0, got 'x'\$" \
    "$LATHE" -p "$T/x.lathe" head d --rows=x
usage_of=head
usage_error "head -n-2" "^lathe head: option '-n' needs an integer >= 0, got '-2'\$" \
    "$LATHE" -p "$T/x.lathe" head d -n-2
badnum import --threads 65 "an integer from 1 to 64" a.csv
badnum drift --last 10k "an integer >= 1" m
# recipe preview opens the project before its options
"$LATHE" -p "$T/num.lathe" init >/dev/null
badnum_p=$T/num.lathe
badnum recipe -n abc "an integer >= 0" preview r --data d
badnum_p=
for v in -1 0x10 18446744073709551616 9223372036854775808; do
	badnum train --seed "$v" "an integer >= 0" --data d --algo linear
done
badnum train --cv 1 "an integer from 2 to 100" --data d --algo linear
badnum train --threads 2.0 "an integer from 1 to 256" --data d --algo linear
for v in 1 -0.1 0x0.8p0 inf nan .2x '' 1e; do
	badnum train --test-size "$v" "a number in \\[0, 1)" --data d --algo linear
done
badnum serve --port 65536 "an integer from 0 to 65535"
badnum serve --max-body 1t "a size in bytes from 1 to 1024g (suffixes k, m, g: KiB, MiB, GiB)"
badnum serve --max-body 0x10 "a size in bytes from 1 to 1024g (suffixes k, m, g: KiB, MiB, GiB)"
badnum serve --log-sample 0 "a number in (0, 1\\]"
badnum serve --timeout 5s "an integer from 1 to 86400"
[ ! -e "$T/x.lathe" ] || fail "a usage error created the project file"

# ---- a missing project is a clear error and is not created
printf 'a,b\n1,x\n2,y\n' >"$T/d.csv"
for args in "datasets" "datasets --json" "describe d" "head d" "import $T/d.csv"; do
	# shellcheck disable=SC2086
	user_error "missing project: $args" \
	    "$T/none.lathe: no such project (create one with 'lathe init')" \
	    "$LATHE" -p "$T/none.lathe" $args
	[ ! -e "$T/none.lathe" ] || { fail "'$args' created the missing project"; rm -f "$T/none.lathe"; }
done
user_error "a directory as project" "$T: is a directory, not a project file" "$LATHE" -p "$T" datasets

# ---- init
P=$T/p.lathe
ok "init --json" "$LATHE" -p "$P" init --json
SCHEMA=$(sed -n 's/^{"project": ".*", "schema_version": \([0-9][0-9]*\)}$/\1/p' "$T/out")
[ -n "$SCHEMA" ] || fail "init --json output: $(cat "$T/out")"
[ "$(cat "$T/out")" = "{\"project\": \"$P\", \"schema_version\": $SCHEMA}" ] ||
	fail "init --json output: $(cat "$T/out")"
[ "$(sqlite3 "$P" 'PRAGMA integrity_check; PRAGMA user_version; PRAGMA journal_mode')" = "ok
$SCHEMA
wal" ] || fail "fresh project: integrity/user_version/journal_mode wrong"
ok "datasets on an empty project" "$LATHE" -p "$P" datasets --json
[ "$(cat "$T/out")" = '{"datasets": []}' ] || fail "empty datasets --json: $(cat "$T/out")"
cp "$P" "$T/p.copy"
user_error "init over an existing project" "$P: already exists" "$LATHE" -p "$P" init
cmp -s "$P" "$T/p.copy" || fail "init over an existing project modified it"
printf 'precious notes\n' >"$T/notes.txt"
cp "$T/notes.txt" "$T/notes.copy"
user_error "init over a text file" "$T/notes.txt: already exists" "$LATHE" -p "$T/notes.txt" init
untouched "init over a text file" "$T/notes.txt" "$T/notes.copy"
user_error "init in a missing directory" "" "$LATHE" -p "$T/no/such/dir/p.lathe" init
[ ! -e "$T/no" ] || fail "init in a missing directory created something"

# ---- files that are not lathe projects are refused and left byte-identical
sqlite3 "$T/other.db" 'CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);'
cp "$T/other.db" "$T/other.copy"
printf 'this is not a database\n%0200d\n' 0 >"$T/text.lathe"
cp "$T/text.lathe" "$T/text.copy"
: >"$T/empty.lathe"
: >"$T/empty.copy"
for args in "datasets" "datasets --json" "describe d" "head d" "import $T/d.csv"; do
	# shellcheck disable=SC2086
	user_error "non-lathe SQLite file: $args" \
	    "$T/other.db: not a lathe project (SQLite database with application id 0x00000000)" \
	    "$LATHE" -p "$T/other.db" $args
	untouched "non-lathe SQLite file: $args" "$T/other.db" "$T/other.copy"
	# shellcheck disable=SC2086
	user_error "text file: $args" "$T/text.lathe: not a lathe project (not an SQLite database)" \
	    "$LATHE" -p "$T/text.lathe" $args
	untouched "text file: $args" "$T/text.lathe" "$T/text.copy"
	# shellcheck disable=SC2086
	user_error "empty file: $args" "" "$LATHE" -p "$T/empty.lathe" $args
	grep -q 'not a lathe project' "$T/err" || fail "empty file as project: $(cat "$T/err")"
	untouched "empty file: $args" "$T/empty.lathe" "$T/empty.copy"
done
[ "$(sqlite3 "$T/other.db" 'SELECT group_concat(x) FROM t')" = "1,2" ] || fail "other.db data changed"

# ---- a project from a newer lathe is refused, naming both versions, untouched
F=$T/future.lathe
"$LATHE" -p "$F" init >/dev/null || fail "init future.lathe"
"$LATHE" -p "$F" import "$T/d.csv" -q || fail "import into future.lathe"
NEWER=$((SCHEMA + 7))
sqlite3 "$F" "PRAGMA user_version = $NEWER" || fail "setting user_version"
cp "$F" "$T/future.copy"
for args in "datasets" "describe d" "head d --json" "import $T/d.csv --name e"; do
	# shellcheck disable=SC2086
	user_error "newer schema: $args" \
	    "$F: project schema version $NEWER is newer than this lathe supports (version $SCHEMA); upgrade lathe" \
	    "$LATHE" -p "$F" $args
	untouched "newer schema: $args" "$F" "$T/future.copy"
done

# ---- choosing the project: -p before/after the command, --project[=], env, default
"$LATHE" -p "$P" import "$T/d.csv" -q || fail "import d"
ok "-p before" "$LATHE" -p "$P" datasets --json
ref=$(cat "$T/out")
case $ref in *'"name": "d"'*) ;; *) fail "datasets --json after import: $ref" ;; esac
for form in "-p $P datasets --json" "datasets -p $P --json" "datasets --json -p $P" \
    "--project $P datasets --json" "--project=$P datasets --json" "datasets --project=$P --json"; do
	# shellcheck disable=SC2086
	ok "$form" "$LATHE" $form
	[ "$(cat "$T/out")" = "$ref" ] || fail "'lathe $form' differs from 'lathe -p P datasets --json'"
done
ok "LATHE_PROJECT" env LATHE_PROJECT="$P" "$LATHE" datasets --json
[ "$(cat "$T/out")" = "$ref" ] || fail "LATHE_PROJECT: $(cat "$T/out")"
ok "LATHE_PROJECT with head" env LATHE_PROJECT="$P" "$LATHE" head d --json
[ "$(cat "$T/out")" = '{"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"]]}' ] ||
	fail "LATHE_PROJECT head: $(cat "$T/out")"
user_error "-p overrides LATHE_PROJECT" "$T/none.lathe: no such project (create one with 'lathe init')" \
    env LATHE_PROJECT="$P" "$LATHE" -p "$T/none.lathe" datasets
mkdir "$T/cwd"
(cd "$T/cwd" && "$LATHE" init >/dev/null 2>&1) || fail "init in cwd"
[ -f "$T/cwd/project.lathe" ] || fail "default project is not ./project.lathe"
(cd "$T/cwd" && "$LATHE" import "$T/d.csv" -q && "$LATHE" datasets --json) >"$T/out" 2>&1
case $(cat "$T/out") in *'"name": "d"'*) ;; *) fail "default project: $(cat "$T/out")" ;; esac

# ---- --json shapes (docs/cli.md)
printf 'num,cat\n1,x\n2,y\n3,x\n4,x\n' >"$T/shape.csv"
ok "import --json" "$LATHE" -p "$P" import "$T/shape.csv" --json
out=$(cat "$T/out")
[ "$(keys "$out")" = "name version created rows columns hash delimiter header seconds" ] ||
	fail "import --json keys: $(keys "$out")"
case $out in
'{"name": "shape", "version": 1, "created": true, "rows": 4, "columns": 2, "hash": "'*'", "delimiter": ",", "header": true, "seconds": '*'}') ;;
*) fail "import --json: $out" ;;
esac
hash=$(printf '%s\n' "$out" | sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p')
[ ${#hash} -eq 64 ] || fail "import --json hash is not 64 hex digits: $hash"

ok "datasets --json" "$LATHE" -p "$P" datasets --json
out=$(cat "$T/out")
entry="name version latest rows columns hash source source_bytes created options delimiter header bom na"
[ "$(keys "$out")" = "datasets $entry $entry" ] || fail "datasets --json keys: $(keys "$out")"
printf '%s\n' "$out" | grep -q '"name": "shape", "version": 1, "latest": true, "rows": 4, "columns": 2, "hash": "'"$hash"'", "source": "'"$T"'/shape.csv", "source_bytes": 24, "created": "[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z", "options": {"delimiter": ",", "header": true, "bom": false, "na": \["", "NA", "N/A", "null", "NaN", "?"\]}}' ||
	fail "datasets --json entry for shape: $out"

ok "describe --json" "$LATHE" -p "$P" describe shape --json
out=$(cat "$T/out")
col="name index kind integer likely_label count missing distinct mean std min q25 median q75 max top"
inf="infinite pos_inf neg_inf"
[ "$(keys "$out")" = "name version rows hash columns $col value count value count value count value count $inf $col value count value count $inf" ] ||
	fail "describe --json keys: $(keys "$out")"
want='{"name": "shape", "version": 1, "rows": 4, "hash": "'$hash'", "columns": [{"name": "num", "index": 0, "kind": "numeric", "integer": true, "likely_label": false, "count": 4, "missing": 0, "distinct": 4, "mean": 2.5, "std": 1.2909944487358056, "min": 1, "q25": 1.75, "median": 2.5, "q75": 3.25, "max": 4, "top": [{"value": 1, "count": 1}, {"value": 2, "count": 1}, {"value": 3, "count": 1}, {"value": 4, "count": 1}], "infinite": 0, "pos_inf": 0, "neg_inf": 0}, {"name": "cat", "index": 1, "kind": "categorical", "integer": false, "likely_label": false, "count": 4, "missing": 0, "distinct": 2, "mean": null, "std": null, "min": null, "q25": null, "median": null, "q75": null, "max": null, "top": [{"value": "x", "count": 3}, {"value": "y", "count": 1}], "infinite": 0, "pos_inf": 0, "neg_inf": 0}]}'
[ "$out" = "$want" ] || fail "describe --json differs
    expected: $want
    actual:   $out"
ok "describe (text)" "$LATHE" -p "$P" describe shape
grep -q '^shape@1: 4 rows x 2 columns' "$T/out" || fail "describe text header: $(head -n 1 "$T/out")"

ok "head --json" "$LATHE" -p "$P" head shape --json
[ "$(cat "$T/out")" = '{"columns": ["num", "cat"], "rows": [[1, "x"], [2, "y"], [3, "x"], [4, "x"]]}' ] ||
	fail "head --json: $(cat "$T/out")"
ok "head -n 0 --json" "$LATHE" -p "$P" head shape -n 0 --json
[ "$(cat "$T/out")" = '{"columns": ["num", "cat"], "rows": []}' ] || fail "head -n 0: $(cat "$T/out")"
ok "head --rows 1 --json" "$LATHE" -p "$P" head shape@1 --rows 1 --json
[ "$(cat "$T/out")" = '{"columns": ["num", "cat"], "rows": [[1, "x"]]}' ] || fail "head --rows 1: $(cat "$T/out")"
ok "head (text)" "$LATHE" -p "$P" head shape
[ "$(wc -l <"$T/out")" -eq 5 ] || fail "head text: expected a header and 4 rows: $(cat "$T/out")"
ok "datasets (text)" "$LATHE" -p "$P" datasets
grep -q '^shape@1 ' "$T/out" || fail "datasets text: $(cat "$T/out")"
ok "import -q" "$LATHE" -p "$P" import "$T/shape.csv" -q
[ ! -s "$T/out" ] || fail "import -q printed: $(cat "$T/out")"

[ "$(sqlite3 "$P" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check at the end"
echo "cli_basics: $nok checks passed, $nfail failed"
[ $nfail -eq 0 ]
