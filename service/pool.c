/* pool.c — the worker pool: a bounded queue of jobs, N workers, a
 * deadline per job, requesters that may give up, graceful stop; and the
 * switches that re-introduce the pool's classic bugs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

typedef struct pool {
    svc base;                /* first: the interface */
    gr_sched *s;
    svc_pool_cfg cfg;
    char name[GR_NAME_MAX];
    char point[GR_NAME_MAX + 16];  /* svc/<name>/exec */
    inj_site exec_site;
    svc_ledger *ledger;
    inj *inj;
    gr_ctx *ctx;             /* cancelled when stop's grace runs out */
    gr_chan *jobs;           /* job * */
    gr_chan *quit;           /* closed by stop: the sampler exits */
    gr_wg *wg;               /* the workers */
    gr_gate *exited;         /* opened once the workers have all exited */
    gr_wg *inflight;         /* jobs accepted and not finished */
    gr_gate *drained;        /* opened by stop's drainer when inflight is 0 */
    gr_ticker *ticker;       /* samples the queue depth */
    bool accepting, stopped;
    int max_workers;         /* cfg.max_workers, or workers */
    int64_t idle_timeout;
    int idle;                /* workers waiting for a job */
    int starting;            /* workers spawned, not running yet */
    svc__jobs jobs_pool;
    svc_stats st;
} pool;

typedef svc__job job;

static bool bug(const pool *t, svc_bug b) { return t->cfg.bugs & SVC_BUG(b); }

/* ---------------------------------------------------------------- running a job */

/* Spend d of work unless the job is cancelled first (the pool's context,
 * its requester giving up, its own deadline): 0 or the reason. */
static int spend(pool *t, job *jb, int64_t d)
{
    if (bug(t, SVC_BUG_IGNORE_CTX)) { /* the bug: nothing stops the work */
        gr_work(d);
        return 0;
    }
    if (d <= 0) /* no work to wait through: just check it is still wanted */
        return gr_ctx_err(t->ctx) ? gr_ctx_err(t->ctx)
               : svc__job_given_up(jb) ? -ECANCELED
                                       : 0;
    int64_t end = gr_deadline_in(d);
    bool times_out = jb->deadline != GR_FOREVER && jb->deadline < end;
    gr_case cs[2] = {GR_RECV(gr_ctx_done(t->ctx), NULL), GR_RECV(jb->cancel, NULL)};
    int i = gr_select(cs, 2, times_out ? jb->deadline : end);
    if (i == 0)
        return gr_ctx_err(t->ctx);
    if (i == 1)
        return -ECANCELED;
    return times_out ? -ETIMEDOUT : 0; /* -ETIMEDOUT or -EAGAIN: the wait ended */
}

/* One part of a fanned-out job: its cost, cut short by the group's
 * context (the job's, cancelled like the job's work). */
typedef struct part_arg {
    pool *t;
    int running;             /* parts of this job running now */
} part_arg;

static int part(gr_ctx *ctx, void *arg)
{
    part_arg *pa = arg;
    pool *t = pa->t;
    if (++pa->running > (int)t->st.parts_peak)
        t->st.parts_peak = (uint64_t)pa->running;
    int64_t d = svc__cost(&t->cfg.cost);
    int rc = 0;
    if (bug(t, SVC_BUG_IGNORE_CTX)) {
        gr_work(d);
    } else if (d > 0) {
        gr_case cs[1] = {GR_RECV(gr_ctx_done(ctx), NULL)};
        if (gr_select(cs, 1, gr_deadline_in(d)) == 0)
            rc = gr_ctx_err(ctx);
    } else {
        rc = gr_ctx_err(ctx);
    }
    pa->running--;
    return rc;
}

/* The job's work as `fanout` parts, at most task_budget at once. */
static int fan_out(pool *t, job *jb)
{
    gr_group *g;
    int budget = t->cfg.task_budget ? t->cfg.task_budget : t->cfg.fanout;
    int rc = gr_group_create(&g, jb->ctx, "pool.parts", budget);
    if (rc < 0)
        return rc;
    part_arg pa = {t, 0};
    for (int i = 0; i < t->cfg.fanout && !gr_ctx_err(gr_group_ctx(g)); i++)
        if ((rc = (int)gr_group_go(g, part, &pa, "pool.part")) < 0)
            break; /* no memory for a part: the job fails once the others end */
    int wrc = gr_group_wait(g);
    gr_group_release(g);
    int why = svc__job_ctx_err(jb);
    return why ? why : rc < 0 ? rc : wrc;
}

