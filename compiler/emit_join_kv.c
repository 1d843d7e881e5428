/* emit_join_kv.c: the C of an interval join and of a window join in a
 * `state rocksdb` program, whose rows live in the runtime's store
 * (flow/kv.h, docs/checkpoints.md "A join's life") instead of the join's
 * tables.
 *
 * A key's value in the store is its group: per side the rows kept, each
 * with its time and its record (strings copied), in arrival order (in time
 * order for an outer interval join), as with state memory (emit_join.c).
 *
 * Window join: a space per window, namespace its start, the timers' item,
 * as a tumbling window's; a record appends its row to its key's group of
 * the window; at end - 1ms the window's groups are visited in (key group,
 * key) order, each giving its pairs as in memory, and the window goes.
 *
 * Interval join: the groups in one space (namespace INT64_MIN) and an
 * expiry index as a session window's (emit_kv_index.c): a space per
 * millisecond of time at which a row of a listed key is due to go (its
 * time + within), one timer each. A record is paired with the other side's
 * rows of its group as in memory, appended, and its key listed at its due
 * time when no earlier listing is pending (`listed`). A listed key's visit
 * takes out every row of the group the watermark is done with, so exactly
 * when memory frees them (an outer join's unmatched rows go out alone
 * then), and lists the key again at its oldest row left.
 *
 * Per stage the generated file has the row, key and group structs, the
 * group's value in RocksDB, its release and owned bytes, the result
 * function, the arrival function and the two input functions (emit_join.c
 * for the last), the fire (window) or visit (interval) functions, and the
 * snapshot and restore of the spaces and their timers. */
#include "emit_impl.h"
#include "explain.h"

/* The names of the functions and types this file adds to a stage's. */
typedef struct JoinKv {
    const char *group, *type, *index, *encode, *decode, *release, *owned, *free_row, *each, *due,
        *enlist;
} JoinKv;

static JoinKv join_kv(Emitter *em, const JoinStage *n)
{
    Arena *a = em->arena;
    const char *s = n->names->state;
    return (JoinKv){
        .group = arena_printf(a, "%s_group", s),
        .type = arena_printf(a, "%s_kv", s),
        .index = arena_printf(a, "%s_index", s),
        .encode = arena_printf(a, "%s_encode", s),
        .decode = arena_printf(a, "%s_decode", s),
        .release = arena_printf(a, "%s_release_group", s),
        .owned = arena_printf(a, "%s_owned", s),
        .free_row = arena_printf(a, "%s_free_row", s),
        .each = arena_printf(a, "%s_each", s),
        .due = arena_printf(a, "%s_due", s),
        .enlist = arena_printf(a, "%s_enlist", s),
    };
}

/* Lines that add the bytes a kept record `p` owns to `n`. */
static void record_bytes(CWriter *w, const PlanType *t, const char *p)
{
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *m = t->members[f];
        if (fd->type == TY_STRING && fd->optional)
            cw_line(w, "if (!%s%s.null) n += (size_t)%s%s.v.len;", p, m, p, m);
        else if (fd->type == TY_STRING)
            cw_line(w, "n += (size_t)%s%s.len;", p, m);
    }
}

/* Lines that run `body` over both sides of record `row`: "row->rec.left."
 * then "row->rec.right.". */
static void by_side(Arena *a, CWriter *w, const JoinStage *n,
                    void (*body)(Arena *, CWriter *, const PlanType *, const char *))
{
    cw_open(w, "if (side == 0)");
    body(a, w, n->ltype, "row->rec.left.");
    cw_close(w, "");
    cw_open(w, "else");
    body(a, w, n->rtype, "row->rec.right.");
    cw_close(w, "");
}

static void release_record(Arena *a, CWriter *w, const PlanType *t, const char *p)
{
    (void)a;
    emit_join_release_strings(w, t, p);
}

static void count_record(Arena *a, CWriter *w, const PlanType *t, const char *p)
{
    (void)a;
    record_bytes(w, t, p);
}

