/* text.c — the renderers' shared pieces: the output buffer, HTML/XML
 * escaping, NULL-safe document getters, durations for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep_int.h"

/* ---------------------------------------------------------------- buffer */

static bool reserve(rep_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void rep__putn(rep_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rep__put(rep_buf *b, const char *s)
{
    if (s)
        rep__putn(b, s, strlen(s));
}

void rep__printf(rep_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        rep__putn(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int rep__buf_commit(rep_buf *b, const char *path, char *err, size_t errlen)
{
    int rc = b->oom ? -ENOMEM : rep_write_atomic(path, b->p ? b->p : "", b->len);
    if (rc < 0 && err)
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
    free(b->p);
    *b = (rep_buf){0};
    return rc;
}

/* ---------------------------------------------------------------- escaping */

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when it is not
 * one (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || c > 0xf4)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0)))
        return 0;
    if (n == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
        return 0;
    /* U+FFFE and U+FFFF are not XML characters either */
    if (n == 3 && c == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
        return 0;
    return n;
}

static void escape(rep_buf *b, const char *str, bool attr)
{
    if (!str)
        return;
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x7f && !strchr("&<>\"'", *s))
            s++;
        rep__putn(b, (const char *)run, (size_t)(s - run));
        if (!*s)
            break;
        unsigned c = *s;
        size_t n = utf8_len(s);
        if (c == '&')
            rep__put(b, "&amp;");
        else if (c == '<')
            rep__put(b, "&lt;");
        else if (c == '>')
            rep__put(b, "&gt;");
        else if (c == '"')
            rep__put(b, "&quot;");
        else if (c == '\'')
            rep__put(b, "&#39;");
        else if (c == '\t' || c == '\n' || c == '\r') {
            if (attr)
                rep__printf(b, "&#%u;", c);
            else
                rep__putn(b, (const char *)s, 1);
        } else if (c < 0x20 || c == 0x7f || n == 0)
            rep__put(b, "\xef\xbf\xbd"); /* U+FFFD */
        else {
            rep__putn(b, (const char *)s, n);
            s += n;
            continue;
        }
        s++;
    }
}

void rep__esc(rep_buf *b, const char *s)
{
    escape(b, s, false);
}

void rep__esc_attr(rep_buf *b, const char *s)
{
    escape(b, s, true);
}

/* ---------------------------------------------------------------- getters */

const cJSON *rep__get(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

const char *rep__str(const cJSON *o, const char *key, const char *dflt)
{
    const cJSON *v = rep__get(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

int64_t rep__int(const cJSON *o, const char *key, int64_t dflt)
{
    const cJSON *v = rep__get(o, key);
    if (cJSON_IsNumber(v)) { /* a hostile 1e300 or NaN: converting is undefined */
        double d = v->valuedouble;
        return d != d ? dflt : d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
    }
    if (cJSON_IsRaw(v) && v->valuestring) {
        char *end;
        errno = 0;
        long long x = strtoll(v->valuestring, &end, 10);
        if (errno == 0 && end != v->valuestring && *end == '\0')
            return x;
    }
    return dflt;
}

double rep__num(const cJSON *o, const char *key, double dflt)
{
    const cJSON *v = rep__get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

bool rep__bool(const cJSON *o, const char *key, bool dflt)
{
    const cJSON *v = rep__get(o, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

const char *rep__seed(const cJSON *o)
{
    const cJSON *v = rep__get(o, "seed");
    return cJSON_IsRaw(v) && v->valuestring ? v->valuestring : "?";
}

const char *rep__scn_str(const rep_scn *sc, const char *key, const char *dflt)
{
    const char *v = rep__str(sc->doc, key, NULL);
    return v ? v : rep__str(sc->entry, key, dflt);
}

/* ---------------------------------------------------------------- units */

char *rep__fmt_ns(int64_t ns, char *out, size_t cap)
{
    if (ns < 0)
        snprintf(out, cap, "never");
    else if (ns == 0)
        snprintf(out, cap, "0");
    else if (ns < 1000)
        snprintf(out, cap, "%" PRId64 "ns", ns);
    else if (ns < 1000000)
        snprintf(out, cap, "%.3gµs", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(out, cap, "%.3gms", (double)ns / 1e6);
    else if (ns < INT64_C(60000000000))
        snprintf(out, cap, "%.3gs", (double)ns / 1e9);
    else {
        int64_t s = ns / 1000000000;
        snprintf(out, cap, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    }
    return out;
}
