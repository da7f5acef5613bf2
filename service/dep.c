/* dep.c — the dependency: a downstream server over the runtime's net, and
 * the client that calls it with a per-attempt timeout, retries with
 * exponential backoff and full jitter, and a circuit breaker; plus the
 * no_timeout and retry_storm bugs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

/* ---------------------------------------------------------------- the server */

struct svc_dep {
    svc_dep_cfg cfg;
    gr_listener *l;
    gr_wg *calls;            /* handlers in progress (and the acceptor) */
    gr_gate *idle;           /* opened by the waiter once calls is 0 */
    uint64_t served;
    bool stopping;
};

static int64_t io_deadline(void) { return gr_deadline_in(GR_S(60)); }

typedef struct handler_arg {
    svc_dep *d;
    gr_conn *c;
} handler_arg;

static void handler(void *arg)
{
    handler_arg h = *(handler_arg *)arg;
    free(arg);
    unsigned char w[8];
    if (svc__read_full(h.c, w, sizeof w, io_deadline()) == 0) {
        gr_work(svc__cost(&h.d->cfg.cost));
        svc__put_le64(w, svc__get_le64(w) ^ SVC_DEP_MAGIC);
        if (gr_conn_write(h.c, w, sizeof w, io_deadline()) == (int64_t)sizeof w)
            h.d->served++;
    }
    gr_conn_close(h.c);
    gr_wg_done(h.d->calls);
}

static void acceptor(void *arg)
{
    svc_dep *d = arg;
    gr_conn *c;
    int rc;
    while ((rc = gr_accept(d->l, &c, GR_FOREVER)) != -EBADF) { /* until closed */
        if (rc < 0) { /* a transient failure (EMFILE, an injected error): retry */
            gr_sleep(GR_MS(1));
            continue;
        }
        handler_arg *h = malloc(sizeof *h);
        if (!h) {
            gr_conn_abort(c);
            continue;
        }
        *h = (handler_arg){d, c};
        gr_wg_add(d->calls, 1);
        if (gr_spawn(handler, h, "dep.handler") < 0) {
            free(h);
            gr_conn_abort(c);
            gr_wg_done(d->calls);
        }
    }
    gr_wg_done(d->calls); /* the listener was closed */
}

static void waiter(void *arg)
{
    svc_dep *d = arg;
    gr_wg_wait(d->calls);
    gr_gate_open(d->idle);
}

int svc_dep_start(svc_dep **out, const svc_dep_cfg *cfg, char *err, size_t errlen)
{
    if (!gr_current())
        return -EPERM;
    if (!out || !cfg || !cfg->endpoint || !*cfg->endpoint)
        return svc__fail(err, errlen, "endpoint: required");
    if (cfg->latency < 0)
        return svc__fail(err, errlen, "latency: must be >= 0 (got %lld ns)", (long long)cfg->latency);
    int rc = svc__check_cost(&cfg->cost, "cost", err, errlen);
    if (rc < 0)
        return rc;
    svc_dep *d = calloc(1, sizeof *d);
    if (!d)
        return -ENOMEM;
    d->cfg = *cfg;
    gr_net_opts o = {.latency = cfg->latency};
    if ((rc = gr_listen(&d->l, cfg->endpoint, &o)) < 0) {
        free(d);
        return svc__fail(err, errlen, "endpoint: cannot listen on \"%s\": %s", cfg->endpoint,
                         strerror(-rc)), rc;
    }
    d->cfg.endpoint = gr_listener_endpoint(d->l);
    if (gr_wg_create(&d->calls, "dep.calls") < 0 || gr_gate_create(&d->idle, "dep.idle", GR_WAIT_GATE) < 0) {
        gr_listener_close(d->l);
        free(d);
        return -ENOMEM;
    }
    gr_wg_add(d->calls, 1); /* the acceptor */
    gr_spawn(acceptor, d, "dep.acceptor");
    *out = d;
    return 0;
}

const char *svc_dep_endpoint(const svc_dep *d) { return d->cfg.endpoint; }
uint64_t svc_dep_served(const svc_dep *d) { return d->served; }

int svc_dep_stop(svc_dep *d, int64_t grace)
{
    if (!d)
        return -EINVAL;
    gr_listener_close(d->l); /* the acceptor returns */
    gr_spawn(waiter, d, "dep.waiter");
    if (gr_gate_wait(d->idle, gr_deadline_in(grace)) < 0)
        return -EBUSY; /* handlers still use d: it stays (a leak to report) */
    free(d); /* its objects are the scheduler's */
    return 0;
}

