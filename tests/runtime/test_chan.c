/* test_chan.c — channels: rendezvous, buffering, close, panic events and bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

/* ------------------------------------------------------------ rendezvous */

struct rv {
    gr_chan *ch;
    int seq;
    int recv_start, send_done; /* sequence numbers of the events */
    int64_t send_done_t, recv_done_t;
    int got;
};

static void rv_sender(void *arg)
{
    struct rv *r = arg;
    int v = 42;
    TCHECK(gr_chan_send(r->ch, &v), 0);
    r->send_done = ++r->seq;
    r->send_done_t = gr_now();
}

static void rv_receiver(void *arg)
{
    struct rv *r = arg;
    gr_sleep(GR_MS(10));
    r->recv_start = ++r->seq;
    TCHECK(gr_chan_recv(r->ch, &r->got), 0);
    r->recv_done_t = gr_now();
}

static void rv_main(void *arg)
{
    struct rv *r = arg;
    r->ch = mkchan("rv", sizeof(int), 0);
    gr_spawn(rv_sender, r, "sender");
    gr_spawn(rv_receiver, r, "receiver");
    gr_sleep(GR_MS(20));
}

START_TEST(unbuffered_send_waits_for_receiver)
{
    struct rv r = {0};
    sim_ok(rv_main, &r);
    ck_assert_int_eq(r.got, 42);
    ck_assert_int_gt(r.recv_start, 0);
    ck_assert_int_gt(r.send_done, r.recv_start);
    ck_assert_int_eq(r.send_done_t, GR_MS(10));
    ck_assert_int_eq(r.recv_done_t, GR_MS(10));
}
END_TEST

static void rv_late_sender(void *arg)
{
    struct rv *r = arg;
    int v = 7;
    gr_sleep(GR_MS(5));
    r->send_done = ++r->seq;
    TCHECK(gr_chan_send(r->ch, &v), 0);
}

static void rv_recv_first_main(void *arg)
{
    struct rv *r = arg;
    r->ch = mkchan("rv", sizeof(int), 0);
    int v = 1;
    TCHECK(gr_chan_try_send(r->ch, &v), -EAGAIN);
    TCHECK(gr_chan_try_recv(r->ch, &v), -EAGAIN);
    TCHECK(gr_chan_len(r->ch), 0);
    gr_spawn(rv_late_sender, r, "late");
    TCHECK(gr_chan_recv(r->ch, &r->got), 0);
    r->recv_start = ++r->seq;
    r->recv_done_t = gr_now();
}

START_TEST(unbuffered_recv_waits_for_sender)
{
    struct rv r = {0};
    sim_ok(rv_recv_first_main, &r);
    ck_assert_int_eq(r.got, 7);
    ck_assert_int_gt(r.recv_start, r.send_done);
    ck_assert_int_eq(r.recv_done_t, GR_MS(5));
}
END_TEST

/* ------------------------------------------------------------ buffered */

struct buf {
    int got[8];
    int n;
};

static void fifo_main(void *arg)
{
    struct buf *b = arg;
    gr_chan *ch = mkchan("fifo", sizeof(int), 5);
    TCHECK(gr_chan_cap(ch), 5);
    for (int i = 1; i <= 5; i++) {
        TCHECK(gr_chan_send(ch, &i), 0);
        TCHECK(gr_chan_len(ch), i);
    }
    int v = 6;
    TCHECK(gr_chan_try_send(ch, &v), -EAGAIN);
    TCHECK(gr_chan_len(ch), 5);
    for (int i = 0; i < 5; i++)
        TCHECK(gr_chan_recv(ch, &b->got[b->n++]), 0);
    TCHECK(gr_chan_len(ch), 0);
    TCHECK(gr_chan_try_recv(ch, &v), -EAGAIN);
    TCHECK(gr_chan_release(ch), 0);
}

