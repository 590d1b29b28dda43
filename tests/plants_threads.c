/* plants_threads.c -- the concurrent workload (check_rt_threads_util.h)
 * must catch the planted runtime defects of docs/threads.md (.thr.plants):
 * a collection that does not wait for the mutators (they run during it),
 * and one that retires only its own thread's allocation context.  Linked
 * with mgc_plants (the runtime built with MGC_TEST_PLANTS).  Each run is a
 * child process: a defect may corrupt the heap, crash or abort, and all of
 * these count as caught; the same workload without a plant must pass.
 * Whether a mutator happens to run inside a collection's window depends on
 * the OS scheduler, so a planted defect must be caught in ROUNDS runs, each
 * within ATTEMPTS tries (a run that misses moves on to the next seed).
 *
 * Usage: plants_threads [ROUNDS [ATTEMPTS]]   (GCF_SEED as for the unit tests) */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check_rt_threads_util.h"
#include "testutil.h"

extern int mgc_test_plant;

/* 0: the run was clean; 1: the workload reported findings; 2: the child
   died (signal) or hung. */
static int run_child(int plant, uint64_t seed)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        alarm(120);                    /* a hang is a finding too */
        mgc_test_plant = plant;
        thr_params p = { .threads = 4, .iterations = 20000, .gen0_budget = 8 * 1024, .seed = seed };
        thr_result r;
        if (thr_run(&p, &r) != 0)
            _exit(3);
        if (thr_findings(&r)) {
            printf("    plant %d: %lu findings, first: %s\n", plant, thr_findings(&r), r.first);
            fflush(stdout);
            _exit(1);
        }
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 2;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0 ? 0 : WEXITSTATUS(status) == 1 ? 1 : 2;
    printf("    plant %d: child died of signal %d\n", plant, WTERMSIG(status));
    return 2;
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3;
    unsigned attempts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 30;
    uint64_t seed = gcf_test_seed("plants_threads");
    static const struct { int plant; const char *name; } plants[] = {
        { 1, "no suspension: mutators run during a collection" },
        { 2, "skipped retiring of other threads' allocation contexts" },
    };
    int failed = 0;
    for (unsigned i = 0; i < rounds; i++)
        if (run_child(0, seed + i) != 0) {
            printf("FAIL: the workload without a plant is not clean (seed %llu)\n",
                   (unsigned long long)(seed + i));
            failed = 1;
        }
    for (size_t k = 0; k < sizeof plants / sizeof plants[0]; k++) {
        unsigned caught = 0, tries = 0;
        uint64_t s = seed;
        for (unsigned i = 0; i < rounds; i++)
            for (unsigned a = 0; a < attempts; a++) {
                tries++;
                if (run_child(plants[k].plant, s++) != 0) {
                    caught++;
                    break;
                }
            }
        printf("%s: plant %d (%s): caught in %u of %u rounds (%u runs)\n", caught == rounds ? "ok" : "FAIL",
               plants[k].plant, plants[k].name, caught, rounds, tries);
        if (caught != rounds)
            failed = 1;
    }
    return failed;
}
