/* load_target.c — the constructors of what a scenario runs: pool { } and
 * pipeline { } (with their cost, dep, front and bugs) and the loads
 * open_loop { } and closed_loop { }, checked as the service would. */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "harness/load_int.h"

/* The service's own limits (service/pool.c, pipeline.c, front.c, dep.c,
 * load.c validate the same when the world starts them). */
#define WORKERS_MAX 100000
#define QUEUE_MAX (1 << 20)
#define FANOUT_MAX 1024
#define RETRIES_MAX 100

/* ---------------------------------------------------------------- pieces */

static const char *const dist_names[] = {"fixed", "uniform", "exponential"};

/* cost = d, or { fixed = d, jitter = d, dist = ... }: the default dist is
 * uniform when there is jitter, else fixed. */
static void read_cost(gt__ctx *c, svc_cost *out)
{
    static const char *const keys[] = {"fixed", "jitter", "dist", NULL};
    *out = (svc_cost){.dist = INJ_DIST_FIXED};
    if (!gt__ld_field(c, "cost"))
        return;
    if (lua_type(c->L, -1) != LUA_TTABLE) {
        out->fixed = gt__ld_dur(c, -1, "cost");
        lua_pop(c->L, 1);
        return;
    }
    int t0 = c->t, mark = gt__ld_enter(c, -1, "cost", keys);
    out->fixed = gt__ld_opt_dur(c, "fixed", 0);
    out->jitter = gt__ld_opt_dur(c, "jitter", 0);
    out->dist = out->jitter ? INJ_DIST_UNIFORM : INJ_DIST_FIXED;
    if (gt__ld_field(c, "dist")) {
        out->dist = (inj_dist)gt__ld_enum(c, -1, "dist", dist_names, 3);
        lua_pop(c->L, 1);
        if (out->dist == INJ_DIST_FIXED && out->jitter)
            gt__ld_fail(c, "dist", "\"fixed\" takes no jitter (use \"uniform\" or \"exponential\")");
    }
    gt__ld_leave(c, mark, t0);
    lua_pop(c->L, 1);
}

static void read_client(gt__ctx *c, svc_client_cfg *cl)
{
    cl->timeout = gt__ld_opt_dur(c, "timeout", GR_MS(100));
    if (cl->timeout <= 0)
        gt__ld_fail(c, "timeout", "must be > 0");
    cl->retries = (int)gt__ld_opt_int(c, "retries", 0, 0, RETRIES_MAX);
    cl->backoff = gt__ld_opt_dur(c, "backoff", GR_MS(10));
    cl->backoff_max = gt__ld_opt_dur(c, "backoff_max", 0);
    char b[32], bm[32];
    gt__ld_fmt_dur(b, sizeof b, cl->backoff);
    gt__ld_fmt_dur(bm, sizeof bm, cl->backoff_max);
    if (cl->backoff_max && cl->backoff_max < cl->backoff)
        gt__ld_fail(c, "backoff_max", "must be >= backoff (%s) (got %s)", b, bm);
    cl->breaker_failures = (int)gt__ld_opt_int(c, "breaker_failures", 0, 0, 1000000);
    cl->breaker_cooldown = gt__ld_opt_dur(c, "breaker_cooldown", 0);
    if (cl->breaker_failures && !cl->breaker_cooldown)
        gt__ld_fail(c, "breaker_cooldown", "required with breaker_failures (a duration > 0)");
    if (!cl->breaker_failures && cl->breaker_cooldown)
        gt__ld_fail(c, "breaker_cooldown", "has no effect without breaker_failures");
}

/* dep = { cost?, latency?, timeout?, retries?, backoff?, backoff_max?,
 * breaker_failures?, breaker_cooldown? } */
