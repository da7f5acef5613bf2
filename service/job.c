/* job.c — jobs in flight: pooled records shared by a requester and the
 * task running it, with a reply slot and a give-up token. */
#include <errno.h>
#include <stdlib.h>

#include "service/svc_int.h"

svc__job *svc__job_alloc(svc__jobs *p)
{
    svc__job *jb = calloc(1, sizeof *jb);
    if (!jb)
        return NULL;
    if (gr_chan_create(&jb->reply, "reply", sizeof(int), p->unbuffered_reply ? 0 : 1) < 0 ||
        gr_chan_create(&jb->cancel, "cancel", 0, 1) < 0) {
        gr_chan_release(jb->reply);
        free(jb);
        return NULL;
    }
    jb->all = p->all;
    p->all = jb;
    return jb;
}

void svc__job_drain(svc__job *jb)
{
    while (gr_chan_try_recv(jb->reply, NULL) == 0)
        ;
    while (gr_chan_try_recv(jb->cancel, NULL) == 0)
        ;
}

void svc__job_answer(svc__jobs *p, svc__job *jb, int rc, bool by_worker)
{
    if (p->unbuffered_reply && by_worker)
        gr_chan_send(jb->reply, &rc); /* the bug: nobody may ever read it */
    else
        gr_chan_try_send(jb->reply, &rc); /* cap 1: never blocks */
}

int svc__job_wait(svc__jobs *p, svc__job *jb, int64_t deadline)
{
    int res = 0;
    if (deadline == GR_FOREVER) { /* no giving up: a plain receive */
        gr_chan_recv(jb->reply, &res);
        svc__job_put(p, jb);
        return res;
    }
    gr_case cs[1] = {GR_RECV(jb->reply, &res)};
    if (gr_select(cs, 1, deadline) == 0 && cs[0].ok) {
        svc__job_put(p, jb);
        return res;
    }
    jb->given_up = true;
    gr_chan_try_send(jb->cancel, NULL); /* we give up: wake whoever runs it */
    if (jb->ctx)
        gr_ctx_cancel(jb->ctx);         /* and interrupt its dependency call */
    svc__job_put(p, jb);
    return -ETIMEDOUT;
}

int svc__job_ctx_open(svc__job *jb, gr_ctx *parent)
{
    int rc = gr_ctx_with_deadline(&jb->ctx, parent, jb->deadline);
    if (rc < 0) {
        jb->ctx = NULL;
        return rc;
    }
    if (svc__job_given_up(jb))
        gr_ctx_cancel(jb->ctx);
    return 0;
}

void svc__job_ctx_close(svc__job *jb)
{
    gr_ctx_release(jb->ctx);
    jb->ctx = NULL;
}

int svc__job_ctx_err(const svc__job *jb)
{
    int why = jb->ctx ? gr_ctx_err(jb->ctx) : 0;
    return why && svc__job_given_up(jb) ? -ECANCELED : why;
}

int svc__job_call_dep(svc__job *jb, svc_client *dep)
{
    int rc;
    if (!jb->ctx) { /* ignore_ctx (the bug): nothing the job's cancellation can reach */
        rc = svc_client_call(dep, jb->id, GR_FOREVER);
    } else {
        rc = svc_client_call_ctx(dep, jb->id, jb->ctx);
        int why = svc__job_ctx_err(jb);
        if (why)
            return why;
    }
    if (rc < 0) {
        jb->dep_err = rc;
        return -EIO;
    }
    return 0;
}

void svc__jobs_free(svc__jobs *p)
{
    for (svc__job *jb = p->all, *nx; jb; jb = nx) {
        nx = jb->all;
        gr_chan_release(jb->reply); /* -EBUSY if a leaked task still sends on it: */
        gr_chan_release(jb->cancel); /* then the scheduler frees it later */
        free(jb);
    }
    p->all = p->free = NULL;
}
