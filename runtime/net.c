/* net.c — byte-stream connections for the sim clock: listeners by name,
 * links of two directions, each a queue of segments readable from their
 * ready time (one latency after the write), with FIN / RST ordered after
 * the data; bounded buffering gives writers backpressure. */
#include <stdlib.h>

#include "runtime/gr_int.h"

#include "runtime/net_int.h"

static int dropped(gr_conn *c);

static gr__pipe *in_pipe(gr_conn *c) { return &c->link->dir[1 - c->side]; }
static gr__pipe *out_pipe(gr_conn *c) { return &c->link->dir[c->side]; }

/* ---------------------------------------------------------------- waiting */

/* Wait on q until woken or `until` (GR_FOREVER: no timer). */
static void wait_on(gr_sched *s, gr__waitq *q, gr_wait why, const char *ep, int64_t until)
{
    gr__waitq_push(q, gr__waiters(s->cur, 1, NULL));
    if (until != GR_FOREVER)
        gr__timer_arm(s, &s->cur->timer, until);
    gr__park(s, why, ep, 0);
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a == GR_FOREVER ? b : b == GR_FOREVER ? a : a < b ? a : b;
}

static bool expired(int64_t deadline, int64_t now)
{
    return deadline != GR_FOREVER && now >= deadline;
}

/* ---------------------------------------------------------------- pipes */

static void pipe_drop_data(gr__pipe *p)
{
    for (seg *g = p->head, *nx; g; g = nx) {
        nx = g->next;
        free(g);
    }
    p->head = p->tail = NULL;
    p->buffered = 0;
}

static void pipe_end(gr_sched *s, gr__pipe *p, int end, int64_t latency)
{
    if (p->end)
        return;
    if (end == END_RST)
        pipe_drop_data(p); /* an abort discards what is in flight */
    p->end = end;
    p->end_ready = gr__clock_read(s) + latency;
    if (end == END_FIN && p->last_ready > p->end_ready)
        p->end_ready = p->last_ready;
    gr__wake_all(s, &p->readq);
}

/* Copy out what is readable now; 0 if nothing is. */
static size_t pipe_take(gr__pipe *p, unsigned char *buf, size_t len, int64_t now)
{
    size_t n = 0;
    while (p->head && p->head->ready <= now && n < len) {
        seg *g = p->head;
        size_t k = g->len - g->off < len - n ? g->len - g->off : len - n;
        memcpy(buf + n, g->data + g->off, k);
        g->off += k;
        n += k;
        if (g->off == g->len) {
            p->head = g->next;
            if (!p->head)
                p->tail = NULL;
            free(g);
        }
    }
    p->buffered -= n;
    return n;
}

static int pipe_put(gr__pipe *p, const unsigned char *buf, size_t len, int64_t ready)
{
    seg *g = malloc(sizeof *g + len);
    if (!g)
        return -ENOMEM;
    memcpy(g->data, buf, len);
    g->len = len;
    g->off = 0;
    g->next = NULL;
    g->ready = ready > p->last_ready ? ready : p->last_ready;
    p->last_ready = g->ready;
    if (p->tail)
        p->tail->next = g;
    else
        p->head = g;
    p->tail = g;
    p->buffered += len;
    return 0;
}

/* ---------------------------------------------------------------- conns */

static void link_free(gr__link *l)
{
    pipe_drop_data(&l->dir[0]);
    pipe_drop_data(&l->dir[1]);
    gr__points_free(&l->points);
    free(l->endpoint);
    free(l);
}

void gr__conn_free(gr_conn *c)
{
    if (!c->link) {
        gr__real_conn_free(c);
        return;
    }
    gr__obj_del(c->s, &c->obj);
    if (--c->link->open == 0)
        link_free(c->link);
    free(c);
}

/* Leave a call on c; frees it if it was closed meanwhile and we were last. */
static int64_t conn_leave(gr_conn *c, int64_t rc)
{
    if (--c->busy == 0 && c->closed)
        gr__conn_free(c);
    return rc;
}

static gr_conn *conn_new(gr_sched *s, gr__link *l, int side)
{
    gr_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->s = s;
    c->link = l;
    c->side = side;
    l->open++;
    gr__obj_add(s, &c->obj, GR__OBJ_CONN);
    return c;
}

