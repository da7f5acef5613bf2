/* load_int.h — the scenario loader's private pieces, shared by lua_box.c
 * (the sandbox) and load*.c (the constructors): the box a file's Lua state
 * runs in, strict readers for constructor arguments, and the tagged values
 * the constructors return. Nothing outside harness/ includes this file.
 *
 * ERRORS. Inside a constructor (a C function called from Lua) every
 * problem is raised as a Lua error whose message is
 *     "file:line: <constructor>: <key>: <problem>"
 * where file:line is the Lua code that called the constructor; the
 * readers below raise them (they do not return on error). Functions that
 * do not run under Lua (gt__fault_check, gt__box_pcall) return a negated
 * errno and write the message into a caller buffer instead. */
#ifndef GT_LOAD_INT_H
#define GT_LOAD_INT_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/gt_int.h"

/* ---------------------------------------------------------------- lua_box.c */

/* The sandbox around one lua_State: its allocator's accounting and its
 * instruction budget. It is the state's allocator userdata, so any
 * lua_State of the file (coroutines too) finds it (gt__box_of). */
typedef struct gt__box {
    size_t mem, mem_max;       /* bytes Lua holds / may hold */
    uint64_t mem_refused;      /* allocations refused for the cap */
    uint64_t mem_failed;       /* allocations the system refused */
    int64_t used, budget;      /* VM instructions counted / allowed per call */
    bool spent;                /* the budget ran out: every Lua instruction
                                  raises again until the next call begins */
    int depth;                 /* gt__box_pcall nesting */
    char *path;                /* the scenario file, as given */
    char *root;                /* require() looks under here */
} gt__box;

/* A fresh sandbox state: only base, table, string, math (seeded with 0),
 * utf8 and coroutine; no dofile, loadfile; text-only load; require under
 * b->root; then open(L) adds the harness's globals, and reading an unknown
 * global becomes an error. 0; -ENOMEM (err says why). */
int gt__box_open(lua_State **out, gt__box *b, lua_CFunction open, char *err, size_t errlen);
void gt__box_close(lua_State *L);
/* Raise "not enough memory" for an allocation the system refused outside
 * Lua's allocator (gt__box_pcall then returns -ENOMEM). */
__attribute__((noreturn)) void gt__box_nomem(lua_State *L);
gt__box *gt__box_of(lua_State *L);

/* Start a fresh instruction budget on L (gt__box_pcall does it for the
 * outermost call). For code run outside gt__box_pcall (lua_resume). */
void gt__box_budget_reset(lua_State *L);

/* lua_pcall the function under nargs arguments at the top of L, under a
 * fresh budget (outermost call only) and a message handler that keeps
 * "file:line: message" first (traceback: a stack traceback follows on the
 * next lines). 0 with nres results left; else nothing left on the stack,
 * the message in err and -EINVAL (a script error, the budget, the memory
 * cap) or -ENOMEM (the system's memory). */
int gt__box_pcall(lua_State *L, int nargs, int nres, bool traceback, char *err, size_t errlen);

/* "file:line:" of the innermost Lua function at or above stack level
 * `level` of L ("" when none); *line gets its line (0 when none). */
void gt__box_where(lua_State *L, int level, char *buf, size_t len, int *line);

/* Keep the value at idx alive as long as L (strings: one copy per distinct
 * text). Returns the string's text when it is a string, else NULL. */
const char *gt__box_anchor(lua_State *L, int idx);

/* ---------------------------------------------------------------- load_value.c */

/* Where a constructor's arguments are read, for messages. */
typedef struct gt__ctx {
    lua_State *L;
    const char *ctor;          /* "pool", "delay", ... */
    const char *src;           /* file of the call (anchored), or "" */
    int line;                  /* its line (0: unknown) */
    int t;                     /* absolute index of the table being read */
    char sub[64];              /* "stages[2]: ", "dep: " ... or "" */
} gt__ctx;

/* Begin reading the arguments of constructor ctor, called from Lua. */
void gt__ld_begin(gt__ctx *c, lua_State *L, const char *ctor);
/* Raise "file:line: ctor: <sub><key>: <problem>" (key may be NULL). */
__attribute__((noreturn, format(printf, 3, 4))) void gt__ld_fail(gt__ctx *c, const char *key,
                                                               const char *fmt, ...);
