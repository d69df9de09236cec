#!/bin/sh
# check-layers.sh [TOP] — hold the code to the map of docs/architecture.md.
#
# Every #include "..." in main.c, core/, tui/, linalg/ and plugins/ is
# resolved the way the compiler resolves it (the including file's folder,
# then -I. -Icore -Iplugins, as in the Makefile) to the folder it reaches
# into; that folder must be the file's own, plugins/lathe_plugin.h (the
# public ABI), or one the map lists after "uses:" for the file's folder.
# Also refused: a source folder the map does not name, and a map line for a
# folder that does not exist.  Prints one line per violation,
#     core/store/dataset.c:12: core/store may not include core/train/run.h
# and exits 1 if there was any; 0 and nothing otherwise.
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
map=$(mktemp)
trap 'rm -f "$map"' EXIT
sed -n '/<!-- check-layers: the map begins -->/,/<!-- check-layers: the map ends -->/p' \
    docs/architecture.md | grep -v '^<!--' | grep -v '^```' >"$map" || true
if [ ! -s "$map" ]; then
	echo "check-layers: no map in docs/architecture.md"
	exit 1
fi
# shellcheck disable=SC2046 # the file names have no spaces (the tree is ours)
awk -v map="$map" '
function folder(p,   n, a) {	# the map folder a path belongs to
	if (p == "main.c") return "main.c"
	n = split(p, a, "/")
	if (a[1] == "core" && n >= 3) return "core/" a[2]
	if (a[1] == "plugins") {
		if (n == 2) return "plugins"
		if (a[2] == "kit") return "plugins/kit"
		return "plugins/*"
	}
	return a[1]
}
function exists(p,   line, r) {
	if (p in known) return known[p]
	r = (getline line < p) >= 0
	if (r) close(p)
	known[p] = r
	return r
}
function norm(p,   n, a, i, k, o) {	# a/b/../c -> a/c, ./a -> a
	n = split(p, a, "/")
	k = 0
	for (i = 1; i <= n; i++) {
		if (a[i] == "." || a[i] == "") continue
		if (a[i] == ".." && k > 0 && o[k] != "..") { k--; continue }
		o[++k] = a[i]
	}
	p = ""
	for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") o[i]
	return p
}
function dir(p) { return p ~ /\// ? substr(p, 1, match(p, /\/[^\/]*$/) - 1) : "." }
BEGIN {
	while ((getline line < map) > 0) {
		if (line !~ /uses:/) continue
		split(line, f, /[ \t]+/)
		name = f[1]
		mapped[name] = 1
		u = line
		sub(/.*uses:[ \t]*/, "", u)
		n = split(u, us, /[ \t]+/)
		for (i = 1; i <= n; i++)
			if (us[i] != "-" && us[i] != "") allow[name, us[i]] = 1
		if (name != "plugins/*" && name != "main.c" && system("test -d " name) != 0) {
			printf "docs/architecture.md: the map names %s, which does not exist\n", name
			bad++
		}
	}
}
FNR == 1 {
	src = FILENAME
	from = folder(src)
	if (from != "plugins" && !(from in mapped) && !(from in warned)) {
		printf "%s: folder %s is not in the map of docs/architecture.md\n", src, from
		warned[from] = 1
		bad++
	}
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	d = dir(src)
	if (exists(d "/" inc)) target = d "/" inc
	else if (exists(inc)) target = inc
	else if (exists("core/" inc)) target = "core/" inc
	else if (exists("plugins/" inc)) target = "plugins/" inc
	else {
		printf "%s:%d: cannot resolve #include \"%s\"\n", src, FNR, inc
		bad++
		next
	}
	target = norm(target)
	to = folder(target)
	if (target == "plugins/lathe_plugin.h") next
	if (to == from && from != "plugins/*") next
	if (from == "plugins/*" && to == "plugins/*") {	# one algorithm may not use another
		split(src, sa, "/"); split(target, ta, "/")
		if (sa[2] == ta[2]) next
	}
	if (!((from, to) in allow)) {
		printf "%s:%d: %s may not include %s (docs/architecture.md, the map)\n", src, FNR, from, target
		bad++
	}
}
END { exit bad ? 1 : 0 }
' $(find main.c core tui linalg plugins -name '*.[ch]' | sort)
