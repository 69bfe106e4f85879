/*
 * The ticker family's scheduling (sim/sched/sched_loop.h), on a third
 * backend: a script that logs every primitive the shared code calls, with a
 * clock the test moves by hand. The simulator and live mode run this same
 * code, so what is pinned here (the order of timers and runs, a tick kept
 * or dropped, the misfire catch-up, fixed rate against fixed delay, manual
 * re-arm, a held timer) holds in both. Times in the logs are seconds.
 */
#include "helpers.h"

#include "../sim/base/prng.h"
#include "../sim/sched/cron_loop.h"
#include "../sim/sched/sched_loop.h"
#include "../sim/scenario/model.h"

/* The scripted backend: one node, one log. */
static struct fake {
    struct sched_loop l;
    struct config cfg;
    sim_time now;
    sim_time end;  /* loops end here */
    sim_time job;  /* a run on a loop lasts this long */
    bool held;     /* hold: the node is paused */
    bool no_ticks; /* the channel's wait: no tick will come */
    struct prng rng;
    char log[1024];
} f;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    size_t n = strlen(f.log);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f.log + n, sizeof(f.log) - n, fmt, ap);
    va_end(ap);
    n = strlen(f.log);
    snprintf(f.log + n, sizeof(f.log) - n, "; ");
}

static long long sec(sim_time t)
{
    return (long long)(t / SIM_S);
}

static void fake_spawn_tick(void *ctx, void *arg, uint64_t tag);
static void fake_ticker_tick(void *ctx, void *arg, uint64_t tag);
static void fake_start_tick(void *ctx, void *arg, uint64_t tag);
static void fake_manual_tick(void *ctx, void *arg, uint64_t tag);

static const char *fn_name(evq_fn fn)
{
    return fn == fake_spawn_tick    ? "spawn-tick"
           : fn == fake_ticker_tick ? "ticker-tick"
           : fn == fake_start_tick  ? "start-tick"
                                    : "manual-tick";
}

static void fake_at(struct sched_loop *l, sim_time at, evq_fn fn)
{
    (void)l;
    say("at %lld %s", sec(at), fn_name(fn));
}

static bool fake_hold(struct sched_loop *l, sim_time due, evq_fn fn, uint64_t tag)
{
    (void)l, (void)tag;
    if (f.held)
        say("held %lld %s", sec(due), fn_name(fn));
    return f.held;
}

static sim_time fake_now(struct sched_loop *l)
{
    (void)l;
    return f.now;
}

static sim_time fake_fire_time(struct sched_loop *l, sim_time due)
{
    (void)due;
    return fake_now(l);
}

static struct prng *fake_rng(struct sched_loop *l)
{
    (void)l;
    return &f.rng;
}

static int fake_loop_start(struct sched_loop *l, enum sched_loop_kind k)
{
    (void)l;
    say("loop %s", k == SCHED_LOOP_TICKER ? "ticker" : k == SCHED_LOOP_GRID ? "grid" : "delay");
    return 0;
}

static void fake_spawn(struct sched_loop *l, sim_time at, bool manual)
{
    (void)l;
    say("spawn %lld%s", sec(at), manual ? " manual" : "");
}

static void fake_tick(struct sched_loop *l, sim_time at, bool keep)
{
    (void)l;
    say("tick %lld %s", sec(at), keep ? "kept" : "dropped");
}

static void fake_coalesce(struct sched_loop *l, const char *why)
{
    (void)l;
    say("coalesce%s%s", why ? " " : "", why ? why : "");
}

static void fake_missed(struct sched_loop *l, const char *what)
{
    (void)l;
    say("missed: %s", what);
}

static void fake_nolock(struct sched_loop *l)
{
    (void)l;
}

static bool fake_alive(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop;
    return true;
}

static bool fake_receiving(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop;
    return !f.no_ticks;
}

static void fake_wait(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop;
    f.no_ticks = true;
}

static bool fake_sleep_until(struct sched_loop *l, void *loop, sim_time at)
{
    (void)l, (void)loop;
    if (at >= f.end)
        return false;
    if (at > f.now)
        f.now = at;
    return true;
}

static void fake_take(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop;
    say("take");
}

static void fake_run(struct sched_loop *l, void *loop, sim_time at)
{
    (void)l, (void)loop;
    say("run %lld at %lld", sec(at), sec(f.now));
    f.now += f.job;
}

static void fake_run_taken(struct sched_loop *l, void *loop)
{
    (void)l, (void)loop;
    say("run kept at %lld", sec(f.now));
    f.now += f.job;
}

