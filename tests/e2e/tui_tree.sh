#!/bin/sh
# A decision tree in the workbench: a tree run's detail screen draws the
# tree line by line from the summary's text (not as one long JSON string).
set -u
. "$(dirname "$0")/lib/tui_common.sh"

L init > /dev/null
L import -q "$TOP/datasets/iris.csv"
L train -q --data iris --target target --algo tree --set max_depth=2 > /dev/null
tui_start
wait_for "iris@1"
keys 3
wait_for "1 run"
keys g Enter
wait_for "run 1  finished"
expect_screen "algorithm   tree"
keys G
wait_for "node 0: samples 120, gini 0.6667, value [40, 40, 40]"
expect_screen "|--- petal width (cm) <= 0.8"
expect_screen "|   node 1: leaf, samples 40, gini 0, value [40, 0, 0]"
expect_screen "|--- petal width (cm) >  0.8"
keys q
wait_for "1 run"
keys q
wait_for "EXIT=0"
finish
