/* samefile.h: the start-up check that no sink writes a file another sink
 * writes or a source or table reads (runtime/src/samefile.c). Internal to
 * libflowrt. */
#ifndef FLOWRT_SAMEFILE_H
#define FLOWRT_SAMEFILE_H

#include <stdbool.h>

#include "rt.h"

/* Before any table, source or sink is opened: false, after flowrt_runtime_fail
 * naming both connectors, when two of them are the same file and one
 * writes it. */
bool flowrt_check_same_files(FlowRuntime *rt);

#endif
