/* tapi.c — what Lua sees of a running world: the `t` object a scenario's
 * script drives it with (t:sleep, t:inject, t:start, t:stop, ...), and
 * the `run` table custom checks judge. Times are seconds, as everywhere in
 * the Lua API. */
#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "harness/world.h"

static gt_world *self(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

static int64_t to_ns(lua_State *L, int idx, const char *what)
{
    int64_t ns = -1;
    if (lua_type(L, idx) == LUA_TNUMBER) {
        double s = lua_tonumber(L, idx);
        if (s >= 0 && s < 9e9)
            ns = (int64_t)(s * 1e9 + 0.5);
    } else if (lua_type(L, idx) == LUA_TSTRING) {
        if (gt__duration_parse(lua_tostring(L, idx), &ns) < 0)
            ns = -1;
    }
    if (ns < 0)
        luaL_error(L, "%s: expected a duration like \"50ms\" or a number of seconds (got %s)", what,
                   luaL_tolstring(L, idx, NULL));
    return ns;
}

static void world_error(lua_State *L, gt_world *w, const char *what)
{
    char msg[1100];
    snprintf(msg, sizeof msg, "%s: %s", what, w->error);
    w->error[0] = 0; /* raised in the script: it decides the verdict if not caught */
    luaL_error(L, "%s", msg);
}

static int t_sleep(lua_State *L)
{
    gr_sleep(to_ns(L, 2, "t:sleep"));
    return 0;
}

static int t_now(lua_State *L)
{
    lua_pushnumber(L, (double)gt__world_now(self(L)) / 1e9);
    return 1;
}

static int t_start(lua_State *L)
{
    gt_world *w = self(L);
    if (gt__world_start(w) < 0)
        world_error(L, w, "t:start");
    return 0;
}

static int t_stop(lua_State *L)
{
    gt_world *w = self(L);
    int64_t grace = w->sc->grace;
    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            if (strcmp(k, "grace") != 0)
                luaL_error(L, "t:stop: unknown key \"%s\" (it takes { grace = d })", k);
            grace = to_ns(L, -1, "t:stop: grace");
            lua_pop(L, 1);
        }
    } else if (!lua_isnoneornil(L, 2)) {
        luaL_error(L, "t:stop: expected { grace = d } (got %s)", luaL_typename(L, 2));
    }
    if (gt__world_stop(w, grace) < 0)
        world_error(L, w, "t:stop");
    return 0;
}

static int h_clear(lua_State *L)
{
    gt_world *w = self(L);
    int h = (int)lua_tointeger(L, lua_upvalueindex(2));
    lua_pushboolean(L, gt__world_clear(w, h) > 0);
    return 1;
}

/* The loader reads values on the file's main state; a script may call us
 * from a coroutine of its own: bring the argument over. Returns its index
 * on f->L (pop it after). */
static int arg_on_main(lua_State *L, gt_world *w, int idx)
{
    lua_State *M = w->f->L;
    lua_pushvalue(L, idx);
    if (L != M)
        lua_xmove(L, M, 1);
    return lua_gettop(M);
}

static int t_inject(lua_State *L)
{
    gt_world *w = self(L);
    gt_fault_spec fs;
    char err[512];
    if (!w->started)
        luaL_error(L, "t:inject: the target is not started (call t:start() first)");
    int at = arg_on_main(L, w, 2);
    int rc = gt__fault_from_lua(w->f, at, &fs, err, sizeof err);
    lua_remove(w->f->L, at);
    if (rc < 0)
        luaL_error(L, "t:inject: %s", err);
    if (gt__fault_check(w->sc, &fs, err, sizeof err) < 0) /* a point this world has */
        luaL_error(L, "t:inject: %s", err);
    int h = gt__world_inject(w, &fs, err, sizeof err);
    if (h < 0)
        luaL_error(L, "t:inject: %s", err);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, h);
    lua_setfield(L, -2, "id");
    lua_pushlightuserdata(L, w);
    lua_pushinteger(L, h);
    lua_pushcclosure(L, h_clear, 2);
    lua_setfield(L, -2, "clear");
    return 1;
}

static int t_clear(lua_State *L)
{
    lua_pushinteger(L, gt__world_clear(self(L), 0));
    return 1;
}

static int h_wait(lua_State *L)
{
    gt_world *w = self(L);
    int k = (int)lua_tointeger(L, lua_upvalueindex(2));
    int64_t until = w->t0 + w->load_end[k] + w->load_slack[k] + w->sc->grace;
    lua_pushboolean(L, svc_load_wait(w->loads[k], until) == 0);
    return 1;
}

