/* rt_time.c: the time functions of flow/fn_time.h and the zones of
 * tzfile.c: leap days, year boundaries, times before 1970, DST changes in
 * both directions (Europe/Paris, America/New_York), half-hour zones
 * (Asia/Kolkata, Australia/Adelaide), the POSIX footer for the far future,
 * patterns both ways, and the zone cache under two threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt.h"
#include "rt_fixture.h"
#include "tzfile.h"


/* An ISO timestamp, as the codec reads it. */
static int64_t T(const char *iso)
{
    int64_t ms = 0;
    assert_true(flow_parse_timestamp(iso, strlen(iso), &ms));
    return ms;
}

static const FlowTz *Z(const char *name)
{
    const char *err = NULL;
    const FlowTz *z = flow_time_zone(&err, S(name));
    assert_non_null(z);
    assert_null(err);
    return z;
}

static void assert_str(FlowStr got, const char *want)
{
    if ((size_t)got.len != strlen(want) || memcmp(got.ptr, want, strlen(want)) != 0)
        fail_msg("got \"%.*s\", want \"%s\"", (int)got.len, got.ptr, want);
}

static void assert_format(int64_t ts, const char *fmt, const FlowTz *z, const char *want)
{
    const char *err = NULL;
    assert_str(flow_time_format(&rt, &err, ts, S(fmt), z), want);
    assert_null(err);
}

static void assert_parse(const char *s, const char *fmt, const FlowTz *z, int64_t want)
{
    const char *err = NULL;
    int64_t got = flow_time_parse(&err, S(s), S(fmt), z);
    if (err)
        fail_msg("%s", err);
    assert_true(got == want);
}

static void assert_parse_fails(const char *s, const char *fmt, const char *why)
{
    const char *err = NULL;
    flow_time_parse(&err, S(s), S(fmt), NULL);
    assert_non_null(err);
    if (!strstr(err, why))
        fail_msg("\"%s\" lacks \"%s\"", err, why);
}

#define assert_ts(got, iso) assert_true((got) == T(iso))

static void test_leap_days(void **state)
{
    (void)state;
    int64_t t = T("2024-02-29T12:00:00Z");
    assert_int_equal(flow_time_part(NULL, t, FLOW_TIME_YEAR), 2024);
    assert_int_equal(flow_time_part(NULL, t, FLOW_TIME_MONTH), 2);
    assert_int_equal(flow_time_part(NULL, t, FLOW_TIME_DAY), 29);
    assert_int_equal(flow_time_part(NULL, t, FLOW_TIME_DAY_OF_WEEK), 4); /* Thursday */
    assert_ts(flow_time_trunc(NULL, t, FLOW_TIME_MONTH), "2024-02-01T00:00:00Z");
    assert_ts(flow_time_trunc(NULL, t, FLOW_TIME_WEEK), "2024-02-26T00:00:00Z");
    assert_int_equal(flow_time_part(NULL, t + 86400000, FLOW_TIME_MONTH), 3);
    assert_int_equal(flow_time_part(NULL, T("2023-03-01T00:00:00Z") - 1, FLOW_TIME_DAY), 28);
    assert_int_equal(flow_time_part(NULL, T("1900-02-28T00:00:00Z") + 86400000, FLOW_TIME_MONTH), 3);
    assert_int_equal(flow_time_part(NULL, T("2000-02-28T00:00:00Z") + 86400000, FLOW_TIME_DAY), 29);
    assert_format(T("2024-12-31T00:00:00Z"), "%j", NULL, "366");
    assert_format(T("2023-12-31T00:00:00Z"), "%j", NULL, "365");
    assert_parse("29/02/2024", "%d/%m/%Y", NULL, T("2024-02-29T00:00:00Z"));
    assert_parse("2024-060", "%Y-%j", NULL, T("2024-02-29T00:00:00Z"));
    assert_parse_fails("29/02/2023", "%d/%m/%Y", "out of range");
    assert_parse_fails("2023-366", "%Y-%j", "out of range");
}

