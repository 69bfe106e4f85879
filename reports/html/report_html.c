/*
 * The report's pages (see report_html.h): index.html, styled inline and free
 * of scripts, and index.md with the same content for code review tools and
 * wikis. Both list, per scenario, what was simulated, a verdict table per
 * variant, the compare chart, the plotted cases, and every failure with its
 * seed, first overlap window and the command that replays it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../sim/base/mem.h"
#include "../junit.h"
#include "report_draw.h"
#include "report_html.h"
#include "safety_html.h"

/* HTML text: the same escaping as JUnit's XML serves (one implementation). */
static void esc(FILE *f, const char *s)
{
    junit_escape(f, s);
}

/* Markdown table cell: pipes escaped, line breaks flattened. */
static void mdc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1b1f24;max-width:1420px;margin:0 auto;padding:18px 28px 60px;background:#fff}"
    "h1{font-size:26px;margin:8px 0 4px}h2{font-size:21px;margin:34px 0 6px;padding-top:12px;"
    "border-top:2px solid #d0d7de}h3{font-size:17px;margin:26px 0 "
    "8px}h4{font-size:15px;margin:18px 0 6px}"
    ".muted{color:#57606a}.small{font-size:13px}"
    "table{border-collapse:collapse;margin:8px 0 14px;font-size:13.5px}"
    "th,td{border:1px solid #d0d7de;padding:4px 9px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-"
    "nums}"
    "tr:nth-child(even) td{background:#fbfcfd}"
    ".badge{display:inline-block;padding:1px "
    "8px;border-radius:10px;font-size:12.5px;font-weight:600;white-space:nowrap}"
    ".pass{background:#dafbe1;color:#116329}.fail{background:#ffebe9;color:#a40e26}"
    ".expected{background:#fff1e5;color:#953800}"
    "pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 10px;"
    "overflow-x:auto;font-size:13px;margin:4px 0 10px;white-space:pre-wrap;word-break:break-all}"
    "code{font-size:13px;background:#f6f8fa;padding:1px 4px;border-radius:4px}"
    "img{max-width:100%;height:auto;border:1px solid #e5e8eb;border-radius:4px;background:#fff}"
    "img.half{max-width:900px}"
    ".case{border:1px solid #d0d7de;border-radius:8px;padding:4px 16px 12px;margin:14px "
    "0;background:#fcfdfe}"
    ".links{font-size:12.5px;color:#57606a;margin:2px 0 10px}.links a{color:#0969da}"
    ".fails li{margin-bottom:10px}nav ul{columns:2;margin:4px 0}"
    "details summary{cursor:pointer;color:#0969da;margin:6px 0}"
    ".note{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px "
    "12px;margin:10px 0}";

static const char *verdict_class(const struct case_result *c)
{
    return c->verdict == VERDICT_FAIL ? "fail" : c->verdict == VERDICT_XFAIL ? "expected" : "pass";
}

static const char *verdict_text(const struct case_result *c)
{
    return c->verdict == VERDICT_FAIL ? "FAIL" : c->verdict == VERDICT_XFAIL ? "xfail" : "pass";
}

static char *ms(sim_time t, char *buf)
{
    return time_format(t / SIM_MS * SIM_MS, buf);
}

/* "00:03:30.000 .. 00:03:33.663: run 7 (app) and run 8 (app)" */
static char *window_text(const struct report_scenario *s, int variant,
                         const struct overlap_window *w, char *buf, size_t len)
{
    char a[TIME_FMT_LEN], b[TIME_FMT_LEN];
    struct model *m = mem_alloc(sizeof(*m));
    char err[300];
    const char *na = "", *nb = "";
    if (m && scenario_model(s->sc, variant, m, err, sizeof(err)) == 0) {
        if (w->node_a >= 0 && w->node_a < m->nnodes)
            na = m->node[w->node_a].name;
        if (w->node_b >= 0 && w->node_b < m->nnodes)
            nb = m->node[w->node_b].name;
    }
    snprintf(buf, len, "%s .. %s: run %" PRIu64 "%s%s%s and run %" PRIu64 "%s%s%s",
             time_format_clock(w->start, a), w->end >= 0 ? time_format_clock(w->end, b) : "the end",
             w->run_a, *na ? " (" : "", na, *na ? ")" : "", w->run_b, *nb ? " (" : "", nb,
             *nb ? ")" : "");
    mem_free(m);
    return buf;
}

