/* tzfile.c: time zones read from the system tz database by hand, and the
 * process-wide cache that owns them (docs/architecture.md, "Time zones").
 *
 * Why by hand: the C library's localtime_r reads the zone named by the TZ
 * variable, process-wide state that one run on one thread cannot change
 * for itself without racing every other, and no Debian C library offers a
 * re-entrant tz API. A TZif file (RFC 8536) is small and simple: we read
 * its version 2+ 64-bit data (transitions and their types) and its footer,
 * a POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") that gives the rule for
 * every time after the last transition (the far future, e.g. 2100).
 *
 * Zones are immutable once loaded and never freed: a run holds plain
 * pointers to them without reference counts. The cache is a list that only
 * grows at its head: readers load the head (acquire) and walk it without a
 * lock; a load takes the mutex, looks again, and publishes (release). */
#include "tzfile.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

#define ZONEINFO_DIR "/usr/share/zoneinfo/"
#define TZIF_MAX_SIZE (1 << 20)

static const TzType utc_type = { 0, false, "UTC" };

/* UTC needs no file, so a program without tzdata can still name it. */
static FlowTz utc_zone = {
    .name = "UTC", .types = (TzType *)&utc_type, .ntypes = 1,
};

static _Atomic(FlowTz *) cache_head = &utc_zone;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- Offsets at an instant --------------------------------------------- */

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}


/* Seconds since the epoch of the local calendar at which rule r falls in
 * year y (the rule's time of day included). */
static int64_t rule_local(const TzRule *r, int64_t y)
{
    int64_t jan1 = flowrt_codec_days_from_civil(y, 1, 1), day;
    switch (r->kind) {
    case 'J': day = jan1 + r->n - 1 + (is_leap(y) && r->n >= 60); break;
    case 'n': day = jan1 + r->n; break;
    default: {
        int64_t first = flowrt_codec_days_from_civil(y, r->month, 1);
        int64_t next = r->month == 12 ? flowrt_codec_days_from_civil(y + 1, 1, 1)
                                      : flowrt_codec_days_from_civil(y, r->month + 1, 1);
        int64_t wday1 = flowrt_floor_mod(first + 4, 7); /* 0 Sunday; 1970-01-01 was a Thursday */
        day = first + (r->wday - wday1 + 7) % 7 + 7 * (r->week - 1);
        while (day >= next)
            day -= 7; /* week 5 is the last such weekday of the month */
    }
    }
    return day * 86400 + r->time;
}

static const TzType *footer_at(const FlowTz *z, int64_t t)
{
    if (!z->has_dst)
        return &z->std;
    int64_t y, days = flowrt_floor_div(t + z->std.utoff, 86400);
    int m, d;
    flowrt_codec_civil_from_days(days, &y, &m, &d);
    /* The start rule is in standard local time, the end in daylight time. */
    int64_t s = rule_local(&z->start, y) - z->std.utoff;
    int64_t e = rule_local(&z->end, y) - z->dst.utoff;
    bool dst = s < e ? t >= s && t < e : !(t >= e && t < s);
    return dst ? &z->dst : &z->std;
}

/* The type before the first transition: the first standard one (as
 * RFC 8536's type 0 is in practice, and as Python's zoneinfo reads it). */
static const TzType *type_before(const FlowTz *z)
{
    for (int i = 0; i < z->ntypes; i++)
        if (!z->types[i].isdst)
            return &z->types[i];
    return &z->types[0];
}

const TzType *flowrt_tz_at(const FlowTz *z, int64_t t)
{
    if (!z)
        return &utc_type;
    if (z->ntrans == 0)
        return z->has_footer ? footer_at(z, t) : type_before(z);
    if (t < z->trans[0])
        return type_before(z);
    if (t > z->trans[z->ntrans - 1] && z->has_footer)
        return footer_at(z, t);
    int lo = 0, hi = z->ntrans - 1; /* the last transition at or before t */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &z->types[z->trans_type[lo]];
}

/* ---- Local time back to an instant ------------------------------------- */

static bool offset_holds(const FlowTz *z, int64_t local, int32_t off)
{
    return flowrt_tz_at(z, local - off)->utoff == off;
}

