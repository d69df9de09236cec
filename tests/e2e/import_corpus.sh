#!/bin/sh
# import_corpus.sh — import every file of tests/corpus/ and check it against
# the NAME.expect beside it; then versions, content addressing, thread-count
# independence, non-file inputs and the bundled datasets.
#
# NAME.expect (lines; '#' starts a comment):
#   ok | error           what the import must do
#   args A B ...         extra import arguments (split on spaces)
#   for ok:    delimiter D (as in import --json, JSON-escaped), header true|false,
#              rows N, cols N, kinds K,K,...  labels B,B,...  missing N,N,...
#              (per column, from describe --json), head-n N (default 5),
#              head JSON (exact output of head NAME -n N --json)
#   for error: message MSG — stderr must be exactly "lathe: MSG" (one line),
#              exit status 1, nothing on stdout, and the project unchanged
#              byte for byte (sqlite3 .dump and the file itself).
# Files are passed as tests/corpus/NAME.csv (cwd = repo root), so messages
# name them that way.
set -u
LATHE=${LATHE:-build/lathe}
case $LATHE in /*) ;; *) LATHE=$(pwd)/$LATHE ;; esac
if [ ! -x "$LATHE" ]; then
	echo "import_corpus: no lathe binary at $LATHE"
	exit 1
fi
if [ ! -d tests/corpus ]; then
	echo "import_corpus: run from the repository root"
	exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
P=$T/corpus.lathe
nfail=0
nok=0

fail() {
	printf 'FAIL %s\n' "$*"
	nfail=$((nfail + 1))
}

lathe() {
	"$LATHE" -p "$P" "$@"
}

# field KEY JSON: the scalar value of "KEY": in a one-line JSON text where
# KEY occurs once (import --json, the top of describe --json)
field() {
	printf '%s\n' "$2" | sed -n "s/.*\"$1\": \"\{0,1\}\([^\",}]*\).*/\1/p"
}

# rep N WORD: "WORD,WORD,...", N times
rep() {
	i=1 r=$2
	while [ $i -lt "$1" ]; do r="$r,$2"; i=$((i + 1)); done
	printf '%s' "$r"
}

# check WHAT EXPECTED ACTUAL (nothing expected: not checked); sets bad=1
check() {
	if [ -n "$2" ] && [ "$2" != "$3" ]; then
		fail "$f: $1: expected '$2', got '$3'"
		bad=1
	fi
}

# percol KEY JSON: "a,b,c" from every "KEY": value (describe --json columns)
percol() {
	printf '%s\n' "$2" | grep -o "\"$1\": \"\{0,1\}[a-z0-9]*" | sed 's/.*: "\{0,1\}//' | paste -sd, -
}

# project_state: a fingerprint of the project (logical dump + file bytes)
project_state() {
	{ sqlite3 "$P" .dump; cksum < "$P"; } | cksum
}

