/*
 * Every plot kind is drawn and is a valid PNG of the size its script sets,
 * with its SVG, CSV and gnuplot script beside it, and drawing it again gives
 * the same bytes. Skipped when gnuplot is not installed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../reports/plot/caseplot.h"
#include "../reports/outdir.h"
#include "../reports/plot/plot.h"

#define S(x) ((sim_time)(x)*SIM_S)

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/overlapsim-test-plot-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return outdir_remove_tree(dir);
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

/* The plot's four files exist and the PNG has the signature and IHDR size wanted (0: any). */
static void check_plot(const char *name, unsigned width, unsigned min_height)
{
    char path[512];
    static const char *const ext[] = {"csv", "gp", "svg"};
    for (int i = 0; i < 3; i++) {
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext[i]);
        if (stat(path, &st) != 0 || st.st_size == 0)
            fail_msg("%s missing or empty", path);
    }
    snprintf(path, sizeof(path), "%s/%s.png", dir, name);
    size_t len;
    unsigned char *png = slurp(path, &len);
    assert_non_null(png);
    assert_true(len > 33);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(be32(png + 8), 13);
    assert_memory_equal(png + 12, "IHDR", 4);
    if (width)
        assert_int_equal(be32(png + 16), width);
    assert_true(be32(png + 20) >= min_height);
    free(png);
}

