/* json.h: the parser of JSON-lines records. One line holds one object; its
 * members are matched to the schema's fields by name, in any order, and
 * members the schema does not name are skipped whatever they hold. A
 * field's name may be a path, member names joined by '.' ("meta.device.id"),
 * that reaches into nested objects. A string
 * without escapes points into the line; one with escapes is decoded (\uXXXX
 * and surrogate pairs to UTF-8) into the parser's own buffer. A malformed line
 * gives a reason with the column of the fault. */
#ifndef FLOWRT_JSON_H
#define FLOWRT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "flow/codec.h"

/* One member name of the fields' paths: the paths form a tree, whose
 * nodes are kept in one array, each naming its parent (-1: the record
 * itself). A node is a field's value, the parent of others, or both. */
typedef struct JsonNode {
    const char *name;
    size_t len;
    int parent;
    int field;                /* the field whose path ends here, or -1 */
    bool inner;               /* some path goes on through it */
} JsonNode;

typedef struct JsonParser {
    JsonNode *nodes;
    int nnodes;
    int nfields;
    int next_guess;           /* members usually come in schema order */
    char *unq;                /* decoded strings of the current line */
    size_t unq_cap;
    char reason[128];
} JsonParser;

typedef enum JsonStatus {
    JSON_RECORD,  /* fields[] holds the members (FLOW_FIELD_MISSING if absent) */
    JSON_BLANK,   /* a line of only white space */
    JSON_BAD,     /* malformed; the reason is returned through *reason */
} JsonStatus;

/* `names` are the fields' paths (a plain name is a path of one member). */
void flowrt_json_init(JsonParser *jp, const char *const *names, int nfields);
void flowrt_json_free(JsonParser *jp);
/* Parses one line (without its line break) into fields[0 .. nfields). */
JsonStatus flowrt_json_parse_line(JsonParser *jp, const char *line, size_t len, FlowField *fields,
                                  const char **reason);

#endif
