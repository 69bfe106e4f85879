/* Scenario files: every error names the file and line; variants, --set and expectations resolve. */
#include "helpers.h"

static void expect_error(const char *text, int line, const char *fragment)
{
    char err[600] = "";
    struct scenario *sc = helper_parse(text, err, sizeof(err));
    if (sc)
        fail_msg("expected an error for:\n%s", text);
    char want[32];
    snprintf(want, sizeof(want), ".ini:%d: ", line);
    if (!strstr(err, want) || !strstr(err, fragment))
        fail_msg("error '%s' lacks '%s' or '%s'", err, want, fragment);
    assert_null(strchr(err, '\n')); /* one line */
}

static void test_scenario_errors_name_the_line(void **state)
{
    (void)state;
    expect_error("[scenario]\nduration = 1d\n[bogus]\nx = 1\n", 4, "unknown section [bogus]");
    expect_error("[schedule]\ninterval = 30s\nintervall = 5s\n", 3,
                 "unknown key 'schedule.intervall'");
    expect_error("[schedule]\n\ninterval = 30\n", 3, "bad duration '30'");
    expect_error("[job]\napi = lognorm(median=1s,p99=2s)\n", 2, "unknown distribution 'lognorm'");
    expect_error("[guard]\nkind = spinlock\n", 2, "unknown guard 'spinlock'");
    expect_error("[schedule]\nkind = hourly\n", 2, "unknown value 'hourly'");
    expect_error("[expect spinlock]\nruns >= 1\n", 2, "unknown guard 'spinlock'");
    expect_error("[expect]\nrunz >= 1\n", 2, "unknown metric 'runz'");
    expect_error("[node a]\n[fault]\nkind = db-outage\nnode = a\nat = 1m\nfor = 1m\n", 2,
                 "acts on every node's statements");
    /* libinih would cut the name at 49 characters and drop the last variant silently */
    expect_error("[variant abcdefghijabcdefghijabcdefghij]\n[variant klmnopqrstuvwxyzabc]\n"
                 "[fault @abcdefghijabcdefghijabcdefghij @klmnopqrstuvwxyzabc]\nkind = pause\n",
                 3, "section header longer than 49 characters");
    expect_error("[expect @nope]\nruns >= 1\n", 2, "unknown variant '@nope'");
    expect_error("[scenario]\nthis line has no equals sign\n", 2, "syntax error");
    expect_error("[variant a]\nschedule.interval = soon\n", 2, "bad duration 'soon'");
    expect_error("[schedule]\nkind = fixed-delay\ndispatch = spawn\n", 3, "fixed-delay");
    expect_error("[fault]\nkind = meteor\n", 2, "unknown fault kind 'meteor'");
    expect_error("[fault]\nat = 5m\n", 1, "fault without a kind");
    expect_error("[scenario]\nseeds = 5..2\n", 2, "bad seed range");
}

static void test_scenario_missing_file(void **state)
{
    (void)state;
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load("/nonexistent/x.ini", &sc, err, sizeof(err)), -ENOENT);
    assert_null(sc);
    assert_non_null(strstr(err, "cannot open '/nonexistent/x.ini'"));
}

static const char base_text[] = "[scenario]\n"
                                "seeds = 3..9\n"
                                "[schedule]\n"
                                "interval = 30s\n"
                                "[variant fast]\n"
                                "schedule.interval = 10s\n"
                                "[variant spawn]\n"
                                "schedule.dispatch = spawn\n"
                                "[expect]\n"
                                "max_concurrency = 1\n"
                                "runs >= 10\n"
                                "[expect none]\n"
                                "some.max_concurrency >= 2\n"
                                "[expect @fast]\n"
                                "runs >= 100\n"
                                "[expect none @fast]\n"
                                "runs >= 200\n";

