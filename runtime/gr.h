/* gr.h — gauntlet's Go-style concurrency runtime: tasks, channels, select,
 * context, WaitGroup, semaphore, errgroup and timers on one scheduler thread
 * whose clock is either simulated (virtual, seeded, reproducible) or real.
 *
 * ERRORS. Every function that can fail returns an int (or int64_t): a value
 * >= 0 on success, a negated errno value on failure (-EINVAL, -EPIPE, ...).
 * The exact codes are listed per function. A failed call changes no state
 * unless its comment says otherwise. errno itself is never used: tasks share
 * one OS thread, so a thread-local errno could be clobbered by another task
 * between a failure and its check.
 *
 * CONTEXT. Everything except the gr_sched_* functions acts on the scheduler
 * currently running on this thread, and may only be called from a task of
 * it (from inside gr_sched_run), on objects that scheduler created. Called
 * elsewhere, they fail with -EPERM (or return NULL / 0 where the signature
 * has no room for an error).
 *
 * TIME. All times are int64_t nanoseconds on the scheduler clock. Both clocks
 * start at 0 when the scheduler is created. Deadlines are absolute times on
 * that clock: GR_FOREVER (-1) never expires; a deadline <= gr_now() means
 * "try once, do not block".
 *
 * OWNERSHIP. Objects (channels, contexts, WaitGroups, semaphores, groups,
 * timers, tickers) belong to the scheduler that created them. Release them
 * with their *_release function when done; whatever is still alive when the
 * scheduler is released is released with it, together with every task that
 * is still alive (a leaked task is never resumed again).
 *
 * PANICS. Where Go would panic (send on a closed channel, close of a closed
 * channel, negative WaitGroup counter, ...) the call returns an error AND a
 * "panic event" is recorded in the scheduler (gr_sched_panics), so checks can
 * flag it; the process never crashes for it.
 */
#ifndef GR_H
#define GR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- time */

#define GR_FOREVER INT64_C(-1)
#define GR_NS(x) ((int64_t)(x))
#define GR_US(x) ((int64_t)(x) * INT64_C(1000))
#define GR_MS(x) ((int64_t)(x) * INT64_C(1000000))
#define GR_S(x) ((int64_t)(x) * INT64_C(1000000000))

/* Longest name kept for a task or object (longer names are truncated). */
#define GR_NAME_MAX 48

/* ---------------------------------------------------------------- tables */

/* Task states. */
#define GR_TASK_STATES(X)  \
    X(RUNNABLE, "runnable") \
    X(RUNNING, "running")   \
    X(BLOCKED, "blocked")

typedef enum {
#define GR__X(id, text) GR_TASK_##id,
    GR_TASK_STATES(GR__X)
#undef GR__X
} gr_task_state;

/* What a blocked task waits on. The text is what leak and deadlock reports
 * print, followed by the object's name in quotes where there is one. */
#define GR_WAITS(X)                  \
    X(NONE, "")                      \
    X(CHAN_SEND, "chan send")        \
    X(CHAN_RECV, "chan recv")        \
    X(SELECT, "select")              \
    X(SLEEP, "sleep")                \
    X(WORK, "work")                  \
    X(WG_WAIT, "wg wait")            \
    X(SEM_ACQUIRE, "sem acquire")    \
    X(GROUP_GO, "group go")          \
    X(GROUP_WAIT, "group wait")      \
    X(GATE, "gate")                  \
    X(NET_ACCEPT, "net accept")      \
    X(NET_CONNECT, "net connect")    \
    X(NET_READ, "net read")          \
    X(NET_WRITE, "net write")        \
    X(FAULT_BLOCK, "fault block at") \
    X(FAULT_FULL, "fault full at")

typedef enum {
#define GR__X(id, text) GR_WAIT_##id,
    GR_WAITS(GR__X)
#undef GR__X
} gr_wait;

/* Recorded "panic" events: misuse that Go would turn into a panic. */
#define GR_PANICS(X)                                           \
    X(SEND_CLOSED, "send on closed channel")                   \
    X(CLOSE_CLOSED, "close of closed channel")                 \
    X(CLOSE_NIL, "close of nil channel")                       \
    X(WG_NEGATIVE, "negative WaitGroup counter")               \
    X(SEM_OVER_RELEASE, "semaphore released more than held")

