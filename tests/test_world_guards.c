/*
 * Each guard in the simulated world, through the environment port: acquire,
 * busy, release, and what happens to a stale hold (a killed holder, a reused
 * PID, an expired lease, a dropped session).
 */
#include <fcntl.h>
#include <inttypes.h>

#include "sim_harness.h"

struct run {
    sim_time hold; /* how long it holds once acquired */
    bool keep;     /* do not release */
    int rc;
    sim_time acquired_at;
    struct guard_hold h;
    int write; /* sink_write with the grant's token, after the hold */
};

static void do_run(struct actor *a, void *arg)
{
    struct run *r = arg;
    struct guard *g = a->proc->guard;
    r->h = (struct guard_hold){0, -1, 0, 0, false};
    r->rc = guard_try_acquire(g, &a->env, &r->h);
    r->acquired_at = a->sim->now;
    if (r->rc != 1)
        return;
    env_sleep(&a->env, r->hold);
    r->write = env_sink_write(&a->env, r->h.token);
    if (!r->keep && !a->killed)
        guard_release(g, &a->env, &r->h);
}

/* A run of a new job process on node at time at (as cron starts one). */
static void job_at(struct harness *h, int node, struct run *r, struct script *sc, sim_time at)
{
    *sc = (struct script){do_run, r};
    harness_script(h, node, harness_proc(h, node), sc, at);
}

/* A run in the node's long-running service (as a scheduler thread). */
static void svc_at(struct harness *h, int node, struct run *r, struct script *sc, sim_time at)
{
    *sc = (struct script){do_run, r};
    harness_script(h, node, NULL, sc, at);
}

static void kill_ev(void *ctx, void *arg, uint64_t tag)
{
    (void)tag;
    sim_proc_kill(ctx, arg);
}

/* Starts a process with pid on the host that only holds it (pid-reuse). */
static void standin(struct harness *h, int node, int pid, enum world_cmd cmd)
{
    struct world_pident id = {pid, h->s->now, cmd, NULL};
    assert_int_equal(world_pid_add(h->s->node[node].host, &id), 0);
}

static struct model *model(int nodes, const char *guard)
{
    struct model *m = harness_model(nodes, guard);
    harness_set(m, "guard.path", "/tmp/job.pid");
    harness_set(m, "schedule.interval", "60s");
    return m;
}

/* --- pidfile-check: the seed-002 wrapper --- */

static void test_guard_pidfile_check_busy_and_free(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0}, c = {0};
    struct script sa, sb, scc;
    harness_start(&h, model(1, "pidfile-check"));
    job_at(&h, 0, &a, &sa, SIM_S);
    job_at(&h, 0, &b, &sb, 10 * SIM_S);
    job_at(&h, 0, &c, &scc, 70 * SIM_S);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 1);
    harness_end(&h);
}

static void test_guard_pidfile_check_stale_after_kill(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0};
    struct script sa, sb;
    harness_start(&h, model(1, "pidfile-check"));
    struct proc *p = harness_proc(&h, 0);
    sa = (struct script){do_run, &a};
    harness_script(&h, 0, p, &sa, SIM_S);
    int pid = p->pid;
    sim_at(h.s, 5 * SIM_S, kill_ev, p, 0);
    job_at(&h, 0, &b, &sb, 20 * SIM_S);
    harness_run(&h, 15 * SIM_S);
    /* kill -9 skipped the trap: the files are still there */
    char buf[32];
    assert_true(world_file_peek(h.s->node[0].host, "/tmp/job.pid", buf, sizeof(buf)));
    assert_int_equal(atoi(buf), pid);
    assert_true(world_file_peek(h.s->node[0].host, "/tmp/job.pid.lock", NULL, 0));
    harness_run(&h, SIM_MIN);
    assert_int_equal(b.rc, 1); /* the PID is not alive: taken over */
    harness_end(&h);
}

static void pid_reuse_case(enum world_cmd cmd, int expect)
{
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0};
    struct script sa, sb;
    harness_start(&h, model(1, "pidfile-check"));
    struct proc *p = harness_proc(&h, 0);
    sa = (struct script){do_run, &a};
    harness_script(&h, 0, p, &sa, SIM_S);
    int pid = p->pid;
    sim_at(h.s, 5 * SIM_S, kill_ev, p, 0);
    harness_run(&h, 10 * SIM_S);
    standin(&h, 0, pid, cmd);
    job_at(&h, 0, &b, &sb, 20 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(b.rc, expect);
    harness_end(&h);
}

