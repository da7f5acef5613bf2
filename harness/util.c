/* util.c — the harness's small shared pieces: scenario seeds and the names
 * of modes, verdicts and checks. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/gt_int.h"

/* ---------------------------------------------------------------- names */

static const char *const mode_names[] = {"sim", "real"};

#define GT__X(id, name) name,
static const char *const verdict_names[] = {GT_VERDICTS(GT__X)};
#undef GT__X

#define GT__X(id, name, params, text) name,
static const char *const check_names[] = {GT_CHECKS(GT__X)};
#undef GT__X

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "?" for a value outside the enum. */
const char *gt_mode_name(gt_mode m)
{
    return (unsigned)m < NELEM(mode_names) ? mode_names[m] : "?";
}

/* GT_MODE_SIM / GT_MODE_REAL, or -EINVAL (also for NULL). */
int gt_mode_parse(const char *s)
{
    for (size_t i = 0; s && i < NELEM(mode_names); i++)
        if (strcmp(s, mode_names[i]) == 0)
            return (int)i;
    return -EINVAL;
}

const char *gt_verdict_name(gt_verdict v)
{
    return (unsigned)v < NELEM(verdict_names) ? verdict_names[v] : "?";
}

const char *gt_check_name(gt_check_kind k)
{
    return (unsigned)k < GT_CHECK__COUNT ? check_names[k] : "?";
}

/* ---------------------------------------------------------------- seeds */

/* FNV-1a, 64 bits. */
static uint64_t fnv1a64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* One splitmix64 step from state x: a bijection on 64 bits. */
static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* STABLE: splitmix64(splitmix64(suite_seed) ^ fnv1a64(name)), or 1 where
 * that is 0. Recorded seeds replay only while this stays the same; the
 * tests pin known values. For one suite seed, distinct name hashes give
 * distinct seeds (both steps are bijections). */
uint64_t gt_seed_derive(uint64_t suite_seed, const char *name)
{
    assert(name);
    uint64_t r = splitmix64(splitmix64(suite_seed) ^ fnv1a64(name));
    return r ? r : 1;
}
