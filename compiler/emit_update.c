/* emit_update.c: the C of an updating aggregate, `[key by K |] aggregate
 * ITEMS [emit every D] [ttl T]` without a window (docs/language.md,
 * "Updating aggregates"), with its checkpoint's snapshot and restore.
 *
 * Per key the generated code keeps one malloc'd state in the operator's
 * FlowTable: the key (strings copied), the record count, the accumulators
 * of emit_aggregate.c, and the last result it emitted (strings copied), so
 * that a result equal to the last one is not emitted again; reading a
 * changelog, also a FlowTable of the changelog's rows it counts (each row
 * key's other fields and last values, taken back when the row key's next
 * row comes: docs/language.md, "Aggregates of a changelog"). A result goes
 * out as a changelog row: `op` "+I" for the key's first result, "+U" after.
 * Without `emit every` the result goes out with every record that changes
 * it; with it, a changed key is marked dirty and its result goes out once
 * the watermark passes the end of the D-interval (epoch-aligned) of the
 * record that made it dirty.
 *
 * Time is kept in buckets: panes of the operator's FlowPanes (flow/state.h,
 * the runtime's per-operator tables by start), of D with `emit every`, else
 * of T. A bucket's pane is the item of one timer, due at its end - 1ms; its
 * entries point to states, in the order they were added:
 * - dirty: the state's result goes out when the bucket fires;
 * - owns: the bucket frees the state when it fires (the key expired: with
 *   `ttl T`, the bucket holding the key's latest time + T; a key whose
 *   latest time moves on moves to a later bucket, clearing `owns` in the
 *   old one), or at shutdown. Without ttl every state is owned by one pane
 *   due at the end of input (the end of time), so that a key lives as long
 *   as the program.
 * Every state has exactly one owning entry; the other entries that point to
 * it are in buckets that fire no later than its owner, so no entry outlives
 * its state, and a release at shutdown frees only what entries own. No
 * delete is emitted when a key expires, as Flink's state TTL emits none: the
 * key's next record starts it again with a "+I". */
#include <inttypes.h>

#include "emit_aggregate.h"
#include "explain.h"

/* What the emitter knows of one updating aggregate stage. */
typedef struct UpdateStage {
    Emitter *em;
    Arena *arena;
    const PlanStage *st;
    const PlanStageNames *names;
    const char *entry;         /* the C type of a bucket's entries */
    const PlanNode *node;
    const Op *op;
    const Item *items;
    const TypeKind *keytypes;
    int nkey;
    int opi;                   /* index in the FlowOperatorDef array */
    bool every, ttl;
    /* An aggregate of a changelog: its rows' struct (each row key's last
     * values), the row key's fields besides the key, and their types. */
    bool retracts;
    const char *row;
    const int *row_key;
    const TypeKind *row_types;
    int nrow_key;
    DurC every_d, ttl_d;
    DurC bucket;               /* the buckets' span: D with emit every, else T */
} UpdateStage;

static UpdateStage update_stage(Emitter *em, const PlanStage *st)
{
    UpdateStage u = { 0 };
    u.em = em;
    u.arena = em->arena;
    u.st = st;
    u.names = st->names;
    u.entry = st->names->row;
    u.node = st->nodes[0];
    u.op = u.node->op;
    u.items = u.op->aggregate;
    u.keytypes = key_types(em, u.node);
    u.nkey = u.op->nkey;
    u.opi = st->op_index;
    u.every = u.op->update.has_every;
    u.ttl = u.op->update.has_ttl;
    if (u.every)
        u.every_d = dur_c(em, &u.op->update.every);
    if (u.ttl)
        u.ttl_d = dur_c(em, &u.op->update.ttl);
    u.bucket = u.every ? u.every_d : u.ttl_d;
    u.retracts = u.op->update.retracts;
    u.row = st->names->last;
    u.row_key = u.op->update.row_key;
    u.nrow_key = u.op->update.nrow_key;
    TypeKind *types = arena_alloc(u.arena, sizeof *types * (size_t)(u.nrow_key + 1));
    for (int k = 0; k < u.nrow_key; k++)
        types[k] = u.node->in->schema->fields[u.row_key[k]].type;
    u.row_types = types;
    return u;
}

