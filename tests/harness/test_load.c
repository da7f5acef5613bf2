/* test_load.c — the Lua scenario loader: every constructor filling the
 * model with its defaults, each strict error with its file:line, key and
 * did-you-mean, durations and suggestions (the sandbox and calls into Lua
 * are in test_load_sandbox.c). Files are written into a fresh directory
 * under /tmp for each test. */
#include "tests/harness/loadutil.h"

/* ---------------------------------------------------------------- the model */

static const char *const full_file =
    "local dep = { cost = { fixed = '2ms', jitter = '1ms', dist = 'exponential' },\n"
    "              latency = '100us', timeout = '50ms', retries = 3, backoff = '5ms',\n"
    "              backoff_max = '80ms', breaker_failures = 5, breaker_cooldown = '1s' }\n"
    "local p = pool { name = 'checkout', workers = 8, max_workers = 16, idle_timeout = '2s',\n" /* 4 */
    "  queue = 32, job_timeout = '250ms', cost = '1.5ms', fanout = 4, task_budget = 2,\n"
    "  error_rate = 0.01, dep = dep, front = { max_conns = 10, read_timeout = '2s',\n"
    "  write_timeout = '3s', latency = '1ms' },\n"
    "  bugs = { 'leak_on_cancel', 'no_timeout', 'no_dedupe', 'unbounded_queue' } }\n"
    "return {\n"
    "  scenario {\n"                                                                      /* 10 */
    "    name = 'full', description = 'every constructor', tags = { 'smoke', 'pool' },\n"
    "    seed = 42, mode = 'real', target = p,\n"
    "    load = open_loop { rate = 500, duration = '3s', jitter = true, max_outstanding = 100,\n" /* 13 */
    "                       timeout = '200ms', retries = 2, backoff = '20ms', via = 'front',\n"
    "                       start = '100ms' },\n"
    "    faults = {\n"
    "      delay { point = 'net/dep/read', by = '50ms', jitter = '10ms', from = '1s', to = '2s' },\n" /* 17 */
    "      error { point = 'svc/checkout/exec', err = 'ETIMEDOUT', p = 0.25, nth = 2 },\n"
    "      full { point = 'chan/checkout/send', first = 3 },\n"
    "      block { point = 'task/spawn/pool.worker', max = 1 },\n"
    "      drop { point = 'net/front/accept', phase = 'mid' },\n"
    "      short { point = 'net/dep/write', bytes = 3 },\n"
    "      spawn_fail { point = 'task/spawn/pool.*' },\n"
    "      error { point = 'net/*', err = 111 },\n"
    "    },\n"
    "    checks = { no_leaked_tasks(), no_lost_jobs(), exactly_once(), max_tasks(12),\n"
    "      bounded_queue('checkout', 64), recovery_within('500ms'),\n"
    "      recovery_within(1.5, { metric = 'latency_p99', tolerance = 0.25, hold = '1s' }),\n"
    "      p99_below('100ms'), p99_below('2ms', { phase = 'steady' }), error_rate_below(0.05),\n"
    "      drains_within('2s'), cancel_propagates_within('250us'), no_deadlock(), no_panics(),\n"
    "      check('custom', function(run) return true end) },\n"
    "    script = function(t) return 'ran' end,\n"
    "    duration = '5s', sample = '5ms', grace = '3s',\n"
    "  },\n"
    "  scenario { name = 'second', target = pipeline {\n"                                /* 35 */
    "      name = 'etl', job_timeout = '1s', dep = { timeout = '20ms' },\n"
    "      stages = { { name = 'parse', workers = 2, cap = 4, cost = '1ms' },\n"
    "                 { name = 'enrich', dep = true, error_rate = 0.5 },\n"
    "                 { name = 'store', cost = { fixed = '1ms', jitter = '2ms' } } },\n"
    "      bugs = { 'send_after_close', 'retry_storm' } },\n"
    "    load = closed_loop { clients = 3, duration = 2, think = '5ms' } },\n"             /* 41 */
    "}\n";

