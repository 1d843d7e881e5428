/* connectors.c: the table of connectors (one row each) and of the libraries
 * they and the state backends link, and the rules read from it alone: the
 * link flags of a program and the files it would both write and read.
 * Adding a connector is one row here plus its runtime file; the checker,
 * the emitter's guard, explain and `flowc build` follow. */
#include "connectors.h"

#include <fnmatch.h>
#include <string.h>

/* Stringified so that the defaults written here are the runtime's own. */
#include "flow/generator.h"
#include "flow/nexmark.h"

#define TEXT(x) #x
#define TEXT_OF(x) TEXT(x)

/* ---- Libraries ------------------------------------------------------------------------ */

/* cmake/flowrt.pc.in and cmake/FlowcConfig.cmake name the same modules per
 * connector; tests/unit/fc_connectors.c keeps them in step with these. */
static const LinkLib lib_rdkafka = { "rdkafka", "-lrdkafka" };
static const LinkLib lib_libpq = { "libpq", "-lpq" };
static const LinkLib lib_rocksdb = { "rocksdb", "-lrocksdb" };
/* The regexp_ functions (docs/language.md, "String functions"). */
static const LinkLib lib_pcre2 = { "libpcre2-8", "-lpcre2-8" };
/* Compressed files (docs/language.md, "Compressed files"). */
static const LinkLib lib_zlib = { "zlib", "-lz" };
static const LinkLib lib_zstd = { "libzstd", "-lzstd" };

/* ---- Arguments ------------------------------------------------------------------------- */

static const char *const formats[] = { "csv", "jsonl", "json", NULL };
static const char *const on_errors[] = { "skip", "fail", NULL };
static const char *const kafka_starts[] = { "earliest", "latest", NULL };
static const char *const compressions[] = { "auto", "none", "gzip", "zstd", NULL };

/* The format's default depends on the path: jsonl for .jsonl and .json. */
#define FORMAT_ARGS                                                                   \
    { "format", ARG_WORD, USE_ANY, false, formats, NULL },                            \
    { "on_error", ARG_WORD, USE_READ, false, on_errors, "skip" },                     \
    { "errors", ARG_STRING, USE_READ, false, NULL, NULL }

static const ArgSpec file_args[] = {
    { "path", ARG_STRING, USE_ANY, true, NULL, NULL },
    FORMAT_ARGS,
    { "header", ARG_BOOL, USE_ANY, false, NULL, "true" },
    { "follow", ARG_BOOL, USE_READ, false, NULL, "false" },
    { "linger", ARG_DURATION, USE_WRITE, false, NULL, "1ms" },
    { "compression", ARG_WORD, USE_ANY, false, compressions, "auto" },
    { "roll_size", ARG_POSITIVE, USE_WRITE, false, NULL, NULL },
    { "roll_every", ARG_DURATION, USE_WRITE, false, NULL, NULL },
    { NULL, 0, 0, false, NULL, NULL },
};
static const ArgSpec std_args[] = {
    FORMAT_ARGS,
    { "header", ARG_BOOL, USE_ANY, false, NULL, "true" },
    { "linger", ARG_DURATION, USE_WRITE, false, NULL, "1ms" },
    { NULL, 0, 0, false, NULL, NULL },
};
/* No count: unbounded; no rate: as fast as it can. */
static const ArgSpec generator_args[] = {
    { "count", ARG_COUNT, USE_ANY, false, NULL, NULL },
    { "seed", ARG_INT, USE_ANY, false, NULL, "0" },
    { "keys", ARG_POSITIVE, USE_ANY, false, NULL, TEXT_OF(FLOW_GEN_DEFAULT_KEYS) },
    { "events_per_second", ARG_POSITIVE, USE_ANY, false, NULL,
      TEXT_OF(FLOW_GEN_DEFAULT_EVENTS_PER_SECOND) },
    { "disorder", ARG_DURATION, USE_ANY, false, NULL, "0ms" },
    { "rate", ARG_POSITIVE, USE_ANY, false, NULL, NULL },
    { NULL, 0, 0, false, NULL, NULL },
};
/* One kind's share of one Nexmark run (flow/nexmark.h); no events: unbounded. */
static const char *const nexmark_kinds[] = { "person", "auction", "bid", NULL };
static const ArgSpec nexmark_args[] = {
    { "kind", ARG_WORD, USE_ANY, true, nexmark_kinds, NULL },
    { "events", ARG_COUNT, USE_ANY, false, NULL, NULL },
    { "seed", ARG_INT, USE_ANY, false, NULL, "0" },
    { "events_per_second", ARG_POSITIVE, USE_ANY, false, NULL,
      TEXT_OF(FLOW_NX_DEFAULT_EVENTS_PER_SECOND) },
    { "rate", ARG_POSITIVE, USE_ANY, false, NULL, NULL },
    { NULL, 0, 0, false, NULL, NULL },
};
/* properties: any librdkafka setting, "k=v;k2=v2" (docs/kafka.md);
 * timestamp names the field the message's timestamp fills; the
 * format defaults to csv, as there is no path. transactional_id and
 * commit_topic name the transactions of a checkpointed sink
 * (docs/checkpoints.md, "Kafka sinks"). */
