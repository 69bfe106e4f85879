#!/bin/sh
# The layout keeps its promises: no include cycle and no link cycle between
# folders (a subfolder is a folder of its own), no folder with more than about 20
# source files (22 at most), the lease upsert's SQL text in one file, and
# reports/ writing and drawing results without running a simulation.
#   usage: tests/layers_test.sh path/to/overlapsim   (its build folder has the objects)
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {
    if eval "$2"; then passed=$((passed + 1)); echo "ok   $1"; return 0; fi
    failed=$((failed + 1)); echo "FAIL $1"; return 1
}

bin=${1:-build/overlapsim}
build=$(dirname "$bin")

# one edge "FROM TO" per include that crosses folders
for f in $(find sim guards reports -name '*.[ch]' | sort); do
    d=$(dirname "$f")
    sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
        td=$(dirname "$(realpath -m --relative-to=. "$d/$inc")")
        [ "$td" != "$d" ] && echo "$d $td"
    done
done | sort -u >"$tmp/edges"
check "no include cycle between folders" 'tsort "$tmp/edges" >/dev/null 2>"$tmp/cycle"' ||
    sed 's/^/    /' "$tmp/cycle"

# one edge "FROM TO" per symbol an object uses from another folder's object:
# a folder may call down, never up (the parts above the core plug in through
# tables), so the link order is a total order too
if [ -d "$build/sim" ]; then
    for f in $(find sim guards reports -name '*.c' | grep -v '^sim/cli/'); do
        o="$build/${f%.c}.o"
        [ -f "$o" ] || continue
        d=$(dirname "$f")
        nm -g --defined-only "$o" | awk -v d="$d" '$2 ~ /[TDBRC]/ {print "def", $3, d}'
        nm -u "$o" | awk -v d="$d" '{print "use", $2, d}'
    done | awk '$1 == "def" { def[$2] = $3 }
                $1 == "use" { use[NR] = $2 " " $3 }
                END { for (k in use) { split(use[k], a, " ")
                      if ((a[1] in def) && def[a[1]] != a[2]) print a[2], def[a[1]] } }' |
        sort -u >"$tmp/links"
    check "no link cycle between folders" 'tsort "$tmp/links" >/dev/null 2>"$tmp/cycle"' ||
        sed 's/^/    /' "$tmp/cycle"
fi

# reports/ writes and draws finished results: none of its objects may call
# the simulator or a runner of it (sim/analyses runs, reports/ reads)
if [ -d "$build/reports" ]; then
    runner='^(sim_(run|run_hooked|new|loop)|case_run.*|explore_.*|shrink_.*|battery_cell_run|sweep_run.*|sweep_open|report_run.*|par_run|live_.*)$'
    for f in $(find reports -name '*.c' | sort); do
        o="$build/${f%.c}.o"
        [ -f "$o" ] || continue
        nm -u "$o" | awk '{print $2}' | grep -E "$runner" | sed "s|^|$f: |"
    done >"$tmp/runs"
    check "reports/ runs no simulation (its objects reference no runner)" '[ ! -s "$tmp/runs" ]' ||
        sed 's/^/    /' "$tmp/runs"
fi

# each file's functions carry its name as their prefix (a writer X_out.c: X_; the
# compiler's own symbols, such as ASan's __odr_asan.*, aside),
# in the folders that keep the rule whole so far: the runners and the writers
if [ -d "$build/sim/analyses" ]; then
    for f in $(find sim/analyses reports -name '*.c' | sort); do
        o="$build/${f%.c}.o"
        [ -f "$o" ] || continue
        b=$(basename "$f" .c)
        b=${b%_out}
        nm -g --defined-only "$o" |
            awk -v b="$b" -v f="$f" '$2 ~ /[TDBR]/ && $3 !~ /^__/ && $3 != b &&
                index($3, b "_") != 1 {print f ": " $3}'
    done >"$tmp/prefix"
    check "sim/analyses and reports: each file's functions carry its prefix" '[ ! -s "$tmp/prefix" ]' ||
        sed 's/^/    /' "$tmp/prefix"
fi

for d in $(find sim guards reports -type d | sort); do
    n=$(find "$d" -maxdepth 1 -name '*.[chS]' | wc -l)
    [ "$n" -eq 0 ] && continue
    check "$d holds $n source files (at most 22)" "[ $n -le 22 ]"
done

n=$(grep -rl 'ON CONFLICT (task_name) DO UPDATE' --include='*.[ch]' sim guards reports tests | wc -l)
check "the lease upsert's SQL is written in one source file ($n)" "[ $n -eq 1 ]" ||
    grep -rl 'ON CONFLICT (task_name) DO UPDATE' --include='*.[ch]' sim guards reports tests | sed 's/^/    /'
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