static void read_dep(gt__ctx *c, gt_dep_spec *d)
{
    static const char *const keys[] = {"cost", "latency", "timeout", "retries", "backoff",
                                       "backoff_max", "breaker_failures", "breaker_cooldown", NULL};
    *d = (gt_dep_spec){.cost = {.dist = INJ_DIST_FIXED}};
    if (!gt__ld_field(c, "dep"))
        return;
    int t0 = c->t, mark = gt__ld_enter(c, -1, "dep", keys);
    d->on = true;
    d->line = c->line;
    read_cost(c, &d->cost);
    d->latency = gt__ld_opt_dur(c, "latency", GR_US(50));
    read_client(c, &d->client);
    gt__ld_leave(c, mark, t0);
    lua_pop(c->L, 1);
}

/* front = { max_conns?, read_timeout?, write_timeout?, latency? } */
static void read_front(gt__ctx *c, svc_front_cfg *f)
{
    static const char *const keys[] = {"max_conns", "read_timeout", "write_timeout", "latency", NULL};
    *f = (svc_front_cfg){.max_conns = 64, .read_timeout = GR_S(1), .write_timeout = GR_S(1),
                         .latency = GR_US(50)};
    if (!gt__ld_field(c, "front"))
        return;
    int t0 = c->t, mark = gt__ld_enter(c, -1, "front", keys);
    f->max_conns = (int)gt__ld_opt_int(c, "max_conns", 64, 1, WORKERS_MAX);
    f->read_timeout = gt__ld_opt_dur(c, "read_timeout", GR_S(1));
    if (f->read_timeout <= 0)
        gt__ld_fail(c, "read_timeout", "must be > 0");
    f->write_timeout = gt__ld_opt_dur(c, "write_timeout", GR_S(1));
    if (f->write_timeout <= 0)
        gt__ld_fail(c, "write_timeout", "must be > 0");
    f->latency = gt__ld_opt_dur(c, "latency", GR_US(50));
    gt__ld_leave(c, mark, t0);
    lua_pop(c->L, 1);
}

/* ---------------------------------------------------------------- bugs */

#define POOL_BUGS                                                                             \
    (SVC_BUG(SVC_BUG_UNBOUNDED_SPAWN) | SVC_BUG(SVC_BUG_LEAK_ON_CANCEL) |                    \
     SVC_BUG(SVC_BUG_NO_CLOSE_JOBS) | SVC_BUG(SVC_BUG_IGNORE_CTX) |                          \
     SVC_BUG(SVC_BUG_WG_ADD_IN_TASK) | SVC_BUG(SVC_BUG_TICKER_LEAK) |                        \
     SVC_BUG(SVC_BUG_UNBOUNDED_QUEUE))
#define PIPELINE_BUGS                                                                         \
    (SVC_BUG(SVC_BUG_IGNORE_CTX) | SVC_BUG(SVC_BUG_SEND_AFTER_CLOSE) | SVC_BUG(SVC_BUG_LEAK_ON_CANCEL))
#define CLIENT_BUGS (SVC_BUG(SVC_BUG_NO_TIMEOUT) | SVC_BUG(SVC_BUG_RETRY_STORM))
#define FRONT_BUGS SVC_BUG(SVC_BUG_NO_DEDUPE)

#define GT__X(id, name, text) name,
static const char *const bug_names[] = {SVC_BUGS(GT__X)};
#undef GT__X

