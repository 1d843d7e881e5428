/* rt_fixture.h: the runtime of an empty program, for cmocka tests of the
 * functions generated code calls with a FlowRuntime (scratch memory, error
 * reports): `rt`, its setup and teardown, and S() for a FlowStr literal.
 * Header-only, since each test file is its own program. */
#ifndef RT_FIXTURE_H
#define RT_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "flow/flow.h"
#include "rt.h"

static const FlowProgram empty_program = { .name = "t", .flow_file = "t.flow" };
static FlowRuntime rt;

static int setup(void **state)
{
    (void)state;
    flowrt_runtime_init(&rt, &empty_program);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    flowrt_runtime_free(&rt);
    return 0;
}

static FlowStr S(const char *s)
{
    return (FlowStr){ s, (int64_t)strlen(s) };
}

#endif