typedef enum {
#define GR__X(id, text) GR_PANIC_##id,
    GR_PANICS(GR__X)
#undef GR__X
    GR_PANIC__COUNT
} gr_panic;

const char *gr_task_state_name(gr_task_state st); /* "runnable", ... */
const char *gr_wait_name(gr_wait w);               /* "chan recv", ... */
const char *gr_panic_name(gr_panic p);             /* "send on closed channel", ... */

/* ---------------------------------------------------------------- scheduler */

typedef struct gr_sched gr_sched;

typedef enum {
    GR_CLOCK_SIM,  /* virtual time; jumps to the next timer when idle */
    GR_CLOCK_REAL, /* CLOCK_MONOTONIC; blocks in the OS until the next timer */
} gr_clock;

/* How the next task to run is chosen among the runnable ones. */
typedef enum {
    GR_PICK_AUTO,   /* sim: GR_PICK_RANDOM; real: GR_PICK_FIFO */
    GR_PICK_RANDOM, /* uniformly at random from the seeded PRNG */
    GR_PICK_FIFO,   /* in the order they became runnable (Go's order) */
} gr_pick;

typedef struct gr_sched_opts {
    gr_clock clock;        /* default GR_CLOCK_SIM */
    gr_pick pick;          /* default GR_PICK_AUTO */
    uint64_t seed;         /* seeds every scheduling choice */
    size_t stack_size;     /* default task stack; 0 = GR_STACK_DEFAULT */
    int64_t time_limit;    /* gr_sched_run stops when the clock would pass
                              this time (-ETIMEDOUT); 0 = no limit */
    size_t panic_log_max;  /* panic events kept in full; 0 = 1024 (all are
                              counted) */
    size_t stack_cache;    /* idle stacks kept for reuse; 0 = 16384 */
} gr_sched_opts;

#define GR_STACK_DEFAULT ((size_t)64 * 1024)
#define GR_STACK_MIN ((size_t)16 * 1024)
#define GR_STACK_MAX ((size_t)256 * 1024 * 1024)

/* Create a scheduler. opts may be NULL (sim clock, seed 0).
 * Returns 0 and sets *out, or -EINVAL (bad option, out NULL), -ENOMEM. */
int gr_sched_create(gr_sched **out, const gr_sched_opts *opts);

/* Spawn a main task running fn(arg) and run the scheduler until:
 *   0           the main task returned (other tasks are left as they are:
 *               alive, inspectable, never resumed unless run is called again);
 *   -EDEADLK    every task is blocked and no timer is pending (Go's "all
 *               goroutines are asleep"); gr_sched_dump lists them;
 *   -ETIMEDOUT  the clock reached opts.time_limit;
 *   -EBUSY      the scheduler is already running (nested call);
 *   -EINVAL     s or fn NULL;  -ENOMEM  the main task could not be created.
 * May be called again on the same scheduler: tasks left alive by an earlier
 * run take part in the next one. */
int gr_sched_run(gr_sched *s, void (*fn)(void *), void *arg, const char *name);

/* Release the scheduler, every task still alive (never resumed) and every
 * object it still owns. NULL is a no-op. Not callable from inside a run. */
void gr_sched_release(gr_sched *s);

typedef struct gr_sched_stats {
    int64_t now;            /* scheduler clock */
    uint64_t live;          /* tasks alive */
    uint64_t peak;          /* most tasks alive at once */
    uint64_t blocked;       /* tasks blocked now */
    uint64_t spawned;       /* tasks created, main tasks included */
    uint64_t exited;        /* tasks that returned */
    uint64_t switches;      /* task switches */
    uint64_t panics;        /* panic events recorded */
    uint64_t timers;        /* timers pending */
    uint64_t tickers;       /* tickers running (created and not stopped) */
    uint64_t last_id;       /* id of the most recently spawned task */
} gr_sched_stats;

void gr_sched_stats_get(const gr_sched *s, gr_sched_stats *out);

/* Hash of the scheduling history so far: every task switch, timer firing and
 * select choice. In sim mode the same program and seed give the same hash. */
uint64_t gr_sched_trace_hash(const gr_sched *s);

/* ---------------------------------------------------------------- registry */

