/* test_pipeline.c — the pipeline (sim clock): jobs through every stage,
 * stop drains the cascade, a stage error stops everything exactly once,
 * backpressure end to end, validation, and the send_after_close and
 * ignore_ctx bugs (symptom on, absent off). */
#include <errno.h>
#include <string.h>

#include "service/svc.h"
#include "tests/testutil.h"

typedef struct pw {
    svc_stage_cfg stages[3];
    svc_pipeline_cfg cfg;
    svc *t;
    svc_ledger *ledger;
    int n;
    int rc[256];
    int64_t grace, run;
    bool late;                   /* submit once more just before stopping */
    int64_t deadline_in;         /* each request's deadline (0: none) */
    int stop_rc;
    int64_t stopped_at;
    uint64_t alive, panics;
    int late_rc;
    svc_ledger_sum sum;
    svc_stats st;
    svc_queue_info q[4];
    size_t nq;
} pw;

typedef struct preq {
    pw *w;
    int i;
} preq;

static preq preqs[256];

static void requester(void *arg)
{
    preq *r = arg;
    int64_t dl = r->w->deadline_in ? gr_deadline_in(r->w->deadline_in) : GR_FOREVER;
    r->w->rc[r->i] = svc_call(r->w->t, (uint64_t)r->i + 1, dl);
}

static void scenario(void *arg)
{
    pw *w = arg;
    w->cfg.stages = w->stages; /* w was copied: point at its own stages */
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    uint64_t checkpoint = st.last_id;
    TCHECK(svc_ledger_create(&w->ledger), 0);
    char err[200] = "";
    TCHECK(svc_pipeline_start(&w->t, &w->cfg, w->ledger, NULL, err, sizeof err), 0);
    for (int i = 0; i < w->n; i++) {
        preqs[i] = (preq){w, i};
        gr_spawn(requester, &preqs[i], "requester");
    }
    gr_sleep(w->run ? w->run : GR_MS(1));
    if (w->late)
        w->late_rc = svc_call(w->t, 10000, gr_deadline_in(GR_MS(1)));
    w->stop_rc = svc_stop(w->t, w->grace ? w->grace : GR_S(10));
    w->stopped_at = gr_now();
    gr_sleep(GR_MS(1));
    gr_task_info ti[64];
    size_t n = gr_sched_tasks(gr_current(), checkpoint, ti, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        w->alive += strncmp(ti[i].name, "pipeline.", 9) == 0;
    w->panics = gr_sched_panic_count(gr_current(), GR_PANIC_SEND_CLOSED);
    svc_ledger_summary(w->ledger, &w->sum);
    svc_stats_get(w->t, &w->st);
    w->nq = svc_queues(w->t, w->q, 4);
}

static pw three(int64_t cost, int cap)
{
    pw w;
    memset(&w, 0, sizeof w);
    const char *names[3] = {"parse", "enrich", "store"};
    for (int k = 0; k < 3; k++)
        w.stages[k] = (svc_stage_cfg){.name = names[k], .workers = 2, .cap = cap,
                                      .cost = {.fixed = cost}};
    w.cfg = (svc_pipeline_cfg){.nstages = 3}; /* .stages: set where w lives */
    return w;
}

static void done(pw *w, gr_sched *s)
{
    svc_release(w->t);
    svc_ledger_release(w->ledger);
    gr_sched_release(s);
}

START_TEST(jobs_pass_every_stage_and_stop_drains)
{
    pw w = three(GR_MS(1), 4);
    w.n = 100;
    w.run = GR_S(1); /* all submitted; stop when idle */
    gr_sched *s = sim_run(scenario, &w);
    for (int i = 0; i < w.n; i++)
        ck_assert_int_eq(w.rc[i], 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 100);
    ck_assert_uint_eq(w.sum.execs, 100);
    ck_assert_uint_eq(w.sum.duplicated, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
    ck_assert_int_eq(w.stop_rc, 0);
    ck_assert_uint_eq(w.alive, 0);
    ck_assert_int_eq(w.st.error, 0);
    ck_assert_uint_eq(w.panics, 0);
    done(&w, s);
}
END_TEST

START_TEST(stage_error_stops_everything_once)
{
    pw w = three(GR_MS(5), 4);
    w.stages[1].error_rate = 1.0; /* "enrich" fails its first job */
    w.n = 50;
    w.run = GR_S(1);
    w.late = true;
    gr_sched *s = sim_run(scenario, &w);
    ck_assert_int_eq(w.st.error, -EIO);         /* reported once, the first */
    /* the stage's 2 workers may both fail the jobs in hand at the same
     * instant; the pipeline's error is still reported once */
    ck_assert_uint_ge(w.sum.by_state[SVC_JOB_FAILED], 1);
    ck_assert_uint_le(w.sum.by_state[SVC_JOB_FAILED], 2);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0); /* every job answered */
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 0);
    ck_assert_int_eq(w.late_rc, -ESHUTDOWN);    /* a failed pipeline refuses */
    ck_assert_uint_eq(w.alive, 0);              /* every stage exited */
    /* the group was cancelled by the failure, before stop, and every
     * stage had exited by the time it was stopped */
    ck_assert_int_gt(w.st.cancel_at, 0);
    ck_assert_int_ge(w.st.exited_at, w.st.cancel_at);
    ck_assert_int_lt(w.st.cancel_at, w.st.stop_at);
    for (int i = 0; i < w.n; i++)
        ck_assert_msg(w.rc[i] == -EIO || w.rc[i] == -ECANCELED || w.rc[i] == -ESHUTDOWN,
                      "request %d: %d", i, w.rc[i]);
    done(&w, s);
}
END_TEST

