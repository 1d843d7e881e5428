"""nexmark_model.py: the Nexmark event model of flow/nexmark.h written again
in Python, field by field from the same description (splitmix64 streams per
event and field, the 1 : 3 : 46 mix, hot ids, prices, strings), for
nexmark_test.py to check the nexmark(...) source and the queries of
tests/bench/nexmark/ against. Events are dicts of the schema's fields,
timestamps in epoch milliseconds."""

import math

M64 = (1 << 64) - 1
BASE_TIME = 1704067200000  # 2024-01-01T00:00:00Z
EPOCH, PERSONS, AUCTIONS = 50, 1, 3
FIRST_ID = 1000
F_ID, F_NAME, F_EMAIL, F_CARD, F_CITY, F_STATE, F_EXTRA, F_DESC, F_PRICE, F_RESERVE, \
    F_EXPIRES, F_CATEGORY, F_CHANNEL = range(13)

FIRST_NAMES = "Peter Paul Luke John Saul Vicky Kate Julie Sarah Deiter Walter".split()
LAST_NAMES = "Shultz Abrams Spencer White Bartels Walton Smith Jones Noris".split()
CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond",
          "Seattle", "Kent", "Cheyenne"]
STATES = "AZ CA ID OR WA WY".split()
HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"]
HOT_URL_WORDS = ["eoci", "eoax", "jack", "micah"]


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Stream:
    """splitmix64 from mix64(mixed_seed + mix64(n))."""

    def __init__(self, mixed_seed, n):
        self.s = mix64((mixed_seed + mix64(n & M64)) & M64)

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        return mix64(self.s)

    def uniform(self, k):
        threshold = ((1 << 64) - k) % k
        while True:
            x = self.next()
            if x >= threshold:
                return x % k

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53


def round_half_away(x):
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


def kind_of(e):
    r = e % EPOCH
    return "person" if r < PERSONS else "auction" if r < PERSONS + AUCTIONS else "bid"


def last_person(e):
    return e // EPOCH * PERSONS


def last_auction(e):
    epoch, r = divmod(e, EPOCH)
    if r < PERSONS:
        return epoch * AUCTIONS - 1
    if r >= PERSONS + AUCTIONS:
        return epoch * AUCTIONS + AUCTIONS - 1
    return epoch * AUCTIONS + r - PERSONS


def some_person(e, s):
    people = last_person(e) + 1
    active = min(people, 1000)
    return people - active + s.uniform(active + 10)


def some_auction(e, s):
    last = last_auction(e)
    lo = max(last - 100, 0)
    return lo + s.uniform(last - lo + 1 + 10)


def price(s):
    return round_half_away(10.0 ** (s.unit() * 6.0) * 100.0)


def string(s, mx):
    n = 3 + s.uniform(mx - 3)
    out = []
    for _ in range(n):
        x = s.uniform(13 * 26)
        c = " " if x < 26 else chr(ord("a") + x % 26)
        if c != " " or out:
            out.append(c)
    return "".join(out).rstrip(" ")


def letters(s, n):
    out = []
    while len(out) < n:
        x = s.next()
        for _ in range(13):
            if len(out) == n:
                break
            out.append(chr(ord("a") + x % 26))
            x //= 26
    return "".join(out)


def extra(s, size, avg):
    if size > avg:
        return ""
    want = avg - size
    delta = round_half_away(want * 0.2)
    n = want - delta + (0 if delta == 0 else s.uniform(2 * delta))
    return letters(s, n)


def bits_reversed(v):
    r = 0
    for _ in range(32):
        r = (r << 1) | (v & 1)
        v >>= 1
    return r


class Nexmark:
    def __init__(self, seed=0, events_per_second=10000):
        self.seed = mix64(seed & M64)
        self.eps = events_per_second

    def stream(self, e, field):
        return Stream(self.seed, e * 16 + field)

    def time(self, e):
        return BASE_TIME + e * 1000 // self.eps

    def person(self, e):
        s = self.stream(e, F_NAME)
        name = FIRST_NAMES[s.uniform(11)] + " " + LAST_NAMES[s.uniform(9)]
        s = self.stream(e, F_EMAIL)
        email = string(s, 7) + "@" + string(s, 5) + ".com"
        s = self.stream(e, F_CARD)
        card = " ".join("%04d" % s.uniform(10000) for _ in range(4))
        city = CITIES[self.stream(e, F_CITY).uniform(10)]
        state = STATES[self.stream(e, F_STATE).uniform(6)]
        size = 8 + len(name) + len(email) + len(card) + len(city) + len(state)
        return {"id": last_person(e) + FIRST_ID, "name": name, "email_address": email,
                "credit_card": card, "city": city, "state": state, "date_time": self.time(e),
                "extra": extra(self.stream(e, F_EXTRA), size, 200)}

    def auction(self, e):
        item = string(self.stream(e, F_NAME), 20)
        desc = string(self.stream(e, F_DESC), 100)
        initial = price(self.stream(e, F_PRICE))
        now = self.time(e)
        horizon = self.time(e + 100 * 50 // 3) - now
        expires = now + 1 + self.stream(e, F_EXPIRES).uniform(max(horizon * 2, 1))
        s = self.stream(e, F_ID)
        seller = (last_person(e) // 100 * 100 if s.uniform(4) > 0 else some_person(e, s))
        return {"id": last_auction(e) + FIRST_ID, "item_name": item, "description": desc,
                "initial_bid": initial, "reserve": initial + price(self.stream(e, F_RESERVE)),
                "date_time": now, "expires": expires, "seller": seller + FIRST_ID,
                "category": 10 + self.stream(e, F_CATEGORY).uniform(5),
                "extra": extra(self.stream(e, F_EXTRA), 8 + len(item) + len(desc) + 40, 500)}

    def bid(self, e):
        s = self.stream(e, F_ID)
        auction = last_auction(e) // 100 * 100 if s.uniform(2) > 0 else some_auction(e, s)
        s = self.stream(e, F_NAME)
        bidder = last_person(e) // 100 * 100 + 1 if s.uniform(4) > 0 else some_person(e, s)
        s = self.stream(e, F_CHANNEL)
        c = s.uniform(4) if s.uniform(2) > 0 else 4 + s.uniform(10000)
        url = "https://www.nexmark.com/"
        if c < 4:
            channel = HOT_CHANNELS[c]
            url += HOT_URL_WORDS[c] + "/cidro/item.htm?query=1"
        else:
            channel = "channel-%d" % (c - 4)
            w = Stream(self.seed ^ 0x6E65786D61726B, c - 4)
            for _ in range(3):
                url += letters(w, 3 + w.uniform(3)) + "/"
            url += "item.htm?query=1&channel_id=%d" % bits_reversed(c - 4)
        return {"auction": auction + FIRST_ID, "bidder": bidder + FIRST_ID,
                "price": price(self.stream(e, F_PRICE)), "channel": channel, "url": url,
                "date_time": self.time(e), "extra": extra(self.stream(e, F_EXTRA), 32, 100)}

    def events(self, n):
        """The first n events: (persons, auctions, bids), each in event order."""
        out = {"person": [], "auction": [], "bid": []}
        for e in range(n):
            k = kind_of(e)
            out[k].append(getattr(self, k)(e))
        return out["person"], out["auction"], out["bid"]
