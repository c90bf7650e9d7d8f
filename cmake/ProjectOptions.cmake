# Two INTERFACE targets linked PRIVATE into our own targets only, so third-party headers
# never see our warning flags (STYLE.md section 11).
add_library(project_warnings INTERFACE)
target_compile_options(project_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Werror)

add_library(project_options INTERFACE)
target_compile_features(project_options INTERFACE cxx_std_20)
if(ENABLE_SANITIZERS)
  target_compile_options(project_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(project_options INTERFACE -fsanitize=address,undefined)
endif()
if(ENABLE_TSAN)
  if(ENABLE_SANITIZERS)
    message(FATAL_ERROR "ENABLE_TSAN and ENABLE_SANITIZERS exclude each other: use the tsan or the asan preset")
  endif()
  target_compile_options(project_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(project_options INTERFACE -fsanitize=thread)
endif()
if(TUNEFLEET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TUNEFLEET_BUILD_FUZZERS needs clang (libFuzzer): use the fuzz preset (clang++-16)")
  endif()
  # Instrument every library the fuzz targets link; the targets add -fsanitize=fuzzer (main).
  # pointer-overflow stays recoverable so tests/fuzz/ubsan.supp can name RapidJSON 1.1.0's one
  # known report (internal/stack.h, null + offset on an empty stack, fixed upstream after 1.1.0);
  # UBSAN_OPTIONS=halt_on_error=1 still stops at any other.
  target_compile_options(project_options INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
    -fsanitize-recover=pointer-overflow)
  target_link_options(project_options INTERFACE -fsanitize=address,undefined)
endif()

# tunefleet_library(NAME folder_target ALIAS common::x SOURCES ... PUBLIC_LIBS ... PRIVATE_LIBS ...)
function(tunefleet_library name)
  cmake_parse_arguments(ARG "" "ALIAS" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  if(ARG_SOURCES)
    add_library(${name} STATIC ${ARG_SOURCES})
    target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} project_options
                                  PRIVATE ${ARG_PRIVATE_LIBS} project_warnings)
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} INTERFACE ${ARG_PUBLIC_LIBS} project_options)
  endif()
  if(ARG_ALIAS)
    add_library(${ARG_ALIAS} ALIAS ${name})
  endif()
endfunction()

# tunefleet_executable(NAME SOURCES ... LIBS ...)
function(tunefleet_executable name)
  cmake_parse_arguments(ARG "" "OUTPUT_NAME" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} project_options project_warnings)
  if(ARG_OUTPUT_NAME)
    set_target_properties(${name} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT_NAME})
  endif()
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()
