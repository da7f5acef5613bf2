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

/* ---------------------------------------------------------------- full faults */

/* A select with fail points on: a send case that a `full` fault holds
 * (gr_fault_hook.full) is not ready and not queued (no receiver may take
 * its value); the select waits on its other cases, on the end of the
 * fault's window (a timer) and on any change of the armed set
 * (s->fault_waitq), then looks again. Each look at a held point is a hit
 * of its `full` faults. Cold: only selects under faults come here. */

static int64_t earlier(int64_t a, int64_t b)
{
    return a == GR_FOREVER ? b : b == GR_FOREVER ? a : a < b ? a : b;
}

/* Perform one ready case not held, chosen uniformly; -1 if none. */
static int perform_unheld(gr_sched *s, gr_case *cases, int n, const bool *held)
{
    int nready = 0;
    for (int i = 0; i < n; i++)
        nready += !held[i] && case_ready(&cases[i]);
    if (!nready)
        return -1;
    int k = nready == 1 ? 0 : (int)gr__rand_below(s, (uint64_t)nready);
    for (int i = 0; i < n; i++)
        if (!held[i] && case_ready(&cases[i]) && k-- == 0)
            return perform(s, &cases[i], i);
    return -1;
}

/* Park on the cases not held and on the armed set's next change (waiter
 * n) until deadline: the case that fired, n, or -ETIMEDOUT. */
static int block_held(gr_sched *s, gr_case *cases, int n, const bool *held, int64_t deadline)
{
    gr__waiter small[8], *spill = small;
    if (n + 1 > 8 && !(spill = malloc((size_t)(n + 1) * sizeof *spill)))
        return -ENOMEM;
    gr__task *t = s->cur;
    gr__waiter *ws = gr__waiters(t, n + 1, spill);
    for (int i = 0; i < n; i++) {
        ws[i].val = cases[i].val;
        if (cases[i].ch && !held[i])
            gr__waitq_push(cases[i].op == GR_CASE_RECV ? &cases[i].ch->recvq
                                                       : &cases[i].ch->sendq,
                           &ws[i]);
    }
    gr__waitq_push(&s->fault_waitq, &ws[n]);
    if (deadline != GR_FOREVER)
        gr__timer_arm(s, &t->timer, deadline);
    int i = gr__park(s, GR_WAIT_SELECT, NULL, n);
    if (i >= 0 && i < n) {
        gr_case *c = &cases[i];
        c->ok = ws[i].ok;
        if (c->op == GR_CASE_SEND && !c->ok)
            gr__panic(s, GR_PANIC_SEND_CLOSED, c->ch->name);
        gr__trace(s, (uint64_t)i + 1);
    }
    if (spill != small)
        free(spill);
    return i >= 0 ? i : -ETIMEDOUT;
}

static __attribute__((noinline, cold)) int select_held(gr_sched *s, gr_case *cases, int n,
                                                       int64_t deadline, bool *held)
{
    for (;;) {
        int64_t until = GR_FOREVER;
        int nheld = 0;
        for (int i = 0; i < n; i++) {
            int64_t u = GR_FOREVER;
            held[i] = cases[i].ch && cases[i].op == GR_CASE_SEND &&
                      gr__fault_full(s, &cases[i].ch->points, cases[i].ch->name, &u);
            if (held[i]) {
                nheld++;
                until = earlier(until, u);
            }
        }
        int rc = perform_unheld(s, cases, n, held);
        if (rc >= 0)
            return rc;
        int64_t now = gr__clock_read(s);
        if (deadline != GR_FOREVER && deadline <= now)
            return -EAGAIN;
        if (!nheld) /* nothing held (any more): an ordinary wait */
            return n > GR__INLINE_WAITERS ? block_spilled(s, cases, n, deadline)
                                          : block(s, cases, n, deadline, NULL);
        rc = block_held(s, cases, n, held, earlier(deadline, until));
        if (rc >= 0 && rc < n)
            return rc;
        if (rc == -ENOMEM || (rc == -ETIMEDOUT && deadline != GR_FOREVER &&
                              gr__clock_read(s) >= deadline))
            return rc;
        /* the window ended or the armed set changed: look again */
    }
}

/* Whether a send case of the select sits on a channel whose send point is
 * armed: only then can a `full` fault hold it. */
static bool send_point_armed(gr_sched *s, const gr_case *cases, int n)
{
    if (!s->fault_hook.full)
        return false;
    for (int i = 0; i < n; i++) {
        if (!cases[i].ch || cases[i].op != GR_CASE_SEND)
            continue;
        const gr__points *p = &cases[i].ch->points;
        if (p->gen != s->fault_gen || (p->mask & (1u << GR__FAULT_SEND)))
            return true; /* armed, or not asked since the set changed: look */
    }
    return false;
}

static __attribute__((noinline, cold)) int select_faulted(gr_sched *s, gr_case *cases, int n,
                                                          int64_t deadline)
{
    bool small[8], *held = small;
    if (n > 8 && !(held = malloc((size_t)n * sizeof *held)))
        return -ENOMEM;
    int rc = select_held(s, cases, n, deadline, held);
    if (held != small)
        free(held);
    return rc;
}

/* ---------------------------------------------------------------- select */

int gr_select(gr_case *cases, int n, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    int rc = validate(s, cases, n);
    if (rc < 0)
        return rc;
    if (GR__FAULTS_ON(s) && send_point_armed(s, cases, n))
        return select_faulted(s, cases, n, deadline);
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
