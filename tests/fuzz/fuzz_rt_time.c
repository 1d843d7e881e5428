/* fuzz_rt_time.c: the TZif reader and the patterns of the time functions
 * over arbitrary bytes. An input starting with 'T' is a TZif file: it must
 * load or be refused without a crash or a leak, and a loaded zone answers
 * for any instant and any local time. Any other input is a text and a
 * pattern split at the first NUL, parsed and formatted in a real zone. */
#include <stdint.h>
#include <string.h>

#include "flow/flow.h"
#include "rt.h"
#include "tzfile.h"

static int64_t word(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

static void fuzz_tzif(const uint8_t *data, size_t size)
{
    FlowTz *z = flowrt_tz_from_bytes((FlowStr){ "fuzz", 4 }, data, size);
    if (!z)
        return;
    for (size_t i = 0; i + 8 <= size && i < 64 * 8; i += 8) {
        int64_t t = word(data + i) >> 20; /* seconds within int64 milliseconds */
        const TzType *type = flowrt_tz_at(z, t);
        flowrt_tz_from_local(z, t + type->utoff, NULL);
        flowrt_tz_from_local(z, t, &type->utoff);
        flow_time_trunc(z, t, (int)((uint64_t)t % 7));
        flow_time_part(z, t * 1000, FLOW_TIME_DAY_OF_WEEK);
    }
    flowrt_tz_free(z);
}

static const FlowProgram empty_program = { .name = "fuzz", .flow_file = "fuzz.flow" };

static void fuzz_pattern(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t split = nul ? (size_t)(nul - data) : size / 2;
    FlowStr text = { (const char *)data, (int64_t)split };
    FlowStr fmt = { (const char *)data + (nul ? split + 1 : split),
                    (int64_t)(size - split - (nul ? 1 : 0)) };
    const char *err = NULL;
    const FlowTz *z = flow_time_zone(&err, (FlowStr){ "Europe/Paris", 12 });
    int64_t t = flow_time_parse(&err, text, fmt, z);
    static FlowRuntime rt;
    static bool ready;
    if (!ready) {
        flowrt_runtime_init(&rt, &empty_program);
        ready = true;
    }
    err = NULL;
    flow_time_format(&rt, &err, t, fmt, z);
    flowrt_scratch_reset(&rt.scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && data[0] == 'T')
        fuzz_tzif(data, size);
    else
        fuzz_pattern(data, size);
    return 0;
}
