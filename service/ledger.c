/* ledger.c — every job id a target saw, what became of it and how many
 * times it ran: records in first-submission order (deterministic for
 * reports) behind an open-addressing index. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

/* Records live in chunks of 2 MiB that never move (no copying as the
 * ledger grows). Chunks after the first are advised into transparent huge
 * pages: a ledger of a million jobs then takes some 30 page faults instead
 * of 12 000, which is most of what recording a job costs. */
#define CHUNK_BYTES ((size_t)2 << 20)
#define PER_CHUNK (CHUNK_BYTES / sizeof(svc_job_rec))

struct svc_ledger {
    svc_job_rec **chunks;
    size_t nchunks, chunks_cap;
    size_t n;                /* records, in all chunks */
    uint32_t *dense;       /* id -> position + 1, for id < dense_cap */
    size_t dense_cap;
    uint32_t *index;       /* sparse ids: position + 1; 0 = empty */
    size_t index_cap;      /* a power of two, > 2 * entries in it */
    size_t nsparse;
    uint64_t unrecorded;
};

static svc_job_rec *rec_at(const svc_ledger *l, size_t i)
{
    return &l->chunks[i / PER_CHUNK][i % PER_CHUNK];
}

/* Room for one more record: false on ENOMEM. */
static bool reserve(svc_ledger *l)
{
    if (l->n < l->nchunks * PER_CHUNK)
        return true;
    if (l->nchunks == l->chunks_cap) {
        size_t cap = l->chunks_cap ? 2 * l->chunks_cap : 8;
        svc_job_rec **cs = realloc(l->chunks, cap * sizeof *cs);
        if (!cs)
            return false;
        l->chunks = cs;
        l->chunks_cap = cap;
    }
    svc_job_rec *c = aligned_alloc(CHUNK_BYTES, CHUNK_BYTES);
    if (!c)
        return false;
    if (l->nchunks > 0)
        madvise(c, CHUNK_BYTES, MADV_HUGEPAGE); /* advice only: fine if refused */
    l->chunks[l->nchunks++] = c;
    return true;
}

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
        uint64_t id = rec_at(l, i)->id;
        if (id < DENSE_MAX)
            continue;
        size_t k = slot_of(id, cap);
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

/* The position + 1 of id's record, or 0. */
static uint32_t find_pos(const svc_ledger *l, uint64_t id)
{
    if (id < DENSE_MAX)
        return id < l->dense_cap ? l->dense[id] : 0;
    if (!l->index_cap)
        return 0;
    for (size_t k = slot_of(id, l->index_cap); l->index[k]; k = (k + 1) & (l->index_cap - 1))
        if (rec_at(l, l->index[k] - 1)->id == id)
            return l->index[k];
    return 0;
}

static svc_job_rec *find(const svc_ledger *l, uint64_t id)
{
    uint32_t pos = find_pos(l, id);
    return pos ? rec_at(l, pos - 1) : NULL;
}

/* The position + 1 of id's record, created (ACCEPTED, never submitted) if
 * new; 0 on ENOMEM. */
static uint32_t find_or_add_pos(svc_ledger *l, uint64_t id, int64_t now)
{
    uint32_t pos = find_pos(l, id);
    if (pos)
        return pos;
    bool dense = id < DENSE_MAX;
    if (dense ? id >= l->dense_cap && !grow_dense(l, id)
              : 2 * (l->nsparse + 1) > l->index_cap && !grow_index(l))
        return 0;
    if (!reserve(l))
        return 0;
    *rec_at(l, l->n) = (svc_job_rec){.id = id, .state = SVC_JOB_ACCEPTED, .first_at = now};
    pos = (uint32_t)++l->n;
    if (dense) {
        l->dense[id] = pos;
        return pos;
    }
    size_t k = slot_of(id, l->index_cap);
    while (l->index[k])
        k = (k + 1) & (l->index_cap - 1);
    l->index[k] = pos;
    l->nsparse++;
    return pos;
}

static svc_job_rec *find_or_add(svc_ledger *l, uint64_t id, int64_t now)
{
    uint32_t pos = find_or_add_pos(l, id, now);
    return pos ? rec_at(l, pos - 1) : NULL;
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
    for (size_t i = 0; i < l->nchunks; i++)
        free(l->chunks[i]);
    free(l->chunks);
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
    uint32_t pos = find_or_add_pos(l, id, now);
    if (!pos) {
        unrecorded(l);
        return 0;
    }
    rec_at(l, pos - 1)->submits++;
    return pos;
}

void svc__ledger_exec(svc_ledger *l, uint32_t pos, uint64_t id)
{
    if (pos)
        rec_at(l, pos - 1)->execs++;
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
    svc_job_rec *r = rec_at(l, pos - 1);
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
    for (size_t i = 0; i < n; i += PER_CHUNK)
        memcpy(out + i, l->chunks[i / PER_CHUNK], (n - i < PER_CHUNK ? n - i : PER_CHUNK) * sizeof *out);
    return l->n;
}

void svc_ledger_summary(const svc_ledger *l, svc_ledger_sum *out)
{
    *out = (svc_ledger_sum){.jobs = l->n, .unrecorded = l->unrecorded};
    for (size_t i = 0; i < l->n; i++) {
        const svc_job_rec *r = rec_at(l, i);
        out->by_state[r->state]++;
        out->execs += r->execs;
        out->never_run += r->state == SVC_JOB_COMPLETED && r->execs == 0;
        out->duplicated += r->execs > 1;
        out->retried += r->submits > 1;
    }
}
