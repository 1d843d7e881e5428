/* ckpt.c: the checkpoints of a run (ckpt.h): the directory, the manifest,
 * the fork()ed writer and its protocol with the run, restore at start.
 * docs/checkpoints.md describes the design, the files and the faults this
 * survives. */
#define _GNU_SOURCE
#include "ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_state.h"
#include "flow/codec.h"
#include "connectors.h"
#include "fault.h"
#include "kv.h"
#include "parallel.h"
#include "rt.h"
#include "table.h"

#define MANIFEST_FORMAT 1
#define MANIFEST_MAX (4 << 20)
#define DEFAULT_KEEP 2
/* How long a start waits for the lock of a checkpoint directory: the writer
 * child of a run killed a moment ago dies with it (PR_SET_PDEATHSIG) but
 * may take a little while to. */
#define LOCK_WAIT_MS 5000

/* ---- Small helpers ---------------------------------------------------------------------- */

static char *path_of(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) {
        fprintf(stderr, "flow: out of memory (checkpoint)\n");
        abort();
    }
    return p;
}

static char *checkpoint_name(int64_t id, bool tmp)
{
    char *p = NULL;
    if (asprintf(&p, "ckpt-%010" PRId64 "%s", id, tmp ? ".tmp" : "") < 0) {
        fprintf(stderr, "flow: out of memory (checkpoint)\n");
        abort();
    }
    return p;
}

/* The id of a checkpoint directory's name, or 0; *tmp says whether it is
 * one being written. */
static int64_t parse_name(const char *name, bool *tmp)
{
    if (strncmp(name, "ckpt-", 5) != 0)
        return 0;
    char *end;
    long long id = strtoll(name + 5, &end, 10);
    if (end != name + 15 || id <= 0)
        return 0;
    *tmp = strcmp(end, ".tmp") == 0;
    return *tmp || !*end ? (int64_t)id : 0;
}

static int by_id_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The ids of the directory's complete checkpoints (tmp false) or of those
 * being written (tmp true), newest first; malloc'd, *n of them. */
static int64_t *list_ids(const char *dir, bool tmp, int *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    int64_t *ids = NULL;
    int cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        bool is_tmp = false;
        int64_t id = parse_name(e->d_name, &is_tmp);
        if (!id || is_tmp != tmp)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *more = realloc(ids, sizeof *ids * (size_t)cap);
            if (!more)
                break;
            ids = more;
        }
        ids[(*n)++] = id;
    }
    closedir(d);
    if (*n)
        qsort(ids, (size_t)*n, sizeof *ids, by_id_desc);
    return ids;
}

/* fsync, or EIO where the "fsync" fault point says so. */
static int sync_fd(int fd)
{
    if (fsync(fd) != 0)
        return errno;
    return flowrt_fault("fsync") ? EIO : 0;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = sync_fd(fd);
    close(fd);
    return e;
}

/* Removes the files and the flat subdirectories of a directory, then the
 * directory. */
static void remove_dir(const char *dir, bool flat)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = path_of(dir, de->d_name);
        if (unlink(p) != 0 && errno == EISDIR && !flat)
            remove_dir(p, true);
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* Removes a checkpoint directory: its manifest first, so a removal cut short
 * leaves a directory that reads as damaged, never as a checkpoint; then the
 * rest: its state file, the state store's copy (`state rocksdb`) and what
 * RocksDB left of a copy cut short (`rocksdb.tmp`). */
static void remove_checkpoint(const char *dir, const char *name)
{
    char *cp = path_of(dir, name);
    char *manifest = path_of(cp, "MANIFEST");
    unlink(manifest);
    remove_dir(cp, false);
    free(manifest);
    free(cp);
}

static double seconds_since(double t)
{
    return flowrt_runtime_seconds() - t;
}

/* ---- The fingerprint ------------------------------------------------------------------- */

/* The run's layout lines: the program's, then its duration params with
 * their values, so that a checkpoint of a run with other sizes of windows
 * is refused, naming the param. */
static void make_layout(FlowRuntime *rt, int workers)
{
    const FlowProgram *prog = rt->prog;
    Checkpoints *c = &rt->ckpt;
    c->nlayout = prog->nlayout + prog->nlayout_params;
    c->layout = calloc((size_t)c->nlayout + 1, sizeof *c->layout);
    if (!c->layout)
        abort();
    for (int i = 0; i < prog->nlayout; i++)
        c->layout[i] = strdup(prog->layout[i]);
    for (int i = 0; i < prog->nlayout_params; i++) {
        const FlowParamDef *p = &prog->params[prog->layout_params[i]];
        char value[FLOW_DURATION_MAX];
        flow_format_duration(value, flowrt_duration_param(rt, p->name, 0));
        size_t n = strlen(p->name) + strlen(value) + 16;
        c->layout[prog->nlayout + i] = malloc(n);
        if (c->layout[prog->nlayout + i])
            snprintf(c->layout[prog->nlayout + i], n, "param %s = %s", p->name, value);
    }
    /* A checkpoint of N workers holds N states per operator, each of the
     * keys of its worker's key groups: it restores at N only. */
    if (workers > 1) {
        char line[48];
        snprintf(line, sizeof line, "parallelism %d", workers);
        c->layout = realloc(c->layout, (size_t)(c->nlayout + 2) * sizeof *c->layout);
        if (!c->layout)
            abort();
        c->layout[c->nlayout++] = strdup(line);
    }
    for (int i = 0; i < c->nlayout; i++)
        if (!c->layout[i])
            abort();
}

