/* emit_window_kv_session.c: the C of a keyed session window in a `state
 * rocksdb` program, whose state lives in the runtime's store (flow/kv.h,
 * docs/checkpoints.md "A session window in the store") instead of a
 * FlowTable of malloc'd sessions.
 *
 * A key's value in the store is its open sessions: the earliest in the
 * value's struct, the later ones after it by `next` (malloc'd), in order of
 * start, as with state memory. Their timers are an expiry index as a
 * dedupe's (emit_kv_index.c): a space per millisecond of time in which a
 * session is due, holding the keys listed there, one timer per space. A
 * session is listed when it is made, at its end - 1ms; one that grew since
 * is listed again when that time comes (as the memory version's timer is
 * set again), one that fired with a lateness at the end of its lateness.
 * A key is listed again, at the earliest time one of its sessions is due,
 * at each visit; a listing that finds nothing due (a session merged into a
 * later one) does nothing.
 *
 * Per stage the generated file has:
 * - the session struct (start, last, due, fired, next, then emit_window.c's
 *   members), its value in RocksDB (the list), its release and owned bytes;
 *   the struct of an index entry (the key fields) and its codec;
 * - the merge of a session into the later one a record bridges it to, and
 *   with a lateness the copy of a session whose results go out while it is
 *   kept;
 * - the stage function: the key's sessions found in the store (nothing made
 *   for a late or a bad record), the record's session made, extended or
 *   merged as with state memory, a new one listed;
 * - the visit of a listed key, and the fire function of an index space;
 * - snapshot and restore: the index spaces and their timers, as the store's
 *   copy holds the sessions and the index. */
#include <inttypes.h>

#include "emit_aggregate.h"
#include "emit_window.h"

/* The names of the functions and types this file adds to a stage's. */
typedef struct SessionKv {
    const char *key, *type, *index, *encode, *decode, *release_state, *owned, *drop, *copy, *due,
        *enlist;
    const char *gap, *gap1; /* the gap's C text, and of gap - 1 */
} SessionKv;

static SessionKv session_kv(Emitter *em, const WindowStage *n)
{
    Arena *a = em->arena;
    const char *s = n->names->state;
    return (SessionKv){
        .key = arena_printf(a, "%s_key", s),
        .type = arena_printf(a, "%s_kv", s),
        .index = arena_printf(a, "%s_index", s),
        .encode = arena_printf(a, "%s_encode", s),
        .decode = arena_printf(a, "%s_decode", s),
        .release_state = arena_printf(a, "%s_release", s),
        .owned = arena_printf(a, "%s_owned", s),
        .drop = arena_printf(a, "%s_drop", s),
        .copy = arena_printf(a, "%s_copy", s),
        .due = arena_printf(a, "%s_due", s),
        .enlist = arena_printf(a, "%s_enlist", s),
        .gap = dur_plus(a, n->gap, 0),
        .gap1 = dur_plus(a, n->gap, -1),
    };
}

/* The expiry index: a space per due millisecond listing keys. */
static KvIndex session_index(const WindowStage *n, const SessionKv *k)
{
    return (KvIndex){
        .enlist = k->enlist, .probe = k->key, .type = k->index, .types = n->keytypes,
        .nkey = n->wop->nkey, .op = n->op, .span = "at", .timer = "span",
    };
}

/* The session struct and the index entry's, with the hash of the key. */
static void emit_structs(Emitter *em, CWriter *w, const WindowStage *n, const SessionKv *k)
{
    Arena *a = em->arena;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "State of the session window at %s:%d, in the state "
                                     "store (flow/kv.h): a key's value is its open sessions, "
                                     "the earliest in the value, the others after it by "
                                     "`next` (malloc'd), in order of start (sessions never "
                                     "overlap).", em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", n->names->state);
    cw_line(w, "int64_t start;  /* the session is [start, last + %s) */",
            n->gap.var ? n->wop->window.gap.param : arena_printf(a, "%" PRId64, n->gap.ms));
    cw_line(w, "int64_t last;");
    cw_line(w, "int64_t due;    /* the time the index lists the key for it: at or before its "
               "end - 1ms, once fired the end of its lateness */");
    cw_line(w, "bool fired;     /* its result was emitted; kept for lateness */");
    cw_line(w, "struct %s *next;", n->names->state);
    window_state_members(em, w, n, "session");
    cw_blank(w);
    cw_comment(w, true, "A key of the expiry index, and the key a record looks up.");
    cw_open(w, "typedef struct %s", k->key);
    emit_key_members(w, n->window);
    if (n->wop->nkey == 0)
        cw_line(w, "char unused; /* no key fields: one key */");
    cw_close(w, arena_printf(a, " %s;", k->key));
    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, k->key, n->keytypes, n->wop->nkey, NULL);
}

