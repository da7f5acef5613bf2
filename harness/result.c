/* result.c — a scenario's result document (docs/report-format.md): built
 * with cJSON from a judged world, or for a scenario that produced none.
 * Every time is an integer of nanoseconds and every count an integer below
 * 2^52 (cJSON prints larger numbers lossily); seeds, which are 64-bit, are
 * written as exact raw text. Wall-clock values live under "wall" only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/world.h"

void gt__json_add_seed(cJSON *o, const char *key, uint64_t seed)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, seed);
    cJSON_AddRawToObject(o, key, buf);
}

static void add_int(cJSON *o, const char *k, int64_t v) { cJSON_AddNumberToObject(o, k, (double)v); }

/* A column as raw JSON text: cJSON prints a number past INT_MAX (any time
 * past 2.1 s in ns) with printf and checks it with sscanf, which made the
 * series most of the time of writing a document. */
static size_t put_i64(char *p, int64_t v)
{
    char tmp[24];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        p[k++] = '-';
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (n)
        p[k++] = tmp[--n];
    return k;
}

static cJSON *col_array(const gt_col *c)
{
    size_t cap = 3 + c->n * 21; /* [ ] and the terminator, digits and commas */
    char *buf = malloc(cap), *p = buf;
    if (!buf)
        return NULL;
    *p++ = '[';
    for (size_t i = 0; i < c->n; i++) {
        if (i)
            *p++ = ',';
        p += put_i64(p, c->v[i]);
    }
    *p++ = ']';
    *p = '\0';
    cJSON *a = cJSON_CreateRaw(buf);
    free(buf);
    return a;
}

static void add_head(cJSON *d, const gt_scenario *sc, const gt_run_opts *o, gt_verdict v)
{
    add_int(d, "schema_version", GT_SCHEMA_VERSION);
    cJSON_AddStringToObject(d, "kind", "scenario");
    cJSON_AddStringToObject(d, "gauntlet_version", GT_VERSION);
    cJSON_AddStringToObject(d, "name", sc->name);
    cJSON_AddStringToObject(d, "description", sc->description ? sc->description : "");
    cJSON_AddStringToObject(d, "file", sc->file);
    add_int(d, "line", sc->line);
    cJSON *tags = cJSON_AddArrayToObject(d, "tags");
    for (int i = 0; i < sc->ntags; i++)
        cJSON_AddItemToArray(tags, cJSON_CreateString(sc->tags[i]));
    gt__json_add_seed(d, "seed", o->seed);
    cJSON_AddStringToObject(d, "mode", gt_mode_name(o->mode));
    cJSON_AddStringToObject(d, "verdict", gt_verdict_name(v));
    cJSON_AddStringToObject(d, "replay", o->replay ? o->replay : "");
}

static void add_target(cJSON *d, const gt_scenario *sc)
{
    cJSON *t = cJSON_AddObjectToObject(d, "target");
    const gt_target_spec *ts = &sc->target;
    cJSON *bugs = cJSON_CreateArray();
    unsigned bits = ts->kind == GT_TARGET_POOL ? ts->pool.bugs : ts->pipeline.bugs;
    bits |= ts->dep.client.bugs | ts->front.bugs;
    for (int b = 0; b < SVC_BUG__COUNT; b++)
        if (bits & SVC_BUG(b))
            cJSON_AddItemToArray(bugs, cJSON_CreateString(svc_bug_name((svc_bug)b)));
    if (ts->kind == GT_TARGET_POOL) {
        cJSON_AddStringToObject(t, "kind", "pool");
        cJSON_AddStringToObject(t, "name", ts->pool.name ? ts->pool.name : "pool");
        add_int(t, "workers", ts->pool.workers);
        add_int(t, "queue", ts->pool.queue);
    } else {
        cJSON_AddStringToObject(t, "kind", "pipeline");
        cJSON_AddStringToObject(t, "name", ts->pipeline.name ? ts->pipeline.name : "pipeline");
        cJSON *st = cJSON_AddArrayToObject(t, "stages");
        for (int k = 0; k < ts->pipeline.nstages; k++)
            cJSON_AddItemToArray(st, cJSON_CreateString(ts->stages[k].name));
    }
    cJSON_AddItemToObject(t, "bugs", bugs);
    cJSON_AddBoolToObject(t, "dependency", ts->dep.on);
    cJSON_AddBoolToObject(t, "via_front", sc->load.on && sc->load.via_front);
}

