/* testutil.h -- helpers shared by the unit tests (no global test state). */
#ifndef GCF_TESTUTIL_H
#define GCF_TESTUTIL_H
#include <stdint.h>
#include <stdbool.h>

/* The seed for randomized tests: GCF_SEED=<n> replays one, GCF_SEED=random
   picks a fresh one; default is a fixed seed so CI is deterministic.  Every
   randomized test prints the seed it used (gcf_test_seed prints it). */
uint64_t gcf_test_seed(const char *test_name);
void gcf_test_seed_announce(void);

/* A small deterministic PRNG (splitmix64), state owned by the caller. */
typedef struct gcf_rng { uint64_t s; } gcf_rng;
uint64_t gcf_rng_next(gcf_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t gcf_rng_below(gcf_rng *r, uint64_t n);
/* True when running under valgrind (GCF_VALGRIND=1): scale work down. */
bool gcf_under_valgrind(void);

/* Run child(ctx) in a forked child process under a 120 s alarm (a hang is
   a finding too); child ends the process with _exit (status 3 if it
   returns).  0 when the child exited with 0, 1 when with 1, 2 otherwise;
   *signo is the signal it died of, else 0. */
int gcf_run_in_child(void (*child)(void *ctx), void *ctx, int *signo);

/* The planted defects 1 and 2 of docs/threads.md (.thr.plants): each must
   be caught in rounds rounds, each within attempts runs on successive
   seeds from seed; run(plant, seed, attempt) is nonzero when the run
   caught it.  Prints a line a plant; 1 when one was missed, else 0. */
int gcf_catch_thread_plants(int (*run)(int plant, uint64_t seed, unsigned attempt),
                            uint64_t seed, unsigned rounds, unsigned attempts);
#endif
