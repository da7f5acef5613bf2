/* test_load.c — the load generator (sim clock): open loop (evenly spaced
 * and Poisson, seeded), closed loop with think time, via the front,
 * retries of the same id, shedding at max_outstanding, validation. */
#include <errno.h>
#include <string.h>

#include "service/svc.h"
#include "tests/testutil.h"

typedef struct lw {
    svc_pool_cfg pool;
    svc_load_cfg load;
    bool front;
    svc_load_stats st;
    svc_ledger_sum sum;
    uint64_t sunk;
    int64_t lat_min, lat_max;
    int max_attempts;
} lw;

static void sink(void *ctx, uint64_t id, int status, int64_t latency, int attempts)
{
    lw *w = ctx;
    (void)id, (void)status;
    if (!w->sunk++ || latency < w->lat_min)
        w->lat_min = latency;
    if (latency > w->lat_max)
        w->lat_max = latency;
    if (attempts > w->max_attempts)
        w->max_attempts = attempts;
}

static void scenario(void *arg)
{
    lw *w = arg;
    svc_ledger *ledger = NULL;
    svc *t = NULL;
    svc_front *f = NULL;
    svc_load *l = NULL;
    char err[200] = "";
    TCHECK(svc_ledger_create(&ledger), 0);
    TCHECK(svc_pool_start(&t, &w->pool, ledger, NULL, err, sizeof err), 0);
    if (w->front) {
        svc_front_cfg fc = {.endpoint = "front", .max_conns = 64, .read_timeout = GR_S(1),
                            .write_timeout = GR_S(1)};
        TCHECK(svc_front_start(&f, t, &fc, NULL, err, sizeof err), 0);
        w->load.via = svc_front_endpoint(f);
    }
    TCHECK(svc_load_start(&l, &w->load, t, sink, w, err, sizeof err), 0);
    TCHECK(svc_load_wait(l, gr_deadline_in(GR_S(60))), 0);
    svc_load_stats_get(l, &w->st);
    TCHECK(svc_load_release(l), 0);
    if (f)
        TCHECK(svc_front_stop(f, GR_S(1)), 0);
    TCHECK(svc_stop(t, GR_S(5)), 0);
    svc_ledger_summary(ledger, &w->sum);
    svc_release(t);
    svc_ledger_release(ledger);
}

static lw base(void)
{
    lw w;
    memset(&w, 0, sizeof w);
    w.pool = (svc_pool_cfg){.workers = 4, .queue = 64, .cost = {.fixed = GR_MS(1)}};
    w.load = (svc_load_cfg){.rate = 1000, .duration = GR_S(1), .timeout = GR_S(1)};
    return w;
}

START_TEST(open_loop_evenly_spaced)
{
    lw w = base();
    sim_ok(scenario, &w);
    ck_assert_uint_eq(w.st.started, 1000);
    ck_assert_uint_eq(w.st.ok, 1000);
    ck_assert_uint_eq(w.sunk, 1000);
    ck_assert_int_eq(w.lat_min, GR_MS(1)); /* uncontended: exactly the cost */
    ck_assert_int_eq(w.lat_max, GR_MS(1));
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 1000);
}
END_TEST

static uint64_t poisson_started(uint64_t seed)
{
    lw w = base();
    w.load.poisson = true;
    int rc;
    gr_sched *s = tu_run(GR_CLOCK_SIM, seed, scenario, &w, &rc);
    ck_assert_int_eq(rc, 0);
    gr_sched_release(s);
    return w.st.started;
}

START_TEST(open_loop_poisson_is_seeded)
{
    uint64_t a = poisson_started(1), b = poisson_started(1), c = poisson_started(2);
    ck_assert_uint_eq(a, b);
    ck_assert_uint_ne(a, c);
    ck_assert_uint_ge(a, 900); /* 1000 expected: a few standard deviations */
    ck_assert_uint_le(a, 1100);
}
END_TEST

START_TEST(closed_loop_with_think_time)
{
    lw w = base();
    w.load.closed_loop = true;
    w.load.clients = 4;
    w.load.think = GR_MS(9); /* 1 ms of work + 9 ms: one request per 10 ms */
    sim_ok(scenario, &w);
    ck_assert_uint_eq(w.st.started, 400);
    ck_assert_uint_eq(w.st.ok, 400);
    ck_assert_uint_le(w.st.outstanding_peak, 4);
}
END_TEST

START_TEST(closed_loop_via_the_front)
{
    lw w = base();
    w.front = true;
    w.load.closed_loop = true;
    w.load.clients = 2;
    w.load.duration = GR_MS(100);
    sim_ok(scenario, &w);
    ck_assert_uint_gt(w.st.ok, 50);
    ck_assert_uint_eq(w.st.failed, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], w.st.ok);
}
END_TEST