/* One bug name of the list at the top of the stack: the bug. */
static svc_bug bug_at(gt__ctx *c, const char *key)
{
    if (lua_type(c->L, -1) != LUA_TSTRING) {
        char got[80];
        gt__ld_describe(c->L, -1, got, sizeof got);
        gt__ld_fail(c, "bugs", "expected bug names (got %s)", got);
    }
    const char *name = lua_tostring(c->L, -1);
    int b = svc_bug_parse(name);
    if (b >= 0)
        return (svc_bug)b;
    const char *near = gt__suggest(name, bug_names, SVC_BUG__COUNT);
    if (near)
        gt__ld_fail(c, key, "unknown bug \"%.40s\" (did you mean \"%s\"?)", name, near);
    char list[400] = "";
    for (int i = 0; i < SVC_BUG__COUNT; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", bug_names[i]);
    gt__ld_fail(c, key, "unknown bug \"%.40s\" (known bugs: %s)", name, list);
}

/* Send each bug where it applies: the target, the dependency's client,
 * the front. */
static void route_bug(gt__ctx *c, gt_target_spec *t, svc_bug b)
{
    bool pool = t->kind == GT_TARGET_POOL;
    unsigned bit = SVC_BUG(b), own = pool ? POOL_BUGS : PIPELINE_BUGS;
    unsigned *to = pool ? &t->pool.bugs : &t->pipeline.bugs;
    if (bit & CLIENT_BUGS) {
        if (!t->dep.on)
            gt__ld_fail(c, "bugs", "%s needs a dep = { ... } (it is a bug of the dependency's client)",
                        bug_names[b]);
        to = &t->dep.client.bugs;
    } else if (bit & FRONT_BUGS) {
        to = &t->front.bugs;
    } else if (!(bit & own)) {
        gt__ld_fail(c, "bugs", "%s does not apply to a %s (it applies to a %s)", bug_names[b],
                    c->ctor, pool ? "pipeline" : "pool");
    }
    if (*to & bit)
        gt__ld_fail(c, "bugs", "\"%s\" is listed twice", bug_names[b]);
    *to |= bit;
}

unsigned gt__bugs_applicable(const gt_scenario *sc)
{
    const gt_target_spec *t = &sc->target;
    bool pool = t->kind == GT_TARGET_POOL;
    unsigned on = (pool ? t->pool.bugs : t->pipeline.bugs) | t->dep.client.bugs | t->front.bugs;
    unsigned can = (pool ? POOL_BUGS : PIPELINE_BUGS) | (t->dep.on ? CLIENT_BUGS : 0) |
                   (sc->load.on && sc->load.via_front ? FRONT_BUGS : 0);
    return can & ~on;
}

void gt__bug_switch_on(gt_target_spec *t, svc_bug b)
{
    unsigned bit = SVC_BUG(b);
    unsigned *to = bit & CLIENT_BUGS ? &t->dep.client.bugs
                   : bit & FRONT_BUGS ? &t->front.bugs
                   : t->kind == GT_TARGET_POOL ? &t->pool.bugs
                                                : &t->pipeline.bugs;
    *to |= bit;
}

static void read_bugs(gt__ctx *c, gt_target_spec *t)
{
    if (!gt__ld_field(c, "bugs"))
        return;
    int n = gt__ld_list(c, -1, "bugs", SVC_BUG__COUNT * 2);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(c->L, -1, i);
        route_bug(c, t, bug_at(c, "bugs"));
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
}

/* ---------------------------------------------------------------- pool */

static int ctor_pool(lua_State *L)
{
    static const char *const keys[] = {"name", "workers", "max_workers", "idle_timeout", "queue",
                                       "job_timeout", "cost", "fanout", "task_budget",
                                       "error_rate", "dep", "bugs", "front", NULL};
    gt__ctx c;
    gt__ld_begin(&c, L, "pool");
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_TARGET);
    gt_target_spec *t = &v->u.target;
    svc_pool_cfg *p = &t->pool;
    t->kind = GT_TARGET_POOL;
    t->line = c.line;
    if (gt__ld_field(&c, "name")) {
        p->name = gt__ld_name(&c, -1, "name");
        lua_pop(L, 1);
    }
    p->workers = (int)gt__ld_opt_int(&c, "workers", 4, 1, WORKERS_MAX);
    p->max_workers = (int)gt__ld_opt_int(&c, "max_workers", 0, 0, WORKERS_MAX);
    if (p->max_workers && p->max_workers < p->workers)
        gt__ld_fail(&c, "max_workers", "must be 0 or >= workers (%d) (got %d)", p->workers,
                    p->max_workers);
    p->idle_timeout = gt__ld_opt_dur(&c, "idle_timeout", 0);
    p->queue = (int)gt__ld_opt_int(&c, "queue", 64, 0, QUEUE_MAX);
    p->job_timeout = gt__ld_opt_dur(&c, "job_timeout", 0);
    read_cost(&c, &p->cost);
    p->fanout = (int)gt__ld_opt_int(&c, "fanout", 0, 0, FANOUT_MAX);
    p->task_budget = (int)gt__ld_opt_int(&c, "task_budget", 0, 0, FANOUT_MAX);
    p->error_rate = gt__ld_opt_num(&c, "error_rate", 0, 0, 1);
    read_dep(&c, &t->dep);
    t->pool_dep = t->dep.on;
    read_front(&c, &t->front);
    read_bugs(&c, t);
    return 1;
}

