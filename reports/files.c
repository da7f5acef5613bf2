/* files.c — reading and writing files: atomic writes, whole-file reads,
 * documents parsed with their seeds exact, links between a page and the
 * documents it shows. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/rep_int.h"

/* ---------------------------------------------------------------- files */

/* "<dir>/.<base>.XXXXXX" for path "<dir>/<base>" (".<base>.XXXXXX" with no
 * directory): a hidden temp name in path's directory. NULL on ENOMEM. */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t len = strlen(path) + sizeof "..XXXXXX";
    char *t = malloc(len);
    if (t)
        snprintf(t, len, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
    return t;
}

/* Write all len bytes to fd: 0 or a negated errno. */
static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, data, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        data += k;
        len -= (size_t)k;
    }
    return 0;
}

/* Fill the open temp file fd and close it: 0 or a negated errno (fd is
 * closed either way). */
static int fill_and_close(int fd, const char *data, size_t len)
{
    int rc = 0;
    if (fchmod(fd, 0644) < 0)
        rc = -errno;
    if (rc == 0)
        rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

/* The temp file is made by mkstemp next to path, given mode 0644 (not
 * subject to the umask), written, fsynced, closed and renamed over path.
 * On any failure the temp file is unlinked and path is untouched: -ENOMEM,
 * or the errno of the failing call (-ENOENT for a missing directory,
 * -EACCES, -ENOSPC, -EISDIR when path is a directory, ...). The
 * directory itself is not fsynced: after a crash the old contents may
 * show, never a partial file. */
int rep_write_atomic(const char *path, const char *data, size_t len)
{
    char *tmp = temp_template(path);
    if (!tmp)
        return -ENOMEM;
    int rc = 0;
    int fd = mkstemp(tmp);
    if (fd < 0)
        rc = -errno;
    else
        rc = fill_and_close(fd, data, len);
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0 && fd >= 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int rep__read_file(const char *path, char **text, size_t *len)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    rep_buf b = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        rep__putn(&b, chunk, k);
    int rc = ferror(f) ? -EIO : b.oom ? -ENOMEM : 0;
    fclose(f);
    if (rc == 0 && !b.p)
        rep__putn(&b, "", 0), rc = b.oom ? -ENOMEM : 0;
    if (rc < 0) {
        free(b.p);
        return rc;
    }
    *text = b.p;
    if (len)
        *len = b.len;
    return 0;
}

/* ---------------------------------------------------------------- parsing */

/* The digits of every numeric "seed" value in text, in document order
 * (a string cannot hold an unescaped `"seed"` followed by `:`, so every
 * match is a key). Returns the count; -ENOMEM. */
static int seed_digits(const char *text, char ***out)
{
    int n = 0, cap = 0;
    char **v = NULL;
    for (const char *p = strstr(text, "\"seed\""); p; p = strstr(p + 1, "\"seed\"")) {
        const char *q = p + 6;
        q += strspn(q, " \t\r\n");
        if (*q != ':')
            continue;
        q++;
        q += strspn(q, " \t\r\n");
        size_t len = strspn(q, "0123456789");
        if (len == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nv = realloc(v, (size_t)cap * sizeof *v);
            if (!nv)
                goto oom;
            v = nv;
        }
        if (!(v[n] = strndup(q, len)))
            goto oom;
        n++;
    }
    *out = v;
    return n;
oom:
    while (n > 0)
        free(v[--n]);
    free(v);
    return -ENOMEM;
}

/* Replace, in document order, each numeric "seed" item under o with a raw
 * item of the next digits. false on ENOMEM. */
static bool fix_seeds(cJSON *o, char **digits, int n, int *next)
{
    for (cJSON *c = o->child; c; c = c->next) {
        if (c->string && strcmp(c->string, "seed") == 0 && cJSON_IsNumber(c)) {
            if (*next >= n)
                return true; /* cannot happen: both walk the same text */
            cJSON *raw = cJSON_CreateRaw(digits[(*next)++]);
            /* (ReplaceItemInObject also gives raw its key) */
            if (!raw || !cJSON_ReplaceItemInObjectCaseSensitive(o, "seed", raw)) {
                cJSON_Delete(raw);
                return false;
            }
            c = raw;
        } else if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && !fix_seeds(c, digits, n, next))
            return false;
    }
    return true;
}

/* The 1-based line of p in text. */
static int line_of(const char *text, const char *p)
{
    int line = 1;
    for (const char *q = text; q < p && *q; q++)
        line += *q == '\n';
    return line;
}

cJSON *rep__parse(const char *text, char *err, size_t errlen)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, true);
    if (!root) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        if (err)
            snprintf(err, errlen, "line %d: not valid JSON", at ? line_of(text, at) : 1);
        return NULL;
    }
    char **digits = NULL;
    int n = seed_digits(text, &digits), next = 0;
    bool ok = n >= 0 && fix_seeds(root, digits, n, &next);
    for (int i = 0; i < n; i++)
        free(digits[i]);
    free(digits);
    if (!ok) {
        cJSON_Delete(root);
        if (err)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------- links */

/* The real path of path's directory into out; false when it cannot be had. */
static bool real_dir(const char *path, char *out)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return realpath(dir, out) != NULL;
}

void rep__doc_href(const rep_scn *sc, const char *page_path, char *out, size_t cap)
{
    char a[PATH_MAX], b[PATH_MAX];
    out[0] = '\0';
    if (!sc->doc || !sc->doc_path || !page_path)
        return;
    if (real_dir(sc->doc_path, a) && real_dir(page_path, b) && strcmp(a, b) == 0) {
        const char *slash = strrchr(sc->doc_path, '/');
        snprintf(out, cap, "%s", slash ? slash + 1 : sc->doc_path);
    }
}

/* ---------------------------------------------------------------- directories */

int rep_make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -ENAMETOOLONG;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -errno : 0;
}