START_TEST(buffered_fifo_len_cap)
{
    struct buf b = {.n = 0};
    sim_ok(fifo_main, &b);
    ck_assert_int_eq(b.n, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(b.got[i], i + 1);
}
END_TEST

struct full {
    gr_chan *ch;
    int64_t sent_t;
    int got[2];
};

static void full_sender(void *arg)
{
    struct full *f = arg;
    int v = 2;
    TCHECK(gr_chan_send(f->ch, &v), 0);
    f->sent_t = gr_now();
}

static void full_main(void *arg)
{
    struct full *f = arg;
    int v = 1;
    f->ch = mkchan("full", sizeof(int), 1);
    TCHECK(gr_chan_send(f->ch, &v), 0);
    gr_spawn(full_sender, f, "sender");
    gr_sleep(GR_MS(3));
    TCHECK(f->sent_t, 0);
    TCHECK(gr_chan_len(f->ch), 1);
    TCHECK(gr_chan_recv(f->ch, &f->got[0]), 0);
    TCHECK(gr_chan_recv(f->ch, &f->got[1]), 0);
    gr_sleep(GR_MS(1)); /* let the woken sender record its time */
}

START_TEST(buffered_full_blocks_sender)
{
    struct full f = {0};
    sim_ok(full_main, &f);
    ck_assert_int_eq(f.got[0], 1);
    ck_assert_int_eq(f.got[1], 2);
    ck_assert_int_eq(f.sent_t, GR_MS(3));
}
END_TEST

/* ------------------------------------------------------------ close */

#define CW_N 4

struct triple {
    int a, b, c;
};

struct cw;
struct cw_arg {
    struct cw *w;
    int i;
};
struct cw {
    gr_chan *ch;
    gr_wg *wg;
    struct cw_arg args[2 * CW_N];
    int rc[2 * CW_N];
    bool ok[2 * CW_N];
    struct triple out[2 * CW_N];
    uint64_t blocked_before;
    int close_rc;
};

static void cw_receiver(void *arg)
{
    struct cw_arg *a = arg;
    struct cw *w = a->w;
    w->out[a->i] = (struct triple){7, 7, 7};
    w->ok[a->i] = true;
    if (a->i < CW_N)
        w->rc[a->i] = gr_chan_recv(w->ch, &w->out[a->i]);
    else
        w->rc[a->i] = gr_chan_recv_ok(w->ch, &w->out[a->i], &w->ok[a->i]);
    gr_wg_done(w->wg);
}

static void cw_main(void *arg)
{
    struct cw *w = arg;
    w->ch = mkchan("closing", sizeof(struct triple), 0);
    gr_wg_create(&w->wg, "receivers");
    gr_wg_add(w->wg, 2 * CW_N);
    for (int i = 0; i < 2 * CW_N; i++) {
        w->args[i] = (struct cw_arg){.w = w, .i = i};
        w->rc[i] = 1;
        gr_spawn(cw_receiver, &w->args[i], "recv");
    }
    gr_sleep(GR_MS(1));
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    w->blocked_before = st.blocked;
    w->close_rc = gr_chan_close(w->ch);
    TCHECK(gr_wg_wait(w->wg), 0);
}

START_TEST(close_wakes_all_receivers)
{
    struct cw w;
    memset(&w, 0, sizeof w);
    sim_ok(cw_main, &w);
    ck_assert_uint_eq(w.blocked_before, 2 * CW_N);
    ck_assert_int_eq(w.close_rc, 0);
    for (int i = 0; i < 2 * CW_N; i++) {
        ck_assert_int_eq(w.rc[i], i < CW_N ? -EPIPE : 0);
        ck_assert(!w.ok[i] || i < CW_N);
        ck_assert_int_eq(w.out[i].a, 0);
        ck_assert_int_eq(w.out[i].b, 0);
        ck_assert_int_eq(w.out[i].c, 0);
    }
}
END_TEST

static void drain_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("drain", sizeof(int), 3);
    int v = 7, out = -1;
    bool ok = false;
    TCHECK(gr_chan_send(ch, &v), 0);
    v = 8;
    TCHECK(gr_chan_send(ch, &v), 0);
    v = 9;
    TCHECK(gr_chan_send(ch, &v), 0);
    TCHECK(gr_chan_closed(ch), false);
    TCHECK(gr_chan_close(ch), 0);
    TCHECK(gr_chan_closed(ch), true);
    TCHECK(gr_chan_len(ch), 3);
    TCHECK(gr_chan_recv(ch, &out), 0);
    TCHECK(out, 7);
    TCHECK(gr_chan_try_recv(ch, &out), 0);
    TCHECK(out, 8);
    TCHECK(gr_chan_recv_ok(ch, &out, &ok), 0);
    TCHECK(ok, true);
    TCHECK(out, 9);
    TCHECK(gr_chan_recv(ch, &out), -EPIPE);
    TCHECK(out, 0);
    out = 5;
    TCHECK(gr_chan_try_recv(ch, &out), -EPIPE);
    TCHECK(out, 0);
    out = 5;
    TCHECK(gr_chan_recv_ok(ch, &out, &ok), 0);
    TCHECK(ok, false);
    TCHECK(out, 0);
    TCHECK(gr_chan_recv(ch, NULL), -EPIPE);
}

