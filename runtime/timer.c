/* timer.c — the timer heap and everything built on it: sleep, modelled
 * work, one-shot timers (Go's time.After) and tickers. */
#include <stdlib.h>

#include "runtime/gr_int.h"

/* ---------------------------------------------------------------- heap */

static bool earlier(const gr__timer *a, const gr__timer *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void heap_set(gr_sched *s, size_t i, gr__timer *t)
{
    s->heap[i] = t;
    t->hidx = (int64_t)i;
}

static void sift_up(gr_sched *s, size_t i)
{
    gr__timer *t = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!earlier(t, s->heap[p]))
            break;
        heap_set(s, i, s->heap[p]);
        i = p;
    }
    heap_set(s, i, t);
}

static void sift_down(gr_sched *s, size_t i)
{
    gr__timer *t = s->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->nheap)
            break;
        if (c + 1 < s->nheap && earlier(s->heap[c + 1], s->heap[c]))
            c++;
        if (!earlier(s->heap[c], t))
            break;
        heap_set(s, i, s->heap[c]);
        i = c;
    }
    heap_set(s, i, t);
}

static void heap_remove(gr_sched *s, size_t i)
{
    gr__timer *gone = s->heap[i];
    gr__timer *last = s->heap[--s->nheap];
    gone->hidx = -1;
    if (i == s->nheap)
        return;
    heap_set(s, i, last);
    if (i > 0 && earlier(last, s->heap[(i - 1) / 2]))
        sift_up(s, i);
    else
        sift_down(s, i);
}

int gr__timer_reserve(gr_sched *s, size_t n)
{
    size_t need = s->heap_reserved + n;
    if (need > s->heap_cap) {
        size_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        if (cap < need)
            cap = need;
        gr__timer **h = realloc(s->heap, cap * sizeof *h);
        if (!h)
            return -ENOMEM;
        s->heap = h;
        s->heap_cap = cap;
    }
    s->heap_reserved = need;
    return 0;
}

void gr__timer_unreserve(gr_sched *s, size_t n)
{
    s->heap_reserved -= n;
}

void gr__timer_arm(gr_sched *s, gr__timer *t, int64_t when)
{
    if (t->hidx >= 0)
        heap_remove(s, (size_t)t->hidx);
    t->when = when;
    t->seq = ++s->timer_seq;
    s->heap[s->nheap] = t;
    t->hidx = (int64_t)s->nheap++;
    sift_up(s, (size_t)t->hidx);
}

bool gr__timer_stop(gr_sched *s, gr__timer *t)
{
    if (t->hidx < 0)
        return false;
    heap_remove(s, (size_t)t->hidx);
    return true;
}

void gr__timers_fire(gr_sched *s)
{
    while (s->nheap && s->heap[0]->when <= s->now) {
        gr__timer *t = s->heap[0];
        heap_remove(s, 0);
        gr__trace(s, (uint64_t)t->when);
        t->fn(s, t);
    }
}

/* ---------------------------------------------------------------- sleep, work */

static int block_until(gr_wait why, int64_t deadline)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (deadline != GR_FOREVER && deadline <= gr__clock_read(s))
        return 0;
    if (deadline != GR_FOREVER)
        gr__timer_arm(s, &s->cur->timer, deadline);
    gr__park(s, why, NULL, 0);
    return 0;
}

int gr_sleep_until(int64_t deadline)
{
    return block_until(GR_WAIT_SLEEP, deadline);
}

int gr_sleep(int64_t d)
{
    if (!gr__sched())
        return -EPERM;
    return d <= 0 ? 0 : block_until(GR_WAIT_SLEEP, gr_deadline_in(d));
}

int gr_work(int64_t d)
{
    if (!gr__sched())
        return -EPERM;
    return d <= 0 ? 0 : block_until(GR_WAIT_WORK, gr_deadline_in(d));
}

/* ---------------------------------------------------------------- timers */

/* One-shot timers and tickers are the same object: a heap timer feeding a
 * capacity-1 int64_t channel; a ticker re-arms itself every period. */
typedef struct gr__timed {
    gr__obj obj;
    gr_sched *s;
    gr__timer tm;
    gr_chan *ch;
    int64_t period;      /* 0 for a one-shot timer */
    bool ticking;        /* a ticker not stopped yet */
    const char *file;    /* where a ticker was created */
    int line;
} gr__timed;

struct gr_timer {
    gr__timed t;
};

struct gr_ticker {
    gr__timed t;
};

