/* emit.c: the emitter's driver. Writes the generated C file in reading
 * order: the header comment with the plan, record structs, params,
 * prototypes, per source a decode (or generate) function, one function per
 * stage (a stateful stage by its operator's emitter, found in operators.h),
 * per sink a writer, and the FlowProgram with main. Everything is written in declaration order, so the
 * same .flow always gives the same bytes. The fixed text comes from
 * templates/: header.c.in, overlap.c.in and program.c.in. */
#include "emit.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "emit_impl.h"
#include "explain.h"
#include "flow/generator.h"
#include "optable.h"
#include "templates.h"

/* ---- Templates ------------------------------------------------------------------------ */

/* The template `name` with every {{key}} replaced by its value from `vars`
 * (key, value, ..., NULL). A key without a value is a flowc bug. */
static void template_write(CWriter *w, const char *name, const char *const *vars)
{
    const char *t = template_text(name);
    CWriter out;
    cw_init(&out);
    while (*t) {
        const char *open = strstr(t, "{{");
        if (!open) {
            cw_printf(&out, "%s", t);
            break;
        }
        cw_printf(&out, "%.*s", (int)(open - t), t);
        const char *close = strstr(open, "}}");
        const char *value = NULL;
        for (int i = 0; close && vars[i]; i += 2)
            if (strlen(vars[i]) == (size_t)(close - open - 2) &&
                strncmp(vars[i], open + 2, (size_t)(close - open - 2)) == 0)
                value = vars[i + 1];
        if (!value) {
            fprintf(stderr, "flowc: internal error: template %s: no value for %.*s\n", name,
                    close ? (int)(close - open + 2) : 2, open);
            abort();
        }
        cw_printf(&out, "%s", value);
        t = close + 2;
    }
    cw_append(w, &out);
    cw_free(&out);
}

/* ---- Record types ------------------------------------------------------------------------ */

static void emit_types(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    for (int i = 0; i < plan->ntypes; i++) {
        const PlanType *t = plan->types[i];
        cw_blank(w);
        cw_comment(w, true, arena_printf(em->arena, "%s (%s:%d)", t->origin, plan->flow_file,
                                         t->loc.line));
        cw_open(w, "typedef struct %s", t->cname);
        for (int f = 0; f < t->schema->nfields; f++) {
            const Field *fd = &t->schema->fields[f];
            const char *note = "";
            if (strcmp(t->members[f], fd->name) != 0)
                note = arena_printf(em->arena, " /* field %s%s%s */", fd->qualifier ? fd->qualifier : "",
                                    fd->qualifier ? "." : "", fd->name);
            else if (fd->type == TY_TIMESTAMP)
                note = " /* timestamp: ms since 1970-01-01T00:00:00Z */";
            cw_line(w, "%s %s;%s", field_c_type(fd), t->members[f], note);
        }
        cw_close(w, arena_printf(em->arena, " %s;", t->cname));
    }
}

/* ---- Params ------------------------------------------------------------------------------- */

/* The text flow_main parses a param's default from (program.h). */
static const char *literal_text(Emitter *em, const Expr *v)
{
    Arena *a = em->arena;
    if (!v)
        return "";
    switch (v->kind) {
    case EX_INT:
    case EX_DURATION: return arena_printf(a, "%" PRId64, v->int_value);
    case EX_FLOAT: return float_text(a, v->float_value);
    case EX_STRING: return c_string_body(a, v->string.chars, v->string.len);
    case EX_BOOL: return v->bool_value ? "true" : "false";
    case EX_NAME: return c_string_body(a, v->name.name, (int64_t)strlen(v->name.name));
    default: return "";
    }
}

static void collect_params(Emitter *em)
{
    int n = 0;
    for (Decl *d = em->plan->prog->decls; d; d = d->next)
        n += d->kind == DECL_PARAM;
    em->params = arena_alloc(em->arena, sizeof *em->params * (size_t)(n + 1));
    em->param_members = arena_alloc(em->arena, sizeof *em->param_members * (size_t)(n + 1));
    em->param_names = arena_alloc(em->arena, sizeof *em->param_names * (size_t)(n + 1));
    em->params_type = n ? plan_unique_name(em->plan, "Params") : NULL;
    for (Decl *d = em->plan->prog->decls; d; d = d->next) {
        if (d->kind != DECL_PARAM)
            continue;
        const char *member = arena_printf(em->arena, "param_%s", d->name);
        em->params[em->nparams] = d;
        em->param_members[em->nparams] = member;
        em->param_names[em->nparams++] =
            arena_printf(em->arena, "FLOW_PARAM(rt, %s, %s)", em->params_type, member);
    }
}

/* The params are a struct, not variables: every run has its own, which
 * flow_main fills and the stages read through their runtime, so that runs of
 * one program on several threads may have different --set values. */
static void emit_params(Emitter *em, CWriter *w)
{
    if (em->nparams == 0)
        return;
    cw_blank(w);
    cw_comment(w, true, "Params: flow_main sets each to its default, then to the value of any "
                        "--set NAME=VALUE, before the first record is read; each run has its "
                        "own (flow_params).");
    cw_open(w, "typedef struct %s", em->params_type);
    for (int i = 0; i < em->nparams; i++) {
        const Decl *d = em->params[i];
        emit_loc_comment(em, w, d->loc,
                     arena_printf(em->arena, "param %s : %s = %s", d->name,
                                  type_name(d->param.type), expr_text(em->arena, d->param.value)));
        cw_line(w, "%s %s;", c_type(d->param.type), em->param_members[i]);
    }
    dur_emit_members(em, w);
    cw_close(w, arena_printf(em->arena, " %s;", em->params_type));
}

/* ---- Stages ------------------------------------------------------------------------------- */

/* The emit column of operators.h for the first operator of a stage: a
 * stateful operator writes its whole stage; a stage that starts with a
 * stateless one is its operators one after the other, written here. */
#define EMIT_STAGE_stateless(emit)
#define EMIT_STAGE_stateful(emit) emit(em, w, st); emit_checkpoint_functions(em, w, st); return;
#define EMIT_STAGE_part(emit)

