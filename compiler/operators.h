/* operators.h: the table of Flow's operators, one row per operator, in the
 * manner of Lua's lopcodes.h. The row order is the order of OpKind, which
 * ast.h makes from this file: grep "ORDER OP" when you change it.
 *
 * There is no include guard: each pass defines OP to pick the columns it
 * needs, includes this file inside a switch or an initializer, and then
 * undefines OP. The columns:
 *
 *   KIND      OP_KIND in ast.h.
 *   spelling  the operator's keywords as a .flow program writes them; explain,
 *             the DOT graph and the comments of the generated C print it, and
 *             C names use it with '_' for ' ' (stream_clicks_key_by).
 *   role      stateless: fuses into the stage of its input (plan.c);
 *             stateful: starts a stage of its own, keeps state, and is an
 *             entry of the generated FlowOperatorDef array;
 *             part: evaluated inside the stateful operator before it.
 *   check     check_stream.c: types the operator and sets the record after it,
 *             void (Pipe *, Op *).
 *   state     plan.c: fills PlanNode.state, what the operator keeps (printed
 *             by explain), void (Plan *, PlanNode *); state_none for none.
 *   describe  explain.c: the operator's head in explain and --dot (a select's
 *             or aggregate's items are laid out by the caller),
 *             char *(Arena *, const Op *).
 *   emit      stateless: the operator's code inside a stage body,
 *             void (Body *, const PlanNode *); stateful: the whole stage,
 *             void (Emitter *, CWriter *, const PlanStage *); part: the
 *             stage emitter of the operator it is part of.
 *   snapshot, restore
 *             the emitters of the generated functions that save and restore
 *             the operator's state in a checkpoint (OpCheckpointFn, optable.h);
 *             NULL until checkpoints come.
 *
 * How to add an operator: docs/architecture.md, "Adding an operator". */

/* ORDER OP
 * KIND       spelling     role       check            state         describe            emit               snapshot restore */
OP(WHERE,     "where",     stateless, check_where,     state_none,   describe_where,     emit_where,        NULL,    NULL)
OP(SELECT,    "select",    stateless, check_select,    state_none,   describe_select,    emit_select,       NULL,    NULL)
OP(KEY_BY,    "key by",    stateless, check_key_by,    state_none,   describe_key_by,    emit_key_by,       NULL,    NULL)
OP(WINDOW,    "window",    stateful,  check_window,    state_window, describe_window,    emit_window_stage, emit_window_snapshot, emit_window_restore)
OP(AGGREGATE, "aggregate", part,      check_aggregate, state_none,   describe_aggregate, emit_window_stage, NULL,    NULL)
OP(JOIN,      "join",      stateful,  check_join,      state_join,   describe_join,      emit_join_stage,   emit_join_snapshot, emit_join_restore)
OP(LOOKUP,    "lookup",    stateless, check_join,      state_join,   describe_join,      emit_lookup,       NULL,    NULL)
OP(UNION,     "union",     stateless, check_union,     state_none,   describe_union,     emit_union,        NULL,    NULL)
OP(DEDUPE,    "dedupe",    stateful,  check_dedupe,    state_dedupe, describe_dedupe,    emit_dedupe_stage, emit_dedupe_snapshot, emit_dedupe_restore)
OP(UPDATE,    "updating aggregate", stateful,  check_update,    state_update, describe_update,    emit_update_stage, emit_update_snapshot, emit_update_restore)
OP(TOP,       "top",       stateful,  check_top,       state_top,    describe_top,       emit_top_stage,    emit_top_snapshot, emit_top_restore)
