/* test_net.c — sim-clock connections: echo with exact latency, refusals,
 * deadlines, close and abort as the peer sees them, backpressure, and how
 * blocked net calls show in the registry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#define EP "db:5432"

static gr_listener *listen_on(const char *ep, int64_t latency, int backlog)
{
    gr_listener *l = NULL;
    gr_net_opts o = {.latency = latency, .backlog = backlog};
    TCHECK(gr_listen(&l, ep, &o), 0);
    return l;
}

/* ------------------------------------------------------------ echo */

struct echo {
    gr_listener *l;
    int64_t connected, replied;
    char got[16];
};

static void echo_server(void *arg)
{
    struct echo *e = arg;
    gr_conn *c = NULL;
    TCHECK(gr_accept(e->l, &c, GR_FOREVER), 0);
    char buf[16];
    int64_t n;
    while ((n = gr_conn_read(c, buf, sizeof buf, GR_FOREVER)) > 0)
        TCHECK(gr_conn_write(c, buf, (size_t)n, GR_FOREVER), n);
    TCHECK(n, 0); /* the client closed */
    TCHECK(gr_conn_close(c), 0);
}

static void echo_main(void *arg)
{
    struct echo *e = arg;
    e->l = listen_on(EP, GR_MS(5), 0);
    gr_spawn(echo_server, e, "server");
    gr_conn *c = NULL;
    TCHECK(gr_connect(&c, EP, GR_FOREVER), 0);
    e->connected = gr_now();
    TCHECK(strcmp(gr_conn_endpoint(c), EP), 0);
    TCHECK(gr_conn_write(c, "hello", 5, GR_FOREVER), 5);
    size_t got = 0;
    while (got < 5) {
        int64_t n = gr_conn_read(c, e->got + got, sizeof e->got - got, GR_FOREVER);
        TCHECK(n > 0, 1);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    e->replied = gr_now();
    TCHECK(gr_conn_close(c), 0);
    gr_sleep(GR_MS(20));
    TCHECK(gr_listener_close(e->l), 0);
}

START_TEST(echo_with_exact_latency)
{
    struct echo e = {0};
    gr_sched *s = sim_run(echo_main, &e);
    ck_assert_int_eq(e.connected, GR_MS(5));  /* one latency to connect */
    ck_assert_int_eq(e.replied, GR_MS(15));   /* then there and back */
    ck_assert_str_eq(e.got, "hello");
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    ck_assert_uint_eq(st.live, 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ refusals, deadlines */

static void refuse_main(void *arg)
{
    (void)arg;
    gr_conn *c = NULL;
    gr_listener *l = NULL, *dup = NULL;
    TCHECK(gr_connect(&c, "nobody:1", GR_FOREVER), -ECONNREFUSED);
    TCHECK(gr_listen(&l, "", NULL), -EINVAL);
    l = listen_on(EP, 0, 1);
    TCHECK(gr_listen(&dup, EP, NULL), -EADDRINUSE);
    TCHECK(gr_connect(&c, EP, GR_FOREVER), 0);
    gr_conn *c2 = NULL;
    TCHECK(gr_connect(&c2, EP, GR_FOREVER), -ECONNREFUSED); /* backlog of 1 full */
    int64_t t0 = gr_now();
    gr_conn *s1 = NULL, *s2 = NULL;
    TCHECK(gr_accept(l, &s1, GR_FOREVER), 0);
    TCHECK(gr_accept(l, &s2, t0 + GR_MS(7)), -ETIMEDOUT);
    TCHECK(gr_now() - t0, GR_MS(7));
    char b[4];
    TCHECK(gr_conn_read(s1, b, sizeof b, gr_now() + GR_MS(3)), -ETIMEDOUT);
    TCHECK(gr_conn_read(s1, NULL, 4, GR_FOREVER), -EINVAL);
    TCHECK(gr_conn_close(c), 0);
    TCHECK(gr_conn_close(s1), 0);
    TCHECK(gr_listener_close(l), 0);
    TCHECK(gr_connect(&c, EP, GR_FOREVER), -ECONNREFUSED); /* no longer listening */
}

START_TEST(refusals_and_deadlines)
{
    sim_ok(refuse_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ close and abort */

struct shut {
    bool abort;
    int64_t read1, read2, write_rc, late_read;
    char data[8];
};

static void shut_main(void *arg)
{
    struct shut *t = arg;
    gr_listener *l = listen_on(EP, GR_MS(1), 0);
    gr_conn *c = NULL, *srv = NULL;
    TCHECK(gr_connect(&c, EP, GR_FOREVER), 0);
    TCHECK(gr_accept(l, &srv, GR_FOREVER), 0);
    TCHECK(gr_conn_write(c, "abc", 3, GR_FOREVER), 3);
    TCHECK(t->abort ? gr_conn_abort(c) : gr_conn_close(c), 0);
    t->read1 = gr_conn_read(srv, t->data, sizeof t->data, GR_FOREVER);
    t->read2 = gr_conn_read(srv, t->data + 3, sizeof t->data - 3, GR_FOREVER);
    t->write_rc = gr_conn_write(srv, "x", 1, GR_FOREVER);
    TCHECK(gr_conn_close(srv), 0);
    gr_listener_close(l);
}

START_TEST(graceful_close_delivers_then_eof)
{
    struct shut t = {.abort = false};
    sim_ok(shut_main, &t);
    ck_assert_int_eq(t.read1, 3);
    ck_assert_int_eq(memcmp(t.data, "abc", 3), 0);
    ck_assert_int_eq(t.read2, 0);           /* end of stream */
    ck_assert_int_eq(t.write_rc, -EPIPE);   /* the client is gone */
}
END_TEST

START_TEST(abort_discards_and_resets)
{
    struct shut t = {.abort = true};
    sim_ok(shut_main, &t);
    ck_assert_int_eq(t.read1, -ECONNRESET); /* "abc" in flight was discarded */
    ck_assert_int_eq(t.read2, -ECONNRESET);
    ck_assert_int_eq(t.write_rc, -ECONNRESET);
}
END_TEST

/* ------------------------------------------------------------ backpressure */

#define BIG (3 * GR_NET_BUF)

struct bp {
    gr_conn *c, *srv;
    unsigned char *out, *in;
    int64_t written_at, reader_started;
};

static void bp_writer(void *arg)
{
    struct bp *b = arg;
    TCHECK(gr_conn_write(b->c, b->out, BIG, GR_FOREVER), BIG);
    b->written_at = gr_now();
    gr_conn_close(b->c);
}

static void bp_main(void *arg)
{
    struct bp *b = arg;
    gr_listener *l = listen_on(EP, GR_US(10), 0);
    TCHECK(gr_connect(&b->c, EP, GR_FOREVER), 0);
    TCHECK(gr_accept(l, &b->srv, GR_FOREVER), 0);
    gr_spawn(bp_writer, b, "writer");
    gr_sleep(GR_MS(100)); /* the writer fills the link and blocks */
    TCHECK(b->written_at, 0);
    b->reader_started = gr_now();
    size_t got = 0;
    int64_t n = 1;
    while (got < BIG && (n = gr_conn_read(b->srv, b->in + got, BIG - got, GR_FOREVER)) > 0)
        got += (size_t)n;
    TCHECK(got, BIG);
    char extra;
    TCHECK(gr_conn_read(b->srv, &extra, 1, GR_FOREVER), 0); /* then end of stream */
    gr_conn_close(b->srv);
    gr_listener_close(l);
}

START_TEST(writer_waits_for_reader)
{
    struct bp b = {0};
    b.out = malloc(BIG);
    b.in = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        b.out[i] = (unsigned char)(i * 7 + i / 251);
    sim_ok(bp_main, &b);
    ck_assert_int_ge(b.written_at, b.reader_started);
    ck_assert_int_eq(memcmp(b.out, b.in, BIG), 0); /* every byte, in order */
    free(b.out);
    free(b.in);
}
END_TEST

/* ------------------------------------------------------------ registry, closing under a waiter */

struct waiting {
    gr_conn *c;
    int64_t rc;
};

static void reader(void *arg)
{
    struct waiting *w = arg;
    char b[4];
    w->rc = gr_conn_read(w->c, b, sizeof b, GR_FOREVER);
}

static void registry_main(void *arg)
{
    struct waiting *w = arg;
    gr_listener *l = listen_on(EP, 0, 0);
    gr_conn *srv = NULL;
    TCHECK(gr_connect(&w->c, EP, GR_FOREVER), 0);
    TCHECK(gr_accept(l, &srv, GR_FOREVER), 0);
    gr_spawn(reader, w, "reader");
    gr_sleep(GR_MS(1));
    gr_task_info ti[4];
    TCHECK(gr_sched_tasks(gr_current(), 0, ti, 4), 2);
    char text[64];
    gr_task_blocked_on(&ti[1], text, sizeof text);
    TCHECK(strcmp(text, "net read \"" EP "\""), 0);
    TCHECK(gr_conn_close(w->c), 0); /* under the reader's feet */
    gr_sleep(GR_MS(1));
    TCHECK(w->rc, -EBADF);
    gr_conn_close(srv);
    gr_listener_close(l);
}

START_TEST(blocked_read_shows_and_close_wakes_it)
{
    struct waiting w = {0};
    sim_ok(registry_main, &w);
}
END_TEST

/* Shutdown from another task: the blocked reader wakes with -ESHUTDOWN,
 * later calls fail the same way, the peer sees nothing until the owner
 * closes, and then a plain end of stream. */
static void shutdown_main(void *arg)
{
    struct waiting *w = arg;
    gr_listener *l = listen_on(EP, GR_MS(2), 0);
    gr_conn *srv = NULL;
    TCHECK(gr_connect(&w->c, EP, GR_FOREVER), 0);
    TCHECK(gr_accept(l, &srv, GR_FOREVER), 0);
    gr_spawn(reader, w, "reader");
    gr_sleep(GR_MS(1));
    int64_t at = gr_now();
    TCHECK(gr_conn_shutdown(w->c), 0);
    TCHECK(gr_conn_shutdown(w->c), 0); /* idempotent */
    for (int i = 0; i < 100 && w->rc == 0; i++)
        gr_yield(); /* the reader is ready; the sim may pick either of us */
    TCHECK(w->rc, -ESHUTDOWN);
    TCHECK(gr_now(), at); /* at once, not at a deadline */
    char b[4];
    TCHECK(gr_conn_read(w->c, b, 1, GR_FOREVER), -ESHUTDOWN);
    TCHECK(gr_conn_write(w->c, "x", 1, GR_FOREVER), -ESHUTDOWN);
    TCHECK(gr_conn_read(srv, b, 1, gr_deadline_in(GR_MS(50))), -ETIMEDOUT);
    TCHECK(gr_conn_close(w->c), 0);
    TCHECK(gr_conn_read(srv, b, 1, GR_FOREVER), 0);
    TCHECK(gr_conn_shutdown(NULL), -EINVAL);
    gr_conn_close(srv);
    gr_listener_close(l);
}

START_TEST(shutdown_wakes_a_blocked_reader)
{
    struct waiting w = {0};
    sim_ok(shutdown_main, &w);
}
END_TEST

static void lclose_main(void *arg)
{
    (void)arg;
    gr_listener *l = listen_on(EP, 0, 0);
    gr_conn *c = NULL;
    TCHECK(gr_connect(&c, EP, GR_FOREVER), 0); /* pending, never accepted */
    TCHECK(gr_listener_close(l), 0);
    char b[2];
    TCHECK(gr_conn_read(c, b, sizeof b, GR_FOREVER), -ECONNRESET);
    TCHECK(gr_conn_close(c), 0);
}

START_TEST(listener_close_resets_pending)
{
    sim_ok(lclose_main, NULL);
}
END_TEST

/* One task accepts in a loop, another closes the listener while the first
 * is between two accepts: its next accept gets -EBADF (the listener stays
 * valid after close; freed by gr_listener_release or the scheduler). */
struct loop_acc {
    gr_listener *l;
    int rc;
};

static void accept_loop(void *arg)
{
    struct loop_acc *a = arg;
    gr_conn *c;
    while ((a->rc = gr_accept(a->l, &c, GR_FOREVER)) == 0) {
        gr_sleep(GR_MS(5)); /* busy elsewhere: not inside gr_accept */
        gr_conn_close(c);
    }
}

static void close_between_main(void *arg)
{
    struct loop_acc *a = arg;
    a->l = listen_on(EP, 0, 0);
    gr_spawn(accept_loop, a, "acceptor");
    gr_conn *c = NULL;
    TCHECK(gr_connect(&c, EP, GR_FOREVER), 0);
    gr_sleep(GR_MS(1)); /* the acceptor has it and is sleeping */
    TCHECK(gr_listener_release(a->l), -EBUSY); /* still open */
    TCHECK(gr_listener_close(a->l), 0);
    TCHECK(gr_listener_close(a->l), -EBADF);
    gr_sleep(GR_MS(10)); /* it comes back to gr_accept */
    TCHECK(a->rc, -EBADF);
    TCHECK(gr_listener_release(a->l), 0);
    gr_conn_close(c);
}

START_TEST(close_between_accepts_is_ebadf)
{
    struct loop_acc a = {0};
    sim_ok(close_between_main, &a);
}
END_TEST

static void lonely_main(void *arg)
{
    (void)arg;
    gr_listener *l = listen_on(EP, 0, 0);
    gr_conn *c = NULL;
    TCHECK(gr_accept(l, &c, GR_FOREVER), 0); /* nobody will ever connect */
}

START_TEST(lonely_accept_is_a_deadlock)
{
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, lonely_main, NULL, &rc);
    ck_assert_int_eq(rc, -EDEADLK);
    gr_task_info ti;
    ck_assert_uint_eq(gr_sched_tasks(s, 0, &ti, 1), 1);
    ck_assert_int_eq(ti.wait, GR_WAIT_NET_ACCEPT);
    ck_assert_str_eq(ti.wait_obj, EP);
    gr_sched_release(s);
}
END_TEST

Suite *suite_runtime_net(void)
{
    Suite *s = suite_create("runtime_net");
    TCase *tc = tcase_create("net");
    tcase_add_test(tc, echo_with_exact_latency);
    tcase_add_test(tc, refusals_and_deadlines);
    tcase_add_test(tc, graceful_close_delivers_then_eof);
    tcase_add_test(tc, abort_discards_and_resets);
    tcase_add_test(tc, writer_waits_for_reader);
    tcase_add_test(tc, blocked_read_shows_and_close_wakes_it);
    tcase_add_test(tc, shutdown_wakes_a_blocked_reader);
    tcase_add_test(tc, listener_close_resets_pending);
    tcase_add_test(tc, lonely_accept_is_a_deadlock);
    tcase_add_test(tc, close_between_accepts_is_ebadf);
    suite_add_tcase(s, tc);
    return s;
}
