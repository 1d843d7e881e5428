/* emit_checkpoint.c: what every stateful operator's snapshot and restore
 * functions share (the put and get of one value, the key members), the
 * call of the operators.h snapshot and restore columns after a stage, and
 * the layout lines of FlowProgram.layout that a checkpoint's fingerprint is
 * made of (docs/checkpoints.md). */
#include <string.h>

#include "connectors.h"
#include "emit_impl.h"
#include "emit_window.h"
#include "explain.h"
#include "optable.h"

const char *ckpt_put_call(Arena *a, TypeKind t, const char *v)
{
    switch (t) {
    case TY_BOOL: return arena_printf(a, "flow_ckpt_put_bool(out, %s);", v);
    case TY_INT32:
    case TY_INT64:
    case TY_TIMESTAMP: return arena_printf(a, "flow_ckpt_put_i64(out, %s);", v);
    case TY_FLOAT64: return arena_printf(a, "flow_ckpt_put_f64(out, %s);", v);
    case TY_STRING: return arena_printf(a, "flow_ckpt_put_str(out, %s);", v);
    case TY_ERROR: break;
    }
    return "/* unreachable: a checked program has no error type */";
}

const char *ckpt_put_field(Arena *a, const Field *f, const char *v)
{
    if (!f->optional)
        return ckpt_put_call(a, f->type, v);
    return arena_printf(a, "flow_ckpt_put_bool(out, %s.null); if (!%s.null) %s", v, v,
                        ckpt_put_call(a, f->type, arena_printf(a, "%s.v", v)));
}

const char *ckpt_get_field(Arena *a, const Field *f, const char *v)
{
    if (!f->optional)
        return ckpt_get_call(a, f->type, v);
    return arena_printf(a, "%s = (%s){ .null = flow_ckpt_get_bool(in) }; if (!%s.null) %s", v,
                        c_opt_type(f->type), v,
                        ckpt_get_call(a, f->type, arena_printf(a, "%s.v", v)));
}

const char *ckpt_get_call(Arena *a, TypeKind t, const char *v)
{
    switch (t) {
    case TY_BOOL: return arena_printf(a, "%s = flow_ckpt_get_bool(in);", v);
    case TY_INT32: return arena_printf(a, "%s = (int32_t)flow_ckpt_get_i64(in);", v);
    case TY_INT64:
    case TY_TIMESTAMP: return arena_printf(a, "%s = flow_ckpt_get_i64(in);", v);
    case TY_FLOAT64: return arena_printf(a, "%s = flow_ckpt_get_f64(in);", v);
    case TY_STRING: return arena_printf(a, "%s = flow_ckpt_get_str(in);", v);
    case TY_ERROR: break;
    }
    return "/* unreachable: a checked program has no error type */";
}

void emit_ckpt_put_key(Arena *a, CWriter *w, const TypeKind *types, int nkey, const char *s)
{
    for (int k = 0; k < nkey; k++)
        cw_line(w, "%s", ckpt_put_call(a, types[k], arena_printf(a, "%s->key%d", s, k)));
}

void emit_ckpt_get_key(Arena *a, CWriter *w, const TypeKind *types, int nkey, const char *s)
{
    for (int k = 0; k < nkey; k++)
        cw_line(w, "%s", ckpt_get_call(a, types[k], arena_printf(a, "%s->key%d", s, k)));
}

void emit_kv_spaces_snapshot(CWriter *w, const PlanStage *st, const char *comment, bool fired)
{
    cw_blank(w);
    cw_comment(w, true, comment);
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n = 0;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowKvSpace *sp = timers[i].item;");
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, sp->ns);");
    if (fired)
        cw_line(w, "flow_ckpt_put_bool(out, sp->fired);");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

void emit_checkpoint_functions(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (!em->plan->checkpoint_every_ms || st->op_index < 0)
        return;
    const OpInfo *info = op_info(st->nodes[0]->op->kind);
    if (!info->snapshot || !info->restore)
        return;
    info->snapshot(em, w, st);
    info->restore(em, w, st);
}