/* The value's codec (the sessions, each with the checkpoint's encoding of
 * its members), release and owned bytes, and its FlowKvType. */
static void emit_value(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                       const SessionKv *k)
{
    const char *S = n->names->state;
    cw_blank(w);
    cw_comment(w, true, "Its value in RocksDB: the number of sessions, then each one's times "
                        "and the checkpoint's encoding of its members.");
    cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", k->encode);
    open_block(w);
    cw_line(w, "int64_t n = 0;");
    cw_line(w, "for (const %s *x = state; x; x = x->next)", S);
    cw_line(w, "    n++;");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (const %s *x = state; x; x = x->next)", S);
    cw_line(w, "flow_ckpt_put_i64(out, x->start);");
    cw_line(w, "flow_ckpt_put_i64(out, x->last);");
    cw_line(w, "flow_ckpt_put_i64(out, x->due);");
    cw_line(w, "flow_ckpt_put_bool(out, x->fired);");
    emit_window_ckpt_values(em, w, st, "x", false);
    cw_close(w, "");
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static void %s(FlowCkptIn *in, void *state)", k->decode);
    open_block(w);
    cw_line(w, "%s *x = state;", S);
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_open(w, "if (i > 0)");
    cw_line(w, "x->next = flow_state_alloc(sizeof *x);");
    cw_line(w, "x = x->next;");
    cw_close(w, "");
    cw_line(w, "x->start = flow_ckpt_get_i64(in);");
    cw_line(w, "x->last = flow_ckpt_get_i64(in);");
    cw_line(w, "x->due = flow_ckpt_get_i64(in);");
    cw_line(w, "x->fired = flow_ckpt_get_bool(in);");
    emit_window_ckpt_values(em, w, st, "x", true);
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "A session out of the store's value: what it owns, then itself.");
    cw_line(w, "static void %s(%s *s)", k->drop, S);
    open_block(w);
    window_entry_release(w, n, "s");
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static void %s(void *state)", k->release_state);
    open_block(w);
    cw_line(w, "%s *s = state;", S);
    window_entry_release(w, n, "s");
    cw_open(w, "for (%s *x = s->next, *next; x; x = next)", S);
    cw_line(w, "next = x->next;");
    cw_line(w, "%s(x);", k->drop);
    cw_close(w, "");
    cw_close(w, "");
    cw_blank(w);
    cw_comment(w, true, "The bytes it owns, which the store's cache counts: the later sessions "
                        "and what each session owns.");
    cw_line(w, "static size_t %s(const void *state)", k->owned);
    open_block(w);
    cw_line(w, "const %s *s = state;", S);
    cw_line(w, "size_t n = 0;");
    cw_open(w, "for (const %s *x = s; x; x = x->next)", S);
    cw_line(w, "if (x != s)");
    cw_line(w, "    n += sizeof *x;");
    emit_key_bytes(w, n->keytypes, n->wop->nkey, "x");
    agg_emit_owned_bytes(w, n->items, "x");
    cw_close(w, "");
    cw_line(w, "return n;");
    cw_close(w, "");
    emit_kv_type(w, k->type, S, k->encode, k->decode, k->release_state, k->owned, false);
}

/* merge(dst, src): the session a record bridged to the later one goes into
 * it (copies of its strings: it is released after); with a lateness,
 * copy(s): a session whose result goes out while it stays in the store. */
