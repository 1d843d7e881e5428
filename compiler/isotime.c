#include "isotime.h"

/* Reads exactly `n` decimal digits at *p. */
static bool read_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

static bool expect_char(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), exact for every year this parser accepts. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool parse_epoch_ms(const char *s, const char *end, int64_t *out_ms)
{
    bool neg = s < end && *s == '-';
    if (neg)
        s++;
    if (s == end)
        return false;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned digit = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
        return false;
    *out_ms = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool iso_parse_timestamp(const char *s, size_t len, int64_t *out_ms)
{
    const char *p = s, *end = s + len;
    int year, month, day, hour, minute, second;
    if (!read_digits(&p, end, 4, &year) || !expect_char(&p, end, '-'))
        return parse_epoch_ms(s, end, out_ms);
    if (!read_digits(&p, end, 2, &month) || !expect_char(&p, end, '-') ||
        !read_digits(&p, end, 2, &day))
        return false;
    if (p >= end || (*p != 'T' && *p != ' '))
        return false;
    p++;
    if (!read_digits(&p, end, 2, &hour) || !expect_char(&p, end, ':') ||
        !read_digits(&p, end, 2, &minute) || !expect_char(&p, end, ':') ||
        !read_digits(&p, end, 2, &second))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59)
        return false;

    int millis = 0;
    if (p < end && *p == '.') {
        p++;
        int ndigits = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, ndigits++)
            if (ndigits < 3)
                millis = millis * 10 + (*p - '0');
        if (ndigits == 0 || ndigits > 9)
            return false;
        for (; ndigits < 3; ndigits++)
            millis *= 10;
    }

    int offset_min = 0;
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        int oh, om;
        if (!read_digits(&p, end, 2, &oh) || !expect_char(&p, end, ':') ||
            !read_digits(&p, end, 2, &om) || oh > 23 || om > 59)
            return false;
        offset_min = sign * (oh * 60 + om);
    }
    if (p != end)
        return false;

    int64_t secs = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                   minute * 60 + second - (int64_t)offset_min * 60;
    *out_ms = secs * 1000 + millis;
    return true;
}