static void test_guard_pidfile_check_pid_reuse(void **state)
{
    (void)state;
    pid_reuse_case(WORLD_CMD_JOB, 0);   /* same command line: fooled, skips */
    pid_reuse_case(WORLD_CMD_OTHER, 1); /* another program: seen through */
}

static void test_guard_pidfile_check_race(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {.hold = 60 * SIM_S};
    struct script sa, sb;
    harness_start(&h, model(1, "pidfile-check"));
    job_at(&h, 0, &a, &sa, SIM_S);
    job_at(&h, 0, &b, &sb, SIM_S); /* the same instant: both check before either writes */
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 1);
    harness_end(&h);
}

/* --- pidfile: O_EXCL, PID + start time, claimed takeover --- */

static void test_guard_pidfile_busy_and_race(void **state)
{
    (void)state;
    struct harness h;
    struct run r[4] = {{.hold = 60 * SIM_S}, {.hold = 60 * SIM_S}, {.hold = 60 * SIM_S}, {0}};
    struct script sc[4];
    harness_start(&h, model(1, "pidfile"));
    for (int i = 0; i < 3; i++)
        job_at(&h, 0, &r[i], &sc[i], SIM_S);
    job_at(&h, 0, &r[3], &sc[3], 2 * SIM_MIN);
    harness_run(&h, 3 * SIM_MIN);
    assert_int_equal(r[0].rc + r[1].rc + r[2].rc, 1); /* exactly one of three */
    assert_int_equal(r[3].rc, 1);
    assert_false(world_file_peek(h.s->node[0].host, "/tmp/job.pid", NULL, 0));
    harness_end(&h);
}

static void test_guard_pidfile_stale_takeover_race(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S},
               r[3] = {{.hold = SIM_MIN}, {.hold = SIM_MIN}, {.hold = SIM_MIN}};
    struct script sa, sc[3];
    harness_start(&h, model(1, "pidfile"));
    struct proc *p = harness_proc(&h, 0);
    sa = (struct script){do_run, &a};
    harness_script(&h, 0, p, &sa, SIM_S);
    sim_at(h.s, 5 * SIM_S, kill_ev, p, 0);
    /* three starters meet the stale file at once: exactly one takes it over */
    for (int i = 0; i < 3; i++)
        job_at(&h, 0, &r[i], &sc[i], 10 * SIM_S);
    harness_run(&h, 5 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(r[0].rc + r[1].rc + r[2].rc, 1);
    harness_end(&h);
}

/* Two starters meet a stale file, the second later by every offset from 0 to
 * 2 ms in 25 us steps: whatever the interleaving, never both. (Removing the
 * stale file without claiming it first lets both in at some offsets.) */
static void test_guard_pidfile_takeover_every_interleaving(void **state)
{
    (void)state;
    int both = 0, one = 0;
    for (sim_time off = 0; off <= 2 * SIM_MS; off += 25 * SIM_US) {
        struct harness h;
        struct run r1 = {.hold = SIM_MIN}, r2 = {.hold = SIM_MIN};
        struct script s1, s2;
        harness_start(&h, model(1, "pidfile"));
        struct host *host = h.s->node[0].host;
        struct world_fdtab t;
        world_fdtab_init(&t);
        int fd = world_file_open(host, &t, "/tmp/job.pid", O_WRONLY | O_CREAT | O_EXCL);
        world_file_write(host, &t, fd, "4242 77\n", 8); /* no such process */
        world_fdtab_close_all(host, &t);
        job_at(&h, 0, &r1, &s1, SIM_S);
        job_at(&h, 0, &r2, &s2, SIM_S + off);
        harness_run(&h, 5 * SIM_MIN);
        both += r1.rc == 1 && r2.rc == 1;
        one += (r1.rc == 1) != (r2.rc == 1);
        harness_end(&h);
    }
    assert_int_equal(both, 0);
    assert_int_equal(one, 81);
}

static void test_guard_pidfile_pid_reuse_is_not_the_owner(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0};
    struct script sa, sb;
    harness_start(&h, model(1, "pidfile"));
    struct proc *p = harness_proc(&h, 0);
    sa = (struct script){do_run, &a};
    harness_script(&h, 0, p, &sa, SIM_S);
    int pid = p->pid;
    sim_at(h.s, 5 * SIM_S, kill_ev, p, 0);
    harness_run(&h, 10 * SIM_S);
    standin(&h, 0, pid, WORLD_CMD_JOB); /* same PID and command line, later start */
    job_at(&h, 0, &b, &sb, 20 * SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(b.rc, 1);
    harness_end(&h);
}

