/* task.c — tasks: stacks with guard pages (cached for reuse), spawning,
 * switching (with AddressSanitizer's fiber annotations in SAN builds),
 * exiting, and the fault handler that names the task a crash happened in. */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/gr_int.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GR__ASAN 1
#else
#define GR__ASAN 0
#endif

static size_t round_page(gr_sched *s, size_t n)
{
    return (n + s->page - 1) & ~(s->page - 1);
}

int gr__stack_setup(gr_sched *s)
{
    s->page = (size_t)sysconf(_SC_PAGESIZE);
    s->stack_size = round_page(s, s->stack_size);
    return 0;
}

/* ---------------------------------------------------------------- stacks */

/* A new mapping of `size` bytes: a PROT_NONE guard page, then the stack.
 * Each costs the kernel two VMAs, counted against vm.max_map_count. */
static unsigned char *stack_map(gr_sched *s, size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (mprotect(p, s->page, PROT_NONE) != 0) {
        munmap(p, size);
        return NULL;
    }
    return p;
}

/* ASan keeps shadow state for stack memory; a stack that ends (or is
 * recycled) with frames still poisoned would make its next user fault. */
static void stack_unpoison(unsigned char *m, size_t size, size_t page)
{
#if GR__ASAN
    __asan_unpoison_memory_region(m + page, size - page);
#else
    (void)m, (void)size, (void)page;
#endif
}

static unsigned char *stack_get(gr_sched *s, size_t size)
{
    if (size == s->stack_size + s->page && s->stacks.count)
        return s->stacks.free[--s->stacks.count];
    return stack_map(s, size);
}

static void stack_put(gr_sched *s, unsigned char *m, size_t size)
{
    gr__stack_cache *c = &s->stacks;
    stack_unpoison(m, size, s->page);
    if (size == s->stack_size + s->page && c->count < c->max) {
        if (c->count == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 256;
            unsigned char **a = realloc(c->free, cap * sizeof *a);
            if (!a)
                goto unmap;
            c->free = a;
            c->cap = cap;
        }
        c->free[c->count++] = m;
        return;
    }
unmap:
    munmap(m, size);
}

void gr__stack_teardown(gr_sched *s)
{
    while (s->stacks.count)
        munmap(s->stacks.free[--s->stacks.count], s->stack_size + s->page);
    free(s->stacks.free);
    s->stacks.free = NULL;
    s->stacks.cap = 0;
    while (s->task_slabs) {
        void *slab = s->task_slabs;
        s->task_slabs = *(void **)slab;
        free(slab);
    }
    s->task_free = NULL;
}

/* ---------------------------------------------------------------- task structs */

#define GR__SLAB_TASKS 256

/* A slab is a link word followed by GR__SLAB_TASKS task structs, handed out
 * in address order so tasks spawned together sit together. */
static gr__task *task_alloc(gr_sched *s)
{
    if (!s->task_free) {
        size_t head = (sizeof(void *) + 63) & ~(size_t)63;
        unsigned char *slab = aligned_alloc(64, head + GR__SLAB_TASKS * sizeof(gr__task));
        if (!slab)
            return NULL;
        *(void **)slab = s->task_slabs;
        s->task_slabs = slab;
        gr__task *ts = (gr__task *)(slab + head);
        for (size_t i = GR__SLAB_TASKS; i-- > 0;) {
            ts[i].next = s->task_free;
            s->task_free = &ts[i];
        }
    }
    gr__task *t = s->task_free;
    s->task_free = t->next;
    return t;
}

void gr__task_free(gr_sched *s, gr__task *t)
{
    stack_put(s, t->map, t->map_size);
    t->next = s->task_free;
    s->task_free = t;
}

/* Recycle the task that exited last; called by whoever runs next, since a
 * task cannot give away the stack it is running on. */
void gr__reap(gr_sched *s)
{
    gr__task *t = s->dead;
    s->dead = NULL;
    gr__task_free(s, t);
}

/* ---------------------------------------------------------------- spawn / exit */

static void task_exit(gr_sched *s, gr__task *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        s->tasks_head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        s->tasks_tail = t->prev;
    s->live--;
    s->exited++;
    gr__timer_unreserve(s, 1);
    if (t == s->main)
        s->main_done = true;
    s->dead = t;
    gr__switch_away(s, t);
    __builtin_unreachable();
}

void gr__task_entry(void *arg)
{
    gr__task *t = arg;
    gr_sched *s = t->s;
#if GR__ASAN
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
    if (s->dead)
        gr__reap(s);
    t->fn(t->arg);
    task_exit(s, t);
}

/* Make room for one more live task in the run queue (each task is in it at
 * most once, so ready() never has to allocate). */
static int runq_reserve(gr_sched *s)
{
    if (s->live < s->runq_cap)
        return 0;
    size_t cap = s->runq_cap ? s->runq_cap * 2 : 64;
    gr__task **q = malloc(cap * sizeof *q);
    if (!q)
        return -ENOMEM;
    for (size_t i = 0; i < s->nrun; i++) /* unwrap the ring */
        q[i] = s->runq[(s->runq_head + i) & (s->runq_cap - 1)];
    free(s->runq);
    s->runq = q;
    s->runq_head = 0;
    s->runq_cap = cap;
    return 0;
}

static void set_name(gr__task *t, const char *name)
{
    size_t i = 0;
    if (name)
        for (; i < GR_NAME_MAX - 1 && name[i]; i++)
            t->name[i] = name[i];
    t->name[i] = '\0';
}

