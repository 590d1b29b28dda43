# The clrgc targets on CoreCLR's standalone collector (skipped where no
# libclrgc.so is found).
if(TARGET gcfuzz AND TARGET gcf_clrgc)
  add_library(gcf_fake_clrgc MODULE ${CMAKE_CURRENT_SOURCE_DIR}/clrgc/fake_gc.c)
  add_test(NAME clrgc/conformance
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/clrgc/clrgc_test.sh $<TARGET_FILE:gcfuzz>
                   ${PROJECT_SOURCE_DIR} $<TARGET_FILE:gcf_fake_clrgc>
                   $<TARGET_FILE_DIR:gcf_clrgc>)
  set_tests_properties(clrgc/conformance PROPERTIES LABELS clrgc TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
