/* sched.c — the scheduler: its run loop, the two clocks, the seeded
 * PRNG, the run queue, parking and waking tasks, owned objects, panic
 * events and statistics. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "runtime/gr_int.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GR__ASAN 1
#else
#define GR__ASAN 0
#endif

__thread gr_sched *gr__cur_sched;

/* In real mode a task switch goes through the scheduler loop (and reads the
 * 50 ns clock) only every this many switches. */
#define GR__POLL_EVERY 64

/* ---------------------------------------------------------------- names */

#define GR__X(id, text) text,
static const char *const state_names[] = {GR_TASK_STATES(GR__X)};
static const char *const wait_names[] = {GR_WAITS(GR__X)};
static const char *const panic_names[] = {GR_PANICS(GR__X)};
#undef GR__X

#define GR__NAME_OF(table, i) \
    ((size_t)(i) < sizeof(table) / sizeof(table[0]) ? table[i] : "?")

const char *gr_task_state_name(gr_task_state st) { return GR__NAME_OF(state_names, st); }
const char *gr_wait_name(gr_wait w) { return GR__NAME_OF(wait_names, w); }
const char *gr_panic_name(gr_panic p) { return GR__NAME_OF(panic_names, p); }

/* ---------------------------------------------------------------- clock, PRNG */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * GR_S(1) + ts.tv_nsec;
}

static __attribute__((noinline)) int64_t real_clock_read(gr_sched *s)
{
    int64_t t = mono_ns() - s->real_base;
    if (t > s->now)
        s->now = t;
    return s->now;
}

/* Sim: a load, inlined by LTO into gr_now's callers; real: the OS clock. */
int64_t gr__clock_read(gr_sched *s)
{
    return s->clock == GR_CLOCK_REAL ? real_clock_read(s) : s->now;
}

int64_t gr_now(void)
{
    gr_sched *s = gr__cur_sched;
    return s ? gr__clock_read(s) : 0;
}

int64_t gr_deadline_in(int64_t d)
{
    if (d < 0)
        return GR_FOREVER;
    int64_t now = gr_now();
    return d > INT64_MAX - now ? INT64_MAX : now + d;
}

