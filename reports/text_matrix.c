/*
 * The guard x variant safety matrix that opens compare and check, and the
 * line that says --seeds replaced a scenario's own range (see text_out.h).
 * The matrix answers "which guard is safe where" before any detail: rows
 * guards, columns variants, cells SAFE or UNSAFE k/N, with xfail (the
 * scenario expects this guard to break) or FAIL beside the safety.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "text_out.h"

static void text_cell_format(const struct text_cell *c, char *buf, size_t len)
{
    if (!c->set) {
        snprintf(buf, len, "-");
        return;
    }
    int n = c->unsafe_seeds
                ? snprintf(buf, len, "UNSAFE %" PRIu64 "/%" PRIu64, c->unsafe_seeds, c->nseeds)
                : snprintf(buf, len, "SAFE");
    if (c->verdict != VERDICT_PASS && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " %s", text_verdict(c->verdict));
}

void text_matrix(FILE *f, const struct scenario *sc, const int *vs, int nv,
                 const struct guard_ops *const *gs, int ng, const struct text_cell *cells)
{
    char cell[64];
    int gw = 5;
    for (int g = 0; g < ng; g++)
        if ((int)strlen(gs[g]->name) > gw)
            gw = (int)strlen(gs[g]->name);
    fprintf(f,
            "%s: safety, guard x variant (xfail: the scenario expects it to break; FAIL: an "
            "expectation does not hold)\n",
            sc->base.name);
    int *w = calloc((size_t)nv, sizeof(*w));
    if (!w)
        return;
    for (int v = 0; v < nv; v++) {
        const char *name = scenario_variant_name(sc, vs[v]);
        w[v] = (int)strlen(*name ? name : "base");
        for (int g = 0; g < ng; g++) {
            text_cell_format(&cells[v * ng + g], cell, sizeof(cell));
            if ((int)strlen(cell) > w[v])
                w[v] = (int)strlen(cell);
        }
    }
    fprintf(f, "  %-*s", gw, "guard");
    for (int v = 0; v < nv; v++) {
        const char *name = scenario_variant_name(sc, vs[v]);
        fprintf(f, "  %-*s", v + 1 < nv ? w[v] : 0, *name ? name : "base");
    }
    fputc('\n', f);
    for (int g = 0; g < ng; g++) {
        fprintf(f, "  %-*s", gw, gs[g]->name);
        for (int v = 0; v < nv; v++) {
            text_cell_format(&cells[v * ng + g], cell, sizeof(cell));
            fprintf(f, "  %-*s", v + 1 < nv ? w[v] : 0, cell);
        }
        fputc('\n', f);
    }
    free(w);
}

void text_matrix_seeds_note(FILE *f, const struct seed_range *run, const struct scenario *const *sc,
                            int nsc)
{
    /* the scenarios' own ranges that differ from the run's, each once */
    char ranges[512] = "";
    int differ = 0;
    for (int i = 0; i < nsc; i++) {
        struct seed_range own = sc[i]->base.seeds;
        if (own.from == run->from && own.to == run->to)
            continue;
        char r[64];
        snprintf(r, sizeof(r), "%" PRIu64 "..%" PRIu64, own.from, own.to);
        differ++;
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = sc[k]->base.seeds.from == own.from && sc[k]->base.seeds.to == own.to;
        if (seen)
            continue;
        size_t n = strlen(ranges);
        snprintf(ranges + n, sizeof(ranges) - n, "%s%s", n ? ", " : "", r);
    }
    if (!differ)
        return;
    fprintf(f,
            "seeds %" PRIu64 "..%" PRIu64 " (--seeds) instead of the %s own scenario.seeds %s: "
            "some. lines are judged over these %" PRIu64 " seeds\n",
            run->from, run->to, nsc > 1 ? "scenarios'" : "scenario's", ranges,
            run->to - run->from + 1);
}
