/* chan.c — channels: unbuffered (rendezvous) and buffered FIFO, with
 * close, and the wait queues every blocking primitive shares. */
#include <stdlib.h>

#include "runtime/gr_int.h"

/* ---------------------------------------------------------------- create */

#define GR__CHAN_CAP_MAX ((size_t)1 << 30)
#define GR__CHAN_BYTES_MAX ((size_t)1 << 32)

int gr__chan_create(gr_sched *s, gr_chan **out, const char *name, const char *kind,
                    size_t esz, size_t cap)
{
    if (!out || cap > GR__CHAN_CAP_MAX || (esz && cap > GR__CHAN_BYTES_MAX / esz))
        return -EINVAL;
    gr_chan *ch = calloc(1, sizeof *ch);
    if (!ch)
        return -ENOMEM;
    ch->s = s;
    ch->points = (gr__points){.family = "chan", .ops = gr__chan_ops, .nops = 2};
    ch->esz = esz;
    ch->cap = cap;
    ch->name = gr__name_dup(s, name, kind);
    if (cap && esz)
        ch->buf = malloc(cap * esz);
    if (!ch->name || (cap && esz && !ch->buf)) {
        free(ch->buf);
        free(ch->name);
        free(ch);
        return -ENOMEM;
    }
    *out = ch;
    return 0;
}

int gr_chan_create(gr_chan **out, const char *name, size_t elem_size, size_t cap)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    int rc = gr__chan_create(s, out, name, "chan", elem_size, cap);
    if (rc == 0) {
        (*out)->listed = true;
        gr__obj_add(s, &(*out)->obj, GR__OBJ_CHAN);
    }
    return rc;
}

void gr__chan_free(gr_chan *ch)
{
    if (ch->listed)
        gr__obj_del(ch->s, &ch->obj);
    free(ch->buf);
    gr__points_free(&ch->points);
    free(ch->name);
    free(ch);
}

int gr_chan_release(gr_chan *ch)
{
    if (!ch)
        return 0;
    if (ch->sendq.head || ch->recvq.head)
        return -EBUSY;
    gr__chan_free(ch);
    return 0;
}

/* ---------------------------------------------------------------- core ops */

bool gr__chan_send_ready(const gr_chan *ch)
{
    return ch->closed || ch->recvq.head || ch->len < ch->cap;
}

bool gr__chan_recv_ready(const gr_chan *ch)
{
    return ch->len || ch->sendq.head || ch->closed;
}

static unsigned char *slot(gr_chan *ch, size_t i)
{
    size_t k = ch->head + i;
    if (k >= ch->cap)
        k -= ch->cap;
    return ch->buf + k * ch->esz;
}

bool gr__chan_do_send(gr_chan *ch, const void *val)
{
    if (ch->closed)
        return false;
    gr__waiter *w = gr__waitq_pop(&ch->recvq);
    if (w) { /* a receiver waits: hand the value over directly */
        if (w->val)
            gr__copy(w->val, val, ch->esz);
        w->ok = true;
        gr__wake(ch->s, w);
        return true;
    }
    if (ch->esz)
        gr__copy(slot(ch, ch->len), val, ch->esz);
    ch->len++;
    return true;
}

void gr__chan_do_recv(gr_chan *ch, void *out, bool *ok)
{
    gr__waiter *w;
    if (ch->len) {
        if (out && ch->esz)
            gr__copy(out, slot(ch, 0), ch->esz);
        if (++ch->head == ch->cap)
            ch->head = 0;
        ch->len--;
        if ((w = gr__waitq_pop(&ch->sendq))) { /* a sender waits: refill */
            if (ch->esz)
                gr__copy(slot(ch, ch->len), w->val, ch->esz);
            ch->len++;
            w->ok = true;
            gr__wake(ch->s, w);
        }
        *ok = true;
    } else if ((w = gr__waitq_pop(&ch->sendq))) { /* rendezvous */
        if (out && ch->esz)
            gr__copy(out, w->val, ch->esz);
        w->ok = true;
        gr__wake(ch->s, w);
        *ok = true;
    } else { /* closed and drained */
        if (out && ch->esz)
            memset(out, 0, ch->esz);
        *ok = false;
    }
}

void gr__chan_close(gr_chan *ch)
{
    gr__waiter *w;
    ch->closed = true;
    while ((w = gr__waitq_pop(&ch->recvq))) {
        if (w->val && ch->esz)
            memset(w->val, 0, ch->esz);
        w->ok = false;
        gr__wake(ch->s, w);
    }
    while ((w = gr__waitq_pop(&ch->sendq))) {
        w->ok = false;
        gr__wake(ch->s, w);
    }
}

/* ---------------------------------------------------------------- public ops */

/* The scheduler of ch if the caller is one of its tasks, else NULL. */
static gr_sched *owner(const gr_chan *ch)
{
    gr_sched *s = ch->s;
    return s == gr__cur_sched && s->cur ? s : NULL;
}

static int send_closed(gr_chan *ch)
{
    gr__panic(ch->s, GR_PANIC_SEND_CLOSED, ch->name);
    return -EPIPE;
}

