/* test_sync.c — WaitGroup and weighted semaphore semantics, panics and bad arguments. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

static gr_wg *mkwg(const char *name)
{
    gr_wg *w = NULL;
    TCHECK(gr_wg_create(&w, name), 0);
    return w;
}

static gr_sem *mksem(const char *name, int64_t size)
{
    gr_sem *s = NULL;
    TCHECK(gr_sem_create(&s, name, size), 0);
    return s;
}

/* ------------------------------------------------------------ WaitGroup */

struct wgt;
struct wg_arg {
    struct wgt *w;
    int i;
};
struct wgt {
    gr_wg *wg, *fin;
    struct wg_arg args[10];
    int rc[10];
    int64_t t[10];
    int64_t woke, count_after, again_t;
};

static void wg_sleeper(void *arg)
{
    struct wg_arg *a = arg;
    gr_sleep(GR_MS(10) * (a->i + 1));
    TCHECK(gr_wg_done(a->w->wg), 0);
}

static void wg_wait_main(void *arg)
{
    struct wgt *w = arg;
    w->wg = mkwg("wg");
    TCHECK(gr_wg_add(w->wg, 3), 0);
    TCHECK(gr_wg_count(w->wg), 3);
    int order[3] = {0, 2, 1};
    for (int i = 0; i < 3; i++) {
        w->args[i] = (struct wg_arg){.w = w, .i = order[i]};
        gr_spawn(wg_sleeper, &w->args[i], "sleeper");
    }
    TCHECK(gr_wg_wait(w->wg), 0);
    w->woke = gr_now();
    w->count_after = gr_wg_count(w->wg);
    TCHECK(gr_wg_wait(w->wg), 0);
    w->again_t = gr_now();
    TCHECK(gr_wg_release(w->wg), 0);
}

START_TEST(wg_wait_until_zero)
{
    struct wgt w;
    memset(&w, 0, sizeof w);
    sim_ok(wg_wait_main, &w);
    ck_assert_int_eq(w.woke, GR_MS(30));
    ck_assert_int_eq(w.count_after, 0);
    ck_assert_int_eq(w.again_t, GR_MS(30));
}
END_TEST

static void wg_waiter(void *arg)
{
    struct wg_arg *a = arg;
    a->w->rc[a->i] = gr_wg_wait(a->w->wg);
    a->w->t[a->i] = gr_now();
    gr_wg_done(a->w->fin);
}

static void wg_many_main(void *arg)
{
    struct wgt *w = arg;
    w->wg = mkwg("gate");
    w->fin = mkwg("fin");
    TCHECK(gr_wg_add(w->wg, 1), 0);
    TCHECK(gr_wg_add(w->fin, 10), 0);
    for (int i = 0; i < 10; i++) {
        w->args[i] = (struct wg_arg){.w = w, .i = i};
        w->rc[i] = 1;
        gr_spawn(wg_waiter, &w->args[i], "waiter");
    }
    gr_sleep(GR_MS(1));
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    TCHECK(st.blocked, 10);
    TCHECK(gr_wg_release(w->wg), -EBUSY);
    TCHECK(gr_wg_done(w->wg), 0);
    TCHECK(gr_wg_wait(w->fin), 0);
}

START_TEST(wg_wakes_every_waiter)
{
    struct wgt w;
    memset(&w, 0, sizeof w);
    sim_ok(wg_many_main, &w);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(w.rc[i], 0);
        ck_assert_int_eq(w.t[i], GR_MS(1));
    }
}
END_TEST

static void wg_negative_main(void *arg)
{
    (void)arg;
    gr_wg *wg = mkwg("neg");
    TCHECK(gr_wg_add(wg, 1), 0);
    TCHECK(gr_wg_add(wg, -2), -ERANGE);
    TCHECK(gr_wg_count(wg), 1);
    TCHECK(gr_wg_done(wg), 0);
    TCHECK(gr_wg_done(wg), -ERANGE);
    TCHECK(gr_wg_count(wg), 0);
    /* the bounds on the fast paths too: down by more than the count, up
     * past INT64_MAX; and a count that reaches zero still releases */
    TCHECK(gr_wg_add(wg, 5), 0);
    TCHECK(gr_wg_add(wg, -6), -ERANGE);
    TCHECK(gr_wg_add(wg, INT64_MAX), -ERANGE);
    TCHECK(gr_wg_count(wg), 5);
    TCHECK(gr_wg_add(wg, -5), 0);
    TCHECK(gr_wg_wait(wg), 0);
}

START_TEST(wg_negative_panics)
{
    gr_sched *s = sim_run(wg_negative_main, NULL);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_WG_NEGATIVE), 4);
    gr_panic_info pi[3];
    memset(pi, 0, sizeof pi);
    ck_assert_uint_eq(gr_sched_panics(s, pi, 3), 4);
    ck_assert_int_eq(pi[0].kind, GR_PANIC_WG_NEGATIVE);
    ck_assert_str_eq(pi[0].obj, "neg");
    ck_assert_str_eq(pi[0].task_name, "main");
    gr_sched_release(s);
}
END_TEST