/* ---------------------------------------------------------------- pipeline */

/* stages[k] = { name, workers?, cap?, cost?, error_rate?, dep? } */
static void read_stage(gt__ctx *c, gt_target_spec *t, int k)
{
    static const char *const keys[] = {"name", "workers", "cap", "cost", "error_rate", "dep", NULL};
    char label[24];
    snprintf(label, sizeof label, "stages[%d]", k + 1);
    int t0 = c->t, mark = gt__ld_enter(c, -1, label, keys);
    svc_stage_cfg *s = &t->stages[k];
    gt__ld_need(c, "name");
    s->name = gt__ld_name(c, -1, "name");
    lua_pop(c->L, 1);
    for (int m = 0; m < k; m++)
        if (strcmp(t->stages[m].name, s->name) == 0)
            gt__ld_fail(c, "name", "\"%s\" is used twice (stages[%d] has it too)", s->name, m + 1);
    s->workers = (int)gt__ld_opt_int(c, "workers", 1, 1, WORKERS_MAX);
    s->cap = (int)gt__ld_opt_int(c, "cap", 16, 0, QUEUE_MAX);
    read_cost(c, &s->cost);
    s->error_rate = gt__ld_opt_num(c, "error_rate", 0, 0, 1);
    if (gt__ld_field(c, "dep")) {
        t->stage_dep[k] = gt__ld_bool(c, -1, "dep");
        lua_pop(c->L, 1);
        if (t->stage_dep[k] && !t->dep.on)
            gt__ld_fail(c, "dep", "the pipeline has no dep = { ... } for this stage to call");
    }
    gt__ld_leave(c, mark, t0);
}

static void read_stages(gt__ctx *c, gt_target_spec *t)
{
    gt__ld_need(c, "stages");
    int n = gt__ld_list(c, -1, "stages", SVC_STAGES_MAX);
    if (n == 0)
        gt__ld_fail(c, "stages", "at least one stage { name = ... }");
    bool called = false;
    for (int k = 0; k < n; k++) {
        lua_rawgeti(c->L, -1, k + 1);
        read_stage(c, t, k);
        called = called || t->stage_dep[k];
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    t->pipeline.stages = t->stages;
    t->pipeline.nstages = n;
    if (t->dep.on && !called)
        gt__ld_fail(c, "dep", "no stage calls it (set dep = true in the stages that do)");
}

static int ctor_pipeline(lua_State *L)
{
    static const char *const keys[] = {"name", "stages", "job_timeout", "dep", "bugs", "front", NULL};
    gt__ctx c;
    gt__ld_begin(&c, L, "pipeline");
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_TARGET);
    gt_target_spec *t = &v->u.target;
    t->kind = GT_TARGET_PIPELINE;
    t->line = c.line;
    if (gt__ld_field(&c, "name")) {
        t->pipeline.name = gt__ld_name(&c, -1, "name");
        lua_pop(L, 1);
    }
    t->pipeline.job_timeout = gt__ld_opt_dur(&c, "job_timeout", 0);
    read_dep(&c, &t->dep);
    read_front(&c, &t->front);
    read_stages(&c, t);
    read_bugs(&c, t);
    return 1;
}

