/* sync.c — WaitGroup and the weighted semaphore (FIFO, cancellable). */
#include <stdlib.h>

#include "runtime/gr_int.h"

/* ---------------------------------------------------------------- WaitGroup */

struct gr_wg {
    gr__obj obj;
    gr_sched *s;
    int64_t n;
    gr__waitq q;
    char *name;
};

int gr_wg_create(gr_wg **out, const char *name)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out)
        return -EINVAL;
    gr_wg *wg = calloc(1, sizeof *wg);
    if (!wg || !(wg->name = gr__name_dup(s, name, "wg"))) {
        free(wg);
        return -ENOMEM;
    }
    wg->s = s;
    gr__obj_add(s, &wg->obj, GR__OBJ_WG);
    *out = wg;
    return 0;
}

/* The rare half of gr_wg_add: a count that would go negative or
 * overflow (a panic), or one that reaches zero (waiters to wake). */
static __attribute__((noinline)) int wg_add_slow(gr_wg *wg, int64_t delta)
{
    if (delta < 0 ? wg->n < -delta : wg->n > INT64_MAX - delta) {
        gr__panic(wg->s, GR_PANIC_WG_NEGATIVE, wg->name);
        return -ERANGE;
    }
    wg->n += delta;
    if (wg->n == 0) {
        gr__waiter *w;
        while ((w = gr__waitq_pop(&wg->q))) {
            w->ok = true;
            gr__wake(wg->s, w);
        }
    }
    return 0;
}

/* Small enough for LTO to inline into callers: the service adds and
 * marks done once per job. */
int gr_wg_add(gr_wg *wg, int64_t delta)
{
    if (!wg)
        return -EINVAL;
    if (delta > 0 && wg->n >= 0 && wg->n <= INT64_MAX - delta) {
        wg->n += delta; /* up: nobody to wake */
        return 0;
    }
    if (delta < 0 && wg->n + delta > 0) {
        wg->n += delta; /* down, not to zero */
        return 0;
    }
    return wg_add_slow(wg, delta);
}

int gr_wg_done(gr_wg *wg) { return gr_wg_add(wg, -1); }

int gr_wg_wait(gr_wg *wg)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!wg)
        return -EINVAL;
    if (wg->n == 0)
        return 0;
    gr__wait_one(s, &wg->q, GR_WAIT_WG_WAIT, wg->name, NULL);
    return 0;
}

int64_t gr_wg_count(const gr_wg *wg) { return wg ? wg->n : 0; }

void gr__wg_free(gr_wg *wg)
{
    gr__obj_del(wg->s, &wg->obj);
    free(wg->name);
    free(wg);
}

int gr_wg_release(gr_wg *wg)
{
    if (!wg)
        return 0;
    if (wg->q.head)
        return -EBUSY;
    gr__wg_free(wg);
    return 0;
}

/* ---------------------------------------------------------------- semaphore */

struct gr_sem {
    gr__obj obj;
    gr_sched *s;
    int64_t size, held;
    gr__waitq q;   /* FIFO; w->n is each waiter's weight */
    char *name;
};

int gr_sem_create(gr_sem **out, const char *name, int64_t size)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    if (!out || size <= 0)
        return -EINVAL;
    gr_sem *sem = calloc(1, sizeof *sem);
    if (!sem || !(sem->name = gr__name_dup(s, name, "sem"))) {
        free(sem);
        return -ENOMEM;
    }
    sem->s = s;
    sem->size = size;
    gr__obj_add(s, &sem->obj, GR__OBJ_SEM);
    *out = sem;
    return 0;
}

/* Serve queued waiters in order while the one at the front fits. */
static void grant(gr_sem *sem)
{
    gr__waiter *w;
    while ((w = sem->q.head) && sem->size - sem->held >= w->n) {
        gr__waitq_pop(&sem->q);
        sem->held += w->n;
        w->ok = true;
        gr__wake(sem->s, w);
    }
}

int gr_sem_try_acquire(gr_sem *sem, int64_t n)
{
    if (!sem || n <= 0 || n > sem->size)
        return -EINVAL;
    if (sem->size - sem->held < n || sem->q.head)
        return -EAGAIN;
    sem->held += n;
    return 0;
}

int gr_sem_acquire(gr_sem *sem, gr_ctx *ctx, int64_t n)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    int rc = gr_sem_try_acquire(sem, n);
    if (rc != -EAGAIN)
        return rc;
    if (ctx && gr_ctx_err(ctx))
        return gr_ctx_err(ctx);
    gr__task *t = s->cur;
    gr__waiter *ws = gr__waiters(t, 2, NULL);
    ws[0].n = n;
    gr__waitq_push(&sem->q, &ws[0]);
    gr_chan *done = ctx ? gr_ctx_done(ctx) : NULL;
    if (done)
        gr__waitq_push(&done->recvq, &ws[1]);
    if (gr__park(s, GR_WAIT_SEM_ACQUIRE, sem->name, 0) == 0)
        return 0;
    grant(sem); /* we may have been the front waiter holding others back */
    return gr_ctx_err(ctx);
}

int gr_sem_post(gr_sem *sem, int64_t n)
{
    if (!sem || n < 0)
        return -EINVAL;
    if (n > sem->held) {
        gr__panic(sem->s, GR_PANIC_SEM_OVER_RELEASE, sem->name);
        return -ERANGE;
    }
    sem->held -= n;
    grant(sem);
    return 0;
}

int64_t gr_sem_held(const gr_sem *sem) { return sem ? sem->held : 0; }

void gr__sem_free(gr_sem *sem)
{
    gr__obj_del(sem->s, &sem->obj);
    free(sem->name);
    free(sem);
}

int gr_sem_release(gr_sem *sem)
{
    if (!sem)
        return 0;
    if (sem->q.head)
        return -EBUSY;
    gr__sem_free(sem);
    return 0;
}