START_TEST(full_model_pool)
{
    gt_file *f = load_ok(full_file);
    ck_assert_int_eq(f->n, 2);
    ck_assert_str_eq(f->path, path);
    const gt_scenario *s = &f->scn[0];
    ck_assert_str_eq(s->name, "full");
    ck_assert_str_eq(s->description, "every constructor");
    ck_assert_str_eq(s->file, path);
    ck_assert_int_eq(s->line, 10);
    ck_assert_int_eq(s->ntags, 2);
    ck_assert_str_eq(s->tags[0], "smoke");
    ck_assert_str_eq(s->tags[1], "pool");
    ck_assert(s->has_seed && s->seed == 42);
    ck_assert(s->has_mode && s->mode == GT_MODE_REAL);
    ck_assert_int_eq(s->duration, GR_S(5));
    ck_assert_int_eq(s->sample, GR_MS(5));
    ck_assert_int_eq(s->grace, GR_S(3));
    ck_assert_int_ne(s->script_ref, LUA_NOREF);

    const gt_target_spec *t = &s->target;
    ck_assert_int_eq(t->kind, GT_TARGET_POOL);
    ck_assert_int_eq(t->line, 4);
    ck_assert_str_eq(t->pool.name, "checkout");
    ck_assert_int_eq(t->pool.workers, 8);
    ck_assert_int_eq(t->pool.max_workers, 16);
    ck_assert_int_eq(t->pool.idle_timeout, GR_S(2));
    ck_assert_int_eq(t->pool.queue, 32);
    ck_assert_int_eq(t->pool.job_timeout, GR_MS(250));
    ck_assert_int_eq(t->pool.cost.fixed, GR_US(1500));
    ck_assert_int_eq(t->pool.cost.jitter, 0);
    ck_assert_int_eq(t->pool.cost.dist, INJ_DIST_FIXED);
    ck_assert_int_eq(t->pool.fanout, 4);
    ck_assert_int_eq(t->pool.task_budget, 2);
    ck_assert(t->pool.error_rate == 0.01);
    ck_assert_ptr_null(t->pool.dep);
    ck_assert_uint_eq(t->pool.bugs, SVC_BUG(SVC_BUG_LEAK_ON_CANCEL) | SVC_BUG(SVC_BUG_UNBOUNDED_QUEUE));
    ck_assert(t->pool_dep);

    const gt_dep_spec *d = &t->dep;
    ck_assert(d->on);
    ck_assert_int_eq(d->line, 4);
    ck_assert_int_eq(d->cost.fixed, GR_MS(2));
    ck_assert_int_eq(d->cost.jitter, GR_MS(1));
    ck_assert_int_eq(d->cost.dist, INJ_DIST_EXPONENTIAL);
    ck_assert_int_eq(d->latency, GR_US(100));
    ck_assert_int_eq(d->client.timeout, GR_MS(50));
    ck_assert_int_eq(d->client.retries, 3);
    ck_assert_int_eq(d->client.backoff, GR_MS(5));
    ck_assert_int_eq(d->client.backoff_max, GR_MS(80));
    ck_assert_int_eq(d->client.breaker_failures, 5);
    ck_assert_int_eq(d->client.breaker_cooldown, GR_S(1));
    ck_assert_uint_eq(d->client.bugs, SVC_BUG(SVC_BUG_NO_TIMEOUT));

    const svc_front_cfg *fr = &t->front;
    ck_assert_ptr_null(fr->name);
    ck_assert_ptr_null(fr->endpoint);
    ck_assert_int_eq(fr->max_conns, 10);
    ck_assert_int_eq(fr->read_timeout, GR_S(2));
    ck_assert_int_eq(fr->write_timeout, GR_S(3));
    ck_assert_int_eq(fr->latency, GR_MS(1));
    ck_assert_uint_eq(fr->bugs, SVC_BUG(SVC_BUG_NO_DEDUPE));

    const gt_load_spec *l = &s->load;
    ck_assert(l->on && l->via_front);
    ck_assert_int_eq(l->line, 13);
    ck_assert(!l->cfg.closed_loop);
    ck_assert(l->cfg.rate == 500);
    ck_assert(l->cfg.poisson);
    ck_assert_int_eq(l->cfg.max_outstanding, 100);
    ck_assert_int_eq(l->cfg.duration, GR_S(3));
    ck_assert_int_eq(l->cfg.timeout, GR_MS(200));
    ck_assert_int_eq(l->cfg.retries, 2);
    ck_assert_int_eq(l->cfg.backoff, GR_MS(20));
    ck_assert_ptr_null(l->cfg.via);
    ck_assert_uint_eq(l->cfg.first_id, 0);
    ck_assert_int_eq(l->start, GR_MS(100));
    gt__file_release(f);
}
END_TEST

START_TEST(full_model_faults)
{
    gt_file *f = load_ok(full_file);
    const gt_scenario *s = &f->scn[0];
    ck_assert_int_eq(s->nfaults, 8);
    const inj_spec *sp = &s->faults[0].spec;
    ck_assert_str_eq(sp->point, "net/dep/read");
    ck_assert_int_eq(sp->kind, INJ_DELAY);
    ck_assert_int_eq(sp->by, GR_MS(50));
    ck_assert_int_eq(sp->jitter, GR_MS(10));
    ck_assert_int_eq(sp->dist, INJ_DIST_UNIFORM); /* jitter without dist */
    ck_assert_int_eq(sp->from, GR_S(1));
    ck_assert_int_eq(sp->to, GR_S(2));
    ck_assert(sp->p == 1.0);
    ck_assert_int_eq(s->faults[0].line, 17);
    sp = &s->faults[1].spec;
    ck_assert_int_eq(sp->kind, INJ_ERROR);
    ck_assert_int_eq(sp->err, ETIMEDOUT);
    ck_assert(sp->p == 0.25);
    ck_assert_uint_eq(sp->nth, 2);
    ck_assert_int_eq(sp->from, 0);
    ck_assert_int_eq(sp->to, GR_FOREVER);
    ck_assert_int_eq(s->faults[1].line, 18);
    ck_assert_int_eq(s->faults[2].spec.kind, INJ_FULL);
    ck_assert_uint_eq(s->faults[2].spec.first, 3);
    ck_assert_int_eq(s->faults[3].spec.kind, INJ_BLOCK);
    ck_assert_uint_eq(s->faults[3].spec.max, 1);
    ck_assert_int_eq(s->faults[4].spec.kind, INJ_DROP);
    ck_assert_int_eq(s->faults[4].spec.phase, INJ_PHASE_MID);
    ck_assert_int_eq(s->faults[5].spec.kind, INJ_SHORT);
    ck_assert_int_eq(s->faults[5].spec.bytes, 3);
    ck_assert_int_eq(s->faults[6].spec.kind, INJ_SPAWN_FAIL);
    ck_assert_str_eq(s->faults[6].spec.point, "task/spawn/pool.*");
    ck_assert_int_eq(s->faults[6].spec.err, EAGAIN);
    ck_assert_int_eq(s->faults[7].spec.err, 111);
    for (int i = 0; i < s->nfaults; i++) /* every spec is one inject takes */
        ck_assert_msg(inj_catalog_find(s->faults[i].spec.point) ||
                          strchr(s->faults[i].spec.point, '*'), "%s", s->faults[i].spec.point);
    gt__file_release(f);
}
END_TEST

