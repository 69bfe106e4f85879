/*
 * The event trace: one CSV row per event (time, node, run, kind, detail),
 * written only when asked for, and a 64-bit hash of every row's time, node,
 * run and kind, so determinism can be checked without keeping a file. The
 * hash leaves the detail out and never formats anything: a row is formatted
 * only when it is written, because formatting every row of a year's run
 * costs 20-40 times the run itself.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/time.h"

struct trace {
    FILE *out; /* NULL: hash only */
    uint64_t hash;
    uint64_t rows;
    uint64_t wasted; /* hash only: details a caller built for nothing (stays 0) */
    int error;       /* first write error (errno), 0 if none */
};

#define TRACE_HEADER "time_ns,time,node,run,kind,detail\n"

/* Starts a trace writing to out (borrowed; may be NULL) and writes the header. */
void trace_init(struct trace *t, FILE *out);

/* Are t's rows written (t may be NULL)? Callers build a costly detail only then. */
static inline bool trace_writes(const struct trace *t)
{
    return t && t->out;
}

/* One row. node may be NULL (the world), run 0 (no run), detail NULL. */
void trace_event(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                 const char *detail);

/* One row whose detail is formatted (as printf) only if the row is written. */
void trace_eventf(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
