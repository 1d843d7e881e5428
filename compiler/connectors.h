/* connectors.h: the compiler's one table of connectors, a row per connector
 * (its Flow name, its arguments with their types and defaults, where a
 * program may use it, where this version compiles it, the kind the runtime
 * maps to its source and sink ops, the library a program using it links),
 * the state backends' libraries beside it, and the rules that read only the
 * table: link flags and files written twice or read while written.
 * The checker, the emitter's guard, explain and `flowc build` all read it;
 * docs/architecture.md shows how to add a row. */
#ifndef FLOWC_CONNECTORS_H
#define FLOWC_CONNECTORS_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Where a connector stands: bits of ConnectorDef.roles and .compiled. */
typedef enum ConnRole {
    ROLE_SOURCE = 1u << 0,
    ROLE_TABLE = 1u << 1,
    ROLE_SINK = 1u << 2,
} ConnRole;

typedef enum ArgType {
    ARG_STRING,
    ARG_BOOL,
    ARG_INT,      /* any integer */
    ARG_COUNT,    /* integer >= 0 */
    ARG_POSITIVE, /* integer >= 1 */
    ARG_DURATION,
    ARG_WORD,     /* one of `words` */
    ARG_FIELD,    /* a field of the record written */
} ArgType;

/* Arguments that only make sense where records are read, or written. */
typedef enum ArgUse { USE_ANY, USE_READ, USE_WRITE } ArgUse;

typedef struct ArgSpec {
    const char *key;
    ArgType type;
    ArgUse use;
    bool required;
    const char *const *words; /* ARG_WORD: NULL-terminated */
    /* The value the runtime takes when the argument is absent, as Flow text
     * (docs/language.md tables); NULL when there is none or it depends on
     * other arguments (a file's format on its extension). */
    const char *dflt;
} ArgSpec;

/* A library a program links when it uses a connector or a state backend. */
typedef struct LinkLib {
    const char *pkg;  /* its pkg-config module: flowrt.pc and the CMake package name it */
    const char *flag; /* what `flowc build` passes the C compiler, after libflowrt.a */
} LinkLib;

typedef struct ConnectorDef {
    const char *name;       /* as written in a .flow */
    const char *kind;       /* FlowConnector.kind, which the runtime maps to its ops */
    unsigned roles;         /* ConnRole bits where Flow allows it */
    /* ConnRole bits where this version compiles it; 0 when it is not
     * available at all, and then rejected as "not supported by this
     * version" wherever it is used. */
    unsigned compiled;
    const char *positional; /* the argument that may come first without `KEY =` */
    const char *path;       /* the argument naming the file it reads or writes */
    const ArgSpec *args;    /* ends with a NULL key */
    const LinkLib *lib;     /* NULL: libflowrt and -lm only */
    /* Its records are made by the program's generated generate function
     * (FlowSourceDef.generate), not decoded from fields by its decode one. */
    bool generates;
    /* A source of it can go back to where a checkpoint says it was, so a
     * checkpointed program may read it (docs/checkpoints.md). */
    bool seekable;
    /* The FlowConnectorOps the generated program points FlowConnector.ops
     * at (flow/program.h), for a connector that links `lib` and so cannot
     * be in the runtime's own table; NULL for the others. */
    const char *ops;
} ConnectorDef;

/* The row named `name`, or NULL. */
const ConnectorDef *connector_find(const char *name);
/* Every connector's name, NULL-terminated, in table order (for "did you mean"). */
const char **connector_names(Arena *a);
/* "file, stdin, stdout, generator": the connectors compiled in `role` (any
 * role when 0), joined with `sep` except the last two, joined with `last`. */
const char *connectors_compiled_text(Arena *a, unsigned role, const char *sep, const char *last);

/* The library flags of the connectors and the state backend `prog` uses,
 * each once, in declaration order, then PCRE2's when it calls a regexp_
 * function (Program.uses_regex), NULL-terminated: what `flowc build` links
 * besides libflowrt.a and -lm. */
const char **connectors_link_flags(Arena *a, const Program *prog);
/* The same for the rows used (`rows` NULL-terminated, repeats allowed),
 * whether the RocksDB backend is and whether regular expressions are:
 * connectors_link_flags's rule, which tests also apply to rows this version
 * does not compile. */
const char **connectors_link_flags_of(Arena *a, const ConnectorDef *const *rows, bool rocksdb,
                                      bool regex);

/* The compressed-file algorithms a connector may need (file(...) only):
 * bits of CODEC_*, from its compression argument and its path
 * (docs/language.md, "Compressed files"). */
enum { CODEC_GZIP = 1u << 0, CODEC_ZSTD = 1u << 1 };
unsigned connector_codecs(const Connector *c);
/* The FlowConnectorOps the generated program points FlowConnector.ops at
 * for this connector (ConnectorDef.ops, or a file connector's with the
 * algorithms it needs), NULL for none. */
const char *connector_ops(const Connector *c);
/* A sink that writes a file another sink writes, or a file a source or
 * table of the program reads, is an error at the sink with a note at the
 * other place; only literal paths, compared as text once "." components and
 * repeated "/" are dropped (the runtime compares the files themselves when
 * paths come from params, runtime/src/samefile.c). Paths under /dev/ are
 * devices, which several connectors may share. */
void connectors_check_files(Arena *a, Diag *d, const Program *prog);

#endif
