# Concurrent mutators (docs/threads.md).  Under the tsan preset the threads
# suite runs on its own (label tsan, ci/test); every preset runs the
# planted-defect test (the workload must catch each planted defect).
if(TARGET check_runtime AND GCF_TSAN)
  add_test(NAME check_runtime_threads_tsan COMMAND check_runtime threads)
  set_tests_properties(check_runtime_threads_tsan PROPERTIES
    LABELS tsan TIMEOUT 1500
    ENVIRONMENT "CK_FORK=no;TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")
endif()
if(TARGET mgc_plants AND NOT GCF_TSAN AND NOT GCF_VALGRIND)
  add_executable(plants_threads plants_threads.c testutil.c)
  target_include_directories(plants_threads PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(plants_threads PRIVATE mgc_plants)
  add_test(NAME plants_threads COMMAND plants_threads 2 30)
  set_tests_properties(plants_threads PROPERTIES LABELS threads TIMEOUT 900)
endif()