START_TEST(full_model_checks)
{
    static const char *const labels[] = {
        "no_leaked_tasks()", "no_lost_jobs()", "exactly_once()", "max_tasks(12)",
        "bounded_queue(checkout, 64)", "recovery_within(500ms)",
        "recovery_within(1.5s, latency_p99, tolerance=0.25, hold=1s)", "p99_below(100ms)",
        "p99_below(2ms, steady)", "error_rate_below(0.05)", "drains_within(2s)",
        "cancel_propagates_within(250us)", "no_deadlock()", "no_panics()", "custom",
    };
    gt_file *f = load_ok(full_file);
    const gt_scenario *s = &f->scn[0];
    ck_assert_int_eq(s->nchecks, 15);
    for (int i = 0; i < 15; i++)
        ck_assert_str_eq(s->checks[i].label, labels[i]);
    const gt_check_spec *c = s->checks;
    ck_assert_int_eq(c[0].kind, GT_CHECK_NO_LEAKED_TASKS);
    ck_assert_int_eq(c[3].kind, GT_CHECK_MAX_TASKS);
    ck_assert(c[3].x == 12);
    ck_assert_int_eq(c[4].kind, GT_CHECK_BOUNDED_QUEUE);
    ck_assert_str_eq(c[4].chan, "checkout");
    ck_assert(c[4].x == 64);
    ck_assert_int_eq(c[5].kind, GT_CHECK_RECOVERY_WITHIN);
    ck_assert_int_eq(c[5].d, GR_MS(500));
    ck_assert_int_eq(c[5].metric, GT_METRIC_THROUGHPUT);
    ck_assert(c[5].tolerance == 0.10);
    ck_assert_int_eq(c[5].hold, GR_MS(200));
    ck_assert_int_eq(c[6].d, GR_MS(1500));
    ck_assert_int_eq(c[6].metric, GT_METRIC_LATENCY_P99);
    ck_assert(c[6].tolerance == 0.25);
    ck_assert_int_eq(c[6].hold, GR_S(1));
    ck_assert_int_eq(c[7].phase, GT_PHASE_ALL);
    ck_assert_int_eq(c[8].phase, GT_PHASE_STEADY);
    ck_assert_int_eq(c[8].d, GR_MS(2));
    ck_assert(c[9].x == 0.05);
    ck_assert_int_eq(c[10].kind, GT_CHECK_DRAINS_WITHIN);
    ck_assert_int_eq(c[11].d, GR_US(250));
    ck_assert_int_eq(c[14].kind, GT_CHECK_CUSTOM);
    ck_assert_int_ne(c[14].fn_ref, LUA_NOREF);
    ck_assert_int_eq(c[3].fn_ref, LUA_NOREF);
    ck_assert_int_eq(c[14].line, 31);
    gt__file_release(f);
}
END_TEST

START_TEST(full_model_pipeline)
{
    gt_file *f = load_ok(full_file);
    const gt_scenario *s = &f->scn[1];
    ck_assert_str_eq(s->name, "second");
    ck_assert_int_eq(s->line, 35);
    ck_assert_int_eq(s->script_ref, LUA_NOREF);
    const gt_target_spec *t = &s->target;
    ck_assert_int_eq(t->kind, GT_TARGET_PIPELINE);
    ck_assert_str_eq(t->pipeline.name, "etl");
    ck_assert_int_eq(t->pipeline.job_timeout, GR_S(1));
    ck_assert_int_eq(t->pipeline.nstages, 3);
    ck_assert_ptr_eq(t->pipeline.stages, t->stages); /* points into its own copy */
    ck_assert_str_eq(t->stages[0].name, "parse");
    ck_assert_int_eq(t->stages[0].workers, 2);
    ck_assert_int_eq(t->stages[0].cap, 4);
    ck_assert_int_eq(t->stages[0].cost.fixed, GR_MS(1));
    ck_assert_int_eq(t->stages[1].workers, 1);
    ck_assert_int_eq(t->stages[1].cap, 16);
    ck_assert(t->stages[1].error_rate == 0.5);
    ck_assert_int_eq(t->stages[2].cost.dist, INJ_DIST_UNIFORM);
    ck_assert_int_eq(t->stages[2].cost.jitter, GR_MS(2));
    ck_assert(!t->stage_dep[0] && t->stage_dep[1] && !t->stage_dep[2]);
    ck_assert(!t->pool_dep);
    ck_assert(t->dep.on);
    ck_assert_int_eq(t->dep.client.timeout, GR_MS(20));
    ck_assert_int_eq(t->dep.client.backoff, GR_MS(10)); /* defaults */
    ck_assert_int_eq(t->dep.latency, GR_US(50));
    ck_assert_int_eq(t->dep.client.retries, 0);
    ck_assert_uint_eq(t->pipeline.bugs, SVC_BUG(SVC_BUG_SEND_AFTER_CLOSE));
    ck_assert_uint_eq(t->dep.client.bugs, SVC_BUG(SVC_BUG_RETRY_STORM));
    const gt_load_spec *l = &s->load;
    ck_assert(l->on && l->cfg.closed_loop && !l->via_front);
    ck_assert_int_eq(l->line, 41);
    ck_assert_int_eq(l->cfg.clients, 3);
    ck_assert_int_eq(l->cfg.duration, GR_S(2));
    ck_assert_int_eq(l->cfg.think, GR_MS(5));
    ck_assert_int_eq(l->cfg.timeout, GR_S(1));
    ck_assert_int_eq(l->cfg.backoff, GR_MS(10));
    gt__file_release(f);
}
END_TEST

