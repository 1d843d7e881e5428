/* check.c: the checker's declarations half. Walks the program once, in
 * source order (names are declared before use), resolving every reference,
 * building the Schema of every schema, source, table and stream, validating
 * connectors and config, and inferring the record type after each operator.
 * Expressions are typed by check_expr.c. Errors never cascade: whatever
 * depends on something already reported (an unknown schema, a TY_ERROR
 * expression) is skipped silently.
 *
 * Rules this checker decides (docs/language.md repeats them for users):
 * - One namespace for schemas, params, sources, tables, streams and `late as`
 *   streams. Inside an expression a field shadows a param of the same name.
 * - `watermark` and `idle` without `event time` cannot be written: the
 *   grammar only accepts them after `event time F`.
 * - Connector arguments with a fixed set of values (format, on_error, start)
 *   take the value as a bare word or a string: `format = csv`,
 *   `on_error = "fail"`. A bare word that is not one of the values must be a
 *   string param. Checked bare words keep NAME_UNRESOLVED and type string.
 * - `follow`, `on_error`, `errors` and `start` only apply where records are
 *   read (sources, tables); kafka's `key` only where they are written.
 * - A sink may not write a file another sink writes, or one a source or
 *   table reads: literal paths, compared by compiler/connectors.c.
 * - float64 values cannot be keys (`key by`, join and lookup equalities,
 *   table keys): equality of floats is not a sound partitioning.
 * - The key set by `key by` survives `where`, `window`, `aggregate` (as the
 *   leading fields of its result), `dedupe`, `join` and `lookup` (left fields
 *   come first), and `select` only when every key field is kept as a bare
 *   field under its own name; `union` drops it.
 * - Inferred schemas are named STREAM_N, N the 1-based operator position. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "check_impl.h"
#include "connectors.h"
#include "durations.h"
#include "explain.h"
#include "nexmark.h"
/* Timestamp defaults are read by the runtime's own parser, so a default the
 * checker accepts is one the generated program reads the same way. */
#include "flow/codec.h"
#include "flow/exchange.h"

/* ---- Scope ---------------------------------------------------------------------- */

Decl *scope_lookup(Checker *c, const char *name)
{
    for (ScopeEntry *s = c->scope; s; s = s->next)
        if (strcmp(s->name, name) == 0)
            return s->decl;
    return NULL;
}

const char **scope_names(Checker *c, unsigned kinds)
{
    int n = 0;
    for (ScopeEntry *s = c->scope; s; s = s->next)
        n++;
    const char **names = arena_alloc(c->arena, sizeof *names * (size_t)(n + 1));
    int k = 0;
    for (ScopeEntry *s = c->scope; s; s = s->next)
        if (kinds & KIND_BIT(s->decl->kind))
            names[k++] = s->name;
    names[k] = NULL;
    return names;
}

const char *decl_kind_name(DeclKind kind)
{
    switch (kind) {
    case DECL_SCHEMA: return "schema";
    case DECL_PARAM: return "param";
    case DECL_SOURCE: return "source";
    case DECL_TABLE: return "table";
    case DECL_STREAM: return "stream";
    case DECL_LATE_STREAM: return "stream";
    case DECL_SINK: return "sink";
    case DECL_CONFIG: return "config";
    }
    return "declaration";
}

void report_unknown(Checker *c, Loc loc, const char *what, const char *name,
                    const char *const *candidates)
{
    const char *close = diag_closest(name, candidates);
    if (close)
        diag_error(c->d, loc, "unknown %s '%s' (did you mean '%s'?)", what, name, close);
    else
        diag_error(c->d, loc, "unknown %s '%s'", what, name);
}

bool name_is_free(Checker *c, const char *name, Loc loc)
{
    Decl *first = scope_lookup(c, name);
    if (!first)
        return true;
    diag_error(c->d, loc, "'%s' is already declared", name);
    diag_note(c->d, first->name_loc, "'%s' was first declared here", name);
    return false;
}

void scope_add(Checker *c, const char *name, Decl *d)
{
    ScopeEntry *e = arena_alloc(c->arena, sizeof *e);
    e->name = name;
    e->decl = d;
    if (c->scope_tail)
        c->scope_tail->next = e;
    else
        c->scope = e;
    c->scope_tail = e;
}

static void declare(Checker *c, Decl *d)
{
    if (d->name && name_is_free(c, d->name, d->name_loc))
        scope_add(c, d->name, d);
}

