/* pipeline.c — named stages, each with W workers and a bounded channel to
 * the next, run as one errgroup: a stage error cancels the group, every
 * stage exits, channels close stage by stage, the error is reported once.
 * Plus the send_after_close bug. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

typedef svc__job job;
struct pipe;

typedef struct stage {
    struct pipe *t;
    int k;
    svc_stage_cfg cfg;
    char name[GR_NAME_MAX];
    char point[2 * GR_NAME_MAX + 16]; /* svc/<pipeline>/<stage>/process */
    inj_site site;
    gr_chan *in, *out;       /* out: the next stage's in; NULL for the last */
    gr_wg *wg;               /* its workers */
    uint64_t peak;           /* most jobs its input held (stages after the first) */
    int exited;
} stage;

typedef struct pipe {
    svc base;
    svc_pipeline_cfg cfg;
    char name[GR_NAME_MAX];
    svc_ledger *ledger;
    inj *inj;
    gr_group *group;         /* every stage worker */
    gr_gate *done;           /* opened once the group is over */
    gr_chan *quit;           /* closed when it stops taking jobs */
    stage stages[SVC_STAGES_MAX];
    int n;
    bool accepting, stopped;
    svc__jobs jobs;
    svc_stats st;
} pipe;

static bool bug(const pipe *t, svc_bug b) { return t->cfg.bugs & SVC_BUG(b); }

/* ---------------------------------------------------------------- a job's way */

/* A job's outcome: the ledger, the counts, the reply. by_worker: the
 * reply comes from the task that ran the job — under the leak_on_cancel
 * bug only that one blocks on it; the stop path never does. */
static void settle(pipe *t, job *jb, int rc, bool by_worker)
{
    svc_job_state st = rc == 0                                 ? SVC_JOB_COMPLETED
                       : rc == -ECANCELED || rc == -ETIMEDOUT ? SVC_JOB_CANCELLED
                                                               : SVC_JOB_FAILED;
    svc__ledger_final(t->ledger, jb->rec, jb->id, st, jb->dep_err ? jb->dep_err : rc, gr_now());
    t->st.completed += st == SVC_JOB_COMPLETED;
    t->st.failed += st == SVC_JOB_FAILED;
    t->st.cancelled += st == SVC_JOB_CANCELLED;
    svc__job_reply(&t->jobs, jb, rc, by_worker);
}

static void finish(pipe *t, job *jb, int rc) { settle(t, jb, rc, true); }

/* A stage's work on a job: its fail point, then its cost (cut short by the
 * group's cancellation, the requester giving up or the job's deadline),
 * then its error rate. 0, the job's own cancellation, or a stage error. */
static int process(stage *sg, gr_ctx *ctx, job *jb)
{
    pipe *t = sg->t;
    int rc = INJ_POINT(t->inj, &sg->site, true, NULL);
    if (rc < 0)
        return rc;
    int64_t d = svc__cost(&sg->cfg.cost);
    if (bug(t, SVC_BUG_IGNORE_CTX)) {
        gr_work(d);
    } else if (d <= 0) { /* no work to wait through: is it still wanted? */
        if (gr_ctx_err(ctx))
            return gr_ctx_err(ctx);
        if (svc__job_given_up(jb))
            return -ECANCELED;
    } else {
        int64_t end = gr_deadline_in(d);
        bool times_out = jb->deadline != GR_FOREVER && jb->deadline < end;
        gr_case cs[2] = {GR_RECV(gr_ctx_done(ctx), NULL), GR_RECV(jb->cancel, NULL)};
        int i = gr_select(cs, 2, times_out ? jb->deadline : end);
        if (i >= 0)
            return i == 0 ? gr_ctx_err(ctx) : -ECANCELED;
        if (times_out)
            return -ETIMEDOUT;
    }
    if (sg->cfg.dep) {
        if (!bug(t, SVC_BUG_IGNORE_CTX) && (rc = svc__job_ctx_open(jb, ctx)) < 0)
            return rc;
        rc = svc__job_call_dep(jb, sg->cfg.dep);
        svc__job_ctx_close(jb);
        if (rc < 0)
            return rc;
    }
    return sg->cfg.error_rate > 0 && svc__unit() < sg->cfg.error_rate ? -EIO : 0;
}