static int work(pool *t, job *jb)
{
    int rc = INJ_POINT(t->inj, &t->exec_site, true, NULL); /* delay / block in place */
    if (rc < 0)
        return rc;
    if ((rc = t->cfg.fanout > 1 ? fan_out(t, jb) : spend(t, jb, svc__cost(&t->cfg.cost))) < 0)
        return rc;
    if (t->cfg.dep && (rc = svc__job_call_dep(jb, t->cfg.dep)) < 0)
        return rc;
    return t->cfg.error_rate > 0 && svc__unit() < t->cfg.error_rate ? -EIO : 0;
}

/* A job's outcome: the ledger, the counts, the reply. by_worker: the
 * reply comes from the task that ran the job — under the leak_on_cancel
 * bug only that one blocks on it; the stop path never does. */
static void settle(pool *t, job *jb, int rc, bool by_worker)
{
    svc_job_state st = rc == 0                                 ? SVC_JOB_COMPLETED
                       : rc == -ECANCELED || rc == -ETIMEDOUT ? SVC_JOB_CANCELLED
                                                               : SVC_JOB_FAILED;
    svc__ledger_final(t->ledger, jb->rec, jb->id, st, jb->dep_err ? jb->dep_err : rc, gr_now());
    t->st.completed += st == SVC_JOB_COMPLETED;
    t->st.failed += st == SVC_JOB_FAILED;
    t->st.cancelled += st == SVC_JOB_CANCELLED;
    svc__job_reply(&t->jobs_pool, jb, rc, by_worker);
}

static void finish(pool *t, job *jb, int rc) { settle(t, jb, rc, true); }

static void run_job(pool *t, job *jb)
{
    if (svc__job_given_up(jb) || (jb->deadline != GR_FOREVER && gr_now() >= jb->deadline)) {
        finish(t, jb, svc__job_given_up(jb) ? -ECANCELED : -ETIMEDOUT); /* nobody wants it */
        return;
    }
    t->st.running++;
    svc__ledger_exec(t->ledger, jb->rec, jb->id);
    /* a context for what cannot select on the job's cancellation itself:
     * its parts and its dependency call (ignore_ctx: none, the bug) */
    bool own_ctx = (t->cfg.dep || t->cfg.fanout > 1) && !bug(t, SVC_BUG_IGNORE_CTX);
    int rc = own_ctx ? svc__job_ctx_open(jb, t->ctx) : 0;
    if (rc == 0)
        rc = work(t, jb);
    if (own_ctx)
        svc__job_ctx_close(jb);
    t->st.running--;
    finish(t, jb, rc);
}

/* ---------------------------------------------------------------- tasks */

/* Run a job taken off the queue; inflight accounting around it. */
static void take(pool *t, job *jb)
{
    if (bug(t, SVC_BUG_WG_ADD_IN_TASK))
        gr_wg_add(t->inflight, 1); /* the bug: counted only once picked up */
    run_job(t, jb);
    gr_wg_done(t->inflight);
}

/* Wait for the next job: 0, or 1 to exit (cancelled, closed and drained,
 * or an added worker idle for idle_timeout). */
static int next_job(pool *t, job **jb)
{
    if (bug(t, SVC_BUG_NO_CLOSE_JOBS)) { /* the bug: range over a channel nobody closes */
        t->idle++;
        int rc = gr_chan_recv(t->jobs, jb);
        t->idle--;
        return rc != 0;
    }
    if (!gr_ctx_err(t->ctx) && gr_chan_try_recv(t->jobs, jb) == 0)
        return 0;
    for (;;) { /* nothing queued (or cancelled): wait for either */
        bool extra = t->st.workers > (uint64_t)t->cfg.workers;
        gr_case cs[2] = {GR_RECV(t->jobs, jb), GR_RECV(gr_ctx_done(t->ctx), NULL)};
        t->idle++;
        int i = gr_select(cs, 2, extra ? gr_deadline_in(t->idle_timeout) : GR_FOREVER);
        t->idle--;
        if (i == 0)
            return !cs[0].ok;
        if (i == 1 || t->st.workers > (uint64_t)t->cfg.workers)
            return 1; /* cancelled, or idle too long and still one too many */
    }
}

