/* runner.c — the jobs of a run in forked children: at most --jobs at once,
 * each under a wall-clock watchdog, each writing its result document; a
 * crash or a hang becomes an error document written here. The suite goes
 * on whatever one child does. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/gt_int.h"

#define TAIL_BYTES 4096          /* of a child's output kept for its report */
#define TAIL_LINES 40
#define WAIT_MAX_NS 250000000    /* longest sleep between looks (progress) */

/* A child process: one attempt of a job (1: the determinism rerun). */
typedef struct child {
    gt_job *job;
    int attempt;
    pid_t pid;
    int64_t start, deadline;     /* CLOCK_MONOTONIC, ns */
    bool hung;                   /* the watchdog killed it */
} child;

typedef struct runner {
    gt_job *jobs;
    int njobs, attempts;         /* attempts per job: 1, or 2 */
    int next, total;             /* next attempt to start, of total */
    int done;                    /* jobs finished */
    const gt_run_cfg *c;
    const char *dir;
    child *run;                  /* running children, at most c->jobs */
    int nrun;
    pid_t parent;
    sigset_t old_mask;
    int rc;                      /* the first harness failure */
    bool shown;                  /* the progress line as last drawn */
    int shown_done;
    pid_t shown_pid;
} runner;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void file_path(char *out, const runner *r, const gt_job *j, int attempt, bool log)
{
    const char *again = attempt ? ".again" : "";
    if (log)
        snprintf(out, PATH_MAX, "%s/.%s%s.log", r->dir, j->id, again);
    else
        snprintf(out, PATH_MAX, "%s/%s%s.json", r->dir, j->id, again);
}

/* ---------------------------------------------------------------- child */

static void noop(int sig) { (void)sig; }

/* In the forked child: run the scenario with output into its log, write the
 * document, exit with the verdict (3: no document). Never returns. */
static void child_main(const runner *r, const gt_job *j, int attempt)
{
    char log[PATH_MAX], doc[PATH_MAX];
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != r->parent)
        _exit(GT_EXIT_INTERNAL);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
    file_path(log, r, j, attempt, true);
    file_path(doc, r, j, attempt, false);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || in < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || dup2(in, 0) < 0)
        _exit(GT_EXIT_INTERNAL);
    gt_run_opts o = {.seed = j->seed, .mode = j->mode, .replay = j->replay};
    if (j->mutant >= 0) /* this child's own copy of the scenario */
        gt__bug_switch_on(&j->f->scn[j->i].target, (svc_bug)j->mutant);
    char *json = NULL;
    int v = gt__run(j->f, j->i, &o, &json);
    int w = v >= 0 && json ? rep_write_atomic(doc, json, strlen(json)) : v;
    if (w < 0)
        fprintf(stderr, "gauntlet: %s: %s\n", v < 0 ? "the run failed" : doc,
                strerror(w == 0 ? EIO : -w));
    fflush(NULL);
    _exit(w < 0 || v > GT_VERDICT_ERROR ? GT_EXIT_INTERNAL : v);
}

/* ---------------------------------------------------------------- results */

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[8192];
    size_t k;
    while (mem && (k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fwrite(chunk, 1, k, mem);
    if (mem)
        fclose(mem);
    fclose(fp);
    return buf;
}

/* The last TAIL_LINES lines (at most TAIL_BYTES) of a child's log. */
static char *log_tail(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return strdup("");
    char buf[TAIL_BYTES + 1];
    off_t size = lseek(fd, 0, SEEK_END), from = size > TAIL_BYTES ? size - TAIL_BYTES : 0;
    ssize_t n = size > 0 ? pread(fd, buf, (size_t)(size - from), from) : 0;
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    char *p = buf;
    if (from > 0 && strchr(p, '\n')) /* a partial first line */
        p = strchr(p, '\n') + 1;
    int lines = 0;
    for (char *q = p + strlen(p); q > p; q--)
        if (q[-1] == '\n' && q[0] != '\0' && ++lines == TAIL_LINES) {
            p = q;
            break;
        }
    return strdup(p);
}

static char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v))
        return strdup(v->valuestring);
    if (!v || cJSON_IsNull(v))
        return strdup("");
    char *s = cJSON_PrintUnformatted(v);
    return s ? s : strdup("");
}