/* The struct of a changelog's row the aggregate counts: its row key's
 * fields besides the aggregate's key, and the values it added, which the
 * key's next row takes back; its hash, equality and free. */
static void emit_row_struct(CWriter *w, const UpdateStage *u)
{
    Emitter *em = u->em;
    Arena *a = u->arena;
    const Schema *in = u->node->in->schema;
    cw_blank(w);
    cw_comment(w, true, "A row of the changelog the aggregate reads, as its key's state counts "
                        "it: the row key's other fields and the row's values, taken back when "
                        "the row key's next row replaces it (docs/language.md, \"Aggregates of "
                        "a changelog\").");
    cw_open(w, "typedef struct %s", u->row);
    cw_line(w, "uint64_t hash;    /* of its key fields, never 0 */");
    for (int k = 0; k < u->nrow_key; k++) {
        const Field *f = &in->fields[u->row_key[k]];
        cw_line(w, "%s key%d; /* %s%s */", c_type(f->type), k, f->name,
                f->type == TY_STRING ? ", copied" : "");
    }
    agg_emit_row_members(w, u->items);
    cw_close(w, arena_printf(a, " %s;", u->row));
    cw_blank(w);
    emit_state_hash(em, w, arena_printf(a, "%s_hash", u->row), u->row, u->row_types, u->nrow_key,
                    NULL);
    cw_blank(w);
    emit_state_match(em, w, arena_printf(a, "%s_match", u->row), u->row, u->row_types,
                     u->nrow_key, NULL, false);
    cw_blank(w);
    cw_line(w, "static void %s_free(%s *r)", u->row, u->row);
    open_block(w);
    emit_key_release(w, u->row_types, u->nrow_key, "r");
    cw_line(w, "flow_state_free(r);");
    cw_close(w, "");
}

