/*
 * Judging a case — one guard in one variant of a scenario over a range of
 * seeds — twice. Safety comes from the invariants alone
 * (metrics_safe: at most the limit at once, no duplicate, no lost item, no
 * stale write), whatever the scenario expects: SAFE, or UNSAFE on k of N
 * seeds. The verdict comes from the expectations: pass; xfail when the case
 * is UNSAFE and the scenario's expectations say this guard may break each
 * invariant it broke; FAIL when an expectation does not hold or an invariant
 * broke that no expectation mentions. The seeds' metrics come from case_run
 * (case.h) or from live mode; run, compare, check and live judge them here
 * alike, so they can never disagree.
 */
#ifndef SIM_VERDICT_H
#define SIM_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "../check/metrics.h"
#include "../scenario/scenario.h"

#define VERDICT_MAX_EXPECT 64

/* Only FAIL makes the exit code 1. */
enum case_verdict { VERDICT_PASS, VERDICT_XFAIL, VERDICT_FAIL };

/* The invariants safety judges, as bits of case_result.broken. */
enum {
    INV_CONCURRENCY = 1, /* more than scenario.max_concurrency runs at once */
    INV_DUPLICATES = 2,  /* an exported item delivered twice */
    INV_LOST = 4,        /* an exported item never delivered */
    INV_STALE = 8,       /* a stale write accepted */
};

/* "pass", "xfail" or "fail", as JSON and CSV write it. */
const char *verdict_name(enum case_verdict v);

struct expect_status {
    const struct expectation *e;
    uint64_t seeds_held;
    uint64_t first_failing_seed; /* every: the first seed where it failed */
    double first_failing_value;
    bool held;     /* every: on all seeds; some: on at least one */
    bool unjudged; /* a some. line over one seed: one seed cannot decide it */
};

/* One seed's outcome, handed to the per-seed callback. */
struct seed_outcome {
    const struct metrics *m;
    bool violation; /* broke the concurrency invariant (more runs at once than allowed) */
    bool safe;      /* metrics_safe: kept every invariant */
    enum case_verdict verdict; /* of this seed alone; some. lines never fail one seed */
    bool pass;                 /* verdict != VERDICT_FAIL */
    char unsafe[160];          /* metrics_unsafe_reason, "" when safe */
    char failed[512];          /* the expectations that did not hold, "; "-separated */
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
    int limit;                          /* scenario.max_concurrency of the model judged */
    bool safe;                          /* no seed broke an invariant */
    uint64_t unsafe_seeds;              /* seeds that broke one (metrics_safe false) */
    uint64_t first_unsafe_seed;
    char first_unsafe[160]; /* what that seed broke (metrics_unsafe_reason) */
    unsigned broken;        /* INV_* broken on some seed */
    unsigned allowed;       /* INV_* the expectations say this guard may break */
    int nexpect;
    struct expect_status st[VERDICT_MAX_EXPECT];
    enum case_verdict verdict;
    bool pass;        /* verdict != VERDICT_FAIL: what exit codes read */
    int rechecked;    /* failing seeds re-run to check determinism */
    int error;        /* engine error (negative errno), 0 if none; -EPROTO: nondeterminism */
    bool interrupted; /* sim_interrupt (Ctrl-C) stopped it: nseeds were done */
    uint64_t interrupted_seed; /* the seed it stopped in (not counted) */
    /* how case_replay replays it: "run" unless set (live sets "live" and its options) */
    const char *replay_cmd;
    const char *replay_args; /* already quoted, appended as is; may be NULL */
};

/*
 * Judging a case from its seeds' metrics (case_run does it for simulated
 * seeds; live mode for its own): verdict_begin selects the expectations for
 * guard g in variant v (0 or -ENOMEM), verdict_add_seed judges one seed's
 * metrics against them and the invariants (metrics_safe with limit) into *o,
 * verdict_end settles safety and the verdict. A some. line is judged only
 * over two seeds or more.
 */
int verdict_begin(const struct scenario *sc, int v, const struct guard_ops *g,
                  struct seed_range seeds, struct case_result *out);
void verdict_add_seed(struct case_result *out, const struct metrics *met, int limit,
                      struct seed_outcome *o);
void verdict_end(struct case_result *out);

/*
 * Did two runs of one seed do the same thing? Compares trace hashes and the
 * main counters. case_run re-runs failing seeds through this and fails with
 * -EPROTO ("internal error: ... not deterministic") on a mismatch.
 */
bool verdict_same_run(const struct metrics *a, uint64_t hash_a, const struct metrics *b,
                      uint64_t hash_b);

/*
 * Why a finished case FAILs, "; "-separated: the expectations that did not
 * hold (a some. line says on how many seeds it was looked for) and the
 * invariants it broke that no expectation allows.
 */
char *verdict_failures(const struct case_result *c, char *buf, size_t len);

/* The some. lines not judged because the case ran one seed, "; "-separated ("" if none). */
char *verdict_unjudged(const struct case_result *c, char *buf, size_t len);

/* "SAFE" or "UNSAFE 3/20" (k of N seeds). */
char *verdict_safety(const struct case_result *c, char *buf, size_t len);

/* The names of the invariants in bits ("max_concurrency, duplicates"). */
char *verdict_invariants(unsigned bits, char *buf, size_t len);

#endif
