/*
 * What the plots need from a simulation, collected from its trace rows
 * (time_ns,time,node,run,kind,detail) as they are written: runs per lane,
 * skipped and coalesced triggers, fault windows, overlapping stretches, the
 * concurrency steps, clock offsets and lease validity. Reading the trace's
 * own rows (not engine internals) means a trace file written by
 * `run --trace` can be plotted the same way, and rows other branches add
 * are picked up by their conventions:
 *
 *   fault rows     kind `fault`, detail `KIND ...` (the first word, up to a
 *                  space, colon or parenthesis, is the fault's kind): an
 *                  instant, or the start of a window that the next
 *                  `fault-end` row of that kind and node closes (older
 *                  traces: detail `KIND begins` / `KIND ends`)
 *   clock rows     kind `clock` (or any row) with `offset=<signed duration>`
 *                  and optionally `drift=<signed ppm>ppm` in the detail;
 *                  node empty means the database
 *   lease rows     any row with `lease_until=<duration since the start>` (or
 *                  `lease_until_ns=<ns>`): the run's lease is valid until
 *                  then, from the first such row; an empty run column means
 *                  the run going on that node, else (a grant) the next run
 *                  to start there; a skip on the node drops such a grant
 *
 * Memory is bounded: only what falls inside [lo, hi] is kept, and each list
 * stops at a cap (the plot says it was truncated).
 */
#ifndef REPORTS_PLOTDATA_H
#define REPORTS_PLOTDATA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../sim/base/time.h"

#define PD_MAX_NODES 32
#define PD_MAX_SLOTS 16 /* concurrent runs drawn apart on one node */
#define PD_MAX_FAULT_KINDS 16
#define PD_MAX_SERIES 32
#define PD_NAME_LEN 48

struct pd_run {
    sim_time start, end;              /* end: -1 while going */
    sim_time lease_from, lease_until; /* -1: no lease seen */
    uint64_t run;
    short node, slot;
};

enum pd_mark_kind { PD_SKIP, PD_COALESCE, PD_MANUAL, PD_TRIGGER };

struct pd_mark {
    sim_time at;
    short node;
    short kind;
};

struct pd_fault {
    sim_time from, to; /* to == from: an instant */
    short kind;
    short node;  /* -1: the world */
    bool open;   /* a later fault-end row may still close it */
    bool window; /* it has (or had, when it began) an end */
};

struct pd_clock {
    sim_time at;
    double offset_s;
    double drift_ppm; /* from at on */
    short series;
};

struct pd_step {
    sim_time at;
    int level;
};

struct pd_span {
    sim_time from, to;
};

/* A growable list with a cap. */
#define PD_LIST(type, name)                                                                        \
    struct {                                                                                       \
        type *v;                                                                                   \
        size_t n, cap, max;                                                                        \
        bool truncated;                                                                            \
    } name

struct plotdata {
    sim_time lo, hi, end;
    int limit;
    int nnodes;
    char node[PD_MAX_NODES][PD_NAME_LEN];
    int slots[PD_MAX_NODES]; /* lanes each node needed */
    int nfault_kinds;
    char fault_kind[PD_MAX_FAULT_KINDS][PD_NAME_LEN];
    int nseries;
    char series[PD_MAX_SERIES][PD_NAME_LEN];
    bool node_clock[PD_MAX_NODES]; /* the node's first clock row was seen: */
    double node_offset_s[PD_MAX_NODES], node_drift_ppm[PD_MAX_NODES]; /* its offset and drift */
    PD_LIST(struct pd_run, runs);   /* finished (or cut at the end) runs in the window */
    PD_LIST(struct pd_run, active); /* going now; not capped beyond memory */
    PD_LIST(struct pd_mark, marks);
    PD_LIST(struct pd_fault, faults);
    PD_LIST(struct pd_clock, clock);
    PD_LIST(struct pd_step, steps); /* concurrency after each change */
    PD_LIST(struct pd_span, overlaps);
    int level, max_level;
    int level_lo;          /* concurrency at lo */
    sim_time overlap_from; /* -1 when not overlapping */
    sim_time pending_lease[PD_MAX_NODES];
    sim_time pending_lease_at[PD_MAX_NODES];
    uint64_t rows;
    int error; /* first error: -ENOMEM */
    /* the line being assembled by plotdata_stream */
    char line[1024];
    size_t line_len;
};

/*
 * Starts collecting the window [lo, hi] (hi < 0: everything) for a job whose
 * invariant allows limit runs at once. Caps each list at cap entries (0: a
 * default of 200000).
 */
void plotdata_init(struct plotdata *pd, sim_time lo, sim_time hi, int limit, size_t cap);
void plotdata_release(struct plotdata *pd);

/* Feeds one trace line (without its newline). The header line is ignored. Returns 0 or
 * -ENOMEM/-EINVAL. */
int plotdata_row(struct plotdata *pd, const char *line);

/* Closes runs, faults and overlaps still open at end (the simulated duration). */
void plotdata_finish(struct plotdata *pd, sim_time end);

/*
 * A write-only stream that feeds every line written to it into pd, for
 * trace_init(). Close it with fclose before plotdata_finish. NULL on error.
 */
FILE *plotdata_stream(struct plotdata *pd);

/* Reads a trace CSV file into pd. Returns 0 or a negative errno. */
int plotdata_read(struct plotdata *pd, FILE *f);

/* Index of a lane name like "app" or "app #2", for labels: node name + slot. */
char *plotdata_lane_name(const struct plotdata *pd, int node, int slot, char *buf, size_t len);

#endif