int gt__ld_queues(const gt_target_spec *t, const char **out)
{
    if (t->kind == GT_TARGET_POOL) {
        out[0] = t->pool.name ? t->pool.name : "pool";
        return 1;
    }
    for (int k = 0; k < t->pipeline.nstages; k++)
        out[k] = t->stages[k].name;
    return t->pipeline.nstages;
}

/* ---------------------------------------------------------------- loads */

static const char *const via_names[] = {"front"};

/* What open and closed loops share. */
static void read_load_common(gt__ctx *c, gt_load_spec *l)
{
    gt__ld_need(c, "duration");
    l->cfg.duration = gt__ld_dur(c, -1, "duration");
    lua_pop(c->L, 1);
    if (l->cfg.duration <= 0)
        gt__ld_fail(c, "duration", "must be > 0");
    l->cfg.timeout = gt__ld_opt_dur(c, "timeout", GR_S(1));
    if (l->cfg.timeout <= 0)
        gt__ld_fail(c, "timeout", "must be > 0");
    l->cfg.retries = (int)gt__ld_opt_int(c, "retries", 0, 0, RETRIES_MAX);
    l->cfg.backoff = gt__ld_opt_dur(c, "backoff", GR_MS(10));
    if (gt__ld_field(c, "via")) {
        gt__ld_enum(c, -1, "via", via_names, 1);
        l->via_front = true;
        lua_pop(c->L, 1);
    }
    l->start = gt__ld_opt_dur(c, "start", 0);
}

static int ctor_open_loop(lua_State *L)
{
    static const char *const keys[] = {"rate", "duration", "jitter", "max_outstanding", "timeout",
                                       "retries", "backoff", "via", "start", NULL};
    gt__ctx c;
    gt__ld_begin(&c, L, "open_loop");
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_LOAD);
    gt_load_spec *l = &v->u.load;
    l->on = true;
    l->line = c.line;
    gt__ld_need(&c, "rate");
    l->cfg.rate = gt__ld_num(&c, -1, "rate", 0, 1e9);
    lua_pop(L, 1);
    if (l->cfg.rate <= 0)
        gt__ld_fail(&c, "rate", "must be > 0 requests per second (got %g)", l->cfg.rate);
    if (gt__ld_field(&c, "jitter")) {
        l->cfg.poisson = gt__ld_bool(&c, -1, "jitter");
        lua_pop(L, 1);
    }
    l->cfg.max_outstanding = (int)gt__ld_opt_int(&c, "max_outstanding", 0, 0, 1000000);
    read_load_common(&c, l);
    return 1;
}

static int ctor_closed_loop(lua_State *L)
{
    static const char *const keys[] = {"clients", "duration", "think", "timeout", "retries",
                                       "backoff", "via", "start", NULL};
    gt__ctx c;
    gt__ld_begin(&c, L, "closed_loop");
    gt__ld_table_arg(&c);
    gt__ld_keys(&c, keys);
    gt__val *v = gt__ld_val_new(&c, GT__V_LOAD);
    gt_load_spec *l = &v->u.load;
    l->on = true;
    l->line = c.line;
    l->cfg.closed_loop = true;
    gt__ld_need(&c, "clients");
    l->cfg.clients = (int)gt__ld_int(&c, -1, "clients", 1, WORKERS_MAX);
    lua_pop(L, 1);
    l->cfg.think = gt__ld_opt_dur(&c, "think", 0);
    read_load_common(&c, l);
    return 1;
}

void gt__ld_open_target(lua_State *L)
{
    lua_register(L, "pool", ctor_pool);
    lua_register(L, "pipeline", ctor_pipeline);
    lua_register(L, "open_loop", ctor_open_loop);
    lua_register(L, "closed_loop", ctor_closed_loop);
}
