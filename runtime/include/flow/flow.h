/* flow/flow.h: the one header a generated program includes: the ABI
 * (flow/program.h and what it includes), the inline expression helpers, and
 * the host API (flow/host.h) for the exports of `flowc emit --embed`. */
#ifndef FLOW_FLOW_H
#define FLOW_FLOW_H

#include "flow/value.h"
#include "flow/runtime.h"
#include "flow/codec.h"
#include "flow/expr.h"
#include "flow/fn_string.h"
#include "flow/fn_num.h"
#include "flow/fn_time.h"
#include "flow/generator.h"
#include "flow/host.h"
#include "flow/program.h"
#include "flow/state.h"
#include "flow/table.h"
#include "flow/aggregate.h"

#define FLOW_VERSION "0.1.0"

#endif