integrity() {
	r=$(sqlite3 "$P" 'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1)
	[ "$r" = ok ] || fail "$1: integrity_check: $r"
}

# expect_error WHAT MSG CMD...: CMD must fail with status 1, print exactly
# "lathe: MSG" on stderr and nothing on stdout, and leave the project as it was
expect_error() {
	what=$1 msg=$2
	shift 2
	before=$(project_state)
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	printf 'lathe: %s\n' "$msg" >"$T/want"
	if [ $rc -ne 1 ]; then
		fail "$what: exit status $rc, expected 1 (stderr: $(head -c 300 "$T/err"))"
	elif ! cmp -s "$T/want" "$T/err"; then
		fail "$what: stderr differs
    expected: $(cat "$T/want")
    actual:   $(cat "$T/err")"
	elif [ -s "$T/out" ]; then
		fail "$what: unexpected stdout: $(head -c 200 "$T/out")"
	else
		nok=$((nok + 1))
	fi
	after=$(project_state)
	[ "$before" = "$after" ] || fail "$what: the project changed although the import failed"
	integrity "$what"
}

"$LATHE" -p "$P" init >/dev/null || { echo "FAIL init"; exit 1; }
# something already stored, so "unchanged" means something for error files
printf 'k,v\n1,a\n2,b\n' >"$T/seed.csv"
lathe import "$T/seed.csv" --name seed -q || fail "seed import"

ncorpus=0
for f in tests/corpus/*.csv; do
	name=$(basename "$f" .csv)
	exp=tests/corpus/$name.expect
	if [ ! -f "$exp" ]; then
		fail "$f: no $exp"
		continue
	fi
	ncorpus=$((ncorpus + 1))
	status='' args='' e_delim='' e_header='' e_rows='' e_cols='' e_kinds='' e_labels='' e_missing='' e_head='' e_msg=''
	headn=5
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '#'* | '') continue ;; esac
		key=${line%% *}
		val=${line#"$key"}
		val=${val# }
		case $key in
		ok | error) status=$key ;;
		args) args=$val ;;
		delimiter) e_delim=$val ;;
		header) e_header=$val ;;
		rows) e_rows=$val ;;
		cols) e_cols=$val ;;
		kinds) e_kinds=$val ;;
		labels) e_labels=$val ;;
		missing) e_missing=$val ;;
		head-n) headn=$val ;;
		head) e_head=$val ;;
		message) e_msg=$val ;;
		*) fail "$exp: unknown line '$line'" ;;
		esac
	done <"$exp"
	case $status in
	ok) [ -n "$e_rows" ] && [ -n "$e_cols" ] && [ -n "$e_kinds" ] && [ -n "$e_head" ] ||
		fail "$exp: an ok expectation needs rows, cols, kinds and head" ;;
	error) [ -n "$e_msg" ] || fail "$exp: an error expectation needs a message" ;;
	esac
	set -f
	# shellcheck disable=SC2086
	set -- $args
	set +f
	case $status in
	error)
		expect_error "$f" "$e_msg" "$LATHE" -p "$P" import "$f" --name "$name" "$@"
		if lathe datasets --json | grep -q "\"name\": \"$name\""; then
			fail "$f: a dataset '$name' exists after a failed import"
		fi
		;;
	ok)
		out=$(lathe import "$f" --name "$name" --json "$@" 2>"$T/err")
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$f: import exit status $rc: $(head -c 300 "$T/err")"
			continue
		fi
		[ -s "$T/err" ] && fail "$f: import wrote to stderr: $(head -c 300 "$T/err")"
		printf '%s\n' "$out" | sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p' >"$T/hash.$name"
		bad=0
		check delimiter "$e_delim" "$(printf '%s\n' "$out" | sed -n 's/.*"delimiter": "\([^"]*\)".*/\1/p')"
		check header "$e_header" "$(field header "$out")"
		check rows "$e_rows" "$(field rows "$out")"
		check cols "$e_cols" "$(field columns "$out")"
		check created true "$(field created "$out")"
		d=$(lathe describe "$name" --json 2>&1) || fail "$f: describe failed: $d"
		check kinds "$e_kinds" "$(percol kind "$d")"
		check likely_label "$e_labels" "$(percol likely_label "$d")"
		check missing "$e_missing" "$(percol missing "$d")"
		check "describe rows" "$e_rows" "$(field rows "$d")"
		h=$(lathe head "$name" -n "$headn" --json 2>&1) || fail "$f: head failed: $h"
		if [ -n "$e_head" ] && [ "$e_head" != "$h" ]; then
			fail "$f: head -n $headn --json differs
    expected: $e_head
    actual:   $h"
			bad=1
		fi
		[ $bad -eq 0 ] && nok=$((nok + 1))
		;;
	*)
		fail "$exp: first line must be ok or error"
		;;
	esac
done
[ "$ncorpus" -ge 40 ] || fail "only $ncorpus corpus files (expected at least 40)"
integrity "after the corpus"

