/* test_ctx.c — contexts: cancel trees, deadlines, idempotence, release, deep chains. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

static gr_ctx *with_cancel(gr_ctx *parent)
{
    gr_ctx *c = NULL;
    TCHECK(gr_ctx_with_cancel(&c, parent), 0);
    return c;
}

static gr_ctx *with_deadline(gr_ctx *parent, int64_t deadline)
{
    gr_ctx *c = NULL;
    TCHECK(gr_ctx_with_deadline(&c, parent, deadline), 0);
    return c;
}

static bool is_done(const gr_ctx *c)
{
    return gr_chan_closed(gr_ctx_done(c));
}

static uint64_t timers_pending(void)
{
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    return st.timers;
}

/* Block on c's done channel; returns the recv result. */
static int wait_done(gr_ctx *c)
{
    return gr_chan_recv(gr_ctx_done(c), NULL);
}

/* A task that waits for a context and records when and how it woke. */
struct waiter {
    gr_ctx *ctx;
    int rc;
    int64_t t;
    gr_wg *wg;
};

static void waiter_task(void *arg)
{
    struct waiter *w = arg;
    w->rc = wait_done(w->ctx);
    w->t = gr_now();
    gr_wg_done(w->wg);
}

static void spawn_waiter(struct waiter *w, gr_ctx *c)
{
    w->ctx = c;
    w->rc = 1;
    gr_wg_create(&w->wg, "waiter");
    gr_wg_add(w->wg, 1);
    gr_spawn(waiter_task, w, "waiter");
}

/* ------------------------------------------------------------ cancel tree */

static void tree_main(void *arg)
{
    struct waiter *w = arg;
    gr_ctx *root = with_cancel(gr_ctx_background());
    gr_ctx *child = with_cancel(root), *grand = with_cancel(child);
    TCHECK(gr_ctx_err(grand), 0);
    TCHECK(is_done(grand), false);
    spawn_waiter(w, grand);
    gr_sleep(GR_MS(3));
    TCHECK(w->rc, 1);
    TCHECK(gr_ctx_cancel(root), 0);
    TCHECK(gr_ctx_err(root), -ECANCELED);
    TCHECK(gr_ctx_err(child), -ECANCELED);
    TCHECK(gr_ctx_err(grand), -ECANCELED);
    TCHECK(is_done(root) && is_done(child) && is_done(grand), true);
    TCHECK(gr_wg_wait(w->wg), 0);
    TCHECK(wait_done(grand), -EPIPE);
}

START_TEST(cancel_reaches_descendants)
{
    struct waiter w = {0};
    sim_ok(tree_main, &w);
    ck_assert_int_eq(w.rc, -EPIPE);
    ck_assert_int_eq(w.t, GR_MS(3));
}
END_TEST

static void sibling_main(void *arg)
{
    (void)arg;
    gr_ctx *parent = with_cancel(gr_ctx_background());
    gr_ctx *c1 = with_cancel(parent), *c2 = with_cancel(parent);
    gr_ctx *g1 = with_cancel(c1), *g2 = with_cancel(c2);
    TCHECK(gr_ctx_cancel(c1), 0);
    TCHECK(gr_ctx_err(c1), -ECANCELED);
    TCHECK(gr_ctx_err(g1), -ECANCELED);
    TCHECK(gr_ctx_err(parent), 0);
    TCHECK(gr_ctx_err(c2), 0);
    TCHECK(gr_ctx_err(g2), 0);
    TCHECK(is_done(parent) || is_done(c2) || is_done(g2), false);
}

