/* fn_time.c: the time functions of flow/fn_time.h: a timestamp split into
 * its local calendar fields, date_trunc, and the strftime-style patterns
 * of format_timestamp and parse_timestamp (docs/language.md, "Time
 * functions"). The zones come from tzfile.c; the calendar from codec.c. */
#include "flow/fn_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "codec_internal.h"
#include "tzfile.h"

/* A timestamp in local time. */
typedef struct Civil {
    int64_t year, days;    /* days: since 1970-01-01 of the local calendar */
    int month, day, hour, minute, second, ms;
    int wday;              /* 1 Monday ... 7 Sunday */
    int yday;              /* 1 ... 366 */
    const TzType *type;    /* the offset in force */
} Civil;

static void civil_at(const FlowTz *z, int64_t ts, Civil *c)
{
    /* Not ts - sec * 1000, which overflows for the first second of the range. */
    c->ms = (int)(ts % 1000 + (ts % 1000 < 0 ? 1000 : 0));
    int64_t sec = flowrt_floor_div(ts, 1000);
    c->type = flowrt_tz_at(z, sec);
    int64_t local = sec + c->type->utoff;
    c->days = flowrt_floor_div(local, 86400);
    int sod = (int)(local - c->days * 86400);
    flowrt_codec_civil_from_days(c->days, &c->year, &c->month, &c->day);
    c->hour = sod / 3600;
    c->minute = sod / 60 % 60;
    c->second = sod % 60;
    c->wday = (int)flowrt_floor_mod(c->days + 3, 7) + 1; /* 1970-01-01 was a Thursday */
    c->yday = (int)(c->days - flowrt_codec_days_from_civil(c->year, 1, 1)) + 1;
}

int flow_time_unit(FlowStr name)
{
    static const char *const units[] = {
        [FLOW_TIME_SECOND] = "second", [FLOW_TIME_MINUTE] = "minute", [FLOW_TIME_HOUR] = "hour",
        [FLOW_TIME_DAY] = "day", [FLOW_TIME_WEEK] = "week", [FLOW_TIME_MONTH] = "month",
        [FLOW_TIME_YEAR] = "year",
    };
    for (int i = 0; i < (int)(sizeof units / sizeof units[0]); i++)
        if (strlen(units[i]) == (size_t)name.len && memcmp(units[i], name.ptr, (size_t)name.len) == 0)
            return i;
    return -1;
}

int32_t flow_time_part(const FlowTz *z, int64_t ts, int unit)
{
    Civil c;
    civil_at(z, ts, &c);
    switch (unit) {
    case FLOW_TIME_SECOND: return c.second;
    case FLOW_TIME_MINUTE: return c.minute;
    case FLOW_TIME_HOUR: return c.hour;
    case FLOW_TIME_DAY: return c.day;
    case FLOW_TIME_MONTH: return c.month;
    case FLOW_TIME_YEAR: return (int32_t)c.year; /* int64 ms reach year 292278994 */
    case FLOW_TIME_DAY_OF_WEEK: return c.wday;
    default: return 0;
    }
}

int64_t flow_time_trunc(const FlowTz *z, int64_t ts, int unit)
{
    Civil c;
    civil_at(z, ts, &c);
    int64_t days = c.days, sec;
    switch (unit) {
    case FLOW_TIME_SECOND:
        /* Every offset is whole seconds; the range's first second starts below it. */
        return ts < INT64_MIN + c.ms ? INT64_MIN : ts - c.ms;
    case FLOW_TIME_MINUTE:
    case FLOW_TIME_HOUR: {
        /* The hour of 01:30 on a fall-back night is the one of its own
         * offset, as PostgreSQL keeps it for units below a day. */
        int64_t local = days * 86400 + c.hour * 3600 + (unit == FLOW_TIME_MINUTE ? c.minute * 60 : 0);
        sec = flowrt_tz_from_local(z, local, &c.type->utoff);
        break;
    }
    case FLOW_TIME_WEEK: days -= c.wday - 1; /* fall through */
    case FLOW_TIME_DAY: sec = flowrt_tz_from_local(z, days * 86400, NULL); break;
    case FLOW_TIME_MONTH:
        sec = flowrt_tz_from_local(z, flowrt_codec_days_from_civil(c.year, c.month, 1) * 86400, NULL);
        break;
    case FLOW_TIME_YEAR:
        sec = flowrt_tz_from_local(z, flowrt_codec_days_from_civil(c.year, 1, 1) * 86400, NULL);
        break;
    default: return ts;
    }
    /* Only the first year of the int64 range truncates below its start. */
    return sec < INT64_MIN / 1000 ? INT64_MIN : sec * 1000;
}

/* ---- Patterns ---------------------------------------------------------- */

static const char *const day_names[] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};
static const char *const month_names[] = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
};

