# libFuzzer targets: tests/fuzz/fuzz_rt_*.c fuzz the runtime (link flowrt),
# tests/fuzz/fuzz_fc_*.c fuzz the compiler (link flowc_core). Each gets a ctest
# that runs it for FLOW_FUZZ_SECONDS on its seed corpus tests/fuzz/corpus/NAME/.
set(FLOW_FUZZ_SECONDS 20 CACHE STRING "How long each fuzz target runs under ctest")
file(GLOB FUZZ_RT CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_rt_*.c)
file(GLOB FUZZ_FC CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_fc_*.c)
foreach(src ${FUZZ_RT} ${FUZZ_FC})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  if(name MATCHES "^fuzz_rt_")
    target_link_libraries(${name} PRIVATE flowrt)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
  else()
    target_link_libraries(${name} PRIVATE flowc_core)
  endif()
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/fuzz-work/${name})
  add_test(NAME fuzz.${name}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
            sh -c "mkdir -p ${work} && exec $<TARGET_FILE:${name}> -max_total_time=${FLOW_FUZZ_SECONDS} -rss_limit_mb=2048 ${work} ${corpus}")
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
endforeach()
