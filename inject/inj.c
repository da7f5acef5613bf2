/* inj.c — the injector: validating and arming fault specs on libfiu,
 * deciding at a point which armed faults fire, and applying them. */
#define FIU_ENABLE 1
#include <errno.h>
#include <fiu-control.h>
#include <fiu.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject/inj_int.h"

/* Where tasks wait for one fault (block / full) at one concrete point. */
typedef struct fault_gate {
    struct fault_gate *next;
    inj_kind kind;
    char *point;
    gr_gate *gate;
} fault_gate;

/* An armed spec. */
typedef struct fault {
    struct fault *next;
    int handle;
    inj_spec spec;          /* spec.point == point */
    char *point;
    uint64_t hits, fired;
    uint64_t rng;           /* its own stream: seed x identity */
    fault_gate *gates;
} fault;

/* A point name enabled in libfiu, shared by the faults that use it. */
typedef struct fiu_name {
    struct fiu_name *next;
    char *name;
    int refs;
} fiu_name;

/* One firing decided at a point, copied out of its fault, so applying it
 * (which may sleep or park) never touches a fault disarmed meanwhile: the
 * fault is found again by handle when its gate is needed. */
typedef struct firing {
    inj_kind kind;
    int handle;
    int64_t delay;
    int err;
    inj_phase phase;
    int64_t bytes;
    int64_t until;
} firing;

struct inj {
    inj_head head;          /* first: what INJ_POINT reads inline */
    gr_sched *s;
    uint64_t seed;
    fault *faults;          /* in arming order */
    size_t nfaults;
    int next_handle;
    fiu_name *names;
    struct armed_before {   /* per (point, kind): how many were ever armed */
        struct armed_before *next;
        char *point;
        inj_kind kind;
        uint64_t n;
    } *history;
    gr_gate **retired;      /* gates of disarmed faults, freed once empty */
    size_t nretired, retired_cap;
    inj__log log;
    struct {                /* the hit being decided: inj_hit -> fiu -> on_fiu */
        const char *name;   /* the concrete point (libfiu passes the enabled
                               name, which may be a pattern) */
        const inj_point_def *def;
        bool can_block;
        unsigned only;      /* INJ_BIT(...) of the kinds evaluated; 0: all */
        firing *out;
        size_t n, cap;
    } cur;
};

/* libfiu's state is process-wide: one injector at a time. */
static bool injector_exists, fiu_ready;

/* ---------------------------------------------------------------- PRNG */

static uint64_t mix(uint64_t x) /* splitmix64's finaliser */
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t next_u64(fault *f) /* wyrand */
{
    f->rng += UINT64_C(0xa0761d6478bd642f);
    unsigned __int128 m = (unsigned __int128)f->rng * (f->rng ^ UINT64_C(0xe7037ed1a0b428db));
    return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

static double unit(fault *f) /* [0, 1) */
{
    return (double)(next_u64(f) >> 11) * 0x1.0p-53;
}

/* How many faults with this point and kind were armed before (ever, not
 * just now: a disarm must not make two armed faults share a stream). */
static int armed_before(inj *j, const inj_spec *sp, uint64_t *n)
{
    struct armed_before *a;
    for (a = j->history; a; a = a->next)
        if (a->kind == sp->kind && strcmp(a->point, sp->point) == 0)
            break;
    if (!a) {
        if (!(a = calloc(1, sizeof *a)) || !(a->point = strdup(sp->point))) {
            free(a);
            return -ENOMEM;
        }
        a->kind = sp->kind;
        a->next = j->history;
        j->history = a;
    }
    *n = a->n++;
    return 0;
}

/* The stream of a fault: the run seed, its point and kind, and how many
 * identical faults were armed before it. Nothing else, so arming another
 * fault never shifts it. */
static uint64_t stream_seed(const inj *j, const inj_spec *sp, uint64_t dup)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (const char *c = sp->point; *c; c++)
        h = (h ^ (unsigned char)*c) * UINT64_C(1099511628211);
    return mix(j->seed ^ mix(h ^ mix((uint64_t)sp->kind ^ mix(dup))));
}

/* ---------------------------------------------------------------- arming */

static void sweep_retired(inj *j)
{
    size_t keep = 0;
    for (size_t i = 0; i < j->nretired; i++) {
        if (gr_gate_waiting(j->retired[i]) == 0)
            gr_gate_release(j->retired[i]);
        else
            j->retired[keep++] = j->retired[i]; /* woken, not resumed yet */
    }
    j->nretired = keep;
}

