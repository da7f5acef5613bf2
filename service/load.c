/* load.c — the load generator: an open loop (a rate, evenly spaced or
 * Poisson, requests in flight capped) or a closed loop (clients with think
 * time), in-process or over the front, per-attempt timeouts, retries of
 * the same id with backoff, and every outcome handed to a sink. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

struct svc_load {
    svc_load_cfg cfg;
    char via[GR_NAME_MAX + 16];
    svc *target;
    svc_load_sink sink;
    void *ctx;
    uint64_t next_id;
    int64_t end;             /* no request starts after this */
    gr_wg *out;              /* the generator / clients and every request */
    gr_gate *done;           /* opened once out is 0 */
    svc_load_stats st;
};

/* One attempt: in-process, or over the front on *conn (reconnecting). */
static int attempt(svc_load *l, uint64_t id, gr_conn **conn, int64_t deadline)
{
    if (!l->cfg.via)
        return svc_call(l->target, id, deadline);
    int rc;
    if (!*conn && (rc = gr_connect(conn, l->via, deadline)) < 0) {
        *conn = NULL;
        return rc;
    }
    rc = svc_front_request(*conn, id, NULL, 0, deadline);
    bool transport = rc == -ECONNRESET || rc == -EPIPE || rc == -EPROTO || rc == -ETIMEDOUT ||
                     rc == -EBADF || rc == -ECONNREFUSED;
    if (transport) { /* the connection is spent: start over next time */
        gr_conn_close(*conn);
        *conn = NULL;
    }
    return rc;
}

static bool retryable(int rc)
{
    return rc == -ETIMEDOUT || rc == -EAGAIN || rc == -ECONNRESET || rc == -EPIPE ||
           rc == -ECONNREFUSED || rc == -EPROTO;
}

/* A request, with its retries; reports to the sink. Returns its status. */
static int request(svc_load *l, uint64_t id, gr_conn **conn)
{
    int64_t t0 = gr_now(), backoff = l->cfg.backoff;
    int rc = -EIO, n = 0;
    while (n <= l->cfg.retries) {
        n++;
        rc = attempt(l, id, conn, gr_deadline_in(l->cfg.timeout));
        if (!retryable(rc) || n > l->cfg.retries)
            break;
        gr_sleep((int64_t)(svc__unit() * (double)backoff));
        backoff *= 2;
    }
    l->st.ok += rc == 0;
    l->st.failed += rc != 0;
    l->st.retried += n > 1;
    if (l->sink)
        l->sink(l->ctx, id, rc, gr_now() - t0, n);
    return rc;
}

typedef struct one {
    svc_load *l;
    uint64_t id;
} one;

static void open_request(void *arg) /* an open-loop request: its own connection */
{
    one o = *(one *)arg;
    free(arg);
    gr_conn *conn = NULL;
    request(o.l, o.id, &conn);
    if (conn)
        gr_conn_close(conn);
    o.l->st.outstanding--;
    gr_wg_done(o.l->out);
}

static void open_loop(void *arg)
{
    svc_load *l = arg;
    double mean = 1e9 / l->cfg.rate; /* ns between requests */
    int64_t next = gr_now();
    int cap = l->cfg.max_outstanding ? l->cfg.max_outstanding : 10000;
    while (next < l->end) {
        gr_sleep_until(next);
        if (gr_now() >= l->end)
            break; /* stopped meanwhile (svc_load_stop) */
        double gap = l->cfg.poisson ? -log1p(-svc__unit()) * mean : mean;
        next += gap < 1 ? 1 : (int64_t)gap;
        if (l->st.outstanding >= (uint64_t)cap) {
            l->st.shed++;
            continue;
        }
        one *o = malloc(sizeof *o);
        if (!o) {
            l->st.shed++;
            continue;
        }
        *o = (one){l, l->next_id++};
        l->st.started++;
        if (++l->st.outstanding > l->st.outstanding_peak)
            l->st.outstanding_peak = l->st.outstanding;
        gr_wg_add(l->out, 1);
        if (gr_spawn(open_request, o, "load.request") < 0) {
            free(o);
            l->st.outstanding--;
            l->st.shed++;
            gr_wg_done(l->out);
        }
    }
    gr_wg_done(l->out);
}

