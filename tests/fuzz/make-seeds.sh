#!/bin/sh
# Make the seed corpora that come from real models: plugin payloads
# (payload_PLUGIN), fitted recipes (recipe_load), bundles (bundle) and the
# registry's recorded schemas (registry).  Fits small models on the
# shipped datasets with a plain build and writes into tests/fuzz/corpus/.
# Run by hand when a payload or bundle format changes:
#   make && tests/fuzz/make-seeds.sh build
# The other corpora (csv, recipe, expr, serve) are written by hand or
# taken from tests/corpus and tests/unit (see docs/testing.md).
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
L="$top/$build/lathe"
export LATHE_PLUGIN_PATH="$top/$build/plugins"
out="$top/tests/fuzz/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
P="-p $tmp/p.lathe"
$L $P init >/dev/null
$L $P import "$top/datasets/penguins.csv" --name peng >/dev/null
$L $P import "$top/datasets/diabetes.csv" --name diab >/dev/null
$L $P import "$top/datasets/iris.csv" --name iris >/dev/null

# ALGO ARGS...: train one run, print its id
train() {
	$L $P train --seed 7 "$@" | tail -n 1
}
runs=""
r=$(train --data peng --target species --algo logistic --step 'impute median numeric' \
    --step 'onehot island, sex' --step 'impute mode categorical' --step 'standardize numeric'); runs="$runs $r"
r=$(train --data peng --target species --algo logistic --set C=0.1 --step 'derive r = bill_length_mm / bill_depth_mm' \
    --step 'impute mean numeric infinite' --step 'ordinal island' --step 'onehot sex max 1' --step 'minmax numeric'); runs="$runs $r"
r=$(train --data iris --target target --algo logistic); runs="$runs $r"
r=$(train --data diab --target target --algo linear --step 'log1p bmi' --step 'clip bp' --step 'standardize *'); runs="$runs $r"
r=$(train --data diab --target target --algo linear --step 'interact age, sex' --step 'bin s1 4 quantile' --step 'bin s2 3 uniform'); runs="$runs $r"
r=$(train --data diab --target target --algo ridge --set alpha=0.5); runs="$runs $r"
r=$(train --data peng --target body_mass_g --algo ridge --step 'impute median numeric' --step 'onehot categorical' --step 'keep bill_length_mm, island=Dream, sex=male'); runs="$runs $r"
r=$(train --data peng --algo kmeans --set n_clusters=3 --step 'impute median numeric' --step 'drop categorical' --step 'standardize *'); runs="$runs $r"
r=$(train --data iris --algo kmeans --set n_clusters=2); runs="$runs $r"
r=$(train --data iris --algo pca --set n_components=2); runs="$runs $r"
r=$(train --data diab --algo pca --set n_components=3 --step 'drop target'); runs="$runs $r"
r=$(train --data iris --target target --algo tree --set max_depth=3); runs="$runs $r"
r=$(train --data diab --target target --algo tree --set max_depth=4 --set min_samples_leaf=5); runs="$runs $r"
r=$(train --data iris --target target --algo forest --set n_estimators=3 --set max_depth=3); runs="$runs $r"
r=$(train --data diab --target target --algo forest --set n_estimators=2 --set max_depth=3); runs="$runs $r"
r=$(train --data iris --target target --algo gbdt --set max_iter=3 --set max_leaf_nodes=4 --set min_samples_leaf=5); runs="$runs $r"
r=$(train --data diab --target target --algo gbdt --set max_iter=3 --set max_leaf_nodes=5); runs="$runs $r"
r=$(train --data peng --target species --algo gbdt --set max_iter=2 --set max_leaf_nodes=6 --set min_samples_leaf=5); runs="$runs $r"

mkdir -p "$out/recipe_load" "$out/bundle" "$out/registry"
for r in $runs; do
	algo=$(sqlite3 p.lathe "SELECT algo FROM runs WHERE id = $r")
	mkdir -p "$out/payload_$algo"
	sqlite3 p.lathe "SELECT writefile('$out/payload_$algo/run$r', data) FROM run_artifacts WHERE run_id = $r AND name = 'model'" >/dev/null
	sqlite3 p.lathe "SELECT writefile('$out/recipe_load/run$r', data) FROM run_artifacts WHERE run_id = $r AND name = 'recipe'" >/dev/null
	$L $P model register "$r" --name "m$algo" >/dev/null
done
# bundles: the files themselves
for m in mlogistic mlinear mridge mkmeans mpca mtree mforest mgbdt; do
	$L $P export "$m@1" -o "$out/bundle/$m" >/dev/null
done
# registry: what model register recorded, one field a line (fuzz_registry.c)
sqlite3 p.lathe "SELECT m.name || '_' || v.version FROM model_versions v JOIN models m ON m.id = v.model_id" |
while read -r id; do
	name=${id%_*} ver=${id##*_}
	sqlite3 -separator '
' p.lathe "SELECT v.input_schema, v.output_schema, v.input_example, coalesce(r.classes, '') FROM model_versions v JOIN models m ON m.id = v.model_id JOIN runs r ON r.id = v.run_id WHERE m.name = '$name' AND v.version = $ver" >"$out/registry/$id"
	# a logged prediction's inputs, as the server records them
	echo '{"island": "Dream", "bill_length_mm": 41.5, "sex": null, "year": 2008}' >>"$out/registry/$id"
done
echo "seeds written under $out"
