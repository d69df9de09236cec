# require.sh — sourced by tests/e2e scripts (and their libs): skipping a
# test for want of a program, in the one form scripts/run-tests.sh reads.
#
#   require CMD [PACKAGE]   CMD on PATH, or print
#                             SKIP: CMD is not installed (dependency: PACKAGE)
#                           and exit 77.  PACKAGE is the Debian package that
#                           provides CMD (default: CMD itself).
#
# Exit status 77 means "skipped", never "passed".  run-tests.sh counts it
# apart, and when PACKAGE is one that scripts/install-deps.sh installs it
# counts the skip as a FAILURE instead: `make test` installs those first,
# so their absence is a broken machine, not a reason to skip.  A test that
# skips for another reason (it needs root, say) prints its own
# "SKIP: reason" line and exits 77, naming no dependency.

require() {
	command -v "$1" > /dev/null 2>&1 && return 0
	echo "SKIP: $1 is not installed (dependency: ${2:-$1})"
	exit 77
}
