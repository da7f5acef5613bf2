/* test_net.c — faults at the net points (sim clock), end to end through an
 * injector: delay, error, drop (a reset both sides see, the conn staying
 * the owner's to close), short reads and writes, and a dropped accept. */
#include <errno.h>

#include "tests/inject/injutil.h"

#define EP "db:1"

/* A connected pair on EP (latency lat) and an injector. */
struct net {
    inj *j;
    gr_listener *l;
    gr_conn *c, *srv;
};

static void net_up(struct net *n, int64_t lat)
{
    n->j = tu_inj(7, 0);
    gr_net_opts o = {.latency = lat};
    TCHECK(gr_listen(&n->l, EP, &o), 0);
    TCHECK(gr_connect(&n->c, EP, GR_FOREVER), 0);
    TCHECK(gr_accept(n->l, &n->srv, GR_FOREVER), 0);
}

static void net_down(struct net *n)
{
    gr_conn_close(n->c);
    gr_conn_close(n->srv);
    gr_listener_close(n->l);
    inj_release(n->j);
}

static int arm_at(inj *j, const char *point, inj_kind kind, int64_t by, int err, int64_t bytes)
{
    inj_spec sp = spec(point, kind);
    sp.by = by;
    sp.err = err;
    sp.bytes = bytes;
    char msg[200] = "";
    int h = inj_arm(j, &sp, msg, sizeof msg);
    TCHECK(h > 0, 1);
    return h;
}

static void delay_main(void *arg)
{
    (void)arg;
    struct net n;
    net_up(&n, GR_MS(1));
    arm_at(n.j, "net/" EP "/read", INJ_DELAY, GR_MS(30), 0, 0);
    TCHECK(gr_conn_write(n.c, "hi", 2, GR_FOREVER), 2);
    int64_t t0 = gr_now();
    char b[4];
    TCHECK(gr_conn_read(n.srv, b, sizeof b, GR_FOREVER), 2);
    TCHECK(gr_now() - t0, GR_MS(30)); /* the delay covers the 1 ms latency */
    net_down(&n);
}

START_TEST(delay_at_read)
{
    sim_ok(delay_main, NULL);
}
END_TEST

/* A task waiting out a delay fault at its read is interrupted at once by
 * gr_conn_shutdown (-ESHUTDOWN) and by close (-EBADF): that is how a
 * cancelled caller gets its task back from a stuck dependency. */
struct cut {
    gr_conn *c;
    int64_t rc, at;
};

static void cut_reader(void *arg)
{
    struct cut *k = arg;
    char b[4];
    k->rc = gr_conn_read(k->c, b, sizeof b, GR_FOREVER);
    k->at = gr_now();
}

static void cut_main(void *arg)
{
    (void)arg;
    for (int close = 0; close <= 1; close++) {
        struct net n;
        struct cut k = {0};
        net_up(&n, GR_MS(1));
        k.c = n.srv;
        arm_at(n.j, "net/" EP "/read", INJ_DELAY, GR_S(3600), 0, 0);
        gr_spawn(cut_reader, &k, "reader");
        gr_sleep(GR_MS(5));
        int64_t t0 = gr_now();
        if (close) {
            TCHECK(gr_conn_close(n.srv), 0);
        } else {
            TCHECK(gr_conn_shutdown(n.srv), 0);
        }
        for (int i = 0; i < 100 && !k.at; i++)
            gr_yield();
        TCHECK(k.rc, close ? -EBADF : -ESHUTDOWN);
        TCHECK(k.at, t0);
        inj_clear(n.j);
        gr_conn_close(n.c);
        if (!close)
            gr_conn_close(n.srv);
        gr_listener_close(n.l);
        inj_release(n.j);
    }
}

START_TEST(shutdown_and_close_cut_a_fault_wait)
{
    sim_ok(cut_main, NULL);
}
END_TEST

static void error_main(void *arg)
{
    (void)arg;
    struct net n;
    net_up(&n, 0);
    arm_at(n.j, "net/" EP "/connect", INJ_ERROR, 0, EHOSTUNREACH, 0);
    gr_conn *c2 = NULL;
    TCHECK(gr_connect(&c2, EP, GR_FOREVER), -EHOSTUNREACH);
    arm_at(n.j, "net/" EP "/write", INJ_ERROR, 0, EIO, 0);
    TCHECK(gr_conn_write(n.c, "x", 1, GR_FOREVER), -EIO);
    net_down(&n);
}

START_TEST(error_at_connect_and_write)
{
    sim_ok(error_main, NULL);
}
END_TEST

static void drop_main(void *arg)
{
    (void)arg;
    struct net n;
    net_up(&n, GR_MS(2));
    TCHECK(gr_conn_write(n.srv, "late", 4, GR_FOREVER), 4); /* in flight to c */
    int h = arm_at(n.j, "net/" EP "/write", INJ_DROP, 0, 0, 0);
    TCHECK(gr_conn_write(n.c, "req", 3, GR_FOREVER), -ECONNRESET);
    inj_disarm(n.j, h);
    char b[8];
    TCHECK(gr_conn_read(n.srv, b, sizeof b, GR_FOREVER), -ECONNRESET); /* the peer sees it */
    TCHECK(gr_conn_write(n.srv, "x", 1, GR_FOREVER), -ECONNRESET);
    TCHECK(gr_conn_read(n.c, b, sizeof b, GR_FOREVER), -ECONNRESET); /* "late" is gone */
    TCHECK(gr_conn_write(n.c, "y", 1, GR_FOREVER), -ECONNRESET);
    net_down(&n); /* both conns still the owners' to close */
}

START_TEST(drop_resets_both_sides)
{
    sim_ok(drop_main, NULL);
}
END_TEST