static uint64_t fingerprint(const Checkpoints *c)
{
    uint64_t h = 0;
    for (int i = 0; i < c->nlayout; i++) {
        char seed[24];
        snprintf(seed, sizeof seed, "%016" PRIx64, h);
        size_t n = strlen(c->layout[i]);
        char *line = malloc(n + sizeof seed);
        if (!line)
            abort();
        memcpy(line, seed, 16);
        memcpy(line + 16, c->layout[i], n);
        h = flowrt_ckpt_hash(line, n + 16);
        free(line);
    }
    return h;
}

/* ---- Writing one ----------------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The manifest: what the checkpoint is, and the size and checksum of its
 * state file; its last line is the checksum of every line before it. */
static char *manifest_text(const FlowRuntime *rt, int64_t id, uint64_t state_bytes,
                           uint64_t state_hash, const char *store_lines)
{
    const FlowProgram *prog = rt->prog;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fprintf(f, "flowc checkpoint\nformat %d\nflowc %s\nprogram %s\nid %" PRId64 "\n",
            MANIFEST_FORMAT, prog->flowc_version, prog->name, id);
    fprintf(f, "fingerprint %016" PRIx64 "\n", fingerprint(&rt->ckpt));
    for (int i = 0; i < rt->ckpt.nlayout; i++)
        fprintf(f, "layout %s\n", rt->ckpt.layout[i]);
    fprintf(f, "file state %" PRIu64 " %016" PRIx64 "\n", state_bytes, state_hash);
    fputs(store_lines, f);
    fflush(f);
    fprintf(f, "checksum %016" PRIx64 "\n", flowrt_ckpt_hash(text, len));
    fclose(f);
    return text;
}

/* The manifest's lines of the state store's copy in `store` (DIR/ckpt-ID.tmp/
 * rocksdb): "store rocksdb/NAME SIZE" per file, which a restore checks
 * (RocksDB checksums its own blocks); the directory is fsync'd. "" without
 * a store, NULL with *e set on failure. */
static char *store_lines(const FlowRuntime *rt, const char *store, int *e)
{
    char *text = NULL;
    size_t len = 0;
    if (!rt->kv)
        return strdup("");
    DIR *d = opendir(store);
    FILE *f = d ? open_memstream(&text, &len) : NULL;
    struct dirent *de;
    while (f && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = path_of(store, de->d_name);
        struct stat st;
        if (stat(p, &st) == 0)
            fprintf(f, "store rocksdb/%s %" PRIu64 "\n", de->d_name, (uint64_t)st.st_size);
        else
            *e = errno;
        free(p);
    }
    *e = *e ? *e : !d || !f ? errno : 0;
    if (d)
        closedir(d);
    if (f)
        fclose(f);
    if (!*e)
        *e = fsync_path(store);
    if (*e) {
        free(text);
        return NULL;
    }
    return text;
}

/* DIR/ckpt-ID.tmp made empty; with `state rocksdb` in the run before the
 * writer forks (the store's copy goes into it). `store_now`: the store's
 * copy too, in the run (its dirty cached states written, then
 * rocksdb_checkpoint_create): the final checkpoint's. A checkpoint of the
 * writer child has it made by a thread of the run instead
 * (flowrt_kv_copy_start). Returns 0 or the errno of the failure, with what
 * failed in why[]. */
static int begin_checkpoint(FlowRuntime *rt, int64_t id, bool store_now, char *why, size_t size)
{
    Checkpoints *c = &rt->ckpt;
    char *tmp_name = checkpoint_name(id, true);
    char *tmp = path_of(c->dir, tmp_name), *store = path_of(tmp, "rocksdb");
    remove_checkpoint(c->dir, tmp_name);
    int e = 0;
    char *err = NULL;
    if (mkdir(tmp, 0777) != 0) {
        e = errno;
        snprintf(why, size, "creating %s: %s", tmp, strerror(e));
    } else if (rt->kv && store_now && !flowrt_kv_checkpoint(rt, store, &err)) {
        e = EIO;
        snprintf(why, size, "copying the state store into %s: %s", store, err ? err : "?");
        remove_checkpoint(c->dir, tmp_name);
    }
    free(err);
    free(tmp_name);
    free(tmp);
    free(store);
    return e;
}

/* Writes checkpoint `id` of `rt` as it stands: the state file and the
 * manifest in DIR/ckpt-ID.tmp (made by begin_checkpoint), each fsync'd,
 * the directory renamed to DIR/ckpt-ID and DIR fsync'd, then the checkpoints older than the newest
 * `keep` removed. Returns 0 or the errno of the first failure, with what
 * failed in why[]. Runs in the writer child, or in the run itself for the
 * final checkpoint. `store_fd` (the child of a `state rocksdb` run, else
 * -1): where the run's thread reports its copy of the store, which must be
 * durable before the manifest that lists it is written. */