Decl *resolve_ref(Checker *c, NameRef *ref, unsigned kinds, const char *what, Decl *self)
{
    if (!ref || !ref->name)
        return NULL;
    Decl *d = scope_lookup(c, ref->name);
    if (d && (kinds & KIND_BIT(d->kind))) {
        ref->decl = d;
        return d;
    }
    if (d && d->kind == DECL_TABLE && (kinds & KIND_BIT(DECL_STREAM)))
        diag_error(c->d, ref->loc, "'%s' is a table, not a stream (tables are read with 'lookup')",
                   ref->name);
    else if (d)
        diag_error(c->d, ref->loc, "'%s' is a %s, not a %s", ref->name, decl_kind_name(d->kind),
                   what);
    else if (self && self->name && strcmp(self->name, ref->name) == 0)
        diag_error(c->d, ref->loc, "stream '%s' cannot read itself", ref->name);
    else {
        Decl *later = NULL;
        for (Decl *x = c->prog->decls; x && !later; x = x->next)
            if (x->name && strcmp(x->name, ref->name) == 0)
                later = x;
        if (later) {
            diag_error(c->d, ref->loc, "'%s' is used before it is declared", ref->name);
            diag_note(c->d, later->name_loc, "'%s' is declared here", ref->name);
        } else if (!c->partial) {
            report_unknown(c, ref->loc, what, ref->name, scope_names(c, kinds));
        }
    }
    return NULL;
}

/* Index of the field called `name` in a declared schema, or -1 after an
 * "unknown field" error at `loc`. */
