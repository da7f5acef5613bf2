/* test_activation.c — which hits fire (nth, first, max, window, p) and each spec's stream. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/inject/injutil.h"

/* ------------------------------------------------------------ scenario */

#define NH 200  /* hits recorded one by one */
#define NS 4    /* specs at most */

/* Arm specs[] in order, then drive n hits of chan/jobs/send (one blocking
 * send each, at times at[] when timed) and record, per spec, which hit
 * numbers fired ('1' at index hit-1) from the growth of inj_list's fired. */
typedef struct act {
    uint64_t seed;
    int nspecs, n;
    inj_spec specs[NS];
    bool timed, poke_other;
    int disarm0_after;     /* > 0: disarm spec 0 once spec k is armed */
    int64_t at[NH];
    char pat[NS][NH + 1];
    inj_armed list[NS];    /* inj_list after the last hit (points invalid) */
    size_t nlist;
    inj_count count;       /* inj_counts' first pair */
    size_t ncounts;
} act;

/* An EIO error at chan/jobs/send: a fired hit fails the send. */
static inj_spec err_spec(void)
{
    inj_spec sp = spec("chan/jobs/send", INJ_ERROR);
    sp.err = EIO;
    return sp;
}

/* One hit of chan/jobs/send; the value is taken back when it went through. */
static int poke(gr_chan *ch)
{
    int v = 0, rc = gr_chan_send(ch, &v);
    if (rc == 0)
        TCHECK(gr_chan_recv(ch, &v), 0);
    return rc;
}

/* After hit h (0-based): which specs' fired grew since the last hit. */
static void record(inj *j, act *a, int h, uint64_t *prev)
{
    a->nlist = inj_list(j, a->list, NS);
    for (int k = 0; k < a->nspecs && k < (int)a->nlist; k++) {
        if (h < NH)
            a->pat[k][h] = a->list[k].fired > prev[k] ? '1' : '0';
        prev[k] = a->list[k].fired;
    }
}

static void act_main(void *arg)
{
    act *a = arg;
    inj *j = NULL;
    TCHECK(inj_create(&j, gr_current(), &(inj_opts){.seed = a->seed}), 0);
    int h0 = 0;
    for (int k = 0; k < a->nspecs; k++) {
        char err[128] = "";
        int h = inj_arm(j, &a->specs[k], err, sizeof err);
        if (h <= 0 && fail_msg[0] == 0)
            snprintf(fail_msg, sizeof fail_msg, "arming spec %d: %d %.100s", k, h, err);
        h0 = k == 0 ? h : h0;
        if (k > 0 && k == a->disarm0_after)
            TCHECK(inj_disarm(j, h0), 0);
    }
    gr_chan *ch = mkchan("jobs", sizeof(int), 1), *other = mkchan("other", sizeof(int), 1);
    uint64_t prev[NS] = {0};
    for (int h = 0; h < a->n; h++) {
        if (a->timed)
            gr_sleep_until(a->at[h]);
        poke(ch);
        if (a->poke_other)
            poke(other);
        record(j, a, h, prev);
    }
    a->ncounts = inj_counts(j, &a->count, 1);
    inj_release(j);
}

static void run(act *a)
{
    for (int k = 0; k < NS; k++)
        memset(a->pat[k], 0, sizeof a->pat[k]);
    sim_ok(act_main, a);
}

/* A fresh scenario: seed, n hits, and one EIO spec. */
static act *one(act *a, uint64_t seed, int n)
{
    memset(a, 0, sizeof *a);
    a->seed = seed;
    a->n = n;
    a->nspecs = 1;
    a->specs[0] = err_spec();
    return a;
}

static void expect_counters(const act *a, int k, uint64_t hits, uint64_t fired)
{
    ck_assert_uint_eq(a->nlist, (size_t)a->nspecs);
    ck_assert_uint_eq(a->list[k].hits, hits);
    ck_assert_uint_eq(a->list[k].fired, fired);
}

