/* test_group.c — errgroup: first error wins, cancellation, limit, try_go, bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

static gr_group *mkgroup(gr_ctx *parent, const char *name, int limit)
{
    gr_group *g = NULL;
    TCHECK(gr_group_create(&g, parent, name, limit), 0);
    return g;
}

/* ------------------------------------------------------------ first error */

struct ferr {
    int64_t seen_t;
    int seen_err, late_err;
    int wait_rc, err_after;
    int64_t wait_t;
};

static int fail_late(gr_ctx *ctx, void *arg)
{
    struct ferr *f = arg;
    gr_sleep(GR_MS(30));
    f->late_err = gr_ctx_err(ctx);
    return -EIO;
}

static int fail_early(gr_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    gr_sleep(GR_MS(10));
    return -ENOENT;
}

static int watch_ctx(gr_ctx *ctx, void *arg)
{
    struct ferr *f = arg;
    gr_chan_recv(gr_ctx_done(ctx), NULL);
    f->seen_t = gr_now();
    f->seen_err = gr_ctx_err(ctx);
    return 0;
}

static void first_error_main(void *arg)
{
    struct ferr *f = arg;
    gr_group *g = mkgroup(NULL, "grp", 0);
    TCHECK(gr_group_go(g, fail_late, f, "late") > 0, 1);
    TCHECK(gr_group_go(g, watch_ctx, f, "watch") > 0, 1);
    TCHECK(gr_group_go(g, fail_early, f, "early") > 0, 1);
    f->wait_rc = gr_group_wait(g);
    f->wait_t = gr_now();
    f->err_after = gr_ctx_err(gr_group_ctx(g));
    TCHECK(gr_group_release(g), 0);
}

START_TEST(first_error_wins_and_cancels)
{
    struct ferr f = {0};
    sim_ok(first_error_main, &f);
    ck_assert_int_eq(f.wait_rc, -ENOENT);
    ck_assert_int_eq(f.wait_t, GR_MS(30));
    ck_assert_int_eq(f.seen_t, GR_MS(10));
    ck_assert_int_eq(f.seen_err, -ECANCELED);
    ck_assert_int_eq(f.late_err, -ECANCELED);
    ck_assert_int_eq(f.err_after, -ECANCELED);
}
END_TEST

/* ------------------------------------------------------------ success */

struct ok {
    int ran, err_during[3];
    int wait_rc, err_before, err_after;
    int64_t wait_t;
};

static int succeed(gr_ctx *ctx, void *arg)
{
    struct ok *o = arg;
    int i = o->ran++;
    gr_sleep(GR_MS(5) * (i + 1));
    o->err_during[i] = gr_ctx_err(ctx);
    return 0;
}

static void success_main(void *arg)
{
    struct ok *o = arg;
    gr_group *g = mkgroup(gr_ctx_background(), "ok", 0);
    for (int i = 0; i < 3; i++)
        gr_group_go(g, succeed, o, "ok");
    o->err_before = gr_ctx_err(gr_group_ctx(g));
    o->wait_rc = gr_group_wait(g);
    o->wait_t = gr_now();
    o->err_after = gr_ctx_err(gr_group_ctx(g));
}

