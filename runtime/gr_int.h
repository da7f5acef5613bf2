/* gr_int.h — the runtime's private structures and internal functions
 * (gr__ prefix); nothing outside runtime/ includes this file. */
#ifndef GR_INT_H
#define GR_INT_H

#include <errno.h>
#include <string.h>

#include "runtime/gr.h"
#include "runtime/switch.h"

#define GR__LIKELY(x) __builtin_expect(!!(x), 1)
#define GR__UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Whether fail points must be evaluated. Building with -DGR_NO_FAULT_POINTS
 * compiles them out (only to measure what they cost: bench/run.sh). */
#ifdef GR_NO_FAULT_POINTS
#define GR__FAULTS_ON(s) ((void)(s), 0)
#else
#define GR__FAULTS_ON(s) GR__UNLIKELY((s)->faults_on)
#endif

typedef struct gr__task gr__task;
typedef struct gr__waiter gr__waiter;

/* ---------------------------------------------------------------- objects */

/* Every object a scheduler creates starts with this header and sits on the
 * scheduler's object list, so gr_sched_release can free what users left. */
typedef enum {
    GR__OBJ_CHAN,
    GR__OBJ_CTX,
    GR__OBJ_WG,
    GR__OBJ_SEM,
    GR__OBJ_GROUP,
    GR__OBJ_TIMER,
    GR__OBJ_TICKER,
    GR__OBJ_GATE,
    GR__OBJ_CONN,
    GR__OBJ_LISTENER,
} gr__obj_kind;

typedef struct gr__obj {
    struct gr__obj *prev, *next;
    gr__obj_kind kind;
} gr__obj;

/* ---------------------------------------------------------------- waiting */

/* A FIFO of waiters (doubly linked, so a select can unhook its other cases
 * in O(1) when one of them fires). */
typedef struct gr__waitq {
    gr__waiter *head, *tail;
} gr__waitq;

/* One blocked operation of one task, living on that task's stack for as
 * long as it is blocked. A select has one per case; the first to be served
 * wins and the waker unhooks the task's other waiters (gr__wake). */
struct gr__waiter {
    gr__waiter *next, *prev;
    gr__waitq *q;    /* queue it is on; NULL once unhooked */
    gr__task *task;
    void *val;       /* send: source value; recv: destination (may be NULL) */
    int64_t n;       /* semaphore weight */
    int idx;         /* which case of the task's wait fired */
    bool ok;         /* out: operation delivered (false: channel closed) */
};

