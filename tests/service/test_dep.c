/* test_dep.c — the dependency and its client (sim clock, one real-mode
 * call): exact latency, per-attempt timeouts with retries and backoff, the
 * circuit breaker's cycle, and the no_timeout / retry_storm bugs. */
#include <errno.h>
#include <string.h>

#include "service/svc.h"
#include "tests/inject/injutil.h"

#define DEP "dep"

typedef struct dw {
    svc_client_cfg ccfg;
    int64_t latency, cost;
    const char *fault_point;
    inj_kind fault_kind;
    int64_t fault_by;
    int ncalls;
    int rc[8];
    int64_t took[8];
    bool clear_after_first;
    int64_t gap;                 /* between calls */
    svc_client_stats st;
    uint64_t served;
} dw;

static void scenario(void *arg)
{
    dw *w = arg;
    svc_dep *d = NULL;
    svc_client *c = NULL;
    inj *j = NULL;
    char err[200] = "";
    svc_dep_cfg dc = {.endpoint = DEP, .latency = w->latency, .cost = {.fixed = w->cost}};
    TCHECK(svc_dep_start(&d, &dc, err, sizeof err), 0);
    TCHECK(svc_client_create(&c, svc_dep_endpoint(d), &w->ccfg, err, sizeof err), 0);
    if (w->fault_point) {
        j = tu_inj(5, 0);
        inj_spec sp = spec(w->fault_point, w->fault_kind);
        sp.by = w->fault_by;
            if (w->fault_kind == INJ_ERROR)
            sp.err = EMFILE;
        TCHECK(inj_arm(j, &sp, err, sizeof err) > 0, 1);
    }
    for (int i = 0; i < w->ncalls; i++) {
        int64_t t0 = gr_now();
        w->rc[i] = svc_client_call(c, (uint64_t)i + 7, GR_FOREVER);
        w->took[i] = gr_now() - t0;
        if (i == 0 && w->clear_after_first && j)
            inj_clear(j);
        gr_sleep(w->gap);
    }
    svc_client_stats_get(c, &w->st);
    w->served = svc_dep_served(d);
    if (j)
        inj_release(j);
    /* its handlers' reads may sit in a fault until their own 60 s deadline */
    TCHECK(svc_dep_stop(d, GR_S(120)), 0);
    svc_client_release(c);
}

static dw base(void)
{
    dw w;
    memset(&w, 0, sizeof w);
    w.ccfg = (svc_client_cfg){.timeout = GR_MS(20), .retries = 2, .backoff = GR_MS(10)};
    w.ncalls = 1;
    return w;
}

START_TEST(call_takes_exact_latency)
{
    dw w = base();
    w.latency = GR_MS(1);
    w.cost = GR_MS(2);
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.rc[0], 0);
    ck_assert_int_eq(w.took[0], GR_MS(1 + 1 + 2 + 1)); /* connect, request, work, reply */
    ck_assert_uint_eq(w.served, 1);
    ck_assert_uint_eq(w.st.attempts, 1);
}
END_TEST

START_TEST(timeouts_are_retried_with_backoff)
{
    dw w = base();
    w.fault_point = "net/" DEP "/read";
    w.fault_kind = INJ_DELAY;
    w.fault_by = GR_S(3600); /* a stuck dependency */
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.rc[0], -ETIMEDOUT);
    ck_assert_uint_eq(w.st.attempts, 3);
    /* 3 timeouts of 20 ms, and two backoffs of at most 10 and 20 ms */
    ck_assert_int_ge(w.took[0], GR_MS(60));
    ck_assert_int_lt(w.took[0], GR_MS(90));
}
END_TEST

START_TEST(breaker_opens_fails_fast_then_recovers)
{
    dw w = base();
    w.ccfg.retries = 0;
    w.ccfg.breaker_failures = 2;
    w.ccfg.breaker_cooldown = GR_MS(60);
    w.fault_point = "net/" DEP "/write";
    w.fault_kind = INJ_DROP;
    w.ncalls = 5;
    w.gap = GR_MS(40); /* calls at 0, 40 (it opens), 80, 120, 160 ms */
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.rc[0], -ECONNRESET);
    ck_assert_int_eq(w.rc[1], -ECONNRESET); /* second failure: it opens */
    ck_assert_int_eq(w.rc[2], -EAGAIN);     /* 80 ms: open for 40 of 60 ms, fail fast */
    ck_assert_int_eq(w.rc[3], -ECONNRESET); /* 120 ms: half-open probe, still failing: open */
    ck_assert_int_eq(w.rc[4], -EAGAIN);
    ck_assert_uint_eq(w.st.opened, 2);
    ck_assert_uint_eq(w.st.fast_failed, 2);
    ck_assert_int_eq(w.st.breaker, SVC_BREAKER_OPEN);
}
END_TEST

