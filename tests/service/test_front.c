/* test_front.c — the front: requests over one connection, idempotent
 * retries (stored results, and a retry waiting for a running id), drops at
 * each phase with clients that retry (exactly once), bounded connections,
 * a stalled client not stalling others, bad frames, stop, the no_dedupe
 * bug, and the same over real loopback TCP. All loops are bounded. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "service/svc.h"
#include "tests/inject/injutil.h"

typedef struct fw {
    svc_ledger *ledger;
    svc *pool;
    svc_front *front;
    inj *j;
    svc_front_stats st;
    svc_ledger_sum sum;
} fw;

static void up(fw *w, const char *endpoint, int64_t cost, unsigned front_bugs, int max_conns)
{
    svc_pool_cfg pc = {.workers = 8, .queue = 64, .cost = {.fixed = cost}};
    svc_front_cfg fc = {.endpoint = endpoint, .max_conns = max_conns, .read_timeout = GR_S(1),
                        .write_timeout = GR_S(1), .latency = GR_US(100), .bugs = front_bugs};
    char err[200] = "";
    TCHECK(svc_register_points(), 0);
    TCHECK(svc_ledger_create(&w->ledger), 0);
    TCHECK(svc_pool_start(&w->pool, &pc, w->ledger, w->j, err, sizeof err), 0);
    TCHECK(svc_front_start(&w->front, w->pool, &fc, w->j, err, sizeof err), 0);
}

static void down(fw *w)
{
    svc_front_stats_get(w->front, &w->st);
    TCHECK(svc_front_stop(w->front, GR_S(2)), 0);
    TCHECK(svc_stop(w->pool, GR_S(2)), 0);
    svc_ledger_summary(w->ledger, &w->sum);
    svc_release(w->pool);
    svc_ledger_release(w->ledger);
    if (w->j)
        inj_release(w->j);
}

static void arm_phase(fw *w, const char *point, uint64_t first, double p)
{
    if (!w->j)
        w->j = tu_inj(11, 0);
    inj_spec sp = spec(point, INJ_DROP);
    sp.first = first;
    sp.p = p;
    char err[200] = "";
    TCHECK(inj_arm(w->j, &sp, err, sizeof err) > 0, 1);
}

/* A client's request with reconnects and retries of the same id. */
static int call(const char *ep, gr_conn **conn, uint64_t id, int *attempts)
{
    int rc = -EIO;
    for (int n = 0; n < 10; n++) {
        (*attempts)++;
        if (!*conn && (rc = gr_connect(conn, ep, gr_deadline_in(GR_S(5)))) < 0) {
            *conn = NULL;
            gr_sleep(GR_MS(5));
            continue;
        }
        rc = svc_front_request(*conn, id, "payload", 7, gr_deadline_in(GR_S(5)));
        if (rc == 0 || rc == -EIO || rc == -ECANCELED)
            return rc; /* an answer */
        gr_conn_close(*conn); /* a transport error: start over */
        *conn = NULL;
        gr_sleep(GR_MS(5));
    }
    return rc;
}

/* ------------------------------------------------------------ basic, dedupe */

static void basic_main(void *arg)
{
    fw *w = arg;
    up(w, "front", GR_MS(1), 0, 16);
    gr_conn *c = NULL;
    int attempts = 0;
    for (uint64_t id = 1; id <= 10; id++)
        TCHECK(call("front", &c, id, &attempts), 0);
    TCHECK(call("front", &c, 5, &attempts), 0); /* a retry of a finished id */
    TCHECK(attempts, 11);
    gr_conn_close(c);
    down(w);
}

START_TEST(requests_and_a_stored_result)
{
    fw w = {0};
    sim_ok(basic_main, &w);
    ck_assert_uint_eq(w.st.requests, 11);
    ck_assert_uint_eq(w.st.executed, 10);
    ck_assert_uint_eq(w.st.deduped, 1);
    ck_assert_uint_eq(w.sum.execs, 10);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 10);
}
END_TEST

