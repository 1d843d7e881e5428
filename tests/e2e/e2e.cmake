# End-to-end tests (tests/e2e/README.md). Each one drives the built flowc
# through run_e2e.py: every example on its bundled data, every compile-error
# file, the determinism of the generated C, the small case programs, the
# SQLite oracles (a stateless query, windows, lookups, joins), the window and
# join memory tests, the Python model of the user-sessions example,
# processing-time windows on a slowly fed stdin, how soon results leave a
# sink, a stdout closed by its reader, and the metrics endpoint. Generated
# programs are compiled with the compiler that built the runtime,
# warning-free, and sanitized when FLOW_SANITIZE is on.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(E2E_DIR ${CMAKE_CURRENT_SOURCE_DIR}/e2e)
set(E2E_OPTIONS
  --flowc $<TARGET_FILE:flowc>
  --source-dir ${PROJECT_SOURCE_DIR}
  --work ${CMAKE_CURRENT_BINARY_DIR}/e2e-work
  --cc ${CMAKE_C_COMPILER})
if(FLOW_SANITIZE)
  list(APPEND E2E_OPTIONS --sanitize)
endif()
set(E2E_RUN ${Python3_EXECUTABLE} ${E2E_DIR}/run_e2e.py ${E2E_OPTIONS})
set(E2E_TESTS "")

