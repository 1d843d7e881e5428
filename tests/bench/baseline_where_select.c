/* baseline_where_select.c: the hand-written C program that the benchmark
 * (run_bench.sh) compares flowc's generated code with. It does exactly the
 * work of bench_csv.flow / bench_gen.flow, as plain fast C would:
 *
 *   where price > 0.25 and item % 10 != 3
 *   select user_id, item, gross = price * 1.19, category = upper(category),
 *          ts = ts + 1h
 *
 * and writes the same bytes: CSV with a header, fields quoted only when
 * needed, floats in the shortest form that reads back, timestamps as
 * 2024-03-01T12:00:05.250Z.
 *
 *   baseline_where_select csv FILE     RFC 4180 input with a header, columns
 *                                      matched by name; bad records counted
 *                                      and reported (first ten)
 *   baseline_where_select json FILE    JSON lines, one flat object a line,
 *                                      members matched by name in any order,
 *                                      escapes decoded, other members skipped
 *                                      (nested ones too); bad lines counted
 *   baseline_where_select gen COUNT SEED KEYS
 *                                      the records of generator(count, seed,
 *                                      keys) (same algorithm as libflowrt)
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"

/* ---- output -------------------------------------------------------------- */

/* Room for one output record (every field is bounded but the string). */
static char *out_reserve(size_t n)
{
    if (out_len + n > sizeof out_buf)
        out_flush();
    return out_buf + out_len;
}

/* Shortest text that reads back to v: integral values as integers, else the
 * first of %.15g, %.16g, %.17g that round-trips. */
static char *put_float64(char *o, double v)
{
    if (isnan(v))
        return memcpy(o, "nan", 3), o + 3;
    if (isinf(v))
        return v < 0 ? (memcpy(o, "-inf", 4), o + 4) : (memcpy(o, "inf", 3), o + 3);
    if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
        if (v == 0 && signbit(v))
            return memcpy(o, "-0", 2), o + 2;
        return put_int64(o, (int64_t)v);
    }
    int n = 0;
    for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        n = snprintf(o, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(o, NULL) == v)
            break;
    }
    return o + n;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* upper(s), CSV-quoted when it holds a comma, quote or line break. */
static char *put_upper_csv(char *o, const char *s, size_t len)
{
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        for (size_t i = 0; i < len; i++) {
            char c = s[i];
            *o++ = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        }
        return o;
    }
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"')
            *o++ = '"';
        *o++ = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
    }
    *o++ = '"';
    return o;
}

/* ---- the query ------------------------------------------------------------ */

static int64_t written;

static void process(int64_t user_id, int32_t item, double price, const char *cat, size_t cat_len,
                    int64_t ts)
{
    if (!(price > 0.25 && item % 10 != 3))
        return;
    char *o = out_reserve(24 + 12 + 32 + 2 * cat_len + 2 + 32 + 8);
    char *start = o;
    o = put_int64(o, user_id);
    *o++ = ',';
    o = put_int64(o, item);
    *o++ = ',';
    o = put_float64(o, price * 1.19);
    *o++ = ',';
    o = put_upper_csv(o, cat, cat_len);
    *o++ = ',';
    o = put_timestamp(o, ts + 3600000);
    *o++ = '\n';
    out_len += (size_t)(o - start);
    written++;
}

static void put_header(void)
{
    static const char header[] = "user_id,item,gross,category,ts\n";
    memcpy(out_reserve(sizeof header), header, sizeof header - 1);
    out_len += sizeof header - 1;
}

/* ---- field parsing ---------------------------------------------------------- */