/* Hand a job to the next stage, waiting for room unless cancelled. */
static int pass_on(stage *sg, gr_ctx *ctx, job *jb)
{
    stage *next = &sg->t->stages[sg->k + 1];
    if (!gr_ctx_err(ctx) && !gr_chan_closed(sg->out) && gr_chan_try_send(sg->out, &jb) == 0) {
        if (gr_chan_len(sg->out) > next->peak) /* room: no need to wait */
            next->peak = gr_chan_len(sg->out);
        return 0;
    }
    gr_case cs[2] = {GR_SEND(sg->out, &jb), GR_RECV(gr_ctx_done(ctx), NULL)};
    int i = gr_select(cs, 2, GR_FOREVER);
    if (i == 1)
        return gr_ctx_err(ctx);
    if (gr_chan_len(sg->out) > next->peak)
        next->peak = gr_chan_len(sg->out);
    return cs[0].ok ? 0 : -EPIPE; /* sent on a closed channel: a panic event */
}

/* A stage worker (an errgroup task): 0 when its input is closed and drained
 * or the group is cancelled; a stage error fails the group. */
static int stage_worker(gr_ctx *ctx, void *arg)
{
    stage *sg = arg;
    pipe *t = sg->t;
    int rc = 0;
    for (;;) {
        job *jb;
        if (gr_ctx_err(ctx) || gr_chan_try_recv(sg->in, &jb) != 0) {
            gr_case cs[2] = {GR_RECV(sg->in, &jb), GR_RECV(gr_ctx_done(ctx), NULL)};
            if (gr_select(cs, 2, GR_FOREVER) != 0 || !cs[0].ok)
                break;
        }
        if (sg->k == 0) {
            if (svc__job_given_up(jb) || (jb->deadline != GR_FOREVER && gr_now() >= jb->deadline)) {
                finish(t, jb, svc__job_given_up(jb) ? -ECANCELED : -ETIMEDOUT);
                continue;
            }
            svc__ledger_exec(t->ledger, jb->rec, jb->id);
            t->st.running++;
        }
        rc = process(sg, ctx, jb);
        if (rc == 0 && sg->out)
            rc = pass_on(sg, ctx, jb);
        if (rc == 0 && sg->out)
            continue; /* downstream now */
        t->st.running--;
        bool job_only = jb->dep_err != 0; /* its dependency call failed: not the stage */
        finish(t, jb, rc);
        if (job_only)
            continue;
        if (rc == -ECANCELED || rc == -ETIMEDOUT) {
            if (gr_ctx_err(ctx)) {
                rc = 0; /* the group was cancelled: leave quietly, not an error */
                break;
            }
            rc = 0;   /* the job's own cancellation: not a stage failure */
            continue;
        }
        if (rc < 0) {
            if (!t->st.cancel_at)
                t->st.cancel_at = gr_now();
            break; /* a stage error: fail the pipeline (the group cancels) */
        }
    }
    if (bug(t, SVC_BUG_SEND_AFTER_CLOSE) && sg->out && ++sg->exited == 1)
        gr_chan_close(sg->out); /* the bug: the first to leave closes it */
    gr_wg_done(sg->wg);
    return rc;
}

/* Close a stage's output once all its workers have left (the cascade). */
static void closer(void *arg)
{
    stage *sg = arg;
    gr_wg_wait(sg->wg);
    if (!bug(sg->t, SVC_BUG_SEND_AFTER_CLOSE))
        gr_chan_close(sg->out);
}

/* Cancel every job still sitting in a channel: nobody will run them. */
static void cancel_left(pipe *t)
{
    for (int k = 0; k < t->n; k++) {
        job *jb;
        while (gr_chan_try_recv(t->stages[k].in, &jb) == 0) {
            if (k > 0)
                t->st.running--;
            t->st.stop_dropped += t->stopped;
            settle(t, jb, -ECANCELED, false);
        }
    }
}

/* Stop taking jobs; wake submitters waiting for room (they are refused). */
static void refuse(pipe *t)
{
    if (t->accepting) {
        t->accepting = false;
        gr_chan_close(t->quit);
    }
}

/* Waits for the whole group; records its error once; cleans up. */
static void overseer(void *arg)
{
    pipe *t = arg;
    int rc = gr_group_wait(t->group);
    if (rc && !t->st.error)
        t->st.error = rc;
    refuse(t);
    cancel_left(t);
    t->st.exited_at = gr_now();
    gr_gate_open(t->done);
}

/* ---------------------------------------------------------------- the interface */