static int write_checkpoint(FlowRuntime *rt, int64_t id, uint64_t *bytes, char *why, size_t size,
                            int store_fd)
{
    Checkpoints *c = &rt->ckpt;
    char *tmp_name = checkpoint_name(id, true), *name = checkpoint_name(id, false);
    char *tmp = path_of(c->dir, tmp_name), *final = path_of(c->dir, name);
    char *state = path_of(tmp, "state"), *manifest = path_of(tmp, "MANIFEST");
    char *store = path_of(tmp, "rocksdb");
    /* Without a state store the directory is made here, in the child, off
     * the run's pause. */
    int e = rt->kv ? 0 : begin_checkpoint(rt, id, false, why, size);
    const char *step = e ? "creating" : "";
    int fd = e ? -1 : open(state, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (!e && fd < 0) {
        e = errno;
        step = "creating";
    }
    FlowCkptOut out;
    uint64_t hash = 0;
    if (!e) {
        if (!flowrt_ckpt_out_init(&out, fd)) {
            e = ENOMEM;
        } else {
            e = flowrt_ckpt_state_save(rt, &out, true);
            step = "writing the state of";
            if (!e)
                e = flowrt_ckpt_out_finish(&out);
            if (!e && flowrt_fault("enospc"))
                e = ENOSPC;
            *bytes = out.total;
            hash = flowrt_ckpt_out_hash(&out);
            flowrt_ckpt_out_free(&out);
        }
    }
    if (!e) {
        e = sync_fd(fd);
        step = "syncing";
    }
    if (fd >= 0)
        close(fd);
    char store_why[300] = "";
    bool store_heard = store_fd < 0;
    if (!e && !store_heard) {
        e = flowrt_kv_copy_report(store_fd, store_why, sizeof store_why);
        store_heard = true;
    }
    char *stored = e ? NULL : store_lines(rt, store, &e);
    if (e)
        step = "listing the state store of";
    if (!e) {
        char *text = manifest_text(rt, id, *bytes, hash, stored);
        int mfd = text ? open(manifest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666) : -1;
        e = !text ? ENOMEM : mfd < 0 ? errno : write_all(mfd, text, strlen(text));
        if (!e)
            e = sync_fd(mfd);
        if (mfd >= 0)
            close(mfd);
        free(text);
        step = "writing the manifest of";
    }
    if (!e) {
        e = fsync_path(tmp);
        step = "syncing";
    }
    if (!e && flowrt_fault("kill-before-rename"))
        flowrt_fault_kill();
    if (!e && rename(tmp, final) != 0) {
        e = errno;
        step = "renaming";
    }
    if (!e) {
        e = fsync_path(c->dir);
        step = "syncing the directory of";
    }
    if (!e && flowrt_fault("kill-after-rename"))
        flowrt_fault_kill();
    if (!e) {
        int n;
        int64_t *ids = list_ids(c->dir, false, &n);
        for (int i = c->keep; i < n; i++) {
            char *old = checkpoint_name(ids[i], false);
            remove_checkpoint(c->dir, old);
            free(old);
        }
        free(ids);
    } else {
        /* The run's thread may still be copying into tmp: it finishes
         * before tmp goes. */
        char ignored[300];
        if (!store_heard)
            flowrt_kv_copy_report(store_fd, ignored, sizeof ignored);
        if (store_why[0])
            snprintf(why, size, "%s", store_why);
        else
            snprintf(why, size, "%s %s: %s", step, tmp, strerror(e));
        remove_checkpoint(c->dir, tmp_name);
    }
    free(tmp_name);
    free(name);
    free(tmp);
    free(final);
    free(state);
    free(manifest);
    free(store);
    free(stored);
    return e;
}

/* The sources' errors= files: the bad records reported before a checkpoint
 * must be in them when it is taken, as a restore reads on from its
 * positions and never reports those again (at-least-once). */
static void flush_errors_files(FlowRuntime *rt)
{
    for (int i = 0; i < rt->nsources; i++)
        if (rt->sources[i]->errors)
            fflush(rt->sources[i]->errors);
}

/* ---- Sinks that commit in two phases (docs/checkpoints.md, "Kafka sinks") ------------- */

/* The newest checkpoint that every two-phase sink committed: INT64_MAX
 * when there is no such sink, 0 when nothing is, -1 on a failure. */
static int64_t sinks_committed_id(FlowRuntime *rt)
{
    int64_t upto = INT64_MAX;
    for (int i = 0; i < rt->prog->nsinks; i++) {
        const FlowSinkDef *def = &rt->prog->sinks[i];
        const SinkOps *ops = flowrt_connector_sink(&def->conn);
        char *err = NULL;
        int64_t id = ops && ops->committed_id ? ops->committed_id(rt, def, &err) : INT64_MAX;
        if (id < 0) {
            flowrt_runtime_fail(rt, "%s", err ? err : "a sink cannot say what it committed");
            free(err);
            return -1;
        }
        upto = id < upto ? id : upto;
    }
    return upto;
}

typedef enum SinkPhase { PHASE_BEGIN, PHASE_PREPARE, PHASE_COMPLETE, PHASE_FAILED } SinkPhase;

/* Calls the hook of `phase` (SinkOps begin, prepare, or checkpointed with
 * complete or not) of every Output that has it; a failure fails the run. */
static bool sinks_phase(FlowRuntime *rt, SinkPhase phase, int64_t id)
{
    for (int i = 0; i < rt->noutputs; i++) {
        Output *o = rt->outputs[i];
        const SinkOps *ops = o->ops;
        int e = 0;
        switch (phase) {
        case PHASE_BEGIN:
            e = ops->begin ? ops->begin(o, rt) : 0;
            break;
        case PHASE_PREPARE:
            e = ops->prepare ? ops->prepare(o, id) : 0;
            break;
        case PHASE_COMPLETE:
        case PHASE_FAILED:
            e = ops->checkpointed ? ops->checkpointed(o, id, phase == PHASE_COMPLETE) : 0;
            break;
        }
        if (e && !o->error)
            o->error = e;
    }
    return flowrt_sinks_check(rt);
}

/* ---- The writer child ------------------------------------------------------------------- */

/* What the child tells the run through its pipe: 0 and the size, or the
 * errno and what failed. */
typedef struct ChildReport {
    int error;
    uint64_t bytes;
    char why[400];
} ChildReport;

static void child_main(FlowRuntime *rt, int64_t id, int report_fd, pid_t parent, int store_fd)
{
    /* It dies with the run, so that a restarted run never finds a writer of
     * the old one still renaming checkpoints into its directory. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    /* Below the run in priority: on a busy machine the writer takes the
     * time the run leaves, rather than the run's. */
    (void)setpriority(PRIO_PROCESS, 0, 10);
    ChildReport r;
    memset(&r, 0, sizeof r);
    r.error = write_checkpoint(rt, id, &r.bytes, r.why, sizeof r.why, store_fd);
    write_all(report_fd, (const char *)&r, sizeof r);
    _exit(r.error ? 1 : 0);
}

/* The positions of the sources that want to hear of a complete checkpoint
 * (SourceOps.checkpointed), as this checkpoint saves them. */
static void note_source_positions(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    if (!c->fork_positions && rt->nsources > 0) {
        c->fork_positions = calloc((size_t)rt->nsources, sizeof *c->fork_positions);
        if (!c->fork_positions)
            return;
        c->nfork_positions = rt->nsources;
    }
    for (int i = 0; i < c->nfork_positions; i++) {
        Source *s = rt->sources[i];
        if (s && s->ops->checkpointed)
            s->ops->position(s, &c->fork_positions[i]);
    }
}

/* Checkpoint complete: each source that asked hears of its position. */
static void sources_checkpointed(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    for (int i = 0; i < c->nfork_positions; i++) {
        Source *s = rt->sources[i];
        if (s && s->ops->checkpointed)
            s->ops->checkpointed(s, &c->fork_positions[i]);
    }
}

static void fork_child(FlowRuntime *rt, double t0);

/* With workers, the fork happens at their barrier (parallel.h). */
static void start_child(FlowRuntime *rt)
{
    double t0 = flowrt_runtime_seconds();
    flowrt_parallel_barrier(rt);
    fork_child(rt, t0);
    flowrt_parallel_resume(rt);
}

static void fork_child(FlowRuntime *rt, double t0)
{
    Checkpoints *c = &rt->ckpt;
    /* Everything the sinks hold goes to their files first, so that the
     * lengths the child saves are of whole records the run wrote. */
    flowrt_sinks_flush(rt);
    flush_errors_files(rt);
    if (!flowrt_sinks_check(rt) || !sinks_phase(rt, PHASE_PREPARE, c->next_id))
        return;
    char why[400] = "";
    /* `state rocksdb`: RocksDB kept as it is now while a thread copies it
     * (docs/checkpoints.md, "RocksDB state"); the child waits for the copy. */
    int store_fds[2] = { -1, -1 };
    if (rt->kv && (!flowrt_kv_copy_hold(rt) ||
                   begin_checkpoint(rt, c->next_id, false, why, sizeof why) != 0 ||
                   pipe2(store_fds, O_CLOEXEC) != 0)) {
        fprintf(stderr, "%s: warning: checkpoint %" PRId64 " not taken: %s\n", rt->prog->name,
                c->next_id, why[0] ? why : rt->failed ? "the state store failed"
                                                       : strerror(errno));
        flowrt_kv_copy_end(rt, true);
        c->failures++;
        return;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "%s: warning: checkpoint %" PRId64 " not taken: %s\n", rt->prog->name,
                c->next_id, strerror(errno));
        if (rt->kv) {
            close(store_fds[0]);
            close(store_fds[1]);
            flowrt_kv_copy_end(rt, true);
        }
        c->failures++;
        return;
    }
    note_source_positions(rt);
    pid_t parent = getpid();
    flowrt_collapser_hold(c->collapser);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (store_fds[1] >= 0)
            close(store_fds[1]);
        child_main(rt, c->next_id, fds[1], parent, store_fds[0]);
    }
    flowrt_collapser_release(c->collapser);
    close(fds[1]);
    if (store_fds[0] >= 0)
        close(store_fds[0]);
    if (pid < 0) {
        fprintf(stderr, "%s: warning: checkpoint %" PRId64 " not taken: fork: %s\n",
                rt->prog->name, c->next_id, strerror(errno));
        close(fds[0]);
        if (rt->kv) {
            close(store_fds[1]);
            flowrt_kv_copy_end(rt, true);
        }
        c->failures++;
        return;
    }
    if (rt->kv) {
        char *tmp_name = checkpoint_name(c->next_id, true);
        char *tmp = path_of(c->dir, tmp_name), *store = path_of(tmp, "rocksdb");
        flowrt_kv_copy_start(rt, store, store_fds[1]);
        free(tmp_name);
        free(tmp);
        free(store);
    }
    double pause = seconds_since(t0);
    c->last_pause_seconds = pause;
    if (pause > c->max_pause_seconds)
        c->max_pause_seconds = pause;
    c->child = pid;
    c->child_pipe = fds[0];
    c->child_id = c->next_id++;
    c->child_started = t0;
    c->last_ms = rt->now_ms;
}