static void wg_invalid_main(void *arg)
{
    (void)arg;
    TCHECK(gr_wg_create(NULL, "x"), -EINVAL);
    TCHECK(gr_wg_add(NULL, 1), -EINVAL);
    TCHECK(gr_wg_done(NULL), -EINVAL);
    TCHECK(gr_wg_wait(NULL), -EINVAL);
}

START_TEST(wg_invalid_arguments)
{
    gr_sched *s = sim_run(wg_invalid_main, NULL);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_WG_NEGATIVE), 0);
    gr_sched_release(s);
}
END_TEST

/* ------------------------------------------------------------ semaphore */

struct semf {
    gr_sem *s;
    gr_wg *wg;
    int big_got, small_got;
    int64_t big_t, small_t;
};

static void sem_big(void *arg)
{
    struct semf *f = arg;
    TCHECK(gr_sem_acquire(f->s, NULL, 5), 0);
    f->big_got = 1;
    f->big_t = gr_now();
    gr_sleep(GR_MS(10));
    TCHECK(gr_sem_post(f->s, 5), 0);
    gr_wg_done(f->wg);
}

static void sem_small(void *arg)
{
    struct semf *f = arg;
    TCHECK(gr_sem_acquire(f->s, NULL, 1), 0);
    f->small_got = 1;
    f->small_t = gr_now();
    TCHECK(gr_sem_post(f->s, 1), 0);
    gr_wg_done(f->wg);
}

static void sem_fifo_main(void *arg)
{
    struct semf *f = arg;
    f->s = mksem("sem", 10);
    f->wg = mkwg("fin");
    gr_wg_add(f->wg, 2);
    TCHECK(gr_sem_acquire(f->s, NULL, 8), 0);
    gr_spawn(sem_big, f, "big");
    gr_sleep(GR_MS(1));
    gr_spawn(sem_small, f, "small");
    gr_sleep(GR_MS(1));
    /* 2 free: small (1) would fit but is queued behind big (5). */
    TCHECK(f->big_got + f->small_got, 0);
    TCHECK(gr_sem_try_acquire(f->s, 1), -EAGAIN);
    TCHECK(gr_sem_held(f->s), 8);
    TCHECK(gr_sem_post(f->s, 3), 0); /* 5 free: big only */
    gr_sleep(GR_MS(1));
    TCHECK(f->big_got, 1);
    TCHECK(f->small_got, 0);
    TCHECK(gr_sem_held(f->s), 10);
    TCHECK(gr_wg_wait(f->wg), 0);
    TCHECK(gr_sem_post(f->s, 5), 0);
    TCHECK(gr_sem_held(f->s), 0);
}

START_TEST(sem_fifo_big_blocks_small)
{
    struct semf f = {0};
    sim_ok(sem_fifo_main, &f);
    ck_assert_int_eq(f.big_t, GR_MS(2));
    ck_assert_int_eq(f.small_t, GR_MS(12));
}
END_TEST

struct semc {
    gr_sem *s;
    gr_ctx *ctx;
    int rc;
    int64_t t;
    gr_wg *wg;
};

static void sem_ctx_waiter(void *arg)
{
    struct semc *c = arg;
    c->rc = gr_sem_acquire(c->s, c->ctx, 1);
    c->t = gr_now();
    gr_wg_done(c->wg);
}

static void sem_ctx_main(void *arg)
{
    struct semc *c = arg;
    c->s = mksem("sem", 2);
    c->wg = mkwg("fin");
    TCHECK(gr_ctx_with_cancel(&c->ctx, gr_ctx_background()), 0);
    TCHECK(gr_sem_acquire(c->s, NULL, 2), 0);
    gr_wg_add(c->wg, 1);
    c->rc = 1;
    gr_spawn(sem_ctx_waiter, c, "waiter");
    gr_sleep(GR_MS(4));
    TCHECK(c->rc, 1);
    TCHECK(gr_ctx_cancel(c->ctx), 0);
    TCHECK(gr_wg_wait(c->wg), 0);
    TCHECK(gr_sem_held(c->s), 2);
    TCHECK(gr_sem_post(c->s, 2), 0);
    TCHECK(gr_sem_held(c->s), 0);
    TCHECK(gr_sem_try_acquire(c->s, 2), 0); /* the cancelled waiter left the queue */
}

START_TEST(sem_acquire_cancelled)
{
    struct semc c = {0};
    sim_ok(sem_ctx_main, &c);
    ck_assert_int_eq(c.rc, -ECANCELED);
    ck_assert_int_eq(c.t, GR_MS(4));
}
END_TEST

static void sem_timeout_main(void *arg)
{
    struct semc *c = arg;
    c->s = mksem("sem", 1);
    TCHECK(gr_sem_acquire(c->s, NULL, 1), 0);
    TCHECK(gr_ctx_with_timeout(&c->ctx, gr_ctx_background(), GR_MS(6)), 0);
    c->rc = gr_sem_acquire(c->s, c->ctx, 1);
    c->t = gr_now();
    TCHECK(gr_sem_held(c->s), 1);
}