const char *checkpoint_fn(const Emitter *em, const PlanStage *st, bool restore)
{
    const OpInfo *info = op_info(st->nodes[0]->op->kind);
    if (!em->plan->checkpoint_every_ms || !info->snapshot || !info->restore)
        return "NULL";
    return restore ? st->names->restore : st->names->snapshot;
}

/* One line of the layout: what a checkpoint saved for this part of the
 * program, in words that change whenever what it saves would be read
 * differently. Locations are left out, so an edit elsewhere in the file
 * (a comment, a stateless operator) keeps its checkpoints usable. */
static const char *source_layout(Arena *a, const PlanNode *src)
{
    const Decl *d = src->decl;
    return arena_printf(a, "%s %s from %s: %s", src->kind == PN_TABLE ? "table" : "source",
                        d->name, d->source.conn.name ? d->source.conn.name : "?",
                        fields_text(a, src->out));
}

static const char *stage_layout(Arena *a, const Plan *plan, const PlanStage *st)
{
    const char *ops = "";
    for (int i = 0; i < st->nnodes; i++) {
        const PlanNode *n = st->nodes[i];
        if (op_info(n->op->kind)->role == OPROLE_STATELESS)
            break;
        ops = arena_printf(a, "%s%s%s", ops, i ? " | " : "", op_text(a, n->op));
    }
    /* The key is not in the operators' text (a `key by` before them is
     * stateless): another key, of the same type or not, is another state. */
    const PlanState *state = st->nodes[0]->state;
    const char *key = "";
    if (state && state->key.n)
        key = arena_printf(a, "; key: %s", key_text(a, &state->key));
    if (state && state->other_key.n)
        key = arena_printf(a, "%s; other key: %s", key, key_text(a, &state->other_key));
    /* An operator in the state store saves only its spaces (emit_*_kv.c). */
    bool in_store = (plan->state_rocksdb && plan_stage_is(st, OP_DEDUPE)) ||
                    (plan->state_rocksdb && plan_stage_is(st, OP_JOIN) &&
                     !st->nodes[0]->op->join.regular) ||
                    (plan_stage_is(st, OP_WINDOW) && window_in_store(plan, st));
    const char *kept = in_store ? "; state rocksdb" : "";
    /* An interval join in memory saves its rows in arrival order without
     * their groups (emit_join_ckpt.c); one that saved its groups first is
     * of an older flowc, and refused. */
    const Op *op = st->nodes[0]->op;
    if (!in_store && plan_stage_is(st, OP_JOIN) && !op->join.regular && !op->join.windowed)
        kept = "; rows in arrival order";
    return arena_printf(a, "operator %d: %s%s%s; in: %s", st->op_index, ops, key, kept,
                        fields_text(a, st->in));
}

void emit_layout_table(Emitter *em, CWriter *w, int *nlines)
{
    Plan *plan = em->plan;
    Arena *a = em->arena;
    *nlines = 0;
    if (!plan->checkpoint_every_ms)
        return;
    cw_comment(w, true, "What this program's checkpoints depend on: a checkpoint whose lines "
                        "differ is of another program (docs/checkpoints.md).");
    cw_open(w, "static const char *const layout[] =");
    for (int i = 0; i < plan->nsources; i++) {
        const char *line = source_layout(a, plan->sources[i]);
        cw_line(w, "\"%s\",", c_string_body(a, line, (int64_t)strlen(line)));
        ++*nlines;
    }
    for (int i = 0; i < plan->nstages; i++) {
        if (plan->stages[i]->op_index < 0)
            continue;
        const char *line = stage_layout(a, plan, plan->stages[i]);
        cw_line(w, "\"%s\",", c_string_body(a, line, (int64_t)strlen(line)));
        ++*nlines;
    }
    for (int i = 0; i < plan->nsinks; i++) {
        const Decl *d = plan->sinks[i]->decl;
        const char *line = arena_printf(a, "sink %d: %s to %s", i, d->sink.stream->name,
                                        d->sink.conn.name ? d->sink.conn.name : "?");
        cw_line(w, "\"%s\",", c_string_body(a, line, (int64_t)strlen(line)));
        ++*nlines;
    }
    cw_close(w, ";");
}
