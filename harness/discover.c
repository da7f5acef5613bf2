/* discover.c — a suite's files: found under the paths given, sorted,
 * loaded each in its own Lua state with its suite root, and the scenarios
 * selected from them (filter, tags, shard). */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gt_int.h"

#define WALK_DEPTH_MAX 32

/* A scenario file found: its path as it will be named everywhere, the
 * suite root require() sees, and its real path (to load it once). */
typedef struct found {
    char *path, *root, *real;
} found;

typedef struct found_list {
    found *v;
    int n, cap;
    FILE *diag;
} found_list;

static int push(found_list *l, const char *path, const char *root)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 32;
        found *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v, l->cap = cap;
    }
    found *e = &l->v[l->n];
    e->path = strdup(path);
    e->root = strdup(root);
    e->real = realpath(path, NULL);
    if (!e->path || !e->root || !e->real) {
        free(e->path), free(e->root), free(e->real);
        return -ENOMEM;
    }
    l->n++;
    return 0;
}

static void found_free(found_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i].path), free(l->v[i].root), free(l->v[i].real);
    free(l->v);
    l->v = NULL, l->n = l->cap = 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int unreadable(found_list *l, const char *path, int err)
{
    fprintf(l->diag, "gauntlet: %s: %s\n", path, strerror(err));
    return err == ENOMEM ? -ENOMEM : -ENOENT;
}

/* dir joined with name; "." as dir adds nothing. */
static char *join(const char *dir, const char *name)
{
    char *p = NULL;
    if (strcmp(dir, ".") == 0)
        return strdup(name);
    size_t n = strlen(dir);
    bool slash = n > 0 && dir[n - 1] == '/';
    if (asprintf(&p, "%s%s%s", dir, slash ? "" : "/", name) < 0)
        return NULL;
    return p;
}

static int walk(found_list *l, const char *dir, const char *root, int depth);

static int walk_entry(found_list *l, const char *dir, const char *name, const char *root,
                      int depth)
{
    if (name[0] == '.')
        return 0;
    char *p = join(dir, name);
    if (!p)
        return -ENOMEM;
    struct stat st;
    int rc = 0;
    if (stat(p, &st) != 0)
        rc = unreadable(l, p, errno);
    else if (S_ISDIR(st.st_mode) && strcmp(name, "lib") != 0)
        rc = walk(l, p, root, depth + 1);
    else if (S_ISREG(st.st_mode) && ends_with(name, ".lua"))
        rc = push(l, p, root);
    free(p);
    return rc;
}

/* Every *.lua file under dir (recursively; lib/ and dot-entries skipped). */
static int walk(found_list *l, const char *dir, const char *root, int depth)
{
    if (depth > WALK_DEPTH_MAX) {
        fprintf(l->diag, "gauntlet: %s: directories nested too deep\n", dir);
        return -ENOENT;
    }
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0)
        return unreadable(l, dir, errno);
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0)
            rc = walk_entry(l, dir, ents[i]->d_name, root, depth);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A file argument's root: the nearest ancestor directory (below "/") that
 * holds a lib/ directory, else the file's own directory. malloc'd. */
static char *file_root(const char *real)
{
    char *dir = strdup(real), *best = NULL;
    if (!dir)
        return NULL;
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    char probe[PATH_MAX];
    for (char *d = dir; strcmp(d, "/") != 0 && !best;) {
        snprintf(probe, sizeof probe, "%s/lib", d);
        if (is_dir(probe))
            best = strdup(d);
        char *up = strrchr(d, '/');
        if (!up || up == d)
            break;
        *up = '\0';
    }
    if (!best) {
        slash = strrchr(real, '/');
        best = slash && slash != real ? strndup(real, (size_t)(slash - real)) : strdup("/");
    }
    free(dir);
    return best;
}

static int add_path(found_list *l, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return unreadable(l, path, errno);
    if (S_ISDIR(st.st_mode)) { /* "scenarios/": the root without its slash */
        size_t n = strlen(path);
        while (n > 1 && path[n - 1] == '/')
            n--;
        char *dir = strndup(path, n);
        int rc = dir ? walk(l, dir, dir, 0) : -ENOMEM;
        free(dir);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(l->diag, "gauntlet: %s: not a file or directory\n", path);
        return -ENOENT;
    }
    if (access(path, R_OK) != 0)
        return unreadable(l, path, errno);
    char *real = realpath(path, NULL);
    char *root = real ? file_root(real) : NULL;
    int rc = root ? push(l, path, root) : -ENOMEM;
    free(real);
    free(root);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const found *)a)->path, ((const found *)b)->path);
}