static inline void gr__waitq_push(gr__waitq *q, gr__waiter *w)
{
    w->q = q;
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

static inline gr__waiter *gr__waitq_pop(gr__waitq *q)
{
    gr__waiter *w = q->head;
    if (!w)
        return NULL;
    q->head = w->next;
    if (q->head)
        q->head->prev = NULL;
    else
        q->tail = NULL;
    w->q = NULL;
    return w;
}

static inline void gr__waitq_unhook(gr__waiter *w)
{
    gr__waitq *q = w->q;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->q = NULL;
}

/* ---------------------------------------------------------------- timers */

typedef struct gr__timer gr__timer;
typedef void (*gr__timer_fn)(gr_sched *s, gr__timer *t);

/* A pending timer sits in the scheduler's heap, ordered by (when, seq):
 * seq makes ties fire in arming order, so sim runs stay reproducible. Heap
 * slots are reserved when the owning object is created (gr__timer_reserve),
 * so arming never fails. */
struct gr__timer {
    int64_t when;
    uint64_t seq;
    int64_t hidx;        /* index in the heap; -1 when not pending */
    gr__timer_fn fn;
    void *arg;
};

int gr__timer_reserve(gr_sched *s, size_t n);
void gr__timer_unreserve(gr_sched *s, size_t n);
void gr__timer_arm(gr_sched *s, gr__timer *t, int64_t when);
bool gr__timer_stop(gr_sched *s, gr__timer *t); /* true if it was pending */
void gr__timers_fire(gr_sched *s);             /* run every due timer */

/* ---------------------------------------------------------------- tasks */

/* Waits of up to this many operations keep their waiter records inline in
 * the task struct rather than on the task's stack. */
#define GR__INLINE_WAITERS 2

/* Task structs live in dense slabs, apart from the stacks: spawning,
 * waking and reaping touch only this, never the task's stack page. The
 * fields a waker touches come first. */
struct gr__task {
    void *sp;                    /* saved stack pointer; NULL until it first runs */
    gr_sched *s;
    gr_task_state state;
    gr_wait wait;
    int nwaiters;
    int fired;                   /* index of the waiter that woke it; -1 = timer */
    gr__waiter *waiters;         /* the current wait's waiters */
    gr__timer timer;             /* sleep / select timeout */
    gr__waiter inl[GR__INLINE_WAITERS];
    uint64_t id, parent;
    gr_task_fn fn;
    void *arg;
    gr__task *prev, *next;       /* registry: live tasks in id order */
    const char *wait_obj;        /* name of what it waits on (owned by it) */
    int wait_n;
    int line;
    int64_t created, blocked_since;
    const char *file;
    unsigned char *map;          /* stack mapping: guard page + stack */
    size_t map_size;
    void *asan_fake;             /* AddressSanitizer fiber bookkeeping */
    void *aux[2];                /* spawner's private data (errgroup) */
    char name[GR_NAME_MAX];
};

/* Set up the running task's wait on n operations and return its waiter
 * records, initialised for index 0..n-1 with no value: inline for small
 * waits, else `spill` (room for n, owned by the caller). */
static inline gr__waiter *gr__waiters(gr__task *t, int n, gr__waiter *spill)
{
    gr__waiter *ws = n <= GR__INLINE_WAITERS ? t->inl : spill;
    for (int i = 0; i < n; i++)
        ws[i] = (gr__waiter){.task = t, .idx = i};
    t->waiters = ws;
    t->nwaiters = n;
    return ws;
}

/* ---------------------------------------------------------------- panics */

typedef struct gr__panics {
    gr_panic_info *log;          /* first `max` events in full */
    size_t kept, max;
    uint64_t total;
    uint64_t by_kind[GR_PANIC__COUNT];
} gr__panics;

void gr__panic(gr_sched *s, gr_panic kind, const char *obj);

/* ---------------------------------------------------------------- stacks */

/* Idle stack mappings of the default size, most recently used last. A
 * dense array, so caching and reusing a stack never touches its memory. */
typedef struct gr__stack_cache {
    unsigned char **free;
    size_t count, cap, max;
} gr__stack_cache;

/* ---------------------------------------------------------------- scheduler */

struct gr_sched {
    gr_clock clock;
    int64_t now;                 /* sim: the clock; real: last reading */
    int64_t real_base;           /* real: CLOCK_MONOTONIC at creation */
    int64_t time_limit;
    uint64_t rng;                /* wyrand state */
    uint64_t trace;              /* trace hash */

    void *sp;                    /* scheduler context while a task runs */
    void *asan_fake;
    const void *asan_stack;      /* the OS thread's stack, for ASan */
    size_t asan_stack_size;
    gr__task *cur;               /* running task, NULL in scheduler context */
    gr__task *main;              /* main task of the current run */
    bool main_done, running;
    bool releasing;              /* gr_sched_release: hooks are not run */
    bool faults_on;              /* fail points armed and a hook installed:
                                    read with cur on every channel op */
    gr__task *dead;              /* exited task whose stack awaits reaping */
    int poll_countdown;          /* real: switches left before a clock poll */

    gr__task **runq;             /* runnable tasks: a ring of runq_cap (a power
                                    of two, >= live tasks) from runq_head */
    size_t runq_head, nrun, runq_cap;
    bool pick_random;

    gr__timer **heap;            /* pending timers, binary min-heap */
    size_t nheap, heap_reserved, heap_cap;
    uint64_t timer_seq;

    gr__task *tasks_head, *tasks_tail; /* registry */
    uint64_t next_id, live, peak, blocked, spawned, exited, switches, tickers;

    size_t stack_size;           /* default mapping's usable stack */
    size_t page;
    gr__stack_cache stacks;
    gr__task *task_free;         /* idle task structs (linked through next) */
    void *task_slabs;            /* their slabs, for gr_sched_release */

    gr__obj *objs;               /* objects owned (most recent first) */
    uint64_t obj_seq;            /* numbering of unnamed objects */
    gr_ctx *background;
    gr_listener *listeners;      /* sim net: by endpoint name (net.c) */
    int epfd;                    /* real net: epoll, -1 until first used */
    uint64_t io_waiting;         /* tasks parked on a socket */

    gr__panics panics;

    gr_fault_hook fault_hook;    /* fail points (fault.c) */
    bool faults_any;             /* something is armed */
    uint64_t fault_gen;          /* bumped when the armed set changes */
    gr__waitq fault_waitq;       /* selects holding a send case for a `full`
                                    fault: woken when the armed set changes */
};

extern __thread gr_sched *gr__cur_sched;

/* The running task's scheduler, or NULL outside a task. */
static inline gr_sched *gr__sched(void)
{
    gr_sched *s = gr__cur_sched;
    return s && s->cur ? s : NULL;
}

static inline void gr__ready(gr_sched *s, gr__task *t)
{
    t->state = GR_TASK_RUNNABLE;
    s->runq[(s->runq_head + s->nrun++) & (s->runq_cap - 1)] = t;
}

/* Make a blocked task runnable again: unhook its other waiters (a select's
 * other cases), end its wait. Its gr__park returns `fired`. */
static inline void gr__unblock(gr_sched *s, gr__task *t, int fired)
{
    t->fired = fired;
    if (t->nwaiters > 1 || (t->nwaiters == 1 && t->waiters[0].q))
        for (int i = 0; i < t->nwaiters; i++)
            if (t->waiters[i].q)
                gr__waitq_unhook(&t->waiters[i]);
    t->nwaiters = 0;
    t->wait = GR_WAIT_NONE;
    s->blocked--;
    gr__ready(s, t);
}

/* Wake the task owning w (w is already off its queue): stop its timer,
 * unblock it with w's index. */
static inline void gr__wake(gr_sched *s, gr__waiter *w)
{
    gr__task *t = w->task;
    if (t->timer.hidx >= 0)
        gr__timer_stop(s, &t->timer);
    gr__unblock(s, t, w->idx);
}

/* Block the running task (its waiters are already queued / its timer
 * armed) until gr__wake; returns the index of the waiter that woke it, or -1
 * for its timer. obj is the name shown in reports. */
int gr__park(gr_sched *s, gr_wait why, const char *obj, int n);
/* Queue the running task on q as one waiter (val: the value to send, or
 * where a received value goes) and block until it is served. Returns the
 * waiter (ok tells whether the operation delivered). */
gr__waiter *gr__wait_one(gr_sched *s, gr__waitq *q, gr_wait why, const char *obj,
                         void *val);
/* Timer callback that wakes the task owning the timer with index -1. */
void gr__wake_timer(gr_sched *s, gr__timer *t);

static inline void gr__trace(gr_sched *s, uint64_t v)
{
    s->trace = (s->trace ^ v) * UINT64_C(0x100000001b3);
}

uint64_t gr__rand(gr_sched *s);
static inline uint64_t gr__rand_below(gr_sched *s, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)gr__rand(s) * n) >> 64);
}

