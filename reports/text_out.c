/* Text rendering of metrics for the terminal (see text_out.h). */
#include "text_out.h"

#include <inttypes.h>
#include <string.h>

char *text_window(const struct scenario *sc, const struct overlap_window *w, char *buf, size_t len)
{
    char a[TIME_FMT_LEN], b[TIME_FMT_LEN], na[32], nb[32];
    snprintf(buf, len, "%s .. %s: run %" PRIu64 " (%s) and run %" PRIu64 " (%s)",
             time_format_clock(w->start, a), time_format_clock(w->end, b), w->run_a,
             scenario_node_name(sc, w->node_a, na, sizeof(na)), w->run_b,
             scenario_node_name(sc, w->node_b, nb, sizeof(nb)));
    return buf;
}

void text_metrics(FILE *f, const struct scenario *sc, const struct metrics *m)
{
    char t1[TIME_FMT_LEN], t2[TIME_FMT_LEN], t3[TIME_FMT_LEN];
    fprintf(f,
            "  triggers %" PRIu64 "   runs %" PRIu64 "   skipped %" PRIu64 "   coalesced %" PRIu64
            "   manual %" PRIu64 "\n",
            m->triggers, m->runs, m->skipped, m->coalesced, m->manual);
    fprintf(f, "  concurrency max %d   overlaps %" PRIu64 " (%s overlapping)\n", m->max_concurrency,
            m->overlaps, time_format(m->overlap_time / SIM_MS * SIM_MS, t1));
    if (m->nwindows) {
        char w[200];
        fprintf(f, "  first overlap %s\n", text_window(sc, &m->window[0], w, sizeof(w)));
    }
    fprintf(f, "  runs/period %.2f   effective period %s   longest gap %s\n",
            metric_value(m, metric_find("runs_per_period")),
            time_format(
                (sim_time)(metric_value(m, metric_find("effective_period_s")) * 1e3) * SIM_MS, t1),
            time_format(m->longest_gap / SIM_MS * SIM_MS, t2));
    fprintf(f, "  lateness p50 %s   p99 %s   max %s\n",
            time_format(hist_quantile(&m->lateness, 0.5) / SIM_MS * SIM_MS, t1),
            time_format(hist_quantile(&m->lateness, 0.99) / SIM_MS * SIM_MS, t2),
            time_format((m->lateness.count ? m->lateness.max : 0) / SIM_MS * SIM_MS, t3));
    fprintf(f, "  duration p50 %s   p99 %s   max %s   longer than interval %" PRIu64 " (%.1f%%)\n",
            time_format(hist_quantile(&m->cycle, 0.5) / SIM_MS * SIM_MS, t1),
            time_format(hist_quantile(&m->cycle, 0.99) / SIM_MS * SIM_MS, t2),
            time_format((m->cycle.count ? m->cycle.max : 0) / SIM_MS * SIM_MS, t3), m->long_cycles,
            100.0 * metric_value(m, metric_find("long_cycle_ratio")));
    text_exports(f, m);
}

const char *text_verdict(enum case_verdict v)
{
    return v == VERDICT_FAIL ? "FAIL" : v == VERDICT_XFAIL ? "xfail" : "pass";
}

char *text_some_unjudged(const struct case_result *c, char *buf, size_t len)
{
    buf[0] = 0;
    for (int i = 0; i < c->nexpect; i++) {
        if (c->st[i].e->mode != EXPECT_SOME)
            continue;
        char t[128];
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s%s", n ? "; " : "", expect_format(c->st[i].e, t, sizeof(t)));
    }
    return buf;
}
