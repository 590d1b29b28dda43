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
#endif