int64_t gr__clock_read(gr_sched *s); /* real: read the OS clock */

/* Leave the running task `from` (blocked, yielding or exiting): to the next
 * runnable task when one is ready and nothing is due, else to the loop. */
void gr__switch_away(gr_sched *s, gr__task *from);

/* Task switching (task.c). */
int64_t gr__spawn(gr_sched *s, gr_task_fn fn, void *arg, const char *name,
                  const gr_spawn_opts *opts, const char *file, int line);
void gr__fault_handlers_install(void);
void gr__task_entry(void *arg); /* a new task's first frame */
void gr__reap(gr_sched *s);
void gr__task_free(gr_sched *s, gr__task *t);
int gr__stack_setup(gr_sched *s);
void gr__stack_teardown(gr_sched *s);

/* Objects (sched.c). */
void gr__obj_add(gr_sched *s, gr__obj *o, gr__obj_kind kind);
void gr__obj_del(gr_sched *s, gr__obj *o);
char *gr__name_dup(gr_sched *s, const char *name, const char *kind);

/* Per-kind teardown used by gr_sched_release (object memory freed). */
void gr__chan_free(gr_chan *ch);
void gr__ctx_free(gr_ctx *c);
void gr__wg_free(gr_wg *wg);
void gr__sem_free(gr_sem *sem);
void gr__group_free(gr_group *g);
typedef struct gr__timed gr__timed;
void gr__timed_free(gr__timed *t);  /* a timer or a ticker */
size_t gr__tickers_dump(const gr_sched *s, FILE *f);