/* ---------------------------------------------------------------- the client */

#define SVC__X(id, name) name,
static const char *const breaker_names[] = {SVC_BREAKER_STATES(SVC__X)};
#undef SVC__X

const char *svc_breaker_name(svc_breaker b)
{
    return (unsigned)b <= SVC_BREAKER_HALF_OPEN ? breaker_names[b] : "?";
}

struct svc_client {
    char endpoint[GR_NAME_MAX + 16];
    svc_client_cfg cfg;
    int failures;            /* consecutive */
    int64_t opened_at;
    bool probing;            /* half-open: the one probe is in flight */
    svc_client_stats st;
};

static bool cbug(const svc_client *c, svc_bug b) { return c->cfg.bugs & SVC_BUG(b); }
static bool has_breaker(const svc_client *c)
{
    return c->cfg.breaker_failures > 0 && !cbug(c, SVC_BUG_RETRY_STORM);
}

int svc_client_create(svc_client **out, const char *endpoint, const svc_client_cfg *cfg,
                      char *err, size_t errlen)
{
    if (!out || !cfg || !endpoint || !*endpoint || strlen(endpoint) >= GR_NAME_MAX + 16)
        return svc__fail(err, errlen, "endpoint: required");
    if (cfg->timeout <= 0)
        return svc__fail(err, errlen, "timeout: must be > 0 (got %lld ns)", (long long)cfg->timeout);
    if (cfg->retries < 0 || cfg->retries > 100)
        return svc__fail(err, errlen, "retries: must be 0 to 100 (got %d)", cfg->retries);
    if (cfg->backoff < 0 || cfg->backoff_max < 0 || (cfg->backoff_max && cfg->backoff_max < cfg->backoff))
        return svc__fail(err, errlen, "backoff: must be >= 0 and <= backoff_max");
    if (cfg->breaker_failures < 0)
        return svc__fail(err, errlen, "breaker_failures: must be >= 0 (got %d)", cfg->breaker_failures);
    if (cfg->breaker_cooldown < 0 || (cfg->breaker_failures && !cfg->breaker_cooldown))
        return svc__fail(err, errlen, "breaker_cooldown: a breaker needs a cooldown > 0");
    unsigned allowed = SVC_BUG(SVC_BUG_NO_TIMEOUT) | SVC_BUG(SVC_BUG_RETRY_STORM);
    int rc = svc__check_bugs(cfg->bugs, allowed, "dependency client", err, errlen);
    if (rc < 0)
        return rc;
    svc_client *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    c->cfg = *cfg;
    if (!c->cfg.backoff_max)
        c->cfg.backoff_max = 64 * c->cfg.backoff;
    *out = c;
    return 0;
}

void svc_client_release(svc_client *c) { free(c); }

/* The connection an attempt is using, for a cancellation hook to interrupt. */
typedef struct inflight {
    gr_conn *conn;
} inflight;

static void interrupt(void *arg)
{
    inflight *f = arg;
    if (f->conn)
        gr_conn_shutdown(f->conn); /* its calls return -ESHUTDOWN */
}

/* One attempt: connect, request, reply. ctx (may be NULL): its
 * cancellation interrupts the attempt's reads and writes. */
static int attempt(svc_client *c, uint64_t request, gr_ctx *ctx, int64_t deadline)
{
    gr_conn *conn = NULL;
    int rc = gr_connect(&conn, c->endpoint, deadline);
    if (rc < 0)
        return rc;
    inflight f = {conn};
    gr_ctx_hook h;
    if (ctx && gr_ctx_hook_add(ctx, &h, interrupt, &f) < 0)
        ctx = NULL;
    unsigned char b[8];
    svc__put_le64(b, request);
    int64_t w = gr_conn_write(conn, b, sizeof b, deadline);
    rc = w == (int64_t)sizeof b ? svc__read_full(conn, b, sizeof b, deadline) : (int)(w < 0 ? w : -EPIPE);
    if (rc == 0 && svc__get_le64(b) != (request ^ SVC_DEP_MAGIC))
        rc = -EPROTO;
    if (ctx)
        gr_ctx_hook_del(&h);
    gr_conn_close(conn);
    return rc;
}

/* The breaker's verdict before an attempt: may it go through? Half-open
 * lets exactly one probe through at a time. */
