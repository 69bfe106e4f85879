/* Scenario text from a model (see model_write.h), driven by the key table. */
#include "model_write.h"

#include <errno.h>
#include <string.h>

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

int model_write(const struct model *m, FILE *f, const char *comment)
{
    char value[600], section[64] = "", t1[TIME_FMT_LEN], t2[TIME_FMT_LEN];
    write_comment(f, comment);
    for (const struct config_key *k = config_keys; k->name; k++) {
        const char *dot = strchr(k->name, '.');
        size_t slen = (size_t)(dot - k->name);
        if (strlen(section) != slen || strncmp(section, k->name, slen) != 0) {
            snprintf(section, sizeof(section), "%.*s", (int)slen, k->name);
            fprintf(f, "\n[%s]\n", section);
        }
        config_get(&m->cfg, k, value, sizeof(value));
        if (value[0]) /* an empty string is the default: leave it out */
            fprintf(f, "%s = %s\n", dot + 1, value);
    }
    for (int i = 0; i < m->nfaults; i++) {
        const struct fault_spec *fs = &m->fault[i];
        fprintf(f, "\n[fault]\nkind = %s\nat = %s\n", fault_kind_name(fs->kind),
                time_format(fs->at, t1));
        if (fs->dur > 0)
            fprintf(f, "for = %s\n", time_format(fs->dur, t2));
        if (fs->latency.kind != DIST_NONE)
            fprintf(f, "latency = %s\n", dist_format(&fs->latency, value, sizeof(value)));
    }
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