static void retire(inj *j, gr_gate *g)
{
    gr_gate_open(g); /* releases its tasks: disarming clears the fault */
    if (j->nretired == j->retired_cap) {
        size_t cap = j->retired_cap ? j->retired_cap * 2 : 8;
        gr_gate **r = realloc(j->retired, cap * sizeof *r);
        if (!r)
            return; /* left to the scheduler, which owns every gate */
        j->retired = r;
        j->retired_cap = cap;
    }
    j->retired[j->nretired++] = g;
}

static int on_fiu(const char *name, int *failnum, void **failinfo, unsigned int *flags);

static int fiu_ref(inj *j, const char *point)
{
    for (fiu_name *n = j->names; n; n = n->next)
        if (strcmp(n->name, point) == 0) {
            n->refs++;
            return 0;
        }
    fiu_name *n = calloc(1, sizeof *n);
    if (!n || !(n->name = strdup(point))) {
        free(n);
        return -ENOMEM;
    }
    if (fiu_enable_external(point, 1, j, 0, on_fiu) != 0) {
        free(n->name);
        free(n);
        return -EIO;
    }
    n->refs = 1;
    n->next = j->names;
    j->names = n;
    return 0;
}

static void fiu_unref(inj *j, const char *point)
{
    for (fiu_name **p = &j->names; *p; p = &(*p)->next)
        if (strcmp((*p)->name, point) == 0) {
            if (--(*p)->refs > 0)
                return;
            fiu_name *n = *p;
            *p = n->next;
            fiu_disable(n->name);
            free(n->name);
            free(n);
            return;
        }
}

/* The armed set changed: tell the runtime and the marked sites. */
static void changed(inj *j)
{
    j->head.any = j->nfaults > 0;
    j->head.gen++;
    gr_sched_faults_changed(j->s, j->head.any);
}

int inj_arm(inj *j, const inj_spec *spec, char *err, size_t errlen)
{
    if (!j || !spec)
        return inj__fail(err, errlen, "spec: required");
    int rc = inj__validate(spec, err, errlen);
    if (rc < 0)
        return rc;
    fault *f = calloc(1, sizeof *f);
    if (!f || !(f->point = strdup(spec->point))) {
        free(f);
        return -ENOMEM;
    }
    f->spec = *spec;
    f->spec.point = f->point;
    if ((rc = fiu_ref(j, f->point)) < 0) {
        free(f->point);
        free(f);
        return inj__fail(err, errlen, "point: libfiu refused \"%s\"", spec->point), rc;
    }
    uint64_t dup; /* last, so a failed arm consumes no identity */
    if ((rc = armed_before(j, spec, &dup)) < 0) {
        fiu_unref(j, f->point);
        free(f->point);
        free(f);
        return rc;
    }
    f->rng = stream_seed(j, &f->spec, dup);
    f->handle = ++j->next_handle;
    fault **tail = &j->faults;
    while (*tail)
        tail = &(*tail)->next;
    *tail = f;
    j->nfaults++;
    changed(j);
    return f->handle;
}

static void fault_free(inj *j, fault *f)
{
    for (fault_gate *g = f->gates, *nx; g; g = nx) {
        nx = g->next;
        retire(j, g->gate);
        free(g->point);
        free(g);
    }
    fiu_unref(j, f->point);
    free(f->point);
    free(f);
}

int inj_disarm(inj *j, int handle)
{
    if (!j)
        return -EINVAL;
    for (fault **p = &j->faults; *p; p = &(*p)->next)
        if ((*p)->handle == handle) {
            fault *f = *p;
            *p = f->next;
            j->nfaults--;
            fault_free(j, f);
            sweep_retired(j);
            changed(j);
            return 0;
        }
    return -ENOENT;
}

int inj_clear(inj *j)
{
    if (!j)
        return -EINVAL;
    int n = 0;
    while (j->faults) {
        inj_disarm(j, j->faults->handle);
        n++;
    }
    return n;
}

size_t inj_list(const inj *j, inj_armed *out, size_t max)
{
    size_t n = 0;
    for (const fault *f = j ? j->faults : NULL; f; f = f->next, n++)
        if (n < max)
            out[n] = (inj_armed){f->handle, f->spec, f->hits, f->fired};
    return n;
}

