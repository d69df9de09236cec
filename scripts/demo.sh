#!/bin/sh
# Create (or refresh) the demo project from the bundled datasets and open
# lathe on it.  Used by `make run`.
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
exec "$lathe" -p "$proj" datasets
