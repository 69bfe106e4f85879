/*
 * JSON output of run, compare and check (jansson). Key names are an
 * interface: scripts read them. Every metric of metric_defs appears under
 * its own name; README.md lists them.
 */
#ifndef REPORTS_JSON_OUT_H
#define REPORTS_JSON_OUT_H

#include <jansson.h>

#include "../sim/scenario/scenario.h"
#include "../sim/analyses/case.h"

/* One seed of a case: scenario, variant, guard, seed, metrics, verdict, failed. New reference. */
json_t *json_seed(const struct scenario *sc, const struct case_result *c,
                  const struct seed_outcome *o);

/* A whole case (aggregated over its seeds). New reference. */
json_t *json_case(const struct scenario *sc, const struct case_result *c);

/* Adds delivery, duplicate_writes and consumers to o when m has exports (json_exports.c). */
void json_exports_put(json_t *o, const struct metrics *m);

/* Prints obj compactly on one line to stdout and drops the reference. */
void json_print_line(json_t *obj);

#endif
