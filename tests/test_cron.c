/*
 * Cron expressions (parsing, matching, the next firing) and the cron daemon
 * in the engine: one firing per due minute on the node's clock, a new
 * process per firing, and cronie's rules when the clock jumps or cron wakes
 * up late.
 */
#include <stdio.h>

#include "../sim/base/cron.h"
#include "../sim/run/run.h"
#include "sim_harness.h"

static struct cron_expr parse_ok(const char *text)
{
    struct cron_expr e;
    char err[200] = "";
    int rc = cron_parse(text, &e, err, sizeof(err));
    if (rc)
        fail_msg("cron_parse('%s'): %s", text, err);
    return e;
}

static void parse_fails(const char *text, const char *msg)
{
    struct cron_expr e;
    char err[200] = "";
    assert_int_equal(cron_parse(text, &e, err, sizeof(err)), -EINVAL);
    if (!strstr(err, msg))
        fail_msg("cron_parse('%s'): '%s' does not say '%s'", text, err, msg);
}

#define MIN_OF(d, h, m) ((int64_t)(d)*1440 + (h)*60 + (m))

static void test_cron_parse_fields(void **state)
{
    (void)state;
    struct cron_expr e = parse_ok("*/2 * * * *");
    assert_int_equal(e.minute, 0x5555555555555555ull & ((1ull << 60) - 1));
    assert_int_equal(e.hour, (1u << 24) - 1);
    assert_true(e.flags & CRON_MIN_STAR);
    assert_true(cron_is_wild(&e));
    e = parse_ok("5,35 9-17/4 1,15 jan-mar mon-fri");
    assert_int_equal(e.minute, (1ull << 5) | (1ull << 35));
    assert_int_equal(e.hour, (1u << 9) | (1u << 13) | (1u << 17));
    assert_int_equal(e.dom, (1u << 1) | (1u << 15));
    assert_int_equal(e.month, (1u << 1) | (1u << 2) | (1u << 3));
    assert_int_equal(e.dow, 0x3e);
    assert_false(cron_is_wild(&e));
    assert_int_equal(e.flags, 0);
    e = parse_ok("0 0 * * 7"); /* 7 is Sunday */
    assert_int_equal(e.dow, 1);
    e = parse_ok("10/20 * * * *"); /* cronie: 10-59/20 */
    assert_int_equal(e.minute, (1ull << 10) | (1ull << 30) | (1ull << 50));
    e = parse_ok("@hourly");
    assert_int_equal(e.minute, 1);
    assert_int_equal(e.flags, CRON_HR_STAR);
    e = parse_ok("@daily");
    assert_int_equal(e.hour, 1);
    assert_false(cron_is_wild(&e));
}

static void test_cron_parse_errors(void **state)
{
    (void)state;
    parse_fails("*/2 * * *", "has 4 fields");
    parse_fails("* * * * * *", "more than 5");
    parse_fails("61 * * * *", "minute field: 61 is out of range 0-59");
    parse_fails("* 24 * * *", "hour field: 24");
    parse_fails("* * 0 * *", "day-of-month field: 0");
    parse_fails("* * * 13 *", "month field: 13");
    parse_fails("* * * * 8", "day-of-week field: 8");
    parse_fails("5-1 * * * *", "runs backwards");
    parse_fails("*/0 * * * *", "step 0");
    parse_fails("*/ * * * *", "expected a step");
    parse_fails("x * * * *", "expected a number");
    parse_fails("* * * foo *", "expected a number or a name");
    parse_fails("1,,2 * * * *", "expected a number");
    parse_fails("@reboot", "unknown cron shorthand");
}