static void test_guard_pidfile_dead_claimant(void **state)
{
    (void)state;
    struct harness h;
    struct run b = {0};
    struct script sb;
    harness_start(&h, model(1, "pidfile"));
    /* a stale file (PID 4242 is not running) and a claim on it whose owner died too */
    struct host *host = h.s->node[0].host;
    struct world_fdtab t;
    world_fdtab_init(&t);
    int fd = world_file_open(host, &t, "/tmp/job.pid", O_WRONLY | O_CREAT | O_EXCL);
    world_file_write(host, &t, fd, "4242 77\n", 8);
    fd = world_file_open(host, &t, "/tmp/job.pid.x4242-77", O_WRONLY | O_CREAT | O_EXCL);
    world_file_write(host, &t, fd, "4343 88\n", 8);
    world_fdtab_close_all(host, &t);
    job_at(&h, 0, &b, &sb, SIM_S);
    harness_run(&h, SIM_MIN);
    assert_int_equal(b.rc, 1);
    assert_false(world_file_peek(host, "/tmp/job.pid.x4242-77", NULL, 0));
    harness_end(&h);
}

/* --- flock --- */

static void test_guard_flock(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0}, t1 = {.hold = 30 * SIM_S}, t2 = {0}, c = {0};
    struct script sa, sb, s1, s2, sc;
    harness_start(&h, model(2, "flock"));
    struct proc *p = harness_proc(&h, 0);
    sa = (struct script){do_run, &a};
    harness_script(&h, 0, p, &sa, SIM_S);
    job_at(&h, 0, &b, &sb, 2 * SIM_S);
    sim_at(h.s, 5 * SIM_S, kill_ev, p, 0); /* the kernel drops its lock */
    job_at(&h, 0, &c, &sc, 6 * SIM_S);
    /* two threads of one process: flock is per open file description */
    svc_at(&h, 1, &t1, &s1, SIM_S);
    svc_at(&h, 1, &t2, &s2, 2 * SIM_S);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 1);
    assert_int_equal(t1.rc, 1);
    assert_int_equal(t2.rc, 0);
    /* the lock file is never unlinked */
    assert_true(world_file_peek(h.s->node[0].host, "/tmp/job.pid", NULL, 0));
    harness_end(&h);
}

/* --- lease --- */

static void test_guard_lease_acquire_shorten(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 20 * SIM_S}, b = {0}, c = {0}, d = {0};
    struct script sa, sb, sc, sd;
    struct model *m = model(3, "lease");
    harness_set(m, "db.latency", "2ms");
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, 10 * SIM_S);
    svc_at(&h, 1, &b, &sb, 20 * SIM_S); /* held */
    svc_at(&h, 2, &c, &sc, 50 * SIM_S); /* released at 30 s, but to started_at + 54 s */
    svc_at(&h, 1, &d, &sd, 65 * SIM_S); /* past 10 s + 54 s */
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(a.h.until, 10 * SIM_S + SIM_MS + 5 * SIM_MIN); /* max_factor 5 x 60 s */
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 0);
    assert_int_equal(d.rc, 1);
    harness_end(&h);
}

static void overrun_case(const char *owner_check, int expect_c)
{
    /* a runs 6 min, past its 5 min lease; b takes it at 5 min 10 s; a finishes at
     * 6 min and releases: without an owner check it shortens b's lease to
     * b.started + 54 s (already past), so c gets in while b still runs */
    struct harness h;
    struct run a = {.hold = 6 * SIM_MIN}, b = {.hold = 2 * SIM_MIN}, c = {0};
    struct script sa, sb, sc;
    struct model *m = model(3, "lease");
    harness_set(m, "db.latency", "2ms");
    harness_set(m, "guard.owner_check", owner_check);
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, 0);
    svc_at(&h, 1, &b, &sb, 5 * SIM_MIN + 10 * SIM_S);
    svc_at(&h, 2, &c, &sc, 6 * SIM_MIN + 30 * SIM_S);
    harness_run(&h, 10 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 1); /* the lease expired under a */
    assert_int_equal(c.rc, expect_c);
    harness_end(&h);
}

static void test_guard_lease_overrun_and_owner_check(void **state)
{
    (void)state;
    overrun_case("default", 1); /* as merged: no owner check */
    overrun_case("yes", 0);
}

