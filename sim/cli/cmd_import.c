/*
 * overlapsim import: a commented scenario from a crontab, a systemd timer
 * (with its .service) or a Kubernetes CronJob manifest, recognised from the
 * content. Every scenario written is parsed back before it is written, so
 * what import writes, run accepts.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/dist_data.h"
#include "../import/import.h"
#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim import FILE [SERVICE] [--out F.ini] [--line N] [--wrapper SCRIPT]\n"
    "                        [--durations FILE[,NAME]]\n"
    "\n"
    "Writes a scenario from a schedule definition, recognised from its content:\n"
    "  a crontab (user or system format): one scenario per job line, or --line N;\n"
    "    the wrappers flock -n FILE, run-one and solo -port=P give guard flock,\n"
    "    --wrapper SCRIPT (a PID-file wrapper) guard pidfile-check;\n"
    "  a systemd timer: OnCalendar= (the forms cron can express), Persistent=,\n"
    "    AccuracySec=, RandomizedDelaySec=, or OnUnitActiveSec=/OnBootSec= as\n"
    "    fixed-delay; the .service (SERVICE, or NAME.service beside it) for ExecStart=;\n"
    "  a Kubernetes CronJob manifest: schedule, concurrencyPolicy,\n"
    "    startingDeadlineSeconds, terminationGracePeriodSeconds; one scenario per\n"
    "    CronJob document (--line N: the document starting on line N).\n"
    "Fields the scenario format cannot express are warned about, one line each, and\n"
    "noted in the scenario. The job's duration is unknown from these: --durations\n"
    "takes a Prometheus exposition file (histogram) or a list/CSV of durations\n"
    "(empirical, NAME: the column); without it the scenario holds a placeholder.\n"
    "Several scenarios go to F-NAME.ini (with --out F.ini). Without --out: stdout.\n"
    "Exit: 0 written, 2 bad input.\n";

static char *slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1 || cap >= (16u << 20))
            break;
        char *grown = realloc(buf, cap *= 2);
        if (!grown) {
            free(buf);
            buf = NULL;
        }
        buf = grown;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "cannot read '%s'", path);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

/* The distribution for --durations FILE[,NAME], with FILE relative to the scenario's directory. */
static int durations_expr(const char *arg, const char *out, char *expr, size_t len)
{
    char file[PATH_MAX], err[300];
    const char *comma = strchr(arg, ',');
    snprintf(file, sizeof(file), "%.*s", comma ? (int)(comma - arg) : (int)strlen(arg), arg);
    char *text = slurp(file, err, sizeof(err));
    if (!text)
        return cli_error("--durations %s: %s", arg, err);
    bool hist = strstr(text, "_bucket{") != NULL;
    free(text);
    char shown[PATH_MAX + 1];
    snprintf(shown, sizeof(shown), "%s", file);
    if (out) { /* relative to the scenario written, or absolute */
        char dir[PATH_MAX], rdir[PATH_MAX], rfile[PATH_MAX];
        const char *slash = strrchr(out, '/');
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
        if (realpath(dir, rdir) && realpath(file, rfile)) {
            size_t n = strlen(rdir);
            if (strncmp(rfile, rdir, n) == 0 && rfile[n] == '/')
                snprintf(shown, sizeof(shown), "%s", rfile + n + 1);
            else
                snprintf(shown, sizeof(shown), "%s", rfile);
        }
    }
    snprintf(expr, len, "%s(%s%s%s)", hist ? "histogram" : "empirical", shown, comma ? ", " : "",
             comma ? comma + 1 : "");
    return 0;
}

