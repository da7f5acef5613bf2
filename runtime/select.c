/* select.c — Go's select over N send/recv cases, with default (a past
 * deadline) and timeout, choosing uniformly among ready cases. */
#include <stdlib.h>

#include "runtime/gr_int.h"

static bool case_ready(const gr_case *c)
{
    if (!c->ch)
        return false;
    return c->op == GR_CASE_RECV ? gr__chan_recv_ready(c->ch) : gr__chan_send_ready(c->ch);
}

static int validate(gr_sched *s, const gr_case *cases, int n)
{
    if (n < 0 || n > GR_SELECT_MAX || (n > 0 && !cases))
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        const gr_case *c = &cases[i];
        if (c->op != GR_CASE_RECV && c->op != GR_CASE_SEND)
            return -EINVAL;
        if (!c->ch)
            continue;
        if (c->ch->s != s)
            return -EPERM;
        if (c->op == GR_CASE_SEND && !c->val && c->ch->esz)
            return -EINVAL;
    }
    return 0;
}

/* Perform ready case i and return i. */
static int perform(gr_sched *s, gr_case *c, int i)
{
    if (c->op == GR_CASE_RECV) {
        gr__chan_do_recv(c->ch, c->val, &c->ok);
    } else {
        c->ok = gr__chan_do_send(c->ch, c->val);
        if (!c->ok)
            gr__panic(s, GR_PANIC_SEND_CLOSED, c->ch->name);
    }
    gr__trace(s, (uint64_t)i + 1);
    return i;
}

/* Queue one waiter per non-NULL case (in spill when there are more than
 * fit in the task), park, and report the case that fired (its operation was
 * done by the task that woke us) or -ETIMEDOUT. Kept free of big locals: a
 * parked task's frames are what it touches first when it resumes. */
static int block(gr_sched *s, gr_case *cases, int n, int64_t deadline, gr__waiter *spill)
{
    gr__task *t = s->cur;
    gr__waiter *ws = gr__waiters(t, n, spill);
    for (int i = 0; i < n; i++) {
        ws[i].val = cases[i].val;
        if (cases[i].ch)
            gr__waitq_push(cases[i].op == GR_CASE_RECV ? &cases[i].ch->recvq
                                                       : &cases[i].ch->sendq,
                           &ws[i]);
    }
    if (deadline != GR_FOREVER)
        gr__timer_arm(s, &t->timer, deadline);
    int i = gr__park(s, GR_WAIT_SELECT, NULL, n);
    if (i >= 0) {
        gr_case *c = &cases[i];
        c->ok = ws[i].ok;
        if (c->op == GR_CASE_SEND && !c->ok)
            gr__panic(s, GR_PANIC_SEND_CLOSED, c->ch->name);
        gr__trace(s, (uint64_t)i + 1);
    }
    return i >= 0 ? i : -ETIMEDOUT;
}

static __attribute__((noinline)) int block_spilled(gr_sched *s, gr_case *cases, int n,
                                                    int64_t deadline)
{
    gr__waiter small[8], *spill = small;
    if (n > 8 && !(spill = malloc((size_t)n * sizeof *spill)))
        return -ENOMEM;
    int rc = block(s, cases, n, deadline, spill);
    if (spill != small)
        free(spill);
    return rc;
}

int gr_select(gr_case *cases, int n, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    int rc = validate(s, cases, n);
    if (rc < 0)
        return rc;
    int nready = 0;
    for (int i = 0; i < n; i++)
        nready += case_ready(&cases[i]);
    if (nready) {
        int k = nready == 1 ? 0 : (int)gr__rand_below(s, (uint64_t)nready);
        for (int i = 0; i < n; i++)
            if (case_ready(&cases[i]) && k-- == 0)
                return perform(s, &cases[i], i);
    }
    if (deadline != GR_FOREVER && deadline <= gr__clock_read(s))
        return -EAGAIN;
    if (n > GR__INLINE_WAITERS)
        return block_spilled(s, cases, n, deadline);
    return block(s, cases, n, deadline, NULL);
}
