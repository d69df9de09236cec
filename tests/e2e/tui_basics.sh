#!/bin/sh
# The workbench frame, as a person sees it under tmux: opening a project
# (and offering to create a missing one), the header, the key bar and the
# help, moving around, the data grid with column kinds, NA cells and the
# column panel, filtering, UTF-8 column names, the `:` command line,
# resizing to 80x24, NO_COLOR, and the terminal restored on quit and on
# SIGTERM.
set -u
. "$(dirname "$0")/lib/tui_common.sh"

L init > /dev/null
L import -q "$TOP/datasets/penguins.csv"
printf 'naïve_größe,日本語,y\n1.5,あ,0\n2.5,い,1\n,う,0\n' > "$T/utf.csv"
L import -q "$T/utf.csv" --name utf

# 1. a missing project: offered, created, opened
tui_start "'$LATHE' -p '$T/new.lathe'"
wait_for "Create it? [Y/n]"
keys y Enter
wait_for "No datasets yet"
wait_for "0 dataset versions"
keys q
wait_for "EXIT=0"
[ -f "$T/new.lathe" ] && ok || fail "the new project was not created"

# 2. the datasets screen, header, bar, help
tui_start
wait_for "penguins@1"
expect_screen "1 Datasets"
expect_screen "2 dataset versions"
expect_screen "Enter open i import t train d describe / filter : command ? help q quit"
keys '?'
wait_for "keys of the datasets screen"
expect_screen "import a CSV file (path completion with Tab)"
expect_screen "everywhere"
keys Escape
wait_gone "keys of the datasets screen"
keys z
wait_for "z does nothing here (? lists the keys)"

# 3. the grid: kinds, NA, panel, sort, filter
keys g Enter
wait_for "row 1 of 344"
expect_screen "species    island     bill_length_mm"
expect_screen "num·int"	# year: integers, no label beside 'species'
expect_screen "cat"
screen | grep -E '^ +4 Adelie +Torgersen +NA +NA' > /dev/null && ok ||
    fail "row 4 should show NA cells: $(screen | grep -E '^ +4 ')"
keys l l c
wait_for "bill_length_mm"
wait_for "count 342  missing 2 (0.6%)"
expect_screen "histogram"
expect_screen "median  44.45"
keys c l l l l c
wait_for "most frequent"
expect_screen "male"
keys c h h h h s
wait_for "sorted by bill_length_mm, ascending"
keys g
wait_for "row 1 of 344"
screen | sed -n 4p | grep -q '32.1' && ok || fail "smallest bill first: $(screen | sed -n 4p)"
keys /
text "island == 'Dream' && bill_length_mm > 55"
keys Enter
wait_for "2 of 344 rows: where"
expect_screen "55.8"
keys Escape
wait_for "filter cleared"
keys h		# island: plain words filter the current column
keys /
text "Biscoe"
keys Enter
wait_for "168 of 344 rows: island contains 'Biscoe'"
keys q
wait_for "filter cleared"
keys q
wait_for "2 dataset versions"

# 4. UTF-8 column names
keys G Enter
wait_for "naïve_größe"
expect_screen "日本語"
expect_screen "あ"
keys q

# 5. the command line runs lathe's own commands
keys :
wait_for "Tab complete"
text "desc"
keys Tab
wait_for ": describe"
keys C-u
text "datasets --json"
keys Enter
wait_for '"name": "penguins"'
wait_for "exit status 0"
keys q
keys :
text "nosuch"
keys Enter
wait_for "no command 'nosuch'"
# the workbench's own commands come from a table (name, word counts);
# other word counts of the same name go to the lathe command
keys :
text "runs"
keys Enter
wait_for "No runs yet"
keys :
text "runs --limit abc"
keys Enter
wait_for "option '--limit' needs an integer >= 1, got 'abc'"
wait_for "exit status 2"
keys q
keys :
text "head penguins"
keys Enter
wait_for "row 1 of 344"
keys q
keys 1
wait_for "penguins@1"

# 6. 80x24: everything still fits, and it redraws on resize
tmux -L "$SOCK" resize-window -t t -x 80 -y 24
wait_line 24 "Enter open i import t train d describe / filter : command ? help"
wait_line 1 "lathe p.lathe"
[ "$(screen | wc -l)" -eq 24 ] && ok || fail "80x24: $(screen | wc -l) lines"
[ "$(screen | LC_ALL=C.UTF-8 wc -L)" -le 80 ] && ok ||
    fail "80x24: a line is wider than 80"
keys 3
wait_for "No runs yet"
tmux -L "$SOCK" resize-window -t t -x 120 -y 40
keys Q
wait_for "EXIT=0"
expect_terminal_restored

# 7. NO_COLOR and SIGTERM: the terminal is restored, the exit status says so
tui_start "sh -c 'echo \$\$ > $T/pid; NO_COLOR=1 exec \"$LATHE\" -p \"$P\"'"
wait_for "penguins@1"
kill -TERM "$(cat "$T/pid")"
wait_for "EXIT=143"
expect_terminal_restored
finish
