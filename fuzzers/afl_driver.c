/* afl_driver.c -- AFL++ persistent-mode main for the fuzz drivers.
 *
 * Built instead of libFuzzer's main when the drivers are compiled with
 * afl-clang-fast (cmake -DGCF_AFL=ON, ci/campaign --engine afl): the test
 * case arrives in shared memory (__AFL_FUZZ_TESTCASE_BUF), and one process
 * runs up to 10000 of them (__AFL_LOOP) before afl-fuzz forks a fresh one,
 * so the kept heap of fuzz_program serves many executions as under
 * libFuzzer.  Started outside afl-fuzz it runs each file named on the
 * command line once (or stdin when none), which is how afl-fuzz's crashes
 * are replayed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "afl_driver.c is compiled by afl-clang-fast (GCF_AFL=ON)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

__AFL_FUZZ_INIT();

static int run_file(const char *path)
{
    char *buf;
    size_t n;
    int err = hx_read_file(path, &buf, &n);
    if (err) {
        fprintf(stderr, "%s: %s\n", path, strerror(err));
        return 66;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1 && !getenv("__AFL_SHM_ID")) {
        for (int i = 1; i < argc; i++)
            if (argv[i][0] != '-') {
                int rc = run_file(argv[i]);
                if (rc)
                    return rc;
            }
        return 0;
    }
    __AFL_INIT();
    const unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000)) {
        size_t len = __AFL_FUZZ_TESTCASE_LEN;
        LLVMFuzzerTestOneInput(buf, len);
    }
    return 0;
}
