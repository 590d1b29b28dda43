# The free-running mode (harness/freerun.c, docs/threads.md): the planted
# runtime defects must be caught (freerun_plants links the harness built on
# mgc_plants); under the tsan preset a free-running sweep runs as a test of
# its own (label tsan, ci/test).
if(TARGET mgc_plants AND TARGET gcf_harness AND NOT GCF_TSAN AND NOT GCF_VALGRIND)
  file(GLOB GCF_FR_HX_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/harness/*.c)
  add_library(gcf_harness_plants STATIC EXCLUDE_FROM_ALL ${GCF_FR_HX_SOURCES})
  target_include_directories(gcf_harness_plants PUBLIC ${PROJECT_SOURCE_DIR}/harness)
  target_link_libraries(gcf_harness_plants PUBLIC gcf_oracle mgc_plants ${CMAKE_DL_LIBS})
  add_executable(freerun_plants freerun_plants.c testutil.c)
  target_include_directories(freerun_plants PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(freerun_plants PRIVATE gcf_harness_plants)
  add_test(NAME freerun_plants COMMAND freerun_plants 2 30)
  set_tests_properties(freerun_plants PROPERTIES LABELS threads TIMEOUT 900)
endif()
if(TARGET gcfuzz AND NOT GCF_VALGRIND)
  add_test(NAME freerun/cli COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/freerun_cli.sh $<TARGET_FILE:gcfuzz>)
  set_tests_properties(freerun/cli PROPERTIES LABELS "cli;threads" TIMEOUT 600)
endif()