static void emit_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    switch (st->nodes[0]->op->kind) {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
    case OP_##kind: EMIT_STAGE_##role(emit) break;
#include "operators.h"
#undef OP
    }
    Body b;
    body_init(&b, em, st->in, "in->", "in");
    const Decl *stream = NULL;
    for (int i = 0; i < st->nnodes; i++) {
        const PlanNode *n = st->nodes[i];
        if (n->decl != stream && i > 0)
            cw_comment(&b.w, true, arena_printf(em->arena, "%s:%d: stream %s = %s",
                                                em->plan->flow_file, n->decl->loc.line,
                                                n->decl->name,
                                                n->decl->stream.input ? n->decl->stream.input->name
                                                                      : "?"));
        stream = n->decl;
        emit_op(&b, n);
    }
    push_to(&b, &st->nodes[st->nnodes - 1]->outputs);

    cw_blank(w);
    const char *streams = "";
    const Decl *last = NULL;
    for (int i = 0; i < st->nnodes; i++)
        if (st->nodes[i]->decl != last) {
            last = st->nodes[i]->decl;
            streams = arena_printf(em->arena, "%s%s%s", streams, *streams ? ", " : "", last->name);
        }
    cw_comment(w, true, arena_printf(em->arena, "Stage %d: stream%s %s (%s:%d). One record in, "
                                     "its operators one after the other.", st->id,
                                     strchr(streams, ',') ? "s" : "", streams,
                                     em->plan->flow_file, st->nodes[0]->op->loc.line));
    emit_body_function(w, stage_signature(em, st), &b, true);
}

/* ---- Sources ------------------------------------------------------------------------------ */

static bool is_generator(const PlanNode *src)
{
    return connector_find(src->decl->source.conn.name)->generates;
}

void emit_source_push(Body *b, const PlanNode *src)
{
    const Decl *d = src->decl;
    bool event_time = d->source.event_time_field >= 0;
    bool to_stages = false;
    for (int i = 0; i < src->outputs.n; i++)
        to_stages |= src->outputs.items[i]->to->kind == PN_OP && src->outputs.items[i]->to->live;
    if (event_time)
        cw_line(&b->w, "int64_t ts = rec.%s;", src->out->members[d->source.event_time_field]);
    else if (to_stages)
        cw_line(&b->w, "int64_t ts = flow_now_ms(rt);");
    push_to(b, &src->outputs);
    if (event_time)
        cw_line(&b->w, "flow_record_time(rt, ts);");
    b->used_rt |= event_time || to_stages;
}

/* A source that may read CSV through the runtime's text sources: file or
 * stdin, without a format argument naming JSON (the format can also come
 * from the path's extension, known at run time, so this is "may"). */
static bool may_read_csv_lines(Emitter *em, const Connector *c)
{
    if (strcmp(c->name, "file") != 0 && strcmp(c->name, "stdin") != 0)
        return false;
    for (const ConnArg *a = c->args; a; a = a->next)
        if (strcmp(a->key, "format") == 0)
            return strcmp(literal_text(em, a->value), "csv") == 0;
    return true;
}

/* parse_csv_X: the one-pass line decoder of a CSV source whose columns are
 * in schema order (docs/generated-code.md, "CSV sources"). Each field is
 * parsed where it is found by the flow_csv_* parser of its type
 * (flow/csv_line.h); a line that any of them refuses, or with a column too
 * many or too few, returns false and goes through the general path. */
static void emit_parse_csv(Emitter *em, CWriter *w, const PlanNode *src)
{
    const PlanType *t = src->out;
    int n = t->schema->nfields;
    cw_blank(w);
    emit_loc_comment(em, w, src->decl->loc,
                     arena_printf(em->arena, "source %s: one CSV line in schema order, in one "
                                  "pass, or false for the general path.", src->decl->name));
    cw_line(w, "static bool %s(const char *p, size_t len, void *record)", em->csv_fns[src->index]);
    cw_line(w, "{");
    cw_indent(w);
    cw_line(w, "%s *rec = record;", t->cname);
    cw_line(w, "const char *end = p + len;");
    for (int f = 0; f < n; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *m = t->members[f];
        if (fd->optional) {
            /* An empty field is no value (flow_field_is_null). */
            cw_open(w, "if (p == end || *p == ',')");
            cw_line(w, "rec->%s = (%s){ .null = true };", m, c_opt_type(fd->type));
            cw_close(w, " else {");
            cw_indent(w);
            cw_line(w, "rec->%s.null = false;", m);
            cw_open(w, "if (!(p = flow_csv_%s(p, end, &rec->%s.v)))", codec_suffix(fd->type), m);
            cw_line(w, "return false;");
            cw_close(w, "");
            cw_close(w, "");
            cw_open(w, "if (%s)", f + 1 < n ? "p++ == end" : "p != end");
        } else {
            cw_open(w, "if (!(p = flow_csv_%s(p, end, &rec->%s)) || %s)", codec_suffix(fd->type),
                    m, f + 1 < n ? "p++ == end" : "p != end");
        }
        cw_line(w, "return false;");
        cw_close(w, "");
    }
    cw_line(w, "return true;");
    cw_close(w, "");
}

/* A source that may read JSON lines through the runtime's text sources: file
 * or stdin with a format argument naming JSON, or a file whose literal path
 * has a JSON extension (.json, .jsonl, before a compression's), and whose
 * fields are all plain member names (paths into nested objects take the
 * general parser). */
static bool may_read_json_lines(Emitter *em, const PlanNode *src)
{
    const Connector *c = &src->decl->source.conn;
    if (strcmp(c->name, "file") != 0 && strcmp(c->name, "stdin") != 0)
        return false;
    const Schema *schema = src->out->schema;
    if (schema->nfields > 64)
        return false;
    for (int f = 0; f < schema->nfields; f++)
        if (strchr(schema->fields[f].name, '.'))
            return false;
    const Expr *path = NULL;
    for (const ConnArg *a = c->args; a; a = a->next) {
        if (strcmp(a->key, "format") == 0)
            return strcmp(literal_text(em, a->value), "csv") != 0;
        if (strcmp(a->key, "path") == 0)
            path = a->value;
    }
    return path && path->kind == EX_STRING && strstr(path->string.chars, ".json");
}

/* The value of field f, at q, read by the flow_json_* parser of its type
 * (flow/json_line.h), optional ones with their null; p ends up past it, or
 * NULL. */
static void emit_json_member(CWriter *w, const PlanType *t, int f)
{
    const Field *fd = &t->schema->fields[f];
    const char *m = t->members[f];
    const char *sfx = codec_suffix(fd->type);
    if (!fd->optional) {
        cw_line(w, "p = flow_json_%s(q, end, &rec->%s);", sfx, m);
        cw_line(w, "seen |= UINT64_C(1) << %d;", f);
        return;
    }
    cw_line(w, "rec->%s.null = (p = flow_json_null(q, end)) != NULL;", m);
    cw_open(w, "if (!rec->%s.null)", m);
    cw_line(w, "p = flow_json_%s(q, end, &rec->%s.v);", sfx, m);
    cw_close(w, "");
}

