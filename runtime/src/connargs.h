/* connargs.h: reading a connector's arguments (`file(path=..., header=false)`)
 * with their types checked, including arguments that name a param, whose
 * current text (default or --set) is used. Every problem, and every argument
 * the connector does not know, becomes one message that starts with the
 * connector's `where`, before any record is processed. */
#ifndef FLOWRT_CONNARGS_H
#define FLOWRT_CONNARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/program.h"

/* The params' current texts, by name. */
typedef struct ParamValues {
    int n;
    const char *const *names;
    const char *const *texts;
} ParamValues;

typedef struct ConnArgs {
    const FlowConnector *conn;
    const ParamValues *params;
    bool *used;
    char *err;          /* the first problem, malloc'd */
} ConnArgs;

void flowrt_connargs_init(ConnArgs *a, const FlowConnector *conn, const ParamValues *params);
/* Each returns `def` when the argument is absent, and records a problem
 * (returning `def`) when its value does not fit. */
const char *flowrt_connargs_text(ConnArgs *a, const char *key, const char *def);
bool flowrt_connargs_bool(ConnArgs *a, const char *key, bool def);
int64_t flowrt_connargs_int(ConnArgs *a, const char *key, int64_t def, int64_t min);
/* Index of the value in `choices` (NULL-terminated). */
int flowrt_connargs_choice(ConnArgs *a, const char *key, const char *const *choices, int def);
/* Reports arguments not asked for. Returns true when everything was fine;
 * otherwise hands over the message (caller frees) in *err. */
bool flowrt_connargs_finish(ConnArgs *a, char **err);
/* A message about the connector: "WHERE: KIND(): ...", malloc'd. */
char *flowrt_connargs_message(const FlowConnector *conn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
