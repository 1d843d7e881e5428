/* json.c: a validating single-pass JSON object parser. Unknown members are
 * still parsed (so a string holding braces cannot fool it) but nothing is
 * kept of them; members on the fields' paths are followed into nested
 * objects; nesting is limited so hostile input cannot exhaust the stack. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

typedef struct Cursor {
    const char *p, *start, *end;
    char *u;            /* next free byte of the decode buffer */
    const char *error;  /* first error */
    const char *error_at;
} Cursor;

/* The node of member `name` under `parent`, made when there is none. */
static int path_node(JsonParser *jp, int parent, const char *name, size_t len)
{
    for (int i = 0; i < jp->nnodes; i++)
        if (jp->nodes[i].parent == parent && jp->nodes[i].len == len &&
            memcmp(jp->nodes[i].name, name, len) == 0)
            return i;
    jp->nodes[jp->nnodes] = (JsonNode){ name, len, parent, -1, false };
    return jp->nnodes++;
}

void flowrt_json_init(JsonParser *jp, const char *const *names, int nfields)
{
    memset(jp, 0, sizeof *jp);
    jp->nfields = nfields;
    size_t nodes = 1;
    for (int i = 0; i < nfields; i++)
        for (const char *p = names[i]; *p; p++)
            nodes += *p == '.';
    jp->nodes = malloc((nodes + (size_t)nfields) * sizeof *jp->nodes);
    if (!jp->nodes) {
        fprintf(stderr, "flow: out of memory (JSON parser)\n");
        abort();
    }
    for (int i = 0; i < nfields; i++) {
        int node = -1;
        for (const char *p = names[i];;) {
            const char *dot = strchr(p, '.');
            size_t len = dot ? (size_t)(dot - p) : strlen(p);
            node = path_node(jp, node, p, len);
            if (!dot)
                break;
            jp->nodes[node].inner = true;
            p = dot + 1;
        }
        jp->nodes[node].field = i;
    }
}

void flowrt_json_free(JsonParser *jp)
{
    free(jp->nodes);
    free(jp->unq);
    jp->nodes = NULL;
    jp->unq = NULL;
}

static bool fail(Cursor *c, const char *why)
{
    if (!c->error) {
        c->error = why;
        c->error_at = c->p;
    }
    return false;
}

static void skip_ws(Cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d;
        char ch = p[i];
        if (ch >= '0' && ch <= '9')
            d = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            d = ch - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static char *put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* A string at c->p (on its opening quote). Its decoded bytes end up at
 * *out: in the line itself when it has no escapes, else in the buffer. An
 * escape never decodes to more bytes than it takes (\uXXXX: 6 bytes for at
 * most 3; a pair: 12 for 4), so the buffer never outgrows the line. */
static bool parse_string(Cursor *c, const char **out, size_t *out_len)
{
    const char *p = ++c->p, *end = c->end;
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    if (p < end && *p == '"') {
        *out = c->p;
        *out_len = (size_t)(p - c->p);
        c->p = p + 1;
        return true;
    }
    char *o = c->u, *ostart = o;
    memcpy(o, c->p, (size_t)(p - c->p));
    o += p - c->p;
    for (;;) {
        if (p == end) {
            c->p = p;
            return fail(c, "unterminated string");
        }
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            break;
        if (ch < 0x20) {
            c->p = p;
            return fail(c, "control character in a string");
        }
        if (ch != '\\') {
            *o++ = (char)ch;
            p++;
            continue;
        }
        if (end - p < 2) {
            c->p = p;
            return fail(c, "unterminated string");
        }
        char e = p[1];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            *o++ = decoded[simple - "\"\\/bfnrt"];
            p += 2;
            continue;
        }
        if (e != 'u') {
            c->p = p;
            return fail(c, "invalid escape in a string");
        }
        int cp = end - p >= 6 ? hex4(p + 2) : -1;
        if (cp < 0) {
            c->p = p;
            return fail(c, "invalid \\u escape");
        }
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                c->p = p - 6;
                return fail(c, "unpaired surrogate in a \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            c->p = p - 6;
            return fail(c, "unpaired surrogate in a \\u escape");
        }
        o = put_utf8(o, (uint32_t)cp);
    }
    *out = ostart;
    *out_len = (size_t)(o - ostart);
    c->u = o;
    c->p = p + 1;
    return true;
}

static bool parse_number(Cursor *c)
{
    const char *p = c->p, *end = c->end;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        c->p = p;
        return fail(c, "invalid number");
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || *p < '0' || *p > '9') {
            c->p = p;
            return fail(c, "invalid number");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || *p < '0' || *p > '9') {
            c->p = p;
            return fail(c, "invalid number");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    c->p = p;
    return true;
}

static bool parse_literal(Cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return fail(c, "invalid literal");
    c->p += n;
    return true;
}

static bool parse_value(Cursor *c, FlowField *out, int depth);

/* A member's name and the ':' after it, the spaces around them skipped. */
static bool parse_member_name(Cursor *c, const char **key, size_t *key_len)
{
    if (c->p == c->end || *c->p != '"')
        return fail(c, "expected a member name");
    if (!parse_string(c, key, key_len))
        return false;
    skip_ws(c);
    if (c->p == c->end || *c->p != ':')
        return fail(c, "expected ':' after a member name");
    c->p++;
    skip_ws(c);
    return true;
}