static void emit_state(CWriter *w, const UpdateStage *u)
{
    Emitter *em = u->em;
    Arena *a = u->arena;
    const char *state = u->names->state;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "State of the updating aggregate at %s:%d, one per "
                                     "key, in the operator's table, for as long as the key "
                                     "lives.", em->plan->flow_file, u->op->loc.line));
    cw_open(w, "typedef struct %s", state);
    cw_comment(w, true, "What every record reads first, so that it shares a cache line: the "
                        "key, the count, the accumulators, the flags.");
    cw_line(w, "uint64_t hash;    /* of the key, never 0 (flow_inline_hash) */");
    emit_key_members(w, u->node);
    cw_line(w, "int64_t count;    /* its records */");
    agg_emit_members(w, u->items);
    cw_line(w, "bool emitted;     /* a result went out: the next one is an update (+U) */");
    cw_line(w, "bool dirty;       /* emit every: changed since its last result */");
    cw_line(w, "int64_t latest;   /* ttl: the latest event time of its records */");
    cw_line(w, "int64_t bucket;   /* ttl: the start of the bucket that owns it */");
    cw_line(w, "int64_t ckpt;     /* its number in the checkpoint being written */");
    if (u->retracts)
        cw_line(w, "FlowTable rows;   /* the changelog's rows it counts: %s items */", u->row);
    agg_emit_last_members(w, u->items, u->node->out, 1 + u->nkey);
    cw_close(w, arena_printf(a, " %s;", state));
    if (u->retracts)
        emit_row_struct(w, u);

    cw_blank(w);
    cw_comment(w, true, "An entry of a bucket (a pane of the operator's panes): a state whose "
                        "result goes out (dirty), or which goes (owns), when the bucket fires.");
    cw_open(w, "typedef struct %s", u->entry);
    cw_line(w, "uint64_t hash;    /* the state's; first, as flow_pane_add wants */");
    cw_line(w, "%s *s;", state);
    cw_line(w, "bool dirty;");
    cw_line(w, "bool owns;");
    cw_close(w, arena_printf(a, " %s;", u->entry));

    cw_blank(w);
    emit_state_hash(em, w, u->names->hash, state, u->keytypes, u->nkey, NULL);
    cw_blank(w);
    emit_state_match(em, w, u->names->match, state, u->keytypes, u->nkey, NULL, true);

    /* The table's own probe (flow/state.h FlowTable: linear from hash &
     * (cap - 1), hashes stored as they are when not 0, as flow_inline_hash
     * makes them), with the match inlined: flow_table_find would call it
     * through a pointer for every record. */
    cw_blank(w);
    cw_comment(w, true, "The state of probe's key in the table, or NULL: flow_table_find with "
                        "the key comparison inlined.");
    cw_line(w, "static %s *%s_lookup(const FlowTable *t, const %s *probe)", state, state, state);
    open_block(w);
    cw_line(w, "if (t->cap == 0)");
    cw_line(w, "    return NULL;");
    cw_line(w, "uint64_t mask = (uint64_t)t->cap - 1;");
    cw_open(w, "for (uint64_t i = probe->hash & mask;; i = (i + 1) & mask)");
    cw_line(w, "if (t->hashes[i] == 0)");
    cw_line(w, "    return NULL;");
    cw_line(w, "if (t->hashes[i] == probe->hash && %s(t->items[i], probe))", u->names->match);
    cw_line(w, "    return t->items[i];");
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "Frees a state with what it owns (it is out of the table, or the "
                        "program ends).");
    cw_line(w, "static void %s_free(%s *s)", state, state);
    open_block(w);
    emit_key_release(w, u->keytypes, u->nkey, "s");
    if (u->retracts) {
        cw_open(w, "for (int64_t i = 0; i < s->rows.cap; i++)");
        cw_line(w, "if (s->rows.hashes[i])");
        cw_line(w, "    %s_free(s->rows.items[i]);", u->row);
        cw_close(w, "");
        cw_line(w, "flow_table_free(&s->rows);");
    }
    agg_emit_release(w, u->items, "s");
    agg_emit_last_release(a, w, u->items, u->node->out, 1 + u->nkey, "s");
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");
}

/* The entry of state s in bucket p, made (with no flag) when it has none. */
static void emit_find_function(CWriter *w, const UpdateStage *u)
{
    cw_blank(w);
    cw_comment(w, true, "The entry of state s in bucket p, made when it has none.");
    cw_line(w, "static %s *%s(FlowPane *p, %s *s)", u->entry, u->names->find, u->names->state);
    open_block(w);
    cw_line(w, "%s *entries = (%s *)(void *)p->entries;", u->entry, u->entry);
    cw_open(w, "for (uint64_t i = s->hash & p->mask;; i = (i + 1) & p->mask)");
    cw_line(w, "%s *e = &entries[i];", u->entry);
    cw_line(w, "if (e->hash == s->hash && e->s == s)");
    cw_line(w, "    return e;");
    cw_open(w, "if (!e->hash)");
    cw_line(w, "e = flow_pane_add(p, i, s->hash);");
    cw_line(w, "e->s = s;");
    cw_line(w, "return e;");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "The entry of state s in the bucket that starts at `start`, the bucket "
                        "made with its timer (due at `due`) when there is none.");
    cw_line(w, "static %s *%s_at(FlowRuntime *rt, %s *s, int64_t start, int64_t due)",
            u->entry, u->names->find, u->names->state);
    open_block(w);
    cw_line(w, "FlowPanes *ps = flow_panes(rt, %d);", u->opi);
    cw_line(w, "FlowPane *p = ps->last;");
    cw_open(w, "if (!p || p->start != start)");
    cw_line(w, "bool made;");
    cw_line(w, "p = flow_pane_get(ps, start, sizeof(%s), &made);", u->entry);
    cw_line(w, "if (made)");
    cw_line(w, "    flow_timer_set(rt, %d, due, p);", u->opi);
    cw_close(w, "");
    cw_line(w, "return %s(p, s);", u->names->find);
    cw_close(w, "");
}

