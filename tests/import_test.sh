#!/bin/sh
# overlapsim import on the examples of each format's documentation (crontab(5),
# systemd.timer(5) and the ArchWiki, the Kubernetes CronJob docs): the
# scheduler keys and guards written, one warning per unsupported field, the
# refusals naming the line, and every scenario written accepted by `run`.
# Also: measured durations (histogram, empirical) reach `run`.
#   usage: tests/import_test.sh path/to/overlapsim
. "$(dirname "$0")/lib.sh"
D=tests/data/import

# check NAME CMD...: CMD succeeds
check() {
    name=$1
    shift
    if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
# has NAME FILE PATTERN: FILE has a line matching PATTERN
has() { grep -qE -e "$3" "$2" && ok "$1" || bad "$1 (no '$3' in $2)"; }
# runs NAME FILE: run accepts FILE (exit 0 or 1, never 2)
runs() {
    "$bin" run "$2" >"$tmp/run.out" 2>"$tmp/run.err"
    rc=$?
    [ "$rc" -le 1 ] && ok "$1: run accepts it" || bad "$1: run exits $rc: $(cat "$tmp/run.err")"
}

check "import --help" "$bin" import --help
"$bin" import --help | grep -q "usage: overlapsim import" && ok "import --help prints usage" || bad "import --help prints usage"
"$bin" --help | grep -q "^  import" && ok "import is in the command list" || bad "import is not in the command list"
"$bin" import nope.txt >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^overlapsim: cannot open 'nope.txt'" "$tmp/err" && ok "import of a missing file: one line, exit 2" || bad "import of a missing file: $(cat "$tmp/err")"

# --- crontab(5)'s example, and wrapped jobs ---
"$bin" import $D/crontab --out "$tmp/cron.ini" --wrapper $D/pidwrap.sh 2>"$tmp/err"
[ $? -eq 0 ] && ok "crontab: imported" || bad "crontab: import failed: $(cat "$tmp/err")"
n=$(ls "$tmp"/cron-line*.ini 2>/dev/null | wc -l)
[ "$n" -eq 9 ] && ok "crontab: one scenario per job line (9, @reboot skipped)" || bad "crontab: $n scenarios"
has "crontab: @reboot refused with a warning" "$tmp/err" "crontab:21: warning: @reboot"
has "crontab: CRON_TZ warned once" "$tmp/err" "crontab:7: warning: CRON_TZ=Japan"
[ "$(grep -c CRON_TZ "$tmp/err")" -eq 1 ] && ok "crontab: one warning line for CRON_TZ" || bad "crontab: CRON_TZ warned $(grep -c CRON_TZ "$tmp/err") times"
has "crontab: timeout warns (no job deadline key)" "$tmp/err" "crontab:19: warning: timeout 50m"
has "crontab: five fields kept" "$tmp/cron-line15.ini" "^cron = 5 4 \* \* sun"
has "crontab: schedule kind cron" "$tmp/cron-line9.ini" "^kind = cron"
has "crontab: MAILTO noted" "$tmp/cron-line9.ini" "MAILTO=paul"
has "crontab: flock -n gives guard flock" "$tmp/cron-line17.ini" "^path = /var/lock/etl.lock"
has "crontab: run-one gives guard flock" "$tmp/cron-line18.ini" "^kind = flock"
has "crontab: solo -port gives guard flock" "$tmp/cron-line19.ini" "^path = 127.0.0.1:3801"
has "crontab: @hourly kept" "$tmp/cron-line19.ini" "^cron = @hourly"
has "crontab: --wrapper gives pidfile-check" "$tmp/cron-line20.ini" "^kind = pidfile-check"
has "crontab: the wrapper's PID file" "$tmp/cron-line20.ini" "^path = /tmp/parser.pid"
has "crontab: duration unknown, said so" "$tmp/cron-line9.ini" "duration is unknown"
for f in "$tmp"/cron-line*.ini; do runs "crontab $(basename "$f")" "$f"; done
"$bin" import $D/crontab >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "give --line N" "$tmp/err" && ok "crontab: several jobs to stdout asks for --line" || bad "crontab: several jobs to stdout"
"$bin" import $D/crontab --line 17 >"$tmp/one.ini" 2>/dev/null && has "crontab: --line 17 to stdout" "$tmp/one.ini" "^name = crontab-line17"
"$bin" import $D/system-crontab --out "$tmp/sys.ini" 2>"$tmp/err"
has "system crontab: the user field" "$tmp/sys-line16.ini" "runs as user root"
has "system crontab: flock -xn gives guard flock" "$tmp/sys-line17.ini" "^path = /run/lock/sitemap.lock"
runs "system crontab" "$tmp/sys-line17.ini"
printf '5 0 * *\n' >"$tmp/short"
"$bin" import "$tmp/short" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "short:1: expected five time fields" "$tmp/err" && ok "crontab: a short line names the line" || bad "crontab: short line: $(cat "$tmp/err")"

# --- systemd.timer(5) and ArchWiki examples ---
"$bin" import $D/foo.timer --out "$tmp/foo.ini" 2>"$tmp/err"
has "timer: OnCalendar=weekly is Monday 00:00" "$tmp/foo.ini" "^cron = 0 0 \* \* 1"
has "timer: kind systemd-timer" "$tmp/foo.ini" "^kind = systemd-timer"
has "timer: Persistent=true" "$tmp/foo.ini" "^persistent = yes"
has "timer: AccuracySec=1us" "$tmp/foo.ini" "^accuracy = 1us"
has "timer: RandomizedDelaySec=15min" "$tmp/foo.ini" "^randomized_delay = 15m"
has "timer: the service's flock -n" "$tmp/foo.ini" "^path = /run/foo.lock"
has "timer: TimeoutStartSec warns" "$tmp/err" "foo.service:7: warning: TimeoutStartSec=2h"
runs "timer foo" "$tmp/foo.ini"
"$bin" import $D/boot.timer --out "$tmp/boot.ini" 2>/dev/null
has "timer: OnUnitActiveSec is fixed-delay" "$tmp/boot.ini" "^kind = fixed-delay"
has "timer: OnUnitActiveSec=1w" "$tmp/boot.ini" "^interval = 7d"
has "timer: OnBootSec=15min is the first run" "$tmp/boot.ini" "^first_at = 15m"
runs "timer boot" "$tmp/boot.ini"
"$bin" import $D/quarter-hour.timer --out "$tmp/qh.ini" 2>"$tmp/err"
has "timer: Mon..Fri *:0/15" "$tmp/qh.ini" "^cron = 0-59/15 \* \* \* 1-5"
has "timer: WakeSystem warns" "$tmp/err" "quarter-hour.timer:6: warning: WakeSystem=true: not simulated"
runs "timer quarter-hour" "$tmp/qh.ini"
"$bin" import $D/seconds.timer >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "seconds.timer:2: OnCalendar=Mon \*-\*-\* 10:00:01: cron cannot express seconds" "$tmp/err" && [ ! -s "$tmp/out" ] && ok "timer: seconds refused, naming the line" || bad "timer: seconds: $(cat "$tmp/err")"
printf '[Timer]\nOnCalendar=2025-*-* 12:00\n' >"$tmp/year.timer"
"$bin" import "$tmp/year.timer" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "year.timer:2: .*a year" "$tmp/err" && ok "timer: a year refused" || bad "timer: year: $(cat "$tmp/err")"
printf '[Timer]\nOnCalendar=Mon *-*-01 00:00\n' >"$tmp/and.timer"
"$bin" import "$tmp/and.timer" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "weekday and a day of the month" "$tmp/err" && ok "timer: weekday AND day refused" || bad "timer: weekday and day: $(cat "$tmp/err")"

# --- the Kubernetes CronJob docs' example, and one with every field ---
"$bin" import $D/cronjobs.yaml --out "$tmp/k.ini" 2>"$tmp/err"
[ -f "$tmp/k-hello.ini" ] && [ -f "$tmp/k-nightly-report.ini" ] && ok "cronjob: one scenario per CronJob document" || bad "cronjob: files: $(ls "$tmp")"
has "cronjob: another kind skipped with a warning" "$tmp/err" "cronjobs.yaml:22: warning: document 2 is a ConfigMap"
has "cronjob: kind k8s-cronjob" "$tmp/k-hello.ini" "^kind = k8s-cronjob"
has "cronjob: default policy Allow" "$tmp/k-hello.ini" "^concurrency_policy = allow"
has "cronjob: Forbid" "$tmp/k-nightly-report.ini" "^concurrency_policy = forbid"
has "cronjob: startingDeadlineSeconds" "$tmp/k-nightly-report.ini" "^starting_deadline = 200s"
has "cronjob: terminationGracePeriodSeconds" "$tmp/k-nightly-report.ini" "^grace_period = 45s"
for w in "timeZone Etc/UTC" "activeDeadlineSeconds 600" "backoffLimit 2" "podFailurePolicy" "priorityClassName"; do
    has "cronjob: '$w' warns" "$tmp/err" "warning: .*$w"
done
runs "cronjob hello" "$tmp/k-hello.ini"
runs "cronjob nightly-report" "$tmp/k-nightly-report.ini"
printf 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: x\nspec:\n  schedule: "61 * * * *"\n' >"$tmp/bad.yaml"
"$bin" import "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad.yaml:6: schedule '61 \* \* \* \*'" "$tmp/err" && ok "cronjob: a bad schedule names its line" || bad "cronjob: bad schedule: $(cat "$tmp/err")"

# --- durations from measurements ---
cp tests/data/etl-metrics.prom "$tmp/"
"$bin" import $D/crontab --line 17 --durations "$tmp/etl-metrics.prom,etl_cycle_duration_seconds" --out "$tmp/m.ini" 2>/dev/null
has "durations: --durations writes histogram(), relative to the scenario" "$tmp/m.ini" "^api = histogram\(etl-metrics.prom, etl_cycle_duration_seconds\)"
"$bin" run "$tmp/m.ini" >"$tmp/run.out" 2>"$tmp/run.err"
has "durations: run says where they came from" "$tmp/run.out" "^job.api from histogram etl_cycle_duration_seconds .* 200 observations in 12 buckets, summed over 2 series"
has "durations: the +Inf assumption, on stderr" "$tmp/run.err" "observations of etl_cycle_duration_seconds \(48%\) lie above its largest bucket bound, 10s"
[ "$(grep -c 'note:' "$tmp/run.err")" -eq 1 ] && ok "durations: the note is one line" || bad "durations: $(cat "$tmp/run.err")"
"$bin" run tests/data/own-job.ini --seed 3 --trace "$tmp/t1.csv" >/dev/null 2>&1
"$bin" run tests/data/own-job.ini --seed 3 --trace "$tmp/t2.csv" >/dev/null 2>&1
cmp -s "$tmp/t1.csv" "$tmp/t2.csv" && [ -s "$tmp/t1.csv" ] && ok "durations: the trace is reproducible" || bad "durations: traces differ"
"$bin" shrink tests/data/own-job-cron.ini --guard none --seed 1 --out "$tmp/shrunk.ini" >/dev/null 2>&1
! grep -qE "histogram|empirical" "$tmp/shrunk.ini" && grep -qE "^db = [1-9]" "$tmp/shrunk.ini" && ok "durations: shrink writes the drawn values explicitly" || bad "durations: shrink output"
"$bin" report tests/data/own-job.ini --out "$tmp/rep" --seeds 1..1 >/dev/null 2>&1
grep -q "from histogram etl_cycle_duration_seconds" "$tmp/rep/index.html" && ok "durations: the report says where they came from" || bad "durations: the report does not say where they came from"
printf '[job]\napi = histogram(nope.prom)\n' >"$tmp/nope.ini"
"$bin" run "$tmp/nope.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "nope.ini:2: job.api: cannot open '$tmp/nope.prom'" "$tmp/err" && ok "durations: a missing file names the scenario line and the file" || bad "durations: missing file: $(cat "$tmp/err")"
printf 'etl_x_bucket{le="1"} 3\netl_x_bucket{le="+Inf"} x\n' >"$tmp/bad.prom"
printf '[job]\napi = histogram(bad.prom)\n' >"$tmp/badprom.ini"
"$bin" run "$tmp/badprom.ini" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "bad.prom':2: bad value" "$tmp/err" && ok "durations: a bad data line names the data file and line" || bad "durations: bad data: $(cat "$tmp/err")"

totals