/* The child ended: checkpoint child_id is complete, or failed and the one
 * before it stays the newest. */
static void child_done(FlowRuntime *rt, int status)
{
    Checkpoints *c = &rt->ckpt;
    ChildReport r;
    memset(&r, 0, sizeof r);
    ssize_t got = read(c->child_pipe, &r, sizeof r);
    close(c->child_pipe);
    c->child = 0;
    flowrt_collapser_kick(c->collapser);
    if (got == (ssize_t)sizeof r && r.error == 0 && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
        c->taken++;
        c->last_seconds = seconds_since(c->child_started);
        c->last_bytes = r.bytes;
        sinks_phase(rt, PHASE_COMPLETE, c->child_id);
        sources_checkpointed(rt);
        return;
    }
    c->failures++;
    sinks_phase(rt, PHASE_FAILED, c->child_id);
    fprintf(stderr, "%s: warning: checkpoint %" PRId64 " failed (%s); the previous one stays "
                    "in use and the next is taken in %" PRId64 " ms\n",
            rt->prog->name, c->child_id,
            got == (ssize_t)sizeof r ? r.why
            : WIFSIGNALED(status)    ? strsignal(WTERMSIG(status))
                                     : "the writer ended without a word",
            c->every_ms);
}

static void reap(FlowRuntime *rt, bool wait)
{
    Checkpoints *c = &rt->ckpt;
    if (!c->child)
        return;
    int status = 0;
    pid_t r;
    do
        r = waitpid(c->child, &status, wait ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == c->child)
        child_done(rt, status);
    else if (r < 0)
        c->child = 0;
}

