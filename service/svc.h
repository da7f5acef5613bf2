/* svc.h — the reference service gauntlet puts under faults: targets (a
 * worker pool, a pipeline) behind one small interface, the ledger every
 * job is accounted in, and switches that re-introduce known bugs.
 *
 * Built on runtime/gr.h; marks its own fail points through inject/inj.h.
 * Errors as everywhere: >= 0 on success, a negated errno on failure; calls
 * that validate a configuration write a message naming the field.
 */
#ifndef SVC_H
#define SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inject/inj.h"
#include "runtime/gr.h"

/* Add the service's fail points (svc/<pool>/exec, ...) to inject's catalog,
 * so faults can be armed at them before any target starts. Idempotent;
 * every target start calls it too. 0 or -ENOMEM. */
int svc_register_points(void);

/* ---------------------------------------------------------------- ledger */

/* What became of a job. ACCEPTED is the only state that is not final: a
 * job still ACCEPTED when its target has stopped is lost. */
#define SVC_JOB_STATES(X)          \
    X(ACCEPTED, "accepted")        \
    X(COMPLETED, "completed")      \
    X(FAILED, "failed")            \
    X(CANCELLED, "cancelled")      \
    X(REJECTED, "rejected")

typedef enum {
#define SVC__X(id, name) SVC_JOB_##id,
    SVC_JOB_STATES(SVC__X)
#undef SVC__X
    SVC_JOB__COUNT
} svc_job_state;

const char *svc_job_state_name(svc_job_state st);

typedef struct svc_ledger svc_ledger;

typedef struct svc_job_rec {
    uint64_t id;
    svc_job_state state;
    uint32_t submits;      /* times it was submitted (a retry submits again) */
    uint32_t execs;        /* times its work started: exactly once means 1 */
    int64_t first_at;      /* scheduler clock of the first submission */
    int64_t final_at;      /* ... of its final state (0 while ACCEPTED) */
    int err;               /* FAILED / CANCELLED: the negated errno */
} svc_job_rec;

int svc_ledger_create(svc_ledger **out);     /* 0, -EINVAL, -ENOMEM */
void svc_ledger_release(svc_ledger *l);

/* Record events (now: scheduler clock). A job is created by its first
 * submit; a repeated submit of the same id counts as a retry. A final
 * state replaces ACCEPTED (and a later final state replaces an earlier
 * one: the last word wins, e.g. a retry that completes a failed job).
 * Return 0 or -ENOMEM (then the event is counted in `unrecorded`). */
int svc_ledger_submit(svc_ledger *l, uint64_t id, int64_t now);
int svc_ledger_exec(svc_ledger *l, uint64_t id);
int svc_ledger_final(svc_ledger *l, uint64_t id, svc_job_state st, int err, int64_t now);

/* One job's record: 0, or -ENOENT. */
int svc_ledger_get(const svc_ledger *l, uint64_t id, svc_job_rec *out);

/* Every job into out[0..max): ids below 2^24 (what load generators hand
 * out) ascending, then larger ids in order of first submission; returns
 * how many there are. */
size_t svc_ledger_jobs(const svc_ledger *l, svc_job_rec *out, size_t max);

typedef struct svc_ledger_sum {
    uint64_t jobs;                     /* distinct ids */
    uint64_t by_state[SVC_JOB__COUNT]; /* jobs per current state */
    uint64_t execs;                    /* executions in all */
    uint64_t never_run;                /* final COMPLETED but execs == 0 */
    uint64_t duplicated;               /* execs > 1 */
    uint64_t retried;                  /* submits > 1 */
    uint64_t unrecorded;               /* events lost to ENOMEM */
} svc_ledger_sum;

void svc_ledger_summary(const svc_ledger *l, svc_ledger_sum *out);

/* ---------------------------------------------------------------- known bugs */

/* Switches that re-introduce classic defects of Go services; each target
 * honours those that apply to it (see its config). Off = the correct code. */