/* ------------------------------------------------------------ drops at each phase */

typedef struct dropw {
    fw w;
    const char *point;
    unsigned bugs;
    int rc, attempts;
} dropw;

static void drop_main(void *arg)
{
    dropw *d = arg;
    d->w.j = tu_inj(11, 0);
    up(&d->w, "front", GR_MS(1), d->bugs, 16);
    arm_phase(&d->w, d->point, 1, 1.0); /* the first time only */
    gr_conn *c = NULL;
    d->rc = call("front", &c, 77, &d->attempts);
    if (c)
        gr_conn_close(c);
    down(&d->w);
}

static void drop_case(const char *point, uint64_t want_execs, uint64_t want_executed)
{
    dropw d = {.point = point};
    sim_ok(drop_main, &d);
    ck_assert_int_eq(d.rc, 0);
    ck_assert_int_eq(d.attempts, 2);          /* reset once, then answered */
    ck_assert_uint_eq(d.w.sum.execs, want_execs);
    ck_assert_uint_eq(d.w.st.executed, want_executed);
}

START_TEST(drop_before_request_then_retry)
{
    drop_case("svc/front/request", 1, 1);
}
END_TEST

START_TEST(drop_mid_request_never_executes)
{
    drop_case("svc/front/execute", 1, 1);
}
END_TEST

START_TEST(drop_after_execution_answers_retry_from_store)
{
    dropw d = {.point = "svc/front/reply"};
    sim_ok(drop_main, &d);
    ck_assert_int_eq(d.rc, 0);
    ck_assert_uint_eq(d.w.sum.execs, 1);   /* exactly once */
    ck_assert_uint_eq(d.w.st.deduped, 1);  /* the retry got the stored result */
}
END_TEST

START_TEST(no_dedupe_re_executes_retries)
{
    for (unsigned on = 0; on <= 1; on++) {
        dropw d = {.point = "svc/front/reply", .bugs = on ? SVC_BUG(SVC_BUG_NO_DEDUPE) : 0};
        sim_ok(drop_main, &d);
        ck_assert_int_eq(d.rc, 0);
        ck_assert_uint_eq(d.w.sum.execs, on ? 2 : 1);
        ck_assert_uint_eq(d.w.sum.duplicated, on ? 1 : 0);
    }
}
END_TEST

/* ------------------------------------------------------------ a retry of a running id */

typedef struct racew {
    fw w;
    int rc[2];
    int64_t at[2];
} racew;

static racew *race_w;

static void racer(void *arg)
{
    int i = (int)(intptr_t)arg;
    gr_conn *c = NULL;
    int attempts = 0;
    gr_sleep(GR_MS(10) * i); /* the second asks while the first runs */
    race_w->rc[i] = call("front", &c, 9, &attempts);
    race_w->at[i] = gr_now();
    gr_conn_close(c);
}

static void race_main(void *arg)
{
    racew *r = arg;
    race_w = r;
    up(&r->w, "front", GR_MS(50), 0, 16);
    gr_spawn(racer, (void *)(intptr_t)0, "racer");
    gr_spawn(racer, (void *)(intptr_t)1, "racer");
    gr_sleep(GR_MS(200));
    down(&r->w);
}

START_TEST(retry_of_a_running_id_waits_for_it)
{
    racew r = {0};
    sim_ok(race_main, &r);
    ck_assert_int_eq(r.rc[0], 0);
    ck_assert_int_eq(r.rc[1], 0);
    ck_assert_uint_eq(r.w.sum.execs, 1);
    ck_assert_uint_eq(r.w.st.deduped, 1);
    ck_assert_int_lt(r.at[1] - r.at[0], GR_MS(5)); /* answered together */
}
END_TEST

/* ------------------------------------------------------------ limits and misbehaving clients */

