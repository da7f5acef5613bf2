/* judge.c — after a run: its phases, its recovery, and every check the
 * scenario states, each with what it measured, its bound and a detail. A
 * check that could not measure anything fails and says why. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/world.h"

#define GT_SMOOTH_NS INT64_C(100000000) /* 100 ms */

void gt__fmt_ns(char *buf, size_t len, int64_t ns)
{
    double v = (double)ns;
    if (ns < 0)
        snprintf(buf, len, "never");
    else if (ns < 1000)
        snprintf(buf, len, "%lldns", (long long)ns);
    else if (ns < 1000000)
        snprintf(buf, len, "%.4gus", v / 1e3);
    else if (ns < 1000000000)
        snprintf(buf, len, "%.4gms", v / 1e6);
    else
        snprintf(buf, len, "%.4gs", v / 1e9);
}

static const char *phase_name(gt_phase p)
{
    static const char *const names[] = {
#define GT__X(id, name, text) name,
        GT_PHASES(GT__X)
#undef GT__X
    };
    return names[p];
}

static const char *metric_name(gt_metric m)
{
    static const char *const names[] = {
#define GT__X(id, name, text) name,
        GT_METRICS(GT__X)
#undef GT__X
    };
    return names[m];
}

/* ---------------------------------------------------------------- outcomes */

static gt_outcome *outcome(gt_world *w, const gt_check_spec *c, const char *label)
{
    gt_outcome *o = realloc(w->out, (size_t)(w->nout + 1) * sizeof *o);
    if (!o)
        return NULL;
    w->out = o;
    o = &w->out[w->nout++];
    *o = (gt_outcome){.name = label, .kind = c ? c->kind : GT_CHECK_CUSTOM, .line = c ? c->line : 0};
    return o;
}

