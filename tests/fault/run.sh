#!/bin/bash
# tests/fault/run.sh — fail every allocation, SQLite write and file write of
# a command in turn, as SQLite's malloc-failure and I/O-error tests do.
#
#   tests/fault/run.sh [--sample] [--persist] [--kinds "alloc io full write"] [BUILD]
#                      [SCENARIO...]
#
# BUILD is a build with fault injection (the sanitizer build, build-asan:
# tests/fault/fault.c explains the mechanism).  SCENARIOs, default all:
#   import   lathe import penguins.csv          (categorical columns, NAs)
#   train    lathe train ... --step 'standardize *'  (the launcher and the
#            training child `lathe __run`, each a process of its own)
#   train_cv lathe train ... --cv 3 --cv-repeats 2 --test-size 0.2 (one
#            cross-validated run: folds, refit, fold tables, folds artifact)
#   recipe   lathe recipe add
#   register lathe model register
#   export   lathe export -o FILE
#   predict  lathe predict RUN iris.csv -o FILE   (the file writes)
#   serve    lathe serve, one /invocations request, a second one, SIGTERM
#   tag      lathe runs tag 1 owner=bob stage=dev   (one transaction)
#   delete   lathe runs delete 2 --vacuum           (a run and its artifacts)
#   compare  lathe compare 1 2   (reads two runs, the predictions artifacts,
#            the target column; McNemar's test; the project unchanged)
#   compare_cv  lathe compare 3 4   (two cross-validated runs: the fold
#            tables, the corrected t-test)
#   compare_reg lathe compare 5 6   (two regressions: the paired bootstrap)
#
# For each scenario the script counts the injection points of every kind in
# every process (LATHE_FAULT=count), then for N = 1 .. count runs the
# command on a fresh copy of the project with LATHE_FAULT=KIND:N (or
# LATHE_FAULT_CHILD for the training child) and requires:
#   - the point was reached (fault.c logged "fired"), else it is counted
#     as unreached and reported (a point reached only sometimes, as in the
#     server's threads, is not a failure);
#   - exit status 0, or 1 with exactly one line on stderr, "lathe: ...";
#     no sanitizer report (crash, leak, undefined behaviour), no timeout;
#   - PRAGMA integrity_check says ok and foreign_key_check nothing;
#   - the project holds exactly the state before the command or after it
#     (a canonical dump of every table without times, pids and logs);
#     status 0 only with the state after; train may also leave the state
#     before plus one run recorded as failed; no run left queued/running;
#   - export: the project unchanged, and the file either absent (no
#     FILE.tmp either) or a complete bundle; predict: the project
#     unchanged, no FILE.tmp left, with status 0 exactly the fault-free
#     predictions and otherwise the earlier output file untouched (it
#     writes FILE.tmp and renames it); serve: it starts, or exits 1
#     with a clear line; a request before the fault fires answers 200 with
#     the right body or a 5xx with a message, the first request after it
#     (the fault is one-shot) 200 with the right body; SIGTERM ends the
#     server with status 0 (or 1 and a clear last line).
# --persist makes the Nth call and every later one fail (KIND:N+), so the
# error paths themselves run short of memory; a server then need not
# recover, so its requests after the fault may fail too.
# --sample runs a deterministic stride of the points (about 40 of recipe
# add and model register, 6 allocations and 4 of each other kind per process
# of the rest, the first and last always) for `make test`
# (tests/e2e/fault_sample.sh); the default is every point.  Prints one line per scenario, role and kind, and a total;
# exits 1 if any check failed.
set -u
sample=0 persist=""
kinds="alloc io write"
while [ $# -gt 0 ]; do
	case $1 in
	--sample) sample=1; shift ;;
	--persist) persist=+; shift ;;
	--kinds) kinds=$2; shift 2 ;;
	*) break ;;
	esac
