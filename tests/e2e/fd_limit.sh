#!/bin/sh
# Out of file descriptors: `lathe train` and the workbench's `:rerun`, run
# under `ulimit -n N` for a range of small N, either train or stop with a
# one-line error, and a run whose training child could not start (the
# launcher's pipe fails: "Too many open files") is recorded as failed with
# that reason, never left queued.  The range is scanned rather than one N
# picked, since how many descriptors a start needs varies with the build
# (the sanitizers open some) and the libraries; the test insists that the
# scan reached the child's start failing at least once, from each side.
set -u
. "$(dirname "$0")/lib/tui_common.sh"
require sqlite3

L init > /dev/null
L import -q "$TOP/datasets/iris.csv"
L train -q --data iris --target target --algo logistic > /dev/null
q() { sqlite3 "$P" "$1"; }

# the command line
hit=0
for n in 4 5 6 7 8 9 10 11 12 13 14 16 20 24; do
	before=$(q "SELECT count(*) FROM runs")
	out=$( (ulimit -n $n; "$LATHE" -p "$P" train -q --data iris --target target \
	    --algo logistic) 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		[ "$(q "SELECT status FROM runs ORDER BY id DESC LIMIT 1")" = finished ] ||
		    fail "ulimit -n $n: train exited 0 but its run is not finished"
		ok
		continue
	fi
	case $out in
	"lathe: "*) ok ;;
	*) fail "ulimit -n $n: status $rc without a 'lathe: ' error line: '$out'" ;;
	esac
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] ||
	    fail "ulimit -n $n: more than one line: '$out'"
	case $out in
	*"Too many open files"*)
		if [ "$(q "SELECT count(*) FROM runs")" -gt "$before" ]; then
			hit=$((hit + 1))
			got=$(q "SELECT status || ': ' || error FROM runs ORDER BY id DESC LIMIT 1")
			case $got in
			"failed: could not start the training process: pipe: Too many open files") ok ;;
			*) fail "ulimit -n $n: the run says '$got'" ;;
			esac
		fi ;;
	esac
done
[ $hit -gt 0 ] || fail "no ulimit -n in the scan made the training child's start fail"
[ "$(q "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')")" = 0 ] ||
    fail "runs left queued or running: $(q "SELECT id, status FROM runs WHERE status IN ('queued', 'running')")"

# the workbench: `:rerun 1` under each limit
# poll PATTERN: wait (10 s at most) until the pane matches the regex
poll() {
	_w=100
	while [ $_w -gt 0 ] && ! screen | grep -q -e "$1"; do
		sleep 0.1
		_w=$((_w - 1))
	done
	screen | grep -q -e "$1"
}
first=$(q "SELECT max(id) FROM runs")
for n in 5 6 7 8 9 10 11 12; do
	tui_start "(ulimit -n $n; '$LATHE' -p '$P')"
	# the workbench may not even start (then it says why and exits)
	poll "q quit\|EXIT=[0-9]"
	if screen | grep -q "q quit"; then
		text ":rerun 1"
		keys Enter
		poll "finished in\|Too many open files\|EXIT=[0-9]"
		# q until it is gone (a message or a detail screen may take one)
		_k=0
		while [ $_k -lt 10 ] && ! screen | grep -q "EXIT=[0-9]"; do
			keys q
			sleep 0.3
			_k=$((_k + 1))
		done
	fi
	poll "EXIT=[0-9]" || fail "ulimit -n $n: the workbench did not exit; the screen was:
$(screen)"
done
# a workbench that could not start said why, not that TERM is wrong
if grep -q "cannot drive this terminal" "$T/stderr"; then
	fail "out of descriptors, the workbench blamed the terminal: $(grep -m1 "cannot drive" "$T/stderr")"
else
	ok
fi
fails=$(q "SELECT count(*) FROM runs WHERE id > $first AND status = 'failed' AND
    error = 'could not start the training process: pipe: Too many open files'")
[ "$fails" -gt 0 ] && ok ||
    fail "no workbench run failed to start in the scan: $(q "SELECT id, status, error FROM runs WHERE id > $first")"
[ "$(q "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')")" = 0 ] && ok ||
    fail "runs left queued or running: $(q "SELECT id, status FROM runs WHERE status IN ('queued', 'running')")"
finish