static void test_scenario_variants_and_set(void **state)
{
    (void)state;
    struct scenario *sc = helper_parse(base_text, NULL, 0);
    assert_non_null(sc);
    assert_int_equal(sc->nvariants, 2);
    assert_true(sc->base.seeds.from == 3 && sc->base.seeds.to == 9);
    static struct model m;
    char err[600];
    int fast = scenario_variant_find(sc, "fast");
    assert_int_equal(scenario_model(sc, fast, &m, err, sizeof(err)), 0);
    assert_true(m.cfg.interval == 10 * SIM_S);
    assert_int_equal(scenario_model(sc, scenario_variant_find(sc, "spawn"), &m, err, sizeof(err)),
                     0);
    assert_true(m.cfg.interval == 30 * SIM_S && m.cfg.dispatch == DISPATCH_SPAWN);
    /* --set wins over the variant */
    assert_int_equal(scenario_add_set(sc, "schedule.interval=45s", err, sizeof(err)), 0);
    assert_int_equal(scenario_model(sc, fast, &m, err, sizeof(err)), 0);
    assert_true(m.cfg.interval == 45 * SIM_S);
    assert_int_not_equal(scenario_add_set(sc, "schedule.interval=45", err, sizeof(err)), 0);
    assert_non_null(strstr(err, "--set schedule.interval=45"));
    assert_int_not_equal(scenario_add_set(sc, "nosuch.key=1", err, sizeof(err)), 0);
    assert_int_not_equal(scenario_add_set(sc, "novalue", err, sizeof(err)), 0);
    scenario_free(sc);
}

static void test_scenario_expectations_most_specific_wins(void **state)
{
    (void)state;
    struct scenario *sc = helper_parse(base_text, NULL, 0);
    assert_non_null(sc);
    const struct expectation *sel[16];
    char buf[64];
    /* atomic in fast: global max_concurrency, @fast runs */
    int n = expect_select(sc->expect, sc->nexpect, "atomic", "fast", sel);
    assert_int_equal(n, 2);
    assert_string_equal(expect_format(sel[0], buf, sizeof(buf)), "max_concurrency = 1");
    assert_string_equal(expect_format(sel[1], buf, sizeof(buf)), "runs >= 100");
    /* none in fast: its own concurrency, its own runs */
    n = expect_select(sc->expect, sc->nexpect, "none", "fast", sel);
    assert_int_equal(n, 2);
    assert_string_equal(expect_format(sel[0], buf, sizeof(buf)), "some.max_concurrency >= 2");
    assert_string_equal(expect_format(sel[1], buf, sizeof(buf)), "runs >= 200");
    /* none in spawn: guard beats global, global runs stays */
    n = expect_select(sc->expect, sc->nexpect, "none", "spawn", sel);
    assert_int_equal(n, 2);
    assert_string_equal(expect_format(sel[0], buf, sizeof(buf)), "runs >= 10");
    assert_string_equal(expect_format(sel[1], buf, sizeof(buf)), "some.max_concurrency >= 2");
    scenario_free(sc);
}

/* The composition rule of issue 12, with its two examples (scenarios/README.md). */
static void test_expect_compose_by_conflict(void **state)
{
    (void)state;
    struct scenario *sc =
        helper_parse("[schedule]\ninterval = 1m\n[job]\napi = 5s\n"
                     "[variant gc-pause]\n[variant spawn]\n"
                     "[expect]\nruns_per_period >= 0.98\nruns_per_period <= 1.01\n"
                     "duplicates = 0\nmax_concurrency = 1\n"
                     "[expect @gc-pause]\nruns_per_period >= 0.99\n"
                     "[expect none @spawn]\nduplicates >= 1000\n"
                     "[expect none]\nruns_per_period <= 0.5\n"
                     "max_concurrency != 1\n",
                     NULL, 0);
    assert_non_null(sc);
    const struct expectation *sel[16];
    char buf[64];
    /* a more specific bound replaces the same side, the other side still applies */
    int n = expect_select(sc->expect, sc->nexpect, "lease", "gc-pause", sel);
    assert_int_equal(n, 4);
    assert_string_equal(expect_format(sel[0], buf, sizeof(buf)), "runs_per_period <= 1.01");
    assert_string_equal(expect_format(sel[1], buf, sizeof(buf)), "duplicates = 0");
    assert_string_equal(expect_format(sel[2], buf, sizeof(buf)), "max_concurrency = 1");
    assert_string_equal(expect_format(sel[3], buf, sizeof(buf)), "runs_per_period >= 0.99");
    /* `= 0` bounds both sides: `>= 1000` replaces it alone */
    n = expect_select(sc->expect, sc->nexpect, "atomic", "spawn", sel);
    assert_int_equal(n, 4); /* no guard-specific line: the global ones */
    n = expect_select(sc->expect, sc->nexpect, "none", "spawn", sel);
    int dup = 0;
    for (int i = 0; i < n; i++)
        if (strstr(expect_format(sel[i], buf, sizeof(buf)), "duplicates")) {
            assert_string_equal(buf, "duplicates >= 1000");
            dup++;
        }
    assert_int_equal(dup, 1);
    /* a bound it contradicts goes (<= 0.5 against >= 0.98), != replaces = on its value */
    n = expect_select(sc->expect, sc->nexpect, "none", "", sel);
    assert_int_equal(n, 3);
    assert_string_equal(expect_format(sel[0], buf, sizeof(buf)), "duplicates = 0");
    assert_string_equal(expect_format(sel[1], buf, sizeof(buf)), "runs_per_period <= 0.5");
    assert_string_equal(expect_format(sel[2], buf, sizeof(buf)), "max_concurrency != 1");
    scenario_free(sc);
}