static const struct sched_loop_env fake_env = {
    .spawn_tick = fake_spawn_tick,
    .ticker_tick = fake_ticker_tick,
    .start_tick = fake_start_tick,
    .manual_tick = fake_manual_tick,
    .at = fake_at,
    .hold = fake_hold,
    .fire_time = fake_fire_time,
    .now = fake_now,
    .rng_manual = fake_rng,
    .loop_start = fake_loop_start,
    .spawn = fake_spawn,
    .tick = fake_tick,
    .coalesce = fake_coalesce,
    .missed = fake_missed,
    .lock = fake_nolock,
    .unlock = fake_nolock,
    .alive = fake_alive,
    .receiving = fake_receiving,
    .wait = fake_wait,
    .sleep_until = fake_sleep_until,
    .take = fake_take,
    .run = fake_run,
    .run_taken = fake_run_taken,
};

static void fake_spawn_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx, (void)arg;
    sched_loop_spawn_tick(&fake_env, &f.l, tag);
}

static void fake_ticker_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx, (void)arg;
    sched_loop_ticker_tick(&fake_env, &f.l, tag);
}

static void fake_start_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx, (void)arg;
    sched_loop_start_tick(&fake_env, &f.l, tag);
}

static void fake_manual_tick(void *ctx, void *arg, uint64_t tag)
{
    (void)ctx, (void)arg;
    sched_loop_manual_tick(&fake_env, &f.l, tag);
}