# ---- the same content with LF, CRLF and CR endings is the same dataset
h1=$(cat "$T/hash.endings_lf" 2>/dev/null)
h2=$(cat "$T/hash.endings_crlf" 2>/dev/null)
h3=$(cat "$T/hash.endings_cr" 2>/dev/null)
if [ -z "$h1" ] || [ "$h1" != "$h2" ] || [ "$h1" != "$h3" ]; then
	fail "LF/CRLF/CR files with the same content hash differently: '$h1' '$h2' '$h3'"
fi

# ---- the result never depends on the parser thread count (forced splits,
# one inside quoted fields (sequential fallback); a numeric column demoted to
# text late in one piece only)
for spec in late_text:3 late_text:8 quoted_multiline_many:2 quoted_multiline_many:5 \
    label_int:8 utf8_multibyte:3; do
	name=${spec%:*} n=${spec#*:}
	out=$(lathe import "tests/corpus/$name.csv" --name "thr_$name" --threads "$n" --json 2>&1)
	h=$(printf '%s\n' "$out" | sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p')
	[ "$h" = "$(cat "$T/hash.$name")" ] ||
		fail "$name with --threads $n: hash $h differs from the 1-thread import ($out)"
done
for name in err_late_ragged err_nul_late err_late_utf8_numeric err_unterminated_quote; do
	msg=$(sed -n 's/^message //p' "tests/corpus/$name.expect")
	expect_error "$name --threads 3" "$msg" \
	    "$LATHE" -p "$P" import "tests/corpus/$name.csv" --name "$name" --threads 3
done

# ---- inputs that are not CSV files
expect_error "missing file" "tests/corpus/no_such_file.csv: no such file" \
    "$LATHE" -p "$P" import tests/corpus/no_such_file.csv
expect_error "a directory" "tests/corpus: is a directory (expected a CSV file)" \
    "$LATHE" -p "$P" import tests/corpus
expect_error "a character device" "/dev/null: not a regular file (expected a CSV file)" \
    "$LATHE" -p "$P" import /dev/null --name devnull

# ---- versions: identical content creates nothing, new content is NAME@2
printf 'a,b\n1,x\n2,y\n' >"$T/ver.csv"
out=$(lathe import "$T/ver.csv" --json) || fail "ver@1 import: $out"
[ "$(field version "$out")" = 1 ] && [ "$(field created "$out")" = true ] ||
	fail "first import of ver: $out"
ds1=$(lathe datasets --json)
out=$(lathe import "$T/ver.csv" --json) || fail "ver re-import: $out"
[ "$(field version "$out")" = 1 ] && [ "$(field created "$out")" = false ] ||
	fail "re-import of identical content: expected version 1, created false: $out"
out=$(lathe import "$T/ver.csv")
[ "$out" = "ver@1 unchanged: $T/ver.csv has the same content" ] ||
	fail "re-import message: '$out'"
# the same content with other line endings and quoting is the same content
printf 'a,b\r\n"1","x"\r\n2,y' >"$T/ver_crlf.csv"
out=$(lathe import "$T/ver_crlf.csv" --name ver --json)
[ "$(field created "$out")" = false ] || fail "CRLF/quoted copy of ver made a new version: $out"
[ "$(lathe datasets --json)" = "$ds1" ] || fail "datasets --json changed after unchanged imports"
printf 'a,b\n1,x\n2,y\n3,z\n' >"$T/ver.csv"
out=$(lathe import "$T/ver.csv" --json)
[ "$(field version "$out")" = 2 ] && [ "$(field created "$out")" = true ] ||
	fail "changed content: expected ver@2, created true: $out"
h=$(lathe head ver --json)
[ "$h" = '{"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"], [3, "z"]]}' ] ||
	fail "head ver (latest) after v2: $h"
h=$(lathe head ver@2 -n 1 --json)
[ "$h" = '{"columns": ["a", "b"], "rows": [[1, "x"]]}' ] || fail "head ver@2 -n 1: $h"
h=$(lathe head ver@1 --json)
[ "$h" = '{"columns": ["a", "b"], "rows": [[1, "x"], [2, "y"]]}' ] || fail "head ver@1: $h"
d=$(lathe describe ver@1 --json)
[ "$(field version "$d")" = 1 ] && [ "$(field rows "$d")" = 2 ] || fail "describe ver@1: $d"
d=$(lathe datasets --json)
case $d in
*'{"name": "ver", "version": 1, "latest": false, "rows": 2,'*'{"name": "ver", "version": 2, "latest": true, "rows": 3,'*) ;;
*) fail "datasets --json after ver@2: $d" ;;
esac
# content of version 1 again: found, not stored a third time
printf 'a,b\n1,x\n2,y\n' >"$T/ver.csv"
out=$(lathe import "$T/ver.csv" --json)
[ "$(field version "$out")" = 1 ] && [ "$(field created "$out")" = false ] ||
	fail "re-import of v1 content after v2: expected version 1, created false: $out"