START_TEST(stop_cancels_after_grace)
{
    pw w = three(GR_MS(50), 8);
    w.n = 40;
    w.grace = GR_MS(120);
    gr_sched *s = sim_run(scenario, &w);
    ck_assert_int_eq(w.stop_rc, -ETIMEDOUT);
    ck_assert_int_eq(w.st.error, 0); /* cancelled by stop: no stage failed */
    ck_assert_int_eq(w.st.cancel_at - w.st.stop_at, GR_MS(120));
    ck_assert_int_ge(w.st.exited_at, w.st.cancel_at);
    ck_assert_uint_gt(w.sum.by_state[SVC_JOB_CANCELLED], 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
    ck_assert_uint_eq(w.alive, 0);
    done(&w, s);
}
END_TEST

START_TEST(backpressure_end_to_end)
{
    pw w = three(GR_US(10), 2);
    w.stages[2].cost.fixed = GR_MS(10); /* a slow last stage */
    w.n = 60;
    w.run = GR_S(2);
    gr_sched *s = sim_run(scenario, &w);
    ck_assert_uint_le(w.st.queued_peak, 2 + 1); /* the first channel, plus the one in hand */
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 60);
    /* every stage's queue, with the slow stage's input full at its peak */
    ck_assert_uint_eq(w.nq, 3);
    ck_assert_str_eq(w.q[0].name, "parse");
    ck_assert_str_eq(w.q[2].name, "store");
    ck_assert_uint_eq(w.q[2].cap, 2);
    ck_assert_uint_eq(w.q[2].peak, 2);
    ck_assert_uint_eq(w.q[0].peak, w.st.queued_peak);
    done(&w, s);
}
END_TEST

static void bad(void *arg)
{
    (void)arg;
    svc_ledger *l = NULL;
    svc *t = NULL;
    char err[200];
    TCHECK(svc_ledger_create(&l), 0);
    svc_stage_cfg st[2] = {{.name = "a", .workers = 1}, {.name = "a", .workers = 1}};
    svc_pipeline_cfg c = {.stages = st, .nstages = 2};
    TCHECK(svc_pipeline_start(&t, &c, l, NULL, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "stages[2].name:", 15), 0);
    st[1].name = "b";
    st[1].workers = 0;
    TCHECK(svc_pipeline_start(&t, &c, l, NULL, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "stages[2].workers:", 18), 0);
    c.nstages = 0;
    TCHECK(svc_pipeline_start(&t, &c, l, NULL, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "stages:", 7), 0);
    st[1].workers = 1;
    c.nstages = 2;
    c.bugs = SVC_BUG(SVC_BUG_UNBOUNDED_SPAWN);
    TCHECK(svc_pipeline_start(&t, &c, l, NULL, err, sizeof err), -EINVAL);
    TCHECK(strncmp(err, "bugs: unbounded_spawn", 21), 0);
    svc_ledger_release(l);
}

