/*
 * Live mode's hardening (issue 13), without a live run: --dsn passwords are
 * redacted in every form libpq reads, owners of leftovers are recognised
 * (a dead or reused pid is gone, this process is not), and the run's schema
 * is quoted as an identifier wherever it goes into SQL, so a name that
 * needs quotes works (a throwaway cluster of the test's own).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sim/live/sys/dsn.h"
#include "../sim/live/owner.h"
#include "pg_fixture.h"

static void redacts(const char *dsn, const char *want)
{
    char buf[512];
    assert_string_equal(dsn_redact(dsn, buf, sizeof(buf)), want);
}

static void test_live_owner_dsn_passwords_redacted(void **state)
{
    (void)state;
    redacts("postgresql://u:s3cretpw@db.example:5432/x", "postgresql://u:***@db.example:5432/x");
    redacts("postgres://u:p@ss@h/x", "postgres://u:***@h/x"); /* the last '@' ends it */
    redacts("postgresql://u@h/x?sslmode=require&password=s3cretpw",
            "postgresql://u@h/x?sslmode=require&password=***");
    redacts("postgresql://h/x", "postgresql://h/x");
    redacts("host=h password=s3cretpw user=u", "host=h password=*** user=u");
    redacts("host=h password = 's3 cr\\'et' user=u", "host=h password = '***' user=u");
    redacts("host=h user=u", "host=h user=u");
    char msg[200] = "invalid percent-encoded token: \"s3cretpw%zz\"";
    dsn_scrub(msg, sizeof(msg), "postgresql://u:s3cretpw%zz@h/x");
    assert_null(strstr(msg, "s3cretpw"));
    char arg[] = "postgresql://u:s3cretpw@h/x";
    assert_true(dsn_blank(arg));
    assert_string_equal(arg, "postgresql://u:********@h/x");
}

static void test_live_owner_gone_or_not(void **state)
{
    (void)state;
    struct live_owner me, o;
    live_owner_self(&me);
    assert_true(me.start > 0);
    assert_false(live_owner_gone(&me));
    o = me;
    o.start++; /* the same pid, another start: a reused pid */
    assert_true(live_owner_gone(&o));
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    o = (struct live_owner){.pid = child, .start = 1};
    assert_true(live_owner_gone(&o));
    char name[128];
    snprintf(name, sizeof(name), "overlapsim-live-%ld-%llu-AbC123", me.pid, me.start);
    assert_int_equal(live_owner_parse(name, "overlapsim-live-", false, &o), 0);
    assert_int_equal(o.pid, me.pid);
    assert_true(o.start == me.start);
    assert_int_equal(live_owner_parse("overlapsim-live-AbC123", "overlapsim-live-", false, &o),
                     -EINVAL); /* the old names, without an owner: not ours to judge */
    assert_int_equal(live_owner_parse(db.schema, "overlapsim_", true, &o), 0);
    assert_int_equal(o.pid, me.pid);
    assert_true(o.host == me.host);
}

static void test_live_owner_schema_quoted(void **state)
{
    (void)state;
    char err[300], q[160];
    /* the run's own name, quoted */
    snprintf(err, sizeof(err), "\"%s\"", db.schema);
    assert_string_equal(pg_db_schema_quoted(&db, q, sizeof(q)), err);
    /* a schema whose name needs quotes: spliced raw it would break the search_path */
    static const char odd[] = "odd \"schema\" name";
    PGresult *r = PQexec(db.admin, "CREATE SCHEMA \"odd \"\"schema\"\" name\"");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PGconn *c = pg_session(db.conninfo, odd, 0, err, sizeof(err));
    if (!c)
        fail_msg("session: %s", err);
    r = PQexec(c, "SELECT current_schemas(false)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    if (!strstr(PQgetvalue(r, 0, 0), "odd \\\"schema\\\" name"))
        fail_msg("search_path: %s", PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    r = PQexec(db.admin, "DROP SCHEMA \"odd \"\"schema\"\" name\"");
    PQclear(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_owner_dsn_passwords_redacted),
        cmocka_unit_test(test_live_owner_gone_or_not),
        cmocka_unit_test(test_live_owner_schema_quoted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
