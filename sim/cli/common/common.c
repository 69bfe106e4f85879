/* Option parsing and loading shared by the subcommands (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "../../../guards/guard.h"
#include "../../analyses/sweep.h"

int cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("overlapsim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

int cli_case_error(int rc, const char *err)
{
    cli_error("%s", err);
    return rc == -EPROTO ? EXIT_INTERNAL : EXIT_USAGE;
}

static const struct option all_options[] = {
    {"guard", required_argument, NULL, 'g'},
    {"guards", required_argument, NULL, 'G'},
    {"variant", required_argument, NULL, 'v'},
    {"seed", required_argument, NULL, 's'},
    {"seeds", required_argument, NULL, 'S'},
    {"set", required_argument, NULL, 'D'},
    {"format", required_argument, NULL, 'f'},
    {"trace", required_argument, NULL, 't'},
    {"bound", required_argument, NULL, 'b'},
    {"budget", required_argument, NULL, 'B'},
    {"strategy", required_argument, NULL, 'y'},
    {"out", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"junit", required_argument, NULL, 'J'},
    {"vary", required_argument, NULL, 'V'},
    {"shard", required_argument, NULL, 'K'},
    {"tolerance", required_argument, NULL, 'T'},
    {"goal", required_argument, NULL, 'O'},
    {"speed", required_argument, NULL, 'x'},
    {"cmd", required_argument, NULL, 'c'},
    {"dsn", required_argument, NULL, 'd'},
    {"db", no_argument, NULL, 'q'},
    {"keep", no_argument, NULL, 'k'},
    {"skew", required_argument, NULL, 'w'},
    {"in-worker", no_argument, NULL, 'W'},
    {"quiet", no_argument, NULL, 'Q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool allowed_opt(const char *allowed, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = allowed; (p = strstr(p, name)); p += n)
        if ((p == allowed || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return true;
    return false;
}

int cli_parse(int argc, char **argv, const char *allowed, const char *usage, struct cli_opts *o)
{
    struct option opts[sizeof(all_options) / sizeof(all_options[0])];
    int n = 0;
    for (int i = 0; all_options[i].name; i++)
        if (allowed_opt(allowed, all_options[i].name) || all_options[i].val == 'h')
            opts[n++] = all_options[i];
    opts[n] = (struct option){NULL, 0, NULL, 0};

    memset(o, 0, sizeof(*o));
    o->bound = -1;
    o->tolerance = -1;
    optind = 1;
    opterr = 0;
    int c, idx;
    bool seen[128] = {false};
    while ((c = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
        /* an option given twice is a mistake (which one was meant?), except the lists */
        if (c > 0 && c < 128 && c != 'D' && c != 'V' && c != ':' && c != '?') {
            int same = c == 'S' ? 's' : c; /* --seed and --seeds set the same thing */
            if (seen[same])
                return cli_error("option '--%s' given twice", opts[idx].name);
            seen[same] = true;
        }
        switch (c) {
        case 'g':
            o->guard = optarg;
            break;
        case 'Q':
            o->quiet = true;
            break;
        case 'G':
            o->guards = optarg;
            break;
        case 'v':
            o->variant = optarg;
            break;
        case 's':
        case 'S':
            if (config_parse_seeds(optarg, &o->seeds) != 0 ||
                (c == 's' && o->seeds.from != o->seeds.to))
                return cli_error("--%s %s: expected %s", c == 's' ? "seed" : "seeds", optarg,
                                 c == 's' ? "a number" : "a range A..B");
            o->have_seeds = true;
            break;
        case 'D':
            if (o->nsets == (int)(sizeof(o->sets) / sizeof(o->sets[0])))
                return cli_error("too many --set options");
            o->sets[o->nsets++] = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o->format = FORMAT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                o->format = FORMAT_JSON;
            else if (strcmp(optarg, "csv") == 0 && allowed_opt(allowed, "csv"))
                o->format = FORMAT_CSV;
            else
                return cli_error("--format %s: expected text, json%s", optarg,
                                 allowed_opt(allowed, "csv") ? " or csv" : "");
            break;
        case 't':
            o->trace = optarg;
            break;
        case 'b':
        case 'B': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-' || (c == 'b' && v > 64) ||
                (c == 'B' && v == 0))
                return cli_error("--%s %s: expected %s", c == 'b' ? "bound" : "budget", optarg,
                                 c == 'b' ? "a number from 0 to 64" : "a positive number");
            if (c == 'b')
                o->bound = (int)v;
            else
                o->budget = v;
            break;
        }
        case 'y':
            if (strcmp(optarg, "dfs") != 0 && strcmp(optarg, "pct") != 0)
                return cli_error("--strategy %s: expected dfs or pct", optarg);
            o->strategy = optarg;
            break;
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 1 || v > 1024)
                return cli_error("--jobs %s: expected a number from 1 to 1024", optarg);
            o->jobs = (int)v;
            break;
        }
        case 'J':
            o->junit = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'V':
            if (o->nvary == (int)(sizeof(o->vary) / sizeof(o->vary[0])))
                return cli_error("too many --vary options");
            o->vary[o->nvary++] = optarg;
            break;
        case 'K':
            o->shard = optarg;
            break;
        case 'O':
            o->goal = optarg;
            break;
        case 'T': {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || (*end && strcmp(end, "%") != 0) || !(v >= 0 && v < 100))
                return cli_error("--tolerance %s: expected a percentage from 0 to 99", optarg);
            o->tolerance = v / 100;
            break;
        }
        case 'x': {
            char *end;
            o->speed = strtod(optarg, &end);
            if (end == optarg || *end || !(o->speed > 0) || o->speed > 100000)
                return cli_error("--speed %s: expected a number above 0 and at most 100000",
                                 optarg);
            break;
        }
        case 'c':
            o->cmd = optarg;
            break;
        case 'd':
            o->dsn = optarg;
            break;
        case 'q':
            o->db = true;
            break;
        case 'k':
            o->keep = true;
            break;
        case 'w':
            if (time_parse_signed(optarg, &o->skew) != 0)
                return cli_error("--skew %s: expected a duration such as 2s or -500ms", optarg);
            break;
        case 'W':
            o->in_worker = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return -1;
        case ':':
            return cli_error("option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_error("unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        o->file = argv[optind++];
    if (optind < argc && !allowed_opt(allowed, "files"))
        return cli_error("unexpected argument '%s' (see --help)", argv[optind]);
    return 0;
}

