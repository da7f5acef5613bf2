/* grbench.c — runtime benchmark driver: `grbench <bench> [-n N] [--clock real|sim] [--seed S]`, one result line per process. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

typedef struct bench_def {
    const char *name;
    uint64_t def_n;  /* the peer's default size */
    uint64_t min_n;  /* smaller sizes would time zero operations */
    bool warmup;     /* one untimed run at n/10 (n if n <= 100000) first */
    bench_fn fn;
    int clock;       /* -1: the --clock option's; else the clock it needs */
} bench_def;

static const bench_def BENCHES[] = {
    {"chan_pingpong", 1000000, 1, true, bench_chan_pingpong, -1},
    {"chan_buffered_spsc", 10000000, 1, true, bench_chan_buffered_spsc, -1},
    {"chan_buffered_mpmc", 10000000, 4, true, bench_chan_buffered_mpmc, -1},
    {"spawn", 1000000, 10000, true, bench_spawn, -1},
    {"select2", 2000000, 2, true, bench_select2, -1},
    {"select2_buf", 2000000, 2, true, bench_select2_buf, -1},
    {"pool", 1000000, 1, true, bench_pool, -1},
    {"pipeline", 1000000, 1, true, bench_pipeline, -1},
    {"idle_rss", 100000, 1, false, bench_idle_rss, -1}, /* a warm-up would pre-fill the stack cache */
    {"cancel_fanout", 10000, 1, true, bench_cancel_fanout, -1},
    {"inj_disarmed", 100000000, 1, true, bench_inj_disarmed, -1},
    {"inj_armed_elsewhere", 100000000, 1, true, bench_inj_armed_elsewhere, -1},
    {"inj_fire", 1000000, 1, true, bench_inj_fire, -1},
    {"fiu_fail_raw", 10000000, 1, true, bench_fiu_fail_raw, -1},
    {"svc_pool_sim", 1000000, 64, true, bench_svc_pool_sim, GR_CLOCK_SIM},
    {"svc_pipeline_sim", 1000000, 64, true, bench_svc_pipeline_sim, GR_CLOCK_SIM},
    {"svc_front_real", 200000, 32, true, bench_svc_front_real, GR_CLOCK_REAL},
};
#define NBENCHES (sizeof BENCHES / sizeof BENCHES[0])

typedef struct cli {
    const bench_def *def;
    uint64_t n;
    gr_clock clock;
    uint64_t seed;
} cli;

/* The main task's argument: which workload, its size, where the result goes. */
typedef struct run_arg {
    const bench_def *def;
    uint64_t n;
    bench_result res;
} run_arg;

const char *bench_name = "?";

_Noreturn void bench_die(const char *what, int64_t rc)
{
    fprintf(stderr, "grbench %s: %s: %s\n", bench_name, what, strerror((int)-rc));
    exit(1);
}

_Noreturn void bench_check_failed(const char *what)
{
    fprintf(stderr, "grbench %s: CHECK FAILED: %s\n", bench_name, what);
    exit(1);
}

static long read_max_map_count(void)
{
    long v = -1;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

_Noreturn void bench_spawn_failed(const char *what, int64_t rc)
{
    if (rc != -ENOMEM)
        bench_die(what, rc == 0 ? -EPROTO : rc);
    gr_sched_stats st;
    gr_sched_stats_get(gr_current(), &st);
    fprintf(stderr,
            "grbench %s: %s: %s with %llu tasks alive.\n"
            "  The runtime maps a stack and a guard page per task (2 kernel mappings),\n"
            "  and the kernel caps mappings per process at vm.max_map_count (now %ld).\n"
            "  Raise it above 2 x the tasks wanted, as root: sysctl -w vm.max_map_count=N\n"
            "  (262144 is enough for the default sizes; bench/run.sh does it when it may).\n",
            bench_name, what, strerror(ENOMEM), (unsigned long long)st.live,
            read_max_map_count());
    exit(1);
}

void bench_extra(bench_result *r, const char *fmt, ...)
{
    size_t len = strlen(r->extra);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->extra + len, sizeof r->extra - len, fmt, ap);
    va_end(ap);
}

void bench_items_per_s(bench_result *r)
{
    double s = (double)r->elapsed_ns / 1e9;
    bench_extra(r, " items_per_s=%.0f", (double)r->ops / s);
}

static _Noreturn void usage(const char *why)
{
    if (why)
        fprintf(stderr, "grbench: %s\n", why);
    fprintf(stderr, "usage: grbench <bench> [-n N] [--clock real|sim] [--seed S]\nbenches:");
    for (size_t i = 0; i < NBENCHES; i++)
        fprintf(stderr, " %s", BENCHES[i].name);
    fprintf(stderr, "\n");
    exit(2);
}