/* The result of state s with event time ts, unless it is the one last
 * emitted, and the rest of the stage. */
static void emit_result_function(CWriter *w, const UpdateStage *u)
{
    Arena *a = u->arena;
    const PlanType *out = u->node->out;
    Body b;
    body_init(&b, u->em, out, "rec.", "&rec");
    CWriter *bw = &b.w;
    cw_line(bw, "%s rec;", out->cname);
    agg_emit_results(u->em, bw, u->items, out, 1 + u->nkey);
    const char *same = agg_same_as_last(a, u->items, out, 1 + u->nkey, "s");
    cw_comment(bw, true, "A result equal to the last one emitted is not emitted again.");
    cw_line(bw, "if (s->emitted%s%s)", same ? " && " : "", same ? same : "");
    cw_line(bw, "    return;");
    agg_emit_keep_last(a, bw, u->items, out, 1 + u->nkey, "s");
    cw_line(bw, "rec.%s = s->emitted ? (FlowStr){ \"+U\", 2 } : (FlowStr){ \"+I\", 2 };",
            out->members[0]);
    cw_line(bw, "s->emitted = true;");
    for (int k = 0; k < u->nkey; k++)
        cw_line(bw, "rec.%s = s->key%d;", out->members[1 + k], k);
    emit_stage_rest(&b, u->st, 1);
    if (!b.used_ts)
        cw_line(bw, "(void)ts;");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The result of one key of the updating aggregate at "
                                     "%s:%d, with event time ts, and the operators after it.",
                                     u->em->plan->flow_file, u->op->loc.line));
    emit_body_function(w, arena_printf(a, "static void %s(FlowRuntime *rt, %s *s, int64_t ts)",
                                       u->names->result, u->names->state),
                       &b, false);
}

/* A bucket's timer is due, and when the program stops early its release. */
static void emit_fire_release(CWriter *w, const UpdateStage *u)
{
    cw_blank(w);
    cw_comment(w, true, u->every
        ? "A bucket's timer is due (its end - 1ms): the results of its dirty keys, in the order "
          "they became dirty, and the keys it owns go (expired, or the end of input)."
        : "A bucket's timer is due (its end - 1ms): the keys it owns go (expired, or the end "
          "of input).");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", u->names->fire);
    open_block(w);
    cw_line(w, "FlowPane *p = item;");
    if (!u->every)
        cw_line(w, "(void)time;");
    cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", u->opi);
    cw_open(w, "for (int64_t k = 0; k < p->count; k++)");
    cw_line(w, "%s *e = flow_pane_entry(p, k);", u->entry);
    if (u->every) {
        cw_open(w, "if (e->dirty)");
        cw_line(w, "e->s->dirty = false;");
        cw_line(w, "%s(rt, e->s, time);", u->names->result);
        cw_close(w, "");
    }
    cw_open(w, "if (e->owns)");
    cw_line(w, "flow_table_remove(table, e->s->hash, e->s);");
    cw_line(w, "%s_free(e->s);", u->names->state);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_pane_free(p);");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "The program stops with the bucket pending: it frees the states it "
                        "owns (no other entry is read: its state may be gone).");
    cw_line(w, "static void %s(void *item)", u->names->release);
    open_block(w);
    cw_line(w, "FlowPane *p = item;");
    cw_open(w, "for (int64_t k = 0; k < p->count; k++)");
    cw_line(w, "%s *e = flow_pane_entry(p, k);", u->entry);
    cw_line(w, "if (e->owns)");
    cw_line(w, "    %s_free(e->s);", u->names->state);
    cw_close(w, "");
    cw_line(w, "flow_pane_free(p);");
    cw_close(w, "");
}

/* The record is its row key's new row: the key's last row, if any, is
 * taken back, and the record's values are kept as the new one. */
