/* fault.c — fail points: the fault hook, each channel's cached armed mask
 * and point names; and gates, where a fault layer parks tasks. */
#include <stdlib.h>

#include "runtime/gr_int.h"

/* ---------------------------------------------------------------- hook */

/* The armed set (or the hook) changed: points ask again, and selects held
 * by a `full` fault look again. */
static void refresh(gr_sched *s)
{
    s->fault_gen++;
    s->faults_on = s->faults_any && s->fault_hook.hit && s->fault_hook.armed;
    gr__waiter *w;
    while ((w = gr__waitq_pop(&s->fault_waitq)))
        gr__wake(s, w);
}

void gr_sched_set_fault_hook(gr_sched *s, const gr_fault_hook *hook)
{
    s->fault_hook = hook ? *hook : (gr_fault_hook){0};
    refresh(s);
}

void gr_sched_faults_changed(gr_sched *s, bool any)
{
    s->faults_any = any;
    refresh(s);
}

const char *const gr__chan_ops[2] = {"send", "recv"};
const char *const gr__net_ops[4] = {"accept", "connect", "read", "write"};

/* "<family>/<obj>/<op>", built the first time it is asked for. NULL on
 * ENOMEM (the point then counts as not armed). */
static const char *point_name(gr__points *p, const char *obj, int op)
{
    if (!p->name[op]) {
        size_t n = strlen(p->family) + strlen(obj) + strlen(p->ops[op]) + 3;
        if ((p->name[op] = malloc(n)))
            snprintf(p->name[op], n, "%s/%s/%s", p->family, obj, p->ops[op]);
    }
    return p->name[op];
}

/* Whether op of obj's points is armed, asking the hook again once the
 * armed set has changed. */
static bool armed(gr_sched *s, gr__points *p, const char *obj, int op)
{
    if (p->gen != s->fault_gen) { /* the armed set changed: ask again */
        p->gen = s->fault_gen;
        p->mask = 0;
        for (int i = 0; i < p->nops; i++) {
            const char *n = point_name(p, obj, i);
            if (n && s->fault_hook.armed(s->fault_hook.ctx, n))
                p->mask |= 1u << i;
        }
    }
    return p->mask & (1u << op);
}

int gr__fault_at(gr_sched *s, gr__points *p, const char *obj, int op, bool can_block,
                 int64_t deadline, gr_fault_res *res)
{
    if (!armed(s, p, obj, op))
        return 0;
    return s->fault_hook.hit(s->fault_hook.ctx, p->name[op], can_block, deadline, res);
}

bool gr__fault_full(gr_sched *s, gr__points *p, const char *obj, int64_t *until)
{
    return s->fault_hook.full && armed(s, p, obj, GR__FAULT_SEND) &&
           s->fault_hook.full(s->fault_hook.ctx, p->name[GR__FAULT_SEND], until);
}

void gr__points_free(gr__points *p)
{
    for (int i = 0; i < 4; i++)
        free(p->name[i]);
}

int gr__fault_spawn(gr_sched *s, const char *task_name)
{
    char p[GR_NAME_MAX + 16];
    snprintf(p, sizeof p, "task/spawn/%s", task_name ? task_name : "");
    if (!s->fault_hook.armed(s->fault_hook.ctx, p))
        return 0;
    gr_fault_res res = {false, false, -1};
    int rc = s->fault_hook.hit(s->fault_hook.ctx, p, true, GR_FOREVER, &res);
    return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------- gates */

struct gr_gate {
    gr__obj obj;
    gr_sched *s;
    bool open;
    gr_wait why;
    gr__waitq q;
    size_t waiting;
    char *name;
};

int gr_gate_create(gr_gate **out, const char *name, gr_wait why)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out || (unsigned)why > GR_WAIT_FAULT_FULL)
        return -EINVAL;
    gr_gate *g = calloc(1, sizeof *g);
    if (!g || !(g->name = gr__name_dup(s, name, "gate"))) {
        free(g);
        return -ENOMEM;
    }
    g->s = s;
    g->why = why;
    gr__obj_add(s, &g->obj, GR__OBJ_GATE);
    *out = g;
    return 0;
}

int gr_gate_wait(gr_gate *g, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!g)
        return -EINVAL;
    if (g->open)
        return 0;
    if (deadline != GR_FOREVER && deadline <= gr__clock_read(s))
        return -ETIMEDOUT;
    gr__waiter *w = gr__waiters(s->cur, 1, NULL);
    gr__waitq_push(&g->q, w);
    g->waiting++;
    if (deadline != GR_FOREVER)
        gr__timer_arm(s, &s->cur->timer, deadline);
    int fired = gr__park(s, g->why, g->name, 0);
    g->waiting--;
    return fired >= 0 ? 0 : -ETIMEDOUT;
}

void gr_gate_open(gr_gate *g)
{
    if (!g)
        return;
    g->open = true;
    gr__waiter *w;
    while ((w = gr__waitq_pop(&g->q))) {
        w->ok = true;
        gr__wake(g->s, w);
    }
}

void gr_gate_close(gr_gate *g)
{
    if (g)
        g->open = false;
}

bool gr_gate_is_open(const gr_gate *g) { return g && g->open; }
size_t gr_gate_waiting(const gr_gate *g) { return g ? g->waiting : 0; }

void gr__gate_free(gr_gate *g)
{
    gr__obj_del(g->s, &g->obj);
    free(g->name);
    free(g);
}

int gr_gate_release(gr_gate *g)
{
    if (!g)
        return 0;
    if (g->q.head)
        return -EBUSY;
    gr__gate_free(g);
    return 0;
}
