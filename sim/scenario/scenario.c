/*
 * Scenario files, parsed with libinih. inih's handler is not told line
 * numbers or where a repeated section ([fault] twice) begins, so the reader
 * callback counts lines and section headers itself; the handler reads those
 * counts. The first error wins and is reported as "path:line: reason".
 * Nothing the user wrote is dropped: a [node NAME] or [variant NAME] with no
 * keys (inih never calls the handler for it) still adds the node or variant, a key given twice in
 * one section is an error naming both lines, and a file with neither [job] nor [schedule] is an
 * error rather than a default day.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"

struct parse {
    struct scenario *sc;
    FILE *f;
    int line;            /* line last read */
    int sections;        /* section headers seen so far */
    int section_line;    /* line of the last section header */
    int handled_section; /* value of sections when the handler last saw one */
    int too_long;        /* line longer than libinih's buffer */
    int max_line;        /* the longest line it takes */
    int nul;             /* line with a NUL byte */
    int long_section;    /* first header whose name libinih would cut */
    int rc;
    char err[512];
    struct fault_spec *fault; /* the [fault] being filled */
    char section[64];         /* the last section header's name, as inih sees it */
    bool continued;           /* the line last read is indented: a continued value */
    bool job_or_schedule;     /* a [job] or [schedule] header was seen */
    int nkeys;                /* the keys seen, to find one given twice */
    struct seen_key *keys;
};

/* A key of one section header (a second [job] header may restate a key: an appended override). */
struct seen_key {
    char key[64];
    int header; /* the ordinal of its section header */
    int line;
};

static void section_empty(struct parse *p);

/* libinih's MAX_SECTION (ini.c, not in its header): longer section names are cut silently. */
#define INIH_MAX_SECTION 50

/*
 * Hands libinih one line at a time (its buffer holds num - 1 characters).
 * A longer line would come back as several "lines", shifting every line
 * number after it and cutting a section header in two; a NUL byte would
 * hide the rest of its line. Both stop the parse at their true line.
 */
