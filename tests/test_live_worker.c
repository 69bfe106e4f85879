/*
 * Worker processes for real: a worker under libfaketime reads a skewed
 * wall clock; the seed-002 wrapper runs inside it (the exec guard), is
 * killed with the worker by kill -9 and leaves its PID file behind (no trap
 * runs); the worker restarts and the wrapper takes the stale file over;
 * SIGSTOP freezes a run and SIGCONT lets it finish late. Afterwards nothing
 * is left: no process, no run directory, no libfaketime objects in /dev/shm.
 * Needs the overlapsim binary of the same build (../overlapsim).
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#include "../sim/live/live_impl.h"
#include "../sim/live/sys/proc.h"
#include "helpers.h"

#define SPEED 10.0 /* a simulated second is 100 ms */
#define SKEW (30 * SIM_S)

static char self[PATH_MAX];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Polls cond (under the recorder's lock) for up to 10 s. */
static bool wait_for(struct live *lv, bool (*cond)(struct live *, long), long arg)
{
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lv->rec);
        bool ok = cond(lv, arg);
        pthread_mutex_unlock(&lv->rec);
        if (ok)
            return true;
        sleep_ms(10);
    }
    return false;
}

static bool runs_at_least(struct live *lv, long n)
{
    return lv->m->runs >= (uint64_t)n;
}
static bool idle(struct live *lv, long n)
{
    return (void)n, lv->chk.active == 0;
}
/* No run going and every trigger's command has exited. */
static bool settled(struct live *lv, long n)
{
    return (void)n, lv->chk.active == 0 && !lv->nflight;
}

/* The pid of the run going now (the probe), 0 if none. */
static int running_pid(struct live *lv)
{
    pthread_mutex_lock(&lv->rec);
    int pid = lv->nruns ? lv->runs[0].pid : 0;
    pthread_mutex_unlock(&lv->rec);
    return pid;
}

/* The state letter of /proc/PID/stat, or 0 when there is no such process. */
static char proc_state(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] ? p[2] : 0;
}

static bool shm_exists(const char *shared)
{
    char sem[64], shm[64], path[128];
    if (sscanf(shared, "/%63s /%63s", sem, shm) != 2)
        return false;
    snprintf(path, sizeof(path), "/dev/shm/%s", shm);
    return access(path, F_OK) == 0;
}

static void fire(struct live *lv)
{
    struct live_trigger t = live_trigger_new(lv, 0, live_now(lv), false);
    live_gate_open(lv);
    live_dispatch(lv, &t, false);
    live_gate_release(lv);
}

struct fixture {
    struct scenario *sc;
    struct model *m;
    struct metrics *met;
    struct live *lv;
};

/* Whatever a failed assertion skipped: the run is torn down here. */
static int fixture_teardown(void **state)
{
    struct fixture *f = *state;
    if (f->lv)
        live_close(f->lv);
    free(f->met);
    free(f->m);
    scenario_free(f->sc);
    free(f);
    return 0;
}

static int fixture_setup(void **state)
{
    *state = calloc(1, sizeof(struct fixture));
    return *state ? 0 : -1;
}

/* The model of the scenario text ini, owned by the fixture. */
static struct model *fixture_model(struct fixture *fx, const char *ini)
{
    fx->sc = helper_parse(ini, NULL, 0);
    assert_non_null(fx->sc);
    fx->m = malloc(sizeof(*fx->m));
    fx->met = malloc(sizeof(*fx->met));
    char err[600];
    assert_int_equal(scenario_model(fx->sc, -1, fx->m, err, sizeof(err)), 0);
    return fx->m;
}