static void test_year_boundaries(void **state)
{
    (void)state;
    int64_t t = T("2023-12-31T23:59:59.999Z");
    assert_int_equal(flow_time_part(NULL, t, FLOW_TIME_YEAR), 2023);
    assert_int_equal(flow_time_part(NULL, t + 1, FLOW_TIME_YEAR), 2024);
    assert_ts(flow_time_trunc(NULL, t, FLOW_TIME_YEAR), "2023-01-01T00:00:00Z");
    assert_ts(flow_time_trunc(NULL, t + 1, FLOW_TIME_YEAR), "2024-01-01T00:00:00Z");
    /* 22:00 on New Year's Eve in New York, 01:30 on New Year's Day in Paris. */
    assert_int_equal(flow_time_part(Z("America/New_York"), T("2024-01-01T03:00:00Z"), FLOW_TIME_YEAR), 2023);
    assert_ts(flow_time_trunc(Z("Europe/Paris"), T("2024-01-01T00:30:00Z"), FLOW_TIME_YEAR),
              "2023-12-31T23:00:00Z");
    /* An ISO week that starts in the year before. */
    assert_ts(flow_time_trunc(NULL, T("2021-01-01T10:00:00Z"), FLOW_TIME_WEEK), "2020-12-28T00:00:00Z");
    assert_int_equal(flow_time_part(NULL, T("2021-01-03T10:00:00Z"), FLOW_TIME_DAY_OF_WEEK), 7);
    assert_format(T("2024-01-01T00:00:00Z"), "%y %e %a %b", NULL, "24  1 Mon Jan");
}

static void test_before_1970(void **state)
{
    (void)state;
    assert_int_equal(flow_time_part(NULL, -1, FLOW_TIME_YEAR), 1969);
    assert_int_equal(flow_time_part(NULL, -1, FLOW_TIME_SECOND), 59);
    assert_int_equal(flow_time_part(NULL, -1, FLOW_TIME_DAY_OF_WEEK), 3); /* Wednesday */
    assert_true(flow_time_trunc(NULL, -1, FLOW_TIME_SECOND) == -1000);
    assert_true(flow_time_trunc(NULL, -1, FLOW_TIME_DAY) == -86400000);
    assert_true(flow_time_trunc(NULL, -1500, FLOW_TIME_MINUTE) == -60000);
    assert_format(-1, "%Y-%m-%d %H:%M:%S.%3N", NULL, "1969-12-31 23:59:59.999");
    assert_format(T("1900-01-01T00:00:00Z"), "%H:%M:%S %z %Z", Z("Europe/Paris"), "00:09:21 +000921 PMT");
    assert_format(T("1883-11-18T16:00:00Z"), "%z %Z", Z("America/New_York"), "-045602 LMT");
    assert_format(T("0001-01-01T00:00:00Z") - 1, "%Y-%m-%d %a", NULL, "0000-12-31 Sun");
    assert_parse("1969-12-31 23:59:59.999", "%Y-%m-%d %H:%M:%S.%3N", NULL, -1);
    assert_parse("-0001-01-01", "%Y-%m-%d", NULL, T("0000-01-01T00:00:00Z") - INT64_C(365) * 86400000);
    /* The first year of the int64 range has no start to truncate to. */
    assert_true(flow_time_trunc(NULL, INT64_MIN, FLOW_TIME_YEAR) == INT64_MIN);
    assert_true(flow_time_trunc(NULL, INT64_MIN, FLOW_TIME_SECOND) == INT64_MIN);
    assert_int_equal(flow_time_part(NULL, INT64_MIN, FLOW_TIME_YEAR), -292275055);
    assert_int_equal(flow_time_part(NULL, INT64_MAX, FLOW_TIME_YEAR), 292278994);
}