static int add_failed(gt_job *j, const cJSON *chk)
{
    gt_job_check *v = realloc(j->failed, (size_t)(j->nfailed + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    j->failed = v;
    gt_job_check *f = &v[j->nfailed++];
    f->name = str_of(chk, "name");
    f->measured = str_of(chk, "measured");
    f->bound = str_of(chk, "bound");
    f->detail = str_of(chk, "detail");
    return f->name && f->measured && f->bound && f->detail ? 0 : -ENOMEM;
}

/* A job's outcome from its document: verdict, reason, failed checks. */
static int read_outcome(gt_job *j, const char *text)
{
    cJSON *d = cJSON_Parse(text);
    if (!d)
        return -EINVAL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, "verdict");
    int verdict = -1;
    for (int k = GT_VERDICT_PASS; k <= GT_VERDICT_ERROR && cJSON_IsString(v); k++)
        if (strcmp(v->valuestring, gt_verdict_name((gt_verdict)k)) == 0)
            verdict = k;
    int rc = verdict >= 0 ? 0 : -EINVAL;
    j->verdict = verdict >= 0 ? (gt_verdict)verdict : GT_VERDICT_ERROR;
    const cJSON *vn = cJSON_GetObjectItemCaseSensitive(d, "virtual_ns");
    j->virtual_ns = cJSON_IsNumber(vn) ? (int64_t)vn->valuedouble : 0;
    if (j->verdict == GT_VERDICT_ERROR && !j->reason &&
        cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "reason")))
        j->reason = str_of(d, "reason");
    const cJSON *chk;
    cJSON_ArrayForEach(chk, cJSON_GetObjectItemCaseSensitive(d, "checks"))
    {
        if (rc == 0 && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(chk, "ok")))
            rc = add_failed(j, chk);
    }
    cJSON_Delete(d);
    return rc;
}

/* Why a child left no document of its own, or NULL when it should have
 * one. *internal: the harness, not the scenario, failed. */
static char *no_result_reason(const child *ch, int status, bool *internal)
{
    char *why = NULL;
    int rc = 0;
    if (ch->hung)
        rc = asprintf(&why, "hung: no result after %g s", (double)ch->job->timeout / 1e9);
    else if (WIFSIGNALED(status) && sigabbrev_np(WTERMSIG(status)))
        rc = asprintf(&why, "crashed: killed by SIG%s", sigabbrev_np(WTERMSIG(status)));
    else if (WIFSIGNALED(status))
        rc = asprintf(&why, "crashed: killed by signal %d", WTERMSIG(status));
    else if (WIFEXITED(status) && WEXITSTATUS(status) == GT_EXIT_INTERNAL)
        *internal = true, rc = asprintf(&why, "harness error: the run failed (see its output)");
    else if (!WIFEXITED(status) || WEXITSTATUS(status) > GT_VERDICT_ERROR)
        rc = asprintf(&why, "no result: exited with status %d", WEXITSTATUS(status));
    return rc < 0 ? NULL : why;
}

/* The document of a child that left none: an error document, written. */
static char *error_doc(const gt_job *j, const char *path, const char *reason, const char *tail,
                       int64_t wall)
{
    gt_run_opts o = {.seed = j->seed, .mode = j->mode, .replay = j->replay};
    char *json = gt__doc_error(&j->f->scn[j->i], &o, reason, tail, wall);
    if (json && rep_write_atomic(path, json, strlen(json)) < 0) {
        free(json);
        return NULL;
    }
    return json;
}