int64_t gr__spawn(gr_sched *s, gr_task_fn fn, void *arg, const char *name,
                  const gr_spawn_opts *opts, const char *file, int line)
{
    size_t stack = s->stack_size;
    if (!fn)
        return -EINVAL;
    if (opts && opts->stack_size) {
        if (opts->stack_size < GR_STACK_MIN || opts->stack_size > GR_STACK_MAX)
            return -EINVAL;
        stack = round_page(s, opts->stack_size);
    }
    if (GR__FAULTS_ON(s) && s->cur) {
        int f = gr__fault_spawn(s, name);
        if (f < 0)
            return f;
    }
    if (runq_reserve(s) < 0 || gr__timer_reserve(s, 1) < 0)
        return -ENOMEM;
    size_t size = stack + s->page;
    gr__task *t = task_alloc(s);
    unsigned char *m = t ? stack_get(s, size) : NULL;
    if (!m) {
        if (t) {
            t->next = s->task_free;
            s->task_free = t;
        }
        gr__timer_unreserve(s, 1);
        return -ENOMEM;
    }
    t->sp = NULL;
    t->s = s;
    t->id = ++s->next_id;
    t->parent = s->cur ? s->cur->id : 0;
    t->fn = fn;
    t->arg = arg;
    t->wait = GR_WAIT_NONE;
    t->wait_obj = NULL;
    t->wait_n = 0;
    t->created = s->now;
    t->blocked_since = 0;
    t->waiters = NULL;
    t->nwaiters = 0;
    t->fired = 0;
    t->timer = (gr__timer){.hidx = -1, .fn = gr__wake_timer, .arg = t};
    t->file = file ? file : "?";
    t->line = line;
    t->map = m;
    t->map_size = size;
    t->asan_fake = NULL;
    t->aux[0] = t->aux[1] = NULL;
    set_name(t, name);
    t->next = NULL;
    t->prev = s->tasks_tail;
    if (s->tasks_tail)
        s->tasks_tail->next = t;
    else
        s->tasks_head = t;
    s->tasks_tail = t;
    if (++s->live > s->peak)
        s->peak = s->live;
    s->spawned++;
    gr__ready(s, t);
    return (int64_t)t->id;
}

int64_t gr_spawn_at(gr_task_fn fn, void *arg, const char *name,
                    const gr_spawn_opts *opts, const char *file, int line)
{
    gr_sched *s = gr__sched();
    if (!s)
        return -EPERM;
    return gr__spawn(s, fn, arg, name, opts, file, line);
}

uint64_t gr_self(void)
{
    gr_sched *s = gr__sched();
    return s ? s->cur->id : 0;
}

const char *gr_self_name(void)
{
    gr_sched *s = gr__sched();
    return s ? s->cur->name : "";
}

gr_sched *gr_current(void) { return gr__cur_sched; }

/* ---------------------------------------------------------------- crashes */

/* Async-signal-safe formatting into a fixed buffer. */
typedef struct {
    char b[512];
    size_t n;
} sigbuf;

static void sb_str(sigbuf *sb, const char *str)
{
    while (*str && sb->n < sizeof sb->b - 1)
        sb->b[sb->n++] = *str++;
}

static void sb_num(sigbuf *sb, uint64_t v, unsigned base)
{
    char d[24];
    int i = 0;
    do {
        d[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (i > 0 && sb->n < sizeof sb->b - 1)
        sb->b[sb->n++] = d[--i];
}

static struct sigaction old_segv, old_bus;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    gr_sched *s = gr__cur_sched;
    gr__task *t = s ? s->cur : NULL;
    if (t) {
        uintptr_t a = (uintptr_t)si->si_addr, lo = (uintptr_t)t->map;
        bool overflow = a >= lo - s->page && a < lo + s->page;
        sigbuf sb = {.n = 0};
        sb_str(&sb, "gauntlet: ");
        sb_str(&sb, overflow ? "stack overflow" : sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
        sb_str(&sb, " in task ");
        sb_num(&sb, t->id, 10);
        sb_str(&sb, " \"");
        sb_str(&sb, t->name);
        sb_str(&sb, "\" (spawned at ");
        sb_str(&sb, t->file);
        sb_str(&sb, ":");
        sb_num(&sb, (uint64_t)t->line, 10);
        if (overflow) {
            sb_str(&sb, "; stack ");
            sb_num(&sb, (uint64_t)(t->map_size - s->page), 10);
            sb_str(&sb, " bytes)\n");
        } else {
            sb_str(&sb, ") at address 0x");
            sb_num(&sb, a, 16);
            sb_str(&sb, "\n");
        }
        ssize_t w = write(2, sb.b, sb.n);
        (void)w;
    }
    /* Put the previous handler back and return: the faulting instruction
     * runs again and the process dies of the same signal as it would have. */
    sigaction(sig, sig == SIGBUS ? &old_bus : &old_segv, NULL);
}

void gr__fault_handlers_install(void)
{
    static __thread void *altstack;
    static bool installed;
    if (!altstack) {
        size_t size = 64 * 1024;
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            stack_t ss = {.ss_sp = p, .ss_size = size, .ss_flags = 0};
            if (sigaltstack(&ss, NULL) == 0)
                altstack = p;
            else
                munmap(p, size);
        }
    }
    if (installed)
        return;
    installed = true;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
}