static void worker(void *arg)
{
    pool *t = arg;
    t->starting--;
    if (++t->st.workers > t->st.workers_peak)
        t->st.workers_peak = t->st.workers;
    job *jb;
    while (next_job(t, &jb) == 0)
        take(t, jb);
    t->st.workers--;
    gr_wg_done(t->wg);
}

/* The scaling rule, after a job is queued: while queued jobs outnumber
 * the workers idle or starting to take them, add a worker, up to
 * max_workers. */
static void scale_up(pool *t)
{
    while ((uint64_t)(t->idle + t->starting) < gr_chan_len(t->jobs) &&
           (int)t->st.workers + t->starting < t->max_workers) {
        gr_wg_add(t->wg, 1);
        t->starting++;
        if (gr_spawn(worker, t, "pool.worker") < 0) {
            t->starting--;
            gr_wg_done(t->wg); /* no memory: the workers there are carry on */
            return;
        }
    }
}

static void job_task(void *arg) /* unbounded_spawn: one task per job */
{
    job *jb = arg;
    take(jb->owner, jb);
}

static void reaper(void *arg) /* opens `exited` once every worker is done */
{
    pool *t = arg;
    gr_wg_wait(t->wg);
    gr_gate_open(t->exited);
}

static void drainer(void *arg) /* opens `drained` once no job is in flight */
{
    pool *t = arg;
    gr_wg_wait(t->inflight);
    gr_gate_open(t->drained);
}

static void sampler(void *arg) /* the queue depth, every 10 ms */
{
    pool *t = arg;
    for (;;) {
        if (bug(t, SVC_BUG_TICKER_LEAK)) { /* the bug: ranges over the ticker forever */
            gr_chan_recv(gr_ticker_chan(t->ticker), NULL);
        } else {
            gr_case cs[2] = {GR_RECV(gr_ticker_chan(t->ticker), NULL), GR_RECV(t->quit, NULL)};
            if (gr_select(cs, 2, GR_FOREVER) == 1) {
                gr_wg_done(t->wg); /* stop's exited gate waits for it too */
                return;
            }
        }
        uint64_t q = gr_chan_len(t->jobs);
        if (q > t->st.queued_peak)
            t->st.queued_peak = q;
    }
}

/* ---------------------------------------------------------------- the interface */

static int enqueue(pool *t, job *jb, int64_t deadline)
{
    if (bug(t, SVC_BUG_UNBOUNDED_SPAWN)) {
        int64_t id = gr_spawn(job_task, jb, "pool.job");
        return id < 0 ? (int)id : 0;
    }
    /* Stop closes quit before it closes jobs: a submitter waiting for room is
     * woken by quit, so nobody is ever left sending on a closed queue (and
     * while accepting, jobs is open: the try below cannot hit it closed). */
    if (gr_chan_try_send(t->jobs, &jb) != 0) {
        gr_case cs[2] = {GR_SEND(t->jobs, &jb), GR_RECV(t->quit, NULL)};
        int rc = gr_select(cs, 2, deadline);
        if (rc < 0)
            return -EAGAIN; /* the queue stayed full */
        if (rc == 1 || !cs[0].ok)
            return -ESHUTDOWN;
    }
    /* The depth is the channel's own: a submitter resumes after its send,
     * and a worker may have taken the job first (a count kept here went
     * below zero). Depth only grows at a send, so the peak is seen here. */
    uint64_t q = gr_chan_len(t->jobs);
    if (q > t->st.queued_peak)
        t->st.queued_peak = q;
    if (t->max_workers > t->cfg.workers)
        scale_up(t);
    return 0;
}

/* Accept job id (rejections are recorded and returned); *jb is the job
 * for a caller that waits for it (NULL when async). */
