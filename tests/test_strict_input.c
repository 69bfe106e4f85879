/*
 * Hostile scenario text (issue 13): lines longer than libinih's buffer and
 * NUL bytes stop the parse at their true line, numbers are finite decimals,
 * and whatever the parser accepts is written back to text that parses to the
 * same value (mix() weights, expectations, real and probability keys).
 */
#include "helpers.h"

#include "../sim/scenario/model_write.h"
#include "../sim/base/num.h"

/* Parses len bytes of text (NULs allowed) as "t.ini"; the error in err. */
static struct scenario *parse_bytes(const char *text, size_t len, char *err, size_t errlen)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    struct scenario *sc = NULL;
    int rc = scenario_parse(f, "t.ini", &sc, err, errlen);
    fclose(f);
    return rc ? NULL : sc;
}

static void expect_error(const char *text, size_t len, const char *want)
{
    char err[600] = "";
    struct scenario *sc = parse_bytes(text, len, err, sizeof(err));
    if (sc)
        fail_msg("expected an error '%s'", want);
    if (strcmp(err, want) != 0)
        fail_msg("error '%s', expected '%s'", err, want);
}

static void test_strict_long_line_refused_at_its_line(void **state)
{
    (void)state;
    char text[4096], desc[1001];
    memset(desc, 'x', 1000);
    desc[1000] = 0;
    /* a 1000-character description on line 2, a bad key on line 4 */
    snprintf(text, sizeof(text), "[scenario]\ndescription = %s\n[schedule]\nintervall = 5s\n",
             desc);
    expect_error(text, strlen(text), "t.ini:2: line longer than 198 characters");
    /* a 260-character [variant ...] header is refused, not dropped */
    char name[251];
    memset(name, 'v', 250);
    name[250] = 0;
    snprintf(text, sizeof(text),
             "[schedule]\ninterval = 30s\n\n[variant %s]\nschedule.interval = 1m\n", name);
    expect_error(text, strlen(text), "t.ini:4: line longer than 198 characters");
    /* the longest line taken is taken whole */
    char ok[300];
    snprintf(ok, sizeof(ok), "[scenario]\ndescription = %.*s\n[job]\n", 198 - 14, desc);
    char err[600];
    struct scenario *sc = parse_bytes(ok, strlen(ok), err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    assert_int_equal(strlen(sc->description), 198 - 14);
    scenario_free(sc);
}

static void test_strict_nul_byte_is_an_error(void **state)
{
    (void)state;
    static const char text[] = "[schedule]\n\ninterval = 30s\0 = garbage [[[\n";
    expect_error(text, sizeof(text) - 1, "t.ini:3: NUL byte in the line");
}

static void test_strict_expectation_numbers(void **state)
{
    (void)state;
    static const char *const bad[] = {"nan",   "inf", "-inf",     "1e400",  "0x10", "1e",
                                      "1.5.2", "",    "infinity", "1e-400", " 1"};
    struct expectation e;
    char err[256];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        if (expect_parse("runs_per_period >", bad[i], &e, err, sizeof(err)) == 0)
            fail_msg("'%s' accepted as a number", bad[i]);
        assert_non_null(strstr(err, "bad number"));
    }
    static const char *const good[] = {"5", "-2", "1.5", ".5", "1e3", "2.5E-2", "+7"};
    static const double value[] = {5, -2, 1.5, .5, 1e3, 2.5e-2, 7};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(expect_parse("runs_per_period >", good[i], &e, err, sizeof(err)), 0);
        assert_true(e.value == value[i]);
    }
    /* durations where seconds are meant stay welcome */
    assert_int_equal(expect_parse("longest_gap_s <", "2m", &e, err, sizeof(err)), 0);
    assert_true(e.value == 120);
    char text[] = "[expect]\nruns >= nan\n";
    expect_error(text, strlen(text), "t.ini:2: runs: bad number 'nan'");
}

static void test_strict_mix_tiny_weight_round_trips(void **state)
{
    (void)state;
    struct dist d, d2;
    char err[256], buf[600];
    assert_int_equal(dist_parse("mix(10s:0.5, 5m:1e-17, 30m:0.5)", &d, err, sizeof(err)), 0);
    dist_format(&d, buf, sizeof(buf));
    if (dist_parse(buf, &d2, err, sizeof(err)) != 0)
        fail_msg("'%s' written back as '%s': %s", "mix(10s:0.5, 5m:1e-17, 30m:0.5)", buf, err);
    assert_int_equal(d2.nparts, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(d2.weight[i] == d.weight[i]);
        assert_true(d2.cum[i] == d.cum[i]);
    }
    assert_true(d2.weight[1] == 1e-17);
    /* the shortest exact text: 0.1 stays 0.1 */
    assert_string_equal(num_format(0.1, buf, sizeof(buf)), "0.1");
    assert_string_equal(num_format(1e-17, buf, sizeof(buf)), "1e-17");
}

static void test_strict_written_scenario_parses_to_the_same_values(void **state)
{
    (void)state;
    char err[600];
    struct scenario *sc = helper_parse("[job]\napi = mix(10s:0.5, 5m:1e-17, 30m:0.5)\n"
                                       "[node]\nclock_drift_ppm = 0.1234567891\n"
                                       "[export]\nwrite_fail = 0.0123456789\n",
                                       err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    struct model *m = malloc(sizeof(*m)), *m2 = malloc(sizeof(*m2));
    assert_non_null(m);
    assert_non_null(m2);
    assert_int_equal(scenario_model(sc, -1, m, err, sizeof(err)), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(model_write(m, f, "round trip"), 0);
    fclose(f);
    struct scenario *sc2 = parse_bytes(text, len, err, sizeof(err));
    if (!sc2)
        fail_msg("the written scenario is refused: %s\n%s", err, text);
    assert_int_equal(scenario_model(sc2, -1, m2, err, sizeof(err)), 0);
    assert_true(m2->cfg.api.weight[1] == 1e-17);
    assert_true(m2->cfg.drift_ppm == m->cfg.drift_ppm);
    assert_true(m2->cfg.xp.write_fail == m->cfg.xp.write_fail);
    /* expectations too: shrink writes them with expect_format */
    struct expectation e, e2;
    char line[128];
    assert_int_equal(expect_parse("runs_per_period >", "0.1234567891", &e, err, sizeof(err)), 0);
    expect_format(&e, line, sizeof(line));
    char *op = strstr(line, ">=");
    assert_non_null(op);
    op[1] = 0; /* "runs_per_period >" and "0.1234567891", as the INI reader splits them */
    assert_int_equal(expect_parse(line, op + 3, &e2, err, sizeof(err)), 0);
    assert_true(e2.value == e.value);
    free(text);
    free(m);
    free(m2);
    scenario_free(sc);
    scenario_free(sc2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_long_line_refused_at_its_line),
        cmocka_unit_test(test_strict_nul_byte_is_an_error),
        cmocka_unit_test(test_strict_expectation_numbers),
        cmocka_unit_test(test_strict_mix_tiny_weight_round_trips),
        cmocka_unit_test(test_strict_written_scenario_parses_to_the_same_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
