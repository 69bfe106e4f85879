/*
 * Running a case — one guard in one variant of a scenario over a range of
 * seeds — and judging it twice. Safety comes from the invariants alone
 * (metrics_safe: at most the limit at once, no duplicate, no lost item, no
 * stale write), whatever the scenario expects: SAFE, or UNSAFE on k of N
 * seeds. The verdict comes from the expectations: pass; xfail when the case
 * is UNSAFE and the scenario's expectations say this guard may break each
 * invariant it broke; FAIL when an expectation does not hold or an invariant
 * broke that no expectation mentions. Used by run, compare, check and live
 * alike, so they can never disagree.
 */
#ifndef SIM_VERDICT_H
#define SIM_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "../check/metrics.h"
#include "../scenario/scenario.h"
#include "../core/trace.h"

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
 * the invariants (metrics_safe with limit) into *o, case_end settles safety
 * and the verdict. A some. line is judged only over two seeds or more.
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

/*
 * Why a finished case FAILs, "; "-separated: the expectations that did not
 * hold (a some. line says on how many seeds it was looked for) and the
 * invariants it broke that no expectation allows.
 */
char *case_failures(const struct case_result *c, char *buf, size_t len);

/* The some. lines not judged because the case ran one seed, "; "-separated ("" if none). */
char *case_unjudged(const struct case_result *c, char *buf, size_t len);

/* "SAFE" or "UNSAFE 3/20" (k of N seeds). */
char *case_safety(const struct case_result *c, char *buf, size_t len);

/* The names of the invariants in bits ("max_concurrency, duplicates"). */
char *verdict_invariants(unsigned bits, char *buf, size_t len);

/*
 * The seed that best shows a finished case: an every-line's first failing
 * seed when an expectation failed, else the first unsafe seed, else the first.
 */
uint64_t case_replay_seed(const struct case_result *c);
/*
 * The program replay commands start with: the binary as invoked (argv[0],
 * e.g. build/overlapsim), so they can be pasted. Set once at start-up;
 * "overlapsim" until then.
 */
void case_replay_program(const char *argv0);
const char *case_replay_program_name(void);

/* The command that replays seed of this case, quoting as a shell needs. */
char *case_replay(const struct scenario *sc, const struct case_result *c, uint64_t seed, char *buf,
                  size_t len);

/* Appends s to buf after a space, single-quoted if a shell would split or expand it. */
void case_shell_word(char *buf, size_t len, const char *s);

#endif
