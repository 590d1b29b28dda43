# Every mutant of the kit (mutants/*.patch, ci/mutants, docs/power.md) still
# applies to the runtime as it is: a change to runtime/ that moves the lines
# a mutant edits must refresh the patch (mutants/README.md), or the nightly
# mutation score would report it stale instead of measuring it.
find_program(GCF_PATCH patch)
if(GCF_PATCH)
  file(GLOB GCF_MUTANTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/mutants/[0-9]*.patch)
  foreach(p ${GCF_MUTANTS})
    get_filename_component(name ${p} NAME_WE)
    add_test(NAME mutants/applies/${name}
             COMMAND ${GCF_PATCH} -s -p1 --dry-run -d ${PROJECT_SOURCE_DIR} -i ${p})
    set_tests_properties(mutants/applies/${name} PROPERTIES LABELS mutants TIMEOUT 60)
  endforeach()
endif()