static void test_dst_paris(void **state)
{
    (void)state;
    const FlowTz *paris = Z("Europe/Paris");
    /* Spring: 02:00 CET is 03:00 CEST, at 01:00Z on 2024-03-31. */
    assert_int_equal(flow_time_part(paris, T("2024-03-31T00:59:59Z"), FLOW_TIME_HOUR), 1);
    assert_int_equal(flow_time_part(paris, T("2024-03-31T01:00:00Z"), FLOW_TIME_HOUR), 3);
    assert_ts(flow_time_trunc(paris, T("2024-03-31T12:00:00Z"), FLOW_TIME_DAY), "2024-03-30T23:00:00Z");
    assert_ts(flow_time_trunc(paris, T("2024-04-01T12:00:00Z"), FLOW_TIME_DAY), "2024-03-31T22:00:00Z");
    assert_parse("2024-03-31 02:30", "%Y-%m-%d %H:%M", paris, T("2024-03-31T01:30:00Z")); /* forward */
    /* Autumn: 03:00 CEST is 02:00 CET, at 01:00Z on 2024-10-27; 02:30 twice. */
    assert_int_equal(flow_time_part(paris, T("2024-10-27T00:30:00Z"), FLOW_TIME_HOUR), 2);
    assert_int_equal(flow_time_part(paris, T("2024-10-27T01:30:00Z"), FLOW_TIME_HOUR), 2);
    assert_ts(flow_time_trunc(paris, T("2024-10-27T00:30:00Z"), FLOW_TIME_HOUR), "2024-10-27T00:00:00Z");
    assert_ts(flow_time_trunc(paris, T("2024-10-27T01:30:00Z"), FLOW_TIME_HOUR), "2024-10-27T01:00:00Z");
    assert_ts(flow_time_trunc(paris, T("2024-10-27T20:00:00Z"), FLOW_TIME_DAY), "2024-10-26T22:00:00Z");
    assert_parse("2024-10-27 02:30", "%Y-%m-%d %H:%M", paris, T("2024-10-27T00:30:00Z")); /* earlier */
    assert_format(T("2024-10-27T00:30:00Z"), "%H:%M %Z", paris, "02:30 CEST");
    assert_format(T("2024-10-27T01:30:00Z"), "%H:%M %Z", paris, "02:30 CET");
}

static void test_dst_new_york(void **state)
{
    (void)state;
    const FlowTz *ny = Z("America/New_York");
    assert_int_equal(flow_time_part(ny, T("2024-03-10T06:59:59Z"), FLOW_TIME_HOUR), 1);
    assert_int_equal(flow_time_part(ny, T("2024-03-10T07:00:00Z"), FLOW_TIME_HOUR), 3);
    assert_ts(flow_time_trunc(ny, T("2024-03-10T12:00:00Z"), FLOW_TIME_DAY), "2024-03-10T05:00:00Z");
    assert_parse("2024-03-10 02:30", "%Y-%m-%d %H:%M", ny, T("2024-03-10T07:30:00Z"));
    assert_int_equal(flow_time_part(ny, T("2024-11-03T05:30:00Z"), FLOW_TIME_HOUR), 1);
    assert_int_equal(flow_time_part(ny, T("2024-11-03T06:30:00Z"), FLOW_TIME_HOUR), 1);
    assert_ts(flow_time_trunc(ny, T("2024-11-03T12:00:00Z"), FLOW_TIME_DAY), "2024-11-03T04:00:00Z");
    assert_ts(flow_time_trunc(ny, T("2024-11-04T12:00:00Z"), FLOW_TIME_DAY), "2024-11-04T05:00:00Z");
    assert_ts(flow_time_trunc(ny, T("2024-11-03T06:30:00Z"), FLOW_TIME_HOUR), "2024-11-03T06:00:00Z");
    assert_parse("2024-11-03 01:30", "%Y-%m-%d %H:%M", ny, T("2024-11-03T05:30:00Z"));
    assert_format(T("2024-11-03T06:30:00Z"), "%H:%M %z", ny, "01:30 -0500");
}

static void test_half_hour_zones(void **state)
{
    (void)state;
    const FlowTz *kolkata = Z("Asia/Kolkata"), *adelaide = Z("Australia/Adelaide");
    int64_t t = T("2024-01-01T00:00:00Z");
    assert_int_equal(flow_time_part(kolkata, t, FLOW_TIME_HOUR), 5);
    assert_int_equal(flow_time_part(kolkata, t, FLOW_TIME_MINUTE), 30);
    assert_ts(flow_time_trunc(kolkata, t, FLOW_TIME_HOUR), "2023-12-31T23:30:00Z");
    assert_ts(flow_time_trunc(kolkata, t, FLOW_TIME_DAY), "2023-12-31T18:30:00Z");
    assert_format(t, "%H:%M %z %Z", adelaide, "10:30 +1030 ACDT");
    assert_format(T("2024-07-01T00:00:00Z"), "%H:%M %z %Z", adelaide, "09:30 +0930 ACST");
    assert_ts(flow_time_trunc(adelaide, t, FLOW_TIME_DAY), "2023-12-31T13:30:00Z");
    assert_parse("2024-01-01 10:30 +1030", "%Y-%m-%d %H:%M %z", NULL, t);
    assert_parse("2024-01-01 05:30:00+05:30", "%Y-%m-%d %H:%M:%S%z", NULL, t);
}