static int accept_job(svc *base, uint64_t id, int64_t deadline, bool async, job **out)
{
    pipe *t = (pipe *)base;
    int64_t now = gr_now();
    svc__rec *rec = svc__ledger_submit(t->ledger, id, now);
    t->st.submitted++;
    int rc = t->accepting ? 0 : -ESHUTDOWN;
    job *jb = rc ? NULL
                 : svc__job_get(&t->jobs, t, id,
                                t->cfg.job_timeout ? now + t->cfg.job_timeout : GR_FOREVER, async, rec);
    if (!rc && !jb)
        rc = -ENOMEM;
    if (!rc && gr_chan_try_send(t->stages[0].in, &jb) != 0) { /* no room: wait */
        /* quit is closed before the first channel is: see pipe_stop */
        gr_case cs[2] = {GR_SEND(t->stages[0].in, &jb), GR_RECV(t->quit, NULL)};
        int i = gr_select(cs, 2, deadline);
        rc = i < 0 ? -EAGAIN : i == 0 && cs[0].ok ? 0 : -ESHUTDOWN;
        if (rc < 0)
            jb->refs = 1; /* no stage will ever hold it */
    }
    if (rc < 0) {
        if (jb)
            svc__job_put(&t->jobs, jb);
        svc__ledger_final(t->ledger, rec, id, SVC_JOB_REJECTED, rc, gr_now());
        t->st.rejected++;
        return rc;
    }
    /* the channel's own depth: see the pool's enqueue */
    uint64_t q = gr_chan_len(t->stages[0].in);
    if (q > t->st.queued_peak)
        t->st.queued_peak = q;
    *out = async ? NULL : jb;
    return 0;
}


static int pipe_stop(svc *base, int64_t grace)
{
    pipe *t = (pipe *)base;
    if (t->stopped)
        return -EINVAL;
    t->stopped = true;
    t->st.stop_at = gr_now();
    refuse(t);
    gr_chan_close(t->stages[0].in); /* the cascade drains stage by stage */
    int rc = 0;
    if (gr_gate_wait(t->done, gr_deadline_in(grace)) < 0) {
        rc = -ETIMEDOUT; /* out of time: cancel the group */
        if (!t->st.cancel_at)
            t->st.cancel_at = gr_now();
        gr_ctx_cancel(gr_group_ctx(t->group));
        if (gr_gate_wait(t->done, gr_deadline_in(grace)) < 0)
            rc = -EBUSY;
    }
    cancel_left(t);
    return rc;
}

static void pipe_stats(const svc *base, svc_stats *out)
{
    const pipe *t = (const pipe *)base;
    *out = t->st;
    out->queued = gr_chan_len(t->stages[0].in); /* derived: nothing to keep in step */
    out->workers = 0;
    for (int k = 0; k < t->n; k++)
        out->workers += (uint64_t)gr_wg_count(t->stages[k].wg);
}

static size_t pipe_queues(const svc *base, svc_queue_info *out, size_t max)
{
    const pipe *t = (const pipe *)base;
    for (int k = 0; k < t->n && (size_t)k < max; k++) {
        const stage *sg = &t->stages[k];
        out[k] = (svc_queue_info){.name = sg->name, .len = gr_chan_len(sg->in),
                                  .cap = (uint64_t)sg->cfg.cap,
                                  .peak = k == 0 ? t->st.queued_peak : sg->peak};
    }
    return (size_t)t->n;
}

static void pipe_release(svc *base)
{
    pipe *t = (pipe *)base;
    svc__jobs_free(&t->jobs);
    free(t);
}

static const svc_ops pipe_ops = {accept_job, pipe_stop, pipe_stats, pipe_queues, pipe_release};

/* ---------------------------------------------------------------- start */

