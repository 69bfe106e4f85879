/*
 * Shared helpers for the cmocka programs: write a scenario text to a
 * temporary file and load it, build a model, run one seed.
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sim/run/run.h"
#include "../sim/scenario/scenario.h"

/* Writes text to a fresh temporary .ini file; returns its path (static buffer). */
static inline const char *helper_write_ini(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/overlapsim-test-XXXXXX.ini");
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

/* Parses text; on failure copies the error into err (may be NULL) and returns NULL. */
static inline struct scenario *helper_parse(const char *text, char *err, size_t errlen)
{
    const char *path = helper_write_ini(text);
    struct scenario *sc = NULL;
    char e[600];
    int rc = scenario_load(path, &sc, e, sizeof(e));
    unlink(path);
    if (rc && err)
        snprintf(err, errlen, "%s", e);
    return rc ? NULL : sc;
}

/* Runs variant v (-1: base) of sc with guard name for seed into *m. */
static inline void helper_run(const struct scenario *sc, int v, const char *guard, uint64_t seed,
                              struct trace *trace, struct metrics *m)
{
    struct model *mod = malloc(sizeof(*mod));
    char err[600];
    assert_non_null(mod);
    assert_int_equal(scenario_model(sc, v, mod, err, sizeof(err)), 0);
    if (guard) {
        mod->cfg.guard = guard_lookup(guard);
        assert_non_null(mod->cfg.guard);
        for (int i = 0; i < mod->nnodes; i++)
            mod->node[i].cfg.guard = mod->cfg.guard;
    }
    assert_int_equal(sim_run(mod, seed, trace, m), 0);
    free(mod);
}

#endif
