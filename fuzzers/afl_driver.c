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
#include <unistd.h>

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "afl_driver.c is compiled by afl-clang-fast (GCF_AFL=ON)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

__AFL_FUZZ_INIT();

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 66;
    }
    size_t cap = 1 << 16, n = 0, r;
    uint8_t *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return 66;
    LLVMFuzzerTestOneInput(buf, n);
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