static char *reader(char *str, int num, void *stream)
{
    struct parse *p = stream;
    int n = 0, c = 0;
    if (p->too_long || p->nul)
        return NULL;
    while (n < num - 1 && (c = getc(p->f)) != EOF) {
        if (c == 0 && !p->nul)
            p->nul = p->line + 1;
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return NULL;
    str[n] = 0;
    p->line++;
    if (p->nul)
        return NULL;
    if (str[n - 1] != '\n' && c != EOF) {
        int next = getc(p->f);
        if (next != EOF) {
            ungetc(next, p->f);
            p->too_long = p->line;
            p->max_line = num - 2;
            return NULL;
        }
    }
    const char *t = str;
    while (isspace((unsigned char)*t))
        t++;
    p->continued = t > str && *t && *t != ';' && *t != '#' && *t != '[';
    if (*t == '[') {
        section_empty(p); /* the section that ends here, if it had no key */
        p->sections++;
        p->section_line = p->line;
        size_t len = strcspn(t + 1, "]\n");
        if (len >= INIH_MAX_SECTION && !p->long_section)
            p->long_section = p->line;
        snprintf(p->section, sizeof(p->section), "%.*s", (int)len, t + 1);
        p->job_or_schedule |= strcmp(p->section, "job") == 0 || strcmp(p->section, "schedule") == 0;
    }
    return str;
}

static int perr(struct parse *p, int rc, const char *fmt, ...)
{
    if (p->rc)
        return 0;
    int n = snprintf(p->err, sizeof(p->err), "%s:%d: ", p->sc->path, p->line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, sizeof(p->err) - (size_t)n, fmt, ap);
    va_end(ap);
    p->rc = rc;
    return 0;
}

static int grow(void **arr, int n, size_t size)
{
    if (n & (n - 1)) /* not a power of two: room left */
        return 0;
    void *a = mem_realloc(*arr, (size_t)(n ? 2 * n : 4) * size);
    if (!a)
        return -ENOMEM;
    *arr = a;
    return 0;
}

static int on_expect(struct parse *p, const char *section, const char *key, const char *value)
{
    struct scenario *sc = p->sc;
    struct expectation e;
    char err[256];
    memset(&e, 0, sizeof(e));
    /* "expect", "expect GUARD", "expect @VARIANT", "expect GUARD @VARIANT" */
    char words[2][64] = {"", ""};
    int nw = sscanf(section + 6, "%63s %63s", words[0], words[1]);
    for (int i = 0; i < nw; i++) {
        if (words[i][0] == '@') {
            if (strlen(words[i] + 1) >= sizeof(e.variant) || !words[i][1])
                return perr(p, -EINVAL, "bad variant name in [%s]", section);
            strcpy(e.variant, words[i] + 1);
        } else {
            if (!guard_lookup(words[i]))
                return perr(p, -EINVAL, "unknown guard '%s' in [%s]", words[i], section);
            strcpy(e.guard, words[i]);
        }
    }
    if (expect_parse(key, value, &e, err, sizeof(err)) != 0)
        return perr(p, -EINVAL, "%s", err);
    e.line = p->line;
    if (grow((void **)&sc->expect, sc->nexpect, sizeof(e)))
        return perr(p, -ENOMEM, "out of memory");
    sc->expect[sc->nexpect++] = e;
    return 1;
}

/* Checks "key" or "NODE/key" against the defaults, so the error points here. */
static int check_override(struct parse *p, const char *key, const char *value)
{
    struct config scratch;
    char err[256];
    const char *slash = strchr(key, '/');
    config_defaults(&scratch);
    if (slash && (slash == key || !slash[1]))
        return perr(p, -EINVAL, "bad key '%s' (expected NODE/KEY or KEY)", key), -EINVAL;
    if (config_set(&scratch, slash ? slash + 1 : key, value, p->line, err, sizeof(err)) != 0)
        return perr(p, -EINVAL, "%s", err), -EINVAL;
    return 0;
}

static int add_override(struct parse *p, const char *key, const char *value)
{
    struct scenario *sc = p->sc;
    if (strlen(key) >= sizeof(sc->overrides[0].key) ||
        strlen(value) >= sizeof(sc->overrides[0].value))
        return perr(p, -EINVAL, "value too long"), -EINVAL;
    if (grow((void **)&sc->overrides, sc->noverrides, sizeof(sc->overrides[0])))
        return perr(p, -ENOMEM, "out of memory"), -ENOMEM;
    struct override *o = &sc->overrides[sc->noverrides++];
    strcpy(o->key, key);
    strcpy(o->value, value);
    o->line = p->line;
    return 0;
}

static int find_node(const struct scenario *sc, const char *name, size_t len)
{
    for (int i = 0; i < sc->nnodes; i++)
        if (strlen(sc->nodes[i].name) == len && strncmp(sc->nodes[i].name, name, len) == 0)
            return i;
    return -1;
}

/* Adds node name, declared by the section header on line; 0 or -1 after an error. */
static int node_add(struct parse *p, const char *name, int line)
{
    struct scenario *sc = p->sc;
    int read = p->line;
    p->line = line; /* errors point at the header */
    if (!*name || strlen(name) >= sizeof(sc->nodes[0].name) || strpbrk(name, " /\t"))
        perr(p, -EINVAL, "bad node name '%s'", name);
    else if (find_node(sc, name, strlen(name)) >= 0)
        perr(p, -EINVAL, "node '%s' defined twice", name);
    else if (sc->nnodes == MODEL_MAX_NODES)
        perr(p, -EINVAL, "more than %d nodes", MODEL_MAX_NODES);
    else if (grow((void **)&sc->nodes, sc->nnodes, sizeof(sc->nodes[0])))
        perr(p, -ENOMEM, "out of memory");
    p->line = read;
    if (p->rc)
        return -1;
    struct node_section *n = &sc->nodes[sc->nnodes++];
    memset(n, 0, sizeof(*n));
    strcpy(n->name, name);
    n->first = sc->noverrides;
    n->line = line;
    return 0;
}

static int on_node(struct parse *p, const char *name, bool new_section, const char *key,
                   const char *value)
{
    char full[128];
    struct scenario *sc = p->sc;
    if (new_section && node_add(p, name, p->section_line) != 0)
        return 1;
    /* short keys are node keys: clock_offset means node.clock_offset */
    snprintf(full, sizeof(full), "%s%s", strchr(key, '.') ? "" : "node.", key);
    if (strncmp(full, "scenario.", 9) == 0)
        return perr(p, -EINVAL, "%s: a scenario key cannot differ per node", full);
    if (check_override(p, full, value) || add_override(p, full, value))
        return 1;
    sc->nodes[sc->nnodes - 1].count++;
    return 1;
}

/* Adds variant name, declared by the section header on line; 0 or -1 after an error. */
static int variant_add(struct parse *p, const char *name, int line)
{
    struct scenario *sc = p->sc;
    int read = p->line;
    p->line = line; /* errors point at the header */
    if (!*name || strlen(name) >= sizeof(sc->variants[0].name) || strchr(name, ' '))
        perr(p, -EINVAL, "bad variant name '%s'", name);
    else if (scenario_variant_find(sc, name) >= 0)
        perr(p, -EINVAL, "variant '%s' defined twice", name);
    else if (grow((void **)&sc->variants, sc->nvariants, sizeof(sc->variants[0])))
        perr(p, -ENOMEM, "out of memory");
    p->line = read;
    if (p->rc)
        return -1;
    struct variant *v = &sc->variants[sc->nvariants++];
    memset(v, 0, sizeof(*v));
    strcpy(v->name, name);
    v->first = sc->noverrides;
    v->line = line;
    return 0;
}

/* A [node NAME] or [variant NAME] with no keys (inih never calls the handler for it) counts. */
static void section_empty(struct parse *p)
{
    if (p->rc || !p->sections || p->handled_section == p->sections)
        return;
    if (strncmp(p->section, "node ", 5) == 0)
        node_add(p, p->section + 5, p->section_line);
    else if (strncmp(p->section, "variant ", 8) == 0)
        variant_add(p, p->section + 8, p->section_line);
}

static int on_variant(struct parse *p, const char *name, bool new_section, const char *key,
                      const char *value)
{
    struct scenario *sc = p->sc;
    if (new_section && variant_add(p, name, p->section_line) != 0)
        return 1;
    /* check the value now, against defaults, so the error points here */
    if (check_override(p, key, value) || add_override(p, key, value))
        return 1;
    sc->variants[sc->nvariants - 1].count++;
    return 1;
}

static int on_fault(struct parse *p, const char *section, bool new_section, const char *key,
                    const char *value)
{
    struct scenario *sc = p->sc;
    char err[256];
    if (new_section) {
        if (sc->nfaults == MODEL_MAX_FAULTS)
            return perr(p, -EINVAL, "more than %d faults", MODEL_MAX_FAULTS);
        p->fault = &sc->fault[sc->nfaults++];
        fault_init(p->fault, p->section_line);
        /* [fault @v1 @v2]: only in those variants */
        char words[5][64];
        int nw = sscanf(section + 5, "%63s %63s %63s %63s %63s", words[0], words[1], words[2],
                        words[3], words[4]);
        for (int i = 0; i < nw; i++) {
            if (words[i][0] != '@' || !words[i][1] || strlen(words[i]) > 32 || i >= 4)
                return perr(p, -EINVAL, "bad [%s] (expected [fault] or [fault @VARIANT ...])",
                            section);
            strcpy(p->fault->variants[p->fault->nvariants++], words[i] + 1);
        }
    }
    if (fault_set(p->fault, key, value, err, sizeof(err)) != 0)
        return perr(p, -EINVAL, "%s", err);
    if (strcmp(key, "node") == 0)
        p->fault->node_line = p->line;
    return 1;
}

static int on_trigger(struct parse *p, const char *number, const char *key, const char *value)
{
    struct scenario *sc = p->sc;
    char *end;
    unsigned long long n = strtoull(number, &end, 10);
    if (end == number || *end || n == 0 || number[0] == '-')
        return perr(p, -EINVAL, "bad trigger number '%s' (1, 2, ... in firing order)", number);
    struct trigger_spec *t = NULL;
    for (int i = 0; i < sc->ntriggers; i++)
        if (sc->triggers[i].n == n)
            t = &sc->triggers[i];
    if (!t) {
        if (grow((void **)&sc->triggers, sc->ntriggers, sizeof(*t)))
            return perr(p, -ENOMEM, "out of memory");
        t = &sc->triggers[sc->ntriggers++];
        memset(t, 0, sizeof(*t));
        t->n = n;
        t->line = p->section_line;
    }
    sim_time *dst = strcmp(key, "api") == 0         ? &t->api
                    : strcmp(key, "db") == 0        ? &t->db
                    : strcmp(key, "manual_at") == 0 ? &t->at
                                                    : NULL;
    if (!dst)
        return perr(p, -EINVAL, "unknown key '%s' in [trigger %s] (expected api, db, manual_at)",
                    key, number);
    if (time_parse_duration(value, dst) != 0)
        return perr(p, -EINVAL, "trigger %s: bad duration '%s'", number, value);
    t->has_api |= dst == &t->api;
    t->has_db |= dst == &t->db;
    t->manual |= dst == &t->at;
    return 1;
}

static int by_trigger(const void *a, const void *b)
{
    uint64_t x = ((const struct trigger_spec *)a)->n, y = ((const struct trigger_spec *)b)->n;
    return x < y ? -1 : x > y;
}

static int on_text(struct parse *p, char *dst, const char *value)
{
    size_t have = strlen(dst);
    /* a continued line (INI multi-line value) appends */
    if (have && have + 1 < SCENARIO_TEXT_LEN)
        strncat(dst, " ", SCENARIO_TEXT_LEN - have - 1);
    strncat(dst, value, SCENARIO_TEXT_LEN - strlen(dst) - 1);
    (void)p;
    return 1;
}

/* A key given twice in one section overrides silently in INI: an error naming both lines. */
static int check_key_once(struct parse *p, const char *section, const char *key)
{
    int header = p->sections;
    if (p->nkeys && p->keys[0].header != header)
        p->nkeys = 0; /* a new section: only its own keys count */
    for (int i = 0; i < p->nkeys; i++) {
        const struct seen_key *k = &p->keys[i];
        if (k->header == header && strcmp(k->key, key) == 0) {
            size_t n = strlen(key);
            bool op = n && strchr("<>!", key[n - 1]); /* "runs >" of "runs >= 3" */
            return perr(p, -EINVAL, "'%s%s' given twice in [%s] (lines %d and %d)", key,
                        op ? "=" : "", section, k->line, p->line),
                   -EINVAL;
        }
    }
    if (grow((void **)&p->keys, p->nkeys, sizeof(p->keys[0])))
        return perr(p, -ENOMEM, "out of memory"), -ENOMEM;
    struct seen_key *k = &p->keys[p->nkeys++];
    snprintf(k->key, sizeof(k->key), "%s", key);
    k->header = header;
    k->line = p->line;
    return 0;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    struct parse *p = user;
    struct scenario *sc = p->sc;
    char err[256], full[128];
    if (p->rc)
        return 1;
    bool new_section = p->sections != p->handled_section;
    p->handled_section = p->sections;
    if (!p->continued && check_key_once(p, section, key) != 0)
        return 1;

    if (strcmp(section, "expect") == 0 || strncmp(section, "expect ", 7) == 0)
        return on_expect(p, section, key, value);
    if (strncmp(section, "variant ", 8) == 0)
        return on_variant(p, section + 8, new_section, key, value);
    if (strcmp(section, "fault") == 0 || strncmp(section, "fault ", 6) == 0)
        return on_fault(p, section, new_section, key, value);
    if (strncmp(section, "node ", 5) == 0)
        return on_node(p, section + 5, new_section, key, value);
    if (strncmp(section, "trigger ", 8) == 0)
        return on_trigger(p, section + 8, key, value);
    if (strcmp(section, "scenario") == 0 && strcmp(key, "description") == 0)
        return on_text(p, sc->description, value);
    if (strcmp(section, "scenario") == 0 && strcmp(key, "source") == 0)
        return on_text(p, sc->source, value);
    if (!config_section_known(section))
        return perr(p, -EINVAL, "unknown section [%s]", section);
    snprintf(full, sizeof(full), "%s.%s", section, key);
    int rc = config_set(&sc->base, full, value, p->line, err, sizeof(err));
    if (rc)
        return perr(p, rc == -ENOENT ? -EINVAL : rc, "%s", err);
    return 1;
}

int scenario_variant_find(const struct scenario *sc, const char *name)
{
    for (int i = 0; i < sc->nvariants; i++)
        if (strcmp(sc->variants[i].name, name) == 0)
            return i;
    return -1;
}

const char *scenario_variant_name(const struct scenario *sc, int v)
{
    return v >= 0 && v < sc->nvariants ? sc->variants[v].name : "";
}

static void default_name(struct scenario *sc)
{
    const char *base = strrchr(sc->path, '/');
    base = base ? base + 1 : sc->path;
    snprintf(sc->base.name, sizeof(sc->base.name), "%.*s", (int)strcspn(base, "."), base);
}

/* Checks what can only be checked once the whole file is read. */
static int check_whole(struct parse *p)
{
    struct scenario *sc = p->sc;
    char err[256];
    for (int i = 0; i < sc->nexpect; i++) {
        const struct expectation *e = &sc->expect[i];
        if (e->variant[0] && scenario_variant_find(sc, e->variant) < 0) {
            p->line = e->line;
            return perr(p, -EINVAL, "unknown variant '@%s'", e->variant);
        }
    }
    for (int i = 0; i < sc->nfaults; i++) {
        const struct fault_spec *f = &sc->fault[i];
        if (fault_check(f, err, sizeof(err)) != 0) {
            p->line = f->line;
            return perr(p, -EINVAL, "%s", err);
        }
        for (int j = 0; j < f->nvariants; j++) {
            if (scenario_variant_find(sc, f->variants[j]) < 0) {
                p->line = f->line;
                return perr(p, -EINVAL, "unknown variant '@%s'", f->variants[j]);
            }
        }
    }
    for (int i = 0; i < sc->noverrides; i++) { /* NODE/key names a node that exists */
        const struct override *o = &sc->overrides[i];
        const char *slash = strchr(o->key, '/');
        if (slash && find_node(sc, o->key, (size_t)(slash - o->key)) < 0 && sc->nnodes) {
            p->line = o->line;
            return perr(p, -EINVAL, "unknown node '%.*s' in '%s'", (int)(slash - o->key), o->key,
                        o->key);
        }
    }
    return 0;
}

int scenario_parse(FILE *f, const char *path, struct scenario **out, char *err, size_t errlen)
{
    *out = NULL;
    struct scenario *sc = mem_calloc(1, sizeof(*sc));
    if (!sc) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    snprintf(sc->path, sizeof(sc->path), "%s", path);
    config_defaults(&sc->base);
    const char *slash = strrchr(path, '/'); /* data files are relative to the scenario */
    if (slash && (size_t)(slash - path) < sizeof(sc->base.data_dir))
        snprintf(sc->base.data_dir, sizeof(sc->base.data_dir), "%.*s", (int)(slash - path), path);
    default_name(sc);

    struct parse p = {.sc = sc, .f = f};
    int line = ini_parse_stream(reader, &p, handler, &p);
    if (line == 0)
        section_empty(&p); /* the last section, if it had no key */
    mem_free(p.keys);
    if (!p.rc && ferror(f)) {
        snprintf(p.err, sizeof(p.err), "cannot read '%s'", path);
        p.rc = -EIO;
    }
    if (!p.rc && p.long_section) {
        snprintf(p.err, sizeof(p.err), "%s:%d: section header longer than %d characters", path,
                 p.long_section, INIH_MAX_SECTION - 1);
        p.rc = -EINVAL;
    }
    if (!p.rc && p.nul) {
        snprintf(p.err, sizeof(p.err), "%s:%d: NUL byte in the line", path, p.nul);
        p.rc = -EINVAL;
    }
    if (!p.rc && p.too_long) {
        snprintf(p.err, sizeof(p.err), "%s:%d: line longer than %d characters", path, p.too_long,
                 p.max_line);
        p.rc = -EINVAL;
    }
    if (!p.rc && line > 0) {
        snprintf(p.err, sizeof(p.err), "%s:%d: syntax error (expected [section] or key = value)",
                 path, line);
        p.rc = -EINVAL;
    }
    if (sc->ntriggers)
        qsort(sc->triggers, (size_t)sc->ntriggers, sizeof(sc->triggers[0]), by_trigger);
    if (!p.rc)
        check_whole(&p);
    if (!p.rc) {
        /* every variant (or the base alone) must make a runnable model */
        struct model *m = mem_alloc(sizeof(*m));
        if (!m) {
            p.rc = -ENOMEM;
            snprintf(p.err, sizeof(p.err), "%s: out of memory", path);
        }
        for (int v = sc->nvariants ? 0 : -1; m && !p.rc && v < sc->nvariants; v++)
            p.rc = scenario_model(sc, v, m, p.err, sizeof(p.err));
        mem_free(m);
    }
    if (!p.rc && !p.job_or_schedule) {
        snprintf(p.err, sizeof(p.err),
                 "%s: no [job] or [schedule] section: nothing says what runs or when "
                 "(see scenarios/README.md)",
                 path);
        p.rc = -EINVAL;
    }

    if (p.rc) {
        snprintf(err, errlen, "%s", p.err);
        scenario_free(sc);
        return p.rc;
    }
    *out = sc;
    return 0;
}

int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -ENOENT;
    }
    int rc = scenario_parse(f, path, out, err, errlen);
    fclose(f);
    return rc;
}

