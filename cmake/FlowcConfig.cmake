# FlowcConfig.cmake: what find_package(Flowc) gives a project that compiles
# .flow files (docs/build-integration.md):
#   Flowc::flowc          the compiler
#   Flowc::flowrt         the runtime library, static (what generated C links)
#   Flowc::flowrt_shared  the same, shared (libflowrt.so)
#   flowc_generate(VAR FILE.flow [OPTIONS flowc-emit-options...])
#       sets VAR to the generated .c (in the current binary directory), for a
#       target of your own that links Flowc::flowrt
#   flowc_add_executable(NAME FILE.flow [OPTIONS flowc-emit-options...])
#       an executable NAME made of the generated .c alone
# The .flow file is a dependency of the generated .c: editing it regenerates
# and rebuilds; errors in it are printed as FILE:LINE:COL lines.
include(${CMAKE_CURRENT_LIST_DIR}/FlowcTargets.cmake)

function(flowc_generate var flow)
  cmake_parse_arguments(PARSE_ARGV 2 FLOWC "" "" "OPTIONS")
  if(FLOWC_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "flowc_generate: unexpected arguments: ${FLOWC_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(source "${flow}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(name "${flow}" NAME_WLE)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/flowc/${name}.c")
  file(MAKE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/flowc")
  # An absolute path to the .flow, so that its errors name a file IDEs open.
  add_custom_command(OUTPUT "${out}"
    COMMAND Flowc::flowc emit "${source}" -o "${out}" ${FLOWC_OPTIONS}
    DEPENDS "${source}" "$<TARGET_FILE:Flowc::flowc>"
    COMMENT "Generating flowc/${name}.c from ${flow}"
    VERBATIM)
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

function(flowc_add_executable target flow)
  cmake_parse_arguments(PARSE_ARGV 2 FLOWC "" "" "OPTIONS")
  if(FLOWC_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "flowc_add_executable: unexpected arguments: ${FLOWC_UNPARSED_ARGUMENTS}")
  endif()
  flowc_generate(generated "${flow}" OPTIONS ${FLOWC_OPTIONS})
  add_executable(${target} "${generated}")
  target_link_libraries(${target} PRIVATE Flowc::flowrt)
endfunction()