#define SVC_BUGS(X)                                                                         \
    X(UNBOUNDED_SPAWN, "unbounded_spawn", "a task per job instead of bounded workers")     \
    X(LEAK_ON_CANCEL, "leak_on_cancel",                                                     \
      "a worker blocks forever sending a result nobody reads after the requester gave up") \
    X(NO_CLOSE_JOBS, "no_close_jobs", "shutdown never closes the jobs channel; workers wait forever") \
    X(IGNORE_CTX, "ignore_ctx", "work goes on after its context is cancelled")              \
    X(WG_ADD_IN_TASK, "wg_add_in_task",                                                     \
      "WaitGroup.Add inside the spawned task: wait returns early, work is lost")           \
    X(SEND_AFTER_CLOSE, "send_after_close", "results closed while a worker still sends")    \
    X(NO_TIMEOUT, "no_timeout", "no deadline on a blocked dependency")                      \
    X(TICKER_LEAK, "ticker_leak", "a ticker never stopped")                                 \
    X(NO_DEDUPE, "no_dedupe", "retries re-execute")                                         \
    X(UNBOUNDED_QUEUE, "unbounded_queue", "no backpressure: the queue grows without limit") \
    X(RETRY_STORM, "retry_storm", "dependency calls retried at once, without backoff or breaker")

typedef enum {
#define SVC__X(id, name, text) SVC_BUG_##id,
    SVC_BUGS(SVC__X)
#undef SVC__X
    SVC_BUG__COUNT
} svc_bug;

#define SVC_BUG(b) (1u << (b))
const char *svc_bug_name(svc_bug b);
int svc_bug_parse(const char *name); /* the bug, or -EINVAL */

/* ---------------------------------------------------------------- targets */

typedef struct svc_client svc_client; /* the dependency's client, below */

/* Work per job, spent on the scheduler clock (virtual in sim): fixed, plus
 * a jitter part distributed like inject's delays. */
typedef struct svc_cost {
    int64_t fixed;         /* ns, >= 0 */
    int64_t jitter;        /* ns, >= 0 */
    inj_dist dist;         /* of the jitter; fixed takes no jitter */
} svc_cost;

typedef struct svc_pool_cfg {
    const char *name;      /* its points: svc/<name>/exec; NULL = "pool" */
    int workers;           /* >= 1; always running (the minimum) */
    int max_workers;       /* 0 = workers (a fixed pool); else >= workers:
                              a job queued while no worker is idle adds a
                              worker, up to this many */
    int64_t idle_timeout;  /* ns: an added worker idle this long exits
                              (down to `workers`); 0 = 1 s */
    int queue;             /* jobs waiting for a worker, >= 0 */
    int64_t job_timeout;   /* ns from submission; 0 = none */
    svc_cost cost;         /* per job; per part when it fans out */
    int fanout;            /* 0 or 1: the worker does the work; n > 1: a
                              job's work is n parts, each its own task
                              spending `cost`, in an errgroup under the
                              job's context */
    int task_budget;       /* parts of one job running at once, at most;
                              0 = all of them */
    double error_rate;     /* [0, 1]: a job fails with -EIO */
    svc_client *dep;       /* NULL, or: after its cost each job calls the
                              dependency once through this client (request
                              = job id), bounded and cancelled with the job;
                              a failed call fails the job (-EIO; the ledger
                              keeps the call's error) */
    unsigned bugs;         /* SVC_BUG(...) bits: unbounded_spawn,
                              leak_on_cancel, no_close_jobs, ignore_ctx,
                              wg_add_in_task, ticker_leak, unbounded_queue */
} svc_pool_cfg;

/* A stage of a pipeline. */
typedef struct svc_stage_cfg {
    const char *name;      /* required; its point: svc/<pipeline>/<name>/process */
    int workers;           /* >= 1 */
    int cap;               /* capacity of its input channel, >= 0 */
    svc_cost cost;
    double error_rate;     /* [0, 1]: the stage fails, and with it the
                              pipeline (errgroup semantics) */
    svc_client *dep;       /* NULL, or: after its cost the stage calls the
                              dependency for each job, as a pool does; a
                              failed call fails that job only, not the
                              stage (the pipeline goes on) */
} svc_stage_cfg;

#define SVC_STAGES_MAX 16

typedef struct svc_pipeline_cfg {
    const char *name;      /* NULL = "pipeline" */
    const svc_stage_cfg *stages;
    int nstages;           /* 1 .. SVC_STAGES_MAX */
    int64_t job_timeout;   /* ns from submission; 0 = none */
    unsigned bugs;         /* SVC_BUG(...) bits: ignore_ctx, send_after_close,
                              leak_on_cancel */
} svc_pipeline_cfg;

typedef struct svc svc;    /* a running target */

/* Start a pool in the current scheduler (call from a task). Jobs are
 * accounted in ledger; faults come through j (may be NULL). 0; -EINVAL
 * with a message naming the field; -ENOMEM; -EPERM. */
int svc_pool_start(svc **out, const svc_pool_cfg *cfg, svc_ledger *ledger, inj *j,
                   char *err, size_t errlen);

