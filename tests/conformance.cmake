# Conformance scenarios: one ctest test per conformance/NNN-topic.gcp, each
# run by `gcfuzz run` (exit 0: every expectation held and the runtime agreed
# with the oracle after every step).
if(TARGET gcfuzz)
  file(GLOB GCF_CONFORMANCE CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/conformance/*.gcp)
  foreach(f ${GCF_CONFORMANCE})
    get_filename_component(name ${f} NAME_WE)
    add_test(NAME conformance/${name} COMMAND gcfuzz run ${f})
    set_tests_properties(conformance/${name} PROPERTIES LABELS conformance TIMEOUT 120)
  endforeach()
  # the same scenarios with a collection before every allocation and heap
  # verification after every step (expectations are not checked there)
  add_test(NAME conformance/all-stress-verify
           COMMAND gcfuzz conformance --stress --verify -q ${PROJECT_SOURCE_DIR}/conformance)
  set_tests_properties(conformance/all-stress-verify PROPERTIES LABELS conformance TIMEOUT 300)
endif()

# The fuzz_program seed corpus and its regressions replay without a failure
# (standalone replay main; under the fuzz preset the driver is libFuzzer's).
if(NOT GCF_FUZZ AND EXISTS ${PROJECT_SOURCE_DIR}/fuzzers/fuzz_program.c)
  file(GLOB GCF_FZ_SEEDS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpora/fuzz_program/*.bin
       ${PROJECT_SOURCE_DIR}/corpora/fuzz_program/regressions/*.bin)
  if(GCF_FZ_SEEDS)
    add_test(NAME corpus/fuzz_program COMMAND fuzz_program ${GCF_FZ_SEEDS})
    set_tests_properties(corpus/fuzz_program PROPERTIES LABELS corpus TIMEOUT 300)
  endif()
endif()