START_TEST(buffered_drained_after_close)
{
    sim_ok(drain_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ panics */

struct pnc {
    gr_chan *ch;
    int rc, rc2;
    uint64_t sender_id;
};

static void closed_sender(void *arg)
{
    struct pnc *p = arg;
    int v = 1;
    gr_sleep(GR_MS(5));
    p->sender_id = gr_self();
    p->rc = gr_chan_send(p->ch, &v);
}

static void send_closed_main(void *arg)
{
    struct pnc *p = arg;
    p->ch = mkchan("pipe", sizeof(int), 4);
    TCHECK(gr_chan_close(p->ch), 0);
    gr_spawn(closed_sender, p, "sender");
    gr_sleep(GR_MS(10));
    TCHECK(gr_chan_len(p->ch), 0);
}

START_TEST(send_on_closed_panics)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(send_closed_main, &p);
    ck_assert_int_eq(p.rc, -EPIPE);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 1);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_CLOSE_CLOSED), 0);
    gr_panic_info pi[4];
    memset(pi, 0, sizeof pi);
    ck_assert_uint_eq(gr_sched_panics(s, pi, 4), 1);
    ck_assert_int_eq(pi[0].kind, GR_PANIC_SEND_CLOSED);
    ck_assert_str_eq(pi[0].task_name, "sender");
    ck_assert_uint_eq(pi[0].task, p.sender_id);
    ck_assert_str_eq(pi[0].obj, "pipe");
    ck_assert_int_eq(pi[0].time, GR_MS(5));
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    ck_assert_uint_eq(st.panics, 1);
    gr_sched_release(s);
}
END_TEST

static void try_send_closed_main(void *arg)
{
    struct pnc *p = arg;
    int v = 1;
    p->ch = mkchan("pipe", sizeof(int), 4);
    TCHECK(gr_chan_close(p->ch), 0);
    p->rc = gr_chan_try_send(p->ch, &v);
}

START_TEST(try_send_on_closed_panics)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(try_send_closed_main, &p);
    ck_assert_int_eq(p.rc, -EPIPE);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 1);
    gr_sched_release(s);
}
END_TEST

static void blocked_sender(void *arg)
{
    struct pnc *p = arg;
    int v = 3;
    p->rc = gr_chan_send(p->ch, &v);
}

static void close_blocked_sender_main(void *arg)
{
    struct pnc *p = arg;
    p->ch = mkchan("jam", sizeof(int), 0);
    p->rc = 1;
    gr_spawn(blocked_sender, p, "stuck");
    gr_sleep(GR_MS(1));
    TCHECK(p->rc, 1);
    TCHECK(gr_chan_close(p->ch), 0);
    gr_sleep(GR_MS(1));
}

