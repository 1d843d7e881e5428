/* emit_keyed.c: what every keyed operator's emitter shares (window, join,
 * dedupe, lookup): the key fields of a state struct in their own C types,
 * the hash and equality of keys as the runtime's tables and hash() see
 * them, the copy and release of a key's strings, and the re-arming of a
 * state's timer. No operator's emitter depends on another's. */
#include "emit_impl.h"

const char *key_hash_call(Arena *a, TypeKind t, const char *v)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_hash_str(%s)", v);
    case TY_FLOAT64: return arena_printf(a, "flow_hash_f64(%s)", v);
    default: return arena_printf(a, "flow_key_hash_i64((int64_t)%s)", v);
    }
}

TypeKind key_common_type(TypeKind l, TypeKind r)
{
    if (l == r)
        return l;
    if (l == TY_FLOAT64 || r == TY_FLOAT64)
        return TY_FLOAT64;
    return TY_INT64;
}

const TypeKind *key_types(Emitter *em, const PlanNode *node)
{
    const Op *op = node->op;
    TypeKind *types = arena_alloc(em->arena, sizeof *types * (size_t)(op->nkey + 1));
    for (int k = 0; k < op->nkey; k++)
        types[k] = node->in->schema->fields[op->key_fields[k]].type;
    return types;
}

void emit_state_hash(Emitter *em, CWriter *w, const char *name, const char *state,
                     const TypeKind *types, int nkey, const char *seed)
{
    Arena *a = em->arena;
    cw_line(w, "static uint64_t %s(const %s *s)", name, state);
    open_block(w);
    if (nkey == 1 && !seed) {
        cw_line(w, "return (uint64_t)%s;", key_hash_call(a, types[0], "s->key0"));
    } else {
        if (nkey == 0 && !seed)
            cw_line(w, "(void)s;");
        cw_line(w, "uint64_t h = %s;", seed ? seed : "0");
        for (int k = 0; k < nkey; k++)
            cw_line(w, "h = (h ^ (uint64_t)%s) * 0x9E3779B97F4A7C15ULL;",
                    key_hash_call(a, types[k], arena_printf(a, "s->key%d", k)));
        cw_line(w, "return flow_xxh64_avalanche(h);");
    }
    cw_close(w, "");
}

const char *key_equal_test(Arena *a, TypeKind t, const char *x, const char *y)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_str_eq(%s, %s)", x, y);
    /* As hash() sees floats: 0.0 and -0.0 alike, every nan alike. */
    case TY_FLOAT64:
        return arena_printf(a, "(%s == %s || (%s != %s && %s != %s))", x, y, x, x, y, y);
    default: return arena_printf(a, "%s == %s", x, y);
    }
}

void emit_key_members(CWriter *w, const PlanNode *node)
{
    const Op *op = node->op;
    for (int k = 0; k < op->nkey; k++) {
        const Field *f = &node->in->schema->fields[op->key_fields[k]];
        cw_line(w, "%s key%d; /* %s%s */", c_type(f->type), k, f->name,
                f->type == TY_STRING ? ", copied" : "");
    }
}

void emit_state_match(Emitter *em, CWriter *w, const char *name, const char *state,
                      const TypeKind *types, int nkey, const char *also, bool typed)
{
    Arena *a = em->arena;
    if (typed) {
        cw_line(w, "static bool %s(const %s *x, const %s *y)", name, state, state);
        open_block(w);
    } else {
        cw_line(w, "static bool %s(const void *item, const void *probe)", name);
        open_block(w);
        cw_line(w, "const %s *x = item, *y = probe;", state);
    }
    const char *test = also;
    for (int k = 0; k < nkey; k++) {
        const char *eq = key_equal_test(a, types[k], arena_printf(a, "x->key%d", k),
                                        arena_printf(a, "y->key%d", k));
        test = test ? arena_printf(a, "%s && %s", test, eq) : eq;
    }
    if (!test)
        cw_line(w, "(void)x; (void)y;");
    cw_line(w, "return %s;", test ? test : "true");
    cw_close(w, "");
}

void emit_key_probe(Body *b, const PlanNode *node)
{
    const Op *op = node->op;
    for (int k = 0; k < op->nkey; k++) {
        cw_line(&b->w, "probe.key%d = in->%s;", k, node->in->members[op->key_fields[k]]);
        b->used_in = true;
    }
}

void emit_key_keep(CWriter *w, const TypeKind *types, int nkey)
{
    for (int k = 0; k < nkey; k++)
        cw_line(w, types[k] == TY_STRING ? "s->key%d = flow_str_keep(probe.key%d);"
                                         : "s->key%d = probe.key%d;", k, k);
}

void emit_key_release(CWriter *w, const TypeKind *types, int nkey, const char *s)
{
    for (int k = 0; k < nkey; k++)
        if (types[k] == TY_STRING)
            cw_line(w, "flow_str_release(%s->key%d);", s, k);
}

void emit_key_bytes(CWriter *w, const TypeKind *types, int nkey, const char *s)
{
    for (int k = 0; k < nkey; k++)
        if (types[k] == TY_STRING)
            cw_line(w, "n += (size_t)%s->key%d.len;", s, k);
}

void emit_timer_again(CWriter *w, const char *when, int op, const char *at, const char *item,
                      bool skip_rest)
{
    if (!skip_rest && when) {
        cw_line(w, "if (%s)", when);
        cw_line(w, "    flow_timer_set(rt, %d, %s, %s);", op, at, item);
        return;
    }
    if (when)
        cw_open(w, "if (%s)", when);
    cw_line(w, "flow_timer_set(rt, %d, %s, %s);", op, at, item);
    if (skip_rest)
        cw_line(w, "return;");
    if (when)
        cw_close(w, "");
}
