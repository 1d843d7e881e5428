/* fuzz_rt_json.c: the JSON-lines parser over arbitrary bytes, line by line,
 * with every field it finds fed to every field decoder. Fields must lie
 * inside the line or the parser's own buffer, and a rejected line must come
 * with a reason naming a column inside the line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/codec.h"
#include "json.h"

/* Paths too: members of nested objects, and one that is also a field. */
static const char *const names[] = { "id", "name", "ts", "ok", "x", "", "x.y.z", "ok.a" };
enum { NFIELDS = sizeof names / sizeof names[0] };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    JsonParser jp;
    flowrt_json_init(&jp, names, NFIELDS);
    FlowField fields[NFIELDS];
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        /* Exactly the line's bytes, so reads past it are caught. */
        char *line = malloc(len ? len : 1);
        memcpy(line, p, len);
        const char *reason = NULL;
        JsonStatus st = flowrt_json_parse_line(&jp, line, len, fields, &reason);
        if (st == JSON_BAD) {
            size_t col;
            if (!reason || sscanf(reason, "bad JSON at column %zu", &col) != 1 || col < 1 ||
                col > len + 1)
                __builtin_trap();
        } else if (st == JSON_RECORD) {
            for (int i = 0; i < NFIELDS; i++) {
                const FlowField *f = &fields[i];
                if (f->kind == FLOW_FIELD_MISSING)
                    continue;
                bool in_line = f->ptr >= line && f->ptr + f->len <= line + len;
                bool in_unq = f->ptr >= jp.unq && f->ptr + f->len <= jp.unq + jp.unq_cap;
                if (!in_line && !in_unq)
                    __builtin_trap();
                bool b;
                int32_t i32;
                int64_t i64;
                double d;
                FlowStr s;
                flow_field_bool(f, &b);
                flow_field_int32(f, &i32);
                flow_field_int64(f, &i64);
                flow_field_float64(f, &d);
                flow_field_string(f, &s);
                flow_field_timestamp(f, &i64);
            }
        }
        free(line);
        p += len + (nl != NULL);
    }
    flowrt_json_free(&jp);
    return 0;
}
