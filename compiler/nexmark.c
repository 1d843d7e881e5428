/* nexmark.c: the table of the nexmark(...) source's kinds and fields
 * (nexmark.h) and the checks of a schema read from it. */
#include "nexmark.h"

#include <stdio.h>
#include <string.h>

static const NexmarkField person_fields[] = {
    { "id", NULL, TY_INT64, NULL },
    { "name", NULL, TY_STRING, "FLOW_NX_NAME_MAX" },
    { "email_address", "emailAddress", TY_STRING, "FLOW_NX_EMAIL_MAX" },
    { "credit_card", "creditCard", TY_STRING, "FLOW_NX_CARD_MAX" },
    { "city", NULL, TY_STRING, "FLOW_NX_CITY_MAX" },
    { "state", NULL, TY_STRING, "FLOW_NX_STATE_MAX" },
    { "date_time", "dateTime", TY_TIMESTAMP, NULL },
    { "extra", NULL, TY_STRING, "FLOW_NX_PERSON_EXTRA_MAX" },
};
static const NexmarkField auction_fields[] = {
    { "id", NULL, TY_INT64, NULL },
    { "item_name", "itemName", TY_STRING, "FLOW_NX_ITEM_MAX" },
    { "description", NULL, TY_STRING, "FLOW_NX_DESC_MAX" },
    { "initial_bid", "initialBid", TY_INT64, NULL },
    { "reserve", NULL, TY_INT64, NULL },
    { "date_time", "dateTime", TY_TIMESTAMP, NULL },
    { "expires", NULL, TY_TIMESTAMP, NULL },
    { "seller", NULL, TY_INT64, NULL },
    { "category", NULL, TY_INT64, NULL },
    { "extra", NULL, TY_STRING, "FLOW_NX_AUCTION_EXTRA_MAX" },
};
static const NexmarkField bid_fields[] = {
    { "auction", NULL, TY_INT64, NULL },
    { "bidder", NULL, TY_INT64, NULL },
    { "price", NULL, TY_INT64, NULL },
    { "channel", NULL, TY_STRING, "FLOW_NX_CHANNEL_MAX" },
    { "url", NULL, TY_STRING, "FLOW_NX_URL_MAX" },
    { "date_time", "dateTime", TY_TIMESTAMP, NULL },
    { "extra", NULL, TY_STRING, "FLOW_NX_BID_EXTRA_MAX" },
};

#define FIELDS(a) a, (int)(sizeof a / sizeof a[0])
static const NexmarkKind kinds[] = {
    { "person", "FLOW_NX_PERSON", FIELDS(person_fields) },
    { "auction", "FLOW_NX_AUCTION", FIELDS(auction_fields) },
    { "bid", "FLOW_NX_BID", FIELDS(bid_fields) },
};

static const Expr *kind_arg(const Connector *c)
{
    for (const ConnArg *a = c->args; a; a = a->next)
        if (strcmp(a->key, "kind") == 0)
            return a->value;
    return NULL;
}

/* The word as written (`kind = bid` or `kind = "bid"`), NULL for a param. */
static const char *kind_word(const Expr *v)
{
    if (v && v->kind == EX_STRING)
        return v->string.chars;
    if (v && v->kind == EX_NAME && v->name.kind != NAME_PARAM)
        return v->name.name;
    return NULL;
}

const NexmarkKind *nexmark_kind_of(const Connector *c)
{
    const char *word = kind_word(kind_arg(c));
    for (int i = 0; word && i < (int)(sizeof kinds / sizeof kinds[0]); i++)
        if (strcmp(kinds[i].name, word) == 0)
            return &kinds[i];
    return NULL;
}

const NexmarkField *nexmark_field(const NexmarkKind *k, const char *name)
{
    for (int i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, name) == 0 ||
            (k->fields[i].flink && strcmp(k->fields[i].flink, name) == 0))
            return &k->fields[i];
    return NULL;
}

static const char *field_list(char *buf, size_t size, const NexmarkKind *k)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < k->nfields && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", k->fields[i].name);
    return buf;
}

void nexmark_check_source(Diag *d, const Decl *src, const Schema *s)
{
    const Connector *c = &src->source.conn;
    const Expr *v = kind_arg(c);
    if (!v)
        return; /* the connector check reports the missing argument */
    if (!kind_word(v)) {
        diag_error(d, v->loc, "nexmark's 'kind' must be written out (person, auction or bid), "
                   "not a param: it decides the schema's fields");
        return;
    }
    const NexmarkKind *k = nexmark_kind_of(c);
    if (!k || !s)
        return; /* a bad word is reported by the connector check */
    char names[256];
    for (int i = 0; i < s->nfields; i++) {
        const Field *f = &s->fields[i];
        const NexmarkField *nf = nexmark_field(k, f->name);
        if (f->type == TY_ERROR)
            continue;
        if (!nf)
            diag_error(d, f->loc, "a nexmark %s has no field '%s' (its fields: %s)", k->name,
                       f->name, field_list(names, sizeof names, k));
        else if (nf->type != f->type)
            diag_error(d, f->loc, "field '%s' of a nexmark %s is %s, not %s", f->name, k->name,
                       type_name(nf->type), type_name(f->type));
        else if (f->optional)
            diag_error(d, f->loc, "field '%s' of a nexmark %s is never null: drop the '?'",
                       f->name, k->name);
    }
}