/*
 * scenario.guards as run: when --guards chose others than the file lists,
 * v becomes the guards that ran and doc says so. True when it changed v.
 */
static bool guards_run(const struct report_scenario *s, char *v, char *doc, size_t doclen)
{
    char ran[600] = "";
    size_t n = 0;
    for (int g = 0; g < s->nguards && n < sizeof(ran); g++)
        n += (size_t)snprintf(ran + n, sizeof(ran) - n, "%s%s", g ? ", " : "", s->guard[g]->name);
    if (strcmp(ran, v) == 0)
        return false;
    snprintf(doc, doclen, "the guards that ran (--guards); the file lists %s", v);
    snprintf(v, 600, "%s", ran);
    return true;
}

/* Each node's clock (and the database's): what explains a lease or a cron run. */
static void clocks_html(FILE *f, FILE *md, const struct report_scenario *s)
{
    struct model *m = mem_alloc(sizeof(*m));
    char err[300];
    if (!m || scenario_model(s->sc, s->nvariants ? s->variant[0] : 0, m, err, sizeof(err)) != 0) {
        mem_free(m);
        return;
    }
    fputs("<p><b>Clocks</b> (offset from true time at the start, per node; a variant may change "
          "them):</p>\n<table><tr><th>clock</th><th>offset</th><th>jitter (per seed)</th>"
          "<th>drift</th></tr>\n",
          f);
    fputs("Clocks (offset from true time at the start):\n\n| clock | offset | jitter | drift |\n"
          "|---|---:|---:|---:|\n",
          md);
    for (int i = 0; i <= m->nnodes; i++) {
        const struct config *c = i < m->nnodes ? &m->node[i].cfg : &m->cfg;
        sim_time off = i < m->nnodes ? c->clock_offset : c->db_clock_offset;
        double drift = i < m->nnodes ? c->drift_ppm : c->db_drift_ppm;
        sim_time jit = i < m->nnodes ? c->clock_jitter : 0;
        char o[TIME_FMT_LEN + 1], j[TIME_FMT_LEN + 4], d[48];
        o[0] = off > 0 ? '+' : 0;
        o[1] = 0;
        time_format(off, o + (off > 0));
        if (jit > 0) {
            j[0] = 0;
            snprintf(j, sizeof(j), "±");
            time_format(jit, j + strlen(j));
        } else {
            snprintf(j, sizeof(j), "-");
        }
        snprintf(d, sizeof(d), drift != 0 ? "%+g ppm" : "-", drift);
        const char *name = i < m->nnodes ? m->node[i].name : "database";
        fputs("<tr><td>", f);
        esc(f, name);
        fprintf(f,
                "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td "
                "class=\"num\">%s</td></tr>\n",
                o, j, d);
        fprintf(md, "| %s | %s | %s | %s |\n", name, o, j, d);
    }
    fputs("</table>\n", f);
    fputs("\n", md);
    mem_free(m);
}