static void emit_merge_copy(Emitter *em, CWriter *w, const WindowStage *n, const SessionKv *k)
{
    const char *S = n->names->state;
    cw_blank(w);
    cw_line(w, "static void %s(%s *dst, const %s *src)", n->names->merge, S, S);
    open_block(w);
    cw_line(w, "bool first = dst->count == 0;");
    cw_line(w, "dst->count += src->count;");
    agg_emit_merge(em, w, n->items, true, true);
    cw_close(w, "");
    if (!n->late || !n->results)
        return;
    cw_blank(w);
    cw_comment(w, true, "A copy of session s that owns its own strings and sets: its result "
                        "goes out after the store is done with s.");
    cw_line(w, "static %s *%s(const %s *s)", S, k->copy, S);
    open_block(w);
    cw_line(w, "%s *c = flow_state_alloc(sizeof *c);", S);
    cw_line(w, "c->start = s->start;");
    cw_line(w, "c->last = s->last;");
    for (int i = 0; i < n->wop->nkey; i++)
        cw_line(w, n->keytypes[i] == TY_STRING ? "c->key%d = flow_str_keep(s->key%d);"
                                               : "c->key%d = s->key%d;", i, i);
    cw_line(w, "%s(c, s);", n->names->merge);
    cw_line(w, "return c;");
    cw_close(w, "");
}

/* The key of `key` (a pointer) into the writer of a key of `space`. */
static void emit_key_into(Emitter *em, CWriter *w, const WindowStage *n, const char *space,
                          const char *hash)
{
    if (n->wop->nkey == 0) {
        cw_line(w, "flow_kv_key(rt, %s, %s); /* no key fields */", space, hash);
        return;
    }
    cw_line(w, "FlowCkptOut *out = flow_kv_key(rt, %s, %s);", space, hash);
    emit_ckpt_put_key(em->arena, w, n->keytypes, n->wop->nkey, "key");
}

