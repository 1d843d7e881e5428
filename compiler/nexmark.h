/* nexmark.h: the fields of the nexmark(...) source's three kinds, as the
 * checker matches a schema against them and the emitter calls the
 * functions of flow/nexmark.h that make them (docs/language.md, "nexmark"). */
#ifndef FLOWC_NEXMARK_H
#define FLOWC_NEXMARK_H

#include "ast.h"
#include "diag.h"

typedef struct NexmarkField {
    const char *name;
    const char *flink;    /* Flink's Nexmark SQL name when it differs (dateTime), else NULL */
    TypeKind type;
    /* The largest length of a string field, as the C macro of
     * flow/nexmark.h; NULL for the others. */
    const char *max;
} NexmarkField;

typedef struct NexmarkKind {
    const char *name;     /* the kind argument: person, auction, bid */
    const char *ckind;    /* FLOW_NX_PERSON, ... */
    const NexmarkField *fields;
    int nfields;
} NexmarkKind;

/* The kind a nexmark(...) connector's literal `kind` names, or NULL. */
const NexmarkKind *nexmark_kind_of(const Connector *c);
/* The field of kind k named `name` (or by Flink's Nexmark SQL name), or NULL. */
const NexmarkField *nexmark_field(const NexmarkKind *k, const char *name);
/* A nexmark source's `kind` is written out, and each field of its schema is
 * one of the kind's, of its type, never null: else errors at their places. */
void nexmark_check_source(Diag *d, const Decl *src, const Schema *s);

#endif
