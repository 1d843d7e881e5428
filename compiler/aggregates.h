/* aggregates.h: the table of Flow's aggregate functions, one row per
 * aggregate, in the manner of operators.h and Lua's lopcodes.h. The row
 * order is the order of AggFunc, which ast.h makes from this file: grep
 * "ORDER AGG" when you change it.
 *
 * There is no include guard: each pass defines AGG to pick the columns it
 * needs, includes this file inside a switch or an initializer, and then
 * undefines AGG. The columns:
 *
 *   KIND      AGG_KIND in ast.h.
 *   name      the function's name as a .flow program writes it.
 *   min, max  how many arguments it takes (count() and count(x)).
 *   result    its result type, AGG_RES_<result> (ast.h AggResult,
 *             check_stream.c): INT64; SUM (int64, or float64 of a float64);
 *             FLOAT64 (of a number); ARG (the first argument's type);
 *             STRING (collect_list's JSON text).
 *   nulls     the nulls of its arguments are skipped (a row with a null
 *             argument, for two); AGG_NULLS_<nulls>: NOT_NULL, the result
 *             is never null; NONE_LEFT, it is null when no value was left
 *             (only for an argument that may be null); FEW_LEFT, it is null
 *             with fewer than two values (so it is always optional).
 *   state     plan.c: what the accumulator keeps, for explain (followed by
 *             " for NAME").
 *   back      whether it takes a value back (an aggregate of a changelog,
 *             docs/language.md "Aggregates of a changelog"): `true` for
 *             those whose accumulator a value can leave.
 *
 * The accumulators themselves (state members, update, merge, result,
 * checkpoint, release) are emit_aggregate.c's, one case per row. How to add
 * an aggregate: docs/architecture.md, "Adding an aggregate". */

/* ORDER AGG
 * KIND            name              min  max result   nulls      back   state */
AGG(COUNT,          "count",          0,   1, INT64,   NOT_NULL,  true,  "a count")
AGG(SUM,            "sum",            1,   1, SUM,     NONE_LEFT, true,  "a running sum")
AGG(MIN,            "min",            1,   1, ARG,     NONE_LEFT, false, "the minimum so far")
AGG(MAX,            "max",            1,   1, ARG,     NONE_LEFT, false, "the maximum so far")
AGG(AVG,            "avg",            1,   1, FLOAT64, NONE_LEFT, true,  "a sum and a count")
AGG(FIRST,          "first",          1,   1, ARG,     NONE_LEFT, false, "the earliest value and its time")
AGG(LAST,           "last",           1,   1, ARG,     NONE_LEFT, false, "the latest value and its time")
AGG(COUNT_DISTINCT, "count_distinct", 1,   1, INT64,   NOT_NULL,  false, "the set of distinct values")
AGG(STDDEV_POP,     "stddev_pop",     1,   1, FLOAT64, NONE_LEFT, false, "the count, mean and squares")
AGG(STDDEV_SAMP,    "stddev_samp",    1,   1, FLOAT64, FEW_LEFT,  false, "the count, mean and squares")
AGG(STDDEV,         "stddev",         1,   1, FLOAT64, FEW_LEFT,  false, "the count, mean and squares")
AGG(VAR_POP,        "var_pop",        1,   1, FLOAT64, NONE_LEFT, false, "the count, mean and squares")
AGG(VAR_SAMP,       "var_samp",       1,   1, FLOAT64, FEW_LEFT,  false, "the count, mean and squares")
AGG(VARIANCE,       "variance",       1,   1, FLOAT64, FEW_LEFT,  false, "the count, mean and squares")
AGG(PERCENTILE,     "percentile",     2,   2, FLOAT64, NONE_LEFT, false, "the values, or a sketch of them")
AGG(COLLECT_LIST,   "collect_list",   1,   1, STRING,  NOT_NULL,  false, "the values as JSON text")
AGG(MAX_BY,         "max_by",         2,   2, ARG,     NONE_LEFT, false, "the value at the largest y")
AGG(MIN_BY,         "min_by",         2,   2, ARG,     NONE_LEFT, false, "the value at the smallest y")
