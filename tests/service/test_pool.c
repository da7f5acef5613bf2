/* test_pool.c — the worker pool (sim clock): nothing lost or run twice
 * under load, graceful stop drains or cancels and leaves no task, timeouts
 * and give-ups cancel the work, backpressure rejects, faults at
 * svc/pool/exec, validation; and each pool bug's symptom, present with its
 * switch on and absent with it off. */
#include <errno.h>
#include <string.h>

#include "service/svc.h"
#include "tests/testutil.h"

typedef struct world {
    svc_pool_cfg cfg;
    svc *t;
    svc_ledger *ledger;
    inj *j;
    uint64_t checkpoint;         /* last task id before the pool started */
    int n;                       /* requests */
    int64_t deadline_in;         /* each request's own deadline (0: none) */
    int rc[512];                 /* each request's result */
    int64_t stop_grace;
    int stop_rc;
    int64_t stopped_at;
    uint64_t alive_after_stop;   /* tasks of the pool alive after stop */
    uint64_t peak_tasks;
    uint64_t panics;             /* send-on-closed panic events */
    svc_ledger_sum sum;
    svc_stats st;
    svc_stats before_stop;       /* stats just before stop */
    int64_t started_at;
    int64_t last_final;          /* latest final_at in the ledger, from start */
} world;

typedef struct req {
    world *w;
    int i;
} req;

static req reqs[512];

static void requester(void *arg)
{
    req *r = arg;
    world *w = r->w;
    int64_t dl = w->deadline_in ? gr_deadline_in(w->deadline_in) : GR_FOREVER;
    w->rc[r->i] = svc_call(w->t, (uint64_t)r->i + 1, dl);
}

/* Start the pool, fire w->n requests at once, let them run for `run`
 * (virtual), stop with the grace, and record what is left. */
static void scenario(void *arg, int64_t run)
{
    world *w = arg;
    gr_sched_stats st;
    TCHECK(svc_ledger_create(&w->ledger), 0);
    gr_sched_stats_get(gr_current(), &st);
    w->checkpoint = st.last_id;
    char err[200] = "";
    TCHECK(svc_pool_start(&w->t, &w->cfg, w->ledger, w->j, err, sizeof err), 0);
    for (int i = 0; i < w->n; i++) {
        reqs[i] = (req){w, i};
        gr_spawn(requester, &reqs[i], "requester");
    }
    w->started_at = gr_now();
    gr_sleep(run);
    svc_stats_get(w->t, &w->before_stop);
    w->stop_rc = svc_stop(w->t, w->stop_grace ? w->stop_grace : GR_S(10));
    w->stopped_at = gr_now();
    gr_sleep(GR_MS(1)); /* let requesters see their replies */
    gr_sched_stats_get(gr_current(), &st);
    w->peak_tasks = st.peak;
    w->panics = gr_sched_panic_count(gr_current(), GR_PANIC_SEND_CLOSED);
    gr_task_info ti[64];
    size_t n = gr_sched_tasks(gr_current(), w->checkpoint, ti, 64);
    for (size_t i = 0; i < n && i < 64; i++)
        w->alive_after_stop += strncmp(ti[i].name, "pool.", 5) == 0;
    svc_ledger_summary(w->ledger, &w->sum);
    svc_stats_get(w->t, &w->st);
    static svc_job_rec recs[512];
    size_t nj = svc_ledger_jobs(w->ledger, recs, 512);
    for (size_t i = 0; i < nj && i < 512; i++)
        if (recs[i].final_at - w->started_at > w->last_final)
            w->last_final = recs[i].final_at - w->started_at;
}

static void run_quick(void *arg) { scenario(arg, GR_MS(1)); }
static void run_long(void *arg) { scenario(arg, GR_S(5)); }

static world base(int workers, int queue, int64_t cost)
{
    world w;
    memset(&w, 0, sizeof w);
    w.cfg = (svc_pool_cfg){.workers = workers, .queue = queue, .cost = {.fixed = cost}};
    return w;
}

static void finish(world *w, gr_sched *s)
{
    svc_release(w->t);
    svc_ledger_release(w->ledger);
    gr_sched_release(s);
}

/* ------------------------------------------------------------ correct pool */

