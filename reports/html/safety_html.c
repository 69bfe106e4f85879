/* The guard x variant safety matrix of the report (see safety_html.h). */
#include "safety_html.h"

#include <inttypes.h>

#include "../junit.h"

/* "SAFE", "UNSAFE 3/20", then " xfail" or " FAIL" when the verdict is not a plain pass. */
static void safety_cell_text(const struct case_result *c, char *buf, size_t len)
{
    int n = c->unsafe_seeds
                ? snprintf(buf, len, "UNSAFE %" PRIu64 "/%" PRIu64, c->unsafe_seeds, c->nseeds)
                : snprintf(buf, len, "SAFE");
    if (c->verdict != VERDICT_PASS && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " %s", c->verdict == VERDICT_FAIL ? "FAIL" : "xfail");
}

static const char *safety_cell_class(const struct case_result *c)
{
    return c->verdict == VERDICT_FAIL ? "fail" : c->unsafe_seeds ? "expected" : "pass";
}

void safety_html_write(FILE *f, FILE *md, const struct report *r)
{
    int width = 1;
    for (int k = 0; k < r->n; k++)
        if (r->s[k].nvariants > width)
            width = r->s[k].nvariants;
    fputs(
        "<h2 id=\"safety-matrix\">Safety, guard x variant</h2>\n"
        "<p class=\"small muted\">Safety comes from the invariants alone (at most "
        "<code>scenario.max_concurrency</code> runs at once, no duplicate or lost export, no stale "
        "write accepted): SAFE, or UNSAFE on k of N seeds. <b>xfail</b>: the scenario says this "
        "guard must break, and it did; <b>FAIL</b>: an expectation does not hold.</p>\n",
        f);
    fputs("## Safety, guard x variant\n\n"
          "SAFE, or UNSAFE on k of N seeds, from the invariants alone; xfail: the scenario says "
          "the guard must break, and it did; FAIL: an expectation does not hold.\n\n",
          md);
    fputs("<table id=\"safety\">\n", f);
    for (int k = 0; k < r->n; k++) {
        const struct report_scenario *s = &r->s[k];
        fputs("<tbody><tr><th>", f);
        junit_escape(f, s->sc->base.name);
        fprintf(md, "**%s**\n\n| guard |", s->sc->base.name);
        for (int v = 0; v < s->nvariants; v++) {
            const char *vn = scenario_variant_name(s->sc, s->variant[v]);
            fputs("</th><th>", f);
            junit_escape(f, *vn ? vn : "base");
            fprintf(md, " %s |", *vn ? vn : "base");
        }
        for (int v = s->nvariants; v < width; v++)
            fputs("</th><th>", f);
        fputs("</th></tr>\n", f);
        fputs("\n|---|", md);
        for (int v = 0; v < s->nvariants; v++)
            fputs("---|", md);
        fputs("\n", md);
        for (int g = 0; g < s->nguards; g++) {
            fputs("<tr><td><b>", f);
            junit_escape(f, s->guard[g]->name);
            fputs("</b></td>", f);
            fprintf(md, "| %s |", s->guard[g]->name);
            for (int v = 0; v < s->nvariants; v++) {
                const struct case_result *c = &s->cases[v * s->nguards + g].res;
                char cell[64];
                safety_cell_text(c, cell, sizeof(cell));
                fprintf(f, "<td><span class=\"badge %s\">%s</span></td>", safety_cell_class(c),
                        cell);
                fprintf(md, " %s |", cell);
            }
            for (int v = s->nvariants; v < width; v++)
                fputs("<td></td>", f);
            fputs("</tr>\n", f);
            fputs("\n", md);
        }
        fputs("</tbody>\n", f);
        fputs("\n", md);
    }
    fputs("</table>\n", f);
}
