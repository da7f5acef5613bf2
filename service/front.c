/* front.c — a target served over the runtime's net: a small framed
 * request/response protocol, bounded connections with read/write
 * deadlines, idempotent retries by request id (stored results, and a
 * retry of a running id waits for it), fail points at the three phases of
 * a request; plus the no_dedupe bug. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

#define REQ_MAGIC 0x31465447u /* "GTF1" little-endian */
#define REP_MAGIC 0x31525447u /* "GTR1" */

enum { PT_REQUEST, PT_EXECUTE, PT_REPLY };

/* A connection being served; stop interrupts the idle ones. */
typedef struct served {
    struct served *prev, *next;
    gr_conn *c;
    bool idle;               /* waiting for its next request */
} served;

typedef struct result {
    uint64_t id;
    int status;
    bool done;
} result;

struct svc_front {
    svc_front_cfg cfg;
    char name[GR_NAME_MAX];
    char points[3][GR_NAME_MAX + 16];
    inj_site sites[3];
    svc *target;
    inj *inj;
    gr_listener *l;
    gr_wg *tasks;            /* the acceptor and the connection tasks */
    gr_gate *idle;           /* opened by the waiter once tasks is 0 */
    gr_gate *settled;        /* pulsed whenever a result is stored */
    int active;              /* connections being served */
    served *conns;           /* ... and each of them */
    bool stopping;
    result *results;         /* dedupe: every id executed */
    size_t nresults, results_cap;
    uint32_t *index;         /* open addressing: position + 1 */
    size_t index_cap;
    svc_front_stats st;
};

/* ---------------------------------------------------------------- wire */

int svc_front_request(gr_conn *conn, uint64_t id, const void *payload, uint32_t len,
                      int64_t deadline)
{
    if (!conn || !id || len > SVC_FRONT_PAYLOAD_MAX || (len && !payload))
        return -EINVAL;
    unsigned char h[SVC_FRONT_HEADER];
    svc__put_le32(h, REQ_MAGIC);
    svc__put_le32(h + 4, len);
    svc__put_le64(h + 8, id);
    int64_t w = gr_conn_write(conn, h, sizeof h, deadline);
    if (w == (int64_t)sizeof h && len)
        w = gr_conn_write(conn, payload, len, deadline) == (int64_t)len ? (int64_t)sizeof h : -EPIPE;
    if (w != (int64_t)sizeof h)
        return w < 0 ? (int)w : -EPIPE;
    int rc = svc__read_full(conn, h, sizeof h, deadline);
    if (rc < 0)
        return rc;
    if (svc__get_le32(h) != REP_MAGIC || svc__get_le64(h + 8) != id)
        return -EPROTO;
    return (int32_t)svc__get_le32(h + 4);
}

/* ---------------------------------------------------------------- dedupe */

static size_t slot(uint64_t id, size_t cap)
{
    id ^= id >> 33;
    id *= UINT64_C(0xff51afd7ed558ccd);
    return (size_t)(id ^ (id >> 33)) & (cap - 1);
}

static result *find(svc_front *f, uint64_t id)
{
    if (!f->index_cap)
        return NULL;
    for (size_t k = slot(id, f->index_cap); f->index[k]; k = (k + 1) & (f->index_cap - 1))
        if (f->results[f->index[k] - 1].id == id)
            return &f->results[f->index[k] - 1];
    return NULL;
}

static result *add(svc_front *f, uint64_t id)
{
    if (2 * (f->nresults + 1) > f->index_cap) {
        size_t cap = f->index_cap ? f->index_cap * 2 : 1024;
        uint32_t *ix = calloc(cap, sizeof *ix);
        if (!ix)
            return NULL;
        for (size_t i = 0; i < f->nresults; i++) {
            size_t k = slot(f->results[i].id, cap);
            while (ix[k])
                k = (k + 1) & (cap - 1);
            ix[k] = (uint32_t)i + 1;
        }
        free(f->index);
        f->index = ix;
        f->index_cap = cap;
    }
    if (f->nresults == f->results_cap) {
        size_t cap = f->results_cap ? f->results_cap * 2 : 1024;
        result *rs = realloc(f->results, cap * sizeof *rs);
        if (!rs)
            return NULL;
        f->results = rs;
        f->results_cap = cap;
    }
    size_t k = slot(id, f->index_cap);
    while (f->index[k])
        k = (k + 1) & (f->index_cap - 1);
    result *r = &f->results[f->nresults];
    *r = (result){.id = id};
    f->index[k] = (uint32_t)++f->nresults;
    return r;
}

/* Run request id against the target once: a stored result answers a
 * retry, and a retry of a running id waits for it. */