/* parse_json_X: the one-pass line decoder of a JSON-lines source whose
 * fields are plain member names (docs/generated-code.md, "JSON sources"):
 * each member is matched to its field by its name and parsed where it is
 * found; a line any parser refuses, one with a member that needs the
 * general parser (an escape, an object, an array), or one without a
 * required field returns false and goes through the general path, which
 * reports it. */
static void emit_parse_json(Emitter *em, CWriter *w, const PlanNode *src)
{
    const PlanType *t = src->out;
    const Schema *schema = t->schema;
    int n = schema->nfields;
    uint64_t required = 0;
    for (int f = 0; f < n; f++)
        if (!schema->fields[f].optional)
            required |= UINT64_C(1) << f;
    cw_blank(w);
    emit_loc_comment(em, w, src->decl->loc,
                     arena_printf(em->arena, "source %s: one JSON object of plain members, in "
                                  "one pass, or false for the general path.", src->decl->name));
    cw_line(w, "static bool %s(const char *p, size_t len, void *record)", em->json_fns[src->index]);
    cw_line(w, "{");
    cw_indent(w);
    cw_line(w, "%s *rec = record;", t->cname);
    cw_line(w, "const char *end = p + len, *q;");
    cw_line(w, "uint64_t seen = 0;");
    for (int f = 0; f < n; f++)
        if (schema->fields[f].optional)
            cw_line(w, "rec->%s.null = true;", t->members[f]);
    cw_line(w, "p = flow_json_ws(p, end);");
    cw_open(w, "if (p == end || *p != '{')");
    cw_line(w, "return false;");
    cw_close(w, "");
    cw_line(w, "p = flow_json_ws(p + 1, end);");
    cw_open(w, "while (p < end && *p != '}')");
    for (int f = 0; f < n; f++) {
        const char *fname = schema->fields[f].name;
        size_t len = strlen(fname);
        const char *test = arena_printf(em->arena, "if ((q = flow_json_named(p, end, "
                                        "\"\\\"%s\\\"\", %zu)))",
                                        c_string_body(em->arena, fname, (int64_t)len), len + 2);
        if (f == 0) {
            cw_open(w, "%s", test);
        } else {
            cw_close(w, arena_printf(em->arena, " else %s {", test));
            cw_indent(w);
        }
        emit_json_member(w, t, f);
    }
    cw_close(w, " else {");
    cw_indent(w);
    cw_line(w, "p = flow_json_other(p, end);");
    cw_close(w, "");
    cw_open(w, "if (!p)");
    cw_line(w, "return false;");
    cw_close(w, "");
    cw_line(w, "p = flow_json_ws(p, end);");
    cw_open(w, "if (p < end && *p == ',')");
    cw_line(w, "p = flow_json_ws(p + 1, end);");
    cw_open(w, "if (p == end || *p != '\"')");
    cw_line(w, "return false;");
    cw_close(w, "");
    cw_close(w, " else if (p == end || *p != '}') {");
    cw_indent(w);
    cw_line(w, "return false;");
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "return p < end && flow_json_ws(p + 1, end) == end && "
               "(seen & UINT64_C(0x%" PRIx64 ")) == UINT64_C(0x%" PRIx64 ");",
            required, required);
    cw_close(w, "");
}

static void emit_decode(Emitter *em, CWriter *w, const PlanNode *src)
{
    const Decl *d = src->decl;
    const PlanType *t = src->out;
    const char *push = em->push_fns[src->index];
    Body b;
    body_init(&b, em, t, "rec.", "&rec");
    cw_line(&b.w, "%s rec = *(const %s *)record;", t->cname, t->cname);
    emit_source_push(&b, src);
    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                     arena_printf(em->arena, "source %s : %s from %s: pushes one record on.",
                                  d->name, t->cname,
                                  connector_text(em->arena, &d->source.conn)));
    emit_body_function(w,
                       arena_printf(em->arena,
                                    "static void %s(FlowRuntime *rt, const void *record)", push),
                       &b, false);

    body_init(&b, em, t, "rec.", "&rec");
    emit_decode_fields(&b, t);
    cw_line(&b.w, "%s(rt, &rec);", push);
    cw_line(&b.w, "return true;");
    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                     arena_printf(em->arena, "source %s: decodes one input record (its fields "
                                  "in schema order) and pushes it on.", d->name));
    cw_line(w, "static bool %s(FlowRuntime *rt, const FlowField *fields)",
            em->source_fns[src->index]);
    cw_line(w, "{");
    cw_append(w, &b.w);
    cw_line(w, "}");
    cw_free(&b.w);
    if (em->csv_fns[src->index])
        emit_parse_csv(em, w, src);
    if (em->json_fns[src->index])
        emit_parse_json(em, w, src);
}

/* A generator argument the generated code can fold in as a constant: a
 * literal within the argument's range, or the default when it is absent.
 * False for a param (or a bad literal, which the runtime rejects when it
 * opens the source): the value then comes from the FlowGenBatch. */
static bool generator_constant(const Connector *c, const char *key, int64_t dflt, int64_t min,
                               int64_t *out)
{
    for (const ConnArg *a = c->args; a; a = a->next)
        if (strcmp(a->key, key) == 0) {
            const Expr *v = a->value;
            if (!v || (v->kind != EX_INT && v->kind != EX_DURATION) || v->int_value < min)
                return false;
            *out = v->int_value;
            return true;
        }
    *out = dflt;
    return true;
}

/* The divisors of a generator's draws, as C expressions: constants when
 * the arguments are literals (the C compiler then divides by
 * multiplying), else locals read from the batch before the loop. */
typedef struct GenArgs {
    const char *keys, *keys32, *events_per_second, *disorder_range;
    bool keys_local, events_local, disorder_local;
    bool disorder;           /* timestamps are moved back by a draw */
    /* Which of them the draws use (locals only for those). */
    bool uses_keys, uses_keys32, uses_time;
} GenArgs;

