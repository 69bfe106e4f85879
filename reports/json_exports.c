/*
 * The export part of a JSON seed or case object beyond the scalar metrics:
 * the delivery guarantee in words, the first writes that put duplicates in a
 * sink (with the runs that wrote the item first and again), and the counts
 * of each consumer. Absent when the scenario models no exports.
 */
#include "json_out.h"

void json_exports_put(json_t *o, const struct metrics *m)
{
    const struct export_metrics *x = &m->xp;
    if (!x->on)
        return;
    json_object_set_new(o, "delivery", json_string(export_metrics_guarantee(x)));
    json_t *dups = json_array();
    for (int i = 0; i < x->ndups; i++) {
        const struct dup_sample *d = &x->dup[i];
        json_array_append_new(dups,
                              json_pack("{s:i, s:I, s:I, s:I, s:I, s:f}", "consumer", d->consumer,
                                        "item", (json_int_t)d->item, "count", (json_int_t)d->count,
                                        "first_run", (json_int_t)d->first_run, "run",
                                        (json_int_t)d->run, "at_s", time_to_sec(d->at)));
    }
    json_object_set_new(o, "duplicate_writes", dups);
    json_t *cons = json_array();
    for (int i = 0; i < x->nconsumers; i++) {
        const struct consumer_metrics *c = &x->consumer[i];
        json_array_append_new(cons,
                              json_pack("{s:I, s:I, s:I, s:I}", "exports", (json_int_t)c->exports,
                                        "delivered", (json_int_t)c->delivered, "duplicates",
                                        (json_int_t)c->duplicates, "lost", (json_int_t)c->lost));
    }
    json_object_set_new(o, "consumers", cons);
}
