/*
 * Writes a model back out as a scenario file: every key explicit, faults in
 * their own sections. What explore and shrink hand to the user as a ready
 * regression case.
 */
#ifndef SIM_MODEL_WRITE_H
#define SIM_MODEL_WRITE_H

#include <stdio.h>

#include "model.h"

/* Writes m to f, preceded by comment (";"-prefixed lines, may be NULL).
 * Returns 0 or -EIO. */
int model_write(const struct model *m, FILE *f, const char *comment);

#endif
