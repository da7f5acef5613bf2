/* test_dep_targets.c — pool jobs and pipeline stages calling the
 * dependency (sim clock): every job makes its call; a failed call fails
 * that job with the call's error in the ledger (the pipeline goes on); the
 * breaker fails jobs fast; and a job's cancellation — stop after its grace,
 * the requester giving up, the job's own timeout — interrupts a call stuck
 * on a delayed dependency at once, unless the no_timeout or ignore_ctx bug
 * is on; and the same over loopback TCP. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "service/svc.h"
#include "tests/inject/injutil.h"

#define DEP "dep"
#define NJOBS 20

typedef struct world {
    bool pipeline;
    svc_pool_cfg pool;
    svc_stage_cfg stages[3];
    int64_t pipeline_timeout;
    svc_client_cfg ccfg;
    const char *fault_point;     /* on the dependency's link */
    inj_kind fault_kind;
    int64_t fault_by;
    uint64_t fault_first;
    int n;                       /* jobs, submitted at once */
    int64_t give_up_in;          /* each requester's deadline; 0: none */
    int64_t run, grace;
    int rc[NJOBS];
    int stop_rc;
    int64_t stop_took;
    uint64_t alive_after_stop;   /* the target's tasks */
    uint64_t served;
    svc_client_stats cst;
    svc_stats st;
    svc_ledger_sum sum;
    svc_job_rec rec[NJOBS];
} world;

typedef struct req {
    world *w;
    svc *t;
    int i;
} req;

static void requester(void *arg)
{
    req *r = arg;
    int64_t dl = r->w->give_up_in ? gr_deadline_in(r->w->give_up_in) : GR_FOREVER;
    r->w->rc[r->i] = svc_call(r->t, (uint64_t)r->i + 1, dl);
}

static void scenario(void *arg)
{
    world *w = arg;
    char err[200] = "";
    svc_dep *d = NULL;
    svc_client *c = NULL;
    svc_ledger *l = NULL;
    svc *t = NULL;
    inj *j = NULL;
    svc_dep_cfg dc = {.endpoint = DEP, .latency = GR_MS(1)};
    TCHECK(svc_dep_start(&d, &dc, err, sizeof err), 0);
    TCHECK(svc_client_create(&c, DEP, &w->ccfg, err, sizeof err), 0);
    TCHECK(svc_ledger_create(&l), 0);
    if (w->fault_point) {
        j = tu_inj(3, 0);
        inj_spec sp = spec(w->fault_point, w->fault_kind);
        sp.by = w->fault_by;
        sp.first = w->fault_first;
        TCHECK(inj_arm(j, &sp, err, sizeof err) > 0, 1);
    }
    gr_sched_stats ss;
    gr_sched_stats_get(gr_current(), &ss);
    uint64_t checkpoint = ss.last_id;
    if (w->pipeline) {
        for (int k = 0; k < 3; k++)
            if (w->stages[k].dep)
                w->stages[k].dep = c;
        svc_pipeline_cfg pc = {.stages = w->stages, .nstages = 3, .job_timeout = w->pipeline_timeout,
                               .bugs = w->pool.bugs};
        TCHECK(svc_pipeline_start(&t, &pc, l, j, err, sizeof err), 0);
    } else {
        w->pool.dep = c;
        TCHECK(svc_pool_start(&t, &w->pool, l, j, err, sizeof err), 0);
    }
    static req reqs[NJOBS];
    for (int i = 0; i < w->n; i++) {
        reqs[i] = (req){w, t, i};
        gr_spawn(requester, &reqs[i], "requester");
    }
    gr_sleep(w->run);
    int64_t t0 = gr_now();
    w->stop_rc = svc_stop(t, w->grace);
    w->stop_took = gr_now() - t0;
    gr_sleep(GR_MS(1));
    gr_task_info ti[64];
    size_t n = gr_sched_tasks(gr_current(), checkpoint, ti, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        w->alive_after_stop += strncmp(ti[i].name, w->pipeline ? "pipeline." : "pool.",
                                       w->pipeline ? 9 : 5) == 0;
    svc_stats_get(t, &w->st);
    svc_client_stats_get(c, &w->cst);
    svc_ledger_summary(l, &w->sum);
    for (int i = 0; i < w->n; i++)
        svc_ledger_get(l, (uint64_t)i + 1, &w->rec[i]);
    w->served = svc_dep_served(d);
    if (j)
        inj_clear(j);
    /* a handler's read may sit in a fault until its own 60 s deadline */
    TCHECK(svc_dep_stop(d, GR_S(120)), 0);
    if (w->alive_after_stop == 0) {
        svc_release(t);
        svc_client_release(c);
    }
    svc_ledger_release(l);
    if (j)
        inj_release(j);
}

static world base(int workers)
{
    world w;
    memset(&w, 0, sizeof w);
    w.pool = (svc_pool_cfg){.workers = workers, .queue = NJOBS};
    w.ccfg = (svc_client_cfg){.timeout = GR_MS(50), .retries = 0, .backoff = GR_MS(5)};
    w.n = NJOBS;
    w.run = GR_S(1);
    w.grace = GR_S(1);
    return w;
}

/* A stuck dependency: every read on its link waits an hour. */
static void stuck(world *w)
{
    w->fault_point = "net/" DEP "/read";
    w->fault_kind = INJ_DELAY;
    w->fault_by = GR_S(3600);
}

/* ------------------------------------------------------------ pool */

START_TEST(pool_jobs_call_the_dependency)
{
    world w = base(4);
    sim_ok(scenario, &w);
    for (int i = 0; i < w.n; i++)
        ck_assert_int_eq(w.rc[i], 0);
    ck_assert_uint_eq(w.served, NJOBS);
    ck_assert_uint_eq(w.cst.calls, NJOBS);
    ck_assert_uint_eq(w.cst.ok, NJOBS);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], NJOBS);
    ck_assert_int_eq(w.stop_rc, 0);
}
END_TEST

