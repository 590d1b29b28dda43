# The plug-in boundary (docs/targets.md): the runtime library's exports,
# the Boehm target plug-in on the conformance suite with its expected
# deviations and on generated programs, and an out-of-tree target built
# against the installed header.
if(TARGET mgc_shared)
  set(GCF_ABI_PLUGIN "")
  if(TARGET gcfuzz_boehm)
    set(GCF_ABI_PLUGIN $<TARGET_FILE:gcfuzz_boehm>)
  endif()
  add_test(NAME abi/exports COMMAND ${PROJECT_SOURCE_DIR}/tests/abi_test.sh
           $<TARGET_FILE:mgc_shared> ${PROJECT_SOURCE_DIR}/include/mgc.h ${GCF_ABI_PLUGIN})
  set_tests_properties(abi/exports PROPERTIES LABELS plugin TIMEOUT 60)
endif()
if(TARGET gcfuzz AND TARGET gcfuzz_boehm)
  add_test(NAME boehm/conformance
           COMMAND gcfuzz conformance -q --target-lib $<TARGET_FILE:gcfuzz_boehm>
                   --expect ${PROJECT_SOURCE_DIR}/targets/boehm/expected.txt
                   ${PROJECT_SOURCE_DIR}/conformance)
  set_tests_properties(boehm/conformance PROPERTIES LABELS plugin TIMEOUT 300)
  # programs that once failed on the plug-in (docs/targets.md .tgt.kept)
  file(GLOB GCF_BOEHM_REGRESSIONS CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/targets/boehm/regressions/*.gcp)
  foreach(f ${GCF_BOEHM_REGRESSIONS})
    get_filename_component(name ${f} NAME_WE)
    add_test(NAME boehm/${name}
             COMMAND gcfuzz run -q --target-lib $<TARGET_FILE:gcfuzz_boehm> ${f})
    set_tests_properties(boehm/${name} PROPERTIES LABELS plugin TIMEOUT 120)
  endforeach()
endif()
if(TARGET gcfuzz AND TARGET gcfuzz_boehm AND TARGET mgc_shared)
  add_test(NAME plugin/outoftree COMMAND ${PROJECT_SOURCE_DIR}/tests/outoftree_test.sh
           ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR})
  set_tests_properties(plugin/outoftree PROPERTIES LABELS plugin TIMEOUT 600)
endif()