/* A connected pair for endpoint; NULL on ENOMEM. */
static gr_conn *pair_new(gr_sched *s, const char *ep, int64_t latency, gr_conn **server)
{
    gr__link *l = calloc(1, sizeof *l);
    if (!l || !(l->endpoint = strdup(ep))) {
        free(l);
        return NULL;
    }
    l->latency = latency;
    l->points = gr__net_points();
    gr_conn *c = conn_new(s, l, 0);
    *server = c ? conn_new(s, l, 1) : NULL;
    if (!*server) {
        if (c)
            gr__conn_free(c);
        else
            link_free(l);
        return NULL;
    }
    return c;
}

static gr_sched *conn_owner(const gr_conn *c)
{
    gr_sched *s = gr__sched();
    return s && c && c->s == s ? s : NULL;
}

/* Whether a call may start on c: 0, or why not. */
static int conn_usable(const gr_conn *c)
{
    return c->closed ? -EBADF : c->shut ? -ESHUTDOWN : 0;
}

/* The fail point of a sim read or write (the call is inside: busy): 1 to
 * carry on (*len possibly shortened), else what the call returns. */
static int64_t sim_fault(gr_sched *s, gr_conn *c, int op, size_t *len, int64_t deadline)
{
    gr_fault_res res;
    int f = gr__conn_fault(s, c, &c->link->points, c->link->endpoint, op, deadline, &res);
    int rc = conn_usable(c); /* closed or shut meanwhile */
    if (rc < 0)
        return rc;
    if (f < 0 || res.drop)
        return res.drop ? dropped(c) : f;
    if (res.short_bytes >= 0 && (uint64_t)res.short_bytes < *len) /* a short read moves >= 1 */
        *len = op == GR__NET_READ && !res.short_bytes ? 1 : (size_t)res.short_bytes;
    return 1;
}

int64_t gr_conn_read(gr_conn *c, void *buf, size_t len, int64_t deadline)
{
    gr_sched *s = conn_owner(c);
    if (!s)
        return c ? -EPERM : -EINVAL;
    if (!buf || !len)
        return -EINVAL;
    int64_t rc = conn_usable(c);
    if (rc < 0)
        return rc;
    if (!c->link)
        return gr__real_read(s, c, buf, len, deadline);
    c->busy++;
    if ((rc = sim_fault(s, c, GR__NET_READ, &len, deadline)) <= 0)
        return conn_leave(c, rc);
    gr__pipe *p = in_pipe(c);
    for (;;) {
        if (c->shut)
            return conn_leave(c, -ESHUTDOWN);
        int64_t now = gr__clock_read(s);
        size_t n = pipe_take(p, buf, len, now);
        if (n) {
            gr__wake_all(s, &p->writeq);
            return conn_leave(c, (int64_t)n);
        }
        if (!p->head && p->end && p->end_ready <= now)
            return conn_leave(c, p->end == END_FIN ? 0 : -ECONNRESET);
        if (expired(deadline, now))
            return conn_leave(c, -ETIMEDOUT);
        int64_t next = p->head ? p->head->ready : p->end ? p->end_ready : GR_FOREVER;
        wait_on(s, &p->readq, GR_WAIT_NET_READ, c->link->endpoint, earliest(deadline, next));
        if (c->closed)
            return conn_leave(c, -EBADF);
    }
}

int64_t gr_conn_write(gr_conn *c, const void *buf, size_t len, int64_t deadline)
{
    gr_sched *s = conn_owner(c);
    if (!s)
        return c ? -EPERM : -EINVAL;
    if (!buf && len)
        return -EINVAL;
    int64_t rc = conn_usable(c);
    if (rc < 0)
        return rc;
    if (!c->link)
        return gr__real_write(s, c, buf, len, deadline);
    c->busy++;
    if ((rc = sim_fault(s, c, GR__NET_WRITE, &len, deadline)) <= 0)
        return conn_leave(c, rc); /* (a short write moves fewer bytes, counted) */
    gr__pipe *p = out_pipe(c);
    size_t done = 0;
    for (;;) {
        if (c->shut)
            return conn_leave(c, -ESHUTDOWN);
        if (p->refuse)
            return conn_leave(c, p->refuse);
        int64_t now = gr__clock_read(s);
        size_t room = GR_NET_BUF - p->buffered, k = len - done < room ? len - done : room;
        if (k) {
            if (pipe_put(p, (const unsigned char *)buf + done, k, now + c->link->latency) < 0)
                return conn_leave(c, -ENOMEM);
            done += k;
            gr__wake_all(s, &p->readq);
        }
        if (done == len)
            return conn_leave(c, (int64_t)len);
        if (expired(deadline, now))
            return conn_leave(c, -ETIMEDOUT);
        wait_on(s, &p->writeq, GR_WAIT_NET_WRITE, c->link->endpoint, deadline);
        if (c->closed)
            return conn_leave(c, -EBADF);
    }
}