START_TEST(failed_call_fails_the_job_with_its_error)
{
    world w = base(4);
    w.ccfg.retries = 1;
    w.fault_point = "net/" DEP "/write";
    w.fault_kind = INJ_DROP;
    sim_ok(scenario, &w);
    for (int i = 0; i < w.n; i++) {
        ck_assert_int_eq(w.rc[i], -EIO);
        ck_assert_int_eq(w.rec[i].state, SVC_JOB_FAILED);
        ck_assert_int_eq(w.rec[i].err, -ECONNRESET); /* the call's own error */
    }
    ck_assert_uint_eq(w.cst.attempts, 2 * NJOBS);
    ck_assert_uint_eq(w.st.failed, NJOBS);
    ck_assert_int_eq(w.stop_rc, 0);
}
END_TEST

START_TEST(open_breaker_fails_jobs_fast)
{
    world w = base(1);
    w.ccfg.breaker_failures = 3;
    w.ccfg.breaker_cooldown = GR_S(10);
    w.fault_point = "net/" DEP "/write";
    w.fault_kind = INJ_DROP;
    sim_ok(scenario, &w);
    ck_assert_uint_eq(w.cst.attempts, 3);
    ck_assert_uint_eq(w.cst.fast_failed, NJOBS - 3);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_FAILED], NJOBS);
    int fast = 0;
    for (int i = 0; i < w.n; i++)
        fast += w.rec[i].err == -EAGAIN;
    ck_assert_int_eq(fast, NJOBS - 3);
}
END_TEST

/* Stop's cancellation, after its grace, reaches a call stuck on the
 * dependency at once: the job is cancelled, the worker exits, the breaker
 * does not count it. With no_timeout the call ignores the job: the worker
 * is stuck for good and stop reports it. */
