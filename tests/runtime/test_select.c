/* test_select.c — gr_select: fairness, default, timeouts, nil/send/closed cases, errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

/* ------------------------------------------------------------ fairness */

#define FAIR_N 30000

struct fair {
    int count[3];
    int bad;
};

static void fair_main(void *arg)
{
    struct fair *f = arg;
    gr_chan *ch[3];
    int v[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        ch[i] = mkchan("ready", sizeof(int), 1);
        TCHECK(gr_chan_send(ch[i], &i), 0);
    }
    for (int k = 0; k < FAIR_N; k++) {
        gr_case cs[3] = {GR_RECV(ch[0], &v[0]), GR_RECV(ch[1], &v[1]), GR_RECV(ch[2], &v[2])};
        int r = gr_select(cs, 3, GR_FOREVER);
        if (r < 0 || r > 2 || v[r] != r || !cs[r].ok) {
            f->bad++;
            continue;
        }
        f->count[r]++;
        TCHECK(gr_chan_try_send(ch[r], &r), 0);
    }
}

START_TEST(fair_choice_among_ready)
{
    struct fair f = {.bad = 0};
    sim_ok(fair_main, &f);
    ck_assert_int_eq(f.bad, 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_ge(f.count[i], FAIR_N / 3 - FAIR_N / 60);
        ck_assert_int_le(f.count[i], FAIR_N / 3 + FAIR_N / 60);
    }
}
END_TEST

/* ------------------------------------------------------------ default */

static void default_main(void *arg)
{
    (void)arg;
    gr_chan *a = mkchan("a", sizeof(int), 1), *b = mkchan("b", sizeof(int), 1);
    int x = 0, y = 0;
    gr_case cs[2] = {GR_RECV(a, &x), GR_RECV(b, &y)};
    TCHECK(gr_select(cs, 2, 0), -EAGAIN);
    TCHECK(gr_select(cs, 2, -5), -EAGAIN);
    gr_sleep(GR_MS(5));
    TCHECK(gr_select(cs, 2, gr_now()), -EAGAIN);
    TCHECK(gr_select(cs, 2, GR_MS(1)), -EAGAIN);
    TCHECK(gr_now(), GR_MS(5));
    TCHECK(gr_select(NULL, 0, 0), -EAGAIN);
    int v = 9;
    TCHECK(gr_chan_send(b, &v), 0);
    TCHECK(gr_select(cs, 2, 0), 1);
    TCHECK(y, 9);
    TCHECK(cs[1].ok, true);
    TCHECK(gr_chan_len(b), 0);
}