START_TEST(close_fails_blocked_sender)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(close_blocked_sender_main, &p);
    ck_assert_int_eq(p.rc, -EPIPE);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 1);
    gr_panic_info pi;
    ck_assert_uint_eq(gr_sched_panics(s, &pi, 1), 1);
    ck_assert_str_eq(pi.task_name, "stuck");
    ck_assert_str_eq(pi.obj, "jam");
    gr_sched_release(s);
}
END_TEST

static void close_full_sender_main(void *arg)
{
    struct pnc *p = arg;
    int v = 1, out = 0;
    p->ch = mkchan("jam", sizeof(int), 1);
    TCHECK(gr_chan_send(p->ch, &v), 0);
    p->rc = 1;
    gr_spawn(blocked_sender, p, "stuck");
    gr_sleep(GR_MS(1));
    TCHECK(gr_chan_close(p->ch), 0);
    gr_sleep(GR_MS(1));
    TCHECK(gr_chan_recv(p->ch, &out), 0);
    TCHECK(out, 1);
    TCHECK(gr_chan_recv(p->ch, &out), -EPIPE);
}

START_TEST(close_fails_sender_blocked_on_full_buffer)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(close_full_sender_main, &p);
    ck_assert_int_eq(p.rc, -EPIPE);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 1);
    gr_sched_release(s);
}
END_TEST

static void double_close_main(void *arg)
{
    struct pnc *p = arg;
    p->ch = mkchan("twice", 0, 0);
    p->rc = gr_chan_close(p->ch);
    p->rc2 = gr_chan_close(p->ch);
}

START_TEST(double_close_panics)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(double_close_main, &p);
    ck_assert_int_eq(p.rc, 0);
    ck_assert_int_eq(p.rc2, -EPIPE);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_CLOSE_CLOSED), 1);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 0);
    gr_panic_info pi;
    ck_assert_uint_eq(gr_sched_panics(s, &pi, 1), 1);
    ck_assert_int_eq(pi.kind, GR_PANIC_CLOSE_CLOSED);
    ck_assert_str_eq(pi.task_name, "main");
    ck_assert_uint_eq(pi.task, 1);
    ck_assert_str_eq(pi.obj, "twice");
    gr_sched_release(s);
}
END_TEST

static void close_nil_main(void *arg)
{
    struct pnc *p = arg;
    p->rc = gr_chan_close(NULL);
}

START_TEST(close_nil_panics)
{
    struct pnc p = {0};
    gr_sched *s = sim_run(close_nil_main, &p);
    ck_assert_int_eq(p.rc, -EINVAL);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_CLOSE_NIL), 1);
    gr_panic_info pi;
    ck_assert_uint_eq(gr_sched_panics(s, &pi, 1), 1);
    ck_assert_int_eq(pi.kind, GR_PANIC_CLOSE_NIL);
    ck_assert_str_eq(pi.task_name, "main");
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ try forms */

struct tr {
    gr_chan *ch;
    int got;
    int try_send_rc, try_recv_rc, try_recv_val;
};

static void tr_receiver(void *arg)
{
    struct tr *t = arg;
    TCHECK(gr_chan_recv(t->ch, &t->got), 0);
}

static void tr_sender(void *arg)
{
    struct tr *t = arg;
    int v = 31;
    TCHECK(gr_chan_send(t->ch, &v), 0);
}

static void try_main(void *arg)
{
    struct tr *t = arg;
    int v = 30;
    t->ch = mkchan("try", sizeof(int), 0);
    TCHECK(gr_chan_try_send(t->ch, &v), -EAGAIN);
    gr_spawn(tr_receiver, t, "receiver");
    gr_sleep(GR_MS(1));
    t->try_send_rc = gr_chan_try_send(t->ch, &v);
    gr_sleep(GR_MS(1));
    TCHECK(gr_chan_try_recv(t->ch, &v), -EAGAIN);
    gr_spawn(tr_sender, t, "sender");
    gr_sleep(GR_MS(1));
    t->try_recv_rc = gr_chan_try_recv(t->ch, &t->try_recv_val);
    gr_sleep(GR_MS(1));
}