/* "pause on replica-1 after acquire, 3 times, in @gc-pause" */
static void fault_text(const struct fault_spec *fs, char *line, size_t len)
{
    char a[TIME_FMT_LEN], b[TIME_FMT_LEN], lat[200] = "", where[80], when[120] = "", in[160] = "";
    if (fs->latency.kind != DIST_NONE) {
        char d[180];
        dist_format(&fs->latency, d, sizeof(d));
        snprintf(lat, sizeof(lat), ", latency %s", d);
    }
    if (fs->node[0])
        snprintf(where, sizeof(where), "on %s%s", fs->node,
                 fs->target == FT_PROCESS ? " (its job's process)" : "");
    else if (fs->target == FT_DATABASE || fs->kind == FAULT_DB_OUTAGE ||
             fs->kind == FAULT_DB_CONTENTION || fs->kind == FAULT_DB_SLOW_REPLY)
        snprintf(where, sizeof(where), "on the database");
    else
        snprintf(where, sizeof(where), "on every node%s",
                 fs->target == FT_PROCESS ? " (the job's process)" : "");
    if (fs->point != POINT_NONE)
        snprintf(when, sizeof(when), " %s, from %s, %s", fault_point_name(fs->point),
                 time_format_clock(fs->at, a), fs->count ? "" : "every run that gets there");
    else
        snprintf(when, sizeof(when), " at %s", time_format_clock(fs->at, a));
    if (fs->point != POINT_NONE && fs->count)
        snprintf(when + strlen(when), sizeof(when) - strlen(when), "%d run%s", fs->count,
                 fs->count == 1 ? "" : "s");
    if (fs->point != POINT_NONE && fs->probability < 1)
        snprintf(when + strlen(when), sizeof(when) - strlen(when), " (each with probability %g)",
                 fs->probability);
    size_t n = 0;
    for (int v = 0; v < fs->nvariants && n < sizeof(in); v++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "%s@%s", v ? ", " : "; in ", fs->variants[v]);
    if (!fs->nvariants)
        snprintf(in, sizeof(in), "; in every variant");
    snprintf(line, len, "%s %s%s%s%s%s%s", fault_kind_name(fs->kind), where, when,
             fs->dur > 0 ? " for " : "", fs->dur > 0 ? time_format(fs->dur, b) : "", lat, in);
}

/* The keys whose values differ from the defaults: what this scenario is about. */
static void settings_html(FILE *f, FILE *md, const struct report_scenario *s)
{
    struct config def;
    config_defaults(&def);
    fputs("<table><tr><th>setting</th><th>value</th><th>meaning</th></tr>\n", f);
    fputs("| setting | value |\n|---|---|\n", md);
    for (const struct config_key *k = config_keys; k->name; k++) {
        char v[600], d[600], doc[900];
        config_get(&s->sc->base, k, v, sizeof(v));
        config_get(&def, k, d, sizeof(d));
        snprintf(doc, sizeof(doc), "%s", k->doc);
        const struct dist *dd = (const struct dist *)((const char *)&s->sc->base + k->offset);
        if (k->type == CT_DIST && dd->data) /* measured: where the durations came from */
            snprintf(doc, sizeof(doc), "from %.300s%s%.300s", dd->data->origin,
                     dd->data->note[0] ? "; " : "", dd->data->note);
        const struct override *cli = NULL;
        for (int i = 0; i < s->sc->ncli; i++)
            if (strcmp(s->sc->cli[i].key, k->name) == 0)
                cli = &s->sc->cli[i]; /* the last one wins, as in the model */
        if (cli) {
            snprintf(doc, sizeof(doc), "set on the command line (the file says %s); %s", v, k->doc);
            snprintf(v, sizeof(v), "%s", cli->value);
        }
        if (strcmp(k->name, "scenario.guards") == 0 && guards_run(s, v, doc, sizeof(doc)))
            cli = NULL; /* the guards that ran, whatever the file lists */
        else if (!cli && strcmp(v, d) == 0 && strcmp(k->name, "schedule.interval") != 0 &&
                 strcmp(k->name, "scenario.duration") != 0)
            continue;
        if (strcmp(k->name, "scenario.seeds") == 0)
            snprintf(v, sizeof(v), "%" PRIu64 "..%" PRIu64 "%s", s->seeds.from, s->seeds.to,
                     s->seeds.from == s->sc->base.seeds.from && s->seeds.to == s->sc->base.seeds.to
                         ? ""
                         : " (from the command line)");
        fputs("<tr><td><code>", f);
        esc(f, k->name);
        fputs("</code></td><td>", f);
        esc(f, v);
        fputs("</td><td class=\"muted small\">", f);
        esc(f, doc);
        fputs("</td></tr>\n", f);
        fprintf(md, "| `%s` | ", k->name);
        mdc(md, v);
        fputs(" |\n", md);
    }
    fputs("</table>\n", f);
    fputs("\n", md);

    if (s->sc->nvariants) {
        fputs("<p><b>Variants</b> (each overrides the settings above):</p><ul>\n", f);
        fputs("Variants:\n\n", md);
        for (int v = 0; v < s->sc->nvariants; v++) {
            const struct variant *var = &s->sc->variants[v];
            fputs("<li><b>", f);
            esc(f, var->name);
            fputs("</b>: ", f);
            fprintf(md, "- **%s**: ", var->name);
            for (int i = 0; i < var->count; i++) {
                const struct override *o = &s->sc->overrides[var->first + i];
                fputs(i ? ", <code>" : "<code>", f);
                esc(f, o->key);
                fputs(" = ", f);
                esc(f, o->value);
                fputs("</code>", f);
                fprintf(md, "%s`%s = %s`", i ? ", " : "", o->key, o->value);
            }
            if (!var->count) {
                fputs("(no overrides)", f);
                fputs("(no overrides)", md);
            }
            fputs("</li>\n", f);
            fputs("\n", md);
        }
        fputs("</ul>\n", f);
        fputs("\n", md);
    }
    clocks_html(f, md, s);
    if (s->sc->nfaults) {
        fputs("<p><b>Faults</b> on the timeline:</p><ul>\n", f);
        fputs("Faults:\n\n", md);
        for (int i = 0; i < s->sc->nfaults; i++) {
            char line[600];
            fault_text(&s->sc->fault[i], line, sizeof(line));
            fputs("<li>", f);
            esc(f, line);
            fputs("</li>\n", f);
            fprintf(md, "- %s\n", line);
        }
        fputs("</ul>\n", f);
        fputs("\n", md);
    }
}

