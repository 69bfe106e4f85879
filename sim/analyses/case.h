/*
 * Running a case — one guard in one variant of a scenario over a range of
 * seeds — through the simulator and judging it (verdict.h); re-running one
 * seed of it with its trace going to a reader (the plots read it: the
 * simulator is deterministic, so this is the run the verdict saw); and the
 * shell command that replays a seed. The writers in reports/ get the
 * finished case_result and call nothing here that runs.
 */
#ifndef SIM_CASE_H
#define SIM_CASE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/trace.h"
#include "verdict.h"

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
 * What reads the trace of one re-run seed (reports/plot's caseplot_reader):
 * open gives the stream the trace is written to for a run of model m, with
 * its own state in *state (NULL with errno set when it cannot); status, once
 * the stream is closed, is 0 or the negative errno reading it hit; done gets
 * the finished run (returns 0 or a negative errno with err); release (may be
 * NULL) frees state, called last whatever happened (state may be NULL).
 */
struct case_trace_reader {
    FILE *(*open)(void *user, const struct model *m, void **state);
    int (*status)(void *state);
    int (*done)(void *user, void *state, const struct model *m, const struct metrics *met,
                char *err, size_t errlen);
    void (*release)(void *state);
};

/*
 * Runs seed of guard g in variant v of sc once, its trace going to rd (user
 * is handed to rd's open and done). Returns 0, or a negative errno with err
 * (a model that cannot be built, the trace that cannot be collected, an
 * engine error, or what rd->done returned).
 */
int case_run_traced(const struct scenario *sc, int v, const struct guard_ops *g, uint64_t seed,
                    const struct case_trace_reader *rd, void *user, char *err, size_t errlen);

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
