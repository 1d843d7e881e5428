/* samefile.c: refuses to start a program whose sink would write a file that
 * another sink writes (a torn file) or that a source or table reads (an input
 * emptied while it is read), before anything is read or truncated. The
 * compiler rejects literal paths that are the same text
 * (compiler/connectors.c); this sees what only the run can: paths from
 * params, links, and a redirected stdin or stdout. Files that exist are the
 * same when their device and inode are; a sink's file that does not exist
 * yet is compared by its path made absolute, "." and repeated "/" dropped.
 * Devices, pipes and directories are never the same file: several sinks may
 * write /dev/null, and a directory fails when it is opened. A source with a
 * pattern of files (docs/language.md, "Files") reads every path it matches,
 * existing or not yet: a sink's path made absolute is matched against it. */
#include "samefile.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct FilePlace {
    const FlowConnector *conn;
    const char *role;  /* "source", "table", "sink" */
    const char *name;  /* the source's or table's name, the sink's stream */
    bool writes;
    bool standard;     /* stdin or stdout */
    const char *label; /* the path, "standard input" or "standard output" */
    bool exists;
    dev_t dev;
    ino_t ino;
    bool pattern;      /* a source's pattern of files: `normal` is the pattern */
    char *normal;      /* a sink's path, or a file that does not exist yet, normalised; malloc'd */
} FilePlace;

/* Appends the components of `path` but "" and "." to `out` (length *n). */
static void append_components(char *out, size_t *n, const char *path)
{
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t k = end ? (size_t)(end - p) : strlen(p);
        if (k > 0 && !(k == 1 && p[0] == '.')) {
            if (*n > 0 && out[*n - 1] != '/')
                out[(*n)++] = '/';
            memcpy(out + *n, p, k);
            *n += k;
        }
        p += k + (end ? 1 : 0);
    }
}

static char *normal_path(const char *path)
{
    char cwd[4096] = "";
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    char *out = malloc(strlen(cwd) + strlen(path) + 3);
    if (!out)
        return NULL;
    size_t n = 0;
    if (path[0] == '/' || cwd[0] == '/')
        out[n++] = '/';
    append_components(out, &n, cwd);
    append_components(out, &n, path);
    out[n] = '\0';
    return out;
}

/* The file a connector reads or writes, if it is one that can be compared. */
static bool place_of(FlowRuntime *rt, FilePlace *p)
{
    const FlowConnector *conn = p->conn;
    struct stat st;
    p->standard = strcmp(conn->kind, p->writes ? "stdout" : "stdin") == 0;
    if (p->standard) {
        p->label = p->writes ? "standard output" : "standard input";
        if (fstat(p->writes ? STDOUT_FILENO : STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
            return false;
    } else {
        if (strcmp(conn->kind, "file") != 0)
            return false;
        /* Only the path: every other argument is checked when the
         * connector opens. */
        ConnArgs args;
        flowrt_connargs_init(&args, conn, &rt->params);
        p->label = flowrt_connargs_text(&args, "path", NULL);
        char *err = NULL;
        flowrt_connargs_finish(&args, &err);
        free(err);
        if (!p->label)
            return false;
        if (!p->writes && strpbrk(p->label, "*?[")) {
            p->pattern = true;
            p->normal = normal_path(p->label);
            return p->normal != NULL;
        }
        if (p->writes)
            p->normal = normal_path(p->label);
        if (stat(p->label, &st) != 0) {
            /* An input that is not there fails when it opens. */
            return p->normal != NULL;
        }
        if (!S_ISREG(st.st_mode)) {
            free(p->normal);
            p->normal = NULL;
            return false;
        }
    }
    p->exists = true;
    p->dev = st.st_dev;
    p->ino = st.st_ino;
    return true;
}

static bool same_file(const FilePlace *a, const FilePlace *b)
{
    /* All stdout sinks share one output: that is not a clash. */
    if (a->standard && b->standard && a->writes && b->writes)
        return false;
    if (b->pattern)
        return a->normal && fnmatch(b->normal, a->normal, FNM_PATHNAME) == 0;
    if (a->exists != b->exists)
        return false;
    return a->exists ? a->dev == b->dev && a->ino == b->ino : strcmp(a->normal, b->normal) == 0;
}

bool flowrt_check_same_files(FlowRuntime *rt)
{
    const FlowProgram *prog = rt->prog;
    int max = prog->nsources + prog->ntables + prog->nsinks;
    FilePlace *places = calloc((size_t)max + 1, sizeof *places);
    if (!places) {
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    int n = 0;
    for (int i = 0; i < max; i++) {
        FilePlace *p = &places[n];
        if (i < prog->nsources) {
            const FlowSourceDef *src = &prog->sources[i];
            *p = (FilePlace){ .conn = &src->conn, .role = "source", .name = src->name };
        } else if (i < prog->nsources + prog->ntables) {
            const FlowSourceDef *t = &prog->tables[i - prog->nsources];
            *p = (FilePlace){ .conn = &t->conn, .role = "table", .name = t->name };
        } else {
            const FlowSinkDef *s = &prog->sinks[i - prog->nsources - prog->ntables];
            *p = (FilePlace){ .conn = &s->conn, .role = "sink", .name = s->stream, .writes = true };
        }
        n += place_of(rt, p);
    }
    /* The error is at the sink, as the compiler's: the other place is an
     * input, or a sink before it. */
    for (int i = 0; i < n && !rt->failed; i++) {
        const FilePlace *w = &places[i];
        for (int j = 0; j < n && w->writes && !rt->failed; j++) {
            const FilePlace *o = &places[j];
            if (j == i || (o->writes && j > i) || !same_file(w, o))
                continue;
            const char *wq = w->standard ? "" : "'", *oq = o->standard ? "" : "'";
            flowrt_runtime_fail(rt,
                                "%s: sink '%s' would write %s%s%s, the same file that %s '%s' "
                                "(%s) %s as %s%s%s; nothing was read or written",
                                w->conn->where, w->name, wq, w->label, wq, o->role, o->name,
                                o->conn->where, o->writes ? "writes" : "reads", oq, o->label,
                                oq);
        }
    }
    for (int i = 0; i < n; i++)
        free(places[i].normal);
    free(places);
    return !rt->failed;
}