/* ------------------------------------------------------------ counters */

START_TEST(nth_fires_every_third_hit)
{
    static act a;
    one(&a, 42, 10)->specs[0].nth = 3;
    run(&a);
    ck_assert_str_eq(a.pat[0], "0010010010");
    expect_counters(&a, 0, 10, 3);
}
END_TEST

START_TEST(first_fires_first_two_hits)
{
    static act a;
    one(&a, 42, 10)->specs[0].first = 2;
    run(&a);
    ck_assert_str_eq(a.pat[0], "1100000000");
    expect_counters(&a, 0, 10, 2); /* later hits still count */
}
END_TEST

START_TEST(max_caps_firings)
{
    static act a;
    one(&a, 42, 10)->specs[0].max = 2;
    run(&a);
    ck_assert_str_eq(a.pat[0], "1100000000");
    expect_counters(&a, 0, 10, 2);
    one(&a, 42, 10)->specs[0].max = 2;
    a.specs[0].nth = 2;
    run(&a);
    ck_assert_str_eq(a.pat[0], "0101000000");
    expect_counters(&a, 0, 10, 2);
}
END_TEST

START_TEST(first_and_nth_compose)
{
    static act a;
    one(&a, 42, 10)->specs[0].first = 5;
    a.specs[0].nth = 2;
    run(&a);
    ck_assert_str_eq(a.pat[0], "0101000000");
    expect_counters(&a, 0, 10, 2);
}
END_TEST

/* ------------------------------------------------------------ window */

static const int64_t window_at[] = {0,         GR_MS(5),      GR_MS(10) - 1, GR_MS(10),
                                    GR_MS(15), GR_MS(20) - 1, GR_MS(20),     GR_MS(25)};

static act *windowed(act *a)
{
    one(a, 42, 8);
    a->timed = true;
    memcpy(a->at, window_at, sizeof window_at);
    a->specs[0].from = GR_MS(10);
    a->specs[0].to = GR_MS(20);
    return a;
}

START_TEST(window_follows_virtual_clock)
{
    static act a;
    run(windowed(&a));
    ck_assert_str_eq(a.pat[0], "00011100");
    expect_counters(&a, 0, 3, 3); /* outside the window: not even a hit */
}
END_TEST

START_TEST(window_hits_outside_do_not_count)
{
    static act a;
    windowed(&a)->specs[0].nth = 2;
    run(&a);
    ck_assert_str_eq(a.pat[0], "00001000"); /* 2nd hit inside the window */
    expect_counters(&a, 0, 3, 1);
}
END_TEST

/* ------------------------------------------------------------ p */

START_TEST(p_quarter_fires_a_quarter)
{
    static act a;
    one(&a, 42, 10000)->specs[0].p = 0.25;
    run(&a);
    ck_assert_uint_eq(a.list[0].hits, 10000);
    ck_assert_uint_ge(a.list[0].fired, 2300);
    ck_assert_uint_le(a.list[0].fired, 2700);
    ck_assert_uint_eq(a.ncounts, 1);
    ck_assert_uint_eq(a.count.count, a.list[0].fired);
    ck_assert_int_eq(a.count.kind, INJ_ERROR);
}
END_TEST

START_TEST(p_zero_never_p_one_always)
{
    static act a;
    one(&a, 42, 1000)->specs[0].p = 0;
    run(&a);
    expect_counters(&a, 0, 1000, 0);
    ck_assert_uint_eq(a.ncounts, 0);
    one(&a, 42, 1000)->specs[0].p = 1;
    run(&a);
    expect_counters(&a, 0, 1000, 1000);
}
END_TEST

/* ------------------------------------------------------------ determinism */

static act *half(act *a, uint64_t seed)
{
    one(a, seed, NH)->specs[0].p = 0.5;
    return a;
}

