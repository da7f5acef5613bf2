/* suite.c — `gauntlet run` and `gauntlet list` end to end: the run
 * directory, the per-scenario lines, suite.json, the summary, the exit
 * code. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/gt_int.h"

#define TAIL_SHOWN 10            /* output lines shown under an error */
#define FAILURES_SHOWN 20        /* failures detailed after the summary */

static const char *paint(const gt_run_cfg *c, gt_verdict v)
{
    static const char *const col[] = {"\033[32m", "\033[31m", "\033[1;31m"};
    return c->color ? col[v] : "";
}

static const char *verdict_word(gt_verdict v)
{
    return v == GT_VERDICT_PASS ? "PASS" : v == GT_VERDICT_FAIL ? "FAIL" : "ERROR";
}

void gt__job_line(FILE *out, const gt_job *j, const gt_run_cfg *c)
{
    fprintf(out, "%s%-5s%s %s  %.2fs  seed %" PRIu64, paint(c, j->verdict),
            verdict_word(j->verdict), c->color ? "\033[0m" : "", j->f->scn[j->i].name,
            (double)j->wall_ns / 1e9, j->seed);
    if (c->repeat > 1)
        fprintf(out, "  (run %d)", j->rep);
    if (j->mutant >= 0)
        fprintf(out, "  [mutant %s]", svc_bug_name((svc_bug)j->mutant));
    fputc('\n', out);
}

/* ---------------------------------------------------------------- suite.json */

/* An integer as exact JSON text (cJSON prints large doubles lossily). */
static bool add_int(cJSON *o, const char *key, int64_t v, bool is_unsigned)
{
    char buf[32];
    if (is_unsigned)
        snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)v);
    else
        snprintf(buf, sizeof buf, "%" PRId64, v);
    return cJSON_AddRawToObject(o, key, buf) != NULL;
}

static bool add_str(cJSON *o, const char *key, const char *s)
{
    return cJSON_AddStringToObject(o, key, s ? s : "") != NULL;
}

static bool add_failed(cJSON *e, const gt_job *j)
{
    cJSON *arr = cJSON_AddArrayToObject(e, "failed_checks");
    bool ok = arr != NULL;
    for (int k = 0; k < j->nfailed && ok; k++) {
        cJSON *fc = cJSON_CreateObject();
        ok = fc && cJSON_AddItemToArray(arr, fc);
        if (!ok) {
            cJSON_Delete(fc);
            break;
        }
        const gt_job_check *f = &j->failed[k];
        ok = add_str(fc, "name", f->name) && add_str(fc, "measured", f->measured) &&
             add_str(fc, "bound", f->bound) && add_str(fc, "detail", f->detail);
    }
    return ok;
}

static bool add_entry(cJSON *arr, const gt_job *j)
{
    const gt_scenario *sc = &j->f->scn[j->i];
    cJSON *e = cJSON_CreateObject();
    if (!e || !cJSON_AddItemToArray(arr, e)) {
        cJSON_Delete(e);
        return false;
    }
    char doc[GT_ID_MAX + 8];
    snprintf(doc, sizeof doc, "%s.json", j->id);
    bool ok = add_str(e, "id", j->id) && add_str(e, "name", sc->name) &&
              add_str(e, "file", sc->file) && add_int(e, "line", sc->line, false) &&
              add_int(e, "seed", (int64_t)j->seed, true) &&
              add_str(e, "mode", gt_mode_name(j->mode)) &&
              add_str(e, "verdict", gt_verdict_name(j->verdict));
    if (ok && j->verdict == GT_VERDICT_ERROR)
        ok = add_str(e, "reason", j->reason ? j->reason : "unknown");
    if (ok && j->matrix)
        ok = add_str(e, "mutant", j->mutant < 0 ? "none" : svc_bug_name((svc_bug)j->mutant));
    else if (ok)
        ok = cJSON_AddNullToObject(e, "mutant") != NULL;
    return ok && add_str(e, "document", doc) && add_int(e, "virtual_ns", j->virtual_ns, false) &&
           add_failed(e, j);
}

static bool add_counts(cJSON *root, const gt_job *jobs, int n, int64_t *virt)
{
    int count[3] = {0, 0, 0};
    *virt = 0;
    for (int k = 0; k < n; k++)
        count[jobs[k].verdict]++, *virt += jobs[k].virtual_ns;
    cJSON *o = cJSON_AddObjectToObject(root, "counts");
    return o && add_int(o, "pass", count[GT_VERDICT_PASS], false) &&
           add_int(o, "fail", count[GT_VERDICT_FAIL], false) &&
           add_int(o, "error", count[GT_VERDICT_ERROR], false) && add_int(o, "total", n, false);
}