static void add_checks(cJSON *d, const gt_world *w)
{
    cJSON *a = cJSON_AddArrayToObject(d, "checks");
    for (int i = 0; i < w->nout; i++) {
        const gt_outcome *o = &w->out[i];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", o->name);
        cJSON_AddStringToObject(c, "check", gt_check_name(o->kind));
        cJSON_AddBoolToObject(c, "ok", o->ok);
        cJSON_AddStringToObject(c, "measured", o->measured);
        cJSON_AddStringToObject(c, "bound", o->bound);
        cJSON_AddStringToObject(c, "detail", o->detail ? o->detail : "");
        add_int(c, "line", o->line);
        cJSON_AddItemToArray(a, c);
    }
}

static const char *phase_names[] = {
#define GT__X(id, name, text) name,
    GT_PHASES(GT__X)
#undef GT__X
};

static void add_phases(cJSON *d, const gt_world *w)
{
    cJSON *p = cJSON_AddObjectToObject(d, "phases");
    for (int k = 0; k < GT_PHASE__COUNT; k++) {
        if (w->phase[k][0] < 0) {
            cJSON_AddNullToObject(p, phase_names[k]);
            continue;
        }
        cJSON *a = cJSON_CreateArray();
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)w->phase[k][0]));
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)w->phase[k][1]));
        cJSON_AddItemToObject(p, phase_names[k], a);
    }
    if (!w->have_rec) {
        cJSON_AddNullToObject(d, "recovery");
        return;
    }
    static const char *metrics[] = {
#define GT__X(id, name, text) name,
        GT_METRICS(GT__X)
#undef GT__X
    };
    const gt_check_spec *c = w->rec_spec;
    cJSON *r = cJSON_AddObjectToObject(d, "recovery");
    cJSON_AddStringToObject(r, "metric", metrics[c ? c->metric : GT_METRIC_THROUGHPUT]);
    add_int(r, "cleared_ns", w->last_clear);
    cJSON_AddBoolToObject(r, "recovered", w->rec.recovered);
    if (w->rec.have_band) {
        cJSON_AddNumberToObject(r, "band_lo", w->rec.lo);
        cJSON_AddNumberToObject(r, "band_hi", w->rec.hi);
    }
    if (w->rec.recovered) {
        add_int(r, "at_ns", w->rec.at);
        add_int(r, "time_ns", w->rec.time);
    }
}

static cJSON *hist_obj(const gt_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    add_int(o, "n", (int64_t)h->n);
    add_int(o, "p50_ns", gt__hist_quantile(h, 0.50));
    add_int(o, "p90_ns", gt__hist_quantile(h, 0.90));
    add_int(o, "p99_ns", gt__hist_quantile(h, 0.99));
    add_int(o, "max_ns", h->max);
    return o;
}

static void add_summary(cJSON *d, const gt_world *w)
{
    cJSON *s = cJSON_AddObjectToObject(d, "summary");
    cJSON *j = cJSON_AddObjectToObject(s, "jobs");
    add_int(j, "total", (int64_t)w->sum.jobs);
    for (int k = 0; k < SVC_JOB__COUNT; k++)
        add_int(j, svc_job_state_name((svc_job_state)k), (int64_t)w->sum.by_state[k]);
    add_int(j, "executions", (int64_t)w->sum.execs);
    add_int(j, "duplicated", (int64_t)w->sum.duplicated);
    add_int(j, "never_run", (int64_t)w->sum.never_run);
    add_int(j, "retried", (int64_t)w->sum.retried);
    cJSON *r = cJSON_AddObjectToObject(s, "requests");
    add_int(r, "ok", (int64_t)w->req_ok);
    add_int(r, "failed", (int64_t)w->req_err);
    cJSON_AddItemToObject(s, "latency", hist_obj(&w->lat_all));
    cJSON *t = cJSON_AddObjectToObject(s, "tasks");
    gr_sched_stats ss;
    gr_sched_stats_get(w->s, &ss);
    add_int(t, "peak", (int64_t)w->live_peak);
    add_int(t, "leaked", (int64_t)w->nleaks);
    add_int(t, "spawned", (int64_t)ss.spawned);
    cJSON *st = cJSON_AddObjectToObject(s, "stop");
    add_int(st, "rc", w->stop_rc);
    add_int(st, "stop_ns", w->st.stop_at ? w->st.stop_at - w->t0 : -1);
    add_int(st, "cancel_ns", w->st.cancel_at ? w->st.cancel_at - w->t0 : -1);
    add_int(st, "exited_ns", w->st.exited_at ? w->st.exited_at - w->t0 : -1);
    add_int(st, "dropped", (int64_t)w->st.stop_dropped);
    uint64_t panics = 0;
    for (int k = 0; k < GR_PANIC__COUNT; k++)
        panics += gr_sched_panic_count(w->s, (gr_panic)k);
    add_int(s, "panics", (int64_t)panics);
    add_int(s, "trace_hash_hi", (int64_t)(gr_sched_trace_hash(w->s) >> 32));
    add_int(s, "trace_hash_lo", (int64_t)(gr_sched_trace_hash(w->s) & 0xffffffff));
}

