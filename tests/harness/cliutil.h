/* cliutil.h — what the gauntlet command's tests share: a fresh temp
 * directory per test, files written into it, and the binary named by
 * GAUNTLET_BIN (make test sets it) run there, bounded (killed after
 * RUN_LIMIT_S), its exit code, stdout and stderr collected. Each test runs
 * in its own process (Check's fork mode), so one directory per file. */
#ifndef CLIUTIL_H
#define CLIUTIL_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RUN_LIMIT_S
#define RUN_LIMIT_S 30           /* any one run of the binary (a test may set more) */
#endif
#define ARGS_MAX 32

typedef struct ran {
    int code;                    /* exit code; -1: killed at the limit */
    char *out, *err;
} ran;

static char tmpdir[64] __attribute__((unused)); /* this test's directory */

static inline char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fwrite(chunk, 1, k, m);
    fclose(m);
    fclose(fp);
    return buf;
}

static inline void put(const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    for (char *p = path + strlen(tmpdir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    FILE *fp = fopen(path, "w");
    ck_assert_msg(fp != NULL, "cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
}

static inline char *in_dir(const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return slurp(path);
}

static inline void fresh_dir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gt-cli-XXXXXX");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
}

static inline int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static inline void done_dir(void) { nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static inline void release(ran *r)
{
    free(r->out);
    free(r->err);
}

/* Run the binary in tmpdir with args (NULL-terminated); crash, if not
 * NULL, is GAUNTLET_TEST_CRASH for it. */
static inline ran gt_run(const char *crash, ...)
{
    const char *bin = getenv("GAUNTLET_BIN");
    ck_assert_msg(bin != NULL, "GAUNTLET_BIN is not set (make test sets it)");
    char exe[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
    ck_assert_msg(realpath(bin, exe) != NULL, "GAUNTLET_BIN=%s: %s", bin, strerror(errno));
    snprintf(out, sizeof out, "%s/.stdout", tmpdir);
    snprintf(err, sizeof err, "%s/.stderr", tmpdir);
    char *argv[ARGS_MAX] = {exe};
    va_list ap;
    va_start(ap, crash);
    for (int i = 1; i < ARGS_MAX - 1 && (argv[i] = va_arg(ap, char *)); i++)
        ;
    va_end(ap);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || chdir(tmpdir) != 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(127);
        if (crash)
            setenv("GAUNTLET_TEST_CRASH", crash, 1);
        unsetenv("NO_COLOR");
        execv(exe, argv);
        _exit(127);
    }
    ran r = {.code = -1};
    int status;
    for (int waited_ms = 0; waited_ms < RUN_LIMIT_S * 1000; waited_ms += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    if (r.code == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    r.out = slurp(out);
    r.err = slurp(err);
    ck_assert_msg(r.out && r.err, "cannot read the run's output");
    return r;
}

#define HAS(hay, needle)                                                              \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "no \"%s\" in:\n%.1500s", (needle), (hay))

#endif