/* Fail points (fault.c). An object's points, "<family>/<obj>/<op>", with a
 * cache of which are armed as of the armed-set generation `gen`. */
typedef struct gr__points {
    const char *family;          /* "chan", "net" */
    const char *const *ops;      /* the op names, indexed by op */
    int nops;                    /* <= 4 */
    uint64_t gen;
    unsigned mask;
    char *name[4];               /* built when first needed */
} gr__points;

enum { GR__FAULT_SEND, GR__FAULT_RECV };                        /* chan */
enum { GR__NET_ACCEPT, GR__NET_CONNECT, GR__NET_READ, GR__NET_WRITE }; /* net */
extern const char *const gr__chan_ops[2], *const gr__net_ops[4];

/* Evaluate op of obj's points (obj: its name): 0 or a negated errno, and
 * *res (initialise it to {false, false, -1}). */
int gr__fault_at(gr_sched *s, gr__points *p, const char *obj, int op, bool can_block,
                 int64_t deadline, gr_fault_res *res);
/* A select's send case on obj: does a `full` fault hold it now (the hook's
 * full; false without one)? *until: when that ends. */
bool gr__fault_full(gr_sched *s, gr__points *p, const char *obj, int64_t *until);
void gr__points_free(gr__points *p);

/* Channels (chan.c), shared with select.c. */
struct gr_chan {
    gr__obj obj;
    gr_sched *s;
    size_t esz, cap, len, head;
    unsigned char *buf;
    gr__waitq sendq, recvq;
    bool closed;
    bool listed;        /* on the object list (user channels) */
    gr__points points;  /* chan/<name>/send, chan/<name>/recv */
    char *name;
};
bool gr__chan_send_ready(const gr_chan *ch);
bool gr__chan_recv_ready(const gr_chan *ch);
/* Perform a ready operation (caller checked readiness). send returns false
 * if the channel is closed (panic recorded by the caller); recv sets *ok. */
bool gr__chan_do_send(gr_chan *ch, const void *val);
void gr__chan_do_recv(gr_chan *ch, void *out, bool *ok);
/* Create a channel not on the object list (owned by another object). */
int gr__chan_create(gr_sched *s, gr_chan **out, const char *name, const char *kind,
                    size_t esz, size_t cap);
void gr__chan_close(gr_chan *ch); /* close without panic checks */

static inline void gr__copy(void *dst, const void *src, size_t n)
{
    if (n == 8)
        memcpy(dst, src, 8);
    else if (n)
        memcpy(dst, src, n);
}

int gr__fault_spawn(gr_sched *s, const char *task_name);
void gr__gate_free(struct gr_gate *g);
void gr__conn_free(gr_conn *c);
/* Real net: wake tasks whose sockets are ready, waiting at most until
 * `until` (0: do not wait; GR_FOREVER: until something is ready). */
void gr__io_poll(gr_sched *s, int64_t until);
void gr__listener_free(gr_listener *l);

/* Contexts (ctx.c). */
int gr__ctx_background_create(gr_sched *s);

#endif /* GR_INT_H */
