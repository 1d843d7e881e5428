/* flow/nexmark.h: the Nexmark event model of the `nexmark(kind, events, seed,
 * events_per_second, rate)` source (docs/language.md, "nexmark"): which
 * global event is a person, an auction or a bid, and every field of each,
 * as inline functions of (seed, event number) alone.
 *
 * The model is the one Beam's and Flink's Nexmark generators define (the
 * 1 : 3 : 46 person : auction : bid mix by event number, ids from 1000, hot
 * auctions, bidders and sellers, prices 10^(6u) cents, auction lifetimes
 * around the time of 100 more auctions, the name, city and state lists,
 * extra padding to the average sizes 200, 500 and 100 bytes, Flink's
 * channel and url of a bid), with the Beam configuration's defaults and no
 * out-of-order groups. It is our own C: the random numbers are not Java's.
 * Every field draws from its own stream, splitmix64 started from the seed,
 * the event number and the field (flow/generator.h), so a field's value
 * does not depend on which other fields a schema declares, and the three
 * streams of one run (the same seed and events_per_second) agree.
 *
 * String fields write into the caller's buffer of at least the field's
 * FLOW_NX_*_MAX bytes and return their length. Nothing here needs
 * libflowrt, so the hand-written benchmark baselines include it too. */
#ifndef FLOW_NEXMARK_H
#define FLOW_NEXMARK_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "flow/generator.h"

/* The kinds, in the order of an epoch of 50 events: 1 person, 3 auctions,
 * 46 bids. */
enum { FLOW_NX_PERSON, FLOW_NX_AUCTION, FLOW_NX_BID };
#define FLOW_NX_EPOCH 50
#define FLOW_NX_PERSONS 1
#define FLOW_NX_AUCTIONS 3
#define FLOW_NX_BIDS 46
#define FLOW_NX_FIRST_ID 1000
#define FLOW_NX_FIRST_CATEGORY 10
#define FLOW_NX_CATEGORIES 5
/* The Beam configuration's defaults. */
#define FLOW_NX_HOT_AUCTION_RATIO 2
#define FLOW_NX_HOT_SELLER_RATIO 4
#define FLOW_NX_HOT_BIDDER_RATIO 4
#define FLOW_NX_HOT_CHANNEL_RATIO 2
#define FLOW_NX_HOT_BATCH 100 /* hot ids are the first of each 100 */
#define FLOW_NX_IN_FLIGHT_AUCTIONS 100
#define FLOW_NX_ACTIVE_PEOPLE 1000
#define FLOW_NX_ID_LEAD 10
#define FLOW_NX_CHANNELS 10000
#define FLOW_NX_DEFAULT_EVENTS_PER_SECOND 10000
/* Event 0's date_time: 2024-01-01T00:00:00Z, as the generator's. */
#define FLOW_NX_BASE_TIME FLOW_GEN_EPOCH_MS

/* The largest length of each string field. */
#define FLOW_NX_NAME_MAX 16
#define FLOW_NX_EMAIL_MAX 16
#define FLOW_NX_CARD_MAX 19
#define FLOW_NX_CITY_MAX 13
#define FLOW_NX_STATE_MAX 2
#define FLOW_NX_ITEM_MAX 19
#define FLOW_NX_DESC_MAX 99
#define FLOW_NX_CHANNEL_MAX 13
#define FLOW_NX_URL_MAX 96
#define FLOW_NX_PERSON_EXTRA_MAX 240
#define FLOW_NX_AUCTION_EXTRA_MAX 600
#define FLOW_NX_BID_EXTRA_MAX 120

/* One run's arguments: what every field depends on besides its event. */
typedef struct FlowNexmark {
    uint64_t mixed_seed;       /* flow_gen_mix64(seed) */
    int64_t events_per_second; /* of event time */
} FlowNexmark;

/* The field streams: one per field of a kind (< 16). */
enum {
    FLOW_NX_F_ID, FLOW_NX_F_NAME, FLOW_NX_F_EMAIL, FLOW_NX_F_CARD, FLOW_NX_F_CITY,
    FLOW_NX_F_STATE, FLOW_NX_F_EXTRA, FLOW_NX_F_DESC, FLOW_NX_F_PRICE, FLOW_NX_F_RESERVE,
    FLOW_NX_F_EXPIRES, FLOW_NX_F_CATEGORY, FLOW_NX_F_CHANNEL,
};