#define EXTRA_MAX 8

/*
 * The metrics the scenario's expectations name (duplicates, lost items,
 * stale writes ...) beyond the table's fixed columns: the story of the
 * scenario is in them. Fills idx, returns how many.
 */
static int expectation_metrics(const struct scenario *sc, int *idx)
{
    static const char *const shown[] = {"max_concurrency", "overlaps",  "runs",
                                        "skipped",         "coalesced", NULL};
    int n = 0;
    for (int i = 0; i < sc->nexpect && n < EXTRA_MAX; i++) {
        int k = sc->expect[i].metric;
        bool dup = false;
        for (int j = 0; j < n; j++)
            dup |= idx[j] == k;
        for (int j = 0; shown[j]; j++)
            dup |= strcmp(metric_defs[k].name, shown[j]) == 0;
        if (!dup)
            idx[n++] = k;
    }
    return n;
}

/* A count as a whole number (56380, not 5.638e+04), a ratio to 4 digits. */
static char *metric_text(double v, char *buf)
{
    if (v == (double)(long long)v && fabs(v) < 1e15)
        snprintf(buf, 48, "%lld", (long long)v);
    else
        snprintf(buf, 48, "%.4g", v);
    return buf;
}

static void verdict_table(FILE *f, FILE *md, const struct report_scenario *s, int v)
{
    int extra[EXTRA_MAX], nextra = expectation_metrics(s->sc, extra);
    fputs("<table><tr><th>guard</th><th>verdict</th><th>unsafe seeds</th><th>runs</th>"
          "<th>skipped</th><th>coalesced</th><th>most at once</th><th>overlaps</th>"
          "<th>longest gap</th><th>lateness p99</th>",
          f);
    for (int i = 0; i < nextra; i++)
        fprintf(f, "<th title=\"%s (all seeds)\"><code>%s</code></th>", metric_defs[extra[i]].doc,
                metric_defs[extra[i]].name);
    fputs("<th>expectations not met</th></tr>\n", f);
    fputs("| guard | verdict | unsafe seeds | runs | skipped | coalesced | most at once | "
          "overlaps | longest gap | lateness p99 | ",
          md);
    for (int i = 0; i < nextra; i++)
        fprintf(md, "%s | ", metric_defs[extra[i]].name);
    fputs("expectations not met |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|", md);
    for (int i = 0; i < nextra; i++)
        fputs("---:|", md);
    fputs("---|\n", md);
    for (int g = 0; g < s->nguards; g++) {
        const struct case_result *c = &s->cases[v * s->nguards + g].res;
        const struct metrics *m = &c->agg;
        char gap[TIME_FMT_LEN], late[TIME_FMT_LEN], why[2048];
        verdict_failures(c, why, sizeof(why));
        ms(m->longest_gap, gap);
        ms(hist_quantile(&m->lateness, 0.99), late);
        fputs("<tr><td><b>", f);
        esc(f, c->guard->name);
        fprintf(f, "</b></td><td><span class=\"badge %s\">%s</span></td>", verdict_class(c),
                verdict_text(c));
        fprintf(f,
                "<td class=\"num\">%" PRIu64 " / %" PRIu64 "</td><td class=\"num\">%" PRIu64
                "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
                "</td><td class=\"num\">%d</td><td class=\"num\">%" PRIu64
                "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>",
                c->unsafe_seeds, c->nseeds, m->runs, m->skipped, m->coalesced, m->max_concurrency,
                m->overlaps, gap, late);
        for (int i = 0; i < nextra; i++) {
            char num[48];
            fprintf(f, "<td class=\"num\">%s</td>", metric_text(metric_value(m, extra[i]), num));
        }
        fputs("<td class=\"small\">", f);
        esc(f, why);
        fputs("</td></tr>\n", f);
        fprintf(md,
                "| %s | %s | %" PRIu64 " / %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
                " | %d | %" PRIu64 " | %s | %s | ",
                c->guard->name, verdict_text(c), c->unsafe_seeds, c->nseeds, m->runs, m->skipped,
                m->coalesced, m->max_concurrency, m->overlaps, gap, late);
        for (int i = 0; i < nextra; i++) {
            char num[48];
            fprintf(md, "%s | ", metric_text(metric_value(m, extra[i]), num));
        }
        mdc(md, why);
        fputs(" |\n", md);
    }
    fputs("</table>\n", f);
    fputs("\n", md);
}