static uint64_t parse_u64(const char *s, const char *what)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-') {
        fprintf(stderr, "grbench: bad %s: '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static const bench_def *find_bench(const char *name)
{
    for (size_t i = 0; i < NBENCHES; i++)
        if (strcmp(BENCHES[i].name, name) == 0)
            return &BENCHES[i];
    return NULL;
}

static void parse_option(cli *c, const char *opt, const char *val)
{
    if (!strcmp(opt, "-n") || !strcmp(opt, "--n"))
        c->n = parse_u64(val, "-n");
    else if (!strcmp(opt, "--seed"))
        c->seed = parse_u64(val, "--seed");
    else if (!strcmp(opt, "--clock") && !strcmp(val, "real"))
        c->clock = GR_CLOCK_REAL;
    else if (!strcmp(opt, "--clock") && !strcmp(val, "sim"))
        c->clock = GR_CLOCK_SIM;
    else
        usage("bad option");
}

static cli parse_cli(int argc, char **argv)
{
    if (argc < 2)
        usage(NULL);
    cli c = {.def = find_bench(argv[1]), .clock = GR_CLOCK_REAL};
    if (!c.def)
        usage("unknown bench");
    c.n = c.def->def_n;
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            usage("option without a value");
        parse_option(&c, argv[i], argv[i + 1]);
    }
    if (c.def->clock >= 0)
        c.clock = (gr_clock)c.def->clock; /* the bench needs this clock */
    if (c.n < c.def->min_n) {
        fprintf(stderr, "grbench %s: -n must be >= %llu\n", c.def->name,
                (unsigned long long)c.def->min_n);
        exit(2);
    }
    return c;
}

static void main_task(void *p)
{
    run_arg *a = p;
    a->def->fn(a->n, &a->res);
}

/* List up to 20 live tasks (a deadlock or timeout report). */
static void dump_tasks(const gr_sched *s)
{
    enum { MAX = 20 };
    gr_task_info ti[MAX];
    gr_sched_stats st;
    gr_sched_stats_get(s, &st);
    size_t total = gr_sched_tasks(s, 0, ti, MAX);
    for (size_t i = 0; i < total && i < MAX; i++) {
        char line[256];
        gr_task_format(&ti[i], st.now, line, sizeof line);
        fprintf(stderr, "  %s\n", line);
    }
    if (total > MAX)
        fprintf(stderr, "  ... and %zu more tasks\n", total - MAX);
}

/* Any recorded panic event means the bench or the runtime misbehaved. */
static void check_no_panics(const gr_sched *s)
{
    gr_panic_info pi[4];
    size_t total = gr_sched_panics(s, pi, 4);
    if (total == 0)
        return;
    fprintf(stderr, "grbench %s: %zu panic events recorded, first:\n", bench_name, total);
    for (size_t i = 0; i < total && i < 4; i++)
        fprintf(stderr, "  %s (task %llu \"%s\", object \"%s\")\n", gr_panic_name(pi[i].kind),
                (unsigned long long)pi[i].task, pi[i].task_name, pi[i].obj);
    exit(1);
}

/* One gr_sched_run of the workload at size n; returns its result. */
static bench_result run_once(gr_sched *s, const bench_def *def, uint64_t n, const char *label)
{
    run_arg a = {.def = def, .n = n};
    int rc = gr_sched_run(s, main_task, &a, "main");
    if (rc < 0) {
        fprintf(stderr, "grbench %s: gr_sched_run (%s, n=%llu): %s\n", def->name, label,
                (unsigned long long)n, strerror(-rc));
        dump_tasks(s);
        exit(1);
    }
    check_no_panics(s);
    if (a.res.ops == 0 || a.res.elapsed_ns <= 0) {
        fprintf(stderr, "grbench %s: %s run (n=%llu) timed nothing\n", def->name, label,
                (unsigned long long)n);
        exit(1);
    }
    return a.res;
}

static uint64_t warmup_size(uint64_t n)
{
    return n <= 100000 ? n : n / 10;
}

int main(int argc, char **argv)
{
    cli c = parse_cli(argc, argv);
    bench_name = c.def->name;
    gr_sched_opts o = {.clock = c.clock, .seed = c.seed};
    gr_sched *s = NULL;
    CK(gr_sched_create(&s, &o));
    if (c.def->warmup)
        run_once(s, c.def, warmup_size(c.n), "warm-up");
    bench_result r = run_once(s, c.def, c.n, "timed");
    gr_sched_release(s);
#ifdef GR_NO_FAULT_POINTS
    const char *variant = "_nopoints"; /* the runtime built without fail points */
#else
    const char *variant = "";
#endif
    printf("bench=%s%s impl=c gomaxprocs=1 ns_per_op=%.2f ops=%llu%s clock=%s\n", c.def->name,
           variant,
           (double)r.elapsed_ns / (double)r.ops, (unsigned long long)r.ops, r.extra,
           c.clock == GR_CLOCK_REAL ? "real" : "sim");
    return fflush(stdout) == 0 ? 0 : 1;
}