/* Nothing the user wrote is dropped or silently changed (issue 12). */
static void test_scenario_keeps_what_was_written(void **state)
{
    (void)state;
    struct scenario *sc = helper_parse("[schedule]\ninterval = 1m\n[node a]\n[job]\napi = 5s\n"
                                       "[node b]\n; a comment\n[node c]\n",
                                       NULL, 0);
    assert_non_null(sc);
    assert_int_equal(sc->nnodes, 3);
    assert_string_equal(sc->nodes[0].name, "a");
    assert_string_equal(sc->nodes[2].name, "c");
    struct model *m = malloc(sizeof(*m));
    char err[600];
    assert_int_equal(scenario_model(sc, -1, m, err, sizeof(err)), 0);
    assert_int_equal(m->nnodes, 3);
    free(m);
    scenario_free(sc);
    expect_error("[schedule]\ninterval = 30s\n\ninterval = 45s\n[job]\napi = 5s\n", 4,
                 "'interval' given twice in [schedule] (lines 2 and 4)");
    expect_error("[job]\napi = 5s\n[expect]\nruns >= 3\nruns <= 9\nruns >= 4\n", 6,
                 "'runs >=' given twice in [expect] (lines 4 and 6)");
    expect_error("[job]\napi = 5s\n[node a]\n[node a]\n", 4, "node 'a' defined twice");
    /* a continued value is not a repeat; a second [job] header may restate a key */
    sc = helper_parse("[scenario]\ndescription = one\n  two\n[job]\napi = 5s\n[job]\napi = 6s\n",
                      NULL, 0);
    assert_non_null(sc);
    assert_string_equal(sc->description, "one two");
    scenario_free(sc);
    char e[600] = "";
    assert_null(helper_parse("", e, sizeof(e)));
    assert_non_null(strstr(e, "no [job] or [schedule] section"));
    assert_null(helper_parse("[scenario]\nduration = 1h\n[node a]\n", e, sizeof(e)));
    assert_non_null(strstr(e, "no [job] or [schedule] section"));
}

static void test_expect_parse_ops_and_durations(void **state)
{
    (void)state;
    struct expectation e;
    char err[200];
    assert_int_equal(expect_parse("skipped <", "40", &e, err, sizeof(err)), 0);
    assert_true(e.op == EXPECT_LE && e.value == 40);
    assert_true(expect_holds(&e, 40) && !expect_holds(&e, 41));
    assert_int_equal(expect_parse("longest_gap_s <", "5m", &e, err, sizeof(err)), 0);
    assert_true(e.value == 300);
    assert_int_equal(expect_parse("runs !", "0", &e, err, sizeof(err)), 0);
    assert_true(expect_holds(&e, 1) && !expect_holds(&e, 0));
    assert_int_not_equal(expect_parse("runs >", "many", &e, err, sizeof(err)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_errors_name_the_line),
        cmocka_unit_test(test_scenario_missing_file),
        cmocka_unit_test(test_scenario_variants_and_set),
        cmocka_unit_test(test_scenario_expectations_most_specific_wins),
        cmocka_unit_test(test_expect_compose_by_conflict),
        cmocka_unit_test(test_scenario_keeps_what_was_written),
        cmocka_unit_test(test_expect_parse_ops_and_durations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