/* Start a pipeline: a job enters the first stage's channel and passes
 * through every stage in turn; the last one answers. A stage error (its
 * error_rate, or an error fault at its point) fails the job and cancels
 * the pipeline: every stage exits, channels close stage by stage, the error
 * is reported once (stats.error) and new jobs are refused (-ESHUTDOWN).
 * Returns as svc_pool_start. */
int svc_pipeline_start(svc **out, const svc_pipeline_cfg *cfg, svc_ledger *ledger, inj *j,
                       char *err, size_t errlen);

/* Submit job id and wait for its result until deadline (GR_FOREVER: no
 * limit; the job's own timeout still applies). 0 = completed; -EIO = it
 * failed; -ETIMEDOUT = the requester gave up (the job is cancelled);
 * -ECANCELED / -ETIMEDOUT from the job's context; -EAGAIN = rejected, the
 * queue stayed full until the deadline; -ESHUTDOWN = rejected, the target
 * is stopping. Every outcome is in the ledger. */
int svc_call(svc *t, uint64_t id, int64_t deadline);

/* Submit job id without waiting for its result: 0 = accepted (what becomes
 * of it is recorded in the ledger), or rejected as by svc_call (-EAGAIN
 * when the queue stayed full until deadline, -ESHUTDOWN). The job's own
 * timeout still applies; nobody can give up on it. */
int svc_submit(svc *t, uint64_t id, int64_t deadline);

/* Stop: refuse new jobs, let queued and running ones finish until `grace`
 * (ns) has passed, then cancel what is left and wait (another grace) for
 * the target's tasks to exit. 0 = everything drained in time; -ETIMEDOUT =
 * some jobs were cancelled; -EBUSY = tasks of the target are still alive
 * after all (a leak). Call once, from a task. */
int svc_stop(svc *t, int64_t grace);

typedef struct svc_stats {
    uint64_t submitted, completed, failed, cancelled, rejected;
    uint64_t queued;       /* waiting for a worker now */
    uint64_t queued_peak;
    uint64_t running;      /* executing now */
    uint64_t workers;      /* worker tasks alive */
    uint64_t workers_peak; /* most alive at once */
    uint64_t parts_peak;   /* pool: most part tasks of one job at once */
    int error;             /* pipeline: the error that failed it, or 0 */
    /* Shutdown on the scheduler clock (0 = has not happened): */
    int64_t stop_at;       /* svc_stop was called */
    int64_t cancel_at;     /* the target cancelled work still in progress:
                              stop's grace ran out, or (pipeline) a stage
                              failed and cancelled the group */
    int64_t exited_at;     /* every task of the target had exited, after
                              stop or after that cancellation */
    uint64_t stop_dropped; /* jobs stop found still queued and cancelled
                              without running them (0 when it drained) */
} svc_stats;

void svc_stats_get(const svc *t, svc_stats *out);

/* A queue of a target: the pool's job queue (named as the pool), or a
 * pipeline stage's input channel (named as the stage). */
typedef struct svc_queue_info {
    const char *name;      /* valid while the target lives */
    uint64_t len;          /* jobs in it now */
    uint64_t cap;          /* its configured capacity */
    uint64_t peak;         /* most jobs it held at once */
} svc_queue_info;

/* Copy the target's queues into out[0..max); returns how many it has. */
size_t svc_queues(const svc *t, svc_queue_info *out, size_t max);

/* Free a stopped target. Tasks it leaked stay blocked as they are and must
 * never run again (release the scheduler next). */
void svc_release(svc *t);

/* ---------------------------------------------------------------- dependency */

/* A downstream service over the runtime's net: each call is a connection,
 * an 8-byte request, `cost` of work, an 8-byte reply (request ^
 * SVC_DEP_MAGIC), close. Faults on its connections (net/<endpoint>/...:
 * delay, drop, error) are how scenarios exercise timeouts, retries,
 * breakers and recovery. */
#define SVC_DEP_MAGIC UINT64_C(0x9e3779b97f4a7c15) /* words are little-endian */

typedef struct svc_dep svc_dep;

typedef struct svc_dep_cfg {
    const char *endpoint;  /* sim: any name; real: "127.0.0.1:PORT" (0: any) */
    svc_cost cost;         /* work per call */
    int64_t latency;       /* sim: one-way link latency, ns */
} svc_dep_cfg;

