/*
 * The report's pages: index.html, styled inline and free of scripts, and
 * index.md with the same content for code review tools and wikis, from the
 * finished cases and the plots drawn (report_draw.h). The page holds no date
 * or host name: the same inputs give the same bytes.
 */
#ifndef REPORTS_REPORT_HTML_H
#define REPORTS_REPORT_HTML_H

#include <stddef.h>

#include "../../sim/analyses/report.h"

/* Writes dir/index.html and dir/index.md. Returns 0 or a negative errno with err. */
int report_html_write(const struct report *r, const char *dir, char *err, size_t errlen);

#endif
