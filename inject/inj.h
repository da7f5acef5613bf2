/* inj.h — fault injection: fault kinds and their activation on libfiu fail
 * points, the catalog of points compiled in, and the event log of every
 * fault that fired.
 *
 * MODEL. Code marks fail points by name ("chan/jobs/send"); the runtime's
 * own points are listed in the catalog below. A fault spec aims a kind of
 * fault at a point name or a pattern ending in '*' (a prefix then '*', or
 * a lone "*"),
 * with activation rules. An injector, bound to one scheduler, arms specs:
 * each point name armed goes to libfiu (fiu_enable_external, our callback),
 * so fiu_fail() decides at the point whether something fires; our callback
 * then evaluates every armed spec that matches the name, each with its own
 * counters and its own PRNG stream. Every firing is logged.
 *
 * ACTIVATION. A *hit* of a spec is its point reached while it is armed,
 * with a matching name, inside its window (from <= now < to), where its
 * kind applies: the catalogued point accepts the kind, and delay / block do
 * not apply at non-blocking calls (try-send, try-recv). Each hit counts
 * (hits++), and fires when
 *     (nth == 0 || hits % nth == 0) && (first == 0 || hits <= first)
 *     && (max == 0 || fired < max) && (p == 1 || (p > 0 && draw < p))
 * where draw is the spec's next PRNG number in [0, 1), drawn only when
 * the other conditions hold and 0 < p < 1. When several specs fire at one
 * point, all are applied and logged in arming order: delays are slept,
 * block parks until cleared, full holds a blocking send until cleared or
 * the end of its window (a try-send fails with -EAGAIN); then the first
 * error / spawn_fail decides what the operation returns.
 *
 * DETERMINISM. A spec's decisions depend only on the run seed, the spec's
 * identity (point, kind, and how many identical specs were armed before
 * it), the hits it has seen and the scheduler clock: arming another fault
 * never shifts them. No other randomness is used (never libc rand(), never
 * libfiu's random mode).
 *
 * ONE AT A TIME. libfiu's state is process-wide, so one injector may exist
 * at a time in a process (the harness runs each scenario in its own child).
 *
 * ERRORS. As in the runtime: >= 0 on success, a negated errno on failure.
 * Functions that validate user input also write a one-line message naming
 * the offending field into a caller buffer (err, errlen; may be NULL).
 *
 * CATALOG (runtime points; the service adds its own with
 * inj_catalog_register):
 *   chan/<name>/send    a send on channel <name>     delay error full block
 *   chan/<name>/recv    a receive on channel <name>  delay error block
 *   task/spawn/<name>   creating a task <name>       delay error block spawn_fail
 *   net/<endpoint>/accept   accepting a connection   delay error drop
 *   net/<endpoint>/connect  connecting               delay error drop
 *   net/<endpoint>/read     a read on a connection   delay error drop short
 *   net/<endpoint>/write    a write on a connection  delay error drop short
 * `gauntlet points` prints the full catalog (inj_catalog).
 */
#ifndef INJ_H
#define INJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/gr.h"

/* ---------------------------------------------------------------- tables */

/* Fault kinds: id, name, what happens when one fires. */
#define INJ_KINDS(X)                                                              \
    X(DELAY, "delay", "wait `by` (+ jitter) before the operation")               \
    X(ERROR, "error", "the operation fails with `err`")                          \
    X(FULL, "full", "a send acts as if the channel were full: send waits until " \
                    "the fault is cleared or its window ends, try-send fails")   \
    X(BLOCK, "block", "the task parks at the point until the fault is cleared")  \
    X(DROP, "drop", "the connection is aborted (at `phase`)")                    \
    X(SHORT, "short", "a read or write transfers only `bytes` bytes")            \
    X(SPAWN_FAIL, "spawn_fail", "creating the task fails with `err` (EAGAIN)")

typedef enum {
#define INJ__X(id, name, text) INJ_##id,
    INJ_KINDS(INJ__X)
#undef INJ__X
    INJ_KIND__COUNT
} inj_kind;

#define INJ_BIT(kind) (1u << (kind))

/* Delay distributions of the jitter part: fixed = exactly `by`; uniform =
 * by + U[0, jitter); exponential = by + Exp(mean jitter), capped at 20x. */
#define INJ_DISTS(X) X(FIXED, "fixed") X(UNIFORM, "uniform") X(EXPONENTIAL, "exponential")

typedef enum {
#define INJ__X(id, name) INJ_DIST_##id,
    INJ_DISTS(INJ__X)
#undef INJ__X
} inj_dist;