START_TEST(no_job_lost_or_run_twice)
{
    world w = base(4, 8, GR_MS(3));
    w.n = 200;
    gr_sched *s = sim_run(run_long, &w);
    for (int i = 0; i < w.n; i++)
        ck_assert_int_eq(w.rc[i], 0);
    ck_assert_uint_eq(w.sum.jobs, 200);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 200);
    ck_assert_uint_eq(w.sum.execs, 200);
    ck_assert_uint_eq(w.sum.duplicated, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
    ck_assert_int_eq(w.stop_rc, 0);
    ck_assert_uint_eq(w.alive_after_stop, 0);
    ck_assert_uint_le(w.st.queued_peak, 8);
    svc_queue_info q[2];
    ck_assert_uint_eq(svc_queues(w.t, q, 2), 1);
    ck_assert_str_eq(q[0].name, "pool");
    ck_assert_uint_eq(q[0].cap, 8);
    ck_assert_uint_eq(q[0].peak, w.st.queued_peak);
    ck_assert_uint_eq(q[0].len, 0);
    finish(&w, s);
}
END_TEST

START_TEST(stop_drains_within_grace)
{
    world w = base(2, 100, GR_MS(10));
    w.n = 40; /* 200 ms of work for 2 workers */
    gr_sched *s = sim_run(run_quick, &w);
    ck_assert_int_eq(w.stop_rc, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 40);
    ck_assert_int_eq(w.stopped_at, GR_MS(1) + GR_MS(200) - GR_MS(1)); /* drained at 200 ms */
    ck_assert_uint_eq(w.alive_after_stop, 0);
    /* the shutdown's moments, as the harness reads them */
    ck_assert_int_eq(w.st.stop_at - w.started_at, GR_MS(1));
    ck_assert_int_eq(w.st.cancel_at, 0); /* drained: nothing cancelled */
    ck_assert_int_eq(w.st.exited_at, w.stopped_at);
    finish(&w, s);
}
END_TEST

START_TEST(stop_cancels_after_grace)
{
    world w = base(2, 100, GR_MS(100));
    w.n = 20;
    w.stop_grace = GR_MS(150);
    gr_sched *s = sim_run(run_quick, &w);
    ck_assert_int_eq(w.stop_rc, -ETIMEDOUT);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 2); /* one round of 2 fit */
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_CANCELLED], 18);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0); /* nothing lost */
    ck_assert_uint_eq(w.alive_after_stop, 0);
    int cancelled = 0;
    for (int i = 0; i < w.n; i++)
        cancelled += w.rc[i] == -ECANCELED;
    ck_assert_int_eq(cancelled, 18); /* and every requester was told */
    ck_assert_int_eq(w.st.cancel_at - w.st.stop_at, GR_MS(150)); /* the grace ran out */
    ck_assert_int_ge(w.st.exited_at, w.st.cancel_at);
    ck_assert_int_le(w.st.exited_at, w.stopped_at);
    finish(&w, s);
}
END_TEST

START_TEST(job_timeout_cancels_work)
{
    world w = base(1, 4, GR_MS(100));
    w.cfg.job_timeout = GR_MS(30);
    w.n = 1;
    gr_sched *s = sim_run(run_long, &w);
    ck_assert_int_eq(w.rc[0], -ETIMEDOUT);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_CANCELLED], 1);
    finish(&w, s);
}
END_TEST

START_TEST(full_queue_rejects)
{
    world w = base(1, 2, GR_MS(100));
    w.n = 10;
    w.deadline_in = GR_MS(5); /* the queue stays full longer than that */
    gr_sched *s = sim_run(run_long, &w);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_REJECTED], 7); /* 1 running + 2 queued */
    int rejected = 0;
    for (int i = 0; i < w.n; i++)
        rejected += w.rc[i] == -EAGAIN;
    ck_assert_int_eq(rejected, 7);
    finish(&w, s);
}
END_TEST

/* Submitters waiting for room when the pool stops are refused; none is left
 * sending on the queue stop closes (a send-on-closed panic before). */
START_TEST(stop_refuses_waiting_submitters)
{
    world w = base(1, 1, GR_MS(100));
    w.n = 10; /* 1 running, 1 queued, 8 waiting for room */
    gr_sched *s = sim_run(run_quick, &w);
    int refused = 0;
    for (int i = 0; i < w.n; i++)
        refused += w.rc[i] == -ESHUTDOWN;
    ck_assert_int_eq(refused, 8);
    ck_assert_uint_eq(w.panics, 0);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
    finish(&w, s);
}
END_TEST

/* Submitted jobs nobody waits for: accepted, run, accounted; refused when
 * the queue stays full or the pool has stopped. */
