# The gcfuzz command line (exit statuses, error positions, round trips).
if(TARGET gcfuzz)
  add_test(NAME cli/gcfuzz COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/cli_test.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(cli/gcfuzz PROPERTIES LABELS cli TIMEOUT 300)
endif()