/* wyrand: one 64-bit state, passes BigCrush, ~1 ns. */
uint64_t gr__rand(gr_sched *s)
{
    s->rng += UINT64_C(0xa0761d6478bd642f);
    unsigned __int128 m = (unsigned __int128)s->rng * (s->rng ^ UINT64_C(0xe7037ed1a0b428db));
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

uint64_t gr_rand(void)
{
    gr_sched *s = gr__cur_sched;
    return s ? gr__rand(s) : 0;
}

/* ---------------------------------------------------------------- objects */

void gr__obj_add(gr_sched *s, gr__obj *o, gr__obj_kind kind)
{
    o->kind = kind;
    o->prev = NULL;
    o->next = s->objs;
    if (s->objs)
        s->objs->prev = o;
    s->objs = o;
}

void gr__obj_del(gr_sched *s, gr__obj *o)
{
    if (o->prev)
        o->prev->next = o->next;
    else
        s->objs = o->next;
    if (o->next)
        o->next->prev = o->prev;
    o->prev = o->next = NULL;
}

/* A heap copy of name truncated to GR_NAME_MAX - 1, or "<kind>#N" when name
 * is NULL (N counts per scheduler, so it is reproducible). NULL on ENOMEM. */
char *gr__name_dup(gr_sched *s, const char *name, const char *kind)
{
    char buf[GR_NAME_MAX];
    if (name)
        snprintf(buf, sizeof buf, "%s", name);
    else
        snprintf(buf, sizeof buf, "%s#%llu", kind, (unsigned long long)++s->obj_seq);
    return strdup(buf);
}

static void free_obj(gr__obj *o)
{
    switch (o->kind) {
    case GR__OBJ_CHAN: gr__chan_free((gr_chan *)o); break;
    case GR__OBJ_CTX: gr__ctx_free((gr_ctx *)o); break;
    case GR__OBJ_WG: gr__wg_free((gr_wg *)o); break;
    case GR__OBJ_SEM: gr__sem_free((gr_sem *)o); break;
    case GR__OBJ_GROUP: gr__group_free((gr_group *)o); break;
    case GR__OBJ_TIMER:
    case GR__OBJ_TICKER: gr__timed_free((gr__timed *)o); break;
    case GR__OBJ_GATE: gr__gate_free((gr_gate *)o); break;
    case GR__OBJ_CONN: gr__conn_free((gr_conn *)o); break;
    case GR__OBJ_LISTENER: gr__listener_free((gr_listener *)o); break;
    }
}

/* ---------------------------------------------------------------- panics */

void gr__panic(gr_sched *s, gr_panic kind, const char *obj)
{
    gr__panics *p = &s->panics;
    p->total++;
    p->by_kind[kind]++;
    if (p->kept == p->max)
        return;
    if (!p->log) {
        p->log = calloc(p->max, sizeof *p->log);
        if (!p->log)
            return; /* still counted */
    }
    gr_panic_info *e = &p->log[p->kept++];
    e->kind = kind;
    e->time = s->now;
    e->task = s->cur ? s->cur->id : 0;
    snprintf(e->task_name, sizeof e->task_name, "%s", s->cur ? s->cur->name : "");
    snprintf(e->obj, sizeof e->obj, "%s", obj ? obj : "");
}

size_t gr_sched_panics(const gr_sched *s, gr_panic_info *out, size_t max)
{
    size_t n = s->panics.kept < max ? s->panics.kept : max;
    if (n)
        memcpy(out, s->panics.log, n * sizeof *out);
    return (size_t)s->panics.total;
}

uint64_t gr_sched_panic_count(const gr_sched *s, gr_panic kind)
{
    return (unsigned)kind < GR_PANIC__COUNT ? s->panics.by_kind[kind] : 0;
}

/* ---------------------------------------------------------------- run queue */

/* Take the next task to run: the oldest runnable one (FIFO), or one chosen
 * uniformly at random — the seeded choice that makes a sim run's
 * interleaving a function of its seed. */
static gr__task *pick(gr_sched *s)
{
    size_t mask = s->runq_cap - 1, head = s->runq_head;
    if (s->pick_random && s->nrun > 1) {
        size_t i = (head + (size_t)gr__rand_below(s, s->nrun)) & mask;
        gr__task *t = s->runq[i];
        s->runq[i] = s->runq[head];
        s->runq[head] = t;
    }
    gr__task *t = s->runq[head];
    s->runq_head = (head + 1) & mask;
    s->nrun--;
    return t;
}

/* ---------------------------------------------------------------- switching */

#if GR__ASAN
static void os_stack_bounds(gr_sched *s)
{
    pthread_attr_t a;
    void *lo;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &lo, &size);
        pthread_attr_destroy(&a);
        s->asan_stack = lo;
        s->asan_stack_size = size;
    }
}
#endif

/* Switch from `from` (NULL: the scheduler loop) to `to` (NULL: the loop).
 * Returns when something switches back to `from`. */
static inline void switch_to(gr_sched *s, gr__task *from, gr__task *to)
{
    void **save = from ? &from->sp : &s->sp;
    void *load;
    if (to) {
        to->state = GR_TASK_RUNNING;
        s->switches++;
        gr__trace(s, to->id);
        load = to->sp;
    } else {
        load = s->sp;
    }
    s->cur = to;
#if GR__ASAN
    void **fake = from ? &from->asan_fake : &s->asan_fake;
    if (from && s->dead == from)
        fake = NULL; /* exiting: let ASan drop its fake stack */
    if (!s->asan_stack)
        os_stack_bounds(s);
    if (to)
        __sanitizer_start_switch_fiber(fake, to->map + s->page, to->map_size - s->page);
    else
        __sanitizer_start_switch_fiber(fake, s->asan_stack, s->asan_stack_size);
#endif
    if (GR__LIKELY(load != NULL))
        gr__ctx_switch(save, load);
    else /* first run: start on the top of its fresh stack */
        gr__ctx_start(save, to->map + to->map_size, gr__task_entry, to);
#if GR__ASAN
    __sanitizer_finish_switch_fiber(from ? from->asan_fake : s->asan_fake, NULL, NULL);
#endif
    if (s->dead)
        gr__reap(s);
}