bool inj_any_armed(const inj *j) { return j && j->nfaults; }


/* ---------------------------------------------------------------- deciding */

static bool fires(fault *f)
{
    const inj_spec *sp = &f->spec;
    if (sp->nth && f->hits % sp->nth)
        return false;
    if (sp->first && f->hits > sp->first)
        return false;
    if (sp->max && f->fired >= sp->max)
        return false;
    if (sp->p >= 1.0)
        return true;
    return sp->p > 0.0 && unit(f) < sp->p;
}

static int64_t delay_of(fault *f)
{
    double jit = (double)f->spec.jitter, x;
    switch (f->spec.dist) {
    case INJ_DIST_UNIFORM:
        return f->spec.by + (int64_t)(unit(f) * jit);
    case INJ_DIST_EXPONENTIAL:
        x = -log1p(-unit(f)) * jit;
        return f->spec.by + (int64_t)(x < 20 * jit ? x : 20 * jit);
    default:
        return f->spec.by;
    }
}

/* The gate where f holds tasks at point (created on first use). */
static gr_gate *gate_of(fault *f, inj_kind kind, const char *point)
{
    for (fault_gate *g = f->gates; g; g = g->next)
        if (g->kind == kind && strcmp(g->point, point) == 0)
            return g->gate;
    fault_gate *g = calloc(1, sizeof *g);
    if (!g || !(g->point = strdup(point)) ||
        gr_gate_create(&g->gate, point, kind == INJ_BLOCK ? GR_WAIT_FAULT_BLOCK
                                                          : GR_WAIT_FAULT_FULL) < 0) {
        if (g)
            free(g->point);
        free(g);
        return NULL;
    }
    g->kind = kind;
    g->next = f->gates;
    f->gates = g;
    return g->gate;
}

static void dur_text(char *buf, size_t len, int64_t ns)
{
    static const struct { int64_t unit; const char *name; } units[] = {
        {GR_S(1), "s"}, {GR_MS(1), "ms"}, {GR_US(1), "us"}};
    for (size_t i = 0; i < 3; i++)
        if (ns && ns % units[i].unit == 0) {
            snprintf(buf, len, "%lld%s", (long long)(ns / units[i].unit), units[i].name);
            return;
        }
    snprintf(buf, len, "%lldns", (long long)ns);
}

static void detail_of(const firing *fr, char *buf, size_t len)
{
    char d[32];
    const char *e = fr->err ? strerrorname_np(fr->err) : NULL;
    switch (fr->kind) {
    case INJ_DELAY:
        dur_text(d, sizeof d, fr->delay);
        snprintf(buf, len, "delay %s", d);
        break;
    case INJ_ERROR:
    case INJ_SPAWN_FAIL:
        snprintf(buf, len, "%s %s", inj_kind_name(fr->kind), e ? e : "?");
        break;
    case INJ_DROP:
        snprintf(buf, len, "drop %s", inj_phase_name(fr->phase));
        break;
    case INJ_SHORT:
        snprintf(buf, len, "short %lld bytes", (long long)fr->bytes);
        break;
    default:
        snprintf(buf, len, "%s", inj_kind_name(fr->kind));
    }
}

/* f fired at point: snapshot what applying it needs, and log it. */
static void record(inj *j, fault *f, const char *point, int64_t now)
{
    if (j->cur.n == j->cur.cap) {
        size_t cap = j->cur.cap ? j->cur.cap * 2 : 8;
        firing *o = realloc(j->cur.out, cap * sizeof *o);
        if (!o)
            return;
        j->cur.out = o;
        j->cur.cap = cap;
    }
    inj_kind k = f->spec.kind;
    firing fr = {.kind = k, .handle = f->handle, .phase = f->spec.phase,
                 .bytes = f->spec.bytes, .until = f->spec.to};
    if (k == INJ_DELAY)
        fr.delay = delay_of(f);
    if (k == INJ_ERROR || k == INJ_SPAWN_FAIL)
        fr.err = f->spec.err ? f->spec.err : EAGAIN;
    j->cur.out[j->cur.n++] = fr;
    char detail[64] = "";
    if (inj__log_keeps(&j->log)) /* past the cap only counts are kept */
        detail_of(&fr, detail, sizeof detail);
    inj__log_add(&j->log, now, k, point, detail);
}