START_TEST(defaults)
{
    gt_file *f = load_ok("return scenario { name = 'd', target = pool { },\n"
                         "  load = open_loop { rate = 10, duration = '1s' } }\n");
    ck_assert_int_eq(f->n, 1);
    const gt_scenario *s = f->scn;
    ck_assert_str_eq(s->description, "");
    ck_assert_int_eq(s->ntags, 0);
    ck_assert(!s->has_seed && !s->has_mode);
    ck_assert_int_eq(s->duration, 0);
    ck_assert_int_eq(s->sample, GR_MS(10));
    ck_assert_int_eq(s->grace, GR_S(1));
    ck_assert_int_eq(s->nfaults, 0);
    ck_assert_int_eq(s->nchecks, 0);
    ck_assert_int_eq(s->script_ref, LUA_NOREF);
    const svc_pool_cfg *p = &s->target.pool;
    ck_assert_ptr_null(p->name);
    ck_assert_int_eq(p->workers, 4);
    ck_assert_int_eq(p->queue, 64);
    ck_assert_int_eq(p->max_workers, 0);
    ck_assert_int_eq(p->idle_timeout, 0);
    ck_assert_int_eq(p->job_timeout, 0);
    ck_assert_int_eq(p->cost.fixed, 0);
    ck_assert_int_eq(p->fanout, 0);
    ck_assert(p->error_rate == 0);
    ck_assert_uint_eq(p->bugs, 0);
    ck_assert(!s->target.dep.on && !s->target.pool_dep);
    ck_assert_int_eq(s->target.front.max_conns, 64);
    ck_assert_int_eq(s->target.front.read_timeout, GR_S(1));
    ck_assert_int_eq(s->target.front.write_timeout, GR_S(1));
    ck_assert_int_eq(s->target.front.latency, GR_US(50));
    const gt_load_spec *l = &s->load;
    ck_assert(!l->cfg.poisson && !l->via_front);
    ck_assert_int_eq(l->cfg.max_outstanding, 0);
    ck_assert_int_eq(l->cfg.timeout, GR_S(1));
    ck_assert_int_eq(l->cfg.retries, 0);
    ck_assert_int_eq(l->cfg.backoff, GR_MS(10));
    ck_assert_int_eq(l->start, 0);
    gt__file_release(f);

    /* A dep with nothing set gets its defaults. */
    f = load_ok(SCN("pool { dep = { } }"));
    const gt_dep_spec *d = &f->scn[0].target.dep;
    ck_assert(d->on && f->scn[0].target.pool_dep);
    ck_assert_int_eq(d->client.timeout, GR_MS(100));
    ck_assert_int_eq(d->client.retries, 0);
    ck_assert_int_eq(d->client.backoff, GR_MS(10));
    ck_assert_int_eq(d->cost.fixed, 0);
    ck_assert_int_eq(d->latency, GR_US(50));
    gt__file_release(f);
}
END_TEST

/* Constructors work from helper modules too (a value remembers the
 * module's file and line), and values print themselves. */
START_TEST(modules_build_values)
{
    put("lib/common.lua", "local M = {}\n"
                          "function M.target(n) return pool { workers = n } end\n"
                          "M.slow = delay { point = 'svc/pool/exec', by = '1ms' }\n"
                          "return M\n");
    gt_file *f = load_ok("local c = require('lib.common')\n"
                         "local s = tostring(c.slow)\n"
                         "assert(s:find('delay { } (', 1, true) and s:find('lib/common.lua:3)', 1, true), s)\n"
                         "assert(tostring(max_tasks(3)):find('max_tasks(3) (', 1, true))\n"
                         "return scenario { name = 'm', target = c.target(7), faults = { c.slow },\n"
                         "  script = function() end }\n");
    ck_assert_int_eq(f->scn[0].target.pool.workers, 7);
    ck_assert_int_eq(f->scn[0].target.line, 2);
    ck_assert_int_eq(f->scn[0].faults[0].line, 3);
    ck_assert_int_eq(f->scn[0].line, 5);
    gt__file_release(f);
}
END_TEST

/* ---------------------------------------------------------------- errors */

typedef struct bad_case {
    const char *lua;
    const char *want;   /* after "<dir>/" */
} bad_case;

#define LOAD1 "load = open_loop { rate = 1, duration = 1 }"