/* Settle a reaped child: its document (or an error one), its outcome. */
static int settle(runner *r, const child *ch, int status)
{
    gt_job *j = ch->job;
    char log[PATH_MAX], doc[PATH_MAX];
    file_path(log, r, j, ch->attempt, true);
    file_path(doc, r, j, ch->attempt, false);
    int64_t wall = now_ns() - ch->start;
    char *tail = log_tail(log), *reason = NULL, *text = NULL;
    unlink(log);
    bool internal = false;
    if (ch->hung || !WIFEXITED(status) || WEXITSTATUS(status) > GT_VERDICT_ERROR)
        reason = no_result_reason(ch, status, &internal);
    else if (!(text = slurp(doc)) &&
             asprintf(&reason, "no result: exited with status %d and no document",
                      WEXITSTATUS(status)) < 0)
        reason = NULL;
    if (reason && tail)
        text = error_doc(ch->job, doc, reason, tail, wall);
    int rc = text && tail ? 0 : -ENOMEM;
    if (ch->attempt == 0) {
        j->wall_ns = wall;
        j->internal |= internal || rc < 0;
        if (rc == 0 && read_outcome(j, text) < 0) {
            j->internal = true, j->verdict = GT_VERDICT_ERROR;
            if (!j->reason)
                j->reason = strdup("harness error: unreadable result document");
        }
        if (!j->reason && (reason || rc < 0))
            j->reason = strdup(reason ? reason : "harness error: out of memory");
        if (j->verdict == GT_VERDICT_ERROR && tail && tail[0])
            free(j->tail), j->tail = tail, tail = NULL;
    }
    if (r->attempts == 2)
        j->docs[ch->attempt] = text, text = NULL;
    free(text), free(tail), free(reason);
    return rc;
}

/* ---------------------------------------------------------------- jobs */

static int add_determinism_failure(gt_job *j, const char *path, const char *values,
                                   const char *again)
{
    gt_job_check *v = realloc(j->failed, (size_t)(j->nfailed + 1) * sizeof *v);
    if (!v)
        return -ENOMEM;
    j->failed = v;
    gt_job_check *f = &v[j->nfailed++];
    f->name = strdup("deterministic");
    f->measured = NULL, f->detail = NULL;
    if (asprintf(&f->measured, "%s differs", path) < 0)
        f->measured = NULL;
    f->bound = strdup("identical outside wall");
    if (asprintf(&f->detail, "%s (second run: %s)", values, again) < 0)
        f->detail = NULL;
    if (j->verdict == GT_VERDICT_PASS)
        j->verdict = GT_VERDICT_FAIL;
    return f->name && f->measured && f->bound && f->detail ? 0 : -ENOMEM;
}

/* Both runs of a job done: compare them; keep the second document only
 * when it differs. */
static int judge_determinism(runner *r, gt_job *j)
{
    char path[256], values[256], again[PATH_MAX];
    file_path(again, r, j, 1, false);
    int d = j->docs[0] && j->docs[1]
                ? gt__doc_diff(j->docs[0], j->docs[1], path, sizeof path, values, sizeof values)
                : -EINVAL;
    if (d == 0)
        unlink(again);
    if (d < 0) {
        snprintf(path, sizeof path, "(document)");
        snprintf(values, sizeof values, "a document does not parse");
    }
    return d == 0 ? 0 : add_determinism_failure(j, path, values, strrchr(again, '/') + 1);
}

/* The live line (a terminal only), redrawn when it would change. */
static void progress(runner *r)
{
    if (!r->c->tty || r->c->quiet)
        return;
    pid_t first = r->nrun ? r->run[0].pid : 0;
    if (r->shown_done == r->done && r->shown_pid == first && r->shown)
        return;
    r->shown = true, r->shown_done = r->done, r->shown_pid = first;
    const char *name = r->nrun ? r->run[0].job->f->scn[r->run[0].job->i].name : "";
    printf("\r\033[K[%d/%d] running %s\u2026", r->done, r->njobs, name);
    fflush(stdout);
}

static void job_done(runner *r, gt_job *j)
{
    if (r->attempts == 2 && !j->internal && judge_determinism(r, j) < 0 && r->rc == 0)
        r->rc = -ENOMEM;
    r->done++;
    if (r->c->quiet)
        return;
    if (r->c->tty)
        fputs("\r\033[K", stdout), r->shown = false;
    gt__job_line(stdout, j, r->c);
    fflush(stdout);
}

