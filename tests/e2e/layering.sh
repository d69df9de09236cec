#!/bin/sh
# layering.sh — scripts/check-layers.sh holds the tree to the map of
# docs/architecture.md: the real tree passes, and a copy of it with one
# include against the map planted (the engine including the workbench,
# linalg including the plugin kit, a lower subsystem including a higher
# one, one plugin including another, a folder the map does not name, a
# map line for a folder that is gone) fails with the line that says so.
set -u
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/lib/checks.sh"

out=$("$top/scripts/check-layers.sh" "$top" 2>&1) && [ -z "$out" ] && ok ||
    bad "the tree itself breaks the map: $out"

# plant FILE LINE WANT: in a fresh copy, append LINE to FILE; the check
# must fail and print WANT
plant() {
	rm -rf "$tmp/t"
	mkdir -p "$tmp/t/docs" "$tmp/t/scripts"
	cp "$top/docs/architecture.md" "$tmp/t/docs/"
	cp -r "$top/main.c" "$top/core" "$top/tui" "$top/linalg" "$top/plugins" "$tmp/t/"
	mkdir -p "$(dirname "$tmp/t/$1")"
	printf '%s\n' "$2" >>"$tmp/t/$1"
	out=$("$top/scripts/check-layers.sh" "$tmp/t" 2>&1)
	rc=$?
	if [ $rc -ne 1 ]; then
		bad "$1 + '$2': exit $rc, expected 1 ($out)"
	elif ! printf '%s\n' "$out" | grep -qF "$3"; then
		bad "$1 + '$2': expected '$3', got: $out"
	else
		ok
	fi
}
n=$(wc -l <"$top/core/store/project.c")
plant core/store/project.c '#include "tui/tui.h"' \
    "core/store/project.c:$((n + 1)): core/store may not include tui/tui.h"
plant linalg/mat.c '#include "kit/blobio.h"' "linalg may not include plugins/kit/blobio.h"
plant core/store/dataset.h '#include "train/run.h"' "core/store may not include core/train/run.h"
plant core/train/run.c '#include "cli/cmd.h"' "core/train may not include core/cli/cmd.h"
plant tui/app.c '#include "cli/cmd.h"' "tui may not include core/cli/cmd.h"
plant plugins/ridge/ridge.c '#include "../kmeans/hamerly.h"' \
    "plugins/* may not include plugins/kmeans/hamerly.h"
plant plugins/kit/plugkit.c '#include "store/project.h"' \
    "plugins/kit may not include core/store/project.h"
plant core/extra/x.c '/* a folder of its own */' "folder core/extra is not in the map"
plant core/base/util.c '#include "nowhere.h"' 'cannot resolve #include "nowhere.h"'
# a map line for a folder that is gone
rm -rf "$tmp/t"; mkdir -p "$tmp/t/docs"
cp -r "$top/main.c" "$top/core" "$top/tui" "$top/linalg" "$top/plugins" "$tmp/t/"
cp "$top/docs/architecture.md" "$tmp/t/docs/"
rm -rf "$tmp/t/core/ingest"
out=$("$top/scripts/check-layers.sh" "$tmp/t" 2>&1) && bad "a missing folder passed" ||
    case $out in *"the map names core/ingest, which does not exist"*) ok ;;
    *) bad "missing folder: $out" ;; esac
# no map at all
: >"$tmp/t/docs/architecture.md"
out=$("$top/scripts/check-layers.sh" "$tmp/t" 2>&1) && bad "no map passed" ||
    case $out in *"no map in docs/architecture.md"*) ok ;; *) bad "no map: $out" ;; esac

echo "layering: $pass ok, $fail failed"
[ "$fail" -eq 0 ]
