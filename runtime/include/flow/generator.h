/* flow/generator.h: the synthetic source `generator(count, seed, keys,
 * events_per_second, disorder, rate)` of LANGUAGE.md §7. The runtime owns the
 * pseudo-random state (a fixed algorithm, so every machine makes the same
 * records); the generated code asks it for one value per field, in schema
 * order, then pushes the record. */
#ifndef FLOW_GENERATOR_H
#define FLOW_GENERATOR_H

#include "flow/runtime.h"

typedef struct FlowGen FlowGen;

bool flow_gen_bool(FlowGen *g);
int32_t flow_gen_int32(FlowGen *g);     /* uniform in [0, keys) */
int64_t flow_gen_int64(FlowGen *g);     /* uniform in [0, keys) */
double flow_gen_float64(FlowGen *g);    /* uniform in [0, 1) */
FlowStr flow_gen_string(FlowGen *g, FlowRuntime *rt); /* "s" + [0, keys), in scratch */
/* 2024-01-01T00:00:00Z + n/events_per_second s, minus uniform [0, disorder] ms,
 * for record number n. */
int64_t flow_gen_timestamp(FlowGen *g);

#endif