/* Deliver a tick without ever blocking the scheduler: if the reader has not
 * taken the previous one, this one is dropped (Go's timer channels). */
static void timed_fire(gr_sched *s, gr__timer *tm)
{
    gr__timed *t = tm->arg;
    int64_t when = tm->when;
    if (gr__chan_send_ready(t->ch))
        gr__chan_do_send(t->ch, &when);
    if (!t->period)
        return;
    int64_t next = when + t->period;
    while (next <= s->now) /* fell behind (real clock): drop missed ticks */
        next += t->period;
    gr__timer_arm(s, tm, next);
}

/* Create a timed object firing first after d ns, then every period (0 =
 * once). */
static int timed_create(gr__timed **out, const char *name, const char *kind,
                        int64_t d, int64_t period, const char *file, int line)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out)
        return -EINVAL;
    gr__timed *t = calloc(1, sizeof *t);
    if (!t)
        return -ENOMEM;
    int rc = gr__chan_create(s, &t->ch, name, kind, sizeof(int64_t), 1);
    if (rc == 0 && gr__timer_reserve(s, 1) < 0) {
        gr__chan_free(t->ch);
        rc = -ENOMEM;
    }
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->s = s;
    t->tm = (gr__timer){.hidx = -1, .fn = timed_fire, .arg = t};
    t->period = period;
    t->ticking = period > 0;
    t->file = file ? file : "?";
    t->line = line;
    s->tickers += t->ticking;
    gr__obj_add(s, &t->obj, period ? GR__OBJ_TICKER : GR__OBJ_TIMER);
    gr__timer_arm(s, &t->tm, gr_deadline_in(d < 0 ? 0 : d));
    *out = t;
    return 0;
}

static bool timed_stop(gr__timed *t)
{
    if (t->ticking) {
        t->ticking = false;
        t->s->tickers--;
    }
    return gr__timer_stop(t->s, &t->tm);
}

void gr__timed_free(gr__timed *t)
{
    timed_stop(t);
    gr__timer_unreserve(t->s, 1);
    gr__chan_free(t->ch);
    gr__obj_del(t->s, &t->obj);
    free(t);
}

static int timed_release(gr__timed *t)
{
    if (t->ch->recvq.head)
        return -EBUSY;
    gr__timed_free(t);
    return 0;
}

int gr_timer_create(gr_timer **out, const char *name, int64_t d)
{
    gr__timed *t = NULL;
    int rc = timed_create(out ? &t : NULL, name, "timer", d, 0, NULL, 0);
    if (rc == 0)
        *out = (gr_timer *)t; /* gr__timed is its first member */
    return rc;
}

gr_chan *gr_timer_chan(const gr_timer *t) { return t ? t->t.ch : NULL; }
bool gr_timer_stop(gr_timer *t) { return t ? timed_stop(&t->t) : false; }
int gr_timer_release(gr_timer *t) { return t ? timed_release(&t->t) : 0; }

bool gr_timer_reset(gr_timer *t, int64_t d)
{
    if (!t)
        return false;
    bool was = timed_stop(&t->t);
    gr__timer_arm(t->t.s, &t->t.tm, gr_deadline_in(d < 0 ? 0 : d));
    return was;
}

int gr_ticker_create_at(gr_ticker **out, const char *name, int64_t period,
                        const char *file, int line)
{
    if (period <= 0)
        return gr__sched() ? -EINVAL : -EPERM;
    gr__timed *t = NULL;
    int rc = timed_create(out ? &t : NULL, name, "ticker", period, period, file, line);
    if (rc == 0)
        *out = (gr_ticker *)t;
    return rc;
}

gr_chan *gr_ticker_chan(const gr_ticker *t) { return t ? t->t.ch : NULL; }
void gr_ticker_stop(gr_ticker *t) { if (t) timed_stop(&t->t); }
int gr_ticker_release(gr_ticker *t) { return t ? timed_release(&t->t) : 0; }

size_t gr__tickers_dump(const gr_sched *s, FILE *f)
{
    size_t n = 0;
    for (const gr__obj *o = s->objs; o; o = o->next) {
        const gr__timed *t = (const gr__timed *)o;
        if (o->kind != GR__OBJ_TICKER || !t->ticking)
            continue;
        fprintf(f, "  ticker \"%s\" created at %s:%d, every %lldns, never stopped\n",
                t->ch->name, t->file, t->line, (long long)t->period);
        n++;
    }
    return n;
}