/* Where a dropped connection is cut: before the request is read, in the
 * middle of it, or after executing it and before the reply. */
#define INJ_PHASES(X) X(BEFORE, "before") X(MID, "mid") X(AFTER, "after")

typedef enum {
#define INJ__X(id, name) INJ_PHASE_##id,
    INJ_PHASES(INJ__X)
#undef INJ__X
} inj_phase;

const char *inj_kind_name(inj_kind k);   /* "delay", ...; "?" if out of range */
const char *inj_dist_name(inj_dist d);
const char *inj_phase_name(inj_phase p);
/* Parse a name; returns the value (>= 0) or -EINVAL. */
int inj_kind_parse(const char *name);
int inj_dist_parse(const char *name);
int inj_phase_parse(const char *name);

/* ---------------------------------------------------------------- catalog */

typedef struct inj_point_def {
    const char *pattern;   /* "chan/<name>/send": <...> matches any non-empty text */
    const char *meaning;   /* one line */
    unsigned kinds;        /* INJ_BIT(...) of the kinds it accepts */
} inj_point_def;

/* Every point compiled in, runtime's first, then registered ones in
 * registration order. Returns the count; *out points to static storage. */
size_t inj_catalog(const inj_point_def **out);

/* Add points (defs must stay valid). 0; -EINVAL (bad pattern, no kinds,
 * pattern already catalogued); -ENOMEM. */
int inj_catalog_register(const inj_point_def *defs, size_t n);

/* The catalogued point a concrete name belongs to, or NULL. */
const inj_point_def *inj_catalog_find(const char *name);

/* ---------------------------------------------------------------- specs */

/* A fault spec. Fields a kind does not take must stay zero (by, jitter and
 * dist are delay's; err is error's and spawn_fail's; bytes is short's;
 * phase is drop's): setting one is an error naming it. */
typedef struct inj_spec {
    const char *point;     /* name, or pattern ending in '*' */
    inj_kind kind;
    /* delay */
    int64_t by, jitter;    /* ns, >= 0 */
    inj_dist dist;
    /* error, spawn_fail: the errno the operation fails with (positive, e.g.
     * EIO); 0 = EAGAIN for spawn_fail, required for error */
    int err;
    inj_phase phase;       /* drop */
    int64_t bytes;         /* short: bytes transferred (>= 0) */
    /* activation, all composable: */
    double p;              /* probability a hit fires, in [0, 1] */
    uint64_t nth;          /* > 0: only every nth hit (n, 2n, ...) */
    uint64_t first;        /* > 0: only the first `first` hits */
    uint64_t max;          /* > 0: at most `max` firings */
    int64_t from, to;      /* window on the scheduler clock: from <= now < to;
                              to = GR_FOREVER: no end */
} inj_spec;

/* Start every spec from this: p = 1, no window end, everything else unset. */
#define INJ_SPEC_INIT                                                    \
    ((inj_spec){.point = NULL, .kind = INJ_DELAY, .dist = INJ_DIST_FIXED, \
                .p = 1.0, .from = 0, .to = GR_FOREVER})

/* ---------------------------------------------------------------- injector */

typedef struct inj inj;

typedef struct inj_opts {
    uint64_t seed;         /* the run seed every spec's stream derives from */
    size_t log_max;        /* events kept in full; 0 = 100000 (all counted) */
} inj_opts;

/* Create the injector for scheduler s and install its fault hook. opts may
 * be NULL (seed 0). 0; -EINVAL (out or s NULL); -EBUSY (another injector
 * exists in this process); -ENOMEM; -EIO (libfiu failed to initialise). */
int inj_create(inj **out, gr_sched *s, const inj_opts *opts);

/* Disarm everything, remove the hook, free. Disarming opens every gate:
 * tasks parked by block / full become runnable (and run if the scheduler
 * runs again). Release it before its scheduler. NULL: no-op. */
void inj_release(inj *j);

/* Validate and arm a spec (copied; point is copied too). Returns its handle
 * (> 0), or -EINVAL with a message naming the field: point (missing, or
 * matching no catalogued point: the message lists near ones), kind (not
 * accepted at that point), p, by, jitter, dist, err, bytes, phase, from, to;
 * -ENOMEM; -EIO (libfiu refused the point). */
int inj_arm(inj *j, const inj_spec *spec, char *err, size_t errlen);

/* Disarm one fault: its blocked tasks are released, senders held by its
 * `full` proceed. 0; -ENOENT (no such handle); -EINVAL (j NULL). */
