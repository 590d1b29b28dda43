# The gcfuzz command line (exit statuses, error positions, round trips).
if(TARGET gcfuzz)
  add_test(NAME cli/gcfuzz COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/cli_test.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(cli/gcfuzz PROPERTIES LABELS cli TIMEOUT 300)
endif()
# gcfuzz triage on planted crash, hang and unbounded allocation targets
if(TARGET gcfuzz)
  add_test(NAME cli/triage COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/triage_test.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(cli/triage PROPERTIES LABELS cli TIMEOUT 600)
endif()
# gcfuzz minimize on the same planted targets: bounded, every kind kept
if(TARGET gcfuzz)
  add_test(NAME cli/minimize COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/minimize_test.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(cli/minimize PROPERTIES LABELS cli TIMEOUT 1200)
endif()