done
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-asan}
[ $# -gt 0 ] && shift
scenarios=${*:-import train train_cv recipe register export predict serve tag delete compare compare_cv compare_reg}
case $build in
/*) dir=$build ;;
*) dir=$top/$build ;;
esac
LATHE="$dir/lathe"
export LATHE_PLUGIN_PATH="$dir/plugins"
export LATHE_PROGRESS=0
unset LATHE_PROJECT LATHE_FAULT LATHE_FAULT_CHILD
. "$top/tests/fault/server.sh"
T=$(mktemp -d /tmp/lathe-fault.XXXXXX)
job=""		# the command of a scenario, while it runs
trap 'srv_kill; rm -rf "$T"' EXIT
# Stopped from outside (the test runner's timeout sends SIGTERM to the whole
# process group): say where, so that the log never just ends.  A command
# runs in the background and is waited for, so that this runs at once.
stopped() {
	echo "FAIL fault: stopped by SIG$1 during ${scn:-the set-up}${role:+ $role}${kind:+ $kind:${n:-}}" \
	    "after ${total:-0} runs, ${fails:-0} failed"
	[ -n "$job" ] && kill -TERM "$job" 2>/dev/null
	exit $((128 + $2))
}
trap 'stopped HUP 1' HUP
trap 'stopped INT 2' INT
trap 'stopped TERM 15' TERM
san="$T/san"
mkdir -p "$san"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$san/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$san/ubsan"
export LATHE_FAULT_LOG="$T/fault.log"

if [ ! -x "$LATHE" ]; then
	echo "fault: no $LATHE (make faultbuild)" >&2
	exit 2
fi
: > "$LATHE_FAULT_LOG"
LATHE_FAULT=count "$LATHE" --version > /dev/null 2>&1
if ! grep -q '^count main' "$LATHE_FAULT_LOG"; then
	echo "fault: $LATHE has no fault injection (build it with SAN=1: make faultbuild)" >&2
	exit 2
fi

fails=0 total=0 unreached=0
fail() {
	fails=$((fails + 1))
	echo "FAIL $scn $role $kind:$n: $*"
	if [ "$fails" -le 40 ]; then
		sed 's/^/    stderr: /' "$T/err" | head -n 5
		for r in "$san"/*; do
			[ -f "$r" ] && grep -m 8 -e 'ERROR' -e 'runtime error' -e '#[0-9] ' "$r" |
			    sed 's/^/    /'
		done
	fi
}

# ---- the base project: iris imported, run 1 trained, registered as m@1;
# run 2 trained and tagged owner=ana; runs 3 and 4 cross-validated on iris;
# diabetes imported, runs 5 and 6 regressions (for compare) ----
B="$T/base.lathe"
dat="$top/datasets"
{
	"$LATHE" -p "$B" init &&
	"$LATHE" -p "$B" import "$dat/iris.csv" &&
	"$LATHE" -p "$B" train --data iris --target target --algo logistic &&
	"$LATHE" -p "$B" model register 1 --name m &&
	"$LATHE" -p "$B" train --data iris --target target --algo logistic --set C=10 &&
	"$LATHE" -p "$B" runs tag 2 owner=ana &&
	"$LATHE" -p "$B" train --data iris --target target --algo logistic --cv 3 &&
	"$LATHE" -p "$B" train --data iris --target target --algo logistic --cv 3 --set C=10 &&
	"$LATHE" -p "$B" import "$dat/diabetes.csv" &&
	"$LATHE" -p "$B" train --data diabetes --target target --algo linear &&
	"$LATHE" -p "$B" train --data diabetes --target target --algo ridge --set alpha=10
} > "$T/setup.out" 2>&1 || { echo "fault: cannot make the base project"; cat "$T/setup.out"; exit 2; }
printf 'impute median *\nstandardize *\nderive ratio = petal_length / sepal_length\n' \
    > "$T/recipe.txt"
printf '{"dataframe_split": {"columns": ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"], "data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}}' \
    > "$T/request.json"

# The canonical state: every table but the server's own records, without
# the columns that differ from one run of the same command to the next.
volatile="'created','updated','time','started','finished','duration','pid','host',\
'env','timings','log','pid_start','owner_pid','owner_start','stopped','error'"
state_sql=$(sqlite3 "$B" "SELECT 'SELECT ''' || m.name || ''', ' ||
    (SELECT group_concat('hex(quote(' || p.name || '))', ', ') FROM pragma_table_info(m.name) p
     WHERE p.name NOT IN ($volatile)) || ' FROM ' || m.name || ';'
    FROM sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
    AND m.name NOT IN ('servers', 'server_events', 'prediction_log', 'prediction_log_counts')
    ORDER BY m.name")
state() { sqlite3 "$1" "$state_sql" | LC_ALL=C sort | md5sum | cut -c1-32; }
integrity() {
	local r
	r=$(sqlite3 "$1" "PRAGMA integrity_check; PRAGMA foreign_key_check;" 2>&1)
	[ "$r" = ok ] || { echo "integrity: $r" | head -n 3; return 1; }
	r=$(sqlite3 "$1" "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')")
	[ "$r" = 0 ] || { echo "$r run(s) left queued or running"; return 1; }
}
# the state of P without the runs recorded as failed after the base's runs
state_minus_failed() {
	cp "$1" "$T/minus.lathe"
	sqlite3 "$T/minus.lathe" "PRAGMA foreign_keys = ON;
	    DELETE FROM runs WHERE status = 'failed' AND id > $base_runs" 2>/dev/null
	state "$T/minus.lathe"
}
base_runs=$(sqlite3 "$B" "SELECT max(id) FROM runs")
ref_body="$T/ref_body"	# the fault-free answer of the server
before=$(state "$B")

fresh() {
	rm -f "$T"/p.lathe* "$T"/out.bundle* "$T"/pred.csv "$T"/body "$T"/body1
	cp "$B" "$T/p.lathe"
}

# one clear line on stderr for status 1; nothing a sanitizer or a crash says
clear_error() {
	local lines
	lines=$(grep -c . "$T/err")
	if grep -q -e 'Sanitizer' -e 'runtime error' -e '(null)' "$T/err"; then
		echo "stderr: $(grep -m 1 -e 'Sanitizer' -e 'runtime error' -e '(null)' "$T/err")"
		return 1
	fi
	if [ "$1" = 1 ]; then
		local others
		others=$(head -n -1 "$T/err" | grep -v '^$')
		if tail -n 1 "$T/err" | grep -q '^lathe: ..'; then
			[ -z "$others" ] && return 0
			# train's own status line ("run 2 failed in 0.3s") may come
			# first, and a training child that fails before it can open
			# the project says why on the stderr it shares
			case $scn in train|train_cv) ;; *) false ;; esac && ! printf '%s\n' "$others" |
			    grep -qv -e '^run [0-9]* failed in ' -e '^lathe: .*out of memory$' && return 0
		fi
		echo "status 1 with $lines stderr lines, not one 'lathe: ...'"
		return 1
	fi
	return 0
}

# ---- the command of each scenario, run on $T/p.lathe ----
cmd_import()   { "$LATHE" -p "$T/p.lathe" import "$dat/penguins.csv" --name pg; }
cmd_train()    { "$LATHE" -p "$T/p.lathe" train --data iris --target target --algo logistic \
                     --step 'standardize *' --seed 7; }
cmd_train_cv() { "$LATHE" -p "$T/p.lathe" train --data iris --target target --algo logistic \
                     --step 'standardize *' --seed 7 --cv 3 --cv-repeats 2 --test-size 0.2; }
cmd_recipe()   { "$LATHE" -p "$T/p.lathe" recipe add r "$T/recipe.txt"; }
cmd_register() { "$LATHE" -p "$T/p.lathe" model register 1 --name prod; }
cmd_export()   { "$LATHE" -p "$T/p.lathe" export m@1 -o "$T/out.bundle"; }
cmd_predict()  { "$LATHE" -p "$T/p.lathe" predict 1 "$dat/iris.csv" -o "$T/pred.csv"; }
cmd_tag()      { "$LATHE" -p "$T/p.lathe" runs tag 1 owner=bob stage=dev; }
cmd_delete()   { "$LATHE" -p "$T/p.lathe" runs delete 2 --vacuum; }
cmd_compare()  { "$LATHE" -p "$T/p.lathe" compare 1 2; }
cmd_compare_cv()  { "$LATHE" -p "$T/p.lathe" compare 3 4; }
cmd_compare_reg() { "$LATHE" -p "$T/p.lathe" compare 5 6; }
bundle_state() {
	sqlite3 "$1" "SELECT key, quote(value) FROM bundle WHERE key != 'created' ORDER BY key" |
	    md5sum | cut -c1-32
}

# serve VAR SPEC: start the server with VAR=SPEC, send requests, SIGTERM.
# Sets rc (the server's status), started and verdict (empty when every
# answer was right, else what was wrong: also a server that printed no
# port or did not stop, each within a bound; tests/fault/server.sh).
# Without faults: two requests.
# With a fault: every request that starts before the fault has fired may
# answer 200 with the right body or a 5xx with a message; the first one
# that starts after it (the fault is one-shot) must answer 200 right; at
# most three requests.
cmd_serve() {
	local i code fired
	verdict=""
	srv_start "$T/out" "$T/err" "$LATHE" -p "$T/p.lathe" serve --model m --port 0 -q
	case $? in
	0) ;;
	1) rc=$srv_rc started=0; return ;;	# it could not start: its status says how
	*) rc=$srv_rc started=0 verdict=$srv_why; return ;;
	esac
	started=1
	for i in 1 2 3; do
		fired=$(grep -c '^fired' "$LATHE_FAULT_LOG")
		code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 20 \
		    -H 'Content-Type: application/json' --data-binary @"$T/request.json" \
		    "http://127.0.0.1:$srv_port/invocations")
		[ "$i" = 1 ] && cp "$T/body" "$T/body1"
		if [ "$code" = 200 ] && { [ ! -e "$ref_body" ] || cmp -s "$T/body" "$ref_body"; }; then
			[ "$fired" -gt 0 ] && break
		elif [ "$fired" -gt 0 ] && [ -z "$persist" ]; then
			verdict="request $i after the fault answered $code"
			break
		else
			case $code in
			5*) [ -s "$T/body" ] || verdict="request $i: $code with an empty body" ;;
			000) [ -n "$persist" ] || verdict="request $i: no answer" ;;
			*) verdict="request $i answered $code" ;;
			esac
			[ -n "$verdict" ] && break
		fi
		[ "$2" = count ] && [ "$i" = 2 ] && break
	done
	srv_stop || verdict="${verdict:+$verdict; }$srv_why"
	rc=$srv_rc
}

# run_one SPEC_VAR SPEC: run the scenario once; sets rc
run_one() {
	: > "$LATHE_FAULT_LOG"
	rm -f "$san"/*
	fresh
	# an earlier output file: a failed predict must leave it as it was
	[ "$scn" = predict ] && printf 'earlier\n' > "$T/pred.csv"
	if [ "$scn" = serve ]; then
		export "$1=$2"
		cmd_serve "$1" "$2"
		unset "$1"
	else
		env "$1=$2" timeout 120 bash -c "$(declare -f "cmd_$scn"); T=$T LATHE=$LATHE \
		    dat=$dat; cmd_$scn" > "$T/out" 2> "$T/err" &
		job=$!
		wait "$job"
		rc=$?
		job=""
	fi
}

# check_one: the checks after one injected run; prints the first problem
check_one() {
	local s
	for r in "$san"/*; do
		[ -f "$r" ] && { echo "sanitizer report"; return 1; }
	done
	# a serve verdict first: it says more than the status it led to
	# (a server killed because it printed no port, or did not stop)
	if [ "$scn" = serve ] && [ -n "$verdict" ]; then
		case $rc in
		0|1) echo "$verdict" ;;
		*) echo "$verdict (status $rc)" ;;
		esac
		return 1
	fi
	case $rc in
	0|1) ;;
	124) echo "timed out"; return 1 ;;
	*) echo "exit status $rc"; return 1 ;;
	esac
	if [ "$scn" = serve ]; then
		if [ "$started" = 0 ]; then
			[ "$rc" = 1 ] || { echo "the server did not start, status $rc"; return 1; }
		else
			case $rc in
			0) ;;
			1) ;;	# a failure while stopping: a clear line, below
			*) echo "the server ended with status $rc after SIGTERM"; return 1 ;;
			esac
		fi
		# the server logs to stderr as it goes: only its last line counts
		# as the error of a status 1
		if [ "$rc" = 1 ]; then
			tail -n 1 "$T/err" > "$T/err1"
			grep -q -e 'Sanitizer' -e 'runtime error' -e '(null)' "$T/err" &&
			    { echo "stderr: $(grep -m 1 -e Sanitizer -e 'runtime error' -e '(null)' "$T/err")"; return 1; }
			grep -q '^lathe: ..' "$T/err1" || { echo "status 1 without a 'lathe: ...' line"; return 1; }
		else
			clear_error 0 || return 1
		fi
		integrity "$T/p.lathe" || return 1
		return 0
	fi
	clear_error "$rc" || return 1
	integrity "$T/p.lathe" || return 1
	s=$(state "$T/p.lathe")
	if [ "$scn" = predict ]; then
		[ "$s" = "$before" ] || { echo "predict changed the project"; return 1; }
		[ -e "$T/pred.csv.tmp" ] && { echo "left pred.csv.tmp"; return 1; }
		if [ "$rc" = 0 ] && ! cmp -s "$T/pred.csv" "$ref_pred"; then
			echo "status 0 but the predictions differ"; return 1
		fi
		if [ "$rc" != 0 ] && [ "$(cat "$T/pred.csv")" != earlier ]; then
			echo "a failed predict changed the earlier output file"; return 1
		fi
		return 0
	fi
	if [ "$scn" = export ]; then
		[ "$s" = "$before" ] || { echo "export changed the project"; return 1; }
		[ -e "$T/out.bundle.tmp" ] && { echo "left out.bundle.tmp"; return 1; }
		if [ "$rc" = 0 ]; then
			[ "$(bundle_state "$T/out.bundle")" = "$ref_bundle" ] ||
			    { echo "status 0 but the bundle differs"; return 1; }
		elif [ -e "$T/out.bundle" ] &&
		    [ "$(bundle_state "$T/out.bundle")" != "$ref_bundle" ]; then
			echo "status 1 and an incomplete bundle"; return 1
		fi
		return 0
	fi
	if [ "$rc" = 0 ]; then
		[ "$s" = "$after" ] || { echo "status 0 but not the state after"; return 1; }
		return 0
	fi
	[ "$s" = "$before" ] || [ "$s" = "$after" ] && return 0
	if { [ "$scn" = train ] || [ "$scn" = train_cv ]; } &&
	    [ "$(state_minus_failed "$T/p.lathe")" = "$before" ]; then
		return 0
	fi
	echo "the project is neither the state before nor after"
	return 1
}

for scn in $scenarios; do
	# the reference run: counts, the state after, the answers
	role=count kind=count n=0
	run_one LATHE_FAULT count
	if [ "$rc" != 0 ]; then
		echo "fault: scenario $scn fails without faults (status $rc)"; cat "$T/err"
		exit 1
	fi
	counts=$(grep '^count' "$LATHE_FAULT_LOG")
	after=$(state "$T/p.lathe")
	if [ "$scn" = serve ]; then
		[ "$started" = 1 ] && [ -z "$verdict" ] ||
		    { echo "fault: serve fails without faults: ${verdict:-did not start}"; exit 1; }
		cp "$T/body1" "$ref_body"
	fi
	if [ "$scn" = export ]; then
		ref_bundle=$(bundle_state "$T/out.bundle")
	fi
	if [ "$scn" = predict ]; then
		ref_pred="$T/ref_pred.csv"
		cp "$T/pred.csv" "$ref_pred"
	fi
	for role in main child; do
		line=$(printf '%s\n' "$counts" | grep "^count $role " | head -n 1)
		[ -n "$line" ] || continue
		var=LATHE_FAULT
		[ "$role" = child ] && var=LATHE_FAULT_CHILD
		for kind in $kinds; do
			ck=$kind
			[ "$kind" = full ] && ck=io
			cnt=$(printf '%s\n' "$line" | sed -n "s/.* $ck \([0-9]*\).*/\1/p")
			[ "${cnt:-0}" -gt 0 ] || { printf '%-8s %-5s %-5s %5d points\n' \
			    "$scn" "$role" "$kind" 0; continue; }
			step=1
			if [ "$sample" = 1 ]; then
				# about 40 points of the quick commands, 6 (alloc)
				# or 4 (io) of the others, first and last included
				case $scn:$kind in
				recipe:*|register:*) m=40 ;;
				*:alloc) m=6 ;;
				*) m=4 ;;
				esac
				step=$(( (cnt + m - 1) / m ))
			fi
			ran=0 bad=0 miss=0
			t0=$(date +%s)
			n=1
			while [ "$n" -le "$cnt" ]; do
				run_one "$var" "$kind:$n$persist"
				total=$((total + 1)) ran=$((ran + 1))
				if ! grep -q "^fired $role" "$LATHE_FAULT_LOG"; then
					miss=$((miss + 1)) unreached=$((unreached + 1))
				fi
				if ! why=$(check_one); then
					bad=$((bad + 1))
					fail "$why"
				fi
				if [ "$n" -lt "$cnt" ] && [ $((n + step)) -gt "$cnt" ]; then
					n=$cnt		# always the last point too
				else
					n=$((n + step))
				fi
			done
			printf '%-8s %-5s %-5s %5d points, %4d run, %3d failed, %3d unreached (%ds)\n' \
			    "$scn" "$role" "$kind" "$cnt" "$ran" "$bad" "$miss" $(( $(date +%s) - t0 ))
		done
	done
done
echo "fault: $total runs, $fails failed, $unreached injections not reached"
[ "$fails" = 0 ]