/* Renders name.gp again and compares the PNG and SVG bytes. */
static void check_deterministic(const char *name)
{
    char path[512];
    size_t l1, l2, s1, s2;
    snprintf(path, sizeof(path), "%s/%s.png", dir, name);
    unsigned char *a = slurp(path, &l1);
    snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
    unsigned char *sa = slurp(path, &s1);
    assert_int_equal(plot_render(dir, name), 0);
    snprintf(path, sizeof(path), "%s/%s.png", dir, name);
    unsigned char *b = slurp(path, &l2);
    snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
    unsigned char *sb = slurp(path, &s2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    assert_int_equal(s1, s2);
    assert_memory_equal(sa, sb, s1);
    free(a);
    free(b);
    free(sa);
    free(sb);
}

static void sample(struct plotdata *pd, bool clocks)
{
    static const char *const rows[] = {
        "0,x,a,,trigger,#1",
        "0,x,a,1,start,lease_until=2m",
        "30000000000,x,b,,trigger,#2",
        "30000000000,x,b,2,start,",
        "40000000000,x,,,fault,pause begins",
        "50000000000,x,a,1,end,",
        "60000000000,x,a,,skip,#3",
        "70000000000,x,b,2,end,",
        "80000000000,x,,,fault,pause ends",
        "90000000000,x,a,,trigger,#4 manual",
        "90000000000,x,a,3,start,",
        "95000000000,x,,,fault,manual-run",
        "100000000000,x,a,,coalesce,tick dropped",
        "120000000000,x,a,3,end,",
        NULL,
    };
    static const char *const clock_rows[] = {
        "0,x,a,,clock,offset=+0s",
        "0,x,b,,clock,offset=-2s",
        "0,x,,,clock,offset=+500ms",
        "60000000000,x,a,,clock,offset=+0s",
        "60000000000,x,a,,clock,offset=+5s",
        "180000000000,x,b,,clock,offset=-1.9s",
        NULL,
    };
    plotdata_init(pd, 0, -1, 1, 0);
    for (int i = 0; rows[i]; i++)
        assert_int_equal(plotdata_row(pd, rows[i]), 0);
    for (int i = 0; clocks && clock_rows[i]; i++)
        assert_int_equal(plotdata_row(pd, clock_rows[i]), 0);
    plotdata_finish(pd, S(180));
}

static void test_plot_timeline(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct plotdata pd;
    sample(&pd, false);
    assert_int_equal(plot_timeline(dir, "timeline", &pd, 0, S(180), "a_test timeline"), 0);
    check_plot("timeline", 1400, 300);
    check_deterministic("timeline");
    /* every kind of mark is in the data */
    char path[512];
    size_t len;
    snprintf(path, sizeof(path), "%s/timeline.csv", dir);
    char *csv = (char *)slurp(path, &len);
    csv[len] = 0;
    static const char *const kinds[] = {"\nrun,",   "\noverlap,",      "\nlease,",
                                        "\nskip,",  "\ncoalesce,",     "\nmanual,",
                                        "\nfault,", "\nfault_instant,"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strstr(csv, kinds[i]))
            fail_msg("timeline.csv lacks %s", kinds[i] + 1);
    free(csv);
    plotdata_release(&pd);
}

static void test_plot_concurrency(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct plotdata pd;
    sample(&pd, false);
    assert_int_equal(plot_concurrency(dir, "concurrency", &pd, 0, SIM_TIME_MAX, "runs at once"), 0);
    check_plot("concurrency", 1400, 320);
    check_deterministic("concurrency");
    /* a window that is part of the run: a second panel, the whole run in bins */
    assert_int_equal(plot_concurrency(dir, "concurrency-part", &pd, S(20), S(90), "part"), 0);
    check_plot("concurrency-part", 1400, 570);
    char path[512];
    size_t len;
    snprintf(path, sizeof(path), "%s/concurrency-part.csv", dir);
    char *csv = (char *)slurp(path, &len);
    csv[len] = 0;
    assert_non_null(strstr(csv, "\nover,30,2,50\n")); /* runs 1 and 2 from 30 s to 50 s */
    int bins = 0, over = 0;
    for (char *p = csv; (p = strstr(p, "\nrun,")); p++) {
        bins++;
        over += atoi(strchr(p + 5, ',') + 1) > 1;
    }
    assert_int_equal(bins, 701);
    assert_true(over >= 1 && over <= 160); /* 20 s of 180 s over the limit, and not more */
    free(csv);
    plotdata_release(&pd);
}

static void test_plot_cycle_hist(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct hist h;
    hist_init(&h);
    for (int i = 0; i < 500; i++)
        hist_add(&h, S(10) + (sim_time)i * 97 * SIM_MS);
    assert_int_equal(plot_cycle_hist(dir, "cycles", &h, S(30), 0, "durations"), 0);
    check_plot("cycles", 900, 420);
    check_deterministic("cycles");
    /* one run far out goes to the labelled overflow bin; the lock time is a line */
    hist_add(&h, 394 * SIM_S);
    assert_int_equal(plot_cycle_hist(dir, "cycles-tail", &h, S(30), 5 * SIM_MIN, "tail"), 0);
    check_plot("cycles-tail", 900, 420);
    char path[512];
    size_t len;
    snprintf(path, sizeof(path), "%s/cycles-tail.csv", dir);
    char *csv = (char *)slurp(path, &len);
    csv[len] = 0;
    char *last = strrchr(csv, '\n');
    *last = 0;
    last = strrchr(csv, '\n') + 1;
    assert_true(strstr(last, ",1,1,1") != NULL); /* one run, longer than the interval, overflow */
    free(csv);
    snprintf(path, sizeof(path), "%s/cycles-tail.gp", dir);
    char *gp = (char *)slurp(path, &len);
    gp[len] = 0;
    assert_non_null(strstr(gp, "longest lock 5m"));
    assert_non_null(strstr(gp, "1 run,"));
    free(gp);
}

static void test_plot_clock_with_and_without_data(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct plotdata pd;
    sample(&pd, true);
    assert_int_equal(plot_clock(dir, "clock", &pd, "clocks"), 0);
    check_plot("clock", 1400, 380);
    check_deterministic("clock");
    char path[512];
    size_t len;
    snprintf(path, sizeof(path), "%s/clock.csv", dir);
    char *csv = (char *)slurp(path, &len);
    csv[len] = 0;
    /* a's step at 60 s: its old offset up to then, the new one from then to the end */
    assert_non_null(strstr(csv, "\n60,a,0\n60,a,5\n180,a,5\n"));
    free(csv);
    snprintf(path, sizeof(path), "%s/clock.gp", dir);
    char *gp = (char *)slurp(path, &len);
    gp[len] = 0;
    assert_null(strstr(gp, "true time 0")); /* never "true time" for a clock that is off */
    assert_non_null(strstr(gp, "b: offset -2s .. -1.9s"));
    free(gp);
    plotdata_release(&pd);
    sample(&pd, false);
    assert_int_equal(plot_clock(dir, "clock-empty", &pd, "no clocks"), 0);
    check_plot("clock-empty", 1400, 180);
    plotdata_release(&pd);
}

static void test_plot_compare(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct plot_bar bars[] = {
        {"none", PLOT_VIOLATING, 20, 20, 120, 0, 30},
        {"flag", PLOT_FAIL, 3, 20, 92, 28, 180},
        {"atomic", PLOT_OK, 0, 20, 91.7, 28.3, 180},
    };
    assert_int_equal(plot_compare(dir, "compare", bars, 3, "guards"), 0);
    check_plot("compare", 1400, 720);
    check_deterministic("compare");
}

static void test_plot_heatmap_and_line(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    const char *xl[] = {"20s", "30s", "40s", "50s"}, *yl[] = {"1", "2", "3"};
    double v[12];
    bool ok[12];
    for (int i = 0; i < 12; i++) {
        v[i] = i % 4 < 2 ? 0.5 : 0;
        ok[i] = i % 4 >= 2;
    }
    v[5] = NAN; /* a setting that could not run */
    struct plot_grid g = {4, 3, "schedule.interval", "guard.factor", xl, yl, v, ok,
                          2, 1, "violating seeds",   PLOT_PAL_BAD,   0,  1};
    assert_int_equal(plot_grid_heatmap(dir, "heatmap", &g, "a heatmap"), 0);
    check_plot("heatmap", 0, 420);
    check_deterministic("heatmap");
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/heatmap-outline.csv", dir);
    assert_int_equal(stat(path, &st), 0);
    g.ny = 1;
    assert_int_equal(plot_grid_sweep_line(dir, "line", &g, "a line"), 0);
    check_plot("line", 1000, 440);
    check_deterministic("line");
}

static void test_plot_case_from_a_scenario(void **state)
{
    (void)state;
    if (!plot_available())
        skip();
    struct scenario *sc;
    char err[600];
    assert_int_equal(scenario_load("scenarios/etl-ticker.ini", &sc, err, sizeof(err)), 0);
    struct caseplot cp;
    int v = scenario_variant_find(sc, "spawn");
    const struct guard_ops *g = guard_lookup("none");
    struct caseplot_job job = {sc, v, g, 1, NULL, CP_ALL, dir, "case-", &cp};
    assert_int_equal(case_run_traced(sc, v, g, 1, &caseplot_reader, &job, err, sizeof(err)), 0);
    assert_int_equal(cp.render_error, 0);
    assert_true(cp.has_overlap);
    assert_true(cp.zoomed); /* a day is long: the timeline is around the first overlap */
    assert_true(cp.zoom_from <= cp.first.start && cp.zoom_to >= cp.first.end);
    for (int k = 0; k < CP_COUNT; k++) {
        assert_true(cp.name[k][0] != 0);
        check_plot(cp.name[k], 0, 300);
    }
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_timeline),
        cmocka_unit_test(test_plot_concurrency),
        cmocka_unit_test(test_plot_cycle_hist),
        cmocka_unit_test(test_plot_clock_with_and_without_data),
        cmocka_unit_test(test_plot_compare),
        cmocka_unit_test(test_plot_heatmap_and_line),
        cmocka_unit_test(test_plot_case_from_a_scenario),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
