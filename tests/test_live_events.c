/*
 * The event protocol between the harness and its workers (sim/live/sys/
 * events.c): every kind survives format and parse, and a lease's grant
 * carries its end, a simulated time past 2^31 ns, whole; its release is the
 * same kind with 0. Text that is not a message is refused, not half read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_round_trips),
        cmocka_unit_test(test_lease_carries_its_end),
        cmocka_unit_test(test_bad_text_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