static void test_guard_lease_delete_or_shorten(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0};
    struct script sa, sb;
    struct model *m = model(2, "lease");
    harness_set(m, "guard.release", "delete-or-shorten");
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, 0);
    svc_at(&h, 1, &b, &sb, 2 * SIM_MIN);
    harness_run(&h, SIM_MIN + SIM_S);
    /* finished after started_at + 54 s: the row is deleted */
    assert_null(world_db_lease_row(&h.s->db, "task"));
    harness_run(&h, 3 * SIM_MIN);
    assert_int_equal(b.rc, 1);
    harness_end(&h);
}

static void test_guard_lease_local_skew(void **state)
{
    (void)state;
    /* node 1's clock is 6 min ahead: it sees node 0's 5 min lease as over */
    struct harness h;
    struct run a = {.hold = 60 * SIM_S}, b = {0}, c = {0};
    struct script sa, sb, sc;
    struct model *m = model(2, "lease-local");
    m->node[1].cfg.clock_offset = 6 * SIM_MIN;
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, SIM_S);
    svc_at(&h, 1, &b, &sb, 10 * SIM_S);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 1); /* two holders */
    harness_end(&h);
    /* the database-clock lease is not fooled */
    m = model(2, "lease");
    m->node[1].cfg.clock_offset = 6 * SIM_MIN;
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, SIM_S);
    svc_at(&h, 1, &c, &sc, 10 * SIM_S);
    harness_run(&h, 2 * SIM_MIN);
    assert_int_equal(c.rc, 0);
    harness_end(&h);
}

static void test_guard_lease_fenced(void **state)
{
    (void)state;
    /* a holds past its lease (a pause); b gets token 2 and writes; a's late write
     * with token 1 is rejected; the plain lease takes it (a stale write) */
    for (int fenced = 0; fenced < 2; fenced++) {
        struct harness h;
        struct run a = {.hold = 7 * SIM_MIN}, b = {.hold = 10 * SIM_S};
        struct script sa, sb;
        harness_start(&h, model(2, fenced ? "lease-fenced" : "lease"));
        svc_at(&h, 0, &a, &sa, 0);
        svc_at(&h, 1, &b, &sb, 6 * SIM_MIN);
        h.s->next_run = 0;
        harness_run(&h, 10 * SIM_MIN);
        assert_int_equal(b.rc, 1);
        assert_int_equal(a.h.token, fenced ? 1 : 0);
        assert_int_equal(b.h.token, fenced ? 2 : 0);
        assert_int_equal(b.write, 0);
        assert_int_equal(a.write, fenced ? -ESTALE : 0);
        assert_int_equal(h.met.stale_writes_rejected, fenced ? 1 : 0);
        harness_end(&h);
    }
}

/* --- shedlock --- */

static void test_guard_shedlock_at_least_and_at_most(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 5 * SIM_S}, b = {0}, c = {.hold = 10 * SIM_MIN}, d = {0}, e = {0};
    struct script sa, sb, sc, sd, se;
    struct model *m = model(2, "shedlock");
    harness_set(m, "guard.lock_at_least_for", "50s");
    harness_set(m, "guard.lock_at_most_for", "2m");
    harness_start(&h, m);
    svc_at(&h, 0, &a, &sa, 0);
    svc_at(&h, 1, &b, &sb, 30 * SIM_S); /* released at 5 s, but held at least 50 s */
    svc_at(&h, 1, &c, &sc, 51 * SIM_S); /* runs 10 min */
    svc_at(&h, 0, &d, &sd, 2 * SIM_MIN);
    svc_at(&h, 0, &e, &se, 2 * SIM_MIN + 52 * SIM_S); /* lockAtMostFor is over */
    harness_run(&h, 20 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 1);
    assert_int_equal(d.rc, 0);
    assert_int_equal(e.rc, 1);
    harness_end(&h);
}

static void test_guard_shedlock_client_clock_skew(void **state)
{
    (void)state;
    /* ShedLock #231: node 1 is 3 min ahead, lockAtLeastFor 2 min: after node 0's
     * quick run node 1 takes the lock again at once */
    for (int db = 0; db < 2; db++) {
        struct harness h;
        struct run a = {.hold = SIM_S}, b = {0};
        struct script sa, sb;
        struct model *m = model(2, "shedlock");
        harness_set(m, "guard.lock_at_least_for", "2m");
        harness_set(m, "guard.clock", db ? "db" : "client");
        m->node[1].cfg.clock_offset = 3 * SIM_MIN;
        harness_start(&h, m);
        svc_at(&h, 0, &a, &sa, 0);
        svc_at(&h, 1, &b, &sb, 10 * SIM_S);
        harness_run(&h, 5 * SIM_MIN);
        assert_int_equal(a.rc, 1);
        assert_int_equal(b.rc, db ? 0 : 1);
        harness_end(&h);
    }
}