static int accept_job(svc *base, uint64_t id, int64_t deadline, bool async, job **out)
{
    pool *t = (pool *)base;
    int64_t now = gr_now();
    svc__rec *rec = svc__ledger_submit(t->ledger, id, now);
    t->st.submitted++;
    int rc = t->accepting ? 0 : -ESHUTDOWN;
    job *jb = rc ? NULL
                 : svc__job_get(&t->jobs_pool, t, id,
                                t->cfg.job_timeout ? now + t->cfg.job_timeout : GR_FOREVER, async, rec);
    if (!rc && !jb)
        rc = -ENOMEM;
    bool counted = !rc && !bug(t, SVC_BUG_WG_ADD_IN_TASK);
    if (counted)
        gr_wg_add(t->inflight, 1); /* before handing it over: correct */
    if (!rc && (rc = enqueue(t, jb, deadline)) < 0) {
        jb->refs = 1; /* no worker will ever hold it */
        if (counted)
            gr_wg_done(t->inflight);
    }
    if (rc < 0) {
        if (jb)
            svc__job_put(&t->jobs_pool, jb);
        svc__ledger_final(t->ledger, rec, id, SVC_JOB_REJECTED, rc, gr_now());
        t->st.rejected++;
        return rc;
    }
    *out = async ? NULL : jb;
    return 0;
}


int pool_stop(svc *base, int64_t grace)
{
    pool *t = (pool *)base;
    if (t->stopped)
        return -EINVAL;
    t->stopped = true;
    t->accepting = false;
    t->st.stop_at = gr_now();
    gr_chan_close(t->quit); /* first: releases submitters waiting for room */
    if (!bug(t, SVC_BUG_NO_CLOSE_JOBS))
        gr_chan_close(t->jobs); /* workers drain the queue, then exit */
    gr_spawn(drainer, t, "pool.drainer");
    int rc = 0;
    if (gr_gate_wait(t->drained, gr_deadline_in(grace)) < 0) {
        rc = -ETIMEDOUT; /* the grace ran out: what is left is cancelled */
        t->st.cancel_at = gr_now();
    }
    gr_ctx_cancel(t->ctx); /* drained (or out of time): release the workers */
    if (gr_gate_wait(t->exited, gr_deadline_in(grace)) < 0)
        rc = -EBUSY;
    else
        t->st.exited_at = gr_now();
    job *jb; /* whatever is still queued will never run */
    while (gr_chan_try_recv(t->jobs, &jb) == 0) { /* we take the worker's part */
        t->st.stop_dropped++;
        settle(t, jb, -ECANCELED, false);
        if (!bug(t, SVC_BUG_WG_ADD_IN_TASK))
            gr_wg_done(t->inflight);
    }
    if (!bug(t, SVC_BUG_TICKER_LEAK))
        gr_ticker_stop(t->ticker);
    return rc;
}

static void pool_stats(const svc *base, svc_stats *out)
{
    const pool *t = (const pool *)base;
    *out = t->st;
    out->queued = gr_chan_len(t->jobs); /* derived: nothing to keep in step */
}

static size_t pool_queues(const svc *base, svc_queue_info *out, size_t max)
{
    const pool *t = (const pool *)base;
    if (max > 0)
        out[0] = (svc_queue_info){.name = t->name, .len = gr_chan_len(t->jobs),
                                  .cap = (uint64_t)t->cfg.queue, .peak = t->st.queued_peak};
    return 1;
}

static void pool_release(svc *base)
{
    pool *t = (pool *)base;
    svc__jobs_free(&t->jobs_pool);
    free(t); /* objects still in use by leaked tasks belong to the scheduler */
}

static const svc_ops pool_ops = {accept_job, pool_stop, pool_stats, pool_queues, pool_release};

/* ---------------------------------------------------------------- start */

static unsigned pool_bugs(void)
{
    return SVC_BUG(SVC_BUG_UNBOUNDED_SPAWN) | SVC_BUG(SVC_BUG_LEAK_ON_CANCEL) |
           SVC_BUG(SVC_BUG_NO_CLOSE_JOBS) | SVC_BUG(SVC_BUG_IGNORE_CTX) |
           SVC_BUG(SVC_BUG_WG_ADD_IN_TASK) | SVC_BUG(SVC_BUG_TICKER_LEAK) |
           SVC_BUG(SVC_BUG_UNBOUNDED_QUEUE);
}