typedef struct gr_task_info {
    uint64_t id;             /* 1, 2, ... in spawn order */
    uint64_t parent;         /* id of the spawning task; 0 for a main task */
    char name[GR_NAME_MAX];
    const char *file;        /* spawn site (static string) */
    int line;
    gr_task_state state;
    gr_wait wait;            /* GR_WAIT_NONE unless BLOCKED */
    char wait_obj[GR_NAME_MAX]; /* name of the object waited on, or "" */
    int wait_n;              /* select: number of cases */
    int64_t created;         /* clock at spawn */
    int64_t blocked_since;   /* clock when it blocked (if BLOCKED) */
} gr_task_info;

/* Copy the live tasks with id > since_id, in id order, into out[0..max).
 * Returns how many such tasks exist (may exceed max). since_id 0 = all.
 * A leak report is gr_sched_tasks(s, checkpoint, ...) where checkpoint is
 * the stats' last_id taken before the code under test started. */
size_t gr_sched_tasks(const gr_sched *s, uint64_t since_id, gr_task_info *out,
                      size_t max);

/* Write "chan recv \"jobs\"", "select(3)", "sleep", ... into buf (always
 * NUL-terminated when len > 0). Returns the length it needed. */
int gr_task_blocked_on(const gr_task_info *ti, char *buf, size_t len);

/* Write one report line for the task: id, name, spawn site, parent, state,
 * what it blocks on and for how long (relative to now). Same return. */
int gr_task_format(const gr_task_info *ti, int64_t now, char *buf, size_t len);

/* Print a header line and one gr_task_format line per live task with
 * id > since_id to f, then one line per ticker never stopped (with where it
 * was created). Returns the number of tasks listed. */
size_t gr_sched_dump(const gr_sched *s, uint64_t since_id, FILE *f);

typedef struct gr_panic_info {
    gr_panic kind;
    int64_t time;
    uint64_t task;                /* 0 if raised by the runtime itself */
    char task_name[GR_NAME_MAX];
    char obj[GR_NAME_MAX];        /* channel / WaitGroup / semaphore name */
} gr_panic_info;

/* Copy the first min(max, kept) recorded panic events into out. Returns the
 * number recorded in total (kept ones plus those only counted). */
size_t gr_sched_panics(const gr_sched *s, gr_panic_info *out, size_t max);

/* Panic events of one kind recorded so far (exact, never capped). */
uint64_t gr_sched_panic_count(const gr_sched *s, gr_panic kind);

/* ---------------------------------------------------------------- tasks */

typedef void (*gr_task_fn)(void *arg);

typedef struct gr_spawn_opts {
    size_t stack_size; /* 0 = the scheduler's default; else GR_STACK_MIN ..
                          GR_STACK_MAX, rounded up to the page size */
} gr_spawn_opts;

/* Spawn a task running fn(arg), named name (may be NULL), recording the
 * caller's file:line as its spawn site. The new task is runnable; the caller
 * keeps running (no yield). Returns the task id (> 0), or -EINVAL (fn NULL,
 * bad stack size), -ENOMEM (no memory or no mapping for the stack: the kernel
 * caps mappings at vm.max_map_count, two per task), -EPERM (not in a run). */
#define gr_spawn(fn, arg, name) gr_spawn_at((fn), (arg), (name), NULL, __FILE__, __LINE__)
#define gr_spawn_with(fn, arg, name, opts) \
    gr_spawn_at((fn), (arg), (name), (opts), __FILE__, __LINE__)
/* file must outlive the task (normally __FILE__ or another static string). */
int64_t gr_spawn_at(gr_task_fn fn, void *arg, const char *name,
                    const gr_spawn_opts *opts, const char *file, int line);

uint64_t gr_self(void);        /* id of the running task; 0 outside a task */
const char *gr_self_name(void); /* its name; "" outside a task */
/* Let other runnable tasks run (and, in real mode, due timers fire). In sim
 * mode time only passes when every task is blocked, so a loop that yields
 * while waiting for time to pass never ends: block instead (gr_sleep). */
void gr_yield(void);
gr_sched *gr_current(void);    /* the scheduler running on this thread, or NULL */

/* Pseudo-random number from the scheduler's seeded PRNG (0 outside a run).
 * The only source of randomness code in a scenario should use. */
uint64_t gr_rand(void);

/* ---------------------------------------------------------------- clock */

int64_t gr_now(void); /* scheduler clock; 0 outside a run */