static void reap(runner *r)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int k = 0;
        while (k < r->nrun && r->run[k].pid != pid)
            k++;
        if (k == r->nrun)
            continue; /* not ours */
        child ch = r->run[k];
        memmove(&r->run[k], &r->run[k + 1], (size_t)(r->nrun - k - 1) * sizeof ch);
        r->nrun--;
        if (settle(r, &ch, status) < 0 && r->rc == 0)
            r->rc = -ENOMEM;
        if (--ch.job->pending == 0)
            job_done(r, ch.job);
    }
}

/* Start the next attempt. 0; -EAGAIN (fork failed, try again later). */
static int start_next(runner *r)
{
    gt_job *j = &r->jobs[r->next / r->attempts];
    int attempt = r->next % r->attempts;
    fflush(stdout);
    fflush(stderr);
    /* tests of the runner only: this scenario's fork fails */
    const char *nofork = getenv("GAUNTLET_TEST_NOFORK");
    if (nofork && strcmp(nofork, j->f->scn[j->i].name) == 0)
        return -EAGAIN;
    pid_t pid = fork();
    if (pid < 0)
        return -EAGAIN;
    if (pid == 0)
        child_main(r, j, attempt);
    int64_t t = now_ns();
    r->run[r->nrun++] = (child){j, attempt, pid, t, t + j->timeout, false};
    if (attempt == 0)
        j->pending = r->attempts;
    r->next++;
    return 0;
}

/* SIGKILL every child past its deadline; the time to the next deadline. */
static int64_t watchdog(runner *r)
{
    int64_t t = now_ns(), wait = WAIT_MAX_NS;
    for (int k = 0; k < r->nrun; k++) {
        child *ch = &r->run[k];
        if (!ch->hung && t >= ch->deadline) {
            kill(ch->pid, SIGKILL);
            ch->hung = true;
        }
        if (!ch->hung && ch->deadline - t < wait)
            wait = ch->deadline - t;
    }
    return wait > 0 ? wait : 0;
}

/* A fork failed with nothing running: that attempt cannot run. Its job
 * is an error (the first attempt failing skips the second). */
static void unstartable(runner *r)
{
    gt_job *j = &r->jobs[r->next / r->attempts];
    int attempt = r->next % r->attempts;
    j->verdict = GT_VERDICT_ERROR, j->internal = true;
    if (!j->reason)
        j->reason = strdup("harness error: cannot fork");
    /* its document, so the suite's reports stay complete */
    char doc[PATH_MAX];
    file_path(doc, r, j, attempt, false);
    free(error_doc(j, doc, j->reason ? j->reason : "harness error: cannot fork", NULL, 0));
    if (attempt == 0) {
        r->next += r->attempts;
        job_done(r, j);
    } else {
        r->next++;
        if (--j->pending == 0)
            job_done(r, j);
    }
}

static void loop(runner *r)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    while (r->next < r->total || r->nrun > 0) {
        while (r->nrun < r->c->jobs && r->next < r->total)
            if (start_next(r) < 0) {
                if (r->nrun == 0)
                    unstartable(r);
                break;
            }
        progress(r);
        int64_t wait = watchdog(r);
        struct timespec ts = {wait / 1000000000, wait % 1000000000};
        if (r->nrun > 0)
            sigtimedwait(&chld, NULL, &ts);
        reap(r);
    }
    if (r->c->tty && !r->c->quiet) {
        fputs("\r\033[K", stdout);
        fflush(stdout);
    }
}

int gt__execute(gt_job *jobs, int n, const gt_run_cfg *c, const char *dir)
{
    runner r = {.jobs = jobs, .njobs = n, .attempts = c->check_determinism ? 2 : 1,
                .c = c, .dir = dir, .parent = getpid()};
    r.total = n * r.attempts;
    r.run = calloc((size_t)c->jobs + 1, sizeof *r.run);
    if (!r.run)
        return -ENOMEM;
    struct sigaction sa = {.sa_handler = noop}, old_sa;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old_sa);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &r.old_mask);
    loop(&r);
    sigprocmask(SIG_SETMASK, &r.old_mask, NULL);
    sigaction(SIGCHLD, &old_sa, NULL);
    free(r.run);
    return r.rc;
}