static void test_guard_shedlock_owner_is_the_host(void **state)
{
    (void)state;
    /* two services on one host share locked_by = host: a's late unlock (it
     * overran lockAtMostFor) releases b's lock, and c gets in while b runs;
     * with locked_by = host-pid (issue 317's fix) a's unlock matches nothing */
    for (int pid = 0; pid < 2; pid++) {
        struct harness h;
        struct run a = {.hold = 3 * SIM_MIN}, b = {.hold = 3 * SIM_MIN}, c = {0};
        struct script sa, sb, sc;
        struct model *m = model(3, "shedlock");
        harness_set(m, "guard.lock_at_most_for", "2m");
        harness_set(m, "guard.locked_by", pid ? "host-pid" : "host");
        snprintf(m->node[0].cfg.host, sizeof(m->node[0].cfg.host), "box");
        snprintf(m->node[1].cfg.host, sizeof(m->node[1].cfg.host), "box");
        harness_start(&h, m);
        svc_at(&h, 0, &a, &sa, 0);
        svc_at(&h, 1, &b, &sb, 2 * SIM_MIN + 10 * SIM_S);
        svc_at(&h, 2, &c, &sc, 3 * SIM_MIN + 10 * SIM_S);
        harness_run(&h, 10 * SIM_MIN);
        assert_int_equal(h.s->nhosts, 2);
        assert_int_equal(b.rc, 1);
        assert_int_equal(c.rc, pid ? 0 : 1);
        harness_end(&h);
    }
}

/* --- advisory --- */

static void test_guard_advisory(void **state)
{
    (void)state;
    struct harness h;
    struct run a = {.hold = 30 * SIM_S}, b = {0}, c = {0}, d = {.hold = 60 * SIM_S}, e = {0};
    struct script sa, sb, sc, sd, se;
    harness_start(&h, model(3, "advisory"));
    svc_at(&h, 0, &a, &sa, 0);
    svc_at(&h, 1, &b, &sb, 10 * SIM_S);
    svc_at(&h, 1, &c, &sc, 40 * SIM_S); /* unlocked at 30 s */
    /* a holder killed: its session ends with it */
    struct proc *p = harness_proc(&h, 2);
    sd = (struct script){do_run, &d};
    harness_script(&h, 2, p, &sd, 2 * SIM_MIN);
    sim_at(h.s, 2 * SIM_MIN + 10 * SIM_S, kill_ev, p, 0);
    svc_at(&h, 0, &e, &se, 2 * SIM_MIN + 20 * SIM_S);
    harness_run(&h, 5 * SIM_MIN);
    assert_int_equal(a.rc, 1);
    assert_int_equal(b.rc, 0);
    assert_int_equal(c.rc, 1);
    assert_int_equal(d.rc, 1);
    assert_int_equal(e.rc, 1);
    harness_end(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard_pidfile_check_busy_and_free),
        cmocka_unit_test(test_guard_pidfile_check_stale_after_kill),
        cmocka_unit_test(test_guard_pidfile_check_pid_reuse),
        cmocka_unit_test(test_guard_pidfile_check_race),
        cmocka_unit_test(test_guard_pidfile_busy_and_race),
        cmocka_unit_test(test_guard_pidfile_stale_takeover_race),
        cmocka_unit_test(test_guard_pidfile_takeover_every_interleaving),
        cmocka_unit_test(test_guard_pidfile_pid_reuse_is_not_the_owner),
        cmocka_unit_test(test_guard_pidfile_dead_claimant),
        cmocka_unit_test(test_guard_flock),
        cmocka_unit_test(test_guard_lease_acquire_shorten),
        cmocka_unit_test(test_guard_lease_overrun_and_owner_check),
        cmocka_unit_test(test_guard_lease_delete_or_shorten),
        cmocka_unit_test(test_guard_lease_local_skew),
        cmocka_unit_test(test_guard_lease_fenced),
        cmocka_unit_test(test_guard_shedlock_at_least_and_at_most),
        cmocka_unit_test(test_guard_shedlock_client_clock_skew),
        cmocka_unit_test(test_guard_shedlock_owner_is_the_host),
        cmocka_unit_test(test_guard_advisory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