static void detail(gt_outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void detail(gt_outcome *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = NULL;
    if (vasprintf(&d, fmt, ap) < 0)
        d = NULL;
    va_end(ap);
    free(o->detail);
    o->detail = d;
}

static void verdict_ns(gt_outcome *o, int64_t measured, int64_t bound)
{
    gt__fmt_ns(o->measured, sizeof o->measured, measured);
    gt__fmt_ns(o->bound, sizeof o->bound, bound);
    o->ok = measured >= 0 && measured <= bound;
}

/* ---------------------------------------------------------------- phases */

double *gt__metric_series(const gt_world *w, gt_metric m, size_t *n)
{
    *n = w->t.n;
    double *v = malloc((*n ? *n : 1) * sizeof *v);
    if (!v)
        return NULL;
    double step_s = (double)w->step / 1e9;
    for (size_t i = 0; i < *n; i++) {
        switch (m) {
        case GT_METRIC_THROUGHPUT: v[i] = (double)w->completed.v[i] / step_s; break;
        case GT_METRIC_LATENCY_P99: v[i] = (double)w->p99.v[i]; break;
        case GT_METRIC_LIVE_TASKS: v[i] = (double)w->live.v[i]; break;
        default: {
            int64_t a = w->ok_req.v[i], b = w->err_req.v[i];
            v[i] = a + b ? (double)b / (double)(a + b) : 0;
        }
        }
    }
    return v;
}

static void fault_span(gt_world *w)
{
    w->first_fault = -1;
    w->last_clear = 0;
    for (int i = 0; i < w->nwin; i++) {
        const gt_window *wn = &w->win[i];
        if (wn->from >= w->end_now || (wn->to != GR_FOREVER && wn->to <= wn->from))
            continue; /* never active during the run (or cleared before it opened) */
        if (w->first_fault < 0 || wn->from < w->first_fault)
            w->first_fault = wn->from;
        if (wn->to == GR_FOREVER || wn->to >= w->end_now)
            w->last_clear = GR_FOREVER;
        else if (w->last_clear != GR_FOREVER && wn->to > w->last_clear)
            w->last_clear = wn->to;
    }
}

/* A trailing moving average over k samples: per-interval counts are
 * coarse (at 1000 jobs/s, a 10 ms interval holds 9, 10 or 11 of them,
 * already +-10%), so the band is held against a smoothed metric. */
static void smooth(double *v, size_t n, size_t k)
{
    double sum = 0, *raw = malloc(n * sizeof *raw);
    if (!raw || k < 2) {
        free(raw);
        return;
    }
    memcpy(raw, v, n * sizeof *raw);
    for (size_t i = 0; i < n; i++) {
        sum += raw[i];
        if (i >= k)
            sum -= raw[i - k];
        v[i] = sum / (double)(i + 1 < k ? i + 1 : k);
    }
    free(raw);
}

/* The recovery of a metric, from the last fault's clearing, smoothed over
 * GT_SMOOTH_NS (at most the hold). */
static void recovery(gt_world *w, gt_metric m, double tol, int64_t hold, gt_recovery *r)
{
    memset(r, 0, sizeof *r);
    if (w->first_fault < 0 || w->last_clear == GR_FOREVER)
        return;
    size_t n;
    double *v = gt__metric_series(w, m, &n);
    if (!v)
        return;
    int64_t win = hold < GT_SMOOTH_NS ? hold : GT_SMOOTH_NS;
    smooth(v, n, (size_t)(win / w->step));
    gt_series s = {.v = v, .n = n, .t0 = 0, .step = w->step};
    int64_t until = w->load_until > 0 && w->load_until < w->end ? w->load_until : w->end;
    gt__recovery(&s, w->first_fault, w->last_clear, until, tol, hold, r);
    free(v);
}

static void phases(gt_world *w)
{
    int64_t e = w->end;
    for (int p = 0; p < GT_PHASE__COUNT; p++)
        w->phase[p][0] = -1, w->phase[p][1] = -1;
    w->phase[GT_PHASE_ALL][0] = 0, w->phase[GT_PHASE_ALL][1] = e;
    if (w->first_fault < 0) { /* no fault: baseline and steady are the run */
        w->phase[GT_PHASE_BASELINE][0] = 0, w->phase[GT_PHASE_BASELINE][1] = e;
        w->phase[GT_PHASE_STEADY][0] = 0, w->phase[GT_PHASE_STEADY][1] = e;
        return;
    }
    w->phase[GT_PHASE_BASELINE][0] = 0, w->phase[GT_PHASE_BASELINE][1] = w->first_fault;
    int64_t clear = w->last_clear == GR_FOREVER ? e : w->last_clear;
    w->phase[GT_PHASE_FAULT][0] = w->first_fault, w->phase[GT_PHASE_FAULT][1] = clear;
    if (w->last_clear == GR_FOREVER)
        return;
    const gt_check_spec *c = w->rec_spec;
    recovery(w, c ? c->metric : GT_METRIC_THROUGHPUT, c ? c->tolerance : 0.10,
             c ? c->hold : 200000000, &w->rec);
    w->have_rec = true;
    int64_t at = w->rec.recovered ? w->rec.at : e;
    w->phase[GT_PHASE_RECOVERY][0] = clear, w->phase[GT_PHASE_RECOVERY][1] = at;
    if (w->rec.recovered)
        w->phase[GT_PHASE_STEADY][0] = at, w->phase[GT_PHASE_STEADY][1] = e;
}

/* ---------------------------------------------------------------- checks */

static void check_leaks(gt_world *w, gt_outcome *o)
{
    snprintf(o->measured, sizeof o->measured, "%zu tasks", w->nleaks);
    snprintf(o->bound, sizeof o->bound, "0 tasks");
    o->ok = w->nleaks == 0;
    if (o->ok)
        return;
    char line[512], buf[2048] = "";
    for (size_t i = 0; i < w->nleaks && i < 5; i++) {
        gr_task_format(&w->leaks[i], w->end_now + w->t0, line, sizeof line);
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "; " : "", line);
    }
    detail(o, "%s%s", buf, w->nleaks > 5 ? "; ..." : "");
}