/* libfiu's callback at an enabled point: every armed fault that matches the
 * point is a hit; record those that fire. Returns whether any did. Called
 * from inj_hit, or by anyone calling fiu_fail on a name of ours (then as a
 * non-blocking hit whose effects are logged but not applied). */
static int on_fiu(const char *enabled, int *failnum, void **failinfo, unsigned int *flags)
{
    (void)failnum, (void)flags;
    inj *j = *failinfo;
    if (!j->cur.name) {
        j->cur.def = inj_catalog_find(enabled);
        j->cur.can_block = false;
        j->cur.n = 0;
    }
    const char *name = j->cur.name ? j->cur.name : enabled;
    int64_t now = gr_now();
    for (fault *f = j->faults; f; f = f->next) {
        inj_kind k = f->spec.kind;
        if (!inj__spec_matches(f->point, name) ||
            (j->cur.def && !(j->cur.def->kinds & INJ_BIT(k))) ||
            (!j->cur.can_block && (k == INJ_DELAY || k == INJ_BLOCK)) ||
            (j->cur.only && !(j->cur.only & INJ_BIT(k))) ||
            now < f->spec.from || (f->spec.to != GR_FOREVER && now >= f->spec.to))
            continue;
        f->hits++;
        if (fires(f)) {
            f->fired++;
            record(j, f, name, now);
        }
    }
    return j->cur.n > 0;
}

/* ---------------------------------------------------------------- applying */

/* The gate where the fault that made firing fr holds tasks at point, or
 * NULL if that fault has been disarmed (cleared) meanwhile. */
static gr_gate *firing_gate(inj *j, const firing *fr, const char *point)
{
    for (fault *f = j->faults; f; f = f->next)
        if (f->handle == fr->handle)
            return gate_of(f, fr->kind, point);
    return NULL;
}

/* The earlier of two deadlines (GR_FOREVER is the latest). */
static int64_t earlier(int64_t a, int64_t b)
{
    return a == GR_FOREVER ? b : b == GR_FOREVER ? a : a < b ? a : b;
}

static int apply(inj *j, const firing *fr, const char *point, bool can_block,
                 int64_t deadline, inj_outcome *o, int rc)
{
    gr_gate *g;
    int w = 0; /* -ETIMEDOUT when a wait is cut short by the deadline */
    o->fired |= INJ_BIT(fr->kind);
    switch (fr->kind) {
    case INJ_DELAY: {
        int64_t end = gr_deadline_in(fr->delay);
        gr_sleep_until(earlier(end, deadline));
        if (deadline != GR_FOREVER && end > deadline)
            w = -ETIMEDOUT;
        break;
    }
    case INJ_BLOCK:
        if ((g = firing_gate(j, fr, point)))
            w = gr_gate_wait(g, deadline);
        break;
    case INJ_FULL:
        if (can_block && (g = firing_gate(j, fr, point)) &&
            gr_gate_wait(g, earlier(fr->until, deadline)) < 0 && deadline != GR_FOREVER &&
            (fr->until == GR_FOREVER || deadline < fr->until))
            w = -ETIMEDOUT;
        break;
    case INJ_ERROR:
    case INJ_SPAWN_FAIL:
        if (!rc)
            rc = o->err = -fr->err;
        break;
    case INJ_DROP:
        o->phase = fr->phase;
        break;
    case INJ_SHORT:
        o->bytes = fr->bytes;
        break;
    default:
        break;
    }
    return rc ? rc : w;
}

int inj_hit(inj *j, const char *name, bool can_block, inj_outcome *out)
{
    return inj_hit_by(j, name, can_block, GR_FOREVER, out);
}

int inj_hit_by(inj *j, const char *name, bool can_block, int64_t deadline, inj_outcome *out)
{
    inj_outcome o = {0};
    int rc = 0;
    if (j && name && j->nfaults) {
        j->cur.name = name;
        j->cur.def = inj_catalog_find(name);
        j->cur.can_block = can_block;
        j->cur.n = 0;
        fiu_fail(name); /* -> on_fiu fills j->cur.out */
        j->cur.name = NULL;
        size_t n = j->cur.n;
        firing small[4], *fs = n <= 4 ? small : malloc(n * sizeof *fs);
        if (!fs) {
            fs = small;
            n = 4;
        }
        if (n)
            memcpy(fs, j->cur.out, n * sizeof *fs); /* applying may yield */
        for (size_t i = 0; i < n; i++)
            rc = apply(j, &fs[i], name, can_block, deadline, &o, rc);
        if (fs != small)
            free(fs);
    }
    if (out)
        *out = o;
    return rc;
}