static int execute(svc_front *f, uint64_t id)
{
    if (f->cfg.bugs & SVC_BUG(SVC_BUG_NO_DEDUPE)) { /* the bug: run it again */
        f->st.executed++;
        return svc_call(f->target, id, GR_FOREVER);
    }
    result *r = find(f, id);
    if (r) {
        f->st.deduped++;
        while (!(r = find(f, id))->done) /* re-found: the table may move */
            gr_gate_wait(f->settled, GR_FOREVER);
        return r->status;
    }
    if (!add(f, id))
        return -ENOMEM;
    f->st.executed++;
    int status = svc_call(f->target, id, GR_FOREVER);
    r = find(f, id);
    r->status = status;
    r->done = true;
    gr_gate_open(f->settled); /* pulse: wake the retries waiting for it */
    gr_gate_close(f->settled);
    return status;
}

/* ---------------------------------------------------------------- connections */

/* A fail point of a phase: 0 to go on, 1 = drop the connection, or an error. */
static int phase(svc_front *f, int pt)
{
    inj_outcome o = {0};
    int rc = INJ_POINT(f->inj, &f->sites[pt], true, &o);
    if (o.fired & INJ_BIT(INJ_DROP))
        return 1;
    return rc;
}

/* Wait for the first byte of the next request (the idle wait; stop
 * interrupts it with gr_conn_shutdown). 0 = a request is coming. */
static int await_request(svc_front *f, served *sv, unsigned char *first)
{
    if (f->stopping)
        return -ESHUTDOWN;
    sv->idle = true;
    int64_t r = gr_conn_read(sv->c, first, 1, gr_deadline_in(f->cfg.read_timeout));
    sv->idle = false;
    return r == 1 ? 0 : r == 0 ? -EPIPE : (int)r;
}

/* Serve one request; 0 to keep the connection, else how it ends (1 = abort). */
static int serve_one(svc_front *f, served *sv)
{
    gr_conn *c = sv->c;
    unsigned char h[SVC_FRONT_HEADER], junk[4096];
    int rc = phase(f, PT_REQUEST);
    if (rc)
        return rc;
    if ((rc = await_request(f, sv, h)) < 0)
        return rc;
    int64_t deadline = gr_deadline_in(f->cfg.read_timeout);
    if ((rc = svc__read_full(c, h + 1, sizeof h - 1, deadline)) < 0)
        return rc;
    uint32_t len = svc__get_le32(h + 4);
    uint64_t id = svc__get_le64(h + 8);
    if (svc__get_le32(h) != REQ_MAGIC || len > SVC_FRONT_PAYLOAD_MAX || !id) {
        f->st.bad_frames++;
        return 1;
    }
    for (uint32_t left = len; left;) { /* the payload: the targets ignore it */
        uint32_t k = left < sizeof junk ? left : (uint32_t)sizeof junk;
        if ((rc = svc__read_full(c, junk, k, deadline)) < 0)
            return rc;
        left -= k;
    }
    int status = phase(f, PT_EXECUTE);
    if (status == 1)
        return 1; /* dropped mid-request: never executed */
    if (status == 0)
        status = execute(f, id);
    int p = phase(f, PT_REPLY);
    if (p == 1)
        return 1; /* executed, dropped before the reply */
    if (p < 0)
        status = p;
    svc__put_le32(h, REP_MAGIC);
    svc__put_le32(h + 4, (uint32_t)status);
    svc__put_le64(h + 8, id);
    if (gr_conn_write(c, h, sizeof h, gr_deadline_in(f->cfg.write_timeout)) != (int64_t)sizeof h)
        return -EPIPE;
    f->st.requests++;
    return 0;
}

typedef struct conn_arg {
    svc_front *f;
    gr_conn *c;
} conn_arg;

static void conn_task(void *arg)
{
    conn_arg a = *(conn_arg *)arg;
    free(arg);
    svc_front *f = a.f;
    served sv = {.next = f->conns, .c = a.c};
    if (f->conns)
        f->conns->prev = &sv;
    f->conns = &sv;
    int rc;
    while ((rc = serve_one(f, &sv)) == 0)
        ;
    if (sv.prev)
        sv.prev->next = sv.next;
    else
        f->conns = sv.next;
    if (sv.next)
        sv.next->prev = sv.prev;
    if (rc == 1)
        gr_conn_abort(a.c); /* a drop, or a bad frame: RST */
    else
        gr_conn_close(a.c);
    f->active--;
    gr_wg_done(f->tasks);
}

