# Warnings and language level for every ServeSim target (-Werror too with SERVESIM_WERROR=ON).
# With SERVESIM_SANITIZE=ON every target is built and linked with AddressSanitizer + UndefinedBehaviorSanitizer
# (scripts/test runs the whole suite a second time that way, in build-asan/). Any UB report aborts the test.
option(SERVESIM_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
# Unity build: each library and program compiles its sources in batches of 16 per translation unit, so the
# heavy headers (SimGrid, nlohmann/json, Boost, Qt) are parsed once per batch instead of once per file. On the
# 2-core CI machine this is what keeps scripts/test well under 30 minutes (docs/performance.md, "Build time").
# File-local names must therefore be unique within a library. Turn it off for quick one-file rebuilds while
# editing (a change then recompiles one file instead of its batch).
option(SERVESIM_UNITY_BUILD "Compile each library's sources in batches of 16 (CMake unity build)" ON)
set(SERVESIM_SANITIZE_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)

function(servesim_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(SERVESIM_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 16)
  endif()
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(SERVESIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(NOT SERVESIM_FULL_DEBUG_INFO)  # after CMAKE_CXX_FLAGS_RELWITHDEBINFO's -g on the command line, so it wins
    target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo>:-g1>)
  endif()
  if(SERVESIM_SANITIZE)
    target_compile_options(${target} PRIVATE ${SERVESIM_SANITIZE_FLAGS})
    target_link_options(${target} PUBLIC ${SERVESIM_SANITIZE_FLAGS})
    # GCC 12 + ASan: false -Wmaybe-uninitialized in <regex> and <functional>, and a false -Wuninitialized in
    # Boost.Graph's named_graph.hpp (an empty boost::optional returned by value), reported inside our code
    # once inlined; both are errors under SERVESIM_WERROR, so the sanitizer build does not raise them.
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized -Wno-uninitialized)
    endif()
  endif()
  if(SERVESIM_FUZZ)  # coverage instrumentation for libFuzzer (fuzz/CMakeLists.txt links the fuzzer itself)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
endfunction()

# add_servesim_test(<layer> <name> [SOURCES ...] [LIBS ...] [LABELS ...])
# Adds tests/<layer>/.../<name>_test.cpp (plus SOURCES) to the layer's one test program, test_<layer>, and
# registers the CTest test <layer>::<name>, which runs only that file's test cases (Catch2's file-name tag
# "[#<name>_test]"; --warn NoTests fails a registration that matches none). One program per layer, unity-built
# in batches of 8 files, parses the heavy headers (Catch2, SimGrid, nlohmann/json) once per batch instead of
# once per test file: the test programs took about half of CI's compile time when each file was its own
# program (docs/performance.md, "Build time"). File-local names must therefore be unique within a layer's tests.
# Every test program sees tests/ on its include path (tests/support) and may run the servesim binary
# (SERVESIM_BIN). Tests run from the source root so that relative scenario and trace paths work.
function(add_servesim_test layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(target test_${layer})
  if(NOT TARGET ${target})
    add_executable(${target})
    servesim_target_defaults(${target})
    if(SERVESIM_UNITY_BUILD)
      set_target_properties(${target} PROPERTIES UNITY_BUILD_BATCH_SIZE 8)
    endif()
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(${target} PRIVATE servesim_catch_main)
  endif()
  list(TRANSFORM ARG_SOURCES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/)
  target_sources(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/${name}_test.cpp ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  add_test(NAME ${layer}::${name} COMMAND ${target} --filenames-as-tags "[#${name}_test]" --warn NoTests
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${layer}::${name} PROPERTIES LABELS "${layer};${ARG_LABELS}"
    ENVIRONMENT "SERVESIM_BIN=$<TARGET_FILE:servesim>")
endfunction()