static void limits_main(void *arg)
{
    fw *w = arg;
    up(w, "front", GR_MS(1), 0, 2);
    gr_conn *a = NULL, *b = NULL, *c = NULL, *stall = NULL;
    int n = 0;
    TCHECK(call("front", &a, 1, &n), 0);
    TCHECK(call("front", &b, 2, &n), 0);
    TCHECK(gr_connect(&c, "front", gr_deadline_in(GR_S(1))), 0); /* over max_conns */
    char x;
    TCHECK(gr_conn_read(c, &x, 1, gr_deadline_in(GR_S(1))), 0); /* closed at once */
    gr_conn_close(c);
    gr_conn_close(b);
    gr_sleep(GR_MS(20));
    /* a client that sends half a header and stalls ... */
    TCHECK(gr_connect(&stall, "front", gr_deadline_in(GR_S(1))), 0);
    TCHECK(gr_conn_write(stall, "GTF1", 4, gr_deadline_in(GR_S(1))), 4);
    /* ... does not stall the others */
    int64_t t0 = gr_now();
    TCHECK(call("front", &a, 3, &n), 0);
    TCHECK(gr_now() - t0 < GR_MS(10), 1);
    /* it is cut off after read_timeout; a bad frame is refused */
    TCHECK(gr_conn_read(stall, &x, 1, gr_deadline_in(GR_S(5))), 0);
    gr_conn_close(stall);
    TCHECK(gr_connect(&c, "front", gr_deadline_in(GR_S(1))), 0);
    TCHECK(gr_conn_write(c, "XXXXXXXXXXXXXXXX", 16, gr_deadline_in(GR_S(1))), 16);
    TCHECK(gr_conn_read(c, &x, 1, gr_deadline_in(GR_S(1))), -ECONNRESET);
    gr_conn_close(c);
    gr_conn_close(a);
    down(w);
}

START_TEST(bounded_conns_stalled_and_bad_clients)
{
    fw w = {0};
    sim_ok(limits_main, &w);
    ck_assert_uint_eq(w.st.refused, 1);
    ck_assert_uint_eq(w.st.bad_frames, 1);
    ck_assert_uint_eq(w.sum.execs, 3);
}
END_TEST

/* ------------------------------------------------------------ idle waits */

typedef struct idlew {
    fw w;
    int64_t stop_took;
    int64_t request_took;
    int attempts;
} idlew;

/* Stop closes a connection idle between requests at once (the idle read is
 * interrupted, not polled), and the client sees a plain end of stream. */
static void idle_stop_main(void *arg)
{
    idlew *d = arg;
    up(&d->w, "front", GR_MS(1), 0, 16);
    gr_conn *c = NULL;
    TCHECK(call("front", &c, 1, &d->attempts), 0);
    gr_sleep(GR_MS(5));
    int64_t t0 = gr_now();
    svc_front_stats_get(d->w.front, &d->w.st);
    TCHECK(svc_front_stop(d->w.front, GR_S(2)), 0);
    d->stop_took = gr_now() - t0;
    char x;
    TCHECK(gr_conn_read(c, &x, 1, gr_deadline_in(GR_S(1))), 0);
    gr_conn_close(c);
    TCHECK(svc_stop(d->w.pool, GR_S(2)), 0);
    svc_release(d->w.pool);
    svc_ledger_release(d->w.ledger);
}

START_TEST(stop_closes_idle_connections_at_once)
{
    idlew d = {0};
    sim_ok(idle_stop_main, &d);
    ck_assert_int_eq(d.stop_took, 0); /* virtual time: no poll interval */
    ck_assert_uint_eq(d.w.st.executed, 1);
}
END_TEST

/* A delay at the front's read point longer than any poll interval slows
 * every read down but starves nothing: the request is answered on the
 * first attempt. */
