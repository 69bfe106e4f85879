#!/bin/sh
# Every C file is in the repository's declared style (.clang-format), as
# Debian's clang-format 14 lays it out: one check per file.
#   usage: tests/format_test.sh [ignored]
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
if ! command -v clang-format >/dev/null; then
    echo "FAIL clang-format is not installed (scripts/setup.sh installs it)"
    echo "0 passed, 1 failed"
    exit 1
fi
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find sim guards reports tests bench -name '*.[ch]'); do
    if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $f is not in the .clang-format style (clang-format -i $f)"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