static inline uint64_t flow_nx_stream(const FlowNexmark *nx, int64_t e, int field)
{
    return flow_gen_stream(nx->mixed_seed, e * 16 + field);
}

/* ---- Event numbers ------------------------------------------------------------------- */

static inline int flow_nx_kind_of(int64_t e)
{
    int64_t r = e % FLOW_NX_EPOCH;
    return r < FLOW_NX_PERSONS                      ? FLOW_NX_PERSON
           : r < FLOW_NX_PERSONS + FLOW_NX_AUCTIONS ? FLOW_NX_AUCTION
                                                    : FLOW_NX_BID;
}

/* The number of the kind's k-th event (from 0) in the global sequence. */
static inline int64_t flow_nx_event(int kind, int64_t k)
{
    switch (kind) {
    case FLOW_NX_PERSON: return k * FLOW_NX_EPOCH;
    case FLOW_NX_AUCTION:
        return k / FLOW_NX_AUCTIONS * FLOW_NX_EPOCH + FLOW_NX_PERSONS + k % FLOW_NX_AUCTIONS;
    default:
        return k / FLOW_NX_BIDS * FLOW_NX_EPOCH + FLOW_NX_PERSONS + FLOW_NX_AUCTIONS +
               k % FLOW_NX_BIDS;
    }
}

/* How many of the first `events` global events are of the kind. */
static inline int64_t flow_nx_count(int kind, int64_t events)
{
    int64_t epochs = events / FLOW_NX_EPOCH, r = events % FLOW_NX_EPOCH;
    int64_t lo = kind == FLOW_NX_PERSON ? 0
                 : kind == FLOW_NX_AUCTION ? FLOW_NX_PERSONS
                                           : FLOW_NX_PERSONS + FLOW_NX_AUCTIONS;
    int64_t per = kind == FLOW_NX_PERSON ? FLOW_NX_PERSONS
                  : kind == FLOW_NX_AUCTION ? FLOW_NX_AUCTIONS
                                            : FLOW_NX_BIDS;
    int64_t tail = r - lo < 0 ? 0 : r - lo > per ? per : r - lo;
    return epochs * per + tail;
}

/* The last person id made at or before event e, from 0 (Beam's
 * lastBase0PersonId). */
static inline int64_t flow_nx_last_person(int64_t e)
{
    return e / FLOW_NX_EPOCH * FLOW_NX_PERSONS;
}

/* The last auction id made at or before event e, from 0: at a person, the
 * previous epoch's last. */
static inline int64_t flow_nx_last_auction(int64_t e)
{
    int64_t epoch = e / FLOW_NX_EPOCH, r = e % FLOW_NX_EPOCH;
    if (r < FLOW_NX_PERSONS)
        return epoch * FLOW_NX_AUCTIONS - 1;
    if (r >= FLOW_NX_PERSONS + FLOW_NX_AUCTIONS)
        return epoch * FLOW_NX_AUCTIONS + FLOW_NX_AUCTIONS - 1;
    return epoch * FLOW_NX_AUCTIONS + r - FLOW_NX_PERSONS;
}

/* A person among the active ones, or a few not made yet (from 0). */
static inline int64_t flow_nx_some_person(int64_t e, uint64_t *s)
{
    int64_t people = flow_nx_last_person(e) + 1;
    int64_t active = people < FLOW_NX_ACTIVE_PEOPLE ? people : FLOW_NX_ACTIVE_PEOPLE;
    return people - active + (int64_t)flow_gen_uniform(s, (uint64_t)(active + FLOW_NX_ID_LEAD));
}

/* An auction among those likely still open, or a few not made yet (from 0). */
static inline int64_t flow_nx_some_auction(int64_t e, uint64_t *s)
{
    int64_t last = flow_nx_last_auction(e);
    int64_t lo = last - FLOW_NX_IN_FLIGHT_AUCTIONS > 0 ? last - FLOW_NX_IN_FLIGHT_AUCTIONS : 0;
    return lo + (int64_t)flow_gen_uniform(s, (uint64_t)(last - lo + 1 + FLOW_NX_ID_LEAD));
}