static void submit_main(void *arg)
{
    world *w = arg;
    TCHECK(svc_ledger_create(&w->ledger), 0);
    TCHECK(svc_pool_start(&w->t, &w->cfg, w->ledger, NULL, NULL, 0), 0);
    for (uint64_t id = 1; id <= 100; id++)
        TCHECK(svc_submit(w->t, id, GR_FOREVER), 0);
    TCHECK(svc_submit(w->t, 999, gr_deadline_in(GR_US(1))), -EAGAIN); /* full */
    TCHECK(svc_stop(w->t, GR_S(10)), 0);
    TCHECK(svc_submit(w->t, 1000, GR_FOREVER), -ESHUTDOWN);
    svc_ledger_summary(w->ledger, &w->sum);
}

START_TEST(submit_without_waiting)
{
    world w = base(2, 4, GR_MS(1));
    gr_sched *s = sim_run(submit_main, &w);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 100);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_REJECTED], 2);
    ck_assert_uint_eq(w.sum.execs, 100);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_ACCEPTED], 0);
    finish(&w, s);
}
END_TEST

static void calls_after_stop(void *arg)
{
    world *w = arg;
    TCHECK(svc_ledger_create(&w->ledger), 0);
    TCHECK(svc_pool_start(&w->t, &w->cfg, w->ledger, NULL, NULL, 0), 0);
    TCHECK(svc_stop(w->t, GR_MS(10)), 0);
    TCHECK(svc_call(w->t, 1, GR_FOREVER), -ESHUTDOWN);
    TCHECK(svc_stop(w->t, GR_MS(10)), -EINVAL); /* once */
}

START_TEST(rejects_after_stop)
{
    world w = base(1, 1, 0);
    gr_sched *s = sim_run(calls_after_stop, &w);
    finish(&w, s);
}
END_TEST

/* ------------------------------------------------------------ faults */

static void with_faults(void *arg)
{
    world *w = arg;
    TCHECK(svc_register_points(), 0); /* before arming at svc/... points */
    TCHECK(inj_create(&w->j, gr_current(), &(inj_opts){.seed = 3}), 0);
    inj_spec sp = INJ_SPEC_INIT;
    sp.point = "svc/pool/exec";
    sp.kind = INJ_ERROR;
    sp.err = EIO;
    sp.nth = 2; /* every second job fails */
    char err[200] = "";
    TCHECK(inj_arm(w->j, &sp, err, sizeof err) > 0, 1);
    scenario(w, GR_S(1));
    inj_release(w->j);
}

START_TEST(exec_fault_fails_jobs)
{
    world w = base(2, 16, GR_MS(1));
    w.n = 20;
    gr_sched *s = sim_run(with_faults, &w);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_FAILED], 10);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 10);
    finish(&w, s);
}
END_TEST

/* `full` at the pool's queue holds submitters in their wait for room
 * (a select on the queue and on stop): one whose deadline comes first is
 * rejected, one without a deadline is queued when the window ends. */
static void full_queue_fault(void *arg)
{
    (void)arg;
    svc_ledger *l = NULL;
    svc *t = NULL;
    inj *j = NULL;
    TCHECK(svc_register_points(), 0);
    TCHECK(inj_create(&j, gr_current(), &(inj_opts){.seed = 3}), 0);
    inj_spec sp = INJ_SPEC_INIT;
    sp.point = "chan/pool/send";
    sp.kind = INJ_FULL;
    sp.to = gr_now() + GR_MS(50);
    char err[200] = "";
    TCHECK(inj_arm(j, &sp, err, sizeof err) > 0, 1);
    TCHECK(svc_ledger_create(&l), 0);
    svc_pool_cfg cfg = {.workers = 1, .queue = 4};
    TCHECK(svc_pool_start(&t, &cfg, l, j, err, sizeof err), 0);
    int64_t t0 = gr_now();
    TCHECK(svc_submit(t, 1, gr_deadline_in(GR_MS(10))), -EAGAIN); /* the queue "stayed full" */
    TCHECK(gr_now() - t0, GR_MS(10));
    TCHECK(svc_submit(t, 2, GR_FOREVER), 0);
    TCHECK(gr_now() - t0, GR_MS(50)); /* queued when the window ended */
    TCHECK(svc_stop(t, GR_S(1)), 0);
    svc_job_rec r;
    TCHECK(svc_ledger_get(l, 1, &r), 0);
    TCHECK(r.state, SVC_JOB_REJECTED);
    TCHECK(svc_ledger_get(l, 2, &r), 0);
    TCHECK(r.state, SVC_JOB_COMPLETED);
    inj_count c[2];
    TCHECK(inj_counts(j, c, 2), 1);
    TCHECK(c[0].count, 4); /* each submission: its try-send, then its select */
    svc_release(t);
    svc_ledger_release(l);
    inj_release(j);
}

