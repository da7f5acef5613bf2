/* compare.c — a suite against a baseline: per scenario (matched by id) the
 * verdict change and how recovery time, p99 latency and peak tasks moved.
 *
 * A value is worse when it grew by more than REL_PCT percent of the old
 * value and by more than the metric's floor, so sub-millisecond jitter of
 * a real-mode run is not a regression; better is the mirror image. A
 * recovery that became "never" is worse whatever the numbers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep_int.h"

#define REL_PCT 10
#define FLOOR_RECOVERY_NS INT64_C(10000000) /* 10 ms */
#define FLOOR_P99_NS INT64_C(1000000)       /* 1 ms */
#define FLOOR_TASKS 2

static int verdict_rank(const char *v)
{
    return !v ? -1 : strcmp(v, "pass") == 0 ? 0 : strcmp(v, "fail") == 0 ? 1 : 2;
}

/* Fill d from the two documents' values (have_*: present). */
static void judge(rep_delta *d, int64_t floor)
{
    if (!d->have_old || !d->have_new)
        return;
    int64_t o = d->old_v, n = d->new_v;
    if (o < 0 || n < 0) { /* -1: never recovered */
        d->worse = n < 0 && o >= 0;
        d->better = o < 0 && n >= 0;
        return;
    }
    int64_t margin = o / 100 * REL_PCT + o % 100 * REL_PCT / 100;
    if (margin < floor)
        margin = floor;
    d->worse = n - o > margin;
    d->better = o - n > margin;
}

/* The recovery time of doc: its time_ns, -1 when it never recovered,
 * absent when the run had no recovery to measure. */
static void recovery(const cJSON *doc, bool *have, int64_t *v)
{
    const cJSON *r = rep__get(doc, "recovery");
    *have = cJSON_IsObject(r);
    if (*have)
        *v = rep__bool(r, "recovered", false) ? rep__int(r, "time_ns", -1) : -1;
}

static void measure(rep_cmp *c, const cJSON *old_doc, const cJSON *new_doc)
{
    recovery(old_doc, &c->recovery_ns.have_old, &c->recovery_ns.old_v);
    recovery(new_doc, &c->recovery_ns.have_new, &c->recovery_ns.new_v);
    const cJSON *ol = rep__get(rep__get(old_doc, "summary"), "latency");
    const cJSON *nl = rep__get(rep__get(new_doc, "summary"), "latency");
    c->p99_ns.have_old = rep__int(ol, "n", 0) > 0;
    c->p99_ns.have_new = rep__int(nl, "n", 0) > 0;
    c->p99_ns.old_v = rep__int(ol, "p99_ns", 0);
    c->p99_ns.new_v = rep__int(nl, "p99_ns", 0);
    const cJSON *ot = rep__get(rep__get(old_doc, "summary"), "tasks");
    const cJSON *nt = rep__get(rep__get(new_doc, "summary"), "tasks");
    c->peak_tasks.have_old = rep__get(ot, "peak") != NULL;
    c->peak_tasks.have_new = rep__get(nt, "peak") != NULL;
    c->peak_tasks.old_v = rep__int(ot, "peak", 0);
    c->peak_tasks.new_v = rep__int(nt, "peak", 0);
    judge(&c->recovery_ns, FLOOR_RECOVERY_NS);
    judge(&c->p99_ns, FLOOR_P99_NS);
    judge(&c->peak_tasks, FLOOR_TASKS);
}

static void verdicts(rep_cmp *c)
{
    int o = verdict_rank(c->old_verdict), n = verdict_rank(c->new_verdict);
    bool worse = c->recovery_ns.worse || c->p99_ns.worse || c->peak_tasks.worse;
    bool better = c->recovery_ns.better || c->p99_ns.better || c->peak_tasks.better;
    c->regression = (o >= 0 && n > o) || (o < 0 && n > 0) || worse;
    c->improvement = !c->regression && ((n >= 0 && o > n) || better);
}

static const rep_scn *find(const rep_suite *s, const char *id)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(rep__str(s->scn[i].entry, "id", ""), id) == 0)
            return &s->scn[i];
    return NULL;
}

int rep_suite_compare(rep_suite *s, const rep_suite *base)
{
    free(s->cmp);
    s->cmp = calloc((size_t)(s->n + base->n) + 1, sizeof *s->cmp);
    s->ncmp = 0;
    if (!s->cmp)
        return -ENOMEM;
    int bad = 0;
    for (int i = 0; i < s->n; i++) {
        rep_cmp *c = &s->cmp[s->ncmp++];
        const rep_scn *now = &s->scn[i];
        c->id = rep__str(now->entry, "id", "");
        c->name = rep__str(now->entry, "name", "");
        c->new_verdict = rep__str(now->entry, "verdict", NULL);
        const rep_scn *was = find(base, c->id);
        c->old_verdict = was ? rep__str(was->entry, "verdict", NULL) : NULL;
        if (was)
            measure(c, was->doc, now->doc);
        verdicts(c);
        bad += c->regression;
    }
    for (int i = 0; i < base->n; i++) {
        const rep_scn *was = &base->scn[i];
        const char *id = rep__str(was->entry, "id", "");
        if (find(s, id))
            continue;
        rep_cmp *c = &s->cmp[s->ncmp++];
        c->id = id;
        c->name = rep__str(was->entry, "name", "");
        c->old_verdict = rep__str(was->entry, "verdict", NULL);
    }
    return bad;
}

const rep_cmp *rep_suite_comparison(const rep_suite *s, int *n)
{
    *n = s->ncmp;
    return s->ncmp ? s->cmp : NULL;
}