static void links(FILE *f, const char *dir, const char *stem)
{
    fprintf(f,
            "<div class=\"links\"><a href=\"%s/%s.csv\">data (CSV)</a> · <a "
            "href=\"%s/%s.gp\">gnuplot script</a> (add svg to its formats for an SVG)</div>\n",
            dir, stem, dir, stem);
}

static void image(FILE *f, FILE *md, const char *dir, const char *stem, const char *alt)
{
    fprintf(f, "<a href=\"%s/%s.png\"><img loading=\"lazy\" src=\"%s/%s.png\" alt=\"", dir, stem,
            dir, stem);
    esc(f, alt);
    fputs("\"></a>\n", f);
    links(f, dir, stem);
    fprintf(md, "![%s](%s/%s.png)\n\n", alt, dir, stem);
}

static void case_plots(FILE *f, FILE *md, const struct report_scenario *s,
                       const struct report_case *c)
{
    const struct caseplot *cp = c->cp;
    char stem[400], win[300], t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    const char *vn = scenario_variant_name(s->sc, c->variant);
    fputs("<div class=\"case\"><h4>", f);
    esc(f, c->guard->name);
    fprintf(f, " <span class=\"badge %s\">%s</span> seed %" PRIu64 "</h4>\n",
            verdict_class(&c->res), verdict_text(&c->res), c->plot_seed);
    fprintf(md, "#### %s%s%s / %s, seed %" PRIu64 " (%s)\n\n", s->sc->base.name, *vn ? "@" : "", vn,
            c->guard->name, c->plot_seed, verdict_text(&c->res));
    if (cp->has_overlap) {
        window_text(s, c->variant, &cp->first, win, sizeof(win));
        fputs("<p>First overlap on this seed: <b>", f);
        esc(f, win);
        fputs("</b>.", f);
        fprintf(md, "First overlap on this seed: **%s**.", win);
    } else {
        fputs("<p>No overlap on this seed.", f);
        fputs("No overlap on this seed.", md);
    }
    if (cp->zoomed && cp->name[CP_TIMELINE_FULL][0]) {
        fprintf(f,
                " The timeline shows %s .. %s; the whole run is <a "
                "href=\"%s/%stimeline-full.png\">here</a>.",
                time_format_clock(cp->zoom_from, t1), time_format_clock(cp->zoom_to, t2), s->dir,
                c->prefix);
        fprintf(md, " The timeline shows %s .. %s; [the whole run](%s/%stimeline-full.png).", t1,
                t2, s->dir, c->prefix);
    } else if (cp->zoomed) {
        fprintf(f, " The timeline shows %s .. %s.", time_format_clock(cp->zoom_from, t1),
                time_format_clock(cp->zoom_to, t2));
        fprintf(md, " The timeline shows %s .. %s.", t1, t2);
    }
    fputs("</p>\n", f);
    fputs("\n\n", md);
    char replay[1024];
    case_replay(s->sc, &c->res, c->plot_seed, replay, sizeof(replay));
    fputs("<pre>", f);
    esc(f, replay);
    fputs("</pre>\n", f);
    fprintf(md, "```\n%s\n```\n\n", replay);
    static const char *const alt[CP_COUNT] = {"timeline", "the whole run", "runs at once",
                                              "run durations", "clock offsets"};
    for (int k = 0; k < CP_COUNT; k++) {
        if (!cp->name[k][0] || k == CP_TIMELINE_FULL)
            continue;
        if (k == CP_CLOCK && !cp->clock_data) {
            fprintf(f,
                    "<p class=\"muted small\">Clock offsets: this trace has no clock rows "
                    "(<a href=\"%s/%s.png\">empty plot</a>).</p>\n",
                    s->dir, cp->name[k]);
            fprintf(md, "Clock offsets: no clock rows in this trace ([empty plot](%s/%s.png)).\n\n",
                    s->dir, cp->name[k]);
            continue;
        }
        snprintf(stem, sizeof(stem), "%s", cp->name[k]);
        image(f, md, s->dir, stem, alt[k]);
    }
    fputs("</div>\n", f);
}

