/* ledger.c — every job id a target saw, what became of it and how many
 * times it ran: records in first-submission order (deterministic for
 * reports) behind an open-addressing index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

#define SVC__X(id, name) name,
static const char *const state_names[] = {SVC_JOB_STATES(SVC__X)};
#undef SVC__X

const char *svc_job_state_name(svc_job_state st)
{
    return (unsigned)st < SVC_JOB__COUNT ? state_names[st] : "?";
}

/* Ids below DENSE_MAX (what load generators hand out: 1, 2, 3, ...) are
 * found through a direct array, sequentially and without hashing; others
 * through the open-addressing index. */
#define DENSE_MAX ((uint64_t)1 << 24)

struct svc_ledger {
    svc_job_rec *recs;
    size_t n, cap;
    uint32_t *dense;       /* id -> position + 1, for id < dense_cap */
    size_t dense_cap;
    uint32_t *index;       /* sparse ids: position + 1; 0 = empty */
    size_t index_cap;      /* a power of two, > 2 * entries in it */
    size_t nsparse;
    uint64_t unrecorded;
};

static size_t slot_of(uint64_t id, size_t cap)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

static bool grow_index(svc_ledger *l)
{
    size_t cap = l->index_cap ? l->index_cap * 2 : 1024;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        if (l->recs[i].id < DENSE_MAX)
            continue;
        size_t k = slot_of(l->recs[i].id, cap);
        while (ix[k])
            k = (k + 1) & (cap - 1);
        ix[k] = (uint32_t)i + 1;
    }
    free(l->index);
    l->index = ix;
    l->index_cap = cap;
    return true;
}

static bool grow_dense(svc_ledger *l, uint64_t id)
{
    size_t cap = l->dense_cap ? l->dense_cap : 1024;
    while (cap <= id)
        cap *= 2;
    uint32_t *d = realloc(l->dense, cap * sizeof *d);
    if (!d)
        return false;
    memset(d + l->dense_cap, 0, (cap - l->dense_cap) * sizeof *d);
    l->dense = d;
    l->dense_cap = cap;
    return true;
}

static svc_job_rec *find(const svc_ledger *l, uint64_t id)
{
    if (id < DENSE_MAX)
        return id < l->dense_cap && l->dense[id] ? &l->recs[l->dense[id] - 1] : NULL;
    if (!l->index_cap)
        return NULL;
    for (size_t k = slot_of(id, l->index_cap); l->index[k]; k = (k + 1) & (l->index_cap - 1))
        if (l->recs[l->index[k] - 1].id == id)
            return &l->recs[l->index[k] - 1];
    return NULL;
}

/* The record of id, created (ACCEPTED, never submitted) if new; NULL on ENOMEM. */
static svc_job_rec *find_or_add(svc_ledger *l, uint64_t id, int64_t now)
{
    svc_job_rec *r = find(l, id);
    if (r)
        return r;
    bool dense = id < DENSE_MAX;
    if (dense ? id >= l->dense_cap && !grow_dense(l, id)
              : 2 * (l->nsparse + 1) > l->index_cap && !grow_index(l))
        return NULL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        svc_job_rec *rs = realloc(l->recs, cap * sizeof *rs);
        if (!rs)
            return NULL;
        l->recs = rs;
        l->cap = cap;
    }
    r = &l->recs[l->n];
    *r = (svc_job_rec){.id = id, .state = SVC_JOB_ACCEPTED, .first_at = now};
    l->n++;
    if (dense) {
        l->dense[id] = (uint32_t)l->n;
        return r;
    }
    size_t k = slot_of(id, l->index_cap);
    while (l->index[k])
        k = (k + 1) & (l->index_cap - 1);
    l->index[k] = (uint32_t)l->n;
    l->nsparse++;
    return r;
}

int svc_ledger_create(svc_ledger **out)
{
    if (!out)
        return -EINVAL;
    return (*out = calloc(1, sizeof **out)) ? 0 : -ENOMEM;
}

void svc_ledger_release(svc_ledger *l)
{
    if (!l)
        return;
    free(l->recs);
    free(l->dense);
    free(l->index);
    free(l);
}

static int unrecorded(svc_ledger *l)
{
    l->unrecorded++;
    return -ENOMEM;
}

int svc_ledger_submit(svc_ledger *l, uint64_t id, int64_t now)
{
    svc_job_rec *r = find_or_add(l, id, now);
    if (!r)
        return unrecorded(l);
    r->submits++;
    return 0;
}

int svc_ledger_exec(svc_ledger *l, uint64_t id)
{
    svc_job_rec *r = find_or_add(l, id, 0);
    if (!r)
        return unrecorded(l);
    r->execs++;
    return 0;
}

int svc_ledger_final(svc_ledger *l, uint64_t id, svc_job_state st, int err, int64_t now)
{
    if ((unsigned)st >= SVC_JOB__COUNT || st == SVC_JOB_ACCEPTED)
        return -EINVAL;
    svc_job_rec *r = find_or_add(l, id, now);
    if (!r)
        return unrecorded(l);
    r->state = st;
    r->err = err;
    r->final_at = now;
    return 0;
}

uint32_t svc__ledger_submit(svc_ledger *l, uint64_t id, int64_t now)
{
    svc_job_rec *r = find_or_add(l, id, now);
    if (!r) {
        unrecorded(l);
        return 0;
    }
    r->submits++;
    return (uint32_t)(r - l->recs) + 1;
}

void svc__ledger_exec(svc_ledger *l, uint32_t pos, uint64_t id)
{
    if (pos)
        l->recs[pos - 1].execs++;
    else
        svc_ledger_exec(l, id);
}

void svc__ledger_final(svc_ledger *l, uint32_t pos, uint64_t id, svc_job_state st, int err,
                       int64_t now)
{
    if (!pos) {
        svc_ledger_final(l, id, st, err, now);
        return;
    }
    svc_job_rec *r = &l->recs[pos - 1];
    r->state = st;
    r->err = err;
    r->final_at = now;
}

int svc_ledger_get(const svc_ledger *l, uint64_t id, svc_job_rec *out)
{
    const svc_job_rec *r = l ? find(l, id) : NULL;
    if (!r)
        return -ENOENT;
    *out = *r;
    return 0;
}

size_t svc_ledger_jobs(const svc_ledger *l, svc_job_rec *out, size_t max)
{
    size_t n = l->n < max ? l->n : max;
    if (n)
        memcpy(out, l->recs, n * sizeof *out);
    return l->n;
}

void svc_ledger_summary(const svc_ledger *l, svc_ledger_sum *out)
{
    *out = (svc_ledger_sum){.jobs = l->n, .unrecorded = l->unrecorded};
    for (size_t i = 0; i < l->n; i++) {
        const svc_job_rec *r = &l->recs[i];
        out->by_state[r->state]++;
        out->execs += r->execs;
        out->never_run += r->state == SVC_JOB_COMPLETED && r->execs == 0;
        out->duplicated += r->execs > 1;
        out->retried += r->submits > 1;
    }
}
