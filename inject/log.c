/* log.c — the event log of injected faults: the first N firings in full,
 * exact counts per (point, kind) for all of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject/inj_int.h"

static uint32_t hash(const char *point, inj_kind kind)
{
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    for (; *point; point++)
        h = (h ^ (unsigned char)*point) * 16777619u;
    return h;
}

static bool index_grow(inj__log *l)
{
    size_t cap = l->index_cap ? l->index_cap * 2 : 64;
    uint32_t *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return false;
    for (size_t i = 0; i < l->ncounts; i++) {
        size_t k = hash(l->counts[i].point, l->counts[i].kind) & (cap - 1);
        while (ix[k])
            k = (k + 1) & (cap - 1);
        ix[k] = (uint32_t)i + 1;
    }
    free(l->index);
    l->index = ix;
    l->index_cap = cap;
    return true;
}

/* The count entry for (point, kind), created at 0 if new; NULL on ENOMEM. */
static inj__count *count_of(inj__log *l, const char *point, inj_kind kind)
{
    if (2 * (l->ncounts + 1) > l->index_cap && !index_grow(l))
        return NULL;
    size_t k = hash(point, kind) & (l->index_cap - 1);
    for (; l->index[k]; k = (k + 1) & (l->index_cap - 1)) {
        inj__count *c = &l->counts[l->index[k] - 1];
        if (c->kind == kind && strcmp(c->point, point) == 0)
            return c;
    }
    if (l->ncounts == l->counts_cap) {
        size_t cap = l->counts_cap ? l->counts_cap * 2 : 16;
        inj__count *cs = realloc(l->counts, cap * sizeof *cs);
        if (!cs)
            return NULL;
        l->counts = cs;
        l->counts_cap = cap;
    }
    char *p = strdup(point);
    if (!p)
        return NULL;
    l->counts[l->ncounts] = (inj__count){p, kind, 0};
    l->index[k] = (uint32_t)++l->ncounts;
    return &l->counts[l->ncounts - 1];
}

static inj_event *event_slot(inj__log *l)
{
    if (l->kept == l->max)
        return NULL;
    if (l->kept == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        if (cap > l->max)
            cap = l->max;
        inj_event *ev = realloc(l->ev, cap * sizeof *ev);
        if (!ev)
            return NULL;
        l->ev = ev;
        l->cap = cap;
    }
    return &l->ev[l->kept++];
}

void inj__log_add(inj__log *l, int64_t time, inj_kind kind, const char *point,
                  const char *detail)
{
    l->total++;
    inj__count *c = count_of(l, point, kind);
    if (c)
        c->count++;
    inj_event *e = event_slot(l);
    if (!e)
        return;
    e->time = time;
    e->kind = kind;
    e->task = gr_self();
    snprintf(e->task_name, sizeof e->task_name, "%s", gr_self_name());
    snprintf(e->point, sizeof e->point, "%s", point);
    snprintf(e->detail, sizeof e->detail, "%s", detail);
}

void inj__log_free(inj__log *l)
{
    for (size_t i = 0; i < l->ncounts; i++)
        free(l->counts[i].point);
    free(l->counts);
    free(l->index);
    free(l->ev);
    memset(l, 0, sizeof *l);
}