/* Failures and expected violations of a scenario, each with seed, window and replay. */
static void failures(FILE *f, FILE *md, const struct report_scenario *s, bool expected)
{
    int n = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const struct report_case *c = &s->cases[i];
        if (expected ? c->res.verdict != VERDICT_XFAIL : c->res.pass)
            continue;
        if (!n++) {
            if (expected) {
                fputs("<details><summary>Violations the scenario expects (guards that must fail "
                      "show it)</summary><ul class=\"fails\">\n",
                      f);
                fputs("Violations the scenario expects:\n\n", md);
            } else {
                fputs("<h3>Failures</h3><ul class=\"fails\">\n", f);
                fputs("### Failures\n\n", md);
            }
        }
        const char *vn = scenario_variant_name(s->sc, c->variant);
        char why[2048], replay[1024], win[300];
        uint64_t seed = report_case_seed(&c->res);
        verdict_failures(&c->res, why, sizeof(why));
        case_replay(s->sc, &c->res, seed, replay, sizeof(replay));
        fprintf(f, "<li><b>%s%s%s / ", s->sc->base.name, *vn ? "@" : "", vn);
        esc(f, c->guard->name);
        fputs("</b>", f);
        fprintf(md, "- **%s%s%s / %s**", s->sc->base.name, *vn ? "@" : "", vn, c->guard->name);
        if (!expected) {
            fputs(": ", f);
            esc(f, why);
            fprintf(md, ": %s", why);
        }
        fprintf(f, "<br>seed %" PRIu64, seed);
        fprintf(md, "; seed %" PRIu64, seed);
        if (c->res.violating_seeds && seed == c->res.first_violating_seed) {
            window_text(s, c->variant, &c->res.first_window, win, sizeof(win));
            fputs(", first overlap ", f);
            esc(f, win);
            fprintf(md, ", first overlap %s", win);
        }
        if (c->res.unsafe_seeds && seed == c->res.first_unsafe_seed) {
            fprintf(f, " (unsafe on %" PRIu64 " of %" PRIu64 " seeds: ", c->res.unsafe_seeds,
                    c->res.nseeds);
            esc(f, c->res.first_unsafe);
            fputs(")", f);
            fprintf(md, " (unsafe on %" PRIu64 " of %" PRIu64 " seeds: %s)", c->res.unsafe_seeds,
                    c->res.nseeds, c->res.first_unsafe);
        }
        fputs("<pre>", f);
        esc(f, replay);
        fputs("</pre></li>\n", f);
        fprintf(md, "\n\n  ```\n  %s\n  ```\n", replay);
    }
    if (n) {
        fputs(expected ? "</ul></details>\n" : "</ul>\n", f);
        fputs("\n", md);
    }
}

