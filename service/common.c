/* common.c — what the service's targets share: bug names, validation
 * helpers, and the service's fail points in the catalog. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "service/svc_int.h"

#define SVC__X(id, name, text) name,
static const char *const bug_names[] = {SVC_BUGS(SVC__X)};
#undef SVC__X

const char *svc_bug_name(svc_bug b) { return (unsigned)b < SVC_BUG__COUNT ? bug_names[b] : "?"; }

int svc_bug_parse(const char *name)
{
    for (int i = 0; name && i < SVC_BUG__COUNT; i++)
        if (strcmp(bug_names[i], name) == 0)
            return i;
    return -EINVAL;
}

double svc__unit(void) { return (double)(gr_rand() >> 11) * 0x1.0p-53; }

int64_t svc__cost_drawn(const svc_cost *c)
{
    double j = (double)c->jitter, x;
    switch (c->dist) {
    case INJ_DIST_UNIFORM:
        return c->fixed + (int64_t)(svc__unit() * j);
    case INJ_DIST_EXPONENTIAL:
        x = -log1p(-svc__unit()) * j;
        return c->fixed + (int64_t)(x < 20 * j ? x : 20 * j);
    default:
        return c->fixed;
    }
}

int svc__read_full(gr_conn *c, void *buf, size_t n, int64_t deadline)
{
    for (size_t got = 0; got < n;) {
        int64_t r = gr_conn_read(c, (char *)buf + got, n - got, deadline);
        if (r <= 0)
            return r == 0 ? -EPIPE : (int)r;
        got += (size_t)r;
    }
    return 0;
}

/* ---------------------------------------------------------------- the interface */

int svc_call(svc *t, uint64_t id, int64_t deadline)
{
    if (!t || !gr_current())
        return -EINVAL;
    svc__job *jb;
    int rc = t->ops->accept(t, id, deadline, false, &jb);
    return rc < 0 ? rc : svc__job_wait(t->jobs, jb, deadline);
}

int svc_submit(svc *t, uint64_t id, int64_t deadline)
{
    svc__job *jb;
    return t && gr_current() ? t->ops->accept(t, id, deadline, true, &jb) : -EINVAL;
}

int svc_stop(svc *t, int64_t grace)
{
    return t && gr_current() ? t->ops->stop(t, grace) : -EINVAL;
}

void svc_stats_get(const svc *t, svc_stats *out) { t->ops->stats(t, out); }

size_t svc_queues(const svc *t, svc_queue_info *out, size_t max)
{
    return t->ops->queues(t, out, max);
}

void svc_release(svc *t)
{
    if (t)
        t->ops->release(t);
}

/* ---------------------------------------------------------------- validation */

int svc__fail(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

int svc__check_cost(const svc_cost *c, const char *field, char *err, size_t len)
{
    if (c->fixed < 0)
        return svc__fail(err, len, "%s.fixed: must be >= 0 (got %lld ns)", field, (long long)c->fixed);
    if (c->jitter < 0)
        return svc__fail(err, len, "%s.jitter: must be >= 0 (got %lld ns)", field, (long long)c->jitter);
    if ((unsigned)c->dist > INJ_DIST_EXPONENTIAL)
        return svc__fail(err, len, "%s.dist: unknown distribution %d", field, (int)c->dist);
    if (c->dist == INJ_DIST_FIXED && c->jitter)
        return svc__fail(err, len, "%s.dist: fixed takes no jitter; use uniform or exponential", field);
    return 0;
}

int svc__check_bugs(unsigned bugs, unsigned allowed, const char *target, char *err, size_t len)
{
    for (int b = 0; b < 32; b++)
        if ((bugs & (1u << b)) && !(allowed & (1u << b)))
            return b < SVC_BUG__COUNT
                       ? svc__fail(err, len, "bugs: %s does not apply to a %s", svc_bug_name(b), target)
                       : svc__fail(err, len, "bugs: unknown bug %d", b);
    return 0;
}

static const inj_point_def service_points[] = {
    {"svc/<pool>/exec", "a pool worker starting a job (the job then fails, waits or hangs)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK)},
    {"svc/<front>/request", "the front about to read a request (drop: before the request is read)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP)},
    {"svc/<front>/execute", "the front with a request read, not yet executed (drop: mid-request)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP)},
    {"svc/<front>/reply", "the front with a request executed, reply not yet sent (drop: after execution)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP)},
    {"svc/<pipeline>/<stage>/process",
     "a pipeline stage processing a job (an error fails the whole pipeline)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK)},
};

int svc_register_points(void)
{
    static bool done;
    if (done)
        return 0;
    int rc = inj_catalog_register(service_points, sizeof service_points / sizeof service_points[0]);
    done = rc == 0;
    return rc;
}
