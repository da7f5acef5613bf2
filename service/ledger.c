/* ledger.c — every job id a target saw, what became of it and how many
 * times it ran. Small ids (what load generators hand out: 1, 2, 3, ...)
 * are records at their id's place in lazily mapped chunks; others are
 * records in first-submission order behind an open-addressing index. */
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

/* Ids below DENSE_MAX are dense: the record of id i is chunk i / PER_CHUNK,
 * slot i % PER_CHUNK. A chunk is 2 MiB of anonymous memory mapped when an
 * id in its range first comes, and filled in blocks of 64 KiB: the first
 * id to land in a block has the kernel populate all of it at once
 * (MADV_POPULATE_WRITE), one call per 2 048 records instead of a page
 * fault per 128 (two, in fact: the record's state is read before it is
 * written, which maps the zero page first). Scattered ids cost a block
 * each, and the whole dense range is bounded by 512 MiB.
 *
 * Not transparent huge pages: on this VM a fresh huge page often comes
 * back from the host cold (free page reporting hands freed 2 MiB blocks
 * back), and svc_pool_sim then ran 2.5x slower on one run in two. 4 KiB
 * pages populated in blocks cost a little more on a good run and the same
 * on every run (bench/README.md). */
#define DENSE_MAX ((uint64_t)1 << 24)
#define CHUNK_BYTES ((size_t)2 << 20)
#define PER_CHUNK (CHUNK_BYTES / sizeof(svc__rec))
#define NCHUNKS ((size_t)(DENSE_MAX / PER_CHUNK))
#define BLOCK_BYTES ((size_t)64 << 10)
#define PER_BLOCK_RECS (BLOCK_BYTES / sizeof(svc__rec))

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it: faults then */
#endif

/* Sparse ids: records in first-submission order, in malloc'd blocks that
 * never move. */
typedef struct sparse {
    uint64_t id;
    svc__rec r;
} sparse;

#define PER_SPARSE_BLOCK (CHUNK_BYTES / sizeof(sparse))

struct svc_ledger {
    svc__rec *chunk[NCHUNKS];
    uint32_t filled[NCHUNKS]; /* per chunk, a bit per block populated */
    uint64_t dense_end;      /* every dense id with a record is below it */
    sparse **blocks;
    size_t nblocks, blocks_cap;
    size_t nsparse;          /* sparse records, in all blocks */
    uint32_t *index;         /* sparse ids: position + 1; 0 = empty */
    size_t index_cap;        /* a power of two, > 2 * nsparse */
    size_t n;                /* records, dense and sparse */
    uint64_t unrecorded;
};

typedef svc__rec rec; /* svc_int.h: 32 bytes, no id */

/* ---------------------------------------------------------------- dense */

/* Dense id's slot, mapping its chunk and populating its block if need
 * be; NULL on ENOMEM. */
static rec *dense_slot(svc_ledger *l, uint64_t id)
{
    size_t k = (size_t)(id / PER_CHUNK), i = (size_t)(id % PER_CHUNK);
    if (!l->chunk[k]) {
        void *p = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        l->chunk[k] = p;
    }
    uint32_t bit = UINT32_C(1) << (i / PER_BLOCK_RECS);
    if (!(l->filled[k] & bit)) {
        l->filled[k] |= bit; /* advice only: faults do the same, slower */
        madvise(&l->chunk[k][i - i % PER_BLOCK_RECS], BLOCK_BYTES, MADV_POPULATE_WRITE);
    }
    if (id >= l->dense_end)
        l->dense_end = id + 1;
    return &l->chunk[k][i];
}

static rec *dense_find(const svc_ledger *l, uint64_t id)
{
    rec *c = l->chunk[id / PER_CHUNK];
    return c && c[id % PER_CHUNK].state ? &c[id % PER_CHUNK] : NULL;
}

/* ---------------------------------------------------------------- sparse */

static sparse *sparse_at(const svc_ledger *l, size_t i)
{
    return &l->blocks[i / PER_SPARSE_BLOCK][i % PER_SPARSE_BLOCK];
}

static size_t slot_of(uint64_t id, size_t cap)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

static void index_put(uint32_t *ix, size_t cap, uint64_t id, uint32_t pos)
{
    size_t k = slot_of(id, cap);
    while (ix[k])
        k = (k + 1) & (cap - 1);
    ix[k] = pos;
}

/* Room in the index and the blocks for one more sparse record. */
static bool sparse_reserve(svc_ledger *l)
{
    if (2 * (l->nsparse + 1) > l->index_cap) {
        size_t cap = l->index_cap ? l->index_cap * 2 : 1024;
        uint32_t *ix = calloc(cap, sizeof *ix);
        if (!ix)
            return false;
        for (size_t i = 0; i < l->nsparse; i++)
            index_put(ix, cap, sparse_at(l, i)->id, (uint32_t)i + 1);
        free(l->index);
        l->index = ix;
        l->index_cap = cap;
    }
    if (l->nsparse < l->nblocks * PER_SPARSE_BLOCK)
        return true;
    if (l->nblocks == l->blocks_cap) {
        size_t cap = l->blocks_cap ? 2 * l->blocks_cap : 8;
        sparse **bs = realloc(l->blocks, cap * sizeof *bs);
        if (!bs)
            return false;
        l->blocks = bs;
        l->blocks_cap = cap;
    }
    if (!(l->blocks[l->nblocks] = malloc(CHUNK_BYTES)))
        return false;
    l->nblocks++;
    return true;
}