/* Describe a value for "(got ...)": "table", "\"50 ms\"", "12", "pool { }". */
void gt__ld_describe(lua_State *L, int idx, char *buf, size_t len);

/* The single table argument `ctor { ... }`: sets c->t. */
void gt__ld_table_arg(gt__ctx *c);
/* At most max positional arguments. */
void gt__ld_nargs(gt__ctx *c, int max);
/* Every key of table c->t must be one of keys (NULL-terminated). */
void gt__ld_keys(gt__ctx *c, const char *const *keys);
/* Enter the table at idx (its keys checked) as "label: "; leave with the
 * returned mark. */
int gt__ld_enter(gt__ctx *c, int idx, const char *label, const char *const *keys);
void gt__ld_leave(gt__ctx *c, int mark, int t);

/* Push field key of c->t and return true; nil: push nothing, false. */
bool gt__ld_field(gt__ctx *c, const char *key);
/* The same, but the field is required. */
void gt__ld_need(gt__ctx *c, const char *key);

/* Read the value at idx (key names it in messages). */
int64_t gt__ld_int(gt__ctx *c, int idx, const char *key, int64_t lo, int64_t hi);
double gt__ld_num(gt__ctx *c, int idx, const char *key, double lo, double hi);
int64_t gt__ld_dur(gt__ctx *c, int idx, const char *key);
bool gt__ld_bool(gt__ctx *c, int idx, const char *key);
const char *gt__ld_str(gt__ctx *c, int idx, const char *key, size_t max);
/* A name used in point names: 1 to GR_NAME_MAX - 1 of [A-Za-z0-9_.-]. */
const char *gt__ld_name(gt__ctx *c, int idx, const char *key);
int gt__ld_enum(gt__ctx *c, int idx, const char *key, const char *const *names, int n);
/* A list { a, b, ... } of at most max entries: its length. */
int gt__ld_list(gt__ctx *c, int idx, const char *key, int max);

/* Optional fields of c->t with a default. */
int64_t gt__ld_opt_int(gt__ctx *c, const char *key, int64_t def, int64_t lo, int64_t hi);
double gt__ld_opt_num(gt__ctx *c, const char *key, double def, double lo, double hi);
int64_t gt__ld_opt_dur(gt__ctx *c, const char *key, int64_t def);

/* Write ns compactly: "500ms", "1.5s", "250us", "2m", "0s". */
void gt__ld_fmt_dur(char *buf, size_t len, int64_t ns);

/* ---------------------------------------------------------------- values */

/* What a constructor returns: a full userdata with the loader's private
 * metatable (scripts cannot make or change one), where it was made, and
 * its part of the model. Its strings are anchored (gt__box_anchor). */
typedef enum { GT__V_TARGET, GT__V_LOAD, GT__V_FAULT, GT__V_CHECK, GT__V_SCENARIO } gt__vtype;

typedef struct gt__val {
    gt__vtype type;
    const char *ctor;          /* static: "pool", "delay", "max_tasks" ... */
    const char *src;           /* anchored */
    int line;
    union {
        gt_target_spec target;
        gt_load_spec load;
        gt_fault_spec fault;
        gt_check_spec check;
        gt_scenario scn;
    } u;
} gt__val;

/* Push a new zeroed value made by c's constructor. */
gt__val *gt__ld_val_new(gt__ctx *c, gt__vtype type);
/* The value at idx, or NULL when it is not one of the loader's. */
gt__val *gt__ld_val_test(lua_State *L, int idx);
/* Register the values' metatable (in gt__box_open's open). */
void gt__ld_val_init(lua_State *L);

/* ---------------------------------------------------------------- constructors */

/* Register the globals of each group (load_target.c, load_fault.c,
 * load_check.c, load.c). */
void gt__ld_open_target(lua_State *L);
void gt__ld_open_fault(lua_State *L);
void gt__ld_open_check(lua_State *L);

/* The queues of a target, for bounded_queue: the pool's name, or its
 * stages' names. Returns how many (at most SVC_STAGES_MAX). */
int gt__ld_queues(const gt_target_spec *t, const char **out);

#endif /* GT_LOAD_INT_H */
