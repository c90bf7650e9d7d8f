# tunefleet_test(NAME LABEL unit|integration SOURCES ... LIBS ...)
# Unit tests need no services. Integration tests use the private stack (scripts/stack) and
# fail, never skip, when a service is missing.
function(tunefleet_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    message(FATAL_ERROR "tunefleet_test(${name}): LABEL unit|integration is required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
                                        project_options project_warnings)
  target_compile_definitions(${name} PRIVATE
    TUNEFLEET_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TUNEFLEET_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_property(GLOBAL APPEND PROPERTY TUNEFLEET_TEST_TARGETS ${name})
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()