START_TEST(default_when_nothing_ready)
{
    sim_ok(default_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ timeout */

struct tmo {
    int rc, rc_zero;
    int64_t t, t_zero;
    int release_rc;
};

static void timeout_main(void *arg)
{
    struct tmo *m = arg;
    gr_chan *ch = mkchan("empty", sizeof(int), 0);
    int v;
    gr_case c = GR_RECV(ch, &v);
    gr_sleep(GR_MS(5));
    m->rc = gr_select(&c, 1, gr_now() + GR_MS(7));
    m->t = gr_now();
    m->rc_zero = gr_select(NULL, 0, gr_now() + GR_MS(3));
    m->t_zero = gr_now();
    m->release_rc = gr_chan_release(ch);
}

START_TEST(timeout_at_exact_virtual_time)
{
    struct tmo m = {0};
    sim_ok(timeout_main, &m);
    ck_assert_int_eq(m.rc, -ETIMEDOUT);
    ck_assert_int_eq(m.t, GR_MS(12));
    ck_assert_int_eq(m.rc_zero, -ETIMEDOUT);
    ck_assert_int_eq(m.t_zero, GR_MS(15));
    ck_assert_int_eq(m.release_rc, 0);
}
END_TEST

/* ------------------------------------------------------------ nil cases */

struct nilc {
    int picks[20];
    int only_nil_rc;
    int64_t only_nil_t;
};

static void nil_case_main(void *arg)
{
    struct nilc *n = arg;
    gr_chan *ch = mkchan("real", sizeof(int), 1);
    int x = 0, y = 0;
    for (int k = 0; k < 20; k++) {
        TCHECK(gr_chan_send(ch, &k), 0);
        gr_case cs[3] = {GR_RECV(NULL, &x), GR_RECV(ch, &y), GR_SEND(NULL, &x)};
        n->picks[k] = gr_select(cs, 3, GR_FOREVER);
        TCHECK(y, k);
    }
    gr_case nils[2] = {GR_RECV(NULL, &x), GR_SEND(NULL, &x)};
    n->only_nil_rc = gr_select(nils, 2, gr_now() + GR_MS(3));
    n->only_nil_t = gr_now();
}

START_TEST(nil_channel_never_fires)
{
    struct nilc n = {.only_nil_rc = 0};
    sim_ok(nil_case_main, &n);
    for (int k = 0; k < 20; k++)
        ck_assert_int_eq(n.picks[k], 1);
    ck_assert_int_eq(n.only_nil_rc, -ETIMEDOUT);
    ck_assert_int_eq(n.only_nil_t, GR_MS(3));
}
END_TEST

/* ------------------------------------------------------------ send cases */

struct snd {
    gr_chan *ub;
    int got, got_late;
    int64_t late_t, sel_t;
    int sel_rc;
};

static void snd_receiver(void *arg)
{
    struct snd *s = arg;
    TCHECK(gr_chan_recv(s->ub, &s->got), 0);
}

static void snd_late_receiver(void *arg)
{
    struct snd *s = arg;
    gr_sleep(GR_MS(4));
    TCHECK(gr_chan_recv(s->ub, &s->got_late), 0);
    s->late_t = gr_now();
}

static void send_case_main(void *arg)
{
    struct snd *s = arg;
    gr_chan *buf = mkchan("buf", sizeof(int), 1);
    int v = 5, out = 0;
    gr_case c = GR_SEND(buf, &v);
    TCHECK(gr_select(&c, 1, 0), 0);
    TCHECK(c.ok, true);
    TCHECK(gr_select(&c, 1, 0), -EAGAIN);
    TCHECK(gr_chan_recv(buf, &out), 0);
    TCHECK(out, 5);
    s->ub = mkchan("ub", sizeof(int), 0);
    gr_spawn(snd_receiver, s, "receiver");
    gr_sleep(GR_MS(1));
    v = 6;
    c = GR_SEND(s->ub, &v);
    TCHECK(gr_select(&c, 1, 0), 0);
    gr_spawn(snd_late_receiver, s, "late");
    v = 7;
    c = GR_SEND(s->ub, &v);
    s->sel_rc = gr_select(&c, 1, GR_FOREVER);
    s->sel_t = gr_now();
    gr_sleep(GR_MS(1));
}

START_TEST(send_cases_deliver)
{
    struct snd s = {0};
    sim_ok(send_case_main, &s);
    ck_assert_int_eq(s.got, 6);
    ck_assert_int_eq(s.sel_rc, 0);
    ck_assert_int_eq(s.got_late, 7);
    ck_assert_int_eq(s.sel_t, GR_MS(5));
    ck_assert_int_eq(s.late_t, GR_MS(5));
}
END_TEST

/* ------------------------------------------------------------ closed */

struct cls {
    gr_chan *ch;
    int rc, out;
    bool ok;
    int64_t t;
};

static void closer(void *arg)
{
    struct cls *c = arg;
    gr_sleep(GR_MS(2));
    gr_chan_close(c->ch);
}

static void recv_closed_main(void *arg)
{
    struct cls *c = arg;
    gr_chan *done = mkchan("done", sizeof(int), 0);
    int out = 4;
    TCHECK(gr_chan_close(done), 0);
    gr_case k = GR_RECV(done, &out);
    k.ok = true;
    TCHECK(gr_select(&k, 1, GR_FOREVER), 0);
    TCHECK(k.ok, false);
    TCHECK(out, 0);
    c->ch = mkchan("later", sizeof(int), 0);
    gr_spawn(closer, c, "closer");
    c->out = 3;
    gr_case cs[2] = {GR_RECV(mkchan("never", sizeof(int), 0), NULL), GR_RECV(c->ch, &c->out)};
    cs[1].ok = true;
    c->rc = gr_select(cs, 2, GR_FOREVER);
    c->ok = cs[1].ok;
    c->t = gr_now();
}

START_TEST(recv_from_closed_not_ok)
{
    struct cls c = {0};
    sim_ok(recv_closed_main, &c);
    ck_assert_int_eq(c.rc, 1);
    ck_assert(!c.ok);
    ck_assert_int_eq(c.out, 0);
    ck_assert_int_eq(c.t, GR_MS(2));
}
END_TEST

static void send_closed_main(void *arg)
{
    struct cls *c = arg;
    int v = 1;
    c->ch = mkchan("shut", sizeof(int), 1);
    TCHECK(gr_chan_close(c->ch), 0);
    gr_case k = GR_SEND(c->ch, &v);
    k.ok = true;
    c->rc = gr_select(&k, 1, GR_FOREVER);
    c->ok = k.ok;
}

START_TEST(send_case_on_closed_panics)
{
    struct cls c = {0};
    gr_sched *s = sim_run(send_closed_main, &c);
    ck_assert_int_eq(c.rc, 0);
    ck_assert(!c.ok);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEND_CLOSED), 1);
    gr_panic_info pi;
    ck_assert_uint_eq(gr_sched_panics(s, &pi, 1), 1);
    ck_assert_str_eq(pi.obj, "shut");
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ forever */

static int after_forever;

static void empty_forever_main(void *arg)
{
    (void)arg;
    gr_select(NULL, 0, GR_FOREVER);
    after_forever = 1;
}

static void nil_forever_main(void *arg)
{
    (void)arg;
    int x;
    gr_case cs[2] = {GR_RECV(NULL, &x), GR_SEND(NULL, &x)};
    gr_select(cs, 2, GR_FOREVER);
    after_forever = 1;
}

START_TEST(select_nothing_forever_deadlocks)
{
    int rc;
    after_forever = 0;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, empty_forever_main, NULL, &rc);
    ck_assert_int_eq(rc, -EDEADLK);
    gr_sched_release(s);
    s = tu_run(GR_CLOCK_SIM, 1, nil_forever_main, NULL, &rc);
    ck_assert_int_eq(rc, -EDEADLK);
    ck_assert_int_eq(after_forever, 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ bad args */

static gr_case many_cases[GR_SELECT_MAX + 1];

static void invalid_main(void *arg)
{
    (void)arg;
    gr_chan *ch = mkchan("inv", sizeof(int), 1);
    int v = 1, x = 0;
    TCHECK(gr_chan_send(ch, &v), 0);
    gr_case c = GR_RECV(ch, &x);
    TCHECK(gr_select(&c, -1, 0), -EINVAL);
    TCHECK(gr_select(NULL, 1, 0), -EINVAL);
    for (int i = 0; i <= GR_SELECT_MAX; i++)
        many_cases[i] = GR_RECV(ch, &x);
    TCHECK(gr_select(many_cases, GR_SELECT_MAX + 1, 0), -EINVAL);
    gr_case bad[2] = {GR_RECV(ch, &x), {.ch = ch, .op = (gr_case_op)7, .val = &x}};
    TCHECK(gr_select(bad, 2, GR_FOREVER), -EINVAL);
    bad[1].op = (gr_case_op)0;
    TCHECK(gr_select(bad, 2, GR_FOREVER), -EINVAL);
    gr_chan *room = mkchan("room", sizeof(int), 1);
    gr_case nullval[2] = {GR_RECV(ch, &x), GR_SEND(room, NULL)};
    TCHECK(gr_select(nullval, 2, GR_FOREVER), -EINVAL);
    TCHECK(gr_chan_len(ch), 1);
    TCHECK(gr_chan_len(room), 0);
    TCHECK(x, 0);
    for (int i = 0; i < GR_SELECT_MAX; i++)
        many_cases[i] = GR_RECV(NULL, NULL);
    many_cases[GR_SELECT_MAX - 1] = GR_RECV(ch, &x);
    TCHECK(gr_select(many_cases, GR_SELECT_MAX, 0), GR_SELECT_MAX - 1);
    TCHECK(x, 1);
}

START_TEST(invalid_arguments)
{
    sim_ok(invalid_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ same chan */

struct twice {
    gr_chan *a, *b;
    int rc, got, stale_rc;
};

static void twice_sender(void *arg)
{
    struct twice *t = arg;
    int v = 8;
    gr_sleep(GR_MS(2));
    TCHECK(gr_chan_send(t->b, &v), 0);
}

static void twice_main(void *arg)
{
    struct twice *t = arg;
    gr_chan *ch = mkchan("dup", sizeof(int), 1);
    int v = 3, x = 0, y = 0;
    TCHECK(gr_chan_send(ch, &v), 0);
    gr_case two[2] = {GR_RECV(ch, &x), GR_RECV(ch, &y)};
    int r = gr_select(two, 2, 0);
    TCHECK(r == 0 || r == 1, 1);
    TCHECK(x + y, 3);
    TCHECK(gr_chan_len(ch), 0);
    gr_chan *ub = mkchan("self", sizeof(int), 0);
    gr_case self[2] = {GR_SEND(ub, &v), GR_RECV(ub, &x)};
    TCHECK(gr_select(self, 2, 0), -EAGAIN);
    t->a = mkchan("a", sizeof(int), 0);
    t->b = mkchan("b", sizeof(int), 0);
    gr_spawn(twice_sender, t, "sender");
    gr_case cs[4] = {GR_RECV(t->a, &x), GR_RECV(t->b, &t->got), GR_RECV(t->a, &x),
                     GR_RECV(t->b, &t->got)};
    t->rc = gr_select(cs, 4, GR_FOREVER);
    t->stale_rc = gr_chan_try_send(t->a, &v);
    TCHECK(gr_chan_try_send(t->b, &v), -EAGAIN);
    TCHECK(gr_chan_release(t->a), 0);
}

START_TEST(same_channel_twice)
{
    struct twice t = {0};
    sim_ok(twice_main, &t);
    ck_assert(t.rc == 1 || t.rc == 3);
    ck_assert_int_eq(t.got, 8);
    ck_assert_int_eq(t.stale_rc, -EAGAIN);
}
END_TEST

/* ------------------------------------------------------------ wakeup */

struct wake {
    gr_chan *a, *b;
    int rc, got;
    int64_t t;
};

static void wake_sender(void *arg)
{
    struct wake *w = arg;
    int v = 21;
    gr_sleep(GR_MS(3));
    TCHECK(gr_chan_send(w->b, &v), 0);
}

static void wake_main(void *arg)
{
    struct wake *w = arg;
    int x = 0;
    w->a = mkchan("a", sizeof(int), 0);
    w->b = mkchan("b", sizeof(int), 0);
    gr_spawn(wake_sender, w, "sender");
    gr_case cs[2] = {GR_RECV(w->a, &x), GR_RECV(w->b, &w->got)};
    w->rc = gr_select(cs, 2, gr_now() + GR_S(1));
    w->t = gr_now();
    TCHECK(gr_chan_try_send(w->a, &x), -EAGAIN);
    gr_sleep(GR_S(2)); /* the stale 1 s timeout must not disturb anything */
}

START_TEST(blocked_select_woken_by_sender)
{
    struct wake w = {0};
    sim_ok(wake_main, &w);
    ck_assert_int_eq(w.rc, 1);
    ck_assert_int_eq(w.got, 21);
    ck_assert_int_eq(w.t, GR_MS(3));
}
END_TEST

/* ------------------------------------------------------------ foreign channel */

static gr_chan *foreign_ch;

static void make_foreign(void *arg)
{
    (void)arg;
    foreign_ch = mkchan("foreign", sizeof(int), 1);
}

static void use_foreign(void *arg)
{
    (void)arg;
    int v = 1;
    gr_case c[1] = {GR_SEND(foreign_ch, &v)};
    TCHECK(gr_select(c, 1, 0), -EPERM);
    TCHECK(gr_chan_send(foreign_ch, &v), -EPERM);
    TCHECK(gr_chan_try_recv(foreign_ch, &v), -EPERM);
}

START_TEST(foreign_channel_is_eperm)
{
    gr_sched *a = sim_run(make_foreign, NULL);
    gr_sched *b = sim_run(use_foreign, NULL);
    gr_sched_release(b);
    gr_sched_release(a);
}
END_TEST

Suite *suite_runtime_select(void)
{
    Suite *s = suite_create("runtime_select");
    TCase *tc = tcase_create("select");
    tcase_add_test(tc, fair_choice_among_ready);
    tcase_add_test(tc, default_when_nothing_ready);
    tcase_add_test(tc, timeout_at_exact_virtual_time);
    tcase_add_test(tc, nil_channel_never_fires);
    tcase_add_test(tc, send_cases_deliver);
    tcase_add_test(tc, recv_from_closed_not_ok);
    tcase_add_test(tc, send_case_on_closed_panics);
    tcase_add_test(tc, select_nothing_forever_deadlocks);
    tcase_add_test(tc, invalid_arguments);
    tcase_add_test(tc, same_channel_twice);
    tcase_add_test(tc, blocked_select_woken_by_sender);
    tcase_add_test(tc, foreign_channel_is_eperm);
    suite_add_tcase(s, tc);
    return s;
}
