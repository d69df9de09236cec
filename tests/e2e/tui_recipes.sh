#!/bin/sh
# Recipes in the workbench, under tmux: write a recipe in the editor pane,
# see a parse error inline under its line at its column, fix it, preview
# the columns it makes on a chosen dataset (leaving the target out), save
# it as a version, edit it into a second version, train with it, and
# leave the editor with unsaved changes only after being asked.  $EDITOR
# is used through ^E with a scripted editor.
set -u
. "$(dirname "$0")/lib/tui_common.sh"

L init > /dev/null
L import -q "$TOP/datasets/penguins.csv"
# a scripted $EDITOR: appends a step to the file it is given
printf '#!/bin/sh\necho "drop year" >> "$1"\n' > "$T/ed.sh"
chmod +x "$T/ed.sh"

tui_start "EDITOR='$T/ed.sh' '$LATHE' -p '$P'"
wait_for "penguins@1"
keys 2
wait_for "No recipes yet"

# 1. a new recipe; a typo is shown under its line, with a caret
keys n
wait_for "(new recipe)"
wait_for "4 steps, parses"
keys Down Down Down Down Down End Enter
text "imptue median bill_length_mm"
wait_for "6! imptue median bill_length_mm"
wait_for "^ unknown step 'imptue' (did you mean 'impute'?)"
wait_for "line 6, column 1: unknown step 'imptue'"
# fix the typo where it is: imp|tue -> impute
keys Home Right Right Right Delete Right
text "t"
wait_for "5 steps, parses"
wait_gone "unknown step"

# 2. preview on a dataset, without the target
keys C-p
wait_for "preview on which dataset?"
keys Enter
wait_for "target column to leave out"
text "species"
keys Enter
wait_for "preview on penguins@1: fitted on all 344 rows, without target 'species'"
expect_screen "island=Dream"
expect_screen "sex=male"
screen | grep -E '^bill_length_mm +numeric +0 ' > /dev/null && ok ||
    fail "bill_length_mm imputed: $(screen | grep -E '^bill_length_mm')"

# 2b. a recipe that leaves missing values: the preview says where a run
# would stop, as `lathe recipe preview` does (impute commented out), and
# that gbdt, which takes missing values, would not
keys Up Up Up Up Home
text "# "
wait_for "4 steps, parses"
keys C-p
wait_for "a run would stop (gbdt takes missing values): column '"
expect_screen "missing value"
keys Home Delete Delete
wait_for "5 steps, parses"
keys C-p
wait_for "preview on penguins@1: fitted on all 344 rows, without target 'species'"

# 3. save as feat@1
keys C-s
wait_for "save recipe as:"
text "feat"
keys Enter
wait_for "saved recipe feat@1"

# 4. $EDITOR adds a line; saving makes feat@2
keys C-e
wait_for "drop year"
wait_for "6 steps, parses"
keys C-s
wait_for "save recipe as: feat"
keys Enter
wait_for "saved recipe feat@2"

# 5. unsaved changes are not lost silently
text "x"
keys Escape
wait_for "the recipe has unsaved changes: s save, d discard, Esc stay"
keys d
wait_for "feat@2  latest"
expect_screen "feat@1"

# 6. train with the stored recipe (the newest version is the last row)
keys G t
wait_for "‹ feat@2 ›"
keys r
wait_for "run 1 finished" 30
L show 1 --json | grep -q '"name": "feat", "version": 2' && ok || fail "run 1 recipe: $(L show 1 --json | head -c 400)"
keys q
wait_for "EXIT=0"
expect_terminal_restored
[ "$(L recipe list --json | grep -o '"version": [0-9]*' | tr '\n' ' ')" = '"version": 1 "version": 2 ' ] && ok ||
    fail "recipe versions: $(L recipe list --json)"
finish