START_TEST(full_fault_holds_and_rejects_submitters)
{
    sim_ok(full_queue_fault, NULL);
}
END_TEST

static void bad_configs(void *arg)
{
    (void)arg;
    svc_ledger *l = NULL;
    svc *t = NULL;
    char err[200];
    TCHECK(svc_ledger_create(&l), 0);
    struct {
        svc_pool_cfg c;
        const char *field;
    } cases[] = {
        {{.workers = 0, .queue = 1}, "workers:"},
        {{.workers = 1, .queue = -1}, "queue:"},
        {{.workers = 1, .error_rate = 1.5}, "error_rate:"},
        {{.workers = 1, .job_timeout = -1}, "job_timeout:"},
        {{.workers = 1, .cost = {.fixed = -5}}, "cost.fixed:"},
        {{.workers = 1, .cost = {.jitter = 5}}, "cost.dist:"},
        {{.workers = 1, .bugs = SVC_BUG(SVC_BUG_SEND_AFTER_CLOSE)}, "bugs: send_after_close"},
        {{.workers = 4, .max_workers = 3}, "max_workers: must be 0 or workers (4)"},
        {{.workers = 1, .max_workers = 100001}, "max_workers:"},
        {{.workers = 1, .idle_timeout = -1}, "idle_timeout:"},
        {{.workers = 1, .fanout = 1025}, "fanout:"},
        {{.workers = 1, .fanout = 4, .task_budget = -1}, "task_budget:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        TCHECK(svc_pool_start(&t, &cases[i].c, l, NULL, err, sizeof err), -EINVAL);
        TCHECK(strncmp(err, cases[i].field, strlen(cases[i].field)), 0);
    }
    svc_ledger_release(l);
}

START_TEST(config_errors_name_the_field)
{
    sim_ok(bad_configs, NULL);
}
END_TEST

/* ------------------------------------------------------------ scaling, fan-out */

/* Queued jobs with no idle worker add workers up to max_workers; once the
 * load is gone the added ones exit after idle_timeout, down to workers. A
 * fixed pool (max_workers 0) never grows. */
START_TEST(scales_up_under_load_and_back_down)
{
    for (int elastic = 0; elastic <= 1; elastic++) {
        world w = base(2, 64, GR_MS(10));
        w.n = 40;
        if (elastic) {
            w.cfg.max_workers = 6;
            w.cfg.idle_timeout = GR_MS(50);
        }
        gr_sched *s = sim_run(run_long, &w);
        ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 40);
        ck_assert_uint_eq(w.st.workers_peak, elastic ? 6 : 2);
        ck_assert_uint_eq(w.before_stop.workers, 2); /* back to the minimum */
        /* 40 jobs of 10 ms: 7 rounds on 6 workers, 20 on 2 */
        ck_assert_int_eq(w.last_final, elastic ? GR_MS(70) : GR_MS(200));
        ck_assert_int_eq(w.stop_rc, 0);
        ck_assert_uint_eq(w.alive_after_stop, 0);
        finish(&w, s);
    }
}
END_TEST

/* A job fans out into parts, at most task_budget of them at once: 8 parts
 * of 10 ms with a budget of 3 take 3 rounds. */
START_TEST(fan_out_stays_within_the_task_budget)
{
    world w = base(2, 8, GR_MS(10));
    w.n = 4;
    w.cfg.fanout = 8;
    w.cfg.task_budget = 3;
    gr_sched *s = sim_run(run_long, &w);
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 4);
    ck_assert_uint_eq(w.sum.execs, 4);
    ck_assert_uint_eq(w.st.parts_peak, 3);
    ck_assert_int_eq(w.last_final, 2 * GR_MS(30)); /* 2 jobs per worker */
    /* main, 4 requesters, 2 workers with 3 parts each, reaper, sampler */
    ck_assert_uint_le(w.peak_tasks, 1 + 4 + 2 * 4 + 2 + 2);
    ck_assert_int_eq(w.stop_rc, 0);
    ck_assert_uint_eq(w.alive_after_stop, 0);
    finish(&w, s);
}
END_TEST