void scenario_free(struct scenario *sc)
{
    if (!sc)
        return;
    mem_free(sc->variants);
    mem_free(sc->overrides);
    mem_free(sc->cli);
    mem_free(sc->expect);
    mem_free(sc->nodes);
    mem_free(sc->triggers);
    mem_free(sc);
}

int scenario_add_set(struct scenario *sc, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    char key[64], e[256];
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(key)) {
        snprintf(err, errlen, "--set %s: expected KEY=VALUE", assignment);
        return -EINVAL;
    }
    snprintf(key, sizeof(key), "%.*s", (int)(eq - assignment), assignment);
    struct config scratch = sc->base;
    const char *slash = strchr(key, '/');
    int rc = config_set(&scratch, slash ? slash + 1 : key, eq + 1, 0, e, sizeof(e));
    if (rc) {
        snprintf(err, errlen, "--set %s: %s", assignment, e);
        return rc;
    }
    if (strlen(eq + 1) >= sizeof(sc->cli[0].value)) {
        snprintf(err, errlen, "--set %s: value too long", assignment);
        return -EINVAL;
    }
    if (grow((void **)&sc->cli, sc->ncli, sizeof(sc->cli[0]))) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    struct override *o = &sc->cli[sc->ncli++];
    strcpy(o->key, key);
    strcpy(o->value, eq + 1);
    o->line = -1; /* the command line */
    return 0;
}

