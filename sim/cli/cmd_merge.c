/*
 * overlapsim merge: joins the CSV rows of sweep shards (`sweep --shard K/N
 * --format csv`) into exactly the CSV one unsharded run prints. Each shard
 * is already in index order, so this is a k-way merge that holds one line
 * per file; a first pass checks everything (same header, same sweep size,
 * every index exactly once) so no partial output is written on error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "common/cli.h"

static const char usage[] =
    "usage: overlapsim merge SHARD.csv... [--out FILE]\n"
    "\n"
    "Merges the CSV output of `overlapsim sweep --format csv --shard K/N` for K = 1..N\n"
    "into the CSV one run of the whole sweep prints (to stdout or --out -, or FILE\n"
    "written at once). Every row must appear exactly once: missing or conflicting rows are an\n"
    "error (exit 2) and nothing is written.\n";

struct input {
    const char *path;
    FILE *f;
    char *line;
    size_t cap;
    bool more;
    uint64_t index, units;
    uint64_t rows;
};

static int next_row(struct input *in)
{
    ssize_t n = getline(&in->line, &in->cap, in->f);
    if (n <= 0) {
        in->more = false;
        return 0;
    }
    if (in->line[n - 1] == '\n')
        in->line[--n] = 0;
    char *end;
    uint64_t prev = in->index;
    errno = 0;
    in->index = strtoull(in->line, &end, 10);
    if (errno || end == in->line || *end != ',')
        return cli_error("'%s': row %" PRIu64 " does not start with an index (not a sweep CSV?)",
                         in->path, in->rows + 2);
    in->units = strtoull(end + 1, &end, 10);
    if (*end != ',')
        return cli_error("'%s': row %" PRIu64 " has no units column (not a sweep CSV?)", in->path,
                         in->rows + 2);
    if (in->rows && in->index <= prev)
        return cli_error("'%s': rows are not in index order at row %" PRIu64
                         " (not an unedited shard?)",
                         in->path, in->rows + 2);
    in->rows++;
    in->more = true;
    return 0;
}

static int open_all(struct input *in, int n, char **header)
{
    for (int i = 0; i < n; i++) {
        in[i].f = fopen(in[i].path, "r");
        if (!in[i].f)
            return cli_error("cannot open '%s': %s", in[i].path, strerror(errno));
        ssize_t len = getline(&in[i].line, &in[i].cap, in[i].f);
        if (len <= 0 || strncmp(in[i].line, "index,units,", 12) != 0)
            return cli_error("'%s': not a sweep CSV (its header must start with index,units)",
                             in[i].path);
        if (!*header) {
            *header = strdup(in[i].line);
            if (!*header)
                return cli_error("out of memory");
        } else if (strcmp(*header, in[i].line) != 0) {
            return cli_error("'%s': its header differs from '%s' (shards of different sweeps?)",
                             in[i].path, in[0].path);
        }
        in[i].rows = 0;
        in[i].index = 0;
        int rc = next_row(&in[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static void close_all(struct input *in, int n)
{
    for (int i = 0; i < n; i++) {
        if (in[i].f)
            fclose(in[i].f);
        in[i].f = NULL;
    }
}

/* One pass of the merge; writes to out when not NULL. */
static int merge_pass(struct input *in, int n, FILE *out, char **header)
{
    int rc = open_all(in, n, header);
    if (rc)
        return rc;
    if (out)
        fputs(*header, out);
    uint64_t expect = 0, units = 0;
    bool have_units = false;
    for (;;) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (in[i].more && (best < 0 || in[i].index < in[best].index))
                best = i;
        if (best < 0)
            break;
        struct input *b = &in[best];
        if (!have_units) {
            units = b->units;
            have_units = true;
        } else if (b->units != units) {
            return cli_error("'%s': row %" PRIu64 " belongs to a sweep of %" PRIu64
                             " runs, not %" PRIu64,
                             b->path, b->index, b->units, units);
        }
        if (b->index < expect) {
            /* the same row twice: fine if identical (a shard given twice), else a conflict */
            for (int i = 0; i < n; i++)
                if (i != best && in[i].more && in[i].index == b->index &&
                    strcmp(in[i].line, b->line) != 0)
                    return cli_error("row %" PRIu64 " differs between '%s' and '%s'", b->index,
                                     in[i].path, b->path);
            rc = next_row(b);
            if (rc)
                return rc;
            continue;
        }
        if (b->index > expect)
            return cli_error("row %" PRIu64 " of %" PRIu64 " is missing (a shard not given or not "
                             "finished?)",
                             expect, units);
        /* a duplicate with different content in another file? */
        for (int i = 0; i < n; i++)
            if (i != best && in[i].more && in[i].index == b->index &&
                strcmp(in[i].line, b->line) != 0)
                return cli_error("row %" PRIu64 " differs between '%s' and '%s'", b->index, b->path,
                                 in[i].path);
        if (out) {
            fputs(b->line, out);
            fputc('\n', out);
        }
        expect++;
        rc = next_row(b);
        if (rc)
            return rc;
    }
    if (!have_units)
        return cli_error("no rows to merge");
    if (expect != units)
        return cli_error("only %" PRIu64 " of %" PRIu64
                         " rows (a shard not given or not finished?)",
                         expect, units);
    close_all(in, n);
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    struct cli_opts o;
    int rc = cli_parse(argc, argv, "out,files", usage, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.file)
        return cli_error("no shard files given (see --help)");
    /* getopt_long moved the operands to the end: the first is o.file, at optind - 1 */
    int first = optind - 1, n = argc - first;
    struct input *in = calloc((size_t)n, sizeof(*in));
    if (!in)
        return cli_error("out of memory");
    for (int k = 0; k < n; k++)
        in[k].path = argv[first + k];
    char *header = NULL;
    rc = merge_pass(in, n, NULL, &header);
    close_all(in, n);
    struct cli_out w = {.f = stdout};
    bool to_file = o.out && !cli_is_stdout(o.out);
    if (!rc && to_file)
        rc = cli_out_begin(&w, "--out", o.out, false);
    if (!rc) {
        free(header);
        header = NULL;
        rc = merge_pass(in, n, w.f, &header);
        close_all(in, n);
        if (!to_file && !rc && (fflush(stdout) != 0 || ferror(stdout)))
            rc = cli_error("cannot write to standard output: %s", strerror(errno));
        if (to_file) {
            int erc = cli_out_end(&w, rc != 0);
            rc = rc ? rc : erc;
        }
    }
    for (int i = 0; i < n; i++)
        free(in[i].line);
    free(in);
    free(header);
    return rc;
}
