/* test_netreal.c — the net calls in real mode over loopback TCP: echo,
 * refusals, deadlines, reset vs end of stream, loopback-only endpoints,
 * many clients at once, and a transfer larger than the socket buffers.
 * Every loop is bounded; no test asserts an upper bound on time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/testutil.h"

static gr_sched *real_run(void (*fn)(void *), void *arg)
{
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, fn, arg, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    return s;
}

static void real_ok(void (*fn)(void *), void *arg)
{
    gr_sched_release(real_run(fn, arg));
}

static gr_listener *listen_any(void)
{
    gr_listener *l = NULL;
    TCHECK(gr_listen(&l, "127.0.0.1:0", NULL), 0);
    return l;
}

/* Read exactly n bytes (bounded by the deadline). */
static int64_t read_full(gr_conn *c, char *buf, size_t n, int64_t deadline)
{
    size_t got = 0;
    while (got < n) {
        int64_t r = gr_conn_read(c, buf + got, n - got, deadline);
        if (r <= 0)
            return r;
        got += (size_t)r;
    }
    return (int64_t)got;
}

/* ------------------------------------------------------------ echo, many clients */

#define CLIENTS 32
#define ROUNDS 50

struct echo {
    gr_listener *l;
    int served, done;
};

static void serve_one(void *arg)
{
    gr_conn *c = arg;
    char buf[64];
    int64_t n;
    while ((n = gr_conn_read(c, buf, sizeof buf, gr_deadline_in(GR_S(10)))) > 0)
        if (gr_conn_write(c, buf, (size_t)n, gr_deadline_in(GR_S(10))) != n)
            break;
    gr_conn_close(c);
}

static void acceptor(void *arg)
{
    struct echo *e = arg;
    gr_conn *c;
    while (e->served < CLIENTS && gr_accept(e->l, &c, gr_deadline_in(GR_S(10))) == 0) {
        e->served++;
        gr_spawn(serve_one, c, "serve");
    }
}

static void client(void *arg)
{
    struct echo *e = arg;
    gr_conn *c = NULL;
    TCHECK(gr_connect(&c, gr_listener_endpoint(e->l), gr_deadline_in(GR_S(10))), 0);
    if (!c)
        return;
    char out[16], in[16];
    for (int i = 0; i < ROUNDS; i++) {
        int len = snprintf(out, sizeof out, "req %d", i);
        TCHECK(gr_conn_write(c, out, (size_t)len, gr_deadline_in(GR_S(10))), len);
        TCHECK(read_full(c, in, (size_t)len, gr_deadline_in(GR_S(10))), len);
        TCHECK(memcmp(in, out, (size_t)len), 0);
    }
    gr_conn_close(c);
    e->done++;
}

static void echo_main(void *arg)
{
    struct echo *e = arg;
    e->l = listen_any();
    TCHECK(strncmp(gr_listener_endpoint(e->l), "127.0.0.1:", 10), 0);
    TCHECK(strcmp(gr_listener_endpoint(e->l), "127.0.0.1:0") != 0, 1); /* a real port */
    gr_spawn(acceptor, e, "acceptor");
    for (int i = 0; i < CLIENTS; i++)
        gr_spawn(client, e, "client");
    for (int i = 0; i < 1000 && e->done < CLIENTS; i++)
        gr_sleep(GR_MS(10));
    gr_listener_close(e->l);
}

START_TEST(many_clients_echo)
{
    struct echo e = {0};
    real_ok(echo_main, &e);
    ck_assert_int_eq(e.done, CLIENTS);
}
END_TEST

/* ------------------------------------------------------------ errors */

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * GR_S(1) + ts.tv_nsec;
}

static void errors_main(void *arg)
{
    (void)arg;
    gr_listener *l = NULL;
    gr_conn *c = NULL;
    TCHECK(gr_listen(&l, "10.1.2.3:80", NULL), -EINVAL);   /* loopback only */
    TCHECK(gr_listen(&l, "127.0.0.1", NULL), -EINVAL);     /* no port */
    TCHECK(gr_listen(&l, "127.0.0.1:99999", NULL), -EINVAL);
    l = listen_any();
    char ep[32];
    snprintf(ep, sizeof ep, "%s", gr_listener_endpoint(l));
    gr_listener *dup = NULL;
    TCHECK(gr_listen(&dup, ep, NULL), -EADDRINUSE);
    TCHECK(gr_connect(&c, ep, gr_deadline_in(GR_S(5))), 0);
    gr_conn *srv = NULL;
    TCHECK(gr_accept(l, &srv, gr_deadline_in(GR_S(5))), 0);
    char b[4];
    int64_t t0 = wall_ns();
    TCHECK(gr_conn_read(srv, b, sizeof b, gr_deadline_in(GR_MS(20))), -ETIMEDOUT);
    TCHECK(wall_ns() - t0 >= GR_MS(20), 1);
    TCHECK(gr_conn_close(c), 0);
    TCHECK(gr_conn_read(srv, b, sizeof b, gr_deadline_in(GR_S(5))), 0); /* end of stream */
    TCHECK(gr_conn_close(srv), 0);
    TCHECK(gr_listener_close(l), 0);
    TCHECK(gr_connect(&c, ep, gr_deadline_in(GR_S(5))), -ECONNREFUSED); /* nobody there now */
}

START_TEST(refused_deadline_eof)
{
    real_ok(errors_main, NULL);
}
END_TEST