/* ---- Draws ----------------------------------------------------------------------------- */

static inline double flow_nx_unit(uint64_t *s)
{
    return (double)(flow_gen_next(s) >> 11) * 0x1.0p-53;
}

/* A price in cents: 10^(6u) dollars, 1 to a million. */
static inline int64_t flow_nx_price(uint64_t *s)
{
    return llround(pow(10.0, flow_nx_unit(s) * 6.0) * 100.0);
}

/* 3 to max - 1 characters, one in 13 a space and the others a-z, without
 * leading or trailing spaces (Beam's nextString). */
static inline int flow_nx_string(uint64_t *s, int max, char *out)
{
    int len = 3 + (int)flow_gen_uniform(s, (uint64_t)(max - 3)), n = 0;
    for (int i = 0; i < len; i++) {
        uint64_t x = flow_gen_uniform(s, 13 * 26);
        char c = x < 26 ? ' ' : (char)('a' + x % 26);
        if (c != ' ' || n > 0)
            out[n++] = c;
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    return n;
}

/* Exactly len letters a-z, 13 from each 64-bit draw. */
static inline int flow_nx_letters(uint64_t *s, int len, char *out)
{
    for (int i = 0; i < len;) {
        uint64_t x = flow_gen_next(s);
        for (int j = 0; j < 13 && i < len; j++, i++, x /= 26)
            out[i] = (char)('a' + x % 26);
    }
    return len;
}

/* Padding that makes an event of `size` bytes `avg` on average: letters,
 * uniform within 20 % of the difference (Beam's nextExtra). */
static inline int flow_nx_extra(uint64_t *s, int size, int avg, char *out)
{
    if (size > avg)
        return 0;
    int want = avg - size;
    int delta = (int)lround(want * 0.2);
    int len = want - delta + (delta == 0 ? 0 : (int)flow_gen_uniform(s, (uint64_t)(2 * delta)));
    return flow_nx_letters(s, len, out);
}

static inline int flow_nx_copy(const char *text, char *out)
{
    int n = (int)strlen(text);
    memcpy(out, text, (size_t)n);
    return n;
}

/* v's decimal digits. */
static inline int flow_nx_decimal(uint32_t v, char *out)
{
    char digits[10];
    int k = 0, n = 0;
    do
        digits[k++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (k > 0)
        out[n++] = digits[--k];
    return n;
}

/* ---- Every kind's date_time ----------------------------------------------------------- */

/* Event e's time: e / events_per_second s after the base. */
static inline int64_t flow_nx_date_time(const FlowNexmark *nx, int64_t e)
{
    return FLOW_NX_BASE_TIME + e * 1000 / nx->events_per_second;
}

/* ---- Person ------------------------------------------------------------------------------ */

static inline int64_t flow_nx_person_id(const FlowNexmark *nx, int64_t e)
{
    (void)nx;
    return flow_nx_last_person(e) + FLOW_NX_FIRST_ID;
}

static inline int flow_nx_person_name(const FlowNexmark *nx, int64_t e, char *out)
{
    static const char *const first[] = { "Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                         "Kate",  "Julie", "Sarah", "Deiter", "Walter" };
    static const char *const last[] = { "Shultz", "Abrams", "Spencer", "White", "Bartels",
                                        "Walton", "Smith",  "Jones",   "Noris" };
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_NAME);
    int n = flow_nx_copy(first[flow_gen_uniform(&s, 11)], out);
    out[n++] = ' ';
    return n + flow_nx_copy(last[flow_gen_uniform(&s, 9)], out + n);
}

static inline int flow_nx_person_email_address(const FlowNexmark *nx, int64_t e, char *out)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_EMAIL);
    int n = flow_nx_string(&s, 7, out);
    out[n++] = '@';
    n += flow_nx_string(&s, 5, out + n);
    return n + flow_nx_copy(".com", out + n);
}

/* Four groups of four digits. */
static inline int flow_nx_person_credit_card(const FlowNexmark *nx, int64_t e, char *out)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_CARD);
    int n = 0;
    for (int g = 0; g < 4; g++) {
        if (g > 0)
            out[n++] = ' ';
        uint64_t v = flow_gen_uniform(&s, 10000);
        for (int d = 3; d >= 0; d--, v /= 10)
            out[n + d] = (char)('0' + v % 10);
        n += 4;
    }
    return n;
}