static int t_load(lua_State *L)
{
    gt_world *w = self(L);
    gt_load_spec ls;
    char err[512];
    int at = arg_on_main(L, w, 2);
    int rc = gt__load_from_lua(w->f, at, &ls, err, sizeof err);
    lua_remove(w->f->L, at);
    if (rc < 0)
        luaL_error(L, "t:load: %s", err);
    if (gt__world_load(w, &ls) < 0)
        world_error(L, w, "t:load");
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, w);
    lua_pushinteger(L, w->nloads - 1);
    lua_pushcclosure(L, h_wait, 2);
    lua_setfield(L, -2, "wait");
    return 1;
}

static int t_expect(lua_State *L)
{
    gt_world *w = self(L);
    bool ok = lua_toboolean(L, 2);
    const char *msg = luaL_optstring(L, 3, "expectation");
    lua_Debug ar;
    char where[160] = "?";
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar))
        snprintf(where, sizeof where, "%s:%d", ar.short_src, ar.currentline);
    gt_expect *e = NULL;
    for (int i = 0; i < w->nexpects && !e; i++)
        if (strcmp(w->expects[i].where, where) == 0)
            e = &w->expects[i];
    if (!e && w->nexpects < GT_EXPECTS_MAX) {
        e = &w->expects[w->nexpects++];
        snprintf(e->where, sizeof e->where, "%s", where);
        snprintf(e->msg, sizeof e->msg, "%s", msg);
    }
    if (!e) { /* past the sites we track one by one: counted together */
        e = &w->expect_other;
        if (!e->n)
            snprintf(e->where, sizeof e->where, "%s and other sites", where);
        if (!e->n || (!ok && !e->failed))
            snprintf(e->msg, sizeof e->msg, "%s", msg);
    }
    e->n++;
    if (!ok && e->failed++ == 0)
        snprintf(e->msg, sizeof e->msg, "%s", msg);
    lua_pushboolean(L, ok);
    return 1;
}