START_TEST(stop_interrupts_a_stuck_call)
{
    for (int on = 0; on <= 1; on++) {
        world w = base(1);
        w.ccfg.timeout = GR_S(600); /* longer than anything here */
        w.ccfg.breaker_failures = 1;
        w.ccfg.breaker_cooldown = GR_S(1);
        w.ccfg.bugs = on ? SVC_BUG(SVC_BUG_NO_TIMEOUT) : 0;
        stuck(&w);
        w.n = 1;
        w.run = GR_MS(10);
        w.grace = GR_MS(100);
        sim_ok(scenario, &w);
        if (on) {
            ck_assert_int_eq(w.stop_rc, -EBUSY);
            ck_assert_uint_ge(w.alive_after_stop, 1); /* the worker (and who waits for it) */
            ck_assert_int_eq(w.rec[0].state, SVC_JOB_ACCEPTED); /* lost */
        } else {
            ck_assert_int_eq(w.stop_rc, -ETIMEDOUT);
            ck_assert_int_eq(w.stop_took, GR_MS(100)); /* the grace, then at once */
            ck_assert_uint_eq(w.alive_after_stop, 0);
            ck_assert_int_eq(w.rc[0], -ECANCELED);
            ck_assert_int_eq(w.rec[0].state, SVC_JOB_CANCELLED);
            ck_assert_uint_eq(w.cst.cancelled, 1);
            ck_assert_int_eq(w.cst.breaker, SVC_BREAKER_CLOSED); /* not held against it */
        }
    }
}
END_TEST

/* A requester giving up, and the job's own timeout, each end the call when
 * they happen, not at the call's 10 min timeout. ignore_ctx: the call runs
 * on to its own timeout. */
START_TEST(give_up_and_job_timeout_interrupt_the_call)
{
    for (int mode = 0; mode < 3; mode++) {
        world w = base(1);
        w.ccfg.timeout = GR_S(600);
        stuck(&w);
        w.n = 1;
        w.run = GR_S(1200);
        if (mode == 0)
            w.give_up_in = GR_MS(40);
        else
            w.pool.job_timeout = GR_MS(30);
        if (mode == 2)
            w.pool.bugs = SVC_BUG(SVC_BUG_IGNORE_CTX);
        sim_ok(scenario, &w);
        ck_assert_int_eq(w.rec[0].state, mode == 2 ? SVC_JOB_FAILED : SVC_JOB_CANCELLED);
        int64_t took = w.rec[0].final_at - w.rec[0].first_at;
        if (mode == 0) {
            ck_assert_int_eq(w.rc[0], -ETIMEDOUT);
            ck_assert_int_eq(took, GR_MS(40));
        } else if (mode == 1) {
            ck_assert_int_eq(w.rc[0], -ETIMEDOUT);
            ck_assert_int_eq(took, GR_MS(30));
        } else {
            ck_assert_int_eq(w.rec[0].err, -ETIMEDOUT); /* the call's own timeout */
            ck_assert_int_ge(took, GR_S(600));
        }
        ck_assert_int_eq(w.stop_rc, 0);
        ck_assert_uint_eq(w.alive_after_stop, 0);
    }
}
END_TEST

/* ------------------------------------------------------------ pipeline */

static world pipeline_base(void)
{
    world w = base(1);
    w.pipeline = true;
    static const char *names[3] = {"parse", "enrich", "store"};
    for (int k = 0; k < 3; k++)
        w.stages[k] = (svc_stage_cfg){.name = names[k], .workers = 2, .cap = 4};
    w.stages[1].dep = (svc_client *)1; /* replaced by the real client */
    return w;
}

START_TEST(pipeline_stage_calls_and_a_failed_call_fails_one_job)
{
    world w = pipeline_base();
    w.fault_point = "net/" DEP "/write";
    w.fault_kind = INJ_DROP;
    w.fault_first = 1; /* the first call's write only */
    sim_ok(scenario, &w);
    int failed = 0;
    for (int i = 0; i < w.n; i++) {
        if (w.rc[i] == -EIO) {
            failed++;
            ck_assert_int_eq(w.rec[i].err, -ECONNRESET);
        } else {
            ck_assert_int_eq(w.rc[i], 0);
        }
    }
    ck_assert_int_eq(failed, 1);
    ck_assert_uint_eq(w.served, NJOBS - 1);
    ck_assert_int_eq(w.st.error, 0); /* the pipeline went on */
    ck_assert_int_eq(w.stop_rc, 0);
    ck_assert_uint_eq(w.alive_after_stop, 0);
}
END_TEST

START_TEST(pipeline_stop_interrupts_a_stuck_stage_call)
{
    world w = pipeline_base();
    w.ccfg.timeout = GR_S(600);
    stuck(&w);
    w.n = 4;
    w.run = GR_MS(10);
    w.grace = GR_MS(100);
    sim_ok(scenario, &w);
    ck_assert_int_eq(w.stop_took, GR_MS(100));
    ck_assert_uint_eq(w.alive_after_stop, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_CANCELLED], 4);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
}
END_TEST

