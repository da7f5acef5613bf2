/* group.c — errgroup: tasks sharing a context; the first error cancels it
 * and is what wait returns; an optional limit on tasks running at once. */
#include <stdlib.h>

#include "runtime/gr_int.h"

struct gr_group {
    gr__obj obj;
    gr_sched *s;
    gr_ctx *ctx;
    int limit;          /* <= 0: none */
    int64_t running;
    int err;            /* first non-zero return */
    gr__waitq slotq;    /* gr_group_go callers waiting for a free slot */
    gr__waitq waitq;    /* gr_group_wait callers */
    char *name;
};

int gr_group_create(gr_group **out, gr_ctx *parent, const char *name, int limit)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out)
        return -EINVAL;
    gr_group *g = calloc(1, sizeof *g);
    if (!g || !(g->name = gr__name_dup(s, name, "group"))) {
        free(g);
        return -ENOMEM;
    }
    int rc = gr_ctx_with_cancel(&g->ctx, parent ? parent : gr_ctx_background());
    if (rc < 0) {
        free(g->name);
        free(g);
        return rc;
    }
    g->s = s;
    g->limit = limit;
    gr__obj_add(s, &g->obj, GR__OBJ_GROUP);
    *out = g;
    return 0;
}

gr_ctx *gr_group_ctx(const gr_group *g) { return g ? g->ctx : NULL; }

/* A task leaves the group: its slot goes straight to the first queued
 * gr_group_go caller (so callers are served in order), else frees up. */
static void leave(gr_group *g)
{
    gr__waiter *w = gr__waitq_pop(&g->slotq);
    if (w) {
        w->ok = true;
        gr__wake(g->s, w);
        return;
    }
    if (--g->running == 0)
        while ((w = gr__waitq_pop(&g->waitq))) {
            w->ok = true;
            gr__wake(g->s, w);
        }
}

/* A group task's function and argument travel in its task struct (aux), so
 * nothing is allocated that a task never run could leak. */
static void group_task(void *p)
{
    gr_group *g = p;
    gr__task *self = g->s->cur;
    gr_group_fn fn = (gr_group_fn)(uintptr_t)self->aux[0];
    int rc = fn(g->ctx, self->aux[1]);
    if (rc != 0 && g->err == 0) {
        g->err = rc;
        gr_ctx_cancel(g->ctx);
    }
    leave(g);
}

int64_t gr_group_go_at(gr_group *g, gr_group_fn fn, void *arg, const char *name,
                       bool try_only, const char *file, int line)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!g || !fn)
        return -EINVAL;
    if (g->limit > 0 && g->running >= g->limit) {
        if (try_only)
            return -EAGAIN;
        gr__wait_one(s, &g->slotq, GR_WAIT_GROUP_GO, g->name, NULL); /* woken holding a slot */
    } else {
        g->running++;
    }
    int64_t id = gr__spawn(s, group_task, g, name, NULL, file, line);
    if (id < 0) {
        leave(g);
        return id;
    }
    s->tasks_tail->aux[0] = (void *)(uintptr_t)fn; /* the task just spawned */
    s->tasks_tail->aux[1] = arg;
    return id;
}

int gr_group_wait(gr_group *g)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!g)
        return -EINVAL;
    if (g->running > 0)
        gr__wait_one(s, &g->waitq, GR_WAIT_GROUP_WAIT, g->name, NULL);
    gr_ctx_cancel(g->ctx);
    return g->err;
}

void gr__group_free(gr_group *g)
{
    gr__obj_del(g->s, &g->obj);
    free(g->name);
    free(g);
}

int gr_group_release(gr_group *g)
{
    if (!g)
        return 0;
    if (g->running > 0)
        return -EBUSY;
    gr_ctx_release(g->ctx);
    gr__group_free(g);
    return 0;
}
