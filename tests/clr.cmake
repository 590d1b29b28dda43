# CoreCLR-observable generation and the oracle-vs-CoreCLR comparison
# (docs/clr.md); runs without .NET (the runner itself is ci/clr-conformance).
if(TARGET gcfuzz)
  add_test(NAME cli/clr COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/clr_test.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(cli/clr PROPERTIES LABELS cli TIMEOUT 300)
endif()