static void add_leaks(cJSON *d, const gt_world *w)
{
    cJSON *a = cJSON_AddArrayToObject(d, "leaks");
    for (size_t i = 0; i < w->nleaks && i < GT_LEAKS_MAX; i++) {
        const gr_task_info *t = &w->leaks[i];
        cJSON *o = cJSON_CreateObject();
        char buf[256];
        add_int(o, "id", (int64_t)t->id);
        cJSON_AddStringToObject(o, "name", t->name);
        snprintf(buf, sizeof buf, "%s:%d", t->file ? t->file : "?", t->line);
        cJSON_AddStringToObject(o, "spawned_at", buf);
        cJSON_AddStringToObject(o, "state", gr_task_state_name(t->state));
        gr_task_blocked_on(t, buf, sizeof buf);
        cJSON_AddStringToObject(o, "blocked_on", buf);
        add_int(o, "age_ns", w->end_now + w->t0 - t->created);
        add_int(o, "blocked_ns", t->state == GR_TASK_BLOCKED ? w->end_now + w->t0 - t->blocked_since : 0);
        cJSON_AddItemToArray(a, o);
    }
    add_int(d, "leaks_total", (int64_t)w->nleaks);
}

static cJSON *profile_obj(const gt_profile *p)
{
    if (!p->taken)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_int(o, "at_ns", p->at);
    add_int(o, "live", (int64_t)p->live);
    cJSON *g = cJSON_AddArrayToObject(o, "groups");
    for (int i = 0; i < p->n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "spawned_at", p->g[i].site);
        cJSON_AddStringToObject(e, "state", p->g[i].state);
        cJSON_AddStringToObject(e, "blocked_on", p->g[i].blocked_on);
        cJSON_AddBoolToObject(e, "load", p->g[i].load);
        add_int(e, "count", (int64_t)p->g[i].count);
        cJSON_AddItemToArray(g, e);
    }
    add_int(o, "other", (int64_t)p->other);
    return o;
}

static void add_faults(cJSON *d, const gt_world *w)
{
    cJSON *f = cJSON_AddObjectToObject(d, "faults");
    cJSON *win = cJSON_AddArrayToObject(f, "windows");
    for (int i = 0; i < w->nwin; i++) {
        const gt_window *wn = &w->win[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "point", wn->point);
        cJSON_AddStringToObject(o, "kind", inj_kind_name(wn->kind));
        cJSON_AddStringToObject(o, "detail", wn->detail);
        add_int(o, "from_ns", wn->from);
        add_int(o, "to_ns", wn->to == GR_FOREVER ? -1 : wn->to);
        add_int(o, "line", wn->line);
        cJSON_AddItemToArray(win, o);
    }
    inj_count cnt[256];
    size_t nc = inj_counts(w->j, cnt, 256);
    cJSON *ca = cJSON_AddArrayToObject(f, "counts");
    for (size_t i = 0; i < nc && i < 256; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "point", cnt[i].point);
        cJSON_AddStringToObject(o, "kind", inj_kind_name(cnt[i].kind));
        add_int(o, "count", (int64_t)cnt[i].count);
        cJSON_AddItemToArray(ca, o);
    }
    add_int(f, "counts_total", (int64_t)nc); /* pairs: more than listed when capped */
    static inj_event ev[GT_EVENTS_DOC];
    size_t total = inj_events(w->j, ev, GT_EVENTS_DOC);
    cJSON *ea = cJSON_AddArrayToObject(f, "events");
    for (size_t i = 0; i < total && i < GT_EVENTS_DOC; i++) {
        cJSON *o = cJSON_CreateObject();
        add_int(o, "t_ns", ev[i].time - w->t0);
        cJSON_AddStringToObject(o, "point", ev[i].point);
        cJSON_AddStringToObject(o, "kind", inj_kind_name(ev[i].kind));
        add_int(o, "task", (int64_t)ev[i].task);
        cJSON_AddStringToObject(o, "task_name", ev[i].task_name);
        cJSON_AddStringToObject(o, "detail", ev[i].detail);
        cJSON_AddItemToArray(ea, o);
    }
    add_int(f, "events_total", (int64_t)total);
}