static void scenario_section(FILE *f, FILE *md, const struct report_scenario *s)
{
    const struct scenario *sc = s->sc;
    int pass = 0, fail = 0;
    for (size_t i = 0; i < s->ncases; i++)
        s->cases[i].res.pass ? pass++ : fail++;
    fprintf(f, "<h2 id=\"%s\">", s->dir);
    esc(f, sc->base.name);
    fprintf(f, " <span class=\"badge %s\">%d passed, %d failed</span></h2>\n",
            fail ? "fail" : "pass", pass, fail);
    fprintf(md, "## %s (%d passed, %d failed)\n\n", sc->base.name, pass, fail);
    fputs("<p>", f);
    esc(f, sc->description[0] ? sc->description : "(no description)");
    fputs("<br><span class=\"muted small\">file <code>", f);
    esc(f, sc->path);
    fputs("</code>", f);
    fprintf(md, "%s\n\nFile `%s`", sc->description[0] ? sc->description : "(no description)",
            sc->path);
    if (sc->source[0]) {
        fputs(", from <code>", f);
        esc(f, sc->source);
        fputs("</code>", f);
        fprintf(md, ", from `%s`", sc->source);
    }
    fputs("</span></p>\n", f);
    fputs("\n\n", md);
    fputs("<h3>What was simulated</h3>\n", f);
    fputs("### What was simulated\n\n", md);
    settings_html(f, md, s);
    failures(f, md, s, false);
    failures(f, md, s, true);
    for (int v = 0; v < s->nvariants; v++) {
        const char *vn = scenario_variant_name(sc, s->variant[v]);
        fprintf(f, "<h3>%s%s%s</h3>\n", sc->base.name, *vn ? "@" : "", vn);
        fprintf(md, "### %s%s%s\n\n", sc->base.name, *vn ? "@" : "", vn);
        verdict_table(f, md, s, v);
        if (s->compare[v][0])
            image(f, md, s->dir, s->compare[v], "guards compared");
        for (int g = 0; g < s->nguards; g++) {
            const struct report_case *c = &s->cases[v * s->nguards + g];
            if (c->plot && c->cp && c->cp->name[CP_TIMELINE][0])
                case_plots(f, md, s, c);
        }
    }
}