static const ArgSpec kafka_args[] = {
    { "brokers", ARG_STRING, USE_ANY, true, NULL, NULL },
    { "topic", ARG_STRING, USE_ANY, true, NULL, NULL },
    { "group", ARG_STRING, USE_READ, false, NULL, NULL },
    { "format", ARG_WORD, USE_ANY, false, formats, "csv" },
    { "on_error", ARG_WORD, USE_READ, false, on_errors, "skip" },
    { "errors", ARG_STRING, USE_READ, false, NULL, NULL },
    { "start", ARG_WORD, USE_READ, false, kafka_starts, "latest" },
    { "key", ARG_FIELD, USE_WRITE, false, NULL, NULL },
    { "timestamp", ARG_FIELD, USE_READ, false, NULL, NULL },
    { "transactional_id", ARG_STRING, USE_WRITE, false, NULL, NULL },
    { "commit_topic", ARG_STRING, USE_WRITE, false, NULL, NULL },
    { "properties", ARG_STRING, USE_ANY, false, NULL, NULL },
    { NULL, 0, 0, false, NULL, NULL },
};
/* One of table and query is read (a query only where records are read);
 * key names the columns of an upsert's ON CONFLICT, "a, b" (default: the
 * stream's key, else the table's primary key; docs/postgres.md). on_error
 * and errors are also the sink's, for the rows the table refuses; a table
 * is read again every `refresh` (runtime/src/table.c). */
static const char *const postgres_modes[] = { "append", "upsert", NULL };
static const ArgSpec postgres_args[] = {
    { "conninfo", ARG_STRING, USE_ANY, true, NULL, NULL },
    { "table", ARG_STRING, USE_ANY, false, NULL, NULL },
    { "query", ARG_STRING, USE_READ, false, NULL, NULL },
    { "on_error", ARG_WORD, USE_ANY, false, on_errors, "skip" },
    { "errors", ARG_STRING, USE_ANY, false, NULL, NULL },
    { "mode", ARG_WORD, USE_WRITE, false, postgres_modes, "append" },
    { "key", ARG_STRING, USE_WRITE, false, NULL, NULL },
    { "linger", ARG_DURATION, USE_WRITE, false, NULL, "1ms" },
    { "refresh", ARG_DURATION, USE_TABLE, false, NULL, NULL },
    { NULL, 0, 0, false, NULL, NULL },
};

/* ---- The connectors ------------------------------------------------------------------------ */

#define READS (ROLE_SOURCE | ROLE_TABLE)
#define ANYWHERE (ROLE_SOURCE | ROLE_TABLE | ROLE_SINK)

/* A table is read to its end before the streams start, so a generator, which
 * may never end, is not compiled as one; a kafka table is a changelog, read
 * to its end and then followed (docs/kafka.md, "Tables"). A postgres
 * source counts the rows it read, so it seeks by skipping them in an order
 * a checkpoint can count on (docs/postgres.md). */
static const ConnectorDef connectors[] = {
    { "file", "file", ANYWHERE, ANYWHERE, "path", "path", file_args, NULL, false, true, NULL },
    { "stdin", "stdin", READS, READS, NULL, NULL, std_args, NULL, false, false, NULL },
    { "stdout", "stdout", ROLE_SINK, ROLE_SINK, NULL, NULL, std_args, NULL, false, false, NULL },
    { "generator", "generator", READS, ROLE_SOURCE, NULL, NULL, generator_args, NULL, true, true,
      NULL },
    { "nexmark", "nexmark", ROLE_SOURCE, ROLE_SOURCE, NULL, NULL, nexmark_args, NULL, true, true,
      NULL },
    { "kafka", "kafka", ANYWHERE, ANYWHERE, NULL, NULL, kafka_args, &lib_rdkafka, false, true,
      "flow_kafka_connector" },
    { "postgres", "postgres", ANYWHERE, ANYWHERE, NULL, NULL, postgres_args, &lib_libpq, false,
      true, "flow_postgres_connector" },
};
#define NCONNECTORS (int)(sizeof connectors / sizeof connectors[0])

const ConnectorDef *connector_find(const char *name)
{
    for (int i = 0; name && i < NCONNECTORS; i++)
        if (strcmp(connectors[i].name, name) == 0)
            return &connectors[i];
    return NULL;
}

