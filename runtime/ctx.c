/* ctx.c — Go's context: a tree of cancellation scopes with deadlines.
 * Cancelling a context closes its done channel and cancels every
 * descendant, iteratively (a deep chain never recurses). */
#include <stdlib.h>

#include "runtime/gr_int.h"

struct gr_ctx {
    gr__obj obj;
    gr_sched *s;
    gr_ctx *parent;
    gr_ctx *first, *last;   /* children, in creation order */
    gr_ctx *prev, *next;    /* siblings */
    gr_chan *done;          /* NULL for the background context */
    int err;                /* 0, -ECANCELED or -ETIMEDOUT */
    int64_t deadline;       /* effective: the earliest of its ancestors' */
    gr__timer tm;           /* armed while its own deadline is the earliest */
    gr_ctx_hook *hooks;     /* run once, at cancellation, in order added */
    gr_ctx_hook *hooks_last;
    bool background;
};

static void unlink_hook(gr_ctx_hook *h)
{
    gr_ctx *c = h->ctx;
    if (h->prev)
        h->prev->next = h->next;
    else
        c->hooks = h->next;
    if (h->next)
        h->next->prev = h->prev;
    else
        c->hooks_last = h->prev;
    h->prev = h->next = NULL;
    h->ctx = NULL;
}

static void cancel_one(gr_ctx *c, int err)
{
    c->err = err;
    gr__timer_stop(c->s, &c->tm);
    gr__chan_close(c->done);
    if (c->s->releasing) /* the hooks' memory may be gone */
        c->hooks = c->hooks_last = NULL;
    while (c->hooks) { /* a hook may add or remove others: take one at a time */
        gr_ctx_hook *h = c->hooks;
        unlink_hook(h);
        h->fn(h->arg);
    }
}

/* Cancel root and, in pre-order, every descendant not cancelled yet. A
 * cancelled context's descendants are all cancelled already (cancellation
 * always covers the whole subtree and children of a cancelled parent are
 * born cancelled), so such subtrees are skipped. */
static void cancel_tree(gr_ctx *root, int err)
{
    if (root->err)
        return;
    cancel_one(root, err);
    gr_ctx *cur = root->first;
    while (cur) {
        if (!cur->err) {
            cancel_one(cur, err);
            if (cur->first) {
                cur = cur->first;
                continue;
            }
        }
        while (cur && !cur->next) {
            cur = cur->parent;
            if (cur == root)
                cur = NULL;
        }
        if (cur)
            cur = cur->next;
    }
}

static void expire(gr_sched *s, gr__timer *tm)
{
    (void)s;
    cancel_tree(tm->arg, -ETIMEDOUT);
}

int gr__ctx_background_create(gr_sched *s)
{
    gr_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->s = s;
    c->background = true;
    c->deadline = GR_FOREVER;
    c->tm.hidx = -1;
    gr__obj_add(s, &c->obj, GR__OBJ_CTX);
    s->background = c;
    return 0;
}

gr_ctx *gr_ctx_background(void)
{
    gr_sched *s = gr__cur_sched;
    return s ? s->background : NULL;
}

static bool before(int64_t a, int64_t b) /* a earlier than b; FOREVER is last */
{
    return a != GR_FOREVER && (b == GR_FOREVER || a < b);
}

static int derive(gr_ctx **out, gr_ctx *parent, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out || !parent || parent->s != s)
        return -EINVAL;
    gr_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    int rc = gr__chan_create(s, &c->done, NULL, "ctx", 0, 0);
    if (rc == 0 && gr__timer_reserve(s, 1) < 0) {
        gr__chan_free(c->done);
        rc = -ENOMEM;
    }
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->s = s;
    c->tm = (gr__timer){.hidx = -1, .fn = expire, .arg = c};
    c->parent = parent;
    c->prev = parent->last;
    if (parent->last)
        parent->last->next = c;
    else
        parent->first = c;
    parent->last = c;
    gr__obj_add(s, &c->obj, GR__OBJ_CTX);
    bool own = before(deadline, parent->deadline);
    c->deadline = own ? deadline : parent->deadline;
    if (parent->err)
        cancel_tree(c, parent->err);
    else if (own && deadline <= gr__clock_read(s))
        cancel_tree(c, -ETIMEDOUT);
    else if (own)
        gr__timer_arm(s, &c->tm, deadline);
    *out = c;
    return 0;
}

int gr_ctx_with_cancel(gr_ctx **out, gr_ctx *parent)
{
    return derive(out, parent, GR_FOREVER);
}

int gr_ctx_with_deadline(gr_ctx **out, gr_ctx *parent, int64_t deadline)
{
    return derive(out, parent, deadline == GR_FOREVER ? GR_FOREVER : deadline < 0 ? 0 : deadline);
}

int gr_ctx_with_timeout(gr_ctx **out, gr_ctx *parent, int64_t timeout)
{
    return derive(out, parent, gr_deadline_in(timeout < 0 ? 0 : timeout));
}

int gr_ctx_cancel(gr_ctx *c)
{
    if (!c || c->background)
        return -EINVAL;
    cancel_tree(c, -ECANCELED);
    return 0;
}

int gr_ctx_hook_add(gr_ctx *c, gr_ctx_hook *h, void (*fn)(void *), void *arg)
{
    if (!c || !h || !fn || c->background)
        return -EINVAL;
    *h = (gr_ctx_hook){.fn = fn, .arg = arg};
    if (c->err) {
        fn(arg);
        return 0;
    }
    h->ctx = c;
    h->prev = c->hooks_last;
    if (c->hooks_last)
        c->hooks_last->next = h;
    else
        c->hooks = h;
    c->hooks_last = h;
    return 0;
}

bool gr_ctx_hook_del(gr_ctx_hook *h)
{
    if (!h || !h->ctx)
        return false;
    unlink_hook(h);
    return true;
}

int gr_ctx_err(const gr_ctx *c) { return c ? c->err : -EINVAL; }
gr_chan *gr_ctx_done(const gr_ctx *c) { return c ? c->done : NULL; }
int64_t gr_ctx_deadline(const gr_ctx *c) { return c ? c->deadline : GR_FOREVER; }

void gr__ctx_free(gr_ctx *c)
{
    gr_sched *s = c->s;
    if (!c->background) {
        cancel_tree(c, -ECANCELED);
        gr__timer_unreserve(s, 1);
    }
    if (c->parent) {
        gr_ctx *p = c->parent;
        if (c->prev)
            c->prev->next = c->next;
        else
            p->first = c->next;
        if (c->next)
            c->next->prev = c->prev;
        else
            p->last = c->prev;
    }
    for (gr_ctx *k = c->first, *nx; k; k = nx) {
        nx = k->next;
        k->parent = k->prev = k->next = NULL;
    }
    if (c->done)
        gr__chan_free(c->done);
    gr__obj_del(s, &c->obj);
    if (s->background == c)
        s->background = NULL;
    free(c);
}

void gr_ctx_release(gr_ctx *c)
{
    if (c && !c->background)
        gr__ctx_free(c);
}