/* Applies overrides meant for node (NULL: the ones without a NODE/ prefix). */
static int apply(struct config *c, const struct override *o, int n, const char *node)
{
    char e[256];
    for (int i = 0; i < n; i++) {
        const char *slash = strchr(o[i].key, '/'), *key = o[i].key;
        if (node) {
            size_t len = strlen(node);
            if (!slash || (size_t)(slash - key) != len || strncmp(key, node, len) != 0)
                continue;
            key = slash + 1;
        } else if (slash) {
            continue;
        }
        if (config_set(c, key, o[i].value, o[i].line, e, sizeof(e)) != 0)
            return -EINVAL;
    }
    return 0;
}

const char *scenario_node_name(const struct scenario *sc, int i, char *buf, size_t len)
{
    if (i >= 0 && i < sc->nnodes)
        return sc->nodes[i].name;
    if (sc->nnodes == 0 && sc->base.nnodes <= 1)
        return "app";
    snprintf(buf, len, "node-%d", i + 1);
    return buf;
}

static int model_error(const struct scenario *sc, int v, int line, const char *why, char *err,
                       size_t errlen)
{
    if (line > 0)
        snprintf(err, errlen, "%s:%d: %s", sc->path, line, why);
    else if (line < 0)
        snprintf(err, errlen, "--set: %s", why);
    else if (v >= 0)
        snprintf(err, errlen, "%s: variant '%s': %s", sc->path, sc->variants[v].name, why);
    else
        snprintf(err, errlen, "%s: %s", sc->path, why);
    return -EINVAL;
}

