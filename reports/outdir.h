/*
 * Output directories that appear whole or not at all: everything is written
 * into a fresh temporary sibling of the target, which replaces the target
 * by rename() only when complete. A failed or interrupted command leaves
 * the previous output (or nothing), never half a report. An existing
 * target is replaced only if it is empty or was written by overlapsim
 * (it holds the marker file), so `--out ~` cannot wipe a home directory.
 */
#ifndef REPORTS_OUTDIR_H
#define REPORTS_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

#define OUTDIR_MARKER ".overlapsim-output"

struct outdir {
    char target[1024];
    char tmp[1100];
};

/*
 * Creates the temporary directory for target. Returns 0, or a negative
 * errno with one line in err: the parent is missing or not writable, the
 * target is a file, or a directory overlapsim did not write.
 */
int outdir_begin(struct outdir *o, const char *target, char *err, size_t errlen);

/* tmp/name into buf. Returns buf. */
char *outdir_path(const struct outdir *o, const char *name, char *buf, size_t len);

/* Opens tmp/name for writing (creating subdirectories). NULL with errno set on failure. */
FILE *outdir_open(const struct outdir *o, const char *name);

/* Moves the finished directory into place. Returns 0 or a negative errno with err. */
int outdir_commit(struct outdir *o, char *err, size_t errlen);

/* Removes the temporary directory and everything in it. */
void outdir_abort(struct outdir *o);

/* Removes a directory tree. Returns 0 or a negative errno. */
int outdir_remove_tree(const char *path);

#endif