int64_t flowrt_tz_from_local(const FlowTz *z, int64_t local, const int32_t *prefer)
{
    if (prefer && offset_holds(z, local, *prefer))
        return local - *prefer;
    /* Every instant with this local time is within a day and two hours of
     * it (offsets are within +-26h), so the offsets around are those of
     * the instants at both ends of that span and the ones they lead to. */
    int32_t cand[4];
    cand[0] = flowrt_tz_at(z, local - 26 * 3600)->utoff;
    cand[1] = flowrt_tz_at(z, local + 26 * 3600)->utoff;
    cand[2] = flowrt_tz_at(z, local - cand[0])->utoff;
    cand[3] = flowrt_tz_at(z, local - cand[1])->utoff;
    bool found = false;
    int32_t best = 0, widest = cand[0];
    for (int i = 0; i < 4; i++) {
        if (cand[i] > widest)
            widest = cand[i];
        /* Of two answers the earlier instant, the larger offset. */
        if (offset_holds(z, local, cand[i]) && (!found || cand[i] > best)) {
            best = cand[i];
            found = true;
        }
    }
    if (found)
        return local - best;
    /* A gap: read it with the offset before the transition, which lands
     * after it (02:30 in a 02:00 -> 03:00 gap is 03:30). The instant with
     * the largest offset is before the transition and has that offset. */
    return local - flowrt_tz_at(z, local - widest)->utoff;
}

/* ---- POSIX TZ strings (the TZif footer) -------------------------------- */

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static bool at_char(const Cursor *c, char ch)
{
    return c->p < c->end && *c->p == ch;
}

static bool read_num(Cursor *c, int max, int *out)
{
    int v = 0, n = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && n < 4) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    *out = v;
    return n > 0 && v <= max;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to 167 (TZif version 3 rule times). */