static void set_int(lua_State *L, const char *k, int64_t v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static int t_stats(lua_State *L)
{
    gt_world *w = self(L);
    svc_stats st = {0};
    if (w->target)
        svc_stats_get(w->target, &st);
    gr_sched_stats ss;
    gr_sched_stats_get(w->s, &ss);
    lua_createtable(L, 0, 12);
    set_int(L, "submitted", (int64_t)st.submitted);
    set_int(L, "completed", (int64_t)st.completed);
    set_int(L, "failed", (int64_t)st.failed);
    set_int(L, "cancelled", (int64_t)st.cancelled);
    set_int(L, "rejected", (int64_t)st.rejected);
    set_int(L, "queued", (int64_t)st.queued);
    set_int(L, "running", (int64_t)st.running);
    set_int(L, "workers", (int64_t)st.workers);
    set_int(L, "live_tasks", w->live.n ? w->live.v[w->live.n - 1] : 0); /* last sample */
    set_int(L, "requests_ok", (int64_t)w->req_ok);
    set_int(L, "requests_failed", (int64_t)w->req_err);
    set_int(L, "faults_fired", (int64_t)inj_events(w->j, NULL, 0));
    return 1;
}

int gt__script_run(gt_world *w)
{
    static const luaL_Reg methods[] = {
        {"sleep", t_sleep}, {"now", t_now},       {"start", t_start}, {"stop", t_stop},
        {"inject", t_inject}, {"clear", t_clear}, {"load", t_load},   {"expect", t_expect},
        {"stats", t_stats},   {NULL, NULL}};
    lua_State *L = w->f->L;
    lua_createtable(L, 0, 9);
    lua_pushlightuserdata(L, w);
    luaL_setfuncs(L, methods, 1);
    char err[1024];
    if (gt__lua_call(w->f, w->sc->script_ref, err, sizeof err) < 0) {
        if (!w->error[0])
            snprintf(w->error, sizeof w->error, "%s", err);
        return -EINVAL;
    }
    lua_pop(L, 1);
    return 0;
}

/* ---------------------------------------------------------------- run */

static void push_latency(lua_State *L, gt_world *w, int64_t a, int64_t b)
{
    gt_hist h = {0};
    for (size_t i = 0; i < w->lat_t.n; i++)
        if (w->lat_t.v[i] >= a && (w->lat_t.v[i] < b || b == w->end))
            gt__hist_add(&h, w->lat_v.v[i] < 0 ? -1 - w->lat_v.v[i] : w->lat_v.v[i]);
    lua_createtable(L, 0, 5);
    set_int(L, "n", (int64_t)h.n);
    if (h.n == 0)
        return;
    set_num(L, "p50", (double)gt__hist_quantile(&h, 0.50) / 1e9);
    set_num(L, "p90", (double)gt__hist_quantile(&h, 0.90) / 1e9);
    set_num(L, "p99", (double)gt__hist_quantile(&h, 0.99) / 1e9);
    set_num(L, "max", (double)h.max / 1e9);
}

static void push_col(lua_State *L, const char *k, const gt_col *c, double scale)
{
    lua_createtable(L, (int)c->n, 0);
    for (size_t i = 0; i < c->n; i++) {
        lua_pushnumber(L, (double)c->v[i] * scale);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, k);
}

static void push_jobs(lua_State *L, gt_world *w)
{
    const svc_ledger_sum *s = &w->sum;
    lua_createtable(L, 0, 10);
    set_int(L, "total", (int64_t)s->jobs);
    set_int(L, "completed", (int64_t)s->by_state[SVC_JOB_COMPLETED]);
    set_int(L, "failed", (int64_t)s->by_state[SVC_JOB_FAILED]);
    set_int(L, "cancelled", (int64_t)s->by_state[SVC_JOB_CANCELLED]);
    set_int(L, "rejected", (int64_t)s->by_state[SVC_JOB_REJECTED]);
    set_int(L, "lost", (int64_t)s->by_state[SVC_JOB_ACCEPTED]);
    set_int(L, "executions", (int64_t)s->execs);
    set_int(L, "duplicated", (int64_t)s->duplicated);
    set_int(L, "never_run", (int64_t)s->never_run);
    set_int(L, "retried", (int64_t)s->retried);
    lua_setfield(L, -2, "jobs");
}

static void push_phases(lua_State *L, gt_world *w)
{
    static const char *const names[] = {
#define GT__X(id, name, text) name,
        GT_PHASES(GT__X)
#undef GT__X
    };
    lua_createtable(L, 0, GT_PHASE__COUNT);
    for (int p = 0; p < GT_PHASE__COUNT; p++)
        if (w->phase[p][0] >= 0) {
            push_latency(L, w, w->phase[p][0], w->phase[p][1]);
            lua_setfield(L, -2, names[p]);
        }
    lua_setfield(L, -2, "latency");
}

static void push_misc(lua_State *L, gt_world *w)
{
    lua_createtable(L, 0, 3);
    set_int(L, "ok", (int64_t)w->req_ok);
    set_int(L, "failed", (int64_t)w->req_err);
    set_int(L, "total", (int64_t)(w->req_ok + w->req_err));
    lua_setfield(L, -2, "requests");
    lua_createtable(L, 0, 2);
    set_int(L, "peak", (int64_t)w->live_peak);
    set_int(L, "leaked", (int64_t)w->nleaks);
    lua_setfield(L, -2, "tasks");
    if (w->have_rec) {
        lua_createtable(L, 0, 3);
        lua_pushboolean(L, w->rec.recovered);
        lua_setfield(L, -2, "recovered");
        if (w->rec.recovered) {
            set_num(L, "time", (double)w->rec.time / 1e9);
            set_num(L, "at", (double)w->rec.at / 1e9);
        }
        lua_setfield(L, -2, "recovery");
    }
    lua_createtable(L, 0, w->nq);
    for (int i = 0; i < w->nq; i++) {
        lua_createtable(L, 0, 2);
        set_int(L, "peak", (int64_t)w->qpeak[i]);
        set_int(L, "cap", (int64_t)w->qcap[i]);
        lua_setfield(L, -2, w->qname[i]);
    }
    lua_setfield(L, -2, "queues");
    set_int(L, "faults_fired", (int64_t)inj_events(w->j, NULL, 0));
    uint64_t panics = 0;
    for (int k = 0; k < GR_PANIC__COUNT; k++)
        panics += gr_sched_panic_count(w->s, (gr_panic)k);
    set_int(L, "panics", (int64_t)panics);
}

int gt__push_run_table(gt_world *w)
{
    lua_State *L = w->f->L;
    if (!lua_checkstack(L, 8))
        return -ENOMEM;
    lua_createtable(L, 0, 16);
    lua_pushstring(L, w->sc->name);
    lua_setfield(L, -2, "name");
    set_int(L, "seed", (int64_t)(w->o->seed & 0x7fffffffffffffff));
    lua_pushstring(L, gt_mode_name(w->o->mode));
    lua_setfield(L, -2, "mode");
    set_num(L, "duration", (double)w->end / 1e9);
    push_jobs(L, w);
    push_phases(L, w);
    push_misc(L, w);
    lua_createtable(L, 0, 6);
    push_col(L, "t", &w->t, 1e-9);
    push_col(L, "completed", &w->completed, 1);
    push_col(L, "in_flight", &w->in_flight, 1);
    push_col(L, "live_tasks", &w->live, 1);
    push_col(L, "p99", &w->p99, 1e-9);
    lua_setfield(L, -2, "series");
    return 0;
}