/* The visit of a listed key, and the fire and release of an index span. */
static void emit_due(Emitter *em, CWriter *w, const WindowStage *n, const SessionKv *k)
{
    Arena *a = em->arena;
    const char *S = n->names->state;
    KvIndex x = session_index(n, k);
    emit_kv_enlist(em, w, &x, "The key of `probe` is listed in the expiry index at `at`, when "
                              "one of its sessions is due; a new time gets its timer.");
    cw_blank(w);
    cw_comment(w, true, n->late
        ? "A key listed at `time`, which the watermark reached: each of its sessions due by "
          "then fires (at end - 1ms), is listed again at its new end - 1ms (it grew) or at the "
          "end of its lateness (it fired), or goes. The store's value is done with before the "
          "results go out, from the sessions taken out of it or copies; the key is listed "
          "again at the earliest time a session of it is due."
        : "A key listed at `time`, which the watermark reached: each of its sessions due by "
          "then fires (at end - 1ms) and goes, or is listed again at its new end - 1ms (it "
          "grew). The store's value is done with before the results go out, from the "
          "sessions taken out of it; the key is listed again at the earliest time a session "
          "of it is due.");
    cw_line(w, "static void %s(FlowRuntime *rt, const void *item, int64_t time)", k->due);
    open_block(w);
    cw_line(w, "const %s *key = item;", k->key);
    cw_line(w, "uint64_t hash = %s(key);", n->names->hash);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", n->op,
            k->type);
    emit_key_into(em, w, n, "states", "hash");
    cw_line(w, "%s *head = flow_kv_find(rt, states);", S);
    cw_line(w, "if (!head)");
    cw_line(w, "    return; /* its sessions went already */");
    cw_comment(w, true, "The sessions as a list of their own while they change; the first "
                        "goes back into the value.");
    cw_line(w, "%s *list = flow_state_alloc(sizeof *list);", S);
    cw_line(w, "*list = *head;");
    cw_line(w, "*head = (%s){ 0 };", S);
    cw_line(w, "%s *done = NULL, **tail = &done; /* the results, oldest first */", S);
    cw_line(w, "int64_t next_due = INT64_MAX;");
    cw_open(w, "for (%s **at = &list; *at;)", S);
    cw_line(w, "%s *s = *at;", S);
    cw_open(w, "if (s->due <= time)");
    cw_line(w, "int64_t fire_at = flow_time_add(s->last, %s);", k->gap1);
    if (n->late) {
        cw_line(w, "int64_t free_at = flow_time_add(fire_at, %s);",
                dur_plus(a, n->lateness, 0));
        cw_open(w, "if (!s->fired && time >= fire_at)");
        cw_line(w, "s->fired = true;");
        cw_open(w, "if (time >= free_at)");
        cw_comment(w, true, "Fired and past its lateness at once: taken out for its result.");
        cw_line(w, "*at = s->next;");
        cw_line(w, "s->next = NULL;");
        cw_line(w, "*tail = s;");
        cw_line(w, "tail = &s->next;");
        cw_line(w, "continue;");
        cw_close(w, "");
        if (n->results) {
            cw_line(w, "*tail = %s(s);", k->copy);
            cw_line(w, "tail = &(*tail)->next;");
        }
        cw_close(w, "");
        cw_open(w, "if (s->fired && time >= free_at)");
        cw_line(w, "*at = s->next;");
        cw_line(w, "%s(s);", k->drop);
        cw_line(w, "continue;");
        cw_close(w, "");
        cw_line(w, "s->due = s->fired ? free_at : fire_at;");
    } else {
        cw_open(w, "if (time >= fire_at)");
        cw_line(w, "*at = s->next;");
        cw_line(w, "s->next = NULL;");
        cw_line(w, "*tail = s;");
        cw_line(w, "tail = &s->next;");
        cw_line(w, "continue;");
        cw_close(w, "");
        cw_line(w, "s->due = fire_at; /* it grew since it was listed */");
    }
    cw_close(w, "");
    cw_line(w, "if (s->due < next_due)");
    cw_line(w, "    next_due = s->due;");
    cw_line(w, "at = &s->next;");
    cw_close(w, "");
    cw_open(w, "if (list)");
    cw_line(w, "*head = *list;");
    cw_line(w, "flow_state_free(list);");
    cw_close(w, "");
    cw_open(w, "else");
    cw_line(w, "flow_kv_delete(rt, states); /* the key written last: no lookup since */");
    cw_close(w, "");
    cw_line(w, "if (next_due != INT64_MAX)");
    cw_line(w, "    %s(rt, *key, hash, next_due);", k->enlist);
    cw_open(w, "for (%s *s = done, *next; s; s = next)", S);
    cw_line(w, "next = s->next;");
    if (n->results)
        cw_line(w, "%s", window_result_call(n, "s", "s->start", "time"));
    cw_line(w, "%s(s);", k->drop);
    cw_close(w, "");
    cw_close(w, "");

    emit_kv_index_timers(em, w, n->names->release, n->names->fire, k->due);
}

/* The record's session, made (the key's first in the store's value, one
 * before the earliest, which moves out of the value, or one after it),
 * extended, or merged with the later one when the record bridges the two. */
static void emit_find_or_make(Body *b, const WindowStage *n, const SessionKv *k)
{
    CWriter *bw = &b->w;
    const char *S = n->names->state;
    cw_line(bw, "bool fresh = s == NULL;");
    cw_open(bw, "if (fresh)");
    cw_open(bw, "if (!head)");
    cw_line(bw, "s = flow_kv_make(rt, states); /* the key's first session */");
    cw_close(bw, "");
    cw_open(bw, "else if (!prev)");
    cw_comment(bw, true, "Before the key's earliest session, which moves out of the value.");
    cw_line(bw, "%s *moved = flow_state_alloc(sizeof *moved);", S);
    cw_line(bw, "*moved = *head;");
    cw_line(bw, "*head = (%s){ .next = moved };", S);
    cw_line(bw, "s = head;");
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->next = next;");
    cw_line(bw, "prev->next = s;");
    cw_close(bw, "");
    cw_line(bw, "s->start = s->last = ts;");
    emit_key_keep(bw, n->keytypes, n->wop->nkey);
    if (n->late) {
        cw_comment(bw, true, "A session that starts after its end - 1ms (within the lateness) "
                             "fires at once.");
        cw_line(bw, "s->fired = watermark >= fire_at;");
        cw_line(bw, "s->due = s->fired ? free_at : fire_at;");
    } else {
        cw_line(bw, "s->due = fire_at;");
    }
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "if (ts < s->start)");
    cw_line(bw, "    s->start = ts;");
    cw_line(bw, "if (ts > s->last)");
    cw_line(bw, "    s->last = ts;");
    cw_line(bw, "%s *later = s->next;", S);
    cw_open(bw, "if (later && later->start < flow_time_add(s->last, %s))", k->gap);
    cw_comment(bw, true, "The record bridges two sessions: this one joins the later one, which "
                         "takes its place (the value's struct when this one is the earliest).");
    cw_line(bw, "%s(later, s);", n->names->merge);
    cw_line(bw, "later->start = s->start;");
    cw_open(bw, "if (prev)");
    cw_line(bw, "prev->next = later;");
    cw_line(bw, "%s(s);", k->drop);
    cw_line(bw, "s = later;");
    cw_close(bw, "");
    cw_open(bw, "else");
    window_entry_release(bw, n, "s");
    cw_line(bw, "*s = *later;");
    cw_line(bw, "flow_state_free(later);");
    cw_close(bw, "");
    cw_close(bw, "");
    cw_close(bw, "");
}

