/*
 * The event trace: one CSV row per event (time, node, run, kind, detail),
 * written only when asked for, and a 64-bit FNV-1a hash of exactly those
 * bytes, so determinism can be checked without keeping the file.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "../base/time.h"

struct trace {
    FILE *out; /* NULL: hash only */
    uint64_t hash;
    uint64_t rows;
    int error; /* first write error (errno), 0 if none */
};

#define TRACE_HEADER "time_ns,time,node,run,kind,detail\n"

/* Starts a trace writing to out (borrowed; may be NULL) and writes the header. */
void trace_init(struct trace *t, FILE *out);

/* One row. node may be NULL (the world), run 0 (no run), detail NULL. */
void trace_event(struct trace *t, sim_time at, const char *node, uint64_t run, const char *kind,
                 const char *detail);

#endif