START_TEST(same_seed_same_firings)
{
    static act a, b, c;
    run(half(&a, 42));
    run(half(&b, 42));
    ck_assert_str_eq(a.pat[0], b.pat[0]);
    ck_assert_ptr_nonnull(strchr(a.pat[0], '1'));
    ck_assert_ptr_nonnull(strchr(a.pat[0], '0'));
    run(half(&c, 43));
    ck_assert_str_ne(a.pat[0], c.pat[0]);
}
END_TEST

START_TEST(other_faults_do_not_shift_a_stream)
{
    static act a, b;
    run(half(&a, 42));
    half(&b, 42);
    inj_spec d = spec("chan/jobs/send", INJ_DELAY), o = spec("chan/other/send", INJ_ERROR);
    d.by = GR_US(1);
    d.p = 0.5;
    o.err = EIO;
    o.p = 0.5;
    inj_spec w = spec("chan/*", INJ_DELAY);
    w.by = 1;
    w.p = 0.3;
    inj_spec under_test = b.specs[0];
    b.specs[0] = d; /* two armed before it */
    b.specs[1] = o;
    b.specs[2] = under_test;
    b.specs[3] = w; /* one after it */
    b.nspecs = 4;
    b.poke_other = true;
    run(&b);
    ck_assert_str_eq(b.pat[2], a.pat[0]);
    ck_assert_uint_gt(b.list[0].fired, 0); /* the others did fire */
    ck_assert_uint_gt(b.list[1].fired, 0);
}
END_TEST

START_TEST(identical_specs_get_their_own_streams)
{
    static act alone, a, b;
    run(half(&alone, 42));
    half(&a, 42);
    a.specs[1] = a.specs[0];
    a.nspecs = 2;
    b = a;
    run(&a);
    run(&b);
    ck_assert_str_ne(a.pat[0], a.pat[1]); /* told apart by arming order */
    ck_assert_str_eq(a.pat[0], b.pat[0]); /* each reproducible */
    ck_assert_str_eq(a.pat[1], b.pat[1]);
    ck_assert_str_eq(a.pat[0], alone.pat[0]); /* the first is the one armed alone */
}
END_TEST

START_TEST(identical_specs_distinct_after_a_disarm)
{
    static act a;
    half(&a, 42);
    a.specs[1] = a.specs[2] = a.specs[0];
    a.nspecs = 3;
    a.disarm0_after = 1; /* arm 1, arm 2, disarm 1, arm 3 */
    run(&a);
    ck_assert_uint_eq(a.nlist, 2);
    ck_assert_str_ne(a.pat[0], a.pat[1]); /* 2 and 3: both armed, identical */
}
END_TEST

/* Draws are made only when the other conditions hold: every nth hit of
 * {nth 2, p .5} replays {p .5} hit for hit; {max 5, p .5} fires on its
 * first five firings and draws no more. */
START_TEST(draws_only_when_other_conditions_hold)
{
    static act base, a;
    run(half(&base, 42));
    half(&a, 42)->specs[0].nth = 2;
    run(&a);
    for (int h = 0; h < NH; h++)
        ck_assert_msg(a.pat[0][h] == (h % 2 ? base.pat[0][h / 2] : '0'), "hit %d", h + 1);
    half(&a, 42)->specs[0].max = 5;
    run(&a);
    int fired = 0;
    for (int h = 0; h < NH; h++) {
        char want = fired < 5 ? base.pat[0][h] : '0';
        fired += want == '1';
        ck_assert_msg(a.pat[0][h] == want, "hit %d", h + 1);
    }
}
END_TEST

/* Only the injector's seed matters: not the scheduler's, not libc's rand. */
START_TEST(decisions_ignore_other_randomness)
{
    static act a, b;
    run(half(&a, 42));
    half(&b, 42);
    srand(12345);
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_SIM, 99, act_main, &b, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    gr_sched_release(s);
    ck_assert_str_eq(a.pat[0], b.pat[0]);
}
END_TEST

/* ------------------------------------------------------------ kind applies */

static void noop(void *arg)
{
    (void)arg;
}

/* "*" full reaches every point, but only sends accept full: nothing else
 * is a hit. */
