#!/bin/sh
# Create (or refresh) the demo project from the bundled datasets and open
# the lathe workbench on it.  Used by `make run`.
#   scripts/demo.sh path/to/lathe
set -eu
lathe=${1:-build/lathe}
top=$(cd "$(dirname "$0")/.." && pwd)
proj="$top/demo.lathe"
[ -f "$proj" ] || "$lathe" -p "$proj" init >/dev/null
for f in "$top"/datasets/*.csv; do
	"$lathe" -p "$proj" import --quiet "$f"
done
echo "demo project: $proj"
# the workbench on a terminal; elsewhere (a pipe, CI) the datasets as text
if [ -t 0 ] && [ -t 1 ]; then
	exec "$lathe" -p "$proj"
fi
exec "$lathe" -p "$proj" datasets