static GenArgs generator_args(Emitter *em, const Connector *c)
{
    Arena *a = em->arena;
    GenArgs g = { 0 };
    int64_t v;
    if (generator_constant(c, "keys", FLOW_GEN_DEFAULT_KEYS, 1, &v)) {
        g.keys = arena_printf(a, "UINT64_C(%" PRId64 ")", v);
        g.keys32 = arena_printf(a, "UINT64_C(%" PRIu64 ")", flow_gen_int32_range(v));
    } else {
        g.keys = "keys";
        g.keys32 = "keys32";
        g.keys_local = true;
    }
    if (generator_constant(c, "events_per_second", FLOW_GEN_DEFAULT_EVENTS_PER_SECOND, 1, &v)) {
        g.events_per_second = arena_printf(a, "INT64_C(%" PRId64 ")", v);
    } else {
        g.events_per_second = "events_per_second";
        g.events_local = true;
    }
    if (generator_constant(c, "disorder", 0, 0, &v)) {
        g.disorder = v > 0;
        /* Unsigned, as in the runtime: the largest int64 + 1 fits. */
        g.disorder_range = arena_printf(a, "UINT64_C(%" PRIu64 ")", (uint64_t)v + 1);
    } else {
        g.disorder = true;
        g.disorder_range = "disorder_range";
        g.disorder_local = true;
    }
    return g;
}

/* One field's draw from the record's stream `state` (flow/generator.h). */
static void emit_draw(Body *b, GenArgs *g, TypeKind ty, const char *member)
{
    switch (ty) {
    case TY_BOOL:
        cw_line(&b->w, "rec.%s = flow_gen_next(&state) >> 63;", member);
        break;
    case TY_INT32:
        g->uses_keys32 = true;
        cw_line(&b->w, "rec.%s = (int32_t)flow_gen_uniform(&state, %s);", member, g->keys32);
        break;
    case TY_FLOAT64:
        cw_line(&b->w, "rec.%s = (double)(flow_gen_next(&state) >> 11) * 0x1.0p-53;", member);
        break;
    case TY_STRING:
        b->used_rt = true;
        g->uses_keys = true;
        cw_line(&b->w, "rec.%s = flow_gen_key_string(rt, (int64_t)flow_gen_uniform(&state, %s));",
                member, g->keys);
        break;
    case TY_TIMESTAMP:
        g->uses_time = true;
        cw_line(&b->w, "rec.%s = flow_gen_time(n, %s);", member, g->events_per_second);
        if (g->disorder_local)
            cw_open(&b->w, "if (disorder_range > 1)");
        if (g->disorder)
            cw_line(&b->w, "rec.%s -= (int64_t)flow_gen_uniform(&state, %s);", member,
                    g->disorder_range);
        if (g->disorder_local)
            cw_close(&b->w, "");
        break;
    default: /* TY_INT64; the checker allows no other field type */
        g->uses_keys = true;
        cw_line(&b->w, "rec.%s = (int64_t)flow_gen_uniform(&state, %s);", member, g->keys);
        break;
    }
}

void emit_generate_loop(CWriter *w, Body *b)
{
    cw_line(w, "int64_t n = b->first;");
    cw_line(w, "for (; n < b->end && !*b->failed; n++) {");
    cw_dedent(w); /* the body's lines carry their own depth */
    cw_append(w, &b->w);
    cw_indent(w);
    cw_line(w, "}");
    cw_line(w, "return n;");
}

static void emit_generate(Emitter *em, CWriter *w, const PlanNode *src)
{
    const Decl *d = src->decl;
    const PlanType *t = src->out;
    GenArgs g = generator_args(em, &d->source.conn);
    Body b;
    body_init(&b, em, t, "rec.", "&rec");
    b.w.depth = 2;
    /* Records nobody reads (no sink downstream) need not be made, unless
     * their time moves the watermark: the batch is only counted. */
    bool made = src->live || d->source.event_time_field >= 0;
    if (made) {
        cw_line(&b.w, "*b->record_number = n + 1;");
        cw_line(&b.w, "uint64_t state = flow_gen_stream(b->mixed_seed, n);");
        cw_line(&b.w, "%s rec;", t->cname);
        for (int f = 0; f < t->schema->nfields; f++) {
            const Field *fd = &t->schema->fields[f];
            if (!fd->optional) {
                emit_draw(&b, &g, fd->type, t->members[f]);
                continue;
            }
            /* An optional field: its value, then one draw in eight makes it null. */
            emit_draw(&b, &g, fd->type, arena_printf(em->arena, "%s.v", t->members[f]));
            cw_line(&b.w, "rec.%s.null = (flow_gen_next(&state) & 7) == 0;", t->members[f]);
            cw_line(&b.w, "if (rec.%s.null)", t->members[f]);
            cw_line(&b.w, "    rec.%s = (%s){ .null = true };", t->members[f],
                    c_opt_type(fd->type));
        }
        emit_source_push(&b, src);
    }

    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                 arena_printf(em->arena, "source %s : %s from %s: makes records b->first .. "
                              "b->end - 1 and pushes each on. A record's fields are drawn "
                              "from its own stream in schema order (flow/generator.h), with "
                              "the literal arguments as constants.", d->name, t->cname,
                              connector_text(em->arena, &d->source.conn)));
    cw_line(w, "static int64_t %s(FlowRuntime *rt, FlowGenBatch *b)", em->source_fns[src->index]);
    cw_line(w, "{");
    cw_indent(w);
    if (!made) {
        cw_line(w, "(void)rt;");
        cw_line(w, "return b->end;");
    } else {
        if (!b.used_rt)
            cw_line(w, "(void)rt;");
        if (g.keys_local && g.uses_keys)
            cw_line(w, "uint64_t keys = (uint64_t)b->keys;");
        if (g.keys_local && g.uses_keys32)
            cw_line(w, "uint64_t keys32 = flow_gen_int32_range(b->keys);");
        if (g.events_local && g.uses_time)
            cw_line(w, "int64_t events_per_second = b->events_per_second;");
        if (g.disorder_local && g.uses_time)
            cw_line(w, "uint64_t disorder_range = (uint64_t)b->disorder_ms + 1;");
        emit_generate_loop(w, &b);
    }
    cw_dedent(w);
    cw_line(w, "}");
    cw_free(&b.w);
}

/* ---- Sinks ---------------------------------------------------------------------------------- */

static void emit_sink(Emitter *em, CWriter *w, const PlanNode *sink)
{
    const Decl *d = sink->decl;
    const PlanType *t = sink->in;
    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                 arena_printf(em->arena, "sink %s to %s", d->sink.stream->name,
                              connector_text(em->arena, &d->sink.conn)));
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *rec)", em->sink_fns[sink->index],
            t->cname);
    open_block(w);
    cw_line(w, "FlowSink *sink = flow_sink(rt, %d);", sink->index);
    cw_line(w, "flow_sink_begin(sink);");
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        /* JSON text (collect_list's) goes into a JSON sink as it is. */
        const char *put = fd->json ? "json" : codec_suffix(fd->type);
        if (!fd->optional) {
            cw_line(w, "flow_sink_%s(sink, rec->%s);", put, t->members[f]);
            continue;
        }
        cw_line(w, "if (rec->%s.null)", t->members[f]);
        cw_indent(w);
        cw_line(w, "flow_sink_null(sink);");
        cw_dedent(w);
        cw_line(w, "else");
        cw_indent(w);
        cw_line(w, "flow_sink_%s(sink, rec->%s.v);", put, t->members[f]);
        cw_dedent(w);
    }
    cw_line(w, "flow_sink_end(sink);");
    cw_close(w, "");
}