static void check_lost(gt_world *w, gt_outcome *o)
{
    uint64_t lost = w->sum.by_state[SVC_JOB_ACCEPTED];
    snprintf(o->measured, sizeof o->measured, "%llu jobs", (unsigned long long)lost);
    snprintf(o->bound, sizeof o->bound, "0 jobs");
    o->ok = w->sum.jobs > 0 && lost == 0;
    if (w->sum.jobs == 0) {
        snprintf(o->measured, sizeof o->measured, "-");
        detail(o, "no job was submitted: nothing to check");
        return;
    }
    if (lost == 0) {
        detail(o, "%llu jobs, every one final", (unsigned long long)w->sum.jobs);
        return;
    }
    svc_job_rec *r = malloc(w->sum.jobs * sizeof *r);
    size_t n = r ? svc_ledger_jobs(w->ledger, r, w->sum.jobs) : 0;
    char buf[512] = "";
    int shown = 0;
    for (size_t i = 0; i < n && shown < 8; i++)
        if (r[i].state == SVC_JOB_ACCEPTED)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%llu", shown++ ? ", " : "",
                     (unsigned long long)r[i].id);
    free(r);
    detail(o, "still accepted after stop: ids %s%s", buf, lost > 8 ? ", ..." : "");
}

static void check_once(gt_world *w, gt_outcome *o)
{
    const svc_ledger_sum *s = &w->sum;
    snprintf(o->measured, sizeof o->measured, "%llu duplicated, %llu never ran",
             (unsigned long long)s->duplicated, (unsigned long long)s->never_run);
    snprintf(o->bound, sizeof o->bound, "0");
    o->ok = s->jobs > 0 && s->duplicated == 0 && s->never_run == 0;
    if (s->jobs == 0) {
        snprintf(o->measured, sizeof o->measured, "-");
        detail(o, "no job was submitted: nothing to check");
    }
    else
        detail(o, "%llu jobs, %llu executions, %llu retried", (unsigned long long)s->jobs,
               (unsigned long long)s->execs, (unsigned long long)s->retried);
}

static void check_max_tasks(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    int64_t peak = (int64_t)w->live_peak; /* sampled: the target's tasks */
    snprintf(o->measured, sizeof o->measured, "%lld tasks", (long long)peak);
    snprintf(o->bound, sizeof o->bound, "%.0f tasks", c->x);
    o->ok = (double)peak <= c->x;
    const gt_profile_group *g = NULL; /* the biggest group of the target's */
    for (int i = 0; w->peak.taken && i < w->peak.n && !g; i++)
        g = w->peak.g[i].load ? NULL : &w->peak.g[i];
    if (g)
        detail(o, "peak at %.3fs; the biggest group then: %llu x %s (%s, %s)", (double)w->peak.at / 1e9,
               (unsigned long long)g->count, g->site, g->state, g->blocked_on);
}

static void check_queue(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    snprintf(o->bound, sizeof o->bound, "%.0f jobs", c->x);
    for (int i = 0; i < w->nq; i++)
        if (strcmp(w->qname[i], c->chan) == 0) {
            snprintf(o->measured, sizeof o->measured, "%llu jobs", (unsigned long long)w->qpeak[i]);
            o->ok = (double)w->qpeak[i] <= c->x;
            detail(o, "peak depth of queue \"%s\" (capacity %llu)", c->chan,
                   (unsigned long long)w->qcap[i]);
            return;
        }
    snprintf(o->measured, sizeof o->measured, "-");
    detail(o, "the target has no queue \"%s\"", c->chan);
}

static void check_recovery(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    gt__fmt_ns(o->bound, sizeof o->bound, c->d);
    snprintf(o->measured, sizeof o->measured, "-");
    if (w->first_fault < 0)
        return detail(o, "no fault was active during the run: nothing to recover from");
    if (w->last_clear == GR_FOREVER)
        return detail(o, "the faults never cleared before the end of the run");
    gt_recovery r;
    recovery(w, c->metric, c->tolerance, c->hold, &r);
    if (!r.have_band)
        return detail(o, "no baseline: no sample before the first fault at %.3fs",
                      (double)w->first_fault / 1e9);
    if (!r.recovered) {
        snprintf(o->measured, sizeof o->measured, "never");
        return detail(o, "%s never stayed in its baseline band [%.4g, %.4g] for %.3fs after the "
                         "faults cleared at %.3fs", metric_name(c->metric), r.lo, r.hi,
                      (double)c->hold / 1e9, (double)w->last_clear / 1e9);
    }
    verdict_ns(o, r.time, c->d);
    detail(o, "%s back in [%.4g, %.4g] at %.3fs (faults cleared at %.3fs)", metric_name(c->metric),
           r.lo, r.hi, (double)r.at / 1e9, (double)w->last_clear / 1e9);
}