/* now + d, saturating; d < 0 gives GR_FOREVER. */
int64_t gr_deadline_in(int64_t d);

/* Block the task for d ns (d <= 0: no wait). 0, or -EPERM. */
int gr_sleep(int64_t d);
int gr_sleep_until(int64_t deadline);

/* Spend d ns of modelled work: the task is busy (shown as "work") for d on
 * the scheduler clock; other tasks run meanwhile. 0, or -EPERM. */
int gr_work(int64_t d);

/* ---------------------------------------------------------------- channels */

typedef struct gr_chan gr_chan;

/* Create a channel of elements of elem_size bytes (0 allowed: a signal
 * channel), holding up to cap elements (0 = unbuffered: every send meets a
 * receive). name may be NULL ("chan#N" is used).
 * Returns 0, -EINVAL (out NULL, cap > 2^30 or cap*elem_size > 2^32), -ENOMEM. */
int gr_chan_create(gr_chan **out, const char *name, size_t elem_size, size_t cap);

/* Free the channel. NULL: 0. -EBUSY (nothing freed) while tasks wait on it. */
int gr_chan_release(gr_chan *ch);

/* Send *val (elem_size bytes; val may be NULL when elem_size is 0). Blocks
 * until a receiver takes it or the buffer has room.
 * 0; -EPIPE if the channel is closed or gets closed while blocked (panic
 * event); -EINVAL (ch NULL, val NULL with elem_size > 0); -EPERM. */
int gr_chan_send(gr_chan *ch, const void *val);

/* Receive into *out (may be NULL to discard). Blocks until a value is there
 * or the channel is closed. 0 = a value was received; -EPIPE = closed and
 * drained (*out zero-filled: Go's ok == false); -EINVAL (ch NULL); -EPERM. */
int gr_chan_recv(gr_chan *ch, void *out);

/* Go's `v, ok := <-ch`: like gr_chan_recv, but a closed channel is success
 * with *ok = false. 0, -EINVAL (ch or ok NULL), -EPERM. */
int gr_chan_recv_ok(gr_chan *ch, void *out, bool *ok);

/* Never block: -EAGAIN where the blocking form would block; else as above. */
int gr_chan_try_send(gr_chan *ch, const void *val);
int gr_chan_try_recv(gr_chan *ch, void *out);

/* Close: buffered values can still be received; then every receive returns
 * at once with a zero value; every blocked receiver and sender is woken
 * (senders get -EPIPE). 0; -EPIPE if already closed (panic event); -EINVAL
 * if ch is NULL (panic event "close of nil channel"). */
int gr_chan_close(gr_chan *ch);

size_t gr_chan_len(const gr_chan *ch); /* values buffered; 0 for NULL */
size_t gr_chan_cap(const gr_chan *ch);
bool gr_chan_closed(const gr_chan *ch);
const char *gr_chan_name(const gr_chan *ch);

/* ---------------------------------------------------------------- select */

typedef enum { GR_CASE_RECV = 1, GR_CASE_SEND = 2 } gr_case_op;

typedef struct gr_case {
    gr_chan *ch;  /* NULL: the case never fires (Go's nil channel) */
    gr_case_op op;
    void *val;    /* send: value to send; recv: where to store (may be NULL) */
    bool ok;      /* out: recv: a value came (false = closed);
                     send: delivered (false = channel closed, panic event) */
} gr_case;

#define GR_RECV(c, ptr) ((gr_case){.ch = (c), .op = GR_CASE_RECV, .val = (ptr)})
#define GR_SEND(c, ptr) ((gr_case){.ch = (c), .op = GR_CASE_SEND, .val = (void *)(ptr)})
#define GR_SELECT_MAX 128

/* Wait until one of the n cases can proceed, perform it, and return its
 * index. When several are ready, one is chosen uniformly at random from the
 * scheduler's PRNG. deadline: GR_FOREVER blocks; a deadline <= gr_now() is
 * Go's `default:` (returns -EAGAIN if none is ready); otherwise -ETIMEDOUT
 * when the deadline passes first. -EINVAL (n < 0 or > GR_SELECT_MAX, cases
 * NULL with n > 0, bad op, send val NULL with elem_size > 0); -EPERM (not
 * in a run, or a channel of another scheduler).
 * A select over zero non-NULL cases with GR_FOREVER blocks forever. */
