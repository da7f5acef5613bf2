/* svc_int.h — the service's private helpers (svc__ prefix), shared by
 * its targets; nothing outside service/ includes this file. */
#ifndef SVC_INT_H
#define SVC_INT_H

#include "service/svc.h"

/* Write the message into err (when given) and return -EINVAL. */
int svc__fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Validate a cost; field is its name in messages. */
int svc__check_cost(const svc_cost *c, const char *field, char *err, size_t len);
/* Validate bug switches against those a target honours. */
int svc__check_bugs(unsigned bugs, unsigned allowed, const char *target, char *err, size_t len);
/* One job's work, drawn from the scheduler's PRNG (a fixed cost draws
 * nothing: inline, it costs a compare on the hot path). */
int64_t svc__cost_drawn(const svc_cost *c);
static inline int64_t svc__cost(const svc_cost *c)
{
    return c->dist == INJ_DIST_FIXED ? c->fixed : svc__cost_drawn(c);
}
/* A number in [0, 1) from the scheduler's PRNG. */
double svc__unit(void);

/* ---------------------------------------------------------------- wire */

/* The service's protocols are little-endian on the wire, whatever the host. */
static inline void svc__put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void svc__put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t svc__get_le32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t svc__get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Read exactly n bytes before deadline: 0; -EPIPE when the stream ends
 * first; or the read's error. */
int svc__read_full(gr_conn *c, void *buf, size_t n, int64_t deadline);

/* ---------------------------------------------------------------- ledger */

/* A job's record as the ledger keeps it (ledger.c says how). The id is
 * not in it: a dense record's id is its place, a sparse one's sits
 * beside it. 32 bytes: recording a job is mostly the kernel handing over
 * fresh zeroed memory for it. */
typedef struct svc__rec {
    int64_t first_at, final_at;
    int32_t err;
    uint32_t submits, execs;
    uint8_t state;           /* svc_job_state + 1; 0: no record (a dense hole) */
} svc__rec;

/* The targets' fast path: svc_ledger_submit returning the job's record
 * (NULL when it could not be recorded), then exec and final through it
 * (falling back to the id when it is NULL). Records never move: the
 * pointer stays valid for the ledger's life. */
svc__rec *svc__ledger_submit(svc_ledger *l, uint64_t id, int64_t now);

static inline void svc__ledger_exec(svc_ledger *l, svc__rec *r, uint64_t id)
{
    if (r)
        r->execs++;
    else
        svc_ledger_exec(l, id);
}

static inline void svc__ledger_final(svc_ledger *l, svc__rec *r, uint64_t id, svc_job_state st,
                                     int err, int64_t now)
{
    if (!r) {
        svc_ledger_final(l, id, st, err, now);
        return;
    }
    r->state = (uint8_t)(st + 1);
    r->err = err;
    r->final_at = now;
}

/* ---------------------------------------------------------------- targets */

struct svc__job;
struct svc__jobs;

/* What every target implements; struct svc is the first member of each. */
typedef struct svc_ops {
    /* Accept job id before deadline, or reject it (recorded, returned);
     * *out is the job a waiting caller (async false) waits on. */
    int (*accept)(svc *t, uint64_t id, int64_t deadline, bool async, struct svc__job **out);
    int (*stop)(svc *t, int64_t grace);
    void (*stats)(const svc *t, svc_stats *out);
    size_t (*queues)(const svc *t, svc_queue_info *out, size_t max);
    void (*release)(svc *t);
} svc_ops;

struct svc {
    const svc_ops *ops;
    struct svc__jobs *jobs;  /* its pool of job records */
};

/* ---------------------------------------------------------------- jobs (job.c) */

/* A job in flight, shared by its requester and whoever runs it: two
 * references, and whichever lets go last recycles it. */