static bool read_hms(Cursor *c, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (at_char(c, '+') || at_char(c, '-'))
        sign = *c->p++ == '-' ? -1 : 1;
    if (!read_num(c, 167, &h))
        return false;
    if (at_char(c, ':')) {
        c->p++;
        if (!read_num(c, 59, &m))
            return false;
        if (at_char(c, ':')) {
            c->p++;
            if (!read_num(c, 59, &s))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return true;
}

static bool read_abbr(Cursor *c, char *abbr)
{
    const char *from = c->p;
    size_t n;
    if (at_char(c, '<')) {
        from = ++c->p;
        while (c->p < c->end && *c->p != '>')
            c->p++;
        n = (size_t)(c->p - from);
        if (!at_char(c, '>'))
            return false;
        c->p++;
    } else {
        while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')))
            c->p++;
        n = (size_t)(c->p - from);
    }
    if (n < 3 || n >= 16)
        return false;
    memcpy(abbr, from, n);
    abbr[n] = '\0';
    return true;
}

static bool read_rule(Cursor *c, TzRule *r)
{
    r->time = 2 * 3600;
    if (at_char(c, 'J')) {
        c->p++;
        r->kind = 'J';
        if (!read_num(c, 365, &r->n) || r->n < 1)
            return false;
    } else if (at_char(c, 'M')) {
        c->p++;
        r->kind = 'M';
        if (!read_num(c, 12, &r->month) || r->month < 1 || !at_char(c, '.'))
            return false;
        c->p++;
        if (!read_num(c, 5, &r->week) || r->week < 1 || !at_char(c, '.'))
            return false;
        c->p++;
        if (!read_num(c, 6, &r->wday))
            return false;
    } else {
        r->kind = 'n';
        if (!read_num(c, 365, &r->n))
            return false;
    }
    if (at_char(c, '/')) {
        c->p++;
        return read_hms(c, &r->time);
    }
    return true;
}

bool flowrt_tz_parse_posix(FlowTz *z, const char *s, size_t len)
{
    Cursor c = { s, s + len };
    int32_t off;
    if (!read_abbr(&c, z->std.abbr) || !read_hms(&c, &off))
        return false;
    z->std.utoff = -off; /* POSIX counts west of UTC */
    z->std.isdst = false;
    z->has_dst = c.p < c.end;
    if (z->has_dst) {
        if (!read_abbr(&c, z->dst.abbr))
            return false;
        z->dst.utoff = z->std.utoff + 3600;
        if (!at_char(&c, ',')) {
            if (!read_hms(&c, &off))
                return false;
            z->dst.utoff = -off;
        }
        z->dst.isdst = true;
        if (!at_char(&c, ','))
            return false; /* TZif footers always give the rules */
        c.p++;
        if (!read_rule(&c, &z->start) || !at_char(&c, ','))
            return false;
        c.p++;
        if (!read_rule(&c, &z->end))
            return false;
    }
    return c.p == c.end;
}

/* ---- TZif files -------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct TzifHeader {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} TzifHeader;

static bool read_header(const unsigned char *p, size_t n, TzifHeader *h)
{
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    h->version = (char)p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return h->typecnt >= 1 && h->typecnt <= 256 && h->timecnt <= 100000 && h->charcnt <= 1024 &&
           h->leapcnt <= 1000 && h->isutcnt <= 256 && h->isstdcnt <= 256;
}

/* The size of a data block whose times have `tsize` bytes. */
static size_t block_size(const TzifHeader *h, size_t tsize)
{
    return h->timecnt * tsize + h->timecnt + h->typecnt * 6 + h->charcnt +
           h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static bool read_block(FlowTz *z, const TzifHeader *h, const unsigned char *p, size_t tsize)
{
    z->ntrans = (int)h->timecnt;
    z->ntypes = (int)h->typecnt;
    z->trans = calloc(h->timecnt + 1, sizeof *z->trans);
    z->trans_type = calloc(h->timecnt + 1, 1);
    z->types = calloc(h->typecnt, sizeof *z->types);
    if (!z->trans || !z->trans_type || !z->types)
        return false;
    for (uint32_t i = 0; i < h->timecnt; i++, p += tsize) {
        z->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return false;
    }
    for (uint32_t i = 0; i < h->timecnt; i++, p++) {
        if (*p >= h->typecnt)
            return false;
        z->trans_type[i] = *p;
    }
    const unsigned char *chars = p + h->typecnt * 6;
    for (uint32_t i = 0; i < h->typecnt; i++, p += 6) {
        TzType *t = &z->types[i];
        t->utoff = (int32_t)be32(p);
        t->isdst = p[4] != 0;
        if (p[5] >= h->charcnt || t->utoff < -26 * 3600 || t->utoff > 26 * 3600)
            return false;
        size_t n = strnlen((const char *)chars + p[5], h->charcnt - p[5]);
        if (n >= sizeof t->abbr)
            n = sizeof t->abbr - 1;
        memcpy(t->abbr, chars + p[5], n);
        t->abbr[n] = '\0';
    }
    return true;
}

static bool read_tzif(FlowTz *z, const unsigned char *p, size_t n)
{
    TzifHeader h;
    if (!read_header(p, n, &h) || n - 44 < block_size(&h, 4))
        return false;
    if (h.version == '\0') /* version 1: 32-bit times, no footer */
        return read_block(z, &h, p + 44, 4);
    size_t second = 44 + block_size(&h, 4);
    if (!read_header(p + second, n - second, &h) || n - second - 44 < block_size(&h, 8))
        return false;
    const unsigned char *data = p + second + 44;
    if (!read_block(z, &h, data, 8))
        return false;
    const unsigned char *foot = data + block_size(&h, 8), *end = p + n;
    if (foot < end && *foot == '\n') {
        const unsigned char *nl = memchr(foot + 1, '\n', (size_t)(end - foot - 1));
        if (!nl)
            return false;
        z->has_footer = nl > foot + 1;
        if (z->has_footer && !flowrt_tz_parse_posix(z, (const char *)foot + 1,
                                                    (size_t)(nl - foot - 1)))
            return false;
    }
    return z->ntypes > 0;
}

void flowrt_tz_free(FlowTz *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->trans_type);
    free(z->types);
    free((char *)z->name);
    free(z);
}

FlowTz *flowrt_tz_from_bytes(FlowStr name, const unsigned char *p, size_t n)
{
    FlowTz *z = calloc(1, sizeof *z);
    char *copy = malloc((size_t)name.len + 1);
    if (!z || !copy) {
        free(z);
        free(copy);
        return NULL;
    }
    memcpy(copy, name.ptr, (size_t)name.len);
    copy[name.len] = '\0';
    z->name = copy;
    if (!read_tzif(z, p, n)) {
        flowrt_tz_free(z);
        return NULL;
    }
    return z;
}

/* Area/City names only: letters, digits, "_+-" and "/" between parts that do
 * not start with a dot, so that a name can never leave the database. */
static bool valid_name(FlowStr name)
{
    if (name.len == 0 || name.len > 200 || name.ptr[0] == '/')
        return false;
    for (int64_t i = 0; i < name.len; i++) {
        char ch = name.ptr[i];
        bool part_start = i == 0 || name.ptr[i - 1] == '/';
        if ((ch == '.' && part_start) || (ch == '/' && (i + 1 == name.len || part_start)))
            return false;
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '+' || ch == '-' || ch == '/' || ch == '.'))
            return false;
    }
    return true;
}