static bool parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return false;
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned digit = (unsigned)(s[i] - '0');
        if (digit > 9 || v > (limit - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool parse_int32(const char *s, size_t len, int32_t *out)
{
    int64_t v;
    if (len > 11 || !parse_int64(s, len, &v) || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}

/* The character after the field is a delimiter (or the NUL the reader puts
 * after its data), so strtod stops inside the buffer. */
static bool parse_float64(const char *s, size_t len, double *out)
{
    if (len == 0 || !(s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')))
        return false;
    char *end;
    *out = strtod(s, &end);
    return end == s + len;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* 2024-03-01T12:00:05.250Z, 2024-03-01T12:00:05Z, 2024-03-01 12:00:05, or
 * epoch milliseconds. */
static bool parse_timestamp(const char *s, size_t len, int64_t *out)
{
    int y, mo, d, h, mi, sec, ms = 0;
    if (len < 19 || s[4] != '-')
        return parse_int64(s, len, out);
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
        return false;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        if (i + 4 > len || !digits(s + i + 1, 3, &ms))
            return false;
        i += 4;
    }
    if (i < len && s[i] == 'Z')
        i++;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (i != len || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
        h > 23 || mi > 59 || sec > 59)
        return false;
    *out = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms;
    return true;
}

/* ---- the CSV source ------------------------------------------------------------ */

enum { COL_USER, COL_ITEM, COL_PRICE, COL_CATEGORY, COL_TS, NCOLS };
static const char *const col_names[NCOLS] = { "user_id", "item", "price", "category", "ts" };

typedef struct Field {
    char *p;
    size_t len;
} Field;

static int64_t bad;

static void bad_record(int64_t line, const char *why)
{
    if (++bad <= 10)
        fprintf(stderr, "baseline: bad record at line %lld: %s\n", (long long)line, why);
}

/* Quoted fields with doubled quotes are undoubled here (the input buffer is
 * left as read, so an incomplete record can be parsed again after a read). */
static char *unquoted;
static size_t unquoted_len, unquoted_cap;

/* Splits one record starting at p (data ends at end, which holds a NUL).
 * Returns the start of the next record, or NULL when the record may continue
 * past the data read so far. */
static char *split_record(char *p, char *end, bool at_eof, Field *fields, int max, int *nfields,
                          int64_t *lines, const char **error)
{
    int n = 0;
    *error = NULL;
    *lines = 1;
    unquoted_len = 0;
    for (;;) {
        Field f;
        if (p < end && *p == '"') {
            char *content = ++p;
            bool doubled = false;
            for (;;) {
                if (p >= end)
                    return at_eof ? (*error = "unterminated quoted field", end) : NULL;
                if (*p == '"') {
                    if (p + 1 >= end && !at_eof)
                        return NULL;
                    if (p + 1 < end && p[1] == '"') {
                        doubled = true;
                        p += 2;
                        continue;
                    }
                    break;
                }
                if (*p == '\n')
                    ++*lines;
                p++;
            }
            f = (Field){ content, (size_t)(p - content) };
            if (doubled) {
                char *w = unquoted + unquoted_len;
                f.p = w;
                for (char *r = content; r < p; r++) {
                    *w++ = *r;
                    if (*r == '"')
                        r++;
                }
                f.len = (size_t)(w - f.p);
                *w = '\0';
                unquoted_len += f.len + 1;
            }
            p++;
            if (p < end && *p != ',' && *p != '\n' && *p != '\r' && !*error)
                *error = "text after a quoted field";
        } else {
            char *start = p;
            while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
                if (*p == '"' && !*error)
                    *error = "quote inside an unquoted field";
                p++;
            }
            f = (Field){ start, (size_t)(p - start) };
        }
        if (n < max)
            fields[n] = f;
        n++;
        if (p >= end) {
            if (!at_eof)
                return NULL;
            *nfields = n;
            return end;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 >= end && !at_eof)
                return NULL;
            if (p + 1 < end && p[1] == '\n')
                p++;
        }
        *nfields = n;
        return p + 1;
    }
}

static int run_csv(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 20, len = 0, pos = 0;
    char *buf = malloc(cap + 1);
    bool eof = false, have_header = false;
    int map[64];
    int ncols_header = 0;
    int64_t line = 1, read_records = 0;
    Field fields[64];
    put_header();
    for (;;) {
        if (!eof) {
            /* Keep the unparsed tail, make room, read more. */
            memmove(buf, buf + pos, len - pos);
            len -= pos;
            pos = 0;
            if (len == cap) {
                cap *= 2;
                buf = realloc(buf, cap + 1);
            }
            if (unquoted_cap < cap + 1) {
                unquoted_cap = cap + 1;
                unquoted = realloc(unquoted, unquoted_cap);
            }
            ssize_t n = read(fd, buf + len, cap - len);
            if (n < 0) {
                perror(path);
                return 1;
            }
            if (n == 0)
                eof = true;
            len += (size_t)n;
            buf[len] = '\0';
        }
        for (;;) {
            if (pos >= len)
                break;
            /* Blank lines are skipped. */
            if (buf[pos] == '\n' || buf[pos] == '\r') {
                if (buf[pos] == '\n')
                    line++;
                pos++;
                continue;
            }
            int nf = 0;
            int64_t lines;
            const char *error;
            char *next = split_record(buf + pos, buf + len, eof, fields, 64, &nf, &lines, &error);
            if (!next)
                break;
            int64_t record_line = line;
            line += lines;
            pos = (size_t)(next - buf);
            if (!have_header) {
                for (int c = 0; c < NCOLS; c++)
                    map[c] = -1;
                for (int i = 0; i < nf && i < 64; i++)
                    for (int c = 0; c < NCOLS; c++)
                        if (fields[i].len == strlen(col_names[c]) &&
                            memcmp(fields[i].p, col_names[c], fields[i].len) == 0)
                            map[c] = i;
                for (int c = 0; c < NCOLS; c++)
                    if (map[c] < 0) {
                        fprintf(stderr, "baseline: %s: no column '%s'\n", path, col_names[c]);
                        return 1;
                    }
                ncols_header = nf;
                have_header = true;
                continue;
            }
            read_records++;
            if (error) {
                bad_record(record_line, error);
                continue;
            }
            if (nf != ncols_header) {
                bad_record(record_line, "wrong number of fields");
                continue;
            }
            int64_t user_id, ts;
            int32_t item;
            double price = 0;
            Field *f = fields;
            /* Fields are undoubled in place; terminate each so strtod stops at its end. */
            char saved = f[map[COL_PRICE]].p[f[map[COL_PRICE]].len];
            f[map[COL_PRICE]].p[f[map[COL_PRICE]].len] = '\0';
            bool price_ok = parse_float64(f[map[COL_PRICE]].p, f[map[COL_PRICE]].len, &price);
            f[map[COL_PRICE]].p[f[map[COL_PRICE]].len] = saved;
            if (!parse_int64(f[map[COL_USER]].p, f[map[COL_USER]].len, &user_id))
                bad_record(record_line, "field 'user_id': not an int64");
            else if (!parse_int32(f[map[COL_ITEM]].p, f[map[COL_ITEM]].len, &item))
                bad_record(record_line, "field 'item': not an int32");
            else if (!price_ok)
                bad_record(record_line, "field 'price': not a float64");
            else if (!parse_timestamp(f[map[COL_TS]].p, f[map[COL_TS]].len, &ts))
                bad_record(record_line, "field 'ts': not a timestamp");
            else
                process(user_id, item, price, f[map[COL_CATEGORY]].p, f[map[COL_CATEGORY]].len, ts);
        }
        if (eof && pos >= len)
            break;
    }
    out_flush();
    close(fd);
    free(buf);
    free(unquoted);
    fprintf(stderr, "baseline: %lld records read, %lld written, %lld bad\n", (long long)read_records,
            (long long)written, (long long)bad);
    return 0;
}

/* ---- JSON lines ------------------------------------------------------------- */

static const char *json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int json_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d = c >= '0' && c <= '9'   ? c - '0'
                                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string at p (its quote): its bytes at *s (in the line when it has no
 * escapes, else decoded into `scratch`); the end, or NULL. */
static const char *json_string(const char *p, const char *end, char *scratch, const char **s,
                               size_t *len)
{
    const char *q = ++p;
    while (q < end && *q != '"' && *q != '\\')
        q++;
    if (q < end && *q == '"') {
        *s = p;
        *len = (size_t)(q - p);
        return q + 1;
    }
    char *o = scratch;
    for (q = p; q < end && *q != '"'; q++) {
        if (*q != '\\') {
            *o++ = *q;
            continue;
        }
        if (++q == end)
            return NULL;
        switch (*q) {
        case '"': case '\\': case '/': *o++ = *q; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            int cp = end - q >= 5 ? json_hex4(q + 1) : -1;
            if (cp < 0 || cp >= 0xD800) /* the benchmark's input has no pairs */
                return NULL;
            q += 4;
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: return NULL;
        }
    }
    if (q == end)
        return NULL;
    *s = scratch;
    *len = (size_t)(o - scratch);
    return q + 1;
}

/* The end of a scalar or a nested value at p, or NULL. */
static const char *json_skip(const char *p, const char *end, char *scratch)
{
    const char *s;
    size_t len;
    if (*p == '"')
        return json_string(p, end, scratch, &s, &len);
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ')
            p++;
        return p;
    }
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '"') {
            if (!(p = json_string(p, end, scratch, &s, &len)))
                return NULL;
            p--;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if ((*p == '}' || *p == ']') && --depth == 0) {
            return p + 1;
        }
    }
    return NULL;
}

/* One line's object into the query, or why it is bad. */
static const char *json_record(char *p, char *end, char *scratch)
{
    Field f[NCOLS] = { { NULL, 0 } };
    const char *e = json_ws(p, end);
    if (e == end || *e != '{')
        return "not an object";
    e = json_ws(e + 1, end);
    while (e < end && *e != '}') {
        const char *name, *value;
        size_t name_len, value_len;
        if (*e != '"' || !(e = json_string(e, end, scratch, &name, &name_len)))
            return "bad member name";
        e = json_ws(e, end);
        if (e == end || *e != ':')
            return "expected ':'";
        e = json_ws(e + 1, end);
        if (e == end)
            return "expected a value";
        int col = -1;
        for (int c = 0; c < NCOLS && col < 0; c++)
            if (name_len == strlen(col_names[c]) && memcmp(name, col_names[c], name_len) == 0)
                col = c;
        char *own = scratch + (end - p) * (size_t)(col + 2);
        if (col < 0) {
            e = json_skip(e, end, own);
        } else if (*e == '"') {
            e = json_string(e, end, own, &value, &value_len);
            f[col] = (Field){ (char *)value, value_len };
        } else {
            value = e;
            e = json_skip(e, end, own);
            f[col] = (Field){ (char *)value, e ? (size_t)(e - value) : 0 };
        }
        if (!e)
            return "bad value";
        e = json_ws(e, end);
        if (e < end && *e == ',')
            e = json_ws(e + 1, end);
        else if (e == end || *e != '}')
            return "expected ',' or '}'";
    }
    if (e == end || json_ws(e + 1, end) != end)
        return "text after the object";
    int64_t user_id, ts;
    int32_t item;
    double price;
    for (int c = 0; c < NCOLS; c++)
        if (!f[c].p)
            return "missing field";
    char saved = f[COL_PRICE].p[f[COL_PRICE].len];
    f[COL_PRICE].p[f[COL_PRICE].len] = '\0';
    bool price_ok = parse_float64(f[COL_PRICE].p, f[COL_PRICE].len, &price);
    f[COL_PRICE].p[f[COL_PRICE].len] = saved;
    if (!parse_int64(f[COL_USER].p, f[COL_USER].len, &user_id))
        return "field 'user_id': not an int64";
    if (!parse_int32(f[COL_ITEM].p, f[COL_ITEM].len, &item))
        return "field 'item': not an int32";
    if (!price_ok)
        return "field 'price': not a float64";
    if (!parse_timestamp(f[COL_TS].p, f[COL_TS].len, &ts))
        return "field 'ts': not a timestamp";
    process(user_id, item, price, f[COL_CATEGORY].p, f[COL_CATEGORY].len, ts);
    return NULL;
}

static int run_json(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 20, len = 0, pos = 0;
    char *buf = malloc(cap + 1);
    /* One decoded-string area per field and one for other members, each as
     * long as the longest line can need. */
    char *scratch = malloc((cap + 1) * (NCOLS + 2));
    bool eof = false;
    int64_t line = 0, read_records = 0;
    put_header();
    while (!eof || pos < len) {
        char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
        if (!nl && !eof) {
            memmove(buf, buf + pos, len - pos);
            len -= pos;
            pos = 0;
            if (len == cap) {
                cap *= 2;
                buf = realloc(buf, cap + 1);
                scratch = realloc(scratch, (cap + 1) * (NCOLS + 2));
            }
            ssize_t n = read(fd, buf + len, cap - len);
            if (n < 0) {
                perror(path);
                return 1;
            }
            eof = n == 0;
            len += (size_t)n;
            continue;
        }
        char *end = nl ? nl : buf + len;
        line++;
        if (json_ws(buf + pos, end) != end) {
            read_records++;
            const char *why = json_record(buf + pos, end, scratch);
            if (why)
                bad_record(line, why);
        }
        pos = (size_t)(end - buf) + (nl != NULL);
    }
    out_flush();
    close(fd);
    free(buf);
    free(scratch);
    fprintf(stderr, "baseline: %lld records read, %lld written, %lld bad\n", (long long)read_records,
            (long long)written, (long long)bad);
    return 0;
}

/* ---- the generator source (the algorithm of flow/generator.h) ---------- */

static int run_gen(int64_t count, int64_t seed, int64_t keys)
{
    uint64_t mixed_seed = mix64((uint64_t)seed);
    uint64_t k32 = keys < INT32_MAX ? (uint64_t)keys : (uint64_t)INT32_MAX + 1;
    put_header();
    for (int64_t n = 0; n < count; n++) {
        uint64_t state = mix64(mixed_seed + mix64((uint64_t)n));
        int64_t user_id = (int64_t)uniform(&state, (uint64_t)keys);
        int32_t item = (int32_t)uniform(&state, k32);
        double price = (double)(next64(&state) >> 11) * 0x1.0p-53;
        char cat[24];
        cat[0] = 's';
        size_t cat_len = (size_t)(put_int64(cat + 1, (int64_t)uniform(&state, (uint64_t)keys)) - cat);
        int64_t ts = INT64_C(1704067200000) + n; /* events_per_second = 1000 */
        process(user_id, item, price, cat, cat_len, ts);
    }
    out_flush();
    fprintf(stderr, "baseline: %lld records generated, %lld written\n", (long long)count,
            (long long)written);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "csv") == 0)
        return run_csv(argv[2]);
    if (argc == 3 && strcmp(argv[1], "json") == 0)
        return run_json(argv[2]);
    if (argc == 5 && strcmp(argv[1], "gen") == 0)
        return run_gen(strtoll(argv[2], NULL, 10), strtoll(argv[3], NULL, 10),
                       strtoll(argv[4], NULL, 10));
    fprintf(stderr, "usage: %s csv FILE | json FILE | gen COUNT SEED KEYS\n", argv[0]);
    return 2;
}
