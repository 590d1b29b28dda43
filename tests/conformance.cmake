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
# and with a mark stack of one entry (.mark.overflow): every scenario's
# collections recover from mark-stack overflows and must still agree
if(TARGET gcfuzz)
  add_test(NAME conformance/all-tiny-mark-stack
           COMMAND gcfuzz conformance -q ${PROJECT_SOURCE_DIR}/conformance)
  set_tests_properties(conformance/all-tiny-mark-stack PROPERTIES LABELS conformance TIMEOUT 300
                       ENVIRONMENT "GCF_MGC_MARK_STACK=1")
endif()