/* Cancellation reaches every part: the requester giving up at 15 ms, and
 * stop's grace running out, each end all of a job's parts at once. */
START_TEST(cancellation_reaches_every_part)
{
    for (int how = 0; how <= 1; how++) {
        world w = base(1, 8, GR_MS(100));
        w.n = 1;
        w.cfg.fanout = 4;
        if (how == 0)
            w.deadline_in = GR_MS(15);
        else
            w.stop_grace = GR_MS(20);
        gr_sched *s = sim_run(how == 0 ? run_long : run_quick, &w);
        ck_assert_uint_eq(w.sum.by_state[SVC_JOB_CANCELLED], 1);
        ck_assert_int_eq(w.last_final, how == 0 ? GR_MS(15) : GR_MS(1) + GR_MS(20));
        ck_assert_int_eq(w.stop_rc, how == 0 ? 0 : -ETIMEDOUT);
        ck_assert_uint_eq(w.alive_after_stop, 0);
        finish(&w, s);
    }
}
END_TEST

/* ------------------------------------------------------------ bugs */

static world bugged(unsigned bug, bool on)
{
    world w = base(2, 4, GR_MS(20));
    w.cfg.bugs = on ? bug : 0;
    w.n = 60;
    return w;
}

START_TEST(unbounded_spawn_grows_tasks_with_load)
{
    for (int on = 0; on <= 1; on++) {
        world w = bugged(SVC_BUG(SVC_BUG_UNBOUNDED_SPAWN), on);
        gr_sched *s = sim_run(run_long, &w);
        /* main + 60 requesters + pool's own: bounded workers add 2 + 3 */
        if (on)
            ck_assert_uint_ge(w.peak_tasks, 1 + 60 + 60);
        else
            ck_assert_uint_le(w.peak_tasks, 1 + 60 + 2 + 3);
        finish(&w, s);
    }
}
END_TEST

START_TEST(leak_on_cancel_leaves_workers_stuck)
{
    for (int on = 0; on <= 1; on++) {
        world w = bugged(SVC_BUG(SVC_BUG_LEAK_ON_CANCEL), on);
        w.n = 2;
        w.deadline_in = GR_MS(5); /* the requesters give up mid-job */
        w.cfg.bugs |= on ? SVC_BUG(SVC_BUG_IGNORE_CTX) : 0; /* so the job finishes */
        gr_sched *s = sim_run(run_long, &w);
        if (on)
            ck_assert_uint_ge(w.alive_after_stop, 2); /* blocked on reply sends */
        else
            ck_assert_uint_eq(w.alive_after_stop, 0);
        finish(&w, s);
    }
}
END_TEST

/* The bug is the worker's: stop itself must not hang on the unbuffered
 * reply of a queued job it cancels, with its requester long gone (it did,
 * and a scenario with a forever-blocked worker ran to the sim limit). */
START_TEST(leak_on_cancel_does_not_hang_stop)
{
    world w = base(2, 4, GR_S(3600)); /* both workers busy for an hour */
    w.cfg.bugs = SVC_BUG(SVC_BUG_LEAK_ON_CANCEL) | SVC_BUG(SVC_BUG_IGNORE_CTX);
    w.n = 6;                          /* 2 running, 4 queued */
    w.deadline_in = GR_MS(5);         /* every requester gives up */
    w.stop_grace = GR_MS(100);
    gr_sched *s = sim_run(run_quick, &w);
    ck_assert_int_eq(w.stop_rc, -EBUSY); /* the workers never exited */
    ck_assert_int_le(w.stopped_at - w.started_at, GR_MS(1) + 2 * GR_MS(100));
    ck_assert_uint_eq(w.sum.by_state[SVC_JOB_CANCELLED], 4); /* the queued ones */
    finish(&w, s);
}
END_TEST

START_TEST(no_close_jobs_leaves_workers_waiting)
{
    for (int on = 0; on <= 1; on++) {
        world w = bugged(SVC_BUG(SVC_BUG_NO_CLOSE_JOBS), on);
        w.stop_grace = GR_MS(100);
        gr_sched *s = sim_run(run_long, &w);
        ck_assert_int_eq(w.stop_rc, on ? -EBUSY : 0);
        if (on)
            ck_assert_uint_ge(w.alive_after_stop, 2);
        else
            ck_assert_uint_eq(w.alive_after_stop, 0);
        finish(&w, s);
    }
}
END_TEST