int gr_select(gr_case *cases, int n, int64_t deadline);

/* ---------------------------------------------------------------- context */

typedef struct gr_ctx gr_ctx;

/* The root context of the current scheduler: never cancelled, no deadline,
 * its done channel is NULL (never ready). NULL outside a run. Not released. */
gr_ctx *gr_ctx_background(void);

/* Derive a child of parent. It is cancelled when gr_ctx_cancel is called on
 * it or on any ancestor (with the ancestor's error), or when its deadline
 * passes (-ETIMEDOUT). A child of a cancelled parent starts cancelled.
 * Returns 0; -EINVAL (out or parent NULL); -ENOMEM; -EPERM. */
int gr_ctx_with_cancel(gr_ctx **out, gr_ctx *parent);
int gr_ctx_with_deadline(gr_ctx **out, gr_ctx *parent, int64_t deadline);
int gr_ctx_with_timeout(gr_ctx **out, gr_ctx *parent, int64_t timeout);

/* Cancel c and all its descendants (-ECANCELED). Idempotent: a second call,
 * or a call on an already expired context, changes nothing. 0; -EINVAL
 * (NULL or the background context). */
int gr_ctx_cancel(gr_ctx *c);

/* 0 while active; -ECANCELED or -ETIMEDOUT (Go's DeadlineExceeded) once done;
 * -EINVAL for NULL. */
int gr_ctx_err(const gr_ctx *c);

/* Channel closed when c is done (recv returns -EPIPE / select ok = false). */
gr_chan *gr_ctx_done(const gr_ctx *c);

/* The effective deadline (the earliest of c's and its ancestors'), or
 * GR_FOREVER. */
int64_t gr_ctx_deadline(const gr_ctx *c);

/* Cancel c (as gr_ctx_cancel), stop and free its timer, detach it from its
 * parent and its children (which stay valid, cancelled), and free it. NULL
 * and the background context are no-ops. Tasks must not use c afterwards. */
void gr_ctx_release(gr_ctx *c);

/* Run fn(arg) once when c is cancelled, for any reason (Go's
 * context.AfterFunc): to interrupt what cannot select on gr_ctx_done, e.g.
 * gr_conn_shutdown on a connection a task is blocked on. fn runs inside
 * the cancelling call, or in the scheduler when a deadline passes: it must
 * not block, only wake things. If c is already done, fn runs now. The hook
 * is the caller's memory, with private fields, until it has run or been
 * removed. 0; -EINVAL (NULL c, h or fn, or the background context). */
typedef struct gr_ctx_hook {
    struct gr_ctx_hook *prev, *next; /* private */
    gr_ctx *ctx;
    void (*fn)(void *arg);
    void *arg;
} gr_ctx_hook;

int gr_ctx_hook_add(gr_ctx *c, gr_ctx_hook *h, void (*fn)(void *arg), void *arg);

/* Remove h before it runs: true if removed, false if it had run already
 * (or was never added). */
bool gr_ctx_hook_del(gr_ctx_hook *h);

/* ---------------------------------------------------------------- WaitGroup */

typedef struct gr_wg gr_wg;

int gr_wg_create(gr_wg **out, const char *name); /* 0, -EINVAL, -ENOMEM, -EPERM */
/* Add delta to the counter; at 0 every waiter wakes. If the counter would go
 * negative: -ERANGE, counter unchanged, panic event. -EINVAL for NULL. */
int gr_wg_add(gr_wg *wg, int64_t delta);
int gr_wg_done(gr_wg *wg); /* gr_wg_add(wg, -1) */
int gr_wg_wait(gr_wg *wg); /* blocks until the counter is 0. 0, -EINVAL, -EPERM */
int64_t gr_wg_count(const gr_wg *wg);
int gr_wg_release(gr_wg *wg); /* 0; -EBUSY while tasks wait */

/* ---------------------------------------------------------------- semaphore */

typedef struct gr_sem gr_sem;

/* Weighted semaphore of total weight size (> 0). Waiters are served strictly
 * in FIFO order: a small request never overtakes a queued big one. */
int gr_sem_create(gr_sem **out, const char *name, int64_t size);