static int validate(const svc_pipeline_cfg *c, char *err, size_t len)
{
    if (c->name && (!*c->name || strlen(c->name) >= GR_NAME_MAX))
        return svc__fail(err, len, "name: must be 1 to %d characters", GR_NAME_MAX - 1);
    if (!c->stages || c->nstages < 1 || c->nstages > SVC_STAGES_MAX)
        return svc__fail(err, len, "stages: 1 to %d stages (got %d)", SVC_STAGES_MAX, c->nstages);
    if (c->job_timeout < 0)
        return svc__fail(err, len, "job_timeout: must be >= 0 (got %lld ns)", (long long)c->job_timeout);
    for (int k = 0; k < c->nstages; k++) {
        const svc_stage_cfg *s = &c->stages[k];
        char field[32];
        snprintf(field, sizeof field, "stages[%d].cost", k + 1);
        if (!s->name || !*s->name || strlen(s->name) >= GR_NAME_MAX)
            return svc__fail(err, len, "stages[%d].name: required, 1 to %d characters", k + 1, GR_NAME_MAX - 1);
        for (int m = 0; m < k; m++)
            if (strcmp(c->stages[m].name, s->name) == 0)
                return svc__fail(err, len, "stages[%d].name: \"%s\" is used twice", k + 1, s->name);
        if (s->workers < 1 || s->workers > 100000)
            return svc__fail(err, len, "stages[%d].workers: must be 1 to 100000 (got %d)", k + 1, s->workers);
        if (s->cap < 0 || s->cap > (1 << 20))
            return svc__fail(err, len, "stages[%d].cap: must be 0 to 1048576 (got %d)", k + 1, s->cap);
        if (isnan(s->error_rate) || s->error_rate < 0 || s->error_rate > 1)
            return svc__fail(err, len, "stages[%d].error_rate: must be in [0, 1] (got %g)", k + 1, s->error_rate);
        int rc = svc__check_cost(&s->cost, field, err, len);
        if (rc < 0)
            return rc;
    }
    unsigned allowed = SVC_BUG(SVC_BUG_IGNORE_CTX) | SVC_BUG(SVC_BUG_SEND_AFTER_CLOSE) |
                       SVC_BUG(SVC_BUG_LEAK_ON_CANCEL);
    return svc__check_bugs(c->bugs, allowed, "pipeline", err, len);
}

static int stage_init(pipe *t, int k)
{
    stage *sg = &t->stages[k];
    sg->t = t;
    sg->k = k;
    sg->cfg = t->cfg.stages[k];
    snprintf(sg->name, sizeof sg->name, "%s", sg->cfg.name);
    sg->cfg.name = sg->name;
    snprintf(sg->point, sizeof sg->point, "svc/%s/%s/process", t->name, sg->name);
    sg->site = INJ_SITE(sg->point);
    if (gr_chan_create(&sg->in, sg->name, sizeof(job *), (size_t)sg->cfg.cap) < 0 ||
        gr_wg_create(&sg->wg, sg->name) < 0)
        return -ENOMEM;
    return 0;
}

int svc_pipeline_start(svc **out, const svc_pipeline_cfg *cfg, svc_ledger *ledger, inj *j,
                       char *err, size_t errlen)
{
    if (!gr_current())
        return -EPERM;
    if (!out || !cfg || !ledger)
        return svc__fail(err, errlen, "config: required");
    int rc = validate(cfg, err, errlen);
    if (rc < 0 || (rc = svc_register_points()) < 0)
        return rc;
    pipe *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    t->base.ops = &pipe_ops;
    t->base.jobs = &t->jobs;
    t->cfg = *cfg;
    snprintf(t->name, sizeof t->name, "%s", cfg->name ? cfg->name : "pipeline");
    t->cfg.name = t->name;
    t->n = cfg->nstages;
    t->ledger = ledger;
    t->inj = j;
    t->jobs.unbuffered_reply = cfg->bugs & SVC_BUG(SVC_BUG_LEAK_ON_CANCEL);
    for (int k = 0; k < t->n && rc == 0; k++)
        rc = stage_init(t, k);
    if (rc < 0 || gr_group_create(&t->group, NULL, t->name, 0) < 0 ||
        gr_gate_create(&t->done, t->name, GR_WAIT_GATE) < 0 ||
        gr_chan_create(&t->quit, "quit", 0, 0) < 0) {
        free(t); /* the objects are the scheduler's; it frees them */
        return -ENOMEM;
    }
    for (int k = 0; k + 1 < t->n; k++)
        t->stages[k].out = t->stages[k + 1].in;
    t->accepting = true;
    for (int k = 0; k < t->n; k++) {
        stage *sg = &t->stages[k];
        gr_wg_add(sg->wg, sg->cfg.workers);
        t->st.workers_peak += (uint64_t)sg->cfg.workers; /* a fixed number */
        for (int w = 0; w < sg->cfg.workers; w++)
            gr_group_go(t->group, stage_worker, sg, "pipeline.worker");
        if (sg->out)
            gr_spawn(closer, sg, "pipeline.closer");
    }
    gr_spawn(overseer, t, "pipeline.overseer");
    *out = &t->base;
    return 0;
}
