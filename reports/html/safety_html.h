/*
 * The report's first table: safety, guard x variant, for every scenario.
 * Rows are guards, columns variants, cells SAFE or UNSAFE k/N with the
 * verdict beside it when it is xfail (the scenario says the guard must
 * break) or FAIL. One <table id="safety"> in HTML, one Markdown table per
 * scenario in index.md.
 */
#ifndef REPORTS_SAFETY_HTML_H
#define REPORTS_SAFETY_HTML_H

#include <stdio.h>

#include "../../sim/analyses/report.h"

/* Writes the matrix of r's finished cases to f (HTML) and md (Markdown). */
void safety_html_write(FILE *f, FILE *md, const struct report *r);

#endif