START_TEST(ignore_ctx_keeps_working_after_give_up)
{
    for (int on = 0; on <= 1; on++) {
        world w = base(1, 4, GR_MS(100));
        w.cfg.bugs = on ? SVC_BUG(SVC_BUG_IGNORE_CTX) : 0;
        w.n = 1;
        w.deadline_in = GR_MS(10);
        gr_sched *s = sim_run(run_quick, &w); /* stop right away: drains */
        ck_assert_int_eq(w.rc[0], -ETIMEDOUT);
        /* off: the give-up cancels the work at 10 ms; on: it runs to 100 ms */
        ck_assert_int_eq(w.stopped_at, on ? GR_MS(100) : GR_MS(10));
        finish(&w, s);
    }
}
END_TEST

START_TEST(wg_add_in_task_loses_queued_work)
{
    for (int on = 0; on <= 1; on++) {
        world w = base(1, 32, GR_MS(10));
        w.cfg.bugs = on ? SVC_BUG(SVC_BUG_WG_ADD_IN_TASK) : 0;
        w.n = 20;
        gr_sched *s = sim_run(run_quick, &w); /* stop while 19 are queued */
        if (on)
            ck_assert_uint_ge(w.sum.by_state[SVC_JOB_CANCELLED], 15);
        else
            ck_assert_uint_eq(w.sum.by_state[SVC_JOB_COMPLETED], 20);
        finish(&w, s);
    }
}
END_TEST

START_TEST(ticker_leak_keeps_a_ticker)
{
    for (int on = 0; on <= 1; on++) {
        world w = bugged(SVC_BUG(SVC_BUG_TICKER_LEAK), on);
        gr_sched *s = sim_run(run_long, &w);
        gr_sched_stats st;
        gr_sched_stats_get(s, &st);
        ck_assert_uint_eq(st.tickers, on ? 1 : 0);
        /* the sampler, and the reaper: stop's exited gate waits for both */
        ck_assert_uint_eq(w.alive_after_stop, on ? 2 : 0);
        finish(&w, s);
    }
}
END_TEST

START_TEST(unbounded_queue_has_no_backpressure)
{
    for (int on = 0; on <= 1; on++) {
        world w = bugged(SVC_BUG(SVC_BUG_UNBOUNDED_QUEUE), on);
        gr_sched *s = sim_run(run_long, &w);
        if (on)
            ck_assert_uint_ge(w.st.queued_peak, 50);
        else
            ck_assert_uint_le(w.st.queued_peak, 4);
        finish(&w, s);
    }
}
END_TEST

Suite *suite_service_pool(void)
{
    Suite *s = suite_create("service_pool");
    TCase *tc = tcase_create("pool");
    tcase_add_test(tc, no_job_lost_or_run_twice);
    tcase_add_test(tc, stop_drains_within_grace);
    tcase_add_test(tc, stop_cancels_after_grace);
    tcase_add_test(tc, job_timeout_cancels_work);
    tcase_add_test(tc, full_queue_rejects);
    tcase_add_test(tc, rejects_after_stop);
    tcase_add_test(tc, submit_without_waiting);
    tcase_add_test(tc, stop_refuses_waiting_submitters);
    tcase_add_test(tc, exec_fault_fails_jobs);
    tcase_add_test(tc, config_errors_name_the_field);
    tcase_add_test(tc, scales_up_under_load_and_back_down);
    tcase_add_test(tc, fan_out_stays_within_the_task_budget);
    tcase_add_test(tc, cancellation_reaches_every_part);
    tcase_add_test(tc, unbounded_spawn_grows_tasks_with_load);
    tcase_add_test(tc, leak_on_cancel_leaves_workers_stuck);
    tcase_add_test(tc, leak_on_cancel_does_not_hang_stop);
    tcase_add_test(tc, no_close_jobs_leaves_workers_waiting);
    tcase_add_test(tc, ignore_ctx_keeps_working_after_give_up);
    tcase_add_test(tc, wg_add_in_task_loses_queued_work);
    tcase_add_test(tc, ticker_leak_keeps_a_ticker);
    tcase_add_test(tc, unbounded_queue_has_no_backpressure);
    tcase_add_test(tc, full_fault_holds_and_rejects_submitters);
    suite_add_tcase(s, tc);
    return s;
}