static void emit_retract(Body *b, const UpdateStage *u)
{
    CWriter *bw = &b->w;
    const PlanType *in = u->node->in;
    b->used_in = true;
    cw_line(bw, "%s rprobe;", u->row);
    for (int k = 0; k < u->nrow_key; k++)
        cw_line(bw, "rprobe.key%d = in->%s;", k, in->members[u->row_key[k]]);
    cw_line(bw, "rprobe.hash = flow_inline_hash(%s_hash(&rprobe));", u->row);
    cw_line(bw, "%s *r = flow_table_find(&s->rows, rprobe.hash, %s_match, &rprobe);", u->row,
            u->row);
    cw_open(bw, "if (r)");
    cw_comment(bw, true, "An update of a row it counts: the row's last values go.");
    cw_line(bw, "s->count--;");
    agg_emit_retract(b, u->items, "r");
    cw_close(bw, " else {");
    cw_indent(bw);
    cw_line(bw, "r = flow_state_alloc(sizeof *r);");
    cw_line(bw, "r->hash = rprobe.hash;");
    for (int k = 0; k < u->nrow_key; k++)
        cw_line(bw, u->row_types[k] == TY_STRING ? "r->key%d = flow_str_keep(rprobe.key%d);"
                                                 : "r->key%d = rprobe.key%d;", k, k);
    cw_line(bw, "flow_table_insert(&s->rows, r->hash, r);");
    cw_close(bw, "");
    agg_emit_keep_row(b, u->items, "r");
}

static void emit_input(CWriter *w, const UpdateStage *u)
{
    Emitter *em = u->em;
    Arena *a = u->arena;
    const char *state = u->names->state;
    Body b;
    body_init(&b, em, u->node->in, "in->", "in");
    CWriter *bw = &b.w;
    b.used_rt = b.used_ts = true;
    emit_loc_comment(em, bw, u->op->loc, op_text(a, u->op));
    line_to_flow(em, bw, u->op->loc);
    agg_emit_arguments(&b, u->items, u->node->in, u->op->loc);
    cw_line(bw, "%s probe;", state);
    emit_key_probe(&b, u->node);
    cw_line(bw, "probe.hash = flow_inline_hash(%s(&probe));", u->names->hash);
    cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", u->opi);
    cw_line(bw, "%s *s = %s_lookup(table, &probe);", state, state);
    cw_line(bw, "bool fresh = s == NULL;");
    cw_open(bw, "if (fresh)");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->hash = probe.hash;");
    emit_key_keep(bw, u->keytypes, u->nkey);
    cw_line(bw, "flow_table_insert(table, s->hash, s);");
    if (u->ttl) {
        cw_line(bw, "s->latest = ts;");
    } else {
        cw_comment(bw, true, "Without ttl the key lives until the end of input.");
        cw_line(bw, "%s_at(rt, s, FLOW_TIME_MIN, FLOW_TIME_MAX)->owns = true;", u->names->find);
    }
    cw_close(bw, "");
    if (u->retracts)
        emit_retract(&b, u);
    cw_line(bw, "s->count++;");
    agg_emit_accumulate(&b, u->items);
    if (u->ttl) {
        const char *span = dur_plus(a, u->bucket, 0);
        cw_comment(bw, true, "ttl: the key goes with the bucket of its latest time + ttl; a key "
                             "whose latest time moved on moves to its new bucket.");
        cw_line(bw, "if (ts > s->latest)");
        cw_line(bw, "    s->latest = ts;");
        cw_line(bw, "int64_t bucket = flow_window_start(flow_time_add(s->latest, %s), %s);",
                dur_plus(a, u->ttl_d, 0), span);
        cw_open(bw, "if (fresh || bucket != s->bucket)");
        cw_line(bw, "if (!fresh)");
        cw_line(bw, "    %s(flow_pane_find(flow_panes(rt, %d), s->bucket), s)->owns = false;",
                u->names->find, u->opi);
        cw_line(bw, "s->bucket = bucket;");
        cw_line(bw, "%s_at(rt, s, bucket, flow_time_add(bucket, %s))->owns = true;",
                u->names->find, dur_plus(a, u->bucket, -1));
        cw_close(bw, "");
    }
    if (u->every) {
        const char *span = dur_plus(a, u->every_d, 0);
        cw_comment(bw, true, "emit every: the result goes out at the end of the record's "
                             "interval, unless the key is dirty already.");
        cw_open(bw, "if (!s->dirty)");
        cw_line(bw, "s->dirty = true;");
        cw_line(bw, "int64_t start = flow_window_start(ts, %s);", span);
        cw_line(bw, "%s_at(rt, s, start, flow_time_add(start, %s))->dirty = true;",
                u->names->find, dur_plus(a, u->every_d, -1));
        cw_close(bw, "");
    } else {
        cw_line(bw, "%s(rt, s, ts);", u->names->result);
    }
    line_back(em, bw);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d: the updating aggregate of stream %s (%s:%d). "
                                     "One record in: its key's state is updated.", u->st->id,
                                     u->st->stream->name, em->plan->flow_file,
                                     u->op->loc.line));
    emit_body_function(w, stage_signature(em, u->st), &b, true);
}

