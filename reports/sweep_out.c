/* Sweep rows as CSV and JSON Lines (see sweep_out.h). */
#include "sweep_out.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/check/metrics.h"
#include "csv_out.h"

void sweep_out_csv_header(FILE *f, const struct sweep *sw)
{
    fputs("index,units,scenario,variant,guard", f);
    for (int i = 0; i < sw->nkeys; i++) {
        fputc(',', f);
        csv_field(f, sw->k[i].key);
    }
    fputs(",seed,", f);
    csv_metric_columns(f);
    fputs(",violation,verdict,failed,first_overlap_start_s,first_overlap_end_s,replay\n", f);
}

void sweep_out_csv_row(FILE *f, const struct sweep *sw, const struct sweep_row *r)
{
    const struct scenario *sc = sw->wsc[0];
    fprintf(f, "%" PRIu64 ",%" PRIu64 ",", r->index, sw->units);
    csv_field(f, sc->base.name);
    fputc(',', f);
    csv_field(f, scenario_variant_name(sc, sw->variant));
    fputc(',', f);
    csv_field(f, sw->guard[r->guard]->name);
    for (int i = 0; i < sw->nkeys; i++) {
        fputc(',', f);
        csv_field(f, sw->k[i].text[sweep_point_value(sw, r->point, i)]);
    }
    fprintf(f, ",%" PRIu64, r->seed);
    int nm = sweep_metric_count();
    for (int i = 0; i < nm; i++) {
        fputc(',', f);
        if (!r->invalid)
            csv_number(f, r->metric[i]);
    }
    fprintf(f, ",%s,%s,",
            r->invalid     ? ""
            : r->violation ? "yes"
                           : "no",
            r->invalid ? "invalid"
            : r->pass  ? "pass"
                       : "fail");
    csv_field(f, r->failed);
    fputc(',', f);
    if (r->has_first)
        csv_number(f, time_to_sec(r->first.start));
    fputc(',', f);
    if (r->has_first && r->first.end >= 0)
        csv_number(f, time_to_sec(r->first.end));
    fputc(',', f);
    if (!r->invalid)
        csv_field(f, r->replay);
    fputc('\n', f);
}

static json_t *number(double v)
{
    if (v == (double)(long long)v && fabs(v) < 1e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

void sweep_out_json_row(FILE *f, const struct sweep *sw, const struct sweep_row *r)
{
    const struct scenario *sc = sw->wsc[0];
    json_t *j = json_object(), *set = json_object(), *failed = json_array();
    json_object_set_new(j, "index", json_integer((json_int_t)r->index));
    json_object_set_new(j, "units", json_integer((json_int_t)sw->units));
    json_object_set_new(j, "scenario", json_string(sc->base.name));
    json_object_set_new(j, "variant", json_string(scenario_variant_name(sc, sw->variant)));
    json_object_set_new(j, "guard", json_string(sw->guard[r->guard]->name));
    for (int i = 0; i < sw->nkeys; i++)
        json_object_set_new(set, sw->k[i].key,
                            json_string(sw->k[i].text[sweep_point_value(sw, r->point, i)]));
    json_object_set_new(j, "settings", set);
    json_object_set_new(j, "seed", json_integer((json_int_t)r->seed));
    int nm = sweep_metric_count();
    for (int i = 0; i < nm && !r->invalid; i++)
        json_object_set_new(j, metric_defs[i].name, number(r->metric[i]));
    if (!r->invalid)
        json_object_set_new(j, "violation", json_boolean(r->violation));
    json_object_set_new(j, "verdict",
                        json_string(r->invalid ? "invalid"
                                    : r->pass  ? "pass"
                                               : "fail"));
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", r->failed);
    for (char *save, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        json_array_append_new(failed, json_string(tok));
    }
    json_object_set_new(j, "failed", failed);
    if (r->has_first)
        json_object_set_new(j, "first_overlap",
                            json_pack("{s:f, s:f}", "start_s", time_to_sec(r->first.start), "end_s",
                                      time_to_sec(r->first.end)));
    if (!r->invalid)
        json_object_set_new(j, "replay", json_string(r->replay));
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        fputs(s, f);
        fputc('\n', f);
        free(s);
    }
    json_decref(j);
}
