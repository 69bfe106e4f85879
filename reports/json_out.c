/* JSON objects for seeds and cases (see json_out.h). */
#include "json_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_metrics(json_t *o, const struct metrics *m)
{
    for (int i = 0; metric_defs[i].name; i++) {
        double v = metric_value(m, i);
        const char *name = metric_defs[i].name;
        size_t n = strlen(name);
        if (n > 2 && strcmp(name + n - 2, "_s") == 0)
            json_object_set_new(o, name, json_real(v));
        else if (v == (double)(long long)v)
            json_object_set_new(o, name, json_integer((json_int_t)v));
        else
            json_object_set_new(o, name, json_real(v));
    }
}

static json_t *window_json(const struct scenario *sc, const struct overlap_window *w)
{
    char a[32], b[32];
    return json_pack("{s:f, s:f, s:[I, I], s:[s, s]}", "start_s", time_to_sec(w->start), "end_s",
                     time_to_sec(w->end), "runs", (json_int_t)w->run_a, (json_int_t)w->run_b,
                     "nodes", scenario_node_name(sc, w->node_a, a, sizeof(a)),
                     scenario_node_name(sc, w->node_b, b, sizeof(b)));
}

static json_t *failed_list(const char *failed)
{
    json_t *a = json_array();
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", failed);
    for (char *save, *tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ')
            tok++;
        json_array_append_new(a, json_string(tok));
    }
    return a;
}

json_t *json_seed(const struct scenario *sc, const struct case_result *c,
                  const struct seed_outcome *o)
{
    char replay[1024];
    json_t *j = json_object();
    json_object_set_new(j, "scenario", json_string(sc->base.name));
    json_object_set_new(j, "variant", json_string(scenario_variant_name(sc, c->variant)));
    json_object_set_new(j, "guard", json_string(c->guard->name));
    json_object_set_new(j, "seed", json_integer((json_int_t)o->m->seed));
    json_object_set_new(j, "simulated_s", json_real(time_to_sec(o->m->duration)));
    put_metrics(j, o->m);
    json_exports_put(j, o->m);
    json_object_set_new(j, "violation", json_boolean(o->violation));
    json_object_set_new(j, "safe", json_boolean(o->safe));
    json_object_set_new(j, "unsafe_seeds", json_integer(!o->safe));
    json_object_set_new(j, "unsafe", json_string(o->unsafe));
    json_object_set_new(j, "verdict", json_string(verdict_name(o->verdict)));
    json_object_set_new(j, "failed", failed_list(o->failed));
    /* one seed cannot decide a some. line: a one-seed run says which it did not judge */
    json_t *unjudged = json_array();
    for (int i = 0; i < c->nexpect && c->seeds.from == c->seeds.to; i++) {
        char t[128];
        if (c->st[i].e->mode == EXPECT_SOME)
            json_array_append_new(unjudged, json_string(expect_format(c->st[i].e, t, sizeof(t))));
    }
    json_object_set_new(j, "not_judged", unjudged);
    json_object_set_new(j, "first_overlap",
                        o->m->nwindows ? window_json(sc, &o->m->window[0]) : json_null());
    json_object_set_new(j, "replay",
                        json_string(case_replay(sc, c, o->m->seed, replay, sizeof(replay))));
    return j;
}

json_t *json_case(const struct scenario *sc, const struct case_result *c)
{
    char failed[2048], replay[1024];
    json_t *j = json_object();
    json_object_set_new(j, "scenario", json_string(sc->base.name));
    json_object_set_new(j, "variant", json_string(scenario_variant_name(sc, c->variant)));
    json_object_set_new(j, "guard", json_string(c->guard->name));
    json_object_set_new(j, "seeds", json_integer((json_int_t)c->nseeds));
    json_object_set_new(j, "seed_from", json_integer((json_int_t)c->seeds.from));
    json_object_set_new(j, "seed_to", json_integer((json_int_t)c->seeds.to));
    json_object_set_new(j, "simulated_s", json_real(time_to_sec(c->agg.duration)));
    put_metrics(j, &c->agg);
    json_exports_put(j, &c->agg);
    json_object_set_new(j, "violating_seeds", json_integer((json_int_t)c->violating_seeds));
    json_object_set_new(j, "safe", json_boolean(c->safe));
    json_object_set_new(j, "unsafe_seeds", json_integer((json_int_t)c->unsafe_seeds));
    if (c->unsafe_seeds) {
        json_object_set_new(j, "first_unsafe_seed", json_integer((json_int_t)c->first_unsafe_seed));
        json_object_set_new(j, "unsafe", json_string(c->first_unsafe));
    }
    json_object_set_new(j, "verdict", json_string(verdict_name(c->verdict)));
    json_object_set_new(j, "failed", failed_list(verdict_failures(c, failed, sizeof(failed))));
    json_object_set_new(j, "not_judged", failed_list(verdict_unjudged(c, failed, sizeof(failed))));
    if (c->violating_seeds) {
        json_object_set_new(j, "first_violating_seed",
                            json_integer((json_int_t)c->first_violating_seed));
        json_object_set_new(j, "first_overlap", window_json(sc, &c->first_window));
    }
    if (c->unsafe_seeds || !c->pass)
        json_object_set_new(
            j, "replay",
            json_string(case_replay(sc, c, case_replay_seed(c), replay, sizeof(replay))));
    return j;
}

void json_print_line(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
    json_decref(obj);
}
