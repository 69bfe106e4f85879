/*
 * Plain numbers in scenario files: finite decimals only (no "nan", "inf",
 * "0x10", nothing that overflows), and the shortest text that reads back to
 * the same double, so a value written by model_write parses to what was read.
 */
#ifndef SIM_NUM_H
#define SIM_NUM_H

#include <stddef.h>

/*
 * Parses s whole: [+-]digits[.digits][e[+-]digits] (or .digits). Returns 0,
 * or -EINVAL for anything else or a value out of double's range (1e400, and
 * 1e-400, which would read as 0).
 */
int num_parse_decimal(const char *s, double *out);

/* The shortest "%.Ng" text of v that num_parse_decimal reads back to v. Returns buf. */
char *num_format(double v, char *buf, size_t len);

#endif
