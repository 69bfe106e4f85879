# shellcheck shell=sh
# What the command-line test scripts share, sourced as `. tests/lib.sh` with
# the binary as $1: the binary, a temporary folder removed on exit, the
# counters, ok/bad, check, expect_exit and error_line, and the closing totals line.
set -u
bin=${1:-build/overlapsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

# expect_exit CODE NAME CMD...: runs CMD (stdout in $tmp/out, stderr in $tmp/err), checks its exit code
expect_exit() {
    want=$1 name=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want)"; sed 's/^/     /' "$tmp/err" | head -5; fi
}

# error_line NAME PATTERN: stderr is exactly one line matching PATTERN, stdout empty
error_line() {
    if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE -e "$2" "$tmp/err" && [ ! -s "$tmp/out" ]; then
        ok "$1"
    else
        bad "$1: stderr was: $(cat "$tmp/err") / stdout: $(head -c 200 "$tmp/out")"
    fi
}

# check NAME CMD...: CMD must succeed; its output is shown when it does not
check() {
    name=$1
    shift
    if "$@" >"$tmp/check.out" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/     /' "$tmp/check.out" | head -20; fi
}

# The last line, which tests/run_all.sh reads, and the exit status.
totals() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