START_TEST(half_open_probe_closes_after_recovery)
{
    dw w = base();
    w.ccfg.retries = 0;
    w.ccfg.breaker_failures = 1;
    w.ccfg.breaker_cooldown = GR_MS(50);
    w.fault_point = "net/" DEP "/write";
    w.fault_kind = INJ_DROP;
    w.clear_after_first = true; /* the fault goes after the first call */
    w.ncalls = 3;
    w.gap = GR_MS(30);
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.rc[0], -ECONNRESET); /* opens */
    ck_assert_int_eq(w.rc[1], -EAGAIN);     /* 30 ms: still open */
    ck_assert_int_eq(w.rc[2], 0);           /* 60 ms: the probe succeeds */
    ck_assert_int_eq(w.st.breaker, SVC_BREAKER_CLOSED);
}
END_TEST

START_TEST(accept_error_is_retried_by_the_server)
{
    dw w = base();
    w.fault_point = "net/" DEP "/accept";
    w.fault_kind = INJ_ERROR;
    w.ncalls = 3;
    w.gap = GR_MS(5);
    /* first = 0: every accept fails until cleared after the first call */
    w.clear_after_first = true;
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.rc[1], 0);
    ck_assert_int_eq(w.rc[2], 0); /* the accept loop survived the error */
    ck_assert_uint_ge(w.served, 2);
}
END_TEST

START_TEST(no_timeout_waits_on_a_stuck_dependency)
{
    for (int on = 0; on <= 1; on++) {
        dw w = base();
        w.ccfg.bugs = on ? SVC_BUG(SVC_BUG_NO_TIMEOUT) : 0;
        w.ccfg.retries = 0;
        w.fault_point = "net/" DEP "/read";
        w.fault_kind = INJ_DELAY;
        w.fault_by = GR_S(3600);
        sim_ok(scenario, &w);
        if (on)
            ck_assert_int_ge(w.took[0], GR_S(3600)); /* stuck as long as the fault */
        else
            ck_assert_int_eq(w.took[0], GR_MS(20));
    }
}
END_TEST

START_TEST(retry_storm_hammers_without_pause_or_breaker)
{
    for (int on = 0; on <= 1; on++) {
        dw w = base();
        w.ccfg.bugs = on ? SVC_BUG(SVC_BUG_RETRY_STORM) : 0;
        w.ccfg.retries = 5;
        w.ccfg.breaker_failures = 2;
        w.ccfg.breaker_cooldown = GR_S(1);
        w.fault_point = "net/" DEP "/write";
        w.fault_kind = INJ_DROP;
        w.ncalls = 4;
        sim_ok(scenario, &w);
        if (on) {
            ck_assert_uint_eq(w.st.attempts, 4 * 6); /* every retry, at once */
            ck_assert_uint_eq(w.st.fast_failed, 0);
            ck_assert_int_eq(w.took[0], 0);          /* no pause between them */
        } else {
            ck_assert_uint_eq(w.st.attempts, 2);     /* the breaker opened */
            ck_assert_uint_eq(w.st.fast_failed, 4);
        }
    }
}
END_TEST

/* Half-open lets one probe through at a time; a backoff never sleeps past
 * the call's deadline. */
typedef struct probe {
    svc_client *c;
    int rc[4];
} probe;

static probe *probe_p;

static void prober(void *arg)
{
    int i = (int)(intptr_t)arg;
    probe_p->rc[i] = svc_client_call(probe_p->c, (uint64_t)i, GR_FOREVER);
}

static void half_open_main(void *arg)
{
    probe *p = arg;
    probe_p = p;
    svc_dep *d = NULL;
    inj *j = tu_inj(5, 0);
    svc_dep_cfg dc = {.endpoint = DEP, .latency = GR_MS(1)};
    svc_client_cfg cc = {.timeout = GR_MS(20), .breaker_failures = 1, .breaker_cooldown = GR_MS(10)};
    TCHECK(svc_dep_start(&d, &dc, NULL, 0), 0);
    TCHECK(svc_client_create(&p->c, DEP, &cc, NULL, 0), 0);
    inj_spec sp = spec("net/" DEP "/write", INJ_DROP);
    sp.first = 1;
    TCHECK(inj_arm(j, &sp, NULL, 0) > 0, 1);
    TCHECK(svc_client_call(p->c, 99, GR_FOREVER), -ECONNRESET); /* opens */
    gr_sleep(GR_MS(20));                                         /* past the cooldown */
    for (int i = 0; i < 4; i++)
        gr_spawn(prober, (void *)(intptr_t)i, "prober");
    gr_sleep(GR_MS(50));
    inj_release(j);
    TCHECK(svc_dep_stop(d, GR_S(1)), 0);
}

