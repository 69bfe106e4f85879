/*
 * The world's plain data: PID allocation and identity, the file system's
 * POSIX rules, and the meaning of each database statement, applied one at a
 * time.
 */
#include <fcntl.h>
#include <sys/file.h>

#include "sim_harness.h"

/* --- processes --- */

static struct host *host_new(int pid_max, double rate)
{
    struct host *h = calloc(1, sizeof(*h));
    assert_non_null(h);
    world_host_init(h, "box", pid_max, rate, 1000);
    return h;
}

static void add(struct host *h, int pid, sim_time at, enum world_cmd cmd)
{
    struct world_pident id = {pid, at, cmd, NULL};
    assert_int_equal(world_pid_add(h, &id), 0);
}

static void test_world_pids_cyclic(void **state)
{
    (void)state;
    struct host *h = host_new(1004, 0);
    assert_int_equal(world_pid_alloc(h, 0), 1000);
    add(h, 1000, 0, WORLD_CMD_JOB);
    assert_int_equal(world_pid_alloc(h, 0), 1001);
    add(h, 1001, 0, WORLD_CMD_JOB);
    /* a free PID is not handed out again until the counter comes round */
    world_pid_remove(h, 1000);
    assert_int_equal(h->last_job_exit, 1000);
    assert_int_equal(world_pid_alloc(h, 0), 1002);
    assert_int_equal(world_pid_alloc(h, 0), 1003);
    /* past pid_max - 1 it wraps to 300 (RESERVED_PIDS) */
    assert_int_equal(world_pid_alloc(h, 0), 300);
    free(h);
}

static void test_world_pids_skip_live_and_run_out(void **state)
{
    (void)state;
    struct host *h = host_new(310, 0);
    h->pid_last = 309;
    for (int pid = 300; pid < 310; pid++)
        if (pid != 305)
            add(h, pid, 0, WORLD_CMD_OTHER);
    assert_int_equal(world_pid_alloc(h, 0), 305);
    add(h, 305, 0, WORLD_CMD_OTHER);
    assert_int_equal(world_pid_alloc(h, 0), -EAGAIN);
    free(h);
}

static void test_world_pids_busy_host(void **state)
{
    (void)state;
    /* 20 other programs per second take PIDs: 10 s later the counter is 200 further */
    struct host *h = host_new(32768, 20);
    assert_int_equal(world_pid_alloc(h, 0), 1000);
    assert_int_equal(world_pid_alloc(h, 10 * SIM_S), 1201);
    free(h);
}

static void test_world_pids_identity(void **state)
{
    (void)state;
    struct host *h = host_new(32768, 0);
    add(h, 1234, 90 * SIM_S + 25 * SIM_MS, WORLD_CMD_JOB);
    struct env_proc out;
    world_pid_describe(h, world_pid_find(h, 1234), "/bin/sh ./run-x.sh", &out);
    assert_int_equal(out.pid, 1234);
    assert_int_equal(out.start_ticks, 9002); /* 10 ms ticks since boot */
    assert_string_equal(out.cmdline, "/bin/sh ./run-x.sh");
    assert_string_equal(out.host, "box");
    /* the same PID, reused later, has another start */
    world_pid_remove(h, 1234);
    assert_null(world_pid_find(h, 1234));
    add(h, 1234, 200 * SIM_S, WORLD_CMD_OTHER);
    world_pid_describe(h, world_pid_find(h, 1234), "/bin/sh ./run-x.sh", &out);
    assert_int_equal(out.start_ticks, 20000);
    assert_string_not_equal(out.cmdline, "/bin/sh ./run-x.sh");
    free(h);
}

/* --- files --- */

static void test_world_files_exclusive_create(void **state)
{
    (void)state;
    struct host *h = host_new(32768, 0);
    struct world_fdtab a, b;
    world_fdtab_init(&a);
    world_fdtab_init(&b);
    int fd = world_file_open(h, &a, "/tmp/x.pid", O_WRONLY | O_CREAT | O_EXCL);
    assert_true(fd >= 3);
    assert_int_equal(world_file_open(h, &b, "/tmp/x.pid", O_WRONLY | O_CREAT | O_EXCL), -EEXIST);
    assert_int_equal(world_file_write(h, &a, fd, "1234 99\n", 8), 8);
    char buf[32] = "";
    int fd2 = world_file_open(h, &b, "/tmp/x.pid", O_RDONLY);
    assert_int_equal(world_file_read(h, &b, fd2, buf, sizeof(buf)), 8);
    assert_memory_equal(buf, "1234 99\n", 8);
    /* O_TRUNC empties it; a write replaces the content */
    int fd3 = world_file_open(h, &b, "/tmp/x.pid", O_WRONLY | O_TRUNC);
    assert_int_equal(world_file_read(h, &b, fd2, buf, sizeof(buf)), 0);
    assert_int_equal(world_file_write(h, &b, fd3, "7\n", 2), 2);
    assert_int_equal(world_file_read(h, &a, fd, buf, sizeof(buf)), 2);
    assert_int_equal(world_file_open(h, &a, "/tmp/none", O_RDONLY), -ENOENT);
    assert_int_equal(world_file_read(h, &a, 99, buf, 1), -EBADF);
    free(h);
}

