#!/bin/sh
# The run detail screen's housekeeping keys under tmux: `n` edits the
# run's note and `t` sets or removes tags (as `lathe runs note` and
# `lathe runs tag`), the screen shows them at once, the CLI reads back
# what the workbench wrote, and a bad tag is refused with the CLI's message
# and changes nothing.  Then the runs screen hides a run archived from the
# command line, and A shows archived runs.
set -u
. "$(dirname "$0")/lib/tui_common.sh"

L init > /dev/null
L import -q "$TOP/datasets/iris.csv"
L train -q --data iris --target target --algo logistic --step 'standardize *' > /dev/null
L runs tag 1 stage=dev > /dev/null

tui_start
wait_for "iris"
keys 3
wait_for "1 run"
keys Enter
wait_for "run 1  finished"
wait_for "tags        stage=dev"
expect_screen "n note"
expect_screen "t tag"
keys n
wait_for "note for run 1 (empty clears it):"
text "baseline for the report"
keys Enter
wait_for "note        baseline for the report"
keys t
wait_for "tags for run 1 (KEY=VALUE ..., KEY= removes):"
text "owner=ana stage="
keys Enter
wait_for "tags        owner=ana"
wait_gone "stage=dev"
keys t
wait_for "tags for run 1"
text "owner=bob bad"
keys Enter
wait_for "bad tag 'bad' (expected KEY=VALUE, or KEY= to remove it)"
[ "$(L show 1 --json | grep -o '"tags": {[^}]*}, "note": "[^"]*"')" = \
    '"tags": {"owner": "ana"}, "note": "baseline for the report"' ] && ok ||
	fail "the CLI reads back: $(L show 1 --json | grep -o '"tags": {[^}]*}, "note": [^,]*')"
# the note prompt starts from the current note; emptying it clears it
keys n
wait_for "note for run 1 (empty clears it): baseline for the report"
keys C-u Enter
wait_gone "note        baseline"
[ "$(sqlite3 "$P" 'SELECT note IS NULL FROM runs WHERE id = 1')" = 1 ] && ok ||
	fail "the note was not cleared"
# archived runs leave the runs screen, as they leave `lathe runs`; A shows them
keys q
wait_for "1 run"
L runs archive 1 > /dev/null
wait_for "Every run is archived (1): press A to show them."
keys A
wait_for "finished, archived"
keys A
wait_gone "finished, archived"
keys Q
wait_for "EXIT=0"
expect_terminal_restored
finish