/* Sorted by path; a file reached twice is kept once (the first). */
static void sort_unique(found_list *l)
{
    qsort(l->v, (size_t)l->n, sizeof *l->v, by_path);
    int k = 0;
    for (int i = 0; i < l->n; i++) {
        bool seen = false;
        for (int j = 0; j < k && !seen; j++)
            seen = strcmp(l->v[j].real, l->v[i].real) == 0;
        if (seen) {
            free(l->v[i].path), free(l->v[i].root), free(l->v[i].real);
            continue;
        }
        l->v[k++] = l->v[i];
    }
    l->n = k;
}

static int load_one(gt_suite *s, const found *e, FILE *diag)
{
    char err[1024] = "";
    gt_file *f = NULL;
    int rc = gt__file_load(&f, e->path, e->root, err, sizeof err);
    if (rc == -ENOMEM)
        return rc;
    if (rc < 0) {
        if (err[0])
            fprintf(diag, "%s\n", err);
        else
            fprintf(diag, "%s: %s\n", e->path, strerror(-rc));
        s->bad_input = true;
        return 0;
    }
    s->files[s->nfiles++] = f;
    return 0;
}

/* Index every scenario; a name seen before is reported and left out. */
static int index_all(gt_suite *s, FILE *diag)
{
    int total = 0;
    for (int k = 0; k < s->nfiles; k++)
        total += s->files[k]->n;
    s->all = calloc((size_t)total + 1, sizeof *s->all);
    s->sel = calloc((size_t)total + 1, sizeof *s->sel);
    if (!s->all || !s->sel)
        return -ENOMEM;
    for (int k = 0; k < s->nfiles; k++) {
        gt_file *f = s->files[k];
        for (int i = 0; i < f->n; i++) {
            const gt_scenario *sc = &f->scn[i], *first = NULL;
            for (int j = 0; j < s->nall && !first; j++) {
                const gt_scenario *o = &s->all[j].f->scn[s->all[j].i];
                if (strcmp(o->name, sc->name) == 0)
                    first = o;
            }
            if (first) {
                fprintf(diag, "%s:%d: duplicate scenario name \"%s\" (first at %s:%d); skipped\n",
                        sc->file, sc->line, sc->name, first->file, first->line);
                s->bad_input = true;
                continue;
            }
            s->all[s->nall++] = (gt_sel){f, i};
        }
    }
    return 0;
}

int gt__suite_load(gt_suite *s, const char *const *paths, int npaths, FILE *diag)
{
    static const char *const deflt[] = {"scenarios/"};
    found_list l = {.diag = diag};
    memset(s, 0, sizeof *s);
    if (npaths == 0)
        paths = deflt, npaths = 1;
    int rc = 0;
    for (int i = 0; i < npaths && rc == 0; i++)
        rc = add_path(&l, paths[i]);
    if (rc == 0) {
        sort_unique(&l);
        s->files = calloc((size_t)l.n + 1, sizeof *s->files);
        rc = s->files ? 0 : -ENOMEM;
    }
    for (int i = 0; i < l.n && rc == 0; i++)
        rc = load_one(s, &l.v[i], diag);
    if (rc == 0)
        rc = index_all(s, diag);
    found_free(&l);
    if (rc < 0)
        gt__suite_release(s);
    return rc;
}

static bool has_tag(const gt_scenario *sc, const gt_run_cfg *c)
{
    if (c->ntags == 0)
        return true;
    for (int t = 0; t < c->ntags; t++)
        for (int k = 0; k < sc->ntags; k++)
            if (strcmp(c->tags[t], sc->tags[k]) == 0)
                return true;
    return false;
}

int gt__suite_select(gt_suite *s, const gt_run_cfg *c)
{
    int n = 0, idx = 0;
    for (int j = 0; j < s->nall; j++) {
        const gt_scenario *sc = &s->all[j].f->scn[s->all[j].i];
        if (c->filter && fnmatch(c->filter, sc->name, 0) != 0)
            continue;
        if (!has_tag(sc, c))
            continue;
        bool mine = c->shard_n == 0 || idx % c->shard_n == c->shard_k - 1;
        idx++;
        if (mine)
            s->sel[n++] = s->all[j];
    }
    s->nsel = n;
    return 0;
}

void gt__suite_release(gt_suite *s)
{
    for (int k = 0; k < s->nfiles; k++)
        gt__file_release(s->files[k]);
    free(s->files);
    free(s->all);
    free(s->sel);
    memset(s, 0, sizeof *s);
}