void emit_update_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    UpdateStage u = update_stage(em, st);
    emit_state(w, &u);
    emit_find_function(w, &u);
    emit_result_function(w, &u);
    emit_fire_release(w, &u);
    emit_input(w, &u);
}

/* The changelog's rows state s counts: their number, then each one's key
 * fields and values. */
static void emit_ckpt_rows(CWriter *w, const UpdateStage *u, bool restore)
{
    Arena *a = u->arena;
    if (!restore) {
        cw_line(w, "flow_ckpt_put_i64(out, s->rows.count);");
        cw_open(w, "for (int64_t i = 0; i < s->rows.cap; i++)");
        cw_line(w, "if (!s->rows.hashes[i])");
        cw_line(w, "    continue;");
        cw_line(w, "const %s *r = s->rows.items[i];", u->row);
        emit_ckpt_put_key(a, w, u->row_types, u->nrow_key, "r");
        agg_emit_ckpt_row(a, w, u->items, "r", false);
        cw_close(w, "");
        return;
    }
    cw_line(w, "int64_t nrows = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < nrows && !flow_ckpt_failed(in); i++)");
    cw_line(w, "%s *r = flow_state_alloc(sizeof *r);", u->row);
    emit_ckpt_get_key(a, w, u->row_types, u->nrow_key, "r");
    agg_emit_ckpt_row(a, w, u->items, "r", true);
    cw_line(w, "r->hash = flow_inline_hash(%s_hash(r));", u->row);
    cw_line(w, "flow_table_insert(&s->rows, r->hash, r);");
    cw_close(w, "");
}

/* The values of state s after its key, in the order the restore reads them. */
static void emit_ckpt_state(CWriter *w, const UpdateStage *u, bool restore)
{
    Arena *a = u->arena;
    const char *(*call)(Arena *, TypeKind, const char *) = restore ? ckpt_get_call : ckpt_put_call;
    cw_line(w, "%s", call(a, TY_BOOL, "s->emitted"));
    cw_line(w, "%s", call(a, TY_BOOL, "s->dirty"));
    cw_line(w, "%s", call(a, TY_INT64, "s->latest"));
    cw_line(w, "%s", call(a, TY_INT64, "s->bucket"));
    agg_emit_ckpt_last(a, w, u->items, u->node->out, 1 + u->nkey, "s", restore);
    cw_line(w, "%s", call(a, TY_INT64, "s->count"));
    agg_emit_ckpt_values(u->em, w, u->items, "s", restore);
    if (u->retracts)
        emit_ckpt_rows(w, u, restore);
}