static const bad_case bad[] = {
    /* unknown key, with did-you-mean, at the constructor's line */
    {"return scenario { name = 'x',\n  target = pool {\n  wrokers = 4 }, " LOAD1 " }",
     "s.lua:2: pool: unknown key \"wrokers\" (did you mean \"workers\"?)"},
    {"return scenario { name = 'x', target = pool { zzz = 4 }, " LOAD1 " }",
     "s.lua:1: pool: unknown key \"zzz\""},
    {"return scenario { nmae = 'x', target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: unknown key \"nmae\" (did you mean \"name\"?)"},
    {SCN("pool { dep = { timout = 1 } }"),
     "s.lua:1: pool: dep: unknown key \"timout\" (did you mean \"timeout\"?)"},
    {SCN("pool { 4 }"), "s.lua:1: pool: unexpected entry [1] (write keys as name = value)"},
    {SCN("pool('x')"), "s.lua:1: pool: expected a table: pool { ... } (got \"x\")"},
    /* wrong types and ranges */
    {SCN("pool { workers = '4' }"), "s.lua:1: pool: workers: expected an integer (got \"4\")"},
    {SCN("pool { workers = 2.5 }"), "s.lua:1: pool: workers: expected an integer (got 2.5)"},
    {SCN("pool { workers = 0 }"), "s.lua:1: pool: workers: must be >= 1 (got 0)"},
    {SCN("pool { workers = 8, max_workers = 4 }"),
     "s.lua:1: pool: max_workers: must be 0 or >= workers (8) (got 4)"},
    {SCN("pool { queue = -1 }"), "s.lua:1: pool: queue: must be >= 0 (got -1)"},
    {SCN("pool { error_rate = 1.5 }"), "s.lua:1: pool: error_rate: must be in [0, 1] (got 1.5)"},
    {SCN("pool { job_timeout = -1 }"), "s.lua:1: pool: job_timeout: must be >= 0 (got -1)"},
    {SCN("pool { job_timeout = '-5ms' }"), "s.lua:1: pool: job_timeout: must be >= 0 (got \"-5ms\")"},
    {SCN("pool { name = 'a b' }"),
     "s.lua:1: pool: name: expected a name of letters, digits, '_', '.', '-' (got \"a b\")"},
    {SCN("pool { cost = { fixed = '1ms', jitter = '1ms', dist = 'fixed' } }"),
     "s.lua:1: pool: cost: dist: \"fixed\" takes no jitter (use \"uniform\" or \"exponential\")"},
    {SCN("pool { cost = { dist = 'unifrom' } }"),
     "s.lua:1: pool: cost: dist: unknown value \"unifrom\" (did you mean \"uniform\"?)"},
    {SCN("pool { dep = true }"), "s.lua:1: pool: dep: expected a table { ... } (got true)"},
    {SCN("pool { dep = { breaker_failures = 3 } }"),
     "s.lua:1: pool: dep: breaker_cooldown: required with breaker_failures (a duration > 0)"},
    {SCN("pool { dep = { backoff = '10ms', backoff_max = '5ms' } }"),
     "s.lua:1: pool: dep: backoff_max: must be >= backoff (10ms) (got 5ms)"},
    {SCN("pool { front = { max_conns = 0 } }"), "s.lua:1: pool: front: max_conns: must be >= 1 (got 0)"},
    /* durations */
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  faults = { delay { point = 'svc/pool/exec', by = '50 ms' } } }",
     "s.lua:2: delay: by: expected a duration like \"50ms\" (got \"50 ms\")"},
    {SCN("pool { idle_timeout = {} }"),
     "s.lua:1: pool: idle_timeout: expected a duration like \"50ms\" (got table)"},
    /* bugs */
    {SCN("pool { bugs = { 'leak_on_cancle' } }"),
     "s.lua:1: pool: bugs: unknown bug \"leak_on_cancle\" (did you mean \"leak_on_cancel\"?)"},
    {SCN("pool { bugs = { 'send_after_close' } }"),
     "s.lua:1: pool: bugs: send_after_close does not apply to a pool (it applies to a pipeline)"},
    {SCN("pipeline { stages = { { name = 'a' } }, bugs = { 'ticker_leak' } }"),
     "s.lua:1: pipeline: bugs: ticker_leak does not apply to a pipeline (it applies to a pool)"},
    {SCN("pool { bugs = { 'no_timeout' } }"),
     "s.lua:1: pool: bugs: no_timeout needs a dep = { ... } (it is a bug of the dependency's client)"},
    {SCN("pool { bugs = { 'ignore_ctx', 'ignore_ctx' } }"),
     "s.lua:1: pool: bugs: \"ignore_ctx\" is listed twice"},
    {"return scenario { name = 'x', target = pool { bugs = { 'no_dedupe' } }, " LOAD1 " }",
     "s.lua:1: scenario: target: bugs: no_dedupe is a bug of the front, and nothing goes "
     "through it (give the load via = \"front\")"},
    /* pipelines */
    {"return scenario { name = 'x', target = pipeline { stages = {\n"
     "  { name = 'a' },\n  { name = 'b', workers = 0 } } }, " LOAD1 " }",
     "s.lua:1: pipeline: stages[2]: workers: must be >= 1 (got 0)"},
    {SCN("pipeline { stages = { { name = 'a' }, { name = 'a' } } }"),
     "s.lua:1: pipeline: stages[2]: name: \"a\" is used twice (stages[1] has it too)"},
    {SCN("pipeline { stages = { { name = 'a', dep = true } } }"),
     "s.lua:1: pipeline: stages[1]: dep: the pipeline has no dep = { ... } for this stage to call"},
    {SCN("pipeline { stages = { { name = 'a' } }, dep = { } }"),
     "s.lua:1: pipeline: dep: no stage calls it (set dep = true in the stages that do)"},
    {SCN("pipeline { stages = { } }"), "s.lua:1: pipeline: stages: at least one stage { name = ... }"},
    {SCN("pipeline { }"), "s.lua:1: pipeline: stages: required"},
    {SCN("pipeline { stages = { { name = 'a', wokers = 2 } } }"),
     "s.lua:1: pipeline: stages[1]: unknown key \"wokers\" (did you mean \"workers\"?)"},
    /* fault points and kinds */
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  faults = {\n    delay { point = 'svc/pol/exec', by = '1ms' } } }",
     "s.lua:3: delay: point: unknown fault point \"svc/pol/exec\" (did you mean \"svc/pool/exec\"?)"},
    {"return scenario { name = 'x', target = pool { dep = { } }, " LOAD1 ",\n"
     "  faults = { delay { point = 'net/dep/reed', by = '1ms' } } }",
     "s.lua:2: delay: point: unknown fault point \"net/dep/reed\" (did you mean \"net/dep/read\"?)"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  faults = { delay { point = 'net/dep/read', by = '1ms' } } }",
     "s.lua:2: delay: point: unknown fault point \"net/dep/read\" (the target has no dep = { ... })"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  faults = { error { point = 'svc/front/reply' } } }",
     "s.lua:2: error: point: unknown fault point \"svc/front/reply\" (nothing goes through the "
     "front: give the load via = \"front\")"},
    {"local f = short { point = 'svc/pool/exec', bytes = 1 }",
     "s.lua:1: short: point: short is not accepted at \"svc/pool/exec\" (it accepts delay, error, block)"},
    {"local f = full { point = 'chan/pool/recv' }",
     "s.lua:1: full: point: full is not accepted at \"chan/pool/recv\" (it accepts delay, error, block)"},
    {"local f = delay { point = 'zzz*', by = 1 }",
     "s.lua:1: delay: point: unknown fault point \"zzz*\" (`gauntlet points` lists them)"},
    {"local f = delay { point = 'sv*/x', by = 1 }",
     "s.lua:1: delay: point: expected a point name like \"net/dep/read\", or a prefix and '*' "
     "(got \"sv*/x\")"},
    {"local f = short { point = 'svc/*', bytes = 1 }",
     "s.lua:1: short: point: short is not accepted at \"svc/*\" (it accepts delay, error, block, drop)"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  faults = { spawn_fail { point = 'task/spawn/dep.*' } } }",
     "s.lua:2: spawn_fail: point: \"task/spawn/dep.*\" matches no point of this scenario's target"},
    {"local f = delay { by = 1 }", "s.lua:1: delay: point: required"},
    {"local f = delay { point = 'svc/pool/exec' }", "s.lua:1: delay: by: required"},
    {"local f = error { point = 'svc/pool/exec', err = 'EIOO' }",
     "s.lua:1: error: err: unknown errno \"EIOO\" (did you mean \"EIO\"?)"},
    {"local f = error { point = 'svc/pool/exec', err = 0 }", "s.lua:1: error: err: must be >= 1 (got 0)"},
    {"local f = drop { point = 'net/dep/read', phase = 'midle' }",
     "s.lua:1: drop: phase: unknown value \"midle\" (did you mean \"mid\"?)"},
    {"local f = delay { point = 'svc/pool/exec', by = 1, p = 2 }",
     "s.lua:1: delay: p: must be in [0, 1] (got 2)"},
    {"local f = delay { point = 'svc/pool/exec', by = 1, from = '2s', to = '1s' }",
     "s.lua:1: delay: to: must be after from (2s) (got 1s)"},
    {"local f = delay { point = 'svc/pool/exec', by = 1, bytes = 3 }",
     "s.lua:1: delay: unknown key \"bytes\""},
    {"local f = block { point = 'svc/pool/exec', nth = 0 }", "s.lua:1: block: nth: must be >= 1 (got 0)"},
    /* checks */
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  checks = { no_leaked_task() } }",
     "s.lua:2: unknown name 'no_leaked_task' (did you mean 'no_leaked_tasks'?)"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  checks = { bounded_queue('pol', 64) } }",
     "s.lua:2: bounded_queue: queue: unknown queue \"pol\" (did you mean \"pool\"?)"},
    {"return scenario { name = 'x', target = pipeline { stages = { { name = 'a' }, { name = 'b' } } },\n"
     "  " LOAD1 ", checks = { bounded_queue('zzzzz', 1) } }",
     "s.lua:2: bounded_queue: queue: unknown queue \"zzzzz\" (the target's queues: \"a\", \"b\")"},
    {"local c = max_tasks(0)", "s.lua:1: max_tasks: n: must be >= 1 (got 0)"},
    {"local c = max_tasks('3')", "s.lua:1: max_tasks: n: expected an integer (got \"3\")"},
    {"local c = max_tasks(3, 4)", "s.lua:1: max_tasks: takes at most 1 argument (got 2)"},
    {"local c = no_panics(1)", "s.lua:1: no_panics: takes no arguments (got 1)"},
    {"local c = recovery_within('1s', { metrc = 'throughput' })",
     "s.lua:1: recovery_within: unknown key \"metrc\" (did you mean \"metric\"?)"},
    {"local c = recovery_within('1s', { metric = 'latency' })",
     "s.lua:1: recovery_within: metric: unknown value \"latency\" (expected one of \"throughput\", "
     "\"latency_p99\", \"error_rate\", \"live_tasks\")"},
    {"local c = recovery_within('1s', { tolerance = 0 })",
     "s.lua:1: recovery_within: tolerance: must be > 0 (a fraction of the baseline, like 0.1)"},
    {"local c = recovery_within(0)", "s.lua:1: recovery_within: d: must be > 0"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  checks = { recovery_within('1s') } }",
     "s.lua:2: recovery_within: the scenario has no faults to recover from"},
    {"local c = p99_below('1s', { phase = 'stedy' })",
     "s.lua:1: p99_below: phase: unknown value \"stedy\" (did you mean \"steady\"?)"},
    {"local c = error_rate_below(2)", "s.lua:1: error_rate_below: x: must be in [0, 1] (got 2)"},
    {"local c = check('', function() end)", "s.lua:1: check: name: must not be empty"},
    {"local c = check('x', 3)", "s.lua:1: check: fn: expected a function(run) ... end (got 3)"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ",\n"
     "  checks = { max_tasks(3), no_panics(), max_tasks(3) } }",
     "s.lua:1: scenario: checks[3]: \"max_tasks(3)\" is listed twice (checks[1])"},
    /* scenario */
    {"return scenario { name = 'x',\n  target = { }, " LOAD1 " }",
     "s.lua:1: scenario: target: expected pool { } or pipeline { } (got table)"},
    {"return scenario { name = 'x', " LOAD1 " }",
     "s.lua:1: scenario: target: required (pool { ... } or pipeline { ... })"},
    {"return scenario { name = 'x', target = pool { }, load = pool { } }",
     "s.lua:1: scenario: load: expected open_loop { } or closed_loop { } (got pool { })"},
    {"return scenario { name = 'x', target = pool { } }", "s.lua:1: scenario: needs a load or a script"},
    {"return scenario { name = 'x', target = pool { }, " LOAD1 ", faults = { max_tasks(3) } }",
     "s.lua:1: scenario: faults[1]: expected a fault such as delay { } (got max_tasks(3))"},
    {"return scenario { name = '', target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: name: must be 1 to 200 printable characters"},
    {"return scenario { name = 'x', seed = 0, target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: seed: must be >= 1 (got 0)"},
    {"return scenario { name = 'x', mode = 'simm', target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: mode: unknown value \"simm\" (did you mean \"sim\"?)"},
    {"return scenario { name = 'x', sample = '50us', target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: sample: must be >= 100us"},
    {"return scenario { name = 'x', tags = { 'a b' }, target = pool { }, " LOAD1 " }",
     "s.lua:1: scenario: tags[1]: expected a word without blanks or commas (got \"a b\")"},
    {"return scenario { name = 'x', script = 1, target = pool { } }",
     "s.lua:1: scenario: script: expected a function(t) ... end (got 1)"},
    {"return {\n  scenario { name = 'x', target = pool { }, " LOAD1 " },\n"
     "  scenario { name = 'x', target = pool { }, " LOAD1 " } }",
     "s.lua:3: scenario: name: \"x\" is used twice in this file (also at line 2)"},
    {"return 5", "s.lua: must return scenario { ... } or a list of them"},
    {"return { }", "s.lua: must return scenario { ... } or a list of them"},
    {"return { pool { } }", "s.lua: must return scenario { ... } or a list of them"},
    {"local x = 1", "s.lua: must return scenario { ... } or a list of them"},
    /* loads */
    {"local l = open_loop { duration = 1 }", "s.lua:1: open_loop: rate: required"},
    {"local l = open_loop { rate = 0, duration = 1 }",
     "s.lua:1: open_loop: rate: must be > 0 requests per second (got 0)"},
    {"local l = open_loop { rate = 1, duration = 1, via = 'back' }",
     "s.lua:1: open_loop: via: unknown value \"back\" (expected \"front\")"},
    {"local l = closed_loop { clients = 0, duration = 1 }", "s.lua:1: closed_loop: clients: must be >= 1 (got 0)"},
    {"local l = closed_loop { clients = 1, duration = 0 }", "s.lua:1: closed_loop: duration: must be > 0"},
    /* Lua's own errors */
    {"local x = 1\nlocal y = {\n  a = 1\n", "s.lua:4: '}' expected (to close '{' at line 2) near <eof>"},
    {"local x = 1\nlocal y = = 2\n", "s.lua:2: unexpected symbol near '='"},
    {"local t = setmetatable({}, { __gc = function() end })",
     "s.lua:1: setmetatable: __gc metamethods are not allowed in scenario files"},
    {"local x = 1\n\nerror('boom')\n", "s.lua:3: boom"},
    {"local x = 1\nerror('no position', 0)\n", "s.lua:2: no position"},
    {"local t = nil\nlocal y = t.x\n", "s.lua:2: attempt to index a nil value (local 't')"},
    {"local x = undefined_thing\n", "s.lua:1: unknown name 'undefined_thing'"},
    {"\n\nlocal m = require('lib.nope')", "s.lua:3: module 'lib.nope' not found under /tmp"},
};