/* Whether the next switch must go through the scheduler loop: sim, a timer
 * is due now; real, it is time to read the clock (every GR__POLL_EVERY
 * switches, timers or not, so the time stamped on blocked tasks stays
 * fresh). */
static bool loop_due(gr_sched *s)
{
    if (s->clock == GR_CLOCK_SIM)
        return s->nheap && s->heap[0]->when <= s->now;
    return --s->poll_countdown <= 0;
}

/* Switch away from `from` (blocked, yielding or exiting): straight to the
 * next runnable task when there is one and nothing else is due, else to the
 * scheduler loop. */
void gr__switch_away(gr_sched *s, gr__task *from)
{
    if (s->nrun && !s->main_done && !loop_due(s))
        switch_to(s, from, pick(s));
    else
        switch_to(s, from, NULL);
}

int gr__park(gr_sched *s, gr_wait why, const char *obj, int n)
{
    gr__task *t = s->cur;
    t->state = GR_TASK_BLOCKED;
    t->wait = why;
    t->wait_obj = obj;
    t->wait_n = n;
    t->blocked_since = s->now;
    s->blocked++;
    gr__switch_away(s, t);
    return t->fired;
}

gr__waiter *gr__wait_one(gr_sched *s, gr__waitq *q, gr_wait why, const char *obj,
                         void *val)
{
    gr__waiter *w = gr__waiters(s->cur, 1, NULL);
    w->val = val;
    gr__waitq_push(q, w);
    gr__park(s, why, obj, 0);
    return w;
}

void gr__wake_timer(gr_sched *s, gr__timer *tm)
{
    gr__unblock(s, tm->arg, -1);
}

void gr_yield(void)
{
    gr_sched *s = gr__sched();
    if (!s)
        return;
    gr__task *t = s->cur;
    gr__ready(s, t);
    if (loop_due(s)) { /* let due timers fire (real: read the clock) */
        switch_to(s, t, NULL);
        return;
    }
    gr__task *next = pick(s);
    if (next != t)
        switch_to(s, t, next);
    else
        t->state = GR_TASK_RUNNING;
}

/* ---------------------------------------------------------------- lifecycle */