/* Acquire n (0 < n <= size), blocking until available or ctx is done (ctx
 * may be NULL: no cancellation). 0; ctx's error (-ECANCELED / -ETIMEDOUT)
 * with nothing acquired; -EINVAL (NULL sem, n out of range); -EPERM. */
int gr_sem_acquire(gr_sem *s, gr_ctx *ctx, int64_t n);
int gr_sem_try_acquire(gr_sem *s, int64_t n); /* 0, -EAGAIN, -EINVAL */

/* Give back n (Go's Release). More than held: -ERANGE, nothing changed,
 * panic event. Then wakes queued waiters in order while they fit. */
int gr_sem_post(gr_sem *s, int64_t n);
int64_t gr_sem_held(const gr_sem *s);
int gr_sem_release(gr_sem *s); /* free; 0, -EBUSY while tasks wait */

/* ---------------------------------------------------------------- errgroup */

typedef struct gr_group gr_group;

/* A group task returns 0 for success or an error code (any non-zero int). */
typedef int (*gr_group_fn)(gr_ctx *ctx, void *arg);

/* A group with its own context derived from parent (NULL = background).
 * limit > 0 caps the tasks running at once (gr_group_go then blocks);
 * limit <= 0 means no limit. */
int gr_group_create(gr_group **out, gr_ctx *parent, const char *name, int limit);
gr_ctx *gr_group_ctx(const gr_group *g);

/* Spawn fn(group ctx, arg) in the group; the first task to return non-zero
 * cancels the group context and its error is what gr_group_wait returns.
 * Blocks while the limit is reached. Returns the task id, or -EINVAL,
 * -ENOMEM, -EPERM. The _try form returns -EAGAIN instead of blocking. */
#define gr_group_go(g, fn, arg, name) \
    gr_group_go_at((g), (fn), (arg), (name), false, __FILE__, __LINE__)
#define gr_group_try_go(g, fn, arg, name) \
    gr_group_go_at((g), (fn), (arg), (name), true, __FILE__, __LINE__)
int64_t gr_group_go_at(gr_group *g, gr_group_fn fn, void *arg, const char *name,
                       bool try_only, const char *file, int line);

/* Wait for every task of the group, then cancel the group context. Returns
 * the first error a task returned, or 0. -EINVAL for NULL; -EPERM. */
int gr_group_wait(gr_group *g);
int gr_group_release(gr_group *g); /* 0; -EBUSY while group tasks run */

/* ---------------------------------------------------------------- timers */

typedef struct gr_timer gr_timer;
typedef struct gr_ticker gr_ticker;

/* One-shot timer (Go's time.NewTimer / time.After): after d ns its channel
 * (capacity 1, elements int64_t) receives the firing time. */
int gr_timer_create(gr_timer **out, const char *name, int64_t d);
gr_chan *gr_timer_chan(const gr_timer *t);
/* Stop: true if this stopped a pending firing, false if it had fired or was
 * already stopped. */
bool gr_timer_stop(gr_timer *t);
/* Re-arm to fire d ns from now. Returns true if it was pending. */
bool gr_timer_reset(gr_timer *t, int64_t d);
/* Free the timer. 0; -EBUSY (nothing freed) while tasks wait on its channel. */
int gr_timer_release(gr_timer *t);

/* Ticker (Go's time.NewTicker): its channel (cap 1, int64_t) receives the
 * time every period ns; ticks a slow reader misses are dropped. A ticker that
 * is never stopped is counted in the stats (a leak checks can see). */
#define gr_ticker_create(out, name, period) \
    gr_ticker_create_at((out), (name), (period), __FILE__, __LINE__)
int gr_ticker_create_at(gr_ticker **out, const char *name, int64_t period,
                        const char *file, int line); /* -EINVAL if period <= 0 */
gr_chan *gr_ticker_chan(const gr_ticker *t);
void gr_ticker_stop(gr_ticker *t);
int gr_ticker_release(gr_ticker *t); /* as gr_timer_release */

/* ---------------------------------------------------------------- net */

