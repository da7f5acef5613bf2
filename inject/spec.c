/* spec.c — validating a fault spec: every field checked, and a message
 * that names the field and says what was expected. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "inject/inj_int.h"

int inj__fail(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static void kinds_text(unsigned kinds, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < INJ_KIND__COUNT; k++)
        if (kinds & INJ_BIT(k)) {
            int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", inj_kind_name(k));
            if (w < 0 || (size_t)w >= len - used)
                return;
            used += (size_t)w;
        }
}

/* Parameters a kind takes; any other one set is an error. */
static int check_params(const inj_spec *sp, char *err, size_t len)
{
    inj_kind k = sp->kind;
    if (k != INJ_DELAY && (sp->by || sp->jitter || sp->dist != INJ_DIST_FIXED))
        return inj__fail(err, len, "%s: only delay takes by, jitter, dist", sp->by ? "by" : sp->jitter ? "jitter" : "dist");
    if (k != INJ_ERROR && k != INJ_SPAWN_FAIL && sp->err)
        return inj__fail(err, len, "err: only error and spawn_fail take err");
    if (k != INJ_SHORT && sp->bytes)
        return inj__fail(err, len, "bytes: only short takes bytes");
    if (k != INJ_DROP && sp->phase != INJ_PHASE_BEFORE)
        return inj__fail(err, len, "phase: only drop takes phase");
    switch (k) {
    case INJ_DELAY:
        if (sp->by < 0)
            return inj__fail(err, len, "by: must be >= 0 (got %lld ns)", (long long)sp->by);
        if (sp->jitter < 0)
            return inj__fail(err, len, "jitter: must be >= 0 (got %lld ns)", (long long)sp->jitter);
        if ((unsigned)sp->dist > INJ_DIST_EXPONENTIAL)
            return inj__fail(err, len, "dist: unknown distribution %d", (int)sp->dist);
        if (sp->dist == INJ_DIST_FIXED && sp->jitter)
            return inj__fail(err, len, "dist: fixed takes no jitter; use uniform or exponential");
        return 0;
    case INJ_ERROR:
        if (sp->err <= 0 || sp->err > 4095)
            return inj__fail(err, len, "err: required for error (an errno such as EIO, got %d)", sp->err);
        return 0;
    case INJ_SPAWN_FAIL:
        if (sp->err < 0 || sp->err > 4095)
            return inj__fail(err, len, "err: not an errno (got %d)", sp->err);
        return 0;
    case INJ_SHORT:
        if (sp->bytes < 0)
            return inj__fail(err, len, "bytes: must be >= 0 (got %lld)", (long long)sp->bytes);
        return 0;
    case INJ_DROP:
        if ((unsigned)sp->phase > INJ_PHASE_AFTER)
            return inj__fail(err, len, "phase: unknown phase %d", (int)sp->phase);
        return 0;
    default:
        return 0;
    }
}

int inj__validate(const inj_spec *sp, char *err, size_t len)
{
    if (!sp->point || !*sp->point)
        return inj__fail(err, len, "point: required");
    if ((unsigned)sp->kind >= INJ_KIND__COUNT)
        return inj__fail(err, len, "kind: unknown kind %d", (int)sp->kind);
    unsigned kinds = inj__spec_kinds(sp->point);
    if (!kinds) {
        char near[256];
        inj__near_points(sp->point, near, sizeof near);
        return inj__fail(err, len, "point: \"%s\" matches no fail point (near: %s; `gauntlet points` lists all)",
                    sp->point, near);
    }
    if (!(kinds & INJ_BIT(sp->kind))) {
        char ks[128];
        kinds_text(kinds, ks, sizeof ks);
        return inj__fail(err, len, "kind: %s is not accepted at \"%s\" (it accepts: %s)",
                    inj_kind_name(sp->kind), sp->point, ks);
    }
    if (isnan(sp->p) || sp->p < 0 || sp->p > 1)
        return inj__fail(err, len, "p: must be in [0, 1] (got %g)", sp->p);
    if (sp->from < 0)
        return inj__fail(err, len, "from: must be >= 0 (got %lld ns)", (long long)sp->from);
    if (sp->to != GR_FOREVER && sp->to <= sp->from)
        return inj__fail(err, len, "to: must be after from (from %lld ns, to %lld ns)",
                    (long long)sp->from, (long long)sp->to);
    return check_params(sp, err, len);
}
