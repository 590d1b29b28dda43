# Concurrent mutators (docs/threads.md).  Under the tsan preset the threads
# suite runs on its own (label tsan, ci/test); every preset runs the
# planted-defect test (the workload must catch each planted defect).
if(TARGET check_runtime AND GCF_TSAN)
  add_test(NAME check_runtime_threads_tsan COMMAND check_runtime threads)
  set_tests_properties(check_runtime_threads_tsan PROPERTIES
    LABELS tsan TIMEOUT 1500
    ENVIRONMENT "CK_FORK=no;TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")
endif()
if(TARGET mgc_plants AND TARGET gcf_harness AND NOT GCF_TSAN AND NOT GCF_VALGRIND)
  # the harness again, against the planted runtime (plant 3 is caught by
  # the harness in finalizer-thread mode); tests/freerun.cmake may have made it
  if(NOT TARGET gcf_harness_plants)
    get_target_property(GCF_HX_PLANT_SOURCES gcf_harness SOURCES)
    add_library(gcf_harness_plants STATIC EXCLUDE_FROM_ALL ${GCF_HX_PLANT_SOURCES})
    target_include_directories(gcf_harness_plants PUBLIC ${PROJECT_SOURCE_DIR}/harness)
    target_link_libraries(gcf_harness_plants PUBLIC gcf_oracle mgc_plants ${CMAKE_DL_LIBS})
  endif()
  add_executable(plants_threads plants_threads.c testutil.c)
  target_include_directories(plants_threads PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(plants_threads PRIVATE gcf_harness_plants mgc_plants)
  add_test(NAME plants_threads COMMAND plants_threads 2 30)
  set_tests_properties(plants_threads PROPERTIES LABELS threads TIMEOUT 900)
endif()
# A test of the threads suite: under the tsan preset also labelled tsan
# (ci/test runs it there), with a longer timeout and TSan stopping at the
# first report.
function(gcf_threads_suite_properties name)
  if(GCF_TSAN)
    set_tests_properties(${name} PROPERTIES LABELS "tsan;threads" TIMEOUT 900
      ENVIRONMENT "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")
  else()
    set_tests_properties(${name} PROPERTIES LABELS threads TIMEOUT 600)
  endif()
endfunction()
# The scheduled mode (target mgc-sched, docs/threads.md) on every
# conformance scenario: the same verdicts as on mgc; under TSan too.
if(TARGET gcfuzz)
  file(GLOB GCF_SCHED_SCENARIOS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/conformance/*.gcp)
  add_test(NAME threads/sched-conformance
           COMMAND $<TARGET_FILE:gcfuzz> run -q --target mgc-sched ${GCF_SCHED_SCENARIOS})
  gcf_threads_suite_properties(threads/sched-conformance)
endif()
# Finalizer-thread mode (target mgc-fin, docs/threads.md): every conformance
# scenario, with the deviations the finalizer thread's timing explains.
if(TARGET gcfuzz)
  add_test(NAME threads/fin-conformance
           COMMAND $<TARGET_FILE:gcfuzz> conformance -q --target mgc-fin
                   --expect ${CMAKE_CURRENT_SOURCE_DIR}/mgc-fin-expected.txt
                   ${PROJECT_SOURCE_DIR}/conformance)
  gcf_threads_suite_properties(threads/fin-conformance)
endif()