static inline int flow_nx_person_city(const FlowNexmark *nx, int64_t e, char *out)
{
    static const char *const cities[] = { "Phoenix",  "Los Angeles", "San Francisco", "Boise",
                                          "Portland", "Bend",        "Redmond",       "Seattle",
                                          "Kent",     "Cheyenne" };
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_CITY);
    return flow_nx_copy(cities[flow_gen_uniform(&s, 10)], out);
}

static inline int flow_nx_person_state(const FlowNexmark *nx, int64_t e, char *out)
{
    static const char *const states[] = { "AZ", "CA", "ID", "OR", "WA", "WY" };
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_STATE);
    return flow_nx_copy(states[flow_gen_uniform(&s, 6)], out);
}

static inline int64_t flow_nx_person_date_time(const FlowNexmark *nx, int64_t e)
{
    return flow_nx_date_time(nx, e);
}

/* The padding to 200 bytes after the id and the other strings. */
static inline int flow_nx_person_extra(const FlowNexmark *nx, int64_t e, char *out)
{
    char tmp[FLOW_NX_CITY_MAX + FLOW_NX_CARD_MAX];
    int size = 8 + flow_nx_person_name(nx, e, tmp) + flow_nx_person_email_address(nx, e, tmp) +
               flow_nx_person_credit_card(nx, e, tmp) + flow_nx_person_city(nx, e, tmp) +
               flow_nx_person_state(nx, e, tmp);
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_EXTRA);
    return flow_nx_extra(&s, size, 200, out);
}

/* ---- Auction ------------------------------------------------------------------------------ */

static inline int64_t flow_nx_auction_id(const FlowNexmark *nx, int64_t e)
{
    (void)nx;
    return flow_nx_last_auction(e) + FLOW_NX_FIRST_ID;
}

static inline int flow_nx_auction_item_name(const FlowNexmark *nx, int64_t e, char *out)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_NAME);
    return flow_nx_string(&s, 20, out);
}

static inline int flow_nx_auction_description(const FlowNexmark *nx, int64_t e, char *out)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_DESC);
    return flow_nx_string(&s, 100, out);
}

static inline int64_t flow_nx_auction_initial_bid(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_PRICE);
    return flow_nx_price(&s);
}

/* The initial bid plus another price. */
static inline int64_t flow_nx_auction_reserve(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_RESERVE);
    return flow_nx_auction_initial_bid(nx, e) + flow_nx_price(&s);
}

static inline int64_t flow_nx_auction_date_time(const FlowNexmark *nx, int64_t e)
{
    return flow_nx_date_time(nx, e);
}

/* Open for 1 ms to twice the time until 100 more auctions are made, so about
 * that many are open at once. */
static inline int64_t flow_nx_auction_expires(const FlowNexmark *nx, int64_t e)
{
    int64_t ahead = (int64_t)FLOW_NX_IN_FLIGHT_AUCTIONS * FLOW_NX_EPOCH / FLOW_NX_AUCTIONS;
    int64_t now = flow_nx_date_time(nx, e);
    int64_t horizon = flow_nx_date_time(nx, e + ahead) - now;
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_EXPIRES);
    return now + 1 + (int64_t)flow_gen_uniform(&s, (uint64_t)(horizon * 2 > 1 ? horizon * 2 : 1));
}

/* Three in four from a hot seller, the first person of their hundred. */
static inline int64_t flow_nx_auction_seller(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_ID);
    int64_t p = flow_gen_uniform(&s, FLOW_NX_HOT_SELLER_RATIO) > 0
                    ? flow_nx_last_person(e) / FLOW_NX_HOT_BATCH * FLOW_NX_HOT_BATCH
                    : flow_nx_some_person(e, &s);
    return p + FLOW_NX_FIRST_ID;
}

static inline int64_t flow_nx_auction_category(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_CATEGORY);
    return FLOW_NX_FIRST_CATEGORY + (int64_t)flow_gen_uniform(&s, FLOW_NX_CATEGORIES);
}

