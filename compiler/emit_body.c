/* emit_body.c: the emitter's bottom layer, which every operator's emitter
 * uses: the Body of a function being written and the function around it,
 * the comments and #line directives that tie the C to the .flow, the error
 * check of an operator, the push of a record to the next stages and sinks,
 * and the dispatch of a stage body's operators by the operator table. */
#include <string.h>

#include "emit_impl.h"

/* ---- Comments, #line and expressions ------------------------------------------------ */

const char *loc_text(Emitter *em, Loc loc)
{
    return arena_printf(em->arena, "%s:%d:%d", em->flow_file_c, loc.line, loc.col);
}

/* A comment naming the .flow line and quoting its text. */
void emit_loc_comment(Emitter *em, CWriter *w, Loc loc, const char *text)
{
    cw_comment(w, true, arena_printf(em->arena, "%s:%d: %s", em->plan->flow_file, loc.line, text));
}

/* With --line-directives, every line of code that follows (until
 * line_back) maps to .flow line `loc.line`. */
void line_to_flow(Emitter *em, CWriter *w, Loc loc)
{
    if (em->opt->line_directives)
        cw_pin(w, arena_printf(em->arena, "#line %d \"%s\"", loc.line, em->flow_file_c));
}

void line_back(Emitter *em, CWriter *w)
{
    if (em->opt->line_directives)
        cw_line_back(w);
}

EmitExpr expr_context(Body *b, const PlanType *rec)
{
    EmitExpr x = { 0 };
    x.arena = b->em->arena;
    x.rec = rec;
    x.access = b->access;
    x.params = (const Decl *const *)b->em->params;
    x.param_names = (const char *const *)b->em->param_names;
    x.nparams = b->em->nparams;
    x.regexes = &b->em->regexes;
    x.ntemps = &b->ntemps;
    x.temps = "";
    return x;
}

void declare_temps(Body *b, EmitExpr *x)
{
    if (*x->temps)
        cw_line(&b->w, "%s", x->temps);
    x->temps = "";
}

void note_expr_use(Body *b, const EmitExpr *x)
{
    b->used_rt |= x->used_rt;
    b->used_in |= x->used_rec && strcmp(b->access, "in->") == 0;
    b->em->used_math |= x->used_math;
    b->em->used_logic |= x->used_logic;
}

/* The record is bad: report it at the operator and drop it. */
void body_check_err(Body *b, Loc loc)
{
    cw_open(&b->w, "if (err)");
    cw_line(&b->w, "flow_record_error(rt, \"%s\", err);", loc_text(b->em, loc));
    cw_line(&b->w, "return;");
    cw_close(&b->w, "");
    b->used_rt = true;
}

void open_block(CWriter *w)
{
    cw_line(w, "{");
    cw_indent(w);
}

/* ---- Bodies ------------------------------------------------------------------------------- */

void body_init(Body *b, Emitter *em, const PlanType *rec, const char *access,
                      const char *ptr)
{
    memset(b, 0, sizeof *b);
    b->em = em;
    cw_init(&b->w);
    b->w.depth = 1;
    b->rec = rec;
    b->access = access;
    b->ptr = ptr;
}

const char *stage_signature(Emitter *em, const PlanStage *st)
{
    return arena_printf(em->arena, "static void %s(FlowRuntime *rt, const %s *in, int64_t ts)",
                        st->cname, st->in->cname);
}

void emit_body_function(CWriter *w, const char *signature, Body *b, bool in_and_ts)
{
    cw_line(w, "%s", signature);
    cw_line(w, "{");
    cw_indent(w);
    if (!b->used_rt)
        cw_line(w, "(void)rt;");
    if (in_and_ts && !b->used_in)
        cw_line(w, "(void)in;");
    if (in_and_ts && !b->used_ts)
        cw_line(w, "(void)ts;");
    cw_dedent(w);
    cw_append(w, &b->w);
    cw_line(w, "}");
    cw_free(&b->w);
}