static void test_far_future_footer(void **state)
{
    (void)state;
    const FlowTz *paris = Z("Europe/Paris"), *ny = Z("America/New_York");
    const FlowTz *adelaide = Z("Australia/Adelaide");
    assert_format(4109878799000, "%d %H:%M:%S %Z", paris, "28 01:59:59 CET");
    assert_format(4109878800000, "%d %H:%M:%S %Z", paris, "28 03:00:00 CEST");
    assert_format(4108690799000, "%H:%M:%S %Z", ny, "01:59:59 EST");
    assert_format(4108690800000, "%H:%M:%S %Z", ny, "03:00:00 EDT");
    /* South of the equator daylight time spans the new year. */
    assert_format(4110452999000, "%H:%M:%S %Z", adelaide, "02:59:59 ACDT");
    assert_format(4110453000000, "%H:%M:%S %Z", adelaide, "02:00:00 ACST");
    assert_format(4126177799000, "%H:%M:%S %Z", adelaide, "01:59:59 ACST");
    assert_format(4126177800000, "%H:%M:%S %Z", adelaide, "03:00:00 ACDT");
    assert_ts(flow_time_trunc(paris, T("2100-07-01T12:00:00Z"), FLOW_TIME_DAY), "2100-06-30T22:00:00Z");
}