static void test_cron_matches_and_next(void **state)
{
    (void)state;
    struct cron_expr e = parse_ok("*/2 * * * *");
    assert_true(cron_matches(&e, 0));
    assert_false(cron_matches(&e, 1));
    assert_int_equal(cron_next(&e, 0), 2);
    assert_int_equal(cron_next(&e, -1), 0);
    /* 2024-01-01 is a Monday: weekdays at 09:30 */
    e = parse_ok("30 9 * * mon-fri");
    assert_int_equal(cron_next(&e, -1), MIN_OF(0, 9, 30));
    assert_int_equal(cron_next(&e, MIN_OF(0, 9, 30)), MIN_OF(1, 9, 30));
    assert_int_equal(cron_next(&e, MIN_OF(4, 9, 30)), MIN_OF(7, 9, 30)); /* Fri -> Mon */
    /* the dom/dow OR rule: the 15th, and every Sunday */
    e = parse_ok("0 0 15 * sun");
    assert_int_equal(cron_next(&e, 0), MIN_OF(6, 0, 0));                 /* Sunday Jan 7 */
    assert_int_equal(cron_next(&e, MIN_OF(13, 0, 0)), MIN_OF(14, 0, 0)); /* Jan 15 (Mon) */
    /* with a star in one day field it is AND: Sundays only */
    e = parse_ok("0 0 * * sun");
    assert_int_equal(cron_next(&e, MIN_OF(13, 0, 0)), MIN_OF(20, 0, 0));
    /* Feb 29 2024 then 2028 */
    e = parse_ok("0 12 29 2 *");
    assert_int_equal(cron_next(&e, 0), MIN_OF(59, 12, 0));
    assert_int_equal(cron_next(&e, MIN_OF(60, 0, 0)), MIN_OF(59 + 366 + 365 * 3, 12, 0));
    /* never */
    e = parse_ok("0 0 30 2 *");
    assert_int_equal(cron_next(&e, 0), -1);
}

/* --- the daemon --- */

static struct model *cron_model(const char *expr, sim_time duration)
{
    struct model *m = harness_model(1, "none");
    harness_set(m, "schedule.kind", "cron");
    harness_set(m, "schedule.cron", expr);
    harness_set(m, "job.api", "1s");
    m->cfg.duration = duration;
    m->node[0].cfg.duration = duration;
    return m;
}

static void add_fault(struct model *m, enum fault_kind k, sim_time at, sim_time dur, sim_time by)
{
    struct fault_spec *f = &m->fault[m->nfaults++];
    fault_init(f, 1);
    f->kind = k;
    f->has_kind = 1;
    f->at = at;
    f->dur = dur;
    f->by = by;
    f->has_by = true;
}

static uint64_t triggers(struct model *m)
{
    struct metrics met;
    assert_int_equal(sim_run(m, 1, NULL, &met), 0);
    free(m);
    return met.triggers;
}

static void test_cron_daemon_every_two_minutes(void **state)
{
    (void)state;
    struct model *m = cron_model("*/2 * * * *", SIM_DAY);
    struct metrics met;
    assert_int_equal(sim_run(m, 1, NULL, &met), 0);
    assert_int_equal(met.triggers, 720);
    assert_int_equal(met.runs, 720);
    /* one second past the minute (cron_sleep), then the process starts (5 ms) */
    assert_int_equal(hist_quantile(&met.lateness, 0.5), 5 * SIM_MS);
    free(m);
    /* the interval comes from the expression */
    m = cron_model("*/2 * * * *", SIM_DAY);
    assert_int_equal(m->cfg.interval, 2 * SIM_MIN);
    free(m);
}

static void test_cron_daemon_runs_on_the_node_clock(void **state)
{
    (void)state;
    /* daily at 02:30 by a clock 40 min ahead: at 01:50 true time */
    struct model *m = cron_model("30 2 * * *", 3 * SIM_HOUR);
    harness_set(m, "node.clock_offset", "40m");
    struct metrics met;
    assert_int_equal(sim_run(m, 1, NULL, &met), 0);
    assert_int_equal(met.triggers, 1);
    assert_int_equal(met.first_start, 110 * SIM_MIN + SIM_S + 5 * SIM_MS);
    free(m);
}

