/*
 * Kubernetes CronJob manifests (batch/v1), loaded as YAML documents with
 * libyaml; several documents (---) give several scenarios, and documents of
 * another kind are skipped with a warning. The fields the scenario format
 * has keys for: schedule (cron, with @hourly etc.), concurrencyPolicy,
 * startingDeadlineSeconds and the pod's terminationGracePeriodSeconds (a
 * replaced Job's grace). timeZone, suspend, activeDeadlineSeconds,
 * backoffLimit and every other field that could change when or how often
 * the job runs are warned about; fields that cannot (history limits,
 * labels, the container's image) are noted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../base/cron.h"
#include "import.h"

struct k8s_doc {
    yaml_document_t *doc;
    struct import_opts *o;
    struct import_scn *s;
};

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in a mapping node, or NULL. */
static yaml_node_t *get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(yaml_document_get_node(d, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

static bool in(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0)
            return true;
    return false;
}

/*
 * Every key of a mapping that is neither handled nor known to be harmless
 * gets a warning; harmless ones a note.
 */
static void check_keys(struct k8s_doc *k, yaml_node_t *map, const char *where,
                       const char *const *handled, const char *const *harmless)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(k->doc, p->key);
        const char *key = scalar(kn);
        if (!key || in(key, handled))
            continue;
        const char *v = scalar(yaml_document_get_node(k->doc, p->value));
        if (in(key, harmless))
            import_note(k->s, "%s.%s%s%s: no effect on when the job runs", where, key,
                        v ? ": " : "", v ? v : "");
        else
            import_warn(k->o, k->s, line_of(kn), "%s.%s%s%s: not simulated", where, key,
                        v ? " = " : "", v ? v : "");
    }
}

static bool is_true(const char *v)
{
    return v && (strcmp(v, "true") == 0 || strcmp(v, "True") == 0);
}