/* ---- The self-test ---------------------------------------------------------------------- */

/* FLOW_CHECKPOINT_SELFTEST=1: after every round the operators' state is
 * saved, thrown away and read back, so that every test of a checkpointed
 * program also tests the generated snapshot and restore functions at every
 * point of its input (docs/checkpoints.md, "Testing"). */
static void selftest_round(FlowRuntime *rt)
{
    /* The store keeps the states; the operators' snapshot names the windows. */
    if (!flowrt_kv_flush(rt))
        return;
    int fd = memfd_create("flow-selftest", MFD_CLOEXEC);
    FlowCkptOut out;
    if (fd < 0 || !flowrt_ckpt_out_init(&out, fd)) {
        flowrt_runtime_fail(rt, "checkpoint self-test: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    int e = flowrt_ckpt_state_save(rt, &out, false);
    if (!e)
        e = flowrt_ckpt_out_finish(&out);
    size_t len = (size_t)out.total;
    flowrt_ckpt_out_free(&out);
    void *map = e ? MAP_FAILED : mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        flowrt_runtime_fail(rt, "checkpoint self-test: %s", strerror(e ? e : errno));
        return;
    }
    flowrt_timers_free(&rt->timers);
    flowrt_timers_init(&rt->timers, rt->prog->operators, rt->prog->noperators);
    flowrt_runtime_bind_operators(rt);
    FlowCkptIn in;
    flowrt_ckpt_in_init(&in, map, len);
    char *err = NULL;
    if (!flowrt_ckpt_state_load(rt, &in, true, &err))
        flowrt_runtime_fail(rt, "checkpoint self-test: %s", err ? err : "?");
    free(err);
    munmap(map, len);
}

/* ---- Reading one back ------------------------------------------------------------------- */

typedef enum Verdict { USABLE, DAMAGED, OTHER_PROGRAM } Verdict;

static char *read_small_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = malloc(MANIFEST_MAX + 1);
    size_t n = 0;
    while (buf && n < MANIFEST_MAX) {
        ssize_t r = read(fd, buf + n, MANIFEST_MAX - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf)
        buf[n] = 0;
    *len = n;
    return buf;
}

/* The next line of the manifest at *at, without its '\n', or NULL. */
static char *next_line(char **at)
{
    char *line = *at, *nl = strchr(line, '\n');
    if (!nl)
        return NULL;
    *nl = 0;
    *at = nl + 1;
    return line;
}

/* A manifest's "rocksdb/NAME SIZE": the file in checkpoint directory cp has
 * that size. */
static bool store_file_ok(const char *cp, const char *entry)
{
    char name[256];
    uint64_t want;
    if (sscanf(entry, "rocksdb/%255s %" SCNu64, name, &want) != 2 || strchr(name, '/'))
        return false;
    char *store = path_of(cp, "rocksdb"), *p = path_of(store, name);
    struct stat st;
    bool ok = stat(p, &st) == 0 && (uint64_t)st.st_size == want;
    free(store);
    free(p);
    return ok;
}

/* Whether checkpoint `id` can be restored: its manifest is whole, of this
 * format and of this program, and its state file has the size and checksum
 * the manifest says. On USABLE the state file is mapped into c. */
static Verdict check_checkpoint(FlowRuntime *rt, int64_t id, char *why, size_t size)
{
    Checkpoints *c = &rt->ckpt;
    char *name = checkpoint_name(id, false), *cp = path_of(c->dir, name);
    char *mpath = path_of(cp, "MANIFEST"), *spath = path_of(cp, "state");
    Verdict v = DAMAGED;
    size_t len = 0;
    char *text = read_small_file(mpath, &len);
    char *sum = text ? strstr(text, "checksum ") : NULL;
    while (sum && strstr(sum + 1, "\nchecksum "))
        sum = strstr(sum + 1, "\nchecksum ") + 1;
    uint64_t want = 0, state_bytes = 0, state_hash = 0;
    int format = 0, nlayout = 0;
    if (!text) {
        snprintf(why, size, "its manifest cannot be read: %s", strerror(errno));
        goto out;
    }
    if (!sum || sscanf(sum, "checksum %" SCNx64, &want) != 1 ||
        flowrt_ckpt_hash(text, (size_t)(sum - text)) != want) {
        snprintf(why, size, "its manifest is incomplete or damaged");
        goto out;
    }
    *sum = 0;
    char *at = text, *line;
    bool have_state = false;
    int nstore = 0;
    while ((line = next_line(&at))) {
        if (sscanf(line, "format %d", &format) == 1)
            continue;
        if (strncmp(line, "store rocksdb/", 14) == 0) {
            if (!store_file_ok(cp, line + 6)) {
                snprintf(why, size, "its state store file %.200s is missing or has the wrong "
                                    "size", line + 6);
                goto out;
            }
            nstore++;
            continue;
        }
        if (sscanf(line, "file state %" SCNu64 " %" SCNx64, &state_bytes, &state_hash) == 2) {
            have_state = true;
            continue;
        }
        if (strncmp(line, "layout ", 7) != 0)
            continue;
        const char *theirs = line + 7;
        if (nlayout >= c->nlayout || strcmp(theirs, c->layout[nlayout]) != 0) {
            v = OTHER_PROGRAM;
            if (nlayout < c->nlayout)
                snprintf(why, size, "it saved \"%s\" where this program has \"%s\"", theirs,
                         c->layout[nlayout]);
            else
                snprintf(why, size, "it saved \"%s\", which this program does not have",
                         theirs);
            goto out;
        }
        nlayout++;
    }
    if (format != MANIFEST_FORMAT) {
        v = OTHER_PROGRAM;
        snprintf(why, size, "it is of checkpoint format %d, this flowc reads format %d", format,
                 MANIFEST_FORMAT);
        goto out;
    }
    if (nlayout != c->nlayout) {
        v = OTHER_PROGRAM;
        snprintf(why, size, "this program has \"%s\", which it did not save",
                 c->layout[nlayout]);
        goto out;
    }
    if (!have_state || (rt->prog->state_store && !nstore)) {
        snprintf(why, size, "its manifest names no state %s", have_state ? "store" : "file");
        goto out;
    }
    int fd = open(spath, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size != state_bytes ||
        state_bytes == 0) {
        snprintf(why, size, "its state file is missing or has the wrong size");
        if (fd >= 0)
            close(fd);
        goto out;
    }
    void *map = mmap(NULL, (size_t)state_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(why, size, "its state file cannot be mapped: %s", strerror(errno));
        goto out;
    }
    if (flowrt_ckpt_hash(map, (size_t)state_bytes) != state_hash) {
        snprintf(why, size, "its state file is damaged (checksum mismatch)");
        munmap(map, (size_t)state_bytes);
        goto out;
    }
    c->restore_map = map;
    c->restore_len = (size_t)state_bytes;
    c->restore_store = nstore ? path_of(cp, "rocksdb") : NULL;
    v = USABLE;
out:
    free(text);
    free(name);
    free(cp);
    free(mpath);
    free(spath);
    return v;
}

/* A two-phase sink's commit is what decides which checkpoints happened
 * (docs/checkpoints.md, "Kafka sinks"): those newer than what every such
 * sink committed are removed from ids (newest first, *n of them) and from
 * the directory, as their output was aborted; new ids go on after every id
 * used, so a marker of an old one never names a new one. */
static bool drop_uncommitted(FlowRuntime *rt, int64_t *ids, int *n)
{
    Checkpoints *c = &rt->ckpt;
    int64_t upto = sinks_committed_id(rt);
    if (upto < 0)
        return false;
    if (upto == INT64_MAX)
        return true;
    if (c->keep < 2) {
        flowrt_runtime_fail(rt, "a kafka sink needs --checkpoint-keep 2 or more: its commit may "
                                "come after the next checkpoint's pruning");
        return false;
    }
    if (upto >= c->next_id)
        c->next_id = upto + 1;
    int k = 0;
    for (; k < *n && ids[k] > upto; k++) {
        fprintf(stderr, "%s: checkpoint %" PRId64 " in %s was not committed by its kafka sinks "
                        "(they committed %" PRId64 "): removed\n",
                rt->prog->name, ids[k], c->dir, upto);
        char *name = checkpoint_name(ids[k], false);
        remove_checkpoint(c->dir, name);
        free(name);
    }
    if (k) {
        memmove(ids, ids + k, sizeof *ids * (size_t)(*n - k));
        *n -= k;
    }
    return true;
}

/* Takes the directory's lock, waiting a little for a writer child that is
 * dying with the run that made it. */
static bool lock_dir(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    char *lock = path_of(c->dir, "lock");
    c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lock);
    if (c->lock_fd < 0) {
        flowrt_runtime_fail(rt, "checkpoint directory %s: %s", c->dir, strerror(errno));
        return false;
    }
    for (int waited = 0; flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0; waited += 10) {
        if (errno != EWOULDBLOCK || waited >= LOCK_WAIT_MS) {
            flowrt_runtime_fail(rt, "checkpoint directory %s is in use by another run (%s)",
                                c->dir, strerror(errno));
            return false;
        }
        struct timespec ts = { 0, 10000000L };
        nanosleep(&ts, NULL);
    }
    return true;
}