int inj_disarm(inj *j, int handle);

/* Disarm every fault ("clear"). Returns how many were armed. */
int inj_clear(inj *j);

typedef struct inj_armed {
    int handle;
    inj_spec spec;         /* spec.point points into the injector (valid
                              until that fault is disarmed) */
    uint64_t hits;         /* hits seen at matching points (in its window) */
    uint64_t fired;
} inj_armed;

/* Copy the armed faults, in arming order, into out[0..max); returns how
 * many are armed. */
size_t inj_list(const inj *j, inj_armed *out, size_t max);

/* ---------------------------------------------------------------- points */

/* What fired at a point, for code above the runtime (the service) that
 * must act on drop / short itself. */
typedef struct inj_outcome {
    unsigned fired;        /* INJ_BIT(...) of every kind that fired */
    int err;               /* error / spawn_fail: the negated errno */
    inj_phase phase;       /* drop */
    int64_t bytes;         /* short */
} inj_outcome;

/* A direct fiu_fail(name) by other code counts as a non-blocking hit whose
 * firings are logged (under the name libfiu enabled, which may be the
 * pattern) but not applied. */

/* A point of yours was reached by the running task: evaluate the armed
 * faults matching `name`, apply in place what blocks (delay, block, full;
 * only when can_block), log each firing, and fill *out (may be NULL).
 * Returns 0, or the negated errno of an error / spawn_fail that fired. */
int inj_hit(inj *j, const char *name, bool can_block, inj_outcome *out);

/* The same for an operation with a deadline: what blocks (delay, block,
 * full) never waits past it, and when cut short there the result is
 * -ETIMEDOUT (unless an error fired first). inj_hit is deadline GR_FOREVER. */
int inj_hit_by(inj *j, const char *name, bool can_block, int64_t deadline, inj_outcome *out);

/* Cheap test for "is anything armed at all". */
bool inj_any_armed(const inj *j);

/* A marked point of code above the runtime: its name, and a cache of
 * whether any armed fault aims at it (refreshed when the armed set
 * changes). Declare one per point, e.g. a static or a struct field:
 *     static inj_site exec_site = INJ_SITE("svc/pool/exec");            */
typedef struct inj_site {
    const char *name;      /* must stay valid while the site is used */
    uint64_t gen;
    bool armed;
} inj_site;

#define INJ_SITE(point_name) ((inj_site){.name = (point_name), .gen = 0, .armed = false})

/* The part of an injector INJ_POINT reads inline. */
typedef struct inj_head {
    bool any;              /* anything armed */
    uint64_t gen;          /* bumped whenever the armed set changes */
} inj_head;

/* Mark a point: evaluates to 0 when nothing is armed (one load and a
 * branch; j may be NULL) or when only other points are armed (two more
 * loads), else to inj_site_hit's result. out (may be NULL) is written only
 * when the point is armed and inj_hit runs. */
#define INJ_POINT(j, site, can_block, out)                                        \
    (__builtin_expect((j) != NULL && ((const inj_head *)(const void *)(j))->any &&  \
                          ((site)->armed ||                                        \
                           (site)->gen != ((const inj_head *)(const void *)(j))->gen), \
                      0)                                                           \
         ? inj_site_hit((j), (site), (can_block), (out))                           \
         : 0)

/* The slow half of INJ_POINT: refresh the site's cache if the armed set
 * changed; if it is armed, inj_hit. */
int inj_site_hit(inj *j, inj_site *site, bool can_block, inj_outcome *out);

/* ---------------------------------------------------------------- event log */

typedef struct inj_event {
    int64_t time;          /* scheduler clock, ns */
    inj_kind kind;
    uint64_t task;         /* id of the task at the point */
    char task_name[GR_NAME_MAX];
    char point[96];        /* the concrete point name */
    char detail[64];       /* "delay 50ms", "error EIO", "block", ... */
} inj_event;

/* Copy the first min(max, kept) events, in firing order. Returns how many
 * fired in total (kept ones plus those only counted). */
size_t inj_events(const inj *j, inj_event *out, size_t max);

typedef struct inj_count {
    const char *point;     /* valid while the injector lives */
    inj_kind kind;
    uint64_t count;
} inj_count;

/* Exact firing counts per (point, kind), in order of first firing. Returns
 * how many pairs exist; copies min(max, that) into out. */
size_t inj_counts(const inj *j, inj_count *out, size_t max);

#endif /* INJ_H */