static void check_p99(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    gt__fmt_ns(o->bound, sizeof o->bound, c->d);
    snprintf(o->measured, sizeof o->measured, "-");
    int64_t a = w->phase[c->phase][0], b = w->phase[c->phase][1];
    if (a < 0)
        return detail(o, "the run had no %s phase", phase_name(c->phase));
    gt_hist h = {0};
    for (size_t i = 0; i < w->lat_t.n; i++)
        if (w->lat_t.v[i] >= a && (w->lat_t.v[i] < b || b == w->end))
            gt__hist_add(&h, w->lat_v.v[i] < 0 ? -1 - w->lat_v.v[i] : w->lat_v.v[i]);
    if (h.n == 0)
        return detail(o, "no request was answered in the %s phase", phase_name(c->phase));
    int64_t p99 = gt__hist_quantile(&h, 0.99);
    verdict_ns(o, p99, c->d);
    o->ok = p99 < c->d; /* strictly below */
    detail(o, "%llu requests in the %s phase [%.3fs, %.3fs)", (unsigned long long)h.n,
           phase_name(c->phase), (double)a / 1e9, (double)b / 1e9);
}

static void check_errors(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    uint64_t n = w->req_ok + w->req_err;
    snprintf(o->bound, sizeof o->bound, "%.4g", c->x);
    if (n == 0) {
        snprintf(o->measured, sizeof o->measured, "-");
        return detail(o, "no request was answered: nothing to measure");
    }
    double rate = (double)w->req_err / (double)n;
    snprintf(o->measured, sizeof o->measured, "%.4g", rate);
    o->ok = rate < c->x;
    detail(o, "%llu of %llu requests failed", (unsigned long long)w->req_err, (unsigned long long)n);
}

static void check_drain(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    const svc_stats *s = &w->st;
    gt__fmt_ns(o->bound, sizeof o->bound, c->d);
    snprintf(o->measured, sizeof o->measured, "-");
    if (!s->stop_at)
        return detail(o, "the target was never stopped");
    if (!s->exited_at)
        return detail(o, "tasks of the target never exited after stop");
    int64_t t = s->exited_at > s->stop_at ? s->exited_at - s->stop_at : 0;
    verdict_ns(o, t, c->d);
    if (s->cancel_at) {
        o->ok = false;
        return detail(o, "%s: work still in progress was cancelled at %.3fs",
                      s->cancel_at >= s->stop_at ? "stop's grace ran out" : "a stage failed before stop",
                      (double)(s->cancel_at - w->t0) / 1e9);
    }
    if (s->stop_dropped) { /* stop thought it had drained: it had not */
        o->ok = false;
        return detail(o, "stop cancelled %llu queued job%s without running them",
                      (unsigned long long)s->stop_dropped, s->stop_dropped == 1 ? "" : "s");
    }
    detail(o, "stopped at %.3fs, drained and every task exited at %.3fs",
           (double)(s->stop_at - w->t0) / 1e9, (double)(s->exited_at - w->t0) / 1e9);
}