START_TEST(strict_errors)
{
    const bad_case *c = &bad[_i];
    char want[512];
    /* the not-found message names the root: this test's directory */
    if (strstr(c->want, "not found under /tmp"))
        snprintf(want, sizeof want, "s.lua:3: module 'lib.nope' not found under %s", dir);
    else
        snprintf(want, sizeof want, "%s", c->want);
    load_fails(c->lua, want);
}
END_TEST

/* Errors in a helper module name the module's file. */
START_TEST(module_error_names_module)
{
    put("lib/bad.lua", "local x = 1\nreturn pool { wrokers = 1 }\n");
    load_fails("local b = require('lib.bad')", "lib/bad.lua:2: pool: unknown key \"wrokers\" (did you "
                                               "mean \"workers\"?)");
    put("lib/syntax.lua", "return {\n  a = 1\n");
    load_fails("local b = require('lib.syntax')", "lib/syntax.lua:3: '}' expected (to close '{' at "
                                                  "line 1) near <eof>");
}
END_TEST

/* An unknown bug with no near name lists every bug. */
START_TEST(unknown_bug_lists_all)
{
    char want[1024];
    int n = snprintf(want, sizeof want, "s.lua:1: pool: bugs: unknown bug \"zzzzzz\" (known bugs: ");
    for (int b = 0; b < SVC_BUG__COUNT; b++)
        n += snprintf(want + n, sizeof want - (size_t)n, "%s%s", b ? ", " : "", svc_bug_name((svc_bug)b));
    snprintf(want + n, sizeof want - (size_t)n, ")");
    ck_assert(strstr(want, "leak_on_cancel, no_close_jobs"));
    load_fails(SCN("pool { bugs = { 'zzzzzz' } }"), want);
}
END_TEST