static void test_live_worker_skew_crash_restart_pause(void **state)
{
    struct fixture *fx = *state;
    struct model *m = fixture_model(fx, "[scenario]\nduration = 1h\n"
                                        "[schedule]\ninterval = 1h\ndispatch = spawn\n"
                                        "[job]\napi = 4s\ndb = 1s\n");
    struct metrics *met = fx->met;
    struct live_opts o = {
        .speed = SPEED,
        .seed = 1,
        .guard = &live_guard_exec,
        .cmd = "tests/live/pidfile-wrapper.sh overlapsim probe",
        .skew = SKEW,
        .self = self,
    };
    struct live_result res;
    struct live *lv;
    int rc = live_open(m, &o, met, &res, &lv);
    fx->lv = lv;
    if (rc)
        fail_msg("live_open: %s", res.detail);
    struct live_worker *w = &lv->workers[0];
    char dir[PATH_MAX], pidfile[PATH_MAX + 32], shared[128];
    snprintf(dir, sizeof(dir), "%s", lv->dir);
    snprintf(pidfile, sizeof(pidfile), "%s/parser-advertiser.pid", dir);

    /* its own clock: libfaketime loaded, the wall clock 30 s (simulated) ahead */
    assert_true(w->faked);
    snprintf(shared, sizeof(shared), "%s", w->shm);
    assert_true(shm_exists(shared));
    sim_time wc, hc = live_now(lv);
    assert_int_equal(live_worker_clock(w, &wc), 0);
    assert_true(llabs(wc - hc - SKEW) < 2 * SIM_S);

    /* a run, then kill -9 of the worker's group mid-run: the PID file stays */
    fire(lv);
    assert_true(wait_for(lv, runs_at_least, 1));
    int probe = running_pid(lv);
    assert_true(probe > 0);
    assert_int_equal(access(pidfile, F_OK), 0);
    assert_int_equal(live_worker_crash(w), 0);
    assert_true(wait_for(lv, idle, 0));         /* the crash closed the run */
    assert_int_equal(access(pidfile, F_OK), 0); /* stale: the trap never ran */
    assert_false(shm_exists(shared));           /* libfaketime's objects deleted */
    proc_reap(0);
    char st = proc_state(probe);
    assert_true(st == 0 || st == 'Z');

    /* restart: the wrapper finds a dead PID in the stale file and runs */
    assert_int_equal(live_worker_restart(w), 0);
    assert_true(w->faked);
    fire(lv);
    assert_true(wait_for(lv, runs_at_least, 2));
    assert_true(wait_for(lv, settled, 0));
    assert_int_equal(access(pidfile, F_OK), -1); /* a clean exit removed it */

    /* SIGSTOP the node mid-run, SIGCONT 400 ms (4 s simulated) later: it ends late */
    fire(lv);
    assert_true(wait_for(lv, runs_at_least, 3));
    probe = running_pid(lv);
    assert_int_equal(live_worker_pause(w), 0);
    sleep_ms(100);
    assert_int_equal(proc_state(probe), 'T');
    sleep_ms(300);
    assert_int_equal(live_worker_resume(w), 0);
    assert_true(wait_for(lv, idle, 0));
    pthread_mutex_lock(&lv->rec);
    sim_time longest = met->cycle.max;
    pthread_mutex_unlock(&lv->rec);
    assert_true(longest >= 8 * SIM_S); /* 5 s of job + 4 s stopped, less the margin */

    pid_t wpid = w->pid;
    snprintf(shared, sizeof(shared), "%s", w->shm);
    fx->lv = NULL;
    assert_int_equal(live_close(lv), 0);
    assert_int_equal(access(dir, F_OK), -1);
    st = proc_state(wpid);
    assert_true(st == 0 || st == 'Z');
    assert_false(shm_exists(shared));
}

/* A node whose clock steps: libfaketime re-reads the offset file at every call. */
static void test_live_worker_clock_step(void **state)
{
    struct fixture *fx = *state;
    struct model *m = fixture_model(fx, "[scenario]\nduration = 1h\n"
                                        "[schedule]\ninterval = 1h\ndispatch = spawn\n"
                                        "[fault]\nkind = clock-step\nat = 50m\nby = 45s\n");
    struct metrics *met = fx->met;
    struct live_opts o = {.speed = SPEED, .seed = 1, .guard = guard_lookup("atomic"), .self = self};
    struct live_result res;
    struct live *lv;
    int rc = live_open(m, &o, met, &res, &lv);
    fx->lv = lv;
    if (rc)
        fail_msg("live_open: %s", res.detail);
    assert_true(lv->remote); /* a fault that moves a clock needs a process */
    struct live_worker *w = &lv->workers[0];
    assert_true(w->faked);
    sim_time wc;
    assert_int_equal(live_worker_clock(w, &wc), 0);
    assert_true(llabs(wc - live_now(lv)) < 2 * SIM_S);
    assert_int_equal(live_worker_clock_step(w, 45 * SIM_S), 0);
    assert_int_equal(live_worker_clock(w, &wc), 0);
    assert_true(llabs(wc - live_now(lv) - 45 * SIM_S) < 2 * SIM_S);
    assert_int_equal(live_worker_clock_step(w, -90 * SIM_S), 0); /* and back, past true time */
    assert_int_equal(live_worker_clock(w, &wc), 0);
    assert_true(llabs(wc - live_now(lv) + 45 * SIM_S) < 2 * SIM_S);
}

static void test_live_worker_refuses_without_harness(void **state)
{
    (void)state;
    struct live_worker_args a = {
        .events = "/nonexistent", .speed = 1, .dir = "/tmp", .cmd = "true"};
    assert_int_equal(live_worker_serve(&a), -LIVE_EWORKER);
}

int main(void)
{
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 32);
    assert_true(n > 0);
    self[n] = 0;
    strcpy(strrchr(self, '/'), "/../overlapsim"); /* build/tests/x -> build/overlapsim */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_live_worker_skew_crash_restart_pause, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(test_live_worker_clock_step, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test(test_live_worker_refuses_without_harness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