/* ---- The program description ------------------------------------------------------------- */

/* Field name and type arrays, once per record type that a source reads or
 * a sink writes. Returns the two array names. */
static void field_arrays(Emitter *em, CWriter *w, const PlanType *t, const char **names_out,
                         const char **types_out, const char **done_names, const char **done_types,
                         int *ndone, const PlanType **done)
{
    for (int i = 0; i < *ndone; i++)
        if (done[i] == t) {
            *names_out = done_names[i];
            *types_out = done_types[i];
            return;
        }
    const char *names = plan_unique_name(em->plan, arena_printf(em->arena, "%s_field_names", t->cname));
    const char *types = plan_unique_name(em->plan, arena_printf(em->arena, "%s_field_types", t->cname));
    char *ns = "", *ts = "";
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        ns = arena_printf(em->arena, "%s%s\"%s\"", ns, f ? ", " : "",
                          c_string_body(em->arena, fd->name, (int64_t)strlen(fd->name)));
        ts = arena_printf(em->arena, "%s%s%s", ts, f ? ", " : "", flow_type_enum(fd->type));
    }
    cw_line(w, "static const char *const %s[] = { %s };", names, ns);
    cw_line(w, "static const FlowType %s[] = { %s };", types, ts);
    done[*ndone] = t;
    done_names[*ndone] = *names_out = names;
    done_types[(*ndone)++] = *types_out = types;
}

/* For a source or table whose schema has JSON paths (`from "a.b"`), the
 * array of what the JSON parser looks for, a field's path or its name, in
 * place of the names (json.h): its name, or `names` when there is none. */
static const char *json_paths_array(Emitter *em, CWriter *w, const Decl *d, const PlanType *t,
                                    const char *names)
{
    const Schema *s = t->schema;
    bool any = false;
    for (int f = 0; f < s->nfields; f++)
        any |= s->fields[f].path != NULL;
    if (!any)
        return names;
    const char *paths = plan_unique_name(em->plan, arena_printf(em->arena, "%s_json_paths",
                                                                d->name));
    char *ps = "";
    for (int f = 0; f < s->nfields; f++) {
        const char *p = s->fields[f].path ? s->fields[f].path : s->fields[f].name;
        ps = arena_printf(em->arena, "%s%s\"%s\"", ps, f ? ", " : "",
                          c_string_body(em->arena, p, (int64_t)strlen(p)));
    }
    cw_line(w, "static const char *const %s[] = { %s };", paths, ps);
    return paths;
}

/* The FlowConnector initializer; its argument array goes to `w` first. */
static const char *connector_init(Emitter *em, CWriter *w, const Connector *c, const char *want)
{
    int n = 0;
    for (const ConnArg *a = c->args; a; a = a->next)
        n++;
    const char *args = "NULL";
    if (n) {
        args = plan_unique_name(em->plan, want);
        cw_open(w, "static const FlowConnArg %s[] =", args);
        for (const ConnArg *a = c->args; a; a = a->next) {
            const Expr *v = a->value;
            if (v && v->kind == EX_NAME && v->name.kind == NAME_PARAM)
                cw_line(w, "{ \"%s\", NULL, \"%s\" },", c_string_body(em->arena, a->key, (int64_t)strlen(a->key)),
                        c_string_body(em->arena, v->name.name, (int64_t)strlen(v->name.name)));
            else
                cw_line(w, "{ \"%s\", \"%s\", NULL },", c_string_body(em->arena, a->key, (int64_t)strlen(a->key)),
                        literal_text(em, v));
        }
        cw_close(w, ";");
    }
    /* A connector that links a library hands the runtime its ops itself
     * (connector_ops), so only programs that use it link the library. */
    const char *ops = connector_ops(c);
    return arena_printf(em->arena, "{ \"%s\", %s, %d, \"%s\", %s%s }",
                        c_string_body(em->arena, c->name, (int64_t)strlen(c->name)), args, n,
                        loc_text(em, c->loc), ops ? "&" : "", ops ? ops : "NULL");
}

/* Whether records that leave node n are held back by it: an outer
 * interval join emits a record without a match `within` after its time. */
static bool holds_output(const PlanNode *n)
{
    const Op *op = n->kind == PN_OP ? n->op : NULL;
    return op && op->kind == OP_JOIN && !op->join.windowed && !op->join.regular &&
           (op->join.left || op->join.right);
}

/* The C expression of how far behind the program watermark the records into
 * node n may be (the sum of the outer joins' `within` along a path, the
 * largest over paths; flow/state.h, FlowOperatorDef.hold), or NULL for 0.
 * memo[id] caches a node's, "" for 0. */
static const char *input_hold(Emitter *em, const PlanNode *n, const char **memo)
{
    if (memo[n->id])
        return *memo[n->id] ? memo[n->id] : NULL;
    Arena *a = em->arena;
    const char *hold = NULL;
    for (int i = 0; i < n->inputs.n; i++) {
        const PlanNode *from = n->inputs.items[i]->from;
        const char *h = input_hold(em, from, memo);
        if (holds_output(from)) {
            const Op *j = from->op;
            const char *within = dur_plus(a, dur_c(em, &j->join.within), 0);
            if (j->join.asymmetric) {
                /* A left row alone goes `after` late, a right one `before`. */
                const char *after = dur_plus(a, dur_c(em, &j->join.after), 0);
                within = !j->join.right ? after : !j->join.left ? within
                       : arena_printf(a, "(%s > %s ? %s : %s)", after, within, after, within);
            }
            h = h ? arena_printf(a, "flow_time_add(%s, %s)", h, within) : within;
        }
        if (h && hold && strcmp(h, hold) != 0)
            hold = arena_printf(a, "(%s > %s ? %s : %s)", h, hold, h, hold);
        else if (h)
            hold = h;
    }
    memo[n->id] = hold ? hold : "";
    return hold;
}

/* Each held operator's FlowOperatorDef.hold function, named in holds[i]
 * ("NULL" for the others). */
