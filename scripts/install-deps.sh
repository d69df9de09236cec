#!/bin/sh
# Install the Debian packages lathe needs to build, test and benchmark,
# skipping those already present.  Runs apt-get only when something is
# missing (as root, or through sudo when available).
#
#   scripts/install-deps.sh            build + test dependencies (clang and
#                                      libclang-rt-14-dev, libFuzzer's runtime,
#                                      for the fuzz targets of tests/fuzz/)
#   scripts/install-deps.sh --bench    also the benchmark peers (pandas,
#                                      scikit-learn, XGBoost, Flask, gunicorn, wrk)
#   scripts/install-deps.sh --list     print the build + test packages, one
#                                      a line, and install nothing
#                                      (scripts/run-tests.sh reads it: a test
#                                      skipped for want of one of these fails)
set -eu

pkgs="build-essential pkg-config libsqlite3-dev sqlite3 libopenblas-dev liblapacke-dev
libcsv-dev libcmocka-dev libjansson-dev libmicrohttpd-dev libncurses-dev libssl-dev
gnuplot-nox tmux curl python3 clang libclang-rt-14-dev"
if [ "${1:-}" = "--list" ]; then
	printf '%s\n' $pkgs
	exit 0
fi
if [ "${1:-}" = "--bench" ]; then
	pkgs="$pkgs python3-pandas python3-sklearn python3-xgboost python3-flask gunicorn wrk hyperfine time bc"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "install-deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when an install fails for want of them.
if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
	$sudo apt-get update -q
	$sudo apt-get install -y -q --no-install-recommends $missing
fi