typedef struct svc__job {
    struct svc__job *next;   /* the free list (or a target's own use) */
    struct svc__job *all;    /* every job of its pool */
    void *owner;             /* the target */
    uint64_t id;
    int64_t deadline;        /* its own timeout (GR_FOREVER: none) */
    gr_chan *reply;          /* int result: cap 1, or 0 (leak_on_cancel) */
    gr_chan *cancel;         /* cap 1: a token once the requester gave up */
    gr_ctx *ctx;             /* while it calls the dependency: giving up cancels it */
    svc__rec *rec;           /* its ledger record (svc__ledger_submit) */
    bool given_up;           /* its requester gave up on it */
    int dep_err;             /* the failed dependency call's error, for the ledger */
    int refs;
    bool async;              /* submitted, nobody waits: no reply */
} svc__job;

typedef struct svc__jobs {
    svc__job *free, *all;
    bool unbuffered_reply;   /* the leak_on_cancel bug */
} svc__jobs;

/* The slow halves of the inline calls below: a new job record (NULL on
 * ENOMEM); emptying the channels of a job whose requester gave up; a
 * reply somebody waits for. */
svc__job *svc__job_alloc(svc__jobs *p);
void svc__job_drain(svc__job *jb);
void svc__job_answer(svc__jobs *p, svc__job *jb, int rc, bool by_worker);

/* A job with two references (requester and worker), or one when async;
 * NULL on ENOMEM. Records are recycled through the pool's free list. */
static inline svc__job *svc__job_get(svc__jobs *p, void *owner, uint64_t id, int64_t deadline,
                                     bool async, svc__rec *rec)
{
    svc__job *jb = p->free;
    if (jb)
        p->free = jb->next;
    else if (!(jb = svc__job_alloc(p)))
        return NULL;
    jb->next = NULL;
    jb->owner = owner;
    jb->id = id;
    jb->deadline = deadline;
    jb->async = async;
    jb->ctx = NULL;
    jb->dep_err = 0;
    jb->rec = rec;
    jb->given_up = false;
    jb->refs = async ? 1 : 2;
    return jb;
}

/* Drop a reference; whoever lets go last recycles the job, its channels
 * left empty. */
static inline void svc__job_put(svc__jobs *p, svc__job *jb)
{
    if (--jb->refs > 0)
        return;
    if (jb->given_up) /* a reply left, a token sent: only when the requester gave up */
        svc__job_drain(jb);
    jb->next = p->free;
    p->free = jb;
}

static inline bool svc__job_given_up(const svc__job *jb) { return jb->given_up; }

/* Deliver the result: never blocks, unless the reply is unbuffered (the
 * leak_on_cancel bug) and by_worker (the task that ran the job answers):
 * then blocks until the requester takes it, forever if it left. Replies
 * from the stop path (by_worker false) never block. Drops the worker's
 * reference. */
static inline void svc__job_reply(svc__jobs *p, svc__job *jb, int rc, bool by_worker)
{
    if (!jb->async) /* async: nobody waits, the ledger has the outcome */
        svc__job_answer(p, jb, rc, by_worker);
    svc__job_put(p, jb);
}

/* The requester's side: wait for the result until deadline; on timeout,
 * tell the job it was given up and return -ETIMEDOUT. Drops our reference. */
int svc__job_wait(svc__jobs *p, svc__job *jb, int64_t deadline);
/* Give the job a context for its work: derived from parent, with the
 * job's deadline; the requester giving up cancels it too. 0 or -ENOMEM. */
int svc__job_ctx_open(svc__job *jb, gr_ctx *parent);
void svc__job_ctx_close(svc__job *jb);
/* Why the job's context ended (-ECANCELED when given up), or 0. */
int svc__job_ctx_err(const svc__job *jb);
/* The job's call to its dependency (request = its id), under its context
 * (without one, as ignore_ctx has it, the call is out of the job's reach).
 * 0; the job's cancellation; or -EIO when the call failed (its error kept
 * in dep_err). */
int svc__job_call_dep(svc__job *jb, svc_client *dep);
/* Free every job (even those leaked tasks still hold: they never run again). */
void svc__jobs_free(svc__jobs *p);

#endif