static bool breaker_allows(svc_client *c)
{
    if (!has_breaker(c) || c->st.breaker == SVC_BREAKER_CLOSED)
        return true;
    if (c->st.breaker == SVC_BREAKER_OPEN && gr_now() - c->opened_at >= c->cfg.breaker_cooldown)
        c->st.breaker = SVC_BREAKER_HALF_OPEN;
    if (c->st.breaker != SVC_BREAKER_HALF_OPEN || c->probing)
        return false;
    c->probing = true;
    return true;
}

static void breaker_record(svc_client *c, bool ok)
{
    c->probing = false;
    if (ok) {
        c->failures = 0;
        c->st.breaker = SVC_BREAKER_CLOSED;
        return;
    }
    c->failures++;
    if (has_breaker(c) && c->st.breaker != SVC_BREAKER_OPEN &&
        (c->st.breaker == SVC_BREAKER_HALF_OPEN || c->failures >= c->cfg.breaker_failures)) {
        c->st.breaker = SVC_BREAKER_OPEN;
        c->opened_at = gr_now();
        c->st.opened++;
    }
}

/* Exponential backoff with full jitter: U[0, min(max, backoff * 2^n)). */
static int64_t backoff_of(const svc_client *c, int n)
{
    int64_t b = c->cfg.backoff;
    for (int i = 0; i < n && b < c->cfg.backoff_max; i++)
        b *= 2;
    if (b > c->cfg.backoff_max)
        b = c->cfg.backoff_max;
    return (int64_t)(svc__unit() * (double)b);
}

/* Sleep until wake, or until ctx (may be NULL) is cancelled: 0 or its error. */
static int pause_until(gr_ctx *ctx, int64_t wake)
{
    if (!ctx) {
        gr_sleep_until(wake);
        return 0;
    }
    gr_case cs[1] = {GR_RECV(gr_ctx_done(ctx), NULL)};
    return gr_select(cs, 1, wake) == 0 ? gr_ctx_err(ctx) : 0;
}

/* The call, with its retries: before deadline, and (ctx non-NULL) until ctx
 * is cancelled, which interrupts an attempt in flight. */
static int call(svc_client *c, uint64_t request, gr_ctx *ctx, int64_t deadline)
{
    c->st.calls++;
    int rc = -EAGAIN;
    for (int n = 0; n <= c->cfg.retries; n++) {
        if (ctx && (rc = gr_ctx_err(ctx)) < 0)
            break;
        if (!breaker_allows(c)) {
            c->st.fast_failed++;
            rc = -EAGAIN;
            break;
        }
        int64_t until = cbug(c, SVC_BUG_NO_TIMEOUT) ? deadline /* the bug: no per-attempt limit */
                                                    : gr_deadline_in(c->cfg.timeout);
        if (deadline != GR_FOREVER && (until == GR_FOREVER || until > deadline))
            until = deadline;
        c->st.attempts++;
        rc = attempt(c, request, ctx, until);
        if (ctx && gr_ctx_err(ctx)) { /* cancelled: not the dependency's failure */
            rc = gr_ctx_err(ctx);
            c->probing = false;
            break;
        }
        breaker_record(c, rc == 0);
        if (rc == 0 || (deadline != GR_FOREVER && gr_now() >= deadline))
            break;
        if (n < c->cfg.retries && !cbug(c, SVC_BUG_RETRY_STORM)) { /* the bug: no pause */
            int64_t wake = gr_deadline_in(backoff_of(c, n));
            if (deadline != GR_FOREVER && wake >= deadline) {
                int why = pause_until(ctx, deadline); /* no time left for another attempt */
                rc = why < 0 ? why : rc;
                break;
            }
            int why = pause_until(ctx, wake);
            if (why < 0) {
                rc = why;
                break;
            }
        }
    }
    if (ctx && rc == gr_ctx_err(ctx) && rc < 0)
        c->st.cancelled++;
    else if (rc == 0)
        c->st.ok++;
    else
        c->st.failed++;
    return rc;
}

int svc_client_call(svc_client *c, uint64_t request, int64_t deadline)
{
    return c && gr_current() ? call(c, request, NULL, deadline) : -EINVAL;
}

int svc_client_call_ctx(svc_client *c, uint64_t request, gr_ctx *ctx)
{
    if (!c || !ctx || !gr_current())
        return -EINVAL;
    if (cbug(c, SVC_BUG_NO_TIMEOUT)) /* the bug: the call is not tied to ctx at all */
        return call(c, request, NULL, GR_FOREVER);
    return call(c, request, ctx, gr_ctx_deadline(ctx));
}

void svc_client_stats_get(const svc_client *c, svc_client_stats *out) { *out = c->st; }