static bool parse_container(Cursor *c, int depth)
{
    if (depth >= JSON_MAX_DEPTH)
        return fail(c, "nesting too deep");
    bool object = *c->p == '{';
    char close = object ? '}' : ']';
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        if (object) {
            const char *key;
            size_t key_len;
            if (!parse_member_name(c, &key, &key_len))
                return false;
        }
        if (!parse_value(c, NULL, depth + 1))
            return false;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return true;
        }
        return fail(c, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool parse_value(Cursor *c, FlowField *out, int depth)
{
    FlowField f = { c->p, 0, FLOW_FIELD_OTHER };
    if (c->p == c->end)
        return fail(c, "expected a value");
    switch (*c->p) {
    case '"':
        if (!parse_string(c, &f.ptr, &f.len))
            return false;
        f.kind = FLOW_FIELD_STRING;
        break;
    case '{':
    case '[':
        if (!parse_container(c, depth))
            return false;
        f.len = (size_t)(c->p - f.ptr);
        break;
    case 't':
        if (!parse_literal(c, "true"))
            return false;
        f.kind = FLOW_FIELD_TRUE;
        f.len = 4;
        break;
    case 'f':
        if (!parse_literal(c, "false"))
            return false;
        f.kind = FLOW_FIELD_FALSE;
        f.len = 5;
        break;
    case 'n':
        if (!parse_literal(c, "null"))
            return false;
        f.kind = FLOW_FIELD_NULL;
        f.len = 4;
        break;
    default:
        if (*c->p != '-' && (*c->p < '0' || *c->p > '9'))
            return fail(c, "expected a value");
        if (!parse_number(c))
            return false;
        f.kind = FLOW_FIELD_NUMBER;
        f.len = (size_t)(c->p - f.ptr);
        break;
    }
    if (out)
        *out = f;
    return true;
}

/* The node of member `key` of an object at node `parent`, or -1. */
static int find_node(JsonParser *jp, int parent, const char *key, size_t len)
{
    int n = jp->nnodes, g = jp->next_guess < n ? jp->next_guess : 0;
    for (int k = 0; k < n; k++) {
        int i = g + k < n ? g + k : g + k - n;
        const JsonNode *node = &jp->nodes[i];
        if (node->parent == parent && node->len == len && memcmp(node->name, key, len) == 0) {
            jp->next_guess = i + 1;
            return i;
        }
    }
    return -1;
}

/* The object at c->p, whose members are those of node `parent`: each on a
 * field's path is kept in its field or followed into. */
static bool parse_object(Cursor *c, JsonParser *jp, int parent, FlowField *fields, int depth)
{
    if (depth >= JSON_MAX_DEPTH)
        return fail(c, "nesting too deep");
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return true;
    }
    for (;;) {
        const char *key;
        size_t key_len;
        if (!parse_member_name(c, &key, &key_len))
            return false;
        int i = find_node(jp, parent, key, key_len);
        const JsonNode *node = i >= 0 ? &jp->nodes[i] : NULL;
        FlowField *out = node && node->field >= 0 ? &fields[node->field] : NULL;
        if (node && node->inner && c->p < c->end && *c->p == '{') {
            const char *start = c->p;
            if (!parse_object(c, jp, i, fields, depth + 1))
                return false;
            if (out)
                *out = (FlowField){ start, (size_t)(c->p - start), FLOW_FIELD_OTHER };
        } else if (!parse_value(c, out, depth)) {
            return false;
        }
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            skip_ws(c);
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return true;
        }
        return fail(c, "expected ',' or '}'");
    }
}

static JsonStatus bad(JsonParser *jp, Cursor *c, const char **reason)
{
    snprintf(jp->reason, sizeof jp->reason, "bad JSON at column %zu: %s",
             (size_t)(c->error_at - c->start) + 1, c->error);
    *reason = jp->reason;
    return JSON_BAD;
}

JsonStatus flowrt_json_parse_line(JsonParser *jp, const char *line, size_t len, FlowField *fields,
                                  const char **reason)
{
    Cursor c = { line, line, line + len, NULL, NULL, NULL };
    skip_ws(&c);
    if (c.p == c.end)
        return JSON_BLANK;
    if (jp->unq_cap < len) {
        size_t cap = len > 256 ? len : 256;
        char *u = realloc(jp->unq, cap);
        if (!u) {
            fprintf(stderr, "flow: out of memory (JSON parser, %zu bytes)\n", cap);
            abort();
        }
        jp->unq = u;
        jp->unq_cap = cap;
    }
    c.u = jp->unq;
    for (int i = 0; i < jp->nfields; i++)
        fields[i] = (FlowField){ "", 0, FLOW_FIELD_MISSING };
    jp->next_guess = 0;

    if (*c.p != '{') {
        fail(&c, "expected an object");
        return bad(jp, &c, reason);
    }
    if (!parse_object(&c, jp, -1, fields, 1))
        return bad(jp, &c, reason);
    skip_ws(&c);
    if (c.p != c.end) {
        fail(&c, "text after the object");
        return bad(jp, &c, reason);
    }
    return JSON_RECORD;
}
