/* world.h — one scenario's world while it runs: the scheduler, injector,
 * ledger, target, dependency, front and loads, what the sampler records,
 * and what the checks read. Private to world.c, sample.c, judge.c,
 * tapi.c and result.c. */
#ifndef GT_WORLD_H
#define GT_WORLD_H

#include <cjson/cJSON.h>
#include <lauxlib.h>

#include "harness/gt_int.h"

#define GT_LOADS_MAX 16
#define GT_QUEUES_MAX SVC_STAGES_MAX
#define GT_EXPECTS_MAX 64
#define GT_PROFILE_MAX 64      /* groups kept in a task profile */
#define GT_LEAKS_MAX 200       /* leaked tasks listed (all are counted) */
#define GT_EVENTS_DOC 200      /* fault events written in full */

/* A growable column of int64 values. */
typedef struct gt_col {
    int64_t *v;
    size_t n, cap;
} gt_col;

/* A fault window, as armed (declared or from the script), relative times. */
typedef struct gt_window {
    const char *point;         /* as the scenario named it */
    inj_kind kind;
    int64_t from, to;          /* ns from the start; to = GR_FOREVER: never */
    int handle;
    bool cleared;              /* disarmed (its end, or t:clear) */
    int line;
    char detail[64];
} gt_window;

/* Tasks grouped by spawn site and what they block on. */
typedef struct gt_profile_group {
    char site[160];            /* file:line */
    char blocked_on[GR_NAME_MAX + 32];
    char state[16];
    bool load;                 /* tasks of the load generator */
    uint64_t count;
} gt_profile_group;

typedef struct gt_profile {
    bool taken;
    int64_t at;                /* ns from the start */
    uint64_t live;
    gt_profile_group g[GT_PROFILE_MAX];
    int n;                     /* groups kept */
    uint64_t other;            /* tasks in groups beyond GT_PROFILE_MAX */
} gt_profile;

/* One expectation site of the script (t:expect). */
typedef struct gt_expect {
    char where[160];           /* file:line */
    char msg[160];             /* the first failing message, or the first one */
    uint64_t n, failed;
} gt_expect;

/* One check's outcome. */
typedef struct gt_outcome {
    const char *name;          /* label */
    gt_check_kind kind;
    bool ok;
    char measured[64], bound[64];
    char *detail;              /* malloc'd */
    int line;
} gt_outcome;

typedef struct gt_world {
    gt_file *f;
    const gt_scenario *sc;
    const gt_run_opts *o;
    gr_sched *s;
    inj *j;
    svc_ledger *ledger;
    svc *target;
    svc_dep *dep;
    svc_client *client;
    svc_front *front;
    char dep_ep[64], front_ep[64];
    svc_load *loads[GT_LOADS_MAX];
    int64_t load_end[GT_LOADS_MAX]; /* relative: when it stops starting requests */
    int64_t load_slack[GT_LOADS_MAX]; /* how long its last requests may take */
    int nloads;
    uint64_t next_id;
    int64_t t0;                /* scheduler clock at the start */
    int64_t end;               /* relative: the end of the run (before stop) */
    bool ended;                /* end is set */
    int64_t load_until;        /* relative: the end of the last load */
    bool started, stopped;
    int stop_rc;
    int run_rc;                /* gr_sched_run's */
    gr_gate *done;             /* opened when the director is done */
    /* the error that makes the verdict "error" (script, start) */
    char error[1024];
    /* windows */
    gt_window *win;            /* every fault armed, in order */
    int nwin, win_cap;
    gr_gate *sampled;          /* opened when the sampler took its last sample */
    /* sampler */
    bool sampling;
    int64_t step;
    gt_col t, completed, failed, rejected, cancelled, in_flight, live, blocked, firings;
    gt_col ok_req, err_req;    /* answered requests per interval, per the load */
    gt_col p50, p90, p99, pmax;
    gt_col qdepth[GT_QUEUES_MAX];
    char qname[GT_QUEUES_MAX][GR_NAME_MAX];
    uint64_t qcap[GT_QUEUES_MAX], qpeak[GT_QUEUES_MAX];
    int nq;
    svc_stats last;            /* the target's counters at the last sample */
    uint64_t last_firings;
    gr_task_info *scan;        /* the sampler's task scan */
    size_t scan_cap;
    gt_hist cur;               /* latencies answered in the current interval */
    uint64_t cur_ok, cur_err;
    gt_col lat_t, lat_v;       /* every answered request: time, latency */
    uint64_t req_ok, req_err;
    /* tasks */
    gt_profile peak, final;
    uint64_t live_peak;        /* excluding the harness's own tasks */
    /* script */
    gt_expect expects[GT_EXPECTS_MAX];
    int nexpects;
    gt_expect expect_other;    /* sites beyond GT_EXPECTS_MAX, together */
    /* results */
    svc_stats st;              /* the target's, after stop */
    svc_ledger_sum sum;
    gt_outcome *out;
    int nout;
    gr_task_info *leaks;       /* the target's tasks alive after stop */
    size_t nleaks;
    int64_t end_now;           /* relative clock when the run was over */
    gt_hist lat_all;           /* every answered request */
    int64_t phase[GT_PHASE__COUNT][2]; /* [from, to) relative; from < 0: empty */
    const gt_check_spec *rec_spec; /* the recovery_within that set rec, or NULL */
    gt_recovery rec;           /* recovery (default metric unless a check says) */
    bool have_rec;
    int64_t first_fault, last_clear; /* relative; -1 none; last_clear GR_FOREVER */
    int64_t wall_ns;
} gt_world;

/* world.c */
int gt__col_push(gt_col *c, int64_t v);
/* Start the target, its dependency and front, arm the declared faults and
 * start the declared load (t:start()). 0, or -EINVAL with w->error set. */
int gt__world_start(gt_world *w);
/* Start another load (t:load, or the declared one). 0 or -EINVAL (w->error). */
int gt__world_load(gt_world *w, const gt_load_spec *ls);
/* Arm a fault now (t:inject): its handle, or -EINVAL (message in err). */
int gt__world_inject(gt_world *w, const gt_fault_spec *fs, char *err, size_t errlen);
int gt__world_clear(gt_world *w, int handle); /* handle 0: every fault */
/* Stop the loads' intake and the target with grace (t:stop). */
int gt__world_stop(gt_world *w, int64_t grace);
int64_t gt__world_now(const gt_world *w); /* ns from the start */
void gt__world_mark_end(gt_world *w);      /* the measured run ends now (once) */

/* sample.c */
void gt__sampler(void *arg);           /* the sampler task */
void gt__sample_sink(void *ctx, uint64_t id, int status, int64_t latency, int attempts);
void gt__profile_take(gt_world *w, gt_profile *p);
/* The harness's own tasks are named "gauntlet.*": no check counts them. */
bool gt__is_harness_task(const gr_task_info *ti);
void gt__sample_free(gt_world *w);

/* judge.c: the phases, recovery and every check (w->out) */
int gt__judge(gt_world *w);
/* The series of a metric, as doubles per interval (malloc'd; NULL on ENOMEM). */
double *gt__metric_series(const gt_world *w, gt_metric m, size_t *n);
void gt__fmt_ns(char *buf, size_t len, int64_t ns);

/* tapi.c: the script's `t` object, and the `run` table of custom checks */
int gt__script_run(gt_world *w);
int gt__push_run_table(gt_world *w);

/* result.c */
char *gt__doc_build(gt_world *w, gt_verdict v);
void gt__json_add_seed(cJSON *o, const char *key, uint64_t seed);

#endif /* GT_WORLD_H */