static const char **emit_hold_functions(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    Arena *a = em->arena;
    const char **memo = arena_alloc(a, sizeof *memo * (size_t)(plan->nnodes + 1));
    const char **holds = arena_alloc(a, sizeof *holds * (size_t)(plan->nstages + 1));
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        holds[i] = "NULL";
        const char *hold = st->op_index >= 0 ? input_hold(em, st->nodes[0], memo) : NULL;
        if (!hold)
            continue;
        holds[i] = plan_unique_name(plan, arena_printf(a, "%s_hold", st->cname));
        cw_blank(w);
        cw_comment(w, true, "Records reach this operator up to this long after the program "
                            "watermark passed their time: the `within` of the outer interval "
                            "joins before it (FlowOperatorDef.hold).");
        cw_line(w, "static int64_t %s(FlowRuntime *rt)", holds[i]);
        cw_line(w, "{");
        if (!strstr(hold, "FLOW_PARAM"))
            cw_line(w, "    (void)rt;");
        cw_line(w, "    return %s;", hold);
        cw_line(w, "}");
    }
    return holds;
}

/* The FlowOperatorDef array `operators`, one entry per stateful stage. */
static void emit_operator_table(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    bool any = false;
    const char **holds = emit_hold_functions(em, w);
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        if (!(st->op_index >= 0))
            continue;
        if (!any)
            cw_open(w, "static const FlowOperatorDef operators[] =");
        any = true;
        const Op *op = st->nodes[0]->op;
        cw_line(w, "{ \"%s at %s\", %s, %s, %s, %s, %s },", op_info(op->kind)->spelling,
                loc_text(em, op->loc), st->names->fire, st->names->release,
                checkpoint_fn(em, st, false), checkpoint_fn(em, st, true), holds[i]);
    }
    if (any)
        cw_close(w, ";");
}

/* The arrays FlowProgram points to, and what to fill it with. */
typedef struct ProgramTables {
    const char *params, *sources, *sinks, *operators, *tables, *regexes, *lookups, *layout;
    const char *durations; /* FlowProgram's params_check lines, or "" */
    int nsources, noperators, ntables, nlookups, nlayout, nexchanges;
} ProgramTables;

/* The regexes array: each pattern's literal or param and its place, which
 * the runtime compiles when the run starts (flow_regex_setup). */
static void emit_regex_table(Emitter *em, CWriter *w, ProgramTables *pt)
{
    Arena *a = em->arena;
    if (em->regexes.n == 0)
        return;
    cw_open(w, "static const FlowRegexDef regexes[] =");
    for (int i = 0; i < em->regexes.n; i++) {
        const Expr *p = em->regexes.patterns[i];
        if (p->kind == EX_NAME)
            cw_line(w, "{ NULL, 0, \"%s\", \"%s\" },",
                    c_string_body(a, p->name.name, (int64_t)strlen(p->name.name)),
                    loc_text(em, p->loc));
        else
            cw_line(w, "{ \"%s\", %" PRId64 ", NULL, \"%s\" },",
                    c_string_body(a, p->string.chars, p->string.len), p->string.len,
                    loc_text(em, p->loc));
    }
    cw_close(w, ";");
    pt->regexes = "regexes";
}

static void emit_program_tables(Emitter *em, CWriter *w, ProgramTables *pt)
{
    Plan *plan = em->plan;
    Arena *a = em->arena;
    int max = plan->ntypes + 1;
    const PlanType **done = arena_alloc(a, sizeof *done * (size_t)max);
    const char **done_names = arena_alloc(a, sizeof *done_names * (size_t)max);
    const char **done_types = arena_alloc(a, sizeof *done_types * (size_t)max);
    int ndone = 0;

    cw_blank(w);
    cw_comment(w, true, "What flow_main needs to know: params, sources, tables and sinks, in "
                        "declaration order.");
    if (em->nparams) {
        cw_open(w, "static const FlowParamDef params[] =");
        for (int i = 0; i < em->nparams; i++) {
            const Decl *d = em->params[i];
            /* A duration param's default is read as a duration: 5m. */
            const char *value = d->param.duration && d->param.value
                                    ? duration_text(a, d->param.value->int_value)
                                    : literal_text(em, d->param.value);
            cw_line(w, "{ \"%s\", %s, \"%s\", offsetof(%s, %s) },",
                    c_string_body(a, d->name, (int64_t)strlen(d->name)),
                    d->param.duration ? "FLOW_DURATION" : flow_type_enum(d->param.type), value,
                    em->params_type, em->param_members[i]);
        }
        cw_close(w, ";");
        pt->params = "params";
    }

    /* Sources, then tables: one definition, in two arrays. */
    static const PlanNodeKind kinds[] = { PN_SOURCE, PN_TABLE };
    for (int k = 0; k < 2; k++) {
        CWriter defs;
        cw_init(&defs);
        int ndefs = 0;
        for (int i = 0; i < plan->nsources; i++) {
            const PlanNode *src = plan->sources[i];
            if (src->kind != kinds[k])
                continue;
            const Decl *d = src->decl;
            const char *names, *types;
            field_arrays(em, w, src->out, &names, &types, done_names, done_types, &ndone, done);
            names = json_paths_array(em, w, d, src->out, names);
            const char *conn = connector_init(em, w, &d->source.conn,
                                              arena_printf(a, "%s_%s_args",
                                                           k ? "table" : "source", d->name));
            open_block(&defs);
            cw_line(&defs, ".name = \"%s\",", c_string_body(a, d->name, (int64_t)strlen(d->name)));
            cw_line(&defs, ".conn = %s,", conn);
            cw_line(&defs, ".field_names = %s,", names);
            cw_line(&defs, ".field_types = %s,", types);
            cw_line(&defs, ".nfields = %d,", src->out->schema->nfields);
            cw_line(&defs, ".event_time_field = %d,", d->source.event_time_field);
            cw_line(&defs, ".watermark_delay_ms = %" PRId64 ",", d->source.watermark.ms);
            cw_line(&defs, ".idle_ms = %" PRId64 ",", d->source.has_idle ? d->source.idle.ms : 0);
            if (d->source.watermark.decl)
                cw_line(&defs, ".watermark_param = \"%s\",", d->source.watermark.param);
            if (d->source.has_idle && d->source.idle.decl)
                cw_line(&defs, ".idle_param = \"%s\",", d->source.idle.param);
            cw_line(&defs, ".decode = %s,", is_generator(src) ? "NULL" : em->source_fns[src->index]);
            cw_line(&defs, ".generate_batch = %s,",
                    is_generator(src) ? em->source_fns[src->index] : "NULL");
            if (em->csv_fns[src->index])
                cw_line(&defs, ".parse_csv = %s,", em->csv_fns[src->index]);
            if (em->json_fns[src->index])
                cw_line(&defs, ".parse_json = %s,", em->json_fns[src->index]);
            if (em->csv_fns[src->index] || em->json_fns[src->index]) {
                cw_line(&defs, ".push = %s,", em->push_fns[src->index]);
                cw_line(&defs, ".record_size = sizeof(%s),", src->out->cname);
            }
            cw_close(&defs, ",");
            ndefs++;
        }
        const char *array = k ? "tables" : "sources";
        if (ndefs) {
            cw_open(w, "static const FlowSourceDef %s[] =", array);
            cw_append(w, &defs);
            cw_close(w, ";");
            *(k ? &pt->tables : &pt->sources) = array;
        }
        *(k ? &pt->ntables : &pt->nsources) = ndefs;
        cw_free(&defs);
    }

    CWriter defs;
    cw_init(&defs);
    for (int i = 0; i < plan->nsinks; i++) {
        const PlanNode *sink = plan->sinks[i];
        const Decl *d = sink->decl;
        const char *names, *types;
        field_arrays(em, w, sink->in, &names, &types, done_names, done_types, &ndone, done);
        const char *conn = connector_init(em, w, &d->sink.conn,
                                          arena_printf(a, "sink_%d_args", i + 1));
        open_block(&defs);
        cw_line(&defs, ".stream = \"%s\",",
                c_string_body(a, d->sink.stream->name, (int64_t)strlen(d->sink.stream->name)));
        cw_line(&defs, ".conn = %s,", conn);
        cw_line(&defs, ".field_names = %s,", names);
        cw_line(&defs, ".field_types = %s,", types);
        cw_line(&defs, ".nfields = %d,", sink->in->schema->nfields);
        cw_close(&defs, ",");
    }
    if (plan->nsinks) {
        cw_open(w, "static const FlowSinkDef sinks[] =");
        cw_append(w, &defs);
        cw_close(w, ";");
        pt->sinks = "sinks";
    }
    cw_free(&defs);

    for (int i = 0; i < plan->nstages; i++)
        if ((plan->stages[i]->op_index >= 0)) {
            pt->operators = "operators";
            pt->noperators++;
        }
    emit_operator_table(em, w);
    emit_regex_table(em, w, pt);
    pt->nlookups = emit_lookup_table(em, w);
    if (pt->nlookups)
        pt->lookups = "lookups";
    emit_layout_table(em, w, &pt->nlayout);
    if (pt->nlayout)
        pt->layout = "layout";
    pt->durations = dur_emit_check(em, w);
    pt->nexchanges = emit_exchange_table(em, w);
}