static void test_posix_strings(void **state)
{
    (void)state;
    FlowTz z;
    memset(&z, 0, sizeof z);
    assert_true(flowrt_tz_parse_posix(&z, "<+0330>-3:30", 12));
    assert_int_equal(z.std.utoff, 3 * 3600 + 1800);
    assert_string_equal(z.std.abbr, "+0330");
    assert_false(z.has_dst);
    const char *ny = "EST5EDT,M3.2.0,M11.1.0";
    assert_true(flowrt_tz_parse_posix(&z, ny, strlen(ny)));
    assert_int_equal(z.std.utoff, -5 * 3600);
    assert_int_equal(z.dst.utoff, -4 * 3600);
    assert_int_equal(z.start.month, 3);
    assert_int_equal(z.end.time, 7200);
    const char *j = "XXX3YYY,J60/-1,300/26:30";
    assert_true(flowrt_tz_parse_posix(&z, j, strlen(j)));
    assert_int_equal(z.start.kind, 'J');
    assert_int_equal(z.start.time, -3600);
    assert_int_equal(z.end.kind, 'n');
    assert_int_equal(z.end.time, 26 * 3600 + 1800);
    static const char *const bad[] = { "", "C-1", "CET", "CET-1CEST", "CET-1CEST,M13.1.0,M10.5.0",
                                       "CET-1CEST,M3.5.0", "CET-1 ", "<CET-1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(flowrt_tz_parse_posix(&z, bad[i], strlen(bad[i])));
}

static void test_patterns(void **state)
{
    (void)state;
    int64_t t = T("2024-07-04T09:05:03.007Z");
    assert_format(t, "%Y-%m-%d %H:%M:%S.%3N %z %Z %a %b %j %y %e %%", NULL,
                  "2024-07-04 09:05:03.007 +0000 UTC Thu Jul 186 24  4 %");
    assert_format(t, "", NULL, "");
    assert_format(t, "no directives", NULL, "no directives");
    assert_null(flow_time_format_check(S("%Y%m%d%H%M%S%3N")));
    assert_non_null(flow_time_format_check(S("%Q")));
    assert_non_null(flow_time_format_check(S("%3")));
    assert_non_null(flow_time_format_check(S("100%")));
    const char *err = NULL;
    flow_time_format(&rt, &err, t, S("%F"), NULL);
    assert_non_null(err);

    assert_parse("20240704090503", "%Y%m%d%H%M%S", NULL, T("2024-07-04T09:05:03Z"));
    assert_parse("Thu, 4 jul 2024 09:05:03 GMT", "%a, %e %b %Y %H:%M:%S %Z", NULL,
                 T("2024-07-04T09:05:03Z"));
    assert_parse("July 4 99", "%b %d %y", NULL, T("1999-07-04T00:00:00Z"));
    assert_parse("04.07.68 100%", "%d.%m.%y 100%%", NULL, T("2068-07-04T00:00:00Z"));
    assert_parse("2024-07-04T09:05:03.007Z", "%Y-%m-%dT%H:%M:%S.%3N%z", NULL, t);
    assert_parse("", "", NULL, 0);
    assert_parse_fails("2024-07-04x", "%Y-%m-%d", "text after the pattern");
    assert_parse_fails("2024/07/04", "%Y-%m-%d", "does not match");
    assert_parse_fails("", "%Y", "does not match");
    assert_parse_fails("2024-07-04 24:00", "%Y-%m-%d %H:%M", "out of range");
    assert_parse_fails("2024-13-04", "%Y-%m-%d", "out of range");
    assert_parse_fails("2024-00-04", "%Y-%m-%d", "out of range");
    assert_parse_fails("12:00:60", "%H:%M:%S", "out of range");
    assert_parse_fails("1.5", "%S.%3N", "does not match");
    assert_parse_fails("2024", "%Q", "unsupported directive");
    /* A pattern of a format written back by the parse. */
    const char *fmt = "%Y-%m-%d %H:%M:%S.%3N %z";
    const char *e2 = NULL;
    FlowStr text = flow_time_format(&rt, &e2, t, S(fmt), Z("Asia/Kolkata"));
    assert_true(flow_time_parse(&e2, text, S(fmt), NULL) == t);
    assert_null(e2);
}

static void test_zone_names(void **state)
{
    (void)state;
    assert_ptr_equal(Z("Europe/Paris"), Z("Europe/Paris"));
    assert_non_null(Z("UTC"));
    assert_format(T("2024-01-01T00:00:00Z"), "%z %Z", Z("UTC"), "+0000 UTC");
    assert_int_equal(flow_time_unit(S("week")), FLOW_TIME_WEEK);
    assert_int_equal(flow_time_unit(S("weeks")), -1);
    assert_int_equal(flow_time_unit(S("")), -1);
    static const char *const bad[] = {
        "Mars/Olympus", "", "../../../etc/passwd", "/etc/localtime", "Europe/../Europe/Paris",
        "Europe/", "Europe//Paris", "Europe/Paris\n", "zone.tab", "Europe",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *err = NULL;
        assert_null(flow_time_zone(&err, S(bad[i])));
        assert_non_null(err);
        assert_non_null(strstr(err, "unknown time zone"));
    }
    /* A name that is no zone is looked up in the database once, not per record. */
    int before = flowrt_tz_file_lookups;
    for (int i = 0; i < 1000; i++) {
        const char *e = NULL;
        assert_null(flow_time_zone(&e, S("Atlantis/Capital")));
        assert_non_null(strstr(e, "unknown time zone \"Atlantis/Capital\""));
    }
    assert_int_equal(flowrt_tz_file_lookups, before + 1);
    /* An earlier error is kept. */
    const char *err = "earlier";
    assert_null(flow_time_zone(&err, S("Nowhere/Else")));
    assert_string_equal(err, "earlier");
}

static void *load_zones(void *arg)
{
    static const char *const names[] = { "Asia/Tokyo", "Europe/Berlin", "America/Chicago",
                                         "Africa/Cairo", "Pacific/Auckland" };
    const FlowTz **out = arg;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < 5; i++) {
            const char *err = NULL;
            out[i] = flow_time_zone(&err, (FlowStr){ names[i], (int64_t)strlen(names[i]) });
        }
    return NULL;
}

/* Two threads loading the same zones get the same immutable zones. */
static void test_cache_two_threads(void **state)
{
    (void)state;
    const FlowTz *a[5], *b[5];
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, load_zones, a), 0);
    assert_int_equal(pthread_create(&tb, NULL, load_zones, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    for (int i = 0; i < 5; i++) {
        assert_non_null(a[i]);
        assert_ptr_equal(a[i], b[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_days),
        cmocka_unit_test(test_year_boundaries),
        cmocka_unit_test(test_before_1970),
        cmocka_unit_test(test_dst_paris),
        cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_half_hour_zones),
        cmocka_unit_test(test_far_future_footer),
        cmocka_unit_test(test_posix_strings),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_zone_names),
        cmocka_unit_test(test_cache_two_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
