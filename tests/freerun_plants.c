/* freerun_plants.c -- the free-running mode (harness/freerun.c) must catch
 * the planted runtime defects of docs/threads.md (.thr.plants): a
 * collection that does not wait for the mutators (they run during it), and
 * one that retires only its own thread's allocation context.  Linked with
 * gcf_harness_plants, the harness on mgc_plants (the runtime built with
 * MGC_TEST_PLANTS).  Each run is a child process (a defect may corrupt the
 * heap, crash or abort: all count as caught) on one of two programs: a
 * stress program of four threads that build and publish lists under a
 * small gen0 budget, and a generated free-running program (hx_gen_free).
 * Without a plant every run must pass.  Whether a mutator is inside a
 * collection's window depends on the OS, so a plant must be caught in
 * ROUNDS rounds, each within ATTEMPTS runs on successive seeds.
 *
 * Usage: freerun_plants [ROUNDS [ATTEMPTS]]   (GCF_SEED as for the unit tests) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "freerun.h"
#include "text.h"
#include "testutil.h"

extern int mgc_test_plant;

/* Four threads; each builds a list of 80 nodes, publishes every tenth,
   reads another thread's static, and collects now and then. */
static char *stress_text(void)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        exit(3);
#define PUT(...) (n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__))
    PUT("heap gen0_budget=2k gen1_budget=8k\n"
        "type Node size=40 refs=2\n"
        "type Fin size=32 finalizer=count\n");
    for (unsigned t = 0; t < 4; t++) {
        PUT("thread %u\n", t);
        PUT("a%u_0 = new Node\n", t);
        for (unsigned i = 1; i < 80; i++) {
            PUT("a%u_%u = new Node\n", t, i);
            PUT("a%u_%u.0 = a%u_%u\n", t, i, t, i - 1);
            if (i % 10 == 0) {
                PUT("static s%u = a%u_%u\n", t, t, i);
                PUT("r%u = static s%u\n", t, (t + 1) % 4);
                PUT("f%u = new Fin\n", t);
                PUT("drop a%u_%u\n", t, i - 5);
            }
            if (i % 25 == 0)
                PUT("collect %u\n", i % 2);
        }
    }
#undef PUT
    if (n >= cap)
        exit(3);
    return buf;
}

typedef struct child_args {
    int plant;
    uint64_t seed;
    bool generated;
} child_args;

static void child_run(void *ctx)
{
    const child_args *c = ctx;
    mgc_test_plant = c->plant;
    hx_program p;
    if (c->generated) {
        if (!hx_gen_free(c->seed, 300, 4, &p))
            _exit(3);
    } else {
        char *text = stress_text();
        hx_diag d;
        if (!hx_parse(text, strlen(text), "stress.gcp", &p, &d))
            _exit(3);
        free(text);
    }
    hx_freerun_options o = { c->seed, false };
    hx_exec_outcome r;
    hx_exec_status s = hx_freerun_run(&p, c->generated ? "gen.gcp" : "stress.gcp", &o, &r, NULL);
    if (s == HX_EXEC_FAIL) {
        printf("    plant %d, %s program, seed %llu: %s\n", c->plant,
               c->generated ? "generated" : "stress", (unsigned long long)c->seed,
               r.fail.signature);
        fflush(stdout);
        _exit(1);
    }
    _exit(s == HX_EXEC_PASS ? 0 : 3);
}

/* 0 clean, 1 a finding, 2 the child died or hung. */
static int run_child(int plant, uint64_t seed, bool generated)
{
    child_args c = { plant, seed, generated };
    int signo;
    int rc = gcf_run_in_child(child_run, &c, &signo);
    if (signo)
        printf("    plant %d, %s program, seed %llu: child died of signal %d\n", plant,
               generated ? "generated" : "stress", (unsigned long long)seed, signo);
    return rc;
}

/* A plant's attempt: the stress program, then the generated one, by turns. */
static int run_plant(int plant, uint64_t seed, unsigned attempt)
{
    return run_child(plant, seed, attempt % 2);
}

int main(int argc, char **argv)
{
    unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 3;
    unsigned attempts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 30;
    uint64_t seed = gcf_test_seed("freerun_plants");
    int failed = 0;
    for (unsigned i = 0; i < 2 * rounds; i++)
        if (run_child(0, seed + i, i % 2) != 0) {
            printf("FAIL: a free-running run without a plant is not clean (seed %llu, %s program)\n",
                   (unsigned long long)(seed + i), i % 2 ? "generated" : "stress");
            failed = 1;
        }
    if (gcf_catch_thread_plants(run_plant, seed, rounds, attempts))
        failed = 1;
    return failed;
}