static void check_cancel(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    const svc_stats *s = &w->st;
    gt__fmt_ns(o->bound, sizeof o->bound, c->d);
    snprintf(o->measured, sizeof o->measured, "-");
    if (!s->cancel_at)
        return detail(o, "nothing was cancelled: no stage failed and stop drained within its "
                         "grace (make the grace shorter than the work in flight)");
    if (!s->exited_at || s->exited_at < s->cancel_at) {
        snprintf(o->measured, sizeof o->measured, "never");
        return detail(o, "tasks of the target were still alive after the cancel at %.3fs",
                      (double)(s->cancel_at - w->t0) / 1e9);
    }
    verdict_ns(o, s->exited_at - s->cancel_at, c->d);
    detail(o, "cancelled at %.3fs, every task exited at %.3fs", (double)(s->cancel_at - w->t0) / 1e9,
           (double)(s->exited_at - w->t0) / 1e9);
}

/* Go's "all goroutines are asleep", for the target's tasks left after
 * stop: every one blocked, none on something that can still wake it (a
 * timer, the network, a fault being cleared), and some waiting on another
 * task. Or the whole world deadlocked during the run. */
static void check_deadlock(gt_world *w, gt_outcome *o)
{
    snprintf(o->bound, sizeof o->bound, "none");
    if (w->run_rc == -EDEADLK) {
        snprintf(o->measured, sizeof o->measured, "deadlock");
        return detail(o, "every task was blocked with no timer pending at %.3fs",
                      (double)w->end_now / 1e9);
    }
    size_t sync = 0, other = 0;
    for (size_t i = 0; i < w->nleaks; i++) {
        const gr_task_info *t = &w->leaks[i];
        bool waits_task = t->state == GR_TASK_BLOCKED &&
                          (t->wait == GR_WAIT_CHAN_SEND || t->wait == GR_WAIT_CHAN_RECV ||
                           t->wait == GR_WAIT_SELECT || t->wait == GR_WAIT_WG_WAIT ||
                           t->wait == GR_WAIT_SEM_ACQUIRE || t->wait == GR_WAIT_GROUP_GO ||
                           t->wait == GR_WAIT_GROUP_WAIT || t->wait == GR_WAIT_GATE);
        sync += waits_task;
        other += !waits_task;
    }
    bool dead = sync > 0 && other == 0;
    snprintf(o->measured, sizeof o->measured, dead ? "%zu tasks" : "none", sync);
    o->ok = !dead;
    if (dead)
        detail(o, "after stop, %zu tasks of the target wait on each other and nothing else is "
                  "left to wake them", sync);
}

static void check_panics(gt_world *w, gt_outcome *o)
{
    uint64_t n = 0;
    for (int k = 0; k < GR_PANIC__COUNT; k++)
        n += gr_sched_panic_count(w->s, (gr_panic)k);
    snprintf(o->measured, sizeof o->measured, "%llu", (unsigned long long)n);
    snprintf(o->bound, sizeof o->bound, "0");
    o->ok = n == 0;
    gr_panic_info pi[3];
    size_t k = gr_sched_panics(w->s, pi, 3);
    char buf[512] = "";
    for (size_t i = 0; i < k && i < 3; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s \"%s\" by %s at %.3fs",
                 i ? "; " : "", gr_panic_name(pi[i].kind), pi[i].obj, pi[i].task_name,
                 (double)(pi[i].time - w->t0) / 1e9);
    if (n)
        detail(o, "%s%s", buf, n > 3 ? "; ..." : "");
}

static void check_custom(gt_world *w, const gt_check_spec *c, gt_outcome *o)
{
    snprintf(o->bound, sizeof o->bound, "true");
    char err[1024];
    if (gt__push_run_table(w) < 0) {
        snprintf(o->measured, sizeof o->measured, "-");
        return detail(o, "could not build the run table (out of memory)");
    }
    if (gt__lua_call(w->f, c->fn_ref, err, sizeof err) < 0) {
        snprintf(o->measured, sizeof o->measured, "error");
        char *tb = strstr(err, "\nstack traceback:"); /* the detail is the message */
        if (tb)
            *tb = '\0';
        return detail(o, "%s", err);
    }
    lua_State *L = w->f->L;
    o->ok = lua_toboolean(L, -1);
    snprintf(o->measured, sizeof o->measured, "%s", luaL_typename(L, -1));
    if (lua_isboolean(L, -1) || lua_isnil(L, -1))
        snprintf(o->measured, sizeof o->measured, "%s", o->ok ? "true" : lua_isnil(L, -1) ? "nil" : "false");
    lua_pop(L, 1);
}