static void emit_structs(Emitter *em, CWriter *w, const JoinStage *n, const JoinKv *k)
{
    Arena *a = em->arena;
    const char *row = n->names->row, *key = n->names->state;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "A record of either side of the join at %s:%d, copied "
                                     "with its strings, in its group's list of its side.",
                                     em->plan->flow_file, n->jop->loc.line));
    cw_line(w, "typedef struct %s %s;", row, row);
    cw_open(w, "struct %s", row);
    cw_line(w, "%s *next;", row);
    if (n->outer) {
        cw_line(w, "%s *prev; /* the list is in time order */", row);
        cw_line(w, "bool matched; /* paired at least once: never emitted alone */");
    }
    cw_line(w, "int64_t ts;");
    cw_open(w, "union");
    cw_line(w, "%s left;", n->ltype->cname);
    cw_line(w, "%s right;", n->rtype->cname);
    cw_close(w, " rec;");
    cw_close(w, ";");

    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? "The key of a group, and its window's start (the space it is in)."
        : "The key of a group, and of an entry of the expiry index.");
    cw_open(w, "typedef struct %s", key);
    if (n->windowed)
        cw_line(w, "int64_t start;");
    int i = 0;
    for (const JoinEq *q = n->jop->join.eqs; q; q = q->next, i++)
        cw_line(w, "%s key%d; /* %s */", c_type(n->keytypes[i]), i, expr_text(a, q->left));
    cw_close(w, arena_printf(a, " %s;", key));
    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, key, n->keytypes, n->nkey, NULL);

    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? arena_printf(a, "State of the window join at %s:%d in the state store (flow/kv.h), "
                       "one per (key, window): the rows of each side in arrival order, until "
                       "the window fires.", em->plan->flow_file, n->jop->loc.line)
        : arena_printf(a, "State of the interval join at %s:%d in the state store (flow/kv.h), "
                       "one per key: the rows of each side in %s order, each until the "
                       "watermark reaches its time + within; `listed`: the earliest time the "
                       "key is listed at in the expiry index.", em->plan->flow_file,
                       n->jop->loc.line, n->outer ? "time" : "arrival"));
    cw_open(w, "typedef struct %s", k->group);
    cw_line(w, "%s *head[2], *tail[2];", row);
    if (!n->windowed)
        cw_line(w, "int64_t listed;");
    cw_close(w, arena_printf(a, " %s;", k->group));
}

/* The group's value in RocksDB (per side the count, then each row's time,
 * [matched], record), its release, its owned bytes and its FlowKvType. */
static void emit_value(Emitter *em, CWriter *w, const JoinStage *n, const JoinKv *k)
{
    Arena *a = em->arena;
    const char *row = n->names->row, *G = k->group;
    cw_blank(w);
    cw_line(w, "static void %s(int side, %s *row)", k->free_row, row);
    open_block(w);
    by_side(a, w, n, release_record);
    cw_line(w, "flow_state_free(row);");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? "A group's value in RocksDB: per side the number of rows, then each one's time "
          "and record."
        : "A group's value in RocksDB: when it is listed, then per side the number of rows, "
          "then each one's time, whether it matched (outer) and record.");
    cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", k->encode);
    open_block(w);
    cw_line(w, "const %s *g = state;", G);
    if (!n->windowed)
        cw_line(w, "flow_ckpt_put_i64(out, g->listed);");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = 0;");
    cw_line(w, "for (const %s *row = g->head[side]; row; row = row->next)", row);
    cw_line(w, "    count++;");
    cw_line(w, "flow_ckpt_put_i64(out, count);");
    cw_open(w, "for (const %s *row = g->head[side]; row; row = row->next)", row);
    cw_line(w, "flow_ckpt_put_i64(out, row->ts);");
    if (n->outer)
        cw_line(w, "flow_ckpt_put_bool(out, row->matched);");
    by_side(a, w, n, emit_join_put_record);
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_line(w, "static void %s(FlowCkptIn *in, void *state)", k->decode);
    open_block(w);
    cw_line(w, "%s *g = state;", G);
    if (!n->windowed)
        cw_line(w, "g->listed = flow_ckpt_get_i64(in);");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < count && !flow_ckpt_failed(in); i++)");
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", row);
    cw_line(w, "row->ts = flow_ckpt_get_i64(in);");
    if (n->outer)
        cw_line(w, "row->matched = flow_ckpt_get_bool(in);");
    by_side(a, w, n, emit_join_get_record);
    if (n->outer)
        cw_line(w, "row->prev = g->tail[side];");
    cw_line(w, "if (g->tail[side])");
    cw_line(w, "    g->tail[side]->next = row;");
    cw_line(w, "else");
    cw_line(w, "    g->head[side] = row;");
    cw_line(w, "g->tail[side] = row;");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "What a group owns: its rows and their strings.");
    cw_line(w, "static void %s(void *state)", k->release);
    open_block(w);
    cw_line(w, "%s *g = state;", G);
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_open(w, "for (%s *row = g->head[side], *next; row; row = next)", row);
    cw_line(w, "next = row->next;");
    cw_line(w, "%s(side, row);", k->free_row);
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static size_t %s(const void *state)", k->owned);
    open_block(w);
    cw_line(w, "const %s *g = state;", G);
    cw_line(w, "size_t n = 0;");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_open(w, "for (const %s *row = g->head[side]; row; row = row->next)", row);
    cw_line(w, "n += sizeof *row;");
    by_side(a, w, n, count_record);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "return n;");
    cw_close(w, "");
    emit_kv_type(w, k->type, G, k->encode, k->decode, k->release, k->owned, false);
}