static void applies_main(void *arg)
{
    (void)arg;
    inj *j = NULL;
    TCHECK(inj_create(&j, gr_current(), &(inj_opts){.seed = 5}), 0);
    inj_spec sp = spec("*", INJ_FULL);
    TCHECK(inj_arm(j, &sp, NULL, 0) > 0, 1);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int v = 0;
    TCHECK(gr_spawn(noop, NULL, "w") > 0, 1);
    TCHECK(gr_chan_try_recv(ch, &v), -EAGAIN);
    TCHECK(gr_chan_try_send(ch, &v), -EAGAIN);
    TCHECK(gr_chan_len(ch), 0);
    inj_armed a[1];
    TCHECK(inj_list(j, a, 1), 1);
    TCHECK(a[0].hits, 1);
    TCHECK(a[0].fired, 1);
    inj_release(j);
}

START_TEST(hits_only_where_kind_applies)
{
    sim_ok(applies_main, NULL);
}
END_TEST

/* ------------------------------------------------------------ inj_list */

static void list_main(void *arg)
{
    (void)arg;
    inj *j = NULL;
    TCHECK(inj_create(&j, gr_current(), &(inj_opts){.seed = 5}), 0);
    inj_spec s = err_spec(), r = spec("chan/jobs/recv", INJ_DELAY),
             u = spec("task/spawn/nobody", INJ_DELAY);
    u.by = GR_MS(1);
    s.nth = 2;
    r.nth = 3;
    r.by = GR_MS(1);
    TCHECK(inj_arm(j, &s, NULL, 0) > 0, 1);
    TCHECK(inj_arm(j, &r, NULL, 0) > 0, 1);
    TCHECK(inj_arm(j, &u, NULL, 0) > 0, 1);
    gr_chan *ch = mkchan("jobs", sizeof(int), 1);
    int fails = 0;
    for (int i = 0; i < 6; i++)
        fails += poke(ch) == -EIO;
    TCHECK(fails, 3);
    TCHECK(gr_now(), GR_MS(1)); /* 3 receives (hits 1..3), the third delayed */
    inj_armed a[3];
    TCHECK(inj_list(j, a, 3), 3);
    TCHECK(a[0].hits, 6);
    TCHECK(a[0].fired, 3);
    TCHECK(a[0].spec.nth, 2);
    TCHECK(a[1].hits, 3);
    TCHECK(a[1].fired, 1);
    TCHECK(a[2].hits + a[2].fired, 0);
    TCHECK(strcmp(a[1].spec.point, "chan/jobs/recv"), 0);
    inj_release(j);
}

START_TEST(list_reports_hits_and_fired)
{
    sim_ok(list_main, NULL);
}
END_TEST

Suite *suite_inject_activation(void)
{
    Suite *s = suite_create("inject_activation");
    TCase *tc = tcase_create("activation");
    tcase_add_test(tc, nth_fires_every_third_hit);
    tcase_add_test(tc, first_fires_first_two_hits);
    tcase_add_test(tc, max_caps_firings);
    tcase_add_test(tc, first_and_nth_compose);
    tcase_add_test(tc, window_follows_virtual_clock);
    tcase_add_test(tc, window_hits_outside_do_not_count);
    tcase_add_test(tc, p_quarter_fires_a_quarter);
    tcase_add_test(tc, p_zero_never_p_one_always);
    tcase_add_test(tc, same_seed_same_firings);
    tcase_add_test(tc, other_faults_do_not_shift_a_stream);
    tcase_add_test(tc, identical_specs_get_their_own_streams);
    tcase_add_test(tc, identical_specs_distinct_after_a_disarm);
    tcase_add_test(tc, draws_only_when_other_conditions_hold);
    tcase_add_test(tc, decisions_ignore_other_randomness);
    tcase_add_test(tc, hits_only_where_kind_applies);
    tcase_add_test(tc, list_reports_hits_and_fired);
    suite_add_tcase(s, tc);
    return s;
}
