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

/* Every job, in order of first submission, into out[0..max); returns how
 * many there are. */
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

#endif /* SVC_H */