[ "$(lathe datasets --json | grep -o '"name": "ver"' | wc -l)" -eq 2 ] ||
	fail "ver has other than 2 versions"
expect_error "head of a missing version" "no version 9 of dataset 'ver' (latest is ver@2)" \
    "$LATHE" -p "$P" head ver@9
expect_error "describe of a missing version" "no version 9 of dataset 'ver' (latest is ver@2)" \
    "$LATHE" -p "$P" describe ver@9 --json
expect_error "head of a missing dataset" "no dataset named 'nosuch' (see 'lathe datasets')" \
    "$LATHE" -p "$P" head nosuch --json
expect_error "version 0" "bad dataset reference 'ver@0' (expected NAME or NAME@VERSION with VERSION >= 1)" \
    "$LATHE" -p "$P" head ver@0
# the default name is the file name without its extension
out=$(lathe import tests/corpus/utf8_multibyte.csv --json)
[ "$(field name "$out")" = utf8_multibyte ] && [ "$(field created "$out")" = false ] ||
	fail "default dataset name / unchanged re-import of a corpus file: $out"

# ---- the bundled datasets have their documented shapes and kinds
# ds NAME ROWS COLS KINDS LABELS MISSING
ds() {
	out=$(lathe import "datasets/$1.csv" --json 2>&1) || { fail "import datasets/$1.csv: $out"; return; }
	[ "$(field rows "$out")" = "$2" ] && [ "$(field columns "$out")" = "$3" ] ||
		fail "datasets/$1.csv: expected $2 x $3: $out"
	d=$(lathe describe "$1" --json)
	[ "$(percol kind "$d")" = "$4" ] || fail "datasets/$1.csv kinds: $(percol kind "$d")"
	[ "$(percol likely_label "$d")" = "$5" ] ||
		fail "datasets/$1.csv likely_label: $(percol likely_label "$d")"
	[ "$(percol missing "$d")" = "$6" ] || fail "datasets/$1.csv missing: $(percol missing "$d")"
}
n=numeric c=categorical
ds iris 150 5 "$n,$n,$n,$n,$n" false,false,false,false,true 0,0,0,0,0
# penguins' year (3 small integers) is no label beside a categorical 'species'
ds penguins 344 8 "$c,$c,$n,$n,$n,$n,$c,$n" false,false,false,false,false,false,false,false \
    0,0,2,2,2,2,11,0
ds breast_cancer 569 31 "$(rep 31 $n)" "$(rep 30 false),true" "$(rep 31 0)"
ds diabetes 442 11 "$(rep 11 $n)" "$(rep 11 false)" "$(rep 11 0)"
h=$(lathe head penguins -n 4 --json)
[ "$h" = '{"columns": ["species", "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"], "rows": [["Adelie", "Torgersen", 39.1, 18.7, 181, 3750, "male", 2007], ["Adelie", "Torgersen", 39.5, 17.4, 186, 3800, "female", 2007], ["Adelie", "Torgersen", 40.3, 18, 195, 3250, "female", 2007], ["Adelie", "Torgersen", null, null, null, null, null, 2007]]}' ] ||
	fail "head penguins -n 4: $h"

integrity "at the end"
echo "import_corpus: $ncorpus corpus files, $nok checks passed, $nfail failed"
[ $nfail -eq 0 ]
