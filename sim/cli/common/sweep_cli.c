/* Running a sweep from the command line (see sweep_cli.h). */
#include "sweep_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../../../reports/sweep_out.h"
#include "../../analyses/par.h"
#include "../../base/mem.h"

int sweep_cli_prepare(struct sweep_cli *c, const struct cli_opts *o, const char *const *defaults,
                      int ndefaults, int jobs)
{
    memset(c, 0, sizeof(*c));
    struct sweep *sw = &c->sw;
    struct scenario *sc = NULL;
    c->nmetrics = sweep_metric_count();
    int rc = cli_load(o, &sc);
    if (rc)
        return rc;
    sw->path = o->file;

    const char *const *vary = o->nvary ? o->vary : defaults;
    int nvary = o->nvary ? o->nvary : ndefaults;
    if (nvary == 0) {
        scenario_free(sc);
        return cli_error("nothing to sweep: give --vary KEY=FROM..TO/STEP (see --help)");
    }
    if (nvary > SWEEP_MAX_KEYS) {
        scenario_free(sc);
        return cli_error("--vary: at most %d keys at once", SWEEP_MAX_KEYS);
    }
    for (int i = 0; i < nvary; i++) {
        rc = sweep_key_parse(vary[i], &sw->k[i], c->err, sizeof(c->err));
        if (rc)
            goto bad;
        sw->nkeys = i + 1;
        for (int j = 0; j < i; j++)
            if (strcmp(sw->k[j].key, sw->k[i].key) == 0) {
                snprintf(c->err, sizeof(c->err), "--vary %s: the key is varied twice", vary[i]);
                goto bad;
            }
    }

    int v;
    if (cli_variants(sc, o->variant, false, &v, 1) < 0) {
        rc = EXIT_USAGE;
        goto fail;
    }
    sw->variant = v;
    struct model *m = mem_alloc(sizeof(*m));
    if (!m || scenario_model(sc, v, m, c->err, sizeof(c->err)) != 0) {
        mem_free(m);
        if (!m)
            snprintf(c->err, sizeof(c->err), "out of memory");
        goto bad;
    }
    sw->seeds = o->have_seeds ? o->seeds : m->cfg.seeds;
    const struct guard_ops *g = m->cfg.guard;
    mem_free(m);
    if (o->guard && o->guards) {
        snprintf(c->err, sizeof(c->err), "give --guard or --guards, not both");
        goto bad;
    }
    if (o->guards) {
        sw->nguards = cli_guards(sc, o->guards, sw->guard, CONFIG_MAX_GUARDS);
        if (sw->nguards < 0) {
            rc = EXIT_USAGE;
            goto fail;
        }
    } else {
        if (o->guard && !(g = guard_lookup(o->guard))) {
            snprintf(c->err, sizeof(c->err), "--guard %s: unknown guard (see `overlapsim guards`)",
                     o->guard);
            goto bad;
        }
        sw->guard[0] = g;
        sw->nguards = 1;
    }
    if (o->shard && sweep_shard_parse(o->shard, &sw->shard_k, &sw->shard_n) != 0) {
        snprintf(c->err, sizeof(c->err), "--shard %s: expected K/N with 1 <= K <= N (e.g. 2/8)",
                 o->shard);
        goto bad;
    }
    scenario_free(sc);
    sc = NULL;
    rc = sweep_open(sw, o->sets, o->nsets, jobs, c->err, sizeof(c->err));
    if (rc) {
        rc = cli_error("%s", c->err);
        sweep_close(sw);
        return rc;
    }
    c->window = par_window(jobs);
    c->ring = mem_calloc(c->window, sizeof(*c->ring));
    c->ring_err = mem_calloc(c->window, sizeof(*c->ring_err));
    c->agg = sweep_agg_new(sw);
    if (!c->ring || !c->ring_err || !c->agg) {
        sweep_cli_release(c);
        return cli_error("out of memory");
    }
    return 0;
bad:
    rc = cli_error("%s", c->err);
fail:
    for (int i = 0; i < SWEEP_MAX_KEYS; i++)
        sweep_key_release(&sw->k[i]);
    scenario_free(sc);
    return rc;
}