static void judge_one(gt_world *w, const gt_check_spec *c)
{
    gt_outcome *o = outcome(w, c, c->label);
    if (!o)
        return;
    switch (c->kind) {
    case GT_CHECK_NO_LEAKED_TASKS: check_leaks(w, o); break;
    case GT_CHECK_NO_LOST_JOBS: check_lost(w, o); break;
    case GT_CHECK_EXACTLY_ONCE: check_once(w, o); break;
    case GT_CHECK_MAX_TASKS: check_max_tasks(w, c, o); break;
    case GT_CHECK_BOUNDED_QUEUE: check_queue(w, c, o); break;
    case GT_CHECK_RECOVERY_WITHIN: check_recovery(w, c, o); break;
    case GT_CHECK_P99_BELOW: check_p99(w, c, o); break;
    case GT_CHECK_ERROR_RATE_BELOW: check_errors(w, c, o); break;
    case GT_CHECK_DRAINS_WITHIN: check_drain(w, c, o); break;
    case GT_CHECK_CANCEL_PROPAGATES_WITHIN: check_cancel(w, c, o); break;
    case GT_CHECK_NO_DEADLOCK: check_deadlock(w, o); break;
    case GT_CHECK_NO_PANICS: check_panics(w, o); break;
    default: check_custom(w, c, o); break;
    }
}

static void judge_expects(gt_world *w)
{
    for (int i = 0; i <= w->nexpects; i++) {
        gt_expect *e = i < w->nexpects ? &w->expects[i] : &w->expect_other;
        if (!e->n)
            continue;
        gt_outcome *o = outcome(w, NULL, e->msg);
        if (!o)
            return;
        o->ok = e->failed == 0;
        snprintf(o->measured, sizeof o->measured, "%llu of %llu held",
                 (unsigned long long)(e->n - e->failed), (unsigned long long)e->n);
        snprintf(o->bound, sizeof o->bound, "all");
        detail(o, "t:expect at %s", e->where);
    }
}

/* The target's tasks alive after the run. */
static void collect_leaks(gt_world *w)
{
    size_t n = gr_sched_tasks(w->s, 0, NULL, 0);
    w->leaks = malloc((n ? n : 1) * sizeof *w->leaks);
    if (!w->leaks)
        return;
    n = gr_sched_tasks(w->s, 0, w->leaks, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!gt__is_harness_task(&w->leaks[i]))
            w->leaks[k++] = w->leaks[i];
    }
    w->nleaks = k;
}

int gt__judge(gt_world *w)
{
    gr_sched_stats ss;
    gr_sched_stats_get(w->s, &ss);
    w->end_now = ss.now - w->t0;
    if (!w->ended)
        w->end = w->end_now; /* e.g. the world deadlocked */
    if (w->target && !w->st.stop_at)
        svc_stats_get(w->target, &w->st);
    svc_ledger_summary(w->ledger, &w->sum);
    collect_leaks(w);
    for (size_t i = 0; i < w->lat_v.n; i++)
        gt__hist_add(&w->lat_all, w->lat_v.v[i] < 0 ? -1 - w->lat_v.v[i] : w->lat_v.v[i]);
    for (int i = 0; i < w->sc->nchecks; i++)
        if (w->sc->checks[i].kind == GT_CHECK_RECOVERY_WITHIN && !w->rec_spec)
            w->rec_spec = &w->sc->checks[i];
    fault_span(w);
    phases(w);
    if (w->error[0])
        return 0; /* not judged: the verdict is error */
    for (int i = 0; i < w->sc->nchecks; i++)
        judge_one(w, &w->sc->checks[i]);
    judge_expects(w);
    if (w->nout == 0)
        snprintf(w->error, sizeof w->error,
                 "%s:%d: the scenario states no checks (checks = { ... } or t:expect): nothing "
                 "was judged", w->sc->file, w->sc->line);
    return 0;
}
