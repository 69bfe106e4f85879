/* Plot data from trace rows: lanes, overlaps, faults, clocks, leases, windows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../reports/plot/plotdata.h"

#define S(x) ((long long)(x)*1000000000LL)

static void feed(struct plotdata *pd, const char *const *rows)
{
    for (int i = 0; rows[i]; i++)
        assert_int_equal(plotdata_row(pd, rows[i]), 0);
}

static void test_plotdata_runs_lanes_and_overlap(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "time_ns,time,node,run,kind,detail",
        "0,00:00:00.000,app,,trigger,#1",
        "0,00:00:00.000,app,1,start,#1",
        "30000000000,00:00:30.000,app,,trigger,#2",
        "30000000000,00:00:30.000,app,2,start,#2",
        "35000000000,00:00:35.000,app,1,end,",
        "60000000000,00:01:00.000,app,,trigger,#3",
        "60000000000,00:01:00.000,app,,skip,#3",
        "70000000000,00:01:10.000,app,2,end,",
        NULL,
    };
    struct plotdata pd;
    plotdata_init(&pd, 0, -1, 1, 0);
    feed(&pd, rows);
    plotdata_finish(&pd, S(120));
    assert_int_equal(pd.nnodes, 1);
    assert_int_equal(pd.slots[0], 2); /* run 2 started while run 1 went on */
    assert_int_equal(pd.runs.n, 2);
    assert_int_equal(pd.runs.v[0].run, 1);
    assert_int_equal(pd.runs.v[1].slot, 1);
    assert_int_equal(pd.max_level, 2);
    assert_int_equal(pd.overlaps.n, 1);
    assert_int_equal(pd.overlaps.v[0].from, S(30));
    assert_int_equal(pd.overlaps.v[0].to, S(35));
    size_t skips = 0;
    for (size_t i = 0; i < pd.marks.n; i++)
        skips += pd.marks.v[i].kind == PD_SKIP;
    assert_int_equal(skips, 1);
    plotdata_release(&pd);
}

static void test_plotdata_faults_clocks_leases(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "0,00:00:00.000,a,,clock,offset=+1.5s",
        "0,00:00:00.000,,,clock,offset=-250ms",
        "10000000000,00:00:10.000,,,fault,api-slow begins",
        "20000000000,00:00:20.000,a,,acquire,\"lease_until=1m, token=3\"",
        "20000000000,00:00:20.000,a,1,start,#1",
        "25000000000,00:00:25.000,,,fault,manual-run",
        "40000000000,00:00:40.000,a,1,end,",
        "40000000000,00:00:40.000,a,1,release,lease_until_ns=45000000000",
        "50000000000,00:00:50.000,,,fault,api-slow ends",
        "50000000000,00:00:50.000,a,,clock,offset=+3s step",
        NULL,
    };
    struct plotdata pd;
    plotdata_init(&pd, 0, -1, 1, 0);
    feed(&pd, rows);
    plotdata_finish(&pd, S(60));
    assert_int_equal(pd.nfault_kinds, 2);
    assert_int_equal(pd.faults.n, 2);
    assert_int_equal(pd.faults.v[0].from, S(10));
    assert_int_equal(pd.faults.v[0].to, S(50));
    assert_int_equal(pd.faults.v[1].to, pd.faults.v[1].from); /* an instant */
    assert_int_equal(pd.nseries, 2);
    assert_string_equal(pd.series[1], "database");
    assert_int_equal(pd.clock.n, 3);
    assert_true(pd.clock.v[1].offset_s < -0.2 && pd.clock.v[1].offset_s > -0.3);
    assert_int_equal(pd.runs.n, 1);
    assert_int_equal(pd.runs.v[0].lease_from, S(20));
    assert_int_equal(pd.runs.v[0].lease_until, S(45)); /* the release shortened it */
    plotdata_release(&pd);
}

/* The rows the simulator writes: fault/fault-end windows, lease grants and
 * releases named by node, clock drift, lanes in the order of the clock rows. */