int report_html_write(const struct report *r, const char *dir, char *err, size_t errlen)
{
    char path[1400], mdpath[1400];
    snprintf(path, sizeof(path), "%s/index.html", dir);
    snprintf(mdpath, sizeof(mdpath), "%s/index.md", dir);
    FILE *f = fopen(path, "w"), *md = fopen(mdpath, "w");
    if (!f || !md) {
        int e = errno;
        if (f)
            fclose(f);
        if (md)
            fclose(md);
        snprintf(err, errlen, "cannot write the report: %s", strerror(e));
        return -e;
    }
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>overlapsim report</title>\n<style>%s</style></head><body>\n",
            css);
    fputs("<h1>overlapsim report</h1>\n", f);
    fputs("# overlapsim report\n\n", md);
    if (r->command) {
        fputs("<p class=\"muted\">Made by <code>", f);
        esc(f, r->command);
        fputs("</code>. Every number below comes from the simulator: the same command gives the "
              "same report.</p>\n",
              f);
        fprintf(md, "Made by `%s`.\n\n", r->command);
    }
    fprintf(f,
            "<p>Cases: <span class=\"badge %s\">%d passed, %d failed</span> "
            "(one case = one guard in one variant of a scenario, over all its seeds). "
            "A guard whose expectations say it must break, and that did, shows "
            "<span class=\"badge expected\">xfail</span>.</p>\n",
            r->failed ? "fail" : "pass", r->passed, r->failed);
    fprintf(md,
            "Cases: **%d passed, %d failed** (one case = one guard in one variant of a "
            "scenario, over all its seeds).\n\n",
            r->passed, r->failed);
    if (r->render_error == -ENOENT) {
        fputs("<div class=\"note\">gnuplot was not found, so the plots were not drawn: their "
              "data and scripts are here; install gnuplot-nox and run <code>gnuplot NAME.gp</code> "
              "in a scenario's directory.</div>\n",
              f);
        fputs("> gnuplot was not found: the plots' data and scripts are here, not the images.\n\n",
              md);
    }
    safety_html_write(f, md, r); /* the first table: which guard is safe where */
    fputs("<table><tr><th>scenario</th><th>cases</th><th>failed</th><th>unsafe cases</th>"
          "<th>about</th></tr>\n",
          f);
    fputs("| scenario | cases | failed | unsafe cases | about |\n|---|---:|---:|---:|---|\n", md);
    for (int k = 0; k < r->n; k++) {
        const struct report_scenario *s = &r->s[k];
        int fail = 0, viol = 0;
        for (size_t i = 0; i < s->ncases; i++) {
            fail += !s->cases[i].res.pass;
            viol += s->cases[i].res.unsafe_seeds > 0;
        }
        fprintf(f, "<tr><td><a href=\"#%s\">", s->dir);
        esc(f, s->sc->base.name);
        fprintf(f,
                "</a></td><td class=\"num\">%zu</td><td class=\"num\">%s%d%s</td><td "
                "class=\"num\">%d</td><td class=\"small\">",
                s->ncases, fail ? "<b style=\"color:#a40e26\">" : "", fail, fail ? "</b>" : "",
                viol);
        esc(f, s->sc->description);
        fputs("</td></tr>\n", f);
        fprintf(md, "| [%s](#%s) | %zu | %d | %d | ", s->sc->base.name, s->dir, s->ncases, fail,
                viol);
        mdc(md, s->sc->description);
        fputs(" |\n", md);
    }
    fputs("</table>\n", f);
    fputs("\n", md);
    for (int k = 0; k < r->n; k++)
        scenario_section(f, md, &r->s[k]);
    fputs("<p class=\"muted small\" style=\"margin-top:40px\">Each plot links its SVG, its data "
          "(CSV) and its gnuplot script: edit the script and run <code>gnuplot NAME.gp</code> in "
          "its directory to restyle it. <code>index.md</code> holds this page as Markdown.</p>\n"
          "</body></html>\n",
          f);
    int bad = ferror(f) || ferror(md);
    bad |= fclose(f) != 0;
    bad |= fclose(md) != 0;
    if (bad) {
        snprintf(err, errlen, "cannot write the report: %s", strerror(errno ? errno : EIO));
        return -EIO;
    }
    return 0;
}
