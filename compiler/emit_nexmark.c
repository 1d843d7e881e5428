/* emit_nexmark.c: the generate function of a nexmark(...) source: a loop
 * over the batch's events of its kind that calls, for each field of the
 * schema, the flow/nexmark.h function of that name (docs/language.md,
 * "nexmark"). */
#include <inttypes.h>
#include <string.h>

#include "emit_impl.h"
#include "explain.h"
#include "nexmark.h"

/* events_per_second as a C expression: the literal (so that the C compiler
 * divides by multiplying), the default, or the batch's for a param. */
static const char *events_per_second(Emitter *em, const Connector *c)
{
    for (const ConnArg *a = c->args; a; a = a->next)
        if (strcmp(a->key, "events_per_second") == 0)
            return a->value && a->value->kind == EX_INT && a->value->int_value >= 1
                       ? arena_printf(em->arena, "INT64_C(%" PRId64 ")", a->value->int_value)
                       : "b->events_per_second";
    return "FLOW_NX_DEFAULT_EVENTS_PER_SECOND";
}

void emit_nexmark_generate(Emitter *em, CWriter *w, const PlanNode *src)
{
    const Decl *d = src->decl;
    const PlanType *t = src->out;
    const NexmarkKind *k = nexmark_kind_of(&d->source.conn);
    em->used_nexmark = true;
    Body b;
    body_init(&b, em, t, "rec.", "&rec");
    b.w.depth = 2;
    /* As for a generator: records nobody reads are only counted, unless
     * their time moves the watermark. */
    bool made = src->live || d->source.event_time_field >= 0;
    if (made) {
        cw_line(&b.w, "*b->record_number = n + 1;");
        cw_line(&b.w, "int64_t e = flow_nx_event(%s, n);", k->ckind);
        cw_line(&b.w, "%s rec;", t->cname);
        for (int f = 0; f < t->schema->nfields; f++) {
            const NexmarkField *nf = nexmark_field(k, t->schema->fields[f].name);
            const char *m = t->members[f];
            if (!nf->max) {
                cw_line(&b.w, "rec.%s = flow_nx_%s_%s(&nx, e);", m, k->name, nf->name);
                continue;
            }
            b.used_rt = true;
            open_block(&b.w);
            cw_line(&b.w, "char *s = flow_scratch_alloc(rt, %s);", nf->max);
            cw_line(&b.w, "rec.%s = (FlowStr){ s, flow_nx_%s_%s(&nx, e, s) };", m, k->name,
                    nf->name);
            cw_close(&b.w, "");
        }
        emit_source_push(&b, src);
    }

    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                     arena_printf(em->arena, "source %s : %s from %s: makes the %ss b->first .. "
                                  "b->end - 1 of the run, each field by its function of the "
                                  "seed and the event number (flow/nexmark.h), and pushes each "
                                  "on.", d->name, t->cname,
                                  connector_text(em->arena, &d->source.conn), k->name));
    cw_line(w, "static int64_t %s(FlowRuntime *rt, FlowGenBatch *b)", em->source_fns[src->index]);
    cw_line(w, "{");
    cw_indent(w);
    if (!made) {
        cw_line(w, "(void)rt;");
        cw_line(w, "return b->end;");
    } else {
        if (!b.used_rt)
            cw_line(w, "(void)rt;");
        cw_line(w, "const FlowNexmark nx = { b->mixed_seed, %s };",
                events_per_second(em, &d->source.conn));
        emit_generate_loop(w, &b);
    }
    cw_dedent(w);
    cw_line(w, "}");
    cw_free(&b.w);
}