void emit_update_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    UpdateStage u = update_stage(em, st);
    Arena *a = em->arena;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the updating aggregate at %s:%d: the "
                                     "number of keys, each key's state (in the order of the "
                                     "buckets that own them), then the buckets in the firing "
                                     "order of their timers, each with its timer's time, its "
                                     "start and its entries (the state's number, dirty, owns).",
                                     em->plan->flow_file, u.op->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, flow_state_table(rt, op)->count);");
    cw_line(w, "int64_t id = 0;");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowPane *p = timers[i].item;");
    cw_open(w, "for (int64_t k = 0; k < p->count; k++)");
    cw_line(w, "const %s *e = flow_pane_entry(p, k);", u.entry);
    cw_line(w, "if (!e->owns)");
    cw_line(w, "    continue;");
    cw_line(w, "%s *s = e->s;", st->names->state);
    cw_line(w, "s->ckpt = id++;");
    emit_ckpt_put_key(a, w, u.keytypes, u.nkey, "s");
    emit_ckpt_state(w, &u, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowPane *p = timers[i].item;");
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, p->start);");
    cw_line(w, "flow_ckpt_put_i64(out, p->count);");
    cw_comment(w, true, "Every entry, also those with neither flag (of a state that moved on to "
                        "a later bucket, which is still there): a key that becomes dirty in "
                        "this bucket takes its old entry's place in the order.");
    cw_open(w, "for (int64_t k = 0; k < p->count; k++)");
    cw_line(w, "const %s *e = flow_pane_entry(p, k);", u.entry);
    cw_line(w, "flow_ckpt_put_i64(out, e->s->ckpt);");
    cw_line(w, "flow_ckpt_put_bool(out, e->dirty);");
    cw_line(w, "flow_ckpt_put_bool(out, e->owns);");
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

void emit_update_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    UpdateStage u = update_stage(em, st);
    Arena *a = em->arena;
    const char *state = st->names->state;
    cw_blank(w);
    cw_comment(w, true, "Builds the updating aggregate's keys again from its checkpoint, each "
                        "in the table, then its buckets with their timers, in the order "
                        "written. A state no bucket owns (a bad checkpoint) is freed.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t nstates = flow_ckpt_get_count(in, INT64_MAX / (int64_t)sizeof(%s *));",
            state);
    cw_line(w, "%s **states = flow_state_alloc(sizeof *states * (size_t)(nstates + 1));", state);
    cw_line(w, "int64_t got = 0;");
    cw_open(w, "for (; got < nstates && !flow_ckpt_failed(in); got++)");
    cw_line(w, "%s *s = flow_state_alloc(sizeof *s);", state);
    emit_ckpt_get_key(a, w, u.keytypes, u.nkey, "s");
    emit_ckpt_state(w, &u, true);
    cw_line(w, "s->hash = flow_inline_hash(%s(s));", st->names->hash);
    cw_line(w, "flow_table_insert(table, s->hash, s);");
    cw_line(w, "states[got] = s;");
    cw_close(w, "");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_line(w, "FlowPanes *ps = flow_panes(rt, op);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "int64_t start = flow_ckpt_get_i64(in);");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_line(w, "bool made;");
    cw_line(w, "FlowPane *p = flow_pane_get(ps, start, sizeof(%s), &made);", u.entry);
    cw_line(w, "if (made)");
    cw_line(w, "    flow_timer_set(rt, op, time, p);");
    cw_open(w, "for (int64_t k = 0; k < count && !flow_ckpt_failed(in); k++)");
    cw_line(w, "int64_t id = flow_ckpt_get_count(in, got - 1);");
    cw_line(w, "bool dirty = flow_ckpt_get_bool(in);");
    cw_line(w, "bool owns = flow_ckpt_get_bool(in);");
    cw_line(w, "%s *s = states[id];", state);
    cw_line(w, "if (flow_ckpt_failed(in) || !s || (owns && s->ckpt < 0))");
    cw_line(w, "    break;");
    cw_line(w, "%s *e = %s(p, s);", u.entry, u.names->find);
    cw_line(w, "e->dirty = dirty;");
    cw_line(w, "e->owns = owns;");
    cw_line(w, "if (owns)");
    cw_line(w, "    s->ckpt = -1; /* owned: not freed below */");
    cw_close(w, "");
    cw_close(w, "");
    cw_open(w, "for (int64_t i = 0; i < got; i++)");
    cw_open(w, "if (states[i]->ckpt >= 0)");
    cw_line(w, "flow_table_remove(table, states[i]->hash, states[i]);");
    cw_line(w, "%s_free(states[i]);", state);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(states);");
    cw_close(w, "");
}