static int find_declared_field(Checker *c, const Schema *s, const char *name, Loc loc)
{
    for (int i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return i;
    const char **cands = arena_alloc(c->arena, sizeof *cands * (size_t)(s->nfields + 1));
    for (int i = 0; i < s->nfields; i++)
        cands[i] = s->fields[i].name;
    report_unknown(c, loc, "field", name, cands);
    return -1;
}

/* ---- Schemas and params ---------------------------------------------------------- */

/* The member a field is read from in JSON: its `from` path or its name. */
static const char *json_path(const Field *f)
{
    return f->path ? f->path : f->name;
}

/* `from "a.b.c"` of the field just added to s: member names joined by
 * '.', none empty, and no other field of s reading the same member. */
static void check_json_path(Checker *c, Schema *s, const FieldDecl *f)
{
    Field *field = &s->fields[s->nfields - 1];
    const char *p = f->path;
    bool empty = f->path_len == 0 || p[0] == '.' || p[f->path_len - 1] == '.' || strstr(p, "..");
    if ((int64_t)strlen(p) != f->path_len || empty) {
        diag_error(c->d, f->path_loc, "invalid JSON path for field '%s': write the member names "
                   "of the nested objects joined by '.', as \"meta.device.id\"", f->name);
        return;
    }
    field->path = p;
    field->path_loc = f->path_loc;
    for (int i = 0; i < s->nfields - 1; i++)
        if (strcmp(json_path(&s->fields[i]), p) == 0) {
            diag_error(c->d, f->path_loc, "fields '%s' and '%s' both read JSON member \"%s\"",
                       s->fields[i].name, f->name, p);
            return;
        }
}

static void check_schema(Checker *c, Decl *d)
{
    int n = 0;
    for (FieldDecl *f = d->schema_fields; f; f = f->next)
        n++;
    Schema *s = arena_alloc(c->arena, sizeof *s);
    s->name = d->name;
    s->declared = true;
    s->loc = d->name_loc;
    s->fields = arena_alloc(c->arena, sizeof *s->fields * (size_t)(n ? n : 1));
    for (FieldDecl *f = d->schema_fields; f; f = f->next) {
        TypeKind t = type_from_name(f->type_name);
        if (t == TY_ERROR)
            report_unknown(c, f->type_loc, "type", f->type_name, type_names);
        const Field *first = NULL;
        for (int i = 0; i < s->nfields && !first; i++)
            if (strcmp(s->fields[i].name, f->name) == 0)
                first = &s->fields[i];
        if (first) {
            diag_error(c->d, f->loc, "duplicate field '%s' in schema '%s'", f->name, d->name);
            diag_note(c->d, first->loc, "'%s' was first declared here", f->name);
            continue;
        }
        s->fields[s->nfields++] =
            (Field){ .name = f->name, .type = t, .optional = f->optional, .loc = f->loc };
        if (f->path)
            check_json_path(c, s, f);
    }
    if (n == 0)
        diag_error(c->d, d->name_loc, "schema '%s' has no fields", d->name);
    d->schema = s;
    declare(c, d);
}

static const char *literal_kind_name(const Expr *e)
{
    switch (e->kind) {
    case EX_INT: return "an integer";
    case EX_FLOAT: return "a float";
    case EX_STRING: return "a string";
    case EX_BOOL: return "a bool";
    case EX_DURATION: return "a duration";
    default: return "an expression";
    }
}

static bool fits_int32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

static void check_param_value(Checker *c, Decl *d)
{
    TypeKind t = d->param.type;
    Expr *v = d->param.value;
    if (!v || t == TY_ERROR)
        return;
    bool ok;
    switch (t) {
    case TY_BOOL: ok = v->kind == EX_BOOL; break;
    case TY_INT32:
    case TY_INT64: ok = v->kind == EX_INT || v->kind == EX_DURATION; break;
    case TY_FLOAT64: ok = v->kind == EX_FLOAT || v->kind == EX_INT; break;
    case TY_STRING:
    case TY_TIMESTAMP: ok = v->kind == EX_STRING; break;
    default: ok = false; break;
    }
    if (!ok) {
        diag_error(c->d, v->loc, "the value of param '%s' must be %s %s, not %s", d->name,
                   t == TY_INT32 || t == TY_INT64 ? "an" : "a", type_name(t),
                   literal_kind_name(v));
        return;
    }
    if (t == TY_INT32 && !fits_int32(v->int_value)) {
        diag_error(c->d, v->loc, "%lld does not fit in int32 param '%s'",
                   (long long)v->int_value, d->name);
        return;
    }
    int64_t ms;
    if (t == TY_TIMESTAMP &&
        !flow_parse_timestamp(v->string.chars, (size_t)v->string.len, &ms)) {
        diag_error(c->d, v->loc,
                   "\"%s\" is not a timestamp (write e.g. \"2024-03-01T12:00:05Z\")",
                   v->string.chars);
        return;
    }
    v->type = t;
}

/* `param NAME : duration = D`: an int64 of ms in expressions, that clauses
 * may name; its default is a duration literal. */
static void check_duration_param(Checker *c, Decl *d)
{
    d->param.type = TY_INT64;
    d->param.duration = true;
    Expr *v = d->param.value;
    if (v && v->kind != EX_DURATION)
        diag_error(c->d, v->loc, "the value of param '%s' must be a duration such as 5m, "
                   "not %s", d->name, literal_kind_name(v));
    else if (v)
        v->type = TY_INT64;
}

static void check_param(Checker *c, Decl *d)
{
    if (strcmp(d->param.type_name, "duration") == 0) {
        check_duration_param(c, d);
        declare(c, d);
        return;
    }
    d->param.type = type_from_name(d->param.type_name);
    if (d->param.type == TY_ERROR) {
        const char *names[16];
        int n = 0;
        for (; type_names[n]; n++)
            names[n] = type_names[n];
        names[n++] = "duration";
        names[n] = NULL;
        report_unknown(c, d->param.type_loc, "type", d->param.type_name, names);
    }
    check_param_value(c, d);
    declare(c, d);
}

/* ---- Durations of clauses ------------------------------------------------------------ */

void check_duration_arg(Checker *c, DurationArg *arg)
{
    if (!arg->param)
        return;
    Decl *d = scope_lookup(c, arg->param);
    if (!d) {
        if (!c->partial)
            report_unknown(c, arg->loc, "param", arg->param,
                           scope_names(c, KIND_BIT(DECL_PARAM)));
        return;
    }
    if (d->kind != DECL_PARAM) {
        diag_error(c->d, arg->loc, "'%s' is a %s, not a param: a duration here is a literal "
                   "such as 5s or a param of type duration", arg->param,
                   decl_kind_name(d->kind));
        return;
    }
    d->used = true;
    if (!d->param.duration) {
        if (d->param.type != TY_ERROR)
            diag_error(c->d, arg->loc, "param '%s' is %s %s: a duration here needs a param of "
                       "type duration (param %s : duration = 5s)", arg->param,
                       d->param.type == TY_INT32 || d->param.type == TY_INT64 ? "an" : "a",
                       type_name(d->param.type), arg->param);
        return;
    }
    arg->decl = d;
    arg->ms = d->param.value ? d->param.value->int_value : 0;
}

void check_duration_rules(Checker *c, Loc loc, const DurRule *rules, int n)
{
    for (int i = 0; i < n; i++) {
        const DurRule *r = &rules[i];
        if ((r->a->param && !r->a->decl) || (r->b && r->b->param && !r->b->decl))
            continue; /* reported */
        if (dur_rule_holds(r->kind, r->a->ms, r->b ? r->b->ms : 0))
            continue;
        const DurationArg *p = r->a->decl ? r->a : r->b && r->b->decl ? r->b : NULL;
        if (!p) {
            diag_error(c->d, loc, "%s", r->message);
            continue;
        }
        diag_error(c->d, loc, "%s (param '%s' is %s by default)", r->message, p->param,
                   duration_text(c->arena, p->ms));
        diag_note(c->d, p->decl->name_loc, "param '%s' is declared here", p->param);
    }
}

/* ---- Connectors -------------------------------------------------------------------- */

/* The arguments of each connector and where it may stand come from its row
 * in compiler/connectors.c. */

static const char *role_name(ConnRole role)
{
    switch (role) {
    case ROLE_SOURCE: return "source";
    case ROLE_TABLE: return "table";
    case ROLE_SINK: return "sink";
    }
    return "?";
}

static bool word_in(const char *word, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcmp(words[i], word) == 0)
            return true;
    return false;
}

static void report_bad_word(Checker *c, Loc loc, const ArgSpec *spec, const char *word)
{
    const char *close = diag_closest(word, spec->words);
    if (close) {
        diag_error(c->d, loc, "invalid %s '%s' (did you mean '%s'?)", spec->key, word, close);
        return;
    }
    char expected[128] = "";
    for (int i = 0; spec->words[i]; i++) {
        if (i > 0)
            strcat(expected, spec->words[i + 1] ? ", " : " or ");
        strcat(expected, spec->words[i]);
    }
    diag_error(c->d, loc, "invalid %s '%s' (expected %s)", spec->key, word, expected);
}