/* The directive at p (just after '%'): its length in the pattern, or 0. */
static int directive_len(const char *p, const char *end)
{
    if (p >= end)
        return 0;
    if (*p == '3')
        return p + 1 < end && p[1] == 'N' ? 2 : 0;
    return strchr("YmdHMSjabyezZ%", *p) && *p ? 1 : 0;
}

static _Thread_local char pattern_reason[120];

const char *flow_time_format_check(FlowStr fmt)
{
    const char *p = fmt.ptr, *end = fmt.ptr + fmt.len;
    for (; p < end; p++) {
        if (*p != '%')
            continue;
        int n = directive_len(p + 1, end);
        if (n == 0 && p + 1 == end)
            return "the pattern ends in a lone '%' (write %% for a '%')";
        if (n == 0) {
            char q[16];
            flowrt_codec_quote(q, sizeof q, p, end - p > 2 ? 2 : (size_t)(end - p));
            snprintf(pattern_reason, sizeof pattern_reason,
                     "unsupported directive %s (see docs/language.md, \"Time functions\")", q);
            return pattern_reason;
        }
        p += n;
    }
    return NULL;
}

static _Thread_local char time_reason[200];

static void fail(const char **err, const char *fn, FlowStr s, const char *why)
{
    if (*err)
        return;
    char q[64];
    flowrt_codec_quote(q, sizeof q, s.ptr, (size_t)s.len);
    snprintf(time_reason, sizeof time_reason, "%s(%s): %s", fn, q, why);
    *err = time_reason;
}

static size_t put_num(char *out, int64_t v, int width, char pad)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRId64, v < 0 ? -v : v);
    size_t k = 0;
    if (v < 0)
        out[k++] = '-';
    for (int i = n; i < width; i++)
        out[k++] = pad;
    memcpy(out + k, digits, (size_t)n);
    return k + (size_t)n;
}

static size_t put_offset(char *out, int32_t off)
{
    size_t k = 0;
    out[k++] = off < 0 ? '-' : '+';
    int32_t a = off < 0 ? -off : off;
    k += put_num(out + k, a / 3600, 2, '0');
    k += put_num(out + k, a / 60 % 60, 2, '0');
    if (a % 60) /* a local mean time before 1900, as Python writes it */
        k += put_num(out + k, a % 60, 2, '0');
    return k;
}

FlowStr flow_time_format(FlowRuntime *rt, const char **err, int64_t ts, FlowStr fmt,
                         const FlowTz *z)
{
    const char *why = flow_time_format_check(fmt);
    if (why) {
        fail(err, "format_timestamp", fmt, why);
        return (FlowStr){ "", 0 };
    }
    Civil c;
    civil_at(z, ts, &c);
    /* No directive writes more than 16 bytes, and each takes two. */
    char *out = flow_scratch_alloc(rt, (size_t)fmt.len * 8 + 1);
    size_t k = 0;
    for (const char *p = fmt.ptr, *end = fmt.ptr + fmt.len; p < end; p++) {
        if (*p != '%') {
            out[k++] = *p;
            continue;
        }
        switch (*++p) {
        case 'Y': k += put_num(out + k, c.year, 4, '0'); break;
        case 'm': k += put_num(out + k, c.month, 2, '0'); break;
        case 'd': k += put_num(out + k, c.day, 2, '0'); break;
        case 'e': k += put_num(out + k, c.day, 2, ' '); break;
        case 'H': k += put_num(out + k, c.hour, 2, '0'); break;
        case 'M': k += put_num(out + k, c.minute, 2, '0'); break;
        case 'S': k += put_num(out + k, c.second, 2, '0'); break;
        case 'j': k += put_num(out + k, c.yday, 3, '0'); break;
        case 'y': k += put_num(out + k, flowrt_floor_mod(c.year, 100), 2, '0'); break;
        case 'a': memcpy(out + k, day_names[c.wday - 1], 3); k += 3; break;
        case 'b': memcpy(out + k, month_names[c.month - 1], 3); k += 3; break;
        case 'z': k += put_offset(out + k, c.type->utoff); break;
        case 'Z': {
            size_t n = strlen(c.type->abbr);
            memcpy(out + k, c.type->abbr, n);
            k += n;
            break;
        }
        case '3': k += put_num(out + k, c.ms, 3, '0'); p++; break; /* %3N */
        default: out[k++] = '%'; break;                            /* %% */
        }
    }
    return (FlowStr){ out, (int64_t)k };
}

/* ---- Parsing ----------------------------------------------------------- */

typedef struct Scan {
    const char *p, *end;
} Scan;

/* Between min and max digits (as many as there are up to max). */
static bool scan_digits(Scan *s, int min, int max, int *out)
{
    int v = 0, n = 0;
    while (n < max && s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        v = v * 10 + (*s->p++ - '0');
        n++;
    }
    *out = v;
    return n >= min;
}

