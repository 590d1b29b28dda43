# FIN runtime suites (check_rt_handles/finalize/finthread/dump.c): they
# inspect the queues and the handle table, so they see runtime/internal.h.
# Under the tsan preset, check_runtime_tsan runs the finalizer-thread test
# case alone (label tsan, used by ci/test).
if(TARGET check_runtime)
  target_include_directories(check_runtime PRIVATE ${PROJECT_SOURCE_DIR}/runtime)
  if(GCF_TSAN)
    add_test(NAME check_runtime_tsan COMMAND check_runtime finthread)
    set_tests_properties(check_runtime_tsan PROPERTIES
      LABELS tsan TIMEOUT 900
      ENVIRONMENT "CK_FORK=no;TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1")
  endif()
endif()