int gr_sched_create(gr_sched **out, const gr_sched_opts *opts)
{
    gr_sched_opts o = opts ? *opts : (gr_sched_opts){0};
    if (!out || (o.clock != GR_CLOCK_SIM && o.clock != GR_CLOCK_REAL) ||
        (o.pick != GR_PICK_AUTO && o.pick != GR_PICK_RANDOM && o.pick != GR_PICK_FIFO) ||
        o.time_limit < 0 || (o.stack_size && (o.stack_size < GR_STACK_MIN ||
                                              o.stack_size > GR_STACK_MAX)))
        return -EINVAL;
    gr_sched *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->clock = o.clock;
    s->epfd = -1;
    s->pick_random = o.pick == GR_PICK_RANDOM || (o.pick == GR_PICK_AUTO && o.clock == GR_CLOCK_SIM);
    s->real_base = mono_ns();
    s->time_limit = o.time_limit;
    s->rng = o.seed ^ UINT64_C(0x9e3779b97f4a7c15);
    s->trace = UINT64_C(0xcbf29ce484222325);
    s->panics.max = o.panic_log_max ? o.panic_log_max : 1024;
    s->stacks.max = o.stack_cache ? o.stack_cache : 16384;
    s->stack_size = o.stack_size ? o.stack_size : GR_STACK_DEFAULT;
    int rc = gr__stack_setup(s);
    if (rc == 0)
        rc = gr__ctx_background_create(s);
    if (rc < 0) {
        gr_sched_release(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Sleep in the OS until the real clock reaches `when` (scheduler time). */
static void real_wait_until(gr_sched *s, int64_t when)
{
    int64_t abs = s->real_base + when;
    struct timespec ts = {.tv_sec = abs / GR_S(1), .tv_nsec = abs % GR_S(1)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static int run_loop(gr_sched *s)
{
    for (;;) {
        if (s->main_done)
            return 0;
        if (s->clock == GR_CLOCK_REAL) {
            gr__clock_read(s);
            s->poll_countdown = GR__POLL_EVERY;
            if (s->io_waiting)
                gr__io_poll(s, 0); /* sockets ready: wake their tasks */
            if (s->time_limit && s->now > s->time_limit)
                return -ETIMEDOUT;
        }
        if (s->nheap)
            gr__timers_fire(s);
        if (s->nrun) {
            switch_to(s, NULL, pick(s));
            continue;
        }
        if (!s->nheap && !s->io_waiting)
            return -EDEADLK; /* nothing runnable, and nothing can wake */
        int64_t next = s->nheap ? s->heap[0]->when : GR_FOREVER;
        if (s->time_limit && (next == GR_FOREVER || next > s->time_limit)) {
            if (s->clock == GR_CLOCK_SIM)
                s->now = s->time_limit;
            if (!s->io_waiting)
                return -ETIMEDOUT;
            next = s->time_limit + 1; /* sockets may still wake someone */
        }
        if (s->clock == GR_CLOCK_SIM)
            s->now = next;
        else if (s->io_waiting)
            gr__io_poll(s, next);
        else
            real_wait_until(s, next);
    }
}

int gr_sched_run(gr_sched *s, void (*fn)(void *), void *arg, const char *name)
{
    if (!s || !fn)
        return -EINVAL;
    if (s->running || gr__cur_sched)
        return -EBUSY;
    gr__fault_handlers_install();
    gr__cur_sched = s;
    s->running = true;
    s->main_done = false;
    int64_t id = gr__spawn(s, fn, arg, name ? name : "main", NULL, "gr_sched_run", 0);
    int rc = (int)id;
    if (id > 0) {
        s->main = s->tasks_tail;
        rc = run_loop(s);
    }
    s->main = NULL;
    s->running = false;
    gr__cur_sched = NULL;
    return rc;
}

void gr_sched_release(gr_sched *s)
{
    if (!s)
        return;
    if (s->running) {
        fprintf(stderr, "gauntlet: gr_sched_release called inside a run\n");
        abort();
    }
    /* Unhook every waiter and timer of the tasks left alive first: their
     * records live on the stacks about to be unmapped. */
    for (gr__task *t = s->tasks_head; t; t = t->next) {
        for (int i = 0; i < t->nwaiters; i++)
            if (t->waiters[i].q)
                gr__waitq_unhook(&t->waiters[i]);
        t->nwaiters = 0;
        if (t->timer.hidx >= 0)
            gr__timer_stop(s, &t->timer);
    }
    s->releasing = true; /* ctx hooks may point at anything: none runs */
    while (s->objs)
        free_obj(s->objs);
    while (s->tasks_head) {
        gr__task *t = s->tasks_head;
        s->tasks_head = t->next;
        gr__task_free(s, t);
    }
    if (s->dead)
        gr__reap(s);
    gr__stack_teardown(s);
    if (s->epfd >= 0)
        close(s->epfd);
    free(s->runq);
    free(s->heap);
    free(s->panics.log);
    free(s);
}

/* ---------------------------------------------------------------- stats */

void gr_sched_stats_get(const gr_sched *s, gr_sched_stats *out)
{
    *out = (gr_sched_stats){
        .now = s->now,
        .live = s->live,
        .peak = s->peak,
        .blocked = s->blocked,
        .spawned = s->spawned,
        .exited = s->exited,
        .switches = s->switches,
        .panics = s->panics.total,
        .timers = s->nheap,
        .tickers = s->tickers,
        .last_id = s->next_id,
    };
}

uint64_t gr_sched_trace_hash(const gr_sched *s) { return s->trace; }
