/*
 * The event protocol between the harness and the processes it starts.
 * Probes and workers report each run's start and end (and a trigger's skip,
 * exit or completion) as one datagram each on a unix datagram socket in the
 * run directory. One socket, datagrams: the harness receives them in the
 * order they were sent, whoever sent them, so an end that happened before a
 * start is never read after it and no overlap is invented.
 *
 * A message is text: "KIND TRIGGER PID [VALUE]".
 */
#ifndef SIM_LIVE_EVENTS_H
#define SIM_LIVE_EVENTS_H

#include <stdint.h>

enum live_ev {
    LIVE_EV_START,  /* a run began (probe or worker) */
    LIVE_EV_END,    /* it ended */
    LIVE_EV_SKIP,   /* the guard turned the trigger away (worker) */
    LIVE_EV_ERROR,  /* the guard failed (worker): a skip */
    LIVE_EV_DONE,   /* the trigger's work is over, guard released (worker) */
    LIVE_EV_EXIT,   /* the trigger's command exited with VALUE (wait status) */
    LIVE_EV_CRASH,  /* node TRIGGER was killed: close its runs (harness to itself) */
    LIVE_EV_QUIT,   /* stop receiving (harness to itself) */
    LIVE_EV_DB,     /* a database statement met an error or a fault: VALUE is PGENV_NOTE_* */
    LIVE_EV_LEASE,  /* a time-based guard granted until VALUE (its clock's time), or 0: released */
    LIVE_EV_WRITE,  /* the run wrote its result: VALUE 1 when the sink's fencing check refused it */
    LIVE_EV_POINT,  /* the run reached fault point VALUE: asked (live_msg_ask), the answer is flags
                     */
    LIVE_EV_EXPORT, /* the run's export counted VALUE (enum export_count: a write error...) */
    LIVE_EV_COUNT,
};

struct live_msg {
    enum live_ev kind;
    uint64_t trigger;
    int pid;
    long value;
};

#define LIVE_MSG_MAX 96

/* Environment variables the harness gives to workers, commands and probes. */
#define LIVE_ENV_EVENTS "OVERLAPSIM_EVENTS"   /* the socket's path */
#define LIVE_ENV_TRIGGER "OVERLAPSIM_TRIGGER" /* the trigger being run */
#define LIVE_ENV_JOB "OVERLAPSIM_JOB"         /* its job duration, simulated, e.g. 23.5s */
#define LIVE_ENV_SPEED "OVERLAPSIM_SPEED"     /* simulated time per real time */
#define LIVE_ENV_DIR "OVERLAPSIM_DIR"         /* the run's private directory */
#define LIVE_ENV_BIN "OVERLAPSIM"             /* this binary */
#define LIVE_ENV_DSN "OVERLAPSIM_DSN"         /* the database, when there is one */

/* Formats m into buf (LIVE_MSG_MAX bytes); returns the length. */
int live_msg_format(const struct live_msg *m, char *buf);

/* Parses n bytes; 0 or -EINVAL. */
int live_msg_parse(const char *buf, int n, struct live_msg *m);

/*
 * Sends m to the socket at path from a fresh unbound socket; blocks while
 * the harness's queue is full. 0 or negative errno. Thread-safe.
 */
int live_msg_send(const char *path, const struct live_msg *m);

/*
 * Sends m from a socket of its own (autobound, so the harness can answer
 * to it) and waits for the answer: a number, returned in *answer. 0 or
 * negative errno. The harness may stop or kill the caller before it
 * answers (a pause or a crash at a fault point): the answer then waits.
 */
int live_msg_ask(const char *path, const struct live_msg *m, long *answer);

/* Answers an ask from the address it came from. 0 or negative errno. */
int live_msg_answer(int fd, const void *addr, unsigned addrlen, long answer);

#endif
