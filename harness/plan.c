/* plan.c — the jobs of a run (seeds, ids, watchdog timeouts, replay
 * commands) and the small text helpers the runner writes them with. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness/gt_int.h"

#define ID_BASE_MAX 100                   /* slug bytes before the hash */
#define TIMEOUT_BASE ((int64_t)60 * 1000000000)

/* ---------------------------------------------------------------- text */

void gt__slug(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    bool gap = false;
    if (cap == 0)
        return;
    for (; *s && n + 1 < cap; s++) {
        int ch = tolower((unsigned char)*s);
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        if (!keep) {
            gap = n > 0;
            continue;
        }
        if (gap && n + 2 < cap)
            out[n++] = '_';
        gap = false;
        out[n++] = (char)ch;
    }
    out[n] = '\0';
}

static bool shell_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_./:=@%+,-", *s))
            return false;
    return true;
}

/* s in single quotes, each ' as '\''. */
static char *single_quote(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    char *q = malloc(n), *w = q;
    if (!q)
        return NULL;
    *w++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(w, "'\\''", 4);
            w += 4;
        } else {
            *w++ = *p;
        }
    }
    *w++ = '\'';
    *w = '\0';
    return q;
}

char *gt__shell_quote(const char *s)
{
    return shell_safe(s) ? strdup(s) : single_quote(s);
}

char *gt__glob_escape(const char *s)
{
    char *q = malloc(2 * strlen(s) + 1), *w = q;
    if (!q)
        return NULL;
    for (; *s; s++) {
        if (strchr("*?[\\", *s))
            *w++ = '\\';
        *w++ = *s;
    }
    *w = '\0';
    return q;
}

char *gt__replay_command(const char *file, const char *name, uint64_t seed, gt_mode mode)
{
    char *glob = gt__glob_escape(name), *qf = gt__shell_quote(file), *out = NULL;
    char *qg = glob ? single_quote(glob) : NULL; /* the filter: always quoted */
    if (qf && qg &&
        asprintf(&out, "gauntlet run %s --filter %s --seed %" PRIu64 " --mode %s", qf, qg, seed,
                 gt_mode_name(mode)) < 0)
        out = NULL;
    free(glob), free(qf), free(qg);
    return out;
}

int gt__parse_u64(const char *s, uint64_t *out)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *d = hex ? s + 2 : s;
    if (!*d)
        return -EINVAL;
    for (const char *p = d; *p; p++)
        if (hex ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
            return -EINVAL;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(d, &end, hex ? 16 : 10);
    if (errno == ERANGE || *end)
        return -ERANGE;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- json */

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past the string starting at p (on its opening quote), or NULL. */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && !*++p)
            return NULL;
    return *p ? p + 1 : NULL;
}

/* Past the value starting at p, or NULL. */
static const char *skip_value(const char *p)
{
    if (*p == '"')
        return skip_string(p);
    if (*p != '{' && *p != '[') {
        while (*p && !strchr(",}] \t\r\n", *p))
            p++;
        return p;
    }
    int depth = 0;
    do {
        if (*p == '"') {
            if (!(p = skip_string(p)))
                return NULL;
            continue;
        }
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        p++;
    } while (*p && depth > 0);
    return depth == 0 ? p : NULL;
}

int gt__json_raw(const char *json, const char *key, char *out, size_t cap)
{
    const char *p = skip_ws(json);
    if (*p++ != '{')
        return -EINVAL;
    size_t klen = strlen(key);
    for (p = skip_ws(p); *p == '"'; p = skip_ws(p + 1)) {
        const char *k = p + 1, *ke = skip_string(p);
        if (!ke || *(p = skip_ws(ke)) != ':')
            return -EINVAL;
        const char *v = skip_ws(p + 1), *ve = skip_value(v);
        if (!ve || ve == v)
            return -EINVAL;
        if ((size_t)(ke - 1 - k) == klen && memcmp(k, key, klen) == 0) {
            if ((size_t)(ve - v) >= cap)
                return -ENAMETOOLONG;
            memcpy(out, v, (size_t)(ve - v));
            out[ve - v] = '\0';
            return 0;
        }
        if (*(p = skip_ws(ve)) != ',')
            return *p == '}' ? -ENOENT : -EINVAL;
    }
    return *p == '}' ? -ENOENT : -EINVAL;
}

