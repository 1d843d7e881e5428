/* emit_aggregate.h: the C of the accumulators of an `aggregate`'s items
 * (aggregates.h), for every operator that keeps one state struct per group:
 * item I keeps members accI... in it (and accI_n, the values that were not
 * null, when its argument may be null), which its state pointer `s` names
 * (docs/generated-code.md, "Accumulators"). */
#ifndef FLOWC_EMIT_AGGREGATE_H
#define FLOWC_EMIT_AGGREGATE_H

#include "emit_impl.h"

/* The accumulators' members of the state struct, one or more per item. */
void agg_emit_members(CWriter *w, const Item *items);
/* Whether an accumulator owns memory (a copied string, a set of values). */
bool agg_owns_memory(const Item *items);
/* Releases what the accumulators of the state `s` own. */
void agg_emit_release(CWriter *w, const Item *items, const char *s);
/* Adds the bytes the accumulators of the state `s` own to the local `n`. */
void agg_emit_owned_bytes(CWriter *w, const Item *items, const char *s);
/* The items' arguments arg0.. of the record `in` (of type `rec`), declared
 * before the state is touched, so that a record whose argument fails
 * changes nothing; `loc` is the aggregate's. */
void agg_emit_arguments(Body *b, const Item *items, const PlanType *rec, Loc loc);
/* The record's arguments go into the accumulators of `s`, a local whose
 * `count` already counts it; the local `fresh` says s is new. */
void agg_emit_accumulate(Body *b, const Item *items);
/* The body of merge(dst, src) after `first` (dst had no record) and the
 * counts: the accumulators of src go into those of dst. `session`: dst is a
 * later session absorbing the earlier src; else dst is a sliding window's
 * result, put together from its panes oldest first. `keep`: dst keeps
 * copies of src's strings (a session's; a sliding window's in the store,
 * whose panes' states read back live only for the call), else it borrows
 * them. */
void agg_emit_merge(Emitter *em, CWriter *w, const Item *items, bool session, bool keep);
/* A merged state that borrows its strings owns only its distinct-value
 * sets: frees those of the state `s` (a struct, not a pointer). */
void agg_emit_free_merged(CWriter *w, const Item *items, const char *s);
/* rec's members out->members[first..] take the results of the state `s`. */
void agg_emit_results(Emitter *em, CWriter *w, const Item *items, const PlanType *out,
                      int first);
/* The checkpoint's put (or, with `restore`, get) of the accumulators of
 * `s`, in the order agg_emit_members declares them. */
void agg_emit_ckpt_values(Emitter *em, CWriter *w, const Item *items, const char *s,
                          bool restore);

/* An updating aggregate of a changelog keeps each row key's last values
 * (docs/language.md, "Aggregates of a changelog") in a row struct: members
 * valI, one per item that has an argument (for a count, whether it was not
 * null), which the row pointer `r` names. Only count, sum and avg retract
 * (the checker refuses the others). */
void agg_emit_row_members(CWriter *w, const Item *items);
/* The accumulators of the local `s` take back the values of the row `r`
 * (the caller takes back its count). */
void agg_emit_retract(Body *b, const Item *items, const char *r);
/* The row `r` keeps the record's arguments, as agg_emit_arguments made them. */
void agg_emit_keep_row(Body *b, const Item *items, const char *r);
/* The checkpoint's put (or, with `restore`, get) of the values of `r`. */
void agg_emit_ckpt_row(Arena *a, CWriter *w, const Item *items, const char *r, bool restore);

/* The last result an operator emitted, kept so that a result equal to it is
 * not emitted again (updating aggregates, early window results): members
 * outI of the state `s`, one per item, of the type of the result record's
 * field first + I, strings copied. */
void agg_emit_last_members(CWriter *w, const Item *items, const PlanType *out, int first);
/* Releases the copies the last result of `s` keeps. */
void agg_emit_last_release(Arena *a, CWriter *w, const Item *items, const PlanType *out,
                           int first, const char *s);
/* The test that the results of the local record `rec` equal the last ones of `s`
 * (a nan equals a nan); NULL without items. */
const char *agg_same_as_last(Arena *a, const Item *items, const PlanType *out, int first,
                             const char *s);
/* The last results of `s` become those of `rec`, strings copied. */
void agg_emit_keep_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *s);
/* dst's last results become copies of src's (dst's released before). */
void agg_emit_copy_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *dst, const char *src);
/* The checkpoint's put (or, with `restore`, get) of the last results of `s`. */
void agg_emit_ckpt_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *s, bool restore);

#endif
