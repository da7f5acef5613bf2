/* sample.c — the sampler: every `sample` interval of the scenario clock it
 * records the target's counters, queue depths, live and blocked tasks,
 * the latency of the requests answered in that interval and the fault
 * firings; plus the task profiles (tasks grouped by spawn site and what
 * they block on). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/world.h"

bool gt__is_harness_task(const gr_task_info *ti)
{
    return strncmp(ti->name, "gauntlet.", 9) == 0;
}

static bool is_load_task(const gr_task_info *ti) { return strncmp(ti->name, "load.", 5) == 0; }

/* The load's sink: every answered request. */
void gt__sample_sink(void *ctx, uint64_t id, int status, int64_t latency, int attempts)
{
    (void)id, (void)attempts;
    gt_world *w = ctx;
    gt__hist_add(&w->cur, latency);
    if (status == 0)
        w->cur_ok++, w->req_ok++;
    else
        w->cur_err++, w->req_err++;
    gt__col_push(&w->lat_t, gt__world_now(w));
    gt__col_push(&w->lat_v, status == 0 ? latency : -1 - latency); /* < 0: failed */
}

static int group_cmp(const void *a, const void *b)
{
    const gt_profile_group *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    int c = strcmp(x->site, y->site);
    return c ? c : strcmp(x->blocked_on, y->blocked_on);
}

/* Group the live tasks (the harness's own excluded) by spawn site, state
 * and what they block on; the biggest groups first. */
void gt__profile_take(gt_world *w, gt_profile *p)
{
    size_t n = gr_sched_tasks(w->s, 0, NULL, 0);
    gr_task_info *ti = n ? malloc(n * sizeof *ti) : NULL;
    if (n && !ti)
        return;
    n = gr_sched_tasks(w->s, 0, ti, n);
    gt_profile_group *all = calloc(n ? n : 1, sizeof *all);
    if (!all) {
        free(ti);
        return;
    }
    size_t ng = 0;
    uint64_t live = 0;
    for (size_t i = 0; i < n; i++) {
        if (gt__is_harness_task(&ti[i]))
            continue;
        live++;
        gt_profile_group g = {.count = 1, .load = is_load_task(&ti[i])};
        snprintf(g.site, sizeof g.site, "%s:%d", ti[i].file ? ti[i].file : "?", ti[i].line);
        gr_task_blocked_on(&ti[i], g.blocked_on, sizeof g.blocked_on);
        snprintf(g.state, sizeof g.state, "%s", gr_task_state_name(ti[i].state));
        size_t k = 0;
        while (k < ng && (strcmp(all[k].site, g.site) || strcmp(all[k].blocked_on, g.blocked_on) ||
                          strcmp(all[k].state, g.state)))
            k++;
        if (k == ng)
            all[ng++] = g;
        else
            all[k].count++;
    }
    qsort(all, ng, sizeof *all, group_cmp);
    p->taken = true;
    p->at = gt__world_now(w);
    p->live = live;
    p->n = ng < GT_PROFILE_MAX ? (int)ng : GT_PROFILE_MAX;
    memcpy(p->g, all, (size_t)p->n * sizeof *all);
    p->other = 0;
    for (size_t k = (size_t)p->n; k < ng; k++)
        p->other += all[k].count;
    free(all);
    free(ti);
}

static void sample_queues(gt_world *w)
{
    if (!w->target)
        return;
    svc_queue_info q[GT_QUEUES_MAX];
    size_t n = svc_queues(w->target, q, GT_QUEUES_MAX);
    if (n > GT_QUEUES_MAX)
        n = GT_QUEUES_MAX;
    for (size_t i = 0; i < n; i++) {
        if ((int)i >= w->nq) { /* a queue seen for the first time: zeros before */
            snprintf(w->qname[i], sizeof w->qname[i], "%s", q[i].name);
            while (w->qdepth[i].n + 1 < w->t.n)
                gt__col_push(&w->qdepth[i], 0);
            w->nq = (int)i + 1;
        }
        w->qcap[i] = q[i].cap;
        w->qpeak[i] = q[i].peak;
        gt__col_push(&w->qdepth[i], (int64_t)q[i].len);
    }
}

/* Tasks of the target (its workers, parts, per-job tasks, the dependency
 * and the front), the harness's own and the load generator's left out. */
static void count_tasks(gt_world *w, int64_t *live, int64_t *blocked)
{
    size_t n = gr_sched_tasks(w->s, 0, NULL, 0);
    if (n > w->scan_cap) {
        gr_task_info *p = realloc(w->scan, n * sizeof *p);
        if (!p)
            return;
        w->scan = p;
        w->scan_cap = n;
    }
    n = gr_sched_tasks(w->s, 0, w->scan, n);
    *live = *blocked = 0;
    for (size_t i = 0; i < n; i++) {
        if (gt__is_harness_task(&w->scan[i]) || is_load_task(&w->scan[i]))
            continue;
        ++*live;
        *blocked += w->scan[i].state == GR_TASK_BLOCKED;
    }
}

static void sample(gt_world *w)
{
    svc_stats st = {0};
    if (w->target)
        svc_stats_get(w->target, &st);
    int64_t live = 0, blocked = 0;
    count_tasks(w, &live, &blocked);
    gt__col_push(&w->t, gt__world_now(w));
    gt__col_push(&w->completed, (int64_t)(st.completed - w->last.completed));
    gt__col_push(&w->failed, (int64_t)(st.failed - w->last.failed));
    gt__col_push(&w->rejected, (int64_t)(st.rejected - w->last.rejected));
    gt__col_push(&w->cancelled, (int64_t)(st.cancelled - w->last.cancelled));
    gt__col_push(&w->in_flight, (int64_t)(st.queued + st.running));
    gt__col_push(&w->live, live);
    gt__col_push(&w->blocked, blocked);
    uint64_t fired = inj_events(w->j, NULL, 0);
    gt__col_push(&w->firings, (int64_t)(fired - w->last_firings));
    gt__col_push(&w->ok_req, (int64_t)w->cur_ok);
    gt__col_push(&w->err_req, (int64_t)w->cur_err);
    gt__col_push(&w->p50, gt__hist_quantile(&w->cur, 0.50));
    gt__col_push(&w->p90, gt__hist_quantile(&w->cur, 0.90));
    gt__col_push(&w->p99, gt__hist_quantile(&w->cur, 0.99));
    gt__col_push(&w->pmax, w->cur.max);
    sample_queues(w);
    memset(&w->cur, 0, sizeof w->cur);
    w->cur_ok = w->cur_err = 0;
    w->last = st;
    w->last_firings = fired;
    if (live > 0 && (uint64_t)live > w->live_peak) {
        w->live_peak = (uint64_t)live;
        gt__profile_take(w, &w->peak);
    }
}

void gt__sampler(void *arg)
{
    gt_world *w = arg;
    int64_t next = w->t0;
    for (;;) {
        next += w->step;
        gr_sleep_until(next);
        sample(w);
        if (!w->sampling)
            break;
    }
    gr_gate_open(w->sampled);
}

void gt__sample_free(gt_world *w)
{
    gt_col *cols[] = {&w->t, &w->completed, &w->failed, &w->rejected, &w->cancelled,
                      &w->in_flight, &w->live, &w->blocked, &w->firings, &w->ok_req,
                      &w->err_req, &w->p50, &w->p90, &w->p99, &w->pmax, &w->lat_t, &w->lat_v};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        free(cols[i]->v);
    for (int i = 0; i < GT_QUEUES_MAX; i++)
        free(w->qdepth[i].v);
    free(w->scan);
}
