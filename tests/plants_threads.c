/* plants_threads.c -- the planted runtime defects of docs/threads.md
 * (.thr.plants) must be caught.  The concurrent workload
 * (check_rt_threads_util.h) must catch a collection that does not wait for
 * the mutators (they run during it) and one that retires only its own
 * thread's allocation context; the harness in finalizer-thread mode
 * (target mgc-fin) must catch a finalizer thread that loses a wake-up
 * (plant 3), with the signature `C6 new finalizer-timeout`.  Linked with
 * mgc_plants (the runtime built with MGC_TEST_PLANTS) and a harness built
 * against it.  Each workload run is a
 * child process: a defect may corrupt the heap, crash or abort, and all of
 * these count as caught; the same workload without a plant must pass.
 * Whether a mutator happens to run inside a collection's window depends on
 * the OS scheduler, so a planted defect must be caught in ROUNDS runs, each
 * within ATTEMPTS tries (a run that misses moves on to the next seed).
 *
 * Usage: plants_threads [ROUNDS [ATTEMPTS]]   (GCF_SEED as for the unit tests) */
#include <stdlib.h>
#include <unistd.h>
#include "check_rt_threads_util.h"
#include "testutil.h"
#include "exec.h"
#include "text.h"

extern int mgc_test_plant;

typedef struct child_args {
    int plant;
    uint64_t seed;
} child_args;

static void child_run(void *ctx)
{
    const child_args *c = ctx;
    mgc_test_plant = c->plant;
    thr_params p = { .threads = 4, .iterations = 20000, .gen0_budget = 8 * 1024, .seed = c->seed };
    thr_result r;
    if (thr_run(&p, &r) != 0)
        _exit(3);
    if (thr_findings(&r)) {
        printf("    plant %d: %lu findings, first: %s\n", c->plant, thr_findings(&r), r.first);
        fflush(stdout);
        _exit(1);
    }
    _exit(0);
}

/* 0: the run was clean; 1: the workload reported findings; 2: the child
   died (signal) or hung. */
static int run_child(int plant, uint64_t seed)
{
    child_args c = { plant, seed };
    int signo;
    int rc = gcf_run_in_child(child_run, &c, &signo);
    if (signo)
        printf("    plant %d: child died of signal %d\n", plant, signo);
    return rc;
}

static int run_plant(int plant, uint64_t seed, unsigned attempt)
{
    return run_child(plant, seed);
}

/* Plant 3 through the harness: two finalizers that allocate run on the
   finalizer thread after `b = new Blob[960]` collected; the second one's
   allocation collects again and queues F, which only a drain that runs
   until the queue is empty (or a later request) takes.  Deterministic:
   one run each.  Returns the failure signature ("" for a pass) in sig. */
static const char lost_wakeup_program[] =
    "heap gen0_budget=1k\n"
    "type F size=24 finalizer=count\n"
    "type M size=24 finalizer=alloc:F\n"
    "type Blob array elem=1\n"
    "m1 = new M\n"
    "m2 = new M\n"
    "drop m1\n"
    "drop m2\n"
    "b = new Blob[960]\n"
    "c = new Blob[8]\n"
    "finalize\n";

static hx_exec_status run_fin_program(int plant, char *sig, size_t n, uint64_t *calls)
{
    mgc_test_plant = plant;
    hx_program p;
    hx_diag d;
    if (!hx_parse(lost_wakeup_program, sizeof lost_wakeup_program - 1, "lost-wakeup.gcp", &p, &d)) {
        printf("FAIL: parse: %s\n", d.msg);
        exit(1);
    }
    hx_exec_options o;
    hx_exec_options_default(&o);
    o.no_views = true;
    o.target = hx_target_by_name("mgc-fin");
    hx_exec_outcome r;
    hx_exec_status st = hx_exec_run(&p, "lost-wakeup.gcp", &o, &r);
    snprintf(sig, n, "%s", st == HX_EXEC_PASS ? "" : r.fail.signature);
    *calls = r.fin_calls;
    hx_exec_outcome_free(&r);
    hx_program_free(&p);
    mgc_test_plant = 0;
    return st;
}

static int check_fin_plant(void)
{
    /* a short bound: the planted thread never answers */
    setenv("GCF_FIN_TIMEOUT_MS", "1000", 1);
    char sig[HX_SIG_MAX];
    uint64_t calls = 0;
    int failed = 0;
    hx_exec_status st = run_fin_program(0, sig, sizeof sig, &calls);
    if (st != HX_EXEC_PASS || calls != 3) {
        printf("FAIL: finalizer-thread mode without a plant: status %d, %llu calls, %s\n", st,
               (unsigned long long)calls, sig);
        failed = 1;
    }
    st = run_fin_program(3, sig, sizeof sig, &calls);
    bool caught = st == HX_EXEC_FAIL && strcmp(sig, "C6 new finalizer-timeout") == 0;
    printf("%s: plant 3 (lost finalizer-thread wake-up): harness on mgc-fin: %s\n",
           caught ? "ok" : "FAIL", st == HX_EXEC_PASS ? "passed" : sig);
    if (!caught)
        failed = 1;
    return failed;
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3;
    unsigned attempts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 30;
    uint64_t seed = gcf_test_seed("plants_threads");
    int failed = check_fin_plant();
    for (unsigned i = 0; i < rounds; i++)
        if (run_child(0, seed + i) != 0) {
            printf("FAIL: the workload without a plant is not clean (seed %llu)\n",
                   (unsigned long long)(seed + i));
            failed = 1;
        }
    if (gcf_catch_thread_plants(run_plant, seed, rounds, attempts))
        failed = 1;
    return failed;
}
