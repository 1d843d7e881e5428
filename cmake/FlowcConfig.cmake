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
#   find_package(Flowc COMPONENTS kafka postgres rocksdb)
#       (also regex, gzip and zstd: see flowrt.pc.in)
#       Flowc::kafka, ...: Flowc::flowrt plus the library that a program using
#       that connector (or `state rocksdb`) links, found with pkg-config
# The .flow file is a dependency of the generated .c: editing it regenerates
# and rebuilds; errors in it are printed as FILE:LINE:COL lines.
include(${CMAKE_CURRENT_LIST_DIR}/FlowcTargets.cmake)

# COMPONENT=MODULE: the pkg-config module of each connector and state backend
# that links one, as their rows in compiler/connectors.c say (the other
# connectors need nothing but Flowc::flowrt).
set(FLOWC_CONNECTOR_MODULES kafka=rdkafka postgres=libpq rocksdb=rocksdb regex=libpcre2-8
  gzip=zlib zstd=libzstd)
foreach(component ${Flowc_FIND_COMPONENTS})
  set(module "")
  foreach(pair ${FLOWC_CONNECTOR_MODULES})
    if(pair MATCHES "^${component}=(.*)$")
      set(module "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(Flowc_${component}_FOUND FALSE)
  if(module STREQUAL "")
    set(Flowc_NOT_FOUND_MESSAGE "no Flowc component '${component}' (components: kafka, postgres, rocksdb, regex, gzip, zstd)")
  elseif(NOT TARGET Flowc::${component})
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(FLOWC_${component} QUIET IMPORTED_TARGET ${module})
    endif()
    if(FLOWC_${component}_FOUND)
      add_library(Flowc::${component} INTERFACE IMPORTED)
      set_target_properties(Flowc::${component} PROPERTIES
        INTERFACE_LINK_LIBRARIES "Flowc::flowrt;PkgConfig::FLOWC_${component}")
      set(Flowc_${component}_FOUND TRUE)
    else()
      set(Flowc_NOT_FOUND_MESSAGE "Flowc component '${component}' needs the pkg-config module '${module}'")
    endif()
  else()
    set(Flowc_${component}_FOUND TRUE)
  endif()
  if(NOT Flowc_${component}_FOUND AND Flowc_FIND_REQUIRED_${component})
    set(Flowc_FOUND FALSE)
  endif()
endforeach()

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
