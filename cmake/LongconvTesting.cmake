# Test tiers: one GoogleTest binary per tier, labelled for `ctest -L <tier>`.

# Registers one CTest test per GoogleTest suite of `target` ("<label>.<Suite>", label `label`): a process per suite,
# not per test, since every process pays LibTorch's start-up (~0.5 s here).
function(longconv_add_gtest_suites target label timeout)
  set(EXE "$<TARGET_FILE:${target}>")
  set(LABEL "${label}")
  set(TIMEOUT "${timeout}")
  set(WORKDIR "${CMAKE_CURRENT_BINARY_DIR}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/gtest_suites.cmake.in" "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.in"
                 @ONLY)
  file(GENERATE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake"
       INPUT "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.in")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${CMAKE_CURRENT_BINARY_DIR}/${target}_suites.cmake")
endfunction()