START_TEST(try_forms_meet_blocked_peers)
{
    struct tr t = {0};
    sim_ok(try_main, &t);
    ck_assert_int_eq(t.try_send_rc, 0);
    ck_assert_int_eq(t.got, 30);
    ck_assert_int_eq(t.try_recv_rc, 0);
    ck_assert_int_eq(t.try_recv_val, 31);
}
END_TEST

/* ------------------------------------------------------------ signal chans */

struct sig {
    gr_chan *ch;
    int got;
};

static void sig_receiver(void *arg)
{
    struct sig *g = arg;
    for (int i = 0; i < 2; i++)
        g->got += gr_chan_recv(g->ch, NULL) == 0;
}

static void zero_elem_main(void *arg)
{
    struct sig *g = arg;
    g->ch = mkchan("sig", 0, 0);
    gr_spawn(sig_receiver, g, "receiver");
    TCHECK(gr_chan_send(g->ch, NULL), 0);
    TCHECK(gr_chan_send(g->ch, NULL), 0);
    gr_chan *b = mkchan("sigbuf", 0, 3);
    for (int i = 0; i < 3; i++)
        TCHECK(gr_chan_send(b, NULL), 0);
    TCHECK(gr_chan_len(b), 3);
    TCHECK(gr_chan_try_send(b, NULL), -EAGAIN);
    for (int i = 0; i < 3; i++)
        TCHECK(gr_chan_recv(b, NULL), 0);
    TCHECK(gr_chan_try_recv(b, NULL), -EAGAIN);
    gr_sleep(GR_MS(1));
}

START_TEST(zero_size_elements)
{
    struct sig g = {0};
    sim_ok(zero_elem_main, &g);
    ck_assert_int_eq(g.got, 2);
}
END_TEST

/* ------------------------------------------------------------ bad args */

static void invalid_main(void *arg)
{
    (void)arg;
    gr_chan *c = NULL;
    int v = 1;
    bool ok;
    TCHECK(gr_chan_create(NULL, "x", 4, 0), -EINVAL);
    TCHECK(gr_chan_create(&c, "x", 1, ((size_t)1 << 30) + 1), -EINVAL);
    TCHECK(gr_chan_create(&c, "x", 8, (size_t)1 << 30), -EINVAL);
    c = mkchan("x", sizeof(int), 1);
    TCHECK(gr_chan_send(NULL, &v), -EINVAL);
    TCHECK(gr_chan_send(c, NULL), -EINVAL);
    TCHECK(gr_chan_try_send(c, NULL), -EINVAL);
    TCHECK(gr_chan_try_send(NULL, &v), -EINVAL);
    TCHECK(gr_chan_len(c), 0);
    TCHECK(gr_chan_recv(NULL, &v), -EINVAL);
    TCHECK(gr_chan_try_recv(NULL, &v), -EINVAL);
    TCHECK(gr_chan_recv_ok(NULL, &v, &ok), -EINVAL);
    TCHECK(gr_chan_recv_ok(c, &v, NULL), -EINVAL);
    TCHECK(gr_chan_len(NULL), 0);
    TCHECK(gr_chan_release(NULL), 0);
}

START_TEST(invalid_arguments)
{
    gr_sched *s = sim_run(invalid_main, NULL);
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    ck_assert_uint_eq(st.panics, 0);
    gr_sched_release(s);
}
END_TEST

struct rel {
    gr_chan *ch;
    int busy_rc, free_rc;
};

static void rel_receiver(void *arg)
{
    struct rel *r = arg;
    gr_chan_recv(r->ch, NULL);
}

