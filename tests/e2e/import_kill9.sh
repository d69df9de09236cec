#!/bin/sh
# import_kill9.sh — an import killed with SIGKILL at any moment leaves the
# project intact: PRAGMA integrity_check is ok, the dataset is either absent
# or complete (never a partial version), and the data already there is intact.
#
# A ~32 MB CSV is generated with awk.  One import runs to the end and is
# timed; then `lathe import` is started in the background and killed after
# 0% .. 110% of that time (from "at once" to after it has finished), each
# time into a fresh project that already holds a small dataset.  The script
# fails unless several kills landed while the import was still running.
set -u
LATHE=${LATHE:-build/lathe}
case $LATHE in /*) ;; *) LATHE=$(pwd)/$LATHE ;; esac
if [ ! -x "$LATHE" ]; then
	echo "import_kill9: no lathe binary at $LATHE"
	exit 1
fi
T=$(mktemp -d)
bgpid=
cleanup() {
	if [ -n "$bgpid" ]; then
		kill -9 "$bgpid" 2>/dev/null
		wait "$bgpid" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
nfail=0
fail() {
	printf 'FAIL %s\n' "$*"
	nfail=$((nfail + 1))
}

ROWS=700000
awk -v n=$ROWS 'BEGIN {
	srand(7);
	print "id,x1,x2,x3,x4,colour,label";
	for (i = 1; i <= n; i++)
		printf "%d,%.6f,%.4f,%d,%.3e,%s,%d\n", i, rand() * 100, rand() - 0.5,
		    int(rand() * 1000), rand() * 1e6,
		    (i % 3 == 0 ? "red" : (i % 3 == 1 ? "green" : "blue")), i % 2
}' >"$T/big.csv" || { echo "FAIL generating the CSV"; exit 1; }

printf 'k,v\n1,a\n2,b\n' >"$T/seed.csv"
SEED_HEAD='{"columns": ["k", "v"], "rows": [[1, "a"], [2, "b"]]}'

# fresh P: a new project holding the small dataset "seed"
fresh() {
	rm -f "$1" "$1-wal" "$1-shm" "$1-journal"
	"$LATHE" -p "$1" init >/dev/null &&
	    "$LATHE" -p "$1" import "$T/seed.csv" --name seed -q ||
	    fail "setting up $1"
}

# verify P WHAT: prints "absent" or "complete" for dataset "big", and a FAIL
# line for anything wrong (run in $(...), so it cannot count failures itself)
verify() {
	r=$(sqlite3 "$1" 'PRAGMA integrity_check; PRAGMA foreign_key_check;' 2>&1)
	[ "$r" = ok ] || echo "FAIL $2: integrity_check: $r"
	# no chunk or column row left behind by an unfinished import
	r=$(sqlite3 "$1" "SELECT
	    (SELECT count(*) FROM dataset_chunks WHERE version_id NOT IN
	        (SELECT id FROM dataset_versions)) ||','||
	    (SELECT count(*) FROM dataset_columns WHERE version_id NOT IN
	        (SELECT id FROM dataset_versions)) ||','||
	    (SELECT count(*) FROM dataset_versions v WHERE ncols !=
	        (SELECT count(*) FROM dataset_columns c WHERE c.version_id = v.id))" 2>&1)
	[ "$r" = "0,0,0" ] || echo "FAIL $2: orphaned or incomplete rows (chunks,columns,versions): $r"
	h=$("$LATHE" -p "$1" head seed --json 2>&1)
	[ "$h" = "$SEED_HEAD" ] || echo "FAIL $2: seed dataset damaged: $h"
	d=$("$LATHE" -p "$1" datasets --json 2>&1) || { echo "FAIL $2: datasets failed: $d"; return; }
	case $d in
	*'"name": "big"'*)
		case $d in
		*'{"name": "big", "version": 1, "latest": true, "rows": '$ROWS', "columns": 7,'*) ;;
		*) echo "FAIL $2: partial dataset: $d" ;;
		esac
		# the stored data must be readable to the end
		s=$("$LATHE" -p "$1" describe big --json 2>&1)
		case $s in
		*'"name": "label", "index": 6, "kind": "numeric", "integer": true, "likely_label": true, "count": '$ROWS', "missing": 0,'*) ;;
		*) echo "FAIL $2: describe big: $(printf '%s' "$s" | head -c 300)" ;;
		esac
		echo complete
		;;
	*'"name": "seed"'*) echo absent ;;
	*) echo "FAIL $2: datasets --json: $d" ;;
	esac
}

# check_state STATE WHAT [WANT]: count the FAIL lines of a verify
check_state() {
	case $1 in
	*FAIL*)
		printf '%s\n' "$1" | grep '^FAIL'
		nfail=$((nfail + 1))
		;;
	esac
	st=$(printf '%s\n' "$1" | tail -n 1)
	if [ $# -gt 2 ] && [ "$st" != "$3" ]; then
		fail "$2: dataset is '$st', expected $3"
	fi
}

# One import that is not killed: the reference, and its duration, which
# scales the kill moments (an ASan build or a slow machine is slower).
P=$T/full.lathe
fresh "$P"
t0=$(date +%s%N)
out=$("$LATHE" -p "$P" import "$T/big.csv" --name big --json 2>&1) || fail "full import: $out"
t1=$(date +%s%N)
full_ms=$(((t1 - t0) / 1000000))
case $out in
*'"rows": '$ROWS', "columns": 7,'*) ;;
*) fail "full import: $out" ;;
esac
check_state "$(verify "$P" "full import")" "full import" complete
echo "full import: $full_ms ms"
rm -f "$P" "$P-wal" "$P-shm"

killed=0 completed=0 k=0
for pct in 0 10 25 40 48 54 58 62 66 70 80 95 110; do
	k=$((k + 1))
	ms=$((full_ms * pct / 100))
	delay=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
	what="kill after ${delay}s ($pct%)"
	P=$T/k$k.lathe
	fresh "$P"
	"$LATHE" -p "$P" import "$T/big.csv" --name big -q &
	bgpid=$!
	[ "$ms" -eq 0 ] || sleep "$delay"
	kill -9 "$bgpid" 2>/dev/null
	{ wait "$bgpid"; } 2>/dev/null
	rc=$?
	bgpid=
	case $rc in
	137) killed=$((killed + 1)) ;;
	0) completed=$((completed + 1)) ;;
	*) fail "$what: import exited with status $rc" ;;
	esac
	state=$(verify "$P" "$what")
	if [ $rc -eq 0 ]; then
		check_state "$state" "$what, import finished" complete
	else
		check_state "$state" "$what"
	fi
	echo "$what: status $rc, dataset $(printf '%s\n' "$state" | tail -n 1)"
	# now and then: the same import, run to the end after the kill, works
	if [ $k -eq 4 ] || [ $k -eq 8 ]; then
		out=$("$LATHE" -p "$P" import "$T/big.csv" --name big --json 2>&1) ||
			fail "$what: import afterwards: $out"
		check_state "$(verify "$P" "$what, import afterwards")" "$what, import afterwards" complete
	fi
	rm -f "$P" "$P-wal" "$P-shm"
done

echo "import_kill9: $killed imports killed mid-way, $completed finished before the kill, $nfail failures"
[ $killed -ge 3 ] || fail "only $killed kills landed during an import: the test proved little"
[ $nfail -eq 0 ]