bool flowrt_ckpt_open(FlowRuntime *rt, const CliOptions *opts)
{
    Checkpoints *c = &rt->ckpt;
    const FlowProgram *prog = rt->prog;
    memset(c, 0, sizeof *c);
    c->lock_fd = -1;
    c->child_pipe = -1;
    const char *selftest = getenv("FLOW_CHECKPOINT_SELFTEST");
    c->selftest = selftest && strcmp(selftest, "1") == 0;
    if (prog->checkpoint_every_ms <= 0)
        return true;
    for (int i = 0; i < prog->noperators; i++)
        if (!prog->operators[i].snapshot || !prog->operators[i].restore) {
            flowrt_runtime_fail(rt, "the %s has no checkpoint functions: compile the program "
                                    "again with this flowc",
                                prog->operators[i].name);
            return false;
        }
    c->on = true;
    make_layout(rt, flowrt_parallel_wanted(rt, opts->parallelism));
    c->every_ms = opts->checkpoint_every_ms ? opts->checkpoint_every_ms : prog->checkpoint_every_ms;
    c->keep = opts->checkpoint_keep ? opts->checkpoint_keep : DEFAULT_KEEP;
    if (c->selftest) {
        /* One record per poll: a round trip after every record. */
        rt->batch = 1;
        return true;
    }
    if (opts->checkpoint_dir)
        c->dir = strdup(opts->checkpoint_dir);
    else if (prog->checkpoint_dir)
        c->dir = strdup(prog->checkpoint_dir);
    else if (asprintf(&c->dir, "%s.checkpoints", prog->name) < 0)
        c->dir = NULL;
    if (!c->dir) {
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    if (!getenv("FLOW_NO_COLLAPSE")) /* to measure the pause without it */
        c->collapser = flowrt_collapser_start();
    char *lock = path_of(c->dir, "lock");
    flowrt_output_make_parent_dirs(lock);
    free(lock);
    if (!lock_dir(rt))
        return false;
    int n;
    int64_t *ids = list_ids(c->dir, true, &n);
    for (int i = 0; i < n; i++) {
        char *name = checkpoint_name(ids[i], true);
        remove_checkpoint(c->dir, name);
        free(name);
    }
    free(ids);
    ids = list_ids(c->dir, false, &n);
    c->next_id = n ? ids[0] + 1 : 1;
    bool ok = drop_uncommitted(rt, ids, &n);
    if (opts->no_restore) {
        /* Starting over: the old checkpoints would restore a run whose output
         * this one is about to replace. */
        for (int i = 0; i < n; i++) {
            char *name = checkpoint_name(ids[i], false);
            remove_checkpoint(c->dir, name);
            free(name);
        }
        n = 0;
    }
    for (int i = 0; i < n && ok && !c->restore_map; i++) {
        char why[600];
        double t0 = flowrt_runtime_seconds();
        switch (check_checkpoint(rt, ids[i], why, sizeof why)) {
        case USABLE:
            c->restored_id = ids[i];
            c->restore_seconds = seconds_since(t0); /* its checksums: part of restoring */
            break;
        case DAMAGED:
            fprintf(stderr, "%s: warning: checkpoint %" PRId64 " in %s is not usable: %s%s\n",
                    prog->name, ids[i], c->dir, why,
                    i + 1 < n ? "; trying the one before" : "");
            if (i + 1 == n) {
                flowrt_runtime_fail(rt, "no usable checkpoint in %s; --no-restore starts over",
                                    c->dir);
                ok = false;
            }
            break;
        case OTHER_PROGRAM:
            flowrt_runtime_fail(rt, "checkpoint %" PRId64 " in %s is of another program: %s; "
                                    "--no-restore starts over",
                                ids[i], c->dir, why);
            ok = false;
            break;
        }
    }
    free(ids);
    return ok;
}

const char *flowrt_ckpt_restore_store(const FlowRuntime *rt)
{
    return rt->ckpt.restore_store;
}

bool flowrt_ckpt_restoring(const FlowRuntime *rt)
{
    return rt->ckpt.restore_map != NULL;
}

bool flowrt_ckpt_restore(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    if (c->on && !c->selftest && !sinks_phase(rt, PHASE_BEGIN, 0))
        return false;
    if (!c->restore_map)
        return true;
    double t0 = flowrt_runtime_seconds();
    FlowCkptIn in;
    flowrt_ckpt_in_init(&in, c->restore_map, c->restore_len);
    char *err = NULL;
    bool ok = flowrt_ckpt_state_load(rt, &in, false, &err);
    c->restore_seconds += seconds_since(t0);
    if (!ok)
        flowrt_runtime_fail(rt, "checkpoint %" PRId64 " in %s cannot be restored: %s",
                            c->restored_id, c->dir, err ? err : "?");
    free(err);
    munmap(c->restore_map, c->restore_len);
    c->restore_map = NULL;
    /* Changelog tables waited for their positions: now to them. */
    ok = ok && flowrt_tables_load_deferred(rt);
    /* A source that had ended keeps its watermark at the end of time but is
     * read on from where it ended: a file may have grown since
     * (docs/checkpoints.md); one that has not ends again at its first poll. */
    for (int i = 0; ok && i < rt->nsources; i++)
        if (rt->sources[i]->done) {
            flowrt_watermarks_finish(&rt->watermarks, i);
            rt->sources[i]->done = false;
        }
    return ok;
}

void flowrt_ckpt_round(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    if (!c->on || rt->failed)
        return;
    if (c->selftest) {
        selftest_round(rt);
        return;
    }
    flowrt_kv_copy_end(rt, false); /* RocksDB written again once its copy is made */
    reap(rt, false);
    if (c->child)
        return;
    if (c->last_ms == 0)
        c->last_ms = rt->now_ms;
    if (rt->now_ms - c->last_ms >= c->every_ms)
        start_child(rt);
}

void flowrt_ckpt_final(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    if (!c->on || c->selftest || rt->failed)
        return;
    reap(rt, true);
    double t0 = flowrt_runtime_seconds();
    /* The workers have ended (flowrt_parallel_finish) with their state
     * kept for this checkpoint. */
    flowrt_sinks_flush(rt);
    flush_errors_files(rt);
    int64_t id = c->next_id++;
    if (!flowrt_sinks_check(rt) || !sinks_phase(rt, PHASE_PREPARE, id))
        return;
    char why[400] = "";
    uint64_t bytes = 0;
    note_source_positions(rt);
    int e = rt->kv ? begin_checkpoint(rt, id, true, why, sizeof why) : 0;
    if (!e)
        e = write_checkpoint(rt, id, &bytes, why, sizeof why, -1);
    if (!sinks_phase(rt, e ? PHASE_FAILED : PHASE_COMPLETE, id))
        return;
    if (!e)
        sources_checkpointed(rt);
    if (e) {
        flowrt_runtime_fail(rt, "the final checkpoint failed (%s); the next start resumes from "
                                "the one before it",
                            why);
        return;
    }
    c->taken++;
    c->last_seconds = seconds_since(t0);
    c->last_bytes = bytes;
}

void flowrt_ckpt_close(FlowRuntime *rt)
{
    Checkpoints *c = &rt->ckpt;
    if (c->child) {
        /* A run that ends without its final checkpoint (it failed, or its
         * output was closed) may leave a writer busy: stopped here, its
         * checkpoint is abandoned, not failed, and not reported. */
        kill(c->child, SIGKILL);
        while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
            ;
        close(c->child_pipe);
    }
    if (c->restore_map)
        munmap(c->restore_map, c->restore_len);
    free(c->restore_store);
    for (int i = 0; i < c->nfork_positions; i++)
        flowrt_position_free(&c->fork_positions[i]);
    free(c->fork_positions);
    flowrt_collapser_stop(c->collapser);
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    free(c->dir);
    for (int i = 0; i < c->nlayout; i++)
        free(c->layout[i]);
    free(c->layout);
    memset(c, 0, sizeof *c);
    c->lock_fd = -1;
}

void flowrt_ckpt_describe(const FlowRuntime *rt, char *buf, size_t size)
{
    const Checkpoints *c = &rt->ckpt;
    buf[0] = 0;
    if (!c->on || c->selftest)
        return;
    int n = snprintf(buf, size, "  checkpoints (%s): %" PRId64 " taken", c->dir, c->taken);
    if (c->taken && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n,
                      ", last %.1f ms, %.1f KiB, pause %.3f ms (max %.3f ms)",
                      c->last_seconds * 1e3, (double)c->last_bytes / 1024,
                      c->last_pause_seconds * 1e3, c->max_pause_seconds * 1e3);
    if (c->failures && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ", %" PRId64 " failed", c->failures);
    if (n >= 0 && (size_t)n < size && c->restored_id)
        snprintf(buf + n, size - (size_t)n, "; restored from %" PRId64 " in %.1f ms\n",
                 c->restored_id, c->restore_seconds * 1e3);
    else if (n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "; started afresh\n");
}
