/*
 * Each fault kind, from scenario text to metrics, and the errors bad input
 * gets (file:line: message).
 */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "../sim/run/run.h"
#include "../sim/scenario/scenario.h"
#include "sim_harness.h"

static char path[96];

/* Writes text to a new file; returns its loaded scenario or NULL (err filled). */
static struct scenario *load_text(const char *text, char *err, size_t errlen)
{
    snprintf(path, sizeof(path), "/tmp/overlapsim-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct scenario *sc = NULL;
    int rc = scenario_load(path, &sc, err, errlen);
    unlink(path);
    return rc ? NULL : sc;
}

/* Runs variant (NULL: base) of text with guard for seed; returns the metrics. */
static struct metrics run_text(const char *text, const char *variant, const char *guard,
                               uint64_t seed, uint64_t *hash)
{
    char err[600];
    struct scenario *sc = load_text(text, err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    struct model *m = malloc(sizeof(*m));
    int v = variant ? scenario_variant_find(sc, variant) : -1;
    assert_int_equal(scenario_model(sc, v, m, err, sizeof(err)), 0);
    m->cfg.guard = guard_lookup(guard);
    for (int i = 0; i < m->nnodes; i++)
        m->node[i].cfg.guard = m->cfg.guard;
    struct metrics met;
    struct trace tr;
    trace_init(&tr, NULL);
    assert_int_equal(sim_run(m, seed, &tr, &met), 0);
    if (hash)
        *hash = tr.hash;
    free(m);
    scenario_free(sc);
    return met;
}

static void load_fails(const char *text, int line, const char *msg)
{
    char err[600], want[128];
    struct scenario *sc = load_text(text, err, sizeof(err));
    assert_null(sc);
    snprintf(want, sizeof(want), "%s:%d: ", path, line);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, msg))
        fail_msg("got '%s', want '%s...%s'", err, want, msg);
}

/* two replicas a and b; a test adds [node b]'s keys (REPLICAS_A) or takes both */
#define REPLICAS_A                                                                                 \
    "[scenario]\nduration = 1h\n[schedule]\nkind = fixed-rate\ninterval = 60s\n"                   \
    "[job]\napi = 10s\n[node a]\nclock_offset = 0s\n"
#define REPLICAS REPLICAS_A "[node b]\nclock_offset = 0s\n"

/* --- pause --- */

static void test_fault_pause_delays_and_catches_up(void **state)
{
    (void)state;
    /* one node, fixed-rate 60 s: a 5 min pause from 100 s; the runs due at
     * 120 .. 360 s start when it ends at 400 s, back to back (Spring's catch-up) */
    struct metrics m = run_text("[scenario]\nduration = 10m\n[schedule]\nkind = fixed-rate\n"
                                "interval = 60s\n[job]\napi = 10s\n"
                                "[fault]\nkind = pause\nat = 100s\nfor = 5m\n",
                                NULL, "none", 1, NULL);
    assert_int_equal(m.triggers, 10);
    assert_int_equal(m.lateness.max, 280 * SIM_S);
    /* the run going at 100 s (started at 60 s, 10 s long) was not in the pause */
    assert_int_equal(m.cycle.max, 10 * SIM_S);
}

static void test_fault_pause_inside_a_run(void **state)
{
    (void)state;
    /* paused right after acquiring: the run lasts its 10 s plus the pause */
    struct metrics m = run_text("[scenario]\nduration = 10m\n[schedule]\nkind = fixed-rate\n"
                                "interval = 60s\n[job]\napi = 10s\n"
                                "[fault]\nkind = pause\nafter = acquire\nat = 100s\nfor = 30s\n",
                                NULL, "none", 1, NULL);
    assert_int_equal(m.cycle.max, 40 * SIM_S);
    assert_int_equal(m.cycle.count, 10);
}

/* --- crash --- */