static void add_series(cJSON *d, const gt_world *w)
{
    cJSON *s = cJSON_AddObjectToObject(d, "series");
    add_int(s, "step_ns", w->step);
    struct { const char *k; const gt_col *c; } cols[] = {
        {"t_ns", &w->t},           {"completed", &w->completed}, {"failed", &w->failed},
        {"rejected", &w->rejected}, {"cancelled", &w->cancelled}, {"in_flight", &w->in_flight},
        {"live_tasks", &w->live},  {"blocked_tasks", &w->blocked}, {"fault_firings", &w->firings},
        {"requests_ok", &w->ok_req}, {"requests_failed", &w->err_req},
        {"latency_p50_ns", &w->p50}, {"latency_p90_ns", &w->p90}, {"latency_p99_ns", &w->p99},
        {"latency_max_ns", &w->pmax}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        cJSON_AddItemToObject(s, cols[i].k, col_array(cols[i].c));
    cJSON *q = cJSON_AddObjectToObject(s, "queues");
    for (int i = 0; i < w->nq; i++) {
        cJSON *o = cJSON_AddObjectToObject(q, w->qname[i]);
        add_int(o, "cap", (int64_t)w->qcap[i]);
        add_int(o, "peak", (int64_t)w->qpeak[i]);
        cJSON_AddItemToObject(o, "depth", col_array(&w->qdepth[i]));
    }
}

static char *print(cJSON *d)
{
    char *s = d ? cJSON_PrintUnformatted(d) : NULL;
    cJSON_Delete(d);
    return s;
}

char *gt__doc_build(gt_world *w, gt_verdict v)
{
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    add_head(d, w->sc, w->o, v);
    cJSON_AddStringToObject(d, "reason", v == GT_VERDICT_ERROR ? w->error : "");
    add_int(d, "virtual_ns", w->end_now);
    add_int(d, "end_ns", w->end);
    add_target(d, w->sc);
    add_checks(d, w);
    add_phases(d, w);
    add_summary(d, w);
    add_leaks(d, w);
    cJSON *p = cJSON_AddObjectToObject(d, "profile");
    cJSON_AddItemToObject(p, "peak", profile_obj(&w->peak));
    cJSON_AddItemToObject(p, "end", profile_obj(&w->final));
    add_faults(d, w);
    add_series(d, w);
    cJSON *wall = cJSON_AddObjectToObject(d, "wall");
    add_int(wall, "duration_ns", w->wall_ns);
    return print(d);
}

char *gt__doc_error(const gt_scenario *sc, const gt_run_opts *o, const char *reason,
                    const char *output, int64_t wall_ns)
{
    cJSON *d = cJSON_CreateObject();
    if (!d)
        return NULL;
    add_head(d, sc, o, GT_VERDICT_ERROR);
    cJSON_AddStringToObject(d, "reason", reason ? reason : "");
    cJSON_AddStringToObject(d, "output", output ? output : "");
    add_int(d, "virtual_ns", 0);
    add_target(d, sc);
    cJSON_AddArrayToObject(d, "checks");
    cJSON *wall = cJSON_AddObjectToObject(d, "wall");
    add_int(wall, "duration_ns", wall_ns);
    return print(d);
}