START_TEST(missing_file)
{
    gt_file *f = (gt_file *)1;
    ck_assert_int_eq(gt__file_load(&f, "/nonexistent/x.lua", NULL, err, sizeof err), -EINVAL);
    ck_assert_ptr_null(f);
    ck_assert_str_eq(err, "/nonexistent/x.lua: cannot open: No such file or directory");
}
END_TEST

/* ---------------------------------------------------------------- durations, suggestions */

START_TEST(durations)
{
    static const struct { const char *s; int64_t ns; } good[] = {
        {"250us", 250000}, {"50ms", 50000000}, {"2s", 2000000000}, {"1m", 60000000000},
        {"1.5s", 1500000000}, {"100ns", 100}, {"0", 0}, {"0s", 0}, {"1", 1000000000},
        {"0.25", 250000000}, {".5ms", 500000}, {"2.5m", 150000000000}, {"1.000000001s", 1000000001},
        {"0.0001ms", 100}, {"9223372036s", INT64_C(9223372036000000000)},
    };
    static const char *const bad_ones[] = {
        "", "ms", "5 ms", " 5ms", "5ms ", "-5ms", "+5ms", "5h", "5MS", "1e3ms", "5.", ".", "5..5s",
        "0x10s", "1.0000000001s", "9223372037s", "99999999999999999999ns", "5msx", "inf", "nan",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ns = -1;
        ck_assert_msg(gt__duration_parse(good[i].s, &ns) == 0, "%s", good[i].s);
        ck_assert_msg(ns == good[i].ns, "%s: %lld", good[i].s, (long long)ns);
    }
    for (size_t i = 0; i < sizeof bad_ones / sizeof bad_ones[0]; i++) {
        int64_t ns = 77;
        ck_assert_msg(gt__duration_parse(bad_ones[i], &ns) == -EINVAL, "%s", bad_ones[i]);
        ck_assert_int_eq(ns, 77);
    }
    int64_t ns;
    ck_assert_int_eq(gt__duration_parse(NULL, &ns), -EINVAL);
}
END_TEST