const char **connector_names(Arena *a)
{
    const char **names = arena_alloc(a, sizeof *names * (NCONNECTORS + 1));
    for (int i = 0; i < NCONNECTORS; i++)
        names[i] = connectors[i].name;
    return names;
}

const char *connectors_compiled_text(Arena *a, unsigned role, const char *sep, const char *last)
{
    const char *names[NCONNECTORS];
    int n = 0;
    for (int i = 0; i < NCONNECTORS; i++)
        if (role ? connectors[i].compiled & role : connectors[i].compiled)
            names[n++] = connectors[i].name;
    const char *text = "";
    for (int i = 0; i < n; i++)
        text = arena_printf(a, "%s%s%s", text, i == 0 ? "" : i == n - 1 ? last : sep, names[i]);
    return text;
}

/* ---- Link flags ------------------------------------------------------------------------------ */

const char **connectors_link_flags_of(Arena *a, const ConnectorDef *const *rows, bool rocksdb,
                                      bool regex)
{
    int n = 0;
    while (rows[n])
        n++;
    const char **flags = arena_alloc(a, sizeof *flags * (size_t)(n + 3));
    int k = 0;
    for (int r = 0; r < n; r++) {
        const LinkLib *lib = rows[r]->lib;
        bool seen = false;
        for (int j = 0; j < k && lib && !seen; j++)
            seen = strcmp(flags[j], lib->flag) == 0;
        if (lib && !seen)
            flags[k++] = lib->flag;
    }
    if (rocksdb)
        flags[k++] = lib_rocksdb.flag;
    if (regex)
        flags[k++] = lib_pcre2.flag;
    flags[k] = NULL;
    return flags;
}

static const Connector *decl_connector(const Decl *d)
{
    switch (d->kind) {
    case DECL_SOURCE:
    case DECL_TABLE: return &d->source.conn;
    case DECL_SINK: return &d->sink.conn;
    default: return NULL;
    }
}

/* ---- Compressed files ------------------------------------------------------------------------ */

static const Expr *arg_value(const Connector *c, const char *key)
{
    for (const ConnArg *arg = c->args; arg; arg = arg->next)
        if (strcmp(arg->key, key) == 0)
            return arg->value;
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* compression = auto goes by the extension of each file when it opens
 * (runtime/src/compress.c). A literal path whose extension is fixed tells
 * now; a param, or a pattern whose extension is not fixed (`logs/app-*`),
 * may meet either algorithm, and when reading, one told by the first bytes. */
static unsigned codecs_of_path(const Expr *path)
{
    if (!path || path->kind != EX_STRING)
        return CODEC_GZIP | CODEC_ZSTD;
    const char *p = path->string.chars;
    if (ends_with(p, ".gz"))
        return CODEC_GZIP;
    if (ends_with(p, ".zst") || ends_with(p, ".zstd"))
        return CODEC_ZSTD;
    const char *dot = strrchr(p, '.');
    const char *slash = strrchr(p, '/');
    const char *ext = dot && (!slash || dot > slash) ? dot : (slash ? slash : p);
    return strpbrk(ext, "*?[") ? CODEC_GZIP | CODEC_ZSTD : 0;
}

unsigned connector_codecs(const Connector *c)
{
    if (strcmp(c->name, "file") != 0)
        return 0;
    const Expr *mode = arg_value(c, "compression");
    if (mode && mode->kind == EX_NAME && mode->name.kind == NAME_PARAM)
        return CODEC_GZIP | CODEC_ZSTD;
    const char *word = !mode                    ? "auto"
                       : mode->kind == EX_NAME   ? mode->name.name
                       : mode->kind == EX_STRING ? mode->string.chars
                                                 : "auto";
    if (strcmp(word, "gzip") == 0)
        return CODEC_GZIP;
    if (strcmp(word, "zstd") == 0)
        return CODEC_ZSTD;
    if (strcmp(word, "none") == 0)
        return 0;
    return codecs_of_path(arg_value(c, "path"));
}

const char *connector_ops(const Connector *c)
{
    switch (connector_codecs(c)) {
    case CODEC_GZIP: return "flow_file_gzip_connector";
    case CODEC_ZSTD: return "flow_file_zstd_connector";
    case CODEC_GZIP | CODEC_ZSTD: return "flow_file_compressed_connector";
    default: return connector_find(c->name)->ops;
    }
}

const char **connectors_link_flags(Arena *a, const Program *prog)
{
    int n = 0;
    for (const Decl *d = prog->decls; d; d = d->next)
        n++;
    const ConnectorDef **rows = arena_alloc(a, sizeof *rows * (size_t)(n + 1));
    int k = 0;
    bool rocksdb = false;
    unsigned codecs = 0;
    for (const Decl *d = prog->decls; d; d = d->next) {
        const Connector *c = decl_connector(d);
        const ConnectorDef *def = c ? connector_find(c->name) : NULL;
        if (def) {
            rows[k++] = def;
            codecs |= connector_codecs(c);
        }
        if (d->kind == DECL_CONFIG)
            for (const ConfigSetting *s = d->config; s; s = s->next)
                rocksdb |= s->kind == CFG_STATE_ROCKSDB;
    }
    rows[k] = NULL;
    const char **flags = connectors_link_flags_of(a, rows, rocksdb, prog->uses_regex);
    int nflags = 0;
    while (flags[nflags])
        nflags++;
    const char **all = arena_alloc(a, sizeof *all * (size_t)(nflags + 3));
    memcpy(all, flags, sizeof *all * (size_t)nflags);
    if (codecs & CODEC_GZIP)
        all[nflags++] = lib_zlib.flag;
    if (codecs & CODEC_ZSTD)
        all[nflags++] = lib_zstd.flag;
    all[nflags] = NULL;
    return all;
}

/* ---- Files written twice, or read while written ------------------------------------------- */

/* A connector argument's literal path, for the file it names. */
typedef struct FilePlace {
    const Decl *decl;
    const char *path;   /* as written */
    const char *normal; /* "." and empty components dropped */
    Loc loc;
} FilePlace;

/* "./a//b/./c" -> "a/b/c"; "/x/./y" -> "/x/y". ".." stays: through a
 * symbolic link it is not the lexical parent, and an error must be sure. */
static const char *normal_path(Arena *a, const char *path)
{
    size_t len = strlen(path);
    char *out = arena_alloc(a, len + 1);
    size_t n = 0;
    if (path[0] == '/')
        out[n++] = '/';
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t k = end ? (size_t)(end - p) : strlen(p);
        bool skip = k == 0 || (k == 1 && p[0] == '.');
        if (!skip) {
            if (n > 0 && out[n - 1] != '/')
                out[n++] = '/';
            memcpy(out + n, p, k);
            n += k;
        }
        p += k + (end ? 1 : 0);
    }
    out[n] = '\0';
    return out;
}