/* Byte-stream connections through the scheduler: a blocked call parks the
 * task (the registry shows `net read "<endpoint>"`), never the thread.
 *
 * SIM clock: endpoints are names ("db:5432", anything non-empty); links are
 * in-memory byte streams with a modelled one-way latency, fully
 * deterministic. A connect takes one latency; bytes written at t are
 * readable at t + latency, in order; each direction buffers at most
 * GR_NET_BUF bytes (a writer blocks beyond: backpressure).
 *
 * REAL clock: TCP over loopback only: endpoints are "127.0.0.1:PORT" or
 * "localhost:PORT" (any other address is -EINVAL); listening on port 0
 * picks a free one (gr_listener_endpoint tells which). Sockets are
 * non-blocking and registered with the scheduler's epoll; a call that
 * would block parks the task, and the scheduler waits in epoll only when
 * every task is blocked. gr_conn_abort sends a TCP RST (SO_LINGER 0).
 * latency in gr_net_opts is ignored (the kernel's is real).
 *
 * Errors, as everywhere: negated errno. -ECONNREFUSED (no listener),
 * -EADDRINUSE, -ETIMEDOUT (deadline), -ECONNRESET (peer aborted), -EPIPE
 * (write after the peer closed or after our own close), -EBADF (the conn or
 * listener was closed by another task while this one waited on it). */

#define GR_NET_BUF ((size_t)256 * 1024)

typedef struct gr_listener gr_listener;
typedef struct gr_conn gr_conn;

typedef struct gr_net_opts {
    int64_t latency;       /* sim: one-way latency of links to this
                              listener, ns (>= 0; default 0) */
    int backlog;           /* pending connections kept (default 128);
                              beyond, connects are refused */
} gr_net_opts;

/* Listen on endpoint. opts may be NULL. 0; -EINVAL (empty endpoint, bad
 * opts); -EADDRINUSE; -ENOMEM; -EPERM. */
int gr_listen(gr_listener **out, const char *endpoint, const gr_net_opts *opts);
const char *gr_listener_endpoint(const gr_listener *l);

/* Wait for a connection (deadline as in gr_select's). 0 and *out;
 * -ETIMEDOUT; -EBADF (listener closed meanwhile); -EINVAL; -EPERM. */
int gr_accept(gr_listener *l, gr_conn **out, int64_t deadline);

/* Stop listening: pending and future connects are refused, waiting and
 * later accepts return -EBADF. l stays valid (another task may still call
 * gr_accept on it: it gets -EBADF) until gr_listener_release or the
 * scheduler's release. 0; -EBADF (already closed); -EINVAL. */
int gr_listener_close(gr_listener *l);

/* Free a closed listener nobody is inside a call on: 0; -EBUSY (open, or a
 * task is still in gr_accept on it: nothing freed). NULL: 0. */
int gr_listener_release(gr_listener *l);

/* Connect to endpoint. 0 and *out; -ECONNREFUSED; -ETIMEDOUT; -EINVAL;
 * -ENOMEM; -EPERM. */
int gr_connect(gr_conn **out, const char *endpoint, int64_t deadline);

/* Read up to len bytes, waiting until at least one is readable. Returns the
 * count (> 0), 0 at end of stream (the peer closed), or -ECONNRESET,
 * -ETIMEDOUT, -EBADF, -EINVAL, -EPERM. */
int64_t gr_conn_read(gr_conn *c, void *buf, size_t len, int64_t deadline);

/* Write all len bytes, waiting while the link's buffer is full. Returns len
 * (fewer only when a `short` fault fires at net/<endpoint>/write),
 * or -EPIPE, -ECONNRESET, -ETIMEDOUT (some bytes may have been written),
 * -EBADF, -EINVAL, -EPERM. */
int64_t gr_conn_write(gr_conn *c, const void *buf, size_t len, int64_t deadline);

/* Graceful close: the peer reads what was written, then end of stream; its
 * later writes fail with -EPIPE. Tasks waiting on c get -EBADF. Frees c. */
int gr_conn_close(gr_conn *c);

/* Abortive close (TCP RST): data in flight is discarded and the peer's
 * reads and writes fail with -ECONNRESET. Frees c. */
int gr_conn_abort(gr_conn *c);

/* Interrupt c from any task: calls waiting on it return -ESHUTDOWN at once,
 * and so do later ones. Nothing is sent and c is not freed: its owner
 * still closes it (FIN) or aborts it (RST), which is all the peer sees.
 * That includes a call waiting out a delay fault at its point (so does
 * gr_conn_close, with -EBADF).
 * 0 (also when already shut); -EINVAL (NULL); -EBADF (closed). */
int gr_conn_shutdown(gr_conn *c);