START_TEST(retries_keep_the_id)
{
    lw w = base();
    w.pool.cost.fixed = GR_MS(50); /* every attempt times out */
    w.load.rate = 10;
    w.load.duration = GR_MS(100);
    w.load.timeout = GR_MS(20);
    w.load.retries = 2;
    w.load.backoff = GR_MS(5);
    sim_ok(scenario, &w);
    ck_assert_uint_eq(w.st.started, 1);
    ck_assert_uint_eq(w.st.failed, 1);
    ck_assert_uint_eq(w.st.retried, 1);
    ck_assert_int_eq(w.max_attempts, 3);
    ck_assert_uint_eq(w.sum.jobs, 1);    /* one id, */
    ck_assert_uint_eq(w.sum.retried, 1); /* submitted 3 times */
}
END_TEST

START_TEST(open_loop_sheds_beyond_max_outstanding)
{
    lw w = base();
    w.pool = (svc_pool_cfg){.workers = 1, .queue = 100, .cost = {.fixed = GR_MS(100)}};
    w.load.max_outstanding = 5;
    w.load.duration = GR_MS(50);
    w.load.timeout = GR_S(10);
    sim_ok(scenario, &w);
    ck_assert_uint_eq(w.st.outstanding_peak, 5);
    ck_assert_uint_eq(w.st.started, 5);
    ck_assert_uint_eq(w.st.shed, 45);
}
END_TEST

static void bad(void *arg)
{
    (void)arg;
    svc_load *l = NULL;
    char err[200];
    struct {
        svc_load_cfg c;
        const char *field;
    } cases[] = {
        {{.rate = 0, .duration = 1, .timeout = 1, .via = "x"}, "rate:"},
        {{.closed_loop = true, .clients = 0, .duration = 1, .timeout = 1, .via = "x"}, "clients:"},
        {{.rate = 1, .duration = 0, .timeout = 1, .via = "x"}, "duration:"},
        {{.rate = 1, .duration = 1, .timeout = 0, .via = "x"}, "timeout:"},
        {{.rate = 1, .duration = 1, .timeout = 1}, "via:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCHECK(svc_load_start(&l, &cases[i].c, NULL, NULL, NULL, err, sizeof err), -EINVAL);
        TCHECK(strncmp(err, cases[i].field, strlen(cases[i].field)), 0);
    }
}

START_TEST(config_errors_name_the_field)
{
    sim_ok(bad, NULL);
}
END_TEST

/* A closed loop with no think time whose target stops: its clients get
 * -ESHUTDOWN at once and must stop, not spin at one instant of sim time
 * until the duration (which never comes). And svc_load_stop ends an open
 * loop's intake early. */
static void stopping(void *arg)
{
    (void)arg;
    svc_ledger *ledger = NULL;
    svc *t = NULL;
    svc_load *cl = NULL, *ol = NULL;
    TCHECK(svc_ledger_create(&ledger), 0);
    svc_pool_cfg pc = {.workers = 2, .queue = 4, .cost = {.fixed = GR_MS(1)}};
    TCHECK(svc_pool_start(&t, &pc, ledger, NULL, NULL, 0), 0);
    svc_load_cfg c = {.closed_loop = true, .clients = 4, .duration = GR_S(3600),
                      .timeout = GR_S(1)};
    svc_load_cfg o = {.rate = 1000, .duration = GR_S(3600), .timeout = GR_S(1)};
    TCHECK(svc_load_start(&cl, &c, t, NULL, NULL, NULL, 0), 0);
    TCHECK(svc_load_start(&ol, &o, t, NULL, NULL, NULL, 0), 0);
    gr_sleep(GR_MS(100));
    svc_load_stop(ol);
    svc_load_stats os;
    svc_load_stats_get(ol, &os);
    TCHECK(svc_load_wait(ol, gr_deadline_in(GR_S(2))), 0); /* not at 3600 s */
    svc_load_stats os2;
    svc_load_stats_get(ol, &os2);
    TCHECK(os2.started, os.started); /* nothing started after the stop */
    TCHECK(svc_stop(t, GR_S(1)), 0);
    TCHECK(svc_load_wait(cl, gr_deadline_in(GR_S(2))), 0);
    TCHECK(gr_now() < GR_S(5), 1);
    TCHECK(svc_load_release(cl), 0);
    TCHECK(svc_load_release(ol), 0);
    svc_release(t);
    svc_ledger_release(ledger);
}

START_TEST(clients_stop_with_the_target_and_loads_stop_early)
{
    sim_ok(stopping, NULL);
}
END_TEST

Suite *suite_service_load(void)
{
    Suite *s = suite_create("service_load");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, open_loop_evenly_spaced);
    tcase_add_test(tc, open_loop_poisson_is_seeded);
    tcase_add_test(tc, closed_loop_with_think_time);
    tcase_add_test(tc, closed_loop_via_the_front);
    tcase_add_test(tc, retries_keep_the_id);
    tcase_add_test(tc, open_loop_sheds_beyond_max_outstanding);
    tcase_add_test(tc, config_errors_name_the_field);
    tcase_add_test(tc, clients_stop_with_the_target_and_loads_stop_early);
    suite_add_tcase(s, tc);
    return s;
}