static bool file_place(Arena *a, const Decl *d, FilePlace *out)
{
    const Connector *c = decl_connector(d);
    const ConnectorDef *def = c ? connector_find(c->name) : NULL;
    if (!def || !def->path)
        return false;
    for (const ConnArg *arg = c->args; arg; arg = arg->next) {
        const Expr *v = arg->value;
        if (strcmp(arg->key, def->path) != 0 || !v || v->kind != EX_STRING || !*v->string.chars ||
            strncmp(v->string.chars, "/dev/", 5) == 0)
            continue;
        *out = (FilePlace){ d, v->string.chars, normal_path(a, v->string.chars), v->loc };
        return true;
    }
    return false;
}

/* "the sink of 'big'", "source 'orders'", "table 'prices'". */
static const char *place_text(Arena *a, const FilePlace *p)
{
    if (p->decl->kind == DECL_SINK)
        return arena_printf(a, "the sink of '%s'", p->decl->sink.stream->name);
    return arena_printf(a, "%s '%s'", p->decl->kind == DECL_TABLE ? "table" : "source",
                        p->decl->name);
}

/* Whether `other` names the file the sink `w` writes: the same path, or a
 * source's pattern of files that matches it (docs/language.md, "Files"). */
static bool names_same_file(const FilePlace *other, const FilePlace *w)
{
    if (other->decl->kind != DECL_SINK && strpbrk(other->normal, "*?["))
        return fnmatch(other->normal, w->normal, FNM_PATHNAME) == 0;
    return strcmp(other->normal, w->normal) == 0;
}

void connectors_check_files(Arena *a, Diag *d, const Program *prog)
{
    int n = 0;
    for (const Decl *x = prog->decls; x; x = x->next)
        n++;
    FilePlace *places = arena_alloc(a, sizeof *places * (size_t)(n ? n : 1));
    int k = 0;
    for (const Decl *x = prog->decls; x; x = x->next)
        k += file_place(a, x, &places[k]);
    /* Each sink once, against the sinks before it and every input: the
     * error is where the file would be emptied, the note at the other use. */
    for (int i = 0; i < k; i++) {
        const FilePlace *w = &places[i];
        if (w->decl->kind != DECL_SINK)
            continue;
        const FilePlace *other = NULL;
        for (int j = 0; j < k && !other; j++)
            if (j != i && names_same_file(&places[j], w) &&
                (places[j].decl->kind != DECL_SINK || j < i))
                other = &places[j];
        if (!other)
            continue;
        bool reads = other->decl->kind != DECL_SINK;
        diag_error(d, w->loc, "%s writes '%s', which %s %s", place_text(a, w), w->path,
                   place_text(a, other), reads ? "reads" : "also writes");
        diag_note(d, other->loc, "%s %s '%s' here", place_text(a, other),
                  reads ? "reads" : "writes", other->path);
    }
}
