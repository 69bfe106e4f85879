/*
 * A throwaway PostgreSQL cluster for a cmocka group: started in a fresh
 * /tmp directory before the group's tests, with the run's schema opened on
 * it (`db`), and stopped afterwards, also when a test failed. The group
 * teardown fails if the cluster's directory outlived the stop.
 */
#ifndef TESTS_PG_FIXTURE_H
#define TESTS_PG_FIXTURE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../sim/live/sys/pgdb.h"
#include "../sim/live/sys/proc.h"

static struct pg_cluster cluster;
static struct pg_db db;
static char parent[64];

static int group_setup(void **state)
{
    (void)state;
    char err[600];
    proc_subreaper(true); /* the postmaster outlives pg_ctl: reap it here */
    snprintf(parent, sizeof(parent), "/tmp/overlapsim-pgtest-XXXXXX");
    if (!mkdtemp(parent))
        return -1;
    if (pg_cluster_start(&cluster, parent, false, err, sizeof(err)) != 0 ||
        pg_db_open(&db, cluster.conninfo, err, sizeof(err)) != 0) {
        fprintf(stderr, "cannot start PostgreSQL: %s\n", err);
        pg_cluster_stop(&cluster);
        rmdir(parent);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", cluster.dir);
    pg_db_close(&db);
    pg_cluster_stop(&cluster);
    proc_reap(2000);
    int left = access(dir, F_OK) == 0;
    rmdir(parent);
    return left ? -1 : 0; /* the cluster's directory is gone */
}

#endif
