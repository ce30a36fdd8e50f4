# Warnings and language level for every ServeSim target.
function(servesim_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
endfunction()

# add_servesim_test(<layer> <name> SOURCES ... [LIBS ...])
# Builds tests/<layer>/<name>_test.cpp (plus SOURCES) into one executable and registers it with CTest.
# Tests run from the source root so that relative scenario and trace paths work.
function(add_servesim_test layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  set(target test_${layer}_${name})
  add_executable(${target} ${name}_test.cpp ${ARG_SOURCES})
  servesim_target_defaults(${target})
  target_link_libraries(${target} PRIVATE servesim_catch_main ${ARG_LIBS})
  add_test(NAME ${layer}::${name} COMMAND ${target} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(${layer}::${name} PROPERTIES LABELS "${layer};${ARG_LABELS}"
    ENVIRONMENT "SERVESIM_BIN=$<TARGET_FILE:servesim>")
endfunction()
