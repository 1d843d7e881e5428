/* hash.c: hash(x) of strings. XXH64 comes from xxhash.h compiled in
 * (XXH_INLINE_ALL), so generated programs need no libxxhash at run time; the
 * fixed-width cases are inline in flow/expr.h. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "flow/expr.h"

int64_t flow_hash_str(FlowStr s)
{
    return (int64_t)XXH64(s.len ? s.ptr : "", (size_t)s.len, 0);
}