static void release_busy_main(void *arg)
{
    struct rel *r = arg;
    int v = 1;
    r->ch = mkchan("busy", sizeof(int), 0);
    gr_spawn(rel_receiver, r, "waiter");
    gr_sleep(GR_MS(1));
    r->busy_rc = gr_chan_release(r->ch);
    TCHECK(gr_chan_send(r->ch, &v), 0);
    gr_sleep(GR_MS(1));
    r->free_rc = gr_chan_release(r->ch);
}

START_TEST(release_with_waiters_is_busy)
{
    struct rel r = {0};
    sim_ok(release_busy_main, &r);
    ck_assert_int_eq(r.busy_rc, -EBUSY);
    ck_assert_int_eq(r.free_rc, 0);
}
END_TEST

/* ------------------------------------------------------------ recv_ok, names */

struct rok {
    int out;
    bool ok;
};

static void recv_ok_main(void *arg)
{
    struct rok *r = arg;
    gr_chan *ch = mkchan("rok", sizeof(int), 1);
    int v = 12;
    TCHECK(gr_chan_send(ch, &v), 0);
    TCHECK(gr_chan_recv_ok(ch, &r->out, &r->ok), 0);
    TCHECK(r->ok, true);
    TCHECK(r->out, 12);
    TCHECK(gr_chan_close(ch), 0);
    TCHECK(gr_chan_recv_ok(ch, &r->out, &r->ok), 0);
}

START_TEST(recv_ok_reports_closed)
{
    struct rok r = {.out = 5, .ok = true};
    sim_ok(recv_ok_main, &r);
    ck_assert(!r.ok);
    ck_assert_int_eq(r.out, 0);
}
END_TEST

struct names {
    char named[GR_NAME_MAX + 8], unnamed[GR_NAME_MAX + 8], longn[GR_NAME_MAX + 8];
};

static void names_main(void *arg)
{
    struct names *n = arg;
    char longname[80];
    memset(longname, 'c', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    snprintf(n->named, sizeof n->named, "%s", gr_chan_name(mkchan("jobs", 4, 0)));
    snprintf(n->unnamed, sizeof n->unnamed, "%s", gr_chan_name(mkchan(NULL, 4, 0)));
    snprintf(n->longn, sizeof n->longn, "%s", gr_chan_name(mkchan(longname, 4, 0)));
}

START_TEST(channel_names)
{
    struct names n;
    memset(&n, 0, sizeof n);
    sim_ok(names_main, &n);
    ck_assert_str_eq(n.named, "jobs");
    ck_assert_int_eq(strncmp(n.unnamed, "chan#", 5), 0);
    ck_assert_uint_eq(strlen(n.longn), GR_NAME_MAX - 1);
}
END_TEST

Suite *suite_runtime_chan(void)
{
    Suite *s = suite_create("runtime_chan");
    TCase *tc = tcase_create("chan");
    tcase_add_test(tc, unbuffered_send_waits_for_receiver);
    tcase_add_test(tc, unbuffered_recv_waits_for_sender);
    tcase_add_test(tc, buffered_fifo_len_cap);
    tcase_add_test(tc, buffered_full_blocks_sender);
    tcase_add_test(tc, close_wakes_all_receivers);
    tcase_add_test(tc, buffered_drained_after_close);
    tcase_add_test(tc, send_on_closed_panics);
    tcase_add_test(tc, try_send_on_closed_panics);
    tcase_add_test(tc, close_fails_blocked_sender);
    tcase_add_test(tc, close_fails_sender_blocked_on_full_buffer);
    tcase_add_test(tc, double_close_panics);
    tcase_add_test(tc, close_nil_panics);
    tcase_add_test(tc, try_forms_meet_blocked_peers);
    tcase_add_test(tc, zero_size_elements);
    tcase_add_test(tc, invalid_arguments);
    tcase_add_test(tc, release_with_waiters_is_busy);
    tcase_add_test(tc, recv_ok_reports_closed);
    tcase_add_test(tc, channel_names);
    suite_add_tcase(s, tc);
    return s;
}