static const char *arg_type_text(const ArgSpec *spec)
{
    switch (spec->type) {
    case ARG_STRING: return "a string";
    case ARG_BOOL: return "true or false";
    case ARG_INT:
    case ARG_COUNT:
    case ARG_POSITIVE: return "an integer";
    case ARG_DURATION: return "a duration such as 250ms";
    case ARG_WORD: return "a word";
    case ARG_FIELD: return "a field name";
    }
    return "?";
}

static bool param_fits_arg(TypeKind t, ArgType a)
{
    switch (a) {
    case ARG_STRING:
    case ARG_WORD: return t == TY_STRING;
    case ARG_BOOL: return t == TY_BOOL;
    case ARG_INT:
    case ARG_COUNT:
    case ARG_POSITIVE:
    case ARG_DURATION: return type_is_integer(t);
    case ARG_FIELD: return false;
    }
    return false;
}

/* An argument given as a name: a param (of a fitting type), or for ARG_WORD
 * one of the words. */
static void check_named_arg(Checker *c, const ArgSpec *spec, Expr *v)
{
    const char *name = v->name.name;
    if (spec->type == ARG_WORD && !v->name.qualifier && word_in(name, spec->words)) {
        v->type = TY_STRING;
        return;
    }
    Decl *d = v->name.qualifier ? NULL : scope_lookup(c, name);
    if (d && d->kind == DECL_PARAM) {
        d->used = true;
        v->name.kind = NAME_PARAM;
        v->name.param = d;
        v->type = d->param.type;
        if (d->param.type != TY_ERROR && !param_fits_arg(d->param.type, spec->type))
            diag_error(c->d, v->loc, "'%s' must be %s, but param '%s' is %s", spec->key,
                       arg_type_text(spec), name, type_name(d->param.type));
        return;
    }
    if (spec->type == ARG_WORD)
        report_bad_word(c, v->loc, spec, name);
    else if (d)
        diag_error(c->d, v->loc, "'%s' is a %s, not a param", name, decl_kind_name(d->kind));
    else if (!c->partial)
        report_unknown(c, v->loc, "param", name, scope_names(c, KIND_BIT(DECL_PARAM)));
}

static void check_literal_arg(Checker *c, const ArgSpec *spec, Expr *v)
{
    bool ok = false;
    switch (spec->type) {
    case ARG_STRING: ok = v->kind == EX_STRING; break;
    case ARG_BOOL: ok = v->kind == EX_BOOL; break;
    case ARG_INT:
    case ARG_COUNT:
    case ARG_POSITIVE: ok = v->kind == EX_INT; break;
    case ARG_DURATION: ok = v->kind == EX_DURATION; break;
    case ARG_WORD:
        if (v->kind == EX_STRING) {
            if (!word_in(v->string.chars, spec->words)) {
                report_bad_word(c, v->loc, spec, v->string.chars);
                return;
            }
            ok = true;
        }
        break;
    case ARG_FIELD: break;
    }
    if (!ok) {
        diag_error(c->d, v->loc, "'%s' must be %s, not %s", spec->key, arg_type_text(spec),
                   literal_kind_name(v));
        return;
    }
    if ((spec->type == ARG_COUNT || spec->type == ARG_DURATION) && v->int_value < 0) {
        diag_error(c->d, v->loc, "'%s' must not be negative", spec->key);
        return;
    }
    if (spec->type == ARG_POSITIVE && v->int_value < 1) {
        diag_error(c->d, v->loc, "'%s' must be at least 1", spec->key);
        return;
    }
    switch (v->kind) {
    case EX_INT: v->type = fits_int32(v->int_value) ? TY_INT32 : TY_INT64; break;
    case EX_FLOAT: v->type = TY_FLOAT64; break;
    case EX_STRING: v->type = TY_STRING; break;
    case EX_BOOL: v->type = TY_BOOL; break;
    default: v->type = TY_INT64; break;
    }
}

static void check_conn_arg(Checker *c, const ConnectorDef *spec, ConnArg *arg, ConnRole role,
                           const FieldScope *written)
{
    const ArgSpec *as = NULL;
    for (const ArgSpec *a = spec->args; a->key && !as; a++)
        if (strcmp(a->key, arg->key) == 0)
            as = a;
    if (!as) {
        int n = 0;
        while (spec->args[n].key)
            n++;
        const char **keys = arena_alloc(c->arena, sizeof *keys * (size_t)(n + 1));
        for (int i = 0; i < n; i++)
            keys[i] = spec->args[i].key;
        report_unknown(c, arg->loc, arena_printf(c->arena, "%s argument", spec->name),
                       arg->key, keys);
        return;
    }
    bool reads = role != ROLE_SINK;
    if (as->use == USE_TABLE && role != ROLE_TABLE) {
        diag_error(c->d, arg->loc, "'%s' only applies to a table", arg->key);
        return;
    }
    if (as->use == USE_READ && !reads) {
        diag_error(c->d, arg->loc, "'%s' only applies where records are read, not to a sink",
                   arg->key);
        return;
    }
    if (as->use == USE_WRITE && reads) {
        diag_error(c->d, arg->loc, "'%s' only applies to a sink", arg->key);
        return;
    }
    Expr *v = arg->value;
    if (!v)
        return;
    if (as->type == ARG_FIELD) {
        int i = v->kind == EX_NAME ? resolve_field_name(c, written, v, false) : -1;
        if (v->kind != EX_NAME)
            diag_error(c->d, v->loc, "'%s' must name a field, not %s", arg->key,
                       literal_kind_name(v));
        /* kafka's timestamp: the field the message's timestamp fills. */
        else if (i >= 0 && reads && written->schema->fields[i].type != TY_TIMESTAMP)
            diag_error(c->d, v->loc, "'%s' names field '%s', which must be a timestamp, not %s",
                       arg->key, v->name.name, type_name(written->schema->fields[i].type));
    } else if (v->kind == EX_NAME) {
        check_named_arg(c, as, v);
    } else {
        check_literal_arg(c, as, v);
    }
}