static FlowTz *load_zone(FlowStr name)
{
    char path[sizeof ZONEINFO_DIR + 201];
    snprintf(path, sizeof path, "%s%.*s", ZONEINFO_DIR, (int)name.len, name.ptr);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(TZIF_MAX_SIZE);
    size_t n = buf ? fread(buf, 1, TZIF_MAX_SIZE, f) : 0;
    fclose(f);
    FlowTz *z = n > 0 && n < TZIF_MAX_SIZE ? flowrt_tz_from_bytes(name, buf, n) : NULL;
    free(buf);
    return z;
}

static const FlowTz *cache_find(FlowTz *head, FlowStr name)
{
    for (const FlowTz *z = head; z; z = z->next)
        if (strlen(z->name) == (size_t)name.len && memcmp(z->name, name.ptr, (size_t)name.len) == 0)
            return z;
    return NULL;
}

/* Names that are no zone, so that a per-record zone argument with a bad
 * value costs a search of this list, not a file system lookup per record.
 * Bounded, since such values come from the input: past the bound a bad
 * name is looked up again (and still fails). Under cache_lock. */
typedef struct UnknownZone {
    struct UnknownZone *next;
    size_t len;
    char name[];
} UnknownZone;

enum { UNKNOWN_ZONES_MAX = 256 };
static _Atomic(UnknownZone *) unknown_head;
static int unknown_count;

static bool known_unknown(FlowStr name)
{
    for (const UnknownZone *u = atomic_load_explicit(&unknown_head, memory_order_acquire); u;
         u = u->next)
        if (u->len == (size_t)name.len && memcmp(u->name, name.ptr, u->len) == 0)
            return true;
    return false;
}

/* Called with cache_lock held. */
static void remember_unknown(FlowStr name)
{
    if (unknown_count >= UNKNOWN_ZONES_MAX || known_unknown(name))
        return;
    UnknownZone *u = malloc(sizeof *u + (size_t)name.len);
    if (!u)
        return;
    u->len = (size_t)name.len;
    memcpy(u->name, name.ptr, u->len);
    u->next = atomic_load_explicit(&unknown_head, memory_order_relaxed);
    atomic_store_explicit(&unknown_head, u, memory_order_release);
    unknown_count++;
}

int flowrt_tz_file_lookups;

static _Thread_local char zone_reason[96];

const FlowTz *flow_time_zone(const char **err, FlowStr name)
{
    const FlowTz *z = cache_find(atomic_load_explicit(&cache_head, memory_order_acquire), name);
    if (z)
        return z;
    if (valid_name(name) && !known_unknown(name)) {
        pthread_mutex_lock(&cache_lock);
        FlowTz *head = atomic_load_explicit(&cache_head, memory_order_relaxed);
        z = cache_find(head, name);
        if (!z) {
            flowrt_tz_file_lookups++;
            FlowTz *loaded = load_zone(name);
            if (loaded) {
                loaded->next = head;
                atomic_store_explicit(&cache_head, loaded, memory_order_release);
                z = loaded;
            } else {
                remember_unknown(name);
            }
        }
        pthread_mutex_unlock(&cache_lock);
        if (z)
            return z;
    }
    if (!*err) {
        char q[64];
        flowrt_codec_quote(q, sizeof q, name.ptr, (size_t)name.len);
        snprintf(zone_reason, sizeof zone_reason, "unknown time zone %s", q);
        *err = zone_reason;
    }
    return NULL;
}