/* Numbers are seconds; labels print durations back compactly. */
START_TEST(durations_in_lua)
{
    gt_file *f = load_ok("return scenario { name = 'x', target = pool { idle_timeout = 0.5,\n"
                         "  job_timeout = 2, cost = '0.000001s' }, script = function() end,\n"
                         "  checks = { drains_within(90), drains_within('2m'), drains_within('1.25ms'),\n"
                         "             drains_within(1e-9), drains_within('61s') } }\n");
    const gt_scenario *s = f->scn;
    ck_assert_int_eq(s->target.pool.idle_timeout, GR_MS(500));
    ck_assert_int_eq(s->target.pool.job_timeout, GR_S(2));
    ck_assert_int_eq(s->target.pool.cost.fixed, GR_US(1));
    ck_assert_str_eq(s->checks[0].label, "drains_within(90s)");
    ck_assert_str_eq(s->checks[1].label, "drains_within(2m)");
    ck_assert_str_eq(s->checks[2].label, "drains_within(1.25ms)");
    ck_assert_str_eq(s->checks[3].label, "drains_within(1ns)");
    ck_assert_str_eq(s->checks[4].label, "drains_within(61s)");
    gt__file_release(f);
}
END_TEST

START_TEST(suggestions)
{
    static const char *const c[] = {"workers", "max_workers", "queue", "name", "no_leaked_tasks"};
    ck_assert_str_eq(gt__suggest("wrokers", c, 5), "workers");
    ck_assert_str_eq(gt__suggest("max_worker", c, 5), "max_workers");
    ck_assert_str_eq(gt__suggest("queu", c, 5), "queue");
    ck_assert_str_eq(gt__suggest("nmae", c, 5), "name");
    ck_assert_str_eq(gt__suggest("no_leaked_task", c, 5), "no_leaked_tasks");
    ck_assert_ptr_null(gt__suggest("zzzzzzz", c, 5));
    ck_assert_ptr_null(gt__suggest("xy", c, 5));  /* too short to guess */
    ck_assert_ptr_null(gt__suggest("io", (const char *const[]){"os"}, 1));
    ck_assert_ptr_null(gt__suggest("wrokers", c, 0));
    ck_assert_ptr_null(gt__suggest(NULL, c, 5));
    /* a long word allows len/3 edits */
    ck_assert_str_eq(gt__suggest("cancel_propagate_withn", (const char *const[]){"cancel_propagates_within"}, 1),
                     "cancel_propagates_within");
}
END_TEST

Suite *suite_harness_load(void)
{
    Suite *s = suite_create("harness_load");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, full_model_pool);
    tcase_add_test(tc, full_model_faults);
    tcase_add_test(tc, full_model_checks);
    tcase_add_test(tc, full_model_pipeline);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, modules_build_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, strict_errors, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, module_error_names_module);
    tcase_add_test(tc, unknown_bug_lists_all);
    tcase_add_test(tc, missing_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_test(tc, durations);
    tcase_add_test(tc, suggestions);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, durations_in_lua);
    suite_add_tcase(s, tc);
    return s;
}