START_TEST(sem_acquire_times_out)
{
    struct semc c = {0};
    sim_ok(sem_timeout_main, &c);
    ck_assert_int_eq(c.rc, -ETIMEDOUT);
    ck_assert_int_eq(c.t, GR_MS(6));
}
END_TEST

static void sem_try_main(void *arg)
{
    (void)arg;
    gr_sem *s = mksem("try", 3);
    TCHECK(gr_sem_try_acquire(s, 2), 0);
    TCHECK(gr_sem_try_acquire(s, 2), -EAGAIN);
    TCHECK(gr_sem_held(s), 2);
    TCHECK(gr_sem_try_acquire(s, 1), 0);
    TCHECK(gr_sem_held(s), 3);
    TCHECK(gr_sem_try_acquire(s, 1), -EAGAIN);
    TCHECK(gr_sem_post(s, 3), 0);
    TCHECK(gr_sem_release(s), 0);
}

START_TEST(sem_try_acquire)
{
    sim_ok(sem_try_main, NULL);
}
END_TEST

static void sem_over_main(void *arg)
{
    (void)arg;
    gr_sem *s = mksem("over", 4);
    TCHECK(gr_sem_acquire(s, NULL, 2), 0);
    TCHECK(gr_sem_post(s, 3), -ERANGE);
    TCHECK(gr_sem_held(s), 2);
    TCHECK(gr_sem_post(s, 2), 0);
    TCHECK(gr_sem_held(s), 0);
}

START_TEST(sem_over_release_panics)
{
    gr_sched *s = sim_run(sem_over_main, NULL);
    ck_assert_uint_eq(gr_sched_panic_count(s, GR_PANIC_SEM_OVER_RELEASE), 1);
    gr_panic_info pi;
    ck_assert_uint_eq(gr_sched_panics(s, &pi, 1), 1);
    ck_assert_int_eq(pi.kind, GR_PANIC_SEM_OVER_RELEASE);
    ck_assert_str_eq(pi.obj, "over");
    gr_sched_release(s);
}
END_TEST

static void sem_invalid_main(void *arg)
{
    (void)arg;
    gr_sem *s = NULL;
    TCHECK(gr_sem_create(NULL, "x", 1), -EINVAL);
    TCHECK(gr_sem_create(&s, "x", 0), -EINVAL);
    TCHECK(gr_sem_create(&s, "x", -3), -EINVAL);
    s = mksem("range", 4);
    TCHECK(gr_sem_acquire(s, NULL, 5), -EINVAL);
    TCHECK(gr_sem_acquire(s, NULL, 0), -EINVAL);
    TCHECK(gr_sem_acquire(s, NULL, -1), -EINVAL);
    TCHECK(gr_sem_try_acquire(s, 5), -EINVAL);
    TCHECK(gr_sem_try_acquire(s, 0), -EINVAL);
    TCHECK(gr_sem_acquire(NULL, NULL, 1), -EINVAL);
    TCHECK(gr_sem_try_acquire(NULL, 1), -EINVAL);
    TCHECK(gr_sem_held(s), 0);
    TCHECK(gr_sem_acquire(s, NULL, 4), 0);
}

START_TEST(sem_invalid_arguments)
{
    sim_ok(sem_invalid_main, NULL);
}
END_TEST

struct semb {
    gr_sem *s;
    int busy_rc, free_rc;
};

static void sem_blocked(void *arg)
{
    struct semb *b = arg;
    gr_sem_acquire(b->s, NULL, 1);
}

static void sem_busy_main(void *arg)
{
    struct semb *b = arg;
    b->s = mksem("busy", 1);
    TCHECK(gr_sem_acquire(b->s, NULL, 1), 0);
    gr_spawn(sem_blocked, b, "blocked");
    gr_sleep(GR_MS(1));
    b->busy_rc = gr_sem_release(b->s);
    TCHECK(gr_sem_post(b->s, 1), 0);
    gr_sleep(GR_MS(1));
    TCHECK(gr_sem_held(b->s), 1);
    b->free_rc = gr_sem_release(b->s);
}

START_TEST(sem_release_with_waiters_is_busy)
{
    struct semb b = {0};
    sim_ok(sem_busy_main, &b);
    ck_assert_int_eq(b.busy_rc, -EBUSY);
    ck_assert_int_eq(b.free_rc, 0);
}
END_TEST

Suite *suite_runtime_sync(void)
{
    Suite *s = suite_create("runtime_sync");
    TCase *tc = tcase_create("sync");
    tcase_add_test(tc, wg_wait_until_zero);
    tcase_add_test(tc, wg_wakes_every_waiter);
    tcase_add_test(tc, wg_negative_panics);
    tcase_add_test(tc, wg_invalid_arguments);
    tcase_add_test(tc, sem_fifo_big_blocks_small);
    tcase_add_test(tc, sem_acquire_cancelled);
    tcase_add_test(tc, sem_acquire_times_out);
    tcase_add_test(tc, sem_try_acquire);
    tcase_add_test(tc, sem_over_release_panics);
    tcase_add_test(tc, sem_invalid_arguments);
    tcase_add_test(tc, sem_release_with_waiters_is_busy);
    suite_add_tcase(s, tc);
    return s;
}