static void emit_input(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                       const SessionKv *k)
{
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    const char *S = n->names->state;
    cw_line(bw, "%s probe = { 0 };", k->key);
    emit_key_probe(&b, n->window);
    cw_line(bw, "uint64_t hash = %s(&probe);", n->names->hash);
    cw_comment(bw, true, "The key's sessions in the store; nothing is made before the record "
                         "is known to be neither late nor bad.");
    cw_line(bw, "bool made;");
    cw_line(bw, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", n->op,
            k->type);
    if (n->wop->nkey)
        cw_line(bw, "const %s *key = &probe;", k->key);
    emit_key_into(em, bw, n, "states", "hash");
    cw_line(bw, "%s *head = flow_kv_find(rt, states);", S);
    cw_comment(bw, true, "The record's own session would be [ts, ts + gap): it joins the key's "
                         "sessions that overlap it, at most two as sessions are at least gap "
                         "apart.");
    cw_line(bw, "int64_t reach = flow_time_add(ts, %s);", k->gap);
    cw_line(bw, "%s *prev = NULL, *s = head;", S);
    cw_open(bw, "while (s && s->start < reach && flow_time_add(s->last, %s) <= ts)", k->gap);
    cw_line(bw, "prev = s;");
    cw_line(bw, "s = s->next;");
    cw_close(bw, "");
    cw_line(bw, "%s *next = s;", S);
    cw_line(bw, "if (s && s->start >= reach)");
    cw_line(bw, "    s = NULL;");
    cw_line(bw, "int64_t fire_at = flow_time_add(s && s->last > ts ? s->last : ts, %s);",
            k->gap1);
    window_free_at(&b, n, "fire_at");
    window_late_test(&b, n);
    window_arguments(&b, n);
    emit_find_or_make(&b, n, k);
    cw_line(bw, "int64_t due = s->due;");
    window_accumulate(&b, n);
    window_updated_result(&b, n, "s->fired", "s->start");
    cw_comment(bw, true, "A new session is listed at its due time, last: the index's lookup "
                         "may evict the value.");
    cw_line(bw, "if (fresh)");
    cw_line(bw, "    %s(rt, probe, hash, due);", k->enlist);
    window_input_end(em, w, st, n, &b);
}

void emit_window_kv_session(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    SessionKv k = session_kv(em, &n);
    emit_structs(em, w, &n, &k);
    emit_value(em, w, st, &n, &k);
    KvIndex x = session_index(&n, &k);
    emit_kv_index_entry(em, w, &x);
    if (n.results)
        window_result_function(em, w, st, &n);
    emit_merge_copy(em, w, &n, &k);
    emit_due(em, w, &n, &k);
    emit_input(em, w, st, &n, &k);
}

void emit_window_kv_session_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    emit_kv_index_snapshot(em, w, st, "session window");
}

void emit_window_kv_session_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    SessionKv k = session_kv(em, &n);
    emit_kv_index_restore(em, w, st, "session window", k.type, k.index);
}