int svc_dep_start(svc_dep **out, const svc_dep_cfg *cfg, char *err, size_t errlen);
const char *svc_dep_endpoint(const svc_dep *d); /* where to connect */
uint64_t svc_dep_served(const svc_dep *d);      /* calls answered */
/* Stop listening and wait for calls in progress (grace ns). 0 and d is
 * freed; or -EBUSY: some would not finish, and d stays for them. */
int svc_dep_stop(svc_dep *d, int64_t grace);

/* Circuit breaker states. */
#define SVC_BREAKER_STATES(X) X(CLOSED, "closed") X(OPEN, "open") X(HALF_OPEN, "half_open")

typedef enum {
#define SVC__X(id, name) SVC_BREAKER_##id,
    SVC_BREAKER_STATES(SVC__X)
#undef SVC__X
} svc_breaker;

const char *svc_breaker_name(svc_breaker b);

typedef struct svc_client_cfg {
    int64_t timeout;          /* per attempt, ns, > 0 */
    int retries;              /* attempts after the first, 0 .. 100 */
    int64_t backoff;          /* before the first retry, ns; doubles each
                                 time up to backoff_max, with full jitter */
    int64_t backoff_max;      /* >= backoff (0: 64 x backoff) */
    int breaker_failures;     /* consecutive failures that open the breaker;
                                 0: no breaker */
    int64_t breaker_cooldown; /* open -> half-open after this, ns */
    unsigned bugs;            /* no_timeout, retry_storm */
} svc_client_cfg;

int svc_client_create(svc_client **out, const char *endpoint, const svc_client_cfg *cfg,
                      char *err, size_t errlen);
void svc_client_release(svc_client *c);

/* One call with its retries, before deadline. 0; -EAGAIN when the breaker
 * is open (failing fast); else the last attempt's error (-ETIMEDOUT,
 * -ECONNRESET, -ECONNREFUSED, -EPROTO for a wrong reply, ...); -EINVAL
 * (NULL, or outside a task). */
int svc_client_call(svc_client *c, uint64_t request, int64_t deadline);

/* The same, bounded by ctx: its deadline is the call's, and its
 * cancellation interrupts the attempt in flight (through a hook that shuts
 * the connection down) or the backoff pause, and returns ctx's error
 * (-ECANCELED, or -ETIMEDOUT at its deadline), counted in `cancelled` and
 * not held against the dependency by the breaker. A connect in progress
 * is not interrupted (it is bounded by the attempt's timeout). Under the
 * no_timeout bug the call ignores ctx entirely: no deadline, no
 * cancellation. */
int svc_client_call_ctx(svc_client *c, uint64_t request, gr_ctx *ctx);

typedef struct svc_client_stats {
    uint64_t calls, ok, failed;
    uint64_t attempts;        /* connections tried */
    uint64_t fast_failed;     /* refused by the open breaker */
    uint64_t cancelled;       /* ended by their ctx (svc_client_call_ctx) */
    uint64_t opened;          /* times the breaker opened */
    svc_breaker breaker;
} svc_client_stats;

void svc_client_stats_get(const svc_client *c, svc_client_stats *out);

/* ---------------------------------------------------------------- front */

/* The front serves a target over the runtime's net. Wire protocol (all
 * integers little-endian; documented in docs/service.md):
 *   request: "GTF1" (4 bytes), payload length u32 (<= SVC_FRONT_PAYLOAD_MAX),
 *            request id u64 (> 0), then the payload (ignored by the targets)
 *   reply:   "GTR1", status i32 (0, or a negated errno), request id u64
 * A connection carries any number of requests, one at a time. Request ids
 * make retries idempotent: an id that already executed is answered from
 * the stored result, and a retry of an id still executing waits for that
 * execution instead of starting another. */
#define SVC_FRONT_PAYLOAD_MAX 65536
#define SVC_FRONT_HEADER 16

typedef struct svc_front svc_front;

typedef struct svc_front_cfg {
    const char *name;         /* its points: svc/<name>/{request,execute,reply};
                                 NULL = "front" */
    const char *endpoint;     /* sim: a name; real: "127.0.0.1:PORT" (0: any) */
    int max_conns;            /* connections served at once, >= 1; more are
                                 accepted and closed at once */
    int64_t read_timeout;     /* ns to read a request once it started (and
                                 to wait for the next one: idle), > 0 */
    int64_t write_timeout;    /* ns to write a reply, > 0 */
    int64_t latency;          /* sim: one-way link latency, ns */
    unsigned bugs;            /* no_dedupe */
} svc_front_cfg;

