#!/bin/sh
# fault_sample.sh — a bounded sample of the fault-injection run
# (tests/fault/run.sh --sample): allocations, SQLite writes and file writes
# made to fail in turn through import, train (launcher and child), recipe
# add, model register, export and a served request, each run checked for a
# clean error, no sanitizer report, an intact project holding the state
# before or after the command.  Fault injection is linked into the
# sanitizer build only (Makefile, FAULT); the plain build skips.  The
# exhaustive run is `make fault` (docs/testing.md, "Fault injection").
set -u
. "$(dirname "$0")/lib/require.sh"
require sqlite3
require curl
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
LATHE_FAULT=count LATHE_FAULT_LOG=$log "$LATHE" --version > /dev/null 2>&1
if ! grep -q '^count main' "$log"; then
	echo "SKIP: $LATHE has no fault injection (only the sanitizer build links it)"
	exit 77
fi
nice -n 5 "$top/tests/fault/run.sh" --sample "$(dirname "$LATHE")"
rc=$?
# run.sh ends with its "fault: N runs" line or an explanation, and when a
# signal stops it (the runner's timeout) it says where it was; if it still
# ended without a word, say how, so that a failure is never silent.  (Runs
# that stopped after the serve scenario's first kind with nothing were its
# server harness waiting, with no bound, on a server it never stopped:
# tests/fault/server.sh now bounds every wait.)
[ $rc -eq 0 ] || [ $rc -eq 1 ] ||
    echo "FAIL tests/fault/run.sh ended with status $rc$([ $rc -gt 128 ] && echo " (signal $((rc - 128)))")"
exit $rc