static void read_delay_main(void *arg)
{
    idlew *d = arg;
    d->w.j = tu_inj(11, 0);
    up(&d->w, "front", GR_MS(1), 0, 16);
    inj_spec sp = spec("net/front/read", INJ_DELAY);
    sp.by = GR_MS(50);
    char err[200] = "";
    TCHECK(inj_arm(d->w.j, &sp, err, sizeof err) > 0, 1);
    gr_conn *c = NULL;
    int64_t t0 = gr_now();
    TCHECK(call("front", &c, 1, &d->attempts), 0);
    d->request_took = gr_now() - t0;
    gr_conn_close(c);
    down(&d->w);
}

START_TEST(read_delay_at_the_front_does_not_starve_it)
{
    idlew d = {0};
    sim_ok(read_delay_main, &d);
    ck_assert_int_eq(d.attempts, 1);
    ck_assert_int_ge(d.request_took, GR_MS(100)); /* the front's read and the client's */
    ck_assert_uint_eq(d.w.st.executed, 1);
    ck_assert_uint_eq(d.w.sum.execs, 1);
}
END_TEST

/* ------------------------------------------------------------ real TCP, drops, exactly once */

#define RCLIENTS 8
#define RREQS 20

typedef struct realw {
    fw w;
    char ep[32];
    int done, failed;
} realw;

static realw *real_w;

static void real_client(void *arg)
{
    int k = (int)(intptr_t)arg;
    gr_conn *c = NULL;
    for (int i = 0; i < RREQS; i++) {
        int attempts = 0;
        if (call(real_w->ep, &c, (uint64_t)(k * RREQS + i + 1), &attempts) == 0)
            real_w->done++;
        else
            real_w->failed++;
    }
    if (c)
        gr_conn_close(c);
}

static void real_main(void *arg)
{
    realw *r = arg;
    real_w = r;
    r->w.j = tu_inj(13, 0);
    up(&r->w, "127.0.0.1:0", GR_US(200), 0, 64);
    snprintf(r->ep, sizeof r->ep, "%s", svc_front_endpoint(r->w.front));
    arm_phase(&r->w, "svc/front/reply", 0, 0.2);   /* executed, then dropped */
    arm_phase(&r->w, "svc/front/execute", 0, 0.1); /* dropped mid-request */
    for (int k = 0; k < RCLIENTS; k++)
        gr_spawn(real_client, (void *)(intptr_t)k, "client");
    for (int i = 0; i < 1000 && r->done + r->failed < RCLIENTS * RREQS; i++)
        gr_sleep(GR_MS(10));
    down(&r->w);
}

START_TEST(real_drops_with_retries_exactly_once)
{
    realw r = {0};
    int rc;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, real_main, &r, &rc);
    ck_assert_int_eq(rc, 0);
    TCHECKED();
    ck_assert_int_eq(r.done, RCLIENTS * RREQS);
    ck_assert_uint_eq(r.w.sum.by_state[SVC_JOB_COMPLETED], RCLIENTS * RREQS);
    ck_assert_uint_eq(r.w.sum.duplicated, 0); /* exactly once, despite the drops */
    ck_assert_uint_eq(r.w.sum.execs, RCLIENTS * RREQS);
    ck_assert_uint_gt(r.w.st.deduped, 0);     /* the drops did happen */
    gr_sched_release(s);
}
END_TEST

Suite *suite_service_front(void)
{
    Suite *s = suite_create("service_front");
    TCase *tc = tcase_create("front");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, requests_and_a_stored_result);
    tcase_add_test(tc, drop_before_request_then_retry);
    tcase_add_test(tc, drop_mid_request_never_executes);
    tcase_add_test(tc, drop_after_execution_answers_retry_from_store);
    tcase_add_test(tc, no_dedupe_re_executes_retries);
    tcase_add_test(tc, retry_of_a_running_id_waits_for_it);
    tcase_add_test(tc, bounded_conns_stalled_and_bad_clients);
    tcase_add_test(tc, stop_closes_idle_connections_at_once);
    tcase_add_test(tc, read_delay_at_the_front_does_not_starve_it);
    tcase_add_test(tc, real_drops_with_retries_exactly_once);
    suite_add_tcase(s, tc);
    return s;
}
