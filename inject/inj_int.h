/* inj_int.h — inject's private structures and internal functions (inj__
 * prefix); nothing outside inject/ includes this file. */
#ifndef INJ_INT_H
#define INJ_INT_H

#include "inject/inj.h"

/* ---------------------------------------------------------------- catalog.c */

/* Does the spec's point (a name, or a pattern ending in '*') match name? */
bool inj__spec_matches(const char *spec_point, const char *name);
/* The kinds accepted by some catalogued point the spec's point can reach
 * (0: it reaches none). */
unsigned inj__spec_kinds(const char *spec_point);
/* "p1, p2, p3": the catalogued patterns nearest to point. */
void inj__near_points(const char *point, char *buf, size_t len);

/* ---------------------------------------------------------------- spec.c */

/* Write the message into err (when given) and return -EINVAL. */
int inj__fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 0, or -EINVAL with a message naming the offending field. */
int inj__validate(const inj_spec *sp, char *err, size_t len);

/* ---------------------------------------------------------------- log.c */

typedef struct inj__count {
    char *point;
    inj_kind kind;
    uint64_t count;
} inj__count;

typedef struct inj__log {
    inj_event *ev;              /* the first `max` events */
    size_t kept, cap, max;
    uint64_t total;
    inj__count *counts;         /* per (point, kind), in first-firing order */
    size_t ncounts, counts_cap;
    uint32_t *index;            /* open addressing: counts position + 1 */
    size_t index_cap;           /* a power of two, > 2 * ncounts */
} inj__log;

/* Whether the next event is kept in full (so its detail is worth writing). */
static inline bool inj__log_keeps(const inj__log *l) { return l->kept < l->max; }

/* Record one firing. Never fails: past memory limits it only counts. */
void inj__log_add(inj__log *l, int64_t time, inj_kind kind, const char *point,
                  const char *detail);
void inj__log_free(inj__log *l);

#endif /* INJ_INT_H */
