# The seed corpora (generated at build time by corpora/CMakeLists.txt):
#   corpus/seeds-match-source  every binary seed decodes to exactly the
#                              canonical text of its source (.gcp)
#   corpus/fuzz_program        the fuzz_program seeds replay without a failure
#   corpus/fuzz_text           the fuzz_text seeds (every .gcp of the project)
#                              replay without a failure
# (standalone replay mains; under the fuzz presets the drivers are
# libFuzzer's and these tests are not registered).
if(TARGET gcfuzz AND TARGET seed_corpora)
  add_test(NAME corpus/seeds-match-source
           COMMAND ${PROJECT_SOURCE_DIR}/tests/cli/seeds_test.sh $<TARGET_FILE:gcfuzz>
                   ${GCF_SEEDS} ${PROJECT_SOURCE_DIR})
  set_tests_properties(corpus/seeds-match-source PROPERTIES LABELS corpus TIMEOUT 300)
  if(NOT GCF_FUZZ)
    add_test(NAME corpus/fuzz_program COMMAND fuzz_program ${GCF_SEEDS}/fuzz_program)
    add_test(NAME corpus/fuzz_text COMMAND fuzz_text ${GCF_SEEDS}/fuzz_text)
    set_tests_properties(corpus/fuzz_program corpus/fuzz_text PROPERTIES LABELS corpus TIMEOUT 300)
  endif()
endif()
