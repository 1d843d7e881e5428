/* connargs.c: typed access to connector arguments. */
#include "connargs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/codec.h"

char *flowrt_connargs_message(const FlowConnector *conn, const char *fmt, ...)
{
    char body[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    size_t size = strlen(body) + strlen(conn->where) + strlen(conn->kind) + 8;
    char *msg = malloc(size);
    if (msg)
        snprintf(msg, size, "%s: %s(): %s", conn->where, conn->kind, body);
    return msg;
}

void flowrt_connargs_init(ConnArgs *a, const FlowConnector *conn, const ParamValues *params)
{
    a->conn = conn;
    a->params = params;
    a->used = calloc(conn->nargs > 0 ? (size_t)conn->nargs : 1, sizeof *a->used);
    a->err = NULL;
    if (!a->used) {
        fprintf(stderr, "flow: out of memory\n");
        abort();
    }
}

static const FlowConnArg *find(ConnArgs *a, const char *key, const char **text)
{
    for (int i = 0; i < a->conn->nargs; i++) {
        const FlowConnArg *arg = &a->conn->args[i];
        if (strcmp(arg->key, key) != 0)
            continue;
        a->used[i] = true;
        *text = arg->value;
        if (arg->param) {
            *text = NULL;
            for (int p = 0; p < a->params->n; p++)
                if (strcmp(a->params->names[p], arg->param) == 0)
                    *text = a->params->texts[p];
            if (!*text && !a->err)
                a->err = flowrt_connargs_message(a->conn,
                                                 "argument '%s' names an unknown param '%s'",
                                          key, arg->param);
        }
        return *text ? arg : NULL;
    }
    return NULL;
}

static void bad_value(ConnArgs *a, const FlowConnArg *arg, const char *text, const char *expected)
{
    if (a->err)
        return;
    char from[160] = "";
    if (arg->param)
        snprintf(from, sizeof from, " (from param '%s')", arg->param);
    a->err = flowrt_connargs_message(a->conn, "argument '%s' must be %s, not \"%s\"%s", arg->key,
                                     expected, text, from);
}

const char *flowrt_connargs_text(ConnArgs *a, const char *key, const char *def)
{
    const char *text;
    return find(a, key, &text) ? text : def;
}

bool flowrt_connargs_bool(ConnArgs *a, const char *key, bool def)
{
    const char *text;
    const FlowConnArg *arg = find(a, key, &text);
    bool v;
    if (!arg)
        return def;
    if (!flow_parse_bool(text, strlen(text), &v)) {
        bad_value(a, arg, text, "true or false");
        return def;
    }
    return v;
}

int64_t flowrt_connargs_int(ConnArgs *a, const char *key, int64_t def, int64_t min)
{
    const char *text;
    const FlowConnArg *arg = find(a, key, &text);
    int64_t v;
    if (!arg)
        return def;
    /* A duration param's text has its unit (10s). */
    if ((!flow_parse_int64(text, strlen(text), &v) &&
         !(arg->param && flow_parse_duration(text, strlen(text), &v))) ||
        v < min) {
        char expected[64];
        snprintf(expected, sizeof expected, "an integer >= %lld", (long long)min);
        bad_value(a, arg, text, expected);
        return def;
    }
    return v;
}

int flowrt_connargs_choice(ConnArgs *a, const char *key, const char *const *choices, int def)
{
    const char *text;
    const FlowConnArg *arg = find(a, key, &text);
    if (!arg)
        return def;
    char expected[160] = "";
    for (int i = 0; choices[i]; i++) {
        if (strcmp(text, choices[i]) == 0)
            return i;
        size_t n = strlen(expected);
        snprintf(expected + n, sizeof expected - n, "%s%s", i ? " or " : "", choices[i]);
    }
    bad_value(a, arg, text, expected);
    return def;
}

bool flowrt_connargs_finish(ConnArgs *a, char **err)
{
    for (int i = 0; i < a->conn->nargs && !a->err; i++)
        if (!a->used[i])
            a->err = flowrt_connargs_message(a->conn, "unknown argument '%s'",
                                             a->conn->args[i].key);
    free(a->used);
    a->used = NULL;
    *err = a->err;
    a->err = NULL;
    return *err == NULL;
}