int cli_load(const struct cli_opts *o, struct scenario **sc)
{
    char err[600];
    if (!o->file)
        return cli_error("no scenario file given (see --help)");
    if (scenario_load(o->file, sc, err, sizeof(err)) != 0)
        return cli_error("%s", err);
    for (int i = 0; i < o->nsets; i++) {
        if (scenario_add_set(*sc, o->sets[i], err, sizeof(err)) != 0) {
            scenario_free(*sc);
            *sc = NULL;
            return cli_error("%s", err);
        }
    }
    /* the overrides must leave every variant runnable */
    struct model *m = malloc(sizeof(*m));
    if (!m) {
        scenario_free(*sc);
        return cli_error("out of memory");
    }
    for (int v = (*sc)->nvariants ? 0 : -1; v < (*sc)->nvariants; v++) {
        if (scenario_model(*sc, v, m, err, sizeof(err)) != 0) {
            free(m);
            scenario_free(*sc);
            *sc = NULL;
            return cli_error("%s", err);
        }
    }
    free(m);
    dist_data_notes(stderr); /* what was assumed about measured durations, once per file */
    return 0;
}

int cli_variants(const struct scenario *sc, const char *name, bool all, int *out, int max)
{
    if (name) {
        int v = scenario_variant_find(sc, name);
        if (v < 0) {
            cli_error("--variant %s: no such variant in '%s'", name, sc->path);
            return -1;
        }
        out[0] = v;
        return 1;
    }
    if (sc->nvariants == 0) {
        out[0] = -1;
        return 1;
    }
    int n = all ? sc->nvariants : 1;
    for (int i = 0; i < n && i < max; i++)
        out[i] = i;
    return n < max ? n : max;
}

int cli_guards(const struct scenario *sc, const char *list, const struct guard_ops **out, int max)
{
    if (!list) { /* the scenario's own list, after --set */
        char err[600];
        struct model *m = malloc(sizeof(*m));
        if (!m || scenario_model(sc, -1, m, err, sizeof(err)) != 0) {
            free(m);
            cli_error("out of memory");
            return -1;
        }
        int n = m->cfg.nguards < max ? m->cfg.nguards : max;
        for (int i = 0; i < n; i++)
            out[i] = m->cfg.guards[i];
        free(m);
        return n;
    }
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", list);
    int n = 0;
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const struct guard_ops *g = guard_lookup(tok);
        if (!g) {
            cli_unknown_guard("--guards", tok);
            return -1;
        }
        if (n < max)
            out[n++] = g;
    }
    if (n == 0) {
        cli_error("--guards: empty list");
        return -1;
    }
    return n;
}

const char *cli_suggest(const char *name, const char *const *names)
{
    /* at most 2 edits in a short name, 3 in a longer one: past that a guess is noise */
    const char *best = NULL;
    int bestd = strlen(name) <= 5 ? 3 : 4;
    for (int i = 0; names[i]; i++) {
        int d = sweep_edit_distance(name, names[i]);
        if (d < bestd)
            bestd = d, best = names[i];
    }
    return best;
}

int cli_unknown_guard(const char *opt, const char *name)
{
    const char *names[64];
    int n = 0;
    for (int i = 0; guard_registry[i] && n < 63; i++)
        names[n++] = guard_registry[i]->name;
    names[n] = NULL;
    const char *s = cli_suggest(name, names);
    if (s)
        return cli_error("%s %s: unknown guard (did you mean '%s'? see `overlapsim guards`)", opt,
                         name, s);
    return cli_error("%s %s: unknown guard (see `overlapsim guards`)", opt, name);
}