/* ---- What this version cannot generate ----------------------------------------------------- */

/* Whether the emitter has code for an operator node: a stateless operator
 * always, a stateful one that starts its stage, one that is part of another
 * when that one evaluates it. */
static bool op_has_code(const PlanNode *n)
{
    switch (op_info(n->op->kind)->role) {
    case OPROLE_STATELESS: return true;
    case OPROLE_STATEFUL: return n->stage && n->stage->nodes[0] == n;
    case OPROLE_PART: return n->part_of_window;
    }
    return false;
}

static bool supported(Emitter *em)
{
    bool ok = true;
    Plan *plan = em->plan;
    for (int i = 0; i < plan->nnodes; i++) {
        const PlanNode *n = plan->nodes[i];
        if (n->kind == PN_OP && !op_has_code(n)) {
            diag_unsupported(em->d, n->op->loc, op_info(n->op->kind)->spelling, NULL);
            ok = false;
        } else if (n->kind == PN_SOURCE || n->kind == PN_TABLE || n->kind == PN_SINK) {
            const Connector *c = n->kind == PN_SINK ? &n->decl->sink.conn : &n->decl->source.conn;
            ConnRole role = n->kind == PN_SOURCE ? ROLE_SOURCE
                            : n->kind == PN_TABLE ? ROLE_TABLE
                                                  : ROLE_SINK;
            const ConnectorDef *def = connector_find(c->name);
            if (!def || !(def->compiled & role)) {
                diag_unsupported(em->d, c->loc, c->name ? c->name : "?", NULL);
                ok = false;
            }
        }
        if ((n->kind == PN_OP || n->kind == PN_SINK) && !n->in) {
            diag_error(em->d, n->op ? n->op->loc : n->decl->loc,
                       "internal error: no record type here");
            ok = false;
        }
    }
    return ok;
}

/* ---- The file ------------------------------------------------------------------------------ */

/* The NAME of flow_NAME_run: the program name with every character that
 * cannot be in a C identifier made '_'. */