/* The key fields of `key` (a pointer) after the prefix of `space`'s key, in
 * the writer `out` (declared by the first call). */
static void emit_key_of(Emitter *em, CWriter *w, const JoinStage *n, const char *space,
                        const char *key, bool declare)
{
    cw_line(w, "%sout = flow_kv_key(rt, %s, hash);", declare ? "FlowCkptOut *" : "", space);
    emit_ckpt_put_key(em->arena, w, n->keytypes, n->nkey, key);
}

/* The new `row` of `side` appended to its group `g` (an outer join's in
 * time order, walking back from the tail). */
static void emit_append(CWriter *w, const JoinStage *n)
{
    if (n->outer) {
        emit_join_group_time_order(w, n);
        return;
    }
    cw_line(w, "row->next = NULL;");
    cw_line(w, "if (g->tail[side])");
    cw_line(w, "    g->tail[side]->next = row;");
    cw_line(w, "else");
    cw_line(w, "    g->head[side] = row;");
    cw_line(w, "g->tail[side] = row;");
}

static void emit_window_join(Emitter *em, CWriter *w, const JoinStage *n, const JoinKv *k)
{
    const char *G = k->group;
    cw_blank(w);
    cw_comment(w, true, "A record of side `side` arrives: appended to its key's group of its "
                        "window, the window made with its timer if it is new.");
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int side, const void *rec, "
               "int64_t ts)", n->names->arrive, n->names->state);
    open_block(w);
    cw_line(w, "int64_t fire_at = flow_time_add(probe->start, %s);", n->window_last);
    cw_open(w, "if (flow_operator_watermark(rt, %d) >= fire_at)", n->op);
    cw_comment(w, true, "Late: dropped and counted.");
    cw_line(w, "flow_late_record(rt);");
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "uint64_t hash = %s(probe);", n->names->hash);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *sp = flow_kv_space(rt, %d, probe->start, &%s, &made);", n->op,
            k->type);
    cw_line(w, "if (made)");
    cw_line(w, "    flow_timer_set(rt, %d, fire_at, sp);", n->op);
    emit_key_of(em, w, n, "sp", "probe", true);
    cw_line(w, "bool fresh;");
    cw_line(w, "%s *g = flow_kv_get(rt, sp, &fresh);", G);
    cw_line(w, "(void)fresh; /* a new group is zeroed: no rows */");
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", n->names->row);
    cw_line(w, "row->ts = ts;");
    emit_join_copy_record(w, n);
    emit_append(w, n);
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "A group of the window that fires: every left row with every right "
                        "row, in arrival order.");
    cw_line(w, "static void %s(FlowRuntime *rt, const void *state, int64_t start)", k->each);
    open_block(w);
    cw_line(w, "const %s *g = state;", G);
    cw_line(w, "int64_t time = flow_time_add(start, %s);", n->window_last);
    emit_join_window_pairs(w, n);
    cw_close(w, "");
    emit_kv_release(em, w, n->names->release, "window");
    cw_blank(w);
    cw_comment(w, true, "The window fires (end - 1ms): its groups in (key group, key) order, "
                        "then it goes.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "(void)time;");
    cw_line(w, "FlowKvSpace *sp = item;");
    cw_line(w, "flow_kv_each(rt, sp, %s);", k->each);
    cw_line(w, "flow_kv_space_delete(rt, sp);");
    cw_close(w, "");
}

