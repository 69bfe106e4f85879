/*
 * The event protocol between the harness and its workers (sim/live/sys/
 * events.c): every kind survives format and parse, and a lease's grant
 * carries its end, a simulated time past 2^31 ns, whole; its release is the
 * same kind with 0. Text that is not a message is refused, not half read.
 * A run at a fault point asks and hears back on its own socket; a run's
 * order survives its text, fault points and finally block included.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../sim/live/live.h"
#include "../sim/live/sys/events.h"

static void round_trip(const struct live_msg *in, struct live_msg *out)
{
    char buf[LIVE_MSG_MAX];
    int n = live_msg_format(in, buf);
    assert_true(n > 0 && n < LIVE_MSG_MAX);
    assert_int_equal(live_msg_parse(buf, n, out), 0);
}

static void test_every_kind_round_trips(void **state)
{
    (void)state;
    for (int k = 0; k < LIVE_EV_COUNT; k++) {
        struct live_msg in = {(enum live_ev)k, 42, 1234, -7}, out;
        round_trip(&in, &out);
        assert_int_equal(out.kind, k);
        assert_int_equal(out.trigger, 42);
        assert_int_equal(out.pid, 1234);
        assert_int_equal(out.value, -7);
    }
}

static void test_lease_carries_its_end(void **state)
{
    (void)state;
    /* 8h5m21.404s in ns: a grant's lease_until, far past 32 bits */
    struct live_msg grant = {LIVE_EV_LEASE, 18446744073709551615ull, 99999, 29121404000000L};
    struct live_msg release = {LIVE_EV_LEASE, 7, 1, 0}, out;
    char buf[LIVE_MSG_MAX];
    int n = live_msg_format(&grant, buf);
    assert_string_equal(buf, "lease 18446744073709551615 99999 29121404000000");
    assert_int_equal(live_msg_parse(buf, n, &out), 0);
    assert_int_equal(out.kind, LIVE_EV_LEASE);
    assert_true(out.value == 29121404000000L);
    round_trip(&release, &out);
    assert_int_equal(out.kind, LIVE_EV_LEASE);
    assert_int_equal(out.value, 0);
}

static void test_bad_text_is_refused(void **state)
{
    (void)state;
    struct live_msg m;
    assert_int_equal(live_msg_parse("leases 1 2 3", 12, &m), -EINVAL);
    assert_int_equal(live_msg_parse("lease 1", 7, &m), -EINVAL);
    assert_int_equal(live_msg_parse("", 0, &m), -EINVAL);
    char big[LIVE_MSG_MAX + 8];
    memset(big, 'x', sizeof(big));
    assert_int_equal(live_msg_parse(big, (int)sizeof(big), &m), -EINVAL);
}

/* The harness's end: one ask received on the bound socket, answered with its value * 10. */
struct harness {
    int fd;
    struct live_msg got;
};

static void *harness_main(void *arg)
{
    struct harness *h = arg;
    char buf[LIVE_MSG_MAX + 1];
    struct sockaddr_un from;
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(h->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
    if (n > 0 && live_msg_parse(buf, (int)n, &h->got) == 0)
        live_msg_answer(h->fd, &from, len, h->got.value * 10);
    return NULL;
}

static void test_ask_hears_back(void **state)
{
    (void)state;
    char path[] = "/tmp/overlapsim-test-events-XXXXXX";
    assert_non_null(mkdtemp(path));
    char sock[sizeof(path) + 16];
    snprintf(sock, sizeof(sock), "%s/events.sock", path);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, sock);
    struct harness h = {.fd = socket(AF_UNIX, SOCK_DGRAM, 0)};
    assert_true(h.fd >= 0);
    assert_int_equal(bind(h.fd, (struct sockaddr *)&a, sizeof(a)), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, harness_main, &h), 0);
    struct live_msg ask = {LIVE_EV_POINT, 17, (int)getpid(), 3};
    long answer = -1;
    assert_int_equal(live_msg_ask(sock, &ask, &answer), 0);
    pthread_join(t, NULL);
    assert_int_equal(h.got.kind, LIVE_EV_POINT);
    assert_int_equal(h.got.trigger, 17);
    assert_int_equal(answer, 30);
    close(h.fd);
    unlink(sock);
    rmdir(path);
}

static void test_order_round_trips(void **state)
{
    (void)state;
    struct live_order in = {{12345, 3 * SIM_MIN, true, 20 * SIM_S + 5, 2 * SIM_S}, 0x5, false}, out;
    char buf[200];
    assert_true(live_order_format(&in, buf, sizeof(buf)) > 0);
    assert_int_equal(live_order_parse(buf, &out), 0);
    assert_true(out.o.id == in.o.id && out.o.at == in.o.at && out.o.manual);
    assert_true(out.o.api == in.o.api && out.o.db == in.o.db);
    assert_int_equal(out.points, 0x5);
    assert_false(out.release_on_error);
    assert_int_equal(live_order_parse("1 2 3 4 5 0", &out), -EPROTO); /* the old text: refused */
    assert_int_equal(live_order_format(&in, buf, 10), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_round_trips), cmocka_unit_test(test_lease_carries_its_end),
        cmocka_unit_test(test_bad_text_is_refused),    cmocka_unit_test(test_ask_hears_back),
        cmocka_unit_test(test_order_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