/* `written` is the record a sink writes (for kafka's `key`) or a source
 * reads (kafka's `timestamp`). */
static void check_connector(Checker *c, Connector *conn, ConnRole role, const FieldScope *written)
{
    if (!conn->name)
        return;
    const ConnectorDef *spec = connector_find(conn->name);
    if (!spec) {
        report_unknown(c, conn->loc, "connector", conn->name, connector_names(c->arena));
        return;
    }
    if (!(spec->roles & role)) {
        diag_error(c->d, conn->loc, "'%s' can only be a %s, not a %s", spec->name,
                   spec->roles & ROLE_SINK ? "sink" : "source", role_name(role));
        return;
    }
    for (ConnArg *a = conn->args; a; a = a->next) {
        ConnArg *first = conn->args;
        while (first != a && strcmp(first->key, a->key) != 0)
            first = first->next;
        if (first != a) {
            diag_error(c->d, a->loc, "duplicate argument '%s'", a->key);
            diag_note(c->d, first->loc, "'%s' was first given here", a->key);
            continue;
        }
        check_conn_arg(c, spec, a, role, written);
    }
    for (const ArgSpec *as = spec->args; as->key; as++) {
        if (!as->required)
            continue;
        bool given = false;
        for (ConnArg *a = conn->args; a && !given; a = a->next)
            given = strcmp(a->key, as->key) == 0;
        if (!given)
            diag_error(c->d, conn->loc, "'%s' needs a '%s' argument", spec->name, as->key);
    }
}

/* ---- Sources and tables -------------------------------------------------------------- */

static Schema *resolve_schema(Checker *c, NameRef *ref)
{
    Decl *s = resolve_ref(c, ref, KIND_BIT(DECL_SCHEMA), "schema", NULL);
    if (!s)
        return NULL;
    s->used = true;
    return s->schema;
}

/* The format a source or table reads, when the program says it: its
 * `format`, or the default (a file's from its literal path); NULL when a
 * param decides it at start. */
static const char *read_format(const Connector *conn)
{
    const Expr *path = NULL;
    for (const ConnArg *a = conn->args; a; a = a->next) {
        if (strcmp(a->key, "format") == 0) {
            if (a->value->kind == EX_STRING)
                return a->value->string.chars;
            return a->value->kind == EX_NAME && a->value->name.kind != NAME_PARAM
                       ? a->value->name.name
                       : NULL;
        }
        if (strcmp(a->key, "path") == 0)
            path = a->value;
    }
    if (strcmp(conn->name, "file") != 0)
        return "csv";
    if (!path || path->kind != EX_STRING)
        return NULL;
    size_t n = strlen(path->string.chars);
    bool json = (n >= 6 && strcmp(path->string.chars + n - 6, ".jsonl") == 0) ||
                (n >= 5 && strcmp(path->string.chars + n - 5, ".json") == 0);
    return json ? "jsonl" : "csv";
}

/* A schema with JSON paths (`from "a.b"`) is read only from JSON: a
 * generator makes fields by name, and CSV has no nesting. */
static void check_json_paths_read(Checker *c, const Decl *d, const Schema *s)
{
    const Field *f = NULL;
    for (int i = 0; s && i < s->nfields && !f; i++)
        if (s->fields[i].path)
            f = &s->fields[i];
    if (!f)
        return;
    const ConnectorDef *def = connector_find(d->source.conn.name);
    bool generator = def && def->generates;
    const char *format = read_format(&d->source.conn);
    if (!generator && format && (strcmp(format, "jsonl") == 0 || strcmp(format, "json") == 0))
        return;
    if (generator)
        diag_error(c->d, d->source.conn.loc, "a %s makes fields by name, but field '%s' "
                   "of schema '%s' is a JSON path (\"%s\"): only a JSON source can read it",
                   def->name, f->name, s->name, f->path);
    else if (format)
        diag_error(c->d, d->source.conn.loc, "%s '%s' reads %s, but field '%s' of schema '%s' "
                   "is a JSON path (\"%s\"): only a JSON source can read it",
                   decl_kind_name(d->kind), d->name, format, f->name, s->name, f->path);
    else
        diag_error(c->d, d->source.conn.loc, "%s '%s' must say 'format = jsonl' (not a param): "
                   "field '%s' of schema '%s' is a JSON path (\"%s\")",
                   decl_kind_name(d->kind), d->name, f->name, s->name, f->path);
    diag_note(c->d, f->path_loc, "the path of '%s' is here", f->name);
}