static void test_cron_daemon_clock_jump_forward(void **state)
{
    (void)state;
    /* fixed-time job at 02:30; at 02:00 the clock jumps 1 h forward (DST):
     * cron catches the skipped 02:30 up, once */
    struct model *m = cron_model("30 2 * * *", 6 * SIM_HOUR);
    add_fault(m, FAULT_CLOCK_STEP, 2 * SIM_HOUR, 0, SIM_HOUR);
    assert_int_equal(triggers(m), 1);
    /* a wildcard job (every 10 min) is run once for the new minute, not per skipped minute */
    m = cron_model("*/10 * * * *", 2 * SIM_HOUR);
    add_fault(m, FAULT_CLOCK_STEP, SIM_HOUR + 30 * SIM_S, 0, 30 * SIM_MIN);
    /* 0:00 .. 1:00 = 7 firings; cron wakes at local 1:31 (a 31 min jump): wildcard
     * jobs run for the current minute only (nothing due at 1:31), the skipped 1:10,
     * 1:20, 1:30 are not caught up; then 1:40 .. 2:20 until true 2:00 = local 2:30 */
    assert_int_equal(triggers(m), 7 + 5);
    /* more than 3 h is a clock correction: no catch-up of the skipped 02:30 */
    m = cron_model("30 2 * * *", 6 * SIM_HOUR);
    add_fault(m, FAULT_CLOCK_STEP, 2 * SIM_HOUR, 0, 4 * SIM_HOUR);
    assert_int_equal(triggers(m), 0);
}

static void test_cron_daemon_clock_jump_back(void **state)
{
    (void)state;
    /* fixed-time 02:30; at 03:00 the clock goes back 1 h (DST ends): not run twice */
    struct model *m = cron_model("30 2 * * *", 6 * SIM_HOUR);
    add_fault(m, FAULT_CLOCK_STEP, 3 * SIM_HOUR, 0, -SIM_HOUR);
    assert_int_equal(triggers(m), 1);
    /* a wildcard job runs again in the repeated hour: 0:00..2:50 (18), then 2:00..4:50
     * by the clock until true 4:00 (= local 3:00 .. at 5:00: 2:00 .. 3:50, 12 more) */
    m = cron_model("*/10 * * * *", 4 * SIM_HOUR);
    add_fault(m, FAULT_CLOCK_STEP, 3 * SIM_HOUR, 0, -SIM_HOUR);
    assert_int_equal(triggers(m), 18 + 6);
}

static void test_cron_daemon_late_wakeup(void **state)
{
    (void)state;
    /* every minute; cron is stopped for 3 min 30 s: on waking it runs every
     * missed minute, back to back (10 s apart) */
    struct model *m = cron_model("* * * * *", 10 * SIM_MIN);
    add_fault(m, FAULT_PAUSE, 2 * SIM_MIN + 30 * SIM_S, 3 * SIM_MIN + 30 * SIM_S, 0);
    struct metrics met;
    assert_int_equal(sim_run(m, 1, NULL, &met), 0);
    assert_int_equal(met.triggers, 10);
    /* cron wakes at 6:00 (the pause's end) and runs minute 3 at once, then 4, 5, 6
     * 10 s apart; minute 3 was due at 3:01: the latest start is 2:59 late (+ 5 ms exec) */
    assert_int_equal(met.lateness.max, 2 * SIM_MIN + 59 * SIM_S + 5 * SIM_MS);
    free(m);
}

static void test_cron_daemon_never_skips_a_running_job(void **state)
{
    (void)state;
    /* a 5 min job every 2 min without a guard: every firing starts a process */
    struct model *m = cron_model("*/2 * * * *", SIM_HOUR);
    harness_set(m, "job.api", "5m");
    struct metrics met;
    assert_int_equal(sim_run(m, 1, NULL, &met), 0);
    assert_int_equal(met.runs, 30);
    assert_int_equal(met.max_concurrency, 3);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cron_parse_fields),
        cmocka_unit_test(test_cron_parse_errors),
        cmocka_unit_test(test_cron_matches_and_next),
        cmocka_unit_test(test_cron_daemon_every_two_minutes),
        cmocka_unit_test(test_cron_daemon_runs_on_the_node_clock),
        cmocka_unit_test(test_cron_daemon_clock_jump_forward),
        cmocka_unit_test(test_cron_daemon_clock_jump_back),
        cmocka_unit_test(test_cron_daemon_late_wakeup),
        cmocka_unit_test(test_cron_daemon_never_skips_a_running_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