/* Writes s to path (NULL: stdout) after parsing it back as a scenario. */
static int emit(const struct import_scn *s, const char *path, const char *durations)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return cli_error("out of memory");
    import_write(m, s, durations);
    fclose(m);
    FILE *in = fmemopen(buf, len, "r");
    struct scenario *sc = NULL;
    char err[1200];
    int rc = in ? scenario_parse(in, path ? path : "import.ini", &sc, err, sizeof(err)) : -ENOMEM;
    if (in)
        fclose(in);
    scenario_free(sc);
    dist_data_notes(stderr); /* what --durations' histogram leaves open */
    if (rc) {
        free(buf);
        return cli_error("the scenario for %s does not load: %s", s->source, err);
    }
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        free(buf);
        return cli_error("cannot write '%s': %s", path, strerror(errno));
    }
    fwrite(buf, 1, len, f);
    int bad = ferror(f);
    if (path && fclose(f) != 0)
        bad = 1;
    free(buf);
    if (bad)
        return cli_error("cannot write '%s'", path ? path : "stdout");
    if (path)
        fprintf(stderr, "overlapsim: wrote %s (%s)\n", path, s->source);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    static const struct option longs[] = {{"out", required_argument, NULL, 'o'},
                                          {"line", required_argument, NULL, 'l'},
                                          {"wrapper", required_argument, NULL, 'w'},
                                          {"durations", required_argument, NULL, 'd'},
                                          {"service", required_argument, NULL, 's'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    struct import_opts o = {.warn = stderr};
    const char *out = NULL, *durations = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:l:w:d:s:h", longs, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'l':
            o.line = (int)strtol(optarg, &end, 10);
            if (*end || o.line < 1)
                return cli_error("--line %s: expected a line number", optarg);
            break;
        case 'w':
            o.wrapper = optarg;
            break;
        case 'd':
            durations = optarg;
            break;
        case 's':
            o.service = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            return cli_error("%s: unknown option (see overlapsim import --help)", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_error("no file to import given (see overlapsim import --help)");
    o.path = argv[optind];
    if (optind + 1 < argc && !o.service)
        o.service = argv[optind + 1];
    if (optind + 2 < argc || (optind + 1 < argc && o.service != argv[optind + 1]))
        return cli_error("%s: one file to import (and a timer's service)", argv[argc - 1]);
    char err[1200], expr[PATH_MAX + 300];
    char *text = slurp(o.path, err, sizeof(err));
    if (!text)
        return cli_error("%s", err);
    if (durations && durations_expr(durations, out, expr, sizeof(expr)) != 0) {
        free(text);
        return EXIT_USAGE;
    }
    struct import_scn *scn = calloc(IMPORT_MAX, sizeof(*scn));
    if (!scn) {
        free(text);
        return cli_error("out of memory");
    }
    enum import_format fmt = import_detect(text);
    if (fmt != IMPORT_SYSTEMD && o.service) {
        free(text);
        free(scn);
        return cli_error("%s: a service file goes with a systemd timer only", o.service);
    }
    int n = fmt == IMPORT_K8S       ? import_k8s(text, &o, scn, IMPORT_MAX, err, sizeof(err))
            : fmt == IMPORT_SYSTEMD ? import_systemd(text, &o, scn, IMPORT_MAX, err, sizeof(err))
                                    : import_crontab(text, &o, scn, IMPORT_MAX, err, sizeof(err));
    free(text);
    int rc = 0;
    if (n < 0) {
        rc = cli_error("%s", err);
    } else if (n == 0) {
        rc = cli_error("%s: no job to import", o.path);
    } else if (n > 1 && !out) {
        char lines[300] = "";
        for (int i = 0; i < n; i++)
            snprintf(lines + strlen(lines), sizeof(lines) - strlen(lines), "%s%d", i ? ", " : "",
                     scn[i].line);
        rc = cli_error("%s holds %d jobs (lines %s): give --line N, or --out F.ini for one file "
                       "each (F-NAME.ini)",
                       o.path, n, lines);
    }
    for (int i = 0; i < n && !rc; i++) {
        char path[PATH_MAX];
        if (out && n > 1) {
            const char *dot = strrchr(out, '.');
            size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - out) : strlen(out);
            snprintf(path, sizeof(path), "%.*s-%s.ini", (int)stem, out,
                     scn[i].tag[0] ? scn[i].tag : scn[i].name);
        } else if (out) {
            snprintf(path, sizeof(path), "%s", out);
        }
        rc = emit(&scn[i], out ? path : NULL, durations ? expr : NULL);
    }
    free(scn);
    return rc;
}