static void check_source(Checker *c, Decl *d)
{
    d->source.event_time_field = -1;
    d->source.key_field = -1;
    Schema *s = d->schema = resolve_schema(c, d->source.schema_ref);
    FieldScope read = { s, d->name };
    check_connector(c, &d->source.conn, ROLE_SOURCE, &read);
    check_json_paths_read(c, d, s);
    if (strcmp(d->source.conn.name, "nexmark") == 0)
        nexmark_check_source(c->d, d, s);
    check_duration_arg(c, &d->source.watermark);
    check_duration_arg(c, &d->source.idle);
    DurRule rules[DUR_MAX_RULES];
    check_duration_rules(c, d->loc, rules, dur_source_rules(d, rules));
    if (d->source.event_time && s) {
        int i = find_declared_field(c, s, d->source.event_time, d->source.event_time_loc);
        if (i >= 0 && s->fields[i].type != TY_TIMESTAMP && s->fields[i].type != TY_ERROR)
            diag_error(c->d, d->source.event_time_loc,
                       "event time field '%s' must be a timestamp, not %s",
                       d->source.event_time, type_name(s->fields[i].type));
        else if (i >= 0 && s->fields[i].optional)
            diag_error(c->d, d->source.event_time_loc,
                       "event time field '%s' is optional: every record needs its time",
                       d->source.event_time);
        else if (i >= 0)
            d->source.event_time_field = i;
    }
    declare(c, d);
}

bool report_float_key(Checker *c, Loc loc, const char *field, TypeKind t)
{
    if (t != TY_FLOAT64)
        return false;
    diag_error(c->d, loc, "float64 field '%s' cannot be a key", field);
    return true;
}

static void check_table(Checker *c, Decl *d)
{
    d->source.event_time_field = -1;
    d->source.key_field = -1;
    Schema *s = d->schema = resolve_schema(c, d->source.schema_ref);
    FieldScope read = { s, d->name };
    check_connector(c, &d->source.conn, ROLE_TABLE, &read);
    check_json_paths_read(c, d, s);
    if (!d->source.key)
        diag_error(c->d, d->name_loc, "table '%s' needs 'key FIELD'", d->name);
    else if (s) {
        int i = find_declared_field(c, s, d->source.key, d->source.key_loc);
        if (i >= 0 && s->fields[i].optional)
            diag_error(c->d, d->source.key_loc, "table key '%s' is optional: every row needs "
                       "its key", d->source.key);
        else if (i >= 0 &&
                 !report_float_key(c, d->source.key_loc, d->source.key, s->fields[i].type))
            d->source.key_field = i;
    }
    declare(c, d);
}

/* ---- Sinks and config ------------------------------------------------------------------ */

/* A sink writes fields by name: two of the same name (the two sides of a
 * join) must be renamed first (LANGUAGE.md §5). One error per name. */
static void check_sink_field_names(Checker *c, const Schema *s, Loc loc)
{
    for (int i = 0; i < s->nfields; i++) {
        bool earlier = false, later = false;
        for (int j = 0; j < s->nfields; j++)
            if (j != i && strcmp(s->fields[i].name, s->fields[j].name) == 0) {
                earlier = earlier || j < i;
                later = later || j > i;
            }
        if (later && !earlier)
            diag_error(c->d, loc,
                       "field '%s' comes from both sides of a join; rename one with 'select' "
                       "before the sink",
                       s->fields[i].name);
    }
}

static ConnArg *find_arg(Connector *conn, const char *key)
{
    for (ConnArg *a = conn->args; a; a = a->next)
        if (strcmp(a->key, key) == 0)
            return a;
    return NULL;
}

/* A postgres upsert without `key =` updates by the stream's key, plus
 * window_start for an aggregate's results (docs/postgres.md): the checker
 * writes that `key` for the runtime, which otherwise takes the table's
 * primary key. */