static void test_world_files_rename_unlink(void **state)
{
    (void)state;
    struct host *h = host_new(32768, 0);
    struct world_fdtab t;
    char buf[16];
    world_fdtab_init(&t);
    int a = world_file_open(h, &t, "/a", O_WRONLY | O_CREAT);
    world_file_write(h, &t, a, "A", 1);
    int b = world_file_open(h, &t, "/b", O_WRONLY | O_CREAT);
    world_file_write(h, &t, b, "B", 1);
    /* rename replaces the target atomically */
    assert_int_equal(world_file_rename(h, "/a", "/b"), 0);
    assert_false(world_file_peek(h, "/a", NULL, 0));
    assert_true(world_file_peek(h, "/b", buf, sizeof(buf)));
    assert_string_equal(buf, "A");
    /* the replaced inode lives on while open */
    assert_int_equal(world_file_read(h, &t, b, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 'B');
    /* unlink removes the name, the open descriptor keeps the inode */
    assert_int_equal(world_file_unlink(h, "/b"), 0);
    assert_int_equal(world_file_unlink(h, "/b"), -ENOENT);
    assert_int_equal(world_file_read(h, &t, a, buf, sizeof(buf)), 1);
    assert_int_equal(world_file_rename(h, "/nope", "/x"), -ENOENT);
    world_fdtab_close_all(h, &t);
    for (int i = 0; i < WORLD_MAX_FILES; i++)
        assert_false(h->ino[i].used);
    free(h);
}

static void test_world_files_flock(void **state)
{
    (void)state;
    struct host *h = host_new(32768, 0);
    struct world_fdtab p1, p2;
    world_fdtab_init(&p1);
    world_fdtab_init(&p2);
    int a = world_file_open(h, &p1, "/lock", O_RDWR | O_CREAT);
    int b = world_file_open(h, &p2, "/lock", O_RDWR | O_CREAT);
    int c = world_file_open(h, &p1, "/lock", O_RDWR); /* the same process, another description */
    assert_int_equal(world_file_flock(h, &p1, a, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(world_file_flock(h, &p1, a, LOCK_EX | LOCK_NB), 0); /* held already */
    assert_int_equal(world_file_flock(h, &p2, b, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
    assert_int_equal(world_file_flock(h, &p1, c, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
    /* the holder dies: the kernel closes its descriptors, the lock goes */
    world_fdtab_close_all(h, &p1);
    assert_int_equal(world_file_flock(h, &p2, b, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(world_file_flock(h, &p2, b, LOCK_UN), 0);
    int d = world_file_open(h, &p1, "/lock", O_RDWR);
    assert_int_equal(world_file_flock(h, &p1, d, LOCK_EX | LOCK_NB), 0);
    /* the file survives it all */
    assert_true(world_file_peek(h, "/lock", NULL, 0));
    free(h);
}

/* --- database statements --- */

static struct env_stmt lease(enum env_stmt_kind k, const char *owner)
{
    return (struct env_stmt){
        .kind = k, .name = "task", .owner = owner, .hold = 5 * SIM_MIN, .min_hold = 54 * SIM_S};
}

static void test_world_db_lease(void **state)
{
    (void)state;
    struct world_db *db = calloc(1, sizeof(*db));
    world_db_init(db);
    struct env_row row;
    struct env_stmt up = lease(ENV_LEASE_UPSERT, "a");
    /* insert: acquired, locked for 5 min from the database's now */
    assert_int_equal(world_db_apply(db, &up, 0, 10 * SIM_S, &row), 1);
    assert_int_equal(row.started_at, 10 * SIM_S);
    assert_int_equal(row.locked_until, 10 * SIM_S + 5 * SIM_MIN);
    assert_int_equal(row.token, 1);
    /* held: nothing comes back, until locked_until <= now() */
    up.owner = "b";
    assert_int_equal(world_db_apply(db, &up, 0, 5 * SIM_MIN, &row), 0);
    assert_int_equal(world_db_apply(db, &up, 0, 10 * SIM_S + 5 * SIM_MIN, &row), 1);
    assert_int_equal(row.token, 2);
    const struct db_lease_row *r = world_db_lease_row(db, "task");
    assert_string_equal(r->owner, "b");
    /* release shortens to started_at + min, where locked_until > now(), with no
     * owner check: "a" shortens "b"'s lease */
    struct env_stmt sh = lease(ENV_LEASE_SHORTEN, "a");
    assert_int_equal(world_db_apply(db, &sh, 0, 6 * SIM_MIN, NULL), 1);
    assert_int_equal(r->locked_until, 10 * SIM_S + 5 * SIM_MIN + 54 * SIM_S);
    /* with the owner check it would not have */
    sh.check_owner = true;
    assert_int_equal(world_db_apply(db, &sh, 0, 6 * SIM_MIN, NULL), 0);
    /* past locked_until: shortening does nothing */
    sh.check_owner = false;
    assert_int_equal(world_db_apply(db, &sh, 0, SIM_HOUR, NULL), 0);
    /* delete-or-shorten's DELETE: only once started_at + min has passed */
    struct env_stmt del = lease(ENV_LEASE_DELETE, "b");
    assert_int_equal(world_db_apply(db, &del, 0, 5 * SIM_MIN + 10 * SIM_S + 53 * SIM_S, NULL), 0);
    assert_int_equal(world_db_apply(db, &del, 0, 5 * SIM_MIN + 10 * SIM_S + 54 * SIM_S, NULL), 1);
    assert_null(world_db_lease_row(db, "task"));
    /* the fencing sequence survives the row */
    up.owner = "c";
    assert_int_equal(world_db_apply(db, &up, 0, 2 * SIM_HOUR, &row), 1);
    assert_int_equal(row.token, 3);
    /* client time: :now is bound by the caller */
    up.client_time = true;
    up.client_now = 3 * SIM_HOUR;
    up.name = "other";
    assert_int_equal(world_db_apply(db, &up, 0, 0, &row), 1);
    assert_int_equal(row.started_at, 3 * SIM_HOUR);
    free(db);
}

static void test_world_db_shedlock(void **state)
{
    (void)state;
    struct world_db *db = calloc(1, sizeof(*db));
    world_db_init(db);
    struct env_stmt ins = {.kind = ENV_SHEDLOCK_INSERT,
                           .name = "job",
                           .owner = "host1",
                           .hold = 5 * SIM_MIN,
                           .client_time = true,
                           .client_now = 0};
    assert_int_equal(world_db_apply(db, &ins, 0, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &ins, 0, 0, NULL), -EEXIST);
    struct env_stmt upd = ins;
    upd.kind = ENV_SHEDLOCK_UPDATE;
    upd.owner = "host2";
    upd.client_now = 4 * SIM_MIN;
    assert_int_equal(world_db_apply(db, &upd, 0, 0, NULL), 0);
    /* unlock on the database clock: lock_until = max(locked_at + atLeast, now) */
    struct env_stmt un = {.kind = ENV_SHEDLOCK_UNLOCK,
                          .name = "job",
                          .owner = "host1",
                          .check_owner = true,
                          .min_hold = 50 * SIM_S};
    assert_int_equal(world_db_apply(db, &un, 0, 10 * SIM_S, NULL), 1);
    assert_int_equal(db->shed[0].lock_until, 50 * SIM_S);
    assert_int_equal(world_db_apply(db, &un, 0, 70 * SIM_S, NULL), 1);
    assert_int_equal(db->shed[0].lock_until, 70 * SIM_S);
    un.owner = "host2"; /* not the owner */
    assert_int_equal(world_db_apply(db, &un, 0, 80 * SIM_S, NULL), 0);
    /* the upsert on the database clock */
    struct env_stmt ups = {
        .kind = ENV_SHEDLOCK_UPSERT, .name = "job", .owner = "host2", .hold = 5 * SIM_MIN};
    assert_int_equal(world_db_apply(db, &ups, 0, 69 * SIM_S, NULL), 0);
    assert_int_equal(world_db_apply(db, &ups, 0, 70 * SIM_S, NULL), 1);
    assert_string_equal(db->shed[0].locked_by, "host2");
    free(db);
}

static void test_world_db_advisory(void **state)
{
    (void)state;
    struct world_db *db = calloc(1, sizeof(*db));
    world_db_init(db);
    int s1 = world_db_session_new(db), s2 = world_db_session_new(db);
    struct env_stmt lk = {.kind = ENV_ADVISORY_TRY_LOCK, .key = 42};
    struct env_stmt un = {.kind = ENV_ADVISORY_UNLOCK, .key = 42};
    assert_int_equal(world_db_apply(db, &lk, s1, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &lk, s2, 0, NULL), 0);
    assert_int_equal(world_db_apply(db, &lk, s1, 0, NULL), 1); /* re-entrant */
    assert_int_equal(world_db_apply(db, &un, s2, 0, NULL), 0); /* not its lock */
    assert_int_equal(world_db_apply(db, &un, s1, 0, NULL), 1);
    assert_int_equal(world_db_advisory_holder(db, 42), s1); /* one unlock per lock */
    /* the session ends: its locks go with it */
    world_db_session_end(db, s1);
    assert_int_equal(world_db_advisory_holder(db, 42), -1);
    assert_int_equal(world_db_apply(db, &lk, s2, 0, NULL), 1);
    /* a new session takes the dead one's slot, but not its handle: a client
     * still holding s1 finds its session ended, not someone else's alive */
    int s3 = world_db_session_new(db);
    assert_int_equal(s3 % WORLD_MAX_SESSIONS, s1 % WORLD_MAX_SESSIONS);
    assert_int_not_equal(s3, s1);
    assert_true(world_db_session_alive(db, s3));
    assert_false(world_db_session_alive(db, s1));
    world_db_session_end(db, s1); /* a stale handle ends nothing */
    assert_true(world_db_session_alive(db, s3));
    free(db);
}

/* The mutants' statements: the read-then-write lease and the xact lock. */
static void test_world_db_mutant_statements(void **state)
{
    (void)state;
    struct world_db *db = calloc(1, sizeof(*db));
    world_db_init(db);
    struct env_row row;
    struct env_stmt rd = lease(ENV_LEASE_READ, "a"), wr = lease(ENV_LEASE_WRITE, "a");
    /* two readers both see a free row, and both writes take it: the last one owns it */
    assert_int_equal(world_db_apply(db, &rd, 0, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &rd, 0, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &wr, 0, 1 * SIM_MS, &row), 1);
    wr.owner = "b";
    assert_int_equal(world_db_apply(db, &wr, 0, 2 * SIM_MS, &row), 1);
    assert_int_equal(row.token, 2);
    assert_string_equal(world_db_lease_row(db, "task")->owner, "b");
    /* a reader now sees it held until it expires */
    assert_int_equal(world_db_apply(db, &rd, 0, 1 * SIM_MIN, NULL), 0);
    assert_int_equal(world_db_apply(db, &rd, 0, 2 * SIM_MS + 5 * SIM_MIN, NULL), 1);

    /* pg_try_advisory_xact_lock in autocommit: granted and gone at once */
    int s1 = world_db_session_new(db), s2 = world_db_session_new(db);
    struct env_stmt x = {.kind = ENV_ADVISORY_XACT_TRY_LOCK, .key = 42};
    assert_int_equal(world_db_apply(db, &x, s1, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &x, s2, 0, NULL), 1);
    assert_int_equal(world_db_advisory_holder(db, 42), -1);
    /* a session-level holder still excludes it */
    struct env_stmt lk = {.kind = ENV_ADVISORY_TRY_LOCK, .key = 42};
    assert_int_equal(world_db_apply(db, &lk, s1, 0, NULL), 1);
    assert_int_equal(world_db_apply(db, &x, s2, 0, NULL), 0);
    assert_int_equal(world_db_apply(db, &x, s1, 0, NULL), 1);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_world_pids_cyclic),
        cmocka_unit_test(test_world_pids_skip_live_and_run_out),
        cmocka_unit_test(test_world_pids_busy_host),
        cmocka_unit_test(test_world_pids_identity),
        cmocka_unit_test(test_world_files_exclusive_create),
        cmocka_unit_test(test_world_files_rename_unlink),
        cmocka_unit_test(test_world_files_flock),
        cmocka_unit_test(test_world_db_lease),
        cmocka_unit_test(test_world_db_shedlock),
        cmocka_unit_test(test_world_db_advisory),
        cmocka_unit_test(test_world_db_mutant_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
