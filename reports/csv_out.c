/* CSV rows for seeds and cases (see csv_out.h). */
#include "csv_out.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_number(FILE *f, double v)
{
    if (isnan(v))
        return;
    if (v == (double)(long long)v && fabs(v) < 1e15)
        fprintf(f, "%lld", (long long)v);
    else
        fprintf(f, "%.9g", v);
}

void csv_metric_columns(FILE *f)
{
    for (int i = 0; metric_defs[i].name; i++)
        fprintf(f, "%s%s", i ? "," : "", metric_defs[i].name);
}

static void metric_cells(FILE *f, const struct metrics *m)
{
    for (int i = 0; metric_defs[i].name; i++) {
        fputc(',', f);
        csv_number(f, metric_value(m, i));
    }
}

void csv_seed_header(FILE *f)
{
    fputs("scenario,variant,guard,seed,simulated_s,", f);
    csv_metric_columns(f);
    fputs(",violation,safe,unsafe_seeds,verdict,failed,first_overlap_start_s,first_overlap_end_s,"
          "replay\n",
          f);
}

static void window_cells(FILE *f, const struct overlap_window *w)
{
    fputc(',', f);
    if (w)
        csv_number(f, time_to_sec(w->start));
    fputc(',', f);
    if (w && w->end >= 0)
        csv_number(f, time_to_sec(w->end));
}

void csv_seed_row(FILE *f, const struct scenario *sc, const struct case_result *c,
                  const struct seed_outcome *o)
{
    char replay[1024];
    csv_field(f, sc->base.name);
    fputc(',', f);
    csv_field(f, scenario_variant_name(sc, c->variant));
    fputc(',', f);
    csv_field(f, c->guard->name);
    fprintf(f, ",%" PRIu64 ",", o->m->seed);
    csv_number(f, time_to_sec(o->m->duration));
    metric_cells(f, o->m);
    fprintf(f, ",%s,%s,%d,%s,", o->violation ? "yes" : "no", o->safe ? "true" : "false", !o->safe,
            verdict_name(o->verdict));
    csv_field(f, o->failed);
    window_cells(f, o->m->nwindows ? &o->m->window[0] : NULL);
    fputc(',', f);
    csv_field(f, case_replay(sc, c, o->m->seed, replay, sizeof(replay)));
    fputc('\n', f);
}

void csv_case_header(FILE *f)
{
    fputs("scenario,variant,guard,seeds,seed_from,seed_to,simulated_s,", f);
    csv_metric_columns(f);
    fputs(",violating_seeds,safe,unsafe_seeds,first_unsafe_seed,verdict,failed,"
          "first_violating_seed,first_overlap_start_s,first_overlap_end_s,replay\n",
          f);
}

void csv_case_row(FILE *f, const struct scenario *sc, const struct case_result *c)
{
    char failed[2048], replay[1024];
    csv_field(f, sc->base.name);
    fputc(',', f);
    csv_field(f, scenario_variant_name(sc, c->variant));
    fputc(',', f);
    csv_field(f, c->guard->name);
    fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", c->nseeds, c->seeds.from, c->seeds.to);
    csv_number(f, time_to_sec(c->agg.duration));
    metric_cells(f, &c->agg);
    fprintf(f, ",%" PRIu64 ",%s,%" PRIu64 ",", c->violating_seeds, c->safe ? "true" : "false",
            c->unsafe_seeds);
    if (c->unsafe_seeds)
        fprintf(f, "%" PRIu64, c->first_unsafe_seed);
    fprintf(f, ",%s,", verdict_name(c->verdict));
    csv_field(f, verdict_failures(c, failed, sizeof(failed)));
    fputc(',', f);
    if (c->violating_seeds)
        fprintf(f, "%" PRIu64, c->first_violating_seed);
    window_cells(f, c->violating_seeds ? &c->first_window : NULL);
    fputc(',', f);
    if (c->unsafe_seeds || !c->pass)
        csv_field(f, case_replay(sc, c, case_replay_seed(c), replay, sizeof(replay)));
    fputc('\n', f);
}

int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            char *w = ++p;
            fields[n++] = w;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = 0; /* safe: w <= the closing quote's position */
            if (*p != ',' && *p)
                return -1;
        } else {
            fields[n++] = p;
            p += strcspn(p, ",");
        }
        if (!*p)
            return n;
        *p++ = 0;
    }
}
