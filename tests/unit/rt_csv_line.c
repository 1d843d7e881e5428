/* rt_csv_line.c: the one-pass CSV field parsers of flow/csv_line.h: where
 * they stop, what they refuse, and that whatever they accept the general
 * path's field decoders (flow/codec.h) accept with the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/csv_line.h"

/* The field of `line` a parser reads from its start: the bytes before the
 * first ',' (quotes are the general path's business). */
static FlowField first_field(const char *line)
{
    const char *q = strchr(line, ',');
    return (FlowField){ line, q ? (size_t)(q - line) : strlen(line), FLOW_FIELD_TEXT };
}

/* Runs the parser of TYPE on LINE: NULL when it refuses, else the value is
 * checked against flow_field_TYPE and the stop against the field's end. */
#define CHECK_SAME(TYPE, CTYPE, line, accepted)                                                 \
    do {                                                                                        \
        const char *l_ = (line);                                                                \
        const char *end_ = l_ + strlen(l_);                                                     \
        CTYPE fast_, slow_;                                                                     \
        const char *stop_ = flow_csv_##TYPE(l_, end_, &fast_);                                  \
        if (!stop_) {                                                                           \
            if (accepted)                                                                       \
                fail_msg("refused: %s", l_);                                                    \
            break;                                                                              \
        }                                                                                       \
        if (!(accepted))                                                                        \
            fail_msg("accepted: %s", l_);                                                       \
        FlowField f_ = first_field(l_);                                                         \
        assert_ptr_equal(stop_, f_.ptr + f_.len);                                               \
        assert_null(flow_field_##TYPE(&f_, &slow_));                                            \
        assert_memory_equal(&fast_, &slow_, sizeof fast_);                                      \
    } while (0)

static void test_int64(void **state)
{
    (void)state;
    int64_t v;
    const char *line = "1704067200000,7";
    assert_ptr_equal(flow_csv_int64(line, line + strlen(line), &v), line + 13);
    assert_true(v == INT64_C(1704067200000));
    const char *ok[] = { "0", "7", "-7", "12345678", "123456789", "-123456789012345678",
                         "999999999999999999", "42,x", "00000000000000001", "1234567,",
                         "12345678,9" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK_SAME(int64, int64_t, ok[i], true);
    /* The general path decides: a '+', 19 digits or more (which may not fit),
     * an empty field, other bytes before the comma. */
    const char *refused[] = { "+5", "1234567890123456789", "-9223372036854775808", "", ",",
                              "-", "12a", "1 ", " 1", "\"1\"", "1.5", "1234567a,", "12345678a" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_SAME(int64, int64_t, refused[i], false);
}

static void test_int32(void **state)
{
    (void)state;
    const char *ok[] = { "2147483647", "-2147483648", "0,1", "31" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK_SAME(int32, int32_t, ok[i], true);
    const char *refused[] = { "2147483648", "-2147483649", "99999999999", "x" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_SAME(int32, int32_t, refused[i], false);
}

static void test_timestamp(void **state)
{
    (void)state;
    const char *ok[] = { "1704067200000", "-1", "0,x", "2024-03-01T12:00:05.250Z",
                         "2024-03-01 12:00:05,x", "2024-03-01T14:00:05+02:00",
                         "-0001-12-31T23:59:59.999Z", "+10000-01-01T00:00:00.000Z" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK_SAME(timestamp, int64_t, ok[i], true);
    const char *refused[] = { "\"2024-03-01T12:00:05Z\"", "2024-13-01T00:00:00Z", "+5", "",
                              "1.5", "2024-03-01T12:00:05Z ", "99999999999999999999" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_SAME(timestamp, int64_t, refused[i], false);
}

static void test_float64(void **state)
{
    (void)state;
    const char *ok[] = { "0.8588763440557796", "1e300,2", "-0", "3", "nan", "-inf" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK_SAME(float64, double, ok[i], true);
    const char *refused[] = { "\"1.5\"", "", "1.5x", "0x10" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_SAME(float64, double, refused[i], false);
}

static void test_bool(void **state)
{
    (void)state;
    const char *ok[] = { "true", "FALSE,1", "1", "0" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        CHECK_SAME(bool, bool, ok[i], true);
    const char *refused[] = { "\"true\"", "yes", "" };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        CHECK_SAME(bool, bool, refused[i], false);
}

static void test_string(void **state)
{
    (void)state;
    const char *line = "s14977,x";
    FlowStr s;
    assert_ptr_equal(flow_csv_string(line, line + strlen(line), &s), line + 6);
    assert_true(s.ptr == line && s.len == 6);
    /* An empty field is an empty string; a quote inside a field is a byte
     * of it, as for the CSV parser; a field that opens with one is quoted. */
    line = ",x";
    assert_ptr_equal(flow_csv_string(line, line + 2, &s), line);
    assert_true(s.len == 0);
    line = "a\"b";
    assert_ptr_equal(flow_csv_string(line, line + 3, &s), line + 3);
    assert_true(s.len == 3);
    line = "\"a,b\"";
    assert_null(flow_csv_string(line, line + strlen(line), &s));
}

/* Every length of digit run, at every position of the eight-byte step,
 * with what follows it in the line. */
static void test_digit_runs(void **state)
{
    (void)state;
    char line[64];
    for (int digits = 1; digits <= 18; digits++)
        for (int tail = 0; tail < 3; tail++) {
            int o = 0;
            for (int i = 0; i < digits; i++)
                line[o++] = (char)('1' + (i * 7) % 9);
            const char *tails[] = { "", ",123456789", "x" };
            strcpy(line + o, tails[tail]);
            CHECK_SAME(int64, int64_t, line, tail < 2);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int64),  cmocka_unit_test(test_int32),
        cmocka_unit_test(test_timestamp), cmocka_unit_test(test_float64),
        cmocka_unit_test(test_bool),   cmocka_unit_test(test_string),
        cmocka_unit_test(test_digit_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
