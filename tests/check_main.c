/* check_main.c -- the one main of the Check unit tests.
 *
 * Built once per area (GCF_SUITES = runtime | oracle | harness); runs every
 * suite listed in that area's suites_*.def files and exits non-zero if any
 * test failed.
 * Arguments: [SUITE [TCASE]] runs only that suite (and test case).
 * Environment: GCF_SEED=<n>|random for randomized tests (testutil.h),
 * CK_FORK=no to run in one process (valgrind, gdb).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "testutil.h"

#define GCF_SUITE(fn) Suite *fn(void);
#define STR2(x) #x
#define STR(x) STR2(x)
#include "suites.def"
#undef GCF_SUITE

typedef Suite *(*suite_maker)(void);

static const suite_maker makers[] = {
#define GCF_SUITE(fn) fn,
#include "suites.def"
#undef GCF_SUITE
};

int main(int argc, char **argv)
{
    gcf_test_seed_announce();
    SRunner *sr = NULL;
    size_t n = sizeof makers / sizeof makers[0];
    for (size_t i = 0; i < n; i++) {
        Suite *s = makers[i]();
        if (!sr)
            sr = srunner_create(s);
        else
            srunner_add_suite(sr, s);
    }
    if (!sr) {
        fprintf(stderr, "check_main: no suites in this area\n");
        return 2;
    }
    /* Every suite is owned by the runner (freed by srunner_free); a
       selection only narrows what runs. */
    srunner_run(sr, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
