/*
 * Running a case — one guard in one variant of a scenario over a range of
 * seeds — and judging it against the scenario's expectations. Used by run,
 * compare and check alike, so they can never disagree.
 */
#ifndef SIM_VERDICT_H
#define SIM_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "scenario.h"
#include "trace.h"

#define VERDICT_MAX_EXPECT 64

struct expect_status {
    const struct expectation *e;
    uint64_t seeds_held;
    uint64_t first_failing_seed; /* every: the first seed where it failed */
    double first_failing_value;
    bool held; /* every: on all seeds; some: on at least one */
};

/* One seed's outcome, handed to the per-seed callback. */
struct seed_outcome {
    const struct metrics *m;
    bool violation; /* broke the invariant (more runs at once than allowed) */
    bool pass;      /* every applicable expectation held on this seed */
    char failed[512]; /* the expectations that did not hold, "; "-separated */
};

struct case_result {
    const struct guard_ops *guard;
    int variant;
    struct seed_range seeds;
    uint64_t nseeds;
    struct metrics agg; /* all seeds merged */
    uint64_t violating_seeds;
    uint64_t first_violating_seed;
    struct overlap_window first_window; /* of the first violating seed */
    int nexpect;
    struct expect_status st[VERDICT_MAX_EXPECT];
    bool pass;
    int rechecked;          /* failing seeds re-run to check determinism */
    int error;              /* engine error (negative errno), 0 if none; -EPROTO: nondeterminism */
    bool interrupted;          /* sim_interrupt (Ctrl-C) stopped it: nseeds were done */
    uint64_t interrupted_seed; /* the seed it stopped in (not counted) */
    /* how case_replay replays it: "run" unless set (live sets "live" and its options) */
    const char *replay_cmd;
    const char *replay_args; /* already quoted, appended as is; may be NULL */
};

typedef void (*seed_cb)(void *user, const struct case_result *c, const struct seed_outcome *o);

/*
 * Runs guard g in variant v (-1: base) of sc for every seed in seeds,
 * calling cb (may be NULL) after each seed. trace, when not NULL, receives
 * the trace of every seed. Returns 0 (also when sim_interrupt stopped it:
 * out->interrupted, with the seeds done so far judged), or a negative errno
 * with err filled (a model that cannot be built, an engine error).
 */
int case_run(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
             struct trace *trace, seed_cb cb, void *user, struct case_result *out, char *err,
             size_t errlen);

/*
 * The pieces of case_run, for a caller that produces the metrics itself
 * (live mode): case_begin selects the expectations for guard g in variant v
 * (0 or -ENOMEM), case_add_seed judges one seed's metrics against them and
 * the invariant (at most limit runs at once) into *o, case_end settles the
 * verdict.
 */
int case_begin(const struct scenario *sc, int v, const struct guard_ops *g, struct seed_range seeds,
               struct case_result *out);
void case_add_seed(struct case_result *out, const struct metrics *met, int limit,
                   struct seed_outcome *o);
void case_end(struct case_result *out);

/*
 * Did two runs of one seed do the same thing? Compares trace hashes and the
 * main counters. case_run re-runs failing seeds through this and fails with
 * -EPROTO ("internal error: ... not deterministic") on a mismatch.
 */
bool verdict_same_run(const struct metrics *a, uint64_t hash_a, const struct metrics *b,
                      uint64_t hash_b);

/* The failing expectations of a finished case, "; "-separated. */
char *case_failures(const struct case_result *c, char *buf, size_t len);

/* The command that replays seed of this case, quoting as a shell needs. */
char *case_replay(const struct scenario *sc, const struct case_result *c, uint64_t seed, char *buf,
                  size_t len);

/* Appends s to buf after a space, single-quoted if a shell would split or expand it. */
void case_shell_word(char *buf, size_t len, const char *s);

#endif
