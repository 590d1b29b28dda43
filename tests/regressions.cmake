# Regression programs run as text too (gcfuzz run --fuzz): a regression the
# binary format cannot hold (`# seed: none`, beyond its bounds) has no
# binary seed, so this is where it keeps being run.
if(TARGET gcfuzz)
  file(GLOB GCF_REGRESSIONS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/corpora/*/regressions/*.gcp)
  foreach(f ${GCF_REGRESSIONS})
    get_filename_component(name ${f} NAME_WE)
    add_test(NAME regression/${name} COMMAND gcfuzz run --fuzz ${f})
    set_tests_properties(regression/${name} PROPERTIES LABELS regression TIMEOUT 300)
  endforeach()
endif()