static void emit_interval_join(Emitter *em, CWriter *w, const JoinStage *n, const JoinKv *k)
{
    const char *G = k->group, *row = n->names->row, *keep = n->keep;
    KvIndex x = {
        .enlist = k->enlist, .probe = n->names->state, .type = k->index, .types = n->keytypes,
        .nkey = n->nkey, .op = n->op, .span = "at", .timer = "span",
    };
    emit_kv_index_entry(em, w, &x);
    emit_kv_enlist(em, w, &x, "The key of `probe` is listed in the expiry index at `at`, when "
                              "a row of its group is due to go; a new time gets its timer.");

    cw_blank(w);
    cw_comment(w, true, "A record of side `side` arrives: paired with every row of the other "
                        "side of its key within the bound, then kept in its key's group until "
                        "the watermark reaches its time + within.");
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int side, const void *rec, "
               "int64_t ts)", n->names->arrive, n->names->state);
    open_block(w);
    cw_open(w, "if (ts <= flow_operator_watermark(rt, %d))", n->op);
    cw_comment(w, true, "Late: dropped and counted.");
    cw_line(w, "flow_late_record(rt);");
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "uint64_t hash = %s(probe);", n->names->hash);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", n->op,
            k->type);
    emit_key_of(em, w, n, "states", "probe", true);
    cw_line(w, "%s *g = flow_kv_find(rt, states);", G);
    if (n->outer)
        cw_line(w, "bool matched = false;");
    cw_open(w, "if (g && g->head[1 - side])");
    cw_comment(w, true, "The operators after the join may use the store: the group stays in "
                        "the cache while they run, and is looked up again after them.");
    cw_line(w, "flow_kv_space_pin(states, true);");
    emit_join_pairs(w, n);
    cw_line(w, "flow_kv_space_pin(states, false);");
    emit_key_of(em, w, n, "states", "probe", false);
    cw_line(w, "g = flow_kv_find(rt, states);");
    cw_close(w, "");
    cw_open(w, "if (!g)");
    cw_line(w, "g = flow_kv_make(rt, states);");
    cw_line(w, "g->listed = INT64_MAX;");
    cw_close(w, "");
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", row);
    cw_line(w, "row->ts = ts;");
    if (n->outer)
        cw_line(w, "row->matched = matched;");
    emit_join_copy_record(w, n);
    emit_append(w, n);
    cw_line(w, "int64_t due = flow_time_add(ts, %s);", keep);
    cw_comment(w, true, "Listed last: the index's lookup may evict the group.");
    cw_open(w, "if (due < g->listed)");
    cw_line(w, "g->listed = due;");
    cw_line(w, "%s(rt, *probe, hash, due);", k->enlist);
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, n->outer
        ? "A key listed at a time the watermark reached: the rows of its group the watermark "
          "is done with are taken out (every row of a side up to the first that is not due), "
          "the key is listed again at its oldest row left, or goes; then the rows taken out "
          "that never matched go out alone, with their own time, and are freed."
        : "A key listed at a time the watermark reached: the rows of its group the watermark "
          "is done with go (every row of a side up to the first that is not due: one that came "
          "out of order goes with a younger one), and the key is listed again at its oldest "
          "row left, or goes.");
    cw_line(w, "static void %s(FlowRuntime *rt, const void *item, int64_t time)", k->due);
    open_block(w);
    cw_line(w, "(void)time;");
    cw_line(w, "const %s *key = item;", n->names->state);
    cw_line(w, "uint64_t hash = %s(key);", n->names->hash);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", n->op,
            k->type);
    emit_key_of(em, w, n, "states", "key", true);
    cw_line(w, "%s *g = flow_kv_find(rt, states);", G);
    cw_line(w, "if (!g)");
    cw_line(w, "    return; /* its rows went already */");
    cw_line(w, "int64_t watermark = flow_operator_watermark(rt, %d);", n->op);
    cw_line(w, "%s *gone[2] = { NULL, NULL };", row);
    cw_line(w, "int64_t next = INT64_MAX;");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "%s **tail = &gone[side], *row;", row);
    cw_open(w, "while ((row = g->head[side]) && flow_time_add(row->ts, %s) <= watermark)", keep);
    cw_line(w, "g->head[side] = row->next;");
    cw_line(w, "row->next = NULL;");
    cw_line(w, "*tail = row;");
    cw_line(w, "tail = &row->next;");
    cw_close(w, "");
    cw_line(w, "if (!row)");
    cw_line(w, "    g->tail[side] = NULL;");
    cw_open(w, "else");
    if (n->outer)
        cw_line(w, "row->prev = NULL;");
    cw_line(w, "int64_t due = flow_time_add(row->ts, %s);", keep);
    cw_line(w, "if (due < next)");
    cw_line(w, "    next = due;");
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "g->listed = next;");
    cw_line(w, "if (next == INT64_MAX)");
    cw_line(w, "    flow_kv_delete(rt, states); /* the key written last: no lookup since */");
    cw_line(w, "else");
    cw_line(w, "    %s(rt, *key, hash, next);", k->enlist);
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_open(w, "for (%s *row = gone[side], *after; row; row = after)", row);
    cw_line(w, "after = row->next;");
    emit_join_alone(w, n);
    cw_line(w, "%s(side, row);", k->free_row);
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
    emit_kv_index_timers(em, w, n->names->release, n->names->fire, k->due);
}

