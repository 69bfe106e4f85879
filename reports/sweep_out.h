/*
 * The rows of a parameter sweep (sim/analyses/sweep.h runs them) as the
 * sweep command writes them: one CSV row or one compact JSON object per
 * unit, with the varied keys' values, the metrics, the verdict and the
 * replay command. A shard's rows are exactly its part of the whole run's.
 */
#ifndef REPORTS_SWEEP_OUT_H
#define REPORTS_SWEEP_OUT_H

#include <stdio.h>

#include "../sim/analyses/sweep.h"

/* The CSV header and one row: index,units,scenario,variant,guard,KEYS...,seed,METRICS...,... */
void sweep_out_csv_header(FILE *f, const struct sweep *sw);
void sweep_out_csv_row(FILE *f, const struct sweep *sw, const struct sweep_row *row);

/* One JSON object (compact, one line) for a row. */
void sweep_out_json_row(FILE *f, const struct sweep *sw, const struct sweep_row *row);

#endif