/* Close c: end its outgoing stream with `end`, refuse the peer's writes,
 * wake whoever waits on it, free it unless a call on it is still inside. */
static int conn_shut(gr_conn *c, int end, int refuse)
{
    gr_sched *s = c ? c->s : NULL;
    if (!s)
        return -EINVAL;
    if (c->closed)
        return -EBADF;
    gr__conn_interrupt(c); /* a task in a fault's wait: -EBADF now */
    if (!c->link)
        return gr__real_shut(c, end == END_RST);
    gr__pipe *in = in_pipe(c), *out = out_pipe(c);
    pipe_end(s, out, end, c->link->latency);
    if (!in->refuse)
        in->refuse = refuse;
    pipe_drop_data(in);
    c->closed = true;
    gr__wake_all(s, &in->writeq);   /* the peer's writers: refused now */
    gr__wake_all(s, &in->readq);    /* our readers: -EBADF */
    gr__wake_all(s, &out->writeq);  /* our writers: -EBADF */
    if (c->busy == 0)
        gr__conn_free(c);
    return 0;
}

int gr_conn_close(gr_conn *c) { return conn_shut(c, END_FIN, -EPIPE); }

/* A drop fault fired at a call on c: reset the connection both ways, as a
 * TCP RST does. The peer's reads and writes fail with -ECONNRESET, and so
 * do ours; c itself stays open until its owner closes it. */
static int dropped(gr_conn *c)
{
    gr_sched *s = c->s;
    gr__pipe *in = in_pipe(c), *out = out_pipe(c);
    pipe_end(s, out, END_RST, c->link->latency);
    if (!out->refuse)
        out->refuse = -ECONNRESET;   /* our own later writes */
    pipe_drop_data(in);
    if (!in->end) {                  /* our own later reads */
        in->end = END_RST;
        in->end_ready = gr__clock_read(s);
    }
    if (!in->refuse)
        in->refuse = -ECONNRESET;    /* the peer's writes */
    gr__wake_all(s, &in->writeq);
    gr__wake_all(s, &in->readq);
    return -ECONNRESET;
}
int gr_conn_abort(gr_conn *c) { return conn_shut(c, END_RST, -ECONNRESET); }
void gr__conn_interrupt(gr_conn *c)
{
    for (int k = 0; k < 2; k++) {
        gr__task *t = c->in_fault[k];
        if (t && t->state == GR_TASK_BLOCKED) {
            if (t->timer.hidx >= 0)
                gr__timer_stop(c->s, &t->timer);
            gr__unblock(c->s, t, -1);
        }
    }
}

int gr_conn_shutdown(gr_conn *c)
{
    if (!c)
        return -EINVAL;
    if (c->closed)
        return -EBADF;
    if (c->shut)
        return 0;
    c->shut = true;
    gr__conn_interrupt(c);
    if (!c->link)
        return gr__real_shutdown(c);
    gr__wake_all(c->s, &in_pipe(c)->readq);   /* only our side waits here */
    gr__wake_all(c->s, &out_pipe(c)->writeq);
    return 0;
}

const char *gr_conn_endpoint(const gr_conn *c)
{
    return !c ? "" : c->link ? c->link->endpoint : c->endpoint;
}

/* ---------------------------------------------------------------- listeners */

static gr_listener *find_listener(gr_sched *s, const char *ep)
{
    for (gr_listener *l = s->listeners; l; l = l->next)
        if (strcmp(l->endpoint, ep) == 0)
            return l;
    return NULL;
}

int gr_listen(gr_listener **out, const char *endpoint, const gr_net_opts *opts)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    gr_net_opts o = opts ? *opts : (gr_net_opts){0};
    if (!out || !endpoint || !*endpoint || o.latency < 0 || o.backlog < 0)
        return -EINVAL;
    if (s->clock == GR_CLOCK_REAL)
        return gr__real_listen(s, out, endpoint, o.backlog ? o.backlog : 128);
    if (find_listener(s, endpoint))
        return -EADDRINUSE;
    gr_listener *l = calloc(1, sizeof *l);
    if (!l || !(l->endpoint = strdup(endpoint))) {
        free(l);
        return -ENOMEM;
    }
    l->s = s;
    l->points = gr__net_points();
    l->latency = o.latency;
    l->backlog = o.backlog ? o.backlog : 128;
    l->next = s->listeners;
    s->listeners = l;
    gr__obj_add(s, &l->obj, GR__OBJ_LISTENER);
    *out = l;
    return 0;
}