static void default_upsert_key(Checker *c, Connector *conn, const Decl *s)
{
    const ConnArg *mode = find_arg(conn, "mode");
    const char *word = !mode ? NULL
                       : mode->value->kind == EX_STRING ? mode->value->string.chars
                       : mode->value->kind == EX_NAME ? mode->value->name.name
                                                      : NULL;
    if (strcmp(conn->name, "postgres") != 0 || !word || strcmp(word, "upsert") != 0 ||
        find_arg(conn, "key") || s->kind != DECL_STREAM || !s->schema)
        return;
    const char *list = "";
    for (int k = 0; k < s->stream.nkey; k++)
        list = arena_printf(c->arena, "%s%s%s", list, k ? ", " : "",
                            s->schema->fields[s->stream.key[k]].name);
    for (int i = 0; s->stream.window_result && i < s->schema->nfields; i++)
        if (strcmp(s->schema->fields[i].name, "window_start") == 0)
            list = arena_printf(c->arena, "%s%swindow_start", list, *list ? ", " : "");
    if (!*list)
        return;
    Expr *v = arena_alloc(c->arena, sizeof *v);
    *v = (Expr){ .kind = EX_STRING, .loc = conn->loc, .type = TY_STRING };
    v->string.chars = list;
    v->string.len = (int64_t)strlen(list);
    ConnArg *a = arena_alloc(c->arena, sizeof *a);
    *a = (ConnArg){ .key = "key", .loc = conn->loc, .value = v, .next = conn->args };
    conn->args = a;
}

static void check_sink(Checker *c, Decl *d)
{
    NameRef *ref = d->sink.stream;
    Decl *s = resolve_ref(c, ref, STREAM_KINDS, "stream", NULL);
    if (s) {
        s->used = true;
        d->schema = s->schema;
    }
    FieldScope written = { d->schema, ref ? ref->name : NULL };
    check_connector(c, &d->sink.conn, ROLE_SINK, &written);
    if (s && d->sink.conn.name)
        default_upsert_key(c, &d->sink.conn, s);
    if (d->schema)
        check_sink_field_names(c, d->schema, ref->loc);
}

static const char *setting_name(ConfigKind kind)
{
    switch (kind) {
    case CFG_CHECKPOINT: return "checkpoint";
    case CFG_STATE_MEMORY:
    case CFG_STATE_ROCKSDB: return "state";
    case CFG_PARALLELISM: return "parallelism";
    }
    return "?";
}

/* The setting of the same name as `s` before it, in any config block. */
static ConfigSetting *earlier_setting(Checker *c, const ConfigSetting *s)
{
    for (Decl *x = c->prog->decls; x; x = x->next) {
        if (x->kind != DECL_CONFIG)
            continue;
        for (ConfigSetting *t = x->config; t; t = t->next) {
            if (t == s)
                return NULL;
            if (strcmp(setting_name(t->kind), setting_name(s->kind)) == 0)
                return t;
        }
    }
    return NULL;
}

static void check_config(Checker *c, Decl *d)
{
    for (ConfigSetting *s = d->config; s; s = s->next) {
        ConfigSetting *first = earlier_setting(c, s);
        if (first) {
            diag_error(c->d, s->loc, "'%s' is set twice", setting_name(s->kind));
            diag_note(c->d, first->loc, "'%s' was first set here", setting_name(s->kind));
            continue;
        }
        if (s->kind == CFG_CHECKPOINT && s->every_ms <= 0)
            diag_error(c->d, s->loc, "the checkpoint interval must be positive");
        if (s->kind == CFG_PARALLELISM && s->parallelism < 1)
            diag_error(c->d, s->loc, "parallelism must be at least 1");
        if (s->kind == CFG_PARALLELISM && s->parallelism > FLOW_MAX_PARALLELISM)
            diag_error(c->d, s->loc, "parallelism must be at most %d (the key groups)",
                       FLOW_MAX_PARALLELISM);
    }
}

/* ---- What this version cannot compile ------------------------------------------------ */

/* What this version does not compile of a connector that its row allows
 * here: the whole connector (its row has no `compiled` role), or this use
 * of it (a generator as a table: tables are read to their end before the
 * streams start). */
static void reject_connector(Checker *c, const Connector *conn, ConnRole role)
{
    const ConnectorDef *def = connector_find(conn->name);
    if (!def || !(def->roles & role))
        return;
    if (!def->compiled) {
        diag_unsupported(c->d, conn->loc, conn->name,
                         arena_printf(c->arena, "connectors available: %s",
                                      connectors_compiled_text(c->arena, 0, ", ", ", ")));
    } else if (!(def->compiled & role)) {
        bool sink = role == ROLE_SINK;
        diag_unsupported(c->d, conn->loc,
                         arena_printf(c->arena, "a %s %s a %s", role_name(role),
                                      sink ? "to" : "from", def->name),
                         arena_printf(c->arena, "%ss %s %s", role_name(role),
                                      sink ? "write to" : "are read from",
                                      connectors_compiled_text(c->arena, role, ", ", " or ")));
    }
}

/* A file table is read to its end before the streams start: it cannot be
 * followed. */
static void reject_table_connector(Checker *c, const Connector *conn)
{
    reject_connector(c, conn, ROLE_TABLE);
    for (const ConnArg *a = conn->args; a; a = a->next)
        if (strcmp(a->key, "follow") == 0 && a->value && a->value->kind == EX_BOOL &&
            a->value->bool_value)
            diag_unsupported(c->d, a->loc, "a table with follow=true",
                             "a file table is read to its end before the streams start");
}

/* Reported once the declaration is fully checked, so that its other
 * mistakes are still found. */