static int validate(const svc_pool_cfg *c, char *err, size_t len)
{
    if (c->name && (!*c->name || strlen(c->name) >= GR_NAME_MAX))
        return svc__fail(err, len, "name: must be 1 to %d characters", GR_NAME_MAX - 1);
    if (c->workers < 1 || c->workers > 100000)
        return svc__fail(err, len, "workers: must be 1 to 100000 (got %d)", c->workers);
    if (c->max_workers && (c->max_workers < c->workers || c->max_workers > 100000))
        return svc__fail(err, len, "max_workers: must be 0 or workers (%d) to 100000 (got %d)",
                         c->workers, c->max_workers);
    if (c->idle_timeout < 0)
        return svc__fail(err, len, "idle_timeout: must be >= 0 (got %lld ns)", (long long)c->idle_timeout);
    if (c->queue < 0 || c->queue > (1 << 20))
        return svc__fail(err, len, "queue: must be 0 to 1048576 (got %d)", c->queue);
    if (c->job_timeout < 0)
        return svc__fail(err, len, "job_timeout: must be >= 0 (got %lld ns)", (long long)c->job_timeout);
    if (c->fanout < 0 || c->fanout > 1024)
        return svc__fail(err, len, "fanout: must be 0 to 1024 (got %d)", c->fanout);
    if (c->task_budget < 0 || c->task_budget > 1024)
        return svc__fail(err, len, "task_budget: must be 0 to 1024 (got %d)", c->task_budget);
    if (isnan(c->error_rate) || c->error_rate < 0 || c->error_rate > 1)
        return svc__fail(err, len, "error_rate: must be in [0, 1] (got %g)", c->error_rate);
    int rc = svc__check_cost(&c->cost, "cost", err, len);
    if (rc < 0)
        return rc;
    return svc__check_bugs(c->bugs, pool_bugs(), "pool", err, len);
}

int svc_pool_start(svc **out, const svc_pool_cfg *cfg, svc_ledger *ledger, inj *j,
                   char *err, size_t errlen)
{
    if (!gr_current())
        return -EPERM;
    if (!out || !cfg || !ledger)
        return svc__fail(err, errlen, "config: required");
    int rc = validate(cfg, err, errlen);
    if (rc < 0 || (rc = svc_register_points()) < 0)
        return rc;
    pool *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->base.ops = &pool_ops;
    t->base.jobs = &t->jobs_pool;
    t->jobs_pool.unbuffered_reply = cfg->bugs & SVC_BUG(SVC_BUG_LEAK_ON_CANCEL);
    t->s = gr_current();
    t->cfg = *cfg;
    snprintf(t->name, sizeof t->name, "%s", cfg->name ? cfg->name : "pool");
    t->cfg.name = t->name;
    snprintf(t->point, sizeof t->point, "svc/%s/exec", t->name);
    t->exec_site = INJ_SITE(t->point);
    t->ledger = ledger;
    t->inj = j;
    t->max_workers = cfg->max_workers ? cfg->max_workers : cfg->workers;
    t->idle_timeout = cfg->idle_timeout ? cfg->idle_timeout : GR_S(1);
    int cap = bug(t, SVC_BUG_UNBOUNDED_QUEUE) ? (1 << 20) : cfg->queue; /* the bug */
    if (gr_ctx_with_cancel(&t->ctx, gr_ctx_background()) < 0 ||
        gr_chan_create(&t->jobs, t->name, sizeof(job *), (size_t)cap) < 0 ||
        gr_chan_create(&t->quit, "quit", 0, 0) < 0 || gr_wg_create(&t->wg, t->name) < 0 ||
        gr_gate_create(&t->exited, t->name, GR_WAIT_GATE) < 0 ||
        gr_wg_create(&t->inflight, "pool.inflight") < 0 ||
        gr_gate_create(&t->drained, "pool.drained", GR_WAIT_GATE) < 0 ||
        gr_ticker_create(&t->ticker, "pool.sampler", GR_MS(10)) < 0) {
        free(t); /* the objects are the scheduler's; it frees them */
        return -ENOMEM;
    }
    t->accepting = true;
    gr_wg_add(t->wg, cfg->workers + 1); /* the workers and the sampler: stop waits for both */
    t->starting = cfg->workers;
    for (int i = 0; i < cfg->workers; i++)
        gr_spawn(worker, t, "pool.worker");
    gr_spawn(reaper, t, "pool.reaper");
    gr_spawn(sampler, t, "pool.sampler");
    *out = &t->base;
    return 0;
}
