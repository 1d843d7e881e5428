/* check_impl.h: what the checker's modules share: check.c (declarations,
 * connectors, streams and operators) and check_expr.c (names, types and
 * built-in functions inside expressions). Not for other passes. */
#ifndef FLOWC_CHECK_IMPL_H
#define FLOWC_CHECK_IMPL_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* A name declared so far, in declaration order; the first declaration of a
 * name wins, later ones are reported as duplicates and not entered. */
typedef struct ScopeEntry ScopeEntry;
struct ScopeEntry {
    const char *name;
    Decl *decl;
    ScopeEntry *next;
};

typedef struct Checker {
    Arena *arena;
    Diag *d;
    Program *prog;
    ScopeEntry *scope, *scope_tail;
    Decl *late, *late_tail; /* `late as` streams, appended to prog->decls at the end */
    /* The parser dropped declarations with syntax errors: a name nobody
     * declares may be one of theirs, so it is not reported as unknown, and
     * streams are not warned about (their sink may be among the dropped). */
    bool partial;
} Checker;

/* The record an expression reads. `schema` is NULL when it is unknown
 * because of an earlier error; nothing is then reported about fields.
 * `self` is the name a stream's own fields may be qualified with (its
 * `as ALIAS`, else its input's name): fields qualified by a join keep their
 * own qualifier, unqualified fields answer to `self`. */
typedef struct FieldScope {
    Schema *schema;
    const char *self;
} FieldScope;

/* Bit masks of DeclKind for lookups and "did you mean" candidates. */
#define KIND_BIT(k) (1u << (k))
#define STREAM_KINDS (KIND_BIT(DECL_SOURCE) | KIND_BIT(DECL_STREAM) | KIND_BIT(DECL_LATE_STREAM))

Decl *scope_lookup(Checker *c, const char *name);
/* Reports a second declaration of `name` (with a note at the first); true
 * when the name is still free. */
bool name_is_free(Checker *c, const char *name, Loc loc);
void scope_add(Checker *c, const char *name, Decl *d);
/* Resolves `ref` to a declaration whose kind is in `kinds`, reporting why
 * not: unknown (with "did you mean"), of another kind, the declaring stream
 * `self` itself, or declared only further down. `what` names the kinds
 * wanted in messages. Sets ref->decl. */
Decl *resolve_ref(Checker *c, NameRef *ref, unsigned kinds, const char *what, Decl *self);
/* NULL-terminated names of the declarations so far whose kind is in `kinds`. */
const char **scope_names(Checker *c, unsigned kinds);
const char *decl_kind_name(DeclKind kind); /* "schema", "stream", ... */

/* `unknown WHAT 'NAME'`, with " (did you mean 'X'?)" when a candidate is close. */
void report_unknown(Checker *c, Loc loc, const char *what, const char *name,
                    const char *const *candidates);

bool type_is_numeric(TypeKind t);
bool type_is_integer(TypeKind t);
/* The common type of two types under implicit widening, or TY_ERROR. */
TypeKind type_unify(TypeKind a, TypeKind b);
/* Whether a value of type `from` may be used where `to` is expected. */
bool type_widens_to(TypeKind from, TypeKind to);
/* A type name as written in a schema or param, or TY_ERROR. */
TypeKind type_from_name(const char *name);
extern const char *const type_names[]; /* NULL-terminated, for "did you mean" */

/* Reports "float64 field 'F' cannot be a key" and returns true for a float64. */
bool report_float_key(Checker *c, Loc loc, const char *field, TypeKind t);

/* Resolves the param a clause's duration names (docs/language.md,
 * "Durations from params"): it must be a param of type duration, whose
 * default then stands for the value in the checks. */
void check_duration_arg(Checker *c, DurationArg *arg);
/* Reports the rules that do not hold (durations.h), at `loc`, naming the
 * param whose default breaks one. */
struct DurRule;
void check_duration_rules(Checker *c, Loc loc, const struct DurRule *rules, int n);

/* Checks a `stream` declaration (check_stream.c): its input, every operator,
 * the schema after each, and the `late as` streams its windows declare. */
void check_stream(Checker *c, Decl *d);

/* Type `e` against the record of `fs`; sets every Expr.type and resolves
 * names and functions. Returns TY_ERROR, after exactly one error, when the
 * expression is wrong, and silently when one of its parts already was. */
TypeKind check_expr(Checker *c, const FieldScope *fs, Expr *e);
/* A call of a string function or LIKE whose arguments are checked: its
 * type (check_fn_string.c). */
TypeKind check_string_call(Checker *c, Expr *e);

/* Resolve an EX_NAME to a field of fs->schema. Returns the index, or -1 after
 * reporting why (unknown, ambiguous). When `allow_param` is true and no field
 * matches an unqualified name, a param of that name is taken instead (sets
 * NAME_PARAM and returns -1 without error). */
int resolve_field_name(Checker *c, const FieldScope *fs, Expr *e, bool allow_param);

/* Whether a qualified or plain name could denote a field of fs->schema: used
 * to tell which side of a join a key expression belongs to. */
bool scope_has_field(const FieldScope *fs, const char *qualifier, const char *name);

/* The time functions' calls (check_time.c): date_trunc, year ... day_of_week,
 * format_timestamp, parse_timestamp; the arguments are typed already. */
TypeKind check_time_call(Checker *c, Expr *e);

#endif