/* The operations proper, after validation and fail points. */
static inline int send_core(gr_sched *s, gr_chan *ch, const void *val)
{
    if (gr__chan_send_ready(ch))
        return gr__chan_do_send(ch, val) ? 0 : send_closed(ch);
    return gr__wait_one(s, &ch->sendq, GR_WAIT_CHAN_SEND, ch->name, (void *)val)->ok
               ? 0
               : send_closed(ch);
}

static inline int recv_core(gr_sched *s, gr_chan *ch, void *out)
{
    bool ok;
    if (gr__chan_recv_ready(ch)) {
        gr__chan_do_recv(ch, out, &ok);
        return ok ? 0 : -EPIPE;
    }
    return gr__wait_one(s, &ch->recvq, GR_WAIT_CHAN_RECV, ch->name, out)->ok ? 0 : -EPIPE;
}

static inline int try_send_core(gr_chan *ch, const void *val)
{
    if (!gr__chan_send_ready(ch))
        return -EAGAIN;
    return gr__chan_do_send(ch, val) ? 0 : send_closed(ch);
}

static inline int try_recv_core(gr_chan *ch, void *out)
{
    if (!gr__chan_recv_ready(ch))
        return -EAGAIN;
    bool ok;
    gr__chan_do_recv(ch, out, &ok);
    return ok ? 0 : -EPIPE;
}

/* The same with the fail point evaluated first. Kept out of line (and cold)
 * so that the operations' fast path stays as lean as with no points at all:
 * one load and a branch. */
#define GR__COLD __attribute__((noinline, cold))

static GR__COLD int send_faulted(gr_sched *s, gr_chan *ch, const void *val, bool block)
{
    gr_fault_res res = {false, false, -1};
    int f = gr__fault_at(s, &ch->points, ch->name, GR__FAULT_SEND, block, GR_FOREVER, &res);
    if (f < 0)
        return f;
    if (!block)
        return res.full ? -EAGAIN : try_send_core(ch, val);
    return send_core(s, ch, val); /* a blocking send waited in hit() */
}

static GR__COLD int recv_faulted(gr_sched *s, gr_chan *ch, void *out, bool block)
{
    gr_fault_res res = {false, false, -1};
    int f = gr__fault_at(s, &ch->points, ch->name, GR__FAULT_RECV, block, GR_FOREVER, &res);
    if (f < 0)
        return f;
    return block ? recv_core(s, ch, out) : try_recv_core(ch, out);
}

int gr_chan_send(gr_chan *ch, const void *val)
{
    if (!ch)
        return gr__sched() ? -EINVAL : -EPERM;
    gr_sched *s = owner(ch);
    if (!s)
        return -EPERM;
    if (!val && ch->esz)
        return -EINVAL;
    if (GR__FAULTS_ON(s))
        return send_faulted(s, ch, val, true);
    return send_core(s, ch, val);
}

int gr_chan_recv(gr_chan *ch, void *out)
{
    if (!ch)
        return gr__sched() ? -EINVAL : -EPERM;
    gr_sched *s = owner(ch);
    if (!s)
        return -EPERM;
    if (GR__FAULTS_ON(s))
        return recv_faulted(s, ch, out, true);
    return recv_core(s, ch, out);
}

int gr_chan_recv_ok(gr_chan *ch, void *out, bool *ok)
{
    if (!ok)
        return gr__sched() ? -EINVAL : -EPERM;
    int rc = gr_chan_recv(ch, out);
    if (rc == 0 || rc == -EPIPE) {
        *ok = rc == 0;
        return 0;
    }
    return rc;
}

int gr_chan_try_send(gr_chan *ch, const void *val)
{
    if (!ch)
        return gr__sched() ? -EINVAL : -EPERM;
    gr_sched *s = owner(ch);
    if (!s)
        return -EPERM;
    if (!val && ch->esz)
        return -EINVAL;
    if (GR__FAULTS_ON(s))
        return send_faulted(s, ch, val, false);
    return try_send_core(ch, val);
}

int gr_chan_try_recv(gr_chan *ch, void *out)
{
    if (!ch)
        return gr__sched() ? -EINVAL : -EPERM;
    gr_sched *s = owner(ch);
    if (!s)
        return -EPERM;
    if (GR__FAULTS_ON(s))
        return recv_faulted(s, ch, out, false);
    return try_recv_core(ch, out);
}

int gr_chan_close(gr_chan *ch)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!ch) {
        gr__panic(s, GR_PANIC_CLOSE_NIL, NULL);
        return -EINVAL;
    }
    if (ch->s != s)
        return -EPERM;
    if (ch->closed) {
        gr__panic(s, GR_PANIC_CLOSE_CLOSED, ch->name);
        return -EPIPE;
    }
    gr__chan_close(ch);
    return 0;
}

size_t gr_chan_len(const gr_chan *ch) { return ch ? ch->len : 0; }
size_t gr_chan_cap(const gr_chan *ch) { return ch ? ch->cap : 0; }
bool gr_chan_closed(const gr_chan *ch) { return ch && ch->closed; }
const char *gr_chan_name(const gr_chan *ch) { return ch ? ch->name : ""; }