/* ---------------------------------------------------------------- diff */

typedef struct differ {
    char *path;                 /* the caller's buffer */
    size_t pcap;
    char *values;
    size_t vcap;
} differ;

/* v printed short: at most 60 bytes of its JSON text ("(absent)": NULL). */
static void short_text(char *out, size_t cap, const cJSON *v)
{
    char *t = v ? cJSON_PrintUnformatted(v) : NULL;
    const char *s = v ? (t ? t : "?") : "(absent)";
    snprintf(out, cap, "%.60s%s", s, strlen(s) > 60 ? "..." : "");
    free(t);
}

static int report(differ *d, const cJSON *a, const cJSON *b)
{
    char ta[80], tb[80];
    short_text(ta, sizeof ta, a);
    short_text(tb, sizeof tb, b);
    if (!d->path[0])
        snprintf(d->path, d->pcap, "(document)");
    snprintf(d->values, d->vcap, "%s vs %s", ta, tb);
    return 1;
}

static int diff_item(differ *d, const cJSON *a, const cJSON *b, bool top);

/* Descend into member or element `step` ("name" or "[3]"). */
static int diff_step(differ *d, const char *step, bool member, const cJSON *a, const cJSON *b)
{
    size_t len = strlen(d->path);
    if (len < d->pcap)
        snprintf(d->path + len, d->pcap - len, "%s%s", member && len ? "." : "", step);
    int r = a && b ? diff_item(d, a, b, false) : report(d, a, b);
    if (r == 0 && len < d->pcap)
        d->path[len] = '\0';
    return r;
}

static int diff_object(differ *d, const cJSON *a, const cJSON *b, bool top)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, a)
    {
        if (top && strcmp(m->string, "wall") == 0)
            continue;
        if (diff_step(d, m->string, true, m, cJSON_GetObjectItemCaseSensitive(b, m->string)))
            return 1;
    }
    cJSON_ArrayForEach(m, b)
    {
        if (top && strcmp(m->string, "wall") == 0)
            continue;
        if (!cJSON_GetObjectItemCaseSensitive(a, m->string))
            return diff_step(d, m->string, true, NULL, m);
    }
    return 0;
}

static int diff_array(differ *d, const cJSON *a, const cJSON *b)
{
    int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);
    const cJSON *x = a->child, *y = b->child;
    for (int k = 0; k < (na > nb ? na : nb); k++) {
        char step[24];
        snprintf(step, sizeof step, "[%d]", k);
        if (diff_step(d, step, false, x, y))
            return 1;
        x = x ? x->next : NULL, y = y ? y->next : NULL;
    }
    return 0;
}

static int diff_item(differ *d, const cJSON *a, const cJSON *b, bool top)
{
    if ((a->type & 0xff) != (b->type & 0xff))
        return report(d, a, b);
    if (cJSON_IsObject(a))
        return diff_object(d, a, b, top);
    if (cJSON_IsArray(a))
        return diff_array(d, a, b);
    if (cJSON_IsNumber(a) && a->valuedouble != b->valuedouble)
        return report(d, a, b);
    if ((cJSON_IsString(a) || cJSON_IsRaw(a)) && strcmp(a->valuestring, b->valuestring) != 0)
        return report(d, a, b);
    return 0;
}

/* Numbers compare as doubles: two integers above 2^53 that round alike
 * would compare equal (the seeds of both runs are the same by
 * construction; times are far below 2^53 ns). */
