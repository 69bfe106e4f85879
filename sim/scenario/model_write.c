/*
 * Scenario text from a model (see model_write.h), driven by the key table:
 * the scenario-wide keys, then each node with the keys where it differs,
 * faults with every field that is not its default, explicit triggers.
 */
#include "model_write.h"

#include <errno.h>
#include <string.h>

#include "../base/num.h"

static void write_comment(FILE *f, const char *comment)
{
    const char *p = comment;
    while (p && *p) {
        size_t n = strcspn(p, "\n");
        fprintf(f, "; %.*s\n", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
}

static void write_config(FILE *f, const struct config *c)
{
    char value[4096], section[64] = "";
    for (const struct config_key *k = config_keys; k->name; k++) {
        const char *dot = strchr(k->name, '.');
        size_t slen = (size_t)(dot - k->name);
        config_get(c, k, value, sizeof(value));
        if (!value[0]) /* an empty value is the default: leave it out */
            continue;
        if (strlen(section) != slen || strncmp(section, k->name, slen) != 0) {
            snprintf(section, sizeof(section), "%.*s", (int)slen, k->name);
            fprintf(f, "\n[%s]\n", section);
        }
        fprintf(f, "%s = %s\n", dot + 1, value);
    }
}

/* [node NAME] with every key whose value differs from the scenario's. */
static void write_node(FILE *f, const struct node_spec *n, const struct config *base)
{
    char mine[4096], theirs[4096];
    const struct config_key *offset = config_key_find("node.clock_offset");
    /* always one key: a section without keys would declare no node */
    fprintf(f, "\n[node %s]\n%s = %s\n", n->name, offset->name,
            config_get(&n->cfg, offset, mine, sizeof(mine)));
    for (const struct config_key *k = config_keys; k->name; k++) {
        config_get(&n->cfg, k, mine, sizeof(mine));
        config_get(base, k, theirs, sizeof(theirs));
        if (k != offset && strcmp(mine, theirs) != 0 && mine[0] &&
            strncmp(k->name, "scenario.", 9) != 0)
            fprintf(f, "%s = %s\n", k->name, mine);
    }
}

static void write_fault(FILE *f, const struct fault_spec *fs)
{
    static const char *const targets[] = {"", "node", "process", "database"};
    char v[600];
    fprintf(f, "\n[fault]\nkind = %s\n", fault_kind_name(fs->kind));
    if (fs->point == POINT_NONE) {
        fprintf(f, "at = %s\n", time_format(fs->at, v));
    } else { /* "after acquire" is written `after = acquire` */
        const char *name = fault_point_name(fs->point);
        const char *sp = strchr(name, ' ');
        fprintf(f, "%.*s = %s\n", (int)(sp - name), name, sp + 1);
        if (fs->at > 0) /* armed from then on */
            fprintf(f, "at = %s\n", time_format(fs->at, v));
        if (fs->count != 1)
            fprintf(f, "count = %d\n", fs->count);
    }
    if (fs->dur > 0)
        fprintf(f, "for = %s\n", time_format(fs->dur, v));
    if (fs->latency.kind != DIST_NONE)
        fprintf(f, "latency = %s\n", dist_format(&fs->latency, v, sizeof(v)));
    if (fs->target != FT_DEFAULT)
        fprintf(f, "target = %s\n", targets[fs->target]);
    if (fs->node[0])
        fprintf(f, "node = %s\n", fs->node);
    if (fs->has_by)
        fprintf(f, "by = %s\n", time_format(fs->by, v));
    if (fs->kind == FAULT_CRASH)
        fprintf(f, "cleanup = %s\n", fs->cleanup ? "yes" : "no");
    if (fs->restart_after >= 0)
        fprintf(f, "restart_after = %s\n", time_format(fs->restart_after, v));
    if (fs->delay > 0)
        fprintf(f, "delay = %s\n", time_format(fs->delay, v));
    if (fs->kind == FAULT_PID_REUSE)
        fprintf(f, "cmdline = %s\n", fs->same_cmdline ? "same" : "other");
    if (fs->every.kind != DIST_NONE) {
        fprintf(f, "every = %s\n", dist_format(&fs->every, v, sizeof(v)));
        if (fs->until > 0)
            fprintf(f, "until = %s\n", time_format(fs->until, v));
    }
    if (fs->probability < 1.0)
        fprintf(f, "probability = %s\n", num_format(fs->probability, v, sizeof(v)));
}

int model_write(const struct model *m, FILE *f, const char *comment)
{
    char t1[TIME_FMT_LEN];
    write_comment(f, comment);
    write_config(f, &m->cfg);
    for (int i = 0; i < m->nnodes && m->nnodes > 1; i++)
        write_node(f, &m->node[i], &m->cfg);
    if (m->nnodes == 1) /* one node: its own values are the scenario's */
        write_node(f, &m->node[0], &m->cfg);
    for (int i = 0; i < m->nfaults; i++)
        write_fault(f, &m->fault[i]);
    for (int i = 0; i < m->ntriggers; i++) {
        const struct trigger_spec *t = &m->triggers[i];
        fprintf(f, "\n[trigger %llu]\n", (unsigned long long)t->n);
        if (t->manual)
            fprintf(f, "manual_at = %s\n", time_format(t->at, t1));
        if (t->has_api)
            fprintf(f, "api = %s\n", time_format(t->api, t1));
        if (t->has_db)
            fprintf(f, "db = %s\n", time_format(t->db, t1));
    }
    return ferror(f) ? -EIO : 0;
}
