/* catalog.c — the catalog of fail points compiled in, name tables of the
 * fault kinds, and matching names and specs against catalogued patterns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject/inj_int.h"

/* ---------------------------------------------------------------- names */

#define INJ__X(id, name, text) name,
static const char *const kind_names[] = {INJ_KINDS(INJ__X)};
#undef INJ__X
#define INJ__X(id, name) name,
static const char *const dist_names[] = {INJ_DISTS(INJ__X)};
static const char *const phase_names[] = {INJ_PHASES(INJ__X)};
#undef INJ__X

#define INJ__COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *name_of(const char *const *t, size_t n, int i)
{
    return i >= 0 && (size_t)i < n ? t[i] : "?";
}

static int parse(const char *const *t, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(t[i], name) == 0)
            return (int)i;
    return -EINVAL;
}

const char *inj_kind_name(inj_kind k) { return name_of(kind_names, INJ__COUNT(kind_names), (int)k); }
const char *inj_dist_name(inj_dist d) { return name_of(dist_names, INJ__COUNT(dist_names), (int)d); }
const char *inj_phase_name(inj_phase p) { return name_of(phase_names, INJ__COUNT(phase_names), (int)p); }
int inj_kind_parse(const char *name) { return parse(kind_names, INJ__COUNT(kind_names), name); }
int inj_dist_parse(const char *name) { return parse(dist_names, INJ__COUNT(dist_names), name); }
int inj_phase_parse(const char *name) { return parse(phase_names, INJ__COUNT(phase_names), name); }

/* ---------------------------------------------------------------- catalog */

static const inj_point_def runtime_points[] = {
    {"chan/<name>/send", "a send on channel <name> (gr_chan_send, gr_chan_try_send)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_FULL) | INJ_BIT(INJ_BLOCK)},
    {"chan/<name>/recv", "a receive on channel <name> (gr_chan_recv, gr_chan_try_recv)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK)},
    {"task/spawn/<name>", "creating a task named <name> (gr_spawn, gr_group_go)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_BLOCK) | INJ_BIT(INJ_SPAWN_FAIL)},
    {"net/<endpoint>/accept", "accepting a connection at <endpoint> (drop: reset before accept returns it)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP)},
    {"net/<endpoint>/connect", "connecting to <endpoint> (drop: the connect fails with a reset)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP)},
    {"net/<endpoint>/read", "a read on a connection to <endpoint> (drop: abort it; short: read at most bytes)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP) | INJ_BIT(INJ_SHORT)},
    {"net/<endpoint>/write", "a write on a connection to <endpoint> (drop: abort it; short: write only bytes)",
     INJ_BIT(INJ_DELAY) | INJ_BIT(INJ_ERROR) | INJ_BIT(INJ_DROP) | INJ_BIT(INJ_SHORT)},
};

/* The catalog is process-wide data: the points compiled into the binary. */
static inj_point_def *catalog;
static size_t ncatalog, catalog_cap;

static int catalog_init(void)
{
    if (catalog)
        return 0;
    catalog_cap = 16;
    if (!(catalog = malloc(catalog_cap * sizeof *catalog)))
        return -ENOMEM;
    memcpy(catalog, runtime_points, sizeof runtime_points);
    ncatalog = INJ__COUNT(runtime_points);
    return 0;
}

size_t inj_catalog(const inj_point_def **out)
{
    if (catalog_init() < 0) {
        *out = runtime_points;
        return INJ__COUNT(runtime_points);
    }
    *out = catalog;
    return ncatalog;
}

/* A pattern is literal text and <placeholders>: every '<' is closed by a
 * '>' with a non-empty name between, and there is some literal text. */
static bool pattern_ok(const char *p)
{
    if (!p || !*p || *p == '<')
        return false;
    for (; *p; p++) {
        if (*p == '*')
            return false;
        if (*p == '<') {
            const char *e = strchr(p, '>');
            if (!e || e == p + 1)
                return false;
            p = e;
        }
    }
    return true;
}

int inj_catalog_register(const inj_point_def *defs, size_t n)
{
    int rc = catalog_init();
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (!pattern_ok(defs[i].pattern) || !defs[i].meaning || !defs[i].kinds ||
            defs[i].kinds >= INJ_BIT(INJ_KIND__COUNT))
            return -EINVAL;
        for (size_t k = 0; k < ncatalog; k++)
            if (strcmp(catalog[k].pattern, defs[i].pattern) == 0)
                return -EINVAL;
    }
    if (ncatalog + n > catalog_cap) {
        size_t cap = (ncatalog + n) * 2;
        inj_point_def *c = realloc(catalog, cap * sizeof *c);
        if (!c)
            return -ENOMEM;
        catalog = c;
        catalog_cap = cap;
    }
    memcpy(catalog + ncatalog, defs, n * sizeof *defs);
    ncatalog += n;
    return 0;
}

/* ---------------------------------------------------------------- matching */

/* Does the concrete name s match catalogued pattern p? */
static bool pattern_match(const char *p, const char *s)
{
    for (; *p; p++, s++) {
        if (*p == '<') {
            const char *rest = strchr(p, '>') + 1;
            for (const char *t = s + 1; t <= s + strlen(s); t++) /* 1+ chars */
                if (pattern_match(rest, t))
                    return true;
            return false;
        }
        if (*p != *s)
            return false;
    }
    return *s == '\0';
}

/* Can some name starting with prefix s match pattern p? */
static bool pattern_prefix(const char *p, const char *s)
{
    for (; *s; p++, s++) {
        if (*p == '\0')
            return false;
        if (*p == '<') /* the placeholder can swallow the rest of s */
            return true;
        if (*p != *s)
            return false;
    }
    return true;
}

const inj_point_def *inj_catalog_find(const char *name)
{
    const inj_point_def *c;
    size_t n = inj_catalog(&c);
    for (size_t i = 0; name && i < n; i++)
        if (pattern_match(c[i].pattern, name))
            return &c[i];
    return NULL;
}

bool inj__spec_matches(const char *spec_point, const char *name)
{
    size_t n = strlen(spec_point);
    if (n && spec_point[n - 1] == '*')
        return strncmp(spec_point, name, n - 1) == 0;
    return strcmp(spec_point, name) == 0;
}

unsigned inj__spec_kinds(const char *spec_point)
{
    const inj_point_def *c;
    size_t n = inj_catalog(&c), len = strlen(spec_point);
    bool wild = len && spec_point[len - 1] == '*';
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(wild ? len - 1 : len), spec_point);
    unsigned kinds = 0;
    for (size_t i = 0; i < n; i++)
        if (wild ? pattern_prefix(c[i].pattern, prefix) : pattern_match(c[i].pattern, prefix))
            kinds |= c[i].kinds;
    return kinds;
}

/* ---------------------------------------------------------------- near names */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[257];
    if (lb > 256)
        lb = 256;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

void inj__near_points(const char *point, char *buf, size_t len)
{
    const inj_point_def *c;
    size_t n = inj_catalog(&c), used = 0;
    bool taken[256] = {false};
    buf[0] = '\0';
    for (int k = 0; k < 3 && (size_t)k < n && n <= 256; k++) {
        size_t best = 0, dbest = (size_t)-1;
        for (size_t i = 0; i < n; i++) {
            size_t d = edit_distance(point, c[i].pattern);
            if (!taken[i] && d < dbest) {
                dbest = d;
                best = i;
            }
        }
        taken[best] = true;
        int w = snprintf(buf + used, len - used, "%s%s", k ? ", " : "", c[best].pattern);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
    }
}