static void test_plotdata_simulator_rows(void **state)
{
    (void)state;
    static const char *const rows[] = {
        "0,00:00:00.000,r-1,,clock,offset=-98.6ms",
        "0,00:00:00.000,r-2,,clock,offset=+5m29.8s",
        "0,00:00:00.000,r-3,,clock,offset=-44.5s drift=+50ppm",
        "0,00:00:00.000,,,clock,database offset=+0s",
        "1000000000,00:00:01.000,r-3,,trigger,#1",
        "1000000000,00:00:01.000,r-3,,lease,grant t lease_until=5m1s (00:05:01.000 by the database "
        "clock)",
        "1000000000,00:00:01.000,r-3,1,start,#1",
        "2000000000,00:00:02.000,r-1,,lease,grant t lease_until=9m (a reply that came too late)",
        "2000000000,00:00:02.000,r-1,,skip,#2",
        "3000000000,00:00:03.000,r-3,1,fault,pause (after acquire)",
        "3000000000,00:00:03.000,r-3,,fault,pause pid 1000 for 6m",
        "4000000000,00:00:04.000,,,fault,db-slow-reply begins",
        "5000000000,00:00:05.000,,,fault-end,db-slow-reply after 1s",
        "7000000000,00:00:07.000,r-2,,lease,\"release t lease_until=50s (by r-1, run 9: the holder "
        "is r-2:1:0)\"",
        "10000000000,00:00:10.000,r-1,,trigger,#3",
        "10000000000,00:00:10.000,r-1,2,start,#3",
        "20000000000,00:00:20.000,r-1,2,end,",
        "363000000000,00:06:03.000,r-3,,fault-end,pause pid 1000: resumed",
        "370000000000,00:06:10.000,r-3,1,end,",
        "370000000000,00:06:10.000,r-3,1,lease,release t lease_until=6m20s (by the database clock)",
        NULL,
    };
    struct plotdata pd;
    plotdata_init(&pd, 0, -1, 1, 0);
    feed(&pd, rows);
    plotdata_finish(&pd, S(600));
    assert_int_equal(pd.nnodes, 3); /* in the order of the clock rows */
    assert_string_equal(pd.node[0], "r-1");
    assert_string_equal(pd.node[2], "r-3");
    assert_true(pd.node_clock[1] && pd.node_offset_s[1] > 329.7 && pd.node_offset_s[1] < 329.9);
    assert_true(pd.node_drift_ppm[2] > 49.9 && pd.node_drift_ppm[2] < 50.1);
    assert_int_equal(pd.clock.n, 4);
    assert_true(pd.clock.v[2].drift_ppm > 49.9);
    /* the pause: told twice at its start (where and how), one window to its fault-end */
    int pauses = 0, slow = 0;
    for (size_t i = 0; i < pd.faults.n; i++) {
        const struct pd_fault *f = &pd.faults.v[i];
        if (strcmp(pd.fault_kind[f->kind], "pause") == 0) {
            pauses++;
            assert_int_equal(f->from, S(3));
            assert_int_equal(f->to, S(363));
            assert_int_equal(f->node, 2);
        } else if (strcmp(pd.fault_kind[f->kind], "db-slow-reply") == 0) {
            slow++;
            assert_int_equal(f->to, S(5));
            assert_int_equal(f->node, -1);
        }
    }
    assert_int_equal(pauses, 1);
    assert_int_equal(slow, 1);
    /* r-3's run: the grant before it, then its release; r-1's orphaned grant
     * (the skip dropped it) is not r-1's next run's */
    assert_int_equal(pd.runs.n, 2);
    const struct pd_run *r1 = pd.runs.v[0].run == 2 ? &pd.runs.v[0] : &pd.runs.v[1];
    const struct pd_run *r3 = pd.runs.v[0].run == 1 ? &pd.runs.v[0] : &pd.runs.v[1];
    assert_int_equal(r1->lease_until, -1);
    assert_int_equal(r3->lease_from, S(1));
    assert_int_equal(r3->lease_until, S(380));
    plotdata_release(&pd);
}

static void test_plotdata_keeps_only_the_window(void **state)
{
    (void)state;
    struct plotdata pd;
    plotdata_init(&pd, S(100), S(200), 1, 0);
    char row[128];
    for (int i = 0; i < 10; i++) {
        snprintf(row, sizeof(row), "%lld,x,app,%d,start,", S(i * 50), i + 1);
        assert_int_equal(plotdata_row(&pd, row), 0);
        snprintf(row, sizeof(row), "%lld,x,app,%d,end,", S(i * 50 + 10), i + 1);
        assert_int_equal(plotdata_row(&pd, row), 0);
    }
    plotdata_finish(&pd, S(500));
    /* runs starting at 100, 150 and 200 touch [100, 200] */
    assert_int_equal(pd.runs.n, 3);
    assert_int_equal(pd.level_lo, 0);
    plotdata_release(&pd);
}

static void test_plotdata_caps_and_streams(void **state)
{
    (void)state;
    struct plotdata pd;
    plotdata_init(&pd, 0, -1, 1, 5);
    FILE *f = plotdata_stream(&pd);
    assert_non_null(f);
    fputs("time_ns,time,node,run,kind,detail\n", f);
    for (int i = 0; i < 20; i++)
        fprintf(f, "%lld,x,app,%d,start,\n%lld,x,app,%d,end,\n", S(i * 10), i + 1, S(i * 10 + 5),
                i + 1);
    fclose(f);
    plotdata_finish(&pd, S(300));
    assert_int_equal(pd.runs.n, 5);
    assert_true(pd.runs.truncated);
    assert_int_equal(pd.rows, 40);
    plotdata_release(&pd);
}

static void test_plotdata_rejects_garbage(void **state)
{
    (void)state;
    struct plotdata pd;
    plotdata_init(&pd, 0, -1, 1, 0);
    assert_int_not_equal(plotdata_row(&pd, "not,a,trace"), 0);
    assert_int_not_equal(plotdata_row(&pd, "x1,a,b,c,d,e"), 0);
    plotdata_release(&pd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plotdata_runs_lanes_and_overlap),
        cmocka_unit_test(test_plotdata_faults_clocks_leases),
        cmocka_unit_test(test_plotdata_simulator_rows),
        cmocka_unit_test(test_plotdata_keeps_only_the_window),
        cmocka_unit_test(test_plotdata_caps_and_streams),
        cmocka_unit_test(test_plotdata_rejects_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