static void submit_main(void *arg)
{
    pw *w = arg;
    w->cfg.stages = w->stages;
    TCHECK(svc_ledger_create(&w->ledger), 0);
    TCHECK(svc_pipeline_start(&w->t, &w->cfg, w->ledger, NULL, NULL, 0), 0);
    for (uint64_t id = 1; id <= 100; id++)
        TCHECK(svc_submit(w->t, id, GR_FOREVER), 0);
    TCHECK(svc_stop(w->t, GR_S(10)), 0);
    svc_ledger_summary(w->ledger, &w->sum);
}

START_TEST(submit_without_waiting)
{
    pw w = three(GR_MS(1), 4);
    gr_sched *s = sim_run(submit_main, &w);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 100);
    ck_assert_uint_eq(w.sum.execs, 100);
    done(&w, s);
}
END_TEST

START_TEST(config_errors_name_the_field)
{
    sim_ok(bad, NULL);
}
END_TEST

START_TEST(send_after_close_panics)
{
    for (int on = 0; on <= 1; on++) {
        pw w = three(GR_MS(3), 4);
        w.cfg.bugs = on ? SVC_BUG(SVC_BUG_SEND_AFTER_CLOSE) : 0;
        w.stages[0].workers = 4;
        w.n = 40;
        gr_sched *s = sim_run(scenario, &w);
        if (on)
            ck_assert_uint_gt(w.panics, 0);
        else
            ck_assert_uint_eq(w.panics, 0);
        done(&w, s);
    }
}
END_TEST

START_TEST(ignore_ctx_outlives_the_stop)
{
    for (int on = 0; on <= 1; on++) {
        pw w = three(GR_MS(100), 4);
        w.cfg.bugs = on ? SVC_BUG(SVC_BUG_IGNORE_CTX) : 0;
        w.n = 6;
        w.grace = GR_MS(10); /* then the group is cancelled, and waited for 10 ms */
        gr_sched *s = sim_run(scenario, &w);
        /* off: the cancellation reaches every worker at once; on: it does
         * not, and they are still working when stop gives up on them */
        ck_assert_int_eq(w.stop_rc, on ? -EBUSY : -ETIMEDOUT);
        if (on)
            ck_assert_uint_gt(w.alive, 0);
        else
            ck_assert_uint_eq(w.alive, 0);
        done(&w, s);
    }
}
END_TEST

START_TEST(leak_on_cancel_leaves_a_stage_stuck)
{
    for (int on = 0; on <= 1; on++) {
        pw w = three(GR_MS(20), 4);
        w.cfg.bugs = on ? SVC_BUG(SVC_BUG_LEAK_ON_CANCEL) | SVC_BUG(SVC_BUG_IGNORE_CTX) : 0;
        w.n = 2;
        w.deadline_in = GR_MS(5); /* the requesters give up mid-way */
        w.run = GR_S(1);
        w.grace = GR_MS(50);
        gr_sched *s = sim_run(scenario, &w);
        ck_assert_int_eq(w.stop_rc, on ? -EBUSY : 0);
        if (on)
            ck_assert_uint_gt(w.alive, 0); /* the last stage, sending a reply forever */
        else
            ck_assert_uint_eq(w.alive, 0);
        done(&w, s);
    }
}
END_TEST

Suite *suite_service_pipeline(void)
{
    Suite *s = suite_create("service_pipeline");
    TCase *tc = tcase_create("pipeline");
    tcase_add_test(tc, jobs_pass_every_stage_and_stop_drains);
    tcase_add_test(tc, stage_error_stops_everything_once);
    tcase_add_test(tc, stop_cancels_after_grace);
    tcase_add_test(tc, backpressure_end_to_end);
    tcase_add_test(tc, submit_without_waiting);
    tcase_add_test(tc, leak_on_cancel_leaves_a_stage_stuck);
    tcase_add_test(tc, config_errors_name_the_field);
    tcase_add_test(tc, send_after_close_panics);
    tcase_add_test(tc, ignore_ctx_outlives_the_stop);
    suite_add_tcase(s, tc);
    return s;
}