static int cronjob(struct k8s_doc *k, yaml_node_t *root, int docno, char *err, size_t errlen)
{
    yaml_document_t *d = k->doc;
    struct import_scn *s = k->s;
    struct import_opts *o = k->o;
    const char *name = scalar(get(d, get(d, root, "metadata"), "name"));
    snprintf(s->name, sizeof(s->name), "%s", name ? name : "cronjob");
    if (!name)
        snprintf(s->name, sizeof(s->name), "cronjob-%d", docno);
    snprintf(s->source, sizeof(s->source), "%s:%d", o->path, line_of(root));
    snprintf(s->description, sizeof(s->description), "Kubernetes CronJob %.200s", s->name);
    s->line = line_of(root);
    snprintf(s->tag, sizeof(s->tag), "%s", s->name);
    import_note(s, "Kubernetes CronJob %s (document %d of %s)", s->name, docno, o->path);
    const char *api = scalar(get(d, root, "apiVersion"));
    if (api && strcmp(api, "batch/v1") != 0)
        import_note(s, "apiVersion %s: read as batch/v1", api);
    static const char *const top_handled[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    static const char *const top_harmless[] = {"status", NULL};
    check_keys(k, root, "", top_handled, top_harmless);

    yaml_node_t *spec = get(d, root, "spec");
    yaml_node_t *sched = get(d, spec, "schedule");
    const char *cron = scalar(sched);
    if (!cron) {
        snprintf(err, errlen, "%s:%d: CronJob %s has no spec.schedule", o->path, line_of(root),
                 s->name);
        return -EINVAL;
    }
    struct cron_expr ce;
    char cerr[200];
    if (strncmp(cron, "TZ=", 3) == 0 || strncmp(cron, "CRON_TZ=", 8) == 0) {
        snprintf(err, errlen,
                 "%s:%d: schedule '%s': a time zone in the schedule is not supported by "
                 "Kubernetes (use spec.timeZone)",
                 o->path, line_of(sched), cron);
        return -EINVAL;
    }
    if (cron_parse(cron, &ce, cerr, sizeof(cerr)) != 0) {
        snprintf(err, errlen, "%s:%d: schedule '%s': %s", o->path, line_of(sched), cron, cerr);
        return -EINVAL;
    }
    import_sched(s, "kind", "k8s-cronjob");
    import_sched(s, "cron", "%s", cron);
    s->interval = import_cron_interval(cron);
    import_note(s, "schedule %s: the controller creates one Job per slot", cron);

    const char *policy = scalar(get(d, spec, "concurrencyPolicy"));
    if (policy) {
        const char *lower = strcmp(policy, "Allow") == 0     ? "allow"
                            : strcmp(policy, "Forbid") == 0  ? "forbid"
                            : strcmp(policy, "Replace") == 0 ? "replace"
                                                             : NULL;
        if (!lower) {
            snprintf(err, errlen,
                     "%s:%d: concurrencyPolicy '%s' (expected Allow, Forbid or Replace)", o->path,
                     line_of(get(d, spec, "concurrencyPolicy")), policy);
            return -EINVAL;
        }
        import_sched(s, "concurrency_policy", "%s", lower);
    } else {
        import_sched(s, "concurrency_policy", "allow");
        import_note(s, "no concurrencyPolicy: Kubernetes' default, Allow (Jobs may overlap)");
    }
    yaml_node_t *n = get(d, spec, "startingDeadlineSeconds");
    if (scalar(n)) {
        long v = strtol(scalar(n), NULL, 10);
        import_sched(s, "starting_deadline", "%lds", v);
    }
    if ((n = get(d, spec, "timeZone")) && scalar(n))
        import_warn(o, s, line_of(n),
                    "timeZone %s: the simulated clock has no time zone (nor daylight saving): "
                    "the schedule runs on it as if local",
                    scalar(n));
    if ((n = get(d, spec, "suspend")) && is_true(scalar(n)))
        import_warn(o, s, line_of(n),
                    "suspend: true: the CronJob creates no Job until resumed; the scenario "
                    "simulates it resumed");
    static const char *const spec_handled[] = {
        "schedule", "concurrencyPolicy", "startingDeadlineSeconds",
        "timeZone", "suspend",           "jobTemplate",
        NULL};
    static const char *const spec_harmless[] = {"successfulJobsHistoryLimit",
                                                "failedJobsHistoryLimit", NULL};
    check_keys(k, spec, "spec", spec_handled, spec_harmless);

    yaml_node_t *jt = get(d, spec, "jobTemplate");
    yaml_node_t *jspec = get(d, jt, "spec");
    if ((n = get(d, jspec, "activeDeadlineSeconds")) && scalar(n))
        import_warn(o, s, line_of(n),
                    "activeDeadlineSeconds %s: the scenario format has no job deadline: runs "
                    "are not killed after %ss",
                    scalar(n), scalar(n));
    if ((n = get(d, jspec, "backoffLimit")) && scalar(n))
        import_warn(o, s, line_of(n),
                    "backoffLimit %s: failed pods are not retried in the simulation (a retry "
                    "keeps the Job active longer)",
                    scalar(n));
    if ((n = get(d, jspec, "parallelism")) && scalar(n) && strcmp(scalar(n), "1") != 0)
        import_warn(o, s, line_of(n), "parallelism %s: the simulation runs one pod per Job",
                    scalar(n));
    static const char *const jt_handled[] = {"metadata", "spec", NULL};
    static const char *const none[] = {NULL};
    check_keys(k, jt, "spec.jobTemplate", jt_handled, none);
    static const char *const js_handled[] = {"activeDeadlineSeconds", "backoffLimit", "parallelism",
                                             "template", NULL};
    static const char *const js_harmless[] = {"ttlSecondsAfterFinished", "completions", "selector",
                                              "manualSelector", NULL};
    check_keys(k, jspec, "spec.jobTemplate.spec", js_handled, js_harmless);

    yaml_node_t *pod = get(d, get(d, jspec, "template"), "spec");
    if ((n = get(d, pod, "terminationGracePeriodSeconds")) && scalar(n)) {
        import_sched(s, "grace_period", "%lds", strtol(scalar(n), NULL, 10));
    } else {
        import_note(s, "no terminationGracePeriodSeconds: Kubernetes' default, 30s "
                       "(schedule.grace_period)");
    }
    static const char *const pod_handled[] = {"terminationGracePeriodSeconds", "containers", NULL};
    static const char *const pod_harmless[] = {"restartPolicy",   "serviceAccountName", "volumes",
                                               "nodeSelector",    "tolerations",        "affinity",
                                               "securityContext", "imagePullSecrets",   NULL};
    check_keys(k, pod, "spec.jobTemplate.spec.template.spec", pod_handled, pod_harmless);

    /* the container's command, for wrappers (flock and the like) */
    yaml_node_t *cs = get(d, pod, "containers");
    if (cs && cs->type == YAML_SEQUENCE_NODE &&
        cs->data.sequence.items.top > cs->data.sequence.items.start) {
        yaml_node_t *c = yaml_document_get_node(d, *cs->data.sequence.items.start);
        char cmd[1024] = "";
        const char *parts[] = {"command", "args"};
        if (!get(d, c, "command"))
            snprintf(cmd, sizeof(cmd), "(image entrypoint)");
        for (int i = 0; i < 2; i++) {
            yaml_node_t *l = get(d, c, parts[i]);
            if (!l || l->type != YAML_SEQUENCE_NODE)
                continue;
            for (yaml_node_item_t *it = l->data.sequence.items.start;
                 it < l->data.sequence.items.top; it++) {
                const char *w = scalar(yaml_document_get_node(d, *it));
                if (w)
                    snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s'%s'",
                             cmd[0] ? " " : "", w);
            }
        }
        const char *image = scalar(get(d, c, "image"));
        import_note(s, "container image %s", image ? image : "(none)");
        if (cmd[0])
            import_command(o, s, line_of(c), cmd);
    }
    return 0;
}

int import_k8s(const char *text, struct import_opts *o, struct import_scn *out, int max, char *err,
               size_t errlen)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    int n = 0, docno = 0, rc = 0;
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            snprintf(err, errlen, "%s:%zu: YAML: %s", o->path, parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "syntax error");
            rc = -EINVAL;
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) { /* the end of the stream */
            yaml_document_delete(&doc);
            break;
        }
        docno++;
        const char *kind = scalar(get(&doc, root, "kind"));
        if (!kind || strcmp(kind, "CronJob") != 0) {
            import_warn(o, NULL, line_of(root), "document %d is %s%s, not a CronJob: skipped",
                        docno, kind ? "a " : "not a manifest", kind ? kind : "");
        } else if (!o->line ||
                   (o->line >= line_of(root) - 1 && o->line <= (int)root->end_mark.line + 1)) {
            if (n == max) {
                snprintf(err, errlen, "%s: more than %d CronJobs", o->path, max);
                rc = -EINVAL;
            } else {
                struct k8s_doc k = {&doc, o, &out[n]};
                memset(&out[n], 0, sizeof(out[n]));
                rc = cronjob(&k, root, docno, err, errlen);
                n++;
            }
        }
        yaml_document_delete(&doc);
        if (rc)
            break;
    }
    yaml_parser_delete(&parser);
    if (!rc && n == 0) {
        snprintf(err, errlen, "%s: no CronJob%s", o->path, o->line ? " at --line" : "");
        rc = -EINVAL;
    }
    return rc ? rc : n;
}