static void test_fault_crash_kill9_and_restart(void **state)
{
    (void)state;
    /* killed at 125 s mid-run, back after 2 min (its first run at once) */
    struct metrics m = run_text("[scenario]\nduration = 10m\n[schedule]\nkind = fixed-rate\n"
                                "interval = 60s\n[job]\napi = 10s\n"
                                "[fault]\nkind = crash\nat = 125s\nrestart_after = 2m\n",
                                NULL, "none", 1, NULL);
    assert_int_equal(m.runs_killed, 1);
    /* 0, 60, 120 (killed), then 245, 305, 365, 425, 485, 545 */
    assert_int_equal(m.runs, 9);
    assert_int_equal(m.longest_gap, 125 * SIM_S);
    /* never restarted */
    m = run_text("[scenario]\nduration = 10m\n[schedule]\nkind = fixed-rate\ninterval = 60s\n"
                 "[job]\napi = 10s\n[fault]\nkind = crash\nat = 125s\n",
                 NULL, "none", 1, NULL);
    assert_int_equal(m.runs, 3);
}

static void test_fault_crash_sigterm_releases(void **state)
{
    (void)state;
    /* two replicas with a lease; node a's run is stopped 5 s in. With SIGTERM
     * its finally block shortens the lease (to started_at + 54 s); with kill -9
     * the lease stays for its 5 min and b waits */
    const char *base = REPLICAS_A "[node b]\nschedule.first_at = 70s\n"
                                  "[fault]\nkind = crash\nnode = a\nat = 5s\ncleanup = %s\n";
    char text[600];
    snprintf(text, sizeof(text), base, "yes");
    struct metrics m = run_text(text, NULL, "lease", 1, NULL);
    assert_int_equal(m.runs_killed, 0);
    assert_int_equal(m.runs, 1 + 59); /* b runs from 70 s, every minute */
    snprintf(text, sizeof(text), base, "no");
    m = run_text(text, NULL, "lease", 1, NULL);
    assert_int_equal(m.runs_killed, 1);
    assert_int_equal(m.runs, 1 + 55); /* b waits out the lease: from 310 s */
}

/* --- clock steps --- */

static void test_fault_clock_step_database(void **state)
{
    (void)state;
    /* the database clock jumps 10 min forward while a holds a 5 min lease for a
     * 7 min run: b, ticking 30 s after a, takes it at once */
    struct metrics m =
        run_text(REPLICAS_A "[node b]\nschedule.first_at = 30s\n[job]\napi = 7m\n"
                            "[scenario]\nduration = 2m\n"
                            "[fault]\nkind = clock-step\ntarget = database\nat = 10s\n"
                            "by = 10m\n",
                 NULL, "lease", 1, NULL);
    assert_int_equal(m.max_concurrency, 2);
    m = run_text(REPLICAS_A "[node b]\nschedule.first_at = 30s\n[job]\napi = 7m\n"
                            "[scenario]\nduration = 2m\n",
                 NULL, "lease", 1, NULL);
    assert_int_equal(m.max_concurrency, 1);
}

static void test_fault_clock_step_node(void **state)
{
    (void)state;
    /* b's clock steps 6 min ahead: lease-local on b sees a's lease as over */
    const char *t = REPLICAS_A "[node b]\nschedule.first_at = 30s\n[job]\napi = 50s\n"
                               "[scenario]\nduration = 2m\n"
                               "[fault]\nkind = clock-step\nnode = b\nat = 10s\nby = 6m\n";
    assert_int_equal(run_text(t, NULL, "lease-local", 1, NULL).max_concurrency, 2);
    assert_int_equal(run_text(t, NULL, "lease", 1, NULL).max_concurrency, 1);
}

/* --- api-slow, job-error, manual-run --- */