START_TEST(all_succeed_returns_zero)
{
    struct ok o;
    memset(&o, 0xff, sizeof o);
    o.ran = 0;
    sim_ok(success_main, &o);
    ck_assert_int_eq(o.ran, 3);
    ck_assert_int_eq(o.wait_rc, 0);
    ck_assert_int_eq(o.wait_t, GR_MS(15));
    ck_assert_int_eq(o.err_before, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(o.err_during[i], 0);
    ck_assert_int_eq(o.err_after, -ECANCELED);
}
END_TEST

/* ------------------------------------------------------------ limit */

struct lim {
    int running, peak, done;
    int64_t wait_t;
    int go_fail;
};

static int limited(gr_ctx *ctx, void *arg)
{
    (void)ctx;
    struct lim *l = arg;
    l->running++;
    if (l->running > l->peak)
        l->peak = l->running;
    gr_sleep(GR_MS(5));
    l->running--;
    l->done++;
    return 0;
}

static void limit_main(void *arg)
{
    struct lim *l = arg;
    gr_group *g = mkgroup(NULL, "lim", 3);
    for (int i = 0; i < 10; i++)
        l->go_fail += gr_group_go(g, limited, l, "worker") <= 0;
    TCHECK(gr_group_wait(g), 0);
    l->wait_t = gr_now();
}

START_TEST(limit_caps_running_tasks)
{
    struct lim l = {0};
    sim_ok(limit_main, &l);
    ck_assert_int_eq(l.go_fail, 0);
    ck_assert_int_eq(l.peak, 3);
    ck_assert_int_eq(l.done, 10);
    ck_assert_int_eq(l.wait_t, GR_MS(20));
}
END_TEST

struct tg {
    gr_chan *gate;
    int64_t ids[4];
    int full_rc;
};

static int gated(gr_ctx *ctx, void *arg)
{
    (void)ctx;
    struct tg *t = arg;
    gr_chan_recv(t->gate, NULL);
    return 0;
}

static void try_go_main(void *arg)
{
    struct tg *t = arg;
    gr_group *g = mkgroup(NULL, "try", 2);
    gr_chan_create(&t->gate, "gate", 0, 0);
    t->ids[0] = gr_group_try_go(g, gated, t, "a");
    t->ids[1] = gr_group_try_go(g, gated, t, "b");
    t->full_rc = (int)gr_group_try_go(g, gated, t, "c");
    gr_sleep(GR_MS(1));
    TCHECK(gr_group_release(g), -EBUSY);
    TCHECK(gr_chan_close(t->gate), 0);
    gr_sleep(GR_MS(1));
    t->ids[2] = gr_group_try_go(g, gated, t, "d");
    TCHECK(gr_group_wait(g), 0);
    TCHECK(gr_group_release(g), 0);
}

START_TEST(try_go_when_full)
{
    struct tg t = {0};
    sim_ok(try_go_main, &t);
    ck_assert_int_eq(t.ids[0], 2);
    ck_assert_int_eq(t.ids[1], 3);
    ck_assert_int_eq(t.full_rc, -EAGAIN);
    ck_assert_int_eq(t.ids[2], 4);
}
END_TEST

/* ------------------------------------------------------------ parent ctx */

struct par {
    int err_in_task;
    int group_err;
};

static int read_err(gr_ctx *ctx, void *arg)
{
    struct par *p = arg;
    p->err_in_task = gr_ctx_err(ctx);
    return 0;
}

static void parent_main(void *arg)
{
    struct par *p = arg;
    gr_ctx *parent = NULL;
    TCHECK(gr_ctx_with_cancel(&parent, gr_ctx_background()), 0);
    gr_group *g = mkgroup(parent, "child", 0);
    TCHECK(gr_ctx_err(gr_group_ctx(g)), 0);
    TCHECK(gr_ctx_cancel(parent), 0);
    p->group_err = gr_ctx_err(gr_group_ctx(g));
    gr_group_go(g, read_err, p, "reader");
    TCHECK(gr_group_wait(g), 0);
}

START_TEST(group_ctx_derives_from_parent)
{
    struct par p = {0};
    sim_ok(parent_main, &p);
    ck_assert_int_eq(p.group_err, -ECANCELED);
    ck_assert_int_eq(p.err_in_task, -ECANCELED);
}
END_TEST

/* ------------------------------------------------------------ bad args */

static int nothing(gr_ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    return 0;
}

static void invalid_main(void *arg)
{
    (void)arg;
    gr_group *g = NULL;
    TCHECK(gr_group_create(NULL, NULL, "x", 0), -EINVAL);
    g = mkgroup(NULL, "inv", 0);
    TCHECK(gr_group_go(NULL, nothing, NULL, "x"), -EINVAL);
    TCHECK(gr_group_go(g, NULL, NULL, "x"), -EINVAL);
    TCHECK(gr_group_try_go(NULL, nothing, NULL, "x"), -EINVAL);
    TCHECK(gr_group_wait(NULL), -EINVAL);
    TCHECK(gr_group_wait(g), 0);
}

START_TEST(invalid_arguments)
{
    sim_ok(invalid_main, NULL);
}
END_TEST

Suite *suite_runtime_group(void)
{
    Suite *s = suite_create("runtime_group");
    TCase *tc = tcase_create("group");
    tcase_add_test(tc, first_error_wins_and_cancels);
    tcase_add_test(tc, all_succeed_returns_zero);
    tcase_add_test(tc, limit_caps_running_tasks);
    tcase_add_test(tc, try_go_when_full);
    tcase_add_test(tc, group_ctx_derives_from_parent);
    tcase_add_test(tc, invalid_arguments);
    suite_add_tcase(s, tc);
    return s;
}