static const char *embed_name(Arena *a, const char *name)
{
    char *c = arena_strndup(a, name, strlen(name));
    for (char *p = c; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
    return c;
}

static void name_functions(Emitter *em)
{
    Plan *plan = em->plan;
    Arena *a = em->arena;
    em->source_fns = arena_alloc(a, sizeof(char *) * (size_t)(plan->nsources + 1));
    em->push_fns = arena_alloc(a, sizeof(char *) * (size_t)(plan->nsources + 1));
    em->csv_fns = arena_alloc(a, sizeof(char *) * (size_t)(plan->nsources + 1));
    em->json_fns = arena_alloc(a, sizeof(char *) * (size_t)(plan->nsources + 1));
    em->sink_fns = arena_alloc(a, sizeof(char *) * (size_t)(plan->nsinks + 1));
    for (int i = 0; i < plan->nsources; i++) {
        const PlanNode *src = plan->sources[i];
        em->source_fns[i] = plan_unique_name(
            plan, arena_printf(a, "%s_%s",
                               src->kind == PN_TABLE ? "load"
                               : is_generator(src)   ? "generate"
                                                     : "decode",
                               src->decl->name));
        bool decodes = src->kind == PN_SOURCE && !is_generator(src);
        em->push_fns[i] = decodes ? plan_unique_name(plan, arena_printf(a, "push_%s",
                                                                        src->decl->name))
                                  : NULL;
        em->csv_fns[i] = decodes && may_read_csv_lines(em, &src->decl->source.conn)
                             ? plan_unique_name(plan, arena_printf(a, "parse_csv_%s",
                                                                   src->decl->name))
                             : NULL;
        em->json_fns[i] = decodes && may_read_json_lines(em, src)
                              ? plan_unique_name(plan, arena_printf(a, "parse_json_%s",
                                                                    src->decl->name))
                              : NULL;
    }
    for (int i = 0; i < plan->nsinks; i++)
        em->sink_fns[i] = plan_unique_name(
            plan, arena_printf(a, "sink_%s", plan->sinks[i]->decl->sink.stream->name));
}

static void emit_prototypes(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    if (plan->nstages == 0 && plan->nsinks == 0)
        return;
    cw_blank(w);
    cw_comment(w, true, "Stages and sinks, defined below in the order records flow through them.");
    for (int i = 0; i < plan->nstages; i++)
        if (plan->stages[i]->emitted) {
            cw_line(w, "%s;", stage_signature(em, plan->stages[i]));
            if (plan_stage_is(plan->stages[i], OP_JOIN))
                cw_line(w, "%s;", join_right_signature(em, plan->stages[i]));
        }
    for (int i = 0; i < plan->nsinks; i++)
        cw_line(w, "static void %s(FlowRuntime *rt, const %s *rec);", em->sink_fns[i],
                plan->sinks[i]->in->cname);
}

bool emit_program(CWriter *w, Plan *plan, Diag *d, const EmitOptions *opt)
{
    Emitter em = { 0 };
    em.plan = plan;
    em.arena = plan->arena;
    em.d = d;
    em.opt = opt;
    em.flow_file_c = c_string_body(em.arena, plan->flow_file, (int64_t)strlen(plan->flow_file));
    if (!supported(&em))
        return false;
    collect_params(&em);
    dur_collect(&em);
    name_functions(&em);

    /* The body first: the header's includes depend on what it used. */
    CWriter body;
    cw_init(&body);
    emit_types(&em, &body);
    emit_params(&em, &body);
    emit_prototypes(&em, &body);
    emit_exchange_functions(&em, &body);
    for (int i = 0; i < plan->nsources; i++) {
        if (plan->sources[i]->kind == PN_TABLE)
            emit_table_load(&em, &body, plan->sources[i]);
        else if (strcmp(plan->sources[i]->decl->source.conn.name, "nexmark") == 0)
            emit_nexmark_generate(&em, &body, plan->sources[i]);
        else if (is_generator(plan->sources[i]))
            emit_generate(&em, &body, plan->sources[i]);
        else
            emit_decode(&em, &body, plan->sources[i]);
    }
    for (int i = 0; i < plan->nstages; i++)
        if (plan->stages[i]->emitted)
            emit_stage(&em, &body, plan->stages[i]);
    for (int i = 0; i < plan->nsinks; i++)
        emit_sink(&em, &body, plan->sinks[i]);
    ProgramTables pt = { "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "",
                         0, 0, 0, 0, 0, 0 };
    emit_program_tables(&em, &body, &pt);

    CWriter plan_text, plan_comment;
    cw_init(&plan_text);
    cw_init(&plan_comment);
    explain_text(&plan_text, plan);
    cw_comment(&plan_comment, false,
               arena_printf(em.arena, "The plan (flowc explain %s):\n\n%s", plan->flow_file,
                            cw_text(&plan_text)));
    const char *name = plan->flow_file;
    const char *dot = strrchr(name, '.');
    name = dot ? arena_strndup(em.arena, name, (size_t)(dot - name)) : name;
    const char *header_vars[] = {
        "flow_file", plan->flow_file,
        "flowc_version", FLOWC_VERSION,
        "plan", cw_text(&plan_comment),
        "includes", arena_printf(em.arena, "%s%s%s", em.used_math ? "#include <math.h>\n" : "",
                                 em.used_nexmark ? "#include \"flow/nexmark.h\"\n" : "",
                                 em.used_logic ? template_text("overlap.c.in") : ""),
        NULL,
    };
    template_write(w, "header.c.in", header_vars);
    cw_append(w, &body);
    cw_blank(w);
    const char *program_vars[] = {
        "name", c_string_body(em.arena, name, (int64_t)strlen(name)),
        "flow_file", em.flow_file_c,
        "flowc_version", FLOWC_VERSION,
        "params", pt.params,
        "nparams", arena_printf(em.arena, "%d", em.nparams),
        "params_size", em.nparams ? arena_printf(em.arena, "sizeof(%s)", em.params_type) : "0",
        "sources", pt.sources,
        "nsources", arena_printf(em.arena, "%d", pt.nsources),
        "sinks", pt.sinks,
        "nsinks", arena_printf(em.arena, "%d", plan->nsinks),
        "operators", pt.operators,
        "noperators", arena_printf(em.arena, "%d", pt.noperators),
        "tables", pt.tables,
        "ntables", arena_printf(em.arena, "%d", pt.ntables),
        "regexes", pt.regexes,
        "nregexes", arena_printf(em.arena, "%d", em.regexes.n),
        "regex_setup", em.regexes.n ? "flow_regex_setup" : "NULL",
        "lookups", pt.lookups,
        "nlookups", arena_printf(em.arena, "%d", pt.nlookups),
        "checkpoint_every_ms", arena_printf(em.arena, "%" PRId64, plan->checkpoint_every_ms),
        "checkpoint_dir", plan->checkpoint_dir
                              ? arena_printf(em.arena, "\"%s\"",
                                             c_string_body(em.arena, plan->checkpoint_dir,
                                                           (int64_t)strlen(plan->checkpoint_dir)))
                              : "NULL",
        "layout", pt.layout,
        "nlayout", arena_printf(em.arena, "%d", pt.nlayout),
        "durations", pt.durations,
        "parallelism", arena_printf(em.arena, "%" PRId64, plan->parallelism),
        "exchanges", pt.nexchanges ? "exchanges" : "NULL",
        "nexchanges", arena_printf(em.arena, "%d", pt.nexchanges),
        "serial", plan->serial ? arena_printf(em.arena, "\"%s\"",
                                              c_string_body(em.arena, plan->serial,
                                                            (int64_t)strlen(plan->serial)))
                               : "NULL",
        "state_store", plan->state_rocksdb ? "&flow_rocksdb_store" : "NULL",
        "state_dir", plan->state_dir
                         ? arena_printf(em.arena, "\"%s\"",
                                        c_string_body(em.arena, plan->state_dir,
                                                      (int64_t)strlen(plan->state_dir)))
                         : "NULL",
        NULL,
    };
    template_write(w, "program.c.in", program_vars);
    const char *entry_vars[] = { "cname", embed_name(em.arena, name), NULL };
    template_write(w, em.opt->embed ? "embed.c.in" : "main.c.in", entry_vars);
    cw_free(&plan_text);
    cw_free(&plan_comment);
    cw_free(&body);
    return true;
}
