/* net_int.h — the net's private structures, shared by the sim links
 * (net.c) and the real sockets (netreal.c). */
#ifndef GR_NET_INT_H
#define GR_NET_INT_H

#include "runtime/gr_int.h"

typedef struct seg {
    struct seg *next;
    int64_t ready;           /* readable from this time */
    size_t len, off;
    unsigned char data[];
} seg;

enum { END_NONE, END_FIN, END_RST };

/* One direction of a link. */
typedef struct gr__pipe {
    seg *head, *tail;
    size_t buffered;         /* bytes queued, for backpressure */
    int64_t last_ready;      /* keeps segments in order */
    int end;                 /* END_FIN / END_RST after the data ... */
    int64_t end_ready;       /* ... readable from this time */
    int refuse;              /* the reader is gone: writes fail (-EPIPE or
                                -ECONNRESET) */
    gr__waitq readq, writeq;
} gr__pipe;

typedef struct gr__link {
    gr__pipe dir[2];         /* dir[0]: client -> server, dir[1]: back */
    int64_t latency;
    int open;                /* conns not freed yet */
    char *endpoint;
    gr__points points;       /* net/<endpoint>/read, .../write */
} gr__link;

/* Real mode: a socket registered with the scheduler's epoll, and the tasks
 * waiting for it to become readable / writable. */
typedef struct gr__io {
    int fd;
    gr__waitq rq, wq;
} gr__io;

struct gr_conn {
    gr__obj obj;
    gr_sched *s;
    gr__link *link;          /* sim; NULL in real mode */
    gr__io io;               /* real */
    char *endpoint;          /* real: the peer's endpoint */
    gr__points points;       /* real: net/<endpoint>/read, .../write */
    int side;                /* 0 client, 1 server */
    bool closed;
    bool shut;               /* gr_conn_shutdown: calls fail with -ESHUTDOWN */
    gr__task *in_fault[2];   /* a task inside its read / write fail point */
    int busy;                /* tasks inside a call on it */
    gr_conn *next_pending;   /* a listener's backlog */
};

struct gr_listener {
    gr__obj obj;
    gr_sched *s;
    gr__io io;               /* real */
    char *endpoint;
    int64_t latency;
    int backlog;
    gr_conn *pending, *pending_tail;
    int npending;
    gr__waitq acceptq;
    bool closed;
    int busy;
    gr_listener *next;       /* the scheduler's listeners */
    gr__points points;       /* net/<endpoint>/accept, .../connect */
};

static inline void gr__wake_all(gr_sched *s, gr__waitq *q)
{
    gr__waiter *w;
    while ((w = gr__waitq_pop(q))) {
        w->ok = true;
        gr__wake(s, w);
    }
}

/* Evaluate fail point op of an endpoint (its cache pts): 0 or a negated
 * errno, and *res. Costs a load and a branch when nothing is armed. */
static inline int gr__net_fault(gr_sched *s, gr__points *pts, const char *ep, int op,
                                int64_t deadline, gr_fault_res *res)
{
    *res = (gr_fault_res){false, false, -1};
    return GR__FAULTS_ON(s) ? gr__fault_at(s, pts, ep, op, true, deadline, res) : 0;
}

/* A conn's read or write fail point. The task stays findable meanwhile, so
 * that shutdown and close can cut a fault's wait (a delay, a block) short. */
static inline int gr__conn_fault(gr_sched *s, gr_conn *c, gr__points *pts, const char *ep,
                                 int op, int64_t deadline, gr_fault_res *res)
{
    if (!GR__FAULTS_ON(s)) {
        *res = (gr_fault_res){false, false, -1};
        return 0;
    }
    gr__task **slot = &c->in_fault[op == GR__NET_WRITE];
    *slot = s->cur;
    int f = gr__net_fault(s, pts, ep, op, deadline, res);
    *slot = NULL;
    return f;
}

/* End the fault waits of tasks inside c's fail points (as if their
 * deadline had passed); they then see c shut or closed. */
void gr__conn_interrupt(gr_conn *c);

static inline gr__points gr__net_points(void)
{
    return (gr__points){.family = "net", .ops = gr__net_ops, .nops = 4};
}

/* Real mode (netreal.c): the same calls on loopback TCP sockets. */
int gr__real_listen(gr_sched *s, gr_listener **out, const char *endpoint, int backlog);
int gr__real_accept(gr_sched *s, gr_listener *l, gr_conn **out, int64_t deadline);
int gr__real_listener_close(gr_listener *l);
int gr__real_connect(gr_sched *s, gr_conn **out, const char *endpoint, int64_t deadline);
int64_t gr__real_read(gr_sched *s, gr_conn *c, void *buf, size_t len, int64_t deadline);
int64_t gr__real_write(gr_sched *s, gr_conn *c, const void *buf, size_t len, int64_t deadline);
int gr__real_shut(gr_conn *c, bool abortive);
int gr__real_shutdown(gr_conn *c);
void gr__real_conn_free(gr_conn *c);
void gr__real_listener_free(gr_listener *l);

#endif