static void acceptor(void *arg)
{
    svc_front *f = arg;
    gr_conn *c;
    int rc;
    while ((rc = gr_accept(f->l, &c, GR_FOREVER)) != -EBADF) { /* until closed */
        if (rc < 0) { /* a transient failure (EMFILE, an injected error): retry */
            gr_sleep(GR_MS(1));
            continue;
        }
        conn_arg *a = f->active < f->cfg.max_conns ? malloc(sizeof *a) : NULL;
        if (!a) { /* at max_conns: closed at once, the others go on */
            f->st.refused++;
            gr_conn_close(c);
            continue;
        }
        *a = (conn_arg){f, c};
        f->active++;
        f->st.conns++;
        gr_wg_add(f->tasks, 1);
        if (gr_spawn(conn_task, a, "front.conn") < 0) {
            free(a);
            f->active--;
            gr_conn_close(c);
            gr_wg_done(f->tasks);
        }
    }
    gr_wg_done(f->tasks);
}

static void waiter(void *arg)
{
    svc_front *f = arg;
    gr_wg_wait(f->tasks);
    gr_gate_open(f->idle);
}

/* ---------------------------------------------------------------- lifecycle */

static int validate(const svc_front_cfg *c, char *err, size_t len)
{
    if (c->name && (!*c->name || strlen(c->name) >= GR_NAME_MAX))
        return svc__fail(err, len, "name: must be 1 to %d characters", GR_NAME_MAX - 1);
    if (!c->endpoint || !*c->endpoint)
        return svc__fail(err, len, "endpoint: required");
    if (c->max_conns < 1 || c->max_conns > 100000)
        return svc__fail(err, len, "max_conns: must be 1 to 100000 (got %d)", c->max_conns);
    if (c->read_timeout <= 0)
        return svc__fail(err, len, "read_timeout: must be > 0 (got %lld ns)", (long long)c->read_timeout);
    if (c->write_timeout <= 0)
        return svc__fail(err, len, "write_timeout: must be > 0 (got %lld ns)", (long long)c->write_timeout);
    if (c->latency < 0)
        return svc__fail(err, len, "latency: must be >= 0 (got %lld ns)", (long long)c->latency);
    return svc__check_bugs(c->bugs, SVC_BUG(SVC_BUG_NO_DEDUPE), "front", err, len);
}

int svc_front_start(svc_front **out, svc *t, const svc_front_cfg *cfg, inj *j, char *err,
                    size_t errlen)
{
    if (!gr_current())
        return -EPERM;
    if (!out || !t || !cfg)
        return svc__fail(err, errlen, "config: required");
    int rc = validate(cfg, err, errlen);
    if (rc < 0 || (rc = svc_register_points()) < 0)
        return rc;
    svc_front *f = calloc(1, sizeof *f);
    if (!f)
        return -ENOMEM;
    f->cfg = *cfg;
    snprintf(f->name, sizeof f->name, "%s", cfg->name ? cfg->name : "front");
    f->cfg.name = f->name;
    static const char *const phases[3] = {"request", "execute", "reply"};
    for (int i = 0; i < 3; i++) {
        snprintf(f->points[i], sizeof f->points[i], "svc/%s/%s", f->name, phases[i]);
        f->sites[i] = INJ_SITE(f->points[i]);
    }
    f->target = t;
    f->inj = j;
    gr_net_opts o = {.latency = cfg->latency};
    if ((rc = gr_listen(&f->l, cfg->endpoint, &o)) < 0) {
        free(f);
        return svc__fail(err, errlen, "endpoint: cannot listen on \"%s\": %s", cfg->endpoint,
                         strerror(-rc)), rc;
    }
    f->cfg.endpoint = gr_listener_endpoint(f->l);
    if (gr_wg_create(&f->tasks, "front.tasks") < 0 ||
        gr_gate_create(&f->idle, "front.idle", GR_WAIT_GATE) < 0 ||
        gr_gate_create(&f->settled, "front.dedupe", GR_WAIT_GATE) < 0) {
        gr_listener_close(f->l);
        free(f);
        return -ENOMEM;
    }
    gr_wg_add(f->tasks, 1);
    gr_spawn(acceptor, f, "front.acceptor");
    *out = f;
    return 0;
}

const char *svc_front_endpoint(const svc_front *f) { return f->cfg.endpoint; }
void svc_front_stats_get(const svc_front *f, svc_front_stats *out) { *out = f->st; }

int svc_front_stop(svc_front *f, int64_t grace)
{
    if (!f)
        return -EINVAL;
    f->stopping = true;
    gr_listener_close(f->l);
    for (served *sv = f->conns; sv; sv = sv->next)
        if (sv->idle)
            gr_conn_shutdown(sv->c); /* its owner closes it */
    gr_spawn(waiter, f, "front.waiter");
    if (gr_gate_wait(f->idle, gr_deadline_in(grace)) < 0)
        return -EBUSY; /* connection tasks still use f: it stays */
    free(f->results);
    free(f->index);
    free(f);
    return 0;
}