/* The bugs of the mutant matrix (--mutants: all; --mutant B: B), each
 * with what it does, or null. */
static bool add_mutants(cJSON *root, const gt_run_cfg *c)
{
    if (!c->mutants && c->mutant < 0)
        return cJSON_AddNullToObject(root, "mutants") != NULL;
    static const char *const about[] = {
#define GT__X(id, name, text) text,
        SVC_BUGS(GT__X)
#undef GT__X
    };
    cJSON *arr = cJSON_AddArrayToObject(root, "mutants");
    bool ok = arr != NULL;
    for (int b = 0; b < SVC_BUG__COUNT && ok; b++) {
        if (!c->mutants && b != c->mutant)
            continue;
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o) && add_str(o, "bug", svc_bug_name((svc_bug)b)) &&
             add_str(o, "about", about[b]);
    }
    return ok;
}

/* "K/N" of --shard, or null. */
static bool add_shard(cJSON *root, const gt_run_cfg *c)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d/%d", c->shard_k, c->shard_n);
    return c->shard_n > 0 ? add_str(root, "shard", buf)
                          : cJSON_AddNullToObject(root, "shard") != NULL;
}

static cJSON *suite_doc(const gt_job *jobs, int n, const gt_run_cfg *c, const char *started_at,
                        int64_t wall_ns)
{
    cJSON *root = cJSON_CreateObject();
    int64_t virt = 0;
    bool ok = root && add_int(root, "schema_version", GT_SCHEMA_VERSION, false) &&
              add_str(root, "kind", "suite") && add_str(root, "gauntlet_version", GT_VERSION) &&
              add_int(root, "seed", (int64_t)c->seed, true) &&
              add_str(root, "mode", gt_mode_name(c->has_mode ? c->mode : GT_MODE_SIM)) &&
              add_str(root, "command", c->command) && add_shard(root, c) &&
              add_mutants(root, c) &&
              add_counts(root, jobs, n, &virt) &&
              add_int(root, "virtual_ns", virt, false);
    cJSON *arr = ok ? cJSON_AddArrayToObject(root, "scenarios") : NULL;
    ok = arr != NULL;
    for (int k = 0; k < n && ok; k++)
        ok = add_entry(arr, &jobs[k]);
    cJSON *wall = ok ? cJSON_AddObjectToObject(root, "wall") : NULL;
    ok = wall && add_str(wall, "started_at", started_at) &&
         add_int(wall, "duration_ns", wall_ns, false) && add_int(wall, "jobs", c->jobs, false);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int gt__suite_write(const gt_job *jobs, int n, const gt_run_cfg *c, const char *dir,
                    const char *started_at, int64_t wall_ns)
{
    cJSON *root = suite_doc(jobs, n, c, started_at, wall_ns);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return -ENOMEM;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/suite.json", dir);
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the NUL; the length below excludes it */
    int rc = rep_write_atomic(path, text, len + 1);
    free(text);
    return rc;
}

/* ---------------------------------------------------------------- summary */

/* The last TAIL_SHOWN lines of an error's output, indented. */
static void show_tail(FILE *out, const char *tail)
{
    if (!tail || !tail[0])
        return;
    const char *p = tail + strlen(tail);
    int lines = 0;
    while (p > tail && lines <= TAIL_SHOWN)
        if (*--p == '\n' && p[1] != '\0')
            lines++;
    if (lines > TAIL_SHOWN)
        p++;
    fputs("  output (last lines):\n", out);
    while (*p) {
        size_t n = strcspn(p, "\n");
        fprintf(out, "  | %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static void show_failure(FILE *out, const gt_job *j, const gt_run_cfg *c)
{
    const gt_scenario *sc = &j->f->scn[j->i];
    fprintf(out, "\n%s%-5s%s %s:%d: %s  (seed %" PRIu64 ", %s", paint(c, j->verdict),
            verdict_word(j->verdict), c->color ? "\033[0m" : "", sc->file, sc->line, sc->name,
            j->seed, gt_mode_name(j->mode));
    if (c->repeat > 1)
        fprintf(out, ", run %d", j->rep);
    fputs(")\n", out);
    if (j->verdict == GT_VERDICT_ERROR)
        fprintf(out, "  %s\n", j->reason ? j->reason : "error");
    for (int k = 0; k < j->nfailed; k++) {
        const gt_job_check *f = &j->failed[k];
        fprintf(out, "  failed %s: measured %s, bound %s%s%s\n", f->name, f->measured, f->bound,
                f->detail && f->detail[0] ? " - " : "", f->detail ? f->detail : "");
    }
    if (j->verdict == GT_VERDICT_ERROR)
        show_tail(out, j->tail);
    fprintf(out, "  replay: %s\n", j->replay);
}

void gt__summary(FILE *out, const gt_job *jobs, int n, const gt_run_cfg *c, const char *dir,
                 int64_t wall_ns)
{
    int count[3] = {0, 0, 0};
    int64_t virt = 0;
    for (int k = 0; k < n; k++)
        count[jobs[k].verdict]++, virt += jobs[k].virtual_ns;
    fprintf(out, "%d scenario%s: %d passed, %d failed, %d error%s in %.2fs (virtual %.1fs)\n", n,
            n == 1 ? "" : "s", count[GT_VERDICT_PASS], count[GT_VERDICT_FAIL],
            count[GT_VERDICT_ERROR], count[GT_VERDICT_ERROR] == 1 ? "" : "s",
            (double)wall_ns / 1e9, (double)virt / 1e9);
    int bad = 0, shown = 0;
    for (int k = 0; k < n; k++) /* a bug's failures are the matrix's (below) */
        bad += jobs[k].verdict != GT_VERDICT_PASS && (jobs[k].mutant < 0 || !c->mutants);
    for (int k = 0; k < n && shown < FAILURES_SHOWN; k++)
        if (jobs[k].verdict != GT_VERDICT_PASS && (jobs[k].mutant < 0 || !c->mutants))
            show_failure(out, &jobs[k], c), shown++;
    if (bad > shown)
        fprintf(out, "\n... and %d more (suite.json lists them all)\n", bad - shown);
    if (bad > 0)
        fputc('\n', out);
    fprintf(out, "results: %s/suite.json\n", dir);
}

/* ---------------------------------------------------------------- run */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* out/<YYYYmmdd-HHMMSS-pid>, made; and the start time in ISO 8601. */
static int make_run_dir(const gt_run_cfg *c, char *dir, char *run, char *iso)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32], off[8];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(run, 64, "%s-%ld", stamp, (long)getpid());
    strftime(iso, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(off, sizeof off, "%z", &tm); /* +hhmm: written +hh:mm */
    snprintf(iso + strlen(iso), 16, "%.3s:%.2s", off, off + 3);
    size_t n = strlen(c->out);
    while (n > 1 && c->out[n - 1] == '/')
        n--;
    if (snprintf(dir, PATH_MAX, "%.*s/%s", (int)n, c->out, run) >= PATH_MAX)
        return -ENAMETOOLONG;
    int rc = rep_make_dirs(dir);
    if (rc < 0)
        fprintf(stderr, "gauntlet: %s: %s\n", dir, strerror(-rc));
    return rc;
}

/* out/latest -> <run>, replaced atomically (a temp link renamed over it). */
static void point_latest(const char *dir, const char *run)
{
    char tmp[PATH_MAX], latest[PATH_MAX];
    size_t base = strlen(dir) - strlen(run);
    snprintf(tmp, sizeof tmp, "%.*s.latest-%ld", (int)base, dir, (long)getpid());
    snprintf(latest, sizeof latest, "%.*slatest", (int)base, dir);
    unlink(tmp);
    if (symlink(run, tmp) != 0 || rename(tmp, latest) != 0) {
        fprintf(stderr, "gauntlet: warning: cannot point %s at %s: %s\n", latest, run,
                strerror(errno));
        unlink(tmp);
    }
}

static int exit_code(const gt_job *jobs, int n, bool bad_input, int rc)
{
    bool failed = false, internal = rc < 0;
    for (int k = 0; k < n; k++) {
        failed |= jobs[k].verdict != GT_VERDICT_PASS;
        internal |= jobs[k].internal;
    }
    return bad_input  ? GT_EXIT_USAGE
           : internal ? GT_EXIT_INTERNAL
           : failed   ? GT_EXIT_FAIL
                      : GT_EXIT_OK;
}

static int run_jobs(gt_job *jobs, int n, const gt_run_cfg *c, bool bad_input)
{
    char dir[PATH_MAX], run[64], iso[48];
    if (make_run_dir(c, dir, run, iso) < 0)
        return GT_EXIT_USAGE;
    int64_t t0 = now_ns();
    int rc = gt__execute(jobs, n, c, dir);
    int64_t wall = now_ns() - t0;
    int w = gt__suite_write(jobs, n, c, dir, iso, wall);
    if (w < 0) {
        fprintf(stderr, "gauntlet: %s/suite.json: %s\n", dir, strerror(-w));
        rc = rc < 0 ? rc : w;
    }
    point_latest(dir, run);
    if (rc < 0)
        fprintf(stderr, "gauntlet: internal error: %s\n", strerror(-rc));
    gt__summary(stdout, jobs, n, c, dir, wall);
    int holds = 0;
    if (w == 0 && (w = gt__reports_write(dir, c, stdout, &holds)) < 0)
        rc = rc < 0 ? rc : w;
    if (bad_input)
        fprintf(stderr, "gauntlet: some files did not load or repeated a name (see above)\n");
    fflush(stdout);
    int code = exit_code(jobs, n, bad_input, rc);
    /* the matrix: bugs are meant to fail; only a miss or a false alarm fails */
    if (c->mutants && code == GT_EXIT_FAIL && holds)
        code = GT_EXIT_OK;
    if (c->mutants && code == GT_EXIT_OK && !holds)
        code = GT_EXIT_FAIL;
    return code;
}

/* Load and select; an exit code (< 0: go on). */
static int load_selected(gt_suite *s, const gt_run_cfg *c)
{
    int rc = gt__suite_load(s, c->paths, c->npaths, stderr);
    if (rc == -ENOMEM) {
        fprintf(stderr, "gauntlet: out of memory\n");
        return GT_EXIT_INTERNAL;
    }
    if (rc < 0)
        return GT_EXIT_USAGE;
    gt__suite_select(s, c);
    if (s->nsel == 0) {
        fprintf(stderr, "gauntlet: no scenario selected\n");
        gt__suite_release(s);
        return GT_EXIT_USAGE;
    }
    return -1;
}

/* A --baseline that will not load is bad input, found before anything runs. */
static int check_baseline(const gt_run_cfg *c)
{
    char err[PATH_MAX + 256];
    rep_suite *base = NULL;
    if (!c->baseline)
        return 0;
    int rc = rep_suite_load(&base, c->baseline, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "gauntlet: --baseline: %s\n", err);
    rep_suite_release(base);
    return rc;
}

int gt__cmd_run(const gt_run_cfg *c)
{
    gt_suite s;
    if (check_baseline(c) < 0)
        return GT_EXIT_USAGE;
    int code = load_selected(&s, c);
    if (code >= 0)
        return code;
    gt_job *jobs = NULL;
    int n = 0;
    int rc = gt__plan(&jobs, &n, &s, c);
    if (rc == -E2BIG)
        fprintf(stderr, "gauntlet: too many runs (more than %d)\n", GT_JOBS_MAX);
    else if (rc < 0)
        fprintf(stderr, "gauntlet: out of memory\n");
    if (rc == 0 && n == 0) { /* only --mutant B can leave nothing */
        fprintf(stderr, "gauntlet: --mutant %s: applies to none of the selected scenarios\n",
                svc_bug_name((svc_bug)c->mutant));
        rc = -EINVAL;
    }
    code = rc == -E2BIG || rc == -EINVAL ? GT_EXIT_USAGE
           : rc < 0                      ? GT_EXIT_INTERNAL
                                         : run_jobs(jobs, n, c, s.bad_input);
    gt__jobs_release(jobs, n);
    gt__suite_release(&s);
    return code;
}

int gt__cmd_list(const gt_run_cfg *c)
{
    gt_suite s;
    int code = load_selected(&s, c);
    if (code >= 0)
        return code;
    for (int k = 0; k < s.nsel; k++) {
        const gt_scenario *sc = &s.sel[k].f->scn[s.sel[k].i];
        printf("%s:%d  %s", sc->file, sc->line, sc->name);
        for (int t = 0; t < sc->ntags; t++)
            printf("%s%s", t ? ", " : "  [", sc->tags[t]);
        puts(sc->ntags ? "]" : "");
    }
    code = s.bad_input ? GT_EXIT_USAGE : GT_EXIT_OK;
    gt__suite_release(&s);
    return code;
}