static rec *sparse_find(const svc_ledger *l, uint64_t id)
{
    if (!l->index_cap)
        return NULL;
    for (size_t k = slot_of(id, l->index_cap); l->index[k]; k = (k + 1) & (l->index_cap - 1)) {
        sparse *s = sparse_at(l, l->index[k] - 1);
        if (s->id == id)
            return &s->r;
    }
    return NULL;
}

/* ---------------------------------------------------------------- records */

static rec *find(const svc_ledger *l, uint64_t id)
{
    return id < DENSE_MAX ? dense_find(l, id) : sparse_find(l, id);
}

/* id's record, created (ACCEPTED, never submitted) if new; NULL on ENOMEM
 * (counted in unrecorded). */
static rec *find_or_add(svc_ledger *l, uint64_t id, int64_t now)
{
    rec *r;
    if (id < DENSE_MAX) {
        if (!(r = dense_slot(l, id)))
            goto nomem;
        if (r->state)
            return r;
    } else {
        if ((r = sparse_find(l, id)))
            return r;
        if (!sparse_reserve(l))
            goto nomem;
        sparse *s = sparse_at(l, l->nsparse);
        s->id = id;
        index_put(l->index, l->index_cap, id, (uint32_t)++l->nsparse);
        r = &s->r;
    }
    *r = (rec){.first_at = now, .state = SVC_JOB_ACCEPTED + 1};
    l->n++;
    return r;
nomem:
    l->unrecorded++;
    return NULL;
}

static svc_job_rec public_rec(uint64_t id, const rec *r)
{
    return (svc_job_rec){.id = id, .state = (svc_job_state)(r->state - 1), .submits = r->submits,
                         .execs = r->execs, .first_at = r->first_at, .final_at = r->final_at,
                         .err = r->err};
}

/* ---------------------------------------------------------------- the interface */

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
    for (size_t k = 0; k < NCHUNKS; k++)
        if (l->chunk[k])
            munmap(l->chunk[k], CHUNK_BYTES);
    for (size_t i = 0; i < l->nblocks; i++)
        free(l->blocks[i]);
    free(l->blocks);
    free(l->index);
    free(l);
}

int svc_ledger_submit(svc_ledger *l, uint64_t id, int64_t now)
{
    return svc__ledger_submit(l, id, now) ? 0 : -ENOMEM;
}

int svc_ledger_exec(svc_ledger *l, uint64_t id)
{
    rec *r = find_or_add(l, id, 0);
    if (!r)
        return -ENOMEM;
    r->execs++;
    return 0;
}

int svc_ledger_final(svc_ledger *l, uint64_t id, svc_job_state st, int err, int64_t now)
{
    if ((unsigned)st >= SVC_JOB__COUNT || st == SVC_JOB_ACCEPTED)
        return -EINVAL;
    rec *r = find_or_add(l, id, now);
    if (!r)
        return -ENOMEM;
    svc__ledger_final(l, r, id, st, err, now); /* the targets' own path, r known */
    return 0;
}

svc__rec *svc__ledger_submit(svc_ledger *l, uint64_t id, int64_t now)
{
    rec *r = find_or_add(l, id, now);
    if (r)
        r->submits++;
    return r;
}

int svc_ledger_get(const svc_ledger *l, uint64_t id, svc_job_rec *out)
{
    const rec *r = l ? find(l, id) : NULL;
    if (!r)
        return -ENOENT;
    *out = public_rec(id, r);
    return 0;
}

/* Call fn on every record: dense ids ascending, then sparse ids in order of
 * first submission; stops early when fn returns false. */
static void each(const svc_ledger *l, bool (*fn)(void *arg, uint64_t id, const rec *r), void *arg)
{
    for (uint64_t id = 0; id < l->dense_end; id++) {
        const rec *c = l->chunk[id / PER_CHUNK];
        if (!c) {
            id += PER_CHUNK - 1 - id % PER_CHUNK; /* a chunk never mapped: no records */
            continue;
        }
        if (c[id % PER_CHUNK].state && !fn(arg, id, &c[id % PER_CHUNK]))
            return;
    }
    for (size_t i = 0; i < l->nsparse; i++)
        if (!fn(arg, sparse_at(l, i)->id, &sparse_at(l, i)->r))
            return;
}

typedef struct copy_arg {
    svc_job_rec *out;
    size_t n, max;
} copy_arg;

static bool copy_one(void *arg, uint64_t id, const rec *r)
{
    copy_arg *a = arg;
    a->out[a->n++] = public_rec(id, r);
    return a->n < a->max;
}

size_t svc_ledger_jobs(const svc_ledger *l, svc_job_rec *out, size_t max)
{
    copy_arg a = {out, 0, max};
    if (max > 0)
        each(l, copy_one, &a);
    return l->n;
}

static bool count_one(void *arg, uint64_t id, const rec *r)
{
    (void)id;
    svc_ledger_sum *out = arg;
    svc_job_state st = (svc_job_state)(r->state - 1);
    out->by_state[st]++;
    out->execs += r->execs;
    out->never_run += st == SVC_JOB_COMPLETED && r->execs == 0;
    out->duplicated += r->execs > 1;
    out->retried += r->submits > 1;
    return true;
}

void svc_ledger_summary(const svc_ledger *l, svc_ledger_sum *out)
{
    *out = (svc_ledger_sum){.jobs = l->n, .unrecorded = l->unrecorded};
    each(l, count_one, out);
}