/* A name of `names` in full or its first three letters, any case: its index or -1. */
static int scan_name(Scan *s, const char *const *names, int count)
{
    for (int i = 0; i < count; i++) {
        size_t full = strlen(names[i]), left = (size_t)(s->end - s->p);
        size_t n = left >= full && strncasecmp(s->p, names[i], full) == 0 ? full
                   : left >= 3 && strncasecmp(s->p, names[i], 3) == 0 ? 3 : 0;
        if (n) {
            s->p += n;
            return i;
        }
    }
    return -1;
}

/* Z, +hh, +hhmm or +hh:mm. */
static bool scan_offset(Scan *s, int32_t *off)
{
    if (s->p < s->end && *s->p == 'Z') {
        s->p++;
        *off = 0;
        return true;
    }
    if (s->p >= s->end || (*s->p != '+' && *s->p != '-'))
        return false;
    int sign = *s->p++ == '-' ? -1 : 1, h, m = 0;
    if (!scan_digits(s, 2, 2, &h) || h > 23)
        return false;
    if (s->p < s->end && *s->p == ':')
        s->p++;
    if (s->p < s->end && *s->p >= '0' && *s->p <= '9' && (!scan_digits(s, 2, 2, &m) || m > 59))
        return false;
    *off = sign * (h * 3600 + m * 60);
    return true;
}

int64_t flow_time_parse(const char **err, FlowStr str, FlowStr fmt, const FlowTz *z)
{
    const char *why = flow_time_format_check(fmt);
    if (why) {
        fail(err, "parse_timestamp", fmt, why);
        return 0;
    }
    int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, ms = 0, yday = 0;
    int32_t off = 0;
    bool negative = false, has_off = false, ok = true;
    Scan s = { str.ptr, str.ptr + str.len };
    for (const char *p = fmt.ptr, *end = fmt.ptr + fmt.len; p < end && ok; p++) {
        if (*p != '%') {
            ok = s.p < s.end && *s.p++ == *p;
            continue;
        }
        switch (*++p) {
        case 'Y':
            negative = s.p < s.end && *s.p == '-';
            s.p += negative;
            ok = scan_digits(&s, 1, 4, &year);
            break;
        case 'y':
            ok = scan_digits(&s, 2, 2, &year);
            year += year < 69 ? 2000 : 1900; /* POSIX: 69-99 are 19xx */
            break;
        case 'm': ok = scan_digits(&s, 1, 2, &month); break;
        case 'e':
            if (s.p < s.end && *s.p == ' ')
                s.p++;
            /* fall through */
        case 'd': ok = scan_digits(&s, 1, 2, &day); break;
        case 'H': ok = scan_digits(&s, 1, 2, &hour); break;
        case 'M': ok = scan_digits(&s, 1, 2, &minute); break;
        case 'S': ok = scan_digits(&s, 1, 2, &second); break;
        case 'j': ok = scan_digits(&s, 1, 3, &yday) && yday >= 1; break;
        case '3': ok = scan_digits(&s, 3, 3, &ms); p++; break;
        case 'a': ok = scan_name(&s, day_names, 7) >= 0; break;
        case 'b': month = scan_name(&s, month_names, 12) + 1; ok = month > 0; break;
        case 'z': ok = scan_offset(&s, &off); has_off = true; break;
        case 'Z':
            ok = scan_name(&s, (const char *const[]){ "UTC", "GMT" }, 2) >= 0 ||
                 (s.p < s.end && *s.p++ == 'Z');
            off = 0;
            has_off = true;
            break;
        default: ok = s.p < s.end && *s.p++ == '%'; break;
        }
    }
    if (!ok)
        return fail(err, "parse_timestamp", str, "does not match the pattern"), 0;
    if (s.p != s.end)
        return fail(err, "parse_timestamp", str, "text after the pattern"), 0;
    int64_t y = negative ? -year : year;
    int64_t jan1 = flowrt_codec_days_from_civil(y, 1, 1);
    int64_t days = flowrt_codec_days_from_civil(y, month, day);
    bool leap = flowrt_codec_days_from_civil(y + 1, 1, 1) - jan1 == 366;
    int dim = month == 2 ? 28 + leap : 30 + ((month + (month > 7)) & 1);
    if (month < 1 || month > 12 || day < 1 || day > dim || hour > 23 || minute > 59 ||
        second > 59 || yday > 365 + leap)
        return fail(err, "parse_timestamp", str, "a field is out of range"), 0;
    if (yday)
        days = jan1 + yday - 1;
    int64_t local = days * 86400 + hour * 3600 + minute * 60 + second;
    int64_t sec = has_off ? local - off : flowrt_tz_from_local(z, local, NULL);
    return sec * 1000 + ms;
}