static void client(void *arg) /* a closed-loop client: one connection, in turn */
{
    svc_load *l = arg;
    gr_conn *conn = NULL;
    while (gr_now() < l->end) {
        l->st.started++;
        if (++l->st.outstanding > l->st.outstanding_peak)
            l->st.outstanding_peak = l->st.outstanding;
        int rc = request(l, l->next_id++, &conn);
        l->st.outstanding--;
        /* The target is shut down (stopped, or a failed pipeline): a
         * client has nobody left to talk to. Looping on would also spin
         * without ever letting sim time pass when think is 0. */
        if (rc == -ESHUTDOWN)
            break;
        gr_sleep(l->cfg.think);
    }
    if (conn)
        gr_conn_close(conn);
    gr_wg_done(l->out);
}

static void closer(void *arg)
{
    svc_load *l = arg;
    gr_wg_wait(l->out);
    gr_gate_open(l->done);
}

static int validate(const svc_load_cfg *c, const svc *target, char *err, size_t len)
{
    if (!c->via && !target)
        return svc__fail(err, len, "via: no target to load in-process, and no front endpoint");
    if (c->via && (!*c->via || strlen(c->via) >= GR_NAME_MAX + 16))
        return svc__fail(err, len, "via: not an endpoint");
    if (!c->closed_loop && (isnan(c->rate) || c->rate <= 0 || c->rate > 1e9))
        return svc__fail(err, len, "rate: must be > 0 requests/s (got %g)", c->rate);
    if (!c->closed_loop && (c->max_outstanding < 0 || c->max_outstanding > 1000000))
        return svc__fail(err, len, "max_outstanding: must be 0 to 1000000 (got %d)", c->max_outstanding);
    if (c->closed_loop && (c->clients < 1 || c->clients > 100000))
        return svc__fail(err, len, "clients: must be 1 to 100000 (got %d)", c->clients);
    if (c->think < 0)
        return svc__fail(err, len, "think: must be >= 0 (got %lld ns)", (long long)c->think);
    if (c->duration <= 0)
        return svc__fail(err, len, "duration: must be > 0 (got %lld ns)", (long long)c->duration);
    if (c->timeout <= 0)
        return svc__fail(err, len, "timeout: must be > 0 (got %lld ns)", (long long)c->timeout);
    if (c->retries < 0 || c->retries > 100)
        return svc__fail(err, len, "retries: must be 0 to 100 (got %d)", c->retries);
    if (c->backoff < 0)
        return svc__fail(err, len, "backoff: must be >= 0 (got %lld ns)", (long long)c->backoff);
    return 0;
}

int svc_load_start(svc_load **out, const svc_load_cfg *cfg, svc *target, svc_load_sink sink,
                   void *ctx, char *err, size_t errlen)
{
    if (!gr_current())
        return -EPERM;
    if (!out || !cfg)
        return svc__fail(err, errlen, "config: required");
    int rc = validate(cfg, target, err, errlen);
    if (rc < 0)
        return rc;
    svc_load *l = calloc(1, sizeof *l);
    if (!l)
        return -ENOMEM;
    l->cfg = *cfg;
    if (cfg->via) {
        snprintf(l->via, sizeof l->via, "%s", cfg->via);
        l->cfg.via = l->via;
    }
    l->target = target;
    l->sink = sink;
    l->ctx = ctx;
    l->next_id = cfg->first_id ? cfg->first_id : 1;
    l->end = gr_deadline_in(cfg->duration);
    if (gr_wg_create(&l->out, "load") < 0 || gr_gate_create(&l->done, "load.done", GR_WAIT_GATE) < 0) {
        free(l);
        return -ENOMEM;
    }
    int n = cfg->closed_loop ? cfg->clients : 1;
    gr_wg_add(l->out, n);
    for (int i = 0; i < n; i++)
        gr_spawn(cfg->closed_loop ? client : open_loop, l, cfg->closed_loop ? "load.client" : "load.open");
    gr_spawn(closer, l, "load.closer");
    *out = l;
    return 0;
}

int svc_load_wait(svc_load *l, int64_t deadline)
{
    return l ? gr_gate_wait(l->done, deadline) : -EINVAL;
}

void svc_load_stop(svc_load *l)
{
    if (l && gr_now() < l->end)
        l->end = gr_now();
}

void svc_load_stats_get(const svc_load *l, svc_load_stats *out) { *out = l->st; }

void svc_load_abandon(svc_load *l) { free(l); }

int svc_load_release(svc_load *l)
{
    if (!l)
        return 0;
    if (!gr_gate_is_open(l->done))
        return -EBUSY;
    free(l);
    return 0;
}
