/*
 * The battery's page (see battery_html.h): styled inline, free of scripts.
 * A matrix whose cells link to the timeline of their first unsafe seed,
 * then one section per UNSAFE cell with its reason, replay and timeline,
 * then the failures with what each does and where it was seen.
 */
#include "battery_html.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "../junit.h"

static void esc(FILE *f, const char *s)
{
    junit_escape(f, s);
}

static const char css[] =
    "body{font:14px/1.45 system-ui,sans-serif;color:#1b1f24;margin:0 auto;padding:18px 28px;"
    "max-width:1800px}table{border-collapse:collapse;font-size:12.5px}"
    "th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:center;vertical-align:middle}"
    "th{background:#f6f8fa}th.g{text-align:left}td.safe{background:#dafbe1;color:#116329}"
    "td.unsafe{background:#ffebe9;color:#a40e26;font-weight:600}td.na{color:#8c959f}"
    "td.miss{background:#fff8c5}.p{font-size:11px;color:#57606a;font-weight:400}"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;padding:6px 8px;white-space:pre-wrap;"
    "word-break:break-all}img{max-width:100%;border:1px solid #e5e8eb}"
    ".case{border:1px solid #d0d7de;border-radius:8px;padding:2px 14px 10px;margin:12px 0}";

static void cell_td(FILE *f, const struct battery_view *v, int idx)
{
    const struct battery_cell *c = v->cell;
    if (!c->applies) {
        fputs("<td class=\"na\" title=\"", f);
        esc(f, c->what);
        fputs("\">n/a</td>", f);
        return;
    }
    bool missed = c->hit_seeds < c->nseeds;
    if (c->unsafe_seeds) {
        fprintf(f, "<td class=\"unsafe\"><a href=\"#c%d\">UNSAFE %" PRIu64 "/%" PRIu64 "</a></td>",
                idx, c->unsafe_seeds, c->nseeds);
        return;
    }
    fprintf(f, "<td class=\"%s\" title=\"", missed ? "miss" : "safe");
    esc(f, c->what);
    fprintf(f, "\">SAFE%s<br><span class=\"p\">gap %.1f &middot; %.2f/period</span></td>",
            missed ? "?" : "", c->max_gap_periods, c->runs_per_period);
}

int battery_html_write(FILE *f, const struct scenario *sc, const struct battery_view *views, int ng,
                       int nf, const char *seeds)
{
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>battery: ", f);
    esc(f, sc->base.name);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>Failure battery: ", css);
    esc(f, sc->base.name);
    fputs("</h1>\n<p>", f);
    esc(f, sc->path);
    fputs(" &mdash; ", f);
    esc(f, sc->description);
    fputs(", seeds ", f);
    esc(f, seeds);
    fputs(".</p>\n<p>Rows: guards; columns: failures. <b>SAFE</b>: at most "
          "max_concurrency at once, no duplicate, no lost item, no accepted stale write on every "
          "seed, with the price: the longest gap in periods and runs per period. "
          "<b>SAFE?</b>: the failure did not reach a holder on every seed. "
          "<b>n/a</b>: the failure cannot apply (hover for why).</p>\n<table><tr><th></th>",
          f);
    for (int j = 0; j < nf; j++) {
        fputs("<th>", f);
        esc(f, battery_failure_get(views[j].cell->failure)->name);
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (int i = 0; i < ng; i++) {
        fputs("<tr><th class=\"g\">", f);
        esc(f, views[i * nf].cell->guard->name);
        fputs("</th>", f);
        for (int j = 0; j < nf; j++)
            cell_td(f, &views[i * nf + j], i * nf + j);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<h2>UNSAFE cells</h2>\n", f);
    for (int k = 0; k < ng * nf; k++) {
        const struct battery_view *v = &views[k];
        const struct battery_cell *c = v->cell;
        if (!c->applies || !c->unsafe_seeds)
            continue;
        fprintf(f, "<div class=\"case\" id=\"c%d\"><h3>", k);
        esc(f, c->guard->name);
        fputs(" &times; ", f);
        esc(f, battery_failure_get(c->failure)->name);
        fprintf(f, ": UNSAFE %" PRIu64 "/%" PRIu64 "</h3>\n<p>", c->unsafe_seeds, c->nseeds);
        esc(f, c->what);
        fprintf(f, ". First unsafe seed %" PRIu64 ": ", c->first_unsafe_seed);
        esc(f, c->reason);
        fputs(".</p>\n<pre>", f);
        esc(f, v->replay);
        fputs("</pre>\n", f);
        if (v->scenario && *v->scenario) {
            fputs("<p>Explicit scenario: <a href=\"", f);
            esc(f, v->scenario);
            fputs("\">", f);
            esc(f, v->scenario);
            fputs("</a></p>\n", f);
        }
        if (v->timeline && *v->timeline) {
            fputs("<img src=\"", f);
            esc(f, v->timeline);
            fputs("\" alt=\"timeline\">\n", f);
        }
        fputs("</div>\n", f);
    }
    fputs("<h2>The failures</h2>\n<table><tr><th>name</th><th>the failure</th><th>how</th>"
          "<th>seen in the wild</th></tr>\n",
          f);
    for (int j = 0; j < nf; j++) {
        const struct battery_failure *bf = battery_failure_get(views[j].cell->failure);
        const char *cols[] = {bf->name, bf->what, bf->how, bf->seen};
        fputs("<tr>", f);
        for (int c = 0; c < 4; c++) {
            fputs("<td class=\"g\" style=\"text-align:left\">", f);
            esc(f, cols[c]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n</body></html>\n", f);
    return ferror(f) ? -EIO : 0;
}