/* Does some NODE/ override name no node of the model? Its line, or -1. */
static int stray_node_override(const struct override *o, int n, const struct model *m, char *name,
                               size_t len)
{
    for (int i = 0; i < n; i++) {
        const char *slash = strchr(o[i].key, '/');
        if (!slash)
            continue;
        size_t k = (size_t)(slash - o[i].key);
        bool found = false;
        for (int j = 0; j < m->nnodes && !found; j++)
            found = strlen(m->node[j].name) == k && strncmp(m->node[j].name, o[i].key, k) == 0;
        if (!found) {
            snprintf(name, len, "%.*s", (int)k, o[i].key);
            return o[i].line;
        }
    }
    return -1;
}

int scenario_model(const struct scenario *sc, int v, struct model *m, char *err, size_t errlen)
{
    char why[400];
    int line;
    int nvo = v >= 0 ? sc->variants[v].count : 0; /* an empty [variant NAME] has none */
    const struct override *vo = nvo ? &sc->overrides[sc->variants[v].first] : NULL;
    memset(m, 0, sizeof(*m));
    m->cfg = sc->base;
    apply(&m->cfg, vo, nvo, NULL);
    apply(&m->cfg, sc->cli, sc->ncli, NULL);
    config_resolve(&m->cfg);
    if (config_check(&m->cfg, why, sizeof(why), &line) != 0)
        return model_error(sc, v, line, why, err, errlen);

    m->nnodes = sc->nnodes ? sc->nnodes : m->cfg.nnodes;
    if (m->nnodes > MODEL_MAX_NODES) {
        snprintf(why, sizeof(why), "scenario.nodes: at most %d nodes", MODEL_MAX_NODES);
        return model_error(sc, v, m->cfg.line[config_key_find("scenario.nodes") - config_keys], why,
                           err, errlen);
    }
    for (int i = 0; i < m->nnodes; i++) {
        struct node_spec *n = &m->node[i];
        char buf[32];
        snprintf(n->name, sizeof(n->name), "%s", scenario_node_name(sc, i, buf, sizeof(buf)));
        n->cfg = m->cfg;
        if (sc->nnodes && sc->nodes[i].count) /* a [node NAME] with no keys has none */
            apply(&n->cfg, &sc->overrides[sc->nodes[i].first], sc->nodes[i].count, NULL);
        apply(&n->cfg, vo, nvo, n->name);
        apply(&n->cfg, sc->cli, sc->ncli, n->name);
        config_resolve(&n->cfg);
        if (config_check(&n->cfg, why, sizeof(why), &line) != 0) {
            char both[500];
            snprintf(both, sizeof(both), "node '%s': %s", n->name, why);
            return model_error(sc, v, line, both, err, errlen);
        }
    }
    char stray[32];
    int sl = stray_node_override(vo, nvo, m, stray, sizeof(stray));
    if (sl >= 0) {
        snprintf(why, sizeof(why), "unknown node '%s'", stray);
        return model_error(sc, v, sl, why, err, errlen);
    }
    if (stray_node_override(sc->cli, sc->ncli, m, stray, sizeof(stray)) >= 0) {
        snprintf(err, errlen, "--set %s/...: unknown node '%s' in '%s'", stray, stray, sc->path);
        return -EINVAL;
    }

    m->ntriggers = sc->ntriggers;
    m->triggers = sc->triggers;
    m->nfaults = 0;
    for (int i = 0; i < sc->nfaults; i++) { /* the faults of this variant */
        const struct fault_spec *f = &sc->fault[i];
        bool in = f->nvariants == 0;
        for (int j = 0; j < f->nvariants && !in; j++)
            in = v >= 0 && strcmp(f->variants[j], sc->variants[v].name) == 0;
        if (in)
            m->fault[m->nfaults++] = *f;
    }
    for (int i = 0; i < m->nfaults; i++) {
        struct fault_spec *f = &m->fault[i];
        f->node_idx = -1;
        if (!f->node[0])
            continue;
        for (int j = 0; j < m->nnodes && f->node_idx < 0; j++)
            if (strcmp(m->node[j].name, f->node) == 0)
                f->node_idx = j;
        if (f->node_idx < 0) {
            char names[200] = "";
            for (int j = 0; j < m->nnodes; j++)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                         j ? ", " : "", m->node[j].name);
            snprintf(why, sizeof(why), "fault on unknown node '%s' (nodes: %s)", f->node, names);
            return model_error(sc, v, f->node_line ? f->node_line : f->line, why, err, errlen);
        }
    }
    return 0;
}