static int work(void *user, size_t j, size_t slot, int worker)
{
    struct sweep_cli *c = user;
    c->ring_err[slot][0] = 0;
    return sweep_run_unit(&c->sw, worker, sweep_shard_index(&c->sw, j), &c->ring[slot],
                          c->ring_err[slot], sizeof(c->ring_err[slot]));
}

static int done(void *user, size_t j, size_t slot)
{
    struct sweep_cli *c = user;
    const struct sweep_row *r = &c->ring[slot];
    if (c->rows_csv)
        sweep_out_csv_row(c->rows_csv, &c->sw, r);
    if (c->rows_out && c->rows_format == FORMAT_CSV)
        sweep_out_csv_row(c->rows_out, &c->sw, r);
    else if (c->rows_out && c->rows_format == FORMAT_JSON)
        sweep_out_json_row(c->rows_out, &c->sw, r);
    sweep_agg_add(&c->agg[(size_t)r->guard * c->sw.npoints + r->point], r, c->nmetrics);
    if (c->on_row)
        c->on_row(c->on_row_user, r);
    cli_progress_step(&c->prog, j + 1);
    return 0;
}

int sweep_cli_run(struct sweep_cli *c, int jobs)
{
    uint64_t n = sweep_shard_units(&c->sw);
    if (c->rows_csv)
        sweep_out_csv_header(c->rows_csv, &c->sw);
    if (c->rows_out && c->rows_format == FORMAT_CSV)
        sweep_out_csv_header(c->rows_out, &c->sw);
    cli_progress_start(&c->prog, "sweep", n);
    struct par p = {
        .n = n,
        .jobs = jobs,
        .window = c->window,
        .work = work,
        .done = done,
        .user = c,
    };
    int rc = par_run(&p);
    cli_progress_end(&c->prog);
    if (rc) {
        for (size_t i = 0; i < c->window; i++)
            if (c->ring_err[i][0])
                return cli_case_error(rc, c->ring_err[i]);
        return cli_error("sweep failed: %s", strerror(-rc));
    }
    return 0;
}

void sweep_cli_release(struct sweep_cli *c)
{
    sweep_close(&c->sw);
    mem_free(c->ring);
    mem_free(c->ring_err);
    mem_free(c->agg);
    c->ring = NULL;
    c->ring_err = NULL;
    c->agg = NULL;
}

void sweep_cli_describe(const struct sweep_cli *c, FILE *f)
{
    const struct sweep *sw = &c->sw;
    const struct scenario *sc = sw->wsc[0];
    const char *v = scenario_variant_name(sc, sw->variant);
    fprintf(f, "%s%s%s  guard%s ", sc->base.name, *v ? "@" : "", v, sw->nguards > 1 ? "s" : "");
    for (int g = 0; g < sw->nguards; g++)
        fprintf(f, "%s%s", g ? "," : "", sw->guard[g]->name);
    fprintf(f, "  seeds %" PRIu64 "..%" PRIu64 "\n", sw->seeds.from, sw->seeds.to);
    for (int k = 0; k < sw->nkeys; k++)
        fprintf(f, "  %s: %s .. %s (%d values)\n", sw->k[k].key, sw->k[k].text[0],
                sw->k[k].text[sw->k[k].nvalues - 1], sw->k[k].nvalues);
    fprintf(f, "  %zu settings x %d guard%s x %" PRIu64 " seeds = %" PRIu64 " runs", sw->npoints,
            sw->nguards, sw->nguards > 1 ? "s" : "", sw->nseeds, sw->units);
    if (sw->shard_n > 1)
        fprintf(f, "; shard %d/%d runs %" PRIu64, sw->shard_k, sw->shard_n, sweep_shard_units(sw));
    fputc('\n', f);
}
