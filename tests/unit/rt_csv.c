/* rt_csv.c: the CSV record parser: RFC 4180 quoting, line ends, blank lines,
 * malformed records, line numbers, and records cut at any byte by the end of
 * the read buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

/* Parses `input` as a source would, handing the parser at most `chunk` new
 * bytes at a time (0: all at once), and renders every record as
 * "LINE:f1|f2|...;" (or "LINE:!reason;") into out. */
static void parse_all(const char *input, size_t chunk, char *out, size_t out_size)
{
    size_t total = strlen(input), have = chunk ? 0 : total, start = 0, o = 0;
    CsvParser cp;
    flowrt_csv_init(&cp);
    out[0] = '\0';
    for (;;) {
        CsvRecord rec;
        bool eof = have == total;
        CsvStatus st = flowrt_csv_parse(&cp, input + start, have - start, eof, &rec);
        start += rec.used;
        if (st == CSV_END)
            break;
        if (st == CSV_NEED_MORE) {
            assert_false(eof);
            have = have + chunk < total ? have + chunk : total;
            continue;
        }
        o += (size_t)snprintf(out + o, out_size - o, "%lld:", (long long)rec.line);
        if (rec.error) {
            o += (size_t)snprintf(out + o, out_size - o, "!%s", rec.error);
        } else {
            for (int i = 0; i < rec.ncols; i++)
                o += (size_t)snprintf(out + o, out_size - o, "%s%.*s", i ? "|" : "",
                                      (int)cp.cols[i].len, cp.cols[i].ptr);
        }
        o += (size_t)snprintf(out + o, out_size - o, ";");
    }
    flowrt_csv_free(&cp);
}

static void check(const char *input, const char *want)
{
    char got[4096], again[4096];
    parse_all(input, 0, got, sizeof got);
    assert_string_equal(got, want);
    /* The same records whatever the buffer boundaries. */
    for (size_t chunk = 1; chunk <= strlen(input); chunk++) {
        parse_all(input, chunk, again, sizeof again);
        assert_string_equal(again, want);
    }
}

static void test_plain(void **state)
{
    (void)state;
    check("a,b,c\n1,2,3\n", "1:a|b|c;2:1|2|3;");
    check("a,b\n1,2", "1:a|b;2:1|2;");
    check("a,,c\n,\n", "1:a||c;2:|;");
    check("", "");
    check("x", "1:x;");
    check("a,b,\n", "1:a|b|;");
}

static void test_quotes(void **state)
{
    (void)state;
    check("\"a,b\",c\n", "1:a,b|c;");
    check("\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x;");
    check("\"\"\"\"\n", "1:\";");
    check("\"\",\"\"\n", "1:|;");
    check("\"multi\nline\",2\nnext,3\n", "1:multi\nline|2;3:next|3;");
    check("\"a\r\nb\"\r\nc\r\n", "1:a\r\nb;3:c;");
    check("1,\"x\"\n", "1:1|x;");
    /* A quote inside an unquoted field is kept as it is. */
    check("ab\"c,d\n", "1:ab\"c|d;");
}

static void test_line_ends(void **state)
{
    (void)state;
    check("a,b\r\n1,2\r\n", "1:a|b;2:1|2;");
    check("a,b\r\n1,2", "1:a|b;2:1|2;");
    check("a\r\n", "1:a;");
    check("\"q\"\r\n", "1:q;");
    check("a,b\r", "1:a|b;");
    /* Blank lines are skipped but counted. */
    check("a\n\n\nb\n", "1:a;4:b;");
    check("\n\r\na\n\n", "3:a;");
    check("a\n\r", "1:a;");
}

static void test_malformed(void **state)
{
    (void)state;
    check("\"abc\n", "1:!unterminated quoted field;");
    check("\"abc\"x,1\nok\n", "1:!text after the closing quote of a field;2:ok;");
    check("a,\"b\nc,d\n", "1:!unterminated quoted field;");
    check("\"a\"\rb\n", "1:!text after the closing quote of a field;");
}

static void test_raw_text(void **state)
{
    (void)state;
    const char *in = "x,\"y\nz\"\r\nnext";
    CsvParser cp;
    flowrt_csv_init(&cp);
    CsvRecord rec;
    assert_int_equal(flowrt_csv_parse(&cp, in, strlen(in), true, &rec), CSV_RECORD);
    assert_int_equal(rec.raw_len, 7);
    assert_memory_equal(rec.raw, "x,\"y\nz\"", 7);
    assert_int_equal(rec.used, 9);
    assert_int_equal(rec.line, 1);
    assert_int_equal(flowrt_csv_parse(&cp, in + rec.used, strlen(in) - rec.used, true, &rec),
                                      CSV_RECORD);
    assert_int_equal(rec.line, 3);
    assert_memory_equal(rec.raw, "next", 4);
    flowrt_csv_free(&cp);
}

/* Columns go to their schema slots through the header map; columns not in
 * the schema are counted but not stored. */
static void test_column_map(void **state)
{
    (void)state;
    int map[] = { 2, -1, 0, 1 };
    FlowField slots[3];
    CsvParser cp;
    flowrt_csv_init(&cp);
    cp.map = map;
    cp.map_len = 4;
    cp.slots = slots;
    const char *in = "c,ignored,a,\"b\"\"\"\n";
    CsvRecord rec;
    assert_int_equal(flowrt_csv_parse(&cp, in, strlen(in), false, &rec), CSV_RECORD);
    assert_int_equal(rec.ncols, 4);
    assert_memory_equal(slots[0].ptr, "a", 1);
    assert_int_equal(slots[1].len, 2);
    assert_memory_equal(slots[1].ptr, "b\"", 2);
    assert_memory_equal(slots[2].ptr, "c", 1);
    assert_int_equal(slots[0].kind, FLOW_FIELD_TEXT);
    /* More columns than the map: counted. */
    in = "1,2,3,4,5,6\n";
    assert_int_equal(flowrt_csv_parse(&cp, in, strlen(in), false, &rec), CSV_RECORD);
    assert_int_equal(rec.ncols, 6);
    flowrt_csv_free(&cp);
}

/* A long field with doubled quotes and line breaks, cut at every byte. */
static void test_big_record(void **state)
{
    (void)state;
    char in[3000], want[3000];
    size_t o = 0, w = 0;
    w += (size_t)sprintf(want + w, "1:");
    in[o++] = '"';
    for (int i = 0; i < 600; i++) {
        char c = "ab\"\n,"[i % 5];
        in[o++] = c;
        want[w++] = c;
        if (c == '"')
            in[o++] = '"';
    }
    o += (size_t)sprintf(in + o, "\",end\nlast\n");
    w += (size_t)sprintf(want + w, "|end;122:last;");
    in[o] = '\0';
    check(in, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_raw_text),
        cmocka_unit_test(test_column_map),
        cmocka_unit_test(test_big_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