static void reject_unsupported(Checker *c, const Decl *d)
{
    switch (d->kind) {
    case DECL_SOURCE: reject_connector(c, &d->source.conn, ROLE_SOURCE); break;
    case DECL_TABLE: reject_table_connector(c, &d->source.conn); break;
    case DECL_SINK: reject_connector(c, &d->sink.conn, ROLE_SINK); break;
    default: break;
    }
}

/* ---- Streams that reach no sink ------------------------------------------------------- */

typedef struct Reached {
    const Decl **decls;
    int n;
} Reached;

static bool was_reached(const Reached *r, const Decl *d)
{
    for (int i = 0; i < r->n; i++)
        if (r->decls[i] == d)
            return true;
    return false;
}

/* The stream whose window declares the late stream `late`. */
static const Decl *late_owner(const Program *prog, const Decl *late)
{
    for (const Decl *d = prog->decls; d; d = d->next)
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                if (op == late->stream.producer)
                    return d;
    return NULL;
}

/* Marks `d` and everything whose records flow into it. */
static void mark_reached(const Program *prog, Reached *r, const Decl *d)
{
    if (!d || was_reached(r, d))
        return;
    r->decls[r->n++] = d;
    if (d->kind == DECL_LATE_STREAM)
        mark_reached(prog, r, late_owner(prog, d));
    if (d->kind != DECL_STREAM)
        return;
    if (d->stream.input)
        mark_reached(prog, r, d->stream.input->decl);
    for (const Op *op = d->stream.ops; op; op = op->next) {
        if (op->kind == OP_JOIN && op->join.other)
            mark_reached(prog, r, op->join.other->decl);
        if (op->kind == OP_UNION)
            for (const NameRef *u = op->union_of; u; u = u->next)
                mark_reached(prog, r, u->decl);
    }
}

static void warn_unreached(Checker *c)
{
    int n = 0;
    for (Decl *d = c->prog->decls; d; d = d->next)
        n++;
    Reached r = { arena_alloc(c->arena, sizeof *r.decls * (size_t)(n ? n : 1)), 0 };
    for (Decl *d = c->prog->decls; d; d = d->next)
        if (d->kind == DECL_SINK && d->sink.stream)
            mark_reached(c->prog, &r, d->sink.stream->decl);
    /* A declaration whose name was taken already got its error; nothing can
     * read it, so it is not warned about too. */
    for (Decl *d = c->prog->decls; d; d = d->next) {
        bool stream = d->kind == DECL_STREAM || d->kind == DECL_LATE_STREAM;
        if ((stream || d->kind == DECL_SOURCE) && d->name && scope_lookup(c, d->name) == d &&
            !was_reached(&r, d))
            diag_warning(c->d, d->name_loc, "%s '%s' reaches no sink",
                         stream ? "stream" : "source", d->name);
    }
}

/* ---- Checkpoints ------------------------------------------------------------------------ */

/* A checkpointed program restarts each source where the checkpoint says it
 * was, so it can only read sources that can go back (ConnectorDef.seekable;
 * docs/checkpoints.md). */
static void check_checkpointed_sources(Checker *c, const Program *prog)
{
    const ConfigSetting *every = NULL;
    for (const Decl *d = prog->decls; d; d = d->next)
        if (d->kind == DECL_CONFIG)
            for (const ConfigSetting *s = d->config; s; s = s->next)
                if (s->kind == CFG_CHECKPOINT)
                    every = s;
    if (!every)
        return;
    for (const Decl *d = prog->decls; d; d = d->next) {
        if (d->kind != DECL_SOURCE)
            continue;
        const ConnectorDef *def = connector_find(d->source.conn.name);
        if (!def || def->seekable)
            continue;
        diag_error(c->d, d->source.conn.loc,
                   "source '%s' reads %s, which cannot go back to where a checkpoint was taken; "
                   "a checkpointed program reads files or generators",
                   d->name, def->name);
        diag_note(c->d, every->loc, "the program checkpoints here");
    }
}

/* ---- The program ------------------------------------------------------------------------ */

bool check_program(Arena *arena, Diag *d, Program *prog)
{
    Checker c = { .arena = arena, .d = d, .prog = prog, .partial = d->errors > 0 };
    Decl *last = NULL;
    for (Decl *decl = prog->decls; decl; decl = decl->next) {
        switch (decl->kind) {
        case DECL_SCHEMA: check_schema(&c, decl); break;
        case DECL_PARAM: check_param(&c, decl); break;
        case DECL_SOURCE: check_source(&c, decl); break;
        case DECL_TABLE: check_table(&c, decl); break;
        case DECL_STREAM: check_stream(&c, decl); break;
        case DECL_LATE_STREAM: break;
        case DECL_SINK: check_sink(&c, decl); break;
        case DECL_CONFIG: check_config(&c, decl); break;
        }
        reject_unsupported(&c, decl);
        last = decl;
    }
    if (c.late) {
        if (last)
            last->next = c.late;
        else
            prog->decls = c.late;
    }
    connectors_check_files(arena, d, prog);
    check_checkpointed_sources(&c, prog);
    if (!c.partial)
        warn_unreached(&c);
    return d->errors == 0;
}