const char *gr_conn_endpoint(const gr_conn *c); /* the listener's endpoint */

/* ---------------------------------------------------------------- gates */

typedef struct gr_gate gr_gate;

/* A gate: tasks wait at it while it is closed; opening it releases every
 * waiter and lets later waits pass until it is closed again. Created
 * closed. `why` and `name` are what reports show for waiting tasks
 * (GR_WAIT_FAULT_BLOCK with a point name reads "fault block at <point>").
 * 0, -EINVAL (out NULL, why not a gr_wait), -ENOMEM, -EPERM. */
int gr_gate_create(gr_gate **out, const char *name, gr_wait why);

/* Wait until the gate is open or the deadline passes (GR_FOREVER: no
 * deadline). 0 = passed; -ETIMEDOUT; -EINVAL (NULL); -EPERM. */
int gr_gate_wait(gr_gate *g, int64_t deadline);
void gr_gate_open(gr_gate *g);   /* NULL: no-op */
void gr_gate_close(gr_gate *g);  /* NULL: no-op */
bool gr_gate_is_open(const gr_gate *g);
size_t gr_gate_waiting(const gr_gate *g); /* tasks waiting now */
int gr_gate_release(gr_gate *g); /* 0; -EBUSY while tasks wait */

/* ---------------------------------------------------------------- fail points */

/* The runtime marks fail points at its operations, named as paths:
 *
 *   chan/<name>/send    gr_chan_send, gr_chan_try_send
 *   chan/<name>/recv    gr_chan_recv, gr_chan_recv_ok, gr_chan_try_recv
 *   task/spawn/<name>   gr_spawn*, gr_group_go* (<name>: the new task's)
 *   net/<endpoint>/accept, .../connect, .../read, .../write
 *                       the net calls (drop aborts the connection: the call
 *                       fails with -ECONNRESET, the peer sees a reset; an
 *                       accept skips a dropped connection; short bounds
 *                       the bytes a read or write moves)
 *
 * It only names them. A fault layer (inject/) installs a hook that decides
 * what happens at a point. With no hook, or nothing armed, a point costs one
 * load and a branch; with something armed elsewhere, a few more (each object
 * caches whether its points are armed until the armed set changes).
 * Points are not evaluated in gr_select. Timers have none: they fire in the
 * scheduler, outside any task, where nothing can be delayed or parked; a
 * fault on the receive from a timer's channel covers what waits for it. */

/* What the fault layer decided at a point besides an error. The runtime
 * passes it in as {false, false, -1}. */
typedef struct gr_fault_res {
    bool full;             /* a send acts as if the channel were full
                              (try-send fails with -EAGAIN) */
    bool drop;             /* net: abort the connection (-ECONNRESET) */
    int64_t short_bytes;   /* net read/write: move at most this many bytes
                              (>= 0); -1: no limit */
} gr_fault_res;

typedef struct gr_fault_hook {
    /* Does any armed fault aim at the point `name`? Asked once per object
     * and point after each gr_sched_faults_changed. */
    bool (*armed)(void *ctx, const char *name);
    /* The running task reached `name`, which armed() said is armed: decide
     * and apply in place what may block (delays, blocking; only when
     * can_block, and never past `deadline`, the operation's own: cut short
     * there, the operation fails with -ETIMEDOUT), fill *res, and return 0
     * or a negated errno the operation fails with. */
    int (*hit)(void *ctx, const char *name, bool can_block, int64_t deadline,
               gr_fault_res *res);
    /* Optional. A select's send case reached `name` (armed() said so): does
     * a fault that makes sends act as if the channel were full fire there
     * now? If so, set *until to when it stops holding (its window's end;
     * GR_FOREVER: until cleared) and return true. Only such faults are
     * evaluated (and counted). The select treats the case as not ready and
     * looks again at *until and at every gr_sched_faults_changed. NULL: a
     * select's cases see no faults. */
    bool (*full)(void *ctx, const char *name, int64_t *until);
    void *ctx;
} gr_fault_hook;

/* Install (or with NULL remove) the scheduler's fault hook. */
void gr_sched_set_fault_hook(gr_sched *s, const gr_fault_hook *hook);

/* The set of armed faults changed; any: whether anything is armed now. */
void gr_sched_faults_changed(gr_sched *s, bool any);

#endif /* GR_H */