/* The padding to 500 bytes after the strings and six 8-byte fields. */
static inline int flow_nx_auction_extra(const FlowNexmark *nx, int64_t e, char *out)
{
    char tmp[FLOW_NX_DESC_MAX];
    int size = 8 + flow_nx_auction_item_name(nx, e, tmp) +
               flow_nx_auction_description(nx, e, tmp) + 5 * 8;
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_EXTRA);
    return flow_nx_extra(&s, size, 500, out);
}

/* ---- Bid ------------------------------------------------------------------------------------ */

/* One in two for a hot auction, the first of its hundred. */
static inline int64_t flow_nx_bid_auction(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_ID);
    int64_t a = flow_gen_uniform(&s, FLOW_NX_HOT_AUCTION_RATIO) > 0
                    ? flow_nx_last_auction(e) / FLOW_NX_HOT_BATCH * FLOW_NX_HOT_BATCH
                    : flow_nx_some_auction(e, &s);
    return a + FLOW_NX_FIRST_ID;
}

/* Three in four by a hot bidder, the second person of their hundred (so
 * that hot bidders are not hot sellers). */
static inline int64_t flow_nx_bid_bidder(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_NAME);
    int64_t p = flow_gen_uniform(&s, FLOW_NX_HOT_BIDDER_RATIO) > 0
                    ? flow_nx_last_person(e) / FLOW_NX_HOT_BATCH * FLOW_NX_HOT_BATCH + 1
                    : flow_nx_some_person(e, &s);
    return p + FLOW_NX_FIRST_ID;
}

static inline int64_t flow_nx_bid_price(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_PRICE);
    return flow_nx_price(&s);
}

/* The bid's channel: one of four hot ones for one bid in two (0 .. 3),
 * else 4 + one of 10000 others. */
static inline int flow_nx_bid_channel_number(const FlowNexmark *nx, int64_t e)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_CHANNEL);
    if (flow_gen_uniform(&s, FLOW_NX_HOT_CHANNEL_RATIO) > 0)
        return (int)flow_gen_uniform(&s, 4);
    return 4 + (int)flow_gen_uniform(&s, FLOW_NX_CHANNELS);
}

static inline const char *flow_nx_hot_channel(int c)
{
    static const char *const names[] = { "Google", "Facebook", "Baidu", "Apple" };
    return names[c];
}

/* "channel-N" for the others. */
static inline int flow_nx_bid_channel(const FlowNexmark *nx, int64_t e, char *out)
{
    int c = flow_nx_bid_channel_number(nx, e);
    if (c < 4)
        return flow_nx_copy(flow_nx_hot_channel(c), out);
    int n = flow_nx_copy("channel-", out);
    return n + flow_nx_decimal((uint32_t)(c - 4), out + n);
}

/* A hot channel's fixed url; another's three path words (the same for
 * every bid of the channel in one run) and its number's 32 bits reversed. */
static inline int flow_nx_bid_url(const FlowNexmark *nx, int64_t e, char *out)
{
    static const char *const hot[] = { "eoci", "eoax", "jack", "micah" };
    int c = flow_nx_bid_channel_number(nx, e);
    int n = flow_nx_copy("https://www.nexmark.com/", out);
    if (c < 4) {
        n += flow_nx_copy(hot[c], out + n);
        return n + flow_nx_copy("/cidro/item.htm?query=1", out + n);
    }
    uint64_t s = flow_gen_stream(nx->mixed_seed ^ 0x6E65786D61726BULL, c - 4);
    for (int w = 0; w < 3; w++) {
        n += flow_nx_letters(&s, 3 + (int)flow_gen_uniform(&s, 3), out + n);
        out[n++] = '/';
    }
    n += flow_nx_copy("item.htm?query=1&channel_id=", out + n);
    uint32_t v = (uint32_t)(c - 4), r = 0;
    for (int b = 0; b < 32; b++, v >>= 1)
        r = r << 1 | (v & 1);
    return n + flow_nx_decimal(r, out + n);
}

static inline int64_t flow_nx_bid_date_time(const FlowNexmark *nx, int64_t e)
{
    return flow_nx_date_time(nx, e);
}

/* The padding to 100 bytes after four 8-byte fields. */
static inline int flow_nx_bid_extra(const FlowNexmark *nx, int64_t e, char *out)
{
    uint64_t s = flow_nx_stream(nx, e, FLOW_NX_F_EXTRA);
    return flow_nx_extra(&s, 32, 100, out);
}

#endif
