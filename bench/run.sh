#!/bin/sh
# Run every benchmark against one build:  bench/run.sh [BUILD_DIR] [NAME...]
# Each bench/bench_*.sh prints lathe's figure, the peer's figure measured in
# the same run, and their ratio.  Benchmarks are never part of `make test`.
# The soak test (bench/soak.sh, 10 minutes) runs only when named:
#   bench/run.sh build soak            (SOAK_SECONDS=60 for a short one)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
"$top/scripts/install-deps.sh" --bench
export LATHE="$top/$build/lathe"
export LATHE_PLUGIN_PATH="$top/$build/plugins"
export BENCH_DATA="$top/bench/data"
mkdir -p "$BENCH_DATA" "$top/$build/bench"
cc -O2 -o "$top/$build/bench/gen_csv" "$top/bench/gen_csv.c" -lm
export GEN_CSV="$top/$build/bench/gen_csv"
if [ $# -eq 0 ]; then
	set -- $(cd "$top/bench" && ls bench_*.sh | sed 's/^bench_//; s/\.sh$//')
fi
for b in "$@"; do
	if [ "$b" = soak ]; then
		sh "$top/bench/soak.sh"
	else
		sh "$top/bench/bench_$b.sh"
	fi
done