START_TEST(cancel_child_spares_parent_and_siblings)
{
    sim_ok(sibling_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ deadlines */

static void deadline_main(void *arg)
{
    struct waiter *w = arg;
    gr_ctx *d = with_deadline(gr_ctx_background(), GR_MS(50));
    gr_ctx *child = with_cancel(d), *grand = with_cancel(child);
    TCHECK(gr_ctx_deadline(d), GR_MS(50));
    spawn_waiter(w, grand);
    TCHECK(wait_done(d), -EPIPE);
    TCHECK(gr_now(), GR_MS(50));
    TCHECK(gr_ctx_err(d), -ETIMEDOUT);
    TCHECK(gr_ctx_err(child), -ETIMEDOUT);
    TCHECK(gr_ctx_err(grand), -ETIMEDOUT);
    TCHECK(gr_wg_wait(w->wg), 0);
}

START_TEST(deadline_fires_exactly_and_propagates)
{
    struct waiter w = {0};
    sim_ok(deadline_main, &w);
    ck_assert_int_eq(w.rc, -EPIPE);
    ck_assert_int_eq(w.t, GR_MS(50));
}
END_TEST

static void timeout_main(void *arg)
{
    (void)arg;
    gr_ctx *c = NULL;
    gr_sleep(GR_MS(10));
    TCHECK(gr_ctx_with_timeout(&c, gr_ctx_background(), GR_MS(20)), 0);
    TCHECK(gr_ctx_deadline(c), GR_MS(30));
    TCHECK(gr_ctx_err(c), 0);
    TCHECK(wait_done(c), -EPIPE);
    TCHECK(gr_now(), GR_MS(30));
    TCHECK(gr_ctx_err(c), -ETIMEDOUT);
}

START_TEST(with_timeout_is_relative)
{
    sim_ok(timeout_main, NULL);
}
END_TEST

static void past_deadline_main(void *arg)
{
    (void)arg;
    gr_sleep(GR_MS(5));
    gr_ctx *c = with_deadline(gr_ctx_background(), GR_MS(5));
    TCHECK(gr_ctx_err(c), -ETIMEDOUT);
    TCHECK(is_done(c), true);
}

START_TEST(deadline_already_passed)
{
    sim_ok(past_deadline_main, NULL);
}
END_TEST

static void born_cancelled_main(void *arg)
{
    (void)arg;
    gr_ctx *p = with_cancel(gr_ctx_background());
    TCHECK(gr_ctx_cancel(p), 0);
    gr_ctx *c = with_cancel(p);
    TCHECK(gr_ctx_err(c), -ECANCELED);
    TCHECK(is_done(c), true);
    gr_ctx *t = NULL;
    TCHECK(gr_ctx_with_timeout(&t, gr_ctx_background(), GR_MS(1)), 0);
    gr_sleep(GR_MS(2));
    gr_ctx *tc = with_cancel(t);
    TCHECK(gr_ctx_err(tc), -ETIMEDOUT);
    TCHECK(is_done(tc), true);
}

START_TEST(child_of_done_parent_starts_done)
{
    sim_ok(born_cancelled_main, NULL);
}
END_TEST

static void earliest_main(void *arg)
{
    (void)arg;
    gr_ctx *bg = gr_ctx_background();
    gr_ctx *p = with_deadline(bg, GR_MS(100));
    gr_ctx *late = with_deadline(p, GR_MS(200)), *early = with_deadline(p, GR_MS(50));
    gr_ctx *plain = with_cancel(p);
    TCHECK(gr_ctx_deadline(bg), GR_FOREVER);
    TCHECK(gr_ctx_deadline(with_cancel(bg)), GR_FOREVER);
    TCHECK(gr_ctx_deadline(p), GR_MS(100));
    TCHECK(gr_ctx_deadline(late), GR_MS(100));
    TCHECK(gr_ctx_deadline(early), GR_MS(50));
    TCHECK(gr_ctx_deadline(plain), GR_MS(100));
    TCHECK(wait_done(early), -EPIPE);
    TCHECK(gr_now(), GR_MS(50));
    TCHECK(gr_ctx_err(p), 0);
    TCHECK(gr_ctx_err(late), 0);
    TCHECK(wait_done(late), -EPIPE);
    TCHECK(gr_now(), GR_MS(100));
    TCHECK(gr_ctx_err(late), -ETIMEDOUT);
    TCHECK(gr_ctx_err(plain), -ETIMEDOUT);
}

START_TEST(deadline_is_earliest_of_ancestors)
{
    sim_ok(earliest_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ idempotence */

static void idempotent_main(void *arg)
{
    (void)arg;
    gr_ctx *c = with_cancel(gr_ctx_background());
    TCHECK(gr_ctx_cancel(c), 0);
    TCHECK(gr_ctx_cancel(c), 0);
    TCHECK(gr_ctx_err(c), -ECANCELED);
    gr_ctx *p = with_cancel(gr_ctx_background());
    gr_ctx *d = with_deadline(p, GR_MS(10));
    gr_sleep(GR_MS(20));
    TCHECK(gr_ctx_err(d), -ETIMEDOUT);
    TCHECK(gr_ctx_cancel(d), 0);
    TCHECK(gr_ctx_err(d), -ETIMEDOUT);
    TCHECK(gr_ctx_cancel(p), 0);
    TCHECK(gr_ctx_err(p), -ECANCELED);
    TCHECK(gr_ctx_err(d), -ETIMEDOUT);
}

START_TEST(cancel_is_idempotent)
{
    sim_ok(idempotent_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ release */

struct rel {
    uint64_t base, armed, after_release, after_child;
};

static void release_main(void *arg)
{
    struct rel *r = arg;
    gr_ctx *c = NULL;
    r->base = timers_pending();
    TCHECK(gr_ctx_with_timeout(&c, gr_ctx_background(), GR_S(1)), 0);
    r->armed = timers_pending();
    gr_ctx *kid = with_cancel(c);
    gr_ctx_release(c);
    r->after_release = timers_pending();
    TCHECK(gr_ctx_err(kid), -ECANCELED);
    TCHECK(is_done(kid), true);
    gr_ctx_release(kid);
    r->after_child = timers_pending();
    gr_sleep(GR_S(2));
    gr_ctx_release(NULL);
}

START_TEST(release_frees_timer)
{
    struct rel r = {0};
    sim_ok(release_main, &r);
    ck_assert_uint_eq(r.armed, r.base + 1);
    ck_assert_uint_eq(r.after_release, r.base);
    ck_assert_uint_eq(r.after_child, r.base);
}
END_TEST

/* ------------------------------------------------------------ background */

static void background_main(void *arg)
{
    (void)arg;
    gr_ctx *bg = gr_ctx_background();
    gr_ctx *c = NULL;
    TCHECK(bg != NULL, true);
    TCHECK(gr_ctx_done(bg) == NULL, true);
    TCHECK(gr_ctx_err(bg), 0);
    TCHECK(gr_ctx_cancel(bg), -EINVAL);
    TCHECK(gr_ctx_cancel(NULL), -EINVAL);
    TCHECK(gr_ctx_err(NULL), -EINVAL);
    TCHECK(gr_ctx_with_cancel(&c, NULL), -EINVAL);
    TCHECK(gr_ctx_with_cancel(NULL, bg), -EINVAL);
    TCHECK(gr_ctx_with_deadline(NULL, bg, GR_MS(1)), -EINVAL);
    TCHECK(gr_ctx_with_timeout(&c, NULL, GR_MS(1)), -EINVAL);
    gr_ctx_release(bg);
    TCHECK(gr_ctx_err(bg), 0);
    TCHECK(gr_ctx_background() == bg, true);
    TCHECK(gr_ctx_err(with_cancel(bg)), 0);
}

START_TEST(background_context)
{
    sim_ok(background_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ select */

struct sel {
    gr_ctx *ctx;
    int rc;
    bool ok;
    int64_t t;
};

static void sel_task(void *arg)
{
    struct sel *s = arg;
    gr_chan *other = NULL;
    int v;
    gr_chan_create(&other, "other", sizeof(int), 0);
    gr_case cs[2] = {GR_RECV(gr_ctx_done(s->ctx), NULL), GR_RECV(other, &v)};
    cs[0].ok = true;
    s->rc = gr_select(cs, 2, GR_FOREVER);
    s->ok = cs[0].ok;
    s->t = gr_now();
}

static void sel_main(void *arg)
{
    struct sel *s = arg;
    s->ctx = with_cancel(gr_ctx_background());
    s->rc = 99;
    gr_spawn(sel_task, s, "selector");
    gr_sleep(GR_MS(5));
    TCHECK(s->rc, 99);
    TCHECK(gr_ctx_cancel(s->ctx), 0);
    gr_sleep(GR_MS(1));
}

START_TEST(cancel_wakes_select_on_done)
{
    struct sel s = {0};
    sim_ok(sel_main, &s);
    ck_assert_int_eq(s.rc, 0);
    ck_assert(!s.ok);
    ck_assert_int_eq(s.t, GR_MS(5));
}
END_TEST

/* ------------------------------------------------------------ deep chain */

#define CHAIN 10000

/* A chain of CHAIN contexts, each the child of the previous one. */
static gr_ctx **make_chain(gr_ctx *root)
{
    gr_ctx **c = calloc(CHAIN, sizeof *c);
    c[0] = root;
    for (int i = 1; i < CHAIN; i++)
        c[i] = with_cancel(c[i - 1]);
    return c;
}

static void free_chain(gr_ctx **c)
{
    for (int i = CHAIN - 1; i >= 0; i--)
        gr_ctx_release(c[i]);
    free(c);
}

static void chain_main(void *arg)
{
    (void)arg;
    gr_ctx **c = make_chain(with_cancel(gr_ctx_background()));
    TCHECK(gr_ctx_err(c[CHAIN - 1]), 0);
    TCHECK(gr_ctx_cancel(c[0]), 0);
    TCHECK(gr_ctx_err(c[CHAIN - 1]), -ECANCELED);
    TCHECK(is_done(c[CHAIN - 1]), true);
    free_chain(c);
    gr_ctx *t = NULL;
    TCHECK(gr_ctx_with_timeout(&t, gr_ctx_background(), GR_MS(1)), 0);
    c = make_chain(t);
    TCHECK(gr_ctx_deadline(c[CHAIN - 1]), GR_MS(1));
    gr_sleep(GR_MS(2));
    TCHECK(gr_ctx_err(c[CHAIN - 1]), -ETIMEDOUT);
    gr_ctx_release(c[0]); /* root first: the descendants stay valid */
    c[0] = NULL;
    TCHECK(gr_ctx_err(c[1]), -ETIMEDOUT);
    free_chain(c);
}

START_TEST(deep_chain_cancels)
{
    sim_ok(chain_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ hooks */

static char hook_log[32];
static int64_t hook_at;

static void log_hook(void *arg)
{
    size_t n = strlen(hook_log);
    if (n + 1 < sizeof hook_log)
        hook_log[n] = *(const char *)arg;
    hook_at = gr_now();
}

static gr_ctx_hook *victim;
static void removing_hook(void *arg)
{
    log_hook(arg);
    TCHECK(gr_ctx_hook_del(victim), true); /* not run yet: removed */
}

static void hooks_main(void *arg)
{
    (void)arg;
    gr_ctx_hook a, b, c, d, e;
    hook_log[0] = 0;
    /* in order added, once, by an ancestor's cancel; a removed one never */
    gr_ctx *p = with_cancel(gr_ctx_background()), *k = with_cancel(p);
    TCHECK(gr_ctx_hook_add(k, &a, log_hook, "a"), 0);
    TCHECK(gr_ctx_hook_add(k, &b, log_hook, "b"), 0);
    TCHECK(gr_ctx_hook_add(k, &c, log_hook, "c"), 0);
    TCHECK(gr_ctx_hook_del(&b), true);
    TCHECK(gr_ctx_hook_del(&b), false);
    TCHECK(strcmp(hook_log, ""), 0);
    gr_ctx_cancel(p);
    TCHECK(strcmp(hook_log, "ac"), 0);
    gr_ctx_cancel(k);
    TCHECK(strcmp(hook_log, "ac"), 0); /* once */
    TCHECK(gr_ctx_hook_del(&a), false); /* it ran */
    /* on a done context: at once */
    TCHECK(gr_ctx_hook_add(k, &d, log_hook, "d"), 0);
    TCHECK(strcmp(hook_log, "acd"), 0);
    TCHECK(gr_ctx_hook_del(&d), false);
    /* at a deadline, run by the scheduler at that exact time */
    gr_ctx *t = with_deadline(gr_ctx_background(), gr_now() + GR_MS(7));
    int64_t want = gr_now() + GR_MS(7);
    TCHECK(gr_ctx_hook_add(t, &e, log_hook, "e"), 0);
    gr_sleep(GR_MS(20));
    TCHECK(strcmp(hook_log, "acde"), 0);
    TCHECK(hook_at, want);
    /* a hook removing one added after it */
    gr_ctx *r = with_cancel(gr_ctx_background());
    TCHECK(gr_ctx_hook_add(r, &a, removing_hook, "x"), 0);
    TCHECK(gr_ctx_hook_add(r, &b, log_hook, "y"), 0);
    victim = &b;
    gr_ctx_cancel(r);
    TCHECK(strcmp(hook_log, "acdex"), 0);
    /* bad arguments */
    TCHECK(gr_ctx_hook_add(NULL, &a, log_hook, "z"), -EINVAL);
    TCHECK(gr_ctx_hook_add(r, NULL, log_hook, "z"), -EINVAL);
    TCHECK(gr_ctx_hook_add(r, &a, NULL, "z"), -EINVAL);
    TCHECK(gr_ctx_hook_add(gr_ctx_background(), &a, log_hook, "z"), -EINVAL);
    TCHECK(gr_ctx_hook_del(NULL), false);
    gr_ctx_release(r);
    gr_ctx_release(t);
    gr_ctx_release(k);
    gr_ctx_release(p);
}

START_TEST(hooks_run_once_at_cancellation)
{
    sim_ok(hooks_main, NULL);
}
END_TEST

/* A hook left on a live context by a leaked task is not run when the
 * scheduler is released: its memory (here the task's stack) is gone. */
static int teardown_runs;
static void count_hook(void *arg)
{
    (void)arg;
    teardown_runs++;
}

static void hooked_forever(void *arg)
{
    gr_ctx_hook h;
    gr_ctx_hook_add(arg, &h, count_hook, NULL);
    gr_chan_recv(gr_ctx_done(arg), NULL); /* never cancelled: leaks */
}

static void teardown_main(void *arg)
{
    (void)arg;
    gr_ctx *c = with_cancel(gr_ctx_background());
    gr_spawn(hooked_forever, c, "hooked");
    gr_sleep(GR_MS(1));
}

START_TEST(release_does_not_run_hooks)
{
    int rc;
    teardown_runs = 0;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 1, teardown_main, NULL, &rc);
    ck_assert_int_eq(rc, 0);
    gr_sched_release(s);
    ck_assert_int_eq(teardown_runs, 0);
}
END_TEST

Suite *suite_runtime_ctx(void)
{
    Suite *s = suite_create("runtime_ctx");
    TCase *tc = tcase_create("ctx");
    tcase_add_test(tc, cancel_reaches_descendants);
    tcase_add_test(tc, cancel_child_spares_parent_and_siblings);
    tcase_add_test(tc, deadline_fires_exactly_and_propagates);
    tcase_add_test(tc, with_timeout_is_relative);
    tcase_add_test(tc, deadline_already_passed);
    tcase_add_test(tc, child_of_done_parent_starts_done);
    tcase_add_test(tc, deadline_is_earliest_of_ancestors);
    tcase_add_test(tc, cancel_is_idempotent);
    tcase_add_test(tc, release_frees_timer);
    tcase_add_test(tc, background_context);
    tcase_add_test(tc, cancel_wakes_select_on_done);
    tcase_add_test(tc, deep_chain_cancels);
    tcase_add_test(tc, hooks_run_once_at_cancellation);
    tcase_add_test(tc, release_does_not_run_hooks);
    suite_add_tcase(s, tc);
    return s;
}