/* ------------------------------------------------------------ real mode */

typedef struct realw {
    int ok;                      /* calls answered 0 */
    int rc;                      /* the call given up on */
    svc_job_rec rec;
    svc_client_stats cst;
} realw;

/* Over loopback TCP: jobs call the dependency; then, with every read on
 * its connections delayed 2 s, a requester gives up at 50 ms and its
 * job's call is interrupted out of the delay (not at its end). */
static void real_main(void *arg)
{
    realw *w = arg;
    char err[200] = "";
    svc_dep *d = NULL;
    svc_client *c = NULL;
    svc_ledger *l = NULL;
    svc *t = NULL;
    svc_dep_cfg dc = {.endpoint = "127.0.0.1:0"};
    TCHECK(svc_dep_start(&d, &dc, err, sizeof err), 0);
    svc_client_cfg cc = {.timeout = GR_S(10)};
    TCHECK(svc_client_create(&c, svc_dep_endpoint(d), &cc, err, sizeof err), 0);
    TCHECK(svc_ledger_create(&l), 0);
    inj *j = tu_inj(9, 0);
    svc_pool_cfg pc = {.workers = 4, .queue = 16, .dep = c};
    TCHECK(svc_pool_start(&t, &pc, l, j, err, sizeof err), 0);
    for (uint64_t id = 1; id <= 8; id++)
        w->ok += svc_call(t, id, gr_deadline_in(GR_S(10))) == 0;
    char point[96];
    snprintf(point, sizeof point, "net/%s/read", svc_dep_endpoint(d));
    inj_spec sp = spec(point, INJ_DELAY);
    sp.by = GR_S(2);
    TCHECK(inj_arm(j, &sp, err, sizeof err) > 0, 1);
    w->rc = svc_call(t, 9, gr_deadline_in(GR_MS(50)));
    gr_sleep(GR_MS(20)); /* the job's end is recorded after the give-up */
    svc_ledger_get(l, 9, &w->rec);
    inj_clear(j);
    TCHECK(svc_stop(t, GR_S(5)), 0);
    svc_client_stats_get(c, &w->cst);
    TCHECK(svc_dep_stop(d, GR_S(10)), 0); /* its handler may sit out the delay */
    svc_release(t);
    svc_client_release(c);
    svc_ledger_release(l);
    inj_release(j);
}

START_TEST(real_calls_and_an_interrupted_one)
{
    realw w = {0};
    int run;
    fail_msg[0] = 0;
    gr_sched *s = tu_run(GR_CLOCK_REAL, 1, real_main, &w, &run);
    ck_assert_int_eq(run, 0);
    TCHECKED();
    ck_assert_int_eq(w.ok, 8);
    ck_assert_int_eq(w.rc, -ETIMEDOUT);
    ck_assert_int_eq(w.rec.state, SVC_JOB_CANCELLED);
    ck_assert_uint_eq(w.cst.cancelled, 1);
    /* interrupted near the give-up, not after the 2 s delay (20x slack) */
    ck_assert_int_lt(w.rec.final_at - w.rec.first_at, GR_S(1));
    gr_sched_release(s);
}
END_TEST

Suite *suite_service_dep_targets(void)
{
    Suite *s = suite_create("service_dep_targets");
    TCase *tc = tcase_create("dep_targets");
    tcase_add_test(tc, pool_jobs_call_the_dependency);
    tcase_add_test(tc, failed_call_fails_the_job_with_its_error);
    tcase_add_test(tc, open_breaker_fails_jobs_fast);
    tcase_add_test(tc, stop_interrupts_a_stuck_call);
    tcase_add_test(tc, give_up_and_job_timeout_interrupt_the_call);
    tcase_add_test(tc, pipeline_stage_calls_and_a_failed_call_fails_one_job);
    tcase_add_test(tc, pipeline_stop_interrupts_a_stuck_stage_call);
    tcase_add_test(tc, real_calls_and_an_interrupted_one);
    suite_add_tcase(s, tc);
    return s;
}