/* Serve target t (which stays the caller's) at cfg->endpoint. Faults come
 * through j (may be NULL) at three points of each request:
 *   svc/<name>/request  before it is read
 *   svc/<name>/execute  read, not yet executed
 *   svc/<name>/reply    executed, not yet answered
 * each accepting delay; drop (the connection is aborted right there: at
 * execute the request never runs, at reply it ran and its answer is lost);
 * and error (at request: the connection is closed without an answer; at
 * execute: answered with the error, not run; at reply: it ran, answered
 * with the error). A drop spec's phase is not used at these points: the
 * point is the phase. */
int svc_front_start(svc_front **out, svc *t, const svc_front_cfg *cfg, inj *j, char *err,
                    size_t errlen);
const char *svc_front_endpoint(const svc_front *f);

typedef struct svc_front_stats {
    uint64_t conns, refused;      /* accepted / closed for max_conns */
    uint64_t requests, executed;  /* answered / run against the target */
    uint64_t deduped;             /* answered from a stored or running result */
    uint64_t bad_frames;          /* protocol errors (the connection is closed) */
} svc_front_stats;

void svc_front_stats_get(const svc_front *f, svc_front_stats *out);

/* Stop accepting; idle connections close at once; wait (grace ns) for
 * requests in progress to be answered. 0 (f is freed), or -EBUSY if some
 * are still running (nothing is aborted; f is kept for them). Does not
 * stop the target. */
int svc_front_stop(svc_front *f, int64_t grace);

/* A client of the front: one request, over conn (opened by the caller),
 * waiting for its reply until deadline. Returns the reply's status, or a
 * transport error (-ECONNRESET, -ETIMEDOUT, -EPROTO for a bad reply...),
 * after which conn must be closed. */
int svc_front_request(gr_conn *conn, uint64_t id, const void *payload, uint32_t len,
                      int64_t deadline);

/* ---------------------------------------------------------------- load */

/* Every request's outcome: its id, final status (0, or the last error),
 * latency from its first send to its answer (ns), and attempts made. */
typedef void (*svc_load_sink)(void *ctx, uint64_t id, int status, int64_t latency, int attempts);

typedef struct svc_load_cfg {
    bool closed_loop;         /* false: open loop (a rate); true: clients */
    double rate;              /* open: requests per second, > 0 */
    bool poisson;             /* open: exponential inter-arrival times
                                 (else evenly spaced) */
    int max_outstanding;      /* open: requests in flight at most; more are
                                 counted as shed (0: 10000) */
    int clients;              /* closed: concurrent clients, >= 1; a client
                                 stops early when the target answers
                                 -ESHUTDOWN (it is stopping or failed) */
    int64_t think;            /* closed: a client's pause between requests, ns */
    int64_t duration;         /* how long requests are started, ns, > 0 */
    int64_t timeout;          /* per attempt, ns, > 0 */
    int retries;              /* attempts after the first, 0 .. 100 */
    int64_t backoff;          /* before a retry, doubling, with full jitter */
    const char *via;          /* NULL: in-process (svc_call); else the
                                 front's endpoint */
    uint64_t first_id;        /* ids are first_id, first_id + 1, ... (0: 1) */
} svc_load_cfg;

typedef struct svc_load svc_load;

typedef struct svc_load_stats {
    uint64_t started, ok, failed;  /* failed: answered with an error, or none */
    uint64_t retried;              /* requests that needed more than one attempt */
    uint64_t shed;                 /* open loop: not started, max_outstanding */
    uint64_t outstanding, outstanding_peak;
} svc_load_stats;

/* Start generating against target (in-process) or cfg->via (the front).
 * sink may be NULL. 0; -EINVAL with a message naming the field. */
int svc_load_start(svc_load **out, const svc_load_cfg *cfg, svc *target, svc_load_sink sink,
                   void *ctx, char *err, size_t errlen);

/* Wait until the duration is over and every request has its answer (or
 * until deadline: -ETIMEDOUT). */
int svc_load_wait(svc_load *l, int64_t deadline);
/* End the load now instead of at its duration: no request starts after
 * this (those in flight go on). Call from a task. NULL: no-op. */
void svc_load_stop(svc_load *l);
void svc_load_stats_get(const svc_load *l, svc_load_stats *out);
/* Free it once svc_load_wait returned 0. -EBUSY while requests are out. */
int svc_load_release(svc_load *l);
/* Free it whatever is still out, like svc_release does a target: its
 * tasks stay blocked as they are and must never run again (release the
 * scheduler next). NULL: no-op. */
void svc_load_abandon(svc_load *l);

#endif /* SVC_H */