file(GLOB E2E_EXAMPLES LIST_DIRECTORIES true CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/*)
foreach(dir ${E2E_EXAMPLES})
  # Examples with a build of their own (CMakeLists.txt, Makefile) are built
  # against an installed flowc by tests/install/test_packages.sh.
  if(IS_DIRECTORY ${dir}/expected AND NOT EXISTS ${dir}/CMakeLists.txt
     AND NOT EXISTS ${dir}/Makefile)
    get_filename_component(name ${dir} NAME)
    add_test(NAME e2e.example.${name} COMMAND ${E2E_RUN} example ${name})
    add_test(NAME e2e.emit.${name} COMMAND ${E2E_RUN} emit ${name})
    list(APPEND E2E_TESTS e2e.example.${name} e2e.emit.${name})
  endif()
endforeach()

file(GLOB E2E_ERRORS CONFIGURE_DEPENDS ${E2E_DIR}/errors/*.flow)
foreach(file ${E2E_ERRORS})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.error.${name} COMMAND ${E2E_RUN} error ${name})
  list(APPEND E2E_TESTS e2e.error.${name})
endforeach()

file(GLOB E2E_CASES CONFIGURE_DEPENDS ${E2E_DIR}/cases/*.flow)
foreach(file ${E2E_CASES})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.case.${name} COMMAND ${E2E_RUN} case ${name})
  list(APPEND E2E_TESTS e2e.case.${name})
endforeach()

add_test(NAME e2e.oracle COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_window COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_window.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_update COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_update.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_lookup COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_lookup.py ${E2E_OPTIONS})
add_test(NAME e2e.window_memory COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/window_memory.py ${E2E_OPTIONS})
add_test(NAME e2e.update_memory COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/update_memory.py ${E2E_OPTIONS})
add_test(NAME e2e.model.user-sessions
         COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/examples/user-sessions/model.py --check)
add_test(NAME e2e.processing_time_stdin
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/processing_time_stdin.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_join COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_join.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_string COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_string.py ${E2E_OPTIONS})
add_test(NAME e2e.join_memory COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/join_memory.py ${E2E_OPTIONS})
add_test(NAME e2e.stdout_closed COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/stdout_closed.py ${E2E_OPTIONS})
add_test(NAME e2e.oracle_time COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_time.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_update e2e.oracle_time e2e.oracle e2e.oracle_window e2e.oracle_lookup e2e.window_memory e2e.update_memory
     e2e.model.user-sessions e2e.processing_time_stdin e2e.oracle_join e2e.oracle_string e2e.join_memory
     e2e.stdout_closed)
# Numbers and conditional expressions (docs/language.md, "Numeric functions")
add_test(NAME e2e.oracle_numeric COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_numeric.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_numeric)
add_test(NAME e2e.json_lines COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/json_lines.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.json_lines)
# Optional fields (docs/language.md, "Optional fields")
add_test(NAME e2e.oracle_null COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_null.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_null)
# The statistics aggregates, max_by, min_by and collect_list (docs/language.md, "Aggregates")
add_test(NAME e2e.oracle_stats COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_stats.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_stats)
# Outer joins (docs/language.md, "join ... within")
add_test(NAME e2e.oracle_outer_join
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_outer_join.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_outer_join)
# Regular joins, append and changelog inputs (docs/language.md, "Regular joins")
add_test(NAME e2e.oracle_regular_join
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_regular_join.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_regular_join)
# top (docs/language.md, "top"): window and updating top-N against SQLite's ROW_NUMBER.
add_test(NAME e2e.oracle_top COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/oracle_top.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.oracle_top)
# Patterns of files and compressed files (docs/language.md, "Files")
add_test(NAME e2e.files COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/files_test.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.files)
# Window state through a checkpoint round trip after every record (FLOW_CHECKPOINT_SELFTEST)
add_test(NAME e2e.checkpoint_window_selftest
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_window_selftest.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.checkpoint_window_selftest)

# Checkpoints of join and dedupe state: a snapshot and restore after every
# record gives the output of the run without checkpoints.
add_test(NAME e2e.checkpoint_join_selftest
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_join_selftest.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.checkpoint_join_selftest)

# Checkpoints of updating aggregates, in memory and beside state rocksdb.
add_test(NAME e2e.checkpoint_update_selftest
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_update_selftest.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.checkpoint_update_selftest)

# `state rocksdb` (docs/checkpoints.md, "RocksDB state"): the results of
# state memory on every window, join and dedupe case; state larger than a
# memory cap.
add_test(NAME e2e.rocksdb_state COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/rocksdb_state.py ${E2E_OPTIONS})
add_test(NAME e2e.rocksdb_large COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/rocksdb_large.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.rocksdb_large)
set_tests_properties(e2e.rocksdb_state PROPERTIES LABELS e2e TIMEOUT 1200)
# Only in the ThreadSanitizer build (tests/run_all.sh): the checkpoint's copy
# of the store, made by a thread of the run while the run goes on.
if(FLOW_TSAN)
  add_test(NAME e2e.rocksdb_held
           COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/rocksdb_state.py ${E2E_OPTIONS} --tsan --only held)
  list(APPEND E2E_TESTS e2e.rocksdb_held)
endif()

# The --metrics-port endpoint scraped with curl while programs run; in the
# ThreadSanitizer build (tests/run_all.sh) the programs are built with it.
set(METRICS_TSAN "")
if(FLOW_TSAN)
  set(METRICS_TSAN --tsan)
endif()
add_test(NAME e2e.metrics_endpoint
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/metrics_endpoint.py ${E2E_OPTIONS} ${METRICS_TSAN})
list(APPEND E2E_TESTS e2e.metrics_endpoint)

# Every case and example at two workers against its run at one (same
# multiset, each key's lines in order), and the keyed cases at four (docs/architecture.md,
# "Parallelism"); under FLOW_TSAN the programs are built with it.
set(PAR_TSAN "")
if(FLOW_TSAN)
  set(PAR_TSAN --tsan)
endif()
# Results leave promptly, also from two workers (its keyed program).
add_test(NAME e2e.sink_latency
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/sink_latency.py ${E2E_OPTIONS} ${PAR_TSAN})
list(APPEND E2E_TESTS e2e.sink_latency)
foreach(file ${E2E_CASES})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.par2.${name} COMMAND ${E2E_RUN} ${PAR_TSAN} --parallelism 2 case ${name})
  list(APPEND E2E_TESTS e2e.par2.${name})
  if(name MATCHES "^(window_|dedupe|join_|processing_time)")
    add_test(NAME e2e.par4.${name} COMMAND ${E2E_RUN} ${PAR_TSAN} --parallelism 4 case ${name})
    list(APPEND E2E_TESTS e2e.par4.${name})
  endif()
endforeach()
# The oracles, the memory tests, processing time over stdin and the metrics
# endpoint with every program at two workers
# (FLOW_PARALLELISM, read by runtime/src/parallel.c).
foreach(script oracle oracle_window oracle_join oracle_null oracle_lookup window_memory join_memory
               processing_time_stdin metrics_endpoint)
  add_test(NAME e2e.par2.${script}
           COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/${script}.py ${E2E_OPTIONS})
  # Three threads of these heavy runs on a loaded (or sanitized) build: more time.
  set_tests_properties(e2e.par2.${script} PROPERTIES ENVIRONMENT FLOW_PARALLELISM=2
                       LABELS e2e TIMEOUT 900)
endforeach()
# Bounded memory through a slow pipe, checkpoints refused, --stats, the embed call.
add_test(NAME e2e.par2.parallel
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/parallel_test.py ${E2E_OPTIONS} ${PAR_TSAN})
list(APPEND E2E_TESTS e2e.par2.parallel)
foreach(dir ${E2E_EXAMPLES})
  if(IS_DIRECTORY ${dir}/expected AND NOT EXISTS ${dir}/CMakeLists.txt
     AND NOT EXISTS ${dir}/Makefile)
    get_filename_component(name ${dir} NAME)
    add_test(NAME e2e.par2.example.${name}
             COMMAND ${E2E_RUN} ${PAR_TSAN} --parallelism 2 example ${name})
    list(APPEND E2E_TESTS e2e.par2.example.${name})
  endif()
endforeach()

# The nexmark(...) source and the Nexmark queries (docs/language.md, "nexmark")
add_test(NAME e2e.nexmark COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/nexmark_test.py ${E2E_OPTIONS})
list(APPEND E2E_TESTS e2e.nexmark)
set_tests_properties(${E2E_TESTS} PROPERTIES LABELS e2e TIMEOUT 300)
# Every window case and the matrix, restored after every record: about two
# minutes under the sanitizers on a quiet machine.
set_tests_properties(e2e.checkpoint_window_selftest PROPERTIES TIMEOUT 900)

add_test(NAME e2e.explain COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/explain_test.py ${E2E_OPTIONS})
set_tests_properties(e2e.explain PROPERTIES LABELS e2e)

# Kafka against a real broker (tests/kafka/broker.py): one test at a time, as
# each runs a broker of its own (RESOURCE_LOCK) on the machine's 2 cores.
file(GLOB E2E_KAFKA CONFIGURE_DEPENDS ${E2E_DIR}/kafka_*.py)
foreach(file ${E2E_KAFKA})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.${name} COMMAND ${Python3_EXECUTABLE} ${file} ${E2E_OPTIONS})
  set_tests_properties(e2e.${name} PROPERTIES LABELS "e2e;kafka" TIMEOUT 300
                       RESOURCE_LOCK kafka_broker)
endforeach()

# Checkpoints (issue 10, "Faults"): kill -9 at random moments of programs of
# every stateful operator, then restarts, against an uninterrupted run; and
# damaged checkpoints, a changed program, injected faults, stop signals, the
# directory lock, the options. tests/soak/checkpoint_soak.sh runs the first
# one with 500 kills.
add_test(NAME e2e.checkpoint_kill COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_kill.py ${E2E_OPTIONS})
add_test(NAME e2e.checkpoint_faults COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_faults.py ${E2E_OPTIONS})
# The kill -9 harness with every program at two workers (docs/checkpoints.md, "Parallel runs").
add_test(NAME e2e.checkpoint_kill_par2
         COMMAND ${Python3_EXECUTABLE} ${E2E_DIR}/checkpoint_kill.py ${E2E_OPTIONS} --parallelism 2)
set_tests_properties(e2e.checkpoint_kill e2e.checkpoint_faults e2e.checkpoint_kill_par2
                     PROPERTIES LABELS e2e TIMEOUT 300)
# PostgreSQL against a real server (tests/postgres/server.py): one test at a
# time, as each starts a server of its own (RESOURCE_LOCK).
file(GLOB E2E_POSTGRES CONFIGURE_DEPENDS ${E2E_DIR}/postgres_*.py)
foreach(file ${E2E_POSTGRES})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.${name} COMMAND ${Python3_EXECUTABLE} ${file} ${E2E_OPTIONS})
  set_tests_properties(e2e.${name} PROPERTIES LABELS "e2e;postgres" TIMEOUT 600
                       RESOURCE_LOCK postgres_server)
endforeach()
# The Flink SQL front end (docs/sql.md): each job beside its .flow twin, and compile errors
set(SQL_RUN ${Python3_EXECUTABLE} ${E2E_DIR}/sql_test.py ${E2E_OPTIONS})
file(GLOB SQL_TWINS CONFIGURE_DEPENDS ${E2E_DIR}/sql/*.sql)
foreach(file ${SQL_TWINS})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.sql.${name} COMMAND ${SQL_RUN} twin ${name})
  set_tests_properties(e2e.sql.${name} PROPERTIES LABELS e2e TIMEOUT 300)
endforeach()
file(GLOB SQL_ERRORS CONFIGURE_DEPENDS ${E2E_DIR}/sql_errors/*.sql)
foreach(file ${SQL_ERRORS})
  get_filename_component(name ${file} NAME_WE)
  add_test(NAME e2e.sql_error.${name} COMMAND ${SQL_RUN} error ${name})
  set_tests_properties(e2e.sql_error.${name} PROPERTIES LABELS e2e)
endforeach()