const char *gr_listener_endpoint(const gr_listener *l) { return l ? l->endpoint : ""; }

void gr__listener_free(gr_listener *l)
{
    if (l->s->clock == GR_CLOCK_REAL) {
        gr__real_listener_free(l);
        return;
    }
    gr__obj_del(l->s, &l->obj);
    gr__points_free(&l->points);
    free(l->endpoint);
    free(l);
}

static int listener_leave(gr_listener *l, int rc)
{
    l->busy--;
    return rc;
}

int gr_accept(gr_listener *l, gr_conn **out, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!l || !out || l->s != s)
        return -EINVAL;
    if (l->closed)
        return -EBADF;
    if (s->clock == GR_CLOCK_REAL)
        return gr__real_accept(s, l, out, deadline);
    l->busy++;
    for (;;) {
        if (l->pending) {
            gr_fault_res res;
            int f = gr__net_fault(s, &l->points, l->endpoint, GR__NET_ACCEPT, deadline, &res);
            if (l->closed)
                return listener_leave(l, -EBADF);
            if (f < 0)
                return listener_leave(l, f); /* the connection stays pending */
            if (!l->pending)
                continue; /* taken while a delay fault held us */
            gr_conn *c = l->pending;
            l->pending = c->next_pending;
            if (!l->pending)
                l->pending_tail = NULL;
            l->npending--;
            if (res.drop) { /* reset before accept returns it */
                conn_shut(c, END_RST, -ECONNRESET);
                continue;
            }
            *out = c;
            return listener_leave(l, 0);
        }
        if (expired(deadline, gr__clock_read(s)))
            return listener_leave(l, -ETIMEDOUT);
        wait_on(s, &l->acceptq, GR_WAIT_NET_ACCEPT, l->endpoint, deadline);
        if (l->closed)
            return listener_leave(l, -EBADF);
    }
}

int gr_listener_close(gr_listener *l)
{
    if (!l)
        return -EINVAL;
    if (l->closed)
        return -EBADF;
    gr_sched *s = l->s;
    if (s->clock == GR_CLOCK_REAL)
        return gr__real_listener_close(l);
    for (gr_listener **p = &s->listeners; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    while (l->pending) { /* never accepted: the clients see a reset */
        gr_conn *c = l->pending;
        l->pending = c->next_pending;
        conn_shut(c, END_RST, -ECONNRESET);
    }
    l->closed = true;
    gr__wake_all(s, &l->acceptq);
    return 0; /* l stays valid: see gr_listener_release */
}

int gr_listener_release(gr_listener *l)
{
    if (!l)
        return 0;
    if (!l->closed || l->busy)
        return -EBUSY;
    gr__listener_free(l);
    return 0;
}

int gr_connect(gr_conn **out, const char *endpoint, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out || !endpoint || !*endpoint)
        return -EINVAL;
    if (s->clock == GR_CLOCK_REAL)
        return gr__real_connect(s, out, endpoint, deadline);
    gr_listener *l = find_listener(s, endpoint);
    if (!l)
        return -ECONNREFUSED;
    gr_fault_res res;
    l->busy++;
    int f = gr__net_fault(s, &l->points, l->endpoint, GR__NET_CONNECT, deadline, &res);
    bool gone = l->closed;
    l->busy--;
    if (gone)
        return -ECONNREFUSED;
    if (f < 0 || res.drop)
        return res.drop ? -ECONNRESET : f;
    int64_t done = gr__clock_read(s) + l->latency; /* the handshake */
    if (deadline != GR_FOREVER && done > deadline) {
        gr_sleep_until(deadline);
        return -ETIMEDOUT;
    }
    if (l->latency)
        gr_sleep_until(done);
    if (!(l = find_listener(s, endpoint)) || l->npending >= l->backlog)
        return -ECONNREFUSED; /* gone, or its backlog is full */
    gr_conn *server, *c = pair_new(s, endpoint, l->latency, &server);
    if (!c)
        return -ENOMEM;
    if (l->pending_tail)
        l->pending_tail->next_pending = server;
    else
        l->pending = server;
    l->pending_tail = server;
    l->npending++;
    gr__waiter *w = gr__waitq_pop(&l->acceptq);
    if (w) {
        w->ok = true;
        gr__wake(s, w);
    }
    *out = c;
    return 0;
}