/* `rec`, decoded from `fields`: a bad field reports the record and returns. */
void emit_decode_fields(Body *b, const PlanType *t)
{
    cw_line(&b->w, "%s rec;", t->cname);
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *why = f ? "why = " : "const char *why = ";
        if (fd->optional) {
            /* An empty CSV field, a missing member or JSON null: no value. */
            if (f == 0)
                cw_line(&b->w, "const char *why = NULL;");
            cw_line(&b->w, "rec.%s = (%s){ .null = true };", t->members[f], c_opt_type(fd->type));
            cw_open(&b->w, "if (!flow_field_is_null(&fields[%d]))", f);
            cw_line(&b->w, "rec.%s.null = false;", t->members[f]);
            cw_line(&b->w, "why = flow_field_%s(&fields[%d], &rec.%s.v);", codec_suffix(fd->type),
                    f, t->members[f]);
            cw_close(&b->w, "");
        } else {
            cw_line(&b->w, "%sflow_field_%s(&fields[%d], &rec.%s);", why, codec_suffix(fd->type),
                    f, t->members[f]);
        }
        cw_open(&b->w, "if (why)");
        cw_line(&b->w, "flow_record_error(rt, \"%s\", why);",
                c_string_body(b->em->arena, fd->name, (int64_t)strlen(fd->name)));
        cw_line(&b->w, "return false;");
        cw_close(&b->w, "");
    }
}

/* ---- Pushing a record on ----------------------------------------------------------------- */

/* Calls every live consumer of an output: the stage it starts, or the sink.
 * Record types are shared by shape, so a consumer of another type can only
 * be a union input whose fields have other names: it gets a copy, field by
 * field in order. */
void push_to(Body *b, const PlanEdgeList *edges)
{
    Emitter *em = b->em;
    for (int i = 0; i < edges->n; i++) {
        const PlanEdge *e = edges->items[i];
        const PlanNode *to = e->to;
        if (!to->live)
            continue;
        /* A join's right input has a function and a record type of its own. */
        bool join_right = to->kind == PN_OP && e->port == 1 && to->op->kind == OP_JOIN;
        const PlanType *want = to->kind == PN_SINK ? to->in : join_right ? e->type : to->stage->in;
        const char *ptr = b->ptr;
        if (want && b->rec && want != b->rec) {
            const char *copy = arena_printf(em->arena, "rec%d", ++b->nrecs);
            cw_line(&b->w, "%s %s;", want->cname, copy);
            for (int f = 0; f < want->schema->nfields && f < b->rec->schema->nfields; f++)
                cw_line(&b->w, "%s.%s = %s%s;", copy, want->members[f], b->access,
                        b->rec->members[f]);
            ptr = arena_printf(em->arena, "&%s", copy);
        }
        if (strcmp(ptr, "in") == 0)
            b->used_in = true;
        b->used_rt = true;
        if (to->kind == PN_SINK) {
            cw_line(&b->w, "%s(rt, %s);", em->sink_fns[to->index], ptr);
        } else {
            /* With workers, a keyed stage's inputs go through its exchanges. */
            const PlanStage *next = to->stage;
            const char *fn = join_right ? next->names->right : next->cname;
            if (next->exchange)
                fn = join_right ? next->exchange_right : next->exchange;
            cw_line(&b->w, "%s(rt, %s, ts);", fn, ptr);
            b->used_ts = true;
        }
    }
}

/* The emit column of operators.h for operators inside a stage body: a
 * stateless operator writes its code; a stateful one starts a stage (the
 * driver, emit.c, calls its stage emitter), and one that is part of another
 * is written by that one's stage emitter. */
#define EMIT_IN_BODY_stateless(emit) emit(b, n);
#define EMIT_IN_BODY_stateful(emit)
#define EMIT_IN_BODY_part(emit)

void emit_op(Body *b, const PlanNode *n)
{
    switch (n->op->kind) {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
    case OP_##kind: EMIT_IN_BODY_##role(emit) break;
#include "operators.h"
#undef OP
    }
}

void emit_stage_rest(Body *b, const PlanStage *st, int first)
{
    for (int k = first; k < st->nnodes; k++)
        emit_op(b, st->nodes[k]);
    push_to(b, &st->nodes[st->nnodes - 1]->outputs);
}

