/* switch_smoke.c — a self-checking program for the parts of the runtime
 * that differ per architecture (runtime/switch.c): first entry on a fresh
 * stack, switches both ways, ABI stack alignment (varargs and doubles need
 * 16 bytes), callee-saved registers across switches, deep frames, and the
 * stack-overflow report. Built for aarch64 and run under qemu-user by
 * `make test-aarch64`; no Check (there is no cross-built libcheck). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/gr.h"

static int checks, failures;

#define EXPECT(cond)                                                          \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            fprintf(stderr, "switch_smoke: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                     \
    } while (0)

static gr_chan *ping, *pong;

/* Keeps doubles live in callee-saved FP registers across switches. */
static void echo(void *arg)
{
    (void)arg;
    double acc = 1.5;
    long v;
    while (gr_chan_recv(ping, &v) == 0) {
        acc = acc * 1.0000001 + (double)v;
        gr_chan_send(pong, &v);
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f %d %s", acc > 0 ? 2.5 : 0.0, 42, "x");
    EXPECT(strcmp(buf, "2.500 42 x") == 0);
}

static long recurse(long n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return n == 0 ? pad[0] : n + recurse(n - 1) + pad[0] - (char)n;
}

static void deep(void *arg)
{
    *(long *)arg = recurse(100); /* ~30 KB of frames on a 64 KB stack */
}

static void overflow(void *arg)
{
    (void)arg;
    recurse(1L << 30);
}

static void main_task(void *arg)
{
    (void)arg;
    EXPECT(gr_chan_create(&ping, "ping", sizeof(long), 0) == 0);
    EXPECT(gr_chan_create(&pong, "pong", sizeof(long), 0) == 0);
    EXPECT(gr_spawn(echo, NULL, "echo") > 0);
    double x = 0.25;
    for (long i = 0; i < 10000; i++) {
        long v = -1;
        EXPECT(gr_chan_send(ping, &i) == 0 && gr_chan_recv(pong, &v) == 0 && v == i);
        x = sqrt(x + 1.0);
    }
    EXPECT(fabs(x - 1.6180339887) < 1e-6); /* survived 20000 switches */
    gr_chan_close(ping);
    long sum = 0;
    EXPECT(gr_spawn(deep, &sum, "deep") > 0);
    EXPECT(gr_sleep(GR_MS(1)) == 0);
    EXPECT(sum == 5050);
    gr_case c[2] = {GR_RECV(pong, NULL), GR_RECV(NULL, NULL)};
    EXPECT(gr_select(c, 2, gr_deadline_in(GR_MS(5))) == -ETIMEDOUT);
    EXPECT(gr_now() == GR_MS(6));
}

/* In a child: overflow a small stack; the parent checks the report. */
static void check_overflow(void)
{
    int fds[2];
    EXPECT(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        gr_sched *s;
        gr_sched_create(&s, NULL);
        gr_sched_run(s, overflow, NULL, "overflower");
        _exit(0);
    }
    close(fds[1]);
    char out[1024] = "";
    ssize_t n = read(fds[0], out, sizeof out - 1);
    out[n > 0 ? n : 0] = '\0';
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    EXPECT(strstr(out, "stack overflow in task 1 \"overflower\"") != NULL);
}

int main(void)
{
    gr_sched *s;
    EXPECT(gr_sched_create(&s, NULL) == 0);
    EXPECT(gr_sched_run(s, main_task, NULL, "main") == 0);
    gr_sched_release(s);
    check_overflow();
    printf("switch_smoke: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
