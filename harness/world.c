/* world.c — runs one scenario: builds its world (scheduler, injector,
 * ledger, dependency, target, front, loads), drives it declaratively or
 * through its script, stops it with its grace, then judges it and writes
 * the result document. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/world.h"

#define DIRECTOR_STACK ((size_t)1 << 20) /* Lua runs on it */
#define GT_SIM_TIME_LIMIT (INT64_C(3600) * 1000000000)

int gt__col_push(gt_col *c, int64_t v)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        int64_t *p = realloc(c->v, cap * sizeof *p);
        if (!p)
            return -ENOMEM;
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = v;
    return 0;
}

int64_t gt__world_now(const gt_world *w) { return gr_now() - w->t0; }

void gt__world_mark_end(gt_world *w)
{
    if (!w->ended) {
        w->ended = true;
        w->end = gt__world_now(w);
    }
}

static int fail(gt_world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(gt_world *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* ---------------------------------------------------------------- start */

static bool sim(const gt_world *w) { return w->o->mode == GT_MODE_SIM; }

static int start_dep(gt_world *w)
{
    const gt_dep_spec *d = &w->sc->target.dep;
    char err[256];
    svc_dep_cfg dc = {.endpoint = sim(w) ? "dep" : "127.0.0.1:0", .cost = d->cost,
                      .latency = d->latency};
    if (svc_dep_start(&w->dep, &dc, err, sizeof err) < 0)
        return fail(w, "dependency: %s", err);
    snprintf(w->dep_ep, sizeof w->dep_ep, "%s", svc_dep_endpoint(w->dep));
    if (svc_client_create(&w->client, w->dep_ep, &d->client, err, sizeof err) < 0)
        return fail(w, "dependency client: %s", err);
    return 0;
}

static int start_target(gt_world *w)
{
    const gt_target_spec *ts = &w->sc->target;
    char err[256];
    int rc;
    if (ts->kind == GT_TARGET_POOL) {
        svc_pool_cfg pc = ts->pool;
        pc.dep = ts->pool_dep ? w->client : NULL;
        rc = svc_pool_start(&w->target, &pc, w->ledger, w->j, err, sizeof err);
    } else {
        svc_stage_cfg st[SVC_STAGES_MAX];
        svc_pipeline_cfg pc = ts->pipeline;
        for (int k = 0; k < pc.nstages; k++) {
            st[k] = ts->stages[k];
            st[k].dep = ts->stage_dep[k] ? w->client : NULL;
        }
        pc.stages = st;
        rc = svc_pipeline_start(&w->target, &pc, w->ledger, w->j, err, sizeof err);
    }
    if (rc < 0)
        return fail(w, "target: %s", err);
    return 0;
}

static int start_front(gt_world *w)
{
    char err[256];
    svc_front_cfg fc = w->sc->target.front;
    fc.endpoint = sim(w) ? "front" : "127.0.0.1:0";
    if (svc_front_start(&w->front, w->target, &fc, w->j, err, sizeof err) < 0)
        return fail(w, "front: %s", err);
    snprintf(w->front_ep, sizeof w->front_ep, "%s", svc_front_endpoint(w->front));
    return 0;
}

/* Scenarios name endpoints logically (net/dep/read, net/front/accept); in
 * real mode the listener's address takes the logical name's place. */
static void real_point(const gt_world *w, const char *point, char *buf, size_t len)
{
    snprintf(buf, len, "%s", point);
    if (sim(w) || strncmp(point, "net/", 4) != 0)
        return;
    const char *rest = point + 4;
    const char *ep = NULL;
    size_t skip = 0;
    if (strncmp(rest, "dep/", 4) == 0 || strcmp(rest, "dep") == 0)
        ep = w->dep_ep, skip = 3;
    else if (strncmp(rest, "front/", 6) == 0 || strcmp(rest, "front") == 0)
        ep = w->front_ep, skip = 5;
    if (ep && *ep)
        snprintf(buf, len, "net/%s%s", ep, rest + skip);
}

/* A fault window's end: what it holds (blocked tasks, senders held by
 * full) is released at `to`, as when a script clears it. */
typedef struct window_end {
    gt_world *w;
    int i;
} window_end;

static void end_window(void *arg)
{
    window_end e = *(window_end *)arg;
    free(arg);
    gt_window *wn = &e.w->win[e.i];
    gr_sleep_until(e.w->t0 + wn->to);
    if (!wn->cleared) {
        wn->cleared = true;
        inj_disarm(e.w->j, wn->handle);
    }
}

int gt__world_inject(gt_world *w, const gt_fault_spec *fs, char *err, size_t errlen)
{
    if (w->nwin == w->win_cap) {
        int cap = w->win_cap ? 2 * w->win_cap : 16;
        gt_window *p = realloc(w->win, (size_t)cap * sizeof *p);
        if (!p)
            return snprintf(err, errlen, "out of memory"), -ENOMEM;
        w->win = p;
        w->win_cap = cap;
    }
    char point[160];
    real_point(w, fs->spec.point, point, sizeof point);
    inj_spec sp = fs->spec;
    sp.point = point;
    int64_t now = gt__world_now(w);
    /* Windows are relative to the start of the run; t:inject arms now. */
    int64_t from = sp.from, to = sp.to;
    if (from < now)
        from = now;
    sp.from = w->t0 + from;
    sp.to = to == GR_FOREVER ? GR_FOREVER : w->t0 + to;
    if (to != GR_FOREVER && to <= from)
        return snprintf(err, errlen, "to: the window ends before it starts"), -EINVAL;
    int h = inj_arm(w->j, &sp, err, errlen);
    if (h < 0)
        return h;
    gt_window *wn = &w->win[w->nwin++];
    *wn = (gt_window){.point = fs->spec.point, .kind = fs->spec.kind, .from = from, .to = to,
                      .handle = h, .line = fs->line};
    window_end *e = to == GR_FOREVER ? NULL : malloc(sizeof *e);
    if (e) {
        *e = (window_end){w, w->nwin - 1};
        if (gr_spawn(end_window, e, "gauntlet.window") < 0)
            free(e);
    }
    if (fs->spec.kind == INJ_DELAY) {
        char b[32];
        gt__fmt_ns(b, sizeof b, fs->spec.by);
        snprintf(wn->detail, sizeof wn->detail, "by %s", b);
    } else if (fs->spec.kind == INJ_ERROR || fs->spec.kind == INJ_SPAWN_FAIL) {
        snprintf(wn->detail, sizeof wn->detail, "%s", fs->spec.err ? strerrorname_np(fs->spec.err) : "EAGAIN");
    } else if (fs->spec.kind == INJ_DROP) {
        snprintf(wn->detail, sizeof wn->detail, "phase %s", inj_phase_name(fs->spec.phase));
    } else if (fs->spec.kind == INJ_SHORT) {
        snprintf(wn->detail, sizeof wn->detail, "%lld bytes", (long long)fs->spec.bytes);
    }
    if (fs->spec.p < 1)
        snprintf(wn->detail + strlen(wn->detail), sizeof wn->detail - strlen(wn->detail),
                 "%sp=%g", wn->detail[0] ? ", " : "", fs->spec.p);
    return h;
}

int gt__world_clear(gt_world *w, int handle)
{
    int64_t now = gt__world_now(w);
    int n = 0;
    for (int i = 0; i < w->nwin; i++) {
        gt_window *wn = &w->win[i];
        if ((handle && wn->handle != handle) || wn->cleared)
            continue;
        wn->cleared = true;
        if (inj_disarm(w->j, wn->handle) == 0)
            n++;
        wn->to = now < wn->from ? wn->from : now;
    }
    return handle && n == 0 ? -ENOENT : n;
}

int gt__world_load(gt_world *w, const gt_load_spec *ls)
{
    if (!w->started)
        return fail(w, "load: the target is not started (call t:start() first)");
    if (w->stopped)
        return fail(w, "load: the target was stopped");
    if (w->nloads == GT_LOADS_MAX)
        return fail(w, "load: at most %d loads", GT_LOADS_MAX);
    svc_load_cfg lc = ls->cfg;
    if (ls->via_front)
        lc.via = w->front_ep;
    lc.first_id = w->next_id;
    w->next_id += UINT64_C(1) << 32;
    if (ls->start > 0)
        gr_sleep_until(w->t0 + ls->start);
    char err[256];
    int k = w->nloads;
    if (svc_load_start(&w->loads[k], &lc, w->target, gt__sample_sink, w, err, sizeof err) < 0)
        return fail(w, "load: %s", err);
    w->nloads++;
    w->load_end[k] = gt__world_now(w) + lc.duration;
    int r = lc.retries < 16 ? lc.retries : 16;
    w->load_slack[k] = lc.timeout * (lc.retries + 1) + lc.backoff * ((int64_t)1 << r);
    if (w->load_end[k] > w->load_until)
        w->load_until = w->load_end[k];
    return 0;
}

/* The declared load starts after ls->start: its own task, so a script's
 * t:start() returns at once. */
static void delayed_load(void *arg)
{
    gt_world *w = arg;
    gt__world_load(w, &w->sc->load);
}

int gt__world_start(gt_world *w)
{
    if (w->started)
        return fail(w, "start: the target is already started");
    const gt_scenario *sc = w->sc;
    int rc;
    if ((rc = start_target(w)) < 0)
        return rc;
    w->started = true;
    if (sc->load.on && sc->load.via_front && (rc = start_front(w)) < 0)
        return rc;
    char err[512];
    for (int i = 0; i < sc->nfaults; i++)
        if ((rc = gt__world_inject(w, &sc->faults[i], err, sizeof err)) < 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s:%d: fault: %s", sc->file, sc->faults[i].line, err);
            return fail(w, "%s", msg);
        }
    if (!sc->load.on)
        return 0;
    if (sc->load.start > 0 && sc->script_ref != LUA_NOREF) {
        int64_t id = gr_spawn(delayed_load, w, "gauntlet.load");
        return id < 0 ? fail(w, "load: cannot start: %s", strerror((int)-id)) : 0;
    }
    return gt__world_load(w, &sc->load);
}

int gt__world_stop(gt_world *w, int64_t grace)
{
    if (!w->started || w->stopped)
        return fail(w, "%s", w->stopped ? "stop: already stopped" : "stop: the target is not started");
    w->stopped = true;
    gt__world_mark_end(w);
    for (int k = 0; k < w->nloads; k++)
        svc_load_stop(w->loads[k]); /* no new requests: the target is going */
    if (w->front)
        svc_front_stop(w->front, grace); /* -EBUSY: it stays for its requests */
    w->stop_rc = svc_stop(w->target, grace);
    /* Requests still out are answered now (refused or cancelled). */
    for (int k = 0; k < w->nloads; k++)
        svc_load_wait(w->loads[k], gr_deadline_in(grace));
    return 0;
}

/* ---------------------------------------------------------------- the run */

/* Declarative: the load runs its course (and the duration, if longer). */
static void run_declared(gt_world *w)
{
    if (gt__world_start(w) < 0)
        return;
    const gt_scenario *sc = w->sc;
    int64_t until = sc->duration;
    if (sc->load.start + sc->load.cfg.duration > until)
        until = sc->load.start + sc->load.cfg.duration;
    gr_sleep_until(w->t0 + until);
    gt__world_mark_end(w);
    /* Requests still out get their answers, bounded by their own timeouts. */
    for (int k = 0; k < w->nloads; k++)
        svc_load_wait(w->loads[k], gr_deadline_in(w->load_slack[k] + sc->grace));
}

static void director(void *arg)
{
    gt_world *w = arg;
    /* The service reads a time of 0 as "has not happened" (stop_at, ...),
     * and the sim clock starts at 0: the scenario starts 1 ns in. */
    gr_sleep(1);
    w->t0 = gr_now();
    w->next_id = 1;
    if (w->sc->target.dep.on && start_dep(w) < 0)
        return;
    w->sampling = true;
    if (gr_gate_create(&w->sampled, "gauntlet.sampled", GR_WAIT_GATE) < 0 ||
        gr_spawn(gt__sampler, w, "gauntlet.sampler") < 0) {
        fail(w, "cannot start the sampler: out of memory");
        return;
    }
    if (w->sc->script_ref != LUA_NOREF)
        gt__script_run(w);
    else
        run_declared(w);
    gt__world_mark_end(w);
    if (w->started && !w->stopped)
        gt__world_stop(w, w->sc->grace);
    w->sampling = false;
    gr_gate_wait(w->sampled, GR_FOREVER); /* its last sample: within a step */
    if (w->target)
        svc_stats_get(w->target, &w->st);
    gt__profile_take(w, &w->final);
    if (w->dep)
        svc_dep_stop(w->dep, w->sc->grace);
}

/* The main task: spawns the director on a stack big enough for Lua and
 * waits for it at a gate (no timer: a world that deadlocks is reported by
 * the scheduler as -EDEADLK). */
static void director_task(void *arg)
{
    gt_world *w = arg;
    director(w);
    gr_gate_open(w->done);
}

static void main_task(void *arg)
{
    gt_world *w = arg;
    gr_spawn_opts so = {.stack_size = DIRECTOR_STACK};
    int rc = gr_gate_create(&w->done, "gauntlet.director", GR_WAIT_GATE);
    int64_t id = rc < 0 ? rc : gr_spawn_with(director_task, w, "gauntlet.director", &so);
    if (id < 0) {
        snprintf(w->error, sizeof w->error, "cannot start the director: %s", strerror((int)-id));
        return;
    }
    gr_gate_wait(w->done, GR_FOREVER);
}

static int64_t wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void world_free(gt_world *w)
{
    for (int k = 0; k < w->nloads; k++)
        svc_load_abandon(w->loads[k]); /* requests may still be out: never resumed */
    inj_release(w->j);
    if (w->target)
        svc_release(w->target);
    svc_client_release(w->client);
    gr_sched_release(w->s);
    svc_ledger_release(w->ledger);
    gt__sample_free(w);
    for (int i = 0; i < w->nout; i++)
        free(w->out[i].detail);
    free(w->out);
    free(w->leaks);
    free(w->win);
}

static int world_create(gt_world *w)
{
    int rc = svc_register_points();
    /* A sim run that would go on for an hour of scenario time is stopped
     * (-ETIMEDOUT: an error); a real one has the runner's watchdog. */
    gr_sched_opts so = {.clock = sim(w) ? GR_CLOCK_SIM : GR_CLOCK_REAL, .seed = w->o->seed,
                        .time_limit = sim(w) ? GT_SIM_TIME_LIMIT : 0};
    if (rc < 0 || (rc = gr_sched_create(&w->s, &so)) < 0 || (rc = svc_ledger_create(&w->ledger)) < 0)
        return rc;
    inj_opts io = {.seed = w->o->seed};
    if ((rc = inj_create(&w->j, w->s, &io)) < 0)
        return rc;
    w->step = w->sc->sample;
    w->first_fault = -1;
    return 0;
}

int gt__run(gt_file *f, int i, const gt_run_opts *o, char **json)
{
    gt_world w = {.f = f, .sc = &f->scn[i], .o = o};
    const char *crash = getenv("GAUNTLET_TEST_CRASH"); /* tests of the runner only */
    if (crash && strcmp(crash, w.sc->name) == 0)
        raise(SIGSEGV);
    int64_t wall0 = wall_now();
    int rc = world_create(&w);
    if (rc < 0) {
        world_free(&w);
        return rc;
    }
    /* Lua's math.random follows the scenario's seed too. */
    lua_getglobal(f->L, "math");
    if (lua_istable(f->L, -1)) {
        lua_getfield(f->L, -1, "randomseed");
        lua_pushinteger(f->L, (lua_Integer)(o->seed & 0x7fffffffffffffff));
        if (lua_pcall(f->L, 1, 0, 0) != LUA_OK)
            lua_pop(f->L, 1);
    }
    lua_pop(f->L, 1);
    w.run_rc = gr_sched_run(w.s, main_task, &w, "gauntlet.main");
    if (w.run_rc == -ETIMEDOUT && !w.error[0])
        snprintf(w.error, sizeof w.error, "the run went past the sim time limit (1 hour of "
                 "scenario time)");
    else if (w.run_rc < 0 && w.run_rc != -EDEADLK && !w.error[0])
        snprintf(w.error, sizeof w.error, "the scheduler stopped: %s", strerror(-w.run_rc));
    rc = gt__judge(&w);
    w.wall_ns = wall_now() - wall0;
    gt_verdict v = GT_VERDICT_PASS;
    if (w.error[0])
        v = GT_VERDICT_ERROR;
    else
        for (int k = 0; k < w.nout; k++)
            if (!w.out[k].ok)
                v = GT_VERDICT_FAIL;
    *json = rc < 0 ? NULL : gt__doc_build(&w, v);
    world_free(&w);
    if (!*json)
        return -ENOMEM;
    return (int)v;
}