static void test_fault_api_slow_on_one_node(void **state)
{
    (void)state;
    struct metrics m = run_text(REPLICAS "[fault]\nkind = api-slow\nnode = b\nat = 0\nfor = 1h\n"
                                         "latency = 25s\n",
                                NULL, "none", 1, NULL);
    assert_int_equal(m.cycle.max, 25 * SIM_S);
    assert_int_equal(m.cycle.min, 10 * SIM_S); /* a's runs */
}

static void test_fault_job_error_release(void **state)
{
    (void)state;
    /* a run throws at 10 min; without a finally the lease is held 5 min */
    const char *t = "[scenario]\nduration = 1h\n[schedule]\nkind = fixed-rate\ninterval = 60s\n"
                    "[job]\napi = 10s\nrelease_on_error = %s\n"
                    "[fault]\nkind = job-error\nat = 10m\n";
    char text[400];
    snprintf(text, sizeof(text), t, "no");
    struct metrics m = run_text(text, NULL, "lease", 1, NULL);
    assert_int_equal(m.job_errors, 1);
    assert_int_equal(m.longest_gap, 5 * SIM_MIN);
    snprintf(text, sizeof(text), t, "yes");
    m = run_text(text, NULL, "lease", 1, NULL);
    assert_int_equal(m.job_errors, 1);
    assert_int_equal(m.longest_gap, SIM_MIN);
}

static void test_fault_manual_run(void **state)
{
    (void)state;
    struct metrics m = run_text(REPLICAS "[fault]\nkind = manual-run\nnode = b\nat = 90s\n"
                                         "[fault]\nkind = manual-run\nat = 2m\n",
                                NULL, "none", 1, NULL);
    assert_int_equal(m.manual, 2);
    assert_int_equal(m.triggers, 122);
}

/* --- database faults from scenario text --- */

static void test_fault_db_outage_and_disconnect(void **state)
{
    (void)state;
    struct metrics m = run_text(REPLICAS "[db]\ntimeout = 5s\n"
                                         "[fault]\nkind = db-outage\nat = 10m\nfor = 3m\n",
                                NULL, "lease", 1, NULL);
    /* both replicas try at 10, 11 and 12 min: six acquires time out (and count as
     * guard errors, so as skips), nothing is held, nothing to release */
    assert_int_equal(m.db_errors, 6);
    assert_int_equal(m.guard_errors, 6);
    assert_int_equal(m.runs, 60 - 3);
    m = run_text(REPLICAS_A "[node b]\nschedule.first_at = 20s\n[job]\napi = 50s\n"
                            "[fault]\nkind = db-disconnect\nnode = a\nafter = acquire\n",
                 NULL, "advisory", 1, NULL);
    assert_int_equal(m.max_concurrency, 2);
}

static void test_fault_db_contention(void **state)
{
    (void)state;
    /* statements wait for the row lock until the window ends */
    struct metrics m = run_text("[scenario]\nduration = 10m\n[schedule]\nkind = fixed-rate\n"
                                "interval = 60s\n[job]\napi = 10s\n"
                                "[fault]\nkind = db-contention\nat = 59s\nfor = 20s\n",
                                NULL, "lease", 1, NULL);
    assert_true(m.lateness.max >= 19 * SIM_S);
    assert_true(m.lateness.max <= 20 * SIM_S);
}

/* --- pid reuse --- */

static void test_fault_pid_reuse(void **state)
{
    (void)state;
    const char *t =
        "[scenario]\nduration = 1h\n[schedule]\nkind = cron\ncron = */2 * * * *\n"
        "[job]\napi = 5m\n[guard]\npath = /tmp/p.pid\n"
        "[fault]\nkind = crash\ntarget = process\nafter = acquire\nat = 10m\n"
        "[fault]\nkind = pid-reuse\nafter = crash\ndelay = 30s\ncmdline = %s\nfor = 30m\n";
    char text[600];
    snprintf(text, sizeof(text), t, "same");
    struct metrics m = run_text(text, NULL, "pidfile-check", 1, NULL);
    assert_int_equal(m.runs_killed, 1);
    assert_true(m.longest_gap >= 30 * SIM_MIN); /* fooled for the reuser's life */
    snprintf(text, sizeof(text), t, "other");
    m = run_text(text, NULL, "pidfile-check", 1, NULL);
    assert_true(m.longest_gap <= 6 * SIM_MIN);
    snprintf(text, sizeof(text), t, "same");
    m = run_text(text, NULL, "pidfile", 1, NULL);
    assert_true(m.longest_gap <= 6 * SIM_MIN);
}