/* ---------------------------------------------------------------- the runtime's hook */

/* Does any armed fault apply at the concrete point name? */
static bool armed_at(const inj *j, const char *name)
{
    const inj_point_def *def = inj_catalog_find(name);
    for (const fault *f = j->faults; f; f = f->next)
        if (inj__spec_matches(f->point, name) && (!def || (def->kinds & INJ_BIT(f->spec.kind))))
            return true;
    return false;
}

static bool hook_armed(void *ctx, const char *name)
{
    return armed_at(ctx, name);
}

int inj_site_hit(inj *j, inj_site *site, bool can_block, inj_outcome *out)
{
    if (site->gen != j->head.gen) {
        site->gen = j->head.gen;
        site->armed = armed_at(j, site->name);
    }
    if (!site->armed)
        return 0; /* out untouched, as when INJ_POINT does not call us */
    return inj_hit(j, site->name, can_block, out);
}

/* A select's send case at name: evaluate the `full` faults there alone
 * (hits counted, firings logged); if one fires, *until is the earliest end
 * of the windows of those that fired. */
static bool hook_full(void *ctx, const char *name, int64_t *until)
{
    inj *j = ctx;
    if (!j->nfaults)
        return false;
    j->cur.name = name;
    j->cur.def = inj_catalog_find(name);
    j->cur.can_block = false;
    j->cur.only = INJ_BIT(INJ_FULL);
    j->cur.n = 0;
    fiu_fail(name); /* -> on_fiu fills j->cur.out */
    j->cur.name = NULL;
    j->cur.only = 0;
    int64_t u = GR_FOREVER;
    for (size_t i = 0; i < j->cur.n; i++)
        u = earlier(u, j->cur.out[i].until);
    *until = u;
    return j->cur.n > 0;
}

static int hook_hit(void *ctx, const char *name, bool can_block, int64_t deadline,
                    gr_fault_res *res)
{
    inj_outcome o;
    int rc = inj_hit_by(ctx, name, can_block, deadline, &o);
    res->full = !can_block && (o.fired & INJ_BIT(INJ_FULL));
    res->drop = o.fired & INJ_BIT(INJ_DROP);
    if (o.fired & INJ_BIT(INJ_SHORT))
        res->short_bytes = o.bytes;
    return rc;
}

/* ---------------------------------------------------------------- lifecycle */

int inj_create(inj **out, gr_sched *s, const inj_opts *opts)
{
    if (!out || !s)
        return -EINVAL;
    if (injector_exists)
        return -EBUSY;
    if (!fiu_ready) {
        if (fiu_init(0) != 0)
            return -EIO;
        fiu_ready = true;
    }
    inj *j = calloc(1, sizeof *j);
    if (!j)
        return -ENOMEM;
    j->s = s;
    j->seed = opts ? opts->seed : 0;
    j->log.max = opts && opts->log_max ? opts->log_max : 100000;
    j->head.gen = 1; /* sites start at 0: the first check asks */
    gr_fault_hook h = {.armed = hook_armed, .hit = hook_hit, .full = hook_full, .ctx = j};
    gr_sched_set_fault_hook(s, &h);
    injector_exists = true;
    *out = j;
    return 0;
}

void inj_release(inj *j)
{
    if (!j)
        return;
    inj_clear(j);
    sweep_retired(j);
    free(j->retired);
    gr_sched_set_fault_hook(j->s, NULL);
    inj__log_free(&j->log);
    for (struct armed_before *a = j->history, *nx; a; a = nx) {
        nx = a->next;
        free(a->point);
        free(a);
    }
    free(j->cur.out);
    free(j);
    injector_exists = false;
}

/* ---------------------------------------------------------------- log access */

size_t inj_events(const inj *j, inj_event *out, size_t max)
{
    if (!j)
        return 0;
    size_t n = j->log.kept < max ? j->log.kept : max;
    if (n)
        memcpy(out, j->log.ev, n * sizeof *out);
    return (size_t)j->log.total;
}

size_t inj_counts(const inj *j, inj_count *out, size_t max)
{
    if (!j)
        return 0;
    for (size_t i = 0; i < j->log.ncounts && i < max; i++)
        out[i] = (inj_count){j->log.counts[i].point, j->log.counts[i].kind, j->log.counts[i].count};
    return j->log.ncounts;
}