/* A node with the [schedule] lines given, its life begun at 0 and booted; the log cleared. */
static void boot(const char *schedule)
{
    char text[512], err[600];
    snprintf(text, sizeof(text), "[scenario]\nduration = 1h\n[job]\napi = 1s\n[schedule]\n%s",
             schedule);
    struct scenario *sc = helper_parse(text, err, sizeof(err));
    if (!sc)
        fail_msg("%s", err);
    static struct model m;
    if (scenario_model(sc, -1, &m, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    memset(&f, 0, sizeof(f));
    f.cfg = m.node[0].cfg;
    f.end = SIM_HOUR;
    prng_seed(&f.rng, 1, 0);
    scenario_free(sc);
    sched_loop_begin(&f.l, &f, &f.cfg, 0, 0, false);
    assert_int_equal(sched_loop_boot(&fake_env, &f.l), 0);
    sched_loop_manual_boot(&fake_env, &f.l);
}

static void at(sim_time t, evq_fn fn)
{
    f.log[0] = '\0';
    f.now = t;
    fn(NULL, NULL, 0);
}

/* Spawn dispatch: a run at start, each tick a run, and a late tick coalesces
 * the slots it finds due (Go drops them) and goes on from the grid after now. */
static void test_sched_loop_spawn_grid(void **state)
{
    (void)state;
    boot("kind = ticker\ninterval = 10s\ndispatch = spawn\nrun_at_start = yes\n");
    assert_string_equal(f.log, "at 0 start-tick; at 10 spawn-tick; ");
    at(0, fake_start_tick);
    assert_string_equal(f.log, "spawn 0; ");
    at(10 * SIM_S, fake_spawn_tick);
    assert_string_equal(f.log, "at 20 spawn-tick; spawn 10; ");
    at(45 * SIM_S, fake_spawn_tick); /* slots 20, 30, 40 are due: one run now, two dropped */
    assert_string_equal(f.log, "coalesce; coalesce; missed: missed ticks: fire once now; "
                               "at 50 spawn-tick; spawn 45; ");
}

/* Inline: Go's channel keeps one tick while the loop runs, drops the next,
 * and the loop receives the kept one when it is free. */
static void test_sched_loop_ticker_channel(void **state)
{
    (void)state;
    boot("kind = ticker\ninterval = 10s\ndispatch = inline\n");
    assert_string_equal(f.log, "loop ticker; at 10 ticker-tick; ");
    at(10 * SIM_S, fake_ticker_tick);
    assert_string_equal(f.log, "at 20 ticker-tick; tick 10 kept; ");
    at(20 * SIM_S, fake_ticker_tick);
    assert_string_equal(
        f.log, "at 30 ticker-tick; tick 20 dropped; coalesce tick dropped: channel full; ");
    f.log[0] = '\0';
    sched_loop_ticker_run(&fake_env, &f.l, NULL);
    assert_string_equal(f.log, "take; run kept at 20; ");
    assert_false(f.l.full);
}

/* A paused node's timer is held: nothing fires, nothing is re-armed. */
static void test_sched_loop_held(void **state)
{
    (void)state;
    boot("kind = ticker\ninterval = 10s\ndispatch = spawn\nmanual = 1m\n");
    f.held = true;
    at(10 * SIM_S, fake_spawn_tick);
    assert_string_equal(f.log, "held 10 spawn-tick; ");
    at(60 * SIM_S, fake_manual_tick);
    assert_string_equal(f.log, "held 60 manual-tick; ");
    f.held = false;
    at(70 * SIM_S, fake_manual_tick); /* the pause ended at 70: the request fires then */
    assert_string_equal(f.log, "at 130 manual-tick; spawn 70 manual; ");
}

/* Fixed rate, runs of 45 s every 30 s: each slot runs late, back to back,
 * standing for its due time (Spring never skips one). */
static void test_sched_loop_fixed_rate(void **state)
{
    (void)state;
    boot("kind = fixed-rate\ninterval = 30s\ndispatch = inline\n");
    assert_string_equal(f.log, "loop grid; ");
    f.log[0] = '\0';
    f.job = 45 * SIM_S;
    f.end = 150 * SIM_S;
    sched_loop_grid_run(&fake_env, &f.l, NULL);
    assert_string_equal(f.log, "run 0 at 0; run 30 at 45; run 60 at 90; run 90 at 135; "
                               "run 120 at 180; ");
}

/* Fixed delay, the same runs: each is due 30 s after the previous one ended. */
static void test_sched_loop_fixed_delay(void **state)
{
    (void)state;
    boot("kind = fixed-delay\ninterval = 30s\ndispatch = inline\nfirst_at = 5s\n");
    assert_string_equal(f.log, "loop delay; ");
    f.log[0] = '\0';
    f.job = 45 * SIM_S;
    f.end = 200 * SIM_S;
    sched_loop_delay_run(&fake_env, &f.l, NULL);
    assert_string_equal(f.log, "run 5 at 5; run 80 at 80; run 155 at 155; ");
}

/* cron's daemon (cron_loop.h) on a scripted clock: a stop from 2m30s to 5m30s. */
struct cron_fake {
    sim_time now, pause_from, pause_to, end;
    char log[512];
};

static sim_time cron_fake_now(void *loop)
{
    return ((struct cron_fake *)loop)->now;
}

static void cron_fake_sleep(void *loop, sim_time d)
{
    struct cron_fake *cf = loop;
    sim_time to = cf->now + d;
    if (cf->now < cf->pause_to && to >= cf->pause_from && to < cf->pause_to)
        to = cf->pause_to; /* a stopped process wakes when it is continued */
    cf->now = to;
}

static bool cron_fake_killed(void *loop)
{
    return ((struct cron_fake *)loop)->now >= ((struct cron_fake *)loop)->end;
}

static bool cron_fake_no(void *loop)
{
    (void)loop;
    return false;
}

static void cron_fake_spawn(void *loop, sim_time at)
{
    struct cron_fake *cf = loop;
    size_t n = strlen(cf->log);
    snprintf(cf->log + n, sizeof(cf->log) - n, "%lld", (long long)(cf->now / SIM_S));
    n = strlen(cf->log);
    if (at != cf->now) /* a late firing's trigger stands for the minute it was due */
        snprintf(cf->log + n, sizeof(cf->log) - n, "(due %lld)", (long long)(at / SIM_S));
    n = strlen(cf->log);
    snprintf(cf->log + n, sizeof(cf->log) - n, " ");
}

static void cron_fake_coalesce(void *loop)
{
    (void)loop;
}

static void cron_fake_note(void *loop, const char *what)
{
    struct cron_fake *cf = loop;
    size_t n = strlen(cf->log);
    snprintf(cf->log + n, sizeof(cf->log) - n, "(%s) ", what);
}

static const struct cron_loop_env cron_fake_env = {
    .now = cron_fake_now,
    .local_now = cron_fake_now,
    .sleep = cron_fake_sleep,
    .killed = cron_fake_killed,
    .interrupted = cron_fake_no,
    .spawn = cron_fake_spawn,
    .coalesce = cron_fake_coalesce,
    .note = cron_fake_note,
};

/* cronie on time, then woken 3 minutes late: each missed minute, 10 s apart, then on time. */
static void test_cron_loop_late_wake_up(void **state)
{
    (void)state;
    struct config c;
    char err[128];
    config_defaults(&c);
    c.sched = SCHED_CRON;
    assert_int_equal(cron_parse("* * * * *", &c.cron, err, sizeof(err)), 0);
    struct cron_fake cf = {
        .now = 0, .pause_from = 150 * SIM_S, .pause_to = 330 * SIM_S, .end = 430 * SIM_S};
    cron_loop_run(&cron_fake_env, &cf, &c, true);
    assert_string_equal(cf.log,
                        "1 61 121 (woke up late: run each missed minute) 330(due 181) 340(due 241) "
                        "350(due 301) 361 421 ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sched_loop_spawn_grid),
        cmocka_unit_test(test_sched_loop_ticker_channel),
        cmocka_unit_test(test_sched_loop_held),
        cmocka_unit_test(test_sched_loop_fixed_rate),
        cmocka_unit_test(test_sched_loop_fixed_delay),
        cmocka_unit_test(test_cron_loop_late_wake_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