void emit_join_kv_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = join_shape(em, st);
    JoinKv k = join_kv(em, &n);
    emit_structs(em, w, &n, &k);
    emit_value(em, w, &n, &k);
    emit_join_result_function(em, w, st, &n);
    if (n.windowed)
        emit_window_join(em, w, &n, &k);
    else
        emit_interval_join(em, w, &n, &k);
    emit_join_side_function(em, w, st, &n, 0);
    emit_join_side_function(em, w, st, &n, 1);
}

void emit_join_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = join_shape(em, st);
    if (!n.windowed) {
        emit_kv_index_snapshot(em, w, st, "interval join");
        return;
    }
    emit_kv_spaces_snapshot(w, st, arena_printf(em->arena, "Checkpoint of the window join at "
                                                "%s:%d: its windows in the firing order of "
                                                "their timers, each with the timer's time and "
                                                "its start. The groups are in the store's copy "
                                                "(docs/checkpoints.md).", em->plan->flow_file,
                                                n.jop->loc.line), false);
}

void emit_join_kv_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = join_shape(em, st);
    JoinKv k = join_kv(em, &n);
    if (!n.windowed) {
        emit_kv_index_restore(em, w, st, "interval join", k.type, k.index);
        return;
    }
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Restore of the window join at %s:%d, empty: "
                                     "each window is made again with its timer, in the order "
                                     "the timers were saved in; its groups are in the store.",
                                     em->plan->flow_file, n.jop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "FlowKvSpace *sp = flow_kv_space_restored(rt, op, flow_ckpt_get_i64(in), &%s);",
            k.type);
    cw_line(w, "if (sp) /* one timer per window, even if a corrupt checkpoint names it twice */");
    cw_line(w, "    flow_timer_set(rt, op, time, sp);");
    cw_close(w, "");
    cw_close(w, "");
}