/* --- random repeats --- */

static void test_fault_random_repeats_reproducible(void **state)
{
    (void)state;
    const char *t = REPLICAS "[fault]\nkind = pause\nnode = a\nevery = exp(5m)\nfor = 20s\n";
    uint64_t h1, h2, h3;
    struct metrics a = run_text(t, NULL, "lease", 7, &h1);
    struct metrics b = run_text(t, NULL, "lease", 7, &h2);
    run_text(t, NULL, "lease", 8, &h3);
    assert_int_equal(h1, h2);
    assert_true(h1 != h3);
    assert_int_equal(a.runs, b.runs);
}

/* --- bad input --- */

static void test_fault_bad_input(void **state)
{
    (void)state;
    load_fails("[scenario]\nduration = 1h\n\n[fault]\nkind = meteor\n", 5,
               "unknown fault kind 'meteor'");
    load_fails(REPLICAS "[fault]\nkind = pause\nnode = c\nfor = 1m\n", 14,
               "fault on unknown node 'c' (nodes: a, b)");
    load_fails("[schedule]\nkind = cron\ncron = */2 * * *\n", 3, "has 4 fields");
    load_fails("[schedule]\nkind = cron\n", 2, "needs schedule.cron");
    load_fails("[guard]\nmin_factor = -0.5\n", 2, "must not be negative");
    load_fails("[guard]\nmax_factor = 2\nmin_factor = 3\n", 3,
               "guard.min_factor (3) is greater than guard.max_factor (2)");
    load_fails("[variant v]\nguard.max_factor = 0.5\n", 2, "is greater than guard.max_factor");
    /* a fault's own errors point at its section */
    load_fails("[fault]\nkind = pause\n", 1, "pause needs 'for'");
    load_fails("[fault @nope]\nkind = manual-run\n", 1, "unknown variant '@nope'");
    load_fails("[fault]\nkind = clock-step\nby = 1m\nafter = crash\n", 1, "cannot follow a crash");
    load_fails("[fault]\nkind = api-slow\ntarget = database\nfor = 1m\nlatency = 1s\n", 1,
               "cannot target the database");
    load_fails("[fault]\nkind = pause\nfor = 1m\nevery = 0\n", 4, "must be positive");
    load_fails("[node a]\nclock_offset = soon\n", 2, "bad duration 'soon'");
    load_fails("[variant v]\nzz/job.api = 1s\n[node a]\nclock_offset = 0s\n", 2,
               "unknown node 'zz'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_pause_delays_and_catches_up),
        cmocka_unit_test(test_fault_pause_inside_a_run),
        cmocka_unit_test(test_fault_crash_kill9_and_restart),
        cmocka_unit_test(test_fault_crash_sigterm_releases),
        cmocka_unit_test(test_fault_clock_step_database),
        cmocka_unit_test(test_fault_clock_step_node),
        cmocka_unit_test(test_fault_api_slow_on_one_node),
        cmocka_unit_test(test_fault_job_error_release),
        cmocka_unit_test(test_fault_manual_run),
        cmocka_unit_test(test_fault_db_outage_and_disconnect),
        cmocka_unit_test(test_fault_db_contention),
        cmocka_unit_test(test_fault_pid_reuse),
        cmocka_unit_test(test_fault_random_repeats_reproducible),
        cmocka_unit_test(test_fault_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