static void short_main(void *arg)
{
    (void)arg;
    struct net n;
    net_up(&n, 0);
    int h = arm_at(n.j, "net/" EP "/write", INJ_SHORT, 0, 0, 3);
    TCHECK(gr_conn_write(n.c, "hello", 5, GR_FOREVER), 3);
    inj_disarm(n.j, h);
    TCHECK(gr_conn_write(n.c, "lo", 2, GR_FOREVER), 2);
    arm_at(n.j, "net/" EP "/read", INJ_SHORT, 0, 0, 2);
    char b[8] = "";
    TCHECK(gr_conn_read(n.srv, b, sizeof b, GR_FOREVER), 2);
    TCHECK(memcmp(b, "he", 2), 0);
    TCHECK(gr_conn_read(n.srv, b, sizeof b, GR_FOREVER), 2);
    TCHECK(memcmp(b, "ll", 2), 0);
    net_down(&n);
}

START_TEST(short_reads_and_writes)
{
    sim_ok(short_main, NULL);
}
END_TEST

struct acc {
    gr_listener *l;
    int64_t rc1, rc2;
};

static void client(void *arg)
{
    int64_t *rc = arg;
    gr_conn *c = NULL;
    if (gr_connect(&c, EP, GR_FOREVER) != 0)
        return;
    char b[2];
    *rc = gr_conn_read(c, b, sizeof b, GR_FOREVER);
    gr_conn_close(c);
}

static void accept_main(void *arg)
{
    struct acc *a = arg;
    inj *j = tu_inj(7, 0);
    inj_spec sp = spec("net/" EP "/accept", INJ_DROP);
    sp.first = 1; /* only the first connection is reset */
    TCHECK(inj_arm(j, &sp, NULL, 0) > 0, 1);
    TCHECK(gr_listen(&a->l, EP, NULL), 0);
    gr_spawn(client, &a->rc1, "c1");
    gr_sleep(GR_MS(1));
    gr_spawn(client, &a->rc2, "c2");
    gr_conn *srv = NULL;
    TCHECK(gr_accept(a->l, &srv, GR_FOREVER), 0); /* skips c1's, gets c2's */
    TCHECK(gr_conn_write(srv, "k", 1, GR_FOREVER), 1);
    gr_sleep(GR_MS(1));
    gr_conn_close(srv);
    gr_listener_close(a->l);
    inj_release(j);
}

START_TEST(dropped_accept_resets_client)
{
    struct acc a = {0};
    sim_ok(accept_main, &a);
    ck_assert_int_eq(a.rc1, -ECONNRESET);
    ck_assert_int_eq(a.rc2, 1);
}
END_TEST

static void catalog_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(7, 0);
    char msg[200] = "";
    inj_spec sp = spec("net/" EP "/read", INJ_FULL);
    TCHECK(inj_arm(j, &sp, msg, sizeof msg), -EINVAL); /* full is for channels */
    TCHECK(strncmp(msg, "kind:", 5), 0);
    sp = spec("net/" EP "/accept", INJ_SHORT);
    sp.bytes = 1;
    TCHECK(inj_arm(j, &sp, msg, sizeof msg), -EINVAL);
    inj_release(j);
}

START_TEST(net_kinds_checked)
{
    sim_ok(catalog_main, NULL);
}
END_TEST

/* Real mode: a drop at a write resets the TCP connection; the peer reads
 * -ECONNRESET (a genuine RST over loopback). The port is not known in
 * advance, so the fault aims at a pattern. */
static void real_drop_main(void *arg)
{
    (void)arg;
    inj *j = tu_inj(7, 0);
    gr_listener *l = NULL;
    gr_conn *c = NULL, *srv = NULL;
    TCHECK(gr_listen(&l, "127.0.0.1:0", NULL), 0);
    TCHECK(gr_connect(&c, gr_listener_endpoint(l), gr_deadline_in(GR_S(5))), 0);
    TCHECK(gr_accept(l, &srv, gr_deadline_in(GR_S(5))), 0);
    inj_spec sp = spec("net/127.0.0.1:*", INJ_DROP);
    TCHECK(inj_arm(j, &sp, NULL, 0) > 0, 1);
    TCHECK(gr_conn_write(c, "req", 3, gr_deadline_in(GR_S(5))), -ECONNRESET);
    inj_clear(j);
    char b[4];
    TCHECK(gr_conn_read(srv, b, sizeof b, gr_deadline_in(GR_S(5))), -ECONNRESET);
    TCHECK(gr_conn_write(c, "x", 1, gr_deadline_in(GR_S(5))), -ECONNRESET); /* still reset */
    gr_conn_close(c);
    gr_conn_close(srv);
    gr_listener_close(l);
    inj_count cnt;
    TCHECK(inj_counts(j, &cnt, 1), 1);
    TCHECK(strncmp(cnt.point, "net/127.0.0.1:", 14), 0); /* the concrete point */
    inj_release(j);
}

START_TEST(real_drop_is_a_tcp_reset)
{
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, real_drop_main, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    gr_sched_release(s);
}
END_TEST

Suite *suite_inject_net(void)
{
    Suite *s = suite_create("inject_net");
    TCase *tc = tcase_create("net");
    tcase_add_test(tc, delay_at_read);
    tcase_add_test(tc, shutdown_and_close_cut_a_fault_wait);
    tcase_add_test(tc, error_at_connect_and_write);
    tcase_add_test(tc, drop_resets_both_sides);
    tcase_add_test(tc, short_reads_and_writes);
    tcase_add_test(tc, dropped_accept_resets_client);
    tcase_add_test(tc, net_kinds_checked);
    tcase_add_test(tc, real_drop_is_a_tcp_reset);
    suite_add_tcase(s, tc);
    return s;
}