START_TEST(half_open_lets_one_probe_through)
{
    probe p = {0};
    sim_ok(half_open_main, &p);
    int ok = 0, fast = 0;
    for (int i = 0; i < 4; i++) {
        ok += p.rc[i] == 0;
        fast += p.rc[i] == -EAGAIN;
    }
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(fast, 3);
    svc_client_stats st;
    svc_client_stats_get(p.c, &st);
    ck_assert_int_eq(st.breaker, SVC_BREAKER_CLOSED);
    svc_client_release(p.c);
}
END_TEST

static void backoff_main(void *arg)
{
    int64_t *took = arg;
    svc_dep *d = NULL;
    svc_client *c = NULL;
    inj *j = tu_inj(5, 0);
    svc_dep_cfg dc = {.endpoint = DEP};
    svc_client_cfg cc = {.timeout = GR_MS(20), .retries = 3, .backoff = GR_MS(100)};
    TCHECK(svc_dep_start(&d, &dc, NULL, 0), 0);
    TCHECK(svc_client_create(&c, DEP, &cc, NULL, 0), 0);
    inj_spec sp = spec("net/" DEP "/read", INJ_DELAY);
    sp.by = GR_S(3600);
    TCHECK(inj_arm(j, &sp, NULL, 0) > 0, 1);
    int64_t t0 = gr_now();
    TCHECK(svc_client_call(c, 1, t0 + GR_MS(30)), -ETIMEDOUT);
    *took = gr_now() - t0;
    inj_release(j);
    TCHECK(svc_dep_stop(d, GR_S(120)), 0);
    svc_client_release(c);
}

START_TEST(backoff_never_passes_the_deadline)
{
    int64_t took = 0;
    sim_ok(backoff_main, &took);
    ck_assert_int_eq(took, GR_MS(30));
}
END_TEST

static void real_main(void *arg)
{
    int *rc = arg;
    svc_dep *d = NULL;
    svc_client *c = NULL;
    svc_dep_cfg dc = {.endpoint = "127.0.0.1:0"};
    svc_client_cfg cc = {.timeout = GR_S(5)};
    TCHECK(svc_dep_start(&d, &dc, NULL, 0), 0);
    TCHECK(strncmp(svc_dep_endpoint(d), "127.0.0.1:", 10), 0);
    TCHECK(svc_client_create(&c, svc_dep_endpoint(d), &cc, NULL, 0), 0);
    *rc = svc_client_call(c, 42, gr_deadline_in(GR_S(10)));
    TCHECK(svc_dep_stop(d, GR_S(5)), 0);
    svc_client_release(c);
}

START_TEST(real_call_over_loopback)
{
    int rc = -1, run;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, real_main, &rc, &run);
    ck_assert_int_eq(run, 0);
    TCHECKED();
    ck_assert_int_eq(rc, 0);
    gr_sched_release(s);
}
END_TEST

static void bad_cfg(void *arg)
{
    (void)arg;
    svc_client *c = NULL;
    char err[200];
    svc_client_cfg cc = {.timeout = 0};
    TCHECK(svc_client_create(&c, "x", &cc, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "timeout:", 8), 0);
    cc = (svc_client_cfg){.timeout = 1, .breaker_failures = 3};
    TCHECK(svc_client_create(&c, "x", &cc, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "breaker_cooldown:", 17), 0);
    cc = (svc_client_cfg){.timeout = 1, .breaker_failures = -1};
    TCHECK(svc_client_create(&c, "x", &cc, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "breaker_failures:", 17), 0);
    cc = (svc_client_cfg){.timeout = 1, .bugs = SVC_BUG(SVC_BUG_NO_DEDUPE)};
    TCHECK(svc_client_create(&c, "x", &cc, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "bugs: no_dedupe", 15), 0);
}

START_TEST(config_errors_name_the_field)
{
    sim_ok(bad_cfg, NULL);
}
END_TEST

Suite *suite_service_dep(void)
{
    Suite *s = suite_create("service_dep");
    TCase *tc = tcase_create("dep");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, call_takes_exact_latency);
    tcase_add_test(tc, timeouts_are_retried_with_backoff);
    tcase_add_test(tc, breaker_opens_fails_fast_then_recovers);
    tcase_add_test(tc, half_open_probe_closes_after_recovery);
    tcase_add_test(tc, accept_error_is_retried_by_the_server);
    tcase_add_test(tc, half_open_lets_one_probe_through);
    tcase_add_test(tc, backoff_never_passes_the_deadline);
    tcase_add_test(tc, no_timeout_waits_on_a_stuck_dependency);
    tcase_add_test(tc, retry_storm_hammers_without_pause_or_breaker);
    tcase_add_test(tc, real_call_over_loopback);
    tcase_add_test(tc, config_errors_name_the_field);
    suite_add_tcase(s, tc);
    return s;
}
