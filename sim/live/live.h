/*
 * Live mode: a scenario run in scaled real time with the real primitives —
 * threads for in-process guards, worker processes (the same binary) for
 * anything that needs its own process, the user's own command for `exec`,
 * PostgreSQL for the database. The harness timestamps every event on
 * CLOCK_MONOTONIC, converts it back to simulated time and feeds the same
 * checkers as the simulator, so metrics and verdicts compare one to one.
 *
 * Time scaling: at speed 100 a simulated second lasts 10 ms. Everything a
 * scenario says (intervals, job phases, clock skew) is simulated time.
 */
#ifndef SIM_LIVE_LIVE_H
#define SIM_LIVE_LIVE_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "../check/metrics.h"
#include "../scenario/model.h"
#include "../core/trace.h"
#include "../scenario/export_config.h"
#include "../work/job_run.h"
#include "sys/env_live.h"

#define LIVE_DEFAULT_SPEED 100.0
#define LIVE_MAX_SPEED 100000.0

/*
 * libfaketime, preloaded by its full path (a bare name does not resolve);
 * the MT build, as workers are threaded. $OVERLAPSIM_FAKETIME overrides it.
 */
#define LIVE_FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
#define LIVE_ENV_FAKETIME "OVERLAPSIM_FAKETIME"

/* The libfaketime library to preload: $OVERLAPSIM_FAKETIME or LIVE_FAKETIME_LIB. */
const char *live_faketime_lib(void);

/* Our own error codes, beside negative errno values (see live_strerror). */
enum {
    LIVE_EBASE = 10000,
    LIVE_ECMD,      /* the user's command cannot start */
    LIVE_EFAKETIME, /* a clock skew needs libfaketime, which is missing */
    LIVE_EDB,       /* the database cannot be reached or set up */
    LIVE_EWORKER,   /* a worker process failed to start or talk */
    LIVE_ETHREADS,  /* more runs at once than live mode allows */
};

struct live_opts {
    double speed;                  /* simulated time per real time */
    uint64_t seed;                 /* for the workload draws, as the simulator's */
    const struct guard_ops *guard; /* the guard; for exec, the placeholder live_guard_exec */
    const char *cmd;               /* exec: the user's command, run with /bin/sh -c */
    const char *dsn;               /* use this PostgreSQL server instead of a throwaway one */
    bool db;                       /* set up the database even if the guard needs none */
    bool keep;                     /* leave the run directory and its logs */
    bool in_worker;                /* run an in-process guard in a worker process */
    sim_time skew;                 /* the nodes' clocks (libfaketime in workers) */
    const char *self;              /* the overlapsim binary, for workers */
    struct trace *trace;           /* every event, NULL: none */
};

struct live_result {
    char dir[PATH_MAX];    /* the run directory (gone unless keep) */
    char pg_dir[PATH_MAX]; /* the throwaway cluster's, when not inside dir */
    bool interrupted;      /* SIGINT, SIGTERM or SIGHUP ended the run early */
    char detail[512];      /* the reason behind an error */
    char cleaned[1024];    /* what killed runs left and this one removed ("": nothing) */
};

/* The placeholder guard of --guard exec: the user's command is the guard. */
extern const struct guard_ops live_guard_exec;

/*
 * Runs model m (its guard replaced by o->guard) once, live, into *out.
 * Blocks for the scenario's duration / speed. Returns 0 (also when
 * interrupted: see res->interrupted), or a negative errno or -LIVE_E* with
 * res->detail saying why. Whatever happens, every process, file and
 * database it started is gone when it returns, unless o->keep.
 */
int live_run(const struct model *m, const struct live_opts *o, struct metrics *out,
             struct live_result *res);

/* A lower-case description of a live_run error code. */
const char *live_strerror(int rc);

/*
 * One trigger's run as the harness orders it from a worker (job.c):
 * "ID AT JOB API DB MANUAL POINTS FINALLY", where JOB is API + DB and API
 * the API phase as drawn and maybe slowed; POINTS has bit k set where a
 * fault is placed at fault point k (the run asks the harness there), and
 * FINALLY says the job releases its guard after throwing.
 */
struct live_order {
    struct job_order o;
    unsigned points;
    bool release_on_error;
};
/* Its text into buf: the length, or -ENOSPC. */
int live_order_format(const struct live_order *o, char *buf, size_t len);
/* Reads what live_order_format wrote: 0 or -EPROTO. */
int live_order_parse(const char *text, struct live_order *o);

/*
 * A run in a worker process (or a cron firing's own process): the job
 * (sim/work/job_run.h) with guard g in environment e, reporting on the
 * event socket at events; xp: the export's knobs (NULL: no exports). True
 * when the job threw with no finally: *kept is the guard's hold (a
 * wrapper's exit trap may release it).
 */
bool live_job_remote(struct env_live *e, struct guard *g, int node, const struct live_order *o,
                     const struct export_config *xp, const char *events, struct guard_hold *kept);

/* The export's knobs a worker needs (xp: exports on), as text: the length, or -ENOSPC. */
int live_export_format(const struct export_config *c, char *buf, size_t len);
/* Reads what live_export_format wrote: 0 or -EPROTO. */
int live_export_parse(const char *text, struct export_config *c);

/* What `overlapsim worker` is told by the harness that starts it (see worker_main.c). */
struct live_worker_args {
    int node;
    const char *events; /* the event socket */
    double speed;
    const char *dir;   /* the run directory */
    const char *cmd;   /* exec: the user's command */
    const char *guard; /* otherwise: the guard to run */
    bool fork_runs;    /* every run a process of its own (cron): `worker --once` each */
    /* --once: one run in this process */
    const char *params;       /* the guard's parameters (struct guard_params in hex) */
    const char *run;          /* "ID AT JOB API DB MANUAL", as the harness sends it */
    int64_t epoch;            /* CLOCK_REALTIME (real ns) at simulated time 0 */
    bool barrier;             /* wait on fd 3 until the batch's other runs are ready too */
    const char *db;           /* database guards: the worker's database client ("setup ...") */
    const char *export_knobs; /* exports: their knobs (live_export_format) */
};

/*
 * The worker's life: talks to the harness on fd 3 until it says quit or
 * goes away. Returns 0, or a negative errno (-LIVE_EWORKER: fd 3 is not a
 * harness, i.e. not started by live mode).
 */
int live_worker_serve(const struct live_worker_args *a);

/* One run in a process of its own (`overlapsim worker --once`): 0 or a negative errno. */
int live_worker_once(const struct live_worker_args *a);

/* Decodes the guard's parameters as the harness sends them (hex bytes): 0 or -EPROTO. */
int live_params_decode(const char *hex, struct guard_params *gp);

/*
 * The probe: reports a run of trigger to the event socket at events, lasts
 * d simulated at speed, reports its end. 0 or a negative errno.
 */
int live_probe(const char *events, uint64_t trigger, double speed, sim_time d);

#endif
