/*
 * CSV output of run, compare, check and sweep (RFC 4180: comma separated,
 * a field quoted only when it holds a comma, quote or line break). The
 * metric columns are metric_defs in table order under the same names as the
 * JSON keys, so a script can switch formats without renaming anything.
 */
#ifndef REPORTS_CSV_OUT_H
#define REPORTS_CSV_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "../sim/scenario/scenario.h"
#include "../sim/analyses/case.h"

/* Writes s as one CSV field (no separator). NULL writes an empty field. */
void csv_field(FILE *f, const char *s);

/* Writes a number as a CSV field: integers without a fraction, others with %.9g. */
void csv_number(FILE *f, double v);

/* Header and rows of run (one row per seed). */
void csv_seed_header(FILE *f);
void csv_seed_row(FILE *f, const struct scenario *sc, const struct case_result *c,
                  const struct seed_outcome *o);

/* Header and rows of compare and check (one row per case, seeds aggregated). */
void csv_case_header(FILE *f);
void csv_case_row(FILE *f, const struct scenario *sc, const struct case_result *c);

/* The metric column names, comma-separated, as in the headers (for docs and tests). */
void csv_metric_columns(FILE *f);

/*
 * Splits one CSV record (no trailing newline) in place into at most max
 * fields, unquoting them. Returns the field count, or -1 for a malformed
 * line (an unclosed quote) or more than max fields.
 */
int csv_split(char *line, char **fields, int max);

#endif
