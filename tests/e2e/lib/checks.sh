# checks.sh — sourced by tests/e2e scripts (not run): counting checks.
#
#   ok                      count a check passed
#   bad MSG                 print "FAIL MSG" and count a check failed
#   check WHAT EXP ACTUAL   ok when ACTUAL is EXP, else bad, saying both
#   contains WHAT PART S    ok when S contains PART, else bad, saying both
#
# The counts are $pass and $fail; each script prints its own summary line
# and exits non-zero when $fail is not 0.
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi; }
contains() { case "$3" in *"$2"*) ok ;; *) bad "$1: expected to contain '$2', got '$3'" ;; esac; }