static void reset_main(void *arg)
{
    (void)arg;
    gr_listener *l = listen_any();
    gr_conn *c = NULL, *srv = NULL;
    TCHECK(gr_connect(&c, gr_listener_endpoint(l), gr_deadline_in(GR_S(5))), 0);
    TCHECK(gr_accept(l, &srv, gr_deadline_in(GR_S(5))), 0);
    TCHECK(gr_conn_abort(c), 0);
    char b[4];
    TCHECK(gr_conn_read(srv, b, sizeof b, gr_deadline_in(GR_S(5))), -ECONNRESET);
    gr_conn_close(srv);
    gr_listener_close(l);
}

START_TEST(abort_is_a_reset)
{
    real_ok(reset_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ shutdown */

struct shut {
    gr_conn *c;
    gr_wg *done;
    int64_t rc;
};

static void shut_reader(void *arg)
{
    struct shut *sh = arg;
    char b[4];
    sh->rc = gr_conn_read(sh->c, b, sizeof b, gr_deadline_in(GR_S(10)));
    gr_wg_done(sh->done);
}

/* Shutdown from another task wakes a reader parked in epoll with
 * -ESHUTDOWN (not at its 10 s deadline); the wire is untouched until the
 * owner closes, and the peer then reads end of stream. */
static void shut_main(void *arg)
{
    struct shut *sh = arg;
    gr_listener *l = listen_any();
    gr_conn *srv = NULL;
    TCHECK(gr_connect(&sh->c, gr_listener_endpoint(l), gr_deadline_in(GR_S(5))), 0);
    TCHECK(gr_accept(l, &srv, gr_deadline_in(GR_S(5))), 0);
    if (!sh->c || !srv)
        return;
    TCHECK(gr_wg_create(&sh->done, "reader"), 0);
    gr_wg_add(sh->done, 1);
    gr_spawn(shut_reader, sh, "reader");
    gr_sleep(GR_MS(20));
    TCHECK(gr_conn_shutdown(sh->c), 0);
    gr_wg_wait(sh->done);
    gr_wg_release(sh->done);
    TCHECK(sh->rc, -ESHUTDOWN); /* not -ETIMEDOUT: woken, not timed out */
    char b[4];
    TCHECK(gr_conn_write(sh->c, "x", 1, gr_deadline_in(GR_S(1))), -ESHUTDOWN);
    TCHECK(gr_conn_read(srv, b, 1, gr_deadline_in(GR_MS(20))), -ETIMEDOUT);
    TCHECK(gr_conn_close(sh->c), 0);
    TCHECK(gr_conn_read(srv, b, 1, gr_deadline_in(GR_S(5))), 0);
    gr_conn_close(srv);
    gr_listener_close(l);
}

START_TEST(shutdown_wakes_an_epoll_reader)
{
    struct shut sh = {0};
    real_ok(shut_main, &sh);
}
END_TEST

/* ------------------------------------------------------------ big transfer */

#define BIG (8u << 20)

struct big {
    gr_listener *l;
    unsigned char *out, *in;
    int64_t got;
};

static void big_writer(void *arg)
{
    struct big *b = arg;
    gr_conn *c = NULL;
    TCHECK(gr_connect(&c, gr_listener_endpoint(b->l), gr_deadline_in(GR_S(10))), 0);
    if (!c)
        return;
    TCHECK(gr_conn_write(c, b->out, BIG, gr_deadline_in(GR_S(30))), BIG);
    gr_conn_close(c);
}

static void big_main(void *arg)
{
    struct big *b = arg;
    b->l = listen_any();
    gr_spawn(big_writer, b, "writer");
    gr_conn *srv = NULL;
    TCHECK(gr_accept(b->l, &srv, gr_deadline_in(GR_S(10))), 0);
    gr_sleep(GR_MS(50)); /* the writer fills the socket buffers and parks */
    gr_task_info ti[4];
    size_t n = gr_sched_tasks(gr_current(), 0, ti, 4);
    char on[96] = "";
    for (size_t i = 0; i < n && i < 4; i++)
        if (strcmp(ti[i].name, "writer") == 0)
            gr_task_blocked_on(&ti[i], on, sizeof on);
    TCHECK(strncmp(on, "net write \"127.0.0.1:", 21), 0);
    b->got = read_full(srv, (char *)b->in, BIG, gr_deadline_in(GR_S(30)));
    char extra;
    TCHECK(gr_conn_read(srv, &extra, 1, gr_deadline_in(GR_S(10))), 0);
    gr_conn_close(srv);
    gr_listener_close(b->l);
}

START_TEST(big_transfer_parks_the_writer)
{
    struct big b = {0};
    b.out = malloc(BIG);
    b.in = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        b.out[i] = (unsigned char)(i ^ (i >> 9));
    real_ok(big_main, &b);
    ck_assert_int_eq(b.got, BIG);
    ck_assert_int_eq(memcmp(b.out, b.in, BIG), 0);
    free(b.out);
    free(b.in);
}
END_TEST

Suite *suite_runtime_netreal(void)
{
    Suite *s = suite_create("runtime_netreal");
    TCase *tc = tcase_create("netreal");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, many_clients_echo);
    tcase_add_test(tc, refused_deadline_eof);
    tcase_add_test(tc, abort_is_a_reset);
    tcase_add_test(tc, shutdown_wakes_an_epoll_reader);
    tcase_add_test(tc, big_transfer_parks_the_writer);
    suite_add_tcase(s, tc);
    return s;
}