int gt__doc_diff(const char *a, const char *b, char *path, size_t pcap, char *values,
                 size_t vcap)
{
    cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
    differ d = {.path = path, .pcap = pcap, .values = values, .vcap = vcap};
    path[0] = values[0] = '\0';
    int r = x && y ? diff_item(&d, x, y, true) : -EINVAL;
    cJSON_Delete(x);
    cJSON_Delete(y);
    return r;
}

/* ---------------------------------------------------------------- plan */

static uint32_t hash32(const char *a, const char *b)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const char *s = a;; s++) {
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
        if (!*s)
            break;
    }
    for (const char *s = b; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return (uint32_t)(h ^ (h >> 32));
}

/* slug(file without .lua)--slug(name), capped, plus a hash when capped or
 * when it would repeat an earlier scenario's. */
static void base_id(char *out, const gt_scenario *sc, char (*prev)[GT_ID_MAX], int nprev)
{
    char file[GT_ID_MAX], name[GT_ID_MAX];
    size_t fl = strlen(sc->file);
    if (fl > 4 && strcmp(sc->file + fl - 4, ".lua") == 0)
        fl -= 4;
    char *stem = strndup(sc->file, fl);
    gt__slug(file, sizeof file, stem ? stem : sc->file);
    free(stem);
    gt__slug(name, sizeof name, sc->name);
    char full[2 * GT_ID_MAX + 4];
    snprintf(full, sizeof full, "%s--%s", file, name);
    bool clash = strlen(full) > ID_BASE_MAX;
    for (int k = 0; k < nprev && !clash; k++)
        clash = strcmp(prev[k], full) == 0;
    full[ID_BASE_MAX] = '\0';
    memcpy(out, full, ID_BASE_MAX + 1);
    if (clash)
        snprintf(out + strlen(out), 10, "-%08" PRIx32, hash32(sc->file, sc->name));
    for (int k = 0, again = 2; k < nprev; k++)
        if (strcmp(prev[k], out) == 0) /* the same hash too: number it */
            snprintf(out + strlen(out), 12, "-%d", again++), k = -1;
}

static int64_t scenario_duration(const gt_scenario *sc)
{
    if (sc->duration > 0)
        return sc->duration;
    return sc->load.on ? sc->load.start + sc->load.cfg.duration : 0;
}

static uint64_t seed_of(const gt_scenario *sc, const gt_run_cfg *c, int nsel)
{
    if (c->has_seed)
        return nsel == 1 ? c->seed : gt_seed_derive(c->seed, sc->name);
    return sc->has_seed ? sc->seed : gt_seed_derive(c->seed, sc->name);
}

/* The variants sc runs in: with --mutants none (-1) then each bug that
 * applies to it, with --mutant B only B (none when B does not apply), else
 * just none. Returns how many, into v[SVC_BUG__COUNT + 1]. */
static int variants(const gt_scenario *sc, const gt_run_cfg *c, int *v)
{
    unsigned can = gt__bugs_applicable(sc);
    int n = 0;
    if (c->mutant >= 0) {
        if (can & SVC_BUG(c->mutant))
            v[n++] = c->mutant;
        return n;
    }
    v[n++] = -1;
    for (int b = 0; c->mutants && b < SVC_BUG__COUNT; b++)
        if (can & SVC_BUG(b))
            v[n++] = b;
    return n;
}

static int fill_job(gt_job *j, const gt_sel *p, const gt_run_cfg *c, const char *base,
                    uint64_t seed, int rep, int mutant)
{
    const gt_scenario *sc = &p->f->scn[p->i];
    j->f = p->f, j->i = p->i, j->seed = seed, j->rep = rep;
    j->matrix = c->mutants || c->mutant >= 0, j->mutant = mutant;
    j->mode = c->has_mode ? c->mode : sc->has_mode ? sc->mode : GT_MODE_SIM;
    j->timeout = c->timeout;
    if (j->timeout <= 0)
        j->timeout = TIMEOUT_BASE + (j->mode == GT_MODE_REAL ? 2 * scenario_duration(sc) : 0);
    int n = snprintf(j->id, sizeof j->id, "%s", base);
    if (c->has_seeds)
        n += snprintf(j->id + n, sizeof j->id - (size_t)n, "--s%" PRIu64, seed);
    if (c->repeat > 1)
        n += snprintf(j->id + n, sizeof j->id - (size_t)n, "--r%d", rep);
    if (mutant >= 0)
        snprintf(j->id + n, sizeof j->id - (size_t)n, "--m%s", svc_bug_name((svc_bug)mutant));
    j->replay = gt__replay_command(sc->file, sc->name, seed, j->mode);
    if (j->replay && mutant >= 0) { /* the same run, with the bug on */
        char *r = NULL;
        if (asprintf(&r, "%s --mutant %s", j->replay, svc_bug_name((svc_bug)mutant)) < 0)
            r = NULL;
        free(j->replay);
        j->replay = r;
    }
    return j->replay ? 0 : -ENOMEM;
}

static int plan_all(gt_job *jobs, const gt_suite *s, const gt_run_cfg *c,
                    char (*bases)[GT_ID_MAX], uint64_t nseeds)
{
    int n = 0, rc = 0, v[SVC_BUG__COUNT + 1];
    for (int k = 0; k < s->nsel && rc == 0; k++) {
        const gt_scenario *sc = &s->sel[k].f->scn[s->sel[k].i];
        base_id(bases[k], sc, bases, k);
        uint64_t one = seed_of(sc, c, s->nsel);
        int nv = variants(sc, c, v);
        for (uint64_t d = 0; d < nseeds && rc == 0; d++)
            for (int r = 1; r <= c->repeat && rc == 0; r++)
                for (int m = 0; m < nv && rc == 0; m++)
                    rc = fill_job(&jobs[n++], &s->sel[k], c, bases[k],
                                  c->has_seeds ? c->seeds_lo + d : one, r, v[m]);
    }
    return rc;
}

int gt__plan(gt_job **out, int *n, const gt_suite *s, const gt_run_cfg *c)
{
    uint64_t nseeds = c->has_seeds ? c->seeds_hi - c->seeds_lo + 1 : 1;
    uint64_t repeat = c->repeat > 0 ? (uint64_t)c->repeat : 1;
    uint64_t runs = 0; /* the scenarios' variants (mutants), summed */
    int v[SVC_BUG__COUNT + 1];
    for (int k = 0; k < s->nsel; k++)
        runs += (uint64_t)variants(&s->sel[k].f->scn[s->sel[k].i], c, v);
    if (nseeds == 0 || nseeds > GT_JOBS_MAX || repeat > GT_JOBS_MAX ||
        runs * nseeds * repeat > GT_JOBS_MAX)
        return -E2BIG;
    int total = (int)(runs * nseeds * repeat);
    gt_job *jobs = calloc((size_t)total + 1, sizeof *jobs);
    char(*bases)[GT_ID_MAX] = calloc((size_t)s->nsel + 1, sizeof *bases);
    gt_run_cfg one = *c;
    one.repeat = (int)repeat;
    int rc = jobs && bases ? plan_all(jobs, s, &one, bases, nseeds) : -ENOMEM;
    free(bases);
    if (rc < 0) {
        gt__jobs_release(jobs, total);
        return rc;
    }
    *out = jobs, *n = total;
    return 0;
}

void gt__jobs_release(gt_job *jobs, int n)
{
    if (!jobs)
        return;
    for (int k = 0; k < n; k++) {
        gt_job *j = &jobs[k];
        free(j->replay), free(j->reason), free(j->tail);
        free(j->docs[0]), free(j->docs[1]);
        for (int c = 0; c < j->nfailed; c++) {
            gt_job_check *f = &j->failed[c];
            free(f->name), free(f->measured), free(f->bound), free(f->detail);
        }
        free(j->failed);
    }
    free(jobs);
}
